/*
 * cmd-sources.c: dmarcdb sources [--domain D]... [--days N | --since DATE]
 *     [--as-of DATE] [--class C] [--limit N] [--by sender|as|ip]
 *     [--format table|csv|json] [--no-dns]
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "cmd.h"
#include "fmt.h"
#include "group.h"
#include "ident.h"
#include "log.h"
#include "sanitise.h"
#include "suggest.h"


enum { OPT_LIMIT = CMD_OPT__NEXT, OPT_BY, OPT_SUGGEST };

struct run {
	struct cmd_ctx		*c;
	struct store		*s;
	const struct conf	*conf;
	int64_t			 from, to;	/* when --days or --since */
	struct cmd_when		 wh;
	int			 by_window;	/* from/to set by options */
	enum cmd_format		 fmt;
	int			 have_class;
	enum source_class	 class;
	size_t			 limit;		/* sources or groups listed */
	int			 by_ip;		/* a row per source */
	int			 by_as;		/* a row per network */
	int			 suggest;	/* --suggest-config */
	unsigned		 ndomains;	/* printed so far */
	uint64_t		 messages;	/* theirs, in their windows */
	struct ident		 id;
	struct source_ident	*ids;		/* of the listed sources, or
						   of the groups' largest */
	int64_t			 now;
	int			 rc;
	/* What it decided, for the views (store_classes_save). */
	struct store_class_window *wins;
	size_t			 nwins;
	struct store_class_row	*rows;
	size_t			 nrows, caprows;
	struct arena		 mem;
	struct dr_error		*err;		/* of the classification */
};

/*
 * Sources saved for the views in a run, at most (held in memory until
 * the end, some 100 bytes each): a domain past it is forgotten there,
 * its records shown without a class (dmarcdb(1), STORAGE).
 */
#define SAVE_MAX	100000

static void
sources_usage(FILE *f)
{
	sanitise_fprintf(f,
	    "usage: dmarcdb [--db FILE] [--config FILE] sources [--domain D]...\n"
	    "           [--days N | --since DATE] [--as-of DATE] [--class C]\n"
	    "           [--limit N] [--by sender|as|ip] [--format table|csv|json]\n"
	    "           [--no-dns] [--suggest-config]\n"
	    "\n"
	    "Who sends mail as each policy domain: one row per sender (a\n"
	    "configured sender, else the service of the catalogue or the\n"
	    "domain its mail authenticates as; mail that never\n"
	    "authenticates, spoofing mostly, on one row), with\n"
	    "its sources (IP address and header_from domain), messages and\n"
	    "class: compliant, misconfigured, forwarded or unknown, and the\n"
	    "reason of its largest source; totals per class. --by as gives a\n"
	    "row per network owner; --by ip a row per source, with its\n"
	    "reverse DNS name and network, the largest (--limit) and every\n"
	    "authorised source that fails DMARC. The totals count all.\n"
	    "\n"
	    "Options:\n"
	    "  --domain D      only policy domain D (repeatable; default: the\n"
	    "                  configured domains, else the 20 largest)\n"
	    "  --days N        the N days before --as-of (default: the window\n"
	    "                  threshold of the configuration, 30)\n"
	    "  --since DATE    from DATE (YYYY-MM-DD) to the day before --as-of\n"
	    "  --as-of DATE    report as if run on DATE (default: today, UTC)\n"
	    "  --class C       only sources of class C\n"
	    "  --limit N       list the N largest senders or sources (default\n"
	    "                  %d, at most %d); a line counts the others\n"
	    "  --by B          sender (default): a row per sender; as: per\n"
	    "                  network owner; ip: per source\n"
	    "  --no-dns        look up no reverse DNS name (cached ones are\n"
	    "                  shown)\n"
	    "  --format F      table (default), csv or json\n"
	    "  --suggest-config  print configuration to start from instead:\n"
	    "                  a sender block for each sender that passes\n"
	    "                  DMARC and is not configured\n"
	    "  --config FILE   the configuration (default: $DMARCDB_CONFIG,\n"
	    "                  else /etc/dmarcdb.conf if it exists)\n"
	    "  -h, --help      this help\n", CLASSIFY_LIMIT, CLASSIFY_LIMIT_MAX);
}

/*
 * The sources of the class asked for (or of all) that are not listed:
 * how many, and their messages.
 */
static void
unlisted(const struct run *r, const struct window *w, size_t *n,
    uint64_t *messages)
{
	size_t	i;

	if (!r->have_class) {
		*n = w->nsources - w->nlisted;
		*messages = w->unlisted_messages;
		return;
	}
	*n = w->class_sources[r->class];
	*messages = w->class_messages[r->class];
	for (i = 0; i < w->nlisted; i++)
		if (w->listed[i].class == r->class) {
			(*n)--;
			*messages -= w->listed[i].messages;
		}
}

