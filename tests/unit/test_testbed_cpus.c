/*
 * CPU isolation's arithmetic: the forwarder's CPU is the highest the caller may use (none
 * with one CPU), the hosts get the rest, and masks are written as sysfs reads them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "testbed/cpus.h"

static void test_mask_hex(void **state)
{
	(void)state;
	struct tl_err err = { 0 };
	char buf[64];
	cpu_set_t set;
	CPU_ZERO(&set);
	assert_int_equal(tl_testbed_cpus_mask_hex(&set, buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "0");
	CPU_SET(0, &set);
	assert_int_equal(tl_testbed_cpus_mask_hex(&set, buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "1");
	CPU_SET(1, &set);
	CPU_SET(31, &set);
	assert_int_equal(tl_testbed_cpus_mask_hex(&set, buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "80000003");
	/* A second group: the first without leading zeros, then 8 digits. */
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CPU_SET(35, &set);
	assert_int_equal(tl_testbed_cpus_mask_hex(&set, buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "8,00000001");
	/* Too small a buffer is an error, not a cut mask. */
	assert_true(tl_testbed_cpus_mask_hex(&set, buf, 5, &err) < 0);
	assert_non_null(strstr(err.msg, "does not fit"));
}

static void test_pick_and_others(void **state)
{
	(void)state;
	cpu_set_t mine, others, one;
	assert_int_equal(sched_getaffinity(0, sizeof(mine), &mine), 0);
	int n = CPU_COUNT(&mine), top = -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &mine))
			top = c;
	int pick = tl_testbed_cpus_pick();
	assert_int_equal(pick, n >= 2 ? top : -1);
	assert_int_equal(tl_testbed_cpus_others(top, &others), n - 1);
	assert_false(CPU_ISSET(top, &others));

	/* Confined to one CPU, there is nothing to set aside. */
	CPU_ZERO(&one);
	CPU_SET(top, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	assert_int_equal(tl_testbed_cpus_pick(), -1);
	assert_int_equal(tl_testbed_cpus_others(top, &others), 0);
	assert_int_equal(sched_setaffinity(0, sizeof(mine), &mine), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask_hex),
		cmocka_unit_test(test_pick_and_others),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
