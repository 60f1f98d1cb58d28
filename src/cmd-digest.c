/*
 * cmd-digest.c: dmarcdb digest [--days N] [--as-of DATE] [--domain D]...
 *     [--from ADDR] [--to ADDR]... [--subject TEXT]
 *     [--format mime|text|html] [--alert] [--smtp URL]
 *     [--allow-cleartext] [--ca-file FILE] [--no-dns]
 *
 * One message per set of recipients (digest-rcpt.c): the all-domains
 * list, and the teams of the configuration's digest-to. Several on
 * standard output are an mbox. With --alert, a message only for flags
 * not alerted before (digest-alert.c), recorded once it is out.
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
#include "cpus.h"
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
	OPT_ALERT,
};

#define MAX_LIST	64
#define MAX_THREADS	4

/* What every message of a run shares. */
struct run {
	struct store		*s;		/* stores[0] */
	struct store		*const *stores;
	size_t			 nstores;
	const struct conf	*conf;
	struct digest_opts	 o;		/* the --domain ones */
	struct digest		*every;		/* --alert: of every domain */
	const char		*from, *subject;
	char			*sender;	/* from, bare */
	const char		*smtp;		/* NULL: standard output */
	struct net_opts		 net;
	int			 alert;
	int			 several;	/* messages */
	int			 mbox;		/* several on standard output */
	int			 has_all;	/* an all-domains list */
	int64_t			 date;		/* of the messages */
	int			 stop;		/* standard output failed */
};

static void	digest_usage(FILE *);
static int	write_out(const struct buf *);
static int	write_mbox(const char *, int64_t, const struct buf *);
static int	one_message(struct run *, const struct digest_rcpt *,
		    struct dr_error *);
static void	who(const struct digest_rcpt *, char *, size_t);

static void
digest_usage(FILE *f)
{
	sanitise_fprintf(f,
	    "usage: dmarcdb [--db FILE] [--config FILE] digest [--days N]\n"
	    "           [--as-of DATE] [--domain D]... [--from ADDR]\n"
	    "           [--to ADDR]... [--subject TEXT]\n"
	    "           [--format mime|text|html] [--alert] [--smtp URL]\n"
	    "           [--allow-cleartext] [--ca-file FILE] [--no-dns]\n"
	    "\n"
	    "The weekly summary for people who do not read DMARC: how much\n"
	    "mail was authenticated, what changed, what broke and who must\n"
	    "fix it, and the next policy step of every domain. By default\n"
	    "one email message (text and HTML) on standard output, ready\n"
	    "for 'sendmail -t'; with --smtp, sent. A domain block's\n"
	    "digest-to gets a message of its domains only; several\n"
	    "messages on standard output are an mbox, for\n"
	    "'formail -s sendmail -t'.\n"
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
	    "                  configuration); one message, of every domain\n"
	    "  --subject TEXT  what the subject starts with (default\n"
	    "                  \"DMARC weekly\", \"DMARC alert\"); the\n"
	    "                  banner follows\n"
	    "  --format F      mime (default), text or html: only that\n"
	    "                  part, of every domain, for a preview\n"
	    "  --alert         for cron, every hour: a message only for what\n"
	    "                  needs action and was not alerted before (to\n"
	    "                  the same recipients), remembered in the\n"
	    "                  database; nothing new, nothing printed\n"
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
	    "  -h, --help      this help\n"
	    "\n"
	    "Exit status: 0 done (with --alert, also when nothing was new),\n"
	    "1 a message not sent or not written (an alert's flags are\n"
	    "then alerted again next time), 2 usage, 3 database or\n"
	    "configuration, 4 internal error.\n");
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

/*
 * A message of an mbox (mboxrd), written: a "From " line with the
 * sender and the date, the lines that begin with ">*From " quoted with
 * one more '>', and an empty line. -1 when out of memory or stdout
 * fails.
 */
static int
write_mbox(const char *sender, int64_t date, const struct buf *b)
{
	struct buf	 out = { 0 };
	struct tm	 tm;
	time_t		 t = (time_t)date;
	char		 when[64];
	const char	*p, *end, *nl, *q;
	size_t		 n;
	int		 rc = -1;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm) == 0)
		snprintf(when, sizeof when, "Thu Jan  1 00:00:00 1970");
	if (buf_add(&out, "From ", 5) == -1 ||
	    buf_add(&out, sender, strlen(sender)) == -1 ||
	    buf_add(&out, " ", 1) == -1 ||
	    buf_add(&out, when, strlen(when)) == -1 ||
	    buf_add(&out, "\n", 1) == -1)
		goto out;
	for (p = b->data, end = p + b->len; p < end; p += n) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		for (q = p; q < p + n && *q == '>'; q++)
			;
		if (((size_t)(p + n - q) >= 5 && memcmp(q, "From ", 5) == 0 &&
		    buf_add(&out, ">", 1) == -1) || buf_add(&out, p, n) == -1)
			goto out;
	}
	if ((b->len > 0 && b->data[b->len - 1] != '\n' &&
	    buf_add(&out, "\n", 1) == -1) || buf_add(&out, "\n", 1) == -1)
		goto out;
	rc = write_out(&out);
