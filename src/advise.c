/*
 * advise.c: the verdict on a domain's next policy step.
 *
 * Rules (dmarcdb(1), ADVICE), in order:
 *   no reports at all: no data;
 *   enforcing (stages 2 to 5) while authorised mail passes DMARC below
 *     the step-back threshold: step back one stage;
 *   at stage 5: hold (there is no further step);
 *   any blocker: hold;
 *   otherwise: advance one stage.
 * Blockers: too few messages in the window, too few days at the stage,
 * authorised mail passing below the pass threshold, a misconfigured
 * source carrying a significant share of the mail, and before p=reject
 * (stages 4 and 5) any authorised sender signing with aligned DKIM
 * below the dkim threshold (RFC 9989 section 7.4).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "advise.h"
#include "align.h"
#include "catalogue.h"
#include "check.h"
#include "dns.h"
#include "fmt.h"
#include "group.h"
#include "record.h"
#include "tally.h"
#include "valid.h"

static const char *const stage_names[] = {
	"monitor", "soft quarantine", "partial quarantine", "quarantine",
	"soft reject", "reject",
};

const char *
advise_stage_name(int stage)
{
	return stage >= 0 && stage <= 5 ? stage_names[stage] : "?";
}

const char *
advise_verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_ADVANCE:
		return "advance";
	case VERDICT_HOLD:
		return "hold";
	case VERDICT_STEP_BACK:
		return "step back";
	case VERDICT_NO_DATA:
		return "no data";
	}
	return "?";
}

static int
eq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

int
advise_stage(const char *p, int64_t pct, const char *testing)
{
	int	soft = eq(testing, "y") || pct == 0;
	int	partial = pct > 0 && pct < 100;

	if (eq(p, "quarantine"))
		return soft ? 1 : partial ? 2 : 3;
	if (eq(p, "reject"))
		return soft || partial ? 4 : 5;
	return 0;
}

static void
note(struct notes *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(struct notes *n, const char *fmt, ...)
{
	va_list	ap;

	if (n->n == ADVICE_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(n->text[n->n++], ADVICE_NOTE, fmt, ap);
	va_end(ap);
}

/*
 * The last note of n in plain words (struct notes). Out of memory, it
 * stays as it is written.
 */
static void
plain(struct notes *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
plain(struct notes *n, const char *fmt, ...)
{
	va_list	ap;
	char	buf[ADVICE_NOTE];

	if (n->n == 0 || n->plain[n->n - 1] != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	n->plain[n->n - 1] = strdup(buf);
}

const char *
advice_plain(const struct notes *n, unsigned i)
{
	return n->plain[i] != NULL ? n->plain[i] : n->text[i];
}

static void
notes_free(struct notes *n)
{
	unsigned	i;

	for (i = 0; i < ADVICE_MAX_NOTES; i++)
		free(n->plain[i]);
}

/* --- the current policy ------------------------------------------- */

/*
 * Who saw which policy. Each reporter votes once, for the stage its
 * newest reports show, with a weight of the square of the number of
 * days on which it sent reports in the span: a reporter of 30 days
 * weighs 900, one that appeared today 1, so that a burst of reports
 * under new names cannot outvote the reporters that have been sending
 * reports all along, while two established reporters outvote one.
 * Reporter names, dates and counts are what the reports claim, so
 * nothing here is proof: it makes a forger work for weight, and the
 * record from the configuration or DNS, when there is one, is what the
 * advice rests on.
 */

#define VOTE_KEEP	8	/* reporters kept per stage, most days first */
/* A slot per stage, and one for a p that is none of the three. */
#define VOTE_INVALID	6
#define VOTE_SLOTS	7

struct voter {
	char		*name;
	unsigned	 days;
};

struct vote {
	uint64_t	 weight;	/* the sum of their days squared */
	uint64_t	 days;
	unsigned	 reporters, once;
	unsigned	 reports, rfc9990;
	int64_t		 last;
	int		 has_policy;
	struct policy	 policy;	/* as the heaviest of them saw it */
	struct voter	 keep[VOTE_KEEP];
	unsigned	 nkeep;
};

struct votes {
	struct vote	 slot[VOTE_SLOTS];
	unsigned	 reporters;
	int64_t		 newest;
	int		 nomem;
};

static void
copy(char *dst, size_t len, const char *v)
{
	snprintf(dst, len, "%s", v ? v : "");
}

static void
policy_copy(struct policy *t, const struct store_policy *p, int stage)
{
	memset(t, 0, sizeof *t);
	copy(t->p, sizeof t->p, p->p);
	copy(t->sp, sizeof t->sp, p->sp);
	copy(t->np, sizeof t->np, p->np);
	copy(t->testing, sizeof t->testing, p->testing);
	copy(t->adkim, sizeof t->adkim, p->adkim);
	copy(t->aspf, sizeof t->aspf, p->aspf);
	copy(t->fo, sizeof t->fo, p->fo);
	t->pct = p->pct;
	t->stage = stage;
}

/* p as reported, if it is one of the three; else "". */
static const char *
p_word(const char *p)
{
	if (eq(p, "none") || eq(p, "quarantine") || eq(p, "reject"))
		return p;
	return "";
}

static int
on_view(void *arg, const struct store_view *v)
{
	struct votes		*vs = arg;
	const struct store_policy *p = &v->policy;
	int			 stage;
	struct vote		*t;
	struct voter		*k;

	stage = advise_stage(p->p, p->pct, p->testing);
	t = &vs->slot[*p_word(p->p) ? stage : VOTE_INVALID];
	if (vs->reporters++ == 0 || v->last > vs->newest)
		vs->newest = v->last;
	t->weight += (uint64_t)v->days * v->days;
	t->days += v->days;
	if (t->reporters++ == 0 || v->last > t->last)
		t->last = v->last;
	if (v->days <= 1)
		t->once++;
	t->reports += v->reports;
	t->rfc9990 += v->rfc9990;
	/* Rows come with the most days first. */
	if (!t->has_policy) {
		policy_copy(&t->policy, p, stage);
		t->has_policy = 1;
	}
	if (t->nkeep < VOTE_KEEP && v->reporter != NULL) {
		k = &t->keep[t->nkeep];
		k->name = strdup(v->reporter);
		if (k->name == NULL) {
			vs->nomem = 1;
			return 1;
		}
		k->days = v->days;
		t->nkeep++;
	}
	return 0;
}

static void
votes_free(struct votes *vs)
{
	unsigned	i, j;

	for (i = 0; i < VOTE_SLOTS; i++)
		for (j = 0; j < vs->slot[i].nkeep; j++)
			free(vs->slot[i].keep[j].name);
}

/* x outweighs y: more weight; then newer; then more reporters. */
static int
outweighs(const struct vote *x, const struct vote *y)
{
	if (x->weight != y->weight)
		return x->weight > y->weight;
	if (x->last != y->last)
		return x->last > y->last;
	return x->reporters > y->reporters;
}

/*
 * The slot of the stage the reporters saw, weighed; -1 without reports.
 * A p that is not one is only taken when no report has one.
 */
static int
winner(const struct votes *vs)
{
	int	i, best = -1;

	/* A full tie keeps the lower stage: the careful side. */
	for (i = 0; i < 6; i++)
		if (vs->slot[i].reporters > 0 && (best == -1 ||
		    outweighs(&vs->slot[i], &vs->slot[best])))
			best = i;
	if (best == -1 && vs->slot[VOTE_INVALID].reporters > 0)
		best = VOTE_INVALID;
	return best;
}

/*
 * One reporter's run at a stage, newest day first: a day is at the
 * stage when at least half of the reporter's reports of that day show
 * it; the run ends at the first day that is not.
 */
struct run {
	int		 stage;
	int		 started, done;
	int64_t		 day;
	unsigned	 at, other;
	int64_t		 since;		/* -1: its newest day is not */
};

/* 0: the day held the stage (or was empty); 1: the run is over. */
static int
run_close(struct run *r)
{
	if (!r->started || r->at + r->other == 0)
		return 0;
	if (r->at < r->other)
		return 1;
	r->since = r->day;
	r->at = r->other = 0;
	return 0;
}

/* The runs of the kept reporters, read in one pass over the reports. */
struct runs {
	const struct vote	*t;
	struct run		 r[VOTE_KEEP];
	unsigned		 open;		/* runs not done */
};

static int
on_run(void *arg, const struct store_policy *p)
{
	struct runs	*rs = arg;
	struct run	*r = NULL;
	unsigned	 k;

	if (p->reporter == NULL)
		return 0;
	for (k = 0; k < rs->t->nkeep; k++)
		if (strcmp(rs->t->keep[k].name, p->reporter) == 0) {
			r = &rs->r[k];
			break;
		}
	if (r == NULL || r->done)
		return 0;
	if (!r->started || p->day != r->day) {
		if (run_close(r) == 1) {
			r->done = 1;
			/* Every run over: the older reports cannot matter. */
			return --rs->open == 0;
		}
		r->started = 1;
		r->day = p->day;
	}
	if (advise_stage(p->p, p->pct, p->testing) == r->stage)
		r->at++;
	else
		r->other++;
	return 0;
}

/*
 * Since when the reporters of a stage have seen it: the weighted median
 * of the first days of their runs (each reporter weighing as it votes),
 * so that a reporter that joined late, or a forged report
 * in the middle of the history, does not move it. *since is -1 when
 * none of them has a run. Returns 0, or -1 with err set.
 */
static int
stage_since(struct store *s, const char *domain, int64_t until,
    const struct vote *t, int stage, int64_t *since, struct dr_error *err)
{
	int64_t		 day[VOTE_KEEP], d;
	uint64_t	 w[VOTE_KEEP];
	unsigned	 n = 0, i, j, k;
	uint64_t	 total = 0, cum = 0;
	struct runs	 rs;

	*since = -1;
	if (t->nkeep == 0)
		return 0;
	memset(&rs, 0, sizeof rs);
	rs.t = t;
	rs.open = t->nkeep;
	for (k = 0; k < t->nkeep; k++) {
		rs.r[k].stage = stage;
		rs.r[k].since = -1;
	}
	if (store_policies(s, domain, until, on_run, &rs, err) == -1)
		return -1;
	for (k = 0; k < t->nkeep; k++) {
		struct run *r = &rs.r[k];
		if (!r->done)
			run_close(r);
		if (r->since == -1)
			continue;
		/* Insert in order of day. */
		for (i = n; i > 0 && day[i - 1] > r->since; i--) {
			day[i] = day[i - 1];
			w[i] = w[i - 1];
		}
		day[i] = r->since;
		w[i] = (uint64_t)t->keep[k].days * t->keep[k].days;
		total += w[i];
		n++;
	}
	for (j = 0; j < n; j++) {
		d = day[j];
		cum += w[j];
		if (2 * cum >= total) {
			*since = d;
			break;
		}
	}
	return 0;
}

/* A reporter's name, if it is plain enough to print as it is. */
static int
name_ok(const char *s)
{
	size_t	n;

	if (s == NULL || *s == '\0')
		return 0;
	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' &&
		    s[n] <= '9') || s[n] == '.' || s[n] == '-' ||
		    s[n] == '_' || (s[n] == ' ' && n > 0 &&
		    s[n + 1] != '\0' && s[n - 1] != ' ')))
			return 0;
	return n < ADVICE_NAME;
}

