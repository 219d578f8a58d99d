/*
 * Fuzz target for everything tcplab parses from a control or data connection, and for the
 * --cc mix parser of the command line. One input is read four ways:
 *   (a) a frame: the first 12 bytes through tl_frame_hdr_decode, the payload (cut to the
 *       header's length) through tl_msg_parse for every type, known or not;
 *   (b) a TEST message body: tl_msg_parse(TEST), then tl_spec_from_json on its "spec" (or on
 *       the body itself, so a bare spec is reachable too);
 *   (c) a data greeting: the first 28 bytes through tl_data_hello_decode;
 *   (d) a --cc argument (only when the input has no NUL, as argv strings cannot);
 *   (e) a ROUTER message body: tl_msg_parse(ROUTER), then tl_router_req_parse (as the agent
 *       reads it before relaying anything to a router); a frame of type ROUTER in (a) too.
 * Besides "no crash, no sanitizer report", it checks properties a parser bug would break:
 * what decodes re-encodes to the same bytes, the message type only changes the size limit,
 * the getters honour their bounds, an accepted spec validates and survives a JSON round trip
 * unchanged, an accepted router request is within its bounds and survives its JSON round trip,
 * and the per-connection helpers agree with the spec (byte shares sum to the total).
 */
#include "fuzz_ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl/frame.h"
#include "ctl/proto.h"
#include "ctl/router_req.h"
#include "ctl/spec.h"

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "fuzz_ctl: %s:%d: invariant broken: %s\n",      \
				__FILE__, __LINE__, #cond);                             \
			abort();                                                        \
		}                                                                       \
	} while (0)

/* An argv string is short; --cc text beyond this is refused by length anyway. */
#define CC_MIX_MAX_INPUT 1024
/* Sum the byte shares of every flow only up to this many flows (keeps an input fast). */
#define SHARE_SUM_MAX_FLOWS 4096u

static uint32_t largest_limit(void)
{
	uint32_t max = 0;
	for (uint32_t t = 0; t <= TL_MSG_TYPE_COUNT; t++)
		if (tl_msg_max_len((uint16_t)t) > max)
			max = tl_msg_max_len((uint16_t)t);
	return max;
}

/* An exact-size heap copy: ASan then sees a read one byte past the end. */
static uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	CHECK(c != NULL);
	if (n)
		memcpy(c, p, n);
	return c;
}

/* The getters, on the keys the real peers read, each with its bounds checked. */
static void poke_fields(const json_t *body)
{
	static const char *keys[] = { "k", "threads", "flows", "backlog", "delay_ns", "error",
				      "cookie", "tcplab", "workload", "verify", "spec" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct tl_err err = { 0 };
		const json_t *v = json_object_get(body, keys[i]);
		uint64_t u = 0;
		if (tl_json_get_u64(body, keys[i], 1, 1000, 1, &u, &err) == 0) {
			CHECK(v != NULL && u >= 1 && u <= 1000);
		} else {
			CHECK(err.msg[0] != '\0');
			CHECK(err.code == EPROTO || err.code == ERANGE);
		}
		const char *s = NULL;
		if (tl_json_get_str(body, keys[i], 32, 0, &s, NULL) == 0 && v) {
			CHECK(s != NULL && strlen(s) <= 32 && strlen(s) == json_string_length(v));
		}
		int b = -1;
		if (tl_json_get_bool(body, keys[i], 0, &b, NULL) == 0 && v)
			CHECK(b == 0 || b == 1);
	}
}

static void opts_same(const struct tl_sockopts *a, const struct tl_sockopts *b)
{
	CHECK(a->sndbuf == b->sndbuf && a->rcvbuf == b->rcvbuf);
	CHECK(a->window_clamp == b->window_clamp && a->mss == b->mss);
	CHECK(a->pacing_bps == b->pacing_bps);
	CHECK(a->nodelay == b->nodelay && a->zerocopy == b->zerocopy);
	CHECK(strcmp(a->cc, b->cc) == 0);
}

