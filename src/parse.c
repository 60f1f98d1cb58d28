/*
 * parse.c: DMARC aggregate report XML to struct dr_report and records.
 *
 * libxml2's SAX2 push parser calls us for every start tag, end tag and
 * run of text. We keep a stack of element kinds: the kind of an element
 * follows from its parent's kind and its local name (the table trans[]
 * below), so <dkim> under <policy_evaluated> is a result and <dkim> under
 * <auth_results> is a container. An element the table does not know is
 * serialised back to XML text and kept as an extension of the record or
 * report it appears in. Text of known leaves is collected into one
 * buffer and normalised when the leaf ends.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include "buf.h"
#include "norm.h"
#include "parse.h"
#include "valid.h"

#define NS_DMARC2	"urn:ietf:params:xml:ns:dmarc-2.0"
#define DMARC_EPOCH	1325376000	/* 2012-01-01: nothing before */
#define WEEK		(7 * 86400)

/* Local names we know. */
enum name {
	N_OTHER = 0,
	N_FEEDBACK, N_VERSION, N_REPORT_METADATA, N_ORG_NAME, N_EMAIL,
	N_EXTRA_CONTACT_INFO, N_REPORT_ID, N_DATE_RANGE, N_BEGIN, N_END,
	N_ERROR, N_GENERATOR, N_POLICY_PUBLISHED, N_DOMAIN, N_ADKIM, N_ASPF,
	N_P, N_SP, N_NP, N_PCT, N_FO, N_TESTING, N_DISCOVERY_METHOD,
	N_RECORD, N_ROW, N_SOURCE_IP, N_COUNT, N_POLICY_EVALUATED,
	N_DISPOSITION, N_DKIM, N_SPF, N_REASON, N_TYPE, N_COMMENT,
	N_IDENTIFIERS, N_IDENTITIES, N_HEADER_FROM, N_ENVELOPE_FROM,
	N_ENVELOPE_TO, N_AUTH_RESULTS, N_SELECTOR, N_RESULT, N_HUMAN_RESULT,
	N_SCOPE,
	N__COUNT
};

static const char *const names[N__COUNT] = {
	[N_FEEDBACK] = "feedback", [N_VERSION] = "version",
	[N_REPORT_METADATA] = "report_metadata", [N_ORG_NAME] = "org_name",
	[N_EMAIL] = "email", [N_EXTRA_CONTACT_INFO] = "extra_contact_info",
	[N_REPORT_ID] = "report_id", [N_DATE_RANGE] = "date_range",
	[N_BEGIN] = "begin", [N_END] = "end", [N_ERROR] = "error",
	[N_GENERATOR] = "generator", [N_POLICY_PUBLISHED] = "policy_published",
	[N_DOMAIN] = "domain", [N_ADKIM] = "adkim", [N_ASPF] = "aspf",
	[N_P] = "p", [N_SP] = "sp", [N_NP] = "np", [N_PCT] = "pct",
	[N_FO] = "fo", [N_TESTING] = "testing",
	[N_DISCOVERY_METHOD] = "discovery_method", [N_RECORD] = "record",
	[N_ROW] = "row", [N_SOURCE_IP] = "source_ip", [N_COUNT] = "count",
	[N_POLICY_EVALUATED] = "policy_evaluated",
	[N_DISPOSITION] = "disposition", [N_DKIM] = "dkim", [N_SPF] = "spf",
	[N_REASON] = "reason", [N_TYPE] = "type", [N_COMMENT] = "comment",
	[N_IDENTIFIERS] = "identifiers", [N_IDENTITIES] = "identities",
	[N_HEADER_FROM] = "header_from", [N_ENVELOPE_FROM] = "envelope_from",
	[N_ENVELOPE_TO] = "envelope_to", [N_AUTH_RESULTS] = "auth_results",
	[N_SELECTOR] = "selector", [N_RESULT] = "result",
	[N_HUMAN_RESULT] = "human_result", [N_SCOPE] = "scope",
};

/* Element kinds: a local name in the context of its parent. */
enum kind {
	K_UNKNOWN = 0,
	K_DOC,
	K_FEEDBACK, K_VERSION,
	K_MD, K_MD_ORG, K_MD_EMAIL, K_MD_ECI, K_MD_RID, K_MD_DR, K_DR_BEGIN,
	K_DR_END, K_MD_ERROR, K_MD_GEN,
	K_PP, K_PP_DOMAIN, K_PP_ADKIM, K_PP_ASPF, K_PP_P, K_PP_SP, K_PP_NP,
	K_PP_PCT, K_PP_FO, K_PP_TESTING, K_PP_DISC,
	K_REC, K_ROW, K_ROW_IP, K_ROW_COUNT, K_PE, K_PE_DISP, K_PE_DKIM,
	K_PE_SPF, K_PE_REASON, K_RS_TYPE, K_RS_COMMENT,
	K_ID, K_ID_HF, K_ID_EF, K_ID_ET,
	K_AR, K_AR_DKIM, K_DK_DOMAIN, K_DK_SEL, K_DK_RESULT, K_DK_HUMAN,
	K_AR_SPF, K_SP_DOMAIN, K_SP_SCOPE, K_SP_RESULT, K_SP_HUMAN,
	K__COUNT
};

/* trans[parent][name] is the kind of the child; K_UNKNOWN if none. */
static const unsigned char trans[K__COUNT][N__COUNT] = {
	[K_DOC] = { [N_FEEDBACK] = K_FEEDBACK },
	[K_FEEDBACK] = {
		[N_VERSION] = K_VERSION, [N_REPORT_METADATA] = K_MD,
		[N_POLICY_PUBLISHED] = K_PP, [N_RECORD] = K_REC,
	},
	[K_MD] = {
		[N_ORG_NAME] = K_MD_ORG, [N_EMAIL] = K_MD_EMAIL,
		[N_EXTRA_CONTACT_INFO] = K_MD_ECI, [N_REPORT_ID] = K_MD_RID,
		[N_DATE_RANGE] = K_MD_DR, [N_ERROR] = K_MD_ERROR,
		[N_GENERATOR] = K_MD_GEN,
	},
	[K_MD_DR] = { [N_BEGIN] = K_DR_BEGIN, [N_END] = K_DR_END },
	[K_PP] = {
		[N_DOMAIN] = K_PP_DOMAIN, [N_ADKIM] = K_PP_ADKIM,
		[N_ASPF] = K_PP_ASPF, [N_P] = K_PP_P, [N_SP] = K_PP_SP,
		[N_NP] = K_PP_NP, [N_PCT] = K_PP_PCT, [N_FO] = K_PP_FO,
		[N_TESTING] = K_PP_TESTING, [N_DISCOVERY_METHOD] = K_PP_DISC,
	},
	[K_REC] = {
		[N_ROW] = K_ROW, [N_IDENTIFIERS] = K_ID, [N_IDENTITIES] = K_ID,
		[N_AUTH_RESULTS] = K_AR,
	},
	[K_ROW] = {
		[N_SOURCE_IP] = K_ROW_IP, [N_COUNT] = K_ROW_COUNT,
		[N_POLICY_EVALUATED] = K_PE,
	},
	[K_PE] = {
		[N_DISPOSITION] = K_PE_DISP, [N_DKIM] = K_PE_DKIM,
		[N_SPF] = K_PE_SPF, [N_REASON] = K_PE_REASON,
	},
	[K_PE_REASON] = { [N_TYPE] = K_RS_TYPE, [N_COMMENT] = K_RS_COMMENT },
	[K_ID] = {
		[N_HEADER_FROM] = K_ID_HF, [N_ENVELOPE_FROM] = K_ID_EF,
		[N_ENVELOPE_TO] = K_ID_ET,
	},
	[K_AR] = { [N_DKIM] = K_AR_DKIM, [N_SPF] = K_AR_SPF },
	[K_AR_DKIM] = {
		[N_DOMAIN] = K_DK_DOMAIN, [N_SELECTOR] = K_DK_SEL,
		[N_RESULT] = K_DK_RESULT, [N_HUMAN_RESULT] = K_DK_HUMAN,
	},
	[K_AR_SPF] = {
		[N_DOMAIN] = K_SP_DOMAIN, [N_SCOPE] = K_SP_SCOPE,
		[N_RESULT] = K_SP_RESULT, [N_HUMAN_RESULT] = K_SP_HUMAN,
	},
};

