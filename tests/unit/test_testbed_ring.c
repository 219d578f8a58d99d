/*
 * The transmit threads' ring: entries come out in the order they went in, a full ring
 * refuses a push without losing anything, and a producer and a consumer on two threads
 * see every entry once, in order.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "testbed/ring.h"

static void *val(uintptr_t i)
{
	return (void *)(i + 1); /* never NULL */
}

static void test_capacity(void **state)
{
	(void)state;
	struct tl_err err = { 0 };
	struct tl_testbed_ring r;
	assert_int_equal(tl_testbed_ring_init(&r, 5, &err), 0);
	assert_int_equal(tl_testbed_ring_capacity(&r), 8);
	tl_testbed_ring_free(&r);
	assert_int_equal(tl_testbed_ring_init(&r, 64, &err), 0);
	assert_int_equal(tl_testbed_ring_capacity(&r), 64);
	tl_testbed_ring_free(&r);
	assert_true(tl_testbed_ring_init(&r, 0, &err) < 0);
	assert_non_null(strstr(err.msg, "0 entries"));
}

static void test_order_and_full(void **state)
{
	(void)state;
	struct tl_err err = { 0 };
	struct tl_testbed_ring r;
	assert_int_equal(tl_testbed_ring_init(&r, 4, &err), 0);
	void *out[8];
	assert_true(tl_testbed_ring_empty(&r));
	assert_int_equal(tl_testbed_ring_pop(&r, out, 8), 0);
	/* Around the end of the slots several times: order holds across the wrap. */
	uintptr_t next_in = 0, next_out = 0;
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 4; i++)
			assert_true(tl_testbed_ring_push(&r, val(next_in++)));
		/* Full: the push fails and the ring is as it was. */
		assert_false(tl_testbed_ring_push(&r, val(999)));
		assert_false(tl_testbed_ring_empty(&r));
		assert_int_equal(tl_testbed_ring_pop(&r, out, 3), 3);
		for (int i = 0; i < 3; i++)
			assert_ptr_equal(out[i], val(next_out++));
		/* Three slots free again: three pushes fit, the fourth does not. */
		for (int i = 0; i < 3; i++)
			assert_true(tl_testbed_ring_push(&r, val(next_in++)));
		assert_false(tl_testbed_ring_push(&r, val(999)));
		assert_int_equal(tl_testbed_ring_pop(&r, out, 8), 4);
		for (int i = 0; i < 4; i++)
			assert_ptr_equal(out[i], val(next_out++));
		assert_true(tl_testbed_ring_empty(&r));
	}
	assert_int_equal(next_in, next_out);
	tl_testbed_ring_free(&r);
}

#define N_THREADED 200000u

static void *producer(void *arg)
{
	struct tl_testbed_ring *r = arg;
	for (uintptr_t i = 0; i < N_THREADED; i++)
		while (!tl_testbed_ring_push(r, val(i)))
			;
	return NULL;
}

static void test_two_threads(void **state)
{
	(void)state;
	struct tl_err err = { 0 };
	struct tl_testbed_ring r;
	/* Small, so the producer finds it full often and the consumer finds it empty. */
	assert_int_equal(tl_testbed_ring_init(&r, 16, &err), 0);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, producer, &r), 0);
	uintptr_t next = 0;
	unsigned bad = 0;
	while (next < N_THREADED) {
		void *out[7];
		unsigned n = tl_testbed_ring_pop(&r, out, 7);
		for (unsigned i = 0; i < n; i++)
			bad += out[i] != val(next++);
	}
	pthread_join(t, NULL);
	assert_int_equal(bad, 0);
	assert_true(tl_testbed_ring_empty(&r));
	tl_testbed_ring_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_order_and_full),
		cmocka_unit_test(test_two_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
