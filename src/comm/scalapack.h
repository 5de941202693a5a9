/* scalapack.h - the BLACS, ScaLAPACK and PBLAS routines ufmsweep calls. Debian's
 * libscalapack-openmpi ships no C header: these are the Fortran symbols (all arguments by
 * reference) and the C BLACS interface. docs/SCALING.md says how they are used. */
#ifndef UFMSWEEP_SCALAPACK_H
#define UFMSWEEP_SCALAPACK_H

#include "sweep_err.h"

#include <mpi.h>

int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int *ctxt, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int ctxt, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int ctxt);

SWEEP_MUST_USE int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc,
            const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);
void pdgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
             const double *alpha, const double *a, const int *ia, const int *ja, const int *desca,
             const double *b, const int *ib, const int *jb, const int *descb, const double *beta,
             double *c, const int *ic, const int *jc, const int *descc, size_t la, size_t lb);

#endif /* UFMSWEEP_SCALAPACK_H */
