/* 'tcplab stream --autotune': probe, choose, run twice, show both side by side. */
#include "cmd/autotune.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/tune_report.h"
#include "out/probe_table.h"
#include "out/wrap.h"
#include "result/stream.h"
#include "tune/autotune.h"
#include "tune/cache.h"
#include "tune/limits.h"
#include "tune/probe_cached.h"
#include "util/parse.h"

struct run_progress {
	const char *label;
	double total_s;
};

static void on_interval(void *ctx, const json_t *iv)
{
	struct run_progress *r = ctx;
	char b[32];
	struct tl_stream_interval d;
	if (tl_stream_interval_decode(iv, &d, NULL) < 0)
		return; /* only progress: the end's decoding reports what is wrong */
	fprintf(stderr, "\r\033[K%s: %.1f/%.1f s  %s", r->label, d.end, r->total_s,
		tl_fmt_rate(d.sum.bits_per_second, b, sizeof(b)));
	fflush(stderr);
	tl_stream_interval_free(&d);
}

static void on_connecting(void *ctx, uint32_t done, uint32_t total)
{
	(void)ctx;
	cmd_progress_connecting(done, total);
}

static int run(const struct tl_spec *s, const struct tl_client_target *t, const char *label,
	       int tty, json_t **doc, struct tl_err *err)
{
	struct run_progress r = { label, (double)(s->omit_ns + s->duration_ns) / 1e9 };
	struct tl_client_callbacks cb = { .ctx = &r };
	if (tty) {
		cb.connecting = on_connecting;
		cb.interval = on_interval;
	}
	int rc = tl_stream_client_run(s, t, &cb, doc, err);
	if (tty)
		cmd_tune_progress_done();
	if (rc < 0)
		tl_err_prefix(err, "%s", label);
	return rc;
}

/* The figures of one run for the table, each a mean over its flows (sums where said). */
struct run_figures {
	double bps, sndbuf, sndbuf_end, rcvbuf, rcvbuf_end, srtt_us, min_rtt_us, cwnd_bytes, snd_wnd;
	double retrans; /* sum, inside the window */
	double limits[4];
	int flows, failed, stalled;
};

static void figures(const struct tl_stream_result *r, struct run_figures *f)
{
	memset(f, 0, sizeof(*f));
	f->bps = r->end.sum.bits_per_second;
	f->failed = (int)r->end.failed_flows;
	f->stalled = (int)r->end.stalled_flows;
	for (size_t i = 0; i < r->end.nflows; i++) {
		const struct tl_stream_side *snd = &r->end.flows[i].sender, *rcv = &r->end.flows[i].receiver;
		f->sndbuf += (double)snd->sndbuf;
		f->sndbuf_end += (double)snd->sndbuf_end;
		f->rcvbuf += (double)rcv->rcvbuf;
		f->rcvbuf_end += (double)rcv->rcvbuf_end;
		f->srtt_us += snd->rtt_us;
		f->min_rtt_us += snd->min_rtt_us;
		f->cwnd_bytes += snd->snd_cwnd_bytes;
		f->snd_wnd += snd->snd_wnd;
		f->retrans += (double)snd->retransmits_window;
		for (int k = 0; k < 4; k++)
			f->limits[k] += snd->limit_share[k];
		f->flows++;
	}
	if (f->flows) {
		double n = f->flows;
		f->sndbuf /= n; f->sndbuf_end /= n; f->rcvbuf /= n; f->rcvbuf_end /= n;
		f->srtt_us /= n; f->min_rtt_us /= n; f->cwnd_bytes /= n; f->snd_wnd /= n;
		for (int k = 0; k < 4; k++)
			f->limits[k] /= n;
	}
}

static const char *limit_text(const struct run_figures *f, char *buf, size_t len)
{
	static const char *const lk[4] = { "app", "rwnd", "sndbuf", "network" };
	int best = 0;
	for (int k = 1; k < 4; k++)
		if (f->limits[k] > f->limits[best])
			best = k;
	snprintf(buf, len, "%s %.0f%%", lk[best], 100.0 * f->limits[best]);
	return buf;
}

