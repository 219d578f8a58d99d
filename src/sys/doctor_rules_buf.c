/*
 * Doctor rules about throughput: socket buffer limits against the bandwidth-delay product,
 * autotuning, window scaling and TCP memory ([K1], [K2], [K9], [E1]).
 */
#include "sys/doctor_rules.h"

#include <inttypes.h>
#include <string.h>

#include "sys/bdp.h"

/* "one flow of 1 Gbit/s at 100 ms needs rcvbuf >= 2 x BDP = 2 x 11.9 MiB = 23.8 MiB (...)" */
static void need_text(const struct tl_drule_ctx *c, char *buf, size_t len)
{
	char r1[32], r2[32], d[32], s1[32], s2[32], s3[32];
	if (c->flows == 1)
		snprintf(buf, len,
			 "one flow of %s at %s RTT needs rcvbuf >= 2 x BDP = 2 x %s = %s "
			 "(BDP = %s x %s / 8)",
			 tl_drule_rate((double)c->w->rate_bps, r1), tl_drule_dur(c->w->rtt_ns, d),
			 tl_drule_size(c->bdp_flow, s1), tl_drule_size(c->rcvbuf_need, s2), r1, d);
	else
		snprintf(buf, len,
			 "each of %u flows (%s each, %s RTT) needs rcvbuf >= 2 x BDP/%u = 2 x %s = %s "
			 "(BDP = %s x %s / 8 = %s)",
			 c->flows, tl_drule_rate(c->rate_flow, r1), tl_drule_dur(c->w->rtt_ns, d),
			 c->flows, tl_drule_size(c->bdp_flow, s1), tl_drule_size(c->rcvbuf_need, s2),
			 tl_drule_rate((double)c->w->rate_bps, r2), d, tl_drule_size(c->bdp, s3));
}

/* Severity of a per-flow ceiling: severe when all flows together get under half the target. */
static enum tl_severity ceiling_severity(const struct tl_drule_ctx *c, double ceiling_flow)
{
	return ceiling_flow * c->flows < 0.5 * (double)c->w->rate_bps ? TL_SEV_SEVERE : TL_SEV_WARN;
}

/* " ; 4 flows together reach at most 1.01 Gbit/s of the 1 Gbit/s wanted" (empty for 1 flow). */
static void aggregate_text(const struct tl_drule_ctx *c, double ceiling_flow, char *buf,
			   size_t len)
{
	char r1[32], r2[32];
	double all = ceiling_flow * c->flows;
	if (c->flows == 1) {
		snprintf(buf, len, ", %.0f%% of the %s wanted", 100.0 * all / (double)c->w->rate_bps,
			 tl_drule_rate((double)c->w->rate_bps, r2));
		return;
	}
	snprintf(buf, len, "; %u flows together reach at most %s of the %s wanted", c->flows,
		 tl_drule_rate(all, r1), tl_drule_rate((double)c->w->rate_bps, r2));
}

static bool workload_has_path(const struct tl_drule_ctx *c)
{
	return c->w->rate_bps > 0 && c->w->rtt_ns > 0;
}

/* The window a receive buffer advertises on this kernel: tcp_win_from_space() [K16][K2]. */
static uint64_t window_of(const struct tl_drule_ctx *c, uint64_t rcvbuf)
{
	const struct tl_host *h = &c->r->host;
	bool measured = h->kernel_major == 0 || tl_host_kernel_at_least(h, 6, 6);
	const struct tl_sysctl_value *s = tl_drule_sysctl(c, TL_DS_ADV_WIN_SCALE, 1);
	return tl_bdp_window_of_rcvbuf(rcvbuf, measured, s ? (int)s->v[0] : 1);
}

/* How window_of() got its figure, for the prose: "x 160/256" or "- 1/2". */
static const char *window_rule(const struct tl_drule_ctx *c)
{
	const struct tl_host *h = &c->r->host;
	if (h->kernel_major == 0 || tl_host_kernel_at_least(h, 6, 6))
		return "the kernel advertises the buffer times the payload share it measures, "
		       "about 160/256 for MTU-1500 segments";
	return "the kernel advertises rcvbuf - rcvbuf/2^tcp_adv_win_scale";
}

