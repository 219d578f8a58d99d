#include "ctl/client.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/connect.h"
#include "ctl/data_listen.h"
#include "ctl/greet.h"
#include "ctl/frame.h"
#include "ctl/proto.h"
#include "net/addr.h"
#include "net/sock.h"
#include "util/clock.h"
#include "workload/result.h"
#include "workload/schedule.h"
#include "workload/side.h"

#define CLIENT_MSG_TIMEOUT_NS (10 * TL_NSEC_PER_SEC)
#define CLIENT_START_DELAY_NS (100 * TL_NSEC_PER_MSEC)
/* "The test ends within one second of its planned end": wait no longer for the agent. */
#define CLIENT_RESULTS_GRACE_NS (900 * TL_NSEC_PER_MSEC)
/* The agent's results grow with the flows (TCP_INFO of each, about 1 KB of JSON): 10,000
 * flows took 0.4 s to gather, encode and send on an idle 2-core machine and 2.1 s on a loaded
 * one, so the wait grows by 0.3 ms a flow (3.9 s for 10,000). */
#define CLIENT_RESULTS_PER_FLOW_NS (300 * TL_NSEC_PER_USEC)

struct client {
	const struct tl_spec *spec;
	const struct tl_client_callbacks *cb;
	struct tl_side *side;
	int ctl;
	json_t *agent_iv;      /* array, index k */
	json_t *client_iv;     /* array, index k */
	json_t *agent_results;
	uint32_t emitted;
	struct tl_stream_merge *merge;
	json_t *intervals;     /* merged, for the document */
	int warned_ports;
	/* flows the agent receives with a fixed --rcvbuf go to the test's own ports */
	struct tl_data_plan plan;
	struct tl_addr data_dest[TL_DATA_LISTEN_MAX];
	int have_data_ports;
	int was_interrupted;
};

static int interrupted(const struct client *c)
{
	return c->cb && c->cb->interrupt && *c->cb->interrupt;
}

/* The one line that says, while it happens, that the ephemeral ports ran out, and why. */
static void warn_ports(struct client *c, json_t *start)
{
	const json_t *crr = json_object_get(start, "crr");
	int ports = (int)json_integer_value(json_object_get(crr, "ports_in_range"));
	double hold = json_real_value(json_object_get(crr, "port_hold_seconds"));
	char line[768];
	snprintf(line, sizeof(line),
		 "connect() fails with EADDRNOTAVAIL: the ephemeral ports are exhausted (%d ports in "
		 "net.ipv4.ip_local_port_range; each connection this side closes first holds its port in "
		 "TIME_WAIT, %s, so at most ~%d new connections/s to one destination). Remedies: reuse "
		 "connections (--requests-per-conn), let the server close first (--close server), abortive "
		 "close (--linger0), more source addresses (--source), a wider ip_local_port_range%s. "
		 "Failed attempts are counted; the test goes on.",
		 ports, hold > 1.5 ? "60 s" : "reusable after ~1 s with tcp_tw_reuse",
		 hold > 0 ? (int)(ports / hold) : ports,
		 hold > 1.5 ? ", net.ipv4.tcp_tw_reuse=1 on clients" : "");
	json_array_append_new(json_object_get(start, "warnings"), json_string(line));
	if (c->cb && c->cb->warning)
		c->cb->warning(c->cb->ctx, line);
}

static int run_test(struct client *c, json_t *start, struct tl_err *err);
static int run_crr_connectors(struct client *c, const struct tl_client_target *t, const struct tl_addr *ctl_dest,
			      uint16_t port, json_t *start, struct tl_err *err);

static int prepare_flow(void *ctx, uint32_t conn, int fd, struct tl_err *err)
{
	struct client *c = ctx;
	struct tl_sockopts o;
	tl_spec_flow_opts(c->spec, conn, &o);
	int rc = tl_sock_apply_pre(fd, &o, tl_side_conn_sends(c->side, conn) ? TL_SOCK_SENDER : TL_SOCK_RECEIVER, err);
	if (rc < 0)
		tl_err_prefix(err, "flow %u", conn);
	return rc;
}

