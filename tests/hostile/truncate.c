/*
 * truncate.c: an LD_PRELOAD shim that cuts a file short while the
 * program reads it, as another process compacting an mbox would.
 *
 *   TRUNCATE_PATH=file TRUNCATE_TO=bytes TRUNCATE_LOG=log \
 *       LD_PRELOAD=truncate.so program ...
 *
 * Right after the first read, pread or mmap of a descriptor open on
 * that file (the same device and inode) returns, the file is truncated
 * to TRUNCATE_TO bytes, once; TRUNCATE_LOG then gets a line saying by
 * which call. Deterministic: the program gets the bytes of its first
 * call whole, and a file shorter than it thought from then on (and a
 * SIGBUS where it touches a mapping past the new end).
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t	mtx = PTHREAD_MUTEX_INITIALIZER;
static int		done;

/* Is fd open on the file to cut? */
static int
target(int fd)
{
	const char	*path = getenv("TRUNCATE_PATH");
	struct stat	 a, b;

	if (path == NULL || fd < 0 || fstat(fd, &a) == -1 ||
	    stat(path, &b) == -1)
		return 0;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void
cut(int fd, const char *by)
{
	const char	*path = getenv("TRUNCATE_PATH");
	const char	*to = getenv("TRUNCATE_TO");
	const char	*log = getenv("TRUNCATE_LOG");
	FILE		*f;

	pthread_mutex_lock(&mtx);
	if (!done && target(fd)) {
		done = 1;
		if (truncate(path, to != NULL ? atoll(to) : 0) == 0 &&
		    log != NULL && (f = fopen(log, "a")) != NULL) {
			fprintf(f, "truncated %s to %s bytes after %s\n", path,
			    to != NULL ? to : "0", by);
			fclose(f);
		}
	}
	pthread_mutex_unlock(&mtx);
}

ssize_t
read(int fd, void *buf, size_t n)
{
	static ssize_t	(*real)(int, void *, size_t);
	ssize_t		r;

	if (real == NULL)
		real = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT,
		    "read");
	r = real(fd, buf, n);
	if (r > 0 && !done)
		cut(fd, "read");
	return r;
}

ssize_t
pread(int fd, void *buf, size_t n, off_t off)
{
	static ssize_t	(*real)(int, void *, size_t, off_t);
	ssize_t		r;

	if (real == NULL)
		real = (ssize_t (*)(int, void *, size_t, off_t))dlsym(
		    RTLD_NEXT, "pread");
	r = real(fd, buf, n, off);
	if (r > 0 && !done)
		cut(fd, "pread");
	return r;
}

ssize_t
pread64(int fd, void *buf, size_t n, off_t off)
{
	return pread(fd, buf, n, off);
}

void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	static void	*(*real)(void *, size_t, int, int, int, off_t);
	void		*p;

	if (real == NULL)
		real = (void *(*)(void *, size_t, int, int, int, off_t))
		    dlsym(RTLD_NEXT, "mmap");
	p = real(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && fd >= 0 && !done)
		cut(fd, "mmap");
	return p;
}

void *
mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}
