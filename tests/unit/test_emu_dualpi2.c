/*
 * DualPI2 (RFC 9332): the coupling p_CL = k sqrt(p_C), classification by the ECN codepoint,
 * the step threshold, the PI update and the time-shifted FIFO; on a simulated clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "emu/dualpi2.h"
#include "emu/qdisc.h"
#include "test_emu_pool.h"

static struct tl_qdisc *make(const char *aqm, struct test_drops *d)
{
	struct tl_qspec s;
	struct tl_err err = { 0 };
	if (tl_qspec_parse("--aqm", aqm, &s, &err) < 0)
		fail_msg("%s: %s", aqm, err.msg);
	struct tl_qdisc *q;
	if (tl_qdisc_create(&s, test_drop_cb, d, &q, &err) < 0)
		fail_msg("%s", err.msg);
	return q;
}

static void test_coupling_shape(void **state)
{
	(void)state;
	for (double p = 0; p <= 1.0; p += 0.01) {
		double pc = tl_dualpi2_p_classic(p), pcl = tl_dualpi2_p_coupled(p, 2);
		assert_true(fabs(pc - p * p) < 1e-15);
		if (2 * p < 1)
			assert_true(fabs(pcl - 2 * sqrt(pc)) < 1e-12);
		else
			assert_true(pcl == 1); /* saturated */
	}
	assert_true(fabs(tl_dualpi2_p_coupled(0.1, 1.5) - 0.15) < 1e-15);
}

static void test_pi_update(void **state)
{
	(void)state;
	struct tl_qspec s;
	tl_qspec_default(&s, TL_QDISC_DUALPI2);
	/* The gains apply once per update, as Figure 2 defines them (alpha = 0.1 x Tupdate /
	 * RTT_max^2 holds Tupdate) and Figure 6 line 3 uses them [RFC9332] Appendix A.1:
	 * p 0.01, 25 ms now, 20 ms before: + 0.16 x 0.010 + 3.2 x 0.005 = 0.0176 (scaled by
	 * Tupdate once more, the 62.5 times too slow integral, it would be 0.0002816). */
	struct tl_dualpi2_vars v = { .p = 0.01, .prev_qdelay_ns = 20 * TEST_MS };
	tl_dualpi2_update(&v, &s.dualpi2, 25 * TEST_MS);
	assert_true(fabs(v.p - 0.0276) < 1e-12);
	assert_int_equal(v.prev_qdelay_ns, 25 * TEST_MS);
	/* Below target and falling from 25 to 5 ms: - (0.16 x 0.010 + 3.2 x 0.020) = -0.0656,
	 * clamped at 0. */
	tl_dualpi2_update(&v, &s.dualpi2, 5 * TEST_MS);
	assert_true(v.p == 0);
	/* From 5 to 10 ms, still under the target: + 0.16 x -0.005 + 3.2 x 0.005 = 0.0152. */
	tl_dualpi2_update(&v, &s.dualpi2, 10 * TEST_MS);
	assert_true(fabs(v.p - 0.0152) < 1e-12);
	/* And never below 0. */
	v.p = 0.0001;
	tl_dualpi2_update(&v, &s.dualpi2, 0);
	assert_true(v.p == 0);
}

static void test_classify_by_ecn(void **state)
{
	(void)state;
	struct tl_pkt p = { 0 };
	static const bool want[4] = { false, true, false, true }; /* not-ECT, ECT(1), ECT(0), CE */
	for (uint8_t e = 0; e < 4; e++) {
		p.ecn = e;
		assert_int_equal(tl_dualpi2_is_l4s(&p), want[e]);
	}
	struct test_pool pool;
	struct test_drops d;
	test_pool_init(&pool, 16);
	test_drops_init(&d, 16);
	struct tl_qdisc *q = make("dualpi2", &d);
	for (uint8_t e = 0; e < 4; e++) {
		struct tl_pkt *k = test_pkt(&pool, 1000 + e, 1);
		k->ecn = e;
		k->ecn_capable = e != 0;
		assert_int_equal(tl_qdisc_enqueue(q, k, 0), TL_DROP_NONE);
	}
	struct tl_qdisc_info in;
	tl_qdisc_info(q, &in);
	assert_int_equal(in.l_pkts, 2);
	assert_int_equal(in.c_pkts, 2);
	assert_int_equal(in.l_bytes, 1001 + 1003);
	assert_int_equal(in.c_bytes, 1000 + 1002);
	tl_qdisc_destroy(q, 0);
	test_drops_free(&d);
	test_pool_free(&pool);
}

