/*
 * lazy.c: libcurl and libpq, loaded the first time they are needed
 * (lazy.h).
 *
 * Each function of theirs that dmarcdb calls is defined here under its
 * own name (the headers' declarations) and calls the library's, found
 * with dlsym when the library is opened: the first call opens it,
 * under a pthread_once, so that any thread may be first. The
 * executable exports none of these names, so the library's calls to
 * its own functions stay its own.
 *
 * A library that cannot be opened (not installed) makes its functions
 * fail the way the library's own fail when they cannot work: NULL
 * where an object is made, CURLE_FAILED_INIT, a connection whose
 * status is CONNECTION_BAD and whose error message says why.
 */
#include "config.h"

/* curl_easy_setopt is a macro that checks types, unless this. */
#define CURL_DISABLE_TYPECHECK

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "lazy.h"

/*
 * The functions: X(library, return type, name, (parameters),
 * (arguments), what it returns when the library cannot be opened);
 * V(...) for those that return nothing.
 */
#define LAZY_FUNCS(X, V)						\
	X(LAZY_CURL, CURL *, curl_easy_init, (void), (), NULL)		\
	V(LAZY_CURL, curl_easy_cleanup, (CURL *c), (c))			\
	X(LAZY_CURL, CURLcode, curl_easy_perform, (CURL *c), (c),	\
	    CURLE_FAILED_INIT)						\
	X(LAZY_CURL, char *, curl_easy_escape, (CURL *c, const char *s,	\
	    int n), (c, s, n), NULL)					\
	V(LAZY_CURL, curl_free, (void *p), (p))				\
	X(LAZY_CURL, CURLU *, curl_url, (void), (), NULL)		\
	V(LAZY_CURL, curl_url_cleanup, (CURLU *u), (u))			\
	X(LAZY_CURL, CURLUcode, curl_url_get, (CURLU *u, CURLUPart w,	\
	    char **p, unsigned int f), (u, w, p, f), CURLUE_BAD_HANDLE)	\
	X(LAZY_CURL, CURLUcode, curl_url_set, (CURLU *u, CURLUPart w,	\
	    const char *p, unsigned int f), (u, w, p, f),		\
	    CURLUE_BAD_HANDLE)						\
	X(LAZY_CURL, struct curl_slist *, curl_slist_append,		\
	    (struct curl_slist *l, const char *s), (l, s), NULL)	\
	V(LAZY_CURL, curl_slist_free_all, (struct curl_slist *l), (l))	\
	X(LAZY_PQ, PGconn *, PQconnectdb, (const char *s), (s), NULL)	\
	V(LAZY_PQ, PQfinish, (PGconn *c), (c))				\
	X(LAZY_PQ, ConnStatusType, PQstatus, (const PGconn *c), (c),	\
	    CONNECTION_BAD)						\
	X(LAZY_PQ, PGTransactionStatusType, PQtransactionStatus,	\
	    (const PGconn *c), (c), PQTRANS_UNKNOWN)			\
	X(LAZY_PQ, PGresult *, PQexec, (PGconn *c, const char *q),	\
	    (c, q), NULL)						\
	X(LAZY_PQ, PGresult *, PQprepare, (PGconn *c, const char *n,	\
	    const char *q, int np, const Oid *t), (c, n, q, np, t), NULL) \
	X(LAZY_PQ, PGresult *, PQexecPrepared, (PGconn *c,		\
	    const char *n, int np, const char *const *v, const int *l,	\
	    const int *f, int rf), (c, n, np, v, l, f, rf), NULL)	\
	X(LAZY_PQ, PGresult *, PQexecParams, (PGconn *c, const char *q,	\
	    int np, const Oid *t, const char *const *v, const int *l,	\
	    const int *f, int rf), (c, q, np, t, v, l, f, rf), NULL)	\
	X(LAZY_PQ, PGresult *, PQdescribePrepared, (PGconn *c,		\
	    const char *n), (c, n), NULL)				\
	X(LAZY_PQ, PGresult *, PQgetResult, (PGconn *c), (c), NULL)	\
	X(LAZY_PQ, int, PQputCopyData, (PGconn *c, const char *b,	\
	    int n), (c, b, n), -1)					\
	X(LAZY_PQ, int, PQputCopyEnd, (PGconn *c, const char *e),	\
	    (c, e), -1)							\
	V(LAZY_PQ, PQclear, (PGresult *r), (r))				\
	X(LAZY_PQ, ExecStatusType, PQresultStatus, (const PGresult *r),	\
	    (r), PGRES_FATAL_ERROR)					\
	X(LAZY_PQ, char *, PQresultErrorMessage, (const PGresult *r),	\
	    (r), NULL)							\
	X(LAZY_PQ, char *, PQresultErrorField, (const PGresult *r,	\
	    int f), (r, f), NULL)					\
	X(LAZY_PQ, char *, PQcmdTuples, (PGresult *r), (r), NULL)	\
	X(LAZY_PQ, int, PQntuples, (const PGresult *r), (r), 0)		\
	X(LAZY_PQ, int, PQnfields, (const PGresult *r), (r), 0)		\
	X(LAZY_PQ, Oid, PQftype, (const PGresult *r, int i), (r, i), 0) \
	X(LAZY_PQ, int, PQnparams, (const PGresult *r), (r), 0)		\
	X(LAZY_PQ, Oid, PQparamtype, (const PGresult *r, int i), (r, i), \
	    0)								\
	X(LAZY_PQ, char *, PQgetvalue, (const PGresult *r, int t,	\
	    int f), (r, t, f), NULL)					\
	X(LAZY_PQ, int, PQgetlength, (const PGresult *r, int t, int f),	\
	    (r, t, f), 0)						\
	X(LAZY_PQ, int, PQgetisnull, (const PGresult *r, int t, int f),	\
	    (r, t, f), 1)						\
	X(LAZY_PQ, unsigned char *, PQunescapeBytea,			\
	    (const unsigned char *s, size_t *n), (s, n), NULL)		\
	V(LAZY_PQ, PQfreemem, (void *p), (p))

