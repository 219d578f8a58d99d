#ifndef TCPLAB_SYS_HOST_H
#define TCPLAB_SYS_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/*
 * Facts about the host that decide how the doctor reads the sysctls: the kernel version
 * (several defaults changed in 5.4, 6.6, 6.14, ~6.16 and ~6.18 [K1][K2][K3][K4][K7]), the
 * network namespace the process is in, the open-file limit and the page size.
 */
struct tl_host {
	char kernel_release[65];  /* uname -r */
	unsigned kernel_major;
	unsigned kernel_minor;
	uint64_t netns_inode;     /* inode of /proc/self/ns/net: "net:[4026531840]" */
	/*
	 * True when this is the host's (initial) namespace. Told from whether the global-only
	 * sysctl net.ipv4.tcp_mem is visible: the kernel registers it for init_net only
	 * (checked on 6.18: absent after 'unshare -n'), and, when /proc/1/ns/net can be read,
	 * from it having the inode of /proc/self/ns/net (netns_pid1_checked).
	 */
	bool init_netns;
	bool netns_pid1_checked;
	uint64_t nofile_soft;     /* RLIMIT_NOFILE (ulimit -n); UINT64_MAX = unlimited */
	uint64_t nofile_hard;
	uint64_t page_size;
};

/* Parses "6.18.44-fc-v657" into 6 and 18. Returns 0, or -EINVAL if it does not start so. */
int tl_host_kernel_parse(const char *release, unsigned *major, unsigned *minor);

/* True if the kernel is at least major.minor. */
bool tl_host_kernel_at_least(const struct tl_host *h, unsigned major, unsigned minor);

/* Fills every field. Fails only if uname() or getrlimit() fails. */
int tl_host_read(struct tl_host *out, struct tl_err *err);

#endif
