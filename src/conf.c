/*
 * conf.c: reading the configuration file.
 *
 * A small recursive-descent parser over a tokeniser; every error names
 * the file, the line and what was expected there.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "fetch.h"
#include "norm.h"
#include "record.h"
#include "sha256.h"
#include "valid.h"

enum tok {
	T_EOF,
	T_WORD,		/* bare or quoted */
	T_LBRACE,
	T_RBRACE,
	T_SEMI,
};

struct lexer {
	const char	*name;
	const char	*p, *end;
	int		 line;
	/* The current token. */
	enum tok	 tok;
	int		 quoted;
	int		 tline;
	struct buf	 text;
	struct conf	*conf;
	struct arena	*mem;
	struct dr_error	*err;
	int		 services_only;	/* a catalogue file */
	const char	*file;		/* name, kept in mem */
};

/* Threshold bits in conf_domain.th_set. */
enum {
	TH_WINDOW = 1 << 0,
	TH_MIN_DAYS = 1 << 1,
	TH_MIN_MESSAGES = 1 << 2,
	TH_PASS = 1 << 3,
	TH_STEP_BACK = 1 << 4,
	TH_DKIM = 1 << 5,
	TH_SIGNIFICANT = 1 << 6,
	TH_PARTIAL_PCT = 1 << 7,
	TH_UNVERIFIED_MESSAGES = 1 << 8,
	TH_UNVERIFIED_SHARE = 1 << 9,
	TH_HARM_MESSAGES = 1 << 10,
	TH_HARM = 1 << 11,
};

static const struct conf_thresholds th_defaults = {
	.window = 30,
	.min_days = 14,
	.min_messages = 100,
	.pass = 99.0,
	.step_back = 95.0,
	.dkim = 99.0,
	.significant = 1.0,
	.partial_pct = 0,
	.unverified_messages = 50,
	.unverified_share = 0.1,
	.harm_messages = 10,
	.harm = 2.0,
};

/* The arena lives in the conf, behind its public part. */
struct conf_priv {
	struct conf	pub;
	struct arena	mem;
};

static int
lex_err(struct lexer *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
lex_err(struct lexer *l, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return dr_seterr(l->err, DR_E_USAGE, "%s:%d: %s", l->name, l->tline,
	    msg);
}

/* What the current token is, for "expected X, found Y". */
static const char *
found(struct lexer *l)
{
	static char	what[80];

	switch (l->tok) {
	case T_EOF:
		return "end of file";
	case T_LBRACE:
		return "'{'";
	case T_RBRACE:
		return "'}'";
	case T_SEMI:
		return "';'";
	case T_WORD:
		break;
	}
	snprintf(what, sizeof what, "'%.60s'%s", l->text.data,
	    l->text.len > 60 ? "..." : "");
	return what;
}

/* Read the next token into l->tok (and l->text). */
static int
next(struct lexer *l)
{
	unsigned char	c;

	buf_reset(&l->text);
	l->quoted = 0;
	for (;;) {
		while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' ||
		    *l->p == '\r' || *l->p == '\n')) {
			if (*l->p == '\n')
				l->line++;
			l->p++;
		}
		if (l->p < l->end && *l->p == '#') {
			while (l->p < l->end && *l->p != '\n')
				l->p++;
			continue;
		}
		break;
	}
	l->tline = l->line;
	if (l->p == l->end) {
		l->tok = T_EOF;
		return 0;
	}
	c = (unsigned char)*l->p;
	switch (c) {
	case '{':
		l->p++;
		l->tok = T_LBRACE;
		return 0;
	case '}':
		l->p++;
		l->tok = T_RBRACE;
		return 0;
	case ';':
		l->p++;
		l->tok = T_SEMI;
		return 0;
	case '"':
		l->p++;
		for (;;) {
			if (l->p == l->end || *l->p == '\n')
				return lex_err(l, "unterminated quoted string");
			c = (unsigned char)*l->p++;
			if (c == '"')
				break;
			if (c == '\\' && l->p < l->end &&
			    (*l->p == '"' || *l->p == '\\'))
				c = (unsigned char)*l->p++;
			if (c < 0x20 && c != '\t')
				return lex_err(l, "control character in a "
				    "quoted string");
			if (buf_addc(&l->text, c) == -1)
				return dr_seterr(l->err, DR_E_NOMEM,
				    "out of memory");
		}
		l->tok = T_WORD;
		l->quoted = 1;
		if (buf_add(&l->text, "", 0) == -1)
			return dr_seterr(l->err, DR_E_NOMEM, "out of memory");
		return 0;
	default:
		break;
	}
	if (c < 0x20 || c == 0x7f)
		return lex_err(l, "unexpected control character (0x%02x)", c);
	while (l->p < l->end) {
		c = (unsigned char)*l->p;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		    c == '{' || c == '}' || c == ';' || c == '"' || c == '#')
			break;
		if (c < 0x20 || c == 0x7f)
			return lex_err(l, "unexpected control character "
			    "(0x%02x)", c);
		if (buf_addc(&l->text, c) == -1)
			return dr_seterr(l->err, DR_E_NOMEM, "out of memory");
		l->p++;
	}
	l->tok = T_WORD;
	return 0;
}

static int
expect(struct lexer *l, enum tok t, const char *what)
{
	if (l->tok != t)
		return lex_err(l, "expected %s, found %s", what, found(l));
	return next(l);
}

static char *
keep(struct lexer *l)
{
	char	*s;

	s = arena_strndup(l->mem, l->text.data, l->text.len);
	if (s == NULL)
		dr_seterr(l->err, DR_E_NOMEM, "out of memory");
	return s;
}

/* Append one element to a growable array. Returns it, or NULL. */
static void *
grow(struct lexer *l, void *arrp, size_t *n, size_t size)
{
	void	**arr = arrp;
	char	 *p;

	p = realloc(*arr, (*n + 1) * size);
	if (p == NULL) {
		dr_seterr(l->err, DR_E_NOMEM, "out of memory");
		return NULL;
	}
	*arr = p;
	memset(p + *n * size, 0, size);
	return p + (*n)++ * size;
}

/*
 * A domain name as the reports store them: lower case, no trailing dot.
 * Letters, digits, '-', '_' and '.' between non-empty labels.
 */
