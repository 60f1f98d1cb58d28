/*
 * store.h: the database: schema, migrations and every statement. It is
 * SQLite's file, or a PostgreSQL database (a postgresql:// URI) when
 * store_open is given one; the callers do not know which (db.h).
 *
 * One nested transaction (a savepoint) per report: store_report_begin
 * opens it, records are added with store_record, and store_report_end
 * decides whether the report is new, a duplicate, or a re-sent version
 * of a stored one (dmarcdb(1), DEDUPLICATION) and releases it.
 * store_report_abort rolls it back, leaving no row behind. Reports and
 * rejected inputs are committed in batches: store_commit commits what
 * is done so far; store_close commits too.
 */
#ifndef DR_STORE_H
#define DR_STORE_H

#include <stdint.h>

#include "buf.h"
#include "conf.h"
#include "error.h"
#include "report.h"
#include "sha256.h"
#include "tally.h"

struct store;

/*
 * Open and migrate. busy_ms: how long to wait for another process's
 * lock. flags:
 * - STORE_CREATE: create the database when there is none (ingest), with
 *   mode 0640 whatever the umask; it must be writable.
 * - STORE_READER: read-only, for lookups from a second thread; the
 *   schema must be current.
 * - neither: the database must exist (else "no such database: PATH",
 *   DR_E_DB). It is opened read-write when this user can write it, else
 *   read-only (store_readonly), and then nothing is written to it: the
 *   sources are brought up to date in memory (store_firsts_open), the
 *   reverse DNS cache, the alerts and the configuration mirror are not
 *   written, and a schema older than this dmarcdb's is an error that
 *   says who can update it (dmarcdb(1), SHARED DATABASE).
 * Every read-write connection leaves the -wal and -shm files in place
 * when it closes (SQLITE_FCNTL_PERSIST_WAL), so that users who may read
 * the database but not write its directory can read it.
 */
#define STORE_READER	0x1
#define STORE_CREATE	0x2
int	 store_open(const char *, int, int, struct store **,
	    struct dr_error *);
/*
 * store_open in a thread of its own, which also reads the schema, for a
 * connection that will be needed soon but is not yet: an MTA's delivery
 * opens its lookup connection while it writes its run's row (issue 18).
 * store_open_bg returns NULL when it cannot start the thread (the
 * caller opens the store when it needs it). store_open_wait waits for
 * it and returns what store_open did (the store in *sp, or -1 and err);
 * it frees op. With op NULL it returns 0 and *sp NULL. store_open_drop
 * waits for a connection that is no longer needed and closes it (NULL:
 * nothing).
 */
struct store_opening;
struct store_opening *store_open_bg(const char *, int, int);
int	 store_open_wait(struct store_opening *, struct store **,
	    struct dr_error *);
void	 store_open_drop(struct store_opening *);
/*
 * 1 when there is a database to open at path (for commands that use
 * one if there is one): SQLite's file exists, or path is a PostgreSQL
 * URI (connecting says the rest). Else 0.
 */
int	 store_exists(const char *);
/* 1 when the store was opened read-only (see store_open), else 0. */
int	 store_readonly(const struct store *);
void	 store_close(struct store *);
/* The database for messages (no password), and what opens it again. */
const char *store_path(const struct store *);
const char *store_dsn(const struct store *);
int	 store_busy_ms(const struct store *);

/*
 * A lock that the runs of dmarcdb on one database take turns at, by
 * name (imap.c: "imap", two sessions moving one message at once may
 * both copy it): on SQLite a file beside the database, PATH-NAME.lock
 * (not the database itself: closing a second descriptor of it would
 * drop SQLite's own locks); on PostgreSQL an advisory lock held by a
 * connection of its own, so that runs on other hosts wait too. Waits
 * as long as the database would, and stops waiting when stop(arg)
 * returns non-zero. 0 with *out held (store_unlock lets it go), or -1
 * with err set (DR_E_IO "stopped" when stopped).
 */
struct store_lock;
int	 store_lock(struct store *, const char *, int (*)(void *), void *,
	    struct store_lock **, struct dr_error *);
void	 store_unlock(struct store_lock *);

/* Once, before anything else touches SQLite. Returns 0 or -1. */
int	 store_init(void);

/* The schema version this build creates. */
int	 store_schema_version(void);