static const char *const headers[] = {
	"IP", "PTR", "NETWORK", "FROM", "CLASS", "MESSAGES", "PASS", "FAIL", "SPF",
	"DKIM", "NONE", "QUAR", "REJ", "FIRST", "LAST", "REPS", "SENDER",
	"REASON",
};
#define NCOLS	(sizeof headers / sizeof headers[0])

static void	class_totals(const struct window *);

/* The lines above either table. */
static void
print_head(const struct run *r, const struct window *w)
{
	char	from[16], to[16], num[32], pct[16];

	fmt_day(w->from_day, from, sizeof from);
	fmt_day(w->to_day, to, sizeof to);
	if (r->ndomains > 0)
		sanitise_printf("\n");
	sanitise_printf("%s: %s to %s, ", w->domain, from, to);
	fmt_count(w->messages, num, sizeof num);
	fmt_pct(w->pass, w->messages, pct, sizeof pct);
	sanitise_printf("%s messages, %s pass DMARC, %u reporter%s\n", num,
	    pct, w->reporters, w->reporters == 1 ? "" : "s");
	if (!w->configured)
		sanitise_printf("classification unconfigured: no authorised "
		    "senders for %s %s; every source that passes DMARC "
		    "counts as authorised\n", w->domain, r->conf->path ?
		    "in the configuration" : "(no configuration file)");
}

static int
print_table(struct run *r, const struct window *w)
{
	struct table	*t;
	char		 num[11][32], d1[16], d2[16], d3[16], net[32], who[300];
	char		 ptr[RDNS_NAME_MAX + 1];
	const char	*cells[NCOLS];
	uint64_t	 m;
	size_t		 i, k, n;

	t = table_new(NCOLS, headers, "lllllrrrrrrrrllrll");
	if (t == NULL)
		return -1;
	for (i = 0; i < w->nlisted; i++) {
		const struct source *s = &w->listed[i];
		uint64_t v[11] = { s->messages, s->pass, s->fail,
		    s->spf_aligned, s->dkim_aligned, s->none, s->quarantine,
		    s->reject };
		if (r->have_class && s->class != r->class)
			continue;
		for (k = 0; k < 8; k++)
			fmt_count(v[k], num[k], sizeof num[k]);
		fmt_day(s->first_seen, d1, sizeof d1);
		fmt_day(s->last_day, d2, sizeof d2);
		snprintf(d3, sizeof d3, "%u", s->reporters);
		ident_network(&r->ids[i].geo, net, sizeof net);
		ident_name(s, &r->ids[i], who, sizeof who);
		ident_ptr(&r->ids[i], ptr, sizeof ptr);
		cells[0] = *s->ip ? s->ip : "-";
		cells[1] = ptr;
		cells[2] = net;
		cells[3] = *s->header_from ? s->header_from : "-";
		cells[4] = class_name(s->class);
		for (k = 0; k < 8; k++)
			cells[5 + k] = num[k];
		cells[13] = d1;
		cells[14] = d2;
		cells[15] = d3;
		cells[16] = *who ? who : "-";
		cells[17] = s->reason;
		if (table_add(t, cells) == -1) {
			table_free(t);
			return -1;
		}
	}
	table_print(t, stdout);
	table_free(t);
	unlisted(r, w, &n, &m);
	if (n > 0) {
		fmt_count(n, num[0], sizeof num[0]);
		fmt_count(m, num[1], sizeof num[1]);
		sanitise_printf("%s other source%s (%s messages) not listed: "
		    "--limit lists more\n", num[0], n == 1 ? "" : "s", num[1]);
	}
	class_totals(w);
	return 0;
}

/* The identity columns of a CSV row, after the reason. */
static void
csv_ident(const struct source_ident *id)
{
	const struct svc	*v = id->svc.svc;

	sanitise_printf(",");
	cmd_csv(stdout, id->ptr_status == RDNS_NAME ? id->ptr : "");
	sanitise_printf(",%s,%s,", rdns_status_name(id->ptr_status),
	    id->ptr_status == RDNS_NAME ? (id->ptr_confirmed ? "1" : "0") :
	    "");
	if (id->geo.asn > 0)
		sanitise_printf("%u", (unsigned)id->geo.asn);
	sanitise_printf(",");
	cmd_csv(stdout, id->geo.as_name);
	sanitise_printf(",");
	cmd_csv(stdout, id->geo.country);
	sanitise_printf(",");
	cmd_csv(stdout, v ? v->name : "");
	sanitise_printf(",%s,%s,", v ? svc_kind_name(v->kind) : "",
	    ident_how_name(id->svc.how));
	cmd_csv(stdout, v ? id->svc.by : "");
}

