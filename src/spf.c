/*
 * spf.c: SPF records, their grammar (RFC 7208, section 12). See spf.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "spf.h"

static const struct {
	const char	*name;
	enum spf_kind	 kind;
} mechs[] = {
	{ "all", SPF_ALL },
	{ "include", SPF_INCLUDE },
	{ "a", SPF_A },
	{ "mx", SPF_MX },
	{ "ptr", SPF_PTR },
	{ "ip4", SPF_IP4 },
	{ "ip6", SPF_IP6 },
	{ "exists", SPF_EXISTS },
};

const char *
spf_kind_name(enum spf_kind k)
{
	size_t	i;

	for (i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
		if (mechs[i].kind == k)
			return mechs[i].name;
	switch (k) {
	case SPF_REDIRECT:
		return "redirect";
	case SPF_EXP:
		return "exp";
	default:
		return "modifier";
	}
}

int
spf_is_record(const char *s)
{
	return strncasecmp(s, "v=spf1", 6) == 0 && (s[6] == '\0' ||
	    s[6] == ' ');
}

int
spf_queries(const struct spf_term *t)
{
	switch (t->kind) {
	case SPF_INCLUDE:
	case SPF_A:
	case SPF_MX:
	case SPF_PTR:
	case SPF_EXISTS:
	case SPF_REDIRECT:
		return 1;
	default:
		return 0;
	}
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

/*
 * A macro-expand at s ("%{d}", "%%", "%_", "%-"): its length, or 0 if
 * it is not one. exp (explanations) may use c, r and t too.
 */
static size_t
macro(const char *s, int exp)
{
	const char	*p = s + 2;
	const char	*letters = exp ? "slodiphcrtv" : "slodiphv";
	int		 c;

	if (s[1] == '%' || s[1] == '_' || s[1] == '-')
		return 2;
	if (s[1] != '{')
		return 0;
	c = *p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p;
	if (c == '\0' || strchr(letters, c) == NULL)
		return 0;
	p++;
	while (is_digit(*p))
		p++;
	if (*p == 'r' || *p == 'R')
		p++;
	while (*p != '\0' && strchr(".-+,/_=", *p) != NULL)
		p++;
	if (*p != '}')
		return 0;
	return (size_t)(p - s) + 1;
}

/*
 * A macro-string: visible characters and macros. Returns 0, setting
 * *macros when it holds one and *end_macro when it ends with one; -1
 * with why.
 */
static int
macro_string(const char *s, int exp, int *macros, int *end_macro, char *why,
    size_t len)
{
	size_t	n;

	*macros = *end_macro = 0;
	while (*s != '\0') {
		if (*s == '%') {
			if ((n = macro(s, exp)) == 0) {
				snprintf(why, len, "a bad macro");
				return -1;
			}
			*macros = 1;
			s += n;
			*end_macro = *s == '\0';
			continue;
		}
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e) {
			snprintf(why, len, "a character that SPF does not allow");
			return -1;
		}
		s++;
	}
	return 0;
}

/*
 * A toplabel (RFC 7208 section 12): letters and digits, at least one
 * letter; or with hyphens inside.
 */
static int
toplabel(const char *s, size_t n)
{
	size_t	i;
	int	alpha = 0, hyphen = 0;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if (is_alpha(s[i]))
			alpha = 1;
		else if (s[i] == '-')
			hyphen = 1;
		else if (!is_digit(s[i]))
			return 0;
	}
	return alpha || hyphen;
}

/*
 * A domain-spec: a macro-string that ends with a macro or with "."
 * and a toplabel (and an optional final dot). Without macros it must
 * be a name DNS can look up: 253 bytes at most, labels of 1 to 63.
 */
static int
domain_spec(const char *s, int *macros, char *why, size_t len)
{
	const char	*e, *dot, *l;
	int		 end_macro;
	size_t		 n;

	if (*s == '\0') {
		snprintf(why, len, "no domain");
		return -1;
	}
	if (macro_string(s, 0, macros, &end_macro, why, len) == -1)
		return -1;
	if (end_macro)
		return 0;
	n = strlen(s);
	e = s + n;
	if (e[-1] == '.')
		e--;
	for (dot = e; dot > s && dot[-1] != '.'; dot--)
		;
	if (dot == s || !toplabel(dot, (size_t)(e - dot))) {
		snprintf(why, len, "not a domain name");
		return -1;
	}
	if (*macros)
		return 0;
	if ((size_t)(e - s) > 253) {
		snprintf(why, len, "a name longer than 253 bytes");
		return -1;
	}
	for (l = s; l < e; l = dot + 1) {
		dot = memchr(l, '.', (size_t)(e - l));
		if (dot == NULL)
			dot = e;
		if (dot == l || dot - l > 63) {
			snprintf(why, len, "not a domain name (an empty label, "
			    "or one longer than 63 bytes)");
			return -1;
		}
	}
	return 0;
}

