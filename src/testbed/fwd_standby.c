/*
 * The standby: a second forwarder thread that sends what the main loop is late with.
 *
 * Why: in a VM a timed sleep now and then ends hundreds of microseconds late because the
 * vCPU it runs on is not running (1% of 2.5 ms sleeps here, at any priority, polling or
 * not: bench/results/testbed.md, runs 9 and 11). Each vCPU is held up at its own times:
 * with one thread pinned to each of two vCPUs sleeping to the same deadlines, 0.3-1.5% of
 * each thread's wake-ups were over 100 us late, and 0-0.1% of the earlier of the two
 * (bench/wake_pair.c, run 12). So before the main loop sleeps towards a departure, it arms
 * the standby, which sleeps on another CPU until GRACE_NS after that departure, looks, and
 * sends whatever is due if the main loop has not (usually it has, and the standby sleeps
 * again). Both hold the forwarder's lock while they touch the packet path.
 *
 * It costs a wake-up on the other CPU per long sleep of the main loop; short sleeps (a
 * busy link, where the main loop mostly polls) are not armed (ARM_MIN_NS), so at
 * 1 Gbit/s it costs next to nothing.
 */
#include "testbed/fwd_standby.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "testbed/fwd_path.h"
#include "util/clock.h"

/*
 * How late the main loop may be before the standby sends in its place, and how long before
 * that the standby stops sleeping and polls (its timer is late too: 20-30 us at p50 here).
 * With 50 us of grace and no polling, departures were late by 83-110 us at p99 (idle
 * pings, 1 Gbit/s, 5 ms); with these, 35-41 us; one thread alone, 166-199 us.
 */
#define GRACE_NS (20 * 1000ull)
#define SPIN_NS (50 * 1000ull)
/* Standing in, how often it reads the ports: arrivals keep their kernel time stamps, so a
 * read this much later is late only on a path with less one-way delay than this. */
#define WATCH_NS (200 * 1000ull)
/* Sleeps shorter than this are not covered: the standby would wake as often as the main. */
#define ARM_MIN_NS (200 * 1000ull)

void tl_testbed_fwd_standby_init(struct tl_testbed_fwd *f)
{
	struct fwd_standby *sb = &f->standby;
	sb->due_ns = sb->asleep_ns = UINT64_MAX;
	sb->avoided_cpu = sb->cpu = -1;
	sb->main_cpu = f->st.forwarder_cpu; /* --isolate: where the main loop will be */
	CPU_ZERO(&sb->allowed);
	if (sched_getaffinity(0, sizeof(sb->allowed), &sb->allowed) < 0)
		CPU_ZERO(&sb->allowed);
}

/* Off the main loop's CPU, where its timer is armed: a hold-up there must not hit both. */
static void avoid_main_cpu(struct fwd_standby *sb)
{
	if (sb->main_cpu < 0 || sb->main_cpu == sb->avoided_cpu ||
	    !CPU_ISSET(sb->main_cpu, &sb->allowed))
		return;
	cpu_set_t set = sb->allowed;
	CPU_CLR(sb->main_cpu, &set);
	if (CPU_COUNT(&set) == 0 || sched_setaffinity(0, sizeof(set), &set) < 0)
		return;
	sb->avoided_cpu = sb->main_cpu;
}

/*
 * What the standby does when it wakes: nothing if the main loop has sent what was due. If
 * not, the main loop's vCPU is away: the standby sends what is due and from then on stands
 * in (reads the ports, sends what is due, looks again WATCH_NS later at most) until the
 * main loop has been back, since a vCPU can be away for milliseconds, longer than a packet
 * may wait, and packets keep arriving meanwhile.
 */
static void standby_look(struct tl_testbed_fwd *f, uint64_t now)
{
	struct fwd_standby *sb = &f->standby;
	sb->looks++;
	sb->due_is_departure = false;
	bool standing_in = sb->stood_in_ns && f->main_seen_ns < sb->stood_in_ns;
	/*
	 * A main loop that began to wait for the lock less than WATCH_NS ago is back: the
	 * standby lets the lock go and looks again WATCH_NS later; if the main loop is still
	 * waiting then, its CPU is gone and the standby stands in. (Before, a stand-in whose
	 * catch-up took longer than WATCH_NS looked again at once, never let the lock go, and
	 * kept the main loop out: at 100 flows through 1 Gbit/s the standby sent 2 of every 3
	 * packets and the main loop wrote 3 series lines in 18 s.)
	 */
	uint64_t waiting = atomic_load_explicit(&f->main_wait_ns, memory_order_relaxed);
	if (waiting && now < waiting + WATCH_NS) {
		sb->due_ns = now + WATCH_NS;
		return;
	}
	if (!standing_in && tl_testbed_fwd_path_next_departure(f) > now) {
		sb->stood_in_ns = 0;
		return;
	}
	uint64_t before = f->departures;
	tl_testbed_fwd_path_catch_up(f);
	sb->catch_ups++;
	sb->sent += f->departures - before;
	if (!standing_in)
		sb->stood_in_ns = now;
	uint64_t next = tl_testbed_fwd_path_next_departure(f);
	uint64_t watch = f->rx_seen_ns + WATCH_NS;
	sb->due_ns = next != UINT64_MAX && next + GRACE_NS < watch ? next + GRACE_NS : watch;
	/* A waiting main loop gets the lock between two catch-ups: the standby sleeps a little. */
	uint64_t after = tl_now_ns();
	if (atomic_load_explicit(&f->main_wait_ns, memory_order_relaxed) &&
	    sb->due_ns < after + GRACE_NS)
		sb->due_ns = after + GRACE_NS;
}

