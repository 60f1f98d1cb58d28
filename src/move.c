/*
 * move.c: moving files without losing or overwriting any (see move.h).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "move.h"

#define MOVE_TRIES	1000	/* numbered names tried before giving up */
#define MOVE_CHUNK	65536

static int	numbered(const char *, unsigned, struct buf *);
static int	same_file(int, const char *, const struct stat *);
static int	copy_across(int, const char *, const struct stat *, int, int,
		    const char *, struct buf *, struct dr_error *);

/*
 * want with the number n (none for 0) into b: before a Maildir
 * message's info (":2,S"), so that it stays its info.
 */
static int
numbered(const char *want, unsigned n, struct buf *b)
{
	const char	*colon = strchr(want, ':');
	size_t		 base = colon != NULL ? (size_t)(colon - want) :
			    strlen(want);
	char		 num[16];

	buf_reset(b);
	if (buf_add(b, want, base) == -1)
		return -1;
	if (n > 0) {
		snprintf(num, sizeof num, ".%u", n);
		if (buf_adds(b, num) == -1)
			return -1;
	}
	if (colon != NULL && buf_adds(b, colon) == -1)
		return -1;
	return 0;
}

/* 1 when name in dfd is still the regular file st describes. */
static int
same_file(int dfd, const char *name, const struct stat *st)
{
	struct stat	now;

	return fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(now.st_mode) && now.st_dev == st->st_dev &&
	    now.st_ino == st->st_ino;
}

/* write all of it; -1 with errno set. */
static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Across filesystems: a copy under a temporary name in tfd, synced,
 * linked to its name in dfd (never over another), the directory
 * synced; then the original is removed, if it is still the file read.
 */
static int
copy_across(int sfd, const char *name, const struct stat *st, int dfd,
    int tfd, const char *want, struct buf *out, struct dr_error *err)
{
	static unsigned	 serial;
	struct timespec	 times[2];
	struct stat	 in_st;
	char		 tmp[128], *chunk = NULL;
	ssize_t		 r;
	unsigned	 n;
	int		 in = -1, fd = -1, rc = -1, saved;

	in = openat(sfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
	    O_NONBLOCK);
	if (in == -1 || fstat(in, &in_st) == -1 ||
	    in_st.st_dev != st->st_dev || in_st.st_ino != st->st_ino) {
		dr_seterr(err, DR_E_IO, "not moved: %s", in == -1 ?
		    strerror(errno) : "changed since it was read");
		goto done;
	}
	chunk = malloc(MOVE_CHUNK);
	if (chunk == NULL) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		goto done;
	}
	/* A Maildir's kind of name: unique in the directory. */
	snprintf(tmp, sizeof tmp, "%lld.P%ldQ%u.dmarcdb-move",
	    (long long)time(NULL), (long)getpid(), serial++);
	fd = openat(tfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1) {
		dr_seterr(err, DR_E_IO, "not moved: cannot make a copy: %s",
		    strerror(errno));
		goto done;
	}
	for (;;) {
		r = read(in, chunk, MOVE_CHUNK);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (write_all(fd, chunk, (size_t)r) == -1) {
			r = -1;
			break;
		}
	}
	times[0] = in_st.st_atim;
	times[1] = in_st.st_mtim;
	if (r == -1 || fchmod(fd, in_st.st_mode & 0777) == -1 ||
	    futimens(fd, times) == -1 || fsync(fd) == -1) {
		saved = errno;
		unlinkat(tfd, tmp, 0);
		dr_seterr(err, DR_E_IO, "not moved: copying it: %s",
		    strerror(saved));
		goto done;
	}
	for (n = 0; n < MOVE_TRIES; n++) {
		if (numbered(want, n, out) == -1) {
			unlinkat(tfd, tmp, 0);
			dr_seterr(err, DR_E_NOMEM, "out of memory");
			goto done;
		}
		if (linkat(tfd, tmp, dfd, out->data, 0) == 0)
			break;
		if (errno != EEXIST) {
			saved = errno;
			unlinkat(tfd, tmp, 0);
			dr_seterr(err, DR_E_IO, "not moved: %s",
			    strerror(saved));
			goto done;
		}
	}
	unlinkat(tfd, tmp, 0);
	if (n == MOVE_TRIES) {
		dr_seterr(err, DR_E_IO, "not moved: %u names taken", n);
		goto done;
	}
	if (fsync(dfd) == -1) {
		saved = errno;
		dr_seterr(err, DR_E_IO, "copied as %s, but not removed: "
		    "syncing the folder: %s", out->data, strerror(saved));
		goto done;
	}
	if (!same_file(sfd, name, st)) {
		dr_seterr(err, DR_E_IO, "copied as %s, but not removed: "
		    "changed since it was read", out->data);
		goto done;
	}
	if (unlinkat(sfd, name, 0) == -1) {
		saved = errno;
		dr_seterr(err, DR_E_IO, "copied as %s, but not removed: %s",
		    out->data, strerror(saved));
		goto done;
	}
	rc = 0;
