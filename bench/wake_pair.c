/*
 * Are the CPUs of this machine held up at the same times? One thread pinned to each of two
 * CPUs sleeps to the same absolute deadlines (clock_nanosleep, timer slack 1 ns) and records
 * how late it woke; the "earlier" line is, per deadline, the earlier of the two wake-ups:
 * what the testbed's forwarder gets with its standby thread (fwd_standby.c). If the late
 * wake-ups come from the hypervisor holding one vCPU at a time, "earlier" has far fewer of
 * them than either CPU alone; if they hit both CPUs at once, it has as many.
 *
 *   cc -O2 -pthread -o /tmp/wake_pair bench/wake_pair.c
 *   /tmp/wake_pair [COUNT] [PERIOD_US] [CPU_A] [CPU_B]   (default 4000 2500 0 1)
 *
 * It holds a CPU wake-up latency of 0 (/dev/cpu_dma_latency, as the testbed does by
 * default) while it runs, if it may.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

struct sleeper {
	int cpu;
	unsigned count;
	uint64_t start_ns, period_ns;
	int64_t *late_ns;
};

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void *sleeper_run(void *arg)
{
	struct sleeper *s = arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(s->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		fprintf(stderr, "wake_pair: cpu %d: could not pin; results mix CPUs\n", s->cpu);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	for (unsigned i = 0; i < s->count; i++) {
		uint64_t due = s->start_ns + (uint64_t)(i + 1) * s->period_ns;
		struct timespec ts = { (time_t)(due / 1000000000u), (long)(due % 1000000000u) };
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		s->late_ns[i] = (int64_t)(now_ns() - due);
	}
	return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void report(const char *name, const int64_t *late, unsigned n)
{
	int64_t *v = malloc(n * sizeof(*v));
	if (!v)
		return;
	memcpy(v, late, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_i64);
	unsigned over100 = 0, over200 = 0;
	for (unsigned i = 0; i < n; i++) {
		over100 += v[i] > 100000;
		over200 += v[i] > 200000;
	}
	printf("%-8s p50 %7.1f  p99 %7.1f  p99.9 %8.1f  max %8.1f us   >100 us: %u (%.2f%%)  >200 us: %u\n",
	       name, v[n / 2] / 1e3, v[n * 99 / 100] / 1e3, v[n * 999 / 1000] / 1e3, v[n - 1] / 1e3,
	       over100, 100.0 * over100 / n, over200);
	free(v);
}

int main(int argc, char **argv)
{
	unsigned count = argc > 1 ? (unsigned)atoi(argv[1]) : 4000;
	long period_us = argc > 2 ? atol(argv[2]) : 2500;
	int cpu_a = argc > 3 ? atoi(argv[3]) : 0, cpu_b = argc > 4 ? atoi(argv[4]) : 1;
	if (count < 100 || count > 10000000 || period_us < 10 || period_us > 1000000 || cpu_a < 0 ||
	    cpu_b < 0 || cpu_a == cpu_b) {
		fprintf(stderr, "wake_pair: COUNT 100..10000000, PERIOD_US 10..1000000, two different "
				"CPUs (got %s %ld %d %d)\n", argc > 1 ? argv[1] : "-", period_us, cpu_a,
			cpu_b);
		return 2;
	}
	int qos = open("/dev/cpu_dma_latency", O_WRONLY);
	int32_t zero = 0;
	if (qos < 0 || write(qos, &zero, sizeof(zero)) != sizeof(zero))
		fprintf(stderr, "wake_pair: no PM QoS request (idle CPUs may halt)\n");
	struct sleeper s[2];
	int64_t *late = calloc(2 * (size_t)count, sizeof(*late));
	int64_t *earlier = calloc(count, sizeof(*earlier));
	if (!late || !earlier)
		return 1;
	uint64_t start = now_ns() + 1000000;
	pthread_t th[2];
	for (int i = 0; i < 2; i++) {
		s[i] = (struct sleeper){ i ? cpu_b : cpu_a, count, start, (uint64_t)period_us * 1000,
					 late + (size_t)i * count };
		if (pthread_create(&th[i], NULL, sleeper_run, &s[i]) != 0)
			return 1;
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	unsigned both = 0;
	for (unsigned i = 0; i < count; i++) {
		earlier[i] = s[0].late_ns[i] < s[1].late_ns[i] ? s[0].late_ns[i] : s[1].late_ns[i];
		both += earlier[i] > 100000;
	}
	printf("%u sleeps of %ld us on cpus %d and %d\n", count, period_us, cpu_a, cpu_b);
	char name[16];
	snprintf(name, sizeof(name), "cpu %d", cpu_a);
	report(name, s[0].late_ns, count);
	snprintf(name, sizeof(name), "cpu %d", cpu_b);
	report(name, s[1].late_ns, count);
	report("earlier", earlier, count);
	free(late);
	free(earlier);
	if (qos >= 0)
		close(qos);
	return 0;
}
