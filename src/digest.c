/*
 * digest.c: the facts of the weekly digest (dmarcdb(1), DIGEST).
 *
 * For each domain: the classification of this period and of the one
 * before (for the change, the sources that started failing and the
 * reporters that went quiet), and the advice as advise gives it on the
 * same day. Then what needs attention, most urgent first, and the
 * health of the ingest.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "digest.h"
#include "dns.h"
#include "fmt.h"
#include "group.h"
#include "hmap.h"
#include "scope.h"

static int
nomem(struct dr_error *err)
{
	return dr_seterr(err, DR_E_NOMEM, "out of memory");
}

static double
share(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

static void
item(struct digest_domain *d, enum digest_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
item(struct digest_domain *d, enum digest_level level, const char *fmt, ...)
{
	struct digest_item	*it;
	va_list			 ap;
	size_t			 i;

	if (d->nitems == sizeof d->items / sizeof d->items[0])
		return;
	/* Most urgent first; in order of arrival within a level. */
	for (i = d->nitems; i > 0 && d->items[i - 1].level < level; i--)
		d->items[i] = d->items[i - 1];
	it = &d->items[i];
	it->level = level;
	va_start(ap, fmt);
	vsnprintf(it->text, sizeof it->text, fmt, ap);
	va_end(ap);
	d->nitems++;
}

/* The item added since the domain had n0, if any, is said elsewhere. */
static void
elsewhere(struct digest_domain *d, size_t n0)
{
	if (d->nitems > n0)
		d->items[d->nitems - 1].elsewhere = 1;
}

void
digest_sender_name(const struct digest_sender *e, char *out, size_t len)
{
	const char	*ip = e->s != NULL && *e->s->ip ? e->s->ip : NULL;
	char		 name[300];

	if (e->g != NULL) {
		group_phrase(e->g, e->sources, ip, out, len);
		return;
	}
	group_noun(e->s->gkind, e->s->gname, 0, name, sizeof name);
	snprintf(out, len, "%s (%s)", name, ip ? ip : "no address");
}

int
digest_asks(const struct digest_sender *n)
{
	return n->g != NULL && n->g->kind != GROUP_NONE &&
	    n->g->kind != GROUP_FORWARDED && n->g->kind != GROUP_OTHER &&
	    n->s != NULL && n->s->class == CLASS_UNKNOWN;
}

void
digest_ask_phrase(const struct digest_domain *d, char *out, size_t len)
{
	char	name[320];

	if (d->ask == 0) {
		snprintf(out, len, "%s", "");
		return;
	}
	digest_sender_plain(&d->news[d->ask - 1], name, sizeof name);
	if (d->nasks <= 1)
		snprintf(out, len, "%s is yours", name);
	else
		snprintf(out, len, "%s and %zu other new sender%s are yours",
		    name, d->nasks - 1, d->nasks == 2 ? "" : "s");
}

void
digest_sender_plain(const struct digest_sender *e, char *out, size_t len)
{
	if (e->g != NULL)
		group_plain(e->g->kind, e->g->name, e->g->folded, e->sources,
		    group_networks(e->g), out, len);
	else
		group_plain(e->s->gkind, e->s->gname, 0, e->sources, 0, out,
		    len);
}

/*
 * Put e in a list of DIGEST_LIST at most that holds n: largest first
 * (messages), in order of arrival among equals.
 */
static void
list_put(struct digest_sender *v, size_t n, const struct digest_sender *e)
{
	size_t	i = n;

	if (n == DIGEST_LIST) {
		if (v[n - 1].messages >= e->messages)
			return;
		i = n - 1;
	}
	for (; i > 0 && v[i - 1].messages < e->messages; i--)
		v[i] = v[i - 1];
	v[i] = *e;
}

/*
 * The senders of the new sources listed in w (the largest new sources,
 * CLASSIFY_KEEP of them at least), each with their sum, largest first.
 */
static int
new_senders(struct digest_domain *d, const struct window *w)
{
	struct digest_sender	*t, e;
	size_t			 i, j, n = 0, k;

	t = calloc(w->nlisted ? w->nlisted : 1, sizeof *t);
	if (t == NULL)
		return -1;
	for (i = 0; i < w->nlisted; i++) {
		const struct source *s = &w->listed[i];
		if (!source_new(w, s))
			continue;
		for (j = 0; j < n; j++)
			if (group_same_sender(t[j].s, s))
				break;
		if (j == n)
			t[n++].s = s;	/* the largest: listed in order */
		t[j].sources++;
		t[j].messages += s->messages;
		t[j].pass += s->pass;
	}
	for (i = 0, k = 0; i < n; i++) {
		list_put(d->news, k, &t[i]);
		if (k < DIGEST_LIST)
			k++;
	}
	d->nnews = k;
	free(t);
	/* Their groups, for the networks and names. */
	for (i = 0; i < d->nnews; i++) {
		e = d->news[i];
		for (j = 0; j < w->ngroups; j++)
			if (group_same(e.s, &w->groups[j])) {
				d->news[i].g = &w->groups[j];
				break;
			}
	}
	return 0;
}

