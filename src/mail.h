/*
 * mail.h: email messages and mbox files to the parts that may hold a
 * report, with GMime.
 *
 * Every leaf of the MIME tree is decoded (base64, quoted-printable) and
 * handed to a callback, whatever its declared type: reporters declare
 * zip as gzip, gzip as octet-stream, and forward reports as attached
 * messages (message/rfc822 parts are walked into). The callback decides
 * from the bytes what a part is. File names are decoded (RFC 2047,
 * RFC 2231) for messages only; they are never used as paths.
 */
#ifndef DR_MAIL_H
#define DR_MAIL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Fixed caps, documented in dmarcdb(1) under LIMITS. */
#define MAIL_MAX_PARTS	100	/* leaves and containers in one message */
#define MAIL_MAX_DEPTH	8	/* nesting of multiparts and messages */

struct mail_msg;

/* Once per process, before anything else here. */
void		 mail_init(void);

/*
 * Parse one message (RFC 5322) from memory, which must outlive the
 * result. Returns NULL with err filled in when the bytes are not one.
 */
struct mail_msg	*mail_parse(const void *, size_t, struct dr_error *);
void		 mail_free(struct mail_msg *);

/* Header facts, NULL or -1 when absent. Valid until mail_free. */
const char	*mail_message_id(struct mail_msg *);	/* without <> */
const char	*mail_subject(struct mail_msg *);	/* decoded */
const char	*mail_from(struct mail_msg *);
int64_t		 mail_date(struct mail_msg *);

struct mail_part {
	const void	*data;		/* decoded */
	size_t		 len;
	const char	*number;	/* IMAP-style: "1", "2.1", ... */
	const char	*type;		/* "application/zip" */
	const char	*filename;	/* decoded, or NULL */
};

/*
 * Call fn for every leaf part, in order. A non-zero return from fn
 * stops the walk and is returned. -1 with err filled in when the
 * message has more than MAIL_MAX_PARTS parts or is nested deeper than
 * MAIL_MAX_DEPTH. *kind_note gets a short description of what the
 * message is when it is recognisably not an aggregate report (a
 * failure report, an SMTP TLS report, a bounce), or NULL.
 */
typedef int	(*mail_part_fn)(void *, const struct mail_part *,
		    struct dr_error *);
int		 mail_parts(struct mail_msg *, mail_part_fn, void *,
		    const char **, struct dr_error *);

/*
 * Split an mbox file in memory into its messages: fn gets the raw bytes
 * of each (without the "From " line before it and the blank line after
 * it) and the offset of its "From " line. Returns 0, fn's non-zero
 * return, or -1 with err filled in.
 */
typedef int	(*mail_mbox_fn)(void *, const void *, size_t, uint64_t,
		    struct dr_error *);
int		 mail_mbox(const void *, size_t, mail_mbox_fn, void *,
		    struct dr_error *);

#endif
