/*
 * unpack.c: one input to the XML documents inside it.
 *
 * A unit's bytes come from a base layer (the input itself, or a zip
 * member read through libarchive). Sniffing looks at the first bytes of
 * the top layer; when they are gzip or zlib, an inflate layer is pushed
 * on top and the new top is sniffed again. Bytes that were looked at
 * are handed back to the layer they came from ("unread"), so nothing is
 * read twice from below.
 */
#include "config.h"

#include <sys/stat.h>

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "buf.h"
#include "lazy.h"
#include "log.h"
#include "mail.h"
#include "unpack.h"

#define PEEK_SIZE	4096
#define ZIN_SIZE	65536
#define MAX_LAYERS	3	/* base + two layers of compression */
#define ZWIN		(96 * 1024)	/* a window on a zip file */
#define SLURP_MAX	(4 << 20)	/* zip files read into memory, at most */
/* An email header is looked at up to its cap to know it is one. */
#define LOOK_MAX	UNPACK_PREFIX_MAX
_Static_assert(LOOK_MAX == MAIL_MAX_HEADER, "the look-ahead is the cap");
#define RAW_SMALL	(64 * 1024)	/* a member's raw bytes held, at most */

enum layer_type {
	L_SRC,		/* the input: fd or memory */
	L_MEMBER,	/* the current zip member */
	L_INFLATE,	/* gzip or zlib over the layer below */
};

struct layer {
	enum layer_type	 type;
	unsigned char	 unread[PEEK_SIZE];
	size_t		 nunread, upos;
	/* L_INFLATE */
	z_stream	 z;
	bool		 zinit;
	bool		 zend;		/* stream complete */
	bool		 gzip;
	unsigned char	*zin;
	uint64_t	 zin_total;
	uint64_t	 zout_total;
};

enum state {
	S_START,	/* nothing looked at yet */
	S_DOC,		/* a top-level document is being read */
	S_ZIP,		/* iterating zip members */
	S_DONE,
};

struct unpack {
	struct unpack_limits	 lim;
	char			*input_origin;
	struct buf		 origin;	/* of the current unit */
	enum state		 state;

	/* The input. */
	int			 fd;
	bool			 regular;	/* fd is a regular file */
	int64_t			 size;		/* -1 when unknown */
	const unsigned char	*mem;		/* memory input, or slurp */
	size_t			 memlen, mempos;
	unsigned char		*slurp;		/* our copy of a pipe */
	struct buf		 tee;		/* pipe bytes, for raw */
	/*
	 * Bytes of the input read ahead, given back: the caller's prefix,
	 * or a long email header read to sniff it. src_read gives them
	 * first.
	 */
	struct buf		 look;
	size_t			 lookpos;
	uint64_t		 src_total;
	bool			 src_eof;

	/* Zip. A regular file is read where it is (zsrc, rzsrc). */
	struct archive		*ar;
	struct zsrc		*zsrc;
	struct archive_entry	*entry;
	unsigned		 members;
	unsigned		 docs;		/* members that gave a report */
	unsigned		 rejected;	/* members rejected */
	uint64_t		 zip_out;	/* all members, decompressed */
	struct buf		 skipped;	/* why members were skipped */
	uint64_t		 member_bytes;
	int64_t			 member_size;	/* as the header claims */
	bool			 member_eof;
	bool			 unit_is_member;
	bool			 has_refused;	/* archive refused next */
	struct dr_error		 refused;	/* ... for this reason */

	/*
	 * The raw bytes of the current unit, read again (unpack_raw_*).
	 * A member's come from a second reader of the archive, rar, whose
	 * last header read was member number rar_at; a small one is held
	 * in rsmall once read whole, so that reading it again costs
	 * nothing.
	 */
	struct archive		*rar;
	struct zsrc		*rzsrc;
	unsigned		 rar_at;
	bool			 raw_cached;	/* read from rsmall */
	bool			 rsmall_ok;	/* rsmall holds all read */
	bool			 rsmall_done;	/* ... and that is all */
	struct buf		 rsmall;
	uint64_t		 raw_off;	/* of the next byte */
	uint64_t		 raw_cap;	/* read no further */
	uint64_t		 raw_limit;	/* a member's cap, found */
	uint64_t		 raw_seen;	/* member bytes counted */
	bool			 raw_eof;	/* the member's end seen */

	/* The current unit's layers. */
	struct layer		 layer[MAX_LAYERS];
	int			 top;
	uint64_t		 doc_bytes;
};

static ssize_t	layer_read(struct unpack *, int, void *, size_t,
		    struct dr_error *);
static int	cut_short(struct unpack *, struct dr_error *);

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A printable excerpt of the first bytes, for messages. */
static void
excerpt(const unsigned char *p, size_t n, char *out, size_t outlen)
{
	size_t	i, o = 0;

	for (i = 0; i < n && i < 24 && o + 5 < outlen; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' &&
		    p[i] != '\\')
			out[o++] = (char)p[i];
		else {
			snprintf(out + o, outlen - o, "\\x%02x", p[i]);
			o += 4;
		}
	}
	out[o] = '\0';
}

/*
 * Does the text look like the header of an RFC 5322 message: fields
 * (or an mbox "From " line first), one of them a field every message
 * has? 1 yes, 0 no, -1 not known yet: the header is valid as far as
 * the bytes go, and ends after them.
 */
static int
looks_like_email(const unsigned char *p, size_t n)
{
	static const char *const fields[] = {
		"from", "date", "subject", "received", "return-path",
		"message-id", "mime-version", "content-type", "delivered-to",
		"to", "x-", NULL
	};
	size_t	 i = 0, start, len;
	int	 known = 0, lines = 0;

	if (n >= 5 && memcmp(p, "From ", 5) == 0)
		return 1;	/* mbox separator line */
	while (i < n) {
		/* Past the first PEEK_SIZE bytes, a known field decides. */
		if (known && i >= PEEK_SIZE)
			return 1;
		start = i;
		if (is_space(p[i]) && p[i] != '\r' && p[i] != '\n') {
			/* folded continuation line */
			if (lines == 0)
				return 0;
		} else if (p[i] == '\r' || p[i] == '\n') {
			break;	/* end of the header */
		} else {
			while (i < n && p[i] > 0x20 && p[i] < 0x7f &&
			    p[i] != ':')
				i++;
			if (i == n)
				break;	/* cut: judge on the rest */
			if (p[i] != ':' || i == start)
				return 0;
			len = i - start;
			for (int f = 0; fields[f] != NULL; f++) {
				size_t fl = strlen(fields[f]);
				if ((len == fl || (fields[f][fl - 1] == '-' &&
				    len > fl)) &&
				    strncasecmp((const char *)p + start,
				    fields[f], fl) == 0)
					known = 1;
			}
		}
		while (i < n && p[i] != '\n')
			i++;
		i++;
		lines++;
	}
	if (i >= n && !known)
		return -1;	/* no known field yet, and no end seen */
	return known && lines > 0;
}

