/*
 * store-copy.c: a SQLite store into another store (dmarcdb copy).
 *
 * The reports go into the target as an ingest puts them, through the
 * same calls (store_report_begin, store_record, store_report_end), so
 * that the target's rules hold for them as for any report: one known
 * by its digest is not stored again, which makes a copy that stopped
 * something to run again, and two copies or a copy and an ingest at
 * once safe; a re-sent version supersedes the same way; the summary
 * and the signatures are the target's own. What the reports came with
 * is kept as it was: their ingest runs, when they were ingested, their
 * mail messages and where those were seen, the rejected inputs with
 * their bytes, and the caches worth keeping (reverse DNS, the alerts
 * sent, the DNS records seen). The rest is the target's to work out:
 * sources (from the records), what sources decided (the next report
 * command), the configuration's mirror (the next run with it), the
 * files read before (input_files: the next ingest of them).
 *
 * Rows of the other tables are known by their natural keys (a message
 * or a rejected input by its digest, a run by all of its columns, a
 * cache row by its key) and added only when missing. The target's ids
 * are its own: those of the source are mapped through these keys,
 * never kept in memory, so memory does not grow with the store.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-int.h"
#include "store.h"

/* Records held for the target at once (store_record keeps pointers). */
#define COPY_RECORDS	1024
/* A batch: this many reports, or rows of the other tables, or ms. */
#define COPY_BATCH	1000
#define COPY_BATCH_MS	1000

struct copy {
	struct store		*from, *to;
	struct db		*src, *dst;
	const char		*spath, *dpath;
	struct store_copy_counts *n;
	int			(*stop)(void *);
	void			(*progress)(void *,
				    const struct store_copy_counts *);
	void			*arg;
	struct dr_error		*err;
	/* The source's. */
	struct db_stmt		*s_run, *s_errors, *s_rwarn, *s_records;
	struct db_stmt		*s_warn;
	/* The target's. */
	struct db_stmt		*d_run_find, *d_run_add, *d_mail;
	struct db_stmt		*d_rej_find, *d_rej_set;
	int64_t			 run_src, run_dst;	/* the last mapped */
	struct walk		 walk;
	struct arena		 mem;		/* the open report's */
	/* Records given to the target and not yet flushed. */
	struct dr_record	 held[COPY_RECORDS];
	size_t			 nheld;
	struct arena		 heldmem;
	int			 nomem;
};

/* --- statements ------------------------------------------------------ */

/* The columns of ingest_runs after its id, as both stores have them. */
#define RUN_COLS \
	"started_at, finished_at, version, inputs, stored, duplicates," \
	" superseded, rejected, records, messages, mail_read, mail_known," \
	" unreadable"
#define RUN_NCOLS	13

static const char s_runs_sql[] =
    "SELECT id, " RUN_COLS " FROM ingest_runs ORDER BY id";
static const char s_run_sql[] =
    "SELECT id, " RUN_COLS " FROM ingest_runs WHERE id = ?";
/* A run is the same run when every column is the same. */
static const char d_run_find_sql[] =
    "SELECT id FROM ingest_runs WHERE started_at = ?1"
    " AND coalesce(finished_at, -1) = coalesce(?2, -1) AND version = ?3"
    " AND inputs = ?4 AND stored = ?5 AND duplicates = ?6"
    " AND superseded = ?7 AND rejected = ?8 AND records = ?9"
    " AND messages = ?10 AND mail_read = ?11 AND mail_known = ?12"
    " AND unreadable = ?13 ORDER BY id LIMIT 1";
static const char d_run_add_sql[] =
    "INSERT INTO ingest_runs (" RUN_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?,"
    " ?, ?, ?, ?, ?, ?) RETURNING id";

static const char s_mail_sql[] =
    "SELECT run_id, sha256, message_id, mailbox, location, from_addr,"
    " subject, date, size, outcome, reports, duplicates, rejected, reason,"
    " first_seen, last_seen FROM mail_messages ORDER BY id";
static const char d_mail_add_sql[] =
    "INSERT INTO mail_messages (run_id, sha256, message_id, mailbox,"
    " location, from_addr, subject, date, size, outcome, reports,"
    " duplicates, rejected, reason, first_seen, last_seen)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (sha256) DO NOTHING";
static const char d_mail_sql[] =
    "SELECT id FROM mail_messages WHERE sha256 = ?";
static const char s_loc_sql[] =
    "SELECT l.location, m.sha256, l.seen_at, l.handled_at"
    " FROM mail_locations l JOIN mail_messages m ON m.id = l.message"
    " ORDER BY l.location";
static const char d_loc_add_sql[] =
    "INSERT INTO mail_locations (location, message, seen_at, handled_at)"
    " SELECT ?1, id, ?3, ?4 FROM mail_messages WHERE sha256 = ?2"
    " ON CONFLICT (location) DO NOTHING";

