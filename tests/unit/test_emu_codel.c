/*
 * CoDel (RFC 8289) on a simulated clock: the drop schedule in a standing queue, head drops
 * (the Mahimahi #165 regression), the one-MTU floor, leaving and re-entering the dropping
 * state. Expected values from emulation-anchors.md section 2.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "emu/qdisc.h"
#include "test_emu_pool.h"

#define STEP (10 * TEST_US)

struct sim {
	struct test_pool pool;
	struct test_drops drops;
	struct tl_qdisc *q;
	uint64_t now;
	uint32_t next_seq; /* the sequence number that must be at the head */
	uint32_t len;
};

static void sim_init(struct sim *s, uint32_t len)
{
	struct tl_qspec spec;
	struct tl_err err = { 0 };
	tl_qspec_default(&spec, TL_QDISC_CODEL);
	spec.limit_pkts = 0; /* unbounded: the controller alone decides */
	test_pool_init(&s->pool, 200000);
	test_drops_init(&s->drops, 10000);
	assert_int_equal(tl_qdisc_create(&spec, test_drop_cb, &s->drops, &s->q, &err), 0);
	s->now = 0;
	s->next_seq = 0;
	s->len = len;
}

static void sim_free(struct sim *s)
{
	tl_qdisc_destroy(s->q, s->now);
	test_pool_free(&s->pool);
	test_drops_free(&s->drops);
}

static void sim_enq(struct sim *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(tl_qdisc_enqueue(s->q, test_pkt(&s->pool, s->len, 1), s->now),
				 TL_DROP_NONE);
}

/*
 * One dequeue, checking that every packet dropped on the way was the head at the time and
 * had overstayed the target, and that the packet returned is the one after the last drop.
 */
static struct tl_pkt *sim_deq(struct sim *s)
{
	unsigned before = s->drops.n;
	struct tl_pkt *p = tl_qdisc_dequeue(s->q, s->now);
	for (unsigned i = before; i < s->drops.n; i++) {
		struct tl_pkt *d = s->drops.ev[i].pkt;
		assert_int_equal(s->drops.ev[i].cause, TL_DROP_AQM);
		assert_int_equal(d->user, s->next_seq);
		assert_true(s->now - d->enqueue_ns >= s->q->spec.codel.target_ns);
		s->next_seq++;
	}
	if (p) {
		assert_int_equal(p->user, s->next_seq);
		s->next_seq++;
	}
	return p;
}

/* One arrival and one departure per STEP until `until` or until `drops` drops in total. */
static void sim_steady(struct sim *s, uint64_t until, unsigned drops)
{
	while (s->now + STEP <= until && s->drops.n < drops) {
		s->now += STEP;
		sim_enq(s, 1);
		sim_deq(s);
	}
}

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void test_drop_spacing_in_standing_queue(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 1514);
	sim_enq(&s, 1000); /* 10 ms of standing queue at one packet per STEP */
	sim_steady(&s, 600 * TEST_MS, 8);
	assert_int_equal(s.drops.n, 8);
	/* The head's sojourn reached the 5 ms target at t = 5 ms; the first drop is one
	 * interval later, at the first dequeue at or after 105 ms (here exactly). */
	uint64_t t0 = s.drops.ev[0].now_ns;
	assert_int_equal(t0, 105 * TEST_MS);
	/* anchors 2.1(c): 0, 100, 170.7, 228.4, 278.4, 323.2, 364.0, 401.8 ms. */
	static const double table[] = { 0, 100, 170.7, 228.4, 278.4, 323.2, 364.0, 401.8 };
	double law = 0;
	for (unsigned k = 0; k < 8; k++) {
		double got = ms(s.drops.ev[k].now_ns - t0);
		if (k > 0)
			law += 100.0 / sqrt((double)k);
		assert_true(fabs(got - table[k]) <= 0.1);
		assert_true(fabs(got - law) <= 0.011); /* the law itself, to the 10 us step */
	}
	struct tl_qdisc_info info;
	tl_qdisc_info(s.q, &info);
	assert_true(info.dropping);
	assert_int_equal(info.count, 8);
	sim_free(&s);
}

/* Two packets left after each pop: at most one MTU (1514) of them is never dropped, however
 * long the sojourn. */
static unsigned drops_with_two_left(uint32_t len)
{
	struct sim s;
	sim_init(&s, len);
	sim_enq(&s, 2);
	for (int i = 0; i < 200; i++) { /* 10 s, sojourn 150 ms */
		s.now += 50 * TEST_MS;
		sim_enq(&s, 1);
		assert_non_null(sim_deq(&s));
	}
	unsigned n = s.drops.n;
	sim_free(&s);
	return n;
}

