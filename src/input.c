/*
 * input.c: finding inputs: files, directories, standard input.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "imap.h"
#include "input.h"
#include "log.h"

#define MAX_DEPTH	64
#define MAX_SKIP	8

static struct {
	dev_t	dev;
	ino_t	ino;
} skip[MAX_SKIP];
static int nskip;

void
input_skip(const char *path)
{
	struct stat	st;

	if (nskip < MAX_SKIP && stat(path, &st) == 0) {
		skip[nskip].dev = st.st_dev;
		skip[nskip].ino = st.st_ino;
		nskip++;
	}
}

static int
skipped(const struct stat *st)
{
	int	i;

	for (i = 0; i < nskip; i++)
		if (skip[i].dev == st->st_dev && skip[i].ino == st->st_ino)
			return 1;
	return 0;
}

/*
 * How a walk opens what it finds: never through a symbolic link (not
 * even one swapped in since the entry was listed), never waiting (a
 * FIFO swapped in), always relative to the directory it was listed in
 * (a directory on the way swapped for a link changes nothing).
 */
#define WALK_FILE	(O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | \
			    O_NONBLOCK)
#define WALK_DIR	(O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW)

/*
 * A symbolic link found in a folder: not followed. One to a directory
 * never was, and is only mentioned; one to anything else may have been
 * planted to have another file read, or be a report someone meant to
 * give: a warning either way, though nothing was rejected.
 */
static void
link_found(struct ingest *e, int dfd, const char *name, const char *path)
{
	struct stat	st;

	if (fstatat(dfd, name, &st, 0) == 0 && S_ISDIR(st.st_mode))
		log_verbose("%s: symbolic link to a directory, not followed",
		    path);
	else
		ingest_skipped(e, path, "symbolic link, not followed");
}

/*
 * An entry of a folder that could not be opened (errno set): gone since
 * it was listed (taken by another reader), a link swapped in (ELOOP,
 * from O_NOFOLLOW), or unreadable.
 */
static void
open_failed(struct ingest *e, int dfd, const char *name, const char *path)
{
	if (errno == ENOENT)
		ingest_vanished(e, path);
	else if (errno == ELOOP)
		link_found(e, dfd, name, path);
	else
		ingest_unreadable(e, path, strerror(errno));
}

/* A regular file listed in the folder dfd. */
static int
walk_file(struct ingest *e, int dfd, const char *name, const char *path,
    struct dr_error *err)
{
	struct stat	st;
	int		fd, rc;

	fd = openat(dfd, name, WALK_FILE);
	if (fd == -1) {
		open_failed(e, dfd, name, path);
		return 0;
	}
	if (fstat(fd, &st) == -1) {
		ingest_unreadable(e, path, strerror(errno));
		close(fd);
		return 0;
	}
	if (!S_ISREG(st.st_mode) || skipped(&st)) {
		log_verbose("%s: %s, skipped", path, S_ISREG(st.st_mode) ?
		    "the database itself" : "not a regular file");
		close(fd);
		return 0;
	}
	rc = ingest_fd(e, fd, &st, NULL, 0, path, (int64_t)st.st_mtime, err);
	close(fd);
	return rc;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The names in the directory dfd (not closed), sorted by bytes, without
 * those beginning with a dot. Returns the count, or -1 (errno set);
 * free with free_names.
 */
static ssize_t
list_dir(int dfd, char ***out)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, **tmp;
	size_t		 n = 0, cap = 0;
	int		 fd, saved;

	/* A description of its own: dfd's offset stays where it is. */
	fd = openat(dfd, ".", O_RDONLY | O_CLOEXEC | O_DIRECTORY);
	if (fd == -1)
		return -1;
	d = fdopendir(fd);
	if (d == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			tmp = realloc(names, cap * sizeof *names);
			if (tmp == NULL)
				goto nomem;
			names = tmp;
		}
		names[n] = strdup(de->d_name);
		if (names[n] == NULL)
			goto nomem;
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_names);
	*out = names;
	return (ssize_t)n;
