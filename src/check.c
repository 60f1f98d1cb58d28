/*
 * check.c: a domain's records in DNS, audited (check.h).
 *
 * The lookups of a domain go out in two batches (dns.h's dns_batch):
 * first its DMARC record, its organisational domain's, its MX and the
 * DKIM keys of its selectors; then, from what the DMARC record says,
 * the authorisation records of its external report destinations. The
 * SPF tree is walked by spfwalk.c, a level a batch.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "align.h"
#include "check-int.h"
#include "check.h"
#include "conf.h"
#include "dkimkey.h"
#include "dns.h"
#include "store.h"
#include "valid.h"

/* The DMARC records of an answer: 1 one (into out), 0 none, -1 many. */
static int
dmarc_of(const struct dns_ask *a, char *out, size_t len)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < a->n; i++) {
		if (!record_is_dmarc(a->rec[i], strlen(a->rec[i])))
			continue;
		if (n++ == 0)
			snprintf(out, len, "%s", a->rec[i]);
	}
	return n > 1 ? -1 : n;
}

static struct check_key *
key_of(struct check_domain *c, const char *domain, const char *selector)
{
	struct check_key	*k;
	size_t			 i;

	for (i = 0; i < c->nkeys; i++)
		if (strcasecmp(c->key[i].domain, domain) == 0 &&
		    strcmp(c->key[i].selector, selector) == 0)
			return &c->key[i];
	if (c->nkeys == CHECK_SELECTORS || strlen(domain) >= sizeof k->domain ||
	    strlen(selector) >= sizeof k->selector)
		return NULL;
	k = &c->key[c->nkeys++];
	memset(k, 0, sizeof *k);
	memcpy(k->domain, domain, strlen(domain) + 1);
	memcpy(k->selector, selector, strlen(selector) + 1);
	return k;
}

