/*
 * advise.h: the next safe policy step for a domain (dmarcdb(1), ADVICE).
 *
 * The staging ladder (dmarc-reference section 3.4):
 *
 *	0 monitor		p=none
 *	1 soft quarantine	p=quarantine; pct=0; t=y
 *	2 partial quarantine	p=quarantine; pct=25	(only if asked for)
 *	3 quarantine		p=quarantine
 *	4 soft reject		p=reject; pct=0; t=y
 *	5 reject		p=reject
 *
 * The advice rests on the record published: the configuration's, else
 * DNS's, else the policy that the reporters saw in their newest reports,
 * each reporter weighed by the days on which it sent reports in the last
 * ADVISE_SPAN days (so that a burst of forged reports from reporters
 * without a history cannot outvote the established ones). The time
 * spent at the stage comes from the reports, the evidence from the
 * classification of the window's sources; it gives a verdict, the
 * reasons, what blocks the next step, and the record to publish.
 */
#ifndef DR_ADVISE_H
#define DR_ADVISE_H

#include <stdint.h>

#include "classify.h"
#include "conf.h"
#include "record.h"
#include "store.h"
#include "valid.h"

struct check_domain;
struct dns;

enum verdict {
	VERDICT_ADVANCE,
	VERDICT_HOLD,
	VERDICT_STEP_BACK,
	VERDICT_NO_DATA,
};

#define ADVICE_MAX_NOTES	24
#define ADVICE_NOTE		400

/*
 * The longest window a domain with fewer than min-messages messages is
 * judged over (the window doubled until it holds enough, or this).
 */
#define ADVISE_LONG_WINDOW	180
/* Days over which reporters are weighed, to the newest report's day. */
#define ADVISE_SPAN		30
/* Reporters named per policy when reports disagree. */
#define ADVICE_NAMES		3
#define ADVICE_NAME		48

struct policy {
	char		 p[16], sp[16], np[16], testing[4], adkim[4], aspf[4];
	char		 fo[16];
	int64_t		 pct;		/* -1: not reported */
	int		 stage;
	unsigned	 reports;	/* newest reports that show it */
	unsigned	 rfc9990;	/* of those, in the RFC 9990 schema */
};

/*
 * The reporters whose newest reports show one stage. names are those
 * with the most days, validated (a name that is not plain lower-case
 * ASCII of at most ADVICE_NAME - 1 bytes is ""), so safe to print.
 */
struct advice_vote {
	int		 slot;		/* the stage; 6: p is not valid */
	int		 stage;
	char		 p[12];		/* none, quarantine, reject or "" */
	int64_t		 pct;		/* -1: not reported */
	int		 testing;	/* t=y */
	unsigned	 reporters;
	unsigned	 once;		/* of them, with one day of reports */
	uint64_t	 days;		/* their days of reports, summed */
	uint64_t	 weight;	/* their days, squared, summed */
	int64_t		 last;		/* the newest of their newest days */
	char		 names[ADVICE_NAMES][ADVICE_NAME];
	unsigned	 nnames;
};

/*
 * Notes of the advice, as advise prints them. Some (the reasons, the
 * blockers) also have words for people who know nothing of DMARC: no
 * addresses, no tag names, no RFCs; the digest shows those
 * (advice_plain).
 */
struct notes {
	char		 text[ADVICE_MAX_NOTES][ADVICE_NOTE];
	char		*plain[ADVICE_MAX_NOTES];	/* NULL: as text */
	unsigned	 n;
};

/* Note i of n in plain words, else as advise prints it. */
const char	*advice_plain(const struct notes *, unsigned);

struct advice {
	char		*domain;		/* as asked for, whole */
	int64_t		 from_day, to_day;
	struct window	*w;		/* the classification it rests on */
	const struct catalogue *cat;	/* names services; may be NULL */
	const struct conf *conf;	/* its labels (not-ours, ...) */
	int		 has_policy;
	struct policy	 cur;		/* the policy the advice rests on */
	const char	*policy_source;	/* "configuration", "DNS", "reports" */
	int		 reported_stage; /* what the reporters saw; -1: none */
	int		 reported_slot;	/* its vote: see struct advice_vote */
	unsigned	 reporters;	/* with reports in the span */
	unsigned	 voters;	/* of them, showing cur.stage */
	struct advice_vote votes[7];	/* the heaviest first */
	unsigned	 nvotes;
	struct notes	 disagree;	/* when the votes are not one */
	int64_t		 policy_day;	/* newest report showing cur.stage */
	int64_t		 stage_since;	/* first day at it; -1: not seen */
	unsigned	 days_at_stage;	/* to policy_day; 0: not seen */
	uint64_t	 legit, legit_pass;	/* authorised mail */
	enum verdict	 verdict;
	int		 next_stage;	/* what the record below sets */
	struct notes	 reasons;	/* why this verdict */
	struct notes	 blockers;	/* to fix before the next step */
	struct notes	 warnings;
	struct notes	 about;		/* pct, t=, np explained */
	/*
	 * At a stage that enforces: per sender, the authorised or
	 * unverified mail that receivers quarantined or rejected.
	 */
	struct notes	 harmed;
	/*
	 * The records: "" when there is none to show (no record name,
	 * see warnings). Every value in them is DMARC grammar (record.h).
	 */
	char		 record_now[RECORD_MAX + 1];	/* published */
	const char	*record_source;	/* "configuration", "DNS", ... */
	char		 record_next[RECORD_MAX + 1];
	/*
	 * When the record published is not known (rebuilt from the
	 * reports, which never show rua=): no record_next, which would
	 * stop reporting if published as it is, but the tags to change in
	 * the record published ("p=quarantine; pct=0; t=y").
	 */
	char		 record_change[RECORD_MAX + 1];
	/* _dmarc.<domain>, or "" when the domain cannot have one. */
	char		 record_name[VALID_NAME_MAX + 1];
	int		 np_suggested;
	/*
	 * What DNS holds of the domain's SPF record and DKIM keys
	 * (check.h's check_sending), NULL when not looked up; an SPF
	 * permerror and an unusable key that signed passing mail (or a
	 * configured one) block the next step.
	 */
	struct check_domain *dns_check;
};

/* Stage names, "monitor" to "reject". */
const char	*advise_stage_name(int);
const char	*advise_verdict_name(enum verdict);

/*
 * How to advise: with dns set, the published record is looked up when
 * the configuration does not give it, through resolver (dns.h; NULL:
 * one made for the lookup, from the configuration's resolvers); cat
 * and geo (both optional) name the senders, as in sources
 * (classify_opts).
 */
struct advise_opts {
	int			 dns;
	const struct catalogue	*cat;
	struct geo		*geo;
	struct dns		*resolver;
};

/*
 * The classification advise rests on: senders as groups, and the
 * largest sources of each kind listed (advise_keep(o) for o's).
 */
struct classify_opts advise_keep(const struct advise_opts *);

/*
 * Advise on a domain for the window from day to day (inclusive). The
 * window of those days, if the caller has classified it (as
 * advise_keep says), is the advice's from then on, even on error; if
 * NULL, it is classified here. The caller frees *out with advice_free.
 */
int	 advise_domain(struct store *, const struct conf *, const char *,
	    int64_t, int64_t, const struct advise_opts *, struct window *,
	    struct advice **, struct dr_error *);
void	 advice_free(struct advice *);

/* The stage a policy is at (for tests and the digest). */
int	 advise_stage(const char *, int64_t, const char *);

#endif