struct store_counts {
	uint64_t	inputs;
	uint64_t	mail_read;	/* email messages read */
	uint64_t	mail_known;	/* skipped, processed before */
	uint64_t	stored;
	uint64_t	duplicates;
	uint64_t	superseded;
	uint64_t	rejected;	/* kept in rejected_inputs */
	uint64_t	unreadable;	/* could not be read: nothing kept */
	uint64_t	vanished;	/* listed, gone before read */
	uint64_t	records;
	uint64_t	messages;
	/* Not in ingest_runs: for the summary only. */
	uint64_t	rejected_before;  /* known: not in rejected */
	uint64_t	mail_no_report;	/* messages without a report */
	uint64_t	unreachable;	/* of unreadable: a server */
	uint64_t	moved;		/* inputs moved or flagged */
	uint64_t	not_moved;	/* ... that could not be */
};

/* An ingest run: its row is written at the start and updated at end. */
int	 store_run_begin(struct store *, struct dr_error *);
int	 store_run_end(struct store *, const struct store_counts *,
	    struct dr_error *);

/* 1 if a report with this XML digest and part is stored, 0 if not. */
int	 store_has_report(struct store *, const unsigned char[SHA256_LEN],
	    unsigned, struct dr_error *);

/*
 * Report files read before (schema/016-input-files.sql), by the SHA-256
 * of their bytes. store_file_known: 1 with the number of reports the
 * file gave, 0 if it is not known, -1 with err set. store_file_done:
 * record a file all of whose reports were stored, or known before, in
 * the open batch (theirs, or one after it, opened if none); a file
 * known already is left as it is. 0, or -1 with err set.
 */
int	 store_file_known(struct store *, const unsigned char[SHA256_LEN],
	    int64_t *, struct dr_error *);
int	 store_file_done(struct store *, const unsigned char[SHA256_LEN],
	    uint64_t, const char *, int64_t, struct dr_error *);

enum store_outcome {
	STORE_NEW,		/* stored, active */
	STORE_SUPERSEDING,	/* stored, active; an older copy superseded */
	STORE_SUPERSEDED,	/* stored as superseded by a newer copy */
	STORE_DUPLICATE,	/* identical report known: nothing written */
};

struct store_doc {
	const char	*origin;
	int64_t		 received_at;	/* decides which copy is newer */
	unsigned char	 sha256[SHA256_LEN];
	unsigned	 part;
	uint64_t	 xml_size;
};

/* The header is what the parser knew when the first record came. */
int	 store_report_begin(struct store *, const struct dr_report *,
	    struct dr_error *);
/*
 * Records are buffered and written many at a time: the record must
 * stay valid until store_flush, store_report_end or store_report_abort.
 */
int	 store_record(struct store *, const struct dr_record *,
	    struct dr_error *);
int	 store_flush(struct store *, struct dr_error *);
/* doc->sha256 and xml_size must be final here. */
int	 store_report_end(struct store *, const struct dr_report *,
	    const struct store_doc *, enum store_outcome *,
	    struct dr_error *);
void	 store_report_abort(struct store *);

/*
 * Bring the sources table up to date with the days ingest added to the
 * summary since (report commands call this before they read).
 */
int	 store_sources_update(struct store *, struct dr_error *);
/*
 * The same when the records it would read are at least at (ingest's
 * end, so that no report command pays for a bulk ingest): 1 when it
 * did, 0 when not (nothing noted, or fewer), -1 with err set.
 * *pending: those records.
 */
int	 store_sources_due(struct store *, int64_t, int64_t *,
	    struct dr_error *);

/*
 * Read many things from one snapshot: a read transaction, so that the
 * statements run until store_read_end share it instead of each taking
 * and dropping the database's read lock. Calls nest: the outermost
 * pair begins and ends it (the report commands hold one from opening
 * to store_close). Does nothing inside a write batch. 0 on success,
 * -1 with err filled in. store_read_end never fails: nothing was
 * written.
 */
int	 store_read_begin(struct store *, struct dr_error *);
void	 store_read_end(struct store *);

/*
 * A second, read-only connection for another thread, whose read
 * transaction sees the same data as s's: s must hold one
 * (store_read_begin), begun again here, and its connection must not be
 * used meanwhile. Sorts spill to files, as on every connection. A commit
 * by another process between the two beginnings is seen by the twin's
 * data version, and both begin again (up to 8 times: then -1, with err
 * set and s's read transaction open). 0, or -1 with err set.
 */
