/* router ports: reading what is found without changing anything, a missing interface named,
 * too many refused, and a release without a take that changes nothing. No privilege is
 * needed: only the loopback interface's offloads are read. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "router/ports.h"

static void test_read_lo(void **state)
{
	(void)state;
	struct tl_router_ports p;
	struct tl_err err = { 0 };
	const char *names[1] = { "lo" };
	assert_int_equal(tl_router_ports_read(&p, names, 1, &err), 0);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.ifs[0].name, "lo");
	assert_true(p.ifs[0].ifindex > 0);
	assert_int_equal(p.promisc_fd[0], -1);
	assert_false(p.changed);
	/* nothing was taken: releasing changes nothing and cannot fail */
	assert_int_equal(tl_router_ports_release(&p, &err), 0);
}

static void test_missing(void **state)
{
	(void)state;
	struct tl_router_ports p;
	struct tl_err err = { 0 };
	const char *names[2] = { "lo", "nosuch0" };
	assert_true(tl_router_ports_read(&p, names, 2, &err) < 0);
	assert_non_null(strstr(err.msg, "\"nosuch0\" does not exist"));
	assert_int_equal(p.n, 1); /* what was read before stays releasable */
	assert_int_equal(tl_router_ports_release(&p, NULL), 0);
}

static void test_too_many(void **state)
{
	(void)state;
	struct tl_router_ports p;
	struct tl_err err = { 0 };
	const char *names[TL_ROUTER_PORTS_MAX + 1];
	for (unsigned i = 0; i <= TL_ROUTER_PORTS_MAX; i++)
		names[i] = "lo";
	assert_int_equal(tl_router_ports_read(&p, names, TL_ROUTER_PORTS_MAX + 1, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "at most"));
	assert_int_equal(p.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_lo),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_too_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
