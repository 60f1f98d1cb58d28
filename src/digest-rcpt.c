/*
 * digest-rcpt.c: who gets which digest (dmarcdb(1), DIGEST).
 *
 * The all-domains list (digest { to }, or --to) gets the digest of
 * every domain. An address that only the digest-to of domain blocks
 * names gets the digest of those domains; the addresses that get the
 * same domains share one message. An address on the all-domains list
 * gets that one message only, whatever digest-to says.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "digest.h"

/* An address of a digest-to, and the domains that name it. */
struct person {
	const char	*shown;		/* for the To: header */
	const char	*addr;		/* bare, lower case */
	const char	**dom;
	size_t		  ndom, cap;
	int		  taken;	/* put in a message */
};

struct collect {
	struct digest_rcpts	*r;
	struct digest_rcpt	*all;		/* NULL: no such list */
	struct person		*p;
	size_t			 np, cap;
	const struct conf_domain *block;	/* the one being read */
	const char *const	*only;		/* --domain */
	size_t			 nonly;
	struct dr_error		*err;
};

static int	add_addr(struct digest_rcpt *, struct arena *, const char *);
static int	on_to(void *, const char *, const char *);
static int	on_team(void *, const char *, const char *);
static int	named(const char *const *, size_t, const char *);
static int	same_domains(const struct person *, const struct person *);
static int	cmp_str(const void *, const void *);

static int
nomem(struct dr_error *err)
{
	return dr_seterr(err, DR_E_NOMEM, "out of memory");
}