int	 store_twin(struct store *, struct store **, struct dr_error *);
/*
 * A second, read-only connection for another thread, which leaves s's
 * read transaction as it is: on PostgreSQL it sees s's snapshot (as
 * store_twin's); on SQLite the newest data, which the caller must
 * compare with what s sees. Its read transaction is begun (close it
 * with store_close). 1, 0 when s holds no read transaction, is writing
 * or is a twin (whose reads already run beside its command's own: export
 * took 1.75 to 1.82 s with a reader, 1.56 to 1.60 without), or -1 with
 * err set.
 */
int	 store_reader(struct store *, struct store **, struct dr_error *);

/*
 * A function SQLite calls every few thousand steps of s's statements
 * (from the thread running them): non-zero interrupts the statement,
 * which fails. NULL: none.
 */
void	 store_progress(struct store *, int (*)(void *), void *);

/* 1 while a report or mail message is open: no commit now. */
int	 store_busy(const struct store *);

/* Commit the reports stored so far (not while one is open). */
int	 store_commit(struct store *, struct dr_error *);
/* 1 when the open batch has max reports or is max_ms old. */
int	 store_batch_due(struct store *, unsigned, unsigned);
/* One more report-level warning for the open report. */
int	 store_report_warning(struct store *, const char *, const char *,
	    struct dr_error *);

/*
 * Email messages. Between store_mail_begin and store_mail_end, reports
 * stored, duplicates and rejected inputs are the message's (and point
 * to it), and nothing is committed: a message is recorded together with
 * all that came of it, or not at all. store_mail_end records it (or, if
 * its bytes were seen before, only where it was seen now; and, if it
 * gave reports this time, that it is stored: a message read again
 * with --recover).
 */
struct store_mail {
	unsigned char	 sha256[SHA256_LEN];	/* of the raw message */
	const char	*message_id;
	const char	*mailbox;
	const char	*location;	/* unique key of where it is, or NULL */
	const char	*from;
	const char	*subject;
	int64_t		 date;		/* -1: none */
	uint64_t	 size;
	int		 handle;	/* to be moved or flagged later */
};
enum store_mail_outcome {
	STORE_MAIL_STORED,
	STORE_MAIL_DUPLICATE,
	STORE_MAIL_REJECTED,
	STORE_MAIL_NO_REPORT,
};
int	 store_mail_begin(struct store *, const struct store_mail *,
	    struct dr_error *);
/* A report of the open message found a duplicate before parsing. */
void	 store_mail_duplicate(struct store *);
/* reason: why it held no report (for no_report). */
int	 store_mail_end(struct store *, const char *,
	    enum store_mail_outcome *, struct dr_error *);
/* A message stored before seen at a new location (handle: as above). */
int	 store_mail_seen(struct store *, const unsigned char[SHA256_LEN],
	    const char *, int, struct dr_error *);
/* The message at this location was moved or flagged. */
int	 store_mail_handled(struct store *, const char *, struct dr_error *);
/* Lookups: 1 known (with its outcome, if asked), 0 not, -1 error. */
int	 store_mail_known(struct store *, const unsigned char[SHA256_LEN],
	    enum store_mail_outcome *, struct dr_error *);
/* With the outcome, and whether it was handled there. */
int	 store_location(struct store *, const char *,
	    enum store_mail_outcome *, int *, struct dr_error *);

/*
 * Keep a rejected input (rejected_inputs, rejected_raw): origin, reason,
 * the digest of the raw bytes kept, their count (len) and the input's
 * full size. The bytes are written in pieces, so that they are never
 * held whole: store_reject_begin sets *want to 1 when they are to be
 * given, in order, with store_reject_write (len bytes in all), and to 0
 * when the same bytes are kept already (the row is seen once more).
 * store_reject_end ends it, wanted or not; in between, store_busy is 1.
 */
int	 store_reject_begin(struct store *, const char *, const char *,
	    const unsigned char[SHA256_LEN], uint64_t, uint64_t, int *,
	    struct dr_error *);
int	 store_reject_write(struct store *, const void *, size_t,
	    struct dr_error *);
int	 store_reject_end(struct store *, struct dr_error *);
/*
 * 1 when the input the last store_reject_begin kept was rejected by an
 * earlier run: the same bytes kept (an input of which no bytes are
 * kept, but not empty, is never known again), else 0.
 */
