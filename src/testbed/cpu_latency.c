#include "testbed/cpu_latency.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

void tl_cpu_latency_init(struct tl_cpu_latency *c)
{
	c->fd = -1;
	c->us = -1;
}

void tl_cpu_latency_release(struct tl_cpu_latency *c)
{
	if (c->fd >= 0)
		close(c->fd);
	tl_cpu_latency_init(c);
}

int tl_cpu_latency_hold(struct tl_cpu_latency *c, int32_t us, struct tl_err *err)
{
	if (us < 0) {
		tl_cpu_latency_release(c);
		return 0;
	}
	if (c->fd >= 0 && c->us == us)
		return 0;
	int fd = open(TL_CPU_LATENCY_PATH, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return tl_err_errno(err, "--cpu-latency: open %s", TL_CPU_LATENCY_PATH);
	/* The binary form: one native s32 (the kernel also takes hex text). */
	if (write(fd, &us, sizeof(us)) != (ssize_t)sizeof(us)) {
		int ret = tl_err_errno(err, "--cpu-latency: write %s", TL_CPU_LATENCY_PATH);
		close(fd);
		return ret;
	}
	/* The new request is in force before the old one goes, so there is no gap. */
	tl_cpu_latency_release(c);
	c->fd = fd;
	c->us = us;
	return 0;
}
