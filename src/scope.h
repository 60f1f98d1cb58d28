/*
 * scope.h: the domains a report covers when none is named, and the DNS
 * lookups a run may make (dmarcdb(1), DOMAINS).
 *
 * Anyone can send a report about any domain, and a report names its
 * policy domain. So when the command line names no domain, sources,
 * advise and the digest cover the domains of the configuration; without
 * any, the largest domains with reports, at most limits { domains }
 * (CONF_DOMAINS) of them. The others are counted, for one line that
 * points to "dmarcdb domains". And DNS is asked only about configured
 * domains and those named on the command line, at most limits {
 * dns-lookups } times a run: never about a domain that only a report
 * names (its owner would learn when the reports are read).
 */
#ifndef DR_SCOPE_H
#define DR_SCOPE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "conf.h"
#include "error.h"
#include "store.h"

struct scope {
	const char	**names;	/* covered, sorted by name */
	size_t		  n;
	uint64_t	  others;	/* with reports, not covered */
	int		  configured;	/* names: the configured ones */
	unsigned	  cap;		/* else: at most this many */
	struct arena	  mem;
};

/*
 * The domains to cover for the days from..to (inclusive): every domain
 * of the configuration (with reports or not); without any, the cap
 * (limits { domains }) largest by messages. The caller frees *out with
 * scope_free.
 */
int	scope_domains(struct store *, const struct conf *, int64_t, int64_t,
	    struct scope **, struct dr_error *);
void	scope_free(struct scope *);
/*
 * The line about the domains left out, for people, into out ("" when
 * there are none): "3 other domains with reports, not configured: see
 * dmarcdb domains".
 */
void	scope_others(const struct scope *, char *, size_t);

/* The DNS lookups left to a run; shared by threads. */
struct scope_dns {
	int		 enabled;	/* DNS at all (not --no-dns) */
	unsigned	 left, cap;
	pthread_mutex_t	 mtx;
};
void	scope_dns_init(struct scope_dns *, const struct conf *, int);
void	scope_dns_free(struct scope_dns *);
/*
 * Whether the advice for a domain may look up its record in DNS (named:
 * on the command line). 1: yes, a lookup taken if it will need one (no
 * record in the configuration); 0: no, and why (for people) in why, ""
 * when DNS is off anyway.
 */
int	scope_dns_take(struct scope_dns *, const struct conf *, const char *,
	    int, char *, size_t);

#endif
