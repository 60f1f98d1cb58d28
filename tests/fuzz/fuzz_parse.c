/*
 * fuzz_parse.c: fuzz target for parse.c.
 *
 * The input is one XML document. It is parsed as ingest parses it: at
 * once from memory (libxml2's pull parser), then again by the same
 * parser after parse_reset, streamed in chunks of a size picked by the
 * input's size (push parser), ending either with parse_feed_last or
 * with parse_finish alone; and when the first attempt finds the XML
 * not well-formed, once more in recovery mode. The callbacks read every
 * field of the report and its records and check what parse.h and
 * report.h promise of them.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "error.h"
#include "norm.h"
#include "parse.h"
#include "report.h"
#include "valid.h"

#include "fuzz.h"

static const struct parse_limits lim = {
	.max_text = 4096,
	.max_depth = 64,
	.max_records = 1000,
};

/* Chunk sizes for streaming, picked by the input's size. */
static const size_t chunk_sizes[] = { 1, 7, 512, 4096 };

/* What the callbacks saw of one parse. */
struct seen {
	bool		begun;
	uint64_t	records;
	uint64_t	messages;
};

static volatile unsigned char sink;

static void	check_str(const char *);
static void	check_warnings(const struct dr_warning *, size_t, size_t);
static void	check_tag(const char *, const char *, const char *);
static void	check_report(const struct dr_report *);
static void	check_err(const struct dr_error *);
static int	cb_begin(void *, const struct dr_report *, struct dr_error *);
static int	cb_record(void *, const struct dr_record *,
		    struct dr_error *);
static enum dr_errcode run(struct parser *, struct seen *, const char *,
		    size_t, size_t, bool);

/*
 * Read every byte of a string, and check that it is UTF-8: the parser
 * hands out only UTF-8 (the database holds nothing else).
 */
static void
check_str(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	unsigned char		 x = 0;
	size_t			 i, len, k;

	if (s == NULL)
		return;
	for (i = 0; u[i] != '\0'; i += len) {
		x ^= u[i];
		if (u[i] < 0x80)
			len = 1;
		else if (u[i] >= 0xc2 && u[i] <= 0xdf)
			len = 2;
		else if (u[i] >= 0xe0 && u[i] <= 0xef)
			len = 3;
		else if (u[i] >= 0xf0 && u[i] <= 0xf4)
			len = 4;
		else
			len = 0;
		FUZZ_CHECK(len > 0);
		for (k = 1; k < len; k++)
			FUZZ_CHECK((u[i + k] & 0xc0) == 0x80);
		FUZZ_CHECK(!(u[i] == 0xe0 && u[i + 1] < 0xa0));
		FUZZ_CHECK(!(u[i] == 0xed && u[i + 1] > 0x9f));
		FUZZ_CHECK(!(u[i] == 0xf0 && u[i + 1] < 0x90));
		FUZZ_CHECK(!(u[i] == 0xf4 && u[i + 1] > 0x8f));
	}
	sink = x;
}

static void
check_warnings(const struct dr_warning *w, size_t n, size_t max)
{
	size_t	i;

	FUZZ_CHECK(n <= max);
	FUZZ_CHECK(n == 0 || w != NULL);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(w[i].code != NULL && w[i].code[0] != '\0');
		FUZZ_CHECK(w[i].msg != NULL && w[i].msg[0] != '\0');
		check_str(w[i].code);
		check_str(w[i].msg);
	}
}

/*
 * A policy value is DMARC grammar in canonical form (checking it again
 * changes nothing), or NULL with its raw text kept; never both.
 */
static void
check_tag(const char *tag, const char *v, const char *raw)
{
	char	buf[VALID_VALUE_MAX + 1], why[VALID_WHY];

	check_str(v);
	check_str(raw);
	FUZZ_CHECK(v == NULL || raw == NULL);
	if (v == NULL)
		return;
	FUZZ_CHECK(strlen(v) <= VALID_VALUE_MAX);
	memcpy(buf, v, strlen(v) + 1);
	FUZZ_CHECK(valid_tag(tag, buf, why, sizeof why) == 0);
	FUZZ_CHECK(strcmp(buf, v) == 0);
}

