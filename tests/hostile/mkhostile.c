/*
 * mkhostile.c: write hostile inputs for dmarcdb, one file each.
 *
 *   mkhostile DIR
 *
 * DIR must exist. Each input is written to DIR under its own name, and
 * DIR/EXPECTED.tsv gets one line per input: its name, a tab, and a
 * substring the reason for rejecting it must contain. Every input must
 * be refused; none holds a report that may be stored.
 *
 * Used by tests/e2e/hostile.sh and by "make bench" (scenario hostile),
 * which times dmarcdb on each file alone. Files are kept small on disk:
 * bombs are built from a compressed block written many times, and zip
 * archives are written by hand, so that entries can overlap or lie. Only
 * the 100 MB text value is a plain file of that size (and the email
 * header bombs, of 3 to 16 MB). Everything is
 * deterministic and takes well under a second.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "buf.h"

#define MIB		(1024 * 1024)
#define ZBLOCK		MIB	/* bytes of a repeated deflate block */

static const char	*dir;
static FILE		*expected;

static void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2)))
    __attribute__((noreturn));

static void
die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "mkhostile: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static void
add(struct buf *b, const void *p, size_t n)
{
	if (buf_add(b, p, n) == -1)
		die("out of memory");
}

static void
adds(struct buf *b, const char *s)
{
	add(b, s, strlen(s));
}

static void
addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2,
    3)));

static void
addf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	char	tmp[4096];
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		die("addf: too long");
	add(b, tmp, (size_t)n);
}

/* n (at most 8) bytes of v, little-endian. */
static void
le(struct buf *b, uint64_t v, int n)
{
	unsigned char	c[8];
	int		i;

	if (n > 8)
		die("le: %d bytes", n);
	for (i = 0; i < n; i++)
		c[i] = (unsigned char)(v >> (8 * i));
	add(b, c, (size_t)n);
}

static FILE *
create(const char *name)
{
	char	path[4096];
	FILE	*f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	return f;
}

static void
finish(FILE *f, const char *name)
{
	if (ferror(f) || fclose(f) != 0)
		die("%s/%s: write failed", dir, name);
}

/* Write one input and what its rejection must say. */
static void
emit(const char *name, const void *p, size_t n, const char *reason)
{
	FILE	*f;

	f = create(name);
	if (n > 0 && fwrite(p, 1, n, f) != n)
		die("%s/%s: write failed", dir, name);
	finish(f, name);
	fprintf(expected, "%s\t%s\n", name, reason);
}

/*
 * The start of a report that would be stored if it went on, in three
 * parts: up to the value of <org_name> (with the XML declaration when
 * decl is set), the value (the caller's), then the rest of the metadata.
 * tail() adds the policy and one record.
 */
static void
head_open(struct buf *b, int decl)
{
	if (decl)
		adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	adds(b, "<feedback>\n  <report_metadata>\n    <org_name>");
}

static void
head_close(struct buf *b, const char *id)
{
	addf(b, "</org_name>\n    <email>dmarc@hostile.example</email>\n"
	    "    <report_id>%s</report_id>\n    <date_range>\n"
	    "      <begin>1704067200</begin>\n      <end>1704153599</end>\n"
	    "    </date_range>\n  </report_metadata>\n", id);
}

static void
head(struct buf *b, const char *id, const char *org)
{
	head_open(b, 1);
	adds(b, org);
	head_close(b, id);
}

static void
tail(struct buf *b)
{
	adds(b, "  <policy_published>\n    <domain>hostile.example</domain>"
	    "\n    <p>none</p>\n  </policy_published>\n  <record>\n"
	    "    <row>\n      <source_ip>192.0.2.1</source_ip>\n"
	    "      <count>1</count>\n      <policy_evaluated>\n"
	    "        <disposition>none</disposition>\n"
	    "        <dkim>pass</dkim>\n        <spf>pass</spf>\n"
	    "      </policy_evaluated>\n    </row>\n    <identifiers>\n"
	    "      <header_from>hostile.example</header_from>\n"
	    "    </identifiers>\n    <auth_results>\n      <spf>\n"
	    "        <domain>hostile.example</domain>\n"
	    "        <result>pass</result>\n      </spf>\n"
	    "    </auth_results>\n  </record>\n</feedback>\n");
}

/* A whole valid report. */
static void
report(struct buf *b, const char *id)
{
	head(b, id, "Hostile Example");
	tail(b);
}

/*
 * A report whose <org_name> is the given text, after a prolog: used for
 * DOCTYPE and entity attacks, where the text references entities.
 */
