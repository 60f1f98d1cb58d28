/*
 * cmd-copy.c: dmarcdb copy --from FILE [--to DATABASE]
 *
 * A SQLite store into another database (store_copy): to PostgreSQL
 * when a site outgrows one machine, or into another SQLite file to put
 * two stores together. Resumable and idempotent: what is there already
 * is not copied again.
 */
#include "config.h"

#include <sys/stat.h>

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "log.h"
#include "sanitise.h"
#include "store-pg.h"

static void
copy_usage(FILE *f)
{
	sanitise_fprintf(f,
	    "usage: dmarcdb [--db DATABASE] copy --from FILE [--to DATABASE]\n"
	    "\n"
	    "Copy the SQLite store FILE into another database: a PostgreSQL\n"
	    "database (postgresql://...) or a SQLite file (created when\n"
	    "missing). Reports are stored as an ingest stores them, with\n"
	    "their runs, mail messages, rejected inputs and caches; those\n"
	    "there already are not copied again, so a copy that stopped is\n"
	    "finished by running it again.\n"
	    "\n"
	    "Options:\n"
	    "  --from FILE     the SQLite store to copy\n"
	    "  --to DATABASE   where to (default: the database, --db or\n"
	    "                  $DMARCDB_DB)\n"
	    "  -h, --help      this help\n");
}

/* SIGINT or SIGTERM, once caught (cmd.h): the copy stops between rows. */
static int
stopped(void *arg)
{
	(void)arg;
	return cmd_stop_signal != 0;
}

static void
progress(void *arg, const struct store_copy_counts *n)
{
	(void)arg;
	if (n->reports + n->known == 0)
		log_progress("copy", "%llu mail messages",
		    (unsigned long long)n->message_rows);
	else
		log_progress("copy", "%llu of %llu reports",
		    (unsigned long long)(n->reports + n->known),
		    (unsigned long long)n->reports_total);
}

/* 1 when both name the same SQLite file. */
static int
same_file(const char *a, const char *b)
{
	struct stat	sa, sb;

	if (store_pg_name(a) || store_pg_name(b))
		return 0;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int
cmd_copy(struct cmd_ctx *c, int argc, char **argv)
{
	enum { O_FROM = CMD_OPT__NEXT, O_TO };
	static const struct option opts[] = {
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_copy_counts n;
	struct store		*from = NULL, *to = NULL;
	struct sigaction	 old_stop[2];
	struct timespec		 t0, t1;
	struct dr_error		 err;
	const char		*src = NULL, *dst = c->db_path;
	int			 ch, rc;

	while ((ch = cmd_getopt(c, "copy", argc, argv, "h", opts)) != -1) {
		switch (ch) {
		case O_FROM:
			src = optarg;
			break;
		case O_TO:
			dst = optarg;
			break;
		case 'h':
			copy_usage(stdout);
			return EXIT_OK;
		default:
			sanitise_fprintf(stderr, "Try 'dmarcdb copy --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error(c, "copy", "unexpected argument '%s'",
		    argv[optind]);
	if (src == NULL)
		return cmd_usage_error(c, "copy", "no --from: the SQLite store "
		    "to copy");
	/* (Not the URI: it may hold a password.) */
	if (store_pg_name(src))
		return cmd_usage_error(c, "copy", "--from: a PostgreSQL "
		    "database; copy reads a SQLite store (a file)");
	if (same_file(src, dst))
		return cmd_usage_error(c, "copy", "--from and --to are the "
		    "same database: %s", src);

	/* (Caught from here: a signal while a database is opened, or
	 * waited for, stops the copy before its first row.) */
	cmd_catch_stop(old_stop);
	if (store_open(src, STORE_BUSY_MS, 0, &from, &err) == -1 ||
	    store_open(dst, STORE_BUSY_MS, STORE_CREATE, &to, &err) == -1) {
		log_warnx("%s", err.msg);
		rc = cmd_exit_for(&err);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = store_copy(from, to, stopped, log_progress_enabled() ? progress :
	    NULL, NULL, &n, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_progress_clear();
	if (rc == -1) {
		log_warnx("copy stopped: %s; what was copied is kept: run it "
		    "again to finish", err.msg);
		rc = cmd_exit_for(&err);
	} else if (rc == 1) {
		log_warnx("stopped by %s: %llu of %llu reports copied or there "
		    "already; run it again to finish", cmd_stop_signal == SIGINT ?
		    "SIGINT" : "SIGTERM",
		    (unsigned long long)(n.reports + n.known),
		    (unsigned long long)n.reports_total);
		rc = 128 + cmd_stop_signal;
	} else {
		log_info("%llu reports copied (%llu records), %llu there "
		    "already; %llu ingest runs, %llu mail messages, %llu "
		    "rejected inputs, %llu cache rows added; %.2f s",
		    (unsigned long long)n.reports,
		    (unsigned long long)n.records,
		    (unsigned long long)n.known, (unsigned long long)n.runs,
		    (unsigned long long)n.messages,
		    (unsigned long long)n.rejected,
		    (unsigned long long)n.cached,
		    (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		rc = EXIT_OK;
		if (n.no_digest > 0) {
			log_warnx("%s: %llu reports without a digest (not made "
			    "by an ingest): not copied", store_path(from),
			    (unsigned long long)n.no_digest);
			rc = EXIT_REJECTED;
		}
	}
out:
	cmd_release_stop(old_stop);
	store_close(to);
	store_close(from);
	return rc;
}