/* The votes, most days first, into the advice. */
static void
keep_votes(struct advice *a, const struct votes *vs)
{
	const struct vote	*t;
	struct advice_vote	*v;
	unsigned		 i, j, k;

	a->reporters = vs->reporters;
	for (i = 0; i < VOTE_SLOTS; i++) {
		t = &vs->slot[i];
		if (t->reporters == 0)
			continue;
		for (j = a->nvotes; j > 0 && outweighs(t,
		    &vs->slot[a->votes[j - 1].slot]); j--)
			a->votes[j] = a->votes[j - 1];
		v = &a->votes[j];
		memset(v, 0, sizeof *v);
		v->slot = (int)i;
		v->stage = t->policy.stage;
		snprintf(v->p, sizeof v->p, "%s", p_word(t->policy.p));
		v->pct = t->policy.pct;
		v->testing = eq(t->policy.testing, "y");
		v->reporters = t->reporters;
		v->once = t->once;
		v->days = t->days;
		v->weight = t->weight;
		v->last = t->last;
		for (k = 0; k < t->nkeep && v->nnames < ADVICE_NAMES; k++)
			snprintf(v->names[v->nnames++], ADVICE_NAME, "%s",
			    name_ok(t->keep[k].name) ? t->keep[k].name : "");
		a->nvotes++;
	}
}

/* The vote of a slot (there is one when it has reporters). */
static const struct advice_vote *
find_vote(const struct advice *a, int slot)
{
	unsigned	i;

	for (i = 0; i < a->nvotes; i++)
		if (a->votes[i].slot == slot)
			return &a->votes[i];
	return &a->votes[0];
}

/* "p=reject; pct=0; t=y (stage 4, soft reject)", from checked values. */
static void
vote_policy(const struct advice_vote *v, char *out, size_t len)
{
	char	pct[32] = "";

	if (v->pct >= 0 && v->pct != 100)
		snprintf(pct, sizeof pct, "; pct=%lld", (long long)v->pct);
	if (*v->p == '\0')
		snprintf(out, len, "a p that is not none, quarantine or "
		    "reject (read as stage 0, monitor)");
	else
		snprintf(out, len, "p=%s%s%s (stage %d, %s)", v->p, pct,
		    v->testing ? "; t=y" : "", v->stage,
		    advise_stage_name(v->stage));
}

/* Which reporters saw what, when they do not agree. */
static void
disagreement(struct advice *a)
{
	const struct advice_vote *v;
	char			 pol[128], names[200], d1[16], more[32];
	size_t			 o;
	unsigned		 i, j;

	if (a->nvotes < 2)
		return;
	if (strcmp(a->policy_source, "reports") == 0) {
		const struct advice_vote *w = find_vote(a, a->reported_slot);
		int tie = 0;
		for (i = 0; i < a->nvotes; i++) {
			v = &a->votes[i];
			if (v != w && v->slot != VOTE_INVALID &&
			    v->weight == w->weight && v->last == w->last &&
			    v->reporters == w->reporters)
				tie = 1;
		}
		vote_policy(w, pol, sizeof pol);
		note(&a->disagree, "reporters disagree on the published "
		    "policy; the advice follows %s, seen by the reporters "
		    "with the longest record (each weighs the square of its "
		    "days of reports in the last %d)%s", pol, ADVISE_SPAN,
		    tie ? "; they weigh the same, and the lower stage is "
		    "kept" : "");
	} else
		note(&a->disagree, "reporters disagree on the published "
		    "policy; the advice rests on the record in %s",
		    strcmp(a->policy_source, "DNS") == 0 ? "DNS" :
		    "the configuration");
	for (i = 0; i < a->nvotes && i < 3; i++) {
		v = &a->votes[i];
		vote_policy(v, pol, sizeof pol);
		fmt_day(v->last, d1, sizeof d1);
		o = 0;
		names[0] = '\0';
		for (j = 0; j < v->nnames; j++)
			o += (size_t)snprintf(names + o, o < sizeof names ?
			    sizeof names - o : 0, "%s%s", j ? ", " : "",
			    *v->names[j] ? v->names[j] : "(a name not shown)");
		more[0] = '\0';
		if (v->reporters > v->nnames)
			snprintf(more, sizeof more, " and %u more",
			    v->reporters - v->nnames);
		if (v->once > 0)
			note(&a->disagree, "%s: %u reporter%s with %llu day%s "
			    "of reports (%u with one day only), newest %s: "
			    "%s%s", pol, v->reporters, v->reporters == 1 ? "" :
			    "s", (unsigned long long)v->days, v->days == 1 ?
			    "" : "s", v->once, d1, names, more);
		else
			note(&a->disagree, "%s: %u reporter%s with %llu days "
			    "of reports, newest %s: %s%s", pol, v->reporters,
			    v->reporters == 1 ? "" : "s", (unsigned long long)
			    v->days, d1, names, more);
	}
	if (a->nvotes > 3)
		note(&a->disagree, "and %u other stage%s", a->nvotes - 3,
		    a->nvotes - 3 == 1 ? "" : "s");
}

/* The current policy from the record the advice rests on. */
static void
policy_from_record(struct policy *p, const struct dmarc_record *r)
{
	const char	*pct = record_get(r, "pct");

	memset(p, 0, sizeof *p);
	copy(p->p, sizeof p->p, record_get(r, "p"));
	copy(p->sp, sizeof p->sp, record_get(r, "sp"));
	copy(p->np, sizeof p->np, record_get(r, "np"));
	copy(p->testing, sizeof p->testing, record_get(r, "t"));
	copy(p->adkim, sizeof p->adkim, record_get(r, "adkim"));
	copy(p->aspf, sizeof p->aspf, record_get(r, "aspf"));
	copy(p->fo, sizeof p->fo, record_get(r, "fo"));
	p->pct = -1;
	if (pct != NULL && strspn(pct, "0123456789") == strlen(pct) &&
	    *pct != '\0' && strlen(pct) <= 3)
		p->pct = atoll(pct);
	p->stage = advise_stage(*p->p ? p->p : "none", p->pct, p->testing);
}

