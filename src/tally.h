/*
 * tally.h: a record's authentication outcome, its "signature", which
 * the summary counts messages by (dmarcdb(1), SUMMARY TABLES).
 *
 * A signature is everything a record says about authentication:
 * header_from, the receiver's policy_evaluated verdicts and
 * disposition, the reason types, and every DKIM and SPF result
 * (domain, selector or scope, result), in a canonical order, with the
 * report's adkim and aspf. Evaluating a signature gives dmarcdb's own
 * DMARC verdict, so it is done once per distinct signature, not once
 * per record.
 *
 * This module knows nothing of SQLite: the store writes what it yields.
 */
#ifndef DR_TALLY_H
#define DR_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "align.h"
#include "buf.h"
#include "report.h"

/* Scratch for encoding; NULL from tally_new when out of memory. */
struct tally;
struct tally	*tally_new(void);
void		 tally_free(struct tally *);

/*
 * The complete signature of one record under a report's adkim and aspf,
 * into out (replacing its contents). Returns 0, or -1 when out of
 * memory.
 */
int		 tally_record_sig(struct tally *, const char *, const char *,
		    const struct dr_record *, struct buf *);

/* A signature decoded, with dmarcdb's evaluation of it. */
struct sig_result {
	const char	*domain;
	const char	*detail;	/* DKIM selector, or SPF scope */
	const char	*result;
	int		 aligned;	/* domain aligned with header_from */
};
struct sig {
	const char		*header_from;
	enum align_mode		 adkim, aspf;
	const char		*receiver_dkim;	/* policy_evaluated */
	const char		*receiver_spf;
	const char		*disposition;
	const char		**reasons;	/* types, sorted */
	size_t			 nreasons;
	struct sig_result	*dkims;
	size_t			 ndkims;
	struct sig_result	*spfs;
	size_t			 nspfs;
	/* The evaluation (dmarcdb(1), SOURCES). */
	int			 dkim_aligned;	/* an aligned DKIM pass */
	int			 spf_aligned;	/* an aligned SPF pass */
	int			 dmarc;		/* either: passes DMARC */
};

/*
 * Decode a complete signature and evaluate it. Strings and arrays are
 * allocated from the arena. Returns 0, or -1 if the bytes are not a
 * signature or memory runs out.
 */
int		 tally_eval(const void *, size_t, struct arena *,
		    struct sig *);

/* The UTC day (days since the epoch) a report's period is counted on. */
int64_t		 tally_day(int64_t, int64_t);

#endif
