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
cidr_is_v4(const struct cidr *c)
{
	return c->bits >= 96 && is_v4(c->addr);
}

unsigned
cidr_prefix(const struct cidr *c)
{
	return cidr_is_v4(c) ? c->bits - 96 : c->bits;
}

int
cidr_match(const struct cidr *c, const uint8_t a[CIDR_LEN])
{
	unsigned	full = c->bits / 8, rest = c->bits % 8;

	/* ::ffff:a.b.c.d is how IPv4 is held, not part of ::/0. */
	if (is_v4(a) && !cidr_is_v4(c))
		return 0;
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

int
cidr_ranges(const struct cidr *c, uint8_t first[2][CIDR_LEN],
    uint8_t last[2][CIDR_LEN])
{
	/* ::ffff:0:0/96, and the addresses just below and above it. */
	static const uint8_t below[CIDR_LEN] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 0xff, 0xff, 0xff,
		0xff
	};
	static const uint8_t above[CIDR_LEN] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0
	};
	struct cidr	mapped;

	cidr_range(c, first[0], last[0]);
	memset(&mapped, 0, sizeof mapped);
	memcpy(mapped.addr, v4mapped, sizeof v4mapped);
	if (c->bits >= 96 || memcmp(first[0], mapped.addr, CIDR_LEN) > 0 ||
	    memcmp(last[0], mapped.addr, CIDR_LEN) < 0)
		return 1;
	/* It spans the mapped space (a block is aligned: all of it). */
	memcpy(first[1], above, CIDR_LEN);
	memcpy(last[1], last[0], CIDR_LEN);
	memcpy(last[0], below, CIDR_LEN);
	return memcmp(first[1], last[1], CIDR_LEN) <= 0 ? 2 : 1;
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
