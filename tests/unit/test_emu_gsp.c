/*
 * GSP (HPSR 2015, draft-lauten-aqm-gsp): never more than one drop per interval, no drop at
 * or below the threshold, and the adaptive interval following its formula step by step on
 * a scripted trace; on a simulated clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "emu/gsp.h"
#include "emu/qdisc.h"
#include "test_emu_pool.h"

static struct tl_qdisc *make(const char *aqm, uint64_t limit_pkts, struct test_drops *d)
{
	struct tl_qspec s;
	struct tl_err err = { 0 };
	if (tl_qspec_parse("--aqm", aqm, &s, &err) < 0)
		fail_msg("%s: %s", aqm, err.msg);
	s.limit_pkts = limit_pkts;
	s.limit_bytes = 0;
	struct tl_qdisc *q;
	if (tl_qdisc_create(&s, test_drop_cb, d, &q, &err) < 0)
		fail_msg("%s", err.msg);
	return q;
}

/* Arrivals every 50 us, departures every 100 us: a queue that keeps growing for 2 s. */
static void test_one_drop_per_interval(void **state)
{
	(void)state;
	struct test_pool pool;
	struct test_drops d;
	test_pool_init(&pool, 50000);
	test_drops_init(&d, 50000);
	struct tl_qdisc *q = make("gsp:threshold=20p,interval=80ms", 100000, &d);
	for (uint64_t t = 0; t < 2000 * TEST_MS; t += 50 * TEST_US) {
		tl_qdisc_enqueue(q, test_pkt(&pool, 1514, 1), t);
		if (t % (100 * TEST_US) == 0)
			tl_qdisc_dequeue(q, t);
	}
	/* The queue passes 20 packets after about 2 ms and stays above: a drop at once, then
	 * one per 80 ms, so 2000 / 80 = 25 in all. */
	assert_int_equal(d.by_cause[TL_DROP_AQM], 25);
	assert_int_equal(d.by_cause[TL_DROP_QUEUE_FULL], 0);
	for (unsigned i = 1; i < d.n; i++)
		assert_true(d.ev[i].now_ns - d.ev[i - 1].now_ns >= 80 * TEST_MS);
	struct tl_qdisc_info in;
	tl_qdisc_info(q, &in);
	assert_int_equal(in.gsp_drops, 25);
	assert_int_equal(in.min_gap_ns, 80 * TEST_MS);
	assert_int_equal(in.interval_ns, 80 * TEST_MS);
	tl_qdisc_destroy(q, 2000 * TEST_MS);
	test_drops_free(&d);
	test_pool_free(&pool);
}

static void test_no_drop_below_threshold(void **state)
{
	(void)state;
	struct test_pool pool;
	struct test_drops d;
	test_pool_init(&pool, 1000);
	test_drops_init(&d, 1000);
	struct tl_qdisc *q = make("gsp:threshold=10p,interval=10ms", 1000, &d);
	/* Filling up to exactly the threshold: the queue is never above it at an arrival. */
	for (unsigned i = 0; i < 11; i++)
		assert_int_equal(tl_qdisc_enqueue(q, test_pkt(&pool, 1514, 1), i * TEST_MS),
				 TL_DROP_NONE);
	/* Now 11 packets > 10: the next arrival is the drop. */
	assert_int_equal(tl_qdisc_enqueue(q, test_pkt(&pool, 1514, 1), 20 * TEST_MS), TL_DROP_AQM);
	/* Drain to 10 and hold there with one in, one out for a long time: no drop. */
	tl_qdisc_dequeue(q, 21 * TEST_MS);
	for (uint64_t t = 30 * TEST_MS; t < 1000 * TEST_MS; t += TEST_MS) {
		assert_int_equal(tl_qdisc_enqueue(q, test_pkt(&pool, 1514, 1), t), TL_DROP_NONE);
		assert_non_null(tl_qdisc_dequeue(q, t));
	}
	assert_int_equal(d.n, 1);

	/* Delay-based: the oldest packet's age against 5 ms. */
	struct test_drops d2;
	test_drops_init(&d2, 100);
	struct tl_qdisc *q2 = make("gsp:threshold=5ms,interval=100ms", 1000, &d2);
	tl_qdisc_enqueue(q2, test_pkt(&pool, 1514, 1), 0);
	assert_int_equal(tl_qdisc_enqueue(q2, test_pkt(&pool, 1514, 1), 5 * TEST_MS), TL_DROP_NONE);
	assert_int_equal(tl_qdisc_enqueue(q2, test_pkt(&pool, 1514, 1), 5 * TEST_MS + 1),
			 TL_DROP_AQM);
	assert_int_equal(tl_qdisc_enqueue(q2, test_pkt(&pool, 1514, 1), 50 * TEST_MS), TL_DROP_NONE);
	tl_qdisc_destroy(q, TEST_MS * 1000);
	tl_qdisc_destroy(q2, TEST_MS * 1000);
	test_drops_free(&d);
	test_drops_free(&d2);
	test_pool_free(&pool);
}

