/*
 * cmd.h: the command layer: what main.c and the cmd-*.c files share.
 * Only this layer prints results, parses options and picks exit codes.
 */
#ifndef DR_CMD_H
#define DR_CMD_H

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
/* "YYYY-MM-DD" (UTC midnight) or seconds since the epoch. 0 or -1. */
int	cmd_parse_date(const char *, int64_t *);

/* Print a usage error naming the command and suggesting --help. */
int	cmd_usage_error(struct cmd_ctx *, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

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
struct table;
struct table	*table_new(size_t, const char *const *, const char *);
int		 table_add(struct table *, const char *const *);
void		 table_print(const struct table *, FILE *);
void		 table_free(struct table *);

#endif