static char *
domain_word(struct lexer *l, const char *what)
{
	char	*s, *p;
	size_t	 n;

	if (l->tok != T_WORD)
		return lex_err(l, "expected %s, found %s", what, found(l)),
		    NULL;
	s = keep(l);
	if (s == NULL)
		return NULL;
	n = norm_domain(s);
	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || (*p == '.' && p > s &&
		    p[-1] != '.')))
			break;
	if (n == 0 || *p != '\0' || n > 253)
		return lex_err(l, "expected %s, found %s (not a domain "
		    "name)", what, found(l)), NULL;
	return s;
}

/*
 * The domain of a dkim or spf rule: a domain name, or "*." and one
 * (its subdomains, written out: a rule never takes the subdomains of
 * a domain unless asked, see conf_rule_domain).
 */
static char *
rule_word(struct lexer *l, const char *what)
{
	char	*s;
	int	 wild = l->tok == T_WORD && l->text.len > 2 &&
		    strncmp(l->text.data, "*.", 2) == 0;

	if (wild) {
		/* Checked without its "*.", which is put back. */
		memmove(l->text.data, l->text.data + 2, l->text.len - 1);
		l->text.len -= 2;
	}
	s = domain_word(l, what);
	if (s == NULL || !wild)
		return s;
	if (strchr(s, '.') == NULL)
		return lex_err(l, "*.%s: the subdomains of a top-level domain "
		    "are everyone's", s), NULL;
	{
		size_t n = strlen(s);
		char *w = arena_alloc(l->mem, n + 3);
		if (w == NULL) {
			dr_seterr(l->err, DR_E_NOMEM, "out of memory");
			return NULL;
		}
		memcpy(w, "*.", 2);
		memcpy(w + 2, s, n + 1);
		return w;
	}
}

static int
sender_block(struct lexer *l, struct conf_sender *s)
{
	char	why[160];

	if (expect(l, T_LBRACE, "'{' after the sender's name") == -1)
		return -1;
	while (l->tok != T_RBRACE) {
		if (l->tok != T_WORD)
			return lex_err(l, "expected ip, dkim, spf or '}', "
			    "found %s", found(l));
		if (strcmp(l->text.data, "ip") == 0) {
			int wide = 0;
			if (next(l) == -1)
				return -1;
			if (l->tok == T_WORD &&
			    strcmp(l->text.data, "wide") == 0) {
				wide = 1;
				if (next(l) == -1)
					return -1;
			}
			if (l->tok != T_WORD)
				return lex_err(l, "expected an address or "
				    "block (192.0.2.0/24, 2001:db8::/32), "
				    "found %s", found(l));
			while (l->tok == T_WORD) {
				struct cidr *c = grow(l, &s->ips, &s->nips,
				    sizeof *c);
				if (c == NULL)
					return -1;
				if (cidr_parse(l->text.data, c, why,
				    sizeof why) == -1)
					return lex_err(l, "%s: %s",
					    found(l), why);
				if (!wide && cidr_prefix(c) < (cidr_is_v4(c) ?
				    CIDR_MIN_V4 : CIDR_MIN_V6))
					return lex_err(l, "%s: a block wider "
					    "than /%u (%s) covers too much of "
					    "the internet to be one sender's; "
					    "write 'ip wide ...;' if you mean "
					    "it", found(l), cidr_is_v4(c) ?
					    CIDR_MIN_V4 : CIDR_MIN_V6,
					    cidr_is_v4(c) ? "IPv4" : "IPv6");
				if (next(l) == -1)
					return -1;
			}
		} else if (strcmp(l->text.data, "dkim") == 0) {
			struct conf_dkim *k;
			if (next(l) == -1)
				return -1;
			k = grow(l, &s->dkims, &s->ndkims, sizeof *k);
			if (k == NULL)
				return -1;
			k->domain = rule_word(l, "a DKIM signing domain");
			if (k->domain == NULL || next(l) == -1)
				return -1;
			if (l->tok == T_WORD &&
			    strcmp(l->text.data, "selector") == 0) {
				if (next(l) == -1)
					return -1;
				if (l->tok != T_WORD)
					return lex_err(l, "expected a DKIM "
					    "selector, found %s", found(l));
				while (l->tok == T_WORD) {
					char **sel = grow(l, &k->selectors,
					    &k->nselectors, sizeof *sel);
					if (sel == NULL)
						return -1;
					*sel = keep(l);
					if (*sel == NULL)
						return -1;
					norm_lower(*sel);
					if (next(l) == -1)
						return -1;
				}
			}
		} else if (strcmp(l->text.data, "spf") == 0) {
			if (next(l) == -1)
				return -1;
			if (l->tok != T_WORD)
				return lex_err(l, "expected an SPF (MAIL "
				    "FROM) domain, found %s", found(l));
			while (l->tok == T_WORD) {
				char **p = grow(l, &s->spfs, &s->nspfs,
				    sizeof *p);
				if (p == NULL)
					return -1;
				*p = rule_word(l, "an SPF (MAIL FROM) "
				    "domain");
				if (*p == NULL || next(l) == -1)
					return -1;
			}
		} else
			return lex_err(l, "unknown sender rule %s (expected "
			    "ip, dkim or spf)", found(l));
		if (expect(l, T_SEMI, "';' at the end of the rule") == -1)
			return -1;
	}
	if (s->nips + s->ndkims + s->nspfs == 0)
		return lex_err(l, "sender \"%s\" has no rule (ip, dkim or "
		    "spf)", s->name);
	return next(l);
}

/*
 * A service's rule value: a host name of two labels or more. what is
 * "a NOUN" or "an NOUN".
 */
static char *
service_domain(struct lexer *l, const char *what)
{
	char	 why[VALID_WHY];
	char	*s;

	const char	*noun = strchr(what, ' ') + 1;	/* "a ..." */

	s = domain_word(l, what);
	if (s == NULL)
		return NULL;
	if (valid_hostname(s, why, sizeof why) == -1)
		return lex_err(l, "%s %s is not a host name: %s", noun, s,
		    why), NULL;
	if (strchr(s, '.') == NULL)
		return lex_err(l, "%s %s is a top-level domain: it would "
		    "claim every domain below it", noun, s), NULL;
	return s;
}