/* --- the verdict --------------------------------------------------- */

static int
next_up(int stage, int partial)
{
	switch (stage) {
	case 0:
		return 1;
	case 1:
		return partial ? 2 : 3;
	case 2:
		return 3;
	case 3:
		return 4;
	default:
		return 5;
	}
}

static int
step_down(int stage)
{
	switch (stage) {
	case 5:
		return 4;
	case 4:
		return 3;
	default:
		return 1;
	}
}

/* Set p, pct and t for a stage. */
static int
set_stage(struct dmarc_record *r, int stage)
{
	static const struct {
		const char *p, *pct, *t;
	} f[6] = {
		{ "none", NULL, NULL },
		{ "quarantine", "0", "y" },
		{ "quarantine", "25", NULL },
		{ "quarantine", NULL, NULL },
		{ "reject", "0", "y" },
		{ "reject", NULL, NULL },
	};

	char	why[VALID_WHY];

	if (record_set(r, "p", f[stage].p, why, sizeof why) != 0 ||
	    record_set(r, "pct", f[stage].pct, why, sizeof why) != 0 ||
	    record_set(r, "t", f[stage].t, why, sizeof why) != 0)
		return -1;
	return 0;
}

/*
 * The tags a stage sets, to change in a record not known here: "p=none",
 * "p=quarantine; pct=0; t=y", "p=quarantine (no pct, no t)"; then
 * "; np=reject" if np is to be added.
 */
static void
stage_tags(int stage, int np, char *out, size_t len)
{
	static const char *const tags[6] = {
		"p=none (no pct, no t)",
		"p=quarantine; pct=0; t=y",
		"p=quarantine; pct=25 (no t)",
		"p=quarantine (no pct, no t)",
		"p=reject; pct=0; t=y",
		"p=reject (no pct, no t)",
	};

	snprintf(out, len, "%s%s", tags[stage < 0 || stage > 5 ? 0 : stage],
	    np ? "; np=reject" : "");
}

static double
pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

/*
 * Say which of the newest reports' policy values were not DMARC grammar
 * (stored in reports.raw_*, not in the columns the policy is read
 * from): they are left out of a record rebuilt from the reports.
 */
static int
note_invalid(struct advice *a, struct store *s, int64_t until,
    struct dr_error *err)
{
	char		 bad[64], cols[160], day[16];
	const char	*w, *e;
	size_t		 o = 0;

	if (store_policy_invalid(s, a->domain, a->policy_day, until, bad,
	    sizeof bad, err) == -1)
		return -1;
	if (bad[0] == '\0')
		return 0;
	cols[0] = '\0';
	for (w = bad; *w != '\0'; w = *e ? e + 1 : e) {
		e = strchr(w, ' ');
		if (e == NULL)
			e = w + strlen(w);
		o += (size_t)snprintf(cols + o, o < sizeof cols ? sizeof cols -
		    o : 0, "%sraw_%.*s", o ? ", " : "", (int)(e - w), w);
	}
	fmt_day(a->policy_day, day, sizeof day);
	note(&a->warnings, "the newest reports (%s) give a value that is not "
	    "valid DMARC for: %s. Such values are never put in a record: "
	    "they are left out of the record below%s (the reports table "
	    "keeps them as written, in %s)", day, bad, a->cur.p[0] == '\0' ?
	    ", which has p=none, as receivers read a policy they cannot "
	    "parse" : "", cols);
	return 0;
}

/*
 * The record as published: configuration, DNS, or rebuilt from the
 * reports (until: the end of the window, as for the policy history).
 * NULL with err set on error.
 */
static struct dmarc_record *
record_now(struct advice *a, const struct conf *c, struct store *s,
    int64_t until, int dns, struct dns *resolver, struct dr_error *err)
{
	const struct conf_domain	*d = conf_domain(c, a->domain);
	struct dmarc_record		*r = NULL;
	struct dns			*own = NULL;
	char				 why[ADVICE_NOTE], n[24];
	char				 txt[RECORD_MAX + 1];
	int				 rc;
	size_t				 i;

	if (d != NULL && d->record != NULL) {
		r = record_parse(d->record, why, sizeof why);
		if (r == NULL)
			note(&a->warnings, "the record in the configuration "
			    "is not usable (%s): fix it there; the advice "
			    "rests on the reports", why);
		else
			a->record_source = "configuration";
	}
	if (r == NULL && dns && a->record_name[0] != '\0') {
		if (resolver == NULL) {
			own = dns_new(&c->resolver);
			resolver = own;
		}
		if (resolver == NULL) {
			dr_seterr(err, DR_E_NOMEM, "out of memory");
			return NULL;
		}
		rc = dns_dmarc(resolver, a->domain, txt, sizeof txt, why,
		    sizeof why);
		dns_free(own);
		if (rc == 1) {
			r = record_parse(txt, why, sizeof why);
			if (r != NULL)
				a->record_source = "DNS";
			else
				note(&a->warnings, "the DMARC record in DNS at "
				    "%s is not usable (%s): receivers ignore "
				    "it; fix it first (the advice rests on the "
				    "reports)", a->record_name, why);
		} else if (rc == 0)
			note(&a->warnings, "DNS has no DMARC record at %s: "
			    "the advice rests on the reports", a->record_name);
		else
			note(&a->warnings, "%s: the advice rests on the "
			    "reports", why);
	}
	if (r != NULL) {
		if (record_format(r, a->record_now, sizeof a->record_now) <
		    sizeof a->record_now)
			return r;
		note(&a->warnings, "the %s record is longer than %d bytes "
		    "once written out: the advice rests on the reports",
		    a->record_source, RECORD_MAX);
		record_free(r);
	}
	/* What the reports show; they never show rua or ruf. */
	r = record_new();
	if (r == NULL) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		return NULL;
	}
	a->record_source = "reports";
	if (a->has_policy) {
		const struct policy *p = &a->cur;
		const struct {
			const char	*tag, *value;
		} t[] = {
			{ "p", *p->p ? p->p : "none" },
			{ "sp", p->sp },
			{ "np", p->np },
			{ "pct", p->pct >= 0 && p->pct != 100 ? (snprintf(n,
			    sizeof n, "%lld", (long long)p->pct), n) : "" },
			{ "t", eq(p->testing, "y") ? "y" : "" },
			{ "adkim", eq(p->adkim, "s") ? "s" : "" },
			{ "aspf", eq(p->aspf, "s") ? "s" : "" },
			{ "fo", strcmp(p->fo, "0") != 0 ? p->fo : "" },
		};
		for (i = 0; i < sizeof t / sizeof t[0]; i++) {
			if (*t[i].value == '\0')
				continue;
			rc = record_set(r, t[i].tag, t[i].value, why,
			    sizeof why);
			if (rc == RECORD_INVALID)
				note(&a->warnings, "the reports give %s a "
				    "value that is not valid DMARC (%s): it is "
				    "left out of the record below", t[i].tag,
				    why);
			else if (rc != 0) {
				record_free(r);
				dr_seterr(err, DR_E_NOMEM, "out of memory");
				return NULL;
			}
		}
		if (note_invalid(a, s, until, err) == -1) {
			record_free(r);
			return NULL;
		}
	}
	note(&a->warnings, "the record published is not known here (not in "
	    "the configuration, not from DNS) and the reports do not show "
	    "where reports go: change only the tags below in the record you "
	    "publish, so that its rua= stays, or put that record in the "
	    "configuration (record \"...\";)");
	return r;
}

/*
 * The senders of the largest new sources, at most three, each once:
 * "SendGrid, Zendesk (not as us) and others", or "".
 */
static void
new_senders(const struct window *w, char *out, size_t len)
{
	const struct source	*seen[3];
	char			 name[300];
	size_t			 i, j, n = 0, o = 0;

	*out = '\0';
	for (i = 0; i < w->nlisted && o < len; i++) {
		const struct source *s = &w->listed[i];
		if (!source_new(w, s))
			continue;
		for (j = 0; j < n; j++)
			if (group_same_sender(seen[j], s))
				break;
		if (j < n)
			continue;
		if (n == 3) {
			snprintf(out + o, len - o, " and others");
			break;
		}
		seen[n++] = s;
		group_noun(s->gkind, s->gname, 0, name, sizeof name);
		o += (size_t)snprintf(out + o, len - o, "%s%s",
		    n > 1 ? ", " : "", name);
	}
}

