#include <inttypes.h>
#include <string.h>

#include "out/render.h"
#include "util/parse.h"

#define TABLE_FLOWS_SHOWN 10

static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : 0.0;
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

void tl_table_start(FILE *f, const json_t *start)
{
	const json_t *spec = json_object_get(start, "test_start");
	const json_t *to = json_object_get(start, "connecting_to");
	char t[32];
	fprintf(f, "tcplab stream to %s port %d: %d flow(s) %s, %d thread(s) here, %d at the agent, ",
		str(to, "host"), (int)num(to, "port"), (int)num(spec, "flows"), str(spec, "direction"),
		(int)num(spec, "threads"), (int)num(start, "agent_threads"));
	if (num(spec, "bytes") > 0)
		fprintf(f, "%s to send\n", tl_fmt_size(num(spec, "bytes"), t, sizeof(t)));
	else
		fprintf(f, "%s\n", tl_fmt_duration((uint64_t)num(spec, "duration_ns"), t, sizeof(t)));
	fprintf(f, "connected in %s\n", tl_fmt_duration((uint64_t)num(start, "connect_ns"), t, sizeof(t)));
	const json_t *w;
	size_t i;
	json_array_foreach(json_object_get(start, "warnings"), i, w)
		fprintf(f, "warning: %s\n", json_string_value(w));
	if (num(spec, "interval_ns") > 0)
		fprintf(f, "%-15s %13s %13s %31s %6s\n", "interval", "received", "sent",
			"per flow min / median / max", "Jain");
}

static void sum_line(FILE *f, const char *label, const json_t *iv, const json_t *sum)
{
	char a[32], b[32], lo[32], mid[32], hi[32];
	const json_t *fl = json_object_get(sum, "flows");
	char span[40];
	snprintf(span, sizeof(span), "%.2f-%.2f s", num(iv, "start"), num(iv, "end"));
	fprintf(f, "%-15s %13s %13s %9s /%9s /%9s %6.3f%s\n", span,
		tl_fmt_rate(num(sum, "bits_per_second"), a, sizeof(a)),
		tl_fmt_rate(num(sum, "sender_bits_per_second"), b, sizeof(b)),
		tl_fmt_rate(num(fl, "min"), lo, sizeof(lo)), tl_fmt_rate(num(fl, "median"), mid, sizeof(mid)),
		tl_fmt_rate(num(fl, "max"), hi, sizeof(hi)), num(fl, "jain"), label);
}

void tl_table_interval(FILE *f, const json_t *iv, int bidir)
{
	if (bidir) {
		sum_line(f, "  client->agent", iv, json_object_get(iv, "sum_c2a"));
		sum_line(f, "  agent->client", iv, json_object_get(iv, "sum_a2c"));
	} else {
		sum_line(f, "", iv, json_object_get(iv, "sum"));
	}
	fflush(f);
}

static int flow_is_odd(const json_t *st)
{
	return json_is_true(json_object_get(st, "stalled")) || json_is_true(json_object_get(st, "failed")) ||
	       json_is_false(json_object_get(st, "verified"));
}

static void flow_row(FILE *f, const json_t *st)
{
	const json_t *snd = json_object_get(st, "sender"), *rcv = json_object_get(st, "receiver");
	const json_t *ti = json_object_get(snd, "tcp_info");
	char r[32], s[32], sb[32], rb[32];
	double secs_bytes = num(snd, "bytes");
	const char *state = json_is_true(json_object_get(st, "failed")) ? "FAILED"
			    : json_is_true(json_object_get(st, "stalled")) ? "STALLED" : "ok";
	fprintf(f, "%6d %-4s %-6s %12s %10s %8.2f %6d %6d %10s %10s %-8s %s\n", (int)num(st, "id"),
		str(st, "dir"), str(st, "cc"), tl_fmt_rate(num(st, "bits_per_second"), r, sizeof(r)),
		tl_fmt_size(secs_bytes, s, sizeof(s)), num(ti, "rtt") / 1000.0, (int)num(ti, "snd_cwnd"),
		(int)num(snd, "retransmits_window"), tl_fmt_size(num(snd, "sndbuf_end"), sb, sizeof(sb)),
		tl_fmt_size(num(rcv, "rcvbuf_end"), rb, sizeof(rb)),
		str(json_object_get(snd, "limited_by"), "dominant"), state);
	const char *e1 = str(snd, "error"), *e2 = str(rcv, "error");
	if (*e1 || *e2)
		fprintf(f, "         error: %s%s%s\n", e1, *e1 && *e2 ? "; " : "", e2);
}

