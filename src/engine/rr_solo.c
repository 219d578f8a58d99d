/*
 * One rr flow on its own worker, run with blocking I/O.
 *
 * With epoll a transaction costs each end three syscalls (epoll_pwait2, recv, send) and a
 * trip through the epoll callback; a blocking recv and send cost two, which is the shape of
 * sockperf's ping-pong loop. Measured on this project's 2-vCPU VM with both ends on one core
 * (bench/results/rr-notes.md): blocking loops ran 66k to 70k transactions/s, epoll loops 55k
 * to 66k. A worker that owns exactly one closed-loop rr client or one rr server has nothing
 * else to wait for, so it blocks in recv, with a receive timeout so that it still sees the
 * engine's stop time and quit flag (TL_SOLO_QUIT_POLL_NS at most late).
 *
 * Open-loop clients (--rate) need timers and crr needs connection events: they stay in the
 * epoll loop, as does any worker with more than one flow.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "engine/internal.h"
#include "util/clock.h"

static int solo_eligible(const struct tl_worker *w)
{
	const struct tl_flow *f = tl_solo_flow(w);
	return f && (f->mode == TL_MODE_RR_SERVER || (f->mode == TL_MODE_RR_CLIENT && !f->interval_ns));
}

/* Between the epoll loop's non-blocking mode and the solo loop's blocking one. */
static int set_blocking(struct tl_worker *w, struct tl_flow *f, int blocking)
{
	return tl_solo_set_blocking(w, f, blocking, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
}

/* Whether the client has finished: past the stop time with nothing in flight. */
static int client_done(const struct tl_worker *w, const struct tl_flow *f, uint64_t now_ns)
{
	return now_ns >= TL_LOAD(w->engine->stop_ns) && !f->rr.out_owed && !f->rr.sched_count;
}

static void solo_loop(struct tl_worker *w, struct tl_flow *f)
{
	int client = f->mode == TL_MODE_RR_CLIENT;
	uint64_t bytes = f->bytes;
	int err_no = 0;
	while (!TL_LOAD(w->engine->quit)) {
		if ((err_no = tl_rr_pump_out(w, f->fd, &f->rr, &bytes)) != 0)
			break;
		TL_STORE(f->bytes, bytes);
		if (client && client_done(w, f, tl_now_ns()))
			break;
		ssize_t n = recv(f->fd, w->rbuf, w->rbuf_len, 0);
		if (n == 0) {
			err_no = EPIPE;
			break;
		}
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue; /* the receive timeout: look at stop and quit again */
			err_no = errno;
			break;
		}
		uint64_t now = tl_now_ns();
		bytes += (uint64_t)n;
		uint64_t got = (uint64_t)f->rr.in_off + (uint64_t)n;
		uint32_t complete = (uint32_t)(got / f->rr.in_size);
		f->rr.in_off = (uint32_t)(got % f->rr.in_size);
		if (complete)
			tl_rr_flow_complete(w, f, complete, now);
	}
	TL_STORE(f->bytes, bytes);
	if (err_no)
		tl_rr_flow_error(w, f, err_no);
}

int tl_rr_solo_run(struct tl_worker *w)
{
	if (!solo_eligible(w))
		return 0;
	struct tl_flow *f = w->flows[0];
	if (set_blocking(w, f, 1) < 0) {
		/* fcntl failed: the epoll loop still has the flow (it was never removed) */
		return 0;
	}
	solo_loop(w, f);
	if (TL_LOAD(f->state) == TL_FLOW_ACTIVE && set_blocking(w, f, 0) < 0)
		tl_rr_flow_error(w, f, errno);
	return 1;
}
