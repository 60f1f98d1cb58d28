/*
 * test_spf.c: SPF records (spf.c) against the grammar of RFC 7208,
 * section 12: what parses, into which terms, and what is refused, with
 * the reason naming the term; the limits at their boundary.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "spf.h"

static struct spf	r;
static char		why[256];

static int
parse(const char *s)
{
	why[0] = '\0';
	return spf_parse(s, &r, why, sizeof why);
}

static void
refused(const char *s, const char *reason)
{
	if (parse(s) != -1)
		fail_msg("accepted: %s", s);
	if (strstr(why, reason) == NULL)
		fail_msg("%s: '%s', not '%s'", s, why, reason);
}

static void
test_terms(void **state)
{
	(void)state;
	assert_int_equal(parse("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 "
	    "a mx:mail.example.com/28//64 include:_spf.google.com "
	    "~all"), 0);
	assert_int_equal(r.n, 6);
	assert_int_equal(r.t[0].kind, SPF_IP4);
	assert_int_equal(r.t[0].cidr4, 24);
	assert_int_equal(r.t[0].addr[10], 0xff);
	assert_int_equal(r.t[0].addr[12], 192);
	assert_int_equal(r.t[1].kind, SPF_IP6);
	assert_int_equal(r.t[1].cidr6, 32);
	assert_int_equal(r.t[1].addr[0], 0x20);
	assert_int_equal(r.t[2].kind, SPF_A);
	assert_null(r.t[2].domain);
	assert_int_equal(r.t[2].cidr4, -1);
	assert_int_equal(r.t[3].kind, SPF_MX);
	assert_string_equal(r.t[3].domain, "mail.example.com");
	assert_int_equal(r.t[3].cidr4, 28);
	assert_int_equal(r.t[3].cidr6, 64);
	assert_int_equal(r.t[4].kind, SPF_INCLUDE);
	/* Underscores: macro-literal allows them (not a host name). */
	assert_string_equal(r.t[4].domain, "_spf.google.com");
	assert_int_equal(r.t[5].kind, SPF_ALL);
	assert_int_equal(r.t[5].qualifier, '~');
	assert_int_equal(r.all, 5);
	assert_int_equal(r.redirect, -1);
	/* Names and the version in any case; spaces anywhere between. */
	assert_int_equal(parse("V=SPF1  IP4:192.0.2.1   -ALL "), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.t[1].qualifier, '-');
	assert_int_equal(parse("v=spf1"), 0);
	assert_int_equal(r.n, 0);
	/* Host bits under the prefix are SPF (unlike a CIDR block). */
	assert_int_equal(parse("v=spf1 ip4:192.0.2.1/24"), 0);
	assert_int_equal(r.t[0].addr[15], 1);
}

static void
test_modifiers(void **state)
{
	(void)state;
	assert_int_equal(parse("v=spf1 redirect=_spf.example.com"), 0);
	assert_int_equal(r.redirect, 0);
	assert_int_equal(r.t[0].kind, SPF_REDIRECT);
	assert_true(spf_queries(&r.t[0]));
	assert_int_equal(parse("v=spf1 -all exp=explain.%{d} "
	    "x-custom=anything.%{i}"), 0);
	assert_int_equal(r.t[1].kind, SPF_EXP);
	assert_true(r.t[1].macros);
	assert_int_equal(r.t[2].kind, SPF_UNKNOWN_MOD);
	assert_string_equal(r.t[2].domain, "x-custom");
	assert_int_equal(parse("v=spf1 foo="), 0);
	refused("v=spf1 redirect=a.example redirect=b.example",
	    "redirect given twice");
	refused("v=spf1 exp=a.example exp=b.example", "exp given twice");
	refused("v=spf1 redirect=", "no domain");
	refused("v=spf1 redirect=localhost", "not a domain name");
}

static void
test_macros(void **state)
{
	(void)state;
	assert_int_equal(parse("v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} "
	    "include:%{d2}"), 0);
	assert_true(r.t[0].macros);
	assert_true(r.t[1].macros);
	assert_int_equal(parse("v=spf1 a:%{D}.example.com/24"), 0);
	assert_int_equal(r.t[0].cidr4, 24);
	assert_int_equal(parse("v=spf1 exists:%%.%_.%-.example.com"), 0);
	refused("v=spf1 exists:%{x}.example.com", "a bad macro");
	refused("v=spf1 exists:%{d.example.com", "a bad macro");
	/* c, r and t only in an explanation. */
	refused("v=spf1 exists:%{c}.example.com", "a bad macro");
	refused("v=spf1 include:%.example.com", "a bad macro");
}