/* The identity members of a JSON source, after the reason. */
static void
json_ident(const struct source_ident *id)
{
	const struct svc	*v = id->svc.svc;

	sanitise_printf(",\"ptr\":{\"status\":\"%s\",\"name\":",
	    rdns_status_name(id->ptr_status));
	cmd_json(stdout, id->ptr_status == RDNS_NAME ? id->ptr : NULL);
	sanitise_printf(",\"confirmed\":%s}", id->ptr_status == RDNS_NAME &&
	    id->ptr_confirmed ? "true" : "false");
	sanitise_printf(",\"network\":");
	if (id->geo.asn == 0 && *id->geo.country == '\0')
		sanitise_printf("null");
	else {
		if (id->geo.asn > 0)
			sanitise_printf("{\"asn\":%u", (unsigned)id->geo.asn);
		else
			sanitise_printf("{\"asn\":null");
		sanitise_printf(",\"as_name\":");
		cmd_json(stdout, *id->geo.as_name ? id->geo.as_name : NULL);
		sanitise_printf(",\"country\":");
		cmd_json(stdout, *id->geo.country ? id->geo.country : NULL);
		sanitise_printf("}");
	}
	sanitise_printf(",\"service\":");
	if (v == NULL)
		sanitise_printf("null");
	else {
		sanitise_printf("{\"name\":");
		cmd_json(stdout, v->name);
		sanitise_printf(",\"kind\":\"%s\",\"how\":\"%s\","
		    "\"evidence\":", svc_kind_name(v->kind),
		    ident_how_name(id->svc.how));
		cmd_json(stdout, id->svc.by);
		sanitise_printf("}");
	}
}

static void
print_csv(struct run *r, const struct window *w)
{
	char	d[3][16], n1[32], n2[32];
	uint64_t m;
	size_t	i, n;

	for (i = 0; i < w->nlisted; i++) {
		const struct source *s = &w->listed[i];
		if (r->have_class && s->class != r->class)
			continue;
		fmt_day(s->first_seen, d[0], sizeof d[0]);
		fmt_day(s->first_day, d[1], sizeof d[1]);
		fmt_day(s->last_day, d[2], sizeof d[2]);
		cmd_csv(stdout, w->domain);
		sanitise_printf(",");
		cmd_csv(stdout, s->ip);
		sanitise_printf(",");
		cmd_csv(stdout, s->header_from);
		sanitise_printf(",%s,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,"
		    "%llu,%s,%s,%s,%u,", class_name(s->class),
		    (unsigned long long)s->messages,
		    (unsigned long long)s->pass, (unsigned long long)s->fail,
		    (unsigned long long)s->spf_aligned,
		    (unsigned long long)s->dkim_aligned,
		    (unsigned long long)s->none,
		    (unsigned long long)s->quarantine,
		    (unsigned long long)s->reject,
		    (unsigned long long)s->other, d[0], d[1], d[2],
		    s->reporters);
		cmd_csv(stdout, source_sender(s));
		sanitise_printf(",");
		cmd_csv(stdout, s->reason);
		csv_ident(&r->ids[i]);
		sanitise_printf("\n");
	}
	unlisted(r, w, &n, &m);
	if (n > 0) {
		fmt_count(n, n1, sizeof n1);
		fmt_count(m, n2, sizeof n2);
		log_info("%s: %s other source%s (%s messages) not listed: "
		    "--limit lists more", w->domain, n1, n == 1 ? "" : "s",
		    n2);
	}
}

/* The end of a domain's JSON object: what is not listed, the totals. */
static void
json_end(const struct window *w, const char *what, size_t n, uint64_t m)
{
	int	k;

	sanitise_printf("],\n\"unlisted\":{\"%s\":%zu,\"messages\":%llu},"
	    "\"totals\":{", what, n, (unsigned long long)m);
	for (k = 0; k < CLASS__COUNT; k++)
		sanitise_printf("%s\"%s\":{\"sources\":%u,\"messages\":%llu}",
		    k ? "," : "", class_name((enum source_class)k),
		    w->class_sources[k],
		    (unsigned long long)w->class_messages[k]);
	sanitise_printf("}}");
}

