/* The forwarder's part of `testbed status` and `router status` (result/status.h): what
 * testbed/fwd_stats.c writes, with the AQM state of testbed/fwd_aqm.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result/status.h"
#include "result/stream_internal.h"

static void flows_decode(struct tl_dec *d, const json_t *o, const char *w, struct tl_st_dir *s)
{
	const json_t *arr = tl_dec_arr_opt(d, o, w, "flows");
	size_t n = json_array_size(arr);
	if (!n || tl_dec_failed(d))
		return;
	s->flows = calloc(n, sizeof(*s->flows));
	if (!s->flows) {
		tl_dec_fail(d, w, "flows", "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *f = json_array_get(arr, i);
		struct tl_st_flow *t = &s->flows[s->nflows++];
		char fw[48];
		snprintf(fw, sizeof(fw), "%s.flows[%zu]", w, i);
		t->proto = tl_dec_str(d, f, fw, "proto");
		t->src = tl_dec_str(d, f, fw, "src");
		t->dst = tl_dec_str(d, f, fw, "dst");
		t->pkts_in = tl_dec_u64(d, f, fw, "pkts_in");
		t->bytes_in = tl_dec_u64(d, f, fw, "bytes_in");
		t->drops = tl_dec_u64(d, f, fw, "drops");
	}
}

static void dir_decode(struct tl_dec *d, const json_t *doc, const char *w, struct tl_st_dir *s)
{
	char sw[48];
	const json_t *o = tl_dec_obj(d, doc, "", w);
	s->rate_bps = tl_dec_u64(d, o, w, "rate_bps");
	s->delay_ns = tl_dec_u64(d, o, w, "delay_ns");
	snprintf(sw, sizeof(sw), "%s.queue", w);
	const json_t *q = tl_dec_obj(d, o, w, "queue");
	s->aqm = tl_dec_str(d, q, sw, "aqm");
	s->limit_bytes = tl_dec_u64(d, q, sw, "limit_bytes");
	s->limit_pkts = tl_dec_u64(d, q, sw, "limit_pkts");
	snprintf(sw, sizeof(sw), "%s.stats", w);
	const json_t *st = tl_dec_obj(d, o, w, "stats");
	s->pkts_in = tl_dec_u64(d, st, sw, "pkts_in");
	s->pkts_out = tl_dec_u64(d, st, sw, "pkts_out");
	s->backlog_bytes = tl_dec_u64(d, st, sw, "backlog_bytes");
	snprintf(sw, sizeof(sw), "%s.stats.drops", w);
	const json_t *dr = tl_dec_obj(d, st, sw, "drops");
	s->drops_queue_full = tl_dec_u64(d, dr, sw, "queue_full");
	s->drops_aqm = tl_dec_u64(d, dr, sw, "aqm");
	s->drops_loss = tl_dec_u64(d, dr, sw, "loss");
	snprintf(sw, sizeof(sw), "%s.qdelay_ns", w);
	const json_t *qd = tl_dec_obj(d, o, w, "qdelay_ns");
	s->qdelay_p50_ns = tl_dec_u64(d, qd, sw, "p50");
	s->qdelay_p99_ns = tl_dec_u64(d, qd, sw, "p99");
	/* GSP, PPV and DualPI2 report their state (the others theirs, not shown) */
	const json_t *qdisc = tl_dec_obj_opt(d, o, w, "qdisc");
	snprintf(sw, sizeof(sw), "%s.qdisc", w);
	if (qdisc)
		tl_res_aqm_decode(d, qdisc, sw, &s->qdisc);
	flows_decode(d, o, w, s);
}

