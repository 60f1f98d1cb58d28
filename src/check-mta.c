/*
 * check-mta.c: a domain's MTA-STS, TLS-RPT and verification records,
 * audited (check-mta.h).
 *
 * One batch asks for _mta-sts.DOMAIN TXT, _smtp._tls.DOMAIN TXT, the
 * addresses of mta-sts.DOMAIN and the apex TXT records. The policy is
 * fetched when the record is published, or when mta-sts.DOMAIN has an
 * address (a policy served without its record is said), from the
 * addresses found (fetch.h): the configured resolver decides, as for
 * every other lookup of check.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "check-mta.h"
#include "conf.h"
#include "dns.h"
#include "fetch.h"
#include "mtasts.h"
#include "verif.h"

#define MTA_ADDRS	16

/* A record of the version: "v=STSv1" then the end, ';' or a space. */
static int
has_version(const char *r, const char *v)
{
	size_t	n = strlen(v);

	return strncmp(r, v, n) == 0 && (r[n] == '\0' || r[n] == ';' ||
	    r[n] == ' ' || r[n] == '\t');
}

/* The records of a of the version: 1 one (into out), 0 none, -1 many. */
static int
one_record(const struct dns_ask *a, const char *v, char *out, size_t len)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < a->n; i++) {
		if (!has_version(a->rec[i], v))
			continue;
		if (n++ == 0)
			snprintf(out, len, "%s", a->rec[i]);
	}
	if (n != 1)
		out[0] = '\0';
	return n > 1 ? -1 : n;
}

/*
 * The _mta-sts record: one of version STSv1 into m->record ("" none or
 * several), its id into m->id when it is valid.
 */
static void
sts_record(struct check_domain *c, const struct dns_ask *a)
{
	struct check_mta	*m = &c->mta;
	char			 why[200];
	int			 n;

	if (a->status == DNS_FAILED) {
		finding_add(&c->f, FINDING_WARN, "", "", "the MTA-STS record "
		    "_mta-sts.%s cannot be looked up: %s", c->domain, a->why);
		return;
	}
	n = one_record(a, "v=STSv1", m->record, sizeof m->record);
	m->record_known = n >= 0;
	if (n < 0) {
		finding_add(&c->f, FINDING_ERROR, "senders apply none of them "
		    "(RFC 8461 section 3.1)", "keep one", "_mta-sts.%s has "
		    "several MTA-STS records", c->domain);
		return;
	}
	if (n == 1 && mtasts_record(m->record, m->id, why, sizeof why) == -1)
		finding_add(&c->f, FINDING_ERROR, "senders ignore it, and "
		    "apply no policy", "publish \"v=STSv1; id=\" and 1 to 32 "
		    "letters and digits", "the MTA-STS record at _mta-sts.%s "
		    "is not valid: %s", c->domain, why);
}

/* The _smtp._tls record; mta: MTA-STS is published. */
static void
tlsrpt(struct check_domain *c, const struct dns_ask *a, int mta)
{
	struct check_mta	*m = &c->mta;
	char			 why[200];
	int			 n;

	if (a->status == DNS_FAILED) {
		finding_add(&c->f, FINDING_WARN, "", "", "the TLS-RPT record "
		    "_smtp._tls.%s cannot be looked up: %s", c->domain,
		    a->why);
		return;
	}
	n = one_record(a, "v=TLSRPTv1", m->tlsrpt, sizeof m->tlsrpt);
	m->tlsrpt_known = n >= 0;
	if (n < 0)
		finding_add(&c->f, FINDING_ERROR, "senders send no TLS reports "
		    "(RFC 8460 section 3)", "keep one", "_smtp._tls.%s has "
		    "several TLS-RPT records", c->domain);
	else if (n == 0 && mta)
		finding_add(&c->f, FINDING_NOTE, "no sender tells you when TLS "
		    "to your MX fails", "publish _smtp._tls TXT \"v=TLSRPTv1; "
		    "rua=mailto:\" and a mailbox", "%s publishes MTA-STS, and "
		    "no TLS-RPT record", c->domain);
	else if (n == 1 && tlsrpt_record(m->tlsrpt, why, sizeof why) == -1)
		finding_add(&c->f, FINDING_ERROR, "senders send no TLS reports",
		    "publish \"v=TLSRPTv1; rua=\" and mailto: or https: "
		    "destinations", "the TLS-RPT record at _smtp._tls.%s is "
		    "not valid: %s", c->domain, why);
	else if (n == 1)
		m->nrua = tlsrpt_rua(m->tlsrpt, m->rua, CHECK_RUA);
}

