/*
 * limit.c: the limit pipeline that dmarcdb's ingest speed is measured
 * against.
 *
 *   limit DB PATH...
 *
 * For every file (directories are walked): decompress (zlib for gzip,
 * libarchive for zip), read every node with libxml2's streaming SAX2
 * push parser, and insert the same rows dmarcdb stores (one per record,
 * DKIM result and SPF result) with bare prepared statements, into tables
 * without indexes, all in one transaction. No normalisation, no checks,
 * no deduplication: what any ingester must at least do. Prints the
 * number of files, records and rows.
 *
 *   limit -m DB < MESSAGE
 *
 * The same for one email message on standard input, as an MTA delivers
 * it (issue 18): GMime reads the message and decodes every attachment
 * that has a file name, whose report is stored as above into DB (made
 * on first use, kept), in one transaction. Prints nothing.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <gmime/gmime.h>
#include <libxml/parser.h>
#include <sqlite3.h>
#include <zlib.h>

enum { F_NONE, F_IP, F_COUNT, F_DISP, F_PDKIM, F_PSPF, F_HF, F_EF,
    F_DOMAIN, F_SEL, F_RESULT, F_SCOPE, F__N };

static sqlite3		*db;
static sqlite3_stmt	*ins_rec, *ins_dkim, *ins_spf;
static long long	 nfiles, nrecords, nrows;

#define MAXAUTH	16

struct auth {
	char	domain[256], sel[256], result[256];
};

struct state {
	int		 field;
	int		 in_dkim, in_spf, in_pe;
	char		 val[F__N][256];
	size_t		 len[F__N];
	struct auth	 dkim[MAXAUTH], spf[MAXAUTH];
	int		 ndkim, nspf;
};

static void
die(const char *what)
{
	fprintf(stderr, "limit: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
	exit(1);
}

static void
step(sqlite3_stmt *st)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die("insert");
	sqlite3_reset(st);
	nrows++;
}

static void
bind(sqlite3_stmt *st, int i, struct state *s, int f)
{
	sqlite3_bind_text(st, i, s->val[f], (int)s->len[f], SQLITE_STATIC);
}

static void
start(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int nattr, int ndef,
    const xmlChar **attr)
{
	struct state	*s = ctx;
	const char	*n = (const char *)local;

	(void)prefix; (void)uri; (void)nns; (void)ns; (void)nattr;
	(void)ndef; (void)attr;
	s->field = F_NONE;
	if (strcmp(n, "source_ip") == 0) s->field = F_IP;
	else if (strcmp(n, "count") == 0) s->field = F_COUNT;
	else if (strcmp(n, "disposition") == 0) s->field = F_DISP;
	else if (strcmp(n, "header_from") == 0) s->field = F_HF;
	else if (strcmp(n, "envelope_from") == 0) s->field = F_EF;
	else if (strcmp(n, "domain") == 0) s->field = F_DOMAIN;
	else if (strcmp(n, "selector") == 0) s->field = F_SEL;
	else if (strcmp(n, "result") == 0) s->field = F_RESULT;
	else if (strcmp(n, "scope") == 0) s->field = F_SCOPE;
	else if (strcmp(n, "policy_evaluated") == 0) s->in_pe = 1;
	else if (strcmp(n, "dkim") == 0) {
		if (s->in_pe)
			s->field = F_PDKIM;
		else {
			s->in_dkim = 1;
			s->len[F_DOMAIN] = s->len[F_SEL] = s->len[F_RESULT] = 0;
		}
	} else if (strcmp(n, "spf") == 0) {
		if (s->in_pe)
			s->field = F_PSPF;
		else {
			s->in_spf = 1;
			s->len[F_DOMAIN] = s->len[F_SCOPE] = s->len[F_RESULT] = 0;
		}
	} else if (strcmp(n, "record") == 0) {
		memset(s->len, 0, sizeof s->len);
		s->ndkim = s->nspf = 0;
	}
	if (s->field != F_NONE)
		s->len[s->field] = 0;
}

static void
end(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri)
{
	struct state	*s = ctx;
	const char	*n = (const char *)local;

	(void)prefix; (void)uri;
	s->field = F_NONE;
	if (strcmp(n, "policy_evaluated") == 0)
		s->in_pe = 0;
	else if (s->in_dkim && strcmp(n, "dkim") == 0) {
		s->in_dkim = 0;
		if (s->ndkim < MAXAUTH) {
			struct auth *a = &s->dkim[s->ndkim++];
			memcpy(a->domain, s->val[F_DOMAIN], s->len[F_DOMAIN] + 1);
			memcpy(a->sel, s->val[F_SEL], s->len[F_SEL] + 1);
			snprintf(a->result, sizeof a->result, "%s",
			    s->val[F_RESULT]);
		}
	} else if (s->in_spf && strcmp(n, "spf") == 0) {
		s->in_spf = 0;
		if (s->nspf < MAXAUTH) {
			struct auth *a = &s->spf[s->nspf++];
			memcpy(a->domain, s->val[F_DOMAIN], s->len[F_DOMAIN] + 1);
			memcpy(a->sel, s->val[F_SCOPE], s->len[F_SCOPE] + 1);
			snprintf(a->result, sizeof a->result, "%s",
			    s->val[F_RESULT]);
		}
	} else if (strcmp(n, "record") == 0) {
		long long	id;
		int		i;

		bind(ins_rec, 1, s, F_IP);
		sqlite3_bind_int64(ins_rec, 2, atoll(s->val[F_COUNT]));
		bind(ins_rec, 3, s, F_DISP);
		bind(ins_rec, 4, s, F_PDKIM);
		bind(ins_rec, 5, s, F_PSPF);
		bind(ins_rec, 6, s, F_HF);
		bind(ins_rec, 7, s, F_EF);
		step(ins_rec);
		id = sqlite3_last_insert_rowid(db);
		nrecords++;
		for (i = 0; i < s->ndkim; i++) {
			sqlite3_bind_int64(ins_dkim, 1, id);
			sqlite3_bind_text(ins_dkim, 2, s->dkim[i].domain, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(ins_dkim, 3, s->dkim[i].sel, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(ins_dkim, 4, s->dkim[i].result, -1,
			    SQLITE_STATIC);
			step(ins_dkim);
		}
		for (i = 0; i < s->nspf; i++) {
			sqlite3_bind_int64(ins_spf, 1, id);
			sqlite3_bind_text(ins_spf, 2, s->spf[i].domain, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(ins_spf, 3, s->spf[i].sel, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(ins_spf, 4, s->spf[i].result, -1,
			    SQLITE_STATIC);
			step(ins_spf);
		}
	}
}

static void
text(void *ctx, const xmlChar *ch, int len)
{
	struct state	*s = ctx;
	size_t		 n;

	if (s->field == F_NONE)
		return;
	n = s->len[s->field];
	if (n + (size_t)len >= sizeof s->val[0])
		len = (int)(sizeof s->val[0] - 1 - n);
	memcpy(s->val[s->field] + n, ch, (size_t)len);
	s->len[s->field] = n + (size_t)len;
	s->val[s->field][s->len[s->field]] = '\0';
}

struct xml {
	xmlParserCtxtPtr ctxt;
	struct state	 st;
	xmlSAXHandler	 sax;
};

static void
xml_begin(struct xml *x)
{
	memset(x, 0, sizeof *x);
	x->sax.initialized = XML_SAX2_MAGIC;
	x->sax.startElementNs = start;
	x->sax.endElementNs = end;
	x->sax.characters = text;
	x->ctxt = xmlCreatePushParserCtxt(&x->sax, &x->st, NULL, 0, NULL);
	xmlCtxtUseOptions(x->ctxt, XML_PARSE_NONET);
}

static void
xml_feed(struct xml *x, const void *p, size_t n)
{
	xmlParseChunk(x->ctxt, p, (int)n, 0);
}

static void
xml_end(struct xml *x)
{
	xmlParseChunk(x->ctxt, NULL, 0, 1);
	xmlFreeParserCtxt(x->ctxt);
	nfiles++;
}

static void
do_gzip(FILE *f)
{
	static unsigned char	in[65536], out[262144];
	struct xml		x;
	z_stream		z;
	size_t			n;
	int			r = Z_OK;

	memset(&z, 0, sizeof z);
	inflateInit2(&z, 15 + 32);
	xml_begin(&x);
	while (r != Z_STREAM_END && (n = fread(in, 1, sizeof in, f)) > 0) {
		z.next_in = in;
		z.avail_in = (uInt)n;
		do {
			z.next_out = out;
			z.avail_out = sizeof out;
			r = inflate(&z, Z_NO_FLUSH);
			if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
				die("inflate");
			xml_feed(&x, out, sizeof out - z.avail_out);
		} while (z.avail_out == 0 && r != Z_STREAM_END);
	}
	xml_end(&x);
	inflateEnd(&z);
}

/* A zip file at path, or (path NULL) of n bytes at p. */
static void
do_zip(const char *path, const void *p, size_t len)
{
	static char		 out[262144];
	struct archive		*a = archive_read_new();
	struct archive_entry	*e;
	struct xml		 x;
	la_ssize_t		 n;

	archive_read_support_format_zip(a);
	if ((path != NULL ? archive_read_open_filename(a, path, 65536) :
	    archive_read_open_memory(a, p, len)) != ARCHIVE_OK)
		die(path != NULL ? path : "zip");
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		xml_begin(&x);
		while ((n = archive_read_data(a, out, sizeof out)) > 0)
			xml_feed(&x, out, (size_t)n);
		xml_end(&x);
	}
	archive_read_free(a);
}

