/*
 * store-class.c: what dmarcdb sources decided, kept for the views
 * (schema/014-analyst-views.sql): per policy domain, the window it
 * classified and the class and configured sender of each of its sources
 * that is not unknown. A view cannot match DKIM and SPF rules nor weigh
 * a source's mail over a window; it reads these rows instead.
 */
#include "config.h"

#include <time.h>

#include <sqlite3.h>

#include "store-int.h"
#include "store.h"

#define CLASS_WHAT	"saving the classes of sources"

/* Another writer holds the database: wait this long, then give up. */
#define CLASS_WAIT_MS	2000
#define CLASS_WAIT_PG	"'2000ms'"

/*
 * PostgreSQL: a domain's rows (its old ones deleted) by COPY, not a
 * statement (a round trip) each. DB_OK or an error code.
 */
static int
copy_rows(struct db *db, const struct store_class_window *w)
{
	size_t	j;
	int	rc;

	rc = db_pg_copy_begin(db, "COPY source_classes (domain, header_from,"
	    " source_ip, class, sender) FROM STDIN");
	for (j = 0; j < w->nrows && rc == DB_OK; j++) {
		/* Field errors stick: the row's end says (db.h, COPY). */
		db_pg_copy_str(db, w->domain);
		db_pg_copy_str(db, w->rows[j].header_from);
		db_pg_copy_str(db, w->rows[j].ip);
		db_pg_copy_str(db, w->rows[j].class);
		db_pg_copy_str(db, w->rows[j].sender);
		rc = db_pg_copy_row(db);
	}
	if (db_pg_copy_end(db) != DB_OK && rc == DB_OK)
		rc = DB_ERROR;
	return rc;
}

int
store_classes_save(struct store *s, const struct store_class_window *w,
    size_t nw, struct dr_error *err)
{
	static const char del_sql[] =
	    "DELETE FROM source_classes WHERE domain = ?";
	static const char fgt_sql[] =
	    "DELETE FROM class_windows WHERE domain = ?";
	static const char win_sql[] =
	    "INSERT INTO class_windows (domain, from_day, to_day,"
	    " configured, decided_at) VALUES (?, ?, ?, ?, ?)"
	    " ON CONFLICT (domain) DO UPDATE SET from_day = excluded.from_day,"
	    " to_day = excluded.to_day, configured = excluded.configured,"
	    " decided_at = excluded.decided_at";
	static const char row_sql[] =
	    "INSERT INTO source_classes (domain, header_from,"
	    " source_ip, class, sender) VALUES (?, ?, ?, ?, ?)"
	    " ON CONFLICT (domain, header_from, source_ip) DO UPDATE SET"
	    " class = excluded.class, sender = excluded.sender";
	struct db *db = store_conn(s);
	struct db_stmt	*del = NULL, *fgt = NULL, *win = NULL, *row = NULL;
	int64_t		 now = (int64_t)time(NULL);
	size_t		 i, j;
	int		 rc, ret = -1;

	if (nw == 0)
		return 0;
	if (store_readonly(s) || (!db_is_pg(db) &&
	    sqlite3_db_readonly(db->lite, "main") == 1))
		return 1;
	if (db_is_pg(db)) {
		/* PostgreSQL waits for another's rows, as long as this. */
		rc = db_exec(db, "BEGIN", NULL, NULL, NULL);
		if (rc == DB_OK)
			rc = db_exec(db, "SET LOCAL lock_timeout = "
			    CLASS_WAIT_PG, NULL, NULL, NULL);
	} else {
		sqlite3_busy_timeout(db->lite, CLASS_WAIT_MS);
		rc = db_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		sqlite3_busy_timeout(db->lite, store_busy_ms(s));
	}
	if ((rc & 0xff) == DB_BUSY || (rc & 0xff) == DB_READONLY)
		return 1;
	if (rc != DB_OK)
		return store_db_err(db, store_path(s), err, CLASS_WHAT);
	if (db_prepare_v2(db, del_sql, -1, &del, NULL) != DB_OK ||
	    db_prepare_v2(db, fgt_sql, -1, &fgt, NULL) != DB_OK ||
	    db_prepare_v2(db, win_sql, -1, &win, NULL) != DB_OK ||
	    db_prepare_v2(db, row_sql, -1, &row, NULL) != DB_OK)
		goto fail;
	for (i = 0; i < nw; i++) {
		db_bind_text(del, 1, w[i].domain, -1, DB_STATIC);
		if (db_step(del) != DB_DONE)
			goto fail;
		db_reset(del);
		if (w[i].forget) {
			db_bind_text(fgt, 1, w[i].domain, -1,
			    DB_STATIC);
			if (db_step(fgt) != DB_DONE)
				goto fail;
			db_reset(fgt);
			continue;
		}
		db_bind_text(win, 1, w[i].domain, -1, DB_STATIC);
		db_bind_int64(win, 2, w[i].from_day);
		db_bind_int64(win, 3, w[i].to_day);
		db_bind_int(win, 4, w[i].configured != 0);
		db_bind_int64(win, 5, now);
		if (db_step(win) != DB_DONE)
			goto fail;
		db_reset(win);
		if (db_is_pg(db)) {
			if (copy_rows(db, &w[i]) != DB_OK)
				goto fail;
			continue;
		}
		for (j = 0; j < w[i].nrows; j++) {
			const struct store_class_row *r = &w[i].rows[j];
			db_bind_text(row, 1, w[i].domain, -1,
			    DB_STATIC);
			db_bind_text(row, 2, r->header_from, -1,
			    DB_STATIC);
			db_bind_text(row, 3, r->ip, -1, DB_STATIC);
			db_bind_text(row, 4, r->class, -1, DB_STATIC);
			if (r->sender != NULL)
				db_bind_text(row, 5, r->sender, -1,
				    DB_STATIC);
			else
				db_bind_null(row, 5);
			if (db_step(row) != DB_DONE)
				goto fail;
			db_reset(row);
		}
	}
	if (db_exec(db, "COMMIT", NULL, NULL, NULL) != DB_OK)
		goto fail;
	ret = 0;
	goto out;
fail:
	if (db_is_pg(db) && (db_errcode(db) & 0xff) == DB_BUSY)
		ret = 1;	/* another sources run holds the rows */
	else
		store_db_err(db, store_path(s), err, CLASS_WHAT);
	db_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
	db_finalize(del);
	db_finalize(fgt);
	db_finalize(win);
	db_finalize(row);
	return ret;
}
