/* One test on the agent, from HELLO to RESULTS, in its own thread (see ctl/proto.h). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl/agent_internal.h"
#include "ctl/data_listen.h"
#include "ctl/auth.h"
#include "ctl/proto.h"
#include "ctl/router_req.h"
#include "ctl/spec.h"
#include "net/sock.h"
#include "util/clock.h"
#include "workload/side.h"

#define SESSION_MSG_TIMEOUT_NS (10 * TL_NSEC_PER_SEC)
#define SESSION_START_DELAY_MAX_NS (10 * TL_NSEC_PER_SEC)
/* After RESULTS sent at the slot's end, the client still gets this long to say DONE. */
#define SESSION_DONE_GRACE_NS (2 * TL_NSEC_PER_SEC)

static void cookie_hex(const uint8_t *cookie, char *out)
{
	for (int i = 0; i < TL_COOKIE_LEN; i++)
		sprintf(out + 2 * i, "%02x", cookie[i]);
}

/* Hands the queued data connections to the side. */
static int drain_queue(struct tl_session *s, struct tl_side *side, struct tl_err *err)
{
	uint64_t v;
	if (read(s->wakefd, &v, sizeof(v)) < 0) {
		/* nothing queued since the last drain */
	}
	pthread_mutex_lock(&s->lock);
	struct pending_data *q = s->queue;
	size_t n = s->queued;
	s->queue = NULL;
	s->queued = s->queue_cap = 0;
	pthread_mutex_unlock(&s->lock);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = tl_side_attach(side, q[i].flow_id, q[i].fd, err); /* owns fd */
		else
			tl_sock_close_abort(q[i].fd);
	}
	free(q);
	return rc;
}

/* Waits for the control socket or the queue until deadline; 1 = control readable. */
static int wait_events(struct tl_session *s, uint64_t deadline_ns, int *queue_ready)
{
	struct pollfd p[2] = { { .fd = s->ctl_fd, .events = POLLIN }, { .fd = s->wakefd, .events = POLLIN } };
	int rc = poll(p, 2, tl_ms_until(deadline_ns, tl_now_ns()));
	*queue_ready = rc > 0 && (p[1].revents & POLLIN);
	return rc > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR));
}

/* The client's nonce from HELLO (absent from clients that cannot authenticate). */
static void hello_nonce(const json_t *hello, uint8_t nonce[TL_AUTH_NONCE_LEN], int *have)
{
	const char *hex = NULL;
	*have = tl_json_get_str(hello, "nonce", 2 * TL_AUTH_NONCE_LEN, 0, &hex, NULL) == 0 && hex &&
		tl_auth_unhex(hex, nonce, TL_AUTH_NONCE_LEN) == 0;
}

/*
 * With --authorized-keys: the client's AUTH {key, sig} must name a listed key and sign this
 * session's digest as the agent sees it (ctl/auth.h). Anything else is one clear refusal.
 */
static int authenticate(struct tl_session *s, const uint8_t agent_nonce[TL_AUTH_NONCE_LEN],
			const uint8_t client_nonce[TL_AUTH_NONCE_LEN], int have_nonce, struct tl_err *err)
{
	struct tl_agent *a = s->agent;
	json_t *msg = NULL;
	uint16_t type = 0;
	const char *key_hex = NULL, *sig_hex = NULL;
	uint8_t pk[TL_AUTH_PK_LEN], sig[TL_AUTH_SIG_LEN], hash[TL_AUTH_HASH_LEN];
	struct tl_addr local, peer;
	int rc = tl_msg_recv_any(s->ctl_fd, TL_MSG_BIT(TL_MSG_AUTH) | TL_MSG_BIT(TL_MSG_TEST) |
				 TL_MSG_BIT(TL_MSG_ROUTER), 0, &type, &msg, s->greet_deadline_ns, err);
	if (rc < 0)
		goto out;
	rc = -1;
	if (type != TL_MSG_AUTH || !have_nonce) {
		tl_err_set(err, EACCES, "this agent requires authentication: make a key with 'tcplab keygen' and "
			   "have its .pub line added to the agent's --authorized-keys");
		goto out;
	}
	if (tl_json_get_str(msg, "key", 2 * TL_AUTH_PK_LEN, 1, &key_hex, err) < 0 ||
	    tl_json_get_str(msg, "sig", 2 * TL_AUTH_SIG_LEN, 1, &sig_hex, err) < 0 ||
	    tl_auth_unhex(key_hex, pk, sizeof(pk)) < 0 || tl_auth_unhex(sig_hex, sig, sizeof(sig)) < 0) {
		tl_err_set(err, EACCES, "authentication refused: AUTH needs \"key\" (64 hex digits) and \"sig\" "
			   "(128 hex digits)");
		goto out;
	}
	if (!tl_auth_is_authorized(a->cfg.auth_keys, pk)) {
		tl_err_set(err, EACCES, "authentication refused: key %.16s... is not in this agent's "
			   "--authorized-keys", key_hex);
		goto out;
	}
	if (tl_addr_local(s->ctl_fd, &local, err) < 0 || tl_addr_peer(s->ctl_fd, &peer, err) < 0)
		goto out;
	tl_auth_transcript(agent_nonce, client_nonce, pk, &local, &peer, s->cookie, TL_COOKIE_LEN, hash);
	if (tl_auth_verify(pk, hash, sig) < 0) {
		tl_err_set(err, EACCES, "authentication refused: the signature does not match this session (a "
			   "replayed or relayed handshake, or an address translation between client and agent)");
		goto out;
	}
	rc = 0;
out:
	json_decref(msg);
	if (rc < 0 && err->code == EACCES)
		tl_agent_count(a, &a->stats.auth_refused, 1);
	return rc;
}

