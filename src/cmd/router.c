/*
 * tcplab router: the testbed's emulated bottleneck between two interfaces of this host.
 *   router --in IF --out IF [--name NAME] [LINK OPTIONS]   forward until SIGINT/SIGTERM
 *   router set [--name NAME | --in IF --out IF] LINK OPTIONS
 *   router status [--name NAME | --in IF --out IF] [--json]
 *   router list [--json]        the routers of this host, running or left stopped
 *   router set|status|list --remote HOST[:PORT] ...   the same on another host, through its agent
 *   router --restore IF         put back what a killed router changed on IF (and its pair)
 *   router --testbed NAME [--ready-fd N]   testbed NAME's router on its veths (`testbed up`
 *                               starts it; by hand it restarts one that ended)
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "cmd/link_opts.h"
#include "ctl/agent.h"
#include "ctl/router_req.h"
#include "out/router_list_table.h"
#include "result/router_list.h"
#include "router/list.h"
#include "router/ops.h"
#include "router/router.h"
#include "router/run.h"
#include "router/testbed.h"
#include "testbed/config.h"
#include "testbed/ctl.h"
#include "util/clock.h"
#include "util/parse.h"


static void usage(FILE *f)
{
	fprintf(f,
		"Usage: tcplab router --in IF --out IF [--name NAME] [--force] [LINK OPTIONS]\n"
		"       tcplab router set [--name NAME | --in IF --out IF] LINK OPTIONS [--json]\n"
		"                         [--json-file FILE]\n"
		"       tcplab router status [--name NAME | --in IF --out IF] [--json] [--json-file FILE]\n"
		"                            [--flows N]\n"
		"       tcplab router list [--json] [--json-file FILE]\n"
		"       tcplab router set|status|list --remote HOST[:PORT] ... (the same on another host)\n"
		"       tcplab router --restore IF\n"
		"       tcplab router --testbed NAME [--ready-fd N]\n\n"
		"The testbed's emulated bottleneck between two interfaces of this host, as a bump\n"
		"in the wire: frames from IN (the senders' side) cross the forward link to OUT (the\n"
		"receivers' side), frames from OUT the reverse link to IN. It runs until SIGINT or\n"
		"SIGTERM, turns GRO/LRO/GSO/TSO off on both interfaces and puts them back when it ends,\n"
		"holds them promiscuous while it runs, and never changes their addresses.\n\n"
		"  list                  the routers of this host: name, interfaces, pid, running or\n"
		"                        stopped (killed before it put its interfaces back: 'tcplab\n"
		"                        router --restore IF' does), rate, RTT and AQM (a testbed's\n"
		"                        router is in 'tcplab testbed list')\n"
		"  --in IF, --out IF     the two interfaces (distinct; not the default route's)\n"
		"  --name NAME           the router's name (default IN-OUT); its control socket is\n"
		"                        " TL_ROUTER_DEFAULT_ROOT "/NAME/ctl.sock ($TCPLAB_ROUTER_DIR)\n"
		"  --force               forward on an interface that holds the default route\n"
		"  --restore IF          after a router was killed (SIGKILL): restore IF's offloads\n"
		"                        and its pair's, from the state file it left\n"
		"  --json                set, status and list: the answer as JSON\n"
		"  --json-file FILE      set, status and list: the JSON document also into FILE, beside the\n"
		"                        text\n"
		"  --flows N             status: the N largest flows of each direction (default 32)\n"
		"  --testbed NAME        run testbed NAME's router on its veths, with its options:\n"
		"                        what 'tcplab testbed up' starts; by hand, it brings back a\n"
		"                        testbed's router that ended (in the foreground)\n"
		"  --ready-fd N          with --testbed: write \"ok\" (or the error) to fd N once it\n"
		"                        forwards\n"
		"  --remote HOST[:PORT]  set, status and list: the router of that name (list: every\n"
		"                        router) on HOST, through the 'tcplab serve' agent there\n"
		"                        (port %d), with this user's key\n"
		"                        ($TCPLAB_KEY or ~/.config/tcplab/id_ed25519) when the agent\n"
		"                        has --authorized-keys\n\n"
		"Link options, as 'tcplab testbed up' (see tcplab-testbed(1)):\n"
		"  --rate RATE  --rtt DURATION  --buffer SIZE  --aqm SPEC  --loss SPEC\n"
		"  --jitter DURATION  --reorder/--no-reorder  --rev-rate, --rev-buffer, --rev-aqm,\n"
		"  --rev-loss, --rev-jitter  --seed N  --pool N  --spin DURATION  --prio high|rt|normal\n"
		"  --cpu-latency DURATION|off  --standby on|off  --ppv-class flow|host\n"
		"  (--rtt is the round trip the router adds, half in each direction)\n\n"
		"Exit status: 0 ok, 1 failed, 2 usage, 3 error.\n", TL_DEFAULT_PORT);
}

#define CMD "router"

enum { O_IN = 1000, O_OUT, O_NAME, O_FORCE, O_RESTORE, O_TESTBED, O_READY_FD, O_REMOTE };

struct cli {
	struct cmd_link_cli l;  /* the link options, --json, --json-file, --flows */
	bool json, force;
	const char *in, *out, *name, *restore, *testbed;
	int ready_fd; /* --ready-fd; -1 without */
	char name_buf[64];
	const char *remote;     /* --remote as given */
	char remote_host[256];  /* its host, and port */
	uint16_t remote_port;
};

