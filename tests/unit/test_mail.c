/*
 * test_mail.c: the header pre-scan (its caps at their boundaries, in
 * every kind of header GMime reads) and the mbox reader (separators,
 * quoting, Content-Length, messages larger than the cap).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gmime/gmime.h>

#include "buf.h"
#include "digest.h"
#include "mail.h"

static void
addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2,
    3)));

static void
addf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	char	tmp[1024];
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof tmp);
	assert_int_equal(buf_add(b, tmp, (size_t)n), 0);
}

/* n fields "X-i: v" (7 to 12 bytes each). */
static void
fields(struct buf *b, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		addf(b, "X-%d: v\n", i);
}

/* The pre-scan's verdict: 0, or -1 with the reason in why. */
static int
scan(const struct buf *b, char *why, size_t len)
{
	struct mail_scan	*s;
	struct dr_error		 err;
	int			 rc;

	s = mail_scan_new();
	assert_non_null(s);
	memset(&err, 0, sizeof err);
	rc = mail_scan_feed(s, b->data, b->len, 1, &err);
	mail_scan_free(s);
	snprintf(why, len, "%s", rc == 0 ? "" : err.msg);
	if (rc == -1)
		assert_int_equal(err.code, DR_E_LIMIT);
	return rc;
}

#define TOO_MANY_FIELDS	"email message with a header of more than 1000 fields"
#define TOO_MANY_BYTES	"email message with more than 131072 bytes of header"
#define TOO_MANY_PARTS	"email message has more than 100 MIME parts"

static void
message_header_fields(void **state)
{
	struct buf	b = { 0 };
	char		why[768];

	(void)state;
	addf(&b, "From: a@example.com\n");
	fields(&b, MAIL_MAX_FIELDS - 1);
	addf(&b, "\nbody\nX-Not: a field\n");
	assert_int_equal(scan(&b, why, sizeof why), 0);
	/* One more, folded or not, is one too many. */
	b.len = 0;
	addf(&b, "From: a@example.com\n");
	fields(&b, MAIL_MAX_FIELDS);
	addf(&b, "\nbody\n");
	assert_int_equal(scan(&b, why, sizeof why), -1);
	assert_string_equal(why, TOO_MANY_FIELDS);
	/* Lines GMime drops are no fields; folded lines are not either. */
	b.len = 0;
	addf(&b, "From: a@example.com\n");
	fields(&b, MAIL_MAX_FIELDS - 1);
	addf(&b, "not a field\nbad name: x\n folded\n\tfolded\n\nbody\n");
	assert_int_equal(scan(&b, why, sizeof why), 0);
	buf_free(&b);
}

