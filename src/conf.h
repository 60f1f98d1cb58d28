/*
 * conf.h: the configuration file (dmarcdb.conf(5) in dmarcdb(1),
 * CONFIGURATION): authorised senders per domain, advice thresholds and
 * the digest's addresses.
 *
 *	thresholds { min-days 14; pass 99; }
 *	default {
 *		sender "Google Workspace" { spf _spf.google.com; }
 *	}
 *	domain example.com example.net {
 *		record "v=DMARC1; p=none; rua=mailto:dmarc@example.com";
 *		sender "our MTA" { ip 192.0.2.0/24 2001:db8::/32; }
 *		sender "Mailchimp" { dkim example.com selector k1 k2; }
 *	}
 *	domain example.org { digest-to "Web team <web@example.com>"; }
 *	digest { from dmarc@example.com; to ops@example.com; }
 *	limits { domains 20; dns-lookups 50; }
 *	location-db /var/lib/location/database.db;
 *	services /usr/local/share/dmarcdb/services.conf;
 *	service "Helpdeskly" { kind helpdesk; spf mail.helpdeskly.com; }
 *	resolver 127.0.0.1:5353 [::1]:5353;
 *	resolver-timeout 2000;
 *	ca-file /etc/dmarcdb/ca.pem;
 *	connect-to mta-sts.example.com:443:127.0.0.1:8443;
 *
 * Statements end in ';', blocks are in braces, '#' starts a comment,
 * words may be quoted with "" (with \" and \\ inside).
 */
#ifndef DR_CONF_H
#define DR_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "catalogue.h"
#include "cidr.h"
#include "error.h"
#include "rdns.h"

/* Where the configuration is looked for when none is named. */
#define CONF_DEFAULT_PATH	"/etc/dmarcdb.conf"
/* The largest configuration file read. */
#define CONF_MAX_BYTES		(4 * 1024 * 1024)

struct conf_dkim {
	char		*domain;	/* the domain or any subdomain */
	char		**selectors;	/* none: any selector */
	size_t		 nselectors;
};

struct conf_sender {
	char			*name;
	int			 line;
	struct cidr		*ips;
	size_t			 nips;
	struct conf_dkim	*dkims;
	size_t			 ndkims;
	char			**spfs;		/* MAIL FROM domains */
	size_t			 nspfs;
};

/* Advice thresholds, percentages as 0 to 100. */
struct conf_thresholds {
	unsigned	window;		/* days of data judged */
	unsigned	min_days;	/* days at a stage before the next */
	uint64_t	min_messages;	/* in the window, to judge at all */
	double		pass;		/* authorised mail passing DMARC */
	double		step_back;	/* below this when enforcing: back */
	double		dkim;		/* each sender's aligned DKIM share */
	double		significant;	/* share of mail worth naming */
	int		partial_pct;	/* offer pct=10..50 (stage 2) */
	/* Failing mail of an unknown sender that authenticates as
	   another domain, from which it blocks enforcement: both. */
	uint64_t	unverified_messages;
	double		unverified_share;
	/* An authorised sender's mail quarantined or rejected by the
	   receivers, from which enforcing steps back: both. */
	uint64_t	harm_messages;
	double		harm;
};

struct conf_domain {
	char			**names;	/* NULL for the default */
	size_t			 nnames;
	int			 line;
	char			*record;	/* the published TXT record */
	struct conf_sender	*senders;
	size_t			 nsenders;
	struct conf_thresholds	 th;
	unsigned		 th_set;	/* bit per threshold set here */
	/*
	 * Senders acknowledged (dmarcdb(1), ADVICE): by the name sources
	 * gives them (a service, or the domain they authenticate as).
	 */
	char			**not_ours;	/* not-ours "...";: not ours */
	size_t			 nnot_ours;
	char			**forwarders;	/* forwarder "...";: forwards */
	size_t			 nforwarders;
	/*
	 * digest-to ...;: who gets the digest of these domains (and of
	 * no other, unless digest { to } names them too).
	 */
	char			**digest_to;
	size_t			 ndigest_to;
	int			 line_digest_to;
};

