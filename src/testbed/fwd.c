#include "testbed/fwd.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "testbed/ctl.h"
#include "testbed/fwd_apply.h"
#include "testbed/fwd_ctl.h"
#include "testbed/fwd_path.h"
#include "testbed/fwd_standby.h"
#include "testbed/fwd_stats.h"
#include "util/clock.h"

#define RX_STALE_NS 20000 /* ports not looked at for longer are read before the links move */
#define SPIN_FLOOR_NS 2000
#define SPIN_BUDGET 0.4 /* of the time, at most, polling */
#define CPU_BUSY 0.7    /* busy with packets beyond this: no polling */


static void spin_budget(struct tl_testbed_fwd *f, uint64_t now_ns);

static void series_tick(struct tl_testbed_fwd *f, uint64_t now_ns)
{
	spin_budget(f, now_ns);
	for (unsigned i = 0; i < f->nports; i++)
		tl_testbed_port_kstats(&f->ports[i]);
	json_t *line = tl_testbed_fwd_series_line(f, now_ns);
	if (line) {
		/* A full disk must not stop the forwarding: the series is best effort. */
		tl_testbed_series_append(&f->series, line, NULL);
		json_decref(line);
	}
	f->last_series_ns = now_ns;
	f->next_series_ns += TL_TESTBED_SERIES_PERIOD_NS;
	if (f->next_series_ns <= now_ns)
		f->next_series_ns = now_ns + TL_TESTBED_SERIES_PERIOD_NS;
}

static int link_new(struct tl_testbed_fwd *f, const struct tl_link_spec *spec,
		    struct tl_link **out, struct tl_err *err)
{
	return tl_link_create(spec, tl_testbed_fwd_path_drop, f, out, err);
}

static int epoll_add(int ep, int fd, uint32_t events, uint32_t tag, struct tl_err *err)
{
	struct epoll_event ev = { .events = events, .data.u32 = tag };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return tl_err_errno(err, "epoll_ctl ADD fd %d", fd);
	return 0;
}