/* Kinds that are containers; every other known kind holds text. */
static const bool container[K__COUNT] = {
	[K_DOC] = true, [K_FEEDBACK] = true, [K_MD] = true, [K_MD_DR] = true,
	[K_PP] = true, [K_REC] = true, [K_ROW] = true, [K_PE] = true,
	[K_PE_REASON] = true, [K_ID] = true, [K_AR] = true,
	[K_AR_DKIM] = true, [K_AR_SPF] = true,
};

/* Growable array of fixed-size elements, kept across records. */
struct vec {
	void	*v;
	size_t	 n;
	size_t	 cap;
};

/* Our element names as interned in one context's dictionary. */
struct nametab {
	struct {
		const xmlChar	*p;
		unsigned char	 id;
	}		 e[128];
};

struct parser {
	/* Kept from one document to the next (see parse_reset). */
	xmlParserCtxtPtr	 ctxt;		/* the one in use */
	xmlParserCtxtPtr	 push;		/* for streamed documents */
	xmlParserCtxtPtr	 pull;		/* for documents in memory */
	unsigned		 push_docs;	/* documents since created */
	unsigned		 pull_docs;
	struct parse_limits	 lim;
	struct parse_cb		 cb;
	void			*arg;
	xmlSAXHandler		 sax;
	struct nametab		 pushtab, pulltab, *tab;
	struct buf		 text;		/* text of the open leaf */
	struct buf		 fixbuf;	/* recovery: text made UTF-8 */
	struct buf		 rep_ext, rec_ext;
	struct arena		 hdr;		/* the report's strings */
	struct arena		 recmem;	/* the record's strings */
	struct vec		 errors;	/* struct dr_report_error */
	struct vec		 rwarn;		/* struct dr_warning */
	struct vec		 dkims, spfs, reasons, recwarn;

	/* Per document: zeroed by parse_reset, from here to the end. */
	int			 recover;
	struct dr_error		 err;
	bool			 failed;
	bool			 begun;		/* begin callback done */
	bool			 root_done;
	uint64_t		 root_end;
	uint64_t		 fed;		/* bytes given to libxml2 */
	bool			 seen_md, seen_pp;
	bool			 dmarc2_only;	/* an RFC 9990-only element */
	unsigned		 depth;		/* all open elements */
	unsigned		 capture;	/* open unknown elements */
	unsigned		 nkinds;
	unsigned char		 kinds[260];	/* known open elements */
	const char		*lang;		/* lang= of the open leaf */
	char			 langbuf[64];
	char			 recovered[400]; /* first error recovered */
	bool			 finishing;	/* no line numbers in errors */
	struct buf		*ext;		/* where captured XML goes */
	struct dr_report	 rep;
	uint64_t		 rwarn_dropped;
	bool			 text_warned;
	bool			 in_record;
	struct dr_record	 rec;
	bool			 have_count;
	bool			 seen_ip;
	bool			 started;	/* ctxt has this document */
	bool			 terminated;	/* libxml2 told of the end */
};

#define DOC_STATE	offsetof(struct parser, recover)
#define CTXT_DOCS	1000	/* documents before a fresh libxml2 context */

static void	sax_start(void *, const xmlChar *, const xmlChar *,
		    const xmlChar *, int, const xmlChar **, int, int,
		    const xmlChar **);
static void	sax_end(void *, const xmlChar *, const xmlChar *,
		    const xmlChar *);
static void	sax_text(void *, const xmlChar *, int);
static void	sax_doctype(void *, const xmlChar *, const xmlChar *,
		    const xmlChar *);
