#include "workload/result.h"

#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "measure/summary.h"
#include "workload/result_ends.h"
#include "workload/txn_result.h"

struct tl_stream_merge {
	struct tl_spec spec;
	uint32_t nconn;
	uint32_t per_flow_limit;
};

struct tl_stream_merge *tl_stream_merge_new(const struct tl_spec *spec, uint32_t per_flow_limit)
{
	struct tl_stream_merge *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->spec = *spec;
	m->nconn = tl_spec_connections(spec);
	m->per_flow_limit = per_flow_limit;
	return m;
}

void tl_stream_merge_free(struct tl_stream_merge *m)
{
	free(m);
}

static uint64_t arr_u64(const json_t *obj, const char *key, uint32_t i)
{
	const json_t *v = json_array_get(json_object_get(obj, key), i);
	return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

static const char *dir_name(int client_sends)
{
	return client_sends ? "c2a" : "a2c";
}

struct dir_sum {
	uint64_t sent, recv;
	double *bps;
	size_t n;
};

/*
 * {"bytes", "bits_per_second", "sent_bytes", "sender_bits_per_second", "seconds",
 *  "flows": {min, median, max, mean, jain}}. Received bytes are divided by the time the
 * receiver's interval covered and sent bytes by the sender's: in a --bytes run the sender's
 * last interval ends when its last byte went into the socket, while the receiver gets the
 * bytes still buffered later, so one duration for both overstated the last interval's rate.
 */
static json_t *sum_json2(const struct dir_sum *d, double seconds, double sender_seconds)
{
	struct tl_summary s;
	memset(&s, 0, sizeof(s));
	tl_summary_of(d->bps, d->n, &s);
	return json_pack("{s:I,s:f,s:I,s:f,s:f,s:{s:i,s:f,s:f,s:f,s:f,s:f}}",
			 "bytes", (json_int_t)d->recv,
			 "bits_per_second", seconds > 0 ? (double)d->recv * 8 / seconds : 0.0,
			 "sent_bytes", (json_int_t)d->sent,
			 "sender_bits_per_second", sender_seconds > 0 ? (double)d->sent * 8 / sender_seconds : 0.0,
			 "seconds", seconds, "flows", "count", (int)d->n, "min", s.min,
			 "median", s.median, "max", s.max, "mean", s.mean, "jain", s.jain);
}

static json_t *sum_json(const struct dir_sum *d, double seconds)
{
	return sum_json2(d, seconds, seconds);
}

/* The span an end's interval covered, in seconds from the window start; 0 without it. */
struct span {
	uint64_t start_ns, end_ns;
	double secs;
};

static struct span span_of(const json_t *iv, const json_t *fallback)
{
	const json_t *t = iv ? iv : fallback;
	struct span sp = { tl_result_u64(t, "start_ns"), tl_result_u64(t, "end_ns"), 0.0 };
	if (sp.end_ns > sp.start_ns)
		sp.secs = (double)(sp.end_ns - sp.start_ns) / 1e9;
	return sp;
}

json_t *tl_stream_merge_interval(struct tl_stream_merge *m, const json_t *client_iv,
				 const json_t *agent_iv)
{
	if (m->spec.workload != TL_WORKLOAD_STREAM)
		return tl_txn_merge_interval(&m->spec, m->nconn, m->per_flow_limit, client_iv, agent_iv);
	/* each direction's rate over its receiver's span [c2a: the agent, a2c: the client] */
	struct span sp_c = span_of(client_iv, agent_iv), sp_a = span_of(agent_iv, client_iv);
	const struct span *rx[2] = { &sp_a, &sp_c }, *tx[2] = { &sp_c, &sp_a };
	int main_dir = m->spec.direction == TL_DIR_REVERSE ? 1 : 0;
	const struct span *shown = rx[main_dir];
	if (m->spec.direction == TL_DIR_BIDIR && sp_c.end_ns > sp_a.end_ns)
		shown = &sp_c; /* both directions: the span that covers both */
	double start = (double)shown->start_ns / 1e9, end = (double)shown->end_ns / 1e9;
	int per_flow = json_object_get(client_iv, "bytes") && json_object_get(agent_iv, "bytes");
	struct dir_sum dirs[2] = { { 0 } };
	double *bps = calloc(2 * (size_t)m->spec.flows, sizeof(double)); /* one half per direction */
	json_t *streams = json_array();
	json_t *iv = json_pack("{s:I,s:f,s:f,s:f}", "k", (json_int_t)tl_result_u64(client_iv ? client_iv : agent_iv, "k"),
			       "start", start, "end", end, "seconds", shown->secs);
	if (!bps || !streams || !iv)
		goto out;
	if (per_flow) {
		for (uint32_t i = 0; i < m->nconn; i++) {
			int cs = tl_spec_conn_client_sends(&m->spec, i);
			const json_t *snd = cs ? client_iv : agent_iv, *rcv = cs ? agent_iv : client_iv;
			uint64_t recv = arr_u64(rcv, "bytes", i), sent = arr_u64(snd, "bytes", i);
			uint32_t retrans = (uint32_t)arr_u64(snd, "retrans", i);
			struct dir_sum *d = &dirs[cs ? 0 : 1];
			double secs = rx[cs ? 0 : 1]->secs;
			d->recv += recv;
			d->sent += sent;
			d->bps = bps + (cs ? 0 : m->spec.flows);
			d->bps[d->n++] = secs > 0 ? (double)recv * 8 / secs : 0;
			if (m->nconn <= m->per_flow_limit)
				json_array_append_new(streams, json_pack("{s:I,s:s,s:I,s:f,s:I,s:I,s:I,s:I}",
					"id", (json_int_t)i, "dir", dir_name(cs), "bytes", (json_int_t)recv,
					"bits_per_second", secs > 0 ? (double)recv * 8 / secs : 0.0,
					"sent_bytes", (json_int_t)sent, "rtt_us", (json_int_t)arr_u64(snd, "rtt_us", i),
					"snd_cwnd", (json_int_t)arr_u64(snd, "cwnd", i),
					"retransmits", (json_int_t)retrans));
		}
	} else {
		/* Too many flow x interval cells to keep per flow: each end's totals, kept apart
		 * for what it sent and what it received, give each direction. */
		dirs[0].sent = tl_result_u64(client_iv, "bytes_sent_total");
		dirs[0].recv = tl_result_u64(agent_iv, "bytes_received_total");
		dirs[1].sent = tl_result_u64(agent_iv, "bytes_sent_total");
		dirs[1].recv = tl_result_u64(client_iv, "bytes_received_total");
	}
	struct dir_sum all = { .sent = dirs[0].sent + dirs[1].sent, .recv = dirs[0].recv + dirs[1].recv,
			       .bps = bps, .n = dirs[0].n + dirs[1].n };
	if (m->spec.direction == TL_DIR_REVERSE && per_flow)
		all.bps = dirs[1].bps;
	if (m->spec.direction == TL_DIR_BIDIR) {
		json_object_set_new(iv, "sum", sum_json(&all, shown->secs));
		json_object_set_new(iv, "sum_c2a", sum_json2(&dirs[0], rx[0]->secs, tx[0]->secs));
		json_object_set_new(iv, "sum_a2c", sum_json2(&dirs[1], rx[1]->secs, tx[1]->secs));
	} else {
		json_object_set_new(iv, "sum", sum_json2(&all, rx[main_dir]->secs, tx[main_dir]->secs));
	}
	if (m->nconn <= m->per_flow_limit && per_flow)
		json_object_set(iv, "streams", streams);
out:
	json_decref(streams);
	free(bps);
	return iv;
}

static const json_t *conn_of(const json_t *res, uint32_t i)
{
	const json_t *c = json_array_get(json_object_get(res, "conns"), i);
	return json_is_object(c) ? c : NULL;
}

static json_t *copy_field(json_t *dst, const json_t *src, const char *key)
{
	json_t *v = json_object_get(src, key);
	if (v)
		json_object_set(dst, key, v);
	return dst;
}

static json_t *side_json(const json_t *c, int sender)
{
	static const char *const common[] = { "bytes", "bytes_total", "state", "error", "stalled",
					      "stalled_for_ns", "sndbuf", "rcvbuf", "sndbuf_end",
					      "rcvbuf_end", "mss", "mss_end", "cc", NULL };
	static const char *const sender_keys[] = { "tcp_info", "limited_by", "retransmits_window",
						   "zerocopy", NULL };
	static const char *const receiver_keys[] = { "verify", NULL };
	json_t *j = json_object();
	if (!c || !json_is_true(json_object_get(c, "connected"))) {
		/* this end never had the connection (or sent no results) */
		json_object_set_new(j, "state", json_string(c ? "not connected" : "missing"));
		return j;
	}
	for (const char *const *k = common; *k; k++)
		copy_field(j, c, *k);
	for (const char *const *k = sender ? sender_keys : receiver_keys; *k; k++)
		copy_field(j, c, *k);
	return j;
}

/* The --verify call sizes of one kind ("send" by the senders, "recv" by the receivers),
 * summed over the flows: {"calls", "bytes", "buckets": [{"min", "max", "count"}...]} with
 * only the buckets that have calls (engine.h: powers of two). */
static json_t *io_kind_json(const uint64_t *counts, uint64_t bytes)
{
	json_t *b = json_array();
	uint64_t calls = 0;
	for (int k = 0; k < TL_IO_SIZE_BUCKETS; k++) {
		calls += counts[k];
		if (!counts[k])
			continue;
		uint64_t lo = 1ULL << k, hi = k == TL_IO_SIZE_BUCKETS - 1 ? UINT32_MAX : (2ULL << k) - 1;
		json_array_append_new(b, json_pack("{s:I,s:I,s:I}", "min", (json_int_t)lo, "max", (json_int_t)hi,
						   "count", (json_int_t)counts[k]));
	}
	return json_pack("{s:I,s:I,s:o}", "calls", (json_int_t)calls, "bytes", (json_int_t)bytes, "buckets", b);
}

static json_t *io_sizes_json(const struct tl_stream_merge *m, const json_t *client_res,
			     const json_t *agent_res)
{
	uint64_t snd[TL_IO_SIZE_BUCKETS] = { 0 }, rcv[TL_IO_SIZE_BUCKETS] = { 0 }, sb = 0, rb = 0;
	for (uint32_t i = 0; i < m->nconn; i++) {
		int cs = tl_spec_conn_client_sends(&m->spec, i);
		const json_t *sc = conn_of(cs ? client_res : agent_res, i), *rc = conn_of(cs ? agent_res : client_res, i);
		for (int k = 0; k < TL_IO_SIZE_BUCKETS; k++) {
			snd[k] += arr_u64(sc, "io_calls", (uint32_t)k);
			rcv[k] += arr_u64(rc, "io_calls", (uint32_t)k);
		}
		sb += tl_result_u64(sc, "bytes_total");
		rb += tl_result_u64(rc, "bytes_total");
	}
	return json_pack("{s:I,s:o,s:o}", "write_size", (json_int_t)m->spec.length,
			 "send", io_kind_json(snd, sb), "recv", io_kind_json(rcv, rb));
}

json_t *tl_stream_merge_end(struct tl_stream_merge *m, const json_t *client_res,
			    const json_t *agent_res)
{
	if (m->spec.workload != TL_WORKLOAD_STREAM)
		return tl_txn_merge_end(&m->spec, m->nconn, client_res, agent_res);
	struct dir_sum dirs[2] = { { 0 } };
	double *bps = calloc(2 * (size_t)m->spec.flows, sizeof(double)); /* one half per direction */
	json_t *streams = json_array();
	uint32_t stalled = 0, failed = 0, verify_bad = 0;
	double secs_dir[2] = { 0, 0 };
	/* Cut short (--max-time, a stall, an interruption): bytes never sent are not
	 * mismatches, so --verify checks the bytes that came, not the counts against --bytes. */
	int cut_short = json_is_true(json_object_get(client_res, "incomplete")) ||
			json_is_true(json_object_get(agent_res, "incomplete"));
	uint64_t expected = m->spec.bytes * (m->spec.direction == TL_DIR_BIDIR ? 2 : 1), received = 0;
	for (uint32_t i = 0; m->spec.bytes && i < m->nconn; i++)
		received += tl_result_u64(conn_of(tl_spec_conn_client_sends(&m->spec, i) ? agent_res : client_res, i),
				    "bytes_total");
	if (m->spec.bytes && received < expected)
		cut_short = 1;
	if (!bps || !streams)
		goto fail;
	dirs[0].bps = bps;
	dirs[1].bps = bps + m->spec.flows;
	for (uint32_t i = 0; i < m->nconn; i++) {
		int cs = tl_spec_conn_client_sends(&m->spec, i);
		const json_t *snd = conn_of(cs ? client_res : agent_res, i);
		const json_t *rcv = conn_of(cs ? agent_res : client_res, i);
		const json_t *rcv_res = cs ? agent_res : client_res;
		double secs = (double)tl_result_u64(rcv_res, "window_ns") / 1e9;
		uint64_t recv = tl_result_u64(rcv, "bytes"), sent = tl_result_u64(snd, "bytes");
		struct dir_sum *d = &dirs[cs ? 0 : 1];
		double flow_bps = secs > 0 ? (double)recv * 8 / secs : 0;
		secs_dir[cs ? 0 : 1] = secs;
		d->recv += recv;
		d->sent += sent;
		d->bps[d->n++] = flow_bps;
		/* A flow is stalled when its receiver got nothing for --stall-timeout. A sender
		 * blocked on a full socket buffer while the receiver still drains it slowly is
		 * busy, not stalled; its own flag stays in "sender" for who wants it. */
		int is_stalled = json_is_true(json_object_get(rcv ? rcv : snd, "stalled"));
		int is_failed = !snd || !rcv ||
				!strcmp(json_string_value(json_object_get(snd, "state")) ?: "", "error") ||
				!strcmp(json_string_value(json_object_get(rcv, "state")) ?: "", "error");
		stalled += is_stalled;
		failed += is_failed;
		uint64_t snd_total = tl_result_u64(snd, "bytes_total"), rcv_total = tl_result_u64(rcv, "bytes_total");
		int flow_verified = 1;
		if (m->spec.verify) {
			uint64_t errors = tl_result_u64(json_object_get(rcv, "verify"), "errors");
			flow_verified = errors == 0 && !is_failed;
			if (m->spec.bytes && !cut_short)
				flow_verified = flow_verified && rcv_total == snd_total &&
						rcv_total == tl_spec_conn_bytes(&m->spec, i);
			else if (m->spec.bytes)
				flow_verified = flow_verified && rcv_total <= snd_total;
			verify_bad += !flow_verified;
		}
		json_t *st = json_pack("{s:I,s:s,s:s?,s:f,s:b,s:b,s:o,s:o}", "id", (json_int_t)i,
				       "dir", dir_name(cs), "cc", json_string_value(json_object_get(snd, "cc")),
				       "bits_per_second", flow_bps, "stalled", is_stalled, "failed", is_failed,
				       "sender", side_json(snd, 1), "receiver", side_json(rcv, 0));
		if (m->spec.verify)
			json_object_set_new(st, "verified", json_boolean(flow_verified));
		json_array_append_new(streams, st);
	}
	int main_dir = m->spec.direction == TL_DIR_REVERSE ? 1 : 0;
	struct dir_sum all = { .sent = dirs[0].sent + dirs[1].sent, .recv = dirs[0].recv + dirs[1].recv,
			       .bps = m->spec.direction == TL_DIR_REVERSE ? dirs[1].bps : bps,
			       .n = dirs[0].n + dirs[1].n };
	double secs = secs_dir[main_dir];
	json_t *end = json_pack("{s:o,s:o,s:i,s:i,s:b,s:o}",
				"streams", streams, "sum", sum_json(&all, secs),
				"stalled_flows", (int)stalled, "failed_flows", (int)failed,
				"incomplete", cut_short,
				"cpu_utilization_percent", tl_result_cpu_percent(client_res, agent_res));
	streams = NULL;
	json_object_set_new(end, "machine_cpu", tl_result_machine_cpu(client_res, agent_res));
	json_object_set_new(end, "kernel_tcp", tl_result_kernel_tcp(client_res, agent_res));
	if (m->spec.direction == TL_DIR_BIDIR) {
		json_object_set_new(end, "sum_c2a", sum_json(&dirs[0], secs_dir[0]));
		json_object_set_new(end, "sum_a2c", sum_json(&dirs[1], secs_dir[1]));
	}
	if (cut_short)
		json_object_set_new(end, "incomplete_reason", json_string(
			json_is_true(json_object_get(client_res, "interrupted")) ? "interrupted"
			: stalled ? "stalled" : m->spec.bytes ? "max-time" : "error"));
	if (m->spec.bytes) {
		json_object_set_new(end, "bytes_expected", json_integer((json_int_t)expected));
		json_object_set_new(end, "bytes_arrived", json_integer((json_int_t)received));
	}
	json_t *io_sizes = m->spec.verify ? io_sizes_json(m, client_res, agent_res) : NULL;
	if (m->spec.verify)
		json_object_set_new(end, "verify", json_pack("{s:b,s:I,s:I,s:i,s:b,s:s}",
			"ok", verify_bad == 0, "bytes_sent", (json_int_t)all.sent,
			"bytes_received", (json_int_t)all.recv, "mismatched_flows", (int)verify_bad,
			"counts_checked", m->spec.bytes && !cut_short,
			"method", m->spec.bytes && !cut_short
				? "pattern check of every byte, and byte counts equal to --bytes"
				: m->spec.bytes ? "pattern check of every byte that arrived (the transfer did not finish, "
						  "so the counts are not compared with --bytes)"
				: "pattern check of every byte received (bytes in flight at the end are not counted)"));
	if (io_sizes)
		json_object_set_new(json_object_get(end, "verify"), "io_sizes", io_sizes);
	free(bps);
	return end;
fail:
	json_decref(streams);
	free(bps);
	return json_pack("{s:s}", "error", "out of memory merging results");
}
