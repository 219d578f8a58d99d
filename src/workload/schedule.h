#ifndef TCPLAB_WORKLOAD_SCHEDULE_H
#define TCPLAB_WORKLOAD_SCHEDULE_H

/* The arithmetic behind open-loop sending, and crr's port ceiling (sys/port_ceiling.h). */

#include <stdint.h>

#include "net/addr.h"
#include "sys/port_ceiling.h"

/*
 * Open loop at `rate` per second over `flows` flows: flow `index` sends every *interval_ns,
 * first at *phase_ns after the start, so the flows interleave evenly instead of firing
 * together. The interval is at least 1 ns.
 */
void tl_schedule_flow(uint64_t rate, uint32_t flows, uint32_t index, uint64_t *interval_ns,
		      uint64_t *phase_ns);

/*
 * The ceiling crr's connectors meet towards dest over `sources` source addresses: this
 * namespace's facts (the kernel's defaults where a sysctl cannot be read: 32768-60999,
 * tcp_tw_reuse 2, timestamps on) through tl_port_ceiling().
 */
void tl_schedule_ceiling(const struct tl_addr *dest, uint32_t sources, struct tl_port_facts *facts,
			 struct tl_port_ceiling *out);

#endif