nomem:
	saved = ENOMEM;
	closedir(d);
	while (n > 0)
		free(names[--n]);
	free(names);
	errno = saved;
	return -1;
}

static void
free_names(char **names, ssize_t n)
{
	while (n > 0)
		free(names[--n]);
	free(names);
}

/* dir/name into b (a trailing slash of dir not doubled). 0 or -1. */
static int
join(struct buf *b, const char *dir, const char *name)
{
	buf_reset(b);
	if (buf_adds(b, dir) == -1 ||
	    (b->len > 0 && b->data[b->len - 1] != '/' &&
	    buf_addc(b, '/') == -1) ||
	    buf_adds(b, name) == -1)
		return -1;
	return 0;
}

static int
is_dir_at(int dfd, const char *sub)
{
	struct stat	st;

	return fstatat(dfd, sub, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode);
}

/*
 * A Maildir: new/ and cur/ hold one message a file; tmp/ is for
 * delivery.
 */
static int
is_maildir(int dfd)
{
	return is_dir_at(dfd, "cur") && is_dir_at(dfd, "new");
}

/* Read the file fd (not closed), at most max + 1 bytes, into b. */
static int
read_fd(int fd, size_t max, struct buf *b)
{
	ssize_t	r;

	buf_reset(b);
	for (;;) {
		if (buf_reserve(b, 65536) == -1) {
			errno = ENOMEM;
			return -1;
		}
		r = read(fd, b->data + b->len, 65536);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		b->len += (size_t)r;
		if (b->len > max)
			break;
	}
	return r == -1 ? -1 : 0;
}

/*
 * One message of a Maildir, listed in sfd as name: a file that has gone
 * since (another reader took it) has vanished; a link is not followed.
 */
static int
maildir_msg(struct ingest *e, int sfd, const char *name, const char *path,
    const char *real, const char *loc, struct buf *data,
    struct dr_error *err)
{
	struct stat	st;
	int		fd;

	fd = openat(sfd, name, WALK_FILE);
	if (fd == -1) {
		open_failed(e, sfd, name, path);
		return 0;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		log_verbose("%s: not a regular file, skipped", path);
		close(fd);
		return 0;
	}
	if (read_fd(fd, ingest_max_message(e), data) == -1) {
		ingest_unreadable(e, path, strerror(errno));
		close(fd);
		return 0;
	}
	close(fd);
	return ingest_mail(e, data->data, data->len, real, loc, 0, path,
	    (int64_t)st.st_mtime, err);
}

/*
 * Every message in new/ and cur/ of the Maildir dfd (not closed). A
 * message is known by its file's unique name (before the ':' of its
 * flags), so one processed before is skipped without being read,
 * whatever its flags now.
 */
static int
maildir(struct ingest *e, int dfd, const char *dir, struct dr_error *err)
{
	static const char *const subs[] = { "new", "cur" };
	char		 real[PATH_MAX];
	char		**names;
	struct buf	 sub = { 0 }, path = { 0 }, loc = { 0 }, data = { 0 };
	enum store_mail_outcome o;
	ssize_t		 n, i;
	size_t		 k, ulen;
	int		 rc = 0, known, handled, sfd;

	if (realpath(dir, real) == NULL) {
		ingest_unreadable(e, dir, strerror(errno));
		return 0;
	}
	ingest_note_input(e);
	for (k = 0; k < 2 && rc == 0; k++) {
		if (join(&sub, dir, subs[k]) == -1) {
			rc = dr_seterr(err, DR_E_NOMEM, "out of memory");
			break;
		}
		sfd = openat(dfd, subs[k], WALK_DIR);
		if (sfd == -1) {
			open_failed(e, dfd, subs[k], sub.data);
			continue;
		}
		n = list_dir(sfd, &names);
		if (n == -1) {
			ingest_unreadable(e, sub.data, strerror(errno));
			close(sfd);
			continue;
		}
		for (i = 0; i < n && rc == 0; i++) {
			buf_reset(&loc);
			ulen = strcspn(names[i], ":");
			if (join(&path, sub.data, names[i]) == -1 ||
			    buf_adds(&loc, "maildir:") == -1 ||
			    buf_adds(&loc, real) == -1 ||
			    buf_addc(&loc, ':') == -1 ||
			    buf_add(&loc, names[i], ulen) == -1) {
				rc = dr_seterr(err, DR_E_NOMEM, "out of "
				    "memory");
				break;
			}
			known = ingest_mail_known(e, loc.data, &o, &handled,
			    err);
			if (known == -1) {
				rc = -1;
				break;
			}
			if (known) {
				ingest_mail_skip(e);
				continue;
			}
			rc = maildir_msg(e, sfd, names[i], path.data, real,
			    loc.data, &data, err);
		}
		free_names(names, n);
		close(sfd);
	}
	buf_free(&sub);
	buf_free(&path);
	buf_free(&loc);
	buf_free(&data);
	return rc;
}