static void spec_same(const struct tl_spec *a, const struct tl_spec *b)
{
	CHECK(a->workload == b->workload && a->direction == b->direction);
	CHECK(a->flows == b->flows && a->threads == b->threads);
	CHECK(a->duration_ns == b->duration_ns && a->bytes == b->bytes);
	CHECK(a->max_duration_ns == b->max_duration_ns && a->omit_ns == b->omit_ns);
	CHECK(a->interval_ns == b->interval_ns && a->length == b->length);
	CHECK(a->stall_timeout_ns == b->stall_timeout_ns);
	CHECK(a->connect_timeout_ns == b->connect_timeout_ns && a->verify == b->verify);
	opts_same(&a->opts, &b->opts);
	CHECK(a->ngroups == b->ngroups);
	for (uint32_t g = 0; g < a->ngroups; g++) {
		CHECK(a->groups[g].count == b->groups[g].count);
		opts_same(&a->groups[g].opts, &b->groups[g].opts);
	}
	CHECK(a->fault_stop_reading_flow == b->fault_stop_reading_flow);
	CHECK(a->fault_after_ns == b->fault_after_ns);
}

/* Everything that must hold for a spec the library accepted. */
static void check_spec(const struct tl_spec *s)
{
	struct tl_err err = { 0 };
	CHECK(tl_spec_validate(s, &err) == 0);
	CHECK(s->ngroups <= TL_SPEC_MAX_GROUPS);

	/* What the client sends is what the agent rebuilds. */
	json_t *j = tl_spec_to_json(s);
	CHECK(j != NULL);
	char *text = json_dumps(j, JSON_COMPACT);
	CHECK(text != NULL);
	CHECK(strlen(text) <= tl_msg_max_len(TL_MSG_TEST));
	json_t *back = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	CHECK(back != NULL);
	struct tl_spec s2;
	if (tl_spec_from_json(back, &s2, &err) != 0) {
		fprintf(stderr, "fuzz_ctl: round trip refused: %s\n  %s\n", err.msg, text);
		CHECK(!"an accepted spec survives to_json/from_json");
	}
	spec_same(s, &s2);
	json_t *again = tl_spec_to_json(&s2); /* covers fields spec_same does not name */
	CHECK(again != NULL && json_equal(j, again));
	json_decref(again);
	free(text);
	json_decref(back);
	json_decref(j);

	/* Connections, group options at each group's edges, byte shares. */
	uint32_t nconn = tl_spec_connections(s);
	CHECK(nconn == (s->direction == TL_DIR_BIDIR ? 2 * s->flows : s->flows));
	uint32_t first = 0;
	for (uint32_t g = 0; g < s->ngroups; g++) {
		const uint32_t edge[2] = { first, first + s->groups[g].count - 1 };
		for (int e = 0; e < 2; e++) {
			struct tl_sockopts o;
			tl_spec_flow_opts(s, edge[e], &o);
			if (s->groups[g].opts.cc[0])
				CHECK(strcmp(o.cc, s->groups[g].opts.cc) == 0);
			if (s->groups[g].opts.mss)
				CHECK(o.mss == s->groups[g].opts.mss);
			if (s->direction == TL_DIR_BIDIR) {
				struct tl_sockopts other;
				tl_spec_flow_opts(s, edge[e] + s->flows, &other);
				opts_same(&o, &other);
			}
		}
		first += s->groups[g].count;
	}
	if (first < s->flows) {
		struct tl_sockopts o;
		tl_spec_flow_opts(s, s->flows - 1, &o);
		opts_same(&o, &s->opts);
	}
	if (s->bytes) {
		uint64_t share = s->bytes / s->flows;
		CHECK(tl_spec_conn_bytes(s, 0) == share + (s->bytes % s->flows ? 1 : 0));
		CHECK(tl_spec_conn_bytes(s, nconn - 1) == share + (s->flows - 1 < s->bytes % s->flows));
		if (s->flows <= SHARE_SUM_MAX_FLOWS) {
			uint64_t sum = 0;
			for (uint32_t c = 0; c < s->flows; c++)
				sum += tl_spec_conn_bytes(s, c);
			CHECK(sum == s->bytes);
		}
	} else {
		CHECK(tl_spec_conn_bytes(s, nconn - 1) == 0);
	}
	if (s->direction == TL_DIR_BIDIR)
		CHECK(tl_spec_conn_client_sends(s, 0) && !tl_spec_conn_client_sends(s, nconn - 1));
}