static void
doctype_report(const char *name, const char *prolog, const char *org)
{
	struct buf	b = { 0 };

	adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	adds(&b, prolog);
	head_open(&b, 0);
	adds(&b, org);
	head_close(&b, name);
	tail(&b);
	emit(name, b.data, b.len, "DOCTYPE");
	buf_free(&b);
}

/* --- XML ------------------------------------------------------------- */

static void
xml_inputs(void)
{
	struct buf	b = { 0 };
	FILE		*f;
	char		*block;
	int		 i, j;

	/* External entities: a local file, and over the network. */
	doctype_report("xxe-file.xml", "<!DOCTYPE feedback [\n"
	    "  <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n", "&xxe;");
	doctype_report("xxe-http.xml", "<!DOCTYPE feedback [\n"
	    "  <!ENTITY xxe SYSTEM \"http://127.0.0.1:9/dmarcdb-xxe\">\n]>\n",
	    "&xxe;");
	/* A parameter entity and an external DTD, both over http. */
	doctype_report("xxe-http-param.xml", "<!DOCTYPE feedback [\n"
	    "  <!ENTITY % dtd SYSTEM \"http://127.0.0.1:9/dmarcdb.dtd\">\n"
	    "  %dtd;\n]>\n", "x");
	doctype_report("xxe-http-dtd.xml", "<!DOCTYPE feedback SYSTEM "
	    "\"http://127.0.0.1:9/dmarcdb-feedback.dtd\">\n", "x");

	/* Billion laughs: 10^9 "lol" from ten nested entities. */
	adds(&b, "<!DOCTYPE feedback [\n  <!ENTITY lol \"lol\">\n");
	for (i = 1; i <= 9; i++) {
		addf(&b, "  <!ENTITY lol%d \"", i);
		for (j = 0; j < 10; j++)
			addf(&b, i == 1 ? "&lol;" : "&lol%d;", i - 1);
		adds(&b, "\">\n");
	}
	adds(&b, "]>\n");
	doctype_report("billion-laughs.xml", b.data, "&lol9;");
	buf_reset(&b);

	/* Quadratic blow-up: a 100 KB entity referenced 100,000 times. */
	adds(&b, "<!DOCTYPE feedback [\n  <!ENTITY a \"");
	for (i = 0; i < 100 * 1024; i++)
		adds(&b, "a");
	adds(&b, "\">\n]>\n");
	{
		struct buf	refs = { 0 };

		for (i = 0; i < 100000; i++)
			adds(&refs, "&a;");
		doctype_report("quadratic-blowup.xml", b.data, refs.data);
		buf_free(&refs);
	}
	buf_reset(&b);

	/* Harmless-looking entity declarations, and a bare DOCTYPE. */
	doctype_report("doctype-entities.xml", "<!DOCTYPE feedback [\n"
	    "  <!ENTITY org \"Example Reporter\">\n"
	    "  <!ELEMENT feedback ANY>\n]>\n", "&org;");
	doctype_report("doctype-bare.xml", "<!DOCTYPE feedback>\n",
	    "Example Reporter");

	/* Elements nested 100,000 deep, inside a valid report. */
	head(&b, "hostile-deep", "Hostile Example");
	for (i = 0; i < 100000; i++)
		adds(&b, "<x>");
	for (i = 0; i < 100000; i++)
		adds(&b, "</x>");
	tail(&b);
	emit("deep-100000.xml", b.data, b.len, "--max-depth");
	buf_reset(&b);

	/* A 100 MB text value: a plain file, written in blocks. */
	f = create("text-100mb.xml");
	head_open(&b, 1);
	block = malloc(MIB);
	if (block == NULL)
		die("out of memory");
	memset(block, 'A', MIB);
	if (fwrite(b.data, 1, b.len, f) != b.len)
		die("text-100mb.xml: write failed");
	for (i = 0; i < 100; i++)
		if (fwrite(block, 1, MIB, f) != MIB)
			die("text-100mb.xml: write failed");
	free(block);
	buf_reset(&b);
	head_close(&b, "hostile-text");
	tail(&b);
	if (fwrite(b.data, 1, b.len, f) != b.len)
		die("text-100mb.xml: write failed");
	finish(f, "text-100mb.xml");
	fprintf(expected, "text-100mb.xml\t--max-text\n");
	buf_reset(&b);

	/* Bytes that are not UTF-8 (a stray 0xff, an overlong NUL). */
	head(&b, "hostile-utf8", "Bad \xff\xfe bytes \xc0\x80 here");
	tail(&b);
	emit("invalid-utf8.xml", b.data, b.len, "not well-formed");
	buf_reset(&b);

	/* NUL bytes inside a value. */
	head_open(&b, 1);
	add(&b, "n\0l", 3);
	head_close(&b, "hostile-nul");
	tail(&b);
	emit("nul-bytes.xml", b.data, b.len, "not well-formed");
	buf_free(&b);
}

