#ifndef TCPLAB_MEASURE_TCPINFO_H
#define TCPLAB_MEASURE_TCPINFO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct tl_err;

/*
 * A TCP_INFO sample in tcplab's own struct, so callers need neither <linux/tcp.h> nor
 * <netinet/tcp.h> (they define struct tcp_info differently and cannot share a file).
 * Units are the kernel's: times in microseconds, snd_cwnd and snd_ssthresh in packets
 * (multiply by snd_mss for bytes), rates in bytes per second, byte counters in bytes.
 * A field the running kernel does not fill (it returned a shorter struct) is 0. The
 * version that added each field is noted in tcpinfo.c.
 */
struct tl_tcpinfo {
	uint64_t when_ns; /* tl_now_ns() at the getsockopt */
	uint32_t state, ca_state;
	uint32_t rtt_us, rttvar_us, min_rtt_us;
	uint32_t snd_cwnd, snd_mss, snd_ssthresh;
	uint32_t total_retrans, lost, unacked;
	uint64_t delivery_rate /* bytes/s */, pacing_rate, max_pacing_rate;
	int delivery_rate_app_limited;
	uint64_t busy_us, rwnd_limited_us, sndbuf_limited_us;
	uint64_t bytes_acked, bytes_received, bytes_sent, bytes_retrans;
	uint32_t snd_wnd, notsent_bytes, rcv_space, reord_seen;
	uint32_t snd_wscale, rcv_wscale;
};

/*
 * getsockopt(fd, IPPROTO_TCP, TCP_INFO) into out; out->when_ns is set. Fields beyond the
 * length the kernel returned are left 0. 0 or -errno (e.g. -ENOPROTOOPT: not a TCP socket).
 */
int tl_tcpinfo_read(int fd, struct tl_tcpinfo *out, struct tl_err *err);

/* The congestion control in use (getsockopt TCP_CONGESTION), NUL-terminated in name[len].
 * 0 or -errno. len of 16 (TCP_CA_NAME_MAX) always suffices. */
int tl_tcp_congestion_get(int fd, char *name, size_t len, struct tl_err *err);

/*
 * What limited a sending flow between two samples [K10]. Over the wall
 * time T = b.when_ns - a.when_ns:
 *   app    = 1 - dbusy/T                       the write queue was empty: the app did not feed it
 *   rwnd   = drwnd_limited/T                   the peer's receive window was full
 *   sndbuf = dsndbuf_limited/T                 the send buffer was full
 *   net    = (dbusy - drwnd - dsndbuf)/T       cwnd, pacing or the path
 * each clamped to [0,1]; they sum to 1 unless the kernel's jiffy-granular chronographs
 * overshoot T. dominant is the largest (the first in enum order on a tie). The kernel only
 * runs these clocks on the sending side: a pure receiver shows app = 1. When T is 0 (or the
 * samples are reversed) all shares are 0 and dominant is TL_LIMIT_APP, so share[dominant]
 * stays a valid index.
 */
enum tl_limit { TL_LIMIT_APP, TL_LIMIT_RWND, TL_LIMIT_SNDBUF, TL_LIMIT_NET, TL_LIMIT_COUNT };

struct tl_limits {
	double share[TL_LIMIT_COUNT];
	enum tl_limit dominant;
};

void tl_tcpinfo_limits(const struct tl_tcpinfo *a, const struct tl_tcpinfo *b,
		       struct tl_limits *out);

/*
 * The same, checked against the arithmetic of the window: a flow that moved (bytes acked
 * between a and b over that time) at least TL_LIMIT_WINDOW_SHARE of what the peer's window
 * allows (b's snd_wnd per smoothed RTT) while the app kept it fed (app share below one
 * half) was limited by the receive window, whatever the chronographs split. They count
 * rwnd-limited time only when a send stops at the window [tcp_chrono], so a paced flow (BBR) whose pacing
 * reaches the window's rate first shows "network" half the time for a window limit:
 * 6.23 Mbit/s through a 100 ms path against 80896 B / 100 ms = 6.47 Mbit/s was labelled
 * network 0.51, rwnd 0.49. The share is 3/4, not nearer 1, because BBR drains and probes
 * below the window part of the time (measured here: 0.88 of snd_wnd/RTT over 4 s at 100 ms),
 * while a flow the network holds runs far below it: receive autotuning keeps the window at
 * about twice the congestion window or more (0.08 on the same path without --rcvbuf).
 * The same label goes to a fed flow that waited at the window a quarter of the time or more
 * (TL_LIMIT_RWND_SHARE): a larger window is what it needs first. On a loaded host the
 * receiver's late reads drag the rate below snd_wnd/RTT (0.70 of it at load 45 here) while
 * the clocks still show the window (BBR: 0.36 to 0.49 of the time in every run; a flow the
 * network holds: 0.01). *rate_bps and *window_bps get the two rates (0 when unknown).
 */
#define TL_LIMIT_WINDOW_SHARE 0.75
#define TL_LIMIT_RWND_SHARE 0.25
void tl_tcpinfo_limits_window(const struct tl_tcpinfo *a, const struct tl_tcpinfo *b,
			      struct tl_limits *out, double *rate_bps, double *window_bps);

/* "app", "rwnd", "sndbuf", "network"; "unknown" for anything else. */
const char *tl_limit_name(enum tl_limit l);

/*
 * A JSON object of the sample (new reference, NULL on ENOMEM). Names follow iperf3 where
 * the two overlap: rtt, rttvar, min_rtt (us), retransmits (= total_retrans), snd_wnd (bytes).
 * Units: snd_cwnd and snd_ssthresh in packets, snd_cwnd_bytes = snd_cwnd * snd_mss (note:
 * iperf3's "snd_cwnd" is in bytes), delivery_rate, pacing_rate and max_pacing_rate in bit/s,
 * busy_time_us, rwnd_limited_us, sndbuf_limited_us in microseconds, bytes_* in bytes.
 */
json_t *tl_tcpinfo_to_json(const struct tl_tcpinfo *ti);

#endif
