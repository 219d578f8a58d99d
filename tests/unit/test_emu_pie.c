/*
 * PIE (RFC 8033): the probability update with its gain tiers and 2% cap, the decay, the
 * under-target case (no unsigned wrap-around, the DPDK-style bug), and the 150 ms burst
 * allowance, on a simulated clock. Vectors from emulation-anchors.md section 2.3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "emu/pie.h"
#include "emu/qdisc.h"
#include "test_emu_pool.h"

static struct tl_pie_params defaults(void)
{
	struct tl_qspec s;
	tl_qspec_default(&s, TL_QDISC_PIE);
	return s.pie;
}

static double step(double drop_prob, double old_ms, double cur_ms)
{
	struct tl_pie_params par = defaults();
	struct tl_pie_vars v = { .drop_prob = drop_prob,
				 .qdelay_old_ns = (uint64_t)llround(old_ms * 1e6) };
	tl_pie_update(&v, &par, (uint64_t)llround(cur_ms * 1e6));
	return v.drop_prob;
}

static void test_anchor_vector(void **state)
{
	(void)state;
	/* REF 15, cur 25, old 20, p 0.005: 0.00125 + 0.00625 = 0.0075, /8 -> 0.0059375. */
	assert_true(fabs(step(0.005, 20, 25) - 0.0059375) < 1e-12);
}

static void test_gain_tiers_and_cap(void **state)
{
	(void)state;
	/* cur 20, old 15: raw p = 0.125 x 0.005 + 1.25 x 0.005 = 0.006875. */
	static const struct { double prob, divisor; } tiers[] = {
		{ 5e-7, 2048 }, { 5e-6, 512 }, { 5e-5, 128 }, { 5e-4, 32 },
		{ 5e-3, 8 }, { 5e-2, 2 }, { 0.5, 1 },
	};
	for (size_t i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++) {
		double got = step(tiers[i].prob, 15, 20) - tiers[i].prob;
		assert_true(fabs(got - 0.006875 / tiers[i].divisor) < 1e-15);
		assert_true(tl_pie_tier(tiers[i].prob) == tiers[i].divisor);
	}
	/* Tier edges: 1e-6 is already in the /512 tier, 0.1 in the /1 tier. */
	assert_true(tl_pie_tier(0.000001) == 512);
	assert_true(tl_pie_tier(0.1) == 1);
	/* Section 5.5: at drop_prob >= 0.1 a step above 2% is capped to 2%: raw 0.116875. */
	assert_true(fabs(step(0.2, 15, 100) - 0.22) < 1e-12);
	/* Below 0.1 no cap: raw 0.116875 / 2. */
	assert_true(fabs(step(0.05, 15, 100) - (0.05 + 0.116875 / 2)) < 1e-12);
	/* Clamped to 1. */
	assert_true(step(0.99, 15, 500) == 1.0);
}

static void test_below_target_decreases_without_wraparound(void **state)
{
	(void)state;
	/* cur 5 < REF 15 and falling from 10: p = -0.00125 - 0.00625 = -0.0075, /2. An
	 * unsigned (cur - REF) would wrap to about 1.8e19 ns and push drop_prob to 1. */
	assert_true(fabs(step(0.05, 10, 5) - 0.04625) < 1e-12);
	/* Small probabilities go to exactly 0, never negative. */
	assert_true(step(0.0001, 10, 0) == 0.0);
	/* Idle (cur = old = 0): p = -0.001875 and the 0.98 decay. */
	assert_true(fabs(step(0.5, 0, 0) - (0.5 - 0.001875) * 0.98) < 1e-12);
	/* Equal delays at the target change nothing. */
	assert_true(fabs(step(0.3, 15, 15) - 0.3) < 1e-15);
}

