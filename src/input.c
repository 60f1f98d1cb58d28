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
#include "input-int.h"
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
walk_file(struct input *in, int dfd, const char *name, const char *path,
    struct dr_error *err)
{
	struct ingest	*e = in->e;
	struct stat	st;
	unsigned	slot;
	int		fd, rc, follow;

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
	follow = input_follow(in, &slot, err);
	if (follow == -1) {
		close(fd);
		return -1;
	}
	rc = ingest_fd(e, fd, &st, NULL, 0, path, (int64_t)st.st_mtime, err);
	close(fd);
	if (rc == 0 && follow && (rc = ingest_follow_end(e, slot, err)) == 0 &&
	    ingest_movable(e))
		rc = input_pend(in, dfd, name, path, NULL, NULL, &st, slot,
		    err);
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
maildir_msg(struct input *in, const struct mdir *md, int sfd,
    const char *name, const char *path, const char *real, const char *loc,
    struct buf *data, struct dr_error *err)
{
	struct ingest	*e = in->e;
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
	if (ingest_mail(e, data->data, data->len, real, loc, input_moving(in),
	    path, (int64_t)st.st_mtime, err) == -1)
		return -1;
	if (!input_moving(in))
		return 0;
	return input_pend(in, sfd, name, path, loc, md, &st, 0, err);
}

/*
 * Every message in new/ and cur/ of the Maildir dfd (not closed). A
 * message is known by its file's unique name (before the ':' of its
 * flags), so one processed before is skipped without being read,
 * whatever its flags now; one processed but not moved yet (a run
 * stopped in between) is moved. Both folders are listed first, so that
 * a message moved from new/ to cur/ is not met again.
 */
static int
maildir(struct input *in, int dfd, const char *dir, struct dr_error *err)
{
	static const char *const subs[] = { "new", "cur" };
	struct ingest	*e = in->e;
	struct dr_error	 ignore;
	struct mdir	 md;
	struct stat	 st;
	char		 real[PATH_MAX];
	char		**names[2] = { NULL, NULL };
	struct buf	 sub[2] = { { 0 }, { 0 } };
	struct buf	 path = { 0 }, loc = { 0 }, data = { 0 };
	enum store_mail_outcome o;
	ssize_t		 n[2] = { 0, 0 }, i;
	size_t		 k, ulen;
	int		 rc = 0, known, handled, sfd[2] = { -1, -1 };

	if (realpath(dir, real) == NULL) {
		ingest_unreadable(e, dir, strerror(errno));
		return 0;
	}
	ingest_note_input(e);
	memset(&md, 0, sizeof md);
	md.top = dfd;
	md.cur = md.tmp = -1;
	if (fstat(dfd, &st) == 0) {
		md.dev = st.st_dev;
		md.ino = st.st_ino;
	}
	for (k = 0; k < 2; k++) {
		if (join(&sub[k], dir, subs[k]) == -1) {
			rc = dr_seterr(err, DR_E_NOMEM, "out of memory");
			goto done;
		}
		sfd[k] = openat(dfd, subs[k], WALK_DIR);
		if (sfd[k] == -1) {
			open_failed(e, dfd, subs[k], sub[k].data);
			continue;
		}
		n[k] = list_dir(sfd[k], &names[k]);
		if (n[k] == -1) {
			ingest_unreadable(e, sub[k].data, strerror(errno));
			n[k] = 0;
			names[k] = NULL;
		}
	}
	md.cur = sfd[1];
	if (input_moving(in))
		md.tmp = openat(dfd, "tmp", WALK_DIR);
	ingest_progress_begin(e, dir, (uint64_t)(n[0] + n[1]), "messages");
	for (k = 0; k < 2 && rc == 0; k++) {
		for (i = 0; i < n[k] && rc == 0; i++) {
			if (ingest_stopping(e))
				break;
			ingest_progress_add(e, 1);
			buf_reset(&loc);
			ulen = strcspn(names[k][i], ":");
			if (join(&path, sub[k].data, names[k][i]) == -1 ||
			    buf_adds(&loc, "maildir:") == -1 ||
			    buf_adds(&loc, real) == -1 ||
			    buf_addc(&loc, ':') == -1 ||
			    buf_add(&loc, names[k][i], ulen) == -1) {
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
				/* Processed, not moved yet: now. */
				if (!handled && input_moving(in) &&
				    fstatat(sfd[k], names[k][i], &st,
				    AT_SYMLINK_NOFOLLOW) == 0 &&
				    S_ISREG(st.st_mode))
					rc = input_pend(in, sfd[k],
					    names[k][i], path.data, loc.data,
					    &md, &st, 0, err);
				continue;
			}
			rc = maildir_msg(in, &md, sfd[k], names[k][i],
			    path.data, real, loc.data, &data, err);
		}
	}
	ingest_progress_end(e);
	/* Before its folders are closed. */
	if (input_flush(in, rc == 0 ? err : &ignore) == -1)
		rc = -1;
done:
	for (k = 0; k < 2; k++) {
		free_names(names[k], n[k]);
		if (sfd[k] != -1)
			close(sfd[k]);
		buf_free(&sub[k]);
	}
	if (md.tmp != -1)
		close(md.tmp);
	buf_free(&path);
	buf_free(&loc);
	buf_free(&data);
	return rc;
}

/*
 * The folder dfd (not closed), named dir in messages. Files are moved
 * (input_flush) before the folder is closed.
 */
static int
walk(struct input *in, int dfd, const char *dir, int depth,
    struct dr_error *err)
{
	struct ingest	*e = in->e;
	struct dr_error	 ignore;
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
		return maildir(in, dfd, dir, err);
	n = list_dir(dfd, &names);
	if (n == -1) {
		ingest_unreadable(e, dir, strerror(errno));
		return 0;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (ingest_stopping(e))
			break;
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
		else if (S_ISDIR(st.st_mode) && input_is_target(in, &st))
			log_verbose("%s: where inputs are moved to, skipped",
			    path.data);
		else if (S_ISDIR(st.st_mode)) {
			fd = openat(dfd, names[i], WALK_DIR);
			if (fd == -1) {
				open_failed(e, dfd, names[i], path.data);
				continue;
			}
			rc = walk(in, fd, path.data, depth + 1, err);
			close(fd);
		} else if (S_ISREG(st.st_mode) && skipped(&st))
			log_verbose("%s: the database itself, skipped",
			    path.data);
		else if (S_ISREG(st.st_mode)) {
			rc = walk_file(in, dfd, names[i], path.data, err);
			ingest_progress_add(e, 1);
		} else
			log_verbose("%s: not a regular file, skipped",
			    path.data);
	}
	free_names(names, n);
	buf_free(&path);
	/* Before the folder is closed. */
	if (input_flush(in, rc == 0 ? err : &ignore) == -1)
		rc = -1;
	return rc;
}

/*
 * For progress: the files a walk of dfd (not closed) will read, as
 * walk finds them (a Maildir's messages in new/ and cur/), without
 * opening any; at most max. flat: only dfd's own.
 */
static uint64_t
count_tree(struct input *in, int dfd, int depth, int flat, uint64_t max)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	uint64_t	 n = 0;
	int		 fd, k;