static void
print_json(struct run *r, const struct window *w)
{
	char	d[3][16];
	uint64_t m;
	size_t	i, n = 0, u;

	fmt_day(w->from_day, d[0], sizeof d[0]);
	fmt_day(w->to_day, d[1], sizeof d[1]);
	if (r->ndomains > 0)
		sanitise_printf(",\n");
	sanitise_printf("{\"domain\":");
	cmd_json(stdout, w->domain);
	sanitise_printf(",\"from\":\"%s\",\"to\":\"%s\",\"configured\":%s,"
	    "\"messages\":%llu,\"pass\":%llu,\"reporters\":%u,\"sources\":[",
	    d[0], d[1], w->configured ? "true" : "false",
	    (unsigned long long)w->messages, (unsigned long long)w->pass,
	    w->reporters);
	for (i = 0; i < w->nlisted; i++) {
		const struct source *s = &w->listed[i];
		if (r->have_class && s->class != r->class)
			continue;
		fmt_day(s->first_seen, d[0], sizeof d[0]);
		fmt_day(s->first_day, d[1], sizeof d[1]);
		fmt_day(s->last_day, d[2], sizeof d[2]);
		sanitise_printf("%s\n{\"ip\":", n++ ? "," : "");
		cmd_json(stdout, s->ip);
		sanitise_printf(",\"header_from\":");
		cmd_json(stdout, s->header_from);
		sanitise_printf(",\"class\":\"%s\",\"messages\":%llu,"
		    "\"pass\":%llu,\"fail\":%llu,\"spf_aligned\":%llu,"
		    "\"dkim_aligned\":%llu,"
		    "\"disposition\":{\"none\":%llu,\"quarantine\":%llu,"
		    "\"reject\":%llu,\"other\":%llu},\"first_seen\":\"%s\","
		    "\"first_day\":\"%s\",\"last_day\":\"%s\","
		    "\"reporters\":%u,\"sender\":", class_name(s->class),
		    (unsigned long long)s->messages,
		    (unsigned long long)s->pass, (unsigned long long)s->fail,
		    (unsigned long long)s->spf_aligned,
		    (unsigned long long)s->dkim_aligned,
		    (unsigned long long)s->none,
		    (unsigned long long)s->quarantine,
		    (unsigned long long)s->reject,
		    (unsigned long long)s->other, d[0], d[1], d[2],
		    s->reporters);
		cmd_json(stdout, s->sender ? s->sender->name : NULL);
		sanitise_printf(",\"reason\":");
		cmd_json(stdout, s->reason);
		json_ident(&r->ids[i]);
		sanitise_printf("}");
	}
	unlisted(r, w, &u, &m);
	json_end(w, "sources", u, m);
}

/* A group's name as shown. */
static void
label(const struct source_group *g, char *out, size_t len)
{
	group_label(g->kind, g->name, g->folded, out, len);
}

/* Whether --class shows the group: some of its mail is of it. */
static int
group_shown(const struct run *r, const struct source_group *g)
{
	return !r->have_class || g->class_messages[r->class] > 0;
}

static const char *const gheaders[] = {
	"SENDER", "BY", "SOURCES", "MESSAGES", "PASS", "FAIL", "CLASS",
	"FIRST", "LAST", "EVIDENCE", "LARGEST", "REASON",
};

/*
 * What names a group: its largest source's identity; for the sources
 * without authentication, their networks and countries.
 */
static void
group_evidence(const struct source_group *g, char *out, size_t len)
{
	if (g->kind == GROUP_NONE && g->counted > 0)
		snprintf(out, len, "%u network%s, %u countr%s%s", g->networks,
		    g->networks == 1 ? "" : "s", g->countries,
		    g->countries == 1 ? "y" : "ies", g->counted < g->sources ?
		    " (of the first 10,000 sources)" : "");
	else
		snprintf(out, len, "%s", g->evidence ? g->evidence : "");
}
#define NGCOLS	(sizeof gheaders / sizeof gheaders[0])

/* The totals per class, after either table. */
static void
class_totals(const struct window *w)
{
	char	num[32], pct[16];
	int	k;

	for (k = 0; k < CLASS__COUNT; k++) {
		fmt_count(w->class_messages[k], num, sizeof num);
		fmt_pct(w->class_messages[k], w->messages, pct, sizeof pct);
		sanitise_printf("%-14s %6u source%s %14s messages %7s\n",
		    class_name((enum source_class)k), w->class_sources[k],
		    w->class_sources[k] == 1 ? " " : "s", num, pct);
	}
	fmt_count(w->messages, num, sizeof num);
	sanitise_printf("%-14s %6zu source%s %14s messages\n", "total",
	    w->nsources, w->nsources == 1 ? " " : "s", num);
}

static int
print_groups_table(struct run *r, const struct window *w)
{
	struct table	*t;
	char		 num[4][32], d1[16], d2[16], name[300], top[600];
	char		 ev[160], ptr[RDNS_NAME_MAX + 1];
	const char	*cells[NGCOLS];
	uint64_t	 m;
	size_t		 i, n;

	t = table_new(NGCOLS, gheaders, "llrrrrllllll");
	if (t == NULL)
		return -1;
	for (i = 0; i < w->ngroups; i++) {
		const struct source_group *g = &w->groups[i];
		if (!group_shown(r, g))
			continue;
		label(g, name, sizeof name);
		fmt_count(g->sources, num[0], sizeof num[0]);
		fmt_count(g->messages, num[1], sizeof num[1]);
		fmt_count(g->pass, num[2], sizeof num[2]);
		fmt_count(g->messages - g->pass, num[3], sizeof num[3]);
		fmt_day(g->first_day, d1, sizeof d1);
		fmt_day(g->last_day, d2, sizeof d2);
		ident_ptr(&r->ids[i], ptr, sizeof ptr);
		snprintf(top, sizeof top, "%s%s%s%s%s%s", *g->top.ip ?
		    g->top.ip : "-", *ptr != '-' ? " (" : "", *ptr != '-' ?
		    ptr : "", *ptr != '-' ? ")" : "", *g->top.header_from ?
		    " " : "", g->top.header_from);
		cells[0] = name;
		cells[1] = group_kind_name(g->kind);
		cells[2] = num[0];
		cells[3] = num[1];
		cells[4] = num[2];
		cells[5] = num[3];
		cells[6] = class_name(g->class);
		cells[7] = d1;
		cells[8] = d2;
		group_evidence(g, ev, sizeof ev);
		cells[9] = *ev ? ev : "-";
		cells[10] = top;
		cells[11] = g->top.reason ? g->top.reason : "";
		if (table_add(t, cells) == -1) {
			table_free(t);
			return -1;
		}
	}
	table_print(t, stdout);
	table_free(t);
	if (w->groups_total > w->ngroups) {
		n = w->groups_total - w->ngroups;
		fmt_count(n, num[0], sizeof num[0]);
		m = w->unlisted_group_messages;
		fmt_count(m, num[1], sizeof num[1]);
		sanitise_printf("%s other sender%s (%s messages) not listed: "
		    "--limit lists more\n", num[0], n == 1 ? "" : "s",
		    num[1]);
	}
	class_totals(w);
	return 0;
}

