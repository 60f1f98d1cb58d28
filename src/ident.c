/*
 * ident.c: who a listed source is (ident.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "conf.h"
#include "hmap.h"
#include "ident.h"
#include "log.h"

void
ident_open(const struct conf *c, struct store *s, int dns, struct ident *id)
{
	struct dr_error	 e;

	memset(id, 0, sizeof *id);
	id->store = s;
	id->resolver = &c->resolver;
	id->dns = dns;
	id->geo = geo_open_or_note(c->location_db);
	memset(&e, 0, sizeof e);
	if (catalogue_load(NULL, c, &id->cat, &e) == -1) {
		log_warnx("%s: services are not named", e.msg);
		id->cat = NULL;
	}
}

void
ident_close(struct ident *id)
{
	geo_close(id->geo);
	catalogue_free(id->cat);
	memset(id, 0, sizeof *id);
}

/* The catalogue's service for a source, from its evidence. */
static void
match_service(const struct ident *id, const struct source *s,
    struct source_ident *o)
{
	const struct source_auth	*a = &s->auth;
	struct svc_auth			 dk[2], sp[2];
	struct svc_evidence		 ev;

	memset(&ev, 0, sizeof ev);
	memset(&o->svc, 0, sizeof o->svc);
	if (id->cat == NULL)
		return;
	ev.dkims = dk;
	ev.spfs = sp;
	if (a->dkim != NULL)
		dk[ev.ndkims++] = (struct svc_auth){ a->dkim,
		    a->dkim_selector, 1 };
	if (a->dkim_other != NULL)
		dk[ev.ndkims++] = (struct svc_auth){ a->dkim_other,
		    a->dkim_other_selector, 0 };
	if (a->spf != NULL)
		sp[ev.nspfs++] = (struct svc_auth){ a->spf, NULL, 1 };
	if (a->spf_other != NULL)
		sp[ev.nspfs++] = (struct svc_auth){ a->spf_other, NULL, 0 };
	if (o->ptr_status == RDNS_NAME && o->ptr_confirmed)
		ev.ptr = o->ptr;
	ev.asn = o->geo.asn;
	catalogue_match(id->cat, &ev, &o->svc);
}

/* The addresses asked, each once, and the answers. */
struct ptrs {
	struct hmap		 *ix;		/* ip -> index + 1 */
	const char		**ips;
	struct source_ident	 *got;		/* per address */
	size_t			  n;
};

static int
on_ptr(void *arg, const struct rdns_answer *a)
{
	struct ptrs		*p = arg;
	struct source_ident	*g;
	size_t			*ix;

	ix = hmap_find(p->ix, a->ip, strlen(a->ip));
	if (ix == NULL)
		return 0;
	g = &p->got[*ix - 1];
	g->ptr_status = a->status;
	g->ptr_confirmed = a->confirmed;
	if (a->status == RDNS_NAME && a->name != NULL)
		snprintf(g->ptr, sizeof g->ptr, "%s", a->name);
	return 0;
}

/* The PTR names of the sources' addresses, looked up together. */
static void
lookup_ptrs(const struct ident *id, const struct source *src, size_t n,
    int64_t now, int dns, struct source_ident *out)
{
	struct dr_error	 e;
	struct ptrs	 p;
	size_t		*ix, i;
	int		 added;

	memset(&p, 0, sizeof p);
	memset(&e, 0, sizeof e);
	for (i = 0; i < n; i++)
		out[i].ptr_status = RDNS_SKIPPED;
	if (id->store == NULL || n == 0)
		return;
	p.ix = hmap_new(sizeof(size_t));
	p.ips = calloc(n, sizeof *p.ips);
	p.got = calloc(n, sizeof *p.got);
	if (p.ix == NULL || p.ips == NULL || p.got == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if (*src[i].ip == '\0')
			continue;
		ix = hmap_get(p.ix, src[i].ip, strlen(src[i].ip), &added);
		if (ix == NULL)
			goto nomem;
		if (added) {
			p.got[p.n].ptr_status = RDNS_SKIPPED;
			p.ips[p.n++] = src[i].ip;
			*ix = p.n;
		}
	}
	/* What was answered is shown, even if the cache was not kept. */
	if (p.n > 0 && rdns_cached(id->store, id->resolver, id->dns && dns,
	    p.ips, p.n, now, on_ptr, &p, &e) == -1)
		log_warnx("%s", e.msg);
	for (i = 0; i < n; i++) {
		if (*src[i].ip == '\0' || (ix = hmap_find(p.ix, src[i].ip,
		    strlen(src[i].ip))) == NULL)
			continue;
		out[i].ptr_status = p.got[*ix - 1].ptr_status;
		out[i].ptr_confirmed = p.got[*ix - 1].ptr_confirmed;
		memcpy(out[i].ptr, p.got[*ix - 1].ptr, sizeof out[i].ptr);
	}
	goto out;
nomem:
	log_warnx("out of memory: reverse DNS names are not shown");
out:
	hmap_free(p.ix);
	free(p.ips);
	free(p.got);
}

void
ident_sources(const struct ident *id, const struct source *src, size_t n,
    int64_t now, int dns, struct source_ident *out)
{
	struct dr_error	 e;
	size_t		 i;

	memset(out, 0, n * sizeof *out);
	lookup_ptrs(id, src, n, now, dns, out);
	for (i = 0; i < n; i++) {
		memset(&e, 0, sizeof e);
		if (id->geo != NULL && *src[i].ip != '\0' &&
		    geo_lookup(id->geo, src[i].ip, &out[i].geo, &e) == -1)
			memset(&out[i].geo, 0, sizeof out[i].geo);
		match_service(id, &src[i], &out[i]);
	}
}

void
ident_ptr(const struct source_ident *id, char *out, size_t len)
{
	if (id->ptr_status == RDNS_NAME && *id->ptr)
		snprintf(out, len, "%s%s", id->ptr, id->ptr_confirmed ? "" :
		    "?");
	else
		snprintf(out, len, "-");
}

const char *
ident_how_name(enum svc_how how)
{
	switch (how) {
	case SVC_FOR_US:
		return "for-us";
	case SVC_OTHER_CUSTOMER:
		return "other-customer";
	case SVC_NETWORK:
		return "network";
	default:
		return "";
	}
}

void
ident_name(const struct source *s, const struct source_ident *id, char *out,
    size_t len)
{
	const struct svc	*v = id->svc.svc;

	if (s->sender != NULL)
		snprintf(out, len, "%s", s->sender->name);
	else if (v == NULL)
		snprintf(out, len, "%s", "");
	else if (id->svc.how == SVC_FOR_US)
		snprintf(out, len, "%s", v->name);
	else if (id->svc.how == SVC_OTHER_CUSTOMER)
		snprintf(out, len, "%s (not as us)", v->name);
	else
		snprintf(out, len, "in %s's network", v->name);
}

void
ident_network(const struct geo_info *g, char *out, size_t len)
{
	if (g->asn == 0 && *g->country == '\0')
		snprintf(out, len, "-");
	else if (g->asn == 0)
		snprintf(out, len, "%s", g->country);
	else
		snprintf(out, len, "AS%u%s%s", (unsigned)g->asn,
		    *g->country ? " " : "", g->country);
}
