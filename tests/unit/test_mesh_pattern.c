/* Mesh patterns: ring order, random uniformity and seeding, all-to-all tours, pairs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mesh/pattern.h"
#include "util/err.h"

static void test_parse_and_check(void **state)
{
	(void)state;
	enum tl_mesh_pattern p;
	struct tl_err err = { 0 };
	assert_int_equal(tl_mesh_pattern_parse("ring", &p, &err), 0);
	assert_int_equal(p, TL_MESH_RING);
	assert_int_equal(tl_mesh_pattern_parse("all-to-all", &p, &err), 0);
	assert_int_equal(p, TL_MESH_ALL2ALL);
	assert_int_equal(tl_mesh_pattern_parse("alltoall", &p, &err), 0);
	assert_int_equal(p, TL_MESH_ALL2ALL);
	assert_int_equal(tl_mesh_pattern_parse("pairs", &p, &err), 0);
	assert_int_equal(p, TL_MESH_PAIRS);
	assert_true(tl_mesh_pattern_parse("star", &p, &err) < 0);
	assert_non_null(strstr(err.msg, "\"star\""));
	assert_non_null(strstr(err.msg, "ring, random, all-to-all or pairs"));
	assert_string_equal(tl_mesh_pattern_name(TL_MESH_ALL2ALL), "all-to-all");

	assert_true(tl_mesh_pattern_check(TL_MESH_RING, 1, &err) < 0);
	assert_int_equal(tl_mesh_pattern_check(TL_MESH_RING, 2, &err), 0);
	assert_true(tl_mesh_pattern_check(TL_MESH_PAIRS, 5, &err) < 0);
	assert_non_null(strstr(err.msg, "use 4 or 6"));
	assert_int_equal(tl_mesh_pattern_check(TL_MESH_PAIRS, 6, &err), 0);
}

static void test_ring_order(void **state)
{
	(void)state;
	static const uint32_t sizes[] = { 2, 3, 7, 16, 64 };
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint32_t n = sizes[s], at = 0;
		/* Following the token from rank 0 visits 1, 2, ..., n-1, 0 in order. */
		for (uint32_t step = 1; step <= 2 * n; step++) {
			struct tl_mesh_router rt;
			tl_mesh_router_init(&rt, TL_MESH_RING, n, at, 42);
			uint32_t next = tl_mesh_next_hop(&rt, 0, 0, step - 1);
			assert_int_equal(next, step % n);
			at = next;
		}
	}
}

