/*
 * geo.h: who owns an address's network, offline: AS number, AS name
 * and country from the IPFire location database through libloc
 * (dmarcdb(1), IDENTITY).
 *
 * The database is /var/lib/location/database.db (Debian's
 * libloc-database) unless the configuration names another
 * ("location-db PATH;"). Without one, dmarcdb works as before and
 * says so once (a note, not an error).
 */
#ifndef DR_GEO_H
#define DR_GEO_H

#include <stdint.h>

#include "error.h"

#define GEO_DEFAULT_PATH	"/var/lib/location/database.db"
#define GEO_AS_NAME_MAX		128	/* bytes kept of an AS name */

struct geo;

struct geo_info {
	uint32_t	asn;			/* 0: not known */
	char		as_name[GEO_AS_NAME_MAX]; /* "" if not known */
	char		country[3];		/* ISO 3166 alpha-2, or "" */
};

/*
 * Open the database at path (NULL: GEO_DEFAULT_PATH). NULL with err
 * set when it is missing or cannot be read: callers go on without.
 */
struct geo	*geo_open(const char *, struct dr_error *);
void		 geo_close(struct geo *);
/*
 * geo_open for a command: NULL when there is no database, after a note
 * on stderr (log_info: not under -q), once per process, that AS and
 * country are not shown and why.
 */
struct geo	*geo_open_or_note(const char *);

/* The path opened, and when the database was made (Unix time). */
const char	*geo_path(const struct geo *);
int64_t		 geo_created(const struct geo *);

/*
 * Look up an address in dmarcdb's canonical text form (IPv4 or IPv6).
 * 1 found (info filled; what the database lacks is 0 or ""), 0 not in
 * the database or not an address (info zeroed), -1 on errors.
 * Strings are validated: an AS name is printable UTF-8 without
 * controls (else ""), a country two ASCII letters (else "").
 * Special-purpose addresses (private, loopback, documentation, ...)
 * are never in the database. One thread at a time per struct geo.
 */
int		 geo_lookup(struct geo *, const char *, struct geo_info *,
		    struct dr_error *);

/*
 * The checks of geo_lookup, on their own (for tests). An AS name into
 * out (GEO_AS_NAME_MAX bytes): 0 if it is printable UTF-8 without
 * controls, bidi or invisible characters and not blank (spaces around
 * it dropped, cut at GEO_AS_NAME_MAX - 1 bytes before a character);
 * else -1 and out "". A country into out (3 bytes): 0 if two ASCII
 * letters (upper-cased), else -1 and out "".
 */
int		 geo_as_name(const char *, char *);
int		 geo_country(const char *, char *);

#endif
