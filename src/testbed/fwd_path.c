/* The packet path: ports in, through the emulated links, ports out. */
#include "testbed/fwd_path.h"

#include <string.h>

#include "util/clock.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6_ 0x86dd
#define ARRIVAL_MAX_AGE_NS (100 * TL_NSEC_PER_MSEC)
#define RX_ROUNDS 8 /* batches read from one port before the others get a turn */

void tl_testbed_fwd_path_drop(void *ctx, struct tl_pkt *p, enum tl_drop_cause cause, uint64_t now_ns)
{
	(void)cause;
	(void)now_ns;
	struct tl_testbed_fwd *f = ctx;
	tl_testbed_pool_put(&f->pool, p);
}

static uint8_t *frame_of(const struct tl_testbed_fwd *f, const struct tl_pkt *p)
{
	return tl_testbed_pool_buf(&f->pool, p);
}

static void tx_flush(struct tl_testbed_fwd *f, unsigned port)
{
	unsigned n = f->ntx[port];
	if (n == 0)
		return;
	uint8_t *frames[TL_TESTBED_BATCH];
	uint32_t lens[TL_TESTBED_BATCH];
	for (unsigned i = 0; i < n; i++) {
		frames[i] = frame_of(f, f->txq[port][i]);
		lens[i] = f->txq[port][i]->len;
	}
	tl_testbed_port_send(&f->ports[port], frames, lens, n);
	for (unsigned i = 0; i < n; i++)
		tl_testbed_pool_put(&f->pool, f->txq[port][i]);
	f->ntx[port] = 0;
}

static void tx_push(struct tl_testbed_fwd *f, unsigned port, struct tl_pkt *p)
{
	if (f->ntx[port] == TL_TESTBED_BATCH)
		tx_flush(f, port);
	f->txq[port][f->ntx[port]++] = p;
}

/* A packet leaving a link: how late it goes, against the time the link said. */
static void tx_due(struct tl_testbed_fwd *f, unsigned port, struct tl_pkt *p)
{
	tl_lhist_record(f->late_period, f->now_ns > p->ready_ns ? f->now_ns - p->ready_ns : 0);
	f->departures++;
	tx_push(f, port, p);
}

/* A receiver frame to an unknown or broadcast MAC goes to every sender, as a switch would. */
static void tx_flood(struct tl_testbed_fwd *f, struct tl_pkt *p)
{
	uint8_t *frame = frame_of(f, p);
	uint32_t len = p->len;
	f->flooded++;
	for (unsigned i = 1; i < f->nports; i++)
		tl_testbed_port_send(&f->ports[i], &frame, &len, 1);
	tl_testbed_pool_put(&f->pool, p);
}

/* Which port the destination MAC of a frame from the receiver belongs to. */
static unsigned port_by_mac(const struct tl_testbed_fwd *f, const uint8_t *frame)
{
	const uint8_t *own = f->st.plan.hosts[0].mac;
	if (memcmp(frame, own, 5) != 0)
		return FWD_PORT_FLOOD;
	return f->port_of_octet[frame[5]];
}

static void set_ce(struct tl_pkt *p)
{
	if (p->ce_marked)
		tl_pkt_set_ce(p->data, p->data_len);
}

/* A frame read from port `in` at now_ns enters its path. */
static void rx_frame(struct tl_testbed_fwd *f, unsigned in, struct tl_pkt *p, uint32_t len,
		     uint64_t now_ns)
{
	uint8_t *frame = frame_of(f, p);
	if (len < TL_ETH_HLEN) {
		tl_testbed_pool_put(&f->pool, p);
		return;
	}
	p->len = len;
	p->data = frame + TL_ETH_HLEN;
	p->data_len = len - TL_ETH_HLEN;
	p->ce_marked = false;
	p->ecn_capable = false;
	p->host = (uint8_t)in; /* PPV's host class: the port is the host */
	p->pv = 0;
	uint16_t type = (uint16_t)(frame[12] << 8 | frame[13]);
	unsigned out = in == 0 ? port_by_mac(f, frame) : 0;
	if (type != ETH_P_IPV4 && type != ETH_P_IPV6_) {
		f->non_ip++;
		if (out == FWD_PORT_FLOOD)
			tx_flood(f, p);
		else
			tx_push(f, out, p);
		return;
	}
	tl_pkt_classify(p, f->cfg.seed);
	p->user = out;
	if (in == 0)
		tl_link_enqueue(f->rev.link, p, now_ns);
	else if (f->access)
		tl_link_enqueue(f->acc_fwd[in], p, now_ns);
	else
		tl_link_enqueue(f->fwd.link, p, now_ns);
}