/* router's own options (cmd_link_parse takes the shared ones). */
static int take(void *ctx, int opt, const char *arg, struct tl_err *err)
{
	struct cli *c = ctx;
	uint64_t v = 0;
	int rc;
	switch (opt) {
	case O_REMOTE:
		c->remote = arg;
		return tl_parse_hostport("--remote", arg, TL_DEFAULT_PORT, c->remote_host,
					 sizeof(c->remote_host), &c->remote_port, err) < 0 ? -EINVAL : 1;
	case O_IN: c->in = arg; return 1;
	case O_OUT: c->out = arg; return 1;
	case O_NAME: c->name = arg; return 1;
	case O_FORCE: c->force = true; return 1;
	case O_RESTORE: c->restore = arg; return 1;
	case O_TESTBED: c->testbed = arg; return 1;
	case O_READY_FD:
		if ((rc = tl_parse_count("--ready-fd", arg, 3, 1 << 20, &v, err)) < 0)
			return rc;
		c->ready_fd = (int)v;
		return 1;
	}
	return 0;
}

/* Parses argv into c (is_list: the words of `router list`); 0, -1 for --help, or an exit
 * code (with the error said). */
static int parse(int argc, char **argv, bool is_list, struct cli *c)
{
	static const struct option own[] = {
		{ "in", required_argument, NULL, O_IN },
		{ "out", required_argument, NULL, O_OUT },
		{ "name", required_argument, NULL, O_NAME },
		{ "force", no_argument, NULL, O_FORCE },
		{ "restore", required_argument, NULL, O_RESTORE },
		{ "testbed", required_argument, NULL, O_TESTBED },
		{ "ready-fd", required_argument, NULL, O_READY_FD },
		{ "remote", required_argument, NULL, O_REMOTE },
		{ NULL, 0, NULL, 0 },
	};
	c->ready_fd = -1;
	const struct cmd_link_extra extra = { own, take, c };
	/* the link options, not a testbed's host ones: a router has no hosts */
	int rc = cmd_link_parse(argc, argv, CMD, false, &extra, usage, &c->l);
	c->json = c->l.out.format[0] == OUT_JSON;
	if (rc)
		return rc;
	if (optind < argc) {
		char msg[200];
		snprintf(msg, sizeof(msg), "unexpected argument \"%.60s\" (%s)", argv[optind],
			 is_list ? "list takes no name: it lists every router; 'tcplab router status "
				   "--name NAME' shows one" : "options only; see 'tcplab router --help'");
		return cmd_link_fail(&c->l, CMD, TL_EXIT_USAGE, msg);
	}
	return 0;
}

