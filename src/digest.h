/*
 * digest.h: the weekly summary for people who do not read DMARC
 * (dmarcdb(1), DIGEST).
 *
 * digest_build gathers the facts, from the summary tables and the
 * classification and advice of sources and advise; the renderers turn
 * them into text and HTML that carry the same figures; digest_mime
 * wraps both in one RFC 5322 message.
 */
#ifndef DR_DIGEST_H
#define DR_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "advise.h"
#include "buf.h"
#include "classify.h"
#include "conf.h"
#include "store.h"

/* How many of each list a domain shows; the rest is counted. */
#define DIGEST_LIST	5

/* Attention, most urgent first: the overview shows a domain's first. */
enum digest_level {
	DIGEST_OK,		/* good news: a step that can be taken */
	DIGEST_NOTE,		/* worth a look */
	DIGEST_ACT,		/* someone must act */
};

struct digest_item {
	enum digest_level	 level;
	int			 elsewhere;	/* the domain's section says
						   it in a list of its own */
	char			 text[400];
};

/*
 * A sender in a list: its group in the window (NULL if not kept), its
 * largest source of the list's kind, and its sources and messages of
 * that kind.
 */
struct digest_sender {
	const struct source_group *g;
	const struct source	*s;
	unsigned		 sources;
	uint64_t		 messages, pass;
};

/* "SendGrid (3 addresses, the largest 167.89.0.1)" (group_phrase). */
void	digest_sender_name(const struct digest_sender *, char *, size_t);
/*
 * A failing sender's failed mail: "420 messages this week", "140 of its
 * 700 messages this week".
 */
void	digest_failed_count(const struct digest_sender *, unsigned, char *,
	    size_t);
/*
 * Whether a new sender is asked about, "is it yours?": named (a
 * service, a domain), not known as ours, and its mail fails.
 */
int	digest_asks(const struct digest_sender *);

/* For people: "SendGrid (3 addresses)", "Helpdesk": no address. */
void	digest_sender_plain(const struct digest_sender *, char *, size_t);

struct digest_domain {
	const char		*domain;
	struct window		*cur;		/* this period */
	struct window		*prev;		/* the one before */
	struct advice		*adv;		/* advise, as of the same day */
	/*
	 * Senders of cur, largest first: those with new sources (nnew
	 * counts the sources), the authorised that started failing since
	 * prev (nbroken senders), the unknown (nunknown senders).
	 */
	struct digest_sender	 news[DIGEST_LIST];
	size_t			 nnews, nnew;
	/*
	 * The largest of news asked about: named, not known as ours, its
	 * mail failing (digest_asks); its index + 1, 0 if none (an index:
	 * the domains are sorted); nasks counts all those asked about. The
	 * next step waits for their answer.
	 */
	size_t			 ask, nasks;
	struct digest_sender	 broken[DIGEST_LIST];
	size_t			 nbroken;
	/* The authorised that fail as they did the period before. */
	struct digest_sender	 still[DIGEST_LIST];
	size_t			 nstill;
	struct digest_sender	 unknown[DIGEST_LIST];
	size_t			 nunknown;
	/* Reporters of prev missing from cur. */
	const char		*lost[DIGEST_LIST];
	size_t			 nlost;
	/*
	 * Records in DNS that dmarcdb check found changed this period
	 * (store_dns_changes), oldest first.
	 */
	struct digest_change {
		char		 what[320];	/* "the SPF record of ..." */
		int64_t		 on;		/* Unix time */
	}			 changes[DIGEST_LIST];
	size_t			 nchanges;
	/* What needs attention, most urgent first. */
	struct digest_item	 items[8];
	size_t			 nitems;
};

/*
 * Whom the domain's next step waits for: "SendGrid is yours", "SendGrid
 * and 2 other new senders are yours" ("" when it has no ask).
 */
void	digest_ask_phrase(const struct digest_domain *, char *, size_t);

struct digest_reason {
	char			 reason[200];
	uint64_t		 inputs;
};

struct digest_health {
	uint64_t		 reports;	/* about this period */
	uint64_t		 reporters;
	int64_t			 newest_end;	/* newest report's end, -1 */
	/*
	 * Days from the newest report's last day to the report's day,
	 * not counting either: 0 when the newest covers the day before.
	 * -1: no report at all.
	 */
	int64_t			 silent_days;
	int64_t			 last_run;	/* last ingest finished, -1 */
	struct store_run	 last;		/* the last ingest started */
	uint64_t		 rejected;	/* inputs, last seen this period */
	struct digest_reason	 reasons[DIGEST_LIST];
	size_t			 nreasons;
};

