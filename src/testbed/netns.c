#include "testbed/netns.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "testbed/run.h"

#define RUN(ns, ...)                                                            \
	do {                                                                    \
		char *const av_[] = { __VA_ARGS__, NULL };                      \
		ret = tl_testbed_run((ns), av_, err);                           \
		if (ret < 0)                                                    \
			goto out;                                               \
	} while (0)

void tl_testbed_port_mac(const struct tl_testbed_plan *plan, unsigned i, uint8_t mac[6])
{
	memcpy(mac, plan->hosts[i].mac, 6);
	mac[2] = 0x72; /* 02:74:72:..: 'r' for the router's side */
}

/* Disables IPv6 where the kernel has it; a kernel without IPv6 needs nothing done. */
static void ipv6_off(const char *ns)
{
	char *const av[] = { "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
			     "net.ipv6.conf.default.disable_ipv6=1", NULL };
	tl_testbed_run(ns, av, NULL);
}

static int create_host(const struct tl_testbed_plan *plan, unsigned i, struct tl_err *err)
{
	const struct tl_testbed_host *h = &plan->hosts[i];
	char *rtr = (char *)plan->rtr_netns, *ns = (char *)h->netns;
	char *ifn = (char *)h->ifname, *port = (char *)h->port;
	char mac[32], pmac[32], addr[40];
	uint8_t pm[6];
	int ret;
	tl_testbed_fmt_mac(h->mac, mac, sizeof(mac));
	tl_testbed_port_mac(plan, i, pm);
	tl_testbed_fmt_mac(pm, pmac, sizeof(pmac));
	tl_testbed_fmt_addr(h->addr, addr, sizeof(addr));
	strcat(addr, "/24");
	RUN(NULL, "ip", "-n", rtr, "link", "add", port, "address", pmac, "type", "veth", "peer",
	    "name", ifn, "address", mac, "netns", ns);
	/* The host's end only: the router's end is its port, prepared by the router itself
	 * (router/ports.h), which turns its offloads off while it runs. */
	RUN(ns, "ethtool", "-K", ifn, "tx", "off", "tso", "off", "gso", "off", "gro", "off");
	RUN(NULL, "ip", "-n", ns, "addr", "add", addr, "dev", ifn);
	RUN(NULL, "ip", "-n", ns, "link", "set", ifn, "up");
	RUN(NULL, "ip", "-n", rtr, "link", "set", port, "up");
	/* Permanent neighbours: the receiver knows every sender, each sender the receiver. */
	for (unsigned k = 0; k < plan->nhosts; k++) {
		const struct tl_testbed_host *o = &plan->hosts[k];
		if (k == i || (i != 0 && k != 0))
			continue;
		char oa[32], om[32];
		tl_testbed_fmt_addr(o->addr, oa, sizeof(oa));
		tl_testbed_fmt_mac(o->mac, om, sizeof(om));
		RUN(NULL, "ip", "-n", ns, "neigh", "replace", oa, "lladdr", om, "dev", ifn, "nud",
		    "permanent");
	}
	ret = 0;
out:
	return ret;
}

int tl_testbed_netns_create(const struct tl_testbed_plan *plan, struct tl_err *err)
{
	/* Which namespaces this call made, so a failure removes exactly those. */
	bool made[TL_TESTBED_HOSTS_MAX + 1] = { false };
	const char *names[TL_TESTBED_HOSTS_MAX + 1];
	unsigned nns = 0;
	int ret = 0;
	names[nns++] = plan->rtr_netns;
	for (unsigned i = 0; i < plan->nhosts; i++)
		names[nns++] = plan->hosts[i].netns;
	for (unsigned i = 0; i < nns; i++) {
		if (tl_testbed_netns_exists(names[i])) {
			ret = tl_err_set(err, EEXIST, "network namespace %s exists already (left "
					 "over from testbed %s? 'tcplab testbed down %s' or "
					 "'ip netns del %s')", names[i], plan->name, plan->name,
					 names[i]);
			goto out;
		}
	}
	for (unsigned i = 0; i < nns; i++) {
		RUN(NULL, "ip", "netns", "add", (char *)names[i]);
		made[i] = true;
		ipv6_off(names[i]);
		RUN(NULL, "ip", "-n", (char *)names[i], "link", "set", "lo", "up");
	}
	RUN(plan->rtr_netns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=0");
	for (unsigned i = 0; i < plan->nhosts; i++) {
		ret = create_host(plan, i, err);
		if (ret < 0)
			goto out;
	}
	ret = 0;
out:
	if (ret < 0) {
		for (unsigned i = 0; i < nns; i++) {
			if (!made[i])
				continue;
			char *const av[] = { "ip", "netns", "del", (char *)names[i], NULL };
			tl_testbed_run(NULL, av, NULL);
		}
	}
	return ret;
}

int tl_testbed_netns_delete(const struct tl_testbed_plan *plan, struct tl_err *err)
{
	int first = 0;
	const char *names[TL_TESTBED_HOSTS_MAX + 1];
	unsigned nns = 0;
	names[nns++] = plan->rtr_netns;
	for (unsigned i = 0; i < plan->nhosts; i++)
		names[nns++] = plan->hosts[i].netns;
	for (unsigned i = 0; i < nns; i++) {
		if (!tl_testbed_netns_exists(names[i]))
			continue;
		char *const av[] = { "ip", "netns", "del", (char *)names[i], NULL };
		struct tl_err e = { 0 };
		int ret = tl_testbed_run(NULL, av, &e);
		if (ret < 0 && first == 0) {
			first = ret;
			if (err)
				*err = e;
		}
	}
	return first;
}

int tl_testbed_netns_rps(const char *netns, const char *ifname, const char *mask,
			 struct tl_err *err)
{
	/*
	 * `ip netns exec` mounts the namespace's own sysfs, so the path names the host's
	 * interface and never one of the machine's. The mask and name go in as arguments,
	 * not into the script.
	 */
	char *const av[] = { "ip", "netns", "exec", (char *)netns, "sh", "-c",
			     "for q in /sys/class/net/\"$2\"/queues/rx-*; do "
			     "echo \"$1\" > \"$q/rps_cpus\" || exit 1; done",
			     "sh", (char *)mask, (char *)ifname, NULL };
	return tl_testbed_run(NULL, av, err);
}