/* An AS number, "11377" or "AS11377": 1 to 4294967294. */
static int
service_asn(struct lexer *l, uint32_t *out)
{
	const char		*p = l->text.data;
	unsigned long long	 v = 0;
	size_t			 n = 0;

	if (strncasecmp(p, "as", 2) == 0)
		p += 2;
	for (; *p >= '0' && *p <= '9' && n < 12; p++, n++)
		v = v * 10 + (unsigned)(*p - '0');
	if (n == 0 || *p != '\0' || v < 1 || v > 4294967294ULL)
		return lex_err(l, "AS number %s out of range (expected 1 to "
		    "4294967294)", found(l));
	*out = (uint32_t)v;
	return 0;
}

/*
 * service "NAME" { kind K; dkim D...; spf D...; ptr SUFFIX...;
 * as N...; fix "TEXT"; }, with "shared" after a rule's name marking its
 * values as claimed by other services too.
 */
static int
service_block(struct lexer *l, struct svc *v)
{
	char	rule[8];
	int	has_kind = 0, k, shared;

	if (expect(l, T_LBRACE, "'{' after the service's name") == -1)
		return -1;
	while (l->tok != T_RBRACE) {
		if (l->tok != T_WORD)
			return lex_err(l, "expected kind, dkim, spf, ptr, as, "
			    "fix or '}', found %s", found(l));
		if (strcmp(l->text.data, "kind") == 0) {
			if (next(l) == -1)
				return -1;
			k = l->tok == T_WORD ? svc_kind_parse(l->text.data) :
			    -1;
			if (k == -1)
				return lex_err(l, "unknown kind %s (expected "
				    SVC_KIND_NAMES ")", found(l));
			v->kind = (enum svc_kind)k;
			has_kind = 1;
			if (next(l) == -1)
				return -1;
		} else if (strcmp(l->text.data, "fix") == 0) {
			if (next(l) == -1)
				return -1;
			if (l->tok != T_WORD)
				return lex_err(l, "expected the fix (\"set up "
				    "DKIM for YOURDOMAIN in ...\"), found %s",
				    found(l));
			if (l->text.len > CATALOGUE_FIX_MAX)
				return lex_err(l, "the fix is longer than %d "
				    "bytes", CATALOGUE_FIX_MAX);
			v->fix = keep(l);
			if (v->fix == NULL || next(l) == -1)
				return -1;
		} else if (strcmp(l->text.data, "dkim") == 0 ||
		    strcmp(l->text.data, "spf") == 0 ||
		    strcmp(l->text.data, "ptr") == 0 ||
		    strcmp(l->text.data, "as") == 0) {
			snprintf(rule, sizeof rule, "%s", l->text.data);
			shared = 0;
			if (next(l) == -1)
				return -1;
			if (l->tok == T_WORD &&
			    strcmp(l->text.data, "shared") == 0) {
				shared = 1;
				if (next(l) == -1)
					return -1;
			}
			if (l->tok != T_WORD)
				return lex_err(l, "expected %s after %s, "
				    "found %s", rule[0] == 'a' ? "an AS number"
				    : rule[0] == 'p' ? "a PTR name suffix" :
				    "a domain", rule, found(l));
			while (l->tok == T_WORD) {
				const char *val;
				char num[16];
				if (rule[0] == 'a') {
					uint32_t *a = grow(l, &v->asns,
					    &v->nasns, sizeof *a);
					if (a == NULL || service_asn(l, a) ==
					    -1)
						return -1;
					snprintf(num, sizeof num, "%u",
					    (unsigned)*a);
					val = num;
				} else {
					char ***arr = rule[0] == 'd' ?
					    &v->dkims : rule[0] == 's' ?
					    &v->spfs : &v->ptrs;
					size_t *n = rule[0] == 'd' ?
					    &v->ndkims : rule[0] == 's' ?
					    &v->nspfs : &v->nptrs;
					char **d = grow(l, arr, n, sizeof *d);
					if (d == NULL)
						return -1;
					*d = service_domain(l, rule[0] == 'd' ?
					    "a DKIM domain" : rule[0] == 's' ?
					    "an SPF domain" : "a PTR suffix");
					if (*d == NULL)
						return -1;
					val = *d;
				}
				if (shared) {
					char **sh = grow(l, &v->shared,
					    &v->nshared, sizeof *sh);
					if (sh == NULL)
						return -1;
					*sh = arena_printf(l->mem, "%s %s",
					    rule, val);
					if (*sh == NULL)
						return dr_seterr(l->err,
						    DR_E_NOMEM, "out of "
						    "memory");
				}
				if (next(l) == -1)
					return -1;
			}
		} else
			return lex_err(l, "unknown service rule %s (expected "
			    "kind, dkim, spf, ptr, as or fix)", found(l));
		if (expect(l, T_SEMI, "';' at the end of the rule") == -1)
			return -1;
	}
	l->tline = v->line;
	if (!has_kind)
		return lex_err(l, "service \"%s\" has no kind (kind "
		    SVC_KIND_NAMES ";)", v->name);
	if (v->ndkims + v->nspfs + v->nptrs + v->nasns == 0)
		return lex_err(l, "service \"%s\" has no rule (dkim, spf, ptr "
		    "or as)", v->name);
	return next(l);
}

/* The statement after "service": a name and its block. */
static int
service_stmt(struct lexer *l, struct conf *c)
{
	struct svc	*v;
	size_t		 i;
	int		 line = l->tline;

	if (l->file == NULL) {
		l->file = arena_strndup(l->mem, l->name, strlen(l->name));
		if (l->file == NULL)
			return dr_seterr(l->err, DR_E_NOMEM, "out of memory");
	}
	if (next(l) == -1)
		return -1;
	if (l->tok != T_WORD || l->text.len == 0)
		return lex_err(l, "expected the service's name, found %s",
		    found(l));
	for (i = 0; i < c->nservices; i++)
		if (strcmp(c->services[i].name, l->text.data) == 0)
			return lex_err(l, "service \"%s\" is already "
			    "defined on line %d", l->text.data,
			    c->services[i].line);
	v = grow(l, &c->services, &c->nservices, sizeof *v);
	if (v == NULL)
		return -1;
	v->line = line;
	v->file = l->file;
	v->name = keep(l);
	if (v->name == NULL || next(l) == -1)
		return -1;
	return service_block(l, v);
}