static int flow_connected(void *ctx, uint32_t conn, int fd, struct tl_err *err)
{
	struct client *c = ctx;
	return tl_side_attach(c->side, conn, fd, err);
}

static const struct tl_addr *flow_dest(void *ctx, uint32_t conn)
{
	struct client *c = ctx;
	int k = c->have_data_ports ? tl_data_plan_slot(c->spec, &c->plan, conn) : -1;
	return k >= 0 ? &c->data_dest[k] : NULL;
}

/* ACCEPT's "data_ports" (ctl/data_listen.h); an agent without them takes every flow on its port. */
static int read_data_ports(struct client *c, const json_t *accept, const struct tl_addr *dest,
			   struct tl_err *err)
{
	const json_t *ports = json_object_get(accept, "data_ports");
	tl_data_plan_make(c->spec, &c->plan);
	if (!c->plan.n || !ports)
		return 0;
	if (!json_is_array(ports) || json_array_size(ports) != c->plan.n)
		return tl_err_set(err, EPROTO, "agent's ACCEPT has %zu data ports for %u buffer sizes",
				  json_array_size(ports), c->plan.n);
	for (uint32_t i = 0; i < c->plan.n; i++) {
		json_int_t port = json_integer_value(json_array_get(ports, i));
		if (port < 1 || port > 65535)
			return tl_err_set(err, EPROTO, "agent's ACCEPT has data port %lld", (long long)port);
		c->data_dest[i] = *dest;
		tl_addr_set_port(&c->data_dest[i], (uint16_t)port);
	}
	c->have_data_ports = 1;
	return 0;
}

static void progress(void *ctx, uint32_t done, uint32_t total)
{
	struct client *c = ctx;
	if (c->cb && c->cb->connecting)
		c->cb->connecting(c->cb->ctx, done, total);
}

/* Emits every interval both ends have reported. */
static void emit_intervals(struct client *c, int flush)
{
	for (;;) {
		json_t *mine = json_array_get(c->client_iv, c->emitted);
		json_t *theirs = json_array_get(c->agent_iv, c->emitted);
		if (!mine && !theirs)
			return;
		if ((!mine || !theirs) && !flush)
			return;
		json_t *iv = tl_stream_merge_interval(c->merge, mine, theirs);
		if (c->cb && c->cb->interval)
			c->cb->interval(c->cb->ctx, iv);
		json_array_append_new(c->intervals, iv);
		/* merged: the per-flow arrays of both ends (4 x flows numbers each) can go */
		if (mine)
			json_array_set_new(c->client_iv, c->emitted, json_null());
		if (theirs)
			json_array_set_new(c->agent_iv, c->emitted, json_null());
		c->emitted++;
	}
}

static int handle_message(struct client *c, struct tl_err *err)
{
	uint16_t type;
	json_t *m = NULL;
	/* Only a test's own messages, bounded by its connection count (an agent cannot make this
	 * end take 64 MiB for a test of 4 flows; the results bound is the larger of the two);
	 * RESULTS once. */
	uint32_t conns = tl_spec_connections(c->spec);
	uint32_t mask = TL_MSG_BIT(TL_MSG_INTERVAL) | (c->agent_results ? 0 : TL_MSG_BIT(TL_MSG_RESULTS));
	int rc = tl_msg_recv_any(c->ctl, mask, tl_msg_results_max(conns), &type, &m,
				 tl_now_ns() + CLIENT_MSG_TIMEOUT_NS, err);
	if (rc == -ECONNRESET)
		tl_err_prefix(err, "control connection (the agent stopped, or ended the test)");
	if (rc < 0)
		return rc;
	if (type == TL_MSG_INTERVAL) {
		uint64_t k = 0;
		if (tl_json_get_u64(m, "k", 0, json_array_size(c->agent_iv), 1, &k, err) < 0 ||
		    k != json_array_size(c->agent_iv)) {
			json_decref(m);
			return tl_err_set(err, EPROTO, "agent sent interval %llu out of order",
					  (unsigned long long)k);
		}
		json_array_append_new(c->agent_iv, m);
		return 0;
	}
	if (type == TL_MSG_RESULTS && !c->agent_results) {
		c->agent_results = m;
		return 0;
	}
	json_decref(m);
	return tl_err_set(err, EPROTO, "unexpected %s message from the agent", tl_msg_name(type));
}

