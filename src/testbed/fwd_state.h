#ifndef TCPLAB_TESTBED_FWD_STATE_H
#define TCPLAB_TESTBED_FWD_STATE_H

/*
 * The forwarder's state, shared by its files; each file's functions are declared in its
 * own header (fwd_path.h, fwd_apply.h, fwd_standby.h, fwd_stats.h, fwd_ctl.h, fwd_aqm.h),
 * which include this one and nothing of each other's but what they call:
 *
 *   fwd.c (create, the main loop) -> fwd_path, fwd_apply, fwd_standby, fwd_stats, fwd_ctl
 *   fwd_ctl.c -> fwd_apply, fwd_stats      fwd_stats.c -> fwd_standby, fwd_aqm
 *   fwd_standby.c -> fwd_path              fwd_path.c, fwd_apply.c, fwd_aqm.c -> this only
 */

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "emu/lhist.h"
#include "emu/link.h"
#include "measure/cpu.h"
#include "sys/softnet.h"
#include "testbed/config.h"
#include "testbed/cpu_latency.h"
#include "testbed/ctl.h"
#include "testbed/pool.h"
#include "testbed/port.h"
#include "testbed/series.h"
#include "testbed/state.h"

#define FWD_CTL_CONNS 8
#define FWD_PORT_FLOOD 0xffffu

struct fwd_conn {
	int fd;               /* -1: slot free */
	struct tl_testbed_ctl_conn io; /* the request in, the answer out (testbed/ctl.h) */
	uint64_t deadline_ns; /* dropped if not done by then */
};

/*
 * The standby thread (fwd_standby.c). Everything here is guarded by the forwarder's lock.
 */
struct fwd_standby {
	bool started, quit;
	pthread_t thread;
	pthread_cond_t cond;  /* on CLOCK_MONOTONIC */
	uint64_t due_ns;      /* when to look whether the main loop has sent what was due */
	bool due_is_departure; /* due_ns is a departure's (armed): poll for it, SPIN_NS */
	uint64_t asleep_ns;   /* the due it sleeps towards (UINT64_MAX: none), 0 while awake */
	cpu_set_t allowed;    /* the CPUs it may use: the forwarder's before --isolate pinned it */
	int main_cpu;         /* where the main loop last went to sleep */
	int avoided_cpu;      /* the CPU left out of its affinity now, -1 none */
	int cpu;              /* where it last slept */
	uint64_t stood_in_ns; /* when it last found the main loop late, 0: not standing in */
	pid_t tid;
	char note[160];       /* why it is not running, or empty */
	uint64_t arms, looks, catch_ups, sent;
};

/* One direction of the bottleneck with its totals since start. */
struct fwd_dir {
	struct tl_link *link;
	struct tl_lhist *cum_qdelay, *cum_qlen; /* every period merged in */
	struct tl_link_stats last;              /* at the previous series line */
};

struct tl_testbed_fwd {
	/*
	 * The packet path (ports, pool, links, counters) belongs to whichever thread holds
	 * this: the main loop, except while it waits, or the standby.
	 */
	pthread_mutex_t lock;
	/*
	 * When the main loop began to wait for the lock, 0 while it does not (read without
	 * the lock): the standby gives the packet path back to a main loop that waits.
	 */
	_Atomic uint64_t main_wait_ns;
	struct fwd_standby standby;
	struct tl_testbed_state st;
	struct tl_testbed_config cfg;
	struct tl_testbed_pool pool;
	struct tl_testbed_port ports[TL_TESTBED_HOSTS_MAX]; /* ports[i] faces plan.hosts[i] */
	unsigned nports;
	uint16_t port_of_octet[256]; /* last address byte -> port, FWD_PORT_FLOOD if none */
	struct fwd_dir fwd, rev;
	bool access;                 /* per-sender delay lines in use (more than one sender) */
	struct tl_link *acc_fwd[TL_TESTBED_HOSTS_MAX], *acc_rev[TL_TESTBED_HOSTS_MAX];
	struct tl_pkt *txq[TL_TESTBED_HOSTS_MAX][TL_TESTBED_BATCH];
	unsigned ntx[TL_TESTBED_HOSTS_MAX];
	int ep, sigfd, ctl_fd;
	struct fwd_conn conns[FWD_CTL_CONNS];
	struct tl_testbed_series series;
	uint64_t start_ns, next_series_ns, last_series_ns;
	uint64_t now_ns; /* the loop's time for the packets it is moving */
	uint64_t rx_seen_ns; /* when the loop last learned which ports had frames */
	/* Forwarder counters. */
	uint64_t no_buffer;  /* frames read into scratch and dropped: the pool was empty */
	uint64_t non_ip;     /* frames passed outside the links (ARP) */
	uint64_t flooded;    /* receiver frames to an unknown MAC, sent to every sender */
	uint64_t wakeups, spins;
	uint64_t departures; /* packets sent off a link */
	uint64_t main_seen_ns; /* when the main loop last took or left the lock */
	uint64_t oversleep_avg_ns; /* how late timed waits end, on average (spin_margin) */
	uint64_t oversleep_dev_ns; /* and the mean deviation of that */
	uint64_t spin_allowance_ns; /* polling allowed per wait this period (spin_budget) */
	uint64_t spin_ns_period, waits_period, cpu_ns_last;
	char prio_note[160]; /* why --prio could not be applied, or empty */
	struct tl_cpu_latency cpu_latency;
	char cpu_latency_note[160]; /* why --cpu-latency could not be applied, or empty */
	char isolate_note[160]; /* why --isolate could not pin the forwarder, or empty */
	/*
	 * Why packets may have left late: the loop waited for a CPU (run queue, from
	 * schedstat) or the hypervisor took the CPUs (steal, from /proc/stat). *_start at
	 * create, *_last at the previous series line; have_*: the file could be read.
	 */
	struct tl_sched_time wait_start, wait_last;
	struct tl_sys_cpu sys_start, sys_last;
	bool have_wait, have_sys;
	/*
	 * Packets this host's kernel dropped because a CPU's input queue was full
	 * (/proc/net/softnet_stat column 2, all CPUs) at create: frames lost outside the
	 * emulated links, on their way to the router's ports or from them into a host
	 * (with --spread the receiving host's work waits in another CPU's queue).
	 */
	uint64_t backlog_drops_start;
	bool have_softnet;
	/* How late packets left against their due time (ready_ns): the loop's own error. */
	struct tl_lhist *late, *late_period;
	uint8_t scratch[TL_TESTBED_BATCH][TL_TESTBED_BUF_SIZE];
	bool stop;
};

/* epoll data tags: which kind of fd an event is for, and its index. */
#define FWD_EV_PORT 0x10000u
#define FWD_EV_CONN 0x20000u
#define FWD_EV_SIG 0x30000u
#define FWD_EV_LISTEN 0x40000u

#endif
