/* The probe's report from a real loopback run (tests/unit/data/probe_loopback.json, the
 * --json document): the probe part read back into its struct (tl_probe_from_json, as the
 * state file is), the advice computed again from it and this document's limits, and the
 * report written from those structs; a spoilt field is refused with its path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "out/probe_table.h"
#include "result_fixture.h"
#include "util/parse.h"

static uint64_t u64(json_t *doc, const char *const *path)
{
	return (uint64_t)json_integer_value(at(doc, path));
}

static void from_doc(json_t *doc, struct tl_probe_result *p, struct tl_advice_limits *lim,
		     struct tl_advice *a)
{
	struct tl_err err = { 0 };
	if (tl_probe_from_json(at(doc, (const char *[]){ "probe", NULL }), p, &err) < 0)
		fail_msg("%s", err.msg);
	lim->tcp_rmem_max = u64(doc, (const char *[]){ "advice", "limits", "tcp_rmem_max", NULL });
	lim->tcp_wmem_max = u64(doc, (const char *[]){ "advice", "limits", "tcp_wmem_max", NULL });
	lim->rmem_max = u64(doc, (const char *[]){ "advice", "limits", "rmem_max", NULL });
	lim->wmem_max = u64(doc, (const char *[]){ "advice", "limits", "wmem_max", NULL });
	struct tl_advice_input in = { .rate_bps = p->rate_bps, .rtt_ns = p->rtt_min_ns };
	tl_advice_compute(&in, lim, a);
}

__attribute__((noinline)) static char *render(const struct tl_probe_result *p,
					      const struct tl_probe_origin *o,
					      const struct tl_advice *a,
					      const struct tl_advice_limits *lim)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	tl_out_probe(f, p, o);
	tl_out_probe_advice(f, a, lim);
	fclose(f);
	return text;
}

static void expect(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("\"%s\" not in:\n%s", want, text);
}

static void test_loopback_run(void **state)
{
	(void)state;
	json_t *doc = fixture("probe_loopback.json");
	struct tl_probe_result p;
	struct tl_advice_limits lim;
	struct tl_advice a;
	from_doc(doc, &p, &lim, &a);
	/* the advice from the struct is the document's */
	assert_int_equal(a.bdp_bytes, u64(doc, (const char *[]){ "advice", "bdp_bytes", NULL }));
	assert_int_equal(a.window_per_flow, u64(doc, (const char *[]){ "advice", "window_per_flow", NULL }));
	assert_int_equal(a.sndbuf_request, u64(doc, (const char *[]){ "advice", "sndbuf_request", NULL }));
	assert_int_equal(a.flows, u64(doc, (const char *[]){ "advice", "flows", NULL }));

	struct tl_probe_origin o = { .saved = true };
	snprintf(o.state_file, sizeof(o.state_file), "/tmp/state.json");
	char *t = render(&p, &o, &a, &lim);
	char want[256], r[32], s[32];
	snprintf(want, sizeof(want), "probe of 127.0.0.1 port %u, forward (this host sends): measured "
		 "now, remembered in /tmp/state.json\n", p.port);
	assert_int_equal(strncmp(t, want, strlen(want)), 0);
	snprintf(want, sizeof(want), "  rate            %-12s receiver goodput of %u flows, median of %u "
		 "intervals of", tl_fmt_rate((double)p.rate_bps, r, sizeof(r)), p.flows, p.intervals);
	expect(t, want);
	snprintf(want, sizeof(want), "MSS %u)\n", p.mss);
	expect(t, want);
	snprintf(want, sizeof(want), "  limited by      %s %.0f%% of the time", p.limited_by,
		 100.0 * p.limited_share);
	expect(t, want);
	snprintf(want, sizeof(want), "(%llu segments)\n", (unsigned long long)p.retransmits);
	expect(t, want);
	snprintf(want, sizeof(want), "  BDP             %s = rate x min RTT / 8\n",
		 tl_fmt_size((double)a.bdp_bytes, s, sizeof(s)));
	expect(t, want);
	snprintf(want, sizeof(want), "  SO_SNDBUF       %-10llu at the sender", (unsigned long long)a.sndbuf_request);
	expect(t, want);
	assert_null(strstr(t, "NOT CONSISTENT"));
	free(t);
	json_decref(doc);
}

