#include "testbed/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/parse.h"

struct opt_def {
	const char *key;
	const char *def;
	bool runtime;
};

static const struct opt_def opt_defs[] = {
	{ "senders", "1", false },     { "rate", "100mbit", true },  { "rtt", "40ms", true },
	{ "buffer", "1bdp", true },    { "aqm", "taildrop", true },  { "loss", "0", true },
	{ "jitter", "0", true },       { "reorder", "off", true },   { "rev-rate", "", true },
	{ "rev-buffer", "", true },    { "rev-aqm", "", true },      { "rev-loss", "0", true },
	{ "rev-jitter", "0", true },   { "seed", "1", false },       { "pool", "65536", false },
	{ "spin", "400us", true },     { "prio", "high", true },       { "cpu-latency", "0us", true },
	{ "isolate", "off", false },   { "standby", "on", true },     { "ppv-class", "", true },
	{ "spread", "off", false },
};

#define OPT_COUNT (sizeof(opt_defs) / sizeof(opt_defs[0]))
#define MAX_RATE_BPS 400000000000ull
#define MAX_DELAY_NS (60 * TL_NSEC_PER_SEC)

static const struct opt_def *opt_find(const char *key)
{
	for (size_t i = 0; i < OPT_COUNT; i++)
		if (strcmp(opt_defs[i].key, key) == 0)
			return &opt_defs[i];
	return NULL;
}

bool tl_testbed_opt_known(const char *key)
{
	return opt_find(key) != NULL;
}

bool tl_testbed_opt_runtime(const char *key)
{
	const struct opt_def *d = opt_find(key);
	return d && d->runtime;
}

const char *tl_testbed_opt(const json_t *opts, const char *key)
{
	const char *v = json_string_value(json_object_get(opts, key));
	if (v)
		return v;
	const struct opt_def *d = opt_find(key);
	return d ? d->def : "";
}

int tl_testbed_opt_set(json_t *opts, const char *key, const char *value, struct tl_err *err)
{
	if (!opt_find(key))
		return tl_err_set(err, EINVAL, "testbed option \"%s\": unknown", key);
	if (json_object_set_new(opts, key, json_string(value)) < 0)
		return tl_err_set(err, EINVAL, "--%s: value is not valid UTF-8", key);
	return 0;
}

int tl_testbed_opts_check(const json_t *opts, struct tl_err *err)
{
	if (!json_is_object(opts))
		return tl_err_set(err, EINVAL, "testbed options: not a JSON object");
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)opts, key, v) {
		if (!opt_find(key))
			return tl_err_set(err, EINVAL, "testbed option \"%s\": unknown", key);
		if (!json_is_string(v))
			return tl_err_set(err, EINVAL, "testbed option \"%s\": not a string", key);
	}
	return 0;
}

static int parse_onoff(const char *what, const char *s, bool *out, struct tl_err *err)
{
	if (!strcmp(s, "on") || !strcmp(s, "yes") || !strcmp(s, "1") || !strcmp(s, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "off") || !strcmp(s, "no") || !strcmp(s, "0") || !strcmp(s, "false")) {
		*out = false;
		return 0;
	}
	return tl_err_set(err, EINVAL, "%s \"%s\": write on or off", what, s);
}

/* "10ms,100ms": one RTT for all senders, or exactly one per sender. */
static int parse_rtts(const char *s, struct tl_testbed_config *c, struct tl_err *err)
{
	char buf[512];
	if (strlen(s) >= sizeof(buf))
		return tl_err_set(err, EINVAL, "--rtt: too long (at most %zu characters)",
				  sizeof(buf) - 1);
	snprintf(buf, sizeof(buf), "%s", s);
	unsigned n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n >= TL_TESTBED_SENDERS_MAX)
			return tl_err_set(err, EINVAL, "--rtt \"%s\": more than %d values", s,
					  TL_TESTBED_SENDERS_MAX);
		int ret = tl_parse_duration("--rtt", tok, 0, MAX_DELAY_NS, &c->rtt_ns[n], err);
		if (ret < 0)
			return ret;
		n++;
	}
	if (n == 0)
		return tl_err_set(err, EINVAL, "--rtt \"%s\": no value (write 40ms, or one per "
				  "sender: 10ms,100ms)", s);
	if (n == 1) {
		for (unsigned i = 1; i < c->senders; i++)
			c->rtt_ns[i] = c->rtt_ns[0];
	} else if (n != c->senders) {
		return tl_err_set(err, EINVAL, "--rtt \"%s\": %u values for %u sender%s (give one "
				  "RTT for all, or one per sender)", s, n, c->senders,
				  c->senders == 1 ? "" : "s");
	}
	c->min_rtt_ns = c->max_rtt_ns = c->rtt_ns[0];
	for (unsigned i = 1; i < c->senders; i++) {
		if (c->rtt_ns[i] < c->min_rtt_ns)
			c->min_rtt_ns = c->rtt_ns[i];
		if (c->rtt_ns[i] > c->max_rtt_ns)
			c->max_rtt_ns = c->rtt_ns[i];
	}
	return 0;
}

