/*
 * db-pg.c: db.h's statements on PostgreSQL, through libpq.
 *
 * A statement's SQL is translated once, when prepared: ? and ?N become
 * $N (outside quotes and comments), "BEGIN IMMEDIATE" becomes "BEGIN".
 * Parameters are kept as libpq wants them (a value, a length and a
 * format each) and sent when the statement first steps after a bind or
 * a reset. Its rows are then read from the PGresult; a streaming one
 * (DB_PREPARE_STREAM) inside a transaction declares a cursor and
 * fetches from it a batch at a time, asking for the next batch as soon
 * as one comes (fetch_ahead), so that the server makes it while the
 * caller reads this one.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "db.h"
#include "lazy.h"

/* Type oids (pg_type.dat: stable). */
#define OID_BOOL	16
#define OID_BYTEA	17
#define OID_INT8	20
#define OID_INT2	21
#define OID_INT4	23
#define OID_TEXT	25
#define OID_OID		26
#define OID_FLOAT4	700
#define OID_FLOAT8	701
#define OID_NUMERIC	1700

/*
 * Text that is not UTF-8 (SQLite keeps any bytes; a file name may be
 * Latin-1) is stored with each byte that does not fit as a character
 * of the Private Use Area, U+F780 to U+F7FF (the byte + U+F700), and
 * read back as that byte: the bytes come back as they went in.
 */
#define ESC_BASE	0xF700

/* Rows fetched from a cursor at a time. */
#define FETCH_ROWS	8192
/* Rows stepped between reads of what the server sent meanwhile. */
#define FETCH_DRAIN	256

struct pgdb {
	PGconn		*conn;
	char		*errmsg;
	int		 errcode;
	int		 changes;
	unsigned	 next_name;	/* of prepared statements, cursors */
	int		 copying;	/* inside COPY FROM STDIN */
	int		 closing;	/* statements are not deallocated */
	char		 outer[32];	/* the savepoint that began a transaction */
	char		*copybuf;	/* rows being built */
	size_t		 copylen, copycap;
	int		 copyfields;	/* of the row being built */
	int		 copyerr;	/* the first failure, sticky */
	/*
	 * The statement whose next FETCH is on its way (fetch_ahead): the
	 * connection is busy until its result is read (idle).
	 */
	struct pgst	*ahead;
	/*
	 * Why the FETCH sent ahead failed, said for a statement that fails
	 * after it only because the transaction is aborted (res_err).
	 */
	char		*ahead_err;
	int		 ahead_code;
};

struct param {
	const char	*val;		/* NULL: SQL NULL */
	int		 len;
	int		 fmt;		/* 0 text, 1 binary */
	unsigned	 type;		/* oid, 0: let the server infer */
	char		*own;		/* a copy, when val must be kept */
	size_t		 owncap;
	char		 num[24];	/* an integer as text */
};

struct pgst {
	struct db	*db;
	char		*sql;		/* translated */
	int		 nparams;
	struct param	*p;
	const char	**vals;
	int		*lens, *fmts;
	unsigned	*types;
	unsigned	*prep_types;	/* those it was prepared with */
	unsigned	*inferred;	/* the server's, for a cursor's */
	char		 name[16];	/* "" until prepared (persistent) */
	int		 persistent;
	int		 stream;
	char		 cursor[16];
	int		 cursor_open;
	int		 cursor_done;	/* the last FETCH was short */
	PGresult	*res;
	PGresult	*next;		/* the next FETCH's, read ahead */
	int		 next_read;	/* ... read (NULL: the connection's
					   error) */
	int		 row, nrows;	/* row: the current one, -1 before */
	int		 ran;		/* executed since the last reset */
	/* Columns decoded from bytea or bool, until the next step. */
	char		**dec;
	size_t		*declen;
	int		 ndec;
};

/* libpq's messages end in a newline, some are in two lines: one. */
static void
one_line(char *m)
{
	size_t	n = strlen(m);

	while (n > 0 && isspace((unsigned char)m[n - 1]))
		m[--n] = '\0';
	for (; *m != '\0'; m++)
		if (*m == '\n' || *m == '\t')
			*m = ' ';
}

static void
set_err(struct db *db, int code, const char *msg)
{
	struct pgdb	*g = db->pg;

	free(g->errmsg);
	g->errmsg = strdup(msg != NULL ? msg : "unknown error");
	if (g->errmsg != NULL)
		one_line(g->errmsg);
	g->errcode = code;
}

/* The result code for a failed result or a lost connection. */
static int
res_err(struct db *db, PGresult *res)
{
	const char	*state = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char	*msg = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	int		 code = DB_ERROR;

	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(db->pg->conn);
	if (state != NULL && strcmp(state, "25P02") == 0 &&
	    db->pg->ahead_err != NULL) {
		set_err(db, db->pg->ahead_code, db->pg->ahead_err);
		return db->pg->ahead_code;
	}
	if (PQstatus(db->pg->conn) != CONNECTION_OK)
		code = DB_IOERR;
	else if (state == NULL)
		code = DB_ERROR;
	else if (strncmp(state, "23", 2) == 0)
		code = DB_CONSTRAINT;
	else if (strcmp(state, "53100") == 0)
		code = DB_FULL;
	else if (strncmp(state, "53", 2) == 0)
		code = DB_NOMEM;
	else if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0)
		code = DB_BUSY;
	else if (strcmp(state, "25006") == 0 || strncmp(state, "42501", 5)
	    == 0)
		code = DB_READONLY;
	else if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		code = DB_IOERR;
	set_err(db, code, msg);
	return code;
}

