/*
 * test_geo.c: the network owner of an address from the installed IPFire
 * location database (Debian's libloc-database, tools/deps.sh), and the
 * checks on every string the database gives.
 *
 * The addresses below were read with the location(8) tool from the
 * database of 2022-10-29; their owners have held them for years, so a
 * refreshed database ("location update") gives the same answers.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "geo.h"
#include "log.h"

/* The database file the Debian package installs (GEO_DEFAULT_PATH links
 * to it). */
#define PACKAGE_DB	"/usr/share/libloc-location/location.db"

static struct geo	*db;

static int
setup(void **state)
{
	struct dr_error	err;

	(void)state;
	log_init("test_geo", LOG_NORMAL);
	db = geo_open(NULL, &err);
	if (db == NULL) {
		fprintf(stderr, "%s (install libloc-database: "
		    "tools/deps.sh test)\n", err.msg);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	geo_close(db);
	return 0;
}

/* Look text up; the result code, and info in *out. */
static int
look(const char *text, struct geo_info *out)
{
	struct dr_error	err;
	int		rc;

	/* Junk in info: a lookup must set every field. */
	memset(out, 'x', sizeof *out);
	rc = geo_lookup(db, text, out, &err);
	if (rc == -1)
		fail_msg("%s: %s", text, err.msg);
	return rc;
}

static void
found(const char *text, uint32_t asn, const char *name, const char *cc)
{
	struct geo_info	i;

	if (look(text, &i) != 1)
		fail_msg("%s: not found", text);
	assert_int_equal(i.asn, asn);
	assert_string_equal(i.as_name, name);
	assert_string_equal(i.country, cc);
}

static void
not_found(const char *text)
{
	struct geo_info	i, zero;

	memset(&zero, 0, sizeof zero);
	if (look(text, &i) != 0)
		fail_msg("%s: found AS%u %s %s", text, i.asn, i.as_name,
		    i.country);
	assert_memory_equal(&i, &zero, sizeof i);
}

static void
default_database(void **state)
{
	(void)state;
	assert_string_equal(geo_path(db), GEO_DEFAULT_PATH);
	assert_string_equal(GEO_DEFAULT_PATH,
	    "/var/lib/location/database.db");
	/* Debian 12's database is of 2022-10-29; a refreshed one newer. */
	assert_true(geo_created(db) >= 1667001600);
	assert_true(geo_created(db) <= (int64_t)time(NULL));
}

static void
known_owners(void **state)
{
	(void)state;
	found("8.8.8.8", 15169, "GOOGLE", "US");
	found("::ffff:8.8.8.8", 15169, "GOOGLE", "US");
	found("2a00:1450:4001::1", 15169, "GOOGLE", "IE");
	found("2001:4860:4860::8888", 15169, "GOOGLE", "US");
	found("167.89.0.1", 11377, "SENDGRID", "US");
	found("2606:4700::1111", 13335, "CLOUDFLARENET", "US");
	found("193.0.6.139", 3333, "Reseaux IP Europeens Network "
	    "Coordination Centre (RIPE NCC)", "NL");
	/* Each side of 172.16.0.0/12, which is private. */
	found("172.15.255.255", 7018, "ATT-INTERNET4", "US");
	found("172.32.0.0", 21928, "T-MOBILE-AS21928", "US");
}

static void
special_purpose_not_found(void **state)
{
	(void)state;
	not_found("192.0.2.1");
	not_found("198.51.100.7");
	not_found("203.0.113.255");
	not_found("10.0.0.1");
	not_found("172.16.0.0");
	not_found("172.31.255.255");
	not_found("192.168.1.1");
	not_found("127.0.0.1");
	not_found("0.0.0.0");
	not_found("100.64.0.1");
	not_found("169.254.1.1");
	not_found("224.0.0.1");
	not_found("255.255.255.255");
	not_found("::ffff:10.0.0.1");
	not_found("::");
	not_found("::1");
	not_found("fe80::1");
	not_found("fd00::1");
	not_found("ff02::1");
	/* The database puts 2001:db8::/32 in APNIC's 2001:c00::/23, "AU". */
	not_found("2001:db8::1");
	not_found("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	not_found("3fff::1");
}

static void
not_addresses(void **state)
{
	(void)state;
	not_found("");
	not_found("example.com");
	not_found("8.8.8.8/24");
	not_found("8.8.8.8 ");
	not_found(" 8.8.8.8");
	not_found("8.8.8");
	not_found("1.2.3.4.5");
	not_found("256.1.1.1");
	not_found("2001:db8::g");
	not_found("8.8.8.8\n");
	not_found(NULL);
}

/* A temporary file holding len bytes of data; its path in path. */
static void
temp_file(char *path, size_t pathlen, const void *data, size_t len)
{
	int	fd;

	snprintf(path, pathlen, "/tmp/test_geo.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* What fd 2 receives while f(arg) runs. */
static const char *
stderr_of(void (*f)(const char *), const char *arg)
{
	static char	 out[1024];
	FILE		*tmp;
	size_t		 n;
	int		 saved;

	fflush(stderr);
	tmp = tmpfile();
	assert_non_null(tmp);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 2) >= 0);
	f(arg);
	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, sizeof out - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
	return out;
}

static char	 open_msg[sizeof ((struct dr_error *)0)->msg];

static void
open_fails(const char *path)
{
	struct dr_error	 err;
	struct geo	*g;

	g = geo_open(path, &err);
	assert_null(g);
	snprintf(open_msg, sizeof open_msg, "%s", err.msg);
}

static void
unusable_files(void **state)
{
	char		 path[64], want[256];
	static const char junk[] = "not a location database\n";

	(void)state;
	/* Missing: the path and the reason. */
	assert_string_equal(stderr_of(open_fails, "/nonexistent/loc.db"), "");
	assert_string_equal(open_msg,
	    "/nonexistent/loc.db: No such file or directory");
	/* A directory. */
	assert_string_equal(stderr_of(open_fails, "/tmp"), "");
	assert_string_equal(open_msg, "/tmp: not a regular file");
	/* Other bytes, and an empty file: libloc's reason, not on stderr
	 * (libloc writes there unless told otherwise). */
	temp_file(path, sizeof path, junk, sizeof junk - 1);
	assert_string_equal(stderr_of(open_fails, path), "");
	snprintf(want, sizeof want, "%s: not a location database (libloc: "
	    "Unrecognized file type)", path);
	assert_string_equal(open_msg, want);
	unlink(path);
	temp_file(path, sizeof path, "", 0);
	assert_string_equal(stderr_of(open_fails, path), "");
	assert_non_null(strstr(open_msg, ": not a location database"));
	assert_memory_equal(open_msg, path, strlen(path));
	unlink(path);
}

static void
named_database(void **state)
{
	struct dr_error	 err;
	struct geo_info	 i;
	struct geo	*g;

	(void)state;
	g = geo_open(PACKAGE_DB, &err);
	if (g == NULL)
		fail_msg("%s", err.msg);
	assert_string_equal(geo_path(g), PACKAGE_DB);
	assert_int_equal(geo_lookup(g, "167.89.0.1", &i, &err), 1);
	assert_int_equal(i.asn, 11377);
	geo_close(g);
	geo_close(NULL);
}

static void
note_twice(const char *path)
{
	assert_null(geo_open_or_note(path));
	assert_null(geo_open_or_note(path));
}

static void
note_none(const char *path)
{
	struct geo	*g;

	g = geo_open_or_note(path);
	assert_non_null(g);
	geo_close(g);
}

static void
missing_database_noted_once(void **state)
{
	(void)state;
	assert_string_equal(stderr_of(note_twice, "/nonexistent/loc.db"),
	    "test_geo: note: no location database, AS and country are not "
	    "shown: /nonexistent/loc.db: No such file or directory\n");
	/* A database that opens: no note. */
	assert_string_equal(stderr_of(note_none, PACKAGE_DB), "");
}

/* --- the checks on the database's strings ------------------------ */

static const char *
as_name(const char *in, int want_rc)
{
	static char	out[GEO_AS_NAME_MAX];

	memset(out, 'x', sizeof out);
	assert_int_equal(geo_as_name(in, out), want_rc);
	if (want_rc == -1)
		assert_string_equal(out, "");
	return out;
}

static void
as_names_kept(void **state)
{
	(void)state;
	assert_string_equal(as_name("GOOGLE", 0), "GOOGLE");
	assert_string_equal(as_name("Telef\xc3\xb3nica de Espa\xc3\xb1"
	    "a", 0), "Telef\xc3\xb3nica de Espa\xc3\xb1" "a");
	assert_string_equal(as_name("\xe4\xb8\xad\xe5\x9b\xbd", 0),
	    "\xe4\xb8\xad\xe5\x9b\xbd");
	assert_string_equal(as_name("\xf0\x9f\x93\xa7 mail", 0),
	    "\xf0\x9f\x93\xa7 mail");
	/* Printable edges: space, '~', U+00A0 (after C1), U+2027 and
	 * U+202F (around LS..RLO), U+2065 and U+206A (around LRI..PDI). */
	assert_string_equal(as_name("a b~", 0), "a b~");
	assert_string_equal(as_name("a\xc2\xa0" "b", 0), "a\xc2\xa0" "b");
	assert_string_equal(as_name("\xe2\x80\xa7\xe2\x80\xaf", 0),
	    "\xe2\x80\xa7\xe2\x80\xaf");
	assert_string_equal(as_name("\xe2\x81\xa5\xe2\x81\xaa", 0),
	    "\xe2\x81\xa5\xe2\x81\xaa");
	/* Spaces around dropped. */
	assert_string_equal(as_name("  ACME NET  ", 0), "ACME NET");
}

static void
as_names_refused(void **state)
{
	static const char *const bad[] = {
		"", " ", "   ",
		"\x01X", "A\tB", "A\nB", "A\rB", "A\x1f", "A\x7f", "\x1b[31m",
		"A\xc2\x80", "A\xc2\x85", "A\xc2\x9b" "31m", "A\xc2\x9f",
		"\xd8\x9c" "A",				/* U+061C */
		"A\xe2\x80\x8e", "A\xe2\x80\x8f",	/* LRM RLM */
		"A\xe2\x80\xa8", "A\xe2\x80\xa9",	/* LS PS */
		"A\xe2\x80\xaa", "evil\xe2\x80\xae" "moc",	/* LRE, RLO */
		"A\xe2\x81\xa6", "A\xe2\x81\xa9",	/* LRI, PDI */
		"A\xc2\xad" "B",			/* soft hyphen */
		"GOO\xe2\x80\x8bGLE",			/* zero width space */
		"A\xe2\x80\x8d", "A\xe2\x81\xa0",	/* ZWJ, word joiner */
		"\xef\xbb\xbfGOOGLE",			/* BOM */
		"A\xef\xbf\xb9",			/* U+FFF9 */
		"A\xf3\xa0\x80\x81",			/* U+E0001 tag */
		"A\xff", "A\xfe", "A\xc0\xaf", "A\xc1\xbf",	/* not UTF-8 */
		"A\xe0\x80\xaf",			/* overlong */
		"A\xed\xa0\x80",			/* surrogate */
		"A\xf4\x90\x80\x80",			/* > U+10FFFF */
		"A\xe2\x82", "A\xc3",			/* cut */
		"A\x80" "B",				/* lone continuation */
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		char out[GEO_AS_NAME_MAX];
		memset(out, 'x', sizeof out);
		if (geo_as_name(bad[i], out) != -1)
			fail_msg("bad[%zu] accepted as \"%s\"", i, out);
		assert_string_equal(out, "");
	}
	assert_string_equal(as_name(NULL, -1), "");
}

/* n copies of c, then tail. */
static const char *
repeat(char c, size_t n, const char *tail)
{
	static char	s[512];

	assert_true(n + strlen(tail) < sizeof s);
	memset(s, c, n);
	strcpy(s + n, tail);
	return s;
}

static void
as_names_cut(void **state)
{
	const char	*out;
	char		 bad[600];

	(void)state;
	assert_int_equal(GEO_AS_NAME_MAX, 128);
	/* 127 bytes fit, the 128th does not. */
	out = as_name(repeat('a', 127, ""), 0);
	assert_int_equal(strlen(out), 127);
	out = as_name(repeat('a', 128, ""), 0);
	assert_string_equal(out, repeat('a', 127, ""));
	out = as_name(repeat('a', 300, ""), 0);
	assert_int_equal(strlen(out), 127);
	/* A 2-byte character ending at byte 127 stays; at 128 it goes. */
	out = as_name(repeat('a', 125, "\xc3\xa9"), 0);
	assert_string_equal(out, repeat('a', 125, "\xc3\xa9"));
	out = as_name(repeat('a', 126, "\xc3\xa9"), 0);
	assert_string_equal(out, repeat('a', 126, ""));
	/* 3 and 4 bytes across the end. */
	out = as_name(repeat('a', 124, "\xe2\x82\xac"), 0);
	assert_string_equal(out, repeat('a', 124, "\xe2\x82\xac"));
	out = as_name(repeat('a', 125, "\xe2\x82\xac"), 0);
	assert_string_equal(out, repeat('a', 125, ""));
	out = as_name(repeat('a', 126, "\xf0\x9f\x93\xa7"), 0);
	assert_string_equal(out, repeat('a', 126, ""));
	out = as_name(repeat('a', 123, "\xf0\x9f\x93\xa7"), 0);
	assert_string_equal(out, repeat('a', 123, "\xf0\x9f\x93\xa7"));
	/* A space left at the cut is dropped. */
	out = as_name(repeat('a', 126, " bb"), 0);
	assert_string_equal(out, repeat('a', 126, ""));
	/* Spaces before the name do not count. */
	snprintf(bad, sizeof bad, "          %s", repeat('b', 127, ""));
	out = as_name(bad, 0);
	assert_string_equal(out, repeat('b', 127, ""));
	/* What is cut is checked too. */
	snprintf(bad, sizeof bad, "%s\xe2\x80\xae", repeat('a', 200, ""));
	as_name(bad, -1);
	snprintf(bad, sizeof bad, "%s\xff", repeat('a', 130, ""));
	as_name(bad, -1);
}

static void
countries(void **state)
{
	static const char *const bad[] = {
		"", "U", "USA", "A1", "1A", "--", "U ", " U", "@A", "A[",
		"`a", "a{", "\xc3\xa9", "U\n", "\x01S",
	};
	char	out[3];
	size_t	i;

	(void)state;
	assert_int_equal(geo_country("US", out), 0);
	assert_string_equal(out, "US");
	assert_int_equal(geo_country("de", out), 0);
	assert_string_equal(out, "DE");
	assert_int_equal(geo_country("AZ", out), 0);
	assert_string_equal(out, "AZ");
	assert_int_equal(geo_country("za", out), 0);
	assert_string_equal(out, "ZA");
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(out, 'x', sizeof out);
		if (geo_country(bad[i], out) != -1)
			fail_msg("bad[%zu] accepted as \"%s\"", i, out);
		assert_string_equal(out, "");
	}
	assert_int_equal(geo_country(NULL, out), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_database),
		cmocka_unit_test(known_owners),
		cmocka_unit_test(special_purpose_not_found),
		cmocka_unit_test(not_addresses),
		cmocka_unit_test(unusable_files),
		cmocka_unit_test(named_database),
		cmocka_unit_test(missing_database_noted_once),
		cmocka_unit_test(as_names_kept),
		cmocka_unit_test(as_names_refused),
		cmocka_unit_test(as_names_cut),
		cmocka_unit_test(countries),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
