/* Built instead of mpi.c when Open MPI's development files were not found. */
#include "mesh/launch.h"

#include <errno.h>

#include "util/err.h"

int tl_mesh_mpi_built(void)
{
	return 0;
}

int tl_mesh_run_mpi(struct tl_mesh_spec *spec, const char *bind, json_t **result, int *is_root,
		    enum tl_mesh_mpi_end *end, struct tl_err *err)
{
	(void)spec;
	(void)bind;
	*result = NULL;
	*is_root = 1;
	*end = TL_MESH_MPI_FAILED;
	return tl_err_set(err, ENOTSUP, "--mpi: this tcplab was built without Open MPI (install "
			  "openmpi-bin and libopenmpi-dev, then run 'meson setup --reconfigure' on "
			  "the build directory); --rank/--size/--rendezvous works with any launcher");
}

void tl_mesh_mpi_finish(enum tl_mesh_mpi_end end)
{
	(void)end;
}