static int
number(struct lexer *l, const char *name, double min, double max,
    double *out)
{
	char	*end;

	if (l->tok != T_WORD)
		return lex_err(l, "expected a number after %s, found %s", name,
		    found(l));
	errno = 0;
	*out = strtod(l->text.data, &end);
	if (l->text.data[0] < '0' || l->text.data[0] > '9' || errno != 0 ||
	    (*end != '\0' && strcmp(end, "%") != 0) || *out < min ||
	    *out > max)
		return lex_err(l, "%s must be a number from %g to %g, found "
		    "%s", name, min, max, found(l));
	return next(l);
}

static int
whole(double v, const char *name, struct lexer *l)
{
	if (v != (double)(uint64_t)v)
		return lex_err(l, "%s must be a whole number", name);
	return 0;
}

static int
thresholds_block(struct lexer *l, struct conf_domain *d)
{
	struct conf_thresholds	*th = &d->th;
	char			 name[32];
	double			 v;

	if (expect(l, T_LBRACE, "'{' after thresholds") == -1)
		return -1;
	while (l->tok != T_RBRACE) {
		if (l->tok != T_WORD)
			return lex_err(l, "expected a threshold name or '}', "
			    "found %s", found(l));
		snprintf(name, sizeof name, "%s", l->text.data);
		if (next(l) == -1)
			return -1;
		if (strcmp(name, "partial-pct") == 0) {
			if (l->tok != T_WORD || (strcmp(l->text.data, "yes") &&
			    strcmp(l->text.data, "no")))
				return lex_err(l, "expected yes or no after "
				    "partial-pct, found %s", found(l));
			th->partial_pct = strcmp(l->text.data, "yes") == 0;
			d->th_set |= TH_PARTIAL_PCT;
			if (next(l) == -1)
				return -1;
		} else if (strcmp(name, "window") == 0) {
			if (number(l, name, 1, 366, &v) == -1 ||
			    whole(v, name, l) == -1)
				return -1;
			th->window = (unsigned)v;
			d->th_set |= TH_WINDOW;
		} else if (strcmp(name, "min-days") == 0) {
			if (number(l, name, 0, 366, &v) == -1 ||
			    whole(v, name, l) == -1)
				return -1;
			th->min_days = (unsigned)v;
			d->th_set |= TH_MIN_DAYS;
		} else if (strcmp(name, "min-messages") == 0) {
			if (number(l, name, 0, 1e15, &v) == -1 ||
			    whole(v, name, l) == -1)
				return -1;
			th->min_messages = (uint64_t)v;
			d->th_set |= TH_MIN_MESSAGES;
		} else if (strcmp(name, "pass") == 0) {
			if (number(l, name, 0, 100, &th->pass) == -1)
				return -1;
			d->th_set |= TH_PASS;
		} else if (strcmp(name, "step-back") == 0) {
			if (number(l, name, 0, 100, &th->step_back) == -1)
				return -1;
			d->th_set |= TH_STEP_BACK;
		} else if (strcmp(name, "dkim") == 0) {
			if (number(l, name, 0, 100, &th->dkim) == -1)
				return -1;
			d->th_set |= TH_DKIM;
		} else if (strcmp(name, "significant") == 0) {
			if (number(l, name, 0, 100, &th->significant) == -1)
				return -1;
			d->th_set |= TH_SIGNIFICANT;
		} else if (strcmp(name, "unverified-messages") == 0) {
			if (number(l, name, 0, 1e15, &v) == -1 ||
			    whole(v, name, l) == -1)
				return -1;
			th->unverified_messages = (uint64_t)v;
			d->th_set |= TH_UNVERIFIED_MESSAGES;
		} else if (strcmp(name, "unverified-share") == 0) {
			if (number(l, name, 0, 100, &th->unverified_share) ==
			    -1)
				return -1;
			d->th_set |= TH_UNVERIFIED_SHARE;
		} else if (strcmp(name, "harm-messages") == 0) {
			if (number(l, name, 0, 1e15, &v) == -1 ||
			    whole(v, name, l) == -1)
				return -1;
			th->harm_messages = (uint64_t)v;
			d->th_set |= TH_HARM_MESSAGES;
		} else if (strcmp(name, "harm") == 0) {
			if (number(l, name, 0, 100, &th->harm) == -1)
				return -1;
			d->th_set |= TH_HARM;
		} else {
			l->tline = l->line;
			return lex_err(l, "unknown threshold '%s' (expected "
			    "window, min-days, min-messages, pass, step-back, "
			    "dkim, significant, partial-pct, "
			    "unverified-messages, unverified-share, "
			    "harm-messages or harm)", name);
		}
		if (expect(l, T_SEMI, "';' after the threshold") == -1)
			return -1;
	}
	return next(l);
}

/* what "name" ...;: the senders' names (as sources shows them). */
static int
names_list(struct lexer *l, const char *what, char ***v, size_t *n)
{
	if (l->tok != T_WORD)
		return lex_err(l, "expected a sender's name after %s (a "
		    "service or a domain, as sources shows it), found %s",
		    what, found(l));
	while (l->tok == T_WORD) {
		char **e = grow(l, v, n, sizeof *e);
		if (e == NULL || (*e = keep(l)) == NULL || next(l) == -1)
			return -1;
	}
	return expect(l, T_SEMI, "';' after the names");
}

/*
 * digest-to ADDRESS ...;: the addresses are checked where they are used
 * (cmd-digest.c), as those of digest { to } are, and by config check
 * (digest_conf_check).
 */
static int
digest_to(struct lexer *l, struct conf_domain *d)
{
	if (d->names == NULL)
		return lex_err(l, "digest-to belongs in a domain block, not in "
		    "default (digest { to ...; } gets every domain)");
	if (d->ndigest_to > 0)
		return lex_err(l, "digest-to is already set on line %d",
		    d->line_digest_to);
	d->line_digest_to = l->tline;
	if (next(l) == -1)
		return -1;
	if (l->tok != T_WORD)
		return lex_err(l, "expected an address after digest-to, found "
		    "%s", found(l));
	while (l->tok == T_WORD) {
		char **to = grow(l, &d->digest_to, &d->ndigest_to,
		    sizeof *to);
		if (to == NULL || (*to = keep(l)) == NULL || next(l) == -1)
			return -1;
	}
	return expect(l, T_SEMI, "';' after the addresses");
}

