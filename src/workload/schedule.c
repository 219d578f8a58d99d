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

void tl_schedule_ceiling(const struct tl_addr *dest, uint32_t sources, struct tl_port_facts *facts,
			 struct tl_port_ceiling *out)
{
	if (tl_port_facts_read(facts, NULL) < 0)
		/* The kernel's defaults [K1][K12]; a crr run needs no exact figure to start. */
		*facts = (struct tl_port_facts){ .port_lo = 32768, .port_hi = 60999, .tw_reuse = -1,
						 .timestamps = -1, .reuse_delay_ms = -1 };
	tl_port_ceiling(facts, tl_addr_is_loopback(dest), sources, out);
}
