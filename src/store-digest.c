/*
 * store-digest.c: what the digest reads from the store besides the
 * summary: how many reports arrived, the newest one, the last ingest
 * run and the inputs rejected (dmarcdb(1), DIGEST).
 */
#include "config.h"

#include <sqlite3.h>

#include "store-int.h"
#include "store.h"

static int
db_fail(struct store *s, sqlite3_stmt *st, struct dr_error *err,
    const char *what)
{
	int	rc;

	rc = store_db_err(store_sqlite(s), store_path(s), err, what);
	sqlite3_finalize(st);
	return rc;
}

int
store_domain_reports(struct store *s, const char *domain, int64_t from,
    int64_t until, uint64_t *reports, int64_t *newest_end,
    struct dr_error *err)
{
	/*
	 * Both through reports_domain (domain, date_begin): a report
	 * covers a day or so, so one that overlaps the period begins at
	 * most a week before it (longer ones are flagged, and rare).
	 */
	static const char sql[] =
	    "SELECT (SELECT count(*) FROM reports WHERE domain = ?1"
	    "   AND date_begin >= ?2 - 7 * 86400 AND date_begin < ?3"
	    "   AND date_end > ?2 AND status = 'active'),"
	    " (SELECT date_end FROM reports WHERE domain = ?1"
	    "   AND date_begin < ?3 AND status = 'active'"
	    "   ORDER BY date_begin DESC LIMIT 1)";
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(store_sqlite(s), sql, -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(s, NULL, err, "counting reports");
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, until);
	if (sqlite3_step(st) != SQLITE_ROW)
		return db_fail(s, st, err, "counting reports");
	*reports = (uint64_t)sqlite3_column_int64(st, 0);
	*newest_end = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	return 0;
}

int
store_last_run(struct store *s, int64_t until, int64_t *finished,
    struct dr_error *err)
{
	static const char sql[] =
	    "SELECT max(finished_at) FROM ingest_runs WHERE finished_at < ?";
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(store_sqlite(s), sql, -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(s, NULL, err, "reading ingest runs");
	sqlite3_bind_int64(st, 1, until);
	if (sqlite3_step(st) != SQLITE_ROW)
		return db_fail(s, st, err, "reading ingest runs");
	*finished = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 :
	    sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int
store_rejected_between(struct store *s, int64_t from, int64_t until,
    int (*cb)(void *, const char *, int64_t), void *arg,
    struct dr_error *err)
{
	static const char sql[] =
	    "SELECT reason, count(*) FROM rejected_inputs"
	    " WHERE last_seen >= ? AND last_seen < ?"
	    " GROUP BY reason ORDER BY 2 DESC, 1";
	sqlite3_stmt	*st;
	int		 rc, ret = 0;

	if (sqlite3_prepare_v2(store_sqlite(s), sql, -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(s, NULL, err, "reading rejected inputs");
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, until);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((ret = cb(arg, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1))) != 0)
			break;
	if (ret == 0 && rc != SQLITE_DONE)
		return db_fail(s, st, err, "reading rejected inputs");
	sqlite3_finalize(st);
	return ret < 0 ? -1 : 0;
}

int
store_domain_rows(struct store *s, const char *domain, int64_t from,
    int64_t to, uint64_t *rows, struct dr_error *err)
{
	static const char sql[] =
	    "SELECT count(*) FROM source_days WHERE domain = ?"
	    " AND day BETWEEN ? AND ?";
	sqlite3_stmt	*st;

	if (sqlite3_prepare_v2(store_sqlite(s), sql, -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(s, NULL, err, "reading the summary");
	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	if (sqlite3_step(st) != SQLITE_ROW)
		return db_fail(s, st, err, "reading the summary");
	*rows = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}
