/*
 * test_hmap.c: the hash maps, and their hash: SipHash against the
 * reference vectors, keyed at random per process (keys from reports
 * must not be able to choose collisions).
 */
#include "config.h"

#include <sys/wait.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hmap.h"

/* The reference key, 00 01 ... 0f, and message, 00 01 ... (n - 1). */
static const uint64_t	ref_key[2] = {
	0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL
};

static const struct {
	size_t		len;
	uint64_t	sip24, sip13;
} vectors[] = {
	{ 0, 0x726fdb47dd0e0e31ULL, 0xabac0158050fc4dcULL },
	{ 1, 0x74f839c593dc67fdULL, 0xc9f49bf37d57ca93ULL },
	{ 7, 0xab0200f58b01d137ULL, 0xd3927d989bb11140ULL },
	{ 8, 0x93f5f5799a932462ULL, 0x369095118d299a8eULL },
	{ 15, 0xa129ca6149be45e5ULL, 0xd320d86d2a519956ULL },
	{ 16, 0x3f2acc7f57c29bdbULL, 0xcc4fdd1a7d908b66ULL },
	{ 63, 0x958a324ceb064572ULL, 0x9d199062b7bbb3a8ULL },
};

static void
siphash_reference_vectors(void **state)
{
	unsigned char	msg[64];
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof msg; i++)
		msg[i] = (unsigned char)i;
	for (i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		assert_int_equal(hmap_siphash(ref_key, msg, vectors[i].len),
		    vectors[i].sip24);
		assert_int_equal(hmap_siphash13(ref_key, msg,
		    vectors[i].len), vectors[i].sip13);
	}
}

/* The hash of "example.com" in a new process. */
static uint64_t
hash_in_child(void)
{
	uint64_t	h = 0;
	int		fd[2], status;
	pid_t		pid;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		h = hmap_hash("example.com", 11);
		_exit(write(fd[1], &h, sizeof h) == sizeof h ? 0 : 1);
	}
	close(fd[1]);
	assert_int_equal(read(fd[0], &h, sizeof h), (ssize_t)sizeof h);
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return h;
}

static void
hash_is_keyed_per_process(void **state)
{
	uint64_t	a, b;

	(void)state;
	/*
	 * Not the same from one process to the next (equal once in 2^64);
	 * before this process hashes anything, or the children would
	 * inherit its key.
	 */
	a = hash_in_child();
	b = hash_in_child();
	assert_true(a != b);
	/* Stable within a process. */
	assert_int_equal(hmap_hash("example.com", 11),
	    hmap_hash("example.com", 11));
}

static void
map_holds_every_key(void **state)
{
	struct hmap	*m;
	const void	*k;
	size_t		 i, len;
	char		 key[32];
	int		 added, *v;

	(void)state;
	m = hmap_new(sizeof(int));
	assert_non_null(m);
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof key, "d%zu.forged.example", i);
		v = hmap_get(m, key, strlen(key), &added);
		assert_non_null(v);
		assert_int_equal(added, 1);
		*v = (int)i;
	}
	assert_int_equal(hmap_count(m), 100000);
	for (i = 0; i < 100000; i += 997) {
		snprintf(key, sizeof key, "d%zu.forged.example", i);
		v = hmap_get(m, key, strlen(key), &added);
		assert_int_equal(added, 0);
		assert_int_equal(*v, (int)i);
		/* Insertion order. */
		v = hmap_at(m, i, &k, &len);
		assert_int_equal(*v, (int)i);
		assert_int_equal(len, strlen(key));
		assert_memory_equal(k, key, len);
	}
	assert_null(hmap_find(m, "absent.example", 14));
	hmap_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(siphash_reference_vectors),
		cmocka_unit_test(hash_is_keyed_per_process),
		cmocka_unit_test(map_holds_every_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
