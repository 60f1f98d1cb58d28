/*
 * mail.c: email messages and mbox files to the parts that may hold a
 * report, with GMime.
 */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mail.h"

struct mail_msg {
	GMimeMessage	*msg;
	GByteArray	*array;		/* wraps the caller's bytes */
	GMimeStream	*stream;
	char		*from;
};

static GMimeParserOptions	*options;

void
mail_init(void)
{
	g_mime_init();
	/* Be lenient with what reporters write in headers. */
	options = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(options,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(options,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(options,
	    GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_allow_addresses_without_domain(options,
	    TRUE);
}

/* Case-insensitive count of a lower-case word in the bytes. */
static size_t
count_word(const char *p, size_t len, const char *word)
{
	size_t	n = 0, i, j, wl = strlen(word);

	for (i = 0; i + wl <= len; i++) {
		if ((p[i] | 0x20) != word[0])
			continue;
		for (j = 1; j < wl; j++)
			if (tolower((unsigned char)p[i + j]) != word[j])
				break;
		if (j == wl)
			n++;
	}
	return n;
}

struct mail_msg *
mail_parse(const void *raw, size_t len, struct dr_error *err)
{
	struct mail_msg	*m;
	GMimeParser	*parser;

	/*
	 * GMime's parser recurses once per nested multipart or message:
	 * bound the nesting before it sees the bytes. Every multipart
	 * needs a boundary parameter.
	 */
	if (count_word(raw, len, "boundary") +
	    count_word(raw, len, "message/rfc822") > 2 * MAIL_MAX_PARTS) {
		dr_seterr(err, DR_E_LIMIT, "email message has more than %d "
		    "MIME parts", MAIL_MAX_PARTS);
		return NULL;
	}
	if (len > G_MAXUINT) {
		dr_seterr(err, DR_E_LIMIT, "email message too large");
		return NULL;
	}
	m = calloc(1, sizeof *m);
	if (m == NULL) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		return NULL;
	}
	/* A byte array over the caller's memory, not a copy of it. */
	m->array = g_byte_array_new_take((guint8 *)(uintptr_t)raw, len);
	m->stream = g_mime_stream_mem_new_with_byte_array(m->array);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(m->stream), FALSE);
	parser = g_mime_parser_new_with_stream(m->stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	m->msg = g_mime_parser_construct_message(parser, options);
	g_object_unref(parser);
	if (m->msg == NULL) {
		mail_free(m);
		dr_seterr(err, DR_E_NOTREPORT, "not an email message (GMime "
		    "could not parse it)");
		return NULL;
	}
	return m;
}

void
mail_free(struct mail_msg *m)
{
	if (m == NULL)
		return;
	if (m->msg != NULL)
		g_object_unref(m->msg);
	if (m->stream != NULL)
		g_object_unref(m->stream);
	if (m->array != NULL)
		g_byte_array_free(m->array, FALSE);	/* not the bytes */
	g_free(m->from);
	free(m);
}

const char *
mail_message_id(struct mail_msg *m)
{
	return g_mime_message_get_message_id(m->msg);
}

const char *
mail_subject(struct mail_msg *m)
{
	return g_mime_message_get_subject(m->msg);
}

const char *
mail_from(struct mail_msg *m)
{
	InternetAddressList	*l;

	if (m->from == NULL) {
		l = g_mime_message_get_from(m->msg);
		if (l != NULL && internet_address_list_length(l) > 0)
			m->from = internet_address_list_to_string(l, NULL,
			    FALSE);
	}
	return m->from;
}

int64_t
mail_date(struct mail_msg *m)
{
	GDateTime	*d;

	d = g_mime_message_get_date(m->msg);
	return d == NULL ? -1 : (int64_t)g_date_time_to_unix(d);
}

struct walk {
	mail_part_fn	 fn;
	void		*arg;
	struct dr_error	*err;
	unsigned	 nparts;
	const char	*kind;
};

/* What a content type says about the whole message, if anything. */
static void
note_kind(struct walk *w, GMimeContentType *ct)
{
	const char	*rt;

	if (w->kind != NULL || ct == NULL)
		return;
	if (g_mime_content_type_is_type(ct, "message", "feedback-report"))
		w->kind = "a DMARC failure report (RUF), not an aggregate "
		    "report";
	else if (g_mime_content_type_is_type(ct, "message",
	    "delivery-status"))
		w->kind = "a delivery status notification (a bounce)";
	else if (g_mime_content_type_is_type(ct, "multipart", "report")) {
		rt = g_mime_content_type_get_parameter(ct, "report-type");
		if (rt == NULL)
			return;
		if (g_ascii_strcasecmp(rt, "feedback-report") == 0)
			w->kind = "a DMARC failure report (RUF), not an "
			    "aggregate report";
		else if (g_ascii_strcasecmp(rt, "tlsrpt") == 0)
			w->kind = "an SMTP TLS report, not a DMARC report";
		else if (g_ascii_strcasecmp(rt, "delivery-status") == 0)
			w->kind = "a delivery status notification (a bounce)";
	} else if (g_mime_content_type_is_type(ct, "application",
	    "tlsrpt+gzip") || g_mime_content_type_is_type(ct, "application",
	    "tlsrpt+json"))
		w->kind = "an SMTP TLS report, not a DMARC report";
}

static int
leaf(struct walk *w, GMimePart *part, const char *number)
{
	GMimeDataWrapper	*content;
	GMimeStream		*out;
	GByteArray		*ba;
	GMimeContentType	*ct;
	struct mail_part	 p;
	char			*type;
	int			 rc;

	ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	type = ct != NULL ? g_mime_content_type_get_mime_type(ct) :
	    g_strdup("text/plain");
	out = g_mime_stream_mem_new();
	content = g_mime_part_get_content(part);
	if (content != NULL)
		g_mime_data_wrapper_write_to_stream(content, out);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	p.data = ba->data;
	p.len = ba->len;
	p.number = number;
	p.type = type;
	p.filename = g_mime_part_get_filename(part);
	rc = w->fn(w->arg, &p, w->err);
	g_object_unref(out);
	g_free(type);
	return rc;
}

static int
walk(struct walk *w, GMimeObject *obj, const char *number, int depth)
{
	GMimeMessage	*inner;
	char		 num[128];
	int		 i, n, rc;

	if (++w->nparts > MAIL_MAX_PARTS)
		return dr_seterr(w->err, DR_E_LIMIT, "email message has more "
		    "than %d MIME parts", MAIL_MAX_PARTS);
	if (depth > MAIL_MAX_DEPTH)
		return dr_seterr(w->err, DR_E_LIMIT, "MIME parts nested "
		    "deeper than %d", MAIL_MAX_DEPTH);
	note_kind(w, g_mime_object_get_content_type(obj));
	if (GMIME_IS_MULTIPART(obj)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n; i++) {
			snprintf(num, sizeof num, "%s%s%d", number,
			    *number ? "." : "", i + 1);
			rc = walk(w, g_mime_multipart_get_part(
			    GMIME_MULTIPART(obj), i), num, depth + 1);
			if (rc != 0)
				return rc;
		}
		return 0;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		/* A forwarded message: its parts are numbered under ours. */
		inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));
		if (inner == NULL || g_mime_message_get_mime_part(inner) ==
		    NULL)
			return 0;
		obj = g_mime_message_get_mime_part(inner);
		if (!GMIME_IS_MULTIPART(obj)) {
			/* A message that is the whole body is part 1. */
			snprintf(num, sizeof num, "%s.1", *number ? number :
			    "1");
			number = num;
		}
		return walk(w, obj, number, depth + 1);
	}
	if (GMIME_IS_PART(obj))
		return leaf(w, GMIME_PART(obj), *number ? number : "1");
	return 0;
}

