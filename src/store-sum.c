/*
 * store-sum.c: the summary that the report commands read, kept by
 * ingest.
 *
 * Each record is stored with the id of its signature (tally.h): its
 * authentication outcome under the report's adkim and aspf, found in
 * auth_sigs or evaluated and inserted there. The signatures are made
 * under the alignment modes known when the report began; in the rare
 * case that its final header says otherwise (<policy_published> after
 * the records), its records are signed again by reading them back.
 *
 * Ingest notes each policy domain and day it stored an active report
 * for in summary_dirty; the report commands fold those days into the
 * sources table before they read (sum_merge).
 *
 * Signature ids are cached in memory by their complete bytes. The
 * cache is forgotten whenever a rollback may have removed one.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cidr.h"
#include "hmap.h"
#include "sha256.h"
#include "store-int.h"
#include "tally.h"

/* Signatures cached, records signed again at once. */
#define SUM_MAX_SIGS	65536
#define SUM_CHUNK	4096
/* S_SIG_BATCH's parameters: 14 of the signatures, 6 of each result. */
#define SUM_BATCH_COLS	26

enum sum_stmt {
	S_SIG_FIND,
	S_SIG_INSERT,
	S_SIG_DKIM,
	S_SIG_SPF,
	S_SIG_BATCH,
	S_DIRTY,
	S_DIRTY_DOMAINS,
	S_DIRTY_DONE,
	S_PENDING,
	S_MERGE,
	S_SRC_ADD,
	S_RECORDS,
	S_SET_SIG,
	S_REPORTS,
	S_SET_DAY,
	S__COUNT
};

/*
 * PostgreSQL: where the sources of a domain's noted days come from,
 * each once, in the order of the key of sources, which the server
 * sorts (spilling to temporary files). sum_merge writes them into
 * sources with their span, sum_fold (read-only) beside it with their
 * first day. (SQLite's: store-merge.c.) The ORDER BY is not for the
 * result but for the insert: the server may group through a hash table,
 * whose rows come in no order, and a million new sources inserted in
 * no order took 11 to 13 s, in order 7 to 8.
 */
#define NOTED_SOURCES \
	" FROM summary_dirty d"						\
	" JOIN reports p ON p.domain = d.domain AND p.day = d.day"	\
	" AND p.status = 'active'"					\
	" JOIN records c ON c.report = p.id"				\
	" WHERE d.domain = ?1 GROUP BY 2, 3 ORDER BY 2, 3"

/*
 * A source seen again widens its span of days: the smaller and larger
 * of two values are min() and max() in SQLite, least() and greatest()
 * in PostgreSQL (sum_pg).
 */
#define SOURCES_SPAN(lo, hi)						\
	" ON CONFLICT (domain, header_from, source_ip) DO UPDATE SET"	\
	" first_day = " lo "(sources.first_day, excluded.first_day),"	\
	" last_day = " hi "(sources.last_day, excluded.last_day)"	\
	" WHERE excluded.first_day < sources.first_day"			\
	" OR excluded.last_day > sources.last_day"

/* The noted sources into sources; one source into it. */
#define MERGE_SQL(lo, hi)						\
	"INSERT INTO sources (domain, header_from, source_ip, ip,"	\
	" first_day, last_day)"						\
	" SELECT ?1, coalesce(c.header_from, ''),"			\
	" coalesce(c.source_ip, ''),"					\
	" dmarcdb_ip(nullif(coalesce(c.source_ip, ''), '')),"		\
	" min(p.day), max(p.day)"					\
	NOTED_SOURCES							\
	SOURCES_SPAN(lo, hi)
#define SRC_ADD_SQL(lo, hi)						\
	"INSERT INTO sources (domain, header_from, source_ip, ip,"	\
	" first_day, last_day) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"	\
	SOURCES_SPAN(lo, hi)

static const char *const sum_sql[S__COUNT] = {
	[S_SIG_FIND] = "SELECT id FROM auth_sigs WHERE key = ?",
	[S_SIG_INSERT] =
	    "INSERT INTO auth_sigs (key, header_from, adkim, aspf, dmarc,"
	    " dkim_aligned, spf_aligned, receiver_dkim, receiver_spf,"
	    " disposition, reasons, facts, passes, ident)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT (key) DO NOTHING RETURNING id",
	[S_SIG_DKIM] =
	    "INSERT INTO auth_sig_dkim (sig, ordinal, domain, selector, result,"
	    " aligned) VALUES (?, ?, ?, ?, ?, ?)",
	[S_SIG_SPF] =
	    "INSERT INTO auth_sig_spf (sig, ordinal, domain, scope, result,"
	    " aligned) VALUES (?, ?, ?, ?, ?, ?)",
	[S_DIRTY] =
	    "INSERT INTO summary_dirty (domain, day) VALUES (?, ?)"
	    " ON CONFLICT DO NOTHING",
	[S_DIRTY_DOMAINS] =
	    "SELECT DISTINCT domain FROM summary_dirty WHERE domain > ?"
	    " ORDER BY domain LIMIT 1",
	[S_DIRTY_DONE] = "DELETE FROM summary_dirty WHERE domain = ?",
	/* The records that sum_merge would read (NOTED_SOURCES). */
	[S_PENDING] =
	    "SELECT CAST(coalesce(sum(p.record_count), 0) AS BIGINT)"
	    " FROM summary_dirty d"
	    " JOIN reports p ON p.domain = d.domain AND p.day = d.day"
	    " AND p.status = 'active'",
	/* S_MERGE: PostgreSQL's only (store-merge.c on SQLite). */
	[S_SRC_ADD] = SRC_ADD_SQL("min", "max"),
	[S_RECORDS] =
	    "SELECT id, source_ip, count, disposition, dkim, spf, header_from"
	    " FROM records WHERE report = ? AND id BETWEEN ? AND ?"
	    " ORDER BY id",
	[S_SET_SIG] = "UPDATE records SET sig = ? WHERE id = ?",
	[S_REPORTS] =
	    "SELECT id, date_begin, date_end, adkim, aspf FROM reports"
	    " WHERE id > ? ORDER BY id LIMIT 1",
	[S_SET_DAY] = "UPDATE reports SET day = ? WHERE id = ?",
};

