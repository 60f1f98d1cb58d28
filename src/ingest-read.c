/*
 * ingest-read.c: the reader of the ingest engine (the caller's thread):
 * inputs unpacked into documents, handed on whole or in chunks.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ingest-int.h"
#include "log.h"

int
ingest_progress_wanted(void)
{
	return log_progress_enabled();
}

/*
 * The progress line: with a phase, done/total, the rate and the time
 * left (once there is a rate to tell it by); without, what was read.
 */
static double
progress_secs(const struct timespec *t0)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * The time left, at the rate so far: said once a second has gone by and
 * something is done, in whole seconds, minutes or hours.
 */
static void
progress_left(double secs, uint64_t done, uint64_t total, char *out,
    size_t len)
{
	double		left;
	unsigned long	s;

	if (done >= total) {
		snprintf(out, len, "finishing");
		return;
	}
	if (secs < 1 || done == 0) {
		snprintf(out, len, "time left unknown");
		return;
	}
	left = secs * (double)(total - done) / (double)done;
	s = left > 359999 ? 359999 : (unsigned long)left + 1;
	if (s < 60)
		snprintf(out, len, "%lus left", s);
	else if (s < 3600)
		snprintf(out, len, "%lum%02lus left", s / 60, s % 60);
	else
		snprintf(out, len, "%luh%02lum left", s / 3600, s / 60 % 60);
}

void
ingest_progress(struct ingest *e)
{
	char		done[96], rate[48], left[48];
	double		secs, r;
	uint64_t	stored;

	if (!log_progress_enabled())
		return;
	stored = atomic_load(&e->stored);
	if (e->p_depth == 0) {
		log_progress(NULL, "%llu inputs, %llu reports stored, %llu "
		    "records, %.1f MB read", (unsigned long long)e->inputs,
		    (unsigned long long)stored,
		    (unsigned long long)(atomic_load(&e->records) +
		    atomic_load(&e->cur_records)), (double)e->bytes / 1e6);
		return;
	}
	secs = progress_secs(&e->p_start);
	r = secs > 0 ? (double)e->p_done / secs : 0;
	if (e->p_total == 0) {
		/* A size not known: what was read, and how fast. */
		log_progress(e->p_what, "%.1f MB, %.1f MB/s; %llu %s stored",
		    (double)e->p_done / 1e6, r / 1e6,
		    (unsigned long long)stored, stored == 1 ? "report" :
		    "reports");
		return;
	}
	if (e->p_unit != NULL) {
		snprintf(done, sizeof done, "%llu/%llu %s",
		    (unsigned long long)e->p_done,
		    (unsigned long long)e->p_total, e->p_unit);
		snprintf(rate, sizeof rate, r < 10 ? "%.1f %s/s" :
		    "%.0f %s/s", r, e->p_unit);
	} else {
		snprintf(done, sizeof done, "%.1f/%.1f MB",
		    (double)e->p_done / 1e6, (double)e->p_total / 1e6);
		snprintf(rate, sizeof rate, "%.1f MB/s", r / 1e6);
	}
	progress_left(secs, e->p_done, e->p_total, left, sizeof left);
	log_progress(e->p_what, "%s, %s, %s; %llu %s stored", done, rate,
	    left, (unsigned long long)stored, stored == 1 ? "report" :
	    "reports");
}

void
ingest_progress_begin(struct ingest *e, const char *what, uint64_t total,
    const char *unit)
{
	if (e->p_depth++ > 0)
		return;
	snprintf(e->p_what, sizeof e->p_what, "%s", what);
	e->p_unit = unit;
	e->p_total = total;
	e->p_done = 0;
	clock_gettime(CLOCK_MONOTONIC, &e->p_start);
	ingest_progress(e);
}

/* Items count at any depth: a Maildir's messages in a folder's files. */
void
ingest_progress_add(struct ingest *e, uint64_t n)
{
	if (e->p_depth == 0 || e->p_unit == NULL)
		return;
	e->p_done += n;
	ingest_progress(e);
}

void
ingest_progress_at(struct ingest *e, uint64_t n)
{
	if (e->p_depth != 1)
		return;
	e->p_done = n;
	ingest_progress(e);
}

