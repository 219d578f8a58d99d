/* Runs a point on the testbed: tcplab's own testbed, serve, stream and rr as children. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exp/collect.h"
#include "exp/proc.h"
#include "exp/runner.h"
#include "util/clock.h"

struct tl_exp_runner {
	struct tl_exp_runner_cfg cfg;
	bool up;
	unsigned senders;
	pid_t agent;
	char port[16];
	char rcv_addr[64];
};

#define TESTBED_TIMEOUT_NS (60 * TL_NSEC_PER_SEC)

static void path(const struct tl_exp_runner *rn, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", rn->cfg.tmpdir, name);
}

/* The first line of a child's stderr, for a failed point's reason. */
static void first_line(const char *file, char *buf, size_t len)
{
	FILE *f = fopen(file, "r");
	buf[0] = '\0';
	if (!f)
		return;
	while (fgets(buf, (int)len, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0] && strncmp(buf, "tcplab agent", 12) != 0)
			break;
		buf[0] = '\0';
	}
	fclose(f);
}

static int testbed_cmd(struct tl_exp_runner *rn, const char *verb, const struct tl_exp_point *p,
		       struct tl_err *err)
{
	char senders[16], out[512], errf[512], why[400];
	char *argv[24];
	int n = 0, rc;
	argv[n++] = (char *)rn->cfg.self;
	argv[n++] = "testbed";
	argv[n++] = (char *)verb;
	argv[n++] = (char *)rn->cfg.testbed;
	if (p) {
		argv[n++] = "--rate";
		argv[n++] = (char *)p->text[TL_AXIS_RATE];
		argv[n++] = "--rtt";
		argv[n++] = (char *)p->rtt_testbed;
		argv[n++] = "--buffer";
		argv[n++] = (char *)p->text[TL_AXIS_BUFFER];
		argv[n++] = "--aqm";
		argv[n++] = (char *)p->text[TL_AXIS_AQM];
		argv[n++] = "--loss";
		argv[n++] = (char *)p->text[TL_AXIS_LOSS];
	}
	if (strcmp(verb, "up") == 0) {
		snprintf(senders, sizeof(senders), "%u", p->senders);
		argv[n++] = "--senders";
		argv[n++] = senders;
		if (rn->cfg.testbed_extra)
			argv[n++] = (char *)rn->cfg.testbed_extra;
	}
	argv[n++] = "--json";
	argv[n] = NULL;
	path(rn, "testbed.json", out, sizeof(out));
	path(rn, "testbed.err", errf, sizeof(errf));
	rc = tl_exp_run_cmd(argv, out, errf, TESTBED_TIMEOUT_NS, NULL, err);
	if (rc < 0)
		return rc;
	if (rc != 0) {
		first_line(errf, why, sizeof(why));
		return tl_err_set(err, EIO, "testbed %s: %s", verb, why[0] ? why : "failed");
	}
	return 0;
}

static int read_addr(struct tl_exp_runner *rn, struct tl_err *err)
{
	char file[512];
	json_error_t je;
	size_t i;
	json_t *h;
	path(rn, "testbed.json", file, sizeof(file));
	json_t *doc = json_load_file(file, 0, &je);
	rn->rcv_addr[0] = '\0';
	json_array_foreach(json_object_get(doc, "hosts"), i, h) {
		if (json_is_string(json_object_get(h, "name")) &&
		    strcmp(json_string_value(json_object_get(h, "name")), "rcv") == 0)
			snprintf(rn->rcv_addr, sizeof(rn->rcv_addr), "%s",
				 json_string_value(json_object_get(h, "addr")));
	}
	json_decref(doc);
	if (!rn->rcv_addr[0])
		return tl_err_set(err, EIO, "testbed up: no receiver address in its JSON (%s)",
				  file);
	return 0;
}

