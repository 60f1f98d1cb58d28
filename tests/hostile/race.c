/*
 * race.c: an LD_PRELOAD shim that changes a file just before it is
 * opened, for tests/e2e/files.sh.
 *
 *   RACE_MATCH=name RACE_ACTION=vanish LD_PRELOAD=race.so cmd
 *   RACE_MATCH=name RACE_ACTION=symlink RACE_TARGET=/etc/shadow \
 *       RACE_NTH=2 LD_PRELOAD=race.so cmd
 *
 * The RACE_NTH-th call (default the first) of open() or openat() whose
 * path contains RACE_MATCH first does RACE_ACTION to that path, then
 * opens it: "vanish" removes the file, as another reader of a Maildir
 * taking the message away; "symlink" replaces it with a symbolic link
 * to RACE_TARGET, as an attacker who swaps a file for a link between
 * the moment it is listed (or read) and the moment it is opened.
 * Every other call is left alone. Races like these cannot be won by
 * timing in a test; the shim wins them every time.
 *
 * Built by make check with $(CC) -shared -fPIC (no libtool).
 */
#define _GNU_SOURCE

#include <sys/stat.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_int	seen;

/* Change path (relative to dirfd) if this is the call to change it. */
static void
race(int dirfd, const char *path)
{
	const char	*m = getenv("RACE_MATCH");
	const char	*a = getenv("RACE_ACTION");
	const char	*t = getenv("RACE_TARGET");
	const char	*n = getenv("RACE_NTH");
	int		 nth = n != NULL ? atoi(n) : 1;

	if (m == NULL || *m == '\0' || a == NULL || path == NULL ||
	    strstr(path, m) == NULL)
		return;
	if (atomic_fetch_add(&seen, 1) + 1 != nth)
		return;
	if (unlinkat(dirfd, path, 0) == -1)
		return;
	if (strcmp(a, "symlink") == 0 && t != NULL)
		(void)symlinkat(t, dirfd, path);
}

static int
mode_arg(int flags, va_list ap)
{
	if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE)
		return va_arg(ap, int);
	return 0;
}

#define REAL(name, type) do {						\
	if (real == NULL)						\
		real = (type)dlsym(RTLD_NEXT, name);			\
} while (0)

int
open(const char *path, int flags, ...)
{
	static int	(*real)(const char *, int, ...);
	va_list		 ap;
	int		 mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	REAL("open", int (*)(const char *, int, ...));
	race(AT_FDCWD, path);
	return real(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	static int	(*real)(const char *, int, ...);
	va_list		 ap;
	int		 mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	REAL("open64", int (*)(const char *, int, ...));
	race(AT_FDCWD, path);
	return real(path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	static int	(*real)(int, const char *, int, ...);
	va_list		 ap;
	int		 mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	REAL("openat", int (*)(int, const char *, int, ...));
	race(dirfd, path);
	return real(dirfd, path, flags, mode);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
	static int	(*real)(int, const char *, int, ...);
	va_list		 ap;
	int		 mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	REAL("openat64", int (*)(int, const char *, int, ...));
	race(dirfd, path);
	return real(dirfd, path, flags, mode);
}

/* What _FORTIFY_SOURCE builds call instead. */
int	__open_2(const char *, int);
int	__open64_2(const char *, int);
int	__openat_2(int, const char *, int);
int	__openat64_2(int, const char *, int);

int
__open_2(const char *path, int flags)
{
	return open(path, flags);
}

int
__open64_2(const char *path, int flags)
{
	return open64(path, flags);
}

int
__openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

int
__openat64_2(int dirfd, const char *path, int flags)
{
	return openat64(dirfd, path, flags);
}
