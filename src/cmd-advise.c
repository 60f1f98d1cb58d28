/*
 * cmd-advise.c: dmarcdb advise [--domain D]... [--as-of DATE] [--days N]
 *     [--format text|json] [--no-dns]
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advise.h"
#include "cmd.h"
#include "dns.h"
#include "fmt.h"
#include "ident.h"
#include "log.h"
#include "record.h"
#include "sanitise.h"
#include "scope.h"

enum format { F_TEXT, F_JSON };

struct run {
	struct cmd_ctx		*c;
	struct store		*s;
	const struct conf	*conf;
	struct cmd_when		 wh;
	enum format		 fmt;
	int			 dns;
	struct scope_dns	 dns_left;	/* lookups, for whom */
	struct dns		*resolver;	/* every lookup of the run */
	struct ident		 id;		/* names the senders */
	unsigned		 ndomains;
	unsigned		 with_data;	/* of those, with mail */
	int			 rc;
};

static void
advise_usage(FILE *f)
{
	sanitise_fprintf(f,
	    "usage: dmarcdb [--db FILE] [--config FILE] advise [--domain D]...\n"
	    "           [--as-of DATE] [--days N] [--format text|json] "
	    "[--no-dns]\n"
	    "\n"
	    "For each policy domain: the policy published (the record in the\n"
	    "configuration, else in DNS, else what the reporters saw, each\n"
	    "weighed by its days of reports), whether reporters disagree on\n"
	    "it, its stage on the ladder from p=none to p=reject, the\n"
	    "evidence, the verdict (advance, hold or step back) with its\n"
	    "reasons and blockers, and the exact DNS record to publish next.\n"
	    "\n"
	    "Options:\n"
	    "  --domain D     only policy domain D (repeatable; default: the\n"
	    "                 configured domains, else the 20 largest)\n"
	    "  --as-of DATE   advise as if run on DATE (default: today, UTC)\n"
	    "  --days N       judge the N days before it (default: the window\n"
	    "                 threshold of the configuration, 30)\n"
	    "  --format F     text (default) or json\n"
	    "  --no-dns       do not look up the published record in DNS (it\n"
	    "                 is, for configured and named domains only)\n"
	    "  --config FILE  the configuration (default: $DMARCDB_CONFIG,\n"
	    "                 else /etc/dmarcdb.conf if it exists)\n"
	    "  -h, --help     this help\n");
}

/*
 * Print text wrapped at 78 columns, continuation lines indented: its
 * text form (sanitise.h), wrapped, so that columns count characters.
 */
static void
wrap(const char *first, const char *indent, const char *text)
{
	struct buf	 b = { 0 };
	const char	*p, *sp, *brk;
	char		*v;
	size_t		 col, room, w;

	v = sanitise_dup(text);
	if (v == NULL) {
		sanitise_printf("%s%s\n", first, text);
		return;
	}
	p = v;
	sanitise_bprintf(&b, "%s", first);
	col = sanitise_width(first);
	while (*p != '\0') {
		room = col < 78 ? 78 - col : 20;
		/* Break at the last space that fits, else the first. */
		brk = NULL;
		for (sp = p, w = 0; *sp != '\0' && w <= room; sp++) {
			if (*sp == ' ')
				brk = sp;
			if (((unsigned char)*sp & 0xc0) != 0x80)
				w++;
		}
		if (*sp == '\0' && w <= room)
			brk = NULL;
		else if (brk == NULL)
			brk = strchr(p, ' ');
		if (brk == NULL) {
			buf_adds(&b, p);
			break;
		}
		buf_add(&b, p, (size_t)(brk - p));
		sanitise_bprintf(&b, "\n%s", indent);
		col = sanitise_width(indent);
		p = brk + 1;
	}
	buf_addc(&b, '\n');
	/* raw: v is in text form, the rest is ours */
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
	free(v);
}

/* The record as a zone file line (record_zone), in text form. */
static void
zone_line(const char *name, const char *rec, FILE *f)
{
	char	line[RECORD_ZONE_MAX];

	if (record_zone(name, rec, line, sizeof line) == -1)
		sanitise_fprintf(f, "(none: see the warnings)\n");
	else
		sanitise_fprintf(f, "%s\n", line);
}

