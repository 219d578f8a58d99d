/* testbed address plan: names, subnets from a name's hash, clash avoidance, addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "testbed/plan.h"

static void test_name_check(void **state)
{
	(void)state;
	static const char *const good[] = { "t1", "a", "lab-1", "x_y", "9lives",
					    "abcdefghijklmnopqrstuvwx" };
	static const char *const bad[] = { "", "-a", "_a", "a b", "a/b", "a.b", "ä",
					   "abcdefghijklmnopqrstuvwxy" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(tl_testbed_name_check(good[i], NULL), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tl_err err = { 0 };
		assert_true(tl_testbed_name_check(bad[i], &err) < 0);
		assert_non_null(strstr(err.msg, "testbed name"));
	}
	assert_true(tl_testbed_name_check(NULL, NULL) < 0);
}

static void test_subnet_is_stable_and_in_range(void **state)
{
	(void)state;
	/* FNV-1a of "t1": fixed forever, so a name always maps to the same first subnet. */
	unsigned idx = tl_testbed_subnet_index("t1");
	assert_int_equal(idx, tl_testbed_subnet_index("t1"));
	assert_true(idx < TL_TESTBED_SUBNETS);
	uint32_t lo = tl_testbed_subnet_of(0), hi = tl_testbed_subnet_of(TL_TESTBED_SUBNETS - 1);
	assert_int_equal(lo, (10u << 24) | (64u << 16));
	assert_int_equal(hi, (10u << 24) | (127u << 16) | (255u << 8));
	/* Different names spread out: 200 names, few collisions in 16384 subnets. */
	unsigned seen_same = 0;
	char a[16], b[16];
	for (unsigned i = 0; i < 200; i++) {
		snprintf(a, sizeof(a), "t%u", i);
		snprintf(b, sizeof(b), "t%u", i + 1);
		if (tl_testbed_subnet_index(a) == tl_testbed_subnet_index(b))
			seen_same++;
	}
	assert_true(seen_same < 3);
}

static void test_plan_hosts(void **state)
{
	(void)state;
	struct tl_testbed_plan p;
	assert_int_equal(tl_testbed_plan_make("lab", 3, NULL, 0, &p, NULL), 0);
	uint32_t s = tl_testbed_subnet_of(tl_testbed_subnet_index("lab"));
	assert_int_equal(p.subnet, s);
	assert_string_equal(p.rtr_netns, "tl-lab-rtr");
	assert_int_equal(p.nhosts, 4);
	assert_string_equal(p.hosts[0].name, "rcv");
	assert_string_equal(p.hosts[0].netns, "tl-lab-rcv");
	assert_string_equal(p.hosts[0].ifname, "eth0");
	assert_string_equal(p.hosts[0].port, "rcv");
	assert_int_equal(p.hosts[0].addr, s | 1);
	assert_string_equal(p.hosts[3].name, "snd3");
	assert_string_equal(p.hosts[3].netns, "tl-lab-snd3");
	assert_int_equal(p.hosts[3].addr, s | 13);
	char m[32];
	tl_testbed_fmt_mac(p.hosts[3].mac, m, sizeof(m));
	char want[32];
	snprintf(want, sizeof(want), "02:74:62:%02x:%02x:0d", (s >> 16) & 0xff, (s >> 8) & 0xff);
	assert_string_equal(m, want);
	assert_ptr_equal(tl_testbed_plan_host(&p, "snd2"), &p.hosts[2]);
	assert_null(tl_testbed_plan_host(&p, "snd4"));
	struct tl_err err = { 0 };
	assert_true(tl_testbed_plan_make("lab", 0, NULL, 0, &p, &err) < 0);
	assert_true(tl_testbed_plan_make("lab", TL_TESTBED_SENDERS_MAX + 1, NULL, 0, &p, &err) < 0);
	assert_non_null(strstr(err.msg, "--senders"));
	assert_int_equal(tl_testbed_plan_make("lab", TL_TESTBED_SENDERS_MAX, NULL, 0, &p, NULL), 0);
	assert_string_equal(p.hosts[TL_TESTBED_SENDERS_MAX].name, "snd32");
}