static void
print_groups_csv(struct run *r, const struct window *w)
{
	char	d[2][16], name[300], ev[160];
	size_t	i;
	int	k;

	for (i = 0; i < w->ngroups; i++) {
		const struct source_group *g = &w->groups[i];
		if (!group_shown(r, g))
			continue;
		label(g, name, sizeof name);
		fmt_day(g->first_day, d[0], sizeof d[0]);
		fmt_day(g->last_day, d[1], sizeof d[1]);
		cmd_csv(stdout, w->domain);
		sanitise_printf(",");
		cmd_csv(stdout, name);
		sanitise_printf(",%s,%u,%llu,%llu,%llu,%s",
		    group_kind_name(g->kind), g->sources,
		    (unsigned long long)g->messages,
		    (unsigned long long)g->pass,
		    (unsigned long long)(g->messages - g->pass),
		    class_name(g->class));
		for (k = 0; k < CLASS__COUNT; k++)
			sanitise_printf(",%llu",
			    (unsigned long long)g->class_messages[k]);
		sanitise_printf(",%s,%s,", d[0], d[1]);
		group_evidence(g, ev, sizeof ev);
		cmd_csv(stdout, ev);
		sanitise_printf(",");
		cmd_csv(stdout, g->top.ip ? g->top.ip : "");
		sanitise_printf(",");
		cmd_csv(stdout, g->top.header_from ? g->top.header_from : "");
		sanitise_printf(",");
		cmd_csv(stdout, r->ids[i].ptr_status == RDNS_NAME ?
		    r->ids[i].ptr : "");
		sanitise_printf(",");
		cmd_csv(stdout, g->top.reason ? g->top.reason : "");
		sanitise_printf("\n");
	}
	if (w->groups_total > w->ngroups)
		log_info("%s: %zu other senders (%llu messages) not listed: "
		    "--limit lists more", w->domain,
		    w->groups_total - w->ngroups,
		    (unsigned long long)w->unlisted_group_messages);
}

static void
print_groups_json(struct run *r, const struct window *w)
{
	char	d[2][16];
	size_t	i, n = 0;
	int	k;

	fmt_day(w->from_day, d[0], sizeof d[0]);
	fmt_day(w->to_day, d[1], sizeof d[1]);
	if (r->ndomains > 0)
		sanitise_printf(",\n");
	sanitise_printf("{\"domain\":");
	cmd_json(stdout, w->domain);
	sanitise_printf(",\"from\":\"%s\",\"to\":\"%s\",\"configured\":%s,"
	    "\"messages\":%llu,\"pass\":%llu,\"reporters\":%u,"
	    "\"senders\":[", d[0], d[1], w->configured ? "true" : "false",
	    (unsigned long long)w->messages, (unsigned long long)w->pass,
	    w->reporters);
	for (i = 0; i < w->ngroups; i++) {
		const struct source_group *g = &w->groups[i];
		if (!group_shown(r, g))
			continue;
		fmt_day(g->first_day, d[0], sizeof d[0]);
		fmt_day(g->last_day, d[1], sizeof d[1]);
		sanitise_printf("%s\n{\"name\":", n++ ? "," : "");
		cmd_json(stdout, g->name);
		sanitise_printf(",\"by\":\"%s\",\"sources\":%u,"
		    "\"messages\":%llu,\"pass\":%llu,\"fail\":%llu,"
		    "\"class\":\"%s\",\"classes\":{",
		    group_kind_name(g->kind), g->sources,
		    (unsigned long long)g->messages,
		    (unsigned long long)g->pass,
		    (unsigned long long)(g->messages - g->pass),
		    class_name(g->class));
		for (k = 0; k < CLASS__COUNT; k++)
			sanitise_printf("%s\"%s\":%llu", k ? "," : "",
			    class_name((enum source_class)k),
			    (unsigned long long)g->class_messages[k]);
		sanitise_printf("},\"first_day\":\"%s\",\"last_day\":\"%s\","
		    "\"evidence\":", d[0], d[1]);
		cmd_json(stdout, g->evidence && *g->evidence ? g->evidence :
		    NULL);
		if (g->kind == GROUP_NONE && g->counted > 0)
			sanitise_printf(",\"networks\":%u,\"countries\":%u,"
			    "\"counted\":%u", g->networks, g->countries,
			    g->counted);
		sanitise_printf(",\"largest\":{\"ip\":");
		cmd_json(stdout, g->top.ip);
		sanitise_printf(",\"header_from\":");
		cmd_json(stdout, g->top.header_from);
		sanitise_printf(",\"ptr\":");
		cmd_json(stdout, r->ids[i].ptr_status == RDNS_NAME ?
		    r->ids[i].ptr : NULL);
		sanitise_printf(",\"reason\":");
		cmd_json(stdout, g->top.reason);
		sanitise_printf("}");
		if (g->kind == GROUP_OTHER)
			sanitise_printf(",\"folded\":%u", g->folded);
		sanitise_printf("}");
	}
	json_end(w, "senders", w->groups_total - w->ngroups,
	    w->unlisted_group_messages);
}

