/*
 * test_cpus.c: the processors a process may use: a cgroup's cpu.max
 * read at its boundaries, and the count within what the machine has.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpus.h"

static void
quota_text(void **state)
{
	(void)state;
	/* No limit. */
	assert_int_equal(cpus_quota("max 100000\n"), 0);
	assert_int_equal(cpus_quota("max"), 0);
	/* Whole processors, and a part of one rounded up. */
	assert_int_equal(cpus_quota("100000 100000\n"), 1);
	assert_int_equal(cpus_quota("100001 100000\n"), 2);
	assert_int_equal(cpus_quota("99999 100000"), 1);
	assert_int_equal(cpus_quota("1 100000"), 1);
	assert_int_equal(cpus_quota("150000 100000\n"), 2);
	assert_int_equal(cpus_quota("200000 100000\n"), 2);
	assert_int_equal(cpus_quota("200001 100000\n"), 3);
	assert_int_equal(cpus_quota("800000 50000\n"), 16);
	assert_int_equal(cpus_quota("9223372036854775807 1000000"),
	    9223372036855L);
	/* Not cpu.max's text: no limit taken from it. */
	assert_int_equal(cpus_quota(""), 0);
	assert_int_equal(cpus_quota("0 100000"), 0);
	assert_int_equal(cpus_quota("-100000 100000"), 0);
	assert_int_equal(cpus_quota("100000 0"), 0);
	assert_int_equal(cpus_quota("100000 -1"), 0);
	assert_int_equal(cpus_quota("100000"), 0);
	assert_int_equal(cpus_quota("100000 100000 1"), 0);
	assert_int_equal(cpus_quota("1e5 100000"), 0);
	assert_int_equal(cpus_quota("x 100000"), 0);
}

static void
usable(void **state)
{
	long	n = cpus_usable();

	(void)state;
	assert_true(n >= 1);
	assert_true(n <= sysconf(_SC_NPROCESSORS_CONF));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quota_text),
		cmocka_unit_test(usable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
