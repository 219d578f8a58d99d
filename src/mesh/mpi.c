/*
 * Launch under mpirun (built only when Open MPI's development files are found). MPI is used
 * for two things only: who we are (rank, size) and one MPI_Allgather of every rank's
 * addresses; the tokens then travel over the ranks' own TCP connections, so the numbers are
 * TCP's, not MPI's.
 */
#include "mesh/launch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <mpi.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mesh/hostid.h"
#include "mesh/rank.h"
#include "net/addr.h"
#include "net/sock.h"
#include "util/err.h"

/* What each rank contributes to the Allgather: plain bytes, the same layout everywhere. */
struct mpi_record {
	char host_id[40];
	char addr[48];
	uint16_t data_port;
	uint16_t ctl_port;   /* rank 0 only */
	uint32_t reserved;
};

int tl_mesh_mpi_built(void)
{
	return 1;
}

/* The first IPv4 address of an interface that is up and not loopback (a cluster NIC). */
static void guess_addr(char *buf, size_t len)
{
	struct ifaddrs *ifs = NULL;
	snprintf(buf, len, "127.0.0.1");
	if (getifaddrs(&ifs) < 0)
		return;
	for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP) ||
		    (i->ifa_flags & IFF_LOOPBACK))
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf, (socklen_t)len);
		break;
	}
	freeifaddrs(ifs);
}

static int listen_any(uint16_t *port, struct tl_err *err)
{
	struct tl_addr a, local;
	if (tl_addr_resolve("0.0.0.0", 0, AF_INET, 1, &a, err) < 0)
		return -1;
	int fd = tl_sock_listen(&a, 1024, NULL, err);
	if (fd < 0)
		return -1;
	if (tl_addr_local(fd, &local, err) < 0) {
		close(fd);
		return -1;
	}
	*port = tl_addr_port(&local);
	return fd;
}

int tl_mesh_run_mpi(struct tl_mesh_spec *spec, const char *bind, json_t **result, int *is_root,
		    enum tl_mesh_mpi_end *end, struct tl_err *err)
{
	int provided = 0, rank = 0, size = 0, ret = -1;
	struct mpi_record mine, *all = NULL;
	struct tl_mesh_join j;

	*result = NULL;
	*is_root = 0;
	*end = TL_MESH_MPI_FAILED;
	memset(&j, 0, sizeof(j));
	j.ctl_listen_fd = j.data_listen_fd = j.interrupt_fd = -1; /* mpirun has its own Ctrl-C */
	if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
		return tl_err_set(err, EIO, "MPI_Init_thread failed (run under mpirun)");
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	*is_root = rank == 0;
	spec->ranks = (uint32_t)size;
	/*
	 * Every rank checks the same spec and so fails the same way. None may finalize or exit
	 * yet: mpirun ends the whole job when a rank exits non-zero, and rank 0 has still to
	 * print why (its report came out cut short or empty). tl_mesh_mpi_finish finalizes
	 * them together once it has.
	 */
	if ((size < 2 && tl_err_set(err, EINVAL, "--mpi: MPI reports %d rank; start tcplab under "
				    "mpirun -np N with N >= 2", size) < 0) ||
	    tl_mesh_spec_validate(spec, err) < 0 ||
	    (spec->transport == TL_MESH_UNIX &&
	     tl_err_set(err, EINVAL, "--mpi: the ranks talk tcp, tcp-nodelay or tcp-quickack") < 0)) {
		*end = TL_MESH_MPI_REFUSED;
		return -EINVAL;
	}

	memset(&mine, 0, sizeof(mine));
	tl_mesh_host_id(mine.host_id, sizeof(mine.host_id));
	if (bind && *bind)
		snprintf(mine.addr, sizeof(mine.addr), "%s", bind);
	else
		guess_addr(mine.addr, sizeof(mine.addr));
	/* Listen before anyone learns the addresses: nobody can find a port not yet open. */
	j.data_listen_fd = listen_any(&j.data_port, err);
	if (j.data_listen_fd >= 0 && rank == 0) {
		uint16_t ctl_port = 0;
		j.ctl_listen_fd = listen_any(&ctl_port, err);
		mine.ctl_port = ctl_port;
	}
	mine.data_port = j.data_port;
	int ok = j.data_listen_fd >= 0 && (rank != 0 || j.ctl_listen_fd >= 0), all_ok = 0;
	MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
	if (!all_ok) {
		if (ok)
			tl_err_set(err, EIO, "another rank could not open its listening sockets");
		goto out;
	}
	all = calloc((size_t)size, sizeof(*all));
	if (!all) {
		ret = tl_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	MPI_Allgather(&mine, sizeof(mine), MPI_BYTE, all, sizeof(mine), MPI_BYTE, MPI_COMM_WORLD);
	int same_host = 1;
	for (int i = 1; i < size; i++)
		if (strncmp(all[i].host_id, all[0].host_id, sizeof(all[0].host_id)) != 0)
			same_host = 0;
	j.spec = *spec;
	j.rank = (uint32_t)rank;
	j.port = all[0].ctl_port;
	j.launch = "mpi";
	/* One host: loopback, which every rank has. Several: the addresses they announced. */
	snprintf(j.host, sizeof(j.host), "%s", same_host ? "127.0.0.1" : all[0].addr);
	snprintf(j.bind, sizeof(j.bind), "%s", same_host ? "127.0.0.1" : all[rank].addr);
	ret = tl_mesh_run_join(&j, result, err);
	if (ret == 0)
		*end = TL_MESH_MPI_DONE;
out:
	if (j.data_listen_fd >= 0)
		close(j.data_listen_fd);
	if (j.ctl_listen_fd >= 0)
		close(j.ctl_listen_fd);
	free(all);
	return ret;
}

void tl_mesh_mpi_finish(enum tl_mesh_mpi_end end)
{
	int inited = 0, finalized = 0;
	MPI_Initialized(&inited);
	MPI_Finalized(&finalized);
	if (!inited || finalized)
		return;
	/* A rank that failed alone must not leave the others blocked in MPI_Finalize. */
	if (end == TL_MESH_MPI_FAILED)
		MPI_Abort(MPI_COMM_WORLD, 3);
	/* Refused everywhere: the barrier holds the others until rank 0 has printed why. */
	if (end == TL_MESH_MPI_REFUSED)
		MPI_Barrier(MPI_COMM_WORLD);
	MPI_Finalize();
}
