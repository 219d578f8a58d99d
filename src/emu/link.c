#include "emu/link.h"

#include <errno.h>
#include <stdlib.h>

#include "emu/pktq.h"
#include "emu/rng.h"

#define LINK_MAX_DELAY_NS (3600ull * 1000000000ull)

struct tl_link {
	struct tl_link_spec spec;
	struct tl_qdisc *q;
	struct tl_loss loss;
	struct tl_rng jitter_rng;
	struct tl_pktq line;    /* serialised packets by ready_ns, earliest first */
	uint64_t clock_ns;      /* the latest time the caller gave */
	uint64_t tx_free_ns;    /* when the transmitter is done with the packet on the wire */
	uint64_t tx_rem;        /* remainder of bits x 1e9 / rate, carried between packets */
	uint64_t last_ready_ns; /* for the no-reordering rule */
	tl_drop_fn drop_fn;
	void *drop_ctx;
	struct tl_link_stats st;
	struct tl_flowtab flows;
	struct tl_lhist qdelay;
	struct tl_lhist qlen;
};

uint64_t tl_link_tx_ns(uint32_t len, uint64_t rate_bps)
{
	if (rate_bps == 0)
		return 0;
	return (uint64_t)((unsigned __int128)len * 8 * 1000000000u / rate_bps);
}

static int link_validate(const struct tl_link_spec *s, struct tl_err *err)
{
	if (s->delay_ns > LINK_MAX_DELAY_NS || s->jitter_ns > LINK_MAX_DELAY_NS)
		return tl_err_set(err, ERANGE, "link delay %llu ns / jitter %llu ns: at most 1 h",
				  (unsigned long long)s->delay_ns, (unsigned long long)s->jitter_ns);
	const struct tl_loss_spec *l = &s->loss;
	if (!(l->p >= 0 && l->p <= 1) || !(l->r >= 0 && l->r <= 1) ||
	    !(l->loss_good >= 0 && l->loss_good <= 1) || !(l->loss_bad >= 0 && l->loss_bad <= 1))
		return tl_err_set(err, ERANGE, "link loss: probabilities must be within 0..1");
	return tl_qspec_validate(&s->queue, err);
}

/* Every drop, from the loss model or the discipline, is counted here on its way out. */
static void link_count_drop(struct tl_link *l, struct tl_pkt *p, enum tl_drop_cause cause,
			    uint64_t now_ns)
{
	l->st.drop_pkts[cause]++;
	l->st.drop_bytes[cause] += p->len;
	if (cause != TL_DROP_FLUSH)
		tl_flowtab_get(&l->flows, p)->drops++;
	l->drop_fn(l->drop_ctx, p, cause, now_ns);
}

static void link_qdisc_drop(void *ctx, struct tl_pkt *p, enum tl_drop_cause cause, uint64_t now_ns)
{
	link_count_drop(ctx, p, cause, now_ns);
}

static uint64_t link_delay_sample(struct tl_link *l)
{
	uint64_t d = l->spec.delay_ns, j = l->spec.jitter_ns;
	if (j == 0)
		return d;
	/* Uniform integer offset in [-j, +j]; the modulo bias is below 2^-30 for j < 1 h. */
	int64_t off = (int64_t)(tl_rng_next(&l->jitter_rng) % (2 * j + 1)) - (int64_t)j;
	return off < 0 && (uint64_t)-off > d ? 0 : d + (uint64_t)off;
}

static void line_insert(struct tl_link *l, struct tl_pkt *p)
{
	if (!l->spec.reorder || !l->line.tail || l->line.tail->ready_ns <= p->ready_ns) {
		tl_pktq_push(&l->line, p);
		return;
	}
	/* Reordering asked for: sorted insert from the tail, O(packets it overtakes). */
	struct tl_pkt *pos = l->line.tail;
	while (pos && pos->ready_ns > p->ready_ns)
		pos = pos->prev;
	tl_pktq_insert_after(&l->line, pos, p);
}

