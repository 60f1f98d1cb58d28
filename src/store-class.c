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

int
store_classes_save(struct store *s, const struct store_class_window *w,
    size_t nw, struct dr_error *err)
{
	static const char del_sql[] =
	    "DELETE FROM source_classes WHERE domain = ?";
	static const char fgt_sql[] =
	    "DELETE FROM class_windows WHERE domain = ?";
	static const char win_sql[] =
	    "INSERT OR REPLACE INTO class_windows (domain, from_day, to_day,"
	    " configured, decided_at) VALUES (?, ?, ?, ?, ?)";
	static const char row_sql[] =
	    "INSERT OR REPLACE INTO source_classes (domain, header_from,"
	    " source_ip, class, sender) VALUES (?, ?, ?, ?, ?)";
	sqlite3		*db = store_sqlite(s);
	sqlite3_stmt	*del = NULL, *fgt = NULL, *win = NULL, *row = NULL;
	int64_t		 now = (int64_t)time(NULL);
	size_t		 i, j;
	int		 rc, ret = -1;

	if (nw == 0)
		return 0;
	if (sqlite3_db_readonly(db, "main") == 1)
		return 1;
	sqlite3_busy_timeout(db, CLASS_WAIT_MS);
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_busy_timeout(db, store_busy_ms(s));
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_READONLY)
		return 1;
	if (rc != SQLITE_OK)
		return store_db_err(db, store_path(s), err, CLASS_WHAT);
	if (sqlite3_prepare_v2(db, del_sql, -1, &del, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, fgt_sql, -1, &fgt, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, win_sql, -1, &win, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, row_sql, -1, &row, NULL) != SQLITE_OK)
		goto fail;
	for (i = 0; i < nw; i++) {
		sqlite3_bind_text(del, 1, w[i].domain, -1, SQLITE_STATIC);
		if (sqlite3_step(del) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(del);
		if (w[i].forget) {
			sqlite3_bind_text(fgt, 1, w[i].domain, -1,
			    SQLITE_STATIC);
			if (sqlite3_step(fgt) != SQLITE_DONE)
				goto fail;
			sqlite3_reset(fgt);
			continue;
		}
		sqlite3_bind_text(win, 1, w[i].domain, -1, SQLITE_STATIC);
		sqlite3_bind_int64(win, 2, w[i].from_day);
		sqlite3_bind_int64(win, 3, w[i].to_day);
		sqlite3_bind_int(win, 4, w[i].configured != 0);
		sqlite3_bind_int64(win, 5, now);
		if (sqlite3_step(win) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(win);
		for (j = 0; j < w[i].nrows; j++) {
			const struct store_class_row *r = &w[i].rows[j];
			sqlite3_bind_text(row, 1, w[i].domain, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(row, 2, r->header_from, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(row, 3, r->ip, -1, SQLITE_STATIC);
			sqlite3_bind_text(row, 4, r->class, -1, SQLITE_STATIC);
			if (r->sender != NULL)
				sqlite3_bind_text(row, 5, r->sender, -1,
				    SQLITE_STATIC);
			else
				sqlite3_bind_null(row, 5);
			if (sqlite3_step(row) != SQLITE_DONE)
				goto fail;
			sqlite3_reset(row);
		}
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	ret = 0;
	goto out;
fail:
	store_db_err(db, store_path(s), err, CLASS_WHAT);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(del);
	sqlite3_finalize(fgt);
	sqlite3_finalize(win);
	sqlite3_finalize(row);
	return ret;
}