/*
 * What the disciplines take from the path: GSP's interval, when not given, is 2 x the
 * largest RTT ([GSP15]: about twice the RTT of the flows that dominate the queue); PPV's
 * classes follow --ppv-class when given.
 */
static void aqm_from_path(const json_t *opts, const struct tl_testbed_config *c,
			  struct tl_qspec *q)
{
	if (q->kind == TL_QDISC_GSP && q->gsp.interval_ns == 0 && c->max_rtt_ns > 0)
		q->gsp.interval_ns = 2 * c->max_rtt_ns;
	const char *cls = tl_testbed_opt(opts, "ppv-class");
	if (q->kind == TL_QDISC_PPV && *cls)
		q->ppv.cls = strcmp(cls, "host") == 0 ? TL_PPV_HOST : TL_PPV_FLOW;
}

/* One direction of the bottleneck from its option strings; pre is "" or "rev-". */
static int eval_dir(const json_t *opts, const char *pre, const struct tl_testbed_config *c,
		    struct tl_link_spec *out, struct tl_err *err)
{
	char k_rate[16], k_buf[16], k_aqm[16], k_loss[16], k_jit[16], what[24];
	snprintf(k_rate, sizeof(k_rate), "%srate", pre);
	snprintf(k_buf, sizeof(k_buf), "%sbuffer", pre);
	snprintf(k_aqm, sizeof(k_aqm), "%saqm", pre);
	snprintf(k_loss, sizeof(k_loss), "%sloss", pre);
	snprintf(k_jit, sizeof(k_jit), "%sjitter", pre);
	/* The reverse direction mirrors rate, buffer and discipline unless given its own. */
	const char *rate = tl_testbed_opt(opts, k_rate);
	const char *buffer = tl_testbed_opt(opts, k_buf);
	const char *aqm = tl_testbed_opt(opts, k_aqm);
	if (!*rate)
		rate = tl_testbed_opt(opts, "rate");
	if (!*buffer)
		buffer = tl_testbed_opt(opts, "buffer");
	if (!*aqm)
		aqm = tl_testbed_opt(opts, "aqm");

	memset(out, 0, sizeof(*out));
	snprintf(what, sizeof(what), "--%s", k_rate);
	int ret = tl_parse_rate(what, rate, 0, MAX_RATE_BPS, &out->rate_bps, err);
	if (ret < 0)
		return ret;
	snprintf(what, sizeof(what), "--%s", k_jit);
	ret = tl_parse_duration(what, tl_testbed_opt(opts, k_jit), 0, MAX_DELAY_NS,
				&out->jitter_ns, err);
	if (ret < 0)
		return ret;
	snprintf(what, sizeof(what), "--%s", k_loss);
	ret = tl_loss_parse(what, tl_testbed_opt(opts, k_loss), &out->loss, err);
	if (ret < 0)
		return ret;
	snprintf(what, sizeof(what), "--%s", k_aqm);
	ret = tl_qspec_parse(what, aqm, &out->queue, err);
	if (ret < 0)
		return ret;
	struct tl_buffer_spec bs;
	snprintf(what, sizeof(what), "--%s", k_buf);
	ret = tl_qspec_parse_buffer(what, buffer, &bs, err);
	if (ret < 0)
		return ret;
	ret = tl_qspec_apply_buffer(&out->queue, &bs, out->rate_bps, c->max_rtt_ns, err);
	if (ret < 0) {
		tl_err_prefix(err, "%s", what);
		return ret;
	}
	ret = parse_onoff("--reorder", tl_testbed_opt(opts, "reorder"), &out->reorder, err);
	if (ret < 0)
		return ret;
	aqm_from_path(opts, c, &out->queue);
	return tl_qspec_validate(&out->queue, err);
}

/* A sender's own delay line: delay only, a queue bounded by the forwarder's pool. */
static void access_spec(struct tl_link_spec *out, uint64_t delay_ns, uint64_t seed)
{
	memset(out, 0, sizeof(*out));
	tl_qspec_default(&out->queue, TL_QDISC_TAILDROP);
	out->queue.limit_pkts = 0;
	out->queue.limit_bytes = 0;
	out->delay_ns = delay_ns;
	out->seed = seed;
	out->flow_slots = 64;
}

