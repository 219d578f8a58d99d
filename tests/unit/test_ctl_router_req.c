/* The ROUTER request (ctl/router_req.h): what the agent accepts and refuses, the round trip of
 * what a client sends, the answer both ways with its reasons, and the option merge a remote
 * set goes through (tl_testbed_opts_merge). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl/router_req.h"
#include "testbed/config.h"

static json_t *load(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	assert_non_null(j);
	return j;
}

static void test_accepts(void **state)
{
	(void)state;
	struct tl_router_req r;
	struct tl_err err = { 0 };
	json_t *j = load("{\"router\":\"r1\",\"op\":\"status\"}");
	assert_int_equal(tl_router_req_parse(j, &r, &err), 0);
	assert_int_equal(r.op, TL_ROUTER_OP_STATUS);
	assert_string_equal(r.name, "r1");
	assert_int_equal(r.flows, TL_ROUTER_REQ_FLOWS_DEFAULT);
	tl_router_req_free(&r);
	json_decref(j);

	j = load("{\"router\":\"lab-1_a\",\"op\":\"set\",\"options\":{\"rate\":\"5mbit\",\"aqm\":\"codel\"}}");
	assert_int_equal(tl_router_req_parse(j, &r, &err), 0);
	assert_int_equal(r.op, TL_ROUTER_OP_SET);
	assert_string_equal(json_string_value(json_object_get(r.options, "rate")), "5mbit");
	json_decref(j); /* the request keeps its own copy */
	assert_string_equal(json_string_value(json_object_get(r.options, "aqm")), "codel");
	tl_router_req_free(&r);

	j = load("{\"router\":\"r1\",\"op\":\"series\",\"from_ago_ns\":5000000000,\"to_ago_ns\":1}");
	assert_int_equal(tl_router_req_parse(j, &r, &err), 0);
	assert_int_equal(r.from_ago_ns, 5000000000ull);
	assert_int_equal(r.to_ago_ns, 1);
	tl_router_req_free(&r);
	json_decref(j);

	/* a window that began long ago, asked for as one piece of a longer test's */
	j = load("{\"router\":\"r1\",\"op\":\"series\",\"from_ago_ns\":3600000000000,"
		 "\"to_ago_ns\":3000000000000}");
	assert_int_equal(tl_router_req_parse(j, &r, &err), 0);
	assert_int_equal(r.from_ago_ns - r.to_ago_ns, TL_ROUTER_REQ_WINDOW_MAX_NS);
	tl_router_req_free(&r);
	json_decref(j);

	/* list names no router */
	j = load("{\"op\":\"list\"}");
	assert_int_equal(tl_router_req_parse(j, &r, &err), 0);
	assert_int_equal(r.op, TL_ROUTER_OP_LIST);
	assert_string_equal(r.name, "");
	assert_null(r.options);
	assert_string_equal(tl_router_op_name(r.op), "list");
	tl_router_req_free(&r);
	json_decref(j);
}

/* A 25-minute window goes in three pieces of at most 10 minutes, each reaching back one
 * overlap into the one before, and the merge keeps each line once and in order. */
