#ifndef TCPLAB_TESTBED_FWD_PATH_H
#define TCPLAB_TESTBED_FWD_PATH_H

/*
 * The packet path (fwd_path.c): frames read from the ports enter the emulated links at the
 * kernel's receive time; what the links let go is sent on the port it is for, in one
 * sendmmsg per port and pass. All with the forwarder's lock held.
 */

#include "testbed/fwd_state.h"

/* Gives a packet the link dropped back to the pool (the links' drop callback; ctx: f). */
void tl_testbed_fwd_path_drop(void *ctx, struct tl_pkt *p, enum tl_drop_cause cause,
			      uint64_t now_ns);

/* Reads what port `in` has (up to RX_ROUNDS batches) into the links. */
void tl_testbed_fwd_path_rx_port(struct tl_testbed_fwd *f, unsigned in);

/* Frames that arrived while nobody looked enter the links at their own times first. */
void tl_testbed_fwd_path_read_ports(struct tl_testbed_fwd *f);

/* Moves every packet whose time has come one stage on, and sends what leaves the router. */
void tl_testbed_fwd_path_run_links(struct tl_testbed_fwd *f, uint64_t now_ns);

/* The next time a link may send a packet (UINT64_MAX: none queued). */
uint64_t tl_testbed_fwd_path_next_departure(const struct tl_testbed_fwd *f);

/* Reads every port and sends whatever is due by now, as the main loop does. */
void tl_testbed_fwd_path_catch_up(struct tl_testbed_fwd *f);

#endif