/*
 * The largest authorised source of the group that signs below the dkim
 * threshold, as the window lists them (CLASSIFY_KEEP_ALL); NULL if the
 * group has but one source, or none is listed.
 */
static const struct source *
weakest(const struct window *w, const struct source_group *g)
{
	size_t	i;

	if (g->sources < 2)
		return NULL;
	for (i = 0; i < w->nlisted; i++) {
		const struct source *s = &w->listed[i];
		if (s->authorised && pct(s->dkim_aligned, s->messages) <
		    w->th.dkim && group_same(s, g))
			return s;
	}
	return NULL;
}

/*
 * Whether a stage quarantines or rejects failing mail: stage 1
 * (p=quarantine; pct=0; t=y) is applied as none by RFC 7489 and RFC
 * 9989 receivers alike; from stage 2 on, failing mail is harmed.
 */
static int
enforces(int stage)
{
	return stage >= 2;
}

/* What the configuration says of a sender (not-ours, forwarder). */
static enum conf_label
label(const struct advice *a, const struct source_group *g)
{
	if (!group_authenticates(g->kind))
		return CONF_UNLABELLED;
	return conf_label(a->conf, a->domain, g->name);
}

/*
 * An unknown sender that authenticates, but as another domain (a
 * service, a vendor), with failing mail over both floors: it may be
 * ours, and enforcement would stop it. The sources without passing
 * authentication are spoofing: never.
 */
static int
unverified(const struct advice *a, const struct source_group *g,
    uint64_t *failing)
{
	const struct window		*w = a->w;
	const struct conf_thresholds	*th = &w->th;

	*failing = g->class_messages[CLASS_UNKNOWN] -
	    g->class_pass[CLASS_UNKNOWN];
	if (!group_authenticates(g->kind) || label(a, g) != CONF_UNLABELLED)
		return 0;
	return *failing > 0 && *failing >= th->unverified_messages &&
	    pct(*failing, w->messages) >= th->unverified_share;
}

/* The blocker of a sender without enough aligned DKIM, in plain words. */
static void
dkim_plain(struct advice *a, const char *who, const char *share)
{
	plain(&a->blockers, "%s must sign its mail with your domain's DKIM "
	    "key before mail that fails can be refused: %s of it is signed "
	    "(%g%% needed). Forwarded mail keeps only that signature",
	    who, share, a->w->th.dkim);
}

/* "is this yours?" for an unverified sender, a blocker. */
static void
ask_unverified(struct advice *a, const struct source_group *g,
    uint64_t failing)
{
	const struct window	*w = a->w;
	const struct source	*s = group_largest(w, g, CLASS_UNKNOWN);
	const struct svc	*v = NULL;
	char			 who[400], fix[CATALOGUE_FIX_MAX + 256];
	char			 n1[32], p1[16];
	unsigned		 k = g->class_sources[CLASS_UNKNOWN];

	if (g->kind != GROUP_DOMAIN && g->name != NULL)
		v = catalogue_find(a->cat, g->name);
	if (svc_fix(v, a->domain, fix, sizeof fix) == -1)
		snprintf(fix, sizeof fix, "sign its mail with DKIM "
		    "d=%s (or send it with a MAIL FROM domain under %s)",
		    a->domain, a->domain);
	group_phrase(g, g->class_sources[CLASS_UNKNOWN], s->ip, who,
	    sizeof who);
	fmt_count(failing, n1, sizeof n1);
	fmt_pct(failing, w->messages, p1, sizeof p1);
	note(&a->blockers, "is this yours? %s sent %s messages (%s of the "
	    "mail) as %s that fail DMARC; it authenticates as %s. If it is "
	    "yours: %s. If not: mark it not ours in the configuration "
	    "(not-ours \"%s\";), and enforcement stops it", who, n1, p1,
	    *s->header_from ? s->header_from : a->domain,
	    g->evidence && *g->evidence ? g->evidence : "another domain",
	    fix, g->name ? g->name : "?");
	group_plain(g->kind, g->name, g->folded, k, group_networks(g), who,
	    sizeof who);
	plain(&a->blockers, "find out whether %s is yours: it sent %s "
	    "messages (%s of the mail) as %s in the last %lld days, and they "
	    "fail DMARC. If it is, it must be set up first; if not, say so "
	    "in the configuration", who, n1, p1, *s->header_from ?
	    s->header_from : a->domain, (long long)(w->to_day - w->from_day +
	    1));
}

/* Of a sender's sums by class, its authorised mail's. */
static uint64_t
authorised_of(const uint64_t *v)
{
	return v[CLASS_COMPLIANT] + v[CLASS_MISCONFIGURED];
}

/*
 * Harm now (a stage that enforces): per sender, what receivers
 * quarantined or rejected of its authorised mail, and of an unverified
 * sender's; into a->harmed. Returns the sender whose authorised mail
 * is harmed over both floors (harm-messages, harm per cent of its
 * authorised mail), the most harmed; NULL if none.
 */
static const struct source_group *
harm_now(struct advice *a)
{
	const struct window		*w = a->w;
	const struct conf_thresholds	*th = &w->th;
	const struct source_group	*worst = NULL;
	char				 who[400], n1[32], n2[32], p1[16];
	uint64_t			 h, m, worst_h = 0, failing;
	size_t				 i;

	for (i = 0; i < w->ngroups; i++) {
		const struct source_group *g = &w->groups[i];
		h = authorised_of(g->class_harmed);
		m = authorised_of(g->class_messages);
		if (h > 0) {
			group_phrase(g, g->class_sources[CLASS_COMPLIANT] +
			    g->class_sources[CLASS_MISCONFIGURED], g->top.ip,
			    who, sizeof who);
			fmt_count(h, n1, sizeof n1);
			fmt_count(m, n2, sizeof n2);
			fmt_pct(h, m, p1, sizeof p1);
			note(&a->harmed, "%s: %s of its %s authorised messages "
			    "quarantined or rejected (%s)", who, n1, n2, p1);
			if (h >= th->harm_messages && pct(h, m) >= th->harm &&
			    h > worst_h) {
				worst = g;
				worst_h = h;
			}
		}
		h = g->class_harmed[CLASS_UNKNOWN];
		if (h > 0 && unverified(a, g, &failing)) {
			group_phrase(g, g->class_sources[CLASS_UNKNOWN],
			    group_largest(w, g, CLASS_UNKNOWN)->ip, who,
			    sizeof who);
			fmt_count(h, n1, sizeof n1);
			note(&a->harmed, "%s: %s messages quarantined or "
			    "rejected; is it yours? (see below)", who, n1);
		}
	}
	return worst;
}

/*
 * Reports sent outside the domain (rua=, ruf= to another organisational
 * domain) reach it only if that domain authorises them (RFC 7489
 * section 7.1): a TXT record "v=DMARC1" at D._report._dmarc.DEST. Said
 * once per destination.
 */
static void
external_dest(struct advice *a, const struct dmarc_record *r)
{
	char	dest[4][RECORD_DEST_MAX];
	size_t	i, n;

	n = record_external(r, a->domain, dest, 4);
	for (i = 0; i < n; i++)
		note(&a->about, "reports go to %s, outside %s: they "
		    "arrive only if %s publishes TXT \"v=DMARC1\" at "
		    "%s._report._dmarc.%s (RFC 7489 section 7.1)",
		    dest[i], a->domain, dest[i], a->domain, dest[i]);
}

/* none 0, quarantine 1, reject 2; -1 for anything else. */
static int
rank(const char *p)
{
	return p == NULL ? -1 : eq(p, "none") ? 0 : eq(p, "quarantine") ? 1 :
	    eq(p, "reject") ? 2 : -1;
}

/*
 * sp weaker than p in the record to publish: the subdomains are less
 * protected than the domain, whatever the stage. Said at every step,
 * with the subdomains' failing mail.
 */
static void
weak_sp(struct advice *a, const struct dmarc_record *r)
{
	const char	*sp = record_get(r, "sp"), *p = record_get(r, "p");
	char		 n1[32];

	if (rank(sp) < 0 || rank(p) < 0 || rank(sp) >= rank(p))
		return;
	fmt_count(a->w->subdomain_fail, n1, sizeof n1);
	note(&a->warnings, "sp=%s is weaker than p=%s: mail as any "
	    "subdomain of %s is %s (%s messages from subdomains failed DMARC "
	    "in the window). Publish sp=%s, or leave sp out: it then "
	    "follows p", sp, p, a->domain, eq(sp, "none") ? "not stopped" :
	    "only quarantined", n1, p);
}

