/*
 * cmd.h: the command layer: what main.c and the cmd-*.c files share.
 * Only this layer prints results, parses options and picks exit codes.
 */
#ifndef DR_CMD_H
#define DR_CMD_H

#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"
#include "store.h"

/* Exit codes, documented in dmarcdb(1) under EXIT STATUS. Never reused. */
enum {
	EXIT_OK = 0,		/* everything stored, or duplicates */
	EXIT_REJECTED = 1,	/* the batch finished; some inputs rejected */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_DB = 3,		/* database or configuration error */
	EXIT_INTERNAL = 4,	/* out of memory, internal error */
	EXIT_UNREACHABLE = 5,	/* ingest: a server could not be reached
				   (or refused), and nothing else failed */
};

/* How long to wait for another process's database lock (dmarcdb(1)). */
#define STORE_BUSY_MS	(300 * 1000)

struct cmd_ctx {
	const char	*db_path;
	const char	*config;	/* --config, or NULL */
	int		 verbosity;
	int		 quiet;		/* -q */
	const char	*prog;
	int		 mode_said;	/* the database's mode, warned of */
};

struct dr_cmd {
	const char	*name;
	int		(*fn)(struct cmd_ctx *, int, char **);
	const char	*summary;
};

int	cmd_ingest(struct cmd_ctx *, int, char **);
int	cmd_reports(struct cmd_ctx *, int, char **);
int	cmd_rejected(struct cmd_ctx *, int, char **);
int	cmd_sources(struct cmd_ctx *, int, char **);
int	cmd_config(struct cmd_ctx *, int, char **);
int	cmd_check(struct cmd_ctx *, int, char **);
int	cmd_advise(struct cmd_ctx *, int, char **);
int	cmd_export(struct cmd_ctx *, int, char **);
int	cmd_digest(struct cmd_ctx *, int, char **);
int	cmd_domains(struct cmd_ctx *, int, char **);
int	cmd_ptr(struct cmd_ctx *, int, char **);
int	cmd_copy(struct cmd_ctx *, int, char **);

/*
 * Open the database, printing the error; return an exit code.
 * cmd_open_store, for every command but ingest: the database must
 * exist ("no such database: PATH", EXIT_DB), and is read-only when this
 * user cannot write it (store_open). cmd_create_store, for ingest:
 * created when missing.
 */
int	cmd_open_store(struct cmd_ctx *, struct store **);
int	cmd_create_store(struct cmd_ctx *, struct store **);

/* Exit code for an error of the lower layers. */
int	cmd_exit_for(const struct dr_error *);

/*
 * "256M", "64k", "1G", "1000": bytes (binary multiples). Returns 0 or -1.
 */
int	cmd_parse_size(const char *, uint64_t *);
/* A whole number from min to max. Returns 0 or -1. */
int	cmd_parse_uint(const char *, uint64_t, uint64_t, uint64_t *);
/*
 * "YYYY-MM-DD" (UTC midnight) or seconds since the epoch. 0, or -1 with
 * the reason (a date that does not exist: "February 2026 has 28 days")
 * in why (len bytes), "" when the text is not of that form.
 */
int	cmd_parse_date(const char *, int64_t *, char *, size_t);
/*
 * The same for the value of option opt of the command named: 0, or -1
 * after a usage error.
 */
int	cmd_date_option(struct cmd_ctx *, const char *, const char *,
	    const char *, int64_t *);
/*
 * A --domain value as the reports and the configuration store policy
 * domains (lower case, no trailing dot), in place: --domain Example.COM
 * is example.com. Returns arg.
 */
const char *cmd_domain_arg(char *);

/*
 * getopt_long for the options of the command named, with the global
 * options --db, --config, -v and -q accepted after its name too (a
 * command's own option of the same name wins), and errors printed as
 * usage errors ("dmarcdb: reports: unknown option '--x'", without the
 * "Try" line, which the command prints). Returns what getopt_long
 * returns, or '?' after an error.
 */
int	cmd_getopt(struct cmd_ctx *, const char *, int, char **,
	    const char *, const struct option *);
/*
 * The first line of the usage error for getopt_long's '?' or ':'
 * (opterr 0, optstring beginning with ':'), optind having been before
 * when it was called; command NULL for the global options. Returns
 * EXIT_USAGE.
 */
int	cmd_option_error(const char *, char **, int, int,
	    const struct option *);

/*
 * Standard output went to a pipe whose reader went away (| head): 1
 * from then on. The commands stop writing, quietly (dmarcdb(1), EXIT
 * STATUS).
 */
int	cmd_output_closed(void);
/*
 * Writing standard output failed (errno as the write left it): warns
 * "what: reason" and returns 1, or returns 0 without a word when the
 * reader went away.
 */
int	cmd_output_failed(const char *);