static void access_decode(struct tl_dec *d, const json_t *doc, struct tl_fwd_status *s)
{
	const json_t *arr = tl_dec_arr(d, doc, "", "access");
	size_t n = json_array_size(arr);
	if (!n || tl_dec_failed(d))
		return;
	s->access = calloc(n, sizeof(*s->access));
	if (!s->access) {
		tl_dec_fail(d, "", "access", "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *a = json_array_get(arr, i);
		struct tl_st_access *t = &s->access[s->naccess++];
		char aw[32];
		snprintf(aw, sizeof(aw), "access[%zu]", i);
		t->host = tl_dec_str(d, a, aw, "host");
		t->rtt_ns = tl_dec_u64(d, a, aw, "rtt_ns");
		t->fwd_delay_ns = tl_dec_u64(d, a, aw, "fwd_delay_ns");
		t->rev_delay_ns = tl_dec_u64(d, a, aw, "rev_delay_ns");
	}
}

static void forwarder_decode(struct tl_dec *d, const json_t *doc, struct tl_st_forwarder *s)
{
	const char *w = "forwarder";
	const json_t *o = tl_dec_obj(d, doc, "", w);
	s->pool_size = tl_dec_u64(d, o, w, "pool_size");
	s->pool_free = tl_dec_u64(d, o, w, "pool_free");
	s->pool_min_free = tl_dec_u64(d, o, w, "pool_min_free");
	s->no_buffer_drops = tl_dec_u64(d, o, w, "no_buffer_drops");
	s->cpu_user_s = tl_dec_num(d, o, w, "cpu_user_s");
	s->cpu_system_s = tl_dec_num(d, o, w, "cpu_system_s");
	s->cpu_wait_s = tl_dec_num_opt(d, o, w, "cpu_wait_s", 0.0, &s->has_cpu_wait);
	s->steal_percent = tl_dec_num_opt(d, o, w, "steal_percent", 0.0, &s->has_steal);
	s->backlog_drops = tl_dec_u64_opt(d, o, w, "backlog_drops", &s->has_backlog_drops);
	s->sched = tl_dec_str_opt(d, o, w, "sched");
	s->isolation = tl_dec_str_opt(d, o, w, "isolation");
	const json_t *sb = tl_dec_obj_opt(d, o, w, "standby");
	if (sb) {
		s->standby_state = tl_dec_str(d, sb, "forwarder.standby", "state");
		s->standby_running = tl_dec_bool(d, sb, "forwarder.standby", "running");
		s->standby_cpu = tl_dec_int(d, sb, "forwarder.standby", "cpu");
		s->standby_sent = tl_dec_u64(d, sb, "forwarder.standby", "sent");
	}
	const json_t *late = tl_dec_obj_opt(d, o, w, "late_ns");
	if (late) {
		s->late_p50_ns = tl_dec_u64(d, late, "forwarder.late_ns", "p50");
		s->late_p99_ns = tl_dec_u64(d, late, "forwarder.late_ns", "p99");
	}
}

static void fwd_status_decode(struct tl_dec *d, const json_t *doc, struct tl_fwd_status *s)
{
	s->pid = tl_dec_int(d, doc, "", "pid");
	s->uptime_ns = tl_dec_u64(d, doc, "", "uptime_ns");
	dir_decode(d, doc, "fwd", &s->fwd);
	dir_decode(d, doc, "rev", &s->rev);
	access_decode(d, doc, s);
	const json_t *ports = tl_dec_arr(d, doc, "", "ports");
	for (size_t i = 0; i < json_array_size(ports); i++) {
		char pw[32];
		snprintf(pw, sizeof(pw), "ports[%zu]", i);
		s->rx_kernel_drops += tl_dec_u64(d, json_array_get(ports, i), pw, "rx_kernel_drops");
	}
	forwarder_decode(d, doc, &s->forwarder);
}

int tl_fwd_status_decode(const json_t *doc, struct tl_fwd_status *out, struct tl_err *err)
{
	struct tl_dec d = { .err = err };
	memset(out, 0, sizeof(*out));
	fwd_status_decode(&d, doc, out);
	if (!tl_dec_failed(&d))
		return 0;
	tl_fwd_status_free(out);
	return -1;
}

void tl_fwd_status_free(struct tl_fwd_status *s)
{
	if (!s)
		return;
	free(s->fwd.flows);
	free(s->rev.flows);
	free(s->access);
	memset(s, 0, sizeof(*s));
}
