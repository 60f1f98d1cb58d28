/*
 * cmd-util.c: what the report commands share: the window of days, the
 * configuration, the domains covered, and printing CSV, JSON and tables
 * (through sanitise.h, like every output of the commands).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "align.h"
#include "buf.h"
#include "catalogue.h"
#include "cmd.h"
#include "fmt.h"
#include "lint.h"
#include "log.h"
#include "sanitise.h"
#include "scope.h"

#define DAY	86400

int64_t
cmd_day(int64_t t)
{
	return t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
}

int
cmd_window(struct cmd_ctx *c, const char *cmd, const struct cmd_when *wh,
    unsigned deflt_days, int64_t *from, int64_t *to)
{
	int64_t	as_of;

	as_of = wh->as_of != NULL ? wh->as_of_t : (int64_t)time(NULL);
	/* Reports for a day arrive the day after: the window ends before
	 * the day of as-of. */
	*to = cmd_day(as_of) - 1;
	if (wh->since != NULL) {
		*from = cmd_day(wh->since_t);
		if (*from > *to) {
			cmd_usage_error(c, cmd, "--since %s is not before the "
			    "day of --as-of", wh->since);
			return -1;
		}
	} else
		*from = *to - (int64_t)(wh->days ? wh->days : deflt_days) + 1;
	return 0;
}

int
cmd_table_format(struct cmd_ctx *c, const char *cmd, const char *arg,
    enum cmd_format *f)
{
	if (strcmp(arg, "table") == 0)
		*f = CMD_TABLE;
	else if (strcmp(arg, "csv") == 0)
		*f = CMD_CSV;
	else if (strcmp(arg, "json") == 0)
		*f = CMD_JSON;
	else {
		cmd_usage_error(c, cmd, "unknown format '%s' (table, csv or "
		    "json)", arg);
		return -1;
	}
	return 0;
}

int
cmd_when_option(struct cmd_ctx *c, const char *cmd, int ch,
    const char *arg, struct cmd_when *wh)
{
	uint64_t	v;

	switch (ch) {
	case CMD_OPT_DAYS:
		if (cmd_parse_uint(arg, 1, 3660, &v) == -1) {
			cmd_usage_error(c, cmd, "--days wants a number of days "
			    "from 1 to 3660, not '%s'", arg);
			return -1;
		}
		wh->days = (unsigned)v;
		return 0;
	case CMD_OPT_SINCE:
		if (cmd_date_option(c, cmd, "--since", arg, &wh->since_t) ==
		    -1)
			return -1;
		wh->since = arg;
		return 0;
	case CMD_OPT_AS_OF:
		if (cmd_date_option(c, cmd, "--as-of", arg, &wh->as_of_t) ==
		    -1)
			return -1;
		wh->as_of = arg;
		return 0;
	default:
		return 1;
	}
}

static void
warn_finding(void *arg, const char *file, int line, const char *text)
{
	(void)arg;
	log_warnx("%s:%d: %s (dmarcdb config check)", file, line, text);
}

/* What in the configuration is valid but wrong (lint.h), as warnings. */
static void
lint_warn(const struct conf *conf)
{
	struct catalogue	*cat = NULL;
	struct dr_error		 err;

	memset(&err, 0, sizeof err);
	if (catalogue_load(NULL, conf, &cat, &err) == -1)
		cat = NULL;	/* said by the command that names services */
	lint_conf(conf, cat, warn_finding, NULL);
	catalogue_free(cat);
}

int
cmd_report_open(struct cmd_ctx *c, const char *config, struct store **s,
    struct conf **conf)
{
	struct dr_error	err;
	int		rc;

