/*
 * cidr.c: IP address blocks.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

static const uint8_t v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static int
is_v4(const uint8_t a[CIDR_LEN])
{
	return memcmp(a, v4mapped, sizeof v4mapped) == 0;
}

int
cidr_addr(const char *s, uint8_t out[CIDR_LEN])
{
	struct in_addr	a4;

	if (s == NULL)
		return -1;
	if (inet_pton(AF_INET, s, &a4) == 1) {
		memcpy(out, v4mapped, sizeof v4mapped);
		memcpy(out + 12, &a4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, s, out) == 1 ? 0 : -1;
}

int
cidr_parse(const char *s, struct cidr *c, char *why, size_t whylen)
{
	char		 host[64], *end;
	const char	*slash;
	unsigned long	 len;
	unsigned	 max, i;
	int		 v4;

	slash = strchr(s, '/');
	if ((slash ? (size_t)(slash - s) : strlen(s)) >= sizeof host) {
		snprintf(why, whylen, "not an IP address");
		return -1;
	}
	snprintf(host, sizeof host, "%.*s", slash ? (int)(slash - s) :
	    (int)strlen(s), s);
	if (cidr_addr(host, c->addr) == -1) {
		snprintf(why, whylen, "not an IP address");
		return -1;
	}
	v4 = strchr(host, ':') == NULL;
	max = v4 ? 32 : 128;
	len = max;
	if (slash != NULL) {
		errno = 0;
		if (slash[1] < '0' || slash[1] > '9' ||
		    (len = strtoul(slash + 1, &end, 10), errno != 0) ||
		    *end != '\0' || len > max) {
			snprintf(why, whylen, "prefix length must be 0 to %u",
			    max);
			return -1;
		}
	}
	c->bits = (unsigned)len + (v4 ? 96 : 0);
	for (i = c->bits; i < 128; i++)
		if (c->addr[i / 8] & (0x80 >> (i % 8))) {
			struct cidr	net = *c;
			char		txt[64];
			for (; i < 128; i++)
				net.addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
			cidr_format(&net, txt, sizeof txt);
			snprintf(why, whylen, "address bits set beyond the "
			    "prefix (did you mean %s?)", txt);
			return -1;
		}
	return 0;
}

int
cidr_match(const struct cidr *c, const uint8_t a[CIDR_LEN])
{
	unsigned	full = c->bits / 8, rest = c->bits % 8;

	if (memcmp(c->addr, a, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((c->addr[full] ^ a[full]) & (0xff00 >> rest)) == 0;
}

void
cidr_range(const struct cidr *c, uint8_t first[CIDR_LEN],
    uint8_t last[CIDR_LEN])
{
	unsigned	i;

	memcpy(first, c->addr, CIDR_LEN);
	memcpy(last, c->addr, CIDR_LEN);
	for (i = c->bits; i < 128; i++)
		last[i / 8] |= (uint8_t)(0x80 >> (i % 8));
}

void
cidr_format(const struct cidr *c, char *out, size_t len)
{
	char	txt[INET6_ADDRSTRLEN];

	if (is_v4(c->addr) && c->bits >= 96) {
		inet_ntop(AF_INET, c->addr + 12, txt, sizeof txt);
		if (c->bits == 128)
			snprintf(out, len, "%s", txt);
		else
			snprintf(out, len, "%s/%u", txt, c->bits - 96);
	} else {
		inet_ntop(AF_INET6, c->addr, txt, sizeof txt);
		if (c->bits == 128)
			snprintf(out, len, "%s", txt);
		else
			snprintf(out, len, "%s/%u", txt, c->bits);
	}
}