static int
domain_block(struct lexer *l, struct conf_domain *d)
{
	size_t	i;

	if (expect(l, T_LBRACE, d->names ? "'{' after the domain names" :
	    "'{' after default") == -1)
		return -1;
	while (l->tok != T_RBRACE) {
		if (l->tok != T_WORD)
			return lex_err(l, "expected sender, record, "
			    "thresholds or '}', found %s", found(l));
		if (strcmp(l->text.data, "sender") == 0) {
			struct conf_sender *s;
			int line = l->tline;
			if (next(l) == -1)
				return -1;
			if (l->tok != T_WORD)
				return lex_err(l, "expected the sender's name, "
				    "found %s", found(l));
			for (i = 0; i < d->nsenders; i++)
				if (strcmp(d->senders[i].name,
				    l->text.data) == 0)
					return lex_err(l, "sender \"%s\" is "
					    "already defined on line %d",
					    l->text.data, d->senders[i].line);
			s = grow(l, &d->senders, &d->nsenders, sizeof *s);
			if (s == NULL)
				return -1;
			s->line = line;
			s->name = keep(l);
			if (s->name == NULL || next(l) == -1 ||
			    sender_block(l, s) == -1)
				return -1;
		} else if (strcmp(l->text.data, "record") == 0) {
			if (d->names == NULL)
				return lex_err(l, "record belongs in a domain "
				    "block, not in default");
			if (next(l) == -1)
				return -1;
			if (l->tok != T_WORD || strncasecmp(l->text.data,
			    "v=DMARC1", 8) != 0)
				return lex_err(l, "expected the published "
				    "DMARC record (\"v=DMARC1; ...\"), found "
				    "%s", found(l));
			d->record = keep(l);
			if (d->record == NULL)
				return -1;
			/* Only DMARC grammar: advise publishes its tags. */
			{
				char why[160];
				struct dmarc_record *r = record_parse(
				    d->record, why, sizeof why);
				if (r == NULL)
					return lex_err(l, "the record is not "
					    "a DMARC record: %s", why);
				record_free(r);
			}
			if (next(l) == -1 ||
			    expect(l, T_SEMI, "';' after the record") == -1)
				return -1;
		} else if (strcmp(l->text.data, "thresholds") == 0) {
			if (next(l) == -1 || thresholds_block(l, d) == -1)
				return -1;
		} else if (strcmp(l->text.data, "not-ours") == 0) {
			if (next(l) == -1 || names_list(l, "not-ours",
			    &d->not_ours, &d->nnot_ours) == -1)
				return -1;
		} else if (strcmp(l->text.data, "forwarder") == 0) {
			if (next(l) == -1 || names_list(l, "forwarder",
			    &d->forwarders, &d->nforwarders) == -1)
				return -1;
		} else if (strcmp(l->text.data, "digest-to") == 0) {
			if (digest_to(l, d) == -1)
				return -1;
		} else
			return lex_err(l, "unknown statement %s in a %s block "
			    "(expected sender, record, thresholds, not-ours, "
			    "forwarder or digest-to)", found(l), d->names ?
			    "domain" : "default");
	}
	return next(l);
}

static int
digest_block(struct lexer *l, struct conf_digest *g)
{
	char	**field;

	if (expect(l, T_LBRACE, "'{' after digest") == -1)
		return -1;
	while (l->tok != T_RBRACE) {
		if (l->tok != T_WORD)
			return lex_err(l, "expected from, to, subject, smtp, "
			    "ca-file, allow-cleartext or '}', found %s",
			    found(l));
		if (strcmp(l->text.data, "allow-cleartext") == 0) {
			if (next(l) == -1)
				return -1;
			if (l->tok != T_WORD || (strcmp(l->text.data, "yes") &&
			    strcmp(l->text.data, "no")))
				return lex_err(l, "expected yes or no after "
				    "allow-cleartext, found %s", found(l));
			g->allow_cleartext = strcmp(l->text.data, "yes") == 0;
			if (next(l) == -1)
				return -1;
		} else if (strcmp(l->text.data, "to") == 0) {
			g->line_to = l->tline;
			if (next(l) == -1)
				return -1;
			if (l->tok != T_WORD)
				return lex_err(l, "expected an address after "
				    "to, found %s", found(l));
			while (l->tok == T_WORD) {
				char **to = grow(l, &g->to, &g->nto,
				    sizeof *to);
				if (to == NULL)
					return -1;
				*to = keep(l);
				if (*to == NULL || next(l) == -1)
					return -1;
			}
		} else {
			if (strcmp(l->text.data, "from") == 0) {
				field = &g->from;
				g->line_from = l->tline;
			} else if (strcmp(l->text.data, "subject") == 0)
				field = &g->subject;
			else if (strcmp(l->text.data, "smtp") == 0)
				field = &g->smtp;
			else if (strcmp(l->text.data, "ca-file") == 0) {
				field = &g->ca_file;
				g->line_ca_file = l->tline;
			} else
				return lex_err(l, "unknown digest setting %s "
				    "(expected from, to, subject, smtp, "
				    "ca-file or allow-cleartext)", found(l));
			if (next(l) == -1)
				return -1;
			if (l->tok != T_WORD)
				return lex_err(l, "expected a value, found %s",
				    found(l));
			*field = keep(l);
			if (*field == NULL || next(l) == -1)
				return -1;
		}
		if (expect(l, T_SEMI, "';' after the setting") == -1)
			return -1;
	}
	return next(l);
}

static int
limits_block(struct lexer *l, struct conf_limits *lim)
{
	char	name[32];
	double	v;

	if (expect(l, T_LBRACE, "'{' after limits") == -1)
		return -1;
	while (l->tok != T_RBRACE) {
		if (l->tok != T_WORD)
			return lex_err(l, "expected domains, dns-lookups or "
			    "'}', found %s", found(l));
		snprintf(name, sizeof name, "%s", l->text.data);
		if (strcmp(name, "domains") == 0) {
			if (next(l) == -1 || number(l, name, 1, 100000, &v) ==
			    -1 || whole(v, name, l) == -1)
				return -1;
			lim->domains = (unsigned)v;
		} else if (strcmp(name, "dns-lookups") == 0) {
			if (next(l) == -1 || number(l, name, 0, 100000, &v) ==
			    -1 || whole(v, name, l) == -1)
				return -1;
			lim->dns_lookups = (unsigned)v;
		} else
			return lex_err(l, "unknown limit %s (expected domains "
			    "or dns-lookups)", found(l));
		if (expect(l, T_SEMI, "';' after the limit") == -1)
			return -1;
	}
	return next(l);
}

