/*
 * test_dns.c: what dns.c makes of a DNS answer, and of names it must
 * not look up. Answers are built here in wire format; nothing goes to
 * the network.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"
#include "rdns.h"

struct msg {
	unsigned char	b[8192];
	size_t		n;
	size_t		ancount;
};

static void
put(struct msg *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof m->b);
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void
put16(struct msg *m, unsigned v)
{
	unsigned char	c[2];

	c[0] = (unsigned char)(v >> 8);
	c[1] = (unsigned char)v;

	put(m, c, 2);
}

/* A response to "name IN TXT?", answers to follow. */
static void
begin(struct msg *m, const char *name)
{
	const char	*p = name, *dot;
	unsigned char	 l;

	memset(m, 0, sizeof *m);
	put16(m, 0x1234);
	put16(m, 0x8180);
	put16(m, 1);
	put16(m, 0);		/* ancount, set by answer() */
	put16(m, 0);
	put16(m, 0);
	while (*p != '\0') {
		dot = strchr(p, '.');
		l = (unsigned char)(dot ? (size_t)(dot - p) : strlen(p));
		put(m, &l, 1);
		put(m, p, l);
		p += l;
		if (*p == '.')
			p++;
	}
	put(m, "", 1);
	put16(m, 16);
	put16(m, 1);
}

/* An answer of type (16: TXT) with its character-strings. */
static void
answer(struct msg *m, unsigned type, const char *const *strs, size_t n,
    const size_t *lens)
{
	size_t		i, rdlen = 0;
	unsigned char	l;

	put16(m, 0xc00c);	/* the name of the question */
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 300);
	for (i = 0; i < n; i++)
		rdlen += 1 + (lens ? lens[i] : strlen(strs[i]));
	put16(m, (unsigned)rdlen);
	for (i = 0; i < n; i++) {
		l = (unsigned char)(lens ? lens[i] : strlen(strs[i]));
		put(m, &l, 1);
		put(m, strs[i], l);
	}
	m->ancount++;
	m->b[6] = (unsigned char)(m->ancount >> 8);
	m->b[7] = (unsigned char)m->ancount;
}

#define NAME	"_dmarc.example.com"

static int
parse(const struct msg *m, char *out, size_t len, char *why)
{
	why[0] = '\0';
	return dns_dmarc_answer(m->b, (int)m->n, NAME, out, len, why, 256);
}

static void
records_found(void **state)
{
	static const char *const one[] = { "v=DMARC1; p=none" };
	static const char *const split[] = { "v=DMARC1; p=", "reject; ",
	    "rua=mailto:d@example.com" };
	static const char *const spf[] = { "v=spf1 -all" };
	static const char *const tab[] = { "v=DMARC1;\tp=none" };
	static const char *const ten[] = { "v=DMARC10; p=none" };
	static const char *const bare[] = { "v=DMARC1" };
	struct msg	 m;
	char		 out[256], why[256];

	(void)state;
	begin(&m, NAME);
	answer(&m, 16, one, 1, NULL);
	assert_int_equal(parse(&m, out, sizeof out, why), 1);
	assert_string_equal(out, "v=DMARC1; p=none");

	/* Strings are joined; other TXT records are passed over. */
	begin(&m, NAME);
	answer(&m, 16, spf, 1, NULL);
	answer(&m, 16, split, 3, NULL);
	assert_int_equal(parse(&m, out, sizeof out, why), 1);
	assert_string_equal(out, "v=DMARC1; p=reject; "
	    "rua=mailto:d@example.com");

	/* A tab is white space in a DMARC record. */
	begin(&m, NAME);
	answer(&m, 16, tab, 1, NULL);
	assert_int_equal(parse(&m, out, sizeof out, why), 1);

	/* No DMARC record. */
	begin(&m, NAME);
	answer(&m, 16, spf, 1, NULL);
	assert_int_equal(parse(&m, out, sizeof out, why), 0);
	assert_string_equal(out, "");

	/* Another version is no DMARC1 record. */
	begin(&m, NAME);
	answer(&m, 16, ten, 1, NULL);
	assert_int_equal(parse(&m, out, sizeof out, why), 0);
	begin(&m, NAME);
	answer(&m, 16, bare, 1, NULL);
	assert_int_equal(parse(&m, out, sizeof out, why), 1);
	assert_string_equal(out, "v=DMARC1");
}

/* Two DMARC records: receivers apply neither, and so must the advice. */
static void
several_records_refused(void **state)
{
	static const char *const one[] = { "v=DMARC1; p=none" };
	static const char *const two[] = { "v=DMARC1; p=reject" };
	static const char *const spf[] = { "v=spf1 -all" };
	struct msg	 m;
	char		 out[256], why[256];

	(void)state;
	begin(&m, NAME);
	answer(&m, 16, one, 1, NULL);
	answer(&m, 16, spf, 1, NULL);
	answer(&m, 16, two, 1, NULL);
	assert_int_equal(parse(&m, out, sizeof out, why), -1);
	assert_string_equal(out, "");
	assert_string_equal(why, NAME " holds 2 DMARC records: receivers "
	    "apply none of them until only one is left");
}

