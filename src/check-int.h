/*
 * check-int.h: what the parts of dmarcdb check share (check.c, the
 * audit of a domain; check-cover.c, whether the SPF record covers the
 * senders of the reports; check-keep.c, the records kept). Not for other
 * modules.
 */
#ifndef DR_CHECK_INT_H
#define DR_CHECK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "spfwalk.h"

struct check_domain;
struct check_opts;
struct conf;
struct store;

/*
 * SPF coverage: the configured senders' ip blocks and the sources whose
 * mail had an SPF result for the domain itself in the reports, each
 * worked out under the SPF record published now (spfwalk_with).
 */
#define COVER_SOURCES	200
#define COVER_BLOCKS	64

struct check_cover {
	struct spfwalk_probe	 p[COVER_BLOCKS + COVER_SOURCES];
	size_t			 nblocks, n;
	/* Per probe: the sender (blocks), messages and SPF passes. */
	const char		*sender[COVER_BLOCKS];
	uint64_t		 messages[COVER_BLOCKS + COVER_SOURCES];
	uint64_t		 passed[COVER_BLOCKS + COVER_SOURCES];
	char			 ip[COVER_SOURCES][64];
};

/*
 * The probes of a domain into v (zeroed by the caller): its configured
 * blocks, then its sources of the window. 0, or -1 (why).
 */
int	check_cover_probes(struct check_cover *, struct store *,
	    const struct conf *, const char *, const struct check_opts *,
	    char *, size_t);
/* What the results say, as findings of c (its SPF walk done). */
void	check_cover_findings(struct check_domain *, struct check_cover *);

#endif
