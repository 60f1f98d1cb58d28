/*
 * mtasts.c: MTA-STS policies and records, TLS-RPT records. See mtasts.h.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mtasts.h"
#include "valid.h"

static int
is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

/*
 * The next "tag=value" of a record in s (cut in place, white space
 * trimmed), advancing *s past its ';'. 1 one found, 0 the end, -1 one
 * without '='.
 */
static int
next_tag(char **s, char **name, char **value)
{
	char	*p = *s, *e, *eq, *t;

	while (is_wsp(*p) || *p == ';')
		p++;
	if (*p == '\0')
		return 0;
	e = p + strcspn(p, ";");
	*s = *e != '\0' ? e + 1 : e;
	*e = '\0';
	if ((eq = strchr(p, '=')) == NULL)
		return -1;
	*eq = '\0';
	for (t = eq; t > p && is_wsp(t[-1]); t--)
		t[-1] = '\0';
	*name = p;
	for (p = eq + 1; is_wsp(*p); p++)
		;
	for (t = e; t > p && is_wsp(t[-1]); t--)
		t[-1] = '\0';
	*value = p;
	return 1;
}

int
mtasts_record(const char *text, char *id, char *why, size_t len)
{
	char	*s, *p, *name, *value;
	int	 rc, first = 1, got_id = 0;
	size_t	 i;

	id[0] = '\0';
	if (strlen(text) > 1024) {
		snprintf(why, len, "longer than 1024 bytes");
		return -1;
	}
	if ((s = strdup(text)) == NULL) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	p = s;
	while ((rc = next_tag(&p, &name, &value)) == 1) {
		if (first && (strcmp(name, "v") != 0 ||
		    strcmp(value, "STSv1") != 0)) {
			snprintf(why, len, "not v=STSv1 first");
			goto fail;
		}
		first = 0;
		if (strcmp(name, "id") != 0 || got_id++)
			continue;
		for (i = 0; value[i] != '\0' && is_alnum(value[i]); i++)
			;
		if (i == 0 || i > 32 || value[i] != '\0') {
			snprintf(why, len, "an id that is not 1 to 32 letters "
			    "and digits");
			goto fail;
		}
		memcpy(id, value, i + 1);
	}
	if (rc == -1) {
		snprintf(why, len, "a tag without '='");
		goto fail;
	}
	if (first) {
		snprintf(why, len, "not v=STSv1 first");
		goto fail;
	}
	if (!got_id) {
		snprintf(why, len, "no id");
		goto fail;
	}
	free(s);
	return 0;
fail:
	free(s);
	id[0] = '\0';
	return -1;
}

/* An mx pattern: a host name, or "*." and one. */
static int
mx_pattern(const char *v, char *why, size_t len)
{
	char	reason[128];

	if (strncmp(v, "*.", 2) == 0)
		v += 2;
	if (valid_hostname(v, reason, sizeof reason) == -1) {
		snprintf(why, len, "an mx that is not a host name: %s",
		    reason);
		return -1;
	}
	return 0;
}

int
mtasts_policy(const char *text, size_t n, struct mtasts_policy *p,
    char *why, size_t len)
{
	char		 line[1024], reason[200], *key, *value, *c, *e;
	const char	*s = text, *end = text + n, *nl;
	size_t		 k, lineno = 0;
	int		 got_version = 0, got_mode = 0, got_age = 0;

	memset(p, 0, sizeof *p);
	if (n > MTASTS_POLICY_MAX) {
		snprintf(why, len, "larger than %d bytes", MTASTS_POLICY_MAX);
		return -1;
	}
	for (; s < end; s = nl + 1) {
		lineno++;
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		k = (size_t)(nl - s);
		if (k > 0 && s[k - 1] == '\r')
			k--;
		if (k >= sizeof line || memchr(s, '\0', k) != NULL) {
			snprintf(why, len, "line %zu: too long, or a NUL byte",
			    lineno);
			return -1;
		}
		memcpy(line, s, k);
		line[k] = '\0';
		for (e = line + k; e > line && is_wsp(e[-1]); e--)
			e[-1] = '\0';
		if (line[0] == '\0')
			continue;	/* an empty last line */
		if ((c = strchr(line, ':')) == NULL) {
			snprintf(why, len, "line %zu: no ':'", lineno);
			return -1;
		}
		for (e = c; e > line && is_wsp(e[-1]); e--)
			;
		*e = '\0';
		key = line;
		for (value = c + 1; is_wsp(*value); value++)
			;
		if (strcmp(key, "version") == 0 && !got_version++) {
			if (strcmp(value, "STSv1") != 0) {
				snprintf(why, len, "line %zu: version is not "
				    "STSv1", lineno);
				return -1;
			}
		} else if (strcmp(key, "mode") == 0 && !got_mode++) {
			if (strcmp(value, "enforce") == 0)
				p->mode = MTASTS_ENFORCE;
			else if (strcmp(value, "testing") == 0)
				p->mode = MTASTS_TESTING;
			else if (strcmp(value, "none") == 0)
				p->mode = MTASTS_NONE;
			else {
				snprintf(why, len, "line %zu: a mode other "
				    "than enforce, testing or none", lineno);
				return -1;
			}
		} else if (strcmp(key, "max_age") == 0 && !got_age++) {
			for (k = 0; value[k] >= '0' && value[k] <= '9'; k++)
				;
			if (k == 0 || k > 10 || value[k] != '\0' ||
			    strtol(value, NULL, 10) > MTASTS_MAX_AGE) {
				snprintf(why, len, "line %zu: max_age is not a "
				    "number of seconds up to %ld", lineno,
				    MTASTS_MAX_AGE);
				return -1;
			}
			p->max_age = strtol(value, NULL, 10);
		} else if (strcmp(key, "mx") == 0) {
			if (mx_pattern(value, reason, sizeof reason) == -1) {
				snprintf(why, len, "line %zu: %s", lineno,
				    reason);
				return -1;
			}
			if (p->nmx == MTASTS_MX_MAX) {
				snprintf(why, len, "more than %d mx lines",
				    MTASTS_MX_MAX);
				return -1;
			}
			for (k = 0; value[k] != '\0'; k++)
				p->mx[p->nmx][k] = value[k] >= 'A' &&
				    value[k] <= 'Z' ? value[k] - 'A' + 'a' :
				    value[k];
			p->mx[p->nmx++][k] = '\0';
		}
		/* Other fields: extensions, passed over. */
	}
	if (!got_version || !got_mode || !got_age) {
		snprintf(why, len, "no %s line", !got_version ? "version" :
		    !got_mode ? "mode" : "max_age");
		return -1;
	}
	if (p->nmx == 0 && p->mode != MTASTS_NONE) {
		snprintf(why, len, "no mx line");
		return -1;
	}
	return 0;
}

