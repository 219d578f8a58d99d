/*
 * tcplab testbed: hosts as network namespaces joined through a userspace bottleneck router.
 *   up [NAME] [LINK OPTIONS]    make a testbed and start its forwarder
 *   set NAME LINK OPTIONS       change the links while it runs
 *   status NAME                 settings and live statistics of the router
 *   exec NAME HOST -- CMD...    run a command on a host
 *   list                        the testbeds of this machine
 *   down NAME                   remove everything the testbed made
 *   _forward NAME --ready-fd N  (internal) the forwarder, started by `up`
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "cmd/link_opts.h"
#include "testbed/config.h"
#include "testbed/ctl.h"
#include "testbed/fwd.h"
#include "testbed/run.h"
#include "testbed/series.h"
#include "testbed/testbed.h"
#include "util/clock.h"
#include "util/parse.h"

#define DEFAULT_NAME "tb"
#define CTL_TIMEOUT_NS (5 * TL_NSEC_PER_SEC)

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tcplab testbed COMMAND ...\n\n"
		"Hosts as network namespaces (senders snd1..sndN and a receiver rcv) joined through a\n"
		"router namespace in which a tcplab process forwards every packet in userspace through\n"
		"an emulated bottleneck: rate, delay, jitter, loss and a queue with taildrop, RED,\n"
		"CoDel, PIE or FQ-CoDel.\n\n"
		"Commands:\n"
		"  up [NAME] [LINK OPTIONS] [--json]   make testbed NAME (default \"" DEFAULT_NAME "\")\n"
		"  set NAME LINK OPTIONS [--json]      change rate, RTT, buffer, AQM, loss, jitter live\n"
		"  status NAME [--json] [--flows N] [--series] [--since DURATION]\n"
		"                                      settings and live router statistics\n"
		"  exec NAME HOST -- CMD [ARGS...]     run CMD on HOST (rcv, snd1, ..., rtr)\n"
		"  list [--json]                       the testbeds of this machine\n"
		"  down NAME [--json]                  remove everything NAME made, and nothing else\n\n"
		"Link options (senders -> receiver; the reverse direction gets the same rate, buffer\n"
		"and AQM, and no loss or jitter, unless given with --rev-...):\n"
		"  --rate RATE          bottleneck rate (default 100mbit; 0 = no limit)\n"
		"  --rtt DURATION[,..]  path RTT, or one per sender: 10ms,100ms (default 40ms)\n"
		"  --buffer SIZE        bytes (64K), packets (100p) or a multiple of rate x RTT (1bdp,\n"
		"                       the default; the largest RTT is used)\n"
		"  --aqm SPEC           taildrop (default), red, codel, pie, fq_codel, gsp, ppv,\n"
		"                       dualpi2, with parameters: codel:target=5ms,interval=100ms,\n"
		"                       gsp:adaptive, ppv:core=pie,weights=2:1  (see tcplab-testbed(1))\n"
		"  --ppv-class flow|host  PPV gives each flow, or each sender host, its share\n"
		"  --loss SPEC          1%% or 0.01 (Bernoulli), ge:p=1%%,r=30%% (Gilbert-Elliott)\n"
		"  --jitter DURATION    uniform +- jitter on the one-way delay\n"
		"  --reorder / --no-reorder   let jitter reorder packets (default: never)\n"
		"  --rev-rate, --rev-buffer, --rev-aqm, --rev-loss, --rev-jitter   the reverse direction\n"
		"  --senders N          sender hosts (default 1; fixed at up)\n"
		"  --seed N             seed of every random draw (default 1; fixed at up)\n"
		"  --pool N             packet buffers of the forwarder (default 65536; fixed at up)\n"
		"  --spin DURATION      at most this long busy-polling before a departure (default 100us)\n"
		"  --prio high|rt|normal  the forwarder runs at nice -20 (default high), SCHED_FIFO,\n"
		"                       or as a normal task\n"
		"  --cpu-latency DURATION|off   hold the CPUs' wake-up latency at most this while the\n"
		"                       testbed runs (0us, the default: idle CPUs poll; off: they sleep)\n"
		"  --isolate on|off     the forwarder on a CPU of its own, the hosts and the commands\n"
		"                       of exec on the others (default off; fixed at up)\n"
		"  --standby on|off     a second forwarder thread on another CPU sends what the first\n"
		"                       is late with after a long sleep (default on)\n\n"
		"Exit status: 0 ok, 1 failed, 2 usage, 3 error.\n");
}

/* An error through cmd_error: as JSON too with --json. */
static int fail(bool json, int code, const char *msg)
{
	return cmd_error("testbed", json ? OUT_JSON : OUT_TABLE, code, msg);
}

