#ifndef TCPLAB_ROUTER_RUN_H
#define TCPLAB_ROUTER_RUN_H

#include <signal.h>

#include "router/ports.h"
#include "testbed/state.h"
#include "util/err.h"

/*
 * The one way a router runs, between two interfaces or on a testbed's veths: take the
 * ports (router/ports.h), set up the forwarder of st on them (testbed/fwd.h), call
 * started(ctx) once it is ready to forward, forward until one of sigs arrives (the caller
 * has blocked them), and put the ports back on the way out, also after a failure.
 * st->plan.hosts[i].port names the interfaces ports read, in the plan's order.
 * Returns 0, or the first error (a failed restore counts when all else went well).
 */
int tl_router_run(const struct tl_testbed_state *st, struct tl_router_ports *ports,
		  const sigset_t *sigs, void (*started)(void *ctx), void *ctx, struct tl_err *err);

#endif
