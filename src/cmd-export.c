/*
 * cmd-export.c: dmarcdb export [--since DATE] [--as-of DATE] [--domain D]
 *     [--format csv|ndjson]
 *
 * One flat row per record of the active reports: the report's fields,
 * the record's, its DKIM and SPF results and reasons, dmarcdb's DMARC
 * evaluation and the class of its source over the exported period.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalogue.h"
#include "cmd.h"
#include "export-par.h"
#include "fmt.h"
#include "log.h"
#include "sanitise.h"
#include "spool.h"

enum format { F_CSV, F_NDJSON };

/*
 * The spool: rows wait there until their classes are known, in blocks
 * of SPOOL_BLOCK, SPOOL_MEM of them in memory and then, while the
 * writer waits for classes, up to SPOOL_FILE bytes in a temporary file
 * (after which the reading waits too).
 */
#define SPOOL_BLOCK	(256u << 10)
#define SPOOL_MEM	((size_t)64 << 20)
#define SPOOL_FILE	((uint64_t)1 << 30)

struct run {
	struct store		*s;
	const struct conf	*conf;
	enum format		 fmt;
	int64_t			 from_day, to_day;
	/* The domains of the records, and their sources' classes. */
	const char		**domains;
	size_t			 ndomains;
	struct xclass		*xc;
	struct catalogue	*cat;		/* names services */
	struct spool		*sp;
	struct buf		 key, res[3];
	/* The report's columns, written once for all its records. */
	int64_t			 pre_report;	/* -1: none yet */
	char			*pre;
	size_t			 prelen;
	uint32_t		 dom;		/* its domain's number */
	uint64_t		 rows;
	struct dr_error		*err;
};

static void
export_usage(FILE *f)
{
	sanitise_fprintf(f,
	    "usage: dmarcdb [--db FILE] [--config FILE] export [--since DATE]\n"
	    "           [--as-of DATE] [--domain D] [--format csv|ndjson]\n"
	    "\n"
	    "Write one flat row per record of the stored reports, with its\n"
	    "report's fields, its DKIM and SPF results, dmarcdb's DMARC\n"
	    "evaluation, the class and sender of its source (as sources\n"
	    "gives them) and what names it (the domain it authenticates as,\n"
	    "the cached reverse DNS name), for spreadsheets and other\n"
	    "engines. Streams: any number of records.\n"
	    "\n"
	    "Options:\n"
	    "  --since DATE   only reports whose period ends on or after DATE\n"
	    "                 (default: all)\n"
	    "  --as-of DATE   only reports whose period begins before DATE\n"
	    "                 (default: today, UTC)\n"
	    "  --domain D     only policy domain D\n"
	    "  --format F     csv (default) or ndjson (one JSON object a line)\n"
	    "  --config FILE  the configuration, for the classes and senders\n"
	    "  -h, --help     this help\n");
}

static const char *const columns[] = {
	"report", "org_name", "reporter", "report_id", "policy_domain",
	"begin", "end", "schema", "p", "sp", "np", "pct", "testing", "adkim",
	"aspf", "record", "source_ip", "count", "disposition", "dkim", "spf",
	"header_from", "envelope_from", "envelope_to", "dkim_results",
	"spf_results", "reasons", "dmarc", "dkim_aligned", "spf_aligned",
	"class", "sender", "auth_domain", "auth_kind", "ptr", "ptr_confirmed",
};
#define NCOLUMNS	(sizeof columns / sizeof columns[0])

static void
iso(int64_t t, char *out, size_t len)
{
	fmt_utc(t, FMT_ISO, out, len);
}

