/*
 * input.h: finding inputs: files, directories (walked recursively in
 * byte order of names, entries starting with a dot skipped), and "-"
 * for standard input.
 */
#ifndef DR_INPUT_H
#define DR_INPUT_H

#include "error.h"
#include "ingest.h"

/* Returns -1 only for errors that stop the batch (err filled in). */
int	input_path(struct ingest *, const char *, struct dr_error *);

/*
 * Never read this file (the database and its -wal, -shm and -journal
 * files, which may sit in a directory being ingested). A file that does
 * not exist is ignored.
 */
void	input_skip(const char *);

#endif