/* "User@Example.COM" as "user@example.com", in the arena. */
static char *
lower(struct arena *a, const char *s)
{
	char	*v, *p;

	v = arena_strndup(a, s, strlen(s));
	if (v == NULL)
		return NULL;
	for (p = v; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return v;
}

/* 1 if addr is one of r's bare addresses. */
static int
has_addr(const struct digest_rcpt *r, const char *addr)
{
	size_t	i;

	for (i = 0; r != NULL && i < r->naddr; i++)
		if (strcmp(r->addr[i], addr) == 0)
			return 1;
	return 0;
}

/* Add a bare address to r, once. 0, or -1 when out of memory. */
static int
add_addr(struct digest_rcpt *r, struct arena *a, const char *spec)
{
	char	**v, *s;

	if ((s = lower(a, spec)) == NULL)
		return -1;
	if (has_addr(r, s))
		return 0;
	v = realloc(r->addr, (r->naddr + 1) * sizeof *v);
	if (v == NULL)
		return -1;
	r->addr = v;
	r->addr[r->naddr++] = s;
	return 0;
}

/* An address of the all-domains list. */
static int
on_to(void *arg, const char *shown, const char *spec)
{
	struct collect	*c = arg;

	(void)shown;
	if (add_addr(c->all, &c->r->mem, spec) == -1)
		return nomem(c->err);
	return 0;
}

/* An address of a domain block's digest-to: its domains are the address's. */
static int
on_team(void *arg, const char *shown, const char *spec)
{
	struct collect		*c = arg;
	const struct conf_domain *d = c->block;
	struct person		*p;
	const char		*addr, **v;
	size_t			 i, j;

	if ((addr = lower(&c->r->mem, spec)) == NULL)
		return nomem(c->err);
	if (has_addr(c->all, addr))
		return 0;	/* it gets every domain */
	for (i = 0; i < c->np; i++)
		if (strcmp(c->p[i].addr, addr) == 0)
			break;
	if (i == c->np) {
		if (c->np == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 8;
			p = realloc(c->p, cap * sizeof *p);
			if (p == NULL)
				return nomem(c->err);
			c->p = p;
			c->cap = cap;
		}
		p = &c->p[c->np++];
		memset(p, 0, sizeof *p);
		p->addr = addr;
		p->shown = arena_strndup(&c->r->mem, shown, strlen(shown));
		if (p->shown == NULL)
			return nomem(c->err);
	}
	p = &c->p[i];
	for (j = 0; j < d->nnames; j++) {
		if ((c->nonly > 0 && !named(c->only, c->nonly, d->names[j])) ||
		    named(p->dom, p->ndom, d->names[j]))
			continue;
		if (p->ndom == p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 4;
			v = realloc(p->dom, cap * sizeof *v);
			if (v == NULL)
				return nomem(c->err);
			p->dom = v;
			p->cap = cap;
		}
		p->dom[p->ndom++] = d->names[j];
	}
	return 0;
}

static int
named(const char *const *v, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcasecmp(v[i], name) == 0)
			return 1;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The same domains (both sorted). */
static int
same_domains(const struct person *a, const struct person *b)
{
	size_t	i;

	if (a->ndom != b->ndom)
		return 0;
	for (i = 0; i < a->ndom; i++)
		if (strcmp(a->dom[i], b->dom[i]) != 0)
			return 0;
	return 1;
}

/* Room for one more message in r. NULL when out of memory. */
static struct digest_rcpt *
more(struct digest_rcpts *r)
{
	struct digest_rcpt	*v;

	v = realloc(r->v, (r->n + 1) * sizeof *v);
	if (v == NULL)
		return NULL;
	r->v = v;
	memset(&v[r->n], 0, sizeof v[r->n]);
	return &v[r->n++];
}

int
digest_rcpts(const struct conf *conf, const char *const *to, size_t nto,
    const char *what, int teams, const char *const *only, size_t nonly,
    struct digest_rcpts **out, struct dr_error *err)
{
	struct collect		 c;
	struct digest_rcpt	*m;
	char			 where[600];
	const char		**v;
	size_t			 i, j;

	*out = NULL;
	memset(&c, 0, sizeof c);
	c.err = err;
	c.only = only;
	c.nonly = nonly;
	if ((c.r = calloc(1, sizeof *c.r)) == NULL)
		return nomem(err);
	if (nto > 0) {
		if ((c.all = more(c.r)) == NULL)
			goto nomem;
		c.all->all = 1;
		c.all->to = to;
		c.all->nto = nto;
		for (i = 0; i < nto; i++)
			if (digest_addr_each(to[i], what, on_to, &c, err) ==
			    -1)
				goto fail;
	}
	/* Every digest-to is checked, even of the domains left out. */
	for (i = 0; teams && i < conf->ndomains; i++) {
		c.block = &conf->domains[i];
		snprintf(where, sizeof where, "%s:%d: digest-to", conf->path ?
		    conf->path : "(configuration)", c.block->line_digest_to);
		for (j = 0; j < c.block->ndigest_to; j++)
			if (digest_addr_each(c.block->digest_to[j], where,
			    on_team, &c, err) == -1)
				goto fail;
	}
	/* One message per set of domains, in the order first named. */
	c.all = NULL;	/* more() moves it */
	for (i = 0; i < c.np; i++)
		if (c.p[i].ndom > 1)	/* none: no array to sort */
			qsort(c.p[i].dom, c.p[i].ndom, sizeof *c.p[i].dom,
			    cmp_str);
	for (i = 0; i < c.np; i++) {
		if (c.p[i].taken || c.p[i].ndom == 0)
			continue;
		if ((m = more(c.r)) == NULL)
			goto nomem;
		for (j = i; j < c.np; j++) {
			if (c.p[j].taken || !same_domains(&c.p[j], &c.p[i]))
				continue;
			c.p[j].taken = 1;
			v = realloc(m->own_to, (m->nto + 1) * sizeof *v);
			if (v == NULL)
				goto nomem;
			m->own_to = v;
			m->to = v;
			m->own_to[m->nto++] = c.p[j].shown;
			if (add_addr(m, &c.r->mem, c.p[j].addr) == -1)
				goto nomem;
		}
		m->domains = c.p[i].dom;
		m->ndomains = c.p[i].ndom;
		c.p[i].dom = NULL;	/* m's now */
	}
	for (i = 0; i < c.np; i++)
		free(c.p[i].dom);
	free(c.p);
	*out = c.r;
	return 0;
nomem:
	nomem(err);
fail:
	for (i = 0; i < c.np; i++)
		free(c.p[i].dom);
	free(c.p);
	digest_rcpts_free(c.r);
	return -1;
}

void
digest_rcpts_free(struct digest_rcpts *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->v[i].addr);
		free(r->v[i].own_to);
		free(r->v[i].domains);
	}
	free(r->v);
	arena_free(&r->mem);
	free(r);
}

static int
no_addr(void *arg, const char *shown, const char *bare)
{
	(void)arg;
	(void)shown;
	(void)bare;
	return 0;
}

/* One list of addresses: refused, to fn. */
static size_t
check_list(const struct conf *conf, const char *list, int line,
    const char *what, void (*fn)(void *, const char *, int, const char *),
    void *arg)
{
	struct dr_error	 err;
	const char	*file = conf->path ? conf->path : "(configuration)";

	memset(&err, 0, sizeof err);
	if (digest_addr_each(list, what, no_addr, NULL, &err) == 0)
		return 0;
	fn(arg, file, line, err.msg);
	return 1;
}

size_t
digest_conf_check(const struct conf *conf,
    void (*fn)(void *, const char *, int, const char *), void *arg)
{
	const struct conf_digest	*g = &conf->digest;
	size_t				 i, j, n = 0;

	if (g->from != NULL)
		n += check_list(conf, g->from, g->line_from, "digest from",
		    fn, arg);
	for (i = 0; i < g->nto; i++)
		n += check_list(conf, g->to[i], g->line_to, "digest to", fn,
		    arg);
	for (i = 0; i < conf->ndomains; i++) {
		const struct conf_domain *d = &conf->domains[i];
		for (j = 0; j < d->ndigest_to; j++)
			n += check_list(conf, d->digest_to[j],
			    d->line_digest_to, "digest-to", fn, arg);
	}
	return n;
}
