/*
 * test_policy.c: what sources and advise rest on: alignment through the
 * Public Suffix List, IP blocks, the configuration file, DMARC records,
 * and the evaluation of a signature.
 */
#include "config.h"

#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "advise.h"
#include "align.h"
#include "cidr.h"
#include "conf.h"
#include "lint.h"
#include "record.h"
#include "tally.h"

/* --- alignment ------------------------------------------------------ */

static void
organisational_domains(void **state)
{
	(void)state;
	assert_string_equal(align_org("mail.example.com"), "example.com");
	assert_string_equal(align_org("example.com"), "example.com");
	/* Multi-label public suffixes. */
	assert_string_equal(align_org("a.b.example.co.uk"), "example.co.uk");
	assert_string_equal(align_org("mail.example.com.au"),
	    "example.com.au");
	/* A private suffix: each user's site is its own domain. */
	assert_string_equal(align_org("x.alice.github.io"),
	    "alice.github.io");
	/* A public suffix is its own organisational domain. */
	assert_string_equal(align_org("co.uk"), "co.uk");
	assert_string_equal(align_org("com"), "com");
}

static void
strict_and_relaxed(void **state)
{
	(void)state;
	assert_true(align_match("example.com", "example.com", ALIGN_STRICT));
	assert_false(align_match("mail.example.com", "example.com",
	    ALIGN_STRICT));
	assert_true(align_match("mail.example.com", "example.com",
	    ALIGN_RELAXED));
	assert_true(align_match("a.example.com", "b.example.com",
	    ALIGN_RELAXED));
	assert_false(align_match("example.net", "example.com",
	    ALIGN_RELAXED));
	/* Siblings under a multi-label suffix share an organisation... */
	assert_true(align_match("bounce.shop.co.uk", "shop.co.uk",
	    ALIGN_RELAXED));
	/* ...but two registrants under it do not. */
	assert_false(align_match("other.co.uk", "shop.co.uk",
	    ALIGN_RELAXED));
	assert_false(align_match("bob.github.io", "alice.github.io",
	    ALIGN_RELAXED));
	assert_false(align_match("co.uk", "shop.co.uk", ALIGN_RELAXED));
	/* Nothing to align. */
	assert_false(align_match(NULL, "example.com", ALIGN_RELAXED));
	assert_false(align_match("", "", ALIGN_RELAXED));
	assert_int_equal(align_mode("s"), ALIGN_STRICT);
	assert_int_equal(align_mode("r"), ALIGN_RELAXED);
	assert_int_equal(align_mode(NULL), ALIGN_RELAXED);
	assert_int_equal(align_mode("strict"), ALIGN_RELAXED);
}

/* --- IP blocks ------------------------------------------------------ */

static int
in(const char *block, const char *ip)
{
	struct cidr	c;
	uint8_t		a[CIDR_LEN];
	char		why[160];

	assert_int_equal(cidr_parse(block, &c, why, sizeof why), 0);
	assert_int_equal(cidr_addr(ip, a), 0);
	return cidr_match(&c, a);
}

static void
cidr_ipv4(void **state)
{
	(void)state;
	assert_true(in("192.0.2.0/24", "192.0.2.0"));
	assert_true(in("192.0.2.0/24", "192.0.2.255"));
	assert_false(in("192.0.2.0/24", "192.0.3.0"));
	assert_false(in("192.0.2.0/24", "192.0.1.255"));
	assert_true(in("192.0.2.128/25", "192.0.2.200"));
	assert_false(in("192.0.2.128/25", "192.0.2.127"));
	assert_true(in("192.0.2.1", "192.0.2.1"));
	assert_false(in("192.0.2.1", "192.0.2.2"));
	assert_true(in("0.0.0.0/0", "203.0.113.9"));
	/* An IPv4 block never holds an IPv6 address, and /0 stays IPv4. */
	assert_false(in("0.0.0.0/0", "2001:db8::1"));
	assert_true(in("10.0.0.0/13", "10.7.255.255"));
	assert_false(in("10.0.0.0/13", "10.8.0.0"));
}

static void
cidr_ipv6(void **state)
{
	(void)state;
	assert_true(in("2001:db8::/32", "2001:db8:ffff::1"));
	assert_false(in("2001:db8::/32", "2001:db9::1"));
	assert_true(in("2001:db8:0:1::/64", "2001:db8:0:1:ffff:ffff:ffff:ffff"));
	assert_false(in("2001:db8:0:1::/64", "2001:db8:0:2::"));
	assert_true(in("2001:DB8::1", "2001:db8::1"));
	assert_true(in("::/0", "::1"));
	/* An IPv4-mapped block holds the IPv4 address. */
	assert_true(in("::ffff:192.0.2.0/120", "192.0.2.77"));
	assert_true(in("::ffff:0:0/96", "203.0.113.9"));
	assert_true(in("::ffff:0:0/96", "::ffff:203.0.113.9"));
	/*
	 * IPv4 is held as ::ffff:a.b.c.d, but an IPv6 block that spans
	 * that space holds no IPv4 address, however short it is.
	 */
	assert_false(in("::/0", "203.0.113.9"));
	assert_false(in("::/64", "192.0.2.1"));
	assert_false(in("::fffe:0:0/95", "192.0.2.1"));
	assert_true(in("::fffe:0:0/95", "::fffe:1:2"));
	assert_false(in("::/96", "192.0.2.1"));
}

/* The IPv4 (32) or IPv6 (128) prefix length of a block. */
static unsigned
prefix(const char *block, int *v4)
{
	struct cidr	c;
	char		why[160];

	assert_int_equal(cidr_parse(block, &c, why, sizeof why), 0);
	*v4 = cidr_is_v4(&c);
	return cidr_prefix(&c);
}

static void
cidr_families(void **state)
{
	int	v4;

	(void)state;
	assert_int_equal(prefix("192.0.2.0/24", &v4), 24);
	assert_true(v4);
	assert_int_equal(prefix("192.0.2.1", &v4), 32);
	assert_true(v4);
	assert_int_equal(prefix("0.0.0.0/0", &v4), 0);
	assert_true(v4);
	assert_int_equal(prefix("::ffff:10.0.0.0/104", &v4), 8);
	assert_true(v4);
	assert_int_equal(prefix("::ffff:0:0/96", &v4), 0);
	assert_true(v4);
	assert_int_equal(prefix("::/0", &v4), 0);
	assert_false(v4);
	assert_int_equal(prefix("::fffe:0:0/95", &v4), 95);
	assert_false(v4);
	assert_int_equal(prefix("2001:db8::/32", &v4), 32);
	assert_false(v4);
}

static void
cidr_errors(void **state)
{
	struct cidr	c;
	char		why[160], txt[64];

	(void)state;
	assert_int_equal(cidr_parse("192.0.2.1/24", &c, why, sizeof why), -1);
	assert_string_equal(why, "address bits set beyond the prefix (did "
	    "you mean 192.0.2.0/24?)");
	assert_int_equal(cidr_parse("2001:db8::1/32", &c, why, sizeof why),
	    -1);
	assert_non_null(strstr(why, "did you mean 2001:db8::/32?"));
	assert_int_equal(cidr_parse("192.0.2.0/33", &c, why, sizeof why), -1);
	assert_string_equal(why, "prefix length must be 0 to 32");
	assert_int_equal(cidr_parse("2001:db8::/129", &c, why, sizeof why),
	    -1);
	assert_int_equal(cidr_parse("192.0.2.0/", &c, why, sizeof why), -1);
	assert_int_equal(cidr_parse("192.0.2.0/-1", &c, why, sizeof why), -1);
	assert_int_equal(cidr_parse("192.0.2/24", &c, why, sizeof why), -1);
	assert_string_equal(why, "not an IP address");
	assert_int_equal(cidr_parse("example.com", &c, why, sizeof why), -1);
	assert_int_equal(cidr_parse("198.51.100.0/22", &c, why, sizeof why),
	    0);
	cidr_format(&c, txt, sizeof txt);
	assert_string_equal(txt, "198.51.100.0/22");
	assert_int_equal(cidr_parse("2001:DB8::/48", &c, why, sizeof why), 0);
	cidr_format(&c, txt, sizeof txt);
	assert_string_equal(txt, "2001:db8::/48");
}

