/* One worker thread: an epoll loop over its flows, a wake eventfd, the start and stop instants. */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "engine/internal.h"
#include "util/clock.h"

#define WORKER_EVENTS 512

static void worker_begin_sending(struct tl_worker *w, uint64_t now_ns)
{
	tl_cpu_sample_thread(&w->cpu_start, NULL);
	w->sending_started = 1;
	for (size_t i = 0; i < w->nflows; i++) {
		struct tl_flow *f = w->flows[i];
		if (f->mode != TL_MODE_STREAM)
			tl_rr_begin(w, f, now_ns);
		else if (f->sender)
			tl_flow_send_first(w, f);
	}
}

/* The earliest flow timer (open-loop sends, crr retries and timeouts); 0 = none. The scan
 * is linear: timers are used by rr/crr clients, whose flow counts are modest. */
static uint64_t next_timer(const struct tl_worker *w)
{
	uint64_t t = 0;
	if (!w->timers || !w->sending_started)
		return 0;
	for (size_t i = 0; i < w->nflows; i++) {
		uint64_t ft = w->flows[i]->timer_ns;
		if (ft && (!t || ft < t))
			t = ft;
	}
	return t;
}

static void fire_timers(struct tl_worker *w, uint64_t now_ns)
{
	if (!w->timers || !w->sending_started)
		return;
	for (size_t i = 0; i < w->nflows; i++) {
		struct tl_flow *f = w->flows[i];
		if (f->timer_ns && f->timer_ns <= now_ns)
			tl_rr_on_timer(w, f, now_ns);
	}
}

static void dispatch(struct tl_worker *w, void *tag, uint32_t events, uint64_t now_ns)
{
	switch (*(const int *)tag) {
	case TL_EV_FLOW: {
		struct tl_flow *f = tag;
		if (f->mode == TL_MODE_STREAM)
			tl_flow_on_events(w, f, events, now_ns);
		else if (w->sending_started || f->mode == TL_MODE_RR_SERVER)
			tl_rr_flow_on_events(w, f, events, now_ns);
		break;
	}
	case TL_EV_CONN:
		tl_rr_conn_on_events(w, tag, events, now_ns);
		break;
	case TL_EV_LISTENER:
		tl_rr_accept(w, tag, now_ns);
		break;
	}
}

/* When the loop must wake at the latest (0 = only for events). */
static uint64_t worker_deadline(const struct tl_worker *w, uint64_t now_ns)
{
	uint64_t start = TL_LOAD(w->engine->start_ns);
	uint64_t stop = TL_LOAD(w->engine->stop_ns);
	if (!start)
		return 0; /* wait for the wake eventfd */
	if (!w->sending_started)
		return start;
	uint64_t d = now_ns < stop ? stop : 0;
	uint64_t t = next_timer(w);
	if (t && (!d || t < d))
		d = t;
	return d;
}

void *tl_worker_main(void *arg)
{
	struct tl_worker *w = arg;
	struct tl_engine *e = w->engine;
	struct epoll_event events[WORKER_EVENTS];

	while (!TL_LOAD(e->quit)) {
		uint64_t now = tl_now_ns();
		uint64_t start = TL_LOAD(e->start_ns);
		if (start && !w->sending_started && now >= start) {
			worker_begin_sending(w, now);
			if (tl_rr_solo_run(w) || tl_stream_solo_run(w))
				continue; /* the flow is done: the loop now waits for quit */
		}
		uint64_t deadline = worker_deadline(w, now);
		struct timespec ts, *tsp = NULL;
		if (deadline) {
			/* nanosecond timeouts (epoll_pwait2, Linux 5.11): open-loop schedules need
			 * better than the millisecond of epoll_wait */
			ts = tl_ns_to_timespec(deadline > now ? deadline - now : 0);
			tsp = &ts;
		}
		int n = epoll_pwait2(w->epfd, events, WORKER_EVENTS, tsp, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		now = tl_now_ns();
		for (int i = 0; i < n && !TL_LOAD(e->quit); i++) {
			if (!events[i].data.ptr) {
				uint64_t v;
				if (read(w->wakefd, &v, sizeof(v)) < 0) {
					/* spurious wake-up; the loop re-reads the shared state anyway */
				}
				continue;
			}
			dispatch(w, events[i].data.ptr, events[i].events, now);
		}
		fire_timers(w, tl_now_ns());
	}
	struct tl_cpu_sample end;
	if (w->sending_started && tl_cpu_sample_thread(&end, NULL) == 0)
		tl_cpu_delta(&w->cpu_start, &end, &w->cpu_used);
	return NULL;
}
