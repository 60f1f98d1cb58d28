/*
 * test_norm.c: normalising report values.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "norm.h"

static void
domain_lowercased_without_trailing_dot(void **state)
{
	char	a[] = "  Example.COM.\n", b[] = "mail.example.org",
		c[] = " \t ", d[] = ".";

	(void)state;
	assert_int_equal(norm_domain(a), 11);
	assert_string_equal(a, "example.com");
	norm_domain(b);
	assert_string_equal(b, "mail.example.org");
	assert_int_equal(norm_domain(c), 0);
	/* A lone dot is kept: removing it would invent an empty domain. */
	norm_domain(d);
	assert_string_equal(d, ".");
}

static void
enum_trimmed_and_lowercased(void **state)
{
	char	a[] = "\n  Pass ", b[] = "HardFail";

	(void)state;
	norm_lower(a);
	assert_string_equal(a, "pass");
	norm_lower(b);
	assert_string_equal(b, "hardfail");
	assert_true(norm_enum_ok(NE_PASSFAIL, "pass"));
	assert_false(norm_enum_ok(NE_SPF_RESULT, "hardfail"));
	assert_true(norm_enum_ok(NE_SPF_RESULT, "policy"));
	assert_true(norm_enum_ok(NE_DISPOSITION, "pass"));	/* RFC 9990 */
	assert_true(norm_enum_ok(NE_REASON, "policy_test_mode"));
	assert_true(norm_enum_ok(NE_REASON, "sampled_out"));	/* RFC 7489 */
	assert_false(norm_enum_ok(NE_REASON, ""));
	assert_true(norm_enum_ok(NE_DISCOVERY, "treewalk"));
	assert_false(norm_enum_ok(NE_DISCOVERY, "psd"));
	assert_false(norm_enum_ok(NE_POLICY, "unused"));
}

static void
ipv4_canonical(void **state)
{
	char	out[NORM_IP_MAX];

	(void)state;
	assert_int_equal(norm_ip(" 192.0.2.1\n", out), 0);
	assert_string_equal(out, "192.0.2.1");
	/* Leading zeros are ambiguous (octal?): not an address. */
	assert_int_equal(norm_ip("192.0.2.01", out), -1);
	assert_int_equal(norm_ip("192.0.2", out), -1);
	assert_int_equal(norm_ip("256.1.1.1", out), -1);
	assert_int_equal(norm_ip("", out), -1);
	assert_int_equal(norm_ip("example.com", out), -1);
}

static void
ipv6_rfc5952(void **state)
{
	char	out[NORM_IP_MAX];

	(void)state;
	/* Uncompressed 8-group form (the RFC 7489 XSD's) is compressed. */
	assert_int_equal(norm_ip("2001:0DB8:0000:0000:0000:0000:0000:0001",
	    out), 0);
	assert_string_equal(out, "2001:db8::1");
	/* A single zero group is not compressed (RFC 5952 4.2.2). */
	assert_int_equal(norm_ip("2001:db8:0:1:1:1:1:1", out), 0);
	assert_string_equal(out, "2001:db8:0:1:1:1:1:1");
	/* The longest run is compressed, the first of equal runs. */
	assert_int_equal(norm_ip("2001:0:0:1:0:0:0:1", out), 0);
	assert_string_equal(out, "2001:0:0:1::1");
	assert_int_equal(norm_ip("2001:db8:0:0:1:0:0:1", out), 0);
	assert_string_equal(out, "2001:db8::1:0:0:1");
	assert_int_equal(norm_ip("::FFFF:192.0.2.7", out), 0);
	assert_string_equal(out, "::ffff:192.0.2.7");
	assert_int_equal(norm_ip("fe80::1%eth0", out), -1);
	assert_int_equal(norm_ip("2001:db8::1::2", out), -1);
}

