/*
 * The engine's lifecycle on real sockets: the start barrier (no worker moves a byte before
 * start_ns, whatever mode its flows are in), the stop through each worker's eventfd (during
 * a run, in the blocking solo loops, before the start, never started), senders ending at
 * stop_ns, and freeing without a stop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "test_engine_util.h"

/* A stop must end a run this much sooner than the run's own stop time at the latest. */
#define STOP_PROMPT (10 * TL_NSEC_PER_SEC)

static struct tl_flow_params sender(int fd, uint32_t id, uint64_t budget)
{
	return (struct tl_flow_params){ .fd = fd, .id = id, .sender = 1, .budget = budget,
					.mode = TL_MODE_STREAM };
}

static struct tl_flow_params rr_client(int fd, uint32_t id)
{
	return (struct tl_flow_params){ .fd = fd, .id = id, .sender = 1, .mode = TL_MODE_RR_CLIENT,
					.request_size = 100, .response_size = 100 };
}

/*
 * Three workers, each with a different kind of flow (a stream sender alone: the blocking
 * solo loop; a stream sender beside a receiver: the epoll loop; an rr client), started
 * 300 ms from now: nothing reaches any peer before then, and every flow's first progress
 * is stamped at or after the start instant.
 */
static void test_start_barrier(void **state)
{
	(void)state;
	int a[2], b[2], c[2], idle[2];
	ts_unix_pair(a);
	ts_tcp_pair(b);
	ts_unix_pair(c);
	ts_unix_pair(idle);
	struct tl_engine *e = eu_engine(3, 8, 4096, 0, 1);
	/* slots go round-robin over the workers: 0 -> w0, 1 -> w1, 2 -> w2, 3 -> w0 */
	struct tl_flow_params p0 = sender(a[0], 1, 16 * 1024); /* fits the unread buffers */
	struct tl_flow_params p1 = sender(b[0], 2, 16 * 1024);
	struct tl_flow_params p2 = rr_client(c[0], 3);
	struct tl_flow_params p3 = { .fd = idle[0], .id = 4, .mode = TL_MODE_STREAM };
	int s0 = eu_add(e, &p0), s1 = eu_add(e, &p1), s2 = eu_add(e, &p2);
	eu_add(e, &p3);
	uint64_t start = tl_now_ns() + 300 * MS;
	assert_int_equal(tl_engine_start(e, start, start + 60 * TL_NSEC_PER_SEC), 0);
	eu_sleep_ms(150);
	if (tl_now_ns() < start) { /* a starved test thread may wake late: judge only in time */
		assert_true(eu_nothing_pending(a[1]));
		assert_true(eu_nothing_pending(b[1]));
		assert_true(eu_nothing_pending(c[1]));
		for (int s = 0; s < 3; s++)
			assert_int_equal(eu_sample(e, s).bytes, 0);
	}
	struct tl_flow_sample f0 = eu_wait_finished(e, s0), f1 = eu_wait_finished(e, s1);
	assert_int_equal(f0.state, TL_FLOW_DONE);
	assert_int_equal(f1.state, TL_FLOW_DONE);
	assert_true(f0.last_progress_ns >= start);
	assert_true(f1.last_progress_ns >= start);
	uint8_t req[100];
	eu_read_exact(c[1], req, sizeof(req)); /* the rr client's first request */
	struct tl_flow_sample f2 = eu_sample(e, s2);
	assert_int_equal(f2.bytes, 100);
	assert_true(f2.last_progress_ns == 0 || f2.last_progress_ns >= start);
	tl_engine_stop(e, NULL);
	tl_engine_free(e);
	close(a[1]);
	close(b[1]);
	close(c[1]);
	close(idle[1]);
}

/* Times tl_engine_stop. */
static uint64_t timed_stop(struct tl_engine *e, struct tl_cpu_sample *cpu)
{
	uint64_t t0 = tl_now_ns();
	tl_engine_stop(e, cpu);
	return tl_now_ns() - t0;
}

/* Stopped before its start: the workers leave at once, and no byte has moved. */
static void test_stop_before_start(void **state)
{
	(void)state;
	int a[2];
	ts_unix_pair(a);
	struct tl_engine *e = eu_engine(2, 4, 4096, 0, 0);
	struct tl_flow_params p = sender(a[0], 1, 0);
	int s = eu_add(e, &p);
	uint64_t start = tl_now_ns() + 30 * TL_NSEC_PER_SEC;
	tl_engine_start(e, start, start + TL_NSEC_PER_SEC);
	eu_sleep_ms(50);
	struct tl_cpu_sample cpu;
	assert_true(timed_stop(e, &cpu) < STOP_PROMPT);
	assert_int_equal(eu_sample(e, s).bytes, 0);
	assert_int_equal(eu_sample(e, s).state, TL_FLOW_ACTIVE);
	assert_true(eu_nothing_pending(a[1]));
	/* no worker began sending, so none has CPU time to report */
	assert_int_equal(cpu.user_ns + cpu.sys_ns, 0);
	/* idempotent */
	assert_true(timed_stop(e, NULL) < STOP_PROMPT);
	tl_engine_free(e);
	close(a[1]);
}

/* Never started: the eventfd is the only thing that can end the workers' wait. */
static void test_stop_never_started(void **state)
{
	(void)state;
	struct tl_engine *e = eu_engine(4, 0, 1000, 0, 1);
	eu_sleep_ms(20);
	assert_true(timed_stop(e, NULL) < STOP_PROMPT);
	tl_engine_free(e);
	/* and freed without a stop (it stops first) */
	e = eu_engine(2, 1, 1000, 0, 0);
	tl_engine_free(e);
	tl_engine_free(NULL);
}