static void print_json(const json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
}

enum { O_JSON = 1000, O_FLOWS, O_SERIES, O_SINCE, O_READY_FD };

struct cli {
	json_t *opts; /* the link options given */
	bool json, series;
	uint64_t since_ns;
	unsigned flows;
	int ready_fd;
	int npos;
	char *pos[4]; /* positional arguments */
};

/* Parses argv (from the word after the subcommand) into c; returns 0 or an exit code. */
static int parse(int argc, char **argv, struct cli *c)
{
	struct option lo[CMD_LINK_OPTIONS_MAX + 8];
	size_t n = cmd_link_options(lo, true); /* the link options (cmd/link_opts.h) */
	lo[n++] = (struct option){ "json", no_argument, NULL, O_JSON };
	lo[n++] = (struct option){ "flows", required_argument, NULL, O_FLOWS };
	lo[n++] = (struct option){ "series", no_argument, NULL, O_SERIES };
	lo[n++] = (struct option){ "since", required_argument, NULL, O_SINCE };
	lo[n++] = (struct option){ "ready-fd", required_argument, NULL, O_READY_FD };
	lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[n++] = (struct option){ NULL, 0, NULL, 0 };
	struct tl_err err = { 0 };
	uint64_t v;
	int opt;
	c->opts = json_object();
	c->flows = 32;
	c->ready_fd = -1;
	optind = 1;
	opterr = 0; /* one line of our own instead of getopt's */
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return -TL_EXIT_OK - 100;
		case O_JSON:
			c->json = true;
			break;
		case O_FLOWS:
			if (tl_parse_count("--flows", optarg, 0, 100000, &v, &err) < 0)
				return fail(c->json, TL_EXIT_USAGE, err.msg);
			c->flows = (unsigned)v;
			break;
		case O_SERIES:
			c->series = true;
			break;
		case O_SINCE:
			if (tl_parse_duration("--since", optarg, 1, 365ull * 86400 * TL_NSEC_PER_SEC,
					      &c->since_ns, &err) < 0)
				return fail(c->json, TL_EXIT_USAGE, err.msg);
			c->series = true;
			break;
		case O_READY_FD:
			if (tl_parse_count("--ready-fd", optarg, 3, 1 << 20, &v, &err) < 0)
				return fail(false, TL_EXIT_USAGE, err.msg);
			c->ready_fd = (int)v;
			break;
		default:
			if (cmd_link_option_take(c->opts, opt, optarg))
				break;
			cmd_unknown_option("testbed", argv, &err);
			return fail(c->json, TL_EXIT_USAGE, err.msg);
		}
	}
	for (int i = optind; i < argc; i++) {
		if (c->npos == 4)
			return fail(c->json, TL_EXIT_USAGE, "too many arguments");
		c->pos[c->npos++] = argv[i];
	}
	return 0;
}

static const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	return tl_fmt_duration(ns, buf, (unsigned)len);
}

static void print_settings(const struct tl_testbed_config *c, const json_t *opts)
{
	char r[32], rr[32], b[32], rb[32], d[32];
	printf("  rate %s (reverse %s), RTT %s, buffer %s = %s (reverse %s), aqm %s",
	       c->fwd.rate_bps ? tl_fmt_rate((double)c->fwd.rate_bps, r, sizeof(r)) : "unlimited",
	       c->rev.rate_bps ? tl_fmt_rate((double)c->rev.rate_bps, rr, sizeof(rr)) : "unlimited",
	       tl_testbed_opt(opts, "rtt"), tl_testbed_opt(opts, "buffer"),
	       c->fwd.queue.limit_bytes
		       ? tl_fmt_size((double)c->fwd.queue.limit_bytes, b, sizeof(b))
		       : (snprintf(b, sizeof(b), "%llu packets",
				   (unsigned long long)c->fwd.queue.limit_pkts), b),
	       c->rev.queue.limit_bytes
		       ? tl_fmt_size((double)c->rev.queue.limit_bytes, rb, sizeof(rb))
		       : (snprintf(rb, sizeof(rb), "%llu packets",
				   (unsigned long long)c->rev.queue.limit_pkts), rb),
	       tl_testbed_opt(opts, "aqm"));
	if (c->fwd.loss.kind != TL_LOSS_NONE)
		printf(", loss %s", tl_testbed_opt(opts, "loss"));
	if (c->fwd.jitter_ns)
		printf(", jitter %s", fmt_ns(c->fwd.jitter_ns, d, sizeof(d)));
	printf("\n");
}

