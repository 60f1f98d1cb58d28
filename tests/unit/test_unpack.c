/*
 * test_unpack.c: containers, sniffing, limits, raw bytes of rejects.
 * Fixtures are built in memory with zlib and libarchive's writer.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>
#include <zlib.h>

#include "buf.h"
#include "unpack.h"

static const struct unpack_limits lim = {
	.max_bytes = 64 << 20, .max_members = 10, .max_ratio = 200,
	.keep_bytes = 1 << 20,
};

static const char xml[] = "<?xml version=\"1.0\"?><feedback><x/>"
    "</feedback>\n";

/* Compress with zlib: gzip (wbits 31) or zlib (15) format. */
static void
deflate_to(struct buf *out, const void *p, size_t n, int wbits)
{
	z_stream	z;
	unsigned char	tmp[65536];
	int		r;

	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, wbits, 9,
	    Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	do {
		z.next_out = tmp;
		z.avail_out = sizeof tmp;
		r = deflate(&z, Z_FINISH);
		assert_true(r == Z_OK || r == Z_STREAM_END);
		buf_add(out, tmp, sizeof tmp - z.avail_out);
	} while (r != Z_STREAM_END);
	deflateEnd(&z);
}

struct member {
	const char	*name;
	const void	*data;	/* NULL: a directory */
	size_t		 len;
};