static void
cidr_range_bounds(void **state)
{
	struct cidr	c;
	uint8_t		first[CIDR_LEN], last[CIDR_LEN], a[CIDR_LEN];
	char		why[160];

	(void)state;
	assert_int_equal(cidr_parse("192.0.3.0/23", &c, why, sizeof why), -1);
	assert_int_equal(cidr_parse("192.0.2.0/24", &c, why, sizeof why), 0);
	cidr_range(&c, first, last);
	assert_int_equal(cidr_addr("192.0.2.0", a), 0);
	assert_memory_equal(first, a, CIDR_LEN);
	assert_int_equal(cidr_addr("192.0.2.255", a), 0);
	assert_memory_equal(last, a, CIDR_LEN);
}

/* cidr_ranges of a block: n ranges, then first and last of each. */
static void
ranges(const char *block, int n, ...)
{
	struct cidr	c;
	uint8_t		first[2][CIDR_LEN], last[2][CIDR_LEN], a[CIDR_LEN];
	char		why[160];
	va_list		ap;
	int		i;

	assert_int_equal(cidr_parse(block, &c, why, sizeof why), 0);
	assert_int_equal(cidr_ranges(&c, first, last), n);
	va_start(ap, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(cidr_addr(va_arg(ap, const char *), a), 0);
		assert_memory_equal(first[i], a, CIDR_LEN);
		assert_int_equal(cidr_addr(va_arg(ap, const char *), a), 0);
		assert_memory_equal(last[i], a, CIDR_LEN);
	}
	va_end(ap);
}

