/*
 * rsort.h: records (byte strings) sorted by the keys they begin with, in
 * memory up to a bound; beyond it, sorted runs go to an unlinked
 * temporary file (where SQLite puts its own: spool_tmpfile) and are
 * merged as they are read back.
 *
 * The report commands read a window's records as they are stored and
 * need them by source: SQLite's sorter compares its generic records at
 * about a microsecond a row, which was half of what `sources` took on a
 * million sources. Here the first bytes of each record are its key, and
 * records are ordered by their keys as memcmp orders them (a key that
 * another begins with first): the first 8 bytes are compared as one
 * integer, the rest only when those are equal.
 *
 * Memory: the records, 36 bytes more for each (its key's length, an
 * index entry and a merge sort's second one) and 16 bytes, at most the
 * bound given; reading back runs from the file, a buffer per run,
 * sharing the bound; a buffer of 256 KiB to write runs; and a record
 * larger than a quarter of the bound, as long as it is written or read
 * back. The file takes what the records take, plus 8 bytes each, once,
 * and as much again for each pass of a merge of more than 64 runs.
 */
#ifndef DR_RSORT_H
#define DR_RSORT_H

#include <stddef.h>
#include <stdint.h>

struct rsort;

/*
 * A sort in at most mem bytes of memory (from RSORT_MIN to RSORT_MAX:
 * less or more is taken as these). The block is allocated at once and
 * touched as records come. NULL when out of memory.
 */
#define RSORT_MIN	((size_t)64 * 1024)
#define RSORT_MAX	((size_t)1 << 31)
struct rsort	*rsort_new(size_t mem);
void		 rsort_free(struct rsort *);

/*
 * Room for a record of len bytes, to be filled and then added with
 * rsort_add (its first klen bytes its key, klen <= len); valid until
 * then. When memory is full, what it holds is sorted and written to
 * the file first; a record of more than a quarter of the memory is
 * written by itself, from memory of its own. NULL with errno set:
 * ENOMEM, EOVERFLOW (4 GiB or more), or the file's error (ENOSPC: no
 * room for temporary files). rsort_add returns 0, or -1 with errno set
 * when a record by itself could not be written.
 */
void		*rsort_reserve(struct rsort *, size_t len);
int		 rsort_add(struct rsort *, size_t klen);

/*
 * The records in order, the first call ending the input: 1 with the
 * next (*rec, *len; valid until the next call), 0 at the end, -1 with
 * errno set (as rsort_reserve's, or EIO when the file reads short).
 */
int		 rsort_next(struct rsort *, const void **rec, size_t *len);

/* The records added, the runs written and the bytes of the file. */
void		 rsort_stats(const struct rsort *, uint64_t *, size_t *,
		    uint64_t *);

#endif
