#ifndef TCPLAB_TUNE_PROBE_H
#define TCPLAB_TUNE_PROBE_H

/*
 * `tcplab probe`: measures a path against a tcplab agent in two short phases, run as ordinary
 * tests through the client library (ctl/client.h):
 *
 *  1. rr: one connection, 1-byte request and response with TCP_NODELAY, for opts.rr_ns.
 *     Gives the idle RTT: the smallest transaction time (an upper bound of the RTT: it adds
 *     both hosts' wake-up time), the median, and the connection's TCP_INFO rtt (the kernel's
 *     smoothed RTT) and min_rtt.
 *  2. bulk: opts.flows flows (2 unless given) for a window of 2 s + 20 RTTs after a warm-up
 *     of 500 ms + 20 RTTs that lets slow start and the loss recovery that ends it finish,
 *     sampled every 4 RTTs (at least 250 ms, at most 1 s). Gives the bottleneck rate and the
 *     RTT under load. Two flows rather than one so that one flow's retransmission timeout does
 *     not empty the path; not more, because flows that start together overshoot the bottleneck
 *     buffer together in slow start.
 *
 * The rate reported is the median, over the intervals of that window, of the receiver's
 * goodput (payload bytes the receiving end read): what the path delivered once slow start was
 * over. The median because the receiver's count moves in bursts: after a loss it holds up to a
 * BDP and a router buffer of data behind the hole and releases it at once when the
 * retransmission arrives, and a receiver that was descheduled on a loaded host catches up in
 * one interval. Either swells one interval and starves another; the window's mean is then off
 * by the data held at its edges, the median is not. The spread of the intervals (quartiles)
 * is reported beside it, with the mean over the window, the best interval and the sum of the
 * senders' last TCP_INFO delivery_rate samples. Goodput is below the link's line rate by the
 * headers: on Ethernet with timestamps, 1448 payload bytes per 1514-byte frame.
 *
 * If the bulk senders were not limited by the network (TCP_INFO chronographs
 * [K10]) but by a receive window, a send buffer or the sender itself, the rate is only a lower
 * bound of the path's, and rate_lower_bound says so.
 *
 * Samples are checked before they are believed. An interval whose receiver goodput is above
 * what the path could have carried (TL_PROBE_BOUND_FACTOR x the larger of the senders' best
 * interval and their TCP_INFO delivery rate) is impossible as a path rate: a receiver that was
 * descheduled and caught up, and it is left out of the median (rejected_intervals). The
 * samples left must agree within their spread: quartiles within [1/2, 3/2] of the median, the
 * window's mean as well. A bulk phase that fails this is measured again
 * (up to TL_PROBE_ATTEMPTS in all); a result that still fails is reported with consistent
 * false and why, and never remembered (tune/probe_cached.c). Under load it once read 37.8
 * Mbit/s, quartiles 0..142, best 236, on a 100 Mbit/s path, and was cached for ten minutes.
 *
 * min RTT is the smallest of the transaction minimum and every TCP_INFO min_rtt seen (rr and
 * bulk): the propagation delay the BDP is computed with.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctl/client.h"
#include "ctl/spec.h"
#include "util/err.h"

#define TL_PROBE_RR_NS_DEFAULT (300ULL * 1000000ULL)
#define TL_PROBE_BULK_NS_DEFAULT (2ULL * 1000000000ULL)
#define TL_PROBE_FLOWS_DEFAULT 2u
#define TL_PROBE_OMIT_MAX_NS (10ULL * 1000000000ULL)
#define TL_PROBE_BULK_MAX_NS (10ULL * 1000000000ULL)
#define TL_PROBE_INTERVAL_MIN_NS (250ULL * 1000000ULL)
#define TL_PROBE_INTERVAL_MAX_NS (1000ULL * 1000000ULL)
#define TL_PROBE_WINDOW_LIMIT_NS (60ULL * 1000000000ULL) /* longest window one may ask for */
#define TL_PROBE_MAX_INTERVALS 256u
#define TL_PROBE_ATTEMPTS 2u
#define TL_PROBE_BOUND_FACTOR 1.25 /* > TL_PROBE_WINDOW_LIMIT_NS / TL_PROBE_INTERVAL_MIN_NS + 1 */

