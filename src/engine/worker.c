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
	for (size_t i = 0; i < w->nflows; i++)
		if (w->flows[i]->sender)
			tl_flow_send(w, w->flows[i], now_ns);
}

static int worker_timeout_ms(const struct tl_worker *w, uint64_t now_ns)
{
	uint64_t start = TL_LOAD(w->engine->start_ns);
	uint64_t stop = TL_LOAD(w->engine->stop_ns);
	if (!start)
		return -1; /* wait for the wake eventfd */
	if (!w->sending_started)
		return tl_ms_until(start, now_ns);
	if (now_ns < stop)
		return tl_ms_until(stop, now_ns);
	return -1;
}

void *tl_worker_main(void *arg)
{
	struct tl_worker *w = arg;
	struct tl_engine *e = w->engine;
	struct epoll_event events[WORKER_EVENTS];

	while (!TL_LOAD(e->quit)) {
		uint64_t now = tl_now_ns();
		uint64_t start = TL_LOAD(e->start_ns);
		if (start && !w->sending_started && now >= start)
			worker_begin_sending(w, now);
		int n = epoll_wait(w->epfd, events, WORKER_EVENTS, worker_timeout_ms(w, now));
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
			tl_flow_on_events(w, events[i].data.ptr, events[i].events, now);
		}
	}
	struct tl_cpu_sample end;
	if (w->sending_started && tl_cpu_sample_thread(&end, NULL) == 0)
		tl_cpu_delta(&w->cpu_start, &end, &w->cpu_used);
	return NULL;
}
