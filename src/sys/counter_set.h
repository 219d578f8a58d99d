#ifndef TCPLAB_SYS_COUNTER_SET_H
#define TCPLAB_SYS_COUNTER_SET_H

#include <stdint.h>

#include <jansson.h>

#include "util/err.h"

/*
 * A chosen few of the kernel's protocol counters (sys/netstat.h), read together from
 * /proc/net/netstat and /proc/net/snmp of the caller's network namespace, so that two
 * readings give what happened in between. Each command names the counters that explain
 * its own workload (mesh: ACK timing; stream: buffers and windows).
 */

#define TL_COUNTER_SET_MAX 32

struct tl_counter_id {
	const char *group; /* "TcpExt", "Tcp" */
	const char *name;  /* "TCPMemoryPressures" */
};

struct tl_counter_set {
	int64_t v[TL_COUNTER_SET_MAX];
	uint32_t present; /* bit i set: this kernel has counter ids[i] */
};

/* Reads ids[0..n) (n <= TL_COUNTER_SET_MAX) now. 0 or -errno. */
int tl_counter_set_read(const struct tl_counter_id *ids, unsigned n, struct tl_counter_set *c,
			struct tl_err *err);

/*
 * {"name": b - a, ...} for the counters both readings have, in the order of ids; a counter
 * that went back (a namespace made anew) counts 0. A new reference.
 */
json_t *tl_counter_set_delta_json(const struct tl_counter_id *ids, unsigned n,
				  const struct tl_counter_set *a, const struct tl_counter_set *b);

#endif