/*
 * What the banner says, and what an alert is sent for: one flag per
 * thing to say, the most urgent first (ACT, then OK, then NOTE). The
 * banner's level is that of its line: ACT, else NOTE when a new sender
 * is asked about, else OK.
 */
enum digest_flag_kind {		/* in this order within a level */
	DIGEST_F_SILENT,	/* no reports for more than DIGEST_SILENT days */
	DIGEST_F_INGEST,	/* the last ingest run did not finish */
	DIGEST_F_STEP_BACK,	/* receivers stop legitimate mail */
	DIGEST_F_BROKEN,	/* an authorised sender started failing */
	DIGEST_F_FAILING,	/* and one that still fails */
	DIGEST_F_NO_REPORTS,	/* a domain without reports this period */
	DIGEST_F_REJECTED,	/* inputs rejected: this period, last run */
	DIGEST_F_ASK,		/* a new sender that may be ours, failing */
	DIGEST_F_READY,		/* a domain can take the next step */
};
/* Days without reports that the banner calls a dead ingest. */
#define DIGEST_SILENT	2
struct digest_flag {
	enum digest_flag_kind	 kind;
	enum digest_level	 level;
	const char		*domain;	/* NULL: not about one */
	/*
	 * What it is about, the same from one run to the next (kind,
	 * domain, sender; never the day of the period): an alert is sent
	 * for a key not sent before (digest-alert.c).
	 */
	char			 key[320];
	char			 text[320];	/* plain words, one line */
};
#define DIGEST_FLAGS_MAX	256

struct digest {
	int64_t			 as_of;		/* seconds: the report's day */
	int64_t			 from_day, to_day;	/* this period */
	int64_t			 prev_from, prev_to;
	unsigned		 days;
	struct digest_domain	*domains;
	size_t			 ndomains;
	uint64_t		 messages, pass;
	uint64_t		 prev_messages, prev_pass;
	uint64_t		 new_sources;
	size_t			 attention;	/* domains needing it */
	/* Domains with reports left out (scope.h), and what to say. */
	uint64_t		 others;
	char			 others_line[160];
	struct digest_health	 health;
	/* The banner: its level and line, from the flags. */
	struct digest_flag	*flags;
	size_t			 nflags;	/* kept; nflags_all counted */
	size_t			 nflags_all;
	enum digest_level	 level;
	char			 banner[400];
	struct arena		 mem;
};

struct digest_opts {
	int64_t			 as_of;		/* UTC midnight */
	unsigned		 days;
	const char *const	*domains;	/* none: scope.h's */
	size_t			 ndomains;
	int			 dns;		/* advise may ask DNS,
						   as scope.h allows */
	/* Both optional: name the senders (classify_opts). */
	const struct catalogue	*cat;
	const char		*geo_path;	/* opened per thread */
};

/*
 * Gather the digest, one domain at a time on each of the stores (open
 * on the same database, each in a read transaction): in as many
 * threads as stores.
 */
int	digest_build(struct store *const *, size_t, const struct conf *,
	    const struct digest_opts *, struct digest **, struct dr_error *);
void	digest_free(struct digest *);

/*
 * "DMARC weekly: action needed: SendRight fails DMARC on example.com":
 * the prefix (NULL: "DMARC weekly") and the banner.
 */
void	digest_subject(const struct digest *, const char *, char *, size_t);
/*
 * The inbox preview: the banner's flags after the first, and the
 * week's figures, in plain words.
 */
void	digest_preheader(const struct digest *, char *, size_t);
/* Characters of preview that mail clients show, about. */
#define DIGEST_PREHEADER	150

/* The two renderings, appended to b. -1 when out of memory. */
int	digest_text(const struct digest *, struct buf *);
int	digest_html(const struct digest *, const char *, struct buf *);

/* The message: From, To (each a list), Subject, Date (epoch seconds). */
struct digest_mail {
	const char		*from;
	const char *const	*to;
	size_t			 nto;
	const char		*subject;
	int64_t			 date;
	const char		*text, *html;
	int			 crlf;		/* CRLF line ends (SMTP) */
};
int	digest_mime(const struct digest_mail *, struct buf *,
	    struct dr_error *);
/*
 * The bare addresses (user@domain) of an address list, for SMTP; the
 * caller frees each and the array. -1 with err (DR_E_USAGE) when it
 * holds no address, or something else.
 */
int	digest_addr_spec(const char *, const char *, char ***, size_t *,
	    struct dr_error *);

