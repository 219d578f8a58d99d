/*
 * The link model on a simulated clock: serialisation time exact for known sizes and rates,
 * delay exact, jitter without reordering, Bernoulli and Gilbert-Elliott loss within their
 * statistical bounds, identical runs for identical seeds, statistics and the event API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "emu/link.h"
#include "test_emu_pool.h"

struct fixture {
	struct test_pool pool;
	struct test_drops drops;
	struct tl_link *l;
};

static struct tl_link_spec base_spec(uint64_t rate, uint64_t delay)
{
	struct tl_link_spec s = { .rate_bps = rate, .delay_ns = delay, .seed = 1 };
	tl_qspec_default(&s.queue, TL_QDISC_TAILDROP);
	s.queue.limit_pkts = 0; /* unbounded unless a test says otherwise */
	return s;
}

static void make(struct fixture *f, const struct tl_link_spec *s, unsigned pool)
{
	struct tl_err err = { 0 };
	test_pool_init(&f->pool, pool);
	test_drops_init(&f->drops, pool);
	assert_int_equal(tl_link_create(s, test_drop_cb, &f->drops, &f->l, &err), 0);
}

static void unmake(struct fixture *f)
{
	tl_link_destroy(f->l, UINT64_MAX / 2);
	test_pool_free(&f->pool);
	test_drops_free(&f->drops);
}

/*
 * Drives the link event by event until empty, recording each packet's departure time
 * (ready_ns: when it was due; a caller that is late gets it late, but still in order).
 */
static unsigned drain(struct tl_link *l, uint64_t *t_out, uint32_t *seq_out, unsigned max)
{
	unsigned n = 0;
	uint64_t ev;
	while ((ev = tl_link_next_event_ns(l)) != UINT64_MAX) {
		struct tl_pkt *out[64];
		unsigned k = tl_link_dequeue_ready(l, ev, out, 64);
		for (unsigned i = 0; i < k && n < max; i++, n++) {
			t_out[n] = out[i]->ready_ns;
			seq_out[n] = out[i]->user;
		}
	}
	return n;
}

static void test_tx_time_exact(void **state)
{
	(void)state;
	/* 1514 B: 12112 bits. 100 Mbit/s: 121.12 us; 1 Gbit/s: 12.112 us; 64 B at 10 Gbit/s:
	 * 51.2 ns -> 51 (rounded down, the remainder carried by the link). */
	assert_int_equal(tl_link_tx_ns(1514, 100000000), 121120);
	assert_int_equal(tl_link_tx_ns(1514, 1000000000), 12112);
	assert_int_equal(tl_link_tx_ns(64, 10000000000ull), 51);
	assert_int_equal(tl_link_tx_ns(1500, 12000000), 1000000);
	assert_int_equal(tl_link_tx_ns(1514, 0), 0);
}

static void test_serialisation_back_to_back(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t t[16];
	uint32_t seq[16];
	/* 100 Mbit/s: a burst of 10 full-size packets at t = 0 leaves at k x 121120 ns. */
	struct tl_link_spec s = base_spec(100000000, 0);
	make(&f, &s, 100);
	for (int i = 0; i < 10; i++)
		assert_int_equal(tl_link_enqueue(f.l, test_pkt(&f.pool, 1514, 1), 0), TL_DROP_NONE);
	assert_int_equal(drain(f.l, t, seq, 16), 10);
	for (unsigned k = 0; k < 10; k++) {
		assert_int_equal(t[k], (k + 1) * 121120ull);
		assert_int_equal(seq[k], k);
	}
	struct tl_link_stats st;
	tl_link_stats(f.l, &st);
	assert_int_equal(st.busy_ns, 1211200);
	unmake(&f);

	/* 3 Mbit/s: 4037333.33 ns each; the carried remainder makes the k-th end at
	 * floor(k x 12112 / 3 ms) exactly, so three packets take 12.112 ms to the ns. */
	s = base_spec(3000000, 0);
	make(&f, &s, 100);
	for (int i = 0; i < 3; i++)
		tl_link_enqueue(f.l, test_pkt(&f.pool, 1514, 1), 0);
	assert_int_equal(drain(f.l, t, seq, 16), 3);
	assert_int_equal(t[0], 4037333);
	assert_int_equal(t[1], 8074666);
	assert_int_equal(t[2], 12112000);
	unmake(&f);
}

