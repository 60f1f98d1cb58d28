/*
 * test_dbpg.c: what db-pg.c does to SQL and text before PostgreSQL sees
 * them, and the database's name in messages (no server needed; the
 * end-to-end tests run the rest against one).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db.h"

static void
check_sql(const char *in, const char *want, int nparams)
{
	int	 n = -1;
	char	*out = db_pg_translate(in, -1, &n);

	assert_non_null(out);
	assert_string_equal(out, want);
	assert_int_equal(n, nparams);
	free(out);
}

static void
parameters_numbered_as_sqlite(void **state)
{
	(void)state;
	check_sql("SELECT 1", "SELECT 1", 0);
	check_sql("SELECT ? , ?", "SELECT $1 , $2", 2);
	/* ?N as given; a bare ? after it is one more than the largest. */
	check_sql("WHERE a = ?2 AND b = ?1 OR c = ?", "WHERE a = $2 AND "
	    "b = $1 OR c = $3", 3);
	check_sql("?1 IS NULL OR d = ?1", "$1 IS NULL OR d = $1", 1);
	check_sql("x = ?12", "x = $12", 12);
}

static void
quotes_and_comments_untouched(void **state)
{
	(void)state;
	check_sql("SELECT '?', \"a?b\", ? -- why?\n, ?",
	    "SELECT '?', \"a?b\", $1 -- why?\n, $2", 2);
	check_sql("SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1);
	/* An unterminated quote runs to the end, untranslated. */
	check_sql("SELECT 'x ?", "SELECT 'x ?", 0);
}

static void
begin_immediate_is_begin(void **state)
{
	(void)state;
	check_sql("BEGIN IMMEDIATE", "BEGIN", 0);
	check_sql("  begin immediate", "BEGIN", 0);
	check_sql("BEGIN", "BEGIN", 0);
	check_sql("SELECT 'BEGIN IMMEDIATE'", "SELECT 'BEGIN IMMEDIATE'", 0);
}

/* n bytes through the escape and back: the same bytes. */
static void
round_trip(const char *s, size_t n, int plain)
{
	size_t	 len = 0;
	char	*e;

	assert_int_equal(db_pg_plain(s, n), plain);
	e = db_pg_escape(s, n, &len);
	assert_non_null(e);
	assert_int_equal(strlen(e), len);
	/* What the server gets is UTF-8 without escapes to be read. */
	if (plain)
		assert_memory_equal(e, s, n);
	assert_int_equal(db_pg_unescape(e, len), n);
	assert_memory_equal(e, s, n);
	free(e);
}

static void
text_not_utf8_comes_back(void **state)
{
	(void)state;
	round_trip("plain ascii", 11, 1);
	round_trip("caf\xc3\xa9 \xe2\x80\xae", 9, 1);
	/* Latin-1, a lone continuation, a cut sequence, an overlong form,
	   a surrogate, past U+10FFFF. */
	round_trip("\xe9t\xe9", 3, 0);
	round_trip("a\x80" "b", 3, 0);
	round_trip("\xc3", 1, 0);
	round_trip("\xc0\xaf", 2, 0);
	round_trip("\xed\xa0\x80", 3, 0);
	round_trip("\xf4\x90\x80\x80", 4, 0);
	/* A character that stands for a byte (U+F7E9) is escaped too. */
	round_trip("\xef\x9f\xa9", 3, 0);
	/* Its neighbours are not. */
	round_trip("\xef\x9d\xbf", 3, 1);
	round_trip("\xef\xa0\x80", 3, 1);
}

static void
escaped_bytes_are_private_use(void **state)
{
	size_t	 len;
	char	*e;

	(void)state;
	e = db_pg_escape("\xe9", 1, &len);
	assert_non_null(e);
	/* U+F7E9 */
	assert_string_equal(e, "\xef\x9f\xa9");
	assert_int_equal(db_pg_plain(e, len), 0);
	free(e);
}

static void
name_without_password(void **state)
{
	static const char *const cases[][2] = {
		{ "postgresql://u:secret@h:5432/db", "postgresql://u@h:5432/db" },
		{ "postgresql://u@h/db", "postgresql://u@h/db" },
		{ "postgres:///db?password=x", "postgres:///db" },
		{ "postgresql://h/db?sslmode=require&password=x&a=b",
		  "postgresql://h/db?sslmode=require&a=b" },
		{ "postgresql://h/db?password=x&a=b", "postgresql://h/db?a=b" },
		{ "postgresql://@:5/db?host=/tmp/x",
		  "postgresql://@:5/db?host=/tmp/x" },
	};
	size_t	i;
	char	*n;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = db_pg_safe_name(cases[i][0]);
		assert_non_null(n);
		assert_string_equal(n, cases[i][1]);
		free(n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parameters_numbered_as_sqlite),
		cmocka_unit_test(quotes_and_comments_untouched),
		cmocka_unit_test(begin_immediate_is_begin),
		cmocka_unit_test(text_not_utf8_comes_back),
		cmocka_unit_test(escaped_bytes_are_private_use),
		cmocka_unit_test(name_without_password),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
