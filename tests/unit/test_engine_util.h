/*
 * What the engine's unit tests share (sockets: test_sockets.h): waiting on a flow's state with a deadline, and a raw peer that drains
 * sockets on its own thread. No mocks: the engine runs its threads, epoll and syscalls.
 */
#ifndef TCPLAB_TESTS_UNIT_TEST_ENGINE_UTIL_H
#define TCPLAB_TESTS_UNIT_TEST_ENGINE_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "net/wire.h"
#include "test_sockets.h"
#include "util/clock.h"

#define MS TL_NSEC_PER_MSEC
/* Waits for an outcome: long enough for a loaded 2-vCPU machine, short against a hang. */
#define EU_PATIENCE (20 * TL_NSEC_PER_SEC)

static inline void eu_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static inline struct tl_engine *eu_engine(uint32_t threads, uint32_t max_flows, uint32_t length,
					  int verify, int latency)
{
	struct tl_engine_config cfg = { .threads = threads, .max_flows = max_flows, .length = length,
					.verify = verify, .latency = latency };
	struct tl_err err = { 0 };
	struct tl_engine *e = tl_engine_new(&cfg, &err);
	if (!e)
		fail_msg("tl_engine_new: %s", err.msg);
	return e;
}

static inline int eu_add(struct tl_engine *e, const struct tl_flow_params *p)
{
	struct tl_err err = { 0 };
	int slot = tl_engine_add_flow(e, p, &err);
	if (slot < 0)
		fail_msg("tl_engine_add_flow: %s", err.msg);
	return slot;
}

static inline struct tl_flow_sample eu_sample(struct tl_engine *e, int slot)
{
	struct tl_flow_sample s;
	tl_engine_sample(e, (size_t)slot, &s);
	return s;
}

/* Waits until the flow in slot leaves TL_FLOW_ACTIVE; fails the test after EU_PATIENCE. */
static inline struct tl_flow_sample eu_wait_finished(struct tl_engine *e, int slot)
{
	uint64_t until = tl_now_ns() + EU_PATIENCE;
	struct tl_flow_sample s = eu_sample(e, slot);
	while (s.state == TL_FLOW_ACTIVE) {
		if (tl_now_ns() > until)
			fail_msg("flow %d still active after %llu s (%llu bytes)", slot,
				 (unsigned long long)(EU_PATIENCE / TL_NSEC_PER_SEC),
				 (unsigned long long)s.bytes);
		eu_sleep_ms(5);
		s = eu_sample(e, slot);
	}
	return s;
}

/* Waits until the flow's count stays put for quiet_ms; fails the test after EU_PATIENCE. */
static inline struct tl_flow_sample eu_wait_stable(struct tl_engine *e, int slot, unsigned quiet_ms)
{
	uint64_t until = tl_now_ns() + EU_PATIENCE;
	struct tl_flow_sample before = eu_sample(e, slot);
	for (;;) {
		eu_sleep_ms(quiet_ms);
		struct tl_flow_sample now = eu_sample(e, slot);
		if (now.bytes == before.bytes)
			return now;
		if (tl_now_ns() > until)
			fail_msg("flow %d still moving after %llu s", slot,
				 (unsigned long long)(EU_PATIENCE / TL_NSEC_PER_SEC));
		before = now;
	}
}

/* Waits until the flow has counted more than `bytes`; fails the test after EU_PATIENCE. */
static inline struct tl_flow_sample eu_wait_bytes(struct tl_engine *e, int slot, uint64_t bytes)
{
	uint64_t until = tl_now_ns() + EU_PATIENCE;
	struct tl_flow_sample s = eu_sample(e, slot);
	while (s.bytes <= bytes) {
		if (tl_now_ns() > until)
			fail_msg("flow %d: %llu bytes, not above %llu in time", slot,
				 (unsigned long long)s.bytes, (unsigned long long)bytes);
		eu_sleep_ms(5);
		s = eu_sample(e, slot);
	}
	return s;
}