static void test_never_drops_with_one_mtu_or_less_queued(void **state)
{
	(void)state;
	/* 2 x 757 = 1514 left after each pop: exactly one MTU, so never dropped. */
	assert_int_equal(drops_with_two_left(757), 0);
	assert_int_equal(drops_with_two_left(100), 0);
	/* Control: 2 x 758 = 1516 > one MTU, the same sojourns are dropped. */
	assert_true(drops_with_two_left(758) > 0);
}

/*
 * anchors 2.1(d): empties the standing queue at one instant. Its older packets overstayed the
 * target, its newest did not; dropping must hold through the former and stop at the first
 * dequeue of the latter (sojourn < target), and stay off.
 */
static void drain_checking_exit(struct sim *s)
{
	struct tl_qdisc_info info;
	struct tl_pkt *p;
	bool exited = false;
	s->now += STEP;
	while ((p = sim_deq(s))) {
		tl_qdisc_info(s->q, &info);
		bool below = s->now - p->enqueue_ns < s->q->spec.codel.target_ns;
		if (!exited && !below)
			assert_true(info.dropping);
		if (below)
			exited = true;
		if (exited)
			assert_false(info.dropping);
	}
	assert_true(exited);
}

static void test_leaves_below_target_and_reenters_with_count(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 1514);
	sim_enq(&s, 1000);
	sim_steady(&s, 2000 * TEST_MS, 8); /* count reaches 8, lastcount 1 */
	unsigned drops = s.drops.n;
	drain_checking_exit(&s);
	assert_int_equal(s.drops.n, drops); /* drop_next is 35 ms ahead: no drop in the drain */

	/* (e): back above target soon after (well within 16 intervals): count resumes at
	 * count - lastcount = 7, so the next drops follow 100/sqrt(7), 100/sqrt(8) ms later. */
	sim_enq(&s, 1000);
	sim_steady(&s, s.now + 1000 * TEST_MS, drops + 3);
	assert_int_equal(s.drops.n, drops + 3);
	double gap = ms(s.drops.ev[drops + 1].now_ns - s.drops.ev[drops].now_ns);
	assert_true(fabs(gap - 100.0 / sqrt(7.0)) <= 0.011);
	gap = ms(s.drops.ev[drops + 2].now_ns - s.drops.ev[drops + 1].now_ns);
	assert_true(fabs(gap - 100.0 / sqrt(8.0)) <= 0.011);

	/* Now count 9, lastcount 7: delta 2 would resume at 2, but only within 16 intervals.
	 * Leave again, wait 2 s with a short queue, re-enter: count starts over at 1. */
	drain_checking_exit(&s);
	uint64_t quiet_until = s.now + 2000 * TEST_MS;
	while (s.now < quiet_until) {
		s.now += 1 * TEST_MS;
		sim_enq(&s, 1);
		assert_non_null(sim_deq(&s));
	}
	drops = s.drops.n;
	sim_enq(&s, 1000);
	sim_steady(&s, s.now + 1000 * TEST_MS, drops + 2);
	assert_int_equal(s.drops.n, drops + 2);
	gap = ms(s.drops.ev[drops + 1].now_ns - s.drops.ev[drops].now_ns);
	assert_true(fabs(gap - 100.0) <= 0.011);
	sim_free(&s);
}

static void test_ecn_marks_instead_of_dropping(void **state)
{
	(void)state;
	struct sim s;
	sim_init(&s, 1514);
	struct tl_qspec spec = s.q->spec;
	struct tl_err err = { 0 };
	spec.ecn = true;
	assert_int_equal(tl_qdisc_change(s.q, &spec, 0, &err), 0);
	for (int i = 0; i < 1000; i++) {
		struct tl_pkt *p = test_pkt(&s.pool, 1514, 1);
		p->ecn_capable = true;
		tl_qdisc_enqueue(s.q, p, 0);
	}
	unsigned marked = 0;
	while (s.now < 400 * TEST_MS) {
		s.now += STEP;
		struct tl_pkt *p = test_pkt(&s.pool, 1514, 1);
		p->ecn_capable = true;
		tl_qdisc_enqueue(s.q, p, s.now);
		struct tl_pkt *out = sim_deq(&s);
		marked += out && out->ce_marked;
	}
	assert_int_equal(s.drops.n, 0);
	assert_true(marked >= 5);
	assert_int_equal(s.q->stats.marks, marked);
	sim_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_spacing_in_standing_queue),
		cmocka_unit_test(test_never_drops_with_one_mtu_or_less_queued),
		cmocka_unit_test(test_leaves_below_target_and_reenters_with_count),
		cmocka_unit_test(test_ecn_marks_instead_of_dropping),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
