/*
 * digest-alert.c: what digest --alert sends (dmarcdb(1), DIGEST).
 *
 * The banner's flags of level DIGEST_ACT are the alerts, those of the
 * digest of every domain: a team's are those about its domains (its
 * own digest would call a domain of its that has gone quiet a dead
 * ingest, and keep quiet about it). A flag's key names the same problem
 * from one run to the next, so a flag is news to a recipient when the
 * store has no row for its key and that recipient (store-alert.c). A
 * message goes to all its recipients at once: it is news when it is
 * news to one of them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "digest.h"

/* 1 if the flag is about one of the domains (none: any). */
static int
about(const struct digest_flag *f, const char *const *domains, size_t n)
{
	size_t	i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (strcasecmp(f->domain, domains[i]) == 0)
			return 1;
	return 0;
}

int
digest_alert_new(struct store *s, const struct digest *g,
    const char *const *domains, size_t ndomains, int domainless,
    char *const *addr, size_t naddr, struct digest_alert *a,
    struct dr_error *err)
{
	const struct digest_flag	*f;
	size_t				 i, j;
	int				 rc;

	memset(a, 0, sizeof *a);
	a->raised = calloc(g->nflags ? g->nflags : 1, sizeof *a->raised);
	a->fresh = calloc(g->nflags ? g->nflags : 1, sizeof *a->fresh);
	if (a->raised == NULL || a->fresh == NULL) {
		digest_alert_free(a);
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	}
	for (i = 0; i < g->nflags; i++) {
		f = &g->flags[i];
		if (f->level != DIGEST_ACT || (f->domain == NULL ?
		    !domainless : !about(f, domains, ndomains)))
			continue;
		a->raised[a->nraised++] = f;
		for (j = 0; j < naddr; j++) {
			rc = store_alert_known(s, addr[j], f->key, err);
			if (rc == -1) {
				digest_alert_free(a);
				return -1;
			}
			if (rc == 0) {
				a->fresh[a->nfresh++] = f;
				break;
			}
		}
	}
	return 0;
}

int
digest_alert_done(struct store *s, const struct digest_alert *a,
    char *const *addr, size_t naddr, int64_t now, int sent,
    struct dr_error *err)
{
	const char	**keys;
	size_t		  i;
	int		  rc;

	if (a->nraised == 0)
		return 0;
	if ((keys = calloc(a->nraised, sizeof *keys)) == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	for (i = 0; i < a->nraised; i++)
		keys[i] = a->raised[i]->key;
	rc = store_alert_mark(s, (const char *const *)addr, naddr, keys,
	    a->nraised, now, sent, err);
	free(keys);
	return rc;
}

void
digest_alert_free(struct digest_alert *a)
{
	free(a->raised);
	free(a->fresh);
	memset(a, 0, sizeof *a);
}

void
digest_alert_subject(const struct digest_alert *a, const char *prefix,
    char *out, size_t len)
{
	if (prefix == NULL || *prefix == '\0')
		prefix = "DMARC alert";
	if (a->nfresh == 0)
		snprintf(out, len, "%s", prefix);
	else if (a->nfresh == 1)
		snprintf(out, len, "%s: %s", prefix, a->fresh[0]->text);
	else
		snprintf(out, len, "%s: %s, and %zu more", prefix,
		    a->fresh[0]->text, a->nfresh - 1);
}

void
digest_alert_preheader(const struct digest *g, const struct digest_alert *a,
    char *out, size_t len)
{
	size_t	i, o = 0, n;

	if (len == 0)
		return;
	out[0] = '\0';
	for (i = 1; i < a->nfresh; i++) {
		n = strlen(a->fresh[i]->text) + 2;
		if (o + n + 1 > len || o > DIGEST_PREHEADER)
			return;
		o += (size_t)snprintf(out + o, len - o, "%s%s.", o ? " " : "",
		    a->fresh[i]->text);
	}
	if (o <= DIGEST_PREHEADER && o + strlen(g->banner) + 3 < len)
		snprintf(out + o, len - o, "%s%s.", o ? " " : "", g->banner);
}
