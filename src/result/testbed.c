/* end.testbed of a stream document: the router's series over the test (testbed/series.h,
 * testbed/fwd_stats.c writes the lines, testbed/fwd_aqm.c their "aqm", which status
 * documents have as "qdisc"). */
#include <stdio.h>
#include <stdlib.h>

#include "result/stream_internal.h"

static void aqm_ppv_decode(struct tl_dec *d, const json_t *a, const char *w, struct tl_tb_aqm *q)
{
	char cw[96];
	q->kind = TL_TB_AQM_PPV;
	q->threshold_value = tl_dec_num(d, a, w, "threshold_value");
	q->prob = tl_dec_num_opt(d, a, w, "prob", 0.0, NULL);
	const json_t *arr = tl_dec_arr(d, a, w, "classes");
	for (size_t i = 0; i < json_array_size(arr) && i < TL_TB_PPV_CLASSES; i++) {
		const json_t *c = json_array_get(arr, i);
		snprintf(cw, sizeof(cw), "%s.classes[%zu]", w, i);
		q->classes[i].name = tl_dec_str(d, c, cw, "class");
		q->classes[i].share = tl_dec_num(d, c, cw, "share");
		q->classes[i].drops = tl_dec_num(d, c, cw, "drops");
		q->nclasses = i + 1;
	}
}

/* The AQM by the fields only it has: GSP's interval, PPV's threshold value, DualPI2's p'.
 * What only the status table shows (GSP's accumulated time, PPV's probability, the packet
 * and mark counts of DualPI2's queues) may be absent, and reads as 0 then. */
void tl_res_aqm_decode(struct tl_dec *d, const json_t *a, const char *w, struct tl_tb_aqm *q)
{
	char qw[96];
	if (json_object_get(a, "interval_ns")) {
		q->kind = TL_TB_AQM_GSP;
		q->interval_ns = tl_dec_num(d, a, w, "interval_ns");
		q->cumul_ns = tl_dec_num_opt(d, a, w, "cumul_ns", 0.0, NULL);
		q->signals = tl_dec_num(d, a, w, "signals");
		q->min_gap_ns = tl_dec_num(d, a, w, "min_gap_ns");
	} else if (json_object_get(a, "threshold_value")) {
		aqm_ppv_decode(d, a, w, q);
	} else if (json_object_get(a, "p_base")) {
		q->kind = TL_TB_AQM_DUALPI2;
		q->p_base = tl_dec_num(d, a, w, "p_base");
		q->p_c = tl_dec_num(d, a, w, "p_c");
		q->p_cl = tl_dec_num(d, a, w, "p_cl");
		snprintf(qw, sizeof(qw), "%s.classic", w);
		const json_t *c = tl_dec_obj(d, a, w, "classic");
		q->classic_pkts = tl_dec_num_opt(d, c, qw, "pkts", 0.0, NULL);
		q->classic_qdelay_ns = tl_dec_num(d, c, qw, "qdelay_ns");
		q->classic_drops = tl_dec_num(d, c, qw, "drops");
		q->classic_marks = tl_dec_num_opt(d, c, qw, "marks", 0.0, NULL);
		snprintf(qw, sizeof(qw), "%s.l4s", w);
		const json_t *l = tl_dec_obj(d, a, w, "l4s");
		q->l4s_pkts = tl_dec_num_opt(d, l, qw, "pkts", 0.0, NULL);
		q->l4s_qdelay_ns = tl_dec_num(d, l, qw, "qdelay_ns");
		q->l4s_marks = tl_dec_num(d, l, qw, "marks");
	}
}

static void dir_decode(struct tl_dec *d, const json_t *line, const char *lw, const char *dir,
		       struct tl_tb_dir *t)
{
	char w[64], dw[80];
	snprintf(w, sizeof(w), "%s.%s", lw, dir);
	const json_t *o = tl_dec_obj(d, line, lw, dir);
	t->bytes_out = tl_dec_num(d, o, w, "bytes_out");
	t->qdelay_p99_ns = tl_dec_num(d, o, w, "qdelay_p99_ns");
	t->marks = tl_dec_num(d, o, w, "marks");
	snprintf(dw, sizeof(dw), "%s.drops", w);
	const json_t *drops = tl_dec_obj(d, o, w, "drops");
	t->drops_queue_full = tl_dec_num(d, drops, dw, "queue_full");
	t->drops_aqm = tl_dec_num(d, drops, dw, "aqm");
	t->drops_loss = tl_dec_num(d, drops, dw, "loss");
	const json_t *a = tl_dec_obj_opt(d, o, w, "aqm");
	snprintf(dw, sizeof(dw), "%s.aqm", w);
	if (a)
		tl_res_aqm_decode(d, a, dw, &t->aqm);
}

void tl_res_testbed_decode(struct tl_dec *d, const json_t *tb, struct tl_stream_testbed *t)
{
	const char *w = "end.testbed";
	t->name = tl_dec_str(d, tb, w, "name");
	t->error = tl_dec_str_opt(d, tb, w, "error");
	if (t->error)
		return;
	const json_t *series = tl_dec_arr(d, tb, w, "series");
	size_t n = json_array_size(series);
	if (!n || tl_dec_failed(d))
		return;
	t->lines = calloc(n, sizeof(*t->lines));
	if (!t->lines) {
		tl_dec_fail(d, w, "series", "out of memory");
		return;
	}
	for (size_t i = 0; i < n && !tl_dec_failed(d); i++) {
		const json_t *line = json_array_get(series, i);
		struct tl_tb_line *l = &t->lines[t->nlines++];
		char lw[48];
		snprintf(lw, sizeof(lw), "end.testbed.series[%zu]", i);
		l->t_ns = tl_dec_num(d, line, lw, "t_ns");
		l->late_p99_ns = tl_dec_num(d, line, lw, "late_p99_ns");
		l->late_max_ns = tl_dec_num(d, line, lw, "late_max_ns");
		/* each read by the forwarder when its kernel gives it */
		l->cpu_wait_ns = tl_dec_num_opt(d, line, lw, "cpu_wait_ns", 0.0, NULL);
		l->steal_percent = tl_dec_num_opt(d, line, lw, "steal_percent", 0.0, NULL);
		l->backlog_drops = tl_dec_num_opt(d, line, lw, "backlog_drops", -1.0, NULL);
		dir_decode(d, line, lw, "fwd", &l->fwd);
		dir_decode(d, line, lw, "rev", &l->rev);
	}
}
