/* The forwarder's numbers as JSON: the status document and the series line. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "testbed/fwd_aqm.h"
#include "testbed/fwd_standby.h"
#include "testbed/fwd_stats.h"
#include "util/clock.h"

void tl_testbed_fwd_lhist_merge(struct tl_lhist *dst, const struct tl_lhist *src)
{
	if (src->count == 0)
		return;
	for (unsigned i = 0; i < TL_LHIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

static json_t *hist_json(const struct tl_lhist *h)
{
	return json_pack("{s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:I}", "count", (json_int_t)h->count,
			 "mean", tl_lhist_mean(h), "min", (json_int_t)(h->count ? h->min : 0),
			 "p50", (json_int_t)tl_lhist_quantile(h, 0.5), "p90",
			 (json_int_t)tl_lhist_quantile(h, 0.9), "p99",
			 (json_int_t)tl_lhist_quantile(h, 0.99), "p999",
			 (json_int_t)tl_lhist_quantile(h, 0.999), "max", (json_int_t)h->max);
}

static json_t *drops_json(const uint64_t *by_cause)
{
	json_t *o = json_object();
	for (unsigned c = TL_DROP_QUEUE_FULL; c < TL_DROP_CAUSES; c++)
		json_object_set_new(o, tl_drop_cause_name(c), json_integer((json_int_t)by_cause[c]));
	return o;
}

static json_t *loss_json(const struct tl_loss_spec *l)
{
	static const char *const kinds[] = { "none", "bernoulli", "gilbert-elliott" };
	json_t *o = json_pack("{s:s, s:f}", "model", kinds[l->kind], "mean", tl_loss_mean(l));
	if (l->kind == TL_LOSS_BERNOULLI)
		json_object_set_new(o, "p", json_real(l->p));
	if (l->kind == TL_LOSS_GE) {
		json_object_set_new(o, "p", json_real(l->p));
		json_object_set_new(o, "r", json_real(l->r));
		json_object_set_new(o, "loss_good", json_real(l->loss_good));
		json_object_set_new(o, "loss_bad", json_real(l->loss_bad));
	}
	return o;
}

static json_t *queue_json(const struct tl_qspec *q)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:b}", "aqm", tl_qkind_name(q->kind), "limit_bytes",
			      (json_int_t)q->limit_bytes, "limit_pkts", (json_int_t)q->limit_pkts,
			      "ecn", q->ecn);
	switch (q->kind) {
	case TL_QDISC_RED:
		json_object_set_new(o, "red", json_pack("{s:I, s:I, s:f, s:f, s:b}", "min_bytes",
							(json_int_t)q->red.min_bytes, "max_bytes",
							(json_int_t)q->red.max_bytes, "max_p",
							q->red.max_p, "wq", q->red.wq, "gentle",
							q->red.gentle));
		break;
	case TL_QDISC_CODEL:
		json_object_set_new(o, "codel", json_pack("{s:I, s:I}", "target_ns",
							  (json_int_t)q->codel.target_ns,
							  "interval_ns",
							  (json_int_t)q->codel.interval_ns));
		break;
	case TL_QDISC_PIE:
		json_object_set_new(o, "pie", json_pack("{s:I, s:I, s:I, s:f, s:f}", "target_ns",
							(json_int_t)q->pie.target_ns, "tupdate_ns",
							(json_int_t)q->pie.tupdate_ns, "burst_ns",
							(json_int_t)q->pie.max_burst_ns, "alpha",
							q->pie.alpha, "beta", q->pie.beta));
		break;
	case TL_QDISC_FQ_CODEL:
		json_object_set_new(o, "fq_codel",
				    json_pack("{s:i, s:i, s:I, s:I}", "flows", (int)q->fq_codel.flows,
					      "quantum", (int)q->fq_codel.quantum, "target_ns",
					      (json_int_t)q->fq_codel.codel.target_ns, "interval_ns",
					      (json_int_t)q->fq_codel.codel.interval_ns));
		break;
	default: {
		json_t *aqm = tl_testbed_aqm_params_json(q);
		if (aqm)
			json_object_set_new(o, tl_qkind_name(q->kind), aqm);
		break;
	}
	}
	return o;
}

static json_t *qdisc_state_json(const struct tl_qdisc *q, const struct tl_testbed_plan *plan)
{
	struct tl_qdisc_info in;
	tl_qdisc_info(q, &in);
	switch (in.kind) {
	case TL_QDISC_RED:
		return json_pack("{s:f, s:f, s:i}", "prob", in.prob, "avg_bytes", in.red_avg, "count",
				 (int)in.count);
	case TL_QDISC_CODEL:
		return json_pack("{s:b, s:i, s:I}", "dropping", in.dropping, "count", (int)in.count,
				 "drop_next_ns", (json_int_t)in.drop_next_ns);
	case TL_QDISC_PIE:
		return json_pack("{s:f, s:I, s:I, s:I}", "prob", in.prob, "qdelay_ns",
				 (json_int_t)in.qdelay_ns, "qdelay_old_ns",
				 (json_int_t)in.qdelay_old_ns, "burst_ns", (json_int_t)in.burst_ns);
	case TL_QDISC_FQ_CODEL:
		return json_pack("{s:i, s:i}", "new_flows", (int)in.new_flows, "old_flows",
				 (int)in.old_flows);
	default: {
		json_t *o = tl_testbed_aqm_state_json(q, plan, 16);
		return o ? o : json_object();
	}
	}
}

static const char *proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "icmpv6";
	case 132:
		return "sctp";
	default:
		snprintf(buf, len, "%u", p);
		return buf;
	}
}

static void endpoint(const struct tl_flow_key *k, const uint8_t *addr, uint16_t port, char *buf,
		     size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	if (k->family == 4)
		inet_ntop(AF_INET, addr, a, sizeof(a));
	else if (k->family == 6)
		inet_ntop(AF_INET6, addr, a, sizeof(a));
	if (k->family == 6)
		snprintf(buf, len, "[%s]:%u", a, port);
	else
		snprintf(buf, len, "%s:%u", a, port);
}

static json_t *flow_json(const struct tl_flow_stats *s)
{
	char pb[8], src[64], dst[64];
	endpoint(&s->key, s->key.saddr, s->key.sport, src, sizeof(src));
	endpoint(&s->key, s->key.daddr, s->key.dport, dst, sizeof(dst));
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "proto",
			 proto_name(s->key.proto, pb, sizeof(pb)), "src", src, "dst", dst,
			 "pkts_in", (json_int_t)s->pkts_in, "bytes_in", (json_int_t)s->bytes_in,
			 "pkts_out", (json_int_t)s->pkts_out, "bytes_out", (json_int_t)s->bytes_out,
			 "drops", (json_int_t)s->drops);
}

static int by_bytes_desc(const void *a, const void *b)
{
	const struct tl_flow_stats *x = *(const struct tl_flow_stats *const *)a;
	const struct tl_flow_stats *y = *(const struct tl_flow_stats *const *)b;
	return x->bytes_in < y->bytes_in ? 1 : x->bytes_in > y->bytes_in ? -1 : 0;
}

/* The largest flows by bytes offered, at most max, and how many there are in all. */
static json_t *flows_json(const struct tl_flowtab *t, unsigned max, json_t *parent)
{
	json_t *arr = json_array();
	const struct tl_flow_stats **v = malloc((t->used ? t->used : 1) * sizeof(*v));
	unsigned n = 0;
	for (uint32_t i = 0; v && i < t->cap; i++)
		if (t->slots[i].used && n < t->used)
			v[n++] = &t->slots[i];
	if (v)
		qsort(v, n, sizeof(*v), by_bytes_desc);
	for (unsigned i = 0; v && i < n && i < max; i++)
		json_array_append_new(arr, flow_json(v[i]));
	free(v);
	json_object_set_new(parent, "flows_tracked", json_integer(n));
	json_object_set_new(parent, "flows_untracked",
			    json_pack("{s:I, s:I, s:I}", "pkts_in", (json_int_t)t->other.pkts_in,
				      "bytes_in", (json_int_t)t->other.bytes_in, "drops",
				      (json_int_t)t->other.drops));
	return arr;
}

