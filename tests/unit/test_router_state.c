/* router state file: written and read back as it was, damaged files refused, the forwarder's
 * state for a router, and the interface checks that need no privilege. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "router/router.h"

static char root[64];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/tl-rtstate.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	setenv("TCPLAB_ROUTER_DIR", root, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void make_saved(struct tl_router_saved *s, const char *name)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->pid = 4242;
	s->netns_ino = tl_router_netns_ino();
	snprintf(s->in.name, sizeof(s->in.name), "enp1s0");
	s->in.ifindex = 3;
	s->in.gro = TL_OFFLOAD_ON;
	s->in.lro = TL_OFFLOAD_UNKNOWN;
	s->in.gso = TL_OFFLOAD_ON;
	s->in.tso = TL_OFFLOAD_OFF;
	snprintf(s->out.name, sizeof(s->out.name), "enp2s0f1np1");
	s->out.ifindex = 4;
	s->out.gro = TL_OFFLOAD_OFF;
	s->out.lro = TL_OFFLOAD_ON;
	s->out.gso = TL_OFFLOAD_OFF;
	s->out.tso = TL_OFFLOAD_ON;
	s->options = json_pack("{s:s, s:s}", "rate", "1gbit", "aqm", "codel");
}

static void write_dir(const char *name)
{
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	assert_true(mkdir(dir, 0755) == 0 || errno == EEXIST);
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct tl_router_saved s, back;
	struct tl_err err = { 0 };
	make_saved(&s, "r1");
	write_dir("r1");
	assert_int_equal(tl_router_saved_write(&s, &err), 0);
	assert_int_equal(tl_router_saved_load("r1", &back, &err), 0);
	assert_string_equal(back.name, "r1");
	assert_int_equal(back.pid, 4242);
	assert_true(back.netns_ino == s.netns_ino);
	assert_string_equal(back.in.name, "enp1s0");
	assert_string_equal(back.out.name, "enp2s0f1np1");
	assert_int_equal(back.in.gro, TL_OFFLOAD_ON);
	assert_int_equal(back.in.lro, TL_OFFLOAD_UNKNOWN);
	assert_int_equal(back.in.tso, TL_OFFLOAD_OFF);
	assert_int_equal(back.out.lro, TL_OFFLOAD_ON);
	assert_int_equal(back.out.tso, TL_OFFLOAD_ON);
	assert_int_equal(back.out.ifindex, 4);
	assert_string_equal(json_string_value(json_object_get(back.options, "aqm")), "codel");
	/* Found by either interface, in this namespace. */
	char name[TL_TESTBED_NAME_MAX + 1];
	assert_int_equal(tl_router_find_iface("enp2s0f1np1", name, &err), 0);
	assert_string_equal(name, "r1");
	assert_int_equal(tl_router_find_iface("enp1s0", name, &err), 0);
	assert_int_equal(tl_router_find_iface("eth9", name, &err), -ENOENT);
	/* PID 4242 is not a router (nor, most likely, anything). */
	assert_false(tl_router_alive(&back));
	tl_router_saved_free(&back);
	tl_router_remove_dir("r1");
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/r1", root);
	assert_int_not_equal(access(dir, F_OK), 0);
	assert_int_equal(tl_router_saved_load("r1", &back, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "no router r1"));
	tl_router_saved_free(&s);
}

static void test_damaged(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "{", "[]", "{\"version\": 2}",
		"{\"version\":1,\"name\":\"r2\",\"pid\":1,\"netns_ino\":1,\"in\":{},\"out\":{},\"options\":{}}",
		"{\"version\":1,\"name\":\"r2\",\"pid\":1,\"netns_ino\":1,\"in\":{\"name\":"
		"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"ifindex\":1,\"gro\":\"on\",\"lro\":\"on\",\"gso\":"
		"\"on\",\"tso\":\"on\"},\"out\":{},\"options\":{}}",
	};
	write_dir("r2");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/r2/router.json", root);
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fputs(bad[i], f);
		fclose(f);
		struct tl_router_saved s;
		struct tl_err err = { 0 };
		assert_true(tl_router_saved_load("r2", &s, &err) < 0);
		assert_true(err.msg[0] != '\0');
	}
	tl_router_remove_dir("r2");
}

static void test_fwd_state(void **state)
{
	(void)state;
	struct tl_router_saved s;
	struct tl_testbed_state st;
	struct tl_err err = { 0 };
	make_saved(&s, "r3");
	assert_int_equal(tl_router_fwd_state(&s, &st, &err), 0);
	assert_int_equal(st.plan.nhosts, 2);
	/* hosts[0] is the receiver's side: OUT; hosts[1] the sender's: IN. */
	assert_string_equal(st.plan.hosts[0].port, "enp2s0f1np1");
	assert_string_equal(st.plan.hosts[1].port, "enp1s0");
	assert_string_equal(st.plan.name, "r3");
	assert_int_equal(st.forwarder_cpu, -1);
	assert_string_equal(json_string_value(json_object_get(st.options, "rate")), "1gbit");
	tl_testbed_state_free(&st);
	tl_router_saved_free(&s);
}

static void test_check_ifaces(void **state)
{
	(void)state;
	struct tl_err err = { 0 };
	assert_true(tl_router_check_ifaces("lo", "lo", false, &err) < 0);
	assert_non_null(strstr(err.msg, "same interface \"lo\""));
	assert_true(tl_router_check_ifaces("lo", "nosuch0", false, &err) < 0);
	assert_non_null(strstr(err.msg, "--out \"nosuch0\": no such interface"));
	assert_true(tl_router_check_ifaces("a-name-longer-than-ifnamsiz", "lo", false, &err) < 0);
	assert_non_null(strstr(err.msg, "--in"));
	assert_true(tl_router_check_ifaces(NULL, "lo", false, &err) < 0);
	assert_non_null(strstr(err.msg, "give both"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_fwd_state),
		cmocka_unit_test(test_check_ifaces),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
