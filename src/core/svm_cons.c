#include "svm_impl.h"

#include "metrics.h"
#include "rng.h"

#include <cblas.h>
#include "lapack.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void svm__cons_decode(const svm_cons *cs, int i, int *j, int *y, int *c)
{
    const int km1 = cs->k - 1;
    *j = i / km1;
    *y = cs->label[*j];
    const int t = i % km1;
    *c = t < *y ? t : t + 1;
}

void svm__cons_destroy(svm_cons *cs)
{
    free(cs->label);
    free(cs->b);
    free(cs->Delta);
    memset(cs, 0, sizeof(*cs));
}

/* Build the constraints of prob at class level (example = 0) or example level. */
int svm__cons_create(const geom_problem *prob, int example, svm_cons *cs, sweep_errbuf *eb)
{
    const int k = prob->k;
    int ncol = k;
    memset(cs, 0, sizeof(*cs));
    if (k < 2)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "svm: needs k >= 2 classes (k = %d)", k);
    if (example) {
        double n = 0.0;
        for (int c = 0; c < k; c++) {
            if (prob->counts[c] != floor(prob->counts[c]))
                return sweep_err_set(eb, SWEEP_ERR_ARG,
                                     "svm: the example-level problem needs integer class counts "
                                     "(class %d has %g)",
                                     c, prob->counts[c]);
            n += prob->counts[c];
        }
        if (n > SVM_MAX_COLUMNS)
            return sweep_err_set(eb, SWEEP_ERR_ARG,
                                 "svm: the example-level problem takes at most %d examples (n = %g)",
                                 SVM_MAX_COLUMNS, n);
        ncol = (int)n;
    }
    cs->k = k;
    cs->ncol = ncol;
    cs->m = ncol * (k - 1);
    cs->label = malloc((size_t)ncol * sizeof(int));
    cs->b = malloc((size_t)ncol * sizeof(double));
    cs->Delta = malloc((size_t)k * sizeof(double));
    if (cs->label == NULL || cs->b == NULL || cs->Delta == NULL) {
        svm__cons_destroy(cs);
        return sweep_err_set(eb, SWEEP_ERR_NOMEM, "svm: out of memory for %d columns", ncol);
    }
    int j = 0;
    double bmax = 0.0;
    for (int c = 0; c < k; c++) {
        const double delta = prob->kind == GEOM_MARGIN ? prob->scale[c] : 1.0;
        cs->Delta[c] = prob->kind == GEOM_CDT ? prob->scale[c] : 1.0;
        const int reps = example ? (int)prob->counts[c] : 1;
        const double bc = example ? delta : delta * sqrt(prob->counts[c]);
        for (int r = 0; r < reps; r++, j++) {
            cs->label[j] = c;
            cs->b[j] = bc;
            bmax = bc > bmax ? bc : bmax;
        }
    }
    cs->bscale = bmax;
    for (j = 0; j < ncol; j++)
        cs->b[j] /= bmax;
    return SWEEP_OK;
}

/* out[i] = A_i(X) for X (k x ncol, leading dimension ldx) */
void svm__cons_apply(const svm_cons *cs, const double *X, int ldx, double *out)
{
    for (int i = 0; i < cs->m; i++) {
        int j, y, c;
        svm__cons_decode(cs, i, &j, &y, &c);
        out[i] = cs->Delta[y] * X[y + (size_t)j * ldx] - cs->Delta[c] * X[c + (size_t)j * ldx];
    }
}

/* D (k x ncol, leading dimension ldd) += scale * sum_i v_i A_i */
void svm__cons_adjoint_add(const svm_cons *cs, const double *v, double scale, double *D,
                           int ldd)
{
    for (int i = 0; i < cs->m; i++) {
        int j, y, c;
        svm__cons_decode(cs, i, &j, &y, &c);
        D[y + (size_t)j * ldd] += scale * cs->Delta[y] * v[i];
        D[c + (size_t)j * ldd] -= scale * cs->Delta[c] * v[i];
    }
}

/* ---- small dense helpers ------------------------------------------------------------------ */

