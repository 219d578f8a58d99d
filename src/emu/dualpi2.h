#ifndef TCPLAB_EMU_DUALPI2_H
#define TCPLAB_EMU_DUALPI2_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/pkt.h"
#include "emu/qspec.h"

/*
 * DualPI2, the example DualQ Coupled AQM of RFC 9332 (De Schepper, Briscoe, White, 2023)
 * [RFC9332]. Internal to emu; exposed for unit tests.
 */
struct tl_dualpi2_vars {
	double p;               /* p', the PI controller's base probability */
	uint64_t prev_qdelay_ns;
	uint64_t next_update_ns;
	bool started;
};

/* Section 2.5.1.1 and 4.1: ECT(1) and CE go to the L4S queue, Not-ECT and ECT(0) to classic. */
bool tl_dualpi2_is_l4s(const struct tl_pkt *p);

/*
 * One PI update (Appendix A.1, Figure 6) given the classic queue's delay now (its head's
 * sojourn, curq):
 *   p' += alpha (qdelay - target) + beta (qdelay - prev_qdelay)   (seconds)
 * with alpha and beta the per-update gains of Figure 2 (alpha = 0.1 x Tupdate / RTT_max^2,
 * beta = 0.3 / RTT_max), clamped to [0, 1].
 */
void tl_dualpi2_update(struct tl_dualpi2_vars *v, const struct tl_dualpi2_params *par,
		       uint64_t qdelay_ns);

/* The coupling (section 2.4): p_C = p'^2 for the classic queue, p_CL = min(k p', 1) for
 * L4S, so that p_CL = k sqrt(p_C) until it saturates. */
double tl_dualpi2_p_classic(double p_base);
double tl_dualpi2_p_coupled(double p_base, double k);

/* The L4S queue's marking probability for a packet of this sojourn: 1 from the step
 * threshold on (the native L4S AQM, Appendix A.1's step), else the coupled p_CL. */
double tl_dualpi2_p_l4s(const struct tl_dualpi2_params *par, double p_base, uint64_t sojourn_ns);

#endif
