/* Log-linear histogram: the error bound, exact min/max, merge, percentiles and the JSON form
 * that travels from the agent, including the malformed inputs it must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/hist.h"
#include "util/err.h"

/* xorshift64*: a fixed-seed generator, so a failure reproduces. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* A value spread evenly over magnitudes 0 .. 2^62. */
static uint64_t rng_value(uint64_t *s)
{
	uint64_t v = rng_next(s) >> 2;  /* < 2^62 */
	return v >> (rng_next(s) % 62); /* log-uniform-ish */
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The histogram's answer must be >= the truth and at most 1% (in fact 1/128) above it. */
static void assert_within(uint64_t got, uint64_t want)
{
	if (got < want || (long double)(got - want) > (long double)want / 128.0L) {
		fail_msg("percentile %llu vs true %llu: outside [true, true*(1+1/128)]",
			 (unsigned long long)got, (unsigned long long)want);
	}
}

struct one_bucket {
	uint64_t lo, hi, count;
	int calls;
};

static int grab_bucket(uint64_t lo, uint64_t hi, uint64_t count, void *ctx)
{
	struct one_bucket *b = ctx;
	b->lo = lo;
	b->hi = hi;
	b->count = count;
	b->calls++;
	return 0;
}

/* Each value lands in a bucket that contains it and is at most 1/128 of its value wide. */
static void check_value_bucket(struct tl_hist *h, uint64_t v)
{
	tl_hist_reset(h);
	tl_hist_record(h, v);
	struct one_bucket b = { 0 };
	assert_int_equal(tl_hist_foreach(h, grab_bucket, &b), 0);
	assert_int_equal(b.calls, 1);
	assert_int_equal(b.count, 1);
	uint64_t c = v > TL_HIST_MAX_VALUE ? TL_HIST_MAX_VALUE : v;
	assert_true(b.lo <= c && c <= b.hi);
	assert_true((long double)(b.hi - b.lo + 1) <= (long double)(b.lo > 128 ? b.lo : 128) / 128.0L);
	assert_int_equal(tl_hist_min(h), c);
	assert_int_equal(tl_hist_max(h), c);
	/* With a far larger value beside it, the clamp to max does not hide the bucket. */
	tl_hist_record_n(h, c, 2);
	tl_hist_record(h, TL_HIST_MAX_VALUE);
	if (c < TL_HIST_MAX_VALUE / 2)
		assert_within(tl_hist_percentile(h, 50), c);
}

static void test_edge_values(void **state)
{
	(void)state;
	struct tl_hist *h = tl_hist_new();
	assert_non_null(h);
	static const uint64_t fixed[] = { 0, 1, 2, 126, 127, 128, 129, 254, 255, 256, 257, 1000,
					  1ULL << 62, (1ULL << 62) - 1, (1ULL << 62) + 1,
					  INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX };
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		check_value_bucket(h, fixed[i]);
	for (unsigned k = 0; k < 64; k++) {
		check_value_bucket(h, 1ULL << k);
		check_value_bucket(h, (1ULL << k) - 1);
		check_value_bucket(h, (1ULL << k) + 1);
	}
	/* Values above the range are kept as TL_HIST_MAX_VALUE. */
	tl_hist_reset(h);
	tl_hist_record(h, UINT64_MAX);
	assert_int_equal(tl_hist_max(h), TL_HIST_MAX_VALUE);
	tl_hist_free(h);
}

static void test_error_bound_random(void **state)
{
	(void)state;
	enum { N = 200000 };
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	uint64_t *vals = malloc(N * sizeof(*vals));
	struct tl_hist *h = tl_hist_new();
	assert_non_null(vals);
	assert_non_null(h);
	for (size_t i = 0; i < N; i++) {
		vals[i] = rng_value(&seed);
		tl_hist_record(h, vals[i]);
	}
	qsort(vals, N, sizeof(*vals), cmp_u64);
	assert_int_equal(tl_hist_count(h), N);
	assert_int_equal(tl_hist_min(h), vals[0]);
	assert_int_equal(tl_hist_max(h), vals[N - 1]);
	static const double pcts[] = { 0.001, 1, 10, 25, 33.3, 50, 75, 90, 99, 99.9, 99.99 };
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		size_t rank = (size_t)ceil(pcts[i] / 100.0 * N - 1e-9);
		assert_within(tl_hist_percentile(h, pcts[i]), vals[rank - 1]);
	}
	assert_int_equal(tl_hist_percentile(h, 0), vals[0]);
	assert_int_equal(tl_hist_percentile(h, 100), vals[N - 1]);
	/* Every single value too, through its own rank. */
	for (size_t i = 0; i < N; i += 997) {
		double pct = ((double)i + 1) * 100.0 / N;
		uint64_t got = tl_hist_percentile(h, pct);
		assert_true(got >= vals[0] && got <= vals[N - 1]);
		assert_within(got, vals[i]);
	}
	free(vals);
	tl_hist_free(h);
}

