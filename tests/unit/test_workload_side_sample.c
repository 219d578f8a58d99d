/*
 * The sampling of one end of a test, on real flows: a client end and an agent end in this
 * process, joined by a loopback TCP connection, run on the clock as tcplab runs them. What
 * each end sampled must add up (the intervals partition the window), the senders' TCP_INFO
 * must be the kernel's (an RTT, a cwnd, acked bytes), and rr's latencies must be those of
 * the transactions counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "measure/hist.h"
#include "workload/side_internal.h"

#include "test_workload_loop.h"

struct ends {
	struct tl_side *client, *agent;
};

/* The client's end and the agent's end of one flow (flow 0 on a loopback connection). */
static struct ends two_ends(const struct tl_spec *spec)
{
	struct tl_err err = { 0 };
	struct ends e;
	int fds[2];
	loopback_pair(fds);
	e.client = tl_side_new(spec, 1, &err);
	e.agent = tl_side_new(spec, 0, &err);
	if (!e.client || !e.agent)
		fail_msg("tl_side_new: %s", err.msg);
	if (tl_side_attach(e.client, 0, fds[0], &err) < 0 || tl_side_attach(e.agent, 0, fds[1], &err) < 0)
		fail_msg("tl_side_attach: %s", err.msg);
	return e;
}

static struct tl_spec spec_of(enum tl_workload w, uint64_t duration_ns, uint64_t interval_ns)
{
	struct tl_spec s;
	tl_spec_defaults(&s);
	s.workload = w;
	s.threads = 1;
	s.length = 64 * 1024;
	s.duration_ns = duration_ns;
	s.interval_ns = interval_ns;
	s.stall_timeout_ns = 10 * TL_NSEC_PER_SEC; /* a starved test machine is not a stall */
	return s;
}

/* The intervals partition the window: their counts add up to the flow's, their ends rise and
 * the last one is the window's end. */
static void assert_intervals_partition(const struct tl_side *s)
{
	const struct side_conn *c = &s->conns[0];
	uint64_t sum = 0, sum_dir = 0, prev_end = s->window_start_ns;
	assert_true(s->iv_count >= 1);
	for (uint32_t k = 0; k < s->iv_count; k++) {
		assert_true(s->iv_end_ns[k] > prev_end);
		prev_end = s->iv_end_ns[k];
		sum += s->iv_agg[k];
		sum_dir += c->sender ? s->iv_sent[k] : s->iv_recv[k];
		assert_int_equal(s->iv_bytes[k * s->nconn], s->iv_agg[k]); /* one flow: its cell is the sum */
		assert_int_equal(c->sender ? s->iv_recv[k] : s->iv_sent[k], 0);
	}
	assert_int_equal(prev_end, s->ended_ns);
	assert_int_equal(sum, c->final_bytes);
	assert_int_equal(sum_dir, c->final_bytes);
}

static void test_stream_intervals_and_tcpinfo(void **state)
{
	(void)state;
	struct tl_spec spec = spec_of(TL_WORKLOAD_STREAM, 400 * MS, 100 * MS);
	struct ends e = two_ends(&spec);
	run_ends(e.client, e.agent);
	struct tl_side *snd = e.client, *rcv = e.agent;

	/* 400 ms in 100 ms intervals: 4, or 3 when a starved tick recorded the third late and the
	 * rest of the window was shorter than the 1 ms a last interval needs */
	assert_true(snd->iv_count >= 3 && snd->iv_count <= 4);
	assert_true(rcv->iv_count >= 3 && rcv->iv_count <= 4);
	assert_intervals_partition(snd);
	assert_intervals_partition(rcv);
	assert_true(rcv->conns[0].final_bytes > 0);
	/* The receiver cannot have got more than was sent, give or take the one write that can
	 * cross the sender's last sample: each end samples when its own tick comes, the sender's
	 * first, while a write begun before the stop time may still complete after it (seen at
	 * load 10: the receiver's count above the sender's in 3 of 10 runs). */
	if (rcv->conns[0].end.bytes > snd->conns[0].end.bytes + spec.length)
		fail_msg("receiver %llu bytes, sender %llu: more than one %llu-byte write apart",
			 (unsigned long long)rcv->conns[0].end.bytes,
			 (unsigned long long)snd->conns[0].end.bytes, (unsigned long long)spec.length);

	/* The sender's TCP_INFO, as the kernel reports it on a connection that moved data. */
	const struct side_conn *c = &snd->conns[0];
	assert_int_equal(c->has_ti, 1);
	assert_true(c->ti_end.snd_cwnd > 0);
	assert_true(c->ti_end.rtt_us > 0);
	assert_true(c->ti_end.snd_mss > 0);
	assert_true(c->ti_end.bytes_acked > c->ti_start.bytes_acked);
	/* +1: the SYN is acked too; the sender's counts are final when its workers have stopped */
	assert_true(c->ti_end.bytes_acked <= c->end.bytes + 1);
	assert_true(c->ti_end.when_ns >= c->ti_start.when_ns);
	for (uint32_t k = 0; k < snd->iv_count; k++) {
		assert_true(snd->iv_cwnd[k] > 0);
		assert_true(snd->iv_rtt[k] > 0);
	}
	/* receivers read no TCP_INFO: their cells stay 0, their results have none */
	assert_int_equal(rcv->conns[0].has_ti, 0);
	assert_int_equal(rcv->iv_cwnd[0], 0);

	/* a flow that kept moving did not stall, and neither end was cut short */
	assert_int_equal(c->stall.stalled, 0);
	assert_int_equal(rcv->conns[0].stall.stalled, 0);
	assert_int_equal(tl_side_cut_short(snd), 0);
	assert_int_equal(tl_side_cut_short(rcv), 0);

	/* what is sampled is what is reported */
	json_t *iv = tl_side_interval_json(snd, 0);
	assert_int_equal(json_integer_value(json_object_get(iv, "bytes_total")), snd->iv_agg[0]);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(iv, "cwnd"), 0)), snd->iv_cwnd[0]);
	json_decref(iv);
	assert_null(tl_side_interval_json(snd, snd->iv_count));
	json_t *r = tl_side_results_json(snd);
	const json_t *cj = json_array_get(json_object_get(r, "conns"), 0);
	assert_int_equal(json_integer_value(json_object_get(cj, "bytes")), c->final_bytes);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(cj, "tcp_info"), "snd_cwnd")),
			 c->ti_end.snd_cwnd);
	assert_non_null(json_object_get(cj, "limited_by"));
	json_decref(r);
	tl_side_free(snd);
	tl_side_free(rcv);
}

