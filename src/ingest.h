/*
 * ingest.h: the ingest engine: inputs in, reports stored.
 *
 * Inputs are read and unpacked in the caller's thread; parsing and
 * storing run in two threads of the engine's own (see ingest-int.h). The
 * store thread owns the store from ingest_new to ingest_finish: the
 * caller must not use it in between.
 *
 * A document that ends within INGEST_PREBUF bytes is hashed and looked
 * up by its SHA-256 before anything is parsed, so a re-delivery costs
 * one hash and one index lookup; it can be split into several reports
 * (more than one <feedback> root) and read again in recovery mode. A
 * larger document is parsed while it streams in, in constant memory.
 */
#ifndef DR_INGEST_H
#define DR_INGEST_H

#include <signal.h>
#include <stdint.h>

#include "error.h"
#include "parse.h"
#include "store.h"
#include "unpack.h"

#define INGEST_PREBUF	(8 * 1024 * 1024)
/*
 * A report file under this many bytes is known by the SHA-256 of its
 * bytes once all its reports are stored (store_file_known): read again,
 * it is passed over without being decompressed or parsed. A larger one
 * is read as any other (hashing it first would read it twice).
 */
#define INGEST_KNOWN_MAX	(4 * 1024 * 1024)

struct ingest_opts {
	struct unpack_limits	ulim;
	struct parse_limits	plim;
	size_t			max_message;	/* bytes of an email message */
	int			recover;	/* retry bad XML leniently */
	/*
	 * Set (by a signal handler: SIGINT, SIGTERM) to stop: the readers
	 * stop at the next input, zip member or message, and a report
	 * read in chunks from a file is abandoned (never stored in part);
	 * what was given before is finished. NULL: never.
	 */
	volatile sig_atomic_t	*stop;
	/*
	 * The lookup connection, already being opened (store_open_bg), or
	 * NULL: opened when first needed. The engine takes it, even when
	 * ingest_new fails.
	 */
	struct store_opening	*lookup;
};

struct ingest;

/*
 * Start an engine writing to the store (not owned). Returns 0, or -1
 * with err filled in.
 */
int		 ingest_new(struct store *, const struct ingest_opts *,
		    struct ingest **, struct dr_error *);
void		 ingest_free(struct ingest *);

/*
 * Ingest one input read from fd (with its fstat, or NULL; prefix: the
 * bytes already read from it, at most UNPACK_PREFIX_MAX), or from
 * memory. origin
 * names it;
 * received is its arrival time (it decides which of two copies of a
 * report is newer). Bad units are rejected, logged and kept; the
 * function returns -1 only for errors that must stop the batch
 * (database, memory), with err filled in.
 */
struct stat;
int		 ingest_fd(struct ingest *, int, const struct stat *,
		    const void *, size_t, const char *, int64_t,
		    struct dr_error *);
int		 ingest_mem(struct ingest *, const void *, size_t, const char *,
		    int64_t, struct dr_error *);
/*
 * Standard input, as ingest_fd: an email message there is one message
 * (pipe delivery from an MTA), never an mbox file; a "From " line
 * before it is the MTA's envelope line, not part of it.
 */
int		 ingest_stdin(struct ingest *, const void *, size_t, int64_t,
		    struct dr_error *);

/*
 * Ingest one email message (its raw bytes). mailbox names where it was
 * found; location is a key that stays the same for this message at this
 * place (a Maildir file's unique name, an IMAP UID) or NULL; handle: it
 * is to be moved or flagged there once committed; label names it in
 * messages. A message seen before (same bytes) is not parsed
 * again, unless it held only broken reports and this is recovery mode.
 * Returns -1 only for errors that stop the batch.
 */
int		 ingest_mail(struct ingest *, const void *, size_t,
		    const char *, const char *, int, const char *, int64_t,
		    struct dr_error *);

/*
 * Was a message at this location processed before (committed)? 1 with
 * its outcome and whether it was handled there (moved or flagged: the
 * handle argument of ingest_mail asks for that), 0, or -1 on database
 * errors. In recovery mode (--recover) a message that held only broken
 * reports is not known: it is to be read again.
 */
int		 ingest_mail_known(struct ingest *, const char *,
		    enum store_mail_outcome *, int *, struct dr_error *);
/* The message at this location was moved or flagged. 0 or -1. */
int		 ingest_mail_handled(struct ingest *, const char *,
		    struct dr_error *);
/* Count a message skipped because its location was known. */
void		 ingest_mail_skip(struct ingest *);
/* Count an input read otherwise than by ingest_fd (a Maildir, ...). */
void		 ingest_note_input(struct ingest *);
size_t		 ingest_max_message(const struct ingest *);
/* The database's path, and how long to wait for its locks. */
const char	*ingest_db_path(const struct ingest *);
int		 ingest_busy_ms(const struct ingest *);
/* Take a lock of the database's runs (store_lock), until stopped. */
int		 ingest_lock(struct ingest *, const char *,
		    struct store_lock **, struct dr_error *);

