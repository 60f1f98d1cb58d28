/*
 * exdev.c: an LD_PRELOAD shim that puts every folder on a file system
 * of its own, for tests/e2e/moves.sh.
 *
 *   LD_PRELOAD=exdev.so cmd
 *
 * rename, renameat, renameat2 and linkat fail with EXDEV, as between
 * two mounts, except a link from a file whose name contains
 * ".dmarcdb-move": the copy that a move across file systems makes
 * beside its destination, then links into place (move.c). A test then
 * sees the copy path of every move without needing two file systems
 * (a tmpfs, a loop device, privileges).
 *
 * Built by make check with $(CC) -shared -fPIC (no libtool).
 */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *
next(const char *name)
{
	void	*f = dlsym(RTLD_NEXT, name);

	if (f == NULL) {
		fprintf(stderr, "exdev.so: %s not found\n", name);
		abort();
	}
	return f;
}

int
rename(const char *from, const char *to)
{
	(void)from;
	(void)to;
	errno = EXDEV;
	return -1;
}

int
renameat(int fd, const char *from, int tofd, const char *to)
{
	(void)fd;
	(void)from;
	(void)tofd;
	(void)to;
	errno = EXDEV;
	return -1;
}

int
renameat2(int fd, const char *from, int tofd, const char *to,
    unsigned flags)
{
	(void)fd;
	(void)from;
	(void)tofd;
	(void)to;
	(void)flags;
	errno = EXDEV;
	return -1;
}

int
linkat(int fd, const char *from, int tofd, const char *to, int flags)
{
	static int	(*real)(int, const char *, int, const char *, int);

	if (strstr(from, ".dmarcdb-move") == NULL) {
		errno = EXDEV;
		return -1;
	}
	if (real == NULL)
		real = next("linkat");
	return real(fd, from, tofd, to, flags);
}
