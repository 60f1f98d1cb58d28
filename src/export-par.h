/*
 * export-par.h: export's classes, worked out beside the writing.
 *
 * Before its first row, export needs the class of every source of the
 * period (as sources gives it), which takes SQLite's sort of all the
 * period's records. So three threads share the work:
 *
 *   the caller's	reads the records and formats each row, with a
 *			hole where its class and sender go, into a spool
 *			(spool.h), each row with a reference to its
 *			source (the domain's number and a keyed hash);
 *   the classifier	classifies the domains one after the other, on a
 *			second connection that sees the same snapshot
 *			(store_twin), into a table per domain;
 *   the writer		takes the rows in order, waits for their domain's
 *			classes when they are not known yet (the spool
 *			then goes to a file), fills in the holes and
 *			writes to standard output.
 *
 * The bytes out are those of one thread doing it all, in the same order;
 * so are the errors: rows up to the first one of a domain whose
 * classification failed, then that failure; a reader gone (| head)
 * stops everything quietly.
 */
#ifndef DR_EXPORT_PAR_H
#define DR_EXPORT_PAR_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "spool.h"

struct store;
struct conf;
struct catalogue;

/*
 * A row in the spool: this header, then len bytes, which follow its
 * report's columns. A report's columns come once, before its first
 * row, as an entry of their own (dom XROW_REPORT): half a row's bytes
 * need not go through the spool.
 */
struct xrow {
	uint32_t	len;
	uint32_t	split;		/* where the class and sender go */
	uint32_t	dom;		/* the domain's number, or: */
#define XROW_NONE	UINT32_MAX	/* no class */
#define XROW_REPORT	(UINT32_MAX - 1)	/* the report's columns */
	uint32_t	pad;
	uint64_t	hash;		/* xclass_hash of its source */
};

struct xclass;

/*
 * For the domains given (in the order their first records come), their
 * sources' classes over the days from to to, as text for CSV (json 0)
 * or NDJSON (1). NULL when out of memory.
 */
struct xclass	*xclass_new(const char *const *, size_t, int64_t, int64_t,
		    int);
void		 xclass_free(struct xclass *);
/* The domain's number (XROW_NONE when not one of them). */
uint32_t	 xclass_domain(struct xclass *, const char *);
/*
 * The keyed hash of a source (domain NUL ip NUL header_from; NULL as
 * ""), low 3 bits clear. -1 when out of memory.
 */
int		 xclass_hash(struct xclass *, struct buf *, const char *,
		    const char *, const char *, uint64_t *);

/*
 * Classify every domain on s, in this thread: 0, or -1 with err set
 * (the domains before the failing one keep their classes). s is used
 * by no other thread meanwhile.
 */
int		 xclass_run(struct xclass *, struct store *,
		    const struct conf *, const struct catalogue *,
		    struct dr_error *);
/* The same in a thread of its own (on a twin connection): 0, or -1. */
int		 xclass_start(struct xclass *, struct store *,
		    const struct conf *, const struct catalogue *);
/*
 * Stop the thread (if it still runs) and wait for it; its error, if
 * the writer met it, is the writer's (xwriter_join).
 */
void		 xclass_join(struct xclass *);

struct xwriter;

/*
 * The writer of the spool's rows to standard output (buffered there
 * by the caller, which writes nothing to it until xwriter_join).
 */
struct xwriter	*xwriter_start(struct xclass *, struct spool *);
/*
 * Wait for the writer: 0 when every row was written, 1 when the reader
 * went away, -1 with err set (an output error, a failed
 * classification, a spool that could not be read). *rows: the rows
 * written.
 */
int		 xwriter_join(struct xwriter *, uint64_t *, struct dr_error *);

/* The calling thread's CPU time in seconds (-vv says each stage's). */
double		 xthread_cpu(void);

#endif
