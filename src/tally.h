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

/*
 * What the classification of sources needs of a signature, kept with it
 * (auth_sigs.facts, schema/008-sig-facts.sql): so that the report
 * commands read a few bits with each record instead of loading the
 * signature's results. The strings a source's reason names are loaded
 * only for the sources listed, from the first result of the kind
 * (tally_cand) of the signature that weighs most.
 */
#define SIG_F_DMARC		0x0001
#define SIG_F_DKIM_ALIGNED	0x0002
#define SIG_F_SPF_ALIGNED	0x0004
#define SIG_F_RECEIVER_PASS	0x0008	/* policy_evaluated dkim or spf pass */
#define SIG_F_SPF_FAILED	0x0010	/* no SPF pass, and a result or the
					   receiver's fail */
#define SIG_F_SIGNED		0x0020	/* a DKIM result with a domain,
					   other than none */
#define SIG_F_DISP(f)		(((f) >> 6) & 3)
#define SIG_F_FWD(f)		(((f) >> 8) & 7)
/* A result of kind c (enum sig_cand) exists. */
#define SIG_F_CAND(c)		(1L << (11 + (c)))

/* The disposition, in two bits. */
enum sig_disp {
	SIG_DISP_NONE,			/* none, or pass */
	SIG_DISP_QUARANTINE,
	SIG_DISP_REJECT,
	SIG_DISP_OTHER
};

/*
 * The first forwarding reason type (sorted), in three bits; 0: none.
 * A plain local_policy (SIG_FWD_LOCAL) is the receiver's own decision,
 * not forwarding, and counts only when no other is there.
 */
extern const char *const sig_fwd_names[];	/* index 1 to 5 */
#define SIG_FWD_LOCAL		4

/*
 * A local_policy reason whose comment shows forwarding (an ARC pass,
 * forwarding, a relay, a mailing list: tally_fwd_evidence) is kept in
 * the signature (and auth_sigs.reasons) as this type, so that it counts
 * as forwarding and the plain one does not.
 */
#define TALLY_LOCAL_FWD		"local_policy:forwarded"
/* How much of a comment is read for that. */
#define TALLY_COMMENT_MAX	512

/*
 * Whether a reason's comment shows that the mail was forwarded: a word
 * starting with "forward", "relay", "listserv" or "mailinglist", the
 * words "mailing list" (or "mailing_list"), or "arc" followed by
 * "pass" ("arc=pass"), in any case, in its first TALLY_COMMENT_MAX
 * bytes.
 */
int		 tally_fwd_evidence(const char *);

/* The kinds of DKIM and SPF results a reason names. */
enum sig_cand {
	SIG_C_PASS_DK,		/* aligned DKIM pass */
	SIG_C_PASS_SP,		/* aligned SPF pass */
	SIG_C_DK_UNAL,		/* DKIM pass, not aligned */
	SIG_C_DK_FAIL,		/* aligned DKIM, not passing */
	SIG_C_DK_OTHER,		/* DKIM neither passing nor aligned */
	SIG_C_SP_ERR,		/* SPF temperror or permerror */
	SIG_C_SP_UNAL,		/* SPF pass, not aligned */
	SIG_C_SP_FAIL,		/* aligned SPF, not passing */
	SIG_C_SP_OTHER,		/* SPF neither passing nor aligned */
	SIG_C__COUNT
};

/* The first result of the signature of kind c, or NULL. */
const struct sig_result *tally_cand(const struct sig *, enum sig_cand);

/*
 * The identity a signature's mail authenticates as (auth_sigs.ident),
 * by which the report commands group sources into senders: the domain
 * of the first result, in this order, of a DKIM pass that is not
 * aligned (a service signing with its own domain), an SPF pass that is
 * not aligned (its bounce domain), an aligned DKIM pass, an aligned SPF
 * pass; NULL when nothing passes. *spf, if not NULL, is set when it is
 * an SPF result. Its kind is in the facts too.
 */
const struct sig_result *tally_ident(const struct sig *, int *);
#define SIG_F_IDENT_SPF		(1L << 20)	/* the identity is SPF's */
#define SIG_F_IDENT_ALIGNED	(1L << 21)	/* and aligned */
/*
 * Of mail failing DMARC: an aligned DKIM result "fail" (our signature,
 * broken on the way) with an SPF pass for a domain not aligned (a third
 * party's bounce address): what a mailing list that changes messages
 * leaves.
 */
#define SIG_F_LIST		(1L << 22)
/*
 * Of mail failing DMARC under strict alignment: a DKIM (SPF) pass that
 * relaxed alignment (adkim=r, aspf=r) would align.
 */
#define SIG_F_RELAX_DKIM	(1L << 23)
#define SIG_F_RELAX_SPF		(1L << 24)

/*
 * The facts of a signature (with its identity's kind); and into passes
 * (replacing its contents),
 * its passing DKIM results (domain and selector) and SPF results
 * (domain), which configured senders are matched by: empty if none.
 * Each is 'k' or 's' and then its strings, each "-" (NULL) or its
 * length, ':' and its bytes. Returns -1 when out of memory.
 */
long		 tally_facts(const struct sig *, struct buf *);

/*
 * The passing results of passes (len bytes, as tally_facts writes
 * them) into g (zeroed first): its dkims and spfs, each with result
 * "pass", allocated from the arena. Returns -1 if passes is malformed
 * or memory runs out.
 */
int		 tally_passes(const char *, size_t, struct arena *,
		    struct sig *);

/* The UTC day (days since the epoch) a report's period is counted on. */
int64_t		 tally_day(int64_t, int64_t);

#endif