void tl_testbed_fwd_path_rx_port(struct tl_testbed_fwd *f, unsigned in)
{
	struct tl_testbed_port *port = &f->ports[in];
	for (int round = 0; round < RX_ROUNDS; round++) {
		struct tl_pkt *pkts[TL_TESTBED_BATCH];
		uint8_t *bufs[TL_TESTBED_BATCH];
		uint32_t lens[TL_TESTBED_BATCH];
		uint64_t real[TL_TESTBED_BATCH];
		unsigned k = 0;
		while (k < TL_TESTBED_BATCH && (pkts[k] = tl_testbed_pool_get(&f->pool))) {
			bufs[k] = frame_of(f, pkts[k]);
			k++;
		}
		if (k == 0) {
			/* No buffer left: read into scratch so the socket drains, and count. */
			for (unsigned i = 0; i < TL_TESTBED_BATCH; i++)
				bufs[i] = f->scratch[i];
			int got = tl_testbed_port_recv(port, bufs, TL_TESTBED_BUF_SIZE, lens, real,
						       TL_TESTBED_BATCH);
			if (got <= 0)
				return;
			f->no_buffer += (uint64_t)got;
			continue;
		}
		int got = tl_testbed_port_recv(port, bufs, TL_TESTBED_BUF_SIZE, lens, real, k);
		uint64_t now = tl_now_ns();
		/* The kernel stamps arrivals in CLOCK_REALTIME; the links run on CLOCK_MONOTONIC. */
		int64_t real_off = (int64_t)(tl_wall_ns() - now);
		unsigned n = got > 0 ? (unsigned)got : 0;
		for (unsigned i = 0; i < n; i++) {
			if (lens[i] == 0) {
				tl_testbed_pool_put(&f->pool, pkts[i]);
				continue;
			}
			uint64_t t = real[i] ? (uint64_t)((int64_t)real[i] - real_off) : now;
			/* A stamp from the future or from long ago (a clock step) is not believed. */
			if (t > now || now - t > ARRIVAL_MAX_AGE_NS)
				t = now;
			rx_frame(f, in, pkts[i], lens[i], t);
		}
		/* Give back the unused ones in reverse, so the stack order is kept. */
		for (unsigned i = k; i-- > n;)
			tl_testbed_pool_put(&f->pool, pkts[i]);
		if (n < k)
			return;
		/*
		 * A departure is due: send it before reading on. A burst of hundreds of frames
		 * (one Cubic flow's, after its window opened) takes a batch at a time, tens of
		 * microseconds each here, and read to the end it held departures back by 0.5 ms
		 * at p99. The rest stays in the socket with its arrival stamp, and the port is
		 * still readable, so the loop comes back for it at once.
		 */
		if (tl_testbed_fwd_path_next_departure(f) <= now)
			return;
	}
}

void tl_testbed_fwd_path_run_links(struct tl_testbed_fwd *f, uint64_t now_ns)
{
	f->now_ns = now_ns;
	struct tl_pkt *out[TL_TESTBED_BATCH];
	unsigned n;
	if (f->access) {
		for (unsigned i = 1; i < f->nports; i++)
			do {
				n = tl_link_dequeue_ready(f->acc_fwd[i], now_ns, out, TL_TESTBED_BATCH);
				/* It reached the bottleneck when its delay line let it go. */
				for (unsigned k = 0; k < n; k++)
					tl_link_enqueue(f->fwd.link, out[k], out[k]->ready_ns);
			} while (n == TL_TESTBED_BATCH);
	}
	do {
		n = tl_link_dequeue_ready(f->fwd.link, now_ns, out, TL_TESTBED_BATCH);
		for (unsigned k = 0; k < n; k++) {
			set_ce(out[k]);
			tx_due(f, 0, out[k]);
		}
	} while (n == TL_TESTBED_BATCH);
	do {
		n = tl_link_dequeue_ready(f->rev.link, now_ns, out, TL_TESTBED_BATCH);
		for (unsigned k = 0; k < n; k++) {
			struct tl_pkt *p = out[k];
			set_ce(p);
			if (p->user == FWD_PORT_FLOOD)
				tx_flood(f, p);
			else if (f->access)
				tl_link_enqueue(f->acc_rev[p->user], p, p->ready_ns);
			else
				tx_due(f, p->user, p);
		}
	} while (n == TL_TESTBED_BATCH);
	if (f->access) {
		for (unsigned i = 1; i < f->nports; i++)
			do {
				n = tl_link_dequeue_ready(f->acc_rev[i], now_ns, out, TL_TESTBED_BATCH);
				for (unsigned k = 0; k < n; k++)
					tx_due(f, i, out[k]);
			} while (n == TL_TESTBED_BATCH);
	}
	for (unsigned i = 0; i < f->nports; i++)
		tx_flush(f, i);
}

uint64_t tl_testbed_fwd_path_next_departure(const struct tl_testbed_fwd *f)
{
	uint64_t ev = UINT64_MAX;
	uint64_t t = tl_link_next_event_ns(f->fwd.link);
	if (t < ev)
		ev = t;
	t = tl_link_next_event_ns(f->rev.link);
	if (t < ev)
		ev = t;
	if (f->access) {
		for (unsigned i = 1; i < f->nports; i++) {
			t = tl_link_next_event_ns(f->acc_fwd[i]);
			if (t < ev)
				ev = t;
			t = tl_link_next_event_ns(f->acc_rev[i]);
			if (t < ev)
				ev = t;
		}
	}
	return ev;
}

void tl_testbed_fwd_path_read_ports(struct tl_testbed_fwd *f)
{
	for (unsigned i = 0; i < f->nports; i++)
		tl_testbed_fwd_path_rx_port(f, i);
	f->rx_seen_ns = tl_now_ns();
}

void tl_testbed_fwd_path_catch_up(struct tl_testbed_fwd *f)
{
	tl_testbed_fwd_path_read_ports(f);
	tl_testbed_fwd_path_run_links(f, f->rx_seen_ns);
}
