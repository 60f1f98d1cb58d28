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
struct dr_error;
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
	/*
	 * Why no verifier can use the key ("not published", "revoked",
	 * ...), NULL when one can or when it could not be looked up.
	 */
	const char	*unusable;
	int		 failed;	/* the lookup failed */
	char		 record[2048];	/* the key's record, "" none */
};

/* A record that is not what it was (check_keep). */
#define CHECK_CHANGES	40
struct check_change {
	const char	*kind;		/* as dns_records.kind has it */
	char		 name[300];	/* looked up */
	int64_t		 on;		/* when it changed (Unix time) */
	char		 was[1024];	/* before, cut; "" nothing */
};

struct check_domain {
	char		 domain[256];
	/* DMARC: the record used, and where it was found ("" none). */
	char		 dmarc[RECORD_MAX + 1];
	char		 dmarc_at[300];
	/*
	 * The lookup of _dmarc.DOMAIN itself: 1 one DMARC record, 0 none,
	 * -1 several, -2 it failed (dmarc_why says why).
	 */
	int		 dmarc_own;
	char		 dmarc_why[640];
	struct spfwalk	 spf;
	struct check_key key[CHECK_SELECTORS];
	size_t		 nkeys;
	char		 mx[CHECK_MX][256];
	unsigned	 mx_pref[CHECK_MX];
	size_t		 nmx;
	int		 null_mx;
	int		 mx_looked, mx_failed;	/* looked up; failed */
	struct check_mta mta;
	struct findings	 f;
	/* What changed since the records were last kept (check_keep). */
	struct check_change change[CHECK_CHANGES];
	size_t		 nchanges;
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

/*
 * What advise needs of a domain's DNS: the SPF tree, and the DKIM keys
 * that sign as the domain (aligned) with a signature that passed in
 * the window of o, or named by the configuration; into c (its DMARC
 * record and MX are not looked up). Returns 0, or -1 when DNS is not
 * available or memory runs out (why).
 */
int	check_sending(struct dns *, struct store *, const struct conf *,
	    const char *, const struct check_opts *, struct check_domain *,
	    char *, size_t);

/*
 * Keep what c found in the store (store_dns_seen), at time now: the
 * DMARC record at _dmarc.DOMAIN (check_domain only), the SPF record, the
 * DKIM keys, the MX (check_domain only), each unless its lookup failed;
 * the records that changed since they were last kept go to c->change.
 * Returns 0, or -1 with err set.
 */
int	check_keep(struct store *, struct check_domain *, int64_t,
	    struct dr_error *);

/* The name of k's key in DNS: "SELECTOR._domainkey.DOMAIN". */
void	check_key_name(const struct check_key *, char *, size_t);

/*
 * A kept record for people (check_keep's kinds; dns_records): "the SPF
 * record of example.com", "the DKIM key at s1._domainkey.example.com".
 */
void	check_record_what(const char *, const char *, const char *, char *,
	    size_t);

/* The worst level of c's findings; FINDING_NOTE + 1 when none. */
int	check_worst(const struct check_domain *);

#endif
