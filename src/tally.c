/*
 * tally.c: a record's signature, encoded and evaluated.
 *
 * Encoding: every string is a 32-bit length (NO_STR for NULL) and its
 * bytes; lists are a 32-bit count and their items. A signature is the
 * report's alignment modes ("r" or "s", for adkim and aspf) followed
 * by the record part:
 *
 *	header_from, receiver dkim, receiver spf, disposition,
 *	reasons (sorted), DKIM results (sorted: domain, selector, result),
 *	SPF results (sorted: domain, scope, result)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

#define NO_STR	UINT32_MAX
#define DAY	86400

/* Sort scratch. */
struct tally {
	const void	**ptrs;
	size_t		 nptrs;
};

struct tally *
tally_new(void)
{
	return calloc(1, sizeof(struct tally));
}

void
tally_free(struct tally *t)
{
	if (t == NULL)
		return;
	free(t->ptrs);
	free(t);
}

static int
put_u32(struct buf *b, uint32_t v)
{
	unsigned char	x[4];

	x[0] = (unsigned char)(v >> 24);
	x[1] = (unsigned char)(v >> 16);
	x[2] = (unsigned char)(v >> 8);
	x[3] = (unsigned char)v;
	return buf_add(b, x, 4);
}

static int
put_str(struct buf *b, const char *s)
{
	size_t	n;

	if (s == NULL)
		return put_u32(b, NO_STR);
	n = strlen(s);
	if (n >= NO_STR)
		n = NO_STR - 1;		/* cannot happen: text is capped */
	if (put_u32(b, (uint32_t)n) == -1)
		return -1;
	return buf_add(b, s, n);
}

/* NULL sorts first. */
static int
strcmp_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/*
 * Whether a word of comment (at w, n bytes, lower case) starts with the
 * word stem.
 */
static int
word_is(const char *w, size_t n, const char *stem, int whole)
{
	size_t	l = strlen(stem);

	return n >= l && memcmp(w, stem, l) == 0 && (!whole || n == l);
}

int
tally_fwd_evidence(const char *comment)
{
	char		 c[TALLY_COMMENT_MAX];
	const char	*w, *prev = NULL;
	size_t		 i, n, pn = 0;

	if (comment == NULL)
		return 0;
	for (i = 0; comment[i] != '\0' && i < sizeof c - 1; i++)
		c[i] = comment[i] >= 'A' && comment[i] <= 'Z' ?
		    (char)(comment[i] - 'A' + 'a') : comment[i];
	c[i] = '\0';
	/* Words: runs of letters and digits. */
	for (w = c; *w != '\0'; w += n) {
		for (n = 0; (w[n] >= 'a' && w[n] <= 'z') ||
		    (w[n] >= '0' && w[n] <= '9'); n++)
			;
		if (n == 0) {
			n = 1;
			continue;
		}
		if (word_is(w, n, "forward", 0) || word_is(w, n, "relay", 0) ||
		    word_is(w, n, "listserv", 0) ||
		    word_is(w, n, "mailinglist", 0))
			return 1;
		if (prev != NULL && ((word_is(prev, pn, "arc", 1) &&
		    word_is(w, n, "pass", 1)) || (word_is(prev, pn, "mailing",
		    1) && word_is(w, n, "list", 0))))
			return 1;
		prev = w;
		pn = n;
	}
	return 0;
}

/* The reason type a signature keeps for o (see TALLY_LOCAL_FWD). */
static const char *
reason_type(const struct dr_reason *o)
{
	if (o->type != NULL && strcmp(o->type, "local_policy") == 0 &&
	    tally_fwd_evidence(o->comment))
		return TALLY_LOCAL_FWD;
	return o->type;
}

static int
cmp_reason(const void *a, const void *b)
{
	const struct dr_reason	*x = *(const struct dr_reason *const *)a;
	const struct dr_reason	*y = *(const struct dr_reason *const *)b;

	return strcmp_null(reason_type(x), reason_type(y));
}

static int
cmp_dkim(const void *a, const void *b)
{
	const struct dr_dkim	*x = *(const struct dr_dkim *const *)a;
	const struct dr_dkim	*y = *(const struct dr_dkim *const *)b;
	int			 c;

	if ((c = strcmp_null(x->domain, y->domain)) != 0 ||
	    (c = strcmp_null(x->selector, y->selector)) != 0)
		return c;
	return strcmp_null(x->result, y->result);
}

