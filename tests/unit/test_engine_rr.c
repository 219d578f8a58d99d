/*
 * Request/response turns on real sockets, with the test as the raw other end: a closed-loop
 * client sends one request and nothing more until the whole response is in; a server answers
 * each whole request and only whole requests; an open-loop client sends on its schedule
 * without waiting; crr connectors and the crr server count what they did. Each in the blocking
 * solo loop (a worker with one flow) and the epoll loop (a worker with two).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "measure/hist.h"
#include "net/addr.h"
#include "net/sock.h"
#include "test_engine_util.h"

#define REQ 100
#define RESP 300
/* How long the raw end waits to be sure nothing more comes: a turn taken out of order would
 * already be in the socket (both ends are on this host). */
#define QUIET_MS 20

/*
 * An engine whose worker holds the flow under test, and with shared = 1 also an idle stream
 * receiver, which puts the worker in the epoll loop instead of the solo one.
 */
static struct tl_engine *rr_engine(const struct tl_flow_params *p, int shared, int idle[2], int *slot)
{
	struct tl_engine *e = eu_engine(1, 2, 65536, 0, 1);
	*slot = eu_add(e, p);
	idle[0] = idle[1] = -1;
	if (shared) {
		ts_unix_pair(idle);
		struct tl_flow_params q = { .fd = idle[0], .id = 99, .mode = TL_MODE_STREAM };
		eu_add(e, &q);
	}
	return e;
}

static void client_alternates(int shared)
{
	int sv[2], idle[2], slot;
	ts_unix_pair(sv);
	struct tl_flow_params p = { .fd = sv[0], .id = 1, .sender = 1, .mode = TL_MODE_RR_CLIENT,
				    .request_size = REQ, .response_size = RESP };
	struct tl_engine *e = rr_engine(&p, shared, idle, &slot);
	uint64_t now = eu_start_now(e);
	uint8_t req[REQ], resp[RESP];
	memset(resp, 'r', sizeof(resp));
	const int rounds = 20;
	for (int i = 0; i < rounds; i++) {
		eu_read_exact(sv[1], req, REQ);
		eu_sleep_ms(QUIET_MS);
		assert_true(eu_nothing_pending(sv[1])); /* one request, then its turn ends */
		assert_int_equal(eu_sample(e, slot).transactions, (uint64_t)i);
		/* half a response is not a response: still no next request */
		eu_write_all(sv[1], resp, RESP / 2);
		eu_sleep_ms(QUIET_MS);
		assert_true(eu_nothing_pending(sv[1]));
		eu_write_all(sv[1], resp + RESP / 2, RESP - RESP / 2);
	}
	eu_read_exact(sv[1], req, REQ); /* the request after the last response */
	/* an rr flow counts both directions, to the byte (stored just after the send) */
	eu_wait_bytes(e, slot, (uint64_t)rounds * (REQ + RESP) + REQ - 1);
	eu_sleep_ms(QUIET_MS);
	struct tl_flow_sample s = eu_sample(e, slot);
	assert_int_equal(s.transactions, (uint64_t)rounds);
	assert_int_equal(s.bytes, (uint64_t)rounds * (REQ + RESP) + REQ);
	assert_true(s.last_progress_ns >= now);
	struct tl_engine_counters c;
	tl_engine_counters(e, &c);
	assert_int_equal(c.transactions, (uint64_t)rounds);
	/* every transaction timed, once */
	struct tl_hist *h = tl_hist_new();
	assert_non_null(h);
	tl_engine_take_latency(e, h, NULL);
	assert_int_equal(tl_hist_count(h), (uint64_t)rounds);
	tl_hist_reset(h);
	tl_engine_take_latency(e, h, NULL); /* taken: the next interval starts empty */
	assert_int_equal(tl_hist_count(h), 0);
	tl_hist_free(h);
	tl_engine_stop(e, NULL);
	tl_engine_free(e);
	close(sv[1]);
	if (idle[1] >= 0)
		close(idle[1]);
}

static void test_client_alternates_solo(void **state)
{
	(void)state;
	client_alternates(0);
}

static void test_client_alternates_epoll(void **state)
{
	(void)state;
	client_alternates(1);
}

static void server_answers_whole_requests(int shared)
{
	int sv[2], idle[2], slot;
	ts_unix_pair(sv);
	struct tl_flow_params p = { .fd = sv[0], .id = 1, .mode = TL_MODE_RR_SERVER,
				    .request_size = REQ, .response_size = RESP };
	struct tl_engine *e = rr_engine(&p, shared, idle, &slot);
	eu_start_now(e);
	uint8_t req[3 * REQ], resp[3 * RESP];
	memset(req, 'q', sizeof(req));
	/* two and a half requests in one write: two responses, not three */
	eu_write_all(sv[1], req, 2 * REQ + REQ / 2);
	eu_read_exact(sv[1], resp, 2 * RESP);
	eu_sleep_ms(QUIET_MS);
	assert_true(eu_nothing_pending(sv[1]));
	assert_int_equal(eu_sample(e, slot).transactions, 2);
	/* the rest of the third, one byte at a time */
	for (int i = 0; i < REQ / 2; i++)
		eu_write_all(sv[1], req, 1);
	eu_read_exact(sv[1], resp, RESP);
	eu_sleep_ms(QUIET_MS);
	assert_true(eu_nothing_pending(sv[1]));
	struct tl_flow_sample s = eu_sample(e, slot);
	assert_int_equal(s.transactions, 3);
	assert_int_equal(s.bytes, 3 * (REQ + RESP));
	/* the client leaves: the server's flow ends (an rr server has no budget to finish) */
	close(sv[1]);
	s = eu_wait_finished(e, slot);
	assert_int_equal(s.state, TL_FLOW_ERROR);
	assert_int_equal(s.err_no, EPIPE);
	tl_engine_stop(e, NULL);
	tl_engine_free(e);
	if (idle[1] >= 0)
		close(idle[1]);
}