/* PostgreSQL's, where they differ. */
static const char *const sum_pg[S__COUNT] = {
	/*
	 * The new signatures of the records about to be written, found or
	 * added with their results in one statement (sum_resolve): rows
	 * of arrays, a signature (or a result, with its signature's key)
	 * an element. They are inserted in the order of their keys, so
	 * that ingests adding some of the same at once wait for each
	 * other (one statement long) and never both for the other. Each
	 * comes back with its number in the arrays and its id: NULL when
	 * another ingest added it meanwhile (look it up).
	 */
	[S_SIG_BATCH] =
	    "WITH v AS (SELECT * FROM unnest(?1::bytea[], ?2::text[],"
	    " ?3::text[], ?4::text[], ?5::bigint[], ?6::bigint[],"
	    " ?7::bigint[], ?8::text[], ?9::text[], ?10::text[], ?11::text[],"
	    " ?12::bigint[], ?13::text[], ?14::text[]) WITH ORDINALITY AS"
	    " v(key, header_from, adkim, aspf, dmarc, dkim_aligned,"
	    " spf_aligned, receiver_dkim, receiver_spf, disposition, reasons,"
	    " facts, passes, ident, n)),"
	    " s AS (INSERT INTO auth_sigs (key, header_from, adkim, aspf,"
	    " dmarc, dkim_aligned, spf_aligned, receiver_dkim, receiver_spf,"
	    " disposition, reasons, facts, passes, ident)"
	    " SELECT key, header_from, adkim, aspf, dmarc, dkim_aligned,"
	    " spf_aligned, receiver_dkim, receiver_spf, disposition, reasons,"
	    " facts, passes, ident FROM v WHERE NOT EXISTS (SELECT 1 FROM"
	    " auth_sigs a WHERE a.key = v.key) ORDER BY key"
	    " ON CONFLICT (key) DO NOTHING RETURNING id, key),"
	    " d AS (INSERT INTO auth_sig_dkim (sig, ordinal, domain, selector,"
	    " result, aligned) SELECT s.id, u.o, u.d, u.x, u.r, u.a FROM"
	    " unnest(?15::bytea[], ?16::bigint[], ?17::text[], ?18::text[],"
	    " ?19::text[], ?20::bigint[]) AS u(k, o, d, x, r, a)"
	    " JOIN s ON s.key = u.k),"
	    " p AS (INSERT INTO auth_sig_spf (sig, ordinal, domain, scope,"
	    " result, aligned) SELECT s.id, u.o, u.d, u.x, u.r, u.a FROM"
	    " unnest(?21::bytea[], ?22::bigint[], ?23::text[], ?24::text[],"
	    " ?25::text[], ?26::bigint[]) AS u(k, o, d, x, r, a)"
	    " JOIN s ON s.key = u.k)"
	    " SELECT v.n, coalesce(s.id, a.id) FROM v"
	    " LEFT JOIN s ON s.key = v.key"
	    " LEFT JOIN auth_sigs a ON a.key = v.key",
	[S_MERGE] = MERGE_SQL("least", "greatest"),
	[S_SRC_ADD] = SRC_ADD_SQL("least", "greatest"),
};

struct store_sum {
	struct db	*db;
	struct db	*sigdb;	/* the signatures' (sum_new) */
	const char	*path;
	struct db_stmt	*st[S__COUNT];
	struct tally	*tally;		/* encoding signatures */
	struct hmap	*sigs;		/* complete bytes -> int64_t id */
	struct hmap	*noted;		/* days noted in the batch (note_day) */
	struct buf	 sigbuf;
	struct buf	 passes;	/* of the signature inserted */
	struct buf	 reasons;	/* of the signature inserted */
	struct arena	 evalmem;	/* evaluating a signature */
	struct walk	 walk;		/* reading records back */
	/* Records signed again (resign): SUM_CHUNK ids and signatures. */
	int64_t		*resigned, *resigned_sig;
	/* The modes the open report's records are signed under. */
	const char	*adkim, *aspf;	/* "r" or "s" */
	struct merged	*merged;	/* SQLite: dmarcdb_merged */
	/*
	 * PostgreSQL: the new signatures of the records not written yet,
	 * known until sum_resolve by a number of their own, -(i + 1).
	 */
	struct newsig	*news;
	size_t		 nnews, newscap;
	struct buf	 newbytes;	/* their complete bytes, end to end */
	struct buf	 batch[SUM_BATCH_COLS];	/* S_SIG_BATCH's arrays */
};

/* A new signature: where its bytes are, its key, then its id. */
struct newsig {
	size_t		 off, len;
	unsigned char	 key[SHA256_LEN];
	int64_t		 id;
};

