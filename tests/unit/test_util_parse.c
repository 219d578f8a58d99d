/* Unit parsers: every unit people write, the bounds, and the messages for bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/parse.h"

struct ok_case {
	const char *in;
	uint64_t want;
};

static void test_size_units(void **state)
{
	(void)state;
	static const struct ok_case cases[] = {
		{ "0", 0 }, { "1448", 1448 }, { "64K", 65536 }, { "64k", 65536 }, { "10M", 10485760 },
		{ "1.5G", 1610612736ULL }, { "4KiB", 4096 }, { "2MB", 2097152 }, { "1T", 1099511627776ULL },
		{ "100B", 100 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;
		struct tl_err err = { 0 };
		assert_int_equal(tl_parse_size("--length", cases[i].in, 0, UINT64_MAX / 2, &v, &err), 0);
		assert_int_equal(v, cases[i].want);
	}
}

static void test_rate_units(void **state)
{
	(void)state;
	static const struct ok_case cases[] = {
		{ "100mbit", 100000000 }, { "1gbit", 1000000000 }, { "10M", 10000000 },
		{ "1.5G", 1500000000 }, { "500kbit", 500000 }, { "12.5MB/s", 100000000 },
		{ "64000", 64000 }, { "2Gbit/s", 2000000000 }, { "100Mb/s", 100000000 },
		{ "1Gb/s", 1000000000 }, { "100kb/s", 100000 }, { "100Mbit", 100000000 }, { "8B/s", 64 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;
		assert_int_equal(tl_parse_rate("--rate", cases[i].in, 0, UINT64_MAX / 2, &v, NULL), 0);
		assert_int_equal(v, cases[i].want);
	}
}

static void test_duration_units(void **state)
{
	(void)state;
	static const struct ok_case cases[] = {
		{ "250ms", 250000000 }, { "30s", 30000000000ULL }, { "1.5s", 1500000000 },
		{ "2m", 120000000000ULL }, { "1h", 3600000000000ULL }, { "100us", 100000 },
		{ "500ns", 500 }, { "10", 10000000000ULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;
		assert_int_equal(tl_parse_duration("--time", cases[i].in, 0, UINT64_MAX / 2, &v, NULL), 0);
		assert_int_equal(v, cases[i].want);
	}
}

static void test_count_and_port(void **state)
{
	(void)state;
	uint64_t v;
	uint16_t port;
	assert_int_equal(tl_parse_count("-P", "16", 1, 100000, &v, NULL), 0);
	assert_int_equal(v, 16);
	assert_int_equal(tl_parse_count("-P", "10k", 1, 100000, &v, NULL), 0);
	assert_int_equal(v, 10000);
	assert_int_equal(tl_parse_port("--port", "5299", 0, &port, NULL), 0);
	assert_int_equal(port, 5299);
	assert_int_equal(tl_parse_port("--port", "0", 1, &port, NULL), 0);
	assert_int_equal(port, 0);
}

static void test_hostport(void **state)
{
	(void)state;
	static const struct {
		const char *in, *host;
		int port; /* -1: refused */
	} cases[] = {
		{ "lab", "lab", 5299 }, { "lab:7000", "lab", 7000 }, { "10.0.0.1:1", "10.0.0.1", 1 },
		{ "[fd00::1]:80", "fd00::1", 80 }, { "[fd00::1]", "fd00::1", 5299 },
		{ "fd00::1", "fd00::1", 5299 }, { "lab:0", NULL, -1 }, { "lab:x", NULL, -1 },
		{ ":80", NULL, -1 }, { "", NULL, -1 }, { "[]:80", NULL, -1 }, { "[fd00::1", NULL, -1 },
		{ "[fd00::1]x", NULL, -1 }, { "lab:70000", NULL, -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char host[64];
		uint16_t port = 0;
		struct tl_err err = { 0 };
		int rc = tl_parse_hostport("--remote", cases[i].in, 5299, host, sizeof(host), &port, &err);
		if (cases[i].port < 0) {
			assert_true(rc < 0);
			assert_non_null(strstr(err.msg, "--remote"));
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(host, cases[i].host);
		assert_int_equal(port, cases[i].port);
	}
}

struct bad_case {
	int kind; /* 0 size, 1 rate, 2 duration, 3 count, 4 port */
	const char *in;
	const char *must_contain;
};

static void test_bad_inputs_quote_value_and_fix(void **state)
{
	(void)state;
	static const struct bad_case cases[] = {
		{ 0, "", "not a size" }, { 0, "-5", "not a size" }, { 0, "10X", "\"10X\"" },
		{ 0, "inf", "not a size" }, { 0, "nan", "not a size" }, { 0, "0x10", "not a size" },
		{ 1, "100mbps", "ambiguous" }, { 1, "fast", "100mbit" }, { 2, "3x", "250ms" },
		{ 1, "100MB", "is not a rate" }, { 1, "100mb", "is not a rate" }, { 1, "1GBIT", "is not a rate" },
		{ 2, "1e3s", "not a duration" }, { 3, "1.5", "whole number" }, { 3, "0", "out of range" },
		{ 3, "100001", "1 to 100000" }, { 4, "70000", "not a port" }, { 4, "0", "not a port" },
		{ 0, " 5", "not a size" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v;
		uint16_t p;
		struct tl_err err = { 0 };
		int rc;
		switch (cases[i].kind) {
		case 0: rc = tl_parse_size("--x", cases[i].in, 0, UINT64_MAX / 2, &v, &err); break;
		case 1: rc = tl_parse_rate("--x", cases[i].in, 0, UINT64_MAX / 2, &v, &err); break;
		case 2: rc = tl_parse_duration("--x", cases[i].in, 0, UINT64_MAX / 2, &v, &err); break;
		case 3: rc = tl_parse_count("--x", cases[i].in, 1, 100000, &v, &err); break;
		default: rc = tl_parse_port("--x", cases[i].in, 0, &p, &err); break;
		}
		assert_true(rc < 0);
		if (!strstr(err.msg, cases[i].must_contain))
			fail_msg("input \"%s\": message \"%s\" lacks \"%s\"", cases[i].in, err.msg,
				 cases[i].must_contain);
		assert_non_null(strstr(err.msg, "--x"));
	}
}

static void test_formatting(void **state)
{
	(void)state;
	char buf[64];
	assert_string_equal(tl_fmt_rate(9.41e9, buf, sizeof(buf)), "9.41 Gbit/s");
	assert_string_equal(tl_fmt_rate(100e6, buf, sizeof(buf)), "100 Mbit/s");
	assert_string_equal(tl_fmt_size(65536, buf, sizeof(buf)), "64.0 KiB");
	assert_string_equal(tl_fmt_rate(18e9, buf, sizeof(buf)), "18.0 Gbit/s");
	assert_string_equal(tl_fmt_size(100, buf, sizeof(buf)), "100 B");
	assert_string_equal(tl_fmt_duration(250000000, buf, sizeof(buf)), "250 ms");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_units),
		cmocka_unit_test(test_rate_units),
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_count_and_port),
		cmocka_unit_test(test_bad_inputs_quote_value_and_fix),
		cmocka_unit_test(test_formatting),
		cmocka_unit_test(test_hostport),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