static unsigned spec_from_body(const json_t *body)
{
	const json_t *spec_json = json_object_get(body, "spec");
	struct tl_spec s;
	struct tl_err err = { 0 };
	if (tl_spec_from_json(spec_json ? spec_json : body, &s, &err) != 0) {
		CHECK(err.msg[0] != '\0');
		return 0;
	}
	check_spec(&s);
	return FUZZ_CTL_SPEC;
}

/* What must hold for a router request the agent accepted. */
static unsigned router_from_body(const json_t *body)
{
	struct tl_router_req r, again;
	struct tl_err err = { 0 };
	if (tl_router_req_parse(body, &r, &err) != 0) {
		CHECK(err.msg[0] != '\0');
		CHECK(r.options == NULL); /* nothing left to free */
		return 0;
	}
	/* list names no router; every other op one that suits a directory */
	CHECK(r.op == TL_ROUTER_OP_LIST ? r.name[0] == '\0' && !json_object_get(body, "router")
					: tl_testbed_name_check(r.name, NULL) == 0);
	CHECK(r.op == TL_ROUTER_OP_STATUS || r.op == TL_ROUTER_OP_SET || r.op == TL_ROUTER_OP_SERIES ||
	      r.op == TL_ROUTER_OP_LIST);
	CHECK(r.flows <= TL_ROUTER_REQ_FLOWS_MAX);
	CHECK(r.to_ago_ns <= r.from_ago_ns && r.from_ago_ns <= TL_ROUTER_REQ_AGE_MAX_NS &&
		      r.from_ago_ns - r.to_ago_ns <= TL_ROUTER_REQ_WINDOW_MAX_NS);
	CHECK((r.op == TL_ROUTER_OP_SET) == (r.options != NULL));
	/* what a client sends is what the agent reads */
	json_t *j = tl_router_req_json(&r);
	CHECK(j != NULL);
	char *text = json_dumps(j, JSON_COMPACT);
	CHECK(text != NULL && strlen(text) <= tl_msg_max_len(TL_MSG_ROUTER));
	CHECK(tl_router_req_parse(j, &again, &err) == 0);
	CHECK(again.op == r.op && strcmp(again.name, r.name) == 0 && again.flows == r.flows);
	CHECK(again.from_ago_ns == r.from_ago_ns && again.to_ago_ns == r.to_ago_ns);
	CHECK((r.options == NULL) == (again.options == NULL));
	CHECK(!r.options || json_equal(r.options, again.options));
	free(text);
	json_decref(j);
	tl_router_req_free(&again);
	tl_router_req_free(&r);
	return FUZZ_CTL_ROUTER;
}

/* (a) */
static unsigned fuzz_frame(const uint8_t *data, size_t size)
{
	unsigned got = 0;
	if (size < TL_FRAME_HDR_LEN)
		return 0;
	struct tl_frame_hdr h = { 0 };
	struct tl_err err = { 0 };
	uint32_t largest = largest_limit();
	size_t plen = size - TL_FRAME_HDR_LEN;
	int hdr_ok = tl_frame_hdr_decode(data, largest, &h, &err) == 0;
	if (hdr_ok) {
		uint8_t again[TL_FRAME_HDR_LEN];
		got |= FUZZ_CTL_FRAME_HDR;
		tl_frame_hdr_encode(again, h.type, h.len);
		CHECK(memcmp(again, data, TL_FRAME_HDR_LEN) == 0);
		CHECK(h.version == TL_PROTO_VERSION && h.len <= largest);
		/* Bytes past the header's length belong to the next frame. */
		if (h.len < plen)
			plen = h.len;
	} else {
		CHECK(err.code == EPROTO || err.code == EPROTONOSUPPORT || err.code == EMSGSIZE);
	}

	uint8_t *payload = dup_exact(data + TL_FRAME_HDR_LEN, plen);
	int accepted = -1; /* the outcome for every type whose limit allows plen */
	int poked = 0;
	for (uint32_t t = 0; t <= TL_MSG_TYPE_COUNT + 1; t++) {
		uint16_t type = t == TL_MSG_TYPE_COUNT + 1 ? 0xffff : (uint16_t)t;
		json_t *body = NULL;
		int rc = tl_msg_parse(type, (const char *)payload, (uint32_t)plen, &body, &err);
		uint32_t max = tl_msg_max_len(type);
		if (max == 0 || plen > max) {
			CHECK(rc < 0 && body == NULL);
			continue;
		}
		CHECK((rc == 0) == (body != NULL));
		if (accepted < 0)
			accepted = rc == 0;
		CHECK(accepted == (rc == 0)); /* the type only decides the size limit */
		if (rc != 0)
			continue;
		CHECK(json_is_object(body));
		if (!poked) {
			poke_fields(body);
			poked = 1;
		}
		if (hdr_ok && type == h.type) {
			got |= FUZZ_CTL_FRAME_MSG;
			if (type == TL_MSG_TEST)
				got |= spec_from_body(body);
			if (type == TL_MSG_ROUTER)
				got |= router_from_body(body);
		}
		json_decref(body);
	}
	free(payload);
	return got;
}

