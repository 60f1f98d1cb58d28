/*
 * norm.c: normalising the text of report values.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "norm.h"

static int
is_xml_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char *
norm_trim(char *s, size_t *lenp)
{
	size_t	len;

	while (is_xml_space((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_xml_space((unsigned char)s[len - 1]))
		len--;
	s[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return s;
}

size_t
norm_lower(char *s)
{
	char	*t;
	size_t	 len, i;

	t = norm_trim(s, &len);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)t[i];
		s[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (char)c;
	}
	s[len] = '\0';
	return len;
}

size_t
norm_domain(char *s)
{
	size_t	len;

	len = norm_lower(s);
	if (len > 1 && s[len - 1] == '.')
		s[--len] = '\0';
	return len;
}

int
norm_ip(const char *s, char *out)
{
	char		tmp[NORM_IP_MAX + 8];
	unsigned char	addr[16];
	size_t		len;
	const char	*p;

	while (is_xml_space((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && is_xml_space((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || len >= sizeof tmp)
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET, tmp, addr) == 1) {
		/* inet_ntop would do, but formats with sprintf: slow. */
		char *o = out;
		int i;
		for (i = 0; i < 4; i++) {
			unsigned v = addr[i];
			if (i > 0)
				*o++ = '.';
			if (v >= 100)
				*o++ = (char)('0' + v / 100);
			if (v >= 10)
				*o++ = (char)('0' + v / 10 % 10);
			*o++ = (char)('0' + v % 10);
		}
		*o = '\0';
		return 0;
	} else if (inet_pton(AF_INET6, tmp, addr) == 1)
		p = inet_ntop(AF_INET6, addr, out, NORM_IP_MAX);
	else
		return -1;
	return p == NULL ? -1 : 0;
}

/* Parse digits at *sp into v (not above max); advance *sp. */
static int
parse_digits(const char **sp, uint64_t max, uint64_t *v)
{
	const char	*s = *sp;
	uint64_t	 n = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (n > (max - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*sp = s;
	*v = n;
	return 0;
}

int
norm_time(const char *s, int64_t *out)
{
	uint64_t	v;

	while (is_xml_space((unsigned char)*s))
		s++;
	if (parse_digits(&s, INT64_MAX, &v) == -1)
		return -1;
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	while (is_xml_space((unsigned char)*s))
		s++;
	if (*s != '\0')
		return -1;
	*out = (int64_t)v;
	return 0;
}

int
norm_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t	v;

	while (is_xml_space((unsigned char)*s))
		s++;
	if (parse_digits(&s, max, &v) == -1)
		return -1;
	while (is_xml_space((unsigned char)*s))
		s++;
	if (*s != '\0')
		return -1;
	*out = v;
	return 0;
}

size_t
norm_report_id(char *s)
{
	size_t	 len, i;
	char	*t;

	t = norm_trim(s, &len);
	if (len >= 2 && t[0] == '<' && t[len - 1] == '>') {
		t++;
		len -= 2;
	}
	/* Ids that differ only in case are the same report. */
	for (i = 0; i < len; i++)
		s[i] = t[i] >= 'A' && t[i] <= 'Z' ? (char)(t[i] + 'a' - 'A') :
		    t[i];
	s[len] = '\0';
	return len;
}

size_t
norm_reporter(const char *org, const char *email, char *out, size_t outlen)
{
	const char	*src = NULL, *at;
	size_t		 len;

	if (outlen == 0)
		return 0;
	if (org != NULL) {
		while (is_xml_space((unsigned char)*org))
			org++;
		if (*org != '\0')
			src = org;
	}
	if (src == NULL && email != NULL) {
		at = strrchr(email, '@');
		src = at != NULL ? at + 1 : email;
	}
	if (src == NULL)
		src = "";
	len = strlen(src);
	if (len >= outlen) {
		/* Cut before a character, never inside one. */
		len = outlen - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(out, src, len);
	out[len] = '\0';
	len = norm_lower(out);
	/* An email domain may end in ">" when written as "<a@b>". */
	if (src != org && len > 0 && out[len - 1] == '>')
		out[--len] = '\0';
	return len;
}

static const char *const enum_policy[] =
    { "none", "quarantine", "reject", NULL };
static const char *const enum_align[] = { "r", "s", NULL };
static const char *const enum_testing[] = { "n", "y", NULL };
static const char *const enum_discovery[] = { "psl", "treewalk", NULL };
static const char *const enum_disposition[] =
    { "none", "pass", "quarantine", "reject", NULL };
static const char *const enum_passfail[] = { "pass", "fail", NULL };
static const char *const enum_reason[] = {
	"forwarded", "sampled_out", "trusted_forwarder", "mailing_list",
	"local_policy", "other", "policy_test_mode", NULL
};
static const char *const enum_dkim_result[] = {
	"none", "pass", "fail", "policy", "neutral", "temperror",
	"permerror", NULL
};
static const char *const enum_spf_result[] = {
	"none", "neutral", "pass", "fail", "softfail", "temperror",
	"permerror", "policy", NULL
};
static const char *const enum_spf_scope[] = { "helo", "mfrom", NULL };

static const char *const *const enum_tables[] = {
	[NE_POLICY] = enum_policy,
	[NE_ALIGN] = enum_align,
	[NE_TESTING] = enum_testing,
	[NE_DISCOVERY] = enum_discovery,
	[NE_DISPOSITION] = enum_disposition,
	[NE_PASSFAIL] = enum_passfail,
	[NE_REASON] = enum_reason,
	[NE_DKIM_RESULT] = enum_dkim_result,
	[NE_SPF_RESULT] = enum_spf_result,
	[NE_SPF_SCOPE] = enum_spf_scope,
};

int
norm_enum_ok(enum norm_enum e, const char *v)
{
	const char *const	*t;

	for (t = enum_tables[e]; *t != NULL; t++)
		if ((*t)[0] == v[0] && strcmp(*t, v) == 0)
			return 1;
	return 0;
}
