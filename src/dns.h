/*
 * dns.h: looking up a domain's published DMARC record.
 */
#ifndef DR_DNS_H
#define DR_DNS_H

#include <stddef.h>

/*
 * The TXT record at _dmarc.<domain> that starts with "v=DMARC1", its
 * strings joined, into out (len bytes). Returns 1 found, 0 none (no
 * such name, or no DMARC record there), -1 when the lookup failed or
 * its answer cannot be used (reason in why): a name that is not a host
 * name or would be longer than 253 bytes (never cut), or a record that
 * holds a byte no DMARC record can (a control byte, a byte that is not
 * ASCII) or does not fit in out, or more than one DMARC record (with
 * which receivers apply none: RFC 7489, section 6.6.3). "v=DMARC1"
 * must be followed by the end, a ';' or white space. Waits at most a
 * few seconds.
 */
int	dns_dmarc(const char *, char *, size_t, char *, size_t);

/*
 * The same from a DNS answer (n bytes of wire format) to a TXT query
 * for name: what dns_dmarc does with the answer it gets.
 */
int	dns_dmarc_answer(const unsigned char *, int, const char *, char *,
	    size_t, char *, size_t);

#endif
