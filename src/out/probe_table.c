/* The probe's readable report, from its structs (tune/probe.h, tune/advice.h): the path as
 * measured, then the buffer advice. */
#include "out/probe_table.h"

#include <string.h>

#include "sys/bdp.h"
#include "util/parse.h"

/* What each TCP_INFO chronograph bucket means for the rate [K10][IP2]. */
static const char *limit_meaning(const char *limit)
{
	if (strcmp(limit, "network") == 0)
		return "cwnd or the path: the rate is the path's";
	if (strcmp(limit, "rwnd") == 0)
		return "the receiver's window was full";
	if (strcmp(limit, "sndbuf") == 0)
		return "the send buffer was full";
	if (strcmp(limit, "app") == 0)
		return "the sender's queue ran empty: CPU or the application";
	return "this kernel has no TCP_INFO chronographs (before 4.10)";
}

void tl_out_probe(FILE *f, const struct tl_probe_result *p, const struct tl_probe_origin *o)
{
	char a[32], b[32], c[32], d[32];
	fprintf(f, "probe of %s port %u, %s (%s)", p->host, p->port, tl_direction_name(p->direction),
		p->direction == TL_DIR_FORWARD ? "this host sends" : "the agent sends");
	if (o->from_cache)
		fprintf(f, ": remembered from %llu s ago in %s (--fresh measures again)\n",
			(unsigned long long)o->age_s, o->state_file);
	else if (o->saved)
		fprintf(f, ": measured now, remembered in %s\n", o->state_file);
	else
		fprintf(f, ": measured now\n");
	fprintf(f, "  min RTT         %-12s (smallest of: transaction %s, TCP_INFO min_rtt %s)\n",
		tl_fmt_duration(p->rtt_min_ns, a, sizeof(a)), tl_fmt_duration(p->rr_min_ns, b, sizeof(b)),
		tl_fmt_duration(p->tcp_min_rtt_ns, c, sizeof(c)));
	fprintf(f, "  smoothed RTT    %-12s (the kernel's srtt of the idle connection; transaction "
		"median %s)\n", tl_fmt_duration(p->rtt_smoothed_ns, a, sizeof(a)),
		tl_fmt_duration(p->rr_p50_ns, b, sizeof(b)));
	fprintf(f, "  RTT under load  %-12s (srtt of the bulk flows at the end: %s above the minimum, "
		"queueing)\n", tl_fmt_duration(p->rtt_loaded_ns, a, sizeof(a)),
		tl_fmt_duration(p->rtt_loaded_ns > p->rtt_min_ns ? p->rtt_loaded_ns - p->rtt_min_ns : 0,
				b, sizeof(b)));
	fprintf(f, "  rate            %-12s receiver goodput of %u flow%s, median of %u intervals of %s\n",
		tl_fmt_rate((double)p->rate_bps, a, sizeof(a)), p->flows, p->flows == 1 ? "" : "s",
		p->intervals, tl_fmt_duration(p->interval_ns, b, sizeof(b)));
	fprintf(f, "                  (quartiles %s .. ", tl_fmt_rate((double)p->interval_p25_bps, a, sizeof(a)));
	fprintf(f, "%s, best %s; over the whole %s ", tl_fmt_rate((double)p->interval_p75_bps, a, sizeof(a)),
		tl_fmt_rate((double)p->interval_max_bps, b, sizeof(b)), tl_fmt_duration(p->window_ns, c, sizeof(c)));
	fprintf(f, "after a %s warm-up: %s;\n", tl_fmt_duration(p->omit_ns, a, sizeof(a)),
		tl_fmt_rate((double)p->window_rate_bps, d, sizeof(d)));
	fprintf(f, "                  TCP_INFO delivery rate %s; MSS %u)\n",
		tl_fmt_rate((double)p->delivery_rate_bps, a, sizeof(a)), p->mss);
	if (!p->consistent)
		fprintf(f, "  NOT CONSISTENT  %s (measured %u time%s; not remembered)\n", p->inconsistency,
			p->attempts, p->attempts == 1 ? "" : "s");
	else if (p->attempts > 1)
		fprintf(f, "                  (measured %u times: the first samples disagreed)\n", p->attempts);
	fprintf(f, "  limited by      %s %.0f%% of the time (%s)\n", p->limited_by,
		100.0 * p->limited_share, limit_meaning(p->limited_by));
	if (p->rate_lower_bound)
		fprintf(f, "                  so the rate above is only a lower bound of the path's; %s\n",
			strcmp(p->limited_by, "app") == 0
				? "a less loaded host, or more flows (-P) on more cores, measures more"
				: "more flows (-P) or larger buffer limits measure more");
	fprintf(f, "  loss            %.3f%% of the bytes sent were retransmitted (%llu segments)\n",
		100.0 * p->loss_ratio, (unsigned long long)p->retransmits);
}

