#include "sys/host.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

int tl_host_kernel_parse(const char *release, unsigned *major, unsigned *minor)
{
	char *end;
	errno = 0;
	unsigned long a = strtoul(release, &end, 10);
	if (end == release || *end != '.' || errno)
		return -EINVAL;
	const char *p = end + 1;
	unsigned long b = strtoul(p, &end, 10);
	if (end == p || errno || a > 1000 || b > 1000)
		return -EINVAL;
	*major = (unsigned)a;
	*minor = (unsigned)b;
	return 0;
}

bool tl_host_kernel_at_least(const struct tl_host *h, unsigned major, unsigned minor)
{
	return h->kernel_major > major || (h->kernel_major == major && h->kernel_minor >= minor);
}

int tl_host_read(struct tl_host *out, struct tl_err *err)
{
	struct utsname u;
	struct rlimit rl;
	struct stat st;
	memset(out, 0, sizeof(*out));
	if (uname(&u) < 0)
		return tl_err_errno(err, "uname");
	snprintf(out->kernel_release, sizeof(out->kernel_release), "%s", u.release);
	if (tl_host_kernel_parse(u.release, &out->kernel_major, &out->kernel_minor) < 0)
		out->kernel_major = out->kernel_minor = 0;
	bool self_known = stat("/proc/self/ns/net", &st) == 0;
	if (self_known)
		out->netns_inode = (uint64_t)st.st_ino;
	out->init_netns = access("/proc/sys/net/ipv4/tcp_mem", F_OK) == 0;
	/*
	 * PID 1 runs in the initial namespace on a host: a different inode (or device) there
	 * says this is not it. /proc/1/ns/net needs ptrace access to PID 1 (unprivileged
	 * users and some sandboxes get EACCES); then the tcp_mem test above decides alone.
	 * Both must agree, so a container whose PID 1 shares its namespace still counts as
	 * not the host's.
	 */
	struct stat init_st;
	if (self_known && stat("/proc/1/ns/net", &init_st) == 0) {
		out->netns_pid1_checked = true;
		out->init_netns &= init_st.st_ino == st.st_ino && init_st.st_dev == st.st_dev;
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return tl_err_errno(err, "getrlimit(RLIMIT_NOFILE)");
	out->nofile_soft = rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
	out->nofile_hard = rl.rlim_max == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_max;
	long ps = sysconf(_SC_PAGESIZE);
	out->page_size = ps > 0 ? (uint64_t)ps : 4096;
	return 0;
}
