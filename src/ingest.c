/*
 * ingest.c: the ingest engine: unpack, hash, parse, store.
 *
 * Three stages, each in its own thread, joined by bounded queues so
 * that memory stays flat and both cores stay busy:
 *
 *   reader (the caller's thread): inputs are found and unpacked; a
 *     document that ends within INGEST_PREBUF bytes is handed on whole,
 *     a larger one in chunks as it is read.
 *   parser thread: a whole document is hashed and looked up by its
 *     digest (on a read-only connection of its own) first, so that a
 *     re-delivery costs no parsing; each document becomes messages for
 *     the store: begin, one per record, end (or abort). Records are
 *     packed with their pointers already pointing into the queue's
 *     memory.
 *   store thread: owns the database connection and writes.
 *
 * The raw bytes of a rejected unit are kept (up to --keep-rejected)
 * without ever being held whole: a file's are read again by the store
 * thread; a document's own are sent by the parser, and others by the
 * reader, in pieces of at most CHUNK after their digest, and written
 * into SQLite as they come. When only the reader can read them again
 * (a zip member or an input in memory, streamed or compressed), it
 * waits for the parser's verdict on that document before it goes on.
 *
 * Order is kept from end to end, so outcomes and messages come out in
 * input order. Everything that is reported per document (rejections,
 * duplicates, stored reports) is logged by the store thread, last.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ingest.h"
#include "log.h"
#include "mail.h"
#include "pack.h"
#include "queue.h"
#include "sha256.h"

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
	RAW_PATH,	/* the store reads them from this file */
	RAW_DATA,	/* they are the document's own bytes (D_DOC) */
	RAW_BYTES,	/* these, at most CHUNK */
	RAW_CHUNKS,	/* len bytes of this digest follow, in M_RAW */
	RAW_READER,	/* the reader sends them when told to (the verdict) */
};

struct raw {
	enum raw_kind		 kind;
	const char		*path;		/* RAW_PATH */
	const unsigned char	*bytes;		/* RAW_BYTES */
	size_t			 len;		/* RAW_BYTES, RAW_CHUNKS */
	uint64_t		 size;	/* full size, as far as known */
	unsigned char		 sha256[SHA256_LEN];	/* RAW_CHUNKS */
};

struct d_doc {				/* D_DOC, D_SBEGIN */
	struct msg	 h;
	int		 mail;		/* a part of an email message */
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
};

struct m_reject {			/* M_REJECT, M_NOTE */
	struct msg	 h;
	const char	*origin;
	const char	*reason;
	int		 rejected;	/* M_NOTE: counts as rejected */
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
	uint64_t		 bytes;		/* read, for progress */
	uint64_t		 inputs;
	struct store		*mlookup;	/* read-only, for messages */
	struct sha256		*msha;
	uint64_t		 mail_read, mail_known;
	/* the message whose parts are being read */
	bool			 in_mail;
	const char		*s_mail_label;
	unsigned		 candidates;
	struct buf		 skipped;	/* parts that were not reports */
	struct buf		 porigin;	/* origin of a part */

	/* Parser. */
	struct store		*lookup;	/* read-only, for digests */
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
	atomic_ullong		 stored, duplicates, superseded, rejected;
	atomic_ullong		 records, messages;
	double			 cpu_parse, cpu_store;

	/* A fatal error (database, memory) in any stage stops them all. */
	atomic_bool		 fatal;
	pthread_mutex_t		 mtx;
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

static int	cb_begin(void *, const struct dr_report *, struct dr_error *);
static int	cb_record(void *, const struct dr_record *, struct dr_error *);

static const struct parse_cb callbacks = { cb_begin, cb_record };

static double
thread_cpu(void)
{
	struct timespec	t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
set_fatal(struct ingest *e, const struct dr_error *err)
{
	pthread_mutex_lock(&e->mtx);
	if (!atomic_load(&e->fatal)) {
		e->fatal_err = *err;
		atomic_store(&e->fatal, true);
	}
	pthread_cond_broadcast(&e->verdict);	/* the reader may wait */
	pthread_mutex_unlock(&e->mtx);
}

static int
check_fatal(struct ingest *e, struct dr_error *err)
{
	if (!atomic_load(&e->fatal))
		return 0;
	pthread_mutex_lock(&e->mtx);
	*err = e->fatal_err;
	pthread_mutex_unlock(&e->mtx);
	return -1;
}

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

static void
pk_raw(struct pk *k, struct raw *dst, const struct raw *src)
{
	struct raw	r = *src;

	r.path = pk_str(k, src->path);
	r.bytes = src->kind == RAW_BYTES ? pk_bytes(k, src->bytes, src->len) :
	    NULL;
	*dst = r;
}

static void
pk_doc(struct pk *k, struct store_doc *dst, const struct store_doc *src)
{
	*dst = *src;
	dst->origin = pk_str(k, src->origin);
}

static void
pk_mail(struct pk *k, struct store_mail *dst, const struct store_mail *src)
{
	*dst = *src;
	dst->message_id = pk_str(k, src->message_id);
	dst->mailbox = pk_str(k, src->mailbox);
	dst->location = pk_str(k, src->location);
	dst->from = pk_str(k, src->from);
	dst->subject = pk_str(k, src->subject);
}

static int
send_mail(struct queue *q, enum msg_type type, const struct store_mail *mail,
    const char *label, const char *reason, struct dr_error *err)
{
	static const struct store_mail	none;
#define FILL(k) do {							\
	struct m_mail *m = pk_alloc((k), sizeof *m);			\
	struct store_mail d;						\
	const char *l, *r;						\
	pk_mail((k), &d, mail ? mail : &none);				\
	l = pk_str((k), label);						\
	r = pk_str((k), reason);					\
	if (m != NULL) {						\
		m->h.type = type;					\
		m->mail = d;						\
		m->label = l;						\
		m->reason = r;						\
	}								\
} while (0)
	SEND(q, err, FILL);
#undef FILL
	return 0;
}

static int
send_simple(struct queue *q, enum msg_type type, struct dr_error *err)
{
	struct msg	*h;

	h = queue_reserve(q, sizeof *h);
	if (h == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	h->type = type;
	h->size = sizeof *h;
	queue_commit(q, sizeof *h);
	return 0;
}

/* A rejection or a note, on either queue. */
static int
send_reject(struct queue *q, enum msg_type type, const char *origin,
    const char *reason, int rejected, int dup, const struct raw *raw,
    struct dr_error *err)
{
	static const struct raw	none;
#define FILL(k) do {							\
	struct m_reject *m = pk_alloc((k), sizeof *m);			\
	struct raw r;							\
	const char *o = pk_str((k), origin), *rs = pk_str((k), reason);	\
	pk_raw((k), &r, raw ? raw : &none);				\
	if (m != NULL) {						\
		m->h.type = type;					\
		m->origin = o;						\
		m->reason = rs;						\
		m->rejected = rejected;					\
		m->dup = dup;						\
		m->raw = r;						\
	}								\
} while (0)
	SEND(q, err, FILL);
#undef FILL
	return 0;
}

/* One piece of raw bytes (at most CHUNK), on either queue. */
static int
send_piece(struct queue *q, enum msg_type type, const void *data, size_t len,
    struct dr_error *err)
{
#define FILL(k) do {							\
	struct d_chunk *m = pk_alloc((k), sizeof *m);			\
	const char *p = pk_bytes((k), data, len);			\
	if (m != NULL) {						\
		m->h.type = type;					\
		m->data = p;						\
		m->len = len;						\
	}								\
} while (0)
	SEND(q, err, FILL);
#undef FILL
	return 0;
}