static void test_known_percentiles(void **state)
{
	(void)state;
	struct tl_hist *h = tl_hist_new();
	assert_non_null(h);
	assert_int_equal(tl_hist_percentile(h, 50), 0);
	assert_int_equal(tl_hist_min(h), 0);
	assert_int_equal(tl_hist_max(h), 0);
	assert_true(tl_hist_mean(h) == 0.0);
	for (uint64_t v = 1; v <= 10000; v++)
		tl_hist_record(h, v);
	assert_int_equal(tl_hist_count(h), 10000);
	assert_int_equal(tl_hist_min(h), 1);
	assert_int_equal(tl_hist_max(h), 10000);
	assert_true(tl_hist_mean(h) == 5000.5);
	assert_within(tl_hist_percentile(h, 50), 5000);
	assert_within(tl_hist_percentile(h, 90), 9000);
	assert_within(tl_hist_percentile(h, 99), 9900);
	assert_within(tl_hist_percentile(h, 99.9), 9990);
	assert_int_equal(tl_hist_percentile(h, 100), 10000);
	assert_int_equal(tl_hist_percentile(h, 0), 1);
	assert_int_equal(tl_hist_percentile(h, 1), 100); /* values below 128 are exact */
	assert_int_equal(tl_hist_percentile(h, -5), 1);
	assert_int_equal(tl_hist_percentile(h, 250), 10000);
	double p[] = { 50, 99, 100 };
	uint64_t out[3];
	tl_hist_percentiles(h, p, out, 3);
	assert_int_equal(out[0], tl_hist_percentile(h, 50));
	assert_int_equal(out[2], 10000);

	/* pct 99.9 is stored a hair above 99.9: the rank must still be 9990 of 10000, not 9991. */
	tl_hist_reset(h);
	tl_hist_record_n(h, 1, 9990);
	tl_hist_record_n(h, 100, 10);
	assert_int_equal(tl_hist_percentile(h, 99.9), 1);
	assert_int_equal(tl_hist_percentile(h, 99.91), 100);

	/* Never above max: 1000 lives in bucket 1000..1003, but max is 1000. */
	tl_hist_reset(h);
	tl_hist_record_n(h, 1000, 2);
	assert_int_equal(tl_hist_percentile(h, 50), 1000);
	assert_int_equal(tl_hist_percentile(h, 99), 1000);

	/* record_n is n records; reset empties. */
	tl_hist_reset(h);
	tl_hist_record_n(h, 700, 3);
	tl_hist_record_n(h, 5, 0);
	assert_int_equal(tl_hist_count(h), 3);
	assert_int_equal(tl_hist_min(h), 700);
	assert_true(tl_hist_mean(h) == 700.0);
	tl_hist_free(h);
}

static char *dump(const struct tl_hist *h)
{
	json_t *j = tl_hist_to_json(h);
	assert_non_null(j);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	assert_non_null(s);
	return s;
}

static void assert_same(const struct tl_hist *a, const struct tl_hist *b)
{
	char *sa = dump(a), *sb = dump(b);
	assert_string_equal(sa, sb);
	free(sa);
	free(sb);
	assert_int_equal(tl_hist_count(a), tl_hist_count(b));
	assert_int_equal(tl_hist_min(a), tl_hist_min(b));
	assert_int_equal(tl_hist_max(a), tl_hist_max(b));
	assert_true(tl_hist_mean(a) == tl_hist_mean(b));
	for (double p = 0; p <= 100; p += 0.5)
		assert_int_equal(tl_hist_percentile(a, p), tl_hist_percentile(b, p));
}

static void test_merge_equals_single(void **state)
{
	(void)state;
	uint64_t seed = 42;
	struct tl_hist *parts[4], *all = tl_hist_new(), *merged = tl_hist_new();
	assert_non_null(all);
	assert_non_null(merged);
	for (int i = 0; i < 4; i++)
		assert_non_null(parts[i] = tl_hist_new());
	for (int i = 0; i < 50000; i++) {
		uint64_t v = rng_value(&seed);
		tl_hist_record(all, v);
		tl_hist_record(parts[rng_next(&seed) % 3], v); /* parts[3] stays empty */
	}
	for (int i = 0; i < 4; i++)
		tl_hist_merge(merged, parts[i]);
	assert_same(all, merged);
	/* Merging into an empty one from an empty one keeps it empty (min stays 0). */
	struct tl_hist *e = tl_hist_new();
	assert_non_null(e);
	tl_hist_merge(e, parts[3]);
	assert_int_equal(tl_hist_count(e), 0);
	assert_int_equal(tl_hist_min(e), 0);
	tl_hist_free(e);
	for (int i = 0; i < 4; i++)
		tl_hist_free(parts[i]);
	tl_hist_free(all);
	tl_hist_free(merged);
}

