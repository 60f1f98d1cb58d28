/*
 * test_fetch.c: the caps and checks of fetch.c that need no server: a
 * body at and past its cap, the connect-to mappings accepted and
 * refused, and a URL that is not https:// refused before any
 * connection. tests/e2e/mtasts.sh fetches from real servers.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fetch.h"

static void
body_capped(void **state)
{
	struct fetch_doc	 d;
	char			*chunk;

	(void)state;
	chunk = calloc(1, 40000);
	assert_non_null(chunk);
	memset(&d, 0, sizeof d);
	d.max = 65536;
	/* Up to the cap, in pieces: kept whole, NUL-terminated. */
	assert_int_equal(fetch_body_add(&d, chunk, 40000), 0);
	assert_int_equal(fetch_body_add(&d, chunk, 25535), 0);
	assert_int_equal(fetch_body_add(&d, "x", 1), 0);
	assert_int_equal(d.len, 65536);
	assert_int_equal(d.body[65535], 'x');
	assert_int_equal(d.body[65536], '\0');
	assert_int_equal(d.status, FETCH_OK);
	/* One byte more: refused, and said. */
	assert_int_equal(fetch_body_add(&d, "y", 1), -1);
	assert_int_equal(d.status, FETCH_TOOBIG);
	assert_int_equal(d.len, 65536);
	assert_non_null(strstr(d.why, "larger than 65536 bytes"));
	fetch_doc_clear(&d);
	assert_null(d.body);
	/* A piece larger than the cap at once, and a size that wraps. */
	memset(&d, 0, sizeof d);
	d.max = 100;
	assert_int_equal(fetch_body_add(&d, chunk, 101), -1);
	assert_int_equal(d.status, FETCH_TOOBIG);
	assert_int_equal(fetch_body_add(&d, chunk, SIZE_MAX), -1);
	assert_int_equal(d.len, 0);
	fetch_doc_clear(&d);
	/* An empty body is a body. */
	memset(&d, 0, sizeof d);
	d.max = 0;
	assert_int_equal(fetch_body_add(&d, "", 0), 0);
	assert_string_equal(d.body, "");
	assert_int_equal(fetch_body_add(&d, "z", 1), -1);
	fetch_doc_clear(&d);
	free(chunk);
}

static void
connect_to(void **state)
{
	static const char *const good[] = {
		"mta-sts.example.test:443:127.0.0.1:8443",
		"MTA-STS.Example.TEST:443:[::1]:1",
		"mta-sts.example.test:443:backend.example.test:65535",
	};
	static const struct {
		const char	*s, *why;
	} bad[] = {
		{ "mta-sts.example.test:443:127.0.0.1", "HOST:PORT" },
		{ "mta-sts.example.test", "HOST:PORT" },
		{ ":443:127.0.0.1:8443", "not a host name" },
		{ "bad_host!:443:127.0.0.1:8443", "not a host name" },
		{ "a.test:0:127.0.0.1:8443", "1 to 65535" },
		{ "a.test:65536:127.0.0.1:8443", "1 to 65535" },
		{ "a.test:44x:127.0.0.1:8443", "1 to 65535" },
		{ "a.test:443:127.0.0.1:", "1 to 65535" },
		{ "a.test:443:127.0.0.1:99999", "1 to 65535" },
		{ "a.test:443:127.0.0.1:84 43", "1 to 65535" },
		{ "a.test:443:[::1:8443", "']:'" },
		{ "a.test:443:[::g]:8443", "not an IPv6" },
		{ "a.test:443:::1:8443", "neither" },
		{ "a.test:443:x y:8443", "neither" },
	};
	char	why[200], longer[400];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		if (fetch_connect_to_check(good[i], why, sizeof why) != 0)
			fail_msg("%s: %s", good[i], why);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why[0] = '\0';
		if (fetch_connect_to_check(bad[i].s, why, sizeof why) != -1)
			fail_msg("accepted: %s", bad[i].s);
		if (strstr(why, bad[i].why) == NULL)
			fail_msg("%s: '%s', not '%s'", bad[i].s, why,
			    bad[i].why);
	}
	memset(longer, 'a', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	assert_int_equal(fetch_connect_to_check(longer, why, sizeof why), -1);
	assert_non_null(strstr(why, "longer than"));
}

static void
maps(void **state)
{
	char			*to[] = { "mta-sts.a.test:443:127.0.0.1:8443" };
	struct fetch_opts	 o;

	(void)state;
	memset(&o, 0, sizeof o);
	assert_false(fetch_maps(&o, "mta-sts.a.test", 443));
	o.connect_to = to;
	o.nconnect_to = 1;
	assert_true(fetch_maps(&o, "mta-sts.a.test", 443));
	assert_true(fetch_maps(&o, "MTA-STS.A.TEST", 443));
	assert_false(fetch_maps(&o, "mta-sts.a.test", 8443));
	assert_false(fetch_maps(&o, "sts.a.test", 443));
	assert_false(fetch_maps(&o, "x.mta-sts.a.test", 443));
}

static void
https_only(void **state)
{
	struct fetch_opts	 o;
	struct fetch_doc	 d;

	(void)state;
	memset(&o, 0, sizeof o);
	o.max = 100;
	assert_int_equal(fetch_https("http://mta-sts.a.test/x", NULL, 0, &o,
	    &d), -1);
	assert_non_null(strstr(d.why, "https://"));
	fetch_doc_clear(&d);
	assert_int_equal(fetch_https("ftp://a.test/x", NULL, 0, &o, &d), -1);
	fetch_doc_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(body_capped),
		cmocka_unit_test(connect_to),
		cmocka_unit_test(maps),
		cmocka_unit_test(https_only),
	};

	/* (libcurl is opened, and set up, by the first call: lazy.c.) */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
