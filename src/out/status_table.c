/* The tables of `testbed status` and `router status`, from their structs (result/status.h).
 * Both show the forwarder's part the same way; the testbed adds its hosts, its buffer
 * column, the AQM's state, the senders' own delay lines and the largest flows. */
#include <inttypes.h>
#include <stdio.h>

#include "out/render.h"
#include "util/parse.h"

/* How a command lays out the direction table. */
struct dir_cols {
	int label_width;
	int buffer;   /* the BUFFER column (the testbed's) */
};

static const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	return tl_fmt_duration(ns, buf, (unsigned)len);
}

static void dir_header(FILE *f, const struct dir_cols *c)
{
	/* DELAY is one-way: users read "20 ms" as the RTT (the line under the table has both). */
	fprintf(f, "\n%-*s %-12s %-9s %-9s", c->label_width, "DIRECTION", "RATE", "1-WAY DLY", "AQM");
	if (c->buffer)
		fprintf(f, " %-8s", "BUFFER");
	fprintf(f, " %10s %10s %8s %6s %6s %9s %9s %9s\n", "PKTS IN", "PKTS OUT", "FULL", "AQM",
		"LOSS", "BACKLOG", "QDELAY50", "QDELAY99");
}

static void dir_row(FILE *f, const struct dir_cols *c, const struct tl_st_dir *d, const char *label)
{
	char r[32], dl[32], p50[32], p99[32], bl[32], lim[32];
	fprintf(f, "%-*s %-12s %-9s %-9s", c->label_width, label,
		d->rate_bps ? tl_fmt_rate((double)d->rate_bps, r, sizeof(r)) : "-",
		fmt_ns(d->delay_ns, dl, sizeof(dl)), d->aqm);
	if (c->buffer) {
		if (d->limit_bytes)
			tl_fmt_size((double)d->limit_bytes, lim, sizeof(lim));
		else
			snprintf(lim, sizeof(lim), "%" PRIu64 "p", d->limit_pkts);
		fprintf(f, " %-8s", lim);
	}
	fprintf(f, " %10" PRIu64 " %10" PRIu64 " %8" PRIu64 " %6" PRIu64 " %6" PRIu64 " %9s %9s %9s\n",
		d->pkts_in, d->pkts_out, d->drops_queue_full, d->drops_aqm, d->drops_loss,
		tl_fmt_size((double)d->backlog_bytes, bl, sizeof(bl)),
		fmt_ns(d->qdelay_p50_ns, p50, sizeof(p50)), fmt_ns(d->qdelay_p99_ns, p99, sizeof(p99)));
}

/* The path's delay in words under the table: each way, and the RTT it makes. */
static void path_delay(FILE *f, const struct tl_fwd_status *s)
{
	uint64_t fw = s->fwd.delay_ns, rv = s->rev.delay_ns;
	char a[32], b[32], rtt[32];
	fmt_ns(fw + rv, rtt, sizeof(rtt));
	/* The odd nanosecond of an odd RTT goes back: still "each way" to the user. */
	if (fw == rv || fw + 1 == rv)
		fprintf(f, "delay %s each way (RTT %s before queueing", fmt_ns(fw, a, sizeof(a)), rtt);
	else
		fprintf(f, "delay %s there and %s back (RTT %s before queueing",
			fmt_ns(fw, a, sizeof(a)), fmt_ns(rv, b, sizeof(b)), rtt);
	fprintf(f, "%s)\n", s->naccess > 1
				    ? "; a sender with a larger RTT adds its own delay line, below"
				    : "");
}

/* One line of a GSP, PPV or DualPI2 queue's state (counts are whole numbers in doubles). */
static void qdisc_line(FILE *f, const struct tl_tb_aqm *q, const char *label)
{
	char a[32], b[32];
	if (q->kind == TL_TB_AQM_GSP) {
		fprintf(f, "%s gsp: interval %s (accumulated %s above the threshold), %.0f signals, "
			"shortest gap %s\n", label, fmt_ns((uint64_t)q->interval_ns, a, sizeof(a)),
			fmt_ns((uint64_t)q->cumul_ns, b, sizeof(b)), q->signals,
			q->min_gap_ns ? fmt_ns((uint64_t)q->min_gap_ns, a, sizeof(a)) : "-");
	} else if (q->kind == TL_TB_AQM_PPV) {
		fprintf(f, "%s ppv: threshold value %.0f (drop probability %.4f); shares:", label,
			q->threshold_value, q->prob);
		for (size_t i = 0; i < q->nclasses; i++)
			fprintf(f, " %s %.1f%% (%.0f drops)", q->classes[i].name,
				100 * q->classes[i].share, q->classes[i].drops);
		fprintf(f, "\n");
	} else if (q->kind == TL_TB_AQM_DUALPI2) {
		fprintf(f, "%s dualpi2: p' %.4f, classic p_C %.4f (%.0f pkts, delay %s, %.0f drops, "
			"%.0f marks), L4S p_CL %.4f (%.0f pkts, delay %s, %.0f marks)\n", label,
			q->p_base, q->p_c, q->classic_pkts,
			fmt_ns((uint64_t)q->classic_qdelay_ns, a, sizeof(a)), q->classic_drops,
			q->classic_marks, q->p_cl, q->l4s_pkts,
			fmt_ns((uint64_t)q->l4s_qdelay_ns, b, sizeof(b)), q->l4s_marks);
	}
}

