/* lapack.h - the LAPACK routines the core uses, called through the Fortran interface that every
 * LAPACK has (reference, OpenBLAS, MKL, BLIS/libFLAME), so that no separate LAPACKE is needed.
 *
 * Column-major, int (LP64) dimensions. Each wrapper does what LAPACKE's high-level function of
 * the same name does, in the same order, so results are bit for bit LAPACKE's: a NaN check of
 * the input matrix (a nonzero return when it holds a NaN, as LAPACKE_NANCHECK does), the
 * workspace query, the allocation, the call. The *_work variants, like LAPACKE's, skip the NaN
 * check. Returns LAPACK's info: 0 on success, < 0 for a bad argument or a NaN input, > 0 when
 * the routine failed (no convergence, not positive definite), UFM_LAPACK_NOMEM when the
 * workspace could not be allocated. Thread-safe; no state. */
#ifndef UFMSWEEP_LAPACK_H
#define UFMSWEEP_LAPACK_H

#include "sweep_err.h"

#define UFM_LAPACK_NOMEM (-1010) /* LAPACKE's LAPACK_WORK_MEMORY_ERROR */

/* SVD by divide and conquer (jobz 'N', 'S', 'A', 'O'); a (m x n) is overwritten. */
SWEEP_MUST_USE int ufm_lapack_dgesdd(char jobz, int m, int n, double *a, int lda, double *s, double *u,
                      int ldu, double *vt, int ldvt);

/* SVD (jobu, jobvt 'N', 'S', 'A', 'O'); superb[min(m,n)-1] receives the unconverged
 * superdiagonal when info > 0. */
SWEEP_MUST_USE int ufm_lapack_dgesvd(char jobu, char jobvt, int m, int n, double *a, int lda, double *s,
                      double *u, int ldu, double *vt, int ldvt, double *superb);

/* symmetric eigenvalues (jobz 'N') or eigenpairs ('V') of the uplo triangle of a (n x n). */
SWEEP_MUST_USE int ufm_lapack_dsyevd(char jobz, char uplo, int n, double *a, int lda, double *w);

/* Cholesky factorization, solve and inverse from it (uplo 'L' or 'U'). */
SWEEP_MUST_USE int ufm_lapack_dpotrf(char uplo, int n, double *a, int lda);
SWEEP_MUST_USE int ufm_lapack_dpotrf_work(char uplo, int n, double *a, int lda);
SWEEP_MUST_USE int ufm_lapack_dpotrs_work(char uplo, int n, int nrhs, const double *a, int lda, double *b,
                           int ldb);
SWEEP_MUST_USE int ufm_lapack_dpotri(char uplo, int n, double *a, int lda);

#endif /* UFMSWEEP_LAPACK_H */
