#ifndef TCPLAB_TESTBED_CPUS_H
#define TCPLAB_TESTBED_CPUS_H

#include <sched.h>
#include <stddef.h>

#include "util/err.h"

/*
 * CPU isolation (--isolate on; off by default): the forwarder gets a CPU of its own and the hosts the
 * others, as software routers are run. The forwarder pins itself to the highest CPU the
 * caller of `up` may use; the hosts' receive work is steered off it (RPS: each host's
 * interface's rps_cpus mask) and the commands run by `testbed exec` get every CPU but it.
 * Why: this kernel does not preempt a task inside a system call (PREEMPT_NONE, the
 * default of many distribution kernels), so a host's long sendmsg() on the forwarder's CPU
 * held the forwarder off for up to milliseconds; and veth runs the receiving host's TCP
 * stack in the softirq of whoever transmits, the forwarder, unless RPS moves it.
 */

/* The forwarder's CPU: the highest in the calling thread's affinity, or -1 if it has
 * fewer than two CPUs (nothing to isolate from). */
int tl_testbed_cpus_pick(void);

/* The calling thread's CPUs without `cpu`; returns how many are left. */
int tl_testbed_cpus_others(int cpu, cpu_set_t *out);

/* `set` as the kernel writes a cpumask in sysfs: hex, 32-bit groups joined by commas
 * ("3", "ff,ffffffff"). */
int tl_testbed_cpus_mask_hex(const cpu_set_t *set, char *buf, size_t len, struct tl_err *err);

#endif
