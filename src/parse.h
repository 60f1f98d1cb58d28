/*
 * parse.h: DMARC aggregate report XML to struct dr_report and records.
 *
 * A streaming SAX2 push parser (libxml2): bytes are fed in chunks as
 * they are decompressed, records are handed out one at a time, and
 * memory does not grow with the number of records. Both schemas are
 * accepted (RFC 7489 and RFC 9990); elements are matched by local name
 * whatever their namespace. The parser never loads anything from the
 * network or the file system, and refuses any DOCTYPE.
 */
#ifndef DR_PARSE_H
#define DR_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "report.h"

struct parse_limits {
	size_t		max_text;	/* bytes of one text value */
	unsigned	max_depth;	/* element nesting, at most 256 */
	uint64_t	max_records;	/* records in one report */
};

/* Fixed caps, documented in dmarcdb(1) under LIMITS. */
#define PARSE_MAX_AUTH		200	/* DKIM or SPF results per record */
#define PARSE_MAX_REASONS	200	/* override reasons per record */
#define PARSE_MAX_ERRORS	1000	/* <error> elements per report */
#define PARSE_MAX_WARNINGS	1000	/* warnings kept per report */
/* <count> of one record, and the counts of one report together. */
#define PARSE_MAX_COUNT		1000000000ULL
#define PARSE_MAX_MESSAGES	10000000000ULL
/* The last time a report may name: 2099-12-31T23:59:59Z. */
#define PARSE_MAX_TIME		4102444799LL

struct parse_cb {
	/*
	 * The report header, once, before the first record (or at the end
	 * for a report without records). Totals are not final yet.
	 */
	int	(*begin)(void *, const struct dr_report *, struct dr_error *);
	int	(*record)(void *, const struct dr_record *, struct dr_error *);
};

struct parser;

/*
 * A new parser. With recover set, libxml2's recovery mode is used
 * (for a second attempt only; the report is then flagged). Returns NULL
 * on allocation failure. Free with parse_free.
 */
struct parser	*parse_new(const struct parse_limits *, const struct parse_cb *,
		    void *, int);

/*
 * Make the parser ready for the next document, keeping its memory and
 * its libxml2 context (with the same recovery mode).
 */
void		 parse_reset(struct parser *);

/*
 * Feed the next chunk. Returns 0, or -1 with the error filled in; after
 * an error the parser only accepts parse_free. Bytes after the end of
 * the root element are not parsed; see parse_root_end.
 */
int		 parse_feed(struct parser *, const char *, size_t,
		    struct dr_error *);
/*
 * The same for the whole rest of the document at once (faster: libxml2
 * then parses without looking ahead). parse_finish still follows.
 */
int		 parse_feed_last(struct parser *, const char *, size_t,
		    struct dr_error *);

/*
 * End of input: check that a complete report was read, call the begin
 * callback if no record did, and return the final report (valid until
 * parse_free). Returns 0 or -1.
 */
int		 parse_finish(struct parser *, const struct dr_report **,
		    struct dr_error *);

/*
 * Offset, from the first byte fed, just past the end tag of the root
 * element, or 0 while it has not been seen. Bytes after it were not
 * parsed. It is never past the bytes fed; when libxml2 cannot tell
 * (in some encodings), it is the count of bytes fed so far.
 */
uint64_t	 parse_root_end(const struct parser *);

void		 parse_free(struct parser *);

/*
 * Call once per thread that parses, before any other function here: it
 * silences libxml2's generic error output for that thread.
 */
void		 parse_thread_init(void);

#endif
