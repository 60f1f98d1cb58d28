/*
 * spfwalk.h: a domain's SPF record and the tree of include and redirect
 * below it, looked up level by level (each level's lookups at once,
 * dns.h's dns_batch), as dmarcdb check audits it.
 *
 * RFC 7208 section 4.6.4 limits the terms that cost a DNS lookup
 * (include, a, mx, ptr, exists, redirect) to 10 per evaluation, and
 * lookups that find nothing ("void") to 2: beyond, the result is a
 * permerror. The walk counts them over the whole tree, every branch as
 * a receiver reaching it would (an include named twice counts twice):
 * what a message that matches none of the terms costs, the worst case.
 * A term whose domain holds macros cannot be followed without a
 * message: it is counted, and said so.
 */
#ifndef DR_SPFWALK_H
#define DR_SPFWALK_H

#include <stddef.h>

#include "cidr.h"
#include "finding.h"

struct dns;

/* The walk's own caps: deeper or larger trees are not followed. */
#define SPFWALK_DEPTH	10
#define SPFWALK_NODES	200

/* A branch below the record: an include or the redirect. */
struct spfwalk_branch {
	char		 name[256];
	unsigned	 lookups;	/* its term, and all below it */
};

struct spfwalk {
	int		 found;		/* the domain has an SPF record */
	/*
	 * The domain's own SPF record as published (found or not: one that
	 * breaks the grammar too; several joined by newlines), "" none.
	 */
	char		 record[4097];
	unsigned	 lookups;	/* DNS-querying terms, whole tree */
	unsigned	 voids;		/* lookups that found nothing */
	unsigned	 queries;	/* DNS queries the walk made */
	/*
	 * What makes receivers return permerror for the domain's mail (a
	 * broken or doubled record, a loop, an include without a record,
	 * over the lookup or void limits): the first found, with its fix;
	 * "" when none (advise blocks on it).
	 */
	char		 permerror[320];
	char		 permerror_fix[160];
	/* The domain's own TXT lookup failed (temperror): why, else "". */
	char		 failed[640];
	struct spfwalk_branch branch[32];
	size_t		 nbranch;
	struct findings	 f;
	/* Every name the tree names, for the caller's ip checks. */
	char		 names[SPFWALK_NODES][256];
	size_t		 nnames;
};

/*
 * Walk the SPF tree of domain. Returns 0 (w says what was found, the
 * errors of the record included), or -1 when DNS is not available
 * (why).
 */
int	spfwalk(struct dns *, const char *, struct spfwalk *, char *,
	    size_t);

/*
 * An address, or a block of them, whose SPF result under the tree
 * spfwalk_with works out, as check_host (RFC 7208 section 4.6) would
 * from the records walked: the terms in order, includes followed, the
 * redirect last. A block matches a term whose network holds all of it.
 * A term that needs a lookup of its own (a, mx, ptr, exists, macros), a
 * record not walked, a loop or a permerror on the way makes the result
 * UNKNOWN, never a guess.
 */
enum spfwalk_result {
	SPFW_UNKNOWN, SPFW_PASS, SPFW_FAIL, SPFW_SOFTFAIL, SPFW_NEUTRAL
};
struct spfwalk_probe {
	struct cidr		 net;		/* in */
	enum spfwalk_result	 result;	/* out */
};

/* spfwalk, then the result of each of the n probes. */
int	spfwalk_with(struct dns *, const char *, struct spfwalk_probe *,
	    size_t, struct spfwalk *, char *, size_t);

/* "pass", "fail", "softfail", "neutral", "unknown". */
const char *spfwalk_result_name(enum spfwalk_result);

#endif