static void
do_xml(FILE *f)
{
	static char	buf[262144];
	struct xml	x;
	size_t		n;

	xml_begin(&x);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		xml_feed(&x, buf, n);
	xml_end(&x);
}

static void
do_path(const char *path)
{
	struct stat	 st;
	unsigned char	 magic[2] = { 0, 0 };
	FILE		*f;

	if (stat(path, &st) == -1)
		die(path);
	if (S_ISDIR(st.st_mode)) {
		struct dirent	**ents;
		int		  i, n = scandir(path, &ents, NULL, alphasort);
		char		  sub[4096];
		for (i = 0; i < n; i++) {
			if (ents[i]->d_name[0] != '.') {
				snprintf(sub, sizeof sub, "%s/%s", path,
				    ents[i]->d_name);
				do_path(sub);
			}
			free(ents[i]);
		}
		free(ents);
		return;
	}
	f = fopen(path, "rb");
	if (f == NULL || fread(magic, 1, 2, f) != 2)
		die(path);
	rewind(f);
	if (magic[0] == 0x1f && magic[1] == 0x8b)
		do_gzip(f);
	else if (magic[0] == 'P' && magic[1] == 'K')
		do_zip(path, NULL, 0);
	else
		do_xml(f);
	fclose(f);
}

/* A report file's n bytes at p, in memory: gzip, zip or XML. */
static void
do_mem(const void *p, size_t n)
{
	const unsigned char	*b = p;
	FILE			*f;

	if (n >= 2 && b[0] == 'P' && b[1] == 'K') {
		do_zip(NULL, p, n);
		return;
	}
	if ((f = fmemopen((void *)p, n, "rb")) == NULL)
		die("fmemopen");
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		do_gzip(f);
	else
		do_xml(f);
	fclose(f);
}

