#include "engine/engine.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "engine/internal.h"
#include "engine/pattern.h"
#include "measure/hist.h"
#include "net/sock.h"

/*
 * Each worker's receive buffer, whatever the sender's --length: an epoll receiver reads a
 * flow up to its turn (flow.c) in calls of this size. At 16 flows on 2 workers (8 flows, a
 * 512 KiB turn each) with 128 KiB writes, reads of 256 KiB moved 33-37 Gbit/s on loopback and
 * reads of 512 KiB 40.7-42 (4 interleaved 5 s rounds, this 2-vCPU VM, steal 0): fewer reads
 * and fewer trips through epoll per byte. The one-flow blocking receiver caps its reads
 * lower on purpose (TL_STREAM_READ_MAX).
 */
#define ENGINE_RBUF_MIN (1024u * 1024)

static void wake_all(struct tl_engine *e)
{
	uint64_t one = 1;
	for (uint32_t i = 0; i < e->nworkers; i++)
		if (write(e->workers[i].wakefd, &one, sizeof(one)) < 0) {
			/* the counter cannot overflow with one write per event; nothing to do */
		}
}

struct tl_engine *tl_engine_new(const struct tl_engine_config *cfg, struct tl_err *err)
{
	struct tl_engine *e = calloc(1, sizeof(*e));
	if (!e) {
		tl_err_set(err, ENOMEM, "engine: out of memory");
		return NULL;
	}
	e->cfg = *cfg;
	e->pattern_extra = cfg->length > ENGINE_RBUF_MIN ? cfg->length : ENGINE_RBUF_MIN;
	e->pattern = tl_pattern_new(e->pattern_extra);
	e->flows = calloc(cfg->max_flows ? cfg->max_flows : 1, sizeof(*e->flows));
	e->workers = calloc(cfg->threads, sizeof(*e->workers));
	if (!e->pattern || !e->flows || !e->workers) {
		tl_err_set(err, ENOMEM, "engine: out of memory for %u flows", cfg->max_flows);
		goto fail;
	}
	e->listener.fd = -1;
	for (uint32_t i = 0; i < cfg->threads; i++) {
		struct tl_worker *w = &e->workers[i];
		w->engine = e;
		w->epfd = -1;
		w->wakefd = -1;
		pthread_mutex_init(&w->lat_lock, NULL);
		if (cfg->latency) {
			w->lat_txn = tl_hist_new();
			w->lat_connect = tl_hist_new();
			if (!w->lat_txn || !w->lat_connect) {
				tl_err_set(err, ENOMEM, "engine: out of memory for histograms");
				goto fail;
			}
		}
	}
	for (uint32_t i = 0; i < cfg->threads; i++) {
		struct tl_worker *w = &e->workers[i];
		w->rbuf_len = e->pattern_extra;
		w->rbuf = malloc(w->rbuf_len);
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (!w->rbuf || w->epfd < 0 || w->wakefd < 0) {
			tl_err_errno(err, "engine: worker %u set-up (epoll/eventfd)", i);
			goto fail;
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wakefd, &ev) < 0) {
			tl_err_errno(err, "engine: epoll_ctl eventfd");
			goto fail;
		}
		int rc = pthread_create(&w->thread, NULL, tl_worker_main, w);
		if (rc != 0) {
			tl_err_set(err, rc, "engine: pthread_create worker %u: %s", i, strerror(rc));
			goto fail;
		}
		w->started_thread = 1;
		e->nworkers++;
	}
	return e;
fail:
	tl_engine_free(e);
	return NULL;
}

int tl_engine_add_flow(struct tl_engine *e, const struct tl_flow_params *p, struct tl_err *err)
{
	if (e->nflows >= e->cfg.max_flows)
		return tl_err_set(err, ENOSPC, "engine: more than %u flows", e->cfg.max_flows);
	struct tl_worker *w = &e->workers[e->nflows % e->nworkers];
	if (w->nflows == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct tl_flow **grown = realloc(w->flows, cap * sizeof(*grown));
		if (!grown)
			return tl_err_set(err, ENOMEM, "engine: out of memory adding flow %u", p->id);
		w->flows = grown;
		w->cap = cap;
	}
	size_t slot = e->nflows;
	struct tl_flow *f = &e->flows[slot];
	memset(f, 0, sizeof(*f));
	f->kind = TL_EV_FLOW;
	f->mode = p->mode;
	if (p->mode != TL_MODE_STREAM) {
		if (!e->cfg.latency)
			return tl_err_set(err, EINVAL, "engine: rr/crr flows need an engine made with latency on");
		if (tl_rr_flow_init(f, p) < 0)
			return tl_err_set(err, ENOMEM, "engine: out of memory adding flow %u", p->id);
		if (p->mode == TL_MODE_CRR_CLIENT || p->send_interval_ns)
			w->timers++;
	}
	f->fd = p->fd;
	f->id = p->id;
	f->sender = p->sender;
	f->zerocopy = p->zerocopy;
	f->budget = p->budget;
	f->stop_reading_after_ns = p->stop_reading_after_ns;
	f->worker = w;
	f->reading = !p->sender;
	uint32_t events = p->mode == TL_MODE_STREAM ? (p->sender ? EPOLLOUT : EPOLLIN) : EPOLLIN | EPOLLOUT;
	struct epoll_event ev = { .events = events | EPOLLRDHUP | EPOLLET, .data.ptr = f };
	if (p->fd >= 0 && epoll_ctl(w->epfd, EPOLL_CTL_ADD, p->fd, &ev) < 0) {
		free(f->rr.sched);
		f->rr.sched = NULL;
		return tl_err_errno(err, "engine: epoll_ctl add flow %u", p->id);
	}
	/* Publish the flow to the worker only once it is fully set up. */
	w->flows[w->nflows] = f;
	__atomic_store_n(&w->nflows, w->nflows + 1, __ATOMIC_RELEASE);
	e->nflows++;
	return (int)slot;
}

