/*
 * db.h: one statement interface to the two databases the store runs
 * on, SQLite and PostgreSQL.
 *
 * The store (store*.c) speaks SQL through these calls and nothing else.
 * They have SQLite's shape and meaning: a connection (struct db), a
 * statement prepared from SQL with ? or ?N parameters, bound, stepped
 * row by row (DB_ROW, then DB_DONE), read column by column, reset and
 * run again. On SQLite each call is SQLite's own, inline. On PostgreSQL
 * (db-pg.c, libpq) a statement is prepared on the server when first
 * run (a persistent one, by name, once; another as an unnamed one each
 * time), its parameters go as text (integers, strings) or binary
 * (blobs), and its rows are read:
 * - all at once, when it is run (the default: lookups and writes);
 * - DB_PREPARE_STREAM: through a cursor, 8,192 rows at a time, when it
 *   runs inside a transaction, so that reading a table of any size
 *   takes the same memory, and other statements may run between its
 *   rows (libpq runs one query at a time on a connection).
 * DB_PREPARE_LAZY: on SQLite too, a statement is prepared when first
 * bound or run, not when asked for (its SQL, which must outlive it, is
 * kept until then): the store asks for all it may run when it opens,
 * and a run that stores one report runs few of them (preparing them
 * all was a tenth of such a run, issue 18). A statement that cannot be
 * prepared then fails where it is first bound or run, with SQLite's
 * message in db_errmsg.
 * The SQL itself is written once where the two dialects agree (the
 * store keeps to what both accept: ON CONFLICT, RETURNING, CASE, no
 * boolean columns) and chosen with db_pick where they must differ.
 * "BEGIN IMMEDIATE" is "BEGIN" on PostgreSQL.
 *
 * Result codes are SQLite's (DB_OK is SQLITE_OK, and so on);
 * PostgreSQL's errors are mapped to the nearest (a unique key broken:
 * DB_CONSTRAINT; disk full: DB_FULL; a lock or serialisation failure:
 * DB_BUSY; a read-only transaction: DB_READONLY; the connection lost:
 * DB_IOERR), with the server's message in db_errmsg.
 */
#ifndef DR_DB_H
#define DR_DB_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <sqlite3.h>

struct pgdb;
struct pgst;

struct db {
	sqlite3		*lite;	/* one of the two is set */
	struct pgdb	*pg;
};

struct db_stmt {
	sqlite3_stmt	*lite;
	struct pgst	*pg;
	/* DB_PREPARE_LAZY, not prepared yet: from what, when first used */
	sqlite3		*lazy_db;
	const char	*lazy_sql;
	unsigned	 lazy_flags;
};

#define DB_OK		SQLITE_OK
#define DB_ERROR	SQLITE_ERROR
#define DB_BUSY		SQLITE_BUSY
#define DB_LOCKED	SQLITE_LOCKED
#define DB_NOMEM	SQLITE_NOMEM
#define DB_READONLY	SQLITE_READONLY
#define DB_IOERR	SQLITE_IOERR
#define DB_FULL		SQLITE_FULL
#define DB_CANTOPEN	SQLITE_CANTOPEN
#define DB_CONSTRAINT	SQLITE_CONSTRAINT
#define DB_ROW		SQLITE_ROW
#define DB_DONE		SQLITE_DONE

#define DB_INTEGER	SQLITE_INTEGER
#define DB_FLOAT	SQLITE_FLOAT
#define DB_TEXT		SQLITE_TEXT
#define DB_BLOB		SQLITE_BLOB
#define DB_NULL		SQLITE_NULL

#define DB_STATIC	SQLITE_STATIC
#define DB_TRANSIENT	SQLITE_TRANSIENT

#define DB_PREPARE_PERSISTENT	SQLITE_PREPARE_PERSISTENT
/* PostgreSQL: read the rows through a cursor (above). */
#define DB_PREPARE_STREAM	0x10000
/* SQLite: prepared when first bound or run (above). */
#define DB_PREPARE_LAZY		0x20000