static const char s_reports_sql[] =
    "SELECT r.id, r.run_id, r.origin, r.received_at, r.ingested_at,"
    " r.xml_sha256, r.xml_part, r.xml_size, r.schema, r.namespace,"
    " r.version, r.org_name, r.email, r.extra_contact_info,"
    " r.extra_contact_info_lang, r.report_id, r.generator, r.date_begin,"
    " r.date_end, r.domain, r.adkim, r.aspf, r.p, r.sp, r.np, r.pct, r.fo,"
    " r.testing, r.discovery_method, r.extensions, r.reporter,"
    " r.report_key_id, r.record_count, r.message_count, m.sha256,"
    " r.raw_p, r.raw_sp, r.raw_np, r.raw_adkim, r.raw_aspf, r.raw_pct,"
    " r.raw_fo, r.raw_testing"
    " FROM reports r LEFT JOIN mail_messages m ON m.id = r.mail_message"
    " ORDER BY r.id";
enum {
	R_ID, R_RUN, R_ORIGIN, R_RECEIVED, R_INGESTED, R_SHA, R_PART, R_SIZE,
	R_SCHEMA, R_NS, R_VERSION, R_ORG, R_EMAIL, R_ECI, R_ECI_LANG,
	R_REPORT_ID, R_GENERATOR, R_BEGIN, R_END, R_DOMAIN, R_ADKIM, R_ASPF,
	R_P, R_SP, R_NP, R_PCT, R_FO, R_TESTING, R_DISCOVERY, R_EXT,
	R_REPORTER, R_KEY, R_NRECORDS, R_NMESSAGES, R_MAIL, R_RAW_P,
	R_RAW_SP, R_RAW_NP, R_RAW_ADKIM, R_RAW_ASPF, R_RAW_PCT, R_RAW_FO,
	R_RAW_TESTING
};
static const char s_errors_sql[] =
    "SELECT message, lang FROM report_errors WHERE report = ?"
    " ORDER BY ordinal";
static const char s_rwarn_sql[] =
    "SELECT code, message FROM warnings WHERE report = ?"
    " AND record IS NULL ORDER BY id";
/* Columns 0 to 6 as store-walk.c reads them. */
static const char s_records_sql[] =
    "SELECT id, source_ip, count, disposition, dkim, spf, header_from,"
    " ordinal, envelope_from, envelope_to, extensions FROM records"
    " WHERE id BETWEEN ?1 AND ?2 AND report = ?3 ORDER BY id";
static const char s_warn_sql[] =
    "SELECT record, code, message FROM warnings WHERE report = ?"
    " AND record IS NOT NULL ORDER BY record, id";

static const char s_rejected_sql[] =
    "SELECT i.id, i.run_id, i.origin, i.reason, i.sha256, i.size,"
    " i.first_seen, i.last_seen, i.times_seen, m.sha256,"
    " (SELECT length(k.raw) FROM rejected_raw k WHERE k.input = i.id)"
    " FROM rejected_inputs i LEFT JOIN mail_messages m"
    " ON m.id = i.mail_message ORDER BY i.id";
static const char d_rej_find_sql[] =
    "SELECT id FROM rejected_inputs WHERE sha256 = ?";
static const char d_rej_set_sql[] =
    "UPDATE rejected_inputs SET run_id = ?, first_seen = ?, last_seen = ?,"
    " times_seen = ?, mail_message = ? WHERE sha256 = ?";

/*
 * The caches: the same columns in both stores, a row known by its
 * key. types: a letter per column, i(nteger) or t(ext).
 */
static const struct cache {
	const char	*table, *cols, *key, *types;
} caches[] = {
	{ "ptr_cache", "ip, status, name, confirmed, checked, expires",
	    "ip", "tttiii" },
	{ "digest_alerts", "recipient, key, first_sent, last_seen",
	    "recipient, key", "ttii" },
	{ "dns_records", "domain, kind, name, value, first_seen, last_seen",
	    "domain, kind, name, first_seen", "ttttii" },
};

static int
serr(struct copy *c, const char *what)
{
	return store_db_err(c->src, c->spath, c->err, what);
}

static int
derr(struct copy *c, const char *what)
{
	return store_db_err(c->dst, c->dpath, c->err, what);
}

static int
prep(struct db *db, const char *path, const char *sql, unsigned flags,
    struct db_stmt **st, struct dr_error *err)
{
	if (db_prepare_v3(db, sql, -1, flags, st, NULL) != DB_OK)
		return store_db_err(db, path, err, "preparing to copy");
	return 0;
}

/*
 * Bind column col of src to parameter i of dst as type: 'i' integer,
 * 't' text, 'b' blob; a NULL stays NULL. The value lasts as long as
 * src's row.
 */