/* The folder dfd (not closed), named dir in messages. */
static int
walk(struct ingest *e, int dfd, const char *dir, int depth,
    struct dr_error *err)
{
	char		**names;
	struct buf	 path = { 0 };
	struct stat	 st;
	ssize_t		 n, i;
	int		 rc = 0, fd;

	if (depth > MAX_DEPTH) {
		ingest_unreadable(e, dir, "directories nested too deep");
		return 0;
	}
	if (is_maildir(dfd))
		return maildir(e, dfd, dir, err);
	n = list_dir(dfd, &names);
	if (n == -1) {
		ingest_unreadable(e, dir, strerror(errno));
		return 0;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (join(&path, dir, names[i]) == -1) {
			rc = dr_seterr(err, DR_E_NOMEM, "out of memory");
			break;
		}
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) == -1) {
			open_failed(e, dfd, names[i], path.data);
			continue;
		}
		if (S_ISLNK(st.st_mode))
			link_found(e, dfd, names[i], path.data);
		else if (S_ISDIR(st.st_mode)) {
			fd = openat(dfd, names[i], WALK_DIR);
			if (fd == -1) {
				open_failed(e, dfd, names[i], path.data);
				continue;
			}
			rc = walk(e, fd, path.data, depth + 1, err);
			close(fd);
		} else if (S_ISREG(st.st_mode) && skipped(&st))
			log_verbose("%s: the database itself, skipped",
			    path.data);
		else if (S_ISREG(st.st_mode))
			rc = walk_file(e, dfd, names[i], path.data, err);
		else
			log_verbose("%s: not a regular file, skipped",
			    path.data);
	}
	free_names(names, n);
	buf_free(&path);
	return rc;
}

int
input_stdin(struct ingest *e, const void *prefix, size_t plen,
    struct dr_error *err)
{
	return ingest_stdin(e, prefix, plen, (int64_t)time(NULL), err);
}

/*
 * A path the user named is followed if it is a symbolic link, and a
 * file is opened as it is (so that "<(command)", a pipe, works); only
 * what a walk finds in a folder is opened with care.
 */
int
input_path(struct ingest *e, const char *path, const struct imap_opts *imap,
    struct dr_error *err)
{
	struct stat	st;
	int		fd, rc;

	if (strcmp(path, "-") == 0)
		return input_stdin(e, NULL, 0, err);
	if (imap_is_url(path))
		return imap_ingest(e, path, imap, err);
	if (stat(path, &st) == -1) {
		ingest_unreadable(e, path, strerror(errno));
		return 0;
	}
	if (skipped(&st)) {
		/* Not even opened: closing it would drop SQLite's locks. */
		log_verbose("%s: the database itself, skipped", path);
		return 0;
	}
	fd = open(path, S_ISDIR(st.st_mode) ? O_RDONLY | O_CLOEXEC |
	    O_DIRECTORY : O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1 || fstat(fd, &st) == -1) {
		ingest_unreadable(e, path, strerror(errno));
		if (fd != -1)
			close(fd);
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		rc = walk(e, fd, path, 0, err);
	else
		rc = ingest_fd(e, fd, S_ISREG(st.st_mode) ? &st : NULL, NULL,
		    0, path, (int64_t)st.st_mtime, err);
	close(fd);
	return rc;
}
