/*
 * record.c: DMARC policy records.
 *
 * Every value enters a record through record_parse or record_set, and
 * both check it with valid_tag: the struct is opaque, so no other way
 * in exists.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "align.h"
#include "record.h"
#include "valid.h"

#define MAX_TAGS	64

struct tag {
	char	*name;		/* lower case */
	char	*value;
};

struct dmarc_record {
	struct tag	tags[MAX_TAGS];
	size_t		n;
};

/* The order tags are written in; others follow in their own order. */
static const char *const order[] = {
	"v", "p", "sp", "np", "psd", "pct", "t", "adkim", "aspf", "fo",
	"rf", "ri", "rua", "ruf",
};
#define NORDER	(sizeof order / sizeof order[0])

static size_t
rank(const char *name)
{
	size_t	i;

	for (i = 0; i < NORDER; i++)
		if (strcmp(order[i], name) == 0)
			return i;
	return NORDER;
}

struct dmarc_record *
record_new(void)
{
	struct dmarc_record	*r;
	char			 why[VALID_WHY];

	r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	if (record_set(r, "v", "DMARC1", why, sizeof why) != 0) {
		record_free(r);
		return NULL;
	}
	return r;
}

void
record_free(struct dmarc_record *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->tags[i].name);
		free(r->tags[i].value);
	}
	free(r);
}

