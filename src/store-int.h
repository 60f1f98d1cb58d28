/*
 * store-int.h: what the parts of the store share (store.c, the tables
 * and statements; store-sum.c, the summary tables kept by ingest;
 * store-query.c, what the report commands read). Not for other modules.
 */
#ifndef DR_STORE_INT_H
#define DR_STORE_INT_H

#include <stdint.h>

#include "db.h"

#include "buf.h"
#include "error.h"
#include "report.h"

struct store;

/* The connection (db.h), for the other parts of the store. */
struct db *store_conn(struct store *);
/* The ingest run that new rows belong to (store_provenance's, or own). */
int64_t	 store_run_id(const struct store *);

/*
 * The ingest run, the time of ingest and the mail message (ids of this
 * store) that the next reports are stored with (store-copy.c: as they
 * were in the store copied); 0 for each: as an ingest's own (its run,
 * now, the open mail message or none).
 */
void	 store_provenance(struct store *, int64_t, int64_t, int64_t);
/*
 * Begin a batch, as store_report_begin does, for writes of the store's
 * other parts that store_commit commits with it. 0, or -1 with err.
 */
int	 store_batch_begin(struct store *, struct dr_error *);
/*
 * The open batch wrote a row that another ingest may wait for (a key of
 * its own, on PostgreSQL): as with a domain's lock (lock_domain), it is
 * committed before the next report waits for a domain's lock.
 */
void	 store_locks(struct store *);
/* Roll back the open batch, with the report or rejected input open. */
void	 store_batch_abort(struct store *);

/* Statements of store-query.c kept for the life of the store. */
struct store_q {
	struct db_stmt	*sig, *sigs;
	/* SQLite, a connection that cannot write: sum_fold's. */
	struct merged	*merged;
	/* store-ptr.c: the reverse DNS cache, prepared when first used. */
	struct db_stmt	*ptr_get, *ptr_put;
	/* store-alert.c: the alerts sent, prepared when first used. */
	struct db_stmt	*alert_known, *alert_sent, *alert_seen;
	/* store-input.c: the files read before, prepared when first used. */
	struct db_stmt	*file_known, *file_put;
};
struct store_q *store_queries(struct store *);
/*
 * Prepare sql into *st once, kept for the life of the store (a no-op
 * when *st is set). 0, or -1 with err naming what (a "preparing to ...").
 */
int	 store_q_prepare(struct store *, struct db_stmt **, const char *,
	    const char *, struct dr_error *);

/*
 * Room for item n of a growable array (*arr, *cap items of size bytes),
 * doubling it when full. NULL when out of memory.
 */
void	*store_more(void *, size_t *, size_t, size_t);

/*
 * n ids as a PostgreSQL array's text, "{1,2,3}", into b: each id stride
 * bytes after the one before. 0, or -1 (memory).
 */
int	 store_ids(struct buf *, const int64_t *, size_t, size_t);

/* Split space-separated words into an arena array. 0, or -1 (memory). */
int	 store_split(struct arena *, const char *, const char ***, size_t *);

/* Fill err from SQLite's last error on db, with a hint. Returns -1. */
int	 store_db_err(struct db *, const char *, struct dr_error *,
	    const char *);

/*
 * A savepoint's journal stays in memory up to this many bytes, beyond
 * in a temporary file (store-vfs.c). store_vfs_init, in store_init
 * before any other SQLite call: SQLite initialised with it, and its
 * default VFS dmarcdb's. 0, or -1.
 */
#define STORE_SUBJOURNAL_MEMORY	(4 << 20)
int	 store_vfs_init(void);

/*
 * The database file (store-file.c), around sqlite3_open_v2 in
 * store_open. dbfile_prepare, before: with STORE_CREATE, a missing
 * database is created (mode 0640, whatever the umask); otherwise one
 * that does not exist is "no such database: PATH". dbfile_opened,
 * after: *readonly says whether the connection is read-only (and an
 * ingest that cannot write, or a reader that would make SQLite create
 * the -wal and -shm files, is an error); a read-write connection keeps
 * those files when it closes. Both return 0, or -1 with err set. Names
 * SQLite reads otherwise (":memory:", "file:" URIs, "") are left to it.
 */
