/*
 * mail.c: email messages and mbox files to the parts that may hold a
 * report, with GMime.
 */
#include "config.h"

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "buf.h"
#include "lazy.h"
#include "mail.h"

struct mail_msg {
	GMimeMessage	*msg;
	GByteArray	*array;		/* wraps the caller's bytes */
	GMimeStream	*stream;
	char		*from;
};

static GMimeParserOptions	*options;
static pthread_once_t		 options_once = PTHREAD_ONCE_INIT;

/*
 * The parser's options, made the first time any thread needs them
 * (GMime itself is opened then: lazy.c).
 */
static void
options_init(void)
{
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

static GMimeParserOptions *
parser_options(void)
{
	pthread_once(&options_once, options_init);
	return options;
}

int
mail_ready(struct dr_error *err)
{
	char	why[512];

	if (lazy_load(LAZY_GMIME, why, sizeof why) == -1)
		return dr_seterr(err, DR_E_SYSTEM, "%s", why);
	return 0;
}

static pthread_t	preloader;
static bool		preloading;

static void *
preload(void *arg)
{
	struct dr_error	err;

	(void)arg;
	(void)mail_ready(&err);		/* said again where it is needed */
	return NULL;
}

void
mail_preload(void)
{
	if (!preloading && pthread_create(&preloader, NULL, preload, NULL) ==
	    0)
		preloading = true;
}

void
mail_preload_wait(void)
{
	if (preloading)
		pthread_join(preloader, NULL);
	preloading = false;
}

/* --- the header pre-scan --------------------------------------------- */

struct bound {
	char		*s;		/* without "--", trailing blanks */
	size_t		 len;
	bool		 digest;	/* of a multipart/digest */
};

struct mail_scan {
	size_t		 off;		/* of the next line to scan */
	bool		 in_header;
	/* the header being scanned */
	unsigned	 fields;
	size_t		 field;		/* start of the open field, or */
#define NO_FIELD	SIZE_MAX	/* ... none */
	bool		 digest_parent;	/* a part of a multipart/digest */
	bool		 ct_seen, ct_message, ct_octet;
	bool		 cte_seen, cte_encoded;
	bool		 was_message;	/* before a delimiter line in it */
	/* the message */
	uint64_t	 bytes;		/* of all its headers */
	unsigned	 delims;	/* delimiter lines */
	unsigned	 nests;		/* boundaries and messages declared */
	struct bound	*b;		/* sorted by length, then bytes */
	size_t		 nb;
};

static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static int
is_lwsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Length of the field name (before the ':'), or -1 when GMime drops it. */
static ssize_t
field_name(const char *p, size_t n)
{
	size_t	i;
	bool	blank = false;

	for (i = 0; i < n && p[i] != ':'; i++) {
		if (is_blank((unsigned char)p[i]))
			blank = true;
		else if (blank || (unsigned char)p[i] < 0x20 ||
		    (unsigned char)p[i] == 0x7f)
			return -1;
	}
	return i < n ? (ssize_t)i : -1;
}

static int
bound_cmp(const char *a, size_t alen, const struct bound *b)
{
	if (alen != b->len)
		return alen < b->len ? -1 : 1;
	return memcmp(a, b->s, alen);
}

/* The boundary of these bytes, or NULL. */
static struct bound *
bound_find(struct mail_scan *s, const char *p, size_t n)
{
	size_t	lo = 0, hi = s->nb, mid;
	int	c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = bound_cmp(p, n, &s->b[mid]);
		if (c == 0)
			return &s->b[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int
nest(struct mail_scan *s, struct dr_error *err)
{
	/* Each multipart needs a boundary, and each message a header. */
	if (++s->nests > 2 * MAIL_MAX_PARTS)
		return dr_seterr(err, DR_E_LIMIT, "email message has more "
		    "than %d MIME parts", MAIL_MAX_PARTS);
	return 0;
}

static int
bound_add(struct mail_scan *s, const char *p, bool digest,
    struct dr_error *err)
{
	struct bound	*b;
	size_t		 n = strlen(p), i;

	if (nest(s, err) == -1)
		return -1;
	/* GMime allows white space after it on a delimiter line. */
	while (n > 0 && is_lwsp((unsigned char)p[n - 1]))
		n--;
	b = bound_find(s, p, n);
	if (b != NULL) {
		b->digest |= digest;
		return 0;
	}
	b = realloc(s->b, (s->nb + 1) * sizeof *s->b);
	if (b == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	s->b = b;
	for (i = s->nb; i > 0 && bound_cmp(p, n, &s->b[i - 1]) < 0; i--)
		s->b[i] = s->b[i - 1];
	s->b[i].s = strndup(p, n);
	if (s->b[i].s == NULL) {
		memmove(&s->b[i], &s->b[i + 1], (s->nb - i) * sizeof *s->b);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	s->b[i].len = n;
	s->b[i].digest = digest;
	s->nb++;
	return 0;
}

/*
 * Is the line a delimiter line ("--" boundary, then white space)? 2
 * for an opening one (a part's header follows), 1 for a closing one
 * ("--" boundary "--"), 0 for neither. *digest: the part is one of a
 * multipart/digest.
 */
static int
delimiter(struct mail_scan *s, const char *p, size_t n, bool *digest)
{
	struct bound	*b;

	if (n < 2 || p[0] != '-' || p[1] != '-' || s->nb == 0)
		return 0;
	while (n > 2 && is_lwsp((unsigned char)p[n - 1]))
		n--;
	b = bound_find(s, p + 2, n - 2);
	if (b != NULL) {
		*digest = b->digest;
		return 2;
	}
	if (n >= 4 && p[n - 1] == '-' && p[n - 2] == '-' &&
	    bound_find(s, p + 2, n - 4) != NULL)
		return 1;
	return 0;
}

/* A field of the header ends: what GMime will make of it. */
static int
field_end(struct mail_scan *s, const char *p, size_t end,
    struct dr_error *err)
{
	GMimeContentType	*ct;
	GMimeContentEncoding	 enc;
	const char		*f = p + s->field, *b, *sub;
	char			*v;
	ssize_t			 nl;
	size_t			 n = end - s->field, k;
	int			 rc = 0;

	s->field = NO_FIELD;
	nl = field_name(f, n);
	if (nl == -1)
		return 0;
	for (k = (size_t)nl; k > 0 && is_blank((unsigned char)f[k - 1]); k--)
		;
	if (k == 12 && g_ascii_strncasecmp(f, "Content-Type", 12) == 0) {
		v = g_strndup(f + nl + 1, n - (size_t)nl - 1);
		ct = g_mime_content_type_parse(parser_options(), v);
		g_free(v);
		b = g_mime_content_type_get_parameter(ct, "boundary");
		if (b != NULL)
			rc = bound_add(s, b, g_mime_content_type_is_type(ct,
			    "multipart", "digest"), err);
		/* The last one decides what the part is. */
		s->ct_seen = true;
		s->ct_message = false;
		s->ct_octet = g_mime_content_type_is_type(ct, "application",
		    "octet-stream");
		if (g_mime_content_type_is_type(ct, "message", "*")) {
			sub = g_mime_content_type_get_media_subtype(ct);
			s->ct_message = sub != NULL &&
			    (g_ascii_strcasecmp(sub, "rfc822") == 0 ||
			    g_ascii_strcasecmp(sub, "rfc2822") == 0 ||
			    g_ascii_strcasecmp(sub, "global") == 0 ||
			    g_ascii_strcasecmp(sub, "news") == 0);
		}
		g_object_unref(ct);
	} else if (k == 25 && !s->cte_seen && g_ascii_strncasecmp(f,
	    "Content-Transfer-Encoding", 25) == 0) {
		/* The first one decides. */
		s->cte_seen = true;
		v = g_strndup(f + nl + 1, n - (size_t)nl - 1);
		enc = g_mime_content_encoding_from_string(v);
		g_free(v);
		s->cte_encoded = enc == GMIME_CONTENT_ENCODING_BASE64 ||
		    enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
		    enc == GMIME_CONTENT_ENCODING_UUENCODE;
	}
	return rc;
}

/* What GMime takes the content after this header for: a message? */
static bool
is_message(const struct mail_scan *s)
{
	bool	message;

	message = s->ct_seen ? s->ct_message || (s->ct_octet &&
	    s->digest_parent) : s->digest_parent;
	return message && !s->cte_encoded;
}

/* The header of a part starts (after a delimiter line). */
static void
part_begin(struct mail_scan *s, bool digest_parent)
{
	s->in_header = true;
	s->field = NO_FIELD;
	s->digest_parent = digest_parent;
	s->ct_seen = s->ct_message = s->ct_octet = false;
	s->cte_seen = s->cte_encoded = false;
}

static void
header_begin(struct mail_scan *s, bool digest_parent)
{
	part_begin(s, digest_parent);
	s->fields = 0;
	s->was_message = false;
}

/* One line of a header: [p + off, p + off + n). */
static int
header_line(struct mail_scan *s, const char *p, size_t off, size_t n,
    struct dr_error *err)
{
	const char	*l = p + off;
	bool		 digest, message;
	int		 d;

	s->bytes += n;
	if (s->bytes > MAIL_MAX_HEADER)
		return dr_seterr(err, DR_E_LIMIT, "email message with more "
		    "than %d bytes of header", MAIL_MAX_HEADER);
	if (n > 0 && is_blank((unsigned char)l[0]))
		return 0;		/* folded: the open field goes on */
	if (s->field != NO_FIELD && field_end(s, p, off, err) == -1)
		return -1;
	if (l[0] == '\n' || (n >= 2 && l[0] == '\r' && l[1] == '\n')) {
		/* The end of the header: a message may follow. */
		message = is_message(s) || s->was_message;
		if (message) {
			if (nest(s, err) == -1)
				return -1;
			header_begin(s, false);
		} else
			s->in_header = false;
		return 0;
	}
	d = delimiter(s, l, n, &digest);
	if (d != 0) {
		if (++s->delims > 2 * MAIL_MAX_PARTS)
			return dr_seterr(err, DR_E_LIMIT, "email message has "
			    "more than %d MIME parts", MAIL_MAX_PARTS);
		/*
		 * A part without content: the next part's header starts.
		 * Or not, when GMime does not take the line for one of its
		 * boundaries: the header goes on. The scan counts for both:
		 * the fields of the two headers together, and a message
		 * follows if either says so.
		 */
		if (d == 2) {
			s->was_message |= is_message(s);
			part_begin(s, digest);
		}
		return 0;
	}
	if (field_name(l, n) == -1)
		return 0;		/* GMime drops it */
	if (++s->fields > MAIL_MAX_FIELDS)
		return dr_seterr(err, DR_E_LIMIT, "email message with a header "
		    "of more than %d fields", MAIL_MAX_FIELDS);
	s->field = off;
	return 0;
}

struct mail_scan *
mail_scan_new(void)
{
	struct mail_scan	*s;

	s = calloc(1, sizeof *s);
	if (s != NULL)
		header_begin(s, false);
	return s;
}

void
mail_scan_free(struct mail_scan *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nb; i++)
		free(s->b[i].s);
	free(s->b);
	free(s);
}

int
mail_scan_feed(struct mail_scan *s, const void *data, size_t len, int end,
    struct dr_error *err)
{
	const char	*p = data, *nl;
	size_t		 n;
	bool		 digest;
	int		 d;

	while (s->off < len) {
		nl = memchr(p + s->off, '\n', len - s->off);
		if (nl == NULL && !end)
			break;
		n = nl != NULL ? (size_t)(nl - (p + s->off)) + 1 :
		    len - s->off;
		if (s->in_header) {
			if (header_line(s, p, s->off, n, err) == -1)
				return -1;
		} else {
			/* Content: only a delimiter line matters. */
			d = delimiter(s, p + s->off, n, &digest);
			if (d != 0 && ++s->delims > 2 * MAIL_MAX_PARTS)
				return dr_seterr(err, DR_E_LIMIT, "email "
				    "message has more than %d MIME parts",
				    MAIL_MAX_PARTS);
			if (d == 2)
				header_begin(s, digest);
		}
		s->off += n;
	}
	if (end && s->in_header && s->field != NO_FIELD)
		return field_end(s, p, len, err);
	return 0;
}

/* --- messages ---------------------------------------------------------- */

struct mail_msg *
mail_parse(const void *raw, size_t len, struct dr_error *err)
{
	struct mail_msg		*m;
	struct mail_scan	*scan;
	GMimeParser		*parser;
	int			 rc;

	if (mail_ready(err) == -1)
		return NULL;
	if (len > G_MAXUINT) {
		dr_seterr(err, DR_E_LIMIT, "email message too large");
		return NULL;
	}
	/*
	 * Nothing of it is built before it is known to be within the
	 * caps. The count of nested parts also bounds GMime's recursion,
	 * once per nested multipart or message.
	 */
	scan = mail_scan_new();
	if (scan == NULL) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		return NULL;
	}
	rc = mail_scan_feed(scan, raw, len, 1, err);
	mail_scan_free(scan);
	if (rc == -1)
		return NULL;
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
	m->msg = g_mime_parser_construct_message(parser,
	    parser_options());
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

struct built {
	unsigned	fields;
	uint64_t	bytes;
	unsigned	objects;
};

static void
built_headers(struct built *b, GMimeObject *obj)
{
	GMimeHeaderList	*hl = g_mime_object_get_header_list(obj);
	GMimeHeader	*h;
	const char	*v;
	int		 i, n;

	b->objects++;
	n = hl != NULL ? g_mime_header_list_get_count(hl) : 0;
	if ((unsigned)n > b->fields)
		b->fields = (unsigned)n;
	for (i = 0; i < n; i++) {
		h = g_mime_header_list_get_header_at(hl, i);
		if (g_mime_header_get_offset(h) < 0)
			continue;	/* made by GMime */
		v = g_mime_header_get_raw_value(h);
		b->bytes += strlen(g_mime_header_get_name(h)) +
		    (v != NULL ? strlen(v) : 0);
	}
}

static void
built(struct built *b, GMimeObject *obj)
{
	GMimeMessage	*inner;
	int		 i, n;

	if (obj == NULL)
		return;
	built_headers(b, obj);
	if (GMIME_IS_MULTIPART(obj)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n; i++)
			built(b, g_mime_multipart_get_part(GMIME_MULTIPART(obj),
			    i));
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));
		if (inner != NULL) {
			built_headers(b, GMIME_OBJECT(inner));
			built(b, g_mime_message_get_mime_part(inner));
		}
	}
}

void
mail_built(struct mail_msg *m, unsigned *fields, uint64_t *bytes,
    unsigned *objects)
{
	struct built	b = { 0, 0, 0 };

	built_headers(&b, GMIME_OBJECT(m->msg));
	built(&b, g_mime_message_get_mime_part(m->msg));
	*fields = b.fields;
	*bytes = b.bytes;
	*objects = b.objects;
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


/* --- mbox files -------------------------------------------------------- */

#define MBOX_READ	65536	/* read at a time */
#define MBOX_LINE	1024	/* a separator line is no longer */

enum cl_state {
	CL_NONE,	/* no Content-Length, or not consistent */
	CL_PENDING,	/* one, not checked yet */
	CL_KNOWN,	/* consistent: the body ends at cl_end */
};

struct mail_mbox {
	mail_read_fn	 read;
	void		*arg;
	size_t		 max;
	size_t		 cl_max;	/* the longest Content-Length obeyed */
	/* bytes read ahead: [pos, len) of win, win[0] at file offset base */
	char		*win;
	size_t		 pos, len, cap;
	uint64_t	 base;
	bool		 eof;
	bool		 started;	/* past the first line */
	bool		 done;		/* the last message was given */
	struct buf	 msg;		/* the message being read */
	uint64_t	 size;		/* its full length */
};

struct mail_mbox *
mail_mbox_new(mail_read_fn fn, void *arg, size_t max, size_t cl_max)
{
	struct mail_mbox	*m;

	m = calloc(1, sizeof *m);
	if (m == NULL)
		return NULL;
	m->read = fn;
	m->arg = arg;
	m->max = max;
	m->cl_max = cl_max;
	return m;
}

void
mail_mbox_free(struct mail_mbox *m)
{
	if (m == NULL)
		return;
	free(m->win);
	buf_free(&m->msg);
	free(m);
}

/* At least want bytes ahead, unless the file ends first. 0 or -1. */
static int
mbox_fill(struct mail_mbox *m, size_t want, struct dr_error *err)
{
	size_t	 need;
	ssize_t	 r;
	char	*p;

	while (m->len - m->pos < want && !m->eof) {
		if (m->pos > 0) {
			memmove(m->win, m->win + m->pos, m->len - m->pos);
			m->base += m->pos;
			m->len -= m->pos;
			m->pos = 0;
		}
		/*
		 * Grow with the bytes that come, never to what a
		 * Content-Length claims: a window twice as large, at
		 * most want and a read more.
		 */
		need = (want > MBOX_READ ? want : MBOX_READ) + MBOX_READ;
		if (m->cap - m->len < MBOX_READ && m->cap < need) {
			if (m->cap > 0 && m->cap < need / 2)
				need = 2 * m->cap;
			p = realloc(m->win, need);
			if (p == NULL)
				return dr_seterr(err, DR_E_NOMEM, "out of "
				    "memory");
			m->win = p;
			m->cap = need;
		}
		r = m->read(m->arg, m->win + m->len, m->cap - m->len, err);
		if (r == -1)
			return -1;
		if (r == 0)
			m->eof = true;
		m->len += (size_t)r;
	}
	return 0;
}

/*
 * The start of the next line: *n bytes of it ahead (at least limit,
 * unless the line or the file is shorter), *whole when they are all of
 * it, its end included.
 */
static int
mbox_head(struct mail_mbox *m, size_t limit, size_t *n, bool *whole,
    struct dr_error *err)
{
	const char	*nl;
	size_t		 have;

	for (;;) {
		have = m->len - m->pos;
		nl = have == 0 ? NULL : memchr(m->win + m->pos, '\n',
		    have < limit ? have : limit);
		if (nl != NULL) {
			*n = (size_t)(nl - (m->win + m->pos)) + 1;
			*whole = true;
			return 0;
		}
		if (have >= limit || m->eof) {
			*n = have;
			*whole = m->eof && have < limit;
			return 0;
		}
		if (mbox_fill(m, have + 1, err) == -1)
			return -1;
	}
}

static int
is_month(const char *p)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	size_t	i;

	for (i = 0; i < sizeof months - 1; i += 3)
		if (g_ascii_tolower(p[0]) == months[i] &&
		    g_ascii_tolower(p[1]) == months[i + 1] &&
		    g_ascii_tolower(p[2]) == months[i + 2])
			return 1;
	return 0;
}

static int
is_time(const char *p, size_t n)
{
	size_t	i = 0, d;
	int	groups = 0;

	for (;;) {
		for (d = 0; i < n && g_ascii_isdigit(p[i]); i++)
			d++;
		if (d < 1 || d > 2 || (groups > 0 && d != 2))
			return 0;
		groups++;
		if (i == n)
			return groups >= 2;
		if (p[i++] != ':' || groups == 3)
			return 0;
	}
}

int
mail_mbox_from_line(const char *p, size_t n)
{
	size_t	i, t, e;
	bool	month = false, time = false, year = false;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n < 5 || memcmp(p, "From ", 5) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 && p[i] != '\t')
			return 0;
	/* The sender, one word. */
	for (i = 5; i < n && is_blank((unsigned char)p[i]); i++)
		;
	if (i == n || !g_ascii_isgraph(p[i]))
		return 0;
	while (i < n && !is_blank((unsigned char)p[i]))
		i++;
	/* A date: a month, a time and a year, in any order. */
	while (i < n) {
		while (i < n && is_blank((unsigned char)p[i]))
			i++;
		for (t = i; i < n && !is_blank((unsigned char)p[i]); i++)
			;
		/* "Mon," */
		e = i > t && p[i - 1] == ',' ? i - 1 : i;
		if (e - t == 3 && is_month(p + t))
			month = true;
		else if (is_time(p + t, e - t))
			time = true;
		else if (e - t == 4 && g_ascii_isdigit(p[t]) &&
		    g_ascii_isdigit(p[t + 1]) && g_ascii_isdigit(p[t + 2]) &&
		    g_ascii_isdigit(p[t + 3]))
			year = true;
	}
	return month && time && year;
}

