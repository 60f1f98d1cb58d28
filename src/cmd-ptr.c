/*
 * cmd-ptr.c: dmarcdb ptr [--no-dns] [--format text|csv] [--config FILE]
 *     ADDRESS... | -
 *
 * The reverse DNS of addresses (rdns.h) through the cache in the
 * database: its PTR name, whether the name resolves back to the
 * address, and whether the answer came from the cache. What the report
 * commands will show of a source, to try it and to fill the cache.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "log.h"
#include "rdns.h"
#include "sanitise.h"

/* Addresses read at most (arguments and stdin together). */
#define PTR_MAX_ADDRS	1000000
/* The longest line read from stdin. */
#define PTR_MAX_LINE	256

enum ptr_format { PTR_TEXT, PTR_CSV };

struct ptr_run {
	enum ptr_format	 fmt;
	struct table	*t;
	int		 nomem;
};

struct ptr_list {
	char		**ips;
	size_t		 n, cap;
};

static void	ptr_usage(FILE *);
static int	ptr_add(struct ptr_list *, const char *, const char *);
static int	ptr_answer(void *, const struct rdns_answer *);
static int	ptr_stdin(struct ptr_list *, int *);

static void
ptr_usage(FILE *f)
{
	sanitise_fprintf(f,
	    "usage: dmarcdb [--db FILE] [--config FILE] ptr [--no-dns]\n"
	    "           [--format text|csv] ADDRESS... | -\n"
	    "\n"
	    "The reverse DNS name (PTR) of each address, whether it is\n"
	    "forward-confirmed (the name resolves back to the address), and\n"
	    "whether the answer came from the cache in the database. '-'\n"
	    "reads addresses from stdin, one per line. The resolvers are\n"
	    "those of 'resolver' in the configuration, $DMARCDB_RESOLVER,\n"
	    "else /etc/resolv.conf's.\n"
	    "\n"
	    "Options:\n"
	    "  --no-dns        no lookups: the cache only (the others:\n"
	    "                  skipped)\n"
	    "  --format F      text (default) or csv\n"
	    "  --config FILE   the configuration (default: $DMARCDB_CONFIG,\n"
	    "                  else /etc/dmarcdb.conf if it exists)\n"
	    "  -h, --help      this help\n");
}

/*
 * Add an address in canonical form. 0, 1 if it is not an address (said
 * with origin), -1 out of memory.
 */
static int
ptr_add(struct ptr_list *l, const char *s, const char *origin)
{
	unsigned char	 a[16];
	char		 canon[INET6_ADDRSTRLEN], **p;
	int		 fam;

	if (inet_pton(AF_INET, s, a) == 1)
		fam = AF_INET;
	else if (inet_pton(AF_INET6, s, a) == 1)
		fam = AF_INET6;
	else {
		log_warnx("%s'%.80s': not an IPv4 or IPv6 address", origin,
		    s);
		return 1;
	}
	if (l->n >= PTR_MAX_ADDRS) {
		log_warnx("%s'%.80s': more than %d addresses: left out",
		    origin, s, PTR_MAX_ADDRS);
		return 1;
	}
	inet_ntop(fam, a, canon, sizeof canon);
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		p = realloc(l->ips, l->cap * sizeof *p);
		if (p == NULL)
			return -1;
		l->ips = p;
	}
	l->ips[l->n] = strdup(canon);
	if (l->ips[l->n] == NULL)
		return -1;
	l->n++;
	return 0;
}