static void
bind_col(struct db_stmt *dst, int i, struct db_stmt *src, int col, char type)
{
	if (db_column_type(src, col) == DB_NULL) {
		db_bind_null(dst, i);
		return;
	}
	switch (type) {
	case 'i':
		db_bind_int64(dst, i, db_column_int64(src, col));
		break;
	case 'b': {
		const void *p = db_column_blob(src, col);
		db_bind_blob(dst, i, p != NULL ? p : "",
		    db_column_bytes(src, col), DB_STATIC);
		break;
	}
	default:
		db_bind_text(dst, i, (const char *)db_column_text(src, col),
		    db_column_bytes(src, col), DB_STATIC);
		break;
	}
}

static void
bind_cols(struct db_stmt *dst, int first, struct db_stmt *src, int col,
    const char *types)
{
	for (; *types != '\0'; types++)
		bind_col(dst, first++, src, col++, *types);
}

static const char run_types[] = "iitiiiiiiiiii";

/*
 * A batch of the target's: committed when due (the caller's writes in
 * between are in it), a new one begun. 0, or -1 with err set.
 */
static int
batch(struct copy *c)
{
	if (store_batch_due(c->to, COPY_BATCH, COPY_BATCH_MS) &&
	    store_commit(c->to, c->err) == -1)
		return -1;
	return store_batch_begin(c->to, c->err);
}

static void
tell(struct copy *c)
{
	if (c->progress != NULL)
		c->progress(c->arg, c->n);
}

/* --- runs ------------------------------------------------------------ */

/*
 * The target's id of the run whose row src holds (columns 1 on): the
 * same row there, or (add) one added. 0 with *id, -1 with err set.
 */
static int
run_find(struct copy *c, struct db_stmt *src, int add, int64_t *id)
{
	int	rc;

	bind_cols(c->d_run_find, 1, src, 1, run_types);
	rc = db_step(c->d_run_find);
	if (rc == DB_ROW)
		*id = db_column_int64(c->d_run_find, 0);
	db_reset(c->d_run_find);
	if (rc == DB_ROW)
		return 0;
	if (rc != DB_DONE)
		return derr(c, "looking up an ingest run");
	if (!add)
		return dr_seterr(c->err, DR_E_DB, "%s: an ingest run copied "
		    "is gone", c->dpath);
	bind_cols(c->d_run_add, 1, src, 1, run_types);
	rc = db_step(c->d_run_add);
	if (rc == DB_ROW) {
		*id = db_column_int64(c->d_run_add, 0);
		rc = db_step(c->d_run_add);
	}
	db_reset(c->d_run_add);
	if (rc != DB_DONE)
		return derr(c, "copying an ingest run");
	c->n->runs++;
	return 0;
}

/* Every run, so that the history is whole (runs that stored nothing). */
static int
copy_runs(struct copy *c)
{
	struct db_stmt	*st;
	int64_t		 id;
	int		 rc;

	if (prep(c->src, c->spath, s_runs_sql, DB_PREPARE_STREAM, &st,
	    c->err) == -1)
		return -1;
	while ((rc = db_step(st)) == DB_ROW)
		if (batch(c) == -1 || run_find(c, st, 1, &id) == -1) {
			db_finalize(st);
			return -1;
		}
	db_finalize(st);
	if (rc != DB_DONE)
		return serr(c, "reading the ingest runs");
	return 0;
}

/* The target's id of the source's run (copied before). */
static int
run_map(struct copy *c, int64_t src, int64_t *dst)
{
	int	rc;

	if (src == c->run_src && c->run_dst > 0) {
		*dst = c->run_dst;
		return 0;
	}
	db_bind_int64(c->s_run, 1, src);
	rc = db_step(c->s_run);
	if (rc == DB_ROW)
		rc = run_find(c, c->s_run, 1, dst);
	else if (rc == DB_DONE)
		rc = dr_seterr(c->err, DR_E_DB, "%s: ingest run %lld is "
		    "missing", c->spath, (long long)src);
	else
		rc = serr(c, "reading an ingest run");
	db_reset(c->s_run);
	if (rc == -1)
		return -1;
	c->run_src = src;
	c->run_dst = *dst;
	return 0;
}

/* --- mail ------------------------------------------------------------ */

/* The target's id of a mail message, by its digest: 1, 0 none, -1. */
static int
mail_map(struct copy *c, struct db_stmt *src, int col, int64_t *id)
{
	int	rc;

	*id = 0;
	if (db_column_type(src, col) == DB_NULL)
		return 0;
	bind_col(c->d_mail, 1, src, col, 'b');
	rc = db_step(c->d_mail);
	if (rc == DB_ROW)
		*id = db_column_int64(c->d_mail, 0);
	db_reset(c->d_mail);
	if (rc != DB_ROW && rc != DB_DONE)
		return derr(c, "looking up a mail message");
	return rc == DB_ROW;
}

