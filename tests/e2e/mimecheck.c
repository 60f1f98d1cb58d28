/*
 * mimecheck.c: check that a file is a well-formed digest message.
 *
 *   mimecheck [--crlf] [--part plain|html] FILE
 *
 * FILE is what "dmarcdb digest" prints, or what an MTA delivered of it
 * (with Return-Path, Received and the like added on top). It must hold:
 *
 *  - From, To, Date, Message-ID, Subject and MIME-Version, once each;
 *    From and To parse as addresses, Date as a date;
 *  - a top level multipart/alternative of exactly two parts, text/plain
 *    then text/html, both with charset utf-8 (any case);
 *  - only 7-bit bytes, and no line longer than 78 characters (RFC 5322
 *    2.1.1), each ended alike: LF, or CRLF with --crlf;
 *  - nothing GMime's parser warns about (duplicated headers, a
 *    truncated multipart, bad encoded words...);
 *  - in each part, once decoded, valid UTF-8 holding some figures;
 *  - the same figures in both parts: the set of numbers of the text
 *    part equals that of the HTML part, read as a person would see it
 *    (see figures() and html_text()).
 *
 * Every failed check prints "mimecheck: FILE: reason" on standard error;
 * the exit status is then 1 (2 for a usage error). On success the
 * decoded Subject is printed on standard output, for the test to check;
 * with --part, the content of that part instead, decoded (transfer
 * encoding undone), byte for byte.
 *
 * Used by tests/e2e/digest-smtp.sh. It is a test tool: it exits when it
 * must, and it caps what it reads.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#define MAX_BYTES	(64 * 1024 * 1024)	/* of the message file */
#define MAX_LINE	78			/* RFC 5322 2.1.1 */
#define MAX_SHOWN	5			/* of each kind of failure */

static const char	*path;
static int		 failed;

static void	bad(const char *, ...) __attribute__((format(printf, 1, 2)));
static int	read_file(const char *, GByteArray **);
static void	check_lines(const unsigned char *, size_t, int);
static void	parser_warning(gint64, GMimeParserWarning, const gchar *,
		    gpointer);
static void	check_headers(GMimeMessage *);
static GMimePart *check_part(GMimeMultipart *, int, const char *);
static GByteArray *decode(GMimePart *, const char *);
static int	is_digit(int);
static void	figures(const char *, size_t, GHashTable *);
static int	html_text(const char *, size_t, GString *);
static void	compare(GHashTable *, GHashTable *);

/* One failed check: the reason, after the file's name. */
static void
bad(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "mimecheck: %s: ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failed = 1;
}

/*
 * The whole file, at most MAX_BYTES, into a new array that the caller
 * frees with g_byte_array_unref. -1 (reported) on error.
 */
static int
read_file(const char *name, GByteArray **out)
{
	GByteArray	*a;
	FILE		*f;
	guint8		 chunk[65536];
	size_t		 n;

	f = fopen(name, "rb");
	if (f == NULL) {
		bad("%s", strerror(errno));
		return -1;
	}
	a = g_byte_array_new();
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (a->len + n > MAX_BYTES) {
			bad("larger than %d bytes", MAX_BYTES);
			break;
		}
		g_byte_array_append(a, chunk, (guint)n);
	}
	if (ferror(f))
		bad("%s", strerror(errno));
	fclose(f);
	if (failed) {
		g_byte_array_unref(a);
		return -1;
	}
	*out = a;
	return 0;
}

/*
 * The raw message: 7-bit, lines of at most MAX_LINE characters, each
 * ended by LF (crlf: CRLF) and no bare CR. The last line may lack its
 * end, as RFC 5322 allows.
 */
static void
check_lines(const unsigned char *s, size_t n, int crlf)
{
	size_t	i, start = 0, line = 1, len;
	int	nlong = 0, nend = 0, n8bit = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] >= 0x80 && n8bit++ < MAX_SHOWN)
			bad("line %zu: 8-bit byte 0x%02x (the message must "
			    "be 7-bit: quoted-printable, RFC 2047)", line,
			    s[i]);
		if (i < n && s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n') &&
		    nend++ < MAX_SHOWN)
			bad("line %zu: a CR not followed by LF", line);
		if (i < n && s[i] != '\n')
			continue;
		len = i - start;
		if (i < n && len > 0 && s[i - 1] == '\r') {
			len--;
			if (!crlf && nend++ < MAX_SHOWN)
				bad("line %zu ends in CRLF, not LF (--crlf "
				    "expects CRLF)", line);
		} else if (i < n && crlf && nend++ < MAX_SHOWN)
			bad("line %zu ends in LF, not CRLF", line);
		if (len > MAX_LINE && nlong++ < MAX_SHOWN)
			bad("line %zu is %zu characters long (RFC 5322 2.1.1:"
			    " at most %d)", line, len, MAX_LINE);
		start = i + 1;
		line++;
	}
}