/* Serialises every packet whose transmission starts by now_ns. */
static void link_pump(struct tl_link *l, uint64_t now_ns)
{
	while (l->q->backlog_pkts > 0) {
		uint64_t t = l->tx_free_ns;
		if (t < l->clock_ns) {
			/* The link sat idle: start afresh at the latest known time. */
			t = l->clock_ns;
			l->tx_rem = 0;
		}
		if (t > now_ns)
			break;
		struct tl_pkt *p = tl_qdisc_dequeue(l->q, t);
		if (!p)
			break;
		tl_lhist_record(&l->qdelay, t - p->enqueue_ns);
		uint64_t tx = 0;
		if (l->spec.rate_bps) {
			unsigned __int128 bits_ns = (unsigned __int128)p->len * 8 * 1000000000u + l->tx_rem;
			tx = (uint64_t)(bits_ns / l->spec.rate_bps);
			l->tx_rem = (uint64_t)(bits_ns % l->spec.rate_bps);
		}
		l->tx_free_ns = t + tx;
		l->st.busy_ns += tx;
		p->ready_ns = l->tx_free_ns + link_delay_sample(l);
		if (!l->spec.reorder && p->ready_ns < l->last_ready_ns)
			p->ready_ns = l->last_ready_ns;
		if (p->ready_ns > l->last_ready_ns)
			l->last_ready_ns = p->ready_ns;
		line_insert(l, p);
	}
}

/* Brings the link to now_ns: transmissions due before it happen at their own times. */
void tl_link_advance(struct tl_link *l, uint64_t now_ns)
{
	if (now_ns < l->clock_ns)
		now_ns = l->clock_ns; /* a caller's clock never runs backwards here */
	link_pump(l, now_ns);
	l->clock_ns = now_ns;
}

int tl_link_create(const struct tl_link_spec *spec, tl_drop_fn drop_fn, void *drop_ctx,
		   struct tl_link **out, struct tl_err *err)
{
	struct tl_link *l = NULL;
	int ret = link_validate(spec, err);
	*out = NULL;
	if (ret < 0)
		goto out;
	if (!drop_fn) {
		ret = tl_err_set(err, EINVAL, "link: no drop callback (the caller must take dropped "
				 "packets back)");
		goto out;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		ret = tl_err_set(err, ENOMEM, "link: out of memory");
		goto out;
	}
	l->spec = *spec;
	l->drop_fn = drop_fn;
	l->drop_ctx = drop_ctx;
	tl_lhist_reset(&l->qdelay);
	tl_lhist_reset(&l->qlen);
	tl_loss_init(&l->loss, &spec->loss, spec->seed);
	tl_rng_seed(&l->jitter_rng, spec->seed, 0x6a6974 /* "jit" */);
	ret = tl_flowtab_init(&l->flows, spec->flow_slots ? spec->flow_slots : 1024, err);
	if (ret < 0)
		goto out;
	struct tl_qspec qs = spec->queue;
	qs.rate_bps = spec->rate_bps;
	qs.seed = spec->seed;
	ret = tl_qdisc_create(&qs, link_qdisc_drop, l, &l->q, err);
	if (ret < 0)
		goto out;
	*out = l;
	l = NULL;
	ret = 0;
out:
	if (l) {
		tl_flowtab_free(&l->flows);
		free(l);
	}
	return ret;
}

void tl_link_destroy(struct tl_link *l, uint64_t now_ns)
{
	if (!l)
		return;
	tl_qdisc_destroy(l->q, now_ns);
	struct tl_pkt *p;
	while ((p = tl_pktq_pop(&l->line)))
		link_count_drop(l, p, TL_DROP_FLUSH, now_ns);
	tl_flowtab_free(&l->flows);
	free(l);
}

