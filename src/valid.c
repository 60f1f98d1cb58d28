/*
 * valid.c: DMARC record tag values and host names, checked against
 * their grammar (RFC 7489 section 6.3, RFC 9989 section 4.7, RFC 3986
 * for URIs, RFC 1123 for host names).
 *
 * Each tag's checker reads the trimmed value and, when out is not NULL,
 * writes the canonical form to out. The canonical form is never longer
 * and each byte is written after the bytes before it in the input were
 * read, so out may be the value itself: valid_tag runs the checker once
 * to judge and once more to rewrite.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "valid.h"

struct val {
	const char	*s;	/* the value, trimmed */
	size_t		 n;
	char		*out;	/* NULL: only judge */
	size_t		 o;	/* bytes written */
	const char	*why;
};

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 'a' - 'A') : c;
}

static void
put(struct val *v, char c)
{
	if (v->out != NULL)
		v->out[v->o] = c;
	v->o++;
}

static int
bad(struct val *v, const char *why)
{
	v->why = why;
	return -1;
}

/* Skip space and tab from *i. */
static void
skip_wsp(const struct val *v, size_t *i)
{
	while (*i < v->n && is_wsp((unsigned char)v->s[*i]))
		(*i)++;
}

/* One of the words in list (NULL-terminated), without regard to case. */
static int
chk_enum(struct val *v, const char *const *list, const char *why)
{
	size_t	i;

	for (; *list != NULL; list++)
		if (strlen(*list) == v->n && strncasecmp(*list, v->s, v->n) ==
		    0) {
			for (i = 0; i < v->n; i++)
				put(v, (*list)[i]);
			return 0;
		}
	return bad(v, why);
}

/* Digits, at most maxdigits of them (0: any), worth at most max. */
static int
chk_number(struct val *v, size_t maxdigits, uint64_t max, const char *why)
{
	uint64_t	 n = 0;
	size_t		 i;
	char		 tmp[24];
	int		 len;

	if (v->n == 0 || (maxdigits > 0 && v->n > maxdigits))
		return bad(v, why);
	for (i = 0; i < v->n; i++) {
		if (!is_digit((unsigned char)v->s[i]))
			return bad(v, why);
		if (n > (max - (uint64_t)(v->s[i] - '0')) / 10)
			return bad(v, why);
		n = n * 10 + (uint64_t)(v->s[i] - '0');
	}
	/* No longer than the digits read: leading zeros go. */
	len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)n);
	for (i = 0; i < (size_t)len; i++)
		put(v, tmp[i]);
	return 0;
}

/* fo: 0, 1, d or s, separated by ':'; canonical: each option once. */
static int
chk_fo(struct val *v)
{
	static const char	 why[] = "expected 0, 1, d or s, separated by "
				    "':'";
	unsigned		 seen = 0, bit;
	size_t			 i = 0;
	char			 c;

	for (;;) {
		if (i == v->n)
			return bad(v, why);
		c = lower(v->s[i++]);
		bit = c == '0' ? 1 : c == '1' ? 2 : c == 'd' ? 4 : c == 's' ?
		    8 : 0;
		if (bit == 0)
			return bad(v, why);
		if ((seen & bit) == 0) {
			if (seen != 0)
				put(v, ':');
			put(v, c);
			seen |= bit;
		}
		skip_wsp(v, &i);
		if (i == v->n)
			return 0;
		if (v->s[i++] != ':')
			return bad(v, why);
		skip_wsp(v, &i);
	}
}

/* rf: keywords (RFC 5321: letters and digits, inner '-'), by ':'. */
static int
chk_rf(struct val *v)
{
	static const char	 why[] = "expected report formats (letters, "
				    "digits, '-') separated by ':'";
	size_t			 i = 0, start;
	unsigned char		 c;

	for (;;) {
		start = i;
		while (i < v->n) {
			c = (unsigned char)v->s[i];
			if (!is_alpha(c) && !is_digit(c) && c != '-')
				break;
			put(v, lower((char)c));
			i++;
		}
		if (i == start || v->s[start] == '-' || v->s[i - 1] == '-')
			return bad(v, why);
		skip_wsp(v, &i);
		if (i == v->n)
			return 0;
		if (v->s[i++] != ':')
			return bad(v, why);
		put(v, ':');
		skip_wsp(v, &i);
	}
}

/*
 * A URI character other than '%': RFC 3986 unreserved, sub-delims and
 * gen-delims, without ',', '!' and ';', which a DMARC URI must encode.
 */
static int
is_uri_char(int c)
{
	return is_alpha(c) || is_digit(c) || (c != '\0' &&
	    strchr("-._~$&'()*+=:@/?#[]", c) != NULL);
}

