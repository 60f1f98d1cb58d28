/*
 * store-days.c: store_days on PostgreSQL, sorted in memory.
 *
 * store_days gives a window's records sorted by source (header_from,
 * then IP) and, within a source, by signature. PostgreSQL sorts them
 * at about 1.3 microseconds a record, whatever its work_mem (the
 * benchmark's biggest domain, 457,000 records in 30 days: 0.6 s of a
 * 0.7 s statement): most of its comparisons find the header_from equal
 * and read the next keys out of both rows. Here the records are read
 * as they come and their sources numbered by a hash map; the sources
 * alone are sorted (88,000 of them), the records put in their order
 * by counting, and each source's few records sorted by signature as
 * they are passed on. A signature's facts and passing results are read
 * once, by id, rather than with each of its records. For that domain:
 * 0.2 s of the client's time for 0.6 s of the server's.
 *
 * Memory is bounded: a window that would take more than the sort's
 * memory here (DMARCDB_SORT_MEMORY, 64 MiB: about 650,000 records) is
 * sorted as SQLite's are, through a file (store_days).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hmap.h"
#include "store-int.h"
#include "store.h"

/*
 * What a hash map entry costs beside its key (hmap.c: the entry, its
 * slots), with room for the map's growth.
 */
#define DAYS_ENTRY	64
/* Signatures whose facts are read by one statement. */
#define DAYS_SIGS	1024

/* A record, its source, signature and reporter numbered. */
struct drec {
	int64_t		 messages;
	int64_t		 day;
	uint32_t	 src;
	uint32_t	 sig;
	uint32_t	 rep;		/* number + 1; 0: NULL */
};

/* A source: its strings (the map's copy of its key) and its records. */
struct dsrc {
	const char	*hf, *ip;
	uint32_t	 num;
	uint32_t	 n;		/* its records */
};

/* A signature, with what the records need of it. */
struct dsig {
	int64_t		 id;
	long		 facts;
	const char	*passes;	/* NULL: none, or not wanted */
	size_t		 npasses;
	const char	*ident;
	int		 found;		/* in auth_sigs */
};

/* One source's records, to be sorted by signature. */
struct drun {
	int64_t		 sig;
	uint32_t	 rec;
};

struct days {
	struct store	*s;
	struct db	*db;
	size_t		 most;		/* the memory it may take */
	/* Keys to numbers (uint32_t), in the order first seen. */
	struct hmap	*srcs;		/* "header_from\0source_ip\0" */
	struct hmap	*sigids;	/* int64_t */
	struct hmap	*reps;		/* "reporter\0" */
	struct drec	*v;		/* the records, as read */
	size_t		 n, cap;
	uint32_t	*order;		/* the records' indexes, sorted */
	struct dsrc	*src;		/* by number, sorted when read */
	size_t		 capsrc;
	struct dsig	*sig;		/* by number */
	size_t		 capsig;
	uint32_t	 lastsig, lastrep;	/* of the record before */
	const char	*lastrepname;
	struct drun	*run;
	size_t		 caprun;
	struct arena	 mem;		/* the signatures' strings */
	size_t		 strbytes;	/* keys and strings kept */
	struct buf	 key;
	struct buf	 ids;		/* a statement's ids, as an array */
};

static int	 days_read(struct days *, const char *, int64_t, int64_t,
		    struct dr_error *);
static int	 days_row(struct days *, struct db_stmt *);
static int	 days_src(struct days *, const char *, const char *,
		    uint32_t *);
static int	 days_sig(struct days *, int64_t, uint32_t *);
static int	 days_rep(struct days *, const char *, uint32_t *);
static int64_t	 days_num(struct days *, struct hmap *, const void *,
		    size_t, const void **);
static int	 days_full(const struct days *);
static int	 days_order(struct days *);
static int	 days_sigs(struct days *, int, struct dr_error *);
static int	 days_sig_batch(struct days *, struct db_stmt *, size_t,
		    size_t, struct dr_error *);
static int	 days_emit(struct days *, const char *,
		    int (*)(void *, const struct store_day *, const char *,
		    size_t), void *, struct dr_error *);
static int	 cmp_src(const void *, const void *);
static int	 cmp_run(const void *, const void *);

static const char *
text(struct db_stmt *st, int i)
{
	return (const char *)db_column_text(st, i);
}

static int
nomem(struct dr_error *err)
{
	return dr_seterr(err, DR_E_NOMEM, "out of memory");
}