static void row(FILE *out, const char *name, const char *k, const char *t)
{
	fprintf(out, "  %-34s %-22s %s\n", name, k, t);
}

static void print_table(FILE *out, const struct tl_probe_result *p, const struct tl_probe_origin *o,
			const struct tl_advice_limits *lim, const struct tl_autotune_choice *c,
			const struct tl_stream_result *kres, const struct tl_stream_result *tres)
{
	struct run_figures k, t;
	char a[64], b[64], x[32], y[32];
	figures(kres, &k);
	figures(tres, &t);
	tl_out_probe(out, p, o);
	tl_out_probe_advice(out, &c->advice, lim);
	fprintf(out, "\nautotune choice: %u flow%s, SO_SNDBUF %llu at the sender, SO_RCVBUF %llu at the "
		"receiver, per flow\n", c->flows, c->flows == 1 ? "" : "s",
		(unsigned long long)c->sndbuf, (unsigned long long)c->rcvbuf);
	fprintf(out, "why: ");
	tl_out_wrapped(out, c->why, 5);
	fprintf(out, "\n  %-34s %-22s %s\n", "", "kernel autotuning", "tcplab --autotune");
	snprintf(a, sizeof(a), "%d", k.flows);
	snprintf(b, sizeof(b), "%d", t.flows);
	row(out, "flows", a, b);
	row(out, "throughput (receiver)", tl_fmt_rate(k.bps, a, sizeof(a)), tl_fmt_rate(t.bps, b, sizeof(b)));
	snprintf(a, sizeof(a), "%.1f%%", p->rate_bps ? 100.0 * k.bps / (double)p->rate_bps : 0.0);
	snprintf(b, sizeof(b), "%.1f%%", p->rate_bps ? 100.0 * t.bps / (double)p->rate_bps : 0.0);
	row(out, "of the probed rate", a, b);
	snprintf(a, sizeof(a), "%s -> %s", tl_fmt_size(k.sndbuf, x, sizeof(x)), tl_fmt_size(k.sndbuf_end, y, sizeof(y)));
	snprintf(b, sizeof(b), "%s -> %s", tl_fmt_size(t.sndbuf, x, sizeof(x)), tl_fmt_size(t.sndbuf_end, y, sizeof(y)));
	row(out, "sender sndbuf, start -> end", a, b);
	snprintf(a, sizeof(a), "%s -> %s", tl_fmt_size(k.rcvbuf, x, sizeof(x)), tl_fmt_size(k.rcvbuf_end, y, sizeof(y)));
	snprintf(b, sizeof(b), "%s -> %s", tl_fmt_size(t.rcvbuf, x, sizeof(x)), tl_fmt_size(t.rcvbuf_end, y, sizeof(y)));
	row(out, "receiver rcvbuf, start -> end", a, b);
	row(out, "peer's window (snd_wnd) at the end", tl_fmt_size(k.snd_wnd, a, sizeof(a)),
	    tl_fmt_size(t.snd_wnd, b, sizeof(b)));
	row(out, "cwnd at the end", tl_fmt_size(k.cwnd_bytes, a, sizeof(a)), tl_fmt_size(t.cwnd_bytes, b, sizeof(b)));
	row(out, "srtt at the end", tl_fmt_duration((uint64_t)(k.srtt_us * 1000), a, sizeof(a)),
	    tl_fmt_duration((uint64_t)(t.srtt_us * 1000), b, sizeof(b)));
	snprintf(a, sizeof(a), "%.0f", k.retrans);
	snprintf(b, sizeof(b), "%.0f", t.retrans);
	row(out, "retransmits in the window (all)", a, b);
	row(out, "limited by (mean of the flows)", limit_text(&k, a, sizeof(a)), limit_text(&t, b, sizeof(b)));
	if (k.failed || t.failed || k.stalled || t.stalled) {
		snprintf(a, sizeof(a), "%d / %d", k.failed, k.stalled);
		snprintf(b, sizeof(b), "%d / %d", t.failed, t.stalled);
		row(out, "failed / stalled flows", a, b);
	}
	fprintf(out, "  (per-flow means; buffers as getsockopt reports them, i.e. doubled)\n");
}