static void
cidr_ranges_without_ipv4(void **state)
{
	(void)state;
	ranges("192.0.2.0/24", 1, "192.0.2.0", "192.0.2.255");
	ranges("0.0.0.0/0", 1, "0.0.0.0", "255.255.255.255");
	ranges("::ffff:0:0/96", 1, "0.0.0.0", "255.255.255.255");
	ranges("2001:db8::/32", 1, "2001:db8::",
	    "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	/* The IPv4-mapped space is cut out of the blocks that span it. */
	ranges("::/0", 2, "::", "::fffe:ffff:ffff",
	    "::1:0:0:0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	ranges("::/64", 2, "::", "::fffe:ffff:ffff",
	    "::1:0:0:0", "::ffff:ffff:ffff:ffff");
	/* It ends where the mapped space ends: nothing above. */
	ranges("::fffe:0:0/95", 1, "::fffe:0:0", "::fffe:ffff:ffff");
	/* Below the mapped space, and beside it. */
	ranges("::/96", 1, "::", "::ffff:ffff");
	ranges("::1:0:0:0/80", 1, "::1:0:0:0", "::1:ffff:ffff:ffff");
}

/* --- the configuration ---------------------------------------------- */

static struct conf *
parse_ok(const char *text)
{
	struct conf	*c;
	struct dr_error	 err;

	if (conf_parse("test.conf", text, strlen(text), &c, &err) == -1)
		fail_msg("%s", err.msg);
	return c;
}

/* The message of a configuration that does not parse. */
static const char *
parse_err(const char *text)
{
	static struct dr_error	 err;
	struct conf		*c;

	assert_int_equal(conf_parse("test.conf", text, strlen(text), &c,
	    &err), -1);
	assert_null(c);
	return err.msg;
}

static void
conf_full(void **state)
{
	struct conf_thresholds	 th;
	const struct conf_sender *s;
	struct conf		*c;

	(void)state;
	c = parse_ok(
	    "# a comment\n"
	    "thresholds { min-days 21; pass 98.5%; }\n"
	    "default {\n"
	    "  sender \"Google Workspace\" { spf _spf.google.com; }\n"
	    "}\n"
	    "domain Example.COM. example.net {\n"
	    "  record \"v=DMARC1; p=none; rua=mailto:d@example.com\";\n"
	    "  sender \"our MTA\" { ip 192.0.2.0/24 2001:db8::/32; }\n"
	    "  sender \"Mailchimp \\\"MC\\\"\" {\n"
	    "    dkim example.com selector k1 K2;\n"
	    "    dkim mcsv.net;\n"
	    "  }\n"
	    "  thresholds { window 60; partial-pct yes; }\n"
	    "}\n"
	    "digest { from dmarc@example.com; to a@example.com b@example.com;"
	    " subject \"DMARC weekly\";\n"
	    "  ca-file /etc/dmarcdb/ca.pem; allow-cleartext yes; }\n");
	assert_int_equal(c->ndomains, 1);
	assert_int_equal(c->domains[0].nnames, 2);
	assert_string_equal(c->domains[0].names[0], "example.com");
	assert_non_null(conf_domain(c, "example.net"));
	assert_null(conf_domain(c, "example.org"));
	/* Its own senders first, then the default's. */
	assert_int_equal(conf_nsenders(c, "example.com"), 3);
	assert_int_equal(conf_nsenders(c, "example.org"), 1);
	s = conf_sender(c, "example.com", 1);
	assert_string_equal(s->name, "Mailchimp \"MC\"");
	assert_int_equal(s->ndkims, 2);
	assert_int_equal(s->dkims[0].nselectors, 2);
	assert_string_equal(s->dkims[0].selectors[1], "k2");
	assert_int_equal(s->dkims[1].nselectors, 0);
	assert_string_equal(conf_sender(c, "example.com", 2)->name,
	    "Google Workspace");
	assert_int_equal(conf_sender(c, "example.com", 0)->nips, 2);
	/* Thresholds: the domain's over the defaults over the built-in. */
	conf_thresholds(c, "example.com", &th);
	assert_int_equal(th.window, 60);
	assert_int_equal(th.min_days, 21);
	assert_true(th.pass > 98.4 && th.pass < 98.6);
	assert_true(th.partial_pct);
	assert_true(th.step_back > 94.9 && th.step_back < 95.1);
	conf_thresholds(c, "example.org", &th);
	assert_int_equal(th.window, 30);
	assert_false(th.partial_pct);
	assert_int_equal(conf_max_window(c), 60);
	assert_int_equal(c->digest.nto, 2);
	assert_string_equal(c->digest.subject, "DMARC weekly");
	assert_string_equal(c->digest.ca_file, "/etc/dmarcdb/ca.pem");
	assert_int_equal(c->digest.line_ca_file, 16);
	assert_int_equal(c->digest.allow_cleartext, 1);
	conf_free(c);

	/* Labels: the domain's block, then the default's. */
	c = parse_ok("default { not-ours evil.example; }\n"
	    "domain example.com {\n"
	    "  not-ours \"Mailchimp\" other.example;\n"
	    "  forwarder \"lists.example.org\";\n"
	    "  thresholds { unverified-messages 10; unverified-share 0.5; }\n"
	    "}\n");
	assert_int_equal(conf_label(c, "example.com", "mailchimp"),
	    CONF_NOT_OURS);
	assert_int_equal(conf_label(c, "example.com", "other.example"),
	    CONF_NOT_OURS);
	assert_int_equal(conf_label(c, "example.com", "lists.example.org"),
	    CONF_FORWARDER);
	assert_int_equal(conf_label(c, "example.com", "evil.example"),
	    CONF_NOT_OURS);
	assert_int_equal(conf_label(c, "example.net", "evil.example"),
	    CONF_NOT_OURS);
	assert_int_equal(conf_label(c, "example.net", "Mailchimp"),
	    CONF_UNLABELLED);
	assert_int_equal(conf_label(c, "example.com", "Mailchimp Inc"),
	    CONF_UNLABELLED);
	assert_int_equal(conf_label(c, "example.com", NULL), CONF_UNLABELLED);
	conf_thresholds(c, "example.com", &th);
	assert_int_equal(th.unverified_messages, 10);
	assert_true(th.unverified_share > 0.49 && th.unverified_share < 0.51);
	conf_thresholds(c, "example.net", &th);
	assert_int_equal(th.unverified_messages, 50);
	assert_true(th.unverified_share > 0.09 && th.unverified_share < 0.11);
	conf_free(c);

	/* HTTPS fetches: the CA file, the mappings in order. */
	c = parse_ok("ca-file \"/etc/dmarcdb/ca.pem\";\n"
	    "connect-to a.test:443:127.0.0.1:8443 b.test:443:[::1]:1;\n"
	    "connect-to c.test:443:backend.test:8443;\n");
	assert_string_equal(c->ca_file, "/etc/dmarcdb/ca.pem");
	assert_int_equal(c->line_ca_file, 1);
	assert_int_equal(c->nconnect_to, 3);
	assert_string_equal(c->connect_to[0], "a.test:443:127.0.0.1:8443");
	assert_string_equal(c->connect_to[1], "b.test:443:[::1]:1");
	assert_string_equal(c->connect_to[2], "c.test:443:backend.test:8443");
	conf_free(c);

	/* Nothing at all is a configuration without senders. */
	c = parse_ok("");
	assert_int_equal(conf_nsenders(c, "example.com"), 0);
	assert_null(c->digest.ca_file);
	assert_null(c->ca_file);
	assert_int_equal(c->nconnect_to, 0);
	assert_int_equal(c->digest.allow_cleartext, 0);
	conf_free(c);
}

static void
conf_errors(void **state)
{
	(void)state;
	assert_string_equal(parse_err("domain example.com {\n"
	    "  sender \"x\" { ip 192.0.2.1/24; }\n}\n"),
	    "test.conf:2: '192.0.2.1/24': address bits set beyond the "
	    "prefix (did you mean 192.0.2.0/24?)");
	assert_string_equal(parse_err("frobnicate { }"),
	    "test.conf:1: unknown statement 'frobnicate' (expected "
	    "thresholds, default, domain, digest, limits, location-db, "
	    "resolver, ca-file or connect-to)");
	assert_string_equal(parse_err("ca-file a.pem;\n\nca-file b.pem;"),
	    "test.conf:3: ca-file is already set on line 1");
	assert_string_equal(parse_err("connect-to a.test:443:[::1]:1\n"
	    "  b.test:443:127.0.0.1;"), "test.conf:2: connect-to "
	    "'b.test:443:127.0.0.1': not HOST:PORT:ADDRESS:PORT");
	assert_string_equal(parse_err("domain example.com {\n"
	    "  sender \"x\" { ip 192.0.2.1 }\n}\n"),
	    "test.conf:2: expected ';' at the end of the rule, found '}'");
	assert_string_equal(parse_err("\n\ndomain example.com {\n"
	    "  sender \"x\" { ip 192.0.2.1; }\n"),
	    "test.conf:5: expected sender, record, thresholds or '}', found "
	    "end of file");
	assert_string_equal(parse_err("domain example.com {\n"
	    "  sender \"x\" { }\n}\n"),
	    "test.conf:2: sender \"x\" has no rule (ip, dkim or spf)");
	assert_string_equal(parse_err("domain example.com {\n"
	    "  sender \"x\" { spf a.example; }\n"
	    "  sender \"x\" { spf b.example; }\n}\n"),
	    "test.conf:3: sender \"x\" is already defined on line 2");
	assert_string_equal(parse_err("domain a.example { }\n"
	    "domain b.example a.example { }\n"),
	    "test.conf:2: domain a.example is already configured on line 1");
	assert_string_equal(parse_err("domain exa$mple.com { }"),
	    "test.conf:1: expected a domain name, found 'exa$mple.com' (not "
	    "a domain name)");
	assert_string_equal(parse_err("thresholds { pass 101; }"),
	    "test.conf:1: pass must be a number from 0 to 100, found '101'");
	assert_string_equal(parse_err("thresholds { window 7.5; }"),
	    "test.conf:1: window must be a whole number");
	assert_string_equal(parse_err("thresholds {\n speed 3; }"),
	    "test.conf:2: unknown threshold 'speed' (expected window, "
	    "min-days, min-messages, pass, step-back, dkim, significant, "
	    "partial-pct, unverified-messages, unverified-share, "
	    "harm-messages or harm)");
	assert_string_equal(parse_err("domain a.example { not-ours; }"),
	    "test.conf:1: expected a sender's name after not-ours (a "
	    "service or a domain, as sources shows it), found ';'");
	assert_string_equal(parse_err("default { forwarder \"x\" }"),
	    "test.conf:1: expected ';' after the names, found '}'");
	assert_string_equal(parse_err("thresholds { unverified-share 101; }"),
	    "test.conf:1: unverified-share must be a number from 0 to 100, "
	    "found '101'");
	assert_string_equal(parse_err("thresholds { unverified-messages 1.5; }"),
	    "test.conf:1: unverified-messages must be a whole number");
	assert_string_equal(parse_err("thresholds { partial-pct maybe; }"),
	    "test.conf:1: expected yes or no after partial-pct, found "
	    "'maybe'");
	assert_string_equal(parse_err("domain example.com {\n"
	    "  record \"p=none\";\n}\n"),
	    "test.conf:2: expected the published DMARC record "
	    "(\"v=DMARC1; ...\"), found 'p=none'");
	assert_string_equal(parse_err("default { record \"v=DMARC1\"; }"),
	    "test.conf:1: record belongs in a domain block, not in default");
	/* A record that advise would publish: DMARC grammar only. */
	assert_string_equal(parse_err("domain example.com {\n"
	    "  record \"v=DMARC1; p=none; fo=1:x\";\n}\n"),
	    "test.conf:2: the record is not a DMARC record: tag fo: expected "
	    "0, 1, d or s, separated by ':'");
	assert_string_equal(parse_err("domain example.com {\n"
	    "  record \"v=DMARC1; p=none; x y=1\";\n}\n"),
	    "test.conf:2: the record is not a DMARC record: a tag name is "
	    "not a letter followed by letters, digits, '-' or '_'");
	assert_string_equal(parse_err("domain a_b.example { }"),
	    "test.conf:1: domain a_b.example is not a host name: holds '_': "
	    "a host name has letters, digits, hyphens and dots only");
	assert_string_equal(parse_err("domain x.example {\n"
	    "  sender \"unterminated { ip 192.0.2.1; }\n}\n"),
	    "test.conf:2: unterminated quoted string");
	assert_string_equal(parse_err("domain x.example {\n"
	    "  sender \"a\" { dkim x.example selector; }\n}\n"),
	    "test.conf:2: expected a DKIM selector, found ';'");
	assert_string_equal(parse_err("default {\n"
	    "  sender \"a\" { spf a.example; }\n}\n"
	    "domain x.example {\n  sender \"a\" { spf b.example; }\n}\n"),
	    "test.conf:5: sender \"a\" is already defined in default on "
	    "line 2");
	assert_string_equal(parse_err("digest { cc x@example.com; }"),
	    "test.conf:1: unknown digest setting 'cc' (expected from, to, "
	    "subject, smtp, ca-file or allow-cleartext)");
	assert_string_equal(parse_err("digest { allow-cleartext 1; }"),
	    "test.conf:1: expected yes or no after allow-cleartext, found "
	    "'1'");
	assert_string_equal(parse_err("digest { ca-file; }"),
	    "test.conf:1: expected a value, found ';'");
	assert_string_equal(parse_err("domain x.example {\n"
	    "  sender \"a\" { mx x.example; }\n}\n"),
	    "test.conf:2: unknown sender rule 'mx' (expected ip, dkim or "
	    "spf)");
	{
		static const char nul[] = "domain x.example {\n\0}\n";
		struct conf *c;
		struct dr_error err;
		assert_int_equal(conf_parse("test.conf", nul, sizeof nul - 1,
		    &c, &err), -1);
		assert_string_equal(err.msg, "test.conf:2: NUL byte in the "
		    "file");
	}
}

/*
 * A sender's block covers at most /8 of IPv4 or /16 of IPv6 unless the
 * rule says "ip wide": at the boundary, and one bit shorter.
 */
static void
conf_wide_blocks(void **state)
{
	struct conf	*c;

	(void)state;
	c = parse_ok("domain example.com {\n"
	    "  sender \"a\" { ip 10.0.0.0/8 2001::/16; }\n"
	    "  sender \"b\" { ip ::ffff:10.0.0.0/104; }\n"
	    "  sender \"c\" { ip wide 0.0.0.0/0 ::/0 ::ffff:0:0/96; }\n"
	    "  sender \"d\" { ip wide 192.0.2.0/24; }\n"
	    "}\n");
	assert_int_equal(conf_sender(c, "example.com", 0)->nips, 2);
	assert_int_equal(conf_sender(c, "example.com", 2)->nips, 3);
	assert_int_equal(conf_sender(c, "example.com", 3)->nips, 1);
	conf_free(c);
	assert_string_equal(parse_err("domain example.com {\n"
	    "  sender \"x\" {\n    ip 192.0.2.0/24 10.0.0.0/7; }\n}\n"),
	    "test.conf:3: '10.0.0.0/7': a block wider than /8 (IPv4) covers "
	    "too much of the internet to be one sender's; write 'ip wide "
	    "...;' if you mean it");
	assert_string_equal(parse_err("domain example.com {\n"
	    "  sender \"x\" { ip 0.0.0.0/0; }\n}\n"),
	    "test.conf:2: '0.0.0.0/0': a block wider than /8 (IPv4) covers "
	    "too much of the internet to be one sender's; write 'ip wide "
	    "...;' if you mean it");
	assert_string_equal(parse_err("domain example.com {\n"
	    "  sender \"x\" { ip 2000::/15; }\n}\n"),
	    "test.conf:2: '2000::/15': a block wider than /16 (IPv6) covers "
	    "too much of the internet to be one sender's; write 'ip wide "
	    "...;' if you mean it");
	assert_non_null(strstr(parse_err("domain example.com {\n"
	    "  sender \"x\" { ip ::/0; }\n}\n"),
	    "test.conf:2: '::/0': a block wider than /16 (IPv6)"));
	/* All of IPv4 in its mapped form is all of IPv4. */
	assert_non_null(strstr(parse_err("domain example.com {\n"
	    "  sender \"x\" { ip ::ffff:10.0.0.0/103; }\n}\n"),
	    "test.conf:2: '::ffff:10.0.0.0/103': a block wider than /8 "
	    "(IPv4)"));
	assert_non_null(strstr(parse_err("domain example.com {\n"
	    "  sender \"x\" { ip ::ffff:0:0/96; }\n}\n"),
	    "wider than /8 (IPv4)"));
	/* "wide" alone is not a block. */
	assert_string_equal(parse_err("domain example.com {\n"
	    "  sender \"x\" { ip wide; }\n}\n"),
	    "test.conf:2: expected an address or block (192.0.2.0/24, "
	    "2001:db8::/32), found ';'");
}

static void
conf_files(void **state)
{
	struct conf	*c;
	struct dr_error	 err;

	(void)state;
	/* A file named but missing is an error; none named, none found,
	 * is an empty configuration. */
	assert_int_equal(conf_load("/nonexistent/dmarcdb.conf", &c, &err), -1);
	assert_non_null(strstr(err.msg, "No such file or directory"));
	assert_int_equal(conf_load("/", &c, &err), -1);
	assert_string_equal(err.msg, "/: not a regular file (a directory)");
	/* A FIFO is refused, not waited on; the null device is empty. */
	{
		char dir[] = "/tmp/test_policy.XXXXXX", fifo[64];
		assert_non_null(mkdtemp(dir));
		snprintf(fifo, sizeof fifo, "%s/fifo", dir);
		assert_int_equal(mkfifo(fifo, 0600), 0);
		assert_int_equal(conf_load(fifo, &c, &err), -1);
		assert_non_null(strstr(err.msg, ": not a regular file (a "
		    "FIFO)"));
		unlink(fifo);
		rmdir(dir);
	}
	assert_int_equal(conf_load("/dev/zero", &c, &err), -1);
	assert_string_equal(err.msg, "/dev/zero: not a regular file (a "
	    "device)");
	assert_int_equal(conf_load("/dev/null", &c, &err), 0);
	assert_int_equal(conf_nsenders(c, "example.com"), 0);
	conf_free(c);
	assert_int_equal(conf_load(SRCDIR "/samples/dmarcdb.conf", &c, &err),
	    0);
	assert_non_null(c->path);
	assert_true(conf_nsenders(c, "example.com") > 0);
	conf_free(c);
}

/* "location-db PATH;" (geo.h): one path, at the top level only. */
static void
conf_location_db(void **state)
{
	struct conf	*c;

	(void)state;
	c = parse_ok("");
	assert_null(c->location_db);	/* GEO_DEFAULT_PATH */
	conf_free(c);
	c = parse_ok("location-db /srv/loc/location.db;\n"
	    "limits { domains 3; }\n");
	assert_string_equal(c->location_db, "/srv/loc/location.db");
	assert_int_equal(c->limits.domains, 3);
	conf_free(c);
	c = parse_ok("location-db \"/a b/c;d.db\";");
	assert_string_equal(c->location_db, "/a b/c;d.db");
	conf_free(c);
	assert_string_equal(parse_err("location-db /a.db;\n"
	    "location-db /b.db;\n"),
	    "test.conf:2: location-db is set twice");
	assert_string_equal(parse_err("location-db;"),
	    "test.conf:1: expected the location database's path after "
	    "location-db, found ';'");
	assert_string_equal(parse_err("location-db \"\";"),
	    "test.conf:1: expected the location database's path after "
	    "location-db, found ''");
	assert_string_equal(parse_err("location-db /a.db /b.db;"),
	    "test.conf:1: expected ';' after the path, found '/b.db'");
	assert_string_equal(parse_err("location-db /a.db"),
	    "test.conf:1: expected ';' after the path, found end of file");
	assert_string_equal(parse_err("default { location-db /a.db; }"),
	    "test.conf:1: unknown statement 'location-db' in a default "
	    "block (expected sender, record, thresholds, not-ours, "
	    "forwarder or digest-to)");
}

/* digest-to: a domain block's recipients, checked where they are used. */
static void
conf_digest_to(void **state)
{
	const struct conf_domain	*d;
	struct conf			*c;

	(void)state;
	c = parse_ok("domain a.example b.example {\n"
	    "  digest-to \"Team <t@example.com>\" u@example.com;\n}\n"
	    "domain c.example { }\n");
	d = conf_domain(c, "b.example");
	assert_non_null(d);
	assert_int_equal(d->ndigest_to, 2);
	assert_string_equal(d->digest_to[0], "Team <t@example.com>");
	assert_string_equal(d->digest_to[1], "u@example.com");
	assert_int_equal(d->line_digest_to, 2);
	assert_int_equal(conf_domain(c, "c.example")->ndigest_to, 0);
	conf_free(c);
	assert_string_equal(parse_err("default { digest-to a@example.com; }"),
	    "test.conf:1: digest-to belongs in a domain block, not in "
	    "default (digest { to ...; } gets every domain)");
	assert_string_equal(parse_err("domain a.example {\n"
	    "  digest-to a@example.com;\n  digest-to b@example.com;\n}"),
	    "test.conf:3: digest-to is already set on line 2");
	assert_string_equal(parse_err("domain a.example { digest-to; }"),
	    "test.conf:1: expected an address after digest-to, found ';'");
	assert_string_equal(parse_err("domain a.example { digest-to a }"),
	    "test.conf:1: expected ';' after the addresses, found '}'");
}

static void
conf_limits(void **state)
{
	struct conf	*c;

	(void)state;
	c = parse_ok("");
	assert_int_equal(c->limits.domains, CONF_DOMAINS);
	assert_int_equal(c->limits.dns_lookups, CONF_DNS_LOOKUPS);
	assert_int_equal(CONF_DOMAINS, 20);
	assert_int_equal(CONF_DNS_LOOKUPS, 50);
	conf_free(c);
	c = parse_ok("limits { domains 1; dns-lookups 0; }");
	assert_int_equal(c->limits.domains, 1);
	assert_int_equal(c->limits.dns_lookups, 0);
	conf_free(c);
	c = parse_ok("limits { domains 100000; dns-lookups 100000; }");
	assert_int_equal(c->limits.domains, 100000);
	assert_int_equal(c->limits.dns_lookups, 100000);
	conf_free(c);
	assert_string_equal(parse_err("limits { domains 0; }"),
	    "test.conf:1: domains must be a number from 1 to 100000, found "
	    "'0'");
	assert_string_equal(parse_err("limits { domains 100001; }"),
	    "test.conf:1: domains must be a number from 1 to 100000, found "
	    "'100001'");
	assert_string_equal(parse_err("limits { dns-lookups 2.5; }"),
	    "test.conf:1: dns-lookups must be a whole number");
	assert_string_equal(parse_err("limits { dns-lookups -1; }"),
	    "test.conf:1: dns-lookups must be a number from 0 to 100000, "
	    "found '-1'");
	assert_string_equal(parse_err("limits { reports 5; }"),
	    "test.conf:1: unknown limit 'reports' (expected domains or "
	    "dns-lookups)");
}

static void
domain_within(void **state)
{
	(void)state;
	assert_true(conf_domain_within("example.com", "example.com"));
	assert_true(conf_domain_within("bounce.mcsv.net", "mcsv.net"));
	assert_false(conf_domain_within("notmcsv.net", "mcsv.net"));
	assert_false(conf_domain_within("mcsv.net", "bounce.mcsv.net"));
	assert_false(conf_domain_within(NULL, "mcsv.net"));
}

/* Names of SPF records, which no mail has as its MAIL FROM domain. */
static void
spf_record_names(void **state)
{
	(void)state;
	assert_true(lint_spf_record_name("_spf.google.com"));
	assert_true(lint_spf_record_name("spf.protection.outlook.com"));
	assert_true(lint_spf_record_name("*.spf.protection.outlook.com"));
	assert_true(lint_spf_record_name("servers.mcsv.net"));
	assert_true(lint_spf_record_name("_spf.example.com"));
	assert_true(lint_spf_record_name("spf.example.com"));
	assert_true(lint_spf_record_name("spf1.example.com"));
	assert_false(lint_spf_record_name("spfx.example.com"));
	assert_false(lint_spf_record_name("mcsv.net"));
	assert_false(lint_spf_record_name("bounce.example.com"));
	assert_false(lint_spf_record_name(NULL));
}

/* Rules take subdomains only when written so (shared infrastructure). */
static void
rule_domain(void **state)
{
	struct conf	*c;

	(void)state;
	assert_true(conf_rule_domain("sendgrid.net", "sendgrid.net"));
	assert_true(conf_rule_domain("SendGrid.NET", "sendgrid.net"));
	assert_false(conf_rule_domain("em1234.attacker-shop.sendgrid.net",
	    "sendgrid.net"));
	assert_true(conf_rule_domain("em1234.attacker-shop.sendgrid.net",
	    "*.sendgrid.net"));
	assert_false(conf_rule_domain("sendgrid.net", "*.sendgrid.net"));
	assert_false(conf_rule_domain("notsendgrid.net", "*.sendgrid.net"));
	assert_false(conf_rule_domain(NULL, "sendgrid.net"));
	c = parse_ok("domain example.com { sender \"x\" { "
	    "spf *.Bounce.Example.com; dkim *.example.net; } }");
	assert_string_equal(conf_sender(c, "example.com", 0)->spfs[0],
	    "*.bounce.example.com");
	assert_string_equal(conf_sender(c, "example.com", 0)->dkims[0].domain,
	    "*.example.net");
	conf_free(c);
	assert_string_equal(parse_err("domain example.com { sender \"x\" { "
	    "spf *.com; } }"),
	    "test.conf:1: *.com: the subdomains of a top-level domain are "
	    "everyone's");
	assert_string_equal(parse_err("domain example.com { sender \"x\" { "
	    "spf *.*.example.com; } }"),
	    "test.conf:1: expected an SPF (MAIL FROM) domain, found "
	    "'*.example.com' (not a domain name)");
}

/* --- DMARC records --------------------------------------------------- */

static void
records(void **state)
{
	struct dmarc_record	*r;
	char			 why[160], out[512];

	(void)state;
	r = record_parse(" v=DMARC1 ;rua=mailto:a@example.com; p=none;"
	    " FO=1; x-new=7;", why, sizeof why);
	assert_non_null(r);
	assert_string_equal(record_get(r, "p"), "none");
	assert_string_equal(record_get(r, "fo"), "1");
	assert_null(record_get(r, "pct"));
	/* Policy tags first in a fixed order; unknown tags kept. */
	assert_int_equal(record_set(r, "pct", "0", why, sizeof why), 0);
	assert_int_equal(record_set(r, "t", "y", why, sizeof why), 0);
	assert_int_equal(record_set(r, "p", "quarantine", why, sizeof why),
	    0);
	record_format(r, out, sizeof out);
	assert_string_equal(out, "v=DMARC1; p=quarantine; pct=0; t=y; fo=1; "
	    "rua=mailto:a@example.com; x-new=7");
	assert_int_equal(record_set(r, "pct", NULL, why, sizeof why), 0);
	assert_int_equal(record_set(r, "t", NULL, why, sizeof why), 0);
	record_format(r, out, sizeof out);
	assert_string_equal(out, "v=DMARC1; p=quarantine; fo=1; "
	    "rua=mailto:a@example.com; x-new=7");
	record_free(r);

	assert_null(record_parse("p=none; v=DMARC1", why, sizeof why));
	assert_string_equal(why, "does not start with v=DMARC1");
	assert_null(record_parse("v=DMARC1; p=none; p=reject", why,
	    sizeof why));
	assert_string_equal(why, "tag p given twice");
	assert_null(record_parse("v=DMARC1; none", why, sizeof why));
	assert_string_equal(why, "a part is not tag=value");
	assert_null(record_parse("", why, sizeof why));
}

/*
 * Whatever a value came from, record_set and record_parse keep only
 * DMARC grammar: forged tags, quotes, spaces and control bytes never
 * reach the text of a record.
 */
static void
records_hold_only_valid_values(void **state)
{
	static const char *const forged[][2] = {
		{ "fo", "1;pct=0;t=y" }, { "sp", "none\" x" },
		{ "np", "reject quarantine" }, { "p", "reject\x07" },
		{ "pct", "101" }, { "pct", "0100" }, { "adkim", "\xc2\x85s" },
		{ "t", "true" }, { "rua", "mailto:a@example.com; p=none" },
		{ "rua", "mailto:a\"@example.com" }, { "x", "a b" },
		{ "x;y", "1" }, { "ri", "-1" },
	};
	struct dmarc_record	*r;
	char			 why[160], out[512];
	size_t			 i;

	(void)state;
	r = record_new();
	assert_non_null(r);
	assert_int_equal(record_set(r, "p", "none", why, sizeof why), 0);
	for (i = 0; i < sizeof forged / sizeof forged[0]; i++) {
		if (record_set(r, forged[i][0], forged[i][1], why, sizeof why)
		    != RECORD_INVALID)
			fail_msg("%s=%s set", forged[i][0], forged[i][1]);
		assert_true(why[0] != '\0');
	}
	record_format(r, out, sizeof out);
	assert_string_equal(out, "v=DMARC1; p=none");
	/* Valid values are set in canonical form. */
	assert_int_equal(record_set(r, "FO", " 1 : D ", why, sizeof why), 0);
	assert_int_equal(record_set(r, "p", "Reject", why, sizeof why), 0);
	assert_int_equal(record_set(r, "pct", "007", why, sizeof why), 0);
	assert_int_equal(record_set(r, "rua", "mailto:a@example.com , "
	    "MAILTO:b@example.com", why, sizeof why), 0);
	record_format(r, out, sizeof out);
	assert_string_equal(out, "v=DMARC1; p=reject; pct=7; fo=1:d; "
	    "rua=mailto:a@example.com,mailto:b@example.com");
	/* A refused value leaves the tag as it was. */
	assert_int_equal(record_set(r, "fo", "1;p=none", why, sizeof why),
	    RECORD_INVALID);
	assert_string_equal(record_get(r, "fo"), "1:d");
	record_free(r);

	/* Parsing refuses a record with any invalid value, and says which. */
	assert_null(record_parse("v=DMARC1; p=none; fo=1\x07", why,
	    sizeof why));
	assert_string_equal(why, "tag fo: expected 0, 1, d or s, separated "
	    "by ':'");
	assert_null(record_parse("v=DMARC1; p=none; rua=mailto:\"a\"@x.example",
	    why, sizeof why));
	assert_non_null(strstr(why, "tag rua: "));
	assert_null(record_parse("v=DMARC1; p=none; x y=1", why, sizeof why));
	assert_non_null(strstr(why, "a tag name is not a letter"));
	assert_null(record_parse("v=DMARC1; p=maybe", why, sizeof why));
	assert_string_equal(why, "tag p: expected none, quarantine or "
	    "reject");
	r = record_parse("v=dmarc1;p=Quarantine;pct=050;rua=mailto:a@b.example"
	    ",mailto:c@d.example!10M", why, sizeof why);
	assert_non_null(r);
	record_format(r, out, sizeof out);
	assert_string_equal(out, "v=DMARC1; p=quarantine; pct=50; "
	    "rua=mailto:a@b.example,mailto:c@d.example!10m");
	/* Never a cut record: too small a buffer gives "". */
	assert_true(record_format(r, out, 20) >= 20);
	assert_string_equal(out, "");
	record_free(r);
}

/* Zone-file lines: quoted strings of at most 255 bytes, never cut. */
static void
zone_lines(void **state)
{
	char	rec[700], line[1000], want[1000];
	size_t	n;

	(void)state;
	assert_int_equal(record_zone("_dmarc.example.com", "v=DMARC1; p=none",
	    line, sizeof line), 0);
	assert_string_equal(line, "_dmarc.example.com. IN TXT "
	    "\"v=DMARC1; p=none\"");
	/* 255 bytes: one string; 256: two; 510: two; 511: three. */
	memset(rec, 'a', sizeof rec);
	memcpy(rec, "v=DMARC1; x=", 12);
	rec[255] = '\0';
	assert_int_equal(record_zone("_dmarc.e.example", rec, line,
	    sizeof line), 0);
	snprintf(want, sizeof want, "_dmarc.e.example. IN TXT \"%s\"", rec);
	assert_string_equal(line, want);
	rec[255] = 'b';
	rec[256] = '\0';
	assert_int_equal(record_zone("_dmarc.e.example", rec, line,
	    sizeof line), 0);
	snprintf(want, sizeof want, "_dmarc.e.example. IN TXT \"%.255s\" "
	    "\"b\"", rec);
	assert_string_equal(line, want);
	rec[256] = 'a';
	rec[510] = '\0';
	assert_int_equal(record_zone("_dmarc.e.example", rec, line,
	    sizeof line), 0);
	n = strlen(line);
	assert_int_equal(n, strlen("_dmarc.e.example. IN TXT ") + 510 + 5);
	rec[510] = 'c';
	rec[511] = '\0';
	assert_int_equal(record_zone("_dmarc.e.example", rec, line,
	    sizeof line), 0);
	assert_non_null(strstr(line, "\" \"c\""));
	/* What is not zone text is refused; so is what does not fit. */
	assert_int_equal(record_zone("_dmarc.e.example", "v=DMARC1; p=\"x",
	    line, sizeof line), -1);
	assert_string_equal(line, "");
	assert_int_equal(record_zone("_dmarc.e.example", "v=DMARC1;\np=none",
	    line, sizeof line), -1);
	assert_int_equal(record_zone("_dmarc.e example", "v=DMARC1", line,
	    sizeof line), -1);
	assert_int_equal(record_zone("", "v=DMARC1", line, sizeof line), -1);
	assert_int_equal(record_zone("_dmarc.e.example", rec, line, 300),
	    -1);
	assert_string_equal(line, "");
}

static void
stages(void **state)
{
	(void)state;
	assert_int_equal(advise_stage("none", -1, NULL), 0);
	assert_int_equal(advise_stage(NULL, -1, NULL), 0);
	assert_int_equal(advise_stage("quarantine", 0, NULL), 1);
	assert_int_equal(advise_stage("quarantine", -1, "y"), 1);
	assert_int_equal(advise_stage("quarantine", 25, NULL), 2);
	assert_int_equal(advise_stage("quarantine", 100, "n"), 3);
	assert_int_equal(advise_stage("quarantine", -1, NULL), 3);
	assert_int_equal(advise_stage("reject", 0, "y"), 4);
	assert_int_equal(advise_stage("reject", 50, NULL), 4);
	assert_int_equal(advise_stage("reject", 100, NULL), 5);
}

/* --- evaluating a signature ------------------------------------------ */

struct evald {
	int	dmarc, dkim, spf;
};

static struct evald
eval(const char *adkim, const char *aspf, const struct dr_record *r)
{
	struct tally	*t = tally_new();
	struct buf	 b = { 0 };
	struct arena	 a = { 0 };
	struct sig	 g;
	struct evald	 e;

	assert_non_null(t);
	assert_int_equal(tally_record_sig(t, adkim, aspf, r, &b), 0);
	assert_int_equal(tally_eval(b.data, b.len, &a, &g), 0);
	e.dmarc = g.dmarc;
	e.dkim = g.dkim_aligned;
	e.spf = g.spf_aligned;
	arena_free(&a);
	buf_free(&b);
	tally_free(t);
	return e;
}

static void
evaluation(void **state)
{
	struct dr_dkim		dk[2] = {
		{ "esp.example", "s1", "pass", NULL, NULL },
		{ "mail.example.com", "k1", "pass", NULL, NULL },
	};
	struct dr_spf		sp[2] = {
		{ "example.com", "helo", "pass", NULL, NULL },
		{ "bounce.esp.example", "mfrom", "pass", NULL, NULL },
	};
	struct dr_record	r;
	struct evald		e;

	(void)state;
	memset(&r, 0, sizeof r);
	r.header_from = "example.com";
	r.dkim = "fail";
	r.spf = "fail";
	r.dkims = dk;
	r.ndkims = 2;
	/* One aligned signature among others passes, relaxed only. */
	e = eval("r", "r", &r);
	assert_true(e.dmarc && e.dkim && !e.spf);
	e = eval("s", "r", &r);
	assert_true(!e.dmarc && !e.dkim);
	/* HELO counts only without a MAIL FROM result. */
	r.ndkims = 0;
	r.spfs = sp;
	r.nspfs = 2;
	e = eval("r", "r", &r);
	assert_true(!e.dmarc && !e.spf);
	r.nspfs = 1;
	e = eval("r", "r", &r);
	assert_true(e.dmarc && e.spf);
	/* Without results, the receiver's verdict is all there is. */
	r.nspfs = 0;
	r.dkim = "pass";
	e = eval("r", "r", &r);
	assert_true(e.dmarc && e.dkim && !e.spf);
	/* Without header_from too. */
	r.header_from = NULL;
	r.dkims = dk;
	r.ndkims = 2;
	r.dkim = "fail";
	e = eval("r", "r", &r);
	assert_false(e.dmarc);
	/* Order does not matter: the same signature either way. */
	{
		struct dr_dkim rev[2] = { dk[1], dk[0] };
		struct tally *t = tally_new();
		struct buf b1 = { 0 }, b2 = { 0 };
		r.header_from = "example.com";
		assert_int_equal(tally_record_sig(t, "r", "r", &r, &b1), 0);
		r.dkims = rev;
		assert_int_equal(tally_record_sig(t, "r", "r", &r, &b2), 0);
		assert_int_equal(b1.len, b2.len);
		assert_memory_equal(b1.data, b2.data, b1.len);
		buf_free(&b1);
		buf_free(&b2);
		tally_free(t);
	}
}

static void
days(void **state)
{
	(void)state;
	/* 2026-02-01 00:00 to 23:59:59 UTC. */
	assert_int_equal(tally_day(1769904000, 1769990399), 20485);
	/* A day counted from midnight UTC+1 lands on the day it covers. */
	assert_int_equal(tally_day(1769904000 - 3600, 1769990399 - 3600),
	    20485);
	/* End before begin: the day it begins. */
	assert_int_equal(tally_day(1769904000, 1000), 20485);
}

/*
 * A signature's facts (auth_sigs.facts) and its passing results
 * (auth_sigs.passes) as the report commands read them: every kind of
 * result, and names that look like the encoding (digits, colons, the
 * letters k and s, "-") come back as they were.
 */
static void
sig_facts(void **state)
{
	struct sig_result	 dk[] = {
		{ "k3:s.example", "-", "pass", 0 },	/* unaligned pass */
		{ "example.com", NULL, "fail", 1 },	/* aligned, failing */
		{ "other.example", "s1", "neutral", 0 },
		{ "12:34.example", "", "pass", 1 },	/* aligned pass */
		{ NULL, "x", "pass", 0 },		/* no domain */
	};
	struct sig_result	 sp[] = {
		{ "s-1.example", "mfrom", "permerror", 0 },
		{ "mcsv.net", "mfrom", "pass", 0 },
		{ "example.com", "mfrom", "softfail", 1 },
		{ "x.example", "helo", "fail", 0 },
	};
	const char		*reasons[] = { "local_policy", "mailing_list" };
	struct sig		 g, p;
	struct arena		 a;
	struct buf		 passes = { 0 };
	long			 f;
	int			 c;

	(void)state;
	memset(&a, 0, sizeof a);
	memset(&g, 0, sizeof g);
	g.header_from = "example.com";
	g.receiver_dkim = "fail";
	g.receiver_spf = "pass";
	g.disposition = "quarantine";
	g.reasons = reasons;
	g.nreasons = 2;
	g.dkims = dk;
	g.ndkims = 5;
	g.spfs = sp;
	g.nspfs = 4;
	g.dkim_aligned = 1;
	g.dmarc = 1;
	f = tally_facts(&g, &passes);
	assert_true(f >= 0);
	assert_true(f & SIG_F_DMARC);
	assert_true(f & SIG_F_DKIM_ALIGNED);
	assert_false(f & SIG_F_SPF_ALIGNED);
	assert_true(f & SIG_F_RECEIVER_PASS);
	assert_false(f & SIG_F_SPF_FAILED);	/* mcsv.net passes */
	assert_true(f & SIG_F_SIGNED);
	assert_int_equal(SIG_F_DISP(f), SIG_DISP_QUARANTINE);
	/*
	 * The first forwarding reason type, in sorted order; a plain
	 * local_policy (no forwarding) only when there is no other.
	 */
	assert_string_equal(sig_fwd_names[SIG_F_FWD(f)], "mailing_list");
	for (c = 0; c < SIG_C__COUNT; c++)
		assert_int_equal(!!(f & SIG_F_CAND(c)),
		    c != SIG_C_PASS_SP);
	/* The first result of each kind. */
	assert_ptr_equal(tally_cand(&g, SIG_C_PASS_DK), &dk[3]);
	assert_ptr_equal(tally_cand(&g, SIG_C_DK_UNAL), &dk[0]);
	assert_ptr_equal(tally_cand(&g, SIG_C_DK_FAIL), &dk[1]);
	assert_ptr_equal(tally_cand(&g, SIG_C_DK_OTHER), &dk[2]);
	assert_ptr_equal(tally_cand(&g, SIG_C_SP_ERR), &sp[0]);
	assert_ptr_equal(tally_cand(&g, SIG_C_SP_UNAL), &sp[1]);
	assert_ptr_equal(tally_cand(&g, SIG_C_SP_FAIL), &sp[2]);
	assert_ptr_equal(tally_cand(&g, SIG_C_SP_OTHER), &sp[3]);
	assert_null(tally_cand(&g, SIG_C_PASS_SP));

	/* The passing results, and only those, in order. */
	assert_int_equal(tally_passes(passes.data, passes.len, &a, &p), 0);
	assert_int_equal(p.ndkims, 3);
	assert_string_equal(p.dkims[0].domain, "k3:s.example");
	assert_string_equal(p.dkims[0].detail, "-");
	assert_string_equal(p.dkims[1].domain, "12:34.example");
	assert_string_equal(p.dkims[1].detail, "");
	assert_null(p.dkims[2].domain);
	assert_string_equal(p.dkims[2].detail, "x");
	assert_int_equal(p.nspfs, 1);
	assert_string_equal(p.spfs[0].domain, "mcsv.net");
	assert_string_equal(p.spfs[0].result, "pass");

	/* Malformed: cut short, a length past the end, another letter. */
	assert_int_equal(tally_passes(passes.data, passes.len - 1, &a, &p),
	    -1);
	assert_int_equal(tally_passes("k99:ab-", 7, &a, &p), -1);
	assert_int_equal(tally_passes("x-", 2, &a, &p), -1);
	assert_int_equal(tally_passes("", 0, &a, &p), 0);
	assert_int_equal(p.ndkims + p.nspfs, 0);

	/* Nothing passes: no passes; no results and the receiver's fail. */
	memset(&g, 0, sizeof g);
	g.receiver_spf = "fail";
	f = tally_facts(&g, &passes);
	assert_int_equal(passes.len, 0);
	assert_true(f & SIG_F_SPF_FAILED);
	assert_false(f & SIG_F_SIGNED);
	assert_int_equal(SIG_F_DISP(f), SIG_DISP_OTHER);
	assert_int_equal(SIG_F_FWD(f), 0);
	buf_free(&passes);
	arena_free(&a);
}

/* Forwarding in a reason's comment, and what it makes of local_policy. */
static void
fwd_evidence(void **state)
{
	static const char *const yes[] = {
		"arc=pass", "ARC=pass as.1.google.com=pass", "arc: pass",
		"arc pass", "forwarded", "Forwarder modified body",
		"trusted relay", "relayed", "mailing list", "Mailing_List",
		"mailinglist", "LISTSERV", "x;arc=pass",
	};
	static const char *const no[] = {
		"", "arc=fail", "arcpass", "parc=pass", "arc=passed",
		"Policy ignored due to local white list", "list",
		"sender not authorized", "unforwarded", "mailing", "a list",
		"localpolicy",
	};
	char		 lng[TALLY_COMMENT_MAX + 32];
	const char	*reasons[2];
	struct dr_reason rs[2];
	struct dr_record r;
	struct tally	*t = tally_new();
	struct buf	 b = { 0 }, passes = { 0 };
	struct arena	 a = { 0 };
	struct sig	 g;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (!tally_fwd_evidence(yes[i]))
			fail_msg("no forwarding in '%s'", yes[i]);
	for (i = 0; i < sizeof no / sizeof no[0]; i++)
		if (tally_fwd_evidence(no[i]))
			fail_msg("forwarding in '%s'", no[i]);
	assert_false(tally_fwd_evidence(NULL));
	/* Read in the first TALLY_COMMENT_MAX bytes only. */
	memset(lng, ' ', sizeof lng);
	memcpy(lng + TALLY_COMMENT_MAX - 10, "forwarded", 10);
	assert_true(tally_fwd_evidence(lng));
	memset(lng, ' ', sizeof lng);
	memcpy(lng + TALLY_COMMENT_MAX - 1, "forwarded", 10);
	assert_false(tally_fwd_evidence(lng));

	/* In the signature: local_policy:forwarded, or local_policy. */
	memset(&r, 0, sizeof r);
	memset(rs, 0, sizeof rs);
	r.header_from = "example.com";
	r.reasons = rs;
	r.nreasons = 1;
	rs[0].type = "local_policy";
	rs[0].comment = "arc=pass";
	assert_int_equal(tally_record_sig(t, "r", "r", &r, &b), 0);
	assert_int_equal(tally_eval(b.data, b.len, &a, &g), 0);
	assert_int_equal(g.nreasons, 1);
	assert_string_equal(g.reasons[0], TALLY_LOCAL_FWD);
	assert_string_equal(sig_fwd_names[SIG_F_FWD(tally_facts(&g,
	    &passes))], TALLY_LOCAL_FWD);
	rs[0].comment = "whitelisted";
	assert_int_equal(tally_record_sig(t, "r", "r", &r, &b), 0);
	assert_int_equal(tally_eval(b.data, b.len, &a, &g), 0);
	assert_string_equal(g.reasons[0], "local_policy");
	assert_int_equal(SIG_F_FWD(tally_facts(&g, &passes)), SIG_FWD_LOCAL);
	/* Another type keeps its name whatever its comment. */
	rs[0].type = "other";
	rs[0].comment = "forwarded";
	assert_int_equal(tally_record_sig(t, "r", "r", &r, &b), 0);
	assert_int_equal(tally_eval(b.data, b.len, &a, &g), 0);
	assert_string_equal(g.reasons[0], "other");
	assert_int_equal(SIG_F_FWD(tally_facts(&g, &passes)), 0);
	/* Sorted by the type kept: local_policy:forwarded first. */
	r.nreasons = 2;
	rs[0].type = "trusted_forwarder";
	rs[1].type = "local_policy";
	rs[1].comment = "Forwarded";
	assert_int_equal(tally_record_sig(t, "r", "r", &r, &b), 0);
	assert_int_equal(tally_eval(b.data, b.len, &a, &g), 0);
	assert_string_equal(g.reasons[0], TALLY_LOCAL_FWD);
	assert_string_equal(g.reasons[1], "trusted_forwarder");
	/* A plain local_policy sorts first but yields to forwarding. */
	reasons[0] = "local_policy";
	reasons[1] = "trusted_forwarder";
	g.reasons = reasons;
	assert_string_equal(sig_fwd_names[SIG_F_FWD(tally_facts(&g,
	    &passes))], "trusted_forwarder");
	buf_free(&b);
	buf_free(&passes);
	arena_free(&a);
	tally_free(t);
}

/*
 * What failing mail shows: a mailing list's pattern (our aligned DKIM
 * "fail", an SPF pass for a third party), passes that relaxed
 * alignment would align.
 */
static void
failing_facts(void **state)
{
	struct dr_dkim		dk[2] = {
		{ "example.com", "s1", "fail", NULL, NULL },
		{ "lists.example.org", "l1", "pass", NULL, NULL },
	};
	struct dr_spf		sp[1] = {
		{ "lists.example.org", "mfrom", "pass", NULL, NULL },
	};
	struct dr_record	r;
	struct tally		*t = tally_new();
	struct buf		 b = { 0 }, passes = { 0 };
	struct arena		 a = { 0 };
	struct sig		 g;
	long			 f;

	(void)state;
	memset(&r, 0, sizeof r);
	r.header_from = "example.com";
	r.dkims = dk;
	r.ndkims = 2;
	r.spfs = sp;
	r.nspfs = 1;
#define FACTS(adkim, aspf) (assert_int_equal(tally_record_sig(t, adkim, \
	    aspf, &r, &b), 0), assert_int_equal(tally_eval(b.data, b.len, &a, \
	    &g), 0), tally_facts(&g, &passes))
	f = FACTS("r", "r");
	assert_true(f & SIG_F_LIST);
	assert_false(f & (SIG_F_RELAX_DKIM | SIG_F_RELAX_SPF));
	/* Not "fail" (a key missing: permerror) is no list's pattern. */
	dk[0].result = "permerror";
	assert_false(FACTS("r", "r") & SIG_F_LIST);
	dk[0].result = "fail";
	/* SPF passing for our own name is no third party. */
	sp[0].domain = "bounce.example.com";
	f = FACTS("r", "s");
	assert_false(f & SIG_F_LIST);
	/* ... and strict SPF alignment fails what relaxed would pass. */
	assert_true(f & SIG_F_RELAX_SPF);
	assert_false(f & SIG_F_RELAX_DKIM);
	assert_false(FACTS("r", "r") & SIG_F_RELAX_SPF);	/* passes */
	/* The same for DKIM. */
	sp[0].domain = "lists.example.org";
	dk[1].domain = "mail.example.com";
	f = FACTS("s", "r");
	assert_true(f & SIG_F_RELAX_DKIM);
	assert_false(f & SIG_F_RELAX_SPF);
	/* Mail that passes has none of these. */
	dk[0].result = "pass";
	f = FACTS("s", "s");
	assert_true(f & SIG_F_DMARC);
	assert_false(f & (SIG_F_LIST | SIG_F_RELAX_DKIM | SIG_F_RELAX_SPF));
