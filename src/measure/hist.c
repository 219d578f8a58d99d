#include "measure/hist.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/*
 * Layout. SUB = 128 sub-buckets. Values 0..SUB-1 have bucket index = value. A value v >= SUB
 * with highest set bit e (7..62) falls in magnitude k = e - 6 (1..56), sub-bucket
 * m = (v >> (e - 7)) - SUB (0..127): index = k * SUB + m, and the bucket holds
 * [(SUB + m) << (k - 1), ((SUB + m + 1) << (k - 1)) - 1]. Its width over its lower bound
 * is 1 / (SUB + m) <= 1/128, which is the error bound. 57 * 128 = 7296 buckets.
 */
#define SUB (1u << TL_HIST_SUB_BUCKET_BITS)

/* The exact sum can exceed 64 bits (2^64 counts of up to 2^63), so it is kept in 128 bits,
 * written out by hand rather than with __int128, which 32-bit targets lack. */
struct u128 {
	uint64_t hi, lo;
};

struct tl_hist {
	uint64_t count;
	uint64_t min; /* UINT64_MAX while empty */
	uint64_t max;
	struct u128 sum;
	uint64_t buckets[TL_HIST_BUCKETS];
};

static struct u128 u128_mul(uint64_t a, uint64_t b)
{
	uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
	struct u128 r = { .hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32),
			  .lo = (mid << 32) | (uint32_t)p00 };
	return r;
}

/* acc += x; saturates and returns false on overflow. */
static bool u128_add(struct u128 *acc, struct u128 x)
{
	uint64_t lo = acc->lo + x.lo;
	uint64_t carry = lo < x.lo;
	uint64_t hi;
	if (__builtin_add_overflow(acc->hi, x.hi, &hi) || __builtin_add_overflow(hi, carry, &hi)) {
		acc->hi = acc->lo = UINT64_MAX;
		return false;
	}
	acc->hi = hi;
	acc->lo = lo;
	return true;
}

static int u128_cmp(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

/* Decimal digits of x into buf (at least 40 bytes: 2^128 has 39 digits). */
static void u128_to_dec(struct u128 x, char *buf)
{
	uint32_t limb[4] = { (uint32_t)(x.hi >> 32), (uint32_t)x.hi, (uint32_t)(x.lo >> 32),
			     (uint32_t)x.lo };
	char rev[40];
	size_t n = 0;
	do {
		uint64_t rem = 0;
		for (int i = 0; i < 4; i++) {
			uint64_t cur = (rem << 32) | limb[i];
			limb[i] = (uint32_t)(cur / 10);
			rem = cur % 10;
		}
		rev[n++] = (char)('0' + rem);
	} while ((limb[0] | limb[1] | limb[2] | limb[3]) != 0);
	for (size_t i = 0; i < n; i++)
		buf[i] = rev[n - 1 - i];
	buf[n] = '\0';
}

/* Parses 1..39 decimal digits, nothing else; -1 on anything else or overflow. */
static int u128_from_dec(const char *s, struct u128 *out)
{
	struct u128 x = { 0, 0 };
	size_t len = strlen(s);
	if (len == 0 || len > 39)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		uint64_t hi10;
		if (__builtin_mul_overflow(x.hi, 10, &hi10))
			return -1;
		struct u128 lo10 = u128_mul(x.lo, 10);
		struct u128 next = { .hi = hi10, .lo = 0 };
		if (!u128_add(&next, lo10))
			return -1;
		struct u128 digit = { .hi = 0, .lo = (uint64_t)(s[i] - '0') };
		if (!u128_add(&next, digit))
			return -1;
		x = next;
	}
	*out = x;
	return 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static unsigned bucket_index(uint64_t v)
{
	if (v < SUB)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v);
	unsigned shift = e - TL_HIST_SUB_BUCKET_BITS;
	return ((shift + 1) << TL_HIST_SUB_BUCKET_BITS) + (unsigned)(v >> shift) - SUB;
}

static uint64_t bucket_lo(unsigned idx)
{
	if (idx < SUB)
		return idx;
	unsigned shift = (idx >> TL_HIST_SUB_BUCKET_BITS) - 1;
	return (uint64_t)(SUB + (idx & (SUB - 1))) << shift;
}