static int
cmp_spf(const void *a, const void *b)
{
	const struct dr_spf	*x = *(const struct dr_spf *const *)a;
	const struct dr_spf	*y = *(const struct dr_spf *const *)b;
	int			 c;

	if ((c = strcmp_null(x->domain, y->domain)) != 0 ||
	    (c = strcmp_null(x->scope, y->scope)) != 0)
		return c;
	return strcmp_null(x->result, y->result);
}

/* Pointers to n items of size bytes, sorted (small n: insertion sort). */
static const void **
sorted(struct tally *t, const void *items, size_t n, size_t size,
    int (*cmp)(const void *, const void *))
{
	size_t	i, j;

	if (n > t->nptrs) {
		const void **p = realloc(t->ptrs, n * sizeof *p);
		if (p == NULL)
			return NULL;
		t->ptrs = p;
		t->nptrs = n;
	}
	for (i = 0; i < n; i++)
		t->ptrs[i] = (const char *)items + i * size;
	if (n > 16) {
		qsort(t->ptrs, n, sizeof *t->ptrs, cmp);
		return t->ptrs;
	}
	for (i = 1; i < n; i++) {
		const void *v = t->ptrs[i];
		for (j = i; j > 0 && cmp(&t->ptrs[j - 1], &v) > 0; j--)
			t->ptrs[j] = t->ptrs[j - 1];
		t->ptrs[j] = v;
	}
	return t->ptrs;
}

static int
encode(struct tally *t, const struct dr_record *r, struct buf *b)
{
	const void	**p;
	size_t		  i;
	size_t		  nreasons = 0;

	/* Reasons without a type say nothing to count by. */
	for (i = 0; i < r->nreasons; i++)
		nreasons += r->reasons[i].type != NULL;
	if (put_str(b, r->header_from) == -1 || put_str(b, r->dkim) == -1 ||
	    put_str(b, r->spf) == -1 || put_str(b, r->disposition) == -1 ||
	    put_u32(b, (uint32_t)nreasons) == -1)
		return -1;
	if (r->nreasons > 0) {
		p = sorted(t, r->reasons, r->nreasons, sizeof *r->reasons,
		    cmp_reason);
		if (p == NULL)
			return -1;
		for (i = 0; i < r->nreasons; i++) {
			const struct dr_reason *o = p[i];
			if (o->type != NULL && put_str(b, reason_type(o)) ==
			    -1)
				return -1;
		}
	}
	if (put_u32(b, (uint32_t)r->ndkims) == -1)
		return -1;
	if (r->ndkims > 0) {
		p = sorted(t, r->dkims, r->ndkims, sizeof *r->dkims, cmp_dkim);
		if (p == NULL)
			return -1;
		for (i = 0; i < r->ndkims; i++) {
			const struct dr_dkim *d = p[i];
			if (put_str(b, d->domain) == -1 ||
			    put_str(b, d->selector) == -1 ||
			    put_str(b, d->result) == -1)
				return -1;
		}
	}
	if (put_u32(b, (uint32_t)r->nspfs) == -1)
		return -1;
	if (r->nspfs > 0) {
		p = sorted(t, r->spfs, r->nspfs, sizeof *r->spfs, cmp_spf);
		if (p == NULL)
			return -1;
		for (i = 0; i < r->nspfs; i++) {
			const struct dr_spf *s = p[i];
			if (put_str(b, s->domain) == -1 ||
			    put_str(b, s->scope) == -1 ||
			    put_str(b, s->result) == -1)
				return -1;
		}
	}
	return 0;
}

/* A reader over encoded bytes. */
struct rd {
	const unsigned char	*p, *end;
	int			 bad;
};