static void print_hosts(const struct tl_testbed_state *st)
{
	char a[32];
	for (unsigned i = 0; i < st->plan.nhosts; i++) {
		const struct tl_testbed_host *h = &st->plan.hosts[i];
		printf("  %-5s %-13s netns %s\n", h->name, tl_testbed_fmt_addr(h->addr, a, sizeof(a)),
		       h->netns);
	}
}

static json_t *state_doc(const struct tl_testbed_state *st)
{
	json_t *j = NULL;
	if (tl_testbed_state_to_json(st, &j, NULL) < 0)
		return json_object();
	json_object_set_new(j, "running", json_boolean(tl_testbed_forwarder_alive(st)));
	return j;
}

static int cmd_up(struct cli *c)
{
	const char *name = c->npos > 0 ? c->pos[0] : DEFAULT_NAME;
	if (c->npos > 1)
		return fail(c->json, TL_EXIT_USAGE, "up takes one NAME");
	struct tl_err err = { 0 };
	struct tl_testbed_config *cfg = malloc(sizeof(*cfg));
	if (!cfg)
		return fail(c->json, TL_EXIT_ERROR, "out of memory");
	int code = TL_EXIT_OK;
	if (tl_testbed_name_check(name, &err) < 0 || tl_testbed_config_eval(c->opts, cfg, &err) < 0) {
		code = fail(c->json, TL_EXIT_USAGE, err.msg);
		goto out;
	}
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		code = fail(c->json, TL_EXIT_ERROR, "readlink /proc/self/exe failed");
		goto out;
	}
	exe[n] = '\0';
	struct tl_testbed_state st;
	if (tl_testbed_up(name, c->opts, exe, &st, &err) < 0) {
		code = fail(c->json, TL_EXIT_ERROR, err.msg);
		goto out;
	}
	if (c->json) {
		json_t *j = state_doc(&st);
		print_json(j);
		json_decref(j);
	} else {
		char a[32];
		printf("testbed %s is up: subnet %s/24, forwarder pid %d\n", name,
		       tl_testbed_fmt_addr(st.plan.subnet, a, sizeof(a)), (int)st.forwarder_pid);
		print_hosts(&st);
		print_settings(cfg, c->opts);
		printf("  e.g. tcplab testbed exec %s rcv -- tcplab serve --no-auth &\n"
		       "       tcplab testbed exec %s snd1 -- tcplab stream %s\n",
		       name, name, tl_testbed_fmt_addr(st.plan.hosts[0].addr, a, sizeof(a)));
	}
	tl_testbed_state_free(&st);
out:
	free(cfg);
	return code;
}

static int cmd_down(struct cli *c)
{
	if (c->npos != 1)
		return fail(c->json, TL_EXIT_USAGE, "down takes the NAME of a testbed");
	struct tl_err err = { 0 };
	struct tl_testbed_down_report rep;
	if (tl_testbed_down(c->pos[0], &rep, &err) < 0)
		return fail(c->json, err.code == ENOENT ? TL_EXIT_FAIL : TL_EXIT_ERROR, err.msg);
	json_t *pids = json_array();
	size_t shown = rep.nlingering < 16 ? rep.nlingering : 16;
	for (size_t i = 0; i < shown; i++)
		json_array_append_new(pids, json_integer(rep.lingering[i]));
	if (c->json) {
		json_t *j = json_pack("{s:s, s:b, s:i, s:b, s:o}", "name", c->pos[0], "down", 1,
				      "forwarder_pid", (int)rep.forwarder_pid, "forwarder_killed",
				      rep.forwarder_killed, "lingering_pids", pids);
		print_json(j);
		json_decref(j);
		return TL_EXIT_OK;
	}
	printf("testbed %s is down", c->pos[0]);
	if (rep.forwarder_pid)
		printf(" (forwarder %d ended%s)", (int)rep.forwarder_pid,
		       rep.forwarder_killed ? " with SIGKILL" : "");
	printf("\n");
	if (rep.nlingering) {
		fprintf(stderr, "tcplab testbed: %zu process(es) still run in its host namespaces "
			"and keep them alive until they end:", rep.nlingering);
		for (size_t i = 0; i < shown; i++)
			fprintf(stderr, " %d", (int)rep.lingering[i]);
		fprintf(stderr, "\n");
	}
	json_decref(pids);
	return TL_EXIT_OK;
}

