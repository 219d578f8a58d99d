/*
 * Stream flows on real sockets: exact byte counts (the engine's count, the peer's count and
 * the budget agree to the byte, over a socketpair and loopback TCP, in the solo loop and the
 * epoll loop), --verify's checks, the write turns that share one worker among its flows, and
 * the progress stamps that the workload's stall detection reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "test_engine_util.h"

/* Not a multiple of any send size: the last send is a short one. */
#define ODD_BUDGET ((3u << 20) + 12345u)

static struct tl_flow_params stream(int fd, uint32_t id, int sender, uint64_t budget)
{
	return (struct tl_flow_params){ .fd = fd, .id = id, .sender = sender, .budget = budget,
					.mode = TL_MODE_STREAM };
}

/*
 * A sender with a budget and a receiver, both in one engine: the sender sends exactly the
 * budget and shuts down, the receiver counts exactly that much and sees the EOF.
 * threads 2: each worker has one flow (solo loop unless verify); threads 1: both share a
 * worker (epoll loop and its turns).
 */
static void engine_to_engine(int tcp, uint32_t threads, uint32_t length, int verify)
{
	int sv[2];
	if (tcp)
		ts_tcp_pair(sv);
	else
		ts_unix_pair(sv);
	struct tl_engine *e = eu_engine(threads, 2, length, verify, 0);
	struct tl_flow_params ps = stream(sv[0], 9, 1, ODD_BUDGET), pr = stream(sv[1], 9, 0, 0);
	int ss = eu_add(e, &ps), sr = eu_add(e, &pr);
	eu_start_now(e);
	struct tl_flow_sample s = eu_wait_finished(e, ss), r = eu_wait_finished(e, sr);
	tl_engine_stop(e, NULL);
	assert_int_equal(s.state, TL_FLOW_DONE);
	assert_int_equal(r.state, TL_FLOW_DONE);
	assert_int_equal(s.bytes, ODD_BUDGET);
	assert_int_equal(r.bytes, ODD_BUDGET);
	assert_int_equal(r.verify_errors, 0);
	uint64_t calls = 0;
	for (int k = 0; k < TL_IO_SIZE_BUCKETS; k++)
		calls += r.io_calls[k];
	if (verify) {
		/* every recv() is in a bucket, none larger than the length asked of it */
		assert_true(calls > 0 && calls <= ODD_BUDGET);
		for (int k = 0; k < TL_IO_SIZE_BUCKETS; k++)
			if (s.io_calls[k])
				assert_true((1ull << k) <= length);
	} else {
		assert_int_equal(calls, 0);
	}
	tl_engine_free(e);
}

static void test_exact_unix_solo(void **state)
{
	(void)state;
	engine_to_engine(0, 2, 128 * 1024, 0);
}

static void test_exact_tcp_solo(void **state)
{
	(void)state;
	engine_to_engine(1, 2, 1000, 0);
}

static void test_exact_unix_shared_worker(void **state)
{
	(void)state;
	engine_to_engine(0, 1, 65536, 0);
}

static void test_exact_tcp_verify(void **state)
{
	(void)state;
	engine_to_engine(1, 2, 128 * 1024, 1);
}

/* The engine's sender against a raw reader: the same count, and the pattern byte for byte. */
static void test_sender_bytes_match_pattern(void **state)
{
	(void)state;
	int sv[2];
	ts_tcp_pair(sv);
	struct tl_engine *e = eu_engine(1, 1, 7000, 0, 0);
	struct tl_flow_params p = stream(sv[0], 5, 1, ODD_BUDGET);
	int s = eu_add(e, &p);
	struct eu_drain d = { .fds = { sv[1] }, .n = 1, .check_flow = 5 };
	eu_drain_start(&d);
	eu_start_now(e);
	assert_int_equal(eu_wait_finished(e, s).state, TL_FLOW_DONE);
	eu_drain_wait_eof(&d); /* the shutdown after the budget */
	eu_drain_join(&d);
	assert_int_equal(eu_drained(&d, 0), ODD_BUDGET);
	assert_int_equal(d.mismatches, 0);
	assert_int_equal(eu_sample(e, s).bytes, ODD_BUDGET);
	tl_engine_free(e);
	close(sv[1]);
}