/* Any issue GMime's parser sees fails the check: name it. */
static void
parser_warning(gint64 offset, GMimeParserWarning code, const gchar *item,
    gpointer arg)
{
	static const char *const names[] = {
		[GMIME_WARN_DUPLICATED_HEADER] = "duplicated header",
		[GMIME_WARN_DUPLICATED_PARAMETER] = "duplicated parameter",
		[GMIME_WARN_UNENCODED_8BIT_HEADER] = "unencoded 8-bit header",
		[GMIME_WARN_INVALID_CONTENT_TYPE] = "invalid content type",
		[GMIME_WARN_INVALID_RFC2047_HEADER_VALUE] =
		    "invalid RFC 2047 header value",
		[GMIME_WARN_MALFORMED_MULTIPART] = "malformed multipart",
		[GMIME_WARN_TRUNCATED_MESSAGE] = "truncated message",
		[GMIME_WARN_MALFORMED_MESSAGE] = "malformed message",
		[GMIME_CRIT_INVALID_HEADER_NAME] = "invalid header name",
		[GMIME_CRIT_CONFLICTING_HEADER] = "conflicting header",
		[GMIME_CRIT_CONFLICTING_PARAMETER] = "conflicting parameter",
		[GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY] =
		    "multipart without boundary",
		[GMIME_WARN_INVALID_PARAMETER] = "invalid parameter",
		[GMIME_WARN_INVALID_ADDRESS_LIST] = "invalid address list",
		[GMIME_CRIT_NESTING_OVERFLOW] = "nesting overflow",
		[GMIME_WARN_PART_WITHOUT_CONTENT] = "part without content",
		[GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT] =
		    "part without headers or content",
	};
	const char	*name = NULL;
	char		*shown = NULL;

	(void)arg;
	if ((size_t)code < G_N_ELEMENTS(names))
		name = names[code];
	/* The offending bytes, made printable and short. */
	if (item != NULL)
		shown = g_strescape(item, NULL);
	if (shown != NULL && strlen(shown) > 60)
		strcpy(shown + 57, "...");
	bad("GMime parser, offset %lld: %s (GMimeParserWarning %d)%s%s",
	    (long long)offset, name != NULL ? name : "unknown issue",
	    (int)code, shown != NULL ? ": " : "", shown != NULL ? shown : "");
	g_free(shown);
}

/* The headers a message needs, once each, with values that parse. */
static void
check_headers(GMimeMessage *msg)
{
	static const char *const need[] = { "From", "To", "Date",
	    "Message-ID", "Subject", "MIME-Version" };
	GMimeHeaderList		*hl;
	InternetAddressList	*l;
	GDateTime		*d;
	const char		*v;
	size_t			 i;
	int			 j, n, count;

	hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	n = g_mime_header_list_get_count(hl);
	for (i = 0; i < G_N_ELEMENTS(need); i++) {
		count = 0;
		for (j = 0; j < n; j++)
			if (g_ascii_strcasecmp(g_mime_header_get_name(
			    g_mime_header_list_get_header_at(hl, j)),
			    need[i]) == 0)
				count++;
		if (count != 1)
			bad("%d %s headers, not 1", count, need[i]);
	}

	l = g_mime_message_get_from(msg);
	if (l == NULL || internet_address_list_length(l) == 0)
		bad("From: no address");
	l = g_mime_message_get_to(msg);
	if (l == NULL || internet_address_list_length(l) == 0)
		bad("To: no address");
	v = g_mime_object_get_header(GMIME_OBJECT(msg), "Date");
	if (v != NULL) {
		d = g_mime_utils_header_decode_date(v);
		if (d == NULL)
			bad("Date: '%s' is not a date", v);
		else
			g_date_time_unref(d);
	}
	v = g_mime_message_get_message_id(msg);
	if (v == NULL || strchr(v, '@') == NULL)
		bad("Message-ID: '%s' is not an id", v != NULL ? v : "");
	v = g_mime_object_get_header(GMIME_OBJECT(msg), "MIME-Version");
	if (v != NULL) {
		char	*t = g_strstrip(g_strdup(v));

		if (strcmp(t, "1.0") != 0)
			bad("MIME-Version: '%s', not 1.0", t);
		g_free(t);
	}
}

