#include "mesh/pattern.h"

#include <errno.h>
#include <string.h>

#include "util/err.h"

static const struct {
	const char *name;
	enum tl_mesh_pattern p;
} names[] = {
	{ "ring", TL_MESH_RING },
	{ "random", TL_MESH_RANDOM },
	{ "all-to-all", TL_MESH_ALL2ALL },
	{ "alltoall", TL_MESH_ALL2ALL },
	{ "pairs", TL_MESH_PAIRS },
};

int tl_mesh_pattern_parse(const char *s, enum tl_mesh_pattern *out, struct tl_err *err)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].p;
			return 0;
		}
	}
	return tl_err_set(err, EINVAL, "--pattern \"%s\": unknown (choose ring, random, all-to-all or pairs)", s);
}

const char *tl_mesh_pattern_name(enum tl_mesh_pattern p)
{
	switch (p) {
	case TL_MESH_RING: return "ring";
	case TL_MESH_RANDOM: return "random";
	case TL_MESH_ALL2ALL: return "all-to-all";
	case TL_MESH_PAIRS: return "pairs";
	}
	return "?";
}

int tl_mesh_pattern_check(enum tl_mesh_pattern p, uint32_t n, struct tl_err *err)
{
	if (n < 2)
		return tl_err_set(err, EINVAL, "a mesh needs at least 2 ranks (got %u)", n);
	if (p == TL_MESH_PAIRS && n % 2)
		return tl_err_set(err, EINVAL, "--pattern pairs needs an even number of ranks (got %u; "
				  "use %u or %u)", n, n - 1, n + 1);
	return 0;
}

/* The splitmix64 output function (Steele, Lea, Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014); its constants are the published ones. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#define GOLDEN_GAMMA 0x9e3779b97f4a7c15ULL

void tl_mesh_rng_seed(struct tl_mesh_rng *r, uint64_t seed, uint64_t stream)
{
	r->state = mix64(seed) ^ mix64(stream + GOLDEN_GAMMA);
}

uint64_t tl_mesh_rng_next(struct tl_mesh_rng *r)
{
	r->state += GOLDEN_GAMMA;
	return mix64(r->state);
}

uint32_t tl_mesh_rng_below(struct tl_mesh_rng *r, uint32_t bound)
{
	if (bound <= 1)
		return 0;
	/* Reject the top sliver of the 32-bit range that would favour small results. */
	uint32_t limit = UINT32_MAX - (UINT32_MAX % bound + 1) % bound;
	for (;;) {
		uint32_t x = (uint32_t)(tl_mesh_rng_next(r) >> 32);
		if (x <= limit)
			return x % bound;
	}
}

void tl_mesh_router_init(struct tl_mesh_router *rt, enum tl_mesh_pattern p, uint32_t n,
			 uint32_t self, uint64_t seed)
{
	memset(rt, 0, sizeof(*rt));
	rt->pattern = p;
	rt->n = n;
	rt->self = self;
	rt->seed = seed;
	tl_mesh_rng_seed(&rt->rng, seed, self);
}

static uint32_t gcd32(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* The stride of round k of a token's tour: a unit mod n, so the round is a permutation. */
static uint32_t round_stride(uint64_t seed, uint32_t n, uint32_t token, uint64_t round)
{
	struct tl_mesh_rng r;
	tl_mesh_rng_seed(&r, seed ^ 0xa11a11a11a11a11aULL, mix64(token) ^ round);
	for (;;) {
		uint32_t a = 1 + tl_mesh_rng_below(&r, n - 1);
		if (gcd32(a, n) == 1)
			return a;
	}
}

uint32_t tl_mesh_all2all_at(uint64_t seed, uint32_t n, uint32_t token, uint32_t origin,
			    uint64_t pos)
{
	/*
	 * Every round starts at the origin, so the rank that ends round k - 1 (origin - a) is
	 * never the one that starts round k: no hop is ever to self, and no state is needed.
	 */
	uint64_t round = pos / n;
	uint64_t p = pos % n;
	uint64_t a = round_stride(seed, n, token, round);
	return (uint32_t)((origin + a * p) % n);
}

uint32_t tl_mesh_next_hop(struct tl_mesh_router *rt, uint32_t token, uint32_t origin,
			  uint64_t hops)
{
	uint32_t n = rt->n, self = rt->self;
	switch (rt->pattern) {
	case TL_MESH_RING:
		return (self + 1) % n;
	case TL_MESH_RANDOM: {
		uint32_t d = tl_mesh_rng_below(&rt->rng, n - 1);
		return d >= self ? d + 1 : d;
	}
	case TL_MESH_ALL2ALL:
		return tl_mesh_all2all_at(rt->seed, n, token, origin % n, hops + 1);
	case TL_MESH_PAIRS:
		return self ^ 1u;
	}
	return (self + 1) % n;
}
