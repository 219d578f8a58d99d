/*
 * One stream flow on its own worker, run with blocking I/O.
 *
 * The epoll loop pays, per wake-up, an epoll_pwait2 and a send (or recv) that only says
 * EAGAIN, and each call goes through the callback. A worker that owns exactly one stream flow
 * has nothing else to wait for, so it does what the plain loop of iperf3 or a hand-written
 * benchmark does: send() of --length bytes (recv() of the worker's buffer) in a loop, blocked
 * in the kernel while the socket is full (empty). A send and receive timeout of
 * TL_SOLO_QUIT_POLL_NS (solo.c) lets it see the engine's stop time and quit flag.
 *
 * Not here: zerocopy (its completions come on the error queue, an epoll event), --verify
 * (the receiver's checks stay in one place, flow.c), and the fault injection that stops a
 * receiver: those flows stay in the epoll loop, as does any worker with more than one flow.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "engine/internal.h"
#include "engine/pattern.h"
#include "util/clock.h"

static int solo_eligible(const struct tl_worker *w)
{
	const struct tl_flow *f = tl_solo_flow(w);
	return f && f->mode == TL_MODE_STREAM && !f->zerocopy && !f->stop_reading_after_ns &&
	       !w->engine->cfg.verify;
}

/* Between the epoll loop's non-blocking mode and the solo loop's blocking one. */
static int set_blocking(struct tl_worker *w, struct tl_flow *f, int blocking)
{
	return tl_solo_set_blocking(w, f, blocking,
				    (f->sender ? EPOLLOUT : EPOLLIN) | EPOLLRDHUP | EPOLLET);
}

static void solo_fail(struct tl_flow *f, int err_no)
{
	TL_STORE(f->err_no, err_no);
	TL_STORE(f->state, TL_FLOW_ERROR);
}

/* Sends until the budget is sent, the stop time, quit or an error. */
static void solo_send(struct tl_worker *w, struct tl_flow *f)
{
	struct tl_engine *e = w->engine;
	uint64_t stop = TL_LOAD(e->stop_ns);
	while (!TL_LOAD(e->quit)) {
		uint64_t now = tl_now_ns();
		if (now >= stop)
			return;
		size_t len = e->cfg.length;
		if (f->budget && f->budget - f->bytes < len)
			len = (size_t)(f->budget - f->bytes);
		if (f->budget && len == 0) {
			shutdown(f->fd, SHUT_WR);
			TL_STORE(f->state, TL_FLOW_DONE);
			return;
		}
		ssize_t n = send(f->fd, e->pattern + tl_pattern_pos(f->id, f->bytes), len, MSG_NOSIGNAL);
		if (n > 0) {
			TL_STORE(f->bytes, f->bytes + (uint64_t)n);
			TL_STORE(f->last_progress_ns, now);
			continue;
		}
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue; /* the send timeout: look at stop and quit again */
		solo_fail(f, n < 0 ? errno : EPIPE);
		return;
	}
}

/* Receives until EOF, quit or an error (past the stop time too: bytes still in flight). */
static void solo_receive(struct tl_worker *w, struct tl_flow *f)
{
	size_t chunk = w->rbuf_len < TL_STREAM_READ_MAX ? w->rbuf_len : TL_STREAM_READ_MAX;
	while (!TL_LOAD(w->engine->quit)) {
		ssize_t n = recv(f->fd, w->rbuf, chunk, 0);
		if (n > 0) {
			TL_STORE(f->bytes, f->bytes + (uint64_t)n);
			TL_STORE(f->last_progress_ns, tl_now_ns());
			continue;
		}
		if (n == 0) {
			TL_STORE(f->state, TL_FLOW_DONE);
			return;
		}
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			continue;
		solo_fail(f, errno);
		return;
	}
}

int tl_stream_solo_run(struct tl_worker *w)
{
	if (!solo_eligible(w))
		return 0;
	struct tl_flow *f = w->flows[0];
	if (set_blocking(w, f, 1) < 0)
		return 0; /* fcntl failed: the epoll loop still has the flow */
	if (f->sender)
		solo_send(w, f);
	else
		solo_receive(w, f);
	if (TL_LOAD(f->state) == TL_FLOW_ACTIVE && set_blocking(w, f, 0) < 0)
		solo_fail(f, errno);
	if (TL_LOAD(f->state) != TL_FLOW_ACTIVE)
		f->reading = 0;
	return 1;
}
