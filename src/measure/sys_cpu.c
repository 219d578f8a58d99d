#include "measure/cpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "measure/procnum.h"
#include "sys/procfile.h"
#include "util/err.h"

/* Column order of the "cpu" line, from proc(5); later kernels appended the later columns. */
static int parse_cpu_line(const char *p, struct tl_sys_cpu *out, struct tl_err *err)
{
	uint64_t *col[] = { &out->user,    &out->nice,    &out->system, &out->idle,
			    &out->iowait,  &out->irq,     &out->softirq, &out->steal,
			    &out->guest,   &out->guest_nice };
	size_t n = 0;
	while (n < sizeof(col) / sizeof(col[0]) && tl_procnum_u64(&p, col[n]) == 0)
		n++;
	if (n < 4)
		return tl_err_set(err, EINVAL, "/proc/stat: the \"cpu\" line has %zu numbers, "
				  "expected at least 4 (user nice system idle)", n);
	/* guest time is also counted in user (and guest_nice in nice) by the kernel's
	 * account_guest_time(), so adding it again would count it twice. */
	out->busy_ticks = out->user + out->nice + out->system + out->irq + out->softirq +
			  out->steal;
	out->idle_ticks = out->idle + out->iowait;
	return 0;
}

int tl_sys_cpu_parse(const char *text, struct tl_sys_cpu *out, struct tl_err *err)
{
	struct tl_sys_cpu s;
	memset(&s, 0, sizeof(s));
	int have_total = 0;
	for (const char *line = text; line && *line; ) {
		const char *end = strchr(line, '\n');
		if (strncmp(line, "cpu", 3) == 0 && (line[3] == ' ' || line[3] == '\t')) {
			int rc = parse_cpu_line(line + 3, &s, err);
			if (rc < 0)
				return rc;
			have_total = 1;
		} else if (strncmp(line, "cpu", 3) == 0 && line[3] >= '0' && line[3] <= '9') {
			s.ncpu++;
		} else if (strncmp(line, "ctxt ", 5) == 0) {
			const char *p = line + 5;
			if (tl_procnum_u64(&p, &s.ctxt) != 0)
				return tl_err_set(err, EINVAL, "/proc/stat: bad \"ctxt\" line");
		}
		line = end ? end + 1 : NULL;
	}
	if (!have_total)
		return tl_err_set(err, EINVAL, "/proc/stat: no \"cpu\" line (is /proc mounted?)");
	*out = s;
	return 0;
}

int tl_sys_cpu_read(struct tl_sys_cpu *out, struct tl_err *err)
{
	char *text = NULL;
	int ret = tl_procfile_read("/proc/stat", &text, err);
	if (ret == 0)
		ret = tl_sys_cpu_parse(text, out, err);
	free(text);
	return ret;
}

double tl_sys_cpu_steal_percent(const struct tl_sys_cpu *a, const struct tl_sys_cpu *b)
{
	uint64_t busy = b->busy_ticks > a->busy_ticks ? b->busy_ticks - a->busy_ticks : 0;
	uint64_t idle = b->idle_ticks > a->idle_ticks ? b->idle_ticks - a->idle_ticks : 0;
	uint64_t steal = b->steal > a->steal ? b->steal - a->steal : 0;
	if (busy + idle == 0)
		return 0.0;
	return (double)steal * 100.0 / (double)(busy + idle);
}

double tl_sys_cpu_busy_percent(const struct tl_sys_cpu *a, const struct tl_sys_cpu *b)
{
	uint64_t busy = b->busy_ticks > a->busy_ticks ? b->busy_ticks - a->busy_ticks : 0;
	uint64_t idle = b->idle_ticks > a->idle_ticks ? b->idle_ticks - a->idle_ticks : 0;
	if (busy + idle == 0)
		return 0.0;
	return (double)busy * 100.0 / (double)(busy + idle);
}
