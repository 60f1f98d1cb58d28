/*
 * store-merge.c: the noted days of a domain merged into sources, on
 * SQLite (sum_merge, and sum_fold for a connection that cannot write;
 * PostgreSQL's are statements of store-sum.c).
 *
 * The records of the noted days are read as stored and sorted by
 * source with rsort (rsort.h), which compares their keys as integers
 * where SQLite's GROUP BY compared generic records: on the million new
 * sources of the high-cardinality bench that sort was two thirds of
 * the merge. The sorted records reach the INSERT through an eponymous
 * virtual table, dmarcdb_merged (header_from, source_ip, first_day,
 * last_day: a source a row, in the order of the key of sources), so
 * that SQLite inserts them as it inserted its GROUP BY's rows, in
 * order and in one statement, rather than a statement a source.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "rsort.h"
#include "store-int.h"

/*
 * The merge's sort takes at most this (or DMARCDB_SORT_MEMORY if less):
 * its records are short, and a million of them sorted in 8 MiB, runs
 * through a file, as fast as in 64 (1.41 to 1.46 s against 1.59 to
 * 1.95), so that ingest, which merges after a bulk run, takes little
 * more memory than its own stages.
 */
#define MERGE_MEMORY	((size_t)8 << 20)

/* The sort the virtual table reads, on one connection. */
struct merged {
	struct rsort	*rs;		/* NULL: none (no rows) */
	int		 read;		/* a scan began: it cannot again */
};

struct mtab {
	sqlite3_vtab	 base;
	struct merged	*mg;
};

/* A source: its key and days, and the record after it, read ahead. */
struct mcur {
	sqlite3_vtab_cursor base;
	struct merged	*mg;
	int		 eof;
	sqlite3_int64	 row;
	struct buf	 key;		/* header_from NUL source_ip NUL */
	size_t		 iplen;
	int64_t		 first, last;
	struct buf	 next;		/* the next source's first record */
	int		 have_next;
};

enum { COL_HF, COL_IP, COL_FIRST, COL_LAST };

static int
mt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
    sqlite3_vtab **out, char **errmsg)
{
	struct mtab	*t;
	int		 rc;

	(void)argc;
	(void)argv;
	(void)errmsg;
	rc = sqlite3_declare_vtab(db, "CREATE TABLE x(header_from TEXT,"
	    " source_ip TEXT, first_day INTEGER, last_day INTEGER)");
	if (rc != SQLITE_OK)
		return rc;
	/* No view, trigger or schema of a database can read it. */
	sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
	if ((t = sqlite3_malloc(sizeof *t)) == NULL)
		return SQLITE_NOMEM;
	memset(t, 0, sizeof *t);
	t->mg = aux;
	*out = &t->base;
	return SQLITE_OK;
}

static int
mt_disconnect(sqlite3_vtab *v)
{
	sqlite3_free(v);
	return SQLITE_OK;
}

static int
mt_best_index(sqlite3_vtab *v, sqlite3_index_info *ix)
{
	(void)v;
	ix->estimatedCost = 1e6;
	return SQLITE_OK;
}

static int
mt_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
	struct mcur	*c;

	if ((c = sqlite3_malloc(sizeof *c)) == NULL)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof *c);
	c->mg = ((struct mtab *)(void *)v)->mg;
	c->eof = 1;
	*out = &c->base;
	return SQLITE_OK;
}

static int
mt_close(sqlite3_vtab_cursor *vc)
{
	struct mcur	*c = (struct mcur *)(void *)vc;

	buf_free(&c->key);
	buf_free(&c->next);
	sqlite3_free(c);
	return SQLITE_OK;
}

/* A record's day, after its key of len - 8 bytes. */
static int64_t
rec_day(const unsigned char *rec, size_t len)
{
	int64_t	day;

	memcpy(&day, rec + len - 8, sizeof day);
	return day;
}

/* The table's error, what, as SQLite's code. */
static int
mt_err(sqlite3_vtab_cursor *vc, int code, const char *what)
{
	sqlite3_free(vc->pVtab->zErrMsg);
	vc->pVtab->zErrMsg = sqlite3_mprintf("%s", what);
	return code;
}