static char *
trimmed(const char *s, size_t len)
{
	char	*p;

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	p = malloc(len + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

struct dmarc_record *
record_parse(const char *text, char *why, size_t whylen)
{
	struct dmarc_record	*r;
	const char		*p, *end, *eq;
	char			*name, *value, vwhy[VALID_WHY];
	size_t			 i;

	if (strlen(text) > RECORD_MAX) {
		snprintf(why, whylen, "longer than %d bytes", RECORD_MAX);
		return NULL;
	}
	r = calloc(1, sizeof *r);
	if (r == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	for (p = text; *p != '\0'; p = *end ? end + 1 : end) {
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL) {
			/* Empty between semicolons, or at the end: fine. */
			name = trimmed(p, (size_t)(end - p));
			if (name != NULL && *name == '\0') {
				free(name);
				continue;
			}
			if (name == NULL)
				snprintf(why, whylen, "out of memory");
			else
				snprintf(why, whylen, "a part is not "
				    "tag=value");
			free(name);
			goto fail;
		}
		name = trimmed(p, (size_t)(eq - p));
		value = trimmed(eq + 1, (size_t)(end - eq - 1));
		if (name == NULL || value == NULL) {
			free(name);
			free(value);
			snprintf(why, whylen, "out of memory");
			goto fail;
		}
		for (i = 0; name[i] != '\0'; i++)
			if (name[i] >= 'A' && name[i] <= 'Z')
				name[i] += 'a' - 'A';
		if (r->n == 0 && (strcmp(name, "v") != 0 ||
		    strcasecmp(value, "DMARC1") != 0)) {
			snprintf(why, whylen, "does not start with v=DMARC1");
			free(name);
			free(value);
			goto fail;
		}
		if (!valid_tag_name(name)) {
			snprintf(why, whylen, "a tag name is not a letter "
			    "followed by letters, digits, '-' or '_'");
			free(name);
			free(value);
			goto fail;
		}
		if (valid_tag(name, value, vwhy, sizeof vwhy) == -1) {
			snprintf(why, whylen, "tag %s: %s", name, vwhy);
			free(name);
			free(value);
			goto fail;
		}
		if (record_get(r, name) != NULL || r->n == MAX_TAGS) {
			snprintf(why, whylen, r->n == MAX_TAGS ? "too many "
			    "tags" : "tag %s given twice", name);
			free(name);
			free(value);
			goto fail;
		}
		r->tags[r->n].name = name;
		r->tags[r->n++].value = value;
	}
	if (r->n == 0) {
		snprintf(why, whylen, "does not start with v=DMARC1");
		goto fail;
	}
	return r;
fail:
	record_free(r);
	return NULL;
}

const char *
record_get(const struct dmarc_record *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		if (strcasecmp(r->tags[i].name, name) == 0)
			return r->tags[i].value;
	return NULL;
}

int
record_set(struct dmarc_record *r, const char *name, const char *value,
    char *why, size_t whylen)
{
	size_t	i;
	char	*v;

	for (i = 0; i < r->n; i++)
		if (strcasecmp(r->tags[i].name, name) == 0)
			break;
	if (value == NULL) {
		if (i == r->n)
			return 0;
		free(r->tags[i].name);
		free(r->tags[i].value);
		memmove(&r->tags[i], &r->tags[i + 1], (r->n - i - 1) *
		    sizeof r->tags[0]);
		r->n--;
		return 0;
	}
	if (!valid_tag_name(name)) {
		snprintf(why, whylen, "a tag name is not a letter followed by "
		    "letters, digits, '-' or '_'");
		return RECORD_INVALID;
	}
	v = strdup(value);
	if (v == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (valid_tag(name, v, why, whylen) == -1) {
		free(v);
		return RECORD_INVALID;
	}
	if (i < r->n) {
		free(r->tags[i].value);
		r->tags[i].value = v;
		return 0;
	}
	if (r->n == MAX_TAGS) {
		free(v);
		snprintf(why, whylen, "more than %d tags", MAX_TAGS);
		return RECORD_INVALID;
	}
	r->tags[r->n].name = strdup(name);
	if (r->tags[r->n].name == NULL) {
		free(v);
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (i = 0; r->tags[r->n].name[i] != '\0'; i++)
		if (r->tags[r->n].name[i] >= 'A' &&
		    r->tags[r->n].name[i] <= 'Z')
			r->tags[r->n].name[i] += 'a' - 'A';
	r->tags[r->n++].value = v;
	return 0;
}

size_t
record_format(const struct dmarc_record *r, char *out, size_t len)
{
	size_t	o = 0, k, i;
	int	n;

	/* Known tags in their order, then the rest as they came. */
	for (k = 0; k <= NORDER; k++)
		for (i = 0; i < r->n; i++) {
			if (rank(r->tags[i].name) != k)
				continue;
			n = snprintf(o < len ? out + o : NULL, o < len ?
			    len - o : 0, "%s%s=%s", o ? "; " : "",
			    r->tags[i].name, r->tags[i].value);
			if (n < 0)
				n = 0;
			o += (size_t)n;
		}
	/* Never a cut record. */
	if (o >= len && len > 0)
		out[0] = '\0';
	return o;
}

/* A byte that a record name or a record text may hold. */
static int
zone_ok(const char *s, int name)
{
	const unsigned char	*u = (const unsigned char *)s;

	for (; *u != '\0'; u++) {
		if (name && !((*u >= 'a' && *u <= 'z') || (*u >= 'A' &&
		    *u <= 'Z') || (*u >= '0' && *u <= '9') || *u == '-' ||
		    *u == '.' || *u == '_'))
			return 0;
		if (*u < 0x20 || *u >= 0x7f || *u == '"' || *u == '\\')
			return 0;
	}
	return 1;
}

int
record_zone(const char *name, const char *text, char *out, size_t len)
{
	size_t	tlen = strlen(text), o, k;
	int	n;

	if (len == 0)
		return -1;
	out[0] = '\0';
	if (*name == '\0' || !zone_ok(name, 1) || !zone_ok(text, 0))
		return -1;
	n = snprintf(out, len, "%s. IN TXT", name);
	if (n < 0 || (size_t)n >= len)
		goto toolong;
	o = (size_t)n;
	/* Character-strings of at most 255 bytes, joined by resolvers. */
	for (k = 0; k < tlen || k == 0; k += 255) {
		n = snprintf(out + o, len - o, " \"%.*s\"", (int)(tlen - k >
		    255 ? 255 : tlen - k), text + k);
		if (n < 0 || (size_t)n >= len - o)
			goto toolong;
		o += (size_t)n;
	}
	return 0;
toolong:
	out[0] = '\0';
	return -1;
}

int
record_is_dmarc(const char *s, size_t n)
{
	return n >= 8 && strncasecmp(s, "v=DMARC1", 8) == 0 && (n == 8 ||
	    s[8] == ';' || s[8] == ' ' || s[8] == '\t');
}

size_t
record_external(const struct dmarc_record *r, const char *domain,
    char (*out)[RECORD_DEST_MAX], size_t room)
{
	static const char *const tags[2] = { "rua", "ruf" };
	const char	*v, *p, *at, *end, *org = align_org(domain);
	char		 dest[RECORD_DEST_MAX];
	size_t		 i, j, n, nout = 0;

	for (i = 0; i < 2; i++) {
		if ((v = record_get(r, tags[i])) == NULL)
			continue;
		for (p = v; *p != '\0'; p = *end ? end + 1 : end) {
			end = strchr(p, ',');
			if (end == NULL)
				end = p + strlen(p);
			if (strncasecmp(p, "mailto:", 7) != 0 ||
			    (at = memchr(p, '@', (size_t)(end - p))) == NULL)
				continue;
			for (n = 0, at++; at + n < end && at[n] != '!' &&
			    n < sizeof dest - 1; n++)
				dest[n] = (char)(at[n] >= 'A' && at[n] <= 'Z' ?
				    at[n] - 'A' + 'a' : at[n]);
			dest[n] = '\0';
			if (n == 0 || strcmp(align_org(dest), org) == 0)
				continue;
			for (j = 0; j < nout; j++)
				if (strcmp(out[j], dest) == 0)
					break;
			if (j < nout || nout == room)
				continue;
			memcpy(out[nout++], dest, n + 1);
		}
	}
	return nout;
}
