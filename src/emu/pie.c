#include "emu/pie.h"

#include "emu/qdisc.h"
#include "emu/qfifo.h"
#include "emu/rng.h"

/*
 * PIE, RFC 8033. Queue delay is measured with timestamps (allowed by section 4.3 and what
 * Linux does by default): at each update it is the sojourn of the packet at the head of the
 * queue, 0 when the queue is empty. The periodic update runs on the caller's clock: each
 * enqueue or dequeue first replays the updates whose times have passed (tl_pie_advance).
 */

/* Section 5.1: above this drop probability ECN-capable packets are dropped, not marked. */
#define PIE_MARK_ECNTH 0.1
/* Bound on updates replayed in one call: after this many idle steps drop_prob is 0. */
#define PIE_MAX_CATCHUP 4096

struct pie {
	struct tl_pktq fifo;
	struct tl_pie_vars vars;
	uint64_t qdelay_ns; /* the latest estimate, for info */
	struct tl_rng rng;
};

double tl_pie_tier(double drop_prob)
{
	if (drop_prob < 0.000001)
		return 2048;
	if (drop_prob < 0.00001)
		return 512;
	if (drop_prob < 0.0001)
		return 128;
	if (drop_prob < 0.001)
		return 32;
	if (drop_prob < 0.01)
		return 8;
	if (drop_prob < 0.1)
		return 2;
	return 1;
}

void tl_pie_update(struct tl_pie_vars *v, const struct tl_pie_params *par, uint64_t cur_ns)
{
	double cur = (double)cur_ns / 1e9;
	double old = (double)v->qdelay_old_ns / 1e9;
	double ref = (double)par->target_ns / 1e9;
	double p = par->alpha * (cur - ref) + par->beta * (cur - old);

	p /= tl_pie_tier(v->drop_prob);
	/* Section 5.5: cap the step once the probability is high. */
	if (v->drop_prob >= 0.1 && p > 0.02)
		p = 0.02;
	v->drop_prob += p;
	/* Section 4.2: decay while the queue stays empty. */
	if (cur_ns == 0 && v->qdelay_old_ns == 0)
		v->drop_prob *= 0.98;
	if (v->drop_prob < 0)
		v->drop_prob = 0;
	if (v->drop_prob > 1)
		v->drop_prob = 1;

	/* Section 4.4: the allowance runs down by T_UPDATE per update and is re-armed once
	 * congestion is gone (p = 0 and both delay samples under half the target). */
	v->burst_ns = v->burst_ns > par->tupdate_ns ? v->burst_ns - par->tupdate_ns : 0;
	if (v->drop_prob == 0 && cur_ns < par->target_ns / 2 && v->qdelay_old_ns < par->target_ns / 2)
		v->burst_ns = par->max_burst_ns;
	v->qdelay_old_ns = cur_ns;
}

bool tl_pie_advance(struct tl_pie_vars *v, const struct tl_pie_params *par,
		    const struct tl_pktq *fifo, uint64_t now_ns, uint64_t *qdelay_ns)
{
	if (!v->started) {
		v->started = true;
		v->burst_ns = par->max_burst_ns;
		v->next_update_ns = now_ns + par->tupdate_ns;
		return false;
	}
	bool updated = false;
	for (int i = 0; now_ns >= v->next_update_ns; i++) {
		if (i == PIE_MAX_CATCHUP) {
			uint64_t behind = (now_ns - v->next_update_ns) / par->tupdate_ns + 1;
			v->next_update_ns += behind * par->tupdate_ns;
			break;
		}
		uint64_t t = v->next_update_ns;
		const struct tl_pkt *head = fifo->head;
		*qdelay_ns = head && t > head->enqueue_ns ? t - head->enqueue_ns : 0;
		tl_pie_update(v, par, *qdelay_ns);
		v->next_update_ns += par->tupdate_ns;
		updated = true;
	}
	return updated;
}

