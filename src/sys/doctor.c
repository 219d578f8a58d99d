/* The doctor's tables: which sysctls and counters it reads, and small lookups. */
#include "sys/doctor.h"

#include <string.h>

#include "sys/sysctl.h"
#include "util/parse.h"

void tl_doctor_workload_default(struct tl_doctor_workload *w)
{
	w->rate_bps = TL_DOCTOR_DEFAULT_RATE_BPS;
	w->rtt_ns = TL_DOCTOR_DEFAULT_RTT_NS;
	w->flows = TL_DOCTOR_DEFAULT_FLOWS;
	w->conns_per_sec = TL_DOCTOR_DEFAULT_CONNS_PER_SEC;
	w->concurrent = TL_DOCTOR_DEFAULT_CONCURRENT;
	w->dest_loopback = false;
}

static int64_t value_or(const struct tl_doctor_readings *r, enum tl_doctor_sysctl id, int64_t dflt)
{
	const struct tl_sysctl_value *sv = &r->sysctl[id];
	return sv->present && sv->n >= 1 ? (int64_t)sv->v[0] : dflt;
}

bool tl_doctor_port_facts(const struct tl_doctor_readings *r, struct tl_port_facts *out)
{
	const struct tl_sysctl_value *range = &r->sysctl[TL_DS_PORT_RANGE];
	if (!range->present || range->n < 2)
		return false;
	struct tl_port_range pr = { (uint32_t)range->v[0], (uint32_t)range->v[1] };
	uint32_t reserved = 0;
	const struct tl_sysctl_value *res = &r->sysctl[TL_DS_RESERVED_PORTS];
	if (res->present && tl_reserved_ports_count(res->text, &pr, &reserved, NULL) < 0)
		reserved = 0;
	*out = (struct tl_port_facts){
		.port_lo = pr.lo, .port_hi = pr.hi, .reserved = reserved,
		.tw_reuse = (int)value_or(r, TL_DS_TW_REUSE, -1),
		.timestamps = (int)value_or(r, TL_DS_TIMESTAMPS, -1),
		.reuse_delay_ms = value_or(r, TL_DS_TW_REUSE_DELAY, -1),
	};
	return true;
}

/*
 * Scope column: checked on Linux 6.18 in a fresh namespace ('unshare -n'): tcp_mem,
 * tcp_max_orphans, netdev_max_backlog and default_qdisc are absent there; rmem_max and
 * wmem_max are present but mode 0444 (global, shown read-only); the rest are per netns
 * (tcp_rmem/tcp_wmem/tw_reuse per netns, tcp_mem/tcp_max_orphans global: [BT];
 * tcp_max_tw_buckets per netns since 4.11 [K12]).
 */
static const struct tl_doctor_sysctl_info sysctls[TL_DS_COUNT] = {
	[TL_DS_TCP_RMEM] = { "net.ipv4.tcp_rmem", TL_SCOPE_NETNS, 3 },
	[TL_DS_TCP_WMEM] = { "net.ipv4.tcp_wmem", TL_SCOPE_NETNS, 3 },
	[TL_DS_RMEM_MAX] = { "net.core.rmem_max", TL_SCOPE_GLOBAL, 1 },
	[TL_DS_WMEM_MAX] = { "net.core.wmem_max", TL_SCOPE_GLOBAL, 1 },
	[TL_DS_TCP_MEM] = { "net.ipv4.tcp_mem", TL_SCOPE_GLOBAL, 3 },
	[TL_DS_MODERATE_RCVBUF] = { "net.ipv4.tcp_moderate_rcvbuf", TL_SCOPE_NETNS, 1 },
	[TL_DS_WINDOW_SCALING] = { "net.ipv4.tcp_window_scaling", TL_SCOPE_NETNS, 1 },
	[TL_DS_TIMESTAMPS] = { "net.ipv4.tcp_timestamps", TL_SCOPE_NETNS, 1 },
	[TL_DS_SACK] = { "net.ipv4.tcp_sack", TL_SCOPE_NETNS, 1 },
	[TL_DS_CONGESTION_CONTROL] = { "net.ipv4.tcp_congestion_control", TL_SCOPE_NETNS, 0 },
	[TL_DS_AVAILABLE_CC] = { "net.ipv4.tcp_available_congestion_control", TL_SCOPE_NETNS, 0 },
	[TL_DS_DEFAULT_QDISC] = { "net.core.default_qdisc", TL_SCOPE_GLOBAL, 0 },
	[TL_DS_MTU_PROBING] = { "net.ipv4.tcp_mtu_probing", TL_SCOPE_NETNS, 1 },
	[TL_DS_NOTSENT_LOWAT] = { "net.ipv4.tcp_notsent_lowat", TL_SCOPE_NETNS, 1 },
	[TL_DS_SLOW_START_AFTER_IDLE] = { "net.ipv4.tcp_slow_start_after_idle", TL_SCOPE_NETNS, 1 },
	[TL_DS_SOMAXCONN] = { "net.core.somaxconn", TL_SCOPE_NETNS, 1 },
	[TL_DS_MAX_SYN_BACKLOG] = { "net.ipv4.tcp_max_syn_backlog", TL_SCOPE_NETNS, 1 },
	[TL_DS_SYNCOOKIES] = { "net.ipv4.tcp_syncookies", TL_SCOPE_NETNS, 1 },
	[TL_DS_ABORT_ON_OVERFLOW] = { "net.ipv4.tcp_abort_on_overflow", TL_SCOPE_NETNS, 1 },
	[TL_DS_PORT_RANGE] = { "net.ipv4.ip_local_port_range", TL_SCOPE_NETNS, 2 },
	[TL_DS_RESERVED_PORTS] = { "net.ipv4.ip_local_reserved_ports", TL_SCOPE_NETNS, 0 },
	[TL_DS_TW_REUSE] = { "net.ipv4.tcp_tw_reuse", TL_SCOPE_NETNS, 1 },
	[TL_DS_TW_REUSE_DELAY] = { "net.ipv4.tcp_tw_reuse_delay", TL_SCOPE_NETNS, 1 },
	[TL_DS_FIN_TIMEOUT] = { "net.ipv4.tcp_fin_timeout", TL_SCOPE_NETNS, 1 },
	[TL_DS_MAX_TW_BUCKETS] = { "net.ipv4.tcp_max_tw_buckets", TL_SCOPE_NETNS, 1 },
	[TL_DS_MAX_ORPHANS] = { "net.ipv4.tcp_max_orphans", TL_SCOPE_GLOBAL, 1 },
	[TL_DS_NETDEV_MAX_BACKLOG] = { "net.core.netdev_max_backlog", TL_SCOPE_GLOBAL, 1 },
	[TL_DS_ADV_WIN_SCALE] = { "net.ipv4.tcp_adv_win_scale", TL_SCOPE_NETNS, 1 },
	/* Global: mode 0444 in a fresh namespace on 6.18, as rmem_max. */
	[TL_DS_ALLOWED_CC] = { "net.ipv4.tcp_allowed_congestion_control", TL_SCOPE_GLOBAL, 0 },
};