static int
by_service(const void *a, const void *b)
{
	const struct check_verif	*x = a, *y = b;
	int				 d;

	d = strcmp(x->service, y->service);
	return d != 0 ? d : strcmp(x->record, y->record);
}

/*
 * The verification records among the apex's TXT records, by service
 * (a resolver may give records in any order).
 */
static void
verifications(struct check_domain *c, const struct dns_ask *a)
{
	struct check_mta	*m = &c->mta;
	const char		*s;
	size_t			 i;

	for (i = 0; i < a->n && m->nverif < CHECK_VERIF; i++) {
		if ((s = verif_service(a->rec[i])) == NULL)
			continue;
		m->verif[m->nverif].service = s;
		snprintf(m->verif[m->nverif++].record, VERIF_RECORD_MAX + 1,
		    "%s", a->rec[i]);
	}
	qsort(m->verif, m->nverif, sizeof m->verif[0], by_service);
}

/* A fetch that brought no policy: its finding. */
static void
fetch_findings(struct check_domain *c, const struct fetch_doc *d,
    const char *url)
{
	switch (d->status) {
	case FETCH_OK:
		break;
	case FETCH_FAILED:
		if (d->cert)
			finding_add(&c->f, FINDING_ERROR, "senders refuse a "
			    "certificate that is not valid for the name, and "
			    "apply no policy", "serve a certificate for the "
			    "name from a public CA", "the MTA-STS policy at "
			    "%s cannot be fetched: %s", url, d->why);
		else
			finding_add(&c->f, FINDING_ERROR, "senders apply no "
			    "policy", "serve the policy there, over HTTPS",
			    "the MTA-STS policy at %s cannot be fetched: %s",
			    url, d->why);
		break;
	case FETCH_HTTP:
		if (d->http >= 300 && d->http < 400)
			finding_add(&c->f, FINDING_ERROR, "senders follow no "
			    "redirect (RFC 8461 section 3.3), and apply no "
			    "policy", "serve the policy itself at the URL",
			    "the MTA-STS policy at %s is a redirect (HTTP "
			    "%ld) to %s", url, d->http, *d->location ?
			    d->location : "nowhere");
		else
			finding_add(&c->f, FINDING_ERROR, "senders apply no "
			    "policy", "serve the policy there, with HTTP "
			    "status 200", "the MTA-STS policy at %s cannot be "
			    "fetched: HTTP %ld", url, d->http);
		break;
	case FETCH_TOOBIG:
		finding_add(&c->f, FINDING_ERROR, "senders read at most 64 KB "
		    "(RFC 8461 section 3.3), and apply no policy", "serve "
		    "the policy alone", "the MTA-STS policy at %s is %s", url,
		    d->why);
		break;
	}
}