int	 store_reject_before(const struct store *);
/* The same, with the raw bytes (len of size) in memory. */
int	 store_reject(struct store *, const char *, const char *,
	    const unsigned char *, size_t, uint64_t, struct dr_error *);

/*
 * Copy a SQLite store (from) into another (to: PostgreSQL, or a SQLite
 * store too): its reports as an ingest stores them, with what they
 * came with (store-copy.c; dmarcdb(1), POSTGRESQL). Known reports and rows
 * are not copied again, so a copy that stopped is finished by running
 * it again. progress (or NULL) is called as it goes; stop (or NULL)
 * returning non-zero stops it between two rows, what is done kept.
 * 0 done, 1 stopped, -1 with err set (the last second's work undone).
 */
struct store_copy_counts {
	uint64_t	reports_total;	/* in the store copied */
	uint64_t	reports;	/* copied */
	uint64_t	known;		/* there already: not copied again */
	uint64_t	no_digest;	/* without a digest: not copied */
	uint64_t	records;	/* of the reports copied */
	uint64_t	runs;		/* ingest runs added */
	uint64_t	message_rows;	/* mail messages read */
	uint64_t	messages;	/* ... added */
	uint64_t	rejected;	/* rejected inputs added */
	uint64_t	cached;		/* rows of the caches added */
};
int	 store_copy(struct store *, struct store *, int (*)(void *),
	    void (*)(void *, const struct store_copy_counts *), void *,
	    struct store_copy_counts *, struct dr_error *);

/* Listing stored reports, newest first (dmarcdb reports). */
struct store_report_row {
	int64_t		 id;
	const char	*status;
	const char	*reporter;
	const char	*report_id;
	const char	*domain;
	int64_t		 begin, end;
	int64_t		 records, messages, warnings;
	const char	*policy;	/* "p=none sp=... pct=..." */
};
struct store_filter {
	const char	*domain;	/* NULL: all */
	int64_t		 since;		/* date_end >= since; INT64_MIN: all */
	int		 all;		/* include superseded */
};
int	 store_list_reports(struct store *, const struct store_filter *,
	    int (*)(void *, const struct store_report_row *), void *,
	    struct dr_error *);

/* Listing rejected inputs (dmarcdb rejected). */
struct store_rejected_row {
	int64_t		 id;
	const char	*origin;
	const char	*reason;
	int64_t		 size, kept, times_seen, last_seen;
};
int	 store_list_rejected(struct store *,
	    int (*)(void *, const struct store_rejected_row *), void *,
	    struct dr_error *);
/*
 * The kept raw bytes of one rejected input, to a callback, a piece at a
 * time. Returns 0, -1 with err set, or what the callback returned when
 * it was not 0 (and then stops).
 */
int	 store_rejected_raw(struct store *, int64_t,
	    int (*)(void *, const void *, size_t), void *, struct dr_error *);

/* --- reading the summary (store-query.c) ------------------------------ */

/*
 * One record of an active report, as the summary counts it (dmarcdb(1),
 * SUMMARY TABLES).
 */
struct store_day {
	const char	*domain;
	const char	*header_from;	/* "" when the report gave none */
	const char	*source_ip;	/* "" when the report gave none */
	const char	*reporter;
	int64_t		 day;		/* of the report */
	int64_t		 sig;
	int64_t		 messages;
	long		 facts;		/* of the signature: SIG_F_* */
	const char	*ident;		/* of the signature, or NULL */
	/* Senders its passing results match (store_days), or NULL. */
	const unsigned char *senders;
};
/*
 * Which senders a signature's passing results (auth_sigs.passes: len
 * bytes, tally_passes) match: sets bit i of mask for sender i. Returns
 * 0, or -1 when out of memory or passes is malformed.
 */
typedef int (*store_match_fn)(void *, const char *, size_t,
	    unsigned char *);
/*
 * The records of a policy domain from day to day (inclusive), sorted by
 * source (header_from, then IP) and, within a source, by signature: a
 * source's records come together, and a signature's within them. They
 * are read as stored, with their signature's facts, and sorted here
 * (rsort.h): in DMARCDB_SORT_MEMORY (64 MiB), and beyond it in runs
 * merged from a temporary file, so that memory does not grow with the
 * records. (On PostgreSQL a window that fits in 64 MiB is sorted as
 * store-days.c says.) If nmask > 0, each record comes with the senders
 * its signature's passing results match (match, called with marg and a
 * zeroed mask of nmask bytes, once per signature as a rule): a mask of
 * nmask bytes, NULL if none. The callback's strings last until it
 * returns.
 */