/* "location-db PATH;": the IPFire location database (geo.h). */
static int
location_db(struct lexer *l, struct conf *c)
{
	if (c->location_db != NULL)
		return lex_err(l, "location-db is set twice");
	if (l->tok != T_WORD || l->text.len == 0)
		return lex_err(l, "expected the location database's path "
		    "after location-db, found %s", found(l));
	c->location_db = keep(l);
	if (c->location_db == NULL || next(l) == -1)
		return -1;
	return expect(l, T_SEMI, "';' after the path");
}

/* resolver ADDR...; and resolver-timeout MS; (rdns.h). */
static int
resolver_stmt(struct lexer *l, struct rdns_conf *r, int timeout)
{
	struct dr_error	e;
	double		v;

	if (next(l) == -1)
		return -1;
	if (timeout) {
		if (number(l, "resolver-timeout", 1, RDNS_TIMEOUT_MAX, &v) ==
		    -1 || whole(v, "resolver-timeout", l) == -1)
			return -1;
		r->timeout_ms = (unsigned)v;
	} else {
		if (l->tok != T_WORD)
			return lex_err(l, "expected a server after resolver "
			    "(ADDR, ADDR:PORT or [ADDR6]:PORT), found %s",
			    found(l));
		while (l->tok == T_WORD) {
			if (rdns_servers_parse(r, l->text.data, &e) == -1) {
				if (e.code == DR_E_NOMEM)
					return dr_seterr(l->err, DR_E_NOMEM,
					    "out of memory");
				return lex_err(l, "%s", e.msg);
			}
			if (next(l) == -1)
				return -1;
		}
	}
	return expect(l, T_SEMI, timeout ? "';' after resolver-timeout" :
	    "';' after the resolvers");
}

/*
 * "ca-file PATH;" (once) and "connect-to HOST:PORT:ADDR:PORT ...;":
 * HTTPS fetches (fetch.h).
 */
static int
https_stmt(struct lexer *l, struct conf *c, int ca)
{
	char	why[200];

	if (ca && c->ca_file != NULL)
		return lex_err(l, "ca-file is already set on line %d",
		    c->line_ca_file);
	if (ca)
		c->line_ca_file = l->tline;
	if (next(l) == -1)
		return -1;
	if (ca) {
		if (l->tok != T_WORD || l->text.len == 0)
			return lex_err(l, "expected a file after ca-file, "
			    "found %s", found(l));
		c->ca_file = keep(l);
		if (c->ca_file == NULL || next(l) == -1)
			return -1;
		return expect(l, T_SEMI, "';' after the file");
	}
	if (l->tok != T_WORD)
		return lex_err(l, "expected HOST:PORT:ADDRESS:PORT after "
		    "connect-to, found %s", found(l));
	while (l->tok == T_WORD) {
		char **to;
		if (fetch_connect_to_check(l->text.data, why, sizeof why) ==
		    -1)
			return lex_err(l, "connect-to %s: %s", found(l), why);
		if (c->nconnect_to == FETCH_CONNECT_TO_MAX)
			return lex_err(l, "more than %d connect-to mappings",
			    FETCH_CONNECT_TO_MAX);
		to = grow(l, &c->connect_to, &c->nconnect_to, sizeof *to);
		if (to == NULL)
			return -1;
		*to = keep(l);
		if (*to == NULL || next(l) == -1)
			return -1;
	}
	return expect(l, T_SEMI, "';' after the mappings");
}

static int
parse(struct lexer *l, struct conf *c)
{
	size_t	i, j, k;

	if (next(l) == -1)
		return -1;
	while (l->tok != T_EOF) {
		if (l->services_only && (l->tok != T_WORD ||
		    strcmp(l->text.data, "service") != 0))
			return lex_err(l, "expected service, found %s (a "
			    "catalogue holds service blocks only)", found(l));
		if (l->tok != T_WORD)
			return lex_err(l, "expected thresholds, default, "
			    "domain, digest, limits, location-db, resolver, "
			    "ca-file or connect-to, found %s",
			    found(l));
		if (strcmp(l->text.data, "service") == 0) {
			if (service_stmt(l, c) == -1)
				return -1;
		} else if (strcmp(l->text.data, "services") == 0) {
			if (c->services_file != NULL)
				return lex_err(l, "services is already set on "
				    "line %d", c->services_line);
			c->services_line = l->tline;
			if (next(l) == -1)
				return -1;
			if (l->tok != T_WORD || l->text.len == 0)
				return lex_err(l, "expected the catalogue's "
				    "file after services, found %s", found(l));
			c->services_file = keep(l);
			if (c->services_file == NULL || next(l) == -1 ||
			    expect(l, T_SEMI, "';' after the file") == -1)
				return -1;
		} else if (strcmp(l->text.data, "thresholds") == 0) {
			if (next(l) == -1 || thresholds_block(l, &c->deflt) ==
			    -1)
				return -1;
		} else if (strcmp(l->text.data, "default") == 0) {
			if (next(l) == -1 || domain_block(l, &c->deflt) == -1)
				return -1;
		} else if (strcmp(l->text.data, "digest") == 0) {
			if (next(l) == -1 || digest_block(l, &c->digest) == -1)
				return -1;
		} else if (strcmp(l->text.data, "limits") == 0) {
			if (next(l) == -1 || limits_block(l, &c->limits) == -1)
				return -1;
		} else if (strcmp(l->text.data, "location-db") == 0) {
			if (next(l) == -1 || location_db(l, c) == -1)
				return -1;
		} else if (strcmp(l->text.data, "resolver") == 0 ||
		    strcmp(l->text.data, "resolver-timeout") == 0) {
			if (resolver_stmt(l, &c->resolver,
			    l->text.data[8] != '\0') == -1)
				return -1;
		} else if (strcmp(l->text.data, "ca-file") == 0 ||
		    strcmp(l->text.data, "connect-to") == 0) {
			if (https_stmt(l, c, l->text.data[1] == 'a') == -1)
				return -1;
		} else if (strcmp(l->text.data, "domain") == 0) {
			struct conf_domain *d;
			d = grow(l, &c->domains, &c->ndomains, sizeof *d);
			if (d == NULL)
				return -1;
			d->line = l->tline;
			if (next(l) == -1)
				return -1;
			if (l->tok != T_WORD)
				return lex_err(l, "expected a domain name after "
				    "domain, found %s", found(l));
			while (l->tok == T_WORD) {
				char **n = grow(l, &d->names, &d->nnames,
				    sizeof *n);
				if (n == NULL)
					return -1;
				*n = domain_word(l, "a domain name");
				if (*n == NULL)
					return -1;
				{
					char why[VALID_WHY];
					if (valid_hostname(*n, why,
					    sizeof why) == -1)
						return lex_err(l, "domain %s "
						    "is not a host name: %s",
						    *n, why);
				}
				for (i = 0; i < c->ndomains; i++)
					for (j = 0; j < c->domains[i].nnames;
					    j++) {
						if (&c->domains[i].names[j] ==
						    n || strcmp(*n,
						    c->domains[i].names[j]))
							continue;
						return lex_err(l, "domain %s "
						    "is already configured "
						    "on line %d", *n,
						    c->domains[i].line);
					}
				if (next(l) == -1)
					return -1;
			}
			if (domain_block(l, d) == -1)
				return -1;
		} else
			return lex_err(l, "unknown statement %s (expected "
			    "thresholds, default, domain, digest, limits, "
			    "location-db, resolver, ca-file or connect-to)",
			    found(l));
	}
	/* A domain's sender may not reuse a default sender's name. */
	for (i = 0; i < c->ndomains; i++)
		for (j = 0; j < c->domains[i].nsenders; j++)
			for (k = 0; k < c->deflt.nsenders; k++)
				if (strcmp(c->domains[i].senders[j].name,
				    c->deflt.senders[k].name) == 0) {
					l->tline = c->domains[i].senders[j].line;
					return lex_err(l, "sender \"%s\" is "
					    "already defined in default on "
					    "line %d",
					    c->deflt.senders[k].name,
					    c->deflt.senders[k].line);
				}
	return 0;
}