/* Lists and attention items of one domain, from its windows. */
static int
judge_domain(struct digest *g, struct digest_domain *d, int64_t newest_end,
    struct dr_error *err)
{
	const struct window	*w = d->cur, *p = d->prev;
	struct hmap		*was;
	char			 key[GROUP_KEY_MAX];
	size_t			 kl;
	struct digest_sender	 e;
	char			 name[400], n1[32], n2[32], p1[16], day[16];
	uint64_t		 broken_msgs = 0, unknown_msgs;
	size_t			 i, j, k, still = 0, n0;
	const char		*per = g->days == 7 ? "week" : "period";
	int			 added;

	was = hmap_new(1);
	if (was == NULL)
		return nomem(err);
	/*
	 * By sender (group.h), all of them: a sender "started failing"
	 * if it had no failing authorised mail the period before.
	 */
	for (i = 0; i < p->ngroups; i++) {
		if (p->groups[i].class_messages[CLASS_MISCONFIGURED] == 0)
			continue;
		kl = group_key(p->groups[i].kind, p->groups[i].name, key);
		if (hmap_get(was, key, kl, &added) == NULL)
			goto nomem;
	}
	d->nnew = (size_t)w->new_sources;
	if (new_senders(d, w) == -1)
		goto nomem;
	for (i = 0; i < d->nnews; i++)
		if (digest_asks(&d->news[i]) && d->nasks++ == 0)
			d->ask = i + 1;
	unknown_msgs = w->class_messages[CLASS_UNKNOWN];
	for (i = 0; i < w->ngroups; i++) {
		const struct source_group *gr = &w->groups[i];
		if (gr->class_messages[CLASS_UNKNOWN] > 0) {
			e.g = gr;
			e.s = NULL;	/* below, for those listed */
			e.sources = gr->class_sources[CLASS_UNKNOWN];
			e.messages = gr->class_messages[CLASS_UNKNOWN];
			e.pass = gr->class_pass[CLASS_UNKNOWN];
			k = d->nunknown < DIGEST_LIST ? d->nunknown :
			    DIGEST_LIST;
			list_put(d->unknown, k, &e);
			d->nunknown++;
		}
		if (gr->class_messages[CLASS_MISCONFIGURED] == 0)
			continue;
		kl = group_key(gr->kind, gr->name, key);
		e.g = gr;
		e.s = NULL;
		e.sources = gr->class_sources[CLASS_MISCONFIGURED];
		e.messages = gr->class_messages[CLASS_MISCONFIGURED];
		e.pass = gr->class_pass[CLASS_MISCONFIGURED];
		if (hmap_find(was, key, kl) != NULL) {
			k = d->nstill < DIGEST_LIST ? d->nstill : DIGEST_LIST;
			list_put(d->still, k, &e);
			d->nstill++;
			still++;
			continue;
		}
		k = d->nbroken < DIGEST_LIST ? d->nbroken : DIGEST_LIST;
		list_put(d->broken, k, &e);
		d->nbroken++;
		broken_msgs += e.messages;
	}
	hmap_free(was);
	was = NULL;
	/* Each listed sender's largest source of the kind. */
	for (i = 0; i < d->nunknown && i < DIGEST_LIST; i++)
		d->unknown[i].s = group_largest(w, d->unknown[i].g,
		    CLASS_UNKNOWN);
	for (i = 0; i < d->nbroken && i < DIGEST_LIST; i++)
		d->broken[i].s = group_largest(w, d->broken[i].g,
		    CLASS_MISCONFIGURED);
	for (i = 0; i < d->nstill && i < DIGEST_LIST; i++)
		d->still[i].s = group_largest(w, d->still[i].g,
		    CLASS_MISCONFIGURED);

	/* Reporters of the period before that sent nothing this one. */
	for (i = 0; i < p->reporters; i++) {
		for (j = 0; j < w->reporters; j++)
			if (strcmp(p->reporter_names[i],
			    w->reporter_names[j]) == 0)
				break;
		if (j < w->reporters)
			continue;
		if (d->nlost < DIGEST_LIST)
			d->lost[d->nlost] = p->reporter_names[i];
		d->nlost++;
	}

