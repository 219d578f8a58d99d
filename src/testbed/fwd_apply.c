/* --prio, --cpu-latency and `set`: what can change while the forwarder runs. */
#include "testbed/fwd_apply.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

int tl_testbed_fwd_apply_prio(pid_t tid, enum tl_testbed_prio prio, struct tl_err *err)
{
	bool rt = prio == TL_TESTBED_PRIO_RT;
	struct sched_param sp = { .sched_priority = rt ? 10 : 0 };
	if (sched_setscheduler(tid, rt ? SCHED_FIFO : SCHED_OTHER, &sp) < 0)
		return tl_err_errno(err, "--prio %s: sched_setscheduler", tl_testbed_prio_name(prio));
	if (setpriority(PRIO_PROCESS, (id_t)tid, prio == TL_TESTBED_PRIO_HIGH ? -20 : 0) < 0)
		return tl_err_errno(err, "--prio %s: setpriority", tl_testbed_prio_name(prio));
	return 0;
}

void tl_testbed_fwd_apply_cpu_latency(struct tl_testbed_fwd *f, int32_t us)
{
	struct tl_err cerr = { 0 };
	f->cpu_latency_note[0] = '\0';
	if (tl_cpu_latency_hold(&f->cpu_latency, us, &cerr) < 0)
		snprintf(f->cpu_latency_note, sizeof(f->cpu_latency_note), "%s", cerr.msg);
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
	    c->isolate != f->cfg.isolate || c->spread != f->cfg.spread) {
		ret = tl_err_set(err, EINVAL, "set: --senders, --seed, --pool, --isolate and --spread are fixed "
				 "when the testbed is made ('tcplab testbed down' and 'up' again)");
		goto out;
	}
	/* Every value was parsed and checked above, so a bad one has changed nothing. */
	if (c->prio != f->cfg.prio) {
		struct tl_err perr = { 0 };
		f->prio_note[0] = '\0';
		if (tl_testbed_fwd_apply_prio(0, c->prio, &perr) < 0 ||
		    (f->standby.tid > 0 && tl_testbed_fwd_apply_prio(f->standby.tid, c->prio, &perr) < 0))
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
	tl_testbed_fwd_apply_cpu_latency(f, c->cpu_latency_us);
	f->cfg = *c;
	json_decref(f->st.options);
	f->st.options = json_deep_copy(opts);
	ret = 0;
out:
	free(c);
	return ret;
}
