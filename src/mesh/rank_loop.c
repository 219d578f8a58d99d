/* The token loop of one rank: forward, measure, drain, report. */
#include "mesh/rank_loop.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "measure/cpu.h"
#include "measure/hist.h"
#include "mesh/counters.h"
#include "mesh/hostid.h"
#include "mesh/pattern.h"
#include "util/clock.h"
#include "util/err.h"

#define CTL_TAG UINT32_MAX

/* ARMED: the window's start is sampled, tokens not yet injected (every rank samples first). */
enum phase { WAIT_START, ARMED, RUNNING, DRAINING, FINAL_SENT };

struct loop {
	const struct tl_mesh_rank_cfg *cfg;
	const struct tl_mesh_spec *spec;
	struct tl_mesh_peer *peers;
	struct tl_mesh_ctl_reader *ctl;
	uint32_t self, n, msg_len;
	int ep;
	int quickack;
	enum phase phase;
	struct tl_mesh_router rt;
	struct tl_hist *lat;
	uint64_t hops_sent, hops_received, hops_in_window;
	uint64_t held, held_sum, held_hash;   /* tokens this rank holds at the end */
	uint64_t parked_unreported;           /* --hops: reached their budget, not yet told */
	uint64_t misrouted;                   /* all-to-all tokens off their tour */
	uint32_t markers_in;
	uint64_t start_ns, stop_ns, max_ns, guard_ns;
	struct tl_cpu_sample cpu0, cpu1;
	struct tl_sys_cpu sys0, sys1;
	struct tl_mesh_counters ctr0, ctr1;
	int have_sys, have_ctr;
};

uint64_t tl_mesh_token_hash(uint32_t token)
{
	struct tl_mesh_rng r;
	tl_mesh_rng_seed(&r, 0x7465636c6162ULL, token);
	return tl_mesh_rng_next(&r);
}

static int arm_out(struct loop *l, uint32_t p, int on, struct tl_err *err)
{
	struct tl_mesh_peer *peer = &l->peers[p];
	if (peer->pollout == on)
		return 0;
	struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.u32 = p };
	if (epoll_ctl(l->ep, EPOLL_CTL_MOD, peer->fd, &ev) < 0)
		return tl_err_errno(err, "epoll_ctl (connection to rank %u)", p);
	peer->pollout = on;
	return 0;
}

static int flush(struct loop *l, uint32_t p, struct tl_err *err)
{
	int rc = tl_mesh_peer_flush(&l->peers[p], err);
	if (rc < 0) {
		tl_err_prefix(err, "connection to rank %u", p);
		return rc;
	}
	return arm_out(l, p, rc == 1, err);
}

static int send_msg(struct loop *l, uint32_t to, const struct tl_mesh_msg *m, struct tl_err *err)
{
	uint8_t *slot;
	if (tl_mesh_peer_queue(&l->peers[to], l->msg_len, &slot, err) < 0)
		return -ENOMEM;
	tl_mesh_msg_encode(m, slot);
	/* Already waiting for room: the bytes go out with the rest on EPOLLOUT. */
	if (l->peers[to].pollout)
		return 0;
	return flush(l, to, err);
}

static int forward(struct loop *l, uint32_t token, uint32_t origin, uint64_t hops,
		   struct tl_err *err)
{
	uint32_t to = tl_mesh_next_hop(&l->rt, token, origin, hops);
	struct tl_mesh_msg m = {
		.kind = TL_MESH_TOKEN, .length = l->msg_len, .sender = l->self, .token = token,
		.origin = origin, .hops = hops + 1, .sent_ns = tl_now_ns(),
	};
	l->hops_sent++;
	l->peers[to].sent++;
	return send_msg(l, to, &m, err);
}

static void hold(struct loop *l, uint32_t token)
{
	l->held++;
	l->held_sum += token;
	l->held_hash ^= tl_mesh_token_hash(token);
}

static int sample(struct loop *l, struct tl_cpu_sample *cpu, struct tl_sys_cpu *sys,
		  struct tl_mesh_counters *ctr, struct tl_err *err)
{
	int rc = l->cfg->cpu_per_thread ? tl_cpu_sample_thread(cpu, err) : tl_cpu_sample_process(cpu, err);
	if (rc < 0)
		return rc;
	/* Machine-wide numbers are a bonus: a rank without /proc still runs. */
	if (tl_sys_cpu_read(sys, NULL) < 0)
		l->have_sys = 0;
	if (tl_mesh_transport_is_tcp(l->spec->transport) && tl_mesh_counters_read(ctr, NULL) < 0)
		l->have_ctr = 0;
	return 0;
}

