/*
 * input.h: finding inputs: files, directories (walked recursively in
 * byte order of names, entries starting with a dot skipped), Maildirs
 * (a directory with cur/ and new/: the messages in new/, then cur/), "-"
 * for standard input, and IMAP folders.
 */
#ifndef DR_INPUT_H
#define DR_INPUT_H

#include "error.h"
#include "ingest.h"

/*
 * A path, "-", or an IMAP URL (see imap.h). Returns -1 only for errors
 * that stop the batch (err filled in).
 */
struct imap_opts;
int	input_path(struct ingest *, const char *, const struct imap_opts *,
	    struct dr_error *);

/* Standard input, of which the first bytes were read already. */
int	input_stdin(struct ingest *, const void *, size_t, struct dr_error *);

/*
 * Never read this file (the database and its -wal, -shm and -journal
 * files, which may sit in a directory being ingested). A file that does
 * not exist is ignored.
 */
void	input_skip(const char *);

#endif