static json_t *link_stats_json(const struct tl_link_stats *s, uint64_t elapsed_ns)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:f}", "pkts_in",
			 (json_int_t)s->pkts_in, "bytes_in", (json_int_t)s->bytes_in, "pkts_out",
			 (json_int_t)s->pkts_out, "bytes_out", (json_int_t)s->bytes_out, "drops",
			 drops_json(s->drop_pkts), "drop_bytes", drops_json(s->drop_bytes), "marks",
			 (json_int_t)s->marks, "backlog_pkts", (json_int_t)s->backlog_pkts,
			 "backlog_bytes", (json_int_t)s->backlog_bytes, "max_backlog_bytes",
			 (json_int_t)s->max_backlog_bytes, "line_pkts", (json_int_t)s->line_pkts,
			 "utilization", elapsed_ns ? (double)s->busy_ns / (double)elapsed_ns : 0.0);
}

static json_t *dir_json(struct fwd_dir *d, const struct tl_link_spec *spec, uint64_t elapsed_ns,
			unsigned max_flows, const struct tl_testbed_plan *plan)
{
	struct tl_link_stats s;
	tl_link_stats(d->link, &s);
	json_t *o = json_pack("{s:I, s:I, s:I, s:b, s:o, s:o}", "rate_bps",
			      (json_int_t)spec->rate_bps, "delay_ns", (json_int_t)spec->delay_ns,
			      "jitter_ns", (json_int_t)spec->jitter_ns, "reorder", spec->reorder,
			      "loss", loss_json(&spec->loss), "queue", queue_json(&spec->queue));
	json_object_set_new(o, "stats", link_stats_json(&s, elapsed_ns));
	/* Totals since start: the merged periods plus the one in progress. */
	struct tl_lhist *h = malloc(sizeof(*h));
	if (h) {
		*h = *d->cum_qdelay;
		tl_testbed_fwd_lhist_merge(h, tl_link_qdelay_hist(d->link));
		json_object_set_new(o, "qdelay_ns", hist_json(h));
		*h = *d->cum_qlen;
		tl_testbed_fwd_lhist_merge(h, tl_link_qlen_hist(d->link));
		json_object_set_new(o, "qlen_bytes", hist_json(h));
		free(h);
	}
	json_object_set_new(o, "qdisc", qdisc_state_json(tl_link_qdisc(d->link), plan));
	json_object_set_new(o, "flows", flows_json(tl_link_flows(d->link), max_flows, o));
	return o;
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Since the start, cumulative (a series line's too, so that a window's count is last
 * minus first): the host's input-queue drops, outside the emulated links. */
static void backlog_drops_set(const struct tl_testbed_fwd *f, json_t *o)
{
	struct tl_softnet sn;
	if (!f->have_softnet || tl_softnet_read(&sn, NULL) < 0)
		return;
	uint64_t d = sn.dropped > f->backlog_drops_start ? sn.dropped - f->backlog_drops_start : 0;
	json_object_set_new(o, "backlog_drops", json_integer((json_int_t)d));
}

json_t *tl_testbed_fwd_status(struct tl_testbed_fwd *f, uint64_t now_ns, unsigned max_flows)
{
	const struct tl_testbed_config *c = &f->cfg;
	uint64_t elapsed = now_ns - f->start_ns;
	/* The loop moves the queues only when a packet may be due: the state as of now. */
	tl_link_advance(f->fwd.link, now_ns);
	tl_link_advance(f->rev.link, now_ns);
	json_t *rtts = json_array();
	for (unsigned i = 0; i < c->senders; i++)
		json_array_append_new(rtts, json_integer((json_int_t)c->rtt_ns[i]));
	json_t *doc = json_pack("{s:s, s:i, s:I, s:I, s:O}", "name", f->st.plan.name, "pid",
				(int)getpid(), "now_ns", (json_int_t)now_ns, "uptime_ns",
				(json_int_t)elapsed, "options", f->st.options);
	if (!doc)
		return NULL;
	json_object_set_new(doc, "config",
			    json_pack("{s:i, s:o, s:I, s:I, s:I, s:I, s:I}", "senders",
				      (int)c->senders, "rtt_ns", rtts, "min_rtt_ns",
				      (json_int_t)c->min_rtt_ns, "bdp_bytes",
				      (json_int_t)c->bdp_bytes, "seed", (json_int_t)c->seed,
				      "pool", (json_int_t)c->pool, "spin_ns", (json_int_t)c->spin_ns));
	json_object_set_new(doc, "fwd", dir_json(&f->fwd, &c->fwd, elapsed, max_flows, &f->st.plan));
	json_object_set_new(doc, "rev", dir_json(&f->rev, &c->rev, elapsed, max_flows, &f->st.plan));
	json_t *access = json_array();
	for (unsigned i = 1; f->access && i < f->nports; i++) {
		struct tl_link_stats a, b;
		tl_link_stats(f->acc_fwd[i], &a);
		tl_link_stats(f->acc_rev[i], &b);
		json_array_append_new(access,
				      json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "host",
						f->st.plan.hosts[i].name, "rtt_ns",
						(json_int_t)c->rtt_ns[i - 1], "fwd_delay_ns",
						(json_int_t)c->access_fwd[i - 1].delay_ns,
						"rev_delay_ns",
						(json_int_t)c->access_rev[i - 1].delay_ns, "fwd_pkts",
						(json_int_t)a.pkts_out, "rev_pkts",
						(json_int_t)b.pkts_out, "fwd_held",
						(json_int_t)(a.backlog_pkts + a.line_pkts), "rev_held",
						(json_int_t)(b.backlog_pkts + b.line_pkts)));
	}
	json_object_set_new(doc, "access", access);
	json_t *ports = json_array();
	for (unsigned i = 0; i < f->nports; i++) {
		struct tl_testbed_port *p = &f->ports[i];
		tl_testbed_port_kstats(p);
		json_array_append_new(ports,
				      json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s?, s:I, s:I}", "name",
						p->name, "rx_pkts", (json_int_t)p->rx_pkts,
						"rx_bytes", (json_int_t)p->rx_bytes, "tx_pkts",
						(json_int_t)p->tx_pkts, "tx_bytes",
						(json_int_t)p->tx_bytes, "tx_errors",
						(json_int_t)p->tx_errors, "tx_last_error",
						p->tx_last_errno ? strerror(p->tx_last_errno) : NULL,
						"rx_truncated",
						(json_int_t)p->rx_truncated, "rx_kernel_drops",
						(json_int_t)p->rx_kernel_drops));
	}
	json_object_set_new(doc, "ports", ports);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	struct tl_lhist *late = malloc(sizeof(*late));
	if (late) {
		*late = *f->late;
		tl_testbed_fwd_lhist_merge(late, f->late_period);
	}
	json_object_set_new(doc, "forwarder",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f}",
				      "pool_size", (json_int_t)f->pool.size, "pool_free",
				      (json_int_t)f->pool.nfree, "pool_min_free",
				      (json_int_t)f->pool.min_free, "no_buffer_drops",
				      (json_int_t)f->no_buffer, "non_ip", (json_int_t)f->non_ip,
				      "flooded", (json_int_t)f->flooded, "sleeps",
				      (json_int_t)f->wakeups, "spins", (json_int_t)f->spins,
				      "cpu_user_s", tv_s(ru.ru_utime), "cpu_system_s",
				      tv_s(ru.ru_stime)));
	json_object_set_new(json_object_get(doc, "forwarder"), "oversleep_avg_ns",
			    json_integer((json_int_t)f->oversleep_avg_ns));
	json_object_set_new(json_object_get(doc, "forwarder"), "oversleep_dev_ns",
			    json_integer((json_int_t)f->oversleep_dev_ns));
	json_object_set_new(json_object_get(doc, "forwarder"), "sched",
			    json_string(f->prio_note[0] ? f->prio_note
					: f->cfg.prio == TL_TESTBED_PRIO_RT ? "SCHED_FIFO 10"
					: f->cfg.prio == TL_TESTBED_PRIO_HIGH ? "SCHED_OTHER nice -20"
									      : "SCHED_OTHER"));
	char cpu_lat[48];
	if (f->cpu_latency.fd >= 0)
		snprintf(cpu_lat, sizeof(cpu_lat), "held at %d us", (int)f->cpu_latency.us);
	else
		snprintf(cpu_lat, sizeof(cpu_lat), "off");
	json_object_set_new(json_object_get(doc, "forwarder"), "cpu_latency",
			    json_string(f->cpu_latency_note[0] ? f->cpu_latency_note : cpu_lat));
	/* "cpu 1 (the hosts: the others)" (--isolate), "cpu 1 (the hosts' receive work: the
	 * others)" (--spread), "shared" (neither, or one CPU), or why not. */
	char iso[64];
	if (f->st.forwarder_cpu >= 0 && f->cfg.spread && !f->cfg.isolate)
		snprintf(iso, sizeof(iso), "cpu %d (the hosts' receive work: the others)",
			 f->st.forwarder_cpu);
	else if (f->st.forwarder_cpu >= 0)
		snprintf(iso, sizeof(iso), "cpu %d (the hosts: the others)", f->st.forwarder_cpu);
	else
		snprintf(iso, sizeof(iso), "shared");
	json_object_set_new(json_object_get(doc, "forwarder"), "isolation",
			    json_string(f->isolate_note[0] ? f->isolate_note : iso));
	json_object_set_new(json_object_get(doc, "forwarder"), "cpu",
			    json_integer(f->st.forwarder_cpu));
	json_object_set_new(json_object_get(doc, "forwarder"), "standby",
			    tl_testbed_fwd_standby_json(f));
	json_object_set_new(json_object_get(doc, "forwarder"), "spin_allowance_ns",
			    json_integer((json_int_t)f->spin_allowance_ns));
	if (late)
		json_object_set_new(json_object_get(doc, "forwarder"), "late_ns", hist_json(late));
	free(late);
	/* Since the start; the series has them per period. */
	struct tl_sched_time wait;
	if (f->have_wait && tl_sched_time_read_self(&wait, NULL) == 0)
		json_object_set_new(json_object_get(doc, "forwarder"), "cpu_wait_s",
				    json_real((double)(wait.wait_ns - f->wait_start.wait_ns) / 1e9));
	struct tl_sys_cpu sys;
	if (f->have_sys && tl_sys_cpu_read(&sys, NULL) == 0)
		json_object_set_new(json_object_get(doc, "forwarder"), "steal_percent",
				    json_real(tl_sys_cpu_steal_percent(&f->sys_start, &sys)));
	backlog_drops_set(f, json_object_get(doc, "forwarder"));
	return doc;
}

