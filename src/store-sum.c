/*
 * store-sum.c: the summary tables, kept by ingest.
 *
 * While a report is stored its records are tallied (tally.h) in memory;
 * at its end the groups are added to source_days and sources, each
 * signature found in auth_sigs or evaluated and inserted. A report with
 * more groups than fit the tally is flushed in chunks under the header
 * known when it began; in the rare case that its final header differs
 * (elements after the records), or that it was not stored as active,
 * the chunks are taken out again by reading the report back from the
 * database. The same reading serves superseded reports and rebuilding.
 *
 * Signature ids are cached in memory by their complete bytes. The
 * cache is forgotten whenever a rollback may have removed one.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cidr.h"
#include "hmap.h"
#include "norm.h"
#include "sha256.h"
#include "store-int.h"
#include "tally.h"

/* Groups held before a flush, signatures cached, sources merged. */
#define SUM_MAX_GROUPS	16384
#define SUM_MAX_SIGS	65536
#define SUM_MAX_MERGE	1048576

enum sum_stmt {
	S_SIG_FIND,
	S_SIG_INSERT,
	S_SIG_DKIM,
	S_SIG_SPF,
	S_DAY_ADD,
	S_DAY_DROP,
	S_DIRTY,
	S_DIRTY_LIST,
	S_DIRTY_DONE,
	S_MERGE,
	S_SIG_HF,
	S_SRC_ADD,
	S_REPORT,
	S_RANGE,
	S_RECORDS,
	S_ACTIVE,
	S__COUNT
};

static const char *const sum_sql[S__COUNT] = {
	[S_SIG_FIND] = "SELECT id FROM auth_sigs WHERE key = ?",
	[S_SIG_INSERT] =
	    "INSERT INTO auth_sigs (key, header_from, adkim, aspf, dmarc,"
	    " dkim_aligned, spf_aligned, receiver_dkim, receiver_spf,"
	    " disposition, reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[S_SIG_DKIM] =
	    "INSERT INTO auth_sig_dkim (sig, ordinal, domain, selector, result,"
	    " aligned) VALUES (?, ?, ?, ?, ?, ?)",
	[S_SIG_SPF] =
	    "INSERT INTO auth_sig_spf (sig, ordinal, domain, scope, result,"
	    " aligned) VALUES (?, ?, ?, ?, ?, ?)",
	[S_DAY_ADD] =
	    "INSERT INTO source_days (domain, day, source_ip, reporter, sig,"
	    " messages, records) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	    " ON CONFLICT DO UPDATE SET messages = messages + ?6,"
	    " records = records + ?7",
	[S_DAY_DROP] =
	    "DELETE FROM source_days WHERE domain = ? AND day = ? AND"
	    " source_ip = ? AND reporter = ? AND sig = ? AND records <= 0",
	[S_DIRTY] =
	    "INSERT OR IGNORE INTO summary_dirty (domain, day) VALUES (?, ?)",
	[S_DIRTY_LIST] =
	    "SELECT domain, day FROM summary_dirty ORDER BY domain, day",
	[S_DIRTY_DONE] =
	    "DELETE FROM summary_dirty WHERE domain = ? AND day = ?",
	[S_MERGE] =
	    "SELECT source_ip, sig FROM source_days WHERE domain = ? AND"
	    " day = ?",
	[S_SIG_HF] = "SELECT header_from FROM auth_sigs WHERE id = ?",
	[S_SRC_ADD] =
	    "INSERT INTO sources (domain, header_from, source_ip, ip,"
	    " first_day, last_day) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	    " ON CONFLICT DO UPDATE SET"
	    " first_day = min(first_day, excluded.first_day),"
	    " last_day = max(last_day, excluded.last_day)"
	    " WHERE excluded.first_day < first_day"
	    " OR excluded.last_day > last_day",
	[S_REPORT] =
	    "SELECT domain, date_begin, date_end, reporter, adkim, aspf"
	    " FROM reports WHERE id = ?",
	[S_RANGE] = "SELECT min(id), max(id) FROM records WHERE report = ?",
	[S_RECORDS] =
	    "SELECT id, source_ip, count, disposition, dkim, spf, header_from"
	    " FROM records WHERE report = ? ORDER BY id",
	[S_ACTIVE] = "SELECT id FROM reports WHERE status = 'active'"
	    " ORDER BY id",
};

