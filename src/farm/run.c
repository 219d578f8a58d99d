#include "farm/run.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "farm/primes.h"
#include "farm/split.h"
#include "measure/cpu.h"
#include "measure/hist.h"
#include "sys/sockdiag.h"
#include "util/clock.h"

const char *tl_farm_stop_name(enum tl_farm_stop s)
{
	static const char *const names[] = { "done", "max-time", "signal", "error", "server-gone" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

const char *tl_farm_outcome_name(enum tl_farm_outcome o)
{
	static const char *const names[] = { "PASS", "FAIL", "INCOMPLETE" };
	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "unknown";
}

/* State of one run, owned by tl_farm_run. */
struct runner {
	const struct tl_farm_spec *s;
	const struct tl_farm_callbacks *cb;
	struct tl_farm_result *r;
	struct tl_farm_server *server;
	struct tl_farm_workers *workers;
	struct tl_addr dest;
	int stop_fd;
	bool sampling;
};

static void sample_tw(struct runner *rn, uint32_t *now_count)
{
	struct tl_farm_result *r = rn->r;
	if (!rn->sampling)
		return;
	struct tl_sock_counts c;
	struct tl_err e = { 0 };
	if (tl_sockdiag_count_states(TL_SOCKDIAG_ALL, r->port, &c, &e) < 0) {
		/* Not fatal: the run goes on, the report says why the count is missing. */
		snprintf(r->tw_note, sizeof(r->tw_note), "TIME_WAIT sampling stopped: %s", e.msg);
		rn->sampling = false;
		return;
	}
	*now_count = c.time_wait;
	if (c.time_wait > r->tw_peak)
		r->tw_peak = c.time_wait;
	r->tw_samples++;
}

static void snapshot(struct runner *rn)
{
	if (rn->server)
		tl_farm_server_stats(rn->server, &rn->r->server);
	if (rn->workers)
		tl_farm_workers_stats(rn->workers, &rn->r->work);
}

static void progress(struct runner *rn, uint64_t start, uint32_t tw_now)
{
	struct tl_farm_result *r = rn->r;
	if (!rn->cb || !rn->cb->progress)
		return;
	struct tl_farm_progress p = { .elapsed_ns = tl_now_ns() - start,
				      .time_wait = tw_now, .time_wait_peak = r->tw_peak };
	if (rn->server) {
		p.jobs_done = r->server.jobs_done;
		p.jobs_total = rn->s->jobs;
		p.requests = r->server.requests;
		p.connects = r->server.accepted;
	}
	if (rn->workers) {
		if (!rn->server)
			p.jobs_done = r->work.jobs_returned;
		p.requests = r->work.requests;
		p.connects = r->work.connects;
		p.connect_failed = r->work.connect_failed;
	}
	rn->cb->progress(rn->cb->ctx, &p);
}

static void latency(struct runner *rn)
{
	static const double pcts[4] = { 50, 90, 99, 99.9 };
	struct tl_farm_result *r = rn->r;
	struct tl_hist *h = tl_hist_new();
	if (!h)
		return; /* the report goes without percentiles */
	tl_farm_workers_latency(rn->workers, h);
	r->lat_count = tl_hist_count(h);
	r->lat_min = tl_hist_min(h);
	r->lat_max = tl_hist_max(h);
	tl_hist_percentiles(h, pcts, r->lat_pct, 4);
	tl_hist_free(h);
}

/* Sets up the server (if any) and the destination; fills the start of the result. */
static int prepare(struct runner *rn, uint64_t deadline, struct tl_err *err)
{
	const struct tl_farm_spec *s = rn->s;
	struct tl_farm_result *r = rn->r;
	if (s->mode != TL_FARM_MODE_WORK) {
		uint64_t t0 = tl_now_ns();
		if (tl_primes_count_sieve(s->lo, s->hi, &r->expected, err) < 0)
			return -ENOMEM;
		r->reference_ns = tl_now_ns() - t0;
		struct tl_farm_server_config sc = {
			.bind = s->mode == TL_FARM_MODE_BOTH ? "127.0.0.1" : s->bind,
			.port = s->mode == TL_FARM_MODE_BOTH ? 0 : s->port,
			.lo = s->lo, .hi = s->hi, .njobs = s->jobs, .expected = r->expected,
			.job_timeout_ns = s->job_timeout_ns,
			.idle_timeout_ns = s->job_timeout_ns * 2 > 60 * TL_NSEC_PER_SEC
						   ? s->job_timeout_ns * 2 : 60 * TL_NSEC_PER_SEC,
			.max_conns = 4096,
			/* Alone, the server answers DONE for a second more so that workers
			 * waiting for a job hear it, then ends by itself. */
			.linger_ns = s->mode == TL_FARM_MODE_SERVE ? TL_NSEC_PER_SEC : 0,
			.deadline_ns = deadline,
		};
		rn->server = tl_farm_server_new(&sc, err);
		if (!rn->server)
			return -1;
		r->have_server = true;
		rn->dest = *tl_farm_server_addr(rn->server);
	} else if (tl_addr_resolve(s->host, s->port, AF_UNSPEC, 0, &rn->dest, err) < 0) {
		return -1;
	}
	r->port = tl_addr_port(&rn->dest);
	tl_addr_str(&rn->dest, r->server_addr, sizeof(r->server_addr));
	if (tl_port_facts_read(&r->ceiling_in, NULL) == 0) {
		r->dest_loopback = tl_addr_is_loopback(&rn->dest);
		tl_port_ceiling(&r->ceiling_in, r->dest_loopback, 1, &r->ceiling);
		r->have_ceiling = true;
	}
	return 0;
}

static enum tl_farm_outcome outcome_of(const struct tl_farm_result *r)
{
	if (r->have_server)
		return !r->check.complete ? TL_FARM_INCOMPLETE
		       : r->check.pass    ? TL_FARM_PASS : TL_FARM_FAIL;
	if (r->work.got_done)
		return r->work.verdict == TL_FARM_VERDICT_PASS ? TL_FARM_PASS : TL_FARM_FAIL;
	return TL_FARM_INCOMPLETE;
}

/* Watches the run until it ends; returns how it ended. */
static enum tl_farm_stop watch(struct runner *rn, uint64_t start, uint64_t deadline)
{
	const struct tl_farm_spec *s = rn->s;
	struct tl_farm_result *r = rn->r;
	int sig = rn->cb ? rn->cb->stop_fd : -1;
	bool failure_told = false;
	uint64_t next = start + s->sample_ns;
	for (;;) {
		uint64_t now = tl_now_ns();
		struct pollfd p = { .fd = sig, .events = POLLIN };
		int n = poll(&p, 1, tl_ms_until(next < deadline ? next : deadline, now));
		if (n > 0 && p.revents)
			return TL_FARM_STOP_SIGNAL;
		now = tl_now_ns();
		snapshot(rn);
		if (now >= next) {
			uint32_t tw = 0;
			sample_tw(rn, &tw);
			if (rn->sampling && r->tw_series_n < TL_FARM_TW_SERIES_MAX) {
				struct tl_farm_tw_sample *ts = &r->tw_series[r->tw_series_n++];
				ts->t_ms = (uint32_t)((now - start) / TL_NSEC_PER_MSEC);
				ts->count = tw;
			}
			progress(rn, start, tw);
			next = now + s->sample_ns;
		}
		const char *line = rn->workers ? tl_farm_workers_first_failure(rn->workers) : NULL;
		if (line && !failure_told) {
			failure_told = true;
			snprintf(r->first_failure, sizeof(r->first_failure), "%s", line);
			if (rn->cb && rn->cb->failure)
				rn->cb->failure(rn->cb->ctx, line);
		}
		/* First: workers and server stop by themselves at the deadline too. */
		if (now >= deadline)
			return TL_FARM_STOP_MAX_TIME;
		if (rn->workers && r->work.running == 0)
			return r->work.server_gone && !r->work.got_done ? TL_FARM_STOP_SERVER_GONE
									 : TL_FARM_STOP_DONE;
		if (!rn->workers && r->server.finished)
			return r->server.done_ns ? TL_FARM_STOP_DONE : TL_FARM_STOP_MAX_TIME;
	}
}

static void finish(struct runner *rn, uint64_t start, uint64_t deadline_hit)
{
	struct tl_farm_result *r = rn->r;
	/* Elapsed: from the start to the last result in (else to the end of the last worker). */
	uint64_t end = 0;
	if (r->server.done_ns)
		end = r->server.done_ns;  /* the last result in: the workers' tail is not work */
	else if (r->have_workers)
		end = r->work.end_ns;
	if (!end)
		end = deadline_hit ? deadline_hit : tl_now_ns();
	if (r->have_server && !r->have_workers && r->server.first_ns)
		start = r->server.first_ns;  /* serve: from the first request */
	r->elapsed_ns = end > start ? end - start : 0;
	r->outcome = outcome_of(r);
	r->primes = r->have_server ? r->check.total : r->work.primes;
	if (r->stopped_by == TL_FARM_STOP_MAX_TIME && r->outcome != TL_FARM_INCOMPLETE)
		r->stopped_by = TL_FARM_STOP_DONE;  /* the last result beat the deadline */
	if (r->stopped_by == TL_FARM_STOP_DONE && r->outcome == TL_FARM_INCOMPLETE)
		r->stopped_by = TL_FARM_STOP_ERROR;
}

int tl_farm_run(const struct tl_farm_spec *s, const struct tl_farm_callbacks *cb,
		struct tl_farm_result *r, struct tl_err *err)
{
	struct runner rn = { .s = s, .cb = cb, .r = r, .stop_fd = -1, .sampling = true };
	struct tl_sys_cpu cpu0, cpu1;
	bool have_cpu = false, ran = false;
	uint64_t start = tl_now_ns(), deadline = start + s->max_time_ns;
	int ret = -1;
	memset(r, 0, sizeof(*r));
	r->spec = *s;
	r->stopped_by = TL_FARM_STOP_ERROR;
	r->outcome = TL_FARM_INCOMPLETE;
	if (tl_farm_spec_validate(s, err) < 0)
		goto out;
	rn.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (rn.stop_fd < 0) {
		tl_err_errno(err, "eventfd (farm stop)");
		goto out;
	}
	if (prepare(&rn, deadline, err) < 0)
		goto out;
	have_cpu = tl_sys_cpu_read(&cpu0, NULL) == 0;
	sample_tw(&rn, &r->tw_start);
	r->tw_peak = r->tw_start;
	if (cb && cb->started)
		cb->started(cb->ctx, r);
	start = tl_now_ns();
	if (rn.server && tl_farm_server_start(rn.server, rn.stop_fd, err) < 0)
		goto out;
	if (s->mode != TL_FARM_MODE_SERVE) {
		struct tl_farm_work_config wc = {
			.dest = rn.dest, .workers = s->workers, .batch = s->batch,
			.persistent = s->persistent, .worker_id_base = 0, .deadline_ns = deadline,
			.io_timeout_ns = s->io_timeout_ns,
		};
		rn.workers = tl_farm_workers_start(&wc, rn.stop_fd, err);
		if (!rn.workers)
			goto out;
		r->have_workers = true;
	}
	r->stopped_by = watch(&rn, start, deadline);
	ran = true;
	ret = 0;
out:
	if (rn.stop_fd >= 0) {
		uint64_t one = 1;
		if (write(rn.stop_fd, &one, sizeof(one)) < 0)
			(void)0; /* only at counter overflow, when it is readable anyway */
	}
	uint64_t stopped_at = tl_now_ns();
	struct tl_err jerr = { 0 };
	if (rn.workers) {
		tl_farm_workers_stop(rn.workers);
		if (tl_farm_workers_join(rn.workers, &jerr) < 0 && ret == 0) {
			snprintf(r->error, sizeof(r->error), "%s", jerr.msg);
			if (err)
				*err = jerr;
			ret = -1;
		}
	}
	if (rn.server) {
		if (tl_farm_server_join(rn.server, &r->check, &jerr) < 0 && ret == 0) {
			snprintf(r->error, sizeof(r->error), "%s", jerr.msg);
			if (err)
				*err = jerr;
			ret = -1;
		}
		snprintf(r->first_malformed, sizeof(r->first_malformed), "%s",
			 tl_farm_server_first_malformed(rn.server));
	}
	snapshot(&rn);  /* final counters, exact now that every thread has ended */
	if (rn.workers)
		latency(&rn);
	/* Stats are in r now. Freeing closes the server's last sockets, which moves the
	 * workers' last closed connections into TIME_WAIT before the final sample. */
	tl_farm_workers_free(rn.workers);
	tl_farm_server_free(rn.server);
	rn.workers = NULL;
	rn.server = NULL;
	if (ran) {
		uint32_t tw = 0;
		sample_tw(&rn, &tw);
		r->tw_end = tw;
		if (have_cpu && tl_sys_cpu_read(&cpu1, NULL) == 0) {
			r->machine_busy_pct = tl_sys_cpu_busy_percent(&cpu0, &cpu1);
			r->ncpu = cpu1.ncpu;
		}
		finish(&rn, start, r->stopped_by == TL_FARM_STOP_MAX_TIME ? stopped_at : 0);
		if (r->stopped_by == TL_FARM_STOP_ERROR && !r->error[0] && r->first_malformed[0])
			snprintf(r->error, sizeof(r->error), "%s", r->first_malformed);
	}
	if (ret < 0 && !r->error[0] && err)
		snprintf(r->error, sizeof(r->error), "%s", err->msg);
	if (ret < 0)
		r->stopped_by = TL_FARM_STOP_ERROR;
	tl_farm_verdict(r);
	if (rn.stop_fd >= 0)
		close(rn.stop_fd);
	return ret;
}
