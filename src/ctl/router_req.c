/*
 * The ROUTER request's body, both ends (ctl/router_req.h): what a client's bytes decide is
 * read in tl_router_req_parse, which the fuzz target reaches (tests/fuzz/fuzz_ctl.c), before
 * tl_router_req_serve touches a router.
 */
#include "ctl/router_req.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/proto.h"
#include "router/list.h"
#include "router/ops.h"
#include "testbed/config.h"
#include "util/clock.h"

static const char *const op_names[] = { [TL_ROUTER_OP_STATUS] = "status",
					[TL_ROUTER_OP_SET] = "set",
					[TL_ROUTER_OP_SERIES] = "series",
					[TL_ROUTER_OP_LIST] = "list" };
#define NOPS (sizeof(op_names) / sizeof(op_names[0]))
static const char *const reason_names[] = { [TL_ROUTER_FAILED] = "failed",
					    [TL_ROUTER_NO_ROUTER] = "no_router",
					    [TL_ROUTER_NOT_RUNNING] = "not_running",
					    [TL_ROUTER_REFUSED] = "refused" };
#define NREASONS (sizeof(reason_names) / sizeof(reason_names[0]))

const char *tl_router_reason_name(enum tl_router_reason r)
{
	return (unsigned)r < NREASONS ? reason_names[r] : "failed";
}

const char *tl_router_op_name(enum tl_router_op op)
{
	return op >= TL_ROUTER_OP_STATUS && (unsigned)op < NOPS ? op_names[op] : "?";
}

