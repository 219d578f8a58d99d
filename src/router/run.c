#include "router/run.h"

#include <errno.h>

#include "testbed/fwd.h"

int tl_router_run(const struct tl_testbed_state *st, struct tl_router_ports *ports,
		  const sigset_t *sigs, void (*started)(void *ctx), void *ctx, struct tl_err *err)
{
	struct tl_testbed_fwd *f = NULL;
	int ret;
	if ((ret = tl_router_ports_take(ports, err)) < 0 ||
	    (ret = tl_testbed_fwd_create(st, sigs, &f, err)) < 0)
		goto out;
	if (started)
		started(ctx);
	ret = tl_testbed_fwd_run(f, err);
out:
	tl_testbed_fwd_destroy(f);
	/* The ports go back whatever happened; a failed restore is reported only when it
	 * is the sole error (the first one says more). */
	struct tl_err rerr = { 0 };
	if (tl_router_ports_release(ports, &rerr) < 0 && ret == 0)
		ret = tl_err_set(err, rerr.code ? rerr.code : EIO, "%s", rerr.msg);
	return ret;
}