/* dmarcdb_ip(text): an address as 16 bytes (IPv4 mapped), else NULL. */
static void
sql_ip(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char	*t = sqlite3_value_text(argv[0]);
	uint8_t			 ip[CIDR_LEN];

	(void)argc;
	if (t != NULL && cidr_addr((const char *)t, ip) == 0)
		sqlite3_result_blob(ctx, ip, CIDR_LEN, DB_TRANSIENT);
	else
		sqlite3_result_null(ctx);
}

static int
sum_err(struct store_sum *m, struct dr_error *err, const char *what)
{
	return store_db_err(m->db, m->path, err, what);
}

/* An error of the signatures' connection. */
static int
sig_err(struct store_sum *m, struct dr_error *err, const char *what)
{
	return store_db_err(m->sigdb, m->path, err, what);
}

struct store_sum *
sum_new(struct db *db, struct db *sigdb, const char *path,
    struct dr_error *err)
{
	struct store_sum	*m;
	int			 i;

	m = calloc(1, sizeof *m);
	if (m == NULL) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		return NULL;
	}
	m->db = db;
	m->sigdb = sigdb != NULL ? sigdb : db;
	m->path = path;

	m->tally = tally_new();
	m->sigs = hmap_new(sizeof(int64_t));
	m->noted = hmap_new(1);
	m->resigned = calloc(SUM_CHUNK, sizeof *m->resigned);
	m->resigned_sig = calloc(SUM_CHUNK, sizeof *m->resigned_sig);
	if (m->tally == NULL || m->sigs == NULL || m->noted == NULL ||
	    m->resigned == NULL || m->resigned_sig == NULL) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		sum_free(m);
		return NULL;
	}
	if (walk_init(&m->walk, db, path, err) == -1) {
		sum_free(m);
		return NULL;
	}
	if (!db_is_pg(db) && (sqlite3_create_function(db->lite,
	    "dmarcdb_ip", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_ip,
	    NULL, NULL) != DB_OK || (m->merged = merge_register(db)) ==
	    NULL)) {
		sum_err(m, err, "registering a function");
		sum_free(m);
		return NULL;
	}
	for (i = 0; i < S__COUNT; i++) {
		const char *sql = db_is_pg(db) && sum_pg[i] != NULL ?
		    sum_pg[i] : sum_sql[i];
		/* (PostgreSQL adds signatures with S_SIG_BATCH alone.) */
		if (sql == NULL || (db_is_pg(db) && (i == S_SIG_INSERT ||
		    i == S_SIG_DKIM || i == S_SIG_SPF)))
			continue;
		if (db_prepare_v3(i <= S_SIG_BATCH ? m->sigdb : db, sql, -1,
		    DB_PREPARE_PERSISTENT | DB_PREPARE_LAZY, &m->st[i],
		    NULL) != DB_OK) {
			sum_err(m, err, "preparing a statement");
			sum_free(m);
			return NULL;
		}
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
		db_finalize(m->st[i]);
	tally_free(m->tally);
	hmap_free(m->sigs);
	hmap_free(m->noted);
	buf_free(&m->sigbuf);
	buf_free(&m->passes);
	buf_free(&m->reasons);
	arena_free(&m->evalmem);
	walk_free(&m->walk);
	free(m->resigned);
	free(m->resigned_sig);
	free(m->news);
	buf_free(&m->newbytes);
	for (i = 0; i < SUM_BATCH_COLS; i++)
		buf_free(&m->batch[i]);
	free(m);
}

static const char *
mode(const char *v)
{
	return align_mode(v) == ALIGN_STRICT ? "s" : "r";
}

static void
bind_text(struct db_stmt *st, int i, const char *v)
{
	if (v == NULL)
		db_bind_null(st, i);
	else
		db_bind_text(st, i, v, -1, DB_STATIC);
}

static int
done(struct store_sum *m, enum sum_stmt q, struct dr_error *err,
    const char *what)
{
	int	rc = db_step(m->st[q]);

	db_reset(m->st[q]);
	if (rc != DB_DONE)
		return sum_err(m, err, what);
	return 0;
}

/* The id of a stored signature: 1, 0 if none, -1 with err set. */
static int
sig_find(struct store_sum *m, const unsigned char key[SHA256_LEN],
    int64_t *id, struct dr_error *err)
{
	struct db_stmt	*st = m->st[S_SIG_FIND];
	int		 rc;

	db_bind_blob(st, 1, key, SHA256_LEN, DB_STATIC);
	rc = db_step(st);
	if (rc == DB_ROW)
		*id = db_column_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return sig_err(m, err, "looking up a signature");
	return rc == DB_ROW;
}

/*
 * Evaluate the signature in sigbuf (into *g, from evalmem) and bind it
 * as parameters 1 to 14 of st, as auth_sigs has them. 0, or -1 with
 * err set.
 */
/*
 * Evaluate the signature of len bytes at p into *g (from evalmem), its
 * facts, passes and reasons. The facts, or -1 with err set.
 */
static long
sig_eval(struct store_sum *m, const void *p, size_t len, struct sig *g,
    struct dr_error *err)
{
	size_t	i;
	long	facts;

	arena_reset(&m->evalmem);
	buf_reset(&m->reasons);
	if (tally_eval(p, len, &m->evalmem, g) == -1 ||
	    (facts = tally_facts(g, &m->passes)) == -1)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	for (i = 0; i < g->nreasons; i++)
		if ((i > 0 && buf_addc(&m->reasons, ' ') == -1) ||
		    buf_adds(&m->reasons, g->reasons[i]) == -1)
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
	return facts;
}

