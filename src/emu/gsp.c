#include "emu/gsp.h"

#include "emu/qdisc.h"
#include "emu/qfifo.h"
#include "util/clock.h"

/*
 * GSP, Global Synchronization Protection: Lautenschlaeger and Francini, "Global
 * Synchronization Protection for Bandwidth Sharing TCP Flows in High-Speed Links", IEEE HPSR
 * 2015 [GSP15]; draft-lauten-aqm-gsp-03 [GSPDRAFT]. A tail-drop FIFO plus one rule: while
 * the queue is above the threshold, drop (or ECN-mark) one arriving packet, then ignore the
 * threshold for an interval (about 2 x RTT). Tail drop removes about N/2 packets within one
 * RTT when N synchronised flows overflow it; GSP removes one and lets that flow's reaction
 * show before the next.
 *   basic     threshold in bytes, fixed interval
 *   adaptive  the interval shrinks with the time the queue spends above the threshold
 *             (tl_gsp_adapt)
 *   delay     the threshold is a sojourn time: the age of the oldest queued packet at the
 *             arrival (timestamps, as CoDel measures)
 */

struct gsp {
	struct tl_pktq fifo;
	struct tl_gsp_vars v;
};

void tl_gsp_resolve(struct tl_gsp_vars *v, const struct tl_gsp_params *par)
{
	v->preset_ns = par->interval_ns ? par->interval_ns : 100 * TL_NSEC_PER_MSEC;
	v->tau_ns = par->tau_ns ? par->tau_ns : 5 * v->preset_ns;
	v->max_ns = par->max_time_ns ? par->max_time_ns : 4 * v->tau_ns;
	if (!par->adaptive || !v->interval_ns)
		v->interval_ns = v->preset_ns;
}

void tl_gsp_adapt(struct tl_gsp_vars *v, double alpha, uint64_t now_ns, bool above)
{
	if (v->started) {
		double dt = (double)(now_ns > v->last_ns ? now_ns - v->last_ns : 0);
		if (v->last_above)
			v->cumul_ns += alpha * dt;
		else if (v->ovf == TL_GSP_CLEAR)
			v->cumul_ns -= dt;
		if (v->cumul_ns < 0)
			v->cumul_ns = 0;
		if (v->cumul_ns > (double)v->max_ns)
			v->cumul_ns = (double)v->max_ns;
	}
	v->started = true;
	v->last_ns = now_ns;
	v->last_above = above;
	v->interval_ns = (uint64_t)((double)v->preset_ns / (1.0 + v->cumul_ns / (double)v->tau_ns));
}

static uint64_t threshold_bytes(const struct tl_qdisc *q)
{
	if (q->spec.gsp.threshold_bytes)
		return q->spec.gsp.threshold_bytes;
	uint64_t limit = q->spec.limit_bytes ? q->spec.limit_bytes
			 : (q->spec.limit_pkts ? q->spec.limit_pkts : 1000) * (uint64_t)q->spec.mtu;
	return limit / 2;
}

static bool gsp_above(const struct tl_qdisc *q, const struct gsp *g, uint64_t now_ns)
{
	if (!q->spec.gsp.delay)
		return q->backlog_bytes > threshold_bytes(q);
	const struct tl_pkt *head = g->fifo.head;
	return head && now_ns > head->enqueue_ns &&
	       now_ns - head->enqueue_ns > q->spec.gsp.threshold_ns;
}

static int gsp_init(struct tl_qdisc *q, struct tl_err *err)
{
	(void)err;
	struct gsp *g = q->priv;
	tl_gsp_resolve(&g->v, &q->spec.gsp);
	return 0;
}

static int gsp_change(struct tl_qdisc *q, const struct tl_qspec *old, uint64_t now_ns,
		      struct tl_err *err)
{
	(void)err;
	struct gsp *g = q->priv;
	if (old->gsp.interval_ns != q->spec.gsp.interval_ns || old->gsp.adaptive != q->spec.gsp.adaptive)
		g->v.interval_ns = 0; /* take the new preset */
	tl_gsp_resolve(&g->v, &q->spec.gsp);
	tl_qfifo_trim(q, &g->fifo, now_ns);
	return 0;
}

static void count_signal(struct gsp *g, uint64_t now_ns)
{
	struct tl_gsp_vars *v = &g->v;
	if (v->drops > 0) {
		uint64_t gap = now_ns - v->last_drop_ns;
		if (v->drops == 1 || gap < v->min_gap_ns)
			v->min_gap_ns = gap;
	}
	v->drops++;
	v->last_drop_ns = now_ns;
	v->expiry_ns = now_ns + v->interval_ns;
}

static enum tl_drop_cause gsp_enqueue(struct tl_qdisc *q, struct tl_pkt *p, uint64_t now_ns)
{
	struct gsp *g = q->priv;
	struct tl_gsp_vars *v = &g->v;
	bool above = gsp_above(q, g, now_ns);
	if (above && v->ovf == TL_GSP_DRAINED)
		v->ovf = TL_GSP_CLEAR;
	if (q->spec.gsp.adaptive)
		tl_gsp_adapt(v, q->spec.gsp.alpha, now_ns, above);
	if (!tl_qdisc_fits(q, p)) {
		v->ovf = TL_GSP_OVERFLOW;
		tl_qdisc_drop(q, p, TL_DROP_QUEUE_FULL, now_ns);
		return TL_DROP_QUEUE_FULL;
	}
	/* The first arrival above the threshold after the interval ran out. */
	if (above && now_ns >= v->expiry_ns) {
		count_signal(g, now_ns);
		if (!tl_qdisc_mark(q, p)) {
			tl_qdisc_drop(q, p, TL_DROP_AQM, now_ns);
			return TL_DROP_AQM;
		}
	}
	tl_qfifo_push(q, &g->fifo, p);
	return TL_DROP_NONE;
}

static struct tl_pkt *gsp_dequeue(struct tl_qdisc *q, uint64_t now_ns)
{
	(void)now_ns;
	struct gsp *g = q->priv;
	struct tl_pkt *p = tl_qfifo_pop(q, &g->fifo);
	if (q->backlog_pkts == 0 && g->v.ovf == TL_GSP_OVERFLOW)
		g->v.ovf = TL_GSP_DRAINED;
	return p;
}

static void gsp_reset(struct tl_qdisc *q, uint64_t now_ns)
{
	struct gsp *g = q->priv;
	tl_qfifo_flush(q, &g->fifo, now_ns);
	g->v = (struct tl_gsp_vars){ 0 };
	tl_gsp_resolve(&g->v, &q->spec.gsp);
}

static void gsp_info(const struct tl_qdisc *q, struct tl_qdisc_info *out)
{
	const struct gsp *g = q->priv;
	out->interval_ns = g->v.interval_ns;
	out->cumul_ns = (uint64_t)g->v.cumul_ns;
	out->threshold = q->spec.gsp.delay ? q->spec.gsp.threshold_ns : threshold_bytes(q);
	out->gsp_drops = g->v.drops;
	out->min_gap_ns = g->v.drops > 1 ? g->v.min_gap_ns : 0;
}

static void gsp_destroy(struct tl_qdisc *q)
{
	(void)q;
}

const struct tl_qdisc_ops tl_gsp_ops = {
	.kind = TL_QDISC_GSP,
	.priv_size = sizeof(struct gsp),
	.init = gsp_init,
	.change = gsp_change,
	.enqueue = gsp_enqueue,
	.dequeue = gsp_dequeue,
	.reset = gsp_reset,
	.info = gsp_info,
	.destroy = gsp_destroy,
};
