/*
 * cmd-check.c: dmarcdb check (dmarcdb(1), CHECK): the records a domain
 * publishes in DNS, audited (check.h), for people or as JSON; the exit
 * status says the worst finding, for a daily cron or a monitoring
 * check.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "align.h"
#include "check.h"
#include "cmd.h"
#include "conf.h"
#include "dns.h"
#include "fmt.h"
#include "log.h"
#include "sanitise.h"
#include "store.h"
#include "valid.h"

#define MAX_DOMAINS	256

enum { OPT_FORMAT = 300, OPT_CA_FILE };

static void
check_usage(FILE *f)
{
	sanitise_fprintf(f,
	    "usage: dmarcdb [--db FILE] [--config FILE] check [--format text|json]\n"
	    "           [--as-of DATE] [--days N] [--ca-file FILE] [DOMAIN...]\n"
	    "\n"
	    "Audit what the domains publish in DNS: the DMARC record (or the\n"
	    "organisational domain's), the authorisation of external report\n"
	    "destinations, the SPF record and the lookups of its include\n"
	    "tree (RFC 7208 allows 10, and 2 that find nothing), the DKIM\n"
	    "keys of the selectors seen in the reports and configured, the\n"
	    "MX, the MTA-STS record and policy (fetched over HTTPS), the\n"
	    "TLS-RPT record, and the verification records of services.\n"
	    "Each finding: how bad, what, why it matters, the fix.\n"
	    "Default: every configured domain and every domain with reports.\n"
	    "Exit 0: nothing found; 1: warnings; 2: errors (or a usage\n"
	    "error); 3: the configuration or database cannot be read; 5:\n"
	    "DNS cannot be reached.\n"
	    "\n"
	    "Options:\n"
	    "  --format F     text (default) or json\n"
	    "  --as-of DATE   the reports read end the day before DATE\n"
	    "                 (default: today, UTC)\n"
	    "  --days N       the days of reports whose selectors are looked\n"
	    "                 up (default 30)\n"
	    "  --ca-file FILE\n"
	    "                 MTA-STS policies: trust the CA certificates\n"
	    "                 in FILE only (default: the configuration's\n"
	    "                 ca-file, else the system's)\n"
	    "  -h, --help     this help\n");
}

struct names {
	char	*v[MAX_DOMAINS];
	size_t	 n;
	int	 full;
};

static int
add_name(struct names *l, const char *d)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i], d) == 0)
			return 0;
	if (l->n == MAX_DOMAINS) {
		l->full = 1;
		return 0;
	}
	if ((l->v[l->n] = strdup(d)) == NULL)
		return -1;
	l->n++;
	return 0;
}

static int
on_domain(void *arg, const char *d, int asked)
{
	(void)asked;
	return add_name(arg, d) == -1 ? -1 : 0;
}

static const char *
level_word(enum finding_level l)
{
	return finding_level_name(l);
}

static const char *
mode_word(enum mtasts_mode m)
{
	return m == MTASTS_ENFORCE ? "enforce" : m == MTASTS_TESTING ?
	    "testing" : "none";
}

/* MTA-STS, TLS-RPT and verification records (check-mta.h), as text. */
static void
text_mta(const struct check_domain *c)
{
	const struct check_mta	*m = &c->mta;
	size_t			 i;

	if (*m->record)
		sanitise_printf("  MTA-STS  _mta-sts.%s: %s\n", c->domain,
		    m->record);
	else
		sanitise_printf("  MTA-STS  none\n");
	if (m->policy) {
		sanitise_printf("  policy   %s: %s, max_age %ld\n",
		    m->fetched_from, mode_word(m->pol.mode), m->pol.max_age);
		for (i = 0; i < m->pol.nmx; i++)
			sanitise_printf("           mx %s\n", m->pol.mx[i]);
	}
	if (*m->tlsrpt)
		sanitise_printf("  TLS-RPT  _smtp._tls.%s: %s\n", c->domain,
		    m->tlsrpt);
	else
		sanitise_printf("  TLS-RPT  none\n");
	for (i = 0; i < m->nverif; i++)
		sanitise_printf("  VERIFY   %s: %s\n", m->verif[i].service,
		    m->verif[i].record);
}

static void	json_str(const char *, const char *, int);

/*
 * The same as JSON: "mta_sts", "tls_rpt" (null when none) and
 * "verifications", each followed by a comma.
 */