	*s = NULL;
	*conf = NULL;
	if (align_init(&err) == -1) {
		log_warnx("%s", err.msg);
		return EXIT_DB;
	}
	if (conf_load(config ? config : c->config, conf, &err) == -1) {
		log_warnx("%s", err.msg);
		return EXIT_DB;
	}
	lint_warn(*conf);
	if ((rc = cmd_open_store(c, s)) != EXIT_OK) {
		conf_free(*conf);
		*conf = NULL;
		return rc;
	}
	/* Sources first seen, from what ingest added; the configuration
	 * where analysts can join it. */
	if (store_sources_update(*s, &err) == -1 ||
	    store_config_mirror(*s, *conf, &err) == -1 ||
	    store_read_begin(*s, &err) == -1) {
		log_warnx("%s", err.msg);
		store_close(*s);
		conf_free(*conf);
		*s = NULL;
		*conf = NULL;
		return cmd_exit_for(&err);
	}
	return EXIT_OK;
}

int
cmd_each_domain(struct cmd_ctx *c, const char *cmd, struct store *s,
    const struct conf *conf, const struct cmd_when *wh,
    const char *const *domains, size_t nd,
    int (*fn)(void *, const char *, int), void *arg,
    struct cmd_others *others)
{
	struct scope	*sc;
	struct dr_error	 err;
	int64_t		 from, to;
	size_t		 i;

	memset(others, 0, sizeof *others);
	if (nd > 0) {
		for (i = 0; i < nd; i++)
			if (fn(arg, domains[i], 1) != 0)
				break;
		return EXIT_OK;
	}
	if (cmd_window(c, cmd, wh, conf_max_window(conf), &from, &to) == -1)
		return EXIT_USAGE;
	if (scope_domains(s, conf, from, to, &sc, &err) == -1) {
		log_warnx("%s", err.msg);
		return cmd_exit_for(&err);
	}
	for (i = 0; i < sc->n; i++)
		if (fn(arg, sc->names[i], 0) != 0)
			break;
	others->n = sc->others;
	scope_others(sc, others->line, sizeof others->line);
	scope_free(sc);
	return EXIT_OK;
}

void
cmd_csv(FILE *f, const char *s)
{
	sanitise_csv(f, s);
}

void
cmd_json(FILE *f, const char *s)
{
	sanitise_json(f, s);
}

/* --- tables for people -------------------------------------------- */

struct table {
	size_t		  ncols;
	const char	 *align;	/* 'l' or 'r' per column */
	size_t		 *width;
	char		**cells;	/* row-major, from the arena */
	size_t		  ncells, cap;
	struct arena	  mem;
};

struct table *
table_new(size_t ncols, const char *const *headers, const char *align)
{
	struct table	*t;

	t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->ncols = ncols;
	t->align = align;
	t->width = calloc(ncols, sizeof *t->width);
	if (t->width == NULL || table_add(t, headers) == -1) {
		table_free(t);
		return NULL;
	}
	return t;
}

int
table_add(struct table *t, const char *const *cells)
{
	size_t	i, n;

	if (t->ncells + t->ncols > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : t->ncols * 64;
		char **p = realloc(t->cells, cap * sizeof *p);
		if (p == NULL)
			return -1;
		t->cells = p;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++) {
		const char *v = cells[i] ? cells[i] : "";
		n = strlen(v);
		t->cells[t->ncells + i] = arena_strndup(&t->mem, v, n);
		if (t->cells[t->ncells + i] == NULL)
			return -1;
		n = sanitise_width(v);
		if (n > t->width[i])
			t->width[i] = n;
	}
	t->ncells += t->ncols;
	return 0;
}

void
table_print(const struct table *t, FILE *f)
{
	size_t	r, i;

	for (r = 0; r < t->ncells; r += t->ncols) {
		for (i = 0; i < t->ncols; i++) {
			const char *v = t->cells[r + i];
			int w = (int)t->width[i];
			if (i + 1 == t->ncols && t->align[i] != 'r')
				sanitise_fputs(v, f);
			else if (t->align[i] == 'r')
				sanitise_fprintf(f, "%*s", w, v);
			else
				sanitise_fprintf(f, "%-*s", w, v);
			if (i + 1 < t->ncols)
				sanitise_fprintf(f, "  ");
		}
		sanitise_fprintf(f, "\n");
	}
}

void
table_free(struct table *t)
{
	if (t == NULL)
		return;
	free(t->width);
	free(t->cells);
	arena_free(&t->mem);
	free(t);
}