void tl_drule_kernel(struct tl_drule_ctx *c)
{
	const struct tl_host *h = &c->r->host;
	struct tl_finding *f = tl_drule_add(c, "kernel", TL_SEV_OK, "kernel version");
	TL_FSET(f->seen, "Linux %s", h->kernel_release);
	if (h->kernel_major == 0) {
		TL_FSET(f->why, "version not recognised; defaults below are read, not assumed");
		return;
	}
	TL_FSET(f->why,
		"defaults that changed: somaxconn 128 -> 4096 in 5.4 [K7] (%s); tcp_adv_win_scale "
		"obsolete since 6.6, the window is the buffer times a measured payload/truesize "
		"ratio [K2] (%s); tcp_tw_reuse_delay since 6.14 [K6] (%s); tcp_rmem max 6 MiB -> "
		"32 MiB in ~6.16 [K3], net.core.rmem_max/wmem_max 4 MiB in ~6.18 [K4]",
		tl_host_kernel_at_least(h, 5, 4) ? "this kernel has 4096" : "this kernel has 128",
		tl_host_kernel_at_least(h, 6, 6) ? "applies here" : "not yet here: window = rcvbuf/2",
		tl_host_kernel_at_least(h, 6, 14) ? "present" : "absent");
}

void tl_drule_netns(struct tl_drule_ctx *c)
{
	const struct tl_host *h = &c->r->host;
	if (h->init_netns) {
		struct tl_finding *f = tl_drule_add(c, "netns", TL_SEV_OK, "network namespace");
		TL_FSET(f->seen, "net:[%" PRIu64 "], the host's namespace", h->netns_inode);
		TL_FSET(f->why, "values marked (global) apply to every network namespace of this host; "
				"the others to this namespace only");
		return;
	}
	struct tl_finding *f = tl_drule_add(c, "netns", TL_SEV_INFO, "network namespace");
	TL_FSET(f->seen, "net:[%" PRIu64 "], not the host's namespace", h->netns_inode);
	TL_FSET(f->why,
		"per-namespace values (tcp_rmem, tcp_wmem, somaxconn, ip_local_port_range, "
		"tcp_tw_reuse, tcp_max_tw_buckets, ...) are this namespace's own. Global values are "
		"the host's: tcp_mem, tcp_max_orphans, netdev_max_backlog and default_qdisc are not "
		"visible here, and net.core.rmem_max/wmem_max are shown read-only [BT]");
	TL_FSET(f->fix, "run 'tcplab doctor' in the host's namespace to check and change the "
			"global values");
}

void tl_drule_tcp_rmem(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_TCP_RMEM, 3);
	if (!sv || !workload_has_path(c))
		return;
	char need[320], agg[128], above[128] = "", s1[32], s2[32], s3[32], r1[32], d[32];
	need_text(c, need, sizeof(need));
	/* A default above the max is what sockets keep: autotuning never shrinks [K16]. */
	uint64_t max = tl_bdp_autotuned_rcvbuf(sv->v[1], sv->v[2]);
	if (sv->v[1] > sv->v[2])
		snprintf(above, sizeof(above), " (the default %s, above the max %s: sockets start "
			 "there and are never shrunk)", tl_drule_size(sv->v[1], s1),
			 tl_drule_size(sv->v[2], s3));
	if (max >= c->rcvbuf_need) {
		struct tl_finding *f = tl_drule_add(c, "tcp_rmem", TL_SEV_OK, "receive buffer maximum");
		tl_drule_seen_sysctl(f, c, TL_DS_TCP_RMEM);
		TL_FSET(f->why, "%s; tcp_rmem max %s is enough [K1][E1]", need,
			tl_drule_size(max, s1));
		return;
	}
	uint64_t window = window_of(c, max);
	double ceiling = tl_bdp_window_ceiling_bps(window, c->w->rtt_ns);
	aggregate_text(c, ceiling, agg, sizeof(agg));
	struct tl_finding *f = tl_drule_add(c, "tcp_rmem", ceiling_severity(c, ceiling),
					    "receive buffer maximum too small");
	tl_drule_seen_sysctl(f, c, TL_DS_TCP_RMEM);
	TL_FSET(f->why,
		"%s; tcp_rmem lets a socket's buffer reach %s%s, and %s, so a flow advertises a "
		"window of about %s and cannot exceed %s / %s = %s%s [K1][K2][K16][E1]",
		need, tl_drule_size(max, s1), above, window_rule(c), tl_drule_size(window, s2), s2,
		tl_drule_dur(c->w->rtt_ns, d), tl_drule_rate(ceiling, r1), agg);
	uint64_t rec = c->buf_recommend;
	char value[96];
	snprintf(value, sizeof(value), "%" PRIu64 " %" PRIu64 " %" PRIu64, sv->v[0], sv->v[1], rec);
	TL_FSET(f->fix,
		"sysctl -w net.ipv4.tcp_rmem=\"%s\" on the receiving host (%s; autotuning still "
		"sizes each socket, the third value is only its ceiling)",
		value, tl_drule_size(rec, s1));
	tl_drule_fix_sysctl(f, TL_DS_TCP_RMEM, value);
	tl_drule_buffer_cost(c, rec, f->cost, sizeof(f->cost));
}