/*
 * The connection free for a statement: the result of a FETCH sent ahead
 * is read and kept for its statement (fetch).
 */
static void
idle(struct db *db)
{
	struct pgdb	*g = db->pg;
	struct pgst	*q = g->ahead;
	PGresult	*r;

	if (q == NULL)
		return;
	g->ahead = NULL;
	q->next = PQgetResult(g->conn);
	while ((r = PQgetResult(g->conn)) != NULL)
		PQclear(r);
	q->next_read = 1;
	if (PQresultStatus(q->next) != PGRES_TUPLES_OK) {
		g->ahead_code = res_err(db, q->next);
		free(g->ahead_err);
		g->ahead_err = strdup(g->errmsg != NULL ? g->errmsg : "");
	}
}

/* Out of the failed transaction: what the FETCH ahead said is over. */
static void
ahead_over(struct db *db)
{
	if (db->pg->ahead_err != NULL &&
	    PQtransactionStatus(db->pg->conn) != PQTRANS_INERROR) {
		free(db->pg->ahead_err);
		db->pg->ahead_err = NULL;
	}
}

/*
 * The database for messages: the URI as given, without a password (in
 * its user part, or a password= parameter).
 */
char *
db_pg_safe_name(const char *conninfo)
{
	const char	*scheme, *at, *slash, *colon, *q, *p;
	char		*out, *o;
	int		 first = 1;

	if ((out = malloc(strlen(conninfo) + 1)) == NULL)
		return NULL;
	o = out;
	scheme = strstr(conninfo, "://");
	if (scheme == NULL) {
		strcpy(out, conninfo);
		return out;
	}
	scheme += 3;
	slash = scheme + strcspn(scheme, "/?");
	at = memchr(scheme, '@', (size_t)(slash - scheme));
	colon = at != NULL ? memchr(scheme, ':', (size_t)(at - scheme)) : NULL;
	memcpy(o, conninfo, (size_t)(scheme - conninfo));
	o += scheme - conninfo;
	if (colon != NULL) {
		memcpy(o, scheme, (size_t)(colon - scheme));
		o += colon - scheme;
		p = at;
	} else
		p = scheme;
	/* The rest, without password=... among the parameters. */
	q = strchr(p, '?');
	if (q == NULL) {
		strcpy(o, p);
		return out;
	}
	memcpy(o, p, (size_t)(q - p));
	o += q - p;
	for (p = q; *p != '\0';) {
		const char *e = p + 1 + strcspn(p + 1, "&");
		if (strncmp(p + 1, "password=", 9) != 0) {
			*o++ = first ? '?' : '&';
			first = 0;
			memcpy(o, p + 1, (size_t)(e - p - 1));
			o += e - p - 1;
		}
		p = e;
	}
	*o = '\0';
	return out;
}

int
db_pg_connect(const char *conninfo, struct db **out, char *msg, size_t len)
{
	struct db	*db;
	struct pgdb	*g;
	PGresult	*res;

	*out = NULL;
	if (lazy_load(LAZY_PQ, msg, len) == -1)
		return -1;
	db = calloc(1, sizeof *db);
	g = calloc(1, sizeof *g);
	if (db == NULL || g == NULL) {
		free(db);
		free(g);
		snprintf(msg, len, "out of memory");
		return -1;
	}
	db->pg = g;
	g->conn = PQconnectdb(conninfo);
	if (g->conn == NULL || PQstatus(g->conn) != CONNECTION_OK) {
		snprintf(msg, len, "%s", g->conn != NULL ?
		    PQerrorMessage(g->conn) : "out of memory");
		one_line(msg);
		db_pg_close(db);
		return -1;
	}
	/*
	 * Fixed settings, whatever the server's defaults: UTF-8 text,
	 * UTC, no notices to standard error, standard strings.
	 */
	res = PQexec(g->conn, "SET client_encoding = 'UTF8';"
	    " SET TIME ZONE 'UTC'; SET client_min_messages = warning;"
	    " SET standard_conforming_strings = on");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(msg, len, "%s", PQresultErrorMessage(res));
		one_line(msg);
		PQclear(res);
		db_pg_close(db);
		return -1;
	}
	PQclear(res);
	*out = db;
	return 0;
}

void
db_pg_close(struct db *db)
{
	if (db == NULL)
		return;
	if (db->pg != NULL) {
		if (db->pg->ahead != NULL)
			idle(db);
		if (db->pg->conn != NULL)
			PQfinish(db->pg->conn);
		free(db->pg->errmsg);
		free(db->pg->ahead_err);
		free(db->pg->copybuf);
		free(db->pg);
	}
	free(db);
}

void
db_pg_closing(struct db *db)
{
	db->pg->closing = 1;
}

/* --- text that is not UTF-8 ------------------------------------------ */

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t		 len, i;
	unsigned	 cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 ||
	    cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* 1 when n bytes at s are UTF-8 without an escape of ours, else 0. */
int
db_pg_plain(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_seq(p + i, n - i)) == 0)
			return 0;
		if (k == 3 && p[i] == 0xEF && (p[i + 1] == 0x9E ||
		    p[i + 1] == 0x9F))
			return 0;	/* U+F780..U+F7FF: escaped too */
		i += k;
	}
	return 1;
}