static int cmd_list(struct cli *c)
{
	char(*names)[TL_TESTBED_NAME_MAX + 1] = NULL;
	size_t n = 0;
	struct tl_err err = { 0 };
	if (tl_testbed_names(&names, &n, &err) < 0)
		return fail(c->json, TL_EXIT_ERROR, err.msg);
	json_t *arr = json_array();
	if (!c->json && n)
		printf("%-24s %-16s %-6s %-9s %-12s %-10s %s\n", "NAME", "SUBNET", "HOSTS",
		       "FORWARDER", "RATE", "RTT", "AQM");
	for (size_t i = 0; i < n; i++) {
		struct tl_testbed_state st;
		if (tl_testbed_state_load(names[i], &st, &err) < 0) {
			fprintf(stderr, "tcplab testbed: %s\n", err.msg);
			continue;
		}
		if (c->json) {
			json_array_append_new(arr, state_doc(&st));
		} else {
			char a[32], sub[40];
			snprintf(sub, sizeof(sub), "%s/24",
				 tl_testbed_fmt_addr(st.plan.subnet, a, sizeof(a)));
			printf("%-24s %-16s %-6u %-9s %-12s %-10s %s\n", st.plan.name, sub,
			       st.plan.nhosts, tl_testbed_forwarder_alive(&st) ? "running" : "stopped",
			       tl_testbed_opt(st.options, "rate"), tl_testbed_opt(st.options, "rtt"),
			       tl_testbed_opt(st.options, "aqm"));
		}
		tl_testbed_state_free(&st);
	}
	if (c->json)
		print_json(arr);
	else if (n == 0)
		printf("no testbeds (under %s)\n", tl_testbed_root());
	json_decref(arr);
	free(names);
	return TL_EXIT_OK;
}

static json_t *jget(const json_t *j, const char *path)
{
	/* "fwd.stats.pkts_in": a few levels of objects. */
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", path);
	const json_t *cur = j;
	char *save = NULL;
	for (char *k = strtok_r(buf, ".", &save); k && cur; k = strtok_r(NULL, ".", &save))
		cur = json_object_get(cur, k);
	return (json_t *)cur;
}

static long long jint(const json_t *j, const char *path)
{
	return (long long)json_integer_value(jget(j, path));
}

static void print_dir(const json_t *doc, const char *dir, const char *label)
{
	char r[32], d[32], p50[32], p99[32], bl[32], lim[32];
	const json_t *o = json_object_get(doc, dir);
	long long limb = jint(o, "queue.limit_bytes");
	if (limb)
		tl_fmt_size((double)limb, lim, sizeof(lim));
	else
		snprintf(lim, sizeof(lim), "%lldp", jint(o, "queue.limit_pkts"));
	printf("%-16s %-12s %-9s %-9s %-8s %10lld %10lld %8lld %6lld %6lld %9s %9s %9s\n", label,
	       jint(o, "rate_bps") ? tl_fmt_rate((double)jint(o, "rate_bps"), r, sizeof(r)) : "-",
	       fmt_ns((uint64_t)jint(o, "delay_ns"), d, sizeof(d)),
	       json_string_value(jget(o, "queue.aqm")), lim, jint(o, "stats.pkts_in"),
	       jint(o, "stats.pkts_out"), jint(o, "stats.drops.queue_full"),
	       jint(o, "stats.drops.aqm"), jint(o, "stats.drops.loss"),
	       tl_fmt_size((double)jint(o, "stats.backlog_bytes"), bl, sizeof(bl)),
	       fmt_ns((uint64_t)jint(o, "qdelay_ns.p50"), p50, sizeof(p50)),
	       fmt_ns((uint64_t)jint(o, "qdelay_ns.p99"), p99, sizeof(p99)));
}

