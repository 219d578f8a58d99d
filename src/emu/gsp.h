#ifndef TCPLAB_EMU_GSP_H
#define TCPLAB_EMU_GSP_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/qspec.h"

/*
 * GSP's state (Lautenschlaeger and Francini, HPSR 2015 [GSP15]; draft-lauten-aqm-gsp-03
 * [GSPDRAFT]). Internal to emu; exposed for unit tests.
 */
enum tl_gsp_overflow {
	TL_GSP_CLEAR,    /* normal accounting */
	TL_GSP_OVERFLOW, /* the buffer overflowed: time below the threshold is not counted... */
	TL_GSP_DRAINED,  /* ...until the queue has emptied and then gone above it again */
};

struct tl_gsp_vars {
	uint64_t preset_ns;  /* presetInt, resolved */
	uint64_t tau_ns;     /* resolved */
	uint64_t max_ns;     /* maxTime, resolved */
	uint64_t interval_ns;
	double cumul_ns;     /* cumulTime */
	uint64_t last_ns;    /* the previous arrival */
	bool last_above;     /* the queue was above the threshold at the previous arrival */
	bool started;
	enum tl_gsp_overflow ovf;
	uint64_t expiry_ns;  /* no drop before this */
	uint64_t drops, last_drop_ns, min_gap_ns;
};

/*
 * Adaptive GSP, at an arrival at now_ns ([GSP15] section IV.B):
 *   cumulTime += alpha x time_above - time_below;  cumulTime in [0, maxTime]
 *   interval = presetInt / (1 + cumulTime / tau)
 * where the time since the previous arrival counts as above or below by the queue's state
 * then; time below is not subtracted while ovf is not TL_GSP_CLEAR. above is the state now,
 * kept for the next call.
 */
void tl_gsp_adapt(struct tl_gsp_vars *v, double alpha, uint64_t now_ns, bool above);

/* Resolves the defaults: presetInt 100 ms if not given, tau 5 x presetInt, maxTime 4 x tau. */
void tl_gsp_resolve(struct tl_gsp_vars *v, const struct tl_gsp_params *par);

#endif
