/* The advice as JSON, for 'probe --json' and 'stream --autotune --json'. */
#include "tune/advice_json.h"

#include <math.h>

#include "sys/bdp.h"

static double finite_or_zero(double v)
{
	return isfinite(v) ? v : 0.0; /* JSON has no infinity; 0 = "no limit" (RTT 0) */
}

json_t *tl_advice_json(const struct tl_advice *a, const struct tl_advice_limits *lim)
{
	return json_pack("{s:I,s:I,s:i,s:i,s:I,s:I,s:I,s:I,s:I,s:i,s:i,"
			 "s:{s:I,s:b,s:i,s:I,s:I,s:f},"
			 "s:{s:I,s:b,s:i,s:I,s:I,s:f},"
			 "s:{s:I,s:I,s:I,s:I}}",
			 "bdp_bytes", (json_int_t)a->bdp_bytes, "window_total", (json_int_t)a->window_total,
			 "headroom_pct", TL_ADVICE_HEADROOM_PCT, "flows", (int)a->flows,
			 "window_per_flow", (json_int_t)a->window_per_flow,
			 "sndbuf_request", (json_int_t)a->sndbuf_request,
			 "rcvbuf_request", (json_int_t)a->rcvbuf_request,
			 "sndbuf_effective", (json_int_t)a->sndbuf_effective,
			 "rcvbuf_effective", (json_int_t)a->rcvbuf_effective,
			 "rcvbuf_factor", TL_BDP_RCVBUF_FACTOR, "sndbuf_factor", TL_ADVICE_SNDBUF_FACTOR,
			 "autotune", "window_cap", (json_int_t)a->autotune_window_cap, "ok", a->autotune_ok,
			 "flows_needed", (int)a->autotune_flows,
			 "tcp_rmem_max_needed", (json_int_t)a->tcp_rmem_max_needed,
			 "tcp_wmem_max_needed", (json_int_t)a->tcp_wmem_max_needed,
			 "flow_ceiling_bps", finite_or_zero(a->autotune_flow_ceiling_bps),
			 "explicit", "window_cap", (json_int_t)a->explicit_window_cap, "ok", a->explicit_ok,
			 "flows_needed", (int)a->explicit_flows,
			 "rmem_max_needed", (json_int_t)a->rmem_max_needed,
			 "wmem_max_needed", (json_int_t)a->wmem_max_needed,
			 "flow_ceiling_bps", finite_or_zero(a->explicit_flow_ceiling_bps),
			 "limits", "tcp_rmem_max", (json_int_t)lim->tcp_rmem_max,
			 "tcp_wmem_max", (json_int_t)lim->tcp_wmem_max, "rmem_max", (json_int_t)lim->rmem_max,
			 "wmem_max", (json_int_t)lim->wmem_max);
}