/* A policy read: what it says, and the MX it covers. */
static void
policy_findings(struct check_domain *c, const char *url)
{
	const struct mtasts_policy	*p = &c->mta.pol;
	size_t				 i, j;
	int				 hit;

	if (p->mode == MTASTS_NONE)
		finding_add(&c->f, FINDING_WARN, "senders apply no policy: "
		    "mode none withdraws MTA-STS", "use testing, then "
		    "enforce; or remove the record, then the policy",
		    "the MTA-STS policy of %s is in mode none", c->domain);
	else if (p->mode == MTASTS_TESTING)
		finding_add(&c->f, FINDING_NOTE, "senders deliver when TLS "
		    "fails, and report it (TLS-RPT)", "enforce once the TLS "
		    "reports are clean", "the MTA-STS policy of %s is in mode "
		    "testing", c->domain);
	if (p->max_age < 86400)
		finding_add(&c->f, FINDING_WARN, "senders forget it soon, and "
		    "an attacker who strips TLS need not wait long; RFC 8461 "
		    "suggests weeks", "max_age 604800 (a week) or more, once "
		    "stable", "the MTA-STS policy at %s has max_age %ld (less "
		    "than a day)", url, p->max_age);
	if (p->mode == MTASTS_NONE || c->null_mx)
		return;
	for (i = 0; i < c->nmx; i++) {
		for (j = 0, hit = 0; j < p->nmx && !hit; j++)
			hit = mtasts_mx_match(p->mx[j], c->mx[i]);
		if (hit)
			continue;
		if (p->mode == MTASTS_ENFORCE)
			finding_add(&c->f, FINDING_ERROR, "senders that "
			    "enforce the policy deliver nothing to it", "add "
			    "\"mx: HOST\" to the policy, and change the id",
			    "the MX %s of %s is not covered by its MTA-STS "
			    "policy", c->mx[i], c->domain);
		else
			finding_add(&c->f, FINDING_WARN, "once the policy is "
			    "enforced, senders deliver nothing to it", "add "
			    "\"mx: HOST\" to the policy, and change the id",
			    "the MX %s of %s is not covered by its MTA-STS "
			    "policy", c->mx[i], c->domain);
	}
	for (j = 0; j < p->nmx && c->nmx > 0; j++) {
		for (i = 0, hit = 0; i < c->nmx && !hit; i++)
			hit = mtasts_mx_match(p->mx[j], c->mx[i]);
		if (!hit)
			finding_add(&c->f, FINDING_NOTE, "", "remove it if it "
			    "is left over", "the MTA-STS policy of %s names "
			    "mx %s, which matches none of its MX", c->domain,
			    p->mx[j]);
	}
}

/*
 * Fetch the policy and read it; rec: the record is published. 0, or -1
 * when memory runs out (why).
 */
static int
fetch_policy(struct check_domain *c, const struct conf *conf,
    const struct check_opts *o, const char *const *addrs, size_t naddrs,
    int rec, char *why, size_t whylen)
{
	struct check_mta	*m = &c->mta;
	struct fetch_opts	 fo;
	struct fetch_doc	 d;
	char			 url[300], reason[300];
	const char		*ct;

	snprintf(url, sizeof url, "https://mta-sts.%s/.well-known/"
	    "mta-sts.txt", c->domain);
	memset(&fo, 0, sizeof fo);
	fo.ca_file = o->ca_file;
	fo.connect_to = conf->connect_to;
	fo.nconnect_to = conf->nconnect_to;
	fo.max = MTASTS_POLICY_MAX;
	if (fetch_https(url, addrs, naddrs, &fo, &d) == -1) {
		snprintf(why, whylen, "%s: %s", url, d.why);
		fetch_doc_clear(&d);
		return -1;
	}
	if (d.status != FETCH_OK) {
		/* Without the record, nothing is served: nothing to say. */
		if (rec)
			fetch_findings(c, &d, url);
		fetch_doc_clear(&d);
		return 0;
	}
	if (mtasts_policy(d.body, d.len, &m->pol, reason, sizeof reason) ==
	    -1) {
		if (rec)
			finding_add(&c->f, FINDING_ERROR, "senders apply no "
			    "policy", "serve \"version: STSv1\", mode, mx and "
			    "max_age lines", "the MTA-STS policy at %s is not "
			    "valid: %s", url, reason);
		fetch_doc_clear(&d);
		return 0;
	}
	fetch_doc_clear(&d);
	m->policy = 1;
	snprintf(m->fetched_from, sizeof m->fetched_from, "%s", url);
	ct = d.content_type;
	if (strncasecmp(ct, "text/plain", 10) != 0 || (ct[10] != '\0' &&
	    ct[10] != ';' && ct[10] != ' '))
		finding_add(&c->f, FINDING_NOTE, "RFC 8461 section 3.2 says "
		    "text/plain; a strict sender may refuse it", "serve it as "
		    "text/plain", "the MTA-STS policy at %s is served as "
		    "\"%s\", not text/plain", url, *ct ? ct : "nothing");
	if (!rec)
		finding_add(&c->f, FINDING_WARN, "senders fetch a policy only "
		    "when the record says so", "publish _mta-sts TXT "
		    "\"v=STSv1; id=\" and an id", "an MTA-STS policy is served "
		    "at %s, and %s has no valid MTA-STS record", url,
		    c->domain);
	policy_findings(c, url);
	return 0;
}