size_t tl_engine_flow_count(const struct tl_engine *e)
{
	return e->nflows;
}

int tl_engine_flow_fd(const struct tl_engine *e, size_t slot)
{
	return slot < e->nflows ? e->flows[slot].fd : -1;
}

int tl_engine_add_listener(struct tl_engine *e, int listen_fd, const struct tl_crr_server_params *p,
			   struct tl_err *err)
{
	e->listener.kind = TL_EV_LISTENER;
	e->listener.fd = listen_fd;
	e->listener.p = *p;
	for (uint32_t i = 0; i < e->nworkers; i++) {
		/* EPOLLEXCLUSIVE: one worker wakes per new connection, not all of them */
		struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &e->listener };
		if (epoll_ctl(e->workers[i].epfd, EPOLL_CTL_ADD, listen_fd, &ev) < 0)
			return tl_err_errno(err, "engine: epoll_ctl add listener");
	}
	return 0;
}

void tl_engine_take_latency(struct tl_engine *e, struct tl_hist *txn, struct tl_hist *connect)
{
	for (uint32_t i = 0; i < e->nworkers; i++) {
		struct tl_worker *w = &e->workers[i];
		if (!w->lat_txn)
			continue;
		pthread_mutex_lock(&w->lat_lock);
		if (txn)
			tl_hist_merge(txn, w->lat_txn);
		if (connect)
			tl_hist_merge(connect, w->lat_connect);
		tl_hist_reset(w->lat_txn);
		tl_hist_reset(w->lat_connect);
		pthread_mutex_unlock(&w->lat_lock);
	}
}

void tl_engine_counters(const struct tl_engine *e, struct tl_engine_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i < e->nworkers; i++) {
		const struct tl_worker *w = &e->workers[i];
		out->transactions += TL_LOAD(w->transactions);
		out->connects += TL_LOAD(w->connects);
		for (int c = 0; c < 4; c++)
			out->connect_fail[c] += TL_LOAD(w->connect_fail[c]);
		int last = TL_LOAD(w->last_connect_errno);
		if (last)
			out->last_connect_errno = last;
	}
}

int tl_engine_start(struct tl_engine *e, uint64_t start_ns, uint64_t stop_ns)
{
	__atomic_store_n(&e->stop_ns, stop_ns, __ATOMIC_RELEASE);
	__atomic_store_n(&e->start_ns, start_ns, __ATOMIC_RELEASE);
	wake_all(e);
	return 0;
}

void tl_engine_sample(const struct tl_engine *e, size_t slot, struct tl_flow_sample *out)
{
	const struct tl_flow *f = &e->flows[slot];
	out->bytes = TL_LOAD(f->bytes);
	out->last_progress_ns = TL_LOAD(f->last_progress_ns);
	out->state = TL_LOAD(f->state);
	out->err_no = TL_LOAD(f->err_no);
	out->verify_errors = TL_LOAD(f->verify_errors);
	out->first_bad_offset = TL_LOAD(f->first_bad_offset);
	out->zc_sends = TL_LOAD(f->zc_sends);
	out->zc_completions = TL_LOAD(f->zc_completions);
	out->zc_copied = TL_LOAD(f->zc_copied);
	out->transactions = TL_LOAD(f->transactions);
	for (int k = 0; k < TL_IO_SIZE_BUCKETS; k++)
		out->io_calls[k] = TL_LOAD(f->io_calls[k]);
}

void tl_engine_stop(struct tl_engine *e, struct tl_cpu_sample *cpu)
{
	if (cpu)
		memset(cpu, 0, sizeof(*cpu));
	if (!e->stopped) {
		__atomic_store_n(&e->quit, 1, __ATOMIC_RELEASE);
		wake_all(e);
		for (uint32_t i = 0; i < e->nworkers; i++)
			if (e->workers[i].started_thread)
				pthread_join(e->workers[i].thread, NULL);
		e->stopped = 1;
	}
	if (cpu)
		for (uint32_t i = 0; i < e->nworkers; i++)
			tl_cpu_add(cpu, &e->workers[i].cpu_used);
}

void tl_engine_free(struct tl_engine *e)
{
	if (!e)
		return;
	if (e->workers) {
		/* Workers that never started a thread still need their fds closed. */
		__atomic_store_n(&e->quit, 1, __ATOMIC_RELEASE);
		wake_all(e);
		for (uint32_t i = 0; i < e->cfg.threads; i++) {
			struct tl_worker *w = &e->workers[i];
			if (w->started_thread && !e->stopped)
				pthread_join(w->thread, NULL);
			if (w->epfd >= 0)
				close(w->epfd);
			if (w->wakefd >= 0)
				close(w->wakefd);
			free(w->rbuf);
			free(w->flows);
			tl_rr_worker_free(w);
			tl_hist_free(w->lat_txn);
			tl_hist_free(w->lat_connect);
			pthread_mutex_destroy(&w->lat_lock);
		}
		e->stopped = 1;
	}
	for (size_t i = 0; i < e->nflows; i++) {
		tl_sock_close_abort(e->flows[i].fd);
		free(e->flows[i].rr.sched);
	}
	free(e->workers);
	free(e->flows);
	free(e->pattern);
	free(e);
}