static void
notes_text(const char *title, const struct notes *n)
{
	char	first[32];
	unsigned i;

	if (n->n == 0)
		return;
	for (i = 0; i < n->n; i++) {
		snprintf(first, sizeof first, "  %-11s - ", i == 0 ? title :
		    "");
		wrap(first, "                ", n->text[i]);
	}
}

/* Where the record the advice rests on comes from, in words. */
static const char *
source_name(const struct advice *a)
{
	return strcmp(a->policy_source, "DNS") == 0 ? "DNS" :
	    "the configuration";
}

static void
print_text(struct run *r, const struct advice *a)
{
	const struct window	*w = a->w;
	char			 n1[32], n2[32], n3[32], p1[16], d1[16], d2[16];
	char			 line[512];
	size_t			 i, o;
	unsigned		 voters;

	if (r->ndomains > 0)
		sanitise_printf("\n");
	sanitise_printf("%s\n", a->domain);
	if (a->verdict == VERDICT_NO_DATA) {
		sanitise_printf("  %-11s no reports for this domain before "
		    "%s\n", "verdict", (fmt_day(a->to_day + 1, d1, sizeof d1),
		    d1));
		return;
	}
	fmt_day(a->policy_day, d1, sizeof d1);
	snprintf(line, sizeof line, "p=%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s",
	    *a->cur.p ? a->cur.p : "(none given)",
	    *a->cur.sp ? "; sp=" : "", a->cur.sp,
	    *a->cur.np ? "; np=" : "", a->cur.np,
	    a->cur.pct >= 0 ? "; pct=" : "",
	    a->cur.pct >= 0 ? (snprintf(n3, sizeof n3, "%lld",
	    (long long)a->cur.pct), n3) : "",
	    *a->cur.testing ? "; t=" : "", a->cur.testing,
	    *a->cur.adkim ? "; adkim=" : "", a->cur.adkim,
	    *a->cur.aspf ? "; aspf=" : "", a->cur.aspf,
	    *a->cur.fo ? "; fo=" : "", a->cur.fo);
	sanitise_printf("  %-11s %s\n", "policy", line);
	voters = a->voters;
	if (strcmp(a->policy_source, "reports") == 0)
		sanitise_printf("  %-11s seen by %u of %u reporter%s in their "
		    "newest reports (%s): %u report%s, %u in RFC 9990 form\n",
		    "",
		    voters, a->reporters, a->reporters == 1 ? "" : "s", d1,
		    a->cur.reports, a->cur.reports == 1 ? "" : "s",
		    a->cur.rfc9990);
	else if (voters > 0)
		sanitise_printf("  %-11s from the record in %s; stage %d seen "
		    "by %u of %u reporter%s in their newest reports (%s)\n", "",
		    source_name(a), a->cur.stage, voters, a->reporters,
		    a->reporters == 1 ? "" : "s", d1);
	else
		sanitise_printf("  %-11s from the record in %s; no reporter's "
		    "newest reports show stage %d yet\n", "", source_name(a),
		    a->cur.stage);
	notes_text("disagree", &a->disagree);
	if (a->days_at_stage == 0)
		sanitise_printf("  %-11s %d %s, not yet seen in the reports\n",
		    "stage", a->cur.stage, advise_stage_name(a->cur.stage));
	else {
		fmt_day(a->stage_since, d1, sizeof d1);
		sanitise_printf("  %-11s %d %s, for %u day%s (since %s)\n",
		    "stage", a->cur.stage, advise_stage_name(a->cur.stage),
		    a->days_at_stage, a->days_at_stage == 1 ? "" : "s", d1);
	}
	fmt_day(w->from_day, d1, sizeof d1);
	fmt_day(w->to_day, d2, sizeof d2);
	fmt_count(w->messages, n1, sizeof n1);
	fmt_pct(w->pass, w->messages, p1, sizeof p1);
	sanitise_printf("  %-11s %s to %s: %s messages from %zu source%s, %u "
	    "reporter%s; %s pass DMARC\n", "window", d1, d2, n1, w->nsources,
	    w->nsources == 1 ? "" : "s", w->reporters, w->reporters == 1 ?
	    "" : "s", p1);
	fmt_count(a->legit, n1, sizeof n1);
	fmt_pct(a->legit_pass, a->legit, p1, sizeof p1);
	sanitise_printf("  %-11s %s messages, %s pass DMARC%s\n", "authorised",
	    n1, p1, w->configured ? "" : " (unconfigured: every source that "
	    "passes counts)");
	if (w->configured) {
		o = 0;
		line[0] = '\0';
		for (i = 0; i < w->nsenders; i++) {
			const struct sender_use *u = &w->senders[i];
			if (u->messages == 0)
				continue;
			fmt_pct(u->dkim_aligned, u->messages, p1, sizeof p1);
			o += (size_t)snprintf(line + o, o < sizeof line ?
			    sizeof line - o : 0, "%s%s %s", o ? ", " : "",
			    u->sender->name, p1);
			if (o >= sizeof line)
				break;
		}
		if (line[0] != '\0' && o < sizeof line - 10) {
			char lead[32];
			snprintf(line + o, sizeof line - o, " aligned");
			snprintf(lead, sizeof lead, "  %-11s ", "DKIM");
			wrap(lead, "              ", line);
		}
	}
	fmt_count(w->class_messages[CLASS_FORWARDED], n1, sizeof n1);
	fmt_count(w->via_lists + w->list_pattern, n2, sizeof n2);
	sanitise_printf("  %-11s %s messages from %u source%s (%s through "
	    "mailing lists)\n", "forwarded", n1,
	    w->class_sources[CLASS_FORWARDED],
	    w->class_sources[CLASS_FORWARDED] == 1 ? "" : "s", n2);
	fmt_count(w->class_messages[CLASS_UNKNOWN], n1, sizeof n1);
	sanitise_printf("  %-11s %s messages from %u source%s\n", "unknown", n1,
	    w->class_sources[CLASS_UNKNOWN],
	    w->class_sources[CLASS_UNKNOWN] == 1 ? "" : "s");
	fmt_count(w->new_messages, n1, sizeof n1);
	sanitise_printf("  %-11s %llu source%s first seen in the window, %s "
	    "messages\n", "new", (unsigned long long)w->new_sources,
	    w->new_sources == 1 ? "" : "s", n1);
	if (a->verdict == VERDICT_HOLD)
		sanitise_printf("  %-11s HOLD at stage %d, %s\n", "verdict",
		    a->next_stage, advise_stage_name(a->next_stage));
	else
		sanitise_printf("  %-11s %s to stage %d, %s\n", "verdict",
		    a->verdict == VERDICT_ADVANCE ? "ADVANCE" : "STEP BACK",
		    a->next_stage, advise_stage_name(a->next_stage));
	notes_text("", &a->reasons);
	notes_text("harmed", &a->harmed);
	if (a->blockers.n == 0 && a->verdict != VERDICT_STEP_BACK)
		sanitise_printf("  %-11s none\n", "blockers");
	notes_text(a->verdict == VERDICT_ADVANCE ? "blockers" : "fix first",
	    &a->blockers);
	notes_text("warnings", &a->warnings);
	if (a->record_change[0] != '\0') {
		sanitise_printf("  %-11s %s\n", "change", a->record_change);
		sanitise_printf("  %-11s in the record at %s, keeping its other "
		    "tags (rua= above all)\n", "", a->record_name);
	} else {
		sanitise_printf("  %-11s ", "publish");
		zone_line(a->record_name, a->record_next, stdout);
	}
	if (a->record_now[0] != '\0' && a->record_next[0] != '\0') {
		sanitise_printf("  %-11s ", "instead of");
		zone_line(a->record_name, a->record_now, stdout);
		sanitise_printf("  %-11s (the record in the %s)\n", "",
		    a->record_source);
	}
	notes_text("about", &a->about);
}

