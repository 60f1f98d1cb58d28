/*
 * cmd.h: the command layer: what main.c and the cmd-*.c files share.
 * Only this layer prints results, parses options and picks exit codes.
 */
#ifndef DR_CMD_H
#define DR_CMD_H

#include <stdint.h>

#include "store.h"

/* Exit codes, documented in dmarcdb(1) under EXIT STATUS. Never reused. */
enum {
	EXIT_OK = 0,		/* everything stored, or duplicates */
	EXIT_REJECTED = 1,	/* the batch finished; some inputs rejected */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_DB = 3,		/* database or configuration error */
	EXIT_INTERNAL = 4,	/* out of memory, internal error */
};

/* How long to wait for another process's database lock (dmarcdb(1)). */
#define STORE_BUSY_MS	(300 * 1000)

struct cmd_ctx {
	const char	*db_path;
	int		 verbosity;
	const char	*prog;
};

struct dr_cmd {
	const char	*name;
	int		(*fn)(struct cmd_ctx *, int, char **);
	const char	*summary;
};

int	cmd_ingest(struct cmd_ctx *, int, char **);
int	cmd_reports(struct cmd_ctx *, int, char **);
int	cmd_rejected(struct cmd_ctx *, int, char **);

/* Open the database, printing the error. Returns an exit code. */
int	cmd_open_store(struct cmd_ctx *, struct store **);

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

#endif