static double jnum(const json_t *j, const char *path)
{
	const json_t *v = jget(j, path);
	return json_is_number(v) ? json_number_value(v) : 0.0;
}

/* One line of a GSP, PPV or DualPI2 queue's state (the JSON has it all). */
static void print_aqm(const json_t *doc, const char *dir, const char *label)
{
	const json_t *o = json_object_get(doc, dir);
	const char *aqm = json_string_value(jget(o, "queue.aqm"));
	const json_t *q = json_object_get(o, "qdisc");
	char a[32], b[32];
	if (!aqm || !q)
		return;
	if (strcmp(aqm, "gsp") == 0) {
		printf("%s gsp: interval %s (accumulated %s above the threshold), %lld signals, "
		       "shortest gap %s\n", label, fmt_ns((uint64_t)jint(q, "interval_ns"), a, sizeof(a)),
		       fmt_ns((uint64_t)jint(q, "cumul_ns"), b, sizeof(b)), jint(q, "signals"),
		       jint(q, "min_gap_ns") ? fmt_ns((uint64_t)jint(q, "min_gap_ns"), a, sizeof(a))
					     : "-");
	} else if (strcmp(aqm, "ppv") == 0) {
		printf("%s ppv: threshold value %lld (drop probability %.4f); shares:", label,
		       jint(q, "threshold_value"), jnum(q, "prob"));
		size_t i;
		const json_t *c;
		json_array_foreach(json_object_get(q, "classes"), i, c) {
			if (i >= 8)
				break;
			printf(" %s %.1f%% (%lld drops)", json_string_value(json_object_get(c, "class")),
			       100 * jnum(c, "share"), jint(c, "drops"));
		}
		printf("\n");
	} else if (strcmp(aqm, "dualpi2") == 0) {
		printf("%s dualpi2: p' %.4f, classic p_C %.4f (%lld pkts, delay %s, %lld drops, "
		       "%lld marks), L4S p_CL %.4f (%lld pkts, delay %s, %lld marks)\n", label,
		       jnum(q, "p_base"), jnum(q, "p_c"), jint(q, "classic.pkts"),
		       fmt_ns((uint64_t)jint(q, "classic.qdelay_ns"), a, sizeof(a)),
		       jint(q, "classic.drops"), jint(q, "classic.marks"), jnum(q, "p_cl"),
		       jint(q, "l4s.pkts"), fmt_ns((uint64_t)jint(q, "l4s.qdelay_ns"), b, sizeof(b)),
		       jint(q, "l4s.marks"));
	}
}

/* DELAY in the table is one-way; users read "20 ms" as the RTT, so spell out both. */
static void print_path_delay(const json_t *doc)
{
	uint64_t f = (uint64_t)jint(doc, "fwd.delay_ns"), r = (uint64_t)jint(doc, "rev.delay_ns");
	char a[32], b[32], rtt[32];
	fmt_ns(f + r, rtt, sizeof(rtt));
	/* The odd nanosecond of an odd RTT goes back: still "each way" to the user. */
	if (f == r || f + 1 == r)
		printf("delay %s each way (RTT %s before queueing", fmt_ns(f, a, sizeof(a)), rtt);
	else
		printf("delay %s there and %s back (RTT %s before queueing",
		       fmt_ns(f, a, sizeof(a)), fmt_ns(r, b, sizeof(b)), rtt);
	printf("%s)\n", json_array_size(json_object_get(doc, "access")) > 1
				 ? "; a sender with a larger RTT adds its own delay line, below"
				 : "");
}