static void round_trip(const struct tl_hist *h)
{
	char *s = dump(h);
	json_error_t jerr;
	json_t *j = json_loads(s, 0, &jerr);
	assert_non_null(j);
	struct tl_hist *back = tl_hist_new();
	assert_non_null(back);
	tl_hist_record(back, 12345); /* replaced, not added to */
	struct tl_err err = { 0 };
	int rc = tl_hist_from_json(back, j, &err);
	if (rc != 0)
		fail_msg("from_json: %s", err.msg);
	assert_same(h, back);
	json_decref(j);
	free(s);
	tl_hist_free(back);
}

static void test_json_round_trip(void **state)
{
	(void)state;
	struct tl_hist *h = tl_hist_new();
	assert_non_null(h);
	round_trip(h); /* empty */
	uint64_t seed = 7;
	for (int i = 0; i < 20000; i++)
		tl_hist_record(h, rng_value(&seed));
	tl_hist_record(h, 0);
	round_trip(h);
	/* A sum beyond int64 travels as a decimal string. */
	tl_hist_reset(h);
	tl_hist_record_n(h, 1ULL << 62, 8);
	tl_hist_record_n(h, TL_HIST_MAX_VALUE, 1000);
	tl_hist_record(h, 3);
	json_t *j = tl_hist_to_json(h);
	assert_non_null(j);
	assert_true(json_is_string(json_object_get(j, "sum")));
	/* 8 * 2^62 + 1000 * (2^63 - 1) + 3 */
	assert_string_equal(json_string_value(json_object_get(j, "sum")), "9260265525002194910235");
	json_decref(j);
	round_trip(h);
	/* Compact: only non-empty buckets are written. */
	tl_hist_reset(h);
	tl_hist_record(h, 1000000);
	tl_hist_record(h, 2000000);
	j = tl_hist_to_json(h);
	assert_int_equal(json_array_size(json_object_get(j, "buckets")), 2);
	json_decref(j);
	tl_hist_free(h);
}