/*
 * A rejection with raw bytes in memory (len of them kept, of size): its
 * digest first, then the bytes in pieces, so that no message holds more
 * than CHUNK of them.
 */
static int
send_mem_reject(struct queue *q, const char *origin, const char *reason,
    const void *p, size_t len, uint64_t size, struct dr_error *err)
{
	struct raw	raw;
	size_t		off, n;

	memset(&raw, 0, sizeof raw);
	raw.kind = RAW_CHUNKS;
	raw.len = len;
	raw.size = size;
	if (sha256_buf(len ? p : "", len, raw.sha256) == -1)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	if (send_reject(q, M_REJECT, origin, reason, 1, 0, &raw, err) == -1)
		return -1;
	for (off = 0; off < len; off += n) {
		n = len - off < CHUNK ? len - off : CHUNK;
		if (send_piece(q, M_RAW, (const char *)p + off, n, err) == -1)
			return -1;
	}
	return 0;
}

/* --- the store thread ------------------------------------------------- */

static void
fmt_time(int64_t t, char *out, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(out, len, "%lld", (long long)t);
	else
		strftime(out, len, "%Y-%m-%d %H:%M", &tm);
}

static int
do_end(struct ingest *e, struct m_end *m, struct dr_error *err)
{
	const struct dr_report	*r = &m->rep;
	enum store_outcome	 out;
	char			 b[32], en[32];

	e->s_in_report = false;
	if (m->trailing != NULL && store_report_warning(e->store, "trailing",
	    m->trailing, err) == -1) {
		store_report_abort(e->store);
		return -1;
	}
	if (store_report_end(e->store, r, &m->doc, &out, err) == -1)
		return -1;
	switch (out) {
	case STORE_DUPLICATE:
		atomic_fetch_add(&e->duplicates, 1);
		log_verbose("%s: duplicate of a stored report", m->doc.origin);
		return 0;
	case STORE_SUPERSEDING:
	case STORE_SUPERSEDED:
		atomic_fetch_add(&e->superseded, 1);
		log_verbose("%s: report %s from %s re-sent with other content: "
		    "%s", m->doc.origin, r->report_id, r->reporter,
		    out == STORE_SUPERSEDING ? "this copy is now active" :
		    "kept as superseded by the newer copy");
		break;
	case STORE_NEW:
		break;
	}
	atomic_fetch_add(&e->stored, 1);
	atomic_fetch_add(&e->records, r->nrecords);
	atomic_fetch_add(&e->messages, r->nmessages);
	if (log_level() >= LOG_VERBOSE) {
		fmt_time(r->begin, b, sizeof b);
		fmt_time(r->end, en, sizeof en);
		log_verbose("%s: stored: %s, report %s, %s, %s to %s UTC, %llu "
		    "records, %llu messages%s", m->doc.origin, r->reporter,
		    r->report_id, r->domain, b, en,
		    (unsigned long long)r->nrecords,
		    (unsigned long long)r->nmessages,
		    r->nwarnings ? ", warnings" : "");
	}
	return 0;
}

static int
do_mail_end(struct ingest *e, struct m_mail *m, struct dr_error *err)
{
	enum store_mail_outcome	o;

	if (store_mail_end(e->store, m->reason, &o, err) == -1)
		return -1;
	switch (o) {
	case STORE_MAIL_NO_REPORT:
		/* Recorded, and not an error: mailboxes receive such mail. */
		log_verbose("%s: no aggregate report: %s", e->s_label.data,
		    m->reason ? m->reason : "none found");
		break;
	case STORE_MAIL_REJECTED:
		log_verbose("%s: its reports were rejected", e->s_label.data);
		break;
	default:
		break;
	}
	return 0;
}

