/*
 * ingest-mail.c: email messages and mbox files, read by the reader of
 * the ingest engine: each message is recorded, and its parts that may
 * hold a report are unpacked like any other input.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ingest-int.h"
#include "mail.h"

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
ends_with(const char *s, const char *suffix)
{
	size_t	n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/*
 * Does a part say it is a DMARC aggregate report? Its type is XML, or
 * its file name ends in .xml (.xml.gz, .xml.zip, ...) or has the form
 * RFC 7489 gives report files ("receiver!domain!begin!end..."), which
 * SMTP TLS reports share, so a JSON name is not one. A part that says
 * so and is no report is broken, and rejected; other parts that are no
 * report (a logo, a text body) are passed over.
 */
static int
claims_report(const struct mail_part *p)
{
	static const char *const sfx[] = { ".xml", ".xml.gz", ".xml.gzip",
	    ".xml.zip", ".xml.z", ".xml.zlib" };
	const char	*f = p->filename, *c;
	size_t		 i, bangs = 0;

	if (strcasecmp(p->type, "text/xml") == 0 ||
	    strcasecmp(p->type, "application/xml") == 0)
		return 1;
	if (f == NULL || strstr(f, ".json") != NULL ||
	    strstr(f, ".JSON") != NULL)
		return 0;
	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++)
		if (ends_with(f, sfx[i]))
			return 1;
	for (c = f; *c != '\0'; c++)
		bangs += *c == '!';
	return bangs >= 3;
}