static int run(struct client *c, const struct tl_client_target *t, json_t *start, struct tl_err *err)
{
	const struct tl_spec *spec = c->spec;
	struct tl_addr dest, src, *srcp = NULL;
	json_t *m = NULL;
	uint64_t backlog = 0;
	int rc;

	if (tl_addr_resolve(t->host, t->port, t->family, 0, &dest, err) < 0)
		return -1;
	if (t->bind && *t->bind) {
		if (tl_addr_resolve(t->bind, 0, dest.ss.ss_family, 1, &src, err) < 0) {
			tl_err_prefix(err, "--bind");
			return -1;
		}
		srcp = &src;
	}
	c->ctl = tl_greet_connect(&dest, srcp, err);
	if (c->ctl < 0)
		return -1;
	uint8_t cookie[TL_COOKIE_LEN];
	if (tl_greet_hello(c->ctl, tl_workload_name(spec->workload), &m, cookie, err) < 0)
		return -1;
	tl_json_get_u64(m, "backlog", 0, 1u << 30, 0, &backlog, NULL);
	json_object_set(start, "agent", m);
	json_decref(m);

	json_t *test = json_pack("{s:o}", "spec", tl_spec_to_json(spec));
	rc = tl_msg_send(c->ctl, TL_MSG_TEST, test, tl_now_ns() + CLIENT_MSG_TIMEOUT_NS, err);
	json_decref(test);
	if (rc < 0 || tl_msg_recv(c->ctl, TL_MSG_ACCEPT, NULL, &m, tl_now_ns() + CLIENT_MSG_TIMEOUT_NS, err) < 0)
		return -1;
	json_object_set_new(start, "agent_threads", json_incref(json_object_get(m, "threads")));
	uint64_t crr_port = 0;
	if ((spec->workload == TL_WORKLOAD_CRR &&
	     tl_json_get_u64(m, "crr_port", 1, 65535, 1, &crr_port, err) < 0) ||
	    read_data_ports(c, m, &dest, err) < 0) {
		json_decref(m);
		return -1;
	}
	json_decref(m);
	if (spec->workload == TL_WORKLOAD_CRR)
		return run_crr_connectors(c, t, &dest, (uint16_t)crr_port, start, err) < 0 ? -1 : run_test(c, start, err);

	uint32_t nconn = tl_spec_connections(spec);
	if (backlog && backlog < nconn)
		json_array_append_new(json_object_get(start, "warnings"), json_sprintf(
			"the agent's listen backlog is %llu (net.core.somaxconn caps it) for %u connections: "
			"connects are paced to fit; raise somaxconn on the agent for a faster start "
			"(see 'tcplab doctor')", (unsigned long long)backlog, nconn));
	struct tl_connect_params cp = {
		.dest = &dest, .src = srcp, .count = nconn, .rate = t->connect_rate,
		.max_inflight = backlog ? (uint32_t)(backlog / 2 > 0 ? backlog / 2 : 1) : 256,
		.timeout_ns = spec->connect_timeout_ns, .agent_backlog = (int)backlog,
		.prepare = prepare_flow, .connected = flow_connected, .progress = progress,
		.dest_of = flow_dest, .ctx = c,
	};
	if (cp.max_inflight > 1024)
		cp.max_inflight = 1024;
	memcpy(cp.cookie, cookie, TL_COOKIE_LEN);
	uint64_t t0 = tl_now_ns();
	if (tl_connect_all(&cp, err) < 0)
		return -1;
	json_object_set_new(start, "connect_ns", json_integer((json_int_t)(tl_now_ns() - t0)));
	return run_test(c, start, err);
}