	if (depth > MAX_DEPTH || max == 0)
		return 0;
	if (!flat && is_maildir(dfd)) {
		for (k = 0; k < 2; k++) {
			fd = openat(dfd, k == 0 ? "new" : "cur", WALK_DIR);
			if (fd == -1)
				continue;
			n += count_tree(in, fd, depth, 1, max - n);
			close(fd);
		}
		return n;
	}
	fd = openat(dfd, ".", O_RDONLY | O_CLOEXEC | O_DIRECTORY);
	if (fd == -1)
		return 0;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return 0;
	}
	while (n < max && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if (S_ISREG(st.st_mode))
			n++;
		else if (S_ISDIR(st.st_mode) && !flat &&
		    !input_is_target(in, &st)) {
			fd = openat(dfd, de->d_name, WALK_DIR);
			if (fd == -1)
				continue;
			n += count_tree(in, fd, depth + 1, 0, max - n);
			close(fd);
		}
	}
	closedir(d);
	return n;
}

int
input_stdin(struct input *in, const void *prefix, size_t plen,
    struct dr_error *err)
{
	return ingest_stdin(in->e, prefix, plen, (int64_t)time(NULL), err);
}

/*
 * A file named on the command line, to be moved once read: its folder
 * is opened, and it is named in it; not a symbolic link (which is not
 * what was read), nor a file that is not regular. Returns the folder's
 * descriptor with *base pointing into path, or -1.
 */
