#include "emu/qdisc.h"
#include "emu/qfifo.h"

/*
 * Tail-drop FIFO with an exact capacity: a packet is accepted iff backlog + len <= the byte
 * limit (and backlog packets + 1 <= the packet limit), so a buffer of 64K holds exactly
 * 65536 counted bytes and never one more.
 */

struct taildrop {
	struct tl_pktq fifo;
};

static int taildrop_init(struct tl_qdisc *q, struct tl_err *err)
{
	(void)q;
	(void)err;
	return 0;
}

static int taildrop_change(struct tl_qdisc *q, const struct tl_qspec *old, uint64_t now_ns,
			   struct tl_err *err)
{
	(void)old;
	(void)err;
	struct taildrop *t = q->priv;
	tl_qfifo_trim(q, &t->fifo, now_ns);
	return 0;
}

static enum tl_drop_cause taildrop_enqueue(struct tl_qdisc *q, struct tl_pkt *p, uint64_t now_ns)
{
	struct taildrop *t = q->priv;
	if (!tl_qdisc_fits(q, p)) {
		tl_qdisc_drop(q, p, TL_DROP_QUEUE_FULL, now_ns);
		return TL_DROP_QUEUE_FULL;
	}
	tl_qfifo_push(q, &t->fifo, p);
	return TL_DROP_NONE;
}

static struct tl_pkt *taildrop_dequeue(struct tl_qdisc *q, uint64_t now_ns)
{
	(void)now_ns;
	struct taildrop *t = q->priv;
	return tl_qfifo_pop(q, &t->fifo);
}

static void taildrop_reset(struct tl_qdisc *q, uint64_t now_ns)
{
	struct taildrop *t = q->priv;
	tl_qfifo_flush(q, &t->fifo, now_ns);
}

static void taildrop_destroy(struct tl_qdisc *q)
{
	(void)q;
}

const struct tl_qdisc_ops tl_taildrop_ops = {
	.kind = TL_QDISC_TAILDROP,
	.priv_size = sizeof(struct taildrop),
	.init = taildrop_init,
	.change = taildrop_change,
	.enqueue = taildrop_enqueue,
	.dequeue = taildrop_dequeue,
	.reset = taildrop_reset,
	.info = NULL,
	.destroy = taildrop_destroy,
};
