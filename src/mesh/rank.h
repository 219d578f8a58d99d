#ifndef TCPLAB_MESH_RANK_H
#define TCPLAB_MESH_RANK_H

#include <stdint.h>

#include "mesh/spec.h"
#include "net/addr.h"

struct tl_err;

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

/*
 * Creates the rank's data listener before anything is announced, so no peer can ever find
 * it missing. tcp: bind to bind_addr (NULL: the wildcard of family) with port 0 and report the
 * port; unix: an abstract socket named "tcplab-mesh-<tag>-<rank>". Fills cfg->listen_*.
 */
int tl_mesh_rank_listen(struct tl_mesh_rank_cfg *cfg, const char *bind_addr, int family,
			const char *tag, struct tl_err *err);

/*
 * Runs the rank to the end. 0 when it reported its result and the coordinator said done;
 * otherwise a negative errno, after telling the coordinator the reason (best effort).
 */
int tl_mesh_rank_run(struct tl_mesh_rank_cfg *cfg, struct tl_err *err);

/* Tells the coordinator why this rank gives up (best effort: it may be gone already). */
void tl_mesh_rank_report_error(int ctl_fd, uint32_t rank, const struct tl_err *err);

/* This host's boot id (36 characters) and "<boot id>/<netns inode>" for dedup of counters. */
int tl_mesh_host_id(char *buf, size_t len);
int tl_mesh_netns_id(char *buf, size_t len);

#endif