static void
json_mta(const struct check_domain *c)
{
	const struct check_mta	*m = &c->mta;
	size_t			 i;

	sanitise_printf("\"mta_sts\":");
	if (*m->record || m->policy) {
		sanitise_printf("{");
		json_str("record", *m->record ? m->record : NULL, 1);
		json_str("id", *m->id ? m->id : NULL, 1);
		sanitise_printf("\"policy\":");
		if (m->policy) {
			sanitise_printf("{");
			json_str("mode", mode_word(m->pol.mode), 1);
			sanitise_printf("\"max_age\":%ld,\"mx\":[",
			    m->pol.max_age);
			for (i = 0; i < m->pol.nmx; i++) {
				if (i > 0)
					sanitise_printf(",");
				cmd_json(stdout, m->pol.mx[i]);
			}
			sanitise_printf("]},");
		} else
			sanitise_printf("null,");
		json_str("fetched_from", m->policy ? m->fetched_from : NULL,
		    0);
		sanitise_printf("},");
	} else
		sanitise_printf("null,");
	sanitise_printf("\"tls_rpt\":");
	if (*m->tlsrpt) {
		sanitise_printf("{");
		json_str("record", m->tlsrpt, 1);
		sanitise_printf("\"rua\":[");
		for (i = 0; i < m->nrua; i++) {
			if (i > 0)
				sanitise_printf(",");
			cmd_json(stdout, m->rua[i]);
		}
		sanitise_printf("]},");
	} else
		sanitise_printf("null,");
	sanitise_printf("\"verifications\":[");
	for (i = 0; i < m->nverif; i++) {
		sanitise_printf("%s{", i ? "," : "");
		json_str("service", m->verif[i].service, 1);
		json_str("record", m->verif[i].record, 0);
		sanitise_printf("}");
	}
	sanitise_printf("],");
}

static void
text_domain(const struct check_domain *c)
{
	char	n1[32];
	size_t	i;
	int	l;

	sanitise_printf("%s\n", c->domain);
	if (c->dmarc[0] != '\0')
		sanitise_printf("  DMARC    %s: %s\n", c->dmarc_at, c->dmarc);
	else
		sanitise_printf("  DMARC    none\n");
	if (c->spf.found) {
		sanitise_printf("  SPF      %s\n", c->spf.record);
		sanitise_printf("           %u DNS-querying terms (10 "
		    "allowed), %u that found nothing (2 allowed)\n",
		    c->spf.lookups, c->spf.voids);
		for (i = 0; i < c->spf.nbranch; i++)
			sanitise_printf("           %-40s %u\n",
			    c->spf.branch[i].name, c->spf.branch[i].lookups);
	} else
		sanitise_printf("  SPF      none\n");
	for (i = 0; i < c->nkeys; i++) {
		const struct check_key *k = &c->key[i];
		fmt_count(k->seen, n1, sizeof n1);
		sanitise_printf("  DKIM     %s._domainkey.%s: ", k->selector,
		    k->domain);
		if (!k->found)
			sanitise_printf("no key");
		else if (k->revoked)
			sanitise_printf("revoked");
		else if (k->bits > 0)
			sanitise_printf("%s, %u bits", k->type, k->bits);
		else
			sanitise_printf("%s", k->type ? k->type : "?");
		if (k->cname[0] != '\0')
			sanitise_printf(", through %s", k->cname);
		sanitise_printf(" (%s messages in the reports%s)\n", n1,
		    k->configured ? ", configured" : "");
	}
	if (c->null_mx)
		sanitise_printf("  MX       null (RFC 7505: no mail)\n");
	for (i = 0; !c->null_mx && i < c->nmx; i++)
		sanitise_printf("  MX       %u %s\n", c->mx_pref[i], c->mx[i]);
	for (i = 0; i < c->nchanges; i++) {
		const struct check_change *x = &c->change[i];
		char what[400], day[16];
		check_record_what(c->domain, x->kind, x->name, what,
		    sizeof what);
		fmt_day(x->on / 86400, day, sizeof day);
		sanitise_printf("  changed  %s changed on %s\n", what, day);
		if (x->was[0] != '\0')
			sanitise_printf("           before: %s\n", x->was);
		else
			sanitise_printf("           before: none\n");
	}
	text_mta(c);
	for (l = FINDING_ERROR; l <= FINDING_NOTE; l++)
		for (i = 0; i < c->f.n; i++) {
			const struct finding *x = &c->f.v[i];
			if ((int)x->level != l)
				continue;
			sanitise_printf("  %-8s %s\n", level_word(x->level),
			    x->what);
			if (*x->why)
				sanitise_printf("           why: %s\n", x->why);
			if (*x->fix)
				sanitise_printf("           fix: %s\n", x->fix);
		}
	if (c->f.dropped > 0)
		sanitise_printf("  and %zu more findings\n", c->f.dropped);
}

