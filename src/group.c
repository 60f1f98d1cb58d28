/*
 * group.c: sums of sources by sender (group.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "group.h"
#include "hmap.h"

struct groups {
	struct hmap		*map;	/* kind byte, name -> group_acc */
	struct group_acc	 other;	/* beyond CLASSIFY_GROUPS */
	void			(*free_held)(struct source *);
	struct group_acc	**sorted;
};

static void
acc_init(struct group_acc *a, enum group_kind kind)
{
	memset(a, 0, sizeof *a);
	a->g.kind = kind;
	a->g.first_day = INT64_MAX;
	a->g.last_day = INT64_MIN;
}

struct groups *
groups_new(void (*free_held)(struct source *))
{
	struct groups	*gs;

	gs = calloc(1, sizeof *gs);
	if (gs == NULL)
		return NULL;
	gs->map = hmap_new(sizeof(struct group_acc));
	if (gs->map == NULL) {
		free(gs);
		return NULL;
	}
	gs->free_held = free_held;
	acc_init(&gs->other, GROUP_OTHER);
	return gs;
}

void
groups_free(struct groups *gs)
{
	struct group_acc	*a;
	size_t			 i;

	if (gs == NULL)
		return;
	for (i = 0; i < hmap_count(gs->map); i++) {
		a = hmap_at(gs->map, i, NULL, NULL);
		if (a->held != NULL)
			gs->free_held(a->held);
	}
	if (gs->other.held != NULL)
		gs->free_held(gs->other.held);
	hmap_free(gs->map);
	free(gs->sorted);
	free(gs);
}

size_t
group_key(enum group_kind kind, const char *name, char *key)
{
	size_t	n = name ? strlen(name) : 0;

	if (n > GROUP_KEY_MAX - 1)
		n = GROUP_KEY_MAX - 1;
	key[0] = (char)kind;
	if (n > 0)
		memcpy(key + 1, name, n);
	return n + 1;
}

struct group_acc *
groups_get(struct groups *gs, enum group_kind kind, const char *name)
{
	struct group_acc	*a;
	char			 key[GROUP_KEY_MAX];
	size_t			 n;
	int			 added;

	n = group_key(kind, name, key) - 1;
	a = hmap_find(gs->map, key, n + 1);
	if (a != NULL)
		return a;
	if (hmap_count(gs->map) >= CLASSIFY_GROUPS) {
		gs->other.g.folded++;
		return &gs->other;
	}
	a = hmap_get(gs->map, key, n + 1, &added);
	if (a == NULL)
		return NULL;
	acc_init(a, kind);
	if (name != NULL) {
		a->named = 1;
		memcpy(a->name, key + 1, n);
		a->name[n] = '\0';
	}
	return a;
}