/*
 * Who the listed sources are, or the largest source of each listed
 * group, into r->ids. -1 when out of memory.
 */
static int
identify(struct run *r, const struct window *w, int asked)
{
	struct source	*tops;
	size_t		 i, n = r->by_ip ? w->nlisted : w->ngroups;
	/*
	 * Reverse DNS only for the domains configured or asked for: an
	 * attacker's own domains and addresses must not make dmarcdb ask
	 * the attacker's name servers when reports are read.
	 */
	int		 dns = asked || conf_domain(r->conf, w->domain) != NULL;

	free(r->ids);
	r->ids = calloc(n ? n : 1, sizeof *r->ids);
	if (r->ids == NULL)
		return -1;
	if (r->by_ip) {
		ident_sources(&r->id, w->listed, n, r->now, dns, r->ids);
		return 0;
	}
	tops = calloc(n ? n : 1, sizeof *tops);
	if (tops == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		tops[i] = w->groups[i].top;
		if (tops[i].ip == NULL)
			tops[i].ip = "";
	}
	ident_sources(&r->id, tops, n, r->now, dns, r->ids);
	free(tops);
	return 0;
}

/*
 * classify_opts.each: keep each source that is not unknown, for the
 * views. -1 (err set) when out of memory.
 */
static int
keep_source(void *arg, const struct source *src)
{
	struct run		*r = arg;
	struct store_class_row	*row, *v;
	size_t			 cap;

	if (src->class == CLASS_UNKNOWN || r->nrows > SAVE_MAX)
		return 0;
	if (r->nrows == r->caprows) {
		cap = r->caprows ? r->caprows * 2 : 1024;
		v = realloc(r->rows, cap * sizeof *v);
		if (v == NULL)
			goto nomem;
		r->rows = v;
		r->caprows = cap;
	}
	row = &r->rows[r->nrows];
	row->header_from = arena_strndup(&r->mem, src->header_from,
	    strlen(src->header_from));
	row->ip = arena_strndup(&r->mem, src->ip, strlen(src->ip));
	if (row->header_from == NULL || row->ip == NULL)
		goto nomem;
	row->class = class_name(src->class);
	row->sender = src->sender != NULL ? src->sender->name : NULL;
	r->nrows++;
	return 0;
nomem:
	return dr_seterr(r->err, DR_E_NOMEM, "out of memory");
}

/*
 * The domain is classified: its window and its rows (from first on)
 * are saved at the end. -1 when out of memory.
 */
static int
keep_window(struct run *r, const struct window *w, size_t first)
{
	struct store_class_window	*v, *k;

	v = realloc(r->wins, (r->nwins + 1) * sizeof *v);
	if (v == NULL)
		return -1;
	r->wins = v;
	k = &r->wins[r->nwins++];
	memset(k, 0, sizeof *k);
	k->domain = arena_strndup(&r->mem, w->domain, strlen(w->domain));
	if (k->domain == NULL)
		return -1;
	k->from_day = w->from_day;
	k->to_day = w->to_day;
	k->configured = w->configured;
	/* An index until the rows stop moving (save_classes). */
	k->rows = NULL;
	k->nrows = r->nrows - first;
	if (r->nrows > SAVE_MAX) {
		k->forget = 1;
		k->nrows = 0;
		r->nrows = first;
	}
	return 0;
}

/*
 * Save what was decided, if the database can be written: out of the
 * read transaction, which nothing needs any more. Said under -v when
 * it cannot be.
 */
