/*
 * store-pg.h: the store's own ways on PostgreSQL (store-pg.c), for
 * store.c. Not for other modules.
 */
#ifndef DR_STORE_PG_H
#define DR_STORE_PG_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "error.h"
#include "report.h"

/* 1 when a --db names a PostgreSQL database (a postgresql:// URI). */
int	 store_pg_name(const char *);

/*
 * Connect, and bring the schema up to date (store_open's flags, and its
 * errors). *name: the database for messages, without the password
 * (malloc'd, set whatever the outcome unless out of memory). *readonly:
 * whether this user may write it. 0, or -1 with err set (and *out, if
 * set, to be closed).
 */
int	 store_pg_open(const char *, int, struct db **, char **, int *,
	    struct dr_error *);
/* n new row ids from a sequence into ids. 0, or -1 with err set. */
int	 store_pg_ids(struct db *, const char *, const char *, int, int64_t *,
	    struct dr_error *);
/*
 * A policy domain's lock, held until the transaction ends: one ingest
 * at a time decides whether a report of the domain is new. With wait,
 * waits for it; else only takes it if free. With id, a report's id from
 * its sequence as well, once taken (a round trip a report less). 1 if
 * taken, 0 if another holds it, -1 with err set.
 */
int	 store_pg_domain_lock(struct db *, const char *, const char *, int,
	    int64_t *, struct dr_error *);
/*
 * Write n records (with their ids and signatures) of a report of a
 * domain, with their DKIM and SPF results, reasons and warnings, by
 * COPY. 0, or -1 with err set.
 */
int	 store_pg_records(struct db *, const char *, const char *, int64_t,
	    const struct dr_record *const *, const int64_t *, const int64_t *,
	    int, struct dr_error *);
/*
 * A report's final header names another policy domain than its start
 * did (<policy_published> after the records): its rows move to it,
 * under its lock. 0, or -1 with err set.
 */
int	 store_pg_redomain(struct db *, const char *, int64_t, const char *,
	    const char *, struct dr_error *);
/*
 * store_lock's advisory lock (named), for the session, taken if free:
 * 1, 0 if another holds it, -1 with err set.
 */
int	 store_pg_trylock(struct db *, const char *, const char *,
	    struct dr_error *);
/* A piece of a rejected input's kept bytes; whether it has any. */
int	 store_pg_piece(struct db *, const char *, int64_t, int64_t,
	    const void *, size_t, struct dr_error *);
int	 store_pg_has_raw(struct db *, const char *, int64_t,
	    struct dr_error *);

#endif
