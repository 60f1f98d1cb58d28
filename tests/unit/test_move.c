/*
 * test_move.c: moving files (move.c): never over a file that is there
 * (a taken name gets a number, before a Maildir name's info), never a
 * file other than the one read, and the seen flag added to a Maildir
 * name in the order the format wants. (Across file systems, and a copy
 * that fails: tests/e2e/moves.sh, with its shims.)
 */
#include "config.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "move.h"

static char	dir[4096];

/* A file name in the test folder with content text. */
static void
put(const char *name, const char *text)
{
	char	path[8192];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The content of name, or "" when it is not there. */
static const char *
get(const char *name)
{
	static char	buf[256];
	char		path[8192];
	FILE		*f;
	size_t		n;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return "";
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
setup(void **state)
{
	const char	*t = getenv("TMPDIR");
	(void)state;
	snprintf(dir, sizeof dir, "%s/test_move.XXXXXX", t ? t : "/tmp");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[8192];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_maildir_name(void **state)
{
	static const struct {
		const char	*in, *out;
	} cases[] = {
		{ "1700.M1P1.host", "1700.M1P1.host:2,S" },
		{ "1700.M1P1.host:2,", "1700.M1P1.host:2,S" },
		{ "1700.M1P1.host:2,F", "1700.M1P1.host:2,FS" },
		{ "1700.M1P1.host:2,FRT", "1700.M1P1.host:2,FRST" },
		{ "1700.M1P1.host:2,RS", "1700.M1P1.host:2,RS" },
		{ "1700.M1P1.host:2,T", "1700.M1P1.host:2,ST" },
		{ "1700.M1P1.host:2,a", "1700.M1P1.host:2,Sa" },
		/* Another kind of info has no flags: replaced. */
		{ "1700.M1P1.host:1,xyz", "1700.M1P1.host:2,S" },
	};
	struct buf	b = { 0 };
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(move_maildir_name(cases[i].in, 'S', &b), 0);
		assert_string_equal(b.data, cases[i].out);
		assert_int_equal(move_maildir_flagged(b.data, 'S'), 1);
	}
	assert_int_equal(move_maildir_flagged("1700.M1P1.host:2,F", 'S'), 0);
	assert_int_equal(move_maildir_flagged("1700.M1P1.host", 'S'), 0);
	assert_int_equal(move_maildir_flagged("S.host:1,S", 'S'), 0);
	buf_free(&b);
}

/* Names taken get a number; nothing that was there is replaced. */
static void
test_no_overwrite(void **state)
{
	struct dr_error	err;
	struct stat	st;
	struct buf	out = { 0 };
	char		sub[8192];
	int		fd, dfd;
	unsigned	i;

	(void)state;
	snprintf(sub, sizeof sub, "%s/to", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	dfd = open(sub, O_RDONLY | O_DIRECTORY);
	assert_true(fd != -1 && dfd != -1);
	put("to/r.xml", "there");
	put("to/r.xml.1", "there too");
	for (i = 0; i < 3; i++) {
		put("r.xml", i == 0 ? "a" : i == 1 ? "b" : "c");
		assert_int_equal(fstatat(fd, "r.xml", &st, 0), 0);
		assert_int_equal(move_file(fd, "r.xml", &st, dfd, dfd, "r.xml",
		    &out, &err), 0);
		assert_string_equal(out.data, i == 0 ? "r.xml.2" : i == 1 ?
		    "r.xml.3" : "r.xml.4");
		assert_string_equal(get("r.xml"), "");
	}
	assert_string_equal(get("to/r.xml"), "there");
	assert_string_equal(get("to/r.xml.1"), "there too");
	assert_string_equal(get("to/r.xml.2"), "a");
	assert_string_equal(get("to/r.xml.4"), "c");
	/* A Maildir name: the number before its info. */
	put("m", "message");
	put("to/u:2,S", "there");
	assert_int_equal(fstatat(fd, "m", &st, 0), 0);
	assert_int_equal(move_file(fd, "m", &st, dfd, dfd, "u:2,S", &out,
	    &err), 0);
	assert_string_equal(out.data, "u.1:2,S");
	assert_string_equal(get("to/u:2,S"), "there");
	assert_string_equal(get("to/u.1:2,S"), "message");
	close(fd);
	close(dfd);
	buf_free(&out);
}

/* A file that is no longer the one read stays where it is. */
static void
test_changed(void **state)
{
	struct dr_error	err;
	struct stat	st;
	struct buf	out = { 0 };
	char		a[8192], b[8192];
	int		fd;

	(void)state;
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd != -1);
	put("x", "read");
	assert_int_equal(fstatat(fd, "x", &st, 0), 0);
	/* Swapped for another file since. */
	put("y", "other");
	snprintf(a, sizeof a, "%s/y", dir);
	snprintf(b, sizeof b, "%s/x", dir);
	assert_int_equal(rename(a, b), 0);
	assert_int_equal(move_file(fd, "x", &st, fd, fd, "z", &out, &err),
	    -1);
	assert_int_equal(err.code, DR_E_IO);
	assert_string_equal(err.msg, "not moved: changed since it was read");
	assert_string_equal(get("x"), "other");
	assert_string_equal(get("z"), "");
	/* Gone (taken by another): nothing to do. */
	unlink(b);
	assert_int_equal(move_file(fd, "x", &st, fd, fd, "z", &out, &err), 1);
	assert_string_equal(get("z"), "");
	close(fd);
	buf_free(&out);
}

/* A Maildir made where it is missing: cur/, new/, tmp/, mode 0700. */
static void
test_open_dir(void **state)
{
	struct dr_error	err;
	struct stat	st;
	char		md[8192], p[8300];
	int		fd, cur, tmp;

	(void)state;
	snprintf(md, sizeof md, "%s/Junk", dir);
	fd = move_open_dir(md, 1, &cur, &tmp, &err);
	assert_true(fd != -1 && cur != -1 && tmp != -1);
	close(fd);
	close(cur);
	close(tmp);
	assert_int_equal(stat(md, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(p, sizeof p, "%s/new", md);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* Under a file: refused, with the reason. */
	put("file", "x");
	snprintf(md, sizeof md, "%s/file/sub", dir);
	assert_int_equal(move_open_dir(md, 0, &cur, &tmp, &err), -1);
	assert_non_null(strstr(err.msg, "cannot make it: Not a directory"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maildir_name),
		cmocka_unit_test_setup_teardown(test_no_overwrite, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_dir, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