static int
copy_mail(struct copy *c)
{
	struct db_stmt	*st = NULL, *add = NULL;
	int64_t		 run, id;
	int		 rc, ret = -1;

	if (prep(c->src, c->spath, s_mail_sql, DB_PREPARE_STREAM, &st,
	    c->err) == -1 ||
	    prep(c->dst, c->dpath, d_mail_add_sql, 0, &add, c->err) == -1)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		if (c->stop != NULL && c->stop(c->arg)) {
			ret = 1;
			goto out;
		}
		/*
		 * Looked up first: on PostgreSQL an insert that conflicts
		 * takes an id from the sequence all the same.
		 */
		if (batch(c) == -1 || (rc = mail_map(c, st, 1, &id)) == -1)
			goto out;
		if (++c->n->message_rows % 256 == 0)
			tell(c);
		if (rc == 1)
			continue;
		if (run_map(c, db_column_int64(st, 0), &run) == -1)
			goto out;
		db_bind_int64(add, 1, run);
		bind_cols(add, 2, st, 1, "btttttiitiiitii");
		rc = db_step(add);
		db_reset(add);
		if (rc != DB_DONE) {
			derr(c, "copying a mail message");
			goto out;
		}
		c->n->messages += (uint64_t)db_changes(c->dst);
	}
	if (rc != DB_DONE) {
		serr(c, "reading the mail messages");
		goto out;
	}
	db_finalize(st);
	db_finalize(add);
	add = NULL;
	if (prep(c->src, c->spath, s_loc_sql, DB_PREPARE_STREAM, &st,
	    c->err) == -1 ||
	    prep(c->dst, c->dpath, d_loc_add_sql, 0, &add, c->err) == -1)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		if (batch(c) == -1)
			goto out;
		bind_cols(add, 1, st, 0, "tbii");
		rc = db_step(add);
		db_reset(add);
		if (rc != DB_DONE) {
			derr(c, "copying where a mail message was seen");
			goto out;
		}
	}
	if (rc != DB_DONE) {
		serr(c, "reading where mail messages were seen");
		goto out;
	}
	ret = 0;
out:
	db_finalize(st);
	db_finalize(add);
	return ret;
}

/* --- reports --------------------------------------------------------- */

static const char *
col(struct db_stmt *st, int i)
{
	return (const char *)db_column_text(st, i);
}

static const char *
dup(struct copy *c, struct arena *a, const char *s)
{
	char	*d;

	if (s == NULL)
		return NULL;
	if ((d = arena_strndup(a, s, strlen(s))) == NULL)
		c->nomem = 1;
	return d;
}

/* The report's header and document from the source's row. */
static void
header(struct db_stmt *rs, struct dr_report *r, struct store_doc *doc)
{
	memset(r, 0, sizeof *r);
	memset(doc, 0, sizeof *doc);
	doc->origin = col(rs, R_ORIGIN);
	doc->received_at = db_column_int64(rs, R_RECEIVED);
	memcpy(doc->sha256, db_column_blob(rs, R_SHA), SHA256_LEN);
	doc->part = (unsigned)db_column_int64(rs, R_PART);
	doc->xml_size = (uint64_t)db_column_int64(rs, R_SIZE);
	r->schema = col(rs, R_SCHEMA) != NULL &&
	    strcmp(col(rs, R_SCHEMA), "rfc9990") == 0 ? DR_SCHEMA_RFC9990 :
	    DR_SCHEMA_RFC7489;
	r->xmlns = col(rs, R_NS);
	r->version = col(rs, R_VERSION);
	r->org_name = col(rs, R_ORG);
	r->email = col(rs, R_EMAIL);
	r->extra_contact_info = col(rs, R_ECI);
	r->extra_contact_info_lang = col(rs, R_ECI_LANG);
	r->report_id = col(rs, R_REPORT_ID);
	r->generator = col(rs, R_GENERATOR);
	r->begin = db_column_int64(rs, R_BEGIN);
	r->end = db_column_int64(rs, R_END);
	r->domain = col(rs, R_DOMAIN);
	r->adkim = col(rs, R_ADKIM);
	r->aspf = col(rs, R_ASPF);
	r->p = col(rs, R_P);
	r->sp = col(rs, R_SP);
	r->np = col(rs, R_NP);
	r->pct = db_column_type(rs, R_PCT) == DB_NULL ? -1 :
	    db_column_int64(rs, R_PCT);
	r->fo = col(rs, R_FO);
	r->testing = col(rs, R_TESTING);
	r->discovery_method = col(rs, R_DISCOVERY);
	r->extensions = col(rs, R_EXT);
	r->reporter = col(rs, R_REPORTER);
	r->report_id_norm = col(rs, R_KEY);
	r->nrecords = (uint64_t)db_column_int64(rs, R_NRECORDS);
	r->nmessages = (uint64_t)db_column_int64(rs, R_NMESSAGES);
	r->raw_p = col(rs, R_RAW_P);
	r->raw_sp = col(rs, R_RAW_SP);
	r->raw_np = col(rs, R_RAW_NP);
	r->raw_adkim = col(rs, R_RAW_ADKIM);
	r->raw_aspf = col(rs, R_RAW_ASPF);
	r->raw_pct = col(rs, R_RAW_PCT);
	r->raw_fo = col(rs, R_RAW_FO);
	r->raw_testing = col(rs, R_RAW_TESTING);
}

