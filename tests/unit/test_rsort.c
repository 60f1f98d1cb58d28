/*
 * test_rsort.c: the sort of the report commands (rsort.h): the order
 * of keys (memcmp, a key before those it begins), records in memory
 * and through the file, merges of more runs than are merged at once,
 * and the bounds of its memory at their boundaries.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rsort.h"

/* A record of the tests: its key, then its number (4 bytes). */
struct trec {
	unsigned char	key[40];
	size_t		klen;
	uint32_t	num;
};

static int
key_order(const struct trec *a, const struct trec *b)
{
	size_t	n = a->klen < b->klen ? a->klen : b->klen;
	int	c;

	if ((c = memcmp(a->key, b->key, n)) != 0)
		return c;
	return a->klen < b->klen ? -1 : a->klen > b->klen;
}

static int
cmp_trec(const void *a, const void *b)
{
	return key_order(a, b);
}

static void
add(struct rsort *s, const struct trec *t)
{
	unsigned char	*p;

	p = rsort_reserve(s, t->klen + 4);
	assert_non_null(p);
	memcpy(p, t->key, t->klen);
	memcpy(p + t->klen, &t->num, 4);
	assert_int_equal(rsort_add(s, t->klen), 0);
}

/*
 * n records of keys that share prefixes (of 0 to 12 bytes: ties past
 * the first 8), NUL bytes among them, some the beginning of others.
 */
static struct trec *
make(size_t n, unsigned seed)
{
	struct trec	*v;
	size_t		 i, j;

	v = calloc(n, sizeof *v);
	assert_non_null(v);
	srand(seed);
	for (i = 0; i < n; i++) {
		v[i].klen = (size_t)rand() % 20;
		for (j = 0; j < v[i].klen; j++)
			v[i].key[j] = j < 12 && rand() % 4 != 0 ?
			    (unsigned char)"example.com\0"[j] :
			    (unsigned char)(rand() % 3);
		v[i].num = (uint32_t)i;
	}
	return v;
}

/* Sort v with memory mem; what comes out must be v sorted, each once. */
static void
check_sort(struct trec *v, size_t n, size_t mem, size_t *runs,
    uint64_t *bytes)
{
	struct rsort	*s;
	struct trec	 t, *sorted;
	unsigned char	*seen;
	const void	*rec;
	uint64_t	 added;
	size_t		 len, i = 0;

	s = rsort_new(mem);
	assert_non_null(s);
	for (i = 0; i < n; i++)
		add(s, &v[i]);
	sorted = malloc(n * sizeof *sorted + 1);
	seen = calloc(n + 1, 1);
	assert_non_null(sorted);
	assert_non_null(seen);
	memcpy(sorted, v, n * sizeof *v);
	qsort(sorted, n, sizeof *sorted, cmp_trec);
	for (i = 0; rsort_next(s, &rec, &len) == 1; i++) {
		assert_true(i < n);
		assert_true(len >= 4);
		memset(&t, 0, sizeof t);
		t.klen = len - 4;
		memcpy(t.key, rec, t.klen);
		memcpy(&t.num, (const unsigned char *)rec + t.klen, 4);
		assert_true(t.num < n);
		assert_false(seen[t.num]);
		seen[t.num] = 1;
		/* In order: the same key as the reference's i-th. */
		assert_int_equal(key_order(&t, &sorted[i]), 0);
		assert_int_equal(t.klen, v[t.num].klen);
		assert_memory_equal(t.key, v[t.num].key, t.klen);
	}
	assert_int_equal(i, n);
	assert_int_equal(rsort_next(s, &rec, &len), 0);
	rsort_stats(s, &added, runs, bytes);
	assert_int_equal(added, n);
	free(sorted);
	free(seen);
	rsort_free(s);
}

static void
keys_in_memcmp_order(void **state)
{
	/* "" < "\0" < "a" < "a\0" < "ab" < 9 and 10 bytes that differ late */
	static const struct {
		const char	*key;
		size_t		 len;
	} want[] = {
		{ "", 0 }, { "\0", 1 }, { "a", 1 }, { "a\0", 2 },
		{ "ab", 2 }, { "abcdefgh", 8 }, { "abcdefgh\0", 9 },
		{ "abcdefgh\x01", 9 }, { "abcdefgh\x01\x00", 10 },
		{ "abcdefgi", 8 }, { "\xff", 1 },
	};
	size_t		 n = sizeof want / sizeof want[0], i, len;
	struct rsort	*s;
	const void	*rec;
	unsigned char	*p;

	(void)state;
	s = rsort_new(0);
	assert_non_null(s);
	for (i = n; i-- > 0; ) {
		p = rsort_reserve(s, want[i].len);
		assert_non_null(p);
		memcpy(p, want[i].key, want[i].len);
		assert_int_equal(rsort_add(s, want[i].len), 0);
	}
	for (i = 0; i < n; i++) {
		assert_int_equal(rsort_next(s, &rec, &len), 1);
		assert_int_equal(len, want[i].len);
		assert_memory_equal(rec, want[i].key, len);
	}
	assert_int_equal(rsort_next(s, &rec, &len), 0);
	rsort_free(s);
}

static void
empty_sort(void **state)
{
	struct rsort	*s;
	const void	*rec;
	size_t		 len;

	(void)state;
	s = rsort_new(RSORT_MIN);
	assert_non_null(s);
	assert_int_equal(rsort_next(s, &rec, &len), 0);
	assert_int_equal(rsort_next(s, &rec, &len), 0);
	rsort_free(s);
}

