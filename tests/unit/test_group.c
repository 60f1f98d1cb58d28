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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_per_name),
		cmocka_unit_test(cap),
		cmocka_unit_test(sums),
		cmocka_unit_test(order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
