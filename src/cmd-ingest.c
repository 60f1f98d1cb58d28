/*
 * cmd-ingest.c: dmarcdb ingest [options] PATH...
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "imap.h"
#include "ingest.h"
#include "input.h"
#include "log.h"
#include "mail.h"
#include "sanitise.h"

/* Defaults, documented in dmarcdb(1). */
#define DEF_MAX_BYTES	(256ULL << 20)
#define DEF_MAX_MEMBERS	1000
#define DEF_MAX_DEPTH	64
#define DEF_MAX_TEXT	(1U << 20)
#define DEF_MAX_RECORDS	2000000
#define DEF_MAX_RATIO	200
#define DEF_KEEP	(32U << 20)
#define DEF_MAX_MESSAGE	(64U << 20)
#define EX_TEMPFAIL	75	/* sysexits.h: the MTA tries again later */
/*
 * The records left for the report commands to summarise at which ingest
 * brings the sources table up to date before it ends (store_sources_due),
 * so that no report command pays for a bulk ingest (a million records:
 * about 1.5 s, most of the 2 s a report command may take). Below it a
 * report command pays at most about 0.4 s, and a run of that size
 * (bench b's 255,000 records: 0.3 s, a fifth of its ingest) or an
 * MTA's delivery does not. DMARCDB_MERGE_RECORDS says otherwise.
 */
#define DEF_MERGE_RECORDS	300000

static void
ingest_usage(FILE *f)
{
	sanitise_fprintf(f,
	    "usage: dmarcdb [--db FILE] [-v | -q] ingest [options] PATH...\n"
	    "\n"
	    "Store the DMARC aggregate reports found in each PATH: a file\n"
	    "(XML, gzip, zlib, zip, an email message or an mbox file,\n"
	    "whatever its name), a directory (read recursively; a Maildir\n"
	    "is read as one), an IMAP folder (imap://user@host/FOLDER,\n"
	    "imaps://...), or - for standard input (one message: pipe\n"
	    "delivery). Reports already stored are skipped; inputs that hold\n"
	    "no usable report are kept in the rejected_inputs table.\n"
	    "\n"
	    "Options:\n"
	    "  --max-bytes SIZE     decompressed size of one report "
	    "(default 256M)\n"
	    "  --max-members N      members of one zip archive "
	    "(default %d)\n"
	    "  --max-depth N        XML element nesting, at most 256 "
	    "(default %d)\n"
	    "  --max-text SIZE      length of one text value "
	    "(default 1M)\n"
	    "  --max-records N      records in one report (default %d)\n"
	    "  --max-ratio N        decompressed:compressed ratio, 0 for "
	    "none (default %d)\n"
	    "  --keep-rejected SIZE raw bytes kept of a rejected input "
	    "(default 32M)\n"
	    "  --max-message SIZE   size of one email message (default 64M)\n"
	    "  --move-to FOLDER     move what held a usable report there, "
	    "once stored:\n"
	    "                       files to a folder, Maildir messages to "
	    "a Maildir\n"
	    "                       (flagged seen; the Maildir itself: "
	    "flag them there),\n"
	    "                       IMAP messages to a folder of the "
	    "server\n"
	    "  --rejected-to FOLDER the same for what held no usable "
	    "report\n"
	    "                       (without these, IMAP messages are "
	    "flagged \\Seen;\n"
	    "                       files and Maildir messages stay)\n"
	    "  --netrc-file FILE    IMAP credentials (default ~/.netrc; or "
	    "the password\n"
	    "                       in DMARCDB_IMAP_PASSWORD)\n"
	    "  --allow-cleartext    IMAP: allow clear text (no TLS) to any "
	    "server; by\n"
	    "                       default only to a loopback address "
	    "(127.0.0.1, ::1)\n"
	    "  --ca-file FILE       IMAP: trust the CA certificates in "
	    "FILE (PEM) only\n"
	    "  --message-timeout S  IMAP: seconds one command, such as "
	    "fetching a\n"
	    "                       message, may take (default %d; 0: "
	    "no limit)\n"
	    "  --session-timeout S  IMAP: seconds a folder may take "
	    "(default %d; 0: no\n"
	    "                       limit)\n"
	    "  --recover            read XML that is not well-formed in "
	    "libxml2's recovery\n"
	    "                       mode (the report is stored with a "
	    "warning); read again\n"
	    "                       messages whose reports were all "
	    "rejected\n"
	    "  --json               the summary as JSON on standard "
	    "output\n"
	    "  -h, --help           this help\n"
	    "\n"
	    "SIZE takes a K, M or G suffix. Exit status: 0 all stored or "
	    "duplicates\n"
	    "(inputs rejected before included), 1 some inputs rejected, "
	    "unreadable or\n"
	    "not moved, 2 usage error, 3 database error, 5 an IMAP server "
	    "could not be\n"
	    "reached (or refused), and nothing else failed; 130, 143 "
	    "stopped by SIGINT,\n"
	    "SIGTERM; for one message on standard input: 0 recorded, 75 "
	    "(EX_TEMPFAIL) not.\n",
	    DEF_MAX_MEMBERS, DEF_MAX_DEPTH, DEF_MAX_RECORDS, DEF_MAX_RATIO,
	    IMAP_MESSAGE_TIMEOUT, IMAP_SESSION_TIMEOUT);
}

