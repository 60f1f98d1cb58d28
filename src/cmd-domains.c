/*
 * cmd-domains.c: dmarcdb domains [--days N | --since DATE] [--as-of DATE]
 *     [--format table|csv|json]
 *
 * Every policy domain with reports in a window, configured or not, the
 * most messages first, then the configured domains without reports:
 * what sources, advise and the digest leave out when no domain is named
 * (scope.h), to find the domains worth configuring, and the forged ones.
 * Streams: any number of domains.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "fmt.h"
#include "hmap.h"
#include "log.h"
#include "sanitise.h"
#include "scope.h"


struct run {
	const struct conf	*conf;
	enum cmd_format		 fmt;
	int			 configured;	/* domains configured */
	uint64_t		 rank;		/* rows printed */
	struct hmap		*seen;	/* configured, reported */
	int			 nomem;
};

static void
domains_usage(FILE *f)
{
	sanitise_fprintf(f,
	    "usage: dmarcdb [--db FILE] [--config FILE] domains\n"
	    "           [--days N | --since DATE] [--as-of DATE]\n"
	    "           [--format table|csv|json]\n"
	    "\n"
	    "Every policy domain with reports in the window, the most\n"
	    "messages first, configured or not, with its reports and\n"
	    "messages; then the configured domains without reports. When no\n"
	    "--domain is given, sources, advise and digest cover only the\n"
	    "configured domains (without any, the 20 largest): this lists\n"
	    "the others, those worth configuring and those forged.\n"
	    "\n"
	    "Options:\n"
	    "  --days N        the N days before --as-of (default: the window\n"
	    "                  threshold of the configuration, 30)\n"
	    "  --since DATE    from DATE (YYYY-MM-DD) to the day before\n"
	    "                  --as-of\n"
	    "  --as-of DATE    as if run on DATE (default: today, UTC)\n"
	    "  --format F      table (default), csv or json\n"
	    "  --config FILE   the configuration (default: $DMARCDB_CONFIG,\n"
	    "                  else /etc/dmarcdb.conf if it exists)\n"
	    "  -h, --help      this help\n");
}

static void
row(struct run *r, const char *domain, uint64_t reports, uint64_t messages,
    int configured, int covered)
{
	char	n1[32], n2[32];

	switch (r->fmt) {
	case CMD_TABLE:
		if (r->rank == 0)
			sanitise_printf("%14s %9s  %-10s %-7s  %s\n",
			    "MESSAGES", "REPORTS", "CONFIGURED", "COVERED",
			    "DOMAIN");
		fmt_count(messages, n1, sizeof n1);
		fmt_count(reports, n2, sizeof n2);
		/* The domain last: no column to align after it. */
		sanitise_printf("%14s %9s  %-10s %-7s  %s\n", n1, n2,
		    configured ? "yes" : "no", covered ? "yes" : "no",
		    domain);
		break;
	case CMD_CSV:
		cmd_csv(stdout, domain);
		sanitise_printf(",%llu,%llu,%s,%s\n",
		    (unsigned long long)reports, (unsigned long long)messages,
		    configured ? "yes" : "no", covered ? "yes" : "no");
		break;
	case CMD_JSON:
		sanitise_printf("%s\n{\"domain\":", r->rank ? "," : "");
		cmd_json(stdout, domain);
		sanitise_printf(",\"reports\":%llu,\"messages\":%llu,"
		    "\"configured\":%s,\"covered\":%s}",
		    (unsigned long long)reports, (unsigned long long)messages,
		    configured ? "true" : "false", covered ? "true" : "false");
		break;
	}
	r->rank++;
}

static int
on_total(void *arg, const struct store_domain_total *t)
{
	struct run	*r = arg;
	int		 configured, added;

	configured = conf_domain(r->conf, t->domain) != NULL;
	if (configured && hmap_get(r->seen, t->domain, strlen(t->domain),
	    &added) == NULL) {
		r->nomem = 1;
		return -1;
	}
	/* Covered by default: configured, or (without any) the largest. */
	row(r, t->domain, t->reports, t->messages, configured,
	    r->configured ? configured : r->rank < r->conf->limits.domains);
	return ferror(stdout) ? 1 : 0;
}