/*
 * The report's errors and its own warnings (not its records'), into
 * the report's memory. 0, or -1 with err set.
 */
static int
remarks(struct copy *c, int64_t id, struct dr_report *r)
{
	struct dr_report_error	*errs = NULL, *e;
	struct dr_warning	*ws = NULL, *w;
	size_t			 cap, n;
	int			 rc;

	db_bind_int64(c->s_errors, 1, id);
	for (cap = n = 0; (rc = db_step(c->s_errors)) == DB_ROW; n++) {
		/* (An array in the arena: grown by copying.) */
		if (n == cap) {
			e = arena_alloc(&c->mem, (cap = cap ? cap * 2 : 4) *
			    sizeof *e);
			if (e == NULL)
				break;
			if (n > 0)
				memcpy(e, errs, n * sizeof *e);
			errs = e;
		}
		errs[n].msg = dup(c, &c->mem, col(c->s_errors, 0));
		errs[n].lang = dup(c, &c->mem, col(c->s_errors, 1));
	}
	db_reset(c->s_errors);
	if (rc == DB_ROW)
		return dr_seterr(c->err, DR_E_NOMEM, "out of memory");
	if (rc != DB_DONE)
		return serr(c, "reading a report's errors");
	r->errors = errs;
	r->nerrors = n;
	db_bind_int64(c->s_rwarn, 1, id);
	for (cap = n = 0; (rc = db_step(c->s_rwarn)) == DB_ROW; n++) {
		if (n == cap) {
			w = arena_alloc(&c->mem, (cap = cap ? cap * 2 : 4) *
			    sizeof *w);
			if (w == NULL)
				break;
			if (n > 0)
				memcpy(w, ws, n * sizeof *w);
			ws = w;
		}
		ws[n].code = dup(c, &c->mem, col(c->s_rwarn, 0));
		ws[n].msg = dup(c, &c->mem, col(c->s_rwarn, 1));
	}
	db_reset(c->s_rwarn);
	if (rc == DB_ROW)
		return dr_seterr(c->err, DR_E_NOMEM, "out of memory");
	if (rc != DB_DONE)
		return serr(c, "reading a report's warnings");
	r->warnings = ws;
	r->nwarnings = n;
	return c->nomem ? dr_seterr(c->err, DR_E_NOMEM, "out of memory") : 0;
}

/* An array of n items of size bytes, copied into a. */
static const void *
dup_array(struct copy *c, struct arena *a, const void *p, size_t n,
    size_t size)
{
	void	*d;

	if (n == 0)
		return NULL;
	if ((d = arena_alloc(a, n * size)) == NULL) {
		c->nomem = 1;
		return NULL;
	}
	return memcpy(d, p, n * size);
}

/*
 * Hold a record read back (its memory is the walk's, until the next)
 * for the target, with its warnings (the cursor c->s_warn is at the
 * first of those of a record id or later): everything copied into
 * heldmem. The record given to store_record.
 */
