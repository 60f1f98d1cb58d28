/*
 * store-alert.c: what digest --alert has sent (schema/013-alerts.sql):
 * whether a flag was alerted to an address, record the alerts sent and
 * the flags still raised, forget those gone. digest-alert.c decides
 * what is sent.
 */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "store-int.h"
#include "store.h"

#define ALERT_WHAT	"preparing to read the alerts sent"

int
store_alert_known(struct store *s, const char *rcpt, const char *key,
    struct dr_error *err)
{
	struct store_q	*q = store_queries(s);
	int		 rc;

	if (store_q_prepare(s, &q->alert_known, "SELECT 1 FROM digest_alerts"
	    " WHERE recipient = ? AND key = ?", ALERT_WHAT, err) == -1)
		return -1;
	db_reset(q->alert_known);
	db_bind_text(q->alert_known, 1, rcpt, -1, DB_STATIC);
	db_bind_text(q->alert_known, 2, key, -1, DB_STATIC);
	rc = db_step(q->alert_known);
	db_reset(q->alert_known);
	db_clear_bindings(q->alert_known);
	if (rc == DB_ROW)
		return 1;
	if (rc == DB_DONE)
		return 0;
	return store_db_err(store_conn(s), store_path(s), err,
	    "reading the alerts sent");
}

int
store_alert_mark(struct store *s, const char *const *rcpt, size_t nrcpt,
    const char *const *keys, size_t nkeys, int64_t now, int sent,
    struct dr_error *err)
{
	struct store_q	*q = store_queries(s);
	struct db *db = store_conn(s);
	struct db_stmt	*st;
	size_t		 i, j;

	/* Read-only: nothing is recorded (cmd-digest.c says so). */
	if (nrcpt == 0 || nkeys == 0 || store_readonly(s))
		return 0;
	if (store_q_prepare(s, &q->alert_sent, "INSERT INTO digest_alerts"
	    " (recipient, key, first_sent, last_seen) VALUES (?1, ?2, ?3, ?3)"
	    " ON CONFLICT (recipient, key) DO UPDATE SET"
	    " last_seen = excluded.last_seen", ALERT_WHAT, err) == -1 ||
	    store_q_prepare(s, &q->alert_seen, "UPDATE digest_alerts"
	    " SET last_seen = ?3 WHERE recipient = ?1 AND key = ?2",
	    ALERT_WHAT, err) == -1)
		return -1;
	st = sent ? q->alert_sent : q->alert_seen;
	/* A savepoint: its own transaction, or nested in the open one. */
	if (db_exec(db, "SAVEPOINT alert", NULL, NULL, NULL) != DB_OK)
		return store_db_err(db, store_path(s), err,
		    "recording the alerts sent");
	for (i = 0; i < nrcpt; i++)
		for (j = 0; j < nkeys; j++) {
			db_reset(st);
			db_bind_text(st, 1, rcpt[i], -1, DB_STATIC);
			db_bind_text(st, 2, keys[j], -1, DB_STATIC);
			db_bind_int64(st, 3, now);
			if (db_step(st) != DB_DONE)
				goto fail;
		}
	db_reset(st);
	db_clear_bindings(st);
	if (db_exec(db, "RELEASE alert", NULL, NULL, NULL) != DB_OK)
		goto fail;
	return 0;
fail:
	store_db_err(db, store_path(s), err, "recording the alerts sent");
	db_reset(st);
	db_clear_bindings(st);
	db_exec(db, "ROLLBACK TO alert", NULL, NULL, NULL);
	db_exec(db, "RELEASE alert", NULL, NULL, NULL);
	return -1;
}

int
store_alert_forget(struct store *s, int64_t before, struct dr_error *err)
{
	struct db *db = store_conn(s);
	struct db_stmt	*st;
	int		 rc;

	if (store_readonly(s))
		return 0;
	if (db_prepare_v2(db, "DELETE FROM digest_alerts"
	    " WHERE last_seen < ?", -1, &st, NULL) != DB_OK)
		return store_db_err(db, store_path(s), err,
		    "forgetting old alerts");
	db_bind_int64(st, 1, before);
	rc = db_step(st) == DB_DONE ? 0 : store_db_err(db,
	    store_path(s), err, "forgetting old alerts");
	db_finalize(st);
	return rc;
}
