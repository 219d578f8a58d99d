#ifndef TCPLAB_MEASURE_HIST_H
#define TCPLAB_MEASURE_HIST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct tl_err;

/*
 * A log-linear histogram of uint64 values (nanoseconds, usually), in the style of
 * HdrHistogram. Values 0..127 have a bucket each; above that every power of two is cut into
 * 128 equal sub-buckets, so a bucket is at most 1/128 (0.78%) of its lower bound wide.
 * Values up to TL_HIST_MAX_VALUE (2^63 - 1, about 292 years in ns) are kept; larger ones
 * are recorded as TL_HIST_MAX_VALUE. The table is TL_HIST_BUCKETS uint64 counters (58 KB),
 * so one histogram per thread, merged by the reporter, is cheap. min, max, count and the
 * sum are tracked exactly beside the buckets. Not thread safe: one writer at a time.
 */
struct tl_hist; /* opaque */

#define TL_HIST_SUB_BUCKET_BITS 7
#define TL_HIST_MAX_VALUE ((uint64_t)INT64_MAX)
#define TL_HIST_BUCKETS (57u << TL_HIST_SUB_BUCKET_BITS)

/* A new empty histogram, or NULL when out of memory. Free with tl_hist_free (NULL ok). */
struct tl_hist *tl_hist_new(void);
void tl_hist_free(struct tl_hist *h);
void tl_hist_reset(struct tl_hist *h);

/* Records v once / n times. Counters saturate at UINT64_MAX instead of wrapping. */
void tl_hist_record(struct tl_hist *h, uint64_t v);
void tl_hist_record_n(struct tl_hist *h, uint64_t v, uint64_t n);

/* Adds src into dst; afterwards dst is as if every value of both had been recorded in it. */
void tl_hist_merge(struct tl_hist *dst, const struct tl_hist *src);

/* Exact statistics. On an empty histogram they are all 0. */
uint64_t tl_hist_count(const struct tl_hist *h);
uint64_t tl_hist_min(const struct tl_hist *h);
uint64_t tl_hist_max(const struct tl_hist *h);
double tl_hist_mean(const struct tl_hist *h);

/*
 * The value at percentile pct (0..100, clamped) by nearest rank: the smallest recorded value
 * that at least pct% of the values are <= to. Like HdrHistogram it returns the highest value
 * of that value's bucket, clamped to max: never below the true value, at most 0.78% above
 * it, never above max, never below min. pct 0 gives min, pct 100 gives max, empty gives 0.
 */
uint64_t tl_hist_percentile(const struct tl_hist *h, double pct);

/* tl_hist_percentile for each of pcts[0..n) into out[0..n) (p50/p90/p99/p99.9 at once). */
void tl_hist_percentiles(const struct tl_hist *h, const double *pcts, uint64_t *out, size_t n);

/*
 * Calls fn for each non-empty bucket in ascending order with the bucket's inclusive value
 * range [lo, hi] and its count. A non-zero return from fn stops the walk and is returned.
 */
typedef int (*tl_hist_bucket_fn)(uint64_t lo, uint64_t hi, uint64_t count, void *ctx);
int tl_hist_foreach(const struct tl_hist *h, tl_hist_bucket_fn fn, void *ctx);

/*
 * Lossless, sparse JSON form (a new reference, NULL on ENOMEM or a count above 2^63 - 1):
 *   {"sub_bucket_bits": 7, "count": N, "min": V, "max": V, "sum": S,
 *    "buckets": [[index, count], ...]}      indices ascending, counts > 0
 * "sum" is a JSON integer when it fits in int64, otherwise a string of decimal digits (the
 * exact sum can reach 2^127). tl_hist_from_json replaces h's contents with that form. The
 * input comes from the network, so it is checked strictly: every key present with the right
 * type, sub_bucket_bits equal to ours, indices in range and ascending, counts 1..2^63-1,
 * "count" equal to the sum of the bucket counts (without overflow), min in the first bucket,
 * max in the last, sum between what the buckets allow. On error h is left unchanged and
 * -EINVAL returned with the reason in err.
 */
json_t *tl_hist_to_json(const struct tl_hist *h);
int tl_hist_from_json(struct tl_hist *h, const json_t *j, struct tl_err *err);

#endif
