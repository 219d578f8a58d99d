#include "emu/rng.h"

/* Written from the algorithm descriptions at https://prng.di.unimi.it/ (public domain). */

uint64_t tl_rng_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void tl_rng_seed(struct tl_rng *r, uint64_t seed, uint64_t stream)
{
	/* Mixing the stream number in first keeps streams of one seed unrelated. */
	uint64_t st = seed;
	uint64_t salt = stream;
	st ^= tl_rng_splitmix64(&salt);
	for (int i = 0; i < 4; i++)
		r->s[i] = tl_rng_splitmix64(&st);
	/* An all-zero state is the one state xoshiro cannot leave. */
	if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
		r->s[0] = 1;
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t tl_rng_next(struct tl_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double tl_rng_double(struct tl_rng *r)
{
	return (double)(tl_rng_next(r) >> 11) * 0x1.0p-53;
}
