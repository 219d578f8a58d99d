/* CPU use: /proc/stat and /proc/PID/{stat,status} parsing on recorded text, delta and percent
 * arithmetic, and real samples that must grow after burning CPU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "measure/cpu.h"
#include "util/clock.h"
#include "util/err.h"

/* Recorded from a 2-CPU Linux 6.x machine (intr shortened). */
static const char proc_stat_6x[] =
	"cpu  2154 7 1859 84149 344 11 36 28 5 1\n"
	"cpu0 738 3 716 42797 12 5 8 12 2 0\n"
	"cpu1 1415 4 1142 41352 331 6 27 15 3 1\n"
	"intr 119070 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 15 0 0 0\n"
	"ctxt 2861372\n"
	"btime 1716200000\n"
	"processes 5313\n"
	"procs_running 2\n"
	"procs_blocked 0\n"
	"softirq 61009 0 9838 3 1349 0 0 1067 27044 0 21708\n";

static void test_sys_cpu_parse(void **state)
{
	(void)state;
	struct tl_sys_cpu s;
	struct tl_err err = { 0 };
	assert_int_equal(tl_sys_cpu_parse(proc_stat_6x, &s, &err), 0);
	assert_int_equal(s.user, 2154);
	assert_int_equal(s.nice, 7);
	assert_int_equal(s.system, 1859);
	assert_int_equal(s.idle, 84149);
	assert_int_equal(s.iowait, 344);
	assert_int_equal(s.irq, 11);
	assert_int_equal(s.softirq, 36);
	assert_int_equal(s.steal, 28);
	assert_int_equal(s.guest, 5);
	assert_int_equal(s.guest_nice, 1);
	/* guest is inside user already: not added */
	assert_int_equal(s.busy_ticks, 2154 + 7 + 1859 + 11 + 36 + 28);
	assert_int_equal(s.idle_ticks, 84149 + 344);
	assert_int_equal(s.ctxt, 2861372);
	assert_int_equal(s.ncpu, 2);

	/* A 2.4-era line with only four columns. */
	assert_int_equal(tl_sys_cpu_parse("cpu 10 0 5 85\ncpu0 10 0 5 85\n", &s, &err), 0);
	assert_int_equal(s.busy_ticks, 15);
	assert_int_equal(s.idle_ticks, 85);
	assert_int_equal(s.steal, 0);
	assert_int_equal(s.ncpu, 1);

	static const char *bad[] = {
		"", "cpu0 1 2 3 4\n", "cpu 1 2 3\n", "cpu -1 2 3 4\n", "cpux 1 2 3 4\n",
		"cpu 99999999999999999999 1 2 3\n", "cpu 1 2 3 4\nctxt x\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(tl_sys_cpu_parse(bad[i], &s, &err), -EINVAL);
		assert_true(strstr(err.msg, "/proc/stat") != NULL);
	}
}

static void test_sys_cpu_percent(void **state)
{
	(void)state;
	struct tl_sys_cpu a = { .busy_ticks = 1000, .idle_ticks = 9000 };
	struct tl_sys_cpu b = { .busy_ticks = 1300, .idle_ticks = 9100 };
	assert_true(tl_sys_cpu_busy_percent(&a, &b) == 75.0);
	assert_true(tl_sys_cpu_busy_percent(&a, &a) == 0.0);
	/* iowait can go backwards (proc(5)): no negative or huge shares. */
	struct tl_sys_cpu c = { .busy_ticks = 1100, .idle_ticks = 8000 };
	assert_true(tl_sys_cpu_busy_percent(&a, &c) == 100.0);

	/* Steal over the same interval, from two recorded "cpu" lines: 300 busy ticks of 400,
	 * 40 of them stolen (the 8th column), so 10% of all the CPUs' time. */
	struct tl_sys_cpu s1, s2;
	assert_int_equal(tl_sys_cpu_parse("cpu 600 0 200 8800 200 0 100 100 0 0\n", &s1, NULL), 0);
	assert_int_equal(tl_sys_cpu_parse("cpu 800 0 240 8900 200 0 120 140 0 0\n", &s2, NULL), 0);
	assert_true(tl_sys_cpu_busy_percent(&s1, &s2) == 75.0);
	assert_true(tl_sys_cpu_steal_percent(&s1, &s2) == 10.0);
	assert_true(tl_sys_cpu_steal_percent(&s1, &s1) == 0.0);
	/* A counter that went back (another boot's sample) gives 0, not a wrapped share. */
	assert_true(tl_sys_cpu_steal_percent(&s2, &s1) == 0.0);

	struct tl_err err = { 0 };
	struct tl_sys_cpu r1, r2;
	assert_int_equal(tl_sys_cpu_read(&r1, &err), 0);
	assert_true(r1.ncpu >= 1);
	assert_true(r1.busy_ticks + r1.idle_ticks > 0);
	assert_true(r1.ctxt > 0);
	assert_int_equal(tl_sys_cpu_read(&r2, &err), 0);
	double p = tl_sys_cpu_busy_percent(&r1, &r2);
	assert_true(p >= 0.0 && p <= 100.0);
	p = tl_sys_cpu_steal_percent(&r1, &r2);
	assert_true(p >= 0.0 && p <= 100.0);
}