static int
sig_bind(struct store_sum *m, struct db_stmt *st,
    const unsigned char key[SHA256_LEN], struct sig *g, struct dr_error *err)
{
	long	facts;

	if ((facts = sig_eval(m, m->sigbuf.data, m->sigbuf.len, g, err)) ==
	    -1)
		return -1;
	db_bind_blob(st, 1, key, SHA256_LEN, DB_STATIC);
	bind_text(st, 2, g->header_from);
	bind_text(st, 3, g->adkim == ALIGN_STRICT ? "s" : "r");
	bind_text(st, 4, g->aspf == ALIGN_STRICT ? "s" : "r");
	db_bind_int(st, 5, g->dmarc);
	db_bind_int(st, 6, g->dkim_aligned);
	db_bind_int(st, 7, g->spf_aligned);
	bind_text(st, 8, g->receiver_dkim);
	bind_text(st, 9, g->receiver_spf);
	bind_text(st, 10, g->disposition);
	if (m->reasons.len > 0)
		db_bind_text(st, 11, m->reasons.data, (int)m->reasons.len,
		    DB_STATIC);
	else
		db_bind_null(st, 11);
	db_bind_int64(st, 12, facts);
	if (m->passes.len > 0)
		db_bind_text(st, 13, m->passes.data, (int)m->passes.len,
		    DB_STATIC);
	else
		db_bind_null(st, 13);
	bind_text(st, 14, tally_ident(g, NULL) ? tally_ident(g, NULL)->domain :
	    NULL);
	return 0;
}

/* SQLite: a new signature, in the report's transaction (its lock). */
static int
sig_add(struct store_sum *m, const unsigned char key[SHA256_LEN],
    int64_t *id, struct dr_error *err)
{
	struct db_stmt	*st = m->st[S_SIG_INSERT];
	struct sig	 g;
	size_t		 i;
	int		 rc;

	if (sig_bind(m, st, key, &g, err) == -1)
		return -1;
	rc = db_step(st);
	*id = db_column_int64(st, 0);
	db_reset(st);
	if (rc != DB_ROW)
		return sig_err(m, err, "storing a signature");
	for (i = 0; i < g.ndkims + g.nspfs; i++) {
		bool			 dkim = i < g.ndkims;
		const struct sig_result	*r = dkim ? &g.dkims[i] :
		    &g.spfs[i - g.ndkims];
		enum sum_stmt		 q = dkim ? S_SIG_DKIM : S_SIG_SPF;
		struct db_stmt		*t = m->st[q];

		db_bind_int64(t, 1, *id);
		db_bind_int64(t, 2, (int64_t)(dkim ? i : i - g.ndkims) +
		    1);
		bind_text(t, 3, r->domain);
		bind_text(t, 4, r->detail);
		bind_text(t, 5, r->result);
		db_bind_int(t, 6, r->aligned);
		rc = db_step(t);
		db_reset(t);
		if (rc != DB_DONE)
			return sig_err(m, err, "storing a signature");
	}
	return 0;
}

/*
 * An element of a PostgreSQL array literal: NULL, a number, or text
 * quoted (its quotes and backslashes escaped).
 */
static int
array_add(struct buf *b, const char *v, int num)
{
	if (buf_addc(b, b->len == 0 ? '{' : ',') == -1)
		return -1;
	if (v == NULL)
		return buf_adds(b, "NULL");
	if (num)
		return buf_adds(b, v);
	if (buf_addc(b, '"') == -1)
		return -1;
	for (; *v != '\0'; v++)
		if (((*v == '"' || *v == '\\') && buf_addc(b, '\\') == -1) ||
		    buf_addc(b, *v) == -1)
			return -1;
	return buf_addc(b, '"');
}

/* The array literal in b closed ("{}" when empty), as parameter i. */
static int
array_bind(struct db_stmt *st, int i, struct buf *b, struct dr_error *err)
{
	if ((b->len == 0 && buf_addc(b, '{') == -1) || buf_addc(b, '}') == -1)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	db_bind_text(st, i, b->data, (int)b->len, DB_STATIC);
	return 0;
}

/*
 * The cache of signatures emptied when full; not while new ones stand
 * for themselves in it, whose numbers it keeps from being given twice
 * (sum_resolve empties it then).
 */
static void
cache_trim(struct store_sum *m)
{
	if (hmap_count(m->sigs) >= SUM_MAX_SIGS && m->nnews == 0)
		hmap_clear(m->sigs);
}

/*
 * PostgreSQL: the signature in sigbuf, new, to be added with the
 * others of the records about to be written (sum_resolve): *id stands
 * for it until then. 0, or -1 with err set.
 */
static int
sig_new(struct store_sum *m, const unsigned char key[SHA256_LEN],
    int64_t *id, struct dr_error *err)
{
	struct newsig	*t;

	if (m->nnews == m->newscap) {
		size_t	n = m->newscap > 0 ? m->newscap * 2 : 256;
		if ((t = reallocarray(m->news, n, sizeof *t)) == NULL)
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		m->news = t;
		m->newscap = n;
	}
	t = &m->news[m->nnews];
	t->off = m->newbytes.len;
	t->len = m->sigbuf.len;
	memcpy(t->key, key, SHA256_LEN);
	t->id = 0;
	if (buf_add(&m->newbytes, m->sigbuf.data, m->sigbuf.len) == -1)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	*id = -(int64_t)++m->nnews;
	return 0;
}

