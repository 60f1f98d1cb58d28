/*
 * hmap.c: open addressing (linear probing) over an index table; the
 * entries themselves live in one array, in insertion order, so the
 * table holds 32-bit indices and iteration needs no table walk.
 */
#include "config.h"

#include <sys/random.h>

#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "hmap.h"

struct entry {
	const void	*key;
	size_t		 len;
	uint64_t	 hash;
	/* the value follows, aligned */
};

struct hmap {
	size_t		 valsize;
	size_t		 stride;	/* entry + value, aligned */
	char		*entries;
	size_t		 n, cap;
	uint32_t	*slots;		/* index + 1; 0 is empty */
	size_t		 nslots;	/* a power of two */
	struct arena	 keys;
};

#define ALIGN(n)	(((n) + sizeof(max_align_t) - 1) & \
			    ~(sizeof(max_align_t) - 1))

static uint64_t	siphash(const uint64_t[2], const void *, size_t, int,
		    int);

/*
 * The key of every map's hash: random, once per process, so that keys
 * from reports cannot be chosen to collide (linear probing over keys
 * that all collide would take quadratic time). Without a random source
 * (getrandom fails only on very old kernels), the time and the process
 * id make a key an attacker cannot know in advance either.
 */
static uint64_t		hmap_key[2];
static pthread_once_t	hmap_key_once = PTHREAD_ONCE_INIT;

static void
hmap_key_init(void)
{
	struct timespec	ts;

	if (hmap_random_key(hmap_key) == 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	hmap_key[0] = (uint64_t)ts.tv_nsec << 32 ^ (uint64_t)ts.tv_sec;
	hmap_key[1] = (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)&ts;
}

uint64_t
hmap_hash(const void *p, size_t len)
{
	/*
	 * SipHash-1-3 (as Rust's and Python's tables use): as fast as
	 * the unkeyed multiply-and-shift hash it replaced on keys of a
	 * hundred bytes, and keyed.
	 */
	pthread_once(&hmap_key_once, hmap_key_init);
	return hmap_siphash13(hmap_key, p, len);
}

struct hmap *
hmap_new(size_t valsize)
{
	struct hmap	*m;

	m = calloc(1, sizeof *m);
	if (m == NULL)
		return NULL;
	m->valsize = valsize;
	m->stride = ALIGN(sizeof(struct entry)) + ALIGN(valsize);
	return m;
}

void
hmap_free(struct hmap *m)
{
	if (m == NULL)
		return;
	free(m->entries);
	free(m->slots);
	arena_free(&m->keys);
	free(m);
}

void
hmap_clear(struct hmap *m)
{
	m->n = 0;
	if (m->slots != NULL)
		memset(m->slots, 0, m->nslots * sizeof *m->slots);
	arena_reset(&m->keys);
}

static struct entry *
entry(const struct hmap *m, size_t i)
{
	return (struct entry *)(void *)(m->entries + i * m->stride);
}

static void *
value(struct entry *e)
{
	return (char *)e + ALIGN(sizeof(struct entry));
}

void *
hmap_find(const struct hmap *m, const void *key, size_t len)
{
	uint64_t	h;
	size_t		i;
	uint32_t	s;

	if (m->nslots == 0)
		return NULL;
	h = hmap_hash(key, len);
	for (i = h & (m->nslots - 1); (s = m->slots[i]) != 0;
	    i = (i + 1) & (m->nslots - 1)) {
		struct entry *e = entry(m, s - 1);
		if (e->hash == h && e->len == len &&
		    memcmp(e->key, key, len) == 0)
			return value(e);
	}
	return NULL;
}

/* Double the index table (kept at most half full). */
static int
rehash(struct hmap *m)
{
	uint32_t	*slots;
	size_t		 n = m->nslots ? m->nslots * 2 : 64, i, j;

	slots = calloc(n, sizeof *slots);
	if (slots == NULL)
		return -1;
	for (i = 0; i < m->n; i++) {
		for (j = entry(m, i)->hash & (n - 1); slots[j] != 0;
		    j = (j + 1) & (n - 1))
			;
		slots[j] = (uint32_t)i + 1;
	}
	free(m->slots);
	m->slots = slots;
	m->nslots = n;
	return 0;
}

void *
hmap_get(struct hmap *m, const void *key, size_t len, int *added)
{
	struct entry	*e;
	uint64_t	 h;
	size_t		 i;
	uint32_t	 s;
	void		*k;

	*added = 0;
	if (m->n >= UINT32_MAX - 1)
		return NULL;
	if ((m->n + 1) * 2 > m->nslots && rehash(m) == -1)
		return NULL;
	h = hmap_hash(key, len);
	for (i = h & (m->nslots - 1); (s = m->slots[i]) != 0;
	    i = (i + 1) & (m->nslots - 1)) {
		e = entry(m, s - 1);
		if (e->hash == h && e->len == len &&
		    memcmp(e->key, key, len) == 0)
			return value(e);
	}
	if (m->n == m->cap) {
		size_t	 cap = m->cap ? m->cap * 2 : 32;
		char	*p = realloc(m->entries, cap * m->stride);
		if (p == NULL)
			return NULL;
		m->entries = p;
		m->cap = cap;
	}
	k = arena_alloc(&m->keys, len ? len : 1);
	if (k == NULL)
		return NULL;
	memcpy(k, key, len);
	e = entry(m, m->n);
	e->key = k;
	e->len = len;
	e->hash = h;
	memset(value(e), 0, m->valsize);
	m->slots[i] = (uint32_t)++m->n;
	*added = 1;
	return value(e);
}

size_t
hmap_count(const struct hmap *m)
{
	return m->n;
}

void *
hmap_at(const struct hmap *m, size_t i, const void **key, size_t *len)
{
	struct entry	*e = entry(m, i);

	if (key != NULL)
		*key = e->key;
	if (len != NULL)
		*len = e->len;
	return value(e);
}

/* --- SipHash-2-4 (Aumasson and Bernstein), as in its reference code -- */

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static uint64_t
le64(const unsigned char *p)
{
	uint64_t	v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

/* SipHash-c-d of bytes under a 128-bit key. */
static uint64_t
siphash(const uint64_t key[2], const void *data, size_t len, int c, int d)
{
	const unsigned char	*p = data;
	uint64_t		 v0 = 0x736f6d6570736575ULL ^ key[0];
	uint64_t		 v1 = 0x646f72616e646f6dULL ^ key[1];
	uint64_t		 v2 = 0x6c7967656e657261ULL ^ key[0];
	uint64_t		 v3 = 0x7465646279746573ULL ^ key[1];
	uint64_t		 m, b = (uint64_t)len << 56;
	size_t			 left = len & 7, i;
	int			 r;

	for (; len >= 8; p += 8, len -= 8) {
		m = le64(p);
		v3 ^= m;
		for (r = 0; r < c; r++)
			SIPROUND;
		v0 ^= m;
	}
	for (i = 0; i < left; i++)
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	for (r = 0; r < c; r++)
		SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	for (r = 0; r < d; r++)
		SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t
hmap_siphash(const uint64_t key[2], const void *data, size_t len)
{
	return siphash(key, data, len, 2, 4);
}

uint64_t
hmap_siphash13(const uint64_t key[2], const void *data, size_t len)
{
	return siphash(key, data, len, 1, 3);
}

int
hmap_random_key(uint64_t key[2])
{
	unsigned char	*p = (unsigned char *)key;
	size_t		 got = 0;
	ssize_t		 n;

	while (got < 2 * sizeof *key) {
		n = getrandom(p + got, 2 * sizeof *key - got, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}
