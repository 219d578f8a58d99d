#ifndef TCPLAB_TESTBED_FWD_H
#define TCPLAB_TESTBED_FWD_H

#include <signal.h>

#include "testbed/state.h"
#include "util/err.h"

/*
 * The forwarder: the one process that moves packets between a testbed's hosts. It runs in
 * the router namespace, its packet path on one thread at a time:
 *
 *   port sndI --recvmmsg--> [access line I: extra delay] --> fwd link (loss, queue, rate,
 *                                                           delay, jitter) --> port rcv
 *   port rcv  --recvmmsg--> rev link --> [access line I] --> port sndI   (by destination MAC)
 *
 * Links are the clock-driven emu/link.h model; the loop reads the monotonic clock in ns,
 * sleeps in epoll_pwait2() with a ns timeout (timer slack set to 1 ns) until the next link
 * event or the next packet, and busy-polls instead when the next event is nearer than
 * --spin, so a departure is not late by the scheduler's wake-up time. Packets live in a
 * preallocated pool (testbed/pool.h): nothing is allocated per packet. Frames that are not
 * IP (ARP) are passed on at once, outside the emulated links.
 *
 * It also serves the control socket (testbed/ctl.h) and writes the series file
 * (testbed/series.h) every 100 ms. With --standby on and two CPUs or more, a second thread
 * on another CPU sends what the main loop is late with (fwd_standby.c): in a VM, a vCPU
 * is now and then away for longer than the packets may wait.
 */

struct tl_testbed_fwd;

/*
 * Sets up the forwarder of st (copied) in the calling process, which must already be in
 * the router namespace (tl_testbed_netns_enter): ports, pool, links, the control socket and
 * the series file. sigs are the signals that stop it; the caller has blocked them.
 */
int tl_testbed_fwd_create(const struct tl_testbed_state *st, const sigset_t *sigs,
			  struct tl_testbed_fwd **out, struct tl_err *err);

/* Forwards until one of the signals arrives. Returns 0, or an error that stopped it. */
int tl_testbed_fwd_run(struct tl_testbed_fwd *f, struct tl_err *err);

/* Closes everything; packets still held are dropped. NULL is ok. */
void tl_testbed_fwd_destroy(struct tl_testbed_fwd *f);

#endif
