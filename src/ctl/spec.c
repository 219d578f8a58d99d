#include "ctl/spec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctl/proto.h"
#include "util/clock.h"
#include "util/parse.h"

void tl_spec_defaults(struct tl_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->workload = TL_WORKLOAD_STREAM;
	s->direction = TL_DIR_FORWARD;
	s->flows = 1;
	s->threads = 1;
	s->duration_ns = 10 * TL_NSEC_PER_SEC;
	s->max_duration_ns = 300 * TL_NSEC_PER_SEC;
	s->interval_ns = TL_NSEC_PER_SEC;
	/* 1 MiB writes: on fast paths a 128K write (iperf's default) costs a wake-up every
	 * few writes and about 40% more CPU per byte (bench/results/stream.md) */
	s->length = 1024 * 1024;
	s->stall_timeout_ns = 3 * TL_NSEC_PER_SEC;
	s->connect_timeout_ns = 30 * TL_NSEC_PER_SEC;
	s->fault_stop_reading_flow = -1;
	s->request_size = 1;
	s->response_size = 1;
	s->requests_per_conn = 1;
}

const char *tl_workload_name(enum tl_workload w)
{
	switch (w) {
	case TL_WORKLOAD_STREAM: return "stream";
	case TL_WORKLOAD_RR: return "rr";
	case TL_WORKLOAD_CRR: return "crr";
	}
	return "?";
}

const char *tl_direction_name(enum tl_direction d)
{
	switch (d) {
	case TL_DIR_FORWARD: return "forward";
	case TL_DIR_REVERSE: return "reverse";
	case TL_DIR_BIDIR: return "bidir";
	}
	return "?";
}

uint32_t tl_spec_connections(const struct tl_spec *s)
{
	return s->direction == TL_DIR_BIDIR ? s->flows * 2 : s->flows;
}

int tl_spec_conn_client_sends(const struct tl_spec *s, uint32_t conn)
{
	switch (s->direction) {
	case TL_DIR_FORWARD: return 1;
	case TL_DIR_REVERSE: return 0;
	case TL_DIR_BIDIR: return conn < s->flows;
	}
	return 1;
}

uint64_t tl_spec_conn_bytes(const struct tl_spec *s, uint32_t conn)
{
	if (!s->bytes)
		return 0;
	uint32_t i = conn % s->flows;
	uint64_t share = s->bytes / s->flows;
	return share + (i < s->bytes % s->flows ? 1 : 0);
}

static void merge_opts(struct tl_sockopts *dst, const struct tl_sockopts *g)
{
	if (g->sndbuf) dst->sndbuf = g->sndbuf;
	if (g->rcvbuf) dst->rcvbuf = g->rcvbuf;
	if (g->window_clamp) dst->window_clamp = g->window_clamp;
	if (g->mss) dst->mss = g->mss;
	if (g->pacing_bps) dst->pacing_bps = g->pacing_bps;
	if (g->nodelay) dst->nodelay = 1;
	if (g->zerocopy) dst->zerocopy = 1;
	if (g->cc[0]) memcpy(dst->cc, g->cc, sizeof(dst->cc));
}

void tl_spec_flow_opts(const struct tl_spec *s, uint32_t conn, struct tl_sockopts *out)
{
	*out = s->opts;
	uint32_t i = conn % s->flows, first = 0;
	for (uint32_t g = 0; g < s->ngroups; g++) {
		if (i < first + s->groups[g].count) {
			merge_opts(out, &s->groups[g].opts);
			return;
		}
		first += s->groups[g].count;
	}
}

static int cc_name_ok(const char *cc)
{
	size_t n = strlen(cc);
	if (n == 0 || n >= TL_CC_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)cc[i]) && cc[i] != '_' && cc[i] != '-')
			return 0;
	return 1;
}