/* What places a report's groups in the summary. */
struct hdr {
	char	 domain[256];
	char	 reporter[256];
	int64_t	 day;
	char	 adkim[2], aspf[2];	/* "r" or "s" */
	bool	 ok;			/* has a domain */
};

struct store_sum {
	sqlite3		*db;
	const char	*path;
	sqlite3_stmt	*st[S__COUNT];
	struct tally	*tally;		/* the report being stored */
	struct tally	*rtally;	/* a report read back */
	struct hmap	*sigs;		/* complete bytes -> int64_t id */
	struct hmap	*hfs;		/* merging: sig id -> offset in */
	struct buf	 hfmem;		/* their header_from, '\0' ended */
	struct hmap	*spans;		/* merging: source -> struct span */
	struct buf	 key;		/* the source last merged */
	struct buf	 sigbuf;
	struct arena	 evalmem;	/* evaluating a signature */
	struct walk	 walk;		/* reading reports back */
	struct hdr	 start;		/* the header when the report began */
	bool		 flushed;	/* chunks written under start */
	bool		 overflow;	/* memory ran out: read back at end */
};

static int
sum_err(struct store_sum *m, struct dr_error *err, const char *what)
{
	return store_db_err(m->db, m->path, err, what);
}

struct store_sum *
sum_new(sqlite3 *db, const char *path, struct dr_error *err)
{
	struct store_sum	*m;
	int			 i;

	m = calloc(1, sizeof *m);
	if (m == NULL) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		return NULL;
	}
	m->db = db;
	m->path = path;

	m->tally = tally_new();
	m->rtally = tally_new();
	m->sigs = hmap_new(sizeof(int64_t));
	m->hfs = hmap_new(sizeof(size_t));
	m->spans = hmap_new(2 * sizeof(int64_t));
	if (m->tally == NULL || m->rtally == NULL || m->sigs == NULL ||
	    m->hfs == NULL || m->spans == NULL) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		sum_free(m);
		return NULL;
	}
	if (walk_init(&m->walk, db, path, err) == -1) {
		sum_free(m);
		return NULL;
	}
	for (i = 0; i < S__COUNT; i++)
		if (sqlite3_prepare_v3(db, sum_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &m->st[i], NULL) != SQLITE_OK) {
			sum_err(m, err, "preparing a statement");
			sum_free(m);
			return NULL;
		}
	return m;
}

void
sum_free(struct store_sum *m)
{
	int	i;

	if (m == NULL)
		return;
	for (i = 0; i < S__COUNT; i++)
		sqlite3_finalize(m->st[i]);
	tally_free(m->tally);
	tally_free(m->rtally);
	hmap_free(m->sigs);
	hmap_free(m->hfs);
	hmap_free(m->spans);
	buf_free(&m->hfmem);
	buf_free(&m->key);
	buf_free(&m->sigbuf);
	arena_free(&m->evalmem);
	walk_free(&m->walk);
	free(m);
}

static void
set_hdr(struct hdr *h, const char *domain, int64_t begin, int64_t end,
    const char *reporter, const char *adkim, const char *aspf)
{
	h->ok = domain != NULL;
	snprintf(h->domain, sizeof h->domain, "%s", domain ? domain : "");
	snprintf(h->reporter, sizeof h->reporter, "%s",
	    reporter ? reporter : "");
	h->day = tally_day(begin, end);
	h->adkim[0] = align_mode(adkim) == ALIGN_STRICT ? 's' : 'r';
	h->aspf[0] = align_mode(aspf) == ALIGN_STRICT ? 's' : 'r';
	h->adkim[1] = h->aspf[1] = '\0';
}

static bool
same_hdr(const struct hdr *a, const struct hdr *b)
{
	return a->ok == b->ok && a->day == b->day &&
	    strcmp(a->domain, b->domain) == 0 &&
	    strcmp(a->reporter, b->reporter) == 0 &&
	    a->adkim[0] == b->adkim[0] && a->aspf[0] == b->aspf[0];
}

static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static int
done(struct store_sum *m, enum sum_stmt q, struct dr_error *err,
    const char *what)
{
	int	rc = sqlite3_step(m->st[q]);

	sqlite3_reset(m->st[q]);
	if (rc != SQLITE_DONE)
		return sum_err(m, err, what);
	return 0;
}

