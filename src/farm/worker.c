#include "farm/worker.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/connect.h"
#include "farm/io.h"
#include "net/wire.h"
#include "farm/primes.h"
#include "farm/proto.h"
#include "measure/cpu.h"
#include "measure/hist.h"
#include "sys/port_ceiling.h"
#include "util/clock.h"

#define BACKOFF_MIN_NS (5 * TL_NSEC_PER_MSEC)
#define BACKOFF_MAX_NS (100 * TL_NSEC_PER_MSEC)

struct worker {
	struct tl_farm_workers *w;
	uint32_t index;
	pthread_t thread;
	bool started;
	_Atomic uint64_t jobs, jobs_returned, requests, connects, attempts, failed, addr_not_avail;
	_Atomic uint64_t broken, waits, compute_ns, idle_ns, wall_ns, cpu_ns;
	atomic_bool running;
	int error;                 /* fatal: negative errno */
	struct tl_err err;
	struct tl_farm_job_result *results;
	uint32_t nresults;
	struct tl_farm_job *jobs_buf;
	uint8_t *req, *rep;
	size_t req_cap, rep_cap;
	struct tl_hist *latency;   /* this thread's request times, ns */
};

struct tl_farm_workers {
	struct tl_farm_work_config cfg;
	int stop_fd;
	atomic_bool stop;          /* checked between jobs of a batch */
	atomic_int failure_claimed;
	atomic_bool failure_ready;
	char failure[1024];
	char peer[128];            /* "job server ADDR:PORT", for the wire kit's messages */
	/* What DONE said (first worker to hear it writes). */
	atomic_int done_claimed;
	atomic_bool done_ready;
	uint32_t verdict;
	uint64_t primes, expected;
	atomic_bool server_gone;
	uint64_t start_ns;
	_Atomic uint64_t end_ns;   /* the latest end of any worker */
	struct worker *workers;
};

static void add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

