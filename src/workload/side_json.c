/*
 * What one end of a test reports, as JSON: each interval (tl_side_interval_json) and the
 * results at the end (tl_side_results_json). The agent sends these over the control
 * connection; the client merges them with its own (workload/result.c, txn_result.c).
 * docs/json.md describes the merged document.
 */
#include "workload/side_internal.h"

#include <string.h>

#include "measure/hist.h"

static json_t *lat_json(const struct side_lat *l)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f}", "count", (json_int_t)l->count,
			 "min_ns", (json_int_t)l->min_ns, "p50_ns", (json_int_t)l->p50_ns,
			 "p90_ns", (json_int_t)l->p90_ns, "p99_ns", (json_int_t)l->p99_ns,
			 "p999_ns", (json_int_t)l->p999_ns, "max_ns", (json_int_t)l->max_ns,
			 "mean_ns", l->mean_ns);
}

json_t *tl_latency_summary(const struct tl_hist *h)
{
	struct side_lat l;
	tl_side_lat_of(h, &l);
	return lat_json(&l);
}

static json_t *u64_array(const uint64_t *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

static json_t *u32_array(const uint32_t *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer(v[i]));
	return a;
}

static json_t *cfail_json(const uint64_t *f)
{
	return json_pack("{s:I,s:I,s:I,s:I}", "addrnotavail", (json_int_t)f[TL_CFAIL_ADDRNOTAVAIL],
			 "refused", (json_int_t)f[TL_CFAIL_REFUSED], "timedout", (json_int_t)f[TL_CFAIL_TIMEDOUT],
			 "other", (json_int_t)f[TL_CFAIL_OTHER]);
}

/* Latency, connection and TIME_WAIT figures of an rr or crr interval, into j. */
static void txn_interval_json(const struct tl_side *s, uint32_t k, json_t *j)
{
	static const struct side_txn_iv none;
	const struct side_txn_iv *t = k < s->iv_txn_cap ? &s->iv_txn[k] : &none;
	json_object_set_new(j, "latency", lat_json(&t->lat));
	json_object_set_new(j, "transactions_all", json_integer((json_int_t)t->transactions_all));
	json_object_set_new(j, "connects", json_integer((json_int_t)t->connects));
	if (s->spec.workload != TL_WORKLOAD_CRR)
		return;
	json_object_set_new(j, "connect_latency", lat_json(&t->connect_lat));
	json_object_set_new(j, "connect_failures", cfail_json(t->connect_fail));
	if (t->has_time_wait)
		json_object_set_new(j, "time_wait", json_integer(t->time_wait));
	if (t->has_ports_free)
		json_object_set_new(j, "ports_free", json_integer(t->ports_free));
}

json_t *tl_side_interval_json(const struct tl_side *s, uint32_t k)
{
	if (k >= s->iv_count)
		return NULL;
	uint64_t start = k ? s->iv_end_ns[k - 1] : s->window_start_ns;
	json_t *j = json_pack("{s:I,s:I,s:I,s:I}", "k", (json_int_t)k,
			      "start_ns", (json_int_t)(start - s->window_start_ns),
			      "end_ns", (json_int_t)(s->iv_end_ns[k] - s->window_start_ns),
			      "bytes_total", (json_int_t)s->iv_agg[k]);
	if (s->txn) {
		txn_interval_json(s, k, j);
		json_object_set_new(j, "transactions_total", json_integer((json_int_t)s->iv_agg[k]));
	} else {
		json_object_set_new(j, "bytes_sent_total", json_integer((json_int_t)s->iv_sent[k]));
		json_object_set_new(j, "bytes_received_total", json_integer((json_int_t)s->iv_recv[k]));
	}
	if (s->iv_bytes) {
		size_t base = (size_t)k * s->nconn;
		json_object_set_new(j, s->txn ? "transactions" : "bytes", u64_array(s->iv_bytes + base, s->nconn));
		json_object_set_new(j, "rtt_us", u32_array(s->iv_rtt + base, s->nconn));
		json_object_set_new(j, "cwnd", u32_array(s->iv_cwnd + base, s->nconn));
		json_object_set_new(j, "retrans", u32_array(s->iv_retrans + base, s->nconn));
	}
	return j;
}

static const char *state_name(int st)
{
	switch (st) {
	case TL_FLOW_ACTIVE: return "active";
	case TL_FLOW_DONE: return "done";
	default: return "error";
	}
}

/* A sender's TCP_INFO at the end, what limited it over the window, and its I/O. */
static void sender_json(const struct tl_side *s, const struct side_conn *c, json_t *j)
{
	struct tl_limits lim;
	double rate_bps, window_bps;
	tl_tcpinfo_limits_window(&c->ti_start, &c->ti_end, &lim, &rate_bps, &window_bps);
	json_object_set_new(j, "tcp_info", tl_tcpinfo_to_json(&c->ti_end));
	json_object_set_new(j, "limited_by", json_pack("{s:s,s:f,s:f,s:f,s:f,s:f,s:f}",
		"dominant", tl_limit_name(lim.dominant),
		"app", lim.share[TL_LIMIT_APP], "rwnd", lim.share[TL_LIMIT_RWND],
		"sndbuf", lim.share[TL_LIMIT_SNDBUF], "network", lim.share[TL_LIMIT_NET],
		"acked_bits_per_second", rate_bps, "window_bits_per_second", window_bps));
	json_object_set_new(j, "retransmits_window",
			    json_integer((json_int_t)(c->ti_end.total_retrans - c->ti_start.total_retrans)));
	if (s->spec.verify)
		json_object_set_new(j, "io_calls", u64_array(c->end.io_calls, TL_IO_SIZE_BUCKETS));
	if (c->end.zc_sends)
		json_object_set_new(j, "zerocopy", json_pack("{s:I,s:I,s:I}",
			"sends", (json_int_t)c->end.zc_sends,
			"completions", (json_int_t)c->end.zc_completions,
			"copied", (json_int_t)c->end.zc_copied));
}