/* A bytea as an element of a PostgreSQL array literal: "\\x..." */
static int
array_key(struct buf *b, const unsigned char key[SHA256_LEN])
{
	char	hex[2 + 2 * SHA256_LEN + 1];
	size_t	i;

	hex[0] = '\\';
	hex[1] = 'x';
	for (i = 0; i < SHA256_LEN; i++)
		snprintf(hex + 2 + 2 * i, 3, "%02x", key[i]);
	return array_add(b, hex, 0);
}

static int
array_int(struct buf *b, long long v)
{
	char	num[24];

	snprintf(num, sizeof num, "%lld", v);
	return array_add(b, num, 1);
}

/* The new signature t as the elements of S_SIG_BATCH's arrays. */
static int
batch_add(struct store_sum *m, const struct newsig *t, struct dr_error *err)
{
	struct buf		*a = m->batch;
	const struct sig_result	*r;
	const struct sig_result	*id;
	struct sig		 g;
	size_t			 i, j, n;
	long			 facts;

	if ((facts = sig_eval(m, m->newbytes.data + t->off, t->len, &g,
	    err)) == -1)
		return -1;
	id = tally_ident(&g, NULL);
	if (array_key(&a[0], t->key) == -1 ||
	    array_add(&a[1], g.header_from, 0) == -1 ||
	    array_add(&a[2], g.adkim == ALIGN_STRICT ? "s" : "r", 0) == -1 ||
	    array_add(&a[3], g.aspf == ALIGN_STRICT ? "s" : "r", 0) == -1 ||
	    array_int(&a[4], g.dmarc) == -1 ||
	    array_int(&a[5], g.dkim_aligned) == -1 ||
	    array_int(&a[6], g.spf_aligned) == -1 ||
	    array_add(&a[7], g.receiver_dkim, 0) == -1 ||
	    array_add(&a[8], g.receiver_spf, 0) == -1 ||
	    array_add(&a[9], g.disposition, 0) == -1 ||
	    buf_addc(&m->reasons, '\0') == -1 ||
	    array_add(&a[10], m->reasons.len > 1 ? m->reasons.data : NULL,
	    0) == -1 ||
	    array_int(&a[11], facts) == -1 ||
	    buf_addc(&m->passes, '\0') == -1 ||
	    array_add(&a[12], m->passes.len > 1 ? m->passes.data : NULL,
	    0) == -1 ||
	    array_add(&a[13], id != NULL ? id->domain : NULL, 0) == -1)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	for (j = 0; j < 2; j++) {
		struct buf *c = &a[14 + 6 * j];
		r = j == 0 ? g.dkims : g.spfs;
		n = j == 0 ? g.ndkims : g.nspfs;
		for (i = 0; i < n; i++)
			if (array_key(&c[0], t->key) == -1 ||
			    array_int(&c[1], (long long)i + 1) == -1 ||
			    array_add(&c[2], r[i].domain, 0) == -1 ||
			    array_add(&c[3], r[i].detail, 0) == -1 ||
			    array_add(&c[4], r[i].result, 0) == -1 ||
			    array_int(&c[5], r[i].aligned) == -1)
				return dr_seterr(err, DR_E_NOMEM, "out of "
				    "memory");
	}
	return 0;
}

/* Add the new signatures, or find them: their ids into news. */
static int
batch_run(struct store_sum *m, struct dr_error *err)
{
	struct db_stmt	*st = m->st[S_SIG_BATCH];
	struct newsig	*t;
	int64_t		 n;
	size_t		 i;
	int		 rc;

	for (i = 0; i < SUM_BATCH_COLS; i++)
		buf_reset(&m->batch[i]);
	for (i = 0; i < m->nnews; i++)
		if (batch_add(m, &m->news[i], err) == -1)
			return -1;
	for (i = 0; i < SUM_BATCH_COLS; i++)
		if (array_bind(st, (int)i + 1, &m->batch[i], err) == -1)
			return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		n = db_column_int64(st, 0);
		if (n < 1 || (size_t)n > m->nnews) {
			db_reset(st);
			return dr_seterr(err, DR_E_DB, "%s: storing the "
			    "signatures: row %" PRId64 " of %zu", m->path, n,
			    m->nnews);
		}
		m->news[n - 1].id = db_column_type(st, 1) == DB_NULL ? 0 :
		    db_column_int64(st, 1);
	}
	db_reset(st);
	if (rc != DB_DONE)
		return sig_err(m, err, "storing the signatures");
	/* Added by another meanwhile: there now. */
	for (i = 0; i < m->nnews; i++) {
		t = &m->news[i];
		if (t->id == 0 && sig_find(m, t->key, &t->id, err) != 1)
			return sig_err(m, err, "storing a signature");
	}
	return 0;
}

int
sum_resolve(struct store_sum *m, int64_t *ids, size_t n,
    struct dr_error *err)
{
	struct newsig	*t;
	int64_t		*cached;
	size_t		 i;

	if (m->nnews == 0)
		return 0;
	if (batch_run(m, err) == -1)
		return -1;
	for (i = 0; i < m->nnews; i++) {
		t = &m->news[i];
		cached = hmap_find(m->sigs, m->newbytes.data + t->off, t->len);
		if (cached != NULL && *cached == -(int64_t)(i + 1))
			*cached = t->id;
	}
	for (i = 0; i < n; i++)
		if (ids[i] < 0)
			ids[i] = m->news[-ids[i] - 1].id;
	m->nnews = 0;
	buf_reset(&m->newbytes);
	cache_trim(m);
	return 0;
}

