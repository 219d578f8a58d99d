/* A router request from another host (ctl/router_req.h), the client's end. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "ctl/greet.h"
#include "ctl/proto.h"
#include "ctl/router_req.h"
#include "net/addr.h"
#include "util/clock.h"

/* The agent's forwarder wait (5 s) and a 64 MiB answer on a slow link, with room. */
#define ROUTER_ANSWER_TIMEOUT_NS (30 * TL_NSEC_PER_SEC)
#define ROUTER_SEND_TIMEOUT_NS (10 * TL_NSEC_PER_SEC)

int tl_router_remote(const char *host, uint16_t port, int family, const struct tl_router_req *r,
		     json_t **result, enum tl_router_reason *reason, struct tl_err *err)
{
	struct tl_addr dest;
	json_t *welcome = NULL, *body = NULL, *answer = NULL;
	uint8_t cookie[TL_COOKIE_LEN];
	int fd = -1, ret = -1;
	*result = NULL;
	*reason = TL_ROUTER_FAILED;
	if (tl_addr_resolve(host, port, family, 0, &dest, err) < 0)
		return -1;
	if ((fd = tl_greet_connect(&dest, NULL, err)) < 0)
		return -1;
	if (tl_greet_hello(fd, "router", &welcome, cookie, err) < 0)
		goto out;
	body = tl_router_req_json(r);
	if (!body) {
		tl_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (tl_msg_send(fd, TL_MSG_ROUTER, body, tl_now_ns() + ROUTER_SEND_TIMEOUT_NS, err) < 0 ||
	    tl_msg_recv(fd, TL_MSG_ROUTER_ANSWER, NULL, &answer, tl_now_ns() + ROUTER_ANSWER_TIMEOUT_NS,
			err) < 0)
		goto out;
	ret = tl_router_answer_read(answer, result, reason, err);
out:
	if (fd >= 0)
		close(fd);
	json_decref(welcome);
	json_decref(body);
	json_decref(answer);
	return ret;
}

uint64_t tl_router_series_piece_end(uint64_t from_ns, uint64_t to_ns)
{
	return to_ns - from_ns > TL_ROUTER_REQ_WINDOW_MAX_NS ? from_ns + TL_ROUTER_REQ_WINDOW_MAX_NS
							      : to_ns;
}

static int line_time(const json_t *line, uint64_t *t_ns)
{
	const json_t *t = json_object_get(line, "t_ns");
	if (!json_is_integer(t) || json_integer_value(t) < 0)
		return -1;
	*t_ns = (uint64_t)json_integer_value(t);
	return 0;
}

int tl_router_series_merge(json_t *all, const json_t *piece, struct tl_err *err)
{
	uint64_t last = 0, t;
	size_t n = json_array_size(all), i;
	const json_t *line;
	bool have_last = n > 0 && line_time(json_array_get(all, n - 1), &last) == 0;
	if (!json_is_array(piece))
		return tl_err_set(err, EPROTO, "the agent's series is not an array");
	json_array_foreach (piece, i, line)
		if (line_time(line, &t) < 0)
			return tl_err_set(err, EPROTO, "the agent's series line %zu has no t_ns", i);
	json_array_foreach (piece, i, line) {
		if (line_time(line, &t) == 0 && (!have_last || t > last)) {
			json_array_append(all, (json_t *)line);
			last = t;
			have_last = true;
		}
	}
	return 0;
}

int tl_router_remote_series(const char *host, uint16_t port, int family, const char *name,
			    uint64_t from_ns, uint64_t to_ns, json_t **series,
			    enum tl_router_reason *reason, struct tl_err *err)
{
	struct tl_router_req r = { .op = TL_ROUTER_OP_SERIES };
	json_t *all = json_array(), *piece = NULL;
	int ret = all ? 0 : tl_err_set(err, ENOMEM, "out of memory");
	*series = NULL;
	*reason = TL_ROUTER_FAILED;
	snprintf(r.name, sizeof(r.name), "%s", name);
	for (uint64_t a = from_ns; ret == 0;) {
		uint64_t b = tl_router_series_piece_end(a, to_ns), now = tl_now_ns();
		r.from_ago_ns = now > a ? now - a : 0;
		r.to_ago_ns = now > b ? now - b : 0;
		if (r.from_ago_ns > TL_ROUTER_REQ_AGE_MAX_NS) {
			ret = tl_err_set(err, E2BIG, "the window began %llu s ago; a remote router's series "
					 "reaches back %llu s at most",
					 (unsigned long long)(r.from_ago_ns / TL_NSEC_PER_SEC),
					 (unsigned long long)(TL_ROUTER_REQ_AGE_MAX_NS / TL_NSEC_PER_SEC));
			break;
		}
		ret = tl_router_remote(host, port, family, &r, &piece, reason, err);
		if (ret == 0)
			ret = tl_router_series_merge(all, piece, err);
		json_decref(piece);
		piece = NULL;
		if (b >= to_ns)
			break;
		a = b - TL_ROUTER_REQ_PIECE_OVERLAP_NS;
	}
	if (ret == 0)
		*series = all;
	else
		json_decref(all);
	return ret < 0 ? -1 : 0;
}
