#ifndef TCPLAB_WORKLOAD_SCHEDULE_H
#define TCPLAB_WORKLOAD_SCHEDULE_H

/* The arithmetic behind open-loop sending and the TIME_WAIT ceiling, kept pure for tests. */

#include <stdint.h>

/*
 * Open loop at `rate` per second over `flows` flows: flow `index` sends every *interval_ns,
 * first at *phase_ns after the start, so the flows interleave evenly instead of firing
 * together. The interval is at least 1 ns.
 */
void tl_schedule_flow(uint64_t rate, uint32_t flows, uint32_t index, uint64_t *interval_ns,
		      uint64_t *phase_ns);

/*
 * How long a closed connection's local port stays unusable for a new connection to the same
 * destination: TIME_WAIT is 60 s on Linux, but tcp_tw_reuse lets a client reuse the port
 * after about 1 s when it is 1, or for loopback destinations when it is 2 (the default).
 */
double tl_port_hold_seconds(int tcp_tw_reuse, int loopback_destination);

/* New connections per second to one destination that the ports allow: ports x sources / hold. */
uint64_t tl_connection_ceiling(uint32_t ports, uint32_t sources, double hold_seconds);

#endif
