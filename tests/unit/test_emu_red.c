/*
 * RED (Floyd and Jacobson 1993): the EWMA average on known inputs, the idle-time decay, the
 * drop probability on known averages (linear, gentle, forced), and the count-based spacing
 * (gaps between drops uniform on 1 .. 1/pb). emulation-anchors.md section 2.4.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "emu/qdisc.h"
#include "test_emu_pool.h"

struct fixture {
	struct test_pool pool;
	struct test_drops drops;
	struct tl_qdisc *q;
};

static void make(struct fixture *f, double wq, bool gentle, uint64_t rate_bps)
{
	struct tl_qspec s;
	struct tl_err err = { 0 };
	tl_qspec_default(&s, TL_QDISC_RED);
	s.limit_pkts = 0;
	s.limit_bytes = 0;
	s.red.min_bytes = 10000;
	s.red.max_bytes = 30000;
	s.red.max_p = 0.1;
	s.red.wq = wq;
	s.red.gentle = gentle;
	s.red.avpkt = 1000;
	s.rate_bps = rate_bps;
	s.seed = 7;
	test_pool_init(&f->pool, 100000);
	test_drops_init(&f->drops, 100000);
	assert_int_equal(tl_qdisc_create(&s, test_drop_cb, &f->drops, &f->q, &err), 0);
}

static void unmake(struct fixture *f)
{
	tl_qdisc_destroy(f->q, 0);
	test_pool_free(&f->pool);
	test_drops_free(&f->drops);
}

static struct tl_qdisc_info info_of(struct tl_qdisc *q)
{
	struct tl_qdisc_info i;
	tl_qdisc_info(q, &i);
	return i;
}

static void test_average_on_known_inputs(void **state)
{
	(void)state;
	struct fixture f;
	make(&f, 0.5, false, 8000000);
	/* Arrivals see backlogs 0, 1000, 2000, 3000: avg 0, 500, 1250, 2125 (wq 1/2). */
	static const double want[] = { 0, 500, 1250, 2125 };
	for (int i = 0; i < 4; i++) {
		tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 1000, 1), 0);
		assert_true(fabs(info_of(f.q).red_avg - want[i]) < 1e-9);
	}
	/* Emptied at t = 1 ms; idle for 3 transmission times of avpkt (1000 B at 8 Mbit/s =
	 * 1 ms each), so the next arrival sees avg x (1 - wq)^3. */
	for (int i = 0; i < 4; i++)
		assert_non_null(tl_qdisc_dequeue(f.q, 1 * TEST_MS));
	tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 1000, 1), 4 * TEST_MS);
	assert_true(fabs(info_of(f.q).red_avg - 2125.0 / 8) < 1e-9);
	assert_int_equal(f.drops.n, 0);
	unmake(&f);
}

static void set_thresholds(struct fixture *f, uint64_t min, uint64_t max)
{
	struct tl_qspec s = f->q->spec;
	struct tl_err err = { 0 };
	s.red.min_bytes = min;
	s.red.max_bytes = max;
	assert_int_equal(tl_qdisc_change(f->q, &s, 0, &err), 0);
}

/*
 * Holds the backlog at `level` bytes at each of `arrivals` arrivals (wq 1: avg = backlog)
 * under thresholds min/max: fills with the thresholds out of the way, then sets them.
 */
static void hold_level(struct fixture *f, uint64_t min, uint64_t max, uint64_t level,
		       unsigned arrivals, unsigned *gap_max, double *gap_mean, unsigned *ngaps)
{
	set_thresholds(f, 1000000000, 2000000000);
	while (f->q->backlog_bytes < level)
		tl_qdisc_enqueue(f->q, test_pkt(&f->pool, 1000, 1), 0);
	while (f->q->backlog_bytes > level)
		tl_qdisc_dequeue(f->q, 0);
	set_thresholds(f, min, max);
	unsigned first = f->drops.n, since = 0, sum = 0;
	*gap_max = 0;
	*ngaps = 0;
	for (unsigned i = 0; i < arrivals; i++) {
		unsigned before = f->drops.n;
		tl_qdisc_enqueue(f->q, test_pkt(&f->pool, 1000, 1), 0);
		since++;
		if (f->drops.n > before) {
			if (f->drops.n - first > 1) { /* gaps between drops, not before the first */
				sum += since;
				(*ngaps)++;
				if (since > *gap_max)
					*gap_max = since;
			}
			since = 0;
		} else {
			tl_qdisc_dequeue(f->q, 0);
		}
	}
	*gap_mean = *ngaps ? (double)sum / *ngaps : 0;
}

static void test_probability_and_spacing(void **state)
{
	(void)state;
	struct fixture f;
	unsigned gap_max, ngaps;
	double mean;
	make(&f, 1.0, false, 0);
	/* Below min_th: no early drop at all. */
	hold_level(&f, 10000, 30000, 5000, 20000, &gap_max, &mean, &ngaps);
	assert_int_equal(f.drops.n, 0);
	assert_true(info_of(f.q).prob == 0);
	/* avg 20000: pb = 0.1 x (20000 - 10000) / 20000 = 0.05. With count-based spacing
	 * the gap is uniform on 1..20: never above 20, mean 10.5 (sd of the mean over ~1900
	 * gaps: 5.77 / sqrt(1900) = 0.13; bound 0.6). */
	hold_level(&f, 10000, 30000, 20000, 40000, &gap_max, &mean, &ngaps);
	assert_true(fabs(info_of(f.q).prob - 0.05) < 1e-12);
	assert_true(ngaps > 1500);
	assert_true(gap_max <= 20);
	assert_true(fabs(mean - 10.5) < 0.6);
	assert_int_equal(f.drops.by_cause[TL_DROP_AQM], f.drops.n);
	/* avg >= max_th, not gentle: every arrival is dropped. */
	unsigned before = f.drops.n;
	hold_level(&f, 10000, 30000, 35000, 1000, &gap_max, &mean, &ngaps);
	assert_true(info_of(f.q).prob == 1);
	assert_int_equal(f.drops.n - before, 1000);
	unmake(&f);
}

static void test_gentle_ramp(void **state)
{
	(void)state;
	struct fixture f;
	unsigned gap_max, ngaps;
	double mean;
	make(&f, 1.0, true, 0);
	/* avg 45000 in [max_th, 2 max_th]: pb = 0.1 + 0.9 x 15000 / 30000 = 0.55. */
	hold_level(&f, 10000, 30000, 45000, 2000, &gap_max, &mean, &ngaps);
	assert_true(fabs(info_of(f.q).prob - 0.55) < 1e-12);
	assert_true(gap_max <= 2); /* 1/pb < 2 */
	/* beyond 2 max_th: all dropped */
	unsigned before = f.drops.n;
	hold_level(&f, 10000, 30000, 61000, 100, &gap_max, &mean, &ngaps);
	assert_int_equal(f.drops.n - before, 100);
	unmake(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_average_on_known_inputs),
		cmocka_unit_test(test_probability_and_spacing),
		cmocka_unit_test(test_gentle_ramp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
