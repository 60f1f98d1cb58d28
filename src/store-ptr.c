/*
 * store-ptr.c: the reverse DNS cache (schema/009-ptr-cache.sql): read
 * an address's fresh answer, write a batch of answers. rdns.c decides
 * what is stored and for how long.
 */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "store-int.h"
#include "store.h"

int
store_ptr_get(struct store *s, const char *ip, int64_t now,
    struct store_ptr *out, struct dr_error *err)
{
	struct store_q	*q = store_queries(s);
	int		 rc;

	if (store_q_prepare(s, &q->ptr_get, "SELECT status, name, confirmed,"
	    " checked, expires FROM ptr_cache WHERE ip = ? AND expires > ?",
	    "preparing to read the reverse DNS cache", err) == -1)
		return -1;
	db_reset(q->ptr_get);
	db_bind_text(q->ptr_get, 1, ip, -1, DB_STATIC);
	db_bind_int64(q->ptr_get, 2, now);
	rc = db_step(q->ptr_get);
	if (rc == DB_DONE)
		return 0;
	if (rc != DB_ROW)
		return store_db_err(store_conn(s), store_path(s), err,
		    "reading the reverse DNS cache");
	memset(out, 0, sizeof *out);
	out->ip = ip;
	out->status = (const char *)db_column_text(q->ptr_get, 0);
	out->name = (const char *)db_column_text(q->ptr_get, 1);
	out->confirmed = db_column_int(q->ptr_get, 2);
	out->checked = db_column_int64(q->ptr_get, 3);
	out->expires = db_column_int64(q->ptr_get, 4);
	if (out->status == NULL)
		out->status = "";
	return 1;
}

int
store_ptr_put(struct store *s, const struct store_ptr *p, size_t n,
    struct dr_error *err)
{
	struct store_q	*q = store_queries(s);
	struct db *db = store_conn(s);
	size_t		 i;

	/* Read-only: the answers serve this run only. */
	if (n == 0 || store_readonly(s))
		return 0;
	if (store_q_prepare(s, &q->ptr_put, "INSERT INTO ptr_cache"
	    " (ip, status, name, confirmed, checked, expires)"
	    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ip) DO UPDATE SET"
	    " status = excluded.status, name = excluded.name,"
	    " confirmed = excluded.confirmed, checked = excluded.checked,"
	    " expires = excluded.expires", "preparing to read the reverse DNS "
	    "cache", err) == -1)
		return -1;
	/* A savepoint: its own transaction, or nested in the open one. */
	if (db_exec(db, "SAVEPOINT ptr", NULL, NULL, NULL) != DB_OK)
		return store_db_err(db, store_path(s), err,
		    "writing the reverse DNS cache");
	for (i = 0; i < n; i++) {
		db_reset(q->ptr_put);
		db_bind_text(q->ptr_put, 1, p[i].ip, -1, DB_STATIC);
		db_bind_text(q->ptr_put, 2, p[i].status, -1,
		    DB_STATIC);
		if (p[i].name != NULL)
			db_bind_text(q->ptr_put, 3, p[i].name, -1,
			    DB_STATIC);
		else
			db_bind_null(q->ptr_put, 3);
		db_bind_int(q->ptr_put, 4, p[i].confirmed);
		db_bind_int64(q->ptr_put, 5, p[i].checked);
		db_bind_int64(q->ptr_put, 6, p[i].expires);
		if (db_step(q->ptr_put) != DB_DONE)
			goto fail;
	}
	db_reset(q->ptr_put);
	db_clear_bindings(q->ptr_put);
	if (db_exec(db, "RELEASE ptr", NULL, NULL, NULL) != DB_OK)
		goto fail;
	return 0;
fail:
	store_db_err(db, store_path(s), err, "writing the reverse DNS cache");
	db_reset(q->ptr_put);
	db_clear_bindings(q->ptr_put);
	db_exec(db, "ROLLBACK TO ptr", NULL, NULL, NULL);
	db_exec(db, "RELEASE ptr", NULL, NULL, NULL);
	return -1;
}
