/* The doctor's report and what --apply did, from sys/doctor.h's readings and findings. */
#include "out/doctor_table.h"

#include <inttypes.h>
#include <net/if.h>

#include "out/wrap.h"
#include "sys/bdp.h"

/* "  label text", the text wrapped at 100 columns under column 8. */
static void wrapped(FILE *f, const char *label, const char *text)
{
	fprintf(f, "  %-6s", label);
	tl_out_wrapped(f, text, 8);
}

static void print_header(FILE *f, const struct tl_doctor_readings *r,
			 const struct tl_doctor_workload *w)
{
	char a[32], b[32], c[32], d[32];
	uint32_t flows = w->flows ? w->flows : 1;
	uint64_t bdp = tl_bdp_bytes(w->rate_bps, w->rtt_ns);
	fprintf(f, "tcplab doctor: Linux %s, network namespace net:[%" PRIu64 "]%s\n",
		r->host.kernel_release, r->host.netns_inode,
		r->host.init_netns ? " (the host's)" : " (not the host's)");
	fprintf(f, "workload:  %s over %s RTT, %u flow%s, %" PRIu64 " new connections/s per "
		"destination, %" PRIu64 " concurrent\n",
		tl_doctor_fmt_rate((double)w->rate_bps, a, sizeof(a)),
		tl_doctor_fmt_duration(w->rtt_ns, b, sizeof(b)),
		flows, flows == 1 ? "" : "s", w->conns_per_sec, w->concurrent);
	fprintf(f, "           BDP = %s x %s / 8 = %s; receive buffer per flow >= 2 x BDP/%u = %s\n", a,
		b, tl_doctor_fmt_size(bdp, c, sizeof(c)), flows,
		tl_doctor_fmt_size(tl_bdp_rcvbuf_needed(bdp, flows), d, sizeof(d)));
	struct tl_port_facts pf;
	if (tl_doctor_port_facts(r, &pf)) {
		struct tl_port_ceiling pc;
		tl_port_ceiling(&pf, w->dest_loopback, 1, &pc);
		fprintf(f, "ports:     %u usable towards %s; %s => predicted ceiling ~%" PRIu64 " new "
			"connections/s per destination\n", pc.ports,
			w->dest_loopback ? "loopback" : "another host", pc.why, pc.per_sec_floor);
	}
	if (r->have_sockets) {
		const struct tl_sock_counts *k = &r->sockets.counts;
		fprintf(f, "sockets:   %u TCP (", k->total);
		bool first = true;
		for (int s = 1; s < TL_TCP_STATE_SLOTS; s++)
			if (k->by_state[s]) {
				fprintf(f, "%s%s %u", first ? "" : ", ", tl_tcp_state_name(s), k->by_state[s]);
				first = false;
			}
		fprintf(f, "%s), orphans %u, listeners %zu\n", first ? "none" : "", k->orphans,
			r->sockets.listeners_total);
	}
	if (r->n_ifaces) {
		fprintf(f, "offloads: ");
		for (size_t i = 0; i < r->n_ifaces; i++) {
			const struct tl_iface *nic = &r->ifaces[i];
			fprintf(f, "%s %s mtu %d gso %s gro %s tso %s%s", i ? ";" : "", nic->name, nic->mtu,
				tl_offload_state_name(nic->gso), tl_offload_state_name(nic->gro),
				tl_offload_state_name(nic->tso), nic->flags & IFF_UP ? "" : " (down)");
		}
		fprintf(f, "\n");
	}
	if (r->host.nofile_soft == UINT64_MAX)
		fprintf(f, "files:     ulimit -n unlimited\n");
	else
		fprintf(f, "files:     ulimit -n %" PRIu64 " (hard %" PRIu64 ")\n", r->host.nofile_soft,
			r->host.nofile_hard);
	if (r->counters.interval_ns)
		fprintf(f, "counters:  growth over %s\n",
			tl_doctor_fmt_duration(r->counters.interval_ns, a, sizeof(a)));
	else
		fprintf(f, "counters:  totals since boot (--watch 10 shows their growth)\n");
	for (size_t i = 0; i < r->n_problems; i++)
		fprintf(f, "not read:  %s\n", r->problems[i]);
}

static void print_finding(FILE *out, const struct tl_finding *f)
{
	static const char *const tag[] = { "OK", "INFO", "WARN", "SEVERE" };
	fprintf(out, "\n%s  %s: %s\n", tag[f->severity], f->id, f->title);
	if (f->seen[0])
		wrapped(out, "seen", f->seen);
	if (f->why[0])
		wrapped(out, "why", f->why);
	if (f->fix[0])
		wrapped(out, "fix", f->fix);
	if (f->cost[0])
		wrapped(out, "cost", f->cost);
}

void tl_out_doctor_report(FILE *out, const struct tl_doctor_readings *r,
			  const struct tl_doctor_workload *w, const struct tl_findings *f, bool all)
{
	size_t count[TL_SEV_SEVERE + 1] = { 0 };
	print_header(out, r, w);
	for (int s = TL_SEV_SEVERE; s >= TL_SEV_INFO; s--)
		for (size_t i = 0; i < f->n; i++)
			if ((int)f->items[i].severity == s)
				print_finding(out, &f->items[i]);
	for (size_t i = 0; i < f->n; i++) {
		count[f->items[i].severity]++;
		if (all && f->items[i].severity == TL_SEV_OK)
			print_finding(out, &f->items[i]);
	}
	if (!all && count[TL_SEV_OK]) {
		char ids[2048] = "";
		size_t used = 0;
		for (size_t i = 0; i < f->n && used < sizeof(ids); i++)
			if (f->items[i].severity == TL_SEV_OK)
				used += (size_t)snprintf(ids + used, sizeof(ids) - used, "%s ",
							 f->items[i].id);
		if (used < sizeof(ids))
			snprintf(ids + used, sizeof(ids) - used, "(--all explains each)");
		fputc('\n', out);
		wrapped(out, "OK", ids);
	}
	fprintf(out, "\nsummary: %zu severe, %zu warn, %zu info, %zu ok. (global) marks host-wide values.\n",
		count[TL_SEV_SEVERE], count[TL_SEV_WARN], count[TL_SEV_INFO], count[TL_SEV_OK]);
}


void tl_out_doctor_changes(FILE *f, const struct tl_out_doctor_apply *a,
			   const struct tl_doctor_change *c, size_t n)
{
	fputc('\n', f);
	if (a->file && a->in_host_netns)
		fprintf(f, "wrote %s: %zu setting%s (install it in /etc/sysctl.d/ to keep them)\n",
			a->file, n, n == 1 ? "" : "s");
	else if (a->file)
		fprintf(f, "wrote %s: %zu setting%s (--host-wide). Written from a network namespace "
			"other than the host's:\ninstalled in /etc/sysctl.d/ it sets the host's "
			"values at boot, not this namespace's.\n", a->file, n, n == 1 ? "" : "s");
	if (!a->now)
		return;
	size_t applied = 0;
	for (size_t i = 0; i < n; i++) {
		applied += c[i].status == TL_CHANGE_APPLIED;
		if (c[i].status == TL_CHANGE_APPLIED)
			fprintf(f, "set %s = %s (was %s)\n", c[i].name, c[i].value, c[i].old);
		else
			fprintf(f, "skipped %s = %s: global, read-only in this network namespace\n",
				c[i].name, c[i].value);
	}
	if (applied)
		fprintf(f, "old values recorded in %s; undo with: tcplab doctor --revert --state %s\n",
			a->state, a->state);
	else
		fprintf(f, "nothing was changed in the running kernel (no state file written)\n");
}