const struct tl_doctor_sysctl_info *tl_doctor_sysctl_info(enum tl_doctor_sysctl id)
{
	return (unsigned)id < TL_DS_COUNT ? &sysctls[id] : NULL;
}

/* TcpExt names as net/ipv4/proc.c prints them (snmp4_net_list) [K11]. */
static const char *const counters[TL_DC_COUNT] = {
	[TL_DC_LISTEN_OVERFLOWS] = "ListenOverflows",
	[TL_DC_LISTEN_DROPS] = "ListenDrops",
	[TL_DC_TIMEWAIT_OVERFLOW] = "TCPTimeWaitOverflow",
	[TL_DC_BACKLOG_DROP] = "TCPBacklogDrop",
	[TL_DC_PRUNE_CALLED] = "PruneCalled",
	[TL_DC_RCV_PRUNED] = "RcvPruned",
	[TL_DC_RCV_COLLAPSED] = "TCPRcvCollapsed",
	[TL_DC_MEMORY_PRESSURES] = "TCPMemoryPressures",
	[TL_DC_ABORT_ON_MEMORY] = "TCPAbortOnMemory",
	[TL_DC_REQQ_FULL_DROP] = "TCPReqQFullDrop",
	[TL_DC_REQQ_FULL_DO_COOKIES] = "TCPReqQFullDoCookies",
	[TL_DC_SYNCOOKIES_SENT] = "SyncookiesSent",
	[TL_DC_RCVQ_DROP] = "TCPRcvQDrop",
};

const char *tl_doctor_counter_name(enum tl_doctor_counter id)
{
	return (unsigned)id < TL_DC_COUNT ? counters[id] : "?";
}

const char *tl_severity_name(enum tl_severity s)
{
	switch (s) {
	case TL_SEV_OK:
		return "ok";
	case TL_SEV_INFO:
		return "info";
	case TL_SEV_WARN:
		return "warn";
	case TL_SEV_SEVERE:
		return "severe";
	}
	return "?";
}

enum tl_severity tl_findings_worst(const struct tl_findings *f)
{
	enum tl_severity worst = TL_SEV_OK;
	for (size_t i = 0; i < f->n; i++)
		if (f->items[i].severity > worst)
			worst = f->items[i].severity;
	return worst;
}

const struct tl_finding *tl_findings_find(const struct tl_findings *f, const char *id)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->items[i].id, id) == 0)
			return &f->items[i];
	return NULL;
}

/* "1.00 Gbit/s" -> "1 Gbit/s", "4.50 KiB" -> "4.5 KiB", "1.000 s" -> "1 s"; in place. */
static const char *trim_zeros(char *buf)
{
	char *dot = strchr(buf, '.'), *sp = strchr(buf, ' ');
	if (!dot || !sp || dot > sp)
		return buf;
	char *end = sp;
	while (end > dot + 1 && end[-1] == '0')
		end--;
	if (end == dot + 1)
		end = dot;
	memmove(end, sp, strlen(sp) + 1);
	return buf;
}

const char *tl_doctor_fmt_size(uint64_t bytes, char *buf, unsigned len)
{
	return trim_zeros((char *)tl_fmt_size((double)bytes, buf, len));
}

const char *tl_doctor_fmt_rate(double bps, char *buf, unsigned len)
{
	return trim_zeros((char *)tl_fmt_rate(bps, buf, len));
}

const char *tl_doctor_fmt_duration(uint64_t ns, char *buf, unsigned len)
{
	return trim_zeros((char *)tl_fmt_duration(ns, buf, len));
}