static int parse_text(const char *, const char *, size_t, int,
    struct conf **, struct dr_error *);

int
conf_parse(const char *name, const char *text, size_t len, struct conf **out,
    struct dr_error *err)
{
	return parse_text(name, text, len, 0, out, err);
}

int
conf_parse_services(const char *name, const char *text, size_t len,
    struct conf **out, struct dr_error *err)
{
	return parse_text(name, text, len, 1, out, err);
}

static int
parse_text(const char *name, const char *text, size_t len, int services_only,
    struct conf **out, struct dr_error *err)
{
	struct conf_priv	*cp;
	struct lexer		 l;
	int			 rc;

	*out = NULL;
	cp = calloc(1, sizeof *cp);
	if (cp == NULL)
		return dr_seterr(err, DR_E_NOMEM, "out of memory");
	cp->pub.deflt.th = th_defaults;
	cp->pub.limits.domains = CONF_DOMAINS;
	cp->pub.limits.dns_lookups = CONF_DNS_LOOKUPS;
	memset(&l, 0, sizeof l);
	l.name = name;
	l.p = text;
	l.end = text + len;
	l.line = 1;
	l.conf = &cp->pub;
	l.mem = &cp->mem;
	l.err = err;
	l.services_only = services_only;
	if (memchr(text, '\0', len) != NULL) {
		const char *z = memchr(text, '\0', len);
		for (; l.p < z; l.p++)
			if (*l.p == '\n')
				l.line++;
		l.tline = l.line;
		rc = lex_err(&l, "NUL byte in the file");
	} else
		rc = parse(&l, &cp->pub);
	buf_free(&l.text);
	if (rc == 0 && sha256_buf(text, len, cp->pub.sha256) == -1)
		rc = dr_seterr(err, DR_E_NOMEM, "out of memory");
	if (rc == -1) {
		conf_free(&cp->pub);
		return -1;
	}
	*out = &cp->pub;
	return 0;
}

/* What a file that is not a regular one is, for messages. */
static const char *
file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	return "of an unknown type";
}

/* Is st the null device (/dev/null, or another name for it)? */
static int
is_null_device(const struct stat *st)
{
	struct stat	nst;

	return S_ISCHR(st->st_mode) && stat("/dev/null", &nst) == 0 &&
	    S_ISCHR(nst.st_mode) && nst.st_rdev == st->st_rdev;
}

static int	conf_read(const char *, struct conf **, struct dr_error *);

int
conf_load(const char *path, struct conf **out, struct dr_error *err)
{
	if (conf_read(path, out, err) == -1)
		return -1;
	if (rdns_conf_env(&(*out)->resolver, err) == -1) {
		conf_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static int
conf_read(const char *path, struct conf **out, struct dr_error *err)
{
	struct buf	 b = { 0 };
	struct stat	 st;
	const char	*env;
	char		*name;
	ssize_t		 n;
	int		 fd, named = 1, rc;

	*out = NULL;
	if (path == NULL) {
		env = getenv("DMARCDB_CONFIG");
		if (env != NULL && *env != '\0')
			path = env;
		else {
			path = CONF_DEFAULT_PATH;
			named = 0;
		}
	}
	/*
	 * Only a regular file is read: a FIFO would hang the command (its
	 * open waits for a writer, its read for data), a device may give
	 * anything. What stat sees is checked before anything is opened,
	 * the file is opened without waiting, and what was opened is
	 * checked again. The null device is an empty configuration.
	 */
	if (stat(path, &st) == -1) {
		if (errno == ENOENT && !named)
			return conf_parse("(none)", "", 0, out, err);
		return dr_seterr(err, DR_E_USAGE, "%s: %s", path,
		    strerror(errno));
	}
	if (is_null_device(&st))
		goto parse;
	if (!S_ISREG(st.st_mode))
		return dr_seterr(err, DR_E_USAGE, "%s: not a regular file "
		    "(%s)", path, file_kind(st.st_mode));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1)
		return dr_seterr(err, DR_E_USAGE, "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		rc = dr_seterr(err, DR_E_USAGE, "%s: %s", path,
		    S_ISREG(st.st_mode) ? strerror(errno) : "not a regular "
		    "file (it changed while being opened)");
		close(fd);
		return rc;
	}
	for (;;) {
		if (buf_reserve(&b, 65536) == -1) {
			close(fd);
			buf_free(&b);
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		}
		n = read(fd, b.data + b.len, 65536);
		if (n == 0)
			break;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			rc = dr_seterr(err, DR_E_USAGE, "%s: %s", path,
			    strerror(errno));
			close(fd);
			buf_free(&b);
			return rc;
		}
		b.len += (size_t)n;
		if (b.len > CONF_MAX_BYTES) {
			close(fd);
			buf_free(&b);
			return dr_seterr(err, DR_E_USAGE, "%s: larger than "
			    "%d MiB: not a configuration file", path,
			    CONF_MAX_BYTES >> 20);
		}
	}
	close(fd);
