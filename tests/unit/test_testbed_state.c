/* testbed state file: the JSON format, atomic save/load, and refusal of damaged files. */
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

#include "testbed/config.h"
#include "testbed/state.h"

static char root[64];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/tl-tbstate.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	setenv("TCPLAB_TESTBED_DIR", root, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void make_state(struct tl_testbed_state *st, const char *name, unsigned senders)
{
	memset(st, 0, sizeof(*st));
	assert_int_equal(tl_testbed_plan_make(name, senders, NULL, 0, &st->plan, NULL), 0);
	snprintf(st->phase, sizeof(st->phase), "up");
	st->created_unix_ns = 1700000000123456789ull;
	st->forwarder_pid = 4321;
	st->forwarder_cpu = 1;
	st->options = json_object();
	tl_testbed_opt_set(st->options, "rate", "10mbit", NULL);
	tl_testbed_opt_set(st->options, "aqm", "codel:target=2ms", NULL);
}

static void test_json_round_trip(void **state)
{
	(void)state;
	struct tl_testbed_state st, back;
	make_state(&st, "rt", 2);
	json_t *j = NULL;
	assert_int_equal(tl_testbed_state_to_json(&st, &j, NULL), 0);
	/* The documented fields, with the values people read. */
	assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "rt");
	assert_string_equal(json_string_value(json_object_get(j, "phase")), "up");
	assert_int_equal(json_integer_value(json_object_get(j, "forwarder_pid")), 4321);
	char want[40], a[32];
	snprintf(want, sizeof(want), "%s/24", tl_testbed_fmt_addr(st.plan.subnet, a, sizeof(a)));
	assert_string_equal(json_string_value(json_object_get(j, "subnet")), want);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "router"), "netns")),
			    "tl-rt-rtr");
	json_t *hosts = json_object_get(j, "hosts");
	assert_int_equal(json_array_size(hosts), 3);
	json_t *h2 = json_array_get(hosts, 2);
	assert_string_equal(json_string_value(json_object_get(h2, "name")), "snd2");
	assert_string_equal(json_string_value(json_object_get(h2, "netns")), "tl-rt-snd2");
	assert_string_equal(json_string_value(json_object_get(h2, "addr")),
			    tl_testbed_fmt_addr(st.plan.subnet | 12, a, sizeof(a)));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "options"), "aqm")),
			    "codel:target=2ms");
	assert_int_equal(tl_testbed_state_from_json(j, &back, NULL), 0);
	assert_memory_equal(&back.plan, &st.plan, sizeof(st.plan));
	assert_string_equal(back.phase, "up");
	assert_int_equal(back.created_unix_ns, st.created_unix_ns);
	assert_int_equal(back.forwarder_pid, 4321);
	assert_int_equal(back.forwarder_cpu, 1);
	assert_true(json_equal(back.options, st.options));
	tl_testbed_state_free(&back);
	/* A state file of a tcplab before --isolate: no CPU was set aside. */
	json_object_del(j, "forwarder_cpu");
	assert_int_equal(tl_testbed_state_from_json(j, &back, NULL), 0);
	assert_int_equal(back.forwarder_cpu, -1);
	tl_testbed_state_free(&back);
	tl_testbed_state_free(&st);
	json_decref(j);
}

/* A state file edited to name a foreign namespace must never be believed. */
static void test_tampered_refused(void **state)
{
	(void)state;
	struct tl_testbed_state st, back;
	make_state(&st, "tam", 1);
	json_t *j = NULL;
	struct tl_err err = { 0 };
	assert_int_equal(tl_testbed_state_to_json(&st, &j, NULL), 0);

	json_t *bad = json_deep_copy(j);
	json_object_set_new(json_array_get(json_object_get(bad, "hosts"), 1), "netns",
			    json_string("production"));
	assert_true(tl_testbed_state_from_json(bad, &back, &err) < 0);
	assert_non_null(strstr(err.msg, "expected"));
	json_decref(bad);

	bad = json_deep_copy(j);
	json_object_set_new(json_object_get(bad, "router"), "netns", json_string("other"));
	assert_true(tl_testbed_state_from_json(bad, &back, &err) < 0);
	json_decref(bad);

	bad = json_deep_copy(j);
	json_object_set_new(bad, "subnet", json_string("192.168.1.0/24"));
	assert_true(tl_testbed_state_from_json(bad, &back, &err) < 0);
	json_decref(bad);

	bad = json_deep_copy(j);
	json_object_set_new(bad, "version", json_integer(2));
	assert_true(tl_testbed_state_from_json(bad, &back, &err) < 0);
	assert_non_null(strstr(err.msg, "version"));
	json_decref(bad);

	bad = json_deep_copy(j);
	json_object_set_new(bad, "forwarder_cpu", json_integer(1 << 20));
	assert_true(tl_testbed_state_from_json(bad, &back, &err) < 0);
	assert_non_null(strstr(err.msg, "forwarder_cpu"));
	json_decref(bad);

	bad = json_deep_copy(j);
	json_object_del(bad, "hosts");
	assert_true(tl_testbed_state_from_json(bad, &back, &err) < 0);
	json_decref(bad);

	json_decref(j);
	tl_testbed_state_free(&st);
}

static void test_save_load_list(void **state)
{
	(void)state;
	struct tl_testbed_state st, back;
	struct tl_err err = { 0 };
	char dir[256], path[256];
	/* No such testbed: a message that says so. */
	assert_int_equal(tl_testbed_state_load("nope", &back, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "no testbed nope"));

	const char *names[] = { "zeta", "alpha" };
	for (int i = 0; i < 2; i++) {
		make_state(&st, names[i], 1);
		assert_int_equal(tl_testbed_path(dir, sizeof(dir), names[i], NULL, NULL), 0);
		assert_int_equal(mkdir(dir, 0755), 0);
		assert_int_equal(tl_testbed_state_save(&st, &err), 0);
		tl_testbed_state_free(&st);
	}
	assert_int_equal(tl_testbed_path(path, sizeof(path), "alpha", "testbed.json", NULL), 0);
	assert_int_equal(access(path, F_OK), 0);
	strcat(path, ".tmp");
	assert_true(access(path, F_OK) < 0); /* renamed into place */
	assert_int_equal(tl_testbed_state_load("alpha", &back, &err), 0);
	assert_string_equal(back.plan.name, "alpha");
	assert_string_equal(tl_testbed_opt(back.options, "rate"), "10mbit");
	tl_testbed_state_free(&back);

	/* A directory without a state file, or with a bad name, is not a testbed. */
	snprintf(dir, sizeof(dir), "%s/empty", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	char(*list)[TL_TESTBED_NAME_MAX + 1] = NULL;
	size_t n = 0;
	assert_int_equal(tl_testbed_names(&list, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "alpha");
	assert_string_equal(list[1], "zeta");
	free(list);

	/* A garbled file: an error naming the file and the line. */
	assert_int_equal(tl_testbed_path(path, sizeof(path), "zeta", "testbed.json", NULL), 0);
	FILE *f = fopen(path, "w");
	fputs("{\"version\": 1,\n", f);
	fclose(f);
	assert_true(tl_testbed_state_load("zeta", &back, &err) < 0);
	assert_non_null(strstr(err.msg, "testbed.json"));
	assert_true(tl_testbed_state_load("../x", &back, &err) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_tampered_refused),
		cmocka_unit_test(test_save_load_list),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
