/*
 * enospc.c: an LD_PRELOAD shim that fills the disk, for
 * tests/e2e/diskfull.sh.
 *
 *   ENOSPC_MATCH=dmarc.db ENOSPC_BYTES=262144 LD_PRELOAD=enospc.so cmd
 *
 * Writes to files whose path contains ENOSPC_MATCH fail with ENOSPC once
 * they would make those files grow by more than ENOSPC_BYTES in all, as
 * on a file system that fills up: a write within a file's current size
 * still succeeds (its blocks are there), one that extends it does not.
 * Every other file is left alone. Space is never given back, so once
 * full, the disk stays full until the process ends.
 *
 * Why a shim: it needs no mount, no loop device and no privileges, and
 * works as root (which a full disk's reserved blocks would not stop).
 * RLIMIT_FSIZE would need no code, but the write then fails with EFBIG,
 * which SQLite reports as an I/O error, not as a full disk; and it
 * limits every file the process writes, not the database's.
 *
 * Built by make check with $(CC) -shared -fPIC (no libtool).
 */
#define _GNU_SOURCE

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t	 mtx = PTHREAD_MUTEX_INITIALIZER;
static uint64_t		 used;

/* Does fd name a file whose path contains ENOSPC_MATCH? */
static int
matches(int fd)
{
	const char	*m = getenv("ENOSPC_MATCH");
	char		 link[64], path[4096];
	ssize_t		 n;

	if (m == NULL || *m == '\0')
		return 0;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof path - 1);
	if (n <= 0)
		return 0;
	path[n] = '\0';
	return strstr(path, m) != NULL;
}

/*
 * May n bytes be written at off (-1: the file position)? Counts the
 * growth of the file; 0 if it fits, -1 (errno ENOSPC) if the disk is
 * full.
 */
static int
charge(int fd, off_t off, size_t n)
{
	const char	*b = getenv("ENOSPC_BYTES");
	struct stat	 st;
	uint64_t	 limit, end, grow = 0;
	int		 rc = 0;

	if (b == NULL || n == 0 || !matches(fd))
		return 0;
	limit = strtoull(b, NULL, 10);
	if (off == -1)
		off = lseek(fd, 0, SEEK_CUR);
	if (off == -1 || fstat(fd, &st) == -1)
		return 0;
	end = (uint64_t)off + n;
	if (end > (uint64_t)st.st_size)
		grow = end - (uint64_t)st.st_size;
	pthread_mutex_lock(&mtx);
	if (used + grow > limit) {
		errno = ENOSPC;
		rc = -1;
	} else
		used += grow;
	pthread_mutex_unlock(&mtx);
	return rc;
}

static void *
next(const char *name)
{
	void	*f = dlsym(RTLD_NEXT, name);

	if (f == NULL) {
		fprintf(stderr, "enospc.so: %s not found\n", name);
		abort();
	}
	return f;
}

ssize_t
write(int fd, const void *p, size_t n)
{
	static ssize_t	(*real)(int, const void *, size_t);

	if (real == NULL)
		real = next("write");
	if (charge(fd, -1, n) == -1)
		return -1;
	return real(fd, p, n);
}

ssize_t
pwrite(int fd, const void *p, size_t n, off_t off)
{
	static ssize_t	(*real)(int, const void *, size_t, off_t);

	if (real == NULL)
		real = next("pwrite");
	if (charge(fd, off, n) == -1)
		return -1;
	return real(fd, p, n, off);
}

ssize_t
pwrite64(int fd, const void *p, size_t n, off64_t off)
{
	static ssize_t	(*real)(int, const void *, size_t, off64_t);

	if (real == NULL)
		real = next("pwrite64");
	if (charge(fd, (off_t)off, n) == -1)
		return -1;
	return real(fd, p, n, off);
}

ssize_t
writev(int fd, const struct iovec *iov, int cnt)
{
	static ssize_t	(*real)(int, const struct iovec *, int);
	size_t		n = 0;
	int		i;

	if (real == NULL)
		real = next("writev");
	for (i = 0; i < cnt; i++)
		n += iov[i].iov_len;
	if (charge(fd, -1, n) == -1)
		return -1;
	return real(fd, iov, cnt);
}

int
ftruncate(int fd, off_t len)
{
	static int	(*real)(int, off_t);
	struct stat	st;

	if (real == NULL)
		real = next("ftruncate");
	if (fstat(fd, &st) == 0 && len > st.st_size &&
	    charge(fd, st.st_size, (size_t)(len - st.st_size)) == -1)
		return -1;
	return real(fd, len);
}

int
ftruncate64(int fd, off64_t len)
{
	static int	(*real)(int, off64_t);
	struct stat	st;

	if (real == NULL)
		real = next("ftruncate64");
	if (fstat(fd, &st) == 0 && len > st.st_size &&
	    charge(fd, st.st_size, (size_t)(len - st.st_size)) == -1)
		return -1;
	return real(fd, len);
}

int
fallocate(int fd, int mode, off_t off, off_t len)
{
	static int	(*real)(int, int, off_t, off_t);

	if (real == NULL)
		real = next("fallocate");
	if (charge(fd, off, (size_t)len) == -1)
		return -1;
	return real(fd, mode, off, len);
}

int
posix_fallocate(int fd, off_t off, off_t len)
{
	static int	(*real)(int, off_t, off_t);

	if (real == NULL)
		real = next("posix_fallocate");
	if (charge(fd, off, (size_t)len) == -1)
		return ENOSPC;
	return real(fd, off, len);
}
