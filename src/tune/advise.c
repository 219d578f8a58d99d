/* tcplab_advise_buffer: the public face of the probe, its state file and the advice. */
#include "tcplab/advise.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ctl/agent.h"
#include "tune/advice.h"
#include "tune/cache.h"
#include "tune/limits.h"
#include "tune/probe_cached.h"
#include "util/err.h"

static int fail(char *errbuf, size_t errlen, const struct tl_err *err, int rc)
{
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s", err->msg[0] ? err->msg : "tcplab_advise_buffer failed");
	return rc < 0 ? rc : -EINVAL;
}

int tcplab_advise_buffer(const char *host, uint16_t port, const struct tcplab_advice_opts *opts,
			 struct tcplab_advice *out, char *errbuf, size_t errlen)
{
	static const struct tcplab_advice_opts defaults = { 0 };
	const struct tcplab_advice_opts *o = opts ? opts : &defaults;
	struct tl_err err = { 0 };
	struct tl_client_target t = { .host = host, .port = port ? port : TL_DEFAULT_PORT,
				      .family = AF_UNSPEC, .per_flow_limit = 0 };
	struct tl_probe_opts po = { .direction = o->reverse ? TL_DIR_REVERSE : TL_DIR_FORWARD };
	struct tl_probe_cache_opts co = {
		.state_file = o->state_file,
		.max_age_s = o->max_age_ms ? o->max_age_ms / 1000 : TL_CACHE_MAX_AGE_DEFAULT_S,
		.fresh = o->fresh != 0,
	};
	struct tl_probe_result p;
	struct tl_probe_origin origin;
	struct tl_advice_limits lim;
	struct tl_advice a;
	int rc;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!host || !host[0] || !out) {
		tl_err_set(&err, EINVAL, "tcplab_advise_buffer: host and out must be given");
		return fail(errbuf, errlen, &err, -EINVAL);
	}
	memset(out, 0, sizeof(*out));
	rc = tl_limits_read(&lim, &err);
	if (rc == 0)
		rc = tl_probe_cached(&t, &po, &co, &p, &origin, &err);
	if (rc < 0)
		return fail(errbuf, errlen, &err, rc);

	struct tl_advice_input in = { .rate_bps = p.rate_bps, .rtt_ns = p.rtt_min_ns, .flows = o->flows };
	tl_advice_compute(&in, &lim, &a);
	out->rate_bps = p.rate_bps;
	out->rate_is_lower_bound = p.rate_lower_bound;
	out->rtt_min_us = p.rtt_min_ns / 1000;
	out->rtt_smoothed_us = p.rtt_smoothed_ns / 1000;
	out->loss_ratio = p.loss_ratio;
	out->bdp_bytes = a.bdp_bytes;
	out->flows = a.flows;
	out->sndbuf = a.sndbuf_request;
	out->rcvbuf = a.rcvbuf_request;
	out->limits_allow = a.explicit_ok;
	out->autotune_enough = a.autotune_ok;
	out->flows_explicit = a.explicit_flows;
	out->flows_autotune = a.autotune_flows;
	out->from_cache = origin.from_cache;
	out->age_s = origin.age_s;
	return 0;
}