int	 dbfile_prepare(const char *, int, struct dr_error *);
/*
 * store_lock on SQLite: the file PATH-NAME.lock (its path into path, of
 * len bytes), opened (0 with *fd, or -1 with err set); and taken
 * (flock) if free: 1, 0 if another holds it, -1 with err set.
 */
int	 dbfile_lock_open(const char *, const char *, char *, size_t, int *,
	    struct dr_error *);
int	 dbfile_trylock(int, const char *, struct dr_error *);
int	 dbfile_opened(struct db *, const char *, int, int *,
	    struct dr_error *);

/*
 * The summary (schema/003-sources.sql, 005-record-sigs.sql): kept in
 * step with the reports, inside their savepoints. The signatures are
 * looked up and added through sigdb: the same connection, or (NULL
 * for none) on PostgreSQL one of their own, the new ones of a flush of
 * records added in one short transaction, in the order of their keys,
 * so that ingests that add the same ones at once wait for each other
 * only that long (and never both for the other: a signature is
 * content, the same whoever adds it, and one added for a report rolled
 * back does no harm). NULL from sum_new
 * when out of memory or if a statement cannot be prepared (err set).
 */
struct store_sum;
struct store_sum *sum_new(struct db *, struct db *, const char *,
	    struct dr_error *);
void	 sum_free(struct store_sum *);

/* A report begins; the header is what the parser knew at its start. */
void	 sum_begin(struct store_sum *, const struct dr_report *);
/*
 * The signature id of one of its records. On PostgreSQL a new one is
 * added with the others of the records about to be written, in one
 * statement (a statement each, a report of a million new ones took 198
 * s): its id is a negative number standing for it until sum_resolve. 0,
 * or -1 with err set.
 */
int	 sum_record(struct store_sum *, const struct dr_record *, int64_t *,
	    struct dr_error *);
/*
 * The ids that the negative numbers among the n ids stand for, before
 * their records are written. 0, or -1 with err set.
 */
int	 sum_resolve(struct store_sum *, int64_t *, size_t,
	    struct dr_error *);
/*
 * The report is stored as report_id with its final header: its records
 * (all written) are signed again if its alignment modes changed, and
 * its day is noted if it is active.
 */
int	 sum_end(struct store_sum *, const struct dr_report *, int64_t, int,
	    struct dr_error *);
/* The report was rolled back. */
void	 sum_abort(struct store_sum *);
/* A transaction was rolled back: forget what may not be there. */
void	 sum_rollback(struct store_sum *);
/* One was committed: what others may change from now on is forgotten. */
void	 sum_committed(struct store_sum *);
/*
 * Fill in the days and signatures of the rows stored before schema 005
 * (the database's schema version was the int).
 */
int	 sum_upgrade(struct store_sum *, int, struct dr_error *);
/*
 * Sign again the records of the reports that have a local_policy reason
 * with a comment (schema 012: TALLY_LOCAL_FWD).
 */
int	 sum_resign_local(struct store_sum *, struct dr_error *);
/* Bring the sources table up to date with the days noted. */
int	 sum_merge(struct store_sum *, struct dr_error *);
/* The records of the days noted, which sum_merge would read: 0 or -1. */
int	 sum_pending(struct store_sum *, int64_t *, struct dr_error *);
/*
 * The same for a connection that cannot write, in memory: the sources
 * of the days noted for a domain, each with its first day, into
 * temp.sources_fold (which store_firsts reads beside sources), once per
 * connection; on SQLite sorted as the merge is (merged: the
 * connection's, merge_register). Returns 1 when the domain has days
 * noted, 0 when it has none, -1 with err set.
 */