static int check_spec(struct tl_agent *a, struct tl_spec *spec, struct tl_err *err);

/*
 * HELLO to TEST (the spec in *spec), or HELLO to ROUTER: then *router is that request's body
 * (the caller's) and no spec is read.
 */
static int handshake(struct tl_session *s, struct tl_spec *spec, json_t **router, struct tl_err *err)
{
	struct tl_agent *a = s->agent;
	json_t *msg = NULL;
	char hex[2 * TL_COOKIE_LEN + 1], nonce_hex[2 * TL_AUTH_NONCE_LEN + 1];
	uint8_t agent_nonce[TL_AUTH_NONCE_LEN], client_nonce[TL_AUTH_NONCE_LEN];
	int have_nonce = 0;
	/* The whole greeting, HELLO to TEST, must be over by the deadline set at accept
	 * (--handshake-timeout): a client that greets and goes silent holds its place no longer. */
	int rc = tl_msg_recv(s->ctl_fd, TL_MSG_HELLO, NULL, &msg, s->greet_deadline_ns, err);
	if (rc < 0)
		return rc;
	hello_nonce(msg, client_nonce, &have_nonce);
	json_decref(msg);
	msg = NULL;
	cookie_hex(s->cookie, hex);
	json_t *welcome = json_pack("{s:s,s:s,s:{s:I,s:I,s:I,s:I},s:i}", "tcplab", TCPLAB_VERSION,
				    "cookie", hex, "limits", "max_flows", (json_int_t)a->cfg.max_flows,
				    "max_threads", (json_int_t)a->cfg.max_threads,
				    "max_duration_ns", (json_int_t)a->cfg.max_duration_ns,
				    "max_tests", (json_int_t)a->cfg.max_tests, "backlog", a->backlog);
	if (a->cfg.auth_keys) {
		tl_auth_random(agent_nonce, sizeof(agent_nonce));
		tl_auth_hex(agent_nonce, sizeof(agent_nonce), nonce_hex);
		json_object_set_new(welcome, "auth", json_pack("{s:s,s:s}", "scheme", "ed25519", "nonce", nonce_hex));
	}
	rc = tl_msg_send(s->ctl_fd, TL_MSG_WELCOME, welcome, s->greet_deadline_ns, err);
	json_decref(welcome);
	if (rc < 0)
		return rc;
	if (a->cfg.auth_keys && authenticate(s, agent_nonce, client_nonce, have_nonce, err) < 0)
		return -1;
	uint16_t type = 0;
	rc = tl_msg_recv_any(s->ctl_fd, TL_MSG_BIT(TL_MSG_TEST) | TL_MSG_BIT(TL_MSG_ROUTER), 0, &type, &msg,
			     s->greet_deadline_ns, err);
	if (rc == -ETIMEDOUT)
		tl_err_set(err, ETIMEDOUT, "no TEST within the agent's --handshake-timeout of %llu ms",
			   (unsigned long long)(a->cfg.handshake_timeout_ns / TL_NSEC_PER_MSEC));
	if (rc < 0)
		return rc;
	if (type == TL_MSG_ROUTER) {
		*router = msg;
		return 0;
	}
	rc = tl_spec_from_json(json_object_get(msg, "spec"), spec, err);
	json_decref(msg);
	msg = NULL;
	if (rc == 0 && tl_spec_check_cc_available(spec, err) < 0) { /* this host's, this process's */
		tl_err_prefix(err, "on the agent's host");
		rc = -EPERM;
	}
	if (rc < 0) {
		tl_err_prefix(err, "test spec refused");
		return rc;
	}
	return check_spec(a, spec, err);
}

