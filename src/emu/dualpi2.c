#include "emu/dualpi2.h"

#include "emu/pktq.h"
#include "emu/qdisc.h"
#include "emu/rng.h"

/*
 * DualPI2 [RFC9332] Appendix A: two FIFOs sharing one buffer limit. Arrivals are classified
 * by their ECN codepoint; at dequeue a time-shifted FIFO picks the L4S head unless the
 * classic head has waited tshift longer (section 4.2.2's example scheduler), the L4S packet
 * is CE-marked with probability p_L = max(step, p_CL), and the classic one is dropped (or,
 * ECT(0) with ecn on, marked) with p_C = p'^2, drawn as p' > max(u1, u2) (A.1's dequeue). The PI
 * update (every tupdate, replayed on the caller's clock as PIE does here) drives p' from the
 * classic queue's head sojourn towards the 15 ms target.
 * Not modelled: overload handling (Appendix A.2: L4S drop once p_C passes p_Cmax), and the
 * ramp alternative to the step.
 */

#define DPI2_MAX_CATCHUP 4096

struct dualpi2 {
	struct tl_pktq lq, cq;
	struct tl_dualpi2_vars v;
	struct tl_rng rng;
	uint64_t l_qdelay_ns, c_qdelay_ns;
	uint64_t l_marks, l_step_marks, c_drops, c_marks;
	uint64_t l_out, c_out; /* packets sent from each queue */
	uint64_t l_sojourn_ns, c_sojourn_ns; /* their sojourns, summed */
};

bool tl_dualpi2_is_l4s(const struct tl_pkt *p)
{
	return p->ecn == 1 || p->ecn == 3;
}

void tl_dualpi2_update(struct tl_dualpi2_vars *v, const struct tl_dualpi2_params *par,
		       uint64_t qdelay_ns)
{
	double cur = (double)qdelay_ns / 1e9, prev = (double)v->prev_qdelay_ns / 1e9;
	double target = (double)par->target_ns / 1e9;
	/* [RFC9332] Appendix A.1, Figure 6 line 3, once per Tupdate. alpha and beta are the
	 * per-update gains of Figure 2 lines 13-14: alpha = 0.1 x Tupdate / RTT_max^2 already
	 * holds Tupdate (0.16 for 16 ms and RTT_max 100 ms), beta = 0.3 / RTT_max; Linux's
	 * sch_dualpi2 calculate_probability() applies them per update the same way. Scaling
	 * them by Tupdate once more made the integral 62.5 times too slow: tens of seconds to
	 * settle from Cubic's slow-start overshoot. */
	v->p += par->alpha * (cur - target) + par->beta * (cur - prev);
	if (v->p < 0)
		v->p = 0;
	if (v->p > 1)
		v->p = 1;
	v->prev_qdelay_ns = qdelay_ns;
}

double tl_dualpi2_p_classic(double p_base)
{
	return p_base * p_base;
}

double tl_dualpi2_p_coupled(double p_base, double k)
{
	double p = k * p_base;
	return p > 1 ? 1 : p;
}

double tl_dualpi2_p_l4s(const struct tl_dualpi2_params *par, double p_base, uint64_t sojourn_ns)
{
	if (sojourn_ns >= par->step_ns)
		return 1;
	return tl_dualpi2_p_coupled(p_base, par->k);
}

static void dpi2_advance(struct tl_qdisc *q, struct dualpi2 *s, uint64_t now_ns)
{
	const struct tl_dualpi2_params *par = &q->spec.dualpi2;
	struct tl_dualpi2_vars *v = &s->v;
	if (!v->started) {
		v->started = true;
		v->next_update_ns = now_ns + par->tupdate_ns;
		return;
	}
	for (int i = 0; now_ns >= v->next_update_ns; i++) {
		if (i == DPI2_MAX_CATCHUP) {
			uint64_t behind = (now_ns - v->next_update_ns) / par->tupdate_ns + 1;
			v->next_update_ns += behind * par->tupdate_ns;
			break;
		}
		uint64_t t = v->next_update_ns;
		const struct tl_pkt *head = s->cq.head;
		tl_dualpi2_update(v, par, head && t > head->enqueue_ns ? t - head->enqueue_ns : 0);
		v->next_update_ns += par->tupdate_ns;
	}
}

static struct tl_pkt *pop(struct tl_qdisc *q, struct tl_pktq *f)
{
	struct tl_pkt *p = tl_pktq_pop(f);
	if (p) {
		q->backlog_pkts--;
		q->backlog_bytes -= p->len;
	}
	return p;
}

static void trim(struct tl_qdisc *q, struct dualpi2 *s, uint64_t now_ns)
{
	while ((q->spec.limit_bytes && q->backlog_bytes > q->spec.limit_bytes) ||
	       (q->spec.limit_pkts && q->backlog_pkts > q->spec.limit_pkts))
		tl_qdisc_drop(q, pop(q, s->cq.head ? &s->cq : &s->lq), TL_DROP_QUEUE_FULL, now_ns);
}

static int dpi2_init(struct tl_qdisc *q, struct tl_err *err)
{
	(void)err;
	struct dualpi2 *s = q->priv;
	tl_rng_seed(&s->rng, q->spec.seed, 0x647069 /* "dpi" */);
	return 0;
}

static int dpi2_change(struct tl_qdisc *q, const struct tl_qspec *old, uint64_t now_ns,
		       struct tl_err *err)
{
	(void)old;
	(void)err;
	trim(q, q->priv, now_ns);
	return 0;
}

