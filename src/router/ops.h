#ifndef TCPLAB_ROUTER_OPS_H
#define TCPLAB_ROUTER_OPS_H

/*
 * What `router status`, `router set` and the series do to a running router, in one place
 * for the two callers: `tcplab router` on the router's own host, and the agent (`tcplab
 * serve`) when an authenticated client asks from another host (ctl/router_req.h). The
 * requests to the forwarder go through its control socket (testbed/ctl.h), the series is
 * read from its files (testbed/series.h); the router's root is tl_router_root().
 *
 * Errors: -ENOENT "no router NAME (under ROOT)" when there is none; -ESRCH when its state
 * file is there but its process is gone; -EINVAL when a set is refused for its options;
 * another negative errno otherwise.
 */

#include <jansson.h>
#include <stdint.h>

#include "router/router.h"
#include "util/err.h"

struct tl_testbed_config;

/* What the forwarder gets to answer (its control socket's client waits no longer). */
#define TL_ROUTER_OPS_TIMEOUT_NS (5ull * 1000000000ull)

/* The running router name, its state file in *s (tl_router_saved_free when done). */
int tl_router_running(const char *name, struct tl_router_saved *s, struct tl_err *err);

/*
 * The status document of router name with its flows largest flows of each direction, and
 * "router" {name, in, out} (docs/router-status.schema.json), in *doc (the caller's).
 */
int tl_router_status_doc(const char *name, unsigned flows, json_t **doc, struct tl_err *err);

/*
 * Lays the given link options over the router's, asks its forwarder to apply them and keeps
 * them in its state file: *resp is the forwarder's answer {"ok": true, "options": {...}};
 * *cfg (malloc'd, may be NULL) the options' evaluation, for a summary. The caller frees both,
 * also on failure.
 */
int tl_router_set(const char *name, const json_t *given, json_t **resp,
		  struct tl_testbed_config **cfg, struct tl_err *err);

/* The series lines of router name whose t_ns (this host's CLOCK_MONOTONIC) is within
 * [from_ns, to_ns], oldest first, as a new array in *out. */
int tl_router_series(const char *name, uint64_t from_ns, uint64_t to_ns, json_t **out,
		     struct tl_err *err);

#endif
