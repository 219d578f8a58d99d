/* The probe's two phases (rr for RTT, bulk for rate) and what is read from their results. */
#include "tune/probe.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/proto.h"
#include "result/stream.h"
#include "result/txn.h"
#include "util/clock.h"

#define US 1000ULL

/* A TCP_INFO time in us as ns (the documents hold whole us). */
static uint64_t us_to_ns(double us)
{
	return us > 0 ? (uint64_t)llround(us) * US : 0;
}

/* Keeps the smallest non-zero value. */
static void min_nz(uint64_t *acc, uint64_t v)
{
	if (v && (*acc == 0 || v < *acc))
		*acc = v;
}

static void rr_part(const struct tl_txn_end *end, struct tl_probe_result *out)
{
	const struct tl_txn_flow *f = end->nflows ? &end->flows[0] : NULL;
	out->rr_min_ns = end->sum.latency.min_ns;
	out->rr_p50_ns = end->sum.latency.p50_ns;
	if (f && f->has_tcp_info) {
		min_nz(&out->tcp_min_rtt_ns, us_to_ns(f->min_rtt_us));
		out->rtt_smoothed_ns = us_to_ns(f->rtt_us);
	}
	if (!out->rtt_smoothed_ns)
		out->rtt_smoothed_ns = out->rr_p50_ns;
	min_nz(&out->rtt_min_ns, out->rr_min_ns);
	min_nz(&out->rtt_min_ns, out->tcp_min_rtt_ns);
}