void tl_drule_tcp_wmem(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_TCP_WMEM, 3);
	if (!sv || !workload_has_path(c))
		return;
	char s1[32], s2[32], s3[32], r1[32], d[32], agg[128];
	uint64_t max = sv->v[2];
	const char *per = c->flows == 1 ? "" : " per flow";
	if (max >= c->rcvbuf_need) {
		struct tl_finding *f = tl_drule_add(c, "tcp_wmem", TL_SEV_OK, "send buffer maximum");
		tl_drule_seen_sysctl(f, c, TL_DS_TCP_WMEM);
		TL_FSET(f->why,
			"a sender keeps up to one BDP%s = %s unacknowledged in its send buffer; tcp_wmem "
			"max %s holds that plus as much unsent data [K1][E1]",
			per, tl_drule_size(c->bdp_flow, s1), tl_drule_size(max, s2));
		return;
	}
	uint64_t rec = c->buf_recommend;
	char value[96];
	snprintf(value, sizeof(value), "%" PRIu64 " %" PRIu64 " %" PRIu64, sv->v[0], sv->v[1], rec);
	struct tl_finding *f;
	if (max >= c->bdp_flow) {
		f = tl_drule_add(c, "tcp_wmem", TL_SEV_INFO, "send buffer maximum is tight");
		tl_drule_seen_sysctl(f, c, TL_DS_TCP_WMEM);
		TL_FSET(f->why,
			"a sender keeps up to one BDP%s = %s unacknowledged; tcp_wmem max %s holds that "
			"but little unsent data beside it, and the kernel counts skb overhead against "
			"it, so flows may be send-buffer limited (TCP_INFO tcpi_sndbuf_limited). ESnet "
			"sets tcp_wmem like tcp_rmem [E1]",
			per, tl_drule_size(c->bdp_flow, s1), tl_drule_size(max, s2));
	} else {
		double ceiling = tl_bdp_window_ceiling_bps(max, c->w->rtt_ns);
		aggregate_text(c, ceiling, agg, sizeof(agg));
		f = tl_drule_add(c, "tcp_wmem", ceiling_severity(c, ceiling),
				 "send buffer maximum too small");
		tl_drule_seen_sysctl(f, c, TL_DS_TCP_WMEM);
		TL_FSET(f->why,
			"a sender must keep one BDP%s = %s unacknowledged in its send buffer to fill "
			"the path; tcp_wmem max is %s, so a flow sends at most %s / %s = %s%s [K1][E1]",
			per, tl_drule_size(c->bdp_flow, s1), tl_drule_size(max, s2), s2,
			tl_drule_dur(c->w->rtt_ns, d), tl_drule_rate(ceiling, r1), agg);
	}
	TL_FSET(f->fix, "sysctl -w net.ipv4.tcp_wmem=\"%s\" on the sending host (%s, as tcp_rmem)",
		value, tl_drule_size(rec, s3));
	tl_drule_fix_sysctl(f, TL_DS_TCP_WMEM, value);
	tl_drule_buffer_cost(c, rec, f->cost, sizeof(f->cost));
}

