/*
 * store-walk.c: reading records back with their results.
 *
 * Records are read in id order by the caller's statement; the three
 * child tables are read alongside, each by one range scan over the
 * same ids, so a record costs no lookup of its own.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store-int.h"

static const char *const kid_sql[2][3] = { {
	"SELECT record, domain, selector, result FROM dkim_results"
	" WHERE record BETWEEN ? AND ? ORDER BY record, ordinal",
	"SELECT record, domain, scope, result FROM spf_results"
	" WHERE record BETWEEN ? AND ? ORDER BY record, ordinal",
	"SELECT record, type, comment FROM override_reasons"
	" WHERE record BETWEEN ? AND ? ORDER BY record, ordinal",
}, {
	/* walk_init_full: every column. */
	"SELECT record, domain, selector, result, human_result,"
	" human_result_lang FROM dkim_results"
	" WHERE record BETWEEN ? AND ? ORDER BY record, ordinal",
	"SELECT record, domain, scope, result, human_result,"
	" human_result_lang FROM spf_results"
	" WHERE record BETWEEN ? AND ? ORDER BY record, ordinal",
	"SELECT record, type, comment, comment_lang FROM override_reasons"
	" WHERE record BETWEEN ? AND ? ORDER BY record, ordinal",
} };

/*
 * Each of min() and max() alone is one seek into records_report (on
 * PostgreSQL, whose index holds no row id, into an index of report and
 * id: schema/pg/016-postgresql.sql); the two in one SELECT would scan
 * the report's records (a million).
 */
static const char range_sql[] =
    "SELECT (SELECT min(id) FROM records WHERE report = ?1),"
    " (SELECT max(id) FROM records WHERE report = ?1)";

static int
init(struct walk *w, struct db *db, const char *path, int full,
    struct dr_error *err)
{
	int	i;

	memset(w, 0, sizeof *w);
	w->db = db;
	w->path = path;
	w->full = full;
	/*
	 * Streamed: on PostgreSQL the results of a report of a million
	 * records through cursors, not a million rows in memory at once.
	 */
	for (i = 0; i < 3; i++)
		if (db_prepare_v3(db, kid_sql[full][i], -1,
		    DB_PREPARE_PERSISTENT | DB_PREPARE_STREAM, &w->kid[i],
		    NULL) != DB_OK)
			goto fail;
	if (db_prepare_v3(db, range_sql, -1, DB_PREPARE_PERSISTENT,
	    &w->range, NULL) != DB_OK)
		goto fail;
	return 0;
fail:
	store_db_err(db, path, err, "preparing a statement");
	walk_free(w);
	return -1;
}

int
walk_init(struct walk *w, struct db *db, const char *path,
    struct dr_error *err)
{
	return init(w, db, path, 0, err);
}

int
walk_init_full(struct walk *w, struct db *db, const char *path,
    struct dr_error *err)
{
	return init(w, db, path, 1, err);
}

void
walk_free(struct walk *w)
{
	int	i;

	for (i = 0; i < 3; i++)
		db_finalize(w->kid[i]);
	db_finalize(w->range);
	free(w->dk);
	free(w->sp);
	free(w->re);
	arena_free(&w->mem);
	memset(w, 0, sizeof *w);
}

int
walk_ids(struct walk *w, int64_t report, int64_t *lo, int64_t *hi,
    struct dr_error *err)
{
	int	rc, none;

	db_bind_int64(w->range, 1, report);
	rc = db_step(w->range);
	none = db_column_type(w->range, 0) == DB_NULL;
	*lo = db_column_int64(w->range, 0);
	*hi = db_column_int64(w->range, 1);
	db_reset(w->range);
	if (rc != DB_ROW)
		return store_db_err(w->db, w->path, err,
		    "reading records back");
	return !none;
}

int
walk_begin(struct walk *w, int64_t lo, int64_t hi, struct dr_error *err)
{
	int	i;

	for (i = 0; i < 3; i++) {
		db_reset(w->kid[i]);
		db_bind_int64(w->kid[i], 1, lo);
		db_bind_int64(w->kid[i], 2, hi);
		w->krc[i] = db_step(w->kid[i]);
		if (w->krc[i] != DB_ROW && w->krc[i] != DB_DONE)
			return store_db_err(w->db, w->path, err,
			    "reading records back");
	}
	return 0;
}

