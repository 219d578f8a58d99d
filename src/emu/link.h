#ifndef TCPLAB_EMU_LINK_H
#define TCPLAB_EMU_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/flowtab.h"
#include "emu/lhist.h"
#include "emu/loss.h"
#include "emu/pkt.h"
#include "emu/qdisc.h"
#include "emu/qspec.h"
#include "util/err.h"

/*
 * One direction of the emulated bottleneck, driven by the caller's clock:
 *
 *   tl_link_enqueue -> loss model -> queue discipline -> transmitter (rate) -> delay line
 *   (delay + jitter) -> tl_link_dequeue_ready
 *
 * Loss is applied on arrival, before the queue (as netem does): a lost packet uses no buffer
 * and no link time. The transmitter takes the next packet from the discipline when the
 * previous one has been serialised: a packet of len counted bytes (see emu/pkt.h: Ethernet
 * frame, 1514 B for a full-size packet) occupies the link for len x 8 / rate s, computed in
 * integer ns with the remainder carried, so a back-to-back run of packets takes exactly
 * total bits / rate. The discipline is asked at the instant the link frees up, not when the
 * caller happened to wake, so AQM sojourn times do not include the caller's lateness. The
 * packet then waits out delay +- jitter (uniform, integer ns); unless reorder is set, a packet
 * never leaves before the one ahead of it (its time is raised to the previous one's).
 *
 * A forwarding loop:
 *   for (;;) {
 *       sleep until min(tl_link_next_event_ns(l), next packet arrival);
 *       now = tl_now_ns();
 *       for each packet read: tl_link_enqueue(l, pkt, now);
 *       n = tl_link_dequeue_ready(l, now, out, max); send out[0..n);
 *   }
 * Every packet leaves through tl_link_dequeue_ready() or the drop callback, never both.
 * Nothing is allocated after tl_link_create() (tl_link_set() may allocate when it replaces
 * the discipline). A link is used by one thread.
 */

struct tl_link_spec {
	uint64_t rate_bps;  /* 0: no rate limit */
	uint64_t delay_ns;  /* one-way propagation delay */
	uint64_t jitter_ns; /* each packet's delay is uniform in delay +- jitter, at least 0 */
	bool reorder;       /* let jitter reorder packets (default: never) */
	struct tl_loss_spec loss;
	struct tl_qspec queue;
	uint64_t seed;       /* loss, jitter and the discipline's draws all derive from it */
	uint32_t flow_slots; /* flows counted individually (0: 1024) */
};

struct tl_link_stats {
	uint64_t pkts_in, bytes_in;   /* offered to tl_link_enqueue() */
	uint64_t pkts_out, bytes_out; /* handed out by tl_link_dequeue_ready() */
	uint64_t drop_pkts[TL_DROP_CAUSES];
	uint64_t drop_bytes[TL_DROP_CAUSES];
	uint64_t marks;               /* ECN CE marks by the discipline */
	uint32_t backlog_pkts;        /* in the queue now */
	uint64_t backlog_bytes;
	uint64_t max_backlog_bytes;
	uint32_t line_pkts;           /* serialised, waiting out their delay */
	uint64_t busy_ns;             /* time spent serialising (utilisation = busy / elapsed) */
};

struct tl_link;

/* Creates a link; drop_fn receives every dropped packet (and flushed ones at the end). */
int tl_link_create(const struct tl_link_spec *spec, tl_drop_fn drop_fn, void *drop_ctx,
		   struct tl_link **out, struct tl_err *err);

/* Hands every packet still held to the drop callback (TL_DROP_FLUSH) and frees l. */
void tl_link_destroy(struct tl_link *l, uint64_t now_ns);

/*
 * Changes the link while it runs: rate, delay, jitter and loss apply to the next packet; a
 * queue of the same discipline is changed in place (a lowered limit drops from the head); a
 * different discipline replaces the old one, whose packets are flushed. seed and flow_slots
 * keep their values from creation.
 */
int tl_link_set(struct tl_link *l, const struct tl_link_spec *spec, uint64_t now_ns,
		struct tl_err *err);

/*
 * Offers a packet arriving at now_ns. Returns TL_DROP_NONE if the link took it, else the
 * drop cause (the packet has then already been given to the drop callback).
 */
enum tl_drop_cause tl_link_enqueue(struct tl_link *l, struct tl_pkt *pkt, uint64_t now_ns);

/* When a packet may next be due out (no earlier; a queued packet's exact time depends on
 * the queue's choice), UINT64_MAX if the link is empty. It may be in the past: call
 * tl_link_dequeue_ready() then. */
uint64_t tl_link_next_event_ns(const struct tl_link *l);

/* Moves the link to now_ns and hands out up to max packets whose time has come, in order.
 * Returns how many. Packets left over stay due: call again. */
/* Moves the link to now_ns without handing anything out: the queue's state (backlog,
 * drops) as of now_ns, for statistics read between dequeues. */
void tl_link_advance(struct tl_link *l, uint64_t now_ns);

unsigned tl_link_dequeue_ready(struct tl_link *l, uint64_t now_ns, struct tl_pkt **out,
			       unsigned max);

void tl_link_stats(const struct tl_link *l, struct tl_link_stats *out);

/* Queue delay (ns, one sample per packet leaving the queue) and queue length seen by each
 * arrival (bytes); zeroed by tl_link_reset_hists(). */
const struct tl_lhist *tl_link_qdelay_hist(const struct tl_link *l);
const struct tl_lhist *tl_link_qlen_hist(const struct tl_link *l);
void tl_link_reset_hists(struct tl_link *l);

const struct tl_flowtab *tl_link_flows(const struct tl_link *l);
const struct tl_qdisc *tl_link_qdisc(const struct tl_link *l);

/* Time on the wire of len counted bytes at rate_bps, rounded down to ns (0 if rate is 0). */
uint64_t tl_link_tx_ns(uint32_t len, uint64_t rate_bps);

#endif
