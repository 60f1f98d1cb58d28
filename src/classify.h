/*
 * classify.h: the sources of a policy domain over a window of days,
 * each in exactly one class (dmarcdb(1), SOURCES):
 *
 *	compliant	passes DMARC
 *	misconfigured	an authorised sender that fails DMARC
 *	forwarded	mail that reached the receiver indirectly
 *	unknown		everything else: spoofing, or an unlisted service
 *
 * A source is one IP address sending as one header_from domain. The
 * classification reads the summary tables only.
 */
#ifndef DR_CLASSIFY_H
#define DR_CLASSIFY_H

#include <stdint.h>

#include "catalogue.h"
#include "conf.h"
#include "geo.h"
#include "store.h"

enum source_class {
	CLASS_COMPLIANT,
	CLASS_MISCONFIGURED,
	CLASS_FORWARDED,
	CLASS_UNKNOWN,
	CLASS__COUNT
};

/* "compliant", ...; and back: 0, or -1 if the name is not a class. */
const char	*class_name(enum source_class);
int		 class_parse(const char *, enum source_class *);

/*
 * Sources summed by sender (sources --by sender): each source goes to
 * its configured sender, else to the service of the catalogue that the
 * domain it authenticates as names (auth_sigs.ident of its heaviest
 * signature that has one), else to the organisational domain of that
 * identity, else, forwarded, to one line, else to the line of sources
 * with no passing authentication (spoofing, mostly). At most
 * CLASSIFY_GROUPS groups are kept; the sources of any other fold into
 * one more line. The networks and countries of the sources without
 * authentication are counted over the first CLASSIFY_GEO_COUNTED.
 */
#define CLASSIFY_GROUPS		10000
#define CLASSIFY_GEO_COUNTED	10000
enum group_kind {
	GROUP_SENDER,		/* a configured sender */
	GROUP_SERVICE,		/* a service, sending as us */
	GROUP_SERVICE_OTHER,	/* a service, but as another customer */
	GROUP_DOMAIN,		/* the domain it authenticates as */
	GROUP_NETWORK,		/* CLASSIFY_BY_AS: its network's owner */
	GROUP_FORWARDED,	/* forwarded, no identity of its own */
	GROUP_NONE,		/* no passing authentication */
	GROUP_OTHER,		/* beyond CLASSIFY_GROUPS */
};

struct source {
	const char		*header_from;	/* "" if not reported */
	const char		*ip;		/* "" if not reported */
	enum source_class	 class;
	int			 authorised;
	const struct conf_sender *sender;	/* matched, or NULL */
	const char		*reason;	/* one line */
	uint64_t		 messages;
	uint64_t		 pass, fail;	/* DMARC, as dmarcdb evaluates */
	uint64_t		 spf_aligned, dkim_aligned;
	uint64_t		 receiver_pass;	/* policy_evaluated says pass */
	uint64_t		 none, quarantine, reject, other; /* disposition */
	uint64_t		 forwarding;	/* with a forwarding reason */
	int64_t			 first_day;	/* in the window */
	int64_t			 last_day;
	int64_t			 first_seen;	/* ever; -1 unknown */
	unsigned		 reporters;
	/*
	 * How a listed source authenticates (NULL for the others, and
	 * where it has no such result): of each kind, the passing result
	 * of the signature with the most messages, as reported.
	 */
	struct source_auth {
		const char	*dkim;		/* aligned DKIM pass: d= */
		const char	*dkim_selector;
		const char	*dkim_other;	/* DKIM pass, not aligned */
		const char	*dkim_other_selector;
		const char	*spf;		/* aligned SPF pass */
		const char	*spf_other;	/* SPF pass, not aligned */
	}			 auth;
	/*
	 * CLASSIFY_BY_SENDER: the group it is summed in, its sender
	 * (group.h, group_label); gname NULL for a kind without a name.
	 */
	enum group_kind		 gkind;
	const char		*gname;
};

struct source_group {
	enum group_kind		 kind;
	const char		*name;		/* NULL: none of its own */
	unsigned		 sources;
	unsigned		 folded;	/* GROUP_OTHER: groups in it */
	uint64_t		 messages, pass;
	uint64_t		 class_messages[CLASS__COUNT];
	uint64_t		 class_pass[CLASS__COUNT];
	/* Quarantined or rejected by the receivers, as they report. */
	uint64_t		 class_harmed[CLASS__COUNT];
	unsigned		 class_sources[CLASS__COUNT];
	/* Of its authorised sources: messages, and aligned DKIM. */
	uint64_t		 authorised, dkim_aligned;
	enum source_class	 class;		/* of most of its messages */
	int64_t			 first_day, last_day;
	struct source		 top;		/* its largest source */
	/* What names it, as its largest source shows ("" for none). */
	const char		*evidence;
	/* GROUP_NONE: networks (AS) and countries, when a location
	   database is there, over counted of its sources. */
	unsigned		 networks, countries, counted;
};

/*
 * "configured", "service", "service-other", "domain", "network",
 * "forwarded", "none", "other".
 */
const char	*group_kind_name(enum group_kind);

/* One configured sender's mail in the window. */
struct sender_use {
	const struct conf_sender *sender;
	uint64_t		 messages;
	uint64_t		 pass;
	uint64_t		 dkim_aligned;
	unsigned		 sources;
};

/*
 * A window's figures are exact, whatever the number of its sources;
 * only the largest sources are listed one by one (listed, nlisted), as
 * classify_opts asks. Every other field counts every source.
 */