static struct dr_record *
hold(struct copy *c, const struct dr_record *src, int64_t id, int *wrc)
{
	struct arena		*a = &c->heldmem;
	struct dr_record	*r = &c->held[c->nheld];
	struct dr_dkim		*dk;
	struct dr_spf		*sp;
	struct dr_reason	*re;
	struct dr_warning	*ws = NULL, *w;
	size_t			 i, cap = 0;

	*r = *src;
	r->source_ip = dup(c, a, src->source_ip);
	r->disposition = dup(c, a, src->disposition);
	r->dkim = dup(c, a, src->dkim);
	r->spf = dup(c, a, src->spf);
	r->header_from = dup(c, a, src->header_from);
	r->envelope_from = dup(c, a, src->envelope_from);
	r->envelope_to = dup(c, a, src->envelope_to);
	r->extensions = dup(c, a, src->extensions);
	r->dkims = dk = (struct dr_dkim *)dup_array(c, a, src->dkims,
	    src->ndkims, sizeof *dk);
	for (i = 0; dk != NULL && i < src->ndkims; i++) {
		dk[i].domain = dup(c, a, dk[i].domain);
		dk[i].selector = dup(c, a, dk[i].selector);
		dk[i].result = dup(c, a, dk[i].result);
		dk[i].human_result = dup(c, a, dk[i].human_result);
		dk[i].human_result_lang = dup(c, a, dk[i].human_result_lang);
	}
	r->spfs = sp = (struct dr_spf *)dup_array(c, a, src->spfs,
	    src->nspfs, sizeof *sp);
	for (i = 0; sp != NULL && i < src->nspfs; i++) {
		sp[i].domain = dup(c, a, sp[i].domain);
		sp[i].scope = dup(c, a, sp[i].scope);
		sp[i].result = dup(c, a, sp[i].result);
		sp[i].human_result = dup(c, a, sp[i].human_result);
		sp[i].human_result_lang = dup(c, a, sp[i].human_result_lang);
	}
	r->reasons = re = (struct dr_reason *)dup_array(c, a, src->reasons,
	    src->nreasons, sizeof *re);
	for (i = 0; re != NULL && i < src->nreasons; i++) {
		re[i].type = dup(c, a, re[i].type);
		re[i].comment = dup(c, a, re[i].comment);
		re[i].comment_lang = dup(c, a, re[i].comment_lang);
	}
	r->nwarnings = 0;
	while (*wrc == DB_ROW && db_column_int64(c->s_warn, 0) < id)
		*wrc = db_step(c->s_warn);
	for (; *wrc == DB_ROW && db_column_int64(c->s_warn, 0) == id;
	    *wrc = db_step(c->s_warn)) {
		if (r->nwarnings == cap) {
			w = arena_alloc(a, (cap = cap ? cap * 2 : 4) *
			    sizeof *w);
			if (w == NULL) {
				c->nomem = 1;
				break;
			}
			if (r->nwarnings > 0)
				memcpy(w, ws, r->nwarnings * sizeof *w);
			ws = w;
		}
		ws[r->nwarnings].code = dup(c, a, col(c->s_warn, 1));
		ws[r->nwarnings].msg = dup(c, a, col(c->s_warn, 2));
		r->nwarnings++;
	}
	r->warnings = ws;
	c->nheld++;
	return r;
}

/* The records held are written: their memory can go. */
static int
release(struct copy *c)
{
	if (store_flush(c->to, c->err) == -1)
		return -1;
	c->nheld = 0;
	arena_reset(&c->heldmem);
	return 0;
}

/* A report's records, into the open report of the target. */
static int
records(struct copy *c, int64_t report)
{
	struct dr_record	 rec;
	int64_t			 lo, hi, id;
	int			 rc, wrc, any;

	if ((any = walk_ids(&c->walk, report, &lo, &hi, c->err)) == -1)
		return -1;
	if (!any)
		return 0;
	if (walk_begin(&c->walk, lo, hi, c->err) == -1)
		return -1;
	db_bind_int64(c->s_records, 1, lo);
	db_bind_int64(c->s_records, 2, hi);
	db_bind_int64(c->s_records, 3, report);
	db_bind_int64(c->s_warn, 1, report);
	wrc = db_step(c->s_warn);
	rc = 0;
	while ((rc = db_step(c->s_records)) == DB_ROW) {
		if (walk_record(&c->walk, c->s_records, &rec, &id,
		    c->err) == -1)
			break;
		rec.ordinal = (uint64_t)db_column_int64(c->s_records, 7);
		rec.envelope_from = walk_col(&c->walk, c->s_records, 8);
		rec.envelope_to = walk_col(&c->walk, c->s_records, 9);
		rec.extensions = walk_col(&c->walk, c->s_records, 10);
		if (!c->walk.nomem)
			hold(c, &rec, id, &wrc);
		if (c->walk.nomem || c->nomem) {
			dr_seterr(c->err, DR_E_NOMEM, "out of memory");
			break;
		}
		if (store_record(c->to, &c->held[c->nheld - 1], c->err) == -1)
			break;
		c->n->records++;
		if (c->nheld == COPY_RECORDS && release(c) == -1)
			break;
	}
	walk_end(&c->walk);
	db_reset(c->s_records);
	db_reset(c->s_warn);
	if (rc == DB_ROW)
		return -1;
	if (rc != DB_DONE || (wrc != DB_ROW && wrc != DB_DONE))
		return serr(c, "reading a report's records");
	return 0;
}

/* One report of the source's (the row of rs). 0, or -1 with err. */
static int
copy_report(struct copy *c, struct db_stmt *rs)
{
	struct dr_report	 r;
	struct store_doc	 doc;
	enum store_outcome	 out;
	int64_t			 id = db_column_int64(rs, R_ID), run, mail;
	int			 known;

	if (db_column_bytes(rs, R_SHA) != SHA256_LEN) {
		/* (Every ingest gives one: a row made by hand.) */
		c->n->no_digest++;
		return 0;
	}
	known = store_has_report(c->to, db_column_blob(rs, R_SHA),
	    (unsigned)db_column_int64(rs, R_PART), c->err);
	if (known == -1)
		return -1;
	if (known) {
		c->n->known++;
		return 0;
	}
	arena_reset(&c->mem);
	header(rs, &r, &doc);
	if (remarks(c, id, &r) == -1 ||
	    run_map(c, db_column_int64(rs, R_RUN), &run) == -1 ||
	    mail_map(c, rs, R_MAIL, &mail) == -1)
		return -1;
	store_provenance(c->to, run, db_column_int64(rs, R_INGESTED), mail);
	if (store_report_begin(c->to, &r, c->err) == -1)
		return -1;
	if (records(c, id) == -1 ||
	    store_report_end(c->to, &r, &doc, &out, c->err) == -1) {
		store_report_abort(c->to);
		c->nheld = 0;
		arena_reset(&c->heldmem);
		return -1;
	}
	c->nheld = 0;
	arena_reset(&c->heldmem);
	if (out == STORE_DUPLICATE)
		c->n->known++;	/* stored by another meanwhile */
	else
		c->n->reports++;
	return 0;
}

