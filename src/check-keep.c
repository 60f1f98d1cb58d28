/*
 * check-keep.c: what dmarcdb check found in DNS, kept with its time
 * (check.h, check_keep; store.h, store_dns_seen).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "store.h"

/* One record kept: a change noted in c. 0, or -1 (err). */
static int
keep(struct store *s, struct check_domain *c, const char *kind,
    const char *name, const char *value, int64_t now, struct dr_error *err)
{
	struct store_dns_seen	 seen;
	struct check_change	*x;

	if (store_dns_seen(s, c->domain, kind, name, value, now, &seen, err)
	    == -1)
		return -1;
	if (seen.was != NULL && c->nchanges < CHECK_CHANGES) {
		x = &c->change[c->nchanges++];
		x->kind = kind;
		snprintf(x->name, sizeof x->name, "%s", name);
		x->on = seen.changed;
		snprintf(x->was, sizeof x->was, "%s", seen.was);
	}
	free(seen.was);
	return 0;
}

int
check_keep(struct store *s, struct check_domain *c, int64_t now,
    struct dr_error *err)
{
	char	name[400], mx[CHECK_MX * 270];
	size_t	i, o;

	c->nchanges = 0;
	snprintf(name, sizeof name, "_dmarc.%s", c->domain);
	/* The domain's own record, or none (never the one found above). */
	if ((c->dmarc_own == 1 || c->dmarc_own == 0) && keep(s, c, "dmarc",
	    name, c->dmarc_own == 1 && strcmp(c->dmarc_at, name) == 0 ?
	    c->dmarc : "", now, err) == -1)
		return -1;
	if (c->spf.failed[0] == '\0' && keep(s, c, "spf", c->domain,
	    c->spf.record, now, err) == -1)
		return -1;
	for (i = 0; i < c->nkeys; i++) {
		const struct check_key *k = &c->key[i];
		if (k->failed)
			continue;
		check_key_name(k, name, sizeof name);
		if (keep(s, c, "dkim", name, k->record, now, err) == -1)
			return -1;
	}
	if (c->mx_looked && !c->mx_failed) {
		for (i = 0, o = 0; i < c->nmx; i++)
			o += (size_t)snprintf(mx + o, sizeof mx - o, "%s%u %s",
			    i ? ", " : "", c->mx_pref[i], c->mx[i]);
		if (c->nmx == 0)
			mx[0] = '\0';
		if (keep(s, c, "mx", c->domain, mx, now, err) == -1)
			return -1;
	}
	snprintf(name, sizeof name, "_mta-sts.%s", c->domain);
	if (c->mta.record_known && keep(s, c, "mta-sts", name, c->mta.record,
	    now, err) == -1)
		return -1;
	snprintf(name, sizeof name, "_smtp._tls.%s", c->domain);
	if (c->mta.tlsrpt_known && keep(s, c, "tls-rpt", name, c->mta.tlsrpt,
	    now, err) == -1)
		return -1;
	return 0;
}

void
check_record_what(const char *domain, const char *kind, const char *name,
    char *out, size_t len)
{
	static const struct {
		const char	*kind, *what;
	} t[] = {
		{ "dmarc", "DMARC record" }, { "spf", "SPF record" },
		{ "mta-sts", "MTA-STS record" }, { "tls-rpt", "TLS-RPT record" },
	};
	size_t	i;

	if (strcmp(kind, "dkim") == 0) {
		snprintf(out, len, "the DKIM key at %s", name);
		return;
	}
	if (strcmp(kind, "mx") == 0) {
		snprintf(out, len, "the MX of %s", domain);
		return;
	}
	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcmp(kind, t[i].kind) == 0)
			break;
	snprintf(out, len, "the %s of %s", i < sizeof t / sizeof t[0] ?
	    t[i].what : kind, domain);
}
