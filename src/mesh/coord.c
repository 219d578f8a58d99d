#include "mesh/coord.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <unistd.h>

#include "mesh/result.h"
#include "mesh/wire.h"
#include "net/addr.h"
#include "util/clock.h"
#include "util/err.h"

#define SEND_TIMEOUT_MS 10000
#define INTERRUPT_TAG UINT32_MAX   /* the epoll tag of c->interrupt_fd */

struct coord_state {
	const struct tl_mesh_coord *c;
	uint32_t n;
	int ep;
	struct tl_mesh_ctl_reader *readers;   /* per fd */
	int *rank_of;                         /* per fd: its rank once known, else -1 */
	int *fd_of;                           /* per rank: index into ctl_fds */
	json_t **hello;                       /* per rank */
	json_t **final;                       /* per rank */
	uint8_t *done;                        /* per fd: sent the current step's message */
	uint32_t got;                         /* messages of the current step */
	uint64_t parked;
	int stop_sent, done_sent, interrupted;
};

static int fd_for_rank(const struct coord_state *st, uint32_t r)
{
	return st->c->ctl_fds[st->fd_of[r]];
}

static int send_all(struct coord_state *st, const json_t *m, struct tl_err *err)
{
	for (uint32_t r = 0; r < st->n; r++) {
		if (tl_mesh_ctl_send(fd_for_rank(st, r), m, SEND_TIMEOUT_MS, err) < 0) {
			tl_err_prefix(err, "to rank %u", r);
			return -1;
		}
	}
	return 0;
}

static int send_type(struct coord_state *st, const char *type, struct tl_err *err)
{
	json_t *m = json_pack("{s:s}", "type", type);
	int rc = m ? send_all(st, m, err) : tl_err_set(err, ENOMEM, "out of memory");
	json_decref(m);
	return rc;
}

static const char *who(const struct coord_state *st, uint32_t idx, char *buf, size_t len)
{
	if (st->rank_of[idx] >= 0)
		snprintf(buf, len, "rank %d", st->rank_of[idx]);
	else
		snprintf(buf, len, "control connection %u (rank not yet known)", idx);
	return buf;
}

/* Takes a hello: checks it and records which rank this fd is. */
static int on_hello(struct coord_state *st, uint32_t idx, json_t *m, struct tl_err *err)
{
	json_int_t rank = json_integer_value(json_object_get(m, "rank"));
	json_int_t size = json_integer_value(json_object_get(m, "size"));
	if (st->rank_of[idx] >= 0)
		return tl_err_set(err, EPROTO, "rank %d said hello twice", st->rank_of[idx]);
	if (size != (json_int_t)st->n)
		return tl_err_set(err, EINVAL, "rank %lld was started with --size %lld, rank 0 with %u "
				  "(start every rank with the same --size)", (long long)rank,
				  (long long)size, st->n);
	if (rank < 0 || rank >= (json_int_t)st->n)
		return tl_err_set(err, EINVAL, "a rank says it is rank %lld of %u", (long long)rank, st->n);
	if (st->hello[rank])
		return tl_err_set(err, EINVAL, "two ranks say they are rank %lld (give each a different "
				  "--rank)", (long long)rank);
	if (st->c->check_spec) {
		json_t *mine = tl_mesh_spec_to_json(st->c->spec);
		int same = json_equal(mine, json_object_get(m, "spec"));
		json_decref(mine);
		if (!same) {
			char *theirs = json_dumps(json_object_get(m, "spec"), JSON_COMPACT);
			tl_err_set(err, EINVAL, "rank %lld was started with other options than rank 0 "
				   "(its spec: %s)", (long long)rank, theirs ? theirs : "?");
			free(theirs);
			return -EINVAL;
		}
	}
	st->rank_of[idx] = (int)rank;
	st->fd_of[rank] = (int)idx;
	st->hello[rank] = json_incref(m);
	st->done[idx] = 1;
	st->got++;
	return 0;
}