int
mtasts_mx_match(const char *pattern, const char *host)
{
	size_t	pl = strlen(pattern), hl = strlen(host);
	const char *dot;

	if (pl > 0 && pattern[pl - 1] == '.')
		pl--;
	if (hl > 0 && host[hl - 1] == '.')
		hl--;
	if (pl >= 2 && strncmp(pattern, "*.", 2) == 0) {
		/* One label, then the rest. */
		dot = memchr(host, '.', hl);
		if (dot == NULL || dot == host)
			return 0;
		return (size_t)(host + hl - dot) == pl - 1 &&
		    strncasecmp(dot, pattern + 1, pl - 1) == 0;
	}
	return pl == hl && strncasecmp(pattern, host, pl) == 0;
}

int
tlsrpt_record(const char *text, char *why, size_t len)
{
	char	*s, *p, *name, *value, *u, *e;
	int	 rc, first = 1, n = -1;

	if (strlen(text) > 2048) {
		snprintf(why, len, "longer than 2048 bytes");
		return -1;
	}
	if ((s = strdup(text)) == NULL) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	p = s;
	while ((rc = next_tag(&p, &name, &value)) == 1) {
		if (first && (strcmp(name, "v") != 0 ||
		    strcmp(value, "TLSRPTv1") != 0)) {
			snprintf(why, len, "not v=TLSRPTv1 first");
			goto fail;
		}
		first = 0;
		if (strcmp(name, "rua") != 0 || n != -1)
			continue;
		n = 0;
		for (u = value; *u != '\0'; u = *e ? e + 1 : e) {
			e = u + strcspn(u, ",");
			while (is_wsp(*u))
				u++;
			if (strncasecmp(u, "mailto:", 7) != 0 &&
			    strncasecmp(u, "https://", 8) != 0) {
				snprintf(why, len, "a rua destination that "
				    "is not mailto: or https:");
				goto fail;
			}
			if (u[u[0] == 'm' || u[0] == 'M' ? 7 : 8] == ',' ||
			    u + (u[0] == 'm' || u[0] == 'M' ? 7 : 8) >= e) {
				snprintf(why, len, "an empty rua destination");
				goto fail;
			}
			n++;
		}
	}
	if (rc == -1) {
		snprintf(why, len, "a tag without '='");
		goto fail;
	}
	if (first) {
		snprintf(why, len, "not v=TLSRPTv1 first");
		goto fail;
	}
	if (n <= 0) {
		snprintf(why, len, "no rua");
		goto fail;
	}
	free(s);
	return n;
fail:
	free(s);
	return -1;
}

size_t
tlsrpt_rua(const char *text, char (*out)[256], size_t room)
{
	char	*s, *p, *name, *value, *u, *e, *t;
	size_t	 n = 0;

	if (strlen(text) > 2048 || (s = strdup(text)) == NULL)
		return 0;
	p = s;
	while (next_tag(&p, &name, &value) == 1) {
		if (strcmp(name, "rua") != 0)
			continue;
		for (u = value; *u != '\0' && n < room; u = *e ? e + 1 : e) {
			e = u + strcspn(u, ",");
			while (is_wsp(*u))
				u++;
			for (t = e; t > u && is_wsp(t[-1]); t--)
				;
			snprintf(out[n++], 256, "%.*s", (int)(t - u), u);
		}
		break;
	}
	free(s);
	return n;
}
