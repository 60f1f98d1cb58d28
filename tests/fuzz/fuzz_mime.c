/*
 * fuzz_mime.c: fuzz target for mail.c (GMime).
 *
 * The input is what dmarcdb reads from a mailbox: an mbox file when it
 * starts with "From ", else one email message. As ingest does, each
 * message is parsed, its header facts are asked for, and every leaf
 * part is decoded and handed over. Decoding never makes a part larger
 * than the message it came from, parts are numbered as IMAP numbers
 * them, and the walk stops at the documented caps.
 *
 * The header pre-scan must say the same whatever pieces the message
 * comes in, and what it lets through must be within the caps once
 * GMime has built it: no header of more than MAIL_MAX_FIELDS fields,
 * no more than MAIL_MAX_HEADER bytes of fields, a bounded number of
 * MIME objects. An mbox file is split the same whatever pieces it is
 * read in, with a small --max-message or none.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "error.h"
#include "log.h"
#include "mail.h"

#include "fuzz.h"

struct seen {
	size_t		 msglen;	/* of the message being walked */
	unsigned	 parts;
};

static volatile unsigned char sink;

static void
touch(const void *p, size_t n)
{
	const unsigned char	*s = p;
	unsigned char		 x = 0;
	size_t			 i;

	for (i = 0; i < n; i++)
		x ^= s[i];
	sink = x;
}

static void
check_err(const struct dr_error *err)
{
	size_t	len;

	FUZZ_CHECK(err->code != DR_OK);
	len = strnlen(err->msg, sizeof err->msg);
	FUZZ_CHECK(len > 0 && len < sizeof err->msg);
}

/* "1", "2.1", "1.2.3": digits in dot-separated groups. */
static int
valid_number(const char *s)
{
	int	digits = 0;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s == '.' && digits > 0)
			digits = 0;
		else
			return 0;
	}
	return digits > 0;
}

static int
part(void *arg, const struct mail_part *p, struct dr_error *err)
{
	struct seen	*s = arg;

	(void)err;
	FUZZ_CHECK(++s->parts <= MAIL_MAX_PARTS);
	FUZZ_CHECK(p->len == 0 || p->data != NULL);
	FUZZ_CHECK(p->len <= s->msglen);
	FUZZ_CHECK(p->number != NULL && valid_number(p->number));
	FUZZ_CHECK(p->type != NULL && strchr(p->type, '/') != NULL);
	touch(p->data, p->len);
	touch(p->type, strlen(p->type));
	if (p->filename != NULL)
		touch(p->filename, strlen(p->filename));
	return 0;
}

/*
 * The pre-scan of the message fed in pieces (cut at the given offsets)
 * says what it says of the whole: 0, or the same error.
 */
static void
scan_pieces(const uint8_t *data, size_t len, const struct dr_error *whole)
{
	struct mail_scan	*s;
	struct dr_error		 err;
	size_t			 cut[3], i;
	int			 rc = 0;

	cut[0] = len / 3;
	cut[1] = len / 3 + (len > 0 ? data[0] % 97 : 0);
	cut[2] = len - (len > 0 ? data[len - 1] % 13 : 0);
	s = mail_scan_new();
	FUZZ_CHECK(s != NULL);
	memset(&err, 0, sizeof err);
	for (i = 0; i < 3 && rc == 0; i++)
		if (cut[i] <= len)
			rc = mail_scan_feed(s, data, cut[i], 0, &err);
	if (rc == 0)
		rc = mail_scan_feed(s, data, len, 1, &err);
	mail_scan_free(s);
	FUZZ_CHECK(rc == (whole->code == DR_OK ? 0 : -1));
	if (rc == -1) {
		FUZZ_CHECK(err.code == whole->code);
		FUZZ_CHECK(strcmp(err.msg, whole->msg) == 0);
	}
}

static void
message(const uint8_t *data, size_t len)
{
	struct seen	 s = { len, 0 };
	struct dr_error	 err, pre;
	struct mail_scan *scan;
	struct mail_msg	*m;
	const char	*kind, *v;
	unsigned	 fields, objects;
	uint64_t	 bytes;
	int		 rc;

	/* What the pre-scan alone says. */
	memset(&pre, 0, sizeof pre);
	scan = mail_scan_new();
	FUZZ_CHECK(scan != NULL);
	if (mail_scan_feed(scan, data, len, 1, &pre) == -1)
		check_err(&pre);
	mail_scan_free(scan);
	scan_pieces(data, len, &pre);

	memset(&err, 0, sizeof err);
	m = mail_parse(data, len, &err);
	if (m == NULL) {
		check_err(&err);
		/* Refused by the pre-scan: for its reason. */
		FUZZ_CHECK(pre.code == DR_OK || (err.code == pre.code &&
		    strcmp(err.msg, pre.msg) == 0));
		return;
	}
	FUZZ_CHECK(pre.code == DR_OK);
	/* What GMime built is within what the pre-scan allows. */
	mail_built(m, &fields, &bytes, &objects);
	FUZZ_CHECK(fields <= MAIL_MAX_FIELDS);
	FUZZ_CHECK(bytes <= MAIL_MAX_HEADER);
	FUZZ_CHECK(objects <= 4 * MAIL_MAX_PARTS + 2);
	if ((v = mail_message_id(m)) != NULL)
		touch(v, strlen(v));
	if ((v = mail_subject(m)) != NULL)
		touch(v, strlen(v));
	if ((v = mail_from(m)) != NULL)
		touch(v, strlen(v));
	(void)mail_date(m);
	kind = NULL;
	memset(&err, 0, sizeof err);
	rc = mail_parts(m, part, &s, &kind, &err);
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == -1)
		check_err(&err);
	if (kind != NULL)
		touch(kind, strlen(kind));
	mail_free(m);
}

