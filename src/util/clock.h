#ifndef TCPLAB_UTIL_CLOCK_H
#define TCPLAB_UTIL_CLOCK_H

#include <stdint.h>
#include <time.h>

#define TL_NSEC_PER_SEC 1000000000ULL
#define TL_NSEC_PER_MSEC 1000000ULL
#define TL_NSEC_PER_USEC 1000ULL

/* Monotonic time in nanoseconds: every interval in tcplab is measured with this clock. */
static inline uint64_t tl_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * TL_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Wall-clock time in nanoseconds since the epoch, for timestamps shown to people. */
static inline uint64_t tl_wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * TL_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static inline struct timespec tl_ns_to_timespec(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / TL_NSEC_PER_SEC),
			       .tv_nsec = (long)(ns % TL_NSEC_PER_SEC) };
	return ts;
}

/* Milliseconds from now until deadline, for poll()/epoll_wait(); 0 if it has passed. */
static inline int tl_ms_until(uint64_t deadline_ns, uint64_t now_ns)
{
	if (deadline_ns <= now_ns)
		return 0;
	uint64_t ms = (deadline_ns - now_ns + TL_NSEC_PER_MSEC - 1) / TL_NSEC_PER_MSEC;
	return ms > 60000 ? 60000 : (int)ms;
}

#endif