	/* What needs attention. */
	if (w->messages == 0) {
		if (newest_end >= 0) {
			fmt_day((newest_end - 1) / 86400, day, sizeof day);
			item(d, DIGEST_ACT, "no reports this %s; the newest "
			    "covers up to %s", per, day);
		} else
			item(d, DIGEST_ACT, "no reports at all: check that "
			    "the domain's DMARC record has rua= pointing to "
			    "the mailbox dmarcdb reads");
	}
	if (d->adv->verdict == VERDICT_STEP_BACK) {
		fmt_pct(d->adv->legit_pass, d->adv->legit, p1, sizeof p1);
		item(d, DIGEST_ACT, "mailbox providers are stopping some of "
		    "your own mail: only %s of it passes DMARC. Relax the "
		    "policy one step (see Policy below)", p1);
	}
	if (d->nbroken > 0) {
		const struct digest_sender *b = &d->broken[0];
		n0 = d->nitems;
		digest_sender_name(b, name, sizeof name);
		fmt_count(broken_msgs, n1, sizeof n1);
		if (d->nbroken == 1)
			item(d, DIGEST_ACT, "authorised sender %s started "
			    "failing DMARC (%s messages): %s", name, n1,
			    b->s->reason);
		else
			item(d, DIGEST_ACT, "%zu authorised senders started "
			    "failing DMARC (%s messages), the largest %s: %s",
			    d->nbroken, n1, name, b->s->reason);
		elsewhere(d, n0);
	}
	if (still > 0) {
		n0 = d->nitems;
		item(d, DIGEST_NOTE, "%zu authorised sender%s still fail%s "
		    "DMARC, as in the period before", still, still == 1 ?
		    "" : "s", still == 1 ? "s" : "");
		elsewhere(d, n0);
	}
	if (unknown_msgs > 0 && share(unknown_msgs, w->messages) >=
	    w->th.significant) {
		fmt_count(unknown_msgs, n1, sizeof n1);
		fmt_pct(unknown_msgs, w->messages, p1, sizeof p1);
		k = w->class_sources[CLASS_UNKNOWN];
		item(d, DIGEST_NOTE, "%zu sender%s not known as yours (%zu "
		    "address%s) sent %s messages (%s) as %s", d->nunknown,
		    d->nunknown == 1 ? "" : "s", k, k == 1 ? "" : "es", n1,
		    p1, d->domain);
	}
	if (d->nlost > 0) {
		n0 = d->nitems;
		item(d, DIGEST_NOTE, "%s%s sent reports in the period before "
		    "but none in this one", d->lost[0], d->nlost > 1 ?
		    " and others" : "");
		elsewhere(d, n0);
	}
	if (d->nchanges > 0) {
		fmt_day(d->changes[0].on / 86400, day, sizeof day);
		n0 = d->nitems;
		item(d, DIGEST_NOTE, "%s changed in DNS on %s%s",
		    d->changes[0].what, day, d->nchanges > 1 ? ", and other "
		    "records" : "");
		elsewhere(d, n0);
	}
	if (w->messages > 0 && p->messages > 0 && share(w->pass, w->messages)
	    + 2 <= share(p->pass, p->messages)) {
		fmt_pct(w->pass, w->messages, p1, sizeof p1);
		fmt_pct(p->pass, p->messages, n2, sizeof n2);
		n0 = d->nitems;
		item(d, DIGEST_NOTE, "DMARC pass rate fell to %s from %s",
		    p1, n2);
		elsewhere(d, n0);
	}
	if (d->adv->verdict == VERDICT_ADVANCE && w->messages > 0 &&
	    d->ask > 0) {
		digest_ask_phrase(d, name, sizeof name);
		item(d, DIGEST_NOTE, "ready for the next step once you know "
		    "whether %s", name);
	} else if (d->adv->verdict == VERDICT_ADVANCE && w->messages > 0)
		item(d, DIGEST_OK, "ready for the next step: %s",
		    advise_stage_name(d->adv->next_stage));
	return 0;
nomem:
	hmap_free(was);
	return nomem(err);
}

/* --- the domains --------------------------------------------------- */

struct names {
	const char	**v;
	size_t		  n, cap;
	struct arena	 *mem;
	struct hmap	 *seen;
};

static int
add_name(void *arg, const char *name)
{
	struct names	*l = arg;
	int		 added;

	if (hmap_get(l->seen, name, strlen(name), &added) == NULL)
		return -1;
	if (!added)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		const char **v = realloc(l->v, cap * sizeof *v);
		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if ((l->v[l->n] = arena_strndup(l->mem, name, strlen(name))) == NULL)
		return -1;
	l->n++;
	return 0;
}

/* Largest first; a domain without mail after those with. */
static int
cmp_domain(const void *a, const void *b)
{
	const struct digest_domain	*x = a, *y = b;

	if (x->cur->messages != y->cur->messages)
		return x->cur->messages > y->cur->messages ? -1 : 1;
	return strcmp(x->domain, y->domain);
}

static int
on_rejected(void *arg, const char *reason, int64_t n)
{
	struct digest_health	*h = arg;
	struct digest_reason	*r;

	h->rejected += (uint64_t)n;
	if (h->nreasons == DIGEST_LIST)
		return 0;
	r = &h->reasons[h->nreasons++];
	snprintf(r->reason, sizeof r->reason, "%s", reason ? reason : "");
	r->inputs = (uint64_t)n;
	return 0;
}