/* (b) */
static unsigned fuzz_test_body(const uint8_t *data, size_t size)
{
	json_t *body = NULL;
	unsigned got = 0;
	uint8_t *copy = dup_exact(data, size);
	if (size <= UINT32_MAX &&
	    tl_msg_parse(TL_MSG_TEST, (const char *)copy, (uint32_t)size, &body, NULL) == 0) {
		got = spec_from_body(body);
		json_decref(body);
	}
	free(copy);
	return got;
}

/* (e) */
static unsigned fuzz_router_body(const uint8_t *data, size_t size)
{
	json_t *body = NULL;
	unsigned got = 0;
	uint8_t *copy = dup_exact(data, size);
	if (size <= UINT32_MAX &&
	    tl_msg_parse(TL_MSG_ROUTER, (const char *)copy, (uint32_t)size, &body, NULL) == 0) {
		got = router_from_body(body);
		json_decref(body);
	}
	free(copy);
	return got;
}

/* (c) */
static unsigned fuzz_data_hello(const uint8_t *data, size_t size)
{
	struct tl_data_hello h;
	struct tl_err err = { 0 };
	if (size < TL_DATA_HELLO_LEN)
		return 0;
	if (tl_data_hello_decode(data, &h, &err) != 0) {
		CHECK(err.code == EPROTO || err.code == EPROTONOSUPPORT);
		return 0;
	}
	uint8_t again[TL_DATA_HELLO_LEN];
	tl_data_hello_encode(again, &h);
	CHECK(memcmp(again, data, TL_DATA_HELLO_LEN) == 0);
	return FUZZ_CTL_DATA_HELLO;
}

/* (d) */
static unsigned fuzz_cc_mix(const uint8_t *data, size_t size)
{
	if (size > CC_MIX_MAX_INPUT || memchr(data, 0, size))
		return 0;
	char text[CC_MIX_MAX_INPUT + 1];
	memcpy(text, data, size);
	text[size] = '\0';
	struct tl_spec s;
	struct tl_err err = { 0 };
	tl_spec_defaults(&s);
	if (tl_spec_parse_cc_mix(&s, text, &err) != 0) {
		CHECK(err.msg[0] != '\0');
		return 0;
	}
	uint64_t grouped = 0;
	CHECK(s.ngroups <= TL_SPEC_MAX_GROUPS);
	for (uint32_t g = 0; g < s.ngroups; g++) {
		CHECK(s.groups[g].count >= 1 && s.groups[g].opts.cc[0]);
		grouped += s.groups[g].count;
	}
	CHECK(s.ngroups > 0 || s.opts.cc[0]);
	/* A mix the command line accepts, with enough flows, is a spec the agent accepts. */
	if (grouped <= TL_SPEC_MAX_FLOWS) {
		s.flows = grouped ? (uint32_t)grouped : 1;
		check_spec(&s);
	}
	return FUZZ_CTL_CC_MIX;
}

void fuzz_ctl_init(void)
{
	/* A fixed hash seed: the same input always takes the same path. */
	json_object_seed(0x544c4142);
}

unsigned fuzz_ctl_one(const uint8_t *data, size_t size)
{
	return fuzz_frame(data, size) | fuzz_test_body(data, size) | fuzz_data_hello(data, size) |
	       fuzz_cc_mix(data, size) | fuzz_router_body(data, size);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_ctl_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ctl_one(data, size);
	return 0;
}