static uint64_t get(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static bool stopping(struct tl_farm_workers *w)
{
	return atomic_load_explicit(&w->stop, memory_order_relaxed);
}

/* The one line shown when connects start failing: tl_connect_error's cause, then remedies. */
static void note_failure(struct worker *wk, int err_no)
{
	struct tl_farm_workers *w = wk->w;
	int expected = 0;
	if (!atomic_compare_exchange_strong(&w->failure_claimed, &expected, 1))
		return;
	struct tl_err e = { 0 };
	tl_connect_error(&e, err_no, &w->cfg.dest, wk->index, 0);
	/* Suggest tcp_tw_reuse only where it is not already taking ports back. */
	struct tl_port_facts pf;
	struct tl_port_ceiling pc = { .reuse = false };
	if (tl_port_facts_read(&pf, NULL) == 0)
		tl_port_ceiling(&pf, tl_addr_is_loopback(&w->cfg.dest), 1, &pc);
	if (err_no == EADDRNOTAVAIL)
		snprintf(w->failure, sizeof(w->failure), "%s; retrying with backoff and counting "
			 "the failures. Remedies: more jobs per request (--batch), one connection "
			 "per worker (--connection persistent), a wider net.ipv4.ip_local_port_range%s",
			 e.msg, pc.reuse ? "" : ", net.ipv4.tcp_tw_reuse=1 on this client");
	else
		snprintf(w->failure, sizeof(w->failure), "%s; retrying with backoff and counting "
			 "the failures", e.msg);
	atomic_store_explicit(&w->failure_ready, true, memory_order_release);
}

static void note_done(struct tl_farm_workers *w, const struct tl_farm_reply *r)
{
	int expected = 0;
	if (!atomic_compare_exchange_strong(&w->done_claimed, &expected, 1))
		return;
	w->verdict = r->verdict;
	w->primes = r->primes;
	w->expected = r->expected;
	atomic_store_explicit(&w->done_ready, true, memory_order_release);
}

/* One request out and its answer in (into wk->rep); the caller decodes. */
static int exchange(struct worker *wk, int fd, size_t req_len, struct tl_farm_hdr *h,
		    struct tl_err *err)
{
	struct tl_farm_workers *w = wk->w;
	uint64_t now = tl_now_ns();
	uint64_t deadline = now + w->cfg.io_timeout_ns;
	if (deadline > w->cfg.deadline_ns)
		deadline = w->cfg.deadline_ns;
	int ret = tl_wire_write_all(fd, wk->req, req_len, deadline, w->stop_fd, w->peer, err);
	if (ret == 0)
		ret = tl_wire_read_exact(fd, wk->rep, TL_FARM_HDR_LEN, deadline, w->stop_fd, w->peer,
					 err);
	if (ret < 0)
		return ret;
	if (tl_farm_hdr_parse(wk->rep, TL_FARM_EXPECT_REPLY, h, err) < 0)
		return -EPROTO;
	if (h->size > wk->rep_cap)
		return tl_err_set(err, EPROTO, "farm %s of %u bytes: more than the %u jobs asked for",
				  tl_farm_msg_type_name(h->type), h->size, w->cfg.batch);
	return tl_wire_read_exact(fd, wk->rep + TL_FARM_HDR_LEN, h->size - TL_FARM_HDR_LEN,
				  deadline, w->stop_fd, w->peer, err);
}

static void compute(struct worker *wk, const struct tl_farm_reply *r)
{
	uint64_t t0 = tl_now_ns();
	uint32_t i;
	for (i = 0; i < r->njobs && !stopping(wk->w); i++) {
		wk->results[i].job = wk->jobs_buf[i].job;
		wk->results[i].primes = tl_primes_count_trial(wk->jobs_buf[i].lo, wk->jobs_buf[i].hi);
	}
	wk->nresults = i;
	add(&wk->jobs, i);
	add(&wk->compute_ns, tl_now_ns() - t0);
}

/* Opens a connection; 0 with *fd set, 1 to try again later, or negative to end the worker. */
static int open_conn(struct worker *wk, bool had_answer, uint64_t *backoff, int *fd)
{
	struct tl_farm_workers *w = wk->w;
	uint64_t now = tl_now_ns();
	uint64_t deadline = now + w->cfg.io_timeout_ns;
	if (deadline > w->cfg.deadline_ns)
		deadline = w->cfg.deadline_ns;
	struct tl_err err = { 0 };
	int ret = tl_farm_io_connect(&w->cfg.dest, deadline, w->stop_fd, fd, &err);
	if (ret == 0) {
		add(&wk->attempts, 1);
		add(&wk->connects, 1);
		*backoff = 0;
		return 0;
	}
	/* An attempt cut short by the end of the run is neither a success nor a failure. */
	if (ret == -ECANCELED || tl_now_ns() >= w->cfg.deadline_ns)
		return ret == -ECANCELED ? ret : -ETIMEDOUT;
	add(&wk->attempts, 1);
	if (ret == -ECONNREFUSED) {
		if (had_answer) {
			atomic_store(&w->server_gone, true);
			return -ECONNREFUSED;
		}
		char where[80];
		tl_addr_str(&w->cfg.dest, where, sizeof(where));
		wk->error = tl_err_set(&wk->err, ECONNREFUSED, "connect %s: connection refused (is "
				       "'tcplab farm serve' running there on this port?)", where);
		return wk->error;
	}
	if (ret == -ENETUNREACH || ret == -EHOSTUNREACH || ret == -EAFNOSUPPORT) {
		wk->error = tl_connect_error(&wk->err, -ret, &w->cfg.dest, wk->index, 0);
		return wk->error;
	}
	/* EADDRNOTAVAIL above all, also a SYN that went unanswered, EMFILE: count, wait, retry. */
	add(&wk->failed, 1);
	if (ret == -EADDRNOTAVAIL)
		add(&wk->addr_not_avail, 1);
	note_failure(wk, -ret);
	*backoff = *backoff ? *backoff * 2 : BACKOFF_MIN_NS;
	if (*backoff > BACKOFF_MAX_NS)
		*backoff = BACKOFF_MAX_NS;
	ret = tl_farm_io_sleep(*backoff, w->cfg.deadline_ns, w->stop_fd, NULL);
	return ret < 0 ? ret : 1;
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct tl_farm_workers *w = wk->w;
	struct tl_cpu_sample cpu0, cpu1, d;
	uint64_t start = tl_now_ns(), backoff = 0;
	bool had_answer = false;
	int fd = -1;
	tl_cpu_sample_thread(&cpu0, NULL);
	while (!stopping(w)) {
		uint64_t t_req = tl_now_ns();
		if (fd < 0) {
			int ret = open_conn(wk, had_answer, &backoff, &fd);
			if (ret < 0)
				break;
			if (ret > 0)
				continue;
		}
		size_t len = tl_farm_request_encode(wk->req, wk->req_cap,
						    w->cfg.worker_id_base + wk->index,
						    w->cfg.batch, wk->results, wk->nresults);
		struct tl_farm_hdr h;
		struct tl_farm_reply r;
		struct tl_err err = { 0 };
		int ret = exchange(wk, fd, len, &h, &err);
		if (ret == 0)
			ret = tl_farm_reply_decode(wk->rep, h.size, &r, wk->jobs_buf, w->cfg.batch, &err);
		if (ret == -EPROTO) {
			wk->error = tl_err_set(&wk->err, EPROTO, "%s", err.msg);
			break;
		}
		if (ret < 0 || !w->cfg.persistent) {
			/* Per-request: the worker closes first, so TIME_WAIT lands here. */
			close(fd);
			fd = -1;
		}
		if (ret == -ECANCELED || ret == -ETIMEDOUT)
			break;
		if (ret < 0) {
			add(&wk->broken, 1);  /* reconnect; the results go again */
			continue;
		}
		had_answer = true;
		tl_hist_record(wk->latency, tl_now_ns() - t_req);
		add(&wk->requests, 1);
		add(&wk->jobs_returned, wk->nresults);
		wk->nresults = 0;
		if (r.type == TL_FARM_MSG_DONE) {
			note_done(w, &r);
			break;
		}
		if (r.type == TL_FARM_MSG_ERROR) {
			wk->error = tl_err_set(&wk->err, EPROTO, "the farm server refused a request: %s",
					       r.text);
			break;
		}
		if (r.njobs == 0) {
			uint64_t t0 = tl_now_ns();
			add(&wk->waits, 1);
			ret = tl_farm_io_sleep(r.retry_ms * TL_NSEC_PER_MSEC, w->cfg.deadline_ns,
					       w->stop_fd, NULL);
			add(&wk->idle_ns, tl_now_ns() - t0);
			if (ret < 0)
				break;
			continue;
		}
		compute(wk, &r);
	}
	if (fd >= 0)
		close(fd);
	tl_cpu_sample_thread(&cpu1, NULL);
	tl_cpu_delta(&cpu0, &cpu1, &d);
	add(&wk->cpu_ns, d.user_ns + d.sys_ns);
	uint64_t end = tl_now_ns(), prev = get(&w->end_ns);
	add(&wk->wall_ns, end - start);
	while (end > prev && !atomic_compare_exchange_weak(&w->end_ns, &prev, end))
		;
	atomic_store(&wk->running, false);
	return NULL;
}

struct tl_farm_workers *tl_farm_workers_start(const struct tl_farm_work_config *cfg,
					      int stop_fd, struct tl_err *err)
{
	struct tl_farm_workers *w = calloc(1, sizeof(*w));
	if (!w || !(w->workers = calloc(cfg->workers, sizeof(*w->workers)))) {
		free(w);
		tl_err_set(err, ENOMEM, "farm workers: out of memory");
		return NULL;
	}
	w->cfg = *cfg;
	w->stop_fd = stop_fd;
	char where[96];
	snprintf(w->peer, sizeof(w->peer), "job server %s",
		 tl_addr_str(&cfg->dest, where, sizeof(where)));
	w->start_ns = tl_now_ns();
	for (uint32_t i = 0; i < cfg->workers; i++) {
		struct worker *wk = &w->workers[i];
		wk->w = w;
		wk->index = i;
		wk->req_cap = tl_farm_request_size(cfg->batch);
		wk->rep_cap = tl_farm_jobs_size(cfg->batch);
		if (wk->rep_cap < TL_FARM_HDR_LEN + TL_FARM_ERROR_MAX)
			wk->rep_cap = TL_FARM_HDR_LEN + TL_FARM_ERROR_MAX;
		wk->results = malloc(cfg->batch * sizeof(*wk->results));
		wk->jobs_buf = malloc(cfg->batch * sizeof(*wk->jobs_buf));
		wk->req = malloc(wk->req_cap);
		wk->rep = malloc(wk->rep_cap);
		wk->latency = tl_hist_new();
		if (!wk->results || !wk->jobs_buf || !wk->req || !wk->rep || !wk->latency) {
			tl_err_set(err, ENOMEM, "farm workers: out of memory");
			goto fail;
		}
		atomic_store(&wk->running, true);
		int rc = pthread_create(&wk->thread, NULL, worker_main, wk);
		if (rc != 0) {
			atomic_store(&wk->running, false);
			errno = rc;
			tl_err_errno(err, "pthread_create (farm worker %u)", i);
			goto fail;
		}
		wk->started = true;
	}
	return w;
fail:
	/* Threads already running may sit in poll(): wake them through the run's stop fd. */
	if (stop_fd >= 0) {
		uint64_t one = 1;
		if (write(stop_fd, &one, sizeof(one)) < 0)
			(void)0; /* an eventfd write fails only at overflow: it is readable then */
	}
	tl_farm_workers_free(w);
	return NULL;
}

void tl_farm_workers_stats(const struct tl_farm_workers *w, struct tl_farm_work_stats *o)
{
	memset(o, 0, sizeof(*o));
	for (uint32_t i = 0; i < w->cfg.workers; i++) {
		const struct worker *wk = &w->workers[i];
		o->jobs += get(&wk->jobs);
		o->jobs_returned += get(&wk->jobs_returned);
		o->requests += get(&wk->requests);
		o->connects += get(&wk->connects);
		o->connect_attempts += get(&wk->attempts);
		o->connect_failed += get(&wk->failed);
		o->addr_not_avail += get(&wk->addr_not_avail);
		o->broken += get(&wk->broken);
		o->waits += get(&wk->waits);
		o->compute_ns += get(&wk->compute_ns);
		o->idle_ns += get(&wk->idle_ns);
		o->wall_ns += get(&wk->wall_ns);
		o->cpu_ns += get(&wk->cpu_ns);
		o->running += atomic_load(&wk->running) ? 1 : 0;
	}
	if (atomic_load_explicit(&w->done_ready, memory_order_acquire)) {
		o->got_done = true;
		o->verdict = w->verdict;
		o->primes = w->primes;
		o->expected = w->expected;
	}
	o->server_gone = atomic_load(&w->server_gone);
	o->start_ns = w->start_ns;
	o->end_ns = o->running ? 0 : get(&w->end_ns);
}

void tl_farm_workers_latency(const struct tl_farm_workers *w, struct tl_hist *out)
{
	for (uint32_t i = 0; i < w->cfg.workers; i++)
		if (w->workers[i].latency)
			tl_hist_merge(out, w->workers[i].latency);
}

void tl_farm_workers_stop(struct tl_farm_workers *w)
{
	atomic_store(&w->stop, true);
}

const char *tl_farm_workers_first_failure(const struct tl_farm_workers *w)
{
	return atomic_load_explicit(&w->failure_ready, memory_order_acquire) ? w->failure : NULL;
}

int tl_farm_workers_join(struct tl_farm_workers *w, struct tl_err *err)
{
	int ret = 0;
	for (uint32_t i = 0; i < w->cfg.workers; i++) {
		struct worker *wk = &w->workers[i];
		if (wk->started) {
			pthread_join(wk->thread, NULL);
			wk->started = false;
		}
		if (wk->error < 0 && ret == 0) {
			ret = wk->error;
			if (err)
				*err = wk->err;
		}
	}
	return ret;
}

void tl_farm_workers_free(struct tl_farm_workers *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, true);
	for (uint32_t i = 0; i < w->cfg.workers; i++) {
		struct worker *wk = &w->workers[i];
		if (wk->started)
			pthread_join(wk->thread, NULL);
		free(wk->results);
		free(wk->jobs_buf);
		free(wk->req);
		free(wk->rep);
		tl_hist_free(wk->latency);
	}
	free(w->workers);
	free(w);
}