static void test_delay_exact_and_event_api(void **state)
{
	(void)state;
	struct fixture f;
	struct tl_pkt *out[4];
	/* 10 Mbit/s and 20 ms: a 1514 B packet arriving at 5 ms leaves at
	 * 5 ms + 1.2112 ms + 20 ms = 26.2112 ms, not a ns earlier. */
	struct tl_link_spec s = base_spec(10000000, 20 * TEST_MS);
	make(&f, &s, 100);
	assert_int_equal(tl_link_next_event_ns(f.l), UINT64_MAX);
	tl_link_enqueue(f.l, test_pkt(&f.pool, 1514, 1), 5 * TEST_MS);
	uint64_t due = 5 * TEST_MS + 1211200 + 20 * TEST_MS;
	assert_int_equal(tl_link_next_event_ns(f.l), due);
	assert_int_equal(tl_link_dequeue_ready(f.l, due - 1, out, 4), 0);
	assert_int_equal(tl_link_dequeue_ready(f.l, due, out, 4), 1);
	assert_int_equal(out[0]->user, 0);
	assert_int_equal(tl_link_next_event_ns(f.l), UINT64_MAX);

	/* A caller that wakes late still gets the packet, with ready_ns = when it was due, and
	 * the next packet's serialisation starts when the link freed, not when it woke. */
	tl_link_enqueue(f.l, test_pkt(&f.pool, 1514, 1), 100 * TEST_MS);
	tl_link_enqueue(f.l, test_pkt(&f.pool, 1514, 1), 100 * TEST_MS);
	assert_int_equal(tl_link_dequeue_ready(f.l, 200 * TEST_MS, out, 4), 2);
	assert_int_equal(out[0]->ready_ns, 100 * TEST_MS + 1211200 + 20 * TEST_MS);
	assert_int_equal(out[1]->ready_ns, 100 * TEST_MS + 2 * 1211200 + 20 * TEST_MS);
	unmake(&f);
}

/*
 * A queued packet's transmission start is no event of its own: the caller wakes when a
 * packet may be due (start + delay), and serialisation still happens at each start.
 */
static void test_event_is_a_departure_not_a_start(void **state)
{
	(void)state;
	struct fixture f;
	struct tl_pkt *out[4];
	struct tl_link_spec s = base_spec(10000000, 20 * TEST_MS);
	make(&f, &s, 100);
	for (int i = 0; i < 3; i++)
		tl_link_enqueue(f.l, test_pkt(&f.pool, 1514, 1), 0);
	/* On the wire at 0, two queued; the next start (1.2112 ms) is not an event. */
	assert_int_equal(tl_link_next_event_ns(f.l), 1211200 + 20 * TEST_MS);
	assert_int_equal(tl_link_dequeue_ready(f.l, 1211200 + 20 * TEST_MS, out, 4), 1);
	/* The two that started meanwhile left the queue at their own starts. */
	assert_int_equal(tl_link_qdisc(f.l)->backlog_pkts, 0);
	assert_int_equal(tl_link_next_event_ns(f.l), 2 * 1211200 + 20 * TEST_MS);
	unmake(&f);

	/* With jitter, the bound is the start plus the shortest delay, 20 - 5 ms. */
	s.jitter_ns = 5 * TEST_MS;
	make(&f, &s, 100);
	for (int i = 0; i < 2; i++)
		tl_link_enqueue(f.l, test_pkt(&f.pool, 1514, 1), 0);
	uint64_t ev = tl_link_next_event_ns(f.l);
	assert_true(ev <= 1211200 + 15 * TEST_MS);
	unmake(&f);
}

/*
 * The same arrivals through CoDel, one link driven only at its events and one moved every
 * 10 us: the same packets leave at the same times and the same ones are dropped, so a
 * forwarder that sleeps from departure to departure loses nothing of the AQM.
 */
