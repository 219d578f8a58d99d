#include "sys/bdp.h"

#include <math.h>

uint64_t tl_bdp_bytes(uint64_t rate_bps, uint64_t rtt_ns)
{
	return (uint64_t)ceil((double)rate_bps * (double)rtt_ns / 8e9);
}

uint64_t tl_bdp_rcvbuf_needed(uint64_t bdp_bytes, uint32_t flows)
{
	if (flows == 0)
		flows = 1;
	uint64_t per_flow = (bdp_bytes + flows - 1) / flows;
	return per_flow * TL_BDP_RCVBUF_FACTOR;
}

uint64_t tl_bdp_window_of_rcvbuf(uint64_t rcvbuf, bool measured_ratio, int adv_win_scale)
{
	if (measured_ratio)
		return rcvbuf * TL_BDP_SCALING_RATIO / 256;
	if (adv_win_scale <= 0)
		return adv_win_scale <= -63 ? 0 : rcvbuf >> -adv_win_scale;
	return adv_win_scale >= 63 ? rcvbuf : rcvbuf - (rcvbuf >> adv_win_scale);
}

uint64_t tl_bdp_autotuned_rcvbuf(uint64_t rmem_default, uint64_t rmem_max)
{
	return rmem_default > rmem_max ? rmem_default : rmem_max;
}

double tl_bdp_window_ceiling_bps(uint64_t window_bytes, uint64_t rtt_ns)
{
	if (rtt_ns == 0)
		return INFINITY;
	return (double)window_bytes * 8.0 * 1e9 / (double)rtt_ns;
}

uint64_t tl_bdp_pow2ceil(uint64_t v)
{
	uint64_t p = 1;
	while (p < v && p < (1ULL << 63))
		p <<= 1;
	return p;
}