/*
 * Each row of sql on the source, given to one (between two rows a
 * stop is heeded and the batch committed when due). 0 done, 1 stopped,
 * -1 with err set.
 */
static int
each_row(struct copy *c, const char *sql, const char *what,
    int (*one)(struct copy *, struct db_stmt *))
{
	struct db_stmt	*st;
	int		 rc, ret = -1;

	if (prep(c->src, c->spath, sql, DB_PREPARE_STREAM, &st, c->err) ==
	    -1)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		if (c->stop != NULL && c->stop(c->arg)) {
			ret = 1;
			goto out;
		}
		if (batch(c) == -1 || one(c, st) == -1)
			goto out;
		tell(c);
	}
	if (rc != DB_DONE)
		serr(c, what);
	else
		ret = 0;
out:
	db_finalize(st);
	return ret;
}

static int
copy_reports(struct copy *c)
{
	int	rc;

	rc = each_row(c, s_reports_sql, "reading the reports", copy_report);
	store_provenance(c->to, 0, 0, 0);
	return rc;
}

/* --- rejected inputs ------------------------------------------------- */

static int
raw_out(void *arg, const void *p, size_t n)
{
	struct copy	*c = arg;

	return store_reject_write(c->to, p, n, c->err) == -1 ? -1 : 0;
}

static int
copy_rejected_one(struct copy *c, struct db_stmt *st)
{
	int64_t	run, mail;
	int	rc, want;

	bind_col(c->d_rej_find, 1, st, 4, 'b');
	rc = db_step(c->d_rej_find);
	db_reset(c->d_rej_find);
	if (rc == DB_ROW)
		return 0;	/* kept there already */
	if (rc != DB_DONE)
		return derr(c, "looking up a rejected input");
	if (db_column_bytes(st, 4) != SHA256_LEN)
		return dr_seterr(c->err, DR_E_DB, "%s: rejected input %lld "
		    "has no digest", c->spath,
		    (long long)db_column_int64(st, 0));
	if (run_map(c, db_column_int64(st, 1), &run) == -1 ||
	    mail_map(c, st, 9, &mail) == -1)
		return -1;
	if (store_reject_begin(c->to, col(st, 2), col(st, 3),
	    db_column_blob(st, 4), (uint64_t)db_column_int64(st, 10),
	    (uint64_t)db_column_int64(st, 5), &want, c->err) == -1)
		return -1;
	/* (Half written, it is rolled back with the batch: store_copy.) */
	if (want && store_rejected_raw(c->from, db_column_int64(st, 0),
	    raw_out, c, c->err) != 0)
		return -1;
	if (store_reject_end(c->to, c->err) == -1)
		return -1;
	/* As it was: its run, when it was seen, how often, its message. */
	db_bind_int64(c->d_rej_set, 1, run);
	bind_cols(c->d_rej_set, 2, st, 6, "iii");
	if (mail > 0)
		db_bind_int64(c->d_rej_set, 5, mail);
	else
		db_bind_null(c->d_rej_set, 5);
	bind_col(c->d_rej_set, 6, st, 4, 'b');
	rc = db_step(c->d_rej_set);
	db_reset(c->d_rej_set);
	if (rc != DB_DONE)
		return derr(c, "copying a rejected input");
	c->n->rejected++;
	return 0;
}

static int
copy_rejected(struct copy *c)
{
	return each_row(c, s_rejected_sql, "reading the rejected inputs",
	    copy_rejected_one);
}

/* --- caches ---------------------------------------------------------- */

