#ifndef TCPLAB_EMU_PPV_MARKER_H
#define TCPLAB_EMU_PPV_MARKER_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/pkt.h"
#include "emu/qspec.h"
#include "emu/rng.h"

/*
 * PPV's packet marker at the router's ingress (Nadas, Turanyi, Racz, "Per Packet Value: A
 * Practical Concept for Network Resource Sharing", IEEE GLOBECOM 2016 [PPV16]): for each
 * packet it measures the rate R of the packet's class (its flow, or its sender host) and
 * stamps PV = TVF_w(u x R), u uniform in [0, 1), TVF_w(r) = TVF(r / w) with w the weight of
 * the sender host. Under a core that serves the highest values first, a class at rate R
 * keeps the packets with u x R / w below the rate where TVF meets the congestion threshold
 * value, so every class of equal weight gets the same throughput whatever its congestion
 * control, and weight 2 gets twice as much.
 *
 * The value is metadata in the router (pkt->pv), never written to the wire.
 */

#define TL_PPV_CLASSES 256            /* class slots; the last one sums what did not fit */
#define TL_PPV_OTHER (TL_PPV_CLASSES - 1)
#define TL_PPV_MAX_VALUE 4294967295.0 /* the built-in TVF's value at rate 0 */
#define TL_PPV_DROP_BUCKETS 16        /* drops by value: pv >> 28 */

struct tl_ppv_class_stats {
	bool used;
	uint8_t host;        /* the sender host (router port) */
	uint32_t hash;       /* flow class: pkt->flow_hash */
	struct tl_flow_key key;
	double rate_bps;     /* the marker's R */
	uint64_t last_ns;
	uint64_t pkts_in, bytes_in;   /* marked */
	uint64_t pkts_out, bytes_out; /* sent on: the share */
	uint64_t drops, drop_bytes;
	uint64_t drop_pv_sum;
	uint32_t drop_pv_min, drop_pv_max;
};

struct tl_ppv_stats {
	enum tl_ppv_class cls;
	uint32_t used; /* slots in use (host class: the hosts seen) */
	uint64_t drops_by_value[TL_PPV_DROP_BUCKETS];
	struct tl_ppv_class_stats c[TL_PPV_CLASSES];
};

struct tl_ppv_marker {
	struct tl_rng rng;
	struct tl_ppv_stats st;
};

void tl_ppv_marker_init(struct tl_ppv_marker *m, uint64_t seed, enum tl_ppv_class cls);

/* TVF_w(rate): the built-in falls with log2(rate) (linear between powers of two) from
 * TL_PPV_MAX_VALUE at 1 kbit/s and below to 0 at 1 Tbit/s; points are interpolated linearly
 * and held flat outside them. */
uint32_t tl_ppv_tvf(const struct tl_ppv_params *par, double rate_bps, double weight);

/* Measures p's class rate and stamps p->pv and p->ppv_class; returns the class. */
struct tl_ppv_class_stats *tl_ppv_mark(struct tl_ppv_marker *m, const struct tl_ppv_params *par,
				       struct tl_pkt *p, uint64_t now_ns);

/* Per-class accounting as the core sends or drops p. */
void tl_ppv_count_out(struct tl_ppv_marker *m, const struct tl_pkt *p);
void tl_ppv_count_drop(struct tl_ppv_marker *m, const struct tl_pkt *p);

#endif
