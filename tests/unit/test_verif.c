/*
 * test_verif.c: which TXT records are taken for the verification
 * records of services (verif.c), and which are not: other records,
 * prefixes without a value, bytes that are not printable ASCII, and
 * records past the length shown.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "verif.h"

static void
services(void **state)
{
	(void)state;
	assert_string_equal(verif_service("google-site-verification="
	    "rXOxyZounnZasA8Z7oaD3c14JdjS9aKSWvsR1EbUSIQ"), "Google");
	assert_string_equal(verif_service("MS=ms12345678"), "Microsoft 365");
	assert_string_equal(verif_service("ms=ms12345678"), "Microsoft 365");
	assert_string_equal(verif_service("facebook-domain-verification="
	    "abc123"), "Meta (Facebook)");
	assert_string_equal(verif_service("ZOOM_verify_abcDEF"), "Zoom");
	assert_string_equal(verif_service("yandex-verification: 1234abcd"),
	    "Yandex");
	assert_string_equal(verif_service("docusign=1b0a6754-49b1-4db5-8540-"
	    "d2c12664b289"), "DocuSign");
	assert_string_equal(verif_service("mandrill_verify.AbC"),
	    "Mailchimp Transactional (Mandrill)");
}

static void
not_verifications(void **state)
{
	char	r[VERIF_RECORD_MAX + 2];

	(void)state;
	assert_null(verif_service("v=spf1 -all"));
	assert_null(verif_service(""));
	assert_null(verif_service("google-site-verification"));
	assert_null(verif_service("google-site-verification="));
	assert_null(verif_service("yandex-verification:   "));
	assert_null(verif_service("MS="));
	assert_null(verif_service("x google-site-verification=abc"));
	/* Control bytes, bytes that are not ASCII: not shown at all. */
	assert_null(verif_service("google-site-verification=a\033[31mb"));
	assert_null(verif_service("google-site-verification=a\nb"));
	assert_null(verif_service("google-site-verification=\xc3\xa9"));
	assert_null(verif_service("google-site-verification=a\x7f"));
	/* Up to VERIF_RECORD_MAX bytes. */
	memset(r, 'a', sizeof r);
	memcpy(r, "MS=ms", 5);
	r[VERIF_RECORD_MAX] = '\0';
	assert_non_null(verif_service(r));
	r[VERIF_RECORD_MAX] = 'a';
	r[VERIF_RECORD_MAX + 1] = '\0';
	assert_null(verif_service(r));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(services),
		cmocka_unit_test(not_verifications),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