static int
copy_cache(struct copy *c, const struct cache *k)
{
	struct db_stmt	*st = NULL, *add = NULL;
	char		 sql[512], marks[64];
	size_t		 i, n = strlen(k->types);
	int		 rc, ret = -1;

	for (marks[0] = '\0', i = 0; i < n; i++)
		strcat(marks, i > 0 ? ", ?" : "?");
	snprintf(sql, sizeof sql, "SELECT %s FROM %s", k->cols, k->table);
	if (prep(c->src, c->spath, sql, DB_PREPARE_STREAM, &st, c->err) == -1)
		return -1;
	snprintf(sql, sizeof sql, "INSERT INTO %s (%s) VALUES (%s)"
	    " ON CONFLICT (%s) DO NOTHING", k->table, k->cols, marks, k->key);
	if (prep(c->dst, c->dpath, sql, 0, &add, c->err) == -1)
		goto out;
	while ((rc = db_step(st)) == DB_ROW) {
		if (batch(c) == -1)
			goto out;
		bind_cols(add, 1, st, 0, k->types);
		rc = db_step(add);
		db_reset(add);
		if (rc != DB_DONE) {
			derr(c, "copying a cache");
			goto out;
		}
		c->n->cached += (uint64_t)db_changes(c->dst);
	}
	if (rc != DB_DONE)
		serr(c, "reading a cache");
	else
		ret = 0;
out:
	db_finalize(st);
	db_finalize(add);
	return ret;
}

/* --- the whole ------------------------------------------------------- */

static int
count_reports(struct copy *c)
{
	struct db_stmt	*st;
	int		 rc;

	if (prep(c->src, c->spath, "SELECT count(*) FROM reports", 0, &st,
	    c->err) == -1)
		return -1;
	rc = db_step(st);
	if (rc == DB_ROW)
		c->n->reports_total = (uint64_t)db_column_int64(st, 0);
	db_finalize(st);
	return rc == DB_ROW ? 0 : serr(c, "counting the reports");
}

static int
prepare(struct copy *c)
{
	const struct {
		int		 dst;
		const char	*sql;
		struct db_stmt	**st;
	} p[] = {
		{ 0, s_run_sql, &c->s_run },
		{ 0, s_errors_sql, &c->s_errors },
		{ 0, s_rwarn_sql, &c->s_rwarn },
		{ 0, s_records_sql, &c->s_records },
		{ 0, s_warn_sql, &c->s_warn },
		{ 1, d_run_find_sql, &c->d_run_find },
		{ 1, d_run_add_sql, &c->d_run_add },
		{ 1, d_mail_sql, &c->d_mail },
		{ 1, d_rej_find_sql, &c->d_rej_find },
		{ 1, d_rej_set_sql, &c->d_rej_set },
	};
	size_t	i;

	for (i = 0; i < sizeof p / sizeof p[0]; i++)
		if (prep(p[i].dst ? c->dst : c->src, p[i].dst ? c->dpath :
		    c->spath, p[i].sql, DB_PREPARE_PERSISTENT, p[i].st,
		    c->err) == -1)
			return -1;
	return walk_init_full(&c->walk, c->src, c->spath, c->err);
}

static void
finish(struct copy *c)
{
	struct db_stmt	*all[] = { c->s_run, c->s_errors, c->s_rwarn,
			    c->s_records, c->s_warn, c->d_run_find,
			    c->d_run_add, c->d_mail, c->d_rej_find,
			    c->d_rej_set };
	size_t		 i;

	for (i = 0; i < sizeof all / sizeof all[0]; i++)
		db_finalize(all[i]);
	walk_free(&c->walk);
	arena_free(&c->mem);
	arena_free(&c->heldmem);
}

int
store_copy(struct store *from, struct store *to, int (*stop)(void *),
    void (*progress)(void *, const struct store_copy_counts *), void *arg,
    struct store_copy_counts *n, struct dr_error *err)
{
	struct copy	c;
	size_t		i;
	int		rc = -1;

	memset(n, 0, sizeof *n);
	memset(&c, 0, sizeof c);
	c.from = from;
	c.to = to;
	c.src = store_conn(from);
	c.dst = store_conn(to);
	c.spath = store_path(from);
	c.dpath = store_path(to);
	c.n = n;
	c.stop = stop;
	c.progress = progress;
	c.arg = arg;
	c.err = err;
	if (db_is_pg(c.src))
		return dr_seterr(err, DR_E_USAGE, "%s: copy reads a SQLite "
		    "store", c.spath);
	if (store_readonly(to))
		return dr_seterr(err, DR_E_DB, "%s: cannot write it", c.dpath);
	/* One snapshot of the source: a copy of one moment. */
	if (store_read_begin(from, err) == -1)
		return -1;
	if (count_reports(&c) == -1 || prepare(&c) == -1)
		goto out;
	if ((rc = copy_runs(&c)) != 0 ||
	    (rc = copy_mail(&c)) != 0 ||
	    (rc = copy_reports(&c)) != 0 ||
	    (rc = copy_rejected(&c)) != 0)
		goto out;
	for (i = 0; i < sizeof caches / sizeof caches[0]; i++)
		if ((rc = copy_cache(&c, &caches[i])) != 0)
			goto out;
out:
	/*
	 * What is done is kept, a copy run again goes on from there; but
	 * after an error the open batch goes (a second or so of work),
	 * since it may end in a row half written.
	 */
	if (rc == -1)
		store_batch_abort(to);
	else if (store_commit(to, err) == -1)
		rc = -1;
	finish(&c);
	store_read_end(from);
	return rc;
}
