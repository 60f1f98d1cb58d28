/*
 * record.h: DMARC policy records ("v=DMARC1; p=none; rua=mailto:...").
 *
 * A record is a list of tag=value pairs; tags are compared without
 * regard to case. Every value is checked against its tag's grammar
 * (valid.h) when the record is parsed or a tag is set, and kept in its
 * canonical form: a record never holds a value that is not DMARC
 * grammar, whatever the text came from (the configuration, DNS, a
 * report), so what record_format writes is safe to publish. Formatting
 * writes v first, then the policy tags in a fixed order, then the
 * others in the order they came.
 */
#ifndef DR_RECORD_H
#define DR_RECORD_H

#include <stddef.h>

struct dmarc_record;

/* A record longer than this is refused. */
#define RECORD_MAX	4096
/* record_set: the value is not valid for the tag. */
#define RECORD_INVALID	(-2)

/*
 * Parse a record. Returns it, or NULL with a reason in why (why_len
 * bytes): not starting with v=DMARC1, a tag without '=', a tag given
 * twice, a tag name that is not letters, a value that is not valid for
 * its tag, too long, or out of memory. The reason never quotes the
 * text. The caller frees the record with record_free.
 */
struct dmarc_record *record_parse(const char *, char *, size_t);
/*
 * 1 if the n bytes at s are a DMARC record as DNS holds one: "v=DMARC1"
 * (any case), then the end, a ';' or white space; else 0.
 */
int		 record_is_dmarc(const char *, size_t);

/*
 * The report destinations of r's rua= and ruf= (mailto: only) outside
 * the organisational domain of domain, each once, lower case, into out
 * (room of them at most): those that need the authorisation record
 * DOMAIN._report._dmarc.DEST (RFC 7489 section 7.1). Returns how many.
 */
#define RECORD_DEST_MAX	254
size_t		 record_external(const struct dmarc_record *, const char *,
		    char (*)[RECORD_DEST_MAX], size_t);

/* An empty record: only v=DMARC1. NULL when out of memory. */
struct dmarc_record *record_new(void);
void		 record_free(struct dmarc_record *);

/* The value of a tag, or NULL if absent. */
const char	*record_get(const struct dmarc_record *, const char *);
/*
 * Set a tag (added at its place if absent) to a value, checked and
 * made canonical (valid_tag); value NULL removes the tag. Returns 0;
 * RECORD_INVALID when the value is not valid for the tag (the record
 * is unchanged, the reason in why, whylen bytes); -1 when out of
 * memory.
 */
int		 record_set(struct dmarc_record *, const char *,
		    const char *, char *, size_t);

/*
 * The record as text, into out (len bytes). Returns its length; when
 * that is len or more, the record did not fit and out is "" (a record
 * is never cut).
 */
size_t		 record_format(const struct dmarc_record *, char *, size_t);

/*
 * A zone-file line for a record: name (a DMARC record's name, without
 * the final dot), a dot, "IN TXT" and the record text in quoted strings
 * of at most 255 bytes. Returns 0, or -1 when it does not fit in out
 * (len bytes) or when name or text hold a byte that does not belong in
 * a host name or a record (out is then "").
 */
int		 record_zone(const char *, const char *, char *, size_t);
/* Bytes the zone-file line of a record of RECORD_MAX bytes may need. */
#define RECORD_ZONE_MAX	(RECORD_MAX + RECORD_MAX / 255 * 3 + 300)

#endif
