#ifndef TCPLAB_TESTBED_TESTBED_H
#define TCPLAB_TESTBED_TESTBED_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "testbed/state.h"
#include "util/err.h"

/*
 * `tcplab testbed`: hosts as network namespaces joined through a userspace bottleneck
 * router. This file brings testbeds up and down; testbed/plan.h names things,
 * testbed/netns.h builds the namespaces, `tcplab router --testbed NAME` (router/testbed.h,
 * over testbed/fwd.h) is the router, testbed/ctl.h talks to it, testbed/series.h reads its
 * time series.
 */

/*
 * Brings testbed name up with the options opts (testbed/config.h): checks them, picks the
 * subnet (past those of other testbeds and of this namespace's routes), writes the state
 * directory, creates the namespaces, and starts the forwarder as `exe router --testbed NAME
 * --ready-fd 3` in its own session (stderr to forwarder.log), waiting until it is ready. On
 * failure everything it made is removed again. *out (freed with tl_testbed_state_free)
 * describes the running testbed.
 */
int tl_testbed_up(const char *name, const json_t *opts, const char *exe,
		  struct tl_testbed_state *out, struct tl_err *err);

struct tl_testbed_down_report {
	pid_t forwarder_pid;    /* 0 if none was running */
	bool forwarder_killed;  /* it needed SIGKILL */
	pid_t lingering[16];    /* processes still inside the host namespaces */
	size_t nlingering;      /* how many in all (may exceed 16) */
};

/*
 * Takes testbed name down: ends its forwarder (by the recorded PID, after checking that
 * the PID still runs `tcplab router --testbed NAME`), deletes exactly the namespaces of its state
 * file and removes its state directory. Processes that still run in a host namespace are
 * listed in rep, not killed: they keep that namespace (and its veth) alive until they end.
 */
int tl_testbed_down(const char *name, struct tl_testbed_down_report *rep, struct tl_err *err);

/*
 * Whether a command line (argv as /proc/PID/cmdline splits it, na words) runs testbed
 * name's router: `tcplab router --testbed NAME` (or --testbed=NAME, anywhere after
 * "router"), as `up` starts it and a user restarts it by hand; or `tcplab testbed _forward
 * NAME`, the form releases before this one started, so that `down` still ends a forwarder
 * of a testbed such a release brought up.
 */
bool tl_testbed_argv_is_forwarder(char *const *args, int na, const char *name);

/* Whether the recorded forwarder PID runs and is this testbed's forwarder: `tcplab router
 * --testbed NAME` (or `tcplab testbed _forward NAME`, as releases before started it). */
bool tl_testbed_forwarder_alive(const struct tl_testbed_state *st);

/*
 * Moves the calling process into host's network namespace of testbed name (host: "rcv",
 * "snd1", ... or "rtr"), with /sys remounted as `ip netns exec` does. For `testbed exec`,
 * which then calls execvp().
 */
int tl_testbed_enter(const char *name, const char *host, struct tl_err *err);

#endif
