/*
 * rdns.h: reverse DNS of source addresses (dmarcdb(1), IDENTITY): the
 * PTR name of each, forward-confirmed (the name resolves back to the
 * address), many at once through c-ares, with timeouts and bounded
 * parallelism; and a cache of the answers in the database, so that a
 * report command looks up only what it has not seen lately. Never
 * called by ingest.
 */
#ifndef DR_RDNS_H
#define DR_RDNS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct store;

#define RDNS_SERVERS_MAX	8	/* resolvers named at most */
#define RDNS_TIMEOUT_MS		2000	/* per query try */
#define RDNS_PARALLEL		256	/* queries in flight at most */
#define RDNS_TRIES		2	/* tries per query */
#define RDNS_TIMEOUT_MAX	60000	/* resolver-timeout at most */

/*
 * How long an answer is kept in the cache (seconds): a name, no PTR,
 * and a failure or timeout of the address's own servers.
 */
#define RDNS_TTL_NAME		(7 * 86400)
#define RDNS_TTL_NONE		86400
#define RDNS_TTL_FAIL		3600

/* A host name's longest text (253 bytes) and its NUL. */
#define RDNS_NAME_MAX		254
/* The longest ip6.arpa name (72 bytes) and its NUL. */
#define RDNS_ARPA_MAX		73

enum rdns_status {
	RDNS_NAME,	/* a PTR name (confirmed or not) */
	RDNS_NONE,	/* no PTR: NXDOMAIN or no data */
	RDNS_FAIL,	/* SERVFAIL, refused, or an answer not usable */
	RDNS_TIMEOUT,	/* no answer in time */
	RDNS_SKIPPED,	/* not looked up (no DNS, or not an address) */
};

struct rdns_answer {
	const char		*ip;		/* as asked */
	enum rdns_status	 status;
	const char		*name;		/* RDNS_NAME: lower case host
						   name, validated; else NULL */
	int			 confirmed;	/* name resolves to ip */
	int			 cached;	/* from the database */
	int			 transient;	/* the resolver's fault, not
						   the address's (refused,
						   nothing answering): never
						   cached */
};

/*
 * Which resolvers: servers as "ADDR", "ADDR:PORT" or "[ADDR6]:PORT"
 * (n 0: /etc/resolv.conf's). Set by "resolver ...;" in the
 * configuration or $DMARCDB_RESOLVER (the same syntax, comma or space
 * separated, which wins).
 */
struct rdns_conf {
	char		*servers[RDNS_SERVERS_MAX];
	size_t		 nservers;
	unsigned	 timeout_ms;	/* 0: RDNS_TIMEOUT_MS */
	unsigned	 parallel;	/* 0: RDNS_PARALLEL */
};

/*
 * The resolver of the configuration, then $DMARCDB_RESOLVER: when set
 * (not empty), its servers replace those of c. 0, or -1 with err
 * naming the variable.
 */
int	 rdns_conf_env(struct rdns_conf *, struct dr_error *);

/* Parse a server list into c (appending). -1 with err naming it. */
int	 rdns_servers_parse(struct rdns_conf *, const char *,
	    struct dr_error *);
void	 rdns_conf_free(struct rdns_conf *);

/*
 * The servers of c as c-ares takes them ("127.0.0.1:53,[::1]:53") into
 * out (len bytes, cut if need be; "" for none); and the same for people
 * ("the resolvers of /etc/resolv.conf" for none).
 */
void	 rdns_servers_csv(const struct rdns_conf *, char *, size_t);
/* Milliseconds of the monotonic clock: the lookups' deadlines. */
int64_t	 rdns_now_ms(void);
void	 rdns_servers_text(const struct rdns_conf *, char *, size_t);

/*
 * Look up n addresses (canonical text) concurrently; cb gets each
 * address once, in any order (a non-zero return stops). 0 or -1.
 */
int	 rdns_lookup(const struct rdns_conf *, const char *const *, size_t,
	    int (*)(void *, const struct rdns_answer *), void *,
	    struct dr_error *);

/*
 * A name from the network, checked: a host name (LDH labels of 1 to 63
 * bytes, not starting or ending with '-', 253 bytes at most, an
 * optional final dot dropped) copied in lower case into out
 * (RDNS_NAME_MAX bytes). 0, or -1 (out is then "").
 */
int	 rdns_name_valid(const char *, char *);

/*
 * The reverse name of an address (in-addr.arpa or ip6.arpa) into out
 * (RDNS_ARPA_MAX bytes); *family gets AF_INET or AF_INET6 and addr its
 * 4 or 16 bytes. 0, or -1 if ip is not an address.
 */
int	 rdns_arpa(const char *, char *, int *, unsigned char[16]);

/*
 * The same through the cache in the database (table ptr_cache): fresh
 * answers from it, the others looked up (unless dns is 0: then they
 * are given as RDNS_SKIPPED with name NULL and cached 0, and nothing is
 * written) and stored with their expiry (RDNS_TTL_*; transient answers
 * are not stored), in one transaction, after the callbacks. Inside a
 * store_read_begin, the answers are written when it ends. now: Unix
 * time.
 */
int	 rdns_cached(struct store *, const struct rdns_conf *, int,
	    const char *const *, size_t, int64_t,
	    int (*)(void *, const struct rdns_answer *), void *,
	    struct dr_error *);

const char *rdns_status_name(enum rdns_status);

#endif
