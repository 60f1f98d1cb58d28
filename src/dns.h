/*
 * dns.h: looking up a domain's published DMARC record (dmarcdb(1),
 * ADVICE), through c-ares and the resolvers of the
 * configuration (resolver, $DMARCDB_RESOLVER; else /etc/resolv.conf's),
 * those the reverse DNS of rdns.h asks.
 */
#ifndef DR_DNS_H
#define DR_DNS_H

#include <stddef.h>

struct rdns_conf;
struct dns;

/*
 * Tries of a query. A lookup waits at most the resolver's timeout
 * (resolver-timeout, else RDNS_TIMEOUT_MS: 2 s) times DNS_TRIES, 4 s
 * by default, whatever the number of servers.
 */
#define DNS_TRIES	2

/*
 * A resolver for DMARC record lookups, asking the servers of c (n 0:
 * those of /etc/resolv.conf) with c's timeout; c must outlive it.
 * c-ares is set up at the first lookup, and then used for every other.
 * Lookups may come from several threads: they take turns. NULL when
 * out of memory. The caller frees it with dns_free (NULL is fine).
 */
struct dns	*dns_new(const struct rdns_conf *);
void		 dns_free(struct dns *);

/*
 * The TXT record at _dmarc.<domain> that starts with "v=DMARC1", its
 * strings joined, into out (len bytes), other TXT records passed over.
 * Returns 1 found, 0 none (NXDOMAIN, or no DMARC record there), -1
 * when the record cannot be used, or DNS is not available, with the
 * reason in why, naming the name:
 *
 * - a name that is not a host name or would be longer than 253 bytes
 *   (never cut, never looked up): "no DNS lookup of the DMARC record:
 *   ...";
 * - DNS unavailable: "DNS unavailable: _dmarc.example.com: ..." and
 *   what happened (no answer in time, SERVFAIL, REFUSED, connection
 *   refused, a broken answer). Once no answer came in time, the later
 *   lookups of d are not made, and say so: a dead resolver costs its
 *   timeout once a run;
 * - what dns_dmarc_answer refuses.
 */
int	dns_dmarc(struct dns *, const char *, char *, size_t, char *, size_t);

/*
 * What dns_dmarc makes of the answer (n bytes of wire format) to a TXT
 * query for name: 1, 0 or -1 as above. -1 for a record that holds a
 * byte no DMARC record can (a control byte, a byte that is not ASCII)
 * or does not fit in out, or more than one DMARC record (with which
 * receivers apply none: RFC 7489, section 6.6.3). "v=DMARC1" must be
 * followed by the end, a ';' or white space.
 */
int	dns_dmarc_answer(const unsigned char *, int, const char *, char *,
	    size_t, char *, size_t);

/*
 * Lookups in a batch, all at once (dmarcdb check): each ask names a
 * name and a type, and gets what was found. A name that does not
 * exist, or has no record of the type, is DNS_NONE (a "void lookup" of
 * RFC 7208); SERVFAIL, REFUSED, no answer in time are DNS_FAILED with
 * the reason. The whole batch waits at most the resolver's timeout x
 * DNS_TRIES.
 */
enum dns_type { DNS_A = 1, DNS_CNAME = 5, DNS_MX = 15, DNS_TXT = 16,
	DNS_AAAA = 28 };
enum dns_status { DNS_PENDING, DNS_FOUND, DNS_NONE, DNS_FAILED };
/* At most this many records of an answer are kept; bytes of a TXT. */
#define DNS_RECORDS_MAX	64
#define DNS_TXT_MAX	8192

struct dns_ask {
	const char	*name;		/* the caller's */
	enum dns_type	 type;
	enum dns_status	 status;
	int		 nxdomain;	/* DNS_NONE: the name does not exist */
	char		 why[640];	/* DNS_FAILED, or a record not kept */
	/*
	 * DNS_FOUND: the records, each NUL-terminated (a TXT record's
	 * strings joined, a NUL byte in it as '?'; an MX's host name; an
	 * address in text), in rec (n of them, at most DNS_RECORDS_MAX).
	 */
	char		*rec[DNS_RECORDS_MAX];
	unsigned	 pref[DNS_RECORDS_MAX];	/* MX preferences */
	size_t		 n;
	/* The last CNAME the answer went through ("" when none). */
	char		 cname[256];
	struct dns	*d;		/* in flight */
	int		*left;
};

/*
 * Look up the n asks at once. Returns 0 (each ask says what it found),
 * or -1 when DNS is not available at all (why; no ask was answered).
 * The caller frees each ask's records with dns_ask_clear.
 */
int	dns_batch(struct dns *, struct dns_ask *, size_t, char *, size_t);
void	dns_ask_clear(struct dns_ask *);

/*
 * What an answer (n bytes of wire format) holds for the ask: its
 * status and records, as dns_batch gives them (for the tests).
 */
void	dns_ask_answer(struct dns_ask *, const unsigned char *, int);

#endif
