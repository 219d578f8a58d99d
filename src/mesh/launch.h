#ifndef TCPLAB_MESH_LAUNCH_H
#define TCPLAB_MESH_LAUNCH_H

#include <stdint.h>

#include <jansson.h>

#include "mesh/spec.h"

struct tl_err;

/*
 * The ways to start a mesh. All end in the same coordinator and the same ranks; only who
 * starts the ranks and how their control channels come to be differ.
 */

/* Every rank on this host, forked here (or threads of this process). */
struct tl_mesh_local {
	struct tl_mesh_spec spec;
	int threads;           /* ranks are threads, not processes */
	const char *bind;      /* tcp: the loopback-side address to listen on (default 127.0.0.1) */
	int interrupt_fd;      /* readable = Ctrl-C (mesh/coord.h); -1: none */
};

/* 0 and *result (the run's results), or -errno; every child is reaped before returning. */
int tl_mesh_run_local(const struct tl_mesh_local *l, json_t **result, struct tl_err *err);

/*
 * One rank of a mesh whose ranks some launcher started (srun, ssh, a shell loop): rank 0
 * listens on port and coordinates (running its own rank in a thread); every other rank
 * connects to host:port, retrying until rank 0 is there or connect_timeout passes.
 */
struct tl_mesh_join {
	struct tl_mesh_spec spec;      /* spec.ranks = the number of ranks */
	uint32_t rank;
	char host[256];                /* rank 0's address, as the other ranks reach it */
	uint16_t port;
	char bind[64];                 /* this rank's data address; "" = the coordinator decides */
	int ctl_listen_fd;             /* rank 0: already listening (MPI), else -1 */
	int data_listen_fd;            /* already listening (MPI), else -1 */
	uint16_t data_port;            /* its port */
	const char *launch;            /* "rendezvous" or "mpi" */
	int interrupt_fd;              /* rank 0: readable = Ctrl-C (mesh/coord.h); -1: none */
};

/* Rank 0 gets 0 and *result; the others 0 and *result NULL once the run is done. */
int tl_mesh_run_join(struct tl_mesh_join *j, json_t **result, struct tl_err *err);

/*
 * Under mpirun: the rank and size come from MPI, and the ranks' addresses (and rank 0's
 * control port) are exchanged with MPI_Allgather; then they talk TCP as in a join.
 * spec.ranks is set from MPI_Comm_size. *is_root says whether this process is rank 0 (the
 * one that prints). After printing, call tl_mesh_mpi_finish with *end: TL_MESH_MPI_DONE,
 * TL_MESH_MPI_REFUSED when every rank refused the same run (they all wait there for rank
 * 0's report to be out), or TL_MESH_MPI_FAILED when this rank failed on its own (the job is
 * aborted). Without Open MPI at build time it returns -ENOTSUP with how to get it.
 */
enum tl_mesh_mpi_end { TL_MESH_MPI_DONE, TL_MESH_MPI_REFUSED, TL_MESH_MPI_FAILED };
int tl_mesh_run_mpi(struct tl_mesh_spec *spec, const char *bind, json_t **result, int *is_root,
		    enum tl_mesh_mpi_end *end, struct tl_err *err);
void tl_mesh_mpi_finish(enum tl_mesh_mpi_end end);
int tl_mesh_mpi_built(void);

#endif
