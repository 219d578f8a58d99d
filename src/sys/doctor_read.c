/* The doctor's eyes: everything it reads from the kernel, without changing anything. */
#include "sys/doctor.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sys/netstat.h"
#include "sys/softnet.h"
#include "sys/sysctl.h"
#include "util/clock.h"

static void problem(struct tl_doctor_readings *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct tl_doctor_readings *r, const char *fmt, ...)
{
	if (r->n_problems == TL_DOCTOR_MAX_PROBLEMS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->problems[r->n_problems++], sizeof(r->problems[0]), fmt, ap);
	va_end(ap);
}

static void read_sysctl(struct tl_doctor_readings *r, enum tl_doctor_sysctl id)
{
	const struct tl_doctor_sysctl_info *info = tl_doctor_sysctl_info(id);
	struct tl_sysctl_value *sv = &r->sysctl[id];
	struct tl_err err = { 0 };
	memset(sv, 0, sizeof(*sv));
	if (tl_sysctl_read(info->name, sv->text, sizeof(sv->text), &err) < 0) {
		/*
		 * A global value is hidden outside the host's namespace; the netns finding says
		 * so once. Anything else missing is worth a line (e.g. tcp_tw_reuse_delay is 6.14+).
		 */
		if (!(err.code == ENOENT && info->scope == TL_SCOPE_GLOBAL && !r->host.init_netns) &&
		    !(err.code == ENOENT && id == TL_DS_TW_REUSE_DELAY))
			problem(r, "%s", err.msg);
		return;
	}
	if (info->numbers > 0) {
		if (tl_sysctl_parse_u64s(sv->text, sv->v, 3, &sv->n, &err) < 0 ||
		    sv->n < info->numbers) {
			problem(r, "%s = \"%s\": expected %u number(s)", info->name, sv->text,
				info->numbers);
			return;
		}
	}
	char path[256];
	/* procfs applies the table's mode even to root, so access() tells read-only views. */
	sv->writable = tl_sysctl_path(info->name, path, sizeof(path)) == 0 &&
		       access(path, W_OK) == 0;
	sv->present = true;
}

int tl_doctor_read(struct tl_doctor_readings *r, struct tl_err *err)
{
	struct tl_err e = { 0 };
	memset(r, 0, sizeof(*r));
	if (tl_host_read(&r->host, err) < 0)
		return -1;
	for (int id = 0; id < TL_DS_COUNT; id++)
		read_sysctl(r, (enum tl_doctor_sysctl)id);

	/* tcp_rmem[1] is where autotuning starts a socket: below it, SO_RCVBUF was used. */
	const struct tl_sysctl_value *rmem = &r->sysctl[TL_DS_TCP_RMEM];
	uint32_t rcvbuf_below = rmem->present ? (uint32_t)rmem->v[1] : 0;
	if (tl_sockdiag_scan(TL_SOCKDIAG_ALL, rcvbuf_below, &r->sockets, &e) == 0)
		r->have_sockets = true;
	else
		problem(r, "%s", e.msg);

	if (tl_sockstat_read(&r->sockstat, &e) == 0)
		r->have_sockstat = true;
	else
		problem(r, "%s", e.msg);

	if (tl_offload_list(r->ifaces, TL_DOCTOR_MAX_IFACES, &r->n_ifaces, &e) < 0)
		problem(r, "%s", e.msg);
	return 0;
}

struct counter_snap {
	bool present[TL_DC_COUNT];
	int64_t value[TL_DC_COUNT];
	bool have_softnet;
	int64_t softnet_dropped;
};

static int snap(struct counter_snap *s, struct tl_err *err)
{
	struct tl_netstat ns = { 0 };
	struct tl_softnet sn;
	memset(s, 0, sizeof(*s));
	int ret = tl_netstat_read("/proc/net/netstat", &ns, err);
	if (ret < 0)
		return ret;
	for (int i = 0; i < TL_DC_COUNT; i++)
		s->present[i] = tl_netstat_get(&ns, "TcpExt",
					       tl_doctor_counter_name((enum tl_doctor_counter)i),
					       &s->value[i]) == 0;
	tl_netstat_free(&ns);
	if (tl_softnet_read(&sn, NULL) == 0) {
		s->have_softnet = true;
		s->softnet_dropped = (int64_t)sn.dropped;
	}
	return 0;
}

int tl_doctor_read_counters(struct tl_doctor_counters *c, uint64_t watch_ns, struct tl_err *err)
{
	struct counter_snap a, b;
	memset(c, 0, sizeof(*c));
	if (snap(&a, err) < 0)
		return -1;
	if (watch_ns == 0) {
		memcpy(c->present, a.present, sizeof(c->present));
		memcpy(c->value, a.value, sizeof(c->value));
		c->have_softnet = a.have_softnet;
		c->softnet_dropped = a.softnet_dropped;
		return 0;
	}
	uint64_t start = tl_now_ns(), deadline = start + watch_ns;
	struct timespec ts = tl_ns_to_timespec(deadline);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	if (snap(&b, err) < 0)
		return -1;
	c->interval_ns = tl_now_ns() - start;
	for (int i = 0; i < TL_DC_COUNT; i++) {
		c->present[i] = a.present[i] && b.present[i];
		c->value[i] = c->present[i] ? b.value[i] - a.value[i] : 0;
	}
	c->have_softnet = a.have_softnet && b.have_softnet;
	c->softnet_dropped = c->have_softnet ? b.softnet_dropped - a.softnet_dropped : 0;
	return 0;
}
