/* The four sysctls that bound a flow's buffers, read for the advice. */
#include "tune/limits.h"

#include <errno.h>

#include "sys/sysctl.h"

/* The third field of a "min default max" triple such as tcp_rmem. */
static int read_max_of_triple(const char *name, uint64_t *out, struct tl_err *err)
{
	uint64_t v[3];
	size_t n = 0;
	int rc = tl_sysctl_read_u64s(name, v, 3, &n, err);
	if (rc < 0)
		return rc;
	if (n != 3)
		return tl_err_set(err, EINVAL, "%s: expected three numbers (min default max), got %zu",
				  name, n);
	*out = v[2];
	return 0;
}

int tl_limits_read(struct tl_advice_limits *out, struct tl_err *err)
{
	int rc = read_max_of_triple("net.ipv4.tcp_rmem", &out->tcp_rmem_max, err);
	if (rc == 0)
		rc = read_max_of_triple("net.ipv4.tcp_wmem", &out->tcp_wmem_max, err);
	if (rc == 0)
		rc = tl_sysctl_read_u64("net.core.rmem_max", &out->rmem_max, err);
	if (rc == 0)
		rc = tl_sysctl_read_u64("net.core.wmem_max", &out->wmem_max, err);
	return rc;
}
