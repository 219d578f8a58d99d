/*
 * FQ-CoDel (RFC 8290): a sparse flow keeps a near-zero queue delay while a fat flow saturates
 * the link (and, as a control, does not under plain CoDel); overflow drops hit the head of the
 * fattest flow; DRR shares between fat flows; per-flow CoDel drops the fat flow only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "emu/qdisc.h"
#include "test_emu_pool.h"

/* Hashes that land in buckets 0, 256, 512 and 768 of 1024 (multiply-shift). */
#define FLOW_A 0x00000000u
#define FLOW_B 0x40000000u
#define FLOW_C 0x80000000u
#define FLOW_D 0xc0000000u

struct fixture {
	struct test_pool pool;
	struct test_drops drops;
	struct tl_qdisc *q;
};

static void make(struct fixture *f, enum tl_qkind kind, uint64_t limit_pkts, uint32_t drop_batch)
{
	struct tl_qspec s;
	struct tl_err err = { 0 };
	tl_qspec_default(&s, kind);
	s.limit_pkts = limit_pkts;
	if (kind == TL_QDISC_FQ_CODEL)
		s.fq_codel.drop_batch = drop_batch;
	test_pool_init(&f->pool, 300000);
	test_drops_init(&f->drops, 300000);
	assert_int_equal(tl_qdisc_create(&s, test_drop_cb, &f->drops, &f->q, &err), 0);
}

static void unmake(struct fixture *f)
{
	tl_qdisc_destroy(f->q, 0);
	test_pool_free(&f->pool);
	test_drops_free(&f->drops);
}

struct isolation {
	uint64_t sparse_max_delay;
	unsigned sparse_out, sparse_dropped, fat_dropped;
};

/*
 * 1 Gbit/s link (one 1514 B departure per 12112 ns); the fat flow offers two packets per
 * departure for 1 s; the sparse flow sends a 100 B packet every 10 ms.
 */
static struct isolation run_isolation(enum tl_qkind kind)
{
	struct fixture f;
	struct isolation r = { 0 };
	const uint64_t tx = 12112;
	make(&f, kind, 10240, 64);
	uint64_t next_sparse = 0;
	for (uint64_t now = 0; now < 1000 * TEST_MS; now += tx) {
		tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 1514, FLOW_A), now);
		tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 1514, FLOW_A), now);
		if (now >= next_sparse) {
			tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 100, FLOW_C), now);
			next_sparse += 10 * TEST_MS;
		}
		struct tl_pkt *p = tl_qdisc_dequeue(f.q, now);
		if (p && p->flow_hash == FLOW_C) {
			r.sparse_out++;
			if (now - p->enqueue_ns > r.sparse_max_delay)
				r.sparse_max_delay = now - p->enqueue_ns;
		}
	}
	for (unsigned i = 0; i < f.drops.n; i++) {
		if (f.drops.ev[i].pkt->flow_hash == FLOW_C)
			r.sparse_dropped++;
		else
			r.fat_dropped++;
	}
	unmake(&f);
	return r;
}

static void test_sparse_flow_isolated_from_fat_flow(void **state)
{
	(void)state;
	struct isolation fq = run_isolation(TL_QDISC_FQ_CODEL);
	/* Each sparse packet is served at the next departure: within one packet time. */
	assert_true(fq.sparse_max_delay <= 12112);
	assert_int_equal(fq.sparse_dropped, 0);
	assert_true(fq.sparse_out >= 99);
	assert_true(fq.fat_dropped > 1000); /* CoDel (and the limit) hold the fat flow back */
	/* Control: one shared CoDel queue makes the sparse flow wait behind the fat one. */
	struct isolation one = run_isolation(TL_QDISC_CODEL);
	assert_true(one.sparse_max_delay > 5 * TEST_MS);
}