/* One direction's line: totals, the queue now, and the period since the previous line. */
static json_t *dir_line(struct fwd_dir *d, uint64_t period_ns, const struct tl_testbed_plan *plan)
{
	struct tl_link_stats s;
	tl_link_stats(d->link, &s);
	const struct tl_lhist *qd = tl_link_qdelay_hist(d->link);
	const struct tl_lhist *ql = tl_link_qlen_hist(d->link);
	double out_bps = period_ns ? (double)(s.bytes_out - d->last.bytes_out) * 8e9 /
					     (double)period_ns
				   : 0.0;
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:f, s:I, s:I, s:I, s:I, "
			      "s:I}",
			      "pkts_in", (json_int_t)s.pkts_in, "bytes_in", (json_int_t)s.bytes_in,
			      "pkts_out", (json_int_t)s.pkts_out, "bytes_out",
			      (json_int_t)s.bytes_out, "drops", drops_json(s.drop_pkts), "marks",
			      (json_int_t)s.marks, "backlog_pkts", (json_int_t)s.backlog_pkts,
			      "backlog_bytes", (json_int_t)s.backlog_bytes, "out_bps", out_bps,
			      "qdelay_p50_ns", (json_int_t)tl_lhist_quantile(qd, 0.5),
			      "qdelay_p99_ns", (json_int_t)tl_lhist_quantile(qd, 0.99),
			      "qdelay_max_ns", (json_int_t)qd->max, "qlen_p99_bytes",
			      (json_int_t)tl_lhist_quantile(ql, 0.99), "samples",
			      (json_int_t)qd->count);
	/* GSP's interval, PPV's threshold value and shares, DualPI2's two queues: for the
	 * notes under a test's table (out/table_notes.c). */
	json_t *aqm = tl_testbed_aqm_state_json(tl_link_qdisc(d->link), plan, 4);
	if (aqm)
		json_object_set_new(o, "aqm", aqm);
	tl_testbed_fwd_lhist_merge(d->cum_qdelay, qd);
	tl_testbed_fwd_lhist_merge(d->cum_qlen, ql);
	tl_link_reset_hists(d->link);
	d->last = s;
	return o;
}

