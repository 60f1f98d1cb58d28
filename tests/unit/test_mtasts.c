/*
 * test_mtasts.c: MTA-STS records and policies, TLS-RPT records
 * (mtasts.c): what is read, what is refused and why, the limits at
 * their boundary, and how an mx pattern covers a host.
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

#include "mtasts.h"

static struct mtasts_policy	p;
static char			why[256];

static int
policy(const char *s)
{
	why[0] = '\0';
	return mtasts_policy(s, strlen(s), &p, why, sizeof why);
}

static void
policy_refused(const char *s, const char *reason)
{
	if (policy(s) != -1)
		fail_msg("accepted: %s", s);
	if (strstr(why, reason) == NULL)
		fail_msg("%s: '%s', not '%s'", s, why, reason);
}

static void
test_record(void **state)
{
	char	id[33];

	(void)state;
	assert_int_equal(mtasts_record("v=STSv1; id=20160831085700Z;", id,
	    why, sizeof why), 0);
	assert_string_equal(id, "20160831085700Z");
	assert_int_equal(mtasts_record("v=STSv1;id=a ; ext=1", id, why,
	    sizeof why), 0);
	assert_string_equal(id, "a");
	assert_int_equal(mtasts_record("v=STSv1; id="
	    "abcdefghijklmnopqrstuvwxyz012345", id, why, sizeof why), 0);
	assert_int_equal(mtasts_record("v=STSv1; id="
	    "abcdefghijklmnopqrstuvwxyz0123456", id, why, sizeof why), -1);
	assert_non_null(strstr(why, "1 to 32"));
	assert_int_equal(mtasts_record("v=STSv1; id=2016-08", id, why,
	    sizeof why), -1);
	assert_int_equal(mtasts_record("id=1; v=STSv1", id, why,
	    sizeof why), -1);
	assert_non_null(strstr(why, "v=STSv1 first"));
	assert_int_equal(mtasts_record("v=STSv1", id, why, sizeof why), -1);
	assert_non_null(strstr(why, "no id"));
	assert_int_equal(mtasts_record("v=STSv1; id", id, why, sizeof why),
	    -1);
	assert_int_equal(mtasts_record("", id, why, sizeof why), -1);
}

static void
test_policy(void **state)
{
	(void)state;
	assert_int_equal(policy("version: STSv1\r\nmode: enforce\r\n"
	    "mx: mail.example.com\r\nmx: *.Example.NET\r\n"
	    "max_age: 604800\r\n"), 0);
	assert_int_equal(p.mode, MTASTS_ENFORCE);
	assert_int_equal(p.max_age, 604800);
	assert_int_equal(p.nmx, 2);
	assert_string_equal(p.mx[1], "*.example.net");
	/* LF alone, no final newline, space around ':', extensions. */
	assert_int_equal(policy("version:STSv1\nmode :  testing\n"
	    "x-ext: whatever\nmx: mx.example.com\nmax_age: 0"), 0);
	assert_int_equal(p.mode, MTASTS_TESTING);
	assert_int_equal(p.max_age, 0);
	assert_int_equal(policy("version: STSv1\nmode: none\n"
	    "max_age: 86400\n"), 0);
	assert_int_equal(p.nmx, 0);
	policy_refused("version: STSv1\nmode: enforce\nmax_age: 86400\n",
	    "no mx line");
	policy_refused("mode: enforce\nmx: a.example\nmax_age: 1\n",
	    "no version line");
	policy_refused("version: STSv2\nmode: enforce\n", "line 1: version");
	policy_refused("version: STSv1\nmode: strict\n", "line 2: a mode");
	policy_refused("version: STSv1\nmode enforce\n", "line 2: no ':'");
	policy_refused("version: STSv1\nmode: enforce\nmx: bad_host.example"
	    "\nmax_age: 1\n", "line 3: an mx that is not a host name");
	policy_refused("version: STSv1\nmode: enforce\nmx: a.example\n"
	    "max_age: -1\n", "line 4: max_age");
}

