#ifndef TCPLAB_ROUTER_PORTS_H
#define TCPLAB_ROUTER_PORTS_H

#include <stdbool.h>

#include "router/iface.h"
#include "testbed/plan.h"
#include "util/err.h"

/*
 * The interfaces a router forwards between, prepared one way whoever runs it: two for
 * `tcplab router --in IF --out IF`, a testbed's N + 1 router-side veths for `tcplab router
 * --testbed NAME`. Preparing a port reads its offloads as found, turns GRO, LRO, GSO and TSO
 * off and holds it promiscuous (router/iface.h says why); releasing it drops the
 * promiscuous hold and sets every offload back to what was found.
 */

#define TL_ROUTER_PORTS_MAX TL_TESTBED_HOSTS_MAX

struct tl_router_ports {
	unsigned n;
	struct tl_router_iface ifs[TL_ROUTER_PORTS_MAX]; /* offloads as found */
	int promisc_fd[TL_ROUTER_PORTS_MAX];             /* -1: not held */
	bool changed;                                    /* offloads may differ from ifs */
};

/* Reads the n interfaces (in this network namespace) into p; nothing is changed yet. */
int tl_router_ports_read(struct tl_router_ports *p, const char *const *names, unsigned n,
			 struct tl_err *err);

/* Turns every port's offloads off and holds it promiscuous. On failure the caller still
 * calls tl_router_ports_release, which undoes what was done. */
int tl_router_ports_take(struct tl_router_ports *p, struct tl_err *err);

/* Drops the promiscuous holds and restores the offloads; every port is tried, the first
 * error is kept. Safe after a failed or no take. */
int tl_router_ports_release(struct tl_router_ports *p, struct tl_err *err);

#endif
