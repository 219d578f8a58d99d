#include "workload/schedule.h"

void tl_schedule_flow(uint64_t rate, uint32_t flows, uint32_t index, uint64_t *interval_ns,
		      uint64_t *phase_ns)
{
	uint64_t interval = rate ? (uint64_t)flows * 1000000000ULL / rate : 0;
	if (rate && interval == 0)
		interval = 1;
	*interval_ns = interval;
	*phase_ns = flows ? interval * index / flows : 0;
}

double tl_port_hold_seconds(int tcp_tw_reuse, int loopback_destination)
{
	/* TCP_TIMEWAIT_LEN is 60 s and not tunable; tcp_tw_reuse_delay is 1000 ms by default
	 * (Linux 6.14+; earlier kernels reuse after 1 s of timestamps) [K6][K8]. */
	if (tcp_tw_reuse == 1 || (tcp_tw_reuse == 2 && loopback_destination))
		return 1.0;
	return 60.0;
}

uint64_t tl_connection_ceiling(uint32_t ports, uint32_t sources, double hold_seconds)
{
	if (hold_seconds <= 0)
		return 0;
	return (uint64_t)((double)ports * (sources ? sources : 1) / hold_seconds);
}