/* Which database a connection is. */
static inline int
db_is_pg(const struct db *db)
{
	return db->pg != NULL;
}

/* The SQL for this connection's dialect. */
static inline const char *
db_pick(const struct db *db, const char *lite, const char *pg)
{
	return db->pg != NULL ? pg : lite;
}

/* --- PostgreSQL (db-pg.c) --------------------------------------------- */

/*
 * Connect to a PostgreSQL database (conninfo: a postgresql:// URI or
 * key=value words, libpq's). On failure *out is NULL and msg (len
 * bytes) says why, in libpq's words. 0 or -1.
 */
int	 db_pg_connect(const char *, struct db **, char *, size_t);
/*
 * A name for the database in messages: the URI without its password
 * (malloc'd; NULL when out of memory).
 */
char	*db_pg_safe_name(const char *);
void	 db_pg_close(struct db *);
/* The connection is about to close: finalizing frees only memory. */
void	 db_pg_closing(struct db *);
/*
 * COPY rows into a table (PostgreSQL only): db_pg_copy_begin with
 * "COPY t (cols) FROM STDIN"; a field at a time (text of n bytes, a
 * string, an integer; NULL text or db_pg_copy_null: null),
 * db_pg_copy_row at the end of each row; db_pg_copy_end ends it, with
 * the server's verdict. Each returns DB_OK or an error code; the first
 * failure sticks (what follows returns it), and db_pg_copy_end then
 * cancels the COPY, so that none of its rows stay.
 */
int	 db_pg_copy_begin(struct db *, const char *);
int	 db_pg_copy_text(struct db *, const char *, size_t);
int	 db_pg_copy_str(struct db *, const char *);
int	 db_pg_copy_int(struct db *, int64_t);
int	 db_pg_copy_null(struct db *);
int	 db_pg_copy_row(struct db *);
int	 db_pg_copy_end(struct db *);

/*
 * The SQL as PostgreSQL takes it: ? and ?N as $N (a bare ? is one more
 * than the largest number so far, as in SQLite), outside quoted text
 * and comments; "BEGIN IMMEDIATE" as "BEGIN". n: its length, or -1.
 * The number of parameters in *nparams. malloc'd; NULL: out of memory.
 */
char	*db_pg_translate(const char *, int, int *);
/*
 * Text for the server, which holds UTF-8 only: each byte that is not
 * part of a valid sequence (and each byte of a character U+F780 to
 * U+F7FF, which stand for them) as U+F700 + the byte. db_pg_plain: 1
 * when n bytes need none of it. db_pg_escape: the text (malloc'd,
 * NUL-terminated, its length in *len; NULL: out of memory).
 * db_pg_unescape: back to the bytes, in place; the new length.
 */
int	 db_pg_plain(const char *, size_t);
char	*db_pg_escape(const char *, size_t, size_t *);
size_t	 db_pg_unescape(char *, size_t);

int	 pg_prepare(struct db *, const char *, int, unsigned,
	    struct db_stmt **);
int	 pg_step(struct pgst *);
int	 pg_reset(struct pgst *);
void	 pg_finalize(struct pgst *);
int	 pg_clear_bindings(struct pgst *);
int	 pg_bind_int64(struct pgst *, int, int64_t);
int	 pg_bind_text(struct pgst *, int, const char *, int,
	    void (*)(void *));
int	 pg_bind_blob(struct pgst *, int, const void *, int,
	    void (*)(void *));
int	 pg_bind_null(struct pgst *, int);
int	 pg_bind_parameter_count(struct pgst *);
int64_t	 pg_column_int64(struct pgst *, int);
double	 pg_column_double(struct pgst *, int);
const unsigned char *pg_column_text(struct pgst *, int);
const void *pg_column_blob(struct pgst *, int);
int	 pg_column_bytes(struct pgst *, int);
int	 pg_column_type(struct pgst *, int);
int	 pg_exec(struct db *, const char *, char **);
const char *pg_errmsg(struct db *);
int	 pg_errcode(struct db *);
int	 pg_changes(struct db *);
int	 pg_autocommit(struct db *);