static int on_message(struct coord_state *st, uint32_t idx, json_t *m, const char *step,
		      struct tl_err *err)
{
	char buf[64];
	const char *t = tl_mesh_ctl_type(m);
	int rank = st->rank_of[idx];
	if (strcmp(t, "error") == 0) {
		const char *msg = json_string_value(json_object_get(m, "msg"));
		return tl_err_set(err, ECONNABORTED, "%s", msg ? msg : "a rank failed");
	}
	if (strcmp(step, "hello") == 0) {
		if (strcmp(t, "hello") != 0)
			return tl_err_set(err, EPROTO, "%s: want a hello, got \"%s\"",
					  who(st, idx, buf, sizeof(buf)), t);
		return on_hello(st, idx, m, err);
	}
	if (strcmp(t, "parked") == 0 && strcmp(step, "final") == 0) {
		st->parked += (uint64_t)json_integer_value(json_object_get(m, "n"));
		return 0;
	}
	if (strcmp(t, step) != 0)
		return tl_err_set(err, EPROTO, "rank %d: want \"%s\", got \"%s\"", rank, step, t);
	if (strcmp(step, "final") == 0) {
		if (st->final[rank])
			return tl_err_set(err, EPROTO, "rank %d reported twice", rank);
		st->final[rank] = json_incref(m);
	}
	if (st->done[idx])
		return tl_err_set(err, EPROTO, "rank %d sent \"%s\" twice", rank, step);
	st->done[idx] = 1;
	st->got++;
	return 0;
}

/*
 * Ctrl-C: in the window ("final": the ranks run), stop it as a --hops run is stopped and go
 * on collecting the reports; before it, give up (the caller tells the ranks).
 */
static int on_interrupt(struct coord_state *st, const char *step, struct tl_err *err)
{
	if (strcmp(step, "final") != 0)
		return tl_err_set(err, EINTR, "interrupted (Ctrl-C) before the run started (while "
				  "waiting for \"%s\" from the ranks)", step);
	st->interrupted = 1;
	epoll_ctl(st->ep, EPOLL_CTL_DEL, st->c->interrupt_fd, NULL); /* level-triggered: once */
	if (st->stop_sent)
		return 0;
	st->stop_sent = 1;
	return send_type(st, "stop", err);
}

/*
 * Reads control messages until every rank sent `step` (or, for "final", until all are in),
 * or until deadline. In the "final" step a --hops run is stopped once every token parked.
 */
static int collect(struct coord_state *st, const char *step, uint64_t deadline, struct tl_err *err)
{
	char buf[64];
	st->got = 0;
	memset(st->done, 0, st->n);
	while (st->got < st->n) {
		uint64_t now = tl_now_ns();
		if (st->c->spec->hops && !st->stop_sent && strcmp(step, "final") == 0 &&
		    st->parked >= st->c->spec->tokens) {
			st->stop_sent = 1;
			if (send_type(st, "stop", err) < 0)
				return -1;
		}
		if (now >= deadline) {
			uint32_t late = 0;
			while (late < st->n - 1 && st->done[late])
				late++;
			return tl_err_set(err, ETIMEDOUT, "timed out waiting for \"%s\" from every rank: %u of "
					  "%u arrived, none yet from %s", step, st->got, st->n,
					  who(st, late, buf, sizeof(buf)));
		}
		struct epoll_event evs[64];
		int k = epoll_wait(st->ep, evs, 64, tl_ms_until(deadline, now));
		if (k < 0 && errno != EINTR)
			return tl_err_errno(err, "epoll_wait");
		for (int i = 0; i < k; i++) {
			uint32_t idx = evs[i].data.u32;
			if (idx == INTERRUPT_TAG) {
				if (on_interrupt(st, step, err) < 0)
					return -1;
				continue;
			}
			for (;;) {
				json_t *m = NULL;
				int rc = tl_mesh_ctl_recv(st->c->ctl_fds[idx], &st->readers[idx], &m, err);
				if (rc < 0) {
					tl_err_prefix(err, "%s", who(st, idx, buf, sizeof(buf)));
					if (rc == -EPIPE)
						tl_err_set(err, EPIPE, "%s closed its control channel during \"%s\" "
							   "(it crashed or was killed)", who(st, idx, buf, sizeof(buf)),
							   step);
					return rc;
				}
				if (rc == 0)
					break;
				rc = on_message(st, idx, m, step, err);
				json_decref(m);
				if (rc < 0)
					return rc;
			}
		}
	}
	return 0;
}

