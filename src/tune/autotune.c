/* 'stream --autotune': the choice, its reasons, the two runs' specs and the joint result. */
#include "tune/autotune.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sys/bdp.h"
#include "tune/advice_json.h"
#include "util/parse.h"

/* Appends to a fixed buffer; text that does not fit is cut, never overflows. */
static void add(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static void explain(const struct tl_probe_result *p, const struct tl_advice_limits *lim,
		    uint32_t min_flows, struct tl_autotune_choice *c)
{
	const struct tl_advice *a = &c->advice;
	char r[32], d[32], b[32], w[32], cap[32], x[32], y[32], s1[32], s2[32], e1[32], e2[32];
	char *why = c->why;
	size_t len = sizeof(c->why);

	why[0] = '\0';
	add(why, len, "The probe measured %s of goodput", tl_fmt_rate((double)p->rate_bps, r, sizeof(r)));
	if (p->rate_lower_bound)
		add(why, len, " (a lower bound: its flows were limited by %s, not by the path)",
		    p->limited_by);
	add(why, len, " and a minimum RTT of %s: BDP = %s x %s / 8 = %s; with %d%% headroom the "
	    "flows need %s in flight. ", tl_fmt_duration(p->rtt_min_ns, d, sizeof(d)), r, d,
	    tl_fmt_size((double)a->bdp_bytes, b, sizeof(b)), TL_ADVICE_HEADROOM_PCT,
	    tl_fmt_size((double)a->window_total, w, sizeof(w)));
	tl_fmt_size((double)a->explicit_window_cap, cap, sizeof(cap));
	tl_fmt_size((double)lim->rmem_max, x, sizeof(x));
	tl_fmt_size((double)lim->wmem_max, y, sizeof(y));
	if (a->explicit_flows <= 1) {
		add(why, len, "One flow can hold that: SO_RCVBUF/SO_SNDBUF requests up to rmem_max %s / "
		    "wmem_max %s pass unclamped (a window of up to %s per flow). ", x, y, cap);
	} else if (a->explicit_flows <= TL_ADVICE_MAX_FLOWS) {
		add(why, len, "One flow cannot: a request is clamped to rmem_max %s / wmem_max %s, a "
		    "window of at most %s per flow, so %u flows = ceil(%s / %s) (or raise "
		    "net.core.rmem_max and wmem_max to %llu for one flow). ", x, y, cap,
		    a->explicit_flows, w, cap, (unsigned long long)a->rmem_max_needed);
	} else {
		add(why, len, "Even %u flows cannot: a request is clamped to rmem_max %s / wmem_max %s "
		    "(a window of at most %s per flow); raise net.core.rmem_max and wmem_max to %llu. ",
		    TL_ADVICE_MAX_FLOWS, x, y, cap, (unsigned long long)a->rmem_max_needed);
	}
	if (min_flows > a->explicit_flows)
		add(why, len, "%u flows, as asked with -P. ", c->flows);
	add(why, len, "Each flow: SO_SNDBUF %s at the sender (the kernel doubles it to %s: the window "
	    "in flight plus as much again queued) and SO_RCVBUF %s at the receiver (doubled to %s, "
	    "about half of which is advertised as window)",
	    tl_fmt_size((double)c->sndbuf, s1, sizeof(s1)), tl_fmt_size((double)a->sndbuf_effective, e1, sizeof(e1)),
	    tl_fmt_size((double)c->rcvbuf, s2, sizeof(s2)), tl_fmt_size((double)a->rcvbuf_effective, e2, sizeof(e2)));
	if ((a->window_total + c->flows - 1) / c->flows < TL_ADVICE_MIN_WINDOW)
		add(why, len, "; that is the 64 KiB floor, since below it host scheduling and delayed "
		    "ACKs, not the path, decide what is in flight");
	add(why, len, ". Setting them turns the kernel's autotuning off for these sockets; the "
	    "kernel run beside it shows what autotuning does with the same flows (it may grow a "
	    "flow's window up to %s = min(tcp_rmem max / 2, tcp_wmem max / 2) on this host).",
	    tl_fmt_size((double)a->autotune_window_cap, cap, sizeof(cap)));
}

void tl_autotune_choose(const struct tl_probe_result *p, const struct tl_advice_limits *lim,
			uint32_t min_flows, struct tl_autotune_choice *out)
{
	memset(out, 0, sizeof(*out));
	if (min_flows == 0)
		min_flows = 1;
	struct tl_advice_input in = { .rate_bps = p->rate_bps, .rtt_ns = p->rtt_min_ns };
	tl_advice_compute(&in, lim, &out->advice);
	if (out->advice.flows < min_flows) {
		in.flows = min_flows;
		tl_advice_compute(&in, lim, &out->advice);
	}
	out->flows = out->advice.flows;
	out->sndbuf = out->advice.sndbuf_request;
	out->rcvbuf = out->advice.rcvbuf_request;
	explain(p, lim, min_flows, out);
}

int tl_autotune_specs(const struct tl_spec *user, const struct tl_autotune_choice *c,
		      struct tl_spec *kernel, struct tl_spec *tuned, struct tl_err *err)
{
	if (user->opts.sndbuf || user->opts.rcvbuf)
		return tl_err_set(err, EINVAL, "--autotune chooses the buffers itself: drop --sndbuf "
				  "and --rcvbuf (or drop --autotune)");
	if (user->ngroups)
		return tl_err_set(err, EINVAL, "--autotune and --group cannot be used together (the "
				  "choice applies to every flow)");
	if (user->direction == TL_DIR_BIDIR)
		return tl_err_set(err, EINVAL, "--autotune measures and tunes one direction: use it "
				  "without --bidir (with -R to tune the agent-to-here direction)");
	*kernel = *user;
	kernel->flows = c->flows;
	if (kernel->threads > c->flows)
		kernel->threads = c->flows;
	*tuned = *kernel;
	tuned->opts.sndbuf = c->sndbuf;
	tuned->opts.rcvbuf = c->rcvbuf;
	int rc = tl_spec_validate(kernel, err);
	return rc < 0 ? rc : tl_spec_validate(tuned, err);
}

/* Sum of the senders' retransmits inside the window, and their mean srtt (us) at the end. */
static void end_flows(const struct tl_stream_end *e, double *retrans, double *srtt_us)
{
	*retrans = *srtt_us = 0;
	for (size_t i = 0; i < e->nflows; i++) {
		*retrans += (double)e->flows[i].sender.retransmits_window;
		*srtt_us += e->flows[i].sender.rtt_us;
	}
	if (e->nflows)
		*srtt_us /= (double)e->nflows;
}

json_t *tl_autotune_doc(const struct tl_probe_result *p, int from_cache, uint64_t age_s,
			const struct tl_advice_limits *lim, const struct tl_autotune_choice *c,
			const json_t *kernel_doc, const json_t *tuned_doc,
			const struct tl_stream_end *kernel_end, const struct tl_stream_end *tuned_end)
{
	double kb = kernel_end->sum.bits_per_second, tb = tuned_end->sum.bits_per_second;
	double pr = (double)p->rate_bps, kr, ks, tr, ts;
	end_flows(kernel_end, &kr, &ks);
	end_flows(tuned_end, &tr, &ts);
	json_t *probe = tl_probe_to_json(p);
	if (probe) {
		json_object_set_new(probe, "from_cache", json_boolean(from_cache));
		json_object_set_new(probe, "age_s", json_integer((json_int_t)age_s));
	}
	json_t *inner = json_pack("{s:o?,s:o?,s:{s:i,s:I,s:I,s:s},s:O?,s:O?,"
				  "s:{s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f}}",
		"probe", probe, "advice", tl_advice_json(&c->advice, lim),
		"choice", "flows", (int)c->flows, "sndbuf", (json_int_t)c->sndbuf,
		"rcvbuf", (json_int_t)c->rcvbuf, "why", c->why,
		"kernel", (json_t *)kernel_doc, "tuned", (json_t *)tuned_doc,
		"comparison", "kernel_bits_per_second", kb, "tuned_bits_per_second", tb,
		"tuned_over_kernel", kb > 0 ? tb / kb : 0.0,
		"kernel_of_probed_rate", pr > 0 ? kb / pr : 0.0, "tuned_of_probed_rate", pr > 0 ? tb / pr : 0.0,
		"kernel_retransmits", kr, "tuned_retransmits", tr,
		"kernel_srtt_us", ks, "tuned_srtt_us", ts);
	return inner ? json_pack("{s:o}", "autotune", inner) : NULL;
}