parse:
	rc = conf_parse(path, b.data ? b.data : "", b.len, out, err);
	buf_free(&b);
	if (rc == 0) {
		name = strdup(path);
		if (name == NULL) {
			conf_free(*out);
			*out = NULL;
			return dr_seterr(err, DR_E_NOMEM, "out of memory");
		}
		(*out)->path = name;
	}
	return rc;
}

static void
free_domain(struct conf_domain *d)
{
	size_t	i, j;

	for (i = 0; i < d->nsenders; i++) {
		struct conf_sender *s = &d->senders[i];
		for (j = 0; j < s->ndkims; j++)
			free(s->dkims[j].selectors);
		free(s->ips);
		free(s->dkims);
		free(s->spfs);
	}
	free(d->senders);
	free(d->names);
	free(d->not_ours);
	free(d->forwarders);
	free(d->digest_to);
}

void
conf_free(struct conf *c)
{
	struct conf_priv	*cp = (struct conf_priv *)c;
	size_t			 i;

	if (c == NULL)
		return;
	free_domain(&c->deflt);
	for (i = 0; i < c->ndomains; i++)
		free_domain(&c->domains[i]);
	free(c->domains);
	free(c->digest.to);
	for (i = 0; i < c->nservices; i++) {
		free(c->services[i].dkims);
		free(c->services[i].spfs);
		free(c->services[i].ptrs);
		free(c->services[i].asns);
		free(c->services[i].shared);
	}
	free(c->services);
	rdns_conf_free(&c->resolver);
	free(c->connect_to);
	free(c->path);
	arena_free(&cp->mem);
	free(cp);
}

const struct conf_domain *
conf_domain(const struct conf *c, const char *domain)
{
	size_t	i, j;

	if (domain == NULL)
		return NULL;
	for (i = 0; i < c->ndomains; i++)
		for (j = 0; j < c->domains[i].nnames; j++)
			if (strcmp(c->domains[i].names[j], domain) == 0)
				return &c->domains[i];
	return NULL;
}

void
conf_thresholds(const struct conf *c, const char *domain,
    struct conf_thresholds *th)
{
	const struct conf_domain	*d = conf_domain(c, domain);
	const struct conf_thresholds	*o;

	*th = c->deflt.th;
	if (d == NULL)
		return;
	o = &d->th;
	if (d->th_set & TH_WINDOW)
		th->window = o->window;
	if (d->th_set & TH_MIN_DAYS)
		th->min_days = o->min_days;
	if (d->th_set & TH_MIN_MESSAGES)
		th->min_messages = o->min_messages;
	if (d->th_set & TH_PASS)
		th->pass = o->pass;
	if (d->th_set & TH_STEP_BACK)
		th->step_back = o->step_back;
	if (d->th_set & TH_DKIM)
		th->dkim = o->dkim;
	if (d->th_set & TH_SIGNIFICANT)
		th->significant = o->significant;
	if (d->th_set & TH_PARTIAL_PCT)
		th->partial_pct = o->partial_pct;
	if (d->th_set & TH_UNVERIFIED_MESSAGES)
		th->unverified_messages = o->unverified_messages;
	if (d->th_set & TH_UNVERIFIED_SHARE)
		th->unverified_share = o->unverified_share;
	if (d->th_set & TH_HARM_MESSAGES)
		th->harm_messages = o->harm_messages;
	if (d->th_set & TH_HARM)
		th->harm = o->harm;
}

unsigned
conf_max_window(const struct conf *c)
{
	unsigned	w = c->deflt.th.window;
	size_t		i;

	for (i = 0; i < c->ndomains; i++)
		if ((c->domains[i].th_set & TH_WINDOW) &&
		    c->domains[i].th.window > w)
			w = c->domains[i].th.window;
	return w;
}

static int
named(char *const *v, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcasecmp(v[i], name) == 0)
			return 1;
	return 0;
}

enum conf_label
conf_label(const struct conf *c, const char *domain, const char *name)
{
	const struct conf_domain	*d = conf_domain(c, domain);
	const struct conf_domain	*v[2] = { d, &c->deflt };
	size_t				 i;

	if (name == NULL)
		return CONF_UNLABELLED;
	for (i = 0; i < 2; i++) {
		if (v[i] == NULL)
			continue;
		if (named(v[i]->not_ours, v[i]->nnot_ours, name))
			return CONF_NOT_OURS;
		if (named(v[i]->forwarders, v[i]->nforwarders, name))
			return CONF_FORWARDER;
	}
	return CONF_UNLABELLED;
}

size_t
conf_nsenders(const struct conf *c, const char *domain)
{
	const struct conf_domain	*d = conf_domain(c, domain);

	return (d ? d->nsenders : 0) + c->deflt.nsenders;
}

const struct conf_sender *
conf_sender(const struct conf *c, const char *domain, size_t i)
{
	const struct conf_domain	*d = conf_domain(c, domain);
	size_t				 n = d ? d->nsenders : 0;

	if (i < n)
		return &d->senders[i];
	return &c->deflt.senders[i - n];
}

int
conf_rule_domain(const char *domain, const char *rule)
{
	size_t	ld, lr;

	if (domain == NULL || rule == NULL)
		return 0;
	if (strncmp(rule, "*.", 2) != 0)
		return strcasecmp(domain, rule) == 0;
	rule += 1;			/* ".esp.example" */
	ld = strlen(domain);
	lr = strlen(rule);
	return ld > lr && strcasecmp(domain + ld - lr, rule) == 0;
}

int
conf_domain_within(const char *domain, const char *d)
{
	size_t	ld, l;

	if (domain == NULL || d == NULL)
		return 0;
	ld = strlen(domain);
	l = strlen(d);
	if (ld == l)
		return strcmp(domain, d) == 0;
	return ld > l && domain[ld - l - 1] == '.' &&
	    strcmp(domain + ld - l, d) == 0;
}
