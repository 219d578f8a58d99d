/* The routers of this host as one document (router/list.h): an absent root is an empty list;
 * names sorted; what is not a router passed over or counted; running and stopped told apart
 * by the recorded process; the bound on entries; and the ROUTER "list" answer is the same
 * document. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl/router_req.h"
#include "router/list.h"
#include "router/router.h"

static char root[64];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/tl-rtlist.XXXXXX");
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

/* A state file for router name on in/out, recorded with pid. */
static void put(const char *name, const char *in, const char *out, pid_t pid, json_t *opts)
{
	struct tl_router_saved s;
	struct tl_err err = { 0 };
	char dir[256];
	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", name);
	s.pid = pid;
	snprintf(s.in.name, sizeof(s.in.name), "%s", in);
	snprintf(s.out.name, sizeof(s.out.name), "%s", out);
	s.options = opts ? opts : json_object();
	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	assert_true(mkdir(dir, 0755) == 0 || errno == EEXIST);
	if (tl_router_saved_write(&s, &err) < 0)
		fail_msg("write %s: %s", name, err.msg);
	tl_router_saved_free(&s);
}

static void put_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", root, name);
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
	snprintf(path, sizeof(path), "%s/%s/router.json", root, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static json_t *list(void)
{
	json_t *doc = NULL;
	struct tl_err err = { 0 };
	if (tl_router_list_doc(&doc, &err) < 0)
		fail_msg("list: %s", err.msg);
	assert_non_null(doc);
	return doc;
}

static void test_absent_root(void **state)
{
	(void)state;
	char gone[96];
	snprintf(gone, sizeof(gone), "%s/no-such-dir", root);
	setenv("TCPLAB_ROUTER_DIR", gone, 1);
	json_t *doc = list();
	assert_string_equal(json_string_value(json_object_get(doc, "root")), gone);
	assert_int_equal(json_array_size(json_object_get(doc, "routers")), 0);
	assert_true(json_is_false(json_object_get(doc, "truncated")));
	assert_int_equal(json_integer_value(json_object_get(doc, "skipped")), 0);
	json_decref(doc);
	setenv("TCPLAB_ROUTER_DIR", root, 1);
}

static void test_entries(void **state)
{
	(void)state;
	/* a process whose argv has the word "router", as tl_router_alive looks for */
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		/* the shell's own read waits on the pipe: no process of its own left to outlive it */
		dup2(p[0], 0);
		close(p[0]);
		close(p[1]);
		execl("/bin/sh", "sh", "-c", "read x", "router", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	for (int i = 0; i < 200; i++) { /* until its exec shows in /proc */
		struct tl_router_saved probe = { .pid = child };
		if (tl_router_alive(&probe))
			break;
		usleep(10000);
	}
	put("zeta", "veth9", "veth10", child, json_pack("{s:s, s:s}", "rate", "50mbit", "aqm", "codel"));
	put("alpha", "ra1", "rb1", 999999999, NULL); /* no such process: stopped */
	put("mid-1", "eth1", "eth2", getpid(), json_pack("{s:s}", "rtt", "10ms"));
	put_file("broken", "{not json");
	put_file("other", "{\"version\":1,\"name\":\"zeta\",\"pid\":1,\"netns_ino\":1,\"in\":{},"
			  "\"out\":{},\"options\":{}}");
	put_file("bad name", "{}");
	put_file(".hidden", "{}");
	char empty[256];
	snprintf(empty, sizeof(empty), "%s/nostate", root);
	assert_int_equal(mkdir(empty, 0755), 0);

	json_t *doc = list();
	json_t *rs = json_object_get(doc, "routers");
	assert_int_equal(json_array_size(rs), 3);
	const char *order[] = { "alpha", "mid-1", "zeta" };
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(json_string_value(json_object_get(json_array_get(rs, i), "name")),
				    order[i]);
	json_t *a = json_array_get(rs, 0), *m = json_array_get(rs, 1), *z = json_array_get(rs, 2);
	assert_string_equal(json_string_value(json_object_get(a, "state")), "stopped");
	assert_string_equal(json_string_value(json_object_get(a, "restore")),
			    "tcplab router --restore ra1");
	assert_string_equal(json_string_value(json_object_get(a, "in")), "ra1");
	assert_string_equal(json_string_value(json_object_get(a, "out")), "rb1");
	/* the defaults filled in where the state has no option */
	assert_string_equal(json_string_value(json_object_get(a, "rate")), "100mbit");
	assert_string_equal(json_string_value(json_object_get(a, "rtt")), "40ms");
	/* its own process is no router that runs (the state of the one looking) */
	assert_string_equal(json_string_value(json_object_get(m, "state")), "stopped");
	assert_string_equal(json_string_value(json_object_get(m, "rtt")), "10ms");
	assert_string_equal(json_string_value(json_object_get(z, "state")), "running");
	assert_null(json_object_get(z, "restore"));
	assert_int_equal(json_integer_value(json_object_get(z, "pid")), child);
	assert_string_equal(json_string_value(json_object_get(z, "rate")), "50mbit");
	assert_string_equal(json_string_value(json_object_get(z, "aqm")), "codel");
	assert_string_equal(json_string_value(json_object_get(json_object_get(z, "options"), "aqm")),
			    "codel");
	/* "broken" and "other" (its file names zeta) are counted; the rest are not routers */
	assert_int_equal(json_integer_value(json_object_get(doc, "skipped")), 2);
	assert_true(json_is_false(json_object_get(doc, "truncated")));

	/* the agent's answer to ROUTER "list" is the same document */
	struct tl_router_req r = { .op = TL_ROUTER_OP_LIST };
	json_t *ans = tl_router_req_serve(&r), *res = NULL;
	enum tl_router_reason why;
	struct tl_err err = { 0 };
	assert_int_equal(tl_router_answer_read(ans, &res, &why, &err), 0);
	/* pids and processes are the same; only the order of keys could differ */
	assert_true(json_equal(res, doc));
	json_decref(res);
	json_decref(ans);
	json_decref(doc);

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(p[1]);
	doc = list();
	z = json_array_get(json_object_get(doc, "routers"), 2);
	assert_string_equal(json_string_value(json_object_get(z, "state")), "stopped");
	assert_string_equal(json_string_value(json_object_get(z, "restore")),
			    "tcplab router --restore veth9");
	json_decref(doc);
}

/* More routers than a list holds: the first TL_ROUTER_LIST_MAX by name, and it says so. */
static void test_bound(void **state)
{
	(void)state;
	char name[32];
	for (unsigned i = 0; i < TL_ROUTER_LIST_MAX + 40; i++) {
		/* written from the end, so the directory's order is not the names' */
		snprintf(name, sizeof(name), "b%05u", TL_ROUTER_LIST_MAX + 39 - i);
		put(name, "i0", "o0", 999999999, NULL);
	}
	json_t *doc = list();
	json_t *rs = json_object_get(doc, "routers");
	assert_int_equal(json_array_size(rs), TL_ROUTER_LIST_MAX);
	assert_true(json_is_true(json_object_get(doc, "truncated")));
	/* alpha, mid-1 and zeta of the test before are there too: alpha then b00000 ... */
	assert_string_equal(json_string_value(json_object_get(json_array_get(rs, 0), "name")), "alpha");
	assert_string_equal(json_string_value(json_object_get(json_array_get(rs, 1), "name")), "b00000");
	snprintf(name, sizeof(name), "b%05u", TL_ROUTER_LIST_MAX - 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rs, TL_ROUTER_LIST_MAX - 1),
							      "name")), name);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent_root),
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_bound),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