static void print_status(const struct tl_testbed_state *st, const json_t *doc)
{
	char up[32];
	printf("testbed %s: forwarder %lld, up %s\n", st->plan.name, jint(doc, "pid"),
	       fmt_ns((uint64_t)jint(doc, "uptime_ns"), up, sizeof(up)));
	print_hosts(st);
	printf("\n%-16s %-12s %-9s %-9s %-8s %10s %10s %8s %6s %6s %9s %9s %9s\n", "DIRECTION",
	       "RATE", "1-WAY DLY", "AQM", "BUFFER", "PKTS IN", "PKTS OUT", "FULL", "AQM", "LOSS",
	       "BACKLOG", "QDELAY50", "QDELAY99");
	print_dir(doc, "fwd", "snd->rcv (fwd)");
	print_dir(doc, "rev", "rcv->snd (rev)");
	print_path_delay(doc);
	print_aqm(doc, "fwd", "snd->rcv");
	print_aqm(doc, "rev", "rcv->snd");
	const json_t *acc = json_object_get(doc, "access");
	size_t i;
	const json_t *a;
	json_array_foreach(acc, i, a) {
		char rtt[32];
		printf("  %s: RTT %s (own delay line %lld + %lld ns)\n",
		       json_string_value(json_object_get(a, "host")),
		       fmt_ns((uint64_t)jint(a, "rtt_ns"), rtt, sizeof(rtt)), jint(a, "fwd_delay_ns"),
		       jint(a, "rev_delay_ns"));
	}
	const json_t *flows = jget(doc, "fwd.flows");
	if (json_array_size(flows)) {
		printf("\nflows snd->rcv (largest first)\n");
		const json_t *fl;
		json_array_foreach(flows, i, fl) {
			if (i >= 10)
				break;
			printf("  %-5s %-22s %-22s %10lld pkts %12lld B %6lld drops\n",
			       json_string_value(json_object_get(fl, "proto")),
			       json_string_value(json_object_get(fl, "src")),
			       json_string_value(json_object_get(fl, "dst")), jint(fl, "pkts_in"),
			       jint(fl, "bytes_in"), jint(fl, "drops"));
		}
	}
	long long kd = 0;
	const json_t *p;
	json_array_foreach(json_object_get(doc, "ports"), i, p)
		kd += jint(p, "rx_kernel_drops");
	printf("\nforwarder: pool %lld/%lld free (lowest %lld), cpu %.2f s user %.2f s sys",
	       jint(doc, "forwarder.pool_free"), jint(doc, "forwarder.pool_size"),
	       jint(doc, "forwarder.pool_min_free"),
	       json_real_value(jget(doc, "forwarder.cpu_user_s")),
	       json_real_value(jget(doc, "forwarder.cpu_system_s")));
	if (kd || jint(doc, "forwarder.no_buffer_drops"))
		printf(", frames lost before the emulator: %lld (socket) %lld (pool)", kd,
		       jint(doc, "forwarder.no_buffer_drops"));
	const json_t *wait = jget(doc, "forwarder.cpu_wait_s"), *steal = jget(doc, "forwarder.steal_percent");
	if (json_is_number(wait))
		printf(", waited %.3f s for a CPU", json_number_value(wait));
	if (json_is_number(steal) && json_number_value(steal) >= 0.05)
		printf(", hypervisor steal %.1f%% of the machine", json_number_value(steal));
	const json_t *sched = jget(doc, "forwarder.sched"), *iso = jget(doc, "forwarder.isolation");
	if (json_is_string(sched) && json_is_string(iso))
		printf("\n           %s, %s", json_string_value(sched), json_string_value(iso));
	const json_t *sb = jget(doc, "forwarder.standby.state");
	if (json_is_string(sb)) {
		printf(", standby %s", json_string_value(sb));
		if (json_is_true(jget(doc, "forwarder.standby.running")))
			printf(" (cpu %lld; sent %lld packets the main loop was late with)",
			       jint(doc, "forwarder.standby.cpu"), jint(doc, "forwarder.standby.sent"));
	}
	printf("\n");
}