static void test_step_threshold(void **state)
{
	(void)state;
	struct tl_qspec s;
	tl_qspec_default(&s, TL_QDISC_DUALPI2);
	assert_true(tl_dualpi2_p_l4s(&s.dualpi2, 0, TEST_MS - 1) == 0);
	assert_true(tl_dualpi2_p_l4s(&s.dualpi2, 0, TEST_MS) == 1);
	assert_true(fabs(tl_dualpi2_p_l4s(&s.dualpi2, 0.1, 0) - 0.2) < 1e-15);
	/* In the queue: with p' = 0, an L4S packet is marked iff it waited 1 ms or more. */
	struct test_pool pool;
	struct test_drops d;
	test_pool_init(&pool, 16);
	test_drops_init(&d, 16);
	struct tl_qdisc *q = make("dualpi2", &d);
	struct tl_pkt *a = test_pkt(&pool, 1514, 1), *b = test_pkt(&pool, 1514, 1);
	a->ecn = b->ecn = 1;
	a->ecn_capable = b->ecn_capable = true;
	tl_qdisc_enqueue(q, a, 0);
	tl_qdisc_enqueue(q, b, 500 * TEST_US);
	assert_ptr_equal(tl_qdisc_dequeue(q, TEST_MS - 1), a);
	assert_false(a->ce_marked);
	assert_ptr_equal(tl_qdisc_dequeue(q, 1500 * TEST_US), b);
	assert_true(b->ce_marked);
	struct tl_qdisc_info in;
	tl_qdisc_info(q, &in);
	assert_int_equal(in.l_step_marks, 1);
	assert_int_equal(in.l_out, 2);
	assert_int_equal(in.l_sojourn_ns, TEST_MS - 1 + TEST_MS); /* 0.999999 ms + 1 ms */
	tl_qdisc_destroy(q, 2 * TEST_MS);
	test_drops_free(&d);
	test_pool_free(&pool);
}

static void test_time_shifted_fifo(void **state)
{
	(void)state;
	struct test_pool pool;
	struct test_drops d;
	test_pool_init(&pool, 16);
	test_drops_init(&d, 16);
	struct tl_qdisc *q = make("dualpi2:step=1s", &d); /* tshift 30 ms */
	struct tl_pkt *c = test_pkt(&pool, 1514, 1), *l1 = test_pkt(&pool, 1514, 2),
		      *l2 = test_pkt(&pool, 1514, 2);
	l1->ecn = l2->ecn = 1;
	tl_qdisc_enqueue(q, c, 0);
	tl_qdisc_enqueue(q, l1, 20 * TEST_MS); /* within tshift of the classic head: first */
	tl_qdisc_enqueue(q, l2, 40 * TEST_MS); /* 40 ms after it: the classic head goes first */
	assert_ptr_equal(tl_qdisc_dequeue(q, 41 * TEST_MS), l1);
	assert_ptr_equal(tl_qdisc_dequeue(q, 41 * TEST_MS), c);
	assert_ptr_equal(tl_qdisc_dequeue(q, 41 * TEST_MS), l2);
	tl_qdisc_destroy(q, 50 * TEST_MS);
	test_drops_free(&d);
	test_pool_free(&pool);
}

/* A classic queue held above target drives p' up and drops classic packets at p'^2. */
static void test_classic_control(void **state)
{
	(void)state;
	struct test_pool pool;
	struct test_drops d;
	test_pool_init(&pool, 160000);
	test_drops_init(&d, 160000);
	struct tl_qdisc *q = make("dualpi2:ecn=off", &d);
	/* Twice the service rate, unresponsive: with the RFC's gains (0.00256 and 0.0512 per
	 * 16 ms update) p' climbs over seconds, not in a few updates. */
	for (uint64_t t = 0; t < 8000 * TEST_MS; t += 50 * TEST_US) {
		tl_qdisc_enqueue(q, test_pkt(&pool, 1514, 1), t);
		if (t % (100 * TEST_US) == 0)
			tl_qdisc_dequeue(q, t);
	}
	struct tl_qdisc_info in;
	tl_qdisc_info(q, &in);
	assert_true(in.p_base > 0.08);
	assert_true(fabs(in.p_c - in.p_base * in.p_base) < 1e-12);
	assert_true(in.c_drops > 100);
	assert_int_equal(d.by_cause[TL_DROP_AQM], in.c_drops);
	tl_qdisc_destroy(q, 8000 * TEST_MS);
	test_drops_free(&d);
	test_pool_free(&pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coupling_shape),
		cmocka_unit_test(test_pi_update),
		cmocka_unit_test(test_classify_by_ecn),
		cmocka_unit_test(test_step_threshold),
		cmocka_unit_test(test_time_shifted_fifo),
		cmocka_unit_test(test_classic_control),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