/*
 * A parked or non-sending domain: in the window, mail reported on at
 * least min-days days (no reports is no evidence), none of it passing
 * DMARC, no authorised mail, no unverified sender: what fails is
 * spoofing.
 */
static int
parked(const struct advice *a)
{
	const struct window	*w = a->w;
	uint64_t		 failing;
	size_t			 i, days = 0;

	for (i = 0; i < w->ndays; i++)
		if (w->days[i].messages > 0)
			days++;
	if (w->pass > 0 || a->legit > 0 || days < w->th.min_days ||
	    days == 0)
		return 0;
	for (i = 0; i < w->ngroups; i++)
		if (unverified(a, &w->groups[i], &failing))
			return 0;
	return 1;
}

/*
 * Too little mail to judge by volume, even over the longer window: by
 * time, when every authorised sender passes (no failing authorised
 * mail, the pass rate at pass or above) and there is nothing to fix.
 */
static int
by_time(const struct advice *a)
{
	const struct window	*w = a->w;

	return a->legit > 0 && w->class_messages[CLASS_MISCONFIGURED] == 0 &&
	    pct(a->legit_pass, a->legit) >= w->th.pass;
}

/* The configured sender that signs with a key, or NULL. */
static const char *
key_sender(const struct advice *a, const struct check_key *k)
{
	size_t	i, j, m, n = conf_nsenders(a->conf, a->domain);

	for (i = 0; i < n; i++) {
		const struct conf_sender *x = conf_sender(a->conf, a->domain,
		    i);
		for (j = 0; j < x->ndkims; j++)
			for (m = 0; m < x->dkims[j].nselectors; m++)
				if (strcasecmp(x->dkims[j].domain,
				    k->domain) == 0 && strcmp(k->selector,
				    x->dkims[j].selectors[m]) == 0)
					return x->name;
	}
	return NULL;
}

/*
 * What DNS holds now that breaks the domain's mail, whatever the
 * reports of the window showed: an SPF record that gives receivers a
 * permerror, a DKIM key of the domain's that signed passing mail in
 * the window (or that the configuration names) and that no verifier
 * can use. A report names any selector it likes; only the domain's
 * own key made one pass, so a forged one blocks nothing.
 */
static void
dns_blockers(struct advice *a)
{
	const struct check_domain *c = a->dns_check;
	char			 n1[32];
	size_t			 i;
	long long		 days = (long long)(a->to_day - a->from_day + 1);

	if (c == NULL)
		return;
	if (c->spf.permerror[0] != '\0') {
		note(&a->blockers, "the SPF record of %s gives every receiver "
		    "a permerror, so SPF fails for all of its mail: %s; fix: "
		    "%s (dmarcdb check shows the whole tree)", a->domain,
		    c->spf.permerror, c->spf.permerror_fix);
		plain(&a->blockers, "the SPF record of %s in DNS is broken, "
		    "so every receiver treats its mail as failing SPF: "
		    "whoever runs your DNS must fix it first", a->domain);
	}
	if (c->spf.failed[0] != '\0')
		note(&a->warnings, "the SPF record of %s could not be checked: "
		    "%s", a->domain, c->spf.failed);
	for (i = 0; i < c->nkeys; i++) {
		const struct check_key *k = &c->key[i];
		const char *who;
		if (k->failed)
			note(&a->warnings, "the DKIM key %s._domainkey.%s could "
			    "not be checked: its lookup failed", k->selector,
			    k->domain);
		if (k->unusable == NULL)
			continue;
		who = key_sender(a, k);
		fmt_count(k->pass, n1, sizeof n1);
		if (k->pass > 0)
			note(&a->blockers, "the DKIM key %s._domainkey.%s is "
			    "unusable now (%s), but %s messages signed with it "
			    "passed DKIM in the last %lld days%s%s%s: that mail "
			    "now fails DKIM; publish the key again, or have "
			    "the sender sign with a key that is published",
			    k->selector, k->domain, k->unusable, n1, days,
			    who ? " (" : "", who ? who : "", who ? ")" : "");
		else
			note(&a->blockers, "the DKIM key %s._domainkey.%s of "
			    "%s in the configuration is unusable (%s): mail it "
			    "signs fails DKIM; publish the key the sender gives "
			    "you", k->selector, k->domain, who ? who : "a "
			    "sender", k->unusable);
		plain(&a->blockers, "a signing key of your domain%s%s (named "
		    "%s) is missing or broken in DNS, so mail signed with it "
		    "fails: whoever runs your DNS must publish it again",
		    who ? ", used by " : "", who ? who : "", k->selector);
	}
}

/*
 * What blocks the step to next. gates: also the time, volume and pass
 * rate needed to take a step forward (not when stepping back or at the
 * last stage, where only what to fix is listed). A step that enforces
 * is blocked by every authorised sender that fails and every
 * unverified one, whatever their share: enforcement would stop their
 * mail. A step that does not enforces is blocked by those with at least
 * significant per cent of the mail; the others are warnings.
 */
static void
judge(struct advice *a, int next, int gates)
{
	const struct window	*w = a->w;
	const struct conf_thresholds *th = &w->th;
	char			 n1[32], n2[32], p1[16], who[400];
	size_t			 i;
	unsigned		 shown;

	dns_blockers(a);
	if (gates && w->messages < th->min_messages && by_time(a)) {
		fmt_count(w->messages, n1, sizeof n1);
		note(&a->about, "only %s messages in %lld days, fewer than "
		    "min-messages, but every authorised sender passes: judged "
		    "by time (days at the stage), as there is nothing to fix",
		    n1, (long long)(w->to_day - w->from_day + 1));
	} else if (gates && w->messages < th->min_messages) {
		fmt_count(w->messages, n1, sizeof n1);
		fmt_count(th->min_messages, n2, sizeof n2);
		note(&a->blockers, "only %s messages in the %lld days (need "
		    "%s to judge)", n1, (long long)(w->to_day - w->from_day +
		    1), n2);
		plain(&a->blockers, "too little mail to judge yet: %s "
		    "messages in the last %lld days (%s needed)", n1,
		    (long long)(w->to_day - w->from_day + 1), n2);
	}
	if (gates && a->days_at_stage < th->min_days) {
		note(&a->blockers, "%u days at this stage so far (need %u)",
		    a->days_at_stage, th->min_days);
		plain(&a->blockers, "more time at this step: %u day%s so far "
		    "(%u needed)", a->days_at_stage, a->days_at_stage == 1 ?
		    "" : "s", th->min_days);
	}
	if (gates && a->legit == 0) {
		note(&a->blockers, "no authorised mail seen: nothing shows "
		    "that legitimate mail would pass");
		plain(&a->blockers, "none of your own mail was seen yet, so "
		    "nothing shows that it would pass");
	} else if (gates && pct(a->legit_pass, a->legit) < th->pass) {
		fmt_pct(a->legit_pass, a->legit, p1, sizeof p1);
		note(&a->blockers, "authorised mail passes DMARC at %s (need "
		    "%g%%)", p1, th->pass);
		plain(&a->blockers, "more of your own mail must pass DMARC: "
		    "%s of it does (%g%% needed)", p1, th->pass);
	}
	/* Per sender: all its addresses together (group.h). */
	for (i = 0; i < w->ngroups; i++) {
		const struct source_group *g = &w->groups[i];
		const struct source *s;
		uint64_t m = g->class_messages[CLASS_MISCONFIGURED];
		if (m == 0)
			continue;
		s = group_largest(w, g, CLASS_MISCONFIGURED);
		group_phrase(g, g->class_sources[CLASS_MISCONFIGURED], s->ip,
		    who, sizeof who);
		fmt_count(m, n1, sizeof n1);
		fmt_pct(m, w->messages, p1, sizeof p1);
		if (pct(m, w->messages) >= th->significant ||
		    enforces(next)) {
			note(&a->blockers, "%s, %s messages (%s of the mail): "
			    "%s", who, n1, p1, s->reason);
			group_plain(g->kind, g->name, g->folded,
			    g->class_sources[CLASS_MISCONFIGURED],
			    group_networks(g), who, sizeof who);
			plain(&a->blockers, "%s, one of your senders, must "
			    "pass DMARC: %s of its messages failed in the "
			    "last %lld days (%s of the mail)", who, n1,
			    (long long)(w->to_day - w->from_day + 1), p1);
		} else
			note(&a->warnings, "also fix %s, %s messages (%s of the "
			    "mail): %s", who, n1, p1, s->reason);
	}
	for (i = 0; enforces(next) && i < w->ngroups; i++) {
		uint64_t failing;
		if (unverified(a, &w->groups[i], &failing))
			ask_unverified(a, &w->groups[i], failing);
	}
	if (next >= 4) {
		/* Reject needs DKIM: SPF alone breaks on forwarding. */
		if (w->configured) {
			for (i = 0; i < w->nsenders; i++) {
				const struct sender_use *u = &w->senders[i];
				if (u->messages == 0 || pct(u->dkim_aligned,
				    u->messages) >= th->dkim)
					continue;
				fmt_pct(u->dkim_aligned, u->messages, p1,
				    sizeof p1);
				note(&a->blockers, "%s signs %s of its mail "
				    "with aligned DKIM (need %g%% before "
				    "p=reject: RFC 9989 section 7.4)",
				    u->sender->name, p1, th->dkim);
				dkim_plain(a, u->sender->name, p1);
			}
		} else {
			for (i = 0, shown = 0; i < w->ngroups; i++) {
				const struct source_group *g = &w->groups[i];
				const struct source *s;
				if (g->authorised == 0 || pct(g->dkim_aligned,
				    g->authorised) >= th->dkim ||
				    pct(g->authorised, w->messages) <
				    th->significant)
					continue;
				fmt_pct(g->dkim_aligned, g->authorised, p1,
				    sizeof p1);
				s = weakest(w, g);
				group_phrase(g, g->sources, s ? NULL : g->top.ip,
				    who, sizeof who);
				if (shown++ >= 5)
					continue;
				note(&a->blockers, "%s signs %s of its mail "
				    "with aligned DKIM (need %g%% before "
				    "p=reject: RFC 9989 section 7.4)%s%s", who,
				    p1, th->dkim, s ? "; the largest source "
				    "without it: " : "", s ? s->ip : "");
				group_plain(g->kind, g->name, g->folded,
				    g->sources, group_networks(g), who,
				    sizeof who);
				dkim_plain(a, who, p1);
			}
		}
	}
}

