/*
 * test_group.c: sums of sources by sender (group.c): one group per
 * kind and name, at most CLASSIFY_GROUPS then one for the rest, sums
 * that saturate, and the order they are listed in.
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

#include "group.h"
#include "suggest.h"

static unsigned	freed;

static void
free_held(struct source *s)
{
	freed++;
	free(s);
}

static struct source
src(uint64_t messages, uint64_t pass, enum source_class c, int64_t day)
{
	struct source	s;

	memset(&s, 0, sizeof s);
	s.messages = messages;
	s.pass = pass;
	s.class = c;
	s.first_day = s.last_day = day;
	return s;
}

static void
one_per_name(void **state)
{
	struct groups		*gs;
	struct group_acc	*a, *b;
	struct source		 s = src(5, 2, CLASS_UNKNOWN, 100);

	(void)state;
	gs = groups_new(free_held);
	assert_non_null(gs);
	a = groups_get(gs, GROUP_DOMAIN, "sendgrid.net");
	assert_non_null(a);
	group_add(a, &s);
	/* The same kind and name: the same group. */
	b = groups_get(gs, GROUP_DOMAIN, "sendgrid.net");
	assert_ptr_equal(a, b);
	group_add(b, &s);
	assert_int_equal(b->g.sources, 2);
	assert_int_equal(b->g.messages, 10);
	assert_int_equal(b->g.pass, 4);
	/* Another kind with the same name is another group. */
	b = groups_get(gs, GROUP_SENDER, "sendgrid.net");
	assert_ptr_not_equal(a, b);
	assert_int_equal(b->g.sources, 0);
	/* Kinds without a name. */
	a = groups_get(gs, GROUP_NONE, NULL);
	b = groups_get(gs, GROUP_FORWARDED, NULL);
	assert_ptr_not_equal(a, b);
	assert_ptr_equal(groups_get(gs, GROUP_NONE, NULL), a);
	groups_free(gs);
}

/* CLASSIFY_GROUPS groups are kept, the sources of others fold. */
static void
cap(void **state)
{
	struct groups		*gs;
	struct group_acc	*a, **v;
	struct source		 s = src(1, 0, CLASS_UNKNOWN, 7);
	char			 name[32];
	size_t			 i, n;

	(void)state;
	gs = groups_new(free_held);
	assert_non_null(gs);
	for (i = 0; i < CLASSIFY_GROUPS; i++) {
		snprintf(name, sizeof name, "d%zu.example", i);
		a = groups_get(gs, GROUP_DOMAIN, name);
		assert_non_null(a);
		assert_int_equal(a->g.kind, GROUP_DOMAIN);
		group_add(a, &s);
	}
	/* Full: a new name goes to the rest, an old one to its own. */
	a = groups_get(gs, GROUP_DOMAIN, "new.example");
	assert_non_null(a);
	assert_int_equal(a->g.kind, GROUP_OTHER);
	assert_int_equal(a->g.folded, 1);
	group_add(a, &s);
	a = groups_get(gs, GROUP_NONE, NULL);
	assert_int_equal(a->g.kind, GROUP_OTHER);
	assert_int_equal(a->g.folded, 2);
	group_add(a, &s);
	a = groups_get(gs, GROUP_DOMAIN, "d0.example");
	assert_int_equal(a->g.kind, GROUP_DOMAIN);
	v = groups_sorted(gs, &n);
	assert_non_null(v);
	assert_int_equal(n, CLASSIFY_GROUPS + 1);
	/* The rest holds 2 messages: listed first. */
	assert_int_equal(v[0]->g.kind, GROUP_OTHER);
	assert_int_equal(v[0]->g.sources, 2);
	groups_free(gs);
}

static void
sums(void **state)
{
	struct groups		*gs;
	struct group_acc	*a;
	struct source		 s = src(UINT64_MAX - 1, 3, CLASS_COMPLIANT, 9);
	struct source		 t = src(5, UINT64_MAX, CLASS_FORWARDED, 4);

	(void)state;
	gs = groups_new(free_held);
	assert_non_null(gs);
	a = groups_get(gs, GROUP_SENDER, "our MTA");
	group_add(a, &s);
	group_add(a, &t);
	assert_true(a->g.messages == UINT64_MAX);
	assert_true(a->g.pass == UINT64_MAX);
	assert_true(a->g.class_messages[CLASS_COMPLIANT] == UINT64_MAX - 1);
	assert_int_equal(a->g.class_messages[CLASS_FORWARDED], 5);
	assert_int_equal(a->g.first_day, 4);
	assert_int_equal(a->g.last_day, 9);
	/* A held source is the set's to free. */
	a->held = calloc(1, sizeof *a->held);
	assert_non_null(a->held);
	freed = 0;
	groups_free(gs);
	assert_int_equal(freed, 1);
}