/* Without intervals there is one sample at each end of the window, and the counts agree. */
static void test_stream_no_intervals(void **state)
{
	(void)state;
	struct tl_spec spec = spec_of(TL_WORKLOAD_STREAM, 200 * MS, 0);
	struct ends e = two_ends(&spec);
	run_ends(e.client, e.agent);
	assert_int_equal(e.client->iv_count, 0);
	assert_true(e.client->conns[0].final_bytes > 0);
	assert_int_equal(e.client->conns[0].final_bytes, e.client->conns[0].end.bytes); /* no warm-up */
	tl_side_free(e.client);
	tl_side_free(e.agent);
}

/* A warm-up's bytes are not in the window: the base is what had moved when it opened. */
static void test_stream_omit(void **state)
{
	(void)state;
	struct tl_spec spec = spec_of(TL_WORKLOAD_STREAM, 200 * MS, 100 * MS);
	spec.omit_ns = 100 * MS;
	struct ends e = two_ends(&spec);
	run_ends(e.client, e.agent);
	const struct side_conn *c = &e.client->conns[0];
	assert_true(c->base_bytes > 0);
	assert_int_equal(c->final_bytes, c->end.bytes - c->base_bytes);
	assert_intervals_partition(e.client);
	assert_int_equal(e.client->window_start_ns - e.client->start_ns, spec.omit_ns);
	tl_side_free(e.client);
	tl_side_free(e.agent);
}

/* rr: each interval's latencies are those of its transactions, and they fold into the total. */
static void test_rr_latency_samples(void **state)
{
	(void)state;
	struct tl_spec spec = spec_of(TL_WORKLOAD_RR, 300 * MS, 100 * MS);
	spec.opts.nodelay = 1;
	struct ends e = two_ends(&spec);
	run_ends(e.client, e.agent);
	struct tl_side *s = e.client;
	assert_intervals_partition(s);
	uint64_t lat_sum = 0, txn_sum = 0;
	for (uint32_t k = 0; k < s->iv_count; k++) {
		const struct side_txn_iv *t = &s->iv_txn[k];
		lat_sum += t->lat.count;
		txn_sum += s->iv_agg[k];
		if (!t->lat.count)
			continue;
		assert_true(t->lat.min_ns <= t->lat.p50_ns);
		assert_true(t->lat.p50_ns <= t->lat.p90_ns && t->lat.p90_ns <= t->lat.p99_ns);
		assert_true(t->lat.p99_ns <= t->lat.p999_ns && t->lat.p999_ns <= t->lat.max_ns);
		assert_true(t->lat.mean_ns >= (double)t->lat.min_ns && t->lat.mean_ns <= (double)t->lat.max_ns);
		assert_int_equal(t->connects, 0); /* rr keeps its connection */
	}
	assert_true(txn_sum > 0);
	assert_int_equal(lat_sum, tl_hist_count(s->lat_total));
	/* The engine times a transaction before it counts it, and each boundary reads the counts
	 * before the latencies: the latencies can only be ahead. After the stop every timed
	 * transaction has been counted. */
	struct tl_engine_counters tot;
	tl_engine_counters(s->engine, &tot);
	assert_true(txn_sum <= lat_sum);
	assert_true(lat_sum <= tot.transactions);
	json_t *iv = tl_side_interval_json(s, 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(iv, "latency"), "count")),
			 s->iv_txn[0].lat.count);
	assert_null(json_object_get(iv, "connect_latency")); /* crr only */
	json_decref(iv);
	tl_side_free(e.client);
	tl_side_free(e.agent);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_intervals_and_tcpinfo),
		cmocka_unit_test(test_stream_no_intervals),
		cmocka_unit_test(test_stream_omit),
		cmocka_unit_test(test_rr_latency_samples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
