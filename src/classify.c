/*
 * classify.c: sources of a domain, from the summary, into classes.
 *
 * The window's records come from the store sorted by source (IP and
 * header_from) and, within a source, by signature, so one source is
 * summed at a time. Each record carries its signature's facts (tally.h)
 * and the configured senders its passing results match, both read by
 * SQLite before the sort: as a signature's records end, its messages
 * are fed to the sums and to the senders' counts, and the signature is
 * kept as the candidate for each kind of result it has if it weighs
 * most. When the source ends it is matched against the configuration,
 * put in one class, and counted in the window's figures; then it is
 * forgotten, unless it is among the largest the window lists (a heap
 * per kind, each of a fixed size). Memory therefore does not grow with
 * the number of sources, records or signatures. Only the sources
 * listed in the end load signatures: the few their reasons name.
 *
 * Several windows of one domain (the digest's) are classified from one
 * reading: each record counts in every window that holds its day.
 */
#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "align.h"
#include "buf.h"
#include "classify.h"
#include "cidr.h"
#include "group.h"
#include "hmap.h"

/* Signatures loaded at once; the cache is emptied when full. */
#define SIG_CACHE_MAX	65536
/* Bytes kept of each string a reason names. */
#define TOP_LEN		256

/* The largest of a few weighted candidates, with copies of its names. */
struct top {
	const char	*a, *b, *c;	/* up to three strings describing it */
	uint64_t	 n;
	char		 buf[3][TOP_LEN];
};

/* The largest sources of one kind: a heap, the smallest on top. */
struct heap {
	struct source	**v;		/* each its own allocation */
	size_t		  n, cap;
};

/*
 * What a source's reason needs, kept while it is read: for each kind of
 * DKIM or SPF result, the signature with the most messages that has
 * one (the first of them on a tie, as the signatures come in order).
 * Their strings are loaded only for the sources listed, at the end.
 */
struct lazy {
	uint64_t	 cand_n[SIG_C__COUNT];
	int64_t		 cand_sig[SIG_C__COUNT];
	uint64_t	 fwd_dkim;	/* DKIM aligned, SPF failing */
	uint64_t	 fwd_list;	/* a mailing list's pattern */
	uint64_t	 relax_dkim;	/* failing, aligned if adkim=r */
	uint64_t	 relax_spf;	/* failing, aligned if aspf=r */
	uint64_t	 no_dkim;	/* failing, and not signed */
	uint64_t	 why_n;		/* messages of the reason type why */
	const char	*why;		/* forwarding reason type (static) */
};

/* A source held in a heap: the source, and what its reason needs. */
struct held {
	struct source	 s;		/* first: heaps hold &held.s */
	struct lazy	 z;
};

/* One window's sums for the source being read. */
struct acc {
	struct source	 s;		/* strings set when it ends */
	int		 open;		/* it has records in the window */
	uint64_t	 sig_n;		/* messages of the signature open */
	struct lazy	 z;
	uint64_t	*by_sender;	/* messages each sender's DKIM or
					   SPF rules account for */
	/* The identity of its heaviest signature that has one. */
	uint64_t	 ident_n;
	long		 ident_facts;
	char		 ident[256];
};

/* The strings of a reason's candidates, loaded for a listed source. */
struct tops {
	struct top	 t[SIG_C__COUNT];
	struct top	 why;
};

/* The window owns its memory through this. */
struct window_priv {
	struct window	pub;
	struct arena	mem;
	struct source	**held;		/* the listed sources' memory */
	size_t		 nheld;
};

/* One window being built. */
struct wbuild {
	struct window_priv	*p;
	struct acc		 acc;
	struct heap		 top;		/* opts->limit of opts->only */
	struct heap		 keep[CLASS__COUNT];
	struct heap		 keep_new, keep_weak;
	unsigned		*rep_seen;	/* reporter id: last source */
	size_t			 nrep_seen;
	struct groups		*groups;	/* CLASSIFY_BY_SENDER */
	/* The networks and countries of sources without authentication. */
	struct hmap		*none_as, *none_cc;
	unsigned		 none_counted;
};

struct build {
	struct store		*store;
	const struct conf	*conf;
	const char		*domain;
	struct classify_opts	 o;
	struct dr_error		*err;
	struct wbuild		 wb[CLASSIFY_WINDOWS];
	size_t			 nw;
	size_t			 nsenders;
	const struct conf_sender **senders;	/* the domain's, in order */
	/* Signatures loaded: id -> index + 1. */
	struct hmap		*sig_ix;
	struct sig		*sigs;
	size_t			 nsigs, capsigs;
	struct arena		 sigmem;
	/* Reporters across the windows: name -> id; 0 for the others. */
	struct hmap		*rep_ix;
	struct buf		 last_rep;
	unsigned		 last_rep_id;
	int			 have_rep;
	/* The source being read, and its first day. */
	struct store_firsts	*firsts;
	int			 open;
	struct buf		 hf, ip;
	unsigned		 seq;		/* sources begun */
	int64_t			 first_seen;
	int			 subdomain;	/* header_from under domain */
	uint8_t			 ipbin[CIDR_LEN];
	int			 have_ip;
	/* The location of the last address looked up, for every window. */
	uint8_t			 geo_ip[CIDR_LEN];
	int			 geo_state;	/* -1: none yet; 0: not in it */
	struct geo_info		 geo_gi;
	/* Its signature being read: its facts and matching senders. */
	int64_t			 sig;
	int			 have_sig;
	long			 facts;
	unsigned char		*mask;		/* nmask bytes */
	int			 have_mask;
	char			 ident[256];	/* its identity, or "" */
	size_t			 nmask;		/* 0: no sender has DKIM or SPF
						   rules */
	struct arena		 passmem;	/* decoding passes */
};

static const char *const class_names[CLASS__COUNT] = {
	[CLASS_COMPLIANT] = "compliant",
	[CLASS_MISCONFIGURED] = "misconfigured",
	[CLASS_FORWARDED] = "forwarded",
	[CLASS_UNKNOWN] = "unknown",
};

const char *
class_name(enum source_class c)
{
	return c < CLASS__COUNT ? class_names[c] : "?";
}

int
class_parse(const char *s, enum source_class *c)
{
	int	i;

	for (i = 0; i < CLASS__COUNT; i++)
		if (strcmp(s, class_names[i]) == 0) {
			*c = (enum source_class)i;
			return 0;
		}
	return -1;
}

const char *
source_sender(const struct source *s)
{
	return s->sender != NULL ? s->sender->name : "";
}

int
source_new(const struct window *w, const struct source *s)
{
	return s->first_seen >= w->from_day || s->first_seen < 0;
}

static int
eq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

static uint64_t
add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static double
pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

static int
nomem(struct build *b)
{
	return dr_seterr(b->err, DR_E_NOMEM, "out of memory");
}

static void
top_reset(struct top *t)
{
	t->a = t->b = t->c = NULL;
	t->n = 0;
}

static const char *
top_copy(char *buf, const char *s)
{
	if (s == NULL)
		return NULL;
	snprintf(buf, TOP_LEN, "%s", s);
	return buf;
}

/* --- signatures ----------------------------------------------------- */

