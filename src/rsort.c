/*
 * rsort.c: records sorted by their keys, in memory up to a bound, in
 * runs merged from a temporary file beyond it. See rsort.h.
 *
 * In memory, one block: the records from its start, each after its
 * key's length (4 bytes), and the index from its end down, an entry
 * (the key's first 8 bytes as an integer, the record's place and
 * length) per record; a merge sort of the index uses the room between
 * the two. A full block is sorted and written to the file as a run:
 * each record after its length and its key's length (4 bytes each).
 * Reading back, the runs are merged through a heap; more than
 * RSORT_FANIN runs are first merged into longer ones.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rsort.h"
#include "spool.h"

/* Runs merged at once. */
#define RSORT_FANIN	64
/* The buffer that writes runs; a run's read buffer, least and most. */
#define RSORT_WBUF	((size_t)256 * 1024)
#define RSORT_RMIN	((size_t)16 * 1024)
#define RSORT_RMAX	((size_t)1024 * 1024)
/* A record in the file: its length, its key's, then its bytes. */
#define HDR		8
/* What a record costs in the block beside its bytes and key length. */
#define COST		(2 * sizeof(struct rix))

struct rix {
	uint64_t	 key;		/* the key's first 8 bytes */
	uint32_t	 off;		/* of the record in the block */
	uint32_t	 len;
};

struct run {
	uint64_t	 off, size;	/* in the file */
};

/* A run being read back: its current record. */
struct src {
	uint64_t	 off, end;	/* what is left of it in the file */
	unsigned char	*buf;
	size_t		 cap, pos, fill;
	uint64_t	 key;
	const unsigned char *rec;
	uint32_t	 len, klen;
};

/* Runs merged: a heap of those with a record, the least on top. */
struct merge {
	struct src	*v;
	size_t		 k;
	size_t		*heap;
	size_t		 nheap;
	int		 started;
};

struct rsort {
	unsigned char	*blk;
	size_t		 mem;
	size_t		 dlen;		/* bytes of records (and lengths) */
	size_t		 n;		/* records in the block */
	size_t		 rsv;		/* the length reserved */
	unsigned char	*big;		/* reserved, larger than a quarter */
	int		 fd;		/* -1: no file yet */
	uint64_t	 fend;
	unsigned char	*wbuf;
	size_t		 wlen;
	uint64_t	 woff;		/* where wbuf goes */
	struct run	*runs;
	size_t		 nruns, caprun;
	uint64_t	 added;
	int		 state;		/* ADDING, IN_MEMORY, MERGING */
	size_t		 next;		/* IN_MEMORY: the index's next */
	struct merge	 m;
};

enum { ADDING, IN_MEMORY, MERGING };

static uint64_t
key8(const unsigned char *p, size_t klen)
{
	uint64_t	k = 0;
	size_t		i;

	for (i = 0; i < 8; i++)
		k = k << 8 | (i < klen ? p[i] : 0);
	return k;
}

/*
 * Keys a (al bytes) and b (bl) whose first 8 bytes are equal: the rest
 * as memcmp, a key that the other begins with first.
 */
static int
keycmp(const unsigned char *a, uint32_t al, const unsigned char *b,
    uint32_t bl)
{
	uint32_t	n = al < bl ? al : bl;
	int		c;

	if (n > 8 && (c = memcmp(a + 8, b + 8, n - 8)) != 0)
		return c;
	return al < bl ? -1 : al > bl;
}

static uint32_t
get32(const unsigned char *p)
{
	uint32_t	v;

	memcpy(&v, p, sizeof v);
	return v;
}

static void
put32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof v);
}

struct rsort *
rsort_new(size_t mem)
{
	struct rsort	*s;

	if (mem < RSORT_MIN)
		mem = RSORT_MIN;
	if (mem > RSORT_MAX)
		mem = RSORT_MAX;
	mem &= ~(size_t)15;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return NULL;
	/* Untouched, a large block takes no memory. */
	if ((s->blk = malloc(mem)) == NULL) {
		free(s);
		return NULL;
	}
	s->mem = mem;
	s->fd = -1;
	return s;
}

static void
merge_free(struct merge *m)
{
	size_t	i;

	for (i = 0; i < m->k; i++)
		free(m->v[i].buf);
	free(m->v);
	free(m->heap);
	memset(m, 0, sizeof *m);
}