/* --- the interface ---------------------------------------------------- */

static inline int
db_prepare_v3(struct db *db, const char *sql, int n, unsigned flags,
    struct db_stmt **out, const char **tail)
{
	sqlite3_stmt	*st;
	int		 rc;

	*out = NULL;
	if (db->pg != NULL)
		return pg_prepare(db, sql, n, flags & ~DB_PREPARE_LAZY, out);
	if ((flags & DB_PREPARE_LAZY) != 0 && n == -1 && tail == NULL) {
		if ((*out = calloc(1, sizeof **out)) == NULL)
			return DB_NOMEM;
		(*out)->lazy_db = db->lite;
		(*out)->lazy_sql = sql;
		(*out)->lazy_flags = flags & 0xff;
		return DB_OK;
	}
	rc = sqlite3_prepare_v3(db->lite, sql, n, flags & 0xff, &st, tail);
	if (rc != SQLITE_OK || st == NULL)
		return rc;
	if ((*out = calloc(1, sizeof **out)) == NULL) {
		sqlite3_finalize(st);
		return DB_NOMEM;
	}
	(*out)->lite = st;
	return DB_OK;
}

static inline int
db_prepare_v2(struct db *db, const char *sql, int n, struct db_stmt **out,
    const char **tail)
{
	return db_prepare_v3(db, sql, n, 0, out, tail);
}

static inline int
db_finalize(struct db_stmt *st)
{
	if (st == NULL)
		return DB_OK;
	if (st->lite != NULL)
		sqlite3_finalize(st->lite);
	else if (st->pg != NULL)
		pg_finalize(st->pg);
	free(st);
	return DB_OK;
}

/*
 * A DB_PREPARE_LAZY statement prepared now, if it is not yet: DB_OK or
 * SQLite's error (it is tried again at the next call).
 */
static inline int
db_ready(struct db_stmt *st)
{
	int	rc;

	if (__builtin_expect(st->lazy_sql == NULL, 1))
		return DB_OK;
	rc = sqlite3_prepare_v3(st->lazy_db, st->lazy_sql, -1,
	    st->lazy_flags, &st->lite, NULL);
	if (rc != SQLITE_OK || st->lite == NULL) {
		st->lite = NULL;
		return rc != SQLITE_OK ? rc : DB_ERROR;
	}
	st->lazy_sql = NULL;
	return DB_OK;
}

/* Not prepared yet: nothing was bound or run. */
static inline int
db_unprepared(const struct db_stmt *st)
{
	return __builtin_expect(st->lazy_sql != NULL, 0);
}

static inline int
db_step(struct db_stmt *st)
{
	int	rc;

	if ((rc = db_ready(st)) != DB_OK)
		return rc;
	return st->lite != NULL ? sqlite3_step(st->lite) : pg_step(st->pg);
}

static inline int
db_reset(struct db_stmt *st)
{
	if (db_unprepared(st))
		return DB_OK;
	return st->lite != NULL ? sqlite3_reset(st->lite) : pg_reset(st->pg);
}

static inline int
db_clear_bindings(struct db_stmt *st)
{
	if (db_unprepared(st))
		return DB_OK;
	return st->lite != NULL ? sqlite3_clear_bindings(st->lite) :
	    pg_clear_bindings(st->pg);
}

static inline int
db_bind_int64(struct db_stmt *st, int i, int64_t v)
{
	int	rc;

	if ((rc = db_ready(st)) != DB_OK)
		return rc;
	return st->lite != NULL ? sqlite3_bind_int64(st->lite, i, v) :
	    pg_bind_int64(st->pg, i, v);
}

static inline int
db_bind_int(struct db_stmt *st, int i, int v)
{
	return db_bind_int64(st, i, v);
}