/* --testbed and --ready-fd against the rest: one clear line for a mix that means nothing. */
static int check_testbed_form(struct cli *c, bool is_sub)
{
	const char *msg = NULL;
	char buf[200];
	if (!c->testbed && c->ready_fd >= 0)
		msg = "--ready-fd goes with --testbed NAME";
	else if (c->testbed && is_sub)
		msg = "--testbed goes with the forwarding form: a testbed's router is reached with "
		      "'tcplab testbed status NAME' and 'tcplab testbed set NAME'";
	else if (c->testbed && (c->in || c->out || c->name || c->force || c->restore))
		msg = "--testbed NAME runs that testbed's router on its own veths: --in, --out, "
		      "--name, --force and --restore do not go with it";
	else if (c->testbed && json_object_size(c->l.opts) > 0)
		msg = "--testbed NAME takes its link options from the testbed: change them with "
		      "'tcplab testbed set NAME ...'";
	else if (c->testbed && tl_testbed_name_check(c->testbed, NULL) < 0) {
		snprintf(buf, sizeof(buf), "--testbed \"%.40s\": not a testbed name (1 to 24 "
			 "letters, digits, '-' and '_'; 'tcplab testbed list' shows them)",
			 c->testbed);
		msg = buf;
	}
	return msg ? cmd_link_fail(&c->l, CMD, TL_EXIT_USAGE, msg) : 0;
}

/* `router list` takes --json, --json-file and --remote: one line naming what it does not. */
static int check_list_form(struct cli *c)
{
	const char *opt = c->in ? "--in" : c->out ? "--out" : c->name ? "--name"
			: c->force ? "--force" : c->restore ? "--restore"
			: c->ready_fd >= 0 ? "--ready-fd" : c->l.flows_given ? "--flows" : NULL;
	char link[40], msg[300];
	if (!opt && json_object_size(c->l.opts) > 0) {
		/* the first link option given, by its option's name */
		snprintf(link, sizeof(link), "--%s", json_object_iter_key(json_object_iter(c->l.opts)));
		opt = link;
	}
	if (!opt)
		return 0;
	snprintf(msg, sizeof(msg), "list: %s does not go with it (list takes --json, --json-file "
		 "and --remote and lists every router; 'tcplab router status --name NAME' shows one)",
		 opt);
	return cmd_link_fail(&c->l, CMD, TL_EXIT_USAGE, msg);
}

/* The signals that end a router, blocked from the start: from then on one of them ends the
 * forwarder's loop and the ports are put back. */