static void
json_str(const char *key, const char *v, int comma)
{
	sanitise_printf("\"%s\":", key);
	cmd_json(stdout, v);
	if (comma)
		sanitise_printf(",");
}

static void
json_domain(const struct check_domain *c)
{
	size_t	i;

	sanitise_printf("{");
	json_str("domain", c->domain, 1);
	sanitise_printf("\"dmarc\":{");
	json_str("at", *c->dmarc_at ? c->dmarc_at : NULL, 1);
	json_str("record", *c->dmarc ? c->dmarc : NULL, 0);
	sanitise_printf("},\"spf\":{");
	json_str("record", c->spf.found ? c->spf.record : NULL, 1);
	sanitise_printf("\"lookups\":%u,\"voids\":%u,\"branches\":[",
	    c->spf.lookups, c->spf.voids);
	for (i = 0; i < c->spf.nbranch; i++) {
		sanitise_printf("%s{", i ? "," : "");
		json_str("name", c->spf.branch[i].name, 1);
		sanitise_printf("\"lookups\":%u}", c->spf.branch[i].lookups);
	}
	sanitise_printf("]},\"dkim\":[");
	for (i = 0; i < c->nkeys; i++) {
		const struct check_key *k = &c->key[i];
		sanitise_printf("%s{", i ? "," : "");
		json_str("domain", k->domain, 1);
		json_str("selector", k->selector, 1);
		sanitise_printf("\"found\":%s,\"revoked\":%s,\"testing\":%s,",
		    k->found ? "true" : "false", k->revoked ? "true" :
		    "false", k->testing ? "true" : "false");
		json_str("type", k->found ? k->type : NULL, 1);
		sanitise_printf("\"bits\":%u,", k->bits);
		json_str("cname", *k->cname ? k->cname : NULL, 1);
		sanitise_printf("\"configured\":%s,\"messages\":%llu,"
		    "\"passed\":%llu}", k->configured ? "true" : "false",
		    (unsigned long long)k->seen, (unsigned long long)k->pass);
	}
	sanitise_printf("],\"mx\":[");
	for (i = 0; i < c->nmx; i++) {
		sanitise_printf("%s{\"preference\":%u,", i ? "," : "",
		    c->mx_pref[i]);
		json_str("host", c->mx[i], 0);
		sanitise_printf("}");
	}
	sanitise_printf("],\"null_mx\":%s,\"changes\":[", c->null_mx ?
	    "true" : "false");
	for (i = 0; i < c->nchanges; i++) {
		const struct check_change *x = &c->change[i];
		char day[16];
		fmt_day(x->on / 86400, day, sizeof day);
		sanitise_printf("%s{", i ? "," : "");
		json_str("kind", x->kind, 1);
		json_str("name", x->name, 1);
		json_str("on", day, 1);
		json_str("was", x->was, 0);
		sanitise_printf("}");
	}
	sanitise_printf("],");
	json_mta(c);
	sanitise_printf("\"findings\":[");
	for (i = 0; i < c->f.n; i++) {
		const struct finding *x = &c->f.v[i];
		sanitise_printf("%s{", i ? "," : "");
		json_str("level", level_word(x->level), 1);
		json_str("what", x->what, 1);
		json_str("why", *x->why ? x->why : NULL, 1);
		json_str("fix", *x->fix ? x->fix : NULL, 0);
		sanitise_printf("}");
	}
	sanitise_printf("]}");
}

