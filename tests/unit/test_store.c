/*
 * test_store.c: schema, one transaction per report, deduplication.
 */
#include "config.h"

#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "buf.h"
#include "dbfiles.h"
#include "schema-sql.h"
#include "sha256.h"
#include "store.h"

struct fx {
	char		 path[64];
	struct store	*s;
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof *f);
	struct dr_error	 err;
	int		 fd;

	snprintf(f->path, sizeof f->path, "/tmp/dmarcdb-test-XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	unlink(f->path);
	assert_int_equal(store_open(f->path, 1000, STORE_CREATE, &f->s, &err),
	    0);
	assert_int_equal(store_run_begin(f->s, &err), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	store_close(f->s);
	dbfiles_unlink(f->path);
	free(f);
	return 0;
}

/* One integer from a query, through a second connection. */
static long long
q(struct fx *f, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	long long	 v = -1;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static struct dr_report
report(const char *id, int64_t begin)
{
	struct dr_report	r;

	memset(&r, 0, sizeof r);
	r.org_name = "Example";
	r.reporter = "example";
	r.report_id = id;
	r.report_id_norm = id;
	r.domain = "example.com";
	r.p = "none";
	r.begin = begin;
	r.end = begin + 86399;
	r.pct = -1;
	r.nrecords = 1;
	r.nmessages = 5;
	return r;
}

static struct store_doc
doc(unsigned char shabyte, int64_t received)
{
	struct store_doc	d;

	memset(&d, 0, sizeof d);
	d.origin = "test";
	d.received_at = received;
	memset(d.sha256, shabyte, sizeof d.sha256);
	d.xml_size = 100;
	return d;
}

/* Store a one-record report; returns the outcome. */
static enum store_outcome
put(struct fx *f, const char *id, int64_t begin, unsigned char sha,
    int64_t received)
{
	struct dr_report	r = report(id, begin);
	struct store_doc	d = doc(sha, received);
	struct dr_record	rec;
	struct dr_dkim		dk = { "example.com", "s1", "pass", NULL, NULL };
	struct dr_warning	w = { "enum", "record 1: something odd" };
	enum store_outcome	out;
	struct dr_error		err;

	memset(&rec, 0, sizeof rec);
	rec.ordinal = 1;
	rec.source_ip = "192.0.2.1";
	rec.count = 5;
	rec.header_from = "example.com";
	rec.dkims = &dk;
	rec.ndkims = 1;
	rec.warnings = &w;
	rec.nwarnings = 1;
	assert_int_equal(store_report_begin(f->s, &r, &err), 0);
	assert_int_equal(store_record(f->s, &rec, &err), 0);
	assert_int_equal(store_report_end(f->s, &r, &d, &out, &err), 0);
	assert_int_equal(store_commit(f->s, &err), 0);
	return out;
}

static void
schema_created_and_versioned(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(q(f, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(q(f, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'view' AND name IN ('v_reports', 'v_records', "
	    "'v_records_active', 'v_rejected', 'v_runs')"), 5);
	assert_int_equal(q(f, "SELECT count(*) FROM ingest_runs"), 1);
	/* WAL, so that readers and a second ingest can work alongside. */
	{
		sqlite3		*db;
		sqlite3_stmt	*st;
		sqlite3_open(f->path, &db);
		sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal(sqlite3_column_text(st, 0), "wal");
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
}

/*
 * Not the fixture's database: a new one in its place, built as the
 * first version schema files made it (its user_version is the caller's
 * to set, with what it stores). The fixture's store is closed.
 */
static sqlite3 *
old_database(struct fx *f, int version)
{
	sqlite3	*db;
	char	 p[80];
	int	 i;

	store_close(f->s);
	f->s = NULL;
	unlink(f->path);
	snprintf(p, sizeof p, "%s-wal", f->path);
	unlink(p);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	for (i = 0; i < version; i++)
		assert_int_equal(sqlite3_exec(db, schema_sql[i], NULL, NULL,
		    NULL), SQLITE_OK);
	return db;
}

/* The schema of the database at path: one line per object. */
static void
describe(const char *path, struct buf *out)
{
	sqlite3		*db;
	sqlite3_stmt	*st;

	out->len = 0;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT type || ' ' || name"
	    " || ' ' || tbl_name || ' ' || sql FROM sqlite_master WHERE sql"
	    " IS NOT NULL ORDER BY type, name", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		assert_int_equal(buf_adds(out, (const char *)
		    sqlite3_column_text(st, 0)), 0);
		assert_int_equal(buf_addc(out, '\n'), 0);
	}
	assert_int_equal(buf_addc(out, '\0'), 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/*
 * A new database is made by the schema in one piece (schema-fresh.h),
 * an old one brought up by the schema files it lacks: the same schema
 * either way, from version 1 as from none.
 */
static void
fresh_schema_is_the_files(void **state)
{
	struct fx	*f = *state;
	struct store	*s2;
	struct dr_error	 err;
	struct buf	 fresh = { 0 }, old = { 0 };
	sqlite3		*db;

	describe(f->path, &fresh);
	assert_non_null(strstr(fresh.data, "table reports reports CREATE"));
	db = old_database(f, 1);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 1", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(f->path, 1000, 0, &s2, &err), 0);
	f->s = s2;
	assert_int_equal(q(f, "PRAGMA user_version"), store_schema_version());
	describe(f->path, &old);
	assert_string_equal(old.data, fresh.data);
	buf_free(&fresh);
	buf_free(&old);
}

/* The mode of path (or suffix beside it), or -1 if it is not there. */
static int
mode_of(const char *path, const char *sfx, off_t *size)
{
	char		p[96];
	struct stat	st;

	snprintf(p, sizeof p, "%s%s", path, sfx);
	if (stat(p, &st) == -1)
		return -1;
	if (size != NULL)
		*size = st.st_size;
	return (int)(st.st_mode & 07777);
}

/*
 * Only STORE_CREATE creates: another open of a path that does not
 * exist says so and leaves nothing behind. A new database is 0640
 * whatever the umask (tried with the loosest and a strict one), its
 * -wal and -shm files too, and both stay when the last connection
 * closes (for readers who cannot make them), the log emptied.
 */
static void
created_only_by_ingest(void **state)
{
	static const mode_t	 masks[] = { 0, 077 };
	struct store		*s;
	struct dr_error		 err;
	char			 path[64], want[160], p[96];
	off_t			 size;
	mode_t			 old;
	size_t			 i;
	int			 fd;

	(void)state;
	snprintf(path, sizeof path, "/tmp/dmarcdb-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	assert_int_equal(store_open(path, 1000, 0, &s, &err), -1);
	assert_null(s);
	assert_int_equal(err.code, DR_E_DB);
	snprintf(want, sizeof want, "no such database: %s", path);
	assert_string_equal(err.msg, want);
	assert_int_equal(mode_of(path, "", NULL), -1);
	assert_int_equal(mode_of(path, "-wal", NULL), -1);
	/* A missing directory too. */
	snprintf(p, sizeof p, "%s/x/dmarc.db", path);
	assert_int_equal(store_open(p, 1000, 0, &s, &err), -1);
	snprintf(want, sizeof want, "no such database: %s", p);
	assert_string_equal(err.msg, want);

	for (i = 0; i < sizeof masks / sizeof masks[0]; i++) {
		old = umask(masks[i]);
		assert_int_equal(store_open(path, 1000, STORE_CREATE, &s,
		    &err), 0);
		assert_int_equal(store_run_begin(s, &err), 0);
		store_close(s);
		umask(old);
		assert_int_equal(mode_of(path, "", NULL), 0640);
		assert_int_equal(mode_of(path, "-shm", NULL), 0640);
		assert_int_equal(mode_of(path, "-wal", &size), 0640);
		assert_int_equal(size, 0);
		/* Open again, it exists: not created, kept. */
		assert_int_equal(store_open(path, 1000, 0, &s, &err), 0);
		assert_int_equal(store_readonly(s), 0);
		store_close(s);
		assert_int_equal(mode_of(path, "-wal", NULL), 0640);
		unlink(path);
		snprintf(p, sizeof p, "%s-wal", path);
		unlink(p);
		snprintf(p, sizeof p, "%s-shm", path);
		unlink(p);
	}
}

static void
newer_database_refused(void **state)
{
	struct fx	*f = *state;
	struct store	*s2;
	struct dr_error	 err;
	sqlite3		*db;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(f->path, 1000, 0, &s2, &err), -1);
	assert_int_equal(err.code, DR_E_DB);
	assert_non_null(strstr(err.msg, "schema version 999 is newer than "
	    "this dmarcdb supports"));
	assert_null(s2);
}

static void
report_stored_whole(void **state)
{
	struct fx	*f = *state;
	struct dr_error	 err;
	unsigned char	 sha[SHA256_LEN];

	assert_int_equal(put(f, "r1", 1700000000, 1, 100), STORE_NEW);
	assert_int_equal(q(f, "SELECT count(*) FROM reports WHERE status = "
	    "'active'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM records"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM dkim_results"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM warnings WHERE record IS "
	    "NOT NULL"), 1);
	assert_int_equal(q(f, "SELECT message_count FROM reports"), 5);
	assert_int_equal(q(f, "SELECT count(*) FROM v_records_active"), 1);
	memset(sha, 1, sizeof sha);
	assert_int_equal(store_has_report(f->s, sha, 0, &err), 1);
	assert_int_equal(store_has_report(f->s, sha, 1, &err), 0);
}

static void
abort_leaves_nothing(void **state)
{
	struct fx		*f = *state;
	struct dr_report	 r = report("r1", 1700000000);
	struct dr_record	 rec;
	struct dr_error		 err;

	memset(&rec, 0, sizeof rec);
	rec.ordinal = 1;
	rec.count = 1;
	assert_int_equal(store_report_begin(f->s, &r, &err), 0);
	assert_int_equal(store_record(f->s, &rec, &err), 0);
	/* Written to the database, inside the report's savepoint. */
	assert_int_equal(store_flush(f->s, &err), 0);
	store_report_abort(f->s);
	assert_int_equal(store_commit(f->s, &err), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM reports"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM records"), 0);
}

static void
identical_content_is_duplicate(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(put(f, "r1", 1700000000, 1, 100), STORE_NEW);
	/* Same digest reaching store_report_end (a racing ingest). */
	assert_int_equal(put(f, "r1", 1700000000, 1, 200), STORE_DUPLICATE);
	assert_int_equal(q(f, "SELECT count(*) FROM reports"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM records"), 1);
}

static void
resent_report_supersedes(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(put(f, "r1", 1700000000, 1, 100), STORE_NEW);
	assert_int_equal(put(f, "r1", 1700000000, 2, 200), STORE_SUPERSEDING);
	/* An older copy arriving late is kept, but not active. */
	assert_int_equal(put(f, "r1", 1700000000, 3, 150), STORE_SUPERSEDED);
	assert_int_equal(q(f, "SELECT count(*) FROM reports"), 3);
	assert_int_equal(q(f, "SELECT count(*) FROM reports WHERE status = "
	    "'active'"), 1);
	assert_int_equal(q(f, "SELECT received_at FROM reports WHERE status = "
	    "'active'"), 200);
	assert_int_equal(q(f, "SELECT count(*) FROM reports WHERE status = "
	    "'superseded' AND superseded_by = (SELECT id FROM reports WHERE "
	    "status = 'active')"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM v_records_active"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM v_records"), 3);
}

static void
tie_decided_by_digest_not_order(void **state)
{
	struct fx	*f = *state;

	/* Same arrival time: the larger digest is active, in any order. */
	assert_int_equal(put(f, "a", 1700000000, 9, 100), STORE_NEW);
	assert_int_equal(put(f, "a", 1700000000, 4, 100), STORE_SUPERSEDED);
	assert_int_equal(put(f, "b", 1700000000, 5, 100), STORE_NEW);
	assert_int_equal(put(f, "b", 1700000000, 8, 100), STORE_SUPERSEDING);
	assert_int_equal(q(f, "SELECT count(*) FROM reports WHERE status = "
	    "'active' AND (hex(xml_sha256) LIKE '0909%' OR hex(xml_sha256) "
	    "LIKE '0808%')"), 2);
}

static void
same_id_other_range_is_another_report(void **state)
{
	struct fx	*f = *state;

	/* Google and Mimecast reuse report ids across days. */
	assert_int_equal(put(f, "r1", 1700000000, 1, 100), STORE_NEW);
	assert_int_equal(put(f, "r1", 1700086400, 2, 100), STORE_NEW);
	assert_int_equal(q(f, "SELECT count(*) FROM reports WHERE status = "
	    "'active'"), 2);
}

static void
rejected_kept_once(void **state)
{
	struct fx	*f = *state;
	struct dr_error	 err;

	assert_int_equal(store_reject(f->s, "a.xml", "bad", (const unsigned
	    char *)"xyz", 3, 3, &err), 0);
	assert_int_equal(store_reject(f->s, "b.xml", "bad", (const unsigned
	    char *)"xyz", 3, 3, &err), 0);
	assert_int_equal(store_reject(f->s, "c.xml", "worse", (const unsigned
	    char *)"xy", 2, 900, &err), 0);
	assert_int_equal(store_commit(f->s, &err), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM rejected_inputs"), 2);
	assert_int_equal(q(f, "SELECT times_seen FROM rejected_inputs i "
	    "JOIN rejected_raw k ON k.input = i.id WHERE "
	    "k.raw = CAST('xyz' AS BLOB)"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM rejected_raw"), 2);
	assert_int_equal(q(f, "SELECT size - kept FROM v_rejected WHERE "
	    "origin = 'c.xml'"), 898);
}

/* Collects what store_rejected_raw gives. */
static int
collect(void *arg, const void *p, size_t n)
{
	struct buf	*b = arg;

	return buf_add(b, p, n);
}

/* Bytes that are not all alike, with NULs among them. */
static void
fill(unsigned char *p, size_t n, unsigned seed)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)((i * 131 + seed) >> 3);
}

/*
 * Raw bytes given in pieces land whole, larger than a piece read back;
 * the same bytes again are not asked for.
 */
static void
rejected_written_in_pieces(void **state)
{
	struct fx	*f = *state;
	struct dr_error	 err;
	struct buf	 got = { 0 };
	unsigned char	*raw, sha[SHA256_LEN];
	size_t		 n = 3 * 256 * 1024 + 17, off, k;
	int		 want;

	raw = malloc(n);
	assert_non_null(raw);
	fill(raw, n, 7);
	assert_int_equal(sha256_buf(raw, n, sha), 0);
	assert_int_equal(store_reject_begin(f->s, "big.xml", "too big", sha, n,
	    5 * n, &want, &err), 0);
	assert_int_equal(want, 1);
	assert_int_equal(store_busy(f->s), 1);
	for (off = 0; off < n; off += k) {
		k = n - off < 100000 ? n - off : 100000;
		assert_int_equal(store_reject_write(f->s, raw + off, k, &err),
		    0);
	}
	assert_int_equal(store_reject_end(f->s, &err), 0);
	assert_int_equal(store_busy(f->s), 0);
	assert_int_equal(store_reject_begin(f->s, "again.xml", "too big", sha,
	    n, 5 * n, &want, &err), 0);
	assert_int_equal(want, 0);
	assert_int_equal(store_reject_end(f->s, &err), 0);
	assert_int_equal(store_commit(f->s, &err), 0);
	assert_int_equal(q(f, "SELECT times_seen FROM rejected_inputs"), 2);
	assert_int_equal(q(f, "SELECT kept FROM v_rejected"), (long long)n);
	assert_int_equal(q(f, "SELECT size FROM v_rejected"), 5 * (long long)n);
	assert_int_equal(store_rejected_raw(f->s, q(f, "SELECT id FROM "
	    "rejected_inputs"), collect, &got, &err), 0);
	assert_int_equal(got.len, n);
	assert_memory_equal(got.data, raw, n);
	assert_int_equal(store_rejected_raw(f->s, 999, collect, &got, &err),
	    -1);
	assert_int_equal(err.code, DR_E_USAGE);
	buf_free(&got);
	free(raw);
}

/*
 * A database of schema version 3, where the raw bytes were a column of
 * rejected_inputs, keeps its rejected inputs and their bytes when it is
 * opened by this version.
 */
static void
rejected_bytes_survive_migration(void **state)
{
	struct fx	*f = *state;
	struct store	*s2;
	struct dr_error	 err;
	struct buf	 got = { 0 };
	sqlite3		*db;
	sqlite3_stmt	*st;
	unsigned char	*raw, sha[SHA256_LEN];
	size_t		 n = 600 * 1000;

	/* Built as version 3 was. */
	db = old_database(f, 3);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 3;"
	    "INSERT INTO ingest_runs (id, started_at, version) VALUES "
	    "(1, 1700000000, 'old');"
	    "INSERT INTO rejected_inputs (id, run_id, origin, reason, sha256,"
	    " size, raw, first_seen, last_seen, times_seen) VALUES "
	    "(4, 1, 'a.xml', 'bad', x'01', 3, CAST('xyz' AS BLOB), 1, 2, 3),"
	    "(9, 1, 'e.xml', 'empty', x'02', 0, x'', 1, 1, 1)",
	    NULL, NULL, NULL), SQLITE_OK);
	raw = malloc(n);
	assert_non_null(raw);
	fill(raw, n, 3);
	assert_int_equal(sha256_buf(raw, n, sha), 0);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO rejected_inputs"
	    " (id, run_id, origin, reason, sha256, size, raw, first_seen,"
	    " last_seen) VALUES (7, 1, 'big.gz', 'worse', ?, ?, ?, 5, 6)", -1,
	    &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, sha, SHA256_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, 10 * (sqlite3_int64)n);
	sqlite3_bind_blob(st, 3, raw, (int)n, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);

	assert_int_equal(store_open(f->path, 1000, 0, &s2, &err), 0);
	f->s = s2;
	assert_int_equal(q(f, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(q(f, "SELECT count(*) FROM rejected_inputs"), 3);
	assert_int_equal(q(f, "SELECT count(*) FROM rejected_raw"), 3);
	assert_int_equal(q(f, "SELECT count(*) FROM pragma_table_info("
	    "'rejected_inputs') WHERE name = 'raw'"), 0);
	assert_int_equal(q(f, "SELECT times_seen FROM v_rejected WHERE id = 4"),
	    3);
	assert_int_equal(q(f, "SELECT kept FROM v_rejected WHERE id = 4"), 3);
	assert_int_equal(q(f, "SELECT kept FROM v_rejected WHERE id = 9"), 0);
	assert_int_equal(q(f, "SELECT kept FROM v_rejected WHERE id = 7"),
	    (long long)n);
	assert_int_equal(store_rejected_raw(f->s, 4, collect, &got, &err), 0);
	assert_int_equal(got.len, 3);
	assert_memory_equal(got.data, "xyz", 3);
	buf_reset(&got);
	assert_int_equal(store_rejected_raw(f->s, 9, collect, &got, &err), 0);
	assert_int_equal(got.len, 0);
	assert_int_equal(store_rejected_raw(f->s, 7, collect, &got, &err), 0);
	assert_int_equal(got.len, n);
	assert_memory_equal(got.data, raw, n);
	/* Rejected again after the migration: the same row. */
	assert_int_equal(store_run_begin(f->s, &err), 0);
	assert_int_equal(store_reject(f->s, "big2.gz", "worse", raw, n,
	    10 * n, &err), 0);
	assert_int_equal(store_commit(f->s, &err), 0);
	assert_int_equal(q(f, "SELECT times_seen FROM rejected_inputs WHERE "
	    "id = 7"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM rejected_raw"), 3);
	buf_free(&got);
	free(raw);
}

static void
run_counts_recorded(void **state)
{
	struct fx		*f = *state;
	struct store_counts	 c;
	struct dr_error		 err;

	memset(&c, 0, sizeof c);
	c.messages = 7;
	c.duplicates = 3;
	c.mail_known = 5;
	assert_int_equal(store_run_end(f->s, &c, &err), 0);
	assert_int_equal(q(f, "SELECT messages + 10 * duplicates + "
	    "100 * mail_known FROM ingest_runs WHERE finished_at IS NOT "
	    "NULL"), 537);
}

/*
 * Store a report of n records, each from its own source, beginning with
 * header start and ending with header r. Returns the outcome.
 */
static enum store_outcome
put_big(struct fx *f, const struct dr_report *start, struct dr_report *r,
    unsigned n, unsigned char sha, int64_t received)
{
	struct store_doc	d = doc(sha, received);
	struct dr_record	*recs;
	struct dr_dkim		 dk = { "example.com", "s1", "pass", NULL, NULL };
	struct dr_spf		 sp = { "bounce.esp.example", "mfrom", "pass",
				    NULL, NULL };
	char			(*ips)[32];
	enum store_outcome	 out;
	struct dr_error		 err;
	unsigned		 i;

	recs = calloc(n, sizeof *recs);
	ips = calloc(n, sizeof *ips);
	assert_non_null(recs);
	assert_non_null(ips);
	assert_int_equal(store_report_begin(f->s, start, &err), 0);
	for (i = 0; i < n; i++) {
		snprintf(ips[i], sizeof ips[i], "10.%u.%u.%u", i >> 16,
		    (i >> 8) & 255, i & 255);
		recs[i].ordinal = i + 1;
		recs[i].source_ip = ips[i];
		recs[i].count = 2;
		recs[i].header_from = "example.com";
		recs[i].dkim = "pass";
		recs[i].spf = "fail";
		recs[i].disposition = "none";
		recs[i].dkims = &dk;
		recs[i].ndkims = 1;
		recs[i].spfs = &sp;
		recs[i].nspfs = 1;
		assert_int_equal(store_record(f->s, &recs[i], &err), 0);
	}
	r->nrecords = n;
	r->nmessages = 2 * n;
	assert_int_equal(store_report_end(f->s, r, &d, &out, &err), 0);
	assert_int_equal(store_commit(f->s, &err), 0);
	free(recs);
	free(ips);
	return out;
}

static void
summary_of_a_large_report(void **state)
{
	struct fx		*f = *state;
	struct dr_report	 r = report("big", 1700000000);
	struct dr_error		 err;

	/* More sources than the summary holds in memory at once. */
	assert_int_equal(put_big(f, &r, &r, 40000, 1, 100), STORE_NEW);
	assert_int_equal(q(f, "SELECT sum(messages) FROM v_source_days"),
	    80000);
	assert_int_equal(q(f, "SELECT count(*) FROM v_source_days"), 40000);
	/* Sources are brought up to date when a report command asks. */
	assert_int_equal(q(f, "SELECT count(*) FROM sources"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM summary_dirty"), 1);
	assert_int_equal(store_sources_update(f->s, &err), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM sources"), 40000);
	assert_int_equal(q(f, "SELECT count(*) FROM sources WHERE ip IS NULL"),
	    0);
	assert_int_equal(q(f, "SELECT count(*) FROM summary_dirty"), 0);
	/* One signature: DKIM d=example.com passes and is aligned. */
	assert_int_equal(q(f, "SELECT count(*) FROM auth_sigs"), 1);
	assert_int_equal(q(f, "SELECT dmarc + 10 * dkim_aligned + "
	    "100 * spf_aligned FROM auth_sigs"), 11);
	assert_int_equal(q(f, "SELECT day FROM reports"),
	    (1700000000 + 43199) / 86400);
	assert_int_equal(q(f, "SELECT count(*) FROM records WHERE sig = "
	    "(SELECT id FROM auth_sigs)"), 40000);
}

static void
sources_span_the_days(void **state)
{
	struct fx		*f = *state;
	const int64_t		 t = 1700006400;	/* a midnight, UTC */
	const int64_t		 day = t / 86400;
	struct dr_report	 r[4] = { report("d2", t + 2 * 86400),
				    report("d0", t), report("d5", t + 5 * 86400),
				    report("d-3", t - 3 * 86400) };
	struct dr_error		 err;

	/*
	 * Days merged together and days merged later: each source's
	 * first and last day are the least and the greatest of its days.
	 */
	r[1].domain = r[3].domain = "example.org";
	put_big(f, &r[0], &r[0], 100, 1, 100);
	put_big(f, &r[1], &r[1], 50, 2, 100);
	r[1].domain = "example.com";
	r[1].report_id = r[1].report_id_norm = "d0 again";
	put_big(f, &r[1], &r[1], 50, 3, 100);
	assert_int_equal(q(f, "SELECT count(*) FROM summary_dirty"), 3);
	assert_int_equal(store_sources_update(f->s, &err), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM summary_dirty"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM sources"), 150);
	assert_int_equal(q(f, "SELECT first_day FROM sources WHERE "
	    "domain = 'example.com' AND source_ip = '10.0.0.1'"), day);
	assert_int_equal(q(f, "SELECT last_day FROM sources WHERE "
	    "domain = 'example.com' AND source_ip = '10.0.0.1'"), day + 2);
	assert_int_equal(q(f, "SELECT first_day FROM sources WHERE "
	    "domain = 'example.com' AND source_ip = '10.0.0.99'"), day + 2);
	assert_int_equal(q(f, "SELECT last_day FROM sources WHERE "
	    "domain = 'example.org' AND source_ip = '10.0.0.1'"), day);

	put_big(f, &r[2], &r[2], 10, 4, 100);
	r[3].domain = "example.com";
	put_big(f, &r[3], &r[3], 5, 5, 100);
	assert_int_equal(store_sources_update(f->s, &err), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM sources"), 150);
	assert_int_equal(q(f, "SELECT first_day FROM sources WHERE "
	    "domain = 'example.com' AND source_ip = '10.0.0.1'"), day - 3);
	assert_int_equal(q(f, "SELECT last_day - first_day FROM sources "
	    "WHERE domain = 'example.com' AND source_ip = '10.0.0.1'"), 8);
	assert_int_equal(q(f, "SELECT last_day - first_day FROM sources "
	    "WHERE domain = 'example.com' AND source_ip = '10.0.0.7'"), 5);
	assert_int_equal(q(f, "SELECT last_day - first_day FROM sources "
	    "WHERE domain = 'example.com' AND source_ip = '10.0.0.42'"), 2);
	assert_int_equal(q(f, "SELECT first_day FROM sources WHERE "
	    "domain = 'example.com' AND source_ip = '10.0.0.99'"), day + 2);
	assert_int_equal(q(f, "SELECT count(*) FROM sources WHERE "
	    "domain = 'example.org' AND first_day = last_day"), 50);
}

static void
summary_follows_the_final_header(void **state)
{
	struct fx		*f = *state;
	struct dr_report	 start = report("late", 1700000000);
	struct dr_report	 r = report("late", 1700000000);

	/*
	 * <policy_published> after the records: records signed under the
	 * header known at the start are signed again, in chunks.
	 */
	start.domain = "early.example";
	start.begin = start.end = -1;
	r.adkim = "s";
	assert_int_equal(put_big(f, &start, &r, 20000, 1, 100), STORE_NEW);
	assert_int_equal(q(f, "SELECT count(*) FROM v_source_days WHERE "
	    "policy_domain = 'early.example'"), 0);
	assert_int_equal(q(f, "SELECT sum(messages) FROM v_source_days WHERE "
	    "policy_domain = 'example.com'"), 40000);
	assert_int_equal(q(f, "SELECT count(*) FROM records c JOIN auth_sigs g "
	    "ON g.id = c.sig WHERE g.adkim = 's'"), 20000);
}

static void
summary_counts_only_the_active_copy(void **state)
{
	struct fx		*f = *state;
	struct dr_report	 r = report("copy", 1700000000);

	assert_int_equal(put_big(f, &r, &r, 20000, 5, 100), STORE_NEW);
	/* An older copy. */
	assert_int_equal(put_big(f, &r, &r, 30000, 4, 50), STORE_SUPERSEDED);
	assert_int_equal(q(f, "SELECT sum(messages) FROM v_source_days"),
	    40000);
	/* A newer one replaces the first in the summary. */
	assert_int_equal(put_big(f, &r, &r, 100, 6, 200), STORE_SUPERSEDING);
	assert_int_equal(q(f, "SELECT sum(messages) FROM v_source_days"), 200);
	assert_int_equal(q(f, "SELECT count(*) FROM v_source_days"), 100);
	assert_int_equal(q(f, "SELECT min(records) FROM v_source_days"), 1);
}

/* A text from a query, through a second connection; "" for NULL. */
static const char *
qs(struct fx *f, const char *sql)
{
	static char	 out[256];
	sqlite3		*db;
	sqlite3_stmt	*st;
	const char	*t;

	out[0] = '\0';
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    (t = (const char *)sqlite3_column_text(st, 0)) != NULL)
		snprintf(out, sizeof out, "%s", t);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return out;
}

/* The raw text of invalid policy values is stored in raw_* only. */
static void
raw_policy_values_stored(void **state)
{
	struct fx		*f = *state;
	struct dr_report	 r = report("raw", 1700000000);
	struct store_doc	 d = doc(7, 100);
	enum store_outcome	 out;
	struct dr_error		 err;

	r.fo = NULL;
	r.raw_fo = "1;pct=0;t=y";
	r.raw_pct = "150";
	r.raw_testing = "maybe";
	assert_int_equal(store_report_begin(f->s, &r, &err), 0);
	assert_int_equal(store_report_end(f->s, &r, &d, &out, &err), 0);
	assert_int_equal(store_commit(f->s, &err), 0);
	assert_string_equal(qs(f, "SELECT raw_fo FROM reports"),
	    "1;pct=0;t=y");
	assert_int_equal(q(f, "SELECT count(*) FROM reports WHERE fo IS NULL"
	    " AND pct IS NULL AND testing IS NULL AND raw_pct = '150'"
	    " AND raw_testing = 'maybe' AND raw_p IS NULL"), 1);
	assert_string_equal(qs(f, "SELECT raw_fo FROM v_reports"),
	    "1;pct=0;t=y");
}

/*
 * A database of schema 5 is brought in line: invalid policy values
 * move to raw_*, valid ones become canonical, report ids that differ
 * only in case become one report (the later copy active), and counts
 * beyond the caps are flagged.
 */
static void
values_migration(void **state)
{
	struct fx	*f = *state;
	struct store	*s2;
	struct dr_error	 err;
	sqlite3		*db;

	db = old_database(f, 5);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 5;"
	    "INSERT INTO ingest_runs (id, started_at, version) VALUES "
	    "(1, 1700000000, 'old');"
	    "INSERT INTO reports (id, run_id, status, superseded_by, origin,"
	    " received_at, ingested_at, xml_sha256, xml_part, domain,"
	    " reporter, report_key_id, date_begin, date_end, p, sp, np, pct,"
	    " fo, testing, adkim, aspf, message_count, day) VALUES"
	    " (1, 1, 'active', NULL, 'a', 100, 1, x'01', 0, 'example.com',"
	    "  'example', 'AbC', 1700000000, 1700086399, 'reject', 'none\" x',"
	    "  NULL, 150, '1;pct=0;t=y', 'maybe', 's', 'r', 5, 19676),"
	    " (2, 1, 'active', NULL, 'b', 200, 1, x'02', 0, 'example.com',"
	    "  'example', 'abc', 1700000000, 1700086399, 'quarantine', NULL,"
	    "  'reject', 50, ' 1 : d :1', 'y', 'strict', NULL, 5, 19676),"
	    " (3, 1, 'active', NULL, 'c', 200, 1, x'03', 0, 'example.com',"
	    "  'example', 'ABC', 1700000000, 1700086399, 'none', NULL, NULL,"
	    "  100, '0', 'n', NULL, NULL, 5, 19676),"
	    " (4, 1, 'active', NULL, 'd', 300, 1, x'04', 0, 'example.com',"
	    "  'example', 'Other', 1700086400, 1700172799, 'none', NULL, NULL,"
	    "  NULL, NULL, NULL, NULL, NULL, 20000000000, 19677),"
	    " (5, 1, 'superseded', 4, 'e', 250, 1, x'05', 0, 'example.com',"
	    "  'example', 'OTHER', 1700086400, 1700172799, 'none', NULL, NULL,"
	    "  NULL, NULL, NULL, NULL, NULL, 1, 19677),"
	    " (6, 1, 'active', NULL, 'f', 300, 1, x'06', 0, 'example.com',"
	    "  'example', 'big', 1700086400, 1700172799, 'none', NULL, NULL,"
	    "  NULL, NULL, NULL, NULL, NULL, 2000000000, 19677),"
	    " (7, 1, 'active', NULL, 'g', 300, 1, x'07', 0, 'example.com',"
	    "  'example', 'fine', 1700086400, 1700172799, 'none', NULL, NULL,"
	    "  NULL, NULL, NULL, NULL, NULL, 1000000000, 19677);"
	    "INSERT INTO records (id, report, ordinal, count) VALUES"
	    " (1, 4, 1, 5), (2, 6, 1, 2000000000), (3, 7, 1, 1000000000);",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_open(f->path, 1000, 0, &s2, &err), 0);
	f->s = s2;
	assert_int_equal(q(f, "PRAGMA user_version"), store_schema_version());
	/* Ids without case: 3 wins (received last, larger digest). */
	assert_string_equal(qs(f, "SELECT group_concat(id || ':' || status ||"
	    " ':' || coalesce(superseded_by, '-') || ':' || report_key_id, ' ')"
	    " FROM (SELECT * FROM reports ORDER BY id)"),
	    "1:superseded:3:abc 2:superseded:3:abc 3:active:-:abc "
	    "4:active:-:other 5:superseded:4:other 6:active:-:big "
	    "7:active:-:fine");
	/* Invalid values moved, valid ones canonical, the rest as it was. */
	assert_string_equal(qs(f, "SELECT quote(p) || quote(sp) ||"
	    " quote(raw_sp) || quote(pct) || quote(raw_pct) || quote(fo) ||"
	    " quote(raw_fo) || quote(testing) || quote(raw_testing) ||"
	    " quote(adkim) || quote(aspf) FROM reports WHERE id = 1"),
	    "'reject'NULL'none\" x'NULL'150'NULL'1;pct=0;t=y'NULL"
	    "'maybe''s''r'");
	assert_string_equal(qs(f, "SELECT quote(fo) || quote(pct) ||"
	    " typeof(pct) || quote(adkim) || quote(raw_adkim) || quote(np)"
	    " FROM reports WHERE id = 2"),
	    "'1:d'50integerNULL'strict''reject'");
	assert_int_equal(q(f, "SELECT count(*) FROM warnings WHERE report = 1"
	    " AND code = 'policy'"), 4);
	assert_string_equal(qs(f, "SELECT message FROM warnings WHERE"
	    " report = 1 AND code = 'policy' AND message LIKE 'fo %'"),
	    "fo is not valid DMARC (expected 0, 1, d or s, separated by ':'): "
	    "moved to raw_fo when the schema was updated, never in a record");
	assert_string_equal(qs(f, "SELECT raw_fo FROM v_reports WHERE id = 1"),
	    "1;pct=0;t=y");
	/* Beyond the caps (not at them): flagged. */
	assert_string_equal(qs(f, "SELECT group_concat(report, ' ') FROM"
	    " (SELECT report FROM warnings WHERE code = 'count' ORDER BY 1)"),
	    "4 6");
	/* The next copy of the report, whatever its case, supersedes 3. */
	assert_int_equal(store_run_begin(f->s, &err), 0);
	assert_int_equal(put(f, "abc", 1700000000, 9, 400), STORE_SUPERSEDING);
	assert_int_equal(q(f, "SELECT count(*) FROM reports WHERE status ="
	    " 'active' AND report_key_id = 'abc'"), 1);
}

/*
 * What sources decided, for the views (store-class.c): replaced per
 * domain, forgotten when asked; nothing written, and 1, when the
 * database is read-only or another writer holds it past 2 s.
 */
static void
classes_saved(void **state)
{
	struct fx			*f = *state;
	struct store			*ro;
	struct dr_error			 err;
	struct store_class_row		 rows[] = {
		{ "example.com", "192.0.2.1", "compliant", "our MTA" },
		{ "", "192.0.2.2", "forwarded", NULL },
	};
	struct store_class_window	 w[2];
	sqlite3				*db;
	time_t				 t0;

	memset(w, 0, sizeof w);
	w[0].domain = "example.com";
	w[0].from_day = 20000;
	w[0].to_day = 20029;
	w[0].configured = 1;
	w[0].rows = rows;
	w[0].nrows = 2;
	w[1].domain = "other.example";
	w[1].from_day = 20001;
	w[1].to_day = 20002;
	assert_int_equal(store_classes_save(f->s, w, 2, &err), 0);
	assert_string_equal(qs(f, "SELECT group_concat(domain || ':' ||"
	    " from_day || '-' || to_day || ':' || configured, ' ') FROM"
	    " class_windows"), "example.com:20000-20029:1 "
	    "other.example:20001-20002:0");
	assert_string_equal(qs(f, "SELECT group_concat(policy_domain || '|' ||"
	    " header_from || '|' || source_ip || '|' || class || '|' ||"
	    " coalesce(sender, '-') || '|' || from_day || '|' || to_day, ' ')"
	    " FROM v_source_classes"), "example.com||192.0.2.2|forwarded|-|"
	    "2024-10-04|2024-11-02 example.com|example.com|192.0.2.1|"
	    "compliant|our MTA|2024-10-04|2024-11-02");
	assert_int_equal(q(f, "SELECT count(*) FROM v_source_senders"), 1);

	/* Replaced: one row left; the other domain forgotten. */
	w[0].nrows = 1;
	w[0].to_day = 20030;
	w[1].forget = 1;
	assert_int_equal(store_classes_save(f->s, w, 2, &err), 0);
	assert_string_equal(qs(f, "SELECT group_concat(domain || ':' ||"
	    " to_day, ' ') FROM class_windows"), "example.com:20030");
	assert_int_equal(q(f, "SELECT count(*) FROM source_classes"), 1);

	/* Another writer: nothing written, within a few seconds. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	w[0].nrows = 0;
	t0 = time(NULL);
	assert_int_equal(store_classes_save(f->s, w, 1, &err), 1);
	assert_true(time(NULL) - t0 < 10);
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(q(f, "SELECT count(*) FROM source_classes"), 1);

	/* Read-only. */
	assert_int_equal(store_open(f->path, 1000, STORE_READER, &ro, &err),
	    0);
	assert_int_equal(store_classes_save(ro, w, 1, &err), 1);
	store_close(ro);
	assert_int_equal(q(f, "SELECT count(*) FROM source_classes"), 1);
	/* And it writes again. */
	assert_int_equal(store_classes_save(f->s, w, 1, &err), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM source_classes"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(schema_created_and_versioned,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(fresh_schema_is_the_files,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(newer_database_refused,
		    setup, teardown),
		cmocka_unit_test(created_only_by_ingest),
		cmocka_unit_test_setup_teardown(report_stored_whole,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(abort_leaves_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(identical_content_is_duplicate,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(resent_report_supersedes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(tie_decided_by_digest_not_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    same_id_other_range_is_another_report, setup, teardown),
		cmocka_unit_test_setup_teardown(rejected_kept_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(rejected_written_in_pieces,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    rejected_bytes_survive_migration, setup, teardown),
		cmocka_unit_test_setup_teardown(run_counts_recorded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(sources_span_the_days,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(summary_of_a_large_report,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    summary_follows_the_final_header, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    summary_counts_only_the_active_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(raw_policy_values_stored,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(values_migration,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(classes_saved,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