int tl_spec_parse_cc_mix(struct tl_spec *s, const char *text, struct tl_err *err)
{
	char buf[512];
	if (strlen(text) >= sizeof(buf))
		return tl_err_set(err, EINVAL, "--cc \"%.40s...\": too long", text);
	memcpy(buf, text, strlen(text) + 1);
	if (!strchr(buf, ':') && !strchr(buf, ',')) {
		if (!cc_name_ok(buf))
			return tl_err_set(err, EINVAL, "--cc \"%s\": not a congestion control name "
					  "(e.g. cubic, bbr, reno)", text);
		snprintf(s->opts.cc, sizeof(s->opts.cc), "%s", buf);
		return 0;
	}
	size_t len = strlen(buf);
	if (buf[0] == ',' || buf[len - 1] == ',' || strstr(buf, ",,"))
		return tl_err_set(err, EINVAL, "--cc \"%s\": an empty part (write NAME:COUNT,NAME:COUNT, "
				  "e.g. cubic:8,bbr:2)", text);
	/* Groups add up: a mix after a --group appends to it. */
	uint32_t first_new = s->ngroups;
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		if (!colon)
			return tl_err_set(err, EINVAL, "--cc \"%s\": part \"%s\" has no count (write NAME:COUNT, "
					  "e.g. cubic:8,bbr:2)", text, tok);
		*colon = '\0';
		if (!cc_name_ok(tok))
			return tl_err_set(err, EINVAL, "--cc \"%s\": \"%s\" is not a congestion control name",
					  text, tok);
		if (s->ngroups == TL_SPEC_MAX_GROUPS)
			return tl_err_set(err, EINVAL, "--cc \"%s\": more than %d groups", text,
					  TL_SPEC_MAX_GROUPS);
		uint64_t count;
		if (tl_parse_count("--cc count", colon + 1, 1, TL_SPEC_MAX_FLOWS, &count, err) < 0)
			return -EINVAL;
		struct tl_flow_group *g = &s->groups[s->ngroups++];
		memset(g, 0, sizeof(*g));
		g->count = (uint32_t)count;
		snprintf(g->opts.cc, sizeof(g->opts.cc), "%s", tok);
	}
	/* "," or ",,": strtok_r found no part at all; not a mix, and not the default either. */
	if (s->ngroups == first_new)
		return tl_err_set(err, EINVAL, "--cc \"%s\": no NAME:COUNT part (e.g. cubic:8,bbr:2)", text);
	return 0;
}

/* name is one word of the space-separated list. */
static int in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; *p;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		size_t w = strcspn(p, " \t\n");
		if (w == n && w > 0 && strncmp(p, name, n) == 0)
			return 1;
		p += w;
	}
	return 0;
}

int tl_spec_check_cc_allowed(const struct tl_spec *s, const char *allowed, struct tl_err *err)
{
	for (uint32_t g = 0; g <= s->ngroups; g++) {
		const char *cc = g < s->ngroups ? s->groups[g].opts.cc : s->opts.cc;
		if (cc[0] && !in_list(allowed, cc))
			return tl_err_set(err, EPERM, "congestion control \"%s\" is not allowed on this agent "
					  "(its tcp_allowed_congestion_control and loaded ones: %s)", cc, allowed);
	}
	return 0;
}

void tl_spec_cap_pacing(struct tl_spec *s, uint64_t bps)
{
	if (!bps)
		return;
	for (uint32_t g = 0; g <= s->ngroups; g++) {
		struct tl_sockopts *o = g < s->ngroups ? &s->groups[g].opts : &s->opts;
		/* a group without its own rate takes the run's, which is capped below */
		if (g < s->ngroups && !o->pacing_bps)
			continue;
		if (!o->pacing_bps || o->pacing_bps > bps)
			o->pacing_bps = bps;
	}
}

int tl_spec_check_cc_available(const struct tl_spec *s, struct tl_err *err)
{
	for (uint32_t g = 0; g < s->ngroups; g++)
		if (s->groups[g].opts.cc[0] && tl_sock_cc_available(s->groups[g].opts.cc, err) < 0)
			return -1;
	if (s->opts.cc[0] && tl_sock_cc_available(s->opts.cc, err) < 0)
		return -1;
	return 0;
}

