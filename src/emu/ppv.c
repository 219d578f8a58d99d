#include "emu/ppv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emu/pie.h"
#include "emu/qdisc.h"
#include "emu/qfifo.h"

/*
 * PPV: the marker (emu/ppv_marker.c) stamps each arrival, then one of two cores decides
 * (emu/ppv.h). PV-PIE's controller is the pie discipline's own (tl_pie_advance and
 * tl_pie_may_drop in emu/pie.c), on the caller's clock; its CTV is recomputed at each update from a ring of the last
 * `ecdf` arrival values, exactly (a selection over at most 65536 values every T_UPDATE).
 * PPOV's victim: besides the FIFO, each queued packet sits in one of 1024 lists by its
 * value's top 10 bits, with a bitmap of the lists in use, so the lowest value present is
 * found in the lowest list in use without walking the queue (a walk cost 270 ns a packet at
 * 1 Gbit/s with 1000 packets queued; bench/results/aqm.md).
 */

#define PPV_BUCKETS 1024
#define PPV_BUCKET(pv) ((pv) >> 22)

struct ppv {
	struct tl_pktq fifo;
	struct tl_ppv_marker mk;
	struct tl_pie_vars pie;
	uint64_t qdelay_ns;
	uint32_t *ring, *scratch;
	uint32_t ring_n, ring_pos, ring_cap;
	uint32_t ctv;
	struct tl_pkt *bhead[PPV_BUCKETS], *btail[PPV_BUCKETS];
	uint64_t bmap[PPV_BUCKETS / 64];
};

static void vb_add(struct ppv *s, struct tl_pkt *p)
{
	uint32_t b = PPV_BUCKET(p->pv);
	p->vnext = NULL;
	p->vprev = s->btail[b];
	if (s->btail[b])
		s->btail[b]->vnext = p;
	else
		s->bhead[b] = p;
	s->btail[b] = p;
	s->bmap[b / 64] |= 1ull << (b % 64);
}

static void vb_del(struct ppv *s, struct tl_pkt *p)
{
	uint32_t b = PPV_BUCKET(p->pv);
	if (p->vprev)
		p->vprev->vnext = p->vnext;
	else
		s->bhead[b] = p->vnext;
	if (p->vnext)
		p->vnext->vprev = p->vprev;
	else
		s->btail[b] = p->vprev;
	p->vnext = p->vprev = NULL;
	if (!s->bhead[b])
		s->bmap[b / 64] &= ~(1ull << (b % 64));
}

/* The lowest value queued (the latest of equal ones), or NULL. */
static struct tl_pkt *vb_lowest(const struct ppv *s)
{
	for (unsigned w = 0; w < PPV_BUCKETS / 64; w++) {
		if (!s->bmap[w])
			continue;
		unsigned b = w * 64 + (unsigned)__builtin_ctzll(s->bmap[w]);
		struct tl_pkt *low = NULL;
		for (struct tl_pkt *p = s->btail[b]; p; p = p->vprev)
			if (!low || p->pv < low->pv)
				low = p;
		return low;
	}
	return NULL;
}

/* Takes the lowest-value packet out of the queue. */
static struct tl_pkt *take_lowest(struct tl_qdisc *q, struct ppv *s)
{
	struct tl_pkt *low = vb_lowest(s);
	if (!low)
		return NULL;
	vb_del(s, low);
	tl_pktq_unlink(&s->fifo, low);
	q->backlog_pkts--;
	q->backlog_bytes -= low->len;
	return low;
}

