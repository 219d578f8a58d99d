#ifndef TCPLAB_CTL_DATA_LISTEN_H
#define TCPLAB_CTL_DATA_LISTEN_H

/*
 * Per-test data ports for flows the agent receives with a fixed buffer (--rcvbuf).
 *
 * The window scale of a connection is chosen in the SYN exchange [RFC7323 §2.2] from the
 * receive buffer the socket has then; SO_RCVBUF set on an accepted socket is too late [tcp(7)]. The agent's shared port
 * listens with the default buffer (the scale fits the largest autotuned window), so a 4 KiB
 * --rcvbuf set after accept() advertised windows the buffer could not hold and the transfer
 * collapsed to a few hundred kbit/s on loopback. So the agent opens one listener per distinct
 * --rcvbuf of the flows it receives, with SO_RCVBUF set before listen(), and tells the client
 * their ports in ACCEPT ("data_ports"); the client connects those flows there, greeted with
 * the test's cookie as on the shared port. Both ends derive the same plan from the spec.
 */

#include <jansson.h>
#include <stdint.h>

#include "ctl/frame.h"
#include "ctl/spec.h"
#include "net/addr.h"
#include "util/err.h"

#define TL_DATA_LISTEN_MAX (TL_SPEC_MAX_GROUPS + 1)

struct tl_data_plan {
	uint32_t n;
	uint64_t rcvbuf[TL_DATA_LISTEN_MAX];
};

void tl_data_plan_make(const struct tl_spec *s, struct tl_data_plan *out);
/* The plan's listener for connection conn, or -1: the agent's shared port. */
int tl_data_plan_slot(const struct tl_spec *s, const struct tl_data_plan *p, uint32_t conn);

/* The agent's listeners of one test. */
struct tl_data_listeners {
	struct tl_data_plan plan;
	int fd[TL_DATA_LISTEN_MAX];
	uint16_t port[TL_DATA_LISTEN_MAX];
};

/* Opens the plan's listeners on local's address (port 0 each). Close with _close, also on error. */
int tl_data_listeners_open(struct tl_data_listeners *l, const struct tl_spec *s,
			   const struct tl_addr *local, struct tl_err *err);
void tl_data_listeners_close(struct tl_data_listeners *l);
/* [port, ...] in plan order, for ACCEPT. */
json_t *tl_data_listeners_ports_json(const struct tl_data_listeners *l);

struct tl_side;
/*
 * Accepts what waits on listener i; reads each connection's greeting (until deadline_ns),
 * hands those with the test's cookie and a flow of this listener to the side. A stranger is
 * closed and counted in *refused. Returns 0, or -1 when the side refused a flow.
 */
int tl_data_listeners_accept(struct tl_data_listeners *l, uint32_t i, const struct tl_spec *s,
			     const uint8_t cookie[TL_COOKIE_LEN], struct tl_side *side,
			     uint64_t deadline_ns, uint32_t *refused, struct tl_err *err);

#endif