/* Print a usage error naming the command and suggesting --help. */
int	cmd_usage_error(struct cmd_ctx *, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * What every report command says of the newest report (cmd-newest.c,
 * dmarcdb(1), REPORTS), on standard error, once its output is written:
 * when it ends more than CMD_STALE seconds before --as-of (as_of_arg,
 * its value as_of; NULL: now), a warning, shown under -q too, naming
 * its last day and the days since, then hint (a sentence, or NULL):
 * "no reports since 2026-10-02 (63 days): is the ingest running? Use
 * --as-of or --days to look at older data."; else, when the command
 * found nothing (empty), a note naming the newest report, or saying
 * there is none. Of the policy domains named (nd > 0), else of all. A
 * failure to read it is said under -v only.
 */
#define CMD_STALE	(3 * 86400)
void	cmd_newest_note(struct store *, const char *const *, size_t,
	    const char *, int64_t, int, const char *);
/* The hint of the commands that have --as-of and --days. */
#define CMD_HINT_OLDER	"Use --as-of or --days to look at older data."

/* --- the report commands (cmd-util.c) ------------------------------ */

/* --format of the commands that print a table (sources, domains). */
enum cmd_format { CMD_TABLE, CMD_CSV, CMD_JSON };
/*
 * Parse --format table, csv or json of the command named into *f:
 * 0, or -1 after a usage error naming the command.
 */
int	cmd_table_format(struct cmd_ctx *, const char *, const char *,
	    enum cmd_format *);

/* getopt_long values of the options the report commands share. */
enum {
	CMD_OPT_DAYS = 1000,
	CMD_OPT_SINCE,
	CMD_OPT_AS_OF,
	CMD_OPT_CONFIG,
	CMD_OPT_FORMAT,
	CMD_OPT_DOMAIN,
	CMD_OPT_CLASS,
	CMD_OPT_NO_DNS,
	CMD_OPT__NEXT,		/* a command's own options from here */
};

/* --days, --since and --as-of as given (NULL/0: not given). */
struct cmd_when {
	const char	*since, *as_of;
	int64_t		 since_t, as_of_t;
	unsigned	 days;
};
/*
 * Handle one of those options: 0 done, -1 bad value (the usage error is
 * printed), 1 not one of them.
 */
int	cmd_when_option(struct cmd_ctx *, const char *, int, const char *,
	    struct cmd_when *);
/*
 * The window of days (UTC days since the epoch, inclusive) they give:
 * it ends the day before --as-of (default: today), and covers --days
 * (default deflt) or starts at --since. 0, or -1 after a usage error.
 */
int	cmd_window(struct cmd_ctx *, const char *, const struct cmd_when *,
	    unsigned, int64_t *, int64_t *);
int64_t	cmd_day(int64_t);

/*
 * Load the configuration (the file named, else c->config, else the
 * default lookup) and open the store, bringing its sources up to date
 * and mirroring the configuration. Returns an exit code; on EXIT_OK
 * the caller closes *s and frees *conf.
 */
int	cmd_report_open(struct cmd_ctx *, const char *, struct store **,
	    struct conf **);

/* The domains with reports that cmd_each_domain left out. */
struct cmd_others {
	uint64_t	n;
	char		line[160];	/* what to say; "" when none */
};
/*
 * Call fn for each policy domain named (asked 1), or, when none was,
 * for each domain that scope.h covers over the configuration's widest
 * window: the configured ones, else the largest with reports (asked 0:
 * fn passes over one without data in its own window). fn returns
 * non-zero to stop. The domains left out are counted in *others.
 * Returns EXIT_OK, or the exit code of an error of its own (printed).
 */
int	cmd_each_domain(struct cmd_ctx *, const char *, struct store *,
	    const struct conf *, const struct cmd_when *, const char *const *,
	    size_t, int (*)(void *, const char *, int), void *,
	    struct cmd_others *);

/*
 * A CSV field (quoted, formulas defused) and a JSON string (or null),
 * untrusted characters escaped: sanitise_csv and sanitise_json. Every
 * other output of the commands goes through sanitise_printf and its
 * family (tests/e2e/untrusted.sh checks that no other call prints).
 */
void	cmd_csv(FILE *, const char *);
void	cmd_json(FILE *, const char *);

/*
 * A table for people: columns as wide as their widest cell, aligned
 * left ('l') or right ('r'); the first row is the header. Cells are
 * copied, and printed in the text form of sanitise.h, widths counted
 * in characters. NULL / -1 when out of memory.
 */
/*
 * The first SIGINT or SIGTERM after cmd_catch_stop: a long command
 * (ingest, copy) finishes or drops what it is doing, never stores it in
 * part, and stops. A second one ends the process at once
 * (SA_RESETHAND): the database survives that too, as any kill.
 * cmd_catch_stop clears cmd_stop_signal and keeps the handlers it
 * replaces in old (two: SIGINT's, SIGTERM's), which cmd_release_stop
 * puts back.
 */
extern volatile sig_atomic_t cmd_stop_signal;
void	cmd_catch_stop(struct sigaction old[2]);
void	cmd_release_stop(const struct sigaction old[2]);

struct table;
struct table	*table_new(size_t, const char *const *, const char *);
int		 table_add(struct table *, const char *const *);
void		 table_print(const struct table *, FILE *);
void		 table_free(struct table *);

#endif