int tl_testbed_fwd_create(const struct tl_testbed_state *st, const sigset_t *sigs,
			  struct tl_testbed_fwd **out, struct tl_err *err)
{
	int ret;
	*out = NULL;
	struct tl_testbed_fwd *f = calloc(1, sizeof(*f));
	if (!f)
		return tl_err_set(err, ENOMEM, "forwarder: out of memory");
	f->ep = f->sigfd = f->ctl_fd = -1;
	pthread_mutex_init(&f->lock, NULL);
	f->series.fd = -1;
	tl_cpu_latency_init(&f->cpu_latency);
	for (unsigned i = 0; i < FWD_CTL_CONNS; i++)
		f->conns[i].fd = -1;
	for (unsigned i = 0; i < TL_TESTBED_HOSTS_MAX; i++)
		f->ports[i].fd = -1;
	f->st = *st;
	f->st.options = json_deep_copy(st->options);
	if ((ret = tl_testbed_config_eval(f->st.options, &f->cfg, err)) < 0)
		goto out;
	if (f->cfg.senders + 1 != st->plan.nhosts) {
		ret = tl_err_set(err, EINVAL, "forwarder: %u senders in the options, %u hosts in "
				 "the plan", f->cfg.senders, st->plan.nhosts);
		goto out;
	}
	/* Wake-ups at the ns the timeout says, not up to 50 us later (the default slack). */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	/* Without CAP_SYS_NICE (a container) the forwarder still works, as a normal task. */
	struct tl_err perr = { 0 };
	if (tl_testbed_fwd_apply_prio(0, f->cfg.prio, &perr) < 0)
		snprintf(f->prio_note, sizeof(f->prio_note), "%s", perr.msg);
	tl_testbed_fwd_apply_cpu_latency(f, f->cfg.cpu_latency_us);
	tl_testbed_fwd_standby_init(f);
	/* `up` set this CPU aside (testbed/cpus.h): the forwarder runs there and only there. */
	if (st->forwarder_cpu >= 0) {
		cpu_set_t one;
		CPU_ZERO(&one);
		CPU_SET(st->forwarder_cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) < 0)
			snprintf(f->isolate_note, sizeof(f->isolate_note),
				 "not pinned to cpu %d: sched_setaffinity: %s", st->forwarder_cpu,
				 strerror(errno));
	}
	if ((ret = tl_testbed_pool_init(&f->pool, f->cfg.pool, err)) < 0)
		goto out;
	for (unsigned i = 0; i < 256; i++)
		f->port_of_octet[i] = FWD_PORT_FLOOD;
	f->nports = st->plan.nhosts;
	for (unsigned i = 0; i < f->nports; i++) {
		if ((ret = tl_testbed_port_open(&f->ports[i], st->plan.hosts[i].port, err)) < 0)
			goto out;
		f->port_of_octet[st->plan.hosts[i].addr & 0xff] = (uint16_t)i;
	}
	f->late = malloc(sizeof(struct tl_lhist));
	f->late_period = malloc(sizeof(struct tl_lhist));
	f->fwd.cum_qdelay = malloc(sizeof(struct tl_lhist));
	f->fwd.cum_qlen = malloc(sizeof(struct tl_lhist));
	f->rev.cum_qdelay = malloc(sizeof(struct tl_lhist));
	f->rev.cum_qlen = malloc(sizeof(struct tl_lhist));
	if (!f->fwd.cum_qdelay || !f->fwd.cum_qlen || !f->rev.cum_qdelay || !f->rev.cum_qlen ||
	    !f->late || !f->late_period) {
		ret = tl_err_set(err, ENOMEM, "forwarder: out of memory");
		goto out;
	}
	tl_lhist_reset(f->fwd.cum_qdelay);
	tl_lhist_reset(f->fwd.cum_qlen);
	tl_lhist_reset(f->rev.cum_qdelay);
	tl_lhist_reset(f->rev.cum_qlen);
	tl_lhist_reset(f->late);
	tl_lhist_reset(f->late_period);
	if ((ret = link_new(f, &f->cfg.fwd, &f->fwd.link, err)) < 0 ||
	    (ret = link_new(f, &f->cfg.rev, &f->rev.link, err)) < 0)
		goto out;
	f->access = f->cfg.senders > 1;
	if (f->access) {
		for (unsigned i = 1; i < f->nports; i++) {
			if ((ret = link_new(f, &f->cfg.access_fwd[i - 1], &f->acc_fwd[i], err)) < 0 ||
			    (ret = link_new(f, &f->cfg.access_rev[i - 1], &f->acc_rev[i], err)) < 0)
				goto out;
		}
	}
	char path[512];
	if ((ret = tl_testbed_path(path, sizeof(path), st->plan.name, "ctl.sock", err)) < 0 ||
	    (ret = tl_testbed_ctl_listen(path, &f->ctl_fd, err)) < 0)
		goto out;
	if ((ret = tl_testbed_series_open(&f->series, st->plan.name, err)) < 0)
		goto out;
	f->sigfd = signalfd(-1, sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (f->sigfd < 0) {
		ret = tl_err_errno(err, "forwarder: signalfd");
		goto out;
	}
	f->ep = epoll_create1(EPOLL_CLOEXEC);
	if (f->ep < 0) {
		ret = tl_err_errno(err, "forwarder: epoll_create1");
		goto out;
	}
	for (unsigned i = 0; i < f->nports; i++)
		if ((ret = epoll_add(f->ep, f->ports[i].fd, EPOLLIN, FWD_EV_PORT | i, err)) < 0)
			goto out;
	if ((ret = epoll_add(f->ep, f->sigfd, EPOLLIN, FWD_EV_SIG, err)) < 0 ||
	    (ret = epoll_add(f->ep, f->ctl_fd, EPOLLIN, FWD_EV_LISTEN, err)) < 0)
		goto out;
	f->have_wait = tl_sched_time_read_self(&f->wait_start, NULL) == 0;
	f->have_sys = tl_sys_cpu_read(&f->sys_start, NULL) == 0;
	struct tl_softnet sn;
	f->have_softnet = tl_softnet_read(&sn, NULL) == 0;
	f->backlog_drops_start = f->have_softnet ? sn.dropped : 0;
	f->wait_last = f->wait_start;
	f->sys_last = f->sys_start;
	f->start_ns = f->last_series_ns = tl_now_ns();
	f->spin_allowance_ns = f->cfg.spin_ns;
	f->next_series_ns = f->start_ns + TL_TESTBED_SERIES_PERIOD_NS;
	*out = f;
	f = NULL;
	ret = 0;
out:
	tl_testbed_fwd_destroy(f);
	return ret;
}