static void
check_report(const struct dr_report *r)
{
	char	num[24];
	size_t	i;

	FUZZ_CHECK(r->schema == DR_SCHEMA_RFC7489 ||
	    r->schema == DR_SCHEMA_RFC9990);
	check_str(r->xmlns);
	check_str(r->version);
	check_str(r->org_name);
	check_str(r->email);
	check_str(r->extra_contact_info);
	check_str(r->extra_contact_info_lang);
	check_str(r->report_id);
	check_str(r->generator);
	FUZZ_CHECK(r->begin >= -1 && r->end >= -1);
	FUZZ_CHECK(r->nerrors <= PARSE_MAX_ERRORS);
	FUZZ_CHECK(r->nerrors == 0 || r->errors != NULL);
	for (i = 0; i < r->nerrors; i++) {
		FUZZ_CHECK(r->errors[i].msg != NULL);
		check_str(r->errors[i].msg);
		check_str(r->errors[i].lang);
	}
	check_str(r->domain);
	check_tag("adkim", r->adkim, r->raw_adkim);
	check_tag("aspf", r->aspf, r->raw_aspf);
	check_tag("p", r->p, r->raw_p);
	check_tag("sp", r->sp, r->raw_sp);
	check_tag("np", r->np, r->raw_np);
	FUZZ_CHECK(r->pct >= -1 && r->pct <= 100);
	snprintf(num, sizeof num, "%lld", (long long)r->pct);
	check_tag("pct", r->pct >= 0 ? num : NULL, r->raw_pct);
	check_tag("fo", r->fo, r->raw_fo);
	check_tag("t", r->testing, r->raw_testing);
	check_str(r->discovery_method);
	check_str(r->extensions);
	check_str(r->reporter);
	check_str(r->report_id_norm);
	check_warnings(r->warnings, r->nwarnings, PARSE_MAX_WARNINGS);
}

static void
check_err(const struct dr_error *err)
{
	size_t	len;

	FUZZ_CHECK(err->code != DR_OK);
	len = strnlen(err->msg, sizeof err->msg);
	FUZZ_CHECK(len > 0 && len < sizeof err->msg);
}

static int
cb_begin(void *arg, const struct dr_report *r, struct dr_error *err)
{
	struct seen	*s = arg;

	(void)err;
	FUZZ_CHECK(!s->begun);
	FUZZ_CHECK(s->records == 0);
	s->begun = true;
	check_report(r);
	return 0;
}

static int
cb_record(void *arg, const struct dr_record *rec, struct dr_error *err)
{
	struct seen	*s = arg;
	char		 ip[NORM_IP_MAX];
	size_t		 i;

	(void)err;
	FUZZ_CHECK(s->begun);
	FUZZ_CHECK(s->records < lim.max_records);
	FUZZ_CHECK(rec->ordinal == s->records + 1);
	FUZZ_CHECK(rec->count >= 0 &&
	    (uint64_t)rec->count <= PARSE_MAX_COUNT);
	s->records++;
	s->messages += (uint64_t)rec->count;
	if (rec->source_ip != NULL) {
		/* Canonical: normalising it again changes nothing. */
		FUZZ_CHECK(strlen(rec->source_ip) < NORM_IP_MAX);
		FUZZ_CHECK(norm_ip(rec->source_ip, ip) == 0);
		FUZZ_CHECK(strcmp(ip, rec->source_ip) == 0);
	}
	check_str(rec->disposition);
	check_str(rec->dkim);
	check_str(rec->spf);
	check_str(rec->header_from);
	check_str(rec->envelope_from);
	check_str(rec->envelope_to);
	check_str(rec->extensions);
	FUZZ_CHECK(rec->nreasons <= PARSE_MAX_REASONS);
	FUZZ_CHECK(rec->nreasons == 0 || rec->reasons != NULL);
	for (i = 0; i < rec->nreasons; i++) {
		check_str(rec->reasons[i].type);
		check_str(rec->reasons[i].comment);
		check_str(rec->reasons[i].comment_lang);
	}
	FUZZ_CHECK(rec->ndkims <= PARSE_MAX_AUTH);
	FUZZ_CHECK(rec->ndkims == 0 || rec->dkims != NULL);
	for (i = 0; i < rec->ndkims; i++) {
		check_str(rec->dkims[i].domain);
		check_str(rec->dkims[i].selector);
		check_str(rec->dkims[i].result);
		check_str(rec->dkims[i].human_result);
		check_str(rec->dkims[i].human_result_lang);
	}
	FUZZ_CHECK(rec->nspfs <= PARSE_MAX_AUTH);
	FUZZ_CHECK(rec->nspfs == 0 || rec->spfs != NULL);
	for (i = 0; i < rec->nspfs; i++) {
		check_str(rec->spfs[i].domain);
		check_str(rec->spfs[i].scope);
		check_str(rec->spfs[i].result);
		check_str(rec->spfs[i].human_result);
		check_str(rec->spfs[i].human_result_lang);
	}
	check_warnings(rec->warnings, rec->nwarnings, 64);
	return 0;
}

