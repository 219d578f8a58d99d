/*
 * What one end of a test reads, and when: the engine's per-flow counts at the window start,
 * at each interval boundary and at the end; the senders' TCP_INFO (RTT, cwnd,
 * retransmissions, the chronographs of what limited them); for rr and crr the latency
 * histograms, connection counters and TIME_WAIT sockets; and around the test the machine's
 * CPU and the kernel counters that explain stalls. The clock that decides when is side.c's.
 */
#include "workload/side_internal.h"

#include <stdlib.h>
#include <string.h>

#include "measure/hist.h"
#include "sys/sockdiag.h"
#include "util/clock.h"

/*
 * What the kernel did to the test's sockets, as counter growth over the test in this end's
 * network namespace (every socket in it counts, not only the test's): memory pressure and
 * pruning (tcp_mem, tcp_rmem), zero windows (a receiver that does not read, or whose buffer
 * is squeezed), drops at the receive queue and the listen queue, and timeouts.
 */
const struct tl_counter_id tl_side_counters[] = {
	{ "TcpExt", "TCPMemoryPressures" },   { "TcpExt", "PruneCalled" },
	{ "TcpExt", "RcvPruned" },            { "TcpExt", "TCPRcvQDrop" },
	{ "TcpExt", "TCPToZeroWindowAdv" },   { "TcpExt", "TCPWantZeroWindowAdv" },
	{ "TcpExt", "TCPFromZeroWindowAdv" }, { "TcpExt", "TCPZeroWindowDrop" },
	{ "TcpExt", "TCPBacklogDrop" },       { "TcpExt", "ListenOverflows" },
	{ "TcpExt", "ListenDrops" },          { "TcpExt", "TCPTimeouts" },
	{ "TcpExt", "TCPLossProbes" },        { "Tcp", "RetransSegs" },
};
const unsigned tl_side_ncounters = (unsigned)(sizeof(tl_side_counters) / sizeof(tl_side_counters[0]));

/* What the window counts for a flow: bytes, or transactions for rr and crr. */
static uint64_t flow_count(const struct tl_side *s, const struct side_conn *c)
{
	struct tl_flow_sample fs;
	tl_engine_sample(s->engine, (size_t)c->slot, &fs);
	return s->txn ? fs.transactions : fs.bytes;
}

/* crr connectors make and drop connections all the time: TCP_INFO of one means nothing. */
static int has_tcpinfo(const struct tl_side *s, const struct side_conn *c)
{
	return c->sender && s->spec.workload != TL_WORKLOAD_CRR;
}

void tl_side_sample_tcpinfo(const struct tl_side *s, const struct side_conn *c, struct tl_tcpinfo *ti)
{
	memset(ti, 0, sizeof(*ti));
	tl_tcpinfo_read(tl_engine_flow_fd(s->engine, (size_t)c->slot), ti, NULL);
}

void tl_side_lat_of(const struct tl_hist *h, struct side_lat *out)
{
	static const double pcts[] = { 50, 90, 99, 99.9 };
	uint64_t v[4];
	tl_hist_percentiles(h, pcts, v, 4);
	*out = (struct side_lat){
		.count = tl_hist_count(h), .min_ns = tl_hist_min(h), .p50_ns = v[0], .p90_ns = v[1],
		.p99_ns = v[2], .p999_ns = v[3], .max_ns = tl_hist_max(h), .mean_ns = tl_hist_mean(h),
	};
}

void tl_side_sample_begin(struct tl_side *s)
{
	s->have_sys = tl_sys_cpu_read(&s->sys_start, NULL) == 0;
	s->have_kernel = tl_counter_set_read(tl_side_counters, tl_side_ncounters, &s->kernel_start, NULL) == 0;
}

void tl_side_sample_bases(struct tl_side *s)
{
	for (uint32_t i = 0; i < s->nconn; i++) {
		struct side_conn *c = &s->conns[i];
		if (c->slot >= 0)
			c->base_bytes = c->prev_bytes = flow_count(s, c);
	}
}

void tl_side_sample_window_open(struct tl_side *s)
{
	/* With no warm-up the window opens at the start instant itself, before which no byte
	 * moves: the base is 0, with no sampling race against the workers. After a warm-up the
	 * base is what had moved by now. */
	if (s->spec.omit_ns)
		tl_side_sample_bases(s);
	for (uint32_t i = 0; i < s->nconn; i++) {
		struct side_conn *c = &s->conns[i];
		/* the chronographs (busy, rwnd/sndbuf-limited) count from here, so the start delay
		 * and the warm-up are not taken for idle application time */
		if (c->slot >= 0 && has_tcpinfo(s, c)) {
			tl_side_sample_tcpinfo(s, c, &c->ti_start);
			c->prev_retrans = c->ti_start.total_retrans;
		}
	}
	if (s->txn && s->spec.omit_ns) {
		/* latencies of the warm-up are not part of the window */
		tl_engine_take_latency(s->engine, NULL, NULL);
		tl_engine_counters(s->engine, &s->prev_counters);
	}
}

/* crr: TIME_WAIT sockets towards the agent (client) or in the whole netns (agent), and the
 * ports still free in the ephemeral range. */