/* rr_part from the rr phase's document, decoded through result/ (a bad field is named). */
static int rr_doc_part(const json_t *rr_doc, struct tl_probe_result *out, struct tl_err *err)
{
	struct tl_txn_result rr;
	if (tl_txn_result_decode(rr_doc, &rr, err) < 0) {
		tl_err_prefix(err, "rtt phase");
		return -EINVAL;
	}
	int ret = 0;
	if (rr.has_end)
		rr_part(&rr.end, out);
	else
		ret = tl_err_set(err, EINVAL, "rtt phase: the result has no end%s%s", rr.error ? ": " : "",
				 rr.error ? rr.error : "");
	tl_txn_result_free(&rr);
	return ret;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median of v[0..n) (sorts v); n > 0. */
static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Whether the samples agree within their spread (probe.h); the reason when not. */
static void probe_judge(struct tl_probe_result *r)
{
	double med = (double)r->rate_bps;
	r->consistent = false;
	if (r->intervals < 3)
		r->consistent = true; /* too few samples for a spread: the window's mean stands */
	else if (med <= 0 || (double)r->interval_p25_bps < 0.5 * med || (double)r->interval_p75_bps > 1.5 * med)
		snprintf(r->inconsistency, sizeof(r->inconsistency),
			 "the intervals disagree: quartiles %.1f .. %.1f Mbit/s around a median of %.1f%s",
			 (double)r->interval_p25_bps / 1e6, (double)r->interval_p75_bps / 1e6, med / 1e6,
			 r->rejected_intervals ? "; a receiver caught up (left out)" : "");
	else if ((double)r->window_rate_bps < 0.5 * med || (double)r->window_rate_bps > 1.5 * med)
		snprintf(r->inconsistency, sizeof(r->inconsistency),
			 "the window's mean %.1f Mbit/s is far from the intervals' median %.1f",
			 (double)r->window_rate_bps / 1e6, med / 1e6);
	else
		r->consistent = true;
	if (r->consistent)
		r->inconsistency[0] = '\0';
}

static const char *const limit_keys[] = { "app", "rwnd", "sndbuf", "network" };
#define NLIMITS (sizeof(limit_keys) / sizeof(limit_keys[0]))

/* The dominant limit of the flows' summed shares; on a tie the first in the order above, as
 * tl_tcpinfo_limits does. No chronographs at all (an old kernel) counts as unknown. */
static void dominant_limit(const double *shares, struct tl_probe_result *out)
{
	size_t best = 0;
	double total = 0;
	for (size_t k = 0; k < NLIMITS; k++) {
		total += shares[k];
		if (shares[k] > shares[best])
			best = k;
	}
	if (total > 0) {
		snprintf(out->limited_by, sizeof(out->limited_by), "%s", limit_keys[best]);
		out->limited_share = shares[best] / (double)out->flows;
		out->rate_lower_bound = strcmp(limit_keys[best], "network") != 0;
	} else {
		snprintf(out->limited_by, sizeof(out->limited_by), "unknown");
		out->limited_share = 0;
		out->rate_lower_bound = false;
	}
}

/* The bulk senders' TCP_INFO at the end: RTTs, delivery rate, MSS, loss and limits. */
static void senders_part(const struct tl_stream_end *end, struct tl_probe_result *out)
{
	double shares[NLIMITS] = { 0 };
	uint64_t rtt_sum = 0, rtt_n = 0, dr = 0;
	for (size_t i = 0; i < end->nflows; i++) {
		const struct tl_stream_side *snd = &end->flows[i].sender;
		if (!snd->has_tcp_info)
			continue; /* never connected: nothing to read */
		min_nz(&out->tcp_min_rtt_ns, us_to_ns(snd->min_rtt_us));
		if (us_to_ns(snd->rtt_us)) {
			rtt_sum += us_to_ns(snd->rtt_us);
			rtt_n++;
		}
		dr += snd->delivery_rate_bps > 0 ? (uint64_t)llround(snd->delivery_rate_bps) : 0;
		if (!out->mss)
			out->mss = (uint32_t)snd->snd_mss;
		out->retransmits += snd->retransmits_total;
		out->bytes_sent += snd->bytes_sent;
		out->bytes_retrans += snd->bytes_retrans;
		/* result/ decodes the shares in limit_keys' order (enum tl_res_limit) */
		for (size_t k = 0; k < NLIMITS; k++)
			shares[k] += snd->limit_share[k];
	}
	min_nz(&out->rtt_min_ns, out->tcp_min_rtt_ns);
	out->rtt_loaded_ns = rtt_n ? rtt_sum / rtt_n : 0;
	out->delivery_rate_bps = dr;
	out->loss_ratio = out->bytes_sent ? (double)out->bytes_retrans / (double)out->bytes_sent : 0.0;
	dominant_limit(shares, out);
}

/*
 * The rate is the median of the full intervals' goodput. The window's mean is biased by
 * whatever the receiver held at its edges: data it had not read yet when the window
 * opened (a receiver that fell behind, e.g. descheduled on a loaded host, then caught up)
 * or data behind a hole that a retransmission releases at once. Either lands in one or two
 * intervals; the median ignores them. With fewer than 3 intervals the window's mean is
 * all there is.
 */
static void intervals_part(const struct tl_stream_interval *ivs, size_t niv, struct tl_probe_result *out)
{
	double full[TL_PROBE_MAX_INTERVALS], usual = 0, sender_max = 0;
	size_t n = 0;
	out->window_rate_bps = out->rate_bps;
	out->interval_max_bps = 0;
	/* The intervals' usual length is their median: a receiver that was descheduled past a
	 * boundary makes one interval longer and the next one short (workload/side.c). */
	for (size_t i = 0; i < niv && n < TL_PROBE_MAX_INTERVALS; i++)
		full[n++] = ivs[i].seconds;
	usual = n ? median(full, n) : 0;
	n = 0;
	for (size_t i = 0; i < niv; i++)
		if (ivs[i].sum.sender_bits_per_second > sender_max)
			sender_max = ivs[i].sum.sender_bits_per_second;
	/* what the path could have carried in an interval: the senders' own pace */
	double dr = (double)out->delivery_rate_bps;
	double bound = TL_PROBE_BOUND_FACTOR * (sender_max > dr ? sender_max : dr);
	out->bound_bps = (uint64_t)llround(bound);
	for (size_t i = 0; i < niv; i++) {
		double bps = ivs[i].sum.bits_per_second;
		/* a last, partial interval is too short to be a sample of its own */
		if (ivs[i].seconds < 0.8 * usual || n == TL_PROBE_MAX_INTERVALS)
			continue;
		if (bound > 0 && bps > bound) {
			out->rejected_intervals++;
			continue;
		}
		full[n++] = bps;
		if (bps > (double)out->interval_max_bps)
			out->interval_max_bps = (uint64_t)llround(bps);
	}
	out->intervals = (uint32_t)n;
	out->interval_ns = (uint64_t)llround(usual * 1e9);
	if (n >= 3) {
		out->rate_bps = (uint64_t)llround(median(full, n)); /* sorts full */
		out->interval_p25_bps = (uint64_t)llround(full[(n - 1) / 4]);
		out->interval_p75_bps = (uint64_t)llround(full[(3 * (n - 1) + 3) / 4]);
	} else {
		out->interval_p25_bps = out->interval_p75_bps = out->rate_bps;
	}
	probe_judge(out);
}

/* Whether the bulk phase has a usable end: no error, some flows, none failed. */
static int bulk_usable(const struct tl_stream_result *b, struct tl_err *err)
{
	if (b->error)
		return tl_err_set(err, EINVAL, "bulk phase failed: %s", b->error);
	if (!b->has_end || b->end.nflows == 0)
		return tl_err_set(err, EINVAL, "bulk phase: the result has no flows");
	if (b->end.failed_flows)
		return tl_err_set(err, EINVAL, "bulk phase: %llu of %zu flows failed (see 'tcplab stream' "
				  "to the same agent for details)", (unsigned long long)b->end.failed_flows,
				  b->end.nflows);
	return 0;
}

int tl_probe_from_docs(const json_t *rr_doc, const json_t *bulk_doc, struct tl_probe_result *out,
		       struct tl_err *err)
{
	struct tl_stream_result bulk = { 0 };
	struct tl_stream_interval *ivs = NULL;
	size_t niv = 0;
	int ret = -EINVAL;

	/* a document with a missing or mistyped field is refused with its path, never read as 0 */
	if (tl_stream_result_decode(bulk_doc, &bulk, err) < 0) {
		tl_err_prefix(err, "bulk phase");
		return -EINVAL;
	}
	if (bulk_usable(&bulk, err) < 0)
		goto out;
	if (tl_stream_intervals_decode(bulk_doc, &ivs, &niv, err) < 0) {
		tl_err_prefix(err, "bulk phase");
		goto out;
	}
	memset(out, 0, sizeof(*out));
	if (rr_doc && rr_doc_part(rr_doc, out, err) < 0)
		goto out;
	out->rate_bps = (uint64_t)llround(bulk.end.sum.bits_per_second);
	out->window_ns = (uint64_t)llround(bulk.end.sum.seconds * 1e9);
	out->flows = (uint32_t)bulk.end.nflows;
	senders_part(&bulk.end, out);
	intervals_part(ivs, niv, out);
	ret = 0;
out:
	tl_stream_intervals_free(ivs, niv);
	tl_stream_result_free(&bulk);
	return ret;
}

uint64_t tl_probe_auto_omit_ns(uint64_t rtt_ns)
{
	/* Slow start needs log2(BDP / initial window) RTTs, about 7 at 100 Mbit/s x 100 ms and
	 * 10 at 1 Gbit/s; 20 RTTs also covers the loss recovery that usually ends it. */
	uint64_t omit = 500 * TL_NSEC_PER_MSEC + 20 * rtt_ns;
	return omit > TL_PROBE_OMIT_MAX_NS ? TL_PROBE_OMIT_MAX_NS : omit;
}

uint64_t tl_probe_auto_window_ns(uint64_t rtt_ns)
{
	uint64_t w = TL_PROBE_BULK_NS_DEFAULT + 20 * rtt_ns;
	return w > TL_PROBE_BULK_MAX_NS ? TL_PROBE_BULK_MAX_NS : w;
}

uint64_t tl_probe_auto_interval_ns(uint64_t rtt_ns)
{
	/* A sample must span a few RTTs to smooth the ACK clock's bursts. */
	uint64_t iv = 4 * rtt_ns;
	if (iv < TL_PROBE_INTERVAL_MIN_NS)
		return TL_PROBE_INTERVAL_MIN_NS;
	return iv > TL_PROBE_INTERVAL_MAX_NS ? TL_PROBE_INTERVAL_MAX_NS : iv;
}

/* What the client callbacks need to turn intervals into progress calls. */
struct run_ctx {
	const struct tl_probe_opts *o;
	const char *phase;
	double omit_s, total_s;
};

static void on_started(void *ctx, const json_t *start)
{
	struct run_ctx *r = ctx;
	(void)start;
	if (r->o->progress)
		r->o->progress(r->o->ctx, r->phase, 0, r->total_s, 0);
}

static void on_interval(void *ctx, const json_t *iv)
{
	struct run_ctx *r = ctx;
	struct tl_stream_interval d;
	struct tl_err err = { 0 };
	/* progress only: an interval that does not decode is not shown (the end is judged) */
	if (r->o->progress && tl_stream_interval_decode(iv, &d, &err) == 0) {
		r->o->progress(r->o->ctx, r->phase, r->omit_s + d.end, r->total_s, d.sum.bits_per_second);
		tl_stream_interval_free(&d);
	}
}

static int run_phase(const struct tl_spec *s, const struct tl_client_target *t, struct run_ctx *r,
		     json_t **doc, struct tl_err *err)
{
	struct tl_client_callbacks cb = { .started = on_started, .interval = on_interval, .ctx = r };
	int rc = tl_spec_validate(s, err);
	if (rc == 0)
		rc = tl_stream_client_run(s, t, &cb, doc, err);
	if (rc < 0)
		tl_err_prefix(err, "probe %s phase", r->phase);
	return rc;
}

int tl_probe_run(const struct tl_client_target *t, const struct tl_probe_opts *o,
		 struct tl_probe_result *out, struct tl_err *err)
{
	json_t *rr_doc = NULL, *bulk_doc = NULL;
	struct tl_client_target target = *t;
	struct tl_spec rr, bulk;
	struct run_ctx r = { .o = o };
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (o->direction != TL_DIR_FORWARD && o->direction != TL_DIR_REVERSE) {
		ret = tl_err_set(err, EINVAL, "probe: one direction at a time (forward or reverse)");
		goto out;
	}
	target.per_flow_limit = 0; /* the bulk intervals are read for their sums only */

	tl_spec_defaults(&rr);
	rr.workload = TL_WORKLOAD_RR;
	rr.flows = rr.threads = 1;
	rr.duration_ns = o->rr_ns ? o->rr_ns : TL_PROBE_RR_NS_DEFAULT;
	rr.interval_ns = 0;
	rr.opts.nodelay = 1;
	r.phase = "rtt";
	r.total_s = (double)rr.duration_ns / 1e9;
	ret = run_phase(&rr, &target, &r, &rr_doc, err);
	if (ret < 0)
		goto out;
	ret = rr_doc_part(rr_doc, out, err);
	if (ret < 0)
		goto out;

	tl_spec_defaults(&bulk);
	bulk.direction = o->direction;
	bulk.flows = o->flows ? o->flows : TL_PROBE_FLOWS_DEFAULT;
	bulk.threads = o->threads ? o->threads : bulk.flows;
	if (cores > 0 && bulk.threads > (uint32_t)cores)
		bulk.threads = (uint32_t)cores;
	if (bulk.threads > bulk.flows)
		bulk.threads = bulk.flows;
	bulk.duration_ns = o->bulk_ns ? o->bulk_ns : tl_probe_auto_window_ns(out->rtt_min_ns);
	bulk.omit_ns = o->omit_ns ? o->omit_ns : tl_probe_auto_omit_ns(out->rtt_min_ns);
	/* the interval timer runs in ms steps: keep the length a whole number of them */
	bulk.interval_ns = tl_probe_auto_interval_ns(out->rtt_min_ns) / TL_NSEC_PER_MSEC * TL_NSEC_PER_MSEC;
	r.phase = "rate";
	r.omit_s = (double)bulk.omit_ns / 1e9;
	r.total_s = r.omit_s + (double)bulk.duration_ns / 1e9;
	/* samples that disagree are measured again (probe.h) */
	for (uint32_t attempt = 1; attempt <= TL_PROBE_ATTEMPTS; attempt++) {
		json_decref(bulk_doc);
		bulk_doc = NULL;
		ret = run_phase(&bulk, &target, &r, &bulk_doc, err);
		if (ret < 0)
			goto out;
		ret = tl_probe_from_docs(rr_doc, bulk_doc, out, err);
		if (ret < 0)
			goto out;
		out->attempts = attempt;
		if (out->consistent)
			break;
	}
	snprintf(out->host, sizeof(out->host), "%s", t->host);
	out->port = t->port;
	out->direction = o->direction;
	out->omit_ns = bulk.omit_ns;
	out->measured_at = tl_wall_ns() / TL_NSEC_PER_SEC;
	ret = 0;
out:
	json_decref(rr_doc);
	json_decref(bulk_doc);
	return ret;
}

json_t *tl_probe_to_json(const struct tl_probe_result *r)
{
	json_t *j = json_pack("{s:s,s:i,s:s,s:I,"
			 "s:{s:I,s:I,s:I,s:I,s:I,s:I},"
			 "s:{s:I,s:s,s:I,s:I,s:I,s:I,s:I,s:i,s:I,s:i,s:I,s:I,s:i,s:s,s:f,s:b},"
			 "s:{s:I,s:I,s:I,s:f}}",
			 "host", r->host, "port", (int)r->port,
			 "direction", tl_direction_name(r->direction),
			 "measured_at", (json_int_t)r->measured_at,
			 "rtt", "min_ns", (json_int_t)r->rtt_min_ns, "rr_min_ns", (json_int_t)r->rr_min_ns,
			 "rr_p50_ns", (json_int_t)r->rr_p50_ns, "tcp_min_rtt_ns", (json_int_t)r->tcp_min_rtt_ns,
			 "smoothed_ns", (json_int_t)r->rtt_smoothed_ns, "loaded_ns", (json_int_t)r->rtt_loaded_ns,
			 "rate", "bits_per_second", (json_int_t)r->rate_bps,
			 "source", "median of the receiver's goodput (payload) in the intervals of the bulk "
				   "window, after the warm-up",
			 "window_bps", (json_int_t)r->window_rate_bps,
			 "delivery_rate_bps", (json_int_t)r->delivery_rate_bps,
			 "interval_max_bps", (json_int_t)r->interval_max_bps,
			 "interval_p25_bps", (json_int_t)r->interval_p25_bps,
			 "interval_p75_bps", (json_int_t)r->interval_p75_bps, "intervals", (int)r->intervals,
			 "interval_ns", (json_int_t)r->interval_ns,
			 "flows", (int)r->flows,
			 "window_ns", (json_int_t)r->window_ns, "omit_ns", (json_int_t)r->omit_ns,
			 "mss", (int)r->mss, "limited_by", r->limited_by, "limited_share", r->limited_share,
			 "lower_bound", r->rate_lower_bound,
			 "loss", "retransmits", (json_int_t)r->retransmits, "bytes_sent", (json_int_t)r->bytes_sent,
			 "bytes_retrans", (json_int_t)r->bytes_retrans, "ratio", r->loss_ratio);
	json_t *rate = json_object_get(j, "rate");
	json_object_set_new(rate, "consistent", json_boolean(r->consistent));
	json_object_set_new(rate, "rejected_intervals", json_integer(r->rejected_intervals));
	json_object_set_new(rate, "bound_bps", json_integer((json_int_t)r->bound_bps));
	json_object_set_new(rate, "attempts", json_integer(r->attempts));
	if (!r->consistent)
		json_object_set_new(rate, "inconsistency", json_string(r->inconsistency));
	return j;
}

#define U64_MAX_JSON ((uint64_t)INT64_MAX)

/* The message of a field tl_json_get_* refused, with the object it is in (NULL: the top). */
static int refused(struct tl_err *err, const char *object)
{
	if (object)
		tl_err_prefix(err, "probe result: %s", object);
	else
		tl_err_prefix(err, "probe result");
	return -EINVAL;
}

int tl_probe_from_json(const json_t *j, struct tl_probe_result *out, struct tl_err *err)
{
	const char *host = NULL, *dir = NULL, *lim = NULL;
	uint64_t port = 0, flows = 0, mss = 0, nint = 0;
	int lower = 0;
	memset(out, 0, sizeof(*out));
	const json_t *rtt = json_object_get(j, "rtt"), *rate = json_object_get(j, "rate"),
		     *loss = json_object_get(j, "loss");
	if (!json_is_object(j) || !json_is_object(rtt) || !json_is_object(rate) || !json_is_object(loss))
		return tl_err_set(err, EINVAL, "probe result: needs objects \"rtt\", \"rate\" and \"loss\"");
	/* one object at a time, so that a message names the field's path ("rate: field ...") */
	if (tl_json_get_str(j, "host", sizeof(out->host) - 1, 1, &host, err) < 0 ||
	    tl_json_get_u64(j, "port", 1, 65535, 1, &port, err) < 0 ||
	    tl_json_get_str(j, "direction", 16, 1, &dir, err) < 0 ||
	    tl_json_get_u64(j, "measured_at", 0, U64_MAX_JSON, 1, &out->measured_at, err) < 0)
		return refused(err, NULL);
	if (tl_json_get_u64(rtt, "min_ns", 0, U64_MAX_JSON, 1, &out->rtt_min_ns, err) < 0 ||
	    tl_json_get_u64(rtt, "rr_min_ns", 0, U64_MAX_JSON, 1, &out->rr_min_ns, err) < 0 ||
	    tl_json_get_u64(rtt, "rr_p50_ns", 0, U64_MAX_JSON, 1, &out->rr_p50_ns, err) < 0 ||
	    tl_json_get_u64(rtt, "tcp_min_rtt_ns", 0, U64_MAX_JSON, 1, &out->tcp_min_rtt_ns, err) < 0 ||
	    tl_json_get_u64(rtt, "smoothed_ns", 0, U64_MAX_JSON, 1, &out->rtt_smoothed_ns, err) < 0 ||
	    tl_json_get_u64(rtt, "loaded_ns", 0, U64_MAX_JSON, 1, &out->rtt_loaded_ns, err) < 0)
		return refused(err, "rtt");
	if (tl_json_get_u64(rate, "bits_per_second", 0, U64_MAX_JSON, 1, &out->rate_bps, err) < 0 ||
	    tl_json_get_u64(rate, "delivery_rate_bps", 0, U64_MAX_JSON, 1, &out->delivery_rate_bps, err) < 0 ||
	    tl_json_get_u64(rate, "interval_max_bps", 0, U64_MAX_JSON, 1, &out->interval_max_bps, err) < 0 ||
	    tl_json_get_u64(rate, "window_bps", 0, U64_MAX_JSON, 1, &out->window_rate_bps, err) < 0 ||
	    tl_json_get_u64(rate, "intervals", 0, TL_PROBE_MAX_INTERVALS, 1, &nint, err) < 0 ||
	    tl_json_get_u64(rate, "interval_ns", 0, U64_MAX_JSON, 1, &out->interval_ns, err) < 0 ||
	    tl_json_get_u64(rate, "interval_p25_bps", 0, U64_MAX_JSON, 1, &out->interval_p25_bps, err) < 0 ||
	    tl_json_get_u64(rate, "interval_p75_bps", 0, U64_MAX_JSON, 1, &out->interval_p75_bps, err) < 0 ||
	    tl_json_get_u64(rate, "flows", 1, TL_SPEC_MAX_FLOWS, 1, &flows, err) < 0 ||
	    tl_json_get_u64(rate, "window_ns", 0, U64_MAX_JSON, 1, &out->window_ns, err) < 0 ||
	    tl_json_get_u64(rate, "omit_ns", 0, U64_MAX_JSON, 1, &out->omit_ns, err) < 0 ||
	    tl_json_get_u64(rate, "mss", 0, 65535, 1, &mss, err) < 0 ||
	    tl_json_get_str(rate, "limited_by", sizeof(out->limited_by) - 1, 1, &lim, err) < 0 ||
	    tl_json_get_bool(rate, "lower_bound", 1, &lower, err) < 0)
		return refused(err, "rate");
	if (tl_json_get_u64(loss, "retransmits", 0, U64_MAX_JSON, 1, &out->retransmits, err) < 0 ||
	    tl_json_get_u64(loss, "bytes_sent", 0, U64_MAX_JSON, 1, &out->bytes_sent, err) < 0 ||
	    tl_json_get_u64(loss, "bytes_retrans", 0, U64_MAX_JSON, 1, &out->bytes_retrans, err) < 0)
		return refused(err, "loss");
	if (strcmp(dir, tl_direction_name(TL_DIR_FORWARD)) == 0)
		out->direction = TL_DIR_FORWARD;
	else if (strcmp(dir, tl_direction_name(TL_DIR_REVERSE)) == 0)
		out->direction = TL_DIR_REVERSE;
	else
		return tl_err_set(err, EINVAL, "probe result: direction \"%s\" is not forward or reverse", dir);
	const json_t *share = json_object_get(rate, "limited_share"), *ratio = json_object_get(loss, "ratio");
	if (!json_is_number(share) || !json_is_number(ratio) || json_number_value(share) < 0 ||
	    json_number_value(share) > 1 || json_number_value(ratio) < 0 || json_number_value(ratio) > 1)
		return tl_err_set(err, EINVAL, "probe result: limited_share and loss ratio must be numbers "
				  "from 0 to 1");
	/* a state file written before these fields held only results that were believed */
	uint64_t rejected = 0, attempts = 1;
	int consistent = 1;
	const char *why = NULL;
	if (tl_json_get_bool(rate, "consistent", 0, &consistent, err) < 0 ||
	    tl_json_get_u64(rate, "rejected_intervals", 0, TL_PROBE_MAX_INTERVALS, 0, &rejected, err) < 0 ||
	    tl_json_get_u64(rate, "bound_bps", 0, U64_MAX_JSON, 0, &out->bound_bps, err) < 0 ||
	    tl_json_get_u64(rate, "attempts", 0, 100, 0, &attempts, err) < 0 ||
	    tl_json_get_str(rate, "inconsistency", sizeof(out->inconsistency) - 1, 0, &why, err) < 0)
		return refused(err, "rate");
	out->consistent = consistent != 0;
	out->rejected_intervals = (uint32_t)rejected;
	out->attempts = (uint32_t)attempts;
	snprintf(out->inconsistency, sizeof(out->inconsistency), "%s", why ? why : "");
	snprintf(out->host, sizeof(out->host), "%s", host);
	snprintf(out->limited_by, sizeof(out->limited_by), "%s", lim);
	out->port = (uint16_t)port;
	out->flows = (uint32_t)flows;
	out->intervals = (uint32_t)nint;
	out->mss = (uint32_t)mss;
	out->rate_lower_bound = lower != 0;
	out->limited_share = json_number_value(share);
	out->loss_ratio = json_number_value(ratio);
	return 0;
}