static uint32_t
get_u32(struct rd *r)
{
	uint32_t	v;

	if (r->end - r->p < 4) {
		r->bad = 1;
		return 0;
	}
	v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	    (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	return v;
}

/* The next string, copied into the arena (NULL stays NULL). */
static const char *
get_str(struct rd *r, struct arena *a)
{
	uint32_t	 n = get_u32(r);
	char		*s;

	if (r->bad || n == NO_STR)
		return NULL;
	if ((size_t)(r->end - r->p) < n) {
		r->bad = 1;
		return NULL;
	}
	s = arena_strndup(a, (const char *)r->p, n);
	if (s == NULL)
		r->bad = 1;
	r->p += n;
	return s;
}

int
tally_record_sig(struct tally *t, const char *adkim, const char *aspf,
    const struct dr_record *r, struct buf *out)
{
	buf_reset(out);
	if (put_str(out, align_mode(adkim) == ALIGN_STRICT ? "s" : "r") ==
	    -1 || put_str(out, align_mode(aspf) == ALIGN_STRICT ? "s" : "r") ==
	    -1)
		return -1;
	return encode(t, r, out);
}

static int
eq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

int
tally_eval(const void *p, size_t len, struct arena *a, struct sig *s)
{
	struct rd	 r = { p, (const unsigned char *)p + len, 0 };
	const char	*v;
	uint32_t	 n, i;
	int		 mfrom = 0;

	memset(s, 0, sizeof *s);
	v = get_str(&r, a);
	s->adkim = align_mode(v);
	v = get_str(&r, a);
	s->aspf = align_mode(v);
	s->header_from = get_str(&r, a);
	s->receiver_dkim = get_str(&r, a);
	s->receiver_spf = get_str(&r, a);
	s->disposition = get_str(&r, a);
	n = get_u32(&r);
	if (r.bad || n > (size_t)(r.end - r.p) / 4)
		return -1;
	s->reasons = arena_alloc(a, (n ? n : 1) * sizeof *s->reasons);
	if (s->reasons == NULL)
		return -1;
	for (i = 0; i < n && !r.bad; i++)
		s->reasons[i] = get_str(&r, a);
	s->nreasons = n;
	n = get_u32(&r);
	if (r.bad || n > (size_t)(r.end - r.p) / 12)
		return -1;
	s->dkims = arena_alloc(a, (n ? n : 1) * sizeof *s->dkims);
	if (s->dkims == NULL)
		return -1;
	for (i = 0; i < n && !r.bad; i++) {
		struct sig_result *d = &s->dkims[i];
		d->domain = get_str(&r, a);
		d->detail = get_str(&r, a);
		d->result = get_str(&r, a);
		d->aligned = align_match(d->domain, s->header_from, s->adkim);
		if (d->aligned && eq(d->result, "pass"))
			s->dkim_aligned = 1;
	}
	s->ndkims = n;
	n = get_u32(&r);
	if (r.bad || n > (size_t)(r.end - r.p) / 12)
		return -1;
	s->spfs = arena_alloc(a, (n ? n : 1) * sizeof *s->spfs);
	if (s->spfs == NULL)
		return -1;
	for (i = 0; i < n && !r.bad; i++) {
		struct sig_result *d = &s->spfs[i];
		d->domain = get_str(&r, a);
		d->detail = get_str(&r, a);
		d->result = get_str(&r, a);
		d->aligned = align_match(d->domain, s->header_from, s->aspf);
		if (!eq(d->detail, "helo"))
			mfrom = 1;
	}
	s->nspfs = n;
	if (r.bad || r.p != r.end)
		return -1;
	/*
	 * SPF authenticates the MAIL FROM identity; a HELO result counts
	 * only when the record has no other (a null reverse-path).
	 */
	for (i = 0; i < s->nspfs; i++) {
		const struct sig_result *d = &s->spfs[i];
		if (mfrom && eq(d->detail, "helo"))
			continue;
		if (d->aligned && eq(d->result, "pass"))
			s->spf_aligned = 1;
	}
	/*
	 * Without results to evaluate (or without header_from to align
	 * with), the receiver's verdict is all there is.
	 */
	if (s->header_from == NULL) {
		s->dkim_aligned = eq(s->receiver_dkim, "pass");
		s->spf_aligned = eq(s->receiver_spf, "pass");
	} else {
		if (s->ndkims == 0)
			s->dkim_aligned = eq(s->receiver_dkim, "pass");
		if (s->nspfs == 0)
			s->spf_aligned = eq(s->receiver_spf, "pass");
	}
	s->dmarc = s->dkim_aligned || s->spf_aligned;
	return 0;
}

int64_t
tally_day(int64_t begin, int64_t end)
{
	int64_t	t;

	/*
	 * The middle of the period: a day that a reporter counts from
	 * local midnight still lands on the UTC day it mostly covers.
	 */
	t = end >= begin ? begin / 2 + end / 2 : begin;
	return t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
}

/* --- facts --------------------------------------------------------- */

const char *const sig_fwd_names[] = {
	NULL, "forwarded", "trusted_forwarder", "mailing_list",
	"local_policy", TALLY_LOCAL_FWD, NULL
};

/* Whether result r (DKIM if dkim) is of kind c. */
static int
cand_is(const struct sig_result *r, int dkim, enum sig_cand c)
{
	int	pass = eq(r->result, "pass");

	if (dkim) {
		if (c == SIG_C_PASS_DK)
			return r->aligned && pass;
		if (r->domain == NULL || eq(r->result, "none"))
			return 0;
		switch (c) {
		case SIG_C_DK_UNAL:
			return pass && !r->aligned;
		case SIG_C_DK_FAIL:
			return r->aligned && !pass;
		case SIG_C_DK_OTHER:
			return !r->aligned && !pass;
		default:
			return 0;
		}
	}
	if (c == SIG_C_PASS_SP)
		return r->aligned && pass;
	if (eq(r->result, "temperror") || eq(r->result, "permerror"))
		return c == SIG_C_SP_ERR;
	switch (c) {
	case SIG_C_SP_UNAL:
		return pass && !r->aligned;
	case SIG_C_SP_FAIL:
		return r->aligned && !pass;
	case SIG_C_SP_OTHER:
		return !r->aligned && !pass;
	default:
		return 0;
	}
}

const struct sig_result *
tally_cand(const struct sig *g, enum sig_cand c)
{
	size_t	i;
	int	dkim = c == SIG_C_PASS_DK || c == SIG_C_DK_UNAL ||
		    c == SIG_C_DK_FAIL || c == SIG_C_DK_OTHER;

	if (dkim) {
		for (i = 0; i < g->ndkims; i++)
			if (cand_is(&g->dkims[i], 1, c))
				return &g->dkims[i];
	} else
		for (i = 0; i < g->nspfs; i++)
			if (cand_is(&g->spfs[i], 0, c))
				return &g->spfs[i];
	return NULL;
}

const struct sig_result *
tally_ident(const struct sig *g, int *spf)
{
	static const enum sig_cand order[] = { SIG_C_DK_UNAL, SIG_C_SP_UNAL,
	    SIG_C_PASS_DK, SIG_C_PASS_SP };
	const struct sig_result	*r;
	size_t			 i;

	for (i = 0; i < sizeof order / sizeof order[0]; i++)
		if ((r = tally_cand(g, order[i])) != NULL && r->domain != NULL) {
			if (spf != NULL)
				*spf = order[i] == SIG_C_SP_UNAL ||
				    order[i] == SIG_C_PASS_SP;
			return r;
		}
	return NULL;
}

static int
put_pass_str(struct buf *b, const char *s)
{
	char	n[24];

	if (s == NULL)
		return buf_addc(b, '-');
	snprintf(n, sizeof n, "%zu:", strlen(s));
	return buf_adds(b, n) == -1 ? -1 : buf_adds(b, s);
}

/*
 * What mail failing DMARC shows: our DKIM signature broken on the way
 * and SPF passing for a third party (a mailing list's pattern); a pass
 * that relaxed alignment would align (under strict alignment).
 */
static long
failing_facts(const struct sig *g)
{
	const struct sig_result	*r;
	long			 f = 0;
	size_t			 i;
	int			 mfrom = 0, broken = 0, third = 0;

	for (i = 0; i < g->ndkims; i++) {
		r = &g->dkims[i];
		if (r->aligned && eq(r->result, "fail"))
			broken = 1;
		if (g->adkim == ALIGN_STRICT && eq(r->result, "pass") &&
		    align_match(r->domain, g->header_from, ALIGN_RELAXED))
			f |= SIG_F_RELAX_DKIM;
	}
	for (i = 0; i < g->nspfs; i++)
		if (!eq(g->spfs[i].detail, "helo"))
			mfrom = 1;
	for (i = 0; i < g->nspfs; i++) {
		r = &g->spfs[i];
		if ((mfrom && eq(r->detail, "helo")) || !eq(r->result, "pass"))
			continue;
		if (r->domain != NULL && !align_match(r->domain,
		    g->header_from, ALIGN_RELAXED))
			third = 1;
		if (g->aspf == ALIGN_STRICT &&
		    align_match(r->domain, g->header_from, ALIGN_RELAXED))
			f |= SIG_F_RELAX_SPF;
	}
	if (broken && third)
		f |= SIG_F_LIST;
	return f;
}

long
tally_facts(const struct sig *g, struct buf *passes)
{
	const struct sig_result	*r0;
	long			 f = 0;
	size_t			 i, j, fwd = 0;
	int			 c, spf_pass = 0, spf;

	buf_reset(passes);
	if (g->dmarc)
		f |= SIG_F_DMARC;
	if (g->dkim_aligned)
		f |= SIG_F_DKIM_ALIGNED;
	if (g->spf_aligned)
		f |= SIG_F_SPF_ALIGNED;
	if (eq(g->receiver_dkim, "pass") || eq(g->receiver_spf, "pass"))
		f |= SIG_F_RECEIVER_PASS;
	if (eq(g->disposition, "none") || eq(g->disposition, "pass"))
		f |= (long)SIG_DISP_NONE << 6;
	else if (eq(g->disposition, "quarantine"))
		f |= (long)SIG_DISP_QUARANTINE << 6;
	else if (eq(g->disposition, "reject"))
		f |= (long)SIG_DISP_REJECT << 6;
	else
		f |= (long)SIG_DISP_OTHER << 6;
	/*
	 * The first forwarding reason, sorted; a plain local_policy only
	 * if there is none: it is no forwarding.
	 */
	for (i = 0; i < g->nreasons; i++)
		for (j = 1; sig_fwd_names[j] != NULL; j++)
			if (eq(g->reasons[i], sig_fwd_names[j]) &&
			    (fwd == 0 || fwd == SIG_FWD_LOCAL)) {
				fwd = j;
				break;
			}
	f |= (long)fwd << 8;
	for (i = 0; i < g->ndkims; i++) {
		const struct sig_result *r = &g->dkims[i];
		if (r->domain != NULL && !eq(r->result, "none"))
			f |= SIG_F_SIGNED;
		if (eq(r->result, "pass") && (buf_addc(passes, 'k') == -1 ||
		    put_pass_str(passes, r->domain) == -1 ||
		    put_pass_str(passes, r->detail) == -1))
			return -1;
	}
	for (i = 0; i < g->nspfs; i++) {
		const struct sig_result *r = &g->spfs[i];
		if (eq(r->result, "pass")) {
			spf_pass = 1;
			if (buf_addc(passes, 's') == -1 ||
			    put_pass_str(passes, r->domain) == -1)
				return -1;
		}
	}
	if (!spf_pass && (g->nspfs > 0 || eq(g->receiver_spf, "fail")))
		f |= SIG_F_SPF_FAILED;
	for (c = 0; c < SIG_C__COUNT; c++)
		if (tally_cand(g, (enum sig_cand)c) != NULL)
			f |= SIG_F_CAND(c);
	if (!g->dmarc)
		f |= failing_facts(g);
	if ((r0 = tally_ident(g, &spf)) != NULL) {
		if (spf)
			f |= SIG_F_IDENT_SPF;
		if (r0->aligned)
			f |= SIG_F_IDENT_ALIGNED;
	}
	return f;
}

/* One string of passes at *p: NULL ("-") or copied into the arena. */
static int
get_pass_str(const char **p, const char *end, struct arena *a,
    const char **out)
{
	size_t	n = 0;

	*out = NULL;
	if (*p < end && **p == '-') {
		(*p)++;
		return 0;
	}
	if (*p >= end || **p < '0' || **p > '9')
		return -1;
	while (*p < end && **p >= '0' && **p <= '9') {
		if (n > (size_t)(end - *p))
			return -1;
		n = n * 10 + (size_t)(**p - '0');
		(*p)++;
	}
	if (*p >= end || **p != ':' || n > (size_t)(end - *p - 1))
		return -1;
	(*p)++;
	*out = arena_strndup(a, *p, n);
	*p += n;
	return *out == NULL ? -1 : 0;
}

int
tally_passes(const char *passes, size_t len, struct arena *a, struct sig *g)
{
	const char		*p, *end = passes + len;
	struct sig_result	*r;
	size_t			 nk = 0, ns = 0;

	memset(g, 0, sizeof *g);
	for (p = passes; p < end; p++)
		if (*p == 'k')
			nk++;
		else if (*p == 's')
			ns++;
	/* Counts of letters bound the results (names hold some too). */
	g->dkims = arena_alloc(a, (nk ? nk : 1) * sizeof *g->dkims);
	g->spfs = arena_alloc(a, (ns ? ns : 1) * sizeof *g->spfs);
	if (g->dkims == NULL || g->spfs == NULL)
		return -1;
	for (p = passes; p < end;) {
		if (*p == 'k' && g->ndkims < nk) {
			p++;
			r = &g->dkims[g->ndkims++];
			if (get_pass_str(&p, end, a, &r->domain) == -1 ||
			    get_pass_str(&p, end, a, &r->detail) == -1)
				return -1;
		} else if (*p == 's' && g->nspfs < ns) {
			p++;
			r = &g->spfs[g->nspfs++];
			if (get_pass_str(&p, end, a, &r->domain) == -1)
				return -1;
		} else
			return -1;
		r->result = "pass";
	}
	return 0;
}
