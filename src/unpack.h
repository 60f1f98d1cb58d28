/*
 * unpack.h: one input (file, standard input, buffer) to the XML
 * documents inside it.
 *
 * The format is decided from the bytes, never from a name: plain XML
 * (with or without byte order mark or leading white space), gzip
 * (concatenated members; trailing junk after a complete stream is
 * ignored), raw zlib, zip (every member that holds a report), and at
 * most two layers of compression (gzip in gzip, gzip in a zip member).
 * Decompressed bytes are counted as they are produced and checked
 * against the limits; archives are never extracted to disk and member
 * names are used for messages only.
 *
 * An input holds units: the input itself, or each zip member. A unit
 * holds at most one document stream. Errors belong to the current unit,
 * whose origin ("dir/x.zip: member a.xml") and raw bytes can be asked
 * for, so that the caller can reject it and go on with the next unit.
 */
#ifndef DR_UNPACK_H
#define DR_UNPACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct unpack_limits {
	uint64_t	max_bytes;	/* decompressed bytes of one report */
	unsigned	max_members;	/* members of one archive */
	unsigned	max_ratio;	/* decompressed:compressed; 0: none */
	size_t		keep_bytes;	/* raw bytes kept of a rejected unit */
};

/* Ratio checks start after this many decompressed bytes. */
#define UNPACK_RATIO_GRACE	(1024 * 1024)

enum unpack_kind {
	UNPACK_EMPTY,
	UNPACK_XML,
	UNPACK_GZIP,
	UNPACK_ZLIB,
	UNPACK_ZIP,
	UNPACK_EMAIL,
	UNPACK_OTHER,
	UNPACK_MORE,
};

/*
 * What the first n bytes of a stream are; more: whether more bytes may
 * follow them. For UNPACK_OTHER and UNPACK_EMPTY a description for
 * messages is written to desc. An email message is known by a header
 * of fields, one of which every message has (From, Date, Subject,
 * Received, ...), or by an mbox "From " line first. UNPACK_MORE (only
 * when more is set): the bytes are a valid header so far, without such
 * a field yet, and it goes on after them: ask again with more bytes,
 * UNPACK_PREFIX_MAX in all (a header longer than that is an email
 * message, too long for mail_parse).
 */
enum unpack_kind unpack_sniff(const unsigned char *, size_t, int, char *,
		    size_t);

struct unpack;

/*
 * Open an input read from fd (not closed by us; st is its fstat, or
 * NULL to ask) or from memory (not copied: it must outlive the struct).
 * origin names it in messages. Returns NULL on allocation failure.
 */
struct stat;
struct unpack	*unpack_open_fd(int, const struct stat *, const char *,
		    const struct unpack_limits *);
struct unpack	*unpack_open_mem(const void *, size_t, const char *,
		    const struct unpack_limits *);

/*
 * Go to the next document. Returns 1 when one is ready for unpack_read,
 * 0 when the input holds no more, -1 when the current unit is to be
 * rejected for the reason in the error (call unpack_next again to go
 * on). A DR_E_NOMEM error ends the input. DR_E_EMAIL: the input is an
 * email message or an mbox file (see unpack_input); DR_E_NOTREPORT:
 * the unit is not a DMARC report at all (text, JSON, ...).
 */
int		 unpack_next(struct unpack *, struct dr_error *);

/* Read document bytes. Returns the count, 0 at its end, -1 on error. */
ssize_t		 unpack_read(struct unpack *, void *, size_t, struct dr_error *);

/* Origin of the current unit, valid until the next unpack_next. */
const char	*unpack_origin(const struct unpack *);

/* Size of the input as a whole, when known (-1 otherwise). */
int64_t		 unpack_input_size(const struct unpack *);

/*
 * The raw bytes of the current unit (the file, or the zip member, as it
 * was before any gzip or zlib layer), at most keep_bytes of them, read
 * again in pieces so that they are never held whole: unpack_raw_begin
 * starts from the first byte (again, each time it is called), then
 * unpack_raw_read gives the next bytes, 0 at their end or at the cap,
 * -1 on error. The same bytes each time: a pipe's are the copy kept of
 * it (filled up from what is left), a member's are decompressed again.
 * A member's bytes that no read had produced count against --max-ratio:
 * past it, they end there, and the archive is refused by the next
 * unpack_next. unpack_raw_size: the unit's full size, as far as known.
 * unpack_raw_begin returns 0 or -1.
 */
int		 unpack_raw_begin(struct unpack *, struct dr_error *);
ssize_t		 unpack_raw_read(struct unpack *, void *, size_t,
		    struct dr_error *);
uint64_t	 unpack_raw_size(const struct unpack *);

/*
 * 1 when the document's bytes are the unit's raw bytes (no gzip or zlib
 * layer between them).
 */
int		 unpack_unit_is_plain(const struct unpack *);

/*
 * Bytes (at most UNPACK_PREFIX_MAX) already read from the fd before
 * unpack_open_fd: they are read first. Call before unpack_next.
 * Returns 0 or -1.
 */
#define UNPACK_PREFIX_MAX	(128 * 1024)	/* MAIL_MAX_HEADER */
int		 unpack_prefix(struct unpack *, const void *, size_t);

/*
 * The input's own bytes, from its first, for inputs that unpack does
 * not read itself: after unpack_next failed with DR_E_EMAIL, an email
 * message or an mbox file. Returns a count, 0 at the end, -1 on
 * errors. Nothing is mapped: a file cut short while it is read just
 * ends there.
 */
ssize_t		 unpack_read_input(struct unpack *, void *, size_t,
		    struct dr_error *);
/*
 * The input's first bytes not read yet, in *p (at least the first 4096
 * bytes of the input, or all of it, when nothing was read by
 * unpack_read_input). Valid until the next read.
 */
size_t		 unpack_input_peek(struct unpack *, const unsigned char **);

/*
 * 1 when the current unit is the whole input and the input a regular
 * file, whose bytes can be read again from its origin (the path).
 */
int		 unpack_unit_is_file(const struct unpack *);

void		 unpack_close(struct unpack *);

#endif