static int
mail_part(void *arg, const struct mail_part *p, struct dr_error *err)
{
	struct ingest		*e = arg;
	struct unpack		*u;
	enum unpack_kind	 kind;
	char			 desc[256], why[300];
	int			 rc;

	kind = unpack_sniff(p->data, p->len < 4096 ? p->len : 4096,
	    p->len > 4096, desc, sizeof desc);
	e->part_claims = claims_report(p);
	if (kind != UNPACK_XML && kind != UNPACK_GZIP && kind != UNPACK_ZLIB &&
	    kind != UNPACK_ZIP && !e->part_claims) {
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
	if (kind != UNPACK_XML && kind != UNPACK_GZIP && kind != UNPACK_ZLIB &&
	    kind != UNPACK_ZIP) {
		/* Named as a report, and something else: broken. */
		snprintf(why, sizeof why, "not a DMARC report: %s",
		    kind == UNPACK_EMAIL ? "an email message" : desc);
		return raw_send_mem(e->dq, e->porigin.data, why, p->data,
		    p->len < e->opts.ulim.keep_bytes ? p->len :
		    e->opts.ulim.keep_bytes, p->len, err);
	}
	u = unpack_open_mem(p->data, p->len, e->porigin.data, &e->opts.ulim);
	if (u == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	rc = ingest_read_units(e, u, err);
	unpack_close(u);
	return rc;
}

int
ingest_mail(struct ingest *e, const void *raw, size_t len,
    const char *mailbox, const char *location, int handle, const char *label,
    int64_t received, struct dr_error *err)
{
	struct store_mail	 sm;
	enum store_mail_outcome	 o;
	struct store		*l;
	struct mail_msg		*m = NULL;
	struct dr_error		 why;
	const char		*kind = NULL;
	char			 reason[600];
	int			 rc = 0, known;

	e->mail_read++;
	e->received = received;
	memset(&sm, 0, sizeof sm);
	mail_digest(e->msha, raw, len, sm.sha256);
	if ((l = ingest_lookup(e, err)) == NULL)
		return -1;
	known = store_mail_known(l, sm.sha256, &o, err);
	ingest_lookup_done(e);
	if (known == -1)
		return -1;
	/* Recovery mode reads again what held only broken reports. */
	if (known && e->opts.recover && o == STORE_MAIL_REJECTED)
		known = 0;
	sm.handle = handle;
	if (known) {
		e->mail_known++;
		sm.location = location;
		return imsg_mail(e->dq, M_MAIL_SEEN, &sm, label, NULL,
		    o == STORE_MAIL_STORED || o == STORE_MAIL_DUPLICATE, err);
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
	} else if (dr_err_fatal(&why)) {
		/* Not the message's fault (GMime cannot be loaded). */
		*err = why;
		return -1;
	}
	e->s_mail_label = label;
	if (imsg_mail(e->dq, M_MAIL_BEGIN, &sm, label, NULL, 0, err) == -1) {
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
		if (raw_send_mem(e->dq, label, why.msg, raw, len <
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
	if (imsg_mail(e->dq, M_MAIL_END, NULL, label, reason, 0, err) == -1)
		return -1;
	ingest_progress(e);
	return 0;
}

/* Bytes of the input, for the mbox reader. */
static ssize_t
input_read(void *arg, void *buf, size_t n, struct dr_error *err)
{
	return unpack_read_input(arg, buf, n, err);
}

/*
 * An mbox file, split as it is read (see mail_mbox_next): each message
 * is held alone, at most --max-message bytes of it; a larger one is
 * rejected, with the bytes held. A read error (the file cut short while
 * it is read) rejects the file, with the messages read before it kept.
 */
static int
read_mbox(struct ingest *e, struct unpack *u, struct dr_error *err)
{
	struct mail_mbox	*mb;
	struct buf		 label = { 0 };
	struct dr_error		 why;
	const char		*p, *path = unpack_origin(u);
	char			 at[64], reason[128];
	uint64_t		 off, size;
	size_t			 len;
	int			 r;

	e->mailbox = true;
	mb = mail_mbox_new(input_read, u, e->opts.max_message,
	    e->opts.max_message);
	if (mb == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	ingest_progress_begin(e, path, unpack_input_size(u) > 0 ?
	    (uint64_t)unpack_input_size(u) : 0, NULL);
	for (;;) {
		if (ingest_stopping(e)) {
			/* Between messages: the next run goes on. */
			e->cut = true;
			r = 0;
			break;
		}
		r = mail_mbox_next(mb, &p, &len, &off, &size, &why);
		if (r != 1)
			break;
		ingest_progress_at(e, off + size);
		snprintf(at, sizeof at, ": message at byte %llu",
		    (unsigned long long)off);
		buf_reset(&label);
		if (buf_adds(&label, path) == -1 ||
		    buf_adds(&label, at) == -1) {
			r = dr_seterr(&why, DR_E_NOMEM, "out of memory");
			break;
		}
		if (size > len) {
			e->mail_read++;
			snprintf(reason, sizeof reason, "email message larger "
			    "than %zu bytes (--max-message)",
			    e->opts.max_message);
			r = raw_send_mem(e->dq, label.data, reason, p, len <
			    e->opts.ulim.keep_bytes ? len :
			    e->opts.ulim.keep_bytes, size, &why);
		} else
			r = ingest_mail(e, p, len, path, NULL, 0, label.data,
			    e->received, &why);
		if (r == -1)
			break;
	}
	ingest_progress_end(e);
	mail_mbox_free(mb);
	buf_free(&label);
	if (r != -1)
		return 0;
	if (dr_err_fatal(&why)) {
		*err = why;
		return -1;
	}
	return raw_send_unit(e, u, path, why.msg, err);
}

/*
 * An input that is one email message: read whole, at most --max-message
 * bytes of it (a larger one is rejected). On standard input, a first
 * "From " line is the envelope an MTA adds, not a separator.
 */
static int
read_message(struct ingest *e, struct unpack *u, struct dr_error *err)
{
	struct buf	 b = { 0 };
	struct dr_error	 why;
	const char	*p, *nl;
	size_t		 max = e->opts.max_message, len;
	ssize_t		 r;
	int		 rc;

	for (;;) {
		if (buf_reserve(&b, CHUNK) == -1) {
			buf_free(&b);
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		}
		/* One byte more than the cap: to know it is larger. */
		r = unpack_read_input(u, b.data + b.len, b.len + CHUNK > max ?
		    max + 1 - b.len : CHUNK, &why);
		if (r == -1)
			break;
		if (r == 0)
			break;
		b.len += (size_t)r;
		if (b.len > max) {
			r = -1;
			dr_seterr(&why, DR_E_LIMIT, "email message larger than "
			    "%zu bytes (--max-message)", max);
			break;
		}
	}
	if (r == -1) {
		buf_free(&b);
		if (dr_err_fatal(&why)) {
			*err = why;
			return -1;
		}
		return raw_send_unit(e, u, unpack_origin(u), why.msg, err);
	}
	p = b.len > 0 ? b.data : "";
	len = b.len;
	if (e->one_message && len >= 5 && memcmp(p, "From ", 5) == 0) {
		nl = memchr(p, '\n', len);
		len -= nl != NULL ? (size_t)(nl + 1 - p) : len;
		p = nl != NULL ? nl + 1 : p + b.len;
	}
	rc = ingest_mail(e, p, len, unpack_origin(u), NULL, 0,
	    unpack_origin(u), e->received, err);
	buf_free(&b);
	return rc;
}

/*
 * An input that is an email message, or an mbox file of them: a file
 * that begins with a "From " line. Standard input is one message.
 */
int
ingest_read_mailbox(struct ingest *e, struct unpack *u, struct dr_error *err)
{
	const unsigned char	*head;
	size_t			 n;

	if (e->one_message)
		return read_message(e, u, err);
	n = unpack_input_peek(u, &head);
	if (n >= 5 && memcmp(head, "From ", 5) == 0)
		return read_mbox(e, u, err);
	return read_message(e, u, err);
}

int
ingest_mail_known(struct ingest *e, const char *location,
    enum store_mail_outcome *o, int *handled, struct dr_error *err)
{
	struct store	*l;
	int		 known;

	if ((l = ingest_lookup(e, err)) == NULL)
		return -1;
	known = store_location(l, location, o, handled, err);
	ingest_lookup_done(e);
	if (known == 1 && e->opts.recover && *o == STORE_MAIL_REJECTED)
		return 0;	/* read it again: see ingest_mail */
	return known;
}

int
ingest_mail_handled(struct ingest *e, const char *location,
    struct dr_error *err)
{
	struct store_mail	sm;

	memset(&sm, 0, sizeof sm);
	sm.location = location;
	return imsg_mail(e->dq, M_MAIL_HANDLED, &sm, location, NULL, 0, err);
}

void
ingest_mail_skip(struct ingest *e)
{
	e->mail_read++;
	e->mail_known++;
}