static enum tl_drop_cause dpi2_enqueue(struct tl_qdisc *q, struct tl_pkt *p, uint64_t now_ns)
{
	struct dualpi2 *s = q->priv;
	dpi2_advance(q, s, now_ns);
	if (!tl_qdisc_fits(q, p)) {
		tl_qdisc_drop(q, p, TL_DROP_QUEUE_FULL, now_ns);
		return TL_DROP_QUEUE_FULL;
	}
	tl_pktq_push(tl_dualpi2_is_l4s(p) ? &s->lq : &s->cq, p);
	q->backlog_pkts++;
	q->backlog_bytes += p->len;
	return TL_DROP_NONE;
}

/* The L4S head goes first unless the classic head arrived more than tshift before it. */
static bool l4s_first(const struct dualpi2 *s, uint64_t tshift_ns)
{
	if (!s->lq.head)
		return false;
	if (!s->cq.head)
		return true;
	return s->lq.head->enqueue_ns <= s->cq.head->enqueue_ns + tshift_ns;
}

static struct tl_pkt *dpi2_dequeue(struct tl_qdisc *q, uint64_t now_ns)
{
	struct dualpi2 *s = q->priv;
	const struct tl_dualpi2_params *par = &q->spec.dualpi2;
	dpi2_advance(q, s, now_ns);
	for (;;) {
		if (l4s_first(s, par->tshift_ns)) {
			struct tl_pkt *p = pop(q, &s->lq);
			uint64_t soj = now_ns > p->enqueue_ns ? now_ns - p->enqueue_ns : 0;
			s->l_qdelay_ns = soj;
			double pl = tl_dualpi2_p_l4s(par, s->v.p, soj);
			if (soj < par->step_ns && q->backlog_bytes + p->len < 2ull * q->spec.mtu)
				pl = 0; /* the coupled mark spares a short queue too */
			if (pl >= 1 || (pl > 0 && tl_rng_double(&s->rng) < pl)) {
				/* L4S traffic is ECN-capable by its codepoint: always a mark. */
				p->ce_marked = true;
				q->stats.marks++;
				s->l_marks++;
				s->l_step_marks += soj >= par->step_ns;
			}
			s->l_out++;
			s->l_sojourn_ns += soj;
			return p;
		}
		struct tl_pkt *p = pop(q, &s->cq);
		if (!p)
			return NULL;
		s->c_qdelay_ns = now_ns > p->enqueue_ns ? now_ns - p->enqueue_ns : 0;
		/* p_C = p'^2 as "p' > max of two uniform draws" (A.1's dequeue); never with less
		 * than 2 MTUs left queued, as Linux's sch_dualpi2.c must_drop(). */
		double u1 = tl_rng_double(&s->rng), u2 = tl_rng_double(&s->rng);
		if (q->backlog_bytes + p->len >= 2ull * q->spec.mtu && s->v.p > (u1 > u2 ? u1 : u2)) {
			if (tl_qdisc_mark(q, p)) {
				s->c_marks++;
				s->c_out++;
				s->c_sojourn_ns += s->c_qdelay_ns;
				return p;
			}
			s->c_drops++;
			tl_qdisc_drop(q, p, TL_DROP_AQM, now_ns);
			continue;
		}
		s->c_out++;
		s->c_sojourn_ns += s->c_qdelay_ns;
		return p;
	}
}

static void dpi2_reset(struct tl_qdisc *q, uint64_t now_ns)
{
	struct dualpi2 *s = q->priv;
	struct tl_pkt *p;
	while ((p = pop(q, &s->lq)) || (p = pop(q, &s->cq)))
		tl_qdisc_drop(q, p, TL_DROP_FLUSH, now_ns);
	s->v = (struct tl_dualpi2_vars){ 0 };
}

static void dpi2_info(const struct tl_qdisc *q, struct tl_qdisc_info *out)
{
	const struct dualpi2 *s = q->priv;
	out->p_base = s->v.p;
	out->p_c = tl_dualpi2_p_classic(s->v.p);
	out->p_cl = tl_dualpi2_p_coupled(s->v.p, q->spec.dualpi2.k);
	out->l_pkts = s->lq.pkts;
	out->c_pkts = s->cq.pkts;
	out->l_bytes = s->lq.bytes;
	out->c_bytes = s->cq.bytes;
	out->l_qdelay_ns = s->l_qdelay_ns;
	out->c_qdelay_ns = s->c_qdelay_ns;
	out->l_marks = s->l_marks;
	out->l_step_marks = s->l_step_marks;
	out->c_drops = s->c_drops;
	out->c_marks = s->c_marks;
	out->l_out = s->l_out;
	out->c_out = s->c_out;
	out->l_sojourn_ns = s->l_sojourn_ns;
	out->c_sojourn_ns = s->c_sojourn_ns;
}

static void dpi2_destroy(struct tl_qdisc *q)
{
	(void)q;
}

const struct tl_qdisc_ops tl_dualpi2_ops = {
	.kind = TL_QDISC_DUALPI2,
	.priv_size = sizeof(struct dualpi2),
	.init = dpi2_init,
	.change = dpi2_change,
	.enqueue = dpi2_enqueue,
	.dequeue = dpi2_dequeue,
	.reset = dpi2_reset,
	.info = dpi2_info,
	.destroy = dpi2_destroy,
};
