/*
 * check.h: dmarcdb check (dmarcdb(1), CHECK): what a domain publishes
 * in DNS, audited, and checked against what the reports and the
 * configuration show. Its DMARC record (or, by RFC 9989's tree walk,
 * its organisational domain's), its SPF tree (spfwalk.h), the DKIM
 * keys of the selectors seen in the reports and configured, its MX;
 * its MTA-STS, TLS-RPT and verification records (check-mta.h).
 */
#ifndef DR_CHECK_H
#define DR_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "check-mta.h"
#include "finding.h"
#include "record.h"
#include "spfwalk.h"

struct conf;
struct dns;
struct store;

#define CHECK_SELECTORS	32
#define CHECK_MX	16

struct check_key {
	char		 domain[256];	/* the signing domain */
	char		 selector[64];
	int		 configured;	/* named by the configuration */
	uint64_t	 seen, pass;	/* messages in the reports */
	int		 found, revoked, testing;
	const char	*type;		/* "rsa", "ed25519", k= as written */
	unsigned	 bits;
	char		 cname[256];	/* delegated to, or "" */
};

struct check_domain {
	char		 domain[256];
	/* DMARC: the record used, and where it was found ("" none). */
	char		 dmarc[RECORD_MAX + 1];
	char		 dmarc_at[300];
	struct spfwalk	 spf;
	struct check_key key[CHECK_SELECTORS];
	size_t		 nkeys;
	char		 mx[CHECK_MX][256];
	unsigned	 mx_pref[CHECK_MX];
	size_t		 nmx;
	int		 null_mx;
	struct check_mta mta;
	struct findings	 f;
};

struct check_opts {
	int64_t		 from_day, to_day;	/* of the reports read */
	const char	*ca_file;	/* HTTPS: or NULL, the system's CAs */
};

/*
 * Check a domain: into c. The store (NULL: none) gives the selectors
 * seen in the reports. Returns 0, or -1 when DNS is not available at
 * all or memory runs out (why).
 */
int	check_domain(struct dns *, struct store *, const struct conf *,
	    const char *, const struct check_opts *, struct check_domain *,
	    char *, size_t);

/* The worst level of c's findings; FINDING_NOTE + 1 when none. */
int	check_worst(const struct check_domain *);

#endif
