#include <math.h>

#include "emu/qdisc.h"
#include "emu/qfifo.h"
#include "emu/rng.h"

/*
 * RED, Floyd and Jacobson, "Random Early Detection Gateways for Congestion Avoidance",
 * IEEE/ACM ToN 1(4), 1993, section 4 (the algorithm figure), on the backlog in bytes:
 *   queue busy:  avg = (1 - wq) avg + wq q
 *   queue idle:  avg = (1 - wq)^m avg, m = idle time / transmission time of avpkt
 *   min_th <= avg < max_th: pb = max_p (avg - min_th) / (max_th - min_th),
 *                           pa = pb / (1 - count pb)
 * count is the number of packets accepted since the last drop, so the gap between drops is
 * uniform on 1 .. 1/pb, the paper's intent. avg >= max_th drops every arrival, or with
 * "gentle" ramps p from max_p to 1 over [max_th, 2 max_th]. The buffer limit is applied
 * after RED's decision, as Linux does. Thresholds not given are derived: max_th = 3 min_th
 * (Floyd's advice), and with neither given max_th = half the buffer limit.
 */

struct red {
	struct tl_pktq fifo;
	struct tl_rng rng;
	double min_th, max_th; /* resolved thresholds, bytes */
	double avg;
	uint64_t count;
	double pb;
	uint64_t idle_since_ns;
	bool idle; /* the queue emptied at idle_since_ns and nothing arrived since */
};

static void red_average(struct tl_qdisc *q, struct red *r, uint64_t now_ns)
{
	double wq = q->spec.red.wq;
	if (!r->idle) {
		r->avg = (1 - wq) * r->avg + wq * (double)q->backlog_bytes;
		return;
	}
	r->idle = false;
	if (q->spec.rate_bps == 0) {
		/* No link rate to turn idle time into packets: decay as one empty sample. */
		r->avg *= 1 - wq;
		return;
	}
	double s_ns = (double)q->spec.red.avpkt * 8e9 / (double)q->spec.rate_bps;
	double m = (double)(now_ns - r->idle_since_ns) / s_ns;
	r->avg *= pow(1 - wq, m);
}

static void red_thresholds(const struct tl_qdisc *q, struct red *r)
{
	const struct tl_qspec *s = &q->spec;
	uint64_t limit = s->limit_bytes ? s->limit_bytes
			 : (s->limit_pkts ? s->limit_pkts : 1000) * (uint64_t)s->mtu;
	uint64_t min = s->red.min_bytes, max = s->red.max_bytes;
	if (!min && !max) {
		max = limit / 2;
		min = max / 3;
	} else if (!max) {
		max = 3 * min;
	} else if (!min) {
		min = max / 3;
	}
	r->min_th = (double)min;
	r->max_th = (double)max;
}

/* The probability for this arrival: 0 below min_th, pa in the ramp, 1 beyond. */
static double red_prob(const struct tl_qdisc *q, struct red *r)
{
	const struct tl_red_params *par = &q->spec.red;
	double min = r->min_th, max = r->max_th;
	if (r->avg < min) {
		r->pb = 0;
		return 0;
	}
	if (r->avg < max)
		r->pb = par->max_p * (r->avg - min) / (max - min);
	else if (par->gentle && r->avg < 2 * max)
		r->pb = par->max_p + (1 - par->max_p) * (r->avg - max) / max;
	else
		r->pb = 1;
	if (r->pb >= 1)
		return 1;
	double c = (double)r->count * r->pb;
	return c >= 1 ? 1 : r->pb / (1 - c);
}

static int red_init(struct tl_qdisc *q, struct tl_err *err)
{
	(void)err;
	struct red *r = q->priv;
	tl_rng_seed(&r->rng, q->spec.seed, 0x726564 /* "red" */);
	red_thresholds(q, r);
	return 0;
}

static int red_change(struct tl_qdisc *q, const struct tl_qspec *old, uint64_t now_ns,
		      struct tl_err *err)
{
	(void)old;
	(void)err;
	struct red *r = q->priv;
	red_thresholds(q, r);
	tl_qfifo_trim(q, &r->fifo, now_ns);
	return 0;
}

static enum tl_drop_cause red_enqueue(struct tl_qdisc *q, struct tl_pkt *p, uint64_t now_ns)
{
	struct red *r = q->priv;
	red_average(q, r, now_ns);
	double pa = red_prob(q, r);
	if (pa == 0) {
		r->count = 0;
	} else if (pa >= 1 || tl_rng_double(&r->rng) < pa) {
		r->count = 0;
		if (!tl_qdisc_mark(q, p)) {
			tl_qdisc_drop(q, p, TL_DROP_AQM, now_ns);
			return TL_DROP_AQM;
		}
	} else {
		r->count++;
	}
	if (!tl_qdisc_fits(q, p)) {
		tl_qdisc_drop(q, p, TL_DROP_QUEUE_FULL, now_ns);
		return TL_DROP_QUEUE_FULL;
	}
	tl_qfifo_push(q, &r->fifo, p);
	return TL_DROP_NONE;
}

static struct tl_pkt *red_dequeue(struct tl_qdisc *q, uint64_t now_ns)
{
	struct red *r = q->priv;
	struct tl_pkt *p = tl_qfifo_pop(q, &r->fifo);
	if (p && q->backlog_pkts == 0) {
		r->idle = true;
		r->idle_since_ns = now_ns;
	}
	return p;
}

static void red_reset(struct tl_qdisc *q, uint64_t now_ns)
{
	struct red *r = q->priv;
	tl_qfifo_flush(q, &r->fifo, now_ns);
	r->avg = 0;
	r->count = 0;
	r->pb = 0;
	r->idle = false;
}

static void red_info(const struct tl_qdisc *q, struct tl_qdisc_info *out)
{
	const struct red *r = q->priv;
	out->red_avg = r->avg;
	out->prob = r->pb;
	out->count = (uint32_t)r->count;
}

static void red_destroy(struct tl_qdisc *q)
{
	(void)q;
}

const struct tl_qdisc_ops tl_red_ops = {
	.kind = TL_QDISC_RED,
	.priv_size = sizeof(struct red),
	.init = red_init,
	.change = red_change,
	.enqueue = red_enqueue,
	.dequeue = red_dequeue,
	.reset = red_reset,
	.info = red_info,
	.destroy = red_destroy,
};
