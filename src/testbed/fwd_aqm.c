/* The state of the GSP, PPV and DualPI2 queues as JSON, for `status` and the series. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "emu/ppv_marker.h"
#include "testbed/fwd_aqm.h"

json_t *tl_testbed_aqm_params_json(const struct tl_qspec *q)
{
	switch (q->kind) {
	case TL_QDISC_GSP: {
		const struct tl_gsp_params *g = &q->gsp;
		return json_pack("{s:s, s:I, s:I, s:I, s:I, s:f, s:I}", "mode",
				 g->delay ? "delay" : g->adaptive ? "adaptive" : "basic",
				 "threshold_bytes", (json_int_t)g->threshold_bytes, "threshold_ns",
				 (json_int_t)g->threshold_ns, "interval_ns", (json_int_t)g->interval_ns,
				 "tau_ns", (json_int_t)g->tau_ns, "alpha", g->alpha, "max_time_ns",
				 (json_int_t)g->max_time_ns);
	}
	case TL_QDISC_PPV: {
		const struct tl_ppv_params *p = &q->ppv;
		json_t *w = json_array(), *tvf = json_array();
		for (unsigned i = 1; i < TL_PPV_HOSTS; i++)
			json_array_append_new(w, json_real(p->weight[i]));
		for (unsigned i = 0; i < p->tvf_points; i++)
			json_array_append_new(tvf, json_pack("{s:f, s:f}", "rate_bps", p->tvf_rate[i],
							     "value", p->tvf_value[i]));
		return json_pack("{s:s, s:s, s:o, s:o, s:I, s:i, s:I, s:I}", "core",
				 p->core == TL_PPV_PIE ? "pie" : "ppov", "class",
				 p->cls == TL_PPV_HOST ? "host" : "flow", "weights", w, "tvf", tvf,
				 "window_ns", (json_int_t)p->window_ns, "ecdf", (int)p->ecdf,
				 "target_ns", (json_int_t)p->pie.target_ns, "tupdate_ns",
				 (json_int_t)p->pie.tupdate_ns);
	}
	case TL_QDISC_DUALPI2: {
		const struct tl_dualpi2_params *d = &q->dualpi2;
		return json_pack("{s:I, s:I, s:f, s:f, s:f, s:I, s:I}", "target_ns",
				 (json_int_t)d->target_ns, "tupdate_ns", (json_int_t)d->tupdate_ns,
				 "alpha", d->alpha, "beta", d->beta, "k", d->k, "step_ns",
				 (json_int_t)d->step_ns, "tshift_ns", (json_int_t)d->tshift_ns);
	}
	default:
		return NULL;
	}
}

/* A class's name: the sender host ("snd1"), or its flow's source "10.64.1.11:40000". */
static void class_name(const struct tl_ppv_stats *st, const struct tl_ppv_class_stats *c,
		       unsigned idx, const struct tl_testbed_plan *plan, char *buf, size_t len)
{
	const char *host = plan && c->host < plan->nhosts ? plan->hosts[c->host].name : "?";
	if (idx == TL_PPV_OTHER && st->cls == TL_PPV_FLOW) {
		snprintf(buf, len, "other flows");
		return;
	}
	if (st->cls == TL_PPV_HOST) {
		snprintf(buf, len, "%s", host);
		return;
	}
	char a[INET6_ADDRSTRLEN] = "?";
	inet_ntop(c->key.family == 6 ? AF_INET6 : AF_INET, c->key.saddr, a, sizeof(a));
	snprintf(buf, len, "%s %s:%u", host, a, c->key.sport);
}

static int by_out_desc(const void *a, const void *b)
{
	const struct tl_ppv_class_stats *x = *(const struct tl_ppv_class_stats *const *)a;
	const struct tl_ppv_class_stats *y = *(const struct tl_ppv_class_stats *const *)b;
	return x->bytes_out < y->bytes_out ? 1 : x->bytes_out > y->bytes_out ? -1 : 0;
}