static void
json_notes(const char *name, const struct notes *n)
{
	unsigned	i;

	sanitise_printf(",\"%s\":[", name);
	for (i = 0; i < n->n; i++) {
		if (i > 0)
			sanitise_printf(",");
		cmd_json(stdout, n->text[i]);
	}
	sanitise_printf("]");
}

static void
print_json(struct run *r, const struct advice *a)
{
	const struct window	*w = a->w;
	char			 d1[16], d2[16];
	size_t			 i;
	int			 k;

	if (r->ndomains > 0)
		sanitise_printf(",\n");
	sanitise_printf("{\"domain\":");
	cmd_json(stdout, a->domain);
	fmt_day(a->from_day, d1, sizeof d1);
	fmt_day(a->to_day, d2, sizeof d2);
	sanitise_printf(",\"from\":\"%s\",\"to\":\"%s\",\"verdict\":\"%s\"",
	    d1, d2, advise_verdict_name(a->verdict));
	if (a->verdict == VERDICT_NO_DATA) {
		json_notes("reasons", &a->reasons);
		sanitise_printf("}");
		return;
	}
	fmt_day(a->policy_day, d1, sizeof d1);
	sanitise_printf(",\"policy\":{\"day\":\"%s\",\"p\":", d1);
	cmd_json(stdout, *a->cur.p ? a->cur.p : NULL);
	sanitise_printf(",\"sp\":");
	cmd_json(stdout, *a->cur.sp ? a->cur.sp : NULL);
	sanitise_printf(",\"np\":");
	cmd_json(stdout, *a->cur.np ? a->cur.np : NULL);
	if (a->cur.pct >= 0)
		sanitise_printf(",\"pct\":%lld", (long long)a->cur.pct);
	else
		sanitise_printf(",\"pct\":null");
	sanitise_printf(",\"testing\":");
	cmd_json(stdout, *a->cur.testing ? a->cur.testing : NULL);
	sanitise_printf(",\"adkim\":");
	cmd_json(stdout, *a->cur.adkim ? a->cur.adkim : NULL);
	sanitise_printf(",\"aspf\":");
	cmd_json(stdout, *a->cur.aspf ? a->cur.aspf : NULL);
	sanitise_printf(",\"fo\":");
	cmd_json(stdout, *a->cur.fo ? a->cur.fo : NULL);
	sanitise_printf(",\"reports\":%u,\"rfc9990\":%u,\"source\":\"%s\","
	    "\"reporters\":%u,\"of\":%u,\"votes\":[", a->cur.reports,
	    a->cur.rfc9990, a->policy_source, a->voters, a->reporters);
	for (i = 0; i < a->nvotes; i++) {
		const struct advice_vote *v = &a->votes[i];
		fmt_day(v->last, d1, sizeof d1);
		sanitise_printf("%s{\"stage\":%d,\"valid\":%s,\"p\":",
		    i ? "," : "", v->stage, v->slot == 6 ? "false" : "true");
		cmd_json(stdout, *v->p ? v->p : NULL);
		if (v->pct >= 0)
			sanitise_printf(",\"pct\":%lld", (long long)v->pct);
		else
			sanitise_printf(",\"pct\":null");
		sanitise_printf(",\"testing\":%s,\"reporters\":%u,"
		    "\"one_day\":%u,\"days\":%llu,\"weight\":%llu,"
		    "\"newest\":\"%s\",\"names\":[", v->testing ? "true" : "false",
		    v->reporters, v->once, (unsigned long long)v->days,
		    (unsigned long long)v->weight, d1);
		for (k = 0; k < (int)v->nnames; k++) {
			if (k > 0)
				sanitise_printf(",");
			cmd_json(stdout, *v->names[k] ? v->names[k] : NULL);
		}
		sanitise_printf("]}");
	}
	sanitise_printf("]}");
	if (a->stage_since != -1) {
		fmt_day(a->stage_since, d1, sizeof d1);
		sanitise_printf(",\"stage\":{\"number\":%d,\"name\":\"%s\","
		    "\"since\":\"%s\",\"days\":%u}", a->cur.stage,
		    advise_stage_name(a->cur.stage), d1, a->days_at_stage);
	} else
		sanitise_printf(",\"stage\":{\"number\":%d,\"name\":\"%s\","
		    "\"since\":null,\"days\":0}", a->cur.stage,
		    advise_stage_name(a->cur.stage));
	sanitise_printf(",\"next_stage\":{\"number\":%d,\"name\":\"%s\"}",
	    a->next_stage, advise_stage_name(a->next_stage));
	sanitise_printf(",\"evidence\":{\"messages\":%llu,\"pass\":%llu,"
	    "\"sources\":%zu,\"reporters\":%u,\"configured\":%s,"
	    "\"authorised\":{\"messages\":%llu,\"pass\":%llu},\"classes\":{",
	    (unsigned long long)w->messages, (unsigned long long)w->pass,
	    w->nsources, w->reporters, w->configured ? "true" : "false",
	    (unsigned long long)a->legit, (unsigned long long)a->legit_pass);
	for (k = 0; k < CLASS__COUNT; k++)
		sanitise_printf("%s\"%s\":{\"sources\":%u,\"messages\":%llu}",
		    k ? "," : "", class_name((enum source_class)k),
		    w->class_sources[k],
		    (unsigned long long)w->class_messages[k]);
	sanitise_printf("},\"senders\":[");
	for (i = 0; i < w->nsenders; i++) {
		const struct sender_use *u = &w->senders[i];
		sanitise_printf("%s{\"name\":", i ? "," : "");
		cmd_json(stdout, u->sender->name);
		sanitise_printf(",\"sources\":%u,\"messages\":%llu,"
		    "\"pass\":%llu,\"dkim_aligned\":%llu}", u->sources,
		    (unsigned long long)u->messages,
		    (unsigned long long)u->pass,
		    (unsigned long long)u->dkim_aligned);
	}
	sanitise_printf("],\"forwarded\":{\"mailing_list\":%llu,"
	    "\"forwarders\":%llu,\"local_policy\":%llu,\"list_pattern\":"
	    "%llu},\"receiver_policy\":%llu,\"relaxed_would_pass\":{"
	    "\"adkim\":%llu,\"aspf\":%llu},\"new_sources\":{"
	    "\"sources\":%llu,\"messages\":%llu}}",
	    (unsigned long long)w->via_lists,
	    (unsigned long long)w->via_forwarders,
	    (unsigned long long)w->local_policy,
	    (unsigned long long)w->list_pattern,
	    (unsigned long long)w->receiver_policy,
	    (unsigned long long)w->relax_dkim,
	    (unsigned long long)w->relax_spf,
	    (unsigned long long)w->new_sources,
	    (unsigned long long)w->new_messages);
	json_notes("disagree", &a->disagree);
	json_notes("reasons", &a->reasons);
	json_notes("harmed", &a->harmed);
	json_notes("blockers", &a->blockers);
	json_notes("warnings", &a->warnings);
	json_notes("notes", &a->about);
	sanitise_printf(",\"record\":{\"name\":");
	cmd_json(stdout, *a->record_name ? a->record_name : NULL);
	sanitise_printf(",\"current\":");
	cmd_json(stdout, *a->record_now ? a->record_now : NULL);
	sanitise_printf(",\"source\":");
	cmd_json(stdout, a->record_source);
	sanitise_printf(",\"next\":");
	cmd_json(stdout, *a->record_next ? a->record_next : NULL);
	sanitise_printf(",\"change\":");
	cmd_json(stdout, *a->record_change ? a->record_change : NULL);
	sanitise_printf("}}");
}