/* crr: the connectors open their own connections to the test's port, from --source addresses. */
static int run_crr_connectors(struct client *c, const struct tl_client_target *t, const struct tl_addr *ctl_dest,
			      uint16_t port, json_t *start, struct tl_err *err)
{
	struct tl_addr dest = *ctl_dest;
	tl_addr_set_port(&dest, port);
	struct tl_addr srcs[TL_CLIENT_MAX_SOURCES];
	uint32_t nsrc = 0;
	for (uint32_t i = 0; i < t->nsources; i++) {
		if (tl_addr_resolve(t->sources[i], 0, dest.ss.ss_family, 1, &srcs[nsrc], err) < 0) {
			tl_err_prefix(err, "--source");
			return -1;
		}
		nsrc++;
	}
	if (!nsrc && t->bind && *t->bind) { /* -B: the connectors' source too */
		if (tl_addr_resolve(t->bind, 0, dest.ss.ss_family, 1, &srcs[0], err) < 0) {
			tl_err_prefix(err, "--bind");
			return -1;
		}
		nsrc = 1;
	}
	if (tl_side_add_connectors(c->side, &dest, srcs, nsrc, err) < 0)
		return -1;
	/* The ceiling TIME_WAIT puts on new connections to this destination: one rule for
	 * every command (sys/port_ceiling.h). Connector i uses source i mod n, so fewer
	 * connectors than sources leave some unused. */
	struct tl_port_facts pf;
	struct tl_port_ceiling pc;
	tl_schedule_ceiling(&dest, nsrc < c->spec->flows ? nsrc : c->spec->flows, &pf, &pc);
	json_object_set_new(start, "crr", json_pack("{s:i,s:i,s:i,s:f,s:i,s:I,s:s}", "port", port,
		"ports_in_range", (int)(pf.port_hi >= pf.port_lo ? pf.port_hi - pf.port_lo + 1 : 0),
		"ports_usable", (int)pc.ports, "port_hold_seconds", pc.hold_ms / 1000.0,
		"tcp_tw_reuse", pf.tw_reuse, "predicted_max_connections_per_second",
		(json_int_t)pc.per_sec_floor, "ceiling_reason", pc.why));
	return 0;
}

static int run_test(struct client *c, json_t *start, struct tl_err *err)
{
	const struct tl_spec *spec = c->spec;
	json_t *m = NULL;
	int rc;
	if (tl_msg_recv(c->ctl, TL_MSG_READY, NULL, &m, tl_now_ns() + CLIENT_MSG_TIMEOUT_NS, err) < 0)
		return -1;
	json_decref(m);

	json_t *go = json_pack("{s:I}", "delay_ns", (json_int_t)CLIENT_START_DELAY_NS);
	rc = tl_msg_send(c->ctl, TL_MSG_START, go, tl_now_ns() + CLIENT_MSG_TIMEOUT_NS, err);
	json_decref(go);
	if (rc < 0)
		return -1;
	if (interrupted(c))
		return tl_err_set(err, EINTR, "interrupted (Ctrl-C) before the test started");
	uint64_t start_ns = tl_now_ns() + CLIENT_START_DELAY_NS;
	tl_side_start(c->side, start_ns);
	/* the start instant on this host's CLOCK_MONOTONIC, to line the test up with other
	 * records of the same clock (the testbed router's series) */
	json_object_set_new(start, "start_monotonic_ns", json_integer((json_int_t)start_ns));
	if (c->cb && c->cb->started)
		c->cb->started(c->cb->ctx, start);

	int finished = 0, done_sent = 0;
	uint64_t give_up = 0;
	while (!finished || !c->agent_results) {
		uint64_t now = tl_now_ns();
		uint64_t deadline = finished ? give_up : tl_side_next_deadline(c->side);
		struct pollfd p = { .fd = c->ctl, .events = POLLIN };
		int n = poll(&p, 1, tl_ms_until(deadline, now)); /* a signal ends the wait (EINTR) */
		if (n > 0 && handle_message(c, err) < 0)
			return -1;
		now = tl_now_ns();
		if (!finished && interrupted(c)) {
			/* Ctrl-C: this end's window ends now; DONE {"stop": true} ends the agent's */
			tl_side_interrupt(c->side, now);
			c->was_interrupted = 1;
		}
		uint32_t have = tl_side_tick(c->side, now, &finished);
		while (json_array_size(c->client_iv) < have)
			json_array_append_new(c->client_iv, tl_side_interval_json(c->side, (uint32_t)json_array_size(c->client_iv)));
		emit_intervals(c, 0);
		if (spec->workload == TL_WORKLOAD_CRR && !c->warned_ports && tl_side_addrnotavail(c->side)) {
			warn_ports(c, start);
			c->warned_ports = 1;
		}
		/* --bytes: the agent's end was cut short (its receiver stalled, its --max-time);
		 * what this end waits for will not come */
		if (!finished && spec->bytes && c->agent_results &&
		    json_is_true(json_object_get(c->agent_results, "cut_short"))) {
			tl_side_abort(c->side, now);
			tl_side_tick(c->side, now, &finished);
		}
		if (finished && !done_sent) {
			json_t *done = json_pack("{s:b}", "stop", tl_side_cut_short(c->side));
			rc = tl_msg_send(c->ctl, TL_MSG_DONE, done, now + CLIENT_MSG_TIMEOUT_NS, err);
			json_decref(done);
			if (rc < 0)
				return -1;
			done_sent = 1;
			/* In bytes mode the agent may still be receiving what this end wrote; in time
			 * mode it ends with this end, give or take the control path's delay. */
			give_up = now + (spec->bytes ? spec->stall_timeout_ns + TL_NSEC_PER_SEC
						     : CLIENT_RESULTS_GRACE_NS) +
				  (uint64_t)tl_spec_connections(spec) * CLIENT_RESULTS_PER_FLOW_NS;
			/* A --bytes receiver there may drain a slow path until its own --max-time */
			uint64_t agent_end = start_ns + spec->max_duration_ns + TL_NSEC_PER_SEC +
					     (uint64_t)tl_spec_connections(spec) * CLIENT_RESULTS_PER_FLOW_NS;
			if (spec->bytes && !tl_side_cut_short(c->side) && agent_end > give_up)
				give_up = agent_end;
		}
		if (finished && !c->agent_results && now >= give_up)
			return tl_err_set(err, ETIMEDOUT, "the agent sent no results in time after the end "
					  "of the test");
	}
	emit_intervals(c, 1);
	return 0;
}