int
days_sorted(struct store *s, const char *domain, int64_t from, int64_t to,
    int64_t records, size_t mem, int want_passes,
    int (*cb)(void *, const struct store_day *, const char *, size_t),
    void *arg, struct dr_error *err)
{
	struct days	 d;
	int		 ret;

	memset(&d, 0, sizeof d);
	d.s = s;
	d.db = store_conn(s);
	d.most = mem;
	/*
	 * A window whose records alone would take half the memory is not
	 * read here at all (but sorted through a file, store_days).
	 */
	if (records > (int64_t)(mem / 2 / (sizeof *d.v +
	    sizeof *d.order + sizeof *d.run)))
		return 1;
	d.srcs = hmap_new(sizeof(uint32_t));
	d.sigids = hmap_new(sizeof(uint32_t));
	d.reps = hmap_new(sizeof(uint32_t));
	d.cap = records > 0 ? (size_t)records : 1;
	d.v = malloc(d.cap * sizeof *d.v);
	if (d.srcs == NULL || d.sigids == NULL || d.reps == NULL ||
	    d.v == NULL) {
		ret = nomem(err);
		goto out;
	}
	ret = days_read(&d, domain, from, to, err);
	if (ret == 0)
		ret = days_sigs(&d, want_passes, err);
	if (ret == 0)
		ret = days_emit(&d, domain, cb, arg, err) < 0 ? -1 : 0;
out:
	hmap_free(d.srcs);
	hmap_free(d.sigids);
	hmap_free(d.reps);
	free(d.v);
	free(d.order);
	free(d.src);
	free(d.sig);
	free(d.run);
	arena_free(&d.mem);
	buf_free(&d.key);
	buf_free(&d.ids);
	return ret;
}

/*
 * Read the window's records, unsorted, through a cursor. 0, 1 when
 * they take too much memory, -1 with err set.
 */
static int
days_read(struct days *d, const char *domain, int64_t from, int64_t to,
    struct dr_error *err)
{
	/* A record without a signature has no row in store_days. */
	static const char sql[] =
	    "SELECT c.header_from, c.source_ip, c.sig, c.count, p.day,"
	    " p.reporter FROM reports p JOIN records c"
	    " ON c.policy_domain = p.domain AND c.report = p.id"
	    " WHERE p.domain = ?1 AND p.day BETWEEN ?2 AND ?3"
	    " AND p.status = 'active' AND c.sig IS NOT NULL";
	struct db_stmt	*st;
	int		 rc, ret = 0;

	if (db_prepare_v3(d->db, sql, -1, DB_PREPARE_STREAM, &st, NULL) !=
	    DB_OK)
		return store_db_err(d->db, store_path(d->s), err,
		    "reading the summary");
	db_bind_text(st, 1, domain, -1, DB_STATIC);
	db_bind_int64(st, 2, from);
	db_bind_int64(st, 3, to);
	while ((rc = db_step(st)) == DB_ROW)
		if ((ret = days_row(d, st)) != 0)
			break;
	if (ret == -1)
		nomem(err);
	else if (ret == 0 && rc != DB_DONE)
		ret = store_db_err(d->db, store_path(d->s), err,
		    "reading the summary");
	db_finalize(st);
	if (ret == 0 && days_order(d) == -1)
		ret = nomem(err);
	return ret;
}

/* One record into memory: 0, 1 when too much is taken, -1 (memory). */
static int
days_row(struct days *d, struct db_stmt *st)
{
	struct drec	*r;
	const char	*hf, *ip, *rep;

	hf = db_column_type(st, 0) == DB_NULL ? "" : text(st, 0);
	ip = db_column_type(st, 1) == DB_NULL ? "" : text(st, 1);
	rep = db_column_type(st, 5) == DB_NULL ? NULL : text(st, 5);
	if (hf == NULL || ip == NULL || (rep == NULL &&
	    db_column_type(st, 5) != DB_NULL))
		return -1;
	if (d->n >= UINT32_MAX)
		return 1;
	r = store_more(&d->v, &d->cap, d->n, sizeof *d->v);
	if (r == NULL)
		return -1;
	r->messages = db_column_int64(st, 3);
	r->day = db_column_int64(st, 4);
	r->rep = 0;
	if (days_src(d, hf, ip, &r->src) == -1 ||
	    days_sig(d, db_column_int64(st, 2), &r->sig) == -1 ||
	    (rep != NULL && days_rep(d, rep, &r->rep) == -1))
		return -1;
	d->src[r->src].n++;
	d->n++;
	return days_full(d);
}

/* The number of a source, added if new. 0, or -1 (memory). */
static int
days_src(struct days *d, const char *hf, const char *ip, uint32_t *num)
{
	struct dsrc	*s;
	const void	*key;
	int64_t		 n;
	size_t		 len = strlen(hf) + 1;

	/* The key holds both strings, each with its NUL. */
	buf_reset(&d->key);
	if (buf_add(&d->key, hf, len) == -1 ||
	    buf_add(&d->key, ip, strlen(ip) + 1) == -1)
		return -1;
	if ((n = days_num(d, d->srcs, d->key.data, d->key.len, &key)) == -1)
		return -1;
	*num = (uint32_t)n;
	if (key == NULL)
		return 0;
	s = store_more(&d->src, &d->capsrc, *num, sizeof *d->src);
	if (s == NULL)
		return -1;
	s->hf = key;
	s->ip = s->hf + len;
	s->num = *num;
	s->n = 0;
	return 0;
}