static int start_agent(struct tl_exp_runner *rn, struct tl_err *err)
{
	char pf[512], log[512];
	path(rn, "agent.port", pf, sizeof(pf));
	path(rn, "agent.log", log, sizeof(log));
	unlink(pf);
	char *argv[] = { (char *)rn->cfg.self, "testbed", "exec", (char *)rn->cfg.testbed, "rcv",
			 "--", (char *)rn->cfg.self, "serve", "--no-auth", "--port", "0", "--port-file", pf,
			 "-q", NULL };
	rn->agent = tl_exp_spawn(argv, NULL, log, err);
	if (rn->agent < 0)
		return (int)rn->agent;
	for (int i = 0; i < 200; i++) { /* 10 s */
		FILE *f = fopen(pf, "r");
		if (f) {
			bool ok = fgets(rn->port, sizeof(rn->port), f) != NULL;
			fclose(f);
			rn->port[strcspn(rn->port, "\n")] = '\0';
			if (ok && rn->port[0])
				return 0;
		}
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	tl_exp_end(rn->agent, rn->cfg.stop);
	rn->agent = 0;
	return tl_err_set(err, EIO, "the agent on the testbed's receiver did not start (%s)", log);
}

static void take_down(struct tl_exp_runner *rn)
{
	struct tl_err e;
	if (rn->agent > 0)
		tl_exp_end(rn->agent, rn->cfg.stop);
	rn->agent = 0;
	if (rn->up)
		testbed_cmd(rn, "down", NULL, &e);
	rn->up = false;
}

/* A testbed with p's settings: changed live when the senders are the same, else fresh. */
static int prepare(struct tl_exp_runner *rn, const struct tl_exp_point *p, struct tl_err *err)
{
	int st;
	if (rn->up && rn->senders == p->senders) {
		/* An agent that went away would fail every run after it: start another. */
		if (rn->agent > 0 && waitpid(rn->agent, &st, WNOHANG) == rn->agent) {
			rn->agent = 0;
			if (start_agent(rn, err) < 0)
				return -EIO;
		}
		if (testbed_cmd(rn, "set", p, err) == 0)
			return 0;
		/* A refused value fails again below with the same message; a testbed whose
		 * forwarder went away is replaced by a fresh one. */
	}
	take_down(rn);
	if (testbed_cmd(rn, "up", p, err) < 0) {
		/* up removes what it made when it fails; nothing to take down. */
		return -EIO;
	}
	rn->up = true;
	rn->senders = p->senders;
	if (read_addr(rn, err) < 0 || start_agent(rn, err) < 0) {
		take_down(rn);
		return -EIO;
	}
	return 0;
}

int tl_exp_runner_open(const struct tl_exp_runner_cfg *cfg, struct tl_exp_runner **out,
		       struct tl_err *err)
{
	struct tl_exp_runner *rn = calloc(1, sizeof(*rn));
	if (!rn)
		return tl_err_set(err, ENOMEM, "out of memory");
	rn->cfg = *cfg;
	*out = rn;
	return 0;
}

void tl_exp_runner_close(struct tl_exp_runner *rn)
{
	if (!rn)
		return;
	take_down(rn);
	free(rn);
}

struct child {
	pid_t pid;
	char out[512], err[512];
	int rc;
};

/* Writes "NAME:N,..." for stream --cc: the mix spread over the flows of one sender. */
static void cc_arg(const struct tl_exp_point *p, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	if (p->ncc == 1) {
		snprintf(buf, len, "%s", p->cc_name[0]);
		return;
	}
	for (unsigned i = 0; i < p->ncc && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s:%u", i ? "," : "", p->cc_name[i],
				      p->cc_flows[i]);
}

static int spawn_stream(struct tl_exp_runner *rn, const struct tl_exp_point *p, unsigned s,
			struct child *c, struct tl_err *err)
{
	char host[16], flows[16], cc[160], t[32], o[32], iv[32], rb[32], cl[32];
	char *argv[40];
	int n = 0;
	uint64_t ivl = p->duration_ns / 10;
	ivl = ivl < 100000000ULL ? 100000000ULL : ivl > TL_NSEC_PER_SEC ? TL_NSEC_PER_SEC : ivl;
	snprintf(host, sizeof(host), "snd%u", s);
	snprintf(flows, sizeof(flows), "%u", p->flows);
	cc_arg(p, cc, sizeof(cc));
	snprintf(t, sizeof(t), "%llums", (unsigned long long)(p->duration_ns / 1000000));
	snprintf(o, sizeof(o), "%llums", (unsigned long long)(p->warmup_ns / 1000000));
	snprintf(iv, sizeof(iv), "%llums", (unsigned long long)(ivl / 1000000));
	const char *pre[] = { rn->cfg.self, "testbed", "exec", rn->cfg.testbed, host, "--",
			      rn->cfg.self, "stream", rn->rcv_addr, "-p", rn->port, "-P", flows,
			      "--cc", cc, "-t", t, "-O", o, "-i", iv, "--json" };
	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		argv[n++] = (char *)pre[i];
	if (p->rcvbuf) {
		snprintf(rb, sizeof(rb), "%llu", (unsigned long long)p->rcvbuf);
		argv[n++] = "--rcvbuf";
		argv[n++] = rb;
	}
	if (p->clamp) {
		snprintf(cl, sizeof(cl), "%llu", (unsigned long long)p->clamp);
		argv[n++] = "--window-clamp";
		argv[n++] = cl;
	}
	argv[n] = NULL;
	snprintf(c->out, sizeof(c->out), "%s/stream%u.json", rn->cfg.tmpdir, s);
	snprintf(c->err, sizeof(c->err), "%s/stream%u.err", rn->cfg.tmpdir, s);
	c->pid = tl_exp_spawn(argv, c->out, c->err, err);
	return c->pid < 0 ? -EIO : 0;
}

static int spawn_probe(struct tl_exp_runner *rn, const struct tl_exp_point *p, struct child *c,
		       struct tl_err *err)
{
	char t[32], o[32], rate[16];
	snprintf(t, sizeof(t), "%llums", (unsigned long long)(p->duration_ns / 1000000));
	snprintf(o, sizeof(o), "%llums", (unsigned long long)(p->warmup_ns / 1000000));
	snprintf(rate, sizeof(rate), "%u", rn->cfg.probe_rate);
	char *argv[] = { (char *)rn->cfg.self, "testbed", "exec", (char *)rn->cfg.testbed, "snd1",
			 "--", (char *)rn->cfg.self, "rr", rn->rcv_addr, "-p", rn->port, "--rate",
			 rate, "-t", t, "-O", o, "-i", "0", "--json", NULL };
	snprintf(c->out, sizeof(c->out), "%s/probe.json", rn->cfg.tmpdir);
	snprintf(c->err, sizeof(c->err), "%s/probe.err", rn->cfg.tmpdir);
	c->pid = tl_exp_spawn(argv, c->out, c->err, err);
	return c->pid < 0 ? -EIO : 0;
}

/* Why a child's result cannot be used: its JSON error, or its stderr's first line. */
static void child_reason(const struct child *c, const json_t *doc, const char *what,
			 struct tl_exp_run *r)
{
	char line[400];
	const char *e = json_string_value(json_object_get(doc, "error"));
	first_line(c->err, line, sizeof(line));
	snprintf(r->reason, sizeof(r->reason), "%s: exit status %d: %s", what, c->rc,
		 e ? e : line[0] ? line : "no result");
}

static void collect(struct tl_exp_runner *rn, const struct tl_exp_point *p, struct child *c,
		    unsigned nc, struct tl_exp_run *r)
{
	struct tl_err e;
	r->ok = true;
	for (unsigned i = 0; i < nc && r->ok; i++) {
		bool probe = rn->cfg.probe && i == nc - 1;
		char what[32];
		snprintf(what, sizeof(what), probe ? "latency probe" : "stream on snd%u", i + 1);
		json_t *doc = json_load_file(c[i].out, 0, NULL);
		if (c[i].rc != 0 || !doc) {
			child_reason(&c[i], doc, what, r);
			r->ok = false;
		} else if ((probe ? tl_exp_collect_rr(doc, r, &e)
				  : tl_exp_collect_stream(doc, i + 1, p, i == 0, r, &e)) < 0) {
			snprintf(r->reason, sizeof(r->reason), "%s: %s", what, e.msg);
			r->ok = false;
		}
		json_decref(doc);
	}
	if (r->ok)
		tl_exp_metrics_compute(r, p);
}

int tl_exp_runner_run(struct tl_exp_runner *rn, const struct tl_exp_point *p, uint32_t rep,
		      struct tl_exp_run *r, struct tl_err *err)
{
	struct child c[TL_EXP_MAX_SENDERS + 1];
	unsigned nc = 0;
	int ret = 0;
	uint64_t t0 = tl_now_ns();
	r->point = p->id;
	r->rep = rep;
	r->started_unix = (double)time(NULL);
	memset(c, 0, sizeof(c));
	if (prepare(rn, p, err) < 0) {
		snprintf(r->reason, sizeof(r->reason), "%s", err->msg);
		r->ok = false;
		goto out;
	}
	if (rn->cfg.stop && *rn->cfg.stop) { /* stopped while the testbed was being set */
		ret = tl_err_set(err, EINTR, "interrupted");
		goto out;
	}
	for (unsigned s = 1; s <= p->senders; s++, nc++)
		if (spawn_stream(rn, p, s, &c[nc], err) < 0)
			goto fail;
	if (rn->cfg.probe && spawn_probe(rn, p, &c[nc++], err) < 0)
		goto fail;
	uint64_t deadline = tl_now_ns() + p->warmup_ns + p->duration_ns + 60 * TL_NSEC_PER_SEC;
	for (unsigned i = 0; i < nc; i++) {
		c[i].rc = tl_exp_wait(c[i].pid, deadline, rn->cfg.stop);
		c[i].pid = 0;
		if (c[i].rc == -EINTR) {
			ret = tl_err_set(err, EINTR, "interrupted");
			goto fail;
		}
	}
	collect(rn, p, c, nc, r);
	goto out;
fail:
	for (unsigned i = 0; i < nc; i++)
		tl_exp_end(c[i].pid, rn->cfg.stop);
	if (ret == 0) {
		snprintf(r->reason, sizeof(r->reason), "%s", err->msg);
		r->ok = false;
	}
out:
	r->seconds = (double)(tl_now_ns() - t0) / 1e9;
	return ret;
}
