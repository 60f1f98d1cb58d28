/*
 * spool.c: blocks from a producer to a consumer, in memory up to a
 * bound, in an unlinked temporary file while the consumer is stalled.
 * See spool.h.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/statvfs.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spool.h"

/*
 * A block in memory, or (file set) the place of one in the file: len
 * bytes at off.
 */
struct sblock {
	struct sblock	*next;
	size_t		 size;		/* bytes of data[]; 0 in the file */
	size_t		 used;
	int		 file;
	uint64_t	 off;
	char		 data[];
};

struct spool {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	size_t		 block;
	size_t		 mem_max;
	uint64_t	 file_max;
	/* Under mtx. */
	struct sblock	*head, *tail;	/* handed over, in order */
	struct sblock	*spare;		/* released blocks of block bytes */
	size_t		 mem;		/* bytes of blocks in memory */
	size_t		 mem_peak;
	int		 stalled, closed, stopped;
	int		 fd;		/* -1: none yet */
	int		 file_failed;
	uint64_t	 file_end;	/* bytes written */
	/* The producer's. */
	struct sblock	*cur;
	/* The consumer's. */
	struct sblock	*held;		/* popped, in memory */
	char		*rbuf;		/* a block read back */
	size_t		 rcap;
};

struct spool *
spool_new(size_t block, size_t mem, uint64_t file)
{
	struct spool	*sp;

	sp = calloc(1, sizeof *sp);
	if (sp == NULL)
		return NULL;
	if (pthread_mutex_init(&sp->mtx, NULL) != 0) {
		free(sp);
		return NULL;
	}
	if (pthread_cond_init(&sp->cv, NULL) != 0) {
		pthread_mutex_destroy(&sp->mtx);
		free(sp);
		return NULL;
	}
	sp->block = block;
	sp->mem_max = mem;
	sp->file_max = file;
	sp->fd = -1;
	return sp;
}

static void
free_list(struct sblock *b)
{
	struct sblock	*next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
}

void
spool_free(struct spool *sp)
{
	if (sp == NULL)
		return;
	free_list(sp->head);
	free_list(sp->spare);
	free(sp->cur);
	free(sp->held);
	free(sp->rbuf);
	if (sp->fd != -1)
		close(sp->fd);
	pthread_cond_destroy(&sp->cv);
	pthread_mutex_destroy(&sp->mtx);
	free(sp);
}

/* Caller holds mtx. */
static void
append(struct spool *sp, struct sblock *b)
{
	b->next = NULL;
	if (sp->tail != NULL)
		sp->tail->next = b;
	else
		sp->head = b;
	sp->tail = b;
	pthread_cond_broadcast(&sp->cv);
}

