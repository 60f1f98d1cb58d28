/*
 * cmd-rejected.c: dmarcdb rejected [--dump ID]
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
	    "usage: dmarcdb [--db FILE] rejected [--dump ID]\n"
	    "\n"
	    "List the inputs that could not be stored, newest first, with\n"
	    "the reason; or write the kept raw bytes of one to standard\n"
	    "output (a file or a pipe, never a terminal).\n"
	    "\n"
	    "Options:\n"
	    "  --dump ID    write the raw bytes of rejected input ID\n"
	    "  -h, --help   this help\n");
}

static int
row(void *arg, const struct store_rejected_row *r)
{
	unsigned long	*n = arg;
	char		 when[32];

	fmt_utc(r->last_seen, FMT_MINUTE, when, sizeof when);
	if (*n == 0)
		sanitise_printf("%-6s %-16s %10s  %s\n", "ID",
		    "LAST SEEN (UTC)", "BYTES", "ORIGIN: REASON");
	sanitise_printf("%-6lld %-16s %10lld  %s: %s%s\n", (long long)r->id,
	    when, (long long)r->size, r->origin, r->reason,
	    r->kept < r->size ? " [kept in part]" : "");
	(*n)++;
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store	*s;
	struct dr_error	 err;
	unsigned long	 n = 0;
	uint64_t	 id = 0;
	int		 ch, rc, dumping = 0;

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (cmd_parse_uint(optarg, 1, INT64_MAX, &id) == -1)
				return cmd_usage_error(c, "rejected", "invalid "
				    "id '%s'", optarg);
			dumping = 1;
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
	/* The raw bytes came from anyone: never to a terminal. */
	if (dumping && isatty(STDOUT_FILENO))
		return cmd_usage_error(c, "rejected", "--dump writes the raw "
		    "bytes of an untrusted input: redirect them to a file or "
		    "a pager, not a terminal");
	if ((rc = cmd_open_store(c, &s)) != EXIT_OK)
		return rc;
	rc = EXIT_OK;
	if (dumping) {
		if (store_rejected_raw(s, (int64_t)id, dump, NULL, &err) != 0) {
			log_warnx("%s", err.code ? err.msg :
			    "writing standard output failed");
			rc = err.code ? cmd_exit_for(&err) : EXIT_INTERNAL;
		}
	} else if (store_list_rejected(s, row, &n, &err) == -1) {
		log_warnx("%s", err.msg);
		rc = cmd_exit_for(&err);
	} else if (n == 0)
		log_info("no rejected inputs");
	store_close(s);
	return rc;
}