/* "d:s=result ..." and "d:scope=result ...", as in v_records. */
static void
results(struct buf *b, const struct dr_record *rec, int spf)
{
	size_t	i, n = spf ? rec->nspfs : rec->ndkims;

	buf_reset(b);
	for (i = 0; i < n; i++) {
		const char *d = spf ? rec->spfs[i].domain : rec->dkims[i].domain;
		const char *s = spf ? rec->spfs[i].scope : rec->dkims[i].selector;
		const char *v = spf ? rec->spfs[i].result : rec->dkims[i].result;
		if (i > 0)
			buf_addc(b, ' ');
		buf_adds(b, d ? d : "");
		buf_addc(b, ':');
		buf_adds(b, s ? s : "");
		buf_addc(b, '=');
		buf_adds(b, v ? v : "");
	}
}

static void	ndjson_report(FILE *, const struct store_export_row *);

/* The report's columns of a CSV row, into f. */
static void
csv_report(FILE *f, const struct store_export_row *x)
{
	char	b[32], en[32];

	iso(x->begin, b, sizeof b);
	iso(x->end, en, sizeof en);
	sanitise_fprintf(f, "%lld,", (long long)x->report);
	cmd_csv(f, x->org_name);
	sanitise_fprintf(f, ",");
	cmd_csv(f, x->reporter);
	sanitise_fprintf(f, ",");
	cmd_csv(f, x->report_id);
	sanitise_fprintf(f, ",");
	cmd_csv(f, x->domain);
	sanitise_fprintf(f, ",%s,%s,%s,", b, en, x->schema ? x->schema : "");
	cmd_csv(f, x->p);
	sanitise_fprintf(f, ",");
	cmd_csv(f, x->sp);
	sanitise_fprintf(f, ",");
	cmd_csv(f, x->np);
	if (x->pct >= 0)
		sanitise_fprintf(f, ",%lld,", (long long)x->pct);
	else
		sanitise_fprintf(f, ",,");
	cmd_csv(f, x->testing);
	sanitise_fprintf(f, ",");
	cmd_csv(f, x->adkim);
	sanitise_fprintf(f, ",");
	cmd_csv(f, x->aspf);
}

/*
 * The report's columns, written into memory when its first record
 * comes, then copied into each of its rows: a report of a million
 * records formats them once. -1 when out of memory.
 */
static int
report_columns(struct run *r, const struct store_export_row *x)
{
	FILE	*f;

	if (r->pre_report == x->report)
		return 0;
	free(r->pre);
	r->pre = NULL;
	r->prelen = 0;
	r->pre_report = -1;
	f = open_memstream(&r->pre, &r->prelen);
	if (f == NULL)
		return -1;
	if (r->fmt == F_CSV)
		csv_report(f, x);
	else
		ndjson_report(f, x);
	if (fclose(f) != 0) {
		free(r->pre);
		r->pre = NULL;
		r->prelen = 0;
		return -1;
	}
	r->pre_report = x->report;
	return 0;
}

/* --- rows, formatted into the spool ------------------------------- */

/* Text of the program's own (a separator, a key), as it is. */
static inline char *
put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}
#define PUTS(p, lit)	put((p), (lit), sizeof(lit) - 1)

static inline char *
csv(char *p, const char *s, size_t n)
{
	return p + sanitise_csv_mem(p, s, n);
}

static inline char *
json(char *p, const char *s, size_t n)
{
	return p + sanitise_json_mem(p, s, n);
}

/* A number's digits, without a format parser. */
static char *
num(char *p, long long v)
{
	char			 b[24], *q = b + sizeof b;
	unsigned long long	 u = v < 0 ? 0ULL - (unsigned long long)v :
				    (unsigned long long)v;

	do
		*--q = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--q = '-';
	return put(p, q, (size_t)(b + sizeof b - q));
}

/* Room for a number with its separators. */
#define NUM_MAX	24