static void test_plan_skips_taken(void **state)
{
	(void)state;
	struct tl_testbed_plan p;
	unsigned idx = tl_testbed_subnet_index("busy");
	uint32_t first = tl_testbed_subnet_of(idx), second = tl_testbed_subnet_of(idx + 1);
	/* The name's own subnet is taken by another testbed: the next one is used. */
	struct tl_testbed_prefix taken[] = { { first, 24 } };
	assert_int_equal(tl_testbed_plan_make("busy", 1, taken, 1, &p, NULL), 0);
	assert_int_equal(p.subnet, second);
	/* A route /16 covering both moves it past the /16 entirely. */
	struct tl_testbed_prefix wide[] = { { first & 0xffff0000u, 16 } };
	assert_int_equal(tl_testbed_plan_make("busy", 1, wide, 1, &p, NULL), 0);
	assert_false(tl_testbed_prefix_overlap(p.subnet, 24, first, 16));
	/* A route to one host inside the subnet counts too. */
	struct tl_testbed_prefix host[] = { { first | 77, 32 } };
	assert_int_equal(tl_testbed_plan_make("busy", 1, host, 1, &p, NULL), 0);
	assert_int_equal(p.subnet, second);
	/* Covering routes shorter than /16 (a default route, 10/8 over a VPN) are ignored. */
	struct tl_testbed_prefix cover[] = { { 0, 0 }, { 10u << 24, 8 } };
	assert_int_equal(tl_testbed_plan_make("busy", 1, cover, 2, &p, NULL), 0);
	assert_int_equal(p.subnet, first);
}

static void test_plan_at_checks_subnet(void **state)
{
	(void)state;
	struct tl_testbed_plan p;
	struct tl_err err = { 0 };
	assert_int_equal(tl_testbed_plan_at("a", 1, (10u << 24) | (100u << 16) | (7u << 8), &p, NULL),
			 0);
	assert_true(tl_testbed_plan_at("a", 1, (192u << 24) | (168u << 16), &p, &err) < 0);
	assert_non_null(strstr(err.msg, "subnet"));
	assert_true(tl_testbed_plan_at("a", 1, (10u << 24) | (100u << 16) | 5, &p, NULL) < 0);
	assert_true(tl_testbed_plan_at("a", 1, (10u << 24) | (12u << 16), &p, NULL) < 0);
}

static void test_overlap_and_formats(void **state)
{
	(void)state;
	uint32_t a;
	assert_int_equal(tl_testbed_parse_addr("10.64.3.0", &a), 0);
	assert_int_equal(a, (10u << 24) | (64u << 16) | (3u << 8));
	assert_true(tl_testbed_prefix_overlap(a, 24, a | 200, 32));
	assert_true(tl_testbed_prefix_overlap(a, 24, a & 0xff000000u, 8));
	assert_false(tl_testbed_prefix_overlap(a, 24, a + 256, 24));
	assert_true(tl_testbed_parse_addr("10.64.3", &a) < 0);
	assert_true(tl_testbed_parse_addr("10.64.3.256", &a) < 0);
	assert_true(tl_testbed_parse_addr("10.64.3.1x", &a) < 0);
	char buf[32];
	assert_string_equal(tl_testbed_fmt_addr(0x0a400301u, buf, sizeof(buf)), "10.64.3.1");
	uint8_t mac[6];
	assert_int_equal(tl_testbed_parse_mac("02:74:62:40:03:0b", mac), 0);
	assert_string_equal(tl_testbed_fmt_mac(mac, buf, sizeof(buf)), "02:74:62:40:03:0b");
	assert_true(tl_testbed_parse_mac("02:74:62:40:03", mac) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_check),
		cmocka_unit_test(test_subnet_is_stable_and_in_range),
		cmocka_unit_test(test_plan_hosts),
		cmocka_unit_test(test_plan_skips_taken),
		cmocka_unit_test(test_plan_at_checks_subnet),
		cmocka_unit_test(test_overlap_and_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
