/*
 * group.h: the sums of sources by sender that a window keeps while it
 * is classified (classify.h, struct source_group): at most
 * CLASSIFY_GROUPS groups, then one for the rest.
 */
#ifndef DR_GROUP_H
#define DR_GROUP_H

#include <stddef.h>

#include "classify.h"

struct groups;

/*
 * A group being summed: the public sums, and the caller's copy of its
 * largest source (held, freed with free_held).
 */
struct group_acc {
	struct source_group	 g;	/* g.name, g.evidence set by
					   groups_sorted */
	struct source		*held;
	int			 named;
	char			 name[256];
	char			 evidence[128];	/* of the held source */
};

/* NULL when out of memory. */
struct groups	*groups_new(void (*)(struct source *));
void		 groups_free(struct groups *);

/*
 * The group of kind and name (NULL for a kind without one), added if
 * new, or GROUP_OTHER's once CLASSIFY_GROUPS are kept. The pointer
 * lasts until the next call. NULL when out of memory.
 */
struct group_acc *groups_get(struct groups *, enum group_kind,
		    const char *);

/* Add a source of the window to its group (sums only). */
void		 group_add(struct group_acc *, const struct source *);

/*
 * Every group, largest first (messages, then kind, then name): an
 * array of n pointers into the set, valid until it changes; NULL when
 * out of memory (with n 0 for none).
 */
struct group_acc **groups_sorted(struct groups *, size_t *);

#endif