/*
 * n bytes at s as UTF-8 for the server (malloc'd, NUL-terminated, its
 * length in *out_len): each byte that is not part of a valid sequence,
 * and each of our escape characters, as U+F700 + the byte.
 */
char *
db_pg_escape(const char *s, size_t n, size_t *out_len)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*out, *o;
	size_t			 i = 0, k, j;

	if ((out = malloc(n * 3 + 1)) == NULL)
		return NULL;
	o = out;
	while (i < n) {
		k = p[i] < 0x80 ? 1 : utf8_seq(p + i, n - i);
		if (k == 3 && p[i] == 0xEF && (p[i + 1] == 0x9E ||
		    p[i + 1] == 0x9F))
			k = 0;
		if (k > 0) {
			memcpy(o, p + i, k);
			o += k;
			i += k;
			continue;
		}
		/* A byte alone (of an escape character: its three). */
		for (j = 0; j < (p[i] == 0xEF ? 3u : 1u) && i < n; j++, i++) {
			unsigned cp = ESC_BASE | p[i];
			*o++ = (char)(0xE0 | cp >> 12);
			*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
			*o++ = (char)(0x80 | (cp & 0x3F));
		}
	}
	*o = '\0';
	*out_len = (size_t)(o - out);
	return out;
}

/* The escapes of db_pg_escape back to bytes, in place: the new length. */
size_t
db_pg_unescape(char *s, size_t n)
{
	unsigned char	*p = (unsigned char *)s;
	size_t		 i = 0, o = 0;

	while (i < n) {
		if (i + 2 < n && p[i] == 0xEF && (p[i + 1] == 0x9E ||
		    p[i + 1] == 0x9F) && (p[i + 2] & 0xC0) == 0x80) {
			unsigned cp = (unsigned)(p[i] & 0x0F) << 12 |
			    (unsigned)(p[i + 1] & 0x3F) << 6 | (p[i + 2] & 0x3F);
			p[o++] = (unsigned char)(cp & 0xFF);
			i += 3;
		} else
			p[o++] = p[i++];
	}
	p[o] = '\0';
	return o;
}

/* --- translating SQL --------------------------------------------------- */

/*
 * ? and ?N to $N (SQLite's numbering: a bare ? is one more than the
 * largest number so far), skipping quoted text and comments. Returns
 * the new SQL (malloc'd) and the number of parameters, or NULL.
 */
char *
db_pg_translate(const char *sql, int n, int *nparams)
{
	size_t		 len = n < 0 ? strlen(sql) : (size_t)n;
	const char	*p = sql, *e = sql + len;
	char		*out, *o;
	int		 max = 0, v;

	/* Each ? may grow to $NNNNN. */
	out = malloc(len * 6 + 16);
	if (out == NULL)
		return NULL;
	o = out;
	while (p < e && isspace((unsigned char)*p))
		p++;
	if ((size_t)(e - p) >= 15 && strncasecmp(p, "BEGIN IMMEDIATE", 15)
	    == 0) {
		memcpy(o, "BEGIN", 5);
		o += 5;
		p += 15;
	}
	while (p < e) {
		if (*p == '\'' || *p == '"') {
			char q = *p;
			*o++ = *p++;
			while (p < e && *p != q)
				*o++ = *p++;
			if (p < e)
				*o++ = *p++;
		} else if (*p == '-' && p + 1 < e && p[1] == '-') {
			while (p < e && *p != '\n')
				*o++ = *p++;
		} else if (*p == '?') {
			p++;
			if (p < e && isdigit((unsigned char)*p)) {
				v = 0;
				while (p < e && isdigit((unsigned char)*p) &&
				    v < 100000)
					v = v * 10 + (*p++ - '0');
			} else
				v = max + 1;
			if (v > max)
				max = v;
			o += sprintf(o, "$%d", v);
		} else
			*o++ = *p++;
	}
	*o = '\0';
	*nparams = max;
	return out;
}

static int
is_query(const char *sql)
{
	while (isspace((unsigned char)*sql) || *sql == '(')
		sql++;
	return strncasecmp(sql, "SELECT", 6) == 0 ||
	    strncasecmp(sql, "WITH", 4) == 0 ||
	    strncasecmp(sql, "VALUES", 6) == 0;
}

int
pg_prepare(struct db *db, const char *sql, int n, unsigned flags,
    struct db_stmt **out)
{
	struct db_stmt	*st;
	struct pgst	*q;
	int		 np = 0;

	st = calloc(1, sizeof *st);
	q = calloc(1, sizeof *q);
	if (st == NULL || q == NULL)
		goto nomem;
	st->pg = q;
	q->db = db;
	q->sql = db_pg_translate(sql, n, &np);
	if (q->sql == NULL)
		goto nomem;
	q->nparams = np;
	if (np > 0) {
		q->p = calloc((size_t)np, sizeof *q->p);
		q->vals = calloc((size_t)np, sizeof *q->vals);
		q->lens = calloc((size_t)np, sizeof *q->lens);
		q->fmts = calloc((size_t)np, sizeof *q->fmts);
		q->types = calloc((size_t)np, sizeof *q->types);
		q->prep_types = calloc((size_t)np, sizeof *q->prep_types);
		q->inferred = calloc((size_t)np, sizeof *q->inferred);
		if (q->p == NULL || q->vals == NULL || q->lens == NULL ||
		    q->fmts == NULL || q->types == NULL ||
		    q->prep_types == NULL || q->inferred == NULL)
			goto nomem;
	}
	q->persistent = (flags & DB_PREPARE_PERSISTENT) != 0;
	/* Only a query can be a cursor's. */
	q->stream = (flags & DB_PREPARE_STREAM) != 0 && is_query(q->sql);
	q->row = -1;
	*out = st;
	return DB_OK;
nomem:
	if (q != NULL) {
		st->pg = q;
		pg_finalize(q);
	}
	free(st);
	set_err(db, DB_NOMEM, "out of memory");
	return DB_NOMEM;
}