json_t *tl_testbed_fwd_series_line(struct tl_testbed_fwd *f, uint64_t now_ns)
{
	uint64_t period = now_ns - f->last_series_ns;
	json_t *line = json_pack("{s:I}", "t_ns", (json_int_t)now_ns);
	if (!line)
		return NULL;
	json_object_set_new(line, "fwd", dir_line(&f->fwd, period, &f->st.plan));
	json_object_set_new(line, "rev", dir_line(&f->rev, period, &f->st.plan));
	json_object_set_new(line, "late_p50_ns",
			    json_integer((json_int_t)tl_lhist_quantile(f->late_period, 0.5)));
	json_object_set_new(line, "late_p99_ns",
			    json_integer((json_int_t)tl_lhist_quantile(f->late_period, 0.99)));
	json_object_set_new(line, "late_max_ns", json_integer((json_int_t)f->late_period->max));
	tl_testbed_fwd_lhist_merge(f->late, f->late_period);
	tl_lhist_reset(f->late_period);
	struct tl_sched_time wait;
	if (f->have_wait && tl_sched_time_read_self(&wait, NULL) == 0) {
		json_object_set_new(line, "cpu_wait_ns",
				    json_integer((json_int_t)(wait.wait_ns - f->wait_last.wait_ns)));
		f->wait_last = wait;
	}
	struct tl_sys_cpu sys;
	if (f->have_sys && tl_sys_cpu_read(&sys, NULL) == 0) {
		json_object_set_new(line, "steal_percent",
				    json_real(tl_sys_cpu_steal_percent(&f->sys_last, &sys)));
		f->sys_last = sys;
	}
	backlog_drops_set(f, line);
	return line;
}