static void	sax_error(void *, xmlErrorPtr);
static size_t	utf8_len(const unsigned char *, size_t);
static void	fail(struct parser *, enum dr_errcode, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

void
parse_thread_init(void)
{
	xmlSetGenericErrorFunc(NULL, silent);
}

static unsigned
name_hash(const xmlChar *p)
{
	return (unsigned)(((uintptr_t)p * 0x9e3779b97f4a7c15ULL) >> 57);
}

/*
 * libxml2 hands element names out of its dictionary, so a known name
 * always arrives as the same pointer: intern ours once per context and
 * look them up by address. A miss falls back to comparing text, so a
 * name from elsewhere is still recognised.
 */
static void
names_intern(struct nametab *t, xmlDictPtr dict)
{
	unsigned	i, h;

	memset(t, 0, sizeof *t);
	for (i = 1; i < N__COUNT; i++) {
		const xmlChar *d = xmlDictLookup(dict,
		    (const xmlChar *)names[i], -1);
		if (d == NULL)
			continue;
		for (h = name_hash(d); t->e[h].p != NULL; h = (h + 1) & 127)
			;
		t->e[h].p = d;
		t->e[h].id = (unsigned char)i;
	}
}

static enum name
lookup_name(struct parser *p, const xmlChar *s)
{
	const struct nametab	*t = p->tab;
	unsigned		 h, i;

	for (h = name_hash(s); t->e[h].p != NULL; h = (h + 1) & 127)
		if (t->e[h].p == s)
			return (enum name)t->e[h].id;
	for (i = 1; i < N__COUNT; i++)
		if (names[i][0] == s[0] &&
		    strcmp(names[i], (const char *)s) == 0)
			return (enum name)i;
	return N_OTHER;
}

static void *
vec_push(struct vec *v, size_t size, size_t max)
{
	void	*p;
	size_t	 ncap;

	if (v->n >= max)
		return NULL;
	if (v->n == v->cap) {
		ncap = v->cap ? v->cap * 2 : 4;
		p = realloc(v->v, ncap * size);
		if (p == NULL)
			return NULL;
		v->v = p;
		v->cap = ncap;
	}
	p = (char *)v->v + v->n++ * size;
	memset(p, 0, size);
	return p;
}

static void
fail(struct parser *p, enum dr_errcode code, const char *fmt, ...)
{
	va_list	ap;
	char	msg[sizeof p->err.msg - 32];

	if (p->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	p->failed = true;
	p->err.code = code;
	if (p->started && p->ctxt->input != NULL &&
	    code != DR_E_NOMEM && !p->finishing)
		snprintf(p->err.msg, sizeof p->err.msg, "line %d: %s",
		    p->ctxt->input->line, msg);
	else
		snprintf(p->err.msg, sizeof p->err.msg, "%s", msg);
	if (p->started)
		xmlStopParser(p->ctxt);
}

static void
nomem(struct parser *p)
{
	fail(p, DR_E_NOMEM, "out of memory");
}

/*
 * Quote an input value for a message: at most 64 bytes, control bytes,
 * quotes and bytes that are not UTF-8 escaped, so a warning can be
 * printed on a terminal and stored as UTF-8. Characters are not cut.
 */
static const char *
quote(const char *s, char *out, size_t outlen)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i, n, o = 0;

	for (i = 0; u[i] != '\0' && o + 5 < outlen; i += n) {
		n = utf8_len(u + i, strnlen(s + i, 4));
		if (i + (n > 0 ? n : 1) > 64) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (n == 0 || u[i] < 0x20 || u[i] == 0x7f || u[i] == '\'' ||
		    u[i] == '\\') {
			snprintf(out + o, outlen - o, "\\x%02x", u[i]);
			o += 4;
			n = 1;
		} else {
			/* Fits: the loop leaves room for 4 bytes and a NUL. */
			memcpy(out + o, s + i, n);
			o += n;
		}
	}
	out[o] = '\0';
	return out;
}

static void
warn_report(struct parser *p, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
warn_report(struct parser *p, const char *code, const char *fmt, ...)
{
	struct dr_warning	*w;
	char			 msg[512];
	va_list			 ap;

	if (p->rwarn.n >= PARSE_MAX_WARNINGS) {
		p->rwarn_dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	w = vec_push(&p->rwarn, sizeof *w, PARSE_MAX_WARNINGS);
	if (w == NULL) {
		nomem(p);
		return;
	}
	w->code = code;
	w->msg = arena_strndup(&p->hdr, msg, strlen(msg));
	if (w->msg == NULL)
		nomem(p);
}

static void
warn_record(struct parser *p, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
warn_record(struct parser *p, const char *code, const char *fmt, ...)
{
	struct dr_warning	*w;
	char			 msg[512];
	va_list			 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!p->in_record) {
		warn_report(p, code, "%s", msg);
		return;
	}
	w = vec_push(&p->recwarn, sizeof *w, 64);
	if (w == NULL)
		return;		/* more than 64 remarks on one record */
	w->code = code;
	w->msg = arena_printf(&p->recmem, "record %llu: %s",
	    (unsigned long long)p->rec.ordinal, msg);
	if (w->msg == NULL)
		nomem(p);
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t	len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return len;
}

/*
 * Recovery mode only: libxml2 passes bytes that are not UTF-8 through
 * as they are. Decode each such byte as Windows-1252 (the usual culprit:
 * 0x91 is a curly quote) so that the database holds only UTF-8.
 */
static const char *
fix_utf8(struct parser *p, const char *s, size_t *lenp)
{
	static const unsigned short cp1252[32] = {
		0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
		0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
		0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
		0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
	};
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i, n, len = *lenp;
	char			 enc[3];
	unsigned		 c;

	for (i = 0; i < len; i += n)
		if ((n = utf8_len(u + i, len - i)) == 0)
			break;
	if (i == len)
		return s;
	buf_reset(&p->fixbuf);
	for (i = 0; i < len; i += n) {
		n = utf8_len(u + i, len - i);
		if (n > 0) {
			if (buf_add(&p->fixbuf, u + i, n) == -1)
				return NULL;
			continue;
		}
		n = 1;
		c = u[i] < 0xa0 ? cp1252[u[i] - 0x80] : u[i];
		if (c < 0x800) {
			enc[0] = (char)(0xc0 | c >> 6);
			enc[1] = (char)(0x80 | (c & 0x3f));
			if (buf_add(&p->fixbuf, enc, 2) == -1)
				return NULL;
		} else {
			enc[0] = (char)(0xe0 | c >> 12);
			enc[1] = (char)(0x80 | ((c >> 6) & 0x3f));
			enc[2] = (char)(0x80 | (c & 0x3f));
			if (buf_add(&p->fixbuf, enc, 3) == -1)
				return NULL;
		}
	}
	*lenp = p->fixbuf.len;
	return p->fixbuf.data;
}

/* Copy of the leaf text into the right arena; NULL if empty. */
static const char *
keep(struct parser *p, const char *s, size_t len)
{
	const char	*r;

	if (len == 0)
		return NULL;
	if (p->recover && (s = fix_utf8(p, s, &len)) == NULL) {
		nomem(p);
		return NULL;
	}
	r = arena_strndup(p->in_record ? &p->recmem : &p->hdr, s, len);
	if (r == NULL)
		nomem(p);
	return r;
}

static const char *
keep_lang(struct parser *p)
{
	return p->lang == NULL ? NULL : keep(p, p->lang, strlen(p->lang));
}

/* Free text: stored as written; blank text is absent. */
static const char *
leaf_raw(struct parser *p)
{
	size_t	i;

	for (i = 0; i < p->text.len; i++) {
		char c = p->text.data[i];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return keep(p, p->text.data, p->text.len);
	}
	return NULL;
}

static const char *
leaf_domain(struct parser *p)
{
	size_t	len;

	if (p->text.len == 0)
		return NULL;
	len = norm_domain(p->text.data);
	return keep(p, p->text.data, len);
}

/*
 * A record's domain name (header_from, an envelope's, a DKIM or SPF
 * domain, a selector), v: one longer than a name can be (VALID_NAME_MAX
 * bytes) is no name and only junk: flagged, and stored as none, as a
 * source_ip that is no address is. (A key of the sources table holds
 * the header_from: PostgreSQL's index rows take 2,704 bytes at most.)
 */
static const char *
name_ok(struct parser *p, const char *what, const char *v)
{
	char	q[80];
	size_t	len;

	if (v == NULL || (len = strlen(v)) <= VALID_NAME_MAX)
		return v;
	warn_record(p, "domain", "%s '%s' is %zu bytes, longer than a domain "
	    "name; stored as NULL", what, quote(v, q, sizeof q), len);
	return NULL;
}

/*
 * An enumerated value: trimmed and lower-cased; a value outside the
 * enumeration is kept as it is and flagged.
 */
static const char *
leaf_enum(struct parser *p, enum norm_enum e, const char *what,
    bool required)
{
	char	q[80];
	size_t	len = 0;

	if (p->text.len > 0)
		len = norm_lower(p->text.data);
	if (len == 0) {
		if (required)
			warn_record(p, "empty", "%s is empty", what);
		return NULL;
	}
	if (!norm_enum_ok(e, p->text.data))
		warn_record(p, "enum", "%s '%s' is not in the enumeration",
		    what, quote(p->text.data, q, sizeof q));
	return keep(p, p->text.data, len);
}

/*
 * A policy_published value that a DMARC record holds (tag: its name in
 * a record), checked against the record grammar when read. Returns the
 * valid value in canonical form; an invalid one is kept as written
 * (trimmed) in *raw only, and flagged. seen: the element came before
 * (its value, or its raw text, is kept; this one is ignored).
 */
static const char *
leaf_tag(struct parser *p, const char *tag, const char *what, bool seen,
    const char **raw)
{
	char	 why[VALID_WHY], q[80], *t;
	size_t	 len;

	if (p->text.len == 0)
		return NULL;
	t = norm_trim(p->text.data, &len);
	if (len == 0)
		return NULL;
	if (seen) {
		warn_report(p, "duplicate", "second <%s> '%s' ignored, first "
		    "value kept", what, quote(t, q, sizeof q));
		return NULL;
	}
	if (valid_tag(tag, t, why, sizeof why) == 0)
		return keep(p, t, strlen(t));
	warn_report(p, "policy", "%s '%s' is not valid DMARC (%s): kept in "
	    "raw_%s, never in a record", what, quote(t, q, sizeof q), why,
	    what);
	*raw = keep(p, t, len);
	return NULL;
}

/* Set a single-valued field; a second occurrence is flagged, not kept. */
static void
set1(struct parser *p, const char **field, const char *v, const char *what)
{
	char	q[80];

	if (*field != NULL) {
		if (v != NULL)
			warn_record(p, "duplicate",
			    "second <%s> '%s' ignored, first value kept",
			    what, quote(v, q, sizeof q));
		return;
	}
	*field = v;
}

static void
leaf_time(struct parser *p, int64_t *field, const char *what)
{
	char	q[80];

	if (norm_time(p->text.len ? p->text.data : "", field) == -1) {
		fail(p, DR_E_REPORT, "<%s> '%s' is not a time in seconds "
		    "since the epoch", what,
		    quote(p->text.len ? p->text.data : "", q, sizeof q));
		return;
	}
	/* Far beyond any report, and beyond what gmtime_r can show. */
	if (*field > PARSE_MAX_TIME)
		fail(p, DR_E_REPORT, "<%s> %lld is after 2099-12-31, not a "
		    "plausible time%s (dmarcdb(1), LIMITS)", what,
		    (long long)*field, *field / 1000 >= DMARC_EPOCH &&
		    *field / 1000 <= PARSE_MAX_TIME ?
		    " (milliseconds, not seconds?)" : "");
}

static void
end_leaf(struct parser *p, enum kind k)
{
	struct dr_report	*r = &p->rep;
	struct dr_record	*rec = &p->rec;
	struct dr_dkim		*dk;
	struct dr_spf		*sp;
	struct dr_reason	*rs;
	char			 ip[NORM_IP_MAX], q[80];
	const char		*v;
	uint64_t		 u;

	dk = p->dkims.n ? (struct dr_dkim *)p->dkims.v + p->dkims.n - 1 : NULL;
	sp = p->spfs.n ? (struct dr_spf *)p->spfs.v + p->spfs.n - 1 : NULL;
	rs = p->reasons.n ?
	    (struct dr_reason *)p->reasons.v + p->reasons.n - 1 : NULL;
	if (p->text.data == NULL && buf_add(&p->text, "", 0) == -1) {
		nomem(p);
		return;
	}

	switch (k) {
	case K_VERSION:
		if (p->text.len > 0) {
			size_t len;
			char *t = norm_trim(p->text.data, &len);
			set1(p, &r->version, keep(p, t, len), "version");
		}
		break;
	case K_MD_ORG:
		set1(p, &r->org_name, leaf_raw(p), "org_name");
		break;
	case K_MD_EMAIL:
		set1(p, &r->email, leaf_raw(p), "email");
		break;
	case K_MD_ECI:
		if (r->extra_contact_info == NULL)
			r->extra_contact_info_lang = keep_lang(p);
		set1(p, &r->extra_contact_info, leaf_raw(p),
		    "extra_contact_info");
		break;
	case K_MD_RID:
		set1(p, &r->report_id, leaf_raw(p), "report_id");
		break;
	case K_MD_GEN:
		set1(p, &r->generator, leaf_raw(p), "generator");
		break;
	case K_MD_ERROR:
		if ((v = leaf_raw(p)) != NULL) {
			struct dr_report_error *e;
			e = vec_push(&p->errors, sizeof *e, PARSE_MAX_ERRORS);
			if (e == NULL) {
				if (p->errors.n >= PARSE_MAX_ERRORS)
					fail(p, DR_E_LIMIT, "more than %d "
					    "<error> elements", PARSE_MAX_ERRORS);
				else
					nomem(p);
				break;
			}
			e->msg = v;
			e->lang = keep_lang(p);
		}
		break;
	case K_DR_BEGIN:
		if (r->begin != -1)
			warn_report(p, "duplicate", "second <begin> ignored");
		else
			leaf_time(p, &r->begin, "begin");
		break;
	case K_DR_END:
		if (r->end != -1)
			warn_report(p, "duplicate", "second <end> ignored");
		else
			leaf_time(p, &r->end, "end");
		break;
	case K_PP_DOMAIN:
		set1(p, &r->domain, leaf_domain(p), "domain");
		break;
	case K_PP_ADKIM:
		v = leaf_tag(p, "adkim", "adkim", r->adkim || r->raw_adkim,
		    &r->raw_adkim);
		if (v != NULL)
			r->adkim = v;
		break;
	case K_PP_ASPF:
		v = leaf_tag(p, "aspf", "aspf", r->aspf || r->raw_aspf,
		    &r->raw_aspf);
		if (v != NULL)
			r->aspf = v;
		break;
	case K_PP_P:
		v = leaf_tag(p, "p", "p", r->p || r->raw_p, &r->raw_p);
		if (v != NULL)
			r->p = v;
		break;
	case K_PP_SP:
		v = leaf_tag(p, "sp", "sp", r->sp || r->raw_sp, &r->raw_sp);
		if (v != NULL)
			r->sp = v;
		break;
	case K_PP_NP:
		v = leaf_tag(p, "np", "np", r->np || r->raw_np, &r->raw_np);
		if (v != NULL)
			r->np = v;
		break;
	case K_PP_FO:
		v = leaf_tag(p, "fo", "fo", r->fo || r->raw_fo, &r->raw_fo);
		if (v != NULL)
			r->fo = v;
		break;
	case K_PP_TESTING:
		/* <testing> is the record's t= (RFC 9990). */
		v = leaf_tag(p, "t", "testing", r->testing || r->raw_testing,
		    &r->raw_testing);
		if (v != NULL)
			r->testing = v;
		break;
	case K_PP_DISC:
		set1(p, &r->discovery_method, leaf_enum(p, NE_DISCOVERY,
		    "discovery_method", false), "discovery_method");
		break;
	case K_PP_PCT:
		v = leaf_tag(p, "pct", "pct", r->pct != -1 || r->raw_pct,
		    &r->raw_pct);
		if (v != NULL)
			r->pct = strtoll(v, NULL, 10);
		break;
	case K_ROW_IP:
		if (p->seen_ip) {
			warn_record(p, "duplicate", "second <source_ip> "
			    "ignored");
			break;
		}
		p->seen_ip = true;
		v = norm_trim(p->text.data, NULL);
		if (*v == '\0')
			warn_record(p, "ip", "source_ip is empty; stored as "
			    "NULL");
		else if (norm_ip(v, ip) == 0)
			rec->source_ip = keep(p, ip, strlen(ip));
		else
			warn_record(p, "ip", "source_ip '%s' is not an IP "
			    "address; stored as NULL", quote(v, q, sizeof q));
		break;
	case K_ROW_COUNT:
		if (p->have_count) {
			warn_record(p, "duplicate", "second <count> ignored");
			break;
		}
		v = norm_trim(p->text.data, NULL);
		if (norm_uint(v, PARSE_MAX_COUNT, &u) == -1) {
			if (*v != '\0' && strspn(v, "0123456789") ==
			    strlen(v))
				fail(p, DR_E_LIMIT, "record %llu: <count> %s "
				    "is more than %llu, the most one record "
				    "may count (dmarcdb(1), LIMITS)",
				    (unsigned long long)rec->ordinal,
				    quote(v, q, sizeof q), PARSE_MAX_COUNT);
			else
				fail(p, DR_E_REPORT, "record %llu: <count> "
				    "'%s' is not a whole number",
				    (unsigned long long)rec->ordinal,
				    quote(v, q, sizeof q));
			break;
		}
		rec->count = (int64_t)u;
		p->have_count = true;
		break;
	case K_PE_DISP:
		set1(p, &rec->disposition, leaf_enum(p, NE_DISPOSITION,
		    "disposition", true), "disposition");
		break;
	case K_PE_DKIM:
		set1(p, &rec->dkim, leaf_enum(p, NE_PASSFAIL,
		    "policy_evaluated dkim", true), "dkim");
		break;
	case K_PE_SPF:
		set1(p, &rec->spf, leaf_enum(p, NE_PASSFAIL,
		    "policy_evaluated spf", true), "spf");
		break;
	case K_RS_TYPE:
		if (rs != NULL)
			set1(p, &rs->type, leaf_enum(p, NE_REASON,
			    "reason type", true), "type");
		break;
	case K_RS_COMMENT:
		if (rs != NULL) {
			if (rs->comment == NULL)
				rs->comment_lang = keep_lang(p);
			set1(p, &rs->comment, leaf_raw(p), "comment");
		}
		break;
	case K_ID_HF:
		set1(p, &rec->header_from, name_ok(p, "header_from",
		    leaf_domain(p)), "header_from");
		break;
	case K_ID_EF:
		/* Present but empty, or "<>": the null reverse-path. */
		if (rec->envelope_from != NULL) {
			warn_record(p, "duplicate", "second <envelope_from> "
			    "ignored");
			break;
		}
		v = leaf_domain(p);
		if (v == NULL || strcmp(v, "<>") == 0)
			v = "";
		rec->envelope_from = name_ok(p, "envelope_from", v);
		break;
	case K_ID_ET:
		set1(p, &rec->envelope_to, name_ok(p, "envelope_to",
		    leaf_domain(p)), "envelope_to");
		break;
	case K_DK_DOMAIN:
		if (dk != NULL)
			set1(p, &dk->domain, name_ok(p, "dkim domain",
			    leaf_domain(p)), "domain");
		break;
	case K_DK_SEL:
		if (dk != NULL)
			set1(p, &dk->selector, name_ok(p, "dkim selector",
			    leaf_domain(p)), "selector");
		break;
	case K_DK_RESULT:
		if (dk != NULL)
			set1(p, &dk->result, leaf_enum(p, NE_DKIM_RESULT,
			    "dkim result", true), "result");
		break;
	case K_DK_HUMAN:
		if (dk != NULL) {
			if (dk->human_result == NULL)
				dk->human_result_lang = keep_lang(p);
			set1(p, &dk->human_result, leaf_raw(p),
			    "human_result");
		}
		break;
	case K_SP_DOMAIN:
		if (sp != NULL)
			set1(p, &sp->domain, name_ok(p, "spf domain",
			    leaf_domain(p)), "domain");
		break;
	case K_SP_SCOPE:
		if (sp != NULL)
			set1(p, &sp->scope, leaf_enum(p, NE_SPF_SCOPE,
			    "spf scope", false), "scope");
		break;
	case K_SP_RESULT:
		if (sp != NULL)
			set1(p, &sp->result, leaf_enum(p, NE_SPF_RESULT,
			    "spf result", true), "result");
		break;
	case K_SP_HUMAN:
		if (sp != NULL) {
			if (sp->human_result == NULL)
				sp->human_result_lang = keep_lang(p);
			set1(p, &sp->human_result, leaf_raw(p),
			    "human_result");
		}
		break;
	default:
		break;
	}
}

/*
 * Recovery mode: make captured XML UTF-8. Its text was made so as it
 * came, but element and attribute names and attribute values can hold
 * bytes that are not UTF-8 too. Returns 0, or -1 out of memory.
 */
static int
ext_utf8(struct parser *p, struct buf *b)
{
	const char	*s;
	size_t		 len = b->len;

	if (!p->recover || len == 0)
		return 0;
	s = fix_utf8(p, b->data, &len);
	if (s == NULL)
		return -1;
	if (s == b->data)
		return 0;
	buf_reset(b);
	return buf_add(b, s, len);
}

/* Hand the header to the begin callback, once. */
static void
begin_report(struct parser *p)
{
	if (p->begun || p->failed)
		return;
	p->begun = true;
	if (p->cb.begin != NULL && p->cb.begin(p->arg, &p->rep, &p->err) == -1)
		fail(p, p->err.code, "%s", p->err.msg);
}

static void
start_record(struct parser *p)
{
	begin_report(p);
	if (p->failed)
		return;
	if (p->rep.nrecords >= p->lim.max_records) {
		fail(p, DR_E_LIMIT, "more than %llu records in one report "
		    "(--max-records)", (unsigned long long)p->lim.max_records);
		return;
	}
	arena_reset(&p->recmem);
	memset(&p->rec, 0, sizeof p->rec);
	p->rec.ordinal = p->rep.nrecords + 1;
	p->rec.count = 0;
	p->have_count = false;
	p->seen_ip = false;
	p->dkims.n = p->spfs.n = p->reasons.n = p->recwarn.n = 0;
	buf_reset(&p->rec_ext);
	p->in_record = true;
}

static void
end_record(struct parser *p)
{
	struct dr_record	*rec = &p->rec;

	if (!p->have_count) {
		fail(p, DR_E_REPORT, "record %llu has no <count>",
		    (unsigned long long)rec->ordinal);
		return;
	}
	if (!p->seen_ip)
		warn_record(p, "ip", "no source_ip; stored as NULL");
	if (rec->header_from == NULL)
		warn_record(p, "missing", "no header_from");
	if (ext_utf8(p, &p->rec_ext) == -1) {
		nomem(p);
		return;
	}
	rec->extensions = p->rec_ext.len ? p->rec_ext.data : NULL;
	rec->dkims = p->dkims.v;
	rec->ndkims = p->dkims.n;
	rec->spfs = p->spfs.v;
	rec->nspfs = p->spfs.n;
	rec->reasons = p->reasons.v;
	rec->nreasons = p->reasons.n;
	rec->warnings = p->recwarn.v;
	rec->nwarnings = p->recwarn.n;
	/* Sums of counts stay far below 2^63 (dmarcdb(1), LIMITS). */
	if (p->rep.nmessages + (uint64_t)rec->count > PARSE_MAX_MESSAGES) {
		fail(p, DR_E_LIMIT, "record %llu: the records count more than "
		    "%llu messages in all, the most one report may count "
		    "(dmarcdb(1), LIMITS)", (unsigned long long)rec->ordinal,
		    PARSE_MAX_MESSAGES);
		return;
	}
	p->rep.nrecords++;
	p->rep.nmessages += (uint64_t)rec->count;
	if (p->cb.record != NULL && p->cb.record(p->arg, rec, &p->err) == -1)
		fail(p, p->err.code, "%s", p->err.msg);
	p->in_record = false;
}

/* Append s, escaped for XML, to the capture buffer. */
static int
ext_escape(struct parser *p, const char *s, size_t n, bool attr)
{
	struct buf	*b = p->ext;
	size_t		 i, start = 0;
	const char	*rep;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = attr ? "&quot;" : NULL; break;
		default: rep = NULL; break;
		}
		if (rep == NULL)
			continue;
		if (buf_add(b, s + start, i - start) == -1 ||
		    buf_adds(b, rep) == -1)
			return -1;
		start = i + 1;
	}
	return buf_add(b, s + start, n - start);
}

static int
ext_check(struct parser *p)
{
	if (p->ext->len > p->lim.max_text) {
		fail(p, DR_E_LIMIT, "unknown elements hold more than %zu "
		    "bytes of XML (--max-text)", p->lim.max_text);
		return -1;
	}
	return 0;
}

static int
ext_name(struct buf *b, const xmlChar *prefix, const xmlChar *local)
{
	if (prefix != NULL && (buf_adds(b, (const char *)prefix) == -1 ||
	    buf_addc(b, ':') == -1))
		return -1;
	return buf_adds(b, (const char *)local);
}

/* Serialise a start tag of an unknown element. */
static void
ext_start(struct parser *p, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int nattr,
    const xmlChar **attr)
{
	struct buf	*b = p->ext;
	bool		 declared = false;
	int		 i, rc = 0;

	rc |= buf_addc(b, '<');
	rc |= ext_name(b, prefix, local);
	for (i = 0; i < nns; i++) {
		const xmlChar *np = ns[2 * i], *nu = ns[2 * i + 1];
		if ((np == NULL && prefix == NULL) ||
		    (np != NULL && prefix != NULL &&
		    strcmp((const char *)np, (const char *)prefix) == 0))
			declared = true;
		rc |= buf_adds(b, np ? " xmlns:" : " xmlns");
		if (np != NULL)
			rc |= buf_adds(b, (const char *)np);
		rc |= buf_adds(b, "=\"");
		rc |= ext_escape(p, (const char *)nu, strlen((const char *)nu),
		    true);
		rc |= buf_addc(b, '"');
	}
	/* The outermost captured element carries its own namespace. */
	if (p->capture == 1 && uri != NULL && !declared) {
		rc |= buf_adds(b, prefix ? " xmlns:" : " xmlns");
		if (prefix != NULL)
			rc |= buf_adds(b, (const char *)prefix);
		rc |= buf_adds(b, "=\"");
		rc |= ext_escape(p, (const char *)uri, strlen((const char *)uri),
		    true);
		rc |= buf_addc(b, '"');
	}
	for (i = 0; i < nattr; i++) {
		const xmlChar **a = attr + 5 * i;
		rc |= buf_addc(b, ' ');
		rc |= ext_name(b, a[1], a[0]);
		rc |= buf_adds(b, "=\"");
		rc |= ext_escape(p, (const char *)a[3], (size_t)(a[4] - a[3]),
		    true);
		rc |= buf_addc(b, '"');
	}
	rc |= buf_addc(b, '>');
	if (rc != 0)
		nomem(p);
	else
		ext_check(p);
}

static const char *
find_lang(int nattr, const xmlChar **attr, char *out, size_t outlen)
{
	int	i;
	size_t	n;

	for (i = 0; i < nattr; i++) {
		const xmlChar **a = attr + 5 * i;
		if (strcmp((const char *)a[0], "lang") != 0)
			continue;
		n = (size_t)(a[4] - a[3]);
		if (n >= outlen) {
			/* Cut before a character, never inside one. */
			n = outlen - 1;
			while (n > 0 && (a[3][n] & 0xc0) == 0x80)
				n--;
		}
		memcpy(out, a[3], n);
		out[n] = '\0';
		return out;
	}
	return NULL;
}

static void
sax_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri, int nns, const xmlChar **ns, int nattr, int ndef,
    const xmlChar **attr)
{
	struct parser	*p = ctx;
	enum kind	 parent, k;
	enum name	 n;

	(void)ndef;
	if (p->failed)
		return;
	if (++p->depth > p->lim.max_depth) {
		fail(p, DR_E_LIMIT, "elements nested deeper than %u "
		    "(--max-depth)", p->lim.max_depth);
		return;
	}
	if (p->capture > 0) {
		p->capture++;
		ext_start(p, local, prefix, uri, nns, ns, nattr, attr);
		return;
	}

	parent = (enum kind)p->kinds[p->nkinds - 1];
	n = lookup_name(p, local);
	k = (enum kind)trans[parent][n];

	if (parent == K_DOC) {
		if (k != K_FEEDBACK) {
			fail(p, DR_E_NOTREPORT, "root element is <%s>, not "
			    "<feedback>: not a DMARC aggregate report",
			    (const char *)local);
			return;
		}
		if (uri != NULL) {
			/* Through keep(): UTF-8 in recovery mode too. */
			p->rep.xmlns = keep(p, (const char *)uri,
			    strlen((const char *)uri));
			if (p->failed)
				return;
		}
	}

	/* A second report_metadata or policy_published is kept raw. */
	if (k == K_MD) {
		if (p->seen_md) {
			warn_report(p, "duplicate", "second <report_metadata> "
			    "kept as an extension, first one used");
			k = K_UNKNOWN;
		}
		p->seen_md = true;
	} else if (k == K_PP) {
		if (p->seen_pp) {
			warn_report(p, "duplicate", "second "
			    "<policy_published> kept as an extension, first "
			    "one used");
			k = K_UNKNOWN;
		}
		p->seen_pp = true;
	} else if (k == K_ID && n == N_IDENTITIES) {
		warn_record(p, "identities", "<identities> used for "
		    "<identifiers>");
	}

	if (n == N_GENERATOR || n == N_TESTING || n == N_DISCOVERY_METHOD)
		p->dmarc2_only = true;

	if (k == K_UNKNOWN) {
		p->ext = p->in_record ? &p->rec_ext : &p->rep_ext;
		p->capture = 1;
		ext_start(p, local, prefix, uri, nns, ns, nattr, attr);
		return;
	}

	p->kinds[p->nkinds++] = (unsigned char)k;
	switch (k) {
	case K_REC:
		start_record(p);
		break;
	case K_AR_DKIM:
		if (vec_push(&p->dkims, sizeof(struct dr_dkim),
		    PARSE_MAX_AUTH) == NULL)
			fail(p, DR_E_LIMIT, "record %llu has more than %d DKIM "
			    "results", (unsigned long long)p->rec.ordinal,
			    PARSE_MAX_AUTH);
		break;
	case K_AR_SPF:
		if (vec_push(&p->spfs, sizeof(struct dr_spf),
		    PARSE_MAX_AUTH) == NULL)
			fail(p, DR_E_LIMIT, "record %llu has more than %d SPF "
			    "results", (unsigned long long)p->rec.ordinal,
			    PARSE_MAX_AUTH);
		break;
	case K_PE_REASON:
		if (vec_push(&p->reasons, sizeof(struct dr_reason),
		    PARSE_MAX_REASONS) == NULL)
			fail(p, DR_E_LIMIT, "record %llu has more than %d "
			    "override reasons", (unsigned long long)
			    p->rec.ordinal, PARSE_MAX_REASONS);
		break;
	default:
		if (!container[k]) {
			buf_reset(&p->text);
			p->lang = find_lang(nattr, attr, p->langbuf,
			    sizeof p->langbuf);
		}
		break;
	}
}

