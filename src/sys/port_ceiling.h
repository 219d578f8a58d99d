#ifndef TCPLAB_SYS_PORT_CEILING_H
#define TCPLAB_SYS_PORT_CEILING_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/*
 * The ephemeral-port ceiling: how many new connections per second one client can open to one
 * destination (address, port) before connect() runs out of local ports. This is the one
 * place the rule lives; crr, doctor, farm and connect()'s EADDRNOTAVAIL message all call it.
 *
 * The side that closes first keeps the connection in TIME_WAIT for TCP_TIMEWAIT_LEN = 60 s
 * (not a sysctl [K8]); meanwhile its local port cannot carry a new connection with the same
 * 4-tuple [B1]. So each usable port carries one connection per hold time:
 *
 *     ceiling = usable ports x source addresses / hold
 *     usable  = ip_local_port_range minus the ip_local_reserved_ports inside it [K1]
 *     hold    = 60 s, or the reuse delay where connect() may take over a TIME_WAIT port
 *
 * connect() takes over a TIME_WAIT 4-tuple (tcp_twsk_unique() [K15]) only if
 *   - net.ipv4.tcp_tw_reuse is 1, or 2 and the connection is loopback (either address in
 *     127.0.0.0/8 or ::1) [K1][K15]; 0 never;
 *   - timestamps were on for the old connection (net.ipv4.tcp_timestamps != 0 here; the peer
 *     must send them too, which Linux peers do by default) [K15][B1];
 *   - the TIME_WAIT socket is older than net.ipv4.tcp_tw_reuse_delay (ms, default 1000, since
 *     Linux 6.14 [K6]); before 6.14 the next second of the clock, so at most 1 s.
 *
 * The printed figure is rounded down (tl_port_ceiling.per_sec_floor): a ceiling of 16.67/s
 * sustains 16, not 17, connections every second.
 */

/* TCP_TIMEWAIT_LEN (60*HZ) in include/net/tcp.h [K8]: the one spelling of the 60 s. */
#define TL_TIME_WAIT_LEN_S 60u

/* The host's facts, as read from this network namespace (tl_port_facts_read). */
struct tl_port_facts {
	uint32_t port_lo, port_hi;   /* net.ipv4.ip_local_port_range */
	uint32_t reserved;           /* ports of that range in net.ipv4.ip_local_reserved_ports */
	int tw_reuse;                /* net.ipv4.tcp_tw_reuse: 0, 1, 2; -1 unknown (taken as 2) */
	int timestamps;              /* net.ipv4.tcp_timestamps; -1 unknown (taken as on) */
	int64_t reuse_delay_ms;      /* net.ipv4.tcp_tw_reuse_delay; -1 absent (before 6.14) */
};

/* Why the hold time is what it is. */
enum tl_port_reason {
	TL_PORT_NO_PORTS,            /* the range is empty or wholly reserved */
	TL_PORT_REUSE_OFF,           /* tcp_tw_reuse = 0 */
	TL_PORT_REUSE_LOOPBACK_ONLY, /* tcp_tw_reuse = 2 and the destination is not loopback */
	TL_PORT_REUSE_NO_TIMESTAMPS, /* reuse allowed, but tcp_timestamps = 0 */
	TL_PORT_REUSE_ALL,           /* tcp_tw_reuse = 1 with timestamps */
	TL_PORT_REUSE_LOOPBACK,      /* tcp_tw_reuse = 2, loopback destination, timestamps */
};

struct tl_port_ceiling {
	uint32_t ports;              /* usable: range minus reserved */
	uint32_t sources;            /* source addresses the client spreads over (>= 1) */
	bool reuse;                  /* TIME_WAIT ports come back after hold_ms */
	uint32_t hold_ms;            /* how long a closed connection holds its port */
	double per_sec;              /* ports x sources x 1000 / hold_ms */
	uint64_t per_sec_floor;      /* the printed figure: per_sec rounded down */
	double no_reuse_per_sec;     /* ports x sources / 60 s, what TIME_WAIT alone allows */
	enum tl_port_reason reason;
	char why[192];               /* the reason in words, with the sysctls that decide it */
};

/* The ceiling towards one destination; sources 0 counts as 1. Pure. */
void tl_port_ceiling(const struct tl_port_facts *f, bool loopback_dest, uint32_t sources,
		     struct tl_port_ceiling *out);

/* Reads the facts from this network namespace's sysctls (sys/sysctl.h). Only the port range
 * is required; the others fall back to "unknown"/"absent" when unreadable. */
int tl_port_facts_read(struct tl_port_facts *f, struct tl_err *err);

/* Seconds until a client opening rate connections/s has every usable port in TIME_WAIT when
 * nothing is reused: ports / (rate - ports/60 s); 0 when the rate is at or below that. */
double tl_port_exhaust_seconds(uint32_t ports, double rate);

#endif