/* What n records take in the file, once: each after its lengths. */
static uint64_t
once(const struct trec *v, size_t n)
{
	uint64_t	b = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		b += 8 + v[i].klen + 4;
	return b;
}

static void
in_memory(void **state)
{
	struct trec	*v = make(1000, 1);
	uint64_t	 bytes;
	size_t		 runs;

	(void)state;
	check_sort(v, 1000, 64 << 20, &runs, &bytes);
	assert_int_equal(runs, 0);
	assert_int_equal(bytes, 0);
	free(v);
}

static void
through_the_file(void **state)
{
	struct trec	*v = make(20000, 2);
	uint64_t	 bytes;
	size_t		 runs;

	(void)state;
	/* About 1,300 records a run: some fifteen runs, merged at once. */
	check_sort(v, 20000, RSORT_MIN, &runs, &bytes);
	assert_true(runs > 1 && runs <= 64);
	assert_int_equal(bytes, once(v, 20000));
	free(v);
}

static void
merged_in_passes(void **state)
{
	struct trec	*v = make(150000, 3);
	uint64_t	 bytes;
	size_t		 runs;

	(void)state;
	/*
	 * Over a hundred runs: the first 64 merged into one first, which
	 * writes their records a second time.
	 */
	check_sort(v, 150000, RSORT_MIN, &runs, &bytes);
	assert_true(runs > 1 && runs <= 64);
	assert_true(bytes > once(v, 150000));
	assert_true(bytes < 2 * once(v, 150000));
	free(v);
}

/*
 * The block holds records while their bytes, 36 bytes each and 16 fit:
 * 468 records of 104 bytes fill 64 KiB exactly (468 * 140 + 16); the
 * 469th makes it a run.
 */
static void
block_full_at_its_bound(void **state)
{
	struct rsort	*s;
	unsigned char	*p;
	uint64_t	 added, bytes;
	size_t		 i, runs;

	(void)state;
	s = rsort_new(RSORT_MIN);
	assert_non_null(s);
	for (i = 0; i < 468; i++) {
		p = rsort_reserve(s, 104);
		assert_non_null(p);
		memset(p, (int)(i % 251), 104);
		assert_int_equal(rsort_add(s, 8), 0);
	}
	rsort_stats(s, &added, &runs, &bytes);
	assert_int_equal(runs, 0);
	assert_int_equal(bytes, 0);
	p = rsort_reserve(s, 104);
	assert_non_null(p);
	memset(p, 0, 104);
	assert_int_equal(rsort_add(s, 8), 0);
	rsort_stats(s, &added, &runs, &bytes);
	assert_int_equal(runs, 1);
	/* The 468 records, each after its two lengths. */
	assert_int_equal(bytes, 468 * (104 + 8));
	rsort_free(s);
}

/*
 * A record may take a quarter of the memory in the block; a larger one
 * goes by itself through the file, what the block held first. Records
 * of a quarter and a byte more among records of a quarter, in order.
 */
static void
larger_records_by_themselves(void **state)
{
	struct rsort	*s;
	unsigned char	*p;
	const void	*rec;
	uint64_t	 added, bytes;
	size_t		 len, runs, i, q = RSORT_MIN / 4;

	(void)state;
	s = rsort_new(RSORT_MIN);
	assert_non_null(s);
	/* A quarter: in the block. */
	p = rsort_reserve(s, q);
	assert_non_null(p);
	memset(p, 4, q);
	assert_int_equal(rsort_add(s, q), 0);
	rsort_stats(s, &added, &runs, &bytes);
	assert_int_equal(runs, 0);
	/* A byte more: the block, then it, each a run. */
	p = rsort_reserve(s, q + 1);
	assert_non_null(p);
	memset(p, 2, q + 1);
	assert_int_equal(rsort_add(s, q + 1), 0);
	rsort_stats(s, &added, &runs, &bytes);
	assert_int_equal(runs, 2);
	assert_int_equal(bytes, (8 + q) + (8 + q + 1));
	/* Two more of each, in another order. */
	for (i = 0; i < 4; i++) {
		len = i % 2 ? q : q + 1;
		p = rsort_reserve(s, len);
		assert_non_null(p);
		memset(p, (int)(i % 2 ? 3 : 1), len);
		assert_int_equal(rsort_add(s, len), 0);
	}
	/* By key: 1, 1, 2 (q + 1 each), 3, 3, 4 (q each). */
	{
		static const int	want[] = { 1, 1, 2, 3, 3, 4 };

		for (i = 0; i < 6; i++) {
			assert_int_equal(rsort_next(s, &rec, &len), 1);
			assert_int_equal(((const unsigned char *)rec)[0],
			    want[i]);
			assert_int_equal(((const unsigned char *)rec)[len - 1],
			    want[i]);
			assert_int_equal(len, want[i] <= 2 ? q + 1 : q);
		}
	}
	assert_int_equal(rsort_next(s, &rec, &len), 0);
	rsort_stats(s, &added, &runs, &bytes);
	assert_int_equal(added, 6);
	rsort_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_in_memcmp_order),
		cmocka_unit_test(empty_sort),
		cmocka_unit_test(in_memory),
		cmocka_unit_test(through_the_file),
		cmocka_unit_test(merged_in_passes),
		cmocka_unit_test(block_full_at_its_bound),
		cmocka_unit_test(larger_records_by_themselves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
