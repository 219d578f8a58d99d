#include "router/iface.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* One legacy ethtool value (get or set) on ifname through fd. */
static int ethtool_value(int fd, const char *ifname, __u32 cmd, __u32 *data)
{
	struct ethtool_value ev = { .cmd = cmd, .data = *data };
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		return -errno;
	*data = ev.data;
	return 0;
}

static enum tl_offload_state get_state(int fd, const char *ifname, __u32 cmd, __u32 mask)
{
	__u32 v = 0;
	if (ethtool_value(fd, ifname, cmd, &v) < 0)
		return TL_OFFLOAD_UNKNOWN;
	return (v & mask) ? TL_OFFLOAD_ON : TL_OFFLOAD_OFF;
}

int tl_router_iface_read(const char *ifname, struct tl_router_iface *out, struct tl_err *err)
{
	memset(out, 0, sizeof(*out));
	if (strlen(ifname) >= sizeof(out->name) || if_nametoindex(ifname) == 0)
		return tl_err_set(err, ENODEV, "interface \"%s\" does not exist in this network "
				  "namespace ('ip link' lists them)", ifname);
	snprintf(out->name, sizeof(out->name), "%s", ifname);
	out->ifindex = (int)if_nametoindex(ifname);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tl_err_errno(err, "socket(AF_INET, SOCK_DGRAM) for ethtool ioctls");
	out->gro = get_state(fd, ifname, ETHTOOL_GGRO, ~0u);
	out->gso = get_state(fd, ifname, ETHTOOL_GGSO, ~0u);
	out->tso = get_state(fd, ifname, ETHTOOL_GTSO, ~0u);
	out->lro = get_state(fd, ifname, ETHTOOL_GFLAGS, ETH_FLAG_LRO);
	close(fd);
	return 0;
}

/* Sets one offload to want (on/off) if it is known and differs. */
static int set_one(int fd, const char *ifname, const char *what, __u32 get, __u32 set,
		   __u32 mask, enum tl_offload_state want, struct tl_err *err)
{
	__u32 v = 0;
	if (want == TL_OFFLOAD_UNKNOWN || ethtool_value(fd, ifname, get, &v) < 0)
		return 0;
	bool on = (v & mask) != 0;
	if (on == (want == TL_OFFLOAD_ON))
		return 0;
	v = want == TL_OFFLOAD_ON ? (v | mask) : (v & ~mask);
	if (mask == ~0u)
		v = want == TL_OFFLOAD_ON;
	int r = ethtool_value(fd, ifname, set, &v);
	if (r < 0)
		return tl_err_set(err, -r, "%s: setting %s %s: SIOCETHTOOL: %s (needs CAP_NET_ADMIN; "
				  "'ethtool -K %s %s %s' by hand)", ifname, what, want == TL_OFFLOAD_ON
				  ? "on" : "off", strerror(-r), ifname, what,
				  want == TL_OFFLOAD_ON ? "on" : "off");
	return 0;
}

/* Applies gro/lro/gso/tso of want to the interface, the first error kept. */
static int apply(const struct tl_router_iface *want, struct tl_err *err)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tl_err_errno(err, "socket(AF_INET, SOCK_DGRAM) for ethtool ioctls");
	const char *n = want->name;
	int ret = set_one(fd, n, "gro", ETHTOOL_GGRO, ETHTOOL_SGRO, ~0u, want->gro, err);
	int r = set_one(fd, n, "lro", ETHTOOL_GFLAGS, ETHTOOL_SFLAGS, ETH_FLAG_LRO, want->lro,
			ret < 0 ? NULL : err);
	ret = ret < 0 ? ret : r;
	r = set_one(fd, n, "tso", ETHTOOL_GTSO, ETHTOOL_STSO, ~0u, want->tso, ret < 0 ? NULL : err);
	ret = ret < 0 ? ret : r;
	r = set_one(fd, n, "gso", ETHTOOL_GGSO, ETHTOOL_SGSO, ~0u, want->gso, ret < 0 ? NULL : err);
	ret = ret < 0 ? ret : r;
	close(fd);
	return ret;
}

int tl_router_iface_offloads_off(const struct tl_router_iface *i, struct tl_err *err)
{
	struct tl_router_iface off = *i;
	off.gro = i->gro == TL_OFFLOAD_UNKNOWN ? TL_OFFLOAD_UNKNOWN : TL_OFFLOAD_OFF;
	off.lro = i->lro == TL_OFFLOAD_UNKNOWN ? TL_OFFLOAD_UNKNOWN : TL_OFFLOAD_OFF;
	off.gso = i->gso == TL_OFFLOAD_UNKNOWN ? TL_OFFLOAD_UNKNOWN : TL_OFFLOAD_OFF;
	off.tso = i->tso == TL_OFFLOAD_UNKNOWN ? TL_OFFLOAD_UNKNOWN : TL_OFFLOAD_OFF;
	return apply(&off, err);
}

int tl_router_iface_restore(const struct tl_router_iface *i, struct tl_err *err)
{
	if (if_nametoindex(i->name) == 0)
		return tl_err_set(err, ENODEV, "interface \"%s\" is gone: nothing to restore on it",
				  i->name);
	return apply(i, err);
}

int tl_router_iface_promisc(const char *ifname, int *fd_out, struct tl_err *err)
{
	*fd_out = -1;
	int idx = (int)if_nametoindex(ifname);
	if (idx == 0)
		return tl_err_set(err, ENODEV, "interface \"%s\" does not exist", ifname);
	/* Protocol 0: the socket receives nothing, it only holds the membership. */
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tl_err_errno(err, "%s: socket AF_PACKET (needs CAP_NET_RAW)", ifname);
	struct packet_mreq mr = { .mr_ifindex = idx, .mr_type = PACKET_MR_PROMISC };
	if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
		int ret = tl_err_errno(err, "%s: PACKET_ADD_MEMBERSHIP PACKET_MR_PROMISC", ifname);
		close(fd);
		return ret;
	}
	*fd_out = fd;
	return 0;
}

static const char *state_name(enum tl_offload_state s)
{
	return tl_offload_state_name(s);
}

static enum tl_offload_state state_of(const char *s)
{
	return !s ? TL_OFFLOAD_UNKNOWN : !strcmp(s, "on") ? TL_OFFLOAD_ON
				       : !strcmp(s, "off") ? TL_OFFLOAD_OFF : TL_OFFLOAD_UNKNOWN;
}

json_t *tl_router_iface_json(const struct tl_router_iface *i)
{
	return json_pack("{s:s, s:i, s:s, s:s, s:s, s:s}", "name", i->name, "ifindex", i->ifindex,
			 "gro", state_name(i->gro), "lro", state_name(i->lro), "gso",
			 state_name(i->gso), "tso", state_name(i->tso));
}

int tl_router_iface_from_json(const json_t *j, struct tl_router_iface *out, struct tl_err *err)
{
	const char *name = NULL, *gro = NULL, *lro = NULL, *gso = NULL, *tso = NULL;
	int idx = 0;
	memset(out, 0, sizeof(*out));
	if (json_unpack((json_t *)j, "{s:s, s:i, s:s, s:s, s:s, s:s}", "name", &name, "ifindex",
			&idx, "gro", &gro, "lro", &lro, "gso", &gso, "tso", &tso) < 0 ||
	    strlen(name) >= sizeof(out->name))
		return tl_err_set(err, EINVAL, "router state: an interface entry is damaged");
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->ifindex = idx;
	out->gro = state_of(gro);
	out->lro = state_of(lro);
	out->gso = state_of(gso);
	out->tso = state_of(tso);
	return 0;
}