/* The agent's limits on a client's spec: refused over them, or clamped to them. */
static int check_spec(struct tl_agent *a, struct tl_spec *spec, struct tl_err *err)
{
	if (tl_spec_connections(spec) > a->cfg.max_flows)
		return tl_err_set(err, EPERM, "%u connections exceed this agent's --max-flows %u",
				  tl_spec_connections(spec), a->cfg.max_flows);
	uint64_t planned = spec->bytes ? spec->max_duration_ns : spec->omit_ns + spec->duration_ns;
	if (planned > a->cfg.max_duration_ns)
		return tl_err_set(err, EPERM, "test of %llu s exceeds this agent's --max-duration %llu s",
				  (unsigned long long)(planned / TL_NSEC_PER_SEC),
				  (unsigned long long)(a->cfg.max_duration_ns / TL_NSEC_PER_SEC));
	if (spec->threads > a->cfg.max_threads)
		spec->threads = a->cfg.max_threads;
	/* The client chooses how long the agent waits for its connections and for a stalled flow;
	 * the agent's caps bound both, so a TEST that never connects holds a slot no longer than
	 * --max-connect-timeout (without the cap: 3600 s asked, 3600 s held). */
	if (spec->connect_timeout_ns > a->cfg.max_connect_timeout_ns)
		spec->connect_timeout_ns = a->cfg.max_connect_timeout_ns;
	if (spec->stall_timeout_ns > a->cfg.max_stall_timeout_ns)
		spec->stall_timeout_ns = a->cfg.max_stall_timeout_ns;
	return 0;
}

/*
 * A router request (ctl/router_req.h): relayed to the router on this host, answered once.
 * It holds no test slot; its time is the forwarder's (TL_ROUTER_OPS_TIMEOUT_NS) and the
 * answer's send.
 */