/* "/N", N in 0..max without leading zeros: N, or -1. */
static int
prefix(const char *s, int max)
{
	int	v = 0;

	if (*s != '/' || !is_digit(s[1]) || (s[1] == '0' && s[2] != '\0'))
		return -1;
	for (s++; *s != '\0'; s++) {
		if (!is_digit(*s) || v > max)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v <= max ? v : -1;
}

/*
 * The dual-cidr-length at the end of s, cut off: "/24", "//64",
 * "/24//64". Returns 0, or -1 with why.
 */
static int
dual_cidr(char *s, struct spf_term *t, char *why, size_t len)
{
	char	*p;

	t->cidr4 = t->cidr6 = -1;
	p = strstr(s, "//");
	if (p != NULL) {
		if ((t->cidr6 = prefix(p + 1, 128)) == -1) {
			snprintf(why, len, "a bad IPv6 prefix length");
			return -1;
		}
		*p = '\0';
	}
	/* "/N" after the domain-spec: a macro's delimiters hold no '/'. */
	p = strrchr(s, '/');
	if (p != NULL && strchr(p, '}') == NULL) {
		if ((t->cidr4 = prefix(p, 32)) == -1) {
			snprintf(why, len, "a bad IPv4 prefix length");
			return -1;
		}
		*p = '\0';
	}
	return 0;
}

/* ip4:ADDRESS[/N], ip6:ADDRESS[/N]. */
static int
network(char *s, struct spf_term *t, char *why, size_t len)
{
	char	*p = strchr(s, '/');
	int	 v6 = t->kind == SPF_IP6, bits;
	uint8_t	 a[16];

	if (p != NULL) {
		if ((bits = prefix(p, v6 ? 128 : 32)) == -1) {
			snprintf(why, len, "a bad prefix length");
			return -1;
		}
		*p = '\0';
		if (v6)
			t->cidr6 = bits;
		else
			t->cidr4 = bits;
	}
	memset(t->addr, 0, sizeof t->addr);
	if (v6) {
		if (inet_pton(AF_INET6, s, a) != 1) {
			snprintf(why, len, "not an IPv6 address");
			return -1;
		}
		memcpy(t->addr, a, 16);
	} else {
		if (inet_pton(AF_INET, s, a) != 1) {
			snprintf(why, len, "not an IPv4 address");
			return -1;
		}
		t->addr[10] = t->addr[11] = 0xff;
		memcpy(t->addr + 12, a, 4);
	}
	return 0;
}

/* A modifier's name: ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ). */
static int
mod_name(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || !is_alpha(s[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) &&
		    strchr("-_.", s[i]) == NULL)
			return 0;
	return 1;
}

static int
modifier(struct spf *r, char *s, char *eq, char *why, size_t len)
{
	struct spf_term	*t = &r->t[r->n];
	int		 end_macro;

	*eq = '\0';
	t->qualifier = '+';
	t->cidr4 = t->cidr6 = -1;
	if (strcasecmp(s, "redirect") == 0 || strcasecmp(s, "exp") == 0) {
		t->kind = strcasecmp(s, "redirect") == 0 ? SPF_REDIRECT :
		    SPF_EXP;
		if ((t->kind == SPF_REDIRECT && r->redirect != -1) ||
		    (t->kind == SPF_EXP && spf_has(r, SPF_EXP))) {
			snprintf(why, len, "%s given twice", s);
			return -1;
		}
		if (domain_spec(eq + 1, &t->macros, why, len) == -1)
			return -1;
		t->domain = eq + 1;
		if (t->kind == SPF_REDIRECT)
			r->redirect = (int)r->n;
		return 0;
	}
	t->kind = SPF_UNKNOWN_MOD;
	t->domain = s;
	return macro_string(eq + 1, 0, &t->macros, &end_macro, why, len);
}

static int
directive(struct spf *r, char *s, char *why, size_t len)
{
	struct spf_term	*t = &r->t[r->n];
	char		*arg;
	size_t		 i, n;

	t->qualifier = '+';
	t->cidr4 = t->cidr6 = -1;
	if (*s != '\0' && strchr("+-~?", *s) != NULL)
		t->qualifier = *s++;
	n = strcspn(s, ":/");
	for (i = 0; i < sizeof mechs / sizeof mechs[0]; i++)
		if (strlen(mechs[i].name) == n &&
		    strncasecmp(s, mechs[i].name, n) == 0)
			break;
	if (i == sizeof mechs / sizeof mechs[0]) {
		snprintf(why, len, "an unknown mechanism");
		return -1;
	}
	t->kind = mechs[i].kind;
	arg = s + n;
	switch (t->kind) {
	case SPF_ALL:
		if (*arg != '\0') {
			snprintf(why, len, "all takes nothing");
			return -1;
		}
		r->all = (int)r->n;
		return 0;
	case SPF_IP4:
	case SPF_IP6:
		if (*arg != ':') {
			snprintf(why, len, "%s without an address",
			    mechs[i].name);
			return -1;
		}
		return network(arg + 1, t, why, len);
	case SPF_INCLUDE:
	case SPF_EXISTS:
		if (*arg != ':') {
			snprintf(why, len, "%s without a domain",
			    mechs[i].name);
			return -1;
		}
		t->domain = arg + 1;
		return domain_spec(t->domain, &t->macros, why, len);
	case SPF_PTR:
		if (*arg == '\0')
			return 0;
		if (*arg != ':') {
			snprintf(why, len, "ptr takes no prefix length");
			return -1;
		}
		t->domain = arg + 1;
		return domain_spec(t->domain, &t->macros, why, len);
	default:	/* a, mx */
		if (dual_cidr(arg, t, why, len) == -1)
			return -1;
		if (*arg == '\0')
			return 0;
		if (*arg != ':') {
			snprintf(why, len, "%s followed by something else",
			    mechs[i].name);
			return -1;
		}
		t->domain = arg + 1;
		return domain_spec(t->domain, &t->macros, why, len);
	}
}

int
spf_has(const struct spf *r, enum spf_kind k)
{
	size_t	i;

	for (i = 0; i < r->n; i++)
		if (r->t[i].kind == k)
			return 1;
	return 0;
}

/*
 * A term as the reason names it: its first bytes, those SPF does not
 * allow as '?', "..." when cut (it is then cut in place by the parse).
 */
static void
name_term(const char *s, char *out, size_t len)
{
	size_t	i, n = strlen(s);

	for (i = 0; i < n && i + 1 < len; i++)
		out[i] = (unsigned char)s[i] < 0x21 ||
		    (unsigned char)s[i] > 0x7e ? '?' : s[i];
	out[i] = '\0';
	if (i < n && len > 4)
		memcpy(out + len - 4, "...", 4);
}

int
spf_parse(const char *text, struct spf *r, char *why, size_t len)
{
	char	*s, *e, *eq, reason[128], term[48];
	size_t	 n = strlen(text);

	memset(r, 0, sizeof *r);
	r->redirect = r->all = -1;
	if (!spf_is_record(text)) {
		snprintf(why, len, "not an SPF record (no v=spf1)");
		return -1;
	}
	if (n > SPF_TEXT_MAX) {
		snprintf(why, len, "longer than %d bytes", SPF_TEXT_MAX);
		return -1;
	}
	memcpy(r->text, text, n + 1);
	for (s = r->text + 6; *s != '\0'; s = e) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		e = s + strcspn(s, " ");
		if (*e != '\0')
			*e++ = '\0';
		if (r->n == SPF_TERMS_MAX) {
			snprintf(why, len, "more than %d terms",
			    SPF_TERMS_MAX);
			return -1;
		}
		name_term(s, term, sizeof term);
		eq = s + strcspn(s, "=:/");
		if ((*eq == '=' && mod_name(s, (size_t)(eq - s)) ?
		    modifier(r, s, eq, reason, sizeof reason) :
		    directive(r, s, reason, sizeof reason)) == -1) {
			snprintf(why, len, "%s: %s", term, reason);
			return -1;
		}
		r->n++;
	}
	return 0;
}
