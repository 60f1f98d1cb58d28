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

#include "advise.h"
#include "dns.h"
#include "fmt.h"
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

/* --- the policy history -------------------------------------------- */

#define MAX_TUPLES	16

struct history {
	int64_t		 newest_day;	/* -1 before the first report */
	/* The newest day's policies, to find the one most reports saw. */
	struct policy	 tuples[MAX_TUPLES];
	unsigned	 ntuples;
	/* Then day by day, back until the stage differs. */
	int		 stage;
	int64_t		 day;		/* being counted */
	unsigned	 at[6];		/* its reports per stage */
	int64_t		 since;		/* first day at the stage */
	int		 done;
};

static void
copy(char *dst, size_t len, const char *v)
{
	snprintf(dst, len, "%s", v ? v : "");
}

/* Judge a finished day: does the stage still hold? */
static void
close_day(struct history *h)
{
	unsigned	best = 0, i, n = 0;
	int		stage = -1;

	for (i = 0; i < 6; i++) {
		n += h->at[i];
		if (h->at[i] > best) {
			best = h->at[i];
			stage = (int)i;
		}
	}
	if (n == 0)
		return;
	if (stage != h->stage)
		h->done = 1;
	else
		h->since = h->day;
	memset(h->at, 0, sizeof h->at);
}

