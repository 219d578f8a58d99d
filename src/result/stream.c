/* Decoding a stream result document (workload/result.c writes it) into result/stream.h. */
#include "result/stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result/dec.h"
#include "result/stream_internal.h"

void tl_res_flows_decode(struct tl_dec *d, const json_t *o, const char *where, struct tl_res_flows *f)
{
	f->count = (uint32_t)tl_dec_u64(d, o, where, "count");
	f->min = tl_dec_num(d, o, where, "min");
	f->median = tl_dec_num(d, o, where, "median");
	f->max = tl_dec_num(d, o, where, "max");
	f->mean = tl_dec_num(d, o, where, "mean");
	f->jain = tl_dec_num(d, o, where, "jain");
}

static void sum_decode(struct tl_dec *d, const json_t *o, const char *where, struct tl_stream_sum *s)
{
	char w[64];
	s->bytes = tl_dec_u64(d, o, where, "bytes");
	s->bits_per_second = tl_dec_num(d, o, where, "bits_per_second");
	s->sent_bytes = tl_dec_u64(d, o, where, "sent_bytes");
	s->sender_bits_per_second = tl_dec_num(d, o, where, "sender_bits_per_second");
	s->seconds = tl_dec_num(d, o, where, "seconds");
	snprintf(w, sizeof(w), "%s.flows", where);
	tl_res_flows_decode(d, tl_dec_obj(d, o, where, "flows"), w, &s->flows);
}

/* sum, and with --bidir sum_c2a and sum_a2c too */
static void sums_decode(struct tl_dec *d, const json_t *o, const char *where, struct tl_stream_sum *sum,
			int *has_dirs, struct tl_stream_sum *c2a, struct tl_stream_sum *a2c)
{
	char w[64];
	snprintf(w, sizeof(w), "%s.sum", where);
	sum_decode(d, tl_dec_obj(d, o, where, "sum"), w, sum);
	const json_t *c = tl_dec_obj_opt(d, o, where, "sum_c2a");
	*has_dirs = c != NULL;
	if (!c)
		return;
	snprintf(w, sizeof(w), "%s.sum_c2a", where);
	sum_decode(d, c, w, c2a);
	snprintf(w, sizeof(w), "%s.sum_a2c", where);
	sum_decode(d, tl_dec_obj(d, o, where, "sum_a2c"), w, a2c);
}

static void iv_flow_decode(struct tl_dec *d, const json_t *o, const char *w, struct tl_stream_iv_flow *f)
{
	f->id = (uint32_t)tl_dec_u64(d, o, w, "id");
	f->dir = tl_dec_str(d, o, w, "dir");
	f->bytes = tl_dec_u64(d, o, w, "bytes");
	f->bits_per_second = tl_dec_num(d, o, w, "bits_per_second");
	f->sent_bytes = tl_dec_u64(d, o, w, "sent_bytes");
	f->rtt_us = tl_dec_u64(d, o, w, "rtt_us");
	f->snd_cwnd = tl_dec_u64(d, o, w, "snd_cwnd");
	f->retransmits = tl_dec_u64(d, o, w, "retransmits");
}

int tl_stream_interval_decode(const json_t *iv, struct tl_stream_interval *out, struct tl_err *err)
{
	struct tl_dec d = { err, 0 };
	const char *w = "interval";
	memset(out, 0, sizeof(*out));
	if (!json_is_object(iv))
		return tl_dec_fail(&d, "", w, "not an object");
	out->k = tl_dec_u64(&d, iv, w, "k");
	out->start = tl_dec_num(&d, iv, w, "start");
	out->end = tl_dec_num(&d, iv, w, "end");
	out->seconds = tl_dec_num(&d, iv, w, "seconds");
	sums_decode(&d, iv, w, &out->sum, &out->has_dirs, &out->sum_c2a, &out->sum_a2c);
	const json_t *arr = tl_dec_arr_opt(&d, iv, w, "streams");
	size_t n = json_array_size(arr);
	if (n && !tl_dec_failed(&d)) {
		out->flows = calloc(n, sizeof(*out->flows));
		if (!out->flows)
			tl_dec_fail(&d, w, "streams", "out of memory");
		for (size_t i = 0; out->flows && i < n; i++) {
			char fw[48];
			snprintf(fw, sizeof(fw), "interval.streams[%zu]", i);
			const json_t *o = json_array_get(arr, i);
			if (!json_is_object(o))
				tl_dec_fail(&d, fw, "", "not an object");
			iv_flow_decode(&d, o, fw, &out->flows[out->nflows++]);
		}
	}
	if (tl_dec_failed(&d)) {
		tl_stream_interval_free(out);
		return -1;
	}
	return 0;
}

void tl_stream_interval_free(struct tl_stream_interval *iv)
{
	if (!iv)
		return;
	free(iv->flows);
	iv->flows = NULL;
	iv->nflows = 0;
}