/*
 * One parse of the document. chunk 0: all at once with parse_feed_last;
 * otherwise parse_feed chunk by chunk, the last one through
 * parse_feed_last when last is set. Returns DR_OK or the error's code.
 */
static enum dr_errcode
run(struct parser *p, struct seen *s, const char *data, size_t size,
    size_t chunk, bool last)
{
	const struct dr_report	*rep;
	struct dr_error		 err;
	size_t			 off = 0, n;
	int			 rc = 0;

	memset(s, 0, sizeof *s);
	memset(&err, 0, sizeof err);
	parse_reset(p);
	if (chunk == 0)
		rc = parse_feed_last(p, data, size, &err);
	while (chunk > 0 && rc == 0 && off < size) {
		n = size - off < chunk ? size - off : chunk;
		if (last && off + n == size)
			rc = parse_feed_last(p, data + off, n, &err);
		else
			rc = parse_feed(p, data + off, n, &err);
		off += n;
	}
	if (rc == -1) {
		check_err(&err);
		return err.code;
	}
	FUZZ_CHECK(parse_root_end(p) <= size);
	if (parse_finish(p, &rep, &err) == -1) {
		check_err(&err);
		return err.code;
	}
	FUZZ_CHECK(s->begun);
	check_report(rep);
	FUZZ_CHECK(rep->report_id != NULL && rep->report_id_norm != NULL);
	FUZZ_CHECK(rep->report_id_norm[0] != '\0');
	FUZZ_CHECK(rep->domain != NULL && rep->reporter != NULL);
	FUZZ_CHECK(rep->begin >= 0 && rep->end >= 0);
	FUZZ_CHECK(rep->begin <= PARSE_MAX_TIME && rep->end <= PARSE_MAX_TIME);
	{
		char why[VALID_WHY];
		FUZZ_CHECK(valid_hostname(rep->domain, why, sizeof why) == 0);
	}
	FUZZ_CHECK(rep->nrecords == s->records);
	FUZZ_CHECK(rep->nmessages == s->messages);
	FUZZ_CHECK(rep->nmessages <= PARSE_MAX_MESSAGES);
	return DR_OK;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xmlInitParser();
	parse_thread_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct parse_cb	 cb = { cb_begin, cb_record };
	const char			*doc = (const char *)data;
	struct parser			*p, *rp;
	struct seen			 s;
	enum dr_errcode			 code;
	size_t				 chunk;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	p = parse_new(&lim, &cb, &s, 0);
	if (p == NULL)
		return 0;
	code = run(p, &s, doc, size, 0, true);

	chunk = chunk_sizes[size % (sizeof chunk_sizes /
	    sizeof chunk_sizes[0])];
	if (size > 65536 && chunk < 512)
		chunk = 512;	/* byte by byte is slow, and no better */
	run(p, &s, doc, size, chunk, size / 4 % 2 == 0);

	if (code == DR_E_XML) {
		rp = parse_new(&lim, &cb, &s, 1);
		if (rp != NULL)
			run(rp, &s, doc, size, 0, true);
		parse_free(rp);
	}
	parse_free(p);
	return 0;
}
