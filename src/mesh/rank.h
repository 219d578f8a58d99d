#ifndef TCPLAB_MESH_RANK_H
#define TCPLAB_MESH_RANK_H

#include <stdint.h>

#include "mesh/rank_cfg.h"

struct tl_err;

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

#endif