int
mail_parts(struct mail_msg *m, mail_part_fn fn, void *arg,
    const char **kind, struct dr_error *err)
{
	struct walk	 w = { fn, arg, err, 0, NULL };
	GMimeObject	*top;
	int		 rc = 0;

	top = g_mime_message_get_mime_part(m->msg);
	if (top != NULL)
		rc = walk(&w, top, "", 0);
	*kind = w.kind;
	return rc;
}

int
mail_mbox(const void *data, size_t len, mail_mbox_fn fn, void *arg,
    struct dr_error *err)
{
	const char	*p = data, *end = p + len, *start, *body, *next, *nl;
	size_t		 mlen;
	int		 rc;

	if (len < 5 || memcmp(p, "From ", 5) != 0)
		return dr_seterr(err, DR_E_FORMAT, "not an mbox file");
	for (start = p; start < end; start = next) {
		/* The "From " line is the separator, not the message. */
		nl = memchr(start, '\n', (size_t)(end - start));
		body = nl != NULL ? nl + 1 : end;
		/* The next message starts at a line beginning "From ". */
		for (next = body; next < end; ) {
			nl = memchr(next, '\n', (size_t)(end - next));
			if (nl == NULL) {
				next = end;
				break;
			}
			next = nl + 1;
			if (end - next >= 5 && memcmp(next, "From ", 5) == 0)
				break;
		}
		mlen = (size_t)(next - body);
		/* ... and the blank line before it belongs to the mbox. */
		if (next < end && mlen >= 2 && body[mlen - 1] == '\n' &&
		    body[mlen - 2] == '\n')
			mlen--;
		else if (next < end && mlen >= 3 && body[mlen - 1] == '\n' &&
		    body[mlen - 2] == '\r' && body[mlen - 3] == '\n')
			mlen -= 2;
		rc = fn(arg, body, mlen, (uint64_t)(start - p), err);
		if (rc != 0)
			return rc;
	}
	return 0;
}