int	 sum_fold(struct db *, struct merged *, const char *, const char *,
	    struct dr_error *);

/*
 * The merge of a domain's noted days into sources on SQLite, sorted by
 * rsort (store-merge.c): merge_register makes the virtual table it
 * reads them through on a connection, once (NULL on failure; the
 * connection frees it); merge_noted merges in the caller's transaction,
 * or if fold is set, puts each source's first day into
 * temp.sources_fold as sum_fold says: 0, or -1 with err set.
 */
struct merged;
struct merged	*merge_register(struct db *);
int	 merge_noted(struct db *, struct merged *, const char *,
	    const char *, int, struct dr_error *);

/*
 * The memory of the report commands' sorts (DMARCDB_SORT_MEMORY, in
 * MiB): 0, or -1 with err set when the variable is not a number of MiB
 * from 1 to 2048.
 */
int	 store_sort_memory(size_t *, struct dr_error *);
/*
 * A sort failed (errno): ENOMEM, or its temporary file ("PATH: WHAT:
 * sorting in a temporary file: ..."). -1, err set.
 */
int	 store_sort_err(const char *, const char *, struct dr_error *);
/*
 * -v: "DOMAIN: N records DONE through a temporary file of K KiB", if
 * the sort went through its file.
 */
struct rsort;
/* -v: n sorts' records went through a file (mem: their memory). */
void	 store_sort_note(struct rsort *const *, size_t, const char *,
	    const char *, size_t);

/*
 * store_days on PostgreSQL (store-days.c): the window's records (as
 * many as its reports count) read
 * unsorted and sorted in memory, if they fit in mem bytes (a sort of
 * records joined on the server, rsort's, is slower). Each goes to cb
 * as store_days gives it, except that its senders are not matched:
 * cb gets the signature's passing results (auth_sigs.passes, NULL when
 * it has none or if want_passes is 0) and their length; a non-zero return stops it (-1: an error, with err
 * set). Returns 0, -1 with err set, or 1 when the window would take
 * too much memory (then before cb was called).
 */
struct store_day;
int	 days_sorted(struct store *, const char *, int64_t, int64_t, int64_t,
	    size_t, int, int (*)(void *, const struct store_day *,
	    const char *, size_t), void *, struct dr_error *);

/*
 * Reading records back with their DKIM and SPF results and reasons
 * (store-walk.c). The caller's statement yields records in id order,
 * their columns being: id, source_ip, count, disposition, dkim, spf,
 * header_from. walk_begin starts the child tables at the range of ids
 * the records lie in; walk_record fills rec from the current row (its
 * memory lasts until the next call).
 */
struct walk {
	struct db	*db;
	const char		*path;
	struct db_stmt		*kid[3];
	struct db_stmt		*range;
	int			 krc[3];
	struct arena		 mem;
	struct dr_dkim		*dk;
	struct dr_spf		*sp;
	struct dr_reason	*re;
	size_t			 capdk, capsp, capre;
	int			 nomem;
	int			 full;
};
int	 walk_init(struct walk *, struct db *, const char *, struct dr_error *);
/* The same, with every column of the results (human_result...). */
int	 walk_init_full(struct walk *, struct db *, const char *,
	    struct dr_error *);
void	 walk_free(struct walk *);
/*
 * The ids of a report's records, lowest and highest (they are
 * consecutive): 1, or 0 if it has none, or -1 with err set.
 */
int	 walk_ids(struct walk *, int64_t, int64_t *, int64_t *,
	    struct dr_error *);
int	 walk_begin(struct walk *, int64_t, int64_t, struct dr_error *);
int	 walk_record(struct walk *, struct db_stmt *, struct dr_record *,
	    int64_t *, struct dr_error *);
void	 walk_end(struct walk *);
/* A column copied into the walk's memory (for more columns). */
const char *walk_col(struct walk *, struct db_stmt *, int);

#endif