static int serve_router(struct tl_session *s, const json_t *body, const char *who, struct tl_err *err)
{
	struct tl_router_req req;
	if (tl_router_req_parse(body, &req, err) < 0)
		return -1;
	json_t *answer = tl_router_req_serve(&req);
	const char *emsg = json_string_value(json_object_get(answer, "error"));
	tl_agent_logf(s->agent, "router %s%s%s from %s: %s", tl_router_op_name(req.op),
		      req.name[0] ? " " : "", req.name, who, emsg ? emsg : "done");
	int rc = answer ? tl_msg_send(s->ctl_fd, TL_MSG_ROUTER_ANSWER, answer,
				      tl_now_ns() + SESSION_MSG_TIMEOUT_NS, err)
			: tl_err_set(err, ENOMEM, "out of memory");
	if (rc == -EMSGSIZE && req.op == TL_ROUTER_OP_LIST)
		tl_err_prefix(err, "router list: the answer is too large");
	else if (rc == -EMSGSIZE)
		tl_err_prefix(err, "router %s's answer is too large (ask for fewer --flows or a "
			      "shorter window)", req.name);
	json_decref(answer);
	tl_router_req_free(&req);
	return rc;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The slot's end (--max-duration from the moment it was taken) has passed. */
static int slot_over(const struct tl_session *s, struct tl_err *err)
{
	if (tl_now_ns() < s->slot_deadline_ns)
		return 0;
	return tl_err_set(err, ETIMEDOUT, "ended by this agent's --max-duration of %llu s (after the "
			  "time allowed for connecting, it covers the test and its results)",
			  (unsigned long long)(s->agent->cfg.max_duration_ns / TL_NSEC_PER_SEC));
}

/*
 * The test's part of the agent's sending budget (caller holds a->lock): at most
 * --max-test-rate, and what --max-rate leaves after the running tests; 0 = no cap. Sets *busy
 * when --max-rate has less than TL_AGENT_MIN_SHARE_BPS left.
 */
static uint64_t take_rate_share(struct tl_agent *a, uint32_t connections, int *busy)
{
	uint64_t share = a->cfg.max_test_rate_bps;
	(void)connections;
	if (*busy)
		return 0;
	if (a->cfg.max_rate_bps) {
		uint64_t left = a->cfg.max_rate_bps > a->rate_used_bps ? a->cfg.max_rate_bps - a->rate_used_bps : 0;
		if (left < TL_AGENT_MIN_SHARE_BPS) {
			*busy = 1;
			return 0;
		}
		if (!share || share > left)
			share = left;
	}
	a->rate_used_bps += share;
	return share;
}

static int collect_flows(struct tl_session *s, const struct tl_spec *spec, struct tl_side *side,
			 struct tl_data_listeners *dl, struct tl_err *err)
{
	uint32_t want = spec->workload == TL_WORKLOAD_CRR ? 0 : tl_spec_connections(spec);
	uint64_t deadline = min_u64(tl_now_ns() + spec->connect_timeout_ns + TL_NSEC_PER_SEC, s->slot_deadline_ns);
	uint32_t refused = 0;
	while (tl_side_attached(side) < want) {
		if (slot_over(s, err))
			return -1;
		if (tl_now_ns() >= deadline)
			return tl_err_set(err, ETIMEDOUT, "only %u of %u data connections arrived within %llu s",
					  tl_side_attached(side), want,
					  (unsigned long long)(spec->connect_timeout_ns / TL_NSEC_PER_SEC) + 1);
		/* the control connection, the shared port's queue, and the test's own ports */
		struct pollfd p[2 + TL_DATA_LISTEN_MAX] = { { .fd = s->ctl_fd, .events = POLLIN },
							    { .fd = s->wakefd, .events = POLLIN } };
		for (uint32_t i = 0; i < dl->plan.n; i++)
			p[2 + i] = (struct pollfd){ .fd = dl->fd[i], .events = POLLIN };
		int n = poll(p, 2 + dl->plan.n, tl_ms_until(deadline, tl_now_ns()));
		if (n > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			json_t *m = NULL;
			/* nothing but an ERROR is expected now; anything else is refused by its header */
			int rc = tl_msg_recv_any(s->ctl_fd, 0, 0, NULL, &m, tl_now_ns() + SESSION_MSG_TIMEOUT_NS, err);
			json_decref(m);
			m = NULL;
			if (rc < 0)
				tl_err_prefix(err, "while the data connections arrive");
			return rc;
		}
		if (n > 0 && (p[1].revents & POLLIN) && drain_queue(s, side, err) < 0)
			return -1;
		/* a connection gets the agent's handshake time to greet, as on the shared port */
		uint64_t greet = tl_now_ns() + s->agent->cfg.handshake_timeout_ns;
		for (uint32_t i = 0; n > 0 && i < dl->plan.n; i++)
			if ((p[2 + i].revents & POLLIN) &&
			    tl_data_listeners_accept(dl, i, spec, s->cookie, side, greet < deadline ? greet : deadline,
						     &refused, err) < 0)
				return -1;
	}
	if (refused)
		tl_agent_logf(s->agent, "test %llu: %u connection(s) to its data ports refused (no valid greeting)",
			      (unsigned long long)s->id, refused);
	return 0;
}

static int send_intervals(struct tl_session *s, struct tl_side *side, uint32_t *sent, uint32_t have,
			  struct tl_err *err)
{
	for (; *sent < have; (*sent)++) {
		json_t *iv = tl_side_interval_json(side, *sent);
		int rc = tl_msg_send(s->ctl_fd, TL_MSG_INTERVAL, iv, tl_now_ns() + SESSION_MSG_TIMEOUT_NS, err);
		json_decref(iv);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int run_test(struct tl_session *s, const struct tl_spec *spec, struct tl_side *side,
		    struct tl_err *err)
{
	json_t *m = NULL;
	uint64_t delay = 0;
	json_t *ready = json_pack("{s:I}", "flows", (json_int_t)tl_side_attached(side));
	int rc = tl_msg_send(s->ctl_fd, TL_MSG_READY, ready, tl_now_ns() + SESSION_MSG_TIMEOUT_NS, err);
	json_decref(ready);
	if (rc < 0)
		return rc;
	rc = tl_msg_recv(s->ctl_fd, TL_MSG_START, NULL, &m,
			 min_u64(tl_now_ns() + SESSION_MSG_TIMEOUT_NS, s->slot_deadline_ns), err);
	if (rc == -ETIMEDOUT)
		slot_over(s, err); /* say which limit, when it was the slot's */
	if (rc < 0)
		return rc;
	rc = tl_json_get_u64(m, "delay_ns", 0, SESSION_START_DELAY_MAX_NS, 1, &delay, err);
	json_decref(m);
	m = NULL;
	if (rc < 0)
		return rc;
	tl_side_start(side, tl_now_ns() + delay);

	int finished = 0, client_done = 0;
	uint32_t sent = 0;
	while (!finished) {
		int queue_ready;
		if (slot_over(s, err))
			return -1;
		if (wait_events(s, min_u64(tl_side_next_deadline(side), s->slot_deadline_ns), &queue_ready)) {
			uint16_t type;
			rc = tl_msg_recv_any(s->ctl_fd, TL_MSG_BIT(TL_MSG_DONE), 0, &type, &m,
					     tl_now_ns() + SESSION_MSG_TIMEOUT_NS, err);
			int stop = rc >= 0 && json_is_true(json_object_get(m, "stop"));
			json_decref(m);
			m = NULL;
			if (rc < 0) {
				tl_err_prefix(err, "during the test");
				return rc;
			}
			client_done = 1;
			/* The client's end was cut short (--max-time, a stalled receiver, Ctrl-C):
			 * what it still waits for will not come, so this end stops now too, after
			 * one last look in case its flows had just finished. */
			if (stop) {
				tl_side_tick(side, tl_now_ns(), &finished);
				if (!finished)
					tl_side_abort(side, tl_now_ns());
				finished = 1;
			}
		}
		uint32_t have = tl_side_tick(side, tl_now_ns(), &finished);
		if (send_intervals(s, side, &sent, have, err) < 0)
			return -1;
	}
	uint64_t t_end = tl_now_ns();
	json_t *results = tl_side_results_json(side);
	rc = tl_msg_send(s->ctl_fd, TL_MSG_RESULTS, results, tl_now_ns() + SESSION_MSG_TIMEOUT_NS, err);
	json_decref(results);
	tl_agent_logf(s->agent, "test %llu: results of %u flows sent in %llu ms", (unsigned long long)s->id,
		      tl_spec_connections(spec), (unsigned long long)((tl_now_ns() - t_end) / TL_NSEC_PER_MSEC));
	if (rc < 0)
		return rc;
	/* Keep the flows open until the client has its data too (a bytes-mode receiver may still
	 * be reading what this end already wrote); then every socket closes with an RST. */
	if (!client_done) {
		/* bounded by the agent: the stall timeout is capped, and the slot's end is near */
		uint64_t wait = tl_now_ns() + spec->stall_timeout_ns + SESSION_MSG_TIMEOUT_NS;
		rc = tl_msg_recv(s->ctl_fd, TL_MSG_DONE, NULL, &m,
				 min_u64(wait, s->slot_deadline_ns + SESSION_DONE_GRACE_NS), err);
		json_decref(m);
		m = NULL;
	}
	return rc;
}

void *tl_session_main(void *arg)
{
	struct tl_session *s = arg;
	struct tl_agent *a = s->agent;
	struct tl_spec spec;
	struct tl_side *side = NULL;
	struct tl_err err = { 0 };
	struct tl_addr peer;
	struct tl_data_listeners dl = { .plan = { .n = 0 } };
	char who[80] = "?";
	int counted = 0, ok = 0;

	if (tl_addr_peer(s->ctl_fd, &peer, NULL) == 0)
		tl_addr_str(&peer, who, sizeof(who));
	/* Control messages are small and must not wait behind Nagle (the start instant). */
	int one = 1;
	setsockopt(s->ctl_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	json_t *router = NULL;
	int hrc = handshake(s, &spec, &router, &err);
	if (router) {
		/* still pending while it is served: --max-pending and --max-pending-per-host bound
		 * the router requests at once, as they bound greetings */
		if (hrc == 0)
			hrc = serve_router(s, router, who, &err);
		json_decref(router);
		tl_agent_unpend(a, s);
		if (hrc < 0)
			goto out;
		ok = 2; /* answered; no test ran, none to count or log as one */
		goto out;
	}
	tl_agent_unpend(a, s); /* it holds a slot now, or it ends */
	if (hrc < 0)
		goto out;
	pthread_mutex_lock(&a->lock);
	int busy = a->stats.tests_running >= a->cfg.max_tests;
	uint64_t share = take_rate_share(a, tl_spec_connections(&spec), &busy);
	if (busy)
		a->stats.busy_refused++;
	else {
		a->stats.tests_running++;
		a->stats.tests_started++;
		counted = 1;
	}
	pthread_mutex_unlock(&a->lock);
	/* The slot's whole life: connecting (the capped connect timeout, plus the second
	 * collect_flows adds), then at most --max-duration of test and results. */
	s->slot_deadline_ns = tl_now_ns() + spec.connect_timeout_ns + TL_NSEC_PER_SEC + a->cfg.max_duration_ns;
	if (busy) {
		if (a->stats.tests_running >= a->cfg.max_tests)
			tl_err_set(&err, EBUSY, "agent busy: %u tests running (its --max-tests); try again later",
				   a->cfg.max_tests);
		else
			tl_err_set(&err, EBUSY, "agent busy: the running tests use all of its --max-rate; try "
				   "again later");
		goto out;
	}
	s->rate_share_bps = share;
	/* every connection paced so the test's sending stays within its share */
	if (share)
		tl_spec_cap_pacing(&spec, share / tl_spec_connections(&spec) ? share / tl_spec_connections(&spec) : 1);
	side = tl_side_new(&spec, 0, &err);
	if (!side)
		goto out;
	uint16_t crr_port = 0;
	if (spec.workload == TL_WORKLOAD_CRR) {
		/* crr connections come to a port of the test's own, not through the greeting */
		struct tl_addr local;
		if (tl_addr_local(s->ctl_fd, &local, &err) < 0 ||
		    tl_side_listen(side, &local, &crr_port, &err) < 0)
			goto out;
	} else {
		/* flows received with a fixed --rcvbuf connect to ports of their own (data_listen.h) */
		struct tl_addr local;
		if (tl_addr_local(s->ctl_fd, &local, &err) < 0 || tl_data_listeners_open(&dl, &spec, &local, &err) < 0)
			goto out;
		pthread_mutex_lock(&s->lock);
		s->expected_flows = tl_spec_connections(&spec);
		pthread_mutex_unlock(&s->lock);
		tl_agent_register(a, s);
	}
	tl_agent_logf(a, "test %llu from %s: %s %s, %u flows, %u threads", (unsigned long long)s->id, who,
		      tl_workload_name(spec.workload), tl_direction_name(spec.direction), spec.flows,
		      spec.threads);
	json_t *acc = json_pack("{s:I,s:i,s:I,s:I,s:I}", "threads", (json_int_t)spec.threads, "crr_port", crr_port,
				"connect_timeout_ns", (json_int_t)spec.connect_timeout_ns,
				"stall_timeout_ns", (json_int_t)spec.stall_timeout_ns,
				"rate_cap_bps", (json_int_t)s->rate_share_bps);
	if (dl.plan.n)
		json_object_set_new(acc, "data_ports", tl_data_listeners_ports_json(&dl));
	int rc = tl_msg_send(s->ctl_fd, TL_MSG_ACCEPT, acc, tl_now_ns() + SESSION_MSG_TIMEOUT_NS, &err);
	json_decref(acc);
	if (rc < 0 || collect_flows(s, &spec, side, &dl, &err) < 0 || run_test(s, &spec, side, &err) < 0)
		goto out;
	ok = 1;
out:
	if (!ok && tl_agent_shutting_down(a))
		tl_err_set(&err, ESHUTDOWN, "ended by the agent's shutdown");
	if (!ok) {
		tl_msg_send_error(s->ctl_fd, err.msg);
		tl_agent_logf(a, "test %llu from %s failed: %s", (unsigned long long)s->id, who, err.msg);
	} else if (ok == 1) {
		tl_agent_logf(a, "test %llu from %s done", (unsigned long long)s->id, who);
	}
	tl_agent_unregister(a, s);
	tl_data_listeners_close(&dl);
	tl_side_free(side);
	pthread_mutex_lock(&a->lock);
	a->rate_used_bps -= s->rate_share_bps;
	s->rate_share_bps = 0;
	if (counted) {
		a->stats.tests_running--;
		if (a->cfg.one_off)
			a->one_off_done = 1;
		if (ok)
			a->stats.tests_ok++;
		else
			a->stats.tests_failed++;
	}
	pthread_mutex_unlock(&a->lock);
	shutdown(s->ctl_fd, SHUT_RDWR);
	__atomic_store_n(&s->finished, 1, __ATOMIC_RELEASE);
	return NULL;
}
