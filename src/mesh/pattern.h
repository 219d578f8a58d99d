#ifndef TCPLAB_MESH_PATTERN_H
#define TCPLAB_MESH_PATTERN_H

#include <stdint.h>

struct tl_err;

/*
 * Where a token goes next. A token carries its id, the rank it was injected at (origin) and
 * the number of hops it has made; the rank holding it (self) asks the pattern for the next
 * rank, which is never self:
 *   ring        self + 1 (mod n): every token goes round the same cycle.
 *   random      a peer drawn uniformly from the n - 1 others by the rank's own generator
 *               (seeded from --seed and the rank, so the same seed gives the same sequence).
 *   all-to-all  the token tours every rank in rounds of n hops: round k visits all n ranks
 *               once, in the order p -> (a_k * p + b_k) mod n with a_k a unit mod n drawn
 *               from (seed, token, k); round 0 starts at the origin, and no round starts at
 *               the rank that ended the round before. Stateless: computed from the header.
 *   pairs       ping-pong between fixed partners 2i and 2i + 1 (n must be even).
 */
enum tl_mesh_pattern {
	TL_MESH_RING,
	TL_MESH_RANDOM,
	TL_MESH_ALL2ALL,
	TL_MESH_PAIRS,
};

/* "ring", "random", "all-to-all" ("alltoall" too), "pairs". 0 or -EINVAL naming the choices. */
int tl_mesh_pattern_parse(const char *s, enum tl_mesh_pattern *out, struct tl_err *err);
const char *tl_mesh_pattern_name(enum tl_mesh_pattern p);

/* Whether n ranks can run pattern p: every pattern needs n >= 2, pairs an even n. */
int tl_mesh_pattern_check(enum tl_mesh_pattern p, uint32_t n, struct tl_err *err);

/* splitmix64: small, fast, well mixed; one per rank, never shared between threads. */
struct tl_mesh_rng {
	uint64_t state;
};

/* Seeds r for stream number `stream` of `seed`: different streams are independent. */
void tl_mesh_rng_seed(struct tl_mesh_rng *r, uint64_t seed, uint64_t stream);
uint64_t tl_mesh_rng_next(struct tl_mesh_rng *r);
/* Uniform in [0, bound) without modulo bias (rejection sampling); bound >= 1. */
uint32_t tl_mesh_rng_below(struct tl_mesh_rng *r, uint32_t bound);

/* One rank's view of a pattern. */
struct tl_mesh_router {
	enum tl_mesh_pattern pattern;
	uint32_t n;          /* ranks */
	uint32_t self;       /* this rank */
	uint64_t seed;
	struct tl_mesh_rng rng; /* random only */
};

void tl_mesh_router_init(struct tl_mesh_router *rt, enum tl_mesh_pattern p, uint32_t n,
			 uint32_t self, uint64_t seed);

/*
 * The rank that a token held by rt->self after `hops` hops goes to. For all-to-all the
 * holder is, by construction, position `hops` of the token's tour; the other patterns ignore
 * token and origin. Needs a pattern checked with tl_mesh_pattern_check.
 */
uint32_t tl_mesh_next_hop(struct tl_mesh_router *rt, uint32_t token, uint32_t origin,
			  uint64_t hops);

/* Position `pos` of the all-to-all tour of a token (pos 0 is the origin). For tests and for
 * checking that a token arrived where its tour says it should. */
uint32_t tl_mesh_all2all_at(uint64_t seed, uint32_t n, uint32_t token, uint32_t origin,
			    uint64_t pos);

#endif