static int cmd_status(struct cli *c)
{
	if (c->npos != 1)
		return fail(c->json, TL_EXIT_USAGE, "status takes the NAME of a testbed");
	struct tl_err err = { 0 };
	struct tl_testbed_state st;
	if (tl_testbed_state_load(c->pos[0], &st, &err) < 0)
		return fail(c->json, err.code == ENOENT ? TL_EXIT_FAIL : TL_EXIT_ERROR, err.msg);
	int code = TL_EXIT_OK;
	json_t *doc = NULL, *req = json_pack("{s:s, s:i}", "cmd", "status", "flows", (int)c->flows);
	bool running = tl_testbed_forwarder_alive(&st);
	if (running && tl_testbed_ctl_request(c->pos[0], req, CTL_TIMEOUT_NS, &doc, &err) < 0) {
		code = fail(c->json, TL_EXIT_ERROR, err.msg);
		goto out;
	}
	if (c->json) {
		json_t *j = state_doc(&st);
		if (doc)
			json_object_update(j, doc);
		if (c->series) {
			json_t *series = NULL;
			uint64_t now = tl_now_ns();
			uint64_t from = c->since_ns && c->since_ns < now ? now - c->since_ns : 0;
			if (tl_testbed_series_read(c->pos[0], from, 0, &series, &err) == 0)
				json_object_set_new(j, "series", series);
		}
		print_json(j);
		json_decref(j);
	} else if (!running) {
		printf("testbed %s: forwarder not running (phase %s; 'tcplab testbed down %s' "
		       "removes it)\n", st.plan.name, st.phase, st.plan.name);
		print_hosts(&st);
	} else {
		print_status(&st, doc);
	}
	if (!running)
		code = TL_EXIT_FAIL;
out:
	json_decref(req);
	json_decref(doc);
	tl_testbed_state_free(&st);
	return code;
}

static int cmd_set(struct cli *c)
{
	if (c->npos != 1)
		return fail(c->json, TL_EXIT_USAGE, "set takes the NAME of a testbed");
	if (json_object_size(c->opts) == 0)
		return fail(c->json, TL_EXIT_USAGE, "set: nothing to change (give --rate, --rtt, "
			    "--buffer, --aqm, --loss, --jitter, ...)");
	struct tl_err err = { 0 };
	struct tl_testbed_state st;
	if (tl_testbed_state_load(c->pos[0], &st, &err) < 0)
		return fail(c->json, err.code == ENOENT ? TL_EXIT_FAIL : TL_EXIT_ERROR, err.msg);
	int code = TL_EXIT_OK;
	json_t *resp = NULL, *req = NULL, *opts = json_deep_copy(st.options);
	struct tl_testbed_config *cfg = malloc(sizeof(*cfg));
	const char *key;
	json_t *v;
	json_object_foreach(c->opts, key, v) {
		if (!tl_testbed_opt_runtime(key) &&
		    strcmp(tl_testbed_opt(opts, key), json_string_value(v)) != 0) {
			char msg[160];
			snprintf(msg, sizeof(msg), "--%s is fixed when the testbed is made "
				 "('tcplab testbed down %s' and 'up' again)", key, c->pos[0]);
			code = fail(c->json, TL_EXIT_USAGE, msg);
			goto out;
		}
		json_object_set(opts, key, v);
	}
	if (!cfg || tl_testbed_config_eval(opts, cfg, &err) < 0) {
		code = fail(c->json, TL_EXIT_USAGE, cfg ? err.msg : "out of memory");
		goto out;
	}
	req = json_pack("{s:s, s:O}", "cmd", "set", "options", opts);
	if (tl_testbed_ctl_request(c->pos[0], req, CTL_TIMEOUT_NS, &resp, &err) < 0) {
		code = fail(c->json, TL_EXIT_ERROR, err.msg);
		goto out;
	}
	json_decref(st.options);
	st.options = json_incref(opts);
	if (tl_testbed_state_save(&st, &err) < 0) {
		code = fail(c->json, TL_EXIT_ERROR, err.msg);
		goto out;
	}
	if (c->json) {
		print_json(resp);
	} else {
		printf("testbed %s:\n", c->pos[0]);
		print_settings(cfg, opts);
	}
out:
	free(cfg);
	json_decref(opts);
	json_decref(req);
	json_decref(resp);
	tl_testbed_state_free(&st);
	return code;
}