/* Whether fd has nothing to read right now (a peer that must not have been sent to). */
static inline int eu_nothing_pending(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK);
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* The raw end's exchanges, through the wire kit, within EU_PATIENCE. */
static inline void eu_read_exact(int fd, void *buf, size_t len)
{
	struct tl_err err = { 0 };
	if (tl_wire_read_exact(fd, buf, len, tl_now_ns() + EU_PATIENCE, -1, "the engine", &err) < 0)
		fail_msg("%s", err.msg);
}

static inline void eu_write_all(int fd, const void *buf, size_t len)
{
	struct tl_err err = { 0 };
	if (tl_wire_write_all(fd, buf, len, tl_now_ns() + EU_PATIENCE, -1, "the engine", &err) < 0)
		fail_msg("%s", err.msg);
}

/* Starts the engine now, with a stop time a minute away (the test ends it sooner). */
static inline uint64_t eu_start_now(struct tl_engine *e)
{
	uint64_t now = tl_now_ns();
	assert_int_equal(tl_engine_start(e, now, now + 60 * TL_NSEC_PER_SEC), 0);
	return now;
}

/*
 * A raw peer on its own thread: reads every fd until EOF (or until stop is set), counting
 * the bytes of each, and, with check_flow >= 0, checks them against that flow's pattern.
 */
#define EU_DRAIN_MAX 128
struct eu_drain {
	int fds[EU_DRAIN_MAX];
	size_t n;
	int check_flow;            /* -1: do not check */
	uint64_t bytes[EU_DRAIN_MAX];
	uint64_t mismatches;
	int eof[EU_DRAIN_MAX];
	int stop;                  /* atomic: set by the test to end the thread */
	pthread_t tid;
	uint8_t buf[1 << 16];
};

static inline void *eu_drain_main(void *arg)
{
	struct eu_drain *d = arg;
	uint8_t *buf = d->buf;
	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd pf[EU_DRAIN_MAX];
		size_t open = 0;
		for (size_t i = 0; i < d->n; i++) {
			pf[i].fd = d->eof[i] ? -1 : d->fds[i];
			pf[i].events = POLLIN;
			pf[i].revents = 0;
			open += !d->eof[i];
		}
		if (!open)
			break;
		if (poll(pf, d->n, 50) <= 0)
			continue;
		for (size_t i = 0; i < d->n; i++) {
			if (!pf[i].revents)
				continue;
			for (;;) {
				ssize_t got = recv(d->fds[i], buf, sizeof(d->buf), MSG_DONTWAIT);
				if (got <= 0) {
					if (got == 0 || (errno != EAGAIN && errno != EINTR))
						__atomic_store_n(&d->eof[i], 1, __ATOMIC_RELEASE);
					break;
				}
				if (d->check_flow >= 0)
					for (ssize_t k = 0; k < got; k++)
						if (buf[k] != tl_pattern_byte((uint32_t)d->check_flow,
									      d->bytes[i] + (uint64_t)k))
							d->mismatches++;
				__atomic_store_n(&d->bytes[i], d->bytes[i] + (uint64_t)got,
						 __ATOMIC_RELAXED);
			}
		}
	}
	return NULL;
}

static inline void eu_drain_start(struct eu_drain *d)
{
	assert_int_equal(pthread_create(&d->tid, NULL, eu_drain_main, d), 0);
}

/* Waits until every fd of d reached EOF; fails the test after EU_PATIENCE. */
static inline void eu_drain_wait_eof(struct eu_drain *d)
{
	uint64_t until = tl_now_ns() + EU_PATIENCE;
	for (size_t i = 0; i < d->n; i++)
		while (!__atomic_load_n(&d->eof[i], __ATOMIC_ACQUIRE)) {
			if (tl_now_ns() > until)
				fail_msg("drained fd %zu saw no EOF in time", i);
			eu_sleep_ms(5);
		}
}

static inline uint64_t eu_drained(struct eu_drain *d, size_t i)
{
	return __atomic_load_n(&d->bytes[i], __ATOMIC_RELAXED);
}

static inline void eu_drain_join(struct eu_drain *d)
{
	__atomic_store_n(&d->stop, 1, __ATOMIC_RELEASE);
	assert_int_equal(pthread_join(d->tid, NULL), 0);
}

#endif
