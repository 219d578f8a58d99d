#include "emu/ppv_marker.h"

#include <math.h>
#include <string.h>

void tl_ppv_marker_init(struct tl_ppv_marker *m, uint64_t seed, enum tl_ppv_class cls)
{
	memset(m, 0, sizeof(*m));
	tl_rng_seed(&m->rng, seed, 0x707076 /* "ppv" */);
	m->st.cls = cls;
}

uint32_t tl_ppv_tvf(const struct tl_ppv_params *par, double rate_bps, double weight)
{
	double r = rate_bps / weight, v;
	unsigned n = par->tvf_points;
	if (n == 0) {
		/* Falls linearly in the rate's double bit pattern from 1 kbit/s to 1 Tbit/s: for
		 * positive doubles the pattern is exponent then mantissa, so this is log2(rate)
		 * interpolated linearly between powers of two, strictly decreasing, without a
		 * log() per packet (28 ns of the marker's cost, bench/results/aqm.md). */
		static const double lo = 1e3, hi = 1e12;
		uint64_t b, blo, bhi;
		memcpy(&b, &r, sizeof(b));
		memcpy(&blo, &lo, sizeof(blo));
		memcpy(&bhi, &hi, sizeof(bhi));
		if (r <= lo)
			v = TL_PPV_MAX_VALUE;
		else if (r >= hi)
			v = 0;
		else
			v = TL_PPV_MAX_VALUE * ((double)(bhi - b) / (double)(bhi - blo));
	} else if (r <= par->tvf_rate[0]) {
		v = par->tvf_value[0];
	} else if (r >= par->tvf_rate[n - 1]) {
		v = par->tvf_value[n - 1];
	} else {
		unsigned i = 1;
		while (par->tvf_rate[i] < r)
			i++;
		double f = (r - par->tvf_rate[i - 1]) / (par->tvf_rate[i] - par->tvf_rate[i - 1]);
		v = par->tvf_value[i - 1] + f * (par->tvf_value[i] - par->tvf_value[i - 1]);
	}
	return v >= TL_PPV_MAX_VALUE ? UINT32_MAX : (uint32_t)v;
}

/* The class slot: the host's own (host class), or the flow's by 5-tuple, probing a few
 * slots; flows beyond share the last slot. */
static uint16_t class_of(struct tl_ppv_stats *st, const struct tl_pkt *p)
{
	if (st->cls == TL_PPV_HOST)
		return p->host < TL_PPV_HOSTS ? p->host : TL_PPV_OTHER;
	uint32_t mask = TL_PPV_CLASSES / 2 - 1; /* probe the lower half, leave room */
	for (uint32_t i = p->flow_hash & mask, n = 0; n < 8; i = (i + 1) & mask, n++) {
		struct tl_ppv_class_stats *c = &st->c[i];
		if (!c->used)
			return (uint16_t)i;
		if (c->hash == p->flow_hash && memcmp(&c->key, &p->key, sizeof(c->key)) == 0)
			return (uint16_t)i;
	}
	return TL_PPV_OTHER;
}

struct tl_ppv_class_stats *tl_ppv_mark(struct tl_ppv_marker *m, const struct tl_ppv_params *par,
				       struct tl_pkt *p, uint64_t now_ns)
{
	uint16_t idx = class_of(&m->st, p);
	struct tl_ppv_class_stats *c = &m->st.c[idx];
	if (!c->used) {
		c->used = true;
		c->host = p->host;
		c->hash = p->flow_hash;
		c->key = p->key;
		c->last_ns = now_ns;
		c->drop_pv_min = UINT32_MAX;
		m->st.used++;
	}
	/* R: bits arrived, each weighted by exp(-age / window), over the window; at a steady
	 * rate r this is r. */
	double w = (double)par->window_ns;
	double x = (double)(now_ns > c->last_ns ? now_ns - c->last_ns : 0) / w;
	/* Packets of a busy class are microseconds apart against a window of 100 ms: there
	 * exp(-x) is 1 - x + x^2 / 2 to within x^3 / 6 < 2e-7, at a fraction of exp()'s cost. */
	double decay = x < 0.01 ? 1 - x + x * x / 2 : exp(-x);
	c->rate_bps = c->rate_bps * decay + (double)p->len * 8e9 / w;
	c->last_ns = now_ns;
	c->pkts_in++;
	c->bytes_in += p->len;
	double weight = p->host < TL_PPV_HOSTS ? par->weight[p->host] : 1.0;
	p->pv = tl_ppv_tvf(par, tl_rng_double(&m->rng) * c->rate_bps, weight);
	p->ppv_class = idx;
	return c;
}

void tl_ppv_count_out(struct tl_ppv_marker *m, const struct tl_pkt *p)
{
	struct tl_ppv_class_stats *c = &m->st.c[p->ppv_class % TL_PPV_CLASSES];
	c->pkts_out++;
	c->bytes_out += p->len;
}

void tl_ppv_count_drop(struct tl_ppv_marker *m, const struct tl_pkt *p)
{
	struct tl_ppv_class_stats *c = &m->st.c[p->ppv_class % TL_PPV_CLASSES];
	c->drops++;
	c->drop_bytes += p->len;
	c->drop_pv_sum += p->pv;
	if (p->pv < c->drop_pv_min)
		c->drop_pv_min = p->pv;
	if (p->pv > c->drop_pv_max)
		c->drop_pv_max = p->pv;
	m->st.drops_by_value[p->pv >> 28]++;
}
