#ifndef TCPLAB_FARM_CEILING_H
#define TCPLAB_FARM_CEILING_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/*
 * The TIME_WAIT ceiling of a client that opens a new connection per request ([B1]):
 * only the side that closes first keeps the socket in TIME_WAIT, for
 * TCP_TIMEWAIT_LEN = 60 s on Linux (include/net/tcp.h, not tunable [K8]); while it does, its
 * ephemeral port cannot carry a new connection to the same (destination address, port). So
 * at most
 *     R_max = usable ephemeral ports / 60 s
 * new connections per second reach one server port: 28,232 / 60 = 470/s with the default
 * range 32768-60999, the ~500 requests/s wall of a job server with one job per connection [B1].
 *
 * net.ipv4.tcp_tw_reuse lets connect() take over a TIME_WAIT port once it is older than
 * tcp_tw_reuse_delay (1000 ms by default, tunable since 6.14 [K6]; 1 s before), if TCP
 * timestamps are on: 1 = for every destination, 2 (the default) = loopback only [K1]. Where it
 * applies, the ceiling becomes ports / delay.
 */

#define TL_FARM_TIME_WAIT_S 60u

struct tl_farm_ceiling_in {
	uint32_t port_lo, port_hi;    /* net.ipv4.ip_local_port_range */
	uint32_t reserved;            /* of those, in net.ipv4.ip_local_reserved_ports */
	int tw_reuse;                 /* net.ipv4.tcp_tw_reuse: 0, 1, 2; -1 unknown */
	int timestamps;               /* net.ipv4.tcp_timestamps != 0; -1 unknown */
	uint32_t reuse_delay_ms;      /* net.ipv4.tcp_tw_reuse_delay (1000 if absent) */
	bool dest_loopback;           /* the server address is 127/8 or ::1 */
};

struct tl_farm_ceiling {
	uint32_t ports;               /* usable: range minus reserved */
	double conn_per_s;            /* ports / 60 s: the ceiling without reuse */
	bool reuse_applies;           /* tcp_tw_reuse takes TIME_WAIT ports back here */
	double reuse_conn_per_s;      /* ports / delay when it applies, else conn_per_s */
};

/* Pure arithmetic, for tests and for the run's start line. */
void tl_farm_ceiling_compute(const struct tl_farm_ceiling_in *in, struct tl_farm_ceiling *out);

/*
 * Seconds until a client opening rate connections/s to one server port has every usable
 * port in TIME_WAIT (no reuse): ports / (rate - ports/60); 0 when rate is at or below the
 * ceiling (never).
 */
double tl_farm_ceiling_exhaust_s(uint32_t ports, double rate);

/* Reads the inputs from this network namespace's sysctls; dest_loopback is the caller's. */
int tl_farm_ceiling_read(struct tl_farm_ceiling_in *in, struct tl_err *err);

#endif