static inline int
db_bind_text(struct db_stmt *st, int i, const char *v, int n,
    void (*d)(void *))
{
	int	rc;

	if ((rc = db_ready(st)) != DB_OK)
		return rc;
	return st->lite != NULL ? sqlite3_bind_text(st->lite, i, v, n, d) :
	    pg_bind_text(st->pg, i, v, n, d);
}

static inline int
db_bind_blob(struct db_stmt *st, int i, const void *v, int n,
    void (*d)(void *))
{
	int	rc;

	if ((rc = db_ready(st)) != DB_OK)
		return rc;
	return st->lite != NULL ? sqlite3_bind_blob(st->lite, i, v, n, d) :
	    pg_bind_blob(st->pg, i, v, n, d);
}

static inline int
db_bind_null(struct db_stmt *st, int i)
{
	int	rc;

	if ((rc = db_ready(st)) != DB_OK)
		return rc;
	return st->lite != NULL ? sqlite3_bind_null(st->lite, i) :
	    pg_bind_null(st->pg, i);
}

static inline int
db_bind_parameter_count(struct db_stmt *st)
{
	if (db_ready(st) != DB_OK)
		return 0;
	return st->lite != NULL ? sqlite3_bind_parameter_count(st->lite) :
	    pg_bind_parameter_count(st->pg);
}

static inline int64_t
db_column_int64(struct db_stmt *st, int i)
{
	return st->lite != NULL ? sqlite3_column_int64(st->lite, i) :
	    pg_column_int64(st->pg, i);
}

static inline int
db_column_int(struct db_stmt *st, int i)
{
	return (int)db_column_int64(st, i);
}

static inline double
db_column_double(struct db_stmt *st, int i)
{
	return st->lite != NULL ? sqlite3_column_double(st->lite, i) :
	    pg_column_double(st->pg, i);
}

static inline const unsigned char *
db_column_text(struct db_stmt *st, int i)
{
	return st->lite != NULL ? sqlite3_column_text(st->lite, i) :
	    pg_column_text(st->pg, i);
}

static inline const void *
db_column_blob(struct db_stmt *st, int i)
{
	return st->lite != NULL ? sqlite3_column_blob(st->lite, i) :
	    pg_column_blob(st->pg, i);
}

static inline int
db_column_bytes(struct db_stmt *st, int i)
{
	return st->lite != NULL ? sqlite3_column_bytes(st->lite, i) :
	    pg_column_bytes(st->pg, i);
}

static inline int
db_column_type(struct db_stmt *st, int i)
{
	return st->lite != NULL ? sqlite3_column_type(st->lite, i) :
	    pg_column_type(st->pg, i);
}

/*
 * Run SQL without result rows (several statements may be given). No
 * callback: cb must be NULL. *msg, if asked, is the error message, to
 * be freed with db_free.
 */
static inline int
db_exec(struct db *db, const char *sql, void *cb, void *arg, char **msg)
{
	(void)cb;
	if (db->pg != NULL)
		return pg_exec(db, sql, msg);
	return sqlite3_exec(db->lite, sql, NULL, arg, msg);
}

static inline void
db_free(void *p)
{
	sqlite3_free(p);
}

static inline const char *
db_errmsg(struct db *db)
{
	return db->pg != NULL ? pg_errmsg(db) : sqlite3_errmsg(db->lite);
}

static inline int
db_extended_errcode(struct db *db)
{
	return db->pg != NULL ? pg_errcode(db) :
	    sqlite3_extended_errcode(db->lite);
}

static inline int
db_errcode(struct db *db)
{
	return db->pg != NULL ? pg_errcode(db) : sqlite3_errcode(db->lite);
}

static inline int
db_system_errno(struct db *db)
{
	return db->pg != NULL ? 0 : sqlite3_system_errno(db->lite);
}

static inline int
db_changes(struct db *db)
{
	return db->pg != NULL ? pg_changes(db) : sqlite3_changes(db->lite);
}

static inline int
db_get_autocommit(struct db *db)
{
	return db->pg != NULL ? pg_autocommit(db) :
	    sqlite3_get_autocommit(db->lite);
}

#endif