/*
 * Mail that fails only because alignment is strict: a DKIM or SPF pass
 * for a subdomain (or parent) of the domain. Relaxed alignment, the
 * default, is the fix that takes no work.
 */
static void
relaxed(struct advice *a)
{
	const struct window	*w = a->w;
	static const struct {
		const char	*tag, *what;
	} k[2] = { { "adkim", "DKIM" }, { "aspf", "SPF" } };
	uint64_t		 m[2] = { w->relax_dkim, w->relax_spf };
	char			 n1[32], p1[16];
	size_t			 i;

	for (i = 0; i < 2; i++) {
		if (m[i] == 0)
			continue;
		fmt_count(m[i], n1, sizeof n1);
		fmt_pct(m[i], w->messages, p1, sizeof p1);
		note(&a->warnings, "%s messages (%s of the mail) fail DMARC "
		    "only because %s alignment is strict (%s=s): %s passes for "
		    "another name in the organisational domain of %s. The fix "
		    "that takes no work: publish %s=r (relaxed, the default); "
		    "keep %s=s only if strict alignment is wanted, and then "
		    "have those senders use %s itself", n1, p1, k[i].what,
		    k[i].tag, k[i].what, a->domain, k[i].tag, k[i].tag,
		    a->domain);
	}
}

/* Warnings that do not block: lists, forwarders, unknown and new. */
static void
warn(struct advice *a, int next)
{
	const struct window	*w = a->w;
	const struct conf_thresholds *th = &w->th;
	uint64_t		 lists = w->via_lists + w->via_forwarders +
				    w->local_policy + w->list_pattern;
	char			 n1[32], n2[32], p1[16], who[400];
	size_t			 i;
	unsigned		 shown = 0;

	/* The senders the configuration names as forwarders count too. */
	for (i = 0; i < w->ngroups; i++)
		if (label(a, &w->groups[i]) == CONF_FORWARDER)
			lists += w->groups[i].class_messages[CLASS_UNKNOWN];
	if ((next >= 4 || a->cur.stage >= 4) && (lists > 0 ||
	    w->class_messages[CLASS_FORWARDED] > 0)) {
		fmt_count(lists > w->class_messages[CLASS_FORWARDED] ? lists :
		    w->class_messages[CLASS_FORWARDED], n1, sizeof n1);
		fmt_count(w->via_lists + w->list_pattern, n2, sizeof n2);
		note(&a->warnings, "%s messages reached receivers through "
		    "forwarders or mailing lists (%s through lists): under "
		    "p=reject those that fail DMARC are rejected. RFC 9989 "
		    "section 7.4 advises against p=reject for domains whose "
		    "users post to mailing lists", n1, n2);
	}
	for (i = 0; i < w->ngroups && shown < 3; i++) {
		const struct source_group *g = &w->groups[i];
		const struct source *s;
		uint64_t m = g->class_messages[CLASS_UNKNOWN], failing;
		if (m == 0 || pct(m, w->messages) < th->significant ||
		    label(a, g) != CONF_UNLABELLED ||
		    (enforces(next) && unverified(a, g, &failing)))
			continue;	/* acknowledged, or a blocker */
		s = group_largest(w, g, CLASS_UNKNOWN);
		group_phrase(g, g->class_sources[CLASS_UNKNOWN], s->ip, who,
		    sizeof who);
		fmt_pct(m, w->messages, p1, sizeof p1);
		if (g->kind == GROUP_NONE)
			note(&a->warnings, "%s send %s of the mail as %s: "
			    "spoofing, most likely, which enforcement stops",
			    who, p1, *s->header_from ? s->header_from :
			    a->domain);
		else
			note(&a->warnings, "%s sends %s of the mail as %s and "
			    "is unknown%s%s%s: if it is yours, add it to the "
			    "configuration; if not, enforcement stops it", who,
			    p1, *s->header_from ? s->header_from : a->domain,
			    g->evidence && *g->evidence ? " (" : "",
			    g->evidence ? g->evidence : "",
			    g->evidence && *g->evidence ? ")" : "");
		shown++;
	}
	relaxed(a);
	if (w->receiver_policy > 0) {
		fmt_count(w->receiver_policy, n1, sizeof n1);
		note(&a->warnings, "%s messages that fail DMARC were delivered "
		    "by the receivers' own local policy (local_policy, with "
		    "nothing about forwarding in its comment): counted as "
		    "failing, not as forwarded, as a receiver may stop making "
		    "that exception at any time", n1);
	}
	if (w->new_sources > 0) {
		fmt_count(w->new_messages, n1, sizeof n1);
		new_senders(w, who, sizeof who);
		note(&a->warnings, "%llu source%s seen for the first time in "
		    "the window (%s messages)%s%s", (unsigned long long)
		    w->new_sources, w->new_sources == 1 ? "" : "s", n1,
		    *who ? ", from " : "", who);
	}
}

static void
explain(struct advice *a, const struct dmarc_record *next)
{
	const char	*npct = record_get(next, "pct");
	const char	*np = record_get(next, "p");

	if (a->cur.pct > 0 && a->cur.pct < 100)
		note(&a->about, "RFC 9989 receivers ignore pct: the published "
		    "p=%s; pct=%lld applies to %lld%% of failing mail at RFC "
		    "7489 receivers, but to all of it at RFC 9989 receivers. "
		    "The form both read alike is p=%s; pct=0; t=y (one level "
		    "less everywhere) or p=%s alone (all of it)", a->cur.p,
		    (long long)a->cur.pct, (long long)a->cur.pct, a->cur.p,
		    a->cur.p);
	if (npct != NULL && strcmp(npct, "0") == 0)
		note(&a->about, "pct=0 (read by RFC 7489 receivers) and t=y "
		    "(RFC 9989) both ask for one level less: p=%s is applied "
		    "as %s by both generations. Each ignores the tag it does "
		    "not know, so publishing both is right", np,
		    eq(np, "reject") ? "quarantine" : "none (with From "
		    "rewriting by mailing lists)");
	else if (npct != NULL)
		note(&a->about, "pct=%s: RFC 7489 receivers apply p=%s to %s%% "
		    "of failing mail, RFC 9989 receivers ignore pct and apply "
		    "it to all of it. Take this step only if that is "
		    "acceptable (partial-pct yes in the configuration)", npct,
		    np, npct);
	if (a->np_suggested)
		note(&a->about, "np=reject (RFC 9989) rejects mail from "
		    "subdomains that do not exist. No mail from a subdomain "
		    "of %s passes DMARC, so it is safe now, at any stage",
		    a->domain);
}