static void
sax_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
    const xmlChar *uri)
{
	struct parser	*p = ctx;
	enum kind	 k;
	long		 consumed;

	(void)uri;
	if (p->failed)
		return;
	p->depth--;
	if (p->capture > 0) {
		p->capture--;
		if (buf_adds(p->ext, "</") == -1 ||
		    ext_name(p->ext, prefix, local) == -1 ||
		    buf_addc(p->ext, '>') == -1)
			nomem(p);
		else
			ext_check(p);
		return;
	}
	k = (enum kind)p->kinds[--p->nkinds];
	if (!container[k]) {
		end_leaf(p, k);
		p->lang = NULL;
		buf_reset(&p->text);
		return;
	}
	switch (k) {
	case K_REC:
		end_record(p);
		break;
	case K_FEEDBACK:
		/* Stop here: what follows the root is looked at by caller. */
		p->root_done = true;
		/*
		 * libxml2 counts in the input's encoding by encoding back
		 * what it has not parsed yet, and says -1 when that does
		 * not add up (UTF-7, say): then take it that the root
		 * ended with the bytes given so far.
		 */
		consumed = xmlByteConsumed(p->ctxt);
		p->root_end = consumed < 0 || (uint64_t)consumed > p->fed ?
		    p->fed : (uint64_t)consumed;
		xmlStopParser(p->ctxt);
		break;
	default:
		break;
	}
}