/* Insert a new signature with its evaluation. */
static int
sig_insert(struct store_sum *m, const unsigned char key[SHA256_LEN],
    int64_t *id, struct dr_error *err)
{
	sqlite3_stmt	*st = m->st[S_SIG_INSERT];
	struct sig	 g;
	struct buf	 reasons = { 0 };
	size_t		 i;
	int		 rc;

	arena_reset(&m->evalmem);
	if (tally_eval(m->sigbuf.data, m->sigbuf.len, &m->evalmem, &g) == -1)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	for (i = 0; i < g.nreasons; i++)
		if ((i > 0 && buf_addc(&reasons, ' ') == -1) ||
		    buf_adds(&reasons, g.reasons[i]) == -1) {
			buf_free(&reasons);
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		}
	sqlite3_bind_blob(st, 1, key, SHA256_LEN, SQLITE_STATIC);
	bind_text(st, 2, g.header_from);
	bind_text(st, 3, g.adkim == ALIGN_STRICT ? "s" : "r");
	bind_text(st, 4, g.aspf == ALIGN_STRICT ? "s" : "r");
	sqlite3_bind_int(st, 5, g.dmarc);
	sqlite3_bind_int(st, 6, g.dkim_aligned);
	sqlite3_bind_int(st, 7, g.spf_aligned);
	bind_text(st, 8, g.receiver_dkim);
	bind_text(st, 9, g.receiver_spf);
	bind_text(st, 10, g.disposition);
	bind_text(st, 11, reasons.len ? reasons.data : NULL);
	rc = done(m, S_SIG_INSERT, err, "storing a signature");
	buf_free(&reasons);
	if (rc == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(m->db);
	for (i = 0; i < g.ndkims + g.nspfs; i++) {
		bool			 dkim = i < g.ndkims;
		const struct sig_result	*r = dkim ? &g.dkims[i] :
		    &g.spfs[i - g.ndkims];
		enum sum_stmt		 q = dkim ? S_SIG_DKIM : S_SIG_SPF;
		sqlite3_stmt		*t = m->st[q];

		sqlite3_bind_int64(t, 1, *id);
		sqlite3_bind_int64(t, 2, (int64_t)(dkim ? i : i - g.ndkims) +
		    1);
		bind_text(t, 3, r->domain);
		bind_text(t, 4, r->detail);
		bind_text(t, 5, r->result);
		sqlite3_bind_int(t, 6, r->aligned);
		if (done(m, q, err, "storing a signature") == -1)
			return -1;
	}
	return 0;
}

/* The id of the signature in m->sigbuf: cached, found, or inserted. */
static int
sig_id(struct store_sum *m, int64_t *id, struct dr_error *err)
{
	unsigned char	 key[SHA256_LEN];
	sqlite3_stmt	*st = m->st[S_SIG_FIND];
	int64_t		*cached;
	int		 rc, added;

	cached = hmap_find(m->sigs, m->sigbuf.data, m->sigbuf.len);
	if (cached != NULL) {
		*id = *cached;
		return 0;
	}
	if (sha256_buf(m->sigbuf.data, m->sigbuf.len, key) == -1)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	sqlite3_bind_blob(st, 1, key, SHA256_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sum_err(m, err, "looking up a signature");
	if (rc == SQLITE_DONE && sig_insert(m, key, id, err) == -1)
		return -1;
	if (hmap_count(m->sigs) >= SUM_MAX_SIGS)
		hmap_clear(m->sigs);
	cached = hmap_get(m->sigs, m->sigbuf.data, m->sigbuf.len, &added);
	if (cached != NULL)
		*cached = *id;
	return 0;
}

/* Add (sign 1) or take out (sign -1) the groups of t; reset it. */
static int
flush(struct store_sum *m, struct tally *t, const struct hdr *h, int sign,
    struct dr_error *err)
{
	struct tally_row	 row;
	sqlite3_stmt		*st;
	size_t			 i, n = tally_count(t);
	int64_t			 id = 0;

	for (i = 0; i < n && h->ok; i++) {
		tally_row(t, i, &row);
		if (tally_sig(h->adkim, h->aspf, &row, &m->sigbuf) == -1)
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		if (sig_id(m, &id, err) == -1)
			return -1;
		st = m->st[S_DAY_ADD];
		sqlite3_bind_text(st, 1, h->domain, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, h->day);
		sqlite3_bind_text(st, 3, row.source_ip, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, h->reporter, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, id);
		sqlite3_bind_int64(st, 6, sign * row.messages);
		sqlite3_bind_int64(st, 7, sign * row.records);
		if (done(m, S_DAY_ADD, err, "updating the summary") == -1)
			return -1;
		if (sign < 0) {
			st = m->st[S_DAY_DROP];
			sqlite3_bind_text(st, 1, h->domain, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, h->day);
			sqlite3_bind_text(st, 3, row.source_ip, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(st, 4, h->reporter, -1,
			    SQLITE_STATIC);
			sqlite3_bind_int64(st, 5, id);
			if (done(m, S_DAY_DROP, err, "updating the summary") ==
			    -1)
				return -1;
		}
	}
	if (sign > 0 && n > 0 && h->ok) {
		st = m->st[S_DIRTY];
		sqlite3_bind_text(st, 1, h->domain, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, h->day);
		if (done(m, S_DIRTY, err, "updating the summary") == -1)
			return -1;
	}
	tally_reset(t);
	return 0;
}

void
sum_begin(struct store_sum *m, const struct dr_report *r)
{
	char	who[256];

	norm_reporter(r->org_name, r->email, who, sizeof who);
	set_hdr(&m->start, r->domain, r->begin, r->end, who, r->adkim,
	    r->aspf);
	tally_reset(m->tally);
	m->flushed = false;
	m->overflow = false;
}

int
sum_record(struct store_sum *m, const struct dr_record *r,
    struct dr_error *err)
{
	if (m->overflow)
		return 0;
	if (tally_add(m->tally, r) == -1) {
		/* Not fatal: the report is read back at its end. */
		tally_reset(m->tally);
		m->overflow = true;
		return 0;
	}
	if (tally_count(m->tally) < SUM_MAX_GROUPS)
		return 0;
	m->flushed = true;
	return flush(m, m->tally, &m->start, 1, err);
}

/*
 * Read a stored report back and tally it, flushing in chunks with the
 * header and sign given.
 */
static int
replay(struct store_sum *m, int64_t report, const struct hdr *h, int sign,
    struct dr_error *err)
{
	sqlite3_stmt		*rs = m->st[S_RECORDS];
	struct dr_record	 rec;
	int64_t			 lo, hi, id;
	bool			 none;
	int			 rc, ret = -1;

	tally_reset(m->rtally);
	sqlite3_bind_int64(m->st[S_RANGE], 1, report);
	rc = sqlite3_step(m->st[S_RANGE]);
	lo = sqlite3_column_int64(m->st[S_RANGE], 0);
	hi = sqlite3_column_int64(m->st[S_RANGE], 1);
	none = sqlite3_column_type(m->st[S_RANGE], 0) == SQLITE_NULL;
	sqlite3_reset(m->st[S_RANGE]);
	if (rc != SQLITE_ROW)
		return sum_err(m, err, "reading a report back");
	if (none)
		return 0;	/* no records */
	if (walk_begin(&m->walk, lo, hi, err) == -1)
		goto out;
	sqlite3_bind_int64(rs, 1, report);
	while ((rc = sqlite3_step(rs)) == SQLITE_ROW) {
		if (walk_record(&m->walk, rs, &rec, &id, err) == -1)
			goto out;
		if (tally_add(m->rtally, &rec) == -1) {
			dr_seterr(err, DR_E_NOMEM, "out of memory");
			goto out;
		}
		if (tally_count(m->rtally) >= SUM_MAX_GROUPS &&
		    flush(m, m->rtally, h, sign, err) == -1)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		sum_err(m, err, "reading a report back");
		goto out;
	}
	ret = flush(m, m->rtally, h, sign, err);
out:
	sqlite3_reset(rs);
	walk_end(&m->walk);
	tally_reset(m->rtally);
	return ret;
}

/* The header of a stored report. 1 found, 0 not, -1 error. */
static int
stored_hdr(struct store_sum *m, int64_t report, struct hdr *h,
    struct dr_error *err)
{
	sqlite3_stmt	*st = m->st[S_REPORT];
	int		 rc;

	sqlite3_bind_int64(st, 1, report);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		set_hdr(h, (const char *)sqlite3_column_text(st, 0),
		    sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
		    (const char *)sqlite3_column_text(st, 3),
		    (const char *)sqlite3_column_text(st, 4),
		    (const char *)sqlite3_column_text(st, 5));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sum_err(m, err, "reading a report back");
	return rc == SQLITE_ROW;
}

int
sum_end(struct store_sum *m, const struct dr_report *r, int64_t report,
    int active, struct dr_error *err)
{
	struct hdr	fin;

	set_hdr(&fin, r->domain, r->begin, r->end, r->reporter, r->adkim,
	    r->aspf);
	if (!m->flushed && !m->overflow) {
		if (!active) {
			tally_reset(m->tally);
			return 0;
		}
		return flush(m, m->tally, &fin, 1, err);
	}
	if (m->overflow) {
		/* Nothing was written under the start header. */
		tally_reset(m->tally);
		return active ? replay(m, report, &fin, 1, err) : 0;
	}
	if (flush(m, m->tally, &m->start, 1, err) == -1)
		return -1;
	if (active && same_hdr(&m->start, &fin))
		return 0;
	if (replay(m, report, &m->start, -1, err) == -1)
		return -1;
	return active ? replay(m, report, &fin, 1, err) : 0;
}

void
sum_abort(struct store_sum *m)
{
	tally_reset(m->tally);
	m->flushed = false;
	m->overflow = false;
	/* Signatures inserted in the report's savepoint are gone. */
	hmap_clear(m->sigs);
}

void
sum_rollback(struct store_sum *m)
{
	hmap_clear(m->sigs);
}

int
sum_remove(struct store_sum *m, int64_t report, struct dr_error *err)
{
	struct hdr	h;
	int		rc;

	rc = stored_hdr(m, report, &h, err);
	if (rc <= 0)
		return rc;
	return replay(m, report, &h, -1, err);
}

/*
 * Merging the noted days into sources. The rows of a domain's days are
 * folded in memory into one span (first and last day) per source, and
 * each source is then written once, in the table's key order: a bulk
 * ingest notes every day of every domain, and writing each source once
 * a day, in hash order, made the first report command after one take
 * tens of seconds. Spans are written early if too many are held.
 */

struct span {
	int64_t	first, last;
};

/*
 * The header_from of a signature (never NULL: "" for none), from the
 * cache in m->hfs; the string lives in m->hfmem until the next call.
 * 0 on success, -1 on error.
 */
static int
sig_hf(struct store_sum *m, int64_t sig, const char **hf,
    struct dr_error *err)
{
	sqlite3_stmt	*st = m->st[S_SIG_HF];
	const char	*v;
	size_t		*off;
	int		 rc, added;

	off = hmap_get(m->hfs, &sig, sizeof sig, &added);
	if (off == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	if (added) {
		*off = m->hfmem.len;
		sqlite3_bind_int64(st, 1, sig);
		rc = sqlite3_step(st);
		v = NULL;
		if (rc == SQLITE_ROW)
			v = (const char *)sqlite3_column_text(st, 0);
		if ((rc == SQLITE_ROW || rc == SQLITE_DONE) &&
		    (buf_adds(&m->hfmem, v ? v : "") == -1 ||
		    buf_add(&m->hfmem, "", 1) == -1))
			rc = -1;
		sqlite3_reset(st);
		if (rc == -1)
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return sum_err(m, err, "reading a signature");
	}
	*hf = m->hfmem.data + *off;
	return 0;
}

/* Add one noted day's sources to the spans held. */
static int
span_day(struct store_sum *m, const char *domain, int64_t day,
    struct dr_error *err)
{
	sqlite3_stmt	*st = m->st[S_MERGE];
	struct span	*sp = NULL;
	const char	*src, *hf = NULL;
	int		 rc, added;

	sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, day);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		src = (const char *)sqlite3_column_text(st, 0);
		if (src == NULL)
			src = "";
		if (sig_hf(m, sqlite3_column_int64(st, 1), &hf, err) == -1)
			goto fail;
		/*
		 * Rows come in source order: a source's next row has
		 * often the same header_from, and so the span just seen.
		 */
		if (sp != NULL && strcmp(hf, m->key.data) == 0 &&
		    strcmp(src, m->key.data + strlen(m->key.data) + 1) == 0)
			continue;
		/*
		 * header_from, NUL, source, NUL: memcmp sorts these as
		 * the table's key sorts its columns.
		 */
		buf_reset(&m->key);
		if (buf_adds(&m->key, hf) == -1 ||
		    buf_add(&m->key, "", 1) == -1 ||
		    buf_adds(&m->key, src) == -1 ||
		    buf_add(&m->key, "", 1) == -1 ||
		    (sp = hmap_get(m->spans, m->key.data, m->key.len,
		    &added)) == NULL) {
			dr_seterr(err, DR_E_NOMEM, "out of memory");
			goto fail;
		}
		if (added || day < sp->first)
			sp->first = day;
		if (added || day > sp->last)
			sp->last = day;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sum_err(m, err, "reading the summary");
	sqlite3_bind_text(m->st[S_DIRTY_DONE], 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_int64(m->st[S_DIRTY_DONE], 2, day);
	return done(m, S_DIRTY_DONE, err, "updating the sources");
fail:
	sqlite3_reset(st);
	return -1;
}

struct span_key {
	const char	*p;
	size_t		 len;
	struct span	*span;
};

static int
cmp_span_key(const void *a, const void *b)
{
	const struct span_key	*x = a, *y = b;
	int			 c;

	c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Write the spans held into sources, in key order, and forget them. */
static int
span_flush(struct store_sum *m, const char *domain, struct dr_error *err)
{
	sqlite3_stmt		*up = m->st[S_SRC_ADD];
	struct span_key		*keys;
	uint8_t			 ip[CIDR_LEN];
	const void		*k;
	const char		*src;
	size_t			 n = hmap_count(m->spans), i, len;
	int			 ret = 0;

	if (n == 0)
		return 0;
	keys = calloc(n, sizeof *keys);
	if (keys == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		keys[i].span = hmap_at(m->spans, i, &k, &len);
		keys[i].p = k;
		keys[i].len = len;
	}
	qsort(keys, n, sizeof *keys, cmp_span_key);
	for (i = 0; i < n && ret == 0; i++) {
		/* The key: header_from, NUL, source, NUL. */
		len = strlen(keys[i].p);
		src = keys[i].p + len + 1;
		sqlite3_bind_text(up, 1, domain, -1, SQLITE_STATIC);
		sqlite3_bind_text(up, 2, keys[i].p, (int)len, SQLITE_STATIC);
		sqlite3_bind_text(up, 3, src, (int)(keys[i].len - len - 2),
		    SQLITE_STATIC);
		if (cidr_addr(src, ip) == 0)
			sqlite3_bind_blob(up, 4, ip, CIDR_LEN, SQLITE_STATIC);
		else
			sqlite3_bind_null(up, 4);
		sqlite3_bind_int64(up, 5, keys[i].span->first);
		sqlite3_bind_int64(up, 6, keys[i].span->last);
		ret = done(m, S_SRC_ADD, err, "updating the sources");
	}
	free(keys);
	hmap_clear(m->spans);
	return ret;
}

int
sum_merge(struct store_sum *m, struct dr_error *err)
{
	struct day {
		char	domain[256];
		int64_t	day;
	}		*days = NULL;
	sqlite3_stmt	*st = m->st[S_DIRTY_LIST];
	size_t		 n = 0, cap = 0, i;
	int		 rc, ret = -1;

	/* In key order: a domain's days together. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct day *d = store_more(&days, &cap, n, sizeof *d);
		if (d == NULL) {
			sqlite3_reset(st);
			free(days);
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		}
		snprintf(d->domain, sizeof d->domain, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		d->day = sqlite3_column_int64(st, 1);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(days);
		return sum_err(m, err, "reading the summary");
	}
	hmap_clear(m->hfs);
	buf_reset(&m->hfmem);
	hmap_clear(m->spans);
	for (i = 0; i < n; i++) {
		if (span_day(m, days[i].domain, days[i].day, err) == -1)
			goto out;
		if ((i + 1 == n || strcmp(days[i].domain,
		    days[i + 1].domain) != 0 ||
		    hmap_count(m->spans) >= SUM_MAX_MERGE) &&
		    span_flush(m, days[i].domain, err) == -1)
			goto out;
	}
	ret = 0;
out:
	hmap_clear(m->spans);
	free(days);
	return ret;
}

int
sum_rebuild(struct store_sum *m, struct dr_error *err)
{
	sqlite3_stmt	*st = m->st[S_ACTIVE];
	struct hdr	 h;
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		if (stored_hdr(m, id, &h, err) == -1 ||
		    replay(m, id, &h, 1, err) == -1) {
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return sum_err(m, err, "rebuilding the summary");
	return sum_merge(m, err);
}