/* Read up to n bytes of fd at off; short only at its end. */
static ssize_t
pread_full(int fd, unsigned char *p, size_t n, uint64_t off)
{
	size_t	got = 0;
	ssize_t	r;

	while (got < n) {
		r = pread(fd, p + got, n - got, (off_t)(off + got));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return got > 0 ? (ssize_t)got : -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/*
 * Keep a rejected file: its first bytes are read twice, a piece at a
 * time, once for their digest (the row's key) and once to be written,
 * if the row is new. A file that cannot be read is kept without bytes.
 */
static int
reject_file(struct ingest *e, struct m_reject *m, struct dr_error *err)
{
	struct sha256	*sha = e->sha_store;
	struct dr_error	 why;
	unsigned char	 digest[SHA256_LEN];
	uint64_t	 len = 0, off;
	size_t		 keep = e->opts.ulim.keep_bytes;
	ssize_t		 n;
	int		 fd, want, rc;

	fd = open(m->raw.path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return store_reject(e->store, m->origin, m->reason, NULL, 0,
		    m->raw.size, err);
	if (keep > m->raw.size)
		keep = (size_t)m->raw.size;
	while (len < keep && (n = pread_full(fd, e->s_rawbuf, keep - len <
	    CHUNK ? keep - len : CHUNK, len)) > 0) {
		sha256_update(sha, e->s_rawbuf, (size_t)n);
		len += (uint64_t)n;
	}
	sha256_final(sha, digest);
	if (store_reject_begin(e->store, m->origin, m->reason, digest, len,
	    m->raw.size, &want, err) == -1) {
		close(fd);
		return -1;
	}
	rc = 0;
	for (off = 0; rc == 0 && want && off < len; off += (uint64_t)n) {
		size_t k = len - off < CHUNK ? (size_t)(len - off) : CHUNK;
		n = pread_full(fd, e->s_rawbuf, k, off);
		if (n < (ssize_t)k) {
			/* Shorter than a moment ago: zeros for the rest. */
			memset(e->s_rawbuf + (n > 0 ? n : 0), 0, k -
			    (size_t)(n > 0 ? n : 0));
			n = (ssize_t)k;
		}
		rc = store_reject_write(e->store, e->s_rawbuf, k, err);
	}
	close(fd);
	if (rc == -1) {
		store_reject_end(e->store, &why);
		return -1;
	}
	return store_reject_end(e->store, err);
}

/* A rejected unit: logged, counted, and kept with its raw bytes. */
static int
do_reject(struct ingest *e, struct m_reject *m, struct dr_error *err)
{
	int	want;

	log_warnx("%s: %s", m->origin, m->reason);
	atomic_fetch_add(&e->rejected, 1);
	switch (m->raw.kind) {
	case RAW_PATH:
		return reject_file(e, m, err);
	case RAW_CHUNKS:
		if (store_reject_begin(e->store, m->origin, m->reason,
		    m->raw.sha256, m->raw.len, m->raw.size, &want, err) == -1)
			return -1;
		if (m->raw.len == 0)
			return store_reject_end(e->store, err);
		e->s_raw_left = m->raw.len;
		e->s_raw_want = want;
		return 0;
	case RAW_BYTES:
		return store_reject(e->store, m->origin, m->reason,
		    m->raw.bytes, m->raw.len, m->raw.size, err);
	default:
		return store_reject(e->store, m->origin, m->reason, NULL, 0,
		    m->raw.size, err);
	}
}

/* The next piece of the rejected unit's bytes. */
static int
do_raw(struct ingest *e, struct d_chunk *c, struct dr_error *err)
{
	if (c->len > e->s_raw_left)
		return dr_seterr(err, DR_E_DB, "internal error: more raw "
		    "bytes than announced");
	if (e->s_raw_want && store_reject_write(e->store, c->data, c->len,
	    err) == -1)
		return -1;
	e->s_raw_left -= c->len;
	if (e->s_raw_left == 0)
		return store_reject_end(e->store, err);
	return 0;
}

static void
do_sync(struct ingest *e)
{
	struct dr_error	err;

	if (!atomic_load(&e->fatal) && store_commit(e->store, &err) == -1)
		set_fatal(e, &err);
	pthread_mutex_lock(&e->mtx);
	e->sync_done++;
	pthread_cond_broadcast(&e->synced);
	pthread_mutex_unlock(&e->mtx);
}

static void
store_block(struct ingest *e, struct qblock *b)
{
	struct dr_error	 err;
	size_t		 off = 0;
	int		 rc;

	while (off < b->used) {
		struct msg *h = (struct msg *)(void *)((char *)b->data + off);
		off += (h->size + sizeof(max_align_t) - 1) &
		    ~(sizeof(max_align_t) - 1);
		if (h->type == M_SYNC) {
			do_sync(e);
			continue;
		}
		if (atomic_load(&e->fatal))
			continue;	/* drain */
		rc = 0;
		switch (h->type) {
		case M_BEGIN:
			rc = store_report_begin(e->store,
			    &((struct m_begin *)h)->rep, &err);
			e->s_in_report = rc == 0;
			break;
		case M_RECORD:
			rc = store_record(e->store, &((struct m_record *)h)->rec,
			    &err);
			break;
		case M_END:
			rc = do_end(e, (struct m_end *)h, &err);
			break;
		case M_ABORT:
			store_report_abort(e->store);
			e->s_in_report = false;
			break;
		case M_REJECT:
			rc = do_reject(e, (struct m_reject *)h, &err);
			break;
		case M_RAW:
			rc = do_raw(e, (struct d_chunk *)h, &err);
			break;
		case M_NOTE: {
			struct m_reject *m = (struct m_reject *)h;
			if (m->rejected) {
				log_warnx("%s: %s", m->origin, m->reason);
				atomic_fetch_add(&e->rejected, 1);
			} else
				log_verbose("%s: %s", m->origin, m->reason);
			if (m->dup) {
				atomic_fetch_add(&e->duplicates, 1);
				store_mail_duplicate(e->store);
			}
			break;
		}
		case M_MAIL_BEGIN: {
			struct m_mail *m = (struct m_mail *)h;
			buf_reset(&e->s_label);
			if (buf_adds(&e->s_label, m->label) == -1) {
				rc = dr_seterr(&err, DR_E_NOMEM, "out of "
				    "memory");
				break;
			}
			rc = store_mail_begin(e->store, &m->mail, &err);
			break;
		}
		case M_MAIL_END:
			rc = do_mail_end(e, (struct m_mail *)h, &err);
			break;
		case M_MAIL_HANDLED:
			rc = store_mail_handled(e->store,
			    ((struct m_mail *)h)->mail.location, &err);
			break;
		case M_MAIL_SEEN: {
			struct m_mail *m = (struct m_mail *)h;
			rc = store_mail_seen(e->store, m->mail.sha256,
			    m->mail.location, m->mail.handle, &err);
			if (rc == 0)
				log_verbose("%s: processed before", m->label);
			break;
		}
		default:
			break;
		}
		if (rc == 0 && !store_busy(e->store) &&
		    store_batch_due(e->store, BATCH_REPORTS, BATCH_MS))
			rc = store_commit(e->store, &err);
		if (rc == -1)
			set_fatal(e, &err);
	}
	/* Records in this block are about to go: write them now. */
	if (!atomic_load(&e->fatal) && store_flush(e->store, &err) == -1)
		set_fatal(e, &err);
}

static void *
store_main(void *arg)
{
	struct ingest	*e = arg;
	struct qblock	*b;
	struct dr_error	 err;

	pthread_setname_np(pthread_self(), "dmarcdb-store");
	for (;;) {
		b = queue_pop(e->sq, 0);
		if (b == NULL) {
			/*
			 * Nothing to do: commit what is done, so that the
			 * lock is not held while we wait.
			 */
			if (!store_busy(e->store) && !atomic_load(&e->fatal) &&
			    store_commit(e->store, &err) == -1)
				set_fatal(e, &err);
			b = queue_pop(e->sq, 1);
			if (b == NULL)
				break;
		}
		store_block(e, b);
		queue_release(e->sq, b);
	}
	if (e->s_in_report)
		store_report_abort(e->store);
	if (!store_busy(e->store) && !atomic_load(&e->fatal) &&
	    store_commit(e->store, &err) == -1)
		set_fatal(e, &err);
	e->cpu_store = thread_cpu();
	return NULL;
}

/* --- the parser thread ----------------------------------------------- */

static int
cb_begin(void *arg, const struct dr_report *r, struct dr_error *err)
{
	struct ingest	*e = arg;

	if (check_fatal(e, err) == -1)
		return -1;
#define FILL(k) do {							\
	struct m_begin *m = pk_alloc((k), sizeof *m);			\
	pk_report((k), m ? &m->rep : NULL, r);				\
	if (m != NULL)							\
		m->h.type = M_BEGIN;					\
} while (0)
	SEND(e->sq, err, FILL);
#undef FILL
	e->began = true;
	return 0;
}

static int
cb_record(void *arg, const struct dr_record *r, struct dr_error *err)
{
	struct ingest	*e = arg;

#define FILL(k) do {							\
	struct m_record *m = pk_alloc((k), sizeof *m);			\
	pk_record((k), m ? &m->rec : NULL, r);				\
	if (m != NULL)							\
		m->h.type = M_RECORD;					\
} while (0)
	if ((r->ordinal & 1023) == 0 && check_fatal(e, err) == -1)
		return -1;
	atomic_store(&e->cur_records, r->ordinal);
	SEND(e->sq, err, FILL);
#undef FILL
	return 0;
}

static void
abort_report(struct ingest *e)
{
	struct dr_error	err;

	atomic_store(&e->cur_records, 0);
	if (e->began)
		send_simple(e->sq, M_ABORT, &err);
	e->began = false;
}

/* The parsed report is complete: send its end. */
static int
finish_report(struct ingest *e, struct parser *p, const char *trailing,
    struct dr_error *err)
{
	const struct dr_report	*r;

	if (parse_finish(p, &r, err) == -1)
		return -1;
#define FILL(k) do {							\
	struct m_end *m = pk_alloc((k), sizeof *m);			\
	struct store_doc d;						\
	const char *t;							\
	pk_report((k), m ? &m->rep : NULL, r);				\
	pk_doc((k), &d, &e->doc);					\
	t = pk_str((k), trailing);					\
	if (m != NULL) {						\
		m->h.type = M_END;					\
		m->doc = d;						\
		m->trailing = t;					\
	}								\
} while (0)
	SEND(e->sq, err, FILL);
#undef FILL
	e->began = false;
	atomic_store(&e->cur_records, 0);
	return 0;
}

static size_t
skip_space(const char *p, size_t i, size_t len)
{
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	return i;
}

/*
 * After a root element: skip white space, comments and processing
 * instructions. Returns the offset of the next root (a '<' that starts
 * an element or an XML declaration), len if nothing else follows, or
 * (size_t)-1 for other content, whose size goes to *junk.
 */
