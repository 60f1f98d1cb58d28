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

struct list {
	int		csv;
	uint64_t	n;
};

static void
reports_usage(FILE *f)
{
	fprintf(f,
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

static void
csv_field(const char *s)
{
	/* Quote, and defuse spreadsheet formulas. */
	putchar('"');
	if (s != NULL && (s[0] == '=' || s[0] == '+' || s[0] == '-' ||
	    s[0] == '@'))
		putchar('\'');
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

/* Printable on a terminal: control bytes shown as '?'. */
static void
safe(const char *s, char *out, size_t len, size_t width)
{
	size_t	i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < len && i < width;
	    i++)
		out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' :
		    s[i];
	out[i] = '\0';
}

static int
row(void *arg, const struct store_report_row *r)
{
	struct list	*l = arg;
	char		 day[24], end[24], who[64], dom[64];

	fmt_utc(r->begin, FMT_DATE, day, sizeof day);
	fmt_utc(r->end, FMT_DATE, end, sizeof end);
	if (l->csv) {
		printf("%lld,%s,", (long long)r->id, r->status);
		printf("%s,%s,", day, end);
		csv_field(r->domain);
		putchar(',');
		csv_field(r->reporter);
		putchar(',');
		csv_field(r->report_id);
		printf(",%lld,%lld,", (long long)r->records,
		    (long long)r->messages);
		csv_field(r->policy);
		printf(",%lld\n", (long long)r->warnings);
	} else {
		if (l->n == 0)
			printf("%-10s %-24s %-24s %8s %10s  %s\n", "BEGIN",
			    "DOMAIN", "REPORTER", "RECORDS", "MESSAGES",
			    "POLICY");
		safe(r->domain, dom, sizeof dom, 24);
		safe(r->reporter, who, sizeof who, 24);
		printf("%-10s %-24s %-24s %8lld %10lld  %s%s%s\n", day, dom,
		    who, (long long)r->records, (long long)r->messages,
		    r->policy, strcmp(r->status, "active") ? " superseded" :
		    "", r->warnings ? " (warnings)" : "");
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
			fprintf(stderr, "Try 'dmarcdb reports --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error(c, "reports", "unexpected argument "
		    "'%s'", argv[optind]);
	if ((rc = cmd_open_store(c, &s)) != EXIT_OK)
		return rc;
	if (l.csv)
		printf("id,status,begin,end,domain,reporter,report_id,records,"
		    "messages,policy,warnings\n");
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
