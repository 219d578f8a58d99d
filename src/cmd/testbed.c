/*
 * tcplab testbed: hosts as network namespaces joined through a userspace bottleneck router.
 *   up [NAME] [LINK OPTIONS]    make a testbed and start its forwarder
 *   set NAME LINK OPTIONS       change the links while it runs
 *   status NAME                 settings and live statistics of the router
 *   exec NAME HOST -- CMD...    run a command on a host
 *   list                        the testbeds of this machine
 *   down NAME                   remove everything the testbed made
 * The forwarder `up` starts is `tcplab router --testbed NAME` (cmd/router.c).
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
#include "sys/sysctl.h"
#include "testbed/config.h"
#include "testbed/ctl.h"
#include "testbed/run.h"
#include "testbed/series.h"
#include "testbed/testbed.h"
#include "util/clock.h"
#include "util/parse.h"

#define DEFAULT_NAME "tb"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tcplab testbed COMMAND ...\n\n"
		"Hosts as network namespaces (senders snd1..sndN and a receiver rcv) joined through a\n"
		"router namespace in which a tcplab process forwards every packet in userspace through\n"
		"an emulated bottleneck: rate, delay, jitter, loss and a queue with taildrop, RED,\n"
		"CoDel, PIE or FQ-CoDel.\n\n"
		"Commands:\n"
		"  up [NAME] [LINK OPTIONS]            make testbed NAME (default \"" DEFAULT_NAME "\")\n"
		"  set NAME LINK OPTIONS               change rate, RTT, buffer, AQM, loss, jitter live\n"
		"  status NAME [--flows N] [--series] [--since DURATION]\n"
		"                                      settings and live router statistics\n"
		"  exec NAME HOST -- CMD [ARGS...]     run CMD on HOST (rcv, snd1, ..., rtr)\n"
		"  list                                the testbeds of this machine\n"
		"  down NAME                           remove everything NAME made, and nothing else\n"
		"  up, set, status, list and down take --json (the answer as JSON) and --json-file FILE\n"
		"  (the JSON document also into FILE, beside the text)\n\n"
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
		"  --spin DURATION      at most this long busy-polling before a departure (default 400us)\n"
		"  --prio high|rt|normal  the forwarder runs at nice -20 (default high), SCHED_FIFO,\n"
		"                       or as a normal task\n"
		"  --cpu-latency DURATION|off   hold the CPUs' wake-up latency at most this while the\n"
		"                       testbed runs (0us, the default: idle CPUs poll; off: they sleep)\n"
		"  --isolate on|off     the forwarder on a CPU of its own, the hosts and the commands\n"
		"                       of exec on the others (default off; fixed at up)\n"
		"  --spread on|off      the forwarder on a CPU of its own, the hosts' receive work\n"
		"                       (RPS) on the others, their programs anywhere: for many\n"
		"                       flows (default off; fixed at up)\n"
		"  --standby on|off     a second forwarder thread on another CPU sends what the first\n"
		"                       is late with after a long sleep (default on)\n\n"
		"Exit status: 0 ok, 1 failed, 2 usage, 3 error.\n");
}

#define CMD "testbed"

enum { O_SERIES = 1000, O_SINCE };

struct cli {
	struct cmd_link_cli l;  /* the link options, --json, --json-file, --flows */
	bool json, series;
	uint64_t since_ns;
	int npos;
	char *pos[4]; /* positional arguments */
};

/* Whether a JSON document is wanted anywhere: standard output (--json) or a --json-file. */
static bool want_json(const struct cli *c)
{
	return cmd_outputs_want(&c->l.out, OUT_JSON);
}

/* testbed's own options (cmd_link_parse takes the shared ones). */
static int take(void *ctx, int opt, const char *arg, struct tl_err *err)
{
	struct cli *c = ctx;
	int rc;
	switch (opt) {
	case O_SERIES:
		c->series = true;
		return 1;
	case O_SINCE:
		rc = tl_parse_duration("--since", arg, 1, 365ull * 86400 * TL_NSEC_PER_SEC,
				       &c->since_ns, err);
		c->series = true;
		return rc < 0 ? rc : 1;
	}
	return 0;
}

/* Parses argv (from the word after the subcommand) into c; returns 0, -1 for --help, or an
 * exit code (with the error said). */
