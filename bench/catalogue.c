/*
 * catalogue.c: the catalogue benchmark (make bench, scenario
 * "catalogue"; BENCHMARKS.md). Loads a catalogue, generates N evidence
 * sets the way a store's sources look (a third authenticating through a
 * catalogued service, its own or a customer's subdomain, some of them
 * aligned; a third through unknown domains; a third spoofers with
 * nothing passing; PTR names and AS numbers for most, in and out of the
 * catalogue), and matches each. Prints one line:
 *
 *	N sources, SECONDS s, per second, and the verdicts' counts
 *
 *   bench/catalogue [-n N] [-s SEED] services.conf
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalogue.h"

#define NAME_MAX_LEN	96

struct source {
	struct svc_auth		dkims[2], spfs[1];
	struct svc_evidence	e;
	char			names[4][NAME_MAX_LEN];
};

static uint64_t	rng;

static uint32_t
next_rand(void)
{
	/* xorshift64*: deterministic per seed. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ULL) >> 32);
}

/* A rule value of a random service: kind 0 dkim, 1 spf, 2 ptr. */
static const char *
some_value(const struct catalogue *cat, int kind)
{
	const struct svc	*v;
	size_t			 tries;

	for (tries = 0; tries < 100; tries++) {
		v = catalogue_get(cat, next_rand() % catalogue_count(cat));
		if (kind == 0 && v->ndkims > 0)
			return v->dkims[next_rand() % v->ndkims];
		if (kind == 1 && v->nspfs > 0)
			return v->spfs[next_rand() % v->nspfs];
		if (kind == 2 && v->nptrs > 0)
			return v->ptrs[next_rand() % v->nptrs];
	}
	return "example.net";
}

static uint32_t
some_asn(const struct catalogue *cat)
{
	const struct svc	*v;
	size_t			 tries;

	for (tries = 0; tries < 100; tries++) {
		v = catalogue_get(cat, next_rand() % catalogue_count(cat));
		if (v->nasns > 0)
			return v->asns[next_rand() % v->nasns];
	}
	return 64500;
}

static void
make_source(const struct catalogue *cat, struct source *s, uint32_t i)
{
	uint32_t	r = next_rand() % 3;

	memset(s, 0, sizeof *s);
	s->e.dkims = s->dkims;
	s->e.spfs = s->spfs;
	if (r == 0) {
		/* Through a service: a customer's subdomain of its own. */
		snprintf(s->names[0], NAME_MAX_LEN, "em%u.c%u.%s",
		    next_rand() % 1000, i, some_value(cat, 0));
		s->dkims[0].domain = s->names[0];
		s->dkims[0].aligned = 0;
		s->e.ndkims = 1;
		snprintf(s->names[1], NAME_MAX_LEN, "b%u.%s", i,
		    some_value(cat, 1));
		s->spfs[0].domain = s->names[1];
		s->e.nspfs = 1;
		if (next_rand() % 2) {
			s->dkims[1].domain = "example.com";
			s->dkims[1].aligned = 1;
			s->e.ndkims = 2;
		}
	} else if (r == 1) {
		/* Unknown senders, passing for their own domains. */
		snprintf(s->names[0], NAME_MAX_LEN, "mail.d%u.example.org", i);
		s->dkims[0].domain = s->names[0];
		s->e.ndkims = 1;
		s->spfs[0].domain = s->names[0];
		s->e.nspfs = 1;
	}
	/* PTR names: a service's, or one of a hosting network. */
	if (next_rand() % 4 != 0) {
		if (next_rand() % 3 == 0)
			snprintf(s->names[2], NAME_MAX_LEN, "o%u.p%u.%s",
			    i % 256, i, some_value(cat, 2));
		else
			snprintf(s->names[2], NAME_MAX_LEN,
			    "host-%u-%u.dyn.isp%u.example.net", i % 256,
			    i / 256, i % 97);
		s->e.ptr = s->names[2];
	}
	if (next_rand() % 5 != 0)
		s->e.asn = next_rand() % 8 == 0 ? some_asn(cat) :
		    1 + next_rand() % 400000;
}

int
main(int argc, char *argv[])
{
	struct catalogue	*cat;
	struct dr_error		 err = { 0 };
	struct source		*src;
	struct svc_match	 m;
	struct timespec		 t0, t1, t2, t3;
	unsigned long		 n = 100000, i, counts[4] = { 0 };
	double			 load_s, match_s;
	int			 ch;

	rng = 0x9e3779b97f4a7c15ULL;
	while ((ch = getopt(argc, argv, "n:s:")) != -1) {
		switch (ch) {
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 's':
			rng ^= strtoull(optarg, NULL, 10) * 0x100000001b3ULL;
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc || n == 0)
		goto usage;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (catalogue_load(argv[optind], NULL, &cat, &err) == -1) {
		fprintf(stderr, "bench/catalogue: %s\n", err.msg);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	src = calloc(n, sizeof *src);
	if (src == NULL) {
		fprintf(stderr, "bench/catalogue: out of memory\n");
		return 1;
	}
	for (i = 0; i < n; i++)
		make_source(cat, &src[i], (uint32_t)i);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	for (i = 0; i < n; i++) {
		catalogue_match(cat, &src[i].e, &m);
		counts[m.how]++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t3);
	load_s = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	match_s = (double)(t3.tv_sec - t2.tv_sec) +
	    (double)(t3.tv_nsec - t2.tv_nsec) / 1e9;
	printf("%lu sources, %zu services: load %.4f s, match %.4f s "
	    "(%.0f/s); for us %lu, other customer %lu, network %lu, "
	    "none %lu\n", n, catalogue_count(cat), load_s, match_s,
	    match_s > 0 ? (double)n / match_s : 0.0, counts[SVC_FOR_US],
	    counts[SVC_OTHER_CUSTOMER], counts[SVC_NETWORK],
	    counts[SVC_NONE]);
	free(src);
	catalogue_free(cat);
	return 0;
usage:
	fprintf(stderr, "usage: bench/catalogue [-n N] [-s SEED] "
	    "services.conf\n");
	return 2;
}