static void test_server_answers_whole_requests_solo(void **state)
{
	(void)state;
	server_answers_whole_requests(0);
}

static void test_server_answers_whole_requests_epoll(void **state)
{
	(void)state;
	server_answers_whole_requests(1);
}

/*
 * Open loop (--rate): requests leave on their schedule whether or not responses came; none
 * came here, so no transaction completes, and the schedule's late requests stay counted.
 */
static void test_open_loop_does_not_wait(void **state)
{
	(void)state;
	int sv[2], idle[2], slot;
	ts_unix_pair(sv);
	struct tl_flow_params p = { .fd = sv[0], .id = 1, .sender = 1, .mode = TL_MODE_RR_CLIENT,
				    .request_size = REQ, .response_size = RESP,
				    .send_interval_ns = 10 * MS };
	struct tl_engine *e = rr_engine(&p, 0, idle, &slot);
	eu_start_now(e);
	uint8_t req[5 * REQ];
	eu_read_exact(sv[1], req, sizeof(req)); /* five requests, no response sent */
	assert_int_equal(eu_sample(e, slot).transactions, 0);
	/* one response: one transaction, timed from when its request was due */
	uint8_t resp[RESP] = { 0 };
	eu_write_all(sv[1], resp, RESP);
	uint64_t until = tl_now_ns() + EU_PATIENCE;
	while (eu_sample(e, slot).transactions < 1) {
		assert_true(tl_now_ns() < until);
		eu_sleep_ms(5);
	}
	tl_engine_stop(e, NULL);
	assert_int_equal(eu_sample(e, slot).transactions, 1);
	tl_engine_free(e);
	close(sv[1]);
}

/*
 * crr on loopback TCP: two connectors in one engine against the crr server of another, two
 * transactions per connection, the client closing. What the client counts agrees with the
 * server within one connection per connector (the one in progress at the stop).
 */
static void test_crr_cycles(void **state)
{
	(void)state;
	struct tl_err err = { 0 };
	struct tl_addr addr;
	assert_int_equal(tl_addr_resolve("127.0.0.1", 0, AF_INET, 0, &addr, &err), 0);
	int lfd = tl_sock_listen(&addr, 128, NULL, &err);
	assert_true(lfd >= 0);
	assert_int_equal(tl_addr_local(lfd, &addr, &err), 0);
	struct tl_engine *srv = eu_engine(1, 0, 65536, 0, 1);
	struct tl_crr_server_params sp = { .request_size = REQ, .response_size = RESP,
					   .requests_per_conn = 2 };
	assert_int_equal(tl_engine_add_listener(srv, lfd, &sp, &err), 0);
	struct tl_engine *cli = eu_engine(1, 2, 65536, 0, 1);
	struct tl_sockopts opts = { 0 };
	for (uint32_t i = 0; i < 2; i++) {
		struct tl_flow_params p = { .fd = -1, .id = i, .sender = 1, .mode = TL_MODE_CRR_CLIENT,
					    .request_size = REQ, .response_size = RESP, .dest = &addr,
					    .requests_per_conn = 2, .client_closes = 1, .linger0 = 1,
					    .sockopts = &opts };
		eu_add(cli, &p);
	}
	uint64_t now = eu_start_now(srv);
	tl_engine_start(cli, now, now + 60 * TL_NSEC_PER_SEC);
	struct tl_engine_counters c;
	uint64_t until = tl_now_ns() + EU_PATIENCE;
	do {
		assert_true(tl_now_ns() < until);
		eu_sleep_ms(20);
		tl_engine_counters(cli, &c);
	} while (c.connects < 10);
	tl_engine_stop(cli, NULL);
	tl_engine_counters(cli, &c);
	for (int k = 0; k < 4; k++)
		assert_int_equal(c.connect_fail[k], 0);
	/* each finished connection did exactly two; at most one unfinished per connector */
	assert_true(c.transactions <= 2 * c.connects);
	assert_true(c.transactions + 2 * 2 >= 2 * c.connects);
	struct tl_hist *txn = tl_hist_new(), *conn = tl_hist_new();
	tl_engine_take_latency(cli, txn, conn);
	assert_int_equal(tl_hist_count(txn), c.transactions);
	assert_int_equal(tl_hist_count(conn), c.connects);
	tl_hist_free(txn);
	tl_hist_free(conn);
	eu_sleep_ms(50);
	tl_engine_stop(srv, NULL);
	struct tl_engine_counters sc;
	tl_engine_counters(srv, &sc);
	/* the server answered every request the client saw answered, and accepted what connected */
	assert_true(sc.transactions >= c.transactions);
	assert_true(sc.connects + 2 >= c.connects); /* one per connector may wait in the backlog */
	tl_engine_free(cli);
	tl_engine_free(srv);
	close(lfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_alternates_solo),
		cmocka_unit_test(test_client_alternates_epoll),
		cmocka_unit_test(test_server_answers_whole_requests_solo),
		cmocka_unit_test(test_server_answers_whole_requests_epoll),
		cmocka_unit_test(test_open_loop_does_not_wait),
		cmocka_unit_test(test_crr_cycles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