done:
	if (fd != -1)
		close(fd);
	if (in != -1)
		close(in);
	free(chunk);
	return rc;
}

int
move_file(int sfd, const char *name, const struct stat *st, int dfd,
    int tfd, const char *want, struct buf *out, struct dr_error *err)
{
	struct stat	now;
	unsigned	n;
	int		linked = 0, saved;

	if (!same_file(sfd, name, st)) {
		if (errno == ENOENT)
			return 1;
		return dr_seterr(err, DR_E_IO, "not moved: changed since it "
		    "was read");
	}
	for (n = 0; n < MOVE_TRIES; n++) {
		if (numbered(want, n, out) == -1)
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		if (!linked && renameat2(sfd, name, dfd, out->data,
		    RENAME_NOREPLACE) == 0)
			return 0;
		if (!linked && errno == EEXIST)
			continue;
		if (!linked && errno != EINVAL && errno != ENOSYS)
			break;
		/* No RENAME_NOREPLACE here: a link never replaces. */
		linked = 1;
		if (linkat(sfd, name, dfd, out->data, 0) == 0) {
			if (unlinkat(sfd, name, 0) == -1)
				return dr_seterr(err, DR_E_IO, "linked as %s, "
				    "but not removed: %s", out->data,
				    strerror(errno));
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	if (n == MOVE_TRIES)
		return dr_seterr(err, DR_E_IO, "not moved: %u names taken", n);
	if (errno == EXDEV || errno == EPERM)
		return copy_across(sfd, name, st, dfd, tfd, want, out, err);
	saved = errno;
	/* Taken meanwhile (another run moving it too). */
	if (saved == ENOENT && fstatat(sfd, name, &now, AT_SYMLINK_NOFOLLOW) ==
	    -1 && errno == ENOENT)
		return 1;
	return dr_seterr(err, DR_E_IO, "not moved: %s", strerror(saved));
}

int
move_maildir_flagged(const char *name, char flag)
{
	const char	*info = strstr(name, ":2,");

	return info != NULL && strchr(info + 3, flag) != NULL;
}

int
move_maildir_name(const char *name, char flag, struct buf *out)
{
	const char	*colon = strchr(name, ':'), *flags = "";
	size_t		 base = colon != NULL ? (size_t)(colon - name) :
			    strlen(name);
	int		 added = 0;

	/* Only the "2," kind of info has flags; any other is replaced. */
	if (colon != NULL && strncmp(colon, ":2,", 3) == 0)
		flags = colon + 3;
	buf_reset(out);
	if (buf_add(out, name, base) == -1 || buf_adds(out, ":2,") == -1)
		return -1;
	for (; *flags != '\0'; flags++) {
		if (!added && *flags > flag) {
			if (buf_addc(out, flag) == -1)
				return -1;
			added = 1;
		}
		if (*flags == flag)
			added = 1;
		if (buf_addc(out, *flags) == -1)
			return -1;
	}
	if (!added && buf_addc(out, flag) == -1)
		return -1;
	return 0;
}

/* Open (make if missing) the directory sub of dfd (AT_FDCWD: a path). */
static int
open_made(int dfd, const char *sub, const char *path, struct dr_error *err)
{
	int	fd;

	if (mkdirat(dfd, sub, 0700) == -1 && errno != EEXIST)
		return dr_seterr(err, DR_E_IO, "%s: cannot make it: %s", path,
		    strerror(errno));
	fd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return dr_seterr(err, DR_E_IO, "%s: %s", path,
		    strerror(errno));
	return fd;
}

int
move_open_dir(const char *path, int maildir, int *cur, int *tmp,
    struct dr_error *err)
{
	char	sub[4096];
	int	fd, nfd;

	*cur = *tmp = -1;
	fd = open_made(AT_FDCWD, path, path, err);
	if (fd == -1 || !maildir)
		return fd;
	snprintf(sub, sizeof sub, "%s/cur", path);
	*cur = open_made(fd, "cur", sub, err);
	snprintf(sub, sizeof sub, "%s/new", path);
	nfd = *cur == -1 ? -1 : open_made(fd, "new", sub, err);
	snprintf(sub, sizeof sub, "%s/tmp", path);
	*tmp = nfd == -1 ? -1 : open_made(fd, "tmp", sub, err);
	if (nfd != -1)
		close(nfd);
	if (*tmp == -1) {
		if (*cur != -1)
			close(*cur);
		*cur = -1;
		close(fd);
		return -1;
	}
	return fd;
}