static unsigned codel_run(bool stepped, uint64_t *t, uint32_t *seq, unsigned *drops)
{
	struct fixture f;
	struct tl_link_spec s = base_spec(10000000, 5 * TEST_MS);
	tl_qspec_default(&s.queue, TL_QDISC_CODEL);
	make(&f, &s, 2000);
	unsigned n = 0;
	uint64_t now = 0, arrive = 0;
	unsigned sent = 0;
	/* 1500 arrivals every 0.6 ms (twice the link's rate): a standing queue. */
	while (sent < 1500 || tl_link_next_event_ns(f.l) != UINT64_MAX) {
		uint64_t ev = tl_link_next_event_ns(f.l);
		uint64_t next = sent < 1500 ? arrive : UINT64_MAX;
		if (stepped)
			now = now + 10000;
		else
			now = ev < next ? ev : next;
		if (sent < 1500 && arrive <= now) {
			struct tl_pkt *p = test_pkt(&f.pool, 1514, 1);
			p->user = sent++;
			tl_link_enqueue(f.l, p, arrive);
			arrive += 600000;
		}
		struct tl_pkt *out[64];
		unsigned k;
		while ((k = tl_link_dequeue_ready(f.l, now, out, 64)) > 0)
			for (unsigned i = 0; i < k; i++, n++) {
				t[n] = out[i]->ready_ns;
				seq[n] = out[i]->user;
			}
	}
	*drops = f.drops.n;
	unmake(&f);
	return n;
}

static void test_lazy_driver_same_as_stepped(void **state)
{
	(void)state;
	static uint64_t t1[1500], t2[1500];
	static uint32_t s1[1500], s2[1500];
	unsigned d1, d2;
	unsigned n1 = codel_run(false, t1, s1, &d1);
	unsigned n2 = codel_run(true, t2, s2, &d2);
	assert_true(d1 > 0); /* CoDel did act */
	assert_int_equal(n1 + d1, 1500);
	assert_int_equal(n1, n2);
	assert_int_equal(d1, d2);
	for (unsigned i = 0; i < n1; i++) {
		assert_int_equal(t1[i], t2[i]);
		assert_int_equal(s1[i], s2[i]);
	}
}

/* Sends n packets `gap` apart and returns the delays (departure - arrival - tx time). */
static unsigned jitter_run(bool reorder, uint64_t gap, unsigned n, uint64_t *t, uint32_t *seq,
			   uint64_t *min_d, uint64_t *max_d, double *mean_d)
{
	struct fixture f;
	struct tl_link_spec s = base_spec(1000000000, 10 * TEST_MS);
	s.jitter_ns = 5 * TEST_MS;
	s.reorder = reorder;
	make(&f, &s, n);
	for (unsigned i = 0; i < n; i++) {
		tl_link_enqueue(f.l, test_pkt(&f.pool, 1514, 1), i * gap);
		/* sparse enough for 1 Gbit/s: the queue never holds anything */
		assert_int_equal(tl_link_qdisc(f.l)->backlog_pkts, 0);
	}
	unsigned got = drain(f.l, t, seq, n);
	*min_d = UINT64_MAX;
	*max_d = 0;
	double sum = 0;
	for (unsigned i = 0; i < got; i++) {
		uint64_t d = t[i] - (uint64_t)seq[i] * gap - 12112;
		*min_d = d < *min_d ? d : *min_d;
		*max_d = d > *max_d ? d : *max_d;
		sum += (double)d;
	}
	*mean_d = sum / got;
	unmake(&f);
	return got;
}

