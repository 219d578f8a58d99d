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
#include "testbed/fwd_internal.h"
#include "util/clock.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6_ 0x86dd
#define ARRIVAL_MAX_AGE_NS (100 * TL_NSEC_PER_MSEC)
#define RX_ROUNDS 8 /* batches read from one port before the others get a turn */
#define RX_STALE_NS 20000 /* ports not looked at for longer are read before the links move */
#define SPIN_FLOOR_NS 2000
#define SPIN_BUDGET 0.4 /* of the time, at most, polling */
#define CPU_BUSY 0.7    /* busy with packets beyond this: no polling */

static void fwd_drop(void *ctx, struct tl_pkt *p, enum tl_drop_cause cause, uint64_t now_ns)
{
	(void)cause;
	(void)now_ns;
	struct tl_testbed_fwd *f = ctx;
	tl_testbed_pool_put(&f->pool, p);
}

static uint8_t *frame_of(const struct tl_testbed_fwd *f, const struct tl_pkt *p)
{
	return tl_testbed_pool_buf(&f->pool, p);
}

static void tx_flush(struct tl_testbed_fwd *f, unsigned port)
{
	unsigned n = f->ntx[port];
	if (n == 0)
		return;
	uint8_t *frames[TL_TESTBED_BATCH];
	uint32_t lens[TL_TESTBED_BATCH];
	for (unsigned i = 0; i < n; i++) {
		frames[i] = frame_of(f, f->txq[port][i]);
		lens[i] = f->txq[port][i]->len;
	}
	tl_testbed_port_send(&f->ports[port], frames, lens, n);
	for (unsigned i = 0; i < n; i++)
		tl_testbed_pool_put(&f->pool, f->txq[port][i]);
	f->ntx[port] = 0;
}

static void tx_push(struct tl_testbed_fwd *f, unsigned port, struct tl_pkt *p)
{
	if (f->ntx[port] == TL_TESTBED_BATCH)
		tx_flush(f, port);
	f->txq[port][f->ntx[port]++] = p;
}

/* A packet leaving a link: how late it goes, against the time the link said. */
static void tx_due(struct tl_testbed_fwd *f, unsigned port, struct tl_pkt *p)
{
	tl_lhist_record(f->late_period, f->now_ns > p->ready_ns ? f->now_ns - p->ready_ns : 0);
	f->departures++;
	tx_push(f, port, p);
}

/* A receiver frame to an unknown or broadcast MAC goes to every sender, as a switch would. */
static void tx_flood(struct tl_testbed_fwd *f, struct tl_pkt *p)
{
	uint8_t *frame = frame_of(f, p);
	uint32_t len = p->len;
	f->flooded++;
	for (unsigned i = 1; i < f->nports; i++)
		tl_testbed_port_send(&f->ports[i], &frame, &len, 1);
	tl_testbed_pool_put(&f->pool, p);
}

/* Which port the destination MAC of a frame from the receiver belongs to. */
static unsigned port_by_mac(const struct tl_testbed_fwd *f, const uint8_t *frame)
{
	const uint8_t *own = f->st.plan.hosts[0].mac;
	if (memcmp(frame, own, 5) != 0)
		return FWD_PORT_FLOOD;
	return f->port_of_octet[frame[5]];
}

static void set_ce(struct tl_pkt *p)
{
	if (p->ce_marked)
		tl_pkt_set_ce(p->data, p->data_len);
}

/* A frame read from port `in` at now_ns enters its path. */
static void rx_frame(struct tl_testbed_fwd *f, unsigned in, struct tl_pkt *p, uint32_t len,
		     uint64_t now_ns)
{
	uint8_t *frame = frame_of(f, p);
	if (len < TL_ETH_HLEN) {
		tl_testbed_pool_put(&f->pool, p);
		return;
	}
	p->len = len;
	p->data = frame + TL_ETH_HLEN;
	p->data_len = len - TL_ETH_HLEN;
	p->ce_marked = false;
	p->ecn_capable = false;
	p->host = (uint8_t)in; /* PPV's host class: the port is the host */
	p->pv = 0;
	uint16_t type = (uint16_t)(frame[12] << 8 | frame[13]);
	unsigned out = in == 0 ? port_by_mac(f, frame) : 0;
	if (type != ETH_P_IPV4 && type != ETH_P_IPV6_) {
		f->non_ip++;
		if (out == FWD_PORT_FLOOD)
			tx_flood(f, p);
		else
			tx_push(f, out, p);
		return;
	}
	tl_pkt_classify(p, f->cfg.seed);
	p->user = out;
	if (in == 0)
		tl_link_enqueue(f->rev.link, p, now_ns);
	else if (f->access)
		tl_link_enqueue(f->acc_fwd[in], p, now_ns);
	else
		tl_link_enqueue(f->fwd.link, p, now_ns);
}

