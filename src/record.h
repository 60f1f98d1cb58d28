/*
 * record.h: DMARC policy records ("v=DMARC1; p=none; rua=mailto:...").
 *
 * A record is a list of tag=value pairs. Parsing keeps every tag, known
 * or not, with its value as written (trimmed); tags are compared without
 * regard to case. Formatting writes v first, then the policy tags in a
 * fixed order, then the others in the order they came.
 */
#ifndef DR_RECORD_H
#define DR_RECORD_H

#include <stddef.h>

struct dmarc_record;

/* A record longer than this is refused. */
#define RECORD_MAX	4096

/*
 * Parse a record. Returns it, or NULL with a reason in why (why_len
 * bytes): not starting with v=DMARC1, a tag without '=', too long, or
 * out of memory. The caller frees it with record_free.
 */
struct dmarc_record *record_parse(const char *, char *, size_t);
/* An empty record: only v=DMARC1. NULL when out of memory. */
struct dmarc_record *record_new(void);
void		 record_free(struct dmarc_record *);

/* The value of a tag, or NULL if absent. */
const char	*record_get(const struct dmarc_record *, const char *);
/* Set a tag (added at its place if absent); value NULL removes it. */
int		 record_set(struct dmarc_record *, const char *, const char *);

/* The record as text, into out (len bytes). Returns its length. */
size_t		 record_format(const struct dmarc_record *, char *, size_t);

#endif