static void test_jitter_never_reorders(void **state)
{
	(void)state;
	enum { N = 20000 };
	static uint64_t t[N];
	static uint32_t seq[N];
	uint64_t min_d, max_d;
	double mean;
	/* Packets 20 ms apart (more than the 10 ms jitter span): each delay is its own
	 * uniform draw on 10 +- 5 ms. Mean within 0.3 ms (sd of the mean 0.065 ms). */
	assert_int_equal(jitter_run(false, 20 * TEST_MS, 2000, t, seq, &min_d, &max_d, &mean), 2000);
	assert_true(min_d >= 5 * TEST_MS && min_d < 5 * TEST_MS + 100 * TEST_US);
	assert_true(max_d <= 15 * TEST_MS && max_d > 15 * TEST_MS - 100 * TEST_US);
	assert_true(fabs(mean - 10e6) < 0.3e6);

	/* Packets 50 us apart: never reordered; delays stay within 10 +- 5 ms but are raised
	 * towards the previous packet's (the price of keeping order, as in any FIFO link). */
	assert_int_equal(jitter_run(false, 50 * TEST_US, N, t, seq, &min_d, &max_d, &mean), N);
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(seq[i], i);
		assert_true(i == 0 || t[i] >= t[i - 1]);
	}
	assert_true(min_d >= 5 * TEST_MS && max_d <= 15 * TEST_MS);
	assert_true(max_d - min_d > 1 * TEST_MS);

	/* Control: with reorder allowed, the same traffic does come out of order. */
	assert_int_equal(jitter_run(true, 50 * TEST_US, N, t, seq, &min_d, &max_d, &mean), N);
	unsigned inversions = 0;
	for (unsigned i = 1; i < N; i++) {
		inversions += seq[i] < seq[i - 1];
		assert_true(t[i] >= t[i - 1]);
	}
	assert_true(inversions > N / 10);
	assert_true(min_d < 5 * TEST_MS + 100 * TEST_US);
}

static void test_bernoulli_loss_within_bound(void **state)
{
	(void)state;
	struct fixture f;
	enum { N = 100000 };
	struct tl_link_spec s = base_spec(0, 0);
	s.loss = (struct tl_loss_spec){ .kind = TL_LOSS_BERNOULLI, .p = 0.01 };
	s.seed = 12345;
	make(&f, &s, N);
	for (unsigned i = 0; i < N; i++) {
		struct tl_pkt *out[1];
		tl_link_enqueue(f.l, test_pkt(&f.pool, 1000, 1), i);
		tl_link_dequeue_ready(f.l, i, out, 1);
	}
	struct tl_link_stats st;
	tl_link_stats(f.l, &st);
	/* mean 1000, sd sqrt(N p (1 - p)) = 31.5; bound 5 sd. */
	double sd = sqrt(N * 0.01 * 0.99);
	assert_true(fabs((double)st.drop_pkts[TL_DROP_LOSS] - 1000) <= 5 * sd);
	assert_int_equal(f.drops.by_cause[TL_DROP_LOSS], st.drop_pkts[TL_DROP_LOSS]);
	assert_int_equal(st.pkts_out + st.drop_pkts[TL_DROP_LOSS], N);
	unmake(&f);
}

static void test_gilbert_elliott_stationary_mean(void **state)
{
	(void)state;
	/* p 1%, r 10%, bad 100%, good 0%: mean = p / (p + r) = 0.0909; bursts average 1/r =
	 * 10. Correlated losses widen the bound: var ~ N pi (1 - pi) (1 + l) / (1 - l) with
	 * l = 1 - p - r = 0.89, sd about 1190 losses over 1e6 packets; bound 5 sd. */
	struct tl_loss_spec spec = { .kind = TL_LOSS_GE, .p = 0.01, .r = 0.1, .loss_bad = 1 };
	struct tl_loss l;
	tl_loss_init(&l, &spec, 99);
	const unsigned n = 1000000;
	unsigned lost = 0, bursts = 0;
	bool prev = false;
	for (unsigned i = 0; i < n; i++) {
		bool x = tl_loss_next(&l);
		lost += x;
		bursts += x && !prev;
		prev = x;
	}
	double mean = tl_loss_mean(&spec);
	assert_true(fabs(mean - 0.01 / 0.11) < 1e-12);
	double pi = mean, lam = 1 - spec.p - spec.r;
	double sd = sqrt(n * pi * (1 - pi) * (1 + lam) / (1 - lam));
	assert_true(fabs((double)lost - n * mean) <= 5 * sd);
	double burst_len = (double)lost / bursts;
	assert_true(fabs(burst_len - 10) < 0.5);

	/* With loss in both states: mean = (r good + p bad) / (p + r). */
	spec = (struct tl_loss_spec){ .kind = TL_LOSS_GE, .p = 0.05, .r = 0.2, .loss_good = 0.01,
				      .loss_bad = 0.5 };
	tl_loss_init(&l, &spec, 5);
	lost = 0;
	for (unsigned i = 0; i < n; i++)
		lost += tl_loss_next(&l);
	mean = (0.2 * 0.01 + 0.05 * 0.5) / 0.25;
	assert_true(fabs(tl_loss_mean(&spec) - mean) < 1e-12);
	assert_true(fabs((double)lost / n - mean) < 0.004);
}

