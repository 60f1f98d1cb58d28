/*
 * ingest.h: the ingest engine: inputs in, reports stored.
 *
 * For each document an input holds, the engine reads up to
 * INGEST_PREBUF bytes into memory while hashing them. A document that
 * ends within that is looked up by its SHA-256 before anything is
 * parsed, so re-deliveries cost one hash and one index lookup; it can be
 * split into several reports (more than one <feedback> root) and read
 * again in recovery mode. A larger document is parsed while it streams
 * in, in constant memory.
 */
#ifndef DR_INGEST_H
#define DR_INGEST_H

#include <stdint.h>

#include "error.h"
#include "parse.h"
#include "store.h"
#include "unpack.h"

#define INGEST_PREBUF	(8 * 1024 * 1024)

struct ingest_opts {
	struct unpack_limits	ulim;
	struct parse_limits	plim;
	int			recover;	/* retry bad XML leniently */
};

struct ingest;

/* NULL on allocation failure. The store is not owned. */
struct ingest	*ingest_new(struct store *, const struct ingest_opts *);
void		 ingest_free(struct ingest *);

/*
 * Ingest one input read from fd, or from memory. origin names it;
 * received is its arrival time (it decides which of two copies of a
 * report is newer). Bad units are rejected, logged and kept; the
 * function returns -1 only for errors that must stop the batch
 * (database, memory), with err filled in.
 */
int		 ingest_fd(struct ingest *, int, const char *, int64_t,
		    struct dr_error *);
int		 ingest_mem(struct ingest *, const void *, size_t, const char *,
		    int64_t, struct dr_error *);

/*
 * Count an input that could not even be opened: it is logged and
 * counted as rejected (there are no bytes to keep).
 */
void		 ingest_unreadable(struct ingest *, const char *, const char *);

const struct store_counts *ingest_counts(const struct ingest *);

#endif