static void test_delta_percent(void **state)
{
	(void)state;
	struct tl_cpu_sample a = { .wall_ns = 1000000000, .user_ns = 100, .sys_ns = 50,
				   .vol_ctx = 10, .invol_ctx = 2 };
	struct tl_cpu_sample b = { .wall_ns = 3000000000, .user_ns = 1500000100,
				   .sys_ns = 500000050, .vol_ctx = 15, .invol_ctx = 1 };
	struct tl_cpu_sample d;
	tl_cpu_delta(&a, &b, &d);
	assert_int_equal(d.wall_ns, 2000000000);
	assert_int_equal(d.user_ns, 1500000000);
	assert_int_equal(d.sys_ns, 500000000);
	assert_int_equal(d.vol_ctx, 5);
	assert_int_equal(d.invol_ctx, 0); /* went back: saturates at 0 */
	assert_true(tl_cpu_percent(&d) == 100.0);

	/* Two threads busy over the same 2 s: 200% of one core, not 100%. */
	struct tl_cpu_sample acc = { 0 };
	tl_cpu_add(&acc, &d);
	tl_cpu_add(&acc, &d);
	assert_int_equal(acc.wall_ns, 2000000000);
	assert_int_equal(acc.user_ns, 3000000000);
	assert_int_equal(acc.vol_ctx, 10);
	assert_true(tl_cpu_percent(&acc) == 200.0);

	struct tl_cpu_sample zero = { 0 };
	assert_true(tl_cpu_percent(&zero) == 0.0);
	tl_cpu_delta(&b, &a, &d);
	assert_int_equal(d.wall_ns, 0);
	assert_true(tl_cpu_percent(&d) == 0.0);
}