/* Bytes no DMARC record holds: refused with a reason, never used. */
static void
control_bytes_refused(void **state)
{
	static const char *const bel[] = { "v=DMARC1; p=reject\x07" };
	static const char *const nl[] = { "v=DMARC1; p=none", "\nrua=x" };
	static const char *const esc[] = { "v=DMARC1; p=\x1b[2Jnone" };
	static const char *const nbsp[] = { "v=DMARC1; p=none\xc2\xa0" };
	static const char *const del[] = { "v=DMARC1; p=none\x7f" };
	static const char *const nul[] = { "v=DMARC1; p=none" };
	static const size_t nul_len[] = { 17 };
	struct msg	 m;
	char		 out[256], why[256];

	(void)state;
	begin(&m, NAME);
	answer(&m, 16, bel, 1, NULL);
	assert_int_equal(parse(&m, out, sizeof out, why), -1);
	assert_string_equal(why, "the DMARC record at _dmarc.example.com "
	    "holds byte 0x07, which no DMARC record can hold: not used");
	assert_string_equal(out, "");
	begin(&m, NAME);
	answer(&m, 16, nl, 2, NULL);
	assert_int_equal(parse(&m, out, sizeof out, why), -1);
	assert_non_null(strstr(why, "byte 0x0a"));
	begin(&m, NAME);
	answer(&m, 16, esc, 1, NULL);
	assert_int_equal(parse(&m, out, sizeof out, why), -1);
	assert_non_null(strstr(why, "byte 0x1b"));
	begin(&m, NAME);
	answer(&m, 16, nbsp, 1, NULL);
	assert_int_equal(parse(&m, out, sizeof out, why), -1);
	assert_non_null(strstr(why, "byte 0xc2"));
	begin(&m, NAME);
	answer(&m, 16, del, 1, NULL);
	assert_int_equal(parse(&m, out, sizeof out, why), -1);
	assert_non_null(strstr(why, "byte 0x7f"));
	/* A NUL byte, which would have cut the record short. */
	begin(&m, NAME);
	answer(&m, 16, nul, 1, nul_len);
	assert_int_equal(parse(&m, out, sizeof out, why), -1);
	assert_non_null(strstr(why, "byte 0x00"));
}

/* A record that does not fit is refused, never cut. */
static void
long_record_never_cut(void **state)
{
	static const char *const rec[] = { "v=DMARC1; p=none; rua=mailto:"
	    "dmarc@example.com" };
	size_t		 len = strlen(rec[0]);
	struct msg	 m;
	char		 out[256], why[256];

	(void)state;
	begin(&m, NAME);
	answer(&m, 16, rec, 1, NULL);
	/* Exactly room for it and its NUL. */
	assert_int_equal(parse(&m, out, len + 1, why), 1);
	assert_string_equal(out, rec[0]);
	assert_int_equal(parse(&m, out, len, why), -1);
	assert_string_equal(out, "");
	assert_non_null(strstr(why, "is longer than"));
	assert_non_null(strstr(why, "not used"));
}

static void
bad_answer(void **state)
{
	static const unsigned char junk[] = { 1, 2, 3 };
	char	out[64], why[256];

	(void)state;
	assert_int_equal(dns_dmarc_answer(junk, sizeof junk, NAME, out,
	    sizeof out, why, sizeof why), -1);
	assert_string_equal(why, "looking up _dmarc.example.com: bad answer");
}

/* Names that cannot be looked up: refused before any query. */
static void
names_not_looked_up(void **state)
{
	struct rdns_conf	 c;
	struct dns		*d;
	char			 dom[300], out[64], why[256];
	size_t			 i;

	(void)state;
	/* No server: a query would fail at once, and say so. */
	memset(&c, 0, sizeof c);
	assert_int_equal(rdns_servers_parse(&c, "127.0.0.1:9", NULL), 0);
	d = dns_new(&c);
	assert_non_null(d);
	for (i = 0; i < 247; i++)
		dom[i] = (i + 1) % 64 == 0 ? '.' : 'a';
	dom[247] = '\0';
	assert_int_equal(dns_dmarc(d, dom, out, sizeof out, why, sizeof why),
	    -1);
	assert_string_equal(why, "no DNS lookup of the DMARC record: _dmarc. "
	    "and the domain make 254 bytes, more than the 253 a DNS name may "
	    "have");
	memset(dom, 'a', 299);
	dom[299] = '\0';
	assert_int_equal(dns_dmarc(d, dom, out, sizeof out, why, sizeof why),
	    -1);
	assert_non_null(strstr(why, "not a host name"));
	assert_int_equal(dns_dmarc(d, "victim example", out, sizeof out, why,
	    sizeof why), -1);
	assert_string_equal(why, "no DNS lookup of the DMARC record: not a "
	    "host name: holds a space");
	dns_free(d);
	rdns_conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(records_found),
		cmocka_unit_test(several_records_refused),
		cmocka_unit_test(control_bytes_refused),
		cmocka_unit_test(long_record_never_cut),
		cmocka_unit_test(bad_answer),
		cmocka_unit_test(names_not_looked_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
