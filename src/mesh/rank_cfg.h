#ifndef TCPLAB_MESH_RANK_CFG_H
#define TCPLAB_MESH_RANK_CFG_H

#include <stdint.h>

#include "mesh/spec.h"

/*
 * One rank of a mesh: a forked process, a thread, or a process some launcher started. It
 * talks to the coordinator over ctl_fd (see mesh/wire.h for the sequence), connects to every
 * other rank, forwards tokens as the pattern says until the window ends, drains, and reports.
 */
struct tl_mesh_rank_cfg {
	struct tl_mesh_spec spec;
	uint32_t rank;
	int ctl_fd;                 /* non-blocking; owned by the caller */
	int listen_fd;              /* from tl_mesh_rank_listen; the rank closes it */
	uint16_t listen_port;       /* its port (tcp) ... */
	char listen_path[108];      /* ... or its abstract name, '@' first (unix) */
	char advertise[64];         /* address peers should use; "" lets the coordinator decide */
	int cpu_per_thread;         /* getrusage(RUSAGE_THREAD): ranks that are threads */
};

#endif
