#include "measure/cpu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "measure/procnum.h"
#include "sys/procfile.h"
#include "util/clock.h"
#include "util/err.h"

int tl_proc_cpu_parse_stat(const char *text, struct tl_proc_cpu *out, struct tl_err *err)
{
	/* Field 2 is "(comm)", and comm may hold spaces and ')' itself: the fields that follow
	 * start after the LAST ')' (proc(5)). */
	const char *f = strrchr(text, ')');
	if (!f)
		return tl_err_set(err, EINVAL, "/proc/PID/stat: no \"(comm)\" in \"%.64s\"", text);
	f++;
	struct tl_proc_cpu r = *out;
	uint64_t threads = 0;
	for (int field = 3; field <= 20; field++) {
		while (*f == ' ')
			f++;
		if (*f == '\0' || *f == '\n')
			return tl_err_set(err, EINVAL, "/proc/PID/stat: ends before field %d "
					  "(utime 14, stime 15, num_threads 20)", field);
		int rc = 0;
		if (field == 3)
			r.state = *f;
		else if (field == 14)
			rc = tl_procnum_u64(&f, &r.utime_ticks);
		else if (field == 15)
			rc = tl_procnum_u64(&f, &r.stime_ticks);
		else if (field == 20)
			rc = tl_procnum_u64(&f, &threads);
		if (rc != 0 || (field == 20 && (threads == 0 || threads > UINT32_MAX)))
			return tl_err_set(err, EINVAL, "/proc/PID/stat: field %d is not a valid "
					  "count", field);
		while (*f != ' ' && *f != '\0' && *f != '\n')
			f++;
	}
	r.num_threads = (uint32_t)threads;
	*out = r;
	return 0;
}

/* The number after "key:" on its own line of a /proc/PID/status text. */
static int status_field(const char *text, const char *key, uint64_t *out, struct tl_err *err)
{
	size_t klen = strlen(key);
	for (const char *line = text; line && *line; ) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			const char *p = line + klen + 1;
			if (tl_procnum_u64(&p, out) != 0)
				break;
			return 0;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return tl_err_set(err, EINVAL, "/proc/PID/status: no valid \"%s:\" line", key);
}

int tl_proc_cpu_parse_status(const char *text, struct tl_proc_cpu *out, struct tl_err *err)
{
	uint64_t vol, invol;
	int rc = status_field(text, "voluntary_ctxt_switches", &vol, err);
	if (rc == 0)
		rc = status_field(text, "nonvoluntary_ctxt_switches", &invol, err);
	if (rc < 0)
		return rc;
	out->vol_ctx = vol;
	out->invol_ctx = invol;
	return 0;
}

int tl_proc_cpu_read(pid_t pid, struct tl_proc_cpu *out, struct tl_err *err)
{
	char path[64];
	char *text = NULL;
	struct tl_proc_cpu r = { 0 };
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((ret = tl_procfile_read(path, &text, err)) < 0)
		goto out;
	if ((ret = tl_proc_cpu_parse_stat(text, &r, err)) < 0)
		goto out;
	free(text);
	text = NULL;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((ret = tl_procfile_read(path, &text, err)) < 0)
		goto out;
	if ((ret = tl_proc_cpu_parse_status(text, &r, err)) < 0)
		goto out;
	*out = r;
out:
	if (ret < 0)
		tl_err_prefix(err, "pid %d", (int)pid);
	free(text);
	return ret;
}

int tl_cpu_sample_pid(pid_t pid, struct tl_cpu_sample *s, struct tl_err *err)
{
	struct tl_proc_cpu pc;
	int ret = tl_proc_cpu_read(pid, &pc, err);
	if (ret < 0)
		return ret;
	long hz = sysconf(_SC_CLK_TCK); /* USER_HZ, 100 on every Linux ABI in practice */
	if (hz <= 0)
		hz = 100;
	s->wall_ns = tl_now_ns();
	s->user_ns = pc.utime_ticks * (TL_NSEC_PER_SEC / (uint64_t)hz);
	s->sys_ns = pc.stime_ticks * (TL_NSEC_PER_SEC / (uint64_t)hz);
	s->vol_ctx = pc.vol_ctx;
	s->invol_ctx = pc.invol_ctx;
	return 0;
}

int tl_sched_time_parse(const char *text, struct tl_sched_time *out, struct tl_err *err)
{
	struct tl_sched_time t;
	const char *p = text;
	if (tl_procnum_u64(&p, &t.run_ns) != 0 || tl_procnum_u64(&p, &t.wait_ns) != 0)
		return tl_err_set(err, EINVAL, "schedstat: expected \"run_ns wait_ns timeslices\", "
				  "got \"%.40s\"", text);
	*out = t;
	return 0;
}

int tl_sched_time_read_self(struct tl_sched_time *out, struct tl_err *err)
{
	char *text = NULL;
	int ret = tl_procfile_read("/proc/thread-self/schedstat", &text, err);
	if (ret == 0)
		ret = tl_sched_time_parse(text, out, err);
	free(text);
	return ret;
}