/* Largest singular value (spectral norm) and, when nuc != NULL, the sum of singular values of
 * the k x n matrix A (copied). */
int svm__spectral_norms(int k, int n, const double *A, double *norm2, double *nuc)
{
    const int mn = k < n ? k : n;
    double *tmp = malloc((size_t)k * n * sizeof(double));
    double *S = malloc((size_t)mn * sizeof(double));
    int ret = SWEEP_OK;
    if (tmp == NULL || S == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    memcpy(tmp, A, (size_t)k * n * sizeof(double));
    if (ufm_lapack_dgesdd('N', k, n, tmp, k, S, NULL, 1, NULL, 1) != 0) {
        ret = SWEEP_ERR_LAPACK;
        goto cleanup;
    }
    *norm2 = S[0];
    if (nuc != NULL) {
        double s = 0.0;
        for (int r = 0; r < mn; r++)
            s += S[r];
        *nuc = s;
    }
cleanup:
    free(tmp);
    free(S);
    return ret;
}

/* sym(A) in place for an N x N matrix */
void svm__symmetrize(int N, double *A)
{
    for (int j = 0; j < N; j++)
        for (int i = j + 1; i < N; i++) {
            double v = 0.5 * (A[i + (size_t)j * N] + A[j + (size_t)i * N]);
            A[i + (size_t)j * N] = A[j + (size_t)i * N] = v;
        }
}

/* Largest alpha with P + alpha dP >= 0 for P > 0 (N x N): Linv = Cholesky factor of P (lower,
 * computed by the caller), work N x N scratch. Returns +inf when every direction is PSD, -1 on a
 * LAPACK failure. */
double svm__psd_max_step(int N, const double *L, const double *dP, double *work, double *ev)
{
    memcpy(work, dP, (size_t)N * N * sizeof(double));
    cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, N, N, 1.0, L, N,
                work, N);
    cblas_dtrsm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, N, N, 1.0, L, N,
                work, N);
    svm__symmetrize(N, work);
    if (ufm_lapack_dsyevd('N', 'L', N, work, N, ev) != 0)
        return -1.0;
    return ev[0] >= 0.0 ? INFINITY : -1.0 / ev[0];
}

double svm__lin_max_step(int m, const double *v, const double *dv)
{
    double a = INFINITY;
    for (int i = 0; i < m; i++)
        if (dv[i] < 0.0 && -v[i] / dv[i] < a)
            a = -v[i] / dv[i];
    return a;
}

double svm__dot(size_t n, const double *a, const double *b)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* ---- certificate and factors -------------------------------------------------------------- */

/* From X (k x ncol, normalized b) and multipliers y: scale X to feasibility, fill res (in the
 * normalized units) and return SWEEP_OK. */
