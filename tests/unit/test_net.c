/*
 * test_net.c: which hosts may be spoken to in clear, and what of a URL
 * or a server's words may be printed.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net.h"

static void
loopback_literal_addresses_only(void **state)
{
	(void)state;
	/* 127.0.0.0/8, both ends. */
	assert_true(net_is_loopback("127.0.0.1"));
	assert_true(net_is_loopback("127.0.0.0"));
	assert_true(net_is_loopback("127.255.255.255"));
	assert_false(net_is_loopback("126.255.255.255"));
	assert_false(net_is_loopback("128.0.0.0"));
	/* ::1, as a URL writes it or not, and v4-mapped 127/8. */
	assert_true(net_is_loopback("[::1]"));
	assert_true(net_is_loopback("::1"));
	assert_true(net_is_loopback("[0:0:0:0:0:0:0:1]"));
	assert_true(net_is_loopback("[::ffff:127.0.0.1]"));
	assert_true(net_is_loopback("[::ffff:127.255.255.255]"));
	assert_false(net_is_loopback("[::ffff:128.0.0.1]"));
	assert_false(net_is_loopback("[::2]"));
	assert_false(net_is_loopback("[::]"));
	assert_false(net_is_loopback("[::127.0.0.1]"));
	/* Names are not trusted to be loopback, whatever they resolve to. */
	assert_false(net_is_loopback("localhost"));
	assert_false(net_is_loopback("LOCALHOST"));
	assert_false(net_is_loopback("localhost."));
	assert_false(net_is_loopback("127.0.0.1.example.com"));
	assert_false(net_is_loopback("127.0.0.1."));
	/* Not addresses at all. */
	assert_false(net_is_loopback(""));
	assert_false(net_is_loopback("[]"));
	assert_false(net_is_loopback("[::1"));
	assert_false(net_is_loopback("::1]"));
	assert_false(net_is_loopback("[fe80::1%25lo]"));
	assert_false(net_is_loopback(NULL));
}

static void
redact_password(void **state)
{
	char	out[128];

	(void)state;
	net_redact("smtp://user:secret@mail.example.com:587", out, sizeof out);
	assert_string_equal(out, "smtp://user:***@mail.example.com:587");
	/* An '@' in the password: up to the last '@' of the authority. */
	net_redact("smtp://u:p@ss@mail.example.com/x@y", out, sizeof out);
	assert_string_equal(out, "smtp://u:***@mail.example.com/x@y");
	/* No password: as it is. */
	net_redact("imaps://user@imap.example.com/INBOX", out, sizeof out);
	assert_string_equal(out, "imaps://user@imap.example.com/INBOX");
	net_redact("smtp://mail.example.com:25", out, sizeof out);
	assert_string_equal(out, "smtp://mail.example.com:25");
	/* A ':' after the authority is no password. */
	net_redact("imap://host/a:b@c", out, sizeof out);
	assert_string_equal(out, "imap://host/a:b@c");
	net_redact("imap://u:pw@host?x:y@z", out, sizeof out);
	assert_string_equal(out, "imap://u:***@host?x:y@z");
	net_redact("not a url", out, sizeof out);
	assert_string_equal(out, "not a url");
	/* Cut to fit, never beyond the buffer. */
	net_redact("smtp://user:secret@mail.example.com", out, 10);
	assert_string_equal(out, "smtp://us");
}

static void
reply_printable(void **state)
{
	char	out[16];

	(void)state;
	net_keep_reply(out, sizeof out, "A1 NO x\r\n", 9);
	assert_string_equal(out, "A1 NO x");
	/* Escape sequences, bidi controls and line breaks made visible. */
	net_keep_reply(out, sizeof out, "\x1b[2J\xe2\x80\xaeok\rx\n", 12);
	assert_string_equal(out, "?[2J???ok?x");
	/* Cut to fit. */
	net_keep_reply(out, sizeof out, "0123456789abcdefgh", 18);
	assert_string_equal(out, "0123456789abcde");
	net_keep_reply(out, sizeof out, "\r\n", 2);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loopback_literal_addresses_only),
		cmocka_unit_test(redact_password),
		cmocka_unit_test(reply_printable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