static void
zip_to(struct buf *out, const struct member *m, size_t n)
{
	struct archive		*a;
	struct archive_entry	*e;
	size_t			 used = 0, i;

	buf_reserve(out, (4 << 20) + 65536);
	a = archive_write_new();
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, out->data,
	    out->cap - 1, &used), ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		e = archive_entry_new();
		archive_entry_set_pathname(e, m[i].name);
		if (m[i].data == NULL) {
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, 0755);
		} else {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_size(e, (la_int64_t)m[i].len);
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (m[i].data != NULL && m[i].len > 0)
			assert_int_equal(archive_write_data(a, m[i].data,
			    m[i].len), (la_ssize_t)m[i].len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	out->len = used;
}

/* Read every document; returns how many; docs joined into all. */
static int
read_all(struct unpack *u, struct buf *all, struct buf *errs,
    struct buf *origins)
{
	struct dr_error	err;
	char		tmp[4096];
	ssize_t		n;
	int		r, docs = 0;

	while ((r = unpack_next(u, &err)) != 0) {
		if (r == -1) {
			buf_adds(errs, unpack_origin(u));
			buf_adds(errs, ": ");
			buf_adds(errs, err.msg);
			buf_addc(errs, '\n');
			continue;
		}
		docs++;
		if (origins != NULL) {
			buf_adds(origins, unpack_origin(u));
			buf_addc(origins, '\n');
		}
		while ((n = unpack_read(u, tmp, sizeof tmp, &err)) > 0)
			buf_add(all, tmp, (size_t)n);
		if (n == -1) {
			buf_adds(errs, unpack_origin(u));
			buf_adds(errs, ": ");
			buf_adds(errs, err.msg);
			buf_addc(errs, '\n');
		}
	}
	return docs;
}

/* Unpack from memory; returns documents read. */
static int
unpack_buf(const void *p, size_t n, const struct unpack_limits *l,
    struct buf *all, struct buf *errs, struct buf *origins)
{
	struct unpack	*u;
	int		 docs;

	u = unpack_open_mem(p, n, "in", l);
	assert_non_null(u);
	docs = read_all(u, all, errs, origins);
	unpack_close(u);
	return docs;
}

static void
sniffing(void **state)
{
	char	d[256];

	(void)state;
	assert_int_equal(unpack_sniff((const unsigned char *)"<?xml", 5, 0, d,
	    sizeof d), UNPACK_XML);
	assert_int_equal(unpack_sniff((const unsigned char *)
	    "\xef\xbb\xbf \r\n\t<feedback>", 16, 0, d, sizeof d), UNPACK_XML);
	assert_int_equal(unpack_sniff((const unsigned char *)"\xff\xfe<\0?\0",
	    6, 0, d, sizeof d), UNPACK_XML);
	assert_int_equal(unpack_sniff((const unsigned char *)"\x1f\x8b\x08",
	    3, 0, d, sizeof d), UNPACK_GZIP);
	assert_int_equal(unpack_sniff((const unsigned char *)"\x78\x9c", 2, 0,
	    d, sizeof d), UNPACK_ZLIB);
	assert_int_equal(unpack_sniff((const unsigned char *)"PK\3\4", 4, 0, d,
	    sizeof d), UNPACK_ZIP);
	assert_int_equal(unpack_sniff((const unsigned char *)
	    "Return-Path: <a@b>\r\nFrom: x\r\n\r\nbody", 35, 0, d, sizeof d),
	    UNPACK_EMAIL);
	assert_int_equal(unpack_sniff((const unsigned char *)
	    "From a@b Mon Jan 1 00:00:00 2024\nFrom: x\n", 41, 0, d, sizeof d),
	    UNPACK_EMAIL);
	assert_int_equal(unpack_sniff((const unsigned char *)"", 0, 0, d,
	    sizeof d), UNPACK_EMPTY);
	assert_string_equal(d, "empty input");
	assert_int_equal(unpack_sniff((const unsigned char *)
	    "{\"organization-name\":1}", 23, 0, d, sizeof d), UNPACK_OTHER);
	assert_non_null(strstr(d, "JSON"));
	assert_int_equal(unpack_sniff((const unsigned char *)"unused", 6, 0, d,
	    sizeof d), UNPACK_OTHER);
	assert_string_equal(d, "plain text, not XML starting \"unused\"");
	assert_int_equal(unpack_sniff((const unsigned char *)"PK\5\6", 4, 0, d,
	    sizeof d), UNPACK_OTHER);
	assert_string_equal(d, "empty zip archive");
	assert_int_equal(unpack_sniff((const unsigned char *)"%PDF-1.4", 8, 0,
	    d, sizeof d), UNPACK_OTHER);
	assert_int_equal(unpack_sniff((const unsigned char *)"\x01\x02\x03",
	    3, 0, d, sizeof d), UNPACK_OTHER);
	assert_non_null(strstr(d, "binary data"));
	/* A colon line alone does not make a message. */
	assert_int_equal(unpack_sniff((const unsigned char *)
	    "note: hello\n", 12, 0, d, sizeof d), UNPACK_OTHER);
}

static void
plain_xml_passes_through(void **state)
{
	struct buf	all = { 0 }, errs = { 0 };

	(void)state;
	assert_int_equal(unpack_buf(xml, strlen(xml), &lim, &all, &errs, NULL),
	    1);
	assert_int_equal(errs.len, 0);
	assert_int_equal(all.len, strlen(xml));
	assert_memory_equal(all.data, xml, all.len);
	buf_free(&all);
	buf_free(&errs);
}

static void
gzip_and_zlib(void **state)
{
	struct buf	gz = { 0 }, zl = { 0 }, all = { 0 }, errs = { 0 };

	(void)state;
	deflate_to(&gz, xml, strlen(xml), 31);
	deflate_to(&zl, xml, strlen(xml), 15);
	assert_int_equal(unpack_buf(gz.data, gz.len, &lim, &all, &errs, NULL),
	    1);
	assert_string_equal(all.data, xml);
	buf_reset(&all);
	assert_int_equal(unpack_buf(zl.data, zl.len, &lim, &all, &errs, NULL),
	    1);
	assert_string_equal(all.data, xml);
	assert_int_equal(errs.len, 0);
	buf_free(&gz);
	buf_free(&zl);
	buf_free(&all);
	buf_free(&errs);
}

static void
gzip_trailing_junk_ignored(void **state)
{
	/* Mimecast appends CRLF after the gzip stream. */
	struct buf	gz = { 0 }, all = { 0 }, errs = { 0 };

	(void)state;
	deflate_to(&gz, xml, strlen(xml), 31);
	buf_add(&gz, "\r\n", 2);
	assert_int_equal(unpack_buf(gz.data, gz.len, &lim, &all, &errs, NULL),
	    1);
	assert_int_equal(errs.len, 0);
	assert_string_equal(all.data, xml);
	buf_free(&gz);
	buf_free(&all);
	buf_free(&errs);
}

static void
gzip_concatenated_members(void **state)
{
	struct buf	gz = { 0 }, all = { 0 }, errs = { 0 };
	size_t		half = strlen(xml) / 2;

	(void)state;
	deflate_to(&gz, xml, half, 31);
	deflate_to(&gz, xml + half, strlen(xml) - half, 31);
	assert_int_equal(unpack_buf(gz.data, gz.len, &lim, &all, &errs, NULL),
	    1);
	assert_string_equal(all.data, xml);
	buf_free(&gz);
	buf_free(&all);
	buf_free(&errs);
}

static void
gzip_in_gzip_but_not_three(void **state)
{
	struct buf	g1 = { 0 }, g2 = { 0 }, g3 = { 0 }, all = { 0 },
			errs = { 0 };

	(void)state;
	deflate_to(&g1, xml, strlen(xml), 31);
	deflate_to(&g2, g1.data, g1.len, 31);
	deflate_to(&g3, g2.data, g2.len, 31);
	assert_int_equal(unpack_buf(g2.data, g2.len, &lim, &all, &errs, NULL),
	    1);
	assert_string_equal(all.data, xml);
	assert_int_equal(unpack_buf(g3.data, g3.len, &lim, &all, &errs, NULL),
	    0);
	assert_string_equal(errs.data, "in: not a DMARC report: more than two "
	    "layers of compression\n");
	buf_free(&g1);
	buf_free(&g2);
	buf_free(&g3);
	buf_free(&all);
	buf_free(&errs);
}

static void
gzip_truncated_or_corrupt(void **state)
{
	struct buf	gz = { 0 }, all = { 0 }, errs = { 0 };

	(void)state;
	deflate_to(&gz, xml, strlen(xml), 31);
	/* Found while sniffing or while reading: either way, said. */
	unpack_buf(gz.data, gz.len - 10, &lim, &all, &errs, NULL);
	assert_string_equal(errs.data, "in: gzip data truncated: the stream "
	    "ends before it is complete\n");
	buf_reset(&errs);
	gz.data[12] ^= 0x55;
	gz.data[13] ^= 0x55;
	unpack_buf(gz.data, gz.len, &lim, &all, &errs, NULL);
	assert_non_null(strstr(errs.data, "gzip data corrupt"));
	buf_free(&gz);
	buf_free(&all);
	buf_free(&errs);
}

static void
gzip_of_garbage_rejected(void **state)
{
	/* Yahoo/AOL, May 2023: a gzip whose content is "unused". */
	struct buf	gz = { 0 }, all = { 0 }, errs = { 0 };

	(void)state;
	deflate_to(&gz, "unused", 6, 31);
	assert_int_equal(unpack_buf(gz.data, gz.len, &lim, &all, &errs, NULL),
	    0);
	assert_string_equal(errs.data, "in: not a DMARC report: gzip payload "
	    "is plain text, not XML starting \"unused\"\n");
	buf_free(&gz);
	buf_free(&all);
	buf_free(&errs);
}

static void
zip_every_report_member(void **state)
{
	struct buf	gz = { 0 }, zip = { 0 }, all = { 0 }, errs = { 0 },
			origins = { 0 };
	struct member	m[5];

	(void)state;
	deflate_to(&gz, xml, strlen(xml), 31);
	m[0] = (struct member){ "dir/", NULL, 0 };
	m[1] = (struct member){ "dir/a.xml", xml, strlen(xml) };
	m[2] = (struct member){ "README.txt", "hello\n", 6 };
	m[3] = (struct member){ "b.xml.gz", gz.data, gz.len };
	m[4] = (struct member){ "c.xml", xml, strlen(xml) };
	zip_to(&zip, m, 5);
	assert_int_equal(unpack_buf(zip.data, zip.len, &lim, &all, &errs,
	    &origins), 3);
	assert_int_equal(errs.len, 0);
	assert_string_equal(origins.data, "in: member dir/a.xml\n"
	    "in: member b.xml.gz\nin: member c.xml\n");
	assert_int_equal(all.len, 3 * strlen(xml));
	buf_free(&gz);
	buf_free(&zip);
	buf_free(&all);
	buf_free(&errs);
	buf_free(&origins);
}

static void
zip_without_report_rejected(void **state)
{
	struct buf	zip = { 0 }, all = { 0 }, errs = { 0 };
	struct member	m[2];

	(void)state;
	/* keltia/dmarc-cat bad.zip: one empty member. */
	m[0] = (struct member){ "bad.xml", "", 0 };
	zip_to(&zip, m, 1);
	assert_int_equal(unpack_buf(zip.data, zip.len, &lim, &all, &errs,
	    NULL), 0);
	assert_string_equal(errs.data, "in: zip archive holds no DMARC report "
	    "(bad.xml: empty)\n");
	buf_reset(&errs);
	m[1] = (struct member){ "notes.txt", "this is a file\n", 15 };
	zip_to(&zip, m, 2);
	unpack_buf(zip.data, zip.len, &lim, &all, &errs, NULL);
	assert_non_null(strstr(errs.data, "notes.txt: plain text"));
	buf_free(&zip);
	buf_free(&all);
	buf_free(&errs);
}

static void
zip_hostile_members_refused(void **state)
{
	struct buf	inner = { 0 }, zip = { 0 }, all = { 0 }, errs = { 0 };
	struct member	m[3];

	(void)state;
	m[0] = (struct member){ "a.xml", xml, strlen(xml) };
	zip_to(&inner, m, 1);
	m[0] = (struct member){ "../../etc/cron.d/x.xml", xml, strlen(xml) };
	m[1] = (struct member){ "inner.zip", inner.data, inner.len };
	m[2] = (struct member){ "ok.xml", xml, strlen(xml) };
	zip_to(&zip, m, 3);
	assert_int_equal(unpack_buf(zip.data, zip.len, &lim, &all, &errs,
	    NULL), 1);
	assert_string_equal(errs.data,
	    "in: member ../../etc/cron.d/x.xml: unsafe member name (absolute "
	    "or with \"..\"): refused\n"
	    "in: member inner.zip: zip archive inside a zip archive: not "
	    "supported\n");
	buf_free(&inner);
	buf_free(&zip);
	buf_free(&all);
	buf_free(&errs);
}

static void
zip_too_many_members_refused_whole(void **state)
{
	struct buf	zip = { 0 }, all = { 0 }, errs = { 0 };
	struct member	m[11];
	char		names[11][16];
	int		i;

	(void)state;
	for (i = 0; i < 11; i++) {
		snprintf(names[i], sizeof names[i], "r%d.xml", i);
		m[i] = (struct member){ names[i], xml, strlen(xml) };
	}
	zip_to(&zip, m, 11);
	/* Not one member is read: the archive is refused before. */
	assert_int_equal(unpack_buf(zip.data, zip.len, &lim, &all, &errs,
	    NULL), 0);
	assert_string_equal(errs.data, "in: zip archive has more than 10 "
	    "members (--max-members)\n");
	buf_free(&zip);
	buf_free(&all);
	buf_free(&errs);
}

/*
 * The same, its end record claiming 3 members: the headers that are
 * there count, and the archive is still refused before any is read.
 */
static void
zip_lying_about_members_refused_whole(void **state)
{
	struct buf	 zip = { 0 }, all = { 0 }, errs = { 0 };
	struct member	 m[11];
	char		 names[11][16];
	unsigned char	*eocd;
	int		 i;

	(void)state;
	for (i = 0; i < 11; i++) {
		snprintf(names[i], sizeof names[i], "r%d.xml", i);
		m[i] = (struct member){ names[i], xml, strlen(xml) };
	}
	zip_to(&zip, m, 11);
	eocd = (unsigned char *)zip.data + zip.len - 22;
	assert_memory_equal(eocd, "PK\005\006", 4);
	eocd[8] = eocd[10] = 3;
	eocd[9] = eocd[11] = 0;
	assert_int_equal(unpack_buf(zip.data, zip.len, &lim, &all, &errs,
	    NULL), 0);
	assert_string_equal(errs.data, "in: zip archive has more than 10 "
	    "members (--max-members)\n");
	assert_int_equal(all.len, 0);
	buf_free(&zip);
	buf_free(&all);
	buf_free(&errs);
}

/*
 * A tiny archive whose zip64 locator points far outside it: it is read
 * no further (this crashed: the bounds check wrapped around for inputs
 * under 56 bytes), and refused for the count its end record declares.
 */
static void
zip64_locator_outside_refused(void **state)
{
	static const unsigned char z[48] = {
		'P', 'K', 3, 4, 0, 0,
		'P', 'K', 6, 7, 0, 0, 0, 0,
		0x41, 0x41, 0x41, 0x41, 0x41, 0, 0, 0, 1, 0, 0, 0,
		'P', 'K', 5, 6, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct buf	all = { 0 }, errs = { 0 };

	(void)state;
	assert_int_equal(unpack_buf(z, sizeof z, &lim, &all, &errs, NULL), 0);
	assert_string_equal(errs.data, "in: zip archive has more than 10 "
	    "members (--max-members)\n");
	buf_free(&all);
	buf_free(&errs);
}

static void
decompression_bombs_stopped(void **state)
{
	struct buf	zeros = { 0 }, gz = { 0 }, zip = { 0 }, all = { 0 },
			errs = { 0 };
	struct member	m[1];

	(void)state;
	buf_reserve(&zeros, 24 << 20);
	memset(zeros.data, ' ', 24 << 20);
	memcpy(zeros.data, "<feedback>", 10);
	zeros.len = 24 << 20;
	deflate_to(&gz, zeros.data, zeros.len, 31);
	unpack_buf(gz.data, gz.len, &lim, &all, &errs, NULL);
	assert_non_null(strstr(errs.data, "expands more than 200 times "
	    "(--max-ratio)"));
	/* Stopped early, at about 200 times the input, not at 24 MiB. */
	assert_true(all.len <= 200 * gz.len + 65536);
	buf_reset(&errs);
	buf_reset(&all);
	m[0] = (struct member){ "bomb.xml", zeros.data, zeros.len };
	zip_to(&zip, m, 1);
	unpack_buf(zip.data, zip.len, &lim, &all, &errs, NULL);
	assert_string_equal(errs.data, "in: zip archive expands to more than "
	    "200 times its size (--max-ratio): a decompression bomb? remaining "
	    "members not read\n");
	assert_true(all.len <= 200 * zip.len + 65536);
	buf_free(&zeros);
	buf_free(&gz);
	buf_free(&zip);
	buf_free(&all);
	buf_free(&errs);
}

/*
 * A bomb found while the bytes of a rejected member are read to be
 * kept: the member keeps its own origin and reason, and the archive is
 * then refused as a whole, for the ratio, before any other member.
 */
/*
 * The raw bytes of the current unit, read again in pieces of 1000
 * bytes, into out (reset first); their full size to *size. Twice, to
 * see that they are the same each time. Returns 0 or -1.
 */
static int
raw_all(struct unpack *u, struct buf *out, uint64_t *size)
{
	struct dr_error	err;
	struct buf	again = { 0 };
	char		piece[1000];
	ssize_t		n;
	int		pass, rc = 0;

	for (pass = 0; pass < 2 && rc == 0; pass++) {
		struct buf *b = pass == 0 ? out : &again;
		buf_reset(b);
		if (unpack_raw_begin(u, &err) == -1)
			rc = -1;
		while (rc == 0 && (n = unpack_raw_read(u, piece, sizeof piece,
		    &err)) != 0) {
			if (n < 0 || buf_add(b, piece, (size_t)n) == -1)
				rc = -1;
		}
	}
	if (rc == 0 && (again.len != out->len || memcmp(again.data,
	    out->data, out->len) != 0))
		rc = -1;
	buf_free(&again);
	*size = unpack_raw_size(u);
	return rc;
}

static void
bomb_found_while_keeping_a_member(void **state)
{
	struct unpack_limits	 l = lim;
	struct buf		 spaces = { 0 }, zip = { 0 };
	struct member		 m[2];
	struct unpack		*u;
	struct dr_error		 err;
	struct buf		 raw = { 0 };
	uint64_t		 size;

	(void)state;
	l.keep_bytes = 32 << 20;
	buf_reserve(&spaces, 24 << 20);
	memset(spaces.data, ' ', 24 << 20);
	memcpy(spaces.data, "<feedback>", 10);
	spaces.len = 24 << 20;
	m[0] = (struct member){ "../bomb.xml", spaces.data, spaces.len };
	m[1] = (struct member){ "ok.xml", xml, strlen(xml) };
	zip_to(&zip, m, 2);
	u = unpack_open_mem(zip.data, zip.len, "in", &l);
	assert_int_equal(unpack_next(u, &err), -1);
	assert_non_null(strstr(err.msg, "unsafe member name"));
	assert_int_equal(raw_all(u, &raw, &size), 0);
	assert_true(raw.len <= 200 * zip.len + 65536);
	assert_true(raw.len >= 200 * zip.len - 65536);
	assert_memory_equal(raw.data, "<feedback>  ", 12);
	assert_string_equal(unpack_origin(u), "in: member ../bomb.xml");
	assert_int_equal(unpack_next(u, &err), -1);
	assert_string_equal(unpack_origin(u), "in");
	assert_string_equal(err.msg, "zip archive expands to more than 200 "
	    "times its size (--max-ratio): a decompression bomb? remaining "
	    "members not read");
	assert_int_equal(raw_all(u, &raw, &size), 0);
	assert_int_equal(raw.len, zip.len);
	assert_memory_equal(raw.data, zip.data, zip.len);
	assert_int_equal(unpack_next(u, &err), 0);
	unpack_close(u);
	buf_free(&raw);
	buf_free(&spaces);
	buf_free(&zip);
}

static void
max_bytes_counted_as_produced(void **state)
{
	struct unpack_limits	l = lim;
	struct buf		all = { 0 }, errs = { 0 };

	(void)state;
	l.max_bytes = 20;
	unpack_buf(xml, strlen(xml), &l, &all, &errs, NULL);
	assert_string_equal(errs.data, "in: report is larger than 20 bytes "
	    "decompressed (--max-bytes)\n");
	buf_free(&all);
	buf_free(&errs);
}

static void
email_handed_to_the_mail_reader(void **state)
{
	static const char msg[] = "From: noreply-dmarc-support@google.com\r\n"
	    "Subject: Report domain: example.com\r\n\r\nhello\r\n";
	struct unpack		*u;
	struct dr_error		 err;
	const unsigned char	*p;
	size_t			 len;
	char			 got[256];
	struct buf		 gz = { 0 }, all = { 0 }, errs = { 0 };

	(void)state;
	u = unpack_open_mem(msg, strlen(msg), "in", &lim);
	assert_int_equal(unpack_next(u, &err), -1);
	assert_int_equal(err.code, DR_E_EMAIL);
	len = unpack_input_peek(u, &p);
	assert_int_equal(len, strlen(msg));
	assert_memory_equal(p, msg, len);
	assert_int_equal(unpack_read_input(u, got, sizeof got, &err),
	    (ssize_t)strlen(msg));
	assert_memory_equal(got, msg, strlen(msg));
	assert_int_equal(unpack_read_input(u, got, sizeof got, &err), 0);
	unpack_close(u);
	/* Not inside compressed data: that is no report. */
	deflate_to(&gz, msg, strlen(msg), 31);
	unpack_buf(gz.data, gz.len, &lim, &all, &errs, NULL);
	assert_string_equal(errs.data, "in: not a DMARC report: gzip payload "
	    "is an email message\n");
	buf_free(&gz);
	buf_free(&all);
	buf_free(&errs);
}

/* A header longer than the bytes first looked at (a long ARC-Seal). */
static void
long_header_is_email(void **state)
{
	struct buf		 b = { 0 }, got = { 0 };
	struct unpack		*u;
	struct dr_error		 err;
	const unsigned char	*p;
	char			 d[256], tmp[1000];
	ssize_t			 r;
	int			 fd[2];

	(void)state;
	assert_int_equal(buf_adds(&b, "ARC-Seal: i=1; a=rsa-sha256;\r\n"), 0);
	while (b.len < 10000)
		assert_int_equal(buf_adds(&b, "\tb=0123456789abcdef0123456789"
		    "abcdef0123456789abcdef\r\n"), 0);
	assert_int_equal(buf_adds(&b, "From: a@example.com\r\n"
	    "Subject: x\r\n\r\nbody\r\n"), 0);
	p = (const unsigned char *)b.data;
	assert_int_equal(unpack_sniff(p, 4096, 1, d, sizeof d), UNPACK_MORE);
	assert_int_equal(unpack_sniff(p, 4096, 0, d, sizeof d), UNPACK_OTHER);
	assert_int_equal(unpack_sniff(p, b.len, 0, d, sizeof d),
	    UNPACK_EMAIL);
	/* Not a header: no more is asked for. */
	assert_int_equal(unpack_sniff((const unsigned char *)"note: x\n"
	    "no colon here\n", 22, 1, d, sizeof d), UNPACK_OTHER);
	/* Read: the input is handed to the mail reader, every byte. */
	u = unpack_open_mem(b.data, b.len, "in", &lim);
	assert_int_equal(unpack_next(u, &err), -1);
	assert_int_equal(err.code, DR_E_EMAIL);
	while ((r = unpack_read_input(u, tmp, sizeof tmp, &err)) > 0)
		assert_int_equal(buf_add(&got, tmp, (size_t)r), 0);
	assert_int_equal(r, 0);
	assert_int_equal(got.len, b.len);
	assert_memory_equal(got.data, b.data, b.len);
	unpack_close(u);
	/* From a pipe, with the first 4096 bytes read before. */
	assert_int_equal(pipe(fd), 0);
	assert_int_equal(write(fd[1], b.data + 4096, b.len - 4096),
	    (ssize_t)(b.len - 4096));
	close(fd[1]);
	u = unpack_open_fd(fd[0], NULL, "stdin", &lim);
	assert_int_equal(unpack_prefix(u, b.data, 4096), 0);
	assert_int_equal(unpack_next(u, &err), -1);
	assert_int_equal(err.code, DR_E_EMAIL);
	got.len = 0;
	while ((r = unpack_read_input(u, tmp, sizeof tmp, &err)) > 0)
		assert_int_equal(buf_add(&got, tmp, (size_t)r), 0);
	assert_int_equal(got.len, b.len);
	assert_memory_equal(got.data, b.data, b.len);
	unpack_close(u);
	close(fd[0]);
	buf_free(&b);
	buf_free(&got);
}

static void
prefix_read_first(void **state)
{
	struct buf		 all = { 0 }, errs = { 0 };
	struct unpack		*u;
	int			 fd[2];
	size_t			 half = strlen(xml) / 2;

	(void)state;
	assert_int_equal(pipe(fd), 0);
	assert_int_equal(write(fd[1], xml + half, strlen(xml) - half),
	    (ssize_t)(strlen(xml) - half));
	close(fd[1]);
	u = unpack_open_fd(fd[0], NULL, "stdin", &lim);
	assert_int_equal(unpack_prefix(u, xml, half), 0);
	assert_int_equal(read_all(u, &all, &errs, NULL), 1);
	assert_string_equal(all.data, xml);
	unpack_close(u);
	close(fd[0]);
	buf_free(&all);
	buf_free(&errs);
}

static void
raw_bytes_of_rejected_units(void **state)
{
	struct buf		 zip = { 0 }, gz = { 0 };
	struct member		 m[2];
	struct unpack		*u;
	struct dr_error		 err;
	struct buf		 raw = { 0 };
	uint64_t		 size;

	(void)state;
	/* A rejected member: its own bytes, whole. */
	m[0] = (struct member){ "x.xml", xml, strlen(xml) };
	m[1] = (struct member){ "../y.xml", "<feedback/>", 11 };
	zip_to(&zip, m, 2);
	u = unpack_open_mem(zip.data, zip.len, "z.zip", &lim);
	assert_int_equal(unpack_next(u, &err), 1);
	assert_int_equal(unpack_next(u, &err), -1);
	assert_string_equal(unpack_origin(u), "z.zip: member ../y.xml");
	assert_int_equal(raw_all(u, &raw, &size), 0);
	assert_int_equal(raw.len, 11);
	assert_int_equal(size, 11);
	assert_memory_equal(raw.data, "<feedback/>", 11);
	assert_int_equal(unpack_next(u, &err), 0);
	unpack_close(u);

	/* A rejected input read from a pipe: what came through it. */
	{
		int	 fd[2];
		deflate_to(&gz, "unused", 6, 31);
		assert_int_equal(pipe(fd), 0);
		assert_int_equal(write(fd[1], gz.data, gz.len),
		    (ssize_t)gz.len);
		close(fd[1]);
		u = unpack_open_fd(fd[0], NULL, "stdin", &lim);
		assert_int_equal(unpack_next(u, &err), -1);
		assert_int_equal(raw_all(u, &raw, &size), 0);
		assert_int_equal(raw.len, gz.len);
		assert_memory_equal(raw.data, gz.data, gz.len);
		unpack_close(u);
		close(fd[0]);
	}
	buf_free(&zip);
	buf_free(&gz);
	buf_free(&raw);
}

/*
 * A rejected member larger than a piece and than what is held of it:
 * its bytes read again whole, up to the cap, the same each time; and
 * those of a member read to its end before it was rejected.
 */
static void
raw_bytes_of_a_large_member(void **state)
{
	struct unpack_limits	 l = lim;
	struct buf		 big = { 0 }, zip = { 0 }, raw = { 0 }, doc = { 0 };
	struct member		 m[3];
	struct unpack		*u;
	struct dr_error		 err;
	uint64_t		 size;
	char			 piece[4096];
	ssize_t			 n;
	size_t			 i;

	(void)state;
	buf_reserve(&big, 300000);
	memcpy(big.data, "<feedback>", 10);
	for (i = 10; i < 300000; i++)
		big.data[i] = (char)('a' + (i * 7) % 26);
	big.len = 300000;
	m[0] = (struct member){ "a.xml", xml, strlen(xml) };
	m[1] = (struct member){ "/big.xml", big.data, big.len };
	m[2] = (struct member){ "c.xml", big.data, big.len };
	zip_to(&zip, m, 3);
	l.keep_bytes = 200001;
	u = unpack_open_mem(zip.data, zip.len, "z.zip", &l);
	assert_int_equal(unpack_next(u, &err), 1);
	assert_int_equal(unpack_next(u, &err), -1);
	assert_string_equal(unpack_origin(u), "z.zip: member /big.xml");
	assert_int_equal(raw_all(u, &raw, &size), 0);
	assert_int_equal(raw.len, 200001);
	assert_memory_equal(raw.data, big.data, 200001);
	assert_int_equal(size, 300000);
	/* Read to its end (as a document is), then asked for. */
	assert_int_equal(unpack_next(u, &err), 1);
	while ((n = unpack_read(u, piece, sizeof piece, &err)) > 0)
		buf_add(&doc, piece, (size_t)n);
	assert_int_equal(doc.len, big.len);
	assert_int_equal(unpack_unit_is_plain(u), 1);
	assert_int_equal(raw_all(u, &raw, &size), 0);
	assert_int_equal(raw.len, 200001);
	assert_memory_equal(raw.data, big.data, 200001);
	assert_int_equal(size, 300000);
	assert_int_equal(unpack_next(u, &err), 0);
	unpack_close(u);
	buf_free(&big);
	buf_free(&zip);
	buf_free(&raw);
	buf_free(&doc);
}

static void
zip_from_pipe(void **state)
{
	struct buf		 zip = { 0 }, all = { 0 }, errs = { 0 };
	struct member		 m[1];
	struct unpack		*u;
	int			 fd[2];

	(void)state;
	m[0] = (struct member){ "a.xml", xml, strlen(xml) };
	zip_to(&zip, m, 1);
	assert_int_equal(pipe(fd), 0);
	assert_int_equal(write(fd[1], zip.data, zip.len), (ssize_t)zip.len);
	close(fd[1]);
	u = unpack_open_fd(fd[0], NULL, "stdin", &lim);
	assert_int_equal(read_all(u, &all, &errs, NULL), 1);
	assert_string_equal(all.data, xml);
	unpack_close(u);
	close(fd[0]);
	buf_free(&zip);
	buf_free(&all);
	buf_free(&errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sniffing),
		cmocka_unit_test(plain_xml_passes_through),
		cmocka_unit_test(gzip_and_zlib),
		cmocka_unit_test(gzip_trailing_junk_ignored),
		cmocka_unit_test(gzip_concatenated_members),
		cmocka_unit_test(gzip_in_gzip_but_not_three),
		cmocka_unit_test(gzip_truncated_or_corrupt),
		cmocka_unit_test(gzip_of_garbage_rejected),
		cmocka_unit_test(zip_every_report_member),
		cmocka_unit_test(zip_without_report_rejected),
		cmocka_unit_test(zip_hostile_members_refused),
		cmocka_unit_test(zip_too_many_members_refused_whole),
		cmocka_unit_test(zip_lying_about_members_refused_whole),
		cmocka_unit_test(zip64_locator_outside_refused),
		cmocka_unit_test(decompression_bombs_stopped),
		cmocka_unit_test(bomb_found_while_keeping_a_member),
		cmocka_unit_test(max_bytes_counted_as_produced),
		cmocka_unit_test(email_handed_to_the_mail_reader),
		cmocka_unit_test(long_header_is_email),
		cmocka_unit_test(prefix_read_first),
		cmocka_unit_test(raw_bytes_of_rejected_units),
		cmocka_unit_test(raw_bytes_of_a_large_member),
		cmocka_unit_test(zip_from_pipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
