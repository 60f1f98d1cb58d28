/*
 * scope.c: the domains a report covers when none is named, and the DNS
 * lookups a run may make. See scope.h.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scope.h"

struct gather {
	struct scope		*sc;
	const struct conf	*conf;
	size_t			 cap;	/* of names */
	int			 nomem;
};

static int
add(struct gather *g, const char *name)
{
	struct scope	*sc = g->sc;

	if (sc->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		const char **v = realloc(sc->names, cap * sizeof *v);
		if (v == NULL) {
			g->nomem = 1;
			return -1;
		}
		sc->names = v;
		g->cap = cap;
	}
	sc->names[sc->n] = arena_strndup(&sc->mem, name, strlen(name));
	if (sc->names[sc->n] == NULL) {
		g->nomem = 1;
		return -1;
	}
	sc->n++;
	return 0;
}

/* The domains with reports, the most messages first. */
static int
on_total(void *arg, const struct store_domain_total *t)
{
	struct gather	*g = arg;
	struct scope	*sc = g->sc;

	if (sc->configured) {
		if (conf_domain(g->conf, t->domain) == NULL)
			sc->others++;
		return 0;
	}
	if (sc->n < sc->cap)
		return add(g, t->domain);
	sc->others++;
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
scope_domains(struct store *s, const struct conf *c, int64_t from,
    int64_t to, struct scope **out, struct dr_error *err)
{
	struct gather	 g;
	struct scope	*sc;
	size_t		 i, j;

	*out = NULL;
	sc = calloc(1, sizeof *sc);
	if (sc == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	memset(&g, 0, sizeof g);
	g.sc = sc;
	g.conf = c;
	sc->configured = c->ndomains > 0;
	sc->cap = c->limits.domains;
	for (i = 0; i < c->ndomains; i++)
		for (j = 0; j < c->domains[i].nnames; j++)
			if (add(&g, c->domains[i].names[j]) == -1)
				goto nomem;
	if (store_domain_totals(s, from, to, on_total, &g, err) == -1) {
		if (g.nomem)
			goto nomem;
		scope_free(sc);
		return -1;
	}
	if (sc->n > 1)
		qsort(sc->names, sc->n, sizeof *sc->names, by_name);
	*out = sc;
	return 0;
nomem:
	scope_free(sc);
	return dr_seterr(err, DR_E_NOMEM, "out of memory");
}

void
scope_free(struct scope *sc)
{
	if (sc == NULL)
		return;
	free(sc->names);
	arena_free(&sc->mem);
	free(sc);
}

void
scope_others(const struct scope *sc, char *out, size_t len)
{
	if (sc->others == 0)
		snprintf(out, len, "%s", "");
	else if (sc->configured)
		snprintf(out, len, "%llu other domain%s with reports, not "
		    "configured: see dmarcdb domains",
		    (unsigned long long)sc->others, sc->others == 1 ? "" :
		    "s");
	else
		snprintf(out, len, "%llu other domain%s with reports, beyond "
		    "the %u largest shown: see dmarcdb domains",
		    (unsigned long long)sc->others, sc->others == 1 ? "" : "s",
		    sc->cap);
}

void
scope_dns_init(struct scope_dns *d, const struct conf *c, int enabled)
{
	memset(d, 0, sizeof *d);
	d->enabled = enabled;
	d->left = d->cap = c->limits.dns_lookups;
	pthread_mutex_init(&d->mtx, NULL);
}

void
scope_dns_free(struct scope_dns *d)
{
	pthread_mutex_destroy(&d->mtx);
}

int
scope_dns_take(struct scope_dns *d, const struct conf *c,
    const char *domain, int named, char *why, size_t len)
{
	const struct conf_domain	*cd;
	int				 ok;

	snprintf(why, len, "%s", "");
	if (!d->enabled)
		return 0;
	cd = conf_domain(c, domain);
	if (cd == NULL && !named) {
		snprintf(why, len, "not looked up in DNS: %s is not a "
		    "configured domain (name it with --domain, or in the "
		    "configuration)", domain);
		return 0;
	}
	/* The configuration's record is used without DNS. */
	if (cd != NULL && cd->record != NULL)
		return 1;
	pthread_mutex_lock(&d->mtx);
	ok = d->left > 0;
	if (ok)
		d->left--;
	pthread_mutex_unlock(&d->mtx);
	if (!ok)
		snprintf(why, len, "not looked up in DNS: this run made its "
		    "%u lookups (limits { dns-lookups } in the configuration)",
		    d->cap);
	return ok;
}
