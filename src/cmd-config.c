/*
 * cmd-config.c: dmarcdb config check (dmarcdb(1), CONFIGURATION): the
 * configuration is read as every command reads it, then linted: rules
 * that match no mail or every customer of a service (lint.h), and,
 * with a database, each configured sender that matched no mail in the
 * window. Exit 0: nothing found; 1: findings; 2: usage; 3: not read.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "align.h"
#include "catalogue.h"
#include "classify.h"
#include "cmd.h"
#include "digest.h"
#include "fmt.h"
#include "lint.h"
#include "log.h"
#include "sanitise.h"

static void
config_usage(FILE *f)
{
	sanitise_fprintf(f,
	    "usage: dmarcdb [--db FILE] [--config FILE] config check\n"
	    "           [--as-of DATE] [--days N]\n"
	    "\n"
	    "Read the configuration as every command does, then say what in\n"
	    "it is valid but wrong: an spf rule naming an SPF record\n"
	    "(_spf.google.com) instead of a MAIL FROM domain, a rule naming\n"
	    "a service's own domain (every customer of the service passes\n"
	    "for it), and, when the database exists, each configured sender\n"
	    "that matched no mail in the window. One finding a line, as\n"
	    "FILE:LINE: text. Exit 0: nothing found; 1: findings; 3: the\n"
	    "configuration cannot be read.\n"
	    "\n"
	    "Options:\n"
	    "  --as-of DATE   the window ends the day before DATE (default:\n"
	    "                 today, UTC)\n"
	    "  --days N       the N days of the window (default: the window\n"
	    "                 threshold of each domain, 30)\n"
	    "  -h, --help     this help\n");
}

static void
print_finding(void *arg, const char *file, int line, const char *text)
{
	size_t	*n = arg;

	sanitise_printf("%s:%d: %s\n", file, line, text);
	(*n)++;
}

/* Each configured sender of each domain that matched no mail. */
static int
unused_senders(struct cmd_ctx *c, struct store *s, const struct conf *conf,
    struct cmd_when *wh, size_t *n)
{
	struct classify_opts	 o = { 1, -1, CLASSIFY_CLASSES_ONLY, NULL,
	    NULL, NULL, NULL };
	struct conf_thresholds	 th;
	struct window		*w;
	struct dr_error		 err;
	char			 d1[16], d2[16];
	int64_t			 from, to;
	size_t			 i, j, k;

	for (i = 0; i < conf->ndomains; i++) {
		for (k = 0; k < conf->domains[i].nnames; k++) {
			const char *d = conf->domains[i].names[k];
			conf_thresholds(conf, d, &th);
			if (cmd_window(c, "config check", wh, th.window, &from,
			    &to) == -1)
				return EXIT_USAGE;
			if (classify_window(s, conf, d, from, to, &o, &w,
			    &err) == -1) {
				log_warnx("%s", err.msg);
				return cmd_exit_for(&err);
			}
			fmt_day(from, d1, sizeof d1);
			fmt_day(to, d2, sizeof d2);
			for (j = 0; w->messages > 0 && j < w->nsenders; j++) {
				const struct conf_sender *u =
				    w->senders[j].sender;
				if (w->senders[j].messages > 0)
					continue;
				sanitise_printf("%s:%d: sender \"%s\" matched "
				    "no mail as %s from %s to %s: check its "
				    "rules against dmarcdb sources --domain "
				    "%s\n", conf->path ? conf->path :
				    "(configuration)", u->line, u->name, d, d1,
				    d2, d);
				(*n)++;
			}
			window_free(w);
		}
	}
	return EXIT_OK;
}

int
cmd_config(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "as-of", required_argument, NULL, CMD_OPT_AS_OF },
		{ "days", required_argument, NULL, CMD_OPT_DAYS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_when		 wh;
	struct conf		*conf = NULL;
	struct catalogue	*cat = NULL;
	struct store		*s = NULL;
	struct dr_error		 err;
	size_t			 n = 0;
	int			 ch, rc;

	memset(&wh, 0, sizeof wh);
	if (argc < 2)
		return cmd_usage_error(c, "config", "no subcommand given "
		    "(check)");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		config_usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "check") != 0)
		return cmd_usage_error(c, "config", "unknown subcommand '%s' "
		    "(check)", argv[1]);
	argc--;
	argv++;
	while ((ch = cmd_getopt(c, "config check", argc, argv, "h", opts)) !=
	    -1) {
		rc = cmd_when_option(c, "config check", ch, optarg, &wh);
		if (rc == -1)
			return EXIT_USAGE;
		if (rc == 0)
			continue;
		if (ch == 'h') {
			config_usage(stdout);
			return EXIT_OK;
		}
		sanitise_fprintf(stderr, "Try 'dmarcdb config --help'.\n");
		return EXIT_USAGE;
	}
	if (optind < argc)
		return cmd_usage_error(c, "config", "unexpected argument '%s'",
		    argv[optind]);
	if (align_init(&err) == -1 || conf_load(c->config, &conf, &err) ==
	    -1) {
		log_warnx("%s", err.msg);
		return EXIT_DB;
	}
	if (conf->path == NULL)
		log_info("no configuration file: nothing to check");
	memset(&err, 0, sizeof err);
	if (catalogue_load(NULL, conf, &cat, &err) == -1) {
		log_warnx("%s: services are not known to the check", err.msg);
		cat = NULL;
	}
	lint_conf(conf, cat, print_finding, &n);
	/* The digest's addresses, as digest reads them. */
	digest_conf_check(conf, print_finding, &n);
	rc = EXIT_OK;
	/* The senders' use, from an existing database only. */
	if (store_exists(c->db_path)) {
		if ((rc = cmd_open_store(c, &s)) == EXIT_OK &&
		    (store_sources_update(s, &err) == -1 ||
		    store_read_begin(s, &err) == -1)) {
			log_warnx("%s", err.msg);
			rc = cmd_exit_for(&err);
		}
		if (rc == EXIT_OK)
			rc = unused_senders(c, s, conf, &wh, &n);
		store_close(s);
	} else
		log_info("%s: no database: the senders' use is not checked",
		    c->db_path);
	catalogue_free(cat);
	conf_free(conf);
	if (rc != EXIT_OK)
		return rc;
	if (n > 0)
		log_info("%zu finding%s", n, n == 1 ? "" : "s");
	return n > 0 ? EXIT_REJECTED : EXIT_OK;
}