static void
sax_text(void *ctx, const xmlChar *s, int len)
{
	struct parser	*p = ctx;
	enum kind	 k;
	int		 i;

	if (p->failed)
		return;
	if (p->capture > 0) {
		size_t n = (size_t)len;
		const char *t = (const char *)s;
		if (p->recover && (t = fix_utf8(p, t, &n)) == NULL) {
			nomem(p);
			return;
		}
		if (ext_escape(p, t, n, false) == -1)
			nomem(p);
		else
			ext_check(p);
		return;
	}
	k = (enum kind)p->kinds[p->nkinds - 1];
	if (container[k]) {
		if (p->text_warned)
			return;
		for (i = 0; i < len; i++) {
			if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' &&
			    s[i] != '\r') {
				warn_report(p, "text", "text outside of any "
				    "value ignored");
				p->text_warned = true;
				break;
			}
		}
		return;
	}
	if (p->text.len + (size_t)len > p->lim.max_text) {
		fail(p, DR_E_LIMIT, "a text value is longer than %zu bytes "
		    "(--max-text)", p->lim.max_text);
		return;
	}
	if (buf_add(&p->text, s, (size_t)len) == -1)
		nomem(p);
}

static void
sax_doctype(void *ctx, const xmlChar *name, const xmlChar *eid,
    const xmlChar *sid)
{
	struct parser	*p = ctx;

	(void)name;
	(void)eid;
	(void)sid;
	fail(p, DR_E_XML, "document has a DOCTYPE declaration: refused "
	    "(DMARC reports have none; DTDs and entities are not loaded)");
}

