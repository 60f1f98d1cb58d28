/*
 * suggest.c: configuration to start from (suggest.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "fmt.h"
#include "group.h"
#include "sanitise.h"
#include "suggest.h"

/* The rules a sender's passing mail shows. */
struct rules {
	const char	*dkim[SUGGEST_RULES], *sel[SUGGEST_RULES];
	size_t		 ndkim;
	const char	*spf[SUGGEST_RULES];
	size_t		 nspf;
};

/*
 * A plain domain name or selector, safe in the configuration's syntax:
 * letters, digits, '-', '_' and inner dots, at most 253 bytes.
 */
static int
plain(const char *s)
{
	size_t	i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > 253 || s[0] == '.' ||
	    s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    (c == '.' && s[i + 1] != '.')))
			return 0;
	}
	return 1;
}

static void
add_dkim(struct rules *r, const char *d, const char *sel)
{
	size_t	i;

	if (!plain(d) || (sel != NULL && !plain(sel)))
		return;
	for (i = 0; i < r->ndkim; i++)
		if (strcmp(r->dkim[i], d) == 0 && ((r->sel[i] == NULL &&
		    sel == NULL) || (r->sel[i] != NULL && sel != NULL &&
		    strcmp(r->sel[i], sel) == 0)))
			return;
	if (r->ndkim == SUGGEST_RULES)
		return;
	r->dkim[r->ndkim] = d;
	r->sel[r->ndkim++] = sel;
}

static void
add_spf(struct rules *r, const char *d)
{
	size_t	i;

	if (!plain(d))
		return;
	for (i = 0; i < r->nspf; i++)
		if (strcmp(r->spf[i], d) == 0)
			return;
	if (r->nspf < SUGGEST_RULES)
		r->spf[r->nspf++] = d;
}

static void
add_source(struct rules *r, const struct source *s)
{
	if (s->pass == 0)
		return;
	if (s->auth.dkim != NULL)
		add_dkim(r, s->auth.dkim, s->auth.dkim_selector);
	if (s->auth.spf != NULL)
		add_spf(r, s->auth.spf);
}

/*
 * A name in double quotes, as the configuration reads it: '"' and '\\'
 * escaped in the format (the sanitiser escapes a backslash that comes
 * in an argument), the runs between them sanitised as any text.
 */
static void
quoted(FILE *f, const char *s)
{
	size_t	n;

	sanitise_fprintf(f, "\"");
	for (;;) {
		n = strcspn(s, "\"\\");
		if (n > 0)
			sanitise_fprintf(f, "%.*s", (int)n, s);
		s += n;
		if (*s == '\0')
			break;
		if (*s == '"')
			sanitise_fprintf(f, "\\\"");
		else
			sanitise_fprintf(f, "\\\\");
		s++;
	}
	sanitise_fprintf(f, "\"");
}

/* One dkim line per domain, with its selectors (all if one is unknown). */
static void
print_dkim(FILE *f, const struct rules *r)
{
	size_t	i, j;
	int	any;

	for (i = 0; i < r->ndkim; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(r->dkim[j], r->dkim[i]) == 0)
				break;
		if (j < i)
			continue;	/* printed with the first */
		for (j = i, any = 0; j < r->ndkim; j++)
			if (strcmp(r->dkim[j], r->dkim[i]) == 0 &&
			    r->sel[j] == NULL)
				any = 1;
		sanitise_fprintf(f, "\t\tdkim %s", r->dkim[i]);
		if (!any) {
			sanitise_fprintf(f, " selector");
			for (j = i; j < r->ndkim; j++)
				if (strcmp(r->dkim[j], r->dkim[i]) == 0)
					sanitise_fprintf(f, " %s", r->sel[j]);
		}
		sanitise_fprintf(f, ";\n");
	}
}

size_t
suggest_config(FILE *f, const struct window *w)
{
	char	d1[16], d2[16], name[300], n1[32], p1[16];
	size_t	i, j, n = 0;

	fmt_day(w->from_day, d1, sizeof d1);
	fmt_day(w->to_day, d2, sizeof d2);
	sanitise_fprintf(f, "# Senders that passed DMARC for %s from %s to %s\n"
	    "# and are not configured (dmarcdb sources --suggest-config).\n"
	    "# Check each before you add it: a sender block authorises its\n"
	    "# mail, and advise judges it as yours. Merge it into the\n"
	    "# domain's block if there is one.\n", w->domain, d1, d2);
	sanitise_fprintf(f, "domain %s {\n", w->domain);
	for (i = 0; i < w->ngroups; i++) {
		const struct source_group *g = &w->groups[i];
		struct rules r;

		if (!group_authenticates(g->kind) || g->pass == 0)
			continue;
		memset(&r, 0, sizeof r);
		add_source(&r, &g->top);
		for (j = 0; j < w->nlisted; j++)
			if (group_same(&w->listed[j], g))
				add_source(&r, &w->listed[j]);
		if (r.ndkim == 0 && r.nspf == 0)
			continue;
		if (g->kind == GROUP_DOMAIN && g->name != NULL &&
		    conf_domain_within(w->domain, g->name))
			snprintf(name, sizeof name, "own mail (%s)", g->name);
		else
			group_label(g->kind, g->name, 0, name, sizeof name);
		fmt_count(g->pass, n1, sizeof n1);
		fmt_pct(g->pass, g->messages, p1, sizeof p1);
		if (n > 0)
			sanitise_fprintf(f, "\n");
		sanitise_fprintf(f, "\t# %u address%s, %s messages passing "
		    "DMARC (%s of its mail)%s%s\n", g->sources,
		    g->sources == 1 ? "" : "es", n1, p1,
		    g->evidence && *g->evidence ? ": " : "",
		    g->evidence ? g->evidence : "");
		sanitise_fprintf(f, "\tsender ");
		quoted(f, g->kind == GROUP_SERVICE_OTHER && g->name ? g->name :
		    name);
		sanitise_fprintf(f, " {\n");
		print_dkim(f, &r);
		for (j = 0; j < r.nspf; j++)
			sanitise_fprintf(f, "\t\tspf %s;\n", r.spf[j]);
		sanitise_fprintf(f, "\t}\n");
		n++;
	}
	if (n == 0)
		sanitise_fprintf(f, "\t# none: every sender that passes is "
		    "configured, or none passes\n");
	sanitise_fprintf(f, "}\n");
	return n;
}