static uint64_t bucket_hi(unsigned idx)
{
	if (idx < SUB)
		return idx;
	unsigned shift = (idx >> TL_HIST_SUB_BUCKET_BITS) - 1;
	return bucket_lo(idx) + (((uint64_t)1 << shift) - 1);
}

struct tl_hist *tl_hist_new(void)
{
	struct tl_hist *h = calloc(1, sizeof(*h));
	if (h)
		h->min = UINT64_MAX;
	return h;
}

void tl_hist_free(struct tl_hist *h)
{
	free(h);
}

void tl_hist_reset(struct tl_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void tl_hist_record_n(struct tl_hist *h, uint64_t v, uint64_t n)
{
	if (n == 0)
		return;
	if (v > TL_HIST_MAX_VALUE)
		v = TL_HIST_MAX_VALUE;
	unsigned idx = bucket_index(v);
	h->buckets[idx] = sat_add(h->buckets[idx], n);
	h->count = sat_add(h->count, n);
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	u128_add(&h->sum, u128_mul(v, n));
}

void tl_hist_record(struct tl_hist *h, uint64_t v)
{
	tl_hist_record_n(h, v, 1);
}

void tl_hist_merge(struct tl_hist *dst, const struct tl_hist *src)
{
	if (src->count == 0)
		return;
	for (unsigned i = 0; i < TL_HIST_BUCKETS; i++)
		dst->buckets[i] = sat_add(dst->buckets[i], src->buckets[i]);
	dst->count = sat_add(dst->count, src->count);
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	u128_add(&dst->sum, src->sum);
}

uint64_t tl_hist_count(const struct tl_hist *h)
{
	return h->count;
}

uint64_t tl_hist_min(const struct tl_hist *h)
{
	return h->count ? h->min : 0;
}

uint64_t tl_hist_max(const struct tl_hist *h)
{
	return h->max;
}

double tl_hist_mean(const struct tl_hist *h)
{
	if (h->count == 0)
		return 0.0;
	long double sum = (long double)h->sum.hi * 18446744073709551616.0L + (long double)h->sum.lo;
	return (double)(sum / (long double)h->count);
}

uint64_t tl_hist_percentile(const struct tl_hist *h, double pct)
{
	if (h->count == 0)
		return 0;
	if (!(pct > 0.0)) /* also NaN */
		return h->min;
	if (pct >= 100.0)
		return h->max;
	/*
	 * Nearest rank: ceil(pct/100 * count). pct is usually a decimal such as 99.9 that a
	 * double holds slightly high, which would push an exact product to the next rank; the
	 * 1e-12 relative slack absorbs that and stays below one rank up to 10^12 values.
	 */
	long double x = (long double)pct * (long double)h->count / 100.0L;
	long double r = ceill(x - x * 1e-12L);
	uint64_t rank = r < 1.0L ? 1 : (r >= (long double)h->count ? h->count : (uint64_t)r);
	uint64_t seen = 0;
	for (unsigned i = 0; i < TL_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t v = bucket_hi(i);
			return v > h->max ? h->max : v;
		}
	}
	return h->max; /* only when saturated counts no longer add up */
}

void tl_hist_percentiles(const struct tl_hist *h, const double *pcts, uint64_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = tl_hist_percentile(h, pcts[i]);
}

