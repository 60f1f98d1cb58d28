/*
 * main.c: global options, the command table, exit codes.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>

#include "cmd.h"
#include "conf.h"
#include "fmt.h"
#include "geo.h"
#include "log.h"
#include "parse.h"
#include "sanitise.h"

static const struct dr_cmd commands[] = {
	{ "ingest", cmd_ingest, "store DMARC aggregate reports" },
	{ "reports", cmd_reports, "list stored reports" },
	{ "rejected", cmd_rejected, "list rejected inputs, or dump one" },
	{ "sources", cmd_sources, "classify sending sources per domain" },
	{ "advise", cmd_advise, "the next safe policy step, and its record" },
	{ "export", cmd_export, "one flat row per record, as CSV or NDJSON" },
	{ "digest", cmd_digest, "the weekly summary email" },
	{ "domains", cmd_domains, "every domain with reports, configured or "
	    "not" },
	{ "ptr", cmd_ptr, "reverse DNS of addresses, through the cache" },
	{ "config", cmd_config, "check the configuration (config check)" },
	{ "check", cmd_check, "audit the DMARC, SPF, DKIM and MX records in "
	    "DNS" },
	{ "copy", cmd_copy, "copy a SQLite store into another database" },
};
#define NCOMMANDS	(sizeof commands / sizeof commands[0])

static void
usage(FILE *f)
{
	size_t	i;

	sanitise_fprintf(f,
	    "usage: dmarcdb [--db FILE] [--config FILE] [-v | -q] COMMAND [options]\n"
	    "               [args]\n"
	    "\n"
	    "Store DMARC aggregate reports in SQLite or PostgreSQL and make\n"
	    "sense of them.\n"
	    "\n"
	    "Global options:\n"
	    "  --db FILE      database (default: $DMARCDB_DB, else ./dmarc.db);\n"
	    "                 a postgresql:// URI for PostgreSQL's\n"
	    "  --config FILE  configuration (default: $DMARCDB_CONFIG, else\n"
	    "                 /etc/dmarcdb.conf if it exists)\n"
	    "  -v, --verbose  say more (repeat for debugging output)\n"
	    "  -q, --quiet    print only problems (for cron)\n"
	    "  -h, --help     this help; COMMAND --help for a command's\n"
	    "  -V, --version  print the version and the location database\n"
	    "\n"
	    "Commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		sanitise_fprintf(f, "  %-10s %s\n", commands[i].name,
		    commands[i].summary);
	sanitise_fprintf(f, "\nSee dmarcdb(1) for details.\n");
}

int
cmd_usage_error(struct cmd_ctx *c, const char *cmd, const char *fmt, ...)
{
	va_list	ap;

	sanitise_fprintf(stderr, "%s: %s%s", c->prog, cmd ? cmd : "",
	    cmd ? ": " : "");
	va_start(ap, fmt);
	sanitise_vfprintf(stderr, fmt, ap);
	va_end(ap);
	sanitise_fprintf(stderr, "\nTry '%s %s%s--help'.\n", c->prog,
	    cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

static volatile sig_atomic_t output_closed;

/* A write to a pipe nobody reads any more: the write fails (EPIPE). */
static void
on_sigpipe(int sig)
{
	(void)sig;
	output_closed = 1;
}

int
cmd_output_closed(void)
{
	return output_closed != 0;
}

int
cmd_output_failed(const char *what)
{
	if (output_closed)
		return 0;
	log_warn("%s", what);
	return 1;
}

int
cmd_exit_for(const struct dr_error *e)
{
	switch (e->code) {
	case DR_E_DB:
		return EXIT_DB;
	case DR_E_USAGE:
		return EXIT_USAGE;
	case DR_E_NOMEM:
	case DR_E_SYSTEM:
		return EXIT_INTERNAL;
	default:
		return EXIT_REJECTED;
	}
}

