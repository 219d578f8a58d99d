#include "farm/split.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/parse.h"

int tl_farm_split_check(uint64_t lo, uint64_t hi, uint64_t njobs, struct tl_err *err)
{
	if (lo < 1 || hi < lo || hi > TL_FARM_NUMBER_MAX)
		return tl_err_set(err, EINVAL, "range %llu-%llu: need 1 <= A <= B <= %llu",
				  (unsigned long long)lo, (unsigned long long)hi,
				  (unsigned long long)TL_FARM_NUMBER_MAX);
	uint64_t len = hi - lo + 1;
	if (njobs < 1 || njobs > TL_FARM_JOBS_MAX)
		return tl_err_set(err, ERANGE, "%llu jobs: between 1 and %u",
				  (unsigned long long)njobs, TL_FARM_JOBS_MAX);
	if (njobs > len)
		return tl_err_set(err, ERANGE, "%llu jobs for %llu numbers: a job needs at least one "
				  "number (use at most %llu jobs or a wider --range)",
				  (unsigned long long)njobs, (unsigned long long)len,
				  (unsigned long long)len);
	return 0;
}

struct tl_farm_range tl_farm_split_job(uint64_t lo, uint64_t hi, uint32_t njobs, uint32_t i)
{
	uint64_t len = hi - lo + 1;
	uint64_t base = len / njobs, rem = len % njobs;
	/* The first rem jobs are one longer: job i starts after i jobs and min(i, rem) extras. */
	uint64_t start = lo + (uint64_t)i * base + (i < rem ? i : rem);
	struct tl_farm_range r = { .lo = start, .hi = start + base - 1 + (i < rem ? 1 : 0) };
	return r;
}

int tl_farm_split_parse_range(const char *what, const char *text, uint64_t *lo, uint64_t *hi,
			      struct tl_err *err)
{
	char a[64], b[64];
	const char *dash = strchr(text, '-');
	if (!dash || dash == text || !dash[1] || (size_t)(dash - text) >= sizeof(a) ||
	    strlen(dash + 1) >= sizeof(b))
		return tl_err_set(err, EINVAL, "%s \"%s\": write A-B, e.g. 1-5000000", what, text);
	memcpy(a, text, (size_t)(dash - text));
	a[dash - text] = '\0';
	snprintf(b, sizeof(b), "%s", dash + 1);
	if (tl_parse_count(what, a, 1, TL_FARM_NUMBER_MAX, lo, err) < 0 ||
	    tl_parse_count(what, b, 1, TL_FARM_NUMBER_MAX, hi, err) < 0)
		return -EINVAL;
	if (*hi < *lo)
		return tl_err_set(err, EINVAL, "%s \"%s\": the end is below the start", what, text);
	return 0;
}