static size_t
next_root(const char *p, size_t i, size_t len, size_t *junk)
{
	const char	*end;

	for (;;) {
		i = skip_space(p, i, len);
		if (i == len)
			return len;
		if (p[i] != '<')
			break;
		if (len - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
			end = memmem(p + i + 4, len - i - 4, "-->", 3);
			if (end == NULL)
				break;
			i = (size_t)(end - p) + 3;
			continue;
		}
		if (len - i >= 2 && p[i + 1] == '?' && !(len - i >= 6 &&
		    memcmp(p + i, "<?xml", 5) == 0 && (p[i + 5] == ' ' ||
		    p[i + 5] == '\t' || p[i + 5] == '\r' || p[i + 5] == '\n'))) {
			end = memmem(p + i + 2, len - i - 2, "?>", 2);
			if (end == NULL)
				break;
			i = (size_t)(end - p) + 2;
			continue;
		}
		return i;
	}
	*junk = len - i;
	return (size_t)-1;
}

/* Where the document proper starts: after a UTF-8 BOM and white space. */
static size_t
doc_start(const char *p, size_t len)
{
	size_t	i = 0;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	return skip_space(p, i, len);
}

/*
 * Parse and send one report from buf (a complete document in memory).
 * *next gets the offset after it where another root starts, or len.
 */
static int
buffered_part(struct ingest *e, const char *buf, size_t len, int recover,
    size_t *next, struct dr_error *err)
{
	struct parser	*p;
	char		 trailing[128], *tr = NULL;
	size_t		 end, junk = 0, n;
	int		 rc = -1;

	p = recover ? e->rparser : e->parser;
	parse_reset(p);
	if (parse_feed_last(p, buf, len, err) == -1)
		goto done;
	*next = len;
	end = (size_t)parse_root_end(p);
	if (end > 0) {
		n = next_root(buf, end, len, &junk);
		if (n == (size_t)-1) {
			snprintf(trailing, sizeof trailing, "%zu bytes of "
			    "other content after </feedback> ignored", junk);
			tr = trailing;
		} else
			*next = n;
	}
	rc = finish_report(e, p, tr, err);
done:
	if (rc == -1)
		abort_report(e);
	return rc;
}

/* A document that fitted into memory: one or more reports. */
static int
buffered_doc(struct ingest *e, const char *buf, size_t len,
    struct dr_error *err)
{
	size_t		off, next;
	unsigned	part;

	off = doc_start(buf, len);
	for (part = 0; ; part++) {
		if (part == MAX_PARTS)
			return dr_seterr(err, DR_E_LIMIT, "more than %d "
			    "<feedback> documents in one input", MAX_PARTS);
		e->doc.part = part;
		if (buffered_part(e, buf + off, len - off, 0, &next,
		    err) == -1) {
			struct dr_error first = *err;
			if (!e->opts.recover || err->code != DR_E_XML)
				return -1;
			if (buffered_part(e, buf + off, len - off, 1, &next,
			    err) == -1) {
				if (err->code == DR_E_XML)
					*err = first;
				return -1;
			}
		}
		if (next >= len - off)
			return 0;
		off += next;
	}
}

/* A chunk of a streamed document; the first one may start with a BOM. */
static void
stream_chunk(struct ingest *e, const char *data, size_t len)
{
	struct parser	*p = e->parser;
	size_t		 off = 0, end;

	if (e->sfailed)
		return;
	if (e->sfed == 0)
		off = doc_start(data, len);
	if (parse_root_end(p) == 0) {
		if (parse_feed(p, data + off, len - off, &e->serr) == -1) {
			e->sfailed = true;
			return;
		}
		e->sfed += len - off;
		end = (size_t)parse_root_end(p);
		/* Bytes of this chunk after the root must be blank. */
		if (end > 0 && skip_space(data + off,
		    end - (size_t)(e->sfed - (len - off)), len - off) !=
		    len - off)
			goto trailing;
	} else if (skip_space(data, 0, len) != len)
		goto trailing;
	return;
trailing:
	dr_seterr(&e->serr, DR_E_REPORT, "content after </feedback>: a "
	    "document over %d MiB is not split into reports",
	    INGEST_PREBUF >> 20);
	e->sfailed = true;
}

/*
 * Tell the reader whether the document whose raw bytes it holds was
 * rejected (why is not NULL), and by which origin.
 */
static int
give_verdict(struct ingest *e, const struct dr_error *why,
    struct dr_error *err)
{
	int	rc = 0;

