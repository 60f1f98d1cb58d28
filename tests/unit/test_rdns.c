/*
 * test_rdns.c: reverse DNS (rdns.c) without a network: names from the
 * network checked at every limit, reverse names built, resolver lists
 * parsed (rdns_servers_parse, $DMARCDB_RESOLVER, the configuration's
 * resolver statements), and the cache's expiry at its boundary.
 */
#include "config.h"

#include <sys/socket.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "rdns.h"
#include "store.h"

static void
names(void **state)
{
	char	out[RDNS_NAME_MAX], big[300], lab[70];

	(void)state;
	assert_int_equal(rdns_name_valid("Mail-1.Example.COM.", out), 0);
	assert_string_equal(out, "mail-1.example.com");
	assert_int_equal(rdns_name_valid("localhost", out), 0);
	assert_string_equal(out, "localhost");
	assert_int_equal(rdns_name_valid("a.b", out), 0);
	/* Not host names: each refused, out left empty. */
	static const char *const bad[] = { "", ".", "a..b", ".a", "a.b..",
	    "-a.b", "a-.b", "a.-b", "a_b.example", "a b.example",
	    "a\x07.example", "a\\.b.example", "a/b", "\xc3\xa9.example",
	    "a.b-", "*.example", "a@b", "a\n.b" };
	size_t i;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		strcpy(out, "x");
		assert_int_equal(rdns_name_valid(bad[i], out), -1);
		assert_string_equal(out, "");
	}
	/* Labels: 63 bytes, not 64. */
	memset(lab, 'a', 63);
	lab[63] = '\0';
	snprintf(big, sizeof big, "%s.example", lab);
	assert_int_equal(rdns_name_valid(big, out), 0);
	snprintf(big, sizeof big, "%sb.example", lab);
	assert_int_equal(rdns_name_valid(big, out), -1);
	/* Names: 253 bytes (and a final dot), not 254. */
	memset(big, 0, sizeof big);
	for (i = 0; i < 253; i++)
		big[i] = i % 2 ? '.' : 'a';
	big[252] = 'a';
	assert_int_equal(rdns_name_valid(big, out), 0);
	assert_int_equal(strlen(out), 253);
	big[253] = '.';
	assert_int_equal(rdns_name_valid(big, out), 0);
	big[253] = 'a';
	assert_int_equal(rdns_name_valid(big, out), -1);
}

