#ifndef TCPLAB_FARM_PRIMES_H
#define TCPLAB_FARM_PRIMES_H

#include <stdint.h>

#include "util/err.h"

/*
 * The farm's job: count the primes in lo..hi. Two independent ways, so that one checks the
 * other. Known values: pi(10) = 4, pi(100) = 25, pi(10^4) = 1229, pi(10^6) = 78498,
 * pi(5 x 10^6) = 348513 (OEIS A006880; 348513 is also the original job server's total).
 */

/*
 * Trial division of every number by 2, 3 and then 6k +- 1 up to its square root: what the
 * workers run. It is deliberately the plain method (the original workload is "real work" per
 * number, not a sieve); near 5 x 10^6 a prime costs about 750 divisions. hi must be at most
 * TL_FARM_NUMBER_MAX (farm/split.h); lo may be 0 or 1 (neither is prime).
 */
uint64_t tl_primes_count_trial(uint64_t lo, uint64_t hi);

/*
 * A segmented sieve of Eratosthenes over lo..hi: the server's reference total. Memory is
 * about sqrt(hi) bytes plus a 256 KiB segment; time is roughly linear in hi - lo (1..5 x 10^6
 * takes a few milliseconds). Returns 0 or -ENOMEM with err set.
 */
int tl_primes_count_sieve(uint64_t lo, uint64_t hi, uint64_t *out, struct tl_err *err);

#endif