/* Classes by bytes sent, at most max: share of the bytes sent, rate, drops by value. */
static json_t *ppv_classes_json(const struct tl_ppv_stats *st, const struct tl_testbed_plan *plan,
				unsigned max)
{
	const struct tl_ppv_class_stats *v[TL_PPV_CLASSES];
	unsigned n = 0;
	uint64_t total = 0;
	for (unsigned i = 0; i < TL_PPV_CLASSES; i++)
		if (st->c[i].used && st->c[i].pkts_in) {
			v[n++] = &st->c[i];
			total += st->c[i].bytes_out;
		}
	qsort(v, n, sizeof(v[0]), by_out_desc);
	json_t *arr = json_array();
	for (unsigned i = 0; i < n && i < max; i++) {
		const struct tl_ppv_class_stats *c = v[i];
		char name[96];
		class_name(st, c, (unsigned)(c - st->c), plan, name, sizeof(name));
		json_array_append_new(
			arr, json_pack("{s:s, s:f, s:f, s:I, s:I, s:I, s:I, s:f}", "class", name,
				       "share", total ? (double)c->bytes_out / (double)total : 0.0,
				       "rate_bps", c->rate_bps, "bytes_in", (json_int_t)c->bytes_in,
				       "bytes_out", (json_int_t)c->bytes_out, "drops",
				       (json_int_t)c->drops, "drop_pv_max",
				       (json_int_t)(c->drops ? c->drop_pv_max : 0), "drop_pv_mean",
				       c->drops ? (double)c->drop_pv_sum / (double)c->drops : 0.0));
	}
	return arr;
}

json_t *tl_testbed_aqm_state_json(const struct tl_qdisc *q, const struct tl_testbed_plan *plan,
				  unsigned max_classes)
{
	struct tl_qdisc_info in;
	tl_qdisc_info(q, &in);
	switch (in.kind) {
	case TL_QDISC_GSP:
		return json_pack("{s:I, s:I, s:I, s:I, s:I}", "interval_ns", (json_int_t)in.interval_ns,
				 "cumul_ns", (json_int_t)in.cumul_ns, "threshold",
				 (json_int_t)in.threshold, "signals", (json_int_t)in.gsp_drops,
				 "min_gap_ns", (json_int_t)in.min_gap_ns);
	case TL_QDISC_PPV: {
		json_t *byv = json_array();
		for (unsigned i = 0; i < TL_PPV_DROP_BUCKETS; i++)
			json_array_append_new(byv, json_integer((json_int_t)in.ppv->drops_by_value[i]));
		return json_pack("{s:I, s:f, s:I, s:o, s:o}", "threshold_value", (json_int_t)in.ctv,
				 "prob", in.prob, "qdelay_ns", (json_int_t)in.qdelay_ns,
				 "drops_by_value", byv, "classes",
				 ppv_classes_json(in.ppv, plan, max_classes));
	}
	case TL_QDISC_DUALPI2:
		return json_pack("{s:f, s:f, s:f, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I, "
				 "s:I, s:I, s:I, s:I, s:I}}",
				 "p_base", in.p_base, "p_c", in.p_c, "p_cl", in.p_cl, "l4s", "pkts",
				 (json_int_t)in.l_pkts, "bytes", (json_int_t)in.l_bytes, "qdelay_ns",
				 (json_int_t)in.l_qdelay_ns, "marks", (json_int_t)in.l_marks,
				 "step_marks", (json_int_t)in.l_step_marks, "pkts_out",
				 (json_int_t)in.l_out, "sojourn_mean_ns",
				 (json_int_t)(in.l_out ? in.l_sojourn_ns / in.l_out : 0), "classic", "pkts",
				 (json_int_t)in.c_pkts, "bytes", (json_int_t)in.c_bytes, "qdelay_ns",
				 (json_int_t)in.c_qdelay_ns, "drops", (json_int_t)in.c_drops, "marks",
				 (json_int_t)in.c_marks, "pkts_out", (json_int_t)in.c_out, "sojourn_mean_ns",
				 (json_int_t)(in.c_out ? in.c_sojourn_ns / in.c_out : 0));
	default:
		return NULL;
	}
}
