/*
 * spfwalk.c: the SPF tree of a domain, its lookups counted. See
 * spfwalk.h.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns.h"
#include "spf.h"
#include "spfwalk.h"

enum state { PENDING, FETCHED, NO_SPF, MANY, BAD, FAILED, TOO_DEEP };

struct node {
	char		 name[256];
	unsigned	 depth;
	enum state	 state;
	int		 txt_void;	/* its TXT lookup found nothing */
	struct spf	*rec;		/* FETCHED */
	int		 voids_asked;
	unsigned	 voids;		/* of its own a, mx, exists */
	/* eval: done, on the path now, its sums */
	int		 done, onpath;
	unsigned	 lookups, tvoids;
};

/* A lookup of a node's a, mx or exists; an a asks A and AAAA. */
struct vask {
	size_t		 node;
	int		 pair;		/* an A whose AAAA comes next */
};

struct walk {
	struct spfwalk	*w;
	struct node	*n;
	size_t		 nn;
	int		 loop_said, macro_said, cap_said;
};

/*
 * A finding that makes receivers return permerror: also the walk's
 * first such cause (struct spfwalk's permerror).
 */
static void
perm(struct spfwalk *w, const char *why, const char *fix, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
perm(struct spfwalk *w, const char *why, const char *fix, const char *fmt,
    ...)
{
	va_list	ap;
	char	what[sizeof w->f.v[0].what];

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	finding_add(&w->f, FINDING_ERROR, why, fix, "%s", what);
	if (w->permerror[0] == '\0') {
		snprintf(w->permerror, sizeof w->permerror, "%s", what);
		snprintf(w->permerror_fix, sizeof w->permerror_fix, "%s", fix);
	}
}

/* A name as looked up: no final dot. */
static void
norm(const char *in, char *out, size_t len)
{
	size_t	n = strlen(in);

	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(out, in, n);
	out[n] = '\0';
}

/* The node of a name, if walked; -1 otherwise. */
static long
find(const struct walk *k, const char *name)
{
	char	n[256];
	size_t	i;

	norm(name, n, sizeof n);
	for (i = 0; i < k->nn; i++)
		if (strcasecmp(k->n[i].name, n) == 0)
			return (long)i;
	return -1;
}

/* The node of a name, added if new; -1 past the cap. */
static long
node(struct walk *k, const char *name, unsigned depth)
{
	char	n[256];
	long	i;

	if ((i = find(k, name)) >= 0)
		return i;
	if (k->nn == SPFWALK_NODES) {
		if (!k->cap_said++)
			finding_add(&k->w->f, FINDING_WARN, "the others are "
			    "not followed, nor counted", "", "more than %d "
			    "names in the SPF tree", SPFWALK_NODES);
		return -1;
	}
	norm(name, n, sizeof n);
	memset(&k->n[k->nn], 0, sizeof k->n[k->nn]);
	memcpy(k->n[k->nn].name, n, strlen(n) + 1);
	k->n[k->nn].depth = depth;
	k->n[k->nn].state = depth > SPFWALK_DEPTH ? TOO_DEEP : PENDING;
	memcpy(k->w->names[k->w->nnames++], n, strlen(n) + 1);
	return (long)k->nn++;
}

/* The TXT answer of node i: its SPF record, or why not. */
static void
on_txt(struct walk *k, size_t i, const struct dns_ask *a)
{
	struct node	*x = &k->n[i];
	char		 why[300];
	const char	*r = NULL;
	size_t		 j, nspf = 0;
	long		 c;

	if (a->status == DNS_FAILED) {
		x->state = FAILED;
		if (i == 0)
			snprintf(k->w->failed, sizeof k->w->failed, "%s",
			    a->why);
		finding_add(&k->w->f, FINDING_ERROR, "receivers return "
		    "temperror: they may defer the mail, or treat SPF as "
		    "failed", "check that the DNS servers of the domain answer",
		    "the SPF record of %s cannot be looked up: %s", x->name,
		    a->why);
		return;
	}
	for (j = 0; j < a->n; j++)
		if (spf_is_record(a->rec[j])) {
			r = a->rec[j];
			nspf++;
		}
	if (a->status == DNS_NONE)
		x->txt_void = 1;
	if (nspf == 0) {
		x->state = NO_SPF;
		return;
	}
	if (i == 0) {
		size_t o = 0;
		for (j = 0; j < a->n && o < sizeof k->w->record; j++)
			if (spf_is_record(a->rec[j]))
				o += (size_t)snprintf(k->w->record + o,
				    sizeof k->w->record - o, "%s%s", o ? "\n" :
				    "", a->rec[j]);
	}
	if (nspf > 1) {
		x->state = MANY;
		perm(k->w, "receivers return permerror: SPF fails for all "
		    "of its mail", "merge them into one record", "%s has %zu "
		    "SPF records", x->name, nspf);
		return;
	}
	if ((x->rec = malloc(sizeof *x->rec)) == NULL) {
		x->state = FAILED;
		finding_add(&k->w->f, FINDING_ERROR, "", "", "out of memory");
		return;
	}
	if (spf_parse(r, x->rec, why, sizeof why) == -1) {
		x->state = BAD;
		perm(k->w, "receivers return permerror: SPF fails for all "
		    "of its mail", "correct the record (RFC 7208 section 12 "
		    "is its grammar)", "the SPF record of %s breaks RFC 7208: "
		    "%s", x->name, why);
		return;
	}
	x->state = FETCHED;
	for (j = 0; j < x->rec->n; j++) {
		const struct spf_term *t = &x->rec->t[j];
		if (t->kind != SPF_INCLUDE && t->kind != SPF_REDIRECT)
			continue;
		if (t->macros) {
			if (!k->macro_said++)
				finding_add(&k->w->f, FINDING_NOTE, "it is "
				    "counted, but cannot be followed without a "
				    "message", "", "%s: %s:%s holds macros",
				    x->name, spf_kind_name(t->kind),
				    t->domain);
			continue;
		}
		c = node(k, t->domain, x->depth + 1);
		if (c >= 0 && k->n[c].state == TOO_DEEP && !k->cap_said++)
			finding_add(&k->w->f, FINDING_WARN, "it is not "
			    "followed below: so deep a tree is over the limit "
			    "of 10 lookups anyway", "flatten the includes",
			    "the SPF tree of %s is deeper than %d levels",
			    k->n[0].name, SPFWALK_DEPTH);
	}
}

/* The void lookups of node i's a, mx and exists (asks for them). */
static size_t
void_asks(struct walk *k, size_t i, struct dns_ask *v, size_t room,
    struct vask *owner)
{
	struct node	*x = &k->n[i];
	size_t		 j, n = 0;

	x->voids_asked = 1;
	for (j = 0; j < x->rec->n && n + 2 <= room; j++) {
		const struct spf_term *t = &x->rec->t[j];
		const char *name = t->domain != NULL ? t->domain : x->name;
		if (t->macros || (t->kind != SPF_A && t->kind != SPF_MX &&
		    t->kind != SPF_EXISTS))
			continue;
		memset(&v[n], 0, sizeof v[n]);
		v[n].name = name;
		v[n].type = t->kind == SPF_MX ? DNS_MX : DNS_A;
		owner[n].node = i;
		owner[n++].pair = t->kind == SPF_A;
		if (t->kind == SPF_A) {
			/* a: void only when neither A nor AAAA exists. */
			memset(&v[n], 0, sizeof v[n]);
			v[n].name = name;
			v[n].type = DNS_AAAA;
			owner[n].node = i;
			owner[n++].pair = -1;	/* counted with its A */
		}
	}
	return n;
}

/* The sums of node i and all below it, as receivers would reach them. */
static void
eval(struct walk *k, size_t i)
{
	struct node	*x = &k->n[i];
	size_t		 j;
	long		 c;

	if (x->done || x->state != FETCHED)
		return;
	x->onpath = 1;
	x->lookups = 0;
	x->tvoids = x->voids;
	for (j = 0; j < x->rec->n; j++) {
		const struct spf_term *t = &x->rec->t[j];
		x->lookups += (unsigned)spf_queries(t);
		if ((t->kind != SPF_INCLUDE && t->kind != SPF_REDIRECT) ||
		    t->macros)
			continue;
		c = node(k, t->domain, x->depth + 1);
		if (c < 0)
			continue;
		if (k->n[c].onpath) {
			if (!k->loop_said++)
				perm(k->w, "receivers return permerror",
				    "remove the term that loops", "%s: %s:%s "
				    "loops back to a record above it", x->name,
				    spf_kind_name(t->kind), k->n[c].name);
			continue;
		}
		eval(k, (size_t)c);
		x->lookups += k->n[c].lookups;
		x->tvoids += k->n[c].tvoids + (unsigned)k->n[c].txt_void;
	}
	x->onpath = 0;
	x->done = 1;
}

static enum spfwalk_result
qualified(char q)
{
	return q == '-' ? SPFW_FAIL : q == '~' ? SPFW_SOFTFAIL : q == '?' ?
	    SPFW_NEUTRAL : SPFW_PASS;
}

/* The result of node i for the block p (spfwalk_probe). */
static enum spfwalk_result
probe(struct walk *k, size_t i, const struct cidr *p, unsigned depth)
{
	struct node		*x = &k->n[i];
	enum spfwalk_result	 r = SPFW_UNKNOWN;
	size_t			 j;
	long			 c;

	if (x->state != FETCHED || x->onpath || depth > SPFWALK_DEPTH)
		return SPFW_UNKNOWN;
	x->onpath = 1;
	for (j = 0; j < x->rec->n; j++) {
		const struct spf_term *t = &x->rec->t[j];
		struct cidr net;
		switch (t->kind) {
		case SPF_ALL:
			r = qualified(t->qualifier);
			goto out;
		case SPF_IP4:
		case SPF_IP6:
			memcpy(net.addr, t->addr, sizeof net.addr);
			net.bits = t->kind == SPF_IP4 ? 96 + (unsigned)(t->cidr4
			    < 0 ? 32 : t->cidr4) : (unsigned)(t->cidr6 < 0 ?
			    128 : t->cidr6);
			if (net.bits <= p->bits && cidr_match(&net, p->addr)) {
				r = qualified(t->qualifier);
				goto out;
			}
			break;
		case SPF_INCLUDE:
			if (t->macros || (c = find(k, t->domain)) < 0)
				goto out;	/* unknown */
			switch (probe(k, (size_t)c, p, depth + 1)) {
			case SPFW_PASS:
				r = qualified(t->qualifier);
				goto out;
			case SPFW_UNKNOWN:
				goto out;
			default:
				break;	/* no match: on */
			}
			break;
		case SPF_A:
		case SPF_MX:
		case SPF_PTR:
		case SPF_EXISTS:
			goto out;	/* a lookup of its own: unknown */
		default:
			break;		/* modifiers */
		}
	}
	if (x->rec->redirect != -1) {
		const struct spf_term *t = &x->rec->t[x->rec->redirect];
		if (!t->macros && (c = find(k, t->domain)) >= 0)
			r = probe(k, (size_t)c, p, depth + 1);
	} else
		r = SPFW_NEUTRAL;
out:
	x->onpath = 0;
	return r;
}

const char *
spfwalk_result_name(enum spfwalk_result r)
{
	static const char *const names[] = { "unknown", "pass", "fail",
	    "softfail", "neutral" };

	return (unsigned)r < 5 ? names[r] : "unknown";
}

/* What the root's own terms say. */
static void
root_findings(struct walk *k)
{
	struct spfwalk		*w = k->w;
	const struct node	*r = &k->n[0];
	const struct spf	*s = r->rec;
	size_t			 j;
	long			 c;

	for (j = 0; j < s->n; j++) {
		const struct spf_term *t = &s->t[j];
		if (t->kind == SPF_ALL && t->qualifier == '+')
			finding_add(&w->f, FINDING_ERROR, "every host on the "
			    "internet passes SPF as the domain", "end with "
			    "~all or -all", "%s: the record ends with +all",
			    r->name);
		else if (t->kind == SPF_ALL && t->qualifier == '?')
			finding_add(&w->f, FINDING_WARN, "it says nothing of "
			    "other hosts (neutral)", "end with ~all or -all",
			    "%s: the record ends with ?all", r->name);
		else if (t->kind == SPF_PTR)
			finding_add(&w->f, FINDING_WARN, "it is slow and "
			    "unreliable: RFC 7208 section 5.5 says not to use "
			    "it", "replace it by ip4, ip6 or include terms",
			    "%s: the record uses ptr", r->name);
		if ((t->kind == SPF_INCLUDE || t->kind == SPF_REDIRECT) &&
		    !t->macros && w->nbranch < sizeof w->branch /
		    sizeof w->branch[0] && (c = node(k, t->domain, 1)) >= 0) {
			struct spfwalk_branch *b = &w->branch[w->nbranch++];
			memcpy(b->name, k->n[c].name, strlen(k->n[c].name) +
			    1);
			b->lookups = 1 + k->n[c].lookups;
		}
	}
	if (s->all != -1 && (size_t)s->all + 1 < s->n)
		finding_add(&w->f, FINDING_NOTE, "they are never reached",
		    "remove them, or move them before all", "%s: terms "
		    "follow all", r->name);
	if (s->all == -1 && s->redirect == -1)
		finding_add(&w->f, FINDING_WARN, "mail from any other host "
		    "is neutral", "end with ~all or -all", "%s: the record "
		    "does not end with all", r->name);
	for (j = 1; j < k->nn; j++) {
		const struct node *x = &k->n[j];
		if (x->state == NO_SPF)
			perm(w, "receivers return permerror when they reach "
			    "it", "remove the term, or have the record "
			    "published", "%s is named by include or redirect, "
			    "but has no SPF record", x->name);
	}
}

int
spfwalk(struct dns *d, const char *domain, struct spfwalk *w, char *why,
    size_t whylen)
{
	return spfwalk_with(d, domain, NULL, 0, w, why, whylen);
}

int
spfwalk_with(struct dns *d, const char *domain, struct spfwalk_probe *pr,
    size_t npr, struct spfwalk *w, char *why, size_t whylen)
{
	struct walk	 k;
	struct dns_ask	*v = NULL;
	struct vask	*owner = NULL;
	size_t		*tx = NULL, n, nt, i, j, room;
	int		 rc = -1;

	memset(w, 0, sizeof *w);
	memset(&k, 0, sizeof k);
	k.w = w;
	room = 2 * SPFWALK_NODES;
	k.n = calloc(SPFWALK_NODES, sizeof *k.n);
	v = calloc(room + SPFWALK_NODES, sizeof *v);
	owner = calloc(room, sizeof *owner);
	tx = calloc(SPFWALK_NODES, sizeof *tx);
	if (k.n == NULL || v == NULL || owner == NULL || tx == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	node(&k, domain, 0);
	for (;;) {
		n = nt = 0;
		for (i = 0; i < k.nn; i++)
			if (k.n[i].state == PENDING) {
				memset(&v[n], 0, sizeof v[n]);
				v[n].name = k.n[i].name;
				v[n].type = DNS_TXT;
				tx[nt++] = i;
				n++;
			}
		for (i = 0, j = 0; i < k.nn; i++)
			if (k.n[i].state == FETCHED && !k.n[i].voids_asked)
				j += void_asks(&k, i, v + n + j, room - j,
				    owner + j);
		if (n + j == 0)
			break;
		w->queries += (unsigned)(n + j);
		if (dns_batch(d, v, n + j, why, whylen) == -1) {
			for (i = 0; i < n + j; i++)
				dns_ask_clear(&v[i]);
			goto out;
		}
		/* The voids first: the TXT answers add nodes. */
		for (i = 0; i < j; i++) {
			const struct dns_ask *a = &v[n + i];
			if (owner[i].pair == -1 || a->status != DNS_NONE)
				continue;
			if (owner[i].pair == 1 && v[n + i + 1].status !=
			    DNS_NONE)
				continue;
			k.n[owner[i].node].voids++;
		}
		for (i = 0; i < nt; i++)
			on_txt(&k, tx[i], &v[i]);
		for (i = 0; i < n + j; i++)
			dns_ask_clear(&v[i]);
	}
	if (k.n[0].state == NO_SPF) {
		finding_add(&w->f, FINDING_WARN, "receivers judge its mail "
		    "by DKIM alone", "publish one that lists your senders "
		    "(v=spf1 -all if it sends no mail)", "%s has no SPF "
		    "record", domain);
		rc = 0;
		goto out;
	}
	if (k.n[0].state != FETCHED) {
		rc = 0;
		goto out;
	}
	w->found = 1;
	eval(&k, 0);
	for (i = 0; i < npr; i++)
		pr[i].result = probe(&k, 0, &pr[i].net, 0);
	w->lookups = k.n[0].lookups;
	w->voids = k.n[0].tvoids;
	root_findings(&k);
	if (w->lookups > SPF_LOOKUPS_MAX)
		perm(w, "receivers return permerror for mail that reaches "
		    "the 11th", "remove includes of senders no longer used, "
		    "or replace some by their ip4 and ip6 ranges", "%u "
		    "DNS-querying terms through the includes (RFC 7208 "
		    "allows %d)", w->lookups, SPF_LOOKUPS_MAX);
	if (w->voids > SPF_VOID_MAX)
		perm(w, "receivers return permerror", "remove the terms "
		    "that name what does not exist", "%u lookups that find "
		    "nothing (RFC 7208 allows %d)", w->voids, SPF_VOID_MAX);
	rc = 0;
out:
	if (k.n != NULL)
		for (i = 0; i < k.nn; i++)
			free(k.n[i].rec);
	free(k.n);
	free(v);
	free(owner);
	free(tx);
	return rc;
}
