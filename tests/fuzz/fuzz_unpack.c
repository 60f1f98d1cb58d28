/*
 * fuzz_unpack.c: fuzz target for unpack.c.
 *
 * The input is one file as dmarcdb would read it: plain XML, gzip,
 * zlib, zip or anything else. As ingest does, every document is read
 * to its end, and every unit's origin and raw bytes are asked for,
 * whether it was read or rejected. The limits are small, so that bombs
 * and large archives reach them quickly.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "log.h"
#include "unpack.h"

#include "fuzz.h"

static const struct unpack_limits lim = {
	.max_bytes = 4 << 20,
	.max_members = 16,
	.max_ratio = 100,
	.keep_bytes = 64 << 10,
};

/* Sizes of unpack_read calls, picked by the input's size. */
static const size_t read_sizes[] = { 4096, 65536, 1000, 13 };

static volatile unsigned char sink;

static void	touch(const void *, size_t);
static void	check_err(const struct dr_error *);
static void	check_unit(struct unpack *);

/* Read every byte, so that the sanitizers check the whole range. */
static void
touch(const void *p, size_t n)
{
	const unsigned char	*s = p;
	unsigned char		 x = 0;
	size_t			 i;

	for (i = 0; i < n; i++)
		x ^= s[i];
	sink = x;
}

static void
check_err(const struct dr_error *err)
{
	size_t	len;

	FUZZ_CHECK(err->code != DR_OK);
	len = strnlen(err->msg, sizeof err->msg);
	FUZZ_CHECK(len > 0 && len < sizeof err->msg);
}

/*
 * The raw bytes, read in pieces as the store reads them: their length
 * and a hash, or -1 when they cannot be read again.
 */
static int
raw_pass(struct unpack *u, size_t *len, uint64_t *hash)
{
	unsigned char	 piece[3000];
	struct dr_error	 err;
	ssize_t		 n, i;

	*len = 0;
	*hash = 1469598103934665603ULL;
	memset(&err, 0, sizeof err);
	if (unpack_raw_begin(u, &err) == -1) {
		check_err(&err);
		return -1;
	}
	while ((n = unpack_raw_read(u, piece, sizeof piece, &err)) > 0) {
		FUZZ_CHECK((size_t)n <= sizeof piece);
		for (i = 0; i < n; i++)
			*hash = (*hash ^ piece[i]) * 1099511628211ULL;
		*len += (size_t)n;
		FUZZ_CHECK(*len <= lim.keep_bytes);
	}
	FUZZ_CHECK(n == 0 || n == -1);
	if (n == -1) {
		check_err(&err);
		return -1;
	}
	return 0;
}

/* What ingest asks of every unit: its origin and its raw bytes, twice. */
static void
check_unit(struct unpack *u)
{
	const char	*origin;
	size_t		 len1, len2;
	uint64_t	 h1, h2;

	origin = unpack_origin(u);
	FUZZ_CHECK(origin != NULL);
	touch(origin, strlen(origin));
	FUZZ_CHECK(!unpack_unit_is_file(u));
	if (raw_pass(u, &len1, &h1) == -1)
		return;
	FUZZ_CHECK(len1 <= unpack_raw_size(u) || unpack_raw_size(u) == 0);
	/* The same bytes each time they are asked for. */
	if (raw_pass(u, &len2, &h2) == -1)
		return;
	FUZZ_CHECK(len1 == len2 && h1 == h2);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_unpack", LOG_QUIET);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unpack	*u;
	struct dr_error	 err;
	unsigned char	*buf;
	size_t		 rsize;
	uint64_t	 total;
	unsigned	 units;
	ssize_t		 n;
	int		 r;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	rsize = read_sizes[size % (sizeof read_sizes / sizeof read_sizes[0])];
	buf = malloc(rsize);	/* exactly: an overflow is seen at once */
	if (buf == NULL)
		return 0;
	u = unpack_open_mem(data, size, "fuzz", &lim);
	if (u == NULL) {
		free(buf);
		return 0;
	}
	for (units = 0; ; units++) {
		/* Each call uses up a member at least. */
		FUZZ_CHECK(units <= lim.max_members + 2);
		memset(&err, 0, sizeof err);
		r = unpack_next(u, &err);
		FUZZ_CHECK(r >= -1 && r <= 1);
		if (r == 0)
			break;
		if (r == 1) {
			total = 0;
			while ((n = unpack_read(u, buf, rsize, &err)) > 0) {
				FUZZ_CHECK((size_t)n <= rsize);
				total += (uint64_t)n;
				touch(buf, (size_t)n);
			}
			FUZZ_CHECK(n == 0 || n == -1);
			FUZZ_CHECK(total <= lim.max_bytes);
			if (n == 0) {
				check_unit(u);
				continue;
			}
		}
		check_err(&err);
		check_unit(u);
		if (err.code == DR_E_NOMEM)
			break;
	}
	unpack_close(u);
	free(buf);
	return 0;
}