/* Addresses from stdin, one a line. 0, or -1 out of memory. */
static int
ptr_stdin(struct ptr_list *l, int *bad)
{
	char	line[PTR_MAX_LINE + 2], where[64], *p, *e;
	size_t	len;
	int	lineno = 0, rc, toolong = 0;

	while (fgets(line, sizeof line, stdin) != NULL) {
		len = strlen(line);
		if (toolong) {
			toolong = len > 0 && line[len - 1] != '\n';
			continue;
		}
		lineno++;
		snprintf(where, sizeof where, "stdin line %d: ", lineno);
		if (len > 0 && line[len - 1] != '\n' && !feof(stdin)) {
			log_warnx("%sa line longer than %d bytes", where,
			    PTR_MAX_LINE);
			(*bad)++;
			toolong = 1;
			continue;
		}
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		for (e = p + strlen(p); e > p && (e[-1] == '\n' ||
		    e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		*e = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		rc = ptr_add(l, p, where);
		if (rc == -1)
			return -1;
		*bad += rc;
	}
	if (ferror(stdin)) {
		log_warn("stdin");
		(*bad)++;
	}
	return 0;
}

static int
ptr_answer(void *arg, const struct rdns_answer *a)
{
	struct ptr_run	*r = arg;
	const char	*row[5];
	const char	*status = rdns_status_name(a->status);
	const char	*conf = a->status == RDNS_NAME ? (a->confirmed ?
			    "yes" : "no") : "-";

	switch (r->fmt) {
	case PTR_TEXT:
		row[0] = a->ip;
		row[1] = status;
		row[2] = a->name != NULL ? a->name : "-";
		row[3] = conf;
		row[4] = a->cached ? "yes" : "no";
		if (table_add(r->t, row) == -1) {
			r->nomem = 1;
			return 1;
		}
		break;
	case PTR_CSV:
		/*
		 * Canonical addresses and validated host names: nothing
		 * to quote, no formula (a label never starts with '-').
		 */
		sanitise_printf("%s,%s,%s,%d,%d\n", a->ip, status,
		    a->name != NULL ? a->name : "", a->confirmed, a->cached);
		return ferror(stdout) ? 1 : 0;
	}
	return 0;
}

int
cmd_ptr(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-dns", no_argument, NULL, CMD_OPT_NO_DNS },
		{ "format", required_argument, NULL, CMD_OPT_FORMAT },
		{ "config", required_argument, NULL, CMD_OPT_CONFIG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const head[] = { "ADDRESS", "STATUS", "NAME",
	    "CONFIRMED", "CACHED" };
	struct ptr_run	 r;
	struct ptr_list	 l;
	struct store	*s = NULL;
	struct conf	*conf = NULL;
	struct dr_error	 err;
	const char	*config = NULL;
	size_t		 i;
	int		 ch, rc = EXIT_OK, dns = 1, bad = 0, fromstdin = 0;

	memset(&r, 0, sizeof r);
	memset(&l, 0, sizeof l);
	while ((ch = cmd_getopt(c, "ptr", argc, argv, "h", opts)) != -1) {
		switch (ch) {
		case CMD_OPT_NO_DNS:
			dns = 0;
			break;
		case CMD_OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				r.fmt = PTR_TEXT;
			else if (strcmp(optarg, "csv") == 0)
				r.fmt = PTR_CSV;
			else
				return cmd_usage_error(c, "ptr", "--format: "
				    "'%s' is not text or csv", optarg);
			break;
		case CMD_OPT_CONFIG:
			config = optarg;
			break;
		case 'h':
			ptr_usage(stdout);
			return EXIT_OK;
		default:
			sanitise_fprintf(stderr, "Try 'dmarcdb ptr --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cmd_usage_error(c, "ptr", "no address given (or '-' "
		    "to read them from stdin)");
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "-") == 0) {
			if (fromstdin++)
				continue;
			rc = ptr_stdin(&l, &bad);
		} else
			rc = ptr_add(&l, argv[i], "");
		if (rc == -1) {
			log_warnx("out of memory");
			rc = EXIT_INTERNAL;
			goto out;
		}
		bad += rc;
		rc = EXIT_OK;
	}
	if (conf_load(config != NULL ? config : c->config, &conf, &err) ==
	    -1) {
		log_warnx("%s", err.msg);
		rc = err.code == DR_E_NOMEM ? EXIT_INTERNAL : EXIT_DB;
		goto out;
	}
	if ((rc = cmd_open_store(c, &s)) != EXIT_OK)
		goto out;
	if (r.fmt == PTR_TEXT) {
		r.t = table_new(5, head, "lllll");
		if (r.t == NULL) {
			log_warnx("out of memory");
			rc = EXIT_INTERNAL;
			goto out;
		}
	} else
		sanitise_printf("address,status,name,confirmed,cached\n");
	if (rdns_cached(s, &conf->resolver, dns, (const char *const *)l.ips,
	    l.n, (int64_t)time(NULL), ptr_answer, &r, &err) == -1) {
		log_warnx("%s", err.msg);
		rc = cmd_exit_for(&err);
	}
	if (r.nomem) {
		log_warnx("out of memory");
		rc = EXIT_INTERNAL;
	}
	if (r.t != NULL && l.n > 0)
		table_print(r.t, stdout);
	if (rc == EXIT_OK && bad > 0)
		rc = EXIT_REJECTED;
out:
	table_free(r.t);
	store_close(s);
	conf_free(conf);
	for (i = 0; i < l.n; i++)
		free(l.ips[i]);
	free(l.ips);
	return rc;
}