struct trace {
	uint64_t t[4000];
	uint32_t seq[4000];
	unsigned n, drops;
	uint32_t drop_seq[4000];
};

/* A busy run with loss, jitter and PIE's random drops: everything seeded. */
static void run_seeded(uint64_t seed, struct trace *tr)
{
	struct fixture f;
	struct tl_link_spec s = base_spec(10000000, 5 * TEST_MS);
	s.jitter_ns = 2 * TEST_MS;
	s.loss = (struct tl_loss_spec){ .kind = TL_LOSS_GE, .p = 0.02, .r = 0.3, .loss_bad = 0.8 };
	tl_qspec_default(&s.queue, TL_QDISC_PIE);
	s.queue.limit_pkts = 100;
	s.seed = seed;
	make(&f, &s, 4000);
	uint64_t now = 0;
	tr->n = 0;
	for (unsigned i = 0; i < 4000; i++) {
		now += 900 * TEST_US; /* ~13.5 Mbit/s offered into 10 Mbit/s */
		tl_link_enqueue(f.l, test_pkt(&f.pool, 1514, 1), now);
		struct tl_pkt *out[16];
		unsigned k = tl_link_dequeue_ready(f.l, now, out, 16);
		for (unsigned j = 0; j < k; j++, tr->n++) {
			tr->t[tr->n] = out[j]->ready_ns;
			tr->seq[tr->n] = out[j]->user;
		}
	}
	tr->drops = f.drops.n;
	for (unsigned i = 0; i < f.drops.n && i < 4000; i++)
		tr->drop_seq[i] = f.drops.ev[i].pkt->user;
	struct tl_link_stats st;
	tl_link_stats(f.l, &st);
	assert_true(st.drop_pkts[TL_DROP_LOSS] > 0);
	assert_true(st.drop_pkts[TL_DROP_AQM] + st.drop_pkts[TL_DROP_QUEUE_FULL] > 0);
	unmake(&f);
}

static void test_same_seed_repeats_exactly(void **state)
{
	(void)state;
	static struct trace a, b, c;
	run_seeded(2024, &a);
	run_seeded(2024, &b);
	run_seeded(2025, &c);
	assert_int_equal(a.n, b.n);
	assert_int_equal(a.drops, b.drops);
	assert_memory_equal(a.t, b.t, a.n * sizeof(a.t[0]));
	assert_memory_equal(a.seq, b.seq, a.n * sizeof(a.seq[0]));
	assert_memory_equal(a.drop_seq, b.drop_seq, a.drops * sizeof(a.drop_seq[0]));
	/* and another seed gives another run */
	bool differs = a.n != c.n || a.drops != c.drops ||
		       memcmp(a.t, c.t, a.n * sizeof(a.t[0])) != 0;
	assert_true(differs);
}

