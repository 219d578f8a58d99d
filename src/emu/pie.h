#ifndef TCPLAB_EMU_PIE_H
#define TCPLAB_EMU_PIE_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/pktq.h"
#include "emu/qspec.h"

/* PIE's controller state (RFC 8033 section 4). Internal to emu; exposed for unit tests. */
struct tl_pie_vars {
	double drop_prob;
	double accu_prob;       /* section 5.4 de-randomisation */
	uint64_t qdelay_old_ns; /* the estimate at the last update */
	uint64_t burst_ns;      /* burst allowance left */
	uint64_t next_update_ns;
	bool started;
};

/*
 * One T_UPDATE step given the current queue delay estimate (RFC 8033 sections 4.2-4.4 and
 * 5.5): the PI update with the gain tiers, the 2% cap, the decay when the queue is idle, the
 * clamp to [0, 1] and the burst allowance. Signed arithmetic throughout: a delay below the
 * target lowers drop_prob rather than wrapping around.
 */
void tl_pie_update(struct tl_pie_vars *v, const struct tl_pie_params *par, uint64_t cur_ns);

/* The gain tier of section 4.2: the divisor applied to p for the current drop_prob. */
double tl_pie_tier(double drop_prob);

/*
 * The periodic update on the caller's clock: replays every T_UPDATE step due by now_ns,
 * each seeing the head of fifo as it was then (nothing changed the queue in between), so the
 * result is what a timer firing every T_UPDATE would give. The first call only arms the timer
 * and the burst allowance. *qdelay_ns gets the latest estimate (the head's sojourn, 0 when
 * empty). Returns whether a step ran. The pie discipline and PV-PIE (emu/ppv.c) share it.
 */
bool tl_pie_advance(struct tl_pie_vars *v, const struct tl_pie_params *par,
		    const struct tl_pktq *fifo, uint64_t now_ns, uint64_t *qdelay_ns);

/*
 * drop_early()'s safeguards (RFC 8033 sections 4.1 and 4.4): no early drop while the burst
 * allowance lasts, while the delay is under half the target with drop_prob under 0.2, or
 * with 2 MTUs or less queued.
 */
bool tl_pie_may_drop(const struct tl_pie_vars *v, const struct tl_pie_params *par,
		     uint64_t backlog_bytes, uint32_t mtu);

#endif
