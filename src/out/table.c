#include <inttypes.h>
#include <string.h>

#include "out/render.h"
#include "util/parse.h"

#define TABLE_FLOWS_SHOWN 10

void tl_table_start(FILE *f, const struct tl_res_start *start)
{
	const struct tl_res_spec *spec = &start->spec;
	char t[32];
	fprintf(f, "tcplab stream to %s port %d: %d flow(s) %s, %d thread(s) here, %d at the agent, ",
		start->host, start->port, (int)spec->flows, spec->direction, (int)spec->threads,
		(int)start->agent_threads);
	if (spec->bytes > 0)
		fprintf(f, "%s to send\n", tl_fmt_size((double)spec->bytes, t, sizeof(t)));
	else
		fprintf(f, "%s\n", tl_fmt_duration(spec->duration_ns, t, sizeof(t)));
	fprintf(f, "connected in %s\n", tl_fmt_duration(start->connect_ns, t, sizeof(t)));
	for (size_t i = 0; i < start->nwarnings; i++)
		fprintf(f, "warning: %s\n", start->warnings[i]);
	if (spec->interval_ns > 0)
		fprintf(f, "%-15s %13s %13s %31s %6s\n", "interval", "received", "sent",
			"per flow min / median / max", "Jain");
}

static void sum_line(FILE *f, const char *label, const struct tl_stream_interval *iv,
		     const struct tl_stream_sum *sum)
{
	char a[32], b[32], lo[32], mid[32], hi[32];
	const struct tl_res_flows *fl = &sum->flows;
	char span[40];
	snprintf(span, sizeof(span), "%.2f-%.2f s", iv->start, iv->end);
	fprintf(f, "%-15s %13s %13s %9s /%9s /%9s %6.3f%s\n", span,
		tl_fmt_rate(sum->bits_per_second, a, sizeof(a)),
		tl_fmt_rate(sum->sender_bits_per_second, b, sizeof(b)),
		tl_fmt_rate(fl->min, lo, sizeof(lo)), tl_fmt_rate(fl->median, mid, sizeof(mid)),
		tl_fmt_rate(fl->max, hi, sizeof(hi)), fl->jain, label);
}

void tl_table_interval(FILE *f, const struct tl_stream_interval *iv, int bidir)
{
	if (bidir && iv->has_dirs) {
		sum_line(f, "  client->agent", iv, &iv->sum_c2a);
		sum_line(f, "  agent->client", iv, &iv->sum_a2c);
	} else {
		sum_line(f, "", iv, &iv->sum);
	}
	fflush(f);
}

static int flow_is_odd(const struct tl_stream_flow *st)
{
	return st->stalled || st->failed || st->verified == 0;
}

static void flow_row(FILE *f, const struct tl_stream_flow *st)
{
	const struct tl_stream_side *snd = &st->sender, *rcv = &st->receiver;
	char r[32], s[32], sb[32], rb[32];
	const char *state = st->failed ? "FAILED" : st->stalled ? "STALLED" : "ok";
	fprintf(f, "%6d %-4s %-6s %12s %10s %8.2f %6d %6d %10s %10s %-8s %s\n", (int)st->id,
		st->dir, st->cc ? st->cc : "", tl_fmt_rate(st->bits_per_second, r, sizeof(r)),
		tl_fmt_size((double)snd->bytes, s, sizeof(s)), snd->rtt_us / 1000.0, (int)snd->snd_cwnd,
		(int)snd->retransmits_window, tl_fmt_size((double)snd->sndbuf_end, sb, sizeof(sb)),
		tl_fmt_size((double)rcv->rcvbuf_end, rb, sizeof(rb)),
		snd->limited_by ? snd->limited_by : "", state);
	const char *e1 = snd->error ? snd->error : "", *e2 = rcv->error ? rcv->error : "";
	if (*e1 || *e2)
		fprintf(f, "         error: %s%s%s\n", e1, *e1 && *e2 ? "; " : "", e2);
}

static void end_sum(FILE *f, const char *label, const struct tl_stream_sum *sum)
{
	char a[32], b[32], c[32], d[32], lo[32], mid[32], hi[32];
	const struct tl_res_flows *fl = &sum->flows;
	fprintf(f, "%s: %s received (%s in %.2f s), %s sent (%s)\n", label,
		tl_fmt_rate(sum->bits_per_second, a, sizeof(a)),
		tl_fmt_size((double)sum->bytes, b, sizeof(b)), sum->seconds,
		tl_fmt_rate(sum->sender_bits_per_second, c, sizeof(c)),
		tl_fmt_size((double)sum->sent_bytes, d, sizeof(d)));
	fprintf(f, "  %d flows: min %s, median %s, max %s, Jain's fairness %.4f\n", (int)fl->count,
		tl_fmt_rate(fl->min, lo, sizeof(lo)), tl_fmt_rate(fl->median, mid, sizeof(mid)),
		tl_fmt_rate(fl->max, hi, sizeof(hi)), fl->jain);
}

/* One kind of --verify call sizes: "N calls of A to B bytes (most often C to D)". */
static void io_kind(FILE *f, const struct tl_res_io_kind *k)
{
	char a[32], c[32], d[32], e[32];
	if (!k->nbuckets) {
		fprintf(f, "no calls");
		return;
	}
	fprintf(f, "%" PRIu64 " calls of %s to %s (most often %s to %s)", k->calls,
		tl_fmt_size((double)k->first_min, a, sizeof(a)), tl_fmt_size((double)k->last_max, c, sizeof(c)),
		tl_fmt_size((double)k->mode_min, d, sizeof(d)), tl_fmt_size((double)k->mode_max, e, sizeof(e)));
}

