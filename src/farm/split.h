#ifndef TCPLAB_FARM_SPLIT_H
#define TCPLAB_FARM_SPLIT_H

#include <stdint.h>

#include "util/err.h"

/*
 * How the farm cuts a range of numbers lo..hi (inclusive) into njobs jobs: every job gets
 * len / njobs numbers and the first len % njobs jobs one more, so the jobs are contiguous,
 * cover the range exactly once and differ in size by at most one. Job i is computed from i
 * alone (no table), which is what lets the server hand out, re-queue and check jobs by id.
 */

/* The largest number the farm counts primes up to: trial division stays exact in 64 bits. */
#define TL_FARM_NUMBER_MAX 1000000000000ULL
/* The most jobs one run may have (the server keeps about 25 bytes per job). */
#define TL_FARM_JOBS_MAX 5000000u

struct tl_farm_range {
	uint64_t lo;
	uint64_t hi;  /* inclusive */
};

/* Checks 1 <= lo <= hi <= TL_FARM_NUMBER_MAX and 1 <= njobs <= min(hi - lo + 1, JOBS_MAX). */
int tl_farm_split_check(uint64_t lo, uint64_t hi, uint64_t njobs, struct tl_err *err);

/* Job i (0 <= i < njobs) of lo..hi split into njobs jobs; arguments as checked above. */
struct tl_farm_range tl_farm_split_job(uint64_t lo, uint64_t hi, uint32_t njobs, uint32_t i);

/* Parses "A-B" (each a count as tl_parse_count reads it: 1, 5m, 5000000) into lo and hi. */
int tl_farm_split_parse_range(const char *what, const char *text, uint64_t *lo, uint64_t *hi,
			      struct tl_err *err);

#endif