int svm__certify(const svm_cons *cs, double *X, const double *y, svm_result *res)
{
    const int k = cs->k, ncol = cs->ncol, m = cs->m;
    int ret = SWEEP_OK;
    double *ax = malloc((size_t)m * sizeof(double));
    double *D = calloc((size_t)k * ncol, sizeof(double));
    double *yp = malloc((size_t)m * sizeof(double));
    if (ax == NULL || D == NULL || yp == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    svm__cons_apply(cs, X, k, ax);
    double ratio = INFINITY;
    for (int i = 0; i < m; i++) {
        double r = ax[i] / cs->b[i / (k - 1)];
        ratio = r < ratio ? r : ratio;
    }
    res->violation = ratio < 1.0 ? 1.0 - ratio : 0.0;
    if (!(ratio > 0.0) || !isfinite(ratio)) {
        res->objective = res->gap = INFINITY;
        res->lower_bound = NAN;
        goto cleanup;
    }
    for (size_t a = 0; a < (size_t)k * ncol; a++)
        X[a] /= ratio;
    double n2, nuc;
    if ((ret = svm__spectral_norms(k, ncol, X, &n2, &nuc)) != SWEEP_OK)
        goto cleanup;
    double by = 0.0;
    for (int i = 0; i < m; i++) {
        yp[i] = y[i] > 0.0 ? y[i] : 0.0;
        by += cs->b[i / (k - 1)] * yp[i];
    }
    svm__cons_adjoint_add(cs, yp, 1.0, D, k);
    double d2;
    if ((ret = svm__spectral_norms(k, ncol, D, &d2, NULL)) != SWEEP_OK)
        goto cleanup;
    res->objective = nuc;
    res->lower_bound = d2 > 0.0 ? by / d2 : 0.0;
    res->gap = (nuc - res->lower_bound) / nuc;
    if (res->gap < 0.0 && res->gap > -1e-10)
        res->gap = 0.0; /* rounding of the two spectral norms at an exact optimum */
cleanup:
    free(ax);
    free(D);
    free(yp);
    return ret;
}

/* Balanced factors of X (k x ncol): W = S^{1/2} U^T (k x k), H = S^{1/2} V^T (k x ncol). */
int svm__balanced_factors(int k, int ncol, const double *X, double *W, double *H)
{
    int ret = SWEEP_OK;
    double *A = malloc((size_t)k * ncol * sizeof(double));
    double *S = malloc((size_t)k * sizeof(double));
    double *U = malloc((size_t)k * k * sizeof(double));
    if (A == NULL || S == NULL || U == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    memcpy(A, X, (size_t)k * ncol * sizeof(double));
    /* VT (k x ncol) goes to H directly */
    if (ufm_lapack_dgesdd('S', k, ncol, A, k, S, U, k, H, k) != 0) {
        ret = SWEEP_ERR_LAPACK;
        goto cleanup;
    }
    for (int r = 0; r < k; r++) {
        /* a singular value at the rounding level (the optimum has rank < k) would enter the
         * factors as sqrt(1e-16) = 1e-8 times an arbitrary direction: drop it */
        const double sq = S[r] > 1e-13 * S[0] ? sqrt(S[r]) : 0.0;
        for (int c = 0; c < k; c++)
            W[r + (size_t)c * k] = sq * U[c + (size_t)r * k];
        for (int j = 0; j < ncol; j++)
            H[r + (size_t)j * k] *= sq;
    }
cleanup:
    free(A);
    free(S);
    free(U);
    return ret;
}

/* Drop the singular values of X (k x ncol) below rel * sigma_max. The optimum has rank < k
 * (k - 1 for UF-SVM); the interior-point iterate keeps the missing directions at the size of its
 * gap, and in the balanced factors they would appear as spurious within-class spread of order
 * sqrt(gap). Truncating changes ||X||_* by at most k rel sigma_max, and the certificate is
 * computed afterwards, so it stays rigorous. */
int svm__truncate_rank(int k, int ncol, double *X, double rel)
{
    int ret = SWEEP_OK;
    double *A = malloc((size_t)k * ncol * sizeof(double));
    double *VT = malloc((size_t)k * ncol * sizeof(double));
    double *S = malloc((size_t)k * sizeof(double));
    double *U = malloc((size_t)k * k * sizeof(double));
    if (A == NULL || VT == NULL || S == NULL || U == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    memcpy(A, X, (size_t)k * ncol * sizeof(double));
    if (ufm_lapack_dgesdd('S', k, ncol, A, k, S, U, k, VT, k) != 0) {
        ret = SWEEP_ERR_LAPACK;
        goto cleanup;
    }
    int r = 0;
    while (r < k && S[r] > rel * S[0])
        r++;
    for (int q = 0; q < r; q++)
        for (int i = 0; i < k; i++)
            U[i + (size_t)q * k] *= S[q];
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, k, ncol, r, 1.0, U, k, VT, k, 0.0, X,
                k);
cleanup:
    free(A);
    free(VT);
    free(S);
    free(U);
    return ret;
}

void svm__result_init(svm_result *res)
{
    res->converged = 0;
    res->polished = 0;
    res->fast_path = 0;
    res->iters = 0;
    res->objective = res->lower_bound = res->gap = res->violation = res->spread = NAN;
}
