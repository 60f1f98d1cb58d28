/*
 * test_valid.c: DMARC tag values and host names against their grammar.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "valid.h"

struct tcase {
	const char	*tag, *in, *out;	/* out NULL: invalid */
};

static const struct tcase cases[] = {
	{ "v", "DMARC1", "DMARC1" },
	{ "v", "dmarc1", "DMARC1" },
	{ "v", "DMARC2", NULL },
	{ "p", "none", "none" },
	{ "p", " Quarantine\t", "quarantine" },
	{ "P", "REJECT", "reject" },
	{ "p", "", NULL },
	{ "p", "  ", NULL },
	{ "p", "nonE ", "none" },
	{ "p", "no ne", NULL },
	{ "p", "reject;", NULL },
	{ "p", "reject\"", NULL },
	{ "p", "reject\n", NULL },
	{ "sp", "quarantine", "quarantine" },
	{ "sp", "none\" x", NULL },
	{ "np", "reject", "reject" },
	{ "np", "maybe", NULL },
	{ "psd", "u", "u" },
	{ "psd", "Y", "y" },
	{ "psd", "x", NULL },
	{ "t", "y", "y" },
	{ "t", "N", "n" },
	{ "t", "true", NULL },
	{ "adkim", "s", "s" },
	{ "aspf", "R", "r" },
	{ "aspf", "s r", NULL },
	{ "aspf", "\xc2\x85s", NULL },
	/* pct: one to three digits, 0 to 100. */
	{ "pct", "0", "0" },
	{ "pct", "100", "100" },
	{ "pct", "007", "7" },
	{ "pct", "000", "0" },
	{ "pct", "101", NULL },
	{ "pct", "0100", NULL },
	{ "pct", "-1", NULL },
	{ "pct", "+5", NULL },
	{ "pct", "5%", NULL },
	{ "pct", "1 0", NULL },
	/* fo: options once, lower case, no space. */
	{ "fo", "0", "0" },
	{ "fo", "1:d:s", "1:d:s" },
	{ "fo", " 1 : D\t:1:s ", "1:d:s" },
	{ "fo", "s:s:s:s:s:s:s:s:s:s:0", "s:0" },
	{ "fo", "1;pct=0;t=y", NULL },
	{ "fo", "1:", NULL },
	{ "fo", ":1", NULL },
	{ "fo", "1::d", NULL },
	{ "fo", "1d", NULL },
	{ "fo", "1 d", NULL },
	{ "fo", "2", NULL },
	{ "fo", "1\x07", NULL },
	/* rf: keywords. */
	{ "rf", "afrf", "afrf" },
	{ "rf", "AFRF : iodef", "afrf:iodef" },
	{ "rf", "a-b", "a-b" },
	{ "rf", "-ab", NULL },
	{ "rf", "ab-", NULL },
	{ "rf", "af rf", NULL },
	/* ri: 32 bits. */
	{ "ri", "86400", "86400" },
	{ "ri", "0086400", "86400" },
	{ "ri", "4294967295", "4294967295" },
	{ "ri", "4294967296", NULL },
	{ "ri", "1.5", NULL },
	/* URIs. */
	{ "rua", "mailto:dmarc@example.com", "mailto:dmarc@example.com" },
	{ "rua", "MAILTO:a@example.com , mailto:b@example.net!10m",
	    "mailto:a@example.com,mailto:b@example.net!10m" },
	{ "ruf", "mailto:a@example.com!10M", "mailto:a@example.com!10m" },
	{ "rua", "mailto:a%2Cb@example.com", "mailto:a%2Cb@example.com" },
	{ "rua", "https://example.com/r?a=1&b=2#f",
	    "https://example.com/r?a=1&b=2#f" },
	{ "rua", "mailto:a@example.com!18446744073709551615k",
	    "mailto:a@example.com!18446744073709551615k" },
	{ "rua", "mailto:a@example.com!18446744073709551616", NULL },
	{ "rua", "mailto:a@example.com!", NULL },
	{ "rua", "mailto:a@example.com!10x", NULL },
	{ "rua", "mailto:a@example.com,", NULL },
	{ "rua", "mailto:a b@example.com", NULL },
	{ "rua", "mailto:a\"@example.com", NULL },
	{ "rua", "mailto:a\\@example.com", NULL },
	{ "rua", "mailto:a;p=none", NULL },
	{ "rua", "mailto:a%2@example.com", NULL },
	{ "rua", "mailto:a%zz@example.com", NULL },
	{ "rua", "mailto:", NULL },
	{ "rua", "a@example.com", NULL },
	{ "rua", "1ab:x", NULL },
	{ "rua", "mailto:a@example.com\xc2\xa0", NULL },
	/* Tags neither RFC defines: one printable word. */
	{ "x-new", "7", "7" },
	{ "foo", "a=b,c", "a=b,c" },
	{ "foo", "a b", NULL },
	{ "foo", "a\"b", NULL },
	{ "foo", "a\\b", NULL },
	{ "foo", "a\x7f", NULL },
	{ "foo", "\xc3\xa9", NULL },
	{ "1x", "a", NULL },
	{ "", "a", NULL },
	{ "a;b", "a", NULL },
};

