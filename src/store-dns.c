/*
 * store-dns.c: what dmarcdb check and advise found in DNS, and when
 * (schema/015-dns-records.sql; store.h, store_dns_seen).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store-int.h"
#include "store.h"

#define DNS_WHAT	"keeping what DNS holds"

int
store_dns_seen(struct store *s, const char *domain, const char *kind,
    const char *name, const char *value, int64_t now,
    struct store_dns_seen *out, struct dr_error *err)
{
	struct db *db = store_conn(s);
	struct db_stmt	*last = NULL, *up = NULL;
	const char	*v;
	int64_t		 first = 0;
	int		 rc, found = 0, ret = -1;

	memset(out, 0, sizeof *out);
	out->since = now;
	/* The newest row, and the one before it if it holds the value. */
	if (db_prepare_v2(db, "SELECT value, first_seen FROM dns_records"
	    " WHERE domain = ?1 AND kind = ?2 AND name = ?3"
	    " ORDER BY first_seen DESC LIMIT 2", -1, &last, NULL) != DB_OK)
		return store_db_err(db, store_path(s), err, DNS_WHAT);
	db_bind_text(last, 1, domain, -1, DB_STATIC);
	db_bind_text(last, 2, kind, -1, DB_STATIC);
	db_bind_text(last, 3, name, -1, DB_STATIC);
	while ((rc = db_step(last)) == DB_ROW) {
		v = (const char *)db_column_text(last, 0);
		if (v == NULL)
			v = "";
		if (found == 0) {
			found = 1;
			first = db_column_int64(last, 1);
			if (strcmp(v, value) != 0) {
				/*
				 * Changed now: a second after the newest row
				 * began at the earliest, so that a change in
				 * the second it was kept is a row of its own.
				 */
				if (now <= first)
					now = first + 1;
				out->since = out->changed = now;
				if ((out->was = strdup(v)) == NULL) {
					dr_seterr(err, DR_E_NOMEM, "out of "
					    "memory");
					goto out;
				}
				break;
			}
			out->since = first;
			continue;
		}
		/* The same value as the newest: what came before it. */
		out->changed = first;
		if ((out->was = strdup(v)) == NULL) {
			dr_seterr(err, DR_E_NOMEM, "out of memory");
			goto out;
		}
		break;
	}
	if (rc != DB_ROW && rc != DB_DONE) {
		store_db_err(db, store_path(s), err, DNS_WHAT);
		goto out;
	}
	if (store_readonly(s)) {
		ret = 0;
		goto out;
	}
	if (found && out->changed != now) {
		rc = db_prepare_v2(db, "UPDATE dns_records SET last_seen ="
		    " CASE WHEN last_seen > ?5 THEN last_seen ELSE ?5 END"
		    " WHERE domain = ?1 AND kind = ?2"
		    " AND name = ?3 AND first_seen = ?4", -1, &up, NULL);
		if (rc == DB_OK)
			db_bind_int64(up, 4, first);
	} else
		rc = db_prepare_v2(db, "INSERT INTO dns_records (domain,"
		    " kind, name, value, first_seen, last_seen)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
		    " ON CONFLICT (domain, kind, name, first_seen)"
		    " DO UPDATE SET value = excluded.value",
		    -1, &up, NULL);
	if (rc != DB_OK) {
		store_db_err(db, store_path(s), err, DNS_WHAT);
		goto out;
	}
	db_bind_text(up, 1, domain, -1, DB_STATIC);
	db_bind_text(up, 2, kind, -1, DB_STATIC);
	db_bind_text(up, 3, name, -1, DB_STATIC);
	if (!(found && out->changed != now))
		db_bind_text(up, 4, value, -1, DB_STATIC);
	db_bind_int64(up, 5, now);
	if (db_step(up) != DB_DONE) {
		store_db_err(db, store_path(s), err, DNS_WHAT);
		goto out;
	}
	ret = 0;
out:
	if (ret == -1) {
		free(out->was);
		out->was = NULL;
	}
	db_finalize(last);
	db_finalize(up);
	return ret;
}

int
store_dns_changes(struct store *s, const char *domain, int64_t from,
    int64_t to, int (*cb)(void *, const char *, const char *, const char *,
    const char *, int64_t), void *arg, struct dr_error *err)
{
	struct db *db = store_conn(s);
	struct db_stmt	*st;
	int		 rc, ret = 0;

	if (db_prepare_v2(db, "SELECT n.kind, n.name, (SELECT p.value"
	    " FROM dns_records p WHERE p.domain = n.domain AND p.kind = n.kind"
	    " AND p.name = n.name AND p.first_seen < n.first_seen"
	    " ORDER BY p.first_seen DESC LIMIT 1), n.value, n.first_seen"
	    " FROM dns_records n WHERE n.domain = ?1 AND n.first_seen >= ?2"
	    " AND n.first_seen < ?3 ORDER BY n.first_seen, n.kind, n.name",
	    -1, &st, NULL) != DB_OK)
		return store_db_err(db, store_path(s), err, "reading the "
		    "changes in DNS");
	db_bind_text(st, 1, domain, -1, DB_STATIC);
	db_bind_int64(st, 2, from);
	db_bind_int64(st, 3, to);
	while ((rc = db_step(st)) == DB_ROW) {
		const char *was = (const char *)db_column_text(st, 2);
		if (was == NULL)
			continue;	/* the first seen: no change */
		if ((ret = cb(arg, (const char *)db_column_text(st, 0),
		    (const char *)db_column_text(st, 1), was,
		    (const char *)db_column_text(st, 3),
		    db_column_int64(st, 4))) != 0)
			break;
	}
	if (ret == 0 && rc != DB_DONE)
		ret = store_db_err(db, store_path(s), err, "reading the "
		    "changes in DNS");
	db_finalize(st);
	return ret;
}
