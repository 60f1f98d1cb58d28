/*
 * cmd-opt.c: the options of every command: getopt_long with the global
 * options accepted after the command name too and errors in dmarcdb's
 * own words, dates, and policy domains as the reports store them.
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fmt.h"
#include "log.h"
#include "norm.h"

/* Options of a command, with the global ones added. */
#define OPT_MAX		64

/* getopt_long values of the global options after a command's name. */
enum {
	G_DB = 900,
	G_CONFIG,
	G_VERBOSE,
	G_QUIET,
	G_VERSION,
};

static const struct option globals[] = {
	{ "db", required_argument, NULL, G_DB },
	{ "config", required_argument, NULL, G_CONFIG },
	{ "verbose", no_argument, NULL, G_VERBOSE },
	{ "quiet", no_argument, NULL, G_QUIET },
	{ "version", no_argument, NULL, G_VERSION },
};
#define NGLOBALS	(sizeof globals / sizeof globals[0])

static void	relog(const struct cmd_ctx *);
static int	opt_error(const char *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * The first line of a usage error: "dmarcdb: COMMAND: what"; the
 * caller adds where to look. Returns EXIT_USAGE.
 */
static int
opt_error(const char *cmd, const char *fmt, ...)
{
	va_list	ap;
	char	msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_warnx("%s%s%s", cmd ? cmd : "", cmd ? ": " : "", msg);
	return EXIT_USAGE;
}

/* The log level that -q and -v give. */
static void
relog(const struct cmd_ctx *c)
{
	log_init(c->prog, c->quiet ? LOG_QUIET : c->verbosity > 1 ?
	    LOG_DEBUG : c->verbosity);
}

/*
 * The name of the long option at arg ("--dom=x": "--dom"), into out.
 */
static void
long_name(const char *arg, char *out, size_t len)
{
	size_t	n;

	n = strcspn(arg, "=");
	snprintf(out, len, "%.*s", (int)n, arg);
}

int
cmd_option_error(const char *cmd, char **argv, int ch, int before,
    const struct option *longopts)
{
	const struct option	*o;
	const char		*arg = NULL;
	char			 name[64], alts[256];
	size_t			 n, len, k = 0;

	/* A long option always moves optind; a short one may not. */
	if (optind > before && optind > 0 &&
	    strncmp(argv[optind - 1], "--", 2) == 0)
		arg = argv[optind - 1];
	if (arg == NULL) {
		if (ch == ':')
			return opt_error(cmd, "option '-%c' needs a "
			    "value", optopt);
		return opt_error(cmd, "unknown option '-%c'",
		    optopt);
	}
	long_name(arg, name, sizeof name);
	if (ch == ':')
		return opt_error(cmd, "option '%s' needs a value",
		    name);
	if (optopt != 0)
		return opt_error(cmd, "option '%s' takes no value",
		    name);
	/* Unknown, or the start of several. */
	len = strlen(name + 2);
	alts[0] = '\0';
	for (o = longopts, n = 0; o->name != NULL; o++)
		if (len > 0 && strncmp(o->name, name + 2, len) == 0) {
			k += (size_t)snprintf(alts + k, k < sizeof alts ?
			    sizeof alts - k : 0, "%s--%s", n ? ", " : "",
			    o->name);
			if (k >= sizeof alts)
				k = sizeof alts;
			n++;
		}
	if (n > 1)
		return opt_error(cmd, "option '%s' is ambiguous (%s)",
		    name, alts);
	return opt_error(cmd, "unknown option '%s'", name);
}

int
cmd_getopt(struct cmd_ctx *c, const char *cmd, int argc, char **argv,
    const char *shortopts, const struct option *longopts)
{
	static struct option		 all[OPT_MAX + NGLOBALS + 1];
	static const struct option	*made_for;
	static char			 sopts[32];
	const struct option		*o;
	size_t				 n, i;
	int				 ch, before;

	if (made_for != longopts) {
		for (n = 0; longopts[n].name != NULL && n < OPT_MAX; n++)
			all[n] = longopts[n];
		for (i = 0; i < NGLOBALS; i++) {
			for (o = longopts; o->name != NULL; o++)
				if (strcmp(o->name, globals[i].name) == 0)
					break;
			if (o->name == NULL)
				all[n++] = globals[i];
		}
		memset(&all[n], 0, sizeof all[n]);
		/* ':' first: a missing value is told from an unknown option. */
		snprintf(sopts, sizeof sopts, ":%svqV", shortopts);
		made_for = longopts;
	}
	opterr = 0;
	for (;;) {
		before = optind;
		ch = getopt_long(argc, argv, sopts, all, NULL);
		switch (ch) {
		case G_DB:
			c->db_path = optarg;
			continue;
		case G_CONFIG:
			c->config = optarg;
			continue;
		case 'v':
		case G_VERBOSE:
			c->verbosity++;
			relog(c);
			continue;
		case 'q':
		case G_QUIET:
			c->quiet = 1;
			relog(c);
			continue;
		case 'V':
		case G_VERSION:
			opt_error(cmd, "'%s' is a global option: put "
			    "it before the command", ch == 'V' ? "-V" :
			    "--version");
			return '?';
		case '?':
		case ':':
			cmd_option_error(cmd, argv, ch, before, all);
			return '?';
		case -1:
			if (c->quiet && c->verbosity > 0) {
				opt_error(cmd, "-q and -v exclude "
				    "each other");
				return '?';
			}
			return -1;
		default:
			return ch;
		}
	}
}

/* --- dates --------------------------------------------------------- */

static const char *const months[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December",
};

/* 1 to 2 digits (the month, the day) at *p: the number, or -1. */
static int
two_digits(const char **p)
{
	int	v = 0, n = 0;

	while (n < 2 && **p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n > 0 ? v : -1;
}

int
cmd_parse_date(const char *s, int64_t *out, char *why, size_t len)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	const char	*p = s;
	uint64_t	 v;
	int64_t		 days;
	int		 y = 0, m, d, i, leap, dim, yy, era, yoe, doy, doe;

	if (len > 0)
		*why = '\0';
	/* Seconds since the epoch, from 1970 to 9999. */
	if (cmd_parse_uint(s, 0, FMT_TIME_MAX, &v) == 0 && strlen(s) > 8) {
		*out = (int64_t)v;
		return 0;
	}
	for (i = 0; i < 4; i++, p++) {
		if (*p < '0' || *p > '9')
			return -1;
		y = y * 10 + (*p - '0');
	}
	if (*p++ != '-' || (m = two_digits(&p)) == -1 || *p++ != '-' ||
	    (d = two_digits(&p)) == -1 || *p != '\0')
		return -1;
	if (y < 1970) {
		snprintf(why, len, "dates from 1970 on only");
		return -1;
	}
	if (m < 1 || m > 12) {
		snprintf(why, len, "there is no month %d", m);
		return -1;
	}
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	dim = mdays[m - 1] + (m == 2 && leap);
	if (d < 1 || d > dim) {
		snprintf(why, len, "%s %d has %d days", months[m - 1], y, dim);
		return -1;
	}
	/* Days since the epoch (Howard Hinnant's days_from_civil). */
	yy = m <= 2 ? y - 1 : y;
	era = yy / 400;
	yoe = yy - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = (int64_t)era * 146097 + doe - 719468;
	*out = days * 86400;
	return 0;
}

int
cmd_date_option(struct cmd_ctx *c, const char *cmd, const char *opt,
    const char *arg, int64_t *out)
{
	char	why[64];

	if (cmd_parse_date(arg, out, why, sizeof why) == 0)
		return 0;
	if (*why != '\0')
		cmd_usage_error(c, cmd, "invalid date '%s' for %s: %s", arg,
		    opt, why);
	else
		cmd_usage_error(c, cmd, "invalid date '%s' for %s (use "
		    "YYYY-MM-DD)", arg, opt);
	return -1;
}

/* --- policy domains ------------------------------------------------ */

const char *
cmd_domain_arg(char *arg)
{
	/* As the reports and the configuration store them. */
	norm_domain(arg);
	return arg;
}
