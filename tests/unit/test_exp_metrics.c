/* Per-run metrics on known rows: goodput, utilisation, Jain, cc and RTT shares and ratios,
 * the weighted queue-delay percentiles and the probe's percentiles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "exp/result.h"

#define assert_close(got, want)                                                          \
	do {                                                                             \
		double g_ = (got), w_ = (want);                                          \
		if (!(fabs(g_ - w_) <= 1e-12 * fabs(w_) + 1e-12))                        \
			fail_msg("%s = %.17g, want %.17g", #got, g_, w_);                \
	} while (0)

static struct tl_exp_point point(void)
{
	struct tl_exp_point p;
	memset(&p, 0, sizeof(p));
	p.rate_bps = 100000000;
	p.senders = 2;
	p.rtt_ns[0] = 10000000;
	p.rtt_ns[1] = 100000000;
	p.ncc = 2;
	strcpy(p.cc_name[0], "cubic");
	strcpy(p.cc_name[1], "bbr");
	p.flows = 2;
	return p;
}

static void test_flows(void **state)
{
	(void)state;
	struct tl_exp_point p = point();
	struct tl_exp_flow f[4] = {
		{ .flow = 0, .sender = 1, .cc = "cubic", .rtt_ms = 10, .bps = 30e6, .retransmits = 3 },
		{ .flow = 1, .sender = 1, .cc = "bbr", .rtt_ms = 10, .bps = 40e6, .retransmits = 4 },
		{ .flow = 2, .sender = 2, .cc = "cubic", .rtt_ms = 100, .bps = 10e6, .retransmits = 5 },
		{ .flow = 3, .sender = 2, .cc = "bbr", .rtt_ms = 100, .bps = 10e6, .retransmits = 6 },
	};
	struct tl_exp_run r;
	memset(&r, 0, sizeof(r));
	r.flows = f;
	r.nflows = 4;
	tl_exp_metrics_compute(&r, &p);
	assert_close(r.m.goodput_bps, 90e6);
	assert_close(r.m.utilisation, 90e6 / (100e6 * 1448.0 / 1514.0));
	assert_close(r.m.jain, 90e6 * 90e6 / (4 * (9e14 + 16e14 + 1e14 + 1e14)));
	assert_close(r.m.cc_share, 40.0 / 90.0);
	assert_close(r.m.cc_ratio, 40.0 / 50.0);
	assert_close(r.m.rtt_ratio, 70.0 / 20.0);
	assert_int_equal(r.m.retransmits, 18);
	assert_int_equal(r.ngroups, 4);
	assert_string_equal(r.groups[0].name, "cubic");
	assert_string_equal(r.groups[2].name, "10ms");
	assert_string_equal(r.groups[3].name, "100ms");
	assert_int_equal(r.groups[3].flows, 2);
	/* nothing from the queue or a probe */
	assert_true(isnan(r.m.qdelay_p50_ms) && isnan(r.m.latency_p99_ms));
}

static void test_queue_and_probe(void **state)
{
	(void)state;
	struct tl_exp_point p = point();
	p.ncc = 1;
	p.senders = 1;
	struct tl_exp_qsample q[3] = {
		{ .t_s = 0.1, .sojourn_p50_ms = 5, .sojourn_p99_ms = 9, .samples = 100, .drops = 1 },
		{ .t_s = 0.2, .sojourn_p50_ms = 1, .sojourn_p99_ms = 2, .samples = 10, .drops = 4 },
		{ .t_s = 0.3, .sojourn_p50_ms = 7, .sojourn_p99_ms = 30, .samples = 1, .drops = 6,
		  .marks = 2 },
	};
	struct tl_exp_lbucket l[3] = { { 10, 10, 49 }, { 20, 21, 50 }, { 1000000, 1007000, 1 } };
	struct tl_exp_run r;
	memset(&r, 0, sizeof(r));
	r.queue = q;
	r.nqueue = 3;
	r.latency = l;
	r.nlatency = 3;
	tl_exp_metrics_compute(&r, &p);
	/* weighted: 1 ms holds 10 of 111 samples, 5 ms reaches 110 of 111 */
	assert_close(r.m.qdelay_p50_ms, 5);
	assert_close(r.m.qdelay_p99_ms, 9);
	assert_int_equal(r.m.drops, 6);
	assert_int_equal(r.m.marks, 2);
	/* 100 samples: the 50th is in [20, 21] (its upper bound), the 99th as well */
	assert_close(r.m.latency_p50_ms, 21e-6);
	assert_close(r.m.latency_p99_ms, 21e-6);
	l[1].count = 48; /* now the 99th of 98 falls in the last bucket */
	tl_exp_metrics_compute(&r, &p);
	assert_close(r.m.latency_p99_ms, 1.007);
	assert_true(isnan(r.m.cc_ratio) && isnan(r.m.rtt_ratio));
	double v[] = { 3, 1, 2 };
	assert_close(tl_exp_wpercentile(v, NULL, 3, 50), 2);
	assert_close(tl_exp_wpercentile(v, NULL, 3, 100), 3);
	assert_true(isnan(tl_exp_wpercentile(v, NULL, 0, 50)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flows),
		cmocka_unit_test(test_queue_and_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
