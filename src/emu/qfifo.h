#ifndef TCPLAB_EMU_QFIFO_H
#define TCPLAB_EMU_QFIFO_H

#include "emu/pktq.h"
#include "emu/qdisc.h"

/*
 * The single FIFO that taildrop, RED, CoDel and PIE keep, with the qdisc's backlog kept in
 * step. Internal to emu's disciplines.
 */

static inline void tl_qfifo_push(struct tl_qdisc *q, struct tl_pktq *f, struct tl_pkt *p)
{
	tl_pktq_push(f, p);
	q->backlog_pkts++;
	q->backlog_bytes += p->len;
}

static inline struct tl_pkt *tl_qfifo_pop(struct tl_qdisc *q, struct tl_pktq *f)
{
	struct tl_pkt *p = tl_pktq_pop(f);
	if (p) {
		q->backlog_pkts--;
		q->backlog_bytes -= p->len;
	}
	return p;
}

/* Hands every packet to the drop callback as flushed. */
static inline void tl_qfifo_flush(struct tl_qdisc *q, struct tl_pktq *f, uint64_t now_ns)
{
	struct tl_pkt *p;
	while ((p = tl_qfifo_pop(q, f)))
		tl_qdisc_drop(q, p, TL_DROP_FLUSH, now_ns);
}

/* After a limit was lowered: drops from the head until the backlog fits (as Linux does). */
static inline void tl_qfifo_trim(struct tl_qdisc *q, struct tl_pktq *f, uint64_t now_ns)
{
	while ((q->spec.limit_bytes && q->backlog_bytes > q->spec.limit_bytes) ||
	       (q->spec.limit_pkts && q->backlog_pkts > q->spec.limit_pkts))
		tl_qdisc_drop(q, tl_qfifo_pop(q, f), TL_DROP_QUEUE_FULL, now_ns);
}

#endif