static void
header_bytes(void **state)
{
	struct buf	b = { 0 }, more = { 0 };
	char		why[768];

	(void)state;
	/* A field folded over exactly the cap, blank line included. */
	addf(&b, "X-A: a\n");
	while (b.len < MAIL_MAX_HEADER - 1)
		addf(&b, " %.*s\n", (int)(MAIL_MAX_HEADER - 3 - b.len < 70 ?
		    MAIL_MAX_HEADER - 3 - b.len : 70), "xxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	assert_int_equal(b.len, MAIL_MAX_HEADER - 1);
	addf(&b, "\nbody\n");
	assert_int_equal(scan(&b, why, sizeof why), 0);
	/* One byte more. */
	assert_int_equal(buf_add(&more, "X-A: ab", 7), 0);
	assert_int_equal(buf_add(&more, b.data + 6, b.len - 6), 0);
	assert_int_equal(scan(&more, why, sizeof why), -1);
	assert_string_equal(why, TOO_MANY_BYTES);
	buf_free(&b);
	buf_free(&more);
}

/* A multipart of n parts, each with a header of f fields. */
static void
multipart(struct buf *b, const char *ct, int n, int f)
{
	int	i;

	addf(b, "From: a@example.com\nContent-Type: %s; boundary=\"=b=\"\n\n"
	    "preamble\n", ct);
	for (i = 0; i < n; i++) {
		addf(b, "--=b= \r\n");
		fields(b, f);
		addf(b, "\nx\n");
	}
	addf(b, "--=b=--\n");
}

static void
part_headers(void **state)
{
	struct buf	b = { 0 };
	char		why[768];

	(void)state;
	multipart(&b, "multipart/mixed", 3, MAIL_MAX_FIELDS);
	assert_int_equal(scan(&b, why, sizeof why), 0);
	b.len = 0;
	multipart(&b, "multipart/mixed", 3, MAIL_MAX_FIELDS + 1);
	assert_int_equal(scan(&b, why, sizeof why), -1);
	assert_string_equal(why, TOO_MANY_FIELDS);
	/* All the parts' headers count towards the message's bytes. */
	b.len = 0;
	multipart(&b, "multipart/mixed", 15, 1000);
	assert_true(b.len > MAIL_MAX_HEADER);
	assert_int_equal(scan(&b, why, sizeof why), -1);
	assert_string_equal(why, TOO_MANY_BYTES);
	/* Without a boundary declared, "--=b=" is text: no header. */
	b.len = 0;
	multipart(&b, "text/plain", 15, 1000);
	memcpy(strstr(b.data, "boundary"), "xoundary", 8);
	assert_int_equal(scan(&b, why, sizeof why), 0);
	buf_free(&b);
}

static void
part_count(void **state)
{
	struct buf	b = { 0 };
	char		why[768];
	int		i;

	(void)state;
	/* 199 parts and the closing line: 200 delimiter lines. */
	multipart(&b, "multipart/mixed", 2 * MAIL_MAX_PARTS - 1, 0);
	assert_int_equal(scan(&b, why, sizeof why), 0);
	b.len = 0;
	multipart(&b, "multipart/mixed", 2 * MAIL_MAX_PARTS, 0);
	assert_int_equal(scan(&b, why, sizeof why), -1);
	assert_string_equal(why, TOO_MANY_PARTS);
	/* Boundaries (multiparts) declared, nested or not. */
	b.len = 0;
	addf(&b, "From: a@example.com\n");
	for (i = 0; i < 2 * MAIL_MAX_PARTS; i++)
		addf(&b, "Content-Type: multipart/mixed; boundary=b%d\n", i);
	addf(&b, "\n");
	assert_int_equal(scan(&b, why, sizeof why), 0);
	b.len = 0;
	addf(&b, "From: a@example.com\n");
	for (i = 0; i < 2 * MAIL_MAX_PARTS + 1; i++)
		addf(&b, "Content-Type: multipart/mixed; boundary=b%d\n", i);
	addf(&b, "\n");
	assert_int_equal(scan(&b, why, sizeof why), -1);
	assert_string_equal(why, TOO_MANY_PARTS);
	buf_free(&b);
}

static void
attached_messages(void **state)
{
	struct buf	b = { 0 };
	char		why[768];

	(void)state;
	/* The body of a message/rfc822 part is a header. */
	addf(&b, "From: a@example.com\nContent-Type: multipart/mixed; "
	    "boundary=b\n\n--b\nContent-Type: message/rfc822\n\n");
	fields(&b, MAIL_MAX_FIELDS + 1);
	addf(&b, "\nbody\n--b--\n");
	assert_int_equal(scan(&b, why, sizeof why), -1);
	assert_string_equal(why, TOO_MANY_FIELDS);
	/* Not when it is base64: GMime takes it for a leaf. */
	b.len = 0;
	addf(&b, "From: a@example.com\nContent-Type: multipart/mixed; "
	    "boundary=b\n\n--b\nContent-Transfer-Encoding: base64\n"
	    "Content-Type: message/rfc822\n\n");
	fields(&b, MAIL_MAX_FIELDS + 1);
	addf(&b, "\n--b--\n");
	assert_int_equal(scan(&b, why, sizeof why), 0);
	/* A whole message that is an attached message. */
	b.len = 0;
	addf(&b, "From: a@example.com\nContent-Type: message/global\n\n");
	fields(&b, MAIL_MAX_FIELDS + 1);
	assert_int_equal(scan(&b, why, sizeof why), -1);
	/* In a multipart/digest, a part without a type is a message. */
	b.len = 0;
	addf(&b, "From: a@example.com\nContent-Type: multipart/digest; "
	    "boundary*0=\"b\"; boundary*1=\"c\"\n\n--bc\n\n");
	fields(&b, MAIL_MAX_FIELDS + 1);
	addf(&b, "\nbody\n--bc--\n");
	assert_int_equal(scan(&b, why, sizeof why), -1);
	assert_string_equal(why, TOO_MANY_FIELDS);
	/* ... not in a multipart/mixed. */
	memcpy(strstr(b.data, "digest"), "mixedd", 6);
	assert_int_equal(scan(&b, why, sizeof why), 0);
	buf_free(&b);
}

/* Fed in pieces, the same verdict: here, past the cap early. */
static void
scan_in_pieces(void **state)
{
	struct mail_scan	*s;
	struct dr_error		 err;
	struct buf		 b = { 0 };
	size_t			 off;
	int			 rc = 0;

	(void)state;
	addf(&b, "From: a@example.com\n");
	fields(&b, 3000);
	s = mail_scan_new();
	for (off = 0; off < b.len && rc == 0; off += 1000)
		rc = mail_scan_feed(s, b.data, off, 0, &err);
	mail_scan_free(s);
	assert_int_equal(rc, -1);
	assert_true(off < b.len / 2);
	assert_string_equal(err.msg, TOO_MANY_FIELDS);
	buf_free(&b);
}

static void
parse_refuses_before_gmime(void **state)
{
	struct buf	 b = { 0 };
	struct dr_error	 err;
	struct mail_msg	*m;
	unsigned	 f, o;
	uint64_t	 bytes;

	(void)state;
	multipart(&b, "multipart/mixed", 3, MAIL_MAX_FIELDS + 1);
	assert_null(mail_parse(b.data, b.len, &err));
	assert_int_equal(err.code, DR_E_LIMIT);
	assert_string_equal(err.msg, TOO_MANY_FIELDS);
	b.len = 0;
	multipart(&b, "multipart/mixed", 3, MAIL_MAX_FIELDS - 1);
	m = mail_parse(b.data, b.len, &err);
	assert_non_null(m);
	mail_built(m, &f, &bytes, &o);
	assert_int_equal(f, MAIL_MAX_FIELDS - 1);
	assert_int_equal(o, 5);		/* message, multipart, 3 parts */
	assert_true(bytes > 0 && bytes < b.len);
	mail_free(m);
	buf_free(&b);
}

static void
from_lines(void **state)
{
	(void)state;
#define FL(s)	mail_mbox_from_line(s, strlen(s))
	assert_true(FL("From sender@example.net Mon Jan  1 00:00:00 2024"));
	assert_true(FL("From MAILER-DAEMON Fri Jul  8 12:08:34 2011\r"));
	assert_true(FL("From a@b Mon, 1 Jan 2024 00:00 +0000"));
	assert_true(FL("From a@b Sat Jan 3 01:05:34 +0100 1996"));
	assert_false(FL("From now on, reports go to dmarc@example.com."));
	assert_false(FL("From a@b Mon Jan  1 2024"));	/* no time */
	assert_false(FL("From a@b Mon Jan  1 00:00:00"));	/* no year */
	assert_false(FL("From  "));
	assert_false(FL("From: a@b Mon Jan 1 00:00:00 2024"));
	assert_false(FL("From a@b Mon Jan 1 00:00:00 2024\x01"));
#undef FL
}

struct mem {
	const char	*p;
	size_t		 len, off, piece;
	size_t		 offered;	/* the most room a read was given */
};

static ssize_t
mem_read(void *arg, void *buf, size_t n, struct dr_error *err)
{
	struct mem	*m = arg;

	(void)err;
	if (n > m->offered)
		m->offered = n;
	if (n > m->piece)
		n = m->piece;
	if (n > m->len - m->off)
		n = m->len - m->off;
	memcpy(buf, m->p + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

/*
 * Split an mbox read in pieces of piece bytes, messages held up to max,
 * Content-Length obeyed up to cl_max: "offset:size:bytes|" for each
 * message.
 */
static void
split(const char *mbox, size_t piece, size_t max, size_t cl_max,
    struct buf *out)
{
	struct mem		 m = { mbox, strlen(mbox), 0, piece, 0 };
	struct mail_mbox	*mb;
	struct dr_error		 err;
	const char		*p;
	size_t			 len;
	uint64_t		 off, size;
	int			 rc;

	mb = mail_mbox_new(mem_read, &m, max, cl_max);
	assert_non_null(mb);
	out->len = 0;
	while ((rc = mail_mbox_next(mb, &p, &len, &off, &size, &err)) == 1) {
		addf(out, "%llu:%llu:", (unsigned long long)off,
		    (unsigned long long)size);
		assert_int_equal(buf_add(out, p, len), 0);
		addf(out, "|");
	}
	assert_int_equal(rc, 0);
	mail_mbox_free(mb);
}

static void
check_split(const char *mbox, const char *want)
{
	struct buf	out = { 0 };
	size_t		piece;

	for (piece = 1; piece <= strlen(mbox) + 1; piece += piece < 8 ?
	    1 : 61) {
		split(mbox, piece, SIZE_MAX, SIZE_MAX, &out);
		assert_string_equal(out.len > 0 ? out.data : "", want);
	}
	buf_free(&out);
}

#define SEP	"From a@example.net Mon Jan  1 00:00:00 2024\n"

static void
mbox_separators(void **state)
{
	(void)state;
	/* Two messages; the blank line before a separator is the mbox's. */
	check_split(SEP "A: 1\n\nx\n\n" SEP "B: 2\n\ny\n",
	    "0:8:A: 1\n\nx\n|53:8:B: 2\n\ny\n|");
	/* "From " in a body: after a blank line, but no date. */
	check_split(SEP "A: 1\n\nHello,\n\nFrom now on, mail goes to x.\n\n"
	    "Bye\n", "0:48:A: 1\n\nHello,\n\nFrom now on, mail goes to x.\n"
	    "\nBye\n|");
	/* A dated "From " line, but no blank line before it. */
	check_split(SEP "A: 1\n\nx\n" SEP "y\n",
	    "0:54:A: 1\n\nx\n" SEP "y\n|");
	/* CRLF, and blank lines kept but the last. */
	check_split(SEP "A: 1\r\n\r\nx\r\n\r\n\r\n" SEP "B: 2\r\n",
	    "0:13:A: 1\r\n\r\nx\r\n\r\n|59:6:B: 2\r\n|");
	/* The last message keeps its trailing blank line. */
	check_split(SEP "A: 1\n\nx\n\n", "0:9:A: 1\n\nx\n\n|");
	/* An empty file; a file of one line. */
	check_split("", "");
	check_split("From x", "0:0:|");
}

static void
mbox_quoting(void **state)
{
	(void)state;
	/* mboxrd: one '>' less on ">From " lines, at any depth. */
	check_split(SEP "A: 1\n\n>From now on\n>>From x\n> From y\n>Fromage\n",
	    "0:44:A: 1\n\nFrom now on\n>From x\n> From y\n>Fromage\n|");
}

static void
mbox_content_length(void **state)
{
	(void)state;
	/* Consistent: a dated "From " line after a blank line in it. */
	check_split(SEP "Content-Length: 49\n\nx\n\n" SEP "y\n\n" SEP "B: 2\n",
	    "0:69:Content-Length: 49\n\nx\n\n" SEP "y\n|"
	    "114:5:B: 2\n|");
	/* Consistent, the next separator right after the body. */
	check_split(SEP "Content-Length: 4\n\nx\ny\n" SEP "B: 2\n",
	    "0:23:Content-Length: 4\n\nx\ny\n|67:5:B: 2\n|");
	/* ... or the end of the file. */
	check_split(SEP "Content-Length: 49\n\nx\n\n" SEP "y\n",
	    "0:69:Content-Length: 49\n\nx\n\n" SEP "y\n|");
	/* Inconsistent (too short, too long, mid-line): ignored. */
	check_split(SEP "Content-Length: 3\n\nx\n\n" SEP "y\n",
	    "0:21:Content-Length: 3\n\nx\n|66:2:y\n|");
	check_split(SEP "Content-Length: 99\n\nx\n\n" SEP "y\n",
	    "0:22:Content-Length: 99\n\nx\n|67:2:y\n|");
	check_split(SEP "Content-Length: 1\n\nxy\n\n" SEP "y\n",
	    "0:22:Content-Length: 1\n\nxy\n|67:2:y\n|");
}

/*
 * A Content-Length of 1.7 GB in a small mbox: the window grows with the
 * bytes that come, never to the size claimed (the fuzzer's
 * out-of-memory, tests/fuzz/regressions/mime/mbox-content-length-huge).
 */
static void
mbox_content_length_huge(void **state)
{
	const char		*mbox = SEP "Content-Length: 1700000000\n\n"
				    "x\n\n" SEP "y\n";
	struct mem		 m = { mbox, strlen(mbox), 0, 7, 0 };
	struct mail_mbox	*mb;
	struct dr_error		 err;
	const char		*p;
	size_t			 len, n = 0;
	uint64_t		 off, size;
	int			 rc;

	(void)state;
	mb = mail_mbox_new(mem_read, &m, SIZE_MAX, SIZE_MAX);
	assert_non_null(mb);
	while ((rc = mail_mbox_next(mb, &p, &len, &off, &size, &err)) == 1)
		n++;
	assert_int_equal(rc, 0);
	assert_int_equal(n, 2);		/* inconsistent: ignored */
	assert_true(m.offered <= 4 * 65536);
	mail_mbox_free(mb);
}

static void
mbox_larger_than_max(void **state)
{
	struct buf	out = { 0 };

	(void)state;
	/* Held up to max; its full size counted; the next one whole. */
	split(SEP "A: 1\n\n0123456789\n\n" SEP "B: 2\n\ny\n", 7, 8, 8,
	    &out);
	assert_string_equal(out.data, "0:17:A: 1\n\n01|62:8:B: 2\n\ny\n|");
	buf_free(&out);
}

/*
 * A Content-Length is obeyed up to cl_max bytes, whatever max is: the
 * messages are where they are, cut at max (the fuzzer found them split
 * otherwise when max, not cl_max, bounded the Content-Length obeyed).
 */
static void
mbox_content_length_cap(void **state)
{
	const char	*mbox = SEP "Content-Length: 49\n\nx\n\n" SEP "y\n\n"
			    SEP "B: 2\n";
	struct buf	 out = { 0 };
	size_t		 piece;

	(void)state;
	for (piece = 1; piece <= strlen(mbox); piece += 7) {
		/* 49 bytes: obeyed at 49, whatever the cap. */
		split(mbox, piece, SIZE_MAX, 49, &out);
		assert_string_equal(out.data, "0:69:Content-Length: 49\n\n"
		    "x\n\n" SEP "y\n|114:5:B: 2\n|");
		split(mbox, piece, 10, 49, &out);
		assert_string_equal(out.data, "0:69:Content-Le|114:5:B: 2\n|");
		/* Ignored at 48: the dated line is a separator. */
		split(mbox, piece, SIZE_MAX, 48, &out);
		assert_string_equal(out.data, "0:22:Content-Length: 49\n\n"
		    "x\n|67:2:y\n|114:5:B: 2\n|");
		split(mbox, piece, 10, 48, &out);
		assert_string_equal(out.data, "0:22:Content-Le|67:2:y\n|"
		    "114:5:B: 2\n|");
	}
	buf_free(&out);
}

/*
 * The digest's subject carries the banner, with names from reports: no
 * control character in it reaches the header (a line break would add
 * one, such as a Bcc).
 */
static void
digest_subject_header(void **state)
{
	const char		*to[] = { "ops@example.com" };
	struct digest_mail	 m = { "DMARC <dmarc@example.com>", to, 1,
				    "DMARC weekly: x.example\r\nBcc: evil@x."
				    "example\x1b[31m fails", 0, "text",
				    "<p>html</p>", 0 };
	struct dr_error		 err;
	struct buf		 out = { 0 };
	const char		*p, *subj;
	GMimeStream		*st;
	GMimeParser		*parser;
	GMimeMessage		*msg;

	(void)state;
	memset(&err, 0, sizeof err);
	assert_int_equal(digest_mime(&m, &out, &err), 0);
	assert_int_equal(buf_addc(&out, '\0'), 0);
	for (p = out.data; p != NULL; p = strchr(p, '\n'), p = p ? p + 1 :
	    NULL)
		if (strncmp(p, "Bcc:", 4) == 0)
			fail_msg("a header injected: %.40s", p);
	assert_null(strchr(out.data, '\x1b'));
	/* Nor once decoded, as a mail client shows it. */
	st = g_mime_stream_mem_new_with_buffer(out.data, out.len - 1);
	parser = g_mime_parser_new_with_stream(st);
	msg = g_mime_parser_construct_message(parser, NULL);
	assert_non_null(msg);
	subj = g_mime_message_get_subject(msg);
	assert_non_null(subj);
	for (p = subj; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fail_msg("a control character in the subject: %s",
			    subj);
	assert_non_null(strstr(subj, "x.example"));
	g_object_unref(msg);
	g_object_unref(parser);
	g_object_unref(st);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(message_header_fields),
		cmocka_unit_test(header_bytes),
		cmocka_unit_test(part_headers),
		cmocka_unit_test(part_count),
		cmocka_unit_test(attached_messages),
		cmocka_unit_test(scan_in_pieces),
		cmocka_unit_test(parse_refuses_before_gmime),
		cmocka_unit_test(from_lines),
		cmocka_unit_test(mbox_separators),
		cmocka_unit_test(mbox_quoting),
		cmocka_unit_test(mbox_content_length),
		cmocka_unit_test(mbox_content_length_huge),
		cmocka_unit_test(mbox_larger_than_max),
		cmocka_unit_test(mbox_content_length_cap),
		cmocka_unit_test(digest_subject_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
