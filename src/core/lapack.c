#include "lapack.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

/* The Fortran routines; the trailing size_t arguments are the lengths of the CHARACTER
 * arguments, which gfortran-compiled LAPACKs expect (LAPACKE passes them too). */
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s,
             double *u, const int *ldu, double *vt, const int *ldvt, double *work,
             const int *lwork, int *iwork, int *info, size_t jobz_len);
void dgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a,
             const int *lda, double *s, double *u, const int *ldu, double *vt, const int *ldvt,
             double *work, const int *lwork, int *info, size_t jobu_len, size_t jobvt_len);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t jobz_len, size_t uplo_len);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info,
             size_t uplo_len);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info, size_t uplo_len);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info,
             size_t uplo_len);

/* LAPACKE's NaN checks: a general m x n matrix, and one triangle (with its diagonal) */
static int has_nan_ge(int m, int n, const double *a, int lda)
{
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++)
            if (isnan(a[i + (size_t)j * lda]))
                return 1;
    return 0;
}

static int has_nan_tr(char uplo, int n, const double *a, int lda)
{
    const int lower = uplo == 'L' || uplo == 'l';
    for (int j = 0; j < n; j++)
        for (int i = lower ? j : 0; i < (lower ? n : j + 1); i++)
            if (isnan(a[i + (size_t)j * lda]))
                return 1;
    return 0;
}

int ufm_lapack_dgesdd(char jobz, int m, int n, double *a, int lda, double *s, double *u,
                      int ldu, double *vt, int ldvt)
{
    if (has_nan_ge(m, n, a, lda))
        return -5;
    const int mn = m < n ? m : n;
    int info = 0, lwork = -1;
    double query = 0.0;
    int *iwork = malloc((size_t)(8 * mn > 1 ? 8 * mn : 1) * sizeof *iwork);
    if (iwork == NULL)
        return UFM_LAPACK_NOMEM;
    dgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, &query, &lwork, iwork, &info, 1);
    if (info != 0) {
        free(iwork);
        return info;
    }
    lwork = (int)query;
    double *work = malloc((size_t)(lwork > 1 ? lwork : 1) * sizeof *work);
    if (work == NULL) {
        free(iwork);
        return UFM_LAPACK_NOMEM;
    }
    dgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, &info, 1);
    free(work);
    free(iwork);
    return info;
}

int ufm_lapack_dgesvd(char jobu, char jobvt, int m, int n, double *a, int lda, double *s,
                      double *u, int ldu, double *vt, int ldvt, double *superb)
{
    if (has_nan_ge(m, n, a, lda))
        return -6;
    int info = 0, lwork = -1;
    double query = 0.0;
    dgesvd_(&jobu, &jobvt, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, &query, &lwork, &info, 1, 1);
    if (info != 0)
        return info;
    lwork = (int)query;
    double *work = malloc((size_t)(lwork > 1 ? lwork : 1) * sizeof *work);
    if (work == NULL)
        return UFM_LAPACK_NOMEM;
    dgesvd_(&jobu, &jobvt, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, &info, 1, 1);
    const int mn = m < n ? m : n;
    for (int i = 0; superb != NULL && i < mn - 1; i++)
        superb[i] = work[i + 1];
    free(work);
    return info;
}

int ufm_lapack_dsyevd(char jobz, char uplo, int n, double *a, int lda, double *w)
{
    if (has_nan_tr(uplo, n, a, lda))
        return -5;
    int info = 0, lwork = -1, liwork = -1, iquery = 0;
    double query = 0.0;
    dsyevd_(&jobz, &uplo, &n, a, &lda, w, &query, &lwork, &iquery, &liwork, &info, 1, 1);
    if (info != 0)
        return info;
    lwork = (int)query;
    liwork = iquery;
    double *work = malloc((size_t)(lwork > 1 ? lwork : 1) * sizeof *work);
    int *iwork = malloc((size_t)(liwork > 1 ? liwork : 1) * sizeof *iwork);
    if (work == NULL || iwork == NULL) {
        free(work);
        free(iwork);
        return UFM_LAPACK_NOMEM;
    }
    dsyevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, &info, 1, 1);
    free(work);
    free(iwork);
    return info;
}

int ufm_lapack_dpotrf_work(char uplo, int n, double *a, int lda)
{
    int info = 0;
    dpotrf_(&uplo, &n, a, &lda, &info, 1);
    return info;
}

int ufm_lapack_dpotrf(char uplo, int n, double *a, int lda)
{
    if (has_nan_tr(uplo, n, a, lda))
        return -4;
    return ufm_lapack_dpotrf_work(uplo, n, a, lda);
}

int ufm_lapack_dpotrs_work(char uplo, int n, int nrhs, const double *a, int lda, double *b,
                           int ldb)
{
    int info = 0;
    dpotrs_(&uplo, &n, &nrhs, a, &lda, b, &ldb, &info, 1);
    return info;
}

int ufm_lapack_dpotri(char uplo, int n, double *a, int lda)
{
    if (has_nan_tr(uplo, n, a, lda))
        return -4;
    int info = 0;
    dpotri_(&uplo, &n, a, &lda, &info, 1);
    return info;
}
