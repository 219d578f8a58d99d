#include <errno.h>
#include <stdlib.h>

#include "emu/codel.h"
#include "emu/pktq.h"
#include "emu/qdisc.h"

/*
 * FQ-CoDel, RFC 8290: packets are hashed into `flows` queues (pkt->flow_hash, the perturbed
 * 5-tuple hash of tl_pkt_classify(), section 4.1.1); a deficit round robin with quantum
 * bytes serves the new-flows list before the old-flows list (section 4.2), each queue under
 * its own CoDel. When the total backlog passes the packet limit or the memory (byte) limit,
 * packets are dropped from the head of the queue with the largest byte backlog, in one batch
 * of up to drop_batch packets or half that queue's bytes (section 4.1, as Linux does).
 * As in Linux, CoDel's "at most one MTU queued" test reads the whole qdisc's backlog.
 */

enum fq_list { FQ_NONE, FQ_NEW, FQ_OLD };

struct fq_flow {
	struct tl_pktq q;
	struct fq_flow *lnext;
	int64_t deficit;
	enum fq_list list;
	struct tl_codel_vars cv;
};

struct fq_list_head {
	struct fq_flow *head, *tail;
	uint32_t n;
};

struct fq_codel {
	struct fq_flow *flows;
	uint32_t nflows;
	struct fq_list_head new_flows, old_flows;
};

static void list_append(struct fq_list_head *l, struct fq_flow *f, enum fq_list which)
{
	f->lnext = NULL;
	if (l->tail)
		l->tail->lnext = f;
	else
		l->head = f;
	l->tail = f;
	l->n++;
	f->list = which;
}

static struct fq_flow *list_pop(struct fq_list_head *l)
{
	struct fq_flow *f = l->head;
	l->head = f->lnext;
	if (!l->head)
		l->tail = NULL;
	l->n--;
	f->lnext = NULL;
	f->list = FQ_NONE;
	return f;
}

static struct tl_pkt *flow_pop(struct tl_qdisc *q, void *queue)
{
	struct fq_flow *f = queue;
	struct tl_pkt *p = tl_pktq_pop(&f->q);
	if (p) {
		q->backlog_pkts--;
		q->backlog_bytes -= p->len;
	}
	return p;
}

static bool over_limit(const struct tl_qdisc *q)
{
	return (q->spec.limit_pkts && q->backlog_pkts > q->spec.limit_pkts) ||
	       (q->spec.limit_bytes && q->backlog_bytes > q->spec.limit_bytes);
}

/* One overflow round: a batch from the head of the fattest queue. Returns whether `arriving`
 * was among the victims. */
static bool drop_from_fattest(struct tl_qdisc *q, struct fq_codel *fq, const struct tl_pkt *arriving,
			      uint64_t now_ns)
{
	struct fq_flow *fat = &fq->flows[0];
	for (uint32_t i = 1; i < fq->nflows; i++)
		if (fq->flows[i].q.bytes > fat->q.bytes)
			fat = &fq->flows[i];
	uint64_t threshold = fat->q.bytes / 2, dropped = 0;
	bool hit = false;
	uint32_t n = 0;
	do {
		struct tl_pkt *p = flow_pop(q, fat);
		if (!p)
			break;
		hit |= p == arriving;
		dropped += p->len;
		tl_qdisc_drop(q, p, TL_DROP_QUEUE_FULL, now_ns);
	} while (++n < q->spec.fq_codel.drop_batch && dropped < threshold);
	return hit;
}

static int fq_init(struct tl_qdisc *q, struct tl_err *err)
{
	struct fq_codel *fq = q->priv;
	fq->nflows = q->spec.fq_codel.flows;
	fq->flows = calloc(fq->nflows, sizeof(*fq->flows));
	if (!fq->flows)
		return tl_err_set(err, ENOMEM, "%u flow queues: out of memory", fq->nflows);
	return 0;
}