/* The message on standard input: every attachment with a file name. */
static void
do_mail(void)
{
	GMimeStream	*in, *mem;
	GMimeParser	*parser;
	GMimeMessage	*m;
	GMimePartIter	*it;
	GMimeObject	*o;
	GByteArray	*ba;

	g_mime_init();
	in = g_mime_stream_pipe_new(0);
	g_mime_stream_pipe_set_owner(GMIME_STREAM_PIPE(in), FALSE);
	parser = g_mime_parser_new_with_stream(in);
	if ((m = g_mime_parser_construct_message(parser, NULL)) == NULL)
		die("not a message");
	it = g_mime_part_iter_new((GMimeObject *)m);
	do {
		o = g_mime_part_iter_get_current(it);
		if (o == NULL || !GMIME_IS_PART(o) ||
		    g_mime_part_get_filename(GMIME_PART(o)) == NULL)
			continue;
		mem = g_mime_stream_mem_new();
		g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(
		    GMIME_PART(o)), mem);
		ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
		do_mem(ba->data, ba->len);
		g_object_unref(mem);
	} while (g_mime_part_iter_next(it));
	g_mime_part_iter_free(it);
	g_object_unref(m);
	g_object_unref(parser);
	g_object_unref(in);
	g_mime_shutdown();
}

int
main(int argc, char **argv)
{
	int	i, mail;

	mail = argc == 3 && strcmp(argv[1], "-m") == 0;
	if (argc < 3) {
		fprintf(stderr, "usage: limit DB PATH...\n"
		    "       limit -m DB < MESSAGE\n");
		return 2;
	}
	xmlInitParser();
	if (mail)
		argv++;
	else
		unlink(argv[1]);
	/* Deliveries at once take turns, as dmarcdb's do. */
	if (sqlite3_open(argv[1], &db) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, 10000) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;"
	    "CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY,"
	    " source_ip TEXT, count INTEGER, disposition TEXT, dkim TEXT,"
	    " spf TEXT, header_from TEXT, envelope_from TEXT);"
	    "CREATE TABLE IF NOT EXISTS dkim (record INTEGER, domain TEXT,"
	    " selector TEXT, result TEXT);"
	    "CREATE TABLE IF NOT EXISTS spf (record INTEGER, domain TEXT,"
	    " scope TEXT, result TEXT);", NULL, NULL, NULL) != SQLITE_OK)
		die("create");
	if (sqlite3_prepare_v2(db, "INSERT INTO records (source_ip, count,"
	    " disposition, dkim, spf, header_from, envelope_from)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?)", -1, &ins_rec,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO dkim VALUES (?, ?, ?, ?)", -1,
	    &ins_dkim, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO spf VALUES (?, ?, ?, ?)", -1,
	    &ins_spf, NULL) != SQLITE_OK)
		die("prepare");
	/* (The first insert takes the write lock: the message is read
	 * before it waits.) */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		die("begin");
	if (mail)
		do_mail();
	for (i = 2; !mail && i < argc; i++)
		do_path(argv[i]);
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die("commit");
	sqlite3_finalize(ins_rec);
	sqlite3_finalize(ins_dkim);
	sqlite3_finalize(ins_spf);
	sqlite3_close(db);
	if (!mail)
		printf("%lld files, %lld records, %lld rows\n", nfiles,
		    nrecords, nrows);
	return 0;
}
