/*
 * ingest-mail.c: email messages and mbox files, read by the reader of
 * the ingest engine: each message is recorded, and its parts that may
 * hold a report are unpacked like any other input.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

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
		return imsg_mail(e->dq, M_MAIL_SEEN, &sm, label, NULL, err);
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
	if (imsg_mail(e->dq, M_MAIL_BEGIN, &sm, label, NULL, err) == -1) {
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
	if (imsg_mail(e->dq, M_MAIL_END, NULL, label, reason, err) == -1)
		return -1;
	ingest_progress(e);
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
int
ingest_read_mailbox(struct ingest *e, struct unpack *u, struct dr_error *err)
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
		return raw_send_unit(e, u, unpack_origin(u), why.msg, err);
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
	return imsg_mail(e->dq, M_MAIL_HANDLED, &sm, location, NULL, err);
}

void
ingest_mail_skip(struct ingest *e)
{
	e->mail_read++;
	e->mail_known++;
}