static void handle_events(struct tl_testbed_fwd *f, const struct epoll_event *evs, int n)
{
	for (int i = 0; i < n; i++) {
		uint32_t tag = evs[i].data.u32;
		uint32_t kind = tag & 0xffff0000u, idx = tag & 0xffffu;
		if (kind == FWD_EV_PORT) {
			tl_testbed_fwd_path_rx_port(f, idx);
		} else if (kind == FWD_EV_SIG) {
			struct signalfd_siginfo si;
			while (read(f->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				f->stop = true;
		} else if (kind == FWD_EV_LISTEN) {
			tl_testbed_fwd_ctl_accept(f, tl_now_ns());
		} else if (kind == FWD_EV_CONN) {
			tl_testbed_fwd_ctl_event(f, idx, evs[i].events, tl_now_ns());
		}
	}
}

/*
 * How long before an event the loop stops sleeping and polls instead: the average
 * oversleep of recent timed waits plus four times its mean deviation (what timers cost on
 * this machine: a few us on bare metal, tens in a busy VM, with a tail), at most --spin.
 * So a departure is on time, to the tail of the timer's lateness, without polling longer
 * than the machine needs. (Twice the average alone left 1% of departures on an idle link
 * 100 us late in this VM, where the average was 33 us.)
 */
static uint64_t spin_margin(const struct tl_testbed_fwd *f)
{
	uint64_t m = f->oversleep_avg_ns + 4 * f->oversleep_dev_ns + SPIN_FLOOR_NS;
	if (m > f->cfg.spin_ns)
		m = f->cfg.spin_ns;
	return m < f->spin_allowance_ns ? m : f->spin_allowance_ns;
}

/*
 * Once per series period: how long each wait may poll in the next period. Polling is
 * limited to SPIN_BUDGET of the time, shared out over the waits of the last period, and
 * stops altogether while the thread is busy more than CPU_BUSY of the time: the programs
 * on the hosts need the CPU too, and at --prio rt a thread that never sleeps is stopped by
 * the kernel for tens of milliseconds so that other tasks run (RT throttling, the fair
 * server); a departure late by a timer's slop is far better than one late by 50 ms.
 */
static void spin_budget(struct tl_testbed_fwd *f, uint64_t now_ns)
{
	struct timespec ts;
	uint64_t cpu = 0;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
		cpu = (uint64_t)ts.tv_sec * TL_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	uint64_t wall = now_ns - f->last_series_ns;
	uint64_t busy = cpu - f->cpu_ns_last;
	uint64_t work = busy > f->spin_ns_period ? busy - f->spin_ns_period : 0;
	uint64_t waits = f->waits_period ? f->waits_period : 1;
	if (wall && (double)work > CPU_BUSY * (double)wall)
		f->spin_allowance_ns = 0;
	else
		f->spin_allowance_ns = (uint64_t)(SPIN_BUDGET * (double)wall) / waits;
	if (f->spin_allowance_ns > f->cfg.spin_ns)
		f->spin_allowance_ns = f->cfg.spin_ns;
	f->cpu_ns_last = cpu;
	f->spin_ns_period = 0;
	f->waits_period = 0;
}

static void oversleep_learn(struct tl_testbed_fwd *f, uint64_t late_ns)
{
	/*
	 * Mean and mean deviation as RFC 6298 keeps them for the RTT (weights 1/8 and 1/4);
	 * a single huge oversleep (the VM was descheduled) is capped.
	 */
	if (late_ns > 10 * f->cfg.spin_ns + SPIN_FLOOR_NS)
		late_ns = 10 * f->cfg.spin_ns + SPIN_FLOOR_NS;
	int64_t d = (int64_t)late_ns - (int64_t)f->oversleep_avg_ns;
	uint64_t dev = (uint64_t)(d < 0 ? -d : d);
	int64_t dv = (int64_t)dev - (int64_t)f->oversleep_dev_ns;
	f->oversleep_dev_ns = (uint64_t)((int64_t)f->oversleep_dev_ns + dv / 4);
	f->oversleep_avg_ns = (uint64_t)((int64_t)f->oversleep_avg_ns + d / 8);
}

/*
 * The main loop takes the packet path back, or lets it go to wait: either way the standby
 * sees that it was there (it looks at main_seen_ns only with the lock).
 */
static uint64_t main_lock(struct tl_testbed_fwd *f)
{
	atomic_store_explicit(&f->main_wait_ns, tl_now_ns(), memory_order_relaxed);
	pthread_mutex_lock(&f->lock);
	atomic_store_explicit(&f->main_wait_ns, 0, memory_order_relaxed);
	f->main_seen_ns = tl_now_ns();
	return f->main_seen_ns;
}

static void main_unlock(struct tl_testbed_fwd *f)
{
	f->main_seen_ns = tl_now_ns();
	pthread_mutex_unlock(&f->lock);
}

int tl_testbed_fwd_run(struct tl_testbed_fwd *f, struct tl_err *err)
{
	struct epoll_event evs[32];
	bool have_pwait2 = true;
	int ret = 0;
	tl_testbed_fwd_standby_start(f);
	main_lock(f);
	while (!f->stop) {
		uint64_t now = tl_now_ns();
		if (now - f->rx_seen_ns > RX_STALE_NS) {
			/*
			 * The loop was held up (preempted, a long status request) since it last
			 * looked at its ports: frames that arrived meanwhile enter the links first,
			 * at their own times, before the links move on to now. Otherwise they would
			 * enter at now, and the link could have idled with packets waiting.
			 */
			tl_testbed_fwd_path_read_ports(f);
			now = f->rx_seen_ns;
		}
		tl_testbed_fwd_path_run_links(f, now);
		if (now >= f->next_series_ns) {
			series_tick(f, now);
			tl_testbed_fwd_ctl_expire(f, now);
		}
		uint64_t departure = tl_testbed_fwd_path_next_departure(f);
		uint64_t next = departure < f->next_series_ns ? departure : f->next_series_ns;
		uint64_t margin = spin_margin(f);
		int n;
		f->waits_period++;
		/*
		 * Poll, too, when the event is nearer than a timed wait usually oversleeps,
		 * whatever the polling allowance: such a wait ends after the event anyway, and
		 * arming its timer costs more than polling the gap (at 1 Gbit/s in a VM that
		 * oversleeps by 30-50 us, departures 12 us apart: arming took 21% of the
		 * forwarder's samples, and polling instead cut its late p50 from 10-15 us to
		 * 0.3-4.5 us with the same CPU time). At most --spin: an average inflated by a
		 * hypervisor's stolen milliseconds must not turn every wait into polling. Only
		 * while the loop is too busy for the polling allowance: otherwise the allowance
		 * decides (at 100 Mbit/s this rule alone took the forwarder from 37% to 63% of a
		 * CPU).
		 */
		uint64_t short_gap = f->oversleep_avg_ns < f->cfg.spin_ns ? f->oversleep_avg_ns
									  : f->cfg.spin_ns;
		if (f->spin_allowance_ns > 0)
			short_gap = 0;
		if (next <= now + margin || next - now <= short_gap) {
			/* The next departure is close: poll without sleeping, so it leaves on time. */
			uint64_t t0 = now;
			f->spins++;
			main_unlock(f);
			do {
				n = epoll_wait(f->ep, evs, 32, 0);
				now = tl_now_ns();
			} while (n == 0 && now < next);
			main_lock(f);
			f->rx_seen_ns = now;
			f->spin_ns_period += now - t0;
		} else {
			/* Sleep until `margin` before the event; the polling above takes it from there. */
			uint64_t wait = next == UINT64_MAX ? UINT64_MAX : next - margin - now;
			struct timespec ts = tl_ns_to_timespec(wait);
			f->wakeups++;
			tl_testbed_fwd_standby_arm(f, departure);
			main_unlock(f);
			if (have_pwait2) {
				n = epoll_pwait2(f->ep, evs, 32, wait == UINT64_MAX ? NULL : &ts, NULL);
				if (n < 0 && errno == ENOSYS)
					have_pwait2 = false;
			} else {
				n = epoll_wait(f->ep, evs, 32, tl_ms_until(next, now));
			}
			int wait_errno = errno;
			f->rx_seen_ns = main_lock(f);
			if (n == 0 && have_pwait2 && wait != UINT64_MAX)
				oversleep_learn(f, f->rx_seen_ns - (now + wait));
			errno = wait_errno;
		}
		if (n < 0) {
			if (errno == EINTR || errno == ENOSYS)
				continue;
			ret = tl_err_errno(err, "forwarder: epoll_wait");
			break;
		}
		handle_events(f, evs, n);
	}
	pthread_mutex_unlock(&f->lock);
	tl_testbed_fwd_standby_stop(f);
	return ret;
}

void tl_testbed_fwd_destroy(struct tl_testbed_fwd *f)
{
	if (!f)
		return;
	uint64_t now = tl_now_ns();
	tl_testbed_fwd_ctl_close_all(f);
	for (unsigned i = 1; i < TL_TESTBED_HOSTS_MAX; i++) {
		tl_link_destroy(f->acc_fwd[i], now);
		tl_link_destroy(f->acc_rev[i], now);
	}
	tl_link_destroy(f->fwd.link, now);
	tl_link_destroy(f->rev.link, now);
	for (unsigned i = 0; i < TL_TESTBED_HOSTS_MAX; i++)
		if (f->ports[i].fd >= 0)
			tl_testbed_port_close(&f->ports[i]);
	if (f->ctl_fd >= 0) {
		char path[512];
		if (tl_testbed_path(path, sizeof(path), f->st.plan.name, "ctl.sock", NULL) == 0)
			unlink(path);
		close(f->ctl_fd);
	}
	tl_testbed_series_close(&f->series);
	tl_cpu_latency_release(&f->cpu_latency);
	if (f->sigfd >= 0)
		close(f->sigfd);
	if (f->ep >= 0)
		close(f->ep);
	free(f->late);
	free(f->late_period);
	free(f->fwd.cum_qdelay);
	free(f->fwd.cum_qlen);
	free(f->rev.cum_qdelay);
	free(f->rev.cum_qlen);
	tl_testbed_pool_free(&f->pool);
	json_decref(f->st.options);
	pthread_mutex_destroy(&f->lock);
	free(f);
}