static int
on_selector(void *arg, const char *domain, const char *selector,
    uint64_t seen, uint64_t pass)
{
	struct check_domain	*c = arg;
	struct check_key	*k;
	char			 why[VALID_WHY];

	/* Only names DNS can look up: a report can say anything. */
	if (valid_hostname(domain, why, sizeof why) == -1 ||
	    selector[strspn(selector, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")] != '\0')
		return 0;
	if ((k = key_of(c, domain, selector)) != NULL) {
		k->seen += seen;
		k->pass += pass;
	}
	return 0;
}

/* The selectors: of the reports, then of the configuration. */
static int
selectors(struct check_domain *c, struct store *s, const struct conf *conf,
    const struct check_opts *o, char *why, size_t whylen)
{
	struct dr_error	 err;
	size_t		 i, j, k, n;

	memset(&err, 0, sizeof err);
	if (s != NULL && store_dkim_selectors(s, c->domain, o->from_day,
	    o->to_day, on_selector, c, &err) == -1) {
		snprintf(why, whylen, "%s", err.msg);
		return -1;
	}
	n = conf_nsenders(conf, c->domain);
	for (i = 0; i < n; i++) {
		const struct conf_sender *x = conf_sender(conf, c->domain, i);
		for (j = 0; j < x->ndkims; j++)
			for (k = 0; k < x->dkims[j].nselectors; k++) {
				struct check_key *y = key_of(c,
				    x->dkims[j].domain,
				    x->dkims[j].selectors[k]);
				if (y != NULL)
					y->configured = 1;
			}
	}
	return 0;
}

void
check_key_name(const struct check_key *k, char *out, size_t len)
{
	snprintf(out, len, "%s._domainkey.%s", k->selector, k->domain);
}

/*
 * The TXT lookups of c's keys into v, their names into kname: the
 * number of asks.
 */
static size_t
key_asks(const struct check_domain *c, struct dns_ask *v,
    char (*kname)[400])
{
	size_t	i;

	for (i = 0; i < c->nkeys; i++) {
		check_key_name(&c->key[i], kname[i], sizeof kname[i]);
		v[i].name = kname[i];
		v[i].type = DNS_TXT;
	}
	return c->nkeys;
}

/* The DKIM key of k, as found: its findings. */
static void
key_findings(struct check_domain *c, struct check_key *k,
    const struct dns_ask *a)
{
	struct dkimkey	 key;
	char		 why[300], name[400];
	const char	*r = NULL;
	size_t		 i;

	check_key_name(k, name, sizeof name);
	snprintf(k->cname, sizeof k->cname, "%s", a->cname);
	if (a->status == DNS_FAILED) {
		k->failed = 1;
		finding_add(&c->f, FINDING_ERROR, "receivers cannot verify "
		    "its signatures (temperror)", "check that the DNS servers "
		    "answer", "the DKIM key %s cannot be looked up: %s", name,
		    a->why);
		return;
	}
	for (i = 0; i < a->n; i++)
		if (strstr(a->rec[i], "p=") != NULL) {
			r = a->rec[i];
			break;
		}
	if (r == NULL) {
		k->unusable = "not published";
		finding_add(&c->f, k->seen > k->pass || k->configured ?
		    FINDING_ERROR : FINDING_WARN, "mail signed with it fails "
		    "DKIM", k->seen > 0 ? "publish the key the sender gives "
		    "you, or stop the sender using this selector" :
		    "publish the key, or remove the selector from the "
		    "configuration", "no DKIM key at %s%s", name, k->seen >
		    0 ? " (its signatures are in the reports)" : "");
		return;
	}
	k->found = 1;
	snprintf(k->record, sizeof k->record, "%s", r);
	if (dkimkey_parse(r, &key, why, sizeof why) == -1) {
		k->unusable = "broken";
		finding_add(&c->f, FINDING_ERROR, "receivers cannot use it: "
		    "its signatures fail", "publish the key as the sender "
		    "gives it", "the DKIM key at %s is broken: %s", name, why);
		return;
	}
	k->type = key.type == DKIMKEY_RSA ? "rsa" : key.type ==
	    DKIMKEY_ED25519 ? "ed25519" : "other";
	k->bits = key.bits;
	k->revoked = key.revoked;
	k->testing = key.testing;
	if (key.revoked)
		k->unusable = "revoked";
	else if (key.type == DKIMKEY_OTHER)
		k->unusable = "of a type no verifier knows";
	else if (key.type == DKIMKEY_RSA && key.bits < 1024)
		k->unusable = "under 1024 bits";
	else if (key.sha1_only)
		k->unusable = "for SHA-1 only";
	if (key.revoked)
		finding_add(&c->f, k->seen > 0 ? FINDING_ERROR : FINDING_NOTE,
		    "signatures with it fail", k->seen > 0 ? "sign with the "
		    "new selector, or publish the key again" : "",
		    "the DKIM key at %s is revoked (p= empty)%s", name,
		    k->seen > 0 ? ", and mail is still signed with it" : "");
	else if (key.type == DKIMKEY_OTHER)
		finding_add(&c->f, FINDING_ERROR, "no receiver can verify it",
		    "use k=rsa or k=ed25519", "the DKIM key at %s is of type "
		    "%s", name, key.k);
	else if (key.type == DKIMKEY_RSA && key.bits < 1024)
		finding_add(&c->f, FINDING_ERROR, "receivers ignore RSA keys "
		    "under 1024 bits (RFC 8301): its signatures fail",
		    "publish a 2048-bit key", "the DKIM key at %s has %u bits",
		    name, key.bits);
	else if (key.type == DKIMKEY_RSA && key.bits < 2048)
		finding_add(&c->f, FINDING_WARN, "1024-bit keys are weak; "
		    "2048 is the norm", "publish a 2048-bit key (under a new "
		    "selector)", "the DKIM key at %s has %u bits", name,
		    key.bits);
	if (key.testing)
		finding_add(&c->f, FINDING_WARN, "receivers may treat its "
		    "signatures as unsigned mail", "remove t=y once the "
		    "signatures verify", "the DKIM key at %s is in testing "
		    "(t=y)", name);
	if (key.sha1_only)
		finding_add(&c->f, FINDING_ERROR, "receivers no longer accept "
		    "SHA-1 signatures (RFC 8301)", "allow sha256 (h=sha256, "
		    "or no h=)", "the DKIM key at %s allows only SHA-1 (h=)",
		    name);
}

/* none 0, quarantine 1, reject 2; -1 not set. */
static int
rank(const char *p)
{
	if (p == NULL)
		return -1;
	return strcmp(p, "reject") == 0 ? 2 : strcmp(p, "quarantine") == 0;
}

/*
 * What the record's policy tags say (RFC 7489, RFC 9989): subdomain
 * policies weaker than p, testing, psd=y where there is no public
 * suffix, tags neither RFC knows.
 */
static void
policy_findings(struct check_domain *c, const struct dmarc_record *r)
{
	static const char *const known[] = { "v", "p", "sp", "np", "pct",
	    "t", "adkim", "aspf", "fo", "rf", "ri", "rua", "ruf", "psd" };
	const char	*q, *e;
	int		 p = rank(record_get(r, "p")), sp = rank(record_get(r,
			    "sp")), np = rank(record_get(r, "np"));
	size_t		 i, n;
	char		 tag[32];

	if (sp != -1 && sp < p)
		finding_add(&c->f, FINDING_WARN, "forgers send as its "
		    "subdomains instead", "set sp= to p= (or remove it)",
		    "sp=%s in the DMARC record at %s is weaker than p=%s",
		    record_get(r, "sp"), c->dmarc_at, record_get(r, "p"));
	if (np != -1 && np < p)
		finding_add(&c->f, FINDING_WARN, "forgers send as subdomains "
		    "that do not exist, which no legitimate mail does", "set "
		    "np=reject (RFC 9989)", "np=%s in the DMARC record at %s "
		    "is weaker than p=%s", record_get(r, "np"), c->dmarc_at,
		    record_get(r, "p"));
	if ((q = record_get(r, "t")) != NULL && strcmp(q, "y") == 0)
		finding_add(&c->f, FINDING_NOTE, "RFC 9989 receivers apply one "
		    "level less than p= (testing)", "remove t=y once the step "
		    "holds (dmarcdb advise says when)", "t=y in the DMARC "
		    "record at %s", c->dmarc_at);
	if ((q = record_get(r, "psd")) != NULL && strcmp(q, "y") == 0 &&
	    !align_is_suffix(c->dmarc_at + 7))
		finding_add(&c->f, FINDING_WARN, "psd=y is for public suffix "
		    "operators: receivers that walk the tree (RFC 9989) take "
		    "each subdomain for an organisation of its own, and its "
		    "mail stops aligning with this one", "remove psd=y",
		    "psd=y in the DMARC record at %s, which is not a public "
		    "suffix", c->dmarc_at);
	/* Tags: the text's, as record_parse accepted it. */
	for (q = c->dmarc; *q != '\0'; q = *e ? e + 1 : e) {
		e = q + strcspn(q, ";");
		q += strspn(q, " \t");
		n = strcspn(q, "= \t;");
		if (n == 0 || n >= sizeof tag || q + n > e)
			continue;
		memcpy(tag, q, n);
		tag[n] = '\0';
		for (i = 0; i < sizeof known / sizeof known[0]; i++)
			if (strcasecmp(tag, known[i]) == 0)
				break;
		if (i == sizeof known / sizeof known[0])
			finding_add(&c->f, FINDING_NOTE, "receivers ignore it",
			    "remove it, or correct its name", "%s= in the "
			    "DMARC record at %s is a tag neither RFC 7489 nor "
			    "RFC 9989 has", tag, c->dmarc_at);
	}
}

/* The published DMARC record: what it says, and what it is missing. */
static void
dmarc_findings(struct check_domain *c, const struct conf *conf,
    struct dns_ask *self, struct dns_ask *org, const char *orgname)
{
	const struct conf_domain *cd = conf_domain(conf, c->domain);
	struct dmarc_record	*r;
	char			 why[300], rec[RECORD_MAX + 1];
	const char		*pct;
	int			 n;

	c->dmarc_own = self->status == DNS_FAILED ? -2 : dmarc_of(self, rec,
	    sizeof rec);
	if (c->dmarc_own == -2)
		snprintf(c->dmarc_why, sizeof c->dmarc_why, "%s", self->why);
	if (self->status == DNS_FAILED) {
		finding_add(&c->f, FINDING_ERROR, "receivers cannot apply the "
		    "policy (temperror)", "check that the DNS servers answer",
		    "the DMARC record of %s cannot be looked up: %s",
		    c->domain, self->why);
		return;
	}
	n = dmarc_of(self, rec, sizeof rec);
	if (n == 0 && org != NULL && org->status == DNS_FOUND &&
	    dmarc_of(org, rec, sizeof rec) == 1) {
		snprintf(c->dmarc_at, sizeof c->dmarc_at, "_dmarc.%s",
		    orgname);
		snprintf(c->dmarc, sizeof c->dmarc, "%s", rec);
		finding_add(&c->f, FINDING_NOTE, "receivers apply the "
		    "organisational domain's (its sp= or np=), by the tree "
		    "walk of RFC 9989", "", "%s has no DMARC record of its "
		    "own: _dmarc.%s is used", c->domain, orgname);
	} else if (n == 0) {
		finding_add(&c->f, FINDING_ERROR, "receivers apply no policy "
		    "and send no reports", "publish one: dmarcdb advise says "
		    "which", "%s has no DMARC record", c->domain);
		return;
	} else if (n < 0) {
		finding_add(&c->f, FINDING_ERROR, "receivers apply none of "
		    "them (RFC 7489 section 6.6.3)", "keep one",
		    "_dmarc.%s has several DMARC records", c->domain);
		return;
	} else {
		snprintf(c->dmarc_at, sizeof c->dmarc_at, "_dmarc.%s",
		    c->domain);
		snprintf(c->dmarc, sizeof c->dmarc, "%s", rec);
	}
	if ((r = record_parse(c->dmarc, why, sizeof why)) == NULL) {
		finding_add(&c->f, FINDING_ERROR, "receivers ignore it",
		    "publish the record dmarcdb advise gives", "the DMARC "
		    "record at %s is not valid: %s", c->dmarc_at, why);
		return;
	}
	pct = record_get(r, "pct");
	if (pct != NULL && strcmp(pct, "0") != 0 && strcmp(pct, "100") != 0)
		finding_add(&c->f, FINDING_NOTE, "RFC 9989 has no pct: its "
		    "receivers apply the policy to all failing mail", "use "
		    "t=y (with pct=0) to test a step, and drop other values",
		    "pct=%s in the DMARC record at %s", pct, c->dmarc_at);
	policy_findings(c, r);
	if (record_get(r, "rua") == NULL)
		finding_add(&c->f, FINDING_WARN, "no aggregate reports are "
		    "sent: dmarcdb sees nothing", "add rua=mailto: the "
		    "mailbox dmarcdb reads", "the DMARC record at %s has no "
		    "rua=", c->dmarc_at);
	if (cd != NULL && cd->record != NULL && strcmp(c->dmarc_at + 7,
	    c->domain) == 0) {
		struct dmarc_record *want = record_parse(cd->record, why,
		    sizeof why);
		char a[RECORD_MAX + 1], b[RECORD_MAX + 1];
		if (want != NULL && record_format(r, a, sizeof a) < sizeof a &&
		    record_format(want, b, sizeof b) < sizeof b &&
		    strcmp(a, b) != 0)
			finding_add(&c->f, FINDING_WARN, "advise judges by the "
			    "configuration's record, receivers by DNS",
			    "publish the configuration's record, or update "
			    "the configuration", "the DMARC record at %s is "
			    "not the configuration's (line %d): \"%s\"",
			    c->dmarc_at, cd->line, b);
		record_free(want);
	}
	record_free(r);
}

/*
 * The authorisation records of the DMARC record's report destinations
 * outside the domain's organisation, into names (RFC 7489 section 7.1).
 * Returns how many.
 */
static size_t
external(const struct check_domain *c, char names[][600], size_t room)
{
	struct dmarc_record	*r;
	char			 why[300], dest[8][RECORD_DEST_MAX];
	size_t			 i, n;

	if (c->dmarc[0] == '\0' ||
	    (r = record_parse(c->dmarc, why, sizeof why)) == NULL)
		return 0;
	n = record_external(r, c->domain, dest, room < 8 ? room : 8);
	for (i = 0; i < n; i++)
		snprintf(names[i], 600, "%.255s._report._dmarc.%.253s", c->domain,
		    dest[i]);
	record_free(r);
	return n;
}

static void
mx_findings(struct check_domain *c, const struct dns_ask *a)
{
	size_t	i;

	if (a->status == DNS_FAILED) {
		c->mx_failed = 1;
		finding_add(&c->f, FINDING_WARN, "", "", "the MX of %s cannot "
		    "be looked up: %s", c->domain, a->why);
		return;
	}
	for (i = 0; i < a->n && c->nmx < CHECK_MX; i++) {
		snprintf(c->mx[c->nmx], sizeof c->mx[0], "%s", a->rec[i]);
		c->mx_pref[c->nmx++] = a->pref[i];
	}
	/* RFC 7505: one MX, preference 0, the root. */
	c->null_mx = c->nmx == 1 && c->mx_pref[0] == 0 &&
	    (strcmp(c->mx[0], ".") == 0 || c->mx[0][0] == '\0');
	if (c->null_mx && c->spf.found && strcmp(c->spf.record,
	    "v=spf1 -all") != 0)
		finding_add(&c->f, FINDING_NOTE, "the null MX says it takes no "
		    "mail; a domain that sends none either should say so",
		    "if it sends no mail, publish \"v=spf1 -all\"", "%s has "
		    "a null MX, and its SPF record lets hosts send as it",
		    c->domain);
	if (!c->null_mx && c->spf.found && strcmp(c->spf.record,
	    "v=spf1 -all") == 0)
		finding_add(&c->f, FINDING_NOTE, "a domain that sends no mail "
		    "should say it takes none too", "publish a null MX: "
		    "IN MX 0 . (RFC 7505)", "%s sends no mail (v=spf1 -all), "
		    "and has no null MX", c->domain);
}

/*
 * Keys delegated by CNAME to a name the answer did not follow (an
 * authoritative server answers for its own zones only): looked up
 * again at the target, keeping the CNAME. 0, or -1 (why).
 */
static int
cnames(struct dns *d, struct dns_ask *v, size_t n, char *why, size_t whylen)
{
	struct dns_ask	*w;
	size_t		*ix, i, k = 0;
	int		 rc = -1;

	w = calloc(n ? n : 1, sizeof *w);
	ix = calloc(n ? n : 1, sizeof *ix);
	if (w == NULL || ix == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (v[i].cname[0] != '\0' && v[i].status == DNS_NONE) {
			w[k].name = v[i].cname;
			w[k].type = DNS_TXT;
			ix[k++] = i;
		}
	if (k > 0 && dns_batch(d, w, k, why, whylen) == -1)
		goto out;
	for (i = 0; i < k; i++) {
		struct dns_ask *a = &v[ix[i]];
		char cname[sizeof a->cname];
		memcpy(cname, a->cname, sizeof cname);
		dns_ask_clear(a);
		/* The target's answer, under the name asked. */
		a->status = w[i].status;
		memcpy(a->why, w[i].why, sizeof a->why);
		memcpy(a->rec, w[i].rec, sizeof a->rec);
		a->n = w[i].n;
		w[i].n = 0;
		memcpy(a->cname, cname, sizeof cname);
	}
	rc = 0;
out:
	for (i = 0; i < k && w != NULL; i++)
		dns_ask_clear(&w[i]);
	free(w);
	free(ix);
	return rc;
}

int
check_domain(struct dns *d, struct store *s, const struct conf *conf,
    const char *domain, const struct check_opts *o, struct check_domain *c,
    char *why, size_t whylen)
{
	struct dns_ask	*v;
	char		 dname[300], oname[300], (*ext)[600] = NULL;
	char		 (*kname)[400] = NULL;
	struct check_cover *cov = NULL;
	const char	*org = align_org(domain);
	size_t		 n = 0, i, self, orgi = 0, mxi, k0, next;
	int		 rc = -1, has_org;

	memset(c, 0, sizeof *c);
	snprintf(c->domain, sizeof c->domain, "%s", domain);
	v = calloc(3 + CHECK_SELECTORS + 8, sizeof *v);
	kname = calloc(CHECK_SELECTORS, sizeof *kname);
	ext = calloc(8, sizeof *ext);
	cov = calloc(1, sizeof *cov);
	if (v == NULL || kname == NULL || ext == NULL || cov == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (selectors(c, s, conf, o, why, whylen) == -1)
		goto out;
	snprintf(dname, sizeof dname, "_dmarc.%s", domain);
	snprintf(oname, sizeof oname, "_dmarc.%s", org);
	has_org = strcasecmp(org, domain) != 0;
	self = n;
	v[n].name = dname;
	v[n++].type = DNS_TXT;
	if (has_org) {
		orgi = n;
		v[n].name = oname;
		v[n++].type = DNS_TXT;
	}
	mxi = n;
	v[n].name = domain;
	v[n++].type = DNS_MX;
	k0 = n;
	n += key_asks(c, v + k0, kname);
	if (dns_batch(d, v, n, why, whylen) == -1)
		goto clear;
	/* Not one answer: DNS is down, not the domain's records. */
	for (i = 0; i < n && v[i].status == DNS_FAILED; i++)
		;
	if (i == n) {
		snprintf(why, whylen, "%s", v[0].why);
		goto clear;
	}
	if (check_cover_probes(cov, s, conf, domain, o, why, whylen) == -1 ||
	    spfwalk_with(d, domain, cov->p, cov->n, &c->spf, why, whylen) ==
	    -1)
		goto clear;
	dmarc_findings(c, conf, &v[self], has_org ? &v[orgi] : NULL, org);
	for (i = 0; i < c->spf.f.n; i++)
		if (c->f.n < FINDINGS_MAX)
			c->f.v[c->f.n++] = c->spf.f.v[i];
	check_cover_findings(c, cov);
	if (cnames(d, v + k0, c->nkeys, why, whylen) == -1)
		goto clear;
	for (i = 0; i < c->nkeys; i++)
		key_findings(c, &c->key[i], &v[k0 + i]);
	c->mx_looked = 1;
	mx_findings(c, &v[mxi]);
	for (i = 0; i < n; i++)
		dns_ask_clear(&v[i]);
	/* Then the authorisations of the external report destinations. */
	next = external(c, ext, 8);
	for (i = 0; i < next; i++) {
		memset(&v[i], 0, sizeof v[i]);
		v[i].name = ext[i];
		v[i].type = DNS_TXT;
	}
	n = next;
	if (n > 0 && dns_batch(d, v, n, why, whylen) == -1)
		goto clear;
	for (i = 0; i < next; i++) {
		char rec[RECORD_MAX + 1];
		if (v[i].status == DNS_FAILED)
			finding_add(&c->f, FINDING_WARN, "", "", "the report "
			    "authorisation %s cannot be looked up: %s", ext[i],
			    v[i].why);
		else if (dmarc_of(&v[i], rec, sizeof rec) != 1)
			finding_add(&c->f, FINDING_ERROR, "receivers send no "
			    "reports there (RFC 7489 section 7.1)", "have the "
			    "destination publish it (TXT \"v=DMARC1\")", "the "
			    "report destination's authorisation %s is missing",
			    ext[i]);
	}
	if (check_mta(d, conf, o, c, why, whylen) == -1)
		goto clear;
	rc = 0;
clear:
	for (i = 0; i < n; i++)
		dns_ask_clear(&v[i]);
out:
	free(v);
	free(kname);
	free(ext);
	free(cov);
	return rc;
}

int
check_sending(struct dns *d, struct store *s, const struct conf *conf,
    const char *domain, const struct check_opts *o, struct check_domain *c,
    char *why, size_t whylen)
{
	struct dns_ask	*v;
	char		 (*kname)[400] = NULL;
	size_t		 i, n = 0;
	int		 rc = -1;

	memset(c, 0, sizeof *c);
	c->dmarc_own = -2;	/* not looked up */
	snprintf(c->domain, sizeof c->domain, "%s", domain);
	v = calloc(CHECK_SELECTORS + 1, sizeof *v);
	kname = calloc(CHECK_SELECTORS, sizeof *kname);
	if (v == NULL || kname == NULL) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (selectors(c, s, conf, o, why, whylen) == -1)
		goto out;
	/*
	 * The keys that sign as the domain, with a signature that passed
	 * in the window or named by the configuration: a report can name
	 * any selector, but only the domain's key makes one pass.
	 */
	for (i = 0; i < c->nkeys; i++) {
		const struct check_key *k = &c->key[i];
		if ((k->pass > 0 || k->configured) &&
		    align_match(k->domain, domain, ALIGN_RELAXED))
			c->key[n++] = *k;
	}
	c->nkeys = n;
	n = key_asks(c, v, kname);
	if (n > 0 && (dns_batch(d, v, n, why, whylen) == -1 ||
	    cnames(d, v, n, why, whylen) == -1))
		goto clear;
	for (i = 0; i < n; i++)
		key_findings(c, &c->key[i], &v[i]);
	if (spfwalk(d, domain, &c->spf, why, whylen) == -1)
		goto clear;
	/* Not one answer: DNS is down, not the domain's records. */
	for (i = 0; i < n && v[i].status == DNS_FAILED; i++)
		;
	if (i == n && c->spf.failed[0] != '\0') {
		snprintf(why, whylen, "%s", c->spf.failed);
		goto clear;
	}
	rc = 0;
clear:
	for (i = 0; i < n; i++)
		dns_ask_clear(&v[i]);
out:
	free(v);
	free(kname);
	return rc;
}

int
check_worst(const struct check_domain *c)
{
	int	w = FINDING_NOTE + 1;
	size_t	i;

	for (i = 0; i < c->f.n; i++)
		if ((int)c->f.v[i].level < w)
			w = (int)c->f.v[i].level;
	return w;
}
