#ifndef TCPLAB_CTL_ROUTER_REQ_H
#define TCPLAB_CTL_ROUTER_REQ_H

/*
 * A router request over the agent's control connection (ctl/proto.h: ROUTER, answered by
 * ROUTER_ANSWER): a client on another host asks about a `tcplab router` that runs on the
 * agent's host, in the agent's network namespace, under the agent's TCPLAB_ROUTER_DIR.
 *
 *   ROUTER {"router": NAME, "op": "status", "flows": N}          N 0..100000 (default 32)
 *   ROUTER {"router": NAME, "op": "set", "options": {KEY: "VALUE", ...}}
 *          the link options given (testbed/config.h keys, string values), laid over the
 *          router's own as `tcplab router set` does on its host
 *   ROUTER {"router": NAME, "op": "series", "from_ago_ns": A, "to_ago_ns": B}
 *          the series lines of the window [now - A, now - B] on the agent's clock
 *          (B <= A <= TL_ROUTER_REQ_AGE_MAX_NS, A - B <= TL_ROUTER_REQ_WINDOW_MAX_NS): the
 *          two hosts' monotonic clocks differ, so the client says how long ago, and the
 *          window is off by the request's one-way delay (the series' own period is 100 ms);
 *          a longer window is asked for in pieces (tl_router_remote_series)
 *
 *   ROUTER {"op": "list"}
 *          every router of the agent's host (router/list.h): no "router" (a list with one
 *          is refused, as is any op this agent does not know); the answer is the document
 *          `tcplab router list --json` prints there, at most TL_ROUTER_LIST_MAX routers
 *
 *   ROUTER_ANSWER {"result": <status document | set's {"ok", "options"} | series array |
 *                  list document>}
 *   ROUTER_ANSWER {"error": MESSAGE, "reason": "no_router" | "not_running" | "refused" |
 *                  "failed"}
 *
 * Only an authenticated client reaches this on an agent with --authorized-keys: whoever may
 * run tests there may also read and set its routers.
 */

#include <jansson.h>
#include <stdint.h>

#include "testbed/plan.h"
#include "util/err.h"

/* The longest series window one request may ask for (6000 lines of 100 ms, ~7 MB). */
#define TL_ROUTER_REQ_WINDOW_MAX_NS (600ull * 1000000000ull)
/* How long ago a window may begin: the agent keeps about an hour (testbed/series.h); the
 * bound keeps the arithmetic and a hostile client's ask finite. */
#define TL_ROUTER_REQ_AGE_MAX_NS (24ull * 3600ull * 1000000000ull)
/* Consecutive pieces of a longer window overlap by this much, so that the clock offset of
 * two requests cannot leave a line out between them; the merge keeps each line once. */
#define TL_ROUTER_REQ_PIECE_OVERLAP_NS (1000000000ull)
#define TL_ROUTER_REQ_FLOWS_MAX 100000u
#define TL_ROUTER_REQ_FLOWS_DEFAULT 32u

enum tl_router_op { TL_ROUTER_OP_STATUS = 1, TL_ROUTER_OP_SET, TL_ROUTER_OP_SERIES, TL_ROUTER_OP_LIST };

struct tl_router_req {
	enum tl_router_op op;
	char name[TL_TESTBED_NAME_MAX + 1]; /* "" for list */
	unsigned flows;                  /* status */
	json_t *options;                 /* set: owned (tl_router_req_free) */
	uint64_t from_ago_ns, to_ago_ns; /* series */
};

/* Why a request failed, as the answer says it (the client's exit status follows it). */
enum tl_router_reason {
	TL_ROUTER_FAILED = 0,
	TL_ROUTER_NO_ROUTER,   /* no router of that name there */
	TL_ROUTER_NOT_RUNNING, /* its state is there, its process is not */
	TL_ROUTER_REFUSED,     /* the request's values (an option fixed at start, a bad rate) */
};

/* The body a client sends (NULL when out of memory). */
json_t *tl_router_req_json(const struct tl_router_req *r);
/* Checks and reads a ROUTER body from the network: 0, or -EPROTO with err naming the field. */
int tl_router_req_parse(const json_t *body, struct tl_router_req *out, struct tl_err *err);
void tl_router_req_free(struct tl_router_req *r);

/* The agent's side: does r on this host, and builds the ROUTER_ANSWER body (never NULL
 * unless out of memory). Bounded by the forwarder's TL_ROUTER_OPS_TIMEOUT_NS. */
json_t *tl_router_req_serve(const struct tl_router_req *r);

/* A ROUTER_ANSWER body read: 0 with *result (the caller's), or -1 with err the agent's
 * message and *reason. */
int tl_router_answer_read(const json_t *answer, json_t **result, enum tl_router_reason *reason,
			  struct tl_err *err);

const char *tl_router_reason_name(enum tl_router_reason r);
/* The reason for a router/ops.h error code (ENOENT, ESRCH, EINVAL, other). */
enum tl_router_reason tl_router_reason_of(int code);
/* "status", "set", "series", "list" (for logs). */
const char *tl_router_op_name(enum tl_router_op op);

/*
 * The client's side (router_client.c): sends r to the agent at host:port (family AF_UNSPEC,
 * AF_INET or AF_INET6) after the greeting and authentication a test has (ctl/greet.h), and
 * waits for the answer (at most TL_MSG_ROUTER_ANSWER's limit, within 30 s). 0 with *result
 * (the caller's); -1 with err and *reason (TL_ROUTER_FAILED for a connection or protocol
 * failure, an authentication refused).
 */
int tl_router_remote(const char *host, uint16_t port, int family, const struct tl_router_req *r,
		     json_t **result, enum tl_router_reason *reason, struct tl_err *err);

/*
 * The series of router name on host over [from_ns, to_ns] of this host's CLOCK_MONOTONIC,
 * however long: asked for in pieces of at most TL_ROUTER_REQ_WINDOW_MAX_NS, oldest first,
 * merged into one array in *series (the caller's). -1 with err and *reason as
 * tl_router_remote, or E2BIG when the window began more than TL_ROUTER_REQ_AGE_MAX_NS ago.
 */
int tl_router_remote_series(const char *host, uint16_t port, int family, const char *name,
			    uint64_t from_ns, uint64_t to_ns, json_t **series,
			    enum tl_router_reason *reason, struct tl_err *err);

/* Where the piece of [from_ns, to_ns] that begins at from_ns ends. */
uint64_t tl_router_series_piece_end(uint64_t from_ns, uint64_t to_ns);

/*
 * Appends to all the lines of piece (a series array) that are newer than all's last one by
 * their "t_ns", in order: overlapping pieces give each line once. 0, or -EPROTO when piece
 * is not an array of objects with an integer t_ns (all keeps what it had).
 */
int tl_router_series_merge(json_t *all, const json_t *piece, struct tl_err *err);

#endif
