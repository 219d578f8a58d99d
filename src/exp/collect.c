/* From stream's and rr's JSON documents to the rows of a run. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exp/collect.h"
#include "measure/hist.h"

static uint64_t u64(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		return json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
	if (json_is_real(v))
		return json_real_value(v) > 0 ? (uint64_t)json_real_value(v) : 0;
	return 0;
}

static double num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static void *grow(void *p, uint32_t n, size_t size)
{
	/* Arrays grow by doubling at powers of two. */
	if (n && (n & (n - 1)))
		return p;
	return realloc(p, (n ? 2 * (size_t)n : 16) * size);
}

static int add_flow(const json_t *s, unsigned sender, const struct tl_exp_point *p,
		    struct tl_exp_run *r)
{
	void *np = grow(r->flows, r->nflows, sizeof(*r->flows));
	if (!np)
		return -ENOMEM;
	r->flows = np;
	struct tl_exp_flow *f = &r->flows[r->nflows];
	memset(f, 0, sizeof(*f));
	const json_t *snd = json_object_get(s, "sender"), *rcv = json_object_get(s, "receiver");
	const json_t *ti = json_object_get(snd, "tcp_info");
	const char *cc = json_string_value(json_object_get(s, "cc"));
	f->flow = (sender - 1) * p->flows + (uint32_t)u64(s, "id");
	f->sender = sender;
	snprintf(f->cc, sizeof(f->cc), "%s", cc ? cc : "?");
	f->rtt_ms = (double)p->rtt_ns[sender - 1] / 1e6;
	f->bytes = u64(rcv, "bytes");
	f->bps = num(s, "bits_per_second");
	f->retransmits = u64(snd, "retransmits_window");
	f->rcvbuf = u64(rcv, "rcvbuf_end");
	f->srtt_ms = ti ? (double)u64(ti, "rtt") / 1000.0 : 0;
	f->stalled = json_is_true(json_object_get(s, "stalled"));
	f->failed = json_is_true(json_object_get(s, "failed"));
	f->tcp_info = ti ? json_dumps(ti, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	r->nflows++;
	return 0;
}

static int add_intervals(const json_t *doc, unsigned sender, const struct tl_exp_point *p,
			 struct tl_exp_run *r)
{
	size_t i, j;
	json_t *iv, *s;
	json_array_foreach(json_object_get(doc, "intervals"), i, iv) {
		json_array_foreach(json_object_get(iv, "streams"), j, s) {
			void *np = grow(r->intervals, r->nintervals, sizeof(*r->intervals));
			if (!np)
				return -ENOMEM;
			r->intervals = np;
			struct tl_exp_interval *v = &r->intervals[r->nintervals++];
			v->flow = (sender - 1) * p->flows + (uint32_t)u64(s, "id");
			v->k = (uint32_t)u64(iv, "k");
			v->start_s = num(iv, "start");
			v->end_s = num(iv, "end");
			v->bytes = u64(s, "bytes");
			v->bps = num(s, "bits_per_second");
			v->rtt_us = (uint32_t)u64(s, "rtt_us");
			v->cwnd = (uint32_t)u64(s, "snd_cwnd");
			v->retransmits = u64(s, "retransmits");
		}
	}
	return 0;
}

static uint64_t drops_of(const json_t *fwd)
{
	const json_t *d = json_object_get(fwd, "drops");
	return u64(d, "queue_full") + u64(d, "aqm");
}

static int add_series(const json_t *doc, const struct tl_exp_point *p, struct tl_exp_run *r)
{
	const json_t *series = json_object_get(json_object_get(json_object_get(doc, "end"),
								"testbed"), "series");
	size_t n = json_array_size(series), i;
	if (n == 0)
		return 0;
	uint64_t t0 = u64(json_array_get(series, 0), "t_ns") + p->warmup_ns;
	const json_t *base = NULL;
	for (i = 0; i < n; i++) {
		const json_t *line = json_array_get(series, i);
		const json_t *fwd = json_object_get(line, "fwd");
		if (u64(line, "t_ns") < t0) {
			base = fwd;
			continue;
		}
		if (!base)
			base = fwd;
		void *np = grow(r->queue, r->nqueue, sizeof(*r->queue));
		if (!np)
			return -ENOMEM;
		r->queue = np;
		struct tl_exp_qsample *q = &r->queue[r->nqueue++];
		q->t_s = (double)(u64(line, "t_ns") - t0) / 1e9;
		q->backlog_bytes = u64(fwd, "backlog_bytes");
		q->backlog_pkts = u64(fwd, "backlog_pkts");
		q->sojourn_p50_ms = (double)u64(fwd, "qdelay_p50_ns") / 1e6;
		q->sojourn_p99_ms = (double)u64(fwd, "qdelay_p99_ns") / 1e6;
		q->sojourn_max_ms = (double)u64(fwd, "qdelay_max_ns") / 1e6;
		q->out_bps = num(fwd, "out_bps");
		q->drops = drops_of(fwd) - drops_of(base);
		q->marks = u64(fwd, "marks") - u64(base, "marks");
		q->samples = u64(fwd, "samples");
	}
	return 0;
}

int tl_exp_collect_stream(const json_t *doc, unsigned sender, const struct tl_exp_point *p,
			  bool series, struct tl_exp_run *r, struct tl_err *err)
{
	size_t i;
	json_t *s;
	const json_t *streams = json_object_get(json_object_get(doc, "end"), "streams");
	if (!json_is_array(streams) || json_array_size(streams) == 0)
		return tl_err_set(err, EINVAL, "sender %u: the stream result has no flows", sender);
	json_array_foreach(streams, i, s) {
		if (add_flow(s, sender, p, r) < 0)
			return tl_err_set(err, ENOMEM, "out of memory");
	}
	if (add_intervals(doc, sender, p, r) < 0 || (series && add_series(doc, p, r) < 0))
		return tl_err_set(err, ENOMEM, "out of memory");
	return 0;
}

static int bucket(uint64_t lo, uint64_t hi, uint64_t count, void *ctx)
{
	struct tl_exp_run *r = ctx;
	void *np = grow(r->latency, r->nlatency, sizeof(*r->latency));
	if (!np)
		return -ENOMEM;
	r->latency = np;
	r->latency[r->nlatency++] = (struct tl_exp_lbucket){ lo, hi, count };
	return 0;
}

int tl_exp_collect_rr(const json_t *doc, struct tl_exp_run *r, struct tl_err *err)
{
	const json_t *h = json_object_get(json_object_get(doc, "end"), "latency_histogram");
	struct tl_hist *hist = tl_hist_new();
	int ret = -1;
	if (!hist)
		return tl_err_set(err, ENOMEM, "out of memory");
	if (!h) {
		tl_err_set(err, EINVAL, "the latency probe's result has no histogram");
		goto out;
	}
	if (tl_hist_from_json(hist, h, err) < 0) {
		tl_err_prefix(err, "latency probe");
		goto out;
	}
	if (tl_hist_foreach(hist, bucket, r) != 0) {
		tl_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	ret = 0;
out:
	tl_hist_free(hist);
	return ret;
}