int
spool_tmpfile(void)
{
	const char	*dirs[4];
	char		 path[4096];
	size_t		 i;
	int		 fd;

	dirs[0] = getenv("SQLITE_TMPDIR");
	dirs[1] = getenv("TMPDIR");
	dirs[2] = "/var/tmp";
	dirs[3] = "/tmp";
	for (i = 0; i < 4; i++) {
		if (dirs[i] == NULL || *dirs[i] == '\0')
			continue;
#ifdef O_TMPFILE
		fd = open(dirs[i], O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
		if (fd != -1)
			return fd;
#endif
		if ((size_t)snprintf(path, sizeof path,
		    "%s/dmarcdb-spool.XXXXXX", dirs[i]) >= sizeof path)
			continue;
		if ((fd = mkstemp(path)) == -1)
			continue;
		unlink(path);
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		return fd;
	}
	return -1;
}

int
spool_pwrite(int fd, const void *buf, size_t n, uint64_t off)
{
	const char	*p = buf;
	ssize_t		 w;

	while (n > 0) {
		w = pwrite(fd, p, n, (off_t)off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/*
 * Room for the file to grow to size: SQLite's sorts spill to the same
 * file system, and a spool that fills it would make them fail where
 * they did not before. So the file takes at most half of what is free,
 * leaving SPOOL_LEAVE at least.
 */
#define SPOOL_LEAVE	((uint64_t)64 << 20)
static int
room(int fd, uint64_t size)
{
	struct statvfs	vfs;
	uint64_t	free;

	if (fstatvfs(fd, &vfs) == -1)
		return 0;
	free = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
	return free >= SPOOL_LEAVE + size && free - size >= size;
}

/*
 * Caller holds mtx. The current block into the file, its place handed
 * over, when the consumer is stalled and the file can take it: 1, else
 * 0. The block stays the producer's, empty.
 */
static int
spill(struct spool *sp)
{
	struct sblock	*b = sp->cur, *e;
	uint64_t	 off;
	int		 ok;

	if (!sp->stalled || sp->file_failed || sp->file_max == 0 ||
	    sp->file_end + b->used > sp->file_max)
		return 0;
	e = malloc(sizeof *e);
	if (e == NULL)
		return 0;
	off = sp->file_end;
	/* The file and the block are the producer's: no lock to write. */
	pthread_mutex_unlock(&sp->mtx);
	if (sp->fd == -1)
		sp->fd = spool_tmpfile();
	ok = sp->fd != -1 && room(sp->fd, off + b->used) &&
	    spool_pwrite(sp->fd, b->data, b->used, off) == 0;
	pthread_mutex_lock(&sp->mtx);
	if (!ok) {
		sp->file_failed = 1;
		free(e);
		return 0;
	}
	memset(e, 0, sizeof *e);
	e->file = 1;
	e->used = b->used;
	e->off = off;
	sp->file_end += b->used;
	b->used = 0;
	append(sp, e);
	return 1;
}

void *
spool_reserve(struct spool *sp, size_t n)
{
	struct sblock	*b = sp->cur, *nb = NULL;
	size_t		 size;
	int		 alloc = 0;

	if (b != NULL && b->size - b->used >= n)
		return b->data + b->used;
	size = n > sp->block ? n : sp->block;
	pthread_mutex_lock(&sp->mtx);
	for (;;) {
		if (sp->stopped) {
			pthread_mutex_unlock(&sp->mtx);
			return NULL;
		}
		if (b != NULL && b->used == 0 && b->size >= size) {
			nb = b;		/* spilled: written again */
			break;
		}
		/*
		 * The block to write next: a spare one, or a new one within
		 * the bound (or when nothing else is in flight).
		 */
		if (size == sp->block && sp->spare != NULL) {
			nb = sp->spare;
			sp->spare = nb->next;
		} else if (sp->mem + size <= sp->mem_max ||
		    (sp->head == NULL && sp->held == NULL)) {
			sp->mem += size;
			if (sp->mem > sp->mem_peak)
				sp->mem_peak = sp->mem;
			alloc = 1;
		}
		if (nb != NULL || alloc) {
			if (b != NULL && b->used > 0)
				append(sp, b);
			else if (b != NULL) {
				sp->mem -= b->size;
				free(b);
			}
			break;
		}
		if (b != NULL && b->used > 0 && spill(sp))
			continue;
		pthread_cond_wait(&sp->cv, &sp->mtx);
	}
	pthread_mutex_unlock(&sp->mtx);
	sp->cur = NULL;
	if (alloc) {
		nb = malloc(sizeof *nb + size);
		if (nb == NULL) {
			pthread_mutex_lock(&sp->mtx);
			sp->mem -= size;
			pthread_mutex_unlock(&sp->mtx);
			return NULL;
		}
		nb->size = size;
	}
	nb->used = 0;
	nb->file = 0;
	sp->cur = nb;
	return nb->data;
}

void
spool_commit(struct spool *sp, size_t n)
{
	sp->cur->used += n;
}

void
spool_close(struct spool *sp)
{
	pthread_mutex_lock(&sp->mtx);
	if (sp->cur != NULL && sp->cur->used > 0 && !sp->stopped) {
		append(sp, sp->cur);
		sp->cur = NULL;
	}
	sp->closed = 1;
	pthread_cond_broadcast(&sp->cv);
	pthread_mutex_unlock(&sp->mtx);
}

int
spool_pop(struct spool *sp, const char **data, size_t *len)
{
	struct sblock	*e;
	char		*p;
	size_t		 done;
	ssize_t		 r;

	pthread_mutex_lock(&sp->mtx);
	if (sp->held != NULL) {
		if (sp->held->size == sp->block) {
			sp->held->next = sp->spare;
			sp->spare = sp->held;
		} else {
			sp->mem -= sp->held->size;
			free(sp->held);
		}
		sp->held = NULL;
		pthread_cond_broadcast(&sp->cv);
	}
	while (sp->head == NULL && !sp->closed && !sp->stopped)
		pthread_cond_wait(&sp->cv, &sp->mtx);
	if (sp->stopped || sp->head == NULL) {
		pthread_mutex_unlock(&sp->mtx);
		return 0;
	}
	e = sp->head;
	sp->head = e->next;
	if (sp->head == NULL)
		sp->tail = NULL;
	if (!e->file)
		sp->held = e;
	pthread_mutex_unlock(&sp->mtx);
	if (!e->file) {
		*data = e->data;
		*len = e->used;
		return 1;
	}
	/* Read back; only the producer writes, at the end of the file. */
	if (sp->rcap < e->used) {
		p = realloc(sp->rbuf, e->used);
		if (p == NULL) {
			free(e);
			errno = ENOMEM;
			return -1;
		}
		sp->rbuf = p;
		sp->rcap = e->used;
	}
	for (done = 0; done < e->used; done += (size_t)r) {
		r = pread(sp->fd, sp->rbuf + done, e->used - done,
		    (off_t)(e->off + done));
		if (r == -1 && errno == EINTR) {
			r = 0;
			continue;
		}
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			free(e);
			return -1;
		}
	}
	*data = sp->rbuf;
	*len = e->used;
	free(e);
	return 1;
}

void
spool_stall(struct spool *sp, int stalled)
{
	pthread_mutex_lock(&sp->mtx);
	sp->stalled = stalled;
	pthread_cond_broadcast(&sp->cv);
	pthread_mutex_unlock(&sp->mtx);
}

void
spool_stop(struct spool *sp)
{
	pthread_mutex_lock(&sp->mtx);
	sp->stopped = 1;
	pthread_cond_broadcast(&sp->cv);
	pthread_mutex_unlock(&sp->mtx);
}

int
spool_stopped(struct spool *sp)
{
	int	stopped;

	pthread_mutex_lock(&sp->mtx);
	stopped = sp->stopped;
	pthread_mutex_unlock(&sp->mtx);
	return stopped;
}

void
spool_stats(struct spool *sp, uint64_t *file, size_t *mem_peak)
{
	pthread_mutex_lock(&sp->mtx);
	*file = sp->file_end;
	*mem_peak = sp->mem_peak;
	pthread_mutex_unlock(&sp->mtx);
}
