/* The test spec: defaults, the checks every command relies on, the --cc mix, and what each
 * connection carries (its options, its direction, its share of --bytes). */
#include "spec/spec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

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

int tl_spec_cc_name_ok(const char *cc)
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
		if (!tl_spec_cc_name_ok(buf))
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
		if (!tl_spec_cc_name_ok(tok))
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
		if (s->groups[g].opts.cc[0] && (tl_sock_cc_available(s->groups[g].opts.cc, err) < 0 ||
						tl_sock_cc_allowed(s->groups[g].opts.cc, err) < 0))
			return -1;
	if (s->opts.cc[0] && (tl_sock_cc_available(s->opts.cc, err) < 0 || tl_sock_cc_allowed(s->opts.cc, err) < 0))
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
		if (s->groups[g].opts.cc[0] && !tl_spec_cc_name_ok(s->groups[g].opts.cc))
			return tl_err_set(err, EINVAL, "flow group %u: bad congestion control name", g + 1);
	}
	if (grouped > s->flows)
		return tl_err_set(err, EINVAL, "flow groups cover %llu flows but --flows is %u (make "
				  "--flows at least the sum of the group counts)",
				  (unsigned long long)grouped, s->flows);
	if (s->opts.cc[0] && !tl_spec_cc_name_ok(s->opts.cc))
		return tl_err_set(err, EINVAL, "--cc \"%s\": not a congestion control name", s->opts.cc);
	if (s->fault_stop_reading_flow >= (int64_t)tl_spec_connections(s))
		return tl_err_set(err, EINVAL, "fault flow %lld does not exist (%u connections)",
				  (long long)s->fault_stop_reading_flow, tl_spec_connections(s));
	return 0;
}
