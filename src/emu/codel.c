#include "emu/codel.h"

#include <math.h>

#include "emu/qfifo.h"

/*
 * CoDel, RFC 8289. The controller follows the pseudocode of section 5.5, including the Linux
 * count re-entry rule it quotes; the dropped packet is always the one whose sojourn made
 * ok_to_drop true, i.e. the head (Mahimahi #165 returned that packet and dropped the next).
 * Times are ns on the caller's clock, so drop spacing is exact rather than rounded to 1 ms.
 */

uint64_t tl_codel_control_law(uint64_t t_ns, uint64_t interval_ns, uint32_t count)
{
	/* Floating point, not Linux's Newton-iterated reciprocal sqrt: exact spacing, and this
	 * runs once per drop, not per packet. */
	return t_ns + (uint64_t)llround((double)interval_ns / sqrt((double)count));
}

/* RFC 8289 dodequeue(): pops one packet and says whether it may be dropped. */
static struct tl_pkt *dodequeue(struct tl_qdisc *q, struct tl_codel_vars *v,
				const struct tl_codel_params *par, void *queue,
				tl_codel_pop_fn pop, uint64_t now_ns, bool *ok_to_drop)
{
	*ok_to_drop = false;
	struct tl_pkt *p = pop(q, queue);
	if (!p) {
		v->first_above_ns = 0;
		return NULL;
	}
	uint64_t sojourn = now_ns > p->enqueue_ns ? now_ns - p->enqueue_ns : 0;
	/* Below target, or at most one MTU left: link utilisation comes first (section 4.1). */
	if (sojourn < par->target_ns || q->backlog_bytes <= q->spec.mtu) {
		v->first_above_ns = 0;
	} else if (v->first_above_ns == 0) {
		v->first_above_ns = now_ns + par->interval_ns;
	} else if (now_ns >= v->first_above_ns) {
		*ok_to_drop = true;
	}
	return p;
}

struct tl_pkt *tl_codel_dequeue(struct tl_qdisc *q, struct tl_codel_vars *v,
				const struct tl_codel_params *par, void *queue, tl_codel_pop_fn pop,
				uint64_t now_ns)
{
	bool ok;
	struct tl_pkt *p = dodequeue(q, v, par, queue, pop, now_ns, &ok);

	if (v->dropping) {
		if (!ok)
			v->dropping = false;
		while (v->dropping && now_ns >= v->drop_next_ns) {
			v->count++;
			if (tl_qdisc_mark(q, p)) {
				/* Marked, not dropped: it is sent, the schedule moves on (as Linux). */
				v->drop_next_ns = tl_codel_control_law(v->drop_next_ns,
								       par->interval_ns, v->count);
				return p;
			}
			tl_qdisc_drop(q, p, TL_DROP_AQM, now_ns);
			p = dodequeue(q, v, par, queue, pop, now_ns, &ok);
			if (!ok)
				v->dropping = false;
			else
				v->drop_next_ns = tl_codel_control_law(v->drop_next_ns,
								       par->interval_ns, v->count);
		}
	} else if (ok) {
		if (!tl_qdisc_mark(q, p)) {
			tl_qdisc_drop(q, p, TL_DROP_AQM, now_ns);
			p = dodequeue(q, v, par, queue, pop, now_ns, &ok);
		}
		v->dropping = true;
		/* Re-entering soon after the last dropping state: resume near its rate. The
		 * time test is signed, as Linux's codel_time_before(): drop_next may be ahead. */
		uint32_t delta = v->count - v->lastcount;
		v->count = 1;
		if (delta > 1 &&
		    (int64_t)(now_ns - v->drop_next_ns) < (int64_t)(16 * par->interval_ns))
			v->count = delta;
		v->drop_next_ns = tl_codel_control_law(now_ns, par->interval_ns, v->count);
		v->lastcount = v->count;
	}
	return p;
}

/* The codel discipline: one FIFO under one controller. */

struct codel {
	struct tl_pktq fifo;
	struct tl_codel_vars vars;
};

static struct tl_pkt *codel_pop(struct tl_qdisc *q, void *queue)
{
	return tl_qfifo_pop(q, queue);
}

static int codel_init(struct tl_qdisc *q, struct tl_err *err)
{
	(void)q;
	(void)err;
	return 0;
}

static int codel_change(struct tl_qdisc *q, const struct tl_qspec *old, uint64_t now_ns,
			struct tl_err *err)
{
	(void)old;
	(void)err;
	struct codel *c = q->priv;
	tl_qfifo_trim(q, &c->fifo, now_ns);
	return 0;
}

static enum tl_drop_cause codel_enqueue(struct tl_qdisc *q, struct tl_pkt *p, uint64_t now_ns)
{
	struct codel *c = q->priv;
	if (!tl_qdisc_fits(q, p)) {
		tl_qdisc_drop(q, p, TL_DROP_QUEUE_FULL, now_ns);
		return TL_DROP_QUEUE_FULL;
	}
	tl_qfifo_push(q, &c->fifo, p);
	return TL_DROP_NONE;
}

static struct tl_pkt *codel_dequeue(struct tl_qdisc *q, uint64_t now_ns)
{
	struct codel *c = q->priv;
	return tl_codel_dequeue(q, &c->vars, &q->spec.codel, &c->fifo, codel_pop, now_ns);
}

static void codel_reset(struct tl_qdisc *q, uint64_t now_ns)
{
	struct codel *c = q->priv;
	tl_qfifo_flush(q, &c->fifo, now_ns);
	c->vars = (struct tl_codel_vars){ 0 };
}

static void codel_info(const struct tl_qdisc *q, struct tl_qdisc_info *out)
{
	const struct codel *c = q->priv;
	out->count = c->vars.count;
	out->dropping = c->vars.dropping;
	out->drop_next_ns = c->vars.drop_next_ns;
}

static void codel_destroy(struct tl_qdisc *q)
{
	(void)q;
}

const struct tl_qdisc_ops tl_codel_ops = {
	.kind = TL_QDISC_CODEL,
	.priv_size = sizeof(struct codel),
	.init = codel_init,
	.change = codel_change,
	.enqueue = codel_enqueue,
	.dequeue = codel_dequeue,
	.reset = codel_reset,
	.info = codel_info,
	.destroy = codel_destroy,
};