int tl_link_set(struct tl_link *l, const struct tl_link_spec *spec, uint64_t now_ns,
		struct tl_err *err)
{
	int ret = link_validate(spec, err);
	if (ret < 0)
		return ret;
	tl_link_advance(l, now_ns);
	struct tl_qspec qs = spec->queue;
	qs.rate_bps = spec->rate_bps;
	qs.seed = l->spec.seed;
	if (qs.kind == l->q->spec.kind) {
		ret = tl_qdisc_change(l->q, &qs, l->clock_ns, err);
	} else {
		struct tl_qdisc *fresh;
		ret = tl_qdisc_create(&qs, link_qdisc_drop, l, &fresh, err);
		if (ret == 0) {
			l->st.marks += l->q->stats.marks;
			tl_qdisc_destroy(l->q, l->clock_ns);
			l->q = fresh;
		}
	}
	if (ret < 0)
		return ret;
	uint64_t seed = l->spec.seed;
	uint32_t slots = l->spec.flow_slots;
	l->spec = *spec;
	l->spec.seed = seed;
	l->spec.flow_slots = slots;
	tl_loss_set(&l->loss, &spec->loss);
	link_pump(l, l->clock_ns);
	return 0;
}

enum tl_drop_cause tl_link_enqueue(struct tl_link *l, struct tl_pkt *p, uint64_t now_ns)
{
	tl_link_advance(l, now_ns);
	struct tl_flow_stats *f = tl_flowtab_get(&l->flows, p);
	l->st.pkts_in++;
	l->st.bytes_in += p->len;
	f->pkts_in++;
	f->bytes_in += p->len;
	tl_lhist_record(&l->qlen, l->q->backlog_bytes);
	if (tl_loss_next(&l->loss)) {
		link_count_drop(l, p, TL_DROP_LOSS, l->clock_ns);
		return TL_DROP_LOSS;
	}
	enum tl_drop_cause cause = tl_qdisc_enqueue(l->q, p, l->clock_ns);
	if (l->q->backlog_bytes > l->st.max_backlog_bytes)
		l->st.max_backlog_bytes = l->q->backlog_bytes;
	link_pump(l, l->clock_ns);
	return cause;
}

/*
 * The queue's next transmission is not an event of its own: tl_link_dequeue_ready()
 * serialises at each packet's own start time however late it is called, so the caller
 * need not wake for a start, only for the earliest time a queued packet could be due
 * (its start plus the shortest delay). At 1 Gbit/s with a delay that halves the
 * forwarder's wake-ups: one per departure, not one per start and one per departure.
 */
uint64_t tl_link_next_event_ns(const struct tl_link *l)
{
	uint64_t ev = UINT64_MAX;
	if (l->q->backlog_pkts > 0) {
		uint64_t start = l->tx_free_ns > l->clock_ns ? l->tx_free_ns : l->clock_ns;
		uint64_t d = l->spec.delay_ns, j = l->spec.jitter_ns;
		ev = start + (d > j ? d - j : 0);
	}
	if (l->line.head && l->line.head->ready_ns < ev)
		ev = l->line.head->ready_ns;
	return ev;
}

unsigned tl_link_dequeue_ready(struct tl_link *l, uint64_t now_ns, struct tl_pkt **out,
			       unsigned max)
{
	tl_link_advance(l, now_ns);
	unsigned n = 0;
	while (n < max && l->line.head && l->line.head->ready_ns <= l->clock_ns) {
		struct tl_pkt *p = tl_pktq_pop(&l->line);
		struct tl_flow_stats *f = tl_flowtab_get(&l->flows, p);
		l->st.pkts_out++;
		l->st.bytes_out += p->len;
		f->pkts_out++;
		f->bytes_out += p->len;
		out[n++] = p;
	}
	return n;
}

void tl_link_stats(const struct tl_link *l, struct tl_link_stats *out)
{
	*out = l->st;
	out->marks = l->st.marks + l->q->stats.marks;
	out->backlog_pkts = l->q->backlog_pkts;
	out->backlog_bytes = l->q->backlog_bytes;
	out->line_pkts = l->line.pkts;
}

const struct tl_lhist *tl_link_qdelay_hist(const struct tl_link *l)
{
	return &l->qdelay;
}

const struct tl_lhist *tl_link_qlen_hist(const struct tl_link *l)
{
	return &l->qlen;
}

void tl_link_reset_hists(struct tl_link *l)
{
	tl_lhist_reset(&l->qdelay);
	tl_lhist_reset(&l->qlen);
}

const struct tl_flowtab *tl_link_flows(const struct tl_link *l)
{
	return &l->flows;
}

const struct tl_qdisc *tl_link_qdisc(const struct tl_link *l)
{
	return l->q;
}
