#ifndef TCPLAB_ROUTER_TESTBED_H
#define TCPLAB_ROUTER_TESTBED_H

#include "router/ports.h"
#include "testbed/state.h"
#include "util/err.h"

/*
 * `tcplab router --testbed NAME`: the router a testbed runs on the router-side ends of its
 * veths, one port per host (plan.hosts[i].port, in the plan's order: the receiver's first).
 * `testbed up` starts it (testbed/testbed.c), and it can be started by hand to bring back
 * a testbed's router that ended.
 */

/*
 * Loads testbed name's state into st, refuses while another process runs its router,
 * enters its router namespace (the calling thread, for good) and reads its ports into
 * ports. A testbed that is up already (a restart by hand) gets this process's PID in
 * its state file, so `testbed status` and `down` find it; during `up` the testbed
 * records it itself. On failure st is freed.
 */
int tl_router_testbed_open(const char *name, struct tl_testbed_state *st,
			   struct tl_router_ports *ports, struct tl_err *err);

#endif