/*
 * The id of the signature of record r under adkim and aspf; on
 * PostgreSQL, of a new one, a number standing for it until sum_resolve
 * (which the caller runs before it writes the number).
 */
static int
sig_id(struct store_sum *m, const char *adkim, const char *aspf,
    const struct dr_record *r, int64_t *id, struct dr_error *err)
{
	unsigned char	 key[SHA256_LEN];
	int64_t		*cached;
	int		 rc, added;

	if (tally_record_sig(m->tally, adkim, aspf, r, &m->sigbuf) == -1)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	/* (A new one not added yet stands for itself until then.) */
	cached = hmap_find(m->sigs, m->sigbuf.data, m->sigbuf.len);
	if (cached != NULL && (*cached > 0 || db_is_pg(m->db))) {
		*id = *cached;
		return 0;
	}
	if (sha256_buf(m->sigbuf.data, m->sigbuf.len, key) == -1)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	if (db_is_pg(m->db)) {
		if (sig_new(m, key, id, err) == -1)
			return -1;
	} else {
		if ((rc = sig_find(m, key, id, err)) == -1)
			return -1;
		if (rc == 0 && sig_add(m, key, id, err) == -1)
			return -1;
	}
	cache_trim(m);
	cached = hmap_get(m->sigs, m->sigbuf.data, m->sigbuf.len, &added);
	if (cached != NULL)
		*cached = *id;
	return 0;
}

void
sum_begin(struct store_sum *m, const struct dr_report *r)
{
	m->adkim = mode(r->adkim);
	m->aspf = mode(r->aspf);
}

int
sum_record(struct store_sum *m, const struct dr_record *r, int64_t *sig,
    struct dr_error *err)
{
	return sig_id(m, m->adkim, m->aspf, r, sig, err);
}

/* Write the signatures of the records read back. */
static int
resign_write(struct store_sum *m, size_t n, struct dr_error *err)
{
	struct db_stmt	*st = m->st[S_SET_SIG];
	size_t		 i;

	for (i = 0; i < n; i++) {
		db_bind_int64(st, 1, m->resigned_sig[i]);
		db_bind_int64(st, 2, m->resigned[i]);
		if (done(m, S_SET_SIG, err, "signing records") == -1)
			return -1;
	}
	return 0;
}

/*
 * Sign the stored records of a report under adkim and aspf: read back
 * a chunk of them with their results, then write their signatures. The
 * report's records are written (flushed) by then: no new signature of
 * theirs waits for sum_resolve, which this one runs for its own.
 */
static int
resign(struct store_sum *m, int64_t report, const char *adkim,
    const char *aspf, struct dr_error *err)
{
	struct db_stmt		*rs = m->st[S_RECORDS];
	struct dr_record	 rec;
	int64_t			 lo, hi, from, to, id;
	size_t			 n;
	int			 rc;

	if (m->nnews > 0)
		return dr_seterr(err, DR_E_DB, "%s: signing records again "
		    "before the new signatures were added", m->path);
	rc = walk_ids(&m->walk, report, &lo, &hi, err);
	if (rc <= 0)
		return rc;	/* -1, or no records */
	for (from = lo; from <= hi; from = to + 1) {
		to = hi - from >= SUM_CHUNK ? from + SUM_CHUNK - 1 : hi;
		if (walk_begin(&m->walk, from, to, err) == -1)
			goto fail;
		db_bind_int64(rs, 1, report);
		db_bind_int64(rs, 2, from);
		db_bind_int64(rs, 3, to);
		n = 0;
		while ((rc = db_step(rs)) == DB_ROW) {
			if (walk_record(&m->walk, rs, &rec, &id, err) == -1 ||
			    sig_id(m, adkim, aspf, &rec, &m->resigned_sig[n],
			    err) == -1)
				goto fail;
			m->resigned[n++] = id;
		}
		db_reset(rs);
		walk_end(&m->walk);
		if (rc != DB_DONE)
			return sum_err(m, err, "reading a report back");
		/* (PostgreSQL: the new signatures added, as a flush's.) */
		if (sum_resolve(m, m->resigned_sig, n, err) == -1 ||
		    resign_write(m, n, err) == -1)
			return -1;
	}
	return 0;
fail:
	db_reset(rs);
	walk_end(&m->walk);
	return -1;
}

/*
 * Note a day of a domain for the next merge into sources, once a
 * batch: the row stays until a merge deletes it, which another process
 * may do only once the batch is committed (sum_committed forgets them
 * then; a report or batch rolled back, at once). On PostgreSQL a round
 * trip a report less: a domain's reporters send reports of the same
 * days.
 */
static int
note_day(struct store_sum *m, const char *domain, int64_t day,
    struct dr_error *err)
{
	struct db_stmt	*st = m->st[S_DIRTY];
	char		 key[512];
	size_t		 len = strlen(domain);
	int		 added;

	if (len + 1 + sizeof day <= sizeof key) {
		memcpy(key, domain, len + 1);
		memcpy(key + len + 1, &day, sizeof day);
		len += 1 + sizeof day;
		if (hmap_find(m->noted, key, len) != NULL)
			return 0;
	} else
		len = 0;
	db_bind_text(st, 1, domain, -1, DB_STATIC);
	db_bind_int64(st, 2, day);
	if (done(m, S_DIRTY, err, "updating the summary") == -1)
		return -1;
	/* (Not remembered when out of memory: noted again, no harm.) */
	if (len > 0)
		hmap_get(m->noted, key, len, &added);
	return 0;
}