static void
times_truncated(void **state)
{
	int64_t	t;

	(void)state;
	assert_int_equal(norm_time("1706832000", &t), 0);
	assert_int_equal(t, 1706832000);
	assert_int_equal(norm_time(" 1706832000.0 ", &t), 0);
	assert_int_equal(t, 1706832000);
	assert_int_equal(norm_time("1706832000.999", &t), 0);
	assert_int_equal(t, 1706832000);
	assert_int_equal(norm_time("1524268799 ", &t), 0);
	assert_int_equal(t, 1524268799);
	assert_int_equal(norm_time("-5", &t), -1);
	assert_int_equal(norm_time("1.7e9", &t), -1);
	assert_int_equal(norm_time("", &t), -1);
	assert_int_equal(norm_time("2024-01-01", &t), -1);
	assert_int_equal(norm_time("99999999999999999999", &t), -1);
}

static void
uint_bounded(void **state)
{
	uint64_t	v;

	(void)state;
	assert_int_equal(norm_uint(" 42\n", 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(norm_uint("101", 100, &v), -1);
	assert_int_equal(norm_uint("-1", 100, &v), -1);
	assert_int_equal(norm_uint("1.0", 100, &v), -1);
	assert_int_equal(norm_uint("", 100, &v), -1);
	assert_int_equal(norm_uint("18446744073709551616", UINT64_MAX, &v),
	    -1);
}

static void
report_id_brackets_removed_only(void **state)
{
	char	a[] = " <abc@example.com> ", b[] = "x@y", c[] = "<>";

	(void)state;
	norm_report_id(a);
	/* Not cut at '@': that would merge distinct ids. */
	assert_string_equal(a, "abc@example.com");
	norm_report_id(b);
	assert_string_equal(b, "x@y");
	assert_int_equal(norm_report_id(c), 0);
}

/* Ids that differ only in case are one report; other bytes stay. */
static void
report_id_case_folded(void **state)
{
	char	a[] = "<AbC-123@Example.COM>", b[] = "abc-123@example.com";
	char	c[] = "\xc3\x89t\xc3\xa9 Z";

	(void)state;
	norm_report_id(a);
	norm_report_id(b);
	assert_string_equal(a, b);
	assert_int_equal(norm_report_id(c), 7);
	assert_string_equal(c, "\xc3\x89t\xc3\xa9 z");
}

static void
reporter_from_org_or_email(void **state)
{
	char	out[64];

	(void)state;
	norm_reporter("  Outlook.com ", "x@y", out, sizeof out);
	assert_string_equal(out, "outlook.com");
	norm_reporter(NULL, "noreply-dmarc-support@Google.com", out,
	    sizeof out);
	assert_string_equal(out, "google.com");
	norm_reporter("   ", "<dmarc@Mail.Example>", out, sizeof out);
	assert_string_equal(out, "mail.example");
	assert_int_equal(norm_reporter(NULL, NULL, out, sizeof out), 0);
}

/* A reporter too long for the buffer is cut between characters. */
static void
reporter_cut_between_characters(void **state)
{
	char	out[8];

	(void)state;
	/* Byte 7 is the second byte of an e with acute accent. */
	assert_int_equal(norm_reporter("abcdef" "\xc3\xa9" "gh", NULL, out,
	    sizeof out), 6);
	assert_string_equal(out, "abcdef");
	assert_int_equal(norm_reporter("abcde" "\xc3\xa9" "gh", NULL, out,
	    sizeof out), 7);
	assert_string_equal(out, "abcde" "\xc3\xa9");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(domain_lowercased_without_trailing_dot),
		cmocka_unit_test(enum_trimmed_and_lowercased),
		cmocka_unit_test(ipv4_canonical),
		cmocka_unit_test(ipv6_rfc5952),
		cmocka_unit_test(times_truncated),
		cmocka_unit_test(uint_bounded),
		cmocka_unit_test(report_id_brackets_removed_only),
		cmocka_unit_test(report_id_case_folded),
		cmocka_unit_test(reporter_from_org_or_email),
		cmocka_unit_test(reporter_cut_between_characters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
