/*
 * ident.h: who a source is (dmarcdb(1), IDENTITY), from the evidence:
 * how it authenticates (from the reports), who owns its network (the
 * location database), its reverse DNS name (forward-confirmed, cached
 * in the database) and the service of the catalogue that this evidence
 * names. The report commands open it once.
 */
#ifndef DR_IDENT_H
#define DR_IDENT_H

#include <stddef.h>
#include <stdint.h>

#include "catalogue.h"
#include "error.h"
#include "geo.h"
#include "rdns.h"

struct conf;
struct source;
struct store;

struct ident {
	struct geo		*geo;		/* NULL: none */
	struct catalogue	*cat;		/* NULL: none */
	struct store		*store;		/* its PTR cache */
	const struct rdns_conf	*resolver;
	int			 dns;		/* 0: the cache only */
};

struct source_ident {
	struct geo_info		 geo;		/* asn 0: not known */
	enum rdns_status	 ptr_status;	/* RDNS_SKIPPED: not known */
	char			 ptr[RDNS_NAME_MAX]; /* RDNS_NAME, else "" */
	int			 ptr_confirmed;
	struct svc_match	 svc;		/* svc NULL: none */
};

/*
 * The location database, the catalogue and the resolvers of the
 * configuration, the store's PTR cache; dns 0: no PTR is looked up,
 * the cache still answers. What cannot be had (no database, a
 * catalogue that cannot be read) is said once on standard error and
 * left out. Free with ident_close.
 */
void	 ident_open(const struct conf *, struct store *, int,
	    struct ident *);
void	 ident_close(struct ident *);

/*
 * The identity of n listed sources, out[i] for src[i]: their PTR names
 * looked up together (now: Unix time, for the cache), if dns (and the
 * ident's dns); else from the cache only. A lookup that fails leaves
 * the names out, with a warning; never an error.
 */
void	 ident_sources(const struct ident *, const struct source *, size_t,
	    int64_t, int, struct source_ident *);

/* "name", "name?" when it does not resolve back, else "-". */
void	 ident_ptr(const struct source_ident *, char *, size_t);

/*
 * The name a source is shown with: its configured sender's, else the
 * service's ("SendGrid", "SendGrid (not as us)", "in SendGrid's
 * network"), else "".
 */
void	 ident_name(const struct source *, const struct source_ident *,
	    char *, size_t);

/* "AS15169 US", "US" or "-". */
void	 ident_network(const struct geo_info *, char *, size_t);

/* "for-us", "other-customer", "network" or "" (SVC_NONE). */
const char *ident_how_name(enum svc_how);

#endif