/*
 * Part i of alt: a leaf of type text/SUBTYPE with charset utf-8. NULL
 * (reported) if it is not.
 */
static GMimePart *
check_part(GMimeMultipart *alt, int i, const char *subtype)
{
	GMimeObject		*o;
	GMimeContentType	*ct;
	const char		*cs;

	o = g_mime_multipart_get_part(alt, i);
	ct = o != NULL ? g_mime_object_get_content_type(o) : NULL;
	if (ct == NULL || !g_mime_content_type_is_type(ct, "text", subtype)) {
		bad("part %d is %s/%s, not text/%s", i + 1,
		    ct != NULL ? g_mime_content_type_get_media_type(ct) : "?",
		    ct != NULL ? g_mime_content_type_get_media_subtype(ct) :
		    "?", subtype);
		return NULL;
	}
	if (!GMIME_IS_PART(o)) {
		bad("part %d (text/%s) is not a leaf part", i + 1, subtype);
		return NULL;
	}
	cs = g_mime_content_type_get_parameter(ct, "charset");
	if (cs == NULL || g_ascii_strcasecmp(cs, "utf-8") != 0) {
		bad("part %d (text/%s): charset %s, not utf-8", i + 1, subtype,
		    cs != NULL ? cs : "missing");
		return NULL;
	}
	return GMIME_PART(o);
}

/*
 * The content of a part, its transfer encoding undone (no charset
 * conversion): a new array, NUL-terminated beyond its length, that the
 * caller frees with g_byte_array_unref. NULL (reported) on error.
 */