/* --- values: domains, counts and times beyond what is plausible ------ */

/*
 * A report for a policy domain, over a period, with n records of count
 * each and one last record of last (if n > 0 or last > 0): everything
 * else valid.
 */
static void
value_report(const char *name, const char *reason, const char *domain,
    const char *begin, const char *end, int n, const char *count,
    const char *last)
{
	struct buf	b = { 0 };
	int		i;

	addf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n"
	    "  <report_metadata>\n    <org_name>Hostile Example</org_name>\n"
	    "    <email>dmarc@hostile.example</email>\n"
	    "    <report_id>%s</report_id>\n    <date_range>\n"
	    "      <begin>%s</begin>\n      <end>%s</end>\n"
	    "    </date_range>\n  </report_metadata>\n"
	    "  <policy_published>\n    <domain>", name, begin, end);
	adds(&b, domain);
	adds(&b, "</domain>\n    <p>none</p>\n  </policy_published>\n");
	for (i = 0; i <= n; i++) {
		if (i == n && last == NULL)
			break;
		addf(&b, "  <record>\n    <row>\n"
		    "      <source_ip>192.0.2.1</source_ip>\n"
		    "      <count>%s</count>\n      <policy_evaluated>\n"
		    "        <disposition>none</disposition>\n"
		    "        <dkim>pass</dkim>\n        <spf>pass</spf>\n"
		    "      </policy_evaluated>\n    </row>\n"
		    "    <identifiers>\n"
		    "      <header_from>hostile.example</header_from>\n"
		    "    </identifiers>\n    <auth_results>\n      <spf>\n"
		    "        <domain>hostile.example</domain>\n"
		    "        <result>pass</result>\n      </spf>\n"
		    "    </auth_results>\n  </record>\n", i == n ? last :
		    count);
	}
	adds(&b, "</feedback>\n");
	emit(name, b.data, b.len, reason);
	buf_free(&b);
}