	pthread_mutex_lock(&e->mtx);
	e->v_reject = why != NULL;
	if (why != NULL) {
		e->v_why = *why;
		buf_reset(&e->v_origin);
		if (buf_adds(&e->v_origin, e->doc.origin) == -1)
			rc = dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	e->v_given++;
	pthread_cond_broadcast(&e->verdict);
	pthread_mutex_unlock(&e->mtx);
	e->vgiven = true;
	return rc;
}

/*
 * A document that could not be stored: rejected and kept; but a part of
 * an email message that is not a report at all is only noted. data and
 * len: the document, for RAW_DATA.
 */
static int
reject_doc(struct ingest *e, const struct dr_error *why, const struct raw *raw,
    const char *data, size_t len, struct dr_error *err)
{
	size_t	keep = e->opts.ulim.keep_bytes;

	if (e->doc_mail && why->code == DR_E_NOTREPORT)
		return send_reject(e->sq, M_NOTE, e->doc.origin, why->msg, 0,
		    0, NULL, err);
	switch (raw->kind) {
	case RAW_READER:
		return give_verdict(e, why, err);
	case RAW_DATA:
		return send_mem_reject(e->sq, e->doc.origin, why->msg, data,
		    len < keep ? len : keep, len, err);
	case RAW_BYTES:
		return send_mem_reject(e->sq, e->doc.origin, why->msg,
		    raw->bytes, raw->len, raw->size, err);
	default:
		return send_reject(e->sq, M_REJECT, e->doc.origin, why->msg, 1,
		    0, raw, err);
	}
}

/* The end of a streamed document: the report's end, or a rejection. */
static int
send_msg(struct ingest *e, struct d_send *s, struct dr_error *err)
{
	if (!e->sfailed) {
		e->doc.xml_size = s->size;
		if (finish_report(e, e->parser, NULL, &e->serr) == 0)
			return 0;
	}
	abort_report(e);
	if (dr_err_fatal(&e->serr)) {
		*err = e->serr;
		return -1;
	}
	return reject_doc(e, &e->serr, &s->raw, NULL, 0, err);
}

/* A whole document: hashed, looked up, parsed, or rejected. */
static int
doc_msg(struct ingest *e, struct d_doc *d, struct dr_error *err)
{
	struct dr_error	why;
	int		found;

	e->doc = d->doc;
	e->doc_mail = d->mail;
	sha256_update(e->sha, d->data, d->len);
	sha256_final(e->sha, e->doc.sha256);
	found = store_has_report(e->lookup, e->doc.sha256, 0, err);
	if (found == -1)
		return -1;
	if (found)
		return send_reject(e->sq, M_NOTE, e->doc.origin,
		    "duplicate of a stored report", 0, 1, NULL, err);
	if (buffered_doc(e, d->data, d->len, &why) == -1) {
		if (dr_err_fatal(&why)) {
			*err = why;
			return -1;
		}
		return reject_doc(e, &why, &d->raw, d->data, d->len, err);
	}
	return 0;
}

/* Act on one message from the reader; -1 only for fatal errors. */
static int
parse_msg(struct ingest *e, struct msg *h, struct dr_error *err)
{
	switch (h->type) {
	case D_DOC: {
		struct d_doc *d = (struct d_doc *)h;
		int rc;
		e->vgiven = false;
		rc = doc_msg(e, d, err);
		if (d->raw.kind == RAW_READER && !e->vgiven &&
		    give_verdict(e, NULL, err) == -1)
			rc = -1;
		return rc;
	}
	case D_SBEGIN: {
		struct d_doc *d = (struct d_doc *)h;
		buf_reset(&e->sorigin);
		if (buf_adds(&e->sorigin, d->doc.origin) == -1)
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		e->doc = d->doc;
		e->doc.origin = e->sorigin.data;
		e->doc.part = 0;
		e->doc_mail = d->mail;
		e->streaming = true;
		e->sfailed = false;
		e->sfed = 0;
		parse_reset(e->parser);
		return 0;
	}
	case D_CHUNK: {
		struct d_chunk *c = (struct d_chunk *)h;
		sha256_update(e->sha, c->data, c->len);
		if (e->streaming)
			stream_chunk(e, c->data, c->len);
		if (e->sfailed && dr_err_fatal(&e->serr)) {
			*err = e->serr;
			return -1;
		}
		return 0;
	}
	case D_SEND:
	case D_SFAIL: {
		struct d_send *s = (struct d_send *)h;
		int rc;
		e->streaming = false;
		if (h->type == D_SFAIL) {
			/*
			 * Reading may have failed for more than this
			 * document: a zip archive refused as a whole
			 * (--max-ratio), whose bytes are the raw ones. That
			 * reason and origin win over the parser's own.
			 */
			if (!e->sfailed ||
			    strcmp(s->origin, e->doc.origin) != 0) {
				e->serr = s->err;
				buf_reset(&e->sorigin);
				if (buf_adds(&e->sorigin, s->origin) == -1)
					return dr_seterr(err, DR_E_NOMEM,
					    "out of memory");
				e->doc.origin = e->sorigin.data;
			}
			e->sfailed = true;
		}
		sha256_final(e->sha, e->doc.sha256);
		e->vgiven = false;
		rc = send_msg(e, s, err);
		if (s->raw.kind == RAW_READER && !e->vgiven &&
		    give_verdict(e, NULL, err) == -1)
			rc = -1;
		return rc;
	}
	case M_REJECT:
	case M_NOTE: {
		/* Passed on (packed anew: its pointers point into itself). */
		struct m_reject *m = (struct m_reject *)h;
		return send_reject(e->sq, h->type, m->origin, m->reason,
		    m->rejected, m->dup, &m->raw, err);
	}
	case M_RAW: {
		struct d_chunk *c = (struct d_chunk *)h;
		return send_piece(e->sq, M_RAW, c->data, c->len, err);
	}
	case M_SYNC:
		if (send_simple(e->sq, M_SYNC, err) == -1)
			return -1;
		queue_flush(e->sq);
		return 0;
	case M_MAIL_BEGIN:
	case M_MAIL_END:
	case M_MAIL_SEEN:
	case M_MAIL_HANDLED: {
		struct m_mail *m = (struct m_mail *)h;
		return send_mail(e->sq, h->type, &m->mail, m->label, m->reason,
		    err);
	}
	default:
		return 0;
	}
}

static void *
parse_main(void *arg)
{
	struct ingest	*e = arg;
	struct qblock	*b;
	struct dr_error	 err;
	size_t		 off;

	pthread_setname_np(pthread_self(), "dmarcdb-parse");
	parse_thread_init();
	while ((b = queue_pop(e->dq, 1)) != NULL) {
		for (off = 0; off < b->used; ) {
			struct msg *h = (struct msg *)(void *)
			    ((char *)b->data + off);
			off += (h->size + sizeof(max_align_t) - 1) &
			    ~(sizeof(max_align_t) - 1);
			if (atomic_load(&e->fatal) && h->type != M_SYNC)
				continue;	/* drain */
			if (parse_msg(e, h, &err) == -1)
				set_fatal(e, &err);
		}
		queue_release(e->dq, b);
	}
	if (e->began)
		abort_report(e);
	queue_close(e->sq);
	e->cpu_parse = thread_cpu();
	return NULL;
}

/* --- the reader: the caller's thread --------------------------------- */

static void
progress(struct ingest *e)
{
	if (!log_progress_enabled())
		return;
	log_progress("%llu inputs, %llu reports stored, %llu records, %.1f MB "
	    "read", (unsigned long long)e->inputs,
	    (unsigned long long)atomic_load(&e->stored),
	    (unsigned long long)(atomic_load(&e->records) +
	    atomic_load(&e->cur_records)), (double)e->bytes / 1e6);
}

/*
 * A rejection of the current unit by the reader, which can read its raw
 * bytes again: a file's are read by the store; the others are read
 * twice, a piece at a time, for their digest and to be sent.
 */
static int
send_unit_reject(struct ingest *e, struct unpack *u, const char *origin,
    const char *reason, struct dr_error *err)
{
	struct sha256	*sha = e->msha;
	struct dr_error	 why;
	struct raw	 raw;
	uint64_t	 off;
	ssize_t		 n;

	memset(&raw, 0, sizeof raw);
	raw.size = unpack_unit_is_file(u) ? (uint64_t)unpack_input_size(u) :
	    0;
	if (unpack_unit_is_file(u)) {
		raw.kind = RAW_PATH;
		raw.path = unpack_origin(u);
		return send_reject(e->dq, M_REJECT, origin, reason, 1, 0, &raw,
		    err);
	}
	/* What cannot be read is not kept: the bytes up to there are. */
	raw.kind = RAW_CHUNKS;
	if (unpack_raw_begin(u, &why) == 0) {
		while ((n = unpack_raw_read(u, e->rawbuf, CHUNK, &why)) > 0) {
			sha256_update(sha, e->rawbuf, (size_t)n);
			raw.len += (size_t)n;
		}
		if (n == -1 && dr_err_fatal(&why)) {
			*err = why;
			return -1;
		}
	}
	sha256_final(sha, raw.sha256);
	raw.size = unpack_raw_size(u);
	if (raw.size < raw.len)
		raw.size = raw.len;
	if (send_reject(e->dq, M_REJECT, origin, reason, 1, 0, &raw,
	    err) == -1)
		return -1;
	if (raw.len > 0 && unpack_raw_begin(u, &why) == -1)
		n = -1;
	for (off = 0; off < raw.len; off += (uint64_t)n) {
		size_t k = raw.len - off < CHUNK ? (size_t)(raw.len - off) :
		    CHUNK;
		n = unpack_raw_read(u, e->rawbuf, k, &why);
		if (n < (ssize_t)k) {
			/* Not as a moment ago: zeros, as announced. */
			memset(e->rawbuf + (n > 0 ? n : 0), 0, k -
			    (size_t)(n > 0 ? n : 0));
			n = (ssize_t)k;
		}
		if (send_piece(e->dq, M_RAW, e->rawbuf, k, err) == -1)
			return -1;
	}
	return 0;
}

/*
 * Where the raw bytes of a document just read are, should the parser
 * reject it: its file; the document itself (doc, when it has no
 * compression layer); a copy, when they are few; or the reader, who
 * then waits for the verdict (await_verdict).
 */
static void
unit_raw(struct ingest *e, struct unpack *u, bool doc, struct raw *r)
{
	struct dr_error	why;
	unsigned char	more;
	size_t		len = 0;
	ssize_t		n;

	memset(r, 0, sizeof *r);
	if (unpack_unit_is_file(u)) {
		r->kind = RAW_PATH;
		r->path = unpack_origin(u);
		r->size = (uint64_t)unpack_input_size(u);
		return;
	}
	r->kind = RAW_READER;
	if (!doc)
		return;
	if (unpack_unit_is_plain(u)) {
		r->kind = RAW_DATA;
		return;
	}
	/* Compressed: the bytes are usually few. */
	if (unpack_raw_begin(u, &why) == -1)
		return;
	while (len < CHUNK && (n = unpack_raw_read(u, e->rawbuf + len,
	    CHUNK - len, &why)) > 0)
		len += (size_t)n;
	if (len < CHUNK || unpack_raw_read(u, &more, 1, &why) == 0) {
		r->kind = RAW_BYTES;
		r->bytes = e->rawbuf;
		r->len = len;
		r->size = unpack_raw_size(u);
	}
}

/*
 * Wait for the parser's verdict on the document just sent, whose raw
 * bytes only the reader can read again; send them if it was rejected.
 */
static int
await_verdict(struct ingest *e, struct unpack *u, struct dr_error *err)
{
	struct dr_error	why;
	uint64_t	seq;
	bool		reject = false;

	pthread_mutex_lock(&e->mtx);
	seq = ++e->v_asked;
	pthread_mutex_unlock(&e->mtx);
	queue_flush(e->dq);
	pthread_mutex_lock(&e->mtx);
	while (e->v_given < seq && !atomic_load(&e->fatal))
		pthread_cond_wait(&e->verdict, &e->mtx);
	if (e->v_given >= seq && e->v_reject) {
		reject = true;
		why = e->v_why;
		buf_reset(&e->rorigin);
		if (buf_adds(&e->rorigin, e->v_origin.data) == -1)
			reject = false;
	}
	pthread_mutex_unlock(&e->mtx);
	if (check_fatal(e, err) == -1)
		return -1;
	if (!reject)
		return 0;
	return send_unit_reject(e, u, e->rorigin.data, why.msg, err);
}

static int
send_doc(struct ingest *e, enum msg_type type, struct unpack *u,
    const struct store_doc *doc, const char *data, size_t len,
    struct dr_error *err)
{
	struct raw	raw;