/* The loaded signature for an id, or NULL on error. */
static const struct sig *
sig_load(struct build *b, int64_t id)
{
	size_t	*ix;
	int	 added;

	ix = hmap_find(b->sig_ix, &id, sizeof id);
	if (ix != NULL)
		return &b->sigs[*ix - 1];
	/* Nothing points into the cache between signatures. */
	if (b->nsigs >= SIG_CACHE_MAX) {
		hmap_clear(b->sig_ix);
		arena_reset(&b->sigmem);
		b->nsigs = 0;
	}
	if (b->nsigs == b->capsigs) {
		size_t cap = b->capsigs ? b->capsigs * 2 : 64;
		struct sig *p = realloc(b->sigs, cap * sizeof *p);
		if (p == NULL) {
			nomem(b);
			return NULL;
		}
		b->sigs = p;
		b->capsigs = cap;
	}
	if (store_sig(b->store, id, &b->sigmem, &b->sigs[b->nsigs], b->err) ==
	    -1)
		return NULL;
	ix = hmap_get(b->sig_ix, &id, sizeof id, &added);
	if (ix == NULL) {
		nomem(b);
		return NULL;
	}
	*ix = ++b->nsigs;
	return &b->sigs[b->nsigs - 1];
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Load together the signatures that the reasons of n held sources name
 * (load_tops) and that are not loaded yet: on PostgreSQL store_sigs
 * reads a thousand by one statement, where sig_load would cost a round
 * trip each (7,000 for the benchmark's digest). Those the cache has
 * no room for are left to sig_load. 0, or -1 with b->err set.
 */
static int
sig_prefetch(struct build *b, struct source *const *v, size_t n)
{
	const struct lazy	*z;
	int64_t			*ids;
	size_t			 i, k = 0;
	int			 c, added, ret = -1;

	ids = calloc(n * SIG_C__COUNT + 1, sizeof *ids);
	if (ids == NULL)
		return nomem(b);
	for (i = 0; i < n; i++) {
		z = &((const struct held *)v[i])->z;
		for (c = 0; c < SIG_C__COUNT; c++)
			if (z->cand_n[c] > 0 && hmap_find(b->sig_ix,
			    &z->cand_sig[c], sizeof z->cand_sig[c]) == NULL)
				ids[k++] = z->cand_sig[c];
	}
	if (k > 1)
		qsort(ids, k, sizeof *ids, cmp_id);
	for (i = 0, n = 0; i < k; i++)
		if (n == 0 || ids[i] != ids[n - 1])
			ids[n++] = ids[i];
	/* (All cached, or none: no array to point into, maybe.) */
	if (n == 0) {
		ret = 0;
		goto out;
	}
	/* Nothing points into the cache between signatures. */
	if (b->nsigs + n > SIG_CACHE_MAX) {
		hmap_clear(b->sig_ix);
		arena_reset(&b->sigmem);
		b->nsigs = 0;
		if (n > SIG_CACHE_MAX)
			n = SIG_CACHE_MAX;
	}
	if (b->nsigs + n > b->capsigs) {
		struct sig *p = realloc(b->sigs, (b->nsigs + n) * sizeof *p);
		if (p == NULL) {
			nomem(b);
			goto out;
		}
		b->sigs = p;
		b->capsigs = b->nsigs + n;
	}
	if (store_sigs(b->store, ids, n, &b->sigmem, &b->sigs[b->nsigs],
	    b->err) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		size_t *ix = hmap_get(b->sig_ix, &ids[i], sizeof ids[i],
		    &added);
		if (ix == NULL) {
			nomem(b);
			goto out;
		}
		*ix = ++b->nsigs;
	}
	ret = 0;
out:
	free(ids);
	return ret;
}

/* --- matching the configuration ------------------------------------ */

static int sender_sig(const struct conf_sender *, const struct sig *);

/*
 * store_match_fn: the senders whose DKIM or SPF rules a signature's
 * passing results match.
 */
static int
match_senders(void *arg, const char *passes, size_t len,
    unsigned char *mask)
{
	struct build	*b = arg;
	struct sig	 g;
	size_t		 i;

	arena_reset(&b->passmem);
	if (tally_passes(passes, len, &b->passmem, &g) == -1)
		return -1;
	for (i = 0; i < b->nsenders; i++)
		if (sender_sig(b->senders[i], &g))
			mask[i / 8] |= (unsigned char)(1u << (i % 8));
	return 0;
}

static int
dkim_rule_matches(const struct conf_dkim *k, const struct sig_result *r)
{
	size_t	i;

	if (!eq(r->result, "pass") || !conf_rule_domain(r->domain,
	    k->domain))
		return 0;
	if (k->nselectors == 0)
		return 1;
	for (i = 0; i < k->nselectors; i++)
		if (eq(r->detail, k->selectors[i]))
			return 1;
	return 0;
}

/* Whether a sender's DKIM or SPF rules account for a signature. */
static int
sender_sig(const struct conf_sender *c, const struct sig *g)
{
	size_t	j, k;

	for (j = 0; j < g->ndkims; j++)
		for (k = 0; k < c->ndkims; k++)
			if (dkim_rule_matches(&c->dkims[k], &g->dkims[j]))
				return 1;
	for (j = 0; j < g->nspfs; j++)
		for (k = 0; k < c->nspfs; k++)
			if (eq(g->spfs[j].result, "pass") &&
			    conf_rule_domain(g->spfs[j].domain, c->spfs[k]))
				return 1;
	return 0;
}

/*
 * Messages of the source that this sender accounts for: all of them if
 * one of its ip rules holds the address (*bits: the longest such
 * prefix, else 0), else those its DKIM and SPF rules account for.
 */
static uint64_t
sender_messages(const struct build *b, const struct acc *a, size_t i,
    const struct conf_sender *c, unsigned *bits)
{
	size_t	j;

	*bits = 0;
	for (j = 0; b->have_ip && j < c->nips; j++)
		if (cidr_match(&c->ips[j], b->ipbin) && (*bits == 0 ||
		    c->ips[j].bits > *bits))
			*bits = c->ips[j].bits + 1;	/* /0 counts */
	return *bits > 0 ? a->s.messages : a->by_sender[i];
}

/* --- reasons ------------------------------------------------------- */

static const char *const dkim_results[] = {
	"none", "pass", "fail", "policy", "neutral", "temperror", "permerror",
	NULL
};
static const char *const spf_results[] = {
	"none", "neutral", "pass", "fail", "softfail", "temperror",
	"permerror", "policy", NULL
};

/* A reported result, if it is one of the schema's; else "unknown". */
static const char *
result_word(const char *r, const char *const *known)
{
	size_t	i;

	for (i = 0; r != NULL && known[i] != NULL; i++)
		if (strcmp(r, known[i]) == 0)
			return known[i];
	return "unknown";
}

/*
 * Say, in one line, what fails and what to do about it: the failing
 * signatures' results, weighed by message count as they were fed.
 */
static void
fix_reason(const struct window *w, const struct source *s,
    const struct lazy *z, const struct tops *t, char *out, size_t len)
{
	enum { DK_OK, DK_FAILS, DK_UNALIGNED, DK_MISSING, DK_OTHER } dk =
	    DK_OK;
	enum { SP_OK, SP_ERROR, SP_UNALIGNED, SP_FAILS, SP_OTHER } sp = SP_OK;
	const struct top *dk_unal = &t->t[SIG_C_DK_UNAL];
	const struct top *dk_fail = &t->t[SIG_C_DK_FAIL];
	const struct top *sp_unal = &t->t[SIG_C_SP_UNAL];
	const struct top *sp_fail = &t->t[SIG_C_SP_FAIL];
	const struct top *sp_err = &t->t[SIG_C_SP_ERR];
	/* Results that neither pass nor are aligned. */
	const struct top *dk_other = &t->t[SIG_C_DK_OTHER];
	const struct top *sp_other = &t->t[SIG_C_SP_OTHER];
	uint64_t	 no_dkim = z->no_dkim;
	const char	*hf = *s->header_from ? s->header_from : w->domain;
	char		 dkim[160] = "", spf[160] = "", fix[160];

	if (dk_fail->n > 0 && dk_fail->n >= dk_unal->n &&
	    dk_fail->n >= no_dkim) {
		dk = DK_FAILS;
		snprintf(dkim, sizeof dkim, "DKIM d=%s fails (%s)", dk_fail->a,
		    dk_fail->c ? dk_fail->c : "no result");
	} else if (dk_unal->n > 0 && dk_unal->n >= no_dkim) {
		dk = DK_UNALIGNED;
		snprintf(dkim, sizeof dkim, "DKIM passes for d=%s, not "
		    "aligned with %s", dk_unal->a, hf);
	} else if (no_dkim > 0 && no_dkim >= dk_other->n) {
		dk = DK_MISSING;
		snprintf(dkim, sizeof dkim, "no DKIM signature");
	} else if (dk_other->n > 0) {
		dk = DK_OTHER;
		snprintf(dkim, sizeof dkim, "DKIM %s%s for d=%s, not aligned "
		    "with %s", eq(dk_other->c, "fail") ? "fails" : "result ",
		    eq(dk_other->c, "fail") ? "" : result_word(dk_other->c,
		    dkim_results), dk_other->a, hf);
	}
	if (sp_err->n > 0 && sp_err->n >= sp_unal->n &&
	    sp_err->n >= sp_fail->n) {
		sp = SP_ERROR;
		snprintf(spf, sizeof spf, "SPF %s for %s", sp_err->b,
		    sp_err->a ? sp_err->a : "?");
	} else if (sp_unal->n > 0 && sp_unal->n >= sp_fail->n) {
		sp = SP_UNALIGNED;
		snprintf(spf, sizeof spf, "SPF passes for %s but is not "
		    "aligned with %s", sp_unal->a ? sp_unal->a : "?", hf);
	} else if (sp_fail->n > 0) {
		sp = SP_FAILS;
		snprintf(spf, sizeof spf, "SPF %s for %s",
		    eq(sp_fail->b, "fail") ? "fails" : sp_fail->b,
		    sp_fail->a ? sp_fail->a : "?");
	} else if (sp_other->n > 0) {
		sp = SP_OTHER;
		snprintf(spf, sizeof spf, "SPF %s%s for %s, not aligned with "
		    "%s", eq(sp_other->b, "fail") ? "fails" : "result ",
		    eq(sp_other->b, "fail") ? "" : result_word(sp_other->b,
		    spf_results), sp_other->a ? sp_other->a : "?", hf);
	}

	/*
	 * Most of its failing mail would pass under relaxed alignment:
	 * that is the fix that takes no work.
	 */
	if (add(z->relax_dkim, z->relax_spf) * 2 > s->fail)
		snprintf(fix, sizeof fix, "publish %s (relaxed alignment, the "
		    "default), or sign with DKIM d=%s", z->relax_dkim ?
		    z->relax_spf ? "adkim=r and aspf=r" : "adkim=r" : "aspf=r",
		    hf);
	else if (dk == DK_FAILS)
		snprintf(fix, sizeof fix, "check the DKIM key%s%s in DNS",
		    dk_fail->b ? " of selector " : "", dk_fail->b ?
		    dk_fail->b : "");
	else if (sp == SP_ERROR && eq(sp_err->b, "temperror"))
		snprintf(fix, sizeof fix, "check that the DNS servers of %s "
		    "answer: receivers could not look up its SPF record",
		    sp_err->a ? sp_err->a : hf);
	else if (sp == SP_ERROR)
		snprintf(fix, sizeof fix, "fix the SPF record of %s (a syntax "
		    "error, or more than 10 DNS lookups)", sp_err->a ?
		    sp_err->a : hf);
	else if (sp == SP_FAILS && dk != DK_UNALIGNED)
		snprintf(fix, sizeof fix, "add it to the SPF record of %s, or "
		    "sign with DKIM d=%s", sp_fail->a ? sp_fail->a : hf, hf);
	else
		snprintf(fix, sizeof fix, "sign with DKIM d=%s", hf);
	if (dk == DK_OK && sp == SP_OK)
		snprintf(out, len, "fails DMARC, and the reports give no DKIM "
		    "or SPF result that explains it: %s", fix);
	else
		snprintf(out, len, "%s%s%s: %s", dkim, *dkim && *spf ? "; " :
		    "", spf, fix);
}

/* How a passing source passes, in a few words. */
static void
pass_reason(const struct tops *t, char *out, size_t len)
{
	const struct top	*dk = &t->t[SIG_C_PASS_DK];
	const struct top	*sp = &t->t[SIG_C_PASS_SP];

	if (dk->a != NULL && sp->a != NULL)
		snprintf(out, len, "passes DMARC: DKIM d=%s and SPF %s aligned",
		    dk->a, sp->a);
	else if (dk->a != NULL)
		snprintf(out, len, "passes DMARC: DKIM d=%s aligned", dk->a);
	else if (sp->a != NULL)
		snprintf(out, len, "passes DMARC: SPF %s aligned", sp->a);
	else
		snprintf(out, len, "passes DMARC (as the receivers say)");
}

/* Keep signature sig as the candidate of kind c if it weighs more. */
static void
cand(struct lazy *z, enum sig_cand c, uint64_t k, int64_t sig)
{
	if (k > z->cand_n[c]) {
		z->cand_n[c] = k;
		z->cand_sig[c] = sig;
	}
}

/*
 * Feed k messages of the signature being read to a window's sums for
 * the source: its totals, the senders' rules, and the candidates for
 * its reason. It needs the signature's facts only.
 */
static void
feed(struct build *b, struct wbuild *wb, uint64_t k)
{
	struct window	*w = &wb->p->pub;
	struct acc	*a = &wb->acc;
	struct source	*s = &a->s;
	struct lazy	*z = &a->z;
	long		 f = b->facts;
	const char	*fr;
	size_t		 i;
	int		 c;

	s->messages = add(s->messages, k);
	if (f & SIG_F_DMARC)
		s->pass = add(s->pass, k);
	if (f & SIG_F_SPF_ALIGNED)
		s->spf_aligned = add(s->spf_aligned, k);
	if (f & SIG_F_DKIM_ALIGNED)
		s->dkim_aligned = add(s->dkim_aligned, k);
	if (f & SIG_F_RECEIVER_PASS)
		s->receiver_pass = add(s->receiver_pass, k);
	switch (SIG_F_DISP(f)) {
	case SIG_DISP_NONE:
		s->none = add(s->none, k);
		break;
	case SIG_DISP_QUARANTINE:
		s->quarantine = add(s->quarantine, k);
		break;
	case SIG_DISP_REJECT:
		s->reject = add(s->reject, k);
		break;
	default:
		s->other = add(s->other, k);
		break;
	}
	/*
	 * Forwarding: as the reporters say (a plain local_policy is the
	 * receiver's own decision, not forwarding), or as the results
	 * show: our aligned DKIM intact with SPF failing, or broken with
	 * SPF passing for a third party (a mailing list).
	 */
	fr = SIG_F_FWD(f) >= 1 && SIG_F_FWD(f) <= 5 &&
	    SIG_F_FWD(f) != SIG_FWD_LOCAL ? sig_fwd_names[SIG_F_FWD(f)] : NULL;
	if (fr != NULL) {
		s->forwarding = add(s->forwarding, k);
		if (k > z->why_n) {
			z->why_n = k;
			z->why = fr;
		}
		if (eq(fr, "mailing_list"))
			w->via_lists = add(w->via_lists, k);
		else if (eq(fr, TALLY_LOCAL_FWD))
			w->local_policy = add(w->local_policy, k);
		else
			w->via_forwarders = add(w->via_forwarders, k);
	} else if ((f & SIG_F_DKIM_ALIGNED) && (f & SIG_F_SPF_FAILED))
		z->fwd_dkim = add(z->fwd_dkim, k);
	else if (f & SIG_F_LIST)
		z->fwd_list = add(z->fwd_list, k);	/* decide() */
	else if (SIG_F_FWD(f) == SIG_FWD_LOCAL && !(f & SIG_F_DMARC))
		w->receiver_policy = add(w->receiver_policy, k);
	if (f & SIG_F_RELAX_DKIM) {
		w->relax_dkim = add(w->relax_dkim, k);
		z->relax_dkim = add(z->relax_dkim, k);
	}
	if (f & SIG_F_RELAX_SPF) {
		w->relax_spf = add(w->relax_spf, k);
		z->relax_spf = add(z->relax_spf, k);
	}
	if ((f & SIG_F_DMARC) && b->subdomain)
		w->subdomain_pass = add(w->subdomain_pass, k);
	else if (b->subdomain)
		w->subdomain_fail = add(w->subdomain_fail, k);

	for (i = 0; b->have_mask && i < b->nsenders; i++)
		if (b->mask[i / 8] & (1u << (i % 8)))
			a->by_sender[i] = add(a->by_sender[i], k);
	if (*b->ident && k > a->ident_n) {
		a->ident_n = k;
		a->ident_facts = f;
		memcpy(a->ident, b->ident, sizeof a->ident);
	}

	/* How it passes. */
	if (f & SIG_F_CAND(SIG_C_PASS_DK))
		cand(z, SIG_C_PASS_DK, k, b->sig);
	if (f & SIG_F_CAND(SIG_C_PASS_SP))
		cand(z, SIG_C_PASS_SP, k, b->sig);

	/* What fails. */
	if (f & SIG_F_DMARC)
		return;
	if (!(f & SIG_F_SIGNED))
		z->no_dkim = add(z->no_dkim, k);
	for (c = SIG_C_DK_UNAL; c < SIG_C__COUNT; c++)
		if (f & SIG_F_CAND(c))
			cand(z, (enum sig_cand)c, k, b->sig);
}

/* Match the source to a sender and put it in a class. */
static void
decide(struct build *b, struct wbuild *wb)
{
	struct window	*w = &wb->p->pub;
	struct acc	*a = &wb->acc;
	struct source	*s = &a->s;
	uint64_t	 best = 0, m;
	unsigned	 bits, best_bits = 0;
	size_t		 i;

	s->fail = s->messages - s->pass;
	/*
	 * Which configured sender accounts for most of its mail; of
	 * senders whose ip rules hold the address, the one with the
	 * longest prefix (the most specific), whatever their order.
	 */
	for (i = 0; i < b->nsenders; i++) {
		const struct conf_sender *cs = b->senders[i];
		m = sender_messages(b, a, i, cs, &bits);
		if (m > best || (m == best && m > 0 && bits > best_bits)) {
			best = m;
			best_bits = bits;
			s->sender = cs;
		}
	}
	s->authorised = w->configured ? s->sender != NULL : s->pass > 0;
	/*
	 * A list's pattern is a guess: an authorised sender with a broken
	 * key and its own bounce domain leaves it too, and is no list.
	 */
	if (!s->authorised)
		w->list_pattern = add(w->list_pattern, a->z.fwd_list);
	if (s->authorised)
		s->class = pct(s->pass, s->messages) >= w->th.pass ?
		    CLASS_COMPLIANT : CLASS_MISCONFIGURED;
	/* Unlisted (or, unconfigured, never passing). */
	else if (add(add(s->forwarding, a->z.fwd_dkim), a->z.fwd_list) * 2 >=
	    s->messages && s->messages > 0)
		s->class = CLASS_FORWARDED;
	else if (pct(s->pass, s->messages) >= w->th.pass)
		/* Configured, and passing without being listed. */
		s->class = CLASS_COMPLIANT;
	else
		s->class = CLASS_UNKNOWN;
}

/* Why the source is in its class, in reason (size bytes). */
static void
say_why(const struct window *w, const struct source *s, const struct lazy *z,
    const struct tops *t, char *reason, size_t size)
{
	double		 share = pct(s->pass, s->messages);
	char		 how[160];

	if (s->authorised) {
		if (s->class == CLASS_COMPLIANT) {
			pass_reason(t, reason, size);
			if (s->fail > 0) {
				size_t l = strlen(reason);
				snprintf(reason + l, size - l, "; %llu fail",
				    (unsigned long long)s->fail);
			}
		} else
			fix_reason(w, s, z, t, reason, size);
		return;
	}
	if (s->class == CLASS_FORWARDED) {
		if (s->forwarding >= z->fwd_dkim &&
		    s->forwarding >= z->fwd_list)
			snprintf(reason, size, "the reporters say %s "
			    "(%llu of %llu messages)",
			    eq(t->why.a, TALLY_LOCAL_FWD) ? "local_policy, "
			    "with forwarding in the comment" : t->why.a,
			    (unsigned long long)s->forwarding,
			    (unsigned long long)s->messages);
		else if (z->fwd_dkim >= z->fwd_list)
			snprintf(reason, size, "DKIM passes for %s but "
			    "SPF fails from this address: forwarded with its "
			    "signature intact",
			    *s->header_from ? s->header_from : w->domain);
		else
			snprintf(reason, size, "the DKIM signature of %s "
			    "arrives broken and SPF passes for %s: a mailing "
			    "list that changes messages, most likely",
			    t->t[SIG_C_DK_FAIL].a ? t->t[SIG_C_DK_FAIL].a :
			    w->domain, t->t[SIG_C_SP_UNAL].a ?
			    t->t[SIG_C_SP_UNAL].a : "another domain");
		return;
	}
	if (s->class == CLASS_COMPLIANT) {
		pass_reason(t, how, sizeof how);
		snprintf(reason, size, "%s; not a configured sender", how);
		return;
	}
	if (s->pass > 0) {
		pass_reason(t, how, sizeof how);
		snprintf(reason, size, "not a configured sender; %.1f%% %s: "
		    "add it to the configuration if it is yours", share, how);
	} else if (w->configured)
		snprintf(reason, size, "not a configured sender, and fails "
		    "DMARC: spoofing, or a service not set up for %s",
		    *s->header_from ? s->header_from : w->domain);
	else
		snprintf(reason, size, "never passes DMARC: spoofing, or a "
		    "service not set up for %s",
		    *s->header_from ? s->header_from : w->domain);
}

/* --- the sources listed -------------------------------------------- */

static int
cmp_source(const void *a, const void *b)
{
	const struct source	*x = a, *y = b;
	int			 c;

	if (x->messages != y->messages)
		return x->messages > y->messages ? -1 : 1;
	if ((c = strcmp(x->ip, y->ip)) != 0)
		return c;
	return strcmp(x->header_from, y->header_from);
}

static int
cmp_listed(const void *a, const void *b)
{
	return cmp_source(*(struct source *const *)a,
	    *(struct source *const *)b);
}

/* Whether the heap would take s: it is not full, or s beats its top. */
static int
heap_wants(const struct heap *h, const struct source *s)
{
	return h->cap > 0 && (h->n < h->cap || cmp_source(s, h->v[0]) < 0);
}

/* The heap property, with the source listed last (smallest) on top. */
static void
heap_down(struct heap *h, size_t i)
{
	struct source	*t;
	size_t		 l, m;

	for (;;) {
		m = i;
		l = 2 * i + 1;
		if (l < h->n && cmp_source(h->v[l], h->v[m]) > 0)
			m = l;
		if (l + 1 < h->n && cmp_source(h->v[l + 1], h->v[m]) > 0)
			m = l + 1;
		if (m == i)
			return;
		t = h->v[i];
		h->v[i] = h->v[m];
		h->v[m] = t;
		i = m;
	}
}

/* Put e in the heap (which wants it), taking ownership. */
static int
heap_put(struct heap *h, struct source *e)
{
	struct source	*t;
	size_t		 i;

	if (h->n == h->cap) {
		free(h->v[0]);
		h->v[0] = e;
		heap_down(h, 0);
		return 0;
	}
	if (h->v == NULL) {
		h->v = calloc(h->cap, sizeof *h->v);
		if (h->v == NULL)
			return -1;
	}
	i = h->n++;
	h->v[i] = e;
	while (i > 0 && cmp_source(h->v[i], h->v[(i - 1) / 2]) > 0) {
		t = h->v[i];
		h->v[i] = h->v[(i - 1) / 2];
		h->v[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
	return 0;
}

static void
heap_free(struct heap *h)
{
	size_t	i;

	for (i = 0; i < h->n; i++)
		free(h->v[i]);
	free(h->v);
	memset(h, 0, sizeof *h);
}

/*
 * A copy of the source that ends, with what its reason needs, in one
 * allocation; the reason is written if it stays listed (window_list).
 */
static struct source *
hold(struct wbuild *wb)
{
	struct acc	*a = &wb->acc;
	struct held	*e;
	size_t		 lip, lhf, lgn;
	char		*p;

	lip = strlen(a->s.ip) + 1;
	lhf = strlen(a->s.header_from) + 1;
	lgn = a->s.gname != NULL ? strlen(a->s.gname) + 1 : 0;
	e = malloc(sizeof *e + lip + lhf + lgn);
	if (e == NULL)
		return NULL;
	e->s = a->s;
	e->z = a->z;
	p = (char *)(e + 1);
	e->s.ip = memcpy(p, a->s.ip, lip);
	e->s.header_from = memcpy(p + lip, a->s.header_from, lhf);
	if (lgn > 0)
		e->s.gname = memcpy(p + lip + lhf, a->s.gname, lgn);
	e->s.reason = NULL;
	return &e->s;
}

static int
offer(struct build *b, struct wbuild *wb, struct heap *h)
{
	struct source	*e;

	if (!heap_wants(h, &wb->acc.s))
		return 0;
	e = hold(wb);
	if (e == NULL || heap_put(h, e) == -1) {
		free(e);
		return nomem(b);
	}
	return 0;
}

/* --- groups --------------------------------------------------------- */

static const char *const group_kinds[] = {
	[GROUP_SENDER] = "configured",
	[GROUP_SERVICE] = "service",
	[GROUP_SERVICE_OTHER] = "service-other",
	[GROUP_DOMAIN] = "domain",
	[GROUP_NETWORK] = "network",
	[GROUP_FORWARDED] = "forwarded",
	[GROUP_NONE] = "none",
	[GROUP_OTHER] = "other",
};

const char *
group_kind_name(enum group_kind k)
{
	return (size_t)k < sizeof group_kinds / sizeof group_kinds[0] ?
	    group_kinds[k] : "?";
}

static void
free_held(struct source *s)
{
	free(s);		/* the allocation of hold(): s comes first */
}

/*
 * The service the source's identity names, if the catalogue knows it:
 * the identity, and an aligned pass if it has one elsewhere.
 */
static const struct svc *
source_service(struct build *b, const struct acc *a, struct svc_match *m)
{
	const struct source	*s = &a->s;
	struct svc_auth		 dk[2], sp[2];
	struct svc_evidence	 ev;
	int			 spf = (a->ident_facts & SIG_F_IDENT_SPF) != 0;
	int			 al = (a->ident_facts & SIG_F_IDENT_ALIGNED) != 0;
	const char		*hf = *s->header_from ? s->header_from :
				    b->domain;

	memset(&ev, 0, sizeof ev);
	memset(m, 0, sizeof *m);
	ev.dkims = dk;
	ev.spfs = sp;
	if (spf)
		sp[ev.nspfs++] = (struct svc_auth){ a->ident, NULL, al };
	else
		dk[ev.ndkims++] = (struct svc_auth){ a->ident, NULL, al };
	if (!al && s->dkim_aligned > 0)
		dk[ev.ndkims++] = (struct svc_auth){ hf, NULL, 1 };
	else if (!al && s->spf_aligned > 0)
		sp[ev.nspfs++] = (struct svc_auth){ hf, NULL, 1 };
	catalogue_match(b->o.cat, &ev, m);
	return m->how == SVC_FOR_US || m->how == SVC_OTHER_CUSTOMER ?
	    m->svc : NULL;
}

/*
 * A source without authentication: its network and country, over the
 * first CLASSIFY_GEO_COUNTED of them.
 */
/*
 * The source's network, looked up once for all the windows and the
 * sources of the same address: 1 found, 0 not (no database, no
 * address, not in it, unreadable).
 */
static int
source_geo(struct build *b, const struct geo_info **gi)
{
	struct dr_error	 e;

	*gi = &b->geo_gi;
	if (b->o.geo == NULL || !b->have_ip)
		return 0;
	if (b->geo_state != -1 && memcmp(b->geo_ip, b->ipbin, CIDR_LEN) == 0)
		return b->geo_state;
	memcpy(b->geo_ip, b->ipbin, CIDR_LEN);
	memset(&b->geo_gi, 0, sizeof b->geo_gi);
	memset(&e, 0, sizeof e);
	b->geo_state = geo_lookup(b->o.geo, b->ip.data, &b->geo_gi, &e) == 1;
	return b->geo_state;
}

static int
count_network(struct build *b, struct wbuild *wb)
{
	const struct geo_info	*gi;
	int			 added;

	if (b->o.geo == NULL || !b->have_ip ||
	    wb->none_counted >= CLASSIFY_GEO_COUNTED)
		return 0;
	if (wb->none_as == NULL && ((wb->none_as = hmap_new(1)) == NULL ||
	    (wb->none_cc = hmap_new(1)) == NULL))
		return nomem(b);
	wb->none_counted++;
	if (source_geo(b, &gi) != 1)
		return 0;	/* not in it, or unreadable: not counted */
	if ((gi->asn != 0 && hmap_get(wb->none_as, &gi->asn, sizeof gi->asn,
	    &added) == NULL) || (*gi->country && hmap_get(wb->none_cc,
	    gi->country, 2, &added) == NULL))
		return nomem(b);
	return 0;
}

/*
 * By network: the owner of the source's address, "AS15169 GOOGLE", its
 * country as the evidence; without one (no database, not in it, no
 * address), the group without a name.
 */
static struct group_acc *
network_group(struct build *b, struct wbuild *wb, char *by, size_t len)
{
	const struct geo_info	*gi;
	char			 name[32 + GEO_AS_NAME_MAX];

	if (source_geo(b, &gi) == 1 && gi->asn != 0) {
		snprintf(name, sizeof name, "AS%u%s%s", (unsigned)gi->asn,
		    *gi->as_name ? " " : "", gi->as_name);
		snprintf(by, len, "%s", gi->country);
		return groups_get(wb->groups, GROUP_NETWORK, name);
	}
	return groups_get(wb->groups, GROUP_NETWORK, NULL);
}

/*
 * The source that ends goes to its group: its configured sender; else
 * the service or the organisational domain of its identity, unless
 * that is ours and it is forwarded (our own signature, intact); else
 * one line for the forwarded, one for those that never authenticate.
 */
static int
group_source(struct build *b, struct wbuild *wb)
{
	struct acc		*a = &wb->acc;
	struct source		*s = &a->s, *e;
	struct group_acc	*g;
	struct svc_match	 m;
	const struct svc	*v = NULL;
	const char		*svc_by = NULL;
	char			 by[128] = "";	/* by network: the country */
	int			 ours, named = 0;

	ours = *a->ident && (a->ident_facts & SIG_F_IDENT_ALIGNED);
	if (b->o.keep & CLASSIFY_BY_AS)
		g = network_group(b, wb, by, sizeof by);
	else if (s->sender != NULL)
		g = groups_get(wb->groups, GROUP_SENDER, s->sender->name);
	else if (*a->ident && !(ours && s->class == CLASS_FORWARDED)) {
		named = 1;
		if (b->o.cat != NULL && (v = source_service(b, a, &m)) !=
		    NULL) {
			g = groups_get(wb->groups, m.how == SVC_FOR_US ?
			    GROUP_SERVICE : GROUP_SERVICE_OTHER, v->name);
			svc_by = m.by;
		} else
			g = groups_get(wb->groups, GROUP_DOMAIN,
			    align_org(a->ident));
	} else if (s->class == CLASS_FORWARDED)
		g = groups_get(wb->groups, GROUP_FORWARDED, NULL);
	else {
		g = groups_get(wb->groups, GROUP_NONE, NULL);
		if (count_network(b, wb) == -1)
			return -1;
	}
	if (g == NULL)
		return nomem(b);
	/* Until the next group: hold() copies it. */
	s->gkind = g->g.kind;
	s->gname = g->named ? g->name : NULL;
	group_add(g, s);
	if (g->held == NULL || cmp_source(s, g->held) < 0) {
		if ((e = hold(wb)) == NULL)
			return nomem(b);
		if (g->held != NULL)
			free_held(g->held);
		g->held = e;
		/* Its evidence, written only for the largest source. */
		if (svc_by != NULL)
			snprintf(g->evidence, sizeof g->evidence, "%s", svc_by);
		else if (named)
			snprintf(g->evidence, sizeof g->evidence, "%s %s%.100s",
			    a->ident_facts & SIG_F_IDENT_SPF ? "SPF" : "DKIM",
			    a->ident_facts & SIG_F_IDENT_SPF ? "" : "d=",
			    a->ident);
		else
			memcpy(g->evidence, by, sizeof g->evidence);
	}
	return 0;
}

/* --- reading the sources ------------------------------------------- */

/* The source ends in a window: count it, and list it if it is large. */
static int
end_window_source(struct build *b, struct wbuild *wb)
{
	struct window	*w = &wb->p->pub;
	struct acc	*a = &wb->acc;
	struct source	*s = &a->s;
	size_t		 j;

	s->ip = b->ip.data;
	s->header_from = b->hf.data;
	s->first_seen = b->first_seen;
	decide(b, wb);
	w->nsources++;
	if (source_new(w, s)) {
		w->new_sources++;
		w->new_messages = add(w->new_messages, s->messages);
	}
	w->messages = add(w->messages, s->messages);
	w->pass = add(w->pass, s->pass);
	w->class_messages[s->class] = add(w->class_messages[s->class],
	    s->messages);
	w->class_pass[s->class] = add(w->class_pass[s->class], s->pass);
	w->class_sources[s->class]++;
	for (j = 0; j < w->nsenders; j++)
		if (w->senders[j].sender == s->sender) {
			struct sender_use *u = &w->senders[j];
			u->messages = add(u->messages, s->messages);
			u->pass = add(u->pass, s->pass);
			u->dkim_aligned = add(u->dkim_aligned,
			    s->dkim_aligned);
			u->sources++;
		}
	if (wb->groups != NULL && group_source(b, wb) == -1)
		return -1;
	if (b->o.each != NULL && b->o.each(b->o.arg, s) != 0)
		return -1;

	if ((b->o.only < 0 || (int)s->class == b->o.only) &&
	    offer(b, wb, &wb->top) == -1)
		return -1;
	if (offer(b, wb, &wb->keep[s->class]) == -1)
		return -1;
	if (source_new(w, s) && offer(b, wb, &wb->keep_new) == -1)
		return -1;
	if (s->authorised && pct(s->dkim_aligned, s->messages) < w->th.dkim &&
	    offer(b, wb, &wb->keep_weak) == -1)
		return -1;
	return 0;
}

/* The signature's records end: feed its messages to each window. */
static void
end_sig(struct build *b)
{
	size_t	i;

	for (i = 0; b->have_sig && i < b->nw; i++)
		if (b->wb[i].acc.sig_n > 0) {
			feed(b, &b->wb[i], b->wb[i].acc.sig_n);
			b->wb[i].acc.sig_n = 0;
		}
	b->have_sig = 0;
}

static void
acc_reset(struct build *b, struct acc *a)
{
	uint64_t	*by = a->by_sender;

	memset(&a->s, 0, sizeof a->s);
	a->s.first_day = INT64_MAX;
	a->s.last_day = INT64_MIN;
	a->open = 0;
	a->sig_n = 0;
	memset(&a->z, 0, sizeof a->z);
	a->ident_n = 0;
	a->ident[0] = '\0';
	if (by != NULL)
		memset(by, 0, b->nsenders * sizeof *by);
}

static int
end_source(struct build *b)
{
	size_t	i;

	end_sig(b);
	for (i = 0; i < b->nw; i++)
		if (b->wb[i].acc.open && end_window_source(b, &b->wb[i]) == -1)
			return -1;
	b->open = 0;
	return 0;
}

static int
begin_source(struct build *b, const struct store_day *d)
{
	size_t	i;

	buf_reset(&b->hf);
	buf_reset(&b->ip);
	if (buf_adds(&b->hf, d->header_from) == -1 ||
	    buf_addc(&b->hf, '\0') == -1 || buf_adds(&b->ip, d->source_ip) ==
	    -1 || buf_addc(&b->ip, '\0') == -1)
		return nomem(b);
	b->open = 1;
	b->seq++;
	b->first_seen = -1;
	if (b->firsts != NULL && store_firsts_get(b->firsts, b->hf.data,
	    b->ip.data, &b->first_seen, b->err) == -1)
		return -1;
	b->subdomain = *d->header_from && strcmp(d->header_from, b->domain) !=
	    0 && conf_domain_within(d->header_from, b->domain);
	b->have_ip = cidr_addr(d->source_ip, b->ipbin) == 0;
	for (i = 0; i < b->nw; i++)
		acc_reset(b, &b->wb[i].acc);
	return 0;
}

/* A reporter's id, 0 for those past CLASSIFY_REPORTERS; -1: memory. */
static long
reporter_id(struct build *b, const char *name)
{
	unsigned	*id;
	size_t		 i, n;
	int		 added;

	if (name == NULL)
		name = "";
	if (b->have_rep && strcmp(name, b->last_rep.data) == 0)
		return b->last_rep_id;
	id = hmap_find(b->rep_ix, name, strlen(name));
	if (id == NULL && hmap_count(b->rep_ix) < CLASSIFY_REPORTERS) {
		id = hmap_get(b->rep_ix, name, strlen(name), &added);
		if (id == NULL)
			return nomem(b);
		*id = (unsigned)hmap_count(b->rep_ix);
	}
	/* Room in each window to mark it seen. */
	n = hmap_count(b->rep_ix) + 1;
	for (i = 0; i < b->nw; i++) {
		struct wbuild *wb = &b->wb[i];
		if (wb->nrep_seen < n) {
			size_t cap = n < 64 ? 64 : n * 2;
			unsigned *p = realloc(wb->rep_seen, cap * sizeof *p);
			if (p == NULL)
				return nomem(b);
			memset(p + wb->nrep_seen, 0,
			    (cap - wb->nrep_seen) * sizeof *p);
			wb->rep_seen = p;
			wb->nrep_seen = cap;
		}
	}
	buf_reset(&b->last_rep);
	if (buf_adds(&b->last_rep, name) == -1 ||
	    buf_addc(&b->last_rep, '\0') == -1)
		return nomem(b);
	b->have_rep = 1;
	b->last_rep_id = id != NULL ? *id : 0;
	return b->last_rep_id;
}

static int
on_row(void *arg, const struct store_day *d)
{
	struct build	*b = arg;
	long		 rid;
	size_t		 i, n;

	if (b->open && (strcmp(d->header_from, b->hf.data) != 0 ||
	    strcmp(d->source_ip, b->ip.data) != 0) && end_source(b) == -1)
		return -1;
	if (!b->open && begin_source(b, d) == -1)
		return -1;
	if (!b->have_sig || d->sig != b->sig) {
		end_sig(b);
		b->have_sig = 1;
		b->sig = d->sig;
		b->facts = d->facts;
		b->have_mask = d->senders != NULL;
		if (b->have_mask)
			memcpy(b->mask, d->senders, b->nmask);
		/* A longer one is no host name: cut, it names a group
		   (as snprintf would, without its cost at each record). */
		n = d->ident != NULL ? strnlen(d->ident, sizeof b->ident - 1) :
		    0;
		if (n > 0)
			memcpy(b->ident, d->ident, n);
		b->ident[n] = '\0';
	}
	rid = reporter_id(b, d->reporter);
	if (rid < 0)
		return -1;
	for (i = 0; i < b->nw; i++) {
		struct wbuild	*wb = &b->wb[i];
		struct window	*w = &wb->p->pub;
		struct acc	*a = &wb->acc;
		uint64_t	 k = (uint64_t)d->messages;

		if (d->day < w->from_day || d->day > w->to_day)
			continue;
		a->open = 1;
		a->sig_n = add(a->sig_n, k);
		if (d->day < a->s.first_day)
			a->s.first_day = d->day;
		if (d->day > a->s.last_day)
			a->s.last_day = d->day;
		if (d->day > w->last_day)
			w->last_day = d->day;
		w->days[d->day - w->from_day].messages =
		    add(w->days[d->day - w->from_day].messages, k);
		if (b->facts & SIG_F_DMARC)
			w->days[d->day - w->from_day].pass =
			    add(w->days[d->day - w->from_day].pass, k);
		if (wb->rep_seen[rid] != b->seq) {
			wb->rep_seen[rid] = b->seq;
			a->s.reporters++;
		}
	}
	return 0;
}

/* --- the windows --------------------------------------------------- */

struct names {
	struct build	*b;
	struct window	*w;
	struct arena	*mem;
	struct hmap	*seen;
	const char	**v;
	size_t		  n, cap;
};

static int
on_reporter(void *arg, const char *name)
{
	struct names	*l = arg;
	int		 added;

	if (hmap_count(l->seen) >= CLASSIFY_REPORTERS)
		return 0;
	if (hmap_get(l->seen, name, strlen(name), &added) == NULL)
		return nomem(l->b);
	if (!added)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		const char **v = realloc(l->v, cap * sizeof *v);
		if (v == NULL)
			return nomem(l->b);
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n] = arena_strndup(l->mem, name, strlen(name));
	if (l->v[l->n] == NULL)
		return nomem(l->b);
	l->n++;
	return 0;
}

/* The window's reporters, in the order of their reports' days. */
static int
window_reporters(struct build *b, struct window_priv *p)
{
	struct window	*w = &p->pub;
	struct names	 l;
	int		 rc = -1;

	memset(&l, 0, sizeof l);
	l.b = b;
	l.mem = &p->mem;
	l.seen = hmap_new(0);
	if (l.seen == NULL)
		return nomem(b);
	if (w->to_day >= w->from_day && store_day_reporters(b->store,
	    b->domain, w->from_day, w->to_day, on_reporter, &l, b->err) ==
	    -1)
		goto out;
	w->reporters = (unsigned)l.n;
	w->reporter_names = arena_alloc(&p->mem, (l.n + 1) *
	    sizeof *w->reporter_names);
	if (w->reporter_names == NULL) {
		nomem(b);
		goto out;
	}
	if (l.n > 0)
		memcpy(w->reporter_names, l.v, l.n * sizeof *l.v);
	rc = 0;
out:
	hmap_free(l.seen);
	free(l.v);
	return rc;
}

static struct window_priv *
window_new(struct build *b, int64_t from, int64_t to)
{
	struct window_priv	*p;
	struct window		*w;
	size_t			 i;

	p = calloc(1, sizeof *p);
	if (p == NULL)
		return NULL;
	w = &p->pub;
	w->domain = arena_strndup(&p->mem, b->domain, strlen(b->domain));
	w->from_day = from;
	w->to_day = to;
	w->last_day = -1;
	w->ndays = to >= from ? (size_t)(to - from + 1) : 0;
	w->days = calloc(w->ndays ? w->ndays : 1, sizeof *w->days);
	if (w->domain == NULL || w->days == NULL)
		goto fail;
	conf_thresholds(b->conf, b->domain, &w->th);
	w->configured = b->nsenders > 0;
	if (b->nsenders > 0) {
		w->senders = calloc(b->nsenders, sizeof *w->senders);
		if (w->senders == NULL)
			goto fail;
		for (i = 0; i < b->nsenders; i++)
			w->senders[i].sender = conf_sender(b->conf, b->domain,
			    i);
		w->nsenders = b->nsenders;
	}
	return p;
fail:
	window_free(w);
	return NULL;
}

/*
 * The strings of a listed source's reason: the first result of each
 * kind of the signature kept for it.
 */
static int
load_tops(struct build *b, const struct lazy *z, struct tops *t)
{
	const struct sig	*g;
	const struct sig_result	*r;
	struct top		*o;
	int			 c;

	for (c = 0; c < SIG_C__COUNT; c++)
		top_reset(&t->t[c]);
	top_reset(&t->why);
	t->why.a = z->why;
	t->why.n = z->why_n;
	for (c = 0; c < SIG_C__COUNT; c++) {
		if (z->cand_n[c] == 0)
			continue;
		g = sig_load(b, z->cand_sig[c]);
		if (g == NULL)
			return -1;
		r = tally_cand(g, (enum sig_cand)c);
		if (r == NULL)
			continue;
		o = &t->t[c];
		o->n = z->cand_n[c];
		o->a = top_copy(o->buf[0], r->domain);
		switch (c) {
		case SIG_C_PASS_DK:
		case SIG_C_DK_UNAL:
			o->b = top_copy(o->buf[1], r->detail);
			break;
		case SIG_C_DK_FAIL:
			o->b = top_copy(o->buf[1], r->detail);
			o->c = top_copy(o->buf[2], r->result);
			break;
		case SIG_C_DK_OTHER:
			o->c = top_copy(o->buf[2], r->result);
			break;
		case SIG_C_SP_ERR:
		case SIG_C_SP_FAIL:
		case SIG_C_SP_OTHER:
			o->b = top_copy(o->buf[1], r->result);
			break;
		default:
			break;
		}
	}
	return 0;
}

/* A string of a listed source, into the window's memory. */
static int
keep_str(struct window_priv *p, const char *v, const char **out)
{
	*out = NULL;
	if (v == NULL)
		return 0;
	*out = arena_strndup(&p->mem, v, strlen(v));
	return *out == NULL ? -1 : 0;
}

/* A listed source's passing results, from its reason's candidates. */
static int
keep_auth(struct window_priv *p, const struct tops *t,
    struct source_auth *a)
{
	const struct top	*dk = &t->t[SIG_C_PASS_DK];
	const struct top	*du = &t->t[SIG_C_DK_UNAL];

	if (keep_str(p, dk->a, &a->dkim) == -1 ||
	    keep_str(p, dk->a ? dk->b : NULL, &a->dkim_selector) == -1 ||
	    keep_str(p, du->a, &a->dkim_other) == -1 ||
	    keep_str(p, du->a ? du->b : NULL, &a->dkim_other_selector) ==
	    -1 || keep_str(p, t->t[SIG_C_PASS_SP].a, &a->spf) == -1 ||
	    keep_str(p, t->t[SIG_C_SP_UNAL].a, &a->spf_other) == -1)
		return -1;
	return 0;
}

/* Gather a window's heaps into its list, largest first, each once. */
static int
window_list(struct build *b, struct wbuild *wb)
{
	struct window_priv	*p = wb->p;
	struct window		*w = &p->pub;
	struct heap		*hs[CLASS__COUNT + 3];
	struct source		**all;
	uint64_t		 listed = 0;
	size_t			 n = 0, i, j, k;

	hs[0] = &wb->top;
	hs[1] = &wb->keep_new;
	hs[2] = &wb->keep_weak;
	for (i = 0; i < CLASS__COUNT; i++)
		hs[3 + i] = &wb->keep[i];
	for (i = 0; i < CLASS__COUNT + 3; i++)
		n += hs[i]->n;
	all = calloc(n ? n : 1, sizeof *all);
	w->listed = calloc(n ? n : 1, sizeof *w->listed);
	if (all == NULL || w->listed == NULL) {
		free(all);
		return nomem(b);
	}
	for (i = 0, k = 0; i < CLASS__COUNT + 3; i++) {
		for (j = 0; j < hs[i]->n; j++)
			all[k++] = hs[i]->v[j];
		hs[i]->n = 0;
	}
	if (n > 1)
		qsort(all, n, sizeof *all, cmp_listed);
	/* A source in several heaps: one copy is kept. */
	for (i = 0, k = 0; i < n; i++) {
		if (k > 0 && cmp_source(all[i], all[k - 1]) == 0) {
			free(all[i]);
			continue;
		}
		all[k++] = all[i];
	}
	p->held = all;
	p->nheld = k;
	if (sig_prefetch(b, all, k) == -1)
		return -1;
	for (i = 0; i < k; i++) {
		struct held	*h = (struct held *)all[i];
		struct tops	 t;
		char		 reason[320];

		if (load_tops(b, &h->z, &t) == -1)
			return -1;
		say_why(w, &h->s, &h->z, &t, reason, sizeof reason);
		h->s.reason = arena_strndup(&p->mem, reason, strlen(reason));
		if (h->s.reason == NULL || keep_auth(p, &t, &h->s.auth) == -1)
			return nomem(b);
		w->listed[i] = h->s;
		listed = add(listed, all[i]->messages);
	}
	w->nlisted = k;
	w->unlisted_messages = w->messages - listed;
	return 0;
}

/* The signatures of the reasons of the n groups' largest sources. */
static int
groups_prefetch(struct build *b, struct group_acc *const *v, size_t n)
{
	struct source	**held;
	size_t		  i, k = 0;
	int		  ret;

	held = calloc(n + 1, sizeof *held);
	if (held == NULL)
		return nomem(b);
	for (i = 0; i < n; i++)
		if (v[i]->held != NULL)
			held[k++] = v[i]->held;
	ret = sig_prefetch(b, held, k);
	free(held);
	return ret;
}

/*
 * The window's groups, largest first: the limit largest listed, each
 * with its largest source and that source's reason.
 */
static int
window_groups(struct build *b, struct wbuild *wb)
{
	struct window_priv	*p = wb->p;
	struct window		*w = &p->pub;
	struct group_acc	**v;
	uint64_t		 listed = 0;
	size_t			 n, i, k;

	v = groups_sorted(wb->groups, &n);
	if (v == NULL && n > 0)
		return nomem(b);
	w->groups_total = n;
	w->ngroups = n < b->o.limit ? n : b->o.limit;
	w->groups = calloc(w->ngroups ? w->ngroups : 1, sizeof *w->groups);
	if (w->groups == NULL)
		return nomem(b);
	if (groups_prefetch(b, v, w->ngroups) == -1)
		return -1;
	for (i = 0; i < w->ngroups; i++) {
		struct source_group	*g = &w->groups[i];
		struct held		*h = (struct held *)v[i]->held;
		struct tops		 t;
		char			 reason[320];

		*g = v[i]->g;
		if (keep_str(p, g->name, &g->name) == -1 ||
		    keep_str(p, g->evidence, &g->evidence) == -1)
			return nomem(b);
		if (g->kind == GROUP_NONE && wb->none_as != NULL) {
			g->networks = (unsigned)hmap_count(wb->none_as);
			g->countries = (unsigned)hmap_count(wb->none_cc);
			g->counted = wb->none_counted;
		}
		for (k = 1; k < CLASS__COUNT; k++)
			if (g->class_messages[k] > g->class_messages[g->class])
				g->class = (enum source_class)k;
		listed = add(listed, g->messages);
		if (h == NULL)
			continue;
		if (load_tops(b, &h->z, &t) == -1)
			return -1;
		say_why(w, &h->s, &h->z, &t, reason, sizeof reason);
		g->top = h->s;
		if (keep_str(p, reason, &g->top.reason) == -1 ||
		    keep_str(p, h->s.ip, &g->top.ip) == -1 ||
		    keep_str(p, h->s.header_from, &g->top.header_from) == -1 ||
		    keep_str(p, h->s.gname, &g->top.gname) == -1 ||
		    keep_auth(p, &t, &g->top.auth) == -1)
			return nomem(b);
	}
	w->unlisted_group_messages = w->messages - listed;
	return 0;
}

void
window_free(struct window *w)
{
	struct window_priv	*p = (struct window_priv *)w;
	size_t			 i;

	if (w == NULL)
		return;
	for (i = 0; i < p->nheld; i++)
		free(p->held[i]);
	free(p->held);
	free(w->listed);
	free(w->groups);
	free(w->senders);
	free(w->days);
	arena_free(&p->mem);
	free(p);
}

static void
build_free(struct build *b)
{
	size_t	i, j;

	for (i = 0; i < b->nw; i++) {
		struct wbuild *wb = &b->wb[i];
		heap_free(&wb->top);
		heap_free(&wb->keep_new);
		heap_free(&wb->keep_weak);
		for (j = 0; j < CLASS__COUNT; j++)
			heap_free(&wb->keep[j]);
		free(wb->acc.by_sender);
		free(wb->rep_seen);
		groups_free(wb->groups);
		hmap_free(wb->none_as);
		hmap_free(wb->none_cc);
	}
	store_firsts_close(b->firsts);
	free(b->mask);
	free(b->senders);
	arena_free(&b->passmem);
	hmap_free(b->sig_ix);
	hmap_free(b->rep_ix);
	free(b->sigs);
	arena_free(&b->sigmem);
	buf_free(&b->last_rep);
	buf_free(&b->hf);
	buf_free(&b->ip);
}

int
classify_windows(struct store *s, const struct conf *c, const char *domain,
    size_t n, const int64_t *from, const int64_t *to,
    const struct classify_opts *opts, struct window **out,
    struct dr_error *err)
{
	struct build	*b;
	int64_t		 lo = INT64_MAX, hi = INT64_MIN;
	size_t		 i, j;
	int		 rc = -1, reading = 0;

	for (i = 0; i < n; i++)
		out[i] = NULL;
	assert(n > 0 && n <= CLASSIFY_WINDOWS);
	b = calloc(1, sizeof *b);
	if (b == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	b->store = s;
	b->conf = c;
	b->domain = domain;
	b->err = err;
	b->nw = n;
	b->geo_state = -1;
	if (opts != NULL)
		b->o = *opts;
	else {
		b->o.limit = CLASSIFY_LIMIT;
		b->o.only = -1;
		b->o.keep = CLASSIFY_KEEP_MISCONFIGURED;
	}
	b->nsenders = conf_nsenders(c, domain);
	b->senders = calloc(b->nsenders ? b->nsenders : 1,
	    sizeof *b->senders);
	if (b->senders == NULL) {
		nomem(b);
		goto out;
	}
	/* A mask of senders only if some sender has DKIM or SPF rules. */
	for (i = 0; i < b->nsenders; i++) {
		const struct conf_sender *cs = conf_sender(c, domain, i);
		b->senders[i] = cs;
		if (cs->ndkims > 0 || cs->nspfs > 0)
			b->nmask = (b->nsenders + 7) / 8;
	}
	b->mask = calloc(b->nmask ? b->nmask : 1, 1);
	b->sig_ix = hmap_new(sizeof(size_t));
	b->rep_ix = hmap_new(sizeof(unsigned));
	if (b->sig_ix == NULL || b->rep_ix == NULL || b->mask == NULL) {
		nomem(b);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct wbuild *wb = &b->wb[i];
		wb->p = window_new(b, from[i], to[i]);
		if (wb->p == NULL) {
			nomem(b);
			goto out;
		}
		if (b->nsenders > 0) {
			wb->acc.by_sender = calloc(b->nsenders,
			    sizeof *wb->acc.by_sender);
			if (wb->acc.by_sender == NULL) {
				nomem(b);
				goto out;
			}
		}
		wb->top.cap = b->o.keep & (CLASSIFY_BY_SENDER |
		    CLASSIFY_BY_AS) ? 0 :
		    b->o.limit;
		if ((b->o.keep & (CLASSIFY_BY_SENDER | CLASSIFY_BY_AS)) &&
		    (wb->groups = groups_new(free_held)) == NULL) {
			nomem(b);
			goto out;
		}
		if (b->o.keep & (CLASSIFY_KEEP_MISCONFIGURED |
		    CLASSIFY_KEEP_ALL))
			wb->keep[CLASS_MISCONFIGURED].cap = CLASSIFY_KEEP;
		if (b->o.keep & CLASSIFY_KEEP_ALL) {
			for (j = 0; j < CLASS__COUNT; j++)
				wb->keep[j].cap = CLASSIFY_KEEP;
			wb->keep_new.cap = CLASSIFY_KEEP;
			wb->keep_weak.cap = CLASSIFY_KEEP;
		}
		if (to[i] >= from[i]) {
			if (from[i] < lo)
				lo = from[i];
			if (to[i] > hi)
				hi = to[i];
		}
	}
	/* One snapshot for the windows' reporters and records. */
	if (store_read_begin(s, err) == -1)
		goto out;
	reading = 1;
	for (i = 0; i < n; i++)
		if (window_reporters(b, b->wb[i].p) == -1)
			goto out;
	if (!(b->o.keep & CLASSIFY_CLASSES_ONLY) &&
	    store_firsts_open(s, domain, lo, &b->firsts, err) == -1)
		goto out;
	if (lo <= hi && store_days(s, domain, lo, hi, b->nmask, match_senders,
	    b, on_row, b, err) == -1)
		goto out;
	if (b->open && end_source(b) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (window_list(b, &b->wb[i]) == -1 ||
		    (b->wb[i].groups != NULL &&
		    window_groups(b, &b->wb[i]) == -1))
			goto out;
	rc = 0;
out:
	if (reading)
		store_read_end(s);
	for (i = 0; i < n; i++) {
		if (rc == 0)
			out[i] = &b->wb[i].p->pub;
		else if (b->wb[i].p != NULL)
			window_free(&b->wb[i].p->pub);
	}
	build_free(b);
	free(b);
	return rc;
}

int
classify_window(struct store *s, const struct conf *c, const char *domain,
    int64_t from, int64_t to, const struct classify_opts *opts,
    struct window **out, struct dr_error *err)
{
	return classify_windows(s, c, domain, 1, &from, &to, opts, out, err);
}
