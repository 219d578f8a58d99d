/* A router request from another host (ctl/router_req.h), the client's end. */
#include <errno.h>
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
