/*
 * catalogue.h: the services that send mail for their customers
 * (dmarcdb(1), SERVICES): shipped as data/services.conf, in the
 * configuration's syntax, and extended or overridden by "service"
 * blocks of the configuration (same name: the configuration's wins):
 *
 *	service "SendGrid" {
 *		kind esp;
 *		dkim sendgrid.net;	# its own signing domains
 *		spf sendgrid.net;	# its MAIL FROM (Return-Path) domains
 *		ptr sendgrid.net;	# suffixes of its PTR names
 *		as 11377;		# AS numbers of its networks
 *		as shared 15169;	# one that others may claim too
 *		fix "set up custom DKIM for YOURDOMAIN in SendGrid: Settings > Sender Authentication";
 *	}
 *
 * A match says what the evidence proves: that the service sends for
 * the policy domain (an aligned pass and evidence of the service),
 * that it authenticates but as another customer or itself, or only
 * that the address is in its network (anyone can use a shared ESP).
 */
#ifndef DR_CATALOGUE_H
#define DR_CATALOGUE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct conf;

/*
 * Where the shipped catalogue is installed: $(pkgdatadir)/services.conf,
 * compiled in by the Makefile.
 */
#ifndef CATALOGUE_PATH
#define CATALOGUE_PATH		"/usr/local/share/dmarcdb/services.conf"
#endif
/* The largest catalogue file read. */
#define CATALOGUE_MAX_BYTES	(4 * 1024 * 1024)
/* The longest fix. */
#define CATALOGUE_FIX_MAX	240

enum svc_kind {
	SVC_ESP, SVC_CRM, SVC_MARKETING, SVC_HELPDESK, SVC_MAILBOX,
	SVC_GATEWAY, SVC_LIST, SVC_FORWARDER, SVC_OTHER,
};

struct svc {
	char		 *name;
	enum svc_kind	  kind;
	char		**dkims;	/* domains: each or a subdomain */
	size_t		  ndkims;
	char		**spfs;
	size_t		  nspfs;
	char		**ptrs;		/* name suffixes, on a label edge */
	size_t		  nptrs;
	uint32_t	 *asns;
	size_t		  nasns;
	char		 *fix;		/* YOURDOMAIN stands for the domain;
					   NULL: none */
	char		**shared;	/* "as 15169", "ptr google.com": rule
					   values marked shared, which other
					   services may claim too */
	size_t		  nshared;
	const char	 *file;		/* where it was defined */
	int		  line;
};

struct catalogue;

/*
 * The services of the file at path (NULL: $DMARCDB_SERVICES, else the
 * configuration's "services" statement, else CATALOGUE_PATH), then the
 * configuration's service blocks (c may be NULL): one with the name of
 * a file's service replaces it, in its place; the others follow in
 * their order. Errors name file and line. The catalogue points into c,
 * which must outlive it. Free with catalogue_free (NULL is fine).
 */
int	 catalogue_load(const char *, const struct conf *,
	    struct catalogue **, struct dr_error *);
void	 catalogue_free(struct catalogue *);
size_t	 catalogue_count(const struct catalogue *);
const struct svc *catalogue_get(const struct catalogue *, size_t);
/* The service of that name (exactly), or NULL (cat NULL: none). */
const struct svc *catalogue_find(const struct catalogue *, const char *);
/*
 * The service's fix for a domain (YOURDOMAIN replaced by it) into out,
 * cut to fit: 0, or -1 (out "") when the service has none.
 */
int	 svc_fix(const struct svc *, const char *, char *, size_t);
/* The file the catalogue was read from (never NULL). */
const char *catalogue_file(const struct catalogue *);

/*
 * Check a catalogue as the shipped one must be: no rule value (DKIM or
 * SPF domain, PTR suffix, AS number) of two services unless each marks
 * it shared, and every fix mentions YOURDOMAIN. Returns 0, or -1 with
 * the first problem (file, line, service) in err.
 */
int	 catalogue_lint(const struct catalogue *, struct dr_error *);

/* A passing DKIM or SPF identity of a source. */
struct svc_auth {
	const char	*domain;
	const char	*selector;	/* DKIM; NULL for SPF or unknown */
	int		 aligned;	/* with the policy domain */
};

struct svc_evidence {
	const struct svc_auth	*dkims;		/* passing DKIM */
	size_t			 ndkims;
	const struct svc_auth	*spfs;		/* passing SPF */
	size_t			 nspfs;
	const char		*ptr;		/* forward-confirmed, or NULL */
	uint32_t		 asn;		/* 0: unknown */
};

enum svc_how {
	SVC_NONE,		/* no service */
	SVC_FOR_US,		/* the service, authenticating as us */
	SVC_OTHER_CUSTOMER,	/* the service's own or another domain */
	SVC_NETWORK,		/* only the address is the service's */
};

struct svc_match {
	const struct svc	*svc;	/* NULL with SVC_NONE */
	enum svc_how		 how;
	char			 by[128];	/* the evidence, one phrase:
						   "DKIM sendgrid.net";
						   holds domains from reports:
						   sanitise before output */
};

/*
 * The service a source's evidence names: the strongest match, ranked by
 * how (FOR_US, OTHER_CUSTOMER, NETWORK), then the kind of evidence
 * (DKIM, SPF, PTR, AS), then the longest rule value, then the
 * catalogue's order, then the evidence's order. Never fails; domains
 * are compared without case and a final dot.
 */
void	 catalogue_match(const struct catalogue *, const struct svc_evidence *,
	    struct svc_match *);

const char *svc_kind_name(enum svc_kind);
/* The kind named (as in the file: "esp"), or -1 if none. */
int	 svc_kind_parse(const char *);
/* All kind names, "esp, crm, ... or other", for messages. */
#define SVC_KIND_NAMES	"esp, crm, marketing, helpdesk, mailbox, gateway, " \
	"list, forwarder or other"

#endif