int
check_mta(struct dns *d, const struct conf *conf, const struct check_opts *o,
    struct check_domain *c, char *why, size_t whylen)
{
	struct fetch_opts	 fo;
	struct dns_ask		 v[5];
	char			 sts[300], tls[300], host[300], fix[400];
	const char		*addrs[MTA_ADDRS];
	size_t			 i, k, naddrs = 0;
	int			 rc = -1, rec, reachable, failed = 0;

	memset(v, 0, sizeof v);
	snprintf(sts, sizeof sts, "_mta-sts.%s", c->domain);
	snprintf(tls, sizeof tls, "_smtp._tls.%s", c->domain);
	snprintf(host, sizeof host, "mta-sts.%s", c->domain);
	v[0].name = sts;
	v[0].type = DNS_TXT;
	v[1].name = tls;
	v[1].type = DNS_TXT;
	v[2].name = host;
	v[2].type = DNS_A;
	v[3].name = host;
	v[3].type = DNS_AAAA;
	v[4].name = c->domain;
	v[4].type = DNS_TXT;
	if (dns_batch(d, v, 5, why, whylen) == -1)
		goto out;
	sts_record(c, &v[0]);
	rec = c->mta.record[0] != '\0';
	tlsrpt(c, &v[1], rec);
	verifications(c, &v[4]);
	/* mta-sts.DOMAIN: its addresses, a CNAME to follow, a mapping. */
	for (k = 2; k <= 3; k++) {
		failed += v[k].status == DNS_FAILED;
		for (i = 0; i < v[k].n && naddrs < MTA_ADDRS; i++)
			addrs[naddrs++] = v[k].rec[i];
	}
	memset(&fo, 0, sizeof fo);
	fo.connect_to = conf->connect_to;
	fo.nconnect_to = conf->nconnect_to;
	reachable = naddrs > 0 || v[2].cname[0] != '\0' ||
	    v[3].cname[0] != '\0' || fetch_maps(&fo, host, 443);
	if (rec && !reachable) {
		snprintf(fix, sizeof fix, "serve the policy at https://%s/"
		    ".well-known/mta-sts.txt, or remove the record", host);
		if (failed)
			finding_add(&c->f, FINDING_WARN, "", "", "the address "
			    "of %s cannot be looked up: %s", host,
			    v[2].status == DNS_FAILED ? v[2].why : v[3].why);
		else
			finding_add(&c->f, FINDING_ERROR, "senders cannot "
			    "fetch the policy, and apply none", fix, "%s "
			    "publishes MTA-STS, and %s has no address",
			    c->domain, host);
	} else if (reachable &&
	    fetch_policy(c, conf, o, addrs, naddrs, rec, why, whylen) == -1)
		goto out;
	rc = 0;
out:
	for (i = 0; i < 5; i++)
		dns_ask_clear(&v[i]);
	return rc;
}
