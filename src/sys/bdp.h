#ifndef TCPLAB_SYS_BDP_H
#define TCPLAB_SYS_BDP_H

#include <stdint.h>

/*
 * The arithmetic of buffers and connection rates ([E1], [B1]). Pure
 * functions, no I/O; every doctor finding quotes their results.
 */

/*
 * Receive buffer per byte of window. Before Linux 6.6 the window is rcvbuf - rcvbuf/2^
 * tcp_adv_win_scale, half the buffer with the default of 1 [K1]; since 6.6 the kernel
 * measures payload/truesize per socket (about 0.3-0.6 at MTU 1500) [K2]. Two is the rule
 * the doctor plans with ("tcp_rmem[2] >= 2 x BDP per flow"); check the live ratio with
 * 'ss -tmi' where it matters.
 */
#define TL_BDP_RCVBUF_FACTOR 2

/* TIME_WAIT lasts TCP_TIMEWAIT_LEN = 60 s on Linux and cannot be tuned [K8][B1]. */
#define TL_TIME_WAIT_SECONDS 60

/* Bandwidth-delay product in bytes: rate (bit/s) x RTT / 8, rounded up. */
uint64_t tl_bdp_bytes(uint64_t rate_bps, uint64_t rtt_ns);

/* Receive buffer one of flows flows needs: TL_BDP_RCVBUF_FACTOR x BDP / flows, rounded up. */
uint64_t tl_bdp_rcvbuf_needed(uint64_t bdp_bytes, uint32_t flows);

/*
 * The most one flow can carry with a receive buffer of rcvbuf bytes on a path of rtt:
 * the window it advertises (rcvbuf / TL_BDP_RCVBUF_FACTOR) per RTT, in bit/s.
 */
double tl_bdp_rcvbuf_ceiling_bps(uint64_t rcvbuf_bytes, uint64_t rtt_ns);

/* The most one flow can carry when at most window bytes may be in flight, in bit/s. */
double tl_bdp_window_ceiling_bps(uint64_t window_bytes, uint64_t rtt_ns);

/* Smallest power of two >= v (v = 0 gives 1); how recommended buffer maxima are rounded. */
uint64_t tl_bdp_pow2ceil(uint64_t v);

/*
 * New connections per second one (source IP, destination IP, destination port) tuple can
 * sustain when each closed connection holds its port for hold_seconds: ports / hold [B1].
 * With 28232 ports and 60 s that is about 470/s.
 */
double tl_tw_ceiling_per_sec(uint32_t ports, double hold_seconds);

#endif
