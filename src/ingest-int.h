/*
 * ingest-int.h: what the files of the ingest engine share: the messages
 * its stages pass each other, and the engine itself.
 *
 * The engine is three stages, each in its own thread, joined by bounded
 * queues so that memory stays flat and both cores stay busy:
 *
 *   reader (ingest-read.c, ingest-mail.c; the caller's thread): inputs
 *     are found and unpacked; a document that ends within INGEST_PREBUF
 *     bytes is handed on whole, a larger one in chunks as it is read.
 *   parser thread (ingest-parse.c): a whole document is hashed and
 *     looked up by its digest (on a read-only connection of its own)
 *     first, so that a re-delivery costs no parsing; each document
 *     becomes messages for the store: begin, one per record, end (or
 *     abort). Records are packed with their pointers already pointing
 *     into the queue's memory.
 *   store thread (ingest-store.c): owns the database connection and
 *     writes.
 *
 * Messages are built and sent by ingest-msg.c. The raw bytes of a
 * rejected unit are kept (up to --keep-rejected) without ever being
 * held whole; ingest-raw.c owns them from end to end (see there).
 * ingest.c starts and stops the engine.
 *
 * Order is kept from end to end, so outcomes and messages come out in
 * input order. Everything that is reported per document (rejections,
 * duplicates, stored reports) is logged by the store thread, last.
 */
#ifndef DR_INGEST_INT_H
#define DR_INGEST_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "ingest.h"
#include "pack.h"
#include "parse.h"
#include "queue.h"
#include "sha256.h"
#include "store.h"
#include "unpack.h"

#define CHUNK		(128 * 1024)	/* read, and handed on, at a time */
#define MAX_PARTS	1000	/* <feedback> roots in one document */
#define BATCH_REPORTS	1000	/* commit after this many reports */
#define BATCH_MS	200	/* or after this long */
#define QBLOCK		(256 * 1024)
#define QBLOCKS		16	/* per queue: 4 MiB in flight at most */

/* --- messages -------------------------------------------------------- */

enum msg_type {
	/* reader to parser */
	D_DOC,		/* a whole document */
	D_SBEGIN,	/* a document in chunks: its start */
	D_CHUNK,
	D_SEND,		/* ... its end */
	D_SFAIL,	/* ... could not be read to its end */
	D_SCANCEL,	/* ... abandoned: stopped (ingest_opts.stop) */
	/* parser to store */
	M_BEGIN,
	M_RECORD,
	M_END,
	M_ABORT,
	/* either, passed on */
	M_REJECT,	/* keep the bytes with the reason, and log */
	M_RAW,		/* the next piece of a rejected unit's bytes */
	M_NOTE,		/* log a line (and count), nothing to store */
	M_SYNC,
	M_MAIL_BEGIN,	/* an email message: what follows is its */
	M_MAIL_END,
	M_MAIL_SEEN,	/* a message stored before, found again */
	M_MAIL_HANDLED,	/* a message was moved or flagged */
	M_FOLLOW_BEGIN,	/* what comes of the next input: follow it */
	M_FOLLOW_END,	/* ... its end */
	M_FILE_BEGIN,	/* a file with the digest of its bytes */
	M_FILE_END,	/* ... its end; or one read before, alone */
};

struct msg {
	enum msg_type	 type;
	size_t		 size;		/* of the whole message */
};

/*
 * Where the raw bytes of a unit are, should it be rejected. They never
 * travel whole: a message carries at most CHUNK of them.
 */
enum raw_kind {
	RAW_NONE,	/* none kept */
	RAW_PATH,	/* the store reads them from this file, if still it */
	RAW_DATA,	/* they are the document's own bytes (D_DOC) */
	RAW_BYTES,	/* these, at most CHUNK */
	RAW_CHUNKS,	/* len bytes of this digest follow, in M_RAW */
	RAW_READER,	/* the reader sends them when told to (the verdict) */
};

struct raw {
	enum raw_kind		 kind;
	const char		*path;		/* RAW_PATH */
	dev_t			 dev;		/* RAW_PATH: the file read */
	ino_t			 ino;
	const unsigned char	*bytes;		/* RAW_BYTES */
	size_t			 len;		/* RAW_BYTES, RAW_CHUNKS */
	uint64_t		 size;	/* full size, as far as known */
	unsigned char		 sha256[SHA256_LEN];	/* RAW_CHUNKS */
};

