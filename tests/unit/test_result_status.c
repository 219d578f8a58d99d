/* The testbed status and router status decoders on real documents (a testbed of two senders
 * with 10 and 30 ms under DualPI2, PPV and GSP; a router under DualPI2 with --flows 2): every
 * figure the tables show comes out as the document has it, a missing or mistyped field is an
 * error naming its path, and the tables say the delay is one-way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "out/render.h"
#include "result/status.h"
#include "result_fixture.h"

#define P(...) ((const char *const[]){ __VA_ARGS__, NULL })

static uint64_t u64_at(json_t *doc, const char *const *path)
{
	return (uint64_t)json_integer_value(at(doc, path));
}

static char *render_testbed(const struct tl_testbed_status *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	tl_status_table_testbed(f, s);
	fclose(f);
	return buf;
}

static void test_testbed_dualpi2(void **state)
{
	(void)state;
	json_t *doc = fixture("testbed_status_dualpi2.json");
	struct tl_testbed_status s;
	struct tl_err err = { 0 };
	assert_int_equal(tl_testbed_status_decode(doc, &s, &err), 0);
	assert_true(s.running);
	assert_string_equal(s.name, json_string_value(at(doc, P("name"))));
	assert_int_equal(s.nhosts, json_array_size(at(doc, P("hosts"))));
	assert_string_equal(s.hosts[1].addr, json_string_value(at(doc, P("hosts", "1", "addr"))));
	const struct tl_fwd_status *f = &s.fwd;
	assert_int_equal(f->pid, u64_at(doc, P("pid")));
	assert_int_equal(f->fwd.rate_bps, u64_at(doc, P("fwd", "rate_bps")));
	assert_int_equal(f->fwd.delay_ns, u64_at(doc, P("fwd", "delay_ns")));
	assert_int_equal(f->rev.limit_bytes, u64_at(doc, P("rev", "queue", "limit_bytes")));
	assert_int_equal(f->fwd.pkts_in, u64_at(doc, P("fwd", "stats", "pkts_in")));
	assert_true(f->fwd.pkts_in > 0);
	assert_string_equal(f->fwd.aqm, "dualpi2");
	assert_int_equal(f->fwd.qdisc.kind, TL_TB_AQM_DUALPI2);
	assert_int_equal((uint64_t)f->fwd.qdisc.classic_pkts,
			 u64_at(doc, P("fwd", "qdisc", "classic", "pkts")));
	assert_int_equal(f->fwd.nflows, json_array_size(at(doc, P("fwd", "flows"))));
	assert_string_equal(f->fwd.flows[0].src, json_string_value(at(doc, P("fwd", "flows", "0", "src"))));
	assert_int_equal(f->naccess, 2);
	assert_int_equal(f->access[1].rtt_ns, u64_at(doc, P("access", "1", "rtt_ns")));
	assert_int_equal(f->forwarder.pool_size, u64_at(doc, P("forwarder", "pool_size")));
	assert_true(f->forwarder.has_cpu_wait);
	assert_string_equal(f->forwarder.standby_state,
			    json_string_value(at(doc, P("forwarder", "standby", "state"))));

	char *t = render_testbed(&s);
	assert_non_null(strstr(t, "1-WAY DLY"));
	/* 5 ms each way for the 10 ms sender; the 30 ms one has a delay line of its own */
	assert_non_null(strstr(t, "delay 5 ms each way (RTT 10 ms before queueing; a sender with "
			       "a larger RTT adds its own delay line, below)"));
	assert_non_null(strstr(t, "snd->rcv dualpi2: p' "));
	assert_non_null(strstr(t, "  snd2: RTT 30 ms (own delay line 10000000 + 10000000 ns)"));
	assert_non_null(strstr(t, "flows snd->rcv (largest first)"));
	free(t);
	tl_testbed_status_free(&s);
	json_decref(doc);
}