	memset(&raw, 0, sizeof raw);
	if (type == D_DOC)
		unit_raw(e, u, true, &raw);
#define FILL(k) do {							\
	struct d_doc *m = pk_alloc((k), sizeof *m);			\
	struct store_doc d;						\
	struct raw r;							\
	const char *p;							\
	pk_doc((k), &d, doc);						\
	pk_raw((k), &r, &raw);						\
	p = pk_bytes((k), data, len);					\
	if (m != NULL) {						\
		m->h.type = type;					\
		m->mail = e->in_mail;					\
		m->doc = d;						\
		m->raw = r;						\
		m->data = p;						\
		m->len = len;						\
	}								\
} while (0)
	SEND(e->dq, err, FILL);
#undef FILL
	if (raw.kind == RAW_READER)
		return await_verdict(e, u, err);
	return 0;
}

static int
send_chunk(struct ingest *e, const char *data, size_t len,
    struct dr_error *err)
{
#define FILL(k) do {							\
	struct d_chunk *m = pk_alloc((k), sizeof *m);			\
	const char *p = pk_bytes((k), data, len);			\
	if (m != NULL) {						\
		m->h.type = D_CHUNK;					\
		m->data = p;						\
		m->len = len;						\
	}								\
} while (0)
	SEND(e->dq, err, FILL);
#undef FILL
	return 0;
}

static int
send_send(struct ingest *e, struct unpack *u, uint64_t size,
    const struct dr_error *why, struct dr_error *err)
{
	struct raw	raw;

	unit_raw(e, u, false, &raw);
#define FILL(k) do {							\
	struct d_send *m = pk_alloc((k), sizeof *m);			\
	struct raw r;							\
	const char *o = pk_str((k), unpack_origin(u));			\
	pk_raw((k), &r, &raw);						\
	if (m != NULL) {						\
		m->h.type = why ? D_SFAIL : D_SEND;			\
		m->size = size;						\
		if (why != NULL)					\
			m->err = *why;					\
		m->origin = o;						\
		m->raw = r;						\
	}								\
} while (0)
	SEND(e->dq, err, FILL);
#undef FILL
	if (raw.kind == RAW_READER)
		return await_verdict(e, u, err);
	return 0;
}

/*
 * A document too large for memory: handed on in chunks as it is read.
 * The first len bytes are in e->buf.
 */