static int
on_policy(void *arg, const struct store_policy *p)
{
	struct history	*h = arg;
	int64_t		 day = tally_day(p->begin, p->end);
	int		 stage = advise_stage(p->p, p->pct, p->testing);
	unsigned	 i;

	if (h->newest_day == -1)
		h->newest_day = day;
	if (day == h->newest_day) {
		for (i = 0; i < h->ntuples; i++) {
			struct policy *t = &h->tuples[i];
			if (strcmp(t->p, p->p ? p->p : "") == 0 &&
			    strcmp(t->sp, p->sp ? p->sp : "") == 0 &&
			    strcmp(t->np, p->np ? p->np : "") == 0 &&
			    t->pct == p->pct &&
			    strcmp(t->testing, p->testing ? p->testing : "")
			    == 0 &&
			    strcmp(t->adkim, p->adkim ? p->adkim : "") == 0 &&
			    strcmp(t->aspf, p->aspf ? p->aspf : "") == 0 &&
			    strcmp(t->fo, p->fo ? p->fo : "") == 0)
				break;
		}
		if (i == h->ntuples && i < MAX_TUPLES) {
			struct policy *t = &h->tuples[h->ntuples++];
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
		if (i < MAX_TUPLES) {
			h->tuples[i].reports++;
			if (eq(p->schema, "rfc9990"))
				h->tuples[i].rfc9990++;
		}
		return 0;
	}
	if (h->stage == -1) {
		/* The newest day is over: its policy is the current one. */
		unsigned best = 0;
		for (i = 0; i < h->ntuples; i++)
			if (h->tuples[i].reports > best) {
				best = h->tuples[i].reports;
				h->stage = h->tuples[i].stage;
			}
		h->since = h->newest_day;
		h->day = day;
	}
	if (day != h->day) {
		close_day(h);
		if (h->done)
			return 1;
		h->day = day;
	}
	h->at[stage]++;
	return 0;
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
    int64_t until, int dns, struct dr_error *err)
{
	const struct conf_domain	*d = conf_domain(c, a->domain);
	struct dmarc_record		*r = NULL;
	char				 why[160], n[24];
	char				 txt[RECORD_MAX + 1];
	int				 rc;
	size_t				 i;

	if (d != NULL && d->record != NULL) {
		r = record_parse(d->record, why, sizeof why);
		if (r == NULL)
			note(&a->warnings, "the record in the configuration "
			    "is not usable (%s): rebuilt from the reports",
			    why);
		else
			a->record_source = "configuration";
	}
	if (r == NULL && dns && a->record_name[0] != '\0') {
		rc = dns_dmarc(a->domain, txt, sizeof txt, why, sizeof why);
		if (rc == 1) {
			r = record_parse(txt, why, sizeof why);
			if (r != NULL)
				a->record_source = "DNS";
			else
				note(&a->warnings, "the DMARC record in DNS at "
				    "%s is not usable (%s): the record below "
				    "is rebuilt from the reports",
				    a->record_name, why);
		} else if (rc == 0)
			note(&a->warnings, "DNS has no DMARC record at %s: "
			    "the record below is rebuilt from the reports",
			    a->record_name);
		else
			note(&a->warnings, "%s: the record below is rebuilt "
			    "from the reports", why);
	}
	if (r != NULL) {
		if (record_format(r, a->record_now, sizeof a->record_now) <
		    sizeof a->record_now)
			return r;
		note(&a->warnings, "the %s record is longer than %d bytes "
		    "once written out: rebuilt from the reports",
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
	note(&a->warnings, "the reports do not show where reports go: add "
	    "your rua= (and ruf=) tags to the record below, or put the "
	    "published record in the configuration (record \"...\";)");
	return r;
}

/*
 * What blocks the step to next. gates: also the time, volume and pass
 * rate needed to take a step forward (not when stepping back or at the
 * last stage, where only what to fix is listed).
 */
static void
judge(struct advice *a, int next, int gates)
{
	const struct window	*w = a->w;
	const struct conf_thresholds *th = &w->th;
	char			 n1[32], n2[32], p1[16];
	size_t			 i;
	unsigned		 shown;

	if (gates && w->messages < th->min_messages) {
		fmt_count(w->messages, n1, sizeof n1);
		fmt_count(th->min_messages, n2, sizeof n2);
		note(&a->blockers, "only %s messages in the %lld days (need "
		    "%s to judge)", n1, (long long)(w->to_day - w->from_day +
		    1), n2);
	}
	if (gates && a->days_at_stage < th->min_days)
		note(&a->blockers, "%u days at this stage so far (need %u)",
		    a->days_at_stage, th->min_days);
	if (gates && a->legit == 0)
		note(&a->blockers, "no authorised mail seen: nothing shows "
		    "that legitimate mail would pass");
	else if (gates && pct(a->legit_pass, a->legit) < th->pass) {
		fmt_pct(a->legit_pass, a->legit, p1, sizeof p1);
		note(&a->blockers, "authorised mail passes DMARC at %s (need "
		    "%g%%)", p1, th->pass);
	}
	for (i = 0; i < w->nlisted; i++) {
		const struct source *s = &w->listed[i];
		if (s->class != CLASS_MISCONFIGURED)
			continue;
		fmt_count(s->messages, n1, sizeof n1);
		if (pct(s->messages, w->messages) >= th->significant)
			note(&a->blockers, "%s%s%s%s (%s messages): %s", s->ip,
			    s->sender ? " (" : "", s->sender ?
			    s->sender->name : "", s->sender ? ")" : "", n1,
			    s->reason);
		else
			note(&a->warnings, "also fix %s%s%s%s (%s messages): "
			    "%s", s->ip, s->sender ? " (" : "", s->sender ?
			    s->sender->name : "", s->sender ? ")" : "", n1,
			    s->reason);
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
			}
		} else {
			for (i = 0, shown = 0; i < w->nlisted; i++) {
				const struct source *s = &w->listed[i];
				if (!s->authorised || pct(s->dkim_aligned,
				    s->messages) >= th->dkim ||
				    pct(s->messages, w->messages) <
				    th->significant)
					continue;
				fmt_pct(s->dkim_aligned, s->messages, p1,
				    sizeof p1);
				if (shown++ < 5)
					note(&a->blockers, "%s signs %s of its "
					    "mail with aligned DKIM (need %g%% "
					    "before p=reject: RFC 9989 section "
					    "7.4)", s->ip, p1, th->dkim);
			}
		}
	}
}

/* Warnings that do not block: lists, forwarders, unknown and new. */
static void
warn(struct advice *a, int next)
{
	const struct window	*w = a->w;
	const struct conf_thresholds *th = &w->th;
	uint64_t		 lists = w->via_lists + w->via_forwarders +
				    w->local_policy;
	char			 n1[32], n2[32], p1[16];
	size_t			 i;
	unsigned		 shown = 0;

	if ((next >= 4 || a->cur.stage >= 4) && (lists > 0 ||
	    w->class_messages[CLASS_FORWARDED] > 0)) {
		fmt_count(lists > w->class_messages[CLASS_FORWARDED] ? lists :
		    w->class_messages[CLASS_FORWARDED], n1, sizeof n1);
		fmt_count(w->via_lists, n2, sizeof n2);
		note(&a->warnings, "%s messages reached receivers through "
		    "forwarders or mailing lists (%s through lists): under "
		    "p=reject those that fail DMARC are rejected. RFC 9989 "
		    "section 7.4 advises against p=reject for domains whose "
		    "users post to mailing lists", n1, n2);
	}
	for (i = 0; i < w->nlisted && shown < 3; i++) {
		const struct source *s = &w->listed[i];
		if (s->class != CLASS_UNKNOWN || pct(s->messages, w->messages)
		    < th->significant)
			continue;
		fmt_pct(s->messages, w->messages, p1, sizeof p1);
		note(&a->warnings, "%s sends %s of the mail as %s and is "
		    "unknown: if it is yours, add it to the configuration; "
		    "if not, enforcement stops it", s->ip, p1,
		    *s->header_from ? s->header_from : a->domain);
		shown++;
	}
	if (w->new_sources > 0) {
		fmt_count(w->new_messages, n1, sizeof n1);
		note(&a->warnings, "%llu source%s seen for the first time in "
		    "the window (%s messages)", (unsigned long long)
		    w->new_sources, w->new_sources == 1 ? "" : "s", n1);
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
	free(a->domain);
	free(a);
}

int
advise_domain(struct store *s, const struct conf *c, const char *domain,
    int64_t from, int64_t to, int dns, struct window *w,
    struct advice **out, struct dr_error *err)
{
	/* The sources the notes name: the largest of each kind. */
	static const struct classify_opts keep = { 0, -1,
	    CLASSIFY_KEEP_ALL, NULL, NULL };
	struct advice		*a;
	struct history		 h;
	struct dmarc_record	*r;
	size_t			 i;
	int			 target;
	char			 why[VALID_WHY + 32];

	*out = NULL;
	a = calloc(1, sizeof *a);
	if (a == NULL) {
		window_free(w);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	a->w = w;
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

	memset(&h, 0, sizeof h);
	h.newest_day = -1;
	h.stage = -1;
	if (store_policies(s, domain, (to + 1) * 86400, on_policy, &h, err) ==
	    -1)
		goto fail;
	if (h.newest_day != -1) {
		unsigned best = 0;
		if (h.stage == -1) {
			/* Only one day of reports. */
			h.since = h.newest_day;
		} else if (!h.done)
			close_day(&h);
		for (i = 0; i < h.ntuples; i++)
			if (h.tuples[i].reports > best) {
				best = h.tuples[i].reports;
				a->cur = h.tuples[i];
			}
		a->has_policy = 1;
		a->policy_day = h.newest_day;
		a->stage_since = h.since;
		/* Days observed: to the newest report, not to today. */
		a->days_at_stage = (unsigned)(h.newest_day - h.since + 1);
	}
	if (a->w == NULL && classify_window(s, c, domain, from, to, &keep,
	    &a->w, err) == -1)
		goto fail;
	a->legit = a->w->class_messages[CLASS_COMPLIANT] +
	    a->w->class_messages[CLASS_MISCONFIGURED];
	a->legit_pass = a->w->class_pass[CLASS_COMPLIANT] +
	    a->w->class_pass[CLASS_MISCONFIGURED];

	if (!a->has_policy && a->w->messages == 0) {
		a->verdict = VERDICT_NO_DATA;
		note(&a->reasons, "no reports for %s before this date", domain);
		*out = a;
		return 0;
	}

	target = next_up(a->cur.stage, a->w->th.partial_pct);
	if (a->cur.stage >= 2 && a->legit > 0 && pct(a->legit_pass,
	    a->legit) < a->w->th.step_back) {
		char p1[16];
		fmt_pct(a->legit_pass, a->legit, p1, sizeof p1);
		a->verdict = VERDICT_STEP_BACK;
		target = step_down(a->cur.stage);
		note(&a->reasons, "authorised mail passes DMARC at %s, below "
		    "%g%%: receivers %s the rest of it", p1,
		    a->w->th.step_back, a->cur.stage == 5 ? "reject" :
		    "quarantine");
		judge(a, target, 0);
	} else if (a->cur.stage == 5) {
		a->verdict = VERDICT_HOLD;
		target = 5;
		note(&a->reasons, "p=reject is the last stage: keep watching "
		    "for authorised senders that start failing");
		judge(a, 5, 0);
	} else {
		judge(a, target, 1);
		if (a->blockers.n > 0) {
			a->verdict = VERDICT_HOLD;
			note(&a->reasons, "not yet: fix the blockers below "
			    "first, then run advise again");
		} else {
			char p1[16];
			fmt_pct(a->legit_pass, a->legit, p1, sizeof p1);
			a->verdict = VERDICT_ADVANCE;
			note(&a->reasons, "authorised mail passes DMARC at %s "
			    "(need %g%%), %u days at this stage", p1,
			    a->w->th.pass, a->days_at_stage);
			if (target >= 4)
				note(&a->reasons, "every authorised sender "
				    "signs with aligned DKIM");
		}
	}
	if (a->verdict == VERDICT_HOLD && a->cur.stage != 5)
		target = a->cur.stage;
	/* Warn about the step ahead, even while it is blocked. */
	warn(a, target > a->cur.stage ? target : next_up(a->cur.stage,
	    a->w->th.partial_pct));
	a->next_stage = target;

	r = record_now(a, c, s, (to + 1) * 86400, dns, err);
	if (r == NULL)
		goto fail;
	if (a->record_now[0] != '\0') {
		const char *p = record_get(r, "p"), *t = record_get(r, "t");
		const char *q = record_get(r, "pct");
		int stage = advise_stage(p, q ? atoll(q) : -1, t);
		if (stage != a->cur.stage)
			note(&a->warnings, "the %s has p=%s%s%s%s%s (stage %d, "
			    "%s) but the newest reports saw stage %d: "
			    "receivers report on a change within a day or "
			    "two", a->record_source, p ? p : "none", q ?
			    "; pct=" : "", q ? q : "", t ? "; t=" : "", t ? t :
			    "", stage, advise_stage_name(stage),
			    a->cur.stage);
	}
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
		record_free(r);
		dr_seterr(err, DR_E_NOMEM, "out of memory");
		goto fail;
	}
	if (record_format(r, a->record_next, sizeof a->record_next) >=
	    sizeof a->record_next)
		note(&a->warnings, "the record to publish would be longer than "
		    "%d bytes: not shown", RECORD_MAX);
	explain(a, r);
	record_free(r);
	if (a->record_name[0] == '\0') {
		a->record_now[0] = '\0';
		a->record_next[0] = '\0';
	}
	*out = a;
	return 0;
fail:
	advice_free(a);
	return -1;
}