/*
 * presetInt 100 ms, tau 500 ms, alpha 1.5, maxTime 300 ms. Each row: the arrival time, the
 * state it leaves for the next interval, and cumulTime and the interval after it, by hand:
 *   cumulTime += 1.5 x time above - time below, within [0, 300 ms];
 *   interval = 100 ms / (1 + cumulTime / 500 ms).
 */
static void test_adaptive_formula(void **state)
{
	(void)state;
	struct tl_gsp_params par = { .adaptive = true, .interval_ns = 100 * TEST_MS,
				     .tau_ns = 500 * TEST_MS, .max_time_ns = 300 * TEST_MS,
				     .alpha = 1.5 };
	static const struct {
		double t_ms;
		int above;
		double cumul_ms, interval_ms;
	} trace[] = {
		{ 0, 1, 0, 100 },                 /* the first arrival only starts the clock */
		{ 100, 1, 150, 100 / 1.3 },       /* 100 ms above: + 150 */
		{ 140, 0, 210, 100 / 1.42 },      /* + 1.5 x 40 */
		{ 200, 0, 150, 100 / 1.3 },       /* 60 ms below: - 60 */
		{ 400, 1, 0, 100 },               /* - 200, held at 0 */
		{ 500, 1, 150, 100 / 1.3 },
		{ 700, 1, 300, 100 / 1.6 },       /* 450 held at maxTime 300 */
		{ 710, 0, 300, 100 / 1.6 },
		{ 810, 0, 200, 100 / 1.4 },
	};
	struct tl_gsp_vars v = { 0 };
	tl_gsp_resolve(&v, &par);
	assert_int_equal(v.interval_ns, 100 * TEST_MS);
	for (size_t i = 0; i < sizeof(trace) / sizeof(trace[0]); i++) {
		tl_gsp_adapt(&v, par.alpha, (uint64_t)(trace[i].t_ms * 1e6), trace[i].above);
		if (fabs(v.cumul_ns / 1e6 - trace[i].cumul_ms) > 1e-6 ||
		    fabs((double)v.interval_ns / 1e6 - trace[i].interval_ms) > 1e-5)
			fail_msg("step %zu at %g ms: cumul %g ms interval %g ms, want %g and %g", i,
				 trace[i].t_ms, v.cumul_ns / 1e6, (double)v.interval_ns / 1e6,
				 trace[i].cumul_ms, trace[i].interval_ms);
	}
	/* After an overflow, time below does not count until overflow -> empty -> above. */
	v.ovf = TL_GSP_OVERFLOW;
	tl_gsp_adapt(&v, par.alpha, 910 * TEST_MS, false);
	assert_true(fabs(v.cumul_ns / 1e6 - 200) < 1e-6);
	/* Defaults: tau 5 x presetInt, maxTime 4 x tau. */
	struct tl_gsp_params def = { .interval_ns = 80 * TEST_MS };
	struct tl_gsp_vars w = { 0 };
	tl_gsp_resolve(&w, &def);
	assert_int_equal(w.tau_ns, 400 * TEST_MS);
	assert_int_equal(w.max_ns, 1600 * TEST_MS);
}

/* Adaptive GSP in the discipline: the interval shrinks while the queue stays above. */
static void test_adaptive_in_queue(void **state)
{
	(void)state;
	struct test_pool pool;
	struct test_drops d;
	test_pool_init(&pool, 50000);
	test_drops_init(&d, 50000);
	struct tl_qdisc *q = make("gsp:adaptive,threshold=20p,interval=100ms", 100000, &d);
	for (uint64_t t = 0; t < 2000 * TEST_MS; t += 50 * TEST_US) {
		tl_qdisc_enqueue(q, test_pkt(&pool, 1514, 1), t);
		if (t % (100 * TEST_US) == 0)
			tl_qdisc_dequeue(q, t);
	}
	struct tl_qdisc_info in;
	tl_qdisc_info(q, &in);
	/* About 2 s above with alpha 1.1: cumulTime at maxTime 2 s, interval 100 / 5 ms. */
	assert_int_equal(in.cumul_ns, 2000 * TEST_MS);
	assert_int_equal(in.interval_ns, 20 * TEST_MS);
	/* Each gap is at least the interval in force then, never under the shortest one. */
	for (unsigned i = 1; i < d.n; i++)
		assert_true(d.ev[i].now_ns - d.ev[i - 1].now_ns >= 20 * TEST_MS);
	assert_true(d.n > 25);
	tl_qdisc_destroy(q, 2000 * TEST_MS);
	test_drops_free(&d);
	test_pool_free(&pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_drop_per_interval),
		cmocka_unit_test(test_no_drop_below_threshold),
		cmocka_unit_test(test_adaptive_formula),
		cmocka_unit_test(test_adaptive_in_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
