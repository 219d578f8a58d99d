#ifndef TCPLAB_EMU_CODEL_H
#define TCPLAB_EMU_CODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/qdisc.h"

/*
 * The CoDel controller (RFC 8289 section 5), shared by the codel discipline and by each
 * flow queue of fq_codel. Internal to emu.
 */
struct tl_codel_vars {
	uint64_t first_above_ns; /* 0: sojourn is below target (or not yet measured) */
	uint64_t drop_next_ns;
	uint32_t count;
	uint32_t lastcount;
	bool dropping;
};

/* Pops the head of `queue` and takes it out of q's backlog; NULL when empty. */
typedef struct tl_pkt *(*tl_codel_pop_fn)(struct tl_qdisc *q, void *queue);

/*
 * RFC 8289 dequeue(): pops packets from queue through pop, drops (or ECN-marks) at the head
 * as the control law says, and returns the packet to send or NULL. The "fewer than one MTU
 * queued" rule reads q->backlog_bytes after the pop against q->spec.mtu.
 */
struct tl_pkt *tl_codel_dequeue(struct tl_qdisc *q, struct tl_codel_vars *v,
				const struct tl_codel_params *par, void *queue, tl_codel_pop_fn pop,
				uint64_t now_ns);

/* t + interval / sqrt(count): the control law (RFC 8289 section 5.6). */
uint64_t tl_codel_control_law(uint64_t t_ns, uint64_t interval_ns, uint32_t count);

#endif