static void test_queue_full_stats_hists_flows(void **state)
{
	(void)state;
	struct fixture f;
	uint64_t t[64];
	uint32_t seq[64];
	struct tl_link_spec s = base_spec(100000000, 0);
	s.queue.limit_pkts = 10;
	make(&f, &s, 100);
	/* 20 at once: the first goes straight onto the wire, 10 wait, 9 are refused. */
	for (int i = 0; i < 20; i++)
		tl_link_enqueue(f.l, test_pkt(&f.pool, 1514, i % 2 ? 0x1111 : 0x2222), 0);
	struct tl_link_stats st;
	tl_link_stats(f.l, &st);
	assert_int_equal(st.pkts_in, 20);
	assert_int_equal(st.drop_pkts[TL_DROP_QUEUE_FULL], 9);
	assert_int_equal(st.backlog_pkts, 10);
	assert_int_equal(st.max_backlog_bytes, 10 * 1514);
	assert_int_equal(drain(f.l, t, seq, 64), 11);
	tl_link_stats(f.l, &st);
	assert_int_equal(st.pkts_out, 11);
	assert_int_equal(st.bytes_out, 11 * 1514);
	assert_int_equal(st.backlog_pkts + st.line_pkts, 0);
	/* Queue delays of the 11 sent: k x 121120 ns for k = 0..10; p50 (6th) = 5 x 121120
	 * within the histogram's 0.4%; max exact. */
	const struct tl_lhist *h = tl_link_qdelay_hist(f.l);
	assert_int_equal(h->count, 11);
	assert_true(fabs((double)tl_lhist_quantile(h, 0.5) - 605600) <= 605600 * 0.004);
	assert_int_equal(tl_lhist_quantile(h, 1.0), 10 * 121120);
	/* Two flows, counted apart. */
	const struct tl_flowtab *ft = tl_link_flows(f.l);
	assert_int_equal(ft->used, 2);
	uint64_t in = 0, out = 0, dropped = 0;
	for (uint32_t i = 0; i < ft->cap; i++) {
		if (!ft->slots[i].used)
			continue;
		assert_int_equal(ft->slots[i].pkts_in, 10);
		in += ft->slots[i].pkts_in;
		out += ft->slots[i].pkts_out;
		dropped += ft->slots[i].drops;
	}
	assert_int_equal(in, 20);
	assert_int_equal(out, 11);
	assert_int_equal(dropped, 9);
	unmake(&f);
}

static void test_set_at_run_time(void **state)
{
	(void)state;
	struct fixture f;
	struct tl_err err = { 0 };
	struct tl_pkt *out[8];
	struct tl_link_spec s = base_spec(100000000, 0);
	make(&f, &s, 100);
	for (int i = 0; i < 5; i++)
		tl_link_enqueue(f.l, test_pkt(&f.pool, 1514, 1), 0);
	/* Halve the rate at t = 0: the packet on the wire keeps its time, the rest take
	 * 242240 ns each. */
	s.rate_bps = 50000000;
	assert_int_equal(tl_link_set(f.l, &s, 0, &err), 0);
	assert_int_equal(tl_link_dequeue_ready(f.l, 121120, out, 8), 1);
	assert_int_equal(tl_link_next_event_ns(f.l), 121120 + 242240);
	assert_int_equal(tl_link_dequeue_ready(f.l, 121120 + 242240, out, 8), 1);
	/* Replace taildrop by CoDel: the 3 queued packets are flushed. */
	tl_qspec_default(&s.queue, TL_QDISC_CODEL);
	assert_int_equal(tl_link_set(f.l, &s, 121120 + 242240, &err), 0);
	assert_int_equal(f.drops.by_cause[TL_DROP_FLUSH], 2);
	/* A bad spec is refused with a message, and the link keeps running. */
	s.queue.codel.interval_ns = 0;
	assert_int_not_equal(tl_link_set(f.l, &s, 400000, &err), 0);
	assert_non_null(strstr(err.msg, "interval"));
	assert_int_equal(tl_link_qdisc(f.l)->spec.kind, TL_QDISC_CODEL);
	/* Destroy gives back what is still in flight. */
	unsigned before = f.drops.n;
	tl_link_destroy(f.l, 400000);
	assert_int_equal(f.drops.n - before, 1);
	test_pool_free(&f.pool);
	test_drops_free(&f.drops);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tx_time_exact),
		cmocka_unit_test(test_serialisation_back_to_back),
		cmocka_unit_test(test_delay_exact_and_event_api),
		cmocka_unit_test(test_event_is_a_departure_not_a_start),
		cmocka_unit_test(test_lazy_driver_same_as_stepped),
		cmocka_unit_test(test_jitter_never_reorders),
		cmocka_unit_test(test_bernoulli_loss_within_bound),
		cmocka_unit_test(test_gilbert_elliott_stationary_mean),
		cmocka_unit_test(test_same_seed_repeats_exactly),
		cmocka_unit_test(test_queue_full_stats_hists_flows),
		cmocka_unit_test(test_set_at_run_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
