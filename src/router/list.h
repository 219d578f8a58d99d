#ifndef TCPLAB_ROUTER_LIST_H
#define TCPLAB_ROUTER_LIST_H

/*
 * The routers of this host: every ROOT/NAME (ROOT = tl_router_root()) whose state file
 * tl_router_saved_load reads, for `tcplab router list` here and for the agent's ROUTER
 * "list" (ctl/router_req.h), so both print the same document (docs/router-list.schema.json):
 *
 *   { "root": ROOT,
 *     "routers": [ { "name", "in", "out", "pid", "state": "running" | "stopped",
 *                    "rate", "rtt", "buffer", "aqm" (the forward link's settings, the
 *                    defaults filled in: testbed/config.h), "options" (as the state file
 *                    keeps them), "restore" (stopped only: the command that puts its
 *                    interfaces back) }, ... ],   sorted by name
 *     "truncated": BOOL, "skipped": N }
 *
 * "stopped" is a router whose state file is there but whose process is not: it was killed
 * (SIGKILL, a crash) before it put its interfaces back, and `tcplab router --restore IN`
 * does that. A router that ends normally removes its directory and is no longer listed.
 * Testbeds' own routers live under the testbed root: `tcplab testbed list` lists them.
 *
 * Bounds: the first TL_ROUTER_LIST_MAX names in order ("truncated" says there were more);
 * a name that is not a router name (tl_testbed_name_check) or a directory without a state
 * file is passed over; a state file that cannot be read (damaged, of another version, or
 * naming another router) is counted in "skipped". An absent ROOT is an empty list.
 */

#include <jansson.h>

#include "util/err.h"

#define TL_ROUTER_LIST_MAX 1024

/* The document above in *doc (the caller's); 0, or a negative errno with err set. */
int tl_router_list_doc(json_t **doc, struct tl_err *err);

#endif
