/* Notes under a result table: what the machine and the kernel did that explains the figures. */
#include <inttypes.h>

#include "out/render.h"
#include "testbed/config.h"

/* From this share on, a figure may be off by more than run-to-run noise on a quiet machine. */
#define STEAL_NOTE_PERCENT 1.0

void tl_table_machine_note(FILE *f, const struct tl_res_end_host *client,
			   const struct tl_res_end_host *agent)
{
	double c = client->has_machine ? client->steal_percent : 0.0;
	double a = agent->has_machine ? agent->steal_percent : 0.0;
	if (c < STEAL_NOTE_PERCENT && a < STEAL_NOTE_PERCENT)
		return;
	fprintf(f, "Note: a hypervisor took %.1f%% of the client machine's CPU time and %.1f%% of the "
		"agent's during the test (steal): the figures above are disturbed; repeat when steal "
		"is near 0.\n", c, a);
}

void tl_table_kernel_note(FILE *f, const struct tl_stream_end *end)
{
	if (end->stalled_flows == 0)
		return;
	static const char *const names[] = { "client", "agent" };
	const struct tl_res_end_host *hosts[] = { &end->client, &end->agent };
	for (unsigned i = 0; i < 2; i++) {
		const struct tl_res_end_host *h = hosts[i];
		if (h->to_zero_window + h->memory_pressures + h->prune_called == 0)
			continue;
		fprintf(f, "  %s's kernel during the test: %" PRIu64 " zero-window advertisements (a "
			"receive buffer was full), %" PRIu64 " entries into TCP memory pressure (tcp_mem), "
			"%" PRIu64 " receive queues pruned\n", names[i], h->to_zero_window,
			h->memory_pressures, h->prune_called);
	}
}

/* From this lateness on, in a 100 ms period, the emulated path was not the configured one:
 * the testbed's own target for added delay (0.2 ms at p99, bench/results/testbed.md); and
 * the share of such periods from which the test's figures are worth a note (one stray
 * period in a 3 s test is, one in a 6 s test is not). */
#define TESTBED_LATE_NOTE_NS 200000.0
#define TESTBED_LATE_NOTE_SHARE 0.025

/* The series' lines, and the one direction a figure is taken from. */
struct series {
	const struct tl_tb_line *first, *last;
	const struct tl_tb_line *lines;
	size_t n;
};

static const struct tl_tb_dir *dir_of(const struct tl_tb_line *l, int rev)
{
	return rev ? &l->rev : &l->fwd;
}

/* One direction of the bottleneck over the series; counters are totals since `up`, so the
 * first line is the baseline; the queue delay is per 100 ms, so the worst period is shown. */
static void testbed_dir_line(FILE *f, const char *name, const struct series *s, int rev,
			     const char *label)
{
	const struct tl_tb_dir *a = dir_of(s->first, rev), *b = dir_of(s->last, rev);
	double span_ns = s->last->t_ns - s->first->t_ns;
	double qd99 = 0;
	for (size_t i = 0; i < s->n; i++)
		if (dir_of(&s->lines[i], rev)->qdelay_p99_ns > qd99)
			qd99 = dir_of(&s->lines[i], rev)->qdelay_p99_ns;
	fprintf(f, "Testbed %s, %s over the test: %.1f Mbit/s of frames out, queue delay up to "
		"%.2f ms (p99 of the worst 100 ms), drops %.0f queue full, %.0f AQM, %.0f loss, "
		"%.0f ECN marks\n", name, label,
		span_ns > 0 ? (b->bytes_out - a->bytes_out) * 8e9 / span_ns / 1e6 : 0.0,
		qd99 / 1e6, b->drops_queue_full - a->drops_queue_full, b->drops_aqm - a->drops_aqm,
		b->drops_loss - a->drops_loss, b->marks - a->marks);
}

/* The state of a GSP, PPV or DualPI2 bottleneck at the series' last line (the AQM's own
 * figures: its interval, its threshold value and shares, its two queues). */
