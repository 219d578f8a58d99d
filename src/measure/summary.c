#include "measure/summary.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * Neumaier's compensated sum in long double: the error stays at a few ulps whatever the
 * count or the order, where a plain double sum of 10^5 throughputs drifts in the last digits.
 */
struct ksum {
	long double sum, comp;
};

static void ksum_add(struct ksum *k, long double x)
{
	long double t = k->sum + x;
	if (fabsl(k->sum) >= fabsl(x))
		k->comp += (k->sum - t) + x;
	else
		k->comp += (x - t) + k->sum;
	k->sum = t;
}

static long double ksum_value(const struct ksum *k)
{
	return k->sum + k->comp;
}

double tl_jain_index(const double *x, size_t n)
{
	if (n == 0)
		return 0.0;
	/* The index does not change when every x is scaled, so scale by the largest magnitude:
	 * squares of huge values then cannot overflow nor tiny ones underflow. */
	long double scale = 0.0L;
	for (size_t i = 0; i < n; i++)
		if (fabsl((long double)x[i]) > scale)
			scale = fabsl((long double)x[i]);
	if (scale == 0.0L || !isfinite(scale))
		return 0.0; /* all zero (see summary.h), or garbage in: keep the JSON valid */
	struct ksum s = { 0, 0 }, s2 = { 0, 0 };
	for (size_t i = 0; i < n; i++) {
		long double v = (long double)x[i] / scale;
		ksum_add(&s, v);
		ksum_add(&s2, v * v);
	}
	long double sum = ksum_value(&s), sum2 = ksum_value(&s2);
	return (double)(sum * sum / ((long double)n * sum2));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Linear interpolation between the two nearest ranks of sorted v[0..n) ("type 7"). */
static double quantile(const double *v, size_t n, double q)
{
	long double pos = (long double)q * (long double)(n - 1);
	size_t lo = (size_t)floorl(pos);
	if (lo >= n - 1)
		return v[n - 1];
	long double frac = pos - (long double)lo;
	return (double)((long double)v[lo] + frac * ((long double)v[lo + 1] - (long double)v[lo]));
}

int tl_summary_of(const double *values, size_t n, struct tl_summary *out)
{
	memset(out, 0, sizeof(*out));
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (isnan(values[i]))
			return -EINVAL;
	double *v = malloc(n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v, values, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_double);

	struct ksum s = { 0, 0 };
	for (size_t i = 0; i < n; i++)
		ksum_add(&s, v[i]);
	out->n = n;
	out->min = v[0];
	out->max = v[n - 1];
	out->sum = (double)ksum_value(&s);
	out->mean = (double)(ksum_value(&s) / (long double)n);
	out->median = quantile(v, n, 0.5);
	out->p10 = quantile(v, n, 0.1);
	out->p90 = quantile(v, n, 0.9);
	out->jain = tl_jain_index(v, n);
	free(v);
	return 0;
}