static void sample_time_wait(struct tl_side *s, struct side_txn_iv *iv)
{
	struct tl_sock_counts sc;
	if ((!s->tw_port && !s->tw_all) ||
	    tl_sockdiag_count_states(TL_SOCKDIAG_ALL, s->tw_all ? 0 : s->tw_port, &sc, NULL) < 0)
		return;
	iv->has_time_wait = 1;
	iv->time_wait = sc.time_wait;
	if (sc.time_wait > s->tw_peak)
		s->tw_peak = sc.time_wait;
	if (!s->tw_all && s->ports_in_range) {
		/* a local port is tied up per destination while its socket lives */
		iv->has_ports_free = 1;
		iv->ports_free = sc.total < s->ports_in_range ? s->ports_in_range - sc.total : 0;
	}
}

void tl_side_sample_txn(struct tl_side *s, struct side_txn_iv *iv)
{
	struct side_txn_iv scratch;
	struct tl_engine_counters now;
	if (!iv)
		iv = &scratch;
	memset(iv, 0, sizeof(*iv));
	tl_engine_take_latency(s->engine, s->lat_iv, s->conn_iv);
	tl_hist_merge(s->lat_total, s->lat_iv);
	tl_hist_merge(s->conn_total, s->conn_iv);
	tl_engine_counters(s->engine, &now);
	tl_side_lat_of(s->lat_iv, &iv->lat);
	tl_side_lat_of(s->conn_iv, &iv->connect_lat);
	iv->transactions_all = now.transactions - s->prev_counters.transactions;
	iv->connects = now.connects - s->prev_counters.connects;
	for (int k = 0; k < 4; k++)
		iv->connect_fail[k] = now.connect_fail[k] - s->prev_counters.connect_fail[k];
	if (s->spec.workload == TL_WORKLOAD_CRR) {
		sample_time_wait(s, iv);
		if (now.connect_fail[TL_CFAIL_ADDRNOTAVAIL] && !s->first_addrnotavail_ns)
			s->first_addrnotavail_ns = tl_now_ns();
	}
	s->prev_counters = now;
	tl_hist_reset(s->lat_iv);
	tl_hist_reset(s->conn_iv);
}

/* Room for interval k's rr/crr figures; NULL when memory ran out (the interval then reports
 * zeros there, and its byte counts all the same). */
static struct side_txn_iv *txn_slot(struct tl_side *s, uint32_t k)
{
	if (k >= s->iv_txn_cap) {
		uint32_t cap = s->iv_txn_cap ? s->iv_txn_cap * 2 : 16;
		while (cap <= k)
			cap *= 2;
		struct side_txn_iv *n = realloc(s->iv_txn, (size_t)cap * sizeof(*n));
		if (!n)
			return NULL;
		memset(n + s->iv_txn_cap, 0, (size_t)(cap - s->iv_txn_cap) * sizeof(*n));
		s->iv_txn = n;
		s->iv_txn_cap = cap;
	}
	return &s->iv_txn[k];
}

/* Conn i's cells of interval k: its count, and for senders RTT, cwnd, retransmissions. */
static void sample_cells(struct tl_side *s, struct side_conn *c, size_t cell, uint64_t delta)
{
	s->iv_bytes[cell] = delta;
	if (!has_tcpinfo(s, c))
		return;
	struct tl_tcpinfo ti;
	tl_side_sample_tcpinfo(s, c, &ti);
	s->iv_rtt[cell] = ti.rtt_us;
	s->iv_cwnd[cell] = ti.snd_cwnd;
	/* retransmissions in this interval, not since the connection opened */
	s->iv_retrans[cell] = ti.total_retrans >= c->prev_retrans ? ti.total_retrans - c->prev_retrans : 0;
	c->prev_retrans = ti.total_retrans;
}

void tl_side_sample_interval(struct tl_side *s, uint64_t end_ns)
{
	uint32_t k = s->iv_count;
	uint64_t agg = 0, sent = 0, recv = 0;
	for (uint32_t i = 0; i < s->nconn; i++) {
		struct side_conn *c = &s->conns[i];
		if (c->slot < 0)
			continue;
		uint64_t count = flow_count(s, c);
		uint64_t delta = count - c->prev_bytes;
		c->prev_bytes = count;
		agg += delta;
		*(c->sender ? &sent : &recv) += delta;
		if (s->iv_bytes)
			sample_cells(s, c, (size_t)k * s->nconn + i, delta);
	}
	s->iv_agg[k] = agg;
	s->iv_sent[k] = sent;
	s->iv_recv[k] = recv;
	s->iv_end_ns[k] = end_ns;
	if (s->txn)
		tl_side_sample_txn(s, txn_slot(s, k));
	s->iv_count++;
}

void tl_side_sample_final(struct tl_side *s)
{
	for (uint32_t i = 0; i < s->nconn; i++) {
		struct side_conn *c = &s->conns[i];
		if (c->slot < 0)
			continue;
		tl_engine_sample(s->engine, (size_t)c->slot, &c->end);
		c->final_bytes = (s->txn ? c->end.transactions : c->end.bytes) - c->base_bytes;
		tl_sock_read_effective(tl_engine_flow_fd(s->engine, (size_t)c->slot), &c->eff_end, NULL);
		if (has_tcpinfo(s, c)) {
			tl_side_sample_tcpinfo(s, c, &c->ti_end);
			c->has_ti = 1;
		}
	}
	if (s->txn && !s->spec.interval_ns)
		tl_side_sample_txn(s, NULL); /* no intervals: the whole window's into the totals */
	tl_engine_stop(s->engine, &s->cpu);
	if (s->have_sys == 1 && tl_sys_cpu_read(&s->sys_end, NULL) == 0)
		s->have_sys = 2;
	if (s->have_kernel == 1 &&
	    tl_counter_set_read(tl_side_counters, tl_side_ncounters, &s->kernel_end, NULL) == 0)
		s->have_kernel = 2;
}