/* The address peers use to reach `rank`: what it said, else where its TCP channel comes
 * from, else (rank 0 behind a socketpair) where the other ranks reached us. */
static int rank_addr(struct coord_state *st, uint32_t rank, char *buf, size_t len, struct tl_err *err)
{
	const char *a = json_string_value(json_object_get(st->hello[rank], "addr"));
	struct tl_addr sa;
	if (a && *a) {
		snprintf(buf, len, "%s", a);
		return 0;
	}
	if (tl_addr_peer(fd_for_rank(st, rank), &sa, NULL) == 0 &&
	    (sa.ss.ss_family == AF_INET || sa.ss.ss_family == AF_INET6)) {
		tl_addr_host_str(&sa, buf, len);
		return 0;
	}
	for (uint32_t r = 0; r < st->n; r++) {
		if (tl_addr_local(fd_for_rank(st, r), &sa, NULL) == 0 &&
		    (sa.ss.ss_family == AF_INET || sa.ss.ss_family == AF_INET6)) {
			tl_addr_host_str(&sa, buf, len);
			return 0;
		}
	}
	if (st->c->default_addr) {
		snprintf(buf, len, "%s", st->c->default_addr);
		return 0;
	}
	return tl_err_set(err, EINVAL, "no address known for rank %u (give it --bind ADDR)", rank);
}

static json_t *make_table(struct coord_state *st, uint32_t run_id, struct tl_err *err)
{
	json_t *peers = json_array();
	json_t *t = json_pack("{s:s, s:I, s:o}", "type", "table", "run_id", (json_int_t)run_id,
			      "peers", peers);
	if (!t)
		return NULL;
	for (uint32_t r = 0; r < st->n; r++) {
		const json_t *h = st->hello[r];
		const char *path = json_string_value(json_object_get(h, "path"));
		json_t *e;
		if (path) {
			e = json_pack("{s:s}", "path", path);
		} else {
			char addr[64];
			if (rank_addr(st, r, addr, sizeof(addr), err) < 0) {
				json_decref(t);
				return NULL;
			}
			e = json_pack("{s:s, s:O}", "addr", addr, "port", json_object_get(h, "port"));
		}
		json_array_append_new(peers, e);
	}
	return t;
}

/* Tells every rank to stop after an error; best effort, briefly. */
static void abort_all(struct coord_state *st, const struct tl_err *why)
{
	json_t *m = json_pack("{s:s, s:s}", "type", "error", "msg", why->msg);
	for (uint32_t i = 0; m && i < st->n; i++)
		tl_mesh_ctl_send(st->c->ctl_fds[i], m, 200, NULL);
	json_decref(m);
}