static void test_json_rejects(void **state)
{
	(void)state;
	/* Each must fail with -EINVAL and leave the target untouched. */
	static const char *bad[] = {
		"[]",
		"{\"count\":0,\"min\":0,\"max\":0,\"sum\":0,\"buckets\":[]}", /* no sub_bucket_bits */
		"{\"sub_bucket_bits\":8,\"count\":0,\"min\":0,\"max\":0,\"sum\":0,\"buckets\":[]}",
		"{\"sub_bucket_bits\":7,\"count\":\"1\",\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[5,1]]}",
		"{\"sub_bucket_bits\":7,\"count\":1,\"min\":5.0,\"max\":5,\"sum\":5,\"buckets\":[[5,1]]}",
		"{\"sub_bucket_bits\":7,\"count\":1,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":{}}",
		"{\"sub_bucket_bits\":7,\"count\":1,\"min\":5,\"max\":5,\"sum\":5}",
		"{\"sub_bucket_bits\":7,\"count\":1,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[5,1]}",
		"{\"sub_bucket_bits\":7,\"count\":1,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[5,1,0]]}",
		"{\"sub_bucket_bits\":7,\"count\":1,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[5,1.0]]}",
		"{\"sub_bucket_bits\":7,\"count\":1,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[\"5\",1]]}",
		/* index out of range, negative index */
		"{\"sub_bucket_bits\":7,\"count\":1,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[7296,1]]}",
		"{\"sub_bucket_bits\":7,\"count\":1,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[-1,1]]}",
		/* negative and zero counts */
		"{\"sub_bucket_bits\":7,\"count\":-1,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[5,-1]]}",
		"{\"sub_bucket_bits\":7,\"count\":1,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[5,1],[6,0]]}",
		"{\"sub_bucket_bits\":7,\"count\":0,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[5,2],[6,-2]]}",
		/* duplicate and descending indices */
		"{\"sub_bucket_bits\":7,\"count\":2,\"min\":5,\"max\":5,\"sum\":10,\"buckets\":[[5,1],[5,1]]}",
		"{\"sub_bucket_bits\":7,\"count\":2,\"min\":5,\"max\":6,\"sum\":11,\"buckets\":[[6,1],[5,1]]}",
		/* a duplicate or out-of-order index that every other check would let through */
		"{\"sub_bucket_bits\":7,\"count\":2,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":[[5,1],[5,1]]}",
		"{\"sub_bucket_bits\":7,\"count\":3,\"min\":5,\"max\":6,\"sum\":11,\"buckets\":"
		"[[5,1],[7,1],[6,1]]}",
		/* count does not match the buckets */
		"{\"sub_bucket_bits\":7,\"count\":3,\"min\":5,\"max\":6,\"sum\":11,\"buckets\":[[5,1],[6,1]]}",
		/* bucket counts that overflow 64 bits together */
		"{\"sub_bucket_bits\":7,\"count\":2,\"min\":1,\"max\":3,\"sum\":6,\"buckets\":"
		"[[1,9223372036854775807],[2,9223372036854775807],[3,2]]}",
		/* a number beyond int64 (jansson refuses it at parse time, json_loads gives NULL) */
		"{\"sub_bucket_bits\":7,\"count\":1,\"min\":5,\"max\":5,\"sum\":5,\"buckets\":"
		"[[5,18446744073709551616]]}",
		/* min / max outside the first / last bucket, min > max */
		"{\"sub_bucket_bits\":7,\"count\":2,\"min\":4,\"max\":6,\"sum\":11,\"buckets\":[[5,1],[6,1]]}",
		"{\"sub_bucket_bits\":7,\"count\":2,\"min\":5,\"max\":7,\"sum\":11,\"buckets\":[[5,1],[6,1]]}",
		"{\"sub_bucket_bits\":7,\"count\":1,\"min\":6,\"max\":5,\"sum\":5,\"buckets\":[[5,1]]}",
		/* sum the buckets cannot hold; bad sum strings */
		"{\"sub_bucket_bits\":7,\"count\":2,\"min\":5,\"max\":6,\"sum\":99,\"buckets\":[[5,1],[6,1]]}",
		"{\"sub_bucket_bits\":7,\"count\":2,\"min\":5,\"max\":6,\"sum\":-11,\"buckets\":[[5,1],[6,1]]}",
		"{\"sub_bucket_bits\":7,\"count\":2,\"min\":5,\"max\":6,\"sum\":\"1a\",\"buckets\":[[5,1],[6,1]]}",
		"{\"sub_bucket_bits\":7,\"count\":2,\"min\":5,\"max\":6,\"sum\":\"-11\",\"buckets\":[[5,1],[6,1]]}",
		"{\"sub_bucket_bits\":7,\"count\":2,\"min\":5,\"max\":6,\"sum\":\"\",\"buckets\":[[5,1],[6,1]]}",
		"{\"sub_bucket_bits\":7,\"count\":2,\"min\":5,\"max\":6,\"sum\":"
		"\"1000000000000000000000000000000000000000\",\"buckets\":[[5,1],[6,1]]}",
		"{\"sub_bucket_bits\":7,\"count\":2,\"min\":5,\"max\":6,\"sum\":null,\"buckets\":[[5,1],[6,1]]}",
		/* empty, yet min or sum set */
		"{\"sub_bucket_bits\":7,\"count\":0,\"min\":3,\"max\":0,\"sum\":0,\"buckets\":[]}",
		"{\"sub_bucket_bits\":7,\"count\":0,\"min\":0,\"max\":0,\"sum\":1,\"buckets\":[]}",
		/* one value, two different extremes */
		"{\"sub_bucket_bits\":7,\"count\":1,\"min\":1000,\"max\":1001,\"sum\":1000,\"buckets\":[[506,1]]}",
	};
	struct tl_hist *h = tl_hist_new();
	assert_non_null(h);
	tl_hist_record(h, 77);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_error_t jerr;
		json_t *j = json_loads(bad[i], 0, &jerr);
		if (!j)
			continue; /* refused by the JSON parser already */
		struct tl_err err = { 0 };
		int rc = tl_hist_from_json(h, j, &err);
		if (rc != -EINVAL)
			fail_msg("accepted bad histogram #%zu: %s", i, bad[i]);
		assert_true(strncmp(err.msg, "histogram JSON: ", 16) == 0);
		assert_int_equal(tl_hist_count(h), 1);
		assert_int_equal(tl_hist_max(h), 77);
		json_decref(j);
	}
	/* A good one is accepted (index 506 holds 1000..1003); unknown keys are ignored. */
	json_error_t jerr;
	json_t *j = json_loads("{\"sub_bucket_bits\":7,\"count\":2,\"min\":1000,\"max\":1003,"
			       "\"sum\":2003,\"buckets\":[[506,2]],\"future_key\":1}", 0, &jerr);
	struct tl_err err = { 0 };
	int rc = tl_hist_from_json(h, j, &err);
	if (rc != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(tl_hist_count(h), 2);
	assert_int_equal(tl_hist_percentile(h, 50), 1003);
	json_decref(j);
	tl_hist_free(h);
}