void
advice_free(struct advice *a)
{
	if (a == NULL)
		return;
	window_free(a->w);
	notes_free(&a->reasons);
	notes_free(&a->blockers);
	free(a->dns_check);
	free(a->domain);
	free(a);
}

/*
 * The policy the advice rests on, and since when it holds: the record
 * of the configuration or DNS when there is one (r, from record_now),
 * else what the reporters saw. Returns 0, or -1 with err set.
 */
static int
settle(struct advice *a, struct store *s, const struct votes *vs,
    const struct dmarc_record *r, int64_t until, struct dr_error *err)
{
	const struct vote	*t;
	int64_t			 since;
	int			 slot = a->reported_slot;

	a->policy_source = "reports";
	if (strcmp(a->record_source, "configuration") == 0 ||
	    strcmp(a->record_source, "DNS") == 0) {
		a->policy_source = a->record_source;
		policy_from_record(&a->cur, r);
		a->has_policy = 1;
		slot = a->cur.stage;
	}
	if (!a->has_policy)
		return 0;
	t = &vs->slot[slot];
	a->voters = t->reporters;
	a->cur.reports = t->reports;
	a->cur.rfc9990 = t->rfc9990;
	a->policy_day = t->reporters > 0 ? t->last : vs->newest;
	a->stage_since = -1;
	a->days_at_stage = 0;
	if (t->reporters == 0)
		return 0;
	if (stage_since(s, a->domain, until, t, a->cur.stage, &since, err) ==
	    -1)
		return -1;
	if (since != -1 && since <= t->last) {
		a->stage_since = since;
		/* Days observed: to the newest report, not to today. */
		a->days_at_stage = (unsigned)(t->last - since + 1);
	}
	return 0;
}

/*
 * Low volume: a window with fewer than min-messages messages, but some
 * (none is reports that stopped, never advice from older ones), is
 * doubled, up to ADVISE_LONG_WINDOW days, until it holds enough; the
 * advice rests on it and says so.
 */
static int
longer_window(struct advice *a, struct store *s, const struct conf *c,
    const struct classify_opts *keep, struct dr_error *err)
{
	/* A copy: the window it is in is replaced. */
	uint64_t			 min = a->w->th.min_messages;
	struct window			*w;
	int64_t				 span = a->to_day - a->from_day + 1;
	int64_t				 first = span;
	uint64_t			 had = a->w->messages;
	char				 n1[32];

	/* No mail at all is not low volume: the reports stopped. */
	if (had >= min || had == 0)
		return 0;
	while (a->w->messages < min &&
	    span < ADVISE_LONG_WINDOW) {
		span = span * 2 > ADVISE_LONG_WINDOW ? ADVISE_LONG_WINDOW :
		    span * 2;
		if (classify_window(s, c, a->domain, a->to_day - span + 1,
		    a->to_day, keep, &w, err) == -1)
			return -1;
		window_free(a->w);
		a->w = w;
		a->from_day = a->to_day - span + 1;
	}
	if (span == first)
		return 0;
	fmt_count(had, n1, sizeof n1);
	note(&a->about, "judged over %lld days: the %lld days of the window "
	    "held %s messages, fewer than min-messages (%llu)",
	    (long long)span, (long long)first, n1, (unsigned long long)min);
	return 0;
}

struct classify_opts
advise_keep(const struct advise_opts *o)
{
	/* Every sender, and the largest sources of each kind. */
	struct classify_opts	 k = { CLASSIFY_GROUPS, -1,
	    CLASSIFY_KEEP_ALL | CLASSIFY_BY_SENDER, NULL, NULL, NULL, NULL };

	k.cat = o->cat;
	k.geo = o->geo;
	return k;
}

/*
 * The domain's SPF tree and DKIM keys from DNS (a->dns_check), for
 * dns_blockers. DNS that does not answer is a warning: the advice then
 * rests on the reports alone. Returns 0, or -1 (err) out of memory.
 */