/* The functions found, by name. */
#define FIELD_X(lib, ret, name, params, args, fail)			\
	ret (*name) params;
#define FIELD_V(lib, name, params, args)				\
	void (*name) params;
static struct {
	LAZY_FUNCS(FIELD_X, FIELD_V)
	/* The two variadic ones, by hand. */
	CURLcode (*curl_easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*curl_easy_getinfo)(CURL *, CURLINFO, ...);
	/* And what the messages need when there is no library. */
	const char *(*curl_easy_strerror)(CURLcode);
	char *(*PQerrorMessage)(const PGconn *);
} fn;

static const struct sym {
	enum lazy_lib	 lib;
	const char	*name;
	size_t		 off;	/* in fn */
} syms[] = {
#define SYM_X(lib, ret, name, params, args, fail)			\
	{ lib, #name, offsetof(__typeof__(fn), name) },
#define SYM_V(lib, name, params, args)					\
	{ lib, #name, offsetof(__typeof__(fn), name) },
	LAZY_FUNCS(SYM_X, SYM_V)
	{ LAZY_CURL, "curl_easy_setopt", offsetof(__typeof__(fn),
	    curl_easy_setopt) },
	{ LAZY_CURL, "curl_easy_getinfo", offsetof(__typeof__(fn),
	    curl_easy_getinfo) },
	{ LAZY_CURL, "curl_easy_strerror", offsetof(__typeof__(fn),
	    curl_easy_strerror) },
	{ LAZY_PQ, "PQerrorMessage", offsetof(__typeof__(fn),
	    PQerrorMessage) },
};

static const char *const sonames[] = {
	[LAZY_CURL] = LIBCURL_SONAME,
	[LAZY_PQ] = LIBPQ_SONAME,
};

/* Each library's state: opened, or why not ("" until tried). */
static struct lib {
	pthread_once_t	 once;
	int		 ok;
	char		 why[256];
} libs[] = {
	[LAZY_CURL] = { PTHREAD_ONCE_INIT, 0, "" },
	[LAZY_PQ] = { PTHREAD_ONCE_INIT, 0, "" },
};

static void
open_lib(enum lazy_lib l)
{
	void	*h, *p;
	size_t	 i;

	/* (Never closed: its functions are called to the end.) */
	if ((h = dlopen(sonames[l], RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(libs[l].why, sizeof libs[l].why, "%s", dlerror());
		return;
	}
	/*
	 * libcurl's global state, made here, once, whatever thread comes
	 * first (thread-safe since libcurl 7.84: configure.ac).
	 */
	if (l == LAZY_CURL) {
		CURLcode (*init)(long) = NULL;
		if ((p = dlsym(h, "curl_global_init")) != NULL)
			memcpy(&init, &p, sizeof p);
		if (init == NULL || init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(libs[l].why, sizeof libs[l].why, "%s: "
			    "curl_global_init failed", sonames[l]);
			return;
		}
	}
	for (i = 0; i < sizeof syms / sizeof syms[0]; i++) {
		if (syms[i].lib != l)
			continue;
		if ((p = dlsym(h, syms[i].name)) == NULL) {
			snprintf(libs[l].why, sizeof libs[l].why, "%s: no %s "
			    "(too old?)", sonames[l], syms[i].name);
			return;
		}
		memcpy((char *)&fn + syms[i].off, &p, sizeof p);
	}
	libs[l].ok = 1;
}

static void open_curl(void) { open_lib(LAZY_CURL); }
static void open_pq(void) { open_lib(LAZY_PQ); }

/* 1 when the library is open (opened now if need be), else 0. */
static int
need(enum lazy_lib l)
{
	pthread_once(&libs[l].once, l == LAZY_CURL ? open_curl : open_pq);
	return libs[l].ok;
}

int
lazy_load(enum lazy_lib l, char *why, size_t len)
{
	if (need(l))
		return 0;
	snprintf(why, len, "cannot load %s: %s", sonames[l], libs[l].why);
	return -1;
}

/* The functions themselves. */
#define DEF_X(lib, ret, name, params, args, fail)			\
	ret								\
	name params							\
	{								\
		return need(lib) ? fn.name args : fail;			\
	}
#define DEF_V(lib, name, params, args)					\
	void								\
	name params							\
	{								\
		if (need(lib))						\
			fn.name args;					\
	}
LAZY_FUNCS(DEF_X, DEF_V)

/*
 * curl_easy_setopt's one argument after the option is of the type its
 * number says (curl.h: CURLOPTTYPE_*), curl_easy_getinfo's a pointer.
 */
CURLcode
curl_easy_setopt(CURL *c, CURLoption o, ...)
{
	va_list		ap;
	CURLcode	rc;

	if (!need(LAZY_CURL))
		return CURLE_FAILED_INIT;
	va_start(ap, o);
	if (o < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.curl_easy_setopt(c, o, va_arg(ap, long));
	else if (o < CURLOPTTYPE_FUNCTIONPOINT)
		rc = fn.curl_easy_setopt(c, o, va_arg(ap, void *));
	else if (o < CURLOPTTYPE_OFF_T)
		rc = fn.curl_easy_setopt(c, o, va_arg(ap, void (*)(void)));
#ifdef CURLOPTTYPE_BLOB
	else if (o < CURLOPTTYPE_BLOB)
		rc = fn.curl_easy_setopt(c, o, va_arg(ap, curl_off_t));
	else
		rc = fn.curl_easy_setopt(c, o, va_arg(ap, void *));
#else
	else
		rc = fn.curl_easy_setopt(c, o, va_arg(ap, curl_off_t));
#endif
	va_end(ap);
	return rc;
}

CURLcode
curl_easy_getinfo(CURL *c, CURLINFO i, ...)
{
	va_list		ap;
	CURLcode	rc;

	if (!need(LAZY_CURL))
		return CURLE_FAILED_INIT;
	va_start(ap, i);
	rc = fn.curl_easy_getinfo(c, i, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

const char *
curl_easy_strerror(CURLcode rc)
{
	return need(LAZY_CURL) ? fn.curl_easy_strerror(rc) :
	    libs[LAZY_CURL].why;
}

char *
PQerrorMessage(const PGconn *c)
{
	static char	msg[300];

	if (need(LAZY_PQ))
		return fn.PQerrorMessage(c);
	snprintf(msg, sizeof msg, "cannot load %s: %s", LIBPQ_SONAME,
	    libs[LAZY_PQ].why);
	return msg;
}