static void end_sum(FILE *f, const char *label, const json_t *sum)
{
	char a[32], b[32], c[32], d[32], lo[32], mid[32], hi[32];
	const json_t *fl = json_object_get(sum, "flows");
	fprintf(f, "%s: %s received (%s in %.2f s), %s sent (%s)\n", label,
		tl_fmt_rate(num(sum, "bits_per_second"), a, sizeof(a)),
		tl_fmt_size(num(sum, "bytes"), b, sizeof(b)), num(sum, "seconds"),
		tl_fmt_rate(num(sum, "sender_bits_per_second"), c, sizeof(c)),
		tl_fmt_size(num(sum, "sent_bytes"), d, sizeof(d)));
	fprintf(f, "  %d flows: min %s, median %s, max %s, Jain's fairness %.4f\n", (int)num(fl, "count"),
		tl_fmt_rate(num(fl, "min"), lo, sizeof(lo)), tl_fmt_rate(num(fl, "median"), mid, sizeof(mid)),
		tl_fmt_rate(num(fl, "max"), hi, sizeof(hi)), num(fl, "jain"));
}

/* One kind of --verify call sizes: "N calls of A to B bytes (most often C to D)". */
static void io_kind(FILE *f, const json_t *k)
{
	const json_t *b, *mode = NULL, *first = NULL, *last = NULL;
	size_t i;
	char a[32], c[32], d[32], e[32], n[32];
	json_array_foreach(json_object_get(k, "buckets"), i, b) {
		if (!first)
			first = b;
		last = b;
		if (!mode || num(b, "count") > num(mode, "count"))
			mode = b;
	}
	snprintf(n, sizeof(n), "%.0f", num(k, "calls"));
	if (!mode) {
		fprintf(f, "no calls");
		return;
	}
	fprintf(f, "%s calls of %s to %s (most often %s to %s)", n, tl_fmt_size(num(first, "min"), a, sizeof(a)),
		tl_fmt_size(num(last, "max"), c, sizeof(c)), tl_fmt_size(num(mode, "min"), d, sizeof(d)),
		tl_fmt_size(num(mode, "max"), e, sizeof(e)));
}

/* --verify: what the receivers' recv() returned against what the senders' send() took, and
 * the one fact behind it. */
static void io_sizes_lines(FILE *f, const json_t *io)
{
	if (!io)
		return;
	char w[32];
	fprintf(f, "  send(): ");
	io_kind(f, json_object_get(io, "send"));
	fprintf(f, ", writes of up to %s (--length)\n  recv(): ",
		tl_fmt_size(num(io, "write_size"), w, sizeof(w)));
	io_kind(f, json_object_get(io, "recv"));
	fprintf(f, "\n  TCP is a byte stream: it keeps no message boundaries, so one write may arrive in many "
		   "reads and many writes in one; a protocol of messages must frame them (a length prefix "
		   "or a delimiter).\n");
}

/* The one line that says a --bytes transfer did not finish, why, and what it means for the
 * exit status (1, as for a failed check: the test ran, the transfer asked for did not happen). */