int tl_testbed_config_eval(const json_t *opts, struct tl_testbed_config *out, struct tl_err *err)
{
	int ret = tl_testbed_opts_check(opts, err);
	if (ret < 0)
		return ret;
	struct tl_testbed_config *c = out;
	memset(c, 0, sizeof(*c));
	uint64_t v;
	ret = tl_parse_count("--senders", tl_testbed_opt(opts, "senders"), 1,
			     TL_TESTBED_SENDERS_MAX, &v, err);
	if (ret < 0)
		return ret;
	c->senders = (unsigned)v;
	ret = tl_parse_count("--seed", tl_testbed_opt(opts, "seed"), 0, UINT64_MAX, &c->seed, err);
	if (ret < 0)
		return ret;
	ret = tl_parse_count("--pool", tl_testbed_opt(opts, "pool"), 1024, 1u << 22, &v, err);
	if (ret < 0)
		return ret;
	c->pool = (uint32_t)v;
	ret = tl_parse_duration("--spin", tl_testbed_opt(opts, "spin"), 0, TL_NSEC_PER_MSEC,
				&c->spin_ns, err);
	if (ret < 0)
		return ret;
	const char *prio = tl_testbed_opt(opts, "prio");
	if (strcmp(prio, "rt") == 0)
		c->prio = TL_TESTBED_PRIO_RT;
	else if (strcmp(prio, "high") == 0)
		c->prio = TL_TESTBED_PRIO_HIGH;
	else if (strcmp(prio, "normal") == 0)
		c->prio = TL_TESTBED_PRIO_NORMAL;
	else
		return tl_err_set(err, EINVAL, "--prio \"%s\": write high, rt or normal", prio);
	if ((ret = parse_onoff("--isolate", tl_testbed_opt(opts, "isolate"), &c->isolate, err)) < 0 ||
	    (ret = parse_onoff("--spread", tl_testbed_opt(opts, "spread"), &c->spread, err)) < 0 ||
	    (ret = parse_onoff("--standby", tl_testbed_opt(opts, "standby"), &c->standby, err)) < 0)
		return ret;
	const char *cpu_lat = tl_testbed_opt(opts, "cpu-latency");
	c->cpu_latency_us = -1;
	if (strcmp(cpu_lat, "off") != 0) {
		ret = tl_parse_duration("--cpu-latency", cpu_lat, 0, 10 * TL_NSEC_PER_MSEC, &v, err);
		if (ret < 0)
			return ret;
		c->cpu_latency_us = (int32_t)(v / 1000);
	}
	const char *cls = tl_testbed_opt(opts, "ppv-class");
	if (*cls && strcmp(cls, "flow") != 0 && strcmp(cls, "host") != 0)
		return tl_err_set(err, EINVAL, "--ppv-class \"%s\": write flow (each flow its "
				  "rate) or host (each sender host its rate)", cls);
	ret = parse_rtts(tl_testbed_opt(opts, "rtt"), c, err);
	if (ret < 0)
		return ret;
	ret = eval_dir(opts, "", c, &c->fwd, err);
	if (ret < 0)
		return ret;
	ret = eval_dir(opts, "rev-", c, &c->rev, err);
	if (ret < 0)
		return ret;
	if (*cls && c->fwd.queue.kind != TL_QDISC_PPV && c->rev.queue.kind != TL_QDISC_PPV)
		return tl_err_set(err, EINVAL, "--ppv-class %s: only for --aqm ppv (the bottleneck "
				  "runs %s)", cls, tl_qkind_name(c->fwd.queue.kind));
	/* Per-link seeds: distinct streams, all fixed by the one --seed. */
	c->fwd.seed = c->seed * 2654435761u + 1;
	c->rev.seed = c->seed * 2654435761u + 2;
	c->fwd.delay_ns = c->min_rtt_ns / 2;
	c->rev.delay_ns = c->min_rtt_ns - c->min_rtt_ns / 2;
	c->bdp_bytes = (uint64_t)((double)c->fwd.rate_bps / 8.0 * (double)c->max_rtt_ns / 1e9);
	for (unsigned i = 0; i < c->senders; i++) {
		uint64_t extra = c->rtt_ns[i] - c->min_rtt_ns;
		access_spec(&c->access_fwd[i], extra / 2, c->seed * 2654435761u + 3 + 2 * i);
		access_spec(&c->access_rev[i], extra - extra / 2, c->seed * 2654435761u + 4 + 2 * i);
	}
	return 0;
}

const char *tl_testbed_prio_name(enum tl_testbed_prio p)
{
	switch (p) {
	case TL_TESTBED_PRIO_RT:
		return "rt";
	case TL_TESTBED_PRIO_HIGH:
		return "high";
	default:
		return "normal";
	}
}

int tl_testbed_opts_merge(const json_t *current, const json_t *given, const char *fixed_hint,
			  json_t **merged, struct tl_testbed_config **cfg, struct tl_err *err)
{
	const char *key;
	json_t *v;
	*cfg = NULL;
	*merged = NULL;
	int ret = tl_testbed_opts_check(given, err);
	if (ret < 0)
		return ret;
	*merged = json_deep_copy(current);
	if (!*merged)
		return tl_err_set(err, ENOMEM, "out of memory");
	json_object_foreach((json_t *)given, key, v) {
		if (!tl_testbed_opt_runtime(key) &&
		    strcmp(tl_testbed_opt(*merged, key), json_string_value(v)) != 0)
			return tl_err_set(err, EINVAL, "--%s is fixed when %s", key, fixed_hint);
		json_object_set(*merged, key, v);
	}
	*cfg = malloc(sizeof(**cfg));
	if (!*cfg)
		return tl_err_set(err, ENOMEM, "out of memory");
	return tl_testbed_config_eval(*merged, *cfg, err);
}