void
ingest_progress_end(struct ingest *e)
{
	if (e->p_depth > 0)
		e->p_depth--;
}

int
ingest_stopping(const struct ingest *e)
{
	return e->opts.stop != NULL && *e->opts.stop != 0;
}

int
ingest_movable(const struct ingest *e)
{
	return !e->cut && !e->mailbox;
}

int
ingest_follow_begin(struct ingest *e, struct dr_error *err)
{
	return imsg_follow(e->dq, M_FOLLOW_BEGIN, 0, err);
}

int
ingest_follow_end(struct ingest *e, unsigned slot, struct dr_error *err)
{
	return imsg_follow(e->dq, M_FOLLOW_END, slot % INGEST_FOLLOW_MAX, err);
}

int
ingest_followed(const struct ingest *e, unsigned slot)
{
	return e->follow[slot % INGEST_FOLLOW_MAX];
}

static int
send_doc(struct ingest *e, enum msg_type type, struct unpack *u,
    const struct store_doc *doc, const char *data, size_t len,
    struct dr_error *err)
{
	struct raw	raw;

	memset(&raw, 0, sizeof raw);
	if (type == D_DOC)
		raw_locate(e, u, true, &raw);
#define FILL(k) do {							\
	struct d_doc *m = pk_alloc((k), sizeof *m);			\
	struct store_doc d;						\
	struct raw r;							\
	const char *p;							\
	imsg_pk_doc((k), &d, doc);						\
	imsg_pk_raw((k), &r, &raw);						\
	p = pk_bytes((k), data, len);					\
	if (m != NULL) {						\
		m->h.type = type;					\
		m->mail = e->in_mail && !e->part_claims;		\
		m->doc = d;						\
		m->raw = r;						\
		m->data = p;						\
		m->len = len;						\
	}								\
} while (0)
	SEND(e->dq, err, FILL);
#undef FILL
	if (raw.kind == RAW_READER)
		return raw_await_verdict(e, u, err);
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

	raw_locate(e, u, false, &raw);
#define FILL(k) do {							\
	struct d_send *m = pk_alloc((k), sizeof *m);			\
	struct raw r;							\
	const char *o = pk_str((k), unpack_origin(u));			\
	imsg_pk_raw((k), &r, &raw);						\
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
		return raw_await_verdict(e, u, err);
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
		if (!e->in_mail && ingest_stopping(e)) {
			/* Never half a report: this one is dropped. */
			e->cut = true;
			return imsg_simple(e->dq, D_SCANCEL, err);
		}
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
		    ingest_check_fatal(e, err) == -1)
			return -1;
		ingest_progress(e);
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