int tl_spec_validate(const struct tl_spec *s, struct tl_err *err)
{
	if (s->flows < 1 || s->flows > TL_SPEC_MAX_FLOWS)
		return tl_err_set(err, ERANGE, "--flows %u: must be 1 to %u", s->flows, TL_SPEC_MAX_FLOWS);
	if (s->threads < 1 || s->threads > TL_SPEC_MAX_THREADS)
		return tl_err_set(err, ERANGE, "--threads %u: must be 1 to %u", s->threads,
				  TL_SPEC_MAX_THREADS);
	if (s->workload > TL_WORKLOAD_CRR)
		return tl_err_set(err, EINVAL, "workload %d is unknown", (int)s->workload);
	if (s->workload != TL_WORKLOAD_STREAM) {
		if (s->direction != TL_DIR_FORWARD)
			return tl_err_set(err, EINVAL, "--reverse and --bidir apply to stream only");
		if (s->request_size < 1 || s->request_size > 16u << 20 || s->response_size < 1 ||
		    s->response_size > 16u << 20)
			return tl_err_set(err, ERANGE, "--request and --response: 1 byte to 16M");
		if (s->bytes)
			return tl_err_set(err, EINVAL, "--bytes applies to stream only");
		if (s->verify)
			return tl_err_set(err, EINVAL, "--verify applies to stream only");
		if (s->requests_per_conn < 1 || s->requests_per_conn > 1000000000u)
			return tl_err_set(err, ERANGE, "--requests-per-conn: 1 to 1000000000");
		if (s->rate > 100000000ULL)
			return tl_err_set(err, ERANGE, "--rate: at most 100M transactions/s");
	}
	if (s->direction > TL_DIR_BIDIR)
		return tl_err_set(err, EINVAL, "direction %d is unknown", (int)s->direction);
	if (!s->bytes && (s->duration_ns < 100 * TL_NSEC_PER_MSEC || s->duration_ns > 86400 * TL_NSEC_PER_SEC))
		return tl_err_set(err, ERANGE, "--time: must be 100ms to 24h");
	if (s->bytes && s->omit_ns)
		return tl_err_set(err, EINVAL, "--omit cannot be used with --bytes (every byte counts "
				  "in a transfer of fixed size)");
	if (s->bytes && s->bytes < s->flows)
		return tl_err_set(err, EINVAL, "--bytes %llu is less than one byte per flow (%u flows)",
				  (unsigned long long)s->bytes, s->flows);
	if (s->max_duration_ns < 100 * TL_NSEC_PER_MSEC || s->max_duration_ns > 86400 * TL_NSEC_PER_SEC)
		return tl_err_set(err, ERANGE, "--max-time: must be 100ms to 24h");
	if (s->omit_ns > 3600 * TL_NSEC_PER_SEC)
		return tl_err_set(err, ERANGE, "--omit: must be at most 1h");
	if (s->interval_ns && (s->interval_ns < 10 * TL_NSEC_PER_MSEC || s->interval_ns > 3600 * TL_NSEC_PER_SEC))
		return tl_err_set(err, ERANGE, "--interval: must be 10ms to 1h, or 0 for none");
	if (s->length < 1 || s->length > 16u << 20)
		return tl_err_set(err, ERANGE, "--length %u: must be 1 byte to 16M", s->length);
	if (s->stall_timeout_ns < 10 * TL_NSEC_PER_MSEC)
		return tl_err_set(err, ERANGE, "--stall-timeout: must be at least 10ms");
	if (s->connect_timeout_ns < 10 * TL_NSEC_PER_MSEC || s->connect_timeout_ns > 3600 * TL_NSEC_PER_SEC)
		return tl_err_set(err, ERANGE, "--connect-timeout: must be 10ms to 1h");
	uint64_t grouped = 0;
	for (uint32_t g = 0; g < s->ngroups; g++) {
		if (!s->groups[g].count)
			return tl_err_set(err, EINVAL, "flow group %u has no flows", g + 1);
		grouped += s->groups[g].count;
		if (s->groups[g].opts.cc[0] && !cc_name_ok(s->groups[g].opts.cc))
			return tl_err_set(err, EINVAL, "flow group %u: bad congestion control name", g + 1);
	}
	if (grouped > s->flows)
		return tl_err_set(err, EINVAL, "flow groups cover %llu flows but --flows is %u (make "
				  "--flows at least the sum of the group counts)",
				  (unsigned long long)grouped, s->flows);
	if (s->opts.cc[0] && !cc_name_ok(s->opts.cc))
		return tl_err_set(err, EINVAL, "--cc \"%s\": not a congestion control name", s->opts.cc);
	if (s->fault_stop_reading_flow >= (int64_t)tl_spec_connections(s))
		return tl_err_set(err, EINVAL, "fault flow %lld does not exist (%u connections)",
				  (long long)s->fault_stop_reading_flow, tl_spec_connections(s));
	return 0;
}

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
	if (cc[0] && !cc_name_ok(cc))
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