struct d_doc {				/* D_DOC, D_SBEGIN */
	struct msg	 h;
	int		 mail;		/* a part of an email message that
					   does not claim to be a report:
					   if it is none, only noted */
	struct store_doc doc;
	struct raw	 raw;		/* D_DOC only */
	const char	*data;		/* D_DOC only */
	size_t		 len;
};

struct d_chunk {			/* D_CHUNK, M_RAW */
	struct msg	 h;
	const char	*data;
	size_t		 len;
};

struct d_send {				/* D_SEND, D_SFAIL */
	struct msg	 h;
	uint64_t	 size;
	struct dr_error	 err;		/* D_SFAIL */
	const char	*origin;	/* D_SFAIL: of the unit that failed */
	struct raw	 raw;
};

struct m_begin {
	struct msg	 h;
	struct dr_report rep;		/* the header as known so far */
};

struct m_record {
	struct msg	 h;
	struct dr_record rec;
};

struct m_end {
	struct msg	 h;
	struct dr_report rep;
	struct store_doc doc;
	const char	*trailing;	/* one more warning, or NULL */
};

struct m_mail {				/* M_MAIL_* */
	struct msg	 h;
	struct store_mail mail;		/* M_MAIL_BEGIN; sha256 for SEEN */
	const char	*label;		/* for messages */
	const char	*reason;	/* M_MAIL_END: why no report */
	int		 usable;	/* M_MAIL_SEEN: it held a report */
};

struct m_follow {			/* M_FOLLOW_* */
	struct msg	 h;
	unsigned	 slot;
};

struct m_file {				/* M_FILE_* */
	struct msg	 h;
	const char	*origin;
	unsigned char	 sha256[SHA256_LEN];	/* of its bytes */
	uint64_t	 size;
	int64_t		 known;		/* END: its reports if read before,
					   else -1 */
	int		 whole;		/* END: read to its end as a file
					   of reports (no mail, no mbox) */
};

/* What an M_NOTE says: how it is logged, and what it counts as. */
enum note_kind {
	NOTE_INFO,	/* a line under -v, counting nothing */
	NOTE_UNREADABLE,/* a warning: an input that could not be read */
	NOTE_WARN,	/* a warning, though nothing was rejected */
	NOTE_VANISHED,	/* a line under -v: gone before it was read */
	NOTE_UNREACHABLE,/* a warning: unreadable, as a server failed */
	NOTE_NOT_MOVED,	/* a warning: processed, but not moved */
	NOTE_MOVED,	/* a line under -v: moved (or flagged) */
};

struct m_reject {			/* M_REJECT, M_NOTE */
	struct msg	 h;
	const char	*origin;
	const char	*reason;
	int		 kind;		/* M_NOTE: an enum note_kind */
	int		 dup;		/* M_NOTE: counts as duplicate */
	struct raw	 raw;		/* M_REJECT */
};

/* --- the engine ------------------------------------------------------ */

struct ingest {
	struct ingest_opts	 opts;
	struct store		*store;		/* the store thread's */
	struct queue		*dq;		/* reader -> parser */
	struct queue		*sq;		/* parser -> store */
	pthread_t		 parse_thread, store_thread;
	bool			 running;

	/* Reader. */
	char			*buf;		/* INGEST_PREBUF bytes */
	unsigned char		*rawbuf;	/* CHUNK bytes */
	struct buf		 rorigin;	/* of a unit rejected late */
	int64_t			 received;
	dev_t			 in_dev;	/* the input's file, if one */
	ino_t			 in_ino;
	uint64_t		 bytes;		/* read, for progress */
	uint64_t		 inputs;
	bool			 cut;		/* the input: stopped in it */
	bool			 mailbox;	/* ... an mbox file */
	bool			 mail;		/* ... read as email */
	/* Progress (ingest_progress_*): the outermost phase. */
	unsigned		 p_depth;
	char			 p_what[256];
	const char		*p_unit;	/* NULL: bytes */
	uint64_t		 p_total, p_done;
	struct timespec		 p_start;
	struct sha256		*msha;
	uint64_t		 mail_read, mail_known;
	bool			 one_message;	/* the input: stdin */
	/* the message whose parts are being read */
	bool			 in_mail;
	bool			 part_claims;	/* says it is a report */
	const char		*s_mail_label;
	unsigned		 candidates;
	struct buf		 skipped;	/* parts that were not reports */
	struct buf		 porigin;	/* origin of a part */