static inline size_t
len0(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

/* A record's strings, and their lengths (strlen: as the streams did). */
enum { S_IP, S_DISP, S_DKIM, S_SPF, S_HF, S_EF, S_ET, S_AUTH, S_PTR,
    S__COUNT };

static size_t
strings(const struct store_export_row *x, const char **v, size_t *n)
{
	const struct dr_record	*rec = x->rec;
	size_t			 i, sum = 0;

	v[S_IP] = rec->source_ip;
	v[S_DISP] = rec->disposition;
	v[S_DKIM] = rec->dkim;
	v[S_SPF] = rec->spf;
	v[S_HF] = rec->header_from;
	v[S_EF] = rec->envelope_from;
	v[S_ET] = rec->envelope_to;
	v[S_AUTH] = x->auth_domain;
	v[S_PTR] = x->ptr;
	for (i = 0; i < S__COUNT; i++)
		sum += n[i] = len0(v[i]);
	return sum;
}

/*
 * A CSV row into p, which has room for csv_max: the report's columns
 * and the record's strings sanitised, the class and sender left for
 * the writer at *split. Returns its length.
 */
static size_t
csv_max(struct run *r, size_t sum)
{
	size_t	i, res = 0;

	for (i = 0; i < 3; i++)
		res += r->res[i].len;
	/* 12 CSV fields, 2 numbers, the constants. */
	return SANITISE_CSV_MAX(sum + res) + 12 * 3 +
	    2 * NUM_MAX + 64;
}

static size_t
csv_row(struct run *r, char *out, const struct store_export_row *x,
    const char *const *v, const size_t *n, uint32_t *split)
{
	char	*p = out;

	/* After the report's columns (report_columns). */
	*p++ = ',';
	p = num(p, (long long)x->record);
	*p++ = ',';
	p = csv(p, v[S_IP], n[S_IP]);
	*p++ = ',';
	p = num(p, (long long)x->rec->count);
	*p++ = ',';
	p = csv(p, v[S_DISP], n[S_DISP]);
	*p++ = ',';
	p = csv(p, v[S_DKIM], n[S_DKIM]);
	*p++ = ',';
	p = csv(p, v[S_SPF], n[S_SPF]);
	*p++ = ',';
	p = csv(p, v[S_HF], n[S_HF]);
	*p++ = ',';
	p = csv(p, v[S_EF], n[S_EF]);
	*p++ = ',';
	p = csv(p, v[S_ET], n[S_ET]);
	*p++ = ',';
	p = csv(p, r->res[0].data ? r->res[0].data : "", r->res[0].len);
	*p++ = ',';
	p = csv(p, r->res[1].data ? r->res[1].data : "", r->res[1].len);
	*p++ = ',';
	p = csv(p, r->res[2].data ? r->res[2].data : "", r->res[2].len);
	p = x->dmarc ? PUTS(p, ",pass,") : PUTS(p, ",fail,");
	p = x->dkim_aligned ? PUTS(p, "1,") : PUTS(p, "0,");
	p = x->spf_aligned ? PUTS(p, "1,") : PUTS(p, "0,");
	/* Here the class, a comma and the sender. */
	*split = (uint32_t)(p - out);
	*p++ = ',';
	/* What names the source (v_record_identity). */
	p = csv(p, v[S_AUTH] ? v[S_AUTH] : "", n[S_AUTH]);
	p = x->auth_domain == NULL ? PUTS(p, ",,") : x->auth_facts &
	    SIG_F_IDENT_SPF ? PUTS(p, ",spf,") : PUTS(p, ",dkim,");
	p = csv(p, v[S_PTR] ? v[S_PTR] : "", n[S_PTR]);
	p = x->ptr == NULL ? PUTS(p, ",\n") : x->ptr_confirmed ?
	    PUTS(p, ",1\n") : PUTS(p, ",0\n");
	return (size_t)(p - out);
}

static void
json_fkv(FILE *f, const char *k, const char *v, int first)
{
	sanitise_fprintf(f, "%s\"%s\":", first ? "" : ",", k);
	cmd_json(f, v);
}

static void
ndjson_report(FILE *f, const struct store_export_row *x)
{
	char	b[32], en[32];

	iso(x->begin, b, sizeof b);
	iso(x->end, en, sizeof en);
	sanitise_fprintf(f, "{\"report\":%lld", (long long)x->report);
	json_fkv(f, "org_name", x->org_name, 0);
	json_fkv(f, "reporter", x->reporter, 0);
	json_fkv(f, "report_id", x->report_id, 0);
	json_fkv(f, "policy_domain", x->domain, 0);
	json_fkv(f, "begin", b, 0);
	json_fkv(f, "end", en, 0);
	json_fkv(f, "schema", x->schema, 0);
	json_fkv(f, "p", x->p, 0);
	json_fkv(f, "sp", x->sp, 0);
	json_fkv(f, "np", x->np, 0);
	if (x->pct >= 0)
		sanitise_fprintf(f, ",\"pct\":%lld", (long long)x->pct);
	else
		sanitise_fprintf(f, ",\"pct\":null");
	json_fkv(f, "testing", x->testing, 0);
	json_fkv(f, "adkim", x->adkim, 0);
	json_fkv(f, "aspf", x->aspf, 0);
}

/* Room for an NDJSON row: as csv_max, for its results one by one. */
static size_t
ndjson_max(const struct dr_record *rec, size_t sum)
{
	size_t	i, n = SANITISE_JSON_MAX(sum) + 9 * 4 +
		    2 * NUM_MAX + 512;

	for (i = 0; i < rec->ndkims; i++)
		n += SANITISE_JSON_MAX(len0(rec->dkims[i].domain) +
		    len0(rec->dkims[i].selector) +
		    len0(rec->dkims[i].result)) + 3 * 4 + 64;
	for (i = 0; i < rec->nspfs; i++)
		n += SANITISE_JSON_MAX(len0(rec->spfs[i].domain) +
		    len0(rec->spfs[i].scope) + len0(rec->spfs[i].result)) +
		    3 * 4 + 64;
	for (i = 0; i < rec->nreasons; i++)
		n += SANITISE_JSON_MAX(len0(rec->reasons[i].type) +
		    len0(rec->reasons[i].comment)) + 2 * 4 + 64;
	return n;
}

/* A JSON member: ,"key":value (the key the program's own). */
#define MEMBER(p, key, v)	json(PUTS((p), key), (v), len0(v))

static size_t
ndjson_row(char *out, const struct store_export_row *x,
    const char *const *v, const size_t *n, uint32_t *split)
{
	const struct dr_record	*rec = x->rec;
	char			*p = out;
	size_t			 i;

	/* After the report's members (report_columns). */
	p = num(PUTS(p, ",\"record\":"), (long long)x->record);
	p = json(PUTS(p, ",\"source_ip\":"), v[S_IP], n[S_IP]);
	p = num(PUTS(p, ",\"count\":"), (long long)rec->count);
	p = json(PUTS(p, ",\"disposition\":"), v[S_DISP], n[S_DISP]);
	p = json(PUTS(p, ",\"dkim\":"), v[S_DKIM], n[S_DKIM]);
	p = json(PUTS(p, ",\"spf\":"), v[S_SPF], n[S_SPF]);
	p = json(PUTS(p, ",\"header_from\":"), v[S_HF], n[S_HF]);
	p = json(PUTS(p, ",\"envelope_from\":"), v[S_EF], n[S_EF]);
	p = json(PUTS(p, ",\"envelope_to\":"), v[S_ET], n[S_ET]);
	p = PUTS(p, ",\"dkim_results\":[");
	for (i = 0; i < rec->ndkims; i++) {
		p = i ? PUTS(p, ",{") : PUTS(p, "{");
		p = MEMBER(p, "\"domain\":", rec->dkims[i].domain);
		p = MEMBER(p, ",\"selector\":", rec->dkims[i].selector);
		p = MEMBER(p, ",\"result\":", rec->dkims[i].result);
		*p++ = '}';
	}
	p = PUTS(p, "],\"spf_results\":[");
	for (i = 0; i < rec->nspfs; i++) {
		p = i ? PUTS(p, ",{") : PUTS(p, "{");
		p = MEMBER(p, "\"domain\":", rec->spfs[i].domain);
		p = MEMBER(p, ",\"scope\":", rec->spfs[i].scope);
		p = MEMBER(p, ",\"result\":", rec->spfs[i].result);
		*p++ = '}';
	}
	p = PUTS(p, "],\"reasons\":[");
	for (i = 0; i < rec->nreasons; i++) {
		p = i ? PUTS(p, ",{") : PUTS(p, "{");
		p = MEMBER(p, "\"type\":", rec->reasons[i].type);
		p = MEMBER(p, ",\"comment\":", rec->reasons[i].comment);
		*p++ = '}';
	}
	p = x->dmarc ? PUTS(p, "],\"dmarc\":\"pass\"") :
	    PUTS(p, "],\"dmarc\":\"fail\"");
	p = x->dkim_aligned ? PUTS(p, ",\"dkim_aligned\":true") :
	    PUTS(p, ",\"dkim_aligned\":false");
	p = x->spf_aligned ? PUTS(p, ",\"spf_aligned\":true") :
	    PUTS(p, ",\"spf_aligned\":false");
	/* Here ,"class":...,"sender":... */
	*split = (uint32_t)(p - out);
	p = json(PUTS(p, ",\"auth_domain\":"), v[S_AUTH], n[S_AUTH]);
	p = x->auth_domain == NULL ? PUTS(p, ",\"auth_kind\":null") :
	    x->auth_facts & SIG_F_IDENT_SPF ? PUTS(p, ",\"auth_kind\":\"spf\"") :
	    PUTS(p, ",\"auth_kind\":\"dkim\"");
	p = json(PUTS(p, ",\"ptr\":"), v[S_PTR], n[S_PTR]);
	p = x->ptr == NULL ? PUTS(p, ",\"ptr_confirmed\":null}\n") :
	    x->ptr_confirmed ? PUTS(p, ",\"ptr_confirmed\":true}\n") :
	    PUTS(p, ",\"ptr_confirmed\":false}\n");
	return (size_t)(p - out);
}

/*
 * Each record: its row into the spool, with its source's reference for
 * the writer (export-par.h). 1 to stop quietly when the writer stopped.
 */
static int
on_row(void *arg, const struct store_export_row *x)
{
	struct run		*r = arg;
	const struct dr_record	*rec = x->rec;
	const char		*v[S__COUNT];
	size_t			 n[S__COUNT], sum, max, i;
	struct xrow		 h;
	char			*p;

	memset(&h, 0, sizeof h);
	if (x->report != r->pre_report) {
		if (report_columns(r, x) == -1)
			return dr_seterr(r->err, DR_E_NOMEM, "out of memory");
		r->dom = xclass_domain(r->xc, x->domain ? x->domain : "");
		/* The report's columns, once for its rows. */
		if (r->prelen > UINT32_MAX - sizeof h)
			return dr_seterr(r->err, DR_E_NOMEM, "export: a "
			    "report of %zu bytes", r->prelen);
		if ((p = spool_reserve(r->sp, sizeof h + r->prelen)) == NULL)
			return spool_stopped(r->sp) ? 1 : dr_seterr(r->err,
			    DR_E_NOMEM, "out of memory");
		h.dom = XROW_REPORT;
		h.len = (uint32_t)r->prelen;
		memcpy(p, &h, sizeof h);
		memcpy(p + sizeof h, r->pre, r->prelen);
		spool_commit(r->sp, sizeof h + r->prelen);
	}
	h.dom = r->dom;
	if (h.dom != XROW_NONE && xclass_hash(r->xc, &r->key, x->domain ?
	    x->domain : "", rec->source_ip, rec->header_from, &h.hash) == -1)
		return dr_seterr(r->err, DR_E_NOMEM, "out of memory");
	sum = strings(x, v, n);
	if (r->fmt == F_CSV) {
		results(&r->res[0], rec, 0);
		results(&r->res[1], rec, 1);
		buf_reset(&r->res[2]);
		for (i = 0; i < rec->nreasons; i++) {
			if (i > 0)
				buf_addc(&r->res[2], ' ');
			buf_adds(&r->res[2], rec->reasons[i].type ?
			    rec->reasons[i].type : "");
		}
		max = csv_max(r, sum);
	} else
		max = ndjson_max(rec, sum);
	if (max > UINT32_MAX - sizeof h)
		return dr_seterr(r->err, DR_E_NOMEM, "export: a record of "
		    "%zu bytes", max);
	if ((p = spool_reserve(r->sp, sizeof h + max)) == NULL)
		return spool_stopped(r->sp) ? 1 : dr_seterr(r->err,
		    DR_E_NOMEM, "out of memory");
	h.len = (uint32_t)(r->fmt == F_CSV ?
	    csv_row(r, p + sizeof h, x, v, n, &h.split) :
	    ndjson_row(p + sizeof h, x, v, n, &h.split));
	memcpy(p, &h, sizeof h);
	spool_commit(r->sp, sizeof h + h.len);
	return 0;
}

/* Each domain of the records, for the classes. */
static int
on_domain(void *arg, const char *domain)
{
	struct run	 *r = arg;
	const char	**v;

	v = realloc(r->domains, (r->ndomains + 1) * sizeof *v);
	if (v == NULL)
		return dr_seterr(r->err, DR_E_NOMEM, "out of memory");
	r->domains = v;
	if ((v[r->ndomains] = strdup(domain)) == NULL)
		return dr_seterr(r->err, DR_E_NOMEM, "out of memory");
	r->ndomains++;
	return 0;
}

int
cmd_export(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, CMD_OPT_SINCE },
		{ "as-of", required_argument, NULL, CMD_OPT_AS_OF },
		{ "domain", required_argument, NULL, CMD_OPT_DOMAIN },
		{ "format", required_argument, NULL, CMD_OPT_FORMAT },
		{ "config", required_argument, NULL, CMD_OPT_CONFIG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static char	 obuf[1 << 16];
	struct run	 r;
	struct cmd_when	 wh;
	struct dr_error	 err, werr;
	struct store	*twin = NULL;
	struct xwriter	*w;
	const char	*domain = NULL, *config = NULL;
	size_t		 i;
	double		 cpu;
	int		 ch, rc, mrc, wrc;

	memset(&r, 0, sizeof r);
	r.pre_report = -1;
	memset(&wh, 0, sizeof wh);
	r.err = &err;
	while ((ch = cmd_getopt(c, "export", argc, argv, "h", opts)) != -1) {
		rc = cmd_when_option(c, "export", ch, optarg, &wh);
		if (rc == -1)
			return EXIT_USAGE;
		if (rc == 0)
			continue;
		switch (ch) {
		case CMD_OPT_DOMAIN:
			domain = cmd_domain_arg(optarg);
			break;
		case CMD_OPT_FORMAT:
			if (strcmp(optarg, "csv") == 0)
				r.fmt = F_CSV;
			else if (strcmp(optarg, "ndjson") == 0)
				r.fmt = F_NDJSON;
			else
				return cmd_usage_error(c, "export", "unknown "
				    "format '%s' (csv or ndjson)", optarg);
			break;
		case CMD_OPT_CONFIG:
			config = optarg;
			break;
		case 'h':
			export_usage(stdout);
			return EXIT_OK;
		default:
			sanitise_fprintf(stderr, "Try 'dmarcdb export "
			    "--help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error(c, "export", "unexpected argument '%s'",
		    argv[optind]);
	if (wh.since == NULL)
		wh.since_t = 0;
	if (wh.as_of == NULL)
		wh.as_of_t = (int64_t)time(NULL);
	if (wh.since_t > wh.as_of_t)
		return cmd_usage_error(c, "export", "--since is after --as-of");
	r.from_day = cmd_day(wh.since_t);
	r.to_day = cmd_day(wh.as_of_t) - 1;
	if ((rc = cmd_report_open(c, config, &r.s, (struct conf **)&r.conf))
	    != EXIT_OK)
		goto out;
	memset(&err, 0, sizeof err);
	if (catalogue_load(NULL, r.conf, &r.cat, &err) == -1) {
		log_warnx("%s: services are not named", err.msg);
		r.cat = NULL;
	}
	/*
	 * The classes are worked out on a second connection that sees the
	 * same data, beside the reading (export-par.h); without one, in
	 * this thread first.
	 */
	if (store_twin(r.s, &twin, &err) == -1) {
		log_verbose("export: %s: the classes come first", err.msg);
		twin = NULL;
	}
	memset(&err, 0, sizeof err);
	if (store_export_domains(r.s, domain, wh.since_t, wh.as_of_t,
	    on_domain, &r, &err) == -1) {
		log_warnx("%s", err.msg);
		rc = cmd_exit_for(&err);
		goto close;
	}
	r.xc = xclass_new(r.domains, r.ndomains, r.from_day, r.to_day,
	    r.fmt == F_NDJSON);
	r.sp = spool_new(SPOOL_BLOCK, SPOOL_MEM, SPOOL_FILE);
	if (r.xc == NULL || r.sp == NULL) {
		log_warnx("out of memory");
		rc = EXIT_INTERNAL;
		goto close;
	}
	if (twin == NULL || xclass_start(r.xc, twin, r.conf, r.cat) == -1) {
		/* A failure stops the writer at that domain's first row. */
		memset(&err, 0, sizeof err);
		(void)xclass_run(r.xc, r.s, r.conf, r.cat, &err);
	}
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	if (r.fmt == F_CSV) {
		for (i = 0; i < NCOLUMNS; i++)
			sanitise_printf("%s%s", i ? "," : "", columns[i]);
		sanitise_printf("\n");
	}
	if ((w = xwriter_start(r.xc, r.sp)) == NULL) {
		xclass_join(r.xc);
		log_warnx("export: cannot start a thread");
		rc = EXIT_INTERNAL;
		goto close;
	}
	memset(&err, 0, sizeof err);
	cpu = xthread_cpu();
	mrc = store_export(r.s, domain, wh.since_t, wh.as_of_t, on_row, &r,
	    &err);
	spool_close(r.sp);
	log_debug("export: reading and formatting: %.2f s of CPU",
	    xthread_cpu() - cpu);
	memset(&werr, 0, sizeof werr);
	wrc = xwriter_join(w, &r.rows, &werr);
	xclass_join(r.xc);
	/* The writer's failure came first, in the order of the rows. */
	if (wrc == -1) {
		log_warnx("%s", werr.msg);
		rc = cmd_exit_for(&werr);
	} else if (mrc == -1) {
		log_warnx("%s", err.msg);
		rc = cmd_exit_for(&err);
	}
	if (log_level() >= LOG_VERBOSE) {
		uint64_t	 spilled;
		size_t		 peak;

		spool_stats(r.sp, &spilled, &peak);
		log_verbose("export: rows spooled: at most %zu MiB in memory, "
		    "%llu MiB in a file", peak >> 20,
		    (unsigned long long)(spilled >> 20));
	}
	if (fflush(stdout) == EOF && rc == EXIT_OK &&
	    cmd_output_failed("writing the export"))
		rc = EXIT_REJECTED;
	log_verbose("%llu records exported", (unsigned long long)r.rows);
	if (rc == EXIT_OK)
		cmd_newest_note(r.s, &domain, domain != NULL, wh.as_of,
		    wh.as_of_t, r.rows == 0, NULL);
close:
	store_close(twin);
	store_close(r.s);
	conf_free((struct conf *)r.conf);
out:
	xclass_free(r.xc);
	spool_free(r.sp);
	for (i = 0; i < r.ndomains; i++)
		free((char *)r.domains[i]);
	free(r.domains);
	catalogue_free(r.cat);
	buf_free(&r.key);
	for (i = 0; i < 3; i++)
		buf_free(&r.res[i]);
	free(r.pre);
	return rc;
}
