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

/*
 * The key a sender is told apart by, wherever senders are counted: its
 * kind's byte, then its name (NULL: none), cut at 256 bytes (names are
 * host names or services' names: never longer). Into key, of
 * GROUP_KEY_MAX bytes; returns its length.
 */
#define GROUP_KEY_MAX	(1 + 256)
size_t		 group_key(enum group_kind, const char *, char *);

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

/*
 * The name a sender is shown with (dmarcdb(1), SOURCES): a configured
 * sender's, a service's ("SendGrid", "SendGrid (not as us)"), a
 * domain, "(forwarded)", "(no passing authentication)"; for
 * GROUP_OTHER "(N other senders)" with the groups folded in it, or
 * "(other senders)" for 0. name is NULL for the kinds without one.
 */
void		 group_label(enum group_kind, const char *, unsigned, char *,
		    size_t);

/*
 * The name in a sentence: group_label's, but "sources with no passing
 * authentication" and "forwarded mail" for the kinds without a name.
 */
void		 group_noun(enum group_kind, const char *, unsigned, char *,
		    size_t);

/*
 * A group as a sentence names it, with k of its sources and ip, the
 * address of the largest of them (NULL: none): "our MTA
 * (198.51.100.10)", "SendGrid (3 addresses, the largest 167.89.0.1)",
 * "sources with no passing authentication (200 addresses in 4
 * networks)".
 */
void		 group_phrase(const struct source_group *, unsigned,
		    const char *, char *, size_t);
/*
 * For people (the digest): the name without addresses, with the count
 * of k addresses when there are several: "SendGrid (3 addresses)",
 * "Helpdesk"; a service that does not send as the domain by its name
 * alone, mail that passes no check "unauthenticated senders (200
 * addresses in 4 networks)" (networks: 0 when not known).
 */
void		 group_plain(enum group_kind, const char *, unsigned,
		    unsigned, unsigned, char *, size_t);
/* The number of networks of a group, when known (else 0). */
unsigned	 group_networks(const struct source_group *);

/*
 * 1 for the kinds of group named by the identity its mail authenticates
 * as, a service's or a domain (not configured, forwarded, without
 * authentication, by network or the others).
 */
int		 group_authenticates(enum group_kind);

/* 1 if the source (listed CLASSIFY_BY_SENDER) is of the group. */
int		 group_same(const struct source *, const struct source_group *);
/* 1 if both sources (listed CLASSIFY_BY_SENDER) have one sender. */
int		 group_same_sender(const struct source *,
		    const struct source *);

/*
 * The largest source of class cls that w lists in the group (listed
 * CLASSIFY_BY_SENDER, with the largest of each class kept), else the
 * group's largest source.
 */
const struct source *group_largest(const struct window *,
		    const struct source_group *, int);

#endif
