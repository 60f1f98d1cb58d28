/*
 * ingest.c: the ingest engine: unpack, hash, parse, store.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest.h"
#include "log.h"
#include "sha256.h"

#define CHUNK		(256 * 1024)
#define MAX_PARTS	1000	/* <feedback> roots in one document */

struct ingest {
	struct store		*store;
	struct ingest_opts	 opts;
	struct store_counts	 counts;
	struct sha256		*sha;
	char			*buf;		/* INGEST_PREBUF bytes */
	struct store_doc	 doc;
	bool			 began;		/* report transaction open */
	uint64_t		 bytes;		/* for progress */
	uint64_t		 cur_records;	/* of the open report */
};

static int	cb_begin(void *, const struct dr_report *, struct dr_error *);
static int	cb_record(void *, const struct dr_record *, struct dr_error *);

static const struct parse_cb callbacks = { cb_begin, cb_record };

struct ingest *
ingest_new(struct store *store, const struct ingest_opts *opts)
{
	struct ingest	*e;

	e = calloc(1, sizeof *e);
	if (e == NULL)
		return NULL;
	e->store = store;
	e->opts = *opts;
	e->sha = sha256_new();
	e->buf = malloc(INGEST_PREBUF);
	if (e->sha == NULL || e->buf == NULL) {
		ingest_free(e);
		return NULL;
	}
	return e;
}

void
ingest_free(struct ingest *e)
{
	if (e == NULL)
		return;
	sha256_free(e->sha);
	free(e->buf);
	free(e);
}

const struct store_counts *
ingest_counts(const struct ingest *e)
{
	return &e->counts;
}

static void
progress(struct ingest *e)
{
	if (!log_progress_enabled())
		return;
	log_progress("%llu inputs, %llu reports stored, %llu records, %.1f MB "
	    "read", (unsigned long long)e->counts.inputs,
	    (unsigned long long)e->counts.stored,
	    (unsigned long long)(e->counts.records + e->cur_records),
	    (double)e->bytes / 1e6);
}

static int
cb_begin(void *arg, const struct dr_report *r, struct dr_error *err)
{
	struct ingest	*e = arg;

	(void)r;
	if (store_report_begin(e->store, &e->doc, err) == -1)
		return -1;
	e->began = true;
	return 0;
}

static int
cb_record(void *arg, const struct dr_record *r, struct dr_error *err)
{
	struct ingest	*e = arg;

	e->cur_records = r->ordinal;
	if ((r->ordinal & 4095) == 0)
		progress(e);
	return store_record(e->store, r, err);
}

static void
abort_report(struct ingest *e)
{
	e->cur_records = 0;
	if (e->began)
		store_report_abort(e->store);
	e->began = false;
}

static void
fmt_time(int64_t t, char *out, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (gmtime_r(&tt, &tm) == NULL)
		snprintf(out, len, "%lld", (long long)t);
	else
		strftime(out, len, "%Y-%m-%d %H:%M", &tm);
}

/* Commit the parsed report; count and log the outcome. */
static int
finish_report(struct ingest *e, struct parser *p, const char *trailing,
    struct dr_error *err)
{
	const struct dr_report	*r;
	enum store_outcome	 out;
	char			 b[32], en[32];

	if (parse_finish(p, &r, err) == -1)
		return -1;
	if (trailing != NULL && store_report_warning(e->store, "trailing",
	    trailing, err) == -1)
		return -1;
	e->began = false;	/* store_report_end ends it either way */
	e->cur_records = 0;
	if (store_report_end(e->store, r, &e->doc, &out, err) == -1)
		return -1;
	fmt_time(r->begin, b, sizeof b);
	fmt_time(r->end, en, sizeof en);
	switch (out) {
	case STORE_DUPLICATE:
		e->counts.duplicates++;
		log_verbose("%s: duplicate of a stored report", e->doc.origin);
		return 0;
	case STORE_SUPERSEDING:
	case STORE_SUPERSEDED:
		e->counts.superseded++;
		log_verbose("%s: report %s from %s re-sent with other content: "
		    "%s", e->doc.origin, r->report_id, r->reporter,
		    out == STORE_SUPERSEDING ? "this copy is now active" :
		    "kept as superseded by the newer copy");
		break;
	case STORE_NEW:
		break;
	}
	e->counts.stored++;
	e->counts.records += r->nrecords;
	e->counts.messages += r->nmessages;
	log_verbose("%s: stored: %s, report %s, %s, %s to %s UTC, %llu "
	    "records, %llu messages%s", e->doc.origin, r->reporter,
	    r->report_id, r->domain, b, en, (unsigned long long)r->nrecords,
	    (unsigned long long)r->nmessages, r->nwarnings ? ", warnings" : "");
	progress(e);
	return 0;
}

