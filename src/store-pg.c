/*
 * store-pg.c: what the store does its own way on PostgreSQL (db-pg.c):
 * connecting and bringing the schema up to date (schema/pg/), handing
 * out row ids from sequences, writing records and their results with
 * COPY, and keeping a rejected input's bytes in pieces.
 *
 * Many ingests on many hosts may write one database at once. What
 * makes that safe is the database's, not a read before a write: the
 * unique keys (a report's digest, a report's key among the active
 * ones, a message's digest, a rejected input's digest) and a lock per
 * policy domain (store_pg_domain_lock) that a report holds from its
 * check for a copy stored before to its commit.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema-sql.h"
#include "store-int.h"
#include "store-pg.h"
#include "store.h"

#define NPG	((int)(sizeof schema_pg / sizeof schema_pg[0]))

/* The key of the lock taken while the schema is brought up to date. */
#define MIGRATE_LOCK	"7234891023"

int
store_pg_name(const char *path)
{
	return strncmp(path, "postgresql://", 13) == 0 ||
	    strncmp(path, "postgres://", 11) == 0;
}

static int
pg_err(struct db *db, const char *name, struct dr_error *err,
    const char *what)
{
	return store_db_err(db, name, err, what);
}

/* One integer from a query (0 rows: *v = dflt). 0, or -1 with err set. */
static int
one_int(struct db *db, const char *name, const char *sql, int64_t dflt,
    int64_t *v, struct dr_error *err, const char *what)
{
	struct db_stmt	*st;
	int		 rc;

	if (db_prepare_v2(db, sql, -1, &st, NULL) != DB_OK)
		return pg_err(db, name, err, what);
	rc = db_step(st);
	*v = rc == DB_ROW ? db_column_int64(st, 0) : dflt;
	db_finalize(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return pg_err(db, name, err, what);
	return 0;
}

static int
schema_version(struct db *db, const char *name, int64_t *v,
    struct dr_error *err)
{
	int64_t	there;

	if (one_int(db, name, "SELECT to_regclass('dmarcdb_schema') IS NOT"
	    " NULL", 0, &there, err, "reading the schema version") == -1)
		return -1;
	*v = 0;
	if (!there)
		return 0;
	return one_int(db, name, "SELECT max(version) FROM dmarcdb_schema", 0,
	    v, err, "reading the schema version");
}

static int
migrate(struct db *db, const char *name, int64_t v, struct dr_error *err)
{
	char	sql[64];
	int	i;

	if (db_exec(db, "BEGIN", NULL, NULL, NULL) != DB_OK ||
	    db_exec(db, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")", NULL,
	    NULL, NULL) != DB_OK)
		goto fail;
	/* Another ingest may have done it while we waited. */
	if (schema_version(db, name, &v, err) == -1) {
		db_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	for (i = 0; i < NPG; i++) {
		if (schema_pg[i].version <= v)
			continue;
		if (db_exec(db, schema_pg[i].sql, NULL, NULL, NULL) != DB_OK)
			goto fail;
	}
	snprintf(sql, sizeof sql, "UPDATE dmarcdb_schema SET version = %d",
	    store_schema_version());
	if (db_exec(db, sql, NULL, NULL, NULL) != DB_OK ||
	    db_exec(db, "COMMIT", NULL, NULL, NULL) != DB_OK)
		goto fail;
	return 0;
fail:
	pg_err(db, name, err, "updating the schema");
	db_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
store_pg_open(const char *dsn, int flags, struct db **out, char **name,
    int *readonly, struct dr_error *err)
{
	char	 msg[512];
	int64_t	 v, can = 0;
	int	 now = store_schema_version();

	*out = NULL;
	*readonly = 0;
	if ((*name = db_pg_safe_name(dsn)) == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	if (NPG == 0 || schema_pg[NPG - 1].version != now)
		return dr_seterr(err, DR_E_DB, "%s: this dmarcdb has no "
		    "PostgreSQL schema of version %d", *name, now);
	if (db_pg_connect(dsn, out, msg, sizeof msg) == -1)
		return dr_seterr(err, DR_E_DB, "%s: cannot connect: %s", *name,
		    msg);
	if (schema_version(*out, *name, &v, err) == -1)
		return -1;
	if (v > now)
		return dr_seterr(err, DR_E_DB, "%s: database schema version "
		    "%" PRId64 " is newer than this dmarcdb supports (%d): use "
		    "a newer dmarcdb", *name, v, now);
	if (v == 0 && (flags & STORE_CREATE) == 0)
		return dr_seterr(err, DR_E_DB, "no such database: %s (no "
		    "dmarcdb tables there; dmarcdb ingest creates them)",
		    *name);
	/*
	 * Read-only: a user without the right to add reports, or a
	 * standby server. Nothing is written then, as on SQLite.
	 */
	if (v > 0 && one_int(*out, *name, "SELECT (has_table_privilege("
	    "'reports', 'INSERT') AND NOT pg_is_in_recovery()"
	    " AND current_setting('transaction_read_only') = 'off')::int",
	    0, &can, err, "reading the privileges") == -1)
		return -1;
	if (v == 0 && one_int(*out, *name, "SELECT (NOT pg_is_in_recovery()"
	    " AND current_setting('transaction_read_only') = 'off')::int",
	    0, &can, err, "reading the privileges") == -1)
		return -1;
	*readonly = !can || (flags & STORE_READER) != 0;
	if (!can && (flags & STORE_CREATE) != 0)
		return dr_seterr(err, DR_E_DB, "%s: this user may not write "
		    "the database (ingest needs to insert into its tables: "
		    "GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "
		    "public, USAGE ON ALL SEQUENCES IN SCHEMA public, to it)",
		    *name);
	if (v == now)
		return 0;
	if (*readonly)
		return dr_seterr(err, DR_E_DB, "%s: schema version %" PRId64
		    " is older than this dmarcdb's (%d), and this user cannot "
		    "write it to update it: run any dmarcdb command on it once "
		    "as its owner, such as ingest (dmarcdb(1), SHARED "
		    "DATABASE)", *name, v, now);
	return migrate(*out, *name, v, err);
}

int
store_pg_ids(struct db *db, const char *name, const char *seq, int n,
    int64_t *ids, struct dr_error *err)
{
	char		 sql[128];
	struct db_stmt	*st;
	int		 i = 0, rc;

	snprintf(sql, sizeof sql, "SELECT nextval('%s') FROM"
	    " generate_series(1, %d)", seq, n);
	if (db_prepare_v2(db, sql, -1, &st, NULL) != DB_OK)
		return pg_err(db, name, err, "taking row ids");
	while ((rc = db_step(st)) == DB_ROW && i < n)
		ids[i++] = db_column_int64(st, 0);
	db_finalize(st);
	if (rc != DB_DONE || i != n)
		return pg_err(db, name, err, "taking row ids");
	return 0;
}

int
store_pg_domain_lock(struct db *db, const char *name, const char *domain,
    int wait, int64_t *id, struct dr_error *err)
{
	static const char *const sql[2][2] = { {
		"SELECT pg_try_advisory_xact_lock(hashtextextended(?, 0))",
		"SELECT 1 FROM (SELECT pg_advisory_xact_lock("
		"hashtextextended(?, 0)) OFFSET 0) AS l",
	}, {
		/* With the id, in the same round trip (once locked). */
		"SELECT l, CASE WHEN l THEN nextval('reports_id_seq') END"
		" FROM (SELECT pg_try_advisory_xact_lock(hashtextextended(?,"
		" 0)) AS l OFFSET 0) AS t",
		"SELECT 1, nextval('reports_id_seq') FROM (SELECT"
		" pg_advisory_xact_lock(hashtextextended(?, 0)) OFFSET 0)"
		" AS l",
	} };
	struct db_stmt	*st;
	int		 rc, got;

	if (db_prepare_v2(db, sql[id != NULL][wait != 0], -1, &st, NULL) !=
	    DB_OK)
		return pg_err(db, name, err, "locking a domain");
	db_bind_text(st, 1, domain != NULL ? domain : "", -1, DB_STATIC);
	rc = db_step(st);
	got = rc == DB_ROW && db_column_int(st, 0) != 0;
	if (got && id != NULL)
		*id = db_column_int64(st, 1);
	db_finalize(st);
	if (rc != DB_ROW)
		return pg_err(db, name, err, "locking a domain");
	return got;
}

/* --- records, with COPY ------------------------------------------------ */

/* The tables of a record's rows: what each is, and how many it has. */
enum kid { K_DKIM, K_SPF, K_REASON, K_WARNING, K__COUNT };

static const char *const kid_copy[K__COUNT] = {
	[K_DKIM] = "COPY dkim_results (policy_domain, record, ordinal, domain,"
	    " selector, result, human_result, human_result_lang) FROM STDIN",
	[K_SPF] = "COPY spf_results (policy_domain, record, ordinal, domain,"
	    " scope, result, human_result, human_result_lang) FROM STDIN",
	[K_REASON] = "COPY override_reasons (policy_domain, record, ordinal,"
	    " type, comment, comment_lang) FROM STDIN",
	[K_WARNING] = "COPY warnings (policy_domain, report, record, code,"
	    " message) FROM STDIN",
};

static size_t
kid_count(const struct dr_record *r, enum kid k)
{
	return k == K_DKIM ? r->ndkims : k == K_SPF ? r->nspfs :
	    k == K_REASON ? r->nreasons : r->nwarnings;
}

/* The fields of row j of kind k of record r (id), after the domain. */
static void
kid_fields(struct db *db, enum kid k, const struct dr_record *r, size_t j,
    int64_t id, int64_t report)
{
	if (k == K_WARNING) {
		db_pg_copy_int(db, report);
		db_pg_copy_int(db, id);
		db_pg_copy_str(db, r->warnings[j].code);
		db_pg_copy_str(db, r->warnings[j].msg);
		return;
	}
	db_pg_copy_int(db, id);
	db_pg_copy_int(db, (int64_t)j + 1);
	if (k == K_DKIM) {
		const struct dr_dkim *d = &r->dkims[j];
		db_pg_copy_str(db, d->domain);
		db_pg_copy_str(db, d->selector);
		db_pg_copy_str(db, d->result);
		db_pg_copy_str(db, d->human_result);
		db_pg_copy_str(db, d->human_result_lang);
	} else if (k == K_SPF) {
		const struct dr_spf *p = &r->spfs[j];
		db_pg_copy_str(db, p->domain);
		db_pg_copy_str(db, p->scope);
		db_pg_copy_str(db, p->result);
		db_pg_copy_str(db, p->human_result);
		db_pg_copy_str(db, p->human_result_lang);
	} else {
		const struct dr_reason *o = &r->reasons[j];
		db_pg_copy_str(db, o->type);
		db_pg_copy_str(db, o->comment);
		db_pg_copy_str(db, o->comment_lang);
	}
}

int
store_pg_records(struct db *db, const char *name, const char *domain,
    int64_t report, const struct dr_record *const *recs, const int64_t *ids,
    const int64_t *sigs, int n, struct dr_error *err)
{
	const char	*pd = domain != NULL ? domain : "";
	int		 i, rc, k, any;
	size_t		 j;

	/* Field errors stick: the row's end says (db.h, COPY). */
	rc = db_pg_copy_begin(db, "COPY records (policy_domain, id, report,"
	    " ordinal, source_ip, count, disposition, dkim, spf, header_from,"
	    " envelope_from, envelope_to, extensions, sig) FROM STDIN");
	for (i = 0; i < n && rc == DB_OK; i++) {
		const struct dr_record *r = recs[i];
		db_pg_copy_str(db, pd);
		db_pg_copy_int(db, ids[i]);
		db_pg_copy_int(db, report);
		db_pg_copy_int(db, (int64_t)r->ordinal);
		db_pg_copy_str(db, r->source_ip);
		db_pg_copy_int(db, r->count);
		db_pg_copy_str(db, r->disposition);
		db_pg_copy_str(db, r->dkim);
		db_pg_copy_str(db, r->spf);
		db_pg_copy_str(db, r->header_from);
		db_pg_copy_str(db, r->envelope_from);
		db_pg_copy_str(db, r->envelope_to);
		db_pg_copy_str(db, r->extensions);
		db_pg_copy_int(db, sigs[i]);
		rc = db_pg_copy_row(db);
	}
	if (db_pg_copy_end(db) != DB_OK || rc != DB_OK)
		return pg_err(db, name, err, "storing records");
	for (k = 0; k < K__COUNT; k++) {
		for (any = 0, i = 0; i < n && !any; i++)
			any = kid_count(recs[i], k) > 0;
		if (!any)
			continue;
		rc = db_pg_copy_begin(db, kid_copy[k]);
		for (i = 0; i < n && rc == DB_OK; i++)
			for (j = 0; j < kid_count(recs[i], k) && rc == DB_OK;
			    j++) {
				db_pg_copy_str(db, pd);
				kid_fields(db, k, recs[i], j, ids[i], report);
				rc = db_pg_copy_row(db);
			}
		if (db_pg_copy_end(db) != DB_OK || rc != DB_OK)
			return pg_err(db, name, err, "storing records");
	}
	return 0;
}

/* --- the raw bytes of a rejected input ------------------------------- */

int
store_pg_piece(struct db *db, const char *name, int64_t input, int64_t piece,
    const void *p, size_t n, struct dr_error *err)
{
	struct db_stmt	*st;
	int		 rc;

	if (db_prepare_v2(db, "INSERT INTO rejected_pieces (input, piece, raw)"
	    " VALUES (?, ?, ?) ON CONFLICT DO NOTHING", -1, &st, NULL) !=
	    DB_OK)
		return pg_err(db, name, err, "storing a rejected input");
	db_bind_int64(st, 1, input);
	db_bind_int64(st, 2, piece);
	db_bind_blob(st, 3, p, (int)n, DB_STATIC);
	rc = db_step(st);
	db_finalize(st);
	if (rc != DB_DONE)
		return pg_err(db, name, err, "storing a rejected input");
	return 0;
}

int
store_pg_has_raw(struct db *db, const char *name, int64_t input,
    struct dr_error *err)
{
	char	sql[96];
	int64_t	v;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM rejected_pieces"
	    " WHERE input = %" PRId64, input);
	if (one_int(db, name, sql, 0, &v, err, "storing a rejected input") ==
	    -1)
		return -1;
	return v > 0;
}

int
store_pg_trylock(struct db *db, const char *name, const char *what,
    struct dr_error *err)
{
	struct db_stmt	*st;
	int		 rc, got;

	if (db_prepare_v2(db, "SELECT pg_try_advisory_lock("
	    "hashtextextended('dmarcdb ' || ?, 0))", -1, &st, NULL) != DB_OK)
		return pg_err(db, name, err, "taking a lock");
	db_bind_text(st, 1, what, -1, DB_STATIC);
	rc = db_step(st);
	got = rc == DB_ROW && db_column_int(st, 0) != 0;
	db_finalize(st);
	if (rc != DB_ROW)
		return pg_err(db, name, err, "taking a lock");
	return got;
}

int
store_pg_redomain(struct db *db, const char *name, int64_t report,
    const char *from, const char *to, struct dr_error *err)
{
	static const char *const sql[] = {
	    "UPDATE dkim_results SET policy_domain = ?1 WHERE"
	    " policy_domain = ?3 AND record IN (SELECT id FROM records"
	    " WHERE report = ?2)",
	    "UPDATE spf_results SET policy_domain = ?1 WHERE"
	    " policy_domain = ?3 AND record IN (SELECT id FROM records"
	    " WHERE report = ?2)",
	    "UPDATE override_reasons SET policy_domain = ?1 WHERE"
	    " policy_domain = ?3 AND record IN (SELECT id FROM records"
	    " WHERE report = ?2)",
	    "UPDATE warnings SET policy_domain = ?1 WHERE report = ?2"
	    " AND policy_domain = ?3",
	    "UPDATE records SET policy_domain = ?1 WHERE report = ?2"
	    " AND policy_domain = ?3",
	};
	struct db_stmt	*st;
	size_t		 i;
	int		 rc;

	if (store_pg_domain_lock(db, name, to, 1, NULL, err) == -1)
		return -1;
	for (i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		if (db_prepare_v2(db, sql[i], -1, &st, NULL) != DB_OK)
			return pg_err(db, name, err, "storing a report");
		db_bind_text(st, 1, to, -1, DB_STATIC);
		db_bind_int64(st, 2, report);
		db_bind_text(st, 3, from, -1, DB_STATIC);
		rc = db_step(st);
		db_finalize(st);
		if (rc != DB_DONE)
			return pg_err(db, name, err, "storing a report");
	}
	return 0;
}