/*
 * Read standard input into p until it holds want bytes, or it ends.
 * Returns 1 at its end (or on a read error, which the reader of the
 * input meets again), else 0.
 */
static int
read_stdin(char *p, size_t *len, size_t want)
{
	ssize_t	r;

	while (*len < want) {
		r = read(STDIN_FILENO, p + *len, want - *len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return 1;
		*len += (size_t)r;
	}
	return 0;
}

static double
elapsed(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* DMARCDB_MERGE_RECORDS, or the default: 0, or -1 after a message. */
static int
merge_records(int64_t *at)
{
	const char	*v = getenv("DMARCDB_MERGE_RECORDS");
	uint64_t	 n;

	*at = DEF_MERGE_RECORDS;
	if (v == NULL || *v == '\0')
		return 0;
	if (cmd_parse_uint(v, 0, INT64_MAX, &n) == -1) {
		log_warnx("DMARCDB_MERGE_RECORDS: \"%s\" is not a number "
		    "of records", v);
		return -1;
	}
	*at = (int64_t)n;
	return 0;
}

/*
 * Bring the sources table up to date when ingest left at records or
 * more to summarise. Its reports are stored whatever comes of it: a
 * failure is said and leaves the work to the next report command.
 */
static void
merge_due(struct store *store, int64_t at)
{
	struct dr_error	err;
	int64_t		pending;
	int		rc;

	rc = store_sources_due(store, at, &pending, &err);
	if (rc == -1)
		log_warnx("%s (the next report command brings the sources "
		    "up to date)", err.msg);
	else if (rc == 1)
		log_verbose("sources brought up to date: %lld records "
		    "summarised", (long long)pending);
}

static const char *
plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/*
 * The exit status (dmarcdb(1), EXIT STATUS): stopped by a signal, 128
 * and its number; 1 when something needs a look (an input rejected for
 * the first time, one that could not be read, one not moved); 5 when
 * only servers failed (nothing reached, nothing to look at in the
 * inputs); else 0, inputs rejected by earlier runs included. For one
 * message on standard input (an MTA), 0: it was recorded.
 */
static int
exit_status(const struct store_counts *n, int mta)
{
	if (mta)
		return EXIT_OK;
	if (cmd_stop_signal != 0)
		return 128 + cmd_stop_signal;
	if (n->rejected > 0 || n->unreadable > n->unreachable ||
	    n->not_moved > 0)
		return EXIT_REJECTED;
	if (n->unreachable > 0)
		return EXIT_UNREACHABLE;
	return EXIT_OK;
}

/* The summary line, on standard error. */
static void
summary_text(const struct store_counts *n, double secs)
{
	char	mail[160], skip[48], rej[48], unread[48], gone[48];
	char	moved[48], stuck[48];

	mail[0] = skip[0] = rej[0] = unread[0] = gone[0] = '\0';
	moved[0] = stuck[0] = '\0';
	/* Messages that held no report (recorded, never read again). */
	if (n->mail_no_report > 0)
		snprintf(skip, sizeof skip, ", %llu without a report",
		    (unsigned long long)n->mail_no_report);
	if (n->mail_read > 0)
		snprintf(mail, sizeof mail, "%llu email %s (%llu processed "
		    "before%s), ", (unsigned long long)n->mail_read,
		    plural(n->mail_read, "message", "messages"),
		    (unsigned long long)n->mail_known, skip);
	/* Quietly: what earlier runs rejected and said already. */
	if (n->rejected_before > 0)
		snprintf(rej, sizeof rej, " (%llu rejected before)",
		    (unsigned long long)n->rejected_before);
	if (n->unreadable > 0)
		snprintf(unread, sizeof unread, ", %llu unreadable",
		    (unsigned long long)n->unreadable);
	/* Files other readers took: said only when there were some. */
	if (n->vanished > 0)
		snprintf(gone, sizeof gone, ", %llu vanished",
		    (unsigned long long)n->vanished);
	if (n->moved > 0)
		snprintf(moved, sizeof moved, ", %llu moved",
		    (unsigned long long)n->moved);
	if (n->not_moved > 0)
		snprintf(stuck, sizeof stuck, ", %llu not moved",
		    (unsigned long long)n->not_moved);
	log_info("%llu %s: %s%llu %s stored, %llu %s, %llu superseded, "
	    "%llu rejected%s%s%s%s%s; %llu records, %llu messages; %.2f s",
	    (unsigned long long)n->inputs, plural(n->inputs, "input", "inputs"),
	    mail, (unsigned long long)n->stored, plural(n->stored, "report",
	    "reports"), (unsigned long long)n->duplicates,
	    plural(n->duplicates, "duplicate", "duplicates"),
	    (unsigned long long)n->superseded,
	    (unsigned long long)n->rejected, rej, unread, gone, moved, stuck,
	    (unsigned long long)n->records,
	    (unsigned long long)n->messages, secs);
}

static void
json_count(const char *name, uint64_t v)
{
	sanitise_printf(",\n  \"%s\": %llu", name, (unsigned long long)v);
}

/*
 * The summary as one JSON object on standard output (dmarcdb(1),
 * INGEST, --json): every name and reason escaped (cmd_json).
 */
static void
summary_json(const struct ingest *e, double secs, int status,
    const char *error)
{
	static const char *const kinds[] = { "rejected", "unreadable",
	    "unreachable", "warning", "not_moved" };
	const struct store_counts	*n = ingest_counts(e);
	const struct ingest_item	*it;
	size_t				 k, nitems;
	uint64_t			 more;

	sanitise_printf("{\n  \"status\": %d,\n  \"stopped_by\": ", status);
	cmd_json(stdout, status == 128 + SIGINT ? "SIGINT" :
	    status == 128 + SIGTERM ? "SIGTERM" : NULL);
	sanitise_printf(",\n  \"error\": ");
	cmd_json(stdout, error);
	sanitise_printf(",\n  \"seconds\": %.3f", secs);
	json_count("inputs", n->inputs);
	json_count("mail_read", n->mail_read);
	json_count("mail_known", n->mail_known);
	json_count("mail_no_report", n->mail_no_report);
	json_count("stored", n->stored);
	json_count("duplicates", n->duplicates);
	json_count("superseded", n->superseded);
	json_count("rejected", n->rejected);
	json_count("rejected_before", n->rejected_before);
	json_count("unreadable", n->unreadable);
	json_count("unreachable", n->unreachable);
	json_count("vanished", n->vanished);
	json_count("moved", n->moved);
	json_count("not_moved", n->not_moved);
	json_count("records", n->records);
	json_count("messages", n->messages);
	it = ingest_list(e, &nitems, &more);
	sanitise_printf(",\n  \"problems\": [");
	for (k = 0; k < nitems; k++) {
		sanitise_printf("%s\n    { \"kind\": \"%s\", \"origin\": ",
		    k ? "," : "", kinds[it[k].kind]);
		cmd_json(stdout, it[k].origin);
		sanitise_printf(", \"reason\": ");
		cmd_json(stdout, it[k].reason);
		sanitise_printf(" }");
	}
	/* (Line breaks in the format: an argument's would be escaped.) */
	if (nitems > 0)
		sanitise_printf("\n  ");
	sanitise_printf("]");
	json_count("problems_left_out", more);
	sanitise_printf("\n}\n");
}

/*
 * What the run did: the summary line (a warning when stopped by a
 * signal, so that it is seen under -q too), and with json the summary
 * on standard output.
 */
static void
summary(const struct ingest *e, double secs, int status, int json, int mta,
    const char *error)
{
	const struct store_counts	*n = ingest_counts(e);

	if (cmd_stop_signal != 0 && !mta)
		log_warnx("stopped by %s: %llu %s stored, %llu rejected; "
		    "what was being read is left for the next run",
		    cmd_stop_signal == SIGINT ? "SIGINT" : "SIGTERM",
		    (unsigned long long)n->stored, plural(n->stored, "report",
		    "reports"), (unsigned long long)n->rejected);
	if (error == NULL && !json)
		summary_text(n, secs);
	if (json)
		summary_json(e, secs, status, error);
}

int
cmd_ingest(struct cmd_ctx *c, int argc, char **argv)
{
	enum {
		O_MAX_BYTES = 256, O_MAX_MEMBERS, O_MAX_DEPTH, O_MAX_TEXT,
		O_MAX_RECORDS, O_MAX_RATIO, O_KEEP, O_RECOVER, O_MAX_MESSAGE,
		O_MOVE_TO, O_REJECTED_TO, O_NETRC, O_CLEARTEXT, O_CA_FILE,
		O_MESSAGE_TIMEOUT, O_SESSION_TIMEOUT, O_JSON
	};
	static const struct option opts[] = {
		{ "max-bytes", required_argument, NULL, O_MAX_BYTES },
		{ "max-members", required_argument, NULL, O_MAX_MEMBERS },
		{ "max-depth", required_argument, NULL, O_MAX_DEPTH },
		{ "max-text", required_argument, NULL, O_MAX_TEXT },
		{ "max-records", required_argument, NULL, O_MAX_RECORDS },
		{ "max-ratio", required_argument, NULL, O_MAX_RATIO },
		{ "keep-rejected", required_argument, NULL, O_KEEP },
		{ "recover", no_argument, NULL, O_RECOVER },
		{ "max-message", required_argument, NULL, O_MAX_MESSAGE },
		{ "move-to", required_argument, NULL, O_MOVE_TO },
		{ "rejected-to", required_argument, NULL, O_REJECTED_TO },
		{ "netrc-file", required_argument, NULL, O_NETRC },
		{ "allow-cleartext", no_argument, NULL, O_CLEARTEXT },
		{ "ca-file", required_argument, NULL, O_CA_FILE },
		{ "message-timeout", required_argument, NULL,
		    O_MESSAGE_TIMEOUT },
		{ "session-timeout", required_argument, NULL,
		    O_SESSION_TIMEOUT },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ingest_opts		 o;
	struct imap_opts		 imap;
	struct input_opts		 io;
	struct sigaction		 old_stop[2];
	struct store			*store = NULL;
	struct store_opening		*lookup = NULL;
	struct ingest			*e = NULL;
	struct input			*in = NULL;
	struct dr_error			 err, ignore;
	struct timespec			 t0;
	uint64_t			 v;
	enum unpack_kind		 kind;
	char				*peek = NULL;
	size_t				 plen = 0, want;
	int64_t				 merge_at;
	int				 ch, i, rc, mta = 0, eof = 0, json = 0;
	int				 lookup_early = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&imap, 0, sizeof imap);
	imap.message_timeout = IMAP_MESSAGE_TIMEOUT;
	imap.session_timeout = IMAP_SESSION_TIMEOUT;
	memset(&o, 0, sizeof o);
	o.ulim.max_bytes = DEF_MAX_BYTES;
	o.ulim.max_members = DEF_MAX_MEMBERS;
	o.ulim.max_ratio = DEF_MAX_RATIO;
	o.ulim.keep_bytes = DEF_KEEP;
	o.max_message = DEF_MAX_MESSAGE;
	o.plim.max_text = DEF_MAX_TEXT;
	o.plim.max_depth = DEF_MAX_DEPTH;
	o.plim.max_records = DEF_MAX_RECORDS;

	while ((ch = cmd_getopt(c, "ingest", argc, argv, "h", opts)) != -1) {
		switch (ch) {
		case O_MAX_BYTES:
			if (cmd_parse_size(optarg, &v) == -1 || v == 0)
				goto badval;
			o.ulim.max_bytes = v;
			break;
		case O_MAX_MEMBERS:
			if (cmd_parse_uint(optarg, 1, 1000000, &v) == -1)
				goto badval;
			o.ulim.max_members = (unsigned)v;
			break;
		case O_MAX_DEPTH:
			if (cmd_parse_uint(optarg, 4, 256, &v) == -1)
				goto badval;
			o.plim.max_depth = (unsigned)v;
			break;
		case O_MAX_TEXT:
			if (cmd_parse_size(optarg, &v) == -1 || v < 256 ||
			    v > (1ULL << 30))
				goto badval;
			o.plim.max_text = (size_t)v;
			break;
		case O_MAX_RECORDS:
			if (cmd_parse_uint(optarg, 1, UINT64_MAX, &v) == -1)
				goto badval;
			o.plim.max_records = v;
			break;
		case O_MAX_RATIO:
			if (cmd_parse_uint(optarg, 0, 1000000, &v) == -1)
				goto badval;
			o.ulim.max_ratio = (unsigned)v;
			break;
		case O_KEEP:
			if (cmd_parse_size(optarg, &v) == -1 ||
			    v > (1ULL << 30))
				goto badval;
			o.ulim.keep_bytes = (size_t)v;
			break;
		case O_RECOVER:
			o.recover = 1;
			break;
		case O_MOVE_TO:
			if (*optarg == '\0')
				goto badval;
			imap.move_to = optarg;
			break;
		case O_REJECTED_TO:
			if (*optarg == '\0')
				goto badval;
			imap.rejected_to = optarg;
			break;
		case O_JSON:
			json = 1;
			break;
		case O_NETRC:
			imap.netrc_file = optarg;
			break;
		case O_CLEARTEXT:
			imap.net.allow_cleartext = 1;
			break;
		case O_CA_FILE:
			if (access(optarg, R_OK) == -1)
				return cmd_usage_error(c, "ingest", "--ca-file "
				    "%s: %s", optarg, strerror(errno));
			imap.net.ca_file = optarg;
			break;
		case O_MESSAGE_TIMEOUT:
			if (cmd_parse_uint(optarg, 0, 86400, &v) == -1)
				goto badval;
			imap.message_timeout = (unsigned)v;
			break;
		case O_SESSION_TIMEOUT:
			if (cmd_parse_uint(optarg, 0, 86400, &v) == -1)
				goto badval;
			imap.session_timeout = (unsigned)v;
			break;
		case O_MAX_MESSAGE:
			if (cmd_parse_size(optarg, &v) == -1 || v < 1024 ||
			    v > (1ULL << 31))
				goto badval;
			o.max_message = (size_t)v;
			break;
		case 'h':
			ingest_usage(stdout);
			return EXIT_OK;
		default:
			sanitise_fprintf(stderr, "Try 'dmarcdb ingest "
			    "--help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cmd_usage_error(c, "ingest", "no PATH given (use - for "
		    "standard input)");

	/*
	 * One email message on standard input is delivery from an MTA:
	 * exit 0 whenever it is recorded (whatever it held) and
	 * EX_TEMPFAIL whenever it could not be, so that the MTA keeps it
	 * and tries again. Look at the first bytes to know: its whole
	 * header when that is long (up to the header cap).
	 */
	if (argc - optind == 1 && strcmp(argv[optind], "-") == 0) {
		peek = malloc(UNPACK_PREFIX_MAX);
		if (peek == NULL) {
			log_warnx("out of memory");
			return EX_TEMPFAIL;
		}
		for (want = 4096; ; want = UNPACK_PREFIX_MAX) {
			eof = read_stdin(peek, &plen, want);
			kind = unpack_sniff((unsigned char *)peek, plen, !eof,
			    NULL, 0);
			if (kind != UNPACK_MORE || want == UNPACK_PREFIX_MAX)
				break;
		}
		mta = kind == UNPACK_EMAIL || kind == UNPACK_MORE;
		/* Its parser, while the database is opened. */
		if (kind == UNPACK_EMAIL) {
			mail_preload();
			lookup_early = 1;
		}
	}
	if (merge_records(&merge_at) == -1) {
		mail_preload_wait();
		free(peek);
		return mta ? EX_TEMPFAIL : EXIT_USAGE;
	}

	rc = cmd_create_store(c, &store);
	if (rc != EXIT_OK) {
		mail_preload_wait();
		free(peek);
		return mta ? EX_TEMPFAIL : rc;
	}
	{
		static const char *const sfx[] = { "", "-wal", "-shm",
		    "-journal", "-imap.lock" };
		char	path[4096];
		size_t	k;
		for (k = 0; k < sizeof sfx / sizeof sfx[0]; k++) {
			snprintf(path, sizeof path, "%s%s", c->db_path, sfx[k]);
			input_skip(path);
		}
	}
	/*
	 * A message's first question is whether it was seen before: the
	 * connection that answers it is opened, and its schema read, while
	 * the run's row is written (and GMime loads).
	 */
	if (lookup_early)
		lookup = store_open_bg(store_dsn(store), store_busy_ms(store),
		    STORE_READER);
	memset(&io, 0, sizeof io);
	io.move_to = imap.move_to;
	io.rejected_to = imap.rejected_to;
	io.imap = &imap;
	/* One message from an MTA is recorded whole, or not at all. */
	cmd_catch_stop(old_stop);
	o.stop = mta ? NULL : &cmd_stop_signal;
	if (store_run_begin(store, &err) == -1)
		goto fatal;
	o.lookup = lookup;
	lookup = NULL;
	if (ingest_new(store, &o, &e, &err) == -1 ||
	    input_new(e, &io, &in, &err) == -1)
		goto fatal;
	if (argc - optind == 1 && strcmp(argv[optind], "-") == 0) {
		if (input_stdin(in, peek, plen, &err) == -1)
			goto fatal;
	} else {
		for (i = optind; i < argc && cmd_stop_signal == 0; i++)
			if (input_path(in, argv[i], &err) == -1)
				goto fatal;
	}
	if (input_finish(in, &err) == -1 || ingest_finish(e, &err) == -1 ||
	    store_run_end(store, ingest_counts(e), &err) == -1)
		goto fatal;
	if (cmd_stop_signal == 0)
		merge_due(store, merge_at);
	log_progress_clear();
	rc = exit_status(ingest_counts(e), mta);
	summary(e, elapsed(&t0), rc, json, mta, NULL);
	goto done;

fatal:
	log_progress_clear();
	log_warnx("%s", err.msg);
	log_warnx("stopped: reports committed before this error are kept");
	rc = mta ? EX_TEMPFAIL : cmd_exit_for(&err);
	/* What was done until then, for a program that reads it. */
	if (json && e != NULL) {
		ingest_finish(e, &ignore);
		summary(e, elapsed(&t0), rc, json, mta, err.msg);
	}
done:
	input_free(in);
	ingest_free(e);
	store_open_drop(lookup);
	store_close(store);
	mail_preload_wait();
	free(peek);
	cmd_release_stop(old_stop);
	return rc;

badval:
	return cmd_usage_error(c, "ingest", "invalid value '%s' for --%s",
	    optarg, opts[ch - O_MAX_BYTES].name);
}