static void
value_inputs(void)
{
	static const struct {
		const char	*name, *domain;
	} domains[] = {
		{ "domain-root.xml", "." },
		{ "domain-space.xml", "victim example" },
		{ "domain-tab.xml", "victim\texample.com" },
		{ "domain-bidi.xml", "moc.elpmaxe\xe2\x80\xae" },
		{ "domain-c1.xml", "example.com\xc2\x85" },
		{ "domain-utf8.xml", "b\xc3\xbc" "cher.example" },
		{ "domain-empty-label.xml", "a..example" },
		{ "domain-hyphen.xml", "-a.example" },
		{ "domain-quote.xml", "a&quot;.example" },
		{ "domain-ip.xml", "192.0.2.1" },
		{ "domain-label-64.xml", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example" },
	};
	char	long_name[300];
	size_t	i;

	for (i = 0; i < sizeof domains / sizeof domains[0]; i++)
		value_report(domains[i].name, "is not a host name",
		    domains[i].domain, "1704067200", "1704153599", 0, "1",
		    "1");
	/* 254 bytes: one more than a DNS name may have. */
	for (i = 0; i < 254; i++)
		long_name[i] = (i + 1) % 64 == 0 ? '.' : 'a';
	long_name[254] = '\0';
	value_report("domain-254.xml", "254 bytes long, more than 253",
	    long_name, "1704067200", "1704153599", 0, "1", "1");

	/* Counts one message past the caps (dmarcdb(1), LIMITS). */
	value_report("count-record-cap.xml", "the most one record may count",
	    "hostile.example", "1704067200", "1704153599", 0, "1",
	    "1000000001");
	value_report("count-huge.xml", "the most one record may count",
	    "hostile.example", "1704067200", "1704153599", 0, "1",
	    "9223372036854775807");
	value_report("count-report-cap.xml", "the most one report may count",
	    "hostile.example", "1704067200", "1704153599", 10, "1000000000",
	    "1");

	/* Times after 2099, as far as gmtime_r fails, and in ms. */
	value_report("date-2100.xml", "is after 2099-12-31, not a plausible "
	    "time", "hostile.example", "1704067200", "4102444800", 0, "1",
	    "1");
	value_report("date-gmtime.xml", "is after 2099-12-31, not a "
	    "plausible time", "hostile.example", "67768036191676800",
	    "67768036191676800", 0, "1", "1");
	value_report("date-milliseconds.xml", "(milliseconds, not seconds?)",
	    "hostile.example", "1704067200000", "1704153599000", 0, "1", "1");
}

/* --- compression ----------------------------------------------------- */

/*
 * Raw deflate of p with Z_FULL_FLUSH: the output is byte aligned and
 * refers to nothing before it, so it can be repeated as it is.
 */
static void
deflate_flush(z_stream *z, struct buf *out, const void *p, size_t n,
    int flush)
{
	unsigned char	tmp[65536];
	int		r;

	z->next_in = (unsigned char *)(uintptr_t)p;
	z->avail_in = (uInt)n;
	do {
		z->next_out = tmp;
		z->avail_out = sizeof tmp;
		r = deflate(z, flush);
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
			die("deflate: %d", r);
		add(out, tmp, sizeof tmp - z->avail_out);
	} while (z->avail_out == 0 || z->avail_in > 0);
}

/*
 * A deflate bomb: prefix, then nblocks blocks of ZBLOCK fill bytes.
 * Writes the raw deflate stream to out; its CRC-32 and length to *crc,
 * *len.
 */
static void
bomb(struct buf *out, const char *prefix, int fill, uint64_t nblocks,
    uLong *crc, uint64_t *len)
{
	struct buf	 b1 = { 0 }, b2 = { 0 };
	z_stream	 z;
	char		*blk;
	uLong		 bcrc;
	uint64_t	 i;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		die("deflateInit2");
	blk = malloc(ZBLOCK);
	if (blk == NULL)
		die("out of memory");
	memset(blk, fill, ZBLOCK);
	deflate_flush(&z, out, prefix, strlen(prefix), Z_FULL_FLUSH);
	/* The first block may differ from the next; the next ones not. */
	deflate_flush(&z, &b1, blk, ZBLOCK, Z_FULL_FLUSH);
	deflate_flush(&z, &b2, blk, ZBLOCK, Z_FULL_FLUSH);
	if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0) {
		buf_reset(&b1);
		deflate_flush(&z, &b1, blk, ZBLOCK, Z_FULL_FLUSH);
		if (b1.len != b2.len ||
		    memcmp(b1.data, b2.data, b1.len) != 0)
			die("deflate blocks differ");
	}
	if (nblocks < 2)
		die("bomb: at least two blocks");
	add(out, b1.data, b1.len);
	add(out, b2.data, b2.len);
	for (i = 2; i < nblocks; i++)
		add(out, b2.data, b2.len);
	deflate_flush(&z, out, "", 0, Z_FINISH);
	deflateEnd(&z);

	*crc = crc32(0, (const Bytef *)prefix, (uInt)strlen(prefix));
	bcrc = crc32(0, (const Bytef *)blk, ZBLOCK);
	for (i = 0; i < nblocks; i++)
		*crc = crc32_combine(*crc, bcrc, ZBLOCK);
	*len = strlen(prefix) + nblocks * ZBLOCK;
	free(blk);
	buf_free(&b1);
	buf_free(&b2);
}

static void
gzip_wrap(struct buf *out, const struct buf *deflated, uLong crc,
    uint64_t len)
{
	static const unsigned char hdr[10] = {
		0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3
	};

	add(out, hdr, sizeof hdr);
	add(out, deflated->data, deflated->len);
	le(out, crc, 4);
	le(out, len & 0xffffffff, 4);
}

/* Whole gzip of p, in memory. */
static void
gzip_mem(struct buf *out, const void *p, size_t n)
{
	struct buf	d = { 0 };
	z_stream	z;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		die("deflateInit2");
	deflate_flush(&z, &d, p, n, Z_FINISH);
	deflateEnd(&z);
	gzip_wrap(out, &d, crc32(0, p, (uInt)n), n);
	buf_free(&d);
}

#define BOMB_PREFIX	"<?xml version=\"1.0\"?>\n<feedback>\n"

static void
gzip_inputs(void)
{
	struct buf	d = { 0 }, gz = { 0 }, gz2 = { 0 }, x = { 0 };
	uLong		crc;
	uint64_t	len;

	/* 10 GiB of XML white space from about 10 MB. */
	bomb(&d, BOMB_PREFIX, ' ', 10240, &crc, &len);
	gzip_wrap(&gz, &d, crc, len);
	emit("gzip-bomb-10g.gz", gz.data, gz.len, "--max-ratio");

	/* The same, gzipped again: a few kilobytes. */
	gzip_mem(&gz2, gz.data, gz.len);
	emit("gzip-bomb-10g-2layers.gz", gz2.data, gz2.len, "--max-ratio");

	/* A valid gzipped report, cut in the middle. */
	report(&x, "hostile-truncated");
	buf_reset(&gz);
	gzip_mem(&gz, x.data, x.len);
	emit("truncated.gz", gz.data, gz.len / 2, "truncated");

	buf_free(&d);
	buf_free(&gz);
	buf_free(&gz2);
	buf_free(&x);
}

/* --- zip, written by hand -------------------------------------------- */

