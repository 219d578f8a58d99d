/*
 * PPV: the marker's value distribution at a known rate against TVF(u x R), PPOV always
 * dropping the lowest value present, PV-PIE's threshold as the quantile of a scripted value
 * stream, and weights 2:1 giving shares 2:1; on a simulated clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "emu/ppv.h"
#include "emu/qdisc.h"
#include "emu/rng.h"
#include "test_emu_pool.h"

static struct tl_qspec spec(const char *aqm)
{
	struct tl_qspec s;
	struct tl_err err = { 0 };
	if (tl_qspec_parse("--aqm", aqm, &s, &err) < 0)
		fail_msg("%s: %s", aqm, err.msg);
	return s;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* One flow at 100 Mbit/s (1514 B every 121.12 us) for 2 s; the values of the second half. */
static void test_marker_distribution(void **state)
{
	(void)state;
	struct tl_qspec s = spec("ppv");
	struct tl_ppv_marker m;
	tl_ppv_marker_init(&m, 7, TL_PPV_FLOW);
	const double rate = 100e6;
	const uint64_t gap = (uint64_t)(1514 * 8 / rate * 1e9);
	enum { N = 8000 };
	static uint32_t pv[N];
	unsigned n = 0;
	struct tl_pkt p = { .len = 1514, .flow_hash = 5, .host = 1 };
	for (uint64_t t = 0; t < 2000 * TEST_MS; t += gap) {
		struct tl_ppv_class_stats *c = tl_ppv_mark(&m, &s.ppv, &p, t);
		if (t >= 1000 * TEST_MS && n < N)
			pv[n++] = p.pv;
		if (t >= 1000 * TEST_MS)
			assert_true(fabs(c->rate_bps / rate - 1) < 0.01);
	}
	assert_true(n > 7000);
	/* P(PV >= TVF(x R)) = P(u R <= x R) = x: the TVF falls with the rate. */
	for (double x = 0.1; x < 0.95; x += 0.1) {
		uint32_t v = tl_ppv_tvf(&s.ppv, x * rate, 1);
		unsigned above = 0;
		for (unsigned i = 0; i < n; i++)
			above += pv[i] >= v;
		double frac = (double)above / n;
		if (fabs(frac - x) > 0.03)
			fail_msg("x %.1f: %.3f of the values at or above TVF(x R)", x, frac);
	}
	/* TVF_w(r) = TVF(r / w), and the built-in TVF falls strictly in the rate. */
	assert_int_equal(tl_ppv_tvf(&s.ppv, 20e6, 2), tl_ppv_tvf(&s.ppv, 10e6, 1));
	assert_true(tl_ppv_tvf(&s.ppv, 10e6, 1) > tl_ppv_tvf(&s.ppv, 10.001e6, 1));
	assert_int_equal(tl_ppv_tvf(&s.ppv, 0, 1), UINT32_MAX);
	/* A TVF given as points: linear between them, flat outside. */
	struct tl_qspec pts = spec("ppv:tvf=1mbit:1000/11mbit:0");
	assert_int_equal(tl_ppv_tvf(&pts.ppv, 6e6, 1), 500);
	assert_int_equal(tl_ppv_tvf(&pts.ppv, 0, 1), 1000);
	assert_int_equal(tl_ppv_tvf(&pts.ppv, 50e6, 1), 0);
}

/* A full queue without departures: every drop is of the lowest value present. */
static void test_ppov_drops_lowest(void **state)
{
	(void)state;
	struct test_pool pool;
	struct test_drops d;
	test_pool_init(&pool, 3000);
	test_drops_init(&d, 3000);
	struct tl_qspec s = spec("ppv");
	s.limit_pkts = 50;
	s.limit_bytes = 0;
	struct tl_qdisc *q;
	struct tl_err err = { 0 };
	assert_int_equal(tl_qdisc_create(&s, test_drop_cb, &d, &q, &err), 0);
	static bool queued[3000];
	for (unsigned i = 0; i < 3000; i++) {
		/* Many flows at various rates: values spread widely. */
		struct tl_pkt *p = test_pkt(&pool, 1514, i % 37);
		unsigned before = d.n;
		enum tl_drop_cause c = tl_qdisc_enqueue(q, p, i * 10 * TEST_US);
		queued[p->user] = c == TL_DROP_NONE;
		for (unsigned k = before; k < d.n; k++) {
			const struct tl_pkt *v = d.ev[k].pkt;
			queued[v->user] = false;
			/* Nothing left in the queue, nor the arrival, is lower. */
			for (unsigned j = 0; j <= i; j++)
				if (queued[j])
					assert_true(pool.pkts[j].pv >= v->pv);
			assert_true(p->pv >= v->pv);
		}
		assert_true(q->backlog_pkts <= 50);
	}
	assert_true(d.n > 2500);
	assert_int_equal(q->backlog_pkts, 50);
	tl_qdisc_destroy(q, 30 * TEST_MS);
	test_drops_free(&d);
	test_pool_free(&pool);
}

