#include "testbed/cpus.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

int tl_testbed_cpus_pick(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) < 0 || CPU_COUNT(&set) < 2)
		return -1;
	for (int c = CPU_SETSIZE - 1; c >= 0; c--)
		if (CPU_ISSET(c, &set))
			return c;
	return -1;
}

int tl_testbed_cpus_others(int cpu, cpu_set_t *out)
{
	CPU_ZERO(out);
	if (sched_getaffinity(0, sizeof(*out), out) < 0)
		return 0;
	if (cpu >= 0 && cpu < CPU_SETSIZE)
		CPU_CLR(cpu, out);
	return CPU_COUNT(out);
}

int tl_testbed_cpus_mask_hex(const cpu_set_t *set, char *buf, size_t len, struct tl_err *err)
{
	int top = -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, set))
			top = c;
	int groups = top < 0 ? 1 : top / 32 + 1;
	size_t off = 0;
	for (int g = groups - 1; g >= 0; g--) {
		uint32_t bits = 0;
		for (int b = 0; b < 32; b++)
			if (CPU_ISSET(g * 32 + b, set))
				bits |= 1u << b;
		/* The highest group without leading zeros, the others 8 digits, as sysfs does. */
		int n = snprintf(buf + off, len > off ? len - off : 0, g == groups - 1 ? "%x" : ",%08x",
				 bits);
		if (n < 0 || off + (size_t)n >= len)
			return tl_err_set(err, ENOSPC, "CPU mask of %d groups does not fit %zu bytes",
					  groups, len);
		off += (size_t)n;
	}
	return 0;
}