static void
sax_error(void *ctx, xmlErrorPtr e)
{
	struct parser	*p = ctx;
	char		 msg[300];
	size_t		 len, i;

	if (p->failed || e == NULL || e->level < XML_ERR_ERROR ||
	    e->code == XML_ERR_USER_STOP)
		return;
	snprintf(msg, sizeof msg, "%s", e->message ? e->message : "error");
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	for (i = 0; i < len; i++)	/* one line */
		if (msg[i] == '\n' || msg[i] == '\r')
			msg[i] = ' ';
	if (p->recover) {
		/* Keep going; the report is flagged with the first error. */
		if (p->recovered[0] == '\0')
			snprintf(p->recovered, sizeof p->recovered, "line %d, "
			    "column %d: %s", e->line, e->int2, msg);
		return;
	}
	p->failed = true;
	p->err.code = DR_E_XML;
	snprintf(p->err.msg, sizeof p->err.msg, "XML not well-formed: line "
	    "%d, column %d: %s", e->line, e->int2, msg);
	if (p->started)
		xmlStopParser(p->ctxt);
}

void
parse_reset(struct parser *p)
{
	int	recover = p->recover;

	memset((char *)p + DOC_STATE, 0, sizeof *p - DOC_STATE);
	p->recover = recover;
	p->rep.begin = p->rep.end = -1;
	p->rep.pct = -1;
	p->kinds[p->nkinds++] = K_DOC;
	buf_reset(&p->text);
	buf_reset(&p->fixbuf);
	buf_reset(&p->rep_ext);
	buf_reset(&p->rec_ext);
	arena_reset(&p->hdr);
	arena_reset(&p->recmem);
	p->errors.n = p->rwarn.n = 0;
	p->dkims.n = p->spfs.n = p->reasons.n = p->recwarn.n = 0;
}