uint32_t tl_ppv_ctv(const uint32_t *v, uint32_t n, double p, uint32_t *scratch)
{
	if (n == 0)
		return 0;
	uint32_t k = p <= 0 ? 0 : p >= 1 ? n - 1 : (uint32_t)(p * n);
	if (k >= n)
		k = n - 1;
	memcpy(scratch, v, n * sizeof(*v));
	/* Wirth's selection (Algorithms + Data Structures = Programs, 1976): the k-th
	 * smallest in expected O(n). Signed indices: j may step below 0. */
	int64_t l = 0, m = (int64_t)n - 1, kk = k;
	while (l < m) {
		uint32_t x = scratch[kk];
		int64_t i = l, j = m;
		do {
			while (scratch[i] < x)
				i++;
			while (x < scratch[j])
				j--;
			if (i <= j) {
				uint32_t t = scratch[i];
				scratch[i] = scratch[j];
				scratch[j] = t;
				i++;
				j--;
			}
		} while (i <= j);
		if (j < kk)
			l = i;
		if (kk < i)
			m = j;
	}
	return scratch[k];
}


static void ppv_drop(struct tl_qdisc *q, struct ppv *s, struct tl_pkt *p, enum tl_drop_cause cause,
		     uint64_t now_ns)
{
	tl_ppv_count_drop(&s->mk, p);
	if (q->spec.ppv.core == TL_PPV_PPOV)
		s->ctv = p->pv; /* PPOV's threshold: the last value it had to drop */
	tl_qdisc_drop(q, p, cause, now_ns);
}

static void ppv_advance(struct tl_qdisc *q, struct ppv *s, uint64_t now_ns)
{
	struct tl_pie_vars *v = &s->pie;
	if (tl_pie_advance(v, &q->spec.ppv.pie, &s->fifo, now_ns, &s->qdelay_ns))
		s->ctv = tl_ppv_ctv(s->ring, s->ring_n, v->drop_prob, s->scratch);
}

/* PV-PIE's early drop: below the CTV, unless PIE's own safeguards hold it back. */
static bool pvpie_drop(const struct tl_qdisc *q, const struct ppv *s, const struct tl_pkt *p)
{
	if (s->pie.drop_prob == 0 ||
	    !tl_pie_may_drop(&s->pie, &q->spec.ppv.pie, q->backlog_bytes, q->spec.mtu))
		return false;
	return p->pv < s->ctv;
}

static int ppv_alloc(struct tl_qdisc *q, struct ppv *s, struct tl_err *err)
{
	s->ring_cap = q->spec.ppv.ecdf;
	s->ring = calloc(s->ring_cap, sizeof(*s->ring));
	s->scratch = calloc(s->ring_cap, sizeof(*s->scratch));
	if (!s->ring || !s->scratch)
		return tl_err_set(err, ENOMEM, "ecdf of %u values: out of memory", s->ring_cap);
	return 0;
}

static int ppv_init(struct tl_qdisc *q, struct tl_err *err)
{
	struct ppv *s = q->priv;
	tl_ppv_marker_init(&s->mk, q->spec.seed, q->spec.ppv.cls);
	return ppv_alloc(q, s, err);
}

static int ppv_change(struct tl_qdisc *q, const struct tl_qspec *old, uint64_t now_ns,
		      struct tl_err *err)
{
	struct ppv *s = q->priv;
	if (q->spec.ppv.ecdf != old->ppv.ecdf)
		return tl_err_set(err, EINVAL, "ecdf cannot change from %u to %u at run time (set "
				  "up the discipline again)", old->ppv.ecdf, q->spec.ppv.ecdf);
	if (q->spec.ppv.cls != old->ppv.cls) /* new classes: start the statistics afresh */
		tl_ppv_marker_init(&s->mk, q->spec.seed, q->spec.ppv.cls);
	while ((q->spec.limit_bytes && q->backlog_bytes > q->spec.limit_bytes) ||
	       (q->spec.limit_pkts && q->backlog_pkts > q->spec.limit_pkts)) {
		ppv_drop(q, s, take_lowest(q, s), TL_DROP_QUEUE_FULL, now_ns);
	}
	return 0;
}

