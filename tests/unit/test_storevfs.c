/*
 * test_storevfs.c: a savepoint's journal beyond its memory
 * (store-vfs.c). SQLite keeps it in memory up to
 * STORE_SUBJOURNAL_MEMORY, then writes it to a temporary file in one
 * write that SQLite's own files refuse from 128 KiB ("database or disk
 * is full"): through dmarcdb's VFS, writes of any size around those
 * bounds are kept, a savepoint that changes more than that many bytes
 * of pages commits, and one taken back puts every page back.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "dbfiles.h"
#include "store-int.h"
#include "store.h"

#define PAGE	4096

struct fx {
	char	 path[64];
	sqlite3	*db;
};

static void
ok(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;
	int	 rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg != NULL ? msg : "?");
	sqlite3_free(msg);
}

static int64_t
one(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	int64_t		 v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * A database as ingest has it (WAL, temp_store = FILE), with rows rows
 * of a page each: a row's page is one page of the journal when changed.
 */
static int
setup(void **state)
{
	static int	 done;
	struct fx	*f;
	char		 sql[256];

	if (!done) {
		assert_int_equal(store_init(), 0);
		done = 1;
	}
	f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->path, sizeof f->path, "storevfs-%ld.db", (long)getpid());
	unlink(f->path);
	assert_int_equal(sqlite3_open(f->path, &f->db), SQLITE_OK);
	ok(f->db, "PRAGMA journal_mode = WAL; PRAGMA temp_store = FILE;"
	    "PRAGMA cache_size = -65536;"
	    "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, b BLOB);"
	    "CREATE INDEX t_n ON t(n)");
	snprintf(sql, sizeof sql, "WITH RECURSIVE c(i) AS (SELECT 1 UNION "
	    "ALL SELECT i + 1 FROM c WHERE i < %d) INSERT INTO t SELECT i, "
	    "i, zeroblob(%d) FROM c", 3 * STORE_SUBJOURNAL_MEMORY / PAGE,
	    PAGE - 200);
	ok(f->db, sql);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	sqlite3_close(f->db);
	dbfiles_unlink(f->path);
	free(f);
	return 0;
}

/*
 * Inside a batch and a report's savepoint, change n rows (pages) a
 * statement each (each statement's own savepoint, as ingest's
 * statements have: the index makes them write twice).
 */
static void
change(sqlite3 *db, int n)
{
	sqlite3_stmt	*st;
	int		 i;

	assert_int_equal(sqlite3_prepare_v2(db, "UPDATE t SET n = -n, b = "
	    "randomblob(length(b)) WHERE id = ?", -1, &st, NULL), SQLITE_OK);
	for (i = 1; i <= n; i++) {
		sqlite3_bind_int(st, 1, i);
		if (sqlite3_step(st) != SQLITE_DONE)
			fail_msg("row %d of %d: %s", i, n, sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
}

static void
kept_at(void **state, int n)
{
	struct fx	*f = *state;

	ok(f->db, "BEGIN IMMEDIATE; SAVEPOINT report");
	change(f->db, n);
	ok(f->db, "RELEASE report; COMMIT");
	assert_int_equal(one(f->db, "SELECT count(*) FROM t WHERE n < 0"), n);
	assert_string_equal(sqlite3_vfs_find(NULL)->zName, "dmarcdb");
}

static void
taken_back_at(void **state, int n)
{
	struct fx	*f = *state;
	int64_t		 sum;

	sum = one(f->db, "SELECT sum(length(b)) + sum(n) FROM t");
	ok(f->db, "BEGIN IMMEDIATE; SAVEPOINT report");
	change(f->db, n);
	assert_int_equal(one(f->db, "SELECT count(*) FROM t WHERE n < 0"), n);
	ok(f->db, "ROLLBACK TO report; RELEASE report; COMMIT");
	assert_int_equal(one(f->db, "SELECT count(*) FROM t WHERE n < 0"), 0);
	assert_int_equal(one(f->db, "SELECT count(*) FROM t WHERE b != "
	    "zeroblob(length(b))"), 0);
	assert_int_equal(one(f->db, "SELECT sum(length(b)) + sum(n) FROM t"),
	    sum);
	assert_int_equal(one(f->db, "SELECT count(*) FROM "
	    "pragma_integrity_check WHERE integrity_check != 'ok'"), 0);
}

/* Well within memory, and twice past it (a row a page, at least). */
#define FEW	16
#define MANY	(2 * STORE_SUBJOURNAL_MEMORY / PAGE)

static void
kept_in_memory(void **state)
{
	kept_at(state, FEW);
}

static void
kept_past_memory(void **state)
{
	kept_at(state, MANY);
}

static void
taken_back_in_memory(void **state)
{
	taken_back_at(state, FEW);
}

static void
taken_back_past_memory(void **state)
{
	taken_back_at(state, MANY);
}

/*
 * A sub-journal's file through dmarcdb's VFS: writes of every size
 * around SQLite's unix limit (128 KiB) and the VFS's pieces (64 KiB),
 * read back whole.
 */
static void
writes_of_any_size(void **state)
{
	static const int sizes[] = {
		1, 4, 65535, 65536, 65537, 131071, 131072, 131073,
		STORE_SUBJOURNAL_MEMORY, STORE_SUBJOURNAL_MEMORY + 3,
	};
	sqlite3_vfs	*vfs;
	sqlite3_file	*f;
	unsigned char	*w, *r;
	sqlite3_int64	 off = 0, size;
	int		 out, i, j, max = STORE_SUBJOURNAL_MEMORY + 3;

	(void)state;
	vfs = sqlite3_vfs_find(NULL);
	assert_non_null(vfs);
	assert_string_equal(vfs->zName, "dmarcdb");
	f = calloc(1, (size_t)vfs->szOsFile);
	w = malloc((size_t)max);
	r = malloc((size_t)max);
	assert_non_null(f);
	assert_non_null(w);
	assert_non_null(r);
	assert_int_equal(vfs->xOpen(vfs, NULL, f, SQLITE_OPEN_SUBJOURNAL |
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_EXCLUSIVE | SQLITE_OPEN_DELETEONCLOSE, &out),
	    SQLITE_OK);
	for (i = 0; i < (int)(sizeof sizes / sizeof sizes[0]); i++) {
		for (j = 0; j < sizes[i]; j++)
			w[j] = (unsigned char)(j * 7 + i + (j >> 16));
		if (f->pMethods->xWrite(f, w, sizes[i], off) != SQLITE_OK)
			fail_msg("a write of %d bytes at %lld", sizes[i],
			    (long long)off);
		memset(r, 0, (size_t)sizes[i]);
		assert_int_equal(f->pMethods->xRead(f, r, sizes[i], off),
		    SQLITE_OK);
		assert_memory_equal(r, w, (size_t)sizes[i]);
		off += sizes[i];
	}
	assert_int_equal(f->pMethods->xFileSize(f, &size), SQLITE_OK);
	assert_int_equal(size, off);
	assert_int_equal(f->pMethods->xClose(f), SQLITE_OK);
	free(r);
	free(w);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(writes_of_any_size, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(kept_in_memory, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(kept_past_memory, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(taken_back_in_memory, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(taken_back_past_memory, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
