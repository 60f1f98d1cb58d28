/*
 * valid.h: DMARC record tag values and host names, checked against
 * their grammar.
 *
 * The one place that decides whether a value may stand in a DMARC
 * record (RFC 7489 section 6.3, RFC 9989 section 4.7): record.c calls it
 * for every tag it parses or sets, whatever the value came from (a
 * report, the configuration, DNS), and the parser calls it for the
 * policy values a report shows. A value that passes contains only
 * printable ASCII without space, '"', '\\' or ';', so a record made of
 * such values is one word inside a quoted zone-file string.
 */
#ifndef DR_VALID_H
#define DR_VALID_H

#include <stddef.h>

/* A DNS name, without the final dot, has at most this many bytes. */
#define VALID_NAME_MAX	253
/* Room for a reason. */
#define VALID_WHY	128

/*
 * Check value, the text of the tag name (its name compared without
 * regard to case), against the tag's grammar:
 *
 *	v		DMARC1
 *	p sp np		none, quarantine or reject
 *	psd		y, n or u
 *	t		y or n
 *	adkim aspf	r or s
 *	pct		0 to 100, one to three digits
 *	fo		0, 1, d or s, separated by ':'
 *	rf		keywords (letters, digits, inner '-'), by ':'
 *	ri		a whole number below 2^32
 *	rua ruf		URIs (RFC 3986; ',' '!' ';' percent-encoded),
 *			each with an optional "!size" suffix, separated by ','
 *
 * Any other tag's value must be printable ASCII
 * without space, '"', '\\' or ';'. Space and tab around the value and
 * around the separators are allowed. At most VALID_VALUE_MAX bytes.
 *
 * Returns 0 when the value is valid, after rewriting it in place in its
 * canonical form (never longer): separators without space, enumerated
 * values, "fo" and "rf" lower-cased (each fo option once), numbers
 * without leading zeros, URI schemes lower-cased. Returns -1 otherwise,
 * with the reason in why (whylen bytes; the value is not quoted in it)
 * and value left as it was.
 */
#define VALID_VALUE_MAX	2048
int	valid_tag(const char *, char *, char *, size_t);

/*
 * 1 if the text is a tag name, else 0: a letter, then letters, digits,
 * '-' or '_', at most 32 in all.
 */
int	valid_tag_name(const char *);

/*
 * Check a domain name (without a final dot) as a host name: 1 to 253
 * bytes, labels of 1 to 63 letters, digits and hyphens, none beginning
 * or ending with a hyphen, the last not all digits. Internationalised
 * names pass as A-labels ("xn--..."); other bytes, UTF-8 included, do
 * not. Returns 0, or -1 with the reason in why.
 */
int	valid_hostname(const char *, char *, size_t);

/*
 * The name of a domain's DMARC record, "_dmarc." and the domain, into
 * out (outlen bytes). Returns 0, or -1 with the reason in why when the
 * domain is not a host name or the name would be longer than
 * VALID_NAME_MAX bytes (never cut).
 */
int	valid_dmarc_name(const char *, char *, size_t, char *, size_t);

#endif
