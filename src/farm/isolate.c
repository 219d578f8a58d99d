#include "farm/isolate.h"

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys/sysctl.h"

static int lo_up(struct tl_err *err)
{
	int ret = 0;
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return tl_err_errno(err, "socket (to bring lo up)");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		ret = tl_err_errno(err, "ioctl SIOCGIFFLAGS lo");
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		ret = tl_err_errno(err, "ioctl SIOCSIFFLAGS lo up");
out:
	close(fd);
	return ret;
}

int tl_farm_isolate(uint32_t port_lo, uint32_t port_hi, int tw_reuse, struct tl_err *err)
{
	char value[32];
	if (unshare(CLONE_NEWNET) < 0) {
		int first = errno;
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0) {
			errno = first;
			return tl_err_errno(err, "--isolate: unshare(CLONE_NEWNET) (a private network "
					    "namespace needs root, CAP_SYS_ADMIN or unprivileged user "
					    "namespaces)");
		}
	}
	if (lo_up(err) < 0) {
		tl_err_prefix(err, "--isolate");
		return -1;
	}
	snprintf(value, sizeof(value), "%u %u", port_lo, port_hi);
	if (tl_sysctl_write("net.ipv4.ip_local_port_range", value, err) < 0) {
		tl_err_prefix(err, "--isolate");
		return -1;
	}
	snprintf(value, sizeof(value), "%d", tw_reuse);
	if (tl_sysctl_write("net.ipv4.tcp_tw_reuse", value, err) < 0) {
		tl_err_prefix(err, "--isolate");
		return -1;
	}
	return 0;
}
