/*
 * imap.h: reading an IMAP folder (imap:// or imaps:// URL) with libcurl.
 *
 * The messages of the folder that the database does not know are
 * fetched and ingested; once their reports are committed, each is moved
 * (to move_to if it held a usable report, to rejected_to if not, folders
 * created if missing) or, without a folder for it, flagged \Seen. Which
 * messages were processed is known from the database, by UIDVALIDITY and
 * UID, not from the \Seen flag (which a person reading the mailbox may
 * set), so a run killed at any moment is completed by the next one.
 *
 * Without MOVE, messages are copied, flagged \Deleted and removed with
 * UID EXPUNGE (UIDPLUS), never a plain EXPUNGE, which would also remove
 * the messages other clients flagged \Deleted; without UIDPLUS either,
 * they are left flagged, with a warning.
 *
 * Credentials never come from the command line: a password in the URL
 * is refused. They come from ~/.netrc (or netrc_file), or the password
 * from the environment variable DMARCDB_IMAP_PASSWORD, and travel only
 * over TLS unless net allows clear text (net.h).
 *
 * Each command (such as fetching one message) may take message_timeout
 * seconds, the whole folder session_timeout (0: no limit): a server
 * that trickles cannot hold the run, and its locks, for ever.
 */
#ifndef DR_IMAP_H
#define DR_IMAP_H

#include "error.h"
#include "ingest.h"
#include "net.h"

/* Defaults, documented in dmarcdb(1). */
#define IMAP_MESSAGE_TIMEOUT	300	/* seconds */
#define IMAP_SESSION_TIMEOUT	1800

struct imap_opts {
	const char	*move_to;	/* or NULL: flag \Seen */
	const char	*rejected_to;	/* or NULL: flag \Seen */
	const char	*netrc_file;	/* or NULL: ~/.netrc */
	struct net_opts	 net;
	unsigned	 message_timeout;	/* seconds, 0: none */
	unsigned	 session_timeout;	/* seconds, 0: none */
};

/* 1 if the argument names an IMAP folder. */
int	imap_is_url(const char *);

/*
 * Ingest the folder. Problems with the server (or the URL) are reported
 * once and counted as an unreadable input; returns -1 only for errors
 * that stop the batch.
 */
int	imap_ingest(struct ingest *, const char *, const struct imap_opts *,
	    struct dr_error *);

#endif