enum unpack_kind
unpack_sniff(const unsigned char *p, size_t n, int more, char *desc,
    size_t desclen)
{
	size_t	i = 0;
	char	ex[128];
	int	mail;

	if (desc != NULL && desclen > 0)
		desc[0] = '\0';
	if (n == 0) {
		snprintf(desc, desclen, "empty input");
		return UNPACK_EMPTY;
	}
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return UNPACK_GZIP;
	if (n >= 4 && memcmp(p, "PK\003\004", 4) == 0)
		return UNPACK_ZIP;
	if (n >= 2 && (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 &&
	    ((unsigned)p[0] << 8 | p[1]) % 31 == 0)
		return UNPACK_ZLIB;
	/* UTF-16 with byte order mark, then '<'. */
	if (n >= 4 && ((p[0] == 0xfe && p[1] == 0xff && p[2] == 0 &&
	    p[3] == '<') || (p[0] == 0xff && p[1] == 0xfe && p[2] == '<' &&
	    p[3] == 0)))
		return UNPACK_XML;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && is_space(p[i]))
		i++;
	if (i == n) {
		snprintf(desc, desclen, "only white space");
		return more ? UNPACK_XML : UNPACK_EMPTY;
	}
	if (p[i] == '<')
		return UNPACK_XML;
	mail = looks_like_email(p, n);
	if (mail == -1 && more)
		return UNPACK_MORE;
	if (mail == 1 || (mail == -1 && n >= LOOK_MAX))
		return UNPACK_EMAIL;	/* past LOOK_MAX: the header cap */

	excerpt(p, n, ex, sizeof ex);
	if (n >= 4 && memcmp(p, "PK\005\006", 4) == 0)
		snprintf(desc, desclen, "empty zip archive");
	else if (n >= 4 && memcmp(p, "%PDF", 4) == 0)
		snprintf(desc, desclen, "a PDF document");
	else if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		snprintf(desc, desclen, "a PNG image");
	else if (n >= 3 && memcmp(p, "\xff\xd8\xff", 3) == 0)
		snprintf(desc, desclen, "a JPEG image");
	else if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 ||
	    memcmp(p, "GIF89a", 6) == 0))
		snprintf(desc, desclen, "a GIF image");
	else if (n >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WEBP", 4) == 0)
		snprintf(desc, desclen, "a WebP image");
	else if (n >= 3 && memcmp(p, "BZh", 3) == 0)
		snprintf(desc, desclen, "bzip2 data (not supported)");
	else if (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0)
		snprintf(desc, desclen, "xz data (not supported)");
	else if (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
		snprintf(desc, desclen, "zstd data (not supported)");
	else if (n >= 4 && memcmp(p, "Rar!", 4) == 0)
		snprintf(desc, desclen, "a RAR archive (not supported)");
	else if (n >= 6 && memcmp(p, "7z\xbc\xaf\x27\x1c", 6) == 0)
		snprintf(desc, desclen, "a 7-Zip archive (not supported)");
	else if (p[i] == '{' || p[i] == '[')
		snprintf(desc, desclen, "JSON, not XML (an SMTP TLS report?) "
		    "starting \"%s\"", ex);
	else {
		size_t j, bin = 0;
		for (j = 0; j < n; j++)
			if (p[j] < 0x20 && !is_space(p[j]))
				bin++;
		snprintf(desc, desclen, "%s starting \"%s\"",
		    bin ? "binary data" : "plain text, not XML", ex);
	}
	return UNPACK_OTHER;
}

static struct unpack *
unpack_new(const char *origin, const struct unpack_limits *lim)
{
	struct unpack	*u;

	u = calloc(1, sizeof *u);
	if (u == NULL)
		return NULL;
	u->lim = *lim;
	u->fd = -1;
	u->size = -1;
	u->input_origin = strdup(origin);
	if (u->input_origin == NULL || buf_adds(&u->origin, origin) == -1) {
		free(u->input_origin);
		buf_free(&u->origin);
		free(u);
		return NULL;
	}
	return u;
}

struct unpack *
unpack_open_fd(int fd, const struct stat *stp, const char *origin,
    const struct unpack_limits *lim)
{
	struct unpack	*u;
	struct stat	 st;

	u = unpack_new(origin, lim);
	if (u == NULL)
		return NULL;
	u->fd = fd;
	if (stp == NULL && fstat(fd, &st) == 0)
		stp = &st;
	if (stp != NULL && S_ISREG(stp->st_mode)) {
		u->regular = true;
		u->size = (int64_t)stp->st_size;
	}
	return u;
}

struct unpack *
unpack_open_mem(const void *mem, size_t len, const char *origin,
    const struct unpack_limits *lim)
{
	struct unpack	*u;

	u = unpack_new(origin, lim);
	if (u == NULL)
		return NULL;
	u->mem = mem;
	u->memlen = len;
	u->size = (int64_t)len;
	return u;
}

int64_t
unpack_input_size(const struct unpack *u)
{
	return u->size;
}

const char *
unpack_origin(const struct unpack *u)
{
	return u->origin.data;
}

/* Read from the input itself. */
static ssize_t
src_read(struct unpack *u, void *buf, size_t n, struct dr_error *err)
{
	ssize_t	r;

	if (u->lookpos < u->look.len) {
		if (n > u->look.len - u->lookpos)
			n = u->look.len - u->lookpos;
		memcpy(buf, u->look.data + u->lookpos, n);
		u->lookpos += n;
		return (ssize_t)n;
	}
	if (u->mem != NULL) {
		if (n > u->memlen - u->mempos)
			n = u->memlen - u->mempos;
		memcpy(buf, u->mem + u->mempos, n);
		u->mempos += n;
		return (ssize_t)n;
	}
	if (u->src_eof)
		return 0;
	/* A regular file ends at its size: no read to find out. */
	if (u->regular && u->src_total >= (uint64_t)u->size) {
		u->src_eof = true;
		return 0;
	}
	do
		r = read(u->fd, buf, n);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return dr_seterr(err, DR_E_IO, "read: %s", strerror(errno));
	if (r == 0 && u->regular)
		return dr_seterr(err, DR_E_IO, "file cut short while it was "
		    "read: %llu of its %lld bytes (truncated meanwhile)",
		    (unsigned long long)u->src_total, (long long)u->size);
	if (r == 0)
		u->src_eof = true;
	u->src_total += (uint64_t)r;
	/* A pipe cannot be read again: keep what a rejection needs. */
	if (!u->regular && r > 0 && u->tee.len < u->lim.keep_bytes) {
		size_t k = (size_t)r;
		if (k > u->lim.keep_bytes - u->tee.len)
			k = u->lim.keep_bytes - u->tee.len;
		if (buf_add(&u->tee, buf, k) == -1)
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	return r;
}

/* From now on the unit is the archive as a whole. */
static void
zip_refuse(struct unpack *u)
{
	u->unit_is_member = false;
	buf_reset(&u->origin);
	buf_adds(&u->origin, u->input_origin);
}

/*
 * Count n more decompressed bytes of the archive. Past --max-ratio, it
 * is refused: -1 with the reason, and no member is read any more.
 */
static int
zip_count(struct unpack *u, uint64_t n, struct dr_error *err)
{
	u->zip_out += n;
	if (u->lim.max_ratio == 0 || u->zip_out <= UNPACK_RATIO_GRACE ||
	    u->size <= 0 ||
	    u->zip_out / (uint64_t)u->size < u->lim.max_ratio)
		return 0;
	u->state = S_DONE;
	return dr_seterr(err, DR_E_LIMIT, "zip archive expands to more than "
	    "%u times its size (--max-ratio): a decompression bomb? "
	    "remaining members not read", u->lim.max_ratio);
}

/* Read from the current zip member. */
static ssize_t
member_read(struct unpack *u, void *buf, size_t n, struct dr_error *err)
{
	la_ssize_t	r;

	if (u->member_eof)
		return 0;
	r = archive_read_data(u->ar, buf, n);
	if (r < 0 && cut_short(u, err) == -1)
		return -1;
	if (r < 0)
		return dr_seterr(err, DR_E_ARCHIVE, "zip: %s",
		    archive_error_string(u->ar) ? archive_error_string(u->ar) :
		    "read error");
	if (r == 0) {
		u->member_eof = true;
		return 0;
	}
	u->member_bytes += (uint64_t)r;
	if (zip_count(u, (uint64_t)r, err) == -1) {
		/* The archive as a whole is refused, not this member. */
		zip_refuse(u);
		return -1;
	}
	return (ssize_t)r;
}

static int
inflate_setup(struct layer *l, bool gzip, struct dr_error *err)
{
	memset(&l->z, 0, sizeof l->z);
	l->zin = malloc(ZIN_SIZE);
	if (l->zin == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	if (inflateInit2(&l->z, gzip ? 15 + 16 : 15) != Z_OK) {
		free(l->zin);
		l->zin = NULL;
		return dr_seterr(err, DR_E_NOMEM, "zlib: cannot initialise");
	}
	l->zinit = true;
	l->zend = false;
	l->gzip = gzip;
	l->zin_total = l->zout_total = 0;
	return 0;
}

static void
layer_clear(struct layer *l)
{
	if (l->zinit)
		inflateEnd(&l->z);
	free(l->zin);
	l->zin = NULL;
	l->zinit = false;
	l->nunread = l->upos = 0;
}

/* Inflate from layer i - 1 into buf. */
static ssize_t
inflate_read(struct unpack *u, int i, void *buf, size_t n,
    struct dr_error *err)
{
	struct layer	*l = &u->layer[i];
	const char	*what = l->gzip ? "gzip" : "zlib";
	uint64_t	 used;
	ssize_t		 r;
	int		 zr;

	if (l->zend || n == 0)
		return 0;
	l->z.next_out = buf;
	l->z.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
	while (l->z.avail_out > 0) {
		if (l->z.avail_in == 0) {
			r = layer_read(u, i - 1, l->zin, ZIN_SIZE, err);
			if (r == -1)
				return -1;
			if (r == 0) {
				if (l->z.avail_out < n)
					break;	/* return what we have */
				return dr_seterr(err, DR_E_ARCHIVE, "%s data "
				    "truncated: the stream ends before it is "
				    "complete", what);
			}
			l->z.next_in = l->zin;
			l->z.avail_in = (uInt)r;
			l->zin_total += (uint64_t)r;
		}
		zr = inflate(&l->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			/*
			 * Another gzip member follows, or trailing junk
			 * (Mimecast appends CRLF) that we ignore.
			 */
			if (l->gzip && l->z.avail_in < 2) {
				/* Need two bytes to tell: top up. */
				unsigned char *rest = l->z.next_in;
				size_t have = l->z.avail_in;
				memmove(l->zin, rest, have);
				r = layer_read(u, i - 1, l->zin + have,
				    ZIN_SIZE - have, err);
				if (r == -1)
					return -1;
				l->zin_total += (uint64_t)r;
				l->z.next_in = l->zin;
				l->z.avail_in = (uInt)(have + (size_t)r);
			}
			if (l->gzip && l->z.avail_in >= 2 &&
			    l->z.next_in[0] == 0x1f &&
			    l->z.next_in[1] == 0x8b) {
				inflateReset(&l->z);
				continue;
			}
			if (l->z.avail_in > 0)
				log_debug("%s: ignored trailing bytes after "
				    "the %s stream", u->origin.data, what);
			l->zend = true;
			break;
		}
		if (zr == Z_BUF_ERROR)
			continue;	/* needs more input */
		if (zr != Z_OK)
			return dr_seterr(err, DR_E_ARCHIVE, "%s data corrupt: "
			    "%s", what, l->z.msg ? l->z.msg : "inflate error");
	}
	r = (ssize_t)(n - l->z.avail_out);
	l->zout_total += (uint64_t)r;
	/* Against the input inflate has consumed, not what is buffered. */
	used = l->zin_total - l->z.avail_in;
	if (u->lim.max_ratio > 0 && l->zout_total > UNPACK_RATIO_GRACE &&
	    l->zout_total / (used ? used : 1) >= u->lim.max_ratio)
		return dr_seterr(err, DR_E_LIMIT, "%s data expands more than "
		    "%u times (--max-ratio): a decompression bomb?", what,
		    u->lim.max_ratio);
	return r;
}

static ssize_t
layer_read(struct unpack *u, int i, void *buf, size_t n,
    struct dr_error *err)
{
	struct layer	*l = &u->layer[i];
	size_t		 k;

	if (l->upos < l->nunread) {
		k = l->nunread - l->upos;
		if (k > n)
			k = n;
		memcpy(buf, l->unread + l->upos, k);
		l->upos += k;
		return (ssize_t)k;
	}
	switch (l->type) {
	case L_SRC:
		return src_read(u, buf, n, err);
	case L_MEMBER:
		return member_read(u, buf, n, err);
	case L_INFLATE:
		return inflate_read(u, i, buf, n, err);
	}
	return 0;
}

/* Look at the first bytes of the top layer; they stay unread. */
static ssize_t
peek_top(struct unpack *u, struct dr_error *err)
{
	struct layer	*l = &u->layer[u->top];
	unsigned char	 tmp[PEEK_SIZE];
	size_t		 have = 0;
	ssize_t		 r;

	while (have < PEEK_SIZE) {
		r = layer_read(u, u->top, tmp + have, PEEK_SIZE - have, err);
		if (r == -1)
			return -1;
		if (r == 0)
			break;
		have += (size_t)r;
	}
	memcpy(l->unread, tmp, have);
	l->nunread = have;
	l->upos = 0;
	return (ssize_t)have;
}

/*
 * The peeked bytes of the input begin an email header longer than
 * them: read on, up to LOOK_MAX bytes in all, to know what it is. The
 * bytes are all given back (u->look). 0 or -1.
 */
static int
look_ahead(struct unpack *u, enum unpack_kind *kind, char *desc,
    size_t desclen, struct dr_error *err)
{
	struct layer	*l = &u->layer[0];
	struct buf	 b = { 0 };
	ssize_t		 r;

	if (buf_add(&b, l->unread + l->upos, l->nunread - l->upos) == -1 ||
	    buf_reserve(&b, LOOK_MAX) == -1) {
		buf_free(&b);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	l->nunread = l->upos = 0;
	/* What is left of the old look-ahead comes first. */
	while (b.len < LOOK_MAX) {
		r = src_read(u, b.data + b.len, LOOK_MAX - b.len, err);
		if (r == -1) {
			buf_free(&b);
			return -1;
		}
		if (r == 0)
			break;
		b.len += (size_t)r;
	}
	buf_free(&u->look);
	u->look = b;
	u->lookpos = 0;
	*kind = unpack_sniff((const unsigned char *)b.data, b.len,
	    b.len >= LOOK_MAX, desc, desclen);
	if (*kind == UNPACK_MORE)
		*kind = UNPACK_EMAIL;
	return 0;
}

/*
 * Sniff the current unit down through its compression layers. Returns
 * the kind of the innermost content; desc describes it when it is not a
 * report.
 */
static int
sniff_unit(struct unpack *u, enum unpack_kind *kind, char *desc,
    size_t desclen, struct dr_error *err)
{
	struct layer	*l;
	ssize_t		 n;
	enum unpack_kind k;

	for (;;) {
		n = peek_top(u, err);
		if (n == -1)
			return -1;
		l = &u->layer[u->top];
		k = unpack_sniff(l->unread, (size_t)n, n == PEEK_SIZE, desc,
		    desclen);
		if (k == UNPACK_MORE && u->top == 0 && l->type == L_SRC) {
			if (look_ahead(u, &k, desc, desclen, err) == -1)
				return -1;
		} else if (k == UNPACK_MORE)
			k = UNPACK_EMAIL;
		if (k != UNPACK_GZIP && k != UNPACK_ZLIB) {
			if (u->top > 0 && k != UNPACK_XML) {
				/* Name what the decompressed content is. */
				char inner[200];
				snprintf(inner, sizeof inner, "%.199s", desc);
				if (k == UNPACK_ZIP)
					snprintf(inner, sizeof inner,
					    "a zip archive (not supported "
					    "inside compressed data)");
				else if (k == UNPACK_EMAIL)
					snprintf(inner, sizeof inner,
					    "an email message");
				snprintf(desc, desclen, "%s payload is %.199s",
				    u->layer[u->top].gzip ? "gzip" : "zlib",
				    inner);
				k = UNPACK_OTHER;
			}
			*kind = k;
			return 0;
		}
		if (u->top + 1 >= MAX_LAYERS) {
			*kind = UNPACK_OTHER;
			snprintf(desc, desclen, "more than two layers of "
			    "compression");
			return 0;
		}
		u->top++;
		l = &u->layer[u->top];
		memset(l, 0, offsetof(struct layer, z));
		l->type = L_INFLATE;
		if (inflate_setup(l, k == UNPACK_GZIP, err) == -1)
			return -1;
	}
}

static void
unit_reset(struct unpack *u, enum layer_type base)
{
	int	i;

	for (i = 0; i < MAX_LAYERS; i++)
		layer_clear(&u->layer[i]);
	u->top = 0;
	u->layer[0].type = base;
	u->doc_bytes = 0;
}

/* Unit origin: "input: member name", the name made printable. */
static int
set_member_origin(struct unpack *u, const char *name)
{
	const unsigned char	*s = (const unsigned char *)name;
	char			 esc[8];

	buf_reset(&u->origin);
	if (buf_adds(&u->origin, u->input_origin) == -1 ||
	    buf_adds(&u->origin, ": member ") == -1)
		return -1;
	for (; *s != '\0' && u->origin.len < 1024; s++) {
		if (*s < 0x20 || *s == 0x7f) {
			snprintf(esc, sizeof esc, "\\x%02x", *s);
			if (buf_adds(&u->origin, esc) == -1)
				return -1;
		} else if (buf_addc(&u->origin, *s) == -1)
			return -1;
	}
	return 0;
}

static int
unsafe_name(const char *name)
{
	const char	*p = name;

	if (name[0] == '/' || name[0] == '\\')
		return 1;
	while (*p != '\0') {
		size_t len = strcspn(p, "/\\");
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return 1;
		p += len;
		if (*p != '\0')
			p++;
	}
	return 0;
}

static void
note_skip(struct unpack *u, const char *name, const char *why)
{
	log_verbose("%s: member %s skipped: %s", u->input_origin, name, why);
	if (u->skipped.len < 300) {
		if (u->skipped.len > 0)
			buf_adds(&u->skipped, "; ");
		buf_adds(&u->skipped, name);
		buf_adds(&u->skipped, ": ");
		buf_adds(&u->skipped, why);
	}
}

/*
 * A zip archive read where it is, a regular file, with pread: libarchive
 * reads it through these callbacks, a reader each with its own offset
 * (two readers read it, each at its own place), in bounded memory. A
 * file cut short meanwhile gives a short read, which libarchive reports
 * as a truncated archive.
 */
struct zsrc {
	int		 fd;
	int64_t		 size;		/* when opened */
	int64_t		 off;
	unsigned char	 buf[ZIN_SIZE];
};

static la_ssize_t
zsrc_read(struct archive *a, void *arg, const void **out)
{
	struct zsrc	*z = arg;
	ssize_t		 r;

	do
		r = pread(z->fd, z->buf, sizeof z->buf, (off_t)z->off);
	while (r == -1 && errno == EINTR);
	if (r == -1) {
		archive_set_error(a, errno, "read: %s", strerror(errno));
		return -1;
	}
	z->off += r;
	*out = z->buf;
	return r;
}

static la_int64_t
zsrc_seek(struct archive *a, void *arg, la_int64_t off, int whence)
{
	struct zsrc	*z = arg;
	int64_t		 base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = z->off;
		break;
	case SEEK_END:
		base = z->size;
		break;
	default:
		return ARCHIVE_FATAL;
	}
	if (off < -base || off > INT64_MAX - base) {
		archive_set_error(a, EINVAL, "seek outside the file");
		return ARCHIVE_FATAL;
	}
	z->off = base + off;
	return z->off;
}

static la_int64_t
zsrc_skip(struct archive *a, void *arg, la_int64_t n)
{
	struct zsrc	*z = arg;

	(void)a;
	if (n < 0 || z->off >= z->size)
		return 0;
	if (n > z->size - z->off)
		n = z->size - z->off;
	z->off += n;
	return n;
}

/* A zip reader of the input: in memory, or the file where it is. */
static struct archive *
zip_reader(struct unpack *u, struct zsrc **zp, struct dr_error *err)
{
	struct archive	*a;
	struct zsrc	*z = *zp;
	char		 why[512];

	/* Not the archive's fault: the batch stops, the input unread. */
	if (lazy_load(LAZY_ARCHIVE, why, sizeof why) == -1) {
		dr_seterr(err, DR_E_SYSTEM, "%s", why);
		return NULL;
	}
	a = archive_read_new();
	if (a == NULL) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		return NULL;
	}
	/* Only zip: never _all, whose filters may run external programs. */
	if (archive_read_support_format_zip_seekable(a) != ARCHIVE_OK)
		goto fail;
	if (u->mem != NULL) {
		if (archive_read_open_memory(a, u->mem, u->memlen) !=
		    ARCHIVE_OK)
			goto fail;
		return a;
	}
	if (z == NULL) {
		z = malloc(sizeof *z);
		if (z == NULL) {
			archive_read_free(a);
			dr_seterr(err, DR_E_NOMEM, "out of memory");
			return NULL;
		}
		*zp = z;
	}
	z->fd = u->fd;
	z->size = u->size;
	z->off = 0;
	if (archive_read_set_callback_data(a, z) != ARCHIVE_OK ||
	    archive_read_set_read_callback(a, zsrc_read) != ARCHIVE_OK ||
	    archive_read_set_seek_callback(a, zsrc_seek) != ARCHIVE_OK ||
	    archive_read_set_skip_callback(a, zsrc_skip) != ARCHIVE_OK ||
	    archive_read_open1(a) != ARCHIVE_OK)
		goto fail;
	return a;
fail:
	dr_seterr(err, DR_E_ARCHIVE, "not a readable zip archive "
	    "(libarchive: %s)", archive_error_string(a) ?
	    archive_error_string(a) : "unknown error");
	archive_read_free(a);
	return NULL;
}

/*
 * A zip archive that is not a regular file (a pipe) cannot be read
 * where it is: read it into memory, what was peeked first, at most max
 * bytes. So is a small file, which costs less to read once than in
 * pieces.
 */
static int
slurp(struct unpack *u, uint64_t max, struct dr_error *err)
{
	struct layer	*l = &u->layer[0];
	struct buf	 b = { 0 };
	ssize_t		 r;

	if (buf_add(&b, l->unread + l->upos, l->nunread - l->upos) == -1)
		goto nomem;
	l->nunread = l->upos = 0;
	for (;;) {
		if (buf_reserve(&b, 65536) == -1)
			goto nomem;
		r = src_read(u, b.data + b.len, b.cap - b.len - 1, err);
		if (r == -1) {
			buf_free(&b);
			return -1;
		}
		if (r == 0)
			break;
		b.len += (size_t)r;
		if (b.len > max) {
			buf_free(&b);
			return dr_seterr(err, DR_E_LIMIT, "input is larger "
			    "than %llu bytes (--max-bytes)",
			    (unsigned long long)max);
		}
	}
	u->slurp = (unsigned char *)b.data;
	u->mem = u->slurp;
	u->memlen = b.len;
	u->mempos = b.len;
	u->size = (int64_t)b.len;
	return 0;
nomem:
	buf_free(&b);
	return dr_seterr(err, DR_E_NOMEM, "out of memory");
}

static int
zip_open(struct unpack *u, struct dr_error *err)
{
	if (u->ar != NULL)
		archive_read_free(u->ar);
	u->ar = zip_reader(u, &u->zsrc, err);
	return u->ar == NULL ? -1 : 0;
}

static uint64_t
le(const unsigned char *p, int n)
{
	uint64_t	v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

/* Bytes of the archive at an offset: in memory, or read (a window). */
struct zview {
	struct unpack	*u;
	unsigned char	*win;
	uint64_t	 woff;
	size_t		 wlen;
};

/* n bytes (at most ZWIN) at off, or NULL when the archive is shorter. */
static const unsigned char *
zv_at(struct zview *v, uint64_t off, size_t n)
{
	struct unpack	*u = v->u;
	ssize_t		 r;

	if (u->mem != NULL)
		return off <= u->memlen && n <= u->memlen - off ?
		    u->mem + off : NULL;
	if (off >= v->woff && off - v->woff <= v->wlen &&
	    n <= v->wlen - (off - v->woff))
		return v->win + (off - v->woff);
	if (n > ZWIN || off > INT64_MAX)
		return NULL;
	v->woff = off;
	v->wlen = 0;
	while (v->wlen < ZWIN) {
		do
			r = pread(u->fd, v->win + v->wlen, ZWIN - v->wlen,
			    (off_t)(off + v->wlen));
		while (r == -1 && errno == EINTR);
		if (r <= 0)
			break;
		v->wlen += (size_t)r;
	}
	return n <= v->wlen ? v->win : NULL;
}

/*
 * The number of members of the archive (len bytes), so that a huge
 * archive is refused whole before any member is read: what its end of
 * central directory record (or the zip64 one) declares, or the headers
 * that are in its central directory, whichever is more. An archive may
 * declare fewer than it holds, and libarchive reads every header there
 * is. Counting stops past limit. Returns -1 if there is no end record
 * (libarchive then says what is wrong).
 */
static int64_t
zip_members(struct zview *v, uint64_t len, uint64_t limit)
{
	const unsigned char	*p, *h;
	size_t			 i, tail;
	uint64_t		 n, cd, off, k, lo;

	if (len < 22)
		return -1;
	lo = len > 22 + 65535 ? len - 22 - 65535 : 0;
	tail = (size_t)(len - lo);
	p = zv_at(v, lo, tail);
	if (p == NULL)
		return -1;
	for (i = tail - 22; ; i--) {
		if (memcmp(p + i, "PK\005\006", 4) == 0)
			break;
		if (i == 0)
			return -1;
	}
	n = le(p + i + 10, 2);
	cd = le(p + i + 16, 4);
	/* zip64: a locator just before points to the zip64 record. */
	if ((n == 0xffff || cd == 0xffffffff) && lo + i >= 20) {
		h = zv_at(v, lo + i - 20, 20);
		if (h != NULL && memcmp(h, "PK\006\007", 4) == 0) {
			off = le(h + 8, 8);
			h = len >= 56 && off <= len - 56 ? zv_at(v, off, 56) :
			    NULL;
			if (h != NULL && memcmp(h, "PK\006\006", 4) == 0) {
				n = le(h + 32, 8);
				cd = le(h + 48, 8);
			}
		}
	}
	/* The headers that are there, each with its name, extra, comment. */
	for (k = 0; k <= limit && cd <= len && len - cd >= 46; k++) {
		h = zv_at(v, cd, 46);
		if (h == NULL || memcmp(h, "PK\001\002", 4) != 0)
			break;
		cd += 46 + le(h + 28, 2) + le(h + 30, 2) + le(h + 32, 2);
	}
	if (k > n)
		n = k;
	return n > INT64_MAX ? INT64_MAX : (int64_t)n;
}

/*
 * -1 with the reason when a file read where it is got shorter than it
 * was when opened (another process truncated it), else 0.
 */
static int
cut_short(struct unpack *u, struct dr_error *err)
{
	struct stat	st;

	if (u->mem != NULL || !u->regular || fstat(u->fd, &st) == -1 ||
	    st.st_size >= u->size)
		return 0;
	return dr_seterr(err, DR_E_IO, "file cut short while it was read: "
	    "%lld of its %lld bytes left (truncated meanwhile)",
	    (long long)st.st_size, (long long)u->size);
}

static int
zip_check(struct unpack *u, struct dr_error *err)
{
	struct zview	v = { u, NULL, 0, 0 };
	int64_t		n;

	if (cut_short(u, err) == -1)
		return -1;
	if (u->mem == NULL) {
		v.win = malloc(ZWIN);
		if (v.win == NULL)
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	n = zip_members(&v, u->mem != NULL ? u->memlen : (uint64_t)u->size,
	    u->lim.max_members);
	free(v.win);
	if (n == 0)
		return dr_seterr(err, DR_E_FORMAT, "empty zip archive");
	if (n > (int64_t)u->lim.max_members)
		return dr_seterr(err, DR_E_LIMIT, "zip archive has more than "
		    "%u members (--max-members)", u->lim.max_members);
	return zip_open(u, err);
}

/* Next member that holds a report. */
static int
zip_next(struct unpack *u, struct dr_error *err)
{
	struct archive_entry	*e;
	enum unpack_kind	 kind;
	const char		*name;
	char			 desc[256];
	int			 r;

	for (;;) {
		unit_reset(u, L_MEMBER);
		u->unit_is_member = false;
		buf_reset(&u->origin);
		buf_adds(&u->origin, u->input_origin);
		r = archive_read_next_header(u->ar, &e);
		if (r == ARCHIVE_EOF) {
			u->state = S_DONE;
			if (u->docs == 0 && u->rejected == 0)
				return dr_seterr(err, DR_E_NOTREPORT, "zip "
				    "archive holds no DMARC report (%s)",
				    u->skipped.len ? u->skipped.data :
				    "no members");
			return 0;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			u->state = S_DONE;
			return dr_seterr(err, DR_E_ARCHIVE, "corrupt zip "
			    "archive (libarchive: %s)",
			    archive_error_string(u->ar) ?
			    archive_error_string(u->ar) : "unknown error");
		}
		if (++u->members > u->lim.max_members) {
			/* More than its directory declared. */
			u->state = S_DONE;
			return dr_seterr(err, DR_E_LIMIT, "zip archive has "
			    "more than %u members (--max-members)",
			    u->lim.max_members);
		}
		name = archive_entry_pathname(e);
		if (name == NULL)
			name = "(unnamed)";
		if (set_member_origin(u, name) == -1)
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		if (archive_entry_filetype(e) == AE_IFDIR) {
			note_skip(u, name, "directory");
			continue;
		}
		if (archive_entry_filetype(e) != AE_IFREG) {
			note_skip(u, name, "not a regular file");
			continue;
		}
		u->unit_is_member = true;
		u->rsmall_done = false;
		u->raw_limit = u->lim.keep_bytes;
		u->raw_seen = 0;
		u->raw_eof = false;
		u->member_eof = false;
		u->member_bytes = 0;
		u->member_size = archive_entry_size_is_set(e) ?
		    (int64_t)archive_entry_size(e) : -1;
		if (unsafe_name(name)) {
			u->rejected++;
			return dr_seterr(err, DR_E_FORMAT, "unsafe member name "
			    "(absolute or with \"..\"): refused");
		}
		if (archive_entry_is_encrypted(e)) {
			u->rejected++;
			return dr_seterr(err, DR_E_FORMAT, "encrypted member: "
			    "cannot be read");
		}
		if (sniff_unit(u, &kind, desc, sizeof desc, err) == -1) {
			u->rejected++;
			return -1;
		}
		if (kind == UNPACK_XML) {
			u->docs++;
			return 1;
		}
		if (kind == UNPACK_ZIP) {
			u->rejected++;
			return dr_seterr(err, DR_E_FORMAT, "zip archive inside "
			    "a zip archive: not supported");
		}
		note_skip(u, name, kind == UNPACK_EMPTY ? "empty" :
		    kind == UNPACK_EMAIL ? "an email message" : desc);
	}
}

int
unpack_next(struct unpack *u, struct dr_error *err)
{
	enum unpack_kind	kind;
	char			desc[256];

	switch (u->state) {
	case S_START:
		unit_reset(u, L_SRC);
		if (sniff_unit(u, &kind, desc, sizeof desc, err) == -1) {
			u->state = S_DONE;
			return -1;
		}
		switch (kind) {
		case UNPACK_XML:
			u->state = S_DOC;
			return 1;
		case UNPACK_ZIP:
			u->state = S_DONE;
			if (u->top > 0)
				return dr_seterr(err, DR_E_FORMAT, "zip "
				    "archive inside compressed data: not "
				    "supported");
			if (u->regular && (uint64_t)u->size >
			    u->lim.max_bytes)
				return dr_seterr(err, DR_E_LIMIT, "input is "
				    "larger than %llu bytes (--max-bytes)",
				    (unsigned long long)u->lim.max_bytes);
			/* A pipe, or a small file: read into memory. */
			if ((u->mem == NULL && (!u->regular ||
			    u->size <= SLURP_MAX) &&
			    slurp(u, u->lim.max_bytes, err) == -1) ||
			    zip_check(u, err) == -1)
				return -1;
			u->state = S_ZIP;
			return zip_next(u, err);
		case UNPACK_EMAIL:
			/* Only at the top: sniff_unit names it otherwise. */
			u->state = S_DONE;
			return dr_seterr(err, DR_E_EMAIL, "email message");
		default:
			u->state = S_DONE;
			return dr_seterr(err, DR_E_NOTREPORT, "not a DMARC "
			    "report: %s", desc);
		}
	case S_ZIP:
		return zip_next(u, err);
	case S_DOC:
	case S_DONE:
		u->state = S_DONE;
		if (u->has_refused) {
			u->has_refused = false;
			zip_refuse(u);
			*err = u->refused;
			return -1;
		}
		return 0;
	}
	return 0;
}

ssize_t
unpack_read(struct unpack *u, void *buf, size_t n, struct dr_error *err)
{
	ssize_t	r;

	r = layer_read(u, u->top, buf, n, err);
	if (r <= 0)
		return r;
	u->doc_bytes += (uint64_t)r;
	if (u->doc_bytes > u->lim.max_bytes)
		return dr_seterr(err, DR_E_LIMIT, "report is larger than %llu "
		    "bytes decompressed (--max-bytes)",
		    (unsigned long long)u->lim.max_bytes);
	return r;
}

int
unpack_prefix(struct unpack *u, const void *p, size_t len)
{
	/* Bytes the caller read already come first. */
	if (len > UNPACK_PREFIX_MAX || buf_add(&u->look, p, len) == -1)
		return -1;
	/* A pipe cannot be read again: they belong to the kept copy. */
	if (!u->regular && buf_add(&u->tee, p, len < u->lim.keep_bytes ?
	    len : u->lim.keep_bytes) == -1)
		return -1;
	u->src_total += len;
	return 0;
}

size_t
unpack_input_peek(struct unpack *u, const unsigned char **p)
{
	struct layer	*l = &u->layer[0];

	assert(u->top == 0 && l->type == L_SRC);
	/* What was peeked comes before what is left of the look-ahead. */
	if (l->upos < l->nunread) {
		*p = l->unread + l->upos;
		return l->nunread - l->upos;
	}
	if (u->lookpos == u->look.len) {
		*p = l->unread;
		return 0;
	}
	*p = (const unsigned char *)u->look.data + u->lookpos;
	return u->look.len - u->lookpos;
}

ssize_t
unpack_read_input(struct unpack *u, void *buf, size_t n, struct dr_error *err)
{
	assert(u->top == 0 && u->layer[0].type == L_SRC);
	return layer_read(u, 0, buf, n, err);
}

int
unpack_unit_is_file(const struct unpack *u)
{
	return !u->unit_is_member && u->regular;
}

int
unpack_unit_is_plain(const struct unpack *u)
{
	return u->top == 0;
}

/* Open the second reader of the archive at the current member. */
static int
rar_seek(struct unpack *u, struct dr_error *err)
{
	struct archive_entry	*e;
	int			 r;

	if (u->rar != NULL && u->rar_at >= u->members) {
		/* Its data is read past: start over. */
		archive_read_free(u->rar);
		u->rar = NULL;
	}
	if (u->rar == NULL) {
		u->rar_at = 0;
		u->rar = zip_reader(u, &u->rzsrc, err);
		if (u->rar == NULL)
			return -1;
	}
	while (u->rar_at < u->members) {
		r = archive_read_next_header(u->rar, &e);
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			goto fail;
		u->rar_at++;
	}
	return 0;
fail:
	dr_seterr(err, DR_E_ARCHIVE, "zip: %s", archive_error_string(u->rar) ?
	    archive_error_string(u->rar) : "cannot read the member again");
	archive_read_free(u->rar);
	u->rar = NULL;
	return -1;
}

int
unpack_raw_begin(struct unpack *u, struct dr_error *err)
{
	unsigned char	tmp[65536];
	ssize_t		r;

	u->raw_off = 0;
	u->raw_cap = u->lim.keep_bytes;
	u->raw_cached = false;
	if (u->unit_is_member) {
		if (u->raw_seen < u->member_bytes)
			u->raw_seen = u->member_bytes;
		u->raw_cap = u->raw_limit;
		if (u->rsmall_done) {
			u->raw_cached = true;
			u->raw_cap = u->rsmall.len;
			return 0;
		}
		buf_reset(&u->rsmall);
		u->rsmall_ok = true;
		return rar_seek(u, err);
	}
	if (u->mem == NULL && !u->regular) {
		/* A pipe: the kept copy, filled up from what is left. */
		while (!u->src_eof && u->tee.len < u->lim.keep_bytes) {
			r = src_read(u, tmp, sizeof tmp, err);
			if (r == -1)
				return -1;
			if (r == 0)
				break;
		}
		if (u->raw_cap > u->tee.len)
			u->raw_cap = u->tee.len;
	}
	return 0;
}

/* The next bytes of the member, from the second reader. */
static ssize_t
raw_member_read(struct unpack *u, void *buf, size_t n, struct dr_error *err)
{
	la_ssize_t	r;

	if (u->raw_cached) {
		memcpy(buf, u->rsmall.data + u->raw_off, n);
		return (ssize_t)n;
	}
	if (u->rar == NULL)
		return dr_seterr(err, DR_E_ARCHIVE, "zip: member not open");
	r = archive_read_data(u->rar, buf, n);
	if (r < 0)
		return dr_seterr(err, DR_E_ARCHIVE, "zip: %s",
		    archive_error_string(u->rar) ?
		    archive_error_string(u->rar) : "read error");
	if (r == 0) {
		u->raw_eof = true;
		u->raw_cap = u->raw_limit = u->raw_off;
		return 0;
	}
	if (u->rsmall_ok) {
		if (u->rsmall.len + (size_t)r <= RAW_SMALL) {
			if (buf_add(&u->rsmall, buf, (size_t)r) == -1)
				return dr_seterr(err, DR_E_NOMEM, "out of "
				    "memory");
		} else {
			u->rsmall_ok = false;
			buf_reset(&u->rsmall);
		}
	}
	/*
	 * Bytes no reader had produced yet count against --max-ratio. Past
	 * it, the member stays rejected for its own reason and keeps what
	 * was read; the archive is refused by the next unpack_next.
	 */
	if (u->raw_off + (uint64_t)r > u->raw_seen) {
		uint64_t more = u->raw_off + (uint64_t)r - u->raw_seen;
		u->raw_seen += more;
		if (zip_count(u, more, &u->refused) == -1) {
			u->has_refused = true;
			u->raw_cap = u->raw_limit = u->raw_off + (uint64_t)r;
		}
	}
	return (ssize_t)r;
}

ssize_t
unpack_raw_read(struct unpack *u, void *buf, size_t n, struct dr_error *err)
{
	ssize_t	r;

	if (u->raw_off >= u->raw_cap) {
		if (u->rsmall_ok && !u->raw_cached && u->unit_is_member)
			u->rsmall_done = true;
		return 0;
	}
	if (n > u->raw_cap - u->raw_off)
		n = (size_t)(u->raw_cap - u->raw_off);
	if (u->unit_is_member)
		r = raw_member_read(u, buf, n, err);
	else if (u->mem != NULL) {
		if (u->raw_off >= u->memlen)
			return 0;
		if (n > u->memlen - u->raw_off)
			n = u->memlen - (size_t)u->raw_off;
		memcpy(buf, u->mem + u->raw_off, n);
		r = (ssize_t)n;
	} else if (u->regular) {
		do
			r = pread(u->fd, buf, n, (off_t)u->raw_off);
		while (r == -1 && errno == EINTR);
		if (r == -1)
			return dr_seterr(err, DR_E_IO, "read: %s",
			    strerror(errno));
	} else {
		memcpy(buf, u->tee.data + u->raw_off, n);
		r = (ssize_t)n;
	}
	if (r > 0)
		u->raw_off += (uint64_t)r;
	else if (r == 0 && u->rsmall_ok && u->unit_is_member)
		u->rsmall_done = true;
	return r;
}

uint64_t
unpack_raw_size(const struct unpack *u)
{
	uint64_t	n;

	if (!u->unit_is_member)
		return u->mem != NULL ? u->memlen : u->regular ?
		    (uint64_t)u->size : u->src_total;
	n = u->member_bytes > u->raw_seen ? u->member_bytes : u->raw_seen;
	if (!u->member_eof && !u->raw_eof && u->member_size > (int64_t)n)
		n = (uint64_t)u->member_size;
	return n;
}

void
unpack_close(struct unpack *u)
{
	int	i;

	if (u == NULL)
		return;
	for (i = 0; i < MAX_LAYERS; i++)
		layer_clear(&u->layer[i]);
	if (u->ar != NULL)
		archive_read_free(u->ar);
	free(u->slurp);
	free(u->input_origin);
	buf_free(&u->origin);
	buf_free(&u->tee);
	buf_free(&u->look);
	buf_free(&u->rsmall);
	if (u->rar != NULL)
		archive_read_free(u->rar);
	free(u->zsrc);
	free(u->rzsrc);
	buf_free(&u->skipped);
	free(u);
}
