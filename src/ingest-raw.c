/*
 * ingest-raw.c: the raw bytes of rejected units, from end to end.
 *
 * They are kept (up to --keep-rejected) without ever being held whole:
 * a file's are read again by the store thread; a document's own are
 * sent by the parser, and others by the reader, in pieces of at most
 * CHUNK after their digest, and written into SQLite as they come. When
 * only the reader can read them again (a zip member or an input in
 * memory, streamed or compressed), it waits for the parser's verdict on
 * that document before it goes on.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "ingest-int.h"
#include "log.h"

/*
 * A rejection with raw bytes in memory (len of them kept, of size): its
 * digest first, then the bytes in pieces, so that no message holds more
 * than CHUNK of them.
 */
int
raw_send_mem(struct queue *q, const char *origin, const char *reason,
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
	if (imsg_reject(q, M_REJECT, origin, reason, 1, 0, &raw, err) == -1)
		return -1;
	for (off = 0; off < len; off += n) {
		n = len - off < CHUNK ? len - off : CHUNK;
		if (imsg_piece(q, M_RAW, (const char *)p + off, n, err) == -1)
			return -1;
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

static bool
same_file(const struct stat *st, const struct raw *r)
{
	return S_ISREG(st->st_mode) && st->st_dev == r->dev &&
	    st->st_ino == r->ino;
}

/*
 * Open a rejected file again, to keep its bytes, if its path still
 * names the regular file that was read (same device and inode); -1 if
 * not. The path is not trusted: whoever can write where it lies may
 * have swapped the file for a link to another one (whose bytes would
 * be kept), a FIFO (which would hang) or a device (whose opening may do
 * something). What stat sees is checked before anything is opened, the
 * last component is opened without following a link unless it was one
 * already (a link named on the command line), and what was opened is
 * checked again.
 */
static int
open_again(const struct raw *r)
{
	struct stat	st;
	int		fd, flags;

	flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	if (lstat(r->path, &st) == -1)
		return -1;
	if (S_ISLNK(st.st_mode)) {
		if (stat(r->path, &st) == -1)
			return -1;
	} else
		flags |= O_NOFOLLOW;
	if (!same_file(&st, r))
		return -1;
	fd = open(r->path, flags);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !same_file(&st, r)) {
		close(fd);
		return -1;
	}
	return fd;
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

	fd = open_again(&m->raw);
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

/*
 * Say a rejection, once its row is written (rc: how that went): a new
 * one is a warning; one an earlier run rejected (the same bytes kept)
 * is said under -v only, and counted apart, so that a bad file left
 * where it is does not fill cron's mail every hour.
 */
static int
reject_said(struct ingest *e, const struct m_reject *m, int rc)
{
	if (rc == 0 && store_reject_before(e->store)) {
		log_verbose("%s: %s (rejected before)", m->origin, m->reason);
		atomic_fetch_add(&e->rejected_before, 1);
		return rc;
	}
	log_warnx("%s: %s", m->origin, m->reason);
	atomic_fetch_add(&e->rejected, 1);
	ingest_list_add(e, INGEST_REJECTED, m->origin, m->reason);
	return rc;
}

/* A rejected unit: kept with its raw bytes, logged and counted. */
int
raw_store_reject(struct ingest *e, struct m_reject *m, struct dr_error *err)
{
	int	want, rc;

	switch (m->raw.kind) {
	case RAW_PATH:
		return reject_said(e, m, reject_file(e, m, err));
	case RAW_CHUNKS:
		rc = store_reject_begin(e->store, m->origin, m->reason,
		    m->raw.sha256, m->raw.len, m->raw.size, &want, err);
		if (reject_said(e, m, rc) == -1)
			return -1;
		if (m->raw.len == 0)
			return store_reject_end(e->store, err);
		e->s_raw_left = m->raw.len;
		e->s_raw_want = want;
		return 0;
	case RAW_BYTES:
		return reject_said(e, m, store_reject(e->store, m->origin,
		    m->reason, m->raw.bytes, m->raw.len, m->raw.size, err));
	default:
		return reject_said(e, m, store_reject(e->store, m->origin,
		    m->reason, NULL, 0, m->raw.size, err));
	}
}

/* The next piece of the rejected unit's bytes. */
int
raw_store_piece(struct ingest *e, struct d_chunk *c, struct dr_error *err)
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

/*
 * Tell the reader whether the document whose raw bytes it holds was
 * rejected (why is not NULL), and by which origin.
 */
int
raw_give_verdict(struct ingest *e, const struct dr_error *why,
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
int
raw_reject_doc(struct ingest *e, const struct dr_error *why,
    const struct raw *raw, const char *data, size_t len, struct dr_error *err)
{
	size_t	keep = e->opts.ulim.keep_bytes;

	if (e->doc_mail && why->code == DR_E_NOTREPORT)
		return imsg_reject(e->sq, M_NOTE, e->doc.origin, why->msg, 0,
		    0, NULL, err);
	switch (raw->kind) {
	case RAW_READER:
		return raw_give_verdict(e, why, err);
	case RAW_DATA:
		return raw_send_mem(e->sq, e->doc.origin, why->msg, data,
		    len < keep ? len : keep, len, err);
	case RAW_BYTES:
		return raw_send_mem(e->sq, e->doc.origin, why->msg,
		    raw->bytes, raw->len, raw->size, err);
	default:
		return imsg_reject(e->sq, M_REJECT, e->doc.origin, why->msg, 1,
		    0, raw, err);
	}
}

/*
 * A rejection of the current unit by the reader, which can read its raw
 * bytes again: a file's are read by the store; the others are read
 * twice, a piece at a time, for their digest and to be sent.
 */
int
raw_send_unit(struct ingest *e, struct unpack *u, const char *origin,
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
		raw.dev = e->in_dev;
		raw.ino = e->in_ino;
		return imsg_reject(e->dq, M_REJECT, origin, reason, 1, 0, &raw,
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
	if (imsg_reject(e->dq, M_REJECT, origin, reason, 1, 0, &raw,
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
		if (imsg_piece(e->dq, M_RAW, e->rawbuf, k, err) == -1)
			return -1;
	}
	return 0;
}

/*
 * Where the raw bytes of a document just read are, should the parser
 * reject it: its file; the document itself (doc, when it has no
 * compression layer); a copy, when they are few; or the reader, who
 * then waits for the verdict (raw_await_verdict).
 */
void
raw_locate(struct ingest *e, struct unpack *u, bool doc, struct raw *r)
{
	struct dr_error	why;
	unsigned char	more;
	size_t		len = 0;
	ssize_t		n;

	memset(r, 0, sizeof *r);
	if (unpack_unit_is_file(u)) {
		r->kind = RAW_PATH;
		r->path = unpack_origin(u);
		r->dev = e->in_dev;
		r->ino = e->in_ino;
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
int
raw_await_verdict(struct ingest *e, struct unpack *u, struct dr_error *err)
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
	if (ingest_check_fatal(e, err) == -1)
		return -1;
	if (!reject)
		return 0;
	return raw_send_unit(e, u, e->rorigin.data, why.msg, err);
}
