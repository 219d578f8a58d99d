#ifndef TCPLAB_EMU_LHIST_H
#define TCPLAB_EMU_LHIST_H

#include <stdint.h>

/*
 * A log-linear histogram of u64 values (HdrHistogram style) for the router's queue delay
 * and queue length: exact below 128, then 128 linear buckets per power of two, so any
 * reported percentile is within 0.4% of a recorded value (half a bucket of width 1/128).
 * Fixed size (7424 counters, 58 KiB), allocated once; recording is a few instructions.
 * Local to emu so the router does not depend on src/measure.
 */

#define TL_LHIST_SUB_BITS 7
#define TL_LHIST_BUCKETS ((64 - TL_LHIST_SUB_BITS + 1) << TL_LHIST_SUB_BITS)

struct tl_lhist {
	uint64_t count;
	uint64_t min, max;
	long double sum;
	uint64_t buckets[TL_LHIST_BUCKETS];
};

void tl_lhist_reset(struct tl_lhist *h);
void tl_lhist_record(struct tl_lhist *h, uint64_t v);

/* The value at quantile q in [0, 1] (0.99 for p99): the midpoint of its bucket, clamped to
 * the recorded min and max; 0 when empty. */
uint64_t tl_lhist_quantile(const struct tl_lhist *h, double q);

double tl_lhist_mean(const struct tl_lhist *h);

/* The bucket index of v, and the lowest value of a bucket (exposed for tests). */
unsigned tl_lhist_index(uint64_t v);
uint64_t tl_lhist_bucket_low(unsigned idx);

#endif