static void incomplete_line(FILE *f, const json_t *doc, const json_t *end)
{
	if (!json_is_true(json_object_get(end, "incomplete")))
		return;
	const json_t *spec = json_object_get(json_object_get(doc, "start"), "test_start");
	const char *why = str(end, "incomplete_reason");
	char a[32], b[32], t[32];
	if (!strcmp(why, "interrupted")) {
		fprintf(f, "Interrupted (Ctrl-C): the figures cover the %.2f s measured until then "
			"(exit status 130)\n", num(json_object_get(end, "sum"), "seconds"));
		return;
	}
	if (!json_object_get(end, "bytes_expected")) {
		fprintf(f, "Incomplete: the test ended early (%s)\n", *why ? why : "see above");
		return;
	}
	fprintf(f, "Incomplete: %s of %s arrived; ", tl_fmt_size(num(end, "bytes_arrived"), a, sizeof(a)),
		tl_fmt_size(num(end, "bytes_expected"), b, sizeof(b)));
	if (!strcmp(why, "stalled"))
		fprintf(f, "flows stalled (no progress for --stall-timeout)");
	else
		fprintf(f, "--max-time %s ended the run",
			tl_fmt_duration((uint64_t)num(spec, "max_duration_ns"), t, sizeof(t)));
	fprintf(f, " (exit status 1)\n");
}

void tl_table_end(FILE *f, const json_t *doc, const struct tl_table_opts *o)
{
	const json_t *end = json_object_get(doc, "end");
	const json_t *streams = json_object_get(end, "streams");
	size_t n = json_array_size(streams), i;
	const json_t *st;
	/* A test that never started (the name did not resolve, the agent was unreachable or
	 * refused it) has nothing to sum up: the error alone says what happened. */
	int ran = json_object_get(json_object_get(doc, "start"), "start_monotonic_ns") != NULL;
	if (end && n && ran) {
		fprintf(f, "\n%6s %-4s %-6s %12s %10s %8s %6s %6s %10s %10s %-8s %s\n", "flow", "dir", "cc",
			"received", "sent", "rtt ms", "cwnd", "retr", "sndbuf", "rcvbuf", "limit", "state");
		size_t shown = 0, hidden = 0;
		json_array_foreach(streams, i, st) {
			if (o->per_flow || i < TABLE_FLOWS_SHOWN || flow_is_odd(st)) {
				flow_row(f, st);
				shown++;
			} else {
				hidden++;
			}
		}
		if (hidden)
			fprintf(f, "  (%zu more flows; --per-flow lists them all)\n", hidden);
		fprintf(f, "\n");
		if (json_object_get(end, "sum_c2a")) {
			end_sum(f, "client->agent", json_object_get(end, "sum_c2a"));
			end_sum(f, "agent->client", json_object_get(end, "sum_a2c"));
		} else {
			end_sum(f, "Total", json_object_get(end, "sum"));
		}
		const json_t *cpu = json_object_get(end, "cpu_utilization_percent");
		fprintf(f, "CPU: client %.0f%%, agent %.0f%% (of one core, traffic threads)\n",
			num(cpu, "client"), num(cpu, "agent"));
		tl_table_machine_note(f, end);
		tl_table_testbed_note(f, end);
		if (num(end, "stalled_flows") > 0) {
			fprintf(f, "Stalled flows: %d (no progress for --stall-timeout; counted in the totals)\n",
				(int)num(end, "stalled_flows"));
			tl_table_kernel_note(f, end);
		}
		if (num(end, "failed_flows") > 0)
			fprintf(f, "Failed flows: %d\n", (int)num(end, "failed_flows"));
		incomplete_line(f, doc, end);
		const json_t *v = json_object_get(end, "verify");
		if (v) {
			char a[32], b[32];
			fprintf(f, "Verify: %s: %s sent, %s received, %d flow(s) mismatched (%s)\n",
				json_is_true(json_object_get(v, "ok")) ? "OK" : "FAILED",
				tl_fmt_size(num(v, "bytes_sent"), a, sizeof(a)),
				tl_fmt_size(num(v, "bytes_received"), b, sizeof(b)),
				(int)num(v, "mismatched_flows"), str(v, "method"));
			io_sizes_lines(f, json_object_get(v, "io_sizes"));
		}
	}
	const char *e = str(doc, "error");
	if (*e)
		fprintf(f, "error: %s\n", e);
}