/* "start": take the window's first samples, say so, and wait for "go". */
static int on_start(struct loop *l, struct tl_err *err)
{
	if (l->phase != WAIT_START)
		return tl_err_set(err, EPROTO, "\"start\" twice");
	l->have_sys = 1;
	l->have_ctr = tl_mesh_transport_is_tcp(l->spec->transport);
	if (sample(l, &l->cpu0, &l->sys0, &l->ctr0, err) < 0)
		return -1;
	l->start_ns = l->cpu0.wall_ns;
	l->phase = ARMED;
	json_t *m = json_pack("{s:s}", "type", "armed");
	int rc = m ? tl_mesh_ctl_send(l->cfg->ctl_fd, m, 10000, err) : tl_err_set(err, ENOMEM, "oom");
	json_decref(m);
	return rc;
}

/*
 * "go": every rank has sampled its start, so no token can move outside a window. Tokens
 * from a peer that got "go" first are forwarded as usual meanwhile.
 */
static int on_go(struct loop *l, struct tl_err *err)
{
	if (l->phase != ARMED)
		return tl_err_set(err, EPROTO, "\"go\" before \"start\"");
	uint64_t now = tl_now_ns();
	l->phase = RUNNING;
	if (l->spec->duration_ns)
		l->stop_ns = now + l->spec->duration_ns;
	l->max_ns = now + (l->spec->duration_ns ? l->spec->duration_ns : l->spec->max_time_ns);
	l->guard_ns = l->max_ns + l->spec->connect_timeout_ns + 60 * TL_NSEC_PER_SEC;
	for (uint64_t t = l->self; t < l->spec->tokens; t += l->n) {
		if (tl_mesh_spec_budget(l->spec, (uint32_t)t) == 0) {
			hold(l, (uint32_t)t);
			continue;
		}
		if (forward(l, (uint32_t)t, l->self, 0, err) < 0)
			return -1;
	}
	return 0;
}

static int begin_drain(struct loop *l, struct tl_err *err)
{
	if (l->phase == WAIT_START || l->phase == ARMED || l->phase == RUNNING) {
		if (l->phase == WAIT_START) {
			/* Stopped before starting: an empty window, but the same ending. */
			l->have_sys = l->have_ctr = 0;
			if (sample(l, &l->cpu0, &l->sys0, &l->ctr0, err) < 0)
				return -1;
			l->start_ns = l->cpu0.wall_ns;
		}
		if (sample(l, &l->cpu1, &l->sys1, &l->ctr1, err) < 0)
			return -1;
		l->stop_ns = l->cpu1.wall_ns;
		l->phase = DRAINING;
		struct tl_mesh_msg m = { .kind = TL_MESH_MARKER, .length = l->msg_len, .sender = l->self,
					 .sent_ns = tl_now_ns() };
		for (uint32_t p = 0; p < l->n; p++)
			if (p != l->self && send_msg(l, p, &m, err) < 0)
				return -1;
	}
	return 0;
}

static json_t *final_msg(struct loop *l)
{
	struct tl_cpu_sample d;
	char hash[24], host[64], netns[96];
	tl_cpu_delta(&l->cpu0, &l->cpu1, &d);
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)l->held_hash);
	tl_mesh_host_id(host, sizeof(host));
	tl_mesh_netns_id(netns, sizeof(netns));
	json_t *m = json_pack("{s:s, s:I, s:I, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:o,"
			      " s:{s:I, s:I, s:I, s:I, s:I}, s:s, s:s}",
			      "type", "final", "rank", (json_int_t)l->self,
			      "held", (json_int_t)l->held, "held_id_sum", (json_int_t)l->held_sum,
			      "held_id_hash", hash,
			      "hops_sent", (json_int_t)l->hops_sent,
			      "hops_received", (json_int_t)l->hops_received,
			      "hops_in_window", (json_int_t)l->hops_in_window,
			      "misrouted", (json_int_t)l->misrouted,
			      "window_ns", (json_int_t)(l->stop_ns - l->start_ns),
			      "latency", tl_hist_to_json(l->lat),
			      "cpu", "wall_ns", (json_int_t)d.wall_ns, "user_ns", (json_int_t)d.user_ns,
			      "sys_ns", (json_int_t)d.sys_ns, "vol_ctx", (json_int_t)d.vol_ctx,
			      "invol_ctx", (json_int_t)d.invol_ctx,
			      "host_id", host, "netns_id", netns);
	if (!m)
		return NULL;
	if (l->have_sys) {
		uint64_t busy = l->sys1.busy_ticks > l->sys0.busy_ticks ? l->sys1.busy_ticks - l->sys0.busy_ticks : 0;
		uint64_t idle = l->sys1.idle_ticks > l->sys0.idle_ticks ? l->sys1.idle_ticks - l->sys0.idle_ticks : 0;
		json_object_set_new(m, "machine", json_pack("{s:I, s:I, s:I}", "busy_ticks", (json_int_t)busy,
							    "idle_ticks", (json_int_t)idle,
							    "ncpu", (json_int_t)l->sys1.ncpu));
	}
	if (l->have_ctr)
		json_object_set_new(m, "counters", tl_mesh_counters_delta_json(&l->ctr0, &l->ctr1));
	return m;
}