int cmd_stream_autotune(const struct tl_spec *spec, const struct tl_client_target *target,
			enum out_format format)
{
	struct tl_err err = { 0 };
	struct tl_advice_limits lim;
	struct tl_probe_result p;
	struct tl_probe_origin origin;
	struct tl_autotune_choice choice;
	struct tl_spec kspec, tspec;
	json_t *kdoc = NULL, *tdoc = NULL, *doc = NULL;
	struct tl_stream_result kres, tres;
	int decoded = 0;
	int tty = isatty(STDERR_FILENO), status = TL_EXIT_ERROR, rc;
	struct tl_probe_opts popts = {
		.direction = spec->direction == TL_DIR_REVERSE ? TL_DIR_REVERSE : TL_DIR_FORWARD,
		.progress = tty ? cmd_tune_progress : NULL,
	};
	struct tl_probe_cache_opts copts = { .max_age_s = TL_CACHE_MAX_AGE_DEFAULT_S };

	if (format != OUT_TABLE && format != OUT_JSON)
		return cmd_usage_error("stream", format, "--autotune prints a table or --json (not "
				       "--json-lines or --csv)");
	signal(SIGPIPE, SIG_IGN);
	/* Refuse a spec the choice cannot apply to before spending time on the probe. */
	memset(&origin, 0, sizeof(origin));
	memset(&choice, 0, sizeof(choice));
	choice.flows = spec->flows;
	if (tl_autotune_specs(spec, &choice, &kspec, &tspec, &err) < 0)
		return cmd_usage_error("stream", format, err.msg);

	rc = tl_limits_read(&lim, &err);
	if (rc == 0)
		rc = tl_probe_cached(target, &popts, &copts, &p, &origin, &err);
	if (tty)
		cmd_tune_progress_done();
	if (rc == 0) {
		tl_autotune_choose(&p, &lim, spec->flows, &choice);
		rc = tl_autotune_specs(spec, &choice, &kspec, &tspec, &err);
	}
	if (rc == 0)
		rc = run(&kspec, target, "run 1/2, kernel autotuning", tty, &kdoc, &err);
	if (rc == 0)
		rc = run(&tspec, target, "run 2/2, tcplab's buffers", tty, &tdoc, &err);
	if (rc == 0 && tl_stream_result_decode(kdoc, &kres, &err) == 0) {
		if (tl_stream_result_decode(tdoc, &tres, &err) == 0)
			decoded = 1;
		else
			tl_stream_result_free(&kres);
	}
	if (rc == 0 && !decoded)
		rc = -1;
	if (rc < 0 && format == OUT_JSON) {
		doc = json_pack("{s:s}", "error", err.msg);
		if (kdoc)
			json_object_set(doc, "kernel", kdoc);
		if (tdoc)
			json_object_set(doc, "tuned", tdoc);
	} else if (rc == 0) {
		doc = tl_autotune_doc(&p, origin.from_cache, origin.age_s, &lim, &choice, kdoc, tdoc,
				      &kres.end, &tres.end);
	}
	if (format == OUT_JSON && doc) {
		json_dumpf(doc, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	} else if (format == OUT_TABLE && rc == 0) {
		print_table(stdout, &p, &origin, &lim, &choice, &kres, &tres);
	}
	fflush(stdout);
	if (origin.save_err.msg[0])
		fprintf(stderr, "tcplab stream: warning: probe result not remembered: %s\n",
			origin.save_err.msg);
	if (rc < 0) {
		fprintf(stderr, "tcplab stream --autotune: %s\n", err.msg);
		goto out;
	}
	status = TL_EXIT_OK;
	if (kres.end.failed_flows > 0 || tres.end.failed_flows > 0)
		status = TL_EXIT_FAIL;
out:
	if (decoded) {
		tl_stream_result_free(&kres);
		tl_stream_result_free(&tres);
	}
	json_decref(doc);
	json_decref(kdoc);
	json_decref(tdoc);
	return status;
}
