/*
 * norm.h: normalising the text of report values.
 *
 * The in-place functions take a NUL-terminated string, modify it and
 * return its new length. None of them guesses: a value that cannot be
 * normalised is reported as such and the caller keeps the raw text.
 */
#ifndef DR_NORM_H
#define DR_NORM_H

#include <stddef.h>
#include <stdint.h>

/* Remove leading and trailing XML white space. Returns the start. */
char	*norm_trim(char *, size_t *);
/* Trim and lower-case ASCII letters. */
size_t	 norm_lower(char *);
/* Trim, lower-case, drop one trailing dot. */
size_t	 norm_domain(char *);

/*
 * Canonical text of an IPv4 or IPv6 address (RFC 5952 for IPv6) in out,
 * which holds at least NORM_IP_MAX bytes. Surrounding white space is
 * ignored. Returns 0, or -1 if the text is not an address.
 */
#define NORM_IP_MAX	46
int	 norm_ip(const char *, char *);

/*
 * Seconds since the epoch: decimal digits, optionally followed by a
 * fraction that is truncated ("1706832000.0"); white space around is
 * ignored. Returns 0, or -1 if the text is not such a number.
 */
int	 norm_time(const char *, int64_t *);

/* A non-negative decimal integer not above max. Returns 0 or -1. */
int	 norm_uint(const char *, uint64_t, uint64_t *);

/*
 * report_id for the report key: trimmed, one pair of <> removed, ASCII
 * letters lower-cased (ids that differ only in case are one report).
 */
size_t	 norm_report_id(char *);

/*
 * The reporter for the report key: org_name trimmed and case-folded, or
 * when it is empty, the domain of the email address. Writes into out
 * (outlen bytes). Returns the length; 0 if neither is usable.
 */
size_t	 norm_reporter(const char *, const char *, char *, size_t);

/* Enumerations of both schemas (RFC 7489 and RFC 9990). */
enum norm_enum {
	NE_POLICY,		/* p, sp, np: none quarantine reject */
	NE_ALIGN,		/* adkim, aspf: r s */
	NE_TESTING,		/* testing: n y */
	NE_DISCOVERY,		/* discovery_method: psl treewalk */
	NE_DISPOSITION,		/* none pass quarantine reject */
	NE_PASSFAIL,		/* policy_evaluated dkim, spf */
	NE_REASON,		/* reason type */
	NE_DKIM_RESULT,
	NE_SPF_RESULT,
	NE_SPF_SCOPE,
};

/* 1 if the (normalised) value belongs to the enumeration. */
int	 norm_enum_ok(enum norm_enum, const char *);

#endif