bool tl_pie_may_drop(const struct tl_pie_vars *v, const struct tl_pie_params *par,
		     uint64_t backlog_bytes, uint32_t mtu)
{
	if (v->burst_ns > 0)
		return false;
	return !((v->qdelay_old_ns < par->target_ns / 2 && v->drop_prob < 0.2) ||
		 backlog_bytes <= 2ull * mtu);
}

/* RFC 8033 drop_early() with the section 5.4 de-randomisation when enabled. */
static bool pie_drop_early(struct tl_qdisc *q, struct pie *s)
{
	struct tl_pie_vars *v = &s->vars;
	const struct tl_pie_params *par = &q->spec.pie;
	if (!tl_pie_may_drop(v, par, q->backlog_bytes, q->spec.mtu))
		return false;
	if (par->derand) {
		if (v->drop_prob == 0)
			v->accu_prob = 0;
		v->accu_prob += v->drop_prob;
		if (v->accu_prob < 0.85)
			return false;
		if (v->accu_prob >= 8.5)
			return true;
	}
	return tl_rng_double(&s->rng) < v->drop_prob;
}

static int pie_init(struct tl_qdisc *q, struct tl_err *err)
{
	(void)err;
	struct pie *s = q->priv;
	tl_rng_seed(&s->rng, q->spec.seed, 0x706965 /* "pie" */);
	return 0;
}

static int pie_change(struct tl_qdisc *q, const struct tl_qspec *old, uint64_t now_ns,
		      struct tl_err *err)
{
	(void)old;
	(void)err;
	struct pie *s = q->priv;
	tl_qfifo_trim(q, &s->fifo, now_ns);
	return 0;
}

static enum tl_drop_cause pie_enqueue(struct tl_qdisc *q, struct tl_pkt *p, uint64_t now_ns)
{
	struct pie *s = q->priv;
	tl_pie_advance(&s->vars, &q->spec.pie, &s->fifo, now_ns, &s->qdelay_ns);
	if (!tl_qdisc_fits(q, p)) {
		tl_qdisc_drop(q, p, TL_DROP_QUEUE_FULL, now_ns);
		return TL_DROP_QUEUE_FULL;
	}
	if (pie_drop_early(q, s)) {
		bool marked = s->vars.drop_prob <= PIE_MARK_ECNTH && tl_qdisc_mark(q, p);
		if (!marked) {
			s->vars.accu_prob = 0;
			tl_qdisc_drop(q, p, TL_DROP_AQM, now_ns);
			return TL_DROP_AQM;
		}
	}
	tl_qfifo_push(q, &s->fifo, p);
	return TL_DROP_NONE;
}

static struct tl_pkt *pie_dequeue(struct tl_qdisc *q, uint64_t now_ns)
{
	struct pie *s = q->priv;
	tl_pie_advance(&s->vars, &q->spec.pie, &s->fifo, now_ns, &s->qdelay_ns);
	return tl_qfifo_pop(q, &s->fifo);
}

static void pie_reset(struct tl_qdisc *q, uint64_t now_ns)
{
	struct pie *s = q->priv;
	tl_qfifo_flush(q, &s->fifo, now_ns);
	s->vars = (struct tl_pie_vars){ 0 };
	s->qdelay_ns = 0;
}

static void pie_info(const struct tl_qdisc *q, struct tl_qdisc_info *out)
{
	const struct pie *s = q->priv;
	out->prob = s->vars.drop_prob;
	out->qdelay_ns = s->qdelay_ns;
	out->qdelay_old_ns = s->vars.qdelay_old_ns;
	out->burst_ns = s->vars.burst_ns;
}

static void pie_destroy(struct tl_qdisc *q)
{
	(void)q;
}

const struct tl_qdisc_ops tl_pie_ops = {
	.kind = TL_QDISC_PIE,
	.priv_size = sizeof(struct pie),
	.init = pie_init,
	.change = pie_change,
	.enqueue = pie_enqueue,
	.dequeue = pie_dequeue,
	.reset = pie_reset,
	.info = pie_info,
	.destroy = pie_destroy,
};
