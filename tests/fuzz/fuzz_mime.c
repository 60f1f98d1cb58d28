/*
 * fuzz_mime.c: fuzz target for mail.c (GMime).
 *
 * The input is what dmarcdb reads from a mailbox: an mbox file when it
 * starts with "From ", else one email message. As ingest does, each
 * message is parsed, its header facts are asked for, and every leaf
 * part is decoded and handed over. Decoding never makes a part larger
 * than the message it came from, parts are numbered as IMAP numbers
 * them, and the walk stops at the documented caps.
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

static int
message(void *arg, const void *data, size_t len, uint64_t off,
    struct dr_error *err)
{
	struct seen	 s = { len, 0 };
	struct mail_msg	*m;
	const char	*kind, *v;
	int		 rc;

	(void)arg;
	(void)off;
	m = mail_parse(data, len, err);
	if (m == NULL) {
		check_err(err);
		memset(err, 0, sizeof *err);
		return 0;
	}
	if ((v = mail_message_id(m)) != NULL)
		touch(v, strlen(v));
	if ((v = mail_subject(m)) != NULL)
		touch(v, strlen(v));
	if ((v = mail_from(m)) != NULL)
		touch(v, strlen(v));
	(void)mail_date(m);
	kind = NULL;
	rc = mail_parts(m, part, &s, &kind, err);
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == -1) {
		check_err(err);
		memset(err, 0, sizeof *err);
	}
	if (kind != NULL)
		touch(kind, strlen(kind));
	mail_free(m);
	return 0;
}

/* The messages of an mbox lie within it, in order. */
struct box {
	const uint8_t	*data;
	size_t		 size;
	uint64_t	 last;
	unsigned	 n;
};

static int
boxed(void *arg, const void *data, size_t len, uint64_t off,
    struct dr_error *err)
{
	struct box		*b = arg;
	const uint8_t		*p = data;

	FUZZ_CHECK(p >= b->data && p <= b->data + b->size);
	FUZZ_CHECK(len <= (size_t)(b->data + b->size - p));
	FUZZ_CHECK(off < b->size && b->data + off < p);
	FUZZ_CHECK(b->n++ == 0 || off > b->last);
	FUZZ_CHECK(memcmp(b->data + off, "From ", 5) == 0);
	b->last = off;
	return message(NULL, data, len, off, err);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz_mime", LOG_QUIET);
	mail_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dr_error	 err;
	struct box	 b = { data, size, 0, 0 };
	int		 rc;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	memset(&err, 0, sizeof err);
	if (size >= 5 && memcmp(data, "From ", 5) == 0) {
		rc = mail_mbox(data, size, boxed, &b, &err);
		FUZZ_CHECK(rc == 0);
		FUZZ_CHECK(b.n > 0);
	} else
		(void)message(NULL, data, size, 0, &err);
	return 0;
}