static void rx_port(struct tl_testbed_fwd *f, unsigned in)
{
	struct tl_testbed_port *port = &f->ports[in];
	for (int round = 0; round < RX_ROUNDS; round++) {
		struct tl_pkt *pkts[TL_TESTBED_BATCH];
		uint8_t *bufs[TL_TESTBED_BATCH];
		uint32_t lens[TL_TESTBED_BATCH];
		uint64_t real[TL_TESTBED_BATCH];
		unsigned k = 0;
		while (k < TL_TESTBED_BATCH && (pkts[k] = tl_testbed_pool_get(&f->pool))) {
			bufs[k] = frame_of(f, pkts[k]);
			k++;
		}
		if (k == 0) {
			/* No buffer left: read into scratch so the socket drains, and count. */
			for (unsigned i = 0; i < TL_TESTBED_BATCH; i++)
				bufs[i] = f->scratch[i];
			int got = tl_testbed_port_recv(port, bufs, TL_TESTBED_BUF_SIZE, lens, real,
						       TL_TESTBED_BATCH);
			if (got <= 0)
				return;
			f->no_buffer += (uint64_t)got;
			continue;
		}
		int got = tl_testbed_port_recv(port, bufs, TL_TESTBED_BUF_SIZE, lens, real, k);
		uint64_t now = tl_now_ns();
		/* The kernel stamps arrivals in CLOCK_REALTIME; the links run on CLOCK_MONOTONIC. */
		int64_t real_off = (int64_t)(tl_wall_ns() - now);
		unsigned n = got > 0 ? (unsigned)got : 0;
		for (unsigned i = 0; i < n; i++) {
			if (lens[i] == 0) {
				tl_testbed_pool_put(&f->pool, pkts[i]);
				continue;
			}
			uint64_t t = real[i] ? (uint64_t)((int64_t)real[i] - real_off) : now;
			/* A stamp from the future or from long ago (a clock step) is not believed. */
			if (t > now || now - t > ARRIVAL_MAX_AGE_NS)
				t = now;
			rx_frame(f, in, pkts[i], lens[i], t);
		}
		/* Give back the unused ones in reverse, so the stack order is kept. */
		for (unsigned i = k; i-- > n;)
			tl_testbed_pool_put(&f->pool, pkts[i]);
		if (n < k)
			return;
	}
}

/* Moves every packet whose time has come one stage on, and sends what leaves the router. */
static void run_links(struct tl_testbed_fwd *f, uint64_t now_ns)
{
	f->now_ns = now_ns;
	struct tl_pkt *out[TL_TESTBED_BATCH];
	unsigned n;
	if (f->access) {
		for (unsigned i = 1; i < f->nports; i++)
			do {
				n = tl_link_dequeue_ready(f->acc_fwd[i], now_ns, out, TL_TESTBED_BATCH);
				/* It reached the bottleneck when its delay line let it go. */
				for (unsigned k = 0; k < n; k++)
					tl_link_enqueue(f->fwd.link, out[k], out[k]->ready_ns);
			} while (n == TL_TESTBED_BATCH);
	}
	do {
		n = tl_link_dequeue_ready(f->fwd.link, now_ns, out, TL_TESTBED_BATCH);
		for (unsigned k = 0; k < n; k++) {
			set_ce(out[k]);
			tx_due(f, 0, out[k]);
		}
	} while (n == TL_TESTBED_BATCH);
	do {
		n = tl_link_dequeue_ready(f->rev.link, now_ns, out, TL_TESTBED_BATCH);
		for (unsigned k = 0; k < n; k++) {
			struct tl_pkt *p = out[k];
			set_ce(p);
			if (p->user == FWD_PORT_FLOOD)
				tx_flood(f, p);
			else if (f->access)
				tl_link_enqueue(f->acc_rev[p->user], p, p->ready_ns);
			else
				tx_due(f, p->user, p);
		}
	} while (n == TL_TESTBED_BATCH);
	if (f->access) {
		for (unsigned i = 1; i < f->nports; i++)
			do {
				n = tl_link_dequeue_ready(f->acc_rev[i], now_ns, out, TL_TESTBED_BATCH);
				for (unsigned k = 0; k < n; k++)
					tx_due(f, i, out[k]);
			} while (n == TL_TESTBED_BATCH);
	}
	for (unsigned i = 0; i < f->nports; i++)
		tx_flush(f, i);
}

uint64_t tl_testbed_fwd_next_departure(const struct tl_testbed_fwd *f)
{
	uint64_t ev = UINT64_MAX;
	uint64_t t = tl_link_next_event_ns(f->fwd.link);
	if (t < ev)
		ev = t;
	t = tl_link_next_event_ns(f->rev.link);
	if (t < ev)
		ev = t;
	if (f->access) {
		for (unsigned i = 1; i < f->nports; i++) {
			t = tl_link_next_event_ns(f->acc_fwd[i]);
			if (t < ev)
				ev = t;
			t = tl_link_next_event_ns(f->acc_rev[i]);
			if (t < ev)
				ev = t;
		}
	}
	return ev;
}

/* Frames that arrived while nobody looked enter the links at their own times first. */
static void read_all_ports(struct tl_testbed_fwd *f)
{
	for (unsigned i = 0; i < f->nports; i++)
		rx_port(f, i);
	f->rx_seen_ns = tl_now_ns();
}

