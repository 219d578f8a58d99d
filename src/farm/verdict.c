/* Which run was limited by what: the one-line summary of a farm run. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "farm/run.h"
#include "util/parse.h"

/* "12,345" into buf, rounded to the nearest whole number. */
static const char *grouped(double v, char *buf, size_t len)
{
	return tl_fmt_count(v < 0 ? 0 : (uint64_t)llround(v), buf, (unsigned)len);
}

/*
 * Share (0..1) of the workers' busy time spent counting primes. Time asleep because every
 * job left was out with another worker (the tail of a run with big batches) is not counted:
 * it is neither the network's nor the computation's fault.
 */
static double compute_share(const struct tl_farm_result *r)
{
	const struct tl_farm_work_stats *w = &r->work;
	uint64_t busy = w->wall_ns > w->idle_ns ? w->wall_ns - w->idle_ns : 0;
	return busy ? (double)w->compute_ns / (double)busy : 0;
}

void tl_farm_verdict(struct tl_farm_result *r)
{
	char label[48], rate[32], a[32], b[32], c[32], tail[160] = "", note[160] = "";
	double secs = r->elapsed_ns / 1e9;
	tl_farm_spec_label(&r->spec, label, sizeof(label));
	if (r->outcome == TL_FARM_INCOMPLETE && r->stopped_by != TL_FARM_STOP_DONE &&
	    r->stopped_by != TL_FARM_STOP_ERROR) {
		uint64_t done = r->have_server ? r->check.done : r->work.jobs_returned;
		snprintf(tail, sizeof(tail), "; stopped %s with %s of %s jobs done",
			 r->stopped_by == TL_FARM_STOP_MAX_TIME ? "at --max-time"
			 : r->stopped_by == TL_FARM_STOP_SIGNAL ? "by a signal"
								 : "when the server went away",
			 grouped((double)done, a, sizeof(a)),
			 r->have_server ? grouped((double)r->spec.jobs, b, sizeof(b)) : "?");
	}
	if (r->error[0] && r->stopped_by == TL_FARM_STOP_ERROR) {
		snprintf(r->limited_by, sizeof(r->limited_by), "error");
		snprintf(r->summary, sizeof(r->summary), "%s: did not finish: %s", label, r->error);
		return;
	}
	if (!r->have_workers) {
		/* serve alone: the server sees requests, not what the workers were waiting on. */
		double cpu = secs > 0 ? r->server.cpu_ns / 1e9 / secs * 100 : 0;
		double per = secs > 0 ? secs : 1;
		snprintf(r->limited_by, sizeof(r->limited_by), cpu >= 90 ? "server" : "workers");
		snprintf(r->summary, sizeof(r->summary), "serve: %s jobs/s, %s requests/s; %s "
			 "(server thread %.0f%% of a core)%s",
			 grouped(r->check.done / per, a, sizeof(a)),
			 grouped(r->server.requests / per, b, sizeof(b)),
			 cpu >= 90 ? "limited by the server" : "paced by the workers", cpu, tail);
		return;
	}
	double reqs = secs > 0 ? r->work.requests / secs : 0;
	grouped(reqs, rate, sizeof(rate));
	uint32_t ports = r->have_ceiling ? r->ceiling.ports : 0;
	bool tw_full = !r->spec.persistent && ports && r->tw_peak >= ports * 0.9;
	bool reuse = r->have_ceiling && r->ceiling.reuse;
	if (tw_full && reuse)
		snprintf(note, sizeof(note), "; TIME_WAIT %s of %s ports: only tcp_tw_reuse=%d kept "
			 "connects going", grouped(r->tw_peak, a, sizeof(a)), grouped(ports, b, sizeof(b)),
			 r->ceiling_in.tw_reuse);
	if (r->work.addr_not_avail > 0 || (tw_full && !reuse)) {
		snprintf(r->limited_by, sizeof(r->limited_by), "ephemeral-ports");
		char failed[96] = "";
		if (r->work.addr_not_avail)
			snprintf(failed, sizeof(failed), "; %s connects failed with EADDRNOTAVAIL",
				 grouped((double)r->work.addr_not_avail, b, sizeof(b)));
		snprintf(r->summary, sizeof(r->summary), "%s: %s requests/s, limited by ephemeral "
			 "ports (TIME_WAIT %s of %s ports%s)%s \u2014 batch jobs or keep the connection",
			 label, rate, grouped(r->tw_peak, a, sizeof(a)), grouped(ports, c, sizeof(c)),
			 failed, tail);
		return;
	}
	double share = compute_share(r);
	double jobs = secs > 0 ? (r->have_server ? r->check.done : r->work.jobs_returned) / secs : 0;
	double idle = r->work.wall_ns ? (double)r->work.idle_ns / r->work.wall_ns : 0;
	if (share >= 0.75) {
		char tailing[128] = "";
		if (idle >= 0.2)
			snprintf(tailing, sizeof(tailing), "; idle %.0f%% of their time at the end, "
				 "waiting for the last batches", idle * 100);
		snprintf(r->limited_by, sizeof(r->limited_by), "computation");
		snprintf(r->summary, sizeof(r->summary), "%s: %s jobs/s, limited by computation "
			 "(workers counted primes %.0f%% of their busy time%s; machine CPU %.0f%% "
			 "busy)%s", label, grouped(jobs, a, sizeof(a)), share * 100, tailing,
			 r->machine_busy_pct, tail);
		return;
	}
	double server_cpu = secs > 0 ? r->server.cpu_ns / 1e9 / secs : 0;
	if (r->have_server && server_cpu >= 0.9) {
		snprintf(r->limited_by, sizeof(r->limited_by), "server");
		snprintf(r->summary, sizeof(r->summary), "%s: %s requests/s, limited by the job "
			 "server (its thread used %.0f%% of a core)%s \u2014 batch jobs", label, rate,
			 server_cpu * 100, tail);
		return;
	}
	snprintf(r->limited_by, sizeof(r->limited_by), "per-request-overhead");
	snprintf(r->summary, sizeof(r->summary), "%s: %s requests/s, limited by per-request "
		 "overhead (workers waited on %s and round trips %.0f%% of their time, computed "
		 "%.0f%%%s)%s \u2014 %s", label, rate,
		 r->spec.persistent ? "the server" : "connections", (1 - share) * 100, share * 100,
		 note, tail, r->spec.persistent ? "batch more jobs per request"
						: "batch jobs or keep the connection");
}
