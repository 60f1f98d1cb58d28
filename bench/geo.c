/*
 * geo.c: the network owner of many distinct addresses (make bench,
 * scenario geo; issue 12's target: 100,000 addresses within 2 s).
 *
 *   geo [-n N] [-d DATABASE]
 *
 * Makes N distinct addresses in dmarcdb's text form, two IPv4 for one
 * IPv6 (IPv4 spread over the whole space, IPv6 within 2000::/3, where
 * networks are), then looks each up with geo_lookup as the report
 * commands will: text in, checked AS name and country out. Prints one
 * line: "N lookups S s R/s open S s found F with-as A db DAY".
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "geo.h"
#include "log.h"

#define ADDR_MAX	INET6_ADDRSTRLEN

static double
now(void)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* xorshift64*: deterministic, so every run looks up the same addresses. */
static uint64_t
next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

int
main(int argc, char **argv)
{
	struct dr_error	 err;
	struct geo_info	 info;
	struct geo	*g;
	const char	*path = NULL;
	char		*addrs, day[32];
	uint64_t	 seed = 88172645463325252ULL, found = 0, withas = 0;
	unsigned long	 n = 100000, i;
	double		 t0, t1, t2;
	int		 ch, rc;

	while ((ch = getopt(argc, argv, "n:d:")) != -1) {
		switch (ch) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			path = optarg;
			break;
		default:
			fprintf(stderr, "usage: geo [-n N] [-d DATABASE]\n");
			return 2;
		}
	}
	if (n == 0 || n > 100000000) {
		fprintf(stderr, "geo: -n must be 1 to 100000000\n");
		return 2;
	}
	log_init("geo", LOG_NORMAL);
	addrs = malloc(n * ADDR_MAX);
	if (addrs == NULL) {
		fprintf(stderr, "geo: out of memory\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		char		*a = addrs + i * ADDR_MAX;
		uint8_t		 b[16];
		uint64_t	 r = next(&seed);
		uint32_t	 v4;

		if (i % 3 == 2) {
			/* Distinct: the index in the last 32 bits. */
			memcpy(b, &r, 8);
			b[0] = (uint8_t)(0x20 | (b[0] & 0x1f));
			r = next(&seed);
			memcpy(b + 8, &r, 4);
			b[12] = (uint8_t)(i >> 24);
			b[13] = (uint8_t)(i >> 16);
			b[14] = (uint8_t)(i >> 8);
			b[15] = (uint8_t)i;
			inet_ntop(AF_INET6, b, a, ADDR_MAX);
		} else {
			/* Distinct: an odd multiplier permutes 2^32. */
			v4 = htonl((uint32_t)(i * 2654435761UL + 0x9e3779b9UL));
			inet_ntop(AF_INET, &v4, a, ADDR_MAX);
		}
	}
	t0 = now();
	g = geo_open(path, &err);
	if (g == NULL) {
		fprintf(stderr, "geo: %s\n", err.msg);
		free(addrs);
		return 1;
	}
	t1 = now();
	for (i = 0; i < n; i++) {
		rc = geo_lookup(g, addrs + i * ADDR_MAX, &info, &err);
		if (rc == -1) {
			fprintf(stderr, "geo: %s\n", err.msg);
			break;
		}
		if (rc == 1) {
			found++;
			if (info.asn != 0)
				withas++;
		}
	}
	t2 = now();
	fmt_utc(geo_created(g), FMT_DATE, day, sizeof day);
	printf("%lu lookups %.3f s %.0f/s open %.3f s found %llu with-as "
	    "%llu db %s\n", n, t2 - t1, (double)n / (t2 - t1), t1 - t0,
	    (unsigned long long)found, (unsigned long long)withas, day);
	geo_close(g);
	free(addrs);
	return i == n ? 0 : 1;
}