/* Domains shared out to the workers, largest first. */
struct work {
	struct digest		*g;
	const struct conf	*conf;
	const struct digest_opts *o;
	size_t			*order;
	int64_t			*newest;
	uint64_t		*reports;
	struct scope_dns	 dns;		/* lookups left */
	struct dns		*resolver;	/* shared by the workers */
	pthread_mutex_t		 mtx;
	size_t			 next;
	int			 failed;
	struct dr_error		 err;
};

struct worker {
	struct work		*w;
	struct store		*s;
	struct geo		*geo;		/* one per thread */
	pthread_t		 tid;
	int			 started;
};

/* A record that changed in DNS (store_dns_changes). */
static int
on_change(void *arg, const char *kind, const char *name, const char *was,
    const char *value, int64_t when)
{
	struct digest_domain	*d = arg;
	struct digest_change	*x;

	(void)was;
	(void)value;
	if (d->nchanges++ >= DIGEST_LIST)
		return 0;
	x = &d->changes[d->nchanges - 1];
	x->on = when;
	check_record_what(d->domain, kind, name, x->what, sizeof x->what);
	return 0;
}

/* One domain: its windows, its advice, its lists. */
static int
one_domain(struct work *wk, struct worker *me, size_t i, int dns,
    struct dr_error *err)
{
	struct advise_opts	 ao = { dns, wk->o->cat, me->geo,
	    wk->resolver };
	struct classify_opts	 keep = advise_keep(&ao);
	struct store		*s = me->s;
	struct digest		*g = wk->g;
	struct digest_domain	*d = &g->domains[i];
	struct conf_thresholds	 th;
	int64_t			 today = g->as_of / 86400;

	struct window		*w[3];
	int64_t			 from[3], to[3];

	conf_thresholds(wk->conf, d->domain, &th);
	/* Advise's window, this period and the one before: one reading. */
	from[0] = today - th.window;
	to[0] = today - 1;
	from[1] = g->from_day;
	to[1] = g->to_day;
	from[2] = g->prev_from;
	to[2] = g->prev_to;
	if (classify_windows(s, wk->conf, d->domain, 3, from, to, &keep, w,
	    err) == -1)
		return -1;
	d->cur = w[1];
	d->prev = w[2];
	if (advise_domain(s, wk->conf, d->domain, from[0], to[0], &ao, w[0],
	    &d->adv, err) == -1 ||
	    store_domain_reports(s, d->domain, g->from_day * 86400, g->as_of,
	    &wk->reports[i], &wk->newest[i], err) == -1 ||
	    store_dns_changes(s, d->domain, g->from_day * 86400, g->as_of,
	    on_change, d, err) == -1)
		return -1;
	return judge_domain(g, d, wk->newest[i], err);
}

static void *
work(void *arg)
{
	struct worker	*me = arg;
	struct work	*wk = me->w;
	struct dr_error	 err;
	char		 why[320];
	size_t		 i;
	int		 dns;

	memset(&err, 0, sizeof err);
	for (;;) {
		pthread_mutex_lock(&wk->mtx);
		if (wk->failed || wk->next == wk->g->ndomains) {
			pthread_mutex_unlock(&wk->mtx);
			break;
		}
		i = wk->order[wk->next++];
		/* Taken in the order of the domains: the largest first. */
		dns = scope_dns_take(&wk->dns, wk->conf,
		    wk->g->domains[i].domain, wk->o->ndomains > 0, why,
		    sizeof why);
		pthread_mutex_unlock(&wk->mtx);
		if (one_domain(wk, me, i, dns, &err) == -1) {
			pthread_mutex_lock(&wk->mtx);
			if (!wk->failed) {
				wk->failed = 1;
				wk->err = err;
			}
			pthread_mutex_unlock(&wk->mtx);
			break;
		}
	}
	return NULL;
}

/* Largest first, so that the last one taken is a small one. */
static const uint64_t *sort_rows;

