/*
 * cmd-ingest.c: dmarcdb ingest [options] PATH...
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
#include "imap.h"
#include "ingest.h"
#include "input.h"
#include "log.h"
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
	    "  --move-to FOLDER     IMAP: move processed messages there\n"
	    "  --rejected-to FOLDER IMAP: move messages without a usable "
	    "report there\n"
	    "                       (without these, messages are flagged "
	    "\\Seen)\n"
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
	    "  -h, --help           this help\n"
	    "\n"
	    "SIZE takes a K, M or G suffix. Exit status: 0 all stored or "
	    "duplicates,\n"
	    "1 some inputs rejected or unreadable, 2 usage error, 3 "
	    "database error;\n"
	    "for one message on standard input: 0 recorded, 75 "
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

static const char *
plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

int
cmd_ingest(struct cmd_ctx *c, int argc, char **argv)
{
	enum {
		O_MAX_BYTES = 256, O_MAX_MEMBERS, O_MAX_DEPTH, O_MAX_TEXT,
		O_MAX_RECORDS, O_MAX_RATIO, O_KEEP, O_RECOVER, O_MAX_MESSAGE,
		O_MOVE_TO, O_REJECTED_TO, O_NETRC, O_CLEARTEXT, O_CA_FILE,
		O_MESSAGE_TIMEOUT, O_SESSION_TIMEOUT
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ingest_opts		 o;
	struct imap_opts		 imap;
	const struct store_counts	*n;
	struct store			*store = NULL;
	struct ingest			*e = NULL;
	struct dr_error			 err;
	struct timespec			 t0;
	uint64_t			 v;
	enum unpack_kind		 kind;
	char				*peek = NULL, mail[96], unread[48], gone[48];
	size_t				 plen = 0, want;
	int				 ch, i, rc, mta = 0, eof = 0;

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

	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
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
			imap.move_to = optarg;
			break;
		case O_REJECTED_TO:
			imap.rejected_to = optarg;
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
	}

	rc = cmd_create_store(c, &store);
	if (rc != EXIT_OK) {
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
	if (store_run_begin(store, &err) == -1 ||
	    ingest_new(store, &o, &e, &err) == -1)
		goto fatal;
	if (argc - optind == 1 && strcmp(argv[optind], "-") == 0) {
		if (input_stdin(e, peek, plen, &err) == -1)
			goto fatal;
	} else {
		for (i = optind; i < argc; i++)
			if (input_path(e, argv[i], &imap, &err) == -1)
				goto fatal;
	}
	if (ingest_finish(e, &err) == -1)
		goto fatal;
	n = ingest_counts(e);
	if (store_run_end(store, n, &err) == -1)
		goto fatal;
	log_progress_clear();
	mail[0] = '\0';
	unread[0] = '\0';
	if (n->unreadable > 0)
		snprintf(unread, sizeof unread, ", %llu unreadable",
		    (unsigned long long)n->unreadable);
	if (n->mail_read > 0)
		snprintf(mail, sizeof mail, "%llu email %s (%llu processed "
		    "before), ", (unsigned long long)n->mail_read,
		    plural(n->mail_read, "message", "messages"),
		    (unsigned long long)n->mail_known);
	/* Files other readers took: said only when there were some. */
	gone[0] = '\0';
	if (n->vanished > 0)
		snprintf(gone, sizeof gone, ", %llu vanished",
		    (unsigned long long)n->vanished);
	log_info("%llu %s: %s%llu %s stored, %llu %s, %llu superseded, "
	    "%llu rejected%s%s; %llu records, %llu messages; %.2f s",
	    (unsigned long long)n->inputs, plural(n->inputs, "input", "inputs"),
	    mail, (unsigned long long)n->stored, plural(n->stored, "report",
	    "reports"), (unsigned long long)n->duplicates,
	    plural(n->duplicates, "duplicate", "duplicates"),
	    (unsigned long long)n->superseded,
	    (unsigned long long)n->rejected, unread, gone,
	    (unsigned long long)n->records,
	    (unsigned long long)n->messages, elapsed(&t0));
	rc = (n->rejected > 0 || n->unreadable > 0) && !mta ? EXIT_REJECTED :
	    EXIT_OK;
	ingest_free(e);
	store_close(store);
	free(peek);
	return rc;

fatal:
	log_progress_clear();
	log_warnx("%s", err.msg);
	log_warnx("stopped: reports committed before this error are kept");
	rc = mta ? EX_TEMPFAIL : cmd_exit_for(&err);
	ingest_free(e);
	store_close(store);
	free(peek);
	return rc;

badval:
	return cmd_usage_error(c, "ingest", "invalid value '%s' for --%s",
	    optarg, opts[ch - O_MAX_BYTES].name);
}