static void
test_limits(void **state)
{
	char	*big;
	size_t	 i, n;

	(void)state;
	/* max_age: a year is the last. */
	assert_int_equal(policy("version: STSv1\nmode: none\n"
	    "max_age: 31557600\n"), 0);
	policy_refused("version: STSv1\nmode: none\nmax_age: 31557601\n",
	    "max_age");
	policy_refused("version: STSv1\nmode: none\nmax_age: 00000000001\n",
	    "max_age");
	/* 64 mx lines, 64 KB. */
	big = malloc(MTASTS_POLICY_MAX + 2);
	assert_non_null(big);
	n = (size_t)snprintf(big, MTASTS_POLICY_MAX,
	    "version: STSv1\nmode: enforce\nmax_age: 1\n");
	for (i = 0; i < MTASTS_MX_MAX; i++)
		n += (size_t)snprintf(big + n, MTASTS_POLICY_MAX - n,
		    "mx: m%zu.example\n", i);
	assert_int_equal(mtasts_policy(big, n, &p, why, sizeof why), 0);
	assert_int_equal(p.nmx, MTASTS_MX_MAX);
	n += (size_t)snprintf(big + n, MTASTS_POLICY_MAX - n,
	    "mx: one-more.example\n");
	assert_int_equal(mtasts_policy(big, n, &p, why, sizeof why), -1);
	assert_non_null(strstr(why, "more than 64 mx"));
	n = (size_t)snprintf(big, MTASTS_POLICY_MAX + 2,
	    "version: STSv1\nmode: none\nmax_age: 1\n");
	memset(big + n, '\n', MTASTS_POLICY_MAX - n);
	assert_int_equal(mtasts_policy(big, MTASTS_POLICY_MAX, &p, why,
	    sizeof why), 0);
	big[MTASTS_POLICY_MAX] = '\n';
	assert_int_equal(mtasts_policy(big, MTASTS_POLICY_MAX + 1, &p, why,
	    sizeof why), -1);
	assert_non_null(strstr(why, "larger than"));
	/* A NUL byte in a line. */
	assert_int_equal(mtasts_policy("version: STSv1\nmo\0de: none\n", 26,
	    &p, why, sizeof why), -1);
	free(big);
}

static void
test_mx_match(void **state)
{
	(void)state;
	assert_true(mtasts_mx_match("mail.example.com", "mail.example.com"));
	assert_true(mtasts_mx_match("mail.example.com", "MAIL.Example.com."));
	assert_false(mtasts_mx_match("mail.example.com", "mail2.example.com"));
	assert_true(mtasts_mx_match("*.example.com", "mx1.example.com"));
	assert_true(mtasts_mx_match("*.example.com.", "MX1.EXAMPLE.COM"));
	/* One label only; not the parent. */
	assert_false(mtasts_mx_match("*.example.com", "a.mx.example.com"));
	assert_false(mtasts_mx_match("*.example.com", "example.com"));
	assert_false(mtasts_mx_match("*.example.com", ".example.com"));
	assert_false(mtasts_mx_match("*.example.com", "mx1.example.org"));
	assert_false(mtasts_mx_match("*.example.com", "mx1xexample.com"));
}

static void
test_tlsrpt(void **state)
{
	(void)state;
	assert_int_equal(tlsrpt_record("v=TLSRPTv1; rua=mailto:tls@example."
	    "com", why, sizeof why), 1);
	assert_int_equal(tlsrpt_record("v=TLSRPTv1;rua=mailto:a@example.com,"
	    "https://reports.example.com/tls", why, sizeof why), 2);
	assert_int_equal(tlsrpt_record("v=TLSRPTv1; rua=ftp://x.example",
	    why, sizeof why), -1);
	assert_non_null(strstr(why, "not mailto: or https:"));
	assert_int_equal(tlsrpt_record("v=TLSRPTv1; rua=mailto:", why,
	    sizeof why), -1);
	assert_non_null(strstr(why, "empty"));
	assert_int_equal(tlsrpt_record("v=TLSRPTv1; rua=mailto:,mailto:a@b."
	    "example", why, sizeof why), -1);
	assert_int_equal(tlsrpt_record("v=TLSRPTv1", why, sizeof why), -1);
	assert_non_null(strstr(why, "no rua"));
	assert_int_equal(tlsrpt_record("rua=mailto:a@example.com; "
	    "v=TLSRPTv1", why, sizeof why), -1);
	assert_non_null(strstr(why, "first"));
}

static void
test_tlsrpt_rua(void **state)
{
	char	rua[2][256];

	(void)state;
	assert_int_equal(tlsrpt_rua("v=TLSRPTv1; rua= mailto:a@example.com ,"
	    "https://r.example.com/tls ;ext=1", rua, 2), 2);
	assert_string_equal(rua[0], "mailto:a@example.com");
	assert_string_equal(rua[1], "https://r.example.com/tls");
	/* No more than room; the first rua only. */
	assert_int_equal(tlsrpt_rua("v=TLSRPTv1; rua=mailto:a@b.example,"
	    "mailto:c@d.example,mailto:e@f.example", rua, 2), 2);
	assert_int_equal(tlsrpt_rua("v=TLSRPTv1; rua=mailto:x@b.example; "
	    "rua=mailto:y@b.example", rua, 2), 1);
	assert_string_equal(rua[0], "mailto:x@b.example");
	assert_int_equal(tlsrpt_rua("v=TLSRPTv1", rua, 2), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_mx_match),
		cmocka_unit_test(test_tlsrpt),
		cmocka_unit_test(test_tlsrpt_rua),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