int tl_stream_client_run(const struct tl_spec *spec, const struct tl_client_target *t,
			 const struct tl_client_callbacks *cb, json_t **doc, struct tl_err *err)
{
	struct client c = { .spec = spec, .cb = cb, .ctl = -1 };
	char stamp[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_t *start = json_pack("{s:s,s:s,s:{s:s,s:i},s:o,s:[]}", "version", TCPLAB_VERSION,
				  "timestamp", stamp, "connecting_to", "host", t->host, "port", t->port,
				  "test_start", tl_spec_to_json(spec), "warnings");
	c.agent_iv = json_array();
	c.client_iv = json_array();
	c.intervals = json_array();
	c.merge = tl_stream_merge_new(spec, t->per_flow_limit);
	c.side = tl_side_new(spec, 1, err);
	int rc = -1;
	if (c.side && c.merge)
		rc = run(&c, t, start, err);
	else if (!c.merge)
		tl_err_set(err, ENOMEM, "out of memory");
	if (rc < 0 && c.ctl >= 0)
		tl_msg_send_error(c.ctl, err->msg);
	if (c.side)
		tl_side_abort(c.side, tl_now_ns()); /* no-op once finished; stops the engine otherwise */
	json_t *end = NULL;
	if (c.side && c.merge) {
		json_t *mine = tl_side_results_json(c.side);
		end = tl_stream_merge_end(c.merge, mine, c.agent_results);
		json_decref(mine);
	}
	*doc = json_pack("{s:o,s:o,s:o*}", "start", start, "intervals", c.intervals, "end", end);
	if (c.was_interrupted)
		json_object_set_new(*doc, "interrupted", json_true());
	if (rc < 0)
		json_object_set_new(*doc, "error", json_string(err->msg));
	tl_side_free(c.side);
	if (c.ctl >= 0)
		close(c.ctl);
	tl_stream_merge_free(c.merge);
	json_decref(c.agent_iv);
	json_decref(c.client_iv);
	json_decref(c.agent_results);
	return rc;
}