out:
	buf_free(&out);
	return rc;
}

/* "a@example.com", "a@example.com and 2 more", for messages. */
static void
who(const struct digest_rcpt *m, char *out, size_t len)
{
	if (m->naddr == 0)
		snprintf(out, len, "nobody");
	else if (m->naddr == 1)
		snprintf(out, len, "%s", m->addr[0]);
	else
		snprintf(out, len, "%s and %zu more", m->addr[0],
		    m->naddr - 1);
}

/*
 * The digest of one message's domains, then, with --alert, what is new
 * to its recipients; made, and sent or printed. 0 done (or nothing new),
 * 1 not sent or written (said), 2 not sent for a usage error (said), -1
 * with err set.
 */
static int
one_message(struct run *r, const struct digest_rcpt *m,
    struct dr_error *err)
{
	struct digest_opts	 o = r->o;
	struct digest		*own = NULL;
	const struct digest	*g;
	struct digest_alert	 a;
	struct digest_mail	 mail;
	struct buf		 text = { 0 }, html = { 0 }, msg = { 0 };
	char			 subj[512], safe[512], to[320];
	int			 rc = -1;

	memset(&a, 0, sizeof a);
	/*
	 * What is new, from the digest of every domain: the ingest's
	 * flags are the all-domains list's, if there is one.
	 */
	if (r->alert) {
		if (digest_alert_new(r->s, r->every, m->all ? NULL :
		    m->domains, m->all ? 0 : m->ndomains, m->all ||
		    !r->has_all, m->addr, m->naddr, &a, err) == -1)
			goto out;
		if (a.nfresh == 0) {
			/* Written at once: a transaction of its own. */
			store_read_end(r->s);
			rc = digest_alert_done(r->s, &a, m->addr, m->naddr,
			    r->date, 0, err);
			if (rc == 0)
				rc = store_read_begin(r->s, err);
			goto out;
		}
	}
	if (m->all && r->every != NULL)
		g = r->every;
	else {
		if (!m->all) {
			o.domains = m->domains;
			o.ndomains = m->ndomains;
		}
		if (digest_build(r->stores, r->nstores, r->conf, &o, &own,
		    err) == -1)
			goto out;
		g = own;
	}
	if (r->alert) {
		digest_alert_subject(&a, r->subject, subj, sizeof subj);
		if (digest_alert_text(g, &a, &text) == -1 ||
		    digest_alert_html(g, &a, subj, &html) == -1)
			goto nomem;
	} else {
		digest_subject(g, r->subject, subj, sizeof subj);
		if (digest_text(g, &text) == -1 ||
		    digest_html(g, subj, &html) == -1)
			goto nomem;
	}
	if (buf_add(&text, "", 1) == -1 || buf_add(&html, "", 1) == -1)
		goto nomem;
	memset(&mail, 0, sizeof mail);
	mail.from = r->from;
	mail.to = m->to;
	mail.nto = m->nto;
	mail.subject = subj;
	mail.date = r->date;
	mail.text = text.data;
	mail.html = html.data;
	mail.crlf = r->smtp != NULL;
	if (digest_mime(&mail, &msg, err) == -1)
		goto out;
	who(m, to, sizeof to);
	if (r->smtp == NULL) {
		if ((r->mbox ? write_mbox(r->sender, r->date, &msg) :
		    write_out(&msg)) == -1) {
			r->stop = 1;
			rc = cmd_output_failed(r->alert ? "writing the alert" :
			    "writing the digest");
			goto out;
		}
	} else if (smtp_send(r->smtp, &r->net, r->sender, m->addr, m->naddr,
	    msg.data, msg.len, err) == -1) {
		if (r->several)
			log_warnx("%s to %s not sent: %s", r->alert ? "alert" :
			    "digest", to, err->msg);
		else
			log_warnx("%s not sent: %s", r->alert ? "alert" :
			    "digest", err->msg);
		/* The URL: the others would fail the same way. */
		if (err->code == DR_E_USAGE) {
			r->stop = 1;
			rc = 2;
		} else
			rc = 1;
		goto out;
	} else {
		net_redact(r->smtp, safe, sizeof safe);
		log_verbose("%s sent by %s to %zu recipient%s (%s)", r->alert ?
		    "alert" : "digest", safe, m->naddr, m->naddr == 1 ? "" :
		    "s", to);
	}
	rc = 0;
	/* Out: its flags are alerted, each in a transaction of its own. */
	if (r->alert) {
		store_read_end(r->s);
		if (digest_alert_done(r->s, &a, m->addr, m->naddr, r->date, 1,
		    err) == -1 || store_read_begin(r->s, err) == -1)
			rc = -1;
	}
	goto out;
nomem:
	dr_seterr(err, DR_E_NOMEM, "out of memory");
out:
	digest_alert_free(&a);
	buf_free(&text);
	buf_free(&html);
	buf_free(&msg);
	digest_free(own);
	return rc;
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
		{ "alert", no_argument, NULL, OPT_ALERT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_when		 wh;
	struct run		 r;
	struct digest		*g = NULL;
	struct digest_rcpts	*rcpts = NULL;
	struct ident		 id = { 0 };
	struct store		*s = NULL, *stores[MAX_THREADS];
	struct conf		*conf = NULL;
	struct dr_error		 err;
	struct buf		 part = { 0 };
	const char		*domains[MAX_LIST], *to[MAX_LIST];
	const char		*config = NULL, *smtp = NULL, *ca_file = NULL;
	const char		*what;
	char			 subj[256], **sender = NULL, where[600];
	char			 safe[512];
	size_t			 nd = 0, nto = 0, nsender = 0, i;
	size_t			 nstores = 1;
	long			 ncpu;
	enum format		 fmt = F_MIME;
	int64_t			 from_day, to_day;
	int			 ch, rc, dns = 1, cleartext = 0, conf_to = 0;

	memset(&wh, 0, sizeof wh);
	memset(&r, 0, sizeof r);
	memset(&err, 0, sizeof err);
	while ((ch = cmd_getopt(c, "digest", argc, argv, "h", opts)) != -1) {
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
			domains[nd++] = cmd_domain_arg(optarg);
			break;
		case OPT_TO:
			if (nto == MAX_LIST)
				return cmd_usage_error(c, "digest", "too many "
				    "--to options (at most %d)", MAX_LIST);
			to[nto++] = optarg;
			break;
		case OPT_FROM:
			r.from = optarg;
			break;
		case OPT_SUBJECT:
			r.subject = optarg;
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
		case OPT_ALERT:
			r.alert = 1;
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
	if (r.alert && fmt != F_MIME)
		return cmd_usage_error(c, "digest", "--alert sends or prints "
		    "whole messages: it excludes --format %s", fmt == F_TEXT ?
		    "text" : "html");
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
	if (r.alert && store_readonly(s))
		log_warnx("%s: read-only for this user: the alerts sent are "
		    "not recorded, and the next run sends them again (run "
		    "digest --alert as the database's owner)", c->db_path);
	/* The command line first, then the configuration. */
	if (r.from == NULL)
		r.from = conf->digest.from;
	if (nto == 0) {
		conf_to = 1;
		for (i = 0; i < conf->digest.nto && nto < MAX_LIST; i++)
			to[nto++] = conf->digest.to[i];
	}
	/* The configuration's subject is the weekly one's. */
	if (r.subject == NULL && !r.alert)
		r.subject = conf->digest.subject;
	/* The configuration's server, unless "--smtp -": standard output. */
	if (smtp == NULL && fmt == F_MIME)
		smtp = conf->digest.smtp;
	if (smtp != NULL && strcmp(smtp, "-") == 0)
		smtp = NULL;
	r.smtp = smtp;
	r.net.allow_cleartext = cleartext || conf->digest.allow_cleartext;
	r.net.ca_file = ca_file;
	if (ca_file == NULL && conf->digest.ca_file != NULL && smtp != NULL) {
		if (access(conf->digest.ca_file, R_OK) == -1) {
			log_warnx("%s:%d: ca-file %s: %s", conf->path ?
			    conf->path : "(configuration)",
			    conf->digest.line_ca_file, conf->digest.ca_file,
			    strerror(errno));
			rc = EXIT_DB;
			goto out;
		}
		r.net.ca_file = conf->digest.ca_file;
	}
	if (fmt == F_MIME) {
		if (r.from == NULL) {
			rc = cmd_usage_error(c, "digest", "no sender: give "
			    "--from or put it in the digest block of the "
			    "configuration");
			goto out;
		}
		/* Addresses of the configuration: its errors, where. */
		snprintf(where, sizeof where, "%s:%d: digest from",
		    conf->path ? conf->path : "(configuration)",
		    conf->digest.line_from);
		if (digest_addr_spec(r.from, r.from == conf->digest.from ?
		    where : "--from", &sender, &nsender, &err) == -1) {
			if (err.code != DR_E_USAGE || r.from !=
			    conf->digest.from)
				goto fail;
			log_warnx("%s", err.msg);
			rc = EXIT_DB;
			goto out;
		}
		r.sender = sender[0];
		snprintf(where, sizeof where, "%s:%d: digest to", conf->path ?
		    conf->path : "(configuration)", conf->digest.line_to);
		what = conf_to ? where : "--to";
		if (digest_rcpts(conf, to, nto, what, conf_to, domains, nd,
		    &rcpts, &err) == -1) {
			if (err.code != DR_E_USAGE || !conf_to)
				goto fail;
			log_warnx("%s", err.msg);
			rc = EXIT_DB;
			goto out;
		}
		if (rcpts->n == 0) {
			rc = cmd_usage_error(c, "digest", "no recipient: give "
			    "--to or put it in the digest block of the "
			    "configuration");
			goto out;
		}
		r.has_all = rcpts->v[0].all;
		r.several = rcpts->n > 1;
		r.mbox = r.several && smtp == NULL;
	}

	memset(&r.o, 0, sizeof r.o);
	r.o.as_of = (to_day + 1) * 86400;
	r.o.days = (unsigned)(to_day - from_day + 1);
	r.o.domains = domains;
	r.o.ndomains = nd;
	r.o.dns = dns;
	r.date = wh.as_of != NULL ? r.o.as_of : (int64_t)time(NULL);
	/* Senders are named from the reports and offline data only. */
	ident_open(conf, s, 0, &id);
	r.o.cat = id.cat;
	r.o.geo_path = id.geo != NULL ? geo_path(id.geo) : NULL;
	/* A connection per core: the domains are gathered in parallel. */
	stores[0] = s;
	ncpu = cpus_usable();
	for (nstores = 1; nstores < (ncpu > 0 ? (size_t)ncpu : 1) &&
	    nstores < MAX_THREADS; nstores++) {
		if ((rc = cmd_open_store(c, &stores[nstores])) != EXIT_OK)
			goto out;
		if (store_read_begin(stores[nstores], &err) == -1) {
			nstores++;
			goto fail;
		}
	}
	r.s = s;
	r.stores = stores;
	r.nstores = nstores;
	r.conf = conf;
	rc = EXIT_OK;

	if (fmt == F_TEXT || fmt == F_HTML) {
		/* A preview: one part, of every domain. */
		if (digest_build(stores, nstores, conf, &r.o, &g, &err) == -1)
			goto fail;
		digest_subject(g, r.subject, subj, sizeof subj);
		if ((fmt == F_TEXT ? digest_text(g, &part) :
		    digest_html(g, subj, &part)) == -1) {
			dr_seterr(&err, DR_E_NOMEM, "out of memory");
			goto fail;
		}
		if (write_out(&part) == -1 &&
		    cmd_output_failed("writing the digest"))
			rc = EXIT_REJECTED;
		goto out;
	}
	if (r.alert && digest_build(stores, nstores, conf, &r.o, &r.every,
	    &err) == -1)
		goto fail;
	for (i = 0; i < rcpts->n && !r.stop; i++) {
		switch (one_message(&r, &rcpts->v[i], &err)) {
		case -1:
			goto fail;
		case 1:
			rc = EXIT_REJECTED;
			break;
		case 2:
			rc = EXIT_USAGE;
			break;
		default:
			break;
		}
	}
	/* Flags gone for a while are news again when they come back. */
	if (r.alert) {
		store_read_end(s);
		if (store_alert_forget(s, r.date - DIGEST_ALERT_FORGET, &err) ==
		    -1)
			goto fail;
	}
	goto out;
fail:
	if (err.code == DR_E_USAGE)
		rc = cmd_usage_error(c, "digest", "%s", err.msg);
	else {
		log_warnx("%s", err.msg);
		rc = cmd_exit_for(&err);
	}
out:
	if (rc == EXIT_OK)
		cmd_newest_note(s, domains, nd, wh.as_of, wh.as_of_t, 0,
		    CMD_HINT_OLDER);
	for (i = 0; i < nsender; i++)
		free(sender[i]);
	free(sender);
	digest_rcpts_free(rcpts);
	buf_free(&part);
	digest_free(g);
	digest_free(r.every);
	ident_close(&id);
	for (i = 1; i < nstores; i++)
		store_close(stores[i]);
	store_close(s);
	conf_free(conf);
	return rc;
}