/*
 * Each address of an address list to fn: as people read it ("Name
 * <user@domain>") and bare (user@domain). fn returns 0, or -1 to stop
 * (having set err itself). -1 with err (DR_E_USAGE, naming what) when
 * the list holds no address, or something else.
 */
int	digest_addr_each(const char *, const char *,
	    int (*)(void *, const char *, const char *), void *,
	    struct dr_error *);
/*
 * The addresses of the configuration (digest { from; to }, digest-to),
 * as digest reads them: each that it would refuse to fn, with the file,
 * the line and why. Returns the number refused.
 */
size_t	digest_conf_check(const struct conf *,
	    void (*)(void *, const char *, int, const char *), void *);

/*
 * Who gets which digest (digest-rcpt.c; dmarcdb(1), DIGEST): one
 * message each. The all-domains list (to) gets every domain, or those
 * of --domain; with teams, each address that only the digest-to of
 * domain blocks names gets those domains (of --domain's, when named),
 * and the addresses that get the same domains share a message.
 */
struct digest_rcpt {
	const char *const	*to;		/* for the To: header */
	size_t			 nto;
	char			**addr;		/* bare, lower case, once */
	size_t			 naddr;
	int			 all;		/* the all-domains list */
	const char		**domains;	/* else these, sorted */
	size_t			 ndomains;
	const char		**own_to;	/* to, if allocated here */
};
struct digest_rcpts {
	struct digest_rcpt	*v;		/* the all-domains list first */
	size_t			 n;
	struct arena		 mem;
};
/*
 * The messages for to (nto address lists, named what in errors; kept,
 * not copied) and, with teams, the digest-to of conf's domain blocks,
 * every address checked; only (nonly): the domains of --domain, if
 * any. The caller frees *out with digest_rcpts_free. -1 with err
 * (DR_E_USAGE) for an address that is not one.
 */
int	digest_rcpts(const struct conf *, const char *const *, size_t,
	    const char *, int, const char *const *, size_t,
	    struct digest_rcpts **, struct dr_error *);
void	digest_rcpts_free(struct digest_rcpts *);

/*
 * Alerts (digest-alert.c; dmarcdb(1), DIGEST): the flags of level
 * DIGEST_ACT of the digest of every domain, for the recipients of one
 * message, and those of them not alerted to every one of those
 * recipients before (the store's digest_alerts). The flags point into
 * the digest.
 */
struct digest_alert {
	const struct digest_flag **raised;	/* now, for them */
	size_t			 nraised;
	const struct digest_flag **fresh;	/* of those, new to one */
	size_t			 nfresh;
};
/* A flag not raised for this long is forgotten: news again. */
#define DIGEST_ALERT_FORGET	(7 * 86400)
/*
 * The flags for naddr recipients (bare addresses): those about one of
 * the domains (ndomains; none: any), and with domainless those about
 * none (the ingest) too. The caller frees a with digest_alert_free. -1
 * with err set.
 */
int	digest_alert_new(struct store *, const struct digest *,
	    const char *const *, size_t, int, char *const *, size_t,
	    struct digest_alert *, struct dr_error *);
/*
 * Record them for those recipients at now: with sent (the message was
 * sent or printed), every flag raised; without, only the last time the
 * flags already alerted were seen. -1 with err set.
 */
int	digest_alert_done(struct store *, const struct digest_alert *,
	    char *const *, size_t, int64_t, int, struct dr_error *);
void	digest_alert_free(struct digest_alert *);
/* "DMARC alert: <the first new flag>, and 2 more" (prefix NULL). */
void	digest_alert_subject(const struct digest_alert *, const char *,
	    char *, size_t);
/*
 * The alert's inbox preview: the new flags after the subject's, then
 * the banner of the digest g.
 */
void	digest_alert_preheader(const struct digest *,
	    const struct digest_alert *, char *, size_t);
/*
 * The alert's two parts, appended to b: the new flags, then the
 * banner, the overview and what to do of the digest of the message's
 * domains. -1 when out of memory.
 */
int	digest_alert_text(const struct digest *, const struct digest_alert *,
	    struct buf *);
int	digest_alert_html(const struct digest *, const struct digest_alert *,
	    const char *, struct buf *);

/*
 * Send a message by SMTP (smtp:// or smtps:// URL, with libcurl): all
 * recipients or none. TLS is required as net.h says, whether or not the
 * URL or ~/.netrc gives credentials; the whole dialogue may take
 * SMTP_TIMEOUT seconds. -1 with err holding the server's reply.
 */
#define SMTP_TIMEOUT	300
struct net_opts;
int	smtp_send(const char *, const struct net_opts *, const char *,
	    char *const *, size_t, const void *, size_t, struct dr_error *);

#endif
