#ifndef TCPLAB_TESTBED_RUN_H
#define TCPLAB_TESTBED_RUN_H

#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

/*
 * Setting a testbed up runs iproute2's `ip`, `ethtool` and `sysctl` (Debian packages that
 * scripts/deps.sh installs): they are setup-time only, and a person can repeat each exact
 * command by hand. The packets themselves never touch them.
 */

/* The directory of named network namespaces (iproute2's NETNS_RUN_DIR). */
#define TL_NETNS_DIR "/run/netns"

/*
 * Runs argv (argv[0] found through PATH) with its stdout discarded, inside the network
 * namespace netns (a name under /run/netns; NULL: the caller's), and waits for it. Returns 0
 * if it exited 0, else a negative value with err naming the command, how it ended and the
 * first line it wrote to stderr.
 */
int tl_testbed_run(const char *netns, char *const argv[], struct tl_err *err);

/* Moves the calling thread into the network namespace netns (setns CLONE_NEWNET). */
int tl_testbed_netns_enter(const char *netns, struct tl_err *err);

/*
 * Like `ip netns exec` does before it runs a command: a private mount namespace with /sys
 * remounted, so /sys/class/net shows the interfaces of the namespace just entered. Best
 * effort: the network namespace alone is what matters, so failures are ignored.
 */
void tl_testbed_netns_remount_sys(void);

/* Whether /run/netns/netns exists. */
int tl_testbed_netns_exists(const char *netns);

/*
 * The processes (other than the caller) whose network namespace is netns, up to max in
 * pids; *n gets how many were found in all (it may exceed max).
 */
int tl_testbed_netns_pids(const char *netns, pid_t *pids, size_t max, size_t *n,
			  struct tl_err *err);

#endif