void
rsort_free(struct rsort *s)
{
	if (s == NULL)
		return;
	merge_free(&s->m);
	if (s->fd != -1)
		close(s->fd);
	free(s->big);
	free(s->blk);
	free(s->wbuf);
	free(s->runs);
	free(s);
}

/* The index: the block's last n entries, the first sorted first. */
static struct rix *
index_of(const struct rsort *s)
{
	return (struct rix *)(void *)(s->blk + s->mem) - s->n;
}

static int
ix_less(const unsigned char *blk, const struct rix *a, const struct rix *b)
{
	if (a->key != b->key)
		return a->key < b->key;
	return keycmp(blk + a->off, get32(blk + a->off - 4), blk + b->off,
	    get32(blk + b->off - 4)) < 0;
}

/* Sort v[0..n) by key, with t room for n / 2 + 1 entries. */
static void
msort(const unsigned char *blk, struct rix *v, struct rix *t, size_t n)
{
	struct rix	 x;
	size_t		 h, i, j, k;

	if (n <= 16) {
		for (i = 1; i < n; i++) {
			x = v[i];
			for (j = i; j > 0 && ix_less(blk, &x, &v[j - 1]); j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	h = n / 2;
	msort(blk, v, t, h);
	msort(blk, v + h, t, n - h);
	if (!ix_less(blk, &v[h], &v[h - 1]))
		return;		/* already in order */
	memcpy(t, v, h * sizeof *v);
	/* Writing at i + j - h never passes the right half's next, j. */
	for (i = 0, j = h, k = 0; i < h && j < n; k++)
		v[k] = ix_less(blk, &v[j], &t[i]) ? v[j++] : t[i++];
	while (i < h)
		v[k++] = t[i++];
}

static int
wflush(struct rsort *s)
{
	if (s->wlen > 0 && spool_pwrite(s->fd, s->wbuf, s->wlen, s->woff) ==
	    -1)
		return -1;
	s->woff += s->wlen;
	s->wlen = 0;
	return 0;
}

/* A new run at the end of the file, the file and buffer made if need be. */
static int
run_begin(struct rsort *s)
{
	if (s->fd == -1 && (s->fd = spool_tmpfile()) == -1)
		return -1;
	if (s->wbuf == NULL && (s->wbuf = malloc(RSORT_WBUF)) == NULL)
		return -1;
	s->woff = s->fend;
	s->wlen = 0;
	return 0;
}

/* A record onto the run begun. */
static int
run_put(struct rsort *s, const unsigned char *rec, uint32_t len,
    uint32_t klen)
{
	unsigned char	hdr[HDR];

	put32(hdr, len);
	put32(hdr + 4, klen);
	if (s->wlen + HDR + len > RSORT_WBUF && wflush(s) == -1)
		return -1;
	if (HDR + (size_t)len > RSORT_WBUF) {
		if (spool_pwrite(s->fd, hdr, HDR, s->woff) == -1 ||
		    spool_pwrite(s->fd, rec, len, s->woff + HDR) == -1)
			return -1;
		s->woff += HDR + (uint64_t)len;
		return 0;
	}
	memcpy(s->wbuf + s->wlen, hdr, HDR);
	memcpy(s->wbuf + s->wlen + HDR, rec, len);
	s->wlen += HDR + len;
	return 0;
}

/* The run begun, ended: added to the list (at its end). */
static int
run_end(struct rsort *s)
{
	struct run	*r;

	if (wflush(s) == -1)
		return -1;
	if (s->nruns == s->caprun) {
		size_t cap = s->caprun ? s->caprun * 2 : 16;
		if ((r = realloc(s->runs, cap * sizeof *r)) == NULL)
			return -1;
		s->runs = r;
		s->caprun = cap;
	}
	s->runs[s->nruns].off = s->fend;
	s->runs[s->nruns].size = s->woff - s->fend;
	s->nruns++;
	s->fend = s->woff;
	return 0;
}

/*
 * The block's index sorted, the merge sort's room after the records
 * (rsort_reserve keeps it).
 */
static struct rix *
sort_block(struct rsort *s)
{
	struct rix	*v = index_of(s);

	msort(s->blk, v, (struct rix *)(void *)(s->blk +
	    ((s->dlen + 15) & ~(size_t)15)), s->n);
	return v;
}

/* The block sorted and written as a run, then emptied. */
static int
spill(struct rsort *s)
{
	struct rix	*v = sort_block(s);
	size_t		 i;

	if (run_begin(s) == -1)
		return -1;
	for (i = 0; i < s->n; i++)
		if (run_put(s, s->blk + v[i].off, v[i].len,
		    get32(s->blk + v[i].off - 4)) == -1)
			return -1;
	if (run_end(s) == -1)
		return -1;
	s->dlen = 0;
	s->n = 0;
	return 0;
}

void *
rsort_reserve(struct rsort *s, size_t len)
{
	/*
	 * A record larger than a quarter of the memory is a run by itself
	 * (what memory held going first, then it): the memory it takes is
	 * its own, for as long as it is written, and when read back.
	 */
	if (len > s->mem / 4) {
		if (len > UINT32_MAX) {
			errno = EOVERFLOW;
			return NULL;
		}
		if (s->n > 0 && spill(s) == -1)
			return NULL;
		free(s->big);
		if ((s->big = malloc(len ? len : 1)) == NULL)
			return NULL;
		s->rsv = len;
		return s->big;
	}
	/*
	 * The record, its key's length, its index entry and the merge
	 * sort's, with 16 bytes to align the merge sort's.
	 */
	if (s->dlen + 4 + len + 16 + (s->n + 1) * COST > s->mem &&
	    spill(s) == -1)
		return NULL;
	s->rsv = len;
	return s->blk + s->dlen + 4;
}

int
rsort_add(struct rsort *s, size_t klen)
{
	struct rix	*x;
	unsigned char	*rec = s->blk + s->dlen + 4;
	int		 rc;

	if (s->big != NULL) {
		rc = run_begin(s);
		if (rc == 0)
			rc = run_put(s, s->big, (uint32_t)s->rsv,
			    (uint32_t)klen);
		if (rc == 0)
			rc = run_end(s);
		free(s->big);
		s->big = NULL;
		if (rc == 0)
			s->added++;
		return rc;
	}

	put32(rec - 4, (uint32_t)klen);
	s->n++;
	x = index_of(s);
	x->key = key8(rec, klen);
	x->off = (uint32_t)(s->dlen + 4);
	x->len = (uint32_t)s->rsv;
	s->dlen += 4 + s->rsv;
	s->added++;
	return 0;
}

/*
 * The bytes of src's next record in its buffer, read from fd: 1, 0 at
 * the run's end, -1 with errno set.
 */
static int
src_fill(struct src *r, int fd, size_t need)
{
	unsigned char	*b;
	uint64_t	 left;
	size_t		 want;
	ssize_t		 got;

	if (r->fill - r->pos >= need)
		return 1;
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->fill - r->pos);
		r->fill -= r->pos;
		r->pos = 0;
	}
	if (need > r->cap) {
		if ((b = realloc(r->buf, need)) == NULL)
			return -1;
		r->buf = b;
		r->cap = need;
	}
	while (r->fill < need) {
		left = r->end - r->off;
		if (left == 0) {
			if (r->fill == 0)
				return 0;
			errno = EIO;	/* a run cut short */
			return -1;
		}
		want = r->cap - r->fill;
		if (want > left)
			want = (size_t)left;
		got = pread(fd, r->buf + r->fill, want, (off_t)r->off);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1)
			return -1;
		if (got == 0) {
			errno = EIO;
			return -1;
		}
		r->fill += (size_t)got;
		r->off += (uint64_t)got;
	}
	return 1;
}