static void
save_classes(struct run *r)
{
	struct dr_error	 err;
	size_t		 i, at = 0;

	/* No rows kept: no array (NULL + 0 is undefined). */
	for (i = 0; i < r->nwins; i++) {
		r->wins[i].rows = r->rows != NULL ? r->rows + at : NULL;
		at += r->wins[i].nrows;
	}
	store_read_end(r->s);
	switch (store_classes_save(r->s, r->wins, r->nwins, &err)) {
	case -1:
		log_warnx("%s (for the views v_records and v_source_senders; "
		    "the output is complete)", err.msg);
		break;
	case 1:
		log_verbose("the classes of sources are not saved for the "
		    "views: the database is read-only or busy");
		break;
	default:
		break;
	}
}

static int
one_domain(void *arg, const char *domain, int asked)
{
	struct run		*r = arg;
	struct conf_thresholds	 th;
	struct classify_opts	 o;
	struct window		*w;
	struct dr_error		 err;
	int64_t			 from, to;
	size_t			 first;

	conf_thresholds(r->conf, domain, &th);
	if (cmd_window(r->c, "sources", &r->wh, th.window, &from, &to) == -1) {
		r->rc = EXIT_USAGE;
		return 1;
	}
	o.limit = r->suggest ? CLASSIFY_GROUPS : r->limit;
	o.only = r->have_class ? (int)r->class : -1;
	o.keep = r->suggest ? CLASSIFY_BY_SENDER | CLASSIFY_KEEP_ALL :
	    r->by_ip ? CLASSIFY_KEEP_MISCONFIGURED : r->by_as ?
	    CLASSIFY_BY_AS : CLASSIFY_BY_SENDER;
	o.each = keep_source;
	o.arg = r;
	o.cat = r->id.cat;
	o.geo = r->id.geo;
	r->err = &err;
	first = r->nrows;
	if (classify_window(r->s, r->conf, domain, from, to, &o, &w, &err) ==
	    -1) {
		log_warnx("%s", err.msg);
		r->rc = cmd_exit_for(&err);
		return 1;
	}
	if (keep_window(r, w, first) == -1) {
		log_warnx("out of memory");
		r->rc = EXIT_INTERNAL;
		window_free(w);
		return 1;
	}
	if (!asked && w->nsources == 0) {
		window_free(w);
		return 0;
	}
	r->messages += w->messages;
	if (r->suggest) {
		if (r->ndomains++ > 0)
			sanitise_printf("\n");
		suggest_config(stdout, w);
		window_free(w);
		return 0;
	}
	if (identify(r, w, asked) == -1) {
		log_warnx("out of memory");
		r->rc = EXIT_INTERNAL;
		window_free(w);
		return 1;
	}
	switch (r->fmt) {
	case CMD_TABLE:
		print_head(r, w);
		if ((r->by_ip ? print_table(r, w) : print_groups_table(r, w)) ==
		    -1) {
			log_warnx("out of memory");
			r->rc = EXIT_INTERNAL;
		}
		break;
	case CMD_CSV:
		if (r->by_ip)
			print_csv(r, w);
		else
			print_groups_csv(r, w);
		break;
	case CMD_JSON:
		if (r->by_ip)
			print_json(r, w);
		else
			print_groups_json(r, w);
		break;
	}
	r->ndomains++;
	window_free(w);
	return r->rc != EXIT_OK;
}

