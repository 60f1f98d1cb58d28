/*
 * cmd-digest.c: dmarcdb digest [--days N] [--as-of DATE] [--domain D]...
 *     [--from ADDR] [--to ADDR]... [--subject TEXT]
 *     [--format mime|text|html] [--smtp URL] [--allow-cleartext]
 *     [--ca-file FILE] [--no-dns]
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "digest.h"
#include "ident.h"
#include "log.h"
#include "net.h"
#include "sanitise.h"

enum format { F_MIME, F_TEXT, F_HTML };

enum {
	OPT_FROM = CMD_OPT__NEXT,
	OPT_TO,
	OPT_SUBJECT,
	OPT_SMTP,
	OPT_CLEARTEXT,
	OPT_CA_FILE,
};

#define MAX_LIST	64
#define MAX_THREADS	4

static void
digest_usage(FILE *f)
{
	sanitise_fprintf(f,
	    "usage: dmarcdb [--db FILE] [--config FILE] digest [--days N]\n"
	    "           [--as-of DATE] [--domain D]... [--from ADDR]\n"
	    "           [--to ADDR]... [--subject TEXT]\n"
	    "           [--format mime|text|html] [--smtp URL]\n"
	    "           [--allow-cleartext] [--ca-file FILE] [--no-dns]\n"
	    "\n"
	    "The weekly summary for people who do not read DMARC: how much\n"
	    "mail was authenticated, what changed, what broke and who must\n"
	    "fix it, and the next policy step of every domain. By default\n"
	    "one email message (text and HTML) on standard output, ready\n"
	    "for 'sendmail -t'; with --smtp, sent.\n"
	    "\n"
	    "Options:\n"
	    "  --days N        the period: the N days before --as-of\n"
	    "                  (default 7)\n"
	    "  --as-of DATE    as if run on DATE (default: today, UTC); the\n"
	    "                  message's Date is then that day, 00:00 UTC\n"
	    "  --domain D      only policy domain D (repeatable; default:\n"
	    "                  the domains of the configuration, else the\n"
	    "                  20 largest with reports)\n"
	    "  --from ADDR     the sender (default: the configuration)\n"
	    "  --to ADDR       a recipient (repeatable; default: the\n"
	    "                  configuration)\n"
	    "  --subject TEXT  what the subject starts with (default\n"
	    "                  \"DMARC weekly\"); the figures follow\n"
	    "  --format F      mime (default), text or html: only that\n"
	    "                  part, for a preview\n"
	    "  --smtp URL      send by SMTP (smtp://host:port or\n"
	    "                  smtps://host:port) instead of printing;\n"
	    "                  '-' prints even if the configuration names\n"
	    "                  a server\n"
	    "  --allow-cleartext\n"
	    "                  allow SMTP in clear text (no TLS) to any\n"
	    "                  server; by default only to a loopback\n"
	    "                  address (127.0.0.1, ::1)\n"
	    "  --ca-file FILE  SMTP: trust the CA certificates in FILE\n"
	    "                  (PEM) only\n"
	    "  --no-dns        do not look up published records in DNS (they\n"
	    "                  are, for configured and named domains only)\n"
	    "  --config FILE   the configuration (default: $DMARCDB_CONFIG,\n"
	    "                  else /etc/dmarcdb.conf if it exists)\n"
	    "  -h, --help      this help\n");
}

/* Write all of b to stdout. */
static int
write_out(const struct buf *b)
{
	/* raw: made by the digest's renderers, which sanitise */
	if (b->len > 0 && fwrite(b->data, 1, b->len, stdout) != b->len)
		return -1;
	return fflush(stdout) == EOF ? -1 : 0;
}