/*
 * A raw writer against the engine's receiver with --verify: a clean stream has no errors; a
 * stream with one byte changed is caught, at that byte's offset.
 */
static void receiver_checks(long bad_at)
{
	const size_t len = 300000;
	uint8_t *data = malloc(len);
	assert_non_null(data);
	for (size_t i = 0; i < len; i++)
		data[i] = tl_pattern_byte(3, i);
	if (bad_at >= 0)
		data[bad_at] ^= 0x01;
	int sv[2];
	ts_unix_pair(sv);
	struct tl_engine *e = eu_engine(1, 1, 4096, 1, 0);
	struct tl_flow_params p = stream(sv[1], 3, 0, 0);
	int s = eu_add(e, &p);
	eu_start_now(e);
	eu_write_all(sv[0], data, len);
	close(sv[0]);
	struct tl_flow_sample r = eu_wait_finished(e, s);
	assert_int_equal(r.state, TL_FLOW_DONE);
	assert_int_equal(r.bytes, len);
	if (bad_at < 0) {
		assert_int_equal(r.verify_errors, 0);
	} else {
		assert_true(r.verify_errors >= 1);
		assert_int_equal(r.first_bad_offset, (uint64_t)bad_at);
	}
	tl_engine_free(e);
	free(data);
}

static void test_receiver_verify_clean(void **state)
{
	(void)state;
	receiver_checks(-1);
}

static void test_receiver_verify_catches_one_byte(void **state)
{
	(void)state;
	receiver_checks(123457);
}

/*
 * Write turns: two senders on one worker, one whose peer never reads. The blocked flow
 * fills its buffer and stops; the other keeps its turns and moves on, far past it.
 */
static void test_blocked_flow_does_not_hold_the_worker(void **state)
{
	(void)state;
	int a[2], b[2];
	ts_unix_pair(a);
	ts_unix_pair(b);
	struct tl_engine *e = eu_engine(1, 2, 65536, 0, 0);
	struct tl_flow_params pa = stream(a[0], 1, 1, 0), pb = stream(b[0], 2, 1, 0);
	int sa = eu_add(e, &pa), sb = eu_add(e, &pb);
	struct eu_drain d = { .fds = { b[1] }, .n = 1, .check_flow = -1 };
	eu_drain_start(&d);
	eu_start_now(e);
	eu_wait_bytes(e, sa, 0);
	struct tl_flow_sample a1 = eu_wait_stable(e, sa, 200); /* its buffer is full */
	struct tl_flow_sample b1 = eu_sample(e, sb);
	/* its sibling still gets turns, and moves far past it */
	eu_wait_bytes(e, sb, b1.bytes + 4 * a1.bytes);
	struct tl_flow_sample a2 = eu_sample(e, sa);
	assert_true(a1.bytes > 0);             /* it had its turns until its buffer filled */
	assert_int_equal(a2.bytes, a1.bytes);  /* then it waits, without an error */
	assert_int_equal(a2.state, TL_FLOW_ACTIVE);
	tl_engine_stop(e, NULL);
	eu_drain_join(&d);
	tl_engine_free(e);
	close(a[1]);
	close(b[1]);
}

#define MANY 64

/*
 * Many senders share one worker: each send() is bounded by the flow's turn (4 MiB shared
 * out, at least 64 KiB; 16 KiB on the opening pass) although --length is 1 MiB, and every
 * flow gets turns. The receivers have a worker of their own. The same with a single flow
 * (no sharing) shows that sends over 64 KiB do happen when nothing bounds them.
 */
