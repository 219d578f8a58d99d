#ifndef TCPLAB_MEASURE_SUMMARY_H
#define TCPLAB_MEASURE_SUMMARY_H

#include <stddef.h>

/*
 * The spread of one number across flows (throughput, bytes, retransmits ...).
 * median, p10 and p90 interpolate linearly between the two nearest ranks (the usual
 * "type 7" definition: numpy's and R's default), so the median of an even count is the mean
 * of the two middle values. jain is Jain's fairness index of the values.
 */
struct tl_summary {
	size_t n;
	double min, median, max, mean, sum, p10, p90, jain;
};

/*
 * Fills out from values[0..n) (not modified: a copy is sorted). n == 0 gives all zeros.
 * Sums use long double with compensation, so 10^5 flows add up exactly enough.
 * Returns 0, -ENOMEM, or -EINVAL when a value is NaN (it has no place in the order).
 */
int tl_summary_of(const double *values, size_t n, struct tl_summary *out);

/*
 * Jain's fairness index (sum x)^2 / (n * sum x^2) of non-negative values: 1.0 when all are
 * equal, 1/n when one value holds everything. n == 0 or all values zero give 0: nothing was
 * shared, so there is no fairness to report (a reader should not see "perfectly fair" for a
 * test in which no flow moved a byte).
 */
double tl_jain_index(const double *x, size_t n);

#endif