void
walk_end(struct walk *w)
{
	int	i;

	for (i = 0; i < 3; i++)
		db_reset(w->kid[i]);
}

const char *
walk_col(struct walk *w, struct db_stmt *st, int i)
{
	const char	*v = (const char *)db_column_text(st, i);
	const char	*c;

	if (v == NULL)
		return NULL;
	c = arena_strndup(&w->mem, v, (size_t)db_column_bytes(st, i));
	if (c == NULL)
		w->nomem = 1;
	return c;
}

void *
store_more(void *arrp, size_t *cap, size_t n, size_t size)
{
	void	**arr = arrp;
	void	 *p;

	if (n < *cap)
		return (char *)*arr + n * size;
	p = realloc(*arr, (*cap ? *cap * 2 : 8) * size);
	if (p == NULL)
		return NULL;
	*arr = p;
	*cap = *cap ? *cap * 2 : 8;
	return (char *)p + n * size;
}

int
walk_record(struct walk *w, struct db_stmt *rs, struct dr_record *rec,
    int64_t *id, struct dr_error *err)
{
	struct db_stmt	*k;
	int		 i;

	arena_reset(&w->mem);
	w->nomem = 0;
	*id = db_column_int64(rs, 0);
	memset(rec, 0, sizeof *rec);
	rec->source_ip = walk_col(w, rs, 1);
	rec->count = db_column_int64(rs, 2);
	rec->disposition = walk_col(w, rs, 3);
	rec->dkim = walk_col(w, rs, 4);
	rec->spf = walk_col(w, rs, 5);
	rec->header_from = walk_col(w, rs, 6);
	for (i = 0; i < 3; i++) {
		k = w->kid[i];
		while (w->krc[i] == DB_ROW &&
		    db_column_int64(k, 0) < *id)
			w->krc[i] = db_step(k);
		for (; w->krc[i] == DB_ROW &&
		    db_column_int64(k, 0) == *id;
		    w->krc[i] = db_step(k)) {
			if (i == 0) {
				struct dr_dkim *d = store_more(&w->dk, &w->capdk,
				    rec->ndkims, sizeof *d);
				if (d == NULL)
					goto nomem;
				memset(d, 0, sizeof *d);
				d->domain = walk_col(w, k, 1);
				d->selector = walk_col(w, k, 2);
				d->result = walk_col(w, k, 3);
				if (w->full) {
					d->human_result = walk_col(w, k, 4);
					d->human_result_lang = walk_col(w, k,
					    5);
				}
				rec->ndkims++;
			} else if (i == 1) {
				struct dr_spf *d = store_more(&w->sp, &w->capsp,
				    rec->nspfs, sizeof *d);
				if (d == NULL)
					goto nomem;
				memset(d, 0, sizeof *d);
				d->domain = walk_col(w, k, 1);
				d->scope = walk_col(w, k, 2);
				d->result = walk_col(w, k, 3);
				if (w->full) {
					d->human_result = walk_col(w, k, 4);
					d->human_result_lang = walk_col(w, k,
					    5);
				}
				rec->nspfs++;
			} else {
				struct dr_reason *d = store_more(&w->re, &w->capre,
				    rec->nreasons, sizeof *d);
				if (d == NULL)
					goto nomem;
				memset(d, 0, sizeof *d);
				d->type = walk_col(w, k, 1);
				d->comment = walk_col(w, k, 2);
				if (w->full)
					d->comment_lang = walk_col(w, k, 3);
				rec->nreasons++;
			}
		}
		if (w->krc[i] != DB_ROW && w->krc[i] != DB_DONE)
			return store_db_err(w->db, w->path, err,
			    "reading records back");
	}
	rec->dkims = w->dk;
	rec->spfs = w->sp;
	rec->reasons = w->re;
	if (w->nomem)
		goto nomem;
	return 0;
nomem:
	return dr_seterr(err, DR_E_NOMEM, "out of memory");
}
