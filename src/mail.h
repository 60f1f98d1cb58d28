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
#include <sys/types.h>

#include "error.h"

/* Fixed caps, documented in dmarcdb(1) under LIMITS. */
#define MAIL_MAX_PARTS	100	/* leaves and containers in one message */
#define MAIL_MAX_DEPTH	8	/* nesting of multiparts and messages */
#define MAIL_MAX_FIELDS	1000	/* fields in one header */
#define MAIL_MAX_HEADER	(128 * 1024)	/* bytes of all a message's headers */

struct mail_msg;

/*
 * GMime, opened if it is not yet (lazy.h): 0, or -1 with err filled in
 * (DR_E_SYSTEM: it cannot be loaded, and why). mail_parse and the
 * digest's mail call it first; without GMime, no mail is read or made.
 */
int		 mail_ready(struct dr_error *);

/*
 * GMime opened in the background, so that it is there by the time the
 * message that is coming needs it: an MTA's delivery (ingest -) opens
 * the database, writes its run's row and reads the message meanwhile
 * (GMime and its libraries take 1.3 ms to open, issue 18). mail_ready
 * waits for it if it is not done. mail_preload_wait: before exit.
 */
void		 mail_preload(void);
void		 mail_preload_wait(void);

/*
 * The header pre-scan: the raw bytes of a message are checked against
 * the caps above before GMime builds anything of it, since GMime builds
 * an object for every header field (about 500 bytes each), every MIME
 * part (about 1,300 bytes, even an empty one) and every address or
 * parameter in a field. The scan reads the bytes as GMime's parser
 * does: the message's header, and the header of every part (after each
 * delimiter line of a boundary declared anywhere before) and of every
 * attached message, each up to its blank line; it counts a message's
 * header bytes, the fields of each header, the delimiter lines and the
 * multiparts and messages nested in it. Where it cannot tell what
 * GMime does, it counts more, never less.
 *
 * mail_scan_feed takes the bytes of the message so far, from its first
 * byte (the same bytes each time, with more at the end): the whole
 * lines not looked at yet are scanned, and with end set, the rest too.
 * Returns 0, or -1 with err filled in (DR_E_LIMIT: a cap is exceeded;
 * DR_E_NOMEM). mail_scan_new returns NULL when out of memory.
 */
struct mail_scan;
struct mail_scan *mail_scan_new(void);
int		 mail_scan_feed(struct mail_scan *, const void *, size_t, int,
		    struct dr_error *);
void		 mail_scan_free(struct mail_scan *);

/*
 * Parse one message (RFC 5322) from memory, which must outlive the
 * result: the pre-scan first, then GMime. Returns NULL with err filled
 * in when the bytes are not one, or exceed a cap.
 */
struct mail_msg	*mail_parse(const void *, size_t, struct dr_error *);
void		 mail_free(struct mail_msg *);

/*
 * What GMime built of the message, for tests of the pre-scan: the most
 * fields in one object's header, the bytes of all the fields read from
 * the message (names and raw values), and the MIME objects (messages,
 * parts, multiparts).
 */
void		 mail_built(struct mail_msg *, unsigned *, uint64_t *,
		    unsigned *);

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
 * An mbox file, read as it comes (in pieces, from read_fn) and split
 * into its messages, each held whole in memory up to max bytes:
 *
 *  - a message starts after a separator line: "From ", a sender and a
 *    date (a month name, a time and a year), at the start of the file
 *    or after a blank line (which is the mbox's, not the message's); a
 *    "From " line in a message that is not both is not a separator;
 *  - mboxrd quoting is undone: a line of one or more '>' then "From "
 *    loses one '>' (an mboxo writer quotes "From " lines only, so
 *    those come back as they were too; only a line that began with
 *    ">From " before it was written would lose its '>');
 *  - a Content-Length field in the message's header is obeyed when it
 *    is consistent (the end of the file, or a separator line, possibly
 *    after a blank line, is where it says the body ends): "From " lines
 *    in such a body are never separators. One of more than cl_max
 *    bytes is ignored: whether it is consistent is seen only by
 *    reading that far ahead, which holds as many bytes in memory.
 *
 * The messages are the same whatever max is (cut at max), and
 * whatever pieces the file comes in; ingest gives the same value as
 * max and cl_max, so that memory is bounded by it.
 *
 * read_fn(arg, buf, n, err) returns a count, 0 at the end, -1 on error.
 * mail_mbox_next returns 1 with the next message: its bytes in *p,
 * *len (valid until the next call; at most max), its full length in
 * *size (larger than *len when the message was larger than max: the
 * rest was read and dropped) and the offset of its "From " line in
 * *off; 0 at the end of the file; -1 with err filled in on read
 * errors and when out of memory.
 */
typedef ssize_t	(*mail_read_fn)(void *, void *, size_t, struct dr_error *);
struct mail_mbox;
struct mail_mbox *mail_mbox_new(mail_read_fn, void *, size_t, size_t);
int		 mail_mbox_next(struct mail_mbox *, const char **, size_t *,
		    uint64_t *, uint64_t *, struct dr_error *);
void		 mail_mbox_free(struct mail_mbox *);

/* Is this line (len bytes, without its end) an mbox separator line? */
int		 mail_mbox_from_line(const char *, size_t);

#endif