static void test_series_pieces(void **state)
{
	(void)state;
	const uint64_t s = 1000000000ull, from = 1000 * s, to = from + 1500 * s;
	uint64_t a = from, ends[8];
	unsigned n = 0;
	for (;;) {
		uint64_t b = tl_router_series_piece_end(a, to);
		assert_true(b > a && b - a <= TL_ROUTER_REQ_WINDOW_MAX_NS);
		assert_true(n < 8);
		ends[n++] = b;
		if (b >= to)
			break;
		a = b - TL_ROUTER_REQ_PIECE_OVERLAP_NS;
	}
	assert_int_equal(n, 3);
	assert_int_equal(ends[0], from + 600 * s);
	assert_int_equal(ends[1], from + 1199 * s);
	assert_int_equal(ends[2], to);
	assert_int_equal(tl_router_series_piece_end(from, from + 10 * s), from + 10 * s);

	struct tl_err err = { 0 };
	json_t *all = json_array();
	json_t *p1 = load("[{\"t_ns\":100},{\"t_ns\":200},{\"t_ns\":300}]");
	json_t *p2 = load("[{\"t_ns\":200},{\"t_ns\":300},{\"t_ns\":400,\"x\":1}]");
	json_t *bad = load("[{\"t_ns\":500},{\"fwd\":{}}]");
	assert_int_equal(tl_router_series_merge(all, p1, &err), 0);
	assert_int_equal(tl_router_series_merge(all, p2, &err), 0);
	assert_int_equal(json_array_size(all), 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(json_integer_value(json_object_get(json_array_get(all, i), "t_ns")),
				 100 * (i + 1));
	assert_int_equal(json_integer_value(json_object_get(json_array_get(all, 3), "x")), 1);
	/* a damaged piece is refused whole: nothing of it is kept */
	assert_int_equal(tl_router_series_merge(all, bad, &err), -EPROTO);
	assert_non_null(strstr(err.msg, "line 1 has no t_ns"));
	assert_int_equal(json_array_size(all), 4);
	assert_int_equal(tl_router_series_merge(all, json_object_get(bad, "nope"), &err), -EPROTO);
	json_decref(p1);
	json_decref(p2);
	json_decref(bad);
	json_decref(all);
}

static void test_refuses(void **state)
{
	(void)state;
	static const struct {
		const char *body, *must_contain;
	} cases[] = {
		{ "{\"op\":\"status\"}", "router" },
		{ "{\"router\":\"../x\",\"op\":\"status\"}", "no router name" },
		{ "{\"router\":\"\",\"op\":\"status\"}", "no router name" },
		{ "{\"router\":\"abcdefghijklmnopqrstuvwxyz\",\"op\":\"status\"}", "router" },
		{ "{\"router\":\"r1\"}", "op" },
		{ "{\"router\":\"r1\",\"op\":\"reboot\"}", "unknown \"op\" \"reboot\"" },
		{ "{\"router\":\"r1\",\"op\":\"status\",\"flows\":100001}", "flows" },
		{ "{\"router\":\"r1\",\"op\":\"status\",\"flows\":-1}", "flows" },
		{ "{\"router\":\"r1\",\"op\":\"set\"}", "\"options\" is not an object" },
		{ "{\"router\":\"r1\",\"op\":\"set\",\"options\":{\"nosuch\":\"1\"}}", "nosuch" },
		{ "{\"router\":\"r1\",\"op\":\"set\",\"options\":{\"rate\":5}}", "not a string" },
		{ "{\"router\":\"r1\",\"op\":\"series\",\"from_ago_ns\":1}", "to_ago_ns" },
		{ "{\"router\":\"r1\",\"op\":\"series\",\"from_ago_ns\":1,\"to_ago_ns\":2}", "to_ago_ns" },
		{ "{\"router\":\"r1\",\"op\":\"series\",\"from_ago_ns\":600000000001,\"to_ago_ns\":0}",
		  "a window of 600 s is longer than 600 s" },
		{ "{\"router\":\"r1\",\"op\":\"series\",\"from_ago_ns\":86400000000001,\"to_ago_ns\":86399000000000}",
		  "from_ago_ns" },
		{ "{\"router\":\"r1\",\"op\":\"list\"}", "\"router\" does not go with list" },
		{ "{\"router\":\"\",\"op\":\"list\"}", "\"router\" does not go with list" },
		{ "{\"router\":null,\"op\":\"list\"}", "\"router\" does not go with list" },
		{ "{\"op\":\"List\"}", "router" },
		{ "{\"router\":\"r1\",\"op\":\"List\"}", "unknown \"op\" \"List\" (status, set, series, list)" },
		{ "{\"op\":[\"list\"]}", "router" },
		{ "{\"router\":\"r1\",\"op\":7}", "op" },
		{ "[\"list\"]", "not a JSON object" },
		{ "\"list\"", "not a JSON object" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tl_router_req r;
		struct tl_err err = { 0 };
		json_t *j = json_loads(cases[i].body, JSON_DECODE_ANY, NULL);
		assert_non_null(j);
		assert_true(tl_router_req_parse(j, &r, &err) < 0);
		assert_null(r.options);
		if (!strstr(err.msg, cases[i].must_contain))
			fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].body, err.msg, cases[i].must_contain);
		json_decref(j);
	}
}

static void test_round_trip(void **state)
{
	(void)state;
	struct tl_router_req a = { .op = TL_ROUTER_OP_SET, .options = load("{\"rtt\":\"10ms\"}") }, b;
	struct tl_err err = { 0 };
	snprintf(a.name, sizeof(a.name), "r2");
	json_t *j = tl_router_req_json(&a);
	assert_int_equal(tl_router_req_parse(j, &b, &err), 0);
	assert_int_equal(b.op, a.op);
	assert_string_equal(b.name, "r2");
	assert_true(json_equal(a.options, b.options));
	json_decref(j);
	tl_router_req_free(&a);
	tl_router_req_free(&b);

	struct tl_router_req s = { .op = TL_ROUTER_OP_SERIES, .from_ago_ns = 7, .to_ago_ns = 3 };
	snprintf(s.name, sizeof(s.name), "r3");
	j = tl_router_req_json(&s);
	assert_int_equal(tl_router_req_parse(j, &b, &err), 0);
	assert_int_equal(b.from_ago_ns, 7);
	assert_int_equal(b.to_ago_ns, 3);
	json_decref(j);

	/* list: the body is {"op": "list"} and nothing else */
	struct tl_router_req l = { .op = TL_ROUTER_OP_LIST };
	j = tl_router_req_json(&l);
	assert_int_equal(json_object_size(j), 1);
	assert_string_equal(json_string_value(json_object_get(j, "op")), "list");
	assert_int_equal(tl_router_req_parse(j, &b, &err), 0);
	assert_int_equal(b.op, TL_ROUTER_OP_LIST);
	json_decref(j);
}