static int
one_domain(void *arg, const char *domain, int asked)
{
	struct run		*r = arg;
	struct conf_thresholds	 th;
	struct advise_opts	 o;
	struct advice		*a;
	struct dr_error		 err;
	int64_t			 from, to;
	char			 why[320];
	int			 dns;

	conf_thresholds(r->conf, domain, &th);
	if (cmd_window(r->c, "advise", &r->wh, th.window, &from, &to) == -1) {
		r->rc = EXIT_USAGE;
		return 1;
	}
	/* DNS for the domains of the configuration and those named. */
	dns = scope_dns_take(&r->dns_left, r->conf, domain, asked, why,
	    sizeof why);
	o.dns = dns;
	o.cat = r->id.cat;
	o.geo = r->id.geo;
	o.resolver = r->resolver;
	if (advise_domain(r->s, r->conf, domain, from, to, &o, NULL, &a,
	    &err) == -1) {
		log_warnx("%s", err.msg);
		r->rc = cmd_exit_for(&err);
		return 1;
	}
	if (!asked && a->verdict == VERDICT_NO_DATA) {
		advice_free(a);
		return 0;
	}
	if (*why != '\0' && a->verdict != VERDICT_NO_DATA &&
	    a->warnings.n < ADVICE_MAX_NOTES)
		snprintf(a->warnings.text[a->warnings.n++],
		    sizeof a->warnings.text[0], "the published record was %s",
		    why);
	if (r->fmt == F_TEXT)
		print_text(r, a);
	else
		print_json(r, a);
	r->ndomains++;
	if (a->w != NULL && a->w->messages > 0)
		r->with_data++;
	advice_free(a);
	return 0;
}