static int sum_counts(uint64_t lo, uint64_t hi, uint64_t count, void *ctx)
{
	(void)lo;
	(void)hi;
	*(uint64_t *)ctx += count;
	return 0;
}

/*
 * A bounded mutation fuzz of tl_hist_from_json: numbers of a valid form replaced by edge
 * values. Whatever is accepted must be a consistent histogram that survives a round trip.
 */
static void test_json_mutations(void **state)
{
	(void)state;
	static const json_int_t edge[] = { -1, 0, 1, 2, 127, 128, 506, 1000, 7295, 7296,
					   INT64_MAX, INT64_MIN, 4611686018427387904LL };
	uint64_t seed = 1234;
	struct tl_hist *src = tl_hist_new(), *h = tl_hist_new();
	assert_non_null(src);
	assert_non_null(h);
	for (int i = 0; i < 50; i++)
		tl_hist_record(src, rng_value(&seed) >> (rng_next(&seed) % 60));
	json_t *good = tl_hist_to_json(src);
	assert_non_null(good);
	static const char *keys[] = { "count", "min", "max", "sum", "sub_bucket_bits" };
	unsigned accepted = 0;
	for (int it = 0; it < 3000; it++) {
		json_t *j = json_deep_copy(good);
		int edits = 1 + (int)(rng_next(&seed) % 3);
		for (int e = 0; e < edits; e++) {
			json_int_t v = edge[rng_next(&seed) % (sizeof(edge) / sizeof(edge[0]))];
			if (rng_next(&seed) % 3 == 0)
				v = (json_int_t)(rng_next(&seed) >> 1);
			json_t *buckets = json_object_get(j, "buckets");
			size_t nb = json_array_size(buckets);
			if (rng_next(&seed) % 2 && nb > 0) {
				json_t *pair = json_array_get(buckets, rng_next(&seed) % nb);
				json_array_set_new(pair, rng_next(&seed) % 2, json_integer(v));
			} else {
				json_object_set_new(j, keys[rng_next(&seed) % 5], json_integer(v));
			}
		}
		if (tl_hist_from_json(h, j, NULL) == 0) {
			accepted++;
			uint64_t total = 0;
			tl_hist_foreach(h, sum_counts, &total);
			assert_int_equal(total, tl_hist_count(h));
			assert_true(tl_hist_min(h) <= tl_hist_max(h));
			uint64_t p = tl_hist_percentile(h, 50);
			assert_true(p >= tl_hist_min(h) && p <= tl_hist_max(h));
			round_trip(h);
		}
		json_decref(j);
	}
	/* Some edits keep the form valid (e.g. a count of 1 set to 1): both paths ran. */
	assert_true(accepted > 0 && accepted < 3000);
	json_decref(good);
	tl_hist_free(src);
	tl_hist_free(h);
}

static int stop_at_third(uint64_t lo, uint64_t hi, uint64_t count, void *ctx)
{
	struct one_bucket *b = ctx;
	grab_bucket(lo, hi, count, ctx);
	return b->calls == 16 ? 7 : 0;
}

static void test_foreach_stops(void **state)
{
	(void)state;
	struct tl_hist *h = tl_hist_new();
	assert_non_null(h);
	for (uint64_t v = 1; v < 1000000; v *= 3)
		tl_hist_record(h, v);
	struct one_bucket b = { 0 };
	assert_int_equal(tl_hist_foreach(h, grab_bucket, &b), 0);
	assert_int_equal(b.calls, 13);
	assert_true(b.lo <= 531441 && 531441 <= b.hi);
	assert_int_equal(tl_hist_foreach(h, stop_at_third, &b), 7);
	assert_int_equal(b.calls, 16); /* 13 + 3 */
	tl_hist_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edge_values),
		cmocka_unit_test(test_error_bound_random),
		cmocka_unit_test(test_known_percentiles),
		cmocka_unit_test(test_merge_equals_single),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_rejects),
		cmocka_unit_test(test_foreach_stops),
		cmocka_unit_test(test_json_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