/* A --verify receiver: errors counts the reads whose bytes did not match; the offset is of
 * the first wrong byte in the flow's stream, present only when there is one. */
static void verify_json(const struct side_conn *c, json_t *j)
{
	json_t *v = json_pack("{s:I}", "errors", (json_int_t)c->end.verify_errors);
	json_object_set_new(j, "io_calls", u64_array(c->end.io_calls, TL_IO_SIZE_BUCKETS));
	if (c->end.verify_errors)
		json_object_set_new(v, "first_bad_offset", json_integer((json_int_t)c->end.first_bad_offset));
	json_object_set_new(j, "verify", v);
}

static json_t *conn_json(const struct tl_side *s, uint32_t i)
{
	const struct side_conn *c = &s->conns[i];
	json_t *j = json_pack("{s:I,s:b,s:b}", "id", (json_int_t)i, "sender", c->sender,
			      "connected", c->slot >= 0);
	if (c->slot < 0)
		return j;
	json_object_set_new(j, s->txn ? "transactions" : "bytes", json_integer((json_int_t)c->final_bytes));
	json_object_set_new(j, "bytes_total", json_integer((json_int_t)c->end.bytes));
	json_object_set_new(j, "state", json_string(state_name(c->end.state)));
	if (c->end.state == TL_FLOW_ERROR)
		json_object_set_new(j, "error", json_string(strerror(c->end.err_no)));
	json_object_set_new(j, "stalled", json_boolean(c->stall.stalled));
	json_object_set_new(j, "stalled_for_ns", json_integer((json_int_t)c->stall.stalled_for_ns));
	json_object_set_new(j, "sndbuf", json_integer(c->eff.sndbuf));
	json_object_set_new(j, "rcvbuf", json_integer(c->eff.rcvbuf));
	json_object_set_new(j, "sndbuf_end", json_integer(c->eff_end.sndbuf));
	json_object_set_new(j, "rcvbuf_end", json_integer(c->eff_end.rcvbuf));
	json_object_set_new(j, "mss", json_integer(c->eff.mss));
	json_object_set_new(j, "mss_end", json_integer(c->eff_end.mss));
	json_object_set_new(j, "cc", json_string(c->eff.cc));
	if (c->sender && c->has_ti)
		sender_json(s, c, j);
	if (!c->sender && s->spec.verify)
		verify_json(c, j);
	return j;
}

/* rr and crr: latencies and connections over the whole window. */
static json_t *txn_results_json(const struct tl_side *s)
{
	struct tl_engine_counters tot;
	tl_engine_counters(s->engine, &tot);
	json_t *extra = json_pack("{s:o,s:o,s:o,s:o,s:I,s:o,s:i,s:i}",
		"latency", tl_latency_summary(s->lat_total),
		"latency_histogram", tl_hist_to_json(s->lat_total),
		"connect_latency", tl_latency_summary(s->conn_total),
		"connect_latency_histogram", tl_hist_to_json(s->conn_total),
		"connects", (json_int_t)tot.connects, "connect_failures", cfail_json(tot.connect_fail),
		"time_wait_peak", (int)s->tw_peak, "ports_in_range", (int)s->ports_in_range);
	if (tot.last_connect_errno)
		json_object_set_new(extra, "last_connect_error", json_string(strerror(tot.last_connect_errno)));
	if (s->first_addrnotavail_ns)
		json_object_set_new(extra, "addrnotavail_since_ns",
				    json_integer((json_int_t)(s->first_addrnotavail_ns - s->window_start_ns)));
	return extra;
}

static json_t *cpu_json(const struct tl_side *s)
{
	uint64_t wall = s->ended_ns - s->start_ns;
	json_t *cpu = json_pack("{s:I,s:I,s:I,s:f}", "user_ns", (json_int_t)s->cpu.user_ns,
				"sys_ns", (json_int_t)s->cpu.sys_ns, "wall_ns", (json_int_t)wall,
				"percent", s->ended_ns > s->start_ns
				? (double)(s->cpu.user_ns + s->cpu.sys_ns) * 100.0 / (double)wall : 0.0);
	if (s->have_sys == 2)
		json_object_set_new(cpu, "machine", json_pack("{s:f,s:f,s:i}", "busy_percent",
				    tl_sys_cpu_busy_percent(&s->sys_start, &s->sys_end),
				    "steal_percent", tl_sys_cpu_steal_percent(&s->sys_start, &s->sys_end),
				    "cpus", (int)s->sys_end.ncpu));
	return cpu;
}

json_t *tl_side_results_json(const struct tl_side *s)
{
	json_t *conns = json_array();
	for (uint32_t i = 0; i < s->nconn; i++)
		json_array_append_new(conns, conn_json(s, i));
	json_t *r = json_pack("{s:I,s:b,s:I,s:o,s:o}",
			 "window_ns", (json_int_t)(s->ended_ns - s->window_start_ns),
			 "incomplete", s->incomplete, "intervals", (json_int_t)s->iv_count,
			 "cpu", cpu_json(s), "conns", conns);
	if (s->finished)
		json_object_set_new(r, "cut_short", json_boolean(tl_side_cut_short(s)));
	if (s->interrupted)
		json_object_set_new(r, "interrupted", json_true());
	if (s->have_kernel == 2)
		json_object_set_new(r, "kernel_tcp",
				    tl_counter_set_delta_json(tl_side_counters, tl_side_ncounters,
							      &s->kernel_start, &s->kernel_end));
	if (s->txn)
		json_object_update_new(r, txn_results_json(s));
	return r;
}