/* rmem_max / wmem_max: caps on explicit SO_RCVBUF / SO_SNDBUF only [M1][K1]. */
static void core_max_rule(struct tl_drule_ctx *c, enum tl_doctor_sysctl id, const char *key,
			  const char *opt, const char *tcp_name)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, id, 1);
	if (!sv || !workload_has_path(c))
		return;
	char s1[32], s2[32], r1[32], d[32], title[96];
	uint64_t max = sv->v[0];
	if (max >= c->bdp_flow) {
		snprintf(title, sizeof(title), "cap on explicit %s", opt);
		struct tl_finding *f = tl_drule_add(c, key, TL_SEV_OK, title);
		tl_drule_seen_sysctl(f, c, id);
		TL_FSET(f->why,
			"only applications that set %s are capped here (the kernel clamps the request "
			"to it and doubles it); %s allows the %s window a flow needs [M1]",
			opt, tl_drule_size(max, s1), tl_drule_size(c->bdp_flow, s2));
		return;
	}
	bool seen_small = id == TL_DS_RMEM_MAX && c->r->have_sockets && c->r->sockets.small_total;
	snprintf(title, sizeof(title), "cap on explicit %s below the BDP", opt);
	struct tl_finding *f = tl_drule_add(c, key, seen_small ? TL_SEV_WARN : TL_SEV_INFO, title);
	tl_drule_seen_sysctl(f, c, id);
	double ceiling = tl_bdp_window_ceiling_bps(max, c->w->rtt_ns);
	TL_FSET(f->why,
		"applies only to sockets whose application sets %s: the kernel clamps the request to "
		"%s, doubles it and stops autotuning that socket [M1][K1]. Such a socket's window is "
		"at most about %s, so a flow cannot exceed %s / %s = %s; it needs %s (one BDP%s). "
		"Applications that leave %s alone are bounded by %s instead%s",
		opt, tl_doctor_sysctl_info(id)->name, tl_drule_size(max, s1), s1,
		tl_drule_dur(c->w->rtt_ns, d), tl_drule_rate(ceiling, r1),
		tl_drule_size(c->bdp_flow, s2), c->flows == 1 ? "" : " per flow", opt, tcp_name,
		seen_small ? ". Sockets with a small explicit SO_RCVBUF exist now (see small_rcvbuf)"
			   : "");
	uint64_t rec = c->buf_recommend;
	char value[32];
	snprintf(value, sizeof(value), "%" PRIu64, rec);
	TL_FSET(f->fix,
		"sysctl -w %s=%s (%s, as ESnet does: at least the tcp_*mem maximum [E1]); or drop "
		"the setsockopt(%s) from the application and let autotuning work",
		tl_doctor_sysctl_info(id)->name, value, tl_drule_size(rec, s1), opt);
	tl_drule_fix_sysctl(f, id, value);
	TL_FSET(f->cost,
		"only sockets that ask for it get it: up to 2 x %s = %s each, counted against "
		"tcp_mem like any buffer",
		s1, tl_drule_size(rec * 2, s2));
}

void tl_drule_rmem_max(struct tl_drule_ctx *c)
{
	core_max_rule(c, TL_DS_RMEM_MAX, "rmem_max", "SO_RCVBUF", "tcp_rmem");
}

void tl_drule_wmem_max(struct tl_drule_ctx *c)
{
	core_max_rule(c, TL_DS_WMEM_MAX, "wmem_max", "SO_SNDBUF", "tcp_wmem");
}

void tl_drule_moderate_rcvbuf(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_MODERATE_RCVBUF, 1);
	if (!sv)
		return;
	if (sv->v[0] != 0) {
		struct tl_finding *f = tl_drule_add(c, "tcp_moderate_rcvbuf", TL_SEV_OK,
						    "receive buffer autotuning");
		tl_drule_seen_sysctl(f, c, TL_DS_MODERATE_RCVBUF);
		TL_FSET(f->why, "on: each socket's receive buffer grows with what the application "
				"reads per RTT, up to tcp_rmem max [K1][K9]");
		return;
	}
	const struct tl_sysctl_value *rmem = tl_drule_sysctl(c, TL_DS_TCP_RMEM, 3);
	enum tl_severity sev = TL_SEV_WARN;
	char s1[32], s2[32], r1[32], d[32];
	struct tl_finding *f = tl_drule_add(c, "tcp_moderate_rcvbuf", sev,
					    "receive buffer autotuning is off");
	tl_drule_seen_sysctl(f, c, TL_DS_MODERATE_RCVBUF);
	if (rmem && workload_has_path(c)) {
		double ceiling = tl_bdp_window_ceiling_bps(window_of(c, rmem->v[1]), c->w->rtt_ns);
		f->severity = ceiling_severity(c, ceiling);
		TL_FSET(f->why,
			"every socket keeps tcp_rmem default %s instead of growing toward tcp_rmem max: "
			"a window of about %s, so a flow cannot exceed %s / %s = %s [K1][K16]",
			tl_drule_size(rmem->v[1], s1), tl_drule_size(window_of(c, rmem->v[1]), s2), s2,
			tl_drule_dur(c->w->rtt_ns, d), tl_drule_rate(ceiling, r1));
	} else {
		TL_FSET(f->why, "every socket keeps tcp_rmem default instead of growing [K1]");
	}
	TL_FSET(f->fix, "sysctl -w net.ipv4.tcp_moderate_rcvbuf=1 (the default)");
	tl_drule_fix_sysctl(f, TL_DS_MODERATE_RCVBUF, "1");
	TL_FSET(f->cost, "buffers grow only on connections that carry data (see tcp_rmem)");
}

