/* Buffer sizes and stream counts from a measured rate and RTT (see advice.h for the model). */
#include "tune/advice.h"

#include "sys/bdp.h"

uint32_t tl_advice_streams_needed(uint64_t total, uint64_t cap)
{
	if (cap == 0)
		return TL_ADVICE_MAX_FLOWS + 1;
	uint64_t n = (total + cap - 1) / cap;
	if (n == 0)
		n = 1;
	return n > TL_ADVICE_MAX_FLOWS ? TL_ADVICE_MAX_FLOWS + 1 : (uint32_t)n;
}

uint64_t tl_advice_effective(uint64_t request, uint64_t cap)
{
	return 2 * (request < cap ? request : cap);
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

void tl_advice_compute(const struct tl_advice_input *in, const struct tl_advice_limits *lim,
		       struct tl_advice *out)
{
	uint32_t headroom = in->headroom_pct ? in->headroom_pct : TL_ADVICE_HEADROOM_PCT;
	*out = (struct tl_advice){ 0 };
	out->bdp_bytes = tl_bdp_bytes(in->rate_bps, in->rtt_ns);
	out->window_total = div_up(out->bdp_bytes * headroom, 100);

	/*
	 * Per-flow window caps. Autotuning grows sk_rcvbuf up to tcp_rmem[2], of which about
	 * 1/TL_BDP_RCVBUF_FACTOR is window, and sk_sndbuf up to tcp_wmem[2], of which
	 * 1/TL_ADVICE_SNDBUF_FACTOR may be in flight. An explicit request is clamped to
	 * rmem_max/wmem_max and then doubled, so the memory is 2 x the cap.
	 */
	out->autotune_window_cap = min_u64(lim->tcp_rmem_max / TL_BDP_RCVBUF_FACTOR,
					   lim->tcp_wmem_max / TL_ADVICE_SNDBUF_FACTOR);
	out->explicit_window_cap = min_u64(2 * lim->rmem_max / TL_BDP_RCVBUF_FACTOR,
					   2 * lim->wmem_max / TL_ADVICE_SNDBUF_FACTOR);
	uint64_t need = out->window_total > TL_ADVICE_MIN_WINDOW ? out->window_total : TL_ADVICE_MIN_WINDOW;
	out->autotune_flows = tl_advice_streams_needed(need, out->autotune_window_cap);
	out->explicit_flows = tl_advice_streams_needed(need, out->explicit_window_cap);

	out->flows = in->flows;
	if (out->flows == 0)
		out->flows = out->explicit_flows > TL_ADVICE_MAX_FLOWS ? TL_ADVICE_MAX_FLOWS : out->explicit_flows;
	out->window_per_flow = div_up(out->window_total, out->flows);
	if (out->window_per_flow < TL_ADVICE_MIN_WINDOW)
		out->window_per_flow = TL_ADVICE_MIN_WINDOW;

	/* Memory is factor x window; the request is half the memory, as the kernel doubles it. */
	out->sndbuf_request = out->window_per_flow * TL_ADVICE_SNDBUF_FACTOR / 2;
	out->rcvbuf_request = out->window_per_flow * TL_BDP_RCVBUF_FACTOR / 2;
	out->sndbuf_effective = tl_advice_effective(out->sndbuf_request, lim->wmem_max);
	out->rcvbuf_effective = tl_advice_effective(out->rcvbuf_request, lim->rmem_max);
	out->autotune_ok = out->window_per_flow <= out->autotune_window_cap;
	out->explicit_ok = out->sndbuf_request <= lim->wmem_max && out->rcvbuf_request <= lim->rmem_max;

	/* One flow's needs, for the "or raise the limit" alternative. */
	out->tcp_rmem_max_needed = need * TL_BDP_RCVBUF_FACTOR;
	out->tcp_wmem_max_needed = need * TL_ADVICE_SNDBUF_FACTOR;
	out->rmem_max_needed = need * TL_BDP_RCVBUF_FACTOR / 2;
	out->wmem_max_needed = need * TL_ADVICE_SNDBUF_FACTOR / 2;
	out->autotune_flow_ceiling_bps = tl_bdp_window_ceiling_bps(out->autotune_window_cap, in->rtt_ns);
	out->explicit_flow_ceiling_bps = tl_bdp_window_ceiling_bps(out->explicit_window_cap, in->rtt_ns);
}