/* Largest first; on a tie, by kind, then by name. */
static void
order(void **state)
{
	struct groups		*gs;
	struct group_acc	**v;
	struct source		 big = src(10, 0, CLASS_UNKNOWN, 1);
	struct source		 small = src(3, 0, CLASS_UNKNOWN, 1);
	size_t			 n;

	(void)state;
	gs = groups_new(free_held);
	assert_non_null(gs);
	group_add(groups_get(gs, GROUP_DOMAIN, "b.example"), &small);
	group_add(groups_get(gs, GROUP_NONE, NULL), &small);
	group_add(groups_get(gs, GROUP_DOMAIN, "a.example"), &small);
	group_add(groups_get(gs, GROUP_SENDER, "z"), &small);
	group_add(groups_get(gs, GROUP_DOMAIN, "c.example"), &big);
	v = groups_sorted(gs, &n);
	assert_non_null(v);
	assert_int_equal(n, 5);
	assert_string_equal(v[0]->g.name, "c.example");
	assert_int_equal(v[1]->g.kind, GROUP_SENDER);
	assert_string_equal(v[1]->g.name, "z");
	assert_string_equal(v[2]->g.name, "a.example");
	assert_string_equal(v[3]->g.name, "b.example");
	assert_int_equal(v[4]->g.kind, GROUP_NONE);
	assert_null(v[4]->g.name);
	/* An empty rest is not listed. */
	groups_free(gs);
}

/* Per class and per authorised source: what advise judges a sender by. */
static void
class_sums(void **state)
{
	struct groups		*gs;
	struct group_acc	*a;
	struct source		 s1 = src(90, 90, CLASS_COMPLIANT, 1);
	struct source		 s2 = src(10, 0, CLASS_MISCONFIGURED, 1);
	struct source		 s3 = src(7, 0, CLASS_UNKNOWN, 1);

	(void)state;
	s1.authorised = s2.authorised = 1;
	s1.dkim_aligned = 80;
	s2.dkim_aligned = 0;
	s3.dkim_aligned = 7;	/* not authorised: not counted */
	gs = groups_new(free_held);
	assert_non_null(gs);
	a = groups_get(gs, GROUP_SENDER, "newsletters");
	group_add(a, &s1);
	group_add(a, &s2);
	group_add(a, &s3);
	assert_int_equal(a->g.class_sources[CLASS_COMPLIANT], 1);
	assert_int_equal(a->g.class_sources[CLASS_MISCONFIGURED], 1);
	assert_int_equal(a->g.class_messages[CLASS_MISCONFIGURED], 10);
	assert_int_equal(a->g.class_pass[CLASS_COMPLIANT], 90);
	assert_int_equal(a->g.class_pass[CLASS_MISCONFIGURED], 0);
	assert_int_equal(a->g.authorised, 100);
	assert_int_equal(a->g.dkim_aligned, 80);
	groups_free(gs);
}