static void
clear_rows(struct pgst *q)
{
	int	i;

	PQclear(q->res);
	q->res = NULL;
	q->row = -1;
	q->nrows = 0;
	for (i = 0; i < q->ndec; i++) {
		free(q->dec[i]);
		q->dec[i] = NULL;
	}
}

/* Run a statement of the connection's own, with no rows. */
static int
simple(struct db *db, const char *sql)
{
	PGresult	*res;
	int		 rc = DB_OK;

	idle(db);
	res = PQexec(db->pg->conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = res_err(db, res);
	PQclear(res);
	ahead_over(db);
	return rc;
}

int
pg_reset(struct pgst *q)
{
	char	sql[32];
	int	rc = DB_OK;

	clear_rows(q);
	idle(q->db);
	PQclear(q->next);
	q->next = NULL;
	q->next_read = 0;
	if (q->cursor_open) {
		q->cursor_open = 0;
		/* Gone already if the transaction ended. */
		if (PQtransactionStatus(q->db->pg->conn) == PQTRANS_INTRANS) {
			snprintf(sql, sizeof sql, "CLOSE %s", q->cursor);
			rc = simple(q->db, sql);
		}
	}
	q->ran = 0;
	q->cursor_done = 0;
	return rc;
}

void
pg_finalize(struct pgst *q)
{
	char	sql[32];
	int	i;

	if (q == NULL)
		return;
	pg_reset(q);
	if (q->name[0] != '\0' && !q->db->pg->closing &&
	    PQstatus(q->db->pg->conn) == CONNECTION_OK &&
	    PQtransactionStatus(q->db->pg->conn) != PQTRANS_INERROR) {
		snprintf(sql, sizeof sql, "DEALLOCATE %s", q->name);
		PQclear(PQexec(q->db->pg->conn, sql));
	}
	for (i = 0; i < q->nparams && q->p != NULL; i++)
		free(q->p[i].own);
	for (i = 0; i < q->ndec; i++)
		free(q->dec[i]);
	free(q->dec);
	free(q->declen);
	free(q->p);
	free(q->vals);
	free(q->lens);
	free(q->fmts);
	free(q->types);
	free(q->prep_types);
	free(q->inferred);
	free(q->sql);
	free(q);
}

int
pg_clear_bindings(struct pgst *q)
{
	int	i;

	for (i = 0; i < q->nparams; i++) {
		q->p[i].val = NULL;
		q->p[i].type = 0;
	}
	return DB_OK;
}

static struct param *
param(struct pgst *q, int i)
{
	if (i < 1 || i > q->nparams)
		return NULL;
	if (q->ran || q->res != NULL)
		pg_reset(q);
	return &q->p[i - 1];
}

int
pg_bind_int64(struct pgst *q, int i, int64_t v)
{
	struct param	*p = param(q, i);

	if (p == NULL)
		return DB_ERROR;
	snprintf(p->num, sizeof p->num, "%lld", (long long)v);
	p->val = p->num;
	p->len = 0;
	p->fmt = 0;
	p->type = OID_INT8;
	return DB_OK;
}

/* Keep a copy of n bytes (and a NUL) in the parameter's own buffer. */
static const char *
keep(struct param *p, const char *v, size_t n)
{
	if (n + 1 > p->owncap) {
		char *o = realloc(p->own, n + 1);
		if (o == NULL)
			return NULL;
		p->own = o;
		p->owncap = n + 1;
	}
	if (n > 0)
		memcpy(p->own, v, n);
	p->own[n] = '\0';
	return p->own;
}

int
pg_bind_text(struct pgst *q, int i, const char *v, int n, void (*d)(void *))
{
	struct param	*p = param(q, i);
	size_t		 len;

	if (p == NULL)
		return DB_ERROR;
	if (v == NULL)
		return pg_bind_null(q, i);
	/* Text parameters end in a NUL: a length means a copy. */
	len = n >= 0 ? (size_t)n : strlen(v);
	if (!db_pg_plain(v, len)) {
		size_t	 elen;
		char	*e = db_pg_escape(v, len, &elen);
		if (e == NULL)
			return DB_NOMEM;
		v = keep(p, e, elen);
		free(e);
		if (v == NULL)
			return DB_NOMEM;
	} else if (n >= 0 || d != DB_STATIC) {
		v = keep(p, v, len);
		if (v == NULL)
			return DB_NOMEM;
	}
	p->val = v;
	p->len = 0;
	p->fmt = 0;
	p->type = OID_TEXT;
	return DB_OK;
}

int
pg_bind_blob(struct pgst *q, int i, const void *v, int n, void (*d)(void *))
{
	struct param	*p = param(q, i);

	if (p == NULL)
		return DB_ERROR;
	if (d != DB_STATIC) {
		v = keep(p, v, (size_t)n);
		if (v == NULL)
			return DB_NOMEM;
	}
	p->val = v != NULL ? v : "";
	p->len = n;
	p->fmt = 1;
	p->type = OID_BYTEA;
	return DB_OK;
}

int
pg_bind_null(struct pgst *q, int i)
{
	struct param	*p = param(q, i);

	if (p == NULL)
		return DB_ERROR;
	p->val = NULL;
	p->type = 0;
	return DB_OK;
}

int
pg_bind_parameter_count(struct pgst *q)
{
	return q->nparams;
}

/* The server could not infer the type of a parameter (infer). */
static int
untyped(PGresult *res)
{
	const char	*state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return state != NULL && (strcmp(state, "42P18") == 0 ||
	    strcmp(state, "42P08") == 0);
}

static void
text_nulls(struct pgst *q)
{
	int	i;

	for (i = 0; i < q->nparams; i++)
		if (q->types[i] == 0)
			q->types[i] = OID_TEXT;
}

/* Prepare on the server (again, if the parameter types changed). */
static int
server_prepare(struct pgst *q)
{
	struct db	*db = q->db;
	PGresult	*res;
	char		*sql = q->sql, *decl = NULL;
	int		 rc = DB_OK;

	idle(db);
	if (q->name[0] != '\0') {
		if (q->nparams == 0 || memcmp(q->types, q->prep_types,
		    (size_t)q->nparams * sizeof *q->types) == 0)
			return DB_OK;
		char dealloc[32];
		snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", q->name);
		PQclear(PQexec(db->pg->conn, dealloc));
		q->name[0] = '\0';
	}
	if (q->stream) {
		decl = malloc(strlen(q->sql) + 64);
		if (decl == NULL)
			return DB_NOMEM;
		sprintf(decl, "DECLARE %s NO SCROLL CURSOR FOR %s", q->cursor,
		    q->sql);
		sql = decl;
	}
	snprintf(q->name, sizeof q->name, "s%u", db->pg->next_name++);
	res = PQprepare(db->pg->conn, q->name, sql, q->nparams,
	    q->nparams > 0 ? q->types : NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = res_err(db, res);
		q->name[0] = '\0';
	} else if (q->nparams > 0)
		memcpy(q->prep_types, q->types,
		    (size_t)q->nparams * sizeof *q->types);
	PQclear(res);
	free(decl);
	return rc;
}

/*
 * A NULL parameter has no type, and the server cannot always infer
 * one ("?1 IS NULL OR domain = ?1", or a ?N the SQL does not use):
 * such a statement is described once, its NULLs given as text where
 * the server infers nothing, and those types kept for its NULLs. An
 * error inside a transaction would end it: a savepoint keeps it.
 */
static int
infer(struct pgst *q)
{
	PGconn		*c = q->db->pg->conn;
	PGresult	*res;
	int		 i, rc = DB_OK, any = 0, tx;

	for (i = 0; i < q->nparams; i++)
		any |= q->types[i] == 0;
	if (!any)
		return DB_OK;
	idle(q->db);
	if (q->inferred[0] == 0) {
		tx = PQtransactionStatus(c) == PQTRANS_INTRANS;
		if (tx && (rc = simple(q->db, "SAVEPOINT dmarcdb_infer")) !=
		    DB_OK)
			return rc;
		res = PQprepare(c, "", q->sql, q->nparams, q->types);
		if (untyped(res)) {
			PQclear(res);
			if (tx && (rc = simple(q->db, "ROLLBACK TO SAVEPOINT"
			    " dmarcdb_infer")) != DB_OK)
				return rc;
			text_nulls(q);
			res = PQprepare(c, "", q->sql, q->nparams, q->types);
		}
		if (PQresultStatus(res) == PGRES_COMMAND_OK) {
			PQclear(res);
			res = PQdescribePrepared(c, "");
		}
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			rc = res_err(q->db, res);
			PQclear(res);
			if (tx)
				simple(q->db, "ROLLBACK TO SAVEPOINT"
				    " dmarcdb_infer");
			return rc;
		}
		for (i = 0; i < q->nparams && i < PQnparams(res); i++)
			q->inferred[i] = PQparamtype(res, i);
		PQclear(res);
		if (tx && (rc = simple(q->db, "RELEASE SAVEPOINT"
		    " dmarcdb_infer")) != DB_OK)
			return rc;
	}
	for (i = 0; i < q->nparams; i++)
		if (q->types[i] == 0)
			q->types[i] = q->inferred[i];
	return DB_OK;
}