static int
dns_audit(struct advice *a, struct store *s, const struct conf *c,
    const struct advise_opts *o, struct dr_error *err)
{
	struct check_opts	 co;
	struct dns		*own = NULL, *d = o->resolver;
	char			 why[ADVICE_NOTE];

	if (d == NULL && (d = own = dns_new(&c->resolver)) == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	if ((a->dns_check = malloc(sizeof *a->dns_check)) == NULL) {
		dns_free(own);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	memset(&co, 0, sizeof co);
	co.from_day = a->from_day;
	co.to_day = a->to_day;
	if (check_sending(d, s, c, a->domain, &co, a->dns_check, why,
	    sizeof why) == -1) {
		free(a->dns_check);
		a->dns_check = NULL;
		if (strcmp(why, "out of memory") == 0) {
			dns_free(own);
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		}
		note(&a->warnings, "the SPF record and DKIM keys of %s were "
		    "not checked: %s", a->domain, why);
	}
	dns_free(own);
	return 0;
}

int
advise_domain(struct store *s, const struct conf *c, const char *domain,
    int64_t from, int64_t to, const struct advise_opts *o, struct window *w,
    struct advice **out, struct dr_error *err)
{
	struct classify_opts	 keep = advise_keep(o);
	const struct source_group *harm;
	int			 dns = o->dns, low;
	struct advice		*a;
	struct votes		 vs;
	struct notes		 later;
	struct dmarc_record	*r = NULL;
	size_t			 i;
	unsigned		 n0;
	int			 target;
	char			 why[VALID_WHY + 32];
	int64_t			 until = (to + 1) * 86400;

	*out = NULL;
	memset(&vs, 0, sizeof vs);
	a = calloc(1, sizeof *a);
	if (a == NULL) {
		window_free(w);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	a->w = w;
	a->cat = o->cat;
	a->conf = c;
	a->domain = strdup(domain);
	if (a->domain == NULL) {
		advice_free(a);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	/* Never a cut name: no record at all when it cannot be one. */
	if (valid_dmarc_name(domain, a->record_name, sizeof a->record_name,
	    why, sizeof why) == -1) {
		a->record_name[0] = '\0';
		note(&a->warnings, "no DMARC record can be looked up or "
		    "published for this domain: %s", why);
	}
	a->from_day = from;
	a->to_day = to;
	a->reported_stage = -1;
	a->reported_slot = -1;
	a->policy_source = "reports";
	a->stage_since = -1;

	if (store_views(s, domain, until, ADVISE_SPAN, on_view, &vs, err) ==
	    -1)
		goto fail;
	if (vs.nomem) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		goto fail;
	}
	a->reported_slot = winner(&vs);
	if (a->reported_slot != -1) {
		a->cur = vs.slot[a->reported_slot].policy;
		a->reported_stage = a->cur.stage;
		a->has_policy = 1;
	}
	keep_votes(a, &vs);
	if (a->w == NULL && classify_window(s, c, domain, from, to, &keep,
	    &a->w, err) == -1)
		goto fail;
	if (a->w->groups == NULL) {
		/* Judged by sender: a window without them cannot be. */
		dr_seterr(err, DR_E_USAGE, "%s: advice needs the sources "
		    "summed by sender", domain);
		goto fail;
	}
	if (longer_window(a, s, c, &keep, err) == -1)
		goto fail;
	a->legit = a->w->class_messages[CLASS_COMPLIANT] +
	    a->w->class_messages[CLASS_MISCONFIGURED];
	a->legit_pass = a->w->class_pass[CLASS_COMPLIANT] +
	    a->w->class_pass[CLASS_MISCONFIGURED];

	if (!a->has_policy && a->w->messages == 0) {
		a->verdict = VERDICT_NO_DATA;
		note(&a->reasons, "no reports for %s before this date", domain);
		votes_free(&vs);
		*out = a;
		return 0;
	}

	/*
	 * The record as published: the policy rests on it if it is known.
	 * What it says about the record is said after the verdict's
	 * warnings, as before it decided the policy.
	 */
	if (a->reported_slot != -1)
		a->policy_day = vs.slot[a->reported_slot].last;
	n0 = a->warnings.n;
	r = record_now(a, c, s, until, dns, o->resolver, err);
	if (r == NULL)
		goto fail;
	if (dns && a->record_name[0] != '\0' && dns_audit(a, s, c, o,
	    err) == -1)
		goto fail;
	later.n = 0;
	for (i = n0; i < a->warnings.n; i++)
		memcpy(later.text[later.n++], a->warnings.text[i],
		    sizeof later.text[0]);
	a->warnings.n = n0;
	if (settle(a, s, &vs, r, until, err) == -1)
		goto fail;
	disagreement(a);
	if (a->reported_stage != -1 && a->reported_stage != a->cur.stage) {
		const struct advice_vote *v = find_vote(a, a->reported_slot);
		char pol[128], d1[16];
		vote_policy(v, pol, sizeof pol);
		fmt_day(v->last, d1, sizeof d1);
		int in_dns = strcmp(a->policy_source, "DNS") == 0;
		note(&a->warnings, "the reporters with the most days of "
		    "reports saw %s in their newest reports (%s), but the %s "
		    "has stage %d, %s: the advice rests on the %s. Receivers "
		    "report a change within a day or two; if this lasts, %s",
		    pol, d1, in_dns ? "record in DNS" : "record in the "
		    "configuration", a->cur.stage,
		    advise_stage_name(a->cur.stage), in_dns ? "record in DNS" :
		    "record in the configuration", in_dns ? "check that the "
		    "record this host sees in DNS is the one the internet "
		    "sees" : "make sure the record in the configuration is "
		    "the one published in DNS");
	}

	target = next_up(a->cur.stage, a->w->th.partial_pct);
	harm = enforces(a->cur.stage) ? harm_now(a) : NULL;
	low = a->cur.stage >= 2 && a->legit > 0 && pct(a->legit_pass,
	    a->legit) < a->w->th.step_back;
	if (low || harm != NULL) {
		char p1[16], who[400], n1[32];
		a->verdict = VERDICT_STEP_BACK;
		target = step_down(a->cur.stage);
		if (low) {
			fmt_pct(a->legit_pass, a->legit, p1, sizeof p1);
			note(&a->reasons, "authorised mail passes DMARC at %s, "
			    "below %g%%: receivers %s the rest of it", p1,
			    a->w->th.step_back, a->cur.stage == 5 ? "reject" :
			    "quarantine");
			plain(&a->reasons, "only %s of your own mail passes "
			    "DMARC (below %g%%), and receivers %s the rest of "
			    "it", p1, a->w->th.step_back, a->cur.stage == 5 ?
			    "refuse" : "send to spam");
		}
		if (harm != NULL) {
			uint64_t h = authorised_of(harm->class_harmed);
			group_noun(harm->kind, harm->name, harm->folded, who,
			    sizeof who);
			fmt_count(h, n1, sizeof n1);
			fmt_pct(h, authorised_of(harm->class_messages),
			    p1, sizeof p1);
			note(&a->reasons, "receivers quarantine or reject the "
			    "authorised mail of %s: %s messages, %s of it (a "
			    "step back from %llu messages and %g%%)", who, n1,
			    p1, (unsigned long long)a->w->th.harm_messages,
			    a->w->th.harm);
			group_plain(harm->kind, harm->name, harm->folded,
			    harm->class_sources[CLASS_COMPLIANT] +
			    harm->class_sources[CLASS_MISCONFIGURED],
			    group_networks(harm), who, sizeof who);
			plain(&a->reasons, "receivers send to spam or refuse "
			    "mail of yours from %s: %s messages, %s of it",
			    who, n1, p1);
		}
		judge(a, target, 0);
	} else if (parked(a)) {
		char n1[32];
		/* Nothing legitimate sends as it: no ladder to walk. */
		fmt_count(a->w->messages, n1, sizeof n1);
		a->verdict = a->cur.stage == 5 ? VERDICT_HOLD : VERDICT_ADVANCE;
		target = 5;
		note(&a->reasons, "no mail as %s passes DMARC in the %lld "
		    "days (%s messages reported): nothing legitimate sends "
		    "as it, only forgeries, which p=reject stops now", domain,
		    (long long)(a->w->to_day - a->w->from_day + 1), n1);
		plain(&a->reasons, "none of the %s messages sent as %s in the "
		    "last %lld days passed DMARC: nothing of yours sends as "
		    "it, only forgers, and refusing its mail stops them now",
		    n1, domain, (long long)(a->w->to_day - a->w->from_day +
		    1));
		note(&a->about, "a domain that sends no mail should say so "
		    "everywhere: also publish \"v=spf1 -all\" as its SPF "
		    "record (TXT at %s) and a null MX (%s. IN MX 0 ., RFC "
		    "7505); if it does send mail, configure its senders and "
		    "do not publish this", domain, domain);
	} else if (a->cur.stage == 5) {
		a->verdict = VERDICT_HOLD;
		target = 5;
		note(&a->reasons, "p=reject is the last stage: keep watching "
		    "for authorised senders that start failing");
		plain(&a->reasons, "this is the last step: keep watching for "
		    "senders of yours that start failing");
		judge(a, 5, 0);
	} else if (!a->w->configured && a->cur.stage >= 1) {
		/*
		 * Without configured senders, authorised means "passes":
		 * a pass rate true by definition. Nothing beyond stage 1,
		 * which harms no mail.
		 */
		a->verdict = VERDICT_HOLD;
		note(&a->reasons, "no senders are configured for %s: dmarcdb "
		    "cannot tell your mail from anyone else's, and goes no "
		    "further than stage 1 (which stops no mail). List your "
		    "senders in the configuration first: dmarcdb sources "
		    "--suggest-config --domain %s prints the blocks to start "
		    "from", domain, domain);
		plain(&a->reasons, "your senders for %s are not listed in "
		    "dmarcdb's configuration, so it cannot tell your mail from "
		    "anyone else's: whoever runs dmarcdb should list them "
		    "first", domain);
		judge(a, target, 1);
	} else {
		judge(a, target, 1);
		if (a->blockers.n > 0) {
			a->verdict = VERDICT_HOLD;
			note(&a->reasons, "not yet: fix the blockers below "
			    "first, then run advise again");
			plain(&a->reasons, "not yet: first the points below");
		} else {
			char p1[16];
			fmt_pct(a->legit_pass, a->legit, p1, sizeof p1);
			a->verdict = VERDICT_ADVANCE;
			note(&a->reasons, "authorised mail passes DMARC at %s "
			    "(need %g%%), %u days at this stage", p1,
			    a->w->th.pass, a->days_at_stage);
			plain(&a->reasons, "%s of your own mail passes DMARC "
			    "(%g%% needed), and the policy has been at this "
			    "step for %u day%s", p1, a->w->th.pass,
			    a->days_at_stage, a->days_at_stage == 1 ? "" :
			    "s");
			if (target >= 4) {
				note(&a->reasons, "every authorised sender "
				    "signs with aligned DKIM");
				plain(&a->reasons, "every sender of yours "
				    "signs with your domain's DKIM key");
			}
		}
	}
	if (a->verdict == VERDICT_HOLD && a->cur.stage != 5)
		target = a->cur.stage;
	/* Warn about the step ahead, even while it is blocked. */
	warn(a, target > a->cur.stage ? target : next_up(a->cur.stage,
	    a->w->th.partial_pct));
	a->next_stage = target;
	for (i = 0; i < later.n; i++)
		note(&a->warnings, "%s", later.text[i]);

	/* np=reject is safe early when no subdomain sends mail. */
	if (a->cur.np[0] == '\0' && record_get(r, "np") == NULL) {
		char n1[32];
		a->np_suggested = a->w->subdomain_pass == 0;
		fmt_count(a->w->subdomain_pass, n1, sizeof n1);
		if (!a->np_suggested)
			note(&a->warnings, "%s messages from subdomains of %s "
			    "pass DMARC: before publishing np=reject, make "
			    "sure every sending subdomain exists in DNS", n1,
			    domain);
	}
	if (set_stage(r, target) == -1 || (a->np_suggested &&
	    record_get(r, "np") == NULL && record_set(r, "np", "reject", why,
	    sizeof why) != 0)) {
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		goto fail;
	}
	weak_sp(a, r);
	if (strcmp(a->record_source, "reports") != 0)
		external_dest(a, r);
	if (record_format(r, a->record_next, sizeof a->record_next) >=
	    sizeof a->record_next)
		note(&a->warnings, "the record to publish would be longer than "
		    "%d bytes: not shown", RECORD_MAX);
	explain(a, r);
	if (strcmp(a->record_source, "reports") == 0) {
		/* Never a whole record without its rua=: the tags. */
		stage_tags(target, a->np_suggested && record_get(r, "np") !=
		    NULL && *a->cur.np == '\0', a->record_change,
		    sizeof a->record_change);
		a->record_next[0] = '\0';
	}
	record_free(r);
	if (a->record_name[0] == '\0') {
		a->record_now[0] = '\0';
		a->record_next[0] = '\0';
		a->record_change[0] = '\0';
	}
	votes_free(&vs);
	*out = a;
	return 0;
fail:
	record_free(r);
	votes_free(&vs);
	advice_free(a);
	return -1;
}
