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

static int	walk(struct ingest *, const char *, int, struct dr_error *);

/* A file found by stat or lstat (st). */
static int
one_file(struct ingest *e, const char *path, const struct stat *st,
    struct dr_error *err)
{
	int	fd, rc;

	if (skipped(st)) {
		log_verbose("%s: the database itself, skipped", path);
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		ingest_unreadable(e, path, strerror(errno));
		return 0;
	}
	rc = ingest_fd(e, fd, S_ISREG(st->st_mode) ? st : NULL, NULL, 0, path,
	    (int64_t)st->st_mtime, err);
	close(fd);
	return rc;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The names in a directory, sorted by bytes, without those beginning
 * with a dot. Returns the count, or -1 (errno set); free with
 * free_names.
 */
static ssize_t
list_dir(const char *dir, char ***out)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, **tmp;
	size_t		 n = 0, cap = 0;
	int		 saved;

	d = opendir(dir);
	if (d == NULL)
		return -1;
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

static int
is_dir(const char *dir, const char *sub)
{
	char		path[PATH_MAX];
	struct stat	st;

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, sub) >=
	    sizeof path)
		return 0;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A Maildir: new/ and cur/ hold one message a file; tmp/ is for delivery. */
static int
is_maildir(const char *dir)
{
	return is_dir(dir, "cur") && is_dir(dir, "new");
}

/* Read a whole file, at most max + 1 bytes, into b. */
static int
read_file(const char *path, size_t max, struct buf *b)
{
	ssize_t	r;
	int	fd;

	buf_reset(b);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return -1;
	for (;;) {
		if (buf_reserve(b, 65536) == -1) {
			close(fd);
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
	close(fd);
	return r == -1 ? -1 : 0;
}

/*
 * Every message in new/ and cur/. A message is known by its file's
 * unique name (before the ':' of its flags), so one processed before is
 * skipped without being read, whatever its flags now.
 */
static int
maildir(struct ingest *e, const char *dir, struct dr_error *err)
{
	static const char *const subs[] = { "new", "cur" };
	char		 real[PATH_MAX], sub[PATH_MAX + 8];
	char		**names;
	struct buf	 path = { 0 }, loc = { 0 }, data = { 0 };
	struct stat	 st;
	enum store_mail_outcome o;
	ssize_t		 n, i;
	size_t		 k, ulen;
	int		 rc = 0, known, handled;

	if (realpath(dir, real) == NULL) {
		ingest_unreadable(e, dir, strerror(errno));
		return 0;
	}
	ingest_note_input(e);
	for (k = 0; k < 2 && rc == 0; k++) {
		snprintf(sub, sizeof sub, "%s/%s", dir, subs[k]);
		n = list_dir(sub, &names);
		if (n == -1) {
			ingest_unreadable(e, sub, strerror(errno));
			continue;
		}
		for (i = 0; i < n && rc == 0; i++) {
			buf_reset(&path);
			buf_reset(&loc);
			ulen = strcspn(names[i], ":");
			if (buf_adds(&path, sub) == -1 ||
			    buf_addc(&path, '/') == -1 ||
			    buf_adds(&path, names[i]) == -1 ||
			    buf_adds(&loc, "maildir:") == -1 ||
			    buf_adds(&loc, real) == -1 ||
			    buf_addc(&loc, ':') == -1 ||
			    buf_add(&loc, names[i], ulen) == -1) {
				rc = dr_seterr(err, DR_E_NOMEM, "out of memory");
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
			if (stat(path.data, &st) == -1 || !S_ISREG(st.st_mode))
				continue;	/* delivered away meanwhile */
			if (read_file(path.data, ingest_max_message(e),
			    &data) == -1) {
				ingest_unreadable(e, path.data,
				    strerror(errno));
				continue;
			}
			rc = ingest_mail(e, data.data, data.len, real,
			    loc.data, 0, path.data, (int64_t)st.st_mtime, err);
		}
		free_names(names, n);
	}
	buf_free(&path);
	buf_free(&loc);
	buf_free(&data);
	return rc;
}

static int
walk(struct ingest *e, const char *dir, int depth, struct dr_error *err)
{
	char		**names;
	struct buf	 path = { 0 };
	struct stat	 st;
	ssize_t		 n, i;
	int		 rc = 0;

	if (depth > MAX_DEPTH) {
		ingest_unreadable(e, dir, "directories nested too deep");
		return 0;
	}
	if (is_maildir(dir))
		return maildir(e, dir, err);
	n = list_dir(dir, &names);
	if (n == -1) {
		ingest_unreadable(e, dir, strerror(errno));
		return 0;
	}
	for (i = 0; i < n && rc == 0; i++) {
		buf_reset(&path);
		if (buf_adds(&path, dir) == -1 ||
		    (path.len > 0 && path.data[path.len - 1] != '/' &&
		    buf_addc(&path, '/') == -1) ||
		    buf_adds(&path, names[i]) == -1) {
			rc = dr_seterr(err, DR_E_NOMEM, "out of memory");
			break;
		}
		if (lstat(path.data, &st) == -1) {
			ingest_unreadable(e, path.data, strerror(errno));
			continue;
		}
		if (S_ISLNK(st.st_mode)) {
			if (stat(path.data, &st) == -1) {
				ingest_unreadable(e, path.data,
				    strerror(errno));
				continue;
			}
			if (S_ISDIR(st.st_mode)) {
				log_verbose("%s: symbolic link to a directory "
				    "not followed", path.data);
				continue;
			}
		}
		if (S_ISDIR(st.st_mode))
			rc = walk(e, path.data, depth + 1, err);
		else if (S_ISREG(st.st_mode))
			rc = one_file(e, path.data, &st, err);
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

int
input_path(struct ingest *e, const char *path, const struct imap_opts *imap,
    struct dr_error *err)
{
	struct stat	st;

	if (strcmp(path, "-") == 0)
		return input_stdin(e, NULL, 0, err);
	if (imap_is_url(path))
		return imap_ingest(e, path, imap, err);
	if (stat(path, &st) == -1) {
		ingest_unreadable(e, path, strerror(errno));
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		return walk(e, path, 0, err);
	return one_file(e, path, &st, err);
}