static void test_overflow_drops_from_head_of_fattest(void **state)
{
	(void)state;
	struct fixture f;
	make(&f, TL_QDISC_FQ_CODEL, 100, 64);
	for (int i = 0; i < 80; i++)
		tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 1514, FLOW_A), 0);
	for (int i = 0; i < 15; i++)
		tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 1514, FLOW_B), 0);
	for (int i = 0; i < 5; i++)
		tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 1514, FLOW_C), 0);
	assert_int_equal(f.drops.n, 0);
	/* The 101st packet (of a small flow) is kept; the batch comes from A's head: half of
	 * A's 80 packets' bytes, i.e. 40 packets, the oldest first. */
	assert_int_equal(tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 1514, FLOW_C), 0), TL_DROP_NONE);
	assert_int_equal(f.drops.n, 40);
	for (unsigned i = 0; i < 40; i++) {
		assert_int_equal(f.drops.ev[i].pkt->flow_hash, FLOW_A);
		assert_int_equal(f.drops.ev[i].pkt->user, i);
		assert_int_equal(f.drops.ev[i].cause, TL_DROP_QUEUE_FULL);
	}
	assert_int_equal(f.q->backlog_pkts, 61);
	unmake(&f);

	/* drop_batch 1: exactly one packet, A's head, per overflow. */
	make(&f, TL_QDISC_FQ_CODEL, 100, 1);
	for (int i = 0; i < 60; i++)
		tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 1514, FLOW_B), 0);
	for (int i = 0; i < 40; i++)
		tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 1514, FLOW_A), 0);
	tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 1514, FLOW_D), 0);
	assert_int_equal(f.drops.n, 1);
	assert_int_equal(f.drops.ev[0].pkt->flow_hash, FLOW_B);
	assert_int_equal(f.drops.ev[0].pkt->user, 0);
	assert_int_equal(f.q->backlog_pkts, 100);
	unmake(&f);
}

static void test_overflow_by_bytes_and_own_flow(void **state)
{
	(void)state;
	struct fixture f;
	struct tl_err err = { 0 };
	make(&f, TL_QDISC_FQ_CODEL, 0, 64);
	struct tl_qspec s = f.q->spec;
	s.limit_bytes = 10 * 1514;
	assert_int_equal(tl_qdisc_change(f.q, &s, 0, &err), 0);
	for (int i = 0; i < 10; i++)
		tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 1514, FLOW_A), 0);
	/* The arriving packet belongs to the fattest flow itself: A drops from its head until
	 * half its 11 x 1514 B are gone (6 packets); the new one, at the tail, stays. */
	assert_int_equal(tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 1514, FLOW_A), 0), TL_DROP_NONE);
	assert_int_equal(f.drops.n, 6);
	assert_true(f.q->backlog_bytes <= 10 * 1514);
	unmake(&f);

	/* A lone packet bigger than the whole byte limit: it is the victim itself. */
	make(&f, TL_QDISC_FQ_CODEL, 0, 64);
	s = f.q->spec;
	s.limit_bytes = 1514;
	assert_int_equal(tl_qdisc_change(f.q, &s, 0, &err), 0);
	assert_int_equal(tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 3000, FLOW_A), 0),
			 TL_DROP_QUEUE_FULL);
	assert_int_equal(f.q->backlog_pkts, 0);
	unmake(&f);
}

static void test_drr_shares_between_fat_flows(void **state)
{
	(void)state;
	struct fixture f;
	make(&f, TL_QDISC_FQ_CODEL, 0, 64);
	/* A sends 1514 B packets, B 500 B packets; both always backlogged. DRR with a
	 * 1514 B quantum gives each the same bytes, within one quantum. */
	for (int i = 0; i < 2000; i++) {
		tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 1514, FLOW_A), 0);
		tl_qdisc_enqueue(f.q, test_pkt(&f.pool, 500, FLOW_B), 0);
	}
	uint64_t bytes_a = 0, bytes_b = 0;
	for (int i = 0; i < 2000; i++) {
		/* sojourns stay tiny (same instant), so CoDel stays out of it */
		struct tl_pkt *p = tl_qdisc_dequeue(f.q, 0);
		assert_non_null(p);
		if (p->flow_hash == FLOW_A)
			bytes_a += p->len;
		else
			bytes_b += p->len;
		int64_t diff = (int64_t)bytes_a - (int64_t)bytes_b;
		assert_true(diff <= 2 * 1514 && diff >= -2 * 1514);
	}
	struct tl_qdisc_info info;
	tl_qdisc_info(f.q, &info);
	assert_int_equal(info.new_flows + info.old_flows, 2);
	unmake(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sparse_flow_isolated_from_fat_flow),
		cmocka_unit_test(test_overflow_drops_from_head_of_fattest),
		cmocka_unit_test(test_overflow_by_bytes_and_own_flow),
		cmocka_unit_test(test_drr_shares_between_fat_flows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
