/* testbed: which command lines are a testbed's router (the check `status` and `down` make
 * on the recorded PID before they trust or signal it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testbed/testbed.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void test_router_forms(void **state)
{
	(void)state;
	char *up[] = { "/usr/bin/tcplab", "router", "--testbed", "t1", "--ready-fd", "3" };
	char *eq[] = { "tcplab", "router", "--testbed=t1" };
	char *by_hand[] = { "tcplab", "router", "--testbed", "t1" };
	char *old[] = { "tcplab", "testbed", "_forward", "t1", "--ready-fd", "3" };
	assert_true(tl_testbed_argv_is_forwarder(up, N(up), "t1"));
	assert_true(tl_testbed_argv_is_forwarder(eq, N(eq), "t1"));
	assert_true(tl_testbed_argv_is_forwarder(by_hand, N(by_hand), "t1"));
	assert_true(tl_testbed_argv_is_forwarder(old, N(old), "t1"));
}

static void test_not_it(void **state)
{
	(void)state;
	char *other[] = { "tcplab", "router", "--testbed", "t10" };
	char *prefix[] = { "tcplab", "router", "--testbed=t" };
	char *two_ifs[] = { "tcplab", "router", "--in", "a", "--out", "b", "--name", "t1" };
	char *status[] = { "tcplab", "testbed", "status", "t1" };
	char *no_router[] = { "tcplab", "--testbed", "t1" };
	char *cut[] = { "tcplab", "router", "--testbed" };
	char *prog_named_router[] = { "router", "--testbed", "t1" };
	assert_false(tl_testbed_argv_is_forwarder(other, N(other), "t1"));
	assert_false(tl_testbed_argv_is_forwarder(prefix, N(prefix), "t1"));
	assert_false(tl_testbed_argv_is_forwarder(two_ifs, N(two_ifs), "t1"));
	assert_false(tl_testbed_argv_is_forwarder(status, N(status), "t1"));
	assert_false(tl_testbed_argv_is_forwarder(no_router, N(no_router), "t1"));
	assert_false(tl_testbed_argv_is_forwarder(cut, N(cut), "t1"));
	assert_false(tl_testbed_argv_is_forwarder(prog_named_router, N(prog_named_router), "t1"));
	assert_false(tl_testbed_argv_is_forwarder(NULL, 0, "t1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_router_forms),
		cmocka_unit_test(test_not_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