static void test_burst_allowance_rules(void **state)
{
	(void)state;
	struct tl_pie_params par = defaults();
	struct tl_pie_vars v = { .burst_ns = par.max_burst_ns };
	/* Under congestion it runs down by T_UPDATE per update, stopping at 0. */
	for (int i = 1; i <= 12; i++) {
		tl_pie_update(&v, &par, 40 * TEST_MS);
		uint64_t want = i < 10 ? par.max_burst_ns - (uint64_t)i * par.tupdate_ns : 0;
		assert_int_equal(v.burst_ns, want);
	}
	/* Re-armed only once drop_prob is 0 and both delay samples are under REF/2. */
	assert_true(v.drop_prob > 0);
	for (int i = 0; i < 2000 && v.drop_prob > 0; i++)
		tl_pie_update(&v, &par, 0);
	assert_true(v.drop_prob == 0);
	tl_pie_update(&v, &par, 0);
	assert_int_equal(v.burst_ns, par.max_burst_ns);
}

/* The discipline end to end: a burst into an idle queue, served slower than it arrives. */
static void test_burst_passes_for_150ms_then_drops(void **state)
{
	(void)state;
	struct test_pool pool;
	struct test_drops drops;
	struct tl_qdisc *q;
	struct tl_qspec spec;
	struct tl_err err = { 0 };
	tl_qspec_default(&spec, TL_QDISC_PIE);
	spec.limit_pkts = 0;
	spec.seed = 42;
	test_pool_init(&pool, 200000);
	test_drops_init(&drops, 200000);
	assert_int_equal(tl_qdisc_create(&spec, test_drop_cb, &drops, &q, &err), 0);

	/* 1 s idle but ticking, so the controller has started and re-armed. */
	uint64_t now = 0;
	for (; now < 1000 * TEST_MS; now += TEST_MS) {
		tl_qdisc_enqueue(q, test_pkt(&pool, 1514, 1), now);
		assert_non_null(tl_qdisc_dequeue(q, now));
	}
	struct tl_qdisc_info info;
	tl_qdisc_info(q, &info);
	assert_int_equal(info.burst_ns, 150 * TEST_MS);
	assert_true(info.prob == 0);

	/* From T: two arrivals per 100 us, one departure: the queue and its delay grow. The
	 * allowance runs down one T_UPDATE per update from the first update after T (which
	 * may be up to T_UPDATE after T), so the burst is safe for 135 to 150 ms. */
	uint64_t T = now;
	uint64_t first_drop = 0;
	double last_prob = 0;
	for (; now < T + 600 * TEST_MS; now += 100 * TEST_US) {
		unsigned before = drops.n;
		for (int i = 0; i < 2; i++)
			tl_qdisc_enqueue(q, test_pkt(&pool, 1514, 1), now);
		tl_qdisc_dequeue(q, now);
		tl_qdisc_info(q, &info);
		if (drops.n > before)
			assert_int_equal(info.burst_ns, 0); /* no drop while allowance is left */
		if (drops.n && !first_drop)
			first_drop = drops.ev[0].now_ns;
		assert_true(info.prob >= 0 && info.prob <= 1);
		last_prob = info.prob;
	}
	assert_true(first_drop != 0);
	assert_true(first_drop >= T + 135 * TEST_MS);
	assert_true(first_drop <= T + 250 * TEST_MS);
	assert_int_equal(drops.by_cause[TL_DROP_AQM], drops.n);
	assert_true(last_prob > 0.05);

	/* Then the overload stops and the queue drains: below target, drop_prob falls. */
	double before = last_prob;
	for (; now < T + 5000 * TEST_MS; now += 100 * TEST_US) {
		if ((now / (100 * TEST_US)) % 4 == 0)
			tl_qdisc_enqueue(q, test_pkt(&pool, 1514, 1), now);
		tl_qdisc_dequeue(q, now);
	}
	tl_qdisc_info(q, &info);
	assert_true(info.prob < before);
	assert_true(info.prob >= 0);
	assert_true(info.qdelay_ns < 15 * TEST_MS);
	tl_qdisc_destroy(q, now);
	test_pool_free(&pool);
	test_drops_free(&drops);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anchor_vector),
		cmocka_unit_test(test_gain_tiers_and_cap),
		cmocka_unit_test(test_below_target_decreases_without_wraparound),
		cmocka_unit_test(test_burst_allowance_rules),
		cmocka_unit_test(test_burst_passes_for_150ms_then_drops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