static int check_final(struct loop *l, struct tl_err *err)
{
	if (l->phase != DRAINING || l->markers_in != l->n - 1)
		return 0;
	for (uint32_t p = 0; p < l->n; p++)
		if (p != l->self && l->peers[p].out_len)
			return 0;
	json_t *m = final_msg(l);
	if (!m)
		return tl_err_set(err, ENOMEM, "final report: out of memory");
	int rc = tl_mesh_ctl_send(l->cfg->ctl_fd, m, 10000, err);
	json_decref(m);
	if (rc < 0)
		return rc;
	/* Peers reset their connections once "done" reaches them: stop listening to them. */
	for (uint32_t p = 0; p < l->n; p++)
		if (p != l->self)
			epoll_ctl(l->ep, EPOLL_CTL_DEL, l->peers[p].fd, NULL);
	l->phase = FINAL_SENT;
	return 0;
}

static int on_token(struct loop *l, uint32_t from, const struct tl_mesh_msg *m, uint64_t now,
		    struct tl_err *err)
{
	if (m->token >= l->spec->tokens || m->origin >= l->n || m->hops == 0)
		return tl_err_set(err, EPROTO, "rank %u sent token %u (origin %u, hop %llu): not of this "
				  "run", from, m->token, m->origin, (unsigned long long)m->hops);
	l->hops_received++;
	l->peers[from].received++;
	if (now >= m->sent_ns)
		tl_hist_record(l->lat, now - m->sent_ns);
	if (l->spec->pattern == TL_MESH_ALL2ALL &&
	    tl_mesh_all2all_at(l->spec->seed, l->n, m->token, m->origin, m->hops) != l->self)
		l->misrouted++;
	if (l->phase == ARMED || l->phase == RUNNING) {
		l->hops_in_window++;
		if (m->hops < tl_mesh_spec_budget(l->spec, m->token))
			return forward(l, m->token, m->origin, m->hops, err);
		l->parked_unreported++;
	}
	hold(l, m->token);
	return 0;
}

static int on_peer(struct loop *l, uint32_t p, struct tl_err *err)
{
	struct tl_mesh_peer *peer = &l->peers[p];
	long r = tl_mesh_peer_read(peer, l->msg_len, err);
	if (r < 0) {
		tl_err_prefix(err, "connection to rank %u", p);
		return -1;
	}
	if (r > 0 && l->quickack) {
		/* Not permanent (tcp(7)): the kernel may fall back to delayed ACKs after any receive. */
		int one = 1;
		if (setsockopt(peer->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one)) < 0)
			return tl_err_errno(err, "setsockopt TCP_QUICKACK (connection to rank %u)", p);
	}
	size_t off = 0;
	uint64_t now = tl_now_ns();
	while (peer->in_len - off >= l->msg_len) {
		struct tl_mesh_msg m;
		if (tl_mesh_msg_decode(peer->in + off, l->msg_len, &m, err) < 0) {
			tl_err_prefix(err, "connection to rank %u", p);
			return -1;
		}
		if (m.sender != p)
			return tl_err_set(err, EPROTO, "a message on the connection to rank %u says it "
					  "is from rank %u", p, m.sender);
		if (peer->marker_in)
			return tl_err_set(err, EPROTO, "rank %u sent data after its marker", p);
		off += l->msg_len;
		if (m.kind == TL_MESH_MARKER) {
			peer->marker_in = 1;
			l->markers_in++;
			continue;
		}
		if (on_token(l, p, &m, now, err) < 0)
			return -1;
	}
	tl_mesh_peer_consume(peer, off);
	return 0;
}

/* 1 when "done" arrived, 0 to go on, <0 on error. */
static int on_ctl(struct loop *l, struct tl_err *err)
{
	for (;;) {
		json_t *m = NULL;
		int rc = tl_mesh_ctl_recv(l->cfg->ctl_fd, l->ctl, &m, err);
		if (rc <= 0) {
			if (rc < 0)
				tl_err_prefix(err, "control channel");
			return rc;
		}
		const char *t = tl_mesh_ctl_type(m);
		if (strcmp(t, "start") == 0) {
			rc = on_start(l, err);
		} else if (strcmp(t, "go") == 0) {
			rc = on_go(l, err);
		} else if (strcmp(t, "stop") == 0) {
			rc = begin_drain(l, err);
		} else if (strcmp(t, "done") == 0) {
			rc = l->phase == FINAL_SENT ? 1 : tl_err_set(err, EPROTO, "\"done\" before the final report");
		} else if (strcmp(t, "error") == 0) {
			const char *why = json_string_value(json_object_get(m, "msg"));
			rc = tl_err_set(err, ECONNABORTED, "the coordinator stopped the run: %s", why ? why : "?");
		} else {
			rc = tl_err_set(err, EPROTO, "unexpected control message \"%s\"", t);
		}
		json_decref(m);
		if (rc != 0)
			return rc;
	}
}

