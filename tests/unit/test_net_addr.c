/*
 * Addresses: literals and names resolved (no DNS: literals, the wildcard and /etc/hosts'
 * localhost), the bracketed IPv6 form, the printed forms, ports, the loopback test, and the
 * two ends of a real loopback connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/addr.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void test_resolve_literals(void **state)
{
	(void)state;
	static const struct {
		const char *host;
		int family, passive;
		int want_family;
		const char *want_str;
	} cases[] = {
		{ "127.0.0.1", AF_UNSPEC, 0, AF_INET, "127.0.0.1:5299" },
		{ "192.0.2.7", AF_INET, 0, AF_INET, "192.0.2.7:5299" },
		{ "::1", AF_UNSPEC, 0, AF_INET6, "[::1]:5299" },
		{ "[::1]", AF_UNSPEC, 0, AF_INET6, "[::1]:5299" },
		{ "[2001:db8::5]", AF_INET6, 0, AF_INET6, "[2001:db8::5]:5299" },
		{ "", AF_INET, 1, AF_INET, "0.0.0.0:5299" },
		{ NULL, AF_INET6, 1, AF_INET6, "[::]:5299" },
		{ "localhost", AF_INET, 0, AF_INET, "127.0.0.1:5299" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct tl_addr a;
		struct tl_err err = { 0 };
		char buf[80];
		if (tl_addr_resolve(cases[i].host, 5299, cases[i].family, cases[i].passive, &a, &err) != 0)
			fail_msg("case %zu (%s): %s", i, cases[i].host ? cases[i].host : "NULL", err.msg);
		assert_int_equal(a.ss.ss_family, cases[i].want_family);
		assert_int_equal(a.len, cases[i].want_family == AF_INET ? sizeof(struct sockaddr_in)
								       : sizeof(struct sockaddr_in6));
		assert_string_equal(tl_addr_str(&a, buf, sizeof(buf)), cases[i].want_str);
		assert_int_equal(tl_addr_port(&a), 5299);
	}
}

static void test_resolve_errors(void **state)
{
	(void)state;
	static const struct {
		const char *host;
		int family;
		const char *says;
	} cases[] = {
		{ "[::1", AF_UNSPEC, "unbalanced brackets" },
		{ "[]", AF_UNSPEC, "unbalanced brackets" },
		{ "::1", AF_INET, "resolve \"::1\"" },     /* an IPv6 literal asked as IPv4 */
		{ "[::1]", AF_INET, "resolve \"::1\"" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct tl_addr a;
		struct tl_err err = { 0 };
		assert_true(tl_addr_resolve(cases[i].host, 1, cases[i].family, 0, &a, &err) < 0);
		assert_true(err.code != 0);
		if (!strstr(err.msg, cases[i].says))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, cases[i].says);
	}
}

