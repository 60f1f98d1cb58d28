/*
 * cmd-reports.c: dmarcdb reports [--domain D] [--since DATE] [--all]
 *     [--format table|csv|json]
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
	enum cmd_format	fmt;
	uint64_t	n;
};

static void
reports_usage(FILE *f)
{
	sanitise_fprintf(f,
	    "usage: dmarcdb [--db FILE] reports [--domain D] [--since DATE] "
	    "[--all]\n"
	    "           [--format table|csv|json]\n"
	    "\n"
	    "List stored reports, newest first: period (UTC), policy domain,\n"
	    "reporter, records, messages, the published policy, warnings.\n"
	    "\n"
	    "Options:\n"
	    "  --domain D     only reports for policy domain D\n"
	    "  --since DATE   only reports whose period ends on or after DATE\n"
	    "                 (YYYY-MM-DD)\n"
	    "  --all          include superseded copies\n"
	    "  --format F     table (default), csv (a header line) or json\n"
	    "  --csv          the same as --format csv\n"
	    "  -h, --help     this help\n");
}

static int
row(void *arg, const struct store_report_row *r)
{
	struct list	*l = arg;
	char		 day[24], end[24];

	/* The reader went away (| head): no more. */
	if (ferror(stdout))
		return 1;
	if (l->fmt == CMD_JSON) {
		fmt_utc(r->begin, FMT_ISO, day, sizeof day);
		fmt_utc(r->end, FMT_ISO, end, sizeof end);
		sanitise_printf("%s\n{\"id\":%lld,\"status\":\"%s\","
		    "\"begin\":\"%s\",\"end\":\"%s\",\"domain\":",
		    l->n ? "," : "", (long long)r->id, r->status, day, end);
		cmd_json(stdout, r->domain);
		sanitise_printf(",\"reporter\":");
		cmd_json(stdout, r->reporter);
		sanitise_printf(",\"report_id\":");
		cmd_json(stdout, r->report_id);
		sanitise_printf(",\"records\":%lld,\"messages\":%lld,"
		    "\"policy\":", (long long)r->records,
		    (long long)r->messages);
		cmd_json(stdout, r->policy);
		sanitise_printf(",\"warnings\":%lld}", (long long)r->warnings);
		l->n++;
		return 0;
	}
	fmt_utc(r->begin, FMT_DATE, day, sizeof day);
	fmt_utc(r->end, FMT_DATE, end, sizeof end);
	if (l->fmt == CMD_CSV) {
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
		{ "domain", required_argument, NULL, CMD_OPT_DOMAIN },
		{ "since", required_argument, NULL, CMD_OPT_SINCE },
		{ "all", no_argument, NULL, 'a' },
		{ "csv", no_argument, NULL, 'c' },
		{ "format", required_argument, NULL, CMD_OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_filter	 f = { NULL, INT64_MIN, 0 };
	struct list		 l = { CMD_TABLE, 0 };
	struct store		*s;
	struct dr_error		 err;
	const char		*domains[1];
	int			 ch, rc;

	while ((ch = cmd_getopt(c, "reports", argc, argv, "h", opts)) != -1) {
		switch (ch) {
		case CMD_OPT_DOMAIN:
			f.domain = cmd_domain_arg(optarg);
			break;
		case CMD_OPT_SINCE:
			if (cmd_date_option(c, "reports", "--since", optarg,
			    &f.since) == -1)
				return EXIT_USAGE;
			break;
		case 'a':
			f.all = 1;
			break;
		case 'c':
			l.fmt = CMD_CSV;
			break;
		case CMD_OPT_FORMAT:
			if (cmd_table_format(c, "reports", optarg, &l.fmt) ==
			    -1)
				return EXIT_USAGE;
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
	if (l.fmt == CMD_CSV)
		sanitise_printf("id,status,begin,end,domain,reporter,report_id,"
		    "records,messages,policy,warnings\n");
	else if (l.fmt == CMD_JSON)
		sanitise_printf("{\"reports\":[");
	rc = EXIT_OK;
	if (store_list_reports(s, &f, row, &l, &err) == -1) {
		log_warnx("%s", err.msg);
		rc = cmd_exit_for(&err);
	} else {
		if (l.fmt == CMD_JSON)
			sanitise_printf(l.n ? "\n]}\n" : "]}\n");
		domains[0] = f.domain;
		cmd_newest_note(s, domains, f.domain != NULL, NULL, 0,
		    l.n == 0, NULL);
	}
	store_close(s);
	return rc;
}