/* The CTV is the p-quantile of a scripted stream: floor(p n) values lie below it. */
static void test_pvpie_ctv_quantile(void **state)
{
	(void)state;
	enum { N = 1000 };
	static uint32_t v[N], scratch[N], sorted[N];
	struct tl_rng r;
	tl_rng_seed(&r, 3, 0);
	/* 1..1000 shuffled. */
	for (uint32_t i = 0; i < N; i++)
		v[i] = i + 1;
	for (uint32_t i = N - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(tl_rng_next(&r) % (i + 1)), t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
	assert_int_equal(tl_ppv_ctv(v, N, 0.1, scratch), 101);
	assert_int_equal(tl_ppv_ctv(v, N, 0.0, scratch), 1);
	assert_int_equal(tl_ppv_ctv(v, N, 0.5, scratch), 501);
	assert_int_equal(tl_ppv_ctv(v, N, 1.0, scratch), 1000);
	assert_int_equal(v[0] + v[1] > 0, 1); /* v is left as it was: still a permutation */
	/* Random values with repeats, against a sort. */
	for (int round = 0; round < 20; round++) {
		uint32_t n = 16 + (uint32_t)(tl_rng_next(&r) % (N - 16));
		for (uint32_t i = 0; i < n; i++)
			v[i] = (uint32_t)(tl_rng_next(&r) % 200);
		memcpy(sorted, v, n * sizeof(*v));
		qsort(sorted, n, sizeof(*sorted), cmp_u32);
		double p = tl_rng_double(&r);
		uint32_t k = (uint32_t)(p * n);
		assert_int_equal(tl_ppv_ctv(v, n, p, scratch), sorted[k < n ? k : n - 1]);
	}
	assert_int_equal(tl_ppv_ctv(v, 0, 0.5, scratch), 0);
}

/* PV-PIE in the discipline: every early drop is below the CTV in force. */
static void test_pvpie_drops_below_ctv(void **state)
{
	(void)state;
	struct test_pool pool;
	struct test_drops d;
	test_pool_init(&pool, 40000);
	test_drops_init(&d, 40000);
	struct tl_qspec s = spec("ppv:core=pie,burst=0");
	s.limit_pkts = 100000;
	s.limit_bytes = 0;
	struct tl_qdisc *q;
	struct tl_err err = { 0 };
	assert_int_equal(tl_qdisc_create(&s, test_drop_cb, &d, &q, &err), 0);
	unsigned early = 0;
	/* Twice the departure rate, 4 flows, for 2 s. */
	for (uint64_t t = 0, i = 0; t < 2000 * TEST_MS; t += 50 * TEST_US, i++) {
		struct tl_qdisc_info in;
		tl_qdisc_info(q, &in);
		uint32_t ctv_before = in.ctv;
		unsigned before = d.n;
		tl_qdisc_enqueue(q, test_pkt(&pool, 1514, (uint32_t)(i % 4)), t);
		tl_qdisc_info(q, &in);
		if (d.n > before && d.ev[d.n - 1].cause == TL_DROP_AQM) {
			early++;
			/* The CTV may have been recomputed by this arrival's update. */
			assert_true(d.ev[d.n - 1].pkt->pv < in.ctv ||
				    d.ev[d.n - 1].pkt->pv < ctv_before);
		}
		if (t % (100 * TEST_US) == 0)
			tl_qdisc_dequeue(q, t);
	}
	struct tl_qdisc_info in;
	tl_qdisc_info(q, &in);
	assert_true(early > 1000);
	assert_true(in.prob > 0.3);
	tl_qdisc_destroy(q, 2000 * TEST_MS);
	test_drops_free(&d);
	test_pool_free(&pool);
}

/* Two hosts at 60 Mbit/s each into 60 Mbit/s, weights 2:1: output shares 2:1 (PPOV). */
static void test_weights_share(void **state)
{
	(void)state;
	struct test_pool pool;
	struct test_drops d;
	test_pool_init(&pool, 60000);
	test_drops_init(&d, 60000);
	struct tl_qspec s = spec("ppv:class=host,weights=2:1");
	s.limit_pkts = 100;
	s.limit_bytes = 0;
	struct tl_qdisc *q;
	struct tl_err err = { 0 };
	assert_int_equal(tl_qdisc_create(&s, test_drop_cb, &d, &q, &err), 0);
	const uint64_t gap = 1514 * 8 * 1000 / 60; /* ns per packet at 60 Mbit/s */
	uint64_t out[3] = { 0 };
	for (uint64_t t = 0, i = 0; t < 3000 * TEST_MS; t += gap / 2, i++) {
		struct tl_pkt *p = test_pkt(&pool, 1514, (uint32_t)(i % 2) + 1);
		if (!p)
			break;
		p->host = (uint8_t)(i % 2 + 1);
		tl_qdisc_enqueue(q, p, t);
		if (i % 2 == 0) {
			struct tl_pkt *o = tl_qdisc_dequeue(q, t);
			if (o && t > 1000 * TEST_MS)
				out[o->host] += o->len;
		}
	}
	double ratio = (double)out[1] / (double)out[2];
	if (fabs(ratio / 2 - 1) > 0.1)
		fail_msg("shares %llu : %llu = %.3f, want 2 within 10%%", (unsigned long long)out[1],
			 (unsigned long long)out[2], ratio);
	struct tl_qdisc_info in;
	tl_qdisc_info(q, &in);
	assert_non_null(in.ppv);
	assert_true(in.ppv->c[1].bytes_out > in.ppv->c[2].bytes_out);
	assert_true(in.ppv->c[2].drops > in.ppv->c[1].drops);
	tl_qdisc_destroy(q, 3000 * TEST_MS);
	test_drops_free(&d);
	test_pool_free(&pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marker_distribution),
		cmocka_unit_test(test_ppov_drops_lowest),
		cmocka_unit_test(test_pvpie_ctv_quantile),
		cmocka_unit_test(test_pvpie_drops_below_ctv),
		cmocka_unit_test(test_weights_share),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