int
cmd_domains(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "days", required_argument, NULL, CMD_OPT_DAYS },
		{ "since", required_argument, NULL, CMD_OPT_SINCE },
		{ "as-of", required_argument, NULL, CMD_OPT_AS_OF },
		{ "format", required_argument, NULL, CMD_OPT_FORMAT },
		{ "config", required_argument, NULL, CMD_OPT_CONFIG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct run	 r;
	struct cmd_when	 wh;
	struct store	*s;
	struct conf	*conf;
	struct dr_error	 err;
	const char	*config = NULL;
	char		 d1[16], d2[16];
	int64_t		 from, to;
	size_t		 i, j;
	int		 ch, rc;

	memset(&r, 0, sizeof r);
	memset(&wh, 0, sizeof wh);
	while ((ch = cmd_getopt(c, "domains", argc, argv, "h", opts)) != -1) {
		rc = cmd_when_option(c, "domains", ch, optarg, &wh);
		if (rc == -1)
			return EXIT_USAGE;
		if (rc == 0)
			continue;
		switch (ch) {
		case CMD_OPT_FORMAT:
			if (cmd_table_format(c, "domains", optarg, &r.fmt) == -1)
				return EXIT_USAGE;
			break;
		case CMD_OPT_CONFIG:
			config = optarg;
			break;
		case 'h':
			domains_usage(stdout);
			return EXIT_OK;
		default:
			sanitise_fprintf(stderr, "Try 'dmarcdb domains "
			    "--help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error(c, "domains", "unexpected argument '%s'",
		    argv[optind]);
	if (wh.since != NULL && wh.days != 0)
		return cmd_usage_error(c, "domains", "--days and --since "
		    "exclude each other");
	if (cmd_window(c, "domains", &wh, 30, &from, &to) == -1)
		return EXIT_USAGE;
	if ((rc = cmd_report_open(c, config, &s, &conf)) != EXIT_OK)
		return rc;
	/* The window of the report commands, when not given. */
	if (cmd_window(c, "domains", &wh, conf_max_window(conf), &from,
	    &to) == -1) {
		rc = EXIT_USAGE;
		goto out;
	}
	r.conf = conf;
	r.configured = conf->ndomains > 0;
	r.seen = hmap_new(sizeof(unsigned));
	if (r.seen == NULL) {
		log_warnx("out of memory");
		rc = EXIT_INTERNAL;
		goto out;
	}
	fmt_day(from, d1, sizeof d1);
	fmt_day(to, d2, sizeof d2);
	if (r.fmt == CMD_CSV)
		sanitise_printf("domain,reports,messages,configured,covered\n");
	else if (r.fmt == CMD_JSON)
		sanitise_printf("{\"from\":\"%s\",\"to\":\"%s\",\"domains\":[",
		    d1, d2);
	if (store_domain_totals(s, from, to, on_total, &r, &err) == -1) {
		if (r.nomem)
			dr_seterr(&err, DR_E_NOMEM, "out of memory");
		log_warnx("%s", err.msg);
		rc = cmd_exit_for(&err);
		goto out;
	}
	/* The configured domains that no report named. */
	for (i = 0; i < conf->ndomains; i++)
		for (j = 0; j < conf->domains[i].nnames; j++) {
			const char *n = conf->domains[i].names[j];
			if (hmap_find(r.seen, n, strlen(n)) == NULL)
				row(&r, n, 0, 0, 1, 1);
		}
	if (r.fmt == CMD_JSON)
		sanitise_printf("\n]}\n");
	else if (r.rank == 0 && r.fmt == CMD_TABLE)
		log_info("no domains with reports from %s to %s", d1, d2);
out:
	hmap_free(r.seen);
	store_close(s);
	conf_free(conf);
	return rc;
}