int
sum_end(struct store_sum *m, const struct dr_report *r, int64_t report,
    int active, struct dr_error *err)
{
	const char	*adkim = mode(r->adkim), *aspf = mode(r->aspf);

	if ((*adkim != *m->adkim || *aspf != *m->aspf) && r->nrecords > 0 &&
	    resign(m, report, adkim, aspf, err) == -1)
		return -1;
	if (!active || r->domain == NULL || r->nrecords == 0)
		return 0;
	return note_day(m, r->domain, tally_day(r->begin, r->end), err);
}

void
sum_abort(struct store_sum *m)
{
	/* Signatures and days noted in the report's savepoint are gone. */
	m->nnews = 0;
	buf_reset(&m->newbytes);
	hmap_clear(m->sigs);
	hmap_clear(m->noted);
}

void
sum_rollback(struct store_sum *m)
{
	m->nnews = 0;
	buf_reset(&m->newbytes);
	hmap_clear(m->sigs);
	hmap_clear(m->noted);
}

void
sum_committed(struct store_sum *m)
{
	hmap_clear(m->noted);
}

/*
 * Merging the noted days into sources, a domain at a time: the records
 * of its noted days sorted by source, in the order of the key of
 * sources, and each source written once with its first and last day;
 * on SQLite sorted by rsort (store-merge.c), on PostgreSQL grouped by
 * the server in one statement. A bulk ingest notes every day of every
 * domain; writing each source once a day, in hash order, made the
 * first report command after one take tens of seconds, and holding
 * every source in memory made it grow with them.
 */
static int
merge_domain(struct store_sum *m, const char *domain, struct dr_error *err)
{
	if (m->merged != NULL) {
		if (merge_noted(m->db, m->merged, m->path, domain, 0, err) ==
		    -1)
			return -1;
	} else {
		db_bind_text(m->st[S_MERGE], 1, domain, -1, DB_STATIC);
		if (done(m, S_MERGE, err, "updating the sources") == -1)
			return -1;
	}
	db_bind_text(m->st[S_DIRTY_DONE], 1, domain, -1, DB_STATIC);
	return done(m, S_DIRTY_DONE, err, "updating the sources");
}

int
sum_pending(struct store_sum *m, int64_t *n, struct dr_error *err)
{
	struct db_stmt	*st = m->st[S_PENDING];
	int		 rc;

	rc = db_step(st);
	*n = rc == DB_ROW ? db_column_int64(st, 0) : 0;
	db_reset(st);
	if (rc != DB_ROW)
		return sum_err(m, err, "reading the summary");
	return 0;
}

int
sum_merge(struct store_sum *m, struct dr_error *err)
{
	struct db_stmt	*st = m->st[S_DIRTY_DOMAINS];
	struct buf	 domain = { 0 };
	const char	*d;
	int		 rc, ret = -1;

	if (buf_addc(&domain, '\0') == -1)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	for (;;) {
		/* The next domain after the one merged. */
		db_bind_text(st, 1, domain.data, -1, DB_TRANSIENT);
		rc = db_step(st);
		if (rc == DB_ROW) {
			d = (const char *)db_column_text(st, 0);
			buf_reset(&domain);
			if (d == NULL || buf_adds(&domain, d) == -1 ||
			    buf_addc(&domain, '\0') == -1) {
				db_reset(st);
				dr_seterr(err, DR_E_NOMEM, "out of memory");
				goto out;
			}
		}
		db_reset(st);
		if (rc == DB_DONE)
			break;
		if (rc != DB_ROW) {
			sum_err(m, err, "reading the summary");
			goto out;
		}
		if (merge_domain(m, domain.data, err) == -1)
			goto out;
	}
	ret = 0;
out:
	buf_free(&domain);
	return ret;
}

/*
 * The read-only connection's merge: the sources of the domain's noted
 * days go to a temporary table (in a temporary file, as every
 * connection's temp_store is) that store_firsts reads beside sources,
 * and summary_dirty stays as it is. The first report command of a user who
 * can write merges them for good.
 */