/* The names people read: one wording for sources, advise, digest. */
static void
names(void **state)
{
	struct source_group	 g;
	struct source		 s, t;
	char			 out[200];

	(void)state;
	group_label(GROUP_SERVICE_OTHER, "Mailchimp", 0, out, sizeof out);
	assert_string_equal(out, "Mailchimp (not as us)");
	group_label(GROUP_OTHER, NULL, 1234, out, sizeof out);
	assert_string_equal(out, "(1,234 other senders)");
	group_label(GROUP_NONE, NULL, 0, out, sizeof out);
	assert_string_equal(out, "(no passing authentication)");
	group_noun(GROUP_NONE, NULL, 0, out, sizeof out);
	assert_string_equal(out, "sources with no passing authentication");

	memset(&g, 0, sizeof g);
	g.kind = GROUP_SENDER;
	g.name = "our MTA";
	group_phrase(&g, 1, "192.0.2.1", out, sizeof out);
	assert_string_equal(out, "our MTA (192.0.2.1)");
	group_phrase(&g, 2, "192.0.2.1", out, sizeof out);
	assert_string_equal(out, "our MTA (2 addresses, the largest 192.0.2.1)");
	group_phrase(&g, 2, NULL, out, sizeof out);
	assert_string_equal(out, "our MTA (2 addresses)");
	g.kind = GROUP_NONE;
	g.name = NULL;
	g.networks = 1;
	g.counted = 200;
	group_phrase(&g, 1200, "192.0.2.1", out, sizeof out);
	assert_string_equal(out, "sources with no passing authentication "
	    "(1,200 addresses in 1 network)");
	/* A short buffer is cut, not overrun. */
	group_phrase(&g, 1200, NULL, out, 12);
	assert_int_equal(strlen(out), 11);

	/* A listed source and its group: kind and name both. */
	memset(&s, 0, sizeof s);
	memset(&t, 0, sizeof t);
	memset(&g, 0, sizeof g);
	g.kind = s.gkind = GROUP_DOMAIN;
	g.name = "example.org";
	s.gname = "example.org";
	assert_true(group_same(&s, &g));
	s.gkind = GROUP_SENDER;
	assert_false(group_same(&s, &g));
	s.gkind = GROUP_DOMAIN;
	s.gname = NULL;
	assert_false(group_same(&s, &g));
	t.gkind = GROUP_NONE;
	s.gkind = GROUP_NONE;
	assert_true(group_same_sender(&s, &t));
	t.gname = "x";
	assert_false(group_same_sender(&s, &t));
}

/*
 * Configuration to start from (suggest.c): only plain names become
 * rules, a name is quoted as the configuration reads it, each selector
 * once, the senders without a pass or configured left out.
 */
static void
suggest(void **state)
{
	struct window		 w;
	struct source_group	 g[3];
	struct source		 l[3];
	char			*out = NULL;
	size_t			 len = 0, n;
	FILE			*f;

	(void)state;
	memset(&w, 0, sizeof w);
	memset(g, 0, sizeof g);
	memset(l, 0, sizeof l);
	w.domain = "example.com";
	w.from_day = 20000;
	w.to_day = 20029;
	g[0].kind = GROUP_SERVICE;
	g[0].name = "Odd \"Mail\" Co";
	g[0].sources = 3;
	g[0].messages = g[0].pass = 90;
	g[0].top.ip = "192.0.2.1";
	g[0].top.header_from = "";
	g[0].top.pass = 50;
	g[0].top.auth.dkim = "example.com";
	g[0].top.auth.dkim_selector = "k\x9b" "2\r\nverdict";
	g[0].top.gkind = GROUP_SERVICE;
	g[0].top.gname = g[0].name;
	l[0] = g[0].top;
	l[0].auth.dkim_selector = "ok1";
	l[1] = l[0];			/* the same rule again */
	l[2] = l[0];
	l[2].auth.dkim = NULL;
	l[2].auth.spf = "bounce.example.com";
	g[1].kind = GROUP_SENDER;	/* configured: not suggested */
	g[1].name = "our MTA";
	g[1].pass = g[1].messages = 10;
	g[1].top = l[0];
	g[2].kind = GROUP_DOMAIN;	/* passes nothing: not suggested */
	g[2].name = "example.org";
	g[2].messages = 5;
	g[2].top = l[0];
	w.groups = g;
	w.ngroups = 3;
	w.listed = l;
	w.nlisted = 3;
	f = open_memstream(&out, &len);
	assert_non_null(f);
	n = suggest_config(f, &w);
	fclose(f);
	assert_int_equal(n, 1);
	assert_non_null(strstr(out, "domain example.com {\n"));
	assert_non_null(strstr(out, "\tsender \"Odd \\\"Mail\\\" Co\" {\n"
	    "\t\tdkim example.com selector ok1;\n"
	    "\t\tspf bounce.example.com;\n\t}\n}\n"));
	assert_null(strstr(out, "verdict"));
	assert_null(strstr(out, "our MTA"));
	assert_null(strstr(out, "example.org"));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_per_name),
		cmocka_unit_test(cap),
		cmocka_unit_test(sums),
		cmocka_unit_test(order),
		cmocka_unit_test(class_sums),
		cmocka_unit_test(names),
		cmocka_unit_test(suggest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