struct tl_probe_opts {
	uint64_t rr_ns;     /* 0 = TL_PROBE_RR_NS_DEFAULT */
	uint64_t bulk_ns;   /* measurement window of the bulk phase; 0 = 2 s + 20 x min RTT, <= 10 s */
	uint64_t omit_ns;   /* warm-up of the bulk phase; 0 = 500 ms + 20 x min RTT, <= 10 s */
	uint32_t flows;     /* bulk flows; 0 = TL_PROBE_FLOWS_DEFAULT */
	uint32_t threads;   /* worker threads on each end; 0 = min(flows, online cores) */
	enum tl_direction direction; /* TL_DIR_FORWARD (this host sends) or TL_DIR_REVERSE */
	/* Called when a phase starts (done_s = 0) and after each interval of the bulk phase,
	 * with the rate of that interval (0 when none yet). May be NULL. */
	void (*progress)(void *ctx, const char *phase, double done_s, double total_s, double bps);
	void *ctx;
};

struct tl_probe_result {
	char host[256];
	uint16_t port;
	enum tl_direction direction;
	uint64_t measured_at;      /* wall clock, seconds since the epoch */
	/* RTT, ns */
	uint64_t rtt_min_ns;       /* min of the three below that are known */
	uint64_t rr_min_ns;        /* smallest transaction */
	uint64_t rr_p50_ns;        /* median transaction */
	uint64_t tcp_min_rtt_ns;   /* smallest TCP_INFO min_rtt (rr and bulk connections) */
	uint64_t rtt_smoothed_ns;  /* TCP_INFO rtt of the idle rr connection (else rr p50) */
	uint64_t rtt_loaded_ns;    /* mean TCP_INFO rtt of the bulk senders at the end */
	/* rate, bit/s */
	uint64_t rate_bps;         /* median interval goodput at the receiver: THE rate */
	uint64_t window_rate_bps;  /* receiver goodput over the whole bulk window */
	uint32_t intervals;        /* full intervals the median is taken over */
	uint64_t interval_ns;      /* their length */
	uint64_t interval_p25_bps, interval_p75_bps; /* the spread of the intervals */
	uint64_t delivery_rate_bps;/* sum of the senders' last TCP_INFO delivery_rate */
	uint64_t interval_max_bps; /* best interval of the bulk window */
	uint32_t flows;
	uint64_t window_ns, omit_ns;
	uint32_t mss;              /* sender's snd_mss */
	char limited_by[16];       /* dominant limit of the bulk senders (mean shares) */
	double limited_share;
	bool rate_lower_bound;     /* limited_by is not "network" */
	/* loss over the bulk connections' life (warm-up included) */
	uint64_t retransmits;      /* segments (TCP_INFO total_retrans) */
	uint64_t bytes_sent, bytes_retrans;
	double loss_ratio;         /* bytes_retrans / bytes_sent */
	/* whether the samples can be believed (see above) */
	bool consistent;
	uint32_t rejected_intervals; /* above the physical bound, left out of the median */
	uint64_t bound_bps;        /* that bound */
	uint32_t attempts;         /* bulk phases run (1 or more) */
	char inconsistency[160];   /* why not consistent; "" when consistent */
};

/*
 * Runs both phases against the agent at t (host, port, family, bind are used). On success
 * fills out (host and port from t). The two result documents are not kept. Returns 0, or a
 * negative errno with err saying which phase failed and why.
 */
int tl_probe_run(const struct tl_client_target *t, const struct tl_probe_opts *o,
		 struct tl_probe_result *out, struct tl_err *err);

/*
 * The measurement part of tl_probe_run: fills out from the two result documents (rr_doc may
 * be NULL: no transaction figures). Every field is set except host, port, direction,
 * measured_at and omit_ns, which the documents do not hold (they are left 0). Pure; exported
 * for the unit tests. Fails with -EINVAL when bulk_doc has no usable end (no flow, or an
 * error).
 */
int tl_probe_from_docs(const json_t *rr_doc, const json_t *bulk_doc, struct tl_probe_result *out,
		       struct tl_err *err);

/* The result as JSON (new reference), and back; from_json checks every field (it is read
 * from the state file, which a person or a crash may have spoilt). */
json_t *tl_probe_to_json(const struct tl_probe_result *r);
int tl_probe_from_json(const json_t *j, struct tl_probe_result *out, struct tl_err *err);

/* The warm-up, window (when opts.omit_ns / bulk_ns are 0) and interval tl_probe_run uses on
 * a path of min RTT rtt_ns. */
uint64_t tl_probe_auto_omit_ns(uint64_t rtt_ns);
uint64_t tl_probe_auto_window_ns(uint64_t rtt_ns);
uint64_t tl_probe_auto_interval_ns(uint64_t rtt_ns);

#endif