/* Send the statement with its parameters: q->res holds the result. */
static int
run(struct pgst *q, int use_cursor)
{
	struct db	*db = q->db;
	PGresult	*res;
	char		*decl = NULL;
	int		 i, st, rc;

	idle(db);
	for (i = 0; i < q->nparams; i++) {
		q->vals[i] = q->p[i].val;
		q->lens[i] = q->p[i].len;
		q->fmts[i] = q->p[i].val != NULL ? q->p[i].fmt : 0;
		q->types[i] = q->p[i].val != NULL ? q->p[i].type : 0;
	}
	if (use_cursor && q->cursor[0] == '\0')
		snprintf(q->cursor, sizeof q->cursor, "c%u",
		    db->pg->next_name++);
	if (q->nparams > 0 && (rc = infer(q)) != DB_OK)
		return rc;
	if (q->persistent && (use_cursor || !q->stream)) {
		/* A streaming statement is prepared as its DECLARE. */
		if ((rc = server_prepare(q)) != DB_OK)
			return rc;
		res = PQexecPrepared(db->pg->conn, q->name, q->nparams,
		    q->vals, q->lens, q->fmts, 0);
	} else {
		const char *sql = q->sql;
		if (use_cursor) {
			decl = malloc(strlen(q->sql) + 64);
			if (decl == NULL)
				return DB_NOMEM;
			sprintf(decl, "DECLARE %s NO SCROLL CURSOR FOR %s",
			    q->cursor, q->sql);
			sql = decl;
		}
		res = PQexecParams(db->pg->conn, sql, q->nparams,
		    q->nparams > 0 ? q->types : NULL, q->vals, q->lens,
		    q->fmts, 0);
		free(decl);
	}
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		rc = res_err(db, res);
		PQclear(res);
		return rc;
	}
	db->pg->changes = atoi(PQcmdTuples(res));
	if (use_cursor) {
		PQclear(res);
		q->cursor_open = 1;
		return DB_OK;
	}
	q->res = res;
	q->nrows = PQntuples(res);
	q->row = -1;
	return DB_OK;
}