static void hosts(FILE *f, const struct tl_testbed_status *s)
{
	for (size_t i = 0; i < s->nhosts; i++)
		fprintf(f, "  %-5s %-13s netns %s\n", s->hosts[i].name, s->hosts[i].addr,
			s->hosts[i].netns);
}

static void flows(FILE *f, const struct tl_st_dir *d)
{
	if (!d->nflows)
		return;
	fprintf(f, "\nflows snd->rcv (largest first)\n");
	for (size_t i = 0; i < d->nflows && i < 10; i++) {
		const struct tl_st_flow *fl = &d->flows[i];
		fprintf(f, "  %-5s %-22s %-22s %10" PRIu64 " pkts %12" PRIu64 " B %6" PRIu64 " drops\n",
			fl->proto, fl->src, fl->dst, fl->pkts_in, fl->bytes_in, fl->drops);
	}
}

static void forwarder(FILE *f, const struct tl_fwd_status *s)
{
	const struct tl_st_forwarder *w = &s->forwarder;
	fprintf(f, "\nforwarder: pool %" PRIu64 "/%" PRIu64 " free (lowest %" PRIu64 "), cpu %.2f s "
		"user %.2f s sys", w->pool_free, w->pool_size, w->pool_min_free, w->cpu_user_s,
		w->cpu_system_s);
	if (s->rx_kernel_drops || w->no_buffer_drops)
		fprintf(f, ", frames lost before the emulator: %" PRIu64 " (socket) %" PRIu64 " (pool)",
			s->rx_kernel_drops, w->no_buffer_drops);
	if (w->has_backlog_drops && w->backlog_drops)
		fprintf(f, ", this host's kernel dropped %" PRIu64 " packets at a full input queue "
			"(outside the emulated links: raise net.core.netdev_max_backlog)", w->backlog_drops);
	if (w->has_cpu_wait)
		fprintf(f, ", waited %.3f s for a CPU", w->cpu_wait_s);
	if (w->has_steal && w->steal_percent >= 0.05)
		fprintf(f, ", hypervisor steal %.1f%% of the machine", w->steal_percent);
	if (w->sched && w->isolation)
		fprintf(f, "\n           %s, %s", w->sched, w->isolation);
	if (w->standby_state) {
		fprintf(f, ", standby %s", w->standby_state);
		if (w->standby_running)
			fprintf(f, " (cpu %" PRId64 "; sent %" PRIu64 " packets the main loop was late "
				"with)", w->standby_cpu, w->standby_sent);
	}
	fprintf(f, "\n");
}

void tl_status_table_testbed(FILE *f, const struct tl_testbed_status *s)
{
	static const struct dir_cols cols = { .label_width = 16, .buffer = 1 };
	char up[32], rtt[32];
	if (!s->running) {
		fprintf(f, "testbed %s: forwarder not running (phase %s; 'tcplab testbed down %s' "
			"removes it)\n", s->name, s->phase, s->name);
		hosts(f, s);
		return;
	}
	const struct tl_fwd_status *st = &s->fwd;
	fprintf(f, "testbed %s: forwarder %" PRId64 ", up %s\n", s->name, st->pid,
		fmt_ns(st->uptime_ns, up, sizeof(up)));
	hosts(f, s);
	dir_header(f, &cols);
	dir_row(f, &cols, &st->fwd, "snd->rcv (fwd)");
	dir_row(f, &cols, &st->rev, "rcv->snd (rev)");
	path_delay(f, st);
	qdisc_line(f, &st->fwd.qdisc, "snd->rcv");
	qdisc_line(f, &st->rev.qdisc, "rcv->snd");
	for (size_t i = 0; i < st->naccess; i++) {
		const struct tl_st_access *a = &st->access[i];
		fprintf(f, "  %s: RTT %s (own delay line %" PRIu64 " + %" PRIu64 " ns)\n", a->host,
			fmt_ns(a->rtt_ns, rtt, sizeof(rtt)), a->fwd_delay_ns, a->rev_delay_ns);
	}
	flows(f, &st->fwd);
	forwarder(f, st);
}

void tl_status_table_router(FILE *f, const struct tl_router_status *s)
{
	static const struct dir_cols cols = { .label_width = 10, .buffer = 0 };
	const struct tl_fwd_status *st = &s->fwd;
	char up[32], l50[32], l99[32];
	fprintf(f, "router %s: pid %" PRId64 ", up %s, %s -> %s\n", s->name, st->pid,
		fmt_ns(st->uptime_ns, up, sizeof(up)), s->in, s->out);
	dir_header(f, &cols);
	dir_row(f, &cols, &st->fwd, "in->out");
	dir_row(f, &cols, &st->rev, "out->in");
	path_delay(f, st);
	fprintf(f, "\nforwarder: late p50 %s p99 %s, frames lost before the emulator: %" PRIu64
		" (socket) %" PRIu64 " (pool)\n",
		fmt_ns(st->forwarder.late_p50_ns, l50, sizeof(l50)),
		fmt_ns(st->forwarder.late_p99_ns, l99, sizeof(l99)), st->rx_kernel_drops,
		st->forwarder.no_buffer_drops);
}
