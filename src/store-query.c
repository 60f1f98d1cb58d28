/*
 * store-query.c: what the report commands (sources, advise, export,
 * digest) read from the store, and the configuration they mirror into
 * it. Statements here are prepared when used: each runs a few times
 * per command, not per row.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cidr.h"
#include "cpus.h"
#include "hmap.h"
#include "log.h"
#include "rsort.h"
#include "store-int.h"
#include "store.h"

static const char *
text(struct db_stmt *st, int i)
{
	return (const char *)db_column_text(st, i);
}

static void
bind_t(struct db_stmt *st, int i, const char *v)
{
	if (v == NULL)
		db_bind_null(st, i);
	else
		db_bind_text(st, i, v, -1, DB_STATIC);
}

/*
 * On PostgreSQL every statement here reads through a cursor: the
 * report commands read inside a transaction (store_read_begin), and a
 * statement may read millions of rows.
 */
static int
prep(struct store *s, const char *sql, struct db_stmt **st,
    struct dr_error *err, const char *what)
{
	if (db_prepare_v3(store_conn(s), sql, -1, DB_PREPARE_STREAM, st,
	    NULL) != DB_OK)
		return store_db_err(store_conn(s), store_path(s), err, what);
	return 0;
}

/*
 * prep, with the domain as ?1 and the bounds of a span (days or times)
 * as ?2 and ?3.
 */
static int
prep_span(struct store *s, const char *sql, const char *domain,
    int64_t from, int64_t to, struct db_stmt **st, struct dr_error *err,
    const char *what)
{
	if (prep(s, sql, st, err, what) == -1)
		return -1;
	bind_t(*st, 1, domain);
	db_bind_int64(*st, 2, from);
	db_bind_int64(*st, 3, to);
	return 0;
}

/* Finish a loop over rows: rc is the last step's, ret the callback's. */
static int
finish(struct store *s, struct db_stmt *st, int rc, int ret,
    struct dr_error *err, const char *what)
{
	if (ret == 0 && rc != DB_DONE && rc != DB_ROW)
		ret = store_db_err(store_conn(s), store_path(s), err, what);
	db_finalize(st);
	return ret < 0 ? -1 : 0;
}

/* Signatures whose matching senders are remembered (direct-mapped). */
#define MATCH_SLOTS	16384

/* The senders a signature's passing results match. */
struct match {
	store_match_fn	 fn;
	void		*arg;
	size_t		 n;		/* bytes of a mask */
	int64_t		*ids;		/* MATCH_SLOTS; 0: empty */
	unsigned char	*masks;		/* MATCH_SLOTS masks of n bytes */
	unsigned char	*none;		/* n zero bytes */
};

/*
 * The senders signature id's passing results match, remembered: a
 * mask, or NULL when none. *bad is set when the results cannot be
 * read.
 */
static const unsigned char *
match_mask(struct match *m, int64_t id, const char *passes, size_t len,
    int *bad)
{
	unsigned char	*mask;
	size_t		 slot;

	*bad = 0;
	slot = (size_t)id & (MATCH_SLOTS - 1);
	mask = m->masks + slot * m->n;
	if (m->ids[slot] != id || id == 0) {
		memset(mask, 0, m->n);
		m->ids[slot] = 0;
		if (m->fn(m->arg, passes, len, mask) == -1) {
			*bad = 1;
			return NULL;
		}
		m->ids[slot] = id;
	}
	return memcmp(mask, m->none, m->n) != 0 ? mask : NULL;
}

static int
bad_passes(struct store *s, struct dr_error *err)
{
	return dr_seterr(err, DR_E_DB, "%s: a signature's passing results "
	    "cannot be read", store_path(s));
}

/* store_days on PostgreSQL, sorted in memory: its callback's. */
struct days_arg {
	struct store	*s;
	struct match	*m;
	int		(*cb)(void *, const struct store_day *);
	void		*arg;
	struct dr_error	*err;
};

/* A record from days_sorted: its senders matched, to the callback. */
static int
days_cb(void *arg, const struct store_day *d, const char *passes,
    size_t len)
{
	struct days_arg		*a = arg;
	struct store_day	 e = *d;
	int			 bad;

	e.senders = NULL;
	if (passes != NULL && a->m->n > 0) {
		e.senders = match_mask(a->m, d->sig, passes, len, &bad);
		if (bad)
			return bad_passes(a->s, a->err);
	}
	return a->cb(a->arg, &e);
}

/* The report commands' sorts: 64 MiB unless DMARCDB_SORT_MEMORY says. */
#define SORT_MEMORY	((size_t)64 << 20)
int
store_sort_memory(size_t *mem, struct dr_error *err)
{
	const char	*v = getenv("DMARCDB_SORT_MEMORY");
	char		*end;
	unsigned long	 n = 0;

	*mem = SORT_MEMORY;
	if (v == NULL || *v == '\0')
		return 0;
	if (*v < '0' || *v > '9')
		end = (char *)v;
	else
		n = strtoul(v, &end, 10);
	if (end == v || *end != '\0' || n < 1 || n > 2048)
		return dr_seterr(err, DR_E_USAGE, "DMARCDB_SORT_MEMORY: "
		    "\"%s\" is not a number of MiB from 1 to 2048", v);
	*mem = (size_t)n << 20;
	return 0;
}

/*
 * A record in the sort (rsort.h). Its key: header_from, NUL, source
 * IP, NUL, the signature's id big-endian with its sign bit flipped,
 * which memcmp orders as store_days gives the records. Then the rest.
 */
struct day_rest {
	int64_t		 messages;
	int64_t		 day;
	int64_t		 facts;
	uint32_t	 reporter;	/* bytes with the NUL; 0: NULL */
	uint32_t	 ident;		/* the same */
	uint32_t	 senders;	/* bytes of the mask; 0: none */
};

/* A string and its NUL at *p, moved past. */
static void
put_text(unsigned char **p, const char *v, size_t len)
{
	memcpy(*p, v, len);
	(*p)[len] = '\0';
	*p += len + 1;
}

int
store_sort_err(const char *path, const char *what, struct dr_error *err)
{
	if (errno == ENOMEM)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	return dr_seterr(err, DR_E_DB, "%s: %s: sorting in a temporary file: "
	    "%s", path, what, strerror(errno));
}

void
store_sort_note(struct rsort *const *rs, size_t n, const char *domain,
    const char *done, size_t mem)
{
	uint64_t	recs, bytes, all = 0, file = 0;
	size_t		i, runs, nruns = 0;

	for (i = 0; i < n; i++) {
		rsort_stats(rs[i], &recs, &runs, &bytes);
		all += recs;
		nruns += runs;
		file += bytes;
	}
	if (nruns > 0)
		log_verbose("%s: %llu records %s through a temporary file of "
		    "%llu KiB (the sort's memory: %zu MiB)", domain,
		    (unsigned long long)all, done,
		    (unsigned long long)(file >> 10), mem >> 20);
}

static int
sort_err(struct store *s, struct dr_error *err)
{
	return store_sort_err(store_path(s), "reading the summary", err);
}

/* One row into the sort: 0, or -1 with err set. */
static int
sort_row(struct store *s, struct rsort *rs, struct db_stmt *st,
    struct match *m, struct dr_error *err)
{
	struct day_rest		 r;
	const char		*hf, *ip, *rep, *ident, *passes;
	const unsigned char	*mask = NULL;
	unsigned char		*p;
	size_t			 hl, il, rl, dl, klen, len;
	uint64_t		 be;
	int			 bad, i;

	hf = text(st, 0);
	ip = text(st, 1);
	rep = db_column_type(st, 5) == DB_NULL ? NULL : text(st, 5);
	ident = db_column_type(st, 8) == DB_NULL ? NULL : text(st, 8);
	if (hf == NULL || ip == NULL || (rep == NULL &&
	    db_column_type(st, 5) != DB_NULL) || (ident == NULL &&
	    db_column_type(st, 8) != DB_NULL))
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	if (m->n > 0 && db_column_type(st, 7) != DB_NULL) {
		if ((passes = text(st, 7)) == NULL)
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		mask = match_mask(m, db_column_int64(st, 2), passes,
		    (size_t)db_column_bytes(st, 7), &bad);
		if (bad)
			return bad_passes(s, err);
	}
	/* Strings end at their first NUL, as the callback sees them. */
	hl = strlen(hf);
	il = strlen(ip);
	rl = rep != NULL ? strlen(rep) + 1 : 0;
	dl = ident != NULL ? strlen(ident) + 1 : 0;
	klen = hl + 1 + il + 1 + 8;
	len = klen + sizeof r + rl + dl + (mask != NULL ? m->n : 0);
	if ((p = rsort_reserve(rs, len)) == NULL)
		return sort_err(s, err);
	put_text(&p, hf, hl);
	put_text(&p, ip, il);
	be = (uint64_t)db_column_int64(st, 2) ^ ((uint64_t)1 << 63);
	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)be;
		be >>= 8;
	}
	p += 8;
	memset(&r, 0, sizeof r);	/* its padding goes to the file too */
	r.messages = db_column_int64(st, 3);
	r.day = db_column_int64(st, 4);
	r.facts = db_column_int64(st, 6);
	r.reporter = (uint32_t)rl;
	r.ident = (uint32_t)dl;
	r.senders = mask != NULL ? (uint32_t)m->n : 0;
	memcpy(p, &r, sizeof r);
	p += sizeof r;
	if (rep != NULL)
		put_text(&p, rep, rl - 1);
	if (ident != NULL)
		put_text(&p, ident, dl - 1);
	if (mask != NULL)
		memcpy(p, mask, m->n);
	if (rsort_add(rs, klen) == -1)
		return sort_err(s, err);
	return 0;
}

