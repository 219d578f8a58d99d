#ifndef TCPLAB_TESTBED_CONFIG_H
#define TCPLAB_TESTBED_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "emu/link.h"
#include "testbed/plan.h"
#include "util/err.h"

/*
 * A testbed's settings, kept as the option strings people wrote ("rate": "100mbit",
 * "rtt": "10ms,100ms", "aqm": "codel:target=5ms") in a JSON object, and evaluated into link
 * specs by tl_testbed_config_eval(). Keeping the strings means that `set --rate` re-derives
 * a buffer given as "1bdp", that the state file reads as the command line did, and that
 * the command line, `set` and the forwarder all parse with the same code.
 *
 * Keys (every value a string; an absent key takes its default):
 *   senders  "1"        number of sender hosts (fixed at `up`)
 *   rate     "100mbit"  bottleneck rate, senders -> receiver ("0": no limit)
 *   rtt      "40ms"     path RTT, or one per sender: "10ms,100ms"
 *   buffer   "1bdp"     bottleneck buffer: bytes, packets ("100p") or a multiple of
 *                       rate x the largest RTT
 *   aqm      "taildrop" discipline and parameters (tl_qspec_parse)
 *   loss     "0"        random loss (tl_loss_parse), senders -> receiver
 *   jitter   "0"        uniform +- jitter on the one-way delay, senders -> receiver
 *   reorder  "off"      let jitter reorder packets
 *   rev-rate, rev-buffer, rev-aqm   the receiver -> senders direction; absent: as rate,
 *                       buffer, aqm
 *   rev-loss "0", rev-jitter "0"    the receiver -> senders direction
 *   seed     "1"        every random draw (loss, jitter, RED, PIE) derives from it (fixed at `up`)
 *   pool     "65536"    packet buffers in the forwarder (fixed at `up`)
 *   spin     "400us"    at most this long the forwarder busy-polls before an event (fwd.h)
 *   prio     "high"     the forwarder runs SCHED_OTHER at nice -20: it preempts the hosts'
 *                       programs on wake-up and is never throttled (fwd.h); "rt":
 *                       SCHED_FIFO priority 10; "normal": SCHED_OTHER at nice 0
 *   cpu-latency "0us"   while the forwarder runs, hold this CPU wake-up latency through PM QoS
 *                       (testbed/cpu_latency.h); "0us": idle CPUs poll; "off": no request
 *   isolate  "off"      all share all CPUs; "on": the forwarder on a CPU of its own, the
 *                       hosts on the others (testbed/cpus.h) (fixed at `up`)
 *   spread   "off"      "on": the forwarder on a CPU of its own and each host's receive work
 *                       (RPS) on the others, the hosts' programs anywhere (fixed at `up`)
 *   ppv-class ""        PPV's marker measures each flow's rate ("flow") or each sender
 *                       host's ("host"); "": the aqm's class= (default flow)
 *   standby  "on"       a second forwarder thread, on another CPU, sends what the first is
 *                       late with after a long sleep (testbed/fwd.h); "off": one thread
 *
 * Delay: the smallest RTT is split between the shared link's two directions (half each,
 * the odd nanosecond on the way back); a sender whose RTT is larger has the difference on
 * its own access line, again half each way, before the bottleneck on the way in and after
 * it on the way back.
 */

enum tl_testbed_prio {
	TL_TESTBED_PRIO_NORMAL, /* SCHED_OTHER, nice 0 */
	TL_TESTBED_PRIO_HIGH,   /* SCHED_OTHER, nice -20 */
	TL_TESTBED_PRIO_RT,     /* SCHED_FIFO, priority 10 */
};

/* "normal", "high" or "rt". */
const char *tl_testbed_prio_name(enum tl_testbed_prio p);

/*
 * The net.core.netdev_max_backlog advised with --spread: the receiving host's packets then
 * wait in another CPU's input queue, and at the kernel's default of 1000 that queue
 * overflowed at 100 flows through 1 Gbit/s (about 550 packets a second lost outside the
 * emulated links); at 10000 it did not (bench/results/testbed.md, run 22). The forwarder
 * counts such drops (its status' and series' backlog_drops).
 */
#define TL_TESTBED_BACKLOG_ADVISED 10000

struct tl_testbed_config {
	unsigned senders;
	uint64_t rtt_ns[TL_TESTBED_SENDERS_MAX];
	uint64_t min_rtt_ns, max_rtt_ns;
	uint64_t bdp_bytes; /* rate x max RTT / 8, senders -> receiver (0 with no rate) */
	uint64_t seed;
	uint32_t pool;
	uint64_t spin_ns;
	enum tl_testbed_prio prio; /* how the forwarder is scheduled */
	int32_t cpu_latency_us; /* PM QoS request held by the forwarder; -1: none */
	bool isolate;           /* a CPU of its own for the forwarder (testbed/cpus.h) */
	bool spread;            /* the hosts' receive work off the forwarder's CPU (RPS) */
	bool standby;           /* a second thread covers late wake-ups (testbed/fwd.h) */
	struct tl_link_spec fwd, rev; /* the shared bottleneck, each direction */
	/* Per-sender delay lines (no rate, no loss), used when senders > 1. */
	struct tl_link_spec access_fwd[TL_TESTBED_SENDERS_MAX];
	struct tl_link_spec access_rev[TL_TESTBED_SENDERS_MAX];
};

/* Whether key is a known option; whether it may change while the testbed runs. */
bool tl_testbed_opt_known(const char *key);
bool tl_testbed_opt_runtime(const char *key);

/* The value of key in opts, or its default ("" for an absent rev-rate/-buffer/-aqm). */
const char *tl_testbed_opt(const json_t *opts, const char *key);

/* Sets key to value in opts after checking that the key is known. */
int tl_testbed_opt_set(json_t *opts, const char *key, const char *value, struct tl_err *err);

/* Checks every key and value type of opts (a JSON object of strings). */
int tl_testbed_opts_check(const json_t *opts, struct tl_err *err);

/* Parses every option of opts into out. Messages name the option ("--rate \"x\": ..."). */
int tl_testbed_config_eval(const json_t *opts, struct tl_testbed_config *out, struct tl_err *err);

/*
 * `set`: the options of a running forwarder (current) with the given ones laid over, in
 * *merged (the caller's, json_decref), and their evaluation in *cfg (malloc'd, the caller
 * frees it; both also on failure). given is checked first (known keys, string values: it may
 * come from the network); an option fixed at start that would change is refused (-EINVAL),
 * with fixed_hint saying how to change it ("the router starts (stop it and start it again)").
 */
int tl_testbed_opts_merge(const json_t *current, const json_t *given, const char *fixed_hint,
			  json_t **merged, struct tl_testbed_config **cfg, struct tl_err *err);

#endif