static void test_rng_below_bounds(void **state)
{
	(void)state;
	struct tl_mesh_rng r;
	tl_mesh_rng_seed(&r, 7, 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(tl_mesh_rng_below(&r, 1), 0);
	static const uint32_t bounds[] = { 2, 3, 5, 1000, 0x80000001u, UINT32_MAX };
	for (size_t b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++)
		for (int i = 0; i < 10000; i++)
			assert_true(tl_mesh_rng_below(&r, bounds[b]) < bounds[b]);
}

static void draw(uint64_t seed, uint32_t self, uint32_t n, uint32_t *out, size_t k)
{
	struct tl_mesh_router rt;
	tl_mesh_router_init(&rt, TL_MESH_RANDOM, n, self, seed);
	for (size_t i = 0; i < k; i++)
		out[i] = tl_mesh_next_hop(&rt, 0, 0, i);
}

static void test_random_seeding(void **state)
{
	(void)state;
	uint32_t a[256], b[256], c[256], d[256];
	draw(1, 3, 16, a, 256);
	draw(1, 3, 16, b, 256);
	draw(2, 3, 16, c, 256);
	draw(1, 4, 16, d, 256);
	/* Same seed and rank: the same sequence. Another seed or rank: another one. */
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
	assert_memory_not_equal(a, d, sizeof(a));
}

static void test_random_uniform_never_self(void **state)
{
	(void)state;
	enum { N = 16, DRAWS = 150000 };
	for (uint32_t self = 0; self < N; self += 5) {
		uint32_t count[N] = { 0 };
		struct tl_mesh_router rt;
		tl_mesh_router_init(&rt, TL_MESH_RANDOM, N, self, 12345);
		for (int i = 0; i < DRAWS; i++) {
			uint32_t d = tl_mesh_next_hop(&rt, 0, 0, (uint64_t)i);
			assert_true(d < N);
			assert_int_not_equal(d, self);
			count[d]++;
		}
		/*
		 * Pearson's chi-square over the 15 peers (14 degrees of freedom): its 99.99th
		 * percentile is about 41; a generator that favoured some peers by even 3% would
		 * give several hundred here.
		 */
		double expect = (double)DRAWS / (N - 1), chi2 = 0;
		for (uint32_t d = 0; d < N; d++) {
			if (d == self)
				continue;
			double diff = (double)count[d] - expect;
			chi2 += diff * diff / expect;
		}
		assert_true(chi2 < 45.0);
	}
	/* With two ranks "random" has one choice. */
	struct tl_mesh_router rt;
	tl_mesh_router_init(&rt, TL_MESH_RANDOM, 2, 1, 9);
	for (int i = 0; i < 100; i++)
		assert_int_equal(tl_mesh_next_hop(&rt, 0, 0, 0), 0);
}

static void test_all2all_rounds(void **state)
{
	(void)state;
	static const uint32_t sizes[] = { 2, 3, 4, 6, 7, 12, 16, 64 };
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint32_t n = sizes[s];
		for (uint32_t token = 0; token < 5; token++) {
			uint32_t origin = (token * 5 + 1) % n, prev = UINT32_MAX;
			for (uint64_t round = 0; round < 20; round++) {
				uint8_t seen[64] = { 0 };
				for (uint64_t p = 0; p < n; p++) {
					uint64_t pos = round * n + p;
					uint32_t at = tl_mesh_all2all_at(99, n, token, origin, pos);
					assert_true(at < n);
					seen[at]++;
					if (pos == 0)
						assert_int_equal(at, origin);
					/* Never a hop to self, also across the end of a round. */
					assert_int_not_equal(at, prev);
					/* The holder's router sends it where the tour says. */
					if (pos > 0) {
						struct tl_mesh_router rt;
						tl_mesh_router_init(&rt, TL_MESH_ALL2ALL, n, prev, 99);
						assert_int_equal(tl_mesh_next_hop(&rt, token, origin, pos - 1), at);
					}
					prev = at;
				}
				/* Each round visits every rank exactly once. */
				for (uint32_t r = 0; r < n; r++)
					assert_int_equal(seen[r], 1);
			}
		}
	}
}

static void test_all2all_covers_every_pair(void **state)
{
	(void)state;
	enum { N = 7 };
	uint8_t used[N][N];
	memset(used, 0, sizeof(used));
	uint32_t prev = tl_mesh_all2all_at(5, N, 3, 2, 0);
	for (uint64_t pos = 1; pos < 200 * N; pos++) {
		uint32_t at = tl_mesh_all2all_at(5, N, 3, 2, pos);
		used[prev][at] = 1;
		prev = at;
	}
	/* Over rounds with different strides, one token uses every directed connection. */
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			assert_int_equal(used[i][j], i != j);
	/* And the order changes between rounds (it is not a ring in disguise). */
	int differ = 0;
	for (uint64_t round = 1; round < 20; round++)
		differ |= tl_mesh_all2all_at(5, N, 3, 2, round * N + 1) != tl_mesh_all2all_at(5, N, 3, 2, 1);
	assert_true(differ);
}

static void test_pairs(void **state)
{
	(void)state;
	for (uint32_t self = 0; self < 8; self++) {
		struct tl_mesh_router rt;
		tl_mesh_router_init(&rt, TL_MESH_PAIRS, 8, self, 1);
		uint32_t partner = tl_mesh_next_hop(&rt, 3, self, 0);
		assert_int_equal(partner, self ^ 1u);
		assert_int_equal(partner / 2, self / 2);
		/* Fixed: the same partner every time. */
		for (uint64_t h = 1; h < 10; h++)
			assert_int_equal(tl_mesh_next_hop(&rt, (uint32_t)h, 0, h), partner);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_check),
		cmocka_unit_test(test_ring_order),
		cmocka_unit_test(test_rng_below_bounds),
		cmocka_unit_test(test_random_seeding),
		cmocka_unit_test(test_random_uniform_never_self),
		cmocka_unit_test(test_all2all_rounds),
		cmocka_unit_test(test_all2all_covers_every_pair),
		cmocka_unit_test(test_pairs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