/*
 * The cursor's next FETCH, sent now: read by fetch, or by idle when
 * another statement needs the connection first. Not sent if it cannot
 * be (fetch then asks as it did before).
 */
static void
fetch_ahead(struct pgst *q)
{
	struct pgdb	*g = q->db->pg;
	char		 sql[48];

	snprintf(sql, sizeof sql, "FETCH %d FROM %s", FETCH_ROWS, q->cursor);
	if (g->ahead == NULL && PQsendQuery(g->conn, sql) == 1)
		g->ahead = q;
}

static int
fetch(struct pgst *q)
{
	char		 sql[48];
	PGresult	*res;
	int		 rc;

	clear_rows(q);
	if (q->cursor_done)
		return DB_OK;
	if (q->db->pg->ahead == q)
		idle(q->db);
	if (q->next_read) {
		res = q->next;
		q->next = NULL;
		q->next_read = 0;
	} else {
		idle(q->db);
		snprintf(sql, sizeof sql, "FETCH %d FROM %s", FETCH_ROWS,
		    q->cursor);
		res = PQexec(q->db->pg->conn, sql);
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = res_err(q->db, res);
		PQclear(res);
		return rc;
	}
	q->res = res;
	q->nrows = PQntuples(res);
	q->row = -1;
	if (q->nrows < FETCH_ROWS)
		q->cursor_done = 1;
	else
		fetch_ahead(q);
	return DB_OK;
}

static void
new_row(struct pgst *q)
{
	int	i;

	for (i = 0; i < q->ndec; i++) {
		free(q->dec[i]);
		q->dec[i] = NULL;
	}
}

int
pg_step(struct pgst *q)
{
	int	rc;

	if (q->db->pg->copying) {
		set_err(q->db, DB_ERROR, "a statement inside COPY");
		return DB_ERROR;
	}
	if (!q->ran) {
		int cursor;

		idle(q->db);
		cursor = q->stream && PQtransactionStatus(q->db->pg->conn) ==
		    PQTRANS_INTRANS;
		q->ran = 1;
		q->cursor_done = 0;
		if ((rc = run(q, cursor)) != DB_OK) {
			q->ran = 0;
			return rc;
		}
		if (cursor && (rc = fetch(q)) != DB_OK)
			return rc;
	}
	new_row(q);
	if (q->res != NULL && q->row + 1 < q->nrows) {
		q->row++;
		/* What came of the FETCH ahead, out of the server's way. */
		if (q->db->pg->ahead != NULL && q->row % FETCH_DRAIN == 0)
			(void)PQconsumeInput(q->db->pg->conn);
		return DB_ROW;
	}
	if (q->cursor_open && !q->cursor_done) {
		if ((rc = fetch(q)) != DB_OK)
			return rc;
		if (q->row + 1 < q->nrows) {
			q->row++;
			return DB_ROW;
		}
	}
	if (q->res != NULL)
		q->row = q->nrows;
	return DB_DONE;
}

static int
has(struct pgst *q, int i)
{
	return q->res != NULL && q->row >= 0 && q->row < q->nrows && i >= 0 &&
	    i < PQnfields(q->res);
}

int
pg_column_type(struct pgst *q, int i)
{
	if (!has(q, i) || PQgetisnull(q->res, q->row, i))
		return DB_NULL;
	switch (PQftype(q->res, i)) {
	case OID_BOOL:
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID:
		return DB_INTEGER;
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC:
		return DB_FLOAT;
	case OID_BYTEA:
		return DB_BLOB;
	default:
		return DB_TEXT;
	}
}

/* A number's text: NULL for none, a boolean as "1" or "0". */
static const char *
number(struct pgst *q, int i)
{
	const char	*v;

	if (!has(q, i) || PQgetisnull(q->res, q->row, i))
		return NULL;
	v = PQgetvalue(q->res, q->row, i);
	if (PQftype(q->res, i) == OID_BOOL)
		return *v == 't' ? "1" : "0";
	return v;
}