static void
tag_values(void **state)
{
	char	v[256], why[VALID_WHY];
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(v, sizeof v, "%s", cases[i].in);
		why[0] = '\0';
		rc = valid_tag(cases[i].tag, v, why, sizeof why);
		if (cases[i].out == NULL) {
			if (rc != -1)
				fail_msg("%s=%s accepted as %s", cases[i].tag,
				    cases[i].in, v);
			/* Left as it was, with a reason. */
			assert_string_equal(v, cases[i].in);
			assert_true(why[0] != '\0');
		} else {
			if (rc != 0)
				fail_msg("%s=%s refused: %s", cases[i].tag,
				    cases[i].in, why);
			assert_string_equal(v, cases[i].out);
			/* Canonical: checking it again changes nothing. */
			assert_int_equal(valid_tag(cases[i].tag, v, why,
			    sizeof why), 0);
			assert_string_equal(v, cases[i].out);
		}
	}
}

/*
 * Whatever bytes come in, what passes is safe in a quoted zone-file
 * string and in a record: printable ASCII, no space, '"', '\\' or ';'
 * (rua: no ';' either; fo and p: from their alphabets).
 */
static void
nothing_unsafe_passes(void **state)
{
	static const char *const tags[] = { "p", "fo", "pct", "rua", "rf",
	    "ri", "t", "x" };
	char		 v[8], why[VALID_WHY];
	unsigned	 a, b, t, i;

	(void)state;
	for (t = 0; t < sizeof tags / sizeof tags[0]; t++)
		for (a = 1; a < 256; a++)
			for (b = 1; b < 256; b += 3) {
				v[0] = 'm';
				v[1] = (char)a;
				v[2] = ':';
				v[3] = (char)b;
				v[4] = '\0';
				if (valid_tag(tags[t], v, why, sizeof why)
				    == -1)
					continue;
				for (i = 0; v[i] != '\0'; i++)
					assert_true(v[i] > 0x20 &&
					    v[i] < 0x7f && v[i] != '"' &&
					    v[i] != '\\' && v[i] != ';');
			}
}

static void
too_long_refused(void **state)
{
	static char	v[VALID_VALUE_MAX + 2];
	char		why[VALID_WHY];

	(void)state;
	memset(v, 'a', VALID_VALUE_MAX);
	v[VALID_VALUE_MAX] = '\0';
	assert_int_equal(valid_tag("x", v, why, sizeof why), 0);
	v[VALID_VALUE_MAX] = 'a';
	v[VALID_VALUE_MAX + 1] = '\0';
	assert_int_equal(valid_tag("x", v, why, sizeof why), -1);
	assert_string_equal(why, "longer than 2048 bytes");
}

static void
tag_names(void **state)
{
	(void)state;
	assert_true(valid_tag_name("p"));
	assert_true(valid_tag_name("x-new_2"));
	assert_true(valid_tag_name("abcdefghijklmnopqrstuvwxyzabcdef"));
	assert_false(valid_tag_name("abcdefghijklmnopqrstuvwxyzabcdefg"));
	assert_false(valid_tag_name(""));
	assert_false(valid_tag_name("2p"));
	assert_false(valid_tag_name("-p"));
	assert_false(valid_tag_name("p q"));
	assert_false(valid_tag_name("p=q"));
}