struct zent {
	const char	*name;
	int		 method;	/* 0 stored, 8 deflate */
	uLong		 crc;
	uint64_t	 csize, usize;
	uint64_t	 offset;	/* of its local header */
};

/* Local file header, then the data. */
static void
zip_local(struct buf *z, struct zent *e, const void *data)
{
	e->offset = z->len;
	le(z, 0x04034b50, 4);
	le(z, 20, 2);			/* version needed */
	le(z, 0, 2);			/* flags */
	le(z, (uint64_t)e->method, 2);
	le(z, 0, 2);			/* time */
	le(z, 0x5821, 2);		/* date: 2024-01-01 */
	le(z, e->crc, 4);
	le(z, e->csize, 4);
	le(z, e->usize, 4);
	le(z, strlen(e->name), 2);
	le(z, 0, 2);			/* extra */
	adds(z, e->name);
	add(z, data, (size_t)e->csize);
}

static void
zip_central(struct buf *z, const struct zent *e)
{
	le(z, 0x02014b50, 4);
	le(z, 0x031e, 2);		/* made by: Unix, 3.0 */
	le(z, 20, 2);
	le(z, 0, 2);
	le(z, (uint64_t)e->method, 2);
	le(z, 0, 2);
	le(z, 0x5821, 2);
	le(z, e->crc, 4);
	le(z, e->csize, 4);
	le(z, e->usize, 4);
	le(z, strlen(e->name), 2);
	le(z, 0, 2);			/* extra */
	le(z, 0, 2);			/* comment */
	le(z, 0, 2);			/* disk */
	le(z, 0, 2);			/* internal attributes */
	le(z, 0100644ULL << 16, 4);	/* external: a regular file */
	le(z, e->offset, 4);
	adds(z, e->name);
}

/*
 * End of central directory for n entries (declared: what it claims),
 * with a zip64 record when the count does not fit 16 bits.
 */
static void
zip_end(struct buf *z, uint64_t cd_off, uint64_t declared)
{
	uint64_t	cd_size = z->len - cd_off, z64 = z->len;

	if (declared >= 0xffff) {
		le(z, 0x06064b50, 4);
		le(z, 44, 8);		/* size of the rest */
		le(z, 0x031e, 2);
		le(z, 45, 2);
		le(z, 0, 4);
		le(z, 0, 4);
		le(z, declared, 8);
		le(z, declared, 8);
		le(z, cd_size, 8);
		le(z, cd_off, 8);
		le(z, 0x07064b50, 4);	/* locator */
		le(z, 0, 4);
		le(z, z64, 8);
		le(z, 1, 4);
	}
	le(z, 0x06054b50, 4);
	le(z, 0, 2);
	le(z, 0, 2);
	le(z, declared >= 0xffff ? 0xffff : declared, 2);
	le(z, declared >= 0xffff ? 0xffff : declared, 2);
	le(z, cd_size, 4);
	le(z, cd_off, 4);
	le(z, 0, 2);
}

/* A zip of the given members, each deflated or stored as it is. */
static void
zip_simple(struct buf *z, const char *const *names, const struct buf *data,
    int n)
{
	struct zent	 e[16];
	struct buf	 d = { 0 };
	uint64_t	 cd;
	z_stream	 s;
	int		 i;

	if (n > 16)
		die("zip_simple: too many members");
	for (i = 0; i < n; i++) {
		memset(&s, 0, sizeof s);
		if (deflateInit2(&s, 9, Z_DEFLATED, -15, 9,
		    Z_DEFAULT_STRATEGY) != Z_OK)
			die("deflateInit2");
		buf_reset(&d);
		deflate_flush(&s, &d, data[i].data, data[i].len, Z_FINISH);
		deflateEnd(&s);
		e[i].name = names[i];
		e[i].method = 8;
		e[i].crc = crc32(0, (const Bytef *)data[i].data,
		    (uInt)data[i].len);
		e[i].csize = d.len;
		e[i].usize = data[i].len;
		zip_local(z, &e[i], d.data);
	}
	cd = z->len;
	for (i = 0; i < n; i++)
		zip_central(z, &e[i]);
	zip_end(z, cd, (uint64_t)n);
	buf_free(&d);
}

/*
 * n entries over one deflated kernel k. With quote set, each has a
 * local header of its own whose extra field holds the next headers (an
 * unknown extra field type, 0x6b64); without, all share the first.
 */