#undef FACTS
	buf_free(&b);
	buf_free(&passes);
	arena_free(&a);
	tally_free(t);
}

/*
 * The identity a signature's mail authenticates as: a DKIM pass not
 * aligned, else an SPF pass not aligned, else an aligned DKIM pass,
 * else an aligned SPF pass; its kind in the facts.
 */
static void
sig_ident(void **state)
{
	struct sig_result	 dk[] = {
		{ "example.com", "s1", "pass", 1 },
		{ "sendgrid.net", "smtpapi", "pass", 0 },
		{ "other.example", "x", "fail", 0 },
	};
	struct sig_result	 sp[] = {
		{ "example.com", "mfrom", "pass", 1 },
		{ "em1.sendgrid.net", "mfrom", "pass", 0 },
	};
	struct sig		 g;
	struct buf		 passes = { 0 };
	long			 f;

	(void)state;
	memset(&g, 0, sizeof g);
	g.header_from = "example.com";
	g.dkims = dk;
	g.spfs = sp;
	/* All four kinds: DKIM not aligned comes first. */
	g.ndkims = 3;
	g.nspfs = 2;
	assert_ptr_equal(tally_ident(&g, NULL), &dk[1]);
	f = tally_facts(&g, &passes);
	assert_false(f & (SIG_F_IDENT_SPF | SIG_F_IDENT_ALIGNED));
	/* Without it: SPF not aligned, before the aligned DKIM pass. */
	dk[1].result = "fail";
	assert_ptr_equal(tally_ident(&g, NULL), &sp[1]);
	f = tally_facts(&g, &passes);
	assert_true(f & SIG_F_IDENT_SPF);
	assert_false(f & SIG_F_IDENT_ALIGNED);
	/* Then the aligned DKIM pass, then the aligned SPF pass. */
	sp[1].result = "softfail";
	assert_ptr_equal(tally_ident(&g, NULL), &dk[0]);
	f = tally_facts(&g, &passes);
	assert_false(f & SIG_F_IDENT_SPF);
	assert_true(f & SIG_F_IDENT_ALIGNED);
	dk[0].result = "fail";
	assert_ptr_equal(tally_ident(&g, NULL), &sp[0]);
	f = tally_facts(&g, &passes);
	assert_true(f & SIG_F_IDENT_SPF);
	assert_true(f & SIG_F_IDENT_ALIGNED);
	/* Nothing passes: none. */
	sp[0].result = "fail";
	assert_null(tally_ident(&g, NULL));
	f = tally_facts(&g, &passes);
	assert_false(f & (SIG_F_IDENT_SPF | SIG_F_IDENT_ALIGNED));
	buf_free(&passes);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(organisational_domains),
		cmocka_unit_test(strict_and_relaxed),
		cmocka_unit_test(cidr_ipv4),
		cmocka_unit_test(cidr_ipv6),
		cmocka_unit_test(cidr_errors),
		cmocka_unit_test(cidr_range_bounds),
		cmocka_unit_test(cidr_families),
		cmocka_unit_test(cidr_ranges_without_ipv4),
		cmocka_unit_test(conf_wide_blocks),
		cmocka_unit_test(conf_full),
		cmocka_unit_test(conf_errors),
		cmocka_unit_test(conf_files),
		cmocka_unit_test(conf_limits),
		cmocka_unit_test(conf_location_db),
		cmocka_unit_test(conf_digest_to),
		cmocka_unit_test(domain_within),
		cmocka_unit_test(rule_domain),
		cmocka_unit_test(spf_record_names),
		cmocka_unit_test(records),
		cmocka_unit_test(records_hold_only_valid_values),
		cmocka_unit_test(zone_lines),
		cmocka_unit_test(stages),
		cmocka_unit_test(evaluation),
		cmocka_unit_test(days),
		cmocka_unit_test(sig_facts),
		cmocka_unit_test(sig_ident),
		cmocka_unit_test(fwd_evidence),
		cmocka_unit_test(failing_facts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