static int report_parked(struct loop *l, struct tl_err *err)
{
	if (!l->parked_unreported)
		return 0;
	json_t *m = json_pack("{s:s, s:I}", "type", "parked", "n", (json_int_t)l->parked_unreported);
	int rc = m ? tl_mesh_ctl_send(l->cfg->ctl_fd, m, 10000, err) : tl_err_set(err, ENOMEM, "oom");
	json_decref(m);
	l->parked_unreported = 0;
	return rc;
}

static uint64_t next_wake(const struct loop *l)
{
	if (l->phase == RUNNING)
		return l->stop_ns ? l->stop_ns : l->max_ns;
	return l->guard_ns;
}

static int run(struct loop *l, struct tl_err *err)
{
	for (;;) {
		uint64_t now = tl_now_ns();
		if (l->phase == RUNNING && now >= (l->stop_ns ? l->stop_ns : l->max_ns) &&
		    begin_drain(l, err) < 0)
			return -1;
		if (check_final(l, err) < 0)
			return -1;
		if (now >= l->guard_ns)
			return tl_err_set(err, ETIMEDOUT, "no word from the coordinator (phase %d)", l->phase);
		struct epoll_event evs[64];
		int n = epoll_wait(l->ep, evs, 64, tl_ms_until(next_wake(l), now));
		if (n < 0 && errno != EINTR)
			return tl_err_errno(err, "epoll_wait");
		for (int i = 0; i < n; i++) {
			uint32_t p = evs[i].data.u32;
			if (p == CTL_TAG) {
				int rc = on_ctl(l, err);
				if (rc != 0)
					return rc > 0 ? 0 : rc;
				continue;
			}
			if (l->phase == FINAL_SENT)
				continue;
			if ((evs[i].events & EPOLLOUT) && flush(l, p, err) < 0)
				return -1;
			if ((evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && on_peer(l, p, err) < 0)
				return -1;
		}
		if (report_parked(l, err) < 0)
			return -1;
	}
}

int tl_mesh_rank_loop(const struct tl_mesh_rank_cfg *cfg, struct tl_mesh_peer *peers,
		      struct tl_mesh_ctl_reader *ctl, struct tl_err *err)
{
	struct loop l = {
		.cfg = cfg, .spec = &cfg->spec, .peers = peers, .ctl = ctl, .self = cfg->rank,
		.n = cfg->spec.ranks, .msg_len = cfg->spec.message_size, .ep = -1,
		.quickack = cfg->spec.transport == TL_MESH_TCP_QUICKACK, .phase = WAIT_START,
	};
	int ret = -1;
	tl_mesh_router_init(&l.rt, cfg->spec.pattern, l.n, l.self, cfg->spec.seed);
	l.guard_ns = tl_now_ns() + 2 * cfg->spec.connect_timeout_ns + 60 * TL_NSEC_PER_SEC;
	l.lat = tl_hist_new();
	if (!l.lat) {
		ret = tl_err_set(err, ENOMEM, "latency histogram: out of memory");
		goto out;
	}
	l.ep = epoll_create1(EPOLL_CLOEXEC);
	if (l.ep < 0) {
		ret = tl_err_errno(err, "epoll_create1");
		goto out;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = CTL_TAG };
	if (epoll_ctl(l.ep, EPOLL_CTL_ADD, cfg->ctl_fd, &ev) < 0) {
		ret = tl_err_errno(err, "epoll_ctl add (control channel)");
		goto out;
	}
	for (uint32_t p = 0; p < l.n; p++) {
		if (p == l.self)
			continue;
		ev.data.u32 = p;
		if (epoll_ctl(l.ep, EPOLL_CTL_ADD, peers[p].fd, &ev) < 0) {
			ret = tl_err_errno(err, "epoll_ctl add (connection to rank %u)", p);
			goto out;
		}
	}
	/* A message that came with the table or before it is already in the reader. */
	if ((ret = on_ctl(&l, err)) != 0) {
		ret = ret > 0 ? tl_err_set(err, EPROTO, "\"done\" before the run") : ret;
		goto out;
	}
	ret = run(&l, err);
out:
	tl_hist_free(l.lat);
	if (l.ep >= 0)
		close(l.ep);
	return ret;
}