void tl_drule_window_scaling(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_WINDOW_SCALING, 1);
	if (!sv)
		return;
	char s1[32], r1[32], d[32];
	if (sv->v[0] != 0) {
		struct tl_finding *f = tl_drule_add(c, "tcp_window_scaling", TL_SEV_OK,
						    "window scaling");
		tl_drule_seen_sysctl(f, c, TL_DS_WINDOW_SCALING);
		TL_FSET(f->why, "on: windows above 64 KiB are possible (a flow needs %s)",
			tl_drule_size(c->bdp_flow, s1));
		return;
	}
	struct tl_finding *f = tl_drule_add(c, "tcp_window_scaling", TL_SEV_WARN,
					    "window scaling is off");
	tl_drule_seen_sysctl(f, c, TL_DS_WINDOW_SCALING);
	if (workload_has_path(c)) {
		double ceiling = tl_bdp_window_ceiling_bps(65535, c->w->rtt_ns);
		if (c->bdp_flow > 65535)
			f->severity = ceiling_severity(c, ceiling);
		TL_FSET(f->why,
			"without it the window field is 16 bits: at most 64 KiB in flight, so a flow "
			"cannot exceed 64 KiB / %s = %s; it needs %s [E1][M1]",
			tl_drule_dur(c->w->rtt_ns, d), tl_drule_rate(ceiling, r1),
			tl_drule_size(c->bdp_flow, s1));
	}
	TL_FSET(f->fix, "sysctl -w net.ipv4.tcp_window_scaling=1 (the default)");
	tl_drule_fix_sysctl(f, TL_DS_WINDOW_SCALING, "1");
	TL_FSET(f->cost, "none");
}

