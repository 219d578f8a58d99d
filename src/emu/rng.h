#ifndef TCPLAB_EMU_RNG_H
#define TCPLAB_EMU_RNG_H

#include <stdint.h>

/*
 * A small seedable generator so that every random element of the emulator (loss, jitter,
 * RED and PIE decisions) repeats exactly for the same seed. xoshiro256** (Blackman and
 * Vigna, "Scrambled linear pseudorandom number generators", 2018), seeded through
 * splitmix64 as its authors recommend. Not for cryptography.
 */
struct tl_rng {
	uint64_t s[4];
};

/* Seeds from one 64-bit value; `stream` gives independent generators from the same seed. */
void tl_rng_seed(struct tl_rng *r, uint64_t seed, uint64_t stream);

uint64_t tl_rng_next(struct tl_rng *r);

/* Uniform in [0, 1) with 53 random bits. */
double tl_rng_double(struct tl_rng *r);

/* One step of splitmix64 (advances *state); exposed for tests and hashing. */
uint64_t tl_rng_splitmix64(uint64_t *state);

#endif