static void test_testbed_ppv_gsp(void **state)
{
	(void)state;
	json_t *doc = fixture("testbed_status_ppv.json");
	struct tl_testbed_status s;
	struct tl_err err = { 0 };
	assert_int_equal(tl_testbed_status_decode(doc, &s, &err), 0);
	const struct tl_tb_aqm *q = &s.fwd.fwd.qdisc;
	assert_int_equal(q->kind, TL_TB_AQM_PPV);
	assert_int_equal(q->nclasses, json_array_size(at(doc, P("fwd", "qdisc", "classes"))));
	assert_string_equal(q->classes[0].name,
			    json_string_value(at(doc, P("fwd", "qdisc", "classes", "0", "class"))));
	char *t = render_testbed(&s);
	char want[128];
	snprintf(want, sizeof(want), "shares: %s 100.0%% (0 drops)", q->classes[0].name);
	assert_non_null(strstr(t, want));
	free(t);
	tl_testbed_status_free(&s);
	json_decref(doc);

	doc = fixture("testbed_status_gsp.json");
	assert_int_equal(tl_testbed_status_decode(doc, &s, &err), 0);
	q = &s.fwd.rev.qdisc;
	assert_int_equal(q->kind, TL_TB_AQM_GSP);
	assert_int_equal((uint64_t)q->interval_ns, u64_at(doc, P("rev", "qdisc", "interval_ns")));
	t = render_testbed(&s);
	assert_non_null(strstr(t, "rcv->snd gsp: interval "));
	free(t);
	tl_testbed_status_free(&s);
	json_decref(doc);
}

/* A testbed whose forwarder is not running: only its state, and the table says so. */
static void test_testbed_stopped(void **state)
{
	(void)state;
	json_t *doc = fixture("testbed_status_dualpi2.json");
	json_object_set_new(doc, "running", json_false());
	json_object_del(doc, "fwd");
	struct tl_testbed_status s;
	struct tl_err err = { 0 };
	assert_int_equal(tl_testbed_status_decode(doc, &s, &err), 0);
	assert_false(s.running);
	char *t = render_testbed(&s);
	assert_non_null(strstr(t, "forwarder not running (phase up;"));
	assert_non_null(strstr(t, s.hosts[0].netns));
	free(t);
	tl_testbed_status_free(&s);
	json_decref(doc);
}