void tl_drule_small_rcvbuf(struct tl_drule_ctx *c)
{
	const struct tl_doctor_readings *r = c->r;
	const struct tl_sysctl_value *rmem = tl_drule_sysctl(c, TL_DS_TCP_RMEM, 3);
	if (!r->have_sockets || !rmem)
		return;
	char s1[32], s2[32], s3[32], r1[32], r2[32], d[32], a1[64], a2[64];
	const struct tl_sock_scan *s = &r->sockets;
	if (s->small_total == 0) {
		struct tl_finding *f = tl_drule_add(c, "small_rcvbuf", TL_SEV_OK,
						    "sockets with an explicit small SO_RCVBUF");
		TL_FSET(f->seen, "none of %u established sockets has sk_rcvbuf below tcp_rmem default %s",
			s->counts.by_state[TL_TCP_ESTABLISHED], tl_drule_size(rmem->v[1], s1));
		TL_FSET(f->why, "autotuning starts each socket at tcp_rmem[1] and only grows it [K9]");
		return;
	}
	const struct tl_sock_small_buf *b = &s->small[0];
	double ceiling = workload_has_path(c)
				 ? tl_bdp_window_ceiling_bps(window_of(c, b->rcvbuf), c->w->rtt_ns) : 0;
	enum tl_severity sev = workload_has_path(c) && ceiling < c->rate_flow ? TL_SEV_WARN
									     : TL_SEV_INFO;
	struct tl_finding *f = tl_drule_add(c, "small_rcvbuf", sev,
					    "sockets with an explicit small SO_RCVBUF");
	TL_FSET(f->seen,
		"%zu established socket%s with sk_rcvbuf below tcp_rmem default %s, e.g. %s -> %s: "
		"rcvbuf %s (uid %u, inode %u)",
		s->small_total, s->small_total == 1 ? "" : "s", tl_drule_size(rmem->v[1], s1),
		tl_sock_addr_fmt(&b->local, a1, sizeof(a1)), tl_sock_addr_fmt(&b->remote, a2, sizeof(a2)),
		tl_drule_size(b->rcvbuf, s2), b->uid, b->inode);
	if (workload_has_path(c))
		TL_FSET(f->why,
			"autotuning starts every socket at tcp_rmem[1] and only grows it [K9], so a "
			"smaller buffer was set with SO_RCVBUF, which also turns autotuning off for that "
			"socket [K1][M1]. With %s the window is about %s: at most %s / %s = %s per flow, "
			"where the workload wants %s per flow (rcvbuf >= %s)",
			s2, tl_drule_size(window_of(c, b->rcvbuf), s3), s3, tl_drule_dur(c->w->rtt_ns, d),
			tl_drule_rate(ceiling, r1), tl_drule_rate(c->rate_flow, r2),
			tl_drule_size(c->rcvbuf_need, s1));
	TL_FSET(f->fix,
		"remove setsockopt(SO_RCVBUF) from that application (find it with 'ss -tmp' or the "
		"inode in /proc/*/fd) so autotuning sizes it; or call setsockopt(SO_RCVBUF, %s) (the "
		"kernel doubles it to %s) before connect()/listen(), with net.core.rmem_max >= %s",
		tl_drule_size(c->bdp_flow, s1), tl_drule_size(c->rcvbuf_need, s2), s1);
	TL_FSET(f->cost, "%s per such socket once it fills", s2);
}

void tl_drule_tcp_mem(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_TCP_MEM, 3);
	if (!sv)
		return;
	uint64_t page = c->r->host.page_size ? c->r->host.page_size : 4096;
	uint64_t pressure = sv->v[1] * page, hard = sv->v[2] * page;
	uint64_t bulk = (uint64_t)c->flows * c->rcvbuf_need;
	char s1[32], s2[32], s3[32], s4[32], now[160] = "";
	const struct tl_sockstat *ss = c->r->have_sockstat ? &c->r->sockstat : NULL;
	if (ss && ss->have_tcp)
		snprintf(now, sizeof(now), "; TCP uses %" PRId64 " pages = %s now (sockstat mem)",
			 ss->tcp_mem_pages, tl_drule_size((uint64_t)ss->tcp_mem_pages * page, s4));
	if (ss && ss->have_tcp && (uint64_t)ss->tcp_mem_pages >= sv->v[1]) {
		bool over = (uint64_t)ss->tcp_mem_pages >= sv->v[2];
		struct tl_finding *f = tl_drule_add(c, "tcp_mem", over ? TL_SEV_SEVERE : TL_SEV_WARN,
						    "TCP is under memory pressure now");
		tl_drule_seen_sysctl(f, c, TL_DS_TCP_MEM);
		TL_FSET(f->why,
			"TCP uses %" PRId64 " pages, at or above tcp_mem[1] = %" PRIu64 " pages (%s): "
			"the kernel shrinks every socket's buffers%s [K1][K11]",
			ss->tcp_mem_pages, sv->v[1], tl_drule_size(pressure, s1),
			over ? " and above tcp_mem[2] refuses new buffer memory (TCPAbortOnMemory)" : "");
		TL_FSET(f->fix, "find the sockets holding memory (ss -tm: large rb/tb with data "
				"queued, often slow readers) before raising tcp_mem");
		return;
	}
	if (!workload_has_path(c) || bulk <= pressure) {
		struct tl_finding *f = tl_drule_add(c, "tcp_mem", TL_SEV_OK, "TCP memory limits");
		tl_drule_seen_sysctl(f, c, TL_DS_TCP_MEM);
		TL_FSET(f->why,
			"the flows' receive buffers at full size (%u x %s = %s) are %.1f%% of the "
			"memory-pressure threshold tcp_mem[1] = %s%s [K1]",
			c->flows, tl_drule_size(c->rcvbuf_need, s1), tl_drule_size(bulk, s2),
			pressure ? 100.0 * (double)bulk / (double)pressure : 0.0,
			tl_drule_size(pressure, s3), now);
		return;
	}
	struct tl_finding *f = tl_drule_add(c, "tcp_mem", TL_SEV_WARN,
					    "TCP memory pressure threshold below the flows' buffers");
	tl_drule_seen_sysctl(f, c, TL_DS_TCP_MEM);
	TL_FSET(f->why,
		"the flows' receive buffers at full size need %u x %s = %s, more than the "
		"memory-pressure threshold tcp_mem[1] = %" PRIu64 " pages = %s: the kernel would "
		"shrink buffers before the flows reach full rate%s [K1]",
		c->flows, tl_drule_size(c->rcvbuf_need, s1), tl_drule_size(bulk, s2), sv->v[1],
		tl_drule_size(pressure, s3), now);
	uint64_t p1 = (2 * bulk + page - 1) / page;
	if (p1 < sv->v[1])
		p1 = sv->v[1];
	uint64_t p0 = p1 * 3 / 4 > sv->v[0] ? p1 * 3 / 4 : sv->v[0];
	uint64_t p2 = p1 * 3 / 2 > sv->v[2] ? p1 * 3 / 2 : sv->v[2];
	char value[96];
	snprintf(value, sizeof(value), "%" PRIu64 " %" PRIu64 " %" PRIu64, p0, p1, p2);
	TL_FSET(f->fix, "sysctl -w net.ipv4.tcp_mem=\"%s\" (pages of %" PRIu64 " B; pressure at "
			"twice the flows' buffers)", value, page);
	tl_drule_fix_sysctl(f, TL_DS_TCP_MEM, value);
	TL_FSET(f->cost,
		"TCP may then pin up to %" PRIu64 " pages = %s of unswappable memory (now %s); "
		"ESnet: raising tcp_mem is \"not usually needed\" [E1]",
		p2, tl_drule_size(p2 * page, s1), tl_drule_size(hard, s2));
}