/* a + b, at most UINT64_MAX. */
static uint64_t
sum(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void
group_add(struct group_acc *a, const struct source *s)
{
	struct source_group	*g = &a->g;

	g->sources++;
	g->messages = sum(g->messages, s->messages);
	g->pass = sum(g->pass, s->pass);
	g->class_messages[s->class] = sum(g->class_messages[s->class],
	    s->messages);
	g->class_pass[s->class] = sum(g->class_pass[s->class], s->pass);
	g->class_harmed[s->class] = sum(g->class_harmed[s->class],
	    sum(s->quarantine, s->reject));
	g->class_sources[s->class]++;
	if (s->authorised) {
		g->authorised = sum(g->authorised, s->messages);
		g->dkim_aligned = sum(g->dkim_aligned, s->dkim_aligned);
	}
	if (s->first_day < g->first_day)
		g->first_day = s->first_day;
	if (s->last_day > g->last_day)
		g->last_day = s->last_day;
}

static int
cmp_groups(const void *x, const void *y)
{
	const struct group_acc	*a = *(struct group_acc *const *)x;
	const struct group_acc	*b = *(struct group_acc *const *)y;

	if (a->g.messages != b->g.messages)
		return a->g.messages > b->g.messages ? -1 : 1;
	if (a->g.kind != b->g.kind)
		return a->g.kind < b->g.kind ? -1 : 1;
	if (a->g.name == NULL || b->g.name == NULL)
		return (a->g.name != NULL) - (b->g.name != NULL);
	return strcmp(a->g.name, b->g.name);
}

struct group_acc **
groups_sorted(struct groups *gs, size_t *n)
{
	size_t		 i, m = hmap_count(gs->map);

	*n = 0;
	free(gs->sorted);
	gs->sorted = calloc(m + 2, sizeof *gs->sorted);
	if (gs->sorted == NULL)
		return NULL;
	for (i = 0; i < m; i++) {
		struct group_acc *a = hmap_at(gs->map, i, NULL, NULL);
		/* Values move as the map grows: named now. */
		a->g.name = a->named ? a->name : NULL;
		a->g.evidence = a->evidence;
		gs->sorted[(*n)++] = a;
	}
	gs->other.g.evidence = gs->other.evidence;
	if (gs->other.g.sources > 0)
		gs->sorted[(*n)++] = &gs->other;
	if (*n > 1)
		qsort(gs->sorted, *n, sizeof *gs->sorted, cmp_groups);
	return gs->sorted;
}

void
group_label(enum group_kind kind, const char *name, unsigned folded,
    char *out, size_t len)
{
	switch (kind) {
	case GROUP_SENDER:
	case GROUP_SERVICE:
	case GROUP_DOMAIN:
		snprintf(out, len, "%s", name ? name : "?");
		break;
	case GROUP_SERVICE_OTHER:
		snprintf(out, len, "%s (not as us)", name ? name : "?");
		break;
	case GROUP_NETWORK:
		snprintf(out, len, "%s", name ? name : "(network not known)");
		break;
	case GROUP_FORWARDED:
		snprintf(out, len, "(forwarded)");
		break;
	case GROUP_NONE:
		snprintf(out, len, "(no passing authentication)");
		break;
	default:
		if (folded > 0) {
			char n[32];
			fmt_count(folded, n, sizeof n);
			snprintf(out, len, "(%s other senders)", n);
		} else
			snprintf(out, len, "(other senders)");
		break;
	}
}

int
group_authenticates(enum group_kind k)
{
	return k == GROUP_SERVICE || k == GROUP_SERVICE_OTHER ||
	    k == GROUP_DOMAIN;
}

/* One sender: the same kind, and the same name or none. */
static int
same(enum group_kind ka, const char *na, enum group_kind kb, const char *nb)
{
	if (ka != kb)
		return 0;
	if (na == NULL || nb == NULL)
		return na == nb;
	return strcmp(na, nb) == 0;
}

int
group_same(const struct source *s, const struct source_group *g)
{
	return same(s->gkind, s->gname, g->kind, g->name);
}

void
group_noun(enum group_kind kind, const char *name, unsigned folded,
    char *out, size_t len)
{
	if (kind == GROUP_NONE)
		snprintf(out, len, "sources with no passing authentication");
	else if (kind == GROUP_FORWARDED)
		snprintf(out, len, "forwarded mail");
	else
		group_label(kind, name, folded, out, len);
}

int
group_same_sender(const struct source *a, const struct source *b)
{
	return same(a->gkind, a->gname, b->gkind, b->gname);
}

void
group_phrase(const struct source_group *g, unsigned k, const char *ip,
    char *out, size_t len)
{
	char		 name[300], n[32], nets[64] = "";

	fmt_count(k, n, sizeof n);
	if (g->kind == GROUP_NONE && g->counted > 0)
		snprintf(nets, sizeof nets, " in %u network%s", g->networks,
		    g->networks == 1 ? "" : "s");
	group_noun(g->kind, g->name, g->folded, name, sizeof name);
	if (k == 1 && ip != NULL && *ip != '\0')
		snprintf(out, len, "%s (%s)", name, ip);
	else if (k == 1)
		snprintf(out, len, "%s (1 address)", name);
	else if (ip != NULL && *ip != '\0' && g->kind != GROUP_NONE)
		snprintf(out, len, "%s (%s addresses, the largest %s)", name,
		    n, ip);
	else
		snprintf(out, len, "%s (%s addresses%s)", name, n, nets);
}

unsigned
group_networks(const struct source_group *g)
{
	return g->kind == GROUP_NONE && g->counted > 0 ? g->networks : 0;
}

void
group_plain(enum group_kind kind, const char *gname, unsigned folded,
    unsigned k, unsigned networks, char *out, size_t len)
{
	char	name[300], n1[32];

	if (kind == GROUP_SERVICE_OTHER && gname != NULL)
		snprintf(name, sizeof name, "%s", gname);
	else if (kind == GROUP_NONE)
		snprintf(name, sizeof name, "unauthenticated senders");
	else
		group_noun(kind, gname, folded, name, sizeof name);
	fmt_count(k, n1, sizeof n1);
	if (k > 1 && networks > 0)
		snprintf(out, len, "%s (%s addresses in %u network%s)", name,
		    n1, networks, networks == 1 ? "" : "s");
	else if (k > 1)
		snprintf(out, len, "%s (%s addresses)", name, n1);
	else
		snprintf(out, len, "%s", name);
}

const struct source *
group_largest(const struct window *w, const struct source_group *g,
    int cls)
{
	size_t	i;

	for (i = 0; i < w->nlisted; i++)
		if ((int)w->listed[i].class == cls &&
		    group_same(&w->listed[i], g))
			return &w->listed[i];
	return &g->top;
}