void tl_out_probe_advice(FILE *f, const struct tl_advice *a, const struct tl_advice_limits *lim)
{
	char s[8][32];
	fprintf(f, "  BDP             %s = rate x min RTT / 8\n", tl_fmt_size((double)a->bdp_bytes, s[0], 32));
	fprintf(f, "advice for %u flow%s:\n", a->flows, a->flows == 1 ? "" : "s");
	fprintf(f, "  window          %s per flow (BDP x %d%% = %s over all flows", tl_fmt_size((double)a->window_per_flow, s[0], 32),
		TL_ADVICE_HEADROOM_PCT, tl_fmt_size((double)a->window_total, s[1], 32));
	if ((a->window_total + a->flows - 1) / a->flows < TL_ADVICE_MIN_WINDOW)
		fprintf(f, "; raised to the 64 KiB floor");
	fprintf(f, ")\n");
	fprintf(f, "  SO_SNDBUF       %-10llu at the sender   (the kernel doubles it: %llu)\n",
		(unsigned long long)a->sndbuf_request, (unsigned long long)a->sndbuf_effective);
	fprintf(f, "  SO_RCVBUF       %-10llu at the receiver (doubled: %llu; about half is advertised "
		"as window)\n", (unsigned long long)a->rcvbuf_request, (unsigned long long)a->rcvbuf_effective);
	tl_fmt_size((double)lim->rmem_max, s[0], 32);
	tl_fmt_size((double)lim->wmem_max, s[1], 32);
	tl_fmt_size((double)a->explicit_window_cap, s[2], 32);
	if (a->explicit_ok)
		fprintf(f, "  with SO_*BUF    allowed: rmem_max %s, wmem_max %s pass requests up to %s per "
			"flow\n", s[0], s[1], s[2]);
	else
		fprintf(f, "  with SO_*BUF    NOT allowed at %u flow%s: requests are clamped to rmem_max %s / "
			"wmem_max %s (a window of %s per flow, at most %s at this RTT): use %u flows, or\n"
			"                  sysctl -w net.core.rmem_max=%llu net.core.wmem_max=%llu\n",
			a->flows, a->flows == 1 ? "" : "s", s[0], s[1], s[2],
			tl_fmt_rate(a->explicit_flow_ceiling_bps, s[3], 32), a->explicit_flows,
			(unsigned long long)a->rmem_max_needed, (unsigned long long)a->wmem_max_needed);
	tl_fmt_size((double)lim->tcp_rmem_max, s[0], 32);
	tl_fmt_size((double)lim->tcp_wmem_max, s[1], 32);
	tl_fmt_size((double)a->autotune_window_cap, s[2], 32);
	if (a->autotune_ok)
		fprintf(f, "  autotuning      enough: tcp_rmem max %s, tcp_wmem max %s let a flow's window "
			"grow to %s\n", s[0], s[1], s[2]);
	else
		fprintf(f, "  autotuning      NOT enough at %u flow%s: tcp_rmem max %s, tcp_wmem max %s let a "
			"flow's window grow to %s only (at most %s at this RTT): use %u flows, or\n"
			"                  raise the max (third value) of net.ipv4.tcp_rmem to %llu and of "
			"net.ipv4.tcp_wmem to %llu\n",
			a->flows, a->flows == 1 ? "" : "s", s[0], s[1], s[2],
			tl_fmt_rate(a->autotune_flow_ceiling_bps, s[3], 32), a->autotune_flows,
			(unsigned long long)tl_bdp_pow2ceil(a->tcp_rmem_max_needed),
			(unsigned long long)tl_bdp_pow2ceil(a->tcp_wmem_max_needed));
	fprintf(f, "  note            setting SO_SNDBUF/SO_RCVBUF turns the kernel's autotuning off for "
		"that socket%s\n", a->autotune_ok ? "; as autotuning is enough here, leaving the buffers "
		"alone also reaches the rate" : "");
}
