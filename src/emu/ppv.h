#ifndef TCPLAB_EMU_PPV_H
#define TCPLAB_EMU_PPV_H

#include <stdint.h>

#include "emu/pktq.h"
#include "emu/ppv_marker.h"

/*
 * PPV's core bottleneck, in the two forms of the issue (internal to emu; exposed for unit
 * tests):
 *   PPOV    when the buffer is full, drop the lowest-value packet present, the arriving one
 *           included, from anywhere in the queue [PPV16];
 *   PV-PIE  a PIE controller (RFC 8033) gives a drop probability p; the congestion threshold
 *           value (CTV) is the p-quantile of the values of the recent arrivals, and an
 *           arrival whose value is below it is dropped ("Take your own share of the PIE",
 *           Laki et al., ANRW 2017 [PVPIE17]); a full buffer drops as PPOV does.
 */

/*
 * The CTV: with the n values v sorted, the one at index floor(p n) (clamped to n - 1), so
 * that floor(p n) of the n values lie below it when they are distinct. scratch holds n
 * values; v is left unchanged. 0 when n is 0.
 */
uint32_t tl_ppv_ctv(const uint32_t *v, uint32_t n, double p, uint32_t *scratch);

#endif