/* The sort's next record: SQLITE_ROW, SQLITE_DONE, or an error. */
static int
next_record(sqlite3_vtab_cursor *vc, const void **rec, size_t *len)
{
	struct mcur	*c = (struct mcur *)(void *)vc;
	int		 rc;

	if ((rc = rsort_next(c->mg->rs, rec, len)) == -1)
		return mt_err(vc, errno == ENOMEM ? SQLITE_NOMEM :
		    SQLITE_IOERR, strerror(errno));
	if (rc == 0)
		return SQLITE_DONE;
	if (*len < 8)
		return mt_err(vc, SQLITE_IOERR, "a sorted record cut short");
	return SQLITE_ROW;
}

/* A record read ahead: the next source's first. */
static int
keep_next(struct mcur *c, const void *rec, size_t len)
{
	buf_reset(&c->next);
	if (buf_add(&c->next, rec, len) == -1)
		return SQLITE_NOMEM;
	c->have_next = 1;
	return SQLITE_OK;
}

/* The next source: its records summed into its first and last day. */
static int
mt_next(sqlite3_vtab_cursor *vc)
{
	struct mcur		*c = (struct mcur *)(void *)vc;
	const void		*rec;
	size_t			 len;
	int64_t			 day;
	int			 rc;

	if (!c->have_next) {
		c->eof = 1;
		return SQLITE_OK;
	}
	/* The source begun by the record read ahead. */
	buf_reset(&c->key);
	if (buf_add(&c->key, c->next.data, c->next.len - 8) == -1)
		return SQLITE_NOMEM;
	c->iplen = strlen(c->key.data + strlen(c->key.data) + 1);
	c->first = c->last = rec_day((unsigned char *)c->next.data,
	    c->next.len);
	c->have_next = 0;
	c->row++;
	while ((rc = next_record(vc, &rec, &len)) == SQLITE_ROW) {
		if (len - 8 != c->key.len || memcmp(rec, c->key.data,
		    len - 8) != 0)
			return keep_next(c, rec, len);
		day = rec_day(rec, len);
		if (day < c->first)
			c->first = day;
		if (day > c->last)
			c->last = day;
	}
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int
mt_filter(sqlite3_vtab_cursor *vc, int idxnum, const char *idxstr,
    int argc, sqlite3_value **argv)
{
	struct mcur	*c = (struct mcur *)(void *)vc;
	const void	*rec;
	size_t		 len;
	int		 rc;

	(void)idxnum;
	(void)idxstr;
	(void)argc;
	(void)argv;
	c->eof = 0;
	c->row = 0;
	c->have_next = 0;
	if (c->mg->rs == NULL) {
		c->eof = 1;
		return SQLITE_OK;
	}
	/* The sort gives its records once. */
	if (c->mg->read)
		return mt_err(vc, SQLITE_MISUSE, "dmarcdb_merged read twice");
	c->mg->read = 1;
	if ((rc = next_record(vc, &rec, &len)) == SQLITE_ROW)
		rc = keep_next(c, rec, len);
	if (rc != SQLITE_OK && rc != SQLITE_DONE)
		return rc;
	return mt_next(vc);
}

static int
mt_eof(sqlite3_vtab_cursor *vc)
{
	return ((struct mcur *)(void *)vc)->eof;
}

static int
mt_column(sqlite3_vtab_cursor *vc, sqlite3_context *ctx, int i)
{
	struct mcur	*c = (struct mcur *)(void *)vc;
	const char	*hf = c->key.data;

	switch (i) {
	case COL_HF:
		sqlite3_result_text(ctx, hf, -1, SQLITE_TRANSIENT);
		break;
	case COL_IP:
		sqlite3_result_text(ctx, hf + strlen(hf) + 1, (int)c->iplen,
		    SQLITE_TRANSIENT);
		break;
	case COL_FIRST:
		sqlite3_result_int64(ctx, c->first);
		break;
	default:
		sqlite3_result_int64(ctx, c->last);
		break;
	}
	return SQLITE_OK;
}

static int
mt_rowid(sqlite3_vtab_cursor *vc, sqlite3_int64 *row)
{
	*row = ((struct mcur *)(void *)vc)->row;
	return SQLITE_OK;
}

static const sqlite3_module merged_module = {
	.iVersion = 0,
	.xCreate = NULL,	/* eponymous only */
	.xConnect = mt_connect,
	.xBestIndex = mt_best_index,
	.xDisconnect = mt_disconnect,
	.xDestroy = mt_disconnect,
	.xOpen = mt_open,
	.xClose = mt_close,
	.xFilter = mt_filter,
	.xNext = mt_next,
	.xEof = mt_eof,
	.xColumn = mt_column,
	.xRowid = mt_rowid,
};

struct merged *
merge_register(struct db *db)
{
	struct merged	*mg;

	if ((mg = calloc(1, sizeof *mg)) == NULL)
		return NULL;
	/* The connection frees it when it closes, even on failure. */
	if (sqlite3_create_module_v2(db->lite, "dmarcdb_merged",
	    &merged_module, mg, free) != SQLITE_OK)
		return NULL;
	return mg;
}

/*
 * The statements that take what dmarcdb_merged gives: into sources
 * (merge_noted), or for a connection that cannot write, each source's
 * first day into temp.sources_fold (sum_fold).
 */
#define FOLDED_SQL							\
	"INSERT INTO sources_fold SELECT ?1, header_from, source_ip,"	\
	" first_day FROM dmarcdb_merged WHERE true"
#define MERGED_SQL							\
	"INSERT INTO sources (domain, header_from, source_ip, ip,"	\
	" first_day, last_day)"						\
	" SELECT ?1, header_from, source_ip,"				\
	" dmarcdb_ip(nullif(source_ip, '')), first_day, last_day"	\
	" FROM dmarcdb_merged WHERE true"				\
	" ON CONFLICT (domain, header_from, source_ip) DO UPDATE SET"	\
	" first_day = min(sources.first_day, excluded.first_day),"	\
	" last_day = max(sources.last_day, excluded.last_day)"		\
	" WHERE excluded.first_day < sources.first_day"			\
	" OR excluded.last_day > sources.last_day"

/* One record of the noted days into the sort: 0, or -1 (errno). */
static int
merge_row(struct rsort *rs, struct db_stmt *st)
{
	const char	*hf, *ip;
	unsigned char	*p;
	size_t		 hl, il;
	int64_t		 day;

	hf = (const char *)db_column_text(st, 0);
	ip = (const char *)db_column_text(st, 1);
	if (hf == NULL || ip == NULL) {
		errno = ENOMEM;
		return -1;
	}
	hl = strlen(hf);
	il = strlen(ip);
	day = db_column_int64(st, 2);
	if ((p = rsort_reserve(rs, hl + il + 2 + sizeof day)) == NULL)
		return -1;
	memcpy(p, hf, hl + 1);
	memcpy(p + hl + 1, ip, il + 1);
	memcpy(p + hl + il + 2, &day, sizeof day);
	return rsort_add(rs, hl + il + 2);
}

int
merge_noted(struct db *db, struct merged *mg, const char *path,
    const char *domain, int fold, struct dr_error *err)
{
	static const char read_sql[] =
	    "SELECT coalesce(c.header_from, ''), coalesce(c.source_ip, ''),"
	    " p.day FROM summary_dirty d"
	    " JOIN reports p ON p.domain = d.domain AND p.day = d.day"
	    " AND p.status = 'active'"
	    " JOIN records c ON c.report = p.id"
	    " WHERE d.domain = ?1";
	const char	*what = fold ? "reading the summary" :
			    "updating the sources";
	struct rsort	*rs;
	struct db_stmt	*st;
	size_t		 mem;
	int		 rc, ret = -1;

	if (store_sort_memory(&mem, err) == -1)
		return -1;
	if (mem > MERGE_MEMORY)
		mem = MERGE_MEMORY;
	if ((rs = rsort_new(mem)) == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	if (db_prepare_v2(db, read_sql, -1, &st, NULL) != DB_OK) {
		store_db_err(db, path, err, what);
		goto out;
	}
	db_bind_text(st, 1, domain, -1, DB_STATIC);
	while ((rc = db_step(st)) == DB_ROW)
		if (merge_row(rs, st) == -1)
			break;
	if (rc == DB_ROW)
		store_sort_err(path, what, err);
	else if (rc != DB_DONE)
		store_db_err(db, path, err, what);
	db_finalize(st);
	if (rc != DB_DONE)
		goto out;
	if (db_prepare_v2(db, fold ? FOLDED_SQL : MERGED_SQL, -1, &st, NULL)
	    != DB_OK) {
		store_db_err(db, path, err, what);
		goto out;
	}
	db_bind_text(st, 1, domain, -1, DB_STATIC);
	mg->rs = rs;
	mg->read = 0;
	rc = db_step(st);
	mg->rs = NULL;
	if (rc != DB_DONE)
		store_db_err(db, path, err, what);
	db_finalize(st);
	if (rc != DB_DONE)
		goto out;
	ret = 0;
	store_sort_note(&rs, 1, domain, fold ? "of days not merged yet "
	    "sorted" : "merged into the sources", mem);
out:
	rsort_free(rs);
	return ret;
}
