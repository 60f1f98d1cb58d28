/*
 * input.c: finding inputs: files, directories, standard input.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
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
	rc = ingest_fd(e, fd, S_ISREG(st->st_mode) ? st : NULL, path,
	    (int64_t)st->st_mtime, err);
	close(fd);
	return rc;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
walk(struct ingest *e, const char *dir, int depth, struct dr_error *err)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, **tmp;
	size_t		 n = 0, cap = 0, i;
	struct buf	 path = { 0 };
	struct stat	 st;
	int		 rc = 0;

	if (depth > MAX_DEPTH) {
		ingest_unreadable(e, dir, "directories nested too deep");
		return 0;
	}
	d = opendir(dir);
	if (d == NULL) {
		ingest_unreadable(e, dir, strerror(errno));
		return 0;
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
	d = NULL;
	qsort(names, n, sizeof *names, cmp_names);

	for (i = 0; i < n && rc == 0; i++) {
		buf_reset(&path);
		if (buf_adds(&path, dir) == -1 ||
		    (path.len > 0 && path.data[path.len - 1] != '/' &&
		    buf_addc(&path, '/') == -1) ||
		    buf_adds(&path, names[i]) == -1)
			goto nomem;
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
	goto done;
nomem:
	rc = dr_seterr(err, DR_E_NOMEM, "out of memory");
done:
	if (d != NULL)
		closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_free(&path);
	return rc;
}

int
input_path(struct ingest *e, const char *path, struct dr_error *err)
{
	struct stat	st;

	if (strcmp(path, "-") == 0)
		return ingest_fd(e, STDIN_FILENO, NULL, "stdin",
		    (int64_t)time(NULL), err);
	if (stat(path, &st) == -1) {
		ingest_unreadable(e, path, strerror(errno));
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		return walk(e, path, 0, err);
	return one_file(e, path, &st, err);
}
