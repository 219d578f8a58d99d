#include "router/testbed.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "testbed/run.h"
#include "testbed/testbed.h"

int tl_router_testbed_open(const char *name, struct tl_testbed_state *st,
			   struct tl_router_ports *ports, struct tl_err *err)
{
	const char *names[TL_ROUTER_PORTS_MAX];
	int ret = tl_testbed_state_load(name, st, err);
	if (ret < 0)
		return ret;
	if (st->forwarder_pid != getpid() && tl_testbed_forwarder_alive(st)) {
		ret = tl_err_set(err, EBUSY, "testbed %s: its router runs already (pid %d; "
				 "'tcplab testbed status %s')", name, (int)st->forwarder_pid, name);
		goto out;
	}
	if ((ret = tl_testbed_netns_enter(st->plan.rtr_netns, err)) < 0)
		goto out;
	for (unsigned i = 0; i < st->plan.nhosts; i++)
		names[i] = st->plan.hosts[i].port;
	if ((ret = tl_router_ports_read(ports, names, st->plan.nhosts, err)) < 0) {
		tl_err_prefix(err, "testbed %s", name);
		goto out;
	}
	if (!strcmp(st->phase, "up")) {
		st->forwarder_pid = getpid();
		if ((ret = tl_testbed_state_save(st, err)) < 0)
			goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		tl_testbed_state_free(st);
	return ret;
}