int	 store_days(struct store *, const char *, int64_t, int64_t,
	    size_t, store_match_fn, void *,
	    int (*)(void *, const struct store_day *), void *,
	    struct dr_error *);
/*
 * The first day each source of a domain was seen (the sources table),
 * for sources asked in the order of its key (header_from, then IP)
 * that were seen on day since or later (store_days' from): a cursor
 * that steps forward through the table and seeks only when the next
 * source is far ahead. store_firsts_get returns 1 and sets *first, 0
 * if the source is not in the table, -1 with err set.
 */
struct store_firsts;
int	 store_firsts_open(struct store *, const char *, int64_t,
	    struct store_firsts **, struct dr_error *);
int	 store_firsts_get(struct store_firsts *, const char *, const char *,
	    int64_t *, struct dr_error *);
void	 store_firsts_close(struct store_firsts *);
/*
 * The reporters of a domain's active reports with records from day to
 * day, each once, in the order of the reports' days.
 */
int	 store_day_reporters(struct store *, const char *, int64_t, int64_t,
	    int (*)(void *, const char *), void *, struct dr_error *);
/* A signature with its results; memory from the arena. */
int	 store_sig(struct store *, int64_t, struct arena *, struct sig *,
	    struct dr_error *);
/*
 * n signatures, as store_sig: ids ascending, each once, into g[0] to
 * g[n - 1]. On PostgreSQL by one statement for up to a thousand (one
 * each would cost a round trip each). 0, or -1 with err set (a
 * signature missing too).
 */
int	 store_sigs(struct store *, const int64_t *, size_t, struct arena *,
	    struct sig *, struct dr_error *);
/* Policy domains with records from day to day, sorted. */
int	 store_domains(struct store *, int64_t, int64_t,
	    int (*)(void *, const char *), void *, struct dr_error *);
/* A policy domain with records from day to day, and how much. */
struct store_domain_total {
	const char	*domain;
	uint64_t	 reports;	/* active, with records */
	uint64_t	 messages;
};
/*
 * Each of those domains, the most messages first, then by name.
 * Streams: memory does not grow with the number of domains. The
 * callback returns non-zero to stop; a negative value is its own error
 * (err not set), and makes this return -1.
 */
int	 store_domain_totals(struct store *, int64_t, int64_t,
	    int (*)(void *, const struct store_domain_total *), void *,
	    struct dr_error *);

/*
 * The end (epoch seconds) of the newest active report that begins
 * before until and ends at most a day after it, of one policy domain
 * or (NULL) of all; -1 when there is none. 0, or -1 with err set.
 */
int	 store_newest_end(struct store *, const char *, int64_t, int64_t *,
	    struct dr_error *);

/* --- what sources decided, for the views (store-class.c) ----------- */

/* A source that is not unknown. */
struct store_class_row {
	const char	*header_from;	/* "" if none */
	const char	*ip;		/* "" if none */
	const char	*class;		/* "compliant", "misconfigured"
					   or "forwarded" */
	const char	*sender;	/* configured sender, or NULL */
};
/*
 * A policy domain classified: its window (UTC days, inclusive), whether
 * senders apply to it, its sources; or, forget set, one with too many
 * sources, whose rows are only deleted.
 */
struct store_class_window {
	const char			*domain;
	int64_t				 from_day, to_day;
	int				 configured;
	const struct store_class_row	*rows;
	size_t				 nrows;
	int				 forget;
};
/*
 * Replace what the views say of these domains' sources (class_windows,
 * source_classes; only delete it for those to forget) in one
 * transaction, outside any other (after store_read_end), waiting 2 s at
 * most for another writer. 0; 1 when nothing was written because the
 * database is read-only or busy; -1 with err set.
 */
int	 store_classes_save(struct store *, const struct store_class_window *,
	    size_t, struct dr_error *);

/* --- for the digest (store-query.c) --------------------------------- */

/*
 * A policy domain's active reports that overlap [from, until) (epoch
 * seconds), and the end of its newest report that begins before until
 * (-1: none).
 */
int	 store_domain_reports(struct store *, const char *, int64_t, int64_t,
	    uint64_t *, int64_t *, struct dr_error *);