static void testbed_aqm_line(FILE *f, const char *name, const struct series *s)
{
	const struct tl_tb_aqm *a = &s->last->fwd.aqm, *a0 = &s->first->fwd.aqm;
	switch (a->kind) {
	case TL_TB_AQM_GSP:
		fprintf(f, "Testbed %s, GSP: interval %.1f ms at the end, %.0f drops or marks by the "
			"interval rule during the test, shortest gap between two since up %.1f ms\n", name,
			a->interval_ns / 1e6, a->signals - a0->signals, a->min_gap_ns / 1e6);
		break;
	case TL_TB_AQM_PPV:
		fprintf(f, "Testbed %s, PPV: threshold value %.0f at the end; shares since up:", name,
			a->threshold_value);
		for (size_t i = 0; i < a->nclasses; i++)
			fprintf(f, "%s %s %.1f%% (%.0f drops)", i ? "," : "", a->classes[i].name,
				100 * a->classes[i].share, a->classes[i].drops);
		fprintf(f, "\n");
		break;
	case TL_TB_AQM_DUALPI2:
		fprintf(f, "Testbed %s, DualPI2 at the end: p' %.4f; classic queue p_C %.4f, delay "
			"%.2f ms, %.0f drops; L4S queue p_CL %.4f, delay %.2f ms, %.0f marks\n", name,
			a->p_base, a->p_c, a->classic_qdelay_ns / 1e6, a->classic_drops, a->p_cl,
			a->l4s_qdelay_ns / 1e6, a->l4s_marks);
		break;
	case TL_TB_AQM_NONE:
		break;
	}
}

/* The forwarder's lateness over the series, with the two causes it can tell, each with what
 * to do about it; nothing unless late in enough periods. */
static void testbed_late_note(FILE *f, const struct series *s)
{
	double span_ns = s->last->t_ns - s->first->t_ns;
	double late99 = 0, late_max = 0, wait = 0, steal = 0;
	size_t late_periods = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct tl_tb_line *l = &s->lines[i];
		if (l->late_p99_ns >= TESTBED_LATE_NOTE_NS)
			late_periods++;
		if (l->late_p99_ns > late99)
			late99 = l->late_p99_ns;
		if (l->late_max_ns > late_max)
			late_max = l->late_max_ns;
		if (i > 0) { /* the first line's period ended before the test began */
			wait += l->cpu_wait_ns;
			steal += l->steal_percent;
		}
	}
	if (late_periods == 0 || (double)late_periods < TESTBED_LATE_NOTE_SHARE * (double)s->n)
		return;
	double avg_steal = s->n > 1 ? steal / (double)(s->n - 1) : 0.0;
	fprintf(f, "Note: in %zu of %zu periods of 100 ms the testbed's forwarder sent packets "
		"0.2 ms or more late at p99 (worst %.2f ms, %.2f ms at most), so the path was not "
		"exactly the configured one then.", late_periods, s->n, late99 / 1e6, late_max / 1e6);
	if (span_ns > 0 && wait >= 0.01 * span_ns)
		fprintf(f, " It waited %.3f s for a CPU: a testbed made with --isolate on gives "
			"its forwarder a CPU of its own.", wait / 1e9);
	if (avg_steal >= STEAL_NOTE_PERCENT)
		fprintf(f, " A hypervisor took %.1f%% of the machine's CPU time: repeat when steal "
			"is near 0.", avg_steal);
	fprintf(f, "\n");
}

/*
 * Packets the host's kernel dropped at a full per-CPU input queue while the test ran: lost
 * outside the emulated links, so the flows saw more loss than the configured path has.
 * With --spread the receiving host's work waits in another CPU's queue, which
 * net.core.netdev_max_backlog (1000 by default) bounds.
 */
static void testbed_backlog_note(FILE *f, const char *name, const struct series *s)
{
	double first = s->first->backlog_drops, last = s->last->backlog_drops;
	if (first < 0 || last <= first)
		return;
	fprintf(f, "Note: this host's kernel dropped %.0f packets at a full input queue while "
		"the test ran, outside testbed %s's emulated links, so the flows saw more loss "
		"than the configured path has. Raise the queue and repeat: sysctl -w "
		"net.core.netdev_max_backlog=%d\n", last - first, name, TL_TESTBED_BACKLOG_ADVISED);
}

void tl_table_testbed_note(FILE *f, const struct tl_stream_end *end)
{
	const struct tl_stream_testbed *tb = &end->testbed;
	if (!end->has_testbed)
		return;
	const char *name = tb->name && *tb->name ? tb->name : "?";
	if (tb->error) {
		fprintf(f, "Testbed %s: no router series (%s)\n", name, tb->error);
		return;
	}
	if (tb->nlines == 0)
		return;
	struct series s = { &tb->lines[0], &tb->lines[tb->nlines - 1], tb->lines, tb->nlines };
	testbed_dir_line(f, name, &s, 0, "senders -> receiver");
	testbed_aqm_line(f, name, &s);
	/* A --reverse or --bidir test loads the way back too: it gets its own line. */
	if (s.last->rev.bytes_out - s.first->rev.bytes_out >
	    0.5 * (s.last->fwd.bytes_out - s.first->fwd.bytes_out))
		testbed_dir_line(f, name, &s, 1, "receiver -> senders");
	testbed_late_note(f, &s);
	testbed_backlog_note(f, name, &s);
}