/* The number of a signature, added if new. 0, or -1 (memory). */
static int
days_sig(struct days *d, int64_t id, uint32_t *num)
{
	struct dsig	*g;
	const void	*key;
	int64_t		 n;

	/* A report's records often share one. */
	if (hmap_count(d->sigids) > 0 && d->sig[d->lastsig].id == id) {
		*num = d->lastsig;
		return 0;
	}
	if ((n = days_num(d, d->sigids, &id, sizeof id, &key)) == -1)
		return -1;
	*num = d->lastsig = (uint32_t)n;
	if (key == NULL)
		return 0;
	g = store_more(&d->sig, &d->capsig, *num, sizeof *d->sig);
	if (g == NULL)
		return -1;
	memset(g, 0, sizeof *g);
	g->id = id;
	return 0;
}

/* The number + 1 of a reporter, added if new. 0, or -1 (memory). */
static int
days_rep(struct days *d, const char *name, uint32_t *num)
{
	const void	*key;
	int64_t		 n;

	/* A report's records all have its reporter. */
	if (d->lastrepname != NULL && strcmp(name, d->lastrepname) == 0) {
		*num = d->lastrep;
		return 0;
	}
	if ((n = days_num(d, d->reps, name, strlen(name) + 1, &key)) == -1)
		return -1;
	*num = d->lastrep = (uint32_t)n + 1;
	hmap_at(d->reps, (size_t)n, &key, NULL);
	d->lastrepname = key;
	return 0;
}

/*
 * The number of a key in a map, numbered in the order first seen, or
 * -1 when out of memory. *added: the map's copy of the key when it is
 * new, else NULL.
 */
static int64_t
days_num(struct days *d, struct hmap *m, const void *key, size_t len,
    const void **added)
{
	uint32_t	*v;
	int		 is_new;

	*added = NULL;
	v = hmap_get(m, key, len, &is_new);
	if (v == NULL)
		return -1;
	if (is_new) {
		*v = (uint32_t)(hmap_count(m) - 1);
		hmap_at(m, *v, added, NULL);
		d->strbytes += len;
	}
	return *v;
}

/* Whether what is kept takes more than d->most (roughly). */
static int
days_full(const struct days *d)
{
	size_t	n;

	/* A record may be in the run of a source of them all. */
	n = hmap_count(d->srcs) + hmap_count(d->sigids) + hmap_count(d->reps);
	return d->cap * (sizeof *d->v + sizeof *d->order + sizeof *d->run) +
	    d->capsrc * (sizeof *d->src + sizeof(uint32_t)) +
	    d->capsig * sizeof *d->sig + n * DAYS_ENTRY + d->strbytes >
	    d->most;
}

/*
 * Sort the sources, then the records by source (a counting sort into
 * d->order: the records are read once more, in order). 0, or -1
 * (memory).
 */
static int
days_order(struct days *d)
{
	uint32_t	*pos;
	size_t		 nsrc = hmap_count(d->srcs), i;
	uint32_t	 at = 0;

	/* (No source: no array, and qsort must not be given NULL.) */
	if (nsrc > 1)
		qsort(d->src, nsrc, sizeof *d->src, cmp_src);
	pos = calloc(nsrc + 1, sizeof *pos);
	d->order = calloc(d->n + 1, sizeof *d->order);
	if (pos == NULL || d->order == NULL) {
		free(pos);
		return -1;
	}
	/* Where each source's records begin, by its number. */
	for (i = 0; i < nsrc; i++) {
		pos[d->src[i].num] = at;
		at += d->src[i].n;
	}
	for (i = 0; i < d->n; i++)
		d->order[pos[d->v[i].src]++] = (uint32_t)i;
	free(pos);
	return 0;
}

/* Sources in the order of sources' key: header_from, then IP. */
static int
cmp_src(const void *a, const void *b)
{
	const struct dsrc	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->hf, y->hf)) != 0)
		return c;
	return strcmp(x->ip, y->ip);
}

/* A source's records by signature, then as read. */
static int
cmp_run(const void *a, const void *b)
{
	const struct drun	*x = a, *y = b;

	if (x->sig != y->sig)
		return x->sig < y->sig ? -1 : 1;
	return x->rec < y->rec ? -1 : x->rec > y->rec;
}

/*
 * The facts (and passing results, if wanted) of the signatures, in
 * statements of DAYS_SIGS ids each. 0, 1 when they take too much
 * memory, -1 with err set.
 */
