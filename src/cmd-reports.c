/*
 * cmd-reports.c: dmarcdb reports [--domain D] [--since DATE] [--all]
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "fmt.h"
#include "log.h"
#include "sanitise.h"

struct list {
	int		csv;
	uint64_t	n;
};

static void
reports_usage(FILE *f)
{
	sanitise_fprintf(f,
	    "usage: dmarcdb [--db FILE] reports [--domain D] [--since DATE] "
	    "[--all] [--csv]\n"
	    "\n"
	    "List stored reports, newest first: period (UTC), policy domain,\n"
	    "reporter, records, messages, the published policy, warnings.\n"
	    "\n"
	    "Options:\n"
	    "  --domain D     only reports for policy domain D\n"
	    "  --since DATE   only reports whose period ends on or after DATE\n"
	    "                 (YYYY-MM-DD)\n"
	    "  --all          include superseded copies\n"
	    "  --csv          comma-separated values with a header line\n"
	    "  -h, --help     this help\n");
}

static int
row(void *arg, const struct store_report_row *r)
{
	struct list	*l = arg;
	char		 day[24], end[24];

	fmt_utc(r->begin, FMT_DATE, day, sizeof day);
	fmt_utc(r->end, FMT_DATE, end, sizeof end);
	if (l->csv) {
		sanitise_printf("%lld,%s,", (long long)r->id, r->status);
		sanitise_printf("%s,%s,", day, end);
		cmd_csv(stdout, r->domain);
		sanitise_printf(",");
		cmd_csv(stdout, r->reporter);
		sanitise_printf(",");
		cmd_csv(stdout, r->report_id);
		sanitise_printf(",%lld,%lld,", (long long)r->records,
		    (long long)r->messages);
		cmd_csv(stdout, r->policy);
		sanitise_printf(",%lld\n", (long long)r->warnings);
	} else {
		if (l->n == 0)
			sanitise_printf("%-10s %-24s %-24s %8s %10s  %s\n",
			    "BEGIN", "DOMAIN", "REPORTER", "RECORDS",
			    "MESSAGES", "POLICY");
		/* Names cut to 24 characters, never inside one. */
		sanitise_printf("%-10s %-24.24s %-24.24s %8lld %10lld  "
		    "%s%s%s\n", day, r->domain, r->reporter,
		    (long long)r->records, (long long)r->messages, r->policy,
		    strcmp(r->status, "active") ? " superseded" : "",
		    r->warnings ? " (warnings)" : "");
	}
	l->n++;
	return 0;
}

int
cmd_reports(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "csv", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_filter	 f = { NULL, INT64_MIN, 0 };
	struct list		 l = { 0, 0 };
	struct store		*s;
	struct dr_error		 err;
	int			 ch, rc;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			f.domain = optarg;
			break;
		case 's':
			if (cmd_parse_date(optarg, &f.since) == -1)
				return cmd_usage_error(c, "reports", "invalid "
				    "date '%s' (use YYYY-MM-DD)", optarg);
			break;
		case 'a':
			f.all = 1;
			break;
		case 'c':
			l.csv = 1;
			break;
		case 'h':
			reports_usage(stdout);
			return EXIT_OK;
		default:
			sanitise_fprintf(stderr, "Try 'dmarcdb reports "
			    "--help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error(c, "reports", "unexpected argument "
		    "'%s'", argv[optind]);
	if ((rc = cmd_open_store(c, &s)) != EXIT_OK)
		return rc;
	if (l.csv)
		sanitise_printf("id,status,begin,end,domain,reporter,report_id,"
		    "records,messages,policy,warnings\n");
	rc = EXIT_OK;
	if (store_list_reports(s, &f, row, &l, &err) == -1) {
		log_warnx("%s", err.msg);
		rc = cmd_exit_for(&err);
	} else if (l.n == 0 && !l.csv)
		log_info("no reports stored%s", f.domain ? " for that domain" :
		    "");
	store_close(s);
	return rc;
}
