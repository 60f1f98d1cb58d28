/*
 * classify.c: sources of a domain, from the summary, into classes.
 *
 * The window's rows are summed per source (IP and header_from) with the
 * messages of each signature kept, since both the configured senders
 * (DKIM and SPF rules) and the reasons look at what each signature
 * says. Then each source is matched against the configuration and put
 * in one class, with a reason in one line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "classify.h"
#include "cidr.h"
#include "hmap.h"

struct src_sig {
	size_t		sig;		/* index into the loaded signatures */
	uint64_t	messages;
};

struct build {
	struct store		*store;
	const struct conf	*conf;
	struct window		*w;
	struct arena		 mem;		/* strings, signatures */
	struct hmap		*sig_ix;	/* sig id -> index + 1 */
	struct sig		*sigs;
	size_t			 nsigs, capsigs;
	struct hmap		*src_ix;	/* ip NUL hf -> index + 1 */
	struct hmap		*rep_ix;	/* reporter -> id + 1 */
	int64_t			 report;	/* the row's report, */
	unsigned		 rep_id;	/* and its reporter's id */
	size_t			 capsources;
	struct buf		 key;
	struct dr_error		*err;
};

/* The window owns its memory through this. */
struct window_priv {
	struct window	pub;
	struct arena	mem;
	struct sig	*sigs;
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

static int
nomem(struct build *b)
{
	return dr_seterr(b->err, DR_E_NOMEM, "out of memory");
}

/* The loaded signature for an id: its index, or -1 on error. */
static long
sig_index(struct build *b, int64_t id)
{
	size_t	*ix;
	int	 added;

	ix = hmap_get(b->sig_ix, &id, sizeof id, &added);
	if (ix == NULL)
		return nomem(b);
	if (!added)
		return (long)(*ix - 1);
	if (b->nsigs == b->capsigs) {
		size_t cap = b->capsigs ? b->capsigs * 2 : 64;
		struct sig *p = realloc(b->sigs, cap * sizeof *p);
		if (p == NULL)
			return nomem(b);
		b->sigs = p;
		b->capsigs = cap;
	}
	if (store_sig(b->store, id, &b->mem, &b->sigs[b->nsigs], b->err) ==
	    -1)
		return -1;
	*ix = ++b->nsigs;
	return (long)(b->nsigs - 1);
}

static const char *
intern(struct build *b, const char *s)
{
	return arena_strndup(&b->mem, s, strlen(s));
}

static struct source *
source_for(struct build *b, const char *ip, const char *hf)
{
	struct window	*w = b->w;
	struct source	*s;
	size_t		*ix;
	int		 added;

	buf_reset(&b->key);
	if (buf_adds(&b->key, ip) == -1 || buf_add(&b->key, "", 1) == -1 ||
	    buf_adds(&b->key, hf) == -1)
		return NULL;
	ix = hmap_get(b->src_ix, b->key.data, b->key.len, &added);
	if (ix == NULL)
		return NULL;
	if (!added)
		return &w->sources[*ix - 1];
	if (w->nsources == b->capsources) {
		size_t cap = b->capsources ? b->capsources * 2 : 256;
		struct source *p = realloc(w->sources, cap * sizeof *p);
		if (p == NULL)
			return NULL;
		w->sources = p;
		b->capsources = cap;
	}
	s = &w->sources[w->nsources];
	memset(s, 0, sizeof *s);
	s->ip = intern(b, ip);
	s->header_from = intern(b, hf);
	if (s->ip == NULL || s->header_from == NULL)
		return NULL;
	s->first_day = INT64_MAX;
	s->last_day = INT64_MIN;
	s->first_seen = -1;
	*ix = ++w->nsources;
	return s;
}

static int
grow(void *arrp, size_t *cap, size_t n, size_t size)
{
	void	**arr = arrp;
	void	 *p;

	if (n < *cap)
		return 0;
	p = realloc(*arr, (*cap ? *cap * 2 : 4) * size);
	if (p == NULL)
		return -1;
	*arr = p;
	*cap = *cap ? *cap * 2 : 4;
	return 0;
}

static int
on_row(void *arg, const struct store_day *d)
{
	struct build		*b = arg;
	const struct sig	*g;
	struct source		*s;
	unsigned		*rid, id;
	long			 gi;
	size_t			 i;
	int			 added;

	gi = sig_index(b, d->sig);
	if (gi < 0)
		return -1;
	g = &b->sigs[gi];
	s = source_for(b, d->source_ip ? d->source_ip : "",
	    g->header_from ? g->header_from : "");
	if (s == NULL)
		return nomem(b);
	for (i = 0; i < s->nsigs; i++)
		if (s->sigs[i].sig == (size_t)gi)
			break;
	if (i == s->nsigs) {
		if (grow(&s->sigs, &s->capsigs, s->nsigs, sizeof *s->sigs) ==
		    -1)
			return nomem(b);
		s->sigs[s->nsigs].sig = (size_t)gi;
		s->sigs[s->nsigs++].messages = 0;
	}
	s->sigs[i].messages = add(s->sigs[i].messages, (uint64_t)d->messages);
	if (d->day < s->first_day)
		s->first_day = d->day;
	if (d->day > s->last_day)
		s->last_day = d->day;
	if (d->day > b->w->last_day)
		b->w->last_day = d->day;
	if (d->day >= b->w->from_day && d->day <= b->w->to_day) {
		struct window_day *wd = &b->w->days[d->day - b->w->from_day];
		wd->messages = add(wd->messages, (uint64_t)d->messages);
		if (g->dmarc)
			wd->pass = add(wd->pass, (uint64_t)d->messages);
	}
	/* A report's rows come together, all with its reporter. */
	if (d->report != b->report || b->rep_id == 0) {
		rid = hmap_get(b->rep_ix, d->reporter ? d->reporter : "",
		    d->reporter ? strlen(d->reporter) : 0, &added);
		if (rid == NULL)
			return nomem(b);
		if (added)
			*rid = (unsigned)hmap_count(b->rep_ix);
		b->report = d->report;
		b->rep_id = *rid;
	}
	id = b->rep_id;
	for (i = 0; i < s->nreps; i++)
		if (s->rep_ids[i] == id)
			break;
	if (i == s->nreps) {
		if (grow(&s->rep_ids, &s->capreps, s->nreps,
		    sizeof *s->rep_ids) == -1)
			return nomem(b);
		s->rep_ids[s->nreps++] = id;
	}
	return 0;
}

/* --- matching the configuration ------------------------------------ */

static int
dkim_rule_matches(const struct conf_dkim *k, const struct sig_result *r)
{
	size_t	i;

	if (!eq(r->result, "pass") || !conf_domain_within(r->domain,
	    k->domain))
		return 0;
	if (k->nselectors == 0)
		return 1;
	for (i = 0; i < k->nselectors; i++)
		if (eq(r->detail, k->selectors[i]))
			return 1;
	return 0;
}

/* Messages of the source that this sender accounts for. */
static uint64_t
sender_messages(const struct build *b, const struct source *s,
    const uint8_t *ip, const struct conf_sender *c)
{
	uint64_t	m = 0;
	size_t		i, j, k;

	for (i = 0; ip != NULL && i < c->nips; i++)
		if (cidr_match(&c->ips[i], ip))
			return s->messages;
	for (i = 0; i < s->nsigs; i++) {
		const struct sig *g = &b->sigs[s->sigs[i].sig];
		int hit = 0;
		for (j = 0; j < g->ndkims && !hit; j++)
			for (k = 0; k < c->ndkims && !hit; k++)
				hit = dkim_rule_matches(&c->dkims[k],
				    &g->dkims[j]);
		for (j = 0; j < g->nspfs && !hit; j++)
			for (k = 0; k < c->nspfs && !hit; k++)
				hit = eq(g->spfs[j].result, "pass") &&
				    conf_domain_within(g->spfs[j].domain,
				    c->spfs[k]);
		if (hit)
			m = add(m, s->sigs[i].messages);
	}
	return m;
}

/* --- reasons ------------------------------------------------------- */

/* The largest of a few weighted candidates, by name. */
struct top {
	const char	*a, *b, *c;	/* up to three strings describing it */
	uint64_t	 n;
};

static void
consider(struct top *t, uint64_t n, const char *a, const char *b,
    const char *c)
{
	if (n > t->n) {
		t->n = n;
		t->a = a;
		t->b = b;
		t->c = c;
	}
}

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
 * Weigh the failing signatures of a source by message count and say,
 * in one line, what fails and what to do about it.
 */
static void
fix_reason(const struct build *b, const struct source *s, char *out,
    size_t len)
{
	enum { DK_OK, DK_FAILS, DK_UNALIGNED, DK_MISSING, DK_OTHER } dk =
	    DK_OK;
	enum { SP_OK, SP_ERROR, SP_UNALIGNED, SP_FAILS, SP_OTHER } sp = SP_OK;
	struct top	 dk_unal = { 0 }, dk_fail = { 0 }, sp_unal = { 0 };
	struct top	 sp_fail = { 0 }, sp_err = { 0 };
	/* Results that neither pass nor are aligned. */
	struct top	 dk_other = { 0 }, sp_other = { 0 };
	uint64_t	 no_dkim = 0;
	const char	*hf = *s->header_from ? s->header_from : b->w->domain;
	char		 dkim[160] = "", spf[160] = "", fix[160];
	size_t		 i, j;

	for (i = 0; i < s->nsigs; i++) {
		const struct sig *g = &b->sigs[s->sigs[i].sig];
		uint64_t n = s->sigs[i].messages;
		int signed_ = 0;
		if (g->dmarc)
			continue;
		for (j = 0; j < g->ndkims; j++) {
			const struct sig_result *r = &g->dkims[j];
			if (r->domain == NULL || eq(r->result, "none"))
				continue;
			signed_ = 1;
			if (eq(r->result, "pass") && !r->aligned)
				consider(&dk_unal, n, r->domain, NULL, NULL);
			else if (r->aligned && !eq(r->result, "pass"))
				consider(&dk_fail, n, r->domain, r->detail,
				    r->result);
			else if (!r->aligned)
				consider(&dk_other, n, r->domain, NULL,
				    r->result);
		}
		if (!signed_)
			no_dkim = add(no_dkim, n);
		for (j = 0; j < g->nspfs; j++) {
			const struct sig_result *r = &g->spfs[j];
			if (eq(r->result, "temperror") ||
			    eq(r->result, "permerror"))
				consider(&sp_err, n, r->domain, r->result,
				    NULL);
			else if (eq(r->result, "pass") && !r->aligned)
				consider(&sp_unal, n, r->domain, NULL, NULL);
			else if (r->aligned && !eq(r->result, "pass"))
				consider(&sp_fail, n, r->domain, r->result,
				    NULL);
			else if (!r->aligned)
				consider(&sp_other, n, r->domain, r->result,
				    NULL);
		}
	}
	if (dk_fail.n > 0 && dk_fail.n >= dk_unal.n && dk_fail.n >= no_dkim) {
		dk = DK_FAILS;
		snprintf(dkim, sizeof dkim, "DKIM d=%s fails (%s)", dk_fail.a,
		    dk_fail.c ? dk_fail.c : "no result");
	} else if (dk_unal.n > 0 && dk_unal.n >= no_dkim) {
		dk = DK_UNALIGNED;
		snprintf(dkim, sizeof dkim, "DKIM passes for d=%s, not "
		    "aligned with %s", dk_unal.a, hf);
	} else if (no_dkim > 0 && no_dkim >= dk_other.n) {
		dk = DK_MISSING;
		snprintf(dkim, sizeof dkim, "no DKIM signature");
	} else if (dk_other.n > 0) {
		dk = DK_OTHER;
		snprintf(dkim, sizeof dkim, "DKIM %s%s for d=%s, not aligned "
		    "with %s", eq(dk_other.c, "fail") ? "fails" : "result ",
		    eq(dk_other.c, "fail") ? "" : result_word(dk_other.c,
		    dkim_results), dk_other.a, hf);
	}
	if (sp_err.n > 0 && sp_err.n >= sp_unal.n && sp_err.n >= sp_fail.n) {
		sp = SP_ERROR;
		snprintf(spf, sizeof spf, "SPF %s for %s", sp_err.b,
		    sp_err.a ? sp_err.a : "?");
	} else if (sp_unal.n > 0 && sp_unal.n >= sp_fail.n) {
		sp = SP_UNALIGNED;
		snprintf(spf, sizeof spf, "SPF passes for %s but is not "
		    "aligned with %s", sp_unal.a ? sp_unal.a : "?", hf);
	} else if (sp_fail.n > 0) {
		sp = SP_FAILS;
		snprintf(spf, sizeof spf, "SPF %s for %s",
		    eq(sp_fail.b, "fail") ? "fails" : sp_fail.b,
		    sp_fail.a ? sp_fail.a : "?");
	} else if (sp_other.n > 0) {
		sp = SP_OTHER;
		snprintf(spf, sizeof spf, "SPF %s%s for %s, not aligned with "
		    "%s", eq(sp_other.b, "fail") ? "fails" : "result ",
		    eq(sp_other.b, "fail") ? "" : result_word(sp_other.b,
		    spf_results), sp_other.a ? sp_other.a : "?", hf);
	}

	if (dk == DK_FAILS)
		snprintf(fix, sizeof fix, "check the DKIM key%s%s in DNS",
		    dk_fail.b ? " of selector " : "", dk_fail.b ? dk_fail.b :
		    "");
	else if (sp == SP_ERROR)
		snprintf(fix, sizeof fix, "fix the SPF record of %s (syntax, "
		    "or more than 10 lookups)", sp_err.a ? sp_err.a : hf);
	else if (sp == SP_FAILS && dk != DK_UNALIGNED)
		snprintf(fix, sizeof fix, "add it to the SPF record of %s, or "
		    "sign with DKIM d=%s", sp_fail.a ? sp_fail.a : hf, hf);
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
pass_reason(const struct build *b, const struct source *s, char *out,
    size_t len)
{
	struct top	dk = { 0 }, sp = { 0 };
	size_t		i, j;

	for (i = 0; i < s->nsigs; i++) {
		const struct sig *g = &b->sigs[s->sigs[i].sig];
		for (j = 0; j < g->ndkims; j++)
			if (g->dkims[j].aligned && eq(g->dkims[j].result,
			    "pass"))
				consider(&dk, s->sigs[i].messages,
				    g->dkims[j].domain, NULL, NULL);
		for (j = 0; j < g->nspfs; j++)
			if (g->spfs[j].aligned && eq(g->spfs[j].result, "pass"))
				consider(&sp, s->sigs[i].messages,
				    g->spfs[j].domain, NULL, NULL);
	}
	if (dk.a != NULL && sp.a != NULL)
		snprintf(out, len, "passes DMARC: DKIM d=%s and SPF %s aligned",
		    dk.a, sp.a);
	else if (dk.a != NULL)
		snprintf(out, len, "passes DMARC: DKIM d=%s aligned", dk.a);
	else if (sp.a != NULL)
		snprintf(out, len, "passes DMARC: SPF %s aligned", sp.a);
	else
		snprintf(out, len, "passes DMARC (as the receivers say)");
}

static const char *
forwarding_reason(const char *r)
{
	if (eq(r, "forwarded") || eq(r, "trusted_forwarder") ||
	    eq(r, "mailing_list") || eq(r, "local_policy"))
		return r;
	return NULL;
}

/* An SPF failure: results and none passes, or the receiver says so. */
static int
spf_failed(const struct sig *g)
{
	size_t	i;

	for (i = 0; i < g->nspfs; i++)
		if (eq(g->spfs[i].result, "pass"))
			return 0;
	return g->nspfs > 0 || eq(g->receiver_spf, "fail");
}

/* Classify a source, and say why in reason (size bytes). */
static void
decide(struct build *b, struct source *s, char *reason, size_t size)
{
	struct window		*w = b->w;
	const struct conf	*c = b->conf;
	struct top		 why = { 0 };
	uint8_t			 ip[CIDR_LEN];
	uint64_t		 fwd_dkim = 0, best = 0, m;
	size_t			 i, j, n;
	double			 share;
	char			 how[160];

	for (i = 0; i < s->nsigs; i++) {
		const struct sig *g = &b->sigs[s->sigs[i].sig];
		uint64_t k = s->sigs[i].messages;
		const char *fr = NULL;
		s->messages = add(s->messages, k);
		if (g->dmarc)
			s->pass = add(s->pass, k);
		if (g->spf_aligned)
			s->spf_aligned = add(s->spf_aligned, k);
		if (g->dkim_aligned)
			s->dkim_aligned = add(s->dkim_aligned, k);
		if (eq(g->receiver_dkim, "pass") || eq(g->receiver_spf,
		    "pass"))
			s->receiver_pass = add(s->receiver_pass, k);
		if (eq(g->disposition, "none") || eq(g->disposition, "pass"))
			s->none = add(s->none, k);
		else if (eq(g->disposition, "quarantine"))
			s->quarantine = add(s->quarantine, k);
		else if (eq(g->disposition, "reject"))
			s->reject = add(s->reject, k);
		else
			s->other = add(s->other, k);
		for (j = 0; j < g->nreasons && fr == NULL; j++)
			fr = forwarding_reason(g->reasons[j]);
		if (fr != NULL) {
			s->forwarding = add(s->forwarding, k);
			consider(&why, k, fr, NULL, NULL);
			if (eq(fr, "mailing_list"))
				w->via_lists = add(w->via_lists, k);
			else if (eq(fr, "local_policy"))
				w->local_policy = add(w->local_policy, k);
			else
				w->via_forwarders = add(w->via_forwarders, k);
		} else if (g->dkim_aligned && spf_failed(g))
			fwd_dkim = add(fwd_dkim, k);
		if (g->dmarc && *s->header_from && strcmp(s->header_from,
		    w->domain) != 0 && conf_domain_within(s->header_from,
		    w->domain))
			w->subdomain_pass = add(w->subdomain_pass, k);
	}
	s->fail = s->messages - s->pass;
	s->reporters = (unsigned)s->nreps;
	share = s->messages ? 100.0 * (double)s->pass / (double)s->messages :
	    0;

	/* Which configured sender accounts for most of its mail. */
	n = conf_nsenders(c, w->domain);
	for (i = 0; i < n; i++) {
		const struct conf_sender *cs = conf_sender(c, w->domain, i);
		m = sender_messages(b, s, cidr_addr(s->ip, ip) == 0 ? ip :
		    NULL, cs);
		if (m > best) {
			best = m;
			s->sender = cs;
		}
	}
	s->authorised = w->configured ? s->sender != NULL : s->pass > 0;
	if (s->authorised) {
		if (share >= w->th.pass) {
			s->class = CLASS_COMPLIANT;
			pass_reason(b, s, reason, size);
			if (s->fail > 0) {
				size_t l = strlen(reason);
				snprintf(reason + l, size - l, "; %llu fail",
				    (unsigned long long)s->fail);
			}
		} else {
			s->class = CLASS_MISCONFIGURED;
			fix_reason(b, s, reason, size);
		}
		return;
	}
	/* Unlisted (or, unconfigured, never passing). */
	if (add(s->forwarding, fwd_dkim) * 2 >= s->messages &&
	    s->messages > 0) {
		s->class = CLASS_FORWARDED;
		if (s->forwarding >= fwd_dkim)
			snprintf(reason, size, "the reporters say %s "
			    "(%llu of %llu messages)", why.a,
			    (unsigned long long)s->forwarding,
			    (unsigned long long)s->messages);
		else
			snprintf(reason, size, "DKIM passes for %s but "
			    "SPF fails from this address: forwarded with its "
			    "signature intact",
			    *s->header_from ? s->header_from : w->domain);
		return;
	}
	if (share >= w->th.pass) {
		/* Configured, and passing without being listed. */
		s->class = CLASS_COMPLIANT;
		pass_reason(b, s, how, sizeof how);
		snprintf(reason, size, "%s; not a configured sender", how);
		return;
	}
	s->class = CLASS_UNKNOWN;
	if (s->pass > 0) {
		pass_reason(b, s, how, sizeof how);
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

/* Classify a source; its reason lives in the window's arena. */
static int
classify_source(struct build *b, struct source *s)
{
	char	reason[320];

	decide(b, s, reason, sizeof reason);
	s->reason = intern(b, reason);
	return s->reason == NULL ? nomem(b) : 0;
}

/* By header_from, then IP: the order of the sources table. */
static int
cmp_key(const void *a, const void *b)
{
	const struct source	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->header_from, y->header_from)) != 0)
		return c;
	return strcmp(x->ip, y->ip);
}

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

void
window_free(struct window *w)
{
	struct window_priv	*p = (struct window_priv *)w;
	size_t			 i;

	if (w == NULL)
		return;
	for (i = 0; i < w->nsources; i++) {
		free(w->sources[i].sigs);
		free(w->sources[i].rep_ids);
	}
	free(w->sources);
	free(w->senders);
	free(w->days);
	free(p->sigs);
	arena_free(&p->mem);
	free(p);
}

int
classify_window(struct store *s, const struct conf *c, const char *domain,
    int64_t from, int64_t to, struct window **out, struct dr_error *err)
{
	struct window_priv	*p;
	struct window		*w;
	struct build		 b;
	size_t			 i, j, n;
	int			 rc = -1;

	*out = NULL;
	p = calloc(1, sizeof *p);
	if (p == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	w = &p->pub;
	memset(&b, 0, sizeof b);
	b.store = s;
	b.conf = c;
	b.w = w;
	b.err = err;
	b.sig_ix = hmap_new(sizeof(size_t));
	b.src_ix = hmap_new(sizeof(size_t));
	b.rep_ix = hmap_new(sizeof(unsigned));
	w->domain = arena_strndup(&b.mem, domain, strlen(domain));
	if (b.sig_ix == NULL || b.src_ix == NULL || b.rep_ix == NULL ||
	    w->domain == NULL) {
		nomem(&b);
		goto out;
	}
	w->from_day = from;
	w->to_day = to;
	w->last_day = -1;
	w->ndays = to >= from ? (size_t)(to - from + 1) : 0;
	w->days = calloc(w->ndays ? w->ndays : 1, sizeof *w->days);
	if (w->days == NULL) {
		nomem(&b);
		goto out;
	}
	conf_thresholds(c, domain, &w->th);
	n = conf_nsenders(c, domain);
	w->configured = n > 0;
	if (n > 0) {
		w->senders = calloc(n, sizeof *w->senders);
		if (w->senders == NULL) {
			nomem(&b);
			goto out;
		}
		for (i = 0; i < n; i++)
			w->senders[i].sender = conf_sender(c, domain, i);
		w->nsenders = n;
	}
	/*
	 * One snapshot for the window: its rows, signatures and a
	 * first-day lookup per source (tens of thousands on a big
	 * domain) would each take the read lock otherwise.
	 */
	if (store_read_begin(s, err) == -1)
		goto out;
	if (store_days(s, domain, from, to, on_row, &b, err) == -1)
		goto out;
	w->reporters = (unsigned)hmap_count(b.rep_ix);
	w->reporter_names = arena_alloc(&b.mem, (w->reporters + 1) *
	    sizeof *w->reporter_names);
	if (w->reporter_names == NULL) {
		nomem(&b);
		goto out;
	}
	for (i = 0; i < w->reporters; i++) {
		const void	*key;
		size_t		 klen;
		hmap_at(b.rep_ix, i, &key, &klen);
		w->reporter_names[i] = arena_strndup(&b.mem, key, klen);
		if (w->reporter_names[i] == NULL) {
			nomem(&b);
			goto out;
		}
	}
	/*
	 * In the order of the sources table's key, so that the lookups
	 * of first days walk its pages once rather than at random.
	 */
	if (w->nsources > 1)
		qsort(w->sources, w->nsources, sizeof *w->sources, cmp_key);
	for (i = 0; i < w->nsources; i++) {
		struct source *src = &w->sources[i];
		if (classify_source(&b, src) == -1)
			goto out;
		if (store_source_first(s, domain, src->header_from, src->ip,
		    &src->first_seen, err) == -1)
			goto out;
		if (src->first_seen >= from || src->first_seen < 0) {
			w->new_sources++;
			w->new_messages = add(w->new_messages, src->messages);
		}
		w->messages = add(w->messages, src->messages);
		w->pass = add(w->pass, src->pass);
		w->class_messages[src->class] =
		    add(w->class_messages[src->class], src->messages);
		w->class_sources[src->class]++;
		for (j = 0; j < w->nsenders; j++)
			if (w->senders[j].sender == src->sender) {
				struct sender_use *u = &w->senders[j];
				u->messages = add(u->messages, src->messages);
				u->pass = add(u->pass, src->pass);
				u->dkim_aligned = add(u->dkim_aligned,
				    src->dkim_aligned);
				u->sources++;
			}
	}
	if (w->nsources > 1)
		qsort(w->sources, w->nsources, sizeof *w->sources, cmp_source);
	rc = 0;
out:
	store_read_end(s);
	hmap_free(b.sig_ix);
	hmap_free(b.src_ix);
	hmap_free(b.rep_ix);
	buf_free(&b.key);
	p->mem = b.mem;
	p->sigs = b.sigs;
	if (rc == -1) {
		window_free(w);
		return -1;
	}
	*out = w;
	return 0;
}
