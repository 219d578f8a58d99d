#include "measure/cpu.h"

#include <sys/resource.h>

#include "util/clock.h"
#include "util/err.h"

static uint64_t timeval_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * TL_NSEC_PER_SEC + (uint64_t)tv.tv_usec * TL_NSEC_PER_USEC;
}

static int sample(int who, const char *who_name, struct tl_cpu_sample *s, struct tl_err *err)
{
	struct rusage ru;
	if (getrusage(who, &ru) != 0)
		return tl_err_errno(err, "getrusage(%s)", who_name);
	s->wall_ns = tl_now_ns();
	s->user_ns = timeval_ns(ru.ru_utime);
	s->sys_ns = timeval_ns(ru.ru_stime);
	s->vol_ctx = (uint64_t)ru.ru_nvcsw;
	s->invol_ctx = (uint64_t)ru.ru_nivcsw;
	return 0;
}

int tl_cpu_sample_process(struct tl_cpu_sample *s, struct tl_err *err)
{
	return sample(RUSAGE_SELF, "RUSAGE_SELF", s, err);
}

int tl_cpu_sample_thread(struct tl_cpu_sample *s, struct tl_err *err)
{
	return sample(RUSAGE_THREAD, "RUSAGE_THREAD", s, err);
}

void tl_cpu_add(struct tl_cpu_sample *acc, const struct tl_cpu_sample *delta)
{
	/* Concurrent, not consecutive: the wall time is shared, so it is not summed. */
	if (delta->wall_ns > acc->wall_ns)
		acc->wall_ns = delta->wall_ns;
	acc->user_ns += delta->user_ns;
	acc->sys_ns += delta->sys_ns;
	acc->vol_ctx += delta->vol_ctx;
	acc->invol_ctx += delta->invol_ctx;
}

static uint64_t sat_sub(uint64_t b, uint64_t a)
{
	return b > a ? b - a : 0;
}

void tl_cpu_delta(const struct tl_cpu_sample *a, const struct tl_cpu_sample *b,
		  struct tl_cpu_sample *out)
{
	out->wall_ns = sat_sub(b->wall_ns, a->wall_ns);
	out->user_ns = sat_sub(b->user_ns, a->user_ns);
	out->sys_ns = sat_sub(b->sys_ns, a->sys_ns);
	out->vol_ctx = sat_sub(b->vol_ctx, a->vol_ctx);
	out->invol_ctx = sat_sub(b->invol_ctx, a->invol_ctx);
}

double tl_cpu_percent(const struct tl_cpu_sample *delta)
{
	if (delta->wall_ns == 0)
		return 0.0;
	return ((double)delta->user_ns + (double)delta->sys_ns) * 100.0 / (double)delta->wall_ns;
}