/*
 * The DKIM selectors that signed mail of a policy domain from day to
 * day, aligned with it (its own or a subdomain's): for each, the
 * signing domain, the selector, the messages and those whose signature
 * passed, to cb (non-zero stops). (dmarcdb check looks up their keys.)
 */
/*
 * The sources whose mail of a policy domain from day to day had an SPF
 * result (MAIL FROM, not HELO) for spf_domain (lower case): for each,
 * its address, its messages with such a result and those that passed,
 * to cb (non-zero stops); the largest first, at most max. (dmarcdb check
 * works out their SPF result under the record published now.)
 */
int	 store_spf_sources(struct store *, const char *, const char *, int64_t,
	    int64_t, unsigned, int (*)(void *, const char *, uint64_t,
	    uint64_t), void *, struct dr_error *);
int	 store_dkim_selectors(struct store *, const char *, int64_t, int64_t,
	    int (*)(void *, const char *, const char *, uint64_t, uint64_t),
	    void *, struct dr_error *);
/* Records of a policy domain from day to day: its weight. */
int	 store_domain_rows(struct store *, const char *, int64_t, int64_t,
	    uint64_t *, struct dr_error *);
/* The last ingest run started before a time. */
struct store_run {
	int64_t		 started;	/* -1: no run */
	int64_t		 finished;	/* -1: still running, or killed */
	uint64_t	 inputs, rejected;
};
/*
 * When the last ingest run before until finished (-1: none), and the
 * last run started before until, finished or not.
 */
int	 store_last_run(struct store *, int64_t, int64_t *, struct store_run *,
	    struct dr_error *);
/* Rejected inputs last seen in [from, until): reason and count, most first. */
int	 store_rejected_between(struct store *, int64_t, int64_t,
	    int (*)(void *, const char *, int64_t), void *, struct dr_error *);

/* The policy published, as one active report saw it. */
struct store_policy {
	int64_t		 begin, end;
	int64_t		 day;		/* UTC day of the period's middle */
	const char	*schema;
	const char	*reporter;
	const char	*p, *sp, *np;
	int64_t		 pct;		/* -1: not reported */
	const char	*testing;
	const char	*adkim, *aspf, *fo;
	const char	*discovery;
};
/*
 * A domain's active reports that began before a time (epoch seconds),
 * newest day first (the newest report first within a day); cb returning
 * non-zero stops the reading.
 */
int	 store_policies(struct store *, const char *, int64_t,
	    int (*)(void *, const struct store_policy *), void *,
	    struct dr_error *);
/*
 * The record tags (p sp np pct t adkim aspf fo) for which a domain's
 * active reports of a day that began before a time gave a value that
 * is not DMARC grammar (kept in reports.raw_*, not in the tag's
 * column): their names, separated by spaces, into out (len bytes); ""
 * when none. Returns 0 or -1.
 */
int	 store_policy_invalid(struct store *, const char *, int64_t, int64_t,
	    char *, size_t, struct dr_error *);

/*
 * What one reporter saw of a domain's policy lately: among the active
 * reports that began before until, in the span of days days that ends
 * on the domain's newest report day, the number of days on which the
 * reporter sent any, its newest such day, and the policy that most of
 * its reports of that day show (a tie: that of the newest report),
 * with how many reports show it and how many of those are in RFC 9990
 * form. The strings of the policy are those of struct store_policy
 * (begin, end and discovery are not set).
 */
struct store_view {
	const char		*reporter;
	unsigned		 days;
	int64_t			 last;
	unsigned		 reports, rfc9990;
	struct store_policy	 policy;
};
/*
 * The domain's reporters in that span, those with the most days first
 * (then the newest, then by name). Rows are streamed; the strings last
 * until the callback returns.
 */
int	 store_views(struct store *, const char *, int64_t, unsigned,
	    int (*)(void *, const struct store_view *), void *,
	    struct dr_error *);