static void
overlap(struct buf *z, const struct buf *k, uLong crc, uint64_t len, int n,
    int quote)
{
	struct zent	 e;
	uint64_t	*off, *size, cd;
	char		 name[16];
	int		 i;

	off = calloc((size_t)n, sizeof *off);
	size = calloc((size_t)n, sizeof *size);
	if (off == NULL || size == NULL)
		die("out of memory");
	/* Sizes of the local headers, each holding the rest. */
	for (i = n - 1; i >= 0; i--)
		size[i] = 30 + 8 + (quote && i < n - 1 ? 4 + size[i + 1] : 0);
	if (quote && size[0] - 38 > 0xffff)
		die("overlap: too many entries to quote");
	for (i = 0; i < (quote ? n : 1); i++) {
		snprintf(name, sizeof name, "%04d.xml", i);
		off[i] = z->len;
		le(z, 0x04034b50, 4);
		le(z, 20, 2);
		le(z, 0, 2);
		le(z, 8, 2);
		le(z, 0, 2);
		le(z, 0x5821, 2);
		le(z, crc, 4);
		le(z, k->len, 4);
		le(z, len, 4);
		le(z, 8, 2);
		le(z, size[i] - 38, 2);
		adds(z, name);
		if (quote && i < n - 1) {
			le(z, 0x6b64, 2);
			le(z, size[i + 1], 2);
		}
	}
	add(z, k->data, k->len);
	cd = z->len;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof name, "%04d.xml", i);
		e = (struct zent){ name, 8, crc, k->len, len,
		    quote ? off[i] : off[0] };
		zip_central(z, &e);
	}
	zip_end(z, cd, (uint64_t)n);
	free(off);
	free(size);
}

