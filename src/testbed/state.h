#ifndef TCPLAB_TESTBED_STATE_H
#define TCPLAB_TESTBED_STATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "testbed/plan.h"
#include "util/err.h"

/*
 * Where a testbed keeps what it made, so that `down` removes exactly that:
 *
 *   ROOT/NAME/testbed.json   this file (below), rewritten atomically (temp file + rename)
 *   ROOT/NAME/ctl.sock       the forwarder's control socket (testbed/ctl.h)
 *   ROOT/NAME/series.jsonl   one JSON line per 100 ms from the forwarder (testbed/series.h)
 *   ROOT/NAME/forwarder.log  the forwarder's stderr
 *
 * ROOT is $TCPLAB_TESTBED_DIR if set, else /run/tcplab/testbed.
 *
 * testbed.json, version 1:
 *   { "version": 1, "name": "t1", "phase": "creating" | "up",
 *     "created_unix_ns": 1700000000000000000, "forwarder_pid": 1234 (0: none yet),
 *     "forwarder_cpu": 1 (the CPU set aside for the forwarder, testbed/cpus.h; -1: none),
 *     "subnet": "10.77.3.0/24", "router": { "netns": "tl-t1-rtr" },
 *     "hosts": [ { "name": "rcv", "netns": "tl-t1-rcv", "ifname": "eth0", "port": "rcv",
 *                  "addr": "10.77.3.1", "mac": "02:74:62:4d:03:01" }, ... ],
 *     "options": { "rate": "100mbit", ... } }          (testbed/config.h)
 * Reading checks that every name and address is the one the plan derives from the name
 * and subnet, so a damaged or edited file can never make `down` delete a namespace that
 * the testbed did not create.
 */

#define TL_TESTBED_STATE_VERSION 1
#define TL_TESTBED_DEFAULT_ROOT "/run/tcplab/testbed"

struct tl_testbed_state {
	char phase[16];
	uint64_t created_unix_ns;
	pid_t forwarder_pid;
	int forwarder_cpu; /* -1: the forwarder shares every CPU with the hosts */
	struct tl_testbed_plan plan;
	json_t *options; /* owned; a JSON object of option strings */
};

/* $TCPLAB_TESTBED_DIR or TL_TESTBED_DEFAULT_ROOT. */
const char *tl_testbed_root(void);

/* ROOT/NAME (file NULL) or ROOT/NAME/file into buf. */
int tl_testbed_path(char *buf, size_t len, const char *name, const char *file,
		    struct tl_err *err);

void tl_testbed_state_free(struct tl_testbed_state *st);

int tl_testbed_state_to_json(const struct tl_testbed_state *st, json_t **out, struct tl_err *err);
int tl_testbed_state_from_json(const json_t *j, struct tl_testbed_state *out, struct tl_err *err);

/* Writes ROOT/NAME/testbed.json atomically (the directory must exist). */
int tl_testbed_state_save(const struct tl_testbed_state *st, struct tl_err *err);

/* Reads ROOT/NAME/testbed.json; -ENOENT (message "no testbed NAME") if there is none. */
int tl_testbed_state_load(const char *name, struct tl_testbed_state *out, struct tl_err *err);

/* The names of the testbeds under ROOT, sorted; *names is freed by the caller (free()). */
int tl_testbed_names(char (**names)[TL_TESTBED_NAME_MAX + 1], size_t *n, struct tl_err *err);

#endif
