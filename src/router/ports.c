#include "router/ports.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int tl_router_ports_read(struct tl_router_ports *p, const char *const *names, unsigned n,
			 struct tl_err *err)
{
	memset(p, 0, sizeof(*p));
	for (unsigned i = 0; i < TL_ROUTER_PORTS_MAX; i++)
		p->promisc_fd[i] = -1;
	if (n > TL_ROUTER_PORTS_MAX)
		return tl_err_set(err, E2BIG, "router: %u interfaces, at most %u", n,
				  TL_ROUTER_PORTS_MAX);
	for (unsigned i = 0; i < n; i++) {
		int ret = tl_router_iface_read(names[i], &p->ifs[i], err);
		if (ret < 0)
			return ret;
		p->n = i + 1;
	}
	return 0;
}

int tl_router_ports_take(struct tl_router_ports *p, struct tl_err *err)
{
	for (unsigned i = 0; i < p->n; i++) {
		p->changed = true;
		int ret = tl_router_iface_offloads_off(&p->ifs[i], err);
		if (ret < 0)
			return ret;
	}
	for (unsigned i = 0; i < p->n; i++) {
		int ret = tl_router_iface_promisc(p->ifs[i].name, &p->promisc_fd[i], err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int tl_router_ports_release(struct tl_router_ports *p, struct tl_err *err)
{
	int ret = 0;
	for (unsigned i = 0; i < p->n; i++) {
		if (p->promisc_fd[i] >= 0)
			close(p->promisc_fd[i]);
		p->promisc_fd[i] = -1;
	}
	for (unsigned i = 0; p->changed && i < p->n; i++) {
		int r = tl_router_iface_restore(&p->ifs[i], ret < 0 ? NULL : err);
		ret = ret < 0 ? ret : r;
	}
	p->changed = false;
	return ret;
}