/* rua, ruf: URIs with an optional !size, separated by ','. */
static int
chk_uris(struct val *v)
{
	static const char	 why_scheme[] = "expected URIs (scheme:...) "
				    "separated by ','";
	static const char	 why_char[] = "a URI holds a character that "
				    "must be percent-encoded";
	static const char	 why_size[] = "a URI's size limit is not "
				    "!digits with an optional k, m, g or t";
	size_t			 i = 0, start;
	uint64_t		 size;
	unsigned char		 c;

	for (;;) {
		/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
		if (i == v->n || !is_alpha((unsigned char)v->s[i]))
			return bad(v, why_scheme);
		while (i < v->n && (is_alpha((unsigned char)v->s[i]) ||
		    is_digit((unsigned char)v->s[i]) || v->s[i] == '+' ||
		    v->s[i] == '-' || v->s[i] == '.'))
			put(v, lower(v->s[i++]));
		if (i == v->n || v->s[i] != ':')
			return bad(v, why_scheme);
		put(v, v->s[i++]);
		start = i;
		while (i < v->n) {
			c = (unsigned char)v->s[i];
			if (c == '%') {
				if (i + 2 >= v->n || !is_hex((unsigned
				    char)v->s[i + 1]) || !is_hex((unsigned
				    char)v->s[i + 2]))
					return bad(v, why_char);
				put(v, v->s[i++]);
				put(v, v->s[i++]);
				put(v, v->s[i++]);
				continue;
			}
			if (!is_uri_char(c))
				break;
			put(v, v->s[i++]);
		}
		if (i == start)
			return bad(v, why_scheme);
		if (i < v->n && v->s[i] == '!') {
			put(v, v->s[i++]);
			size = 0;
			start = i;
			while (i < v->n && is_digit((unsigned char)v->s[i])) {
				if (size > (UINT64_MAX - (uint64_t)(v->s[i] -
				    '0')) / 10)
					return bad(v, why_size);
				size = size * 10 + (uint64_t)(v->s[i] - '0');
				put(v, v->s[i++]);
			}
			if (i == start)
				return bad(v, why_size);
			if (i < v->n && strchr("kmgtKMGT", v->s[i]) != NULL)
				put(v, lower(v->s[i++]));
		}
		skip_wsp(v, &i);
		if (i == v->n)
			return 0;
		if (v->s[i] != ',')
			return bad(v, is_uri_char((unsigned char)v->s[i]) ||
			    v->s[i] == '!' ? why_size : why_char);
		put(v, v->s[i++]);
		skip_wsp(v, &i);
	}
}

/* A tag RFC 7489 and RFC 9989 do not define: one printable word. */
static int
chk_other(struct val *v)
{
	size_t	i;
	int	c;

	for (i = 0; i < v->n; i++) {
		c = (unsigned char)v->s[i];
		if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\' ||
		    c == ';')
			return bad(v, "expected printable ASCII without "
			    "space, '\"', '\\' or ';'");
		put(v, (char)c);
	}
	return 0;
}

static const char *const policies[] = { "none", "quarantine", "reject",
    NULL };
static const char *const align[] = { "r", "s", NULL };
static const char *const yes_no[] = { "y", "n", NULL };
static const char *const yes_no_u[] = { "y", "n", "u", NULL };
static const char *const version[] = { "DMARC1", NULL };

static int
check(const char *name, struct val *v)
{
	if (strcasecmp(name, "v") == 0)
		return chk_enum(v, version, "expected DMARC1");
	if (strcasecmp(name, "p") == 0 || strcasecmp(name, "sp") == 0 ||
	    strcasecmp(name, "np") == 0)
		return chk_enum(v, policies, "expected none, quarantine or "
		    "reject");
	if (strcasecmp(name, "psd") == 0)
		return chk_enum(v, yes_no_u, "expected y, n or u");
	if (strcasecmp(name, "t") == 0)
		return chk_enum(v, yes_no, "expected y or n");
	if (strcasecmp(name, "adkim") == 0 || strcasecmp(name, "aspf") == 0)
		return chk_enum(v, align, "expected r or s");
	if (strcasecmp(name, "pct") == 0)
		return chk_number(v, 3, 100, "expected a whole number from 0 "
		    "to 100");
	if (strcasecmp(name, "ri") == 0)
		return chk_number(v, 0, UINT32_MAX, "expected a whole number "
		    "of seconds below 2^32");
	if (strcasecmp(name, "fo") == 0)
		return chk_fo(v);
	if (strcasecmp(name, "rf") == 0)
		return chk_rf(v);
	if (strcasecmp(name, "rua") == 0 || strcasecmp(name, "ruf") == 0)
		return chk_uris(v);
	return chk_other(v);
}