/*
 * A stop in the middle of a run whose own stop time is a minute away ends every kind of
 * worker promptly: one blocked in the epoll loop (two flows whose peers never read), one in
 * the solo stream loop blocked in send(), one in the solo rr loop blocked in recv().
 */
static void test_stop_during_run(void **state)
{
	(void)state;
	int a[2], b[2], c[2], d[2];
	ts_unix_pair(a);
	ts_unix_pair(b);
	ts_tcp_pair(c);
	ts_unix_pair(d);
	struct tl_engine *e = eu_engine(3, 8, 65536, 0, 1);
	struct tl_flow_params pa = sender(a[0], 1, 0), pc = sender(c[0], 3, 0), pb = sender(b[0], 2, 0);
	struct tl_flow_params pd = { .fd = d[0], .id = 4, .mode = TL_MODE_RR_SERVER,
				     .request_size = 100, .response_size = 100 };
	int sa = eu_add(e, &pa);  /* w0 */
	int sc = eu_add(e, &pc);  /* w1: alone, solo stream */
	eu_add(e, &pd);           /* w2: alone, solo rr server, no request ever comes */
	int sb = eu_add(e, &pb);  /* w0: two flows, epoll */
	eu_start_now(e);
	/* every sender fills its peer's buffer and then waits */
	eu_wait_bytes(e, sa, 0);
	eu_wait_bytes(e, sb, 0);
	eu_wait_bytes(e, sc, 0);
	eu_sleep_ms(100);
	struct tl_cpu_sample cpu;
	assert_true(timed_stop(e, &cpu) < STOP_PROMPT);
	assert_true(cpu.wall_ns > 0);
	/* stopped, not finished: the flows are still active, with what they moved */
	assert_int_equal(eu_sample(e, sa).state, TL_FLOW_ACTIVE);
	assert_int_equal(eu_sample(e, sc).state, TL_FLOW_ACTIVE);
	uint64_t moved = eu_sample(e, sc).bytes;
	eu_sleep_ms(50);
	assert_int_equal(eu_sample(e, sc).bytes, moved);
	tl_engine_free(e);
	close(a[1]);
	close(b[1]);
	close(c[1]);
	close(d[1]);
}

/*
 * Senders end by themselves at stop_ns (time mode): no byte is stamped after it, the count
 * stays put, and the flow is not DONE (only a budget or EOF makes it so). Solo and epoll.
 */
static void senders_end_at_stop(uint32_t threads)
{
	int a[2], b[2];
	ts_unix_pair(a);
	ts_unix_pair(b);
	struct tl_engine *e = eu_engine(threads, 4, 16384, 0, 0);
	struct tl_flow_params pa = sender(a[0], 1, 0), pb = sender(b[0], 2, 0);
	int sa = eu_add(e, &pa), sb = eu_add(e, &pb);
	struct eu_drain d = { .fds = { a[1], b[1] }, .n = 2, .check_flow = -1 };
	eu_drain_start(&d);
	uint64_t start = tl_now_ns(), stop = start + 200 * MS;
	tl_engine_start(e, start, stop);
	while (tl_now_ns() < stop)
		eu_sleep_ms(20);
	struct tl_flow_sample x2 = eu_wait_stable(e, sa, 100), y2 = eu_wait_stable(e, sb, 100);
	assert_true(x2.bytes > 0 && y2.bytes > 0);
	assert_true(x2.last_progress_ns < stop);
	assert_true(y2.last_progress_ns < stop);
	assert_int_equal(x2.state, TL_FLOW_ACTIVE);
	tl_engine_stop(e, NULL);
	assert_int_equal(eu_sample(e, sa).bytes, x2.bytes);
	assert_int_equal(eu_sample(e, sb).bytes, y2.bytes);
	tl_engine_free(e); /* closes the engine's ends: the peers read on to the EOF */
	eu_drain_wait_eof(&d);
	eu_drain_join(&d);
	/* what the peers read is what the engine counted */
	assert_int_equal(eu_drained(&d, 0), x2.bytes);
	assert_int_equal(eu_drained(&d, 1), y2.bytes);
	close(a[1]);
	close(b[1]);
}

static void test_senders_end_at_stop_solo(void **state)
{
	(void)state;
	senders_end_at_stop(2);
}

static void test_senders_end_at_stop_epoll(void **state)
{
	(void)state;
	senders_end_at_stop(1);
}

/* More flows than the engine was made for: refused with the number; rr needs latency on. */
static void test_add_flow_refusals(void **state)
{
	(void)state;
	int a[2], b[2];
	ts_unix_pair(a);
	ts_unix_pair(b);
	struct tl_engine *e = eu_engine(1, 1, 1000, 0, 0);
	struct tl_flow_params p = rr_client(a[0], 1);
	struct tl_err err = { 0 };
	assert_int_equal(tl_engine_add_flow(e, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "latency"));
	p = sender(a[0], 1, 0);
	assert_int_equal(tl_engine_add_flow(e, &p, &err), 0);
	assert_int_equal(tl_engine_flow_fd(e, 0), a[0]);
	assert_int_equal(tl_engine_flow_fd(e, 1), -1);
	p = sender(b[0], 2, 0);
	assert_int_equal(tl_engine_add_flow(e, &p, &err), -ENOSPC);
	assert_non_null(strstr(err.msg, "more than 1 flows"));
	assert_int_equal(tl_engine_flow_count(e), 1);
	tl_engine_free(e);
	close(b[0]);
	close(a[1]);
	close(b[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_barrier),
		cmocka_unit_test(test_stop_before_start),
		cmocka_unit_test(test_stop_never_started),
		cmocka_unit_test(test_stop_during_run),
		cmocka_unit_test(test_senders_end_at_stop_solo),
		cmocka_unit_test(test_senders_end_at_stop_epoll),
		cmocka_unit_test(test_add_flow_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
