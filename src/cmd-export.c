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
#include "classify.h"
#include "cmd.h"
#include "fmt.h"
#include "group.h"
#include "hmap.h"
#include "log.h"
#include "sanitise.h"

enum format { F_CSV, F_NDJSON };

/*
 * The class of each source of the period: a table of keyed hashes of
 * (domain, IP, header_from), each slot the hash with its low bits
 * replaced by the class + 1 (0: empty). A hash whose key changes with
 * every run cannot be steered to collide; 61 bits leave a chance of
 * about one in a billion that one source among 4 million takes
 * another's class. At most CLASSES_MAX sources are kept (80 MiB, with
 * their senders);
 * records of the others have no class, and a warning says so.
 */
#define CLASSES_MAX	(1u << 22)
/*
 * Each slot's sender too (sources --by sender), by number: at most
 * SENDERS_MAX names over all domains; the sources of any other have
 * none, and a warning says so.
 */
#define SENDERS_MAX	65535

/*
 * A slot: the hash (class in its low bits) and the sender, together so
 * that a lookup reads one place.
 */
struct slot {
	uint64_t	 h;
	uint16_t	 sender;	/* 0 none, else its name's number */
} __attribute__((packed));

struct classes {
	struct slot	*slots;
	size_t		 nslots;	/* a power of two */
	size_t		 n;
	uint64_t	 key[2];
	int		 full;		/* sources were left out */
	struct hmap	*names;		/* sender name -> its number */
	char		**name;		/* number - 1 -> name */
	int		 names_full;
};