int
cmd_digest(struct cmd_ctx *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "days", required_argument, NULL, CMD_OPT_DAYS },
		{ "as-of", required_argument, NULL, CMD_OPT_AS_OF },
		{ "domain", required_argument, NULL, CMD_OPT_DOMAIN },
		{ "format", required_argument, NULL, CMD_OPT_FORMAT },
		{ "no-dns", no_argument, NULL, CMD_OPT_NO_DNS },
		{ "config", required_argument, NULL, CMD_OPT_CONFIG },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "subject", required_argument, NULL, OPT_SUBJECT },
		{ "smtp", required_argument, NULL, OPT_SMTP },
		{ "allow-cleartext", no_argument, NULL, OPT_CLEARTEXT },
		{ "ca-file", required_argument, NULL, OPT_CA_FILE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_when		 wh;
	struct digest_opts	 o;
	struct digest_mail	 m;
	struct net_opts		 net;
	struct digest		*g = NULL;
	struct ident		 id = { 0 };
	struct store		*s = NULL, *stores[MAX_THREADS];
	struct conf		*conf = NULL;
	struct dr_error		 err;
	struct buf		 text = { 0 }, html = { 0 }, msg = { 0 };
	const char		*domains[MAX_LIST], *to[MAX_LIST];
	const char		*config = NULL, *from = NULL, *subject = NULL;
	const char		*smtp = NULL, *ca_file = NULL;
	char			 subj[256], **rcpt = NULL, **sender = NULL;
	char			 safe[512];
	size_t			 nd = 0, nto = 0, nrcpt = 0, nsender = 0, i, n;
	size_t			 nstores = 1;
	long			 ncpu;
	enum format		 fmt = F_MIME;
	int64_t			 from_day, to_day;
	int			 ch, rc, dns = 1, cleartext = 0;

	memset(&wh, 0, sizeof wh);
	memset(&net, 0, sizeof net);
	memset(&err, 0, sizeof err);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		rc = cmd_when_option(c, "digest", ch, optarg, &wh);
		if (rc == -1)
			return EXIT_USAGE;
		if (rc == 0)
			continue;
		switch (ch) {
		case CMD_OPT_DOMAIN:
			if (nd == MAX_LIST)
				return cmd_usage_error(c, "digest", "too many "
				    "--domain options (at most %d)", MAX_LIST);
			domains[nd++] = optarg;
			break;
		case OPT_TO:
			if (nto == MAX_LIST)
				return cmd_usage_error(c, "digest", "too many "
				    "--to options (at most %d)", MAX_LIST);
			to[nto++] = optarg;
			break;
		case OPT_FROM:
			from = optarg;
			break;
		case OPT_SUBJECT:
			subject = optarg;
			break;
		case OPT_SMTP:
			smtp = optarg;
			break;
		case OPT_CLEARTEXT:
			cleartext = 1;
			break;
		case OPT_CA_FILE:
			if (access(optarg, R_OK) == -1)
				return cmd_usage_error(c, "digest", "--ca-file "
				    "%s: %s", optarg, strerror(errno));
			ca_file = optarg;
			break;
		case CMD_OPT_FORMAT:
			if (strcmp(optarg, "mime") == 0)
				fmt = F_MIME;
			else if (strcmp(optarg, "text") == 0)
				fmt = F_TEXT;
			else if (strcmp(optarg, "html") == 0)
				fmt = F_HTML;
			else
				return cmd_usage_error(c, "digest", "unknown "
				    "format '%s' (mime, text or html)", optarg);
			break;
		case CMD_OPT_NO_DNS:
			dns = 0;
			break;
		case CMD_OPT_CONFIG:
			config = optarg;
			break;
		case 'h':
			digest_usage(stdout);
			return EXIT_OK;
		default:
			sanitise_fprintf(stderr, "Try 'dmarcdb digest "
			    "--help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cmd_usage_error(c, "digest", "unexpected argument '%s'",
		    argv[optind]);
	if (smtp != NULL && fmt != F_MIME)
		return cmd_usage_error(c, "digest", "--smtp sends the whole "
		    "message: it excludes --format %s", fmt == F_TEXT ? "text" :
		    "html");
	if (smtp != NULL && strcmp(smtp, "-") != 0 &&
	    strncmp(smtp, "smtp://", 7) != 0 && strncmp(smtp, "smtps://", 8)
	    != 0) {
		net_redact(smtp, safe, sizeof safe);
		return cmd_usage_error(c, "digest", "--smtp: '%s' is not an "
		    "smtp:// or smtps:// URL", safe);
	}
	if (cmd_window(c, "digest", &wh, 7, &from_day, &to_day) == -1)
		return EXIT_USAGE;

	if ((rc = cmd_report_open(c, config, &s, &conf)) != EXIT_OK)
		return rc;
	/* The command line first, then the configuration. */
	if (from == NULL)
		from = conf->digest.from;
	if (nto == 0)
		for (i = 0; i < conf->digest.nto && nto < MAX_LIST; i++)
			to[nto++] = conf->digest.to[i];
	if (subject == NULL)
		subject = conf->digest.subject;
	/* The configuration's server, unless "--smtp -": standard output. */
	if (smtp == NULL && fmt == F_MIME)
		smtp = conf->digest.smtp;
	if (smtp != NULL && strcmp(smtp, "-") == 0)
		smtp = NULL;
	net.allow_cleartext = cleartext || conf->digest.allow_cleartext;
	net.ca_file = ca_file;
	if (ca_file == NULL && conf->digest.ca_file != NULL && smtp != NULL) {
		if (access(conf->digest.ca_file, R_OK) == -1) {
			log_warnx("%s:%d: ca-file %s: %s", conf->path ?
			    conf->path : "(configuration)",
			    conf->digest.line_ca_file, conf->digest.ca_file,
			    strerror(errno));
			rc = EXIT_DB;
			goto out;
		}
		net.ca_file = conf->digest.ca_file;
	}
	if (fmt == F_MIME) {
		if (from == NULL || nto == 0) {
			rc = cmd_usage_error(c, "digest", "no %s: give %s or "
			    "put it in the digest block of the configuration",
			    from == NULL ? "sender" : "recipient", from ==
			    NULL ? "--from" : "--to");
			goto out;
		}
		if (digest_addr_spec(from, "--from", &sender, &nsender, &err)
		    == -1)
			goto fail;
		for (i = 0; i < nto; i++) {
			char	**v, **nv;
			size_t	  k;

			if (digest_addr_spec(to[i], "--to", &v, &n, &err) ==
			    -1)
				goto fail;
			nv = realloc(rcpt, (nrcpt + n) * sizeof *nv);
			if (nv == NULL) {
				for (k = 0; k < n; k++)
					free(v[k]);
				free(v);
				dr_seterr(&err, DR_E_NOMEM, "out of memory");
				goto fail;
			}
			rcpt = nv;
			for (k = 0; k < n; k++)
				rcpt[nrcpt++] = v[k];
			free(v);
		}
	}

	memset(&o, 0, sizeof o);
	o.as_of = (to_day + 1) * 86400;
	o.days = (unsigned)(to_day - from_day + 1);
	o.domains = domains;
	o.ndomains = nd;
	o.dns = dns;
	/* Senders are named from the reports and offline data only. */
	ident_open(conf, s, 0, &id);
	o.cat = id.cat;
	o.geo_path = id.geo != NULL ? geo_path(id.geo) : NULL;
	/* A connection per core: the domains are gathered in parallel. */
	stores[0] = s;
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	for (nstores = 1; nstores < (ncpu > 0 ? (size_t)ncpu : 1) &&
	    nstores < MAX_THREADS; nstores++) {
		if ((rc = cmd_open_store(c, &stores[nstores])) != EXIT_OK)
			goto out;
		if (store_spill(stores[nstores], &err) == -1 ||
		    store_read_begin(stores[nstores], &err) == -1) {
			nstores++;
			goto fail;
		}
	}
	rc = EXIT_OK;
	if (digest_build(stores, nstores, conf, &o, &g, &err) == -1)
		goto fail;
	digest_subject(g, subject, subj, sizeof subj);
	if ((fmt != F_HTML && digest_text(g, &text) == -1) ||
	    (fmt != F_TEXT && digest_html(g, subj, &html) == -1) ||
	    buf_add(&text, "", 1) == -1 || buf_add(&html, "", 1) == -1) {
		dr_seterr(&err, DR_E_NOMEM, "out of memory");
		goto fail;
	}
	text.len--;
	html.len--;
	if (fmt == F_TEXT || fmt == F_HTML) {
		if (write_out(fmt == F_TEXT ? &text : &html) == -1) {
			log_warn("writing the digest");
			rc = EXIT_REJECTED;
		}
		goto out;
	}

	memset(&m, 0, sizeof m);
	m.from = from;
	m.to = to;
	m.nto = nto;
	m.subject = subj;
	m.date = wh.as_of != NULL ? o.as_of : (int64_t)time(NULL);
	m.text = text.data;
	m.html = html.data;
	m.crlf = smtp != NULL;
	if (digest_mime(&m, &msg, &err) == -1)
		goto fail;
	if (smtp == NULL) {
		if (write_out(&msg) == -1) {
			log_warn("writing the digest");
			rc = EXIT_REJECTED;
		}
		goto out;
	}
	if (smtp_send(smtp, &net, sender[0], rcpt, nrcpt, msg.data, msg.len,
	    &err) == -1) {
		log_warnx("digest not sent: %s", err.msg);
		rc = err.code == DR_E_USAGE ? EXIT_USAGE : EXIT_REJECTED;
		goto out;
	}
	net_redact(smtp, safe, sizeof safe);
	log_verbose("digest sent by %s to %zu recipient%s", safe, nrcpt,
	    nrcpt == 1 ? "" : "s");
	goto out;
fail:
	if (err.code == DR_E_USAGE)
		rc = cmd_usage_error(c, "digest", "%s", err.msg);
	else {
		log_warnx("%s", err.msg);
		rc = cmd_exit_for(&err);
	}
out:
	for (i = 0; i < nrcpt; i++)
		free(rcpt[i]);
	free(rcpt);
	for (i = 0; i < nsender; i++)
		free(sender[i]);
	free(sender);
	buf_free(&text);
	buf_free(&html);
	buf_free(&msg);
	digest_free(g);
	ident_close(&id);
	for (i = 1; i < nstores; i++)
		store_close(stores[i]);
	store_close(s);
	conf_free(conf);
	return rc;
}
