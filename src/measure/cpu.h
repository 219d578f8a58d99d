#ifndef TCPLAB_MEASURE_CPU_H
#define TCPLAB_MEASURE_CPU_H

#include <stdint.h>
#include <sys/types.h>

struct tl_err;

/*
 * CPU time used by a process, a thread or a set of processes, with the wall time it was
 * taken at (CLOCK_MONOTONIC). Two samples give a delta; a delta gives a percentage.
 * Context switches: vol_ctx counts waits (blocking I/O, locks), invol_ctx counts
 * preemptions (too many runnable threads for the cores).
 */
struct tl_cpu_sample {
	uint64_t wall_ns, user_ns, sys_ns;
	uint64_t vol_ctx, invol_ctx;
};

/* getrusage(RUSAGE_SELF) / getrusage(RUSAGE_THREAD) now. 0 or -errno. */
int tl_cpu_sample_process(struct tl_cpu_sample *s, struct tl_err *err);
int tl_cpu_sample_thread(struct tl_cpu_sample *s, struct tl_err *err);

/*
 * Adds CPU time and context switches of delta to acc, for samples or deltas that cover the
 * SAME wall interval (the threads of a process, the processes of a set): wall_ns becomes the
 * larger of the two, not their sum, so tl_cpu_percent of the total is percent of one core
 * (four busy threads give 400). For consecutive intervals take one delta over the whole.
 */
void tl_cpu_add(struct tl_cpu_sample *acc, const struct tl_cpu_sample *delta);

/* out = b - a field by field, 0 where b < a (a counter that went back means no progress). */
void tl_cpu_delta(const struct tl_cpu_sample *a, const struct tl_cpu_sample *b,
		  struct tl_cpu_sample *out);

/* (user + sys) / wall * 100: percent of ONE core (a busy 4-thread process shows 400). 0 if
 * no wall time passed. */
double tl_cpu_percent(const struct tl_cpu_sample *delta);

/*
 * The machine as a whole, from the "cpu" line of /proc/stat (in USER_HZ ticks, see proc(5)).
 * guest and guest_nice are already inside user and nice, so they are kept but not added
 * again. busy = user + nice + system + irq + softirq + steal; idle = idle + iowait.
 * ctxt is the machine's context switches since boot; ncpu the number of "cpuN" lines.
 * Kernels older than a field leave it 0.
 */
struct tl_sys_cpu {
	uint64_t busy_ticks, idle_ticks;
	uint64_t user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice;
	uint64_t ctxt;
	unsigned ncpu;
};

/* Parses the text of /proc/stat (pure, for tests). 0 or -EINVAL with the reason. */
int tl_sys_cpu_parse(const char *proc_stat_text, struct tl_sys_cpu *out, struct tl_err *err);

/* Reads and parses /proc/stat. 0 or -errno. */
int tl_sys_cpu_read(struct tl_sys_cpu *out, struct tl_err *err);

/* Busy share of all cores between a and b, in percent 0..100 (0 if no tick passed). */
double tl_sys_cpu_busy_percent(const struct tl_sys_cpu *a, const struct tl_sys_cpu *b);

/*
 * Steal share of all cores between a and b, in percent 0..100 (0 if no tick passed): the
 * time a hypervisor ran something else while this machine's vCPUs had work. Whatever a test
 * measured over that interval, a CPU was missing for that share of it.
 */
double tl_sys_cpu_steal_percent(const struct tl_sys_cpu *a, const struct tl_sys_cpu *b);

/*
 * One process (any PID the caller may read) from /proc/PID/stat (utime, stime: fields 14
 * and 15, in clock ticks; num_threads: field 20) and /proc/PID/status
 * (voluntary_ctxt_switches, nonvoluntary_ctxt_switches). Totals over all its threads.
 */
struct tl_proc_cpu {
	uint64_t utime_ticks, stime_ticks;
	uint64_t vol_ctx, invol_ctx;
	uint32_t num_threads;
	char state; /* R, S, D, Z ... */
};

/* Pure parsers of the two files' text, for tests. 0 or -EINVAL. */
int tl_proc_cpu_parse_stat(const char *text, struct tl_proc_cpu *out, struct tl_err *err);
int tl_proc_cpu_parse_status(const char *text, struct tl_proc_cpu *out, struct tl_err *err);

/* Reads both files of pid. -ENOENT when the process is gone (or -errno, -EINVAL). */
int tl_proc_cpu_read(pid_t pid, struct tl_proc_cpu *out, struct tl_err *err);

/*
 * The scheduler's account of the calling thread, /proc/thread-self/schedstat: time it ran
 * and time it was runnable but waited for a CPU (on a run queue), in ns since it started.
 * The wait is what a thread that must act on time loses to other tasks and, in a VM, not
 * to the hypervisor (stolen time is not counted there; see tl_sys_cpu_steal_percent).
 */
struct tl_sched_time {
	uint64_t run_ns, wait_ns;
};

/* Pure parser of the file's text ("run_ns wait_ns timeslices"). 0 or -EINVAL. */
int tl_sched_time_parse(const char *text, struct tl_sched_time *out, struct tl_err *err);

/* Reads it for the calling thread. 0 or -errno (-ENOENT without CONFIG_SCHED_INFO). */
int tl_sched_time_read_self(struct tl_sched_time *out, struct tl_err *err);

/*
 * The same as a tl_cpu_sample taken now (ticks converted with sysconf(_SC_CLK_TCK)), so a
 * set of processes is: sample each, tl_cpu_add them, tl_cpu_delta two such sums.
 */
int tl_cpu_sample_pid(pid_t pid, struct tl_cpu_sample *s, struct tl_err *err);

#endif