static int fq_change(struct tl_qdisc *q, const struct tl_qspec *old, uint64_t now_ns,
		     struct tl_err *err)
{
	struct fq_codel *fq = q->priv;
	if (q->spec.fq_codel.flows != old->fq_codel.flows)
		return tl_err_set(err, EINVAL,
				  "flows cannot change from %u to %u at run time (set up the "
				  "discipline again)", old->fq_codel.flows, q->spec.fq_codel.flows);
	while (over_limit(q))
		drop_from_fattest(q, fq, NULL, now_ns);
	return 0;
}

static enum tl_drop_cause fq_enqueue(struct tl_qdisc *q, struct tl_pkt *p, uint64_t now_ns)
{
	struct fq_codel *fq = q->priv;
	/* Multiply-shift maps the 32-bit hash onto the buckets without a division. */
	uint32_t idx = (uint32_t)(((uint64_t)p->flow_hash * fq->nflows) >> 32);
	struct fq_flow *f = &fq->flows[idx];
	tl_pktq_push(&f->q, p);
	q->backlog_pkts++;
	q->backlog_bytes += p->len;
	if (f->list == FQ_NONE) {
		list_append(&fq->new_flows, f, FQ_NEW);
		f->deficit = q->spec.fq_codel.quantum;
	}
	bool self_dropped = false;
	while (over_limit(q))
		self_dropped |= drop_from_fattest(q, fq, p, now_ns);
	return self_dropped ? TL_DROP_QUEUE_FULL : TL_DROP_NONE;
}

static struct tl_pkt *fq_dequeue(struct tl_qdisc *q, uint64_t now_ns)
{
	struct fq_codel *fq = q->priv;
	const struct tl_fq_codel_params *par = &q->spec.fq_codel;
	for (;;) {
		struct fq_list_head *l = fq->new_flows.head ? &fq->new_flows : &fq->old_flows;
		if (!l->head)
			return NULL;
		struct fq_flow *f = l->head;
		if (f->deficit <= 0) {
			f->deficit += par->quantum;
			list_append(&fq->old_flows, list_pop(l), FQ_OLD);
			continue;
		}
		struct tl_pkt *p = tl_codel_dequeue(q, &f->cv, &par->codel, f, flow_pop, now_ns);
		if (!p) {
			/* An emptied new flow goes to the old list first, so that it cannot
			 * come back as "new" at once and starve the others (section 4.2). */
			list_pop(l);
			if (l == &fq->new_flows)
				list_append(&fq->old_flows, f, FQ_OLD);
			continue;
		}
		f->deficit -= p->len;
		return p;
	}
}

static void fq_reset(struct tl_qdisc *q, uint64_t now_ns)
{
	struct fq_codel *fq = q->priv;
	for (uint32_t i = 0; i < fq->nflows; i++) {
		struct fq_flow *f = &fq->flows[i];
		struct tl_pkt *p;
		while ((p = flow_pop(q, f)))
			tl_qdisc_drop(q, p, TL_DROP_FLUSH, now_ns);
		*f = (struct fq_flow){ 0 };
	}
	fq->new_flows = (struct fq_list_head){ 0 };
	fq->old_flows = (struct fq_list_head){ 0 };
}

static void fq_info(const struct tl_qdisc *q, struct tl_qdisc_info *out)
{
	const struct fq_codel *fq = q->priv;
	out->new_flows = fq->new_flows.n;
	out->old_flows = fq->old_flows.n;
}

static void fq_destroy(struct tl_qdisc *q)
{
	struct fq_codel *fq = q->priv;
	free(fq->flows);
}

const struct tl_qdisc_ops tl_fq_codel_ops = {
	.kind = TL_QDISC_FQ_CODEL,
	.priv_size = sizeof(struct fq_codel),
	.init = fq_init,
	.change = fq_change,
	.enqueue = fq_enqueue,
	.dequeue = fq_dequeue,
	.reset = fq_reset,
	.info = fq_info,
	.destroy = fq_destroy,
};