static GByteArray *
decode(GMimePart *p, const char *what)
{
	GMimeDataWrapper	*w;
	GMimeStream		*mem;
	GByteArray		*a;
	const gchar		*end;

	w = g_mime_part_get_content(p);
	if (w == NULL) {
		bad("%s: no content", what);
		return NULL;
	}
	a = g_byte_array_new();
	mem = g_mime_stream_mem_new_with_byte_array(a);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	if (g_mime_data_wrapper_write_to_stream(w, mem) == -1) {
		bad("%s: cannot decode", what);
		g_object_unref(mem);
		g_byte_array_unref(a);
		return NULL;
	}
	g_object_unref(mem);
	if (!g_utf8_validate((const gchar *)a->data, (gssize)a->len, &end)) {
		bad("%s: not valid UTF-8 at byte %zu of the decoded content",
		    what, (size_t)(end - (const gchar *)a->data));
		g_byte_array_unref(a);
		return NULL;
	}
	if (a->len == 0) {
		bad("%s: empty", what);
		g_byte_array_unref(a);
		return NULL;
	}
	g_byte_array_append(a, (const guint8 *)"", 1);
	a->len--;
	return a;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/*
 * The figures of s, added to set (of strings it then owns). A figure is
 * a maximal run of ASCII digits in which a single ',', '.', '-' or ':'
 * may stand between two digits, followed by '%' if one comes next:
 * "1,234", "98.7%", "2026-02-22", "0.4", "192.0.2.1", "12:30". A sign
 * before it is not part of it ("-3" is "3"), nor is a full stop after
 * it ("7 days." gives "7").
 */
static void
figures(const char *s, size_t n, GHashTable *set)
{
	size_t	i = 0, start;

	while (i < n) {
		if (!is_digit((unsigned char)s[i])) {
			i++;
			continue;
		}
		start = i++;
		for (;;) {
			if (i < n && is_digit((unsigned char)s[i]))
				i++;
			else if (i + 1 < n && s[i] != '\0' &&
			    strchr(",.-:", s[i]) != NULL &&
			    is_digit((unsigned char)s[i + 1]))
				i += 2;
			else
				break;
		}
		if (i < n && s[i] == '%')
			i++;
		g_hash_table_add(set, g_strndup(s + start, i - start));
	}
}

/* Case-insensitive: does s (n bytes) start with the ASCII word w? */
static int
starts(const char *s, size_t n, const char *w)
{
	size_t	k = strlen(w);

	return n >= k && g_ascii_strncasecmp(s, w, k) == 0;
}

/*
 * Where the tag at s[0] == '<' ends: the index after its '>', quotes in
 * attribute values respected; 0 if it does not end.
 */
static size_t
tag_end(const char *s, size_t n)
{
	size_t	i;
	char	q = 0;

	for (i = 1; i < n; i++) {
		if (q != 0) {
			if (s[i] == q)
				q = 0;
		} else if (s[i] == '"' || s[i] == '\'')
			q = s[i];
		else if (s[i] == '>')
			return i + 1;
	}
	return 0;
}

/*
 * The text of an HTML document as a reader sees it, appended to out:
 * comments, tags and the <head> and <style> elements removed (each
 * replaced by a space, so that the cells of a table do not run into one
 * another), and the entities the renderer writes decoded (&amp; &lt;
 * &gt; &quot; &#39; &nbsp; &#NNN; &#xHH;). Anything else after '&' is
 * an escaping mistake. -1 (reported) on malformed HTML.
 */
static int
html_text(const char *s, size_t n, GString *out)
{
	static const struct {
		const char	*name;
		gunichar	 c;
	} ent[] = { { "amp", '&' }, { "lt", '<' }, { "gt", '>' },
	    { "quot", '"' }, { "nbsp", 0xa0 } };
	const char	*p, *close;
	char		 name[16], *endp;
	size_t		 i = 0, k, e;
	gunichar	 c;
	unsigned long	 v;

	while (i < n) {
		if (s[i] == '<' && starts(s + i, n - i, "<!--")) {
			p = g_strstr_len(s + i + 4, (gssize)(n - i - 4), "-->");
			if (p == NULL) {
				bad("text/html: unterminated comment at byte "
				    "%zu", i);
				return -1;
			}
			i = (size_t)(p - s) + 3;
			g_string_append_c(out, ' ');
		} else if (s[i] == '<' && i + 1 < n && (g_ascii_isalpha(
		    s[i + 1]) || s[i + 1] == '/' || s[i + 1] == '!' ||
		    s[i + 1] == '?')) {
			e = tag_end(s + i, n - i);
			if (e == 0) {
				bad("text/html: unterminated tag at byte %zu",
				    i);
				return -1;
			}
			close = NULL;
			if (starts(s + i, e, "<head") && (s[i + 5] == '>' ||
			    g_ascii_isspace(s[i + 5])))
				close = "</head";
			else if (starts(s + i, e, "<style") && (s[i + 6] ==
			    '>' || g_ascii_isspace(s[i + 6])))
				close = "</style";
			i += e;
			if (close != NULL) {
				for (k = i; k < n; k++)
					if (starts(s + k, n - k, close))
						break;
				e = k < n ? tag_end(s + k, n - k) : 0;
				if (e == 0) {
					bad("text/html: %s> missing", close);
					return -1;
				}
				i = k + e;
			}
			g_string_append_c(out, ' ');
		} else if (s[i] == '&') {
			for (k = i + 1; k < n && k - i < sizeof name &&
			    s[k] != ';'; k++)
				;
			if (k >= n || s[k] != ';' || k - i - 1 == 0) {
				bad("text/html: '&' not escaped at byte %zu",
				    i);
				return -1;
			}
			memcpy(name, s + i + 1, k - i - 1);
			name[k - i - 1] = '\0';
			c = 0;
			if (name[0] == '#') {
				int	 hex = name[1] == 'x' || name[1] == 'X';
				char	*digits = name + 1 + hex;

				errno = 0;
				v = strtoul(digits, &endp, hex ? 16 : 10);
				if (errno == 0 && *endp == '\0' && endp !=
				    digits && g_ascii_isxdigit(*digits) &&
				    v <= 0x10ffff)
					c = (gunichar)v;
			} else {
				for (e = 0; e < G_N_ELEMENTS(ent); e++)
					if (strcmp(name, ent[e].name) == 0)
						c = ent[e].c;
			}
			if (c == 0 || !g_unichar_validate(c)) {
				bad("text/html: unknown entity &%s;", name);
				return -1;
			}
			g_string_append_unichar(out, c);
			i = k + 1;
		} else
			g_string_append_c(out, s[i++]);
	}
	return 0;
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Print, sorted, the members of a that b lacks. */
static void
missing(GHashTable *a, GHashTable *b, const char *in, const char *notin)
{
	GPtrArray	*v;
	GHashTableIter	 it;
	gpointer	 k;
	GString		*s;
	guint		 i;

	v = g_ptr_array_new();
	g_hash_table_iter_init(&it, a);
	while (g_hash_table_iter_next(&it, &k, NULL))
		if (!g_hash_table_contains(b, k))
			g_ptr_array_add(v, k);
	if (v->len > 0) {
		g_ptr_array_sort(v, cmp_str);
		s = g_string_new(NULL);
		for (i = 0; i < v->len && i < 40; i++)
			g_string_append_printf(s, " %s",
			    (const char *)v->pdata[i]);
		bad("figures in the %s part, not in the %s part:%s%s", in,
		    notin, s->str, v->len > 40 ? " ..." : "");
		g_string_free(s, TRUE);
	}
	g_ptr_array_free(v, TRUE);
}

static void
compare(GHashTable *text, GHashTable *html)
{
	if (g_hash_table_size(text) == 0)
		bad("no figures in the text part");
	missing(text, html, "text", "HTML");
	missing(html, text, "HTML", "text");
}

int
main(int argc, char **argv)
{
	GByteArray		*raw = NULL, *tb = NULL, *hb = NULL;
	GMimeParserOptions	*po;
	GMimeStream		*st;
	GMimeParser		*parser;
	GMimeMessage		*msg = NULL;
	GMimeObject		*top;
	GMimePart		*tp, *hp;
	GHashTable		*tset, *hset;
	GString			*htext;
	const char		*subject, *part = NULL;
	int			 crlf = 0, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--crlf") == 0)
			crlf = 1;
		else if (strcmp(argv[i], "--part") == 0 && i + 1 < argc &&
		    (strcmp(argv[i + 1], "plain") == 0 ||
		    strcmp(argv[i + 1], "html") == 0))
			part = argv[++i];
		else
			break;
	}
	if (argc != i + 1 || argv[i][0] == '-') {
		fprintf(stderr, "usage: mimecheck [--crlf] [--part plain|html] "
		    "FILE\n");
		return 2;
	}
	path = argv[i];
	if (read_file(path, &raw) == -1)
		return 1;
	if (raw->len == 0) {
		bad("empty file");
		g_byte_array_unref(raw);
		return 1;
	}
	check_lines(raw->data, raw->len, crlf);

	g_mime_init();
	po = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(po, parser_warning, NULL);
	st = g_mime_stream_mem_new_with_buffer((const char *)raw->data,
	    raw->len);
	parser = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, po);
	g_object_unref(parser);
	g_object_unref(st);
	if (msg == NULL) {
		bad("not a message");
		goto out;
	}
	check_headers(msg);

	top = g_mime_message_get_mime_part(msg);
	if (top == NULL || !GMIME_IS_MULTIPART(top) ||
	    !g_mime_content_type_is_type(g_mime_object_get_content_type(top),
	    "multipart", "alternative")) {
		bad("the top level is not multipart/alternative");
		goto out;
	}
	if (g_mime_multipart_get_count(GMIME_MULTIPART(top)) != 2) {
		bad("multipart/alternative of %d part(s), not 2",
		    g_mime_multipart_get_count(GMIME_MULTIPART(top)));
		goto out;
	}
	tp = check_part(GMIME_MULTIPART(top), 0, "plain");
	hp = check_part(GMIME_MULTIPART(top), 1, "html");
	if (tp != NULL)
		tb = decode(tp, "text/plain");
	if (hp != NULL)
		hb = decode(hp, "text/html");
	if (tb == NULL || hb == NULL)
		goto out;

	tset = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	hset = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	htext = g_string_new(NULL);
	figures((const char *)tb->data, tb->len, tset);
	if (html_text((const char *)hb->data, hb->len, htext) == 0) {
		figures(htext->str, htext->len, hset);
		compare(tset, hset);
	}
	g_string_free(htext, TRUE);
	g_hash_table_destroy(tset);
	g_hash_table_destroy(hset);
out:
	if (!failed && part != NULL) {
		GByteArray *a = strcmp(part, "plain") == 0 ? tb : hb;

		if (fwrite(a->data, 1, a->len, stdout) != a->len)
			bad("standard output: %s", strerror(errno));
	} else if (!failed) {
		subject = g_mime_message_get_subject(msg);
		printf("%s\n", subject != NULL ? subject : "");
	}
	if (fflush(stdout) == EOF)
		bad("standard output: %s", strerror(errno));
	if (tb != NULL)
		g_byte_array_unref(tb);
	if (hb != NULL)
		g_byte_array_unref(hb);
	if (msg != NULL)
		g_object_unref(msg);
	g_mime_parser_options_free(po);
	g_byte_array_unref(raw);
	g_mime_shutdown();
	return failed ? 1 : 0;
}
