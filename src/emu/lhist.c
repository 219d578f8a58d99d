#include "emu/lhist.h"

#include <math.h>
#include <string.h>

#define SUB (1u << TL_LHIST_SUB_BITS)

void tl_lhist_reset(struct tl_lhist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

unsigned tl_lhist_index(uint64_t v)
{
	if (v < SUB)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v); /* >= TL_LHIST_SUB_BITS */
	unsigned shift = e - TL_LHIST_SUB_BITS;
	/* v >> shift is in [SUB, 2 SUB): the top bit is the power, the rest the sub-bucket. */
	return (shift + 1) * SUB + (unsigned)((v >> shift) - SUB);
}

uint64_t tl_lhist_bucket_low(unsigned idx)
{
	if (idx < SUB)
		return idx;
	unsigned shift = idx / SUB - 1;
	return (uint64_t)(SUB + idx % SUB) << shift;
}

void tl_lhist_record(struct tl_lhist *h, uint64_t v)
{
	h->buckets[tl_lhist_index(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

uint64_t tl_lhist_quantile(const struct tl_lhist *h, double q)
{
	if (h->count == 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	/* Nearest rank: the smallest value with at least q x count values at or below it. */
	uint64_t rank = (uint64_t)ceil(q * (double)h->count);
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < TL_LHIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen < rank)
			continue;
		uint64_t low = tl_lhist_bucket_low(i);
		uint64_t width = i < SUB ? 1 : 1ull << (i / SUB - 1);
		uint64_t mid = low + width / 2;
		if (mid < h->min)
			mid = h->min;
		if (mid > h->max)
			mid = h->max;
		return mid;
	}
	return h->max;
}

double tl_lhist_mean(const struct tl_lhist *h)
{
	return h->count ? (double)(h->sum / h->count) : 0;
}