static void *standby_main(void *arg)
{
	struct tl_testbed_fwd *f = arg;
	struct fwd_standby *sb = &f->standby;
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	pthread_mutex_lock(&f->lock);
	sb->tid = (pid_t)syscall(SYS_gettid);
	while (!sb->quit) {
		uint64_t now = tl_now_ns();
		if (sb->due_ns <= now) {
			sb->due_ns = UINT64_MAX;
			standby_look(f, now); /* may set the next due */
			continue;
		}
		avoid_main_cpu(sb);
		sb->cpu = sched_getcpu();
		sb->asleep_ns = sb->due_ns;
		if (sb->due_ns == UINT64_MAX) {
			pthread_cond_wait(&sb->cond, &f->lock);
		} else if (!sb->due_is_departure || sb->due_ns > now + SPIN_NS) {
			uint64_t wake = sb->due_is_departure ? sb->due_ns - SPIN_NS : sb->due_ns;
			struct timespec ts = tl_ns_to_timespec(wake);
			pthread_cond_timedwait(&sb->cond, &f->lock, &ts);
		} else {
			/* Its own timer is as late as the main loop's would be: it polls the rest. */
			uint64_t due = sb->due_ns;
			pthread_mutex_unlock(&f->lock);
			while (tl_now_ns() < due)
				;
			pthread_mutex_lock(&f->lock);
		}
		sb->asleep_ns = 0;
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

void tl_testbed_fwd_standby_start(struct tl_testbed_fwd *f)
{
	struct fwd_standby *sb = &f->standby;
	if (CPU_COUNT(&sb->allowed) < 2) {
		snprintf(sb->note, sizeof(sb->note), "not running: one CPU");
		return;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	int rc = pthread_cond_init(&sb->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0) {
		snprintf(sb->note, sizeof(sb->note), "not running: pthread_cond_init: %s",
			 strerror(rc));
		return;
	}
	rc = pthread_create(&sb->thread, NULL, standby_main, f);
	if (rc != 0) {
		pthread_cond_destroy(&sb->cond);
		snprintf(sb->note, sizeof(sb->note), "not running: pthread_create: %s",
			 strerror(rc));
		return;
	}
	sb->started = true;
}

void tl_testbed_fwd_standby_arm(struct tl_testbed_fwd *f, uint64_t departure_ns)
{
	struct fwd_standby *sb = &f->standby;
	if (!sb->started || !f->cfg.standby || departure_ns == UINT64_MAX)
		return;
	uint64_t now = tl_now_ns();
	if (departure_ns < now + ARM_MIN_NS)
		return;
	sb->arms++;
	sb->main_cpu = sched_getcpu();
	sb->due_ns = departure_ns + GRACE_NS;
	sb->due_is_departure = true;
	/* Asleep towards a later time, or none: wake it to sleep towards this one. An earlier
	 * one it wakes for by itself, and then sleeps on to this. */
	if (sb->asleep_ns > sb->due_ns || sb->main_cpu == sb->cpu)
		pthread_cond_signal(&sb->cond);
}

void tl_testbed_fwd_standby_stop(struct tl_testbed_fwd *f)
{
	struct fwd_standby *sb = &f->standby;
	if (!sb->started)
		return;
	pthread_mutex_lock(&f->lock);
	sb->quit = true;
	pthread_cond_signal(&sb->cond);
	pthread_mutex_unlock(&f->lock);
	pthread_join(sb->thread, NULL);
	pthread_cond_destroy(&sb->cond);
	sb->started = false;
}

json_t *tl_testbed_fwd_standby_json(const struct tl_testbed_fwd *f)
{
	const struct fwd_standby *sb = &f->standby;
	const char *state = sb->note[0] ? sb->note : !f->cfg.standby ? "off" : "on";
	return json_pack("{s:s, s:b, s:i, s:I, s:I, s:I, s:I}", "state", state, "running",
			 sb->started, "cpu", sb->cpu, "arms", (json_int_t)sb->arms, "looks",
			 (json_int_t)sb->looks, "catch_ups", (json_int_t)sb->catch_ups, "sent",
			 (json_int_t)sb->sent);
}
