/*
 * store.c: the database, SQLite's file or PostgreSQL's (through db.h;
 * PostgreSQL's own ways are in store-pg.c).
 *
 * Every statement is prepared once, in store_open, and finalised in
 * store_close. SQLite's schema lives in schema/NNN-*.sql, compiled in
 * as schema_sql[]; PRAGMA user_version counts the files applied.
 * PostgreSQL's is schema/pg/ (store-pg.c).
 */
#include "config.h"

#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "schema-sql.h"
#include "schema-fresh.h"
#include "hmap.h"
#include "log.h"
#include "store-int.h"
#include "store-pg.h"
#include "store.h"
#include "tally.h"
#include "valid.h"

#define NSCHEMA	((int)(sizeof schema_sql / sizeof schema_sql[0]))
_Static_assert(SCHEMA_FRESH_VERSION == NSCHEMA,
    "src/schema-fresh.h is not of the schema files'");
/* Raw bytes of a rejected input are read back this much at a time. */
#define RAW_PIECE	(256 * 1024)
/* The schema version that put signatures in records. */
#define SCHEMA_SIGS	5
/* The schema version that checks policy values (raw_* columns). */
#define SCHEMA_VALUES	6
/*
 * The schema version that keeps signatures' facts as they are now
 * (auth_sigs.facts, with the identity of 009: auth_sigs.ident): with
 * a local_policy reason with forwarding in its comment apart
 * (TALLY_LOCAL_FWD) and the facts of failing mail.
 */
#define SCHEMA_EVIDENCE	12

enum stmt {
	Q_BEGIN,
	Q_COMMIT,
	Q_ROLLBACK,
	Q_SAVEPOINT,
	Q_RELEASE,
	Q_ROLLBACK_TO,
	Q_RUN_INSERT,
	Q_RUN_UPDATE,
	Q_HAS_SHA,
	Q_MAX_REPORT,
	Q_MAX_RECORD,
	Q_REPORT_INSERT,
	Q_REPORT_ACTIVE,
	Q_REPORT_STATUS,
	Q_REPORT_ERROR,
	Q_REJECT,
	Q_REJECT_FIND,
	Q_REJECT_RAW,
	Q_MAX_MAIL,
	Q_MAIL_FIND,
	Q_MAIL_INSERT,
	Q_MAIL_SEEN,
	Q_MAIL_STORED,
	Q_LOC_INSERT,
	Q_LOC_FIND,
	Q_LOC_HANDLED,
	Q__COUNT
};

/*
 * The statements, in SQL both databases take; stmt_pg below has
 * PostgreSQL's where it must differ. The Q_MAX_* are SQLite's only
 * (PostgreSQL's ids come from sequences: store-pg.c).
 */
static const char *const stmt_sql[Q__COUNT] = {
	[Q_BEGIN] = "BEGIN IMMEDIATE",
	[Q_COMMIT] = "COMMIT",
	[Q_ROLLBACK] = "ROLLBACK",
	[Q_SAVEPOINT] = "SAVEPOINT report",
	[Q_RELEASE] = "RELEASE report",
	[Q_ROLLBACK_TO] = "ROLLBACK TO report",
	[Q_RUN_INSERT] =
	    "INSERT INTO ingest_runs (started_at, version) VALUES (?, ?)"
	    " RETURNING id",
	[Q_RUN_UPDATE] =
	    "UPDATE ingest_runs SET finished_at = ?, inputs = ?, stored = ?,"
	    " duplicates = ?, superseded = ?, rejected = ?, records = ?,"
	    " messages = ?, mail_read = ?, mail_known = ?, unreadable = ?"
	    " WHERE id = ?",
	[Q_HAS_SHA] =
	    "SELECT id FROM reports WHERE xml_sha256 = ? AND xml_part = ?",
	[Q_MAX_REPORT] = "SELECT coalesce(max(id), 0) FROM reports",
	[Q_MAX_RECORD] = "SELECT coalesce(max(id), 0) FROM records",
	[Q_REPORT_INSERT] =
	    "INSERT INTO reports (id, run_id, status, superseded_by, origin,"
	    " received_at, ingested_at, xml_sha256, xml_part, xml_size, schema,"
	    " namespace, version, org_name, email, extra_contact_info,"
	    " extra_contact_info_lang, report_id, generator, date_begin,"
	    " date_end, domain, adkim, aspf, p, sp, np, pct, fo, testing,"
	    " discovery_method, extensions, reporter, report_key_id,"
	    " record_count, message_count, mail_message, day, raw_p, raw_sp,"
	    " raw_np, raw_adkim, raw_aspf, raw_pct, raw_fo, raw_testing)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " ?, ?, ?, ?, ?)",
	[Q_REPORT_ACTIVE] =
	    "SELECT id, received_at, xml_sha256 FROM reports"
	    " WHERE reporter = ? AND report_key_id = ? AND domain = ?"
	    " AND date_begin = ? AND date_end = ? AND status = 'active'",
	[Q_REPORT_STATUS] =
	    "UPDATE reports SET status = ?, superseded_by = ? WHERE id = ?",
	[Q_REPORT_ERROR] =
	    "INSERT INTO report_errors (report, ordinal, message, lang)"
	    " VALUES (?, ?, ?, ?)",
	[Q_REJECT] =
	    "INSERT INTO rejected_inputs (run_id, origin, reason, sha256, size,"
	    " first_seen, last_seen, mail_message)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT (sha256) DO UPDATE SET run_id = excluded.run_id,"
	    " origin = excluded.origin, reason = excluded.reason,"
	    " last_seen = excluded.last_seen,"
	    " times_seen = rejected_inputs.times_seen + 1,"
	    " mail_message = coalesce(excluded.mail_message,"
	    " rejected_inputs.mail_message)"
	    " RETURNING id",
	/* Were these bytes rejected before? */
	[Q_REJECT_FIND] =
	    "SELECT 1 FROM rejected_inputs WHERE sha256 = ?",
	/* The blob's place, written in pieces by store_reject_write. */
	[Q_REJECT_RAW] =
	    "INSERT INTO rejected_raw (input, raw)"
	    " VALUES (?, zeroblob(?)) ON CONFLICT DO NOTHING",
	[Q_MAX_MAIL] = "SELECT coalesce(max(id), 0) FROM mail_messages",
	[Q_MAIL_FIND] =
	    "SELECT id, outcome FROM mail_messages WHERE sha256 = ?",
	[Q_MAIL_INSERT] =
	    "INSERT INTO mail_messages (id, run_id, sha256, message_id,"
	    " mailbox, location, from_addr, subject, date, size, outcome,"
	    " reports, duplicates, rejected, reason, first_seen, last_seen)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT (sha256) DO NOTHING",
	[Q_MAIL_SEEN] =
	    "UPDATE mail_messages SET last_seen = ? WHERE id = ?",
	/* A message read again (--recover) gave reports at last. */
	[Q_MAIL_STORED] =
	    "UPDATE mail_messages SET outcome = 'stored', reason = NULL,"
	    " reports = reports + ?, last_seen = ? WHERE id = ?",
	[Q_LOC_INSERT] =
	    "INSERT INTO mail_locations (location, message, seen_at,"
	    " handled_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
	[Q_LOC_FIND] =
	    "SELECT m.outcome, l.handled_at IS NOT NULL FROM mail_locations l"
	    " JOIN mail_messages m ON m.id = l.message WHERE l.location = ?",
	[Q_LOC_HANDLED] =
	    "UPDATE mail_locations SET handled_at = ? WHERE location = ?",
};

/*
 * PostgreSQL's: the tables of a report's rows carry its domain (last),
 * a rejected input's bytes are written in pieces (store-pg.c).
 */
static const char *const stmt_pg[Q__COUNT] = {
	/* And whether the digest is stored: one round trip (find_active). */
	[Q_REPORT_ACTIVE] =
	    "SELECT a.id, a.received_at, a.xml_sha256, EXISTS (SELECT 1 FROM"
	    " reports WHERE xml_sha256 = ?6 AND xml_part = ?7)::int"
	    " FROM (SELECT 1) AS one LEFT JOIN (SELECT id, received_at,"
	    " xml_sha256 FROM reports WHERE reporter = ?1"
	    " AND report_key_id = ?2 AND domain = ?3 AND date_begin = ?4"
	    " AND date_end = ?5 AND status = 'active') AS a ON true",
	[Q_MAX_REPORT] = "SELECT 0",
	[Q_MAX_RECORD] = "SELECT 0",
	[Q_MAX_MAIL] = "SELECT 0",
	[Q_REPORT_ERROR] =
	    "INSERT INTO report_errors (report, ordinal, message, lang,"
	    " policy_domain) VALUES (?, ?, ?, ?, ?)",
	[Q_REJECT_RAW] = "SELECT ?, ?",
};

/* A report-level warning on PostgreSQL (records' go by COPY). */
static const char warning_pg[] =
    "INSERT INTO warnings (report, record, code, message, policy_domain)"
    " VALUES (?, ?, ?, ?, ?)";

/*
 * Rows of the child tables are written many to a statement: a
 * statement's fixed cost (opening cursors, halting) is paid once for up
 * to max rows. Statements for each row count are prepared when first
 * needed.
 */
enum multi_table {
	T_RECORDS,
	T_DKIM,
	T_SPF,
	T_REASONS,
	T_WARNINGS,
	T__COUNT
};

static const struct multi_def {
	const char	*head;		/* INSERT INTO t (cols) VALUES */
	int		 ncols;
	int		 max;		/* rows per statement */
} multi_defs[T__COUNT] = {
	[T_RECORDS] = { "INSERT INTO records (id, report, ordinal, source_ip,"
	    " count, disposition, dkim, spf, header_from, envelope_from,"
	    " envelope_to, extensions, sig) VALUES ", 13, 32 },
	[T_DKIM] = { "INSERT INTO dkim_results (record, ordinal, domain,"
	    " selector, result, human_result, human_result_lang) VALUES ",
	    7, 64 },
	[T_SPF] = { "INSERT INTO spf_results (record, ordinal, domain, scope,"
	    " result, human_result, human_result_lang) VALUES ", 7, 64 },
	[T_REASONS] = { "INSERT INTO override_reasons (record, ordinal, type,"
	    " comment, comment_lang) VALUES ", 5, 64 },
	[T_WARNINGS] = { "INSERT INTO warnings (report, record, code,"
	    " message) VALUES ", 4, 64 },
};

#define MULTI_MAX	64
#define REC_BATCH	32	/* records buffered before writing */
/*
 * On PostgreSQL, more (a COPY per table costs round trips): up to
 * the end of the ingest's block of messages (store_flush).
 */
#define REC_BATCH_PG	1024

struct multi {
	struct db_stmt	*st[MULTI_MAX + 1];	/* by number of rows */
	struct db_stmt	*cur;
	int		 rows;			/* bound in cur */
	int		 param;			/* next parameter */
};