static void
zip_inputs(void)
{
	struct buf	 z = { 0 }, inner = { 0 }, k = { 0 }, x[16];
	const char	*names[16];
	char		 nb[16][32];
	struct zent	*ents;
	uLong		 crc;
	uint64_t	 len, cd, i;

	memset(x, 0, sizeof x);

	/* Member names that climb out of, or ignore, any directory. */
	report(&x[0], "hostile-dotdot");
	names[0] = "../../x.xml";
	zip_simple(&z, names, x, 1);
	emit("zip-dotdot.zip", z.data, z.len, "unsafe member name");
	buf_reset(&z);
	buf_reset(&x[0]);
	report(&x[0], "hostile-absolute");
	names[0] = "/etc/x.xml";
	zip_simple(&z, names, x, 1);
	emit("zip-absolute.zip", z.data, z.len, "unsafe member name");
	buf_reset(&z);
	buf_reset(&x[0]);

	/*
	 * Nested (as 42.zip): ten zips of ten members of 100 MiB each,
	 * every member deflated once and written ten times.
	 */
	buf_free(&x[0]);
	bomb(&k, BOMB_PREFIX, ' ', 100, &crc, &len);
	{
		struct zent	in[10];

		for (i = 0; i < 10; i++) {
			snprintf(nb[i], sizeof nb[i], "%02d.xml",
			    (int)i);
			in[i] = (struct zent){ nb[i], 8, crc, k.len, len, 0 };
			zip_local(&inner, &in[i], k.data);
		}
		cd = inner.len;
		for (i = 0; i < 10; i++)
			zip_central(&inner, &in[i]);
		zip_end(&inner, cd, 10);
	}
	for (i = 0; i < 10; i++) {
		snprintf(nb[i], sizeof nb[i], "%02d.zip", (int)i);
		names[i] = nb[i];
		x[i] = inner;	/* shared, read only */
	}
	zip_simple(&z, names, x, 10);
	memset(x, 0, sizeof x);
	emit("zip-bomb-nested.zip", z.data, z.len,
	    "zip archive inside a zip archive");
	buf_reset(&z);
	buf_free(&inner);
	buf_free(&k);

	/*
	 * Overlapping entries (D. Fifield, "A better zip bomb", 2019): one
	 * kernel of 10 MiB decompressed and 1,000 entries that all use it.
	 * Each entry has its own local header, and each header quotes the
	 * next ones in an extra field, so that its data starts at the
	 * kernel too: 10 GB from 110 KB. No member alone exceeds the
	 * ratio; together they do.
	 */
	bomb(&k, BOMB_PREFIX, ' ', 10, &crc, &len);
	overlap(&z, &k, crc, len, 1000, 1);
	emit("zip-bomb-overlap.zip", z.data, z.len, "--max-ratio");
	buf_reset(&z);
	buf_free(&k);

	/*
	 * Full overlap: 1,000 central directory entries pointing at the
	 * same local header and its 100 MiB. (libarchive keeps one entry
	 * per local header offset, so the first alone must be stopped.)
	 */
	bomb(&k, BOMB_PREFIX, ' ', 100, &crc, &len);
	overlap(&z, &k, crc, len, 1000, 0);
	emit("zip-bomb-overlap-full.zip", z.data, z.len, "--max-ratio");
	buf_reset(&z);
	buf_free(&k);

	/*
	 * A member of 20 MiB whose text value is too long: rejected while
	 * it streams, then read on (to keep its bytes) past the ratio of
	 * the whole archive, which 64 KiB of noise makes large enough not
	 * to trip before. The valid report after it must not be read.
	 */
	bomb(&k, "<?xml version=\"1.0\"?>\n<feedback><report_metadata>"
	    "<org_name>", 'A', 20, &crc, &len);
	{
		struct zent	m[3];
		struct buf	noise = { 0 }, d = { 0 };
		uint64_t	r = 1;
		z_stream	s;

		for (i = 0; i < 65536; i++) {
			r = r * 6364136223846793005ULL +
			    1442695040888963407ULL;
			le(&noise, r >> 56, 1);
		}
		report(&x[0], "hostile-behind-bomb");
		memset(&s, 0, sizeof s);
		if (deflateInit2(&s, 9, Z_DEFLATED, -15, 9,
		    Z_DEFAULT_STRATEGY) != Z_OK)
			die("deflateInit2");
		deflate_flush(&s, &d, x[0].data, x[0].len, Z_FINISH);
		deflateEnd(&s);
		m[0] = (struct zent){ "a.xml", 8, crc, k.len, len, 0 };
		m[1] = (struct zent){ "noise.bin", 0,
		    crc32(0, (const Bytef *)noise.data, (uInt)noise.len),
		    noise.len, noise.len, 0 };
		m[2] = (struct zent){ "b.xml", 8,
		    crc32(0, (const Bytef *)x[0].data, (uInt)x[0].len),
		    d.len, x[0].len, 0 };
		zip_local(&z, &m[0], k.data);
		zip_local(&z, &m[1], noise.data);
		zip_local(&z, &m[2], d.data);
		cd = z.len;
		for (i = 0; i < 3; i++)
			zip_central(&z, &m[i]);
		zip_end(&z, cd, 3);
		buf_free(&noise);
		buf_free(&d);
		buf_free(&x[0]);
	}
	emit("zip-bomb-behind-text.zip", z.data, z.len, "--max-ratio");
	buf_reset(&z);
	buf_free(&k);

	/*
	 * 48 bytes: a zip64 locator pointing 280 GB past the end, in an
	 * archive too small for a zip64 record.
	 */
	le(&z, 0x04034b50, 4);
	le(&z, 0, 2);
	le(&z, 0x07064b50, 4);
	le(&z, 0, 4);
	le(&z, 0x4141414141ULL, 8);
	le(&z, 1, 4);
	le(&z, 0x06054b50, 4);
	le(&z, 0, 4);
	le(&z, 0xffff, 2);
	le(&z, 0xffff, 2);
	le(&z, 0, 4);		/* directory size, offset, comment */
	le(&z, 0, 4);
	le(&z, 0, 2);
	emit("zip64-locator-outside.zip", z.data, z.len, "--max-members");
	buf_reset(&z);

	/*
	 * 100,000 members (zip64 end of central directory): 1,500 reports
	 * that would be stored if any member were read, then empty ones.
	 */
	ents = calloc(100000, sizeof *ents);
	if (ents == NULL)
		die("out of memory");
	for (i = 0; i < 100000; i++) {
		struct buf	 d = { 0 };
		z_stream	 s;
		char		*n = malloc(16);

		if (n == NULL)
			die("out of memory");
		snprintf(n, 16, "%05d%s", (int)i, i < 1500 ? ".xml" : "");
		ents[i] = (struct zent){ n, 0, 0, 0, 0, 0 };
		if (i >= 1500) {
			zip_local(&z, &ents[i], "");
			continue;
		}
		snprintf(nb[0], sizeof nb[0], "hostile-member-%d", (int)i);
		report(&x[0], nb[0]);
		memset(&s, 0, sizeof s);
		if (deflateInit2(&s, 9, Z_DEFLATED, -15, 9,
		    Z_DEFAULT_STRATEGY) != Z_OK)
			die("deflateInit2");
		deflate_flush(&s, &d, x[0].data, x[0].len, Z_FINISH);
		deflateEnd(&s);
		ents[i].method = 8;
		ents[i].crc = crc32(0, (const Bytef *)x[0].data,
		    (uInt)x[0].len);
		ents[i].csize = d.len;
		ents[i].usize = x[0].len;
		zip_local(&z, &ents[i], d.data);
		buf_reset(&x[0]);
		buf_free(&d);
	}
	buf_free(&x[0]);
	cd = z.len;
	for (i = 0; i < 100000; i++)
		zip_central(&z, &ents[i]);
	zip_end(&z, cd, 100000);
	emit("zip-100000-members.zip", z.data, z.len, "--max-members");

	/* The same, its end record claiming three members. */
	z.len = cd;
	for (i = 0; i < 100000; i++)
		zip_central(&z, &ents[i]);
	zip_end(&z, cd, 3);
	emit("zip-100000-members-lying.zip", z.data, z.len,
	    "--max-members");
	for (i = 0; i < 100000; i++)
		free((char *)(uintptr_t)ents[i].name);
	free(ents);
	buf_free(&z);
}

