#ifndef TCPLAB_EXP_PROC_H
#define TCPLAB_EXP_PROC_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

/*
 * Child processes of a campaign: tcplab itself (testbed, serve, stream, rr), each in its
 * own process group so that a Ctrl-C on the terminal reaches only `exp run`, which then
 * ends them by PID, in order, and cleans up.
 */

/* Starts argv (argv[0] is a path) with stdout and stderr into the files given (NULL:
 * /dev/null). Returns the PID, or a negative errno with err set. */
pid_t tl_exp_spawn(char *const *argv, const char *out_path, const char *err_path,
		   struct tl_err *err);

/*
 * Waits for pid until deadline_ns (CLOCK_MONOTONIC); if *stop becomes non-zero or the
 * deadline passes, ends it as tl_exp_end() does. Returns the exit
 * status (0..255), 128 + signal if it was killed by one, or -ETIMEDOUT / -EINTR for the
 * deadline and a stop.
 */
int tl_exp_wait(pid_t pid, uint64_t deadline_ns, volatile sig_atomic_t *stop);

/* Ends pid (SIGINT, then SIGKILL after 3 s, or at once when stop is given and *stop reaches 2:
 * a second Ctrl-C) and reaps it. */
void tl_exp_end(pid_t pid, volatile sig_atomic_t *stop);

/* Runs argv to completion (bounded by timeout_ns); stdout into out_path. Exit status or < 0. */
int tl_exp_run_cmd(char *const *argv, const char *out_path, const char *err_path,
		   uint64_t timeout_ns, volatile sig_atomic_t *stop, struct tl_err *err);

/* Removes dir and the files in it (the children's outputs; there are no subdirectories). */
int tl_exp_remove_dir(const char *dir, struct tl_err *err);

#endif