static void test_host_str_and_port(void **state)
{
	(void)state;
	struct tl_addr a;
	char buf[80];
	assert_int_equal(tl_addr_resolve("2001:db8::1", 80, AF_UNSPEC, 0, &a, NULL), 0);
	assert_string_equal(tl_addr_host_str(&a, buf, sizeof(buf)), "2001:db8::1");
	tl_addr_set_port(&a, 65535);
	assert_int_equal(tl_addr_port(&a), 65535);
	assert_string_equal(tl_addr_str(&a, buf, sizeof(buf)), "[2001:db8::1]:65535");
	assert_int_equal(tl_addr_resolve("10.1.2.3", 0, AF_INET, 0, &a, NULL), 0);
	tl_addr_set_port(&a, 5201);
	assert_string_equal(tl_addr_str(&a, buf, sizeof(buf)), "10.1.2.3:5201");
	assert_string_equal(tl_addr_host_str(&a, buf, sizeof(buf)), "10.1.2.3");
	/* not an IP address: a question mark and port 0, never garbage */
	struct tl_addr none = { .ss.ss_family = AF_UNIX };
	assert_string_equal(tl_addr_host_str(&none, buf, sizeof(buf)), "?");
	assert_int_equal(tl_addr_port(&none), 0);
	tl_addr_set_port(&none, 9); /* ignored */
	assert_int_equal(tl_addr_port(&none), 0);
	/* a buffer too small is cut, and terminated */
	char tiny[6];
	assert_int_equal(tl_addr_resolve("192.0.2.1", 80, AF_INET, 0, &a, NULL), 0);
	tl_addr_str(&a, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

static void test_is_loopback(void **state)
{
	(void)state;
	static const struct {
		const char *host;
		int loopback;
	} cases[] = {
		{ "127.0.0.1", 1 }, { "127.255.0.9", 1 }, { "126.255.255.255", 0 }, { "128.0.0.1", 0 },
		{ "10.0.0.1", 0 }, { "0.0.0.0", 0 }, { "::1", 1 }, { "::", 0 }, { "::2", 0 },
		{ "::ffff:127.0.0.5", 1 }, { "::ffff:10.0.0.1", 0 }, { "fe80::1", 0 },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct tl_addr a;
		assert_int_equal(tl_addr_resolve(cases[i].host, 0, AF_UNSPEC, 0, &a, NULL), 0);
		if (tl_addr_is_loopback(&a) != cases[i].loopback)
			fail_msg("%s: loopback %d, expected %d", cases[i].host, tl_addr_is_loopback(&a),
				 cases[i].loopback);
	}
	struct tl_addr none = { .ss.ss_family = AF_UNIX };
	assert_false(tl_addr_is_loopback(&none));
}

/* The two ends of a real connection: each end's local address is the other's peer. */
static void test_local_and_peer(void **state)
{
	(void)state;
	struct tl_addr any, lst, cl_local, cl_peer, acc_local, acc_peer;
	struct tl_err err = { 0 };
	assert_int_equal(tl_addr_resolve("127.0.0.1", 0, AF_INET, 0, &any, &err), 0);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&any.ss, any.len), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(tl_addr_local(l, &lst, &err), 0);
	assert_true(tl_addr_port(&lst) != 0); /* the kernel's choice, read back */
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&lst.ss, lst.len), 0);
	int s = accept(l, NULL, NULL);
	assert_true(s >= 0);
	assert_int_equal(tl_addr_local(c, &cl_local, &err), 0);
	assert_int_equal(tl_addr_peer(c, &cl_peer, &err), 0);
	assert_int_equal(tl_addr_local(s, &acc_local, &err), 0);
	assert_int_equal(tl_addr_peer(s, &acc_peer, &err), 0);
	char x[80], y[80];
	assert_string_equal(tl_addr_str(&cl_peer, x, sizeof(x)), tl_addr_str(&lst, y, sizeof(y)));
	assert_string_equal(tl_addr_str(&acc_peer, x, sizeof(x)), tl_addr_str(&cl_local, y, sizeof(y)));
	assert_string_equal(tl_addr_str(&acc_local, x, sizeof(x)), tl_addr_str(&lst, y, sizeof(y)));
	assert_true(tl_addr_is_loopback(&acc_peer));
	/* the listener has no peer: named, with its errno */
	assert_int_equal(tl_addr_peer(l, &acc_peer, &err), -ENOTCONN);
	assert_non_null(strstr(err.msg, "getpeername"));
	int f = open("/dev/null", O_RDONLY);
	assert_int_equal(tl_addr_local(f, &acc_local, &err), -ENOTSOCK);
	assert_non_null(strstr(err.msg, "getsockname"));
	close(f);
	close(c);
	close(s);
	close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_literals),
		cmocka_unit_test(test_resolve_errors),
		cmocka_unit_test(test_host_str_and_port),
		cmocka_unit_test(test_is_loopback),
		cmocka_unit_test(test_local_and_peer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