/*
 * Count an input that could not even be opened: it is logged and
 * counted as unreadable, not rejected (there are no bytes to keep).
 */
void		 ingest_unreadable(struct ingest *, const char *, const char *);
/*
 * The same for an input already counted that could not be read (in
 * full): an IMAP folder whose server failed.
 */
void		 ingest_problem(struct ingest *, const char *, const char *);
/*
 * The same for an input that could not be read as a server could not
 * be reached or refused it (connection, TLS, login, folder, time out):
 * counted as unreadable, and apart, as unreachable.
 */
void		 ingest_unreachable(struct ingest *, const char *,
		    const char *);
/*
 * An input found and not read, for a reason worth a warning (a symbolic
 * link in a folder): logged, in order, but not rejected.
 */
void		 ingest_skipped(struct ingest *, const char *, const char *);
/* A line about an input under -v, in order with the others. */
void		 ingest_info(struct ingest *, const char *, const char *);
/*
 * An input moved (or flagged) once processed: counted, and said under
 * -v (what: where to); or that could not be: a warning (why), counted
 * apart, and listed.
 */
void		 ingest_moved(struct ingest *, const char *, const char *);
void		 ingest_not_moved(struct ingest *, const char *, const char *);
/*
 * An input listed, then gone before it could be opened (a Maildir
 * message another reader took): counted as vanished, not rejected, and
 * mentioned under -v.
 */
void		 ingest_vanished(struct ingest *, const char *);

/* 1 once the engine is asked to stop (ingest_opts.stop), else 0. */
int		 ingest_stopping(const struct ingest *);

/*
 * 1 when the last input ingest_fd read was read whole (not cut short by
 * a stop) and is not a mailbox (an mbox file, which stays where it is):
 * it may be moved once its outcome is known.
 */
int		 ingest_movable(const struct ingest *);

/*
 * What came of an input, for moving it: ingest_follow_begin before it
 * is given (ingest_fd, ingest_mail, ...), ingest_follow_end after, with
 * a slot below INGEST_FOLLOW_MAX for it; once ingest_sync returns,
 * ingest_followed says 1 when the input held a usable report (stored
 * now, or before), 0 when not (nothing, or only rejected ones). 0 or -1
 * (err filled in).
 */
#define INGEST_FOLLOW_MAX	128
int		 ingest_follow_begin(struct ingest *, struct dr_error *);
int		 ingest_follow_end(struct ingest *, unsigned,
		    struct dr_error *);
int		 ingest_followed(const struct ingest *, unsigned);

/*
 * Progress on a terminal (log.h), for a folder, a mailbox or an IMAP
 * folder named what: total items (unit: "files", "messages"), or bytes
 * (unit NULL); ingest_progress_add counts n more items done (in
 * nested phases too: a Maildir's messages are among a folder's files),
 * ingest_progress_at sets how many bytes are done (of the outermost
 * phase only: an mbox file in a folder is one of its files). Only the
 * outermost phase is shown.
 */
void		 ingest_progress_begin(struct ingest *, const char *, uint64_t,
		    const char *);
void		 ingest_progress_add(struct ingest *, uint64_t);
void		 ingest_progress_at(struct ingest *, uint64_t);
void		 ingest_progress_end(struct ingest *);
/* 1 when a progress line may be shown (a terminal, the normal level). */
int		 ingest_progress_wanted(void);

/*
 * Wait until everything given so far is committed (or rejected and
 * kept). Returns 0, or -1 when the store failed (err filled in).
 */
int		 ingest_sync(struct ingest *, struct dr_error *);

/*
 * Commit everything and stop the engine's thread; the store is the
 * caller's again and the counts are final. Returns 0 or -1.
 */
int		 ingest_finish(struct ingest *, struct dr_error *);

const struct store_counts *ingest_counts(const struct ingest *);

/*
 * What the run said of inputs, in order, for a summary a program reads
 * (ingest --json): the first INGEST_LIST_MAX of them; *more gets the
 * number left out. Valid after ingest_finish, until ingest_free.
 */
enum ingest_item_kind {
	INGEST_REJECTED,	/* rejected now (not by an earlier run) */
	INGEST_UNREADABLE,	/* could not be read */
	INGEST_UNREACHABLE,	/* ... as a server could not be reached, or
				   refused the login, TLS or the folder */
	INGEST_WARNING,		/* skipped with a warning (a link) */
	INGEST_NOT_MOVED,	/* processed, but could not be moved */
};
struct ingest_item {
	enum ingest_item_kind	 kind;
	char			*origin;
	char			*reason;
};
#define INGEST_LIST_MAX	1000
const struct ingest_item *ingest_list(const struct ingest *, size_t *,
		    uint64_t *);

#endif
