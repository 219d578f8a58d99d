#ifndef TCPLAB_TUNE_ADVICE_H
#define TCPLAB_TUNE_ADVICE_H

/*
 * Buffer advice from a measured path: the arithmetic of [E1] and [K1] (rmem/wmem) as pure
 * functions (no I/O), so every number the probe prints can be checked by hand and by the unit
 * tests. The BDP itself comes from sys/bdp.h, which the doctor uses too.
 *
 * The model, per flow:
 *   window  = max(BDP x headroom / flows, TL_ADVICE_MIN_WINDOW)   payload bytes in flight
 *   rcvbuf  = TL_BDP_RCVBUF_FACTOR x window   (receive memory: the kernel advertises only
 *             about half of sk_rcvbuf as window, the rest covers skb overhead [K1][K2])
 *   sndbuf  = TL_ADVICE_SNDBUF_FACTOR x window   (send memory: the window in flight, waiting
 *             for its ACKs, plus as much again queued so the sender never waits for the app)
 * What a program passes to setsockopt is half of that memory, because the kernel doubles
 * SO_SNDBUF/SO_RCVBUF "to allow space for bookkeeping overhead" and getsockopt returns the
 * doubled value [M1]. Setting either option turns autotuning off for that socket [K1].
 */

#include <stdbool.h>
#include <stdint.h>

/* Window = BDP x 125 %: room for a rate or RTT a little above what the probe saw. */
#define TL_ADVICE_HEADROOM_PCT 125

/*
 * Smallest window advised per flow: 64 KiB, the largest window without window scaling. Below
 * it the path's BDP is smaller than what host scheduling and delayed ACKs hold in flight on a
 * LAN, so the path is no longer what sizes the buffer (judgement, not a kernel constant).
 */
#define TL_ADVICE_MIN_WINDOW (64u * 1024u)

/* Send memory per byte of window (see above). */
#define TL_ADVICE_SNDBUF_FACTOR 2

/* Most flows the advice will suggest; beyond that the limits must be raised instead. */
#define TL_ADVICE_MAX_FLOWS 256u

/* The host's limits that bound a flow's buffers (bytes), from tl_limits_read (tune/limits.h). */
struct tl_advice_limits {
	uint64_t tcp_rmem_max; /* net.ipv4.tcp_rmem[2]: ceiling of receive autotuning */
	uint64_t tcp_wmem_max; /* net.ipv4.tcp_wmem[2]: ceiling of send autotuning */
	uint64_t rmem_max;     /* net.core.rmem_max: cap on an explicit SO_RCVBUF request */
	uint64_t wmem_max;     /* net.core.wmem_max: cap on an explicit SO_SNDBUF request */
};

struct tl_advice_input {
	uint64_t rate_bps;     /* bottleneck rate (goodput), bit/s */
	uint64_t rtt_ns;       /* round-trip time the BDP is computed with (the minimum) */
	uint32_t flows;        /* flows the program will use; 0 = the fewest the limits allow */
	uint32_t headroom_pct; /* 0 = TL_ADVICE_HEADROOM_PCT */
};

struct tl_advice {
	uint64_t bdp_bytes;          /* rate x RTT / 8 */
	uint64_t window_total;       /* bdp x headroom: bytes in flight over all flows */
	uint32_t flows;              /* flows the sizes below are for */
	uint64_t window_per_flow;
	uint64_t sndbuf_request;     /* pass to setsockopt(SO_SNDBUF) at the sender */
	uint64_t rcvbuf_request;     /* pass to setsockopt(SO_RCVBUF) at the receiver */
	uint64_t sndbuf_effective;   /* what the kernel makes of it (x2), if not clamped */
	uint64_t rcvbuf_effective;
	/* Kernel autotuning (no SO_*BUF): can each flow grow its buffers far enough? */
	uint64_t autotune_window_cap;  /* per flow: min(tcp_rmem[2]/2, tcp_wmem[2]/2) */
	bool autotune_ok;              /* at `flows` flows */
	uint32_t autotune_flows;       /* fewest flows that fit the caps */
	/* Explicit SO_SNDBUF/SO_RCVBUF: requests are clamped to rmem_max/wmem_max. */
	uint64_t explicit_window_cap;  /* per flow: min(rmem_max x 2/2, wmem_max x 2/2) */
	bool explicit_ok;
	uint32_t explicit_flows;
	/* The limits one flow would need (the sysctl fix instead of more flows). */
	uint64_t tcp_rmem_max_needed;
	uint64_t tcp_wmem_max_needed;
	uint64_t rmem_max_needed;
	uint64_t wmem_max_needed;
	/* What one flow can carry at this RTT under each cap, bit/s. */
	double autotune_flow_ceiling_bps;
	double explicit_flow_ceiling_bps;
};

/* Fewest flows of at most cap bytes of window each that carry total: ceil(total / cap), >= 1.
 * A cap of 0 gives TL_ADVICE_MAX_FLOWS + 1 (no number of flows is enough). */
uint32_t tl_advice_streams_needed(uint64_t total, uint64_t cap);

/* The kernel's answer to setsockopt(SO_RCVBUF/SO_SNDBUF, request): min(request, cap) x 2 [M1]. */
uint64_t tl_advice_effective(uint64_t request, uint64_t cap);

/* Fills out from the measured path and the host's limits. Pure; never fails. */
void tl_advice_compute(const struct tl_advice_input *in, const struct tl_advice_limits *lim,
		       struct tl_advice *out);

#endif