int64_t
pg_column_int64(struct pgst *q, int i)
{
	const char	*v = number(q, i);

	return v != NULL ? strtoll(v, NULL, 10) : 0;
}

double
pg_column_double(struct pgst *q, int i)
{
	const char	*v = number(q, i);

	return v != NULL ? strtod(v, NULL) : 0;
}

/* A bytea or bool column as SQLite would give it, kept until the next row. */
static const char *
decoded(struct pgst *q, int i, size_t *len)
{
	const char	*v = PQgetvalue(q->res, q->row, i);
	unsigned	 t = PQftype(q->res, i);
	int		 n = PQnfields(q->res);

	*len = (size_t)PQgetlength(q->res, q->row, i);
	if (t != OID_BYTEA && t != OID_BOOL && (memchr(v, 0xEF, *len) == NULL ||
	    db_pg_plain(v, *len)))
		return v;
	if (q->ndec < n) {
		char **d = realloc(q->dec, (size_t)n * sizeof *d);
		size_t *l;
		if (d == NULL)
			return NULL;
		q->dec = d;
		l = realloc(q->declen, (size_t)n * sizeof *l);
		if (l == NULL)
			return NULL;
		q->declen = l;
		for (; q->ndec < n; q->ndec++) {
			q->dec[q->ndec] = NULL;
			q->declen[q->ndec] = 0;
		}
	}
	if (q->dec[i] == NULL) {
		if (t != OID_BYTEA && t != OID_BOOL) {
			/* Text with escapes of ours (db_pg_escape). */
			if ((q->dec[i] = malloc(*len + 1)) != NULL) {
				memcpy(q->dec[i], v, *len);
				q->declen[i] = db_pg_unescape(q->dec[i], *len);
			}
		} else if (t == OID_BOOL) {
			q->dec[i] = strdup(*v == 't' ? "1" : "0");
			q->declen[i] = 1;
		} else {
			size_t l = 0;
			unsigned char *b = PQunescapeBytea((const unsigned char *)
			    v, &l);
			if (b == NULL)
				return NULL;
			q->dec[i] = malloc(l + 1);
			if (q->dec[i] != NULL) {
				memcpy(q->dec[i], b, l);
				q->dec[i][l] = '\0';
			}
			PQfreemem(b);
			q->declen[i] = l;
		}
		if (q->dec[i] == NULL)
			return NULL;
	}
	*len = q->declen[i];
	return q->dec[i];
}

const unsigned char *
pg_column_text(struct pgst *q, int i)
{
	size_t	len;

	if (!has(q, i) || PQgetisnull(q->res, q->row, i))
		return NULL;
	return (const unsigned char *)decoded(q, i, &len);
}

const void *
pg_column_blob(struct pgst *q, int i)
{
	size_t	len;

	if (!has(q, i) || PQgetisnull(q->res, q->row, i))
		return NULL;
	return decoded(q, i, &len);
}

int
pg_column_bytes(struct pgst *q, int i)
{
	size_t	len;

	if (!has(q, i) || PQgetisnull(q->res, q->row, i))
		return 0;
	if (decoded(q, i, &len) == NULL)
		return 0;
	return (int)len;
}

/*
 * SQLite's savepoints: one outside a transaction begins one, and its
 * RELEASE commits it. The name of the savepoint SQL names, or NULL.
 */
static const char *
savepoint(const char *sql, const char *verb, char *name, size_t len)
{
	size_t	n = strlen(verb), k;

	while (isspace((unsigned char)*sql))
		sql++;
	if (strncasecmp(sql, verb, n) != 0 || !isspace((unsigned char)sql[n]))
		return NULL;
	sql += n;
	while (isspace((unsigned char)*sql))
		sql++;
	if (strncasecmp(sql, "SAVEPOINT", 9) == 0 &&
	    isspace((unsigned char)sql[9]))
		for (sql += 9; isspace((unsigned char)*sql); sql++)
			;
	k = strcspn(sql, " \t\n;");
	if (k == 0 || k >= len || sql[k + strspn(sql + k, " \t\n;")] != '\0')
		return NULL;
	memcpy(name, sql, k);
	name[k] = '\0';
	return name;
}

int
pg_exec(struct db *db, const char *sql, char **msg)
{
	struct pgdb	*g = db->pg;
	PGresult	*res;
	char		*t, name[32];
	int		 np, rc = DB_OK, st;

	if (msg != NULL)
		*msg = NULL;
	idle(db);
	if (savepoint(sql, "SAVEPOINT", name, sizeof name) != NULL &&
	    PQtransactionStatus(g->conn) == PQTRANS_IDLE) {
		if ((rc = pg_exec(db, "BEGIN", msg)) != DB_OK)
			return rc;
		memcpy(g->outer, name, sizeof g->outer);
	} else if (g->outer[0] != '\0' && savepoint(sql, "RELEASE", name,
	    sizeof name) != NULL && strcmp(name, g->outer) == 0) {
		g->outer[0] = '\0';
		if ((rc = pg_exec(db, sql, msg)) != DB_OK)
			return rc;
		return pg_exec(db, "COMMIT", msg);
	}
	t = db_pg_translate(sql, -1, &np);
	if (t == NULL) {
		set_err(db, DB_NOMEM, "out of memory");
		return DB_NOMEM;
	}
	res = PQexec(db->pg->conn, t);
	free(t);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		rc = res_err(db, res);
		if (msg != NULL)
			*msg = sqlite3_mprintf("%s", db->pg->errmsg);
	} else
		db->pg->changes = atoi(PQcmdTuples(res));
	PQclear(res);
	ahead_over(db);
	return rc;
}