static int parse(int argc, char **argv, struct cli *c)
{
	static const struct option own[] = {
		{ "series", no_argument, NULL, O_SERIES },
		{ "since", required_argument, NULL, O_SINCE },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd_link_extra extra = { own, take, c };
	int rc = cmd_link_parse(argc, argv, CMD, true, &extra, usage, &c->l);
	c->json = c->l.out.format[0] == OUT_JSON;
	if (rc)
		return rc;
	for (int i = optind; i < argc; i++) {
		if (c->npos == 4)
			return cmd_link_fail(&c->l, CMD, TL_EXIT_USAGE, "too many arguments");
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
		return cmd_link_fail(&c->l, CMD, TL_EXIT_USAGE, "up takes one NAME");
	struct tl_err err = { 0 };
	struct tl_testbed_config *cfg = malloc(sizeof(*cfg));
	if (!cfg)
		return cmd_link_fail(&c->l, CMD, TL_EXIT_ERROR, "out of memory");
	int code = TL_EXIT_OK;
	if (tl_testbed_name_check(name, &err) < 0 || tl_testbed_config_eval(c->l.opts, cfg, &err) < 0) {
		code = cmd_link_fail(&c->l, CMD, TL_EXIT_USAGE, err.msg);
		goto out;
	}
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		code = cmd_link_fail(&c->l, CMD, TL_EXIT_ERROR, "readlink /proc/self/exe failed");
		goto out;
	}
	exe[n] = '\0';
	struct tl_testbed_state st;
	if (tl_testbed_up(name, c->l.opts, exe, &st, &err) < 0) {
		code = cmd_link_fail(&c->l, CMD, TL_EXIT_ERROR, err.msg);
		goto out;
	}
	if (want_json(c)) {
		json_t *j = state_doc(&st);
		cmd_outputs_json(&c->l.out, j);
		json_decref(j);
	}
	uint64_t backlog;
	if (cfg->spread && tl_sysctl_read_u64("net.core.netdev_max_backlog", &backlog, NULL) == 0 &&
	    backlog < TL_TESTBED_BACKLOG_ADVISED)
		fprintf(stderr, "tcplab testbed: note: net.core.netdev_max_backlog is %llu; with --spread "
			"the receiving host's packets wait in another CPU's input queue, which overflows "
			"at high packet rates and drops them outside the emulated links: sysctl -w "
			"net.core.netdev_max_backlog=%d\n", (unsigned long long)backlog,
			TL_TESTBED_BACKLOG_ADVISED);
	if (!c->json) {
		char a[32];
		printf("testbed %s is up: subnet %s/24, forwarder pid %d\n", name,
		       tl_testbed_fmt_addr(st.plan.subnet, a, sizeof(a)), (int)st.forwarder_pid);
		print_hosts(&st);
		print_settings(cfg, c->l.opts);
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
		return cmd_link_fail(&c->l, CMD, TL_EXIT_USAGE, "down takes the NAME of a testbed");
	struct tl_err err = { 0 };
	struct tl_testbed_down_report rep;
	if (tl_testbed_down(c->pos[0], &rep, &err) < 0)
		return cmd_link_fail(&c->l, CMD, err.code == ENOENT ? TL_EXIT_FAIL : TL_EXIT_ERROR, err.msg);
	json_t *pids = json_array();
	size_t shown = rep.nlingering < 16 ? rep.nlingering : 16;
	for (size_t i = 0; i < shown; i++)
		json_array_append_new(pids, json_integer(rep.lingering[i]));
	if (want_json(c)) {
		json_t *j = json_pack("{s:s, s:b, s:i, s:b, s:O}", "name", c->pos[0], "down", 1,
				      "forwarder_pid", (int)rep.forwarder_pid, "forwarder_killed",
				      rep.forwarder_killed, "lingering_pids", pids);
		cmd_outputs_json(&c->l.out, j);
		json_decref(j);
	}
	if (c->json) {
		json_decref(pids);
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
		return cmd_link_fail(&c->l, CMD, TL_EXIT_ERROR, err.msg);
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
		if (want_json(c))
			json_array_append_new(arr, state_doc(&st));
		if (!c->json) {
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
	if (want_json(c))
		cmd_outputs_json(&c->l.out, arr);
	if (!c->json && n == 0)
		printf("no testbeds (under %s)\n", tl_testbed_root());
	json_decref(arr);
	free(names);
	return TL_EXIT_OK;
}

/* The status document, as --json prints it: the testbed's state, the forwarder's part while it
 * runs, and with --series the router's series (only for a JSON output). */
static int status_doc(const struct cli *c, const struct tl_testbed_state *st, json_t **out,
		      struct tl_err *err)
{
	json_t *fwd = NULL;
	*out = NULL;
	if (tl_testbed_forwarder_alive(st) && cmd_link_status(c->pos[0], c->l.flows, &fwd, err) < 0)
		return -1;
	json_t *j = state_doc(st);
	if (fwd)
		json_object_update(j, fwd);
	json_decref(fwd);
	bool any_json = false;
	for (int i = 0; i < c->l.out.n; i++)
		any_json |= c->l.out.format[i] == OUT_JSON;
	if (c->series && any_json) {
		json_t *series = NULL;
		uint64_t now = tl_now_ns();
		uint64_t from = c->since_ns && c->since_ns < now ? now - c->since_ns : 0;
		if (tl_testbed_series_read(c->pos[0], from, 0, &series, err) == 0)
			json_object_set_new(j, "series", series);
	}
	*out = j;
	return 0;
}

static int cmd_status(struct cli *c)
{
	if (c->npos != 1)
		return cmd_link_fail(&c->l, CMD, TL_EXIT_USAGE, "status takes the NAME of a testbed");
	struct tl_err err = { 0 };
	struct tl_testbed_state st;
	if (tl_testbed_state_load(c->pos[0], &st, &err) < 0)
		return cmd_link_fail(&c->l, CMD, err.code == ENOENT ? TL_EXIT_FAIL : TL_EXIT_ERROR, err.msg);
	int code = tl_testbed_forwarder_alive(&st) ? TL_EXIT_OK : TL_EXIT_FAIL;
	json_t *doc = NULL;
	if (status_doc(c, &st, &doc, &err) < 0 ||
	    cmd_link_status_put(&c->l, CMD_LINK_TESTBED, doc, &err) < 0)
		code = cmd_link_fail(&c->l, CMD, TL_EXIT_ERROR, err.msg);
	json_decref(doc);
	tl_testbed_state_free(&st);
	return code;
}

static int cmd_set(struct cli *c)
{
	if (c->npos != 1)
		return cmd_link_fail(&c->l, CMD, TL_EXIT_USAGE, "set takes the NAME of a testbed");
	if (json_object_size(c->l.opts) == 0)
		return cmd_link_fail(&c->l, CMD, TL_EXIT_USAGE, "set: nothing to change (give "
				     "--rate, --rtt, --buffer, --aqm, --loss, --jitter, ...)");
	struct tl_err err = { 0 };
	struct tl_testbed_state st;
	if (tl_testbed_state_load(c->pos[0], &st, &err) < 0)
		return cmd_link_fail(&c->l, CMD, err.code == ENOENT ? TL_EXIT_FAIL : TL_EXIT_ERROR, err.msg);
	int code = TL_EXIT_OK;
	json_t *resp = NULL, *opts = NULL;
	struct tl_testbed_config *cfg = NULL;
	char hint[128];
	snprintf(hint, sizeof(hint), "the testbed is made ('tcplab testbed down %s' and 'up' again)",
		 c->pos[0]);
	if ((code = cmd_link_apply(&c->l, CMD, c->pos[0], st.options, hint, &opts, &cfg, &resp)) != 0)
		goto out;
	json_decref(st.options);
	st.options = json_incref(opts);
	if (tl_testbed_state_save(&st, &err) < 0) {
		code = cmd_link_fail(&c->l, CMD, TL_EXIT_ERROR, err.msg);
		goto out;
	}
	cmd_outputs_json(&c->l.out, resp);
	if (!c->json) {
		printf("testbed %s:\n", c->pos[0]);
		print_settings(cfg, opts);
	}
out:
	free(cfg);
	json_decref(opts);
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
		return cmd_error(CMD, OUT_TABLE, TL_EXIT_USAGE, "usage: tcplab testbed exec NAME HOST -- CMD [ARGS]");
	char **cmd = argv + 3;
	if (!strcmp(cmd[0], "--"))
		cmd++;
	struct tl_err err = { 0 };
	/* Without its forwarder the hosts are cut off from each other: a command run there
	 * would fail in ways that do not say why (exec once returned 0 and said nothing). */
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
			return cmd_error(CMD, OUT_TABLE, TL_EXIT_ERROR, msg);
		}
	}
	if (tl_testbed_enter(argv[1], argv[2], &err) < 0)
		return cmd_error(CMD, OUT_TABLE, err.code == ENOENT ? TL_EXIT_FAIL : TL_EXIT_ERROR, err.msg);
	/* tcplab commands run here find their testbed (stream embeds the router's series) */
	setenv("TCPLAB_TESTBED", argv[1], 1);
	execvp(cmd[0], cmd);
	fprintf(stderr, "tcplab testbed: exec %s: %s\n", cmd[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
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
	struct tl_err err = { 0 };
	int code = parse(argc - 1, argv + 1, &c);
	if (code == -1) {
		code = TL_EXIT_OK;
		goto out;
	}
	if (code)
		goto out;
	/* before the command: a --json-file that cannot be written costs no testbed */
	if (cmd_outputs_open(&c.l.out, &err) < 0) {
		code = cmd_link_fail(&c.l, CMD, TL_EXIT_USAGE, err.msg);
		goto out;
	}
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
	else
		code = cmd_error(CMD, OUT_TABLE, TL_EXIT_USAGE, "unknown command (up, set, status, "
				 "exec, list, down; see 'tcplab testbed --help')");
out:
	if (cmd_outputs_close(&c.l.out, &err) < 0 && code == TL_EXIT_OK)
		code = cmd_error(CMD, OUT_TABLE, TL_EXIT_ERROR, err.msg);
	json_decref(c.l.opts);
	return code;
}
