/* Taildrop FIFO: exact byte and packet capacity, FIFO order, run-time limit change, flush. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "emu/qdisc.h"
#include "test_emu_pool.h"

struct fixture {
	struct test_pool pool;
	struct test_drops drops;
	struct tl_qdisc *q;
};

static struct tl_qdisc *make(struct fixture *f, uint64_t limit_bytes, uint64_t limit_pkts)
{
	struct tl_qspec s;
	struct tl_err err = { 0 };
	tl_qspec_default(&s, TL_QDISC_TAILDROP);
	s.limit_bytes = limit_bytes;
	s.limit_pkts = limit_pkts;
	test_pool_init(&f->pool, 1000);
	test_drops_init(&f->drops, 1000);
	assert_int_equal(tl_qdisc_create(&s, test_drop_cb, &f->drops, &f->q, &err), 0);
	return f->q;
}

static void unmake(struct fixture *f)
{
	tl_qdisc_destroy(f->q, 0);
	test_pool_free(&f->pool);
	test_drops_free(&f->drops);
}

static void test_exact_byte_capacity(void **state)
{
	(void)state;
	struct fixture f;
	struct tl_qdisc *q = make(&f, 10000, 0);
	/* 6 x 1514 = 9084 fits; a 7th would make 10598 > 10000. */
	for (int i = 0; i < 6; i++)
		assert_int_equal(tl_qdisc_enqueue(q, test_pkt(&f.pool, 1514, 1), 0), TL_DROP_NONE);
	assert_int_equal(tl_qdisc_enqueue(q, test_pkt(&f.pool, 1514, 1), 0), TL_DROP_QUEUE_FULL);
	/* 9084 + 916 = 10000 exactly: accepted; then not one byte more. */
	assert_int_equal(tl_qdisc_enqueue(q, test_pkt(&f.pool, 916, 1), 0), TL_DROP_NONE);
	assert_int_equal(q->backlog_bytes, 10000);
	assert_int_equal(tl_qdisc_enqueue(q, test_pkt(&f.pool, 1, 1), 0), TL_DROP_QUEUE_FULL);
	assert_int_equal(f.drops.n, 2);
	assert_int_equal(f.drops.by_cause[TL_DROP_QUEUE_FULL], 2);
	assert_int_equal(f.drops.ev[0].pkt->user, 6);
	assert_int_equal(q->stats.drop_bytes[TL_DROP_QUEUE_FULL], 1515);
	/* One out, room for exactly one full-size packet again. */
	struct tl_pkt *p = tl_qdisc_dequeue(q, 1);
	assert_non_null(p);
	assert_int_equal(p->user, 0);
	assert_int_equal(tl_qdisc_enqueue(q, test_pkt(&f.pool, 1514, 1), 1), TL_DROP_NONE);
	assert_int_equal(q->backlog_bytes, 10000);
	assert_int_equal(q->stats.enq_pkts, 8);
	unmake(&f);
}

static void test_packet_capacity_and_order(void **state)
{
	(void)state;
	struct fixture f;
	struct tl_qdisc *q = make(&f, 0, 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(tl_qdisc_enqueue(q, test_pkt(&f.pool, 60000, 1), 0), TL_DROP_NONE);
	assert_int_equal(tl_qdisc_enqueue(q, test_pkt(&f.pool, 40, 1), 0), TL_DROP_QUEUE_FULL);
	for (uint32_t i = 0; i < 3; i++) {
		struct tl_pkt *p = tl_qdisc_dequeue(q, 5);
		assert_non_null(p);
		assert_int_equal(p->user, i);
		assert_int_equal(p->enqueue_ns, 0);
	}
	assert_null(tl_qdisc_dequeue(q, 5));
	assert_int_equal(q->backlog_pkts, 0);
	assert_int_equal(q->backlog_bytes, 0);
	unmake(&f);
}

static void test_change_trims_from_head_and_destroy_flushes(void **state)
{
	(void)state;
	struct fixture f;
	struct tl_qdisc *q = make(&f, 0, 10);
	struct tl_err err = { 0 };
	for (int i = 0; i < 10; i++)
		tl_qdisc_enqueue(q, test_pkt(&f.pool, 1000, 1), 0);
	struct tl_qspec s = q->spec;
	s.limit_pkts = 4;
	assert_int_equal(tl_qdisc_change(q, &s, 1, &err), 0);
	assert_int_equal(q->backlog_pkts, 4);
	assert_int_equal(f.drops.n, 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(f.drops.ev[i].pkt->user, i); /* the oldest went first */
		assert_int_equal(f.drops.ev[i].cause, TL_DROP_QUEUE_FULL);
	}
	/* A different discipline cannot be changed into in place. */
	tl_qspec_default(&s, TL_QDISC_CODEL);
	assert_int_not_equal(tl_qdisc_change(q, &s, 1, &err), 0);
	assert_non_null(strstr(err.msg, "cannot change into codel"));
	/* Destroy hands the 4 left back as flushed. */
	tl_qdisc_destroy(q, 2);
	assert_int_equal(f.drops.by_cause[TL_DROP_FLUSH], 4);
	test_pool_free(&f.pool);
	test_drops_free(&f.drops);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_byte_capacity),
		cmocka_unit_test(test_packet_capacity_and_order),
		cmocka_unit_test(test_change_trims_from_head_and_destroy_flushes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
