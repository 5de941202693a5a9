/* versions.h - the versions of the program and the libraries it runs on, for --version and the
 * store's provenance. Any rank; no collective calls. */
#ifndef UFMSWEEP_VERSIONS_H
#define UFMSWEEP_VERSIONS_H

#include <stddef.h>

typedef struct versions {
    char program[32];
    char source_commit[64]; /* the git commit built from ("+modified": with local changes),
                               "unknown" outside a checkout */
    char mpi[256];   /* MPI_Get_library_version, first line */
    char hdf5[32];
    char blas[256];  /* the BLAS vendor's configuration or version string (blasinfo.h) */
} versions;

/* versions_get - fill v. */
void versions_get(versions *v);

#endif /* UFMSWEEP_VERSIONS_H */
