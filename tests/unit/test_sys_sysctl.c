/* sysctl names, values and the port-range helpers: parsers on recorded text, reads on /proc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "sys/sysctl.h"
#include "sys/sysctl_conf.h"

static void test_path(void **state)
{
	(void)state;
	char buf[128];
	assert_int_equal(tl_sysctl_path("net.ipv4.tcp_rmem", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/proc/sys/net/ipv4/tcp_rmem");
	/* With slashes the name is a path as is, so interface names may hold dots. */
	assert_int_equal(tl_sysctl_path("net/ipv4/conf/eth0.100/forwarding", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/proc/sys/net/ipv4/conf/eth0.100/forwarding");
	assert_int_equal(tl_sysctl_path("../etc/passwd", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(tl_sysctl_path("/etc/passwd", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(tl_sysctl_path("", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(tl_sysctl_path("net.ipv4.tcp_rmem", buf, 12), -ENAMETOOLONG);
}

static void test_parse_u64s(void **state)
{
	(void)state;
	uint64_t v[3];
	size_t n = 0;
	/* As /proc prints tcp_rmem: tab separated, newline at the end. */
	assert_int_equal(tl_sysctl_parse_u64s("4096\t131072\t6291456\n", v, 3, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[0], 4096);
	assert_int_equal(v[1], 131072);
	assert_int_equal(v[2], 6291456);
	assert_int_equal(tl_sysctl_parse_u64s("4294967295", v, 3, &n, NULL), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0], 4294967295ULL);
	struct tl_err err = { 0 };
	assert_int_equal(tl_sysctl_parse_u64s("1 2 3 4", v, 3, &n, &err), -E2BIG);
	assert_non_null(strstr(err.msg, "more than 3 values"));
	assert_int_equal(tl_sysctl_parse_u64s("cubic", v, 3, &n, &err), -EINVAL);
	assert_int_equal(tl_sysctl_parse_u64s("12x", v, 3, &n, &err), -EINVAL);
	assert_int_equal(tl_sysctl_parse_u64s("-1", v, 3, &n, &err), -EINVAL);
	assert_int_equal(tl_sysctl_parse_u64s("  ", v, 3, &n, &err), -EINVAL);
}

static void test_port_range(void **state)
{
	(void)state;
	struct tl_port_range r;
	struct tl_err err = { 0 };
	assert_int_equal(tl_port_range_parse("32768\t60999\n", &r, &err), 0);
	assert_int_equal(r.lo, 32768);
	assert_int_equal(r.hi, 60999);
	assert_int_equal(tl_port_range_count(&r), 28232);
	assert_int_equal(tl_port_range_parse("60999 32768", &r, &err), -ERANGE);
	assert_int_equal(tl_port_range_parse("0 100", &r, &err), -ERANGE);
	assert_int_equal(tl_port_range_parse("1024 70000", &r, &err), -ERANGE);
	assert_int_equal(tl_port_range_parse("1024", &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "\"1024\""));
}

static void test_reserved_ports(void **state)
{
	(void)state;
	struct tl_port_range r = { 32768, 60999 };
	uint32_t n = 99;
	assert_int_equal(tl_reserved_ports_count("", &r, &n, NULL), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tl_reserved_ports_count("8080,40000-40099,50000\n", &r, &n, NULL), 0);
	assert_int_equal(n, 101);
	/* Ranges that straddle the ephemeral range count only their overlap. */
	assert_int_equal(tl_reserved_ports_count("32000-32799,60990-61010", &r, &n, NULL), 0);
	assert_int_equal(n, 32 + 10);
	assert_int_equal(tl_reserved_ports_count("9000-8000", &r, &n, NULL), -EINVAL);
	assert_int_equal(tl_reserved_ports_count("a", &r, &n, NULL), -EINVAL);
}

/* The real files of this machine: reads work and agree with each other. */
static void test_read_proc(void **state)
{
	(void)state;
	char buf[256];
	uint64_t v[3], one;
	size_t n;
	struct tl_err err = { 0 };
	assert_int_equal(tl_sysctl_read("net.ipv4.tcp_rmem", buf, sizeof(buf), &err), 0);
	assert_null(strchr(buf, '\t'));
	assert_null(strchr(buf, '\n'));
	assert_int_equal(tl_sysctl_read_u64s("net.ipv4.tcp_rmem", v, 3, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_true(v[0] <= v[1] && v[1] <= v[2]);
	assert_int_equal(tl_sysctl_read_u64("net.core.somaxconn", &one, &err), 0);
	assert_true(one >= 1);
	struct tl_port_range r;
	assert_int_equal(tl_port_range_read(&r, &err), 0);
	assert_true(r.lo <= r.hi);
	assert_int_equal(tl_sysctl_read("net.ipv4.no_such_knob", buf, sizeof(buf), &err), -ENOENT);
	assert_non_null(strstr(err.msg, "net.ipv4.no_such_knob"));
	/* A value longer than the buffer is refused, not cut. */
	assert_int_equal(tl_sysctl_read("net.ipv4.tcp_rmem", buf, 6, &err), -ENOSPC);
	/* Text values. */
	assert_int_equal(tl_sysctl_read("net.ipv4.tcp_congestion_control", buf, sizeof(buf), &err), 0);
	assert_true(strlen(buf) > 0);
}

static void test_conf_parse(void **state)
{
	(void)state;
	struct tl_sysctl_setting s[4];
	size_t n = 0;
	struct tl_err err = { 0 };
	const char *text = "# comment\n; also a comment\n\n"
			   "net.ipv4.tcp_rmem = 4096 131072 33554432\n"
			   "  -net.core.somaxconn=4096  \n"
			   "net.ipv4.ip_local_port_range =\t1024 65535";
	assert_int_equal(tl_sysctl_conf_parse(text, s, 4, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(s[0].name, "net.ipv4.tcp_rmem");
	assert_string_equal(s[0].value, "4096 131072 33554432");
	assert_string_equal(s[1].name, "net.core.somaxconn");
	assert_string_equal(s[1].value, "4096");
	assert_string_equal(s[2].value, "1024 65535");
	assert_int_equal(tl_sysctl_conf_parse("a = 1\nbogus line\n", s, 4, &n, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 2"));
	assert_int_equal(tl_sysctl_conf_parse("a=1\nb=2\n", s, 1, &n, &err), -E2BIG);
	assert_int_equal(tl_sysctl_conf_parse(" = 1\n", s, 4, &n, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_parse_u64s),
		cmocka_unit_test(test_port_range),
		cmocka_unit_test(test_reserved_ports),
		cmocka_unit_test(test_read_proc),
		cmocka_unit_test(test_conf_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