/* A record of the sort back into d (its strings in the record). */
static void
sort_day(const unsigned char *p, struct store_day *d)
{
	struct day_rest	 r;
	uint64_t	 be = 0;
	size_t		 i;

	d->header_from = (const char *)p;
	p += strlen(d->header_from) + 1;
	d->source_ip = (const char *)p;
	p += strlen(d->source_ip) + 1;
	for (i = 0; i < 8; i++)
		be = be << 8 | p[i];
	d->sig = (int64_t)(be ^ ((uint64_t)1 << 63));
	p += 8;
	memcpy(&r, p, sizeof r);
	p += sizeof r;
	d->messages = r.messages;
	d->day = r.day;
	d->facts = (long)r.facts;
	d->reporter = r.reporter > 0 ? (const char *)p : NULL;
	p += r.reporter;
	d->ident = r.ident > 0 ? (const char *)p : NULL;
	p += r.ident;
	d->senders = r.senders > 0 ? p : NULL;
}

/*
 * A window of this many records or more is read by two threads at once,
 * each on its own connection, the records below the id that halves the
 * window (window_middle) on one and the others on the other, each
 * sorted on its own; the two sorts are merged as they are read back.
 * (DMARCDB_THREADS=1: one thread.)
 */
#define SPLIT_RECORDS	10000

/* The matching of senders, which two readers share. */
struct match_lock {
	pthread_mutex_t	 mtx;
	store_match_fn	 fn;
	void		*arg;
};

static int
match_locked(void *arg, const char *passes, size_t len, unsigned char *mask)
{
	struct match_lock	*l = arg;
	int			 rc;

	pthread_mutex_lock(&l->mtx);
	rc = l->fn(l->arg, passes, len, mask);
	pthread_mutex_unlock(&l->mtx);
	return rc;
}

static int
match_init(struct match *m, store_match_fn fn, void *arg, size_t n)
{
	memset(m, 0, sizeof *m);
	m->fn = fn;
	m->arg = arg;
	m->n = n;
	if (n == 0)
		return 0;
	m->ids = calloc(MATCH_SLOTS, sizeof *m->ids);
	m->masks = calloc(MATCH_SLOTS, n);
	m->none = calloc(1, n);
	return m->ids == NULL || m->masks == NULL || m->none == NULL ? -1 : 0;
}

static void
match_free(struct match *m)
{
	free(m->ids);
	free(m->masks);
	free(m->none);
}

/* The threads that read a window: DMARCDB_THREADS, 1 or 2. */
static int
read_threads(int *n, struct dr_error *err)
{
	const char	*v = getenv("DMARCDB_THREADS");

	*n = cpus_usable() > 1 ? 2 : 1;
	if (v == NULL || *v == '\0')
		return 0;
	if (strcmp(v, "1") != 0 && strcmp(v, "2") != 0)
		return dr_seterr(err, DR_E_USAGE, "DMARCDB_THREADS: \"%s\" "
		    "is not 1 or 2", v);
	*n = *v - '0';
	return 0;
}

/*
 * What a connection sees of a window: its active reports, their ids
 * summed, their records. Reports are never deleted and their ids only
 * grow, so two connections that see the same count and sum see the same
 * reports, and so the same records.
 */
struct window_seen {
	int64_t		 reports, ids, records;
};

static int
window_seen(struct store *s, const char *domain, int64_t from, int64_t to,
    struct window_seen *w, struct dr_error *err)
{
	static const char sql[] =
	    "SELECT count(*), coalesce(sum(id), 0),"
	    " coalesce(sum(record_count), 0) FROM reports"
	    " WHERE domain = ?1 AND day BETWEEN ?2 AND ?3"
	    " AND status = 'active'";
	struct db_stmt	*st;
	int		 rc;

	if (prep_span(s, sql, domain, from, to, &st, err,
	    "reading the summary") == -1)
		return -1;
	memset(w, 0, sizeof *w);
	if ((rc = db_step(st)) == DB_ROW) {
		w->reports = db_column_int64(st, 0);
		w->ids = db_column_int64(st, 1);
		w->records = db_column_int64(st, 2);
	}
	return finish(s, st, rc, 0, err, "reading the summary");
}

/* One reader of a window: its records of ids from lo to below hi. */
struct reader {
	struct store	*s;
	const char	*domain;
	int64_t		 from, to;
	int64_t		 lo, hi;
	struct match	*m;
	struct rsort	*rs;
	atomic_int	*stop;		/* the other failed */
	struct dr_error	 err;
	int		 ret;
};

static int
read_window(struct reader *r)
{
	/* The signature's columns too: its records come in its order. */
	static const char sql[] =
	    "SELECT coalesce(c.header_from, ''), coalesce(c.source_ip, ''),"
	    " c.sig, c.count, p.day, p.reporter, g.facts,"
	    " CASE WHEN ?4 THEN g.passes END, g.ident"
	    " FROM reports p JOIN records c ON c.report = p.id"
	    " JOIN auth_sigs g ON g.id = c.sig"
	    " WHERE p.domain = ?1 AND p.day BETWEEN ?2 AND ?3"
	    " AND p.status = 'active' AND c.id >= ?5 AND c.id < ?6";
	static const char sql_pg[] =
	    "SELECT coalesce(c.header_from, ''), coalesce(c.source_ip, ''),"
	    " c.sig, c.count, p.day, p.reporter, g.facts,"
	    " CASE WHEN ?4 <> 0 THEN g.passes END, g.ident"
	    " FROM reports p JOIN records c ON c.policy_domain = p.domain"
	    " AND c.report = p.id"
	    " JOIN auth_sigs g ON g.id = c.sig"
	    " WHERE p.domain = ?1 AND p.day BETWEEN ?2 AND ?3"
	    " AND p.status = 'active' AND c.id >= ?5 AND c.id < ?6";
	struct db_stmt	*st = NULL;
	int		 rc, ret = 0;

	if (prep(r->s, db_pick(store_conn(r->s), sql, sql_pg), &st, &r->err,
	    "reading the summary") == -1)
		return -1;
	bind_t(st, 1, r->domain);
	db_bind_int64(st, 2, r->from);
	db_bind_int64(st, 3, r->to);
	db_bind_int(st, 4, r->m->n > 0);
	db_bind_int64(st, 5, r->lo);
	db_bind_int64(st, 6, r->hi);
	while ((rc = db_step(st)) == DB_ROW) {
		if (r->stop != NULL && atomic_load(r->stop)) {
			ret = dr_seterr(&r->err, DR_E_DB, "stopped");
			break;
		}
		if ((ret = sort_row(r->s, r->rs, st, r->m, &r->err)) != 0)
			break;
	}
	return finish(r->s, st, rc, ret, &r->err, "reading the summary");
}

static void *
read_window_main(void *arg)
{
	struct reader	*r = arg;

	r->ret = read_window(r);
	return NULL;
}

/*
 * The record id that cuts the window's records in halves: its reports in
 * the order of their records, each report's records taken as the ids
 * from its first to its last (as ingest writes them), counted until
 * half. 0, or -1 with err set.
 */
static int
window_middle(struct store *s, const char *domain, int64_t from, int64_t to,
    int64_t records, int64_t *mid, struct dr_error *err)
{
	static const char sql[] =
	    "SELECT p.record_count, (SELECT min(c.id) FROM records c"
	    " WHERE c.report = p.id) AS lo,"
	    " (SELECT max(c.id) FROM records c WHERE c.report = p.id)"
	    " FROM reports p WHERE p.domain = ?1 AND p.day BETWEEN ?2 AND ?3"
	    " AND p.status = 'active' AND p.record_count > 0 ORDER BY lo";
	struct db_stmt	*st;
	int64_t		 seen = 0, n, lo, hi;
	int		 rc;

	if (prep_span(s, sql, domain, from, to, &st, err,
	    "reading the summary") == -1)
		return -1;
	*mid = INT64_MAX;
	while ((rc = db_step(st)) == DB_ROW) {
		n = db_column_int64(st, 0);
		lo = db_column_int64(st, 1);
		hi = db_column_int64(st, 2);
		if (seen + n >= records / 2) {
			/* Within this report's ids, as near half as they go. */
			*mid = lo + (records / 2 - seen);
			if (*mid > hi)
				*mid = hi;
			break;
		}
		seen += n;
	}
	return finish(s, st, rc, 0, err, "reading the summary");
}

/*
 * A second reader for the window when it is big enough and a second
 * connection sees it as s does (on SQLite the newest data, which may be
 * newer than s's: then none): 1 with *t, 0 without, -1 with err set.
 */
static int
window_reader(struct store *s, const char *domain, int64_t from,
    int64_t to, const struct window_seen *a, struct store **t, int64_t *mid,
    struct dr_error *err)
{
	struct window_seen	 b;
	int			 rc;

	*t = NULL;
	if (a->records < SPLIT_RECORDS)
		return 0;
	if (window_middle(s, domain, from, to, a->records, mid, err) == -1)
		return -1;
	if ((rc = store_reader(s, t, err)) != 1)
		return rc;
	if (db_is_pg(store_conn(s)))
		return 1;
	if (window_seen(*t, domain, from, to, &b, err) == -1) {
		store_close(*t);
		*t = NULL;
		return -1;
	}
	if (memcmp(a, &b, sizeof b) == 0)
		return 1;
	log_debug("%s: a commit came since this command began: its "
	    "records read on one connection", domain);
	store_close(*t);
	*t = NULL;
	return 0;
}

