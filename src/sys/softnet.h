#ifndef TCPLAB_SYS_SOFTNET_H
#define TCPLAB_SYS_SOFTNET_H

#include <stdint.h>

#include "util/err.h"

/*
 * /proc/net/softnet_stat: one line per CPU of hexadecimal counters. Column 1 is packets
 * processed, column 2 packets dropped because the per-CPU input queue was longer than
 * net.core.netdev_max_backlog, column 3 "time squeeze" (the softirq ran out of budget)
 * [K14][BT]. The totals here are summed over CPUs.
 */
struct tl_softnet {
	uint32_t cpus;
	uint64_t processed;
	uint64_t dropped;
	uint64_t time_squeeze;
};

int tl_softnet_parse(const char *text, struct tl_softnet *out, struct tl_err *err);
int tl_softnet_read(struct tl_softnet *out, struct tl_err *err);

#endif