/* --verify: what the receivers' recv() returned against what the senders' send() took, and
 * the one fact behind it. */
static void io_sizes_lines(FILE *f, const struct tl_stream_verify *v)
{
	if (!v->has_io_sizes)
		return;
	char w[32];
	fprintf(f, "  send(): ");
	io_kind(f, &v->send);
	fprintf(f, ", writes of up to %s (--length)\n  recv(): ",
		tl_fmt_size((double)v->write_size, w, sizeof(w)));
	io_kind(f, &v->recv);
	fprintf(f, "\n  TCP is a byte stream: it keeps no message boundaries, so one write may arrive in many "
		   "reads and many writes in one; a protocol of messages must frame them (a length prefix "
		   "or a delimiter).\n");
}

/* The one line that says a --bytes transfer did not finish, why, and what it means for the
 * exit status (1, as for a failed check: the test ran, the transfer asked for did not happen). */
static void incomplete_line(FILE *f, const struct tl_stream_result *r)
{
	const struct tl_stream_end *end = &r->end;
	if (!end->incomplete)
		return;
	const char *why = end->incomplete_reason ? end->incomplete_reason : "";
	char a[32], b[32], t[32];
	if (!strcmp(why, "interrupted")) {
		fprintf(f, "Interrupted (Ctrl-C): the figures cover the %.2f s measured until then "
			"(exit status 130)\n", end->sum.seconds);
		return;
	}
	if (!end->has_bytes_expected) {
		fprintf(f, "Incomplete: the test ended early (%s)\n", *why ? why : "see above");
		return;
	}
	fprintf(f, "Incomplete: %s of %s arrived; ", tl_fmt_size((double)end->bytes_arrived, a, sizeof(a)),
		tl_fmt_size((double)end->bytes_expected, b, sizeof(b)));
	if (!strcmp(why, "stalled"))
		fprintf(f, "flows stalled (no progress for --stall-timeout)");
	else
		fprintf(f, "--max-time %s ended the run",
			tl_fmt_duration(r->start.spec.max_duration_ns, t, sizeof(t)));
	fprintf(f, " (exit status 1)\n");
}

static void flow_rows(FILE *f, const struct tl_stream_end *end, const struct tl_table_opts *o)
{
	fprintf(f, "\n%6s %-4s %-6s %12s %10s %8s %6s %6s %10s %10s %-8s %s\n", "flow", "dir", "cc",
		"received", "sent", "rtt ms", "cwnd", "retr", "sndbuf", "rcvbuf", "limit", "state");
	size_t hidden = 0;
	for (size_t i = 0; i < end->nflows; i++) {
		if (o->per_flow || i < TABLE_FLOWS_SHOWN || flow_is_odd(&end->flows[i]))
			flow_row(f, &end->flows[i]);
		else
			hidden++;
	}
	if (hidden)
		fprintf(f, "  (%zu more flows; --per-flow lists them all)\n", hidden);
	fprintf(f, "\n");
}

static void verify_line(FILE *f, const struct tl_stream_verify *v)
{
	char a[32], b[32];
	fprintf(f, "Verify: %s: %s sent, %s received, %d flow(s) mismatched (%s)\n", v->ok ? "OK" : "FAILED",
		tl_fmt_size((double)v->bytes_sent, a, sizeof(a)),
		tl_fmt_size((double)v->bytes_received, b, sizeof(b)), (int)v->mismatched_flows, v->method);
	io_sizes_lines(f, v);
}

void tl_table_end(FILE *f, const struct tl_stream_result *r, const struct tl_table_opts *o)
{
	const struct tl_stream_end *end = &r->end;
	/* A test that never started (the name did not resolve, the agent was unreachable or
	 * refused it) has nothing to sum up, and its error is the command's, said once on
	 * standard error: the table stays empty. */
	if (!(r->has_end && end->nflows && r->start.started))
		return;
	flow_rows(f, end, o);
	if (end->has_dirs) {
		end_sum(f, "client->agent", &end->sum_c2a);
		end_sum(f, "agent->client", &end->sum_a2c);
	} else {
		end_sum(f, "Total", &end->sum);
	}
	fprintf(f, "CPU: client %.0f%%, agent %.0f%% (of one core, traffic threads)\n",
		end->cpu_client, end->cpu_agent);
	tl_table_machine_note(f, &end->client, &end->agent);
	tl_table_testbed_note(f, end);
	if (end->stalled_flows > 0) {
		fprintf(f, "Stalled flows: %d (no progress for --stall-timeout; counted in the totals)\n",
			(int)end->stalled_flows);
		tl_table_kernel_note(f, end);
	}
	if (end->failed_flows > 0)
		fprintf(f, "Failed flows: %d\n", (int)end->failed_flows);
	incomplete_line(f, r);
	if (end->has_verify)
		verify_line(f, &end->verify);
	/* under figures, the error says why they stop where they do (and stays with them in a
	 * saved table) */
	if (r->error && *r->error)
		fprintf(f, "error: %s\n", r->error);
}
