/* The test spec on the wire: JSON field by field, re-validated on arrival. */
#include "ctl/spec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl/proto.h"
#include "util/clock.h"

static json_t *opts_to_json(const struct tl_sockopts *o)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:b,s:b,s:s}",
			 "sndbuf", (json_int_t)o->sndbuf, "rcvbuf", (json_int_t)o->rcvbuf,
			 "window_clamp", (json_int_t)o->window_clamp, "mss", (json_int_t)o->mss,
			 "pacing_bps", (json_int_t)o->pacing_bps, "nodelay", o->nodelay,
			 "zerocopy", o->zerocopy, "cc", o->cc);
}

json_t *tl_spec_to_json(const struct tl_spec *s)
{
	json_t *groups = json_array();
	for (uint32_t g = 0; g < s->ngroups; g++)
		json_array_append_new(groups, json_pack("{s:I,s:o}", "count", (json_int_t)s->groups[g].count,
							"opts", opts_to_json(&s->groups[g].opts)));
	json_t *j = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b,s:o,s:o,s:I,s:I}",
			 "workload", tl_workload_name(s->workload), "direction", tl_direction_name(s->direction),
			 "flows", (json_int_t)s->flows, "threads", (json_int_t)s->threads,
			 "duration_ns", (json_int_t)s->duration_ns, "bytes", (json_int_t)s->bytes,
			 "max_duration_ns", (json_int_t)s->max_duration_ns,
			 "omit_ns", (json_int_t)s->omit_ns, "interval_ns", (json_int_t)s->interval_ns,
			 "length", (json_int_t)s->length,
			 "stall_timeout_ns", (json_int_t)s->stall_timeout_ns,
			 "connect_timeout_ns", (json_int_t)s->connect_timeout_ns,
			 "verify", s->verify, "opts", opts_to_json(&s->opts), "groups", groups,
			 "fault_stop_reading_flow", (json_int_t)s->fault_stop_reading_flow,
			 "fault_after_ns", (json_int_t)s->fault_after_ns);
	if (j && s->workload != TL_WORKLOAD_STREAM) {
		json_object_set_new(j, "request_size", json_integer(s->request_size));
		json_object_set_new(j, "response_size", json_integer(s->response_size));
		json_object_set_new(j, "rate", json_integer((json_int_t)s->rate));
		json_object_set_new(j, "requests_per_conn", json_integer(s->requests_per_conn));
		json_object_set_new(j, "close", json_string(s->close_side == TL_CLOSE_SERVER ? "server" : "client"));
		json_object_set_new(j, "linger0", json_boolean(s->linger0));
	}
	return j;
}

static int opts_from_json(const json_t *j, struct tl_sockopts *o, struct tl_err *err)
{
	uint64_t v;
	const char *cc = "";
	memset(o, 0, sizeof(*o));
	if (!json_is_object(j))
		return tl_err_set(err, EPROTO, "\"opts\" must be an object");
	if (tl_json_get_u64(j, "sndbuf", 0, 1ULL << 31, 0, &o->sndbuf, err) < 0 ||
	    tl_json_get_u64(j, "rcvbuf", 0, 1ULL << 31, 0, &o->rcvbuf, err) < 0 ||
	    tl_json_get_u64(j, "pacing_bps", 0, 1ULL << 50, 0, &o->pacing_bps, err) < 0 ||
	    tl_json_get_bool(j, "nodelay", 0, &o->nodelay, err) < 0 ||
	    tl_json_get_bool(j, "zerocopy", 0, &o->zerocopy, err) < 0 ||
	    tl_json_get_str(j, "cc", TL_CC_NAME_MAX - 1, 0, &cc, err) < 0)
		return -EPROTO;
	v = 0;
	if (tl_json_get_u64(j, "window_clamp", 0, 1ULL << 31, 0, &v, err) < 0)
		return -EPROTO;
	o->window_clamp = (uint32_t)v;
	v = 0;
	if (tl_json_get_u64(j, "mss", 0, 65535, 0, &v, err) < 0)
		return -EPROTO;
	o->mss = (uint32_t)v;
	if (cc[0] && !tl_spec_cc_name_ok(cc))
		return tl_err_set(err, EPROTO, "\"cc\" is not a congestion control name");
	snprintf(o->cc, sizeof(o->cc), "%s", cc);
	return 0;
}

