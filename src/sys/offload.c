#include "sys/offload.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

const char *tl_offload_state_name(enum tl_offload_state s)
{
	return s == TL_OFFLOAD_ON ? "on" : s == TL_OFFLOAD_OFF ? "off" : "n/a";
}

/* One ETHTOOL_G* value query; a driver without the operation answers EOPNOTSUPP. */
static enum tl_offload_state get_value(int fd, const char *ifname, __u32 cmd)
{
	struct ethtool_value ev = { .cmd = cmd };
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		return TL_OFFLOAD_UNKNOWN;
	return ev.data ? TL_OFFLOAD_ON : TL_OFFLOAD_OFF;
}

static int read_one(int fd, const char *ifname, struct tl_iface *out, struct tl_err *err)
{
	struct ifreq ifr;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", ifname);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return tl_err_errno(err, "ioctl SIOCGIFFLAGS %s", ifname);
	out->flags = (unsigned)(unsigned short)ifr.ifr_flags;
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		return tl_err_errno(err, "ioctl SIOCGIFMTU %s", ifname);
	out->mtu = ifr.ifr_mtu;
	out->ifindex = if_nametoindex(ifname);
	out->gso = get_value(fd, ifname, ETHTOOL_GGSO);
	out->gro = get_value(fd, ifname, ETHTOOL_GGRO);
	out->tso = get_value(fd, ifname, ETHTOOL_GTSO);
	return 0;
}

int tl_offload_read(const char *ifname, struct tl_iface *out, struct tl_err *err)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tl_err_errno(err, "socket(AF_INET, SOCK_DGRAM) for ethtool ioctls");
	int ret = read_one(fd, ifname, out, err);
	close(fd);
	return ret;
}

int tl_offload_list(struct tl_iface *out, size_t max, size_t *n, struct tl_err *err)
{
	int ret = -1, fd = -1;
	struct if_nameindex *names = if_nameindex();
	*n = 0;
	if (!names)
		return tl_err_errno(err, "if_nameindex");
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = tl_err_errno(err, "socket(AF_INET, SOCK_DGRAM) for ethtool ioctls");
		goto out;
	}
	for (struct if_nameindex *p = names; p->if_index != 0 && *n < max; p++) {
		/* An interface that vanished between the listing and the ioctl is skipped. */
		if (read_one(fd, p->if_name, &out[*n], NULL) == 0)
			(*n)++;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if_freenameindex(names);
	return ret;
}
