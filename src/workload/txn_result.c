/*
 * The result model of rr and crr: the client's end measures (it times every transaction
 * and counts the connections); the agent's end adds its CPU and, for crr, the TIME_WAIT
 * sockets on its side. Same document shape as stream: {start, intervals, end}.
 */
#include <stdlib.h>
#include <string.h>

#include "measure/summary.h"
#include "workload/result_ends.h"
#include "workload/txn_result.h"

static json_t *copy(const json_t *v)
{
	return v ? json_deep_copy(v) : json_null();
}

/* per-flow transaction rates -> {count, min, median, max, mean, jain} */
static json_t *flows_summary(const double *tps, size_t n)
{
	struct tl_summary s;
	memset(&s, 0, sizeof(s));
	tl_summary_of(tps, n, &s);
	return json_pack("{s:i,s:f,s:f,s:f,s:f,s:f}", "count", (int)n, "min", s.min, "median", s.median,
			 "max", s.max, "mean", s.mean, "jain", s.jain);
}

static json_t *crr_part(const json_t *client, const json_t *agent, double secs)
{
	uint64_t connects = tl_result_u64(client, "connects");
	json_t *j = json_pack("{s:I,s:f,s:O?,s:O?}", "connects", (json_int_t)connects,
			      "connects_per_second", secs > 0 ? (double)connects / secs : 0.0,
			      "connect_latency", json_object_get(client, "connect_latency"),
			      "connect_failures", json_object_get(client, "connect_failures"));
	const json_t *tw = json_object_get(client, "time_wait");
	if (tw)
		json_object_set(j, "time_wait_client", (json_t *)tw);
	const json_t *pf = json_object_get(client, "ports_free");
	if (pf)
		json_object_set(j, "ports_free", (json_t *)pf);
	const json_t *atw = json_object_get(agent, "time_wait");
	if (atw)
		json_object_set(j, "time_wait_agent_host", (json_t *)atw);
	return j;
}

json_t *tl_txn_merge_interval(const struct tl_spec *spec, uint32_t nconn, uint32_t per_flow_limit,
			      const json_t *client_iv, const json_t *agent_iv)
{
	const json_t *timing = client_iv ? client_iv : agent_iv;
	uint64_t start_ns = tl_result_u64(timing, "start_ns"), end_ns = tl_result_u64(timing, "end_ns");
	double start = (double)start_ns / 1e9, end = (double)end_ns / 1e9;
	double secs = end_ns > start_ns ? (double)(end_ns - start_ns) / 1e9 : 0.0;
	uint64_t txn = tl_result_u64(client_iv, "transactions_total");
	json_t *iv = json_pack("{s:I,s:f,s:f,s:f}", "k", (json_int_t)tl_result_u64(timing, "k"), "start", start,
			       "end", end, "seconds", secs);
	json_t *sum = json_pack("{s:I,s:f,s:o}", "transactions", (json_int_t)txn,
				"transactions_per_second", secs > 0 ? (double)txn / secs : 0.0,
				"latency", copy(json_object_get(client_iv, "latency")));
	const json_t *per = json_object_get(client_iv, "transactions");
	if (json_is_array(per) && json_array_size(per) == nconn) {
		double *tps = calloc(nconn ? nconn : 1, sizeof(double));
		json_t *streams = json_array();
		for (uint32_t i = 0; tps && i < nconn; i++) {
			uint64_t n = (uint64_t)json_integer_value(json_array_get(per, i));
			tps[i] = secs > 0 ? (double)n / secs : 0;
			if (nconn <= per_flow_limit)
				json_array_append_new(streams, json_pack("{s:i,s:I,s:f}", "id", (int)i,
					"transactions", (json_int_t)n, "transactions_per_second", tps[i]));
		}
		if (tps)
			json_object_set_new(sum, "flows", flows_summary(tps, nconn));
		if (nconn <= per_flow_limit)
			json_object_set_new(iv, "streams", streams);
		else
			json_decref(streams);
		free(tps);
	}
	if (spec->workload == TL_WORKLOAD_CRR)
		json_object_update_new(sum, crr_part(client_iv, agent_iv, secs));
	json_object_set_new(iv, "sum", sum);
	return iv;
}

json_t *tl_txn_merge_end(const struct tl_spec *spec, uint32_t nconn, const json_t *client_res,
			 const json_t *agent_res)
{
	double secs = (double)tl_result_u64(client_res, "window_ns") / 1e9;
	const json_t *conns = json_object_get(client_res, "conns");
	double *tps = calloc(nconn ? nconn : 1, sizeof(double));
	json_t *streams = json_array();
	uint64_t total = 0;
	int failed = 0;
	for (uint32_t i = 0; tps && i < nconn; i++) {
		const json_t *c = json_array_get(conns, i);
		uint64_t n = tl_result_u64(c, "transactions");
		const char *state = json_string_value(json_object_get(c, "state"));
		int is_failed = !c || !json_is_true(json_object_get(c, "connected")) ||
				(state && strcmp(state, "error") == 0);
		failed += is_failed;
		total += n;
		tps[i] = secs > 0 ? (double)n / secs : 0;
		json_t *st = json_pack("{s:i,s:I,s:f,s:b}", "id", (int)i, "transactions", (json_int_t)n,
				       "transactions_per_second", tps[i], "failed", is_failed);
		if (c && json_object_get(c, "error"))
			json_object_set(st, "error", json_object_get(c, "error"));
		const json_t *ti = json_object_get(c, "tcp_info");
		if (ti)
			json_object_set(st, "tcp_info", (json_t *)ti);
		json_array_append_new(streams, st);
	}
	json_t *sum = json_pack("{s:I,s:f,s:f,s:o,s:o}", "transactions", (json_int_t)total,
				"transactions_per_second", secs > 0 ? (double)total / secs : 0.0, "seconds", secs,
				"latency", copy(json_object_get(client_res, "latency")),
				"flows", tps ? flows_summary(tps, nconn) : json_null());
	if (spec->workload == TL_WORKLOAD_CRR) {
		json_object_update_new(sum, crr_part(client_res, agent_res, secs));
		json_object_set(sum, "time_wait_peak_client", json_object_get(client_res, "time_wait_peak"));
		json_object_set(sum, "time_wait_peak_agent_host", json_object_get(agent_res, "time_wait_peak"));
		const json_t *since = json_object_get(client_res, "addrnotavail_since_ns");
		if (since)
			json_object_set(sum, "addrnotavail_since_ns", (json_t *)since);
		const json_t *last = json_object_get(client_res, "last_connect_error");
		if (last)
			json_object_set(sum, "last_connect_error", (json_t *)last);
	}
	json_t *end = json_pack("{s:o,s:o,s:i,s:o,s:o,s:o}", "streams", streams, "sum", sum,
				"failed_flows", failed,
				"latency_histogram", copy(json_object_get(client_res, "latency_histogram")),
				"connect_latency_histogram",
				copy(json_object_get(client_res, "connect_latency_histogram")),
				"cpu_utilization_percent", tl_result_cpu_percent(client_res, agent_res));
	if (end) {
		json_object_set_new(end, "machine_cpu", tl_result_machine_cpu(client_res, agent_res));
		json_object_set_new(end, "kernel_tcp", tl_result_kernel_tcp(client_res, agent_res));
	}
	free(tps);
	return end;
}