/* Keep bytes of the message, up to max; count them all. */
static int
mbox_keep(struct mail_mbox *m, const char *p, size_t n, struct dr_error *err)
{
	size_t	room = m->max > m->msg.len ? m->max - m->msg.len : 0;

	m->size += n;
	if (m->size > m->max && room == 0)
		return 0;
	if (buf_add(&m->msg, p, n < room ? n : room) == -1)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	return 0;
}

/* The rest of the current line: kept (keep set) or dropped. */
static int
mbox_line(struct mail_mbox *m, bool keep, struct dr_error *err)
{
	const char	*nl;
	size_t		 k;

	for (;;) {
		if (m->pos == m->len) {
			if (mbox_fill(m, 1, err) == -1)
				return -1;
			if (m->pos == m->len)
				return 0;
		}
		nl = memchr(m->win + m->pos, '\n', m->len - m->pos);
		k = nl != NULL ? (size_t)(nl - (m->win + m->pos)) + 1 :
		    m->len - m->pos;
		if (keep && mbox_keep(m, m->win + m->pos, k, err) == -1)
			return -1;
		m->pos += k;
		if (nl != NULL)
			return 0;
	}
}

/*
 * Does the body end, as its Content-Length says, at file offset end? It
 * does when the file ends there, or a separator line starts there,
 * after a blank line or not. 1, 0, or -1 on errors.
 */