struct store {
	struct db	*db;
	char		*path;		/* for messages */
	char		*dsn;		/* to open it again */
	bool		 pg;		/* PostgreSQL */
	struct db_stmt	*warn_pg;
	struct db	*sigdb;		/* PostgreSQL: the signatures' */
	bool		 locked;	/* PostgreSQL: a domain's lock held */
	bool		 twin;		/* store_twin's: no store_reader */
	int64_t		 pend_ids[REC_BATCH_PG];	/* PostgreSQL's */
	struct db_stmt	*st[Q__COUNT];
	struct multi	 multi[T__COUNT];
	int64_t		 run_id;
	/* store_provenance: 0 for an ingest's own. */
	int64_t		 prov_run, prov_at, prov_mail;
	int64_t		 report_id;	/* open report's row */
	int64_t		 next_report;	/* ids handed out within a batch */
	int64_t		 next_record;
	int64_t		 first_record;	/* of the open report */
	const struct dr_record *pending[REC_BATCH_PG]; /* not yet written */
	int64_t		 pending_sig[REC_BATCH_PG];	/* their signatures */
	int		 npending, maxpending;
	/*
	 * PostgreSQL: the open report's domain, which its rows carry (a
	 * copy: the header the ingest gave may go before the records).
	 */
	char		*report_domain;
	/* The open mail message: no commit until it ends. */
	bool		 in_mail;
	bool		 mail_exists;	/* its row is there already */
	int64_t		 mail_id, next_mail;
	struct store_mail mail;		/* strings in mailmem */
	struct arena	 mailmem;
	uint64_t	 mail_reports, mail_dups, mail_rejected;
	/* The raw bytes of a rejected input being written. */
	bool		 in_reject;
	bool		 reject_before;	/* rejected by an earlier run */
	struct hmap	*rejected_now;	/* digests this run rejected first */
	sqlite3_blob	*rblob;		/* NULL: the bytes are not wanted */
	uint64_t	 rlen, roff;
	/* PostgreSQL: the bytes are written in pieces of RAW_PIECE. */
	bool		 rwant;
	int64_t		 rinput, rpiece;
	struct buf	 rbuf;
	bool		 in_batch;	/* BEGIN IMMEDIATE done */
	int		 reads;	/* store_read_begin depth: BEGIN done */
	bool		 in_report;	/* SAVEPOINT report done */
	unsigned	 batch_reports;
	struct timespec	 batch_start;
	bool		 readonly;
	int		 busy_ms;
	struct store_sum *sum;		/* the summary tables */
	struct store_q	 q;		/* store-query.c's statements */
};

static int	batch_begin(struct store *, struct dr_error *);
static int	flush_pg(struct store *, struct dr_error *);
static int	lock_domain(struct store *, const char *, struct dr_error *);
static int	twin_pg(struct store *, struct store **, struct dr_error *);
static int	reject_piece(struct store *, struct dr_error *);
static int	prepare_all(struct store *, struct dr_error *);
static int	open_pg(const char *, int, int, struct store **,
		    struct dr_error *);

/*
 * A database error: the path, what we were doing, SQLite's message (or
 * msg), and a hint. SQLite reports a full disk as SQLITE_FULL only for
 * the database and its journal; when creating or growing the WAL index
 * fails it says "disk I/O error", so the system's errno is named too.
 */
static int
db_err_msg(struct db *db, const char *path, struct dr_error *err,
    const char *what, const char *msg)
{
	int		 code = db_extended_errcode(db);
	int		 sys = db_system_errno(db);
	const char	*hint = "";
	char		 buf[128];

	switch (code & 0xff) {
	case DB_FULL:
		hint = " (is the disk full?)";
		break;
	case DB_READONLY:
		hint = " (no write permission on the database or its "
		    "directory?)";
		break;
	case DB_BUSY:
	case DB_LOCKED:
		hint = " (another process held the database lock too long)";
		break;
	case DB_IOERR:
	case DB_CANTOPEN:
		if (sys == 0)
			break;
		snprintf(buf, sizeof buf, " (%s%s)", strerror(sys),
		    sys == ENOSPC || sys == EDQUOT ? ": is the disk full?" :
		    "");
		hint = buf;
		break;
	default:
		break;
	}
	return dr_seterr(err, DR_E_DB, "%s: %s: %s%s", path, what,
	    msg != NULL ? msg : db_errmsg(db), hint);
}

int
store_db_err(struct db *db, const char *path, struct dr_error *err,
    const char *what)
{
	return db_err_msg(db, path, err, what, NULL);
}

int
store_q_prepare(struct store *s, struct db_stmt **st, const char *sql,
    const char *what, struct dr_error *err)
{
	if (*st != NULL)
		return 0;
	if (db_prepare_v3(s->db, sql, -1, DB_PREPARE_PERSISTENT, st,
	    NULL) != DB_OK)
		return store_db_err(s->db, s->path, err, what);
	return 0;
}

static int
db_err(struct store *s, struct dr_error *err, const char *what)
{
	return db_err_msg(s->db, s->path, err, what, NULL);
}

int
store_init(void)
{
	/*
	 * Before any other SQLite call: no memory statistics, which would
	 * take a global mutex on every allocation.
	 */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	return store_vfs_init();
}

int
store_schema_version(void)
{
	return NSCHEMA;
}

/*
 * Run one statement with no result rows. Every parameter of every
 * statement is bound before each run, so bindings are never cleared.
 */
static int
step_done(struct store *s, enum stmt q, struct dr_error *err,
    const char *what)
{
	struct db_stmt	*st = s->st[q];
	int		 rc;

	rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_err(s, err, what);
	return 0;
}

static int
exec(struct store *s, const char *sql, struct dr_error *err,
    const char *what)
{
	char	*msg = NULL;

	if (db_exec(s->db, sql, NULL, NULL, &msg) != DB_OK) {
		db_err_msg(s->db, s->path, err, what, msg);
		db_free(msg);
		return -1;
	}
	return 0;
}

static int
user_version(struct store *s, int *v, struct dr_error *err)
{
	struct db_stmt	*st;
	int		 rc;

	if (db_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
	    NULL) != DB_OK)
		return db_err(s, err, "reading the schema version");
	rc = db_step(st);
	*v = rc == DB_ROW ? db_column_int(st, 0) : -1;
	db_finalize(st);
	if (rc != DB_ROW)
		return db_err(s, err, "reading the schema version");
	return 0;
}

/*
 * Check the policy values of the reports stored before schema 006 as
 * ingest now does (valid_tag): an invalid one moves to its raw_ column,
 * with a warning; a valid one is rewritten in canonical form. The
 * signatures of the records stay right: they were made with adkim and
 * aspf 's' when the value was "s" (stored trimmed and lower-cased,
 * canonical already) and 'r' for anything else, which stays 'r' when
 * it moves to raw_*.
 */
static int
values_upgrade(struct store *s, struct dr_error *err)
{
	static const char *const cols[] = { "p", "sp", "np", "adkim",
	    "aspf", "pct", "fo", "testing" };
	struct db_stmt	*st = NULL, *up = NULL, *mv = NULL, *wn = NULL;
	char		 sql[256], val[VALID_VALUE_MAX + 1], why[VALID_WHY];
	char		 msg[VALID_WHY + 160];
	const char	*text, *tag;
	int64_t		 id;
	size_t		 i;
	int		 rc, ok;

	if (db_prepare_v2(s->db, "INSERT INTO warnings (report, record,"
	    " code, message) VALUES (?, NULL, 'policy', ?)", -1, &wn, NULL) !=
	    DB_OK)
		goto dberr;
	for (i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		tag = strcmp(cols[i], "testing") == 0 ? "t" : cols[i];
		/* One row at a time, by id: the loop updates the table. */
		snprintf(sql, sizeof sql, "SELECT id, %s FROM reports WHERE"
		    " id > ? AND %s IS NOT NULL ORDER BY id LIMIT 1", cols[i],
		    cols[i]);
		if (db_prepare_v2(s->db, sql, -1, &st, NULL) != DB_OK)
			goto dberr;
		snprintf(sql, sizeof sql, "UPDATE reports SET %s = ? WHERE"
		    " id = ?", cols[i]);
		if (db_prepare_v2(s->db, sql, -1, &up, NULL) != DB_OK)
			goto dberr;
		snprintf(sql, sizeof sql, "UPDATE reports SET raw_%s = %s,"
		    " %s = NULL WHERE id = ?", cols[i], cols[i], cols[i]);
		if (db_prepare_v2(s->db, sql, -1, &mv, NULL) != DB_OK)
			goto dberr;
		for (id = 0;;) {
			db_bind_int64(st, 1, id);
			rc = db_step(st);
			if (rc == DB_DONE)
				break;
			if (rc != DB_ROW)
				goto dberr;
			id = db_column_int64(st, 0);
			text = (const char *)db_column_text(st, 1);
			ok = text != NULL && strlen(text) < sizeof val;
			if (ok) {
				memcpy(val, text, strlen(text) + 1);
				ok = valid_tag(tag, val, why, sizeof why) == 0;
			} else
				snprintf(why, sizeof why, "longer than %d "
				    "bytes", VALID_VALUE_MAX);
			if (ok && strcmp(val, text) == 0) {
				db_reset(st);
				continue;
			}
			if (ok) {
				/* Canonical, and pct stays a number. */
				if (strcmp(cols[i], "pct") == 0)
					db_bind_int64(up, 1,
					    strtoll(val, NULL, 10));
				else
					db_bind_text(up, 1, val, -1,
					    DB_TRANSIENT);
				db_reset(st);
				db_bind_int64(up, 2, id);
				rc = db_step(up);
				db_reset(up);
				if (rc != DB_DONE)
					goto dberr;
				continue;
			}
			db_reset(st);
			db_bind_int64(mv, 1, id);
			rc = db_step(mv);
			db_reset(mv);
			if (rc != DB_DONE)
				goto dberr;
			snprintf(msg, sizeof msg, "%s is not valid DMARC (%s): "
			    "moved to raw_%s when the schema was updated, "
			    "never in a record", cols[i], why, cols[i]);
			db_bind_int64(wn, 1, id);
			db_bind_text(wn, 2, msg, -1, DB_STATIC);
			rc = db_step(wn);
			db_reset(wn);
			if (rc != DB_DONE)
				goto dberr;
		}
		db_finalize(st);
		db_finalize(up);
		db_finalize(mv);
		st = up = mv = NULL;
	}
	db_finalize(wn);
	return 0;
dberr:
	db_err(s, err, "checking the stored policy values");
	db_finalize(st);
	db_finalize(up);
	db_finalize(mv);
	db_finalize(wn);
	return -1;
}

/*
 * Signatures stored before 012 get their facts and identity, as ingest
 * computes them (tally_facts, tally_ident), read in id order: each
 * signature's rows are together.
 */
static int
facts_upgrade(struct store *s, struct dr_error *err)
{
	struct db_stmt	*st = NULL, *up = NULL;
	struct arena	 a;
	struct buf	 passes = { 0 };
	struct sig	 g;
	const struct sig_result *r;
	int64_t		 id = 0;
	long		 f;
	int		 rc, ret = -1;

	memset(&a, 0, sizeof a);
	if (db_prepare_v2(s->db, "SELECT id FROM auth_sigs WHERE id > ?"
	    " AND facts IS NULL ORDER BY id LIMIT 1", -1, &st, NULL) !=
	    DB_OK || db_prepare_v2(s->db, "UPDATE auth_sigs SET"
	    " facts = ?, passes = ?, ident = ? WHERE id = ?", -1, &up,
	    NULL) !=
	    DB_OK) {
		db_err(s, err, "keeping the signatures' facts");
		goto out;
	}
	for (;;) {
		db_bind_int64(st, 1, id);
		rc = db_step(st);
		if (rc == DB_ROW)
			id = db_column_int64(st, 0);
		db_reset(st);
		if (rc == DB_DONE)
			break;
		if (rc != DB_ROW) {
			db_err(s, err, "keeping the signatures' facts");
			goto out;
		}
		arena_reset(&a);
		if (store_sig(s, id, &a, &g, err) == -1)
			goto out;
		if ((f = tally_facts(&g, &passes)) == -1) {
			dr_seterr(err, DR_E_NOMEM, "out of memory");
			goto out;
		}
		db_bind_int64(up, 1, f);
		if (passes.len > 0)
			db_bind_text(up, 2, passes.data, (int)passes.len,
			    DB_STATIC);
		else
			db_bind_null(up, 2);
		r = tally_ident(&g, NULL);
		if (r != NULL && r->domain != NULL)
			db_bind_text(up, 3, r->domain, -1, DB_STATIC);
		else
			db_bind_null(up, 3);
		db_bind_int64(up, 4, id);
		rc = db_step(up);
		db_reset(up);
		if (rc != DB_DONE) {
			db_err(s, err, "keeping the signatures' facts");
			goto out;
		}
	}
	ret = 0;
out:
	db_finalize(st);
	db_finalize(up);
	arena_free(&a);
	buf_free(&passes);
	return ret;
}