int
valid_tag(const char *name, char *value, char *why, size_t whylen)
{
	struct val	v;
	size_t		len = strlen(value), start = 0;

	if (!valid_tag_name(name)) {
		snprintf(why, whylen, "a tag name is not a letter followed "
		    "by letters, digits, '-' or '_'");
		return -1;
	}
	if (len > VALID_VALUE_MAX) {
		snprintf(why, whylen, "longer than %d bytes", VALID_VALUE_MAX);
		return -1;
	}
	while (start < len && is_wsp((unsigned char)value[start]))
		start++;
	while (len > start && is_wsp((unsigned char)value[len - 1]))
		len--;
	if (len == start) {
		snprintf(why, whylen, "empty");
		return -1;
	}
	memset(&v, 0, sizeof v);
	v.s = value + start;
	v.n = len - start;
	if (check(name, &v) == -1) {
		snprintf(why, whylen, "%s", v.why);
		return -1;
	}
	/* Valid: now rewrite it, in place. */
	v.out = value;
	v.o = 0;
	if (check(name, &v) == -1) {
		/* Cannot happen: the same checker accepted it above. */
		snprintf(why, whylen, "%s", v.why);
		return -1;
	}
	value[v.o] = '\0';
	return 0;
}

int
valid_tag_name(const char *name)
{
	size_t	i;
	int	c;

	if (!is_alpha((unsigned char)name[0]))
		return 0;
	for (i = 1; name[i] != '\0'; i++) {
		c = (unsigned char)name[i];
		if ((!is_alpha(c) && !is_digit(c) && c != '-' && c != '_') ||
		    i == 32)
			return 0;
	}
	return 1;
}

int
valid_hostname(const char *name, char *why, size_t whylen)
{
	size_t		 len = strlen(name), i, label = 0;
	int		 digits = 1;
	unsigned char	 c;

	if (len == 0 || strcmp(name, ".") == 0) {
		snprintf(why, whylen, "empty, or the root");
		return -1;
	}
	if (len > VALID_NAME_MAX) {
		snprintf(why, whylen, "%zu bytes long, more than %d", len,
		    VALID_NAME_MAX);
		return -1;
	}
	for (i = 0; i <= len; i++) {
		c = (unsigned char)name[i];
		if (c == '.' || c == '\0') {
			if (label == 0) {
				snprintf(why, whylen, "has an empty label");
				return -1;
			}
			if (name[i - 1] == '-') {
				snprintf(why, whylen, "a label ends with a "
				    "hyphen");
				return -1;
			}
			if (c == '\0')
				break;
			label = 0;
			digits = 1;
			continue;
		}
		if (c >= 0x80) {
			snprintf(why, whylen, "holds a byte that is not ASCII "
			    "(internationalised names are written as "
			    "A-labels, xn--)");
			return -1;
		}
		if (c < 0x20 || c == 0x7f) {
			snprintf(why, whylen, "holds a control character");
			return -1;
		}
		if (c == '-' && label == 0) {
			snprintf(why, whylen, "a label begins with a hyphen");
			return -1;
		}
		if (!is_alpha(c) && !is_digit(c) && c != '-') {
			if (c == ' ')
				snprintf(why, whylen, "holds a space");
			else
				snprintf(why, whylen, "holds '%c': a host "
				    "name has letters, digits, hyphens and "
				    "dots only", c);
			return -1;
		}
		if (!is_digit(c))
			digits = 0;
		if (++label > 63) {
			snprintf(why, whylen, "a label is longer than 63 "
			    "bytes");
			return -1;
		}
	}
	if (digits) {
		snprintf(why, whylen, "the last label is all digits");
		return -1;
	}
	return 0;
}

int
valid_dmarc_name(const char *domain, char *out, size_t outlen, char *why,
    size_t whylen)
{
	char	tmp[VALID_WHY];

	if (valid_hostname(domain, tmp, sizeof tmp) == -1) {
		snprintf(why, whylen, "not a host name: %s", tmp);
		return -1;
	}
	if (strlen(domain) + 7 > VALID_NAME_MAX) {
		snprintf(why, whylen, "_dmarc. and the domain make %zu bytes, "
		    "more than the %d a DNS name may have", strlen(domain) +
		    7, VALID_NAME_MAX);
		return -1;
	}
	if ((size_t)snprintf(out, outlen, "_dmarc.%s", domain) >= outlen) {
		snprintf(why, whylen, "no room for the name");
		return -1;
	}
	return 0;
}