struct parser *
parse_new(const struct parse_limits *lim, const struct parse_cb *cb,
    void *arg, int recover)
{
	struct parser	*p;

	p = calloc(1, sizeof *p);
	if (p == NULL)
		return NULL;
	p->lim = *lim;
	if (p->lim.max_depth > 256)
		p->lim.max_depth = 256;
	p->cb = *cb;
	p->arg = arg;
	p->recover = recover;
	p->sax.initialized = XML_SAX2_MAGIC;
	p->sax.startElementNs = sax_start;
	p->sax.endElementNs = sax_end;
	p->sax.characters = sax_text;
	p->sax.cdataBlock = sax_text;
	p->sax.ignorableWhitespace = sax_text;
	p->sax.internalSubset = sax_doctype;
	p->sax.externalSubset = sax_doctype;
	p->sax.serror = sax_error;
	parse_reset(p);
	return p;
}

static int
parse_options(const struct parser *p)
{
	int	opts;

	/*
	 * No NOENT (it would substitute entities), no DTDLOAD, no HUGE, no
	 * XINCLUDE. NONET for builds that still have network clients.
	 */
	opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
#if LIBXML_VERSION >= 21300
	opts |= XML_PARSE_NO_XXE;
#endif
	if (p->recover)
		opts |= XML_PARSE_RECOVER;
	return opts;
}

/*
 * The push context is given the first bytes, so that it can detect the
 * encoding from them (a UTF-16 byte order mark, say). Both contexts are
 * reused for the next documents, which keeps their dictionaries and
 * buffers, but made anew now and then so that a dictionary of names
 * cannot grow without bound.
 */
static int
start_push(struct parser *p, const char *buf, size_t len)
{
	if (p->push != NULL && p->push_docs < CTXT_DOCS) {
		if (xmlCtxtResetPush(p->push, buf, (int)len, NULL, NULL) != 0) {
			nomem(p);
			return -1;
		}
		p->push_docs++;
	} else {
		if (p->push != NULL)
			xmlFreeParserCtxt(p->push);
		p->push = xmlCreatePushParserCtxt(&p->sax, p, buf, (int)len,
		    NULL);
		if (p->push == NULL) {
			nomem(p);
			return -1;
		}
		p->push_docs = 1;
		names_intern(&p->pushtab, p->push->dict);
	}
	p->ctxt = p->push;
	p->tab = &p->pushtab;
	p->started = true;
	xmlCtxtUseOptions(p->ctxt, parse_options(p));
	return 0;
}

/*
 * A whole document in memory: libxml2's pull parser, which is faster
 * than pushing (no state machine between tokens), with our handlers.
 */