static uint64_t largest_send(uint32_t nflows)
{
	int sv[MANY][2];
	int slots[MANY];
	struct tl_engine *e = eu_engine(2, 2 * MANY, 1u << 20, 1, 0);
	for (uint32_t i = 0; i < nflows; i++) {
		ts_tcp_pair(sv[i]);
		int big = 4 << 20; /* room for sends larger than a turn (capped by wmem_max) */
		setsockopt(sv[i][0], SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
		struct tl_flow_params ps = stream(sv[i][0], i, 1, 0), pr = stream(sv[i][1], i, 0, 0);
		slots[i] = eu_add(e, &ps); /* even slots: worker 0 */
		eu_add(e, &pr);            /* odd slots: worker 1 */
	}
	eu_start_now(e);
	eu_sleep_ms(500);
	uint64_t largest = 0;
	for (uint32_t i = 0; i < nflows; i++) {
		struct tl_flow_sample s = eu_sample(e, slots[i]);
		assert_true(s.bytes > 0); /* every flow had turns */
		assert_int_equal(s.state, TL_FLOW_ACTIVE);
		for (int k = 0; k < TL_IO_SIZE_BUCKETS; k++)
			if (s.io_calls[k] && (1ull << k) > largest)
				largest = 1ull << k;
	}
	tl_engine_stop(e, NULL);
	tl_engine_free(e);
	return largest;
}

static void test_turns_bound_each_send(void **state)
{
	(void)state;
	assert_true(largest_send(MANY) <= 64 * 1024);
	assert_true(largest_send(1) > 64 * 1024);
}

/*
 * The progress stamps the stall detection reads (workload/side.c): a receiver that stops
 * reading (the engine's fault injection) stops counting and keeps its last stamp, and stays
 * active; the sender behind it fills the buffers and stops progressing too.
 */
static void test_progress_stops_when_reading_stops(void **state)
{
	(void)state;
	int sv[2];
	ts_tcp_pair(sv);
	struct tl_engine *e = eu_engine(2, 2, 65536, 0, 0);
	struct tl_flow_params ps = stream(sv[0], 1, 1, 0), pr = stream(sv[1], 1, 0, 0);
	pr.stop_reading_after_ns = 150 * MS;
	int ss = eu_add(e, &ps), sr = eu_add(e, &pr);
	uint64_t start = tl_now_ns();
	tl_engine_start(e, start, start + 60 * TL_NSEC_PER_SEC);
	eu_wait_stable(e, ss, 300); /* the sender is blocked: the buffers are full */
	struct tl_flow_sample r1 = eu_sample(e, sr), s1 = eu_sample(e, ss);
	eu_sleep_ms(300);
	struct tl_flow_sample r2 = eu_sample(e, sr), s2 = eu_sample(e, ss);
	assert_true(r1.bytes > 0);
	assert_int_equal(r2.bytes, r1.bytes);
	assert_int_equal(r2.last_progress_ns, r1.last_progress_ns);
	assert_true(r2.last_progress_ns > start && r2.last_progress_ns < tl_now_ns() - 300 * MS);
	assert_int_equal(r2.state, TL_FLOW_ACTIVE);
	assert_int_equal(s2.last_progress_ns, s1.last_progress_ns);
	assert_int_equal(s2.state, TL_FLOW_ACTIVE);
	/* what the sender counted beyond the receiver sits in the two socket buffers */
	assert_true(s2.bytes > r2.bytes);
	tl_engine_stop(e, NULL);
	tl_engine_free(e);
}

/* The receiver's peer resets: an error with its errno, not an EOF. */
static void test_reset_is_an_error(void **state)
{
	(void)state;
	int sv[2];
	ts_tcp_pair(sv);
	struct tl_engine *e = eu_engine(1, 2, 65536, 0, 0);
	struct tl_flow_params ps = stream(sv[0], 1, 1, 0);
	int s = eu_add(e, &ps);
	eu_start_now(e);
	eu_wait_bytes(e, s, 0);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(sv[1], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(sv[1]);
	struct tl_flow_sample f = eu_wait_finished(e, s);
	assert_int_equal(f.state, TL_FLOW_ERROR);
	assert_true(f.err_no == ECONNRESET || f.err_no == EPIPE);
	tl_engine_stop(e, NULL);
	tl_engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_unix_solo),
		cmocka_unit_test(test_exact_tcp_solo),
		cmocka_unit_test(test_exact_unix_shared_worker),
		cmocka_unit_test(test_exact_tcp_verify),
		cmocka_unit_test(test_sender_bytes_match_pattern),
		cmocka_unit_test(test_receiver_verify_clean),
		cmocka_unit_test(test_receiver_verify_catches_one_byte),
		cmocka_unit_test(test_blocked_flow_does_not_hold_the_worker),
		cmocka_unit_test(test_turns_bound_each_send),
		cmocka_unit_test(test_progress_stops_when_reading_stops),
		cmocka_unit_test(test_reset_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