/* Every unit of an input (or of a part of a message). */
int
ingest_read_units(struct ingest *e, struct unpack *u, struct dr_error *err)
{
	struct dr_error	why;
	int		r;

	for (;;) {
		if (ingest_check_fatal(e, err) == -1)
			return -1;
		/* A message is read to its end: it is recorded whole. */
		if (!e->in_mail && ingest_stopping(e)) {
			e->cut = true;
			return 0;
		}
		r = unpack_next(u, &why);
		if (r == 0)
			break;
		if (r == 1 && read_doc(e, u, &why) == 0)
			continue;
		if (dr_err_fatal(&why)) {
			*err = why;
			return -1;
		}
		if (why.code == DR_E_EMAIL && !e->in_mail) {
			e->mail = true;
			return ingest_read_mailbox(e, u, err);
		}
		if (e->in_mail && !e->part_claims &&
		    (why.code == DR_E_NOTREPORT || why.code == DR_E_EMAIL)) {
			/*
			 * In a message, a part that is no report is normal,
			 * unless it says it is one (claims_report).
			 */
			if (e->skipped.len < 400) {
				buf_adds(&e->skipped, e->skipped.len ? "; " :
				    "");
				buf_adds(&e->skipped, why.code == DR_E_EMAIL ?
				    "an email message" : why.msg);
			}
			if (imsg_reject(e->dq, M_NOTE, unpack_origin(u),
			    why.msg, 0, 0, NULL, err) == -1)
				return -1;
			continue;
		}
		if (raw_send_unit(e, u, unpack_origin(u), why.msg, err) == -1)
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
	e->cut = false;
	e->mailbox = false;
	e->mail = false;
	rc = ingest_read_units(e, u, err);
	ingest_progress(e);
	return rc;
}

/*
 * The digest of a regular file's bytes, read whole (it may not be
 * INGEST_KNOWN_MAX bytes or more, nor change while read): 1, or 0
 * when it has none.
 */
static int
file_digest(struct ingest *e, int fd, const struct stat *st,
    unsigned char sha[SHA256_LEN])
{
	uint64_t	off = 0;
	ssize_t		n;

	if (!S_ISREG(st->st_mode) || st->st_size >= INGEST_KNOWN_MAX)
		return 0;
	for (;;) {
		n = pread(fd, e->buf, CHUNK, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sha256_update(e->msha, e->buf, (size_t)n);
		off += (uint64_t)n;
	}
	sha256_final(e->msha, sha);
	return n == 0 && off == (uint64_t)st->st_size;
}

int
ingest_fd(struct ingest *e, int fd, const struct stat *st, const void *prefix,
    size_t plen, const char *origin, int64_t received, struct dr_error *err)
{
	struct unpack	*u;
	struct store	*l;
	struct stat	 fst;
	unsigned char	 sha[SHA256_LEN];
	int64_t		 known = -1;
	int		 hashed, rc;

	/* Which file it is, so that the store reads no other for its bytes. */
	if (st == NULL && fstat(fd, &fst) == 0)
		st = &fst;
	e->in_dev = st != NULL ? st->st_dev : 0;
	e->in_ino = st != NULL ? st->st_ino : 0;
	/*
	 * A report file read before, all of its reports stored, is known
	 * by its bytes (store_file_known): neither decompressed nor
	 * hashed a document at a time again. (Standard input is an MTA's
	 * message, even when it is a file.)
	 */
	hashed = !e->one_message && plen == 0 && st != NULL &&
	    file_digest(e, fd, st, sha);
	if (hashed) {
		if ((l = ingest_lookup(e, err)) == NULL)
			return -1;
		rc = store_file_known(l, sha, &known, err);
		ingest_lookup_done(e);
		if (rc == -1)
			return -1;
		if (rc == 1) {
			e->inputs++;
			e->bytes += (uint64_t)st->st_size;
			ingest_progress(e);
			e->cut = e->mailbox = e->mail = false;
			return imsg_file(e->dq, M_FILE_END, origin, sha,
			    (uint64_t)st->st_size, known, 1, err);
		}
		if (imsg_file(e->dq, M_FILE_BEGIN, origin, sha,
		    (uint64_t)st->st_size, -1, 0, err) == -1)
			return -1;
	}
	u = unpack_open_fd(fd, st, origin, &e->opts.ulim);
	if (u == NULL || (plen > 0 && unpack_prefix(u, prefix, plen) == -1)) {
		unpack_close(u);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	rc = ingest_unpack(e, u, received, err);
	unpack_close(u);
	if (rc == 0 && hashed && imsg_file(e->dq, M_FILE_END, origin, sha,
	    (uint64_t)st->st_size, -1, !e->cut && !e->mailbox && !e->mail,
	    err) == -1)
		return -1;
	return rc;
}

int
ingest_stdin(struct ingest *e, const void *prefix, size_t plen,
    int64_t received, struct dr_error *err)
{
	int	rc;

	e->one_message = true;
	rc = ingest_fd(e, STDIN_FILENO, NULL, prefix, plen, "stdin",
	    received, err);
	e->one_message = false;
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

	if (imsg_reject(e->dq, M_NOTE, origin, why, NOTE_UNREADABLE, 0, NULL,
	    &err) == -1)
		ingest_set_fatal(e, &err);
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

	if (imsg_simple(e->dq, M_SYNC, err) == -1)
		return -1;
	queue_flush(e->dq);
	pthread_mutex_lock(&e->mtx);
	seq = ++e->sync_sent;
	while (e->sync_done < seq)
		pthread_cond_wait(&e->synced, &e->mtx);
	pthread_mutex_unlock(&e->mtx);
	return ingest_check_fatal(e, err);
}