/* One record with its report's fields, for export. */
struct store_export_row {
	int64_t			 report;
	const char		*org_name, *reporter, *report_id, *domain;
	const char		*schema;
	int64_t			 begin, end;
	const char		*p, *sp, *np;
	int64_t			 pct;		/* -1: not reported */
	const char		*testing, *adkim, *aspf;
	int64_t			 record;
	const struct dr_record	*rec;	/* with its results and reasons */
	/* dmarcdb's evaluation of its signature (auth_sigs). */
	unsigned char		 dmarc, dkim_aligned, spf_aligned;
	/* What names its source: the domain it authenticates as
	   (auth_sigs.ident, NULL if none; SIG_F_IDENT_* of the facts),
	   and the cached PTR name of its address (NULL if none). */
	const char		*auth_domain;
	long			 auth_facts;
	const char		*ptr;
	unsigned char		 ptr_confirmed;
};
/*
 * The records of active reports whose period ends at or after since and
 * begins before until (seconds), of one domain or all (NULL), in the
 * order stored. Streams: memory does not grow with the records.
 */
int	 store_export(struct store *, const char *, int64_t, int64_t,
	    int (*)(void *, const struct store_export_row *), void *,
	    struct dr_error *);
/*
 * The policy domains of the records store_export gives for the same
 * arguments, each once, in the order their first records come.
 */
int	 store_export_domains(struct store *, const char *, int64_t,
	    int64_t, int (*)(void *, const char *), void *,
	    struct dr_error *);

/*
 * Mirror the configuration into the config_* tables (nothing is written
 * when the same file was mirrored last, or on a read-only store).
 */
int	 store_config_mirror(struct store *, const struct conf *,
	    struct dr_error *);

/*
 * The reverse DNS cache (schema/009-ptr-cache.sql; rdns.h reads and
 * writes it). status is rdns_status_name's text.
 */
struct store_ptr {
	const char	*ip;
	const char	*status;
	const char	*name;		/* or NULL */
	int		 confirmed;
	int64_t		 checked;
	int64_t		 expires;
};
/*
 * The entry for ip that expires after now: 1 with *out filled in (its
 * strings last until the next call or store_close), 0 if none, -1
 * with err set.
 */
int	 store_ptr_get(struct store *, const char *, int64_t,
	    struct store_ptr *, struct dr_error *);
/*
 * Write (replace) n entries in one transaction (none on a read-only
 * store). 0, or -1 with err.
 */
int	 store_ptr_put(struct store *, const struct store_ptr *, size_t,
	    struct dr_error *);

/*
 * The alerts of digest --alert (schema/013-alerts.sql), by recipient
 * (a bare address) and flag key (struct digest_flag).
 *
 * store_alert_known: 1 if the alert for the key went to the recipient,
 * 0 if not, -1 with err set.
 * store_alert_mark: the keys raised now, for each recipient, in one
 * transaction: with sent, all recorded as sent (first_sent at now for
 * those new); without, only those recorded see their last_seen move to
 * now. 0, or -1 with err set (nothing written).
 * store_alert_forget: delete those last seen before a time.
 * On a read-only store, mark and forget write nothing and return 0.
 */
int	 store_alert_known(struct store *, const char *, const char *,
	    struct dr_error *);
int	 store_alert_mark(struct store *, const char *const *, size_t,
	    const char *const *, size_t, int64_t, int, struct dr_error *);
int	 store_alert_forget(struct store *, int64_t, struct dr_error *);

/*
 * What was found in DNS (schema/015-dns-records.sql), by dmarcdb check
 * and advise. store_dns_seen: the value (kind "dmarc", "spf", "dkim",
 * "mx", "mta-sts" or "tls-rpt"; "" for nothing found) found for name at
 * time now: the newest row of (domain, kind, name) has its last_seen
 * moved when it holds the value, else a row is added. In *seen: since
 * when the value holds (now, when new), and, when a different value came
 * before it, when it changed (== since) and that value (was, malloc'd;
 * the caller frees it), else changed 0 and was NULL. On a read-only
 * store nothing is written: a value other than the newest row's is new
 * now. 0, or -1 with err set.
 * store_dns_changes: the values first seen from..to (Unix times, to
 * excluded) of domain that replaced another, oldest first: cb(arg,
 * kind, name, was, value, when); a cb that returns non-zero stops it
 * (returned).
 */
struct store_dns_seen {
	int64_t		 since;
	int64_t		 changed;	/* 0: no value before this one */
	char		*was;
};
int	 store_dns_seen(struct store *, const char *, const char *,
	    const char *, const char *, int64_t, struct store_dns_seen *,
	    struct dr_error *);
int	 store_dns_changes(struct store *, const char *, int64_t, int64_t,
	    int (*)(void *, const char *, const char *, const char *,
	    const char *, int64_t), void *, struct dr_error *);

#endif