static int
read_streamed(struct ingest *e, struct unpack *u, struct store_doc *doc,
    size_t len, struct dr_error *err)
{
	struct dr_error	why;
	uint64_t	total = len;
	size_t		off;
	ssize_t		n;

	if (send_doc(e, D_SBEGIN, u, doc, NULL, 0, err) == -1)
		return -1;
	for (off = 0; off < len; off += CHUNK)
		if (send_chunk(e, e->buf + off, len - off < CHUNK ?
		    len - off : CHUNK, err) == -1)
			return -1;
	for (;;) {
		n = unpack_read(u, e->buf, CHUNK, &why);
		if (n == -1) {
			if (dr_err_fatal(&why)) {
				*err = why;
				return -1;
			}
			return send_send(e, u, total, &why, err);
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		e->bytes += (uint64_t)n;
		if (send_chunk(e, e->buf, (size_t)n, err) == -1 ||
		    check_fatal(e, err) == -1)
			return -1;
		progress(e);
	}
	return send_send(e, u, total, NULL, err);
}

/*
 * One document of the current unit. Returns 0 when it was handed on
 * (or is a known duplicate), -1 with the reason for reading errors.
 */
static int
read_doc(struct ingest *e, struct unpack *u, struct dr_error *err)
{
	struct store_doc	doc;
	size_t			len = 0;
	ssize_t			n;

	memset(&doc, 0, sizeof doc);
	doc.origin = unpack_origin(u);
	doc.received_at = e->received;
	for (;;) {
		size_t want = INGEST_PREBUF - len;
		if (want == 0)
			return read_streamed(e, u, &doc, len, err);
		n = unpack_read(u, e->buf + len, want < CHUNK ? want : CHUNK,
		    err);
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
		e->bytes += (uint64_t)n;
	}
	doc.xml_size = len;
	return send_doc(e, D_DOC, u, &doc, e->buf, len, err);
}

static int	read_mailbox(struct ingest *, struct unpack *,
		    struct dr_error *);

/* Every unit of an input (or of a part of a message). */
static int
read_units(struct ingest *e, struct unpack *u, struct dr_error *err)
{
	struct dr_error	why;
	int		r;

	for (;;) {
		if (check_fatal(e, err) == -1)
			return -1;
		r = unpack_next(u, &why);
		if (r == 0)
			break;
		if (r == 1 && read_doc(e, u, &why) == 0)
			continue;
		if (dr_err_fatal(&why)) {
			*err = why;
			return -1;
		}
		if (why.code == DR_E_EMAIL && !e->in_mail)
			return read_mailbox(e, u, err);
		if (e->in_mail && (why.code == DR_E_NOTREPORT ||
		    why.code == DR_E_EMAIL)) {
			/* In a message, a part that is no report is normal. */
			if (e->skipped.len < 400) {
				buf_adds(&e->skipped, e->skipped.len ? "; " :
				    "");
				buf_adds(&e->skipped, why.code == DR_E_EMAIL ?
				    "an email message" : why.msg);
			}
			if (send_reject(e->dq, M_NOTE, unpack_origin(u),
			    why.msg, 0, 0, NULL, err) == -1)
				return -1;
			continue;
		}
		if (send_unit_reject(e, u, unpack_origin(u), why.msg, err) == -1)
			return -1;
	}
	return 0;
}

static int
ingest_unpack(struct ingest *e, struct unpack *u, int64_t received,
    struct dr_error *err)
{
	int	rc;

	e->inputs++;
	e->received = received;
	rc = read_units(e, u, err);
	progress(e);
	return rc;
}

/* --- email messages -------------------------------------------------- */

/*
 * The identity of a message: the digest of its bytes with CRLF line
 * ends read as LF (IMAP servers send CRLF, files often have LF) and
 * without the line breaks at its end (which an mbox adds and a pipe
 * may drop), so the same message has the same identity however it
 * came.
 */
static void
mail_digest(struct sha256 *sha, const char *p, size_t len,
    unsigned char out[SHA256_LEN])
{
	size_t	i, start = 0;

	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	for (i = 0; i + 1 < len; i++) {
		if (p[i] == '\r' && p[i + 1] == '\n') {
			sha256_update(sha, p + start, i - start);
			start = i + 1;
		}
	}
	sha256_update(sha, p + start, len - start);
	sha256_final(sha, out);
}

static int
mail_part(void *arg, const struct mail_part *p, struct dr_error *err)
{
	struct ingest		*e = arg;
	struct unpack		*u;
	enum unpack_kind	 kind;
	char			 desc[256];
	int			 rc;

	kind = unpack_sniff(p->data, p->len < 4096 ? p->len : 4096, desc,
	    sizeof desc);
	if (kind != UNPACK_XML && kind != UNPACK_GZIP && kind != UNPACK_ZLIB &&
	    kind != UNPACK_ZIP) {
		if (e->skipped.len < 400) {
			buf_adds(&e->skipped, e->skipped.len ? "; " : "");
			buf_adds(&e->skipped, p->type);
		}
		return 0;
	}
	e->candidates++;
	buf_reset(&e->porigin);
	if (buf_adds(&e->porigin, e->s_mail_label) == -1 ||
	    buf_adds(&e->porigin, ": part ") == -1 ||
	    buf_adds(&e->porigin, p->number) == -1 ||
	    buf_adds(&e->porigin, " (") == -1 ||
	    buf_adds(&e->porigin, p->type) == -1 ||
	    (p->filename != NULL && (buf_adds(&e->porigin, ", ") == -1 ||
	    buf_adds(&e->porigin, p->filename) == -1)) ||
	    buf_addc(&e->porigin, ')') == -1)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	u = unpack_open_mem(p->data, p->len, e->porigin.data, &e->opts.ulim);
	if (u == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	rc = read_units(e, u, err);
	unpack_close(u);
	return rc;
}

int
ingest_mail(struct ingest *e, const void *raw, size_t len,
    const char *mailbox, const char *location, int handle, const char *label,
    int64_t received, struct dr_error *err)
{
	struct store_mail	 sm;
	struct mail_msg		*m = NULL;
	struct dr_error		 why;
	const char		*kind = NULL;
	char			 reason[600];
	int			 rc = 0, known;

	e->mail_read++;
	e->received = received;
	memset(&sm, 0, sizeof sm);
	mail_digest(e->msha, raw, len, sm.sha256);
	known = store_mail_known(e->mlookup, sm.sha256, err);
	if (known == -1)
		return -1;
	sm.handle = handle;
	if (known) {
		e->mail_known++;
		sm.location = location;
		return send_mail(e->dq, M_MAIL_SEEN, &sm, label, NULL, err);
	}
	sm.mailbox = mailbox;
	sm.location = location;
	sm.size = len;
	sm.date = -1;
	if (len > e->opts.max_message) {
		dr_seterr(&why, DR_E_LIMIT, "email message larger than %zu "
		    "bytes (--max-message)", e->opts.max_message);
	} else if ((m = mail_parse(raw, len, &why)) != NULL) {
		sm.message_id = mail_message_id(m);
		sm.from = mail_from(m);
		sm.subject = mail_subject(m);
		sm.date = mail_date(m);
	}
	e->s_mail_label = label;
	if (send_mail(e->dq, M_MAIL_BEGIN, &sm, label, NULL, err) == -1) {
		mail_free(m);
		return -1;
	}
	if (m != NULL) {
		e->in_mail = true;
		e->candidates = 0;
		buf_reset(&e->skipped);
		rc = mail_parts(m, mail_part, e, &kind, &why);
		e->in_mail = false;
		mail_free(m);
		if (rc != 0 && dr_err_fatal(&why)) {
			*err = why;
			return -1;
		}
		if (rc == -1 && dr_err_fatal(err))
			return -1;
	}
	if (m == NULL || rc != 0) {
		/* The message itself could not be read: keep it. */
		if (send_mem_reject(e->dq, label, why.msg, raw, len <
		    e->opts.ulim.keep_bytes ? len : e->opts.ulim.keep_bytes,
		    len, err) == -1)
			return -1;
		kind = why.msg;
	}
	if (kind != NULL)
		snprintf(reason, sizeof reason, "%.599s", kind);
	else
		snprintf(reason, sizeof reason, "no DMARC aggregate report "
		    "in it (%s)", e->skipped.len ? e->skipped.data :
		    "no parts");
	if (send_mail(e->dq, M_MAIL_END, NULL, label, reason, err) == -1)
		return -1;
	progress(e);
	return 0;
}

struct mbox_ctx {
	struct ingest	*e;
	const char	*path;
	struct buf	 label;
};

static int
mbox_message(void *arg, const void *raw, size_t len, uint64_t offset,
    struct dr_error *err)
{
	struct mbox_ctx	*c = arg;
	char		 at[64];

	snprintf(at, sizeof at, ": message at byte %llu",
	    (unsigned long long)offset);
	buf_reset(&c->label);
	if (buf_adds(&c->label, c->path) == -1 ||
	    buf_adds(&c->label, at) == -1)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	return ingest_mail(c->e, raw, len, c->path, NULL, 0, c->label.data,
	    c->e->received, err) == -1 ? -1 : 0;
}

/* An input that is an email message, or an mbox file of them. */
static int
read_mailbox(struct ingest *e, struct unpack *u, struct dr_error *err)
{
	const unsigned char	*p;
	size_t			 len;
	struct dr_error		 why;
	struct mbox_ctx		 c;
	int			 rc;

	if (unpack_input(u, unpack_unit_is_file(u) ? SIZE_MAX :
	    e->opts.max_message, &p, &len, &why) == -1) {
		if (dr_err_fatal(&why)) {
			*err = why;
			return -1;
		}
		return send_unit_reject(e, u, unpack_origin(u), why.msg, err);
	}
	if (len >= 5 && memcmp(p, "From ", 5) == 0) {
		c.e = e;
		c.path = unpack_origin(u);
		memset(&c.label, 0, sizeof c.label);
		rc = mail_mbox(p, len, mbox_message, &c, err);
		buf_free(&c.label);
		return rc == 0 ? 0 : -1;
	}
	return ingest_mail(e, p, len, unpack_origin(u), NULL, 0,
	    unpack_origin(u), e->received, err);
}

int
ingest_mail_known(struct ingest *e, const char *location,
    enum store_mail_outcome *o, int *handled, struct dr_error *err)
{
	return store_location(e->mlookup, location, o, handled, err);
}

int
ingest_mail_handled(struct ingest *e, const char *location,
    struct dr_error *err)
{
	struct store_mail	sm;

	memset(&sm, 0, sizeof sm);
	sm.location = location;
	return send_mail(e->dq, M_MAIL_HANDLED, &sm, location, NULL, err);
}

void
ingest_note_input(struct ingest *e)
{
	e->inputs++;
}

const char *
ingest_db_path(const struct ingest *e)
{
	return store_path(e->store);
}

int
ingest_busy_ms(const struct ingest *e)
{
	return store_busy_ms(e->store);
}

size_t
ingest_max_message(const struct ingest *e)
{
	return e->opts.max_message;
}

void
ingest_mail_skip(struct ingest *e)
{
	e->mail_read++;
	e->mail_known++;
}

int
ingest_fd(struct ingest *e, int fd, const struct stat *st, const void *prefix,
    size_t plen, const char *origin, int64_t received, struct dr_error *err)
{
	struct unpack	*u;
	int		 rc;

	u = unpack_open_fd(fd, st, origin, &e->opts.ulim);
	if (u == NULL || (plen > 0 && unpack_prefix(u, prefix, plen) == -1)) {
		unpack_close(u);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	rc = ingest_unpack(e, u, received, err);
	unpack_close(u);
	return rc;
}

int
ingest_mem(struct ingest *e, const void *p, size_t len, const char *origin,
    int64_t received, struct dr_error *err)
{
	struct unpack	*u;
	int		 rc;

	u = unpack_open_mem(p, len, origin, &e->opts.ulim);
	if (u == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	rc = ingest_unpack(e, u, received, err);
	unpack_close(u);
	return rc;
}

void
ingest_problem(struct ingest *e, const char *origin, const char *why)
{
	struct dr_error	err;

	if (send_reject(e->dq, M_NOTE, origin, why, 1, 0, NULL, &err) == -1)
		set_fatal(e, &err);
}

void
ingest_unreadable(struct ingest *e, const char *origin, const char *why)
{
	e->inputs++;
	ingest_problem(e, origin, why);
}

int
ingest_sync(struct ingest *e, struct dr_error *err)
{
	uint64_t	seq;

	if (send_simple(e->dq, M_SYNC, err) == -1)
		return -1;
	queue_flush(e->dq);
	pthread_mutex_lock(&e->mtx);
	seq = ++e->sync_sent;
	while (e->sync_done < seq)
		pthread_cond_wait(&e->synced, &e->mtx);
	pthread_mutex_unlock(&e->mtx);
	return check_fatal(e, err);
}

/* --- set up and tear down -------------------------------------------- */

int
ingest_new(struct store *store, const struct ingest_opts *opts,
    struct ingest **ep, struct dr_error *err)
{
	struct ingest	*e;

	*ep = NULL;
	e = calloc(1, sizeof *e);
	if (e == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	e->store = store;
	e->opts = *opts;
	pthread_mutex_init(&e->mtx, NULL);
	pthread_cond_init(&e->synced, NULL);
	pthread_cond_init(&e->verdict, NULL);
	e->sha = sha256_new();
	e->msha = sha256_new();
	e->sha_store = sha256_new();
	e->buf = malloc(INGEST_PREBUF);
	e->rawbuf = malloc(CHUNK);
	e->s_rawbuf = malloc(CHUNK);
	e->dq = queue_new(QBLOCK, QBLOCKS);
	e->sq = queue_new(QBLOCK, QBLOCKS);
	e->parser = parse_new(&opts->plim, &callbacks, e, 0);
	if (opts->recover)
		e->rparser = parse_new(&opts->plim, &callbacks, e, 1);
	if (e->sha == NULL || e->msha == NULL || e->sha_store == NULL ||
	    e->buf == NULL || e->rawbuf == NULL || e->s_rawbuf == NULL ||
	    e->dq == NULL ||
	    e->sq == NULL || e->parser == NULL ||
	    (opts->recover && e->rparser == NULL)) {
		ingest_free(e);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	/* Everything committed so far is visible to the reader. */
	if (store_commit(store, err) == -1 ||
	    store_open(store_path(store), store_busy_ms(store), STORE_READER,
	    &e->lookup, err) == -1 ||
	    store_open(store_path(store), store_busy_ms(store), STORE_READER,
	    &e->mlookup, err) == -1) {
		ingest_free(e);
		return -1;
	}
	if (pthread_create(&e->store_thread, NULL, store_main, e) != 0) {
		ingest_free(e);
		return dr_seterr(err, DR_E_NOMEM, "cannot start a thread");
	}
	if (pthread_create(&e->parse_thread, NULL, parse_main, e) != 0) {
		queue_close(e->sq);
		pthread_join(e->store_thread, NULL);
		ingest_free(e);
		return dr_seterr(err, DR_E_NOMEM, "cannot start a thread");
	}
	e->running = true;
	*ep = e;
	return 0;
}

int
ingest_finish(struct ingest *e, struct dr_error *err)
{
	if (e->running) {
		queue_close(e->dq);
		pthread_join(e->parse_thread, NULL);
		pthread_join(e->store_thread, NULL);
		e->running = false;
		log_debug("CPU: reading %.2f s, parsing %.2f s, storing %.2f s",
		    thread_cpu(), e->cpu_parse, e->cpu_store);
	}
	e->counts.inputs = e->inputs;
	e->counts.mail_read = e->mail_read;
	e->counts.mail_known = e->mail_known;
	e->counts.rejected = atomic_load(&e->rejected);
	e->counts.stored = atomic_load(&e->stored);
	e->counts.duplicates = atomic_load(&e->duplicates);
	e->counts.superseded = atomic_load(&e->superseded);
	e->counts.records = atomic_load(&e->records);
	e->counts.messages = atomic_load(&e->messages);
	return check_fatal(e, err);
}

void
ingest_free(struct ingest *e)
{
	struct dr_error	err;

	if (e == NULL)
		return;
	if (e->running)
		ingest_finish(e, &err);
	store_close(e->lookup);
	store_close(e->mlookup);
	sha256_free(e->msha);
	buf_free(&e->skipped);
	buf_free(&e->porigin);
	buf_free(&e->s_label);
	parse_free(e->parser);
	parse_free(e->rparser);
	queue_free(e->dq);
	queue_free(e->sq);
	sha256_free(e->sha);
	sha256_free(e->sha_store);
	free(e->buf);
	free(e->rawbuf);
	free(e->s_rawbuf);
	buf_free(&e->sorigin);
	buf_free(&e->rorigin);
	buf_free(&e->v_origin);
	pthread_mutex_destroy(&e->mtx);
	pthread_cond_destroy(&e->synced);
	pthread_cond_destroy(&e->verdict);
	free(e);
}

const struct store_counts *
ingest_counts(const struct ingest *e)
{
	return &e->counts;
}