int tl_stream_intervals_decode(const json_t *doc, struct tl_stream_interval **out, size_t *n,
			       struct tl_err *err)
{
	struct tl_dec d = { err, 0 };
	const json_t *arr = json_is_object(doc) ? tl_dec_arr(&d, doc, "", "intervals") : NULL;
	size_t count = json_array_size(arr);
	*out = NULL;
	*n = 0;
	if (!json_is_object(doc))
		return tl_dec_fail(&d, "", "document", "not an object");
	if (tl_dec_failed(&d))
		return -1;
	*out = count ? calloc(count, sizeof(**out)) : NULL;
	if (count && !*out)
		return tl_dec_fail(&d, "", "intervals", "out of memory");
	for (size_t i = 0; i < count; i++) {
		if (tl_stream_interval_decode(json_array_get(arr, i), &(*out)[i], err) < 0) {
			tl_err_prefix(err, "intervals[%zu]", i);
			tl_stream_intervals_free(*out, i);
			*out = NULL;
			return -1;
		}
	}
	*n = count;
	return 0;
}

void tl_stream_intervals_free(struct tl_stream_interval *ivs, size_t n)
{
	for (size_t i = 0; ivs && i < n; i++)
		tl_stream_interval_free(&ivs[i]);
	free(ivs);
}

static void side_decode(struct tl_dec *d, const json_t *o, const char *w, struct tl_stream_side *s)
{
	static const char *const limits[TL_RES_LIMITS] = { "app", "rwnd", "sndbuf", "network" };
	char lw[80];
	s->state = tl_dec_str(d, o, w, "state");
	s->error = tl_dec_str_opt(d, o, w, "error");
	/* an end that never had the connection reports its state alone */
	s->bytes = tl_dec_u64_opt(d, o, w, "bytes", &s->connected);
	if (!s->connected)
		return;
	s->sndbuf = tl_dec_u64(d, o, w, "sndbuf");
	s->rcvbuf = tl_dec_u64(d, o, w, "rcvbuf");
	s->sndbuf_end = tl_dec_u64(d, o, w, "sndbuf_end");
	s->rcvbuf_end = tl_dec_u64(d, o, w, "rcvbuf_end");
	const json_t *ti = tl_dec_obj_opt(d, o, w, "tcp_info");
	s->has_tcp_info = ti != NULL;
	if (!ti)
		return;
	snprintf(lw, sizeof(lw), "%s.tcp_info", w);
	s->rtt_us = tl_dec_num(d, ti, lw, "rtt");
	s->min_rtt_us = tl_dec_num(d, ti, lw, "min_rtt");
	s->snd_cwnd = tl_dec_num(d, ti, lw, "snd_cwnd");
	s->snd_cwnd_bytes = tl_dec_num(d, ti, lw, "snd_cwnd_bytes");
	s->snd_wnd = tl_dec_num(d, ti, lw, "snd_wnd");
	s->delivery_rate_bps = tl_dec_num_opt(d, ti, lw, "delivery_rate", 0, NULL);
	s->snd_mss = tl_dec_u64(d, ti, lw, "snd_mss");
	s->retransmits_total = tl_dec_u64(d, ti, lw, "retransmits");
	s->bytes_sent = tl_dec_u64(d, ti, lw, "bytes_sent");
	s->bytes_retrans = tl_dec_u64(d, ti, lw, "bytes_retrans");
	s->retransmits_window = tl_dec_u64(d, o, w, "retransmits_window");
	const json_t *lim = tl_dec_obj(d, o, w, "limited_by");
	snprintf(lw, sizeof(lw), "%s.limited_by", w);
	s->limited_by = tl_dec_str(d, lim, lw, "dominant");
	for (int k = 0; k < TL_RES_LIMITS; k++)
		s->limit_share[k] = tl_dec_num(d, lim, lw, limits[k]);
}

static void flow_decode(struct tl_dec *d, const json_t *o, size_t i, struct tl_stream_flow *f)
{
	char w[48], sw[64];
	snprintf(w, sizeof(w), "end.streams[%zu]", i);
	if (!json_is_object(o)) {
		tl_dec_fail(d, w, "", "not an object");
		return;
	}
	f->id = (uint32_t)tl_dec_u64(d, o, w, "id");
	f->dir = tl_dec_str(d, o, w, "dir");
	f->cc = tl_dec_str_opt(d, o, w, "cc");
	f->bits_per_second = tl_dec_num(d, o, w, "bits_per_second");
	f->stalled = tl_dec_bool(d, o, w, "stalled");
	f->failed = tl_dec_bool(d, o, w, "failed");
	f->verified = tl_dec_bool_opt(d, o, w, "verified");
	snprintf(sw, sizeof(sw), "%s.sender", w);
	side_decode(d, tl_dec_obj(d, o, w, "sender"), sw, &f->sender);
	snprintf(sw, sizeof(sw), "%s.receiver", w);
	side_decode(d, tl_dec_obj(d, o, w, "receiver"), sw, &f->receiver);
}