/* Spins until this thread's user time grew by at least min_ns (bounded to 5 s wall). */
static void burn(uint64_t min_ns)
{
	struct tl_cpu_sample s0, s;
	assert_int_equal(tl_cpu_sample_thread(&s0, NULL), 0);
	volatile uint64_t x = 1;
	uint64_t deadline = tl_now_ns() + 5 * TL_NSEC_PER_SEC;
	do {
		for (int i = 0; i < 1000000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		assert_int_equal(tl_cpu_sample_thread(&s, NULL), 0);
	} while (s.user_ns - s0.user_ns < min_ns && tl_now_ns() < deadline);
}

static void test_getrusage_real(void **state)
{
	(void)state;
	struct tl_err err = { 0 };
	struct tl_cpu_sample p0, p1, t0, t1, d;
	assert_int_equal(tl_cpu_sample_process(&p0, &err), 0);
	assert_int_equal(tl_cpu_sample_thread(&t0, &err), 0);
	burn(50 * TL_NSEC_PER_MSEC);
	assert_int_equal(tl_cpu_sample_process(&p1, &err), 0);
	assert_int_equal(tl_cpu_sample_thread(&t1, &err), 0);

	tl_cpu_delta(&t0, &t1, &d);
	assert_true(d.user_ns >= 50 * TL_NSEC_PER_MSEC);
	assert_true(d.wall_ns >= d.user_ns / 2); /* wall time moved too */
	double pct = tl_cpu_percent(&d);
	/* One thread spinning: near 100% of a core; rusage and the clock differ a little. */
	assert_true(pct > 10.0 && pct < 120.0);

	tl_cpu_delta(&p0, &p1, &d);
	assert_true(d.user_ns >= 50 * TL_NSEC_PER_MSEC);
}

/* A comm with spaces and ')' in it, as a process may name itself. */
static const char pid_stat[] =
	"4242 (my (odd) proc) S 1 4242 4242 0 -1 4194560 1500 0 3 0 "
	"731 219 0 0 20 0 7 0 44492 3133440 384 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 "
	"1 0 0 0 0 0\n";

static const char pid_status[] =
	"Name:\tmy (odd) proc\nState:\tS (sleeping)\nThreads:\t7\n"
	"voluntary_ctxt_switches:\t1234\nnonvoluntary_ctxt_switches:\t56\n";

static void test_proc_parse(void **state)
{
	(void)state;
	struct tl_proc_cpu pc = { 0 };
	struct tl_err err = { 0 };
	assert_int_equal(tl_proc_cpu_parse_stat(pid_stat, &pc, &err), 0);
	assert_int_equal(pc.utime_ticks, 731);
	assert_int_equal(pc.stime_ticks, 219);
	assert_int_equal(pc.num_threads, 7);
	assert_int_equal(pc.state, 'S');
	assert_int_equal(tl_proc_cpu_parse_status(pid_status, &pc, &err), 0);
	assert_int_equal(pc.vol_ctx, 1234);
	assert_int_equal(pc.invol_ctx, 56);

	static const char *bad_stat[] = {
		"", "4242 my proc S 1", "4242 (x) S 1 2 3 4 5 6 7 8 9 10\n",
		"4242 (x) S 1 4242 4242 0 -1 4194560 1500 0 3 0 -731 219 0 0 20 0 7 0\n",
		"4242 (x) S 1 4242 4242 0 -1 4194560 1500 0 3 0 731 219 0 0 20 0 0 0\n",
	};
	for (size_t i = 0; i < sizeof(bad_stat) / sizeof(bad_stat[0]); i++)
		assert_int_equal(tl_proc_cpu_parse_stat(bad_stat[i], &pc, &err), -EINVAL);
	assert_int_equal(tl_proc_cpu_parse_status("Name:\tx\nvoluntary_ctxt_switches:\t1\n", &pc,
						  &err), -EINVAL);
	assert_true(strstr(err.msg, "nonvoluntary_ctxt_switches") != NULL);
}

static void test_pid_sample_real(void **state)
{
	(void)state;
	struct tl_err err = { 0 };
	struct tl_proc_cpu pc;
	assert_int_equal(tl_proc_cpu_read(getpid(), &pc, &err), 0);
	assert_true(pc.num_threads >= 1);
	assert_int_equal(pc.state, 'R');

	struct tl_cpu_sample a, b, d;
	assert_int_equal(tl_cpu_sample_pid(getpid(), &a, &err), 0);
	burn(60 * TL_NSEC_PER_MSEC); /* /proc counts in 10 ms ticks */
	assert_int_equal(tl_cpu_sample_pid(getpid(), &b, &err), 0);
	tl_cpu_delta(&a, &b, &d);
	assert_true(d.user_ns + d.sys_ns >= 30 * TL_NSEC_PER_MSEC);

	/* A child that has exited and been reaped is gone. */
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	memset(&err, 0, sizeof(err));
	assert_int_equal(tl_cpu_sample_pid(child, &a, &err), -ENOENT);
	assert_true(strstr(err.msg, "/stat") != NULL);
}

static void test_sched_time(void **state)
{
	(void)state;
	struct tl_sched_time t;
	struct tl_err err = { 0 };
	assert_int_equal(tl_sched_time_parse("123456789 4567 89\n", &t, &err), 0);
	assert_true(t.run_ns == 123456789 && t.wait_ns == 4567);
	assert_int_equal(tl_sched_time_parse("", &t, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "schedstat"));
	assert_int_equal(tl_sched_time_parse("12 -3 4\n", &t, NULL), -EINVAL);
	/*
	 * This thread's own account: the kernel brings it up to date when the thread is
	 * switched out (or at a tick), so each read follows a sleep. It has run, and the second
	 * read does not go back.
	 */
	struct tl_sched_time a, b;
	usleep(1000);
	assert_int_equal(tl_sched_time_read_self(&a, NULL), 0);
	for (volatile unsigned i = 0; i < 1000000; i++)
		;
	usleep(1000);
	assert_int_equal(tl_sched_time_read_self(&b, NULL), 0);
	assert_true(a.run_ns > 0 && b.run_ns > a.run_ns && b.wait_ns >= a.wait_ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sys_cpu_parse),
		cmocka_unit_test(test_sys_cpu_percent),
		cmocka_unit_test(test_sched_time),
		cmocka_unit_test(test_delta_percent),
		cmocka_unit_test(test_getrusage_real),
		cmocka_unit_test(test_proc_parse),
		cmocka_unit_test(test_pid_sample_real),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