static size_t
skip_space(const char *p, size_t i, size_t len)
{
	while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	return i;
}

/*
 * After a root element: skip white space, comments and processing
 * instructions. Returns the offset of the next root (a '<' that starts
 * an element or an XML declaration), len if nothing else follows, or
 * (size_t)-1 for other content, whose size goes to *junk.
 */
static size_t
next_root(const char *p, size_t i, size_t len, size_t *junk)
{
	const char	*end;

	for (;;) {
		i = skip_space(p, i, len);
		if (i == len)
			return len;
		if (p[i] != '<')
			break;
		if (len - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
			end = memmem(p + i + 4, len - i - 4, "-->", 3);
			if (end == NULL)
				break;
			i = (size_t)(end - p) + 3;
			continue;
		}
		if (len - i >= 2 && p[i + 1] == '?' && !(len - i >= 6 &&
		    memcmp(p + i, "<?xml", 5) == 0 && (p[i + 5] == ' ' ||
		    p[i + 5] == '\t' || p[i + 5] == '\r' || p[i + 5] == '\n'))) {
			end = memmem(p + i + 2, len - i - 2, "?>", 2);
			if (end == NULL)
				break;
			i = (size_t)(end - p) + 2;
			continue;
		}
		return i;
	}
	*junk = len - i;
	return (size_t)-1;
}

/* Where the document proper starts: after a UTF-8 BOM and white space. */
static size_t
doc_start(const char *p, size_t len)
{
	size_t	i = 0;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	return skip_space(p, i, len);
}

/*
 * Parse and store one report from buf (a complete document in memory).
 * *next gets the offset after it where another root starts, or len.
 */