static void block_stop_signals(sigset_t *sigs)
{
	sigemptyset(sigs);
	sigaddset(sigs, SIGTERM);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* --name, or IN-OUT; the name must suit a directory (testbed names' rules). */
static int resolve_name(struct cli *c, struct tl_err *err)
{
	if (!c->name) {
		if (!c->in || !c->out)
			return tl_err_set(err, EINVAL, "which router? give --name NAME, or --in IF "
					  "and --out IF");
		snprintf(c->name_buf, sizeof(c->name_buf), "%s-%s", c->in, c->out);
		c->name = c->name_buf;
		if (tl_testbed_name_check(c->name, NULL) < 0)
			return tl_err_set(err, EINVAL, "the name \"%s\" made of --in and --out does not "
					  "suit a router (1 to 24 of A-Z a-z 0-9 _ -): give --name",
					  c->name);
		return 0;
	}
	if (tl_testbed_name_check(c->name, NULL) < 0)
		return tl_err_set(err, EINVAL, "--name \"%s\": use 1 to 24 letters, digits, '-' and "
				  "'_', starting with a letter or digit", c->name);
	return 0;
}

static int mkdir_p(const char *path)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* Puts both interfaces back after a router was killed; messages of what failed go to
 * stderr. */
static int restore_both(const struct tl_router_saved *s)
{
	int bad = 0;
	const struct tl_router_iface *ifs[2] = { &s->in, &s->out };
	for (int i = 0; i < 2; i++) {
		struct tl_err err = { 0 };
		if (tl_router_iface_restore(ifs[i], &err) < 0) {
			fprintf(stderr, "tcplab router: %s\n", err.msg);
			bad++;
		}
	}
	return bad;
}

/* Refuses a name or interface still held by another router, dead or alive. */
static int check_free(struct cli *c, struct tl_err *err)
{
	struct tl_router_saved s;
	if (tl_router_saved_load(c->name, &s, NULL) == 0) {
		int ret = tl_router_alive(&s)
				  ? tl_err_set(err, EBUSY, "router %s runs already (pid %d)", c->name,
					       (int)s.pid)
				  : tl_err_set(err, EBUSY, "router %s ended without restoring %s and %s "
					       "(was it killed?): 'tcplab router --restore %s' first",
					       c->name, s.in.name, s.out.name, s.in.name);
		tl_router_saved_free(&s);
		return ret;
	}
	const char *ifs[2] = { c->in, c->out };
	for (int i = 0; i < 2; i++) {
		char other[TL_TESTBED_NAME_MAX + 1];
		if (tl_router_find_iface(ifs[i], other, NULL) == 0)
			return tl_err_set(err, EBUSY, "interface %s belongs to router %s (running, or "
					  "killed: 'tcplab router --restore %s')", ifs[i], other, ifs[i]);
	}
	return 0;
}

static void print_started(const struct tl_router_saved *s, const struct tl_testbed_config *cfg)
{
	char r[32], b[32];
	printf("router %s: %s -> %s, pid %d, rate %s, RTT %s, buffer %s, aqm %s\n"
	       "  control: %s/%s/ctl.sock ('tcplab router status --name %s')\n", s->name,
	       s->in.name, s->out.name, (int)s->pid,
	       cfg->fwd.rate_bps ? tl_fmt_rate((double)cfg->fwd.rate_bps, r, sizeof(r)) : "unlimited",
	       tl_testbed_opt(s->options, "rtt"),
	       cfg->fwd.queue.limit_bytes ? tl_fmt_size((double)cfg->fwd.queue.limit_bytes, b, sizeof(b))
					  : tl_testbed_opt(s->options, "buffer"),
	       tl_testbed_opt(s->options, "aqm"), tl_router_root(), s->name, s->name);
	fflush(stdout);
}

struct started_ctx {
	const struct tl_router_saved *s;
	const struct tl_testbed_config *cfg;
};

static void on_started(void *ctx)
{
	const struct started_ctx *sc = ctx;
	print_started(sc->s, sc->cfg);
}

/* Forwards until a signal; everything changed is put back on the way out. */
static int forward(struct tl_router_saved *s, struct tl_router_ports *ports, const sigset_t *sigs,
		   const struct tl_testbed_config *cfg, struct tl_err *err)
{
	struct tl_testbed_state st = { 0 };
	struct started_ctx sc = { s, cfg };
	int ret = tl_router_fwd_state(s, &st, err);
	if (ret == 0)
		ret = tl_router_run(&st, ports, sigs, on_started, &sc, err);
	tl_testbed_state_free(&st);
	return ret;
}

static int cmd_run(struct cli *c)
{
	struct tl_err err = { 0 };
	struct tl_router_saved s = { 0 };
	struct tl_router_ports ports;
	struct tl_testbed_config *cfg = NULL;
	bool saved = false;
	int code = TL_EXIT_USAGE;
	char dir[512] = "";
	sigset_t sigs;
	block_stop_signals(&sigs);
	if (tl_router_check_ifaces(c->in, c->out, c->force, &err) < 0 ||
	    resolve_name(c, &err) < 0)
		goto fail;
	tl_testbed_opt_set(c->l.opts, "senders", "1", NULL);
	cfg = malloc(sizeof(*cfg));
	if (!cfg) {
		snprintf(err.msg, sizeof(err.msg), "out of memory");
		goto fail;
	}
	if (tl_testbed_config_eval(c->l.opts, cfg, &err) < 0)
		goto fail;
	code = TL_EXIT_ERROR;
	snprintf(dir, sizeof(dir), "%s/%s", tl_router_root(), c->name);
	if (mkdir_p(dir) < 0) {
		tl_err_errno(&err, "mkdir %s", dir);
		goto fail;
	}
	if (check_free(c, &err) < 0)
		goto fail;
	snprintf(s.name, sizeof(s.name), "%s", c->name);
	s.pid = getpid();
	s.netns_ino = tl_router_netns_ino();
	s.options = json_incref(c->l.opts);
	const char *names[2] = { c->in, c->out };
	if (tl_router_ports_read(&ports, names, 2, &err) < 0)
		goto fail;
	s.in = ports.ifs[0];
	s.out = ports.ifs[1];
	/* Written before anything changes: after a SIGKILL, --restore finds it. */
	if (tl_router_saved_write(&s, &err) < 0)
		goto fail;
	saved = true;
	if (forward(&s, &ports, &sigs, cfg, &err) < 0)
		goto fail;
	fprintf(stderr, "tcplab router: %s stopped; %s and %s restored\n", s.name, s.in.name,
		s.out.name);
	code = TL_EXIT_OK;
	goto out;
fail:
	cmd_error(CMD, OUT_TABLE, code, err.msg);
out:
	/* Only a directory this process wrote its state into is removed: on a refusal the
	 * directory may be another router's. */
	if (saved)
		tl_router_remove_dir(s.name);
	else if (c->name && code == TL_EXIT_ERROR)
		rmdir(dir); /* only if empty: one this process just made */
	tl_router_saved_free(&s);
	free(cfg);
	return code;
}

struct ready_ctx {
	const char *name;
	int *ready_fd;
};

/* The testbed's router forwards: its log says so, and `testbed up` hears "ok". */
static void on_ready(void *ctx)
{
	struct ready_ctx *r = ctx;
	fprintf(stderr, "tcplab router: router of testbed %s running, pid %d\n", r->name,
		(int)getpid());
	if (*r->ready_fd >= 0) {
		if (write(*r->ready_fd, "ok\n", 3) < 0) {
			/* `up` gave up waiting; it says so itself */
		}
		close(*r->ready_fd);
		*r->ready_fd = -1;
	}
}

/* `router --testbed NAME`: the testbed's router, in its router namespace, on its veths. */
static int cmd_testbed(struct cli *c)
{
	struct tl_err err = { 0 };
	struct tl_testbed_state st;
	struct tl_router_ports ports;
	struct ready_ctx rc = { c->testbed, &c->ready_fd };
	int code = TL_EXIT_ERROR;
	sigset_t sigs;
	block_stop_signals(&sigs);
	if (tl_router_testbed_open(c->testbed, &st, &ports, &err) < 0) {
		code = err.code == ENOENT || err.code == EBUSY ? TL_EXIT_FAIL : TL_EXIT_ERROR;
		goto out;
	}
	int ret = tl_router_run(&st, &ports, &sigs, on_ready, &rc, &err);
	tl_testbed_state_free(&st);
	if (ret < 0)
		goto out;
	fprintf(stderr, "tcplab router: router of testbed %s stopped\n", c->testbed);
	code = TL_EXIT_OK;
out:
	if (code != TL_EXIT_OK) {
		cmd_error(CMD, OUT_TABLE, code, err.msg);
		if (c->ready_fd >= 0) {
			dprintf(c->ready_fd, "%s\n", err.msg);
			close(c->ready_fd);
		}
	}
	return code;
}

static int cmd_restore(struct cli *c)
{
	struct tl_err err = { 0 };
	char name[TL_TESTBED_NAME_MAX + 1];
	int ret = tl_router_find_iface(c->restore, name, &err);
	if (ret == -ENOENT) {
		char msg[200];
		snprintf(msg, sizeof(msg), "--restore %s: no router left changes on %s in this "
			 "network namespace (nothing to restore)", c->restore, c->restore);
		return cmd_error(CMD, OUT_TABLE, TL_EXIT_FAIL, msg);
	}
	if (ret < 0)
		return cmd_error(CMD, OUT_TABLE, TL_EXIT_ERROR, err.msg);
	struct tl_router_saved s;
	if (tl_router_saved_load(name, &s, &err) < 0)
		return cmd_error(CMD, OUT_TABLE, TL_EXIT_ERROR, err.msg);
	int code = TL_EXIT_OK;
	if (tl_router_alive(&s)) {
		char msg[200];
		snprintf(msg, sizeof(msg), "router %s (pid %d) still runs on %s: end it with "
			 "SIGTERM ('kill %d'), it restores the interfaces itself", name, (int)s.pid,
			 c->restore, (int)s.pid);
		code = cmd_error(CMD, OUT_TABLE, TL_EXIT_FAIL, msg);
	} else if (restore_both(&s)) {
		code = TL_EXIT_ERROR;
	} else {
		tl_router_remove_dir(name);
		printf("router %s: %s and %s restored (gro/lro/gso/tso as before it started)\n",
		       name, s.in.name, s.out.name);
	}
	tl_router_saved_free(&s);
	return code;
}

/* The exit status of a failed set or status: no such router, or not running, fails what was
 * asked (1), as locally; values refused are a usage error (2); the rest an error (3). */
static int exit_of(enum tl_router_reason why)
{
	switch (why) {
	case TL_ROUTER_NO_ROUTER:
	case TL_ROUTER_NOT_RUNNING: return TL_EXIT_FAIL;
	case TL_ROUTER_REFUSED: return TL_EXIT_USAGE;
	default: return TL_EXIT_ERROR;
	}
}

/*
 * r on the router c names, here or on --remote's host: the result (status document, set's
 * answer) in *result; or the exit status with the error said on every output. Both ways ask
 * the library's one owner (router/ops.h), so the document is the same.
 */
static int ask(struct cli *c, struct tl_router_req *r, json_t **result)
{
	struct tl_err err = { 0 };
	struct tl_testbed_config *cfg = NULL;
	enum tl_router_reason why = TL_ROUTER_FAILED;
	char msg[sizeof(err.msg) + 400];
	int ret;
	*result = NULL;
	if (r->op != TL_ROUTER_OP_LIST) {
		if (resolve_name(c, &err) < 0)
			return cmd_link_fail(&c->l, CMD, TL_EXIT_USAGE, err.msg);
		snprintf(r->name, sizeof(r->name), "%s", c->name);
	}
	if (c->remote) {
		ret = tl_router_remote(c->remote_host, c->remote_port, AF_UNSPEC, r, result, &why, &err);
	} else if (r->op == TL_ROUTER_OP_LIST) {
		ret = tl_router_list_doc(result, &err);
	} else {
		ret = r->op == TL_ROUTER_OP_STATUS ? tl_router_status_doc(c->name, r->flows, result, &err)
						   : tl_router_set(c->name, r->options, result, &cfg, &err);
		free(cfg);
		why = tl_router_reason_of(err.code);
	}
	if (ret == 0)
		return 0;
	json_decref(*result);
	*result = NULL;
	/* the connection's failures name the agent already; a refusal read after the agent
	 * closed may not (its address is gone with the socket) */
	if (!c->remote || (why == TL_ROUTER_FAILED && strstr(err.msg, c->remote_host)))
		snprintf(msg, sizeof(msg), "%s", err.msg);
	else if (why == TL_ROUTER_FAILED)
		snprintf(msg, sizeof(msg), "--remote %s: %s", c->remote, err.msg);
	else if (why == TL_ROUTER_NO_ROUTER)
		snprintf(msg, sizeof(msg), "no router %s on %s: %s", c->name, c->remote, err.msg);
	else if (why != TL_ROUTER_FAILED)
		snprintf(msg, sizeof(msg), "router %s on %s: %s", c->name, c->remote, err.msg);
	return cmd_link_fail(&c->l, CMD, exit_of(why), msg);
}

static int cmd_status(struct cli *c)
{
	struct tl_router_req r = { .op = TL_ROUTER_OP_STATUS, .flows = c->l.flows };
	struct tl_err err = { 0 };
	json_t *doc = NULL;
	int code = ask(c, &r, &doc);
	if (code == 0 && cmd_link_status_put(&c->l, CMD_LINK_ROUTER, doc, &err) < 0)
		code = cmd_link_fail(&c->l, CMD, TL_EXIT_ERROR, err.msg);
	json_decref(doc);
	return code;
}

/* `router list`: the document into the JSON outputs and, without --json, its table (decoded
 * once, result/router_list.h), the same here and from --remote's agent. */
static int cmd_list(struct cli *c)
{
	struct tl_router_req r = { .op = TL_ROUTER_OP_LIST };
	struct tl_router_list l;
	struct tl_err err = { 0 };
	json_t *doc = NULL;
	int code = ask(c, &r, &doc);
	if (code == 0 && !c->json) {
		if (tl_router_list_decode(doc, &l, &err) < 0) {
			code = cmd_link_fail(&c->l, CMD, TL_EXIT_ERROR, err.msg);
		} else {
			tl_out_router_list_table(stdout, &l, c->remote);
			tl_router_list_free(&l);
		}
	}
	if (code == 0)
		cmd_outputs_json(&c->l.out, doc);
	json_decref(doc);
	return code;
}

/* set's line: what the router runs with now (the forwarder's answer: its options). */
static void print_set(const char *name, const json_t *resp)
{
	const json_t *opts = json_object_get(resp, "options");
	struct tl_testbed_config *cfg = malloc(sizeof(*cfg));
	char r[32];
	if (cfg && tl_testbed_config_eval(opts, cfg, NULL) < 0) {
		free(cfg);
		cfg = NULL;
	}
	printf("router %s: rate %s, RTT %s, buffer %s, aqm %s\n", name,
	       !cfg ? tl_testbed_opt(opts, "rate")
	       : cfg->fwd.rate_bps ? tl_fmt_rate((double)cfg->fwd.rate_bps, r, sizeof(r)) : "unlimited",
	       tl_testbed_opt(opts, "rtt"), tl_testbed_opt(opts, "buffer"), tl_testbed_opt(opts, "aqm"));
	free(cfg);
}

static int cmd_set(struct cli *c)
{
	if (json_object_size(c->l.opts) == 0)
		return cmd_link_fail(&c->l, CMD, TL_EXIT_USAGE, "set: nothing to change (give "
				     "--rate, --rtt, --buffer, --aqm, --loss, --jitter, ...)");
	struct tl_router_req r = { .op = TL_ROUTER_OP_SET, .options = c->l.opts };
	json_t *resp = NULL;
	int code = ask(c, &r, &resp);
	if (code == 0) {
		cmd_outputs_json(&c->l.out, resp);
		if (!c->json)
			print_set(c->name, resp);
	}
	json_decref(resp);
	return code;
}

int cmd_router_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return TL_EXIT_USAGE;
	}
	const char *sub = argv[1];
	bool is_list = !strcmp(sub, "list");
	bool is_sub = !strcmp(sub, "set") || !strcmp(sub, "status") || is_list;
	struct cli c = { 0 };
	struct tl_err err = { 0 };
	int code = is_sub ? parse(argc - 1, argv + 1, is_list, &c) : parse(argc, argv, false, &c);
	if (code == -1) {
		code = TL_EXIT_OK;
		goto out;
	}
	if (code || (code = check_testbed_form(&c, is_sub)) != 0 ||
	    (is_list && (code = check_list_form(&c)) != 0))
		goto out;
	/* The forwarder keeps its control socket and series where the testbed code looks:
	 * under the testbed root, which for a router between two interfaces is the routers'
	 * root; a testbed's router uses its testbed's. */
	if (!c.testbed)
		setenv("TCPLAB_TESTBED_DIR", tl_router_root(), 1);
	if (c.remote && !is_sub) {
		code = cmd_link_fail(&c.l, CMD, TL_EXIT_USAGE, "--remote goes with set, status and "
				     "list (a router starts on its own host)");
		goto out;
	}
	if (c.l.out.n > 1 && !is_sub) {
		code = cmd_link_fail(&c.l, CMD, TL_EXIT_USAGE, "--json-file goes with set, status and "
				     "list");
		goto out;
	}
	/* before the command: a --json-file that cannot be written changes nothing */
	if (cmd_outputs_open(&c.l.out, &err) < 0) {
		code = cmd_link_fail(&c.l, CMD, TL_EXIT_USAGE, err.msg);
		goto out;
	}
	if (!strcmp(sub, "set"))
		code = cmd_set(&c);
	else if (!strcmp(sub, "status"))
		code = cmd_status(&c);
	else if (is_list)
		code = cmd_list(&c);
	else if (c.testbed)
		code = cmd_testbed(&c);
	else if (c.restore)
		code = cmd_restore(&c);
	else
		code = cmd_run(&c);
out:
	if (cmd_outputs_close(&c.l.out, &err) < 0 && code == TL_EXIT_OK)
		code = cmd_error(CMD, OUT_TABLE, TL_EXIT_ERROR, err.msg);
	json_decref(c.l.opts);
	return code;
}
