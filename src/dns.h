/*
 * dns.h: looking up a domain's published DMARC record.
 */
#ifndef DR_DNS_H
#define DR_DNS_H

#include <stddef.h>

/*
 * The TXT record at _dmarc.<domain> that starts with "v=DMARC1", its
 * strings joined, into out (len bytes). Returns 1 found, 0 none (no
 * such name, or no DMARC record there), -1 when the lookup failed
 * (reason in why). Waits at most a few seconds.
 */
int	dns_dmarc(const char *, char *, size_t, char *, size_t);

#endif