int
cmd_advise(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domain", required_argument, NULL, CMD_OPT_DOMAIN },
		{ "days", required_argument, NULL, CMD_OPT_DAYS },
		{ "as-of", required_argument, NULL, CMD_OPT_AS_OF },
		{ "format", required_argument, NULL, CMD_OPT_FORMAT },
		{ "no-dns", no_argument, NULL, CMD_OPT_NO_DNS },
		{ "config", required_argument, NULL, CMD_OPT_CONFIG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct run	 r;
	struct cmd_others others;
	const char	*domains[64], *config = NULL;
	size_t		 nd = 0;
	int64_t		 from, to;
	int		 ch, rc;

	memset(&r, 0, sizeof r);
	r.c = c;
	r.dns = 1;
	while ((ch = cmd_getopt(c, "advise", argc, argv, "h", opts)) != -1) {
		rc = cmd_when_option(c, "advise", ch, optarg, &r.wh);
		if (rc == -1)
			return EXIT_USAGE;
		if (rc == 0)
			continue;
		switch (ch) {
		case CMD_OPT_DOMAIN:
			if (nd == sizeof domains / sizeof domains[0])
				return cmd_usage_error(c, "advise", "too many "
				    "--domain options (at most %zu)", nd);
			domains[nd++] = cmd_domain_arg(optarg);
			break;
		case CMD_OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				r.fmt = F_TEXT;
			else if (strcmp(optarg, "json") == 0)
				r.fmt = F_JSON;
			else
				return cmd_usage_error(c, "advise", "unknown "
				    "format '%s' (text or json)", optarg);
			break;
		case CMD_OPT_NO_DNS:
			r.dns = 0;
			break;
		case CMD_OPT_CONFIG:
			config = optarg;
			break;
		case 'h':
			advise_usage(stdout);
			return EXIT_OK;
		default:
			sanitise_fprintf(stderr, "Try 'dmarcdb advise "
			    "--help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error(c, "advise", "unexpected argument '%s'",
		    argv[optind]);
	if (cmd_window(c, "advise", &r.wh, 30, &from, &to) == -1)
		return EXIT_USAGE;
	if ((rc = cmd_report_open(c, config, &r.s, (struct conf **)&r.conf))
	    != EXIT_OK)
		return rc;
	/* One resolver for every domain: c-ares is set up once, if asked. */
	r.resolver = dns_new(&r.conf->resolver);
	if (r.resolver == NULL) {
		log_warnx("out of memory");
		store_close(r.s);
		conf_free((struct conf *)r.conf);
		return EXIT_INTERNAL;
	}
	scope_dns_init(&r.dns_left, r.conf, r.dns);
	/* Senders are named from the reports and offline data only. */
	ident_open(r.conf, r.s, 0, &r.id);
	if (r.fmt == F_JSON) {
		char d[16];
		fmt_day(to + 1, d, sizeof d);
		sanitise_printf("{\"as_of\":\"%s\",\"domains\":[\n", d);
	}
	rc = cmd_each_domain(c, "advise", r.s, r.conf, &r.wh, domains, nd,
	    one_domain, &r, &others);
	if (r.rc == EXIT_OK)
		r.rc = rc;
	if (r.fmt == F_JSON)
		sanitise_printf("\n],\"other_domains\":%llu}\n",
		    (unsigned long long)others.n);
	if (r.ndomains == 0 && r.fmt == F_TEXT && r.rc == EXIT_OK &&
	    others.n > 0)
		log_info("%s", others.line);
	else if (others.n > 0 && r.fmt == F_TEXT)
		sanitise_printf("\n%s\n", others.line);
	if (r.rc == EXIT_OK)
		cmd_newest_note(r.s, domains, nd, r.wh.as_of, r.wh.as_of_t,
		    r.with_data == 0, CMD_HINT_OLDER);
	scope_dns_free(&r.dns_left);
	dns_free(r.resolver);
	ident_close(&r.id);
	store_close(r.s);
	conf_free((struct conf *)r.conf);
	return r.rc;
}
