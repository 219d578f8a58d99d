/* The spec of a farm run: defaults (a job server with one job per connection), validation, a label for reports. */
#include "farm/run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "farm/split.h"
#include "util/clock.h"

#define DEFAULT_PORT 5300
#define IN_FLIGHT_MAX 2000000u

void tl_farm_spec_defaults(struct tl_farm_spec *s, enum tl_farm_mode mode)
{
	memset(s, 0, sizeof(*s));
	s->mode = mode;
	s->port = mode == TL_FARM_MODE_BOTH ? 0 : DEFAULT_PORT;
	s->lo = 1;
	s->hi = 5000000;        /* the original job server: primes among 1..5,000,000 */
	s->jobs = 50000;        /* its APP_COUNT_MAX=50000 */
	s->workers = 5;         /* its five workers */
	s->batch = 1;           /* before its fix: one job per request */
	s->persistent = false;  /* ... and one connection per request */
	s->max_time_ns = 120 * TL_NSEC_PER_SEC;
	s->job_timeout_ns = 10 * TL_NSEC_PER_SEC;
	s->io_timeout_ns = 10 * TL_NSEC_PER_SEC;
	s->sample_ns = 200 * TL_NSEC_PER_MSEC;
}

int tl_farm_spec_validate(const struct tl_farm_spec *s, struct tl_err *err)
{
	if (s->mode != TL_FARM_MODE_WORK && tl_farm_split_check(s->lo, s->hi, s->jobs, err) < 0)
		return -EINVAL;
	if (s->mode != TL_FARM_MODE_SERVE) {
		if (s->workers < 1 || s->workers > 1024)
			return tl_err_set(err, EINVAL, "--workers %u: between 1 and 1024", s->workers);
		if (s->batch < 1 || s->batch > TL_FARM_BATCH_MAX)
			return tl_err_set(err, EINVAL, "--batch %u: between 1 and %u", s->batch,
					  TL_FARM_BATCH_MAX);
		/* Each worker holds buffers for a batch, about 72 bytes per job. */
		if ((uint64_t)s->workers * s->batch > IN_FLIGHT_MAX)
			return tl_err_set(err, EINVAL, "--workers %u x --batch %u: at most %u jobs in "
					  "flight (%u MB of buffers); fewer workers or smaller batches",
					  s->workers, s->batch, IN_FLIGHT_MAX,
					  IN_FLIGHT_MAX / 1000000 * 72);
	}
	if (s->mode == TL_FARM_MODE_WORK && (!s->host || !s->host[0]))
		return tl_err_set(err, EINVAL, "no HOST given (e.g. tcplab farm work 127.0.0.1)");
	if (s->max_time_ns < 100 * TL_NSEC_PER_MSEC)
		return tl_err_set(err, EINVAL, "--max-time: at least 100ms");
	if (s->sample_ns < 10 * TL_NSEC_PER_MSEC)
		return tl_err_set(err, EINVAL, "--sample-interval: at least 10ms");
	return 0;
}

const char *tl_farm_spec_label(const struct tl_farm_spec *s, char *buf, unsigned len)
{
	if (s->mode == TL_FARM_MODE_SERVE)
		snprintf(buf, len, "serve");
	else
		snprintf(buf, len, "%s batch %u", s->persistent ? "persistent" : "per-request",
			 s->batch);
	return buf;
}
