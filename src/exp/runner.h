#ifndef TCPLAB_EXP_RUNNER_H
#define TCPLAB_EXP_RUNNER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "exp/matrix.h"
#include "exp/result.h"
#include "util/err.h"

/*
 * Runs points on one testbed by driving tcplab itself as child processes: `testbed up`,
 * `set` between points that keep the number of senders (a fresh testbed when it changes),
 * one `serve` agent on the receiver, `stream --json` on every sender at once and, with a
 * probe, `rr --rate R --json` on the first sender beside them. Their JSON is decoded into a
 * run (exp/collect.h). Everything it started is ended by PID and the testbed it made is
 * taken down by tl_exp_runner_close, also after a stop.
 */
struct tl_exp_runner_cfg {
	const char *self;              /* path of the tcplab binary */
	const char *testbed;           /* name of the testbed to make (unique: include the PID) */
	const char *tmpdir;            /* where the children's outputs go */
	bool probe;
	uint32_t probe_rate;
	const char *testbed_extra;     /* more options for `testbed up` (one word), or NULL */
	volatile sig_atomic_t *stop;   /* set by a signal handler: end the run now */
};

struct tl_exp_runner;

int tl_exp_runner_open(const struct tl_exp_runner_cfg *cfg, struct tl_exp_runner **out,
		       struct tl_err *err);

/*
 * Runs point p once as repetition rep into r (zeroed by the caller). Returns 0 with r->ok
 * true, or false and r->reason when the point failed (the campaign goes on); -EINTR when
 * stopped (r must not be stored); another negative value when the testbed itself is lost.
 */
int tl_exp_runner_run(struct tl_exp_runner *rn, const struct tl_exp_point *p, uint32_t rep,
		      struct tl_exp_run *r, struct tl_err *err);

/* Ends the agent and takes the testbed down. Safe on NULL. */
void tl_exp_runner_close(struct tl_exp_runner *rn);

#endif
