/*
 * lint.c: what in a configuration is valid but wrong (lint.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lint.h"

/*
 * SPF records that are include: targets of the big mailbox providers
 * and services, never anyone's MAIL FROM domain.
 */
static const char *const spf_records[] = {
	"_spf.google.com", "_netblocks.google.com", "spf.protection.outlook.com",
	"servers.mcsv.net", "_spf.salesforce.com", "spf.mandrillapp.com",
	"amazonses.com.spf", "_spf.mlsend.com", "spf.sendinblue.com",
	"_spf.createsend.com", "mail.zendesk.com.spf",
};

int
lint_spf_record_name(const char *d)
{
	size_t	i;

	if (d == NULL)
		return 0;
	if (strncmp(d, "*.", 2) == 0)
		d += 2;
	for (i = 0; i < sizeof spf_records / sizeof spf_records[0]; i++)
		if (strcasecmp(d, spf_records[i]) == 0)
			return 1;
	/* "_spf.example.com", "spf1.example.net": a record's name. */
	return strncasecmp(d, "_spf", 4) == 0 || (strncasecmp(d, "spf", 3) ==
	    0 && (d[3] == '.' || (d[3] >= '0' && d[3] <= '9')));
}

/* The service whose own domains (DKIM or SPF) hold d, or NULL. */
static const struct svc *
shared(const struct catalogue *cat, const char *d)
{
	size_t	i, j, ld, lv;

	if (strncmp(d, "*.", 2) == 0)
		d += 2;
	ld = strlen(d);
	for (i = 0; cat != NULL && i < catalogue_count(cat); i++) {
		const struct svc *v = catalogue_get(cat, i);
		for (j = 0; j < v->ndkims + v->nspfs; j++) {
			const char *x = j < v->ndkims ? v->dkims[j] :
			    v->spfs[j - v->ndkims];
			lv = strlen(x);
			if (ld >= lv && strcasecmp(d + ld - lv, x) == 0 &&
			    (ld == lv || d[ld - lv - 1] == '.'))
				return v;
		}
	}
	return NULL;
}

static size_t
lint_sender(const struct conf *c, const struct conf_sender *s,
    const struct catalogue *cat, lint_fn fn, void *arg)
{
	const struct svc	*v;
	char			 msg[768];
	size_t			 i, n = 0;
	const char		*file = c->path ? c->path : "(configuration)";

	for (i = 0; i < s->nspfs; i++) {
		if (lint_spf_record_name(s->spfs[i])) {
			snprintf(msg, sizeof msg, "sender \"%s\": spf %s names "
			    "an SPF record (an include: target), never a MAIL "
			    "FROM domain: it matches no mail, and the sender "
			    "drops out of the DKIM gate. Authorise the service "
			    "by your domain's DKIM selector (dkim YOURDOMAIN "
			    "selector ...) or by the MAIL FROM domain it uses "
			    "for you", s->name, s->spfs[i]);
			fn(arg, file, s->line, msg);
			n++;
		} else if ((v = shared(cat, s->spfs[i])) != NULL) {
			snprintf(msg, sizeof msg, "sender \"%s\": spf %s is "
			    "%s's own domain: every customer of %s passes SPF "
			    "for it, attackers too, and this rule authorises "
			    "their mail as yours. Authorise %s by your "
			    "domain's DKIM selector, or by a MAIL FROM domain "
			    "under yours", s->name, s->spfs[i], v->name,
			    v->name, v->name);
			fn(arg, file, s->line, msg);
			n++;
		}
	}
	for (i = 0; i < s->ndkims; i++)
		if ((v = shared(cat, s->dkims[i].domain)) != NULL) {
			snprintf(msg, sizeof msg, "sender \"%s\": dkim %s is "
			    "%s's own signing domain: every customer of %s "
			    "passes DKIM for it, and it never aligns with your "
			    "domain. Authorise %s by your domain's DKIM "
			    "selector (dkim YOURDOMAIN selector ...)", s->name,
			    s->dkims[i].domain, v->name, v->name, v->name);
			fn(arg, file, s->line, msg);
			n++;
		}
	return n;
}

size_t
lint_conf(const struct conf *c, const struct catalogue *cat, lint_fn fn,
    void *arg)
{
	size_t	i, j, n = 0;

	for (j = 0; j < c->deflt.nsenders; j++)
		n += lint_sender(c, &c->deflt.senders[j], cat, fn, arg);
	for (i = 0; i < c->ndomains; i++)
		for (j = 0; j < c->domains[i].nsenders; j++)
			n += lint_sender(c, &c->domains[i].senders[j], cat,
			    fn, arg);
	return n;
}
