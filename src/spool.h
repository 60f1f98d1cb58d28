/*
 * spool.h: blocks of bytes from one producer thread to one consumer
 * thread, in order, kept in memory up to a bound and, while the
 * consumer waits for something else, in a temporary file.
 *
 * export formats its rows while the classes of their sources are still
 * being worked out: the rows wait here until the writer can insert the
 * classes. Memory never holds more than the bound (plus a block); when
 * it is full and the consumer has said that it is stalled
 * (spool_stall), blocks go to an unlinked file (mode 0600) where SQLite
 * puts its temporary files ($SQLITE_TMPDIR, $TMPDIR, /var/tmp, /tmp),
 * up to a bound of their own, and otherwise the producer waits. If the
 * file cannot be made or written (a full disk), blocks stay in memory
 * and the producer waits: slower, never wrong.
 */
#ifndef DR_SPOOL_H
#define DR_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct spool;

/*
 * Blocks of block bytes (a larger one for a larger message), at most
 * mem bytes of them in memory, at most file bytes in the file (0: no
 * file). NULL on allocation failure.
 */
struct spool	*spool_new(size_t block, size_t mem, uint64_t file);
void		 spool_free(struct spool *);

/*
 * Producer: room for n bytes in the current block, which is handed
 * over first if it has not that much room left (waiting, when memory
 * is full, until the consumer releases one). Valid until spool_commit.
 * NULL when the spool was stopped (spool_stopped) or memory ran out.
 */
void		*spool_reserve(struct spool *, size_t);
void		 spool_commit(struct spool *, size_t);
/* No more: the consumer gets the last block, then the end. */
void		 spool_close(struct spool *);

/*
 * Consumer: the next block (*data, *len), waiting for it: 1, or 0 at
 * the end (closed and empty, or stopped), or -1 when a block could not
 * be read back from the file (errno set). The block is the consumer's
 * until the next spool_pop or spool_free.
 */
int		 spool_pop(struct spool *, const char **, size_t *);
/* 1: the consumer waits for something else; 0: it takes blocks again. */
void		 spool_stall(struct spool *, int);

/* Either side: stop; the producer's spool_reserve returns NULL. */
void		 spool_stop(struct spool *);
int		 spool_stopped(struct spool *);

/* Bytes that went through the file, and the most held in memory. */
void		 spool_stats(struct spool *, uint64_t *, size_t *);

/*
 * A temporary file where SQLite puts its own (SQLITE_TMPDIR, TMPDIR,
 * /var/tmp, /tmp: the first that takes it), read and written: unlinked
 * from the start (O_TMPFILE), or as soon as it is made; never readable
 * by others. -1 with errno set if it cannot be made.
 */
int		 spool_tmpfile(void);
/*
 * The n bytes at buf written at off, however many writes it takes: 0,
 * or -1 with errno set (ENOSPC when the file takes nothing more).
 */
int		 spool_pwrite(int, const void *, size_t, uint64_t);

#endif
