/*
 * mtasts.h: MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) as dmarcdb check
 * reads them: the _mta-sts and _smtp._tls TXT records, and the policy
 * file served at https://mta-sts.DOMAIN/.well-known/mta-sts.txt.
 * Nothing here looks anything up or fetches anything.
 */
#ifndef DR_MTASTS_H
#define DR_MTASTS_H

#include <stddef.h>

/* What mtasts_policy reads: RFC 8461 section 3.3 allows 64 KB. */
#define MTASTS_POLICY_MAX	65536
#define MTASTS_MX_MAX		64
/* RFC 8461 section 3.2: max_age at most 31557600 s (a year). */
#define MTASTS_MAX_AGE		31557600L

enum mtasts_mode { MTASTS_NONE, MTASTS_TESTING, MTASTS_ENFORCE };

struct mtasts_policy {
	enum mtasts_mode mode;
	long		 max_age;
	char		 mx[MTASTS_MX_MAX][256];	/* lower case */
	size_t		 nmx;
};

/*
 * The _mta-sts TXT record, "v=STSv1; id=20160831085700Z;": its id (1 to
 * 32 letters and digits) into id (33 bytes). Returns 0, or -1 with why.
 */
int	 mtasts_record(const char *, char *, char *, size_t);

/*
 * A policy file (n bytes, not NUL-terminated): version STSv1, a mode,
 * max_age, and an mx line for each pattern (at least one unless the
 * mode is none), lines ended by CRLF or LF. Returns 0, or -1 with why
 * naming the line.
 */
int	 mtasts_policy(const char *, size_t, struct mtasts_policy *, char *,
	    size_t);

/*
 * 1 if a pattern ("mail.example.com", "*.example.com") covers the MX
 * host name (any case, a final dot ignored): a wildcard stands for
 * exactly one label.
 */
int	 mtasts_mx_match(const char *, const char *);

/*
 * The _smtp._tls TXT record, "v=TLSRPTv1; rua=mailto:a@example.com":
 * each rua destination a mailto: or https: URI. Returns the number of
 * destinations, or -1 with why.
 */
int	 tlsrpt_record(const char *, char *, size_t);

/*
 * The rua destinations of a TLS-RPT record that tlsrpt_record accepts,
 * white space trimmed, into out (room of them, each cut to fit 256
 * bytes). Returns how many were kept.
 */
size_t	 tlsrpt_rua(const char *, char (*)[256], size_t);

#endif
