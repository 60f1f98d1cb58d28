/*
 * input.h: finding inputs: files, directories (walked recursively in
 * byte order of names, entries starting with a dot skipped), Maildirs
 * (a directory with cur/ and new/: the messages in new/, then cur/), "-"
 * for standard input, and IMAP folders; and, once what came of them is
 * committed, moving the files and Maildir messages read (--move-to,
 * --rejected-to; input-move.c).
 */
#ifndef DR_INPUT_H
#define DR_INPUT_H

#include "error.h"
#include "ingest.h"

struct imap_opts;

struct input_opts {
	/*
	 * Where to move what was read from files and Maildirs: what held
	 * a usable report (stored, or stored before), and what did not
	 * (nothing, or only rejected ones); NULL: leave it. A folder for
	 * files, a Maildir for messages, made if missing (mode 0700). A
	 * message moved into the Maildir it is in is flagged seen.
	 */
	const char		*move_to;
	const char		*rejected_to;
	const struct imap_opts	*imap;		/* for IMAP folders */
};

struct input;

/* The inputs of one run, into the engine (not owned). 0 or -1. */
int	input_new(struct ingest *, const struct input_opts *, struct input **,
	    struct dr_error *);
/*
 * Moves what is left to move (input_path does as it goes), then frees;
 * -1 (err filled in) when the store failed meanwhile. input_free
 * accepts NULL and does not move.
 */
int	input_finish(struct input *, struct dr_error *);
void	input_free(struct input *);

/*
 * A path, "-", or an IMAP URL (see imap.h). Returns -1 only for errors
 * that stop the batch (err filled in).
 */
int	input_path(struct input *, const char *, struct dr_error *);

/* Standard input, of which the first bytes were read already. */
int	input_stdin(struct input *, const void *, size_t, struct dr_error *);

/*
 * Never read this file (the database and its -wal, -shm and -journal
 * files, which may sit in a directory being ingested). A file that does
 * not exist is ignored.
 */
void	input_skip(const char *);

#endif
