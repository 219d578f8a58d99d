/*
 * Shared by the workload unit tests: a real loopback TCP connection, and the loop that runs
 * one or two ends of a test (workload/side.h) on the clock the way the client and the agent
 * do, ticking each at the deadlines it asks for.
 */
#ifndef TCPLAB_TEST_WORKLOAD_LOOP_H
#define TCPLAB_TEST_WORKLOAD_LOOP_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "workload/side.h"
#include "util/clock.h"

#define MS TL_NSEC_PER_MSEC

/* fds[0] connected to fds[1] over 127.0.0.1 (fds[1] is the accepted end). */
static void loopback_pair(int fds[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &len), 0);
	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fds[0] >= 0);
	assert_int_equal(connect(fds[0], (struct sockaddr *)&a, sizeof(a)), 0);
	fds[1] = accept(l, NULL, NULL);
	assert_true(fds[1] >= 0);
	close(l);
}

static void sleep_until(uint64_t t_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(t_ns / TL_NSEC_PER_SEC),
			       .tv_nsec = (long)(t_ns % TL_NSEC_PER_SEC) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
		/* EINTR: sleep on */
	}
}

/* Starts a and b (b may be NULL) at one instant soon and ticks both until both finished. A
 * hang is the test runner's timeout to catch: a frozen or starved machine can hold the loop
 * far past the test's window without anything being wrong. */
static void run_ends(struct tl_side *a, struct tl_side *b)
{
	uint64_t start = tl_now_ns() + 20 * MS;
	int fa = 0, fb = b == NULL;
	tl_side_start(a, start);
	if (b)
		tl_side_start(b, start);
	while (!fa || !fb) {
		uint64_t d = tl_side_next_deadline(a);
		if (b && tl_side_next_deadline(b) < d)
			d = tl_side_next_deadline(b);
		sleep_until(d);
		uint64_t now = tl_now_ns();
		tl_side_tick(a, now, &fa);
		if (b)
			tl_side_tick(b, now, &fb);
	}
}

#endif