static int
open_store(struct cmd_ctx *c, int flags, struct store **s)
{
	struct dr_error	err;

	struct stat	st;
	const char	*what;

	if (store_open(c->db_path, STORE_BUSY_MS, flags, s, &err) == -1) {
		log_warnx("%s", err.msg);
		return cmd_exit_for(&err);
	}
	/*
	 * The database holds raw mail, senders and subjects. Others
	 * allowed in are worth a warning, on every run (once: the digest
	 * opens a connection per core), under -q too, until the mode is
	 * fixed: dmarcdb does not change a mode someone chose. A reader
	 * who cannot write it cannot change it either.
	 */
	if (!c->mode_said && !store_readonly(*s) &&
	    stat(c->db_path, &st) == 0 &&
	    S_ISREG(st.st_mode) &&
	    (st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
		what = (st.st_mode & S_IWOTH) == 0 ? "read" :
		    (st.st_mode & S_IROTH) == 0 ? "write" : "read and write";
		log_warnx("%s: other users can %s it (mode %04o), and it "
		    "holds raw mail: chmod o-rwx it", c->db_path, what,
		    (unsigned)(st.st_mode & 07777));
		c->mode_said = 1;
	}
	return EXIT_OK;
}

int
cmd_open_store(struct cmd_ctx *c, struct store **s)
{
	return open_store(c, 0, s);
}

int
cmd_create_store(struct cmd_ctx *c, struct store **s)
{
	return open_store(c, STORE_CREATE, s);
}

int
cmd_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
cmd_parse_size(const char *s, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;
	unsigned		 shift = 0;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default: break;
	}
	if (*end == 'i' && shift > 0)
		end++;
	if ((*end == 'b' || *end == 'B'))
		end++;
	if (*end != '\0' || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

/*
 * --version: the version, then the location database the configuration
 * names (or the default) and its date, or why there is none.
 */
static int
version(const struct cmd_ctx *c)
{
	struct dr_error	 err;
	struct conf	*conf;
	struct geo	*g;
	const char	*path;
	char		 day[32];

	sanitise_printf("dmarcdb %s\n", PACKAGE_VERSION);
	if (conf_load(c->config, &conf, &err) == -1) {
		log_warnx("%s", err.msg);
		return EXIT_DB;
	}
	path = conf->location_db != NULL ? conf->location_db :
	    GEO_DEFAULT_PATH;
	g = geo_open(path, &err);
	if (g == NULL)
		sanitise_printf("location database: none (%s); AS and country "
		    "are not shown\n", err.msg);
	else {
		fmt_utc(geo_created(g), FMT_DATE, day, sizeof day);
		sanitise_printf("location database: %s (%s)\n", geo_path(g),
		    day);
	}
	geo_close(g);
	conf_free(conf);
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_ctx	 c;
	struct sigaction sa;
	const char	*env;
	size_t		 i;
	int		 ch, before, want_version = 0;

	memset(&c, 0, sizeof c);
	c.prog = "dmarcdb";
	/*
	 * What dmarcdb creates is never for every user, nor writable by
	 * the group (the database has its own mode: store_open).
	 */
	umask(umask(0) | 027);
	if (store_init() == -1) {
		sanitise_fprintf(stderr, "dmarcdb: cannot initialise SQLite\n");
		return EXIT_INTERNAL;
	}
	/*
	 * A reader that goes away (| head) ends the output quietly, the
	 * same whatever SIGPIPE's disposition was (systemd ignores it):
	 * writes fail with EPIPE, and the commands stop.
	 */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigpipe;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	env = getenv("DMARCDB_DB");
	c.db_path = env != NULL && *env != '\0' ? env : "dmarc.db";

	/*
	 * "+": stop at the command name; its options are its own (and
	 * these, cmd_getopt). ":": a missing value told apart.
	 */
	opterr = 0;
	for (;;) {
		before = optind;
		ch = getopt_long(argc, argv, "+:vqhV", opts, NULL);
		if (ch == -1)
			break;
		switch (ch) {
		case 'd':
			c.db_path = optarg;
			break;
		case 'c':
			c.config = optarg;
			break;
		case 'v':
			c.verbosity++;
			break;
		case 'q':
			c.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			want_version = 1;
			break;
		default:
			cmd_option_error(NULL, argv, ch, before, opts);
			sanitise_fprintf(stderr, "Try 'dmarcdb --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (c.quiet && c.verbosity > 0)
		return cmd_usage_error(&c, NULL, "-q and -v exclude each "
		    "other");
	log_init(c.prog, c.quiet ? LOG_QUIET : c.verbosity > 1 ? LOG_DEBUG :
	    c.verbosity);
	if (want_version)
		return version(&c);
	if (optind >= argc)
		return cmd_usage_error(&c, NULL, "no command given");
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			int rc, flushed;
			xmlInitParser();
			parse_thread_init();
			argc -= optind;
			argv += optind;
			optind = 0;	/* glibc: re-initialise getopt */
			rc = commands[i].fn(&c, argc, argv);
			xmlCleanupParser();
			/*
			 * Output that did not reach its file is a failure;
			 * a reader that went away is not.
			 */
			flushed = fflush(stdout) != EOF;
			if (!flushed || ferror(stdout)) {
				/* A write that failed before: its errno. */
				if (flushed && sanitise_errno() != 0)
					errno = sanitise_errno();
				if (rc == EXIT_OK &&
				    cmd_output_failed("writing the output"))
					rc = EXIT_REJECTED;
			}
			return rc;
		}
	}
	return cmd_usage_error(&c, NULL, "unknown command '%s'",
	    argv[optind]);
}
