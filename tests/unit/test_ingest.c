/*
 * test_ingest.c: the engine with a real store: document framing (BOM,
 * white space, several roots, trailing junk), recovery, streaming of
 * large documents, nothing partial on failure, idempotence.
 */
#include "config.h"

#include <pthread.h>
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
#include <libxml/parser.h>
#include <sqlite3.h>
#include <zlib.h>

#include "buf.h"
#include "dbfiles.h"
#include "ingest.h"
#include "log.h"
#include "queue.h"

struct fx {
	char			 path[64];
	struct store		*s;
	struct ingest		*e;
	struct ingest_opts	 o;
};

static struct ingest_opts opts = {
	.ulim = { 64 << 20, 100, 0, 1 << 20 },
	.plim = { 65536, 64, 1000000 },
	.recover = 0,
};

static int
setup_with(void **state, int recover)
{
	struct fx		*f = calloc(1, sizeof *f);
	struct dr_error		 err;
	int			 fd;

	snprintf(f->path, sizeof f->path, "/tmp/dmarcdb-test-XXXXXX");
	fd = mkstemp(f->path);
	close(fd);
	unlink(f->path);
	assert_int_equal(store_open(f->path, 1000, STORE_CREATE, &f->s, &err),
	    0);
	assert_int_equal(store_run_begin(f->s, &err), 0);
	f->o = opts;
	f->o.recover = recover;
	assert_int_equal(ingest_new(f->s, &f->o, &f->e, &err), 0);
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, 0);
}

static int
setup_recover(void **state)
{
	return setup_with(state, 1);
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	ingest_free(f->e);
	store_close(f->s);
	dbfiles_unlink(f->path);
	free(f);
	return 0;
}