static int
mbox_cl_check(struct mail_mbox *m, uint64_t end, struct dr_error *err)
{
	size_t	 t, k, n;
	char	*p, *nl;

	uint64_t at = m->base + m->pos;

	assert(end >= at);
	if (mbox_fill(m, (size_t)(end - at) + MBOX_LINE + 4, err) == -1)
		return -1;
	at = m->base + m->pos;
	if (end > m->base + m->len)
		return 0;		/* beyond the end of the file */
	t = (size_t)(end - m->base);
	p = m->win;
	/* The body ends with a line. */
	if (end > at && p[t - 1] != '\n')
		return 0;
	k = t;
	if (k < m->len && p[k] == '\n')
		k++;
	else if (k + 1 < m->len && p[k] == '\r' && p[k + 1] == '\n')
		k += 2;
	if (k == m->len)
		return m->eof;
	n = m->len - k < MBOX_LINE ? m->len - k : MBOX_LINE;
	nl = memchr(p + k, '\n', n);
	if (nl == NULL)
		return m->eof && m->len - k < MBOX_LINE &&
		    mail_mbox_from_line(p + k, m->len - k);
	return mail_mbox_from_line(p + k, (size_t)(nl - (p + k)));
}

/* A Content-Length field: its value, or -1. */
static int64_t
content_length(const char *p, size_t n)
{
	size_t	i;
	int64_t	v = 0;

	if (n < 15 || g_ascii_strncasecmp(p, "Content-Length:", 15) != 0)
		return -1;
	for (i = 15; i < n && is_blank((unsigned char)p[i]); i++)
		;
	if (i == n || !g_ascii_isdigit(p[i]))
		return -1;
	for (; i < n && g_ascii_isdigit(p[i]); i++) {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	while (i < n && is_lwsp((unsigned char)p[i]))
		i++;
	return i == n ? v : -1;
}

int
mail_mbox_next(struct mail_mbox *m, const char **p, size_t *len,
    uint64_t *off, uint64_t *size, struct dr_error *err)
{
	enum cl_state	 cl = CL_NONE;
	uint64_t	 at, cl_end = 0;
	int64_t		 v, clen = -1;
	size_t		 n, blank = 0, q;
	bool		 whole, header = true, prev_blank = false, sep;
	const char	*l;
	int		 r;

	if (m->done)
		return 0;
	buf_reset(&m->msg);
	m->size = 0;
	if (mbox_head(m, MBOX_LINE, &n, &whole, err) == -1)
		return -1;
	if (n == 0) {
		m->done = true;
		return 0;		/* an empty file */
	}
	*off = m->base + m->pos;
	/* The separator line (the first line of the file: any "From "). */
	if (n >= 5 && memcmp(m->win + m->pos, "From ", 5) == 0 &&
	    mbox_line(m, false, err) == -1)
		return -1;
	m->started = true;
	for (;;) {
		if (mbox_head(m, MBOX_LINE, &n, &whole, err) == -1)
			return -1;
		if (n == 0) {
			m->done = true;
			break;
		}
		at = m->base + m->pos;
		if (cl == CL_PENDING && at >= cl_end) {
			/* Passed: only a line may start where a body ends. */
			r = at == cl_end ? mbox_cl_check(m, cl_end, err) : 0;
			if (r == -1)
				return -1;
			cl = r ? CL_KNOWN : CL_NONE;
		}
		l = m->win + m->pos;
		/* Is it the next separator? */
		sep = false;
		if (whole && n >= 5 && memcmp(l, "From ", 5) == 0 &&
		    mail_mbox_from_line(l, n - 1)) {
			if (cl == CL_PENDING) {
				/* A body may hold it: is the length right? */
				r = mbox_cl_check(m, cl_end, err);
				if (r == -1)
					return -1;
				cl = r ? CL_KNOWN : CL_NONE;
				l = m->win + m->pos;
			}
			if (cl == CL_KNOWN)
				sep = at >= cl_end && (prev_blank ||
				    at == cl_end);
			else
				sep = prev_blank;
		}
		if (sep)
			break;
		/* A blank line is held back: it may be the mbox's. */
		if (blank > 0) {
			if (mbox_keep(m, blank == 2 ? "\r\n" : "\n", blank,
			    err) == -1)
				return -1;
			blank = 0;
		}
		if (l[0] == '\n' || (n >= 2 && l[0] == '\r' && l[1] == '\n')) {
			blank = l[0] == '\n' ? 1 : 2;
			m->pos += blank;
			prev_blank = true;
			if (header && clen >= 0 &&
			    (uint64_t)clen <= m->cl_max) {
				cl = CL_PENDING;
				cl_end = at + blank + (uint64_t)clen;
			}
			header = false;
			continue;
		}
		prev_blank = false;
		if (header) {
			v = content_length(l, n);
			if (v >= 0)
				clen = v;
		}
		/* mboxrd: ">From ", ">>From "... lose one '>'. */
		for (q = 0; q < n && l[q] == '>'; q++)
			;
		if (q > 0 && n - q >= 5 && memcmp(l + q, "From ", 5) == 0)
			m->pos++;
		if (mbox_line(m, true, err) == -1)
			return -1;
	}
	if (m->done && blank > 0 &&
	    mbox_keep(m, blank == 2 ? "\r\n" : "\n", blank, err) == -1)
		return -1;
	*p = m->msg.data != NULL ? m->msg.data : "";
	*len = m->msg.len;
	*size = m->size;
	return 1;
}