/* An mbox file in memory, read in pieces of a given size. */
struct src {
	const uint8_t	*data;
	size_t		 size, off, piece;
};

static ssize_t
src_read(void *arg, void *buf, size_t n, struct dr_error *err)
{
	struct src	*s = arg;

	(void)err;
	if (n > s->piece)
		n = s->piece;
	if (n > s->size - s->off)
		n = s->size - s->off;
	memcpy(buf, s->data + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

/* What the reader gave of one message. */
struct got {
	uint64_t	 off, size;
	size_t		 len;
	uint32_t	 hash;		/* of the bytes held */
};

static uint32_t
fnv(const char *p, size_t n)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 16777619u;
	return h;
}

#define MAX_GOT	4096

/*
 * Split the file, pieces of piece bytes, messages held up to max bytes,
 * a Content-Length obeyed up to cl_max. Returns the number of messages,
 * each one checked and, with parse set, parsed.
 */
static size_t
split(const uint8_t *data, size_t size, size_t piece, size_t max,
    size_t cl_max, struct got *got, int parse)
{
	struct src		 s = { data, size, 0, piece };
	struct mail_mbox	*mb;
	struct dr_error		 err;
	const char		*p;
	uint64_t		 off, msize, last = 0;
	size_t			 len, n = 0;
	int			 rc;

	mb = mail_mbox_new(src_read, &s, max, cl_max);
	FUZZ_CHECK(mb != NULL);
	memset(&err, 0, sizeof err);
	while ((rc = mail_mbox_next(mb, &p, &len, &off, &msize, &err)) == 1) {
		FUZZ_CHECK(len <= max && len <= msize);
		FUZZ_CHECK(msize == len || len == max);
		FUZZ_CHECK(msize <= size);
		FUZZ_CHECK(off < size && (n == 0 ? off == 0 : off > last));
		FUZZ_CHECK(n == 0 || memcmp(data + off, "From ", 5) == 0);
		last = off;
		if (n < MAX_GOT)
			got[n] = (struct got){ off, msize, len, fnv(p, len) };
		n++;
		if (parse)
			message((const uint8_t *)p, len);
	}
	FUZZ_CHECK(rc == 0);
	mail_mbox_free(mb);
	FUZZ_CHECK(n > 0);
	return n;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_mime", LOG_QUIET);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct got	a[MAX_GOT], b[MAX_GOT];
	size_t			n, k, i, max;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (size < 5 || memcmp(data, "From ", 5) != 0) {
		message(data, size);
		return 0;
	}
	n = split(data, size, size, SIZE_MAX, SIZE_MAX, a, 1);
	/* In pieces: the same messages. */
	k = split(data, size, 1 + data[size - 1] % 61, SIZE_MAX, SIZE_MAX,
	    b, 0);
	FUZZ_CHECK(k == n);
	for (i = 0; i < n && i < MAX_GOT; i++)
		FUZZ_CHECK(a[i].off == b[i].off && a[i].size == b[i].size &&
		    a[i].len == b[i].len && a[i].hash == b[i].hash);
	/*
	 * Held up to a cap (which, as in ingest, is also the longest
	 * Content-Length obeyed): the same messages as held whole with
	 * that Content-Length rule, cut at the cap.
	 */
	max = 64 + data[5 % size] * 4;
	n = split(data, size, size, SIZE_MAX, max, a, 0);
	k = split(data, size, 4096, max, max, b, 0);
	FUZZ_CHECK(k == n);
	for (i = 0; i < n && i < MAX_GOT; i++) {
		FUZZ_CHECK(a[i].off == b[i].off && a[i].size == b[i].size);
		FUZZ_CHECK(b[i].len == (a[i].len < max ? a[i].len : max));
		FUZZ_CHECK(a[i].len > max || a[i].hash == b[i].hash);
	}
	return 0;
}