/* Run sql, with the domain as ?1 if it has one; *v: its row's int. */
static int
fold_run(struct db *db, const char *path, const char *sql,
    const char *domain, int *v, struct dr_error *err)
{
	struct db_stmt	*st;
	int		 rc;

	if (db_prepare_v2(db, sql, -1, &st, NULL) != DB_OK)
		return store_db_err(db, path, err, "reading the summary");
	if (db_bind_parameter_count(st) > 0 &&
	    db_bind_text(st, 1, domain, -1, DB_STATIC) != DB_OK) {
		db_finalize(st);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	rc = db_step(st);
	if (rc == DB_ROW && v != NULL)
		*v = db_column_int(st, 0);
	db_finalize(st);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_err(db, path, err, "reading the summary");
	return 0;
}

int
sum_fold(struct db *db, struct merged *mg, const char *path,
    const char *domain, struct dr_error *err)
{
	int	noted = 0;

	if (fold_run(db, path, "SELECT EXISTS (SELECT 1 FROM summary_dirty"
	    " WHERE domain = ?1)", domain, &noted, err) == -1)
		return -1;
	if (!noted)
		return 0;
	/*
	 * Temporary tables come first where a name is looked up, in both
	 * databases; PostgreSQL's tables have no rowid to do without.
	 */
	if (fold_run(db, path, db_pick(db, "CREATE TEMP TABLE IF NOT EXISTS"
	    " sources_folded (domain TEXT PRIMARY KEY) WITHOUT ROWID",
	    "CREATE TEMP TABLE IF NOT EXISTS sources_folded"
	    " (domain TEXT PRIMARY KEY)"), NULL, NULL, err) == -1 ||
	    fold_run(db, path, db_pick(db, "CREATE TEMP TABLE IF NOT EXISTS"
	    " sources_fold (domain TEXT NOT NULL, header_from TEXT NOT NULL,"
	    " source_ip TEXT NOT NULL, first_day INTEGER NOT NULL,"
	    " PRIMARY KEY (domain, header_from, source_ip)) WITHOUT ROWID",
	    "CREATE TEMP TABLE IF NOT EXISTS"
	    " sources_fold (domain TEXT NOT NULL, header_from TEXT NOT NULL,"
	    " source_ip TEXT NOT NULL, first_day BIGINT NOT NULL,"
	    " PRIMARY KEY (domain, header_from, source_ip))"),
	    NULL, NULL, err) == -1 ||
	    fold_run(db, path, "INSERT INTO sources_folded"
	    " VALUES (?1) ON CONFLICT DO NOTHING", domain, NULL, err) == -1)
		return -1;
	/* Folded before, on this connection. */
	if (db_changes(db) == 0)
		return 1;
	if (mg != NULL) {
		if (merge_noted(db, mg, path, domain, 1, err) == -1)
			return -1;
	} else if (fold_run(db, path, "INSERT INTO sources_fold"
	    " SELECT ?1, coalesce(c.header_from, ''),"
	    " coalesce(c.source_ip, ''), min(p.day)" NOTED_SOURCES, domain,
	    NULL, err) == -1)
		return -1;
	return 1;
}

/*
 * Fill in what schema 005 added to the rows stored before it: each
 * report's day and each record's signature. From before schema 003
 * the sources table is new too: every day of an active report is noted
 * and merged.
 */
int
sum_upgrade(struct store_sum *m, int from, struct dr_error *err)
{
	struct db_stmt	*st = m->st[S_REPORTS], *up = m->st[S_SET_DAY];
	int64_t		 id = 0, begin = 0, end = 0;
	char		 adkim[8], aspf[8];
	int		 rc;

	for (;;) {
		db_bind_int64(st, 1, id);
		rc = db_step(st);
		if (rc == DB_ROW) {
			id = db_column_int64(st, 0);
			begin = db_column_int64(st, 1);
			end = db_column_int64(st, 2);
			snprintf(adkim, sizeof adkim, "%s", mode((const char *)
			    db_column_text(st, 3)));
			snprintf(aspf, sizeof aspf, "%s", mode((const char *)
			    db_column_text(st, 4)));
		}
		db_reset(st);
		if (rc == DB_DONE)
			break;
		if (rc != DB_ROW)
			return sum_err(m, err, "upgrading the summary");
		db_bind_int64(up, 1, tally_day(begin, end));
		db_bind_int64(up, 2, id);
		if (done(m, S_SET_DAY, err, "upgrading the summary") == -1 ||
		    resign(m, id, adkim, aspf, err) == -1)
			return -1;
	}
	if (from >= 3)
		return 0;
	if (db_exec(m->db, "INSERT INTO summary_dirty"
	    " (domain, day) SELECT domain, day FROM reports"
	    " WHERE status = 'active' AND domain IS NOT NULL"
	    " AND record_count > 0 ON CONFLICT DO NOTHING", NULL, NULL,
	    NULL) != DB_OK)
		return sum_err(m, err, "upgrading the summary");
	return sum_merge(m, err);
}

int
sum_resign_local(struct store_sum *m, struct dr_error *err)
{
	struct db_stmt	*st = NULL;
	int64_t		*ids = NULL, *p;
	size_t		 n = 0, cap = 0, i;
	char		 adkim[8], aspf[8];
	int		 rc, ret = -1;

	/* The reports first: signing writes the records read here. */
	if (db_prepare_v2(m->db, "SELECT DISTINCT c.report"
	    " FROM override_reasons o JOIN records c ON c.id = o.record"
	    " WHERE o.type = 'local_policy' AND o.comment IS NOT NULL"
	    " ORDER BY 1", -1, &st, NULL) != DB_OK)
		return sum_err(m, err, "upgrading the signatures");
	while ((rc = db_step(st)) == DB_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((p = reallocarray(ids, cap, sizeof *ids)) == NULL) {
				dr_seterr(err, DR_E_NOMEM, "out of memory");
				goto out;
			}
			ids = p;
		}
		ids[n++] = db_column_int64(st, 0);
	}
	if (rc != DB_DONE) {
		sum_err(m, err, "upgrading the signatures");
		goto out;
	}
	db_finalize(st);
	if (db_prepare_v2(m->db, "SELECT adkim, aspf FROM reports"
	    " WHERE id = ?", -1, &st, NULL) != DB_OK) {
		st = NULL;
		sum_err(m, err, "upgrading the signatures");
		goto out;
	}
	for (i = 0; i < n; i++) {
		db_bind_int64(st, 1, ids[i]);
		if (db_step(st) != DB_ROW) {
			sum_err(m, err, "upgrading the signatures");
			goto out;
		}
		snprintf(adkim, sizeof adkim, "%s",
		    mode((const char *)db_column_text(st, 0)));
		snprintf(aspf, sizeof aspf, "%s",
		    mode((const char *)db_column_text(st, 1)));
		db_reset(st);
		if (resign(m, ids[i], adkim, aspf, err) == -1)
			goto out;
	}
	ret = 0;
out:
	db_finalize(st);
	free(ids);
	return ret;
}