/* --- email: headers GMime would build an object for, each ---------- */

/* n copies of a line, after a head and before a tail. */
static void
repeated(const char *name, const char *head, const char *line, long n,
    const char *tail, const char *reason)
{
	FILE	*f;
	size_t	 hl = strlen(head), ll = strlen(line), tl = strlen(tail);
	long	 i;

	f = create(name);
	if (fwrite(head, 1, hl, f) != hl)
		die("%s: write failed", name);
	for (i = 0; i < n; i++)
		if (fwrite(line, 1, ll, f) != ll)
			die("%s: write failed", name);
	if (fwrite(tail, 1, tl, f) != tl)
		die("%s: write failed", name);
	finish(f, name);
	fprintf(expected, "%s\t%s\n", name, reason);
}

#define MAIL_HEAD	"From: reports@hostile.example\n" \
			"To: dmarc@hostile.example\n" \
			"Subject: Report domain: hostile.example\n" \
			"MIME-Version: 1.0\n"
#define FIELDS		"header of more than 1000 fields"
#define BYTES		"bytes of header"

static void
mail_inputs(void)
{
	/* 3 million short fields (GMime: about 1.5 GB), 12 MB. */
	repeated("mail-header-fields.eml", MAIL_HEAD, "a:1\n", 3000000,
	    "\nbody\n", FIELDS);
	/* One field folded over a million lines. */
	repeated("mail-header-folded.eml", MAIL_HEAD "X-Fold: a\n", " x\n",
	    1000000, "\nbody\n", BYTES);
	/* A million addresses in one line. */
	repeated("mail-header-addresses.eml", MAIL_HEAD "Cc: a", ",a",
	    2000000, "\n\nbody\n", BYTES);
	/* A million fields in the header of a MIME part. */
	repeated("mail-part-fields.eml", MAIL_HEAD "Content-Type: "
	    "multipart/mixed; boundary=b\n\n--b\n", "a:1\n", 1000000,
	    "\nx\n--b--\n", FIELDS);
	/* 150 parts of 999 fields each: within each, not together. */
	{
		struct buf	b = { 0 };
		int		i, j;

		adds(&b, MAIL_HEAD "Content-Type: multipart/mixed; "
		    "boundary=b\n\n");
		for (i = 0; i < 150; i++) {
			adds(&b, "--b\n");
			for (j = 0; j < 999; j++)
				addf(&b, "X-%d: v\n", j);
			adds(&b, "\nx\n");
		}
		adds(&b, "--b--\n");
		emit("mail-parts-headers.eml", b.data, b.len, BYTES);
		buf_free(&b);
	}
	/* Two million empty parts (GMime: about 2.6 GB). */
	repeated("mail-empty-parts.eml", MAIL_HEAD "Content-Type: "
	    "multipart/mixed; boundary=b\n\n", "--b\n\n", 2000000,
	    "--b--\n", "more than 100 MIME parts");
	/* A million fields in an attached message's header. */
	repeated("mail-attached-fields.eml", MAIL_HEAD "Content-Type: "
	    "multipart/mixed; boundary=b\n\n--b\nContent-Type: "
	    "message/rfc822\n\n", "a:1\n", 1000000, "\nx\n--b--\n",
	    FIELDS);
	/*
	 * The same in a multipart/digest, whose parts are messages
	 * without saying so, its boundary in RFC 2231 pieces.
	 */
	repeated("mail-digest-fields.eml", MAIL_HEAD "Content-Type: "
	    "multipart/digest; boundary*0=\"b\"; boundary*1=\"c\"\n\n--bc\n"
	    "\n", "a:1\n", 1000000, "\nx\n--bc--\n", FIELDS);
}

int
main(int argc, char **argv)
{
	char	path[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: mkhostile DIR\n");
		return 2;
	}
	dir = argv[1];
	snprintf(path, sizeof path, "%s/EXPECTED.tsv", dir);
	expected = fopen(path, "w");
	if (expected == NULL)
		die("%s: %s", path, strerror(errno));
	xml_inputs();
	value_inputs();
	gzip_inputs();
	zip_inputs();
	mail_inputs();
	if (fclose(expected) != 0)
		die("%s: write failed", path);
	return 0;
}