static int
buffered_part(struct ingest *e, const char *buf, size_t len, int recover,
    size_t *next, struct dr_error *err)
{
	struct parser	*p;
	char		 trailing[128], *tr = NULL;
	size_t		 end, junk = 0, n;
	int		 rc = -1;

	p = parse_new(&e->opts.plim, &callbacks, e, recover);
	if (p == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	if (parse_feed(p, buf, len, err) == -1)
		goto done;
	*next = len;
	end = (size_t)parse_root_end(p);
	if (end > 0) {
		n = next_root(buf, end, len, &junk);
		if (n == (size_t)-1) {
			snprintf(trailing, sizeof trailing, "%zu bytes of "
			    "other content after </feedback> ignored", junk);
			tr = trailing;
		} else
			*next = n;
	}
	rc = finish_report(e, p, tr, err);
done:
	parse_free(p);
	if (rc == -1)
		abort_report(e);
	return rc;
}

/* A document that fitted into memory: one or more reports. */
static int
buffered_doc(struct ingest *e, const char *buf, size_t len,
    struct dr_error *err)
{
	size_t	off, next;
	unsigned part;

	off = doc_start(buf, len);
	for (part = 0; ; part++) {
		if (part == MAX_PARTS)
			return dr_seterr(err, DR_E_LIMIT, "more than %d "
			    "<feedback> documents in one input", MAX_PARTS);
		e->doc.part = part;
		if (buffered_part(e, buf + off, len - off, 0, &next,
		    err) == -1) {
			struct dr_error first = *err;
			if (!e->opts.recover || err->code != DR_E_XML)
				return -1;
			if (buffered_part(e, buf + off, len - off, 1, &next,
			    err) == -1) {
				*err = first;
				return -1;
			}
		}
		if (next >= len - off)
			return 0;
		off += next;
	}
}

/* A document too large for memory: parsed as it streams in. */
static int
streamed_doc(struct ingest *e, struct unpack *u, size_t have,
    struct dr_error *err)
{
	struct parser	*p;
	char		*chunk = e->buf;
	size_t		 off, end;
	uint64_t	 fed = 0, total = have;
	ssize_t		 n;
	int		 rc = -1;

	e->doc.part = 0;
	p = parse_new(&e->opts.plim, &callbacks, e, 0);
	if (p == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	off = doc_start(e->buf, have);
	n = (ssize_t)have;
	for (;;) {
		size_t len = (size_t)n - off;
		if (parse_root_end(p) == 0) {
			if (parse_feed(p, chunk + off, len, err) == -1)
				goto done;
			fed += len;
			end = (size_t)parse_root_end(p);
			/* Bytes of this chunk after the root must be blank. */
			if (end > 0 && skip_space(chunk + off,
			    end - (size_t)(fed - len), len) != len)
				goto trailing;
		} else if (skip_space(chunk, 0, (size_t)n) != (size_t)n)
			goto trailing;
		n = unpack_read(u, chunk, CHUNK, err);
		if (n == -1)
			goto done;
		if (n == 0)
			break;
		sha256_update(e->sha, chunk, (size_t)n);
		total += (uint64_t)n;
		e->bytes += (uint64_t)n;
		off = 0;
		progress(e);
	}
	sha256_final(e->sha, e->doc.sha256);
	e->doc.xml_size = total;
	rc = finish_report(e, p, NULL, err);
	goto done;
trailing:
	dr_seterr(err, DR_E_REPORT, "content after </feedback>: a "
	    "document over %d MiB is not split into reports",
	    INGEST_PREBUF >> 20);
done:
	parse_free(p);
	if (rc == -1)
		abort_report(e);
	return rc;
}

/* One document of the current unit. */
static int
ingest_doc(struct ingest *e, struct unpack *u, struct dr_error *err)
{
	size_t	len = 0;
	ssize_t	n;
	int	found;

	e->doc.origin = unpack_origin(u);
	for (;;) {
		size_t want = INGEST_PREBUF - len;
		if (want == 0)
			return streamed_doc(e, u, len, err);
		n = unpack_read(u, e->buf + len, want < CHUNK ? want : CHUNK,
		    err);
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		sha256_update(e->sha, e->buf + len, (size_t)n);
		len += (size_t)n;
		e->bytes += (uint64_t)n;
	}
	sha256_final(e->sha, e->doc.sha256);
	e->doc.xml_size = len;
	found = store_has_report(e->store, e->doc.sha256, 0, err);
	if (found == -1)
		return -1;
	if (found) {
		e->counts.duplicates++;
		log_verbose("%s: duplicate of a stored report", e->doc.origin);
		return 0;
	}
	return buffered_doc(e, e->buf, len, err);
}

static int
reject(struct ingest *e, struct unpack *u, const struct dr_error *why,
    struct dr_error *err)
{
	const unsigned char	*raw = NULL;
	size_t			 len = 0;
	uint64_t		 size = 0;

	log_warnx("%s: %s", unpack_origin(u), why->msg);
	e->counts.rejected++;
	if (unpack_raw(u, &raw, &len, &size) == -1) {
		raw = NULL;
		len = 0;
	}
	return store_reject(e->store, unpack_origin(u), why->msg, raw, len,
	    size, err);
}

static int
ingest_unpack(struct ingest *e, struct unpack *u, int64_t received,
    struct dr_error *err)
{
	struct dr_error	why;
	int		r;

	e->counts.inputs++;
	e->doc.received_at = received;
	for (;;) {
		r = unpack_next(u, &why);
		if (r == 0)
			break;
		if (r == 1 && ingest_doc(e, u, &why) == 0)
			continue;
		if (dr_err_fatal(&why)) {
			*err = why;
			return -1;
		}
		if (reject(e, u, &why, err) == -1)
			return -1;
	}
	progress(e);
	return 0;
}

int
ingest_fd(struct ingest *e, int fd, const char *origin, int64_t received,
    struct dr_error *err)
{
	struct unpack	*u;
	int		 rc;

	u = unpack_open_fd(fd, origin, &e->opts.ulim);
	if (u == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	rc = ingest_unpack(e, u, received, err);
	unpack_close(u);
	return rc;
}

int
ingest_mem(struct ingest *e, const void *p, size_t len, const char *origin,
    int64_t received, struct dr_error *err)
{
	struct unpack	*u;
	int		 rc;

	u = unpack_open_mem(p, len, origin, &e->opts.ulim);
	if (u == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	rc = ingest_unpack(e, u, received, err);
	unpack_close(u);
	return rc;
}

void
ingest_unreadable(struct ingest *e, const char *origin, const char *why)
{
	log_warnx("%s: %s", origin, why);
	e->counts.inputs++;
	e->counts.rejected++;
}
