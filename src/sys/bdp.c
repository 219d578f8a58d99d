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

double tl_bdp_rcvbuf_ceiling_bps(uint64_t rcvbuf_bytes, uint64_t rtt_ns)
{
	return tl_bdp_window_ceiling_bps(rcvbuf_bytes / TL_BDP_RCVBUF_FACTOR, rtt_ns);
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

double tl_tw_ceiling_per_sec(uint32_t ports, double hold_seconds)
{
	if (hold_seconds <= 0)
		return INFINITY;
	return (double)ports / hold_seconds;
}
