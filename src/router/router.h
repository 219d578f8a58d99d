#ifndef TCPLAB_ROUTER_ROUTER_H
#define TCPLAB_ROUTER_ROUTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "router/iface.h"
#include "testbed/plan.h"
#include "testbed/state.h"
#include "util/err.h"

/*
 * `tcplab router`: the testbed's forwarder (testbed/fwd.h) between two interfaces of this
 * host, as a bump in the wire: frames from IN cross the forward link (rate, delay, jitter,
 * loss, the queue and its AQM) to OUT, frames from OUT the reverse link to IN. The hosts on
 * either side share one IP subnet; the router has and needs no address.
 *
 * It runs as a testbed with one sender whose two ports are IN (the sender's) and OUT (the
 * receiver's), so every option, the control socket and the series are the testbed's own
 * code. Its ports are prepared and the forwarder run by router/ports.h and router/run.h,
 * as for a testbed's own router (router/testbed.h). Its files, under ROOT =
 * $TCPLAB_ROUTER_DIR or /run/tcplab/router:
 *
 *   ROOT/NAME/router.json    written before anything is changed, removed at the end
 *   ROOT/NAME/ctl.sock       the control socket (testbed/ctl.h), mode 0600
 *   ROOT/NAME/series.jsonl   one line per 100 ms (testbed/series.h)
 *
 * router.json, version 1:
 *   { "version": 1, "name": "NAME", "pid": 1234, "netns_ino": 4026531840,
 *     "in": {iface}, "out": {iface} (router/iface.h: the offloads as found),
 *     "options": { "rate": "100mbit", ... } (testbed/config.h) }
 */

#define TL_ROUTER_DEFAULT_ROOT "/run/tcplab/router"
#define TL_ROUTER_STATE_VERSION 1

struct tl_router_saved {
	char name[TL_TESTBED_NAME_MAX + 1];
	pid_t pid;
	uint64_t netns_ino; /* the network namespace the interfaces are in */
	struct tl_router_iface in, out;
	json_t *options; /* owned */
};

/* $TCPLAB_ROUTER_DIR or TL_ROUTER_DEFAULT_ROOT. */
const char *tl_router_root(void);

/*
 * Checks the pair before anything is touched: both exist, they differ, and neither holds
 * this namespace's default route (IPv4 or IPv6) unless force: forwarding on it would cut
 * this host off the network.
 */
int tl_router_check_ifaces(const char *in, const char *out, bool force, struct tl_err *err);

/* The inode of the calling thread's network namespace (0 if unknown). */
uint64_t tl_router_netns_ino(void);

void tl_router_saved_free(struct tl_router_saved *s);
int tl_router_saved_write(const struct tl_router_saved *s, struct tl_err *err);
/* -ENOENT with "no router NAME" if there is none. */
int tl_router_saved_load(const char *name, struct tl_router_saved *out, struct tl_err *err);
/* Whether ROOT/name holds a router's state file (what tl_router_saved_load reads). */
bool tl_router_saved_exists(const char *name);

/* Whether the recorded PID still runs a `tcplab router`. */
bool tl_router_alive(const struct tl_router_saved *s);

/*
 * The router whose state file names ifname in this network namespace: its name into
 * name (TL_TESTBED_NAME_MAX + 1 bytes). 0 if found, -ENOENT if none.
 */
int tl_router_find_iface(const char *ifname, char *name, struct tl_err *err);

/* Removes ROOT/NAME and the files a router makes there. */
void tl_router_remove_dir(const char *name);

/* The forwarder's state for router name: one sender on port in, the receiver on out. */
int tl_router_fwd_state(const struct tl_router_saved *s, struct tl_testbed_state *st,
			struct tl_err *err);

#endif