int
cmd_check(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "days", required_argument, NULL, CMD_OPT_DAYS },
		{ "as-of", required_argument, NULL, CMD_OPT_AS_OF },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "ca-file", required_argument, NULL, OPT_CA_FILE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_when		 wh;
	struct check_opts	 o;
	struct check_domain	*cd = NULL;
	struct names		 names;
	struct cmd_others	 others;
	struct conf		*conf = NULL;
	struct store		*s = NULL;
	struct dns		*d = NULL;
	struct dr_error		 err;
	char			 why[VALID_WHY + 800], lower[256];
	size_t			 i, j;
	int			 ch, rc, json = 0, worst = FINDING_NOTE + 1;

	memset(&wh, 0, sizeof wh);
	memset(&o, 0, sizeof o);
	memset(&names, 0, sizeof names);
	memset(&others, 0, sizeof others);
	memset(&err, 0, sizeof err);
	while ((ch = cmd_getopt(c, "check", argc, argv, "h", opts)) != -1) {
		rc = cmd_when_option(c, "check", ch, optarg, &wh);
		if (rc == -1)
			return EXIT_USAGE;
		if (rc == 0)
			continue;
		switch (ch) {
		case OPT_FORMAT:
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (strcmp(optarg, "text") != 0)
				return cmd_usage_error(c, "check", "unknown "
				    "format '%s' (text or json)", optarg);
			break;
		case OPT_CA_FILE:
			if (access(optarg, R_OK) == -1)
				return cmd_usage_error(c, "check", "--ca-file "
				    "%s: %s", optarg, strerror(errno));
			o.ca_file = optarg;
			break;
		case 'h':
			check_usage(stdout);
			return EXIT_OK;
		default:
			sanitise_fprintf(stderr, "Try 'dmarcdb check "
			    "--help'.\n");
			return EXIT_USAGE;
		}
	}
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		snprintf(lower, sizeof lower, "%s", argv[i]);
		if (valid_hostname(cmd_domain_arg(lower), why, sizeof why) ==
		    -1) {
			rc = cmd_usage_error(c, "check", "'%s' is not a "
			    "domain: %s", argv[i], why);
			goto out;
		}
		if (add_name(&names, lower) == -1)
			goto nomem;
	}
	if (cmd_window(c, "check", &wh, 30, &o.from_day, &o.to_day) == -1) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (align_init(&err) == -1 || conf_load(c->config, &conf, &err) ==
	    -1) {
		log_warnx("%s", err.msg);
		rc = EXIT_DB;
		goto out;
	}
	if (o.ca_file == NULL && conf->ca_file != NULL) {
		if (access(conf->ca_file, R_OK) == -1) {
			log_warnx("%s:%d: ca-file %s: %s", conf->path ?
			    conf->path : "(configuration)", conf->line_ca_file,
			    conf->ca_file, strerror(errno));
			rc = EXIT_DB;
			goto out;
		}
		o.ca_file = conf->ca_file;
	}
	/* The reports, if there is a database: selectors, domains. */
	if (store_exists(c->db_path)) {
		if ((rc = cmd_open_store(c, &s)) != EXIT_OK)
			goto out;
		if (store_read_begin(s, &err) == -1) {
			log_warnx("%s", err.msg);
			rc = cmd_exit_for(&err);
			goto out;
		}
		if (names.n == 0 && (rc = cmd_each_domain(c, "check", s, conf,
		    &wh, NULL, 0, on_domain, &names, &others)) != EXIT_OK)
			goto out;
		if (others.line[0] != '\0')
			log_info("%s", others.line);
		/* Each lookup's result is kept in its own transaction. */
		store_read_end(s);
	} else if (names.n == 0)
		for (i = 0; i < conf->ndomains; i++)
			for (j = 0; j < conf->domains[i].nnames; j++)
				if (add_name(&names,
				    conf->domains[i].names[j]) == -1)
					goto nomem;
	if (names.n == 0) {
		log_info("no domain to check: name one, or configure it");
		rc = EXIT_OK;
		goto out;
	}
	if ((d = dns_new(&conf->resolver)) == NULL ||
	    (cd = malloc(sizeof *cd)) == NULL)
		goto nomem;
	if (json)
		sanitise_printf("{\"domains\":[");
	rc = EXIT_OK;
	for (i = 0; i < names.n; i++) {
		if (check_domain(d, s, conf, names.v[i], &o, cd, why,
		    sizeof why) == -1) {
			if (json)
				sanitise_printf("]}\n");
			log_warnx("%s", why);
			rc = EXIT_UNREACHABLE;
			goto out;
		}
		if (s != NULL && check_keep(s, cd, time(NULL), &err) == -1) {
			if (json)
				sanitise_printf("]}\n");
			log_warnx("%s", err.msg);
			rc = cmd_exit_for(&err);
			goto out;
		}
		if (check_worst(cd) < worst)
			worst = check_worst(cd);
		if (json) {
			if (i > 0)
				sanitise_printf(",");
			json_domain(cd);
		} else {
			if (i > 0)
				sanitise_printf("\n");
			text_domain(cd);
		}
	}
	if (json)
		sanitise_printf("]}\n");
	if (names.full)
		log_warnx("more than %d domains: the others are not checked",
		    MAX_DOMAINS);
	rc = worst == FINDING_ERROR ? EXIT_USAGE : worst == FINDING_WARN ?
	    EXIT_REJECTED : EXIT_OK;
	goto out;
nomem:
	log_warnx("out of memory");
	rc = EXIT_INTERNAL;
out:
	for (i = 0; i < names.n; i++)
		free(names.v[i]);
	free(cd);
	dns_free(d);
	if (s != NULL)
		store_close(s);
	conf_free(conf);
	return rc;
}
