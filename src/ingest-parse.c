/*
 * ingest-parse.c: the parser thread of the ingest engine: documents
 * from the reader, hashed, looked up, parsed, and sent to the store as
 * messages.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ingest-int.h"

static int	cb_begin(void *, const struct dr_report *, struct dr_error *);
static int	cb_record(void *, const struct dr_record *, struct dr_error *);

const struct parse_cb ingest_parse_cb = { cb_begin, cb_record };

static int
cb_begin(void *arg, const struct dr_report *r, struct dr_error *err)
{
	struct ingest	*e = arg;

	if (ingest_check_fatal(e, err) == -1)
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
	if ((r->ordinal & 1023) == 0 && ingest_check_fatal(e, err) == -1)
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
		imsg_simple(e->sq, M_ABORT, &err);
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
	imsg_pk_doc((k), &d, &e->doc);					\
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
	return raw_reject_doc(e, &e->serr, &s->raw, NULL, 0, err);
}

/* A whole document: hashed, looked up, parsed, or rejected. */
static int
doc_msg(struct ingest *e, struct d_doc *d, struct dr_error *err)
{
	struct dr_error	 why;
	struct store	*l;
	int		 found;

	e->doc = d->doc;
	e->doc_mail = d->mail;
	sha256_update(e->sha, d->data, d->len);
	sha256_final(e->sha, e->doc.sha256);
	if ((l = ingest_lookup(e, err)) == NULL)
		return -1;
	found = store_has_report(l, e->doc.sha256, 0, err);
	ingest_lookup_done(e);
	if (found == -1)
		return -1;
	if (found)
		return imsg_reject(e->sq, M_NOTE, e->doc.origin,
		    "duplicate of a stored report", 0, 1, NULL, err);
	if (buffered_doc(e, d->data, d->len, &why) == -1) {
		if (dr_err_fatal(&why)) {
			*err = why;
			return -1;
		}
		return raw_reject_doc(e, &why, &d->raw, d->data, d->len, err);
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
		    raw_give_verdict(e, NULL, err) == -1)
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
		    raw_give_verdict(e, NULL, err) == -1)
			rc = -1;
		return rc;
	}
	case M_REJECT:
	case M_NOTE: {
		/* Passed on (packed anew: its pointers point into itself). */
		struct m_reject *m = (struct m_reject *)h;
		return imsg_reject(e->sq, h->type, m->origin, m->reason,
		    m->kind, m->dup, &m->raw, err);
	}
	case M_RAW: {
		struct d_chunk *c = (struct d_chunk *)h;
		return imsg_piece(e->sq, M_RAW, c->data, c->len, err);
	}
	case M_SYNC:
		if (imsg_simple(e->sq, M_SYNC, err) == -1)
			return -1;
		queue_flush(e->sq);
		return 0;
	case M_MAIL_BEGIN:
	case M_MAIL_END:
	case M_MAIL_SEEN:
	case M_MAIL_HANDLED: {
		struct m_mail *m = (struct m_mail *)h;
		return imsg_mail(e->sq, h->type, &m->mail, m->label, m->reason,
		    m->usable, err);
	}
	case M_FOLLOW_BEGIN:
	case M_FOLLOW_END:
		return imsg_follow(e->sq, h->type,
		    ((struct m_follow *)h)->slot, err);
	case M_FILE_BEGIN:
	case M_FILE_END: {
		struct m_file *m = (struct m_file *)h;
		return imsg_file(e->sq, h->type, m->origin, m->sha256, m->size,
		    m->known, m->whole, err);
	}
	case D_SCANCEL: {
		/* Stopped: the report read so far is dropped, not rejected. */
		unsigned char none[SHA256_LEN];
		e->streaming = false;
		sha256_final(e->sha, none);
		abort_report(e);
		return 0;
	}
	default:
		return 0;
	}
}

void *
ingest_parse_main(void *arg)
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
				ingest_set_fatal(e, &err);
		}
		queue_release(e->dq, b);
	}
	if (e->began)
		abort_report(e);
	queue_close(e->sq);
	e->cpu_parse = ingest_thread_cpu();
	return NULL;
}