struct run {
	struct store		*s;
	const struct conf	*conf;
	enum format		 fmt;
	int64_t			 from_day, to_day;
	/* The domains classified, and their sources' classes. */
	struct hmap		*domains;
	struct classes		 classes;
	struct catalogue	*cat;		/* names services */
	const char		*domain;	/* being classified */
	struct buf		 key;
	/* The report's columns, written once for all its records. */
	int64_t			 pre_report;	/* -1: none yet */
	char			*pre;
	size_t			 prelen;
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

/*
 * The hash of a source: domain NUL ip NUL header_from, assembled on the
 * stack (in r->key when longer). Twice per source of a million.
 */
static int
class_hash(struct run *r, const char *domain, const char *ip, const char *hf,
    uint64_t *h)
{
	char	 stack[512], *p = stack;
	size_t	 nd, ni, nh;

	ip = ip ? ip : "";
	hf = hf ? hf : "";
	nd = strlen(domain);
	ni = strlen(ip);
	nh = strlen(hf);
	if (nd + ni + nh + 2 > sizeof stack) {
		buf_reset(&r->key);
		if (buf_reserve(&r->key, nd + ni + nh + 2) == -1)
			return -1;
		p = r->key.data;
	}
	memcpy(p, domain, nd + 1);
	memcpy(p + nd + 1, ip, ni + 1);
	memcpy(p + nd + ni + 2, hf, nh);
	*h = hmap_siphash(r->classes.key, p, nd + ni + nh + 2) & ~7ULL;
	return 0;
}

/* Double the table (kept at most half full). */
static int
classes_grow(struct classes *t)
{
	struct slot	*slots;
	size_t		 n = t->nslots ? t->nslots * 2 : 1024, i, j;

	slots = calloc(n, sizeof *slots);
	if (slots == NULL)
		return -1;
	for (i = 0; i < t->nslots; i++) {
		if (t->slots[i].h == 0)
			continue;
		for (j = (t->slots[i].h >> 3) & (n - 1); slots[j].h != 0;
		    j = (j + 1) & (n - 1))
			;
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = n;
	return 0;
}

/* The number of a sender's name, 0 past SENDERS_MAX; -1: memory. */
static long
sender_number(struct classes *t, const struct source *src)
{
	uint16_t	*v;
	char		 key[GROUP_KEY_MAX], name[300], **nv;
	size_t		 n, len;
	int		 added;

	/* Keyed by kind and name: the label is written once. */
	len = group_key(src->gkind, src->gname, key);
	if ((v = hmap_find(t->names, key, len)) != NULL)
		return *v;
	n = hmap_count(t->names);
	if (n >= SENDERS_MAX) {
		t->names_full = 1;
		return 0;
	}
	nv = realloc(t->name, (n + 1) * sizeof *nv);
	if (nv == NULL)
		return -1;
	t->name = nv;
	group_label(src->gkind, src->gname, 0, name, sizeof name);
	if ((nv[n] = strdup(name)) == NULL)
		return -1;
	if ((v = hmap_get(t->names, key, len, &added)) == NULL) {
		free(nv[n]);
		return -1;
	}
	*v = (uint16_t)(n + 1);
	return *v;
}

/* Each source of a domain, as the classification ends it. */
static int
on_source(void *arg, const struct source *src)
{
	struct run	*r = arg;
	struct classes	*t = &r->classes;
	uint64_t	 h;
	size_t		 i;
	long		 id;

	if (t->n >= CLASSES_MAX) {
		t->full = 1;
		return 0;
	}
	if ((t->n + 1) * 2 > t->nslots && classes_grow(t) == -1)
		goto nomem;
	if (class_hash(r, r->domain, src->ip, src->header_from, &h) == -1)
		goto nomem;
	for (i = (h >> 3) & (t->nslots - 1); t->slots[i].h != 0;
	    i = (i + 1) & (t->nslots - 1))
		if ((t->slots[i].h & ~7ULL) == h)
			return 0;
	if ((id = sender_number(t, src)) == -1)
		goto nomem;
	t->slots[i].h = h | ((uint64_t)src->class + 1);
	t->slots[i].sender = (uint16_t)id;
	t->n++;
	return 0;
nomem:
	return dr_seterr(r->err, DR_E_NOMEM, "out of memory");
}

/*
 * The class of a record's source, and its sender's name (*sender, ""
 * if not known), classifying its domain when first met. Records come
 * in id order, domains interleaved: every domain's classes are kept to
 * the end.
 */
static const char *
source_class(struct run *r, const char *domain, const char *ip,
    const char *hf, const char **sender)
{
	struct classes		*t = &r->classes;
	/* Each source's group (on_source), no group listed. */
	struct classify_opts	 o = { 0, -1,
	    CLASSIFY_CLASSES_ONLY | CLASSIFY_BY_SENDER, on_source, r, r->cat,
	    NULL };
	struct window		*w;
	uint64_t		 h;
	size_t			 i;
	int			 added;

	if (hmap_get(r->domains, domain, strlen(domain), &added) == NULL)
		goto nomem;
	if (added) {
		r->domain = domain;
		if (classify_window(r->s, r->conf, domain, r->from_day,
		    r->to_day, &o, &w, r->err) == -1)
			return NULL;
		window_free(w);
		if (t->full == 1) {
			log_warnx("export: more than %u sources in the "
			    "period: the records of the others have no "
			    "class", CLASSES_MAX);
			t->full = 2;
		}
		if (t->names_full == 1) {
			log_warnx("export: more than %u senders in the "
			    "period: the records of the others have no "
			    "sender", SENDERS_MAX);
			t->names_full = 2;
		}
	}
	*sender = "";
	if (t->nslots == 0)
		return "";
	if (class_hash(r, domain, ip, hf, &h) == -1)
		goto nomem;
	for (i = (h >> 3) & (t->nslots - 1); t->slots[i].h != 0;
	    i = (i + 1) & (t->nslots - 1))
		if ((t->slots[i].h & ~7ULL) == h) {
			if (t->slots[i].sender > 0)
				*sender = t->name[t->slots[i].sender - 1];
			return class_name((enum source_class)
			    ((t->slots[i].h & 7) - 1));
		}
	return "";
nomem:
	dr_seterr(r->err, DR_E_NOMEM, "out of memory");
	return NULL;
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

/* A separator or other constant text of a row. */
static void
put_const(const char *s)
{
	fputs(s, stdout);	/* raw: constant text, no report's bytes */
}

/* ",n," of a row: digits, written without a format parser. */
static void
put_num(long long v)
{
	char			 b[32], *p = b + sizeof b;
	unsigned long long	 u = v < 0 ? 0ULL - (unsigned long long)v :
				    (unsigned long long)v;

	*--p = ',';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	*--p = ',';
	/* raw: digits */
	fwrite(p, 1, (size_t)(b + sizeof b - p), stdout);
}

/*
 * A CSV row. The report's columns and the record's strings go through
 * the sanitiser; separators and numbers, for a million rows, do not
 * need its format parser.
 */
static void
csv_row(struct run *r, const struct store_export_row *x, const char *cls,
    const char *sender)
{
	const struct dr_record	*rec = x->rec;
	size_t			 i;

	/* raw: the report's columns, sanitised by report_columns. */
	fwrite(r->pre, 1, r->prelen, stdout);
	put_num((long long)x->record);
	cmd_csv(stdout, rec->source_ip);
	put_num((long long)rec->count);
	cmd_csv(stdout, rec->disposition);
	put_const(",");
	cmd_csv(stdout, rec->dkim);
	put_const(",");
	cmd_csv(stdout, rec->spf);
	put_const(",");
	cmd_csv(stdout, rec->header_from);
	put_const(",");
	cmd_csv(stdout, rec->envelope_from);
	put_const(",");
	cmd_csv(stdout, rec->envelope_to);
	put_const(",");
	results(&r->key, rec, 0);
	cmd_csv(stdout, r->key.data ? r->key.data : "");
	put_const(",");
	results(&r->key, rec, 1);
	cmd_csv(stdout, r->key.data ? r->key.data : "");
	put_const(",");
	buf_reset(&r->key);
	for (i = 0; i < rec->nreasons; i++) {
		if (i > 0)
			buf_addc(&r->key, ' ');
		buf_adds(&r->key, rec->reasons[i].type ?
		    rec->reasons[i].type : "");
	}
	cmd_csv(stdout, r->key.data ? r->key.data : "");
	put_const(x->dmarc ? ",pass," : ",fail,");
	put_const(x->dkim_aligned ? "1," : "0,");
	put_const(x->spf_aligned ? "1," : "0,");
	/* A class name, or "" for a source beyond the table. */
	sanitise_printf("%s,", cls);
	cmd_csv(stdout, sender);
	put_const(",");
	/* What names the source (v_record_identity). */
	cmd_csv(stdout, x->auth_domain ? x->auth_domain : "");
	put_const(x->auth_domain == NULL ? ",," : x->auth_facts &
	    SIG_F_IDENT_SPF ? ",spf," : ",dkim,");
	cmd_csv(stdout, x->ptr ? x->ptr : "");
	put_const(x->ptr == NULL ? ",\n" : x->ptr_confirmed ? ",1\n" :
	    ",0\n");
}

static void
json_fkv(FILE *f, const char *k, const char *v, int first)
{
	sanitise_fprintf(f, "%s\"%s\":", first ? "" : ",", k);
	cmd_json(f, v);
}

static void
json_kv(const char *k, const char *v, int first)
{
	json_fkv(stdout, k, v, first);
}

/* The report's members of an NDJSON row, into f. */
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

static void
ndjson_row(struct run *r, const struct store_export_row *x, const char *cls,
    const char *sender)
{
	const struct dr_record	*rec = x->rec;
	size_t			 i;

	/* raw: the report's columns, sanitised by report_columns. */
	fwrite(r->pre, 1, r->prelen, stdout);
	sanitise_printf(",\"record\":%lld", (long long)x->record);
	json_kv("source_ip", rec->source_ip, 0);
	sanitise_printf(",\"count\":%lld", (long long)rec->count);
	json_kv("disposition", rec->disposition, 0);
	json_kv("dkim", rec->dkim, 0);
	json_kv("spf", rec->spf, 0);
	json_kv("header_from", rec->header_from, 0);
	json_kv("envelope_from", rec->envelope_from, 0);
	json_kv("envelope_to", rec->envelope_to, 0);
	sanitise_printf(",\"dkim_results\":[");
	for (i = 0; i < rec->ndkims; i++) {
		sanitise_printf("%s{", i ? "," : "");
		json_kv("domain", rec->dkims[i].domain, 1);
		json_kv("selector", rec->dkims[i].selector, 0);
		json_kv("result", rec->dkims[i].result, 0);
		sanitise_printf("}");
	}
	sanitise_printf("],\"spf_results\":[");
	for (i = 0; i < rec->nspfs; i++) {
		sanitise_printf("%s{", i ? "," : "");
		json_kv("domain", rec->spfs[i].domain, 1);
		json_kv("scope", rec->spfs[i].scope, 0);
		json_kv("result", rec->spfs[i].result, 0);
		sanitise_printf("}");
	}
	sanitise_printf("],\"reasons\":[");
	for (i = 0; i < rec->nreasons; i++) {
		sanitise_printf("%s{", i ? "," : "");
		json_kv("type", rec->reasons[i].type, 1);
		json_kv("comment", rec->reasons[i].comment, 0);
		sanitise_printf("}");
	}
	sanitise_printf("],\"dmarc\":\"%s\",\"dkim_aligned\":%s,"
	    "\"spf_aligned\":%s", x->dmarc ? "pass" : "fail",
	    x->dkim_aligned ? "true" : "false",
	    x->spf_aligned ? "true" : "false");
	json_kv("class", cls, 0);
	json_kv("sender", *sender ? sender : NULL, 0);
	json_kv("auth_domain", x->auth_domain, 0);
	sanitise_printf(",\"auth_kind\":%s", x->auth_domain == NULL ? "null" :
	    x->auth_facts & SIG_F_IDENT_SPF ? "\"spf\"" : "\"dkim\"");
	json_kv("ptr", x->ptr, 0);
	sanitise_printf(",\"ptr_confirmed\":%s}\n", x->ptr == NULL ? "null" :
	    x->ptr_confirmed ? "true" : "false");
}

static int
on_row(void *arg, const struct store_export_row *x)
{
	struct run		*r = arg;
	const char		*cls, *sender;

	cls = source_class(r, x->domain ? x->domain : "", x->rec->source_ip,
	    x->rec->header_from, &sender);
	if (cls == NULL)
		return -1;
	if (report_columns(r, x) == -1)
		return dr_seterr(r->err, DR_E_NOMEM, "out of memory");
	if (r->fmt == F_CSV)
		csv_row(r, x, cls, sender);
	else
		ndjson_row(r, x, cls, sender);
	r->rows++;
	/* The reader went away (| head): stop, quietly (main.c). */
	if (ferror(stdout))
		return cmd_output_closed() ? 1 : dr_seterr(r->err, DR_E_IO,
		    "writing the export: output error");
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
	struct dr_error	 err;
	const char	*domain = NULL, *config = NULL;
	size_t		 i;
	int		 ch, rc;

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
	r.domains = hmap_new(sizeof(unsigned));
	r.classes.names = hmap_new(sizeof(uint16_t));
	if (r.domains == NULL || r.classes.names == NULL) {
		log_warnx("out of memory");
		rc = EXIT_INTERNAL;
		goto out;
	}
	if (hmap_random_key(r.classes.key) == -1) {
		log_warn("export: reading random bytes");
		rc = EXIT_INTERNAL;
		goto out;
	}
	if ((rc = cmd_report_open(c, config, &r.s, (struct conf **)&r.conf))
	    != EXIT_OK)
		goto out;
	memset(&err, 0, sizeof err);
	if (catalogue_load(NULL, r.conf, &r.cat, &err) == -1) {
		log_warnx("%s: services are not named", err.msg);
		r.cat = NULL;
	}
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	if (r.fmt == F_CSV) {
		for (i = 0; i < NCOLUMNS; i++)
			sanitise_printf("%s%s", i ? "," : "", columns[i]);
		sanitise_printf("\n");
	}
	if (store_export(r.s, domain, wh.since_t, wh.as_of_t, on_row, &r,
	    &err) == -1) {
		log_warnx("%s", err.msg);
		rc = cmd_exit_for(&err);
	}
	if (fflush(stdout) == EOF && rc == EXIT_OK &&
	    cmd_output_failed("writing the export"))
		rc = EXIT_REJECTED;
	log_verbose("%llu records exported", (unsigned long long)r.rows);
	if (rc == EXIT_OK)
		cmd_newest_note(r.s, &domain, domain != NULL, wh.as_of,
		    wh.as_of_t, r.rows == 0, NULL);
	store_close(r.s);
	conf_free((struct conf *)r.conf);
out:
	hmap_free(r.domains);
	free(r.classes.slots);
	for (i = 0; r.classes.names != NULL &&
	    i < hmap_count(r.classes.names); i++)
		free(r.classes.name[i]);
	free(r.classes.name);
	hmap_free(r.classes.names);
	catalogue_free(r.cat);
	buf_free(&r.key);
	free(r.pre);
	return rc;
}