const char *
pg_errmsg(struct db *db)
{
	return db->pg->errmsg != NULL ? db->pg->errmsg : "not an error";
}

int
pg_errcode(struct db *db)
{
	return db->pg->errcode;
}

int
pg_changes(struct db *db)
{
	return db->pg->changes;
}

int
pg_autocommit(struct db *db)
{
	idle(db);
	return PQtransactionStatus(db->pg->conn) == PQTRANS_IDLE;
}

/* --- COPY --------------------------------------------------------------- */

int
db_pg_copy_begin(struct db *db, const char *sql)
{
	PGresult	*res;
	int		 rc = DB_OK;

	idle(db);
	res = PQexec(db->pg->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN)
		rc = res_err(db, res);
	else {
		db->pg->copying = 1;
		db->pg->copylen = 0;
		db->pg->copyfields = 0;
		db->pg->copyerr = DB_OK;
	}
	PQclear(res);
	return rc;
}

/* Add to the rows being built; the first failure sticks (copyerr). */
static int
copy_add(struct pgdb *g, const char *p, size_t n)
{
	if (g->copyerr != DB_OK)
		return g->copyerr;
	if (g->copylen + n + 1 > g->copycap) {
		size_t cap = g->copycap ? g->copycap : 4096;
		char *b;
		while (cap < g->copylen + n + 1)
			cap *= 2;
		if ((b = realloc(g->copybuf, cap)) == NULL)
			return g->copyerr = DB_NOMEM;
		g->copybuf = b;
		g->copycap = cap;
	}
	memcpy(g->copybuf + g->copylen, p, n);
	g->copylen += n;
	return DB_OK;
}

/* Before a field: a tab, unless it is the row's first. */
static int
copy_sep(struct pgdb *g)
{
	if (g->copyfields++ > 0)
		return copy_add(g, "\t", 1);
	return g->copyerr;
}

/* A field in COPY's text format: backslash, tab, newline escaped. */
int
db_pg_copy_text(struct db *db, const char *v, size_t n)
{
	struct pgdb	*g = db->pg;
	size_t		 i, from = 0;
	char		 esc[2] = { '\\', 0 };

	if (v == NULL)
		return db_pg_copy_null(db);
	if (!db_pg_plain(v, n)) {
		size_t	 elen;
		char	*e = db_pg_escape(v, n, &elen);
		if (e == NULL)
			return g->copyerr = DB_NOMEM;
		db_pg_copy_text(db, e, elen);
		free(e);
		return g->copyerr;
	}
	copy_sep(g);
	for (i = 0; i < n; i++) {
		char c = v[i];
		if (c != '\\' && c != '\t' && c != '\n' && c != '\r')
			continue;
		copy_add(g, v + from, i - from);
		esc[1] = c == '\\' ? '\\' : c == '\t' ? 't' : c == '\n' ? 'n' :
		    'r';
		copy_add(g, esc, 2);
		from = i + 1;
	}
	return copy_add(g, v + from, n - from);
}

int
db_pg_copy_str(struct db *db, const char *v)
{
	return db_pg_copy_text(db, v, v != NULL ? strlen(v) : 0);
}

int
db_pg_copy_int(struct db *db, int64_t v)
{
	char	num[24];
	int	n = snprintf(num, sizeof num, "%lld", (long long)v);

	copy_sep(db->pg);
	return copy_add(db->pg, num, (size_t)n);
}

int
db_pg_copy_null(struct db *db)
{
	copy_sep(db->pg);
	return copy_add(db->pg, "\\N", 2);
}

int
db_pg_copy_row(struct db *db)
{
	struct pgdb	*g = db->pg;

	g->copyfields = 0;
	if (copy_add(g, "\n", 1) != DB_OK)
		return g->copyerr;
	/* Send in pieces of about 64 KiB. */
	if (g->copylen >= 65536) {
		if (PQputCopyData(g->conn, g->copybuf, (int)g->copylen) != 1)
			return g->copyerr = res_err(db, NULL);
		g->copylen = 0;
	}
	return DB_OK;
}

int
db_pg_copy_end(struct db *db)
{
	struct pgdb	*g = db->pg;
	PGresult	*res;
	int		 rc = g->copyerr;

	if (!g->copying)
		return DB_OK;
	g->copying = 0;
	/* After a failure the COPY is cancelled: none of its rows stay. */
	if (rc == DB_OK && g->copylen > 0 && PQputCopyData(g->conn,
	    g->copybuf, (int)g->copylen) != 1)
		rc = res_err(db, NULL);
	g->copylen = 0;
	if (PQputCopyEnd(g->conn, rc == DB_OK ? NULL :
	    "dmarcdb: the rows could not be written") != 1 && rc == DB_OK)
		rc = res_err(db, NULL);
	while ((res = PQgetResult(g->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == DB_OK)
			rc = res_err(db, res);
		else if (rc == DB_OK)
			g->changes = atoi(PQcmdTuples(res));
		PQclear(res);
	}
	if (g->copyerr == DB_NOMEM)
		set_err(db, DB_NOMEM, "out of memory");
	return rc;
}