struct window {
	const char		*domain;
	int64_t			 from_day, to_day;	/* inclusive */
	int			 configured;	/* senders apply to the domain */
	struct conf_thresholds	 th;
	struct source		*listed;	/* sorted: messages, then IP */
	size_t			 nlisted;
	/* With CLASSIFY_GROUPS: the limit largest groups, and all. */
	struct source_group	*groups;	/* sorted: messages, then name */
	size_t			 ngroups;
	size_t			 groups_total;
	uint64_t		 unlisted_group_messages;
	size_t			 nsources;	/* all of them */
	uint64_t		 unlisted_messages; /* of those not listed */
	uint64_t		 messages;
	uint64_t		 pass;
	uint64_t		 class_messages[CLASS__COUNT];
	uint64_t		 class_pass[CLASS__COUNT];
	unsigned		 class_sources[CLASS__COUNT];
	struct sender_use	*senders;	/* in configuration order */
	size_t			 nsenders;
	/* Mail that reporters marked as forwarded, by reason type. */
	uint64_t		 via_lists;	/* mailing_list */
	uint64_t		 via_forwarders; /* forwarded, trusted_forwarder */
	uint64_t		 local_policy;	/* with forwarding in its comment
					   (TALLY_LOCAL_FWD) */
	/* Failing mail with a mailing list's pattern (SIG_F_LIST). */
	uint64_t		 list_pattern;
	/*
	 * Failing mail that a receiver let through by a local_policy that
	 * says nothing of forwarding: its own decision.
	 */
	uint64_t		 receiver_policy;
	/* Failing mail that relaxed alignment would pass (SIG_F_RELAX_*). */
	uint64_t		 relax_dkim, relax_spf;
	uint64_t		 subdomain_pass; /* passing mail from subdomains */
	uint64_t		 subdomain_fail; /* and failing */
	uint64_t		 new_sources;	/* first seen in the window */
	uint64_t		 new_messages;
	int64_t			 last_day;	/* newest data, -1 none */
	unsigned		 reporters;
	const char		**reporter_names; /* in order of appearance */
	/* Per day of the window, from_day first. */
	struct window_day {
		uint64_t	 messages, pass;
	}			*days;
	size_t			 ndays;
};

/* Sources listed by default (sources --limit), and at most. */
#define CLASSIFY_LIMIT		1000
#define CLASSIFY_LIMIT_MAX	100000
/* Of each kind that classify_opts.keep names, this many more at most. */
#define CLASSIFY_KEEP		100
/* Reporters told apart in a window; the others count as one. */
#define CLASSIFY_REPORTERS	65536

/*
 * Which sources a window lists. The limit largest (by messages) of
 * those of class only (or of every class if only is -1); and, whatever
 * the limit, the CLASSIFY_KEEP largest of each kind named in keep:
 * CLASSIFY_KEEP_MISCONFIGURED (authorised senders that fail DMARC: the
 * sources command lists them so that no cap hides one), or
 * CLASSIFY_KEEP_ALL (those, and the largest of every class, of the new
 * sources, and of the authorised sources signing with aligned DKIM
 * below the dkim threshold: what advise and the digest name). each, if
 * set, is called with every source (listed or not; its reason is NULL)
 * and stops the classification by returning non-zero (with
 * CLASSIFY_BY_SENDER, its sender set: gkind, gname).
 * CLASSIFY_CLASSES_ONLY: only each source's class is wanted (export):
 * the first days are not read, and first_seen stays -1.
 * CLASSIFY_BY_SENDER: the sources are summed by sender (groups); limit
 * counts groups, and no source is listed but for keep.
 * CLASSIFY_BY_AS: summed by the owner of their network instead (geo),
 * "AS15169 GOOGLE"; those not in the location database on one row.
 */
#define CLASSIFY_KEEP_MISCONFIGURED	0x1
#define CLASSIFY_KEEP_ALL		0x2
#define CLASSIFY_CLASSES_ONLY		0x4
#define CLASSIFY_BY_SENDER		0x8
#define CLASSIFY_BY_AS			0x10
struct classify_opts {
	size_t		 limit;
	int		 only;		/* a class, or -1 */
	int		 keep;
	int		(*each)(void *, const struct source *);
	void		*arg;
	/* With CLASSIFY_BY_SENDER, both optional: */
	const struct catalogue	*cat;	/* names services */
	struct geo		*geo;	/* counts networks */
};

/*
 * Classify the sources of a policy domain from day to day (UTC days
 * since the epoch, inclusive); opts NULL lists CLASSIFY_LIMIT of every
 * class and keeps the misconfigured ones. Memory does not grow with
 * the number of sources or records: they are read in order of source
 * from SQLite's sort. The caller frees *out with window_free. Returns
 * 0, or -1 with err set.
 */
int	 classify_window(struct store *, const struct conf *, const char *,
	    int64_t, int64_t, const struct classify_opts *, struct window **,
	    struct dr_error *);
/*
 * The same for n windows of one domain at once (at most
 * CLASSIFY_WINDOWS), from one reading of the days they cover: from[i]
 * to to[i] into out[i]. On error no window is left to free.
 */
#define CLASSIFY_WINDOWS	4
int	 classify_windows(struct store *, const struct conf *, const char *,
	    size_t, const int64_t *, const int64_t *,
	    const struct classify_opts *, struct window **,
	    struct dr_error *);
void	 window_free(struct window *);

/* The sender name a source is shown with: configured name or "". */
const char *source_sender(const struct source *);

/*
 * 1 if the source is new in the window: first seen in it, or its first
 * day not known.
 */
int	 source_new(const struct window *, const struct source *);

#endif