void tl_drule_notsent_lowat(struct tl_drule_ctx *c)
{
	const struct tl_sysctl_value *sv = tl_drule_sysctl(c, TL_DS_NOTSENT_LOWAT, 1);
	const struct tl_sysctl_value *wmem = tl_drule_sysctl(c, TL_DS_TCP_WMEM, 3);
	if (!sv)
		return;
	char s1[32], s2[32];
	bool off = sv->v[0] >= 0xffffffffULL;
	bool many = c->w->concurrent >= 100 || c->flows >= 8;
	if (!off || !many) {
		struct tl_finding *f = tl_drule_add(c, "tcp_notsent_lowat", TL_SEV_OK,
						    "unsent data per socket");
		tl_drule_seen_sysctl(f, c, TL_DS_NOTSENT_LOWAT);
		TL_FSET(f->why, off ? "off (UINT_MAX); with few connections the unsent backlog "
				      "costs little [K5]"
				    : "set: a socket's unsent backlog is capped [K5]");
		return;
	}
	struct tl_finding *f = tl_drule_add(c, "tcp_notsent_lowat", TL_SEV_INFO,
					    "unsent data per socket is not limited");
	tl_drule_seen_sysctl(f, c, TL_DS_NOTSENT_LOWAT);
	uint64_t wmax = wmem ? wmem->v[2] : 4194304;
	TL_FSET(f->why,
		"off (UINT_MAX): a writer may queue unsent data up to its whole send buffer. With "
		"%" PRIu64 " concurrent connections that is up to %" PRIu64 " x %s = %s of unsent "
		"data in the worst case. Dumazet: \"128 KB or less is OK\" for most workloads; it cut "
		"memory by 55%% with 200 flows [K5][C3]",
		c->w->concurrent, c->w->concurrent, tl_drule_size(wmax, s1),
		tl_drule_size(c->w->concurrent * wmax, s2));
	TL_FSET(f->fix, "sysctl -w net.ipv4.tcp_notsent_lowat=131072, or setsockopt "
			"TCP_NOTSENT_LOWAT per socket");
	tl_drule_fix_sysctl(f, TL_DS_NOTSENT_LOWAT, "131072");
	TL_FSET(f->cost,
		"none in memory (it saves); a bulk sender needs at least rate x its wake-up latency "
		"unsent, e.g. 1-2 MB at 10 Gbit/s (inference)");
}