static long long
q(struct fx *f, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	long long	 v = -1;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* Counts so far: the engine is stopped and started again. */
static const struct store_counts *
counts(struct fx *f)
{
	static struct store_counts	c;
	struct dr_error			err;

	assert_int_equal(ingest_finish(f->e, &err), 0);
	c = *ingest_counts(f->e);
	ingest_free(f->e);
	assert_int_equal(ingest_new(f->s, &f->o, &f->e, &err), 0);
	return &c;
}

static void
in(struct fx *f, const void *p, size_t n)
{
	struct dr_error	err;

	assert_int_equal(ingest_mem(f->e, p, n, "mem", 1000, &err), 0);
	assert_int_equal(ingest_sync(f->e, &err), 0);
}

#define META(id) \
	"<report_metadata><org_name>o</org_name><report_id>" id \
	"</report_id><date_range><begin>1700000000</begin><end>1700086399" \
	"</end></date_range></report_metadata><policy_published><domain>" \
	"example.com</domain><p>none</p></policy_published>"
#define REC(ip, n) \
	"<record><row><source_ip>" ip "</source_ip><count>" n "</count>" \
	"<policy_evaluated><disposition>none</disposition><dkim>pass</dkim>" \
	"<spf>pass</spf></policy_evaluated></row><identifiers><header_from>" \
	"example.com</header_from></identifiers><auth_results><spf><domain>" \
	"example.com</domain><result>pass</result></spf></auth_results>" \
	"</record>\n"

/* A document of nrec records, about 400 bytes each. */
static void
big_doc(struct buf *b, const char *id, unsigned nrec)
{
	unsigned	i;
	char		rec[512];

	buf_adds(b, "<?xml version=\"1.0\"?>\n<feedback>");
	buf_adds(b, "<report_metadata><org_name>o</org_name><report_id>");
	buf_adds(b, id);
	buf_adds(b, "</report_id><date_range><begin>1700000000</begin><end>"
	    "1700086399</end></date_range></report_metadata><policy_published>"
	    "<domain>example.com</domain><p>none</p></policy_published>\n");
	for (i = 0; i < nrec; i++) {
		snprintf(rec, sizeof rec, "<record><row><source_ip>10.%u.%u.%u"
		    "</source_ip><count>%u</count><policy_evaluated>"
		    "<disposition>none</disposition><dkim>pass</dkim><spf>pass"
		    "</spf></policy_evaluated></row><identifiers><header_from>"
		    "example.com</header_from></identifiers><auth_results>"
		    "<dkim><domain>example.com</domain><selector>s</selector>"
		    "<result>pass</result></dkim><spf><domain>example.com"
		    "</domain><result>pass</result></spf></auth_results>"
		    "</record>\n", (i >> 16) & 255, (i >> 8) & 255, i & 255,
		    i % 7 + 1);
		buf_adds(b, rec);
	}
	buf_adds(b, "</feedback>\n");
}

static void
bom_and_leading_space(void **state)
{
	static const char doc[] = "\xef\xbb\xbf \r\n\t<?xml version=\"1.0\" "
	    "encoding=\"UTF-8\"?>\n<feedback>" META("r1") REC("192.0.2.1", "2")
	    "</feedback>\n";
	struct fx	*f = *state;

	in(f, doc, sizeof doc - 1);
	assert_int_equal(q(f, "SELECT count(*) FROM reports WHERE status = "
	    "'active'"), 1);
	assert_int_equal(q(f, "SELECT xml_size FROM reports"),
	    (long long)sizeof doc - 1);
	assert_int_equal(counts(f)->stored, 1);
}

static void
several_roots_become_several_reports(void **state)
{
	static const char doc[] = "<?xml version=\"1.0\"?><feedback>"
	    META("r1") REC("192.0.2.1", "2") "</feedback>\n<!-- next -->\n"
	    "<?xml version=\"1.0\"?>\n<feedback>" META("r2")
	    REC("192.0.2.2", "3") REC("192.0.2.3", "4") "</feedback>";
	struct fx	*f = *state;

	in(f, doc, sizeof doc - 1);
	assert_int_equal(q(f, "SELECT count(*) FROM reports"), 2);
	assert_int_equal(q(f, "SELECT xml_part FROM reports WHERE report_id "
	    "= 'r2'"), 1);
	assert_int_equal(q(f, "SELECT sum(count) FROM records"), 9);
	/* Again: nothing new. */
	in(f, doc, sizeof doc - 1);
	assert_int_equal(q(f, "SELECT count(*) FROM reports"), 2);
	assert_int_equal(counts(f)->duplicates, 1);
}

static void
trailing_junk_flagged(void **state)
{
	static const char doc[] = "<feedback>" META("r1") REC("192.0.2.1", "2")
	    "</feedback>\r\n\0\0junk";
	struct fx	*f = *state;

	in(f, doc, sizeof doc - 1);
	assert_int_equal(q(f, "SELECT count(*) FROM reports"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM warnings WHERE code = "
	    "'trailing'"), 1);
}

static void
bad_input_rejected_with_raw_bytes(void **state)
{
	static const char doc[] = "<feedback>" META("r1") "<record><row>"
	    "<source_ip>1.2.3.4</source_ip><count>x</count></row></record>"
	    "</feedback>";
	struct fx	*f = *state;

	in(f, doc, sizeof doc - 1);
	assert_int_equal(q(f, "SELECT count(*) FROM reports"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM records"), 0);
	assert_int_equal(q(f, "SELECT kept FROM v_rejected WHERE "
	    "origin = 'mem' AND reason LIKE 'line 1: record 1: <count> ''x''%'"),
	    (long long)sizeof doc - 1);
	assert_int_equal(counts(f)->rejected, 1);
}

static void
recovery_is_opt_in_and_flagged(void **state)
{
	static const char doc[] = "<feedback><report_metadata><org_name>"
	    "Acme \x91Mail\x92</org_name><report_id>r</report_id><date_range>"
	    "<begin>1700000000</begin><end>1700086399</end></date_range>"
	    "</report_metadata><policy_published><domain>example.com</domain>"
	    "<p>none</p></policy_published>" REC("192.0.2.1", "1")
	    "</feedback>";
	struct fx	*f = *state;

	in(f, doc, sizeof doc - 1);
	assert_int_equal(q(f, "SELECT count(*) FROM reports WHERE org_name = "
	    "'Acme \xe2\x80\x98Mail\xe2\x80\x99'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM warnings WHERE code = "
	    "'recovered'"), 1);
}

static void
recovery_off_rejects(void **state)
{
	static const char doc[] = "<feedback><report_metadata><org_name>"
	    "Acme \x91Mail\x92</org_name></report_metadata></feedback>";
	struct fx	*f = *state;

	in(f, doc, sizeof doc - 1);
	assert_int_equal(q(f, "SELECT count(*) FROM reports"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM rejected_inputs WHERE "
	    "reason LIKE 'XML not well-formed%UTF-8%'"), 1);
}

static void
large_document_streamed(void **state)
{
	struct fx	*f = *state;
	struct buf	 b = { 0 };

	big_doc(&b, "big", 30000);	/* about 12 MB: over INGEST_PREBUF */
	assert_true(b.len > INGEST_PREBUF);
	in(f, b.data, b.len);
	assert_int_equal(q(f, "SELECT record_count FROM reports"), 30000);
	assert_int_equal(q(f, "SELECT sum(count) FROM records"),
	    q(f, "SELECT message_count FROM reports"));
	assert_int_equal(q(f, "SELECT count(*) FROM dkim_results"), 30000);
	assert_int_equal(q(f, "SELECT xml_size FROM reports"), (long long)b.len);
	/* Re-delivered: found only after parsing, and rolled back. */
	in(f, b.data, b.len);
	assert_int_equal(q(f, "SELECT count(*) FROM reports"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM records"), 30000);
	assert_int_equal(counts(f)->duplicates, 1);
	buf_free(&b);
}

static void
large_document_broken_late_leaves_nothing(void **state)
{
	struct fx	*f = *state;
	struct buf	 b = { 0 };

	big_doc(&b, "big", 30000);
	/* Corrupt a tag near the end: records were already inserted. */
	memcpy(b.data + b.len - 600, "<<<", 3);
	in(f, b.data, b.len);
	assert_int_equal(q(f, "SELECT count(*) FROM reports"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM records"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM rejected_inputs"), 1);
	buf_free(&b);
}

static void
large_document_followed_by_content_rejected(void **state)
{
	struct fx	*f = *state;
	struct buf	 b = { 0 };

	big_doc(&b, "big", 30000);
	buf_adds(&b, "<feedback>" META("r2") "</feedback>");
	in(f, b.data, b.len);
	assert_int_equal(q(f, "SELECT count(*) FROM reports"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM rejected_inputs WHERE "
	    "reason LIKE 'content after </feedback>%'"), 1);
	buf_free(&b);
}

static void
truncated_gzip_leaves_nothing(void **state)
{
	struct fx	*f = *state;
	struct buf	 b = { 0 };
	unsigned char	*gz;
	uLongf		 gzlen;
	z_stream	 z;

	big_doc(&b, "big", 30000);
	gzlen = compressBound(b.len) + 64;
	gz = malloc(gzlen);
	memset(&z, 0, sizeof z);
	deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)b.data;
	z.avail_in = (uInt)b.len;
	z.next_out = gz;
	z.avail_out = (uInt)gzlen;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	gzlen = z.total_out;
	deflateEnd(&z);
	/* Cut in the middle: the first records parse, then it ends. */
	in(f, gz, gzlen * 3 / 4);
	assert_int_equal(q(f, "SELECT count(*) FROM reports"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM records"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM rejected_inputs WHERE "
	    "reason LIKE 'gzip data truncated%'"), 1);
	/* The whole of it is fine. */
	in(f, gz, gzlen);
	assert_int_equal(q(f, "SELECT record_count FROM reports"), 30000);
	free(gz);
	buf_free(&b);
}

/* A zip of the given members, deflated, into b. */
static void
zip_of(struct buf *b, const char *const *names, const struct buf *data,
    int n)
{
	struct archive		*a;
	struct archive_entry	*e;
	size_t			 used = 0;
	int			 i;

	assert_int_equal(buf_reserve(b, 1 << 20), 0);
	a = archive_write_new();
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, b->data, b->cap - 1,
	    &used), ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		e = archive_entry_new();
		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)data[i].len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, data[i].data,
		    data[i].len), (la_ssize_t)data[i].len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	b->len = used;
}

/*
 * A zip whose first member, large enough to be streamed, is rejected by
 * the parser (--max-text), and is then read on until the archive
 * exceeds --max-ratio: the archive is refused as a whole, with the
 * ratio named, and no later member is read.
 */
static void
zip_bomb_behind_a_rejected_member(void **state)
{
	static const char *const names[] = { "a.xml", "pad.bin", "b.xml" };
	static const char good[] = "<feedback>" META("r9")
	    REC("192.0.2.9", "1") "</feedback>";
	struct fx	*f = *state;
	struct buf	 m[3], zip = { 0 };
	struct dr_error	 err;
	uint64_t	 x = 1;
	size_t		 i;

	memset(m, 0, sizeof m);
	buf_adds(&m[0], "<feedback><report_metadata><org_name>");
	assert_int_equal(buf_reserve(&m[0], 20 << 20), 0);
	memset(m[0].data + m[0].len, 'A', 20 << 20);
	m[0].len += 20 << 20;
	/* Bytes that do not compress, so that the archive is larger. */
	for (i = 0; i < 65536; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		buf_addc(&m[1], (int)(x >> 56));
	}
	buf_adds(&m[2], good);
	zip_of(&zip, names, m, 3);

	ingest_free(f->e);
	f->o.ulim.max_ratio = 200;
	assert_int_equal(ingest_new(f->s, &f->o, &f->e, &err), 0);
	in(f, zip.data, zip.len);
	assert_int_equal(q(f, "SELECT count(*) FROM reports"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM rejected_inputs"), 1);
	assert_int_equal(q(f, "SELECT kept FROM v_rejected WHERE "
	    "origin = 'mem' AND reason LIKE 'zip archive expands to more "
	    "than 200 times its size (--max-ratio)%'"), (long long)zip.len);
	for (i = 0; i < 3; i++)
		buf_free(&m[i]);
	buf_free(&zip);
}

/*
 * A broken document of n bytes, its text from seed: letters that do not
 * repeat (random) or do (so that they compress well).
 */
static void
broken_doc(struct buf *b, size_t n, unsigned seed, int random)
{
	uint64_t	x = seed;
	size_t		i;

	buf_reset(b);
	assert_int_equal(buf_reserve(b, n), 0);
	memcpy(b->data, "<feedback><x>", 13);
	for (i = 13; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		b->data[i] = (char)('a' + (random ? (x >> 33) % 26 :
		    (i / 1000 + seed) % 26));
	}
	b->len = n;
}

/* The bytes kept of the input last rejected from origin are p[0..len). */
static void
kept_is(struct fx *f, const char *origin, const void *p, size_t len,
    uint64_t size)
{
	sqlite3		*db;
	sqlite3_stmt	*st;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT k.raw, i.size FROM"
	    " rejected_inputs i JOIN rejected_raw k ON k.input = i.id"
	    " WHERE i.origin = ? ORDER BY i.id DESC LIMIT 1", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(st, 0), (int)len);
	assert_memory_equal(sqlite3_column_blob(st, 0), p, len);
	assert_int_equal(sqlite3_column_int64(st, 1), (long long)size);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
gzip_of(struct buf *out, const struct buf *in)
{
	z_stream	z;

	buf_reset(out);
	assert_int_equal(buf_reserve(out, compressBound(in->len) + 64), 0);
	memset(&z, 0, sizeof z);
	deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)in->data;
	z.avail_in = (uInt)in->len;
	z.next_out = (unsigned char *)out->data;
	z.avail_out = (uInt)(out->cap - 1);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	out->len = z.total_out;
	deflateEnd(&z);
}

/*
 * The raw bytes kept of a rejected input larger than a piece are the
 * input's first bytes, up to the cap, whatever held them: a document in
 * memory, its file, a gzip stream, a zip member, small enough to be
 * parsed whole or streamed.
 */
static void
kept_bytes_are_the_input_prefix(void **state)
{
	static const char *const names[] = { "a.xml" };
	struct fx	*f = *state;
	struct dr_error	 err;
	struct buf	 doc = { 0 }, gz = { 0 }, zip = { 0 };
	size_t		 keep = 300001, big = (9 << 20) + 5;
	char		 path[64];
	int		 fd;

	ingest_free(f->e);
	f->o.ulim.keep_bytes = keep;
	assert_int_equal(ingest_new(f->s, &f->o, &f->e, &err), 0);

	/* In memory, parsed whole. */
	broken_doc(&doc, 700000, 1, 0);
	in(f, doc.data, doc.len);
	kept_is(f, "mem", doc.data, keep, doc.len);

	/* In memory, streamed. */
	broken_doc(&doc, big, 2, 0);
	in(f, doc.data, doc.len);
	kept_is(f, "mem", doc.data, keep, doc.len);

	/* A file, streamed: read again from it. */
	broken_doc(&doc, big, 3, 0);
	snprintf(path, sizeof path, "/tmp/dmarcdb-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, doc.data, doc.len), (ssize_t)doc.len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(ingest_fd(f->e, fd, NULL, NULL, 0, path, 1000, &err),
	    0);
	assert_int_equal(ingest_sync(f->e, &err), 0);
	close(fd);
	unlink(path);
	kept_is(f, path, doc.data, keep, doc.len);

	/* gzip: its compressed bytes, more than a piece of them. */
	broken_doc(&doc, 700000, 4, 1);
	gzip_of(&gz, &doc);
	assert_true(gz.len > 2 * 128 * 1024);
	in(f, gz.data, gz.len);
	kept_is(f, "mem", gz.data, gz.len < keep ? gz.len : keep, gz.len);

	/* A zip member, parsed whole, then streamed. */
	broken_doc(&doc, 700000, 5, 0);
	zip_of(&zip, names, &doc, 1);
	in(f, zip.data, zip.len);
	kept_is(f, "mem: member a.xml", doc.data, keep, doc.len);
	broken_doc(&doc, big, 6, 0);
	zip_of(&zip, names, &doc, 1);
	in(f, zip.data, zip.len);
	kept_is(f, "mem: member a.xml", doc.data, keep, doc.len);

	assert_int_equal(counts(f)->rejected, 6);
	assert_int_equal(q(f, "SELECT count(*) FROM rejected_raw"), 6);
	buf_free(&doc);
	buf_free(&gz);
	buf_free(&zip);
}

/*
 * The queue between the threads: oversized messages count against its
 * bound, so a producer of large documents waits for its consumer
 * instead of running ahead (it did, to gigabytes on a year of big
 * reports).
 */
struct producer {
	struct queue	*q;
	int		 sent;	/* atomic */
};

static void *
produce(void *arg)
{
	struct producer	*p = arg;
	void		*m;
	int		 i;

	for (i = 0; i < 4; i++) {
		m = queue_reserve(p->q, 3000);
		if (m == NULL)
			return NULL;
		memset(m, 'a' + i, 3000);
		queue_commit(p->q, 3000);
		__atomic_store_n(&p->sent, i + 1, __ATOMIC_SEQ_CST);
	}
	queue_close(p->q);
	return NULL;
}

static void
queue_bounds_oversized_messages(void **state)
{
	struct producer	 p;
	struct qblock	*b;
	pthread_t	 t;
	int		 popped = 0, i;

	(void)state;
	/* 2 blocks of 1 KiB: at most 2 KiB, or one oversized message. */
	p.q = queue_new(1024, 2);
	assert_non_null(p.q);
	p.sent = 0;
	assert_int_equal(pthread_create(&t, NULL, produce, &p), 0);
	/* Nothing consumed yet: the first is through, the second waits. */
	for (i = 0; i < 1000 && __atomic_load_n(&p.sent, __ATOMIC_SEQ_CST) ==
	    0; i++)
		usleep(10 * 1000);
	usleep(200 * 1000);
	assert_int_equal(__atomic_load_n(&p.sent, __ATOMIC_SEQ_CST), 1);
	while ((b = queue_pop(p.q, 1)) != NULL) {
		assert_true(b->used >= 3000);
		assert_int_equal(((unsigned char *)b->data)[0], 'a' + popped);
		popped++;
		queue_release(p.q, b);
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(popped, 4);
	assert_int_equal(p.sent, 4);
	queue_free(p.q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(kept_bytes_are_the_input_prefix,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(bom_and_leading_space,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    several_roots_become_several_reports, setup, teardown),
		cmocka_unit_test_setup_teardown(trailing_junk_flagged,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    bad_input_rejected_with_raw_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(recovery_is_opt_in_and_flagged,
		    setup_recover, teardown),
		cmocka_unit_test_setup_teardown(recovery_off_rejects,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(large_document_streamed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    large_document_broken_late_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    large_document_followed_by_content_rejected, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(truncated_gzip_leaves_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    zip_bomb_behind_a_rejected_member, setup, teardown),
		cmocka_unit_test(queue_bounds_oversized_messages),
	};

	log_init("test_ingest", LOG_QUIET);
	xmlInitParser();
	parse_thread_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
