/*
 * cmd-rejected.c: dmarcdb rejected [--format table|csv|json] [--dump ID]
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "fmt.h"
#include "log.h"
#include "sanitise.h"

static void
rejected_usage(FILE *f)
{
	sanitise_fprintf(f,
	    "usage: dmarcdb [--db FILE] rejected [--format table|csv|json]\n"
	    "       dmarcdb [--db FILE] rejected --dump ID\n"
	    "\n"
	    "List the inputs that could not be stored, newest first, with\n"
	    "the reason; or write the kept raw bytes of one to standard\n"
	    "output (a file or a pipe, never a terminal).\n"
	    "\n"
	    "Options:\n"
	    "  --format F   table (default), csv (a header line) or json\n"
	    "  --dump ID    write the raw bytes of rejected input ID\n"
	    "  -h, --help   this help\n");
}

struct list {
	enum cmd_format	fmt;
	unsigned long	n;
};

static int
row(void *arg, const struct store_rejected_row *r)
{
	struct list	*l = arg;
	char		 when[32];

	/* The reader went away (| head): no more. */
	if (ferror(stdout))
		return 1;
	switch (l->fmt) {
	case CMD_TABLE:
		fmt_utc(r->last_seen, FMT_MINUTE, when, sizeof when);
		if (l->n == 0)
			sanitise_printf("%-6s %-16s %10s  %s\n", "ID",
			    "LAST SEEN (UTC)", "BYTES", "ORIGIN: REASON");
		sanitise_printf("%-6lld %-16s %10lld  %s: %s%s\n",
		    (long long)r->id, when, (long long)r->size, r->origin,
		    r->reason, r->kept < r->size ? " [kept in part]" : "");
		break;
	case CMD_CSV:
		fmt_utc(r->last_seen, FMT_ISO, when, sizeof when);
		sanitise_printf("%lld,%s,%lld,%lld,%lld,", (long long)r->id,
		    when, (long long)r->size, (long long)r->kept,
		    (long long)r->times_seen);
		cmd_csv(stdout, r->origin);
		sanitise_printf(",");
		cmd_csv(stdout, r->reason);
		sanitise_printf("\n");
		break;
	case CMD_JSON:
		fmt_utc(r->last_seen, FMT_ISO, when, sizeof when);
		sanitise_printf("%s\n{\"id\":%lld,\"last_seen\":\"%s\","
		    "\"size\":%lld,\"kept\":%lld,\"times_seen\":%lld,"
		    "\"origin\":", l->n ? "," : "", (long long)r->id, when,
		    (long long)r->size, (long long)r->kept,
		    (long long)r->times_seen);
		cmd_json(stdout, r->origin);
		sanitise_printf(",\"reason\":");
		cmd_json(stdout, r->reason);
		sanitise_printf("}");
		break;
	}
	l->n++;
	return 0;
}

static int
dump(void *arg, const void *p, size_t n)
{
	(void)arg;
	/* raw: --dump writes the kept bytes as they are, by design */
	if (n > 0 && fwrite(p, 1, n, stdout) != n)
		return -1;
	return fflush(stdout) == 0 ? 0 : -1;
}

int
cmd_rejected(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dump", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, CMD_OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store	*s;
	struct dr_error	 err;
	struct list	 l = { CMD_TABLE, 0 };
	uint64_t	 id = 0;
	int		 ch, rc, dumping = 0, have_format = 0;

	while ((ch = cmd_getopt(c, "rejected", argc, argv, "h", opts)) != -1) {
		switch (ch) {
		case 'd':
			if (cmd_parse_uint(optarg, 1, INT64_MAX, &id) == -1)
				return cmd_usage_error(c, "rejected", "invalid "
				    "id '%s'", optarg);
			dumping = 1;
			break;
		case CMD_OPT_FORMAT:
			if (cmd_table_format(c, "rejected", optarg, &l.fmt) ==
			    -1)
				return EXIT_USAGE;
			have_format = 1;
			break;
		case 'h':
			rejected_usage(stdout);
			return EXIT_OK;
		default:
			sanitise_fprintf(stderr, "Try 'dmarcdb rejected "
			    "--help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error(c, "rejected", "unexpected argument "
		    "'%s'", argv[optind]);
	if (dumping && have_format)
		return cmd_usage_error(c, "rejected", "--dump writes raw "
		    "bytes: not with --format");
	/* The raw bytes came from anyone: never to a terminal. */
	if (dumping && isatty(STDOUT_FILENO))
		return cmd_usage_error(c, "rejected", "--dump writes the raw "
		    "bytes of an untrusted input: redirect them to a file or "
		    "a pager, not a terminal");
	if ((rc = cmd_open_store(c, &s)) != EXIT_OK)
		return rc;
	rc = EXIT_OK;
	if (dumping) {
		memset(&err, 0, sizeof err);
		if (store_rejected_raw(s, (int64_t)id, dump, NULL, &err) == 0)
			;
		else if (err.code != 0) {
			log_warnx("%s", err.msg);
			rc = cmd_exit_for(&err);
		} else if (cmd_output_failed("writing the raw bytes"))
			rc = EXIT_REJECTED;
		store_close(s);
		return rc;
	}
	if (l.fmt == CMD_CSV)
		sanitise_printf("id,last_seen,size,kept,times_seen,origin,"
		    "reason\n");
	else if (l.fmt == CMD_JSON)
		sanitise_printf("{\"rejected\":[");
	if (store_list_rejected(s, row, &l, &err) == -1) {
		log_warnx("%s", err.msg);
		rc = cmd_exit_for(&err);
	} else {
		if (l.fmt == CMD_JSON)
			sanitise_printf(l.n ? "\n]}\n" : "]}\n");
		else if (l.n == 0 && l.fmt == CMD_TABLE)
			log_info("no rejected inputs");
		/* Nothing rejected is good news only if reports arrive. */
		cmd_newest_note(s, NULL, 0, NULL, 0, 0, NULL);
	}
	store_close(s);
	return rc;
}