/* A name of n bytes: labels of 63 letters, dots between. */
static void
name_of(char *out, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		out[i] = (i + 1) % 64 == 0 ? '.' : 'a';
	if (n > 0 && out[n - 1] == '.')
		out[n - 1] = 'a';
	out[n] = '\0';
}

static void
host_names(void **state)
{
	static const struct {
		const char	*name, *why;	/* why NULL: valid */
	} h[] = {
		{ "example.com", NULL },
		{ "a", NULL },
		{ "xn--bcher-kva.example", NULL },
		{ "1a.2b", NULL },
		{ "a-b.example", NULL },
		{ "", "empty, or the root" },
		{ ".", "empty, or the root" },
		{ "a..b", "has an empty label" },
		{ ".a", "has an empty label" },
		{ "a.", "has an empty label" },
		{ "-a.example", "a label begins with a hyphen" },
		{ "a-.example", "a label ends with a hyphen" },
		{ "victim example", "holds a space" },
		{ "a_b.example", "holds '_'" },
		{ "a\tb", "holds a control character" },
		{ "a\x7f" "b", "holds a control character" },
		{ "b\xc3\xbc" "cher.example", "not ASCII" },
		{ "example.com\xe2\x80\xae", "not ASCII" },
		{ "1.2.3.4", "the last label is all digits" },
		{ "example.123", "the last label is all digits" },
	};
	char	name[300], why[VALID_WHY];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof h / sizeof h[0]; i++) {
		if (h[i].why == NULL) {
			if (valid_hostname(h[i].name, why, sizeof why) != 0)
				fail_msg("%s refused: %s", h[i].name, why);
			continue;
		}
		if (valid_hostname(h[i].name, why, sizeof why) != -1)
			fail_msg("%s accepted", h[i].name);
		if (strstr(why, h[i].why) == NULL)
			fail_msg("%s: '%s', not '%s'", h[i].name, why,
			    h[i].why);
	}
	/* Labels of 63 bytes pass, 64 do not. */
	memset(name, 'a', 63);
	strcpy(name + 63, ".example");
	assert_int_equal(valid_hostname(name, why, sizeof why), 0);
	memset(name, 'a', 64);
	strcpy(name + 64, ".example");
	assert_int_equal(valid_hostname(name, why, sizeof why), -1);
	assert_string_equal(why, "a label is longer than 63 bytes");
	/* Names of 253 bytes pass, 254 do not. */
	name_of(name, 253);
	assert_int_equal(valid_hostname(name, why, sizeof why), 0);
	name_of(name, 254);
	assert_int_equal(valid_hostname(name, why, sizeof why), -1);
	assert_string_equal(why, "254 bytes long, more than 253");
}

static void
dmarc_names(void **state)
{
	char	dom[300], out[VALID_NAME_MAX + 1], why[VALID_WHY + 64];

	(void)state;
	assert_int_equal(valid_dmarc_name("example.com", out, sizeof out, why,
	    sizeof why), 0);
	assert_string_equal(out, "_dmarc.example.com");
	/* _dmarc. and 246 bytes make 253: the most a name may have. */
	name_of(dom, 246);
	assert_int_equal(valid_dmarc_name(dom, out, sizeof out, why,
	    sizeof why), 0);
	assert_int_equal(strlen(out), 253);
	name_of(dom, 247);
	assert_int_equal(valid_dmarc_name(dom, out, sizeof out, why,
	    sizeof why), -1);
	assert_string_equal(why, "_dmarc. and the domain make 254 bytes, "
	    "more than the 253 a DNS name may have");
	assert_int_equal(valid_dmarc_name("victim example", out, sizeof out,
	    why, sizeof why), -1);
	assert_string_equal(why, "not a host name: holds a space");
	/* Never cut into a small buffer. */
	assert_int_equal(valid_dmarc_name("example.com", out, 10, why,
	    sizeof why), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tag_values),
		cmocka_unit_test(nothing_unsafe_passes),
		cmocka_unit_test(too_long_refused),
		cmocka_unit_test(tag_names),
		cmocka_unit_test(host_names),
		cmocka_unit_test(dmarc_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