int tl_mesh_coord_run(const struct tl_mesh_coord *c, json_t **result, struct tl_err *err)
{
	struct coord_state st = { .c = c, .n = c->spec->ranks, .ep = -1 };
	json_t *table = NULL;
	int ret = -1;
	*result = NULL;

	st.readers = calloc(st.n, sizeof(*st.readers));
	st.rank_of = calloc(st.n, sizeof(*st.rank_of));
	st.fd_of = calloc(st.n, sizeof(*st.fd_of));
	st.hello = calloc(st.n, sizeof(*st.hello));
	st.final = calloc(st.n, sizeof(*st.final));
	st.done = calloc(st.n, 1);
	if (!st.readers || !st.rank_of || !st.fd_of || !st.hello || !st.final || !st.done) {
		ret = tl_err_set(err, ENOMEM, "coordinator: out of memory");
		goto out;
	}
	st.ep = epoll_create1(EPOLL_CLOEXEC);
	if (st.ep < 0) {
		ret = tl_err_errno(err, "epoll_create1");
		goto out;
	}
	for (uint32_t i = 0; i < st.n; i++) {
		st.rank_of[i] = -1;
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
		if (epoll_ctl(st.ep, EPOLL_CTL_ADD, c->ctl_fds[i], &ev) < 0) {
			ret = tl_err_errno(err, "epoll_ctl add (control channel %u)", i);
			goto out;
		}
	}
	struct epoll_event iev = { .events = EPOLLIN, .data.u32 = INTERRUPT_TAG };
	if (c->interrupt_fd >= 0 && epoll_ctl(st.ep, EPOLL_CTL_ADD, c->interrupt_fd, &iev) < 0) {
		ret = tl_err_errno(err, "epoll_ctl add (interrupt)");
		goto out;
	}
	uint64_t t0 = tl_now_ns();
	for (uint32_t i = 0; i < st.n; i++)
		st.readers[i].w.max = TL_MESH_HELLO_MAX;
	ret = collect(&st, "hello", t0 + c->spec->connect_timeout_ns, err);
	for (uint32_t i = 0; i < st.n; i++)
		st.readers[i].w.max = TL_MESH_CTL_MAX;
	if (ret < 0)
		goto out;
	uint32_t run_id;
	if (getrandom(&run_id, sizeof(run_id), GRND_NONBLOCK) != sizeof(run_id))
		run_id = (uint32_t)(tl_now_ns() ^ (uint64_t)getpid() << 16);
	table = make_table(&st, run_id, err);
	if (!table) {
		ret = -1;
		goto out;
	}
	uint64_t t_table = tl_now_ns();
	if ((ret = send_all(&st, table, err)) < 0 ||
	    (ret = collect(&st, "ready", t_table + c->spec->connect_timeout_ns, err)) < 0)
		goto out;
	uint64_t t_ready = tl_now_ns();
	/* Two steps, so that every rank has sampled its start before any token moves. */
	if ((ret = send_type(&st, "start", err)) < 0 ||
	    (ret = collect(&st, "armed", tl_now_ns() + c->spec->connect_timeout_ns, err)) < 0 ||
	    (ret = send_type(&st, "go", err)) < 0)
		goto out;
	uint64_t window = c->spec->duration_ns ? c->spec->duration_ns : c->spec->max_time_ns;
	uint64_t deadline = tl_now_ns() + window + c->spec->connect_timeout_ns + 30 * TL_NSEC_PER_SEC;
	if ((ret = collect(&st, "final", deadline, err)) < 0 ||
	    (ret = send_type(&st, "done", err)) < 0)
		goto out;
	st.done_sent = 1;
	struct tl_mesh_result_meta meta = {
		.launch = c->launch, .rendezvous_ns = t_table - t0, .connect_ns = t_ready - t_table,
	};
	ret = tl_mesh_result_build(c->spec, (const json_t *const *)st.final, &meta, result, err);
	if (ret == 0 && st.interrupted)
		json_object_set_new(*result, "interrupted", json_true());
out:
	/* Past "done" the ranks are finishing on their own; before it, they must be stopped. */
	if (ret < 0 && !st.done_sent)
		abort_all(&st, err);
	for (uint32_t i = 0; i < st.n; i++) {
		if (st.readers)
			tl_mesh_ctl_reader_free(&st.readers[i]);
		if (st.hello)
			json_decref(st.hello[i]);
		if (st.final)
			json_decref(st.final[i]);
	}
	json_decref(table);
	free(st.readers);
	free(st.rank_of);
	free(st.fd_of);
	free(st.hello);
	free(st.final);
	free(st.done);
	if (st.ep >= 0)
		close(st.ep);
	return ret;
}