static void
test_refused(void **state)
{
	(void)state;
	refused("spf1 -all", "no v=spf1");
	refused("v=spf10 -all", "no v=spf1");
	refused("v=spf1 -alll", "-alll: an unknown mechanism");
	refused("v=spf1 all:x", "all takes nothing");
	refused("v=spf1 include", "include without a domain");
	refused("v=spf1 include:", "no domain");
	refused("v=spf1 ip4", "ip4 without an address");
	refused("v=spf1 ip4:192.0.2.300", "not an IPv4 address");
	refused("v=spf1 ip4:2001:db8::1", "not an IPv4 address");
	refused("v=spf1 ip6:192.0.2.1", "not an IPv6 address");
	refused("v=spf1 ptr/24", "ptr takes no prefix length");
	refused("v=spf1 a:example.com/", "bad IPv4 prefix length");
	refused("v=spf1 a//", "bad IPv6 prefix length");
	refused("v=spf1 a:example", "not a domain name");
	refused("v=spf1 a:example.123", "not a domain name");
	refused("v=spf1 include:a..example.com", "an empty label");
	refused("v=spf1 include:\xc3\xa9.example.com", "does not allow");
	refused("v=spf1 +", "an unknown mechanism");
	/* The reason names the term, cut, its bytes visible. */
	refused("v=spf1 include:x.example.com bad\x01term",
	    "bad?term: an unknown mechanism");
}

static void
test_boundaries(void **state)
{
	char	buf[SPF_TEXT_MAX + 16], label[70];
	size_t	i, n;

	(void)state;
	/* Prefix lengths: 32 and 128 are the last; no leading zero. */
	assert_int_equal(parse("v=spf1 ip4:192.0.2.1/32"), 0);
	refused("v=spf1 ip4:192.0.2.1/33", "bad prefix length");
	assert_int_equal(parse("v=spf1 ip6:2001:db8::1/128"), 0);
	refused("v=spf1 ip6:2001:db8::1/129", "bad prefix length");
	assert_int_equal(parse("v=spf1 ip4:0.0.0.0/0"), 0);
	assert_int_equal(r.t[0].cidr4, 0);
	refused("v=spf1 ip4:192.0.2.0/024", "bad prefix length");
	refused("v=spf1 ip4:192.0.2.0/99999999999", "bad prefix length");
	assert_int_equal(parse("v=spf1 a/32//128"), 0);
	refused("v=spf1 a/33", "bad IPv4 prefix length");
	refused("v=spf1 a//129", "bad IPv6 prefix length");
	/* A label of 63 bytes is the last. */
	memset(label, 'a', 63);
	label[63] = '\0';
	snprintf(buf, sizeof buf, "v=spf1 include:%s.example.com", label);
	assert_int_equal(parse(buf), 0);
	snprintf(buf, sizeof buf, "v=spf1 include:%sa.example.com", label);
	refused(buf, "longer than 63");
	/* A name of 253 bytes is the last (plus its final dot). */
	n = (size_t)snprintf(buf, sizeof buf, "v=spf1 include:");
	for (i = 0; i < 3; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s.", label);
	/* 3 * 64 = 192; 253 - 192 = 61: "x...x.com" */
	memset(buf + n, 'x', 57);
	memcpy(buf + n + 57, ".com", 5);
	assert_int_equal(parse(buf), 0);
	assert_int_equal(strlen(r.t[0].domain), 253);
	memcpy(buf + n + 57, ".com.", 6);
	assert_int_equal(parse(buf), 0);
	memcpy(buf + n + 57, "x.com", 6);
	refused(buf, "longer than 253");
	/* SPF_TERMS_MAX terms, SPF_TEXT_MAX bytes. */
	n = (size_t)snprintf(buf, sizeof buf, "v=spf1");
	for (i = 0; i < SPF_TERMS_MAX; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, " a");
	assert_int_equal(parse(buf), 0);
	assert_int_equal(r.n, SPF_TERMS_MAX);
	snprintf(buf + n, sizeof buf - n, " a");
	refused(buf, "more than 128 terms");
	memset(buf, ' ', sizeof buf);
	memcpy(buf, "v=spf1", 6);
	buf[SPF_TEXT_MAX] = '\0';
	assert_int_equal(parse(buf), 0);
	buf[SPF_TEXT_MAX] = ' ';
	buf[SPF_TEXT_MAX + 1] = '\0';
	refused(buf, "longer than 4096 bytes");
}

static void
test_queries(void **state)
{
	size_t	i, q = 0;

	(void)state;
	assert_int_equal(parse("v=spf1 include:a.example a mx ptr "
	    "exists:b.example ip4:192.0.2.1 ip6:2001:db8::1 -all "
	    "redirect=c.example exp=d.example"), 0);
	for (i = 0; i < r.n; i++)
		q += (size_t)spf_queries(&r.t[i]);
	/* include a mx ptr exists redirect; not ip4 ip6 all exp. */
	assert_int_equal(q, 6);
	assert_true(spf_is_record("v=spf1"));
	assert_true(spf_is_record("V=SPF1 -all"));
	assert_false(spf_is_record("v=spf1-all"));
	assert_false(spf_is_record("v=spf2.0/pra"));
	assert_string_equal(spf_kind_name(SPF_INCLUDE), "include");
	assert_string_equal(spf_kind_name(SPF_REDIRECT), "redirect");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_terms),
		cmocka_unit_test(test_modifiers),
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_queries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
