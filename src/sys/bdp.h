#ifndef TCPLAB_SYS_BDP_H
#define TCPLAB_SYS_BDP_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The arithmetic of buffers ([E1]); the port ceiling is sys/port_ceiling.h. Pure
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

/* Bandwidth-delay product in bytes: rate (bit/s) x RTT / 8, rounded up. */
uint64_t tl_bdp_bytes(uint64_t rate_bps, uint64_t rtt_ns);

/* Receive buffer one of flows flows needs: TL_BDP_RCVBUF_FACTOR x BDP / flows, rounded up. */
uint64_t tl_bdp_rcvbuf_needed(uint64_t bdp_bytes, uint32_t flows);

/*
 * The payload share of receive memory (of 256) the doctor predicts windows with on kernels
 * that measure it (6.6+): a full 1448-byte segment in a 2 KiB receive fragment plus its
 * 256-byte struct sk_buff, 1448 x 256 / 2304 = 160 (0.625). Inference from [K16], checked
 * against measurements: a 64 KiB buffer gave a window of about 39 KiB through the userspace
 * testbed (0.61); over a veth pair with GRO the kernel measured 57114 / 65536 (0.87).
 */
#define TL_BDP_SCALING_RATIO 160

/*
 * The window a receive buffer of rcvbuf bytes lets the kernel advertise, as
 * tcp_win_from_space() computes it [K16]: from Linux 6.6 (measured_ratio) rcvbuf x
 * TL_BDP_SCALING_RATIO / 256 [K2]; before, rcvbuf - rcvbuf / 2^adv_win_scale
 * (rcvbuf / 2^-adv_win_scale when it is 0 or less; the default 1 gives half) [K1].
 */
uint64_t tl_bdp_window_of_rcvbuf(uint64_t rcvbuf, bool measured_ratio, int adv_win_scale);

/*
 * The receive buffer autotuning gives a socket: it starts at tcp_rmem[1] and grows up to
 * tcp_rmem[2] but never shrinks, so a default above the max is what sockets keep [K16][K9].
 */
uint64_t tl_bdp_autotuned_rcvbuf(uint64_t rmem_default, uint64_t rmem_max);

/* The most one flow can carry when at most window bytes may be in flight, in bit/s. */
double tl_bdp_window_ceiling_bps(uint64_t window_bytes, uint64_t rtt_ns);

/* Smallest power of two >= v (v = 0 gives 1); how recommended buffer maxima are rounded. */
uint64_t tl_bdp_pow2ceil(uint64_t v);

#endif