/* PPOV: makes room for p by dropping lower values; false if p itself is the lowest. */
static bool ppov_make_room(struct tl_qdisc *q, struct ppv *s, const struct tl_pkt *p,
			   uint64_t now_ns)
{
	while (!tl_qdisc_fits(q, p)) {
		const struct tl_pkt *min = vb_lowest(s);
		if (!min || min->pv >= p->pv)
			return false;
		struct tl_pkt *low = take_lowest(q, s);
		ppv_drop(q, s, low, q->spec.ppv.core == TL_PPV_PPOV ? TL_DROP_AQM : TL_DROP_QUEUE_FULL,
			 now_ns);
	}
	return true;
}

static enum tl_drop_cause ppv_enqueue(struct tl_qdisc *q, struct tl_pkt *p, uint64_t now_ns)
{
	struct ppv *s = q->priv;
	tl_ppv_mark(&s->mk, &q->spec.ppv, p, now_ns);
	if (q->spec.ppv.core == TL_PPV_PPOV) {
		if (!ppov_make_room(q, s, p, now_ns)) {
			ppv_drop(q, s, p, TL_DROP_AQM, now_ns);
			return TL_DROP_AQM;
		}
		tl_qfifo_push(q, &s->fifo, p);
		vb_add(s, p);
		return TL_DROP_NONE;
	}
	ppv_advance(q, s, now_ns);
	s->ring[s->ring_pos] = p->pv;
	s->ring_pos = (s->ring_pos + 1) % s->ring_cap;
	if (s->ring_n < s->ring_cap)
		s->ring_n++;
	/* A full buffer under PV-PIE too drops the lowest value present (PPOV's rule), not the
	 * arrival: a tail drop there would hit whoever arrives, whatever its value. */
	if (!ppov_make_room(q, s, p, now_ns)) {
		ppv_drop(q, s, p, TL_DROP_QUEUE_FULL, now_ns);
		return TL_DROP_QUEUE_FULL;
	}
	if (pvpie_drop(q, s, p) && !tl_qdisc_mark(q, p)) {
		ppv_drop(q, s, p, TL_DROP_AQM, now_ns);
		return TL_DROP_AQM;
	}
	tl_qfifo_push(q, &s->fifo, p);
	vb_add(s, p);
	return TL_DROP_NONE;
}

static struct tl_pkt *ppv_dequeue(struct tl_qdisc *q, uint64_t now_ns)
{
	struct ppv *s = q->priv;
	if (q->spec.ppv.core == TL_PPV_PIE)
		ppv_advance(q, s, now_ns);
	struct tl_pkt *p = tl_qfifo_pop(q, &s->fifo);
	if (p) {
		vb_del(s, p);
		tl_ppv_count_out(&s->mk, p);
	}
	return p;
}

static void ppv_reset(struct tl_qdisc *q, uint64_t now_ns)
{
	struct ppv *s = q->priv;
	tl_qfifo_flush(q, &s->fifo, now_ns);
	memset(s->bhead, 0, sizeof(s->bhead));
	memset(s->btail, 0, sizeof(s->btail));
	memset(s->bmap, 0, sizeof(s->bmap));
	s->pie = (struct tl_pie_vars){ 0 };
	s->ring_n = s->ring_pos = 0;
	s->ctv = 0;
}

static void ppv_info(const struct tl_qdisc *q, struct tl_qdisc_info *out)
{
	const struct ppv *s = q->priv;
	out->prob = s->pie.drop_prob;
	out->qdelay_ns = s->qdelay_ns;
	out->ctv = s->ctv;
	out->ppv = &s->mk.st;
}

static void ppv_destroy(struct tl_qdisc *q)
{
	struct ppv *s = q->priv;
	free(s->ring);
	free(s->scratch);
}

const struct tl_qdisc_ops tl_ppv_ops = {
	.kind = TL_QDISC_PPV,
	.priv_size = sizeof(struct ppv),
	.init = ppv_init,
	.change = ppv_change,
	.enqueue = ppv_enqueue,
	.dequeue = ppv_dequeue,
	.reset = ppv_reset,
	.info = ppv_info,
	.destroy = ppv_destroy,
};