static int
cmp_rows(const void *a, const void *b)
{
	size_t	x = *(const size_t *)a, y = *(const size_t *)b;

	if (sort_rows[x] != sort_rows[y])
		return sort_rows[x] > sort_rows[y] ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* --- the banner ---------------------------------------------------- */

static struct digest_flag *
flag(struct digest *g, enum digest_flag_kind kind, enum digest_level level,
    const char *domain, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static struct digest_flag *
flag(struct digest *g, enum digest_flag_kind kind, enum digest_level level,
    const char *domain, const char *key, const char *fmt, ...)
{
	struct digest_flag	*f;
	va_list			 ap;

	g->nflags_all++;
	if (g->nflags == DIGEST_FLAGS_MAX)
		return NULL;
	f = &g->flags[g->nflags++];
	f->kind = kind;
	f->level = level;
	f->domain = domain;
	snprintf(f->key, sizeof f->key, "%s", key);
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof f->text, fmt, ap);
	va_end(ap);
	return f;
}

void
digest_failed_count(const struct digest_sender *v, unsigned days, char *out,
    size_t len)
{
	char	n1[32], n2[32];

	fmt_count(v->messages - v->pass, n1, sizeof n1);
	fmt_count(v->messages, n2, sizeof n2);
	if (v->pass == 0)
		snprintf(out, len, "%s message%s this %s", n1,
		    v->messages == 1 ? "" : "s", days == 7 ? "week" :
		    "period");
	else
		snprintf(out, len, "%s of its %s messages this %s", n1, n2,
		    days == 7 ? "week" : "period");
}

/* A flag's key about a sender: what, the domain, the sender (as text). */
static void
sender_key(char *out, size_t len, const char *what, const char *domain,
    const struct source_group *gr)
{
	snprintf(out, len, "%s %s %d:%s", what, domain, (int)gr->kind,
	    gr->name ? gr->name : "");
}

/* The flags of senders that fail: those of the list, then the count. */
static void
failing_flags(struct digest *g, const struct digest_domain *d,
    const struct digest_sender *v, size_t n, int started)
{
	char	name[320], key[320], n1[96];
	size_t	i;

	for (i = 0; i < n && i < DIGEST_LIST; i++) {
		digest_sender_plain(&v[i], name, sizeof name);
		digest_failed_count(&v[i], g->days, n1, sizeof n1);
		sender_key(key, sizeof key, "failing", d->domain, v[i].g);
		flag(g, started ? DIGEST_F_BROKEN : DIGEST_F_FAILING,
		    DIGEST_ACT, d->domain, key, "%s %s DMARC on %s (%s)", name,
		    started ? "started failing" : "still fails", d->domain,
		    n1);
	}
	if (n > DIGEST_LIST) {
		snprintf(key, sizeof key, "failing %s more", d->domain);
		flag(g, started ? DIGEST_F_BROKEN : DIGEST_F_FAILING,
		    DIGEST_ACT, d->domain, key, "%zu more senders %s DMARC "
		    "on %s", n - DIGEST_LIST, started ? "started failing" :
		    "still fail", d->domain);
	}
}

static int
cmp_flag(const void *a, const void *b)
{
	static const int rank[] = { [DIGEST_ACT] = 0, [DIGEST_OK] = 1,
	    [DIGEST_NOTE] = 2 };
	const struct digest_flag *x = a, *y = b;

	if (rank[x->level] != rank[y->level])
		return rank[x->level] - rank[y->level];
	return (int)x->kind - (int)y->kind;
}

/*
 * What the banner says (dmarcdb(1), DIGEST): a dead ingest first, then
 * what someone must do, then the steps that can be taken, then what is
 * worth a look; and the banner's line: the first thing to do, else the
 * first new sender asked about (its mail fails: not "all good"), else
 * the steps that can be taken.
 */
static int
make_flags(struct digest *g)
{
	const struct digest_health *h = &g->health;
	const char	*per = g->days == 7 ? "week" : "period";
	char		 key[320], d1[32], n1[32], n2[32], name[320];
	size_t		 i, j, nact = 0, nfail = 0, nready = 0, nask = 0;

	g->flags = arena_alloc(&g->mem, DIGEST_FLAGS_MAX * sizeof *g->flags);
	if (g->flags == NULL)
		return -1;
	if (h->silent_days > DIGEST_SILENT) {
		snprintf(key, sizeof key, "silent %lld",
		    (long long)(h->newest_end - 1) / 86400);
		flag(g, DIGEST_F_SILENT, DIGEST_ACT, NULL, key, "No reports "
		    "for %lld days: check the report mailbox and the job "
		    "that reads it", (long long)h->silent_days);
	} else if (h->silent_days < 0) {
		flag(g, DIGEST_F_SILENT, DIGEST_ACT, NULL, "silent none",
		    "No reports at all: check that the DMARC records send "
		    "reports (rua=) to the mailbox dmarcdb reads");
	}
	if (h->last.started >= 0 && h->last.finished < 0) {
		snprintf(key, sizeof key, "ingest %lld",
		    (long long)h->last.started);
		fmt_utc(h->last.started, FMT_MINUTE_UTC, d1, sizeof d1);
		flag(g, DIGEST_F_INGEST, DIGEST_ACT, NULL, key, "The last "
		    "ingest, started %s, did not finish: it is still running, "
		    "or it was stopped", d1);
	}
	if (h->last.started >= 0 && h->last.rejected > 0) {
		snprintf(key, sizeof key, "rejected %lld",
		    (long long)h->last.started);
		fmt_utc(h->last.started, FMT_MINUTE_UTC, d1, sizeof d1);
		fmt_count(h->last.rejected, n1, sizeof n1);
		fmt_count(h->last.inputs, n2, sizeof n2);
		flag(g, DIGEST_F_REJECTED, DIGEST_ACT, NULL, key, "The last "
		    "ingest (%s) could not read %s of %s inputs (kept: "
		    "dmarcdb rejected)", d1, n1, n2);
	} else if (h->rejected > 0) {
		/* Not the period's day: the same from one day to the next. */
		snprintf(key, sizeof key, "rejected period");
		fmt_count(h->rejected, n1, sizeof n1);
		flag(g, DIGEST_F_REJECTED, DIGEST_ACT, NULL, key, "%s input%s "
		    "could not be read this %s (kept: dmarcdb rejected)", n1,
		    h->rejected == 1 ? "" : "s", per);
	}
	for (i = 0; i < g->ndomains; i++) {
		const struct digest_domain *d = &g->domains[i];
		const struct advice *a = d->adv;
		if (d->cur->messages == 0 && h->silent_days >= 0 &&
		    h->silent_days <= DIGEST_SILENT) {
			snprintf(key, sizeof key, "noreports %s", d->domain);
			flag(g, DIGEST_F_NO_REPORTS, DIGEST_ACT, d->domain,
			    key, "No reports about %s this %s", d->domain,
			    per);
		}
		if (a->verdict == VERDICT_STEP_BACK) {
			snprintf(key, sizeof key, "stepback %s", d->domain);
			flag(g, DIGEST_F_STEP_BACK, DIGEST_ACT, d->domain, key,
			    "Mailbox providers are stopping legitimate mail "
			    "of %s: relax its policy one step", d->domain);
		}
		failing_flags(g, d, d->broken, d->nbroken, 1);
		failing_flags(g, d, d->still, d->nstill, 0);
		for (j = 0; j < d->nnews; j++) {
			const struct digest_sender *n = &d->news[j];
			if (!digest_asks(n))
				continue;
			digest_sender_plain(n, name, sizeof name);
			fmt_count(n->messages, n1, sizeof n1);
			sender_key(key, sizeof key, "ask", d->domain, n->g);
			flag(g, DIGEST_F_ASK, DIGEST_NOTE, d->domain, key, "Is "
			    "%s yours? It started sending as %s this %s (%s "
			    "messages), and its mail fails DMARC", name,
			    d->domain, per, n1);
		}
		if (a->verdict == VERDICT_ADVANCE && d->cur->messages > 0 &&
		    d->ask > 0) {
			/* A step that waits for an answer: not "all good". */
			digest_ask_phrase(d, name, sizeof name);
			snprintf(key, sizeof key, "ready %s %d", d->domain,
			    a->next_stage);
			flag(g, DIGEST_F_READY, DIGEST_NOTE, d->domain, key,
			    "%s is ready for the next step once you know "
			    "whether %s", d->domain, name);
		} else if (a->verdict == VERDICT_ADVANCE &&
		    d->cur->messages > 0) {
			snprintf(key, sizeof key, "ready %s %d", d->domain,
			    a->next_stage);
			flag(g, DIGEST_F_READY, DIGEST_OK, d->domain, key,
			    "%s is ready for the next step", d->domain);
		}
	}
	qsort(g->flags, g->nflags, sizeof *g->flags, cmp_flag);
	for (i = 0; i < g->nflags; i++) {
		nact += g->flags[i].level == DIGEST_ACT;
		nfail += g->flags[i].kind == DIGEST_F_BROKEN ||
		    g->flags[i].kind == DIGEST_F_FAILING;
		nready += g->flags[i].kind == DIGEST_F_READY;
		nask += g->flags[i].kind == DIGEST_F_ASK;
	}
	if (nact > 0) {
		const struct digest_flag *f = &g->flags[0];
		char more[48] = "";
		g->level = DIGEST_ACT;
		if (nact > 1)
			snprintf(more, sizeof more, ", and %zu more below",
			    nact - 1);
		if (f->kind == DIGEST_F_SILENT || f->kind == DIGEST_F_INGEST)
			snprintf(g->banner, sizeof g->banner, "%s%s", f->text,
			    more);
		else if ((f->kind == DIGEST_F_BROKEN ||
		    f->kind == DIGEST_F_FAILING) && nfail > 1)
			snprintf(g->banner, sizeof g->banner, "Action needed: "
			    "%zu senders fail DMARC%s", nfail, nact > nfail ?
			    ", and more below" : "");
		else if (f->kind == DIGEST_F_BROKEN ||
		    f->kind == DIGEST_F_FAILING)
			snprintf(g->banner, sizeof g->banner, "Action needed: "
			    "%s%s", f->text, more);
		else	/* a sentence: "receivers are ...", "the last ..." */
			snprintf(g->banner, sizeof g->banner, "%s: %c%s%s",
			    f->kind == DIGEST_F_REJECTED ? "Check the ingest" :
			    "Action needed", f->text[0] >= 'A' && f->text[0] <=
			    'Z' ? f->text[0] - 'A' + 'a' : f->text[0],
			    f->text + 1, more);
	} else if (nask > 0) {
		/* Not "all good": a new sender's mail fails. */
		const struct digest_flag *f = g->flags;
		while (f->kind != DIGEST_F_ASK)
			f++;
		g->level = DIGEST_NOTE;
		snprintf(g->banner, sizeof g->banner, "Worth a look: %c%s%s",
		    f->text[0] >= 'A' && f->text[0] <= 'Z' ? f->text[0] - 'A' +
		    'a' : f->text[0], f->text + 1, nask + nready > 1 ?
		    " (more below)" : "");
	} else if (nready > 0) {
		g->level = DIGEST_OK;
		if (nready == 1)
			snprintf(g->banner, sizeof g->banner, "All good: %s",
			    g->flags[0].text);
		else
			snprintf(g->banner, sizeof g->banner, "All good: ready "
			    "for the next step on %zu domains", nready);
	} else {
		g->level = DIGEST_OK;
		snprintf(g->banner, sizeof g->banner, "All good");
	}
	return 0;
}

int
digest_build(struct store *const *stores, size_t nstores,
    const struct conf *c, const struct digest_opts *o, struct digest **out,
    struct dr_error *err)
{
	struct digest	*g;
	struct scope	*sc = NULL;
	struct names	 names = { 0 };
	struct hmap	*reporters = NULL;
	struct work	 wk;
	struct worker	*workers = NULL;
	uint64_t	*rows = NULL;
	int64_t		 today = o->as_of / 86400;
	size_t		 i, j;
	int		 added;

	*out = NULL;
	memset(&wk, 0, sizeof wk);
	g = calloc(1, sizeof *g);
	if (g == NULL)
		return nomem(err);
	g->as_of = today * 86400;
	g->days = o->days;
	g->to_day = today - 1;
	g->from_day = today - o->days;
	g->prev_to = g->from_day - 1;
	g->prev_from = g->from_day - o->days;
	g->health.newest_end = -1;

	names.mem = &g->mem;
	names.seen = hmap_new(sizeof(unsigned));
	reporters = hmap_new(sizeof(unsigned));
	if (names.seen == NULL || reporters == NULL)
		goto nomem;
	if (o->ndomains > 0) {
		for (i = 0; i < o->ndomains; i++)
			if (add_name(&names, o->domains[i]) == -1)
				goto nomem;
	} else {
		/* The configured domains (those without reports are news
		 * too), else the largest: anyone can name a domain in a
		 * report. */
		if (scope_domains(stores[0], c, g->prev_from, g->to_day, &sc,
		    err) == -1)
			goto fail;
		for (i = 0; i < sc->n; i++)
			if (add_name(&names, sc->names[i]) == -1)
				goto nomem;
		g->others = sc->others;
		scope_others(sc, g->others_line, sizeof g->others_line);
		scope_free(sc);
		sc = NULL;
	}
	g->ndomains = names.n;
	g->domains = calloc(names.n ? names.n : 1, sizeof *g->domains);
	wk.order = calloc(names.n ? names.n : 1, sizeof *wk.order);
	wk.newest = calloc(names.n ? names.n : 1, sizeof *wk.newest);
	wk.reports = calloc(names.n ? names.n : 1, sizeof *wk.reports);
	rows = calloc(names.n ? names.n : 1, sizeof *rows);
	workers = calloc(nstores, sizeof *workers);
	if (g->domains == NULL || wk.order == NULL || wk.newest == NULL ||
	    wk.reports == NULL || rows == NULL || workers == NULL)
		goto nomem;
	for (i = 0; i < names.n; i++) {
		g->domains[i].domain = names.v[i];
		wk.order[i] = i;
		if (store_domain_rows(stores[0], names.v[i], g->from_day -
		    o->days, g->to_day, &rows[i], err) == -1)
			goto fail;
	}
	sort_rows = rows;
	qsort(wk.order, names.n, sizeof *wk.order, cmp_rows);

	/* The domains on every connection at once, this thread too. */
	wk.g = g;
	wk.conf = c;
	wk.o = o;
	/* One resolver for the run: c-ares is set up once, if asked. */
	wk.resolver = dns_new(&c->resolver);
	if (wk.resolver == NULL)
		goto nomem;
	if (pthread_mutex_init(&wk.mtx, NULL) != 0)
		goto nomem;
	scope_dns_init(&wk.dns, c, o->dns);
	for (i = 0; i < nstores; i++) {
		struct dr_error ge;
		workers[i].w = &wk;
		workers[i].s = stores[i];
		/* Said once by the caller when it cannot be opened. */
		workers[i].geo = o->geo_path != NULL ? geo_open(o->geo_path,
		    &ge) : NULL;
	}
	for (i = 1; i < nstores; i++)
		workers[i].started = pthread_create(&workers[i].tid, NULL,
		    work, &workers[i]) == 0;
	work(&workers[0]);
	for (i = 1; i < nstores; i++)
		if (workers[i].started)
			pthread_join(workers[i].tid, NULL);
	pthread_mutex_destroy(&wk.mtx);
	scope_dns_free(&wk.dns);
	dns_free(wk.resolver);
	wk.resolver = NULL;
	for (i = 0; i < nstores; i++)
		geo_close(workers[i].geo);
	if (wk.failed) {
		*err = wk.err;
		goto fail;
	}

	for (i = 0; i < g->ndomains; i++) {
		struct digest_domain *d = &g->domains[i];
		g->messages += d->cur->messages;
		g->pass += d->cur->pass;
		g->prev_messages += d->prev->messages;
		g->prev_pass += d->prev->pass;
		g->new_sources += d->nnew;
		if (d->nitems > 0 && d->items[0].level > DIGEST_OK)
			g->attention++;
		g->health.reports += wk.reports[i];
		if (wk.newest[i] > g->health.newest_end)
			g->health.newest_end = wk.newest[i];
		for (j = 0; j < d->cur->reporters; j++) {
			const char *r = d->cur->reporter_names[j];
			if (hmap_get(reporters, r, strlen(r), &added) == NULL)
				goto nomem;
		}
	}
	g->health.reporters = hmap_count(reporters);
	if (g->ndomains > 1)
		qsort(g->domains, g->ndomains, sizeof *g->domains,
		    cmp_domain);
	/* The runs of the report's day count: a digest made at 06:00. */
	if (store_last_run(stores[0], g->as_of + 86400, &g->health.last_run,
	    &g->health.last, err) == -1 ||
	    store_rejected_between(stores[0], g->from_day * 86400,
	    g->as_of, on_rejected, &g->health, err) == -1)
		goto fail;
	g->health.silent_days = g->health.newest_end < 0 ? -1 :
	    g->as_of / 86400 - 1 - (g->health.newest_end - 1) / 86400;
	if (g->health.silent_days < -1)
		g->health.silent_days = 0;	/* reports from the future */
	if (make_flags(g) == -1)
		goto nomem;
	hmap_free(names.seen);
	hmap_free(reporters);
	free(names.v);
	free(wk.order);
	free(wk.newest);
	free(wk.reports);
	free(rows);
	free(workers);
	*out = g;
	return 0;
nomem:
	nomem(err);
fail:
	dns_free(wk.resolver);
	scope_free(sc);
	hmap_free(names.seen);
	hmap_free(reporters);
	free(names.v);
	free(wk.order);
	free(wk.newest);
	free(wk.reports);
	free(rows);
	free(workers);
	digest_free(g);
	return -1;
}

void
digest_free(struct digest *g)
{
	size_t	i;

	if (g == NULL)
		return;
	for (i = 0; i < g->ndomains; i++) {
		window_free(g->domains[i].cur);
		window_free(g->domains[i].prev);
		advice_free(g->domains[i].adv);
	}
	free(g->domains);
	arena_free(&g->mem);
	free(g);
}

void
digest_subject(const struct digest *g, const char *prefix, char *out,
    size_t len)
{
	char	b[sizeof g->banner];

	if (prefix == NULL || *prefix == '\0')
		prefix = "DMARC weekly";
	snprintf(b, sizeof b, "%s", g->banner);
	/* "All good" reads "all good" after the prefix. */
	if (b[0] >= 'A' && b[0] <= 'Z' && (b[1] < 'A' || b[1] > 'Z'))
		b[0] = (char)(b[0] - 'A' + 'a');
	snprintf(out, len, "%s: %s", prefix, b);
}

void
digest_preheader(const struct digest *g, char *out, size_t len)
{
	const char	*per = g->days == 7 ? "week" : "period";
	char		 n1[32], p1[16];
	size_t		 i, o;

	if (g->messages == 0)
		o = (size_t)snprintf(out, len, "No reports this %s.", per);
	else {
		fmt_count(g->messages, n1, sizeof n1);
		fmt_pct(g->pass, g->messages, p1, sizeof p1);
		o = (size_t)snprintf(out, len, "%s messages this %s, %s "
		    "passed.", n1, per, p1);
	}
	/* The flags after the banner's first, while they fit. */
	for (i = 1; i < g->nflags && o < len; i++) {
		size_t n = strlen(g->flags[i].text) + 2;
		if (o + n + 1 > len || o > DIGEST_PREHEADER)
			break;
		o += (size_t)snprintf(out + o, len - o, " %s.",
		    g->flags[i].text);
	}
}