/* Apply the schema files the database has not seen, in one transaction. */
static int
migrate(struct store *s, struct dr_error *err)
{
	char	sql[64];
	int	v, i, rc;

	if (user_version(s, &v, err) == -1)
		return -1;
	if (v > NSCHEMA)
		return dr_seterr(err, DR_E_DB, "%s: database schema version "
		    "%d is newer than this dmarcdb supports (%d): use a newer "
		    "dmarcdb", s->path, v, NSCHEMA);
	if (v == NSCHEMA)
		return 0;
	if (exec(s, "BEGIN IMMEDIATE", err, "starting the schema update")
	    == -1)
		return -1;
	/* Another process may have migrated while we waited. */
	if (user_version(s, &v, err) == -1)
		goto fail;
	/*
	 * A new database: what the schema files leave, in one piece
	 * (tools/schema-fresh.c); an old one: the files it lacks.
	 */
	if (v == 0 && exec(s, schema_fresh, err, "creating the schema") ==
	    -1)
		goto fail;
	for (i = v; v > 0 && i < NSCHEMA; i++) {
		if (exec(s, schema_sql[i], err, "updating the schema") == -1)
			goto fail;
	}
	/* Rows stored before 005 get their days and signatures. */
	if (v > 0 && v < SCHEMA_SIGS) {
		struct store_sum *m = sum_new(s->db, NULL, s->path, err);
		if (m == NULL)
			goto fail;
		rc = sum_upgrade(m, v, err);
		sum_free(m);
		if (rc == -1)
			goto fail;
	}
	/* Policy values stored before 006 are checked as ingest does. */
	if (v > 0 && v < SCHEMA_VALUES && values_upgrade(s, err) == -1)
		goto fail;
	/*
	 * Records stored before 012 with a local_policy reason and a
	 * comment are signed again; then every signature whose facts are
	 * not kept yet (all, from before 012) gets them.
	 */
	if (v > 0 && v < SCHEMA_EVIDENCE) {
		struct store_sum *m = sum_new(s->db, NULL, s->path, err);
		if (m == NULL)
			goto fail;
		rc = sum_resign_local(m, err);
		sum_free(m);
		if (rc == -1)
			goto fail;
	}
	if (v > 0 && v < SCHEMA_EVIDENCE && facts_upgrade(s, err) == -1)
		goto fail;
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", NSCHEMA);
	if (exec(s, sql, err, "updating the schema") == -1 ||
	    exec(s, "COMMIT", err, "updating the schema") == -1)
		goto fail;
	return 0;
fail:
	db_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * Switch to WAL once; it sticks to the file. Switching takes a lock
 * without going through the busy handler, so a second process opening
 * a new database at the same moment retries here.
 */
static int
set_wal(struct store *s, int busy_ms, struct dr_error *err)
{
	struct db_stmt		*st;
	struct timespec		 nap = { 0, 20 * 1000 * 1000 };
	int			 rc, waited = 0, tried = 0;
	bool			 wal;

	for (;;) {
		rc = db_prepare_v2(s->db, "PRAGMA journal_mode", -1, &st,
		    NULL);
		if (rc == DB_OK && db_step(st) == DB_ROW) {
			wal = strcmp((const char *)db_column_text(st, 0),
			    "wal") == 0;
			db_finalize(st);
			if (wal)
				return 0;
			if (tried)
				return dr_seterr(err, DR_E_DB, "%s: cannot "
				    "switch to WAL mode (read-only?)", s->path);
			rc = db_exec(s->db, "PRAGMA journal_mode = WAL",
			    NULL, NULL, NULL);
			if (rc == DB_OK) {
				tried = 1;	/* check that it took */
				continue;
			}
		} else {
			rc = db_errcode(s->db);
			db_finalize(st);
		}
		if ((rc & 0xff) != DB_BUSY && (rc & 0xff) != DB_LOCKED)
			return db_err(s, err, "setting WAL mode");
		if (waited >= busy_ms)
			return db_err(s, err, "setting WAL mode");
		nanosleep(&nap, NULL);
		waited += 20;
	}
}

int
store_open(const char *path, int busy_ms, int flags, struct store **sp,
    struct dr_error *err)
{
	struct store	*s;
	int		 rc, ro;

	*sp = NULL;
	if (store_pg_name(path))
		return open_pg(path, busy_ms, flags, sp, err);
	if (dbfile_prepare(path, flags, err) == -1)
		return -1;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	s->path = strdup(path);
	s->dsn = strdup(path);
	if (s->path == NULL || s->dsn == NULL) {
		free(s->path);
		free(s->dsn);
		free(s);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	s->busy_ms = busy_ms;
	s->maxpending = REC_BATCH;
	s->db = calloc(1, sizeof *s->db);
	if (s->db == NULL) {
		free(s->path);
		free(s);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	rc = sqlite3_open_v2(path, &s->db->lite, ((flags & STORE_READER) != 0 ?
	    SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
	    ((flags & STORE_CREATE) != 0 ? SQLITE_OPEN_CREATE : 0) |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != DB_OK) {
		if (s->db->lite == NULL) {
			free(s->db);
			free(s->path);
			free(s->dsn);
			free(s);
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		}
		db_err(s, err, "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db->lite, 1);
	sqlite3_busy_timeout(s->db->lite, busy_ms);
	if (dbfile_opened(s->db, path, flags, &ro, err) == -1)
		goto fail;
	s->readonly = ro != 0;
	/*
	 * WAL lets readers work while an ingest writes, and two ingests
	 * take turns. synchronous=NORMAL: a commit survives a crash of
	 * the process; an operating system crash may lose the last ones.
	 * temp_store = FILE: statement journals and sorts larger than
	 * their memory (store-vfs.c, and the page cache) go to temporary
	 * files (deleted as soon as they are opened), so that a report of
	 * any size, a window of any size or a schema update that drops a
	 * big table (source_days of 10 million records: 480 MB of
	 * journal) take the same memory. A read-only connection leaves
	 * the journal mode and the schema as they are: it cannot change
	 * them.
	 */
	if (exec(s, "PRAGMA temp_store = FILE", err, "setting temp_store") ==
	    -1)
		goto fail;
	if (s->readonly) {
		int v;
		if (user_version(s, &v, err) == -1)
			goto fail;
		if (v > NSCHEMA) {
			dr_seterr(err, DR_E_DB, "%s: database schema version "
			    "%d is newer than this dmarcdb supports (%d): use "
			    "a newer dmarcdb", path, v, NSCHEMA);
			goto fail;
		}
		if (v != NSCHEMA && (flags & STORE_READER) != 0) {
			dr_seterr(err, DR_E_DB, "%s: schema version %d, not %d",
			    path, v, NSCHEMA);
			goto fail;
		}
		if (v != NSCHEMA) {
			dr_seterr(err, DR_E_DB, "%s: schema version %d is "
			    "older than this dmarcdb's (%d), and this user "
			    "cannot write it to update it: run any dmarcdb "
			    "command on it once as its owner, such as ingest "
			    "(dmarcdb(1), SHARED DATABASE)", path, v, NSCHEMA);
			goto fail;
		}
		/* A report command's, as below. */
		if ((flags & STORE_READER) == 0 && exec(s, "PRAGMA "
		    "cache_size = -16384", err, "setting the cache") == -1)
			goto fail;
	} else if (set_wal(s, busy_ms, err) == -1 ||
	    exec(s, "PRAGMA synchronous = NORMAL", err,
	    "setting synchronous mode") == -1 ||
	    exec(s, "PRAGMA cache_size = -16384", err, "setting the cache") ==
	    -1 || migrate(s, err) == -1)
		goto fail;
	if (prepare_all(s, err) == -1)
		goto fail;
	*sp = s;
	return 0;
fail:
	store_close(s);
	return -1;
}

/* The summary's and the store's statements, for either database. */
static int
prepare_all(struct store *s, struct dr_error *err)
{
	const char	*sql;
	int		 i;

	if (!s->readonly) {
		/*
		 * PostgreSQL's signatures: a connection of their own, on
		 * which they are added in short transactions of their own
		 * (sum_resolve, store-sum.c). Their commits need not
		 * wait for the disk: a report that uses one commits after
		 * it, and a commit that waits for the disk writes the log up
		 * to itself, the signature with it (a signature lost in a
		 * crash was used by no report kept). Waiting, a report of a
		 * million signatures of their own took 341 s to ingest.
		 */
		if (s->pg) {
			char msg[512];
			if (db_pg_connect(s->dsn, &s->sigdb, msg, sizeof msg) ==
			    -1)
				return dr_seterr(err, DR_E_DB, "%s: cannot "
				    "connect: %s", s->path, msg);
			if (db_exec(s->sigdb, "SET synchronous_commit = off",
			    NULL, NULL, NULL) != DB_OK)
				return store_db_err(s->sigdb, s->path, err,
				    "connecting");
		}
		s->sum = sum_new(s->db, s->sigdb, s->path, err);
		if (s->sum == NULL)
			return -1;
	}
	for (i = 0; i < Q__COUNT; i++) {
		sql = s->pg && stmt_pg[i] != NULL ? stmt_pg[i] : stmt_sql[i];
		if (db_prepare_v3(s->db, sql, -1, DB_PREPARE_PERSISTENT |
		    DB_PREPARE_LAZY, &s->st[i], NULL) != DB_OK)
			return db_err(s, err, "preparing a statement");
	}
	if (s->pg && db_prepare_v3(s->db, warning_pg, -1,
	    DB_PREPARE_PERSISTENT, &s->warn_pg, NULL) != DB_OK)
		return db_err(s, err, "preparing a statement");
	return 0;
}

/*
 * A PostgreSQL database (store-pg.c). Many ingests may write it at
 * once: the server decides, with its locks and unique keys.
 */
static int
open_pg(const char *dsn, int busy_ms, int flags, struct store **sp,
    struct dr_error *err)
{
	struct store	*s;
	int		 ro;

	s = calloc(1, sizeof *s);
	if (s == NULL || (s->dsn = strdup(dsn)) == NULL) {
		free(s);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	s->pg = true;
	s->busy_ms = busy_ms;
	s->maxpending = REC_BATCH_PG;
	if (store_pg_open(dsn, flags, &s->db, &s->path, &ro, err) == -1)
		goto fail;
	s->readonly = ro != 0;
	if (prepare_all(s, err) == -1)
		goto fail;
	*sp = s;
	return 0;
fail:
	store_close(s);
	return -1;
}

struct store_lock {
	int		 fd;		/* SQLite: the lock file */
	struct store	*conn;		/* PostgreSQL: its connection */
};

int
store_lock(struct store *s, const char *name, int (*stop)(void *),
    void *arg, struct store_lock **out, struct dr_error *err)
{
	struct timespec		 nap = { 0, 100 * 1000 * 1000 };
	struct store_lock	*l;
	struct store		*c = NULL;
	char			 where[PATH_MAX];
	int			 fd = -1, got, waited;

	*out = NULL;
	/* PostgreSQL's lock is a session's: a connection of its own. */
	if (s->pg) {
		if (store_open(s->dsn, s->busy_ms, STORE_READER, &c, err) ==
		    -1)
			return -1;
		snprintf(where, sizeof where, "%s: the %s lock", s->path,
		    name);
	} else if (dbfile_lock_open(s->path, name, where, sizeof where, &fd,
	    err) == -1)
		return -1;
	for (waited = 0;; waited += 100) {
		got = s->pg ? store_pg_trylock(c->db, c->path, name, err) :
		    dbfile_trylock(fd, where, err);
		if (got == 1)
			break;
		if (got == -1)
			goto fail;
		if (stop(arg)) {
			dr_seterr(err, DR_E_IO, "stopped");
			goto fail;
		}
		if (waited >= s->busy_ms) {
			dr_seterr(err, DR_E_DB, "%s: another dmarcdb has held "
			    "it for too long", where);
			goto fail;
		}
		if (waited == 0)
			log_verbose("waiting for another dmarcdb (%s)", where);
		nanosleep(&nap, NULL);
	}
	if ((l = calloc(1, sizeof *l)) == NULL) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		goto fail;
	}
	l->fd = fd;
	l->conn = c;
	*out = l;
	return 0;
fail:
	store_close(c);
	if (fd != -1)
		close(fd);
	return -1;
}

void
store_unlock(struct store_lock *l)
{
	if (l == NULL)
		return;
	if (l->fd != -1)
		close(l->fd);
	store_close(l->conn);	/* and its advisory lock */
	free(l);
}

int
store_exists(const char *path)
{
	struct stat	st;

	return store_pg_name(path) || stat(path, &st) == 0;
}

int
store_readonly(const struct store *s)
{
	return s->readonly;
}

struct db *
store_conn(struct store *s)
{
	return s->db;
}

int64_t
store_run_id(const struct store *s)
{
	return s->prov_run > 0 ? s->prov_run : s->run_id;
}

struct store_q *
store_queries(struct store *s)
{
	return &s->q;
}

int
store_split(struct arena *a, const char *text, const char ***out, size_t *n)
{
	const char	*p, *e;
	const char	**arr;
	size_t		 cnt = 0, i = 0;

	for (p = text; *p != '\0'; p = e) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (e = p; *e != '\0' && *e != ' '; e++)
			;
		cnt++;
	}
	arr = arena_alloc(a, (cnt ? cnt : 1) * sizeof *arr);
	if (arr == NULL)
		return -1;
	for (p = text; *p != '\0' && i < cnt; p = e) {
		while (*p == ' ')
			p++;
		for (e = p; *e != '\0' && *e != ' '; e++)
			;
		arr[i] = arena_strndup(a, p, (size_t)(e - p));
		if (arr[i++] == NULL)
			return -1;
	}
	*out = arr;
	*n = cnt;
	return 0;
}

const char *
store_path(const struct store *s)
{
	return s->path;
}

const char *
store_dsn(const struct store *s)
{
	return s->dsn;
}

int
store_busy_ms(const struct store *s)
{
	return s->busy_ms;
}

void
store_close(struct store *s)
{
	int	i;

	if (s == NULL)
		return;
	if (s->db == NULL) {
		free(s->path);
		free(s->dsn);
		free(s);
		return;
	}
	if (s->in_report)
		store_report_abort(s);
	if (s->in_reject) {
		/* Half written: not committed. */
		sqlite3_blob_close(s->rblob);
		s->rblob = NULL;
		s->in_reject = false;
		db_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_batch = false;
	}
	if (s->in_batch) {
		struct dr_error err;
		store_commit(s, &err);
	}
	arena_free(&s->mailmem);
	buf_free(&s->rbuf);
	free(s->report_domain);
	/* Prepared statements go with the connection. */
	if (s->pg)
		db_pg_closing(s->db);
	if (s->sigdb != NULL)
		db_pg_closing(s->sigdb);
	sum_free(s->sum);
	db_pg_close(s->sigdb);
	hmap_free(s->rejected_now);
	db_finalize(s->q.sig);
	db_finalize(s->q.sigs);
	db_finalize(s->q.ptr_get);
	db_finalize(s->q.ptr_put);
	db_finalize(s->q.alert_known);
	db_finalize(s->q.alert_sent);
	db_finalize(s->q.alert_seen);
	db_finalize(s->q.file_known);
	db_finalize(s->q.file_put);
	for (i = 0; i < Q__COUNT; i++)
		db_finalize(s->st[i]);
	db_finalize(s->warn_pg);
	for (i = 0; i < T__COUNT; i++) {
		int r;
		for (r = 0; r <= MULTI_MAX; r++)
			db_finalize(s->multi[i].st[r]);
	}
	/*
	 * A read transaction (store_read_begin) ends here, committed: the
	 * report commands write their reverse DNS cache inside it.
	 */
	if (!db_get_autocommit(s->db) && (s->reads == 0 ||
	    db_exec(s->db, "COMMIT", NULL, NULL, NULL) != DB_OK))
		db_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	if (s->pg)
		db_pg_close(s->db);
	else {
		sqlite3_close(s->db->lite);
		free(s->db);
	}
	free(s->path);
	free(s->dsn);
	free(s);
}

int
store_run_begin(struct store *s, struct dr_error *err)
{
	struct db_stmt	*st = s->st[Q_RUN_INSERT];
	int		 rc;

	db_bind_int64(st, 1, (int64_t)time(NULL));
	db_bind_text(st, 2, PACKAGE_VERSION, -1, DB_STATIC);
	rc = db_step(st);
	s->run_id = db_column_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_err(s, err, "recording the run");
	return 0;
}

int
store_run_end(struct store *s, const struct store_counts *c,
    struct dr_error *err)
{
	struct db_stmt	*st = s->st[Q_RUN_UPDATE];

	if (store_commit(s, err) == -1)
		return -1;
	db_bind_int64(st, 1, (int64_t)time(NULL));
	db_bind_int64(st, 2, (int64_t)c->inputs);
	db_bind_int64(st, 3, (int64_t)c->stored);
	db_bind_int64(st, 4, (int64_t)c->duplicates);
	db_bind_int64(st, 5, (int64_t)c->superseded);
	db_bind_int64(st, 6, (int64_t)c->rejected);
	db_bind_int64(st, 7, (int64_t)c->records);
	db_bind_int64(st, 8, (int64_t)c->messages);
	db_bind_int64(st, 9, (int64_t)c->mail_read);
	db_bind_int64(st, 10, (int64_t)c->mail_known);
	db_bind_int64(st, 11, (int64_t)c->unreadable);
	db_bind_int64(st, 12, s->run_id);
	return step_done(s, Q_RUN_UPDATE, err, "recording the run");
}

int
store_has_report(struct store *s, const unsigned char sha[SHA256_LEN],
    unsigned part, struct dr_error *err)
{
	struct db_stmt	*st = s->st[Q_HAS_SHA];
	int		 rc;

	db_bind_blob(st, 1, sha, SHA256_LEN, DB_STATIC);
	db_bind_int(st, 2, (int)part);
	rc = db_step(st);
	db_reset(st);
	db_clear_bindings(st);
	if (rc == DB_ROW)
		return 1;
	if (rc == DB_DONE)
		return 0;
	return db_err(s, err, "looking up a report");
}

/* Bind a string or NULL. */
static void
bind_s(struct db_stmt *st, int i, const char *v)
{
	if (v == NULL)
		db_bind_null(st, i);
	else
		db_bind_text(st, i, v, -1, DB_STATIC);
}

/* --- writing many rows per statement ---------------------------------- */

static struct db_stmt *
multi_prepare(struct store *s, enum multi_table t, int rows,
    struct dr_error *err)
{
	const struct multi_def	*d = &multi_defs[t];
	struct multi		*m = &s->multi[t];
	char			 sql[8192], *p;
	int			 r, c;

	if (m->st[rows] != NULL)
		return m->st[rows];
	p = sql + snprintf(sql, sizeof sql, "%s", d->head);
	for (r = 0; r < rows; r++) {
		*p++ = r ? ',' : ' ';
		*p++ = '(';
		for (c = 0; c < d->ncols; c++) {
			if (c > 0)
				*p++ = ',';
			*p++ = '?';
		}
		*p++ = ')';
	}
	*p = '\0';
	if (db_prepare_v3(s->db, sql, -1, DB_PREPARE_PERSISTENT,
	    &m->st[rows], NULL) != DB_OK) {
		db_err(s, err, "preparing a statement");
		return NULL;
	}
	return m->st[rows];
}

/* Write the rows bound so far, if any. */
static int
multi_flush(struct store *s, enum multi_table t, struct dr_error *err)
{
	struct multi	*m = &s->multi[t];
	int		 rc;

	if (m->rows == 0)
		return 0;
	rc = db_step(m->cur);
	db_reset(m->cur);
	m->rows = 0;
	if (rc != DB_DONE)
		return db_err(s, err, "storing records");
	return 0;
}

/*
 * Start a row in table t, of n rows to come in all: returns the
 * statement whose next parameters are this row's (m->param on).
 */
static struct db_stmt *
multi_row(struct store *s, enum multi_table t, int n, struct dr_error *err)
{
	const struct multi_def	*d = &multi_defs[t];
	struct multi		*m = &s->multi[t];
	int			 rows;

	if (m->rows == 0) {
		rows = n < d->max ? n : d->max;
		m->cur = multi_prepare(s, t, rows, err);
		if (m->cur == NULL)
			return NULL;
		m->param = 1;
	}
	m->rows++;
	return m->cur;
}

/* After a row's last parameter: write the statement once it is full. */
static int
multi_row_done(struct store *s, enum multi_table t, struct dr_error *err)
{
	struct multi	*m = &s->multi[t];

	if (m->param > db_bind_parameter_count(m->cur))
		return multi_flush(s, t, err);
	return 0;
}

/* Bind helpers for the multi-row statements. */
static void
mb_s(struct store *s, enum multi_table t, const char *v)
{
	struct multi	*m = &s->multi[t];

	if (v == NULL)
		db_bind_null(m->cur, m->param++);
	else
		db_bind_text(m->cur, m->param++, v, -1, DB_STATIC);
}

static void
mb_i(struct store *s, enum multi_table t, int64_t v)
{
	struct multi	*m = &s->multi[t];

	db_bind_int64(m->cur, m->param++, v);
}

static void
mb_null(struct store *s, enum multi_table t)
{
	struct multi	*m = &s->multi[t];

	db_bind_null(m->cur, m->param++);
}

/* --- reports and records ---------------------------------------------- */

/*
 * PostgreSQL: the lock of a report's policy domain, which the batch
 * holds until it commits (store-pg.c): one ingest at a time decides
 * whether a report of the domain is new. An ingest never waits for one
 * while it holds others, or a row another may wait for (store_locks),
 * so that two cannot wait for each other: when another holds it, the
 * batch is committed first (not inside a mail message, which is
 * committed whole).
 */
static int
lock_domain(struct store *s, const char *domain, struct dr_error *err)
{
	int	got;

	/* The report's id comes with it (store_pg_domain_lock). */
	got = store_pg_domain_lock(s->db, s->path, domain, 0,
	    &s->next_report, err);
	if (got == 1)
		s->locked = true;
	if (got != 0)
		return got == 1 ? 0 : -1;
	/* Locks of reports rolled back (duplicates) are held too. */
	if (!s->in_mail && s->locked &&
	    (store_commit(s, err) == -1 || batch_begin(s, err) == -1))
		return -1;
	if (store_pg_domain_lock(s->db, s->path, domain, 1, &s->next_report,
	    err) == -1)
		return -1;
	s->locked = true;
	return 0;
}

int
store_report_begin(struct store *s, const struct dr_report *r,
    struct dr_error *err)
{
	/* (PostgreSQL: the report's id comes with the domain's lock.) */
	if (batch_begin(s, err) == -1 || (s->pg && lock_domain(s, r->domain,
	    err) == -1) ||
	    step_done(s, Q_SAVEPOINT, err, "starting a report") == -1)
		return -1;
	sum_begin(s->sum, r);
	s->in_report = true;
	s->report_id = s->next_report++;
	free(s->report_domain);
	s->report_domain = NULL;
	if (s->pg && (s->report_domain = strdup(r->domain != NULL ? r->domain :
	    "")) == NULL) {
		store_report_abort(s);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	s->first_record = s->next_record;
	s->npending = 0;
	return 0;
}

static int
add_warning(struct store *s, int64_t record, const struct dr_warning *w,
    int left, struct dr_error *err)
{
	if (s->pg) {
		struct db_stmt *st = s->warn_pg;
		int rc;
		db_bind_int64(st, 1, s->report_id);
		if (record > 0)
			db_bind_int64(st, 2, record);
		else
			db_bind_null(st, 2);
		bind_s(st, 3, w->code);
		bind_s(st, 4, w->msg);
		bind_s(st, 5, s->report_domain);
		rc = db_step(st);
		db_reset(st);
		if (rc != DB_DONE)
			return db_err(s, err, "storing a warning");
		return 0;
	}
	if (multi_row(s, T_WARNINGS, left, err) == NULL)
		return -1;
	mb_i(s, T_WARNINGS, s->report_id);
	if (record > 0)
		mb_i(s, T_WARNINGS, record);
	else
		mb_null(s, T_WARNINGS);
	mb_s(s, T_WARNINGS, w->code);
	mb_s(s, T_WARNINGS, w->msg);
	return multi_row_done(s, T_WARNINGS, err);
}

int
store_report_warning(struct store *s, const char *code, const char *msg,
    struct dr_error *err)
{
	struct dr_warning	w = { code, msg };

	if (add_warning(s, 0, &w, 1, err) == -1)
		return -1;
	return multi_flush(s, T_WARNINGS, err);
}

/*
 * PostgreSQL: the records' ids, from their sequence in one statement
 * (consecutive, unless another ingest takes some at the same time),
 * and their rows by COPY.
 */
static int
flush_pg(struct store *s, struct dr_error *err)
{
	int	n = s->npending;

	if (sum_resolve(s->sum, s->pending_sig, (size_t)n, err) == -1 ||
	    store_pg_ids(s->db, s->path, "records_id_seq", n, s->pend_ids,
	    err) == -1)
		return -1;
	if (store_pg_records(s->db, s->path, s->report_domain, s->report_id,
	    s->pending, s->pend_ids, s->pending_sig, n, err) == -1)
		return -1;
	s->npending = 0;
	return 0;
}

/*
 * Write the buffered records and their results: each table's rows go
 * out many to a statement. The records' ids were handed out in order,
 * so they are known before anything is written.
 */
int
store_flush(struct store *s, struct dr_error *err)
{
	int64_t		id;
	int		i, n = s->npending, left;
	size_t		j;

	if (n == 0)
		return 0;
	if (s->pg)
		return flush_pg(s, err);
	id = s->next_record - n;
	for (i = 0; i < n; i++) {
		const struct dr_record *r = s->pending[i];
		if (multi_row(s, T_RECORDS, n - i, err) == NULL)
			return -1;
		mb_i(s, T_RECORDS, id + i);
		mb_i(s, T_RECORDS, s->report_id);
		mb_i(s, T_RECORDS, (int64_t)r->ordinal);
		mb_s(s, T_RECORDS, r->source_ip);
		mb_i(s, T_RECORDS, r->count);
		mb_s(s, T_RECORDS, r->disposition);
		mb_s(s, T_RECORDS, r->dkim);
		mb_s(s, T_RECORDS, r->spf);
		mb_s(s, T_RECORDS, r->header_from);
		mb_s(s, T_RECORDS, r->envelope_from);
		mb_s(s, T_RECORDS, r->envelope_to);
		mb_s(s, T_RECORDS, r->extensions);
		mb_i(s, T_RECORDS, s->pending_sig[i]);
		if (multi_row_done(s, T_RECORDS, err) == -1)
			return -1;
	}
	for (left = 0, i = 0; i < n; i++)
		left += (int)s->pending[i]->ndkims;
	for (i = 0; i < n; i++) {
		const struct dr_record *r = s->pending[i];
		for (j = 0; j < r->ndkims; j++, left--) {
			const struct dr_dkim *d = &r->dkims[j];
			if (multi_row(s, T_DKIM, left, err) == NULL)
				return -1;
			mb_i(s, T_DKIM, id + i);
			mb_i(s, T_DKIM, (int64_t)j + 1);
			mb_s(s, T_DKIM, d->domain);
			mb_s(s, T_DKIM, d->selector);
			mb_s(s, T_DKIM, d->result);
			mb_s(s, T_DKIM, d->human_result);
			mb_s(s, T_DKIM, d->human_result_lang);
			if (multi_row_done(s, T_DKIM, err) == -1)
				return -1;
		}
	}
	for (left = 0, i = 0; i < n; i++)
		left += (int)s->pending[i]->nspfs;
	for (i = 0; i < n; i++) {
		const struct dr_record *r = s->pending[i];
		for (j = 0; j < r->nspfs; j++, left--) {
			const struct dr_spf *p = &r->spfs[j];
			if (multi_row(s, T_SPF, left, err) == NULL)
				return -1;
			mb_i(s, T_SPF, id + i);
			mb_i(s, T_SPF, (int64_t)j + 1);
			mb_s(s, T_SPF, p->domain);
			mb_s(s, T_SPF, p->scope);
			mb_s(s, T_SPF, p->result);
			mb_s(s, T_SPF, p->human_result);
			mb_s(s, T_SPF, p->human_result_lang);
			if (multi_row_done(s, T_SPF, err) == -1)
				return -1;
		}
	}
	for (left = 0, i = 0; i < n; i++)
		left += (int)s->pending[i]->nreasons;
	for (i = 0; i < n; i++) {
		const struct dr_record *r = s->pending[i];
		for (j = 0; j < r->nreasons; j++, left--) {
			const struct dr_reason *o = &r->reasons[j];
			if (multi_row(s, T_REASONS, left, err) == NULL)
				return -1;
			mb_i(s, T_REASONS, id + i);
			mb_i(s, T_REASONS, (int64_t)j + 1);
			mb_s(s, T_REASONS, o->type);
			mb_s(s, T_REASONS, o->comment);
			mb_s(s, T_REASONS, o->comment_lang);
			if (multi_row_done(s, T_REASONS, err) == -1)
				return -1;
		}
	}
	for (left = 0, i = 0; i < n; i++)
		left += (int)s->pending[i]->nwarnings;
	for (i = 0; i < n; i++) {
		const struct dr_record *r = s->pending[i];
		for (j = 0; j < r->nwarnings; j++, left--)
			if (add_warning(s, id + i, &r->warnings[j], left,
			    err) == -1)
				return -1;
	}
	s->npending = 0;
	return 0;
}

int
store_record(struct store *s, const struct dr_record *r,
    struct dr_error *err)
{
	if (sum_record(s->sum, r, &s->pending_sig[s->npending], err) == -1)
		return -1;
	s->pending[s->npending++] = r;
	s->next_record++;
	if (s->npending == s->maxpending)
		return store_flush(s, err);
	return 0;
}

static int
set_status(struct store *s, int64_t id, const char *status, int64_t by,
    struct dr_error *err)
{
	struct db_stmt	*st = s->st[Q_REPORT_STATUS];

	db_bind_text(st, 1, status, -1, DB_STATIC);
	if (by > 0)
		db_bind_int64(st, 2, by);
	else
		db_bind_null(st, 2);
	db_bind_int64(st, 3, id);
	return step_done(s, Q_REPORT_STATUS, err, "updating a report");
}

static int
insert_report(struct store *s, const struct dr_report *r,
    const struct store_doc *doc, const char *status, int64_t by,
    struct dr_error *err)
{
	struct db_stmt	*st = s->st[Q_REPORT_INSERT];
	int		 i = 1;

	db_bind_int64(st, i++, s->report_id);
	db_bind_int64(st, i++, store_run_id(s));
	bind_s(st, i++, status);
	if (by > 0)
		db_bind_int64(st, i++, by);
	else
		db_bind_null(st, i++);
	bind_s(st, i++, doc->origin);
	db_bind_int64(st, i++, doc->received_at);
	db_bind_int64(st, i++, s->prov_at > 0 ? s->prov_at :
	    (int64_t)time(NULL));
	db_bind_blob(st, i++, doc->sha256, SHA256_LEN, DB_STATIC);
	db_bind_int(st, i++, (int)doc->part);
	db_bind_int64(st, i++, (int64_t)doc->xml_size);
	bind_s(st, i++, r->schema == DR_SCHEMA_RFC9990 ? "rfc9990" :
	    "rfc7489");
	bind_s(st, i++, r->xmlns);
	bind_s(st, i++, r->version);
	bind_s(st, i++, r->org_name);
	bind_s(st, i++, r->email);
	bind_s(st, i++, r->extra_contact_info);
	bind_s(st, i++, r->extra_contact_info_lang);
	bind_s(st, i++, r->report_id);
	bind_s(st, i++, r->generator);
	db_bind_int64(st, i++, r->begin);
	db_bind_int64(st, i++, r->end);
	/* PostgreSQL's reports carry '' for none (schema/pg). */
	bind_s(st, i++, r->domain == NULL && s->pg ? "" : r->domain);
	bind_s(st, i++, r->adkim);
	bind_s(st, i++, r->aspf);
	bind_s(st, i++, r->p);
	bind_s(st, i++, r->sp);
	bind_s(st, i++, r->np);
	if (r->pct >= 0)
		db_bind_int64(st, i++, r->pct);
	else
		db_bind_null(st, i++);
	bind_s(st, i++, r->fo);
	bind_s(st, i++, r->testing);
	bind_s(st, i++, r->discovery_method);
	bind_s(st, i++, r->extensions);
	bind_s(st, i++, r->reporter);
	bind_s(st, i++, r->report_id_norm);
	db_bind_int64(st, i++, (int64_t)r->nrecords);
	db_bind_int64(st, i++, (int64_t)r->nmessages);
	if (s->in_mail)
		db_bind_int64(st, i++, s->mail_id);
	else if (s->prov_mail > 0)
		db_bind_int64(st, i++, s->prov_mail);
	else
		db_bind_null(st, i++);
	db_bind_int64(st, i++, tally_day(r->begin, r->end));
	bind_s(st, i++, r->raw_p);
	bind_s(st, i++, r->raw_sp);
	bind_s(st, i++, r->raw_np);
	bind_s(st, i++, r->raw_adkim);
	bind_s(st, i++, r->raw_aspf);
	bind_s(st, i++, r->raw_pct);
	bind_s(st, i++, r->raw_fo);
	bind_s(st, i++, r->raw_testing);
	return step_done(s, Q_REPORT_INSERT, err, "storing a report");
}

/*
 * The active report with the same key, if any: its id, receipt time
 * and digest. Returns 1 found, 0 none, -1 error. On PostgreSQL the
 * same statement also says whether the report's digest is stored
 * (*dup), a round trip less; on SQLite *dup is left as it is
 * (store_has_report says).
 */
static int
find_active(struct store *s, const struct dr_report *r,
    const struct store_doc *doc, int *dup, int64_t *id, int64_t *received,
    unsigned char sha[SHA256_LEN], struct dr_error *err)
{
	struct db_stmt	*st = s->st[Q_REPORT_ACTIVE];
	int		 rc, found = 0;

	bind_s(st, 1, r->reporter);
	bind_s(st, 2, r->report_id_norm);
	bind_s(st, 3, r->domain);
	db_bind_int64(st, 4, r->begin);
	db_bind_int64(st, 5, r->end);
	if (s->pg) {
		db_bind_blob(st, 6, doc->sha256, SHA256_LEN, DB_STATIC);
		db_bind_int(st, 7, (int)doc->part);
	}
	rc = db_step(st);
	if (rc == DB_ROW && db_column_type(st, 0) != DB_NULL) {
		found = 1;
		*id = db_column_int64(st, 0);
		*received = db_column_int64(st, 1);
		memset(sha, 0, SHA256_LEN);
		if (db_column_bytes(st, 2) == SHA256_LEN)
			memcpy(sha, db_column_blob(st, 2), SHA256_LEN);
	}
	if (rc == DB_ROW && s->pg)
		*dup = db_column_int64(st, 3) != 0;
	db_reset(st);
	if (rc == DB_ROW || rc == DB_DONE)
		return found;
	return db_err(s, err, "looking up a report");
}

int
store_report_end(struct store *s, const struct dr_report *r,
    const struct store_doc *doc, enum store_outcome *out,
    struct dr_error *err)
{
	unsigned char	old_sha[SHA256_LEN];
	int64_t		old_id = 0, old_received = 0, by = 0;
	const char	*status = "active";
	size_t		i;
	int		found = 0, dup;

	if (store_flush(s, err) == -1)
		goto fail;
	if (s->pg && strcmp(s->report_domain, r->domain != NULL ? r->domain :
	    "") != 0) {
		char *d = strdup(r->domain != NULL ? r->domain : "");
		if (d == NULL) {
			dr_seterr(err, DR_E_NOMEM, "out of memory");
			goto fail;
		}
		if (store_pg_redomain(s->db, s->path, s->report_id,
		    s->report_domain, d, err) == -1) {
			free(d);
			goto fail;
		}
		free(s->report_domain);
		s->report_domain = d;
	}
	/*
	 * Stored meanwhile (earlier in this batch, or by someone else)?
	 * And the active report with the same key (below).
	 */
	dup = 0;
	if (s->pg)
		found = find_active(s, r, doc, &dup, &old_id, &old_received,
		    old_sha, err);
	else if ((dup = store_has_report(s, doc->sha256, doc->part,
	    err)) != -1)
		found = find_active(s, r, doc, &dup, &old_id, &old_received,
		    old_sha, err);
	if (dup == -1 || found == -1)
		goto fail;
	if (dup) {
		store_report_abort(s);
		*out = STORE_DUPLICATE;
		s->mail_dups++;
		return 0;
	}

	/*
	 * Same key, other content: the copy received later is active; on
	 * a tie the larger digest wins, so the outcome does not depend on
	 * the order in which copies are ingested.
	 */
	*out = STORE_NEW;
	if (found) {
		if (doc->received_at > old_received ||
		    (doc->received_at == old_received &&
		    memcmp(doc->sha256, old_sha, SHA256_LEN) > 0)) {
			if (set_status(s, old_id, "superseded", s->report_id,
			    err) == -1)
				goto fail;
			*out = STORE_SUPERSEDING;
		} else {
			status = "superseded";
			by = old_id;
			*out = STORE_SUPERSEDED;
		}
	}
	if (insert_report(s, r, doc, status, by, err) == -1)
		goto fail;
	for (i = 0; i < r->nerrors; i++) {
		struct db_stmt *st = s->st[Q_REPORT_ERROR];
		db_bind_int64(st, 1, s->report_id);
		db_bind_int64(st, 2, (int64_t)i + 1);
		bind_s(st, 3, r->errors[i].msg);
		bind_s(st, 4, r->errors[i].lang);
		if (s->pg)
			bind_s(st, 5, r->domain != NULL ? r->domain : "");
		if (step_done(s, Q_REPORT_ERROR, err, "storing an error") == -1)
			goto fail;
	}
	for (i = 0; i < r->nwarnings; i++)
		if (add_warning(s, 0, &r->warnings[i], (int)(r->nwarnings - i),
		    err) == -1)
			goto fail;
	if (sum_end(s->sum, r, s->report_id, *out != STORE_SUPERSEDED, err) ==
	    -1)
		goto fail;
	if (step_done(s, Q_RELEASE, err, "storing a report") == -1)
		goto fail;
	s->in_report = false;
	s->batch_reports++;
	s->mail_reports++;
	return 0;
fail:
	store_report_abort(s);
	return -1;
}

void
store_report_abort(struct store *s)
{
	int	t;

	if (!s->in_report)
		return;
	/* Undo the report's rows; the batch's other reports stay. */
	for (t = 0; t < T__COUNT; t++) {
		if (s->multi[t].rows > 0)
			db_reset(s->multi[t].cur);
		s->multi[t].rows = 0;
	}
	s->npending = 0;
	sum_abort(s->sum);
	db_step(s->st[Q_ROLLBACK_TO]);
	db_reset(s->st[Q_ROLLBACK_TO]);
	db_step(s->st[Q_RELEASE]);
	db_reset(s->st[Q_RELEASE]);
	s->next_report = s->report_id;
	s->next_record = s->first_record;
	s->in_report = false;
}

static int
max_id(struct store *s, enum stmt q, int64_t *v, struct dr_error *err)
{
	struct db_stmt	*st = s->st[q];
	int		 rc;

	rc = db_step(st);
	if (rc == DB_ROW)
		*v = db_column_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return db_err(s, err, "reading the last row id");
	return 0;
}

/*
 * Reports are committed in batches: each is its own savepoint, a nested
 * transaction, so it lands whole or not at all, while a commit (which
 * writes every page it touched to the WAL) serves many of them. The
 * batch holds the write lock, so row ids can be handed out here.
 */
static int
batch_begin(struct store *s, struct dr_error *err)
{
	if (s->in_batch)
		return 0;
	if (s->reads > 0)
		return dr_seterr(err, DR_E_DB, "%s: writing inside a "
		    "read transaction", s->path);
	if (step_done(s, Q_BEGIN, err, "starting a transaction") == -1)
		return -1;
	s->in_batch = true;
	s->locked = false;
	s->batch_reports = 0;
	clock_gettime(CLOCK_MONOTONIC, &s->batch_start);
	if (s->pg)
		return 0;
	if (max_id(s, Q_MAX_REPORT, &s->next_report, err) == -1 ||
	    max_id(s, Q_MAX_RECORD, &s->next_record, err) == -1 ||
	    max_id(s, Q_MAX_MAIL, &s->next_mail, err) == -1) {
		db_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_batch = false;
		return -1;
	}
	s->next_report++;
	s->next_record++;
	s->next_mail++;
	return 0;
}

void
store_provenance(struct store *s, int64_t run, int64_t at, int64_t mail)
{
	s->prov_run = run;
	s->prov_at = at;
	s->prov_mail = mail;
}

int
store_batch_begin(struct store *s, struct dr_error *err)
{
	return batch_begin(s, err);
}

void
store_locks(struct store *s)
{
	s->locked = true;
}

void
store_batch_abort(struct store *s)
{
	if (s->in_report)
		store_report_abort(s);
	if (s->in_reject) {
		if (s->rblob != NULL)
			sqlite3_blob_close(s->rblob);
		s->rblob = NULL;
		s->rwant = false;
		s->in_reject = false;
	}
	if (s->in_batch) {
		db_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		sum_rollback(s->sum);
		s->in_batch = false;
	}
}

int
store_commit(struct store *s, struct dr_error *err)
{
	if (!s->in_batch)
		return 0;
	if (s->in_report || s->in_mail)
		return dr_seterr(err, DR_E_DB, "%s: commit inside a report",
		    s->path);
	s->in_batch = false;
	if (step_done(s, Q_COMMIT, err, "committing reports") == -1) {
		db_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		sum_rollback(s->sum);
		return -1;
	}
	if (s->sum != NULL)
		sum_committed(s->sum);
	return 0;
}

int
store_sources_update(struct store *s, struct dr_error *err)
{
	if (s->sum == NULL || s->in_report || s->in_mail)
		return 0;
	if (batch_begin(s, err) == -1)
		return -1;
	if (sum_merge(s->sum, err) == -1) {
		db_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_batch = false;
		return -1;
	}
	return store_commit(s, err);
}

int
store_sources_due(struct store *s, int64_t at, int64_t *pending,
    struct dr_error *err)
{
	*pending = 0;
	if (s->sum == NULL || s->in_report || s->in_mail)
		return 0;
	if (sum_pending(s->sum, pending, err) == -1)
		return -1;
	if (*pending == 0 || *pending < at)
		return 0;
	if (store_sources_update(s, err) == -1)
		return -1;
	return 1;
}

int
store_read_begin(struct store *s, struct dr_error *err)
{
	if (s->in_batch)
		return 0;
	/*
	 * PostgreSQL: one snapshot for every statement until the end, as
	 * SQLite's read transaction gives.
	 */
	if (s->reads == 0 && exec(s, s->pg ? "BEGIN ISOLATION LEVEL"
	    " REPEATABLE READ" : "BEGIN", err, "starting to read") == -1)
		return -1;
	s->reads++;
	return 0;
}

void
store_read_end(struct store *s)
{
	if (s->reads == 0 || --s->reads > 0)
		return;
	/* Nothing was written: a failed COMMIT loses nothing. */
	if (db_exec(s->db, "COMMIT", NULL, NULL, NULL) != DB_OK)
		db_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

void
store_progress(struct store *s, int (*fn)(void *), void *arg)
{
	if (s->pg)
		return;
	sqlite3_progress_handler(s->db->lite, fn != NULL ? 4096 : 0, fn, arg);
}

/* PRAGMA data_version of the connection: 0, or -1 with err set. */
static int
data_version(struct store *s, int64_t *v, struct dr_error *err)
{
	struct db_stmt	*st;
	int		 rc;

	if (db_prepare_v2(s->db, "PRAGMA data_version", -1, &st, NULL) !=
	    DB_OK)
		return db_err(s, err, "reading the data version");
	rc = db_step(st);
	*v = db_column_int64(st, 0);
	db_finalize(st);
	if (rc != DB_ROW)
		return db_err(s, err, "reading the data version");
	return 0;
}

/*
 * PostgreSQL: the twin imports s's snapshot (both are REPEATABLE READ:
 * store_read_begin).
 */
static int
twin_pg(struct store *s, struct store **out, struct dr_error *err)
{
	struct db_stmt	*st;
	struct store	*t;
	char		 sql[128];
	int		 rc;

	if (db_prepare_v2(s->db, "SELECT pg_export_snapshot()", -1, &st,
	    NULL) != DB_OK)
		return db_err(s, err, "starting to read");
	rc = db_step(st);
	if (rc == DB_ROW)
		snprintf(sql, sizeof sql, "SET TRANSACTION SNAPSHOT '%s'",
		    (const char *)db_column_text(st, 0));
	db_finalize(st);
	if (rc != DB_ROW)
		return db_err(s, err, "starting to read");
	if (store_open(s->dsn, s->busy_ms, STORE_READER, &t, err) == -1)
		return -1;
	if (exec(t, "BEGIN ISOLATION LEVEL REPEATABLE READ", err,
	    "starting to read") == -1 || exec(t, sql, err,
	    "starting to read") == -1) {
		store_close(t);
		return -1;
	}
	t->reads = 1;
	*out = t;
	return 0;
}

int
store_reader(struct store *s, struct store **out, struct dr_error *err)
{
	struct store	*t;

	*out = NULL;
	if (s->reads == 0 || s->in_batch || s->twin)
		return 0;
	if (s->pg)
		return twin_pg(s, out, err) == -1 ? -1 : 1;
	if (store_open(s->dsn, s->busy_ms, STORE_READER, &t, err) == -1)
		return -1;
	if (store_read_begin(t, err) == -1) {
		store_close(t);
		return -1;
	}
	*out = t;
	return 1;
}

int
store_twin(struct store *s, struct store **out, struct dr_error *err)
{
	/* Any read of the main database takes the snapshot. */
	static const char touch[] = "SELECT count(*) FROM sqlite_schema";
	struct store	*t;
	int64_t		 before, after;
	int		 tries;

	*out = NULL;
	if (s->reads == 0 || s->in_batch)
		return dr_seterr(err, DR_E_DB, "store_twin: no read "
		    "transaction");
	if (s->pg) {
		if (twin_pg(s, out, err) == -1)
			return -1;
		(*out)->twin = true;
		return 0;
	}
	if (store_open(s->dsn, s->busy_ms, STORE_READER, &t, err) == -1)
		return -1;
	t->twin = true;
	if (exec(t, "PRAGMA cache_size = -16384", err, "setting the cache") ==
	    -1)
		goto fail;
	for (tries = 0; tries < 8; tries++) {
		/*
		 * The twin's data version before s's snapshot and after its
		 * own: the same, then no commit came between the two, and
		 * they see the same data.
		 */
		if (data_version(t, &before, err) == -1 ||
		    exec(s, "COMMIT", err, "starting to read") == -1 ||
		    exec(s, "BEGIN", err, "starting to read") == -1 ||
		    exec(s, touch, err, "starting to read") == -1 ||
		    exec(t, "BEGIN", err, "starting to read") == -1 ||
		    exec(t, touch, err, "starting to read") == -1 ||
		    data_version(t, &after, err) == -1)
			goto fail;
		if (before == after) {
			t->reads = 1;
			*out = t;
			return 0;
		}
		if (exec(t, "COMMIT", err, "starting to read") == -1)
			goto fail;
	}
	dr_seterr(err, DR_E_DB, "%s: changing too fast to read it twice",
	    s->path);
fail:
	store_close(t);
	/* s reads on, whatever happened. */
	if (db_get_autocommit(s->db))
		(void)db_exec(s->db, "BEGIN", NULL, NULL, NULL);
	return -1;
}

int
store_busy(const struct store *s)
{
	return s->in_report || s->in_mail || s->in_reject;
}

int
store_batch_due(struct store *s, unsigned max_reports, unsigned max_ms)
{
	struct timespec	now;
	long		ms;

	if (!s->in_batch || store_busy(s))
		return 0;
	if (s->batch_reports >= max_reports)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - s->batch_start.tv_sec) * 1000 +
	    (now.tv_nsec - s->batch_start.tv_nsec) / 1000000;
	return ms >= (long)max_ms;
}

/* --- mail messages ---------------------------------------------------- */

static const char *
mail_str(struct store *s, const char *v)
{
	return v == NULL ? NULL : arena_strndup(&s->mailmem, v, strlen(v));
}

static enum store_mail_outcome
mail_outcome(const char *t)
{
	if (t == NULL)
		return STORE_MAIL_NO_REPORT;
	return strcmp(t, "stored") == 0 ? STORE_MAIL_STORED :
	    strcmp(t, "duplicate") == 0 ? STORE_MAIL_DUPLICATE :
	    strcmp(t, "rejected") == 0 ? STORE_MAIL_REJECTED :
	    STORE_MAIL_NO_REPORT;
}

int
store_mail_begin(struct store *s, const struct store_mail *m,
    struct dr_error *err)
{
	struct db_stmt	*st = s->st[Q_MAIL_FIND];
	int		 rc;

	/*
	 * PostgreSQL: a message is committed whole, so it waits for its
	 * reports' domain locks holding the ones it took (lock_domain). It
	 * must not hold others too, the batch's of the reports before it,
	 * or two ingests could wait for each other: one holding a domain
	 * in its batch and waiting in a message for the domain the other
	 * holds in its batch, and waits for in its message. The batch is
	 * committed first.
	 */
	if (s->pg && s->in_batch && s->locked && store_commit(s, err) == -1)
		return -1;
	if (batch_begin(s, err) == -1)
		return -1;
	arena_reset(&s->mailmem);
	s->mail = *m;
	s->mail.message_id = mail_str(s, m->message_id);
	s->mail.mailbox = mail_str(s, m->mailbox);
	s->mail.location = mail_str(s, m->location);
	s->mail.from = mail_str(s, m->from);
	s->mail.subject = mail_str(s, m->subject);
	s->mail_reports = s->mail_dups = s->mail_rejected = 0;
	/* A message stored before (found again elsewhere) keeps its row. */
	db_bind_blob(st, 1, m->sha256, SHA256_LEN, DB_STATIC);
	rc = db_step(st);
	if (rc == DB_ROW)
		s->mail_id = db_column_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_err(s, err, "looking up a message");
	s->mail_exists = rc == DB_ROW;
	if (!s->mail_exists && s->pg && store_pg_ids(s->db, s->path,
	    "mail_messages_id_seq", 1, &s->next_mail, err) == -1)
		return -1;
	if (!s->mail_exists)
		s->mail_id = s->next_mail++;
	s->in_mail = true;
	return 0;
}

void
store_mail_duplicate(struct store *s)
{
	s->mail_dups++;
}

/* Where a message was found; handled now unless it is to be moved. */
static int
add_location(struct store *s, const char *location, int64_t id, int handle,
    struct dr_error *err)
{
	struct db_stmt	*st = s->st[Q_LOC_INSERT];
	time_t		 now = time(NULL);

	if (location == NULL)
		return 0;
	bind_s(st, 1, location);
	db_bind_int64(st, 2, id);
	db_bind_int64(st, 3, (int64_t)now);
	if (handle)
		db_bind_null(st, 4);
	else
		db_bind_int64(st, 4, (int64_t)now);
	return step_done(s, Q_LOC_INSERT, err, "recording a message");
}

int
store_mail_handled(struct store *s, const char *location,
    struct dr_error *err)
{
	struct db_stmt	*st = s->st[Q_LOC_HANDLED];

	if (batch_begin(s, err) == -1)
		return -1;
	db_bind_int64(st, 1, (int64_t)time(NULL));
	bind_s(st, 2, location);
	return step_done(s, Q_LOC_HANDLED, err, "recording a message");
}

int
store_mail_end(struct store *s, const char *reason, enum store_mail_outcome *o,
    struct dr_error *err)
{
	const struct store_mail	*m = &s->mail;
	struct db_stmt		*st;
	const char		*outcome;
	int			 i = 1;
	time_t			 now = time(NULL);

	if (!s->in_mail)
		return 0;
	s->in_mail = false;
	if (s->mail_reports > 0) {
		outcome = "stored";
		*o = STORE_MAIL_STORED;
	} else if (s->mail_dups > 0) {
		outcome = "duplicate";
		*o = STORE_MAIL_DUPLICATE;
	} else if (s->mail_rejected > 0) {
		outcome = "rejected";
		*o = STORE_MAIL_REJECTED;
		reason = "its reports were rejected (see rejected_inputs)";
	} else {
		outcome = "no_report";
		*o = STORE_MAIL_NO_REPORT;
	}
	if (s->mail_exists && s->mail_reports > 0) {
		st = s->st[Q_MAIL_STORED];
		db_bind_int64(st, 1, (int64_t)s->mail_reports);
		db_bind_int64(st, 2, (int64_t)now);
		db_bind_int64(st, 3, s->mail_id);
		if (step_done(s, Q_MAIL_STORED, err, "recording a message") ==
		    -1)
			return -1;
		return add_location(s, m->location, s->mail_id, m->handle, err);
	}
	if (s->mail_exists) {
		st = s->st[Q_MAIL_SEEN];
		db_bind_int64(st, 1, (int64_t)now);
		db_bind_int64(st, 2, s->mail_id);
		if (step_done(s, Q_MAIL_SEEN, err, "recording a message") == -1)
			return -1;
		return add_location(s, m->location, s->mail_id, m->handle, err);
	}
	st = s->st[Q_MAIL_INSERT];
	db_bind_int64(st, i++, s->mail_id);
	db_bind_int64(st, i++, s->run_id);
	db_bind_blob(st, i++, m->sha256, SHA256_LEN, DB_STATIC);
	bind_s(st, i++, m->message_id);
	bind_s(st, i++, m->mailbox);
	bind_s(st, i++, m->location);
	bind_s(st, i++, m->from);
	bind_s(st, i++, m->subject);
	if (m->date >= 0)
		db_bind_int64(st, i++, m->date);
	else
		db_bind_null(st, i++);
	db_bind_int64(st, i++, (int64_t)m->size);
	bind_s(st, i++, outcome);
	db_bind_int64(st, i++, (int64_t)s->mail_reports);
	db_bind_int64(st, i++, (int64_t)s->mail_dups);
	db_bind_int64(st, i++, (int64_t)s->mail_rejected);
	bind_s(st, i++, *o == STORE_MAIL_STORED ||
	    *o == STORE_MAIL_DUPLICATE ? NULL : reason);
	db_bind_int64(st, i++, (int64_t)now);
	db_bind_int64(st, i++, (int64_t)now);
	if (step_done(s, Q_MAIL_INSERT, err, "recording a message") == -1)
		return -1;
	/*
	 * Stored by another ingest since we looked (PostgreSQL: many
	 * write at once; SQLite's write lock keeps it from happening).
	 */
	if (db_changes(s->db) == 0)
		return store_mail_seen(s, m->sha256, m->location, m->handle,
		    err);
	s->batch_reports++;
	return add_location(s, m->location, s->mail_id, m->handle, err);
}

int
store_mail_seen(struct store *s, const unsigned char sha[SHA256_LEN],
    const char *location, int handle, struct dr_error *err)
{
	struct db_stmt	*st = s->st[Q_MAIL_FIND];
	int64_t		 id;
	int		 rc;

	if (batch_begin(s, err) == -1)
		return -1;
	db_bind_blob(st, 1, sha, SHA256_LEN, DB_STATIC);
	rc = db_step(st);
	id = rc == DB_ROW ? db_column_int64(st, 0) : 0;
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return db_err(s, err, "looking up a message");
	if (rc == DB_DONE)
		return 0;
	st = s->st[Q_MAIL_SEEN];
	db_bind_int64(st, 1, (int64_t)time(NULL));
	db_bind_int64(st, 2, id);
	if (step_done(s, Q_MAIL_SEEN, err, "recording a message") == -1)
		return -1;
	return add_location(s, location, id, handle, err);
}

int
store_mail_known(struct store *s, const unsigned char sha[SHA256_LEN],
    enum store_mail_outcome *o, struct dr_error *err)
{
	struct db_stmt	*st = s->st[Q_MAIL_FIND];
	int		 rc;

	db_bind_blob(st, 1, sha, SHA256_LEN, DB_STATIC);
	rc = db_step(st);
	if (rc == DB_ROW && o != NULL)
		*o = mail_outcome((const char *)db_column_text(st, 1));
	db_reset(st);
	if (rc == DB_ROW)
		return 1;
	if (rc == DB_DONE)
		return 0;
	return db_err(s, err, "looking up a message");
}

int
store_location(struct store *s, const char *location,
    enum store_mail_outcome *o, int *handled, struct dr_error *err)
{
	struct db_stmt	*st = s->st[Q_LOC_FIND];
	int		 rc;

	bind_s(st, 1, location);
	rc = db_step(st);
	if (rc == DB_ROW) {
		*o = mail_outcome((const char *)db_column_text(st, 0));
		*handled = db_column_int(st, 1);
	}
	db_reset(st);
	if (rc == DB_ROW)
		return 1;
	if (rc == DB_DONE)
		return 0;
	return db_err(s, err, "looking up a message");
}

/*
 * The row of a rejected input: a new one, or the one with the same
 * digest, seen once more. Its raw bytes are written in pieces, into a
 * blob of len bytes reserved here: *want is 1 when they are to be sent
 * (a new row), 0 when they are there already. Until store_reject_end,
 * nothing is committed (store_busy).
 */
int
store_reject_begin(struct store *s, const char *origin, const char *reason,
    const unsigned char sha[SHA256_LEN], uint64_t len, uint64_t size,
    int *want, struct dr_error *err)
{
	struct db_stmt	*st = s->st[Q_REJECT];
	time_t		 now = time(NULL);
	int64_t		 id;
	int		 rc, added;

	assert(!s->in_reject);
	*want = 0;
	if (len > INT_MAX)
		return dr_seterr(err, DR_E_LIMIT, "%s: %llu raw bytes to keep: "
		    "more than a blob holds", origin, (unsigned long long)len);
	if (batch_begin(s, err) == -1)
		return -1;
	s->batch_reports++;
	/*
	 * Known by its content: the same bytes rejected by an earlier
	 * run (a row that this run did not make). Without bytes (none
	 * kept, or none readable) an input cannot be known again.
	 */
	s->reject_before = false;
	if (len > 0 || size == 0) {
		struct db_stmt *f = s->st[Q_REJECT_FIND];
		db_bind_blob(f, 1, sha, SHA256_LEN, DB_STATIC);
		rc = db_step(f);
		db_reset(f);
		if (rc != DB_ROW && rc != DB_DONE)
			return db_err(s, err, "looking up a rejected input");
		if (s->rejected_now == NULL)
			s->rejected_now = hmap_new(1);
		if (s->rejected_now == NULL)
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		s->reject_before = rc == DB_ROW &&
		    hmap_find(s->rejected_now, sha, SHA256_LEN) == NULL;
		if (rc == DB_DONE && hmap_get(s->rejected_now, sha,
		    SHA256_LEN, &added) == NULL)
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	db_bind_int64(st, 1, s->run_id);
	bind_s(st, 2, origin);
	bind_s(st, 3, reason);
	db_bind_blob(st, 4, sha, SHA256_LEN, DB_STATIC);
	db_bind_int64(st, 5, (int64_t)size);
	db_bind_int64(st, 6, (int64_t)now);
	db_bind_int64(st, 7, (int64_t)now);
	if (s->in_mail)
		db_bind_int64(st, 8, s->mail_id);
	else
		db_bind_null(st, 8);
	rc = db_step(st);
	id = db_column_int64(st, 0);
	if (rc == DB_ROW)
		rc = db_step(st);
	db_reset(st);
	if (rc != DB_DONE)
		return db_err(s, err, "storing a rejected input");
	s->mail_rejected++;

	if (s->pg) {
		int has = store_pg_has_raw(s->db, s->path, id, err);
		if (has == -1)
			return -1;
		s->in_reject = true;
		s->rlen = len;
		s->roff = 0;
		s->rinput = id;
		s->rpiece = 0;
		s->rwant = !has && len > 0;
		buf_reset(&s->rbuf);
		*want = s->rwant;
		return 0;
	}
	st = s->st[Q_REJECT_RAW];
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, (int64_t)len);
	if (step_done(s, Q_REJECT_RAW, err, "storing a rejected input") == -1)
		return -1;
	s->in_reject = true;
	s->rlen = len;
	s->roff = 0;
	if (db_changes(s->db) == 0 || len == 0)
		return 0;	/* known, or nothing to write */
	if (sqlite3_blob_open(s->db->lite, "main", "rejected_raw", "raw", id, 1,
	    &s->rblob) != DB_OK) {
		s->rblob = NULL;
		s->in_reject = false;
		return db_err(s, err, "storing a rejected input");
	}
	*want = 1;
	return 0;
}

int
store_reject_before(const struct store *s)
{
	return s->reject_before;
}

/* PostgreSQL: the bytes gathered so far, as the next piece. */
static int
reject_piece(struct store *s, struct dr_error *err)
{
	if (store_pg_piece(s->db, s->path, s->rinput, s->rpiece++,
	    s->rbuf.data, s->rbuf.len, err) == -1)
		return -1;
	buf_reset(&s->rbuf);
	return 0;
}

/* The next piece of the raw bytes (when wanted). */
int
store_reject_write(struct store *s, const void *p, size_t n,
    struct dr_error *err)
{
	assert(s->in_reject && (s->rblob != NULL || s->rwant));
	if (n > s->rlen - s->roff)
		return dr_seterr(err, DR_E_DB, "%s: more raw bytes of a "
		    "rejected input than announced", s->path);
	if (s->pg) {
		/* Whole pieces of RAW_PIECE, the last shorter. */
		while (n > 0) {
			size_t k = RAW_PIECE - s->rbuf.len;
			if (k > n)
				k = n;
			if (buf_add(&s->rbuf, p, k) == -1)
				return dr_seterr(err, DR_E_NOMEM, "out of "
				    "memory");
			p = (const char *)p + k;
			n -= k;
			s->roff += k;
			if (s->rbuf.len == RAW_PIECE &&
			    reject_piece(s, err) == -1)
				return -1;
		}
		return 0;
	}
	if (n > 0 && sqlite3_blob_write(s->rblob, p, (int)n,
	    (int)s->roff) != DB_OK)
		return db_err(s, err, "storing a rejected input");
	s->roff += n;
	return 0;
}

int
store_reject_end(struct store *s, struct dr_error *err)
{
	bool	short_ = s->rblob != NULL && s->roff != s->rlen;
	int	rc;

	assert(s->in_reject);
	s->in_reject = false;
	if (s->pg && s->rwant) {
		s->rwant = false;
		if (s->rbuf.len > 0 && reject_piece(s, err) == -1)
			return -1;
		if (s->roff != s->rlen)
			return dr_seterr(err, DR_E_DB, "%s: %llu raw bytes of "
			    "a rejected input announced, %llu written",
			    s->path, (unsigned long long)s->rlen,
			    (unsigned long long)s->roff);
		return 0;
	}
	if (s->rblob == NULL)
		return 0;
	rc = sqlite3_blob_close(s->rblob);
	s->rblob = NULL;
	if (rc != DB_OK)
		return db_err(s, err, "storing a rejected input");
	if (short_)
		return dr_seterr(err, DR_E_DB, "%s: %llu raw bytes of a "
		    "rejected input announced, %llu written", s->path,
		    (unsigned long long)s->rlen, (unsigned long long)s->roff);
	return 0;
}

int
store_reject(struct store *s, const char *origin, const char *reason,
    const unsigned char *raw, size_t len, uint64_t size,
    struct dr_error *err)
{
	unsigned char	sha[SHA256_LEN];
	int		want;

	if (sha256_buf(raw ? (const void *)raw : "", len, sha) == -1)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	if (store_reject_begin(s, origin, reason, sha, len, size, &want,
	    err) == -1)
		return -1;
	if (want && store_reject_write(s, raw, len, err) == -1) {
		store_reject_end(s, err);
		return -1;
	}
	return store_reject_end(s, err);
}

int
store_list_reports(struct store *s, const struct store_filter *f,
    int (*cb)(void *, const struct store_report_row *), void *arg,
    struct dr_error *err)
{
	static const char sql[] =
	    "SELECT id, status, coalesce(org_name, reporter), report_id,"
	    " nullif(domain, ''), date_begin, date_end, record_count,"
	    " message_count,"
	    " (SELECT count(*) FROM warnings w WHERE w.report = r.id),"
	    " 'p=' || coalesce(p, '?') ||"
	    " coalesce(' sp=' || sp, '') || coalesce(' np=' || np, '') ||"
	    " coalesce(' pct=' || pct, '') || coalesce(' t=' || testing, '')"
	    " FROM reports r WHERE (?1 IS NULL OR domain = ?1)"
	    " AND date_end >= ?2"
	    " AND (?3 <> 0 OR status = 'active')"
	    " ORDER BY date_begin DESC, id DESC";
	struct store_report_row	 row;
	struct db_stmt		*st;
	int			 rc, ret = 0;

	if (db_prepare_v2(s->db, sql, -1, &st, NULL) != DB_OK)
		return db_err(s, err, "listing reports");
	bind_s(st, 1, f->domain);
	db_bind_int64(st, 2, f->since);
	db_bind_int(st, 3, f->all);
	while ((rc = db_step(st)) == DB_ROW) {
		row.id = db_column_int64(st, 0);
		row.status = (const char *)db_column_text(st, 1);
		row.reporter = (const char *)db_column_text(st, 2);
		row.report_id = (const char *)db_column_text(st, 3);
		row.domain = (const char *)db_column_text(st, 4);
		row.begin = db_column_int64(st, 5);
		row.end = db_column_int64(st, 6);
		row.records = db_column_int64(st, 7);
		row.messages = db_column_int64(st, 8);
		row.warnings = db_column_int64(st, 9);
		row.policy = (const char *)db_column_text(st, 10);
		if (cb(arg, &row) != 0) {
			ret = 1;
			break;
		}
	}
	if (ret == 0 && rc != DB_DONE)
		ret = db_err(s, err, "listing reports");
	db_finalize(st);
	return ret < 0 ? -1 : 0;
}

int
store_list_rejected(struct store *s,
    int (*cb)(void *, const struct store_rejected_row *), void *arg,
    struct dr_error *err)
{
	static const char sql[] =
	    "SELECT i.id, i.origin, i.reason, i.size, length(k.raw),"
	    " i.times_seen, i.last_seen FROM rejected_inputs i"
	    " LEFT JOIN rejected_raw k ON k.input = i.id"
	    " ORDER BY i.last_seen DESC, i.id DESC";
	static const char sql_pg[] =
	    "SELECT i.id, i.origin, i.reason, i.size,"
	    " (SELECT sum(length(k.raw)) FROM rejected_pieces k"
	    " WHERE k.input = i.id),"
	    " i.times_seen, i.last_seen FROM rejected_inputs i"
	    " ORDER BY i.last_seen DESC, i.id DESC";
	struct store_rejected_row	 row;
	struct db_stmt			*st;
	int				 rc, ret = 0;

	if (db_prepare_v2(s->db, db_pick(s->db, sql, sql_pg), -1, &st, NULL) !=
	    DB_OK)
		return db_err(s, err, "listing rejected inputs");
	while ((rc = db_step(st)) == DB_ROW) {
		row.id = db_column_int64(st, 0);
		row.origin = (const char *)db_column_text(st, 1);
		row.reason = (const char *)db_column_text(st, 2);
		row.size = db_column_int64(st, 3);
		row.kept = db_column_int64(st, 4);
		row.times_seen = db_column_int64(st, 5);
		row.last_seen = db_column_int64(st, 6);
		if (cb(arg, &row) != 0) {
			ret = 1;
			break;
		}
	}
	if (ret == 0 && rc != DB_DONE)
		ret = db_err(s, err, "listing rejected inputs");
	db_finalize(st);
	return ret < 0 ? -1 : 0;
}

/* PostgreSQL: the pieces in order (store_rejected_raw). */
static int
raw_pg(struct store *s, int64_t id, int (*cb)(void *, const void *, size_t),
    void *arg, struct dr_error *err)
{
	struct db_stmt	*st;
	int		 rc, ret = 0;

	if (db_prepare_v3(s->db, "SELECT raw FROM rejected_pieces WHERE"
	    " input = ? ORDER BY piece", -1, DB_PREPARE_STREAM, &st, NULL) !=
	    DB_OK)
		return db_err(s, err, "reading a rejected input");
	db_bind_int64(st, 1, id);
	while (ret == 0 && (rc = db_step(st)) == DB_ROW)
		ret = cb(arg, db_column_blob(st, 0),
		    (size_t)db_column_bytes(st, 0));
	if (ret == 0 && rc != DB_DONE)
		ret = db_err(s, err, "reading a rejected input");
	db_finalize(st);
	return ret;
}

int
store_rejected_raw(struct store *s, int64_t id,
    int (*cb)(void *, const void *, size_t), void *arg, struct dr_error *err)
{
	struct db_stmt	*st;
	sqlite3_blob	*b = NULL;
	char		*buf = NULL;
	int		 rc, ret = 0, len, off, n;

	if (db_prepare_v2(s->db, "SELECT id FROM rejected_inputs"
	    " WHERE id = ?", -1, &st, NULL) != DB_OK)
		return db_err(s, err, "reading a rejected input");
	db_bind_int64(st, 1, id);
	rc = db_step(st);
	db_finalize(st);
	if (rc == DB_DONE)
		return dr_seterr(err, DR_E_USAGE, "no rejected input with id "
		    "%lld", (long long)id);
	if (rc != DB_ROW)
		return db_err(s, err, "reading a rejected input");
	if (s->pg)
		return raw_pg(s, id, cb, arg, err);
	/* Read in pieces: a kept input may be as large as the cap. */
	if (sqlite3_blob_open(s->db->lite, "main", "rejected_raw", "raw", id, 0,
	    &b) != DB_OK)
		return db_err(s, err, "reading a rejected input");
	len = sqlite3_blob_bytes(b);
	buf = malloc(RAW_PIECE);
	if (buf == NULL) {
		sqlite3_blob_close(b);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	for (off = 0; off < len && ret == 0; off += n) {
		n = len - off < RAW_PIECE ? len - off : RAW_PIECE;
		if (sqlite3_blob_read(b, buf, n, off) != DB_OK)
			ret = db_err(s, err, "reading a rejected input");
		else
			ret = cb(arg, buf, (size_t)n);
	}
	free(buf);
	sqlite3_blob_close(b);
	return ret;
}
