#include "versions.h"

#include "blasinfo.h"
#include "source_commit.h"
#include "version.h"

#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

void versions_get(versions *v)
{
    char mpi[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    unsigned maj = 0, min = 0, rel = 0;
    memset(v, 0, sizeof *v);
    snprintf(v->program, sizeof v->program, "%s", UFMSWEEP_VERSION);
    snprintf(v->source_commit, sizeof v->source_commit, "%s", UFMSWEEP_SOURCE_COMMIT);
    MPI_Get_library_version(mpi, &len);
    char *nl = strchr(mpi, '\n');
    if (nl != NULL)
        *nl = '\0';
    snprintf(v->mpi, sizeof v->mpi, "%.*s", (int)sizeof v->mpi - 1, mpi); /* MPICH's is long */
    H5get_libversion(&maj, &min, &rel);
    snprintf(v->hdf5, sizeof v->hdf5, "%u.%u.%u", maj, min, rel);
    blas_describe(v->blas, sizeof v->blas);
}
