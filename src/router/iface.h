#ifndef TCPLAB_ROUTER_IFACE_H
#define TCPLAB_ROUTER_IFACE_H

#include <jansson.h>
#include <net/if.h>
#include <stdbool.h>

#include "sys/offload.h"
#include "util/err.h"

/*
 * What `tcplab router` changes on each of its interfaces (two, or a testbed's veths:
 * router/ports.h), and puts back. The emulator counts
 * every frame's bytes against the rate and the buffer, so it must see frames as they were
 * on the wire: GRO and LRO (receive) would hand it one 64 KB aggregate for forty frames,
 * GSO and TSO (transmit) would let the kernel send one. All four are turned off with the
 * legacy ethtool ioctls (ETHTOOL_SGRO, ETHTOOL_SGSO, ETHTOOL_STSO, and ETH_FLAG_LRO in
 * ETHTOOL_SFLAGS; include/uapi/linux/ethtool.h) and set back to what they were.
 *
 * Promiscuous mode (a real NIC drops frames to other MACs in hardware, and a bump in the
 * wire forwards exactly those) is taken as a PACKET_MR_PROMISC membership of a packet
 * socket (packet(7)): the kernel counts it and drops it when the socket closes, even when
 * the process is killed, and a promiscuous mode someone else set is left alone.
 */

struct tl_router_iface {
	char name[IF_NAMESIZE];
	int ifindex;
	enum tl_offload_state gro, lro, gso, tso; /* as found before anything was changed */
};

/* Reads ifname's offloads into out; fails with "interface IF does not exist" if absent. */
int tl_router_iface_read(const char *ifname, struct tl_router_iface *out, struct tl_err *err);

/* Turns GRO, LRO, GSO and TSO off where they are on. */
int tl_router_iface_offloads_off(const struct tl_router_iface *i, struct tl_err *err);

/* Sets each offload back to its recorded state where it differs now. */
int tl_router_iface_restore(const struct tl_router_iface *i, struct tl_err *err);

/* A packet socket holding ifname promiscuous while it is open (*fd). */
int tl_router_iface_promisc(const char *ifname, int *fd, struct tl_err *err);

/* The recorded states as JSON ({"name", "ifindex", "gro": "on"|"off"|"n/a", ...}) and back. */
json_t *tl_router_iface_json(const struct tl_router_iface *i);
int tl_router_iface_from_json(const json_t *j, struct tl_router_iface *out, struct tl_err *err);

#endif
