#ifndef TCPLAB_TCPLAB_ADVISE_H
#define TCPLAB_TCPLAB_ADVISE_H

/*
 * tcplab_advise_buffer: socket buffer sizes for a destination, for programs that want the
 * advice without running the tcplab command (the idea of Enable's
 * EnableGetOptimalTCPBufferSize(), LBNL).
 *
 * What it measures: against a tcplab agent ('tcplab serve') on host:port, a short
 * request/response phase (one connection, 0.3 s) for the round-trip time and a short bulk
 * phase (2 flows; a warm-up of 0.5 s + 20 RTTs, then 2 s + 20 RTTs measured) for the
 * bottleneck rate, exactly as 'tcplab probe' does. It then computes the bandwidth-delay product and the SO_SNDBUF /
 * SO_RCVBUF values per flow, checked against this host's limits (net.ipv4.tcp_rmem/tcp_wmem,
 * net.core.rmem_max/wmem_max). A result younger than max_age is taken from the state file
 * that 'tcplab probe' also uses (so repeated calls cost nothing); a new one is stored there.
 *
 * How to use the values: call setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, ...) on the
 * sending socket and SO_RCVBUF with rcvbuf on the receiving one, BEFORE connect() or
 * listen() (the window scale is fixed in the SYN). The kernel doubles both values for its
 * bookkeeping (getsockopt returns the double) and about half of a receive buffer is
 * advertised as window, which the values already account for. Setting either option turns
 * the kernel's buffer autotuning off for that socket: if autotune_enough is set, leaving
 * the buffers alone also reaches the rate.
 *
 * The call blocks for the whole probe (about 3 s on a LAN, 7 s at 100 ms RTT) unless the
 * result is remembered. It
 * starts worker threads for the test and joins them before returning. It is safe to call
 * from several threads at once (no global state), though two probes of one path at the same
 * time measure each other. It changes no signal disposition (its sockets send with
 * MSG_NOSIGNAL).
 */

#include <stddef.h>
#include <stdint.h>

/* Options; a zeroed struct (or NULL) means the defaults given in each comment. */
struct tcplab_advice_opts {
	const char *state_file; /* NULL: $XDG_CACHE_HOME/tcplab/probe.json or ~/.cache/...;
				   "": neither read nor write a state file */
	uint64_t max_age_ms;    /* reuse a remembered result at most this old; 0: 10 minutes */
	int fresh;              /* non-zero: measure even if a young result is remembered */
	uint32_t flows;         /* flows the program will open to host; 0: the fewest flows
				   whose buffers this host's limits allow */
	int reverse;            /* non-zero: advice for data from host to this host */
};

struct tcplab_advice {
	/* The path as measured. */
	uint64_t rate_bps;        /* bottleneck rate: receiver goodput (payload), bit/s */
	int rate_is_lower_bound;  /* the probe's flows were limited by a window, not the path */
	uint64_t rtt_min_us;      /* propagation RTT the BDP is computed with */
	uint64_t rtt_smoothed_us; /* kernel's smoothed RTT of an idle connection */
	double loss_ratio;        /* retransmitted / sent bytes during the probe */
	uint64_t bdp_bytes;       /* rate x min RTT / 8 */
	/* The advice, per flow, for `flows` flows. */
	uint32_t flows;
	uint64_t sndbuf;          /* value for setsockopt(SO_SNDBUF) at the sending end */
	uint64_t rcvbuf;          /* value for setsockopt(SO_RCVBUF) at the receiving end */
	int limits_allow;         /* this host's rmem_max/wmem_max let sndbuf/rcvbuf through */
	int autotune_enough;      /* autotuning alone (no SO_*BUF) reaches the rate with `flows` */
	uint32_t flows_explicit;  /* fewest flows that fit rmem_max/wmem_max with SO_*BUF */
	uint32_t flows_autotune;  /* fewest flows that fit tcp_rmem/tcp_wmem with autotuning */
	/* Where the measurement came from. */
	int from_cache;           /* non-zero: remembered, not measured by this call */
	uint64_t age_s;           /* its age in seconds */
};

/*
 * Measures (or recalls) the path to the tcplab agent at host:port (port 0: 5299) and fills
 * *out. opts may be NULL. out is owned by the caller; nothing is allocated for it.
 *
 * Returns 0 on success. On failure returns a negative errno value (-ECONNREFUSED when no
 * agent listens, -EINVAL for an unusable state file or options, ...) and writes a
 * NUL-terminated message naming what failed and the fix into errbuf (errlen bytes; errbuf
 * may be NULL). A state file that cannot be written is not a failure.
 */
int tcplab_advise_buffer(const char *host, uint16_t port, const struct tcplab_advice_opts *opts,
			 struct tcplab_advice *out, char *errbuf, size_t errlen);

#endif