int tl_hist_foreach(const struct tl_hist *h, tl_hist_bucket_fn fn, void *ctx)
{
	for (unsigned i = 0; i < TL_HIST_BUCKETS; i++) {
		if (h->buckets[i] == 0)
			continue;
		int rc = fn(bucket_lo(i), bucket_hi(i), h->buckets[i], ctx);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Moves v (NULL after a failed allocation) into obj; false on failure, v released. */
static bool set_new(json_t *obj, const char *key, json_t *v)
{
	return v && json_object_set_new(obj, key, v) == 0;
}

/* The sum as a JSON integer when it fits, else as a decimal string. */
static json_t *sum_to_json(struct u128 sum)
{
	if (sum.hi == 0 && sum.lo <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)sum.lo);
	char dec[40];
	u128_to_dec(sum, dec);
	return json_string(dec);
}

json_t *tl_hist_to_json(const struct tl_hist *h)
{
	if (h->count > (uint64_t)INT64_MAX)
		return NULL;
	json_t *obj = json_object();
	if (!obj)
		return NULL;
	if (!set_new(obj, "sub_bucket_bits", json_integer(TL_HIST_SUB_BUCKET_BITS)) ||
	    !set_new(obj, "count", json_integer((json_int_t)h->count)) ||
	    !set_new(obj, "min", json_integer((json_int_t)tl_hist_min(h))) ||
	    !set_new(obj, "max", json_integer((json_int_t)h->max)) ||
	    !set_new(obj, "sum", sum_to_json(h->sum)))
		goto fail;
	/* obj owns the array once set; buckets stays usable as a borrowed pointer. */
	json_t *buckets = json_array();
	if (!set_new(obj, "buckets", buckets))
		goto fail;
	for (unsigned i = 0; i < TL_HIST_BUCKETS; i++) {
		if (h->buckets[i] == 0)
			continue;
		/* A single bucket can only exceed int64 if the total does, checked above. */
		json_t *pair = json_pack("[I,I]", (json_int_t)i, (json_int_t)h->buckets[i]);
		if (json_array_append_new(buckets, pair) != 0)
			goto fail;
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

/* A required non-negative JSON integer member. */
static int get_uint(const json_t *j, const char *key, uint64_t *out, struct tl_err *err)
{
	const json_t *v = json_object_get(j, key);
	if (!v)
		return tl_err_set(err, EINVAL, "histogram JSON: \"%s\" is missing", key);
	if (!json_is_integer(v))
		return tl_err_set(err, EINVAL, "histogram JSON: \"%s\" must be an integer", key);
	json_int_t i = json_integer_value(v);
	if (i < 0)
		return tl_err_set(err, EINVAL, "histogram JSON: \"%s\" is %" JSON_INTEGER_FORMAT
				  ", must not be negative", key, i);
	*out = (uint64_t)i;
	return 0;
}

static int get_sum(const json_t *j, struct u128 *out, struct tl_err *err)
{
	const json_t *v = json_object_get(j, "sum");
	if (json_is_string(v)) {
		if (u128_from_dec(json_string_value(v), out) != 0)
			return tl_err_set(err, EINVAL, "histogram JSON: \"sum\" string \"%.40s\" is not "
					  "1 to 39 decimal digits below 2^128", json_string_value(v));
		return 0;
	}
	uint64_t s;
	int rc = get_uint(j, "sum", &s, err);
	if (rc == 0)
		*out = (struct u128){ .hi = 0, .lo = s };
	return rc;
}

/* Reads "buckets" into tmp (counts and total), checking each pair. */
static int read_buckets(const json_t *j, struct tl_hist *tmp, unsigned *first, unsigned *last,
			struct tl_err *err)
{
	const json_t *arr = json_object_get(j, "buckets");
	if (!json_is_array(arr))
		return tl_err_set(err, EINVAL, "histogram JSON: \"buckets\" must be an array of "
				  "[index, count] pairs");
	size_t n = json_array_size(arr);
	uint64_t total = 0;
	for (size_t k = 0; k < n; k++) {
		const json_t *pair = json_array_get(arr, k);
		const json_t *ji = json_array_get(pair, 0), *jc = json_array_get(pair, 1);
		if (!json_is_array(pair) || json_array_size(pair) != 2 || !json_is_integer(ji) ||
		    !json_is_integer(jc))
			return tl_err_set(err, EINVAL, "histogram JSON: \"buckets\"[%zu] must be a pair "
					  "of integers [index, count]", k);
		json_int_t idx = json_integer_value(ji), cnt = json_integer_value(jc);
		if (idx < 0 || idx >= (json_int_t)TL_HIST_BUCKETS)
			return tl_err_set(err, EINVAL, "histogram JSON: \"buckets\"[%zu]: index %"
					  JSON_INTEGER_FORMAT " is outside 0..%u", k, idx,
					  TL_HIST_BUCKETS - 1);
		if (k > 0 && (unsigned)idx <= *last)
			return tl_err_set(err, EINVAL, "histogram JSON: \"buckets\"[%zu]: index %"
					  JSON_INTEGER_FORMAT " does not follow %u (indices must "
					  "ascend, each once)", k, idx, *last);
		if (cnt <= 0)
			return tl_err_set(err, EINVAL, "histogram JSON: \"buckets\"[%zu]: count %"
					  JSON_INTEGER_FORMAT " must be positive", k, cnt);
		if (__builtin_add_overflow(total, (uint64_t)cnt, &total))
			return tl_err_set(err, EINVAL, "histogram JSON: bucket counts overflow 64 bits "
					  "at \"buckets\"[%zu]", k);
		if (k == 0)
			*first = (unsigned)idx;
		*last = (unsigned)idx;
		tmp->buckets[idx] = (uint64_t)cnt;
	}
	tmp->count = total;
	return 0;
}

int tl_hist_from_json(struct tl_hist *h, const json_t *j, struct tl_err *err)
{
	int ret = -EINVAL;
	uint64_t bits, count, min, max;
	struct u128 sum;
	unsigned first = 0, last = 0;
	struct tl_hist *tmp = NULL;

	if (!json_is_object(j)) {
		ret = tl_err_set(err, EINVAL, "histogram JSON: expected an object");
		goto out;
	}
	if ((ret = get_uint(j, "sub_bucket_bits", &bits, err)) < 0 ||
	    (ret = get_uint(j, "count", &count, err)) < 0 ||
	    (ret = get_uint(j, "min", &min, err)) < 0 ||
	    (ret = get_uint(j, "max", &max, err)) < 0 || (ret = get_sum(j, &sum, err)) < 0)
		goto out;
	ret = -EINVAL;
	if (bits != TL_HIST_SUB_BUCKET_BITS) {
		ret = tl_err_set(err, EINVAL, "histogram JSON: sub_bucket_bits %" PRIu64 " but this "
				 "tcplab uses %u (mixed tcplab versions?)", bits,
				 TL_HIST_SUB_BUCKET_BITS);
		goto out;
	}
	tmp = tl_hist_new();
	if (!tmp) {
		ret = tl_err_set(err, ENOMEM, "histogram JSON: out of memory");
		goto out;
	}
	if ((ret = read_buckets(j, tmp, &first, &last, err)) < 0)
		goto out;
	ret = -EINVAL;
	if (tmp->count != count) {
		ret = tl_err_set(err, EINVAL, "histogram JSON: \"count\" %" PRIu64 " but the buckets "
				 "hold %" PRIu64, count, tmp->count);
		goto out;
	}
	if (count == 0) {
		if (min != 0 || max != 0 || sum.hi != 0 || sum.lo != 0) {
			ret = tl_err_set(err, EINVAL, "histogram JSON: empty but min, max or sum is "
					 "not 0");
			goto out;
		}
	} else {
		if (min > max || bucket_index(min) != first || bucket_index(max) != last ||
		    (count == 1 && min != max)) {
			ret = tl_err_set(err, EINVAL, "histogram JSON: min %" PRIu64 " / max %" PRIu64
					 " do not match the first / last bucket", min, max);
			goto out;
		}
		/* Each value lies in its bucket and within [min, max]; so must the sum. No
		 * overflow: count < 2^63 values below 2^63 sum to less than 2^126. */
		struct u128 lo_sum = { 0, 0 }, hi_sum = { 0, 0 };
		for (unsigned i = first; i <= last; i++) {
			if (tmp->buckets[i] == 0)
				continue;
			uint64_t lo = bucket_lo(i) < min ? min : bucket_lo(i);
			uint64_t hi = bucket_hi(i) > max ? max : bucket_hi(i);
			u128_add(&lo_sum, u128_mul(lo, tmp->buckets[i]));
			u128_add(&hi_sum, u128_mul(hi, tmp->buckets[i]));
		}
		if (u128_cmp(sum, lo_sum) < 0 || u128_cmp(sum, hi_sum) > 0) {
			ret = tl_err_set(err, EINVAL, "histogram JSON: \"sum\" is outside what the "
					 "buckets allow");
			goto out;
		}
	}
	tmp->min = count ? min : UINT64_MAX;
	tmp->max = max;
	tmp->sum = sum;
	memcpy(h, tmp, sizeof(*h));
	ret = 0;
out:
	tl_hist_free(tmp);
	return ret;
}