	/* Parser. */
	int			 doc_mail;	/* the document is a mail part */
	struct sha256		*sha;
	struct parser		*parser;	/* reused for each document */
	struct parser		*rparser;	/* recovery mode, when asked */
	struct store_doc	 doc;		/* the document being parsed */
	bool			 began;		/* begin sent, no end yet */
	bool			 vgiven;	/* verdict given on this doc */
	atomic_ullong		 cur_records;	/* of the open report */
	/* a document in chunks */
	bool			 streaming;
	bool			 sfailed;
	struct dr_error		 serr;
	uint64_t		 sfed;
	struct buf		 sorigin;

	/* Store. */
	bool			 s_in_report;
	uint64_t		 s_raw_left;	/* M_RAW bytes to come */
	bool			 s_raw_want;	/* ... to be written */
	unsigned char		*s_rawbuf;	/* CHUNK bytes */
	struct sha256		*sha_store;
	struct buf		 s_label;	/* of the open mail message */
	uint64_t		 s_usable;	/* stored, duplicates, ... */
	uint64_t		 s_follow_base;	/* s_usable at M_FOLLOW_BEGIN */
	uint64_t		 s_unclean;	/* rejections, notes */
	uint64_t		 s_file_usable;	/* at M_FILE_BEGIN */
	uint64_t		 s_file_unclean;
	/* Written by the store thread, read after a sync. */
	unsigned char		 follow[INGEST_FOLLOW_MAX];
	atomic_ullong		 stored, duplicates, superseded, rejected;
	atomic_ullong		 rejected_before;
	atomic_ullong		 unreadable, unreachable;
	atomic_ullong		 vanished;
	atomic_ullong		 records, messages;
	atomic_ullong		 mail_no_report;
	atomic_ullong		 moved, not_moved;
	/* What the run said of inputs (ingest_list): the store thread's. */
	struct ingest_item	*list;
	size_t			 nlist;
	uint64_t		 list_more;	/* past INGEST_LIST_MAX */
	double			 cpu_parse, cpu_store;

	/* A fatal error (database, memory) in any stage stops them all. */
	atomic_bool		 fatal;
	pthread_mutex_t		 mtx;
	/* The lookup connection (ingest_lookup), and who holds it. */
	struct store		*lookup;
	struct store_opening	*opening;	/* the lookup's, until then */
	pthread_mutex_t		 lookup_mtx;
	struct dr_error		 fatal_err;

	/*
	 * Verdicts: whether a document whose raw bytes only the reader can
	 * read again (RAW_READER) was rejected, and why. Asked for by the
	 * reader, given by the parser.
	 */
	pthread_cond_t		 verdict;
	uint64_t		 v_asked, v_given;
	bool			 v_reject;
	struct dr_error		 v_why;
	struct buf		 v_origin;

	/* Syncs: sent by the reader, done by the store thread. */
	pthread_cond_t		 synced;
	uint64_t		 sync_sent, sync_done;

	struct store_counts	 counts;	/* after ingest_finish */
};

/*
 * Reserve, fill and commit one message on queue q: fill is run twice,
 * to size and to write (see pack.h); its first allocation is the
 * message itself.
 */
#define SEND(q, err, fill) do {						\
	struct pk	 k_ = { NULL, 0 };				\
	struct msg	*h_;						\
	fill(&k_);							\
	k_.base = queue_reserve((q), k_.off);				\
	if (k_.base == NULL)						\
		return dr_seterr((err), DR_E_NOMEM, "out of memory");	\
	h_ = (struct msg *)(void *)k_.base;				\
	k_.off = 0;							\
	fill(&k_);							\
	h_->size = k_.off;						\
	queue_commit((q), k_.off);					\
} while (0)