/* The agent's answer for a router that is not there, read back by the client. */
static void test_answer(void **state)
{
	(void)state;
	char root[64];
	snprintf(root, sizeof(root), "/tmp/tl-rtreq.XXXXXX");
	assert_non_null(mkdtemp(root));
	setenv("TCPLAB_ROUTER_DIR", root, 1);
	struct tl_router_req r = { .op = TL_ROUTER_OP_STATUS, .flows = 1 };
	snprintf(r.name, sizeof(r.name), "absent");
	json_t *ans = tl_router_req_serve(&r), *res = (json_t *)1;
	enum tl_router_reason why = TL_ROUTER_FAILED;
	struct tl_err err = { 0 };
	assert_true(tl_router_answer_read(ans, &res, &why, &err) < 0);
	assert_null(res);
	assert_int_equal(why, TL_ROUTER_NO_ROUTER);
	assert_non_null(strstr(err.msg, "no router absent"));
	json_decref(ans);
	r.op = TL_ROUTER_OP_SERIES;
	ans = tl_router_req_serve(&r);
	assert_true(tl_router_answer_read(ans, &res, &why, &err) < 0);
	assert_int_equal(why, TL_ROUTER_NO_ROUTER);
	json_decref(ans);
	/* list on a root with no router: an empty list, no error */
	r.op = TL_ROUTER_OP_LIST;
	r.name[0] = '\0';
	ans = tl_router_req_serve(&r);
	assert_int_equal(tl_router_answer_read(ans, &res, &why, &err), 0);
	assert_int_equal(json_array_size(json_object_get(res, "routers")), 0);
	assert_string_equal(json_string_value(json_object_get(res, "root")), root);
	json_decref(res);
	json_decref(ans);
	rmdir(root);

	ans = load("{\"result\":{\"ok\":true}}");
	assert_int_equal(tl_router_answer_read(ans, &res, &why, &err), 0);
	assert_true(json_is_true(json_object_get(res, "ok")));
	json_decref(res);
	json_decref(ans);
	ans = load("{\"error\":\"x\",\"reason\":\"made-up\"}");
	assert_true(tl_router_answer_read(ans, &res, &why, &err) < 0);
	assert_int_equal(why, TL_ROUTER_FAILED);
	json_decref(ans);
	ans = load("{}");
	assert_true(tl_router_answer_read(ans, &res, &why, &err) < 0);
	assert_non_null(strstr(err.msg, "neither"));
	json_decref(ans);
}

static void test_opts_merge(void **state)
{
	(void)state;
	json_t *cur = load("{\"rate\":\"100mbit\",\"rtt\":\"20ms\",\"seed\":\"1\",\"senders\":\"1\"}");
	json_t *merged = NULL;
	struct tl_testbed_config *cfg = NULL;
	struct tl_err err = { 0 };
	json_t *given = load("{\"rate\":\"50mbit\"}");
	assert_int_equal(tl_testbed_opts_merge(cur, given, "it starts", &merged, &cfg, &err), 0);
	assert_string_equal(json_string_value(json_object_get(merged, "rate")), "50mbit");
	assert_string_equal(json_string_value(json_object_get(merged, "rtt")), "20ms");
	assert_int_equal(cfg->fwd.rate_bps, 50000000);
	assert_string_equal(json_string_value(json_object_get(cur, "rate")), "100mbit");
	json_decref(given);
	json_decref(merged);
	free(cfg);

	given = load("{\"seed\":\"2\"}"); /* fixed at start */
	assert_int_equal(tl_testbed_opts_merge(cur, given, "it starts", &merged, &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--seed is fixed when it starts"));
	json_decref(given);
	json_decref(merged);
	free(cfg);

	given = load("{\"rate\":7}"); /* from the network: checked before it is read */
	assert_true(tl_testbed_opts_merge(cur, given, "it starts", &merged, &cfg, &err) < 0);
	assert_null(merged);
	json_decref(given);
	json_decref(cur);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_refuses),
		cmocka_unit_test(test_series_pieces),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_opts_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