static void io_kind_decode(struct tl_dec *d, const json_t *o, const char *w, struct tl_res_io_kind *k)
{
	char bw[80];
	uint64_t mode_count = 0;
	k->calls = tl_dec_u64(d, o, w, "calls");
	const json_t *arr = tl_dec_arr(d, o, w, "buckets");
	k->nbuckets = json_array_size(arr);
	for (size_t i = 0; i < k->nbuckets && !tl_dec_failed(d); i++) {
		const json_t *b = json_array_get(arr, i);
		snprintf(bw, sizeof(bw), "%s.buckets[%zu]", w, i);
		uint64_t lo = tl_dec_u64(d, b, bw, "min"), hi = tl_dec_u64(d, b, bw, "max");
		uint64_t count = tl_dec_u64(d, b, bw, "count");
		if (i == 0)
			k->first_min = lo;
		k->last_max = hi;
		if (i == 0 || count > mode_count) {
			mode_count = count;
			k->mode_min = lo;
			k->mode_max = hi;
		}
	}
}

static void verify_decode(struct tl_dec *d, const json_t *o, struct tl_stream_verify *v)
{
	const char *w = "end.verify";
	v->ok = tl_dec_bool(d, o, w, "ok");
	v->bytes_sent = tl_dec_u64(d, o, w, "bytes_sent");
	v->bytes_received = tl_dec_u64(d, o, w, "bytes_received");
	v->mismatched_flows = tl_dec_u64(d, o, w, "mismatched_flows");
	v->method = tl_dec_str(d, o, w, "method");
	const json_t *io = tl_dec_obj_opt(d, o, w, "io_sizes");
	v->has_io_sizes = io != NULL;
	if (!io)
		return;
	v->write_size = tl_dec_u64(d, io, "end.verify.io_sizes", "write_size");
	io_kind_decode(d, tl_dec_obj(d, io, "end.verify.io_sizes", "send"), "end.verify.io_sizes.send", &v->send);
	io_kind_decode(d, tl_dec_obj(d, io, "end.verify.io_sizes", "recv"), "end.verify.io_sizes.recv", &v->recv);
}

int tl_stream_end_decode(const json_t *end, struct tl_stream_end *out, struct tl_err *err)
{
	struct tl_dec d = { err, 0 };
	const char *w = "end";
	memset(out, 0, sizeof(*out));
	if (!json_is_object(end))
		return tl_dec_fail(&d, "", w, "not an object");
	const char *why = tl_dec_str_opt(&d, end, w, "error"); /* the merge itself failed */
	if (why)
		return tl_dec_fail(&d, "", w, why);
	const json_t *arr = tl_dec_arr(&d, end, w, "streams");
	size_t n = json_array_size(arr);
	out->flows = n ? calloc(n, sizeof(*out->flows)) : NULL;
	if (n && !out->flows)
		tl_dec_fail(&d, w, "streams", "out of memory");
	for (size_t i = 0; out->flows && i < n && !tl_dec_failed(&d); i++)
		flow_decode(&d, json_array_get(arr, i), i, &out->flows[out->nflows++]);
	sums_decode(&d, end, w, &out->sum, &out->has_dirs, &out->sum_c2a, &out->sum_a2c);
	out->stalled_flows = tl_dec_u64(&d, end, w, "stalled_flows");
	out->failed_flows = tl_dec_u64(&d, end, w, "failed_flows");
	out->incomplete = tl_dec_bool(&d, end, w, "incomplete");
	out->incomplete_reason = tl_dec_str_opt(&d, end, w, "incomplete_reason");
	out->bytes_expected = tl_dec_u64_opt(&d, end, w, "bytes_expected", &out->has_bytes_expected);
	if (out->has_bytes_expected)
		out->bytes_arrived = tl_dec_u64(&d, end, w, "bytes_arrived");
	tl_res_end_common_decode(&d, end, &out->cpu_client, &out->cpu_agent, &out->client, &out->agent);
	const json_t *v = tl_dec_obj_opt(&d, end, w, "verify");
	out->has_verify = v != NULL;
	if (v)
		verify_decode(&d, v, &out->verify);
	const json_t *tb = tl_dec_obj_opt(&d, end, w, "testbed");
	out->has_testbed = tb != NULL;
	if (tb)
		tl_res_testbed_decode(&d, tb, &out->testbed);
	if (tl_dec_failed(&d)) {
		tl_stream_end_free(out);
		return -1;
	}
	return 0;
}

void tl_stream_end_free(struct tl_stream_end *e)
{
	if (!e)
		return;
	free(e->flows);
	free(e->testbed.lines);
	e->flows = NULL;
	e->testbed.lines = NULL;
	e->nflows = e->testbed.nlines = 0;
}

static int end_decode(const json_t *end, void *out, struct tl_err *err)
{
	return tl_stream_end_decode(end, out, err);
}

int tl_stream_result_decode(const json_t *doc, struct tl_stream_result *out, struct tl_err *err)
{
	memset(out, 0, sizeof(*out));
	return tl_res_doc_decode(doc, &out->start, &out->error, &out->interrupted, &out->has_end,
				 end_decode, &out->end, err);
}

void tl_stream_result_free(struct tl_stream_result *r)
{
	if (!r)
		return;
	tl_res_start_free(&r->start);
	tl_stream_end_free(&r->end);
}