/* memcmp of two records' keys: header_from, source IP, signature. */
static int
key_cmp(const unsigned char *a, const unsigned char *b)
{
	size_t	la, lb;
	int	c, i;

	for (i = 0; i < 2; i++) {
		if ((c = strcmp((const char *)a, (const char *)b)) != 0)
			return c;
		la = strlen((const char *)a) + 1;
		lb = strlen((const char *)b) + 1;
		a += la;
		b += lb;
	}
	return memcmp(a, b, 8);
}

/*
 * The window's records read as they are stored, sorted here (rsort.h,
 * spilling beyond the sort's memory), then to cb in the order of their
 * keys: what cb returned if not 0, -1 with err set, or 0. A big window
 * is read by two threads (window_reader), each sorting its half in
 * half the memory.
 */
static int
days_spilled(struct store *s, const char *domain, int64_t from, int64_t to,
    const struct window_seen *w, size_t mem, int threads, struct match *m,
    int (*cb)(void *, const struct store_day *), void *arg,
    struct dr_error *err)
{
	struct store_day	 d;
	struct reader		 r[2];
	struct match		 m1;
	struct match_lock	 lock;
	struct store		*t = NULL;
	pthread_t		 th;
	atomic_int		 stop = 0;
	const void		*rec[2] = { NULL, NULL };
	size_t			 len, k, n = 1;
	int64_t			 mid = 0;
	int			 have[2] = { 0, 0 }, rc = 0, ret = 0;
	bool			 threaded = false;

	memset(r, 0, sizeof r);
	memset(&m1, 0, sizeof m1);
	if (threads > 1 && (rc = window_reader(s, domain, from, to, w, &t,
	    &mid, err)) == -1)
		return -1;
	if (rc == 1) {
		n = 2;
		mem /= 2;
		lock.fn = m->fn;
		lock.arg = m->arg;
		if (match_init(&m1, match_locked, &lock, m->n) == -1) {
			store_close(t);
			match_free(&m1);
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		}
		pthread_mutex_init(&lock.mtx, NULL);
		m->fn = match_locked;
		m->arg = &lock;
	}
	for (k = 0; k < n; k++) {
		r[k].s = k == 0 ? s : t;
		r[k].domain = domain;
		r[k].from = from;
		r[k].to = to;
		r[k].lo = k == 0 ? INT64_MIN : mid;
		r[k].hi = k == 0 && n == 2 ? mid : INT64_MAX;
		r[k].m = k == 0 ? m : &m1;
		r[k].stop = n == 1 ? NULL : &stop;
		if ((r[k].rs = rsort_new(mem)) == NULL)
			ret = dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	if (ret == 0 && n == 2) {
		if (pthread_create(&th, NULL, read_window_main, &r[1]) == 0)
			threaded = true;
		else
			ret = dr_seterr(err, DR_E_NOMEM, "cannot start a "
			    "thread");
	}
	if (ret == 0) {
		ret = read_window(&r[0]);
		if (ret != 0) {
			atomic_store(&stop, 1);
			*err = r[0].err;
		}
	}
	if (threaded) {
		pthread_join(th, NULL);
		if (ret == 0 && r[1].ret != 0) {
			ret = r[1].ret;
			*err = r[1].err;
		}
	}
	if (n == 2) {
		m->fn = lock.fn;
		m->arg = lock.arg;
		pthread_mutex_destroy(&lock.mtx);
		match_free(&m1);
		store_close(t);
		if (ret == 0)
			log_debug("%s: records read by two threads", domain);
	}
	/* The sorts merged as they are read back, the first on ties. */
	memset(&d, 0, sizeof d);
	d.domain = domain;
	for (k = 0; ret == 0 && k < n; k++)
		if ((have[k] = rsort_next(r[k].rs, &rec[k], &len)) == -1)
			ret = sort_err(s, err);
	while (ret == 0 && (have[0] == 1 || have[1] == 1)) {
		k = have[1] == 1 && (have[0] != 1 || key_cmp(rec[1],
		    rec[0]) < 0) ? 1 : 0;
		sort_day(rec[k], &d);
		if ((ret = cb(arg, &d)) == 0 &&
		    (have[k] = rsort_next(r[k].rs, &rec[k], &len)) == -1)
			ret = sort_err(s, err);
	}
	if (ret == 0) {
		struct rsort *sorts[2] = { r[0].rs, r[1].rs };

		store_sort_note(sorts, n, domain, "sorted", mem * n);
	}
	for (k = 0; k < n; k++)
		rsort_free(r[k].rs);
	return ret;
}

int
store_days(struct store *s, const char *domain, int64_t from, int64_t to,
    size_t nmask, store_match_fn match, void *marg,
    int (*cb)(void *, const struct store_day *), void *arg,
    struct dr_error *err)
{
	struct window_seen	 w;
	struct match		 m;
	size_t			 mem;
	int			 ret, threads;

	/*
	 * The window's count: PostgreSQL's sort in memory asks whether it
	 * fits, the second reader whether it sees what this one does.
	 */
	memset(&w, 0, sizeof w);
	if (store_sort_memory(&mem, err) == -1 || read_threads(&threads, err) ==
	    -1 || ((db_is_pg(store_conn(s)) || threads > 1) &&
	    window_seen(s, domain, from, to, &w, err) == -1))
		return -1;
	if (match_init(&m, match, marg, nmask) == -1) {
		ret = dr_seterr(err, DR_E_NOMEM, "out of memory");
		goto out;
	}
	/*
	 * PostgreSQL: in memory when the window fits (store-days.c), which
	 * reads each signature once rather than with each record.
	 */
	if (db_is_pg(store_conn(s))) {
		struct days_arg a = { s, &m, cb, arg, err };

		ret = days_sorted(s, domain, from, to, w.records, mem,
		    nmask > 0, days_cb, &a, err);
		if (ret != 1)
			goto out;
	}
	ret = days_spilled(s, domain, from, to, &w, mem, threads, &m, cb,
	    arg, err);
out:
	match_free(&m);
	return ret;
}

/* Rows stepped over before a seek is cheaper. */
#define FIRSTS_STEPS	16

/* A cursor through a table of sources, in the order of its key. */
struct firsts_cur {
	struct db_stmt	*st;
	int		 rc;		/* of the last step; 0: no seek yet */
};

/*
 * The sources table and, on a read-only store whose summary has days
 * that ingest noted and no command merged, the sources of those days
 * (sum_fold): a source's first day is the earlier of the two.
 */
struct store_firsts {
	struct store		*s;
	struct firsts_cur	 cur[2];
	size_t			 ncur;
	struct buf		 hf, ip;	/* the source last asked for */
};

static const char firsts_sql[] =
    "SELECT header_from, source_ip, first_day FROM %s"
    " WHERE domain = ?1 AND (header_from, source_ip) >= (?2, ?3)"
    " ORDER BY header_from, source_ip";
/*
 * PostgreSQL, which reads on rather than seek (firsts_find): only the
 * sources seen since the first day asked for, the others are never
 * asked for. A source's span of days only widens (sum_merge), so one
 * with a record of that day or later has a last day as late. The
 * server skips the others (for the biggest domain of the benchmark,
 * 810,000 sources of which 88,000 in a 30-day window) rather than
 * sending them.
 */
static const char firsts_pg[] =
    "SELECT header_from, source_ip, first_day FROM sources"
    " WHERE domain = ?1 AND (header_from, source_ip) >= (?2, ?3)"
    " AND last_day >= ?4 ORDER BY header_from, source_ip";

/*
 * Prepare cursor k on table, for the domain; since: the first day of
 * the sources asked for, or -1 for all. 0, or -1 with err set.
 */
static int
firsts_prep(struct store_firsts *f, size_t k, const char *table,
    const char *domain, int64_t since, struct dr_error *err)
{
	char	sql[sizeof firsts_sql + 32];

	snprintf(sql, sizeof sql, firsts_sql, table);
	if (prep(f->s, since >= 0 ? firsts_pg : sql, &f->cur[k].st, err,
	    "reading the sources") == -1)
		return -1;
	f->ncur = k + 1;
	if (db_bind_text(f->cur[k].st, 1, domain, -1, DB_TRANSIENT)
	    != DB_OK)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	if (since >= 0)
		db_bind_int64(f->cur[k].st, 4, since);
	return 0;
}

int
store_firsts_open(struct store *s, const char *domain, int64_t since,
    struct store_firsts **out, struct dr_error *err)
{
	struct store_firsts	*f;
	int			 folded = 0;

