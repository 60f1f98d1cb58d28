/*
 * record.c: DMARC policy records.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "record.h"

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

	r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	if (record_set(r, "v", "DMARC1") == -1) {
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
	char			*name, *value;
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
				snprintf(why, whylen, "'%.40s' is not "
				    "tag=value", name);
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
record_set(struct dmarc_record *r, const char *name, const char *value)
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
	v = strdup(value);
	if (v == NULL)
		return -1;
	if (i < r->n) {
		free(r->tags[i].value);
		r->tags[i].value = v;
		return 0;
	}
	if (r->n == MAX_TAGS || (r->tags[r->n].name = strdup(name)) == NULL) {
		free(v);
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

	if (len == 0)
		return 0;
	out[0] = '\0';
	/* Known tags in their order, then the rest as they came. */
	for (k = 0; k <= NORDER; k++)
		for (i = 0; i < r->n; i++) {
			if (rank(r->tags[i].name) != k)
				continue;
			n = snprintf(out + o, len - o, "%s%s=%s", o ? "; " : "",
			    r->tags[i].name, r->tags[i].value);
			if (n < 0 || (size_t)n >= len - o)
				return o;
			o += (size_t)n;
		}
	return o;
}