static int cmd_exec(int argc, char **argv)
{
	/* testbed exec NAME HOST [--] CMD...: options after HOST belong to CMD. */
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return TL_EXIT_OK;
	}
	if (argc < 4 || (argc == 4 && !strcmp(argv[3], "--")))
		return fail(false, TL_EXIT_USAGE, "usage: tcplab testbed exec NAME HOST -- CMD [ARGS]");
	char **cmd = argv + 3;
	if (!strcmp(cmd[0], "--"))
		cmd++;
	struct tl_err err = { 0 };
	/* Without its forwarder the hosts are cut off from each other: a command run there
	 * would fail in ways that do not say why (issue 17: exec returned 0 and said nothing). */
	struct tl_testbed_state st;
	if (tl_testbed_state_load(argv[1], &st, &err) == 0) {
		bool alive = tl_testbed_forwarder_alive(&st);
		pid_t pid = st.forwarder_pid;
		tl_testbed_state_free(&st);
		if (!alive) {
			char msg[300];
			snprintf(msg, sizeof(msg), "testbed %s: its forwarder (pid %d) is not running, so its hosts "
				 "are cut off; take it down and up again ('tcplab testbed down %s')", argv[1],
				 (int)pid, argv[1]);
			return fail(false, TL_EXIT_ERROR, msg);
		}
	}
	if (tl_testbed_enter(argv[1], argv[2], &err) < 0)
		return fail(false, err.code == ENOENT ? TL_EXIT_FAIL : TL_EXIT_ERROR, err.msg);
	/* tcplab commands run here find their testbed (stream embeds the router's series) */
	setenv("TCPLAB_TESTBED", argv[1], 1);
	execvp(cmd[0], cmd);
	fprintf(stderr, "tcplab testbed: exec %s: %s\n", cmd[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

/* The forwarder process: `testbed _forward NAME --ready-fd N`, started by `up`. */
static int cmd_forward(struct cli *c)
{
	struct tl_err err = { 0 };
	struct tl_testbed_state st;
	struct tl_testbed_fwd *f = NULL;
	int code = TL_EXIT_ERROR;
	bool have_state = false;
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (c->npos != 1) {
		snprintf(err.msg, sizeof(err.msg), "_forward takes the NAME of a testbed");
		goto out;
	}
	if (tl_testbed_state_load(c->pos[0], &st, &err) < 0)
		goto out;
	have_state = true;
	if (tl_testbed_netns_enter(st.plan.rtr_netns, &err) < 0)
		goto out;
	if (tl_testbed_fwd_create(&st, &sigs, &f, &err) < 0)
		goto out;
	fprintf(stderr, "tcplab testbed: forwarder of %s running, pid %d\n", c->pos[0],
		(int)getpid());
	if (c->ready_fd >= 0) {
		if (write(c->ready_fd, "ok\n", 3) < 0) {
		}
		close(c->ready_fd);
		c->ready_fd = -1;
	}
	if (tl_testbed_fwd_run(f, &err) < 0)
		goto out;
	fprintf(stderr, "tcplab testbed: forwarder of %s stopped\n", c->pos[0]);
	code = TL_EXIT_OK;
out:
	if (code != TL_EXIT_OK) {
		fprintf(stderr, "tcplab testbed: forwarder: %s\n", err.msg);
		if (c->ready_fd >= 0) {
			dprintf(c->ready_fd, "%s\n", err.msg);
			close(c->ready_fd);
		}
	}
	tl_testbed_fwd_destroy(f);
	if (have_state)
		tl_testbed_state_free(&st);
	return code;
}

int cmd_testbed_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return TL_EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		usage(stdout);
		return TL_EXIT_OK;
	}
	if (!strcmp(sub, "exec"))
		return cmd_exec(argc - 1, argv + 1);
	struct cli c = { 0 };
	int code = parse(argc - 1, argv + 1, &c);
	if (code == -TL_EXIT_OK - 100) {
		code = TL_EXIT_OK;
		goto out;
	}
	if (code)
		goto out;
	if (!strcmp(sub, "up"))
		code = cmd_up(&c);
	else if (!strcmp(sub, "down"))
		code = cmd_down(&c);
	else if (!strcmp(sub, "list"))
		code = cmd_list(&c);
	else if (!strcmp(sub, "status"))
		code = cmd_status(&c);
	else if (!strcmp(sub, "set"))
		code = cmd_set(&c);
	else if (!strcmp(sub, "_forward"))
		code = cmd_forward(&c);
	else
		code = fail(false, TL_EXIT_USAGE, "unknown command (up, set, status, exec, list, "
			    "down; see 'tcplab testbed --help')");
out:
	json_decref(c.opts);
	return code;
}