static int
named_folder(const char *path, const struct stat *st, const char **base)
{
	struct stat	 lst;
	char		*dir;
	const char	*slash = strrchr(path, '/');
	int		 fd;

	if (lstat(path, &lst) == -1 || !S_ISREG(lst.st_mode) ||
	    lst.st_dev != st->st_dev || lst.st_ino != st->st_ino) {
		log_verbose("%s: not a regular file by that name, not moved",
		    path);
		return -1;
	}
	if (slash == NULL) {
		*base = path;
		return open(".", O_RDONLY | O_CLOEXEC | O_DIRECTORY);
	}
	*base = slash + 1;
	dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (dir == NULL)
		return -1;
	fd = open(dir, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
	free(dir);
	return fd;
}

/* A file named on the command line (fd, its fstat st). */
static int
named_file(struct input *in, int fd, const struct stat *st, const char *path,
    struct dr_error *err)
{
	struct dr_error	 ignore;
	const char	*base;
	unsigned	 slot;
	int		 follow, dfd, rc;

	follow = S_ISREG(st->st_mode) ? input_follow(in, &slot, err) : 0;
	if (follow == -1)
		return -1;
	rc = ingest_fd(in->e, fd, S_ISREG(st->st_mode) ? st : NULL, NULL, 0,
	    path, (int64_t)st->st_mtime, err);
	if (rc == -1 || !follow)
		return rc;
	if (ingest_follow_end(in->e, slot, err) == -1)
		return -1;
	if (!ingest_movable(in->e))
		return 0;
	dfd = named_folder(path, st, &base);
	if (dfd == -1)
		return 0;
	rc = input_pend(in, dfd, base, path, NULL, NULL, st, slot, err);
	/* Moved now, before its folder is closed. */
	if (input_flush(in, rc == 0 ? err : &ignore) == -1)
		rc = -1;
	close(dfd);
	return rc;
}

/*
 * A path the user named is followed if it is a symbolic link, and a
 * file is opened as it is (so that "<(command)", a pipe, works); only
 * what a walk finds in a folder is opened with care.
 */
int
input_path(struct input *in, const char *path, struct dr_error *err)
{
	struct ingest	*e = in->e;
	struct stat	 st;
	int		 fd, rc;

	if (strcmp(path, "-") == 0)
		return input_stdin(in, NULL, 0, err);
	if (imap_is_url(path))
		return imap_ingest(e, path, in->o.imap, err);
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
	if (S_ISDIR(st.st_mode)) {
		/* Counting costs a listing: only for a terminal to see. */
		ingest_progress_begin(e, path, ingest_progress_wanted() ?
		    count_tree(in, fd, 0, 0, UINT64_MAX) : 0,
		    is_maildir(fd) ? "messages" : "files");
		rc = walk(in, fd, path, 0, err);
		ingest_progress_end(e);
	} else
		rc = named_file(in, fd, &st, path, err);
	close(fd);
	return rc;
}

int
input_new(struct ingest *e, const struct input_opts *o, struct input **inp,
    struct dr_error *err)
{
	struct input	*in;
	struct stat	 st;
	int		 i, j;

	in = calloc(1, sizeof *in);
	if (in == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	in->e = e;
	in->o = *o;
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			in->t[i][j].path = i == 0 ? o->move_to :
			    o->rejected_to;
			in->t[i][j].maildir = j == 1;
			in->t[i][j].fd = in->t[i][j].cur =
			    in->t[i][j].tmp = -1;
			/* Known now, so that a walk passes it by. */
			if (in->t[i][j].path != NULL &&
			    stat(in->t[i][j].path, &st) == 0) {
				in->t[i][j].dev = st.st_dev;
				in->t[i][j].ino = st.st_ino;
			}
		}
	*inp = in;
	return 0;
}

int
input_finish(struct input *in, struct dr_error *err)
{
	int	rc;

	rc = input_flush(in, err);
	input_targets_close(in);
	return rc;
}

void
input_free(struct input *in)
{
	unsigned	i;

	if (in == NULL)
		return;
	for (i = 0; i < in->npend; i++) {
		free(in->pend[i].name);
		free(in->pend[i].path);
		free(in->pend[i].loc);
	}
	input_targets_close(in);
	buf_free(&in->name);
	free(in);
}