static void
parse_pull(struct parser *p, const char *buf, size_t len)
{
	xmlDocPtr	doc;

	if (p->pull == NULL || p->pull_docs >= CTXT_DOCS) {
		if (p->pull != NULL)
			xmlFreeParserCtxt(p->pull);
		p->pull = xmlNewParserCtxt();
		if (p->pull == NULL) {
			nomem(p);
			return;
		}
		*p->pull->sax = p->sax;
		p->pull->userData = p;
		p->pull_docs = 0;
		names_intern(&p->pulltab, p->pull->dict);
	}
	p->pull_docs++;
	p->ctxt = p->pull;
	p->tab = &p->pulltab;
	p->started = true;
	p->terminated = true;
	/*
	 * libxml2 copies the bytes. Its static input buffers would avoid
	 * that, but in 2.9 they break the matching of end tags.
	 */
	doc = xmlCtxtReadMemory(p->pull, buf, (int)len, NULL, NULL,
	    parse_options(p));
	if (doc != NULL)	/* never: no handler builds a tree */
		xmlFreeDoc(doc);
}

/*
 * With last set, this is the end of the document: libxml2 is told so
 * with the chunk, which spares it scanning ahead for the end of every
 * tag before parsing it.
 */
static int
feed(struct parser *p, const char *buf, size_t len, int last,
    struct dr_error *err)
{
	const size_t	step = 1U << 30;
	size_t		n;

	if (last && !p->started && !p->failed && len <= INT_MAX) {
		p->fed = len;
		parse_pull(p, buf, len);
		len = 0;
	}
	if (!p->started && !p->failed && len > 0) {
		n = len < 4 ? len : 4;
		if (start_push(p, buf, n) == 0) {
			p->fed += n;
			buf += n;
			len -= n;
		}
	}
	while (!p->failed && !p->root_done && len > 0) {
		n = len < step ? len : step;
		p->fed += n;
		xmlParseChunk(p->ctxt, buf, (int)n, last && n == len);
		if (last && n == len)
			p->terminated = true;
		buf += n;
		len -= n;
	}
	if (p->failed) {
		*err = p->err;
		return -1;
	}
	return 0;
}

int
parse_feed(struct parser *p, const char *buf, size_t len,
    struct dr_error *err)
{
	return feed(p, buf, len, 0, err);
}

int
parse_feed_last(struct parser *p, const char *buf, size_t len,
    struct dr_error *err)
{
	return feed(p, buf, len, 1, err);
}

static void
finish_checks(struct parser *p)
{
	struct dr_report	*r = &p->rep;
	char			 who[256];
	time_t			 now = time(NULL);

	if (r->report_id == NULL) {
		fail(p, DR_E_REPORT, "report has no <report_id>");
		return;
	}
	if (r->begin == -1 || r->end == -1) {
		fail(p, DR_E_REPORT, "report has no <date_range> <%s>",
		    r->begin == -1 ? "begin" : "end");
		return;
	}
	if (r->domain == NULL) {
		fail(p, DR_E_REPORT, "report has no <policy_published> "
		    "<domain>");
		return;
	}
	{
		char why[VALID_WHY], q[80];
		if (valid_hostname(r->domain, why, sizeof why) == -1) {
			fail(p, DR_E_REPORT, "policy domain '%s' is not a "
			    "host name: %s", quote(r->domain, q, sizeof q),
			    why);
			return;
		}
	}
	{
		char *rid = arena_strndup(&p->hdr, r->report_id,
		    strlen(r->report_id));
		if (rid == NULL) {
			nomem(p);
			return;
		}
		if (norm_report_id(rid) == 0) {
			fail(p, DR_E_REPORT, "<report_id> is empty");
			return;
		}
		r->report_id_norm = rid;
	}
	norm_reporter(r->org_name, r->email, who, sizeof who);
	r->reporter = arena_strndup(&p->hdr, who, strlen(who));
	if (r->reporter == NULL) {
		nomem(p);
		return;
	}
	if (who[0] == '\0')
		warn_report(p, "reporter", "report names no reporter "
		    "(no org_name, no email)");
	if (r->end < r->begin)
		warn_report(p, "date_range", "date range ends before it "
		    "begins");
	else if (r->end - r->begin > WEEK)
		warn_report(p, "date_range", "date range is longer than 7 "
		    "days (%lld hours)", (long long)(r->end - r->begin) / 3600);
	if (r->begin < DMARC_EPOCH)
		warn_report(p, "date_range", "date range begins before 2012");
	if (r->end > (int64_t)now + 2 * 86400)
		warn_report(p, "date_range", "date range ends in the future");
	if (!p->seen_pp)
		warn_report(p, "missing", "no <policy_published>");
	if (r->p == NULL && r->raw_p == NULL)
		warn_report(p, "missing", "no policy <p>");
	if (r->nrecords == 0)
		warn_report(p, "missing", "report has no records");
	if (r->xmlns != NULL && strcmp(r->xmlns, NS_DMARC2) == 0)
		r->schema = DR_SCHEMA_RFC9990;
	else if (p->dmarc2_only)
		r->schema = DR_SCHEMA_RFC9990;
	else
		r->schema = DR_SCHEMA_RFC7489;
	if (p->recovered[0] != '\0')
		warn_report(p, "recovered", "not well-formed XML, read in "
		    "recovery mode: %s", p->recovered);
	if (p->rwarn_dropped > 0) {
		p->rwarn.n--;	/* make room for the summary */
		warn_report(p, "warnings", "%llu more warnings not kept",
		    (unsigned long long)p->rwarn_dropped + 1);
	}
}

int
parse_finish(struct parser *p, const struct dr_report **rep,
    struct dr_error *err)
{
	struct dr_report	*r = &p->rep;

	if (!p->failed && !p->root_done && p->started && !p->terminated)
		xmlParseChunk(p->ctxt, NULL, 0, 1);
	if (!p->failed && !p->root_done) {
		if (p->recovered[0] != '\0')
			fail(p, DR_E_XML, "XML not well-formed, not "
			    "recoverable: %s", p->recovered);
		else if (p->depth > 0)
			fail(p, DR_E_XML, "document ends before </feedback>: "
			    "truncated");
		else
			fail(p, DR_E_FORMAT, "no XML element found");
	}
	if (p->failed)
		goto bad;
	p->finishing = true;
	finish_checks(p);
	if (p->failed)
		goto bad;
	r->errors = p->errors.v;
	r->nerrors = p->errors.n;
	if (ext_utf8(p, &p->rep_ext) == -1) {
		nomem(p);
		goto bad;
	}
	r->extensions = p->rep_ext.len ? p->rep_ext.data : NULL;
	begin_report(p);
	if (p->failed)
		goto bad;
	r->warnings = p->rwarn.v;
	r->nwarnings = p->rwarn.n;
	*rep = r;
	return 0;
bad:
	*err = p->err;
	return -1;
}

uint64_t
parse_root_end(const struct parser *p)
{
	return p->root_done ? p->root_end : 0;
}

void
parse_free(struct parser *p)
{
	if (p == NULL)
		return;
	if (p->push != NULL)
		xmlFreeParserCtxt(p->push);
	if (p->pull != NULL)
		xmlFreeParserCtxt(p->pull);
	buf_free(&p->text);
	buf_free(&p->fixbuf);
	buf_free(&p->rep_ext);
	buf_free(&p->rec_ext);
	arena_free(&p->hdr);
	arena_free(&p->recmem);
	free(p->errors.v);
	free(p->rwarn.v);
	free(p->dkims.v);
	free(p->spfs.v);
	free(p->reasons.v);
	free(p->recwarn.v);
	free(p);
}