/* src's next record: 1, 0 at the run's end, -1 with errno set. */
static int
src_next(struct src *r, int fd)
{
	int	rc;

	if ((rc = src_fill(r, fd, HDR)) != 1)
		return rc;
	r->len = get32(r->buf + r->pos);
	r->klen = get32(r->buf + r->pos + 4);
	if (r->klen > r->len) {
		errno = EIO;
		return -1;
	}
	if ((rc = src_fill(r, fd, HDR + (size_t)r->len)) != 1)
		return rc == 0 ? (errno = EIO, -1) : -1;
	r->rec = r->buf + r->pos + HDR;
	r->key = key8(r->rec, r->klen);
	r->pos += HDR + r->len;
	return 1;
}

static int
src_less(const struct src *a, const struct src *b)
{
	if (a->key != b->key)
		return a->key < b->key;
	return keycmp(a->rec, a->klen, b->rec, b->klen) < 0;
}

static void
heap_down(struct merge *m, size_t i)
{
	size_t	l, least, t;

	for (;;) {
		least = i;
		l = 2 * i + 1;
		if (l < m->nheap && src_less(&m->v[m->heap[l]],
		    &m->v[m->heap[least]]))
			least = l;
		if (l + 1 < m->nheap && src_less(&m->v[m->heap[l + 1]],
		    &m->v[m->heap[least]]))
			least = l + 1;
		if (least == i)
			return;
		t = m->heap[i];
		m->heap[i] = m->heap[least];
		m->heap[least] = t;
		i = least;
	}
}