json_t *tl_router_req_json(const struct tl_router_req *r)
{
	if (r->op == TL_ROUTER_OP_LIST)
		return json_pack("{s:s}", "op", op_names[r->op]);
	json_t *j = json_pack("{s:s, s:s}", "router", r->name, "op", op_names[r->op]);
	if (!j)
		return NULL;
	if (r->op == TL_ROUTER_OP_STATUS)
		json_object_set_new(j, "flows", json_integer(r->flows));
	else if (r->op == TL_ROUTER_OP_SET)
		json_object_set(j, "options", r->options);
	else if (json_object_set_new(j, "from_ago_ns", json_integer((json_int_t)r->from_ago_ns)) < 0 ||
		 json_object_set_new(j, "to_ago_ns", json_integer((json_int_t)r->to_ago_ns)) < 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int parse_op(const json_t *body, struct tl_router_req *out, struct tl_err *err)
{
	uint64_t v = TL_ROUTER_REQ_FLOWS_DEFAULT;
	switch (out->op) {
	case TL_ROUTER_OP_STATUS:
		if (tl_json_get_u64(body, "flows", 0, TL_ROUTER_REQ_FLOWS_MAX, 0, &v, err) < 0)
			return -EPROTO;
		out->flows = (unsigned)v;
		return 0;
	case TL_ROUTER_OP_SET: {
		const json_t *o = json_object_get(body, "options");
		struct tl_err cerr = { 0 };
		if (!json_is_object(o))
			return tl_err_set(err, EPROTO, "ROUTER set: \"options\" is not an object");
		if (tl_testbed_opts_check(o, &cerr) < 0)
			return tl_err_set(err, EPROTO, "ROUTER set: %s", cerr.msg);
		out->options = json_deep_copy(o);
		return out->options ? 0 : tl_err_set(err, ENOMEM, "out of memory");
	}
	case TL_ROUTER_OP_SERIES:
		if (tl_json_get_u64(body, "from_ago_ns", 0, TL_ROUTER_REQ_AGE_MAX_NS, 1,
				    &out->from_ago_ns, err) < 0 ||
		    tl_json_get_u64(body, "to_ago_ns", 0, out->from_ago_ns, 1, &out->to_ago_ns, err) < 0)
			return -EPROTO;
		if (out->from_ago_ns - out->to_ago_ns > TL_ROUTER_REQ_WINDOW_MAX_NS)
			return tl_err_set(err, EPROTO, "ROUTER series: a window of %llu s is longer than "
					  "%llu s (ask for it in pieces)",
					  (unsigned long long)((out->from_ago_ns - out->to_ago_ns) / 1000000000ull),
					  (unsigned long long)(TL_ROUTER_REQ_WINDOW_MAX_NS / 1000000000ull));
		return 0;
	case TL_ROUTER_OP_LIST:
		return 0;
	}
	return tl_err_set(err, EPROTO, "ROUTER: no operation");
}

/* "op" into out->op: 0, or -EPROTO naming it. */
static int parse_op_name(const json_t *body, struct tl_router_req *out, struct tl_err *err)
{
	const char *op = NULL;
	if (tl_json_get_str(body, "op", 16, 1, &op, err) < 0)
		return -EPROTO;
	for (unsigned i = 1; i < NOPS; i++)
		if (!strcmp(op, op_names[i]))
			out->op = (enum tl_router_op)i;
	if (!out->op)
		return tl_err_set(err, EPROTO, "ROUTER: unknown \"op\" \"%s\" (status, set, series, "
				  "list)", op);
	return 0;
}

int tl_router_req_parse(const json_t *body, struct tl_router_req *out, struct tl_err *err)
{
	const char *name = NULL;
	memset(out, 0, sizeof(*out));
	if (!json_is_object(body))
		return tl_err_set(err, EPROTO, "ROUTER: the body is not a JSON object");
	/* list names no router: one given is a client that means something else */
	if (json_is_string(json_object_get(body, "op")) &&
	    !strcmp(json_string_value(json_object_get(body, "op")), op_names[TL_ROUTER_OP_LIST])) {
		out->op = TL_ROUTER_OP_LIST;
		return json_object_get(body, "router")
			       ? tl_err_set(err, EPROTO, "ROUTER list: \"router\" does not go with "
					    "list (it lists every router; ask status for one)")
			       : 0;
	}
	if (tl_json_get_str(body, "router", TL_TESTBED_NAME_MAX, 1, &name, err) < 0 ||
	    parse_op_name(body, out, err) < 0)
		return -EPROTO;
	if (tl_testbed_name_check(name, NULL) < 0)
		return tl_err_set(err, EPROTO, "ROUTER: \"router\" \"%s\" is no router name (1 to %d of "
				  "A-Z a-z 0-9 _ -)", name, TL_TESTBED_NAME_MAX);
	snprintf(out->name, sizeof(out->name), "%s", name);
	int ret = parse_op(body, out, err);
	if (ret < 0)
		tl_router_req_free(out);
	return ret;
}

void tl_router_req_free(struct tl_router_req *r)
{
	json_decref(r->options);
	r->options = NULL;
}

enum tl_router_reason tl_router_reason_of(int code)
{
	switch (code) {
	case ENOENT: return TL_ROUTER_NO_ROUTER;
	case ESRCH: return TL_ROUTER_NOT_RUNNING;
	case EINVAL: return TL_ROUTER_REFUSED;
	default: return TL_ROUTER_FAILED;
	}
}

json_t *tl_router_req_serve(const struct tl_router_req *r)
{
	struct tl_err err = { 0 };
	struct tl_testbed_config *cfg = NULL;
	json_t *result = NULL;
	int ret;
	if (r->op == TL_ROUTER_OP_STATUS) {
		ret = tl_router_status_doc(r->name, r->flows, &result, &err);
	} else if (r->op == TL_ROUTER_OP_SET) {
		ret = tl_router_set(r->name, r->options, &result, &cfg, &err);
		free(cfg);
	} else if (r->op == TL_ROUTER_OP_LIST) {
		ret = tl_router_list_doc(&result, &err);
	} else {
		uint64_t now = tl_now_ns();
		uint64_t from = now > r->from_ago_ns ? now - r->from_ago_ns : 0;
		ret = tl_router_series(r->name, from, now - r->to_ago_ns, &result, &err);
	}
	if (ret < 0) {
		json_decref(result);
		return json_pack("{s:s, s:s}", "error", err.msg[0] ? err.msg : "failed", "reason",
				 tl_router_reason_name(tl_router_reason_of(err.code ? err.code : -ret)));
	}
	return json_pack("{s:o}", "result", result);
}

int tl_router_answer_read(const json_t *answer, json_t **result, enum tl_router_reason *reason,
			  struct tl_err *err)
{
	const char *msg = json_string_value(json_object_get(answer, "error"));
	const char *why = json_string_value(json_object_get(answer, "reason"));
	*result = NULL;
	*reason = TL_ROUTER_FAILED;
	if (msg) {
		for (unsigned i = 0; why && i < NREASONS; i++)
			if (!strcmp(why, reason_names[i]))
				*reason = (enum tl_router_reason)i;
		return tl_err_set(err, EIO, "%s", msg);
	}
	json_t *res = json_object_get(answer, "result");
	if (!res)
		return tl_err_set(err, EPROTO, "the agent's ROUTER_ANSWER has neither \"result\" nor "
				  "\"error\"");
	*result = json_incref(res);
	return 0;
}