static int
days_sigs(struct days *d, int want_passes, struct dr_error *err)
{
	static const char sql[] =
	    "SELECT id, facts, CASE WHEN ?2 <> 0 THEN passes END, ident"
	    " FROM auth_sigs WHERE id = ANY (CAST(?1 AS bigint[]))";
	struct db_stmt	*st;
	size_t		 nsig = hmap_count(d->sigids), i, n;
	int		 ret = 0;

	if (db_prepare_v2(d->db, sql, -1, &st, NULL) != DB_OK)
		return store_db_err(d->db, store_path(d->s), err,
		    "reading the summary");
	db_bind_int(st, 2, want_passes);
	for (i = 0; i < nsig && ret == 0; i += n) {
		n = nsig - i < DAYS_SIGS ? nsig - i : DAYS_SIGS;
		ret = days_sig_batch(d, st, i, n, err);
	}
	db_finalize(st);
	return ret;
}

/* The signatures numbered i to i + n - 1: as days_sigs. */
static int
days_sig_batch(struct days *d, struct db_stmt *st, size_t i, size_t n,
    struct dr_error *err)
{
	struct dsig	*g;
	const char	*v;
	const uint32_t	*num;
	size_t		 len;
	int64_t		 sig;
	int		 rc;

	if (store_ids(&d->ids, &d->sig[i].id, n, sizeof *d->sig) == -1)
		return nomem(err);
	db_reset(st);
	db_bind_text(st, 1, d->ids.data, (int)d->ids.len, DB_STATIC);
	while ((rc = db_step(st)) == DB_ROW) {
		sig = db_column_int64(st, 0);
		num = hmap_find(d->sigids, &sig, sizeof sig);
		if (num == NULL)
			continue;
		g = &d->sig[*num];
		g->found = 1;
		g->facts = (long)db_column_int64(st, 1);
		if (db_column_type(st, 2) != DB_NULL) {
			v = text(st, 2);
			len = (size_t)db_column_bytes(st, 2);
			if (v == NULL || (g->passes = arena_strndup(&d->mem, v,
			    len)) == NULL)
				return nomem(err);
			g->npasses = len;
			d->strbytes += len + 1;
		}
		if (db_column_type(st, 3) != DB_NULL) {
			v = text(st, 3);
			if (v == NULL || (g->ident = arena_strndup(&d->mem, v,
			    strlen(v))) == NULL)
				return nomem(err);
			d->strbytes += strlen(v) + 1;
		}
		if (days_full(d))
			return 1;
	}
	db_reset(st);
	if (rc != DB_DONE)
		return store_db_err(d->db, store_path(d->s), err,
		    "reading the summary");
	return 0;
}

/*
 * The records to cb, source by source, each source's by signature,
 * with their signatures' facts: what cb returned if not 0, -1 with
 * err set, or 0.
 */
static int
days_emit(struct days *d, const char *domain,
    int (*cb)(void *, const struct store_day *, const char *, size_t),
    void *arg, struct dr_error *err)
{
	struct store_day	 day;
	const struct dsig	*g;
	const struct drec	*r;
	struct drun		*u;
	const char		**reps;
	const void		*key;
	size_t			 i, j, n, at;
	int			 ret = 0;

	/* Reporter number + 1 to its name; 0 to NULL. */
	reps = calloc(hmap_count(d->reps) + 1, sizeof *reps);
	if (reps == NULL)
		return nomem(err);
	for (i = 0; i < hmap_count(d->reps); i++) {
		hmap_at(d->reps, i, &key, NULL);
		reps[i + 1] = key;
	}
	memset(&day, 0, sizeof day);
	day.domain = domain;
	for (i = 0, at = 0; i < hmap_count(d->srcs) && ret == 0; i++) {
		day.header_from = d->src[i].hf;
		day.source_ip = d->src[i].ip;
		n = d->src[i].n;
		for (j = 0; j < n; j++) {
			u = store_more(&d->run, &d->caprun, j, sizeof *u);
			if (u == NULL) {
				ret = nomem(err);
				break;
			}
			u->rec = d->order[at + j];
			u->sig = d->sig[d->v[u->rec].sig].id;
		}
		at += n;
		if (ret == 0 && n > 1)
			qsort(d->run, n, sizeof *d->run, cmp_run);
		for (j = 0; j < n && ret == 0; j++) {
			r = &d->v[d->run[j].rec];
			g = &d->sig[r->sig];
			if (!g->found)
				continue;	/* not in auth_sigs: no row */
			day.reporter = reps[r->rep];
			day.day = r->day;
			day.sig = g->id;
			day.messages = r->messages;
			day.facts = g->facts;
			day.ident = g->ident;
			ret = cb(arg, &day, g->passes, g->npasses);
		}
	}
	free(reps);
	return ret;
}