/* Runs r[0..k) merged, each read through a buffer of its share of mem. */
static int
merge_open(struct rsort *s, const struct run *r, size_t k)
{
	struct merge	*m = &s->m;
	size_t		 i, share;
	int		 rc;

	memset(m, 0, sizeof *m);
	share = s->mem / (k + 1);
	if (share < RSORT_RMIN)
		share = RSORT_RMIN;
	if (share > RSORT_RMAX)
		share = RSORT_RMAX;
	if ((m->v = calloc(k, sizeof *m->v)) == NULL ||
	    (m->heap = calloc(k, sizeof *m->heap)) == NULL)
		return -1;
	m->k = k;
	for (i = 0; i < k; i++) {
		m->v[i].off = r[i].off;
		m->v[i].end = r[i].off + r[i].size;
		if ((m->v[i].buf = malloc(share)) == NULL)
			return -1;
		m->v[i].cap = share;
		if ((rc = src_next(&m->v[i], s->fd)) == -1)
			return -1;
		if (rc == 1)
			m->heap[m->nheap++] = i;
	}
	for (i = m->nheap / 2; i-- > 0; )
		heap_down(m, i);
	return 0;
}

/*
 * The merge's next record, the one before it (on top) moved past
 * first: 1, 0 at the end, -1 with errno set.
 */
static int
merge_next(struct rsort *s, struct src **out)
{
	struct merge	*m = &s->m;
	int		 rc;

	if (m->started && m->nheap > 0) {
		if ((rc = src_next(&m->v[m->heap[0]], s->fd)) == -1)
			return -1;
		if (rc == 0)
			m->heap[0] = m->heap[--m->nheap];
		heap_down(m, 0);
	}
	m->started = 1;
	if (m->nheap == 0)
		return 0;
	*out = &m->v[m->heap[0]];
	return 1;
}

/* The first RSORT_FANIN runs merged into one at the end of the list. */
static int
merge_some(struct rsort *s)
{
	struct src	*r;
	int		 rc;

	if (merge_open(s, s->runs, RSORT_FANIN) == -1 || run_begin(s) == -1)
		return -1;
	while ((rc = merge_next(s, &r)) == 1)
		if (run_put(s, r->rec, r->len, r->klen) == -1)
			return -1;
	if (rc == -1 || run_end(s) == -1)
		return -1;
	merge_free(&s->m);
	s->nruns -= RSORT_FANIN;
	memmove(s->runs, s->runs + RSORT_FANIN, s->nruns * sizeof *s->runs);
	return 0;
}

/* The input ended: sorted in memory, or the runs ready to merge. */
static int
finish(struct rsort *s)
{
	if (s->nruns == 0) {
		(void)sort_block(s);
		s->state = IN_MEMORY;
		return 0;
	}
	/* The block's records too, so that the runs share its memory. */
	if (s->n > 0 && spill(s) == -1)
		return -1;
	free(s->blk);
	s->blk = NULL;
	while (s->nruns > RSORT_FANIN)
		if (merge_some(s) == -1)
			return -1;
	free(s->wbuf);
	s->wbuf = NULL;
	s->state = MERGING;
	return merge_open(s, s->runs, s->nruns);
}

int
rsort_next(struct rsort *s, const void **rec, size_t *len)
{
	const struct rix	*x;
	struct src		*r;
	int			 rc;

	if (s->state == ADDING && finish(s) == -1)
		return -1;
	if (s->state == IN_MEMORY) {
		if (s->next == s->n)
			return 0;
		x = &index_of(s)[s->next++];
		*rec = s->blk + x->off;
		*len = x->len;
		return 1;
	}
	if ((rc = merge_next(s, &r)) != 1)
		return rc;
	*rec = r->rec;
	*len = r->len;
	return 1;
}

void
rsort_stats(const struct rsort *s, uint64_t *added, size_t *runs,
    uint64_t *bytes)
{
	*added = s->added;
	*runs = s->nruns;
	*bytes = s->fend;
}
