/*
 * nonet.c: an LD_PRELOAD shim that records network access, for
 * tests/e2e/hostile.sh.
 *
 *   NONET_LOG=file LD_PRELOAD=nonet.so cmd
 *
 * Every attempt to open an IPv4 or IPv6 socket, or to connect one, is
 * appended to NONET_LOG and refused (EACCES). dmarcdb never uses the
 * network: a line in the log means that something, such as an XML
 * external entity, made it try.
 *
 * Built by make check with $(CC) -shared -fPIC (no libtool).
 */
#define _GNU_SOURCE

#include <sys/socket.h>
#include <sys/types.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
note(const char *what, int family)
{
	const char	*log = getenv("NONET_LOG");
	char		 line[128];
	int		 fd, n;

	if (log == NULL)
		return;
	fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1)
		return;
	n = snprintf(line, sizeof line, "%d: %s, family %d\n", (int)getpid(),
	    what, family);
	if (n > 0 && write(fd, line, (size_t)n) == -1)
		n = 0;
	close(fd);
}

static int
inet(int family)
{
	return family == AF_INET || family == AF_INET6;
}

int
socket(int family, int type, int proto)
{
	static int	(*real)(int, int, int);

	if (inet(family)) {
		note("socket", family);
		errno = EACCES;
		return -1;
	}
	if (real == NULL)
		real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
	if (real == NULL) {
		errno = ENOSYS;
		return -1;
	}
	return real(family, type, proto);
}

int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	static int	(*real)(int, const struct sockaddr *, socklen_t);

	if (sa != NULL && inet(sa->sa_family)) {
		note("connect", sa->sa_family);
		errno = EACCES;
		return -1;
	}
	if (real == NULL)
		real = (int (*)(int, const struct sockaddr *, socklen_t))
		    dlsym(RTLD_NEXT, "connect");
	if (real == NULL) {
		errno = ENOSYS;
		return -1;
	}
	return real(fd, sa, len);
}
