#ifndef TCPLAB_SYS_OFFLOAD_H
#define TCPLAB_SYS_OFFLOAD_H

#include <net/if.h>
#include <stddef.h>

#include "util/err.h"

/*
 * Network interfaces of this namespace and their segmentation offloads, read with the
 * legacy ethtool ioctl (SIOCETHTOOL with ETHTOOL_GGSO, ETHTOOL_GGRO, ETHTOOL_GTSO), the
 * same values 'ethtool -k' prints as generic-segmentation-offload, generic-receive-offload
 * and tcp-segmentation-offload. At high rates GSO/GRO save most of the per-packet cost of
 * the stack, and a tuning that forgets them leaves that cost in place. Reading needs no privilege.
 */

/* An offload's state: on, off, or not reported by this driver. */
enum tl_offload_state {
	TL_OFFLOAD_UNKNOWN = -1,
	TL_OFFLOAD_OFF = 0,
	TL_OFFLOAD_ON = 1,
};

struct tl_iface {
	char name[IF_NAMESIZE];
	unsigned ifindex;
	unsigned flags;  /* IFF_UP, IFF_LOOPBACK, ... */
	int mtu;
	enum tl_offload_state gso, gro, tso;
};

/* Reads flags, MTU and offloads of one interface (fails if it does not exist). */
int tl_offload_read(const char *ifname, struct tl_iface *out, struct tl_err *err);

/* Every interface of this netns, up to max; *n gets how many were stored. */
int tl_offload_list(struct tl_iface *out, size_t max, size_t *n, struct tl_err *err);

/* "on", "off", "n/a". */
const char *tl_offload_state_name(enum tl_offload_state s);

#endif