static void test_router(void **state)
{
	(void)state;
	json_t *doc = fixture("router_status.json");
	struct tl_router_status s;
	struct tl_err err = { 0 };
	assert_int_equal(tl_router_status_decode(doc, &s, &err), 0);
	assert_string_equal(s.in, json_string_value(at(doc, P("router", "in", "name"))));
	assert_string_equal(s.out, json_string_value(at(doc, P("router", "out", "name"))));
	assert_int_equal(s.fwd.forwarder.late_p99_ns, u64_at(doc, P("forwarder", "late_ns", "p99")));
	assert_int_equal(s.fwd.rev.nflows, 2);
	assert_int_equal(s.fwd.naccess, 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	tl_status_table_router(f, &s);
	fclose(f);
	assert_non_null(strstr(buf, "1-WAY DLY"));
	assert_null(strstr(buf, " DELAY "));
	assert_non_null(strstr(buf, "delay 5 ms each way (RTT 10 ms before queueing)\n"));
	free(buf);
	tl_router_status_free(&s);
	json_decref(doc);
}

/* Replaces (value) or removes (NULL) the field at path. */
static void edit(json_t *doc, const char *const *path, json_t *value)
{
	size_t n = 0;
	while (path[n + 1])
		n++;
	const char *last = path[n];
	json_t *parent = doc;
	for (size_t i = 0; i < n; i++)
		parent = json_is_array(parent) ? json_array_get(parent, (size_t)atoi(path[i]))
					       : json_object_get(parent, path[i]);
	assert_non_null(parent);
	if (value)
		json_object_set_new(parent, last, value);
	else
		assert_int_equal(json_object_del(parent, last), 0);
}

static const struct {
	const char *file;
	const char *const *path;
	int mistype;        /* a string where a number is, or a number where a string is */
	const char *named;  /* the path the error names */
} bad[] = {
	{ "testbed_status_dualpi2.json", P("fwd", "stats", "pkts_in"), 0, "fwd.stats.pkts_in" },
	{ "testbed_status_dualpi2.json", P("rev", "qdelay_ns", "p99"), 1, "rev.qdelay_ns.p99" },
	{ "testbed_status_dualpi2.json", P("fwd", "queue", "aqm"), 1, "fwd.queue.aqm" },
	{ "testbed_status_dualpi2.json", P("fwd", "qdisc", "classic", "drops"), 0,
	  "fwd.qdisc.classic.drops" },
	{ "testbed_status_dualpi2.json", P("fwd", "flows", "1", "src"), 1, "fwd.flows[1].src" },
	{ "testbed_status_dualpi2.json", P("access", "1", "rtt_ns"), 1, "access[1].rtt_ns" },
	{ "testbed_status_dualpi2.json", P("ports", "2", "rx_kernel_drops"), 0,
	  "ports[2].rx_kernel_drops" },
	{ "testbed_status_dualpi2.json", P("forwarder", "pool_free"), 1, "forwarder.pool_free" },
	/* optional, but of its type when there */
	{ "testbed_status_dualpi2.json", P("forwarder", "cpu_wait_s"), 1, "forwarder.cpu_wait_s" },
	{ "testbed_status_dualpi2.json", P("forwarder", "standby", "running"), 1,
	  "forwarder.standby.running" },
	{ "testbed_status_dualpi2.json", P("hosts", "0", "addr"), 0, "hosts[0].addr" },
	{ "testbed_status_dualpi2.json", P("running"), 1, "running" },
	{ "testbed_status_ppv.json", P("rev", "qdisc", "classes", "0", "share"), 1,
	  "rev.qdisc.classes[0].share" },
	{ "testbed_status_gsp.json", P("fwd", "qdisc", "signals"), 0, "fwd.qdisc.signals" },
	{ "router_status.json", P("router", "in", "name"), 0, "router.in.name" },
	{ "router_status.json", P("forwarder", "late_ns", "p50"), 1, "forwarder.late_ns.p50" },
	{ "router_status.json", P("uptime_ns"), 1, "uptime_ns" },
};

static void test_missing_and_mistyped(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *doc = fixture(bad[i].file);
		json_t *was = at(doc, bad[i].path);
		edit(doc, bad[i].path, !bad[i].mistype ? NULL
				       : json_is_string(was) ? json_integer(7) : json_string("7"));
		struct tl_err err = { 0 };
		int rc;
		if (strncmp(bad[i].file, "router", 6) == 0) {
			struct tl_router_status s;
			rc = tl_router_status_decode(doc, &s, &err);
		} else {
			struct tl_testbed_status s;
			rc = tl_testbed_status_decode(doc, &s, &err);
		}
		char want[128];
		snprintf(want, sizeof(want), "result document: %s: ", bad[i].named);
		if (rc != -1 || !strstr(err.msg, want))
			fail_msg("%s %s %s: rc %d, \"%s\"", bad[i].file, bad[i].named,
				 bad[i].mistype ? "mistyped" : "missing", rc, err.msg);
		json_decref(doc);
	}
}

/* The optional fields may be absent: the table leaves their part out. */
static void test_optional_absent(void **state)
{
	(void)state;
	json_t *doc = fixture("testbed_status_dualpi2.json");
	edit(doc, P("forwarder", "cpu_wait_s"), NULL);
	edit(doc, P("forwarder", "standby"), NULL);
	struct tl_testbed_status s;
	struct tl_err err = { 0 };
	assert_int_equal(tl_testbed_status_decode(doc, &s, &err), 0);
	assert_false(s.fwd.forwarder.has_cpu_wait);
	assert_null(s.fwd.forwarder.standby_state);
	char *t = render_testbed(&s);
	assert_null(strstr(t, "for a CPU"));
	assert_null(strstr(t, "standby"));
	free(t);
	tl_testbed_status_free(&s);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_testbed_dualpi2),
		cmocka_unit_test(test_testbed_ppv_gsp),
		cmocka_unit_test(test_testbed_stopped),
		cmocka_unit_test(test_router),
		cmocka_unit_test(test_missing_and_mistyped),
		cmocka_unit_test(test_optional_absent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