	*out = NULL;
	f = calloc(1, sizeof *f);
	if (f == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	f->s = s;
	if (store_readonly(s)) {
		struct store_q *q = store_queries(s);

		if (!db_is_pg(store_conn(s)) && q->merged == NULL &&
		    (q->merged = merge_register(store_conn(s))) == NULL) {
			free(f);
			return store_db_err(store_conn(s), store_path(s), err,
			    "registering a function");
		}
		if ((folded = sum_fold(store_conn(s), q->merged,
		    store_path(s), domain, err)) == -1) {
			free(f);
			return -1;
		}
	}
	/*
	 * Days not merged yet (folded) may have moved a source's last
	 * day on: sources is read whole then, as on SQLite.
	 */
	if (!db_is_pg(store_conn(s)) || folded)
		since = -1;
	if (firsts_prep(f, 0, "sources", domain, since, err) == -1 ||
	    (folded && firsts_prep(f, 1, "sources_fold", domain, -1, err) ==
	    -1)) {
		store_firsts_close(f);
		return -1;
	}
	*out = f;
	return 0;
}

/* Start cursor k again at the source hf, ip. */
static void
firsts_seek(struct firsts_cur *k, const char *hf, const char *ip)
{
	db_reset(k->st);
	if (db_bind_text(k->st, 2, hf, -1, DB_TRANSIENT) !=
	    DB_OK || db_bind_text(k->st, 3, ip, -1,
	    DB_TRANSIENT) != DB_OK)
		k->rc = DB_NOMEM;
	else
		k->rc = db_step(k->st);
}

/*
 * The source f->hf, f->ip in cursor k (seeking first if behind, the
 * source asked for being behind the one asked before): 1 with *first
 * set, 0 if it is not there, -1 with err set.
 */
static int
firsts_find(struct store_firsts *f, struct firsts_cur *k, int behind,
    int64_t *first, struct dr_error *err)
{
	const char	*hf = f->hf.data, *ip = f->ip.data, *rhf, *rip;
	unsigned	 steps = 0;
	int		 c;

	if (k->rc == 0 || behind)
		firsts_seek(k, hf, ip);
	for (;;) {
		if (k->rc == DB_DONE)
			return 0;
		if (k->rc != DB_ROW) {
			k->rc = 0;
			return store_db_err(store_conn(f->s),
			    store_path(f->s), err, "reading the sources");
		}
		rhf = text(k->st, 0);
		rip = text(k->st, 1);
		if (rhf == NULL || rip == NULL) {
			k->rc = 0;
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		}
		/* SQLite's BINARY order is strcmp's for text without NUL. */
		if ((c = strcmp(rhf, hf)) == 0)
			c = strcmp(rip, ip);
		if (c == 0) {
			*first = db_column_int64(k->st, 2);
			return 1;
		}
		if (c > 0)
			return 0;
		/*
		 * PostgreSQL: a seek is a query of its own (round trips),
		 * stepping is reading on in the rows fetched: never seek.
		 */
		if (++steps > FIRSTS_STEPS && !db_is_pg(store_conn(f->s))) {
			firsts_seek(k, hf, ip);
			steps = 0;
		} else
			k->rc = db_step(k->st);
	}
}

int
store_firsts_get(struct store_firsts *f, const char *hf, const char *ip,
    int64_t *first, struct dr_error *err)
{
	int64_t	 v = 0;
	size_t	 i;
	int	 behind, found = 0, rc;

	/* Behind the last source asked for: seek (the caller's order). */
	behind = f->hf.len == 0 || strcmp(hf, f->hf.data) < 0 ||
	    (strcmp(hf, f->hf.data) == 0 && strcmp(ip, f->ip.data) < 0);
	buf_reset(&f->hf);
	buf_reset(&f->ip);
	if (buf_adds(&f->hf, hf) == -1 || buf_addc(&f->hf, '\0') == -1 ||
	    buf_adds(&f->ip, ip) == -1 || buf_addc(&f->ip, '\0') == -1) {
		buf_reset(&f->hf);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	for (i = 0; i < f->ncur; i++) {
		rc = firsts_find(f, &f->cur[i], behind, &v, err);
		if (rc == -1) {
			buf_reset(&f->hf);
			return -1;
		}
		if (rc == 1 && (!found || v < *first)) {
			*first = v;
			found = 1;
		}
	}
	return found;
}

void
store_firsts_close(struct store_firsts *f)
{
	size_t	i;

	if (f == NULL)
		return;
	for (i = 0; i < f->ncur; i++)
		db_finalize(f->cur[i].st);
	buf_free(&f->hf);
	buf_free(&f->ip);
	free(f);
}

int
store_day_reporters(struct store *s, const char *domain, int64_t from,
    int64_t to, int (*cb)(void *, const char *), void *arg,
    struct dr_error *err)
{
	static const char sql[] =
	    "SELECT coalesce(reporter, '') FROM reports"
	    " WHERE domain = ? AND day BETWEEN ? AND ?"
	    " AND status = 'active' AND record_count > 0 ORDER BY day, id";
	struct db_stmt	*st;
	int		 rc, ret = 0;

	if (prep_span(s, sql, domain, from, to, &st, err,
	    "reading the reporters") == -1)
		return -1;
	while ((rc = db_step(st)) == DB_ROW)
		if ((ret = cb(arg, text(st, 0))) != 0)
			break;
	return finish(s, st, rc, ret, err, "reading the reporters");
}

/* Signatures read by one statement (store_sigs on PostgreSQL). */
#define SIGS_BATCH	1024

/* Copy a column into the arena; NULL stays NULL. */
static const char *
keep(struct arena *a, struct db_stmt *st, int i, int *nomem)
{
	const char	*v = text(st, i);
	char		*c;

	if (v == NULL)
		return NULL;
	c = arena_strndup(a, v, (size_t)db_column_bytes(st, i));
	if (c == NULL)
		*nomem = 1;
	return c;
}

/*
 * A row of a signature's statement into g, its columns from o on: its
 * kind (0: the signature, 1: a DKIM result, 2: an SPF result), then
 * the ordinal and the values. *found is set by the signature's row;
 * *nomem when memory runs out.
 */
static void
sig_row(struct db_stmt *st, int o, struct arena *a, struct sig *g,
    int *found, int *nomem)
{
	struct sig_result	*r, **arr;
	const char		*reasons;
	size_t			*n;
	int			 kind;

	kind = db_column_int(st, o);
	if (kind == 0) {
		*found = 1;
		g->header_from = keep(a, st, o + 2, nomem);
		g->adkim = align_mode(text(st, o + 3));
		g->aspf = align_mode(text(st, o + 4));
		g->dmarc = db_column_int(st, o + 5);
		g->dkim_aligned = db_column_int(st, o + 6);
		g->spf_aligned = db_column_int(st, o + 7);
		g->receiver_dkim = keep(a, st, o + 8, nomem);
		g->receiver_spf = keep(a, st, o + 9, nomem);
		g->disposition = keep(a, st, o + 10, nomem);
		reasons = keep(a, st, o + 11, nomem);
		if (reasons != NULL && store_split(a, reasons,
		    &g->reasons, &g->nreasons) == -1)
			*nomem = 1;
		return;
	}
	arr = kind == 1 ? &g->dkims : &g->spfs;
	n = kind == 1 ? &g->ndkims : &g->nspfs;
	/* Grow by doubling within the arena. */
	if ((*n & (*n - 1)) == 0) {
		r = arena_alloc(a, (*n ? *n * 2 : 1) * sizeof *r);
		if (r == NULL) {
			*nomem = 1;
			return;
		}
		if (*n > 0)
			memcpy(r, *arr, *n * sizeof *r);
		*arr = r;
	}
	r = &(*arr)[(*n)++];
	r->domain = keep(a, st, o + 2, nomem);
	r->detail = keep(a, st, o + 3, nomem);
	r->result = keep(a, st, o + 4, nomem);
	r->aligned = db_column_int(st, o + 5);
}

int
store_sig(struct store *s, int64_t id, struct arena *a, struct sig *g,
    struct dr_error *err)
{
	/*
	 * The signature, then its DKIM and then its SPF results, in one
	 * statement: the report commands load one per distinct outcome,
	 * a million of them for a million forged records.
	 */
	static const char sql[] =
	    "SELECT 0, 0, header_from, adkim, aspf, dmarc, dkim_aligned,"
	    " spf_aligned, receiver_dkim, receiver_spf, disposition, reasons"
	    " FROM auth_sigs WHERE id = ?1"
	    " UNION ALL SELECT 1, ordinal, domain, selector, result, aligned,"
	    " 0, 0, NULL, NULL, NULL, NULL FROM auth_sig_dkim WHERE sig = ?1"
	    " UNION ALL SELECT 2, ordinal, domain, scope, result, aligned,"
	    " 0, 0, NULL, NULL, NULL, NULL FROM auth_sig_spf WHERE sig = ?1";
	struct store_q		*q = store_queries(s);
	struct db_stmt		*st;
	int			 rc = DB_DONE, nomem = 0, found = 0;

	memset(g, 0, sizeof *g);
	/* A few rows, many times: prepared once, read whole (not prep). */
	if (store_q_prepare(s, &q->sig, sql, "reading a signature", err) ==
	    -1)
		return -1;
	st = q->sig;
	db_bind_int64(st, 1, id);
	while (!nomem && (rc = db_step(st)) == DB_ROW)
		sig_row(st, 0, a, g, &found, &nomem);
	db_reset(st);
	if (!nomem && rc != DB_DONE)
		return store_db_err(store_conn(s), store_path(s), err,
		    "reading a signature");
	if (nomem)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	if (!found)
		return dr_seterr(err, DR_E_DB, "%s: signature %lld is missing",
		    store_path(s), (long long)id);
	return 0;
}

int
store_ids(struct buf *b, const int64_t *ids, size_t n, size_t stride)
{
	char	num[24];
	size_t	i;
	int64_t	id;

	buf_reset(b);
	if (buf_addc(b, '{') == -1)
		return -1;
	for (i = 0; i < n; i++) {
		memcpy(&id, (const char *)ids + i * stride, sizeof id);
		snprintf(num, sizeof num, "%s%lld", i > 0 ? "," : "",
		    (long long)id);
		if (buf_adds(b, num) == -1)
			return -1;
	}
	return buf_addc(b, '}');
}

/*
 * PostgreSQL: signatures ids[0] to ids[n - 1] (ascending) into g[0] to
 * g[n - 1], by one statement. As store_sigs.
 */
static int
sigs_batch(struct store *s, const int64_t *ids, size_t n, struct arena *a,
    struct sig *g, struct dr_error *err)
{
	/* store_sig's for many ids, its rows in the same order. */
	static const char sql[] =
	    "SELECT id, 0, 0, header_from, adkim, aspf, dmarc, dkim_aligned,"
	    " spf_aligned, receiver_dkim, receiver_spf, disposition, reasons"
	    " FROM auth_sigs WHERE id = ANY (CAST(?1 AS bigint[]))"
	    " UNION ALL SELECT sig, 1, ordinal, domain, selector, result,"
	    " aligned, 0, 0, NULL, NULL, NULL, NULL FROM auth_sig_dkim"
	    " WHERE sig = ANY (CAST(?1 AS bigint[]))"
	    " UNION ALL SELECT sig, 2, ordinal, domain, scope, result, aligned,"
	    " 0, 0, NULL, NULL, NULL, NULL FROM auth_sig_spf"
	    " WHERE sig = ANY (CAST(?1 AS bigint[]))"
	    " ORDER BY 1, 2, 3";
	struct store_q	*q = store_queries(s);
	struct db_stmt	*st;
	struct buf	 b;
	size_t		 i = 0;
	int64_t		 id;
	int		 rc = DB_DONE, nomem = 0, found = 0;

	memset(g, 0, n * sizeof *g);
	memset(&b, 0, sizeof b);
	if (store_q_prepare(s, &q->sigs, sql, "reading signatures", err) ==
	    -1)
		return -1;
	st = q->sigs;
	if (store_ids(&b, ids, n, sizeof *ids) == -1) {
		buf_free(&b);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	db_bind_text(st, 1, b.data, (int)b.len, DB_STATIC);
	while (!nomem && (rc = db_step(st)) == DB_ROW) {
		id = db_column_int64(st, 0);
		/* On to the next id: the one before had its row. */
		while (i < n && ids[i] < id && found) {
			i++;
			found = 0;
		}
		if (i == n || ids[i] != id)
			break;		/* ids[i] is missing */
		sig_row(st, 1, a, &g[i], &found, &nomem);
	}
	db_reset(st);
	buf_free(&b);
	if (nomem)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_err(store_conn(s), store_path(s), err,
		    "reading signatures");
	if (rc == DB_DONE && found && i == n - 1)
		return 0;
	if (rc == DB_DONE && found)
		i++;		/* the first without rows */
	return dr_seterr(err, DR_E_DB, "%s: signature %lld is missing",
	    store_path(s), (long long)ids[i < n ? i : n - 1]);
}

int
store_sigs(struct store *s, const int64_t *ids, size_t n, struct arena *a,
    struct sig *g, struct dr_error *err)
{
	size_t	i, k;

	for (i = 0; i < n; i += k) {
		k = n - i < SIGS_BATCH ? n - i : SIGS_BATCH;
		/* SQLite: a lookup costs no round trip. */
		if (!db_is_pg(store_conn(s))) {
			k = 1;
			if (store_sig(s, ids[i], a, &g[i], err) == -1)
				return -1;
		} else if (sigs_batch(s, ids + i, k, a, g + i, err) == -1)
			return -1;
	}
	return 0;
}

int
store_domains(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *, const char *), void *arg, struct dr_error *err)
{
	/* Distinct domains through the index, then one seek each. */
	static const char sql[] =
	    "SELECT d.domain FROM (SELECT DISTINCT domain FROM reports"
	    " WHERE domain > '') d WHERE EXISTS (SELECT 1 FROM"
	    " reports p WHERE p.domain = d.domain AND p.day BETWEEN ?"
	    " AND ? AND p.status = 'active' AND p.record_count > 0)"
	    " ORDER BY d.domain";
	struct db_stmt	*st;
	int		 rc, ret = 0;

	if (prep(s, sql, &st, err, "listing domains") == -1)
		return -1;
	db_bind_int64(st, 1, from);
	db_bind_int64(st, 2, to);
	while ((rc = db_step(st)) == DB_ROW)
		if ((ret = cb(arg, text(st, 0))) != 0)
			break;
	return finish(s, st, rc, ret, err, "listing domains");
}

int
store_domain_totals(struct store *s, int64_t from, int64_t to,
    int (*cb)(void *, const struct store_domain_total *), void *arg,
    struct dr_error *err)
{
	/*
	 * A sum of counts that cannot overflow: total(), a float, in
	 * SQLite; sum(), a numeric, in PostgreSQL.
	 */
#define DOMAIN_TOTALS(sum)						\
	    "SELECT domain, count(*), " sum "(message_count) FROM reports"	\
	    " WHERE domain > '' AND day BETWEEN ? AND ?"			\
	    " AND status = 'active' AND record_count > 0"		\
	    " GROUP BY domain ORDER BY 3 DESC, 1"
	static const char sql[] = DOMAIN_TOTALS("total");
	static const char sql_pg[] = DOMAIN_TOTALS("sum");
#undef DOMAIN_TOTALS
	struct store_domain_total	 t;
	struct db_stmt			*st;
	double				 m;
	int				 rc, ret = 0;

	if (prep(s, db_pick(store_conn(s), sql, sql_pg), &st, err,
	    "counting domains") == -1)
		return -1;
	db_bind_int64(st, 1, from);
	db_bind_int64(st, 2, to);
	while ((rc = db_step(st)) == DB_ROW) {
		t.domain = text(st, 0);
		t.reports = (uint64_t)db_column_int64(st, 1);
		m = db_column_double(st, 2);
		t.messages = m <= 0 ? 0 : m >= 1.8e19 ? UINT64_MAX :
		    (uint64_t)m;
		if ((ret = cb(arg, &t)) != 0)
			break;
	}
	return finish(s, st, rc, ret, err, "counting domains");
}

int
store_policies(struct store *s, const char *domain, int64_t until,
    int (*cb)(void *, const struct store_policy *), void *arg,
    struct dr_error *err)
{
	/*
	 * Through reports_day backwards: no sort, and a caller that has
	 * seen enough stops the reading. (The + keeps SQLite from taking
	 * reports_domain for the range on date_begin, and sorting.)
	 */
	static const char sql[] =
	    "SELECT date_begin, date_end, day, schema, reporter, p, sp, np,"
	    " pct, testing, adkim, aspf, fo, discovery_method FROM reports"
	    " WHERE domain = ?1 AND status = 'active' AND +date_begin < ?2"
	    " ORDER BY day DESC, id DESC";
	struct store_policy	 p;
	struct db_stmt		*st;
	int			 rc, ret = 0;

	if (prep(s, sql, &st, err, "reading policies") == -1)
		return -1;
	bind_t(st, 1, domain);
	db_bind_int64(st, 2, until);
	while ((rc = db_step(st)) == DB_ROW) {
		p.begin = db_column_int64(st, 0);
		p.end = db_column_int64(st, 1);
		p.day = db_column_int64(st, 2);
		p.schema = text(st, 3);
		p.reporter = text(st, 4);
		p.p = text(st, 5);
		p.sp = text(st, 6);
		p.np = text(st, 7);
		p.pct = db_column_type(st, 8) == DB_NULL ? -1 :
		    db_column_int64(st, 8);
		p.testing = text(st, 9);
		p.adkim = text(st, 10);
		p.aspf = text(st, 11);
		p.fo = text(st, 12);
		p.discovery = text(st, 13);
		if ((ret = cb(arg, &p)) != 0)
			break;
	}
	return finish(s, st, rc, ret, err, "reading policies");
}

int
store_policy_invalid(struct store *s, const char *domain, int64_t day,
    int64_t until, char *out, size_t len, struct dr_error *err)
{
	static const char sql[] =
	    "SELECT trim(CASE WHEN count(raw_p) > 0 THEN ' p' ELSE '' END ||"
	    " CASE WHEN count(raw_sp) > 0 THEN ' sp' ELSE '' END ||"
	    " CASE WHEN count(raw_np) > 0 THEN ' np' ELSE '' END ||"
	    " CASE WHEN count(raw_pct) > 0 THEN ' pct' ELSE '' END ||"
	    " CASE WHEN count(raw_testing) > 0 THEN ' t' ELSE '' END ||"
	    " CASE WHEN count(raw_adkim) > 0 THEN ' adkim' ELSE '' END ||"
	    " CASE WHEN count(raw_aspf) > 0 THEN ' aspf' ELSE '' END ||"
	    " CASE WHEN count(raw_fo) > 0 THEN ' fo' ELSE '' END)"
	    " FROM reports WHERE domain = ? AND day = ? AND status = 'active'"
	    " AND +date_begin < ?";
	struct db_stmt	*st;
	int		 rc;

	if (len > 0)
		out[0] = '\0';
	if (prep_span(s, sql, domain, day, until, &st, err,
	    "reading policies") == -1)
		return -1;
	rc = db_step(st);
	if (rc == DB_ROW && text(st, 0) != NULL)
		snprintf(out, len, "%s", text(st, 0));
	return finish(s, st, rc == DB_ROW ? DB_DONE : rc, 0, err,
	    "reading policies");
}

int
store_views(struct store *s, const char *domain, int64_t until,
    unsigned days, int (*cb)(void *, const struct store_view *), void *arg,
    struct dr_error *err)
{
	/*
	 * SQLite sorts and groups in its temporary store, so memory does
	 * not grow with the number of reporters. Through reports_day: the
	 * last days only (the + keeps SQLite from reports_domain).
	 */
	static const char sql[] =
	    "WITH r AS (SELECT id, reporter, day, schema, p, sp, np, pct,"
	    "  testing, adkim, aspf, fo FROM reports"
	    "  WHERE domain = ?1 AND status = 'active' AND +date_begin < ?2"
	    "  AND day > (SELECT max(day) FROM reports WHERE domain = ?1"
	    "   AND status = 'active' AND +date_begin < ?2) - ?3),"
	    " w AS (SELECT reporter, count(DISTINCT day) AS days,"
	    "  max(day) AS last FROM r GROUP BY reporter),"
	    " v AS (SELECT r.reporter, w.days, w.last, count(*) AS n,"
	    "  count(CASE WHEN r.schema = 'rfc9990' THEN 1 END) AS n9990, r.p, r.sp, r.np, r.pct,"
	    "  r.testing, r.adkim, r.aspf, r.fo, row_number() OVER ("
	    "   PARTITION BY r.reporter ORDER BY count(*) DESC, max(r.id) DESC"
	    "  ) AS k"
	    "  FROM r JOIN w ON w.reporter IS NOT DISTINCT FROM r.reporter"
	    " AND r.day = w.last"
	    "  GROUP BY r.reporter, w.days, w.last, r.p, r.sp, r.np, r.pct,"
	    "   r.testing, r.adkim, r.aspf, r.fo)"
	    " SELECT reporter, days, last, n, n9990, p, sp, np, pct, testing,"
	    "  adkim, aspf, fo FROM v WHERE k = 1"
	    " ORDER BY days DESC, last DESC, reporter";
	struct store_view	 v;
	struct db_stmt		*st;
	int			 rc, ret = 0;

	if (prep(s, sql, &st, err, "reading the reporters' policies") == -1)
		return -1;
	bind_t(st, 1, domain);
	db_bind_int64(st, 2, until);
	db_bind_int64(st, 3, days);
	memset(&v, 0, sizeof v);
	while ((rc = db_step(st)) == DB_ROW) {
		v.reporter = text(st, 0);
		v.days = (unsigned)db_column_int64(st, 1);
		v.last = db_column_int64(st, 2);
		v.reports = (unsigned)db_column_int64(st, 3);
		v.rfc9990 = (unsigned)db_column_int64(st, 4);
		v.policy.day = v.last;
		v.policy.reporter = v.reporter;
		v.policy.p = text(st, 5);
		v.policy.sp = text(st, 6);
		v.policy.np = text(st, 7);
		v.policy.pct = db_column_type(st, 8) == DB_NULL ? -1 :
		    db_column_int64(st, 8);
		v.policy.testing = text(st, 9);
		v.policy.adkim = text(st, 10);
		v.policy.aspf = text(st, 11);
		v.policy.fo = text(st, 12);
		if ((ret = cb(arg, &v)) != 0)
			break;
	}
	return finish(s, st, rc, ret, err, "reading the reporters' policies");
}

/* --- export -------------------------------------------------------- */

/* One report's records, in id order, its results walked alongside. */
static int
export_report(struct store *s, struct db_stmt *rs, struct db_stmt *cs, struct walk *w, struct store_export_row *row,
    int (*cb)(void *, const struct store_export_row *), void *arg,
    struct dr_error *err)
{
	struct dr_record	 rec;
	int64_t			 lo, hi;
	int			 rc, ret = 0;

	/* The report's strings last while rs stays on its row. */
	row->report = db_column_int64(rs, 0);
	row->org_name = text(rs, 1);
	row->reporter = text(rs, 2);
	row->report_id = text(rs, 3);
	row->domain = text(rs, 4);
	row->schema = text(rs, 5);
	row->begin = db_column_int64(rs, 6);
	row->end = db_column_int64(rs, 7);
	row->p = text(rs, 8);
	row->sp = text(rs, 9);
	row->np = text(rs, 10);
	row->pct = db_column_type(rs, 11) == DB_NULL ? -1 :
	    db_column_int64(rs, 11);
	row->testing = text(rs, 12);
	row->adkim = text(rs, 13);
	row->aspf = text(rs, 14);

	rc = walk_ids(w, row->report, &lo, &hi, err);
	if (rc <= 0)
		return rc;	/* -1, or a report without records */
	if (walk_begin(w, lo, hi, err) == -1)
		return -1;

	db_bind_int64(cs, 1, row->report);
	while ((rc = db_step(cs)) == DB_ROW) {
		if (walk_record(w, cs, &rec, &row->record, err) == -1) {
			ret = -1;
			break;
		}
		rec.envelope_from = walk_col(w, cs, 7);
		rec.envelope_to = walk_col(w, cs, 8);
		row->dmarc = db_column_int(cs, 9) != 0;
		row->dkim_aligned = db_column_int(cs, 10) != 0;
		row->spf_aligned = db_column_int(cs, 11) != 0;
		row->auth_domain = walk_col(w, cs, 12);
		row->auth_facts = (long)db_column_int64(cs, 13);
		row->ptr = walk_col(w, cs, 14);
		row->ptr_confirmed = db_column_int(cs, 15) != 0;
		row->rec = &rec;
		if (w->nomem) {
			ret = dr_seterr(err, DR_E_NOMEM, "out of memory");
			break;
		}
		if ((ret = cb(arg, row)) != 0)
			break;
	}
	if (ret == 0 && rc != DB_DONE)
		ret = store_db_err(store_conn(s), store_path(s), err,
		    "exporting records");
	db_reset(cs);
	walk_end(w);
	return ret;
}

int
store_export(struct store *s, const char *domain, int64_t since,
    int64_t until, int (*cb)(void *, const struct store_export_row *),
    void *arg, struct dr_error *err)
{
	/*
	 * The reports of the period first, then the records of each: a
	 * report's records have consecutive ids, so the walk reads their
	 * results by one range, and a short period costs no more than its
	 * reports. Reports in id order keep the records in the order
	 * stored.
	 */
	static const char report_sql[] =
	    "SELECT id, org_name, reporter, report_id, domain, schema,"
	    " date_begin, date_end, p, sp, np, pct, testing, adkim, aspf"
	    " FROM reports WHERE status = 'active' AND date_end >= ?1"
	    " AND date_begin < ?2 AND (?3 IS NULL OR domain = ?3)"
	    " ORDER BY id";
	static const char record_sql[] =
	    "SELECT c.id, c.source_ip, c.count, c.disposition, c.dkim, c.spf,"
	    " c.header_from, c.envelope_from, c.envelope_to, g.dmarc,"
	    " g.dkim_aligned, g.spf_aligned, g.ident, g.facts,"
	    " CASE p.status WHEN 'name' THEN p.name END, p.confirmed"
	    " FROM records c LEFT JOIN auth_sigs g ON g.id = c.sig"
	    " LEFT JOIN ptr_cache p ON p.ip = c.source_ip"
	    " WHERE c.report = ? ORDER BY c.id";
	/*
	 * PostgreSQL: the signature and the name looked up for each
	 * record, by their keys. With the joins above, its planner, which
	 * guesses hundreds of records for any report, hashes the whole of
	 * auth_sigs for each report (25 ms for 48,000 signatures: 2 s
	 * for a day's 120 reports of 20 to 600 records). A LATERAL
	 * subquery with a LIMIT is never turned into a join: it is a
	 * lookup per record (remembered per signature), faster even for
	 * a report of 8,640 records (18 ms, not 34).
	 */
	static const char record_pg[] =
	    "SELECT c.id, c.source_ip, c.count, c.disposition, c.dkim, c.spf,"
	    " c.header_from, c.envelope_from, c.envelope_to, g.dmarc,"
	    " g.dkim_aligned, g.spf_aligned, g.ident, g.facts,"
	    " CASE p.status WHEN 'name' THEN p.name END, p.confirmed"
	    " FROM records c LEFT JOIN LATERAL (SELECT dmarc, dkim_aligned,"
	    " spf_aligned, ident, facts FROM auth_sigs WHERE id = c.sig"
	    " LIMIT 1) g ON true"
	    " LEFT JOIN LATERAL (SELECT status, name, confirmed FROM ptr_cache"
	    " WHERE ip = c.source_ip LIMIT 1) p ON true"
	    " WHERE c.report = ? ORDER BY c.id";
	struct store_export_row	 row;
	struct walk		 w;
	struct db_stmt		*rs = NULL, *cs = NULL;
	int			 rc, ret = 0;

	if (walk_init(&w, store_conn(s), store_path(s), err) == -1)
		return -1;
	if (prep(s, db_pick(store_conn(s), record_sql, record_pg), &cs, err,
	    "exporting records") == -1 ||
	    prep(s, report_sql, &rs, err, "exporting records") == -1) {
		db_finalize(cs);
		walk_free(&w);
		return -1;
	}
	db_bind_int64(rs, 1, since);
	db_bind_int64(rs, 2, until);
	bind_t(rs, 3, domain);
	while ((rc = db_step(rs)) == DB_ROW)
		if ((ret = export_report(s, rs, cs, &w, &row, cb, arg, err)) !=
		    0)
			break;
	db_finalize(cs);
	walk_free(&w);
	return finish(s, rs, rc, ret, err, "exporting records");
}

int
store_export_domains(struct store *s, const char *domain, int64_t since,
    int64_t until, int (*cb)(void *, const char *), void *arg,
    struct dr_error *err)
{
	/* store_export's reports, those with records, by their first. */
	static const char sql[] =
	    "SELECT coalesce(domain, '') FROM reports p"
	    " WHERE status = 'active' AND date_end >= ?1 AND date_begin < ?2"
	    " AND (?3 IS NULL OR domain = ?3)"
	    " AND EXISTS (SELECT 1 FROM records WHERE report = p.id)"
	    " GROUP BY 1 ORDER BY min(id)";
	struct db_stmt	*st;
	const char	*d;
	int		 rc, ret = 0;

	if (prep(s, sql, &st, err, "exporting records") == -1)
		return -1;
	db_bind_int64(st, 1, since);
	db_bind_int64(st, 2, until);
	bind_t(st, 3, domain);
	while ((rc = db_step(st)) == DB_ROW) {
		if ((d = text(st, 0)) == NULL) {
			ret = dr_seterr(err, DR_E_NOMEM, "out of memory");
			break;
		}
		if ((ret = cb(arg, d)) != 0)
			break;
	}
	return finish(s, st, rc, ret, err, "exporting records");
}

/* --- the configuration, mirrored ---------------------------------- */

/* Run an INSERT; with id, one that returns the new row's id. */
static int
exec1(struct store *s, struct db_stmt **st, const char *sql, int64_t *id,
    struct dr_error *err)
{
	int	rc;

	if (*st == NULL && prep(s, sql, st, err, "mirroring the "
	    "configuration") == -1)
		return -1;
	rc = db_step(*st);
	if (id != NULL)
		*id = db_column_int64(*st, 0);
	db_reset(*st);
	if (rc != (id != NULL ? DB_ROW : DB_DONE))
		return store_db_err(store_conn(s), store_path(s), err,
		    "mirroring the configuration");
	return 0;
}

static int
mirror_senders(struct store *s, const struct conf_domain *d,
    const char *domain, struct db_stmt **ins, struct db_stmt **rule,
    struct dr_error *err)
{
	static const char sender_sql[] =
	    "INSERT INTO config_senders (domain, name, line) VALUES (?, ?, ?)"
	    " RETURNING id";
	static const char rule_sql[] =
	    "INSERT INTO config_sender_rules (sender, kind, value, selector,"
	    " ip_first, ip_last) VALUES (?, ?, ?, ?, ?, ?)";
	uint8_t	first[2][CIDR_LEN], last[2][CIDR_LEN];
	char	txt[64];
	size_t	i, j, k;
	int64_t	id;
	int	n, r;

	if ((*ins == NULL && prep(s, sender_sql, ins, err,
	    "mirroring the configuration") == -1) || (*rule == NULL &&
	    prep(s, rule_sql, rule, err, "mirroring the configuration") == -1))
		return -1;
	for (i = 0; i < d->nsenders; i++) {
		const struct conf_sender *c = &d->senders[i];
		bind_t(*ins, 1, domain);
		bind_t(*ins, 2, c->name);
		db_bind_int(*ins, 3, c->line);
		if (exec1(s, ins, sender_sql, &id, err) == -1)
			return -1;
		for (j = 0; j < c->nips; j++) {
			/* A row per range: ::/0 holds no IPv4 address. */
			cidr_format(&c->ips[j], txt, sizeof txt);
			n = cidr_ranges(&c->ips[j], first, last);
			for (r = 0; r < n; r++) {
				db_bind_int64(*rule, 1, id);
				bind_t(*rule, 2, "ip");
				bind_t(*rule, 3, txt);
				db_bind_null(*rule, 4);
				db_bind_blob(*rule, 5, first[r],
				    CIDR_LEN, DB_STATIC);
				db_bind_blob(*rule, 6, last[r],
				    CIDR_LEN, DB_STATIC);
				if (exec1(s, rule, rule_sql, NULL, err) == -1)
					return -1;
			}
		}
		for (j = 0; j < c->ndkims; j++) {
			const struct conf_dkim *k2 = &c->dkims[j];
			for (k = 0; k < (k2->nselectors ? k2->nselectors : 1);
			    k++) {
				db_bind_int64(*rule, 1, id);
				bind_t(*rule, 2, "dkim");
				bind_t(*rule, 3, k2->domain);
				bind_t(*rule, 4, k2->nselectors ?
				    k2->selectors[k] : NULL);
				db_bind_null(*rule, 5);
				db_bind_null(*rule, 6);
				if (exec1(s, rule, rule_sql, NULL, err) == -1)
					return -1;
			}
		}
		for (j = 0; j < c->nspfs; j++) {
			db_bind_int64(*rule, 1, id);
			bind_t(*rule, 2, "spf");
			bind_t(*rule, 3, c->spfs[j]);
			db_bind_null(*rule, 4);
			db_bind_null(*rule, 5);
			db_bind_null(*rule, 6);
			if (exec1(s, rule, rule_sql, NULL, err) == -1)
				return -1;
		}
	}
	return 0;
}

static int
mirror_thresholds(struct store *s, const struct conf *c, const char *domain,
    struct db_stmt **st, struct dr_error *err)
{
	static const char sql[] =
	    "INSERT INTO config_thresholds (domain, name, value)"
	    " VALUES (?, ?, ?)";
	struct conf_thresholds	th;
	char			v[12][32];
	static const char *const names[12] = { "window", "min-days",
	    "min-messages", "pass", "step-back", "dkim", "significant",
	    "partial-pct", "unverified-messages", "unverified-share",
	    "harm-messages", "harm" };
	int			i;

	conf_thresholds(c, domain, &th);
	snprintf(v[0], sizeof v[0], "%u", th.window);
	snprintf(v[1], sizeof v[1], "%u", th.min_days);
	snprintf(v[2], sizeof v[2], "%llu",
	    (unsigned long long)th.min_messages);
	snprintf(v[3], sizeof v[3], "%g", th.pass);
	snprintf(v[4], sizeof v[4], "%g", th.step_back);
	snprintf(v[5], sizeof v[5], "%g", th.dkim);
	snprintf(v[6], sizeof v[6], "%g", th.significant);
	snprintf(v[7], sizeof v[7], "%s", th.partial_pct ? "yes" : "no");
	snprintf(v[8], sizeof v[8], "%llu",
	    (unsigned long long)th.unverified_messages);
	snprintf(v[9], sizeof v[9], "%g", th.unverified_share);
	snprintf(v[10], sizeof v[10], "%llu",
	    (unsigned long long)th.harm_messages);
	snprintf(v[11], sizeof v[11], "%g", th.harm);
	for (i = 0; i < 12; i++) {
		if (*st == NULL && prep(s, sql, st, err,
		    "mirroring the configuration") == -1)
			return -1;
		bind_t(*st, 1, domain);
		bind_t(*st, 2, names[i]);
		bind_t(*st, 3, v[i]);
		if (exec1(s, st, sql, NULL, err) == -1)
			return -1;
	}
	return 0;
}

int
store_config_mirror(struct store *s, const struct conf *c,
    struct dr_error *err)
{
	static const char *const clear[] = {
		"DELETE FROM config_sender_rules", "DELETE FROM config_senders",
		"DELETE FROM config_domains", "DELETE FROM config_thresholds",
	};
	static const char check_sql[] =
	    "SELECT path IS NOT DISTINCT FROM ?1"
	    " AND sha256 IS NOT DISTINCT FROM ?2 FROM config_files";
	static const char file_sql[] =
	    "INSERT INTO config_files (id, path, sha256, loaded_at)"
	    " VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
	    " path = excluded.path, sha256 = excluded.sha256,"
	    " loaded_at = excluded.loaded_at";
	static const char domain_sql[] =
	    "INSERT INTO config_domains (domain, record) VALUES (?, ?)";
	struct db_stmt	*st = NULL, *ins = NULL, *rule = NULL, *th = NULL;
	struct db *db = store_conn(s);
	size_t		 i, j;
	int		 rc, same = 0;

	/* Read-only: the mirror stays that of its owner's runs. */
	if (store_readonly(s))
		return 0;
	/* Unchanged since the last run: nothing to write. */
	if (prep(s, check_sql, &st, err, "reading the configuration") == -1)
		return -1;
	bind_t(st, 1, c->path);
	if (c->path != NULL)
		db_bind_blob(st, 2, c->sha256, sizeof c->sha256,
		    DB_STATIC);
	rc = db_step(st);
	if (rc == DB_ROW)
		same = db_column_int(st, 0);
	db_finalize(st);
	st = NULL;
	if (rc != DB_ROW && rc != DB_DONE)
		return store_db_err(db, store_path(s), err,
		    "reading the configuration");
	if (same)
		return 0;
	if (db_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != DB_OK)
		return store_db_err(db, store_path(s), err,
		    "mirroring the configuration");
	for (i = 0; i < sizeof clear / sizeof clear[0]; i++)
		if (db_exec(db, clear[i], NULL, NULL, NULL) != DB_OK) {
			store_db_err(db, store_path(s), err,
			    "mirroring the configuration");
			goto fail;
		}
	if (mirror_senders(s, &c->deflt, NULL, &ins, &rule, err) == -1 ||
	    mirror_thresholds(s, c, NULL, &th, err) == -1)
		goto fail;
	for (i = 0; i < c->ndomains; i++) {
		const struct conf_domain *d = &c->domains[i];
		for (j = 0; j < d->nnames; j++) {
			if (prep(s, domain_sql, &st, err,
			    "mirroring the configuration") == -1)
				goto fail;
			bind_t(st, 1, d->names[j]);
			bind_t(st, 2, d->record);
			rc = db_step(st);
			db_finalize(st);
			st = NULL;
			if (rc != DB_DONE) {
				store_db_err(db, store_path(s), err,
				    "mirroring the configuration");
				goto fail;
			}
			if (mirror_senders(s, d, d->names[j], &ins, &rule,
			    err) == -1 || (d->th_set != 0 &&
			    mirror_thresholds(s, c, d->names[j], &th, err) ==
			    -1))
				goto fail;
		}
	}
	if (prep(s, file_sql, &st, err, "mirroring the configuration") == -1)
		goto fail;
	bind_t(st, 1, c->path);
	if (c->path != NULL)
		db_bind_blob(st, 2, c->sha256, sizeof c->sha256,
		    DB_STATIC);
	else
		db_bind_null(st, 2);
	db_bind_int64(st, 3, (int64_t)time(NULL));
	rc = db_step(st);
	db_finalize(st);
	st = NULL;
	if (rc != DB_DONE) {
		store_db_err(db, store_path(s), err,
		    "mirroring the configuration");
		goto fail;
	}
	db_finalize(ins);
	db_finalize(rule);
	db_finalize(th);
	if (db_exec(db, "COMMIT", NULL, NULL, NULL) != DB_OK) {
		store_db_err(db, store_path(s), err,
		    "mirroring the configuration");
		db_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
fail:
	db_finalize(st);
	db_finalize(ins);
	db_finalize(rule);
	db_finalize(th);
	db_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* --- the newest report (every report command) ---------------------- */

int
store_newest_end(struct store *s, const char *domain, int64_t until,
    int64_t *end, struct dr_error *err)
{
	/*
	 * Through reports_end (schema 014), or reports_domain. A report
	 * that claims to end more than a day after until (a forged one)
	 * would hide a dead ingest: it does not count.
	 */
	static const char all_sql[] =
	    "SELECT date_end FROM reports WHERE status = 'active'"
	    " AND date_end <= ?2 + 86400 AND date_begin < ?2"
	    " ORDER BY date_end DESC LIMIT 1";
	static const char one_sql[] =
	    "SELECT max(date_end) FROM reports WHERE domain = ?1"
	    " AND date_begin < ?2 AND date_end <= ?2 + 86400"
	    " AND status = 'active'";
	struct db_stmt	*st;
	int		 rc;

	*end = -1;
	if (prep(s, domain != NULL ? one_sql : all_sql, &st, err,
	    "reading the newest report") == -1)
		return -1;
	if (domain != NULL)
		bind_t(st, 1, domain);
	db_bind_int64(st, 2, until);
	if ((rc = db_step(st)) == DB_ROW &&
	    db_column_type(st, 0) != DB_NULL)
		*end = db_column_int64(st, 0);
	return finish(s, st, rc, 0, err, "reading the newest report");
}

/* --- the digest ---------------------------------------------------- */

int
store_domain_reports(struct store *s, const char *domain, int64_t from,
    int64_t until, uint64_t *reports, int64_t *newest_end,
    struct dr_error *err)
{
	/*
	 * Both through reports_domain (domain, date_begin): a report
	 * covers a day or so, so one that overlaps the period begins at
	 * most a week before it (longer ones are flagged, and rare).
	 */
	static const char sql[] =
	    "SELECT (SELECT count(*) FROM reports WHERE domain = ?1"
	    "   AND date_begin >= ?2 - 7 * 86400 AND date_begin < ?3"
	    "   AND date_end > ?2 AND status = 'active'),"
	    " (SELECT date_end FROM reports WHERE domain = ?1"
	    "   AND date_begin < ?3 AND status = 'active'"
	    "   ORDER BY date_begin DESC LIMIT 1)";
	struct db_stmt	*st;
	int		 rc;

	if (prep_span(s, sql, domain, from, until, &st, err,
	    "counting reports") == -1)
		return -1;
	if ((rc = db_step(st)) == DB_ROW) {
		*reports = (uint64_t)db_column_int64(st, 0);
		*newest_end = db_column_type(st, 1) == DB_NULL ? -1 :
		    db_column_int64(st, 1);
	}
	return finish(s, st, rc, 0, err, "counting reports");
}

int
store_dkim_selectors(struct store *s, const char *domain, int64_t from,
    int64_t to, int (*cb)(void *, const char *, const char *, uint64_t,
    uint64_t), void *arg, struct dr_error *err)
{
	/*
	 * The signatures of the period first (a few per source), then
	 * their aligned DKIM results: not every record's.
	 */
	static const char sql[] =
	    "WITH g AS (SELECT c.sig, sum(c.count) AS n FROM reports p"
	    "  JOIN records c ON c.report = p.id"
	    "  WHERE p.domain = ?1 AND p.day BETWEEN ?2 AND ?3"
	    "  AND p.status = 'active' AND c.sig IS NOT NULL GROUP BY c.sig)"
	    " SELECT lower(k.domain), k.selector, sum(g.n),"
	    "  sum(CASE WHEN k.result = 'pass' THEN g.n ELSE 0 END)"
	    " FROM g JOIN auth_sig_dkim k ON k.sig = g.sig"
	    " WHERE k.aligned <> 0 AND k.selector IS NOT NULL"
	    " AND k.selector <> ''"
	    " AND k.domain IS NOT NULL"
	    " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2";
	struct db_stmt	*st;
	int		 rc, ret = 0;

	if (prep_span(s, sql, domain, from, to, &st, err,
	    "reading DKIM selectors") == -1)
		return -1;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *d = text(st, 0), *sel = text(st, 1);
		if (d == NULL || sel == NULL)
			continue;
		if ((ret = cb(arg, d, sel, (uint64_t)db_column_int64(st,
		    2), (uint64_t)db_column_int64(st, 3))) != 0)
			break;
	}
	return finish(s, st, rc, ret, err, "reading DKIM selectors");
}

int
store_spf_sources(struct store *s, const char *domain, const char *spf_domain,
    int64_t from, int64_t to, unsigned max, int (*cb)(void *, const char *,
    uint64_t, uint64_t), void *arg, struct dr_error *err)
{
	static const char sql[] =
	    "WITH g AS (SELECT c.sig, c.source_ip, sum(c.count) AS n"
	    "  FROM reports p JOIN records c ON c.report = p.id"
	    "  WHERE p.domain = ?1 AND p.day BETWEEN ?2 AND ?3"
	    "  AND p.status = 'active' AND c.sig IS NOT NULL"
	    "  AND c.source_ip IS NOT NULL GROUP BY c.sig, c.source_ip)"
	    ", f AS (SELECT g.source_ip, g.n, (SELECT"
	    "  max(CASE WHEN f.result = 'pass' THEN 1 ELSE 0 END)"
	    "  FROM auth_sig_spf f WHERE f.sig = g.sig"
	    "  AND lower(f.domain) = ?4"
	    "  AND coalesce(f.scope, 'mfrom') <> 'helo') AS pass FROM g)"
	    " SELECT source_ip, sum(n), sum(CASE WHEN pass = 1 THEN n ELSE 0 END)"
	    " FROM f WHERE pass IS NOT NULL"
	    " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?5";
	struct db_stmt	*st;
	int		 rc, ret = 0;

	if (prep_span(s, sql, domain, from, to, &st, err,
	    "reading SPF results") == -1)
		return -1;
	bind_t(st, 4, spf_domain);
	db_bind_int64(st, 5, max);
	while ((rc = db_step(st)) == DB_ROW) {
		const char *ip = text(st, 0);
		if (ip == NULL)
			continue;
		if ((ret = cb(arg, ip, (uint64_t)db_column_int64(st, 1),
		    (uint64_t)db_column_int64(st, 2))) != 0)
			break;
	}
	return finish(s, st, rc, ret, err, "reading SPF results");
}

int
store_domain_rows(struct store *s, const char *domain, int64_t from,
    int64_t to, uint64_t *rows, struct dr_error *err)
{
	static const char sql[] =
	    "SELECT coalesce(sum(record_count), 0) FROM reports"
	    " WHERE domain = ? AND day BETWEEN ? AND ? AND status = 'active'";
	struct db_stmt	*st;
	int		 rc;

	if (prep_span(s, sql, domain, from, to, &st, err,
	    "reading the summary") == -1)
		return -1;
	if ((rc = db_step(st)) == DB_ROW)
		*rows = (uint64_t)db_column_int64(st, 0);
	return finish(s, st, rc, 0, err, "reading the summary");
}

int
store_last_run(struct store *s, int64_t until, int64_t *finished,
    struct store_run *last, struct dr_error *err)
{
	static const char sql[] =
	    "SELECT (SELECT max(finished_at) FROM ingest_runs"
	    "  WHERE finished_at < ?1),"
	    " started_at, finished_at, inputs, rejected FROM"
	    " (SELECT 1) AS one LEFT JOIN (SELECT * FROM ingest_runs"
	    "  WHERE started_at < ?1 ORDER BY started_at DESC, id DESC"
	    "  LIMIT 1) AS run ON 1 = 1";
	struct db_stmt	*st;
	int		 rc;

	if (prep(s, sql, &st, err, "reading ingest runs") == -1)
		return -1;
	db_bind_int64(st, 1, until);
	*finished = -1;
	last->started = last->finished = -1;
	last->inputs = last->rejected = 0;
	if ((rc = db_step(st)) == DB_ROW) {
		if (db_column_type(st, 0) != DB_NULL)
			*finished = db_column_int64(st, 0);
		if (db_column_type(st, 1) != DB_NULL) {
			last->started = db_column_int64(st, 1);
			if (db_column_type(st, 2) != DB_NULL)
				last->finished = db_column_int64(st, 2);
			last->inputs = (uint64_t)db_column_int64(st, 3);
			last->rejected = (uint64_t)db_column_int64(st, 4);
		}
	}
	return finish(s, st, rc, 0, err, "reading ingest runs");
}

int
store_rejected_between(struct store *s, int64_t from, int64_t until,
    int (*cb)(void *, const char *, int64_t), void *arg,
    struct dr_error *err)
{
	static const char sql[] =
	    "SELECT reason, count(*) FROM rejected_inputs"
	    " WHERE last_seen >= ? AND last_seen < ?"
	    " GROUP BY reason ORDER BY 2 DESC, 1";
	struct db_stmt	*st;
	int		 rc, ret = 0;

	if (prep(s, sql, &st, err, "reading rejected inputs") == -1)
		return -1;
	db_bind_int64(st, 1, from);
	db_bind_int64(st, 2, until);
	while ((rc = db_step(st)) == DB_ROW)
		if ((ret = cb(arg, text(st, 0), db_column_int64(st, 1))) !=
		    0)
			break;
	return finish(s, st, rc, ret, err, "reading rejected inputs");
}