int
cmd_sources(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domain", required_argument, NULL, CMD_OPT_DOMAIN },
		{ "days", required_argument, NULL, CMD_OPT_DAYS },
		{ "since", required_argument, NULL, CMD_OPT_SINCE },
		{ "as-of", required_argument, NULL, CMD_OPT_AS_OF },
		{ "class", required_argument, NULL, CMD_OPT_CLASS },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "by", required_argument, NULL, OPT_BY },
		{ "no-dns", no_argument, NULL, CMD_OPT_NO_DNS },
		{ "format", required_argument, NULL, CMD_OPT_FORMAT },
		{ "config", required_argument, NULL, CMD_OPT_CONFIG },
		{ "suggest-config", no_argument, NULL, OPT_SUGGEST },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct run	 r;
	struct cmd_others others;
	int		 have_format = 0, have_by = 0;
	int		 dns = 1;
	const char	*domains[64], *config = NULL;
	uint64_t	 v;
	size_t		 nd = 0;
	int64_t		 from, to;
	int		 ch, rc;

	memset(&r, 0, sizeof r);
	r.c = c;
	r.limit = CLASSIFY_LIMIT;
	while ((ch = cmd_getopt(c, "sources", argc, argv, "h", opts)) != -1) {
		rc = cmd_when_option(c, "sources", ch, optarg, &r.wh);
		if (rc == -1)
			return EXIT_USAGE;
		if (rc == 0)
			continue;
		switch (ch) {
		case CMD_OPT_DOMAIN:
			if (nd == sizeof domains / sizeof domains[0])
				return cmd_usage_error(c, "sources", "too many "
				    "--domain options (at most %zu)", nd);
			domains[nd++] = cmd_domain_arg(optarg);
			break;
		case CMD_OPT_CLASS:
			if (class_parse(optarg, &r.class) == -1)
				return cmd_usage_error(c, "sources", "unknown "
				    "class '%s' (compliant, misconfigured, "
				    "forwarded or unknown)", optarg);
			r.have_class = 1;
			break;
		case OPT_LIMIT:
			if (cmd_parse_uint(optarg, 1, CLASSIFY_LIMIT_MAX, &v) ==
			    -1)
				return cmd_usage_error(c, "sources", "--limit "
				    "wants a number from 1 to %d, not '%s'",
				    CLASSIFY_LIMIT_MAX, optarg);
			r.limit = (size_t)v;
			break;
		case CMD_OPT_FORMAT:
			if (cmd_table_format(c, "sources", optarg, &r.fmt) == -1)
				return EXIT_USAGE;
			have_format = 1;
			break;
		case OPT_SUGGEST:
			r.suggest = 1;
			break;
		case CMD_OPT_NO_DNS:
			dns = 0;
			break;
		case OPT_BY:
			have_by = 1;
			r.by_ip = strcmp(optarg, "ip") == 0;
			r.by_as = strcmp(optarg, "as") == 0;
			if (!r.by_ip && !r.by_as && strcmp(optarg, "sender") !=
			    0)
				return cmd_usage_error(c, "sources", "--by "
				    "wants sender, as or ip, not '%s'", optarg);
			break;
		case CMD_OPT_CONFIG:
			config = optarg;
			break;
		case 'h':
			sources_usage(stdout);
			return EXIT_OK;
		default:
			sanitise_fprintf(stderr, "Try 'dmarcdb sources "
			    "--help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error(c, "sources", "unexpected argument "
		    "'%s'", argv[optind]);
	if (r.wh.since != NULL && r.wh.days != 0)
		return cmd_usage_error(c, "sources", "--days and --since "
		    "exclude each other");
	if (r.suggest && (have_format || have_by || r.have_class))
		return cmd_usage_error(c, "sources", "--suggest-config "
		    "prints configuration: not with --format, --by or "
		    "--class");
	/* The window's days, checked before anything is opened. */
	if (cmd_window(c, "sources", &r.wh, 30, &from, &to) == -1)
		return EXIT_USAGE;
	if ((rc = cmd_report_open(c, config, &r.s, (struct conf **)&r.conf))
	    != EXIT_OK)
		return rc;
	r.now = (int64_t)time(NULL);
	ident_open(r.conf, r.s, dns, &r.id);
	if (r.suggest)
		;	/* configuration, no header */
	else if (r.fmt == CMD_CSV && r.by_ip)
		sanitise_printf("domain,ip,header_from,class,messages,pass,"
		    "fail,spf_aligned,dkim_aligned,none,quarantine,reject,"
		    "other,first_seen,first_day,last_day,reporters,sender,"
		    "reason,ptr,ptr_status,ptr_confirmed,asn,as_name,country,"
		    "service,service_kind,service_how,service_evidence\n");
	else if (r.fmt == CMD_CSV)
		sanitise_printf("domain,sender,by,sources,messages,pass,fail,"
		    "class,compliant,misconfigured,forwarded,unknown,"
		    "first_day,last_day,evidence,largest_ip,"
		    "largest_header_from,largest_ptr,reason\n");
	else if (r.fmt == CMD_JSON) {
		char d[16];
		fmt_day(to + 1, d, sizeof d);
		sanitise_printf("{\"as_of\":\"%s\",\"domains\":[\n", d);
	}
	rc = cmd_each_domain(c, "sources", r.s, r.conf, &r.wh, domains, nd,
	    one_domain, &r, &others);
	if (r.rc == EXIT_OK)
		r.rc = rc;
	if (r.fmt == CMD_JSON)
		sanitise_printf("\n],\"other_domains\":%llu}\n",
		    (unsigned long long)others.n);
	if (r.suggest)
		;
	else if (r.ndomains == 0 && r.fmt == CMD_TABLE && r.rc == EXIT_OK &&
	    others.n > 0)
		log_info("%s", others.line);
	else if (others.n > 0 && r.fmt == CMD_TABLE)
		sanitise_printf("\n%s\n", others.line);
	else if (others.n > 0 && r.fmt == CMD_CSV)
		log_info("%s", others.line);
	if (r.rc == EXIT_OK) {
		cmd_newest_note(r.s, domains, nd, r.wh.as_of, r.wh.as_of_t,
		    r.messages == 0, CMD_HINT_OLDER);
		save_classes(&r);
	}
	ident_close(&r.id);
	free(r.ids);
	free(r.wins);
	free(r.rows);
	arena_free(&r.mem);
	store_close(r.s);
	conf_free((struct conf *)r.conf);
	return r.rc;
}