void tl_testbed_fwd_catch_up(struct tl_testbed_fwd *f)
{
	read_all_ports(f);
	run_links(f, f->rx_seen_ns);
}

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

/*
 * SCHED_FIFO for --prio rt; SCHED_OTHER at nice -20 for high, at nice 0 for normal. For
 * thread tid (0: the calling one): Linux schedules threads, not processes.
 */
static int set_prio(pid_t tid, enum tl_testbed_prio prio, struct tl_err *err)
{
	bool rt = prio == TL_TESTBED_PRIO_RT;
	struct sched_param sp = { .sched_priority = rt ? 10 : 0 };
	if (sched_setscheduler(tid, rt ? SCHED_FIFO : SCHED_OTHER, &sp) < 0)
		return tl_err_errno(err, "--prio %s: sched_setscheduler", tl_testbed_prio_name(prio));
	if (setpriority(PRIO_PROCESS, (id_t)tid, prio == TL_TESTBED_PRIO_HIGH ? -20 : 0) < 0)
		return tl_err_errno(err, "--prio %s: setpriority", tl_testbed_prio_name(prio));
	return 0;
}

/* --cpu-latency: like --prio, a machine that refuses it (no PM QoS device) still forwards. */
static void cpu_latency_apply(struct tl_testbed_fwd *f, int32_t us)
{
	struct tl_err cerr = { 0 };
	f->cpu_latency_note[0] = '\0';
	if (tl_cpu_latency_hold(&f->cpu_latency, us, &cerr) < 0)
		snprintf(f->cpu_latency_note, sizeof(f->cpu_latency_note), "%s", cerr.msg);
}

static int link_new(struct tl_testbed_fwd *f, const struct tl_link_spec *spec,
		    struct tl_link **out, struct tl_err *err)
{
	return tl_link_create(spec, fwd_drop, f, out, err);
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
	if (set_prio(0, f->cfg.prio, &perr) < 0)
		snprintf(f->prio_note, sizeof(f->prio_note), "%s", perr.msg);
	cpu_latency_apply(f, f->cfg.cpu_latency_us);
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

int tl_testbed_fwd_apply(struct tl_testbed_fwd *f, const json_t *opts, uint64_t now_ns,
			 struct tl_err *err)
{
	struct tl_testbed_config *c = malloc(sizeof(*c));
	if (!c)
		return tl_err_set(err, ENOMEM, "set: out of memory");
	int ret = tl_testbed_config_eval(opts, c, err);
	if (ret < 0)
		goto out;
	if (c->senders != f->cfg.senders || c->seed != f->cfg.seed || c->pool != f->cfg.pool ||
	    c->isolate != f->cfg.isolate) {
		ret = tl_err_set(err, EINVAL, "set: --senders, --seed, --pool and --isolate are fixed "
				 "when the testbed is made ('tcplab testbed down' and 'up' again)");
		goto out;
	}
	/* Every value was parsed and checked above, so a bad one has changed nothing. */
	if (c->prio != f->cfg.prio) {
		struct tl_err perr = { 0 };
		f->prio_note[0] = '\0';
		if (set_prio(0, c->prio, &perr) < 0 ||
		    (f->standby.tid > 0 && set_prio(f->standby.tid, c->prio, &perr) < 0))
			snprintf(f->prio_note, sizeof(f->prio_note), "%s", perr.msg);
	}
	if ((ret = tl_link_set(f->fwd.link, &c->fwd, now_ns, err)) < 0)
		goto out;
	if ((ret = tl_link_set(f->rev.link, &c->rev, now_ns, err)) < 0)
		goto out;
	if (f->access) {
		for (unsigned i = 1; i < f->nports; i++) {
			if ((ret = tl_link_set(f->acc_fwd[i], &c->access_fwd[i - 1], now_ns, err)) < 0 ||
			    (ret = tl_link_set(f->acc_rev[i], &c->access_rev[i - 1], now_ns, err)) < 0)
				goto out;
		}
	}
	cpu_latency_apply(f, c->cpu_latency_us);
	f->cfg = *c;
	json_decref(f->st.options);
	f->st.options = json_deep_copy(opts);
	ret = 0;
out:
	free(c);
	return ret;
}

static void handle_events(struct tl_testbed_fwd *f, const struct epoll_event *evs, int n)
{
	for (int i = 0; i < n; i++) {
		uint32_t tag = evs[i].data.u32;
		uint32_t kind = tag & 0xffff0000u, idx = tag & 0xffffu;
		if (kind == FWD_EV_PORT) {
			rx_port(f, idx);
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
	atomic_store_explicit(&f->main_waiting, true, memory_order_relaxed);
	pthread_mutex_lock(&f->lock);
	atomic_store_explicit(&f->main_waiting, false, memory_order_relaxed);
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
			read_all_ports(f);
			now = f->rx_seen_ns;
		}
		run_links(f, now);
		if (now >= f->next_series_ns) {
			series_tick(f, now);
			tl_testbed_fwd_ctl_expire(f, now);
		}
		uint64_t departure = tl_testbed_fwd_next_departure(f);
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
