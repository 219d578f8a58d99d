#ifndef TCPLAB_CTL_CONNECT_H
#define TCPLAB_CTL_CONNECT_H

/*
 * The client's connect phase: all data connections opened in parallel (non-blocking, up to
 * max_inflight at once, at most rate per second), each greeted with the test's cookie and
 * its flow id, then handed on. Unlike a loop of blocking connects, 100 flows on a 200 ms path
 * take one round trip, not twenty seconds (esnet/iperf#254).
 */

#include <stdint.h>

#include "ctl/frame.h"
#include "net/addr.h"
#include "util/err.h"

struct tl_connect_params {
	const struct tl_addr *dest;
	const struct tl_addr *src;      /* NULL: the kernel picks */
	uint32_t count;
	uint64_t rate;                  /* connections per second; 0 = as fast as possible */
	uint32_t max_inflight;
	uint64_t timeout_ns;            /* per connection */
	int agent_backlog;              /* for the message when SYNs go unanswered */
	uint8_t cookie[TL_COOKIE_LEN];
	/* Socket options before connect(); 0 or negative with err. */
	int (*prepare)(void *ctx, uint32_t conn, int fd, struct tl_err *err);
	/* Takes the connected, greeted socket (always, also when it fails). */
	int (*connected)(void *ctx, uint32_t conn, int fd, struct tl_err *err);
	void (*progress)(void *ctx, uint32_t done, uint32_t total);
	/* Optional: connection conn's own destination (NULL: dest). */
	const struct tl_addr *(*dest_of)(void *ctx, uint32_t conn);
	void *ctx;
};

int tl_connect_all(const struct tl_connect_params *p, struct tl_err *err);

/* The message for a failed connect, with the cause and the remedy (shared with crr). */
int tl_connect_error(struct tl_err *err, int err_no, const struct tl_addr *dest, uint32_t conn,
		     int agent_backlog);

#endif
