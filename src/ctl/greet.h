#ifndef TCPLAB_CTL_GREET_H
#define TCPLAB_CTL_GREET_H

/*
 * The client's side of the greeting every control connection begins with (ctl/proto.h):
 * connecting, HELLO, WELCOME and, when the agent asks, AUTH with this user's key
 * (ctl/auth.h: $TCPLAB_KEY, else ~/.config/tcplab/id_ed25519). A test (ctl/client.c) and a
 * router request (ctl/router_client.h) go on from there.
 */

#include <jansson.h>
#include <stdint.h>

#include "ctl/frame.h"
#include "net/addr.h"
#include "util/err.h"

/* The control connection to dest (from src, when not NULL): a non-blocking socket with
 * TCP_NODELAY, or -1 with err naming why (refused, no answer within 10 s). */
int tl_greet_connect(const struct tl_addr *dest, const struct tl_addr *src, struct tl_err *err);

/*
 * HELLO {tcplab, workload, nonce}, the agent's WELCOME into *welcome (the caller's; its
 * "cookie" removed: the test's credential stays private) and the cookie into cookie, then
 * AUTH when WELCOME asks for it. 0, or -1 with err (*welcome NULL).
 */
int tl_greet_hello(int fd, const char *workload, json_t **welcome, uint8_t cookie[TL_COOKIE_LEN],
		   struct tl_err *err);

#endif