int tl_spec_from_json(const json_t *j, struct tl_spec *s, struct tl_err *err)
{
	const char *workload = NULL, *dir = NULL;
	uint64_t v;
	tl_spec_defaults(s);
	if (!json_is_object(j))
		return tl_err_set(err, EPROTO, "test spec must be a JSON object");
	if (tl_json_get_str(j, "workload", 32, 1, &workload, err) < 0)
		return -EPROTO;
	if (strcmp(workload, "stream") == 0)
		s->workload = TL_WORKLOAD_STREAM;
	else if (strcmp(workload, "rr") == 0)
		s->workload = TL_WORKLOAD_RR;
	else if (strcmp(workload, "crr") == 0)
		s->workload = TL_WORKLOAD_CRR;
	else
		return tl_err_set(err, EPROTO, "workload \"%s\" is not supported by this agent", workload);
	if (tl_json_get_str(j, "direction", 16, 1, &dir, err) < 0)
		return -EPROTO;
	if (strcmp(dir, "forward") == 0)
		s->direction = TL_DIR_FORWARD;
	else if (strcmp(dir, "reverse") == 0)
		s->direction = TL_DIR_REVERSE;
	else if (strcmp(dir, "bidir") == 0)
		s->direction = TL_DIR_BIDIR;
	else
		return tl_err_set(err, EPROTO, "direction \"%s\" is unknown", dir);

#define GET32(key, field, lo, hi)                                                    \
	do {                                                                         \
		v = s->field;                                                        \
		if (tl_json_get_u64(j, key, lo, hi, 1, &v, err) < 0)                 \
			return -EPROTO;                                              \
		s->field = (uint32_t)v;                                              \
	} while (0)
	GET32("flows", flows, 1, TL_SPEC_MAX_FLOWS);
	GET32("threads", threads, 1, TL_SPEC_MAX_THREADS);
	GET32("length", length, 1, 16u << 20);
#undef GET32
	if (tl_json_get_u64(j, "duration_ns", 0, 86400 * TL_NSEC_PER_SEC, 1, &s->duration_ns, err) < 0 ||
	    tl_json_get_u64(j, "bytes", 0, 1ULL << 60, 1, &s->bytes, err) < 0 ||
	    tl_json_get_u64(j, "max_duration_ns", 0, 86400 * TL_NSEC_PER_SEC, 1, &s->max_duration_ns, err) < 0 ||
	    tl_json_get_u64(j, "omit_ns", 0, 3600 * TL_NSEC_PER_SEC, 1, &s->omit_ns, err) < 0 ||
	    tl_json_get_u64(j, "interval_ns", 0, 3600 * TL_NSEC_PER_SEC, 1, &s->interval_ns, err) < 0 ||
	    tl_json_get_u64(j, "stall_timeout_ns", 0, 86400 * TL_NSEC_PER_SEC, 1, &s->stall_timeout_ns, err) < 0 ||
	    tl_json_get_u64(j, "connect_timeout_ns", 0, 3600 * TL_NSEC_PER_SEC, 1, &s->connect_timeout_ns, err) < 0 ||
	    tl_json_get_bool(j, "verify", 1, &s->verify, err) < 0 ||
	    tl_json_get_u64(j, "fault_after_ns", 0, 86400 * TL_NSEC_PER_SEC, 0, &s->fault_after_ns, err) < 0)
		return -EPROTO;
	const json_t *fault = json_object_get(j, "fault_stop_reading_flow");
	if (fault) {
		if (!json_is_integer(fault) || json_integer_value(fault) < -1 ||
		    json_integer_value(fault) > (json_int_t)TL_SPEC_MAX_FLOWS * 2)
			return tl_err_set(err, EPROTO, "field \"fault_stop_reading_flow\" is out of range");
		s->fault_stop_reading_flow = json_integer_value(fault);
	}
	if (s->workload != TL_WORKLOAD_STREAM) {
		const char *close_side = "client";
		uint64_t req = 0, resp = 0, k = 0;
		if (tl_json_get_u64(j, "request_size", 1, 16u << 20, 1, &req, err) < 0 ||
		    tl_json_get_u64(j, "response_size", 1, 16u << 20, 1, &resp, err) < 0 ||
		    tl_json_get_u64(j, "rate", 0, 100000000ULL, 1, &s->rate, err) < 0 ||
		    tl_json_get_u64(j, "requests_per_conn", 1, 1000000000u, 1, &k, err) < 0 ||
		    tl_json_get_str(j, "close", 8, 1, &close_side, err) < 0 ||
		    tl_json_get_bool(j, "linger0", 1, &s->linger0, err) < 0)
			return -EPROTO;
		s->request_size = (uint32_t)req;
		s->response_size = (uint32_t)resp;
		s->requests_per_conn = (uint32_t)k;
		if (strcmp(close_side, "client") == 0)
			s->close_side = TL_CLOSE_CLIENT;
		else if (strcmp(close_side, "server") == 0)
			s->close_side = TL_CLOSE_SERVER;
		else
			return tl_err_set(err, EPROTO, "field \"close\" must be \"client\" or \"server\"");
	}
	if (opts_from_json(json_object_get(j, "opts"), &s->opts, err) < 0)
		return -EPROTO;
	const json_t *groups = json_object_get(j, "groups");
	if (!json_is_array(groups))
		return tl_err_set(err, EPROTO, "field \"groups\" must be an array");
	if (json_array_size(groups) > TL_SPEC_MAX_GROUPS)
		return tl_err_set(err, EPROTO, "more than %d flow groups", TL_SPEC_MAX_GROUPS);
	s->ngroups = (uint32_t)json_array_size(groups);
	for (uint32_t g = 0; g < s->ngroups; g++) {
		const json_t *gj = json_array_get(groups, g);
		v = 0;
		if (!json_is_object(gj) ||
		    tl_json_get_u64(gj, "count", 1, TL_SPEC_MAX_FLOWS, 1, &v, err) < 0)
			return tl_err_set(err, EPROTO, "flow group %u is malformed", g + 1);
		s->groups[g].count = (uint32_t)v;
		if (opts_from_json(json_object_get(gj, "opts"), &s->groups[g].opts, err) < 0)
			return -EPROTO;
	}
	return tl_spec_validate(s, err);
}