/* The same path as if remembered, inconsistent, app-limited, on a host with small limits. */
static void test_other_branches(void **state)
{
	(void)state;
	json_t *doc = fixture("probe_loopback.json");
	struct tl_probe_result p;
	struct tl_advice_limits lim;
	struct tl_advice a;
	from_doc(doc, &p, &lim, &a);
	p.consistent = false;
	p.attempts = 2;
	snprintf(p.inconsistency, sizeof(p.inconsistency), "the intervals disagree");
	snprintf(p.limited_by, sizeof(p.limited_by), "app");
	p.rate_lower_bound = true;
	lim.rmem_max = lim.wmem_max = 212992;
	lim.tcp_rmem_max = lim.tcp_wmem_max = 65536;
	p.rtt_min_ns = 50000000; /* 50 ms: a window the limits cannot give */
	struct tl_advice_input in = { .rate_bps = p.rate_bps, .rtt_ns = p.rtt_min_ns, .flows = 1 };
	tl_advice_compute(&in, &lim, &a);
	struct tl_probe_origin o = { .from_cache = true, .age_s = 42 };
	snprintf(o.state_file, sizeof(o.state_file), "/tmp/state.json");
	char *t = render(&p, &o, &a, &lim);
	expect(t, ": remembered from 42 s ago in /tmp/state.json (--fresh measures again)\n");
	expect(t, "  NOT CONSISTENT  the intervals disagree (measured 2 times; not remembered)\n");
	expect(t, "(the sender's queue ran empty: CPU or the application)");
	expect(t, "a less loaded host, or more flows (-P) on more cores, measures more");
	expect(t, "  with SO_*BUF    NOT allowed at 1 flow:");
	expect(t, "sysctl -w net.core.rmem_max=");
	expect(t, "  autotuning      NOT enough at 1 flow:");
	assert_null(strstr(t, "as autotuning is enough here"));
	free(t);
	json_decref(doc);
}

/* One field of the probe part spoilt: refused, naming the object and the field. */
static void expect_refused(const char *object, const char *key, json_t *value, const char *named)
{
	json_t *doc = fixture("probe_loopback.json");
	json_t *probe = at(doc, (const char *[]){ "probe", NULL });
	json_t *o = object ? json_object_get(probe, object) : probe;
	if (value)
		json_object_set_new(o, key, value);
	else
		assert_int_equal(json_object_del(o, key), 0);
	struct tl_probe_result p;
	struct tl_err err = { 0 };
	assert_true(tl_probe_from_json(probe, &p, &err) < 0);
	if (!strstr(err.msg, named))
		fail_msg("\"%s\" does not name %s", err.msg, named);
	json_decref(doc);
}

static void test_spoilt_fields(void **state)
{
	(void)state;
	expect_refused("rtt", "min_ns", NULL, "rtt: field \"min_ns\" is missing");
	expect_refused("rtt", "loaded_ns", json_string("1 ms"), "rtt: field \"loaded_ns\"");
	expect_refused("rate", "flows", json_integer(0), "rate: field \"flows\" = 0 is out of range");
	expect_refused("rate", "limited_by", json_integer(3), "rate: field \"limited_by\"");
	expect_refused("rate", "consistent", json_string("yes"), "rate: field \"consistent\"");
	expect_refused("loss", "bytes_sent", json_real(1.5), "loss: field \"bytes_sent\"");
	expect_refused(NULL, "port", json_integer(70000), "probe result: field \"port\"");
	expect_refused(NULL, "host", NULL, "probe result: field \"host\" is missing");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback_run),
		cmocka_unit_test(test_other_branches),
		cmocka_unit_test(test_spoilt_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
