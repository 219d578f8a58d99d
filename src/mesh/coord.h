#ifndef TCPLAB_MESH_COORD_H
#define TCPLAB_MESH_COORD_H

#include <stdint.h>

#include <jansson.h>

#include "mesh/spec.h"

struct tl_err;

/*
 * The coordinator of one run: it holds a control channel to every rank (in any order: a
 * rank says who it is in its hello), hands out the address table once every rank is
 * listening, starts everyone at once after every connection is up, stops a --hops run when
 * all tokens have made their hops, collects the reports and merges them (mesh/result.h).
 * Ranks never wait on a timer for each other: each step waits for the previous one.
 */
struct tl_mesh_coord {
	const struct tl_mesh_spec *spec;
	const int *ctl_fds;          /* spec->ranks non-blocking fds, owned by the caller */
	const char *default_addr;    /* for ranks that gave no address and are not behind TCP */
	int check_spec;              /* ranks started separately: their specs must equal ours */
	const char *launch;          /* "fork", "threads", "rendezvous", "mpi" (for the report) */
	int interrupt_fd;            /* readable = Ctrl-C: end the run early (see below); -1: none */
};

/*
 * Runs it. 0 with *result (a new reference: the run's results object, see mesh/result.h),
 * or a negative errno with err naming the rank and its reason; the ranks are then told to
 * stop. *result is NULL on error. Once interrupt_fd is readable, a running window is ended
 * early (every rank is sent "stop", drains and reports as at its end) and *result holds what
 * ran, with "interrupted": true; before the window, the run fails with EINTR.
 */
int tl_mesh_coord_run(const struct tl_mesh_coord *c, json_t **result, struct tl_err *err);

#endif