struct conf_digest {
	char		*from;
	char		**to;
	size_t		 nto;
	char		*subject;
	char		*smtp;
	char		*ca_file;	/* for smtp, or NULL */
	int		 allow_cleartext;	/* for smtp: 1 yes, 0 no */
	int		 line_ca_file;	/* where ca-file was set */
	int		 line_from, line_to;	/* the last from, to */
};

/*
 * What domains that anyone can put in a report may cost (dmarcdb(1),
 * DOMAINS): without a configured domain, the report commands cover at
 * most this many domains, the largest; and a run looks up at most this
 * many records in DNS.
 */
#define CONF_DOMAINS		20
#define CONF_DNS_LOOKUPS	50
struct conf_limits {
	unsigned	domains;
	unsigned	dns_lookups;
};

struct conf {
	char			*path;		/* NULL: no file */
	unsigned char		 sha256[32];	/* SHA256_LEN */	/* of the file's bytes */
	struct conf_domain	 deflt;
	struct conf_domain	*domains;
	size_t			 ndomains;
	struct conf_digest	 digest;
	struct conf_limits	 limits;
	char			*location_db;	/* NULL: GEO_DEFAULT_PATH */
	/* Named services (catalogue.h): the service blocks, in order. */
	struct svc		*services;
	size_t			 nservices;
	char			*services_file;	/* "services": or NULL */
	int			 services_line;
	/* resolver, resolver-timeout; then $DMARCDB_RESOLVER (conf_load) */
	struct rdns_conf	 resolver;
	/*
	 * HTTPS fetches (fetch.h: check's MTA-STS policies): ca-file, the
	 * CAs trusted instead of the system's (NULL), and connect-to, each
	 * "HOST:PORT:ADDR:PORT" checked by fetch_connect_to_check.
	 */
	char			*ca_file;
	int			 line_ca_file;
	char			**connect_to;
	size_t			 nconnect_to;
};

/*
 * Read the configuration: the file named, else $DMARCDB_CONFIG, else
 * CONF_DEFAULT_PATH if it exists, else none (an empty configuration
 * with conf->path NULL). A file named but missing is an error. Errors
 * name file, line and what was expected. $DMARCDB_RESOLVER, when
 * set, replaces the resolvers named (rdns_conf_env). The caller frees
 * *out with conf_free.
 */
int	 conf_load(const char *, struct conf **, struct dr_error *);
/* Parse configuration text; name is used in messages. */
int	 conf_parse(const char *, const char *, size_t, struct conf **,
	    struct dr_error *);
void	 conf_free(struct conf *);
/*
 * Parse a catalogue of services (data/services.conf): a file of service
 * blocks only, into (*out)->services. The caller frees *out with
 * conf_free.
 */
int	 conf_parse_services(const char *, const char *, size_t,
	    struct conf **, struct dr_error *);

/* The block for a policy domain, or NULL if only the default applies. */
const struct conf_domain *conf_domain(const struct conf *, const char *);

/* The largest window threshold of any domain (or the default). */
unsigned conf_max_window(const struct conf *);

/* The thresholds in force for a domain (its block over the defaults). */
void	 conf_thresholds(const struct conf *, const char *,
	    struct conf_thresholds *);

/*
 * The senders that apply to a domain: its own block's, then the
 * default's. conf_sender takes an index below conf_nsenders.
 */
size_t	 conf_nsenders(const struct conf *, const char *);
const struct conf_sender *conf_sender(const struct conf *, const char *,
	    size_t);

/*
 * What the configuration says of a sender named name (a service, or a
 * domain) for a domain, in its block or the default's: CONF_NOT_OURS,
 * CONF_FORWARDER, or CONF_UNLABELLED. Names compare without case.
 */
enum conf_label { CONF_UNLABELLED, CONF_NOT_OURS, CONF_FORWARDER };
enum conf_label conf_label(const struct conf *, const char *, const char *);

/*
 * 1 if a domain from a report matches the domain of a dkim or spf rule:
 * the same name, or, for a rule "*.esp.example", any subdomain of
 * esp.example (not esp.example itself). Shared infrastructure is why:
 * "spf sendgrid.net" must not authorise em1.attacker.sendgrid.net.
 */
int	 conf_rule_domain(const char *, const char *);

/* 1 if domain is d or a subdomain of d. */
int	 conf_domain_within(const char *, const char *);

#endif
