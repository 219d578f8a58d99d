#ifndef TCPLAB_TESTBED_NETNS_H
#define TCPLAB_TESTBED_NETNS_H

#include "testbed/plan.h"
#include "util/err.h"

/*
 * Builds and removes the namespaces of a plan (testbed/plan.h):
 *
 *   every namespace    IPv6 off (no router solicitations or MLD reports on the link), lo up
 *   the router         net.ipv4.ip_forward=0 and no addresses: the kernel routes nothing,
 *                      only the forwarder moves packets; one port per host, up
 *   each host          eth0 with its address /24 and MAC; the peers' MACs as permanent
 *                      neighbour entries, so no ARP has to cross the emulated link
 *   each host's end    ethtool -K tx off tso off gso off gro off: the router sees real
 *                      frames of at most MTU + 14 bytes, and checksums are complete
 *                      (with tx checksumming on, a veth leaves TCP checksums to a NIC that
 *                      does not exist, and a frame re-sent from a packet socket arrives
 *                      with a wrong one)
 *   the router's end   left as made: it is a port of `tcplab router --testbed NAME`, which
 *                      turns GRO, LRO, GSO and TSO off while it runs, as on any interface
 *                      (router/ports.h). Its tx checksumming does not matter: the frames
 *                      the router sends from a packet socket carry the checksums the hosts
 *                      computed, and nothing else leaves the router namespace.
 *
 * The veths are created inside the router namespace with their peers placed straight into
 * the hosts, so no interface ever appears in the caller's namespace.
 */

/* Creates everything; on failure removes the namespaces it created and returns the error. */
int tl_testbed_netns_create(const struct tl_testbed_plan *plan, struct tl_err *err);

/*
 * Deletes the plan's namespaces that exist (their veths go with them). Goes on past a
 * failure and returns the first.
 */
int tl_testbed_netns_delete(const struct tl_testbed_plan *plan, struct tl_err *err);

/* The MAC of the router's port facing host i. */
void tl_testbed_port_mac(const struct tl_testbed_plan *plan, unsigned i, uint8_t mac[6]);

/* Steers the receive work of interface ifname in netns to the CPUs of `mask` (the sysfs
 * cpumask format, testbed/cpus.h) through RPS, on each of its receive queues. */
int tl_testbed_netns_rps(const char *netns, const char *ifname, const char *mask,
			 struct tl_err *err);

#endif