/* Store thread: one more item of ingest_list (copied). */
void	ingest_list_add(struct ingest *, enum ingest_item_kind, const char *,
	    const char *);

/* --- ingest-msg.c: building and sending messages ---------------------- */

double	ingest_thread_cpu(void);
/* A fatal error (database, memory) in any stage: stop them all. */
void	ingest_set_fatal(struct ingest *, const struct dr_error *);
/* -1 with the fatal error in err once there is one, else 0. */
int	ingest_check_fatal(struct ingest *, struct dr_error *);

void	imsg_pk_raw(struct pk *, struct raw *, const struct raw *);
void	imsg_pk_doc(struct pk *, struct store_doc *, const struct store_doc *);
int	imsg_mail(struct queue *, enum msg_type, const struct store_mail *,
	    const char *, const char *, int, struct dr_error *);
int	imsg_follow(struct queue *, enum msg_type, unsigned, struct dr_error *);
int	imsg_file(struct queue *, enum msg_type, const char *,
	    const unsigned char[SHA256_LEN], uint64_t, int64_t, int,
	    struct dr_error *);
int	imsg_simple(struct queue *, enum msg_type, struct dr_error *);
/*
 * A rejection or a note (kind: for M_NOTE, an enum note_kind), on
 * either queue.
 */
int	imsg_reject(struct queue *, enum msg_type, const char *, const char *,
	    int, int, const struct raw *, struct dr_error *);
/* One piece of raw bytes (at most CHUNK), on either queue. */
int	imsg_piece(struct queue *, enum msg_type, const void *, size_t,
	    struct dr_error *);

/* --- ingest-raw.c: the raw bytes of rejected units -------------------- */

/* Reader and parser: a rejection with (len of size) raw bytes in memory. */
int	raw_send_mem(struct queue *, const char *, const char *, const void *,
	    size_t, uint64_t, struct dr_error *);
/* Reader: reject the current unit, whose raw bytes it can read again. */
int	raw_send_unit(struct ingest *, struct unpack *, const char *,
	    const char *, struct dr_error *);
/* Reader: where the raw bytes of the document just read are. */
void	raw_locate(struct ingest *, struct unpack *, bool, struct raw *);
/* Reader: wait for the parser's verdict on a RAW_READER document. */
int	raw_await_verdict(struct ingest *, struct unpack *, struct dr_error *);
/* Parser: the verdict on a RAW_READER document (why NULL: stored). */
int	raw_give_verdict(struct ingest *, const struct dr_error *,
	    struct dr_error *);
/* Parser: a document that could not be stored. */
int	raw_reject_doc(struct ingest *, const struct dr_error *,
	    const struct raw *, const char *, size_t, struct dr_error *);
/* Store: a rejected unit, and the next piece of its bytes. */
int	raw_store_reject(struct ingest *, struct m_reject *,
	    struct dr_error *);
int	raw_store_piece(struct ingest *, struct d_chunk *, struct dr_error *);

/*
 * The read-only connection to the database on which the parse stage
 * looks up documents' digests, and the mail reader messages' digests
 * and locations: one for both (each parses the schema when it opens:
 * 0.6 ms of a run that stores one message, issue 18), opened when
 * first needed (a run with nothing to read opens none), or before
 * (ingest_opts.lookup: an MTA's delivery, which needs it at once), and
 * held by one thread at a time. ingest_lookup returns it held, or NULL with err
 * set if it cannot be opened; ingest_lookup_done lets it go.
 */
struct store *ingest_lookup(struct ingest *, struct dr_error *);
void	 ingest_lookup_done(struct ingest *);

/* --- the stages -------------------------------------------------------- */

extern const struct parse_cb ingest_parse_cb;
void	*ingest_parse_main(void *);		/* ingest-parse.c */
void	*ingest_store_main(void *);		/* ingest-store.c */
/* ingest-read.c */
void	 ingest_progress(struct ingest *);
int	 ingest_read_units(struct ingest *, struct unpack *,
	    struct dr_error *);
/* ingest-mail.c: an input that is an email message or an mbox file. */
int	 ingest_read_mailbox(struct ingest *, struct unpack *,
	    struct dr_error *);

#endif