static void
arpa(void **state)
{
	char		out[RDNS_ARPA_MAX];
	unsigned char	a[16];
	int		fam;

	(void)state;
	assert_int_equal(rdns_arpa("192.0.2.25", out, &fam, a), 0);
	assert_string_equal(out, "25.2.0.192.in-addr.arpa");
	assert_int_equal(fam, AF_INET);
	assert_int_equal(a[0], 192);
	assert_int_equal(rdns_arpa("255.255.255.255", out, &fam, a), 0);
	assert_string_equal(out, "255.255.255.255.in-addr.arpa");
	assert_int_equal(rdns_arpa("2001:db8::567:89ab", out, &fam, a), 0);
	assert_string_equal(out, "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	assert_int_equal(fam, AF_INET6);
	assert_int_equal(rdns_arpa("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    out, &fam, a), 0);
	assert_int_equal(strlen(out), RDNS_ARPA_MAX - 1);
	assert_int_equal(rdns_arpa("::ffff:192.0.2.1", out, &fam, a), 0);
	assert_int_equal(fam, AF_INET6);
	assert_int_equal(rdns_arpa("192.0.2", out, &fam, a), -1);
	assert_string_equal(out, "");
	assert_int_equal(rdns_arpa("192.0.2.1/24", out, &fam, a), -1);
	assert_int_equal(rdns_arpa("example.com", out, &fam, a), -1);
}

/* The message of a list that does not parse. */
static const char *
servers_err(const char *text)
{
	static struct dr_error	err;
	struct rdns_conf	c;

	memset(&c, 0, sizeof c);
	memset(&err, 0, sizeof err);
	assert_int_equal(rdns_servers_parse(&c, text, &err), -1);
	rdns_conf_free(&c);
	return err.msg;
}

static void
servers(void **state)
{
	struct rdns_conf	c;
	struct dr_error		err;

	(void)state;
	memset(&c, 0, sizeof c);
	assert_int_equal(rdns_servers_parse(&c, "127.0.0.1, 127.0.0.2:5353"
	    "  ::1,[2001:DB8::1]:53\t[::1]", &err), 0);
	assert_int_equal(c.nservers, 5);
	assert_string_equal(c.servers[0], "127.0.0.1:53");
	assert_string_equal(c.servers[1], "127.0.0.2:5353");
	assert_string_equal(c.servers[2], "[::1]:53");
	assert_string_equal(c.servers[3], "[2001:db8::1]:53");
	assert_string_equal(c.servers[4], "[::1]:53");
	/* Eight at most: three more fit, a ninth does not. */
	assert_int_equal(rdns_servers_parse(&c, "10.0.0.1 10.0.0.2 10.0.0.3",
	    &err), 0);
	assert_int_equal(c.nservers, RDNS_SERVERS_MAX);
	assert_int_equal(rdns_servers_parse(&c, "10.0.0.4", &err), -1);
	assert_string_equal(err.msg, "more than 8 resolvers");
	rdns_conf_free(&c);
	assert_int_equal(c.nservers, 0);

	assert_string_equal(servers_err(" , "), "no resolver named "
	    "(expected ADDR, ADDR:PORT or [ADDR6]:PORT)");
	assert_string_equal(servers_err("example.com"), "resolver "
	    "'example.com': not an IPv4 or IPv6 address");
	assert_string_equal(servers_err("1.2.3.4:0"), "resolver '1.2.3.4:0': "
	    "the port is not a number from 1 to 65535");
	assert_string_equal(servers_err("1.2.3.4:65536"), "resolver "
	    "'1.2.3.4:65536': the port is not a number from 1 to 65535");
	assert_string_equal(servers_err("1.2.3.4:-1"), "resolver "
	    "'1.2.3.4:-1': the port is not a number from 1 to 65535");
	assert_string_equal(servers_err("1.2.3.4:"), "resolver '1.2.3.4:': "
	    "the port is not a number from 1 to 65535");
	assert_string_equal(servers_err("::1:53x"), "resolver '::1:53x': "
	    "not an IPv6 address (write [ADDR6]:PORT for a port)");
	assert_string_equal(servers_err("[::1"), "resolver '[::1': no ']' "
	    "after the IPv6 address");
	assert_string_equal(servers_err("[::1]53"), "resolver '[::1]53': "
	    "expected ':PORT' after ']'");
	assert_string_equal(servers_err("[1.2.3.4]:53"), "resolver "
	    "'[1.2.3.4]:53': not an IPv6 address (write [ADDR6]:PORT for a "
	    "port)");
	memset(&c, 0, sizeof c);
	assert_int_equal(rdns_servers_parse(&c, "1.2.3.4:65535 1.2.3.4:1",
	    &err), 0);
	rdns_conf_free(&c);
}

static void
env(void **state)
{
	struct rdns_conf	c;
	struct dr_error		err;

	(void)state;
	memset(&c, 0, sizeof c);
	assert_int_equal(rdns_servers_parse(&c, "10.0.0.1 10.0.0.2", &err),
	    0);
	unsetenv("DMARCDB_RESOLVER");
	assert_int_equal(rdns_conf_env(&c, &err), 0);
	assert_int_equal(c.nservers, 2);
	setenv("DMARCDB_RESOLVER", "", 1);
	assert_int_equal(rdns_conf_env(&c, &err), 0);
	assert_int_equal(c.nservers, 2);
	setenv("DMARCDB_RESOLVER", "127.0.0.1:5353", 1);
	assert_int_equal(rdns_conf_env(&c, &err), 0);
	assert_int_equal(c.nservers, 1);
	assert_string_equal(c.servers[0], "127.0.0.1:5353");
	setenv("DMARCDB_RESOLVER", "bad", 1);
	assert_int_equal(rdns_conf_env(&c, &err), -1);
	assert_string_equal(err.msg, "$DMARCDB_RESOLVER: resolver 'bad': "
	    "not an IPv4 or IPv6 address");
	assert_int_equal(c.nservers, 1);	/* unchanged */
	unsetenv("DMARCDB_RESOLVER");
	rdns_conf_free(&c);
}

static const char *
conf_err(const char *text)
{
	static struct dr_error	err;
	struct conf		*c;

	memset(&err, 0, sizeof err);
	assert_int_equal(conf_parse("t.conf", text, strlen(text), &c, &err),
	    -1);
	return err.msg;
}

static void
conf_resolver(void **state)
{
	struct conf	*c;
	struct dr_error	 err;
	const char	*t = "resolver 127.0.0.1:5353 \"[::1]:5353\";\n"
			    "resolver 10.0.0.1,10.0.0.2;\nresolver-timeout 1;\n";

	(void)state;
	assert_int_equal(conf_parse("t.conf", t, strlen(t), &c, &err), 0);
	assert_int_equal(c->resolver.nservers, 4);
	assert_string_equal(c->resolver.servers[1], "[::1]:5353");
	assert_string_equal(c->resolver.servers[3], "10.0.0.2:53");
	assert_int_equal(c->resolver.timeout_ms, 1);
	conf_free(c);
	t = "resolver-timeout 60000;";
	assert_int_equal(conf_parse("t.conf", t, strlen(t), &c, &err), 0);
	assert_int_equal(c->resolver.timeout_ms, 60000);
	assert_int_equal(c->resolver.nservers, 0);
	conf_free(c);

	assert_string_equal(conf_err("resolver;"), "t.conf:1: expected a "
	    "server after resolver (ADDR, ADDR:PORT or [ADDR6]:PORT), found "
	    "';'");
	assert_string_equal(conf_err("\nresolver 1.2.3.4 x;"), "t.conf:2: "
	    "resolver 'x': not an IPv4 or IPv6 address");
	assert_string_equal(conf_err("resolver 1.2.3.4"), "t.conf:1: "
	    "expected ';' after the resolvers, found end of file");
	assert_string_equal(conf_err("resolver-timeout 0;"), "t.conf:1: "
	    "resolver-timeout must be a number from 1 to 60000, found '0'");
	assert_string_equal(conf_err("resolver-timeout 60001;"), "t.conf:1: "
	    "resolver-timeout must be a number from 1 to 60000, found "
	    "'60001'");
	assert_string_equal(conf_err("resolver-timeout 1.5;"), "t.conf:1: "
	    "resolver-timeout must be a whole number");
	assert_string_equal(conf_err("resolver 1 2 3 4 5 6 7 8 9;"),
	    "t.conf:1: resolver '1': not an IPv4 or IPv6 address");
	assert_string_equal(conf_err("resolver 1.1.1.1 1.1.1.2 1.1.1.3 "
	    "1.1.1.4 1.1.1.5 1.1.1.6 1.1.1.7 1.1.1.8 1.1.1.9;"),
	    "t.conf:1: more than 8 resolvers");
}

struct seen {
	char	line[16][128];
	size_t	n;
};

static int
collect(void *arg, const struct rdns_answer *a)
{
	struct seen	*s = arg;

	assert_true(s->n < 16);
	snprintf(s->line[s->n++], sizeof s->line[0], "%s %s %s %d %d", a->ip,
	    rdns_status_name(a->status), a->name ? a->name : "-",
	    a->confirmed, a->cached);
	return 0;
}

/* The cache: an entry is used until the second before it expires. */
static void
cache_expiry(void **state)
{
	char			 path[] = "/tmp/test_rdns.XXXXXX";
	struct store		*s;
	struct dr_error		 err;
	struct rdns_conf	 rc;
	struct seen		 seen;
	const int64_t		 now = 1700000000;
	struct store_ptr	 p[4] = {
		{ "192.0.2.1", "name", "a.example", 1, now - 10, now + 1 },
		{ "192.0.2.2", "none", NULL, 0, now - 10, now },
		{ "192.0.2.3", "fail", NULL, 0, now - 10, now + 100 },
		/* Not a host name in the database: looked up again. */
		{ "192.0.2.4", "name", "bad_name", 0, now - 10, now + 100 },
	};
	const char *const	 ips[] = { "192.0.2.1", "192.0.2.2",
	    "192.0.2.3", "192.0.2.4" };
	int			 fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(store_open(path, 1000, 0, &s, &err), 0);
	assert_int_equal(store_ptr_put(s, p, 4, &err), 0);
	memset(&rc, 0, sizeof rc);
	memset(&seen, 0, sizeof seen);
	assert_int_equal(rdns_cached(s, &rc, 0, ips, 4, now, collect, &seen,
	    &err), 0);
	assert_int_equal(seen.n, 4);
	assert_string_equal(seen.line[0], "192.0.2.1 name a.example 1 1");
	assert_string_equal(seen.line[1], "192.0.2.3 fail - 0 1");
	assert_string_equal(seen.line[2], "192.0.2.2 skipped - 0 0");
	assert_string_equal(seen.line[3], "192.0.2.4 skipped - 0 0");
	/* One second later, the first has expired too. */
	memset(&seen, 0, sizeof seen);
	assert_int_equal(rdns_cached(s, &rc, 0, ips, 1, now + 1, collect,
	    &seen, &err), 0);
	assert_string_equal(seen.line[0], "192.0.2.1 skipped - 0 0");
	store_close(s);
	unlink(path);
	{
		char aux[sizeof path + 8];
		snprintf(aux, sizeof aux, "%s-wal", path);
		unlink(aux);
		snprintf(aux, sizeof aux, "%s-shm", path);
		unlink(aux);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(arpa),
		cmocka_unit_test(servers),
		cmocka_unit_test(env),
		cmocka_unit_test(conf_resolver),
		cmocka_unit_test(cache_expiry),
	};

	if (store_init() == -1)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
