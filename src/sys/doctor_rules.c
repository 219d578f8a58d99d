/*
 * The doctor's rule table and the helpers the rules share. tl_doctor_evaluate() runs every
 * rule of the table in order over the readings and the workload; it does no I/O.
 */
#include "sys/doctor_rules.h"

#include <string.h>

#include "sys/bdp.h"

static const tl_drule_fn rules[] = {
	tl_drule_kernel,
	tl_drule_netns,
	/* Throughput: buffers and windows. */
	tl_drule_tcp_rmem,
	tl_drule_tcp_wmem,
	tl_drule_rmem_max,
	tl_drule_wmem_max,
	tl_drule_moderate_rcvbuf,
	tl_drule_window_scaling,
	tl_drule_small_rcvbuf,
	tl_drule_tcp_mem,
	tl_drule_notsent_lowat,
	tl_drule_timestamps,
	tl_drule_sack,
	tl_drule_congestion_control,
	tl_drule_allowed_cc,
	tl_drule_default_qdisc,
	tl_drule_mtu_probing,
	tl_drule_slow_start_after_idle,
	tl_drule_netdev_max_backlog,
	tl_drule_offloads,
	/* Connections: ports, TIME_WAIT, listen queues, limits. */
	tl_drule_port_range,
	tl_drule_tw_reuse,
	tl_drule_time_wait,
	tl_drule_max_tw_buckets,
	tl_drule_fin_timeout,
	tl_drule_somaxconn,
	tl_drule_listen_queues,
	tl_drule_max_syn_backlog,
	tl_drule_syncookies,
	tl_drule_abort_on_overflow,
	tl_drule_max_orphans,
	tl_drule_nofile,
	/* What the kernel counted. */
	tl_drule_counters,
};

void tl_doctor_evaluate(const struct tl_doctor_readings *r, const struct tl_doctor_workload *w,
			struct tl_findings *out)
{
	struct tl_drule_ctx c;
	memset(&c, 0, sizeof(c));
	memset(out, 0, sizeof(*out));
	c.r = r;
	c.w = w;
	c.out = out;
	c.flows = w->flows ? w->flows : 1;
	c.bdp = tl_bdp_bytes(w->rate_bps, w->rtt_ns);
	c.bdp_flow = (c.bdp + c.flows - 1) / c.flows;
	c.rcvbuf_need = tl_bdp_rcvbuf_needed(c.bdp, c.flows);
	c.buf_recommend = tl_bdp_pow2ceil(c.rcvbuf_need);
	c.rate_flow = (double)w->rate_bps / c.flows;
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		rules[i](&c);
}

struct tl_finding *tl_drule_add(struct tl_drule_ctx *c, const char *id, enum tl_severity sev,
				const char *title)
{
	struct tl_finding *f;
	if (c->out->n < TL_DOCTOR_MAX_FINDINGS) {
		f = &c->out->items[c->out->n++];
	} else {
		c->out->dropped++;
		f = &c->scratch;
	}
	memset(f, 0, sizeof(*f));
	TL_FSET(f->id, "%s", id);
	f->severity = sev;
	TL_FSET(f->title, "%s", title);
	return f;
}

void tl_drule_fix_sysctl(struct tl_finding *f, enum tl_doctor_sysctl id, const char *value)
{
	const struct tl_doctor_sysctl_info *info = tl_doctor_sysctl_info(id);
	TL_FSET(f->sysctl, "%s", info->name);
	TL_FSET(f->value, "%s", value);
	f->global = info->scope == TL_SCOPE_GLOBAL;
}

const struct tl_sysctl_value *tl_drule_sysctl(const struct tl_drule_ctx *c,
					      enum tl_doctor_sysctl id, size_t numbers)
{
	const struct tl_sysctl_value *sv = &c->r->sysctl[id];
	if (!sv->present || sv->n < numbers)
		return NULL;
	return sv;
}

void tl_drule_seen_sysctl(struct tl_finding *f, const struct tl_drule_ctx *c,
			  enum tl_doctor_sysctl id)
{
	const struct tl_doctor_sysctl_info *info = tl_doctor_sysctl_info(id);
	TL_FSET(f->seen, "%s = %s%s", info->name, c->r->sysctl[id].text,
		info->scope == TL_SCOPE_GLOBAL ? " (global)" : "");
}

const char *tl_drule_size(uint64_t bytes, char *buf)
{
	return tl_doctor_fmt_size(bytes, buf, 32);
}

const char *tl_drule_rate(double bps, char *buf)
{
	return tl_doctor_fmt_rate(bps, buf, 32);
}

const char *tl_drule_dur(uint64_t ns, char *buf)
{
	return tl_doctor_fmt_duration(ns, buf, 32);
}

void tl_drule_buffer_cost(const struct tl_drule_ctx *c, uint64_t per_socket, char *buf,
			  size_t len)
{
	char s1[32], s2[32], s3[32], s4[32];
	uint64_t bulk = (uint64_t)c->flows * per_socket;
	size_t used = (size_t)snprintf(buf, len,
		"a ceiling, not an allocation: only connections that carry data grow toward it. "
		"If %s %u flow%s fill%s it: %u x %s = %s",
		c->flows == 1 ? "the" : "all", c->flows, c->flows == 1 ? "" : "s",
		c->flows == 1 ? "s" : "", c->flows, tl_drule_size(per_socket, s1),
		tl_drule_size(bulk, s2));
	if (used >= len)
		return;
	const struct tl_sysctl_value *mem = tl_drule_sysctl(c, TL_DS_TCP_MEM, 3);
	uint64_t page = c->r->host.page_size ? c->r->host.page_size : 4096;
	if (mem) {
		uint64_t pressure = mem->v[1] * page;
		used += (size_t)snprintf(buf + used, len - used,
			", %.1f%% of the TCP memory-pressure threshold (tcp_mem[1] = %llu pages = %s)",
			pressure ? 100.0 * (double)bulk / (double)pressure : 0.0,
			(unsigned long long)mem->v[1], tl_drule_size(pressure, s3));
		if (used >= len)
			return;
	}
	if (c->w->concurrent > c->flows) {
		uint64_t all = c->w->concurrent * per_socket;
		used += (size_t)snprintf(buf + used, len - used,
			"; if every one of %llu concurrent connections filled it: %llu x %s = %s",
			(unsigned long long)c->w->concurrent, (unsigned long long)c->w->concurrent,
			s1, tl_drule_size(all, s4));
		if (used >= len)
			return;
		if (mem && all > mem->v[2] * page)
			snprintf(buf + used, len - used,
				 ", more than tcp_mem[2] allows, so the kernel would shrink buffers "
				 "under memory pressure first");
	}
}
