/*
 * store-input.c: the report files read before (schema/016-input-files.sql),
 * known by the SHA-256 of their bytes as read, so that ingest can pass
 * over a file it has stored without decompressing it and hashing each
 * document again (store.h, store_file_known).
 */
#include "config.h"

#include <time.h>

#include "store-int.h"
#include "store.h"

int
store_file_known(struct store *s, const unsigned char sha[SHA256_LEN],
    int64_t *reports, struct dr_error *err)
{
	struct store_q	*q = store_queries(s);
	int		 rc;

	if (store_q_prepare(s, &q->file_known, "SELECT reports FROM"
	    " input_files WHERE sha256 = ?", "preparing to look up a file",
	    err) == -1)
		return -1;
	db_bind_blob(q->file_known, 1, sha, SHA256_LEN, DB_STATIC);
	rc = db_step(q->file_known);
	if (rc == DB_ROW)
		*reports = db_column_int64(q->file_known, 0);
	db_reset(q->file_known);
	db_clear_bindings(q->file_known);
	if (rc == DB_ROW)
		return 1;
	if (rc == DB_DONE)
		return 0;
	return store_db_err(store_conn(s), store_path(s), err,
	    "looking up a file");
}

int
store_file_done(struct store *s, const unsigned char sha[SHA256_LEN],
    uint64_t size, const char *origin, int64_t reports,
    struct dr_error *err)
{
	struct store_q	*q = store_queries(s);
	struct db_stmt	*st;
	int		 rc;

	if (store_q_prepare(s, &q->file_put, "INSERT INTO input_files"
	    " (sha256, size, reports, origin, run_id, first_seen)"
	    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
	    "preparing to record a file", err) == -1 ||
	    store_batch_begin(s, err) == -1)
		return -1;
	st = q->file_put;
	db_bind_blob(st, 1, sha, SHA256_LEN, DB_STATIC);
	db_bind_int64(st, 2, (int64_t)size);
	db_bind_int64(st, 3, reports);
	db_bind_text(st, 4, origin, -1, DB_STATIC);
	db_bind_int64(st, 5, store_run_id(s));
	db_bind_int64(st, 6, (int64_t)time(NULL));
	rc = db_step(st);
	db_reset(st);
	db_clear_bindings(st);
	if (rc != DB_DONE)
		return store_db_err(store_conn(s), store_path(s), err,
		    "recording a file");
	/*
	 * Another ingest of the same file waits for this row, maybe holding
	 * the lock of the domain of its reports: this batch must not wait
	 * for that lock before it commits.
	 */
	store_locks(s);
	return 0;
}
