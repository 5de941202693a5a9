#include "svm.h"

#include "geom_impl.h"
#include "metrics.h"
#include "rng.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the constraint set --------------------------------------------------------------------
 * Constraint i belongs to column j = i / (k-1) and class c != y_j (the (i mod (k-1))-th class
 * other than y_j): A_i(X) = Delta_y X[y, j] - Delta_c X[c, j] >= b_j. */
typedef struct svm_cons {
    int k, ncol, m;
    int *label;    /* [ncol] */
    double *b;     /* [ncol], normalized to max 1 */
    double bscale; /* the original b = bscale * b */
    double *Delta; /* [k] */
} svm_cons;

static void cons_decode(const svm_cons *cs, int i, int *j, int *y, int *c)
{
    const int km1 = cs->k - 1;
    *j = i / km1;
    *y = cs->label[*j];
    const int t = i % km1;
    *c = t < *y ? t : t + 1;
}

static void cons_destroy(svm_cons *cs)
{
    free(cs->label);
    free(cs->b);
    free(cs->Delta);
    memset(cs, 0, sizeof(*cs));
}

/* Build the constraints of prob at class level (example = 0) or example level. */
static int cons_create(const geom_problem *prob, int example, svm_cons *cs, sweep_errbuf *eb)
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
        cons_destroy(cs);
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
static void cons_apply(const svm_cons *cs, const double *X, int ldx, double *out)
{
    for (int i = 0; i < cs->m; i++) {
        int j, y, c;
        cons_decode(cs, i, &j, &y, &c);
        out[i] = cs->Delta[y] * X[y + (size_t)j * ldx] - cs->Delta[c] * X[c + (size_t)j * ldx];
    }
}

/* D (k x ncol, leading dimension ldd) += scale * sum_i v_i A_i */
static void cons_adjoint_add(const svm_cons *cs, const double *v, double scale, double *D,
                             int ldd)
{
    for (int i = 0; i < cs->m; i++) {
        int j, y, c;
        cons_decode(cs, i, &j, &y, &c);
        D[y + (size_t)j * ldd] += scale * cs->Delta[y] * v[i];
        D[c + (size_t)j * ldd] -= scale * cs->Delta[c] * v[i];
    }
}

/* ---- small dense helpers ------------------------------------------------------------------ */

/* Largest singular value (spectral norm) and, when nuc != NULL, the sum of singular values of
 * the k x n matrix A (copied). */
static int spectral_norms(int k, int n, const double *A, double *norm2, double *nuc)
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
    if (LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', k, n, tmp, k, S, NULL, 1, NULL, 1) != 0) {
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
static void symmetrize(int N, double *A)
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
static double psd_max_step(int N, const double *L, const double *dP, double *work, double *ev)
{
    memcpy(work, dP, (size_t)N * N * sizeof(double));
    cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, N, N, 1.0, L, N,
                work, N);
    cblas_dtrsm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, N, N, 1.0, L, N,
                work, N);
    symmetrize(N, work);
    if (LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'L', N, work, N, ev) != 0)
        return -1.0;
    return ev[0] >= 0.0 ? INFINITY : -1.0 / ev[0];
}

static double lin_max_step(int m, const double *v, const double *dv)
{
    double a = INFINITY;
    for (int i = 0; i < m; i++)
        if (dv[i] < 0.0 && -v[i] / dv[i] < a)
            a = -v[i] / dv[i];
    return a;
}

static double dot(size_t n, const double *a, const double *b)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* ---- the interior-point method ------------------------------------------------------------
 * Primal: min <C, Y> (C = I/2) s.t. A(Y) - s = b, Y >= 0 (N x N, N = k + ncol), s >= 0, where
 * A reads the off-diagonal block X = Y[0:k, k:N]. Dual: max b^T y s.t. A*(y) + Z = C, Z >= 0,
 * y >= 0. HKM direction with Mehrotra's predictor-corrector. */
typedef struct ipm {
    const svm_cons *cs;
    int N, m, k;
    double *Y, *Z, *Zi, *LY, *LZ, *y, *s;
    double *dY, *dZ, *dy, *ds, *dYa, *dZa, *dya, *dsa;
    double *Rd, *rp, *Rc, *T1, *T2, *ev, *tmpm;
    double *M, *alpha, *beta, *AZ, *AY;
} ipm;

static void ipm_destroy(ipm *w)
{
    double **arrs[] = {&w->Y,   &w->Z,   &w->Zi,  &w->LY,  &w->LZ,  &w->y,    &w->s,
                       &w->dY,  &w->dZ,  &w->dy,  &w->ds,  &w->dYa, &w->dZa,  &w->dya,
                       &w->dsa, &w->Rd,  &w->rp,  &w->Rc,  &w->T1,  &w->T2,   &w->ev,
                       &w->tmpm, &w->M,  &w->alpha, &w->beta, &w->AZ, &w->AY};
    for (size_t a = 0; a < sizeof(arrs) / sizeof(arrs[0]); a++) {
        free(*arrs[a]);
        *arrs[a] = NULL;
    }
}

static int ipm_create(const svm_cons *cs, ipm *w)
{
    memset(w, 0, sizeof(*w));
    w->cs = cs;
    w->k = cs->k;
    w->N = cs->k + cs->ncol;
    w->m = cs->m;
    const size_t NN = (size_t)w->N * w->N, m = (size_t)w->m;
    struct {
        double **p;
        size_t n;
    } arrs[] = {{&w->Y, NN},   {&w->Z, NN},    {&w->Zi, NN},  {&w->LY, NN},  {&w->LZ, NN},
                {&w->y, m},    {&w->s, m},     {&w->dY, NN},  {&w->dZ, NN},  {&w->dy, m},
                {&w->ds, m},   {&w->dYa, NN},  {&w->dZa, NN}, {&w->dya, m},  {&w->dsa, m},
                {&w->Rd, NN},  {&w->rp, m},    {&w->Rc, NN},  {&w->T1, NN},  {&w->T2, NN},
                {&w->ev, (size_t)w->N}, {&w->tmpm, m}, {&w->M, m * m},
                {&w->alpha, m * cs->ncol}, {&w->beta, m * cs->ncol}, {&w->AZ, m * cs->k},
                {&w->AY, m * cs->k}};
    for (size_t a = 0; a < sizeof(arrs) / sizeof(arrs[0]); a++)
        if ((*arrs[a].p = malloc(arrs[a].n * sizeof(double))) == NULL) {
            ipm_destroy(w);
            return SWEEP_ERR_NOMEM;
        }
    return SWEEP_OK;
}

/* A(P) for an N x N matrix P: reads its block P[0:k, k:N] */
static void ipm_A(const ipm *w, const double *P, double *out)
{
    cons_apply(w->cs, P + (size_t)w->k * w->N, w->N, out);
}

/* P = A*(v) (N x N symmetric) */
static void ipm_At(const ipm *w, const double *v, double *P)
{
    const int N = w->N, k = w->k;
    memset(P, 0, (size_t)N * N * sizeof(double));
    cons_adjoint_add(w->cs, v, 0.5, P + (size_t)k * N, N);
    for (int j = k; j < N; j++)
        for (int r = 0; r < k; r++)
            P[j + (size_t)r * N] = P[r + (size_t)j * N];
}

/* Schur complement M_ii' = tr(A_i Y A_i' Z^-1) + delta_ii' s_i / y_i (lower triangle), then its
 * Cholesky factor. Returns 0 or a LAPACK info. */
static int ipm_schur(ipm *w)
{
    const svm_cons *cs = w->cs;
    const int N = w->N, k = w->k, m = w->m, ncol = cs->ncol;
    const double *Y = w->Y, *Zi = w->Zi;
    for (int i = 0; i < m; i++) {
        int j, y, c;
        cons_decode(cs, i, &j, &y, &c);
        const double dy = cs->Delta[y], dc = cs->Delta[c];
        for (int jj = 0; jj < ncol; jj++) {
            const size_t col = (size_t)(k + jj) * N;
            w->alpha[i + (size_t)jj * m] = dy * Zi[y + col] - dc * Zi[c + col];
            w->beta[i + (size_t)jj * m] = dy * Y[y + col] - dc * Y[c + col];
        }
        for (int r = 0; r < k; r++) {
            w->AZ[i + (size_t)r * m] = dy * Zi[y + (size_t)r * N] - dc * Zi[c + (size_t)r * N];
            w->AY[i + (size_t)r * m] = dy * Y[y + (size_t)r * N] - dc * Y[c + (size_t)r * N];
        }
    }
    for (int ip = 0; ip < m; ip++) {
        int jp, yp, cp;
        cons_decode(cs, ip, &jp, &yp, &cp);
        const double dyp = cs->Delta[yp], dcp = cs->Delta[cp];
        const double *alpha_jp = w->alpha + (size_t)jp * m, *beta_jp = w->beta + (size_t)jp * m;
        const double *AZy = w->AZ + (size_t)yp * m, *AZc = w->AZ + (size_t)cp * m;
        const double *AYy = w->AY + (size_t)yp * m, *AYc = w->AY + (size_t)cp * m;
        double *Mcol = w->M + (size_t)ip * m;
        for (int i = ip; i < m; i++) {
            const int j = i / (k - 1);
            const double t1 = alpha_jp[i] * w->beta[ip + (size_t)j * m];
            const double t4 = beta_jp[i] * w->alpha[ip + (size_t)j * m];
            const double t2 = Y[(k + j) + (size_t)(k + jp) * N] * (dyp * AZy[i] - dcp * AZc[i]);
            const double t3 = Zi[(k + j) + (size_t)(k + jp) * N] * (dyp * AYy[i] - dcp * AYc[i]);
            Mcol[i] = 0.25 * (t1 + t2 + t3 + t4);
        }
        Mcol[ip] += w->s[ip] / w->y[ip];
    }
    return LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', m, w->M, m);
}

/* T2 = sym((Y A + [corr] dYa dZa) Z^-1), through T1 */
static void ipm_sym_product(ipm *w, const double *A, int corr)
{
    const int N = w->N;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, w->Y, N, A, N, 0.0,
                w->T1, N);
    if (corr)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, w->dYa, N, w->dZa, N,
                    1.0, w->T1, N);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, w->T1, N, w->Zi, N, 0.0,
                w->T2, N);
    symmetrize(N, w->T2);
}

/* One search direction for target sigma*mu; with corr != 0 Mehrotra's second-order terms
 * dYa dZa and dsa dya are included. Writes dY, dZ, dy, ds. */
static int ipm_direction(ipm *w, double sigmu, int corr)
{
    const int N = w->N, m = w->m;
    const size_t NN = (size_t)N * N;
    ipm_sym_product(w, w->Rd, corr);
    for (size_t a = 0; a < NN; a++)
        w->Rc[a] = sigmu * w->Zi[a] - w->Y[a] - w->T2[a];
    ipm_A(w, w->Rc, w->tmpm);
    for (int i = 0; i < m; i++) {
        double lp = sigmu - w->s[i] * w->y[i] - (corr ? w->dsa[i] * w->dya[i] : 0.0);
        w->dy[i] = w->rp[i] - w->tmpm[i] + lp / w->y[i];
    }
    if (LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', m, 1, w->M, m, w->dy, m) != 0)
        return SWEEP_ERR_LAPACK;
    ipm_At(w, w->dy, w->dZ);
    for (size_t a = 0; a < NN; a++)
        w->dZ[a] = w->Rd[a] - w->dZ[a];
    /* dY = sigmu Zi - Y - sym((Y dZ + corr) Zi) */
    ipm_sym_product(w, w->dZ, corr);
    for (size_t a = 0; a < NN; a++)
        w->dY[a] = sigmu * w->Zi[a] - w->Y[a] - w->T2[a];
    for (int i = 0; i < m; i++) {
        double lp = sigmu - w->s[i] * w->y[i] - (corr ? w->dsa[i] * w->dya[i] : 0.0);
        w->ds[i] = (lp - w->s[i] * w->dy[i]) / w->y[i];
    }
    return SWEEP_OK;
}

/* Maximal primal and dual steps (before the fraction-to-boundary factor). */
static int ipm_steps(ipm *w, double *ap, double *ad)
{
    double a1 = psd_max_step(w->N, w->LY, w->dY, w->T1, w->ev);
    double a2 = psd_max_step(w->N, w->LZ, w->dZ, w->T1, w->ev);
    if (a1 < 0.0 || a2 < 0.0)
        return SWEEP_ERR_LAPACK;
    double b1 = lin_max_step(w->m, w->s, w->ds), b2 = lin_max_step(w->m, w->y, w->dy);
    *ap = a1 < b1 ? a1 : b1;
    *ad = a2 < b2 ? a2 : b2;
    return SWEEP_OK;
}

/* Run the IPM to relative gap and infeasibilities below tol_ipm or max_iter iterations.
 * Leaves the last iterate in w (Y, y). */
static int ipm_run(ipm *w, double tol_ipm, int max_iter, int init, int64_t *iters)
{
    const int N = w->N, m = w->m;
    const size_t NN = (size_t)N * N;
    const double xi = N > 10 ? (double)N : 10.0, eta = sqrt((double)N) > 10 ? sqrt((double)N) : 10;
    if (init) {
        memset(w->Y, 0, NN * sizeof(double));
        memset(w->Z, 0, NN * sizeof(double));
        for (int a = 0; a < N; a++) {
            w->Y[a + (size_t)a * N] = xi;
            w->Z[a + (size_t)a * N] = eta;
        }
        for (int i = 0; i < m; i++) {
            w->s[i] = xi;
            w->y[i] = eta;
        }
    }
    double *bi = malloc((size_t)m * sizeof(double));
    if (bi == NULL)
        return SWEEP_ERR_NOMEM;
    for (int i = 0; i < m; i++)
        bi[i] = w->cs->b[i / (w->k - 1)];
    const double bnorm = sqrt(dot((size_t)m, bi, bi));
    int ret = SWEEP_OK;
    int64_t it = *iters;
    for (; it < max_iter; it++) {
        /* residuals */
        ipm_A(w, w->Y, w->rp);
        for (int i = 0; i < m; i++)
            w->rp[i] = bi[i] + w->s[i] - w->rp[i];
        ipm_At(w, w->y, w->Rd);
        for (size_t a = 0; a < NN; a++)
            w->Rd[a] = -w->Rd[a] - w->Z[a];
        for (int a = 0; a < N; a++)
            w->Rd[a + (size_t)a * N] += 0.5;
        double trY = 0.0;
        for (int a = 0; a < N; a++)
            trY += w->Y[a + (size_t)a * N];
        const double pobj = 0.5 * trY, dobj = dot((size_t)m, bi, w->y);
        const double mu = (dot(NN, w->Y, w->Z) + dot((size_t)m, w->s, w->y)) / (N + m);
        const double gap = fabs(pobj - dobj) / (1.0 + fabs(pobj) + fabs(dobj));
        const double pinf = sqrt(dot((size_t)m, w->rp, w->rp)) / (1.0 + bnorm);
        const double dinf = sqrt(dot(NN, w->Rd, w->Rd)) / (1.0 + 0.5 * sqrt((double)N));
        if (gap <= tol_ipm && pinf <= tol_ipm && dinf <= tol_ipm)
            break;
        /* factorizations */
        memcpy(w->LY, w->Y, NN * sizeof(double));
        memcpy(w->LZ, w->Z, NN * sizeof(double));
        if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', N, w->LY, N) != 0 ||
            LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', N, w->LZ, N) != 0)
            break; /* lost definiteness at the end: keep the last iterate */
        memcpy(w->Zi, w->LZ, NN * sizeof(double));
        if (LAPACKE_dpotri(LAPACK_COL_MAJOR, 'L', N, w->Zi, N) != 0)
            break;
        for (int j = 0; j < N; j++)
            for (int i = 0; i < j; i++)
                w->Zi[i + (size_t)j * N] = w->Zi[j + (size_t)i * N];
        if (ipm_schur(w) != 0)
            break;
        /* predictor */
        if ((ret = ipm_direction(w, 0.0, 0)) != SWEEP_OK)
            goto cleanup;
        double ap, ad;
        if ((ret = ipm_steps(w, &ap, &ad)) != SWEEP_OK)
            goto cleanup;
        ap = ap < 1.0 ? ap : 1.0;
        ad = ad < 1.0 ? ad : 1.0;
        double mua = 0.0;
        for (size_t a = 0; a < NN; a++)
            mua += (w->Y[a] + ap * w->dY[a]) * (w->Z[a] + ad * w->dZ[a]);
        for (int i = 0; i < m; i++)
            mua += (w->s[i] + ap * w->ds[i]) * (w->y[i] + ad * w->dy[i]);
        mua /= (N + m);
        double sigma = mua / mu;
        sigma = sigma > 1.0 ? 1.0 : sigma * sigma * sigma;
        memcpy(w->dYa, w->dY, NN * sizeof(double));
        memcpy(w->dZa, w->dZ, NN * sizeof(double));
        memcpy(w->dya, w->dy, (size_t)m * sizeof(double));
        memcpy(w->dsa, w->ds, (size_t)m * sizeof(double));
        /* corrector */
        if ((ret = ipm_direction(w, sigma * mu, 1)) != SWEEP_OK ||
            (ret = ipm_steps(w, &ap, &ad)) != SWEEP_OK)
            goto cleanup;
        const double tau = 0.98;
        ap = tau * ap < 1.0 ? tau * ap : 1.0;
        ad = tau * ad < 1.0 ? tau * ad : 1.0;
        for (size_t a = 0; a < NN; a++) {
            w->Y[a] += ap * w->dY[a];
            w->Z[a] += ad * w->dZ[a];
        }
        for (int i = 0; i < m; i++) {
            w->s[i] += ap * w->ds[i];
            w->y[i] += ad * w->dy[i];
        }
    }
cleanup:
    *iters = it;
    free(bi);
    return ret;
}

/* ---- certificate and factors -------------------------------------------------------------- */

/* From X (k x ncol, normalized b) and multipliers y: scale X to feasibility, fill res (in the
 * normalized units) and return SWEEP_OK. */
static int certify(const svm_cons *cs, double *X, const double *y, svm_result *res)
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
    cons_apply(cs, X, k, ax);
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
    if ((ret = spectral_norms(k, ncol, X, &n2, &nuc)) != SWEEP_OK)
        goto cleanup;
    double by = 0.0;
    for (int i = 0; i < m; i++) {
        yp[i] = y[i] > 0.0 ? y[i] : 0.0;
        by += cs->b[i / (k - 1)] * yp[i];
    }
    cons_adjoint_add(cs, yp, 1.0, D, k);
    double d2;
    if ((ret = spectral_norms(k, ncol, D, &d2, NULL)) != SWEEP_OK)
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
static int balanced_factors(int k, int ncol, const double *X, double *W, double *H)
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
    if (LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', k, ncol, A, k, S, U, k, H, k) != 0) {
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
static int truncate_rank(int k, int ncol, double *X, double rel)
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
    if (LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', k, ncol, A, k, S, U, k, VT, k) != 0) {
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

/* ---- Newton polish ---------------------------------------------------------------------------
 * The interior-point iterate is accurate to about sqrt(gap) in some directions (1e-8 at a gap of
 * 1e-12). Its structure is exact, though: the set of active constraints. With it fixed, the
 * optimum is a regular solution of the smooth KKT conditions of the balanced factorization,
 * W + H G^T = 0, H + W G = 0, A_act(W^T H) = b with G = -sum_i lambda_i a_i (k x ncol). The
 * second gives H = -W G; with M = W^T W (k x k, symmetric; the rotations W -> QW drop out) the
 * system becomes
 *     M (I - G G^T) = 0,     A_i(-M G) = b_i  (i active),     X = W^T H = -M G,
 * k^2 + m_act equations in k(k+1)/2 + m_act unknowns, which Gauss-Newton (damped normal
 * equations) solves to machine precision in one or two steps from the IPM point. The result is
 * accepted only if it converged, lambda >= 0 and every inactive constraint holds; the certificate
 * is then recomputed from it. */
#define POLISH_MAX_UNKNOWNS 1500 /* dense J^T J: about 0.1 s at this size */

typedef struct polish {
    const svm_cons *cs;
    int k, ncol, ma, nsym;
    const int *act;
    double *G, *MG, *GGt;
} polish;

/* residual E = [vec(M (I - G G^T)); A_act(-M G) - b] at (M, lam); G, MG, GGt updated */
static double polish_residual(polish *pl, const double *M, const double *lam, double *E)
{
    const svm_cons *cs = pl->cs;
    const int k = pl->k, ncol = pl->ncol, ma = pl->ma;
    memset(pl->G, 0, (size_t)k * ncol * sizeof(double));
    for (int q = 0; q < ma; q++) {
        int j, y, c;
        cons_decode(cs, pl->act[q], &j, &y, &c);
        pl->G[y + (size_t)j * k] -= cs->Delta[y] * lam[q];
        pl->G[c + (size_t)j * k] += cs->Delta[c] * lam[q];
    }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, k, ncol, k, 1.0, M, k, pl->G, k, 0.0,
                pl->MG, k);
    cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, k, ncol, 1.0, pl->G, k, 0.0, pl->GGt, k);
    for (int j = 0; j < k; j++)
        for (int i = 0; i < j; i++)
            pl->GGt[i + (size_t)j * k] = pl->GGt[j + (size_t)i * k];
    memcpy(E, M, (size_t)k * k * sizeof(double));
    cblas_dsymm(CblasColMajor, CblasRight, CblasLower, k, k, -1.0, pl->GGt, k, M, k, 1.0, E, k);
    double *E2 = E + (size_t)k * k;
    for (int q = 0; q < ma; q++) {
        int j, y, c;
        cons_decode(cs, pl->act[q], &j, &y, &c);
        E2[q] = -(cs->Delta[y] * pl->MG[y + (size_t)j * k] - cs->Delta[c] * pl->MG[c + (size_t)j * k]) -
                cs->b[j];
    }
    const size_t ne = (size_t)k * k + (size_t)ma;
    return sqrt(dot(ne, E, E));
}

/* Polish (X, y) in place; returns 1 when the polished point was accepted. */
static int polish_newton(const svm_cons *cs, double *X, double *y)
{
    const int k = cs->k, ncol = cs->ncol, m = cs->m;
    int accepted = 0, ma = 0;
    polish pl;
    double *A = NULL, *S = NULL, *U = NULL, *VT = NULL, *M = NULL, *lam = NULL, *E = NULL;
    double *J = NULL, *JtJ = NULL, *rhs = NULL, *ax = NULL, *B = NULL;
    int *act = NULL;

    memset(&pl, 0, sizeof pl);
    A = malloc((size_t)k * ncol * sizeof(double));
    S = malloc((size_t)k * sizeof(double));
    U = malloc((size_t)k * k * sizeof(double));
    VT = malloc((size_t)k * ncol * sizeof(double));
    ax = malloc((size_t)m * sizeof(double));
    act = malloc((size_t)m * sizeof(int));
    if (!A || !S || !U || !VT || !ax || !act)
        goto cleanup;
    cons_apply(cs, X, k, ax);
    for (int i = 0; i < m; i++) {
        const double bi = cs->b[i / (k - 1)];
        if ((ax[i] - bi) / bi < 1e-6)
            act[ma++] = i;
    }
    const int nsym = k * (k + 1) / 2;
    const size_t nz = (size_t)nsym + (size_t)ma, ne = (size_t)k * k + (size_t)ma;
    if (ma == 0 || nz > POLISH_MAX_UNKNOWNS)
        goto cleanup;
    M = malloc((size_t)k * k * sizeof(double));
    B = malloc((size_t)k * k * sizeof(double));
    lam = malloc((size_t)ma * sizeof(double));
    E = malloc(ne * sizeof(double));
    J = malloc(ne * nz * sizeof(double));
    JtJ = malloc(nz * nz * sizeof(double));
    rhs = malloc(nz * sizeof(double));
    pl.G = malloc((size_t)k * ncol * sizeof(double));
    pl.MG = malloc((size_t)k * ncol * sizeof(double));
    pl.GGt = malloc((size_t)k * k * sizeof(double));
    if (!M || !B || !lam || !E || !J || !JtJ || !rhs || !pl.G || !pl.MG || !pl.GGt)
        goto cleanup;
    pl.cs = cs;
    pl.k = k;
    pl.ncol = ncol;
    pl.ma = ma;
    pl.nsym = nsym;
    pl.act = act;
    /* M = (X X^T)^{1/2} = U S U^T, lambda from the IPM multipliers */
    memcpy(A, X, (size_t)k * ncol * sizeof(double));
    if (LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', k, ncol, A, k, S, U, k, VT, k) != 0)
        goto cleanup;
    for (int j = 0; j < k; j++)
        for (int i = 0; i < k; i++) {
            double v = 0.0;
            for (int r = 0; r < k; r++)
                v += U[i + (size_t)r * k] * S[r] * U[j + (size_t)r * k];
            M[i + (size_t)j * k] = v;
        }
    for (int q = 0; q < ma; q++)
        lam[q] = y[act[q]] > 0.0 ? y[act[q]] : 0.0;

    double res = polish_residual(&pl, M, lam, E), scale = 1.0 + S[0];
    for (int it = 0; it < 20 && res > 1e-14 * scale; it++) {
        memset(J, 0, ne * nz * sizeof(double));
        /* columns of M: basis B = E_pq + E_qp (p < q) or E_pp; dE1 = B (I - G G^T),
         * dE2_i = A_i(-B G) */
        int col = 0;
        for (int q = 0; q < k; q++)
            for (int p = 0; p <= q; p++, col++) {
                double *Jc = J + (size_t)col * ne;
                const int pr[2] = {p, q};
                for (int t = 0; t < (p == q ? 1 : 2); t++) {
                    const int row = pr[t], other = pr[1 - t];
                    /* B has row `row` equal to e_other^T: (B (I - GG^T))[row, :] += e_other^T
                     * - GGt[other, :] */
                    for (int jj = 0; jj < k; jj++)
                        Jc[row + (size_t)jj * k] += (jj == other) - pl.GGt[other + (size_t)jj * k];
                }
                double *E2 = Jc + (size_t)k * k;
                for (int a = 0; a < ma; a++) {
                    int j, yy, cc;
                    cons_decode(cs, act[a], &j, &yy, &cc);
                    /* (B G)[r, j] = sum over B's rows */
                    double byj = 0.0, bcj = 0.0;
                    for (int t = 0; t < (p == q ? 1 : 2); t++) {
                        const int row = pr[t], other = pr[1 - t];
                        if (row == yy)
                            byj += pl.G[other + (size_t)j * k];
                        if (row == cc)
                            bcj += pl.G[other + (size_t)j * k];
                    }
                    E2[a] = -(cs->Delta[yy] * byj - cs->Delta[cc] * bcj);
                }
            }
        /* columns of lambda_a: dG = -a_a (entries -Delta_y at (y, j), +Delta_c at (c, j));
         * dE1 = -M (dG G^T + G dG^T), dE2_i = A_i(-M dG) */
        for (int a = 0; a < ma; a++, col++) {
            double *Jc = J + (size_t)col * ne;
            int j, yy, cc;
            cons_decode(cs, act[a], &j, &yy, &cc);
            /* v = dG[:, j] (two entries), g = G[:, j]: dG G^T + G dG^T = v g^T + g v^T */
            const double vy = -cs->Delta[yy], vc = cs->Delta[cc];
            const double *g = pl.G + (size_t)j * k;
            /* Mv = M v, Mg = M g */
            for (int i = 0; i < k; i++) {
                const double Mv = M[i + (size_t)yy * k] * vy + M[i + (size_t)cc * k] * vc;
                double Mg = 0.0;
                for (int t = 0; t < k; t++)
                    Mg += M[i + (size_t)t * k] * g[t];
                for (int jj = 0; jj < k; jj++) {
                    const double vjj = (jj == yy ? vy : 0.0) + (jj == cc ? vc : 0.0);
                    Jc[i + (size_t)jj * k] = -(Mv * g[jj] + Mg * vjj);
                }
            }
            double *E2 = Jc + (size_t)k * k;
            for (int b2 = 0; b2 < ma; b2++) {
                int j2, y2, c2;
                cons_decode(cs, act[b2], &j2, &y2, &c2);
                if (j2 != j)
                    continue;
                const double mdy = M[y2 + (size_t)yy * k] * vy + M[y2 + (size_t)cc * k] * vc;
                const double mdc = M[c2 + (size_t)yy * k] * vy + M[c2 + (size_t)cc * k] * vc;
                E2[b2] = -(cs->Delta[y2] * mdy - cs->Delta[c2] * mdc);
            }
        }
        cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, (int)nz, (int)ne, 1.0, J, (int)ne, 0.0,
                    JtJ, (int)nz);
        cblas_dgemv(CblasColMajor, CblasTrans, (int)ne, (int)nz, -1.0, J, (int)ne, E, 1, 0.0, rhs,
                    1);
        double dmax = 0.0;
        for (size_t t = 0; t < nz; t++)
            dmax = JtJ[t + t * nz] > dmax ? JtJ[t + t * nz] : dmax;
        for (size_t t = 0; t < nz; t++)
            JtJ[t + t * nz] += 1e-13 * dmax;
        if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)nz, JtJ, (lapack_int)nz) != 0 ||
            LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', (lapack_int)nz, 1, JtJ, (lapack_int)nz, rhs,
                                (lapack_int)nz) != 0)
            goto cleanup;
        col = 0;
        for (int q = 0; q < k; q++)
            for (int p = 0; p <= q; p++, col++) {
                M[p + (size_t)q * k] += rhs[col];
                if (p != q)
                    M[q + (size_t)p * k] += rhs[col];
            }
        for (int a = 0; a < ma; a++)
            lam[a] += rhs[nsym + a];
        res = polish_residual(&pl, M, lam, E);
    }
    if (!(res <= 1e-12 * scale))
        goto cleanup;
    double lmax = 0.0;
    for (int q = 0; q < ma; q++)
        lmax = lam[q] > lmax ? lam[q] : lmax;
    for (int q = 0; q < ma; q++)
        if (lam[q] < -1e-9 * lmax)
            goto cleanup; /* a wrong active set: keep the interior-point point */
    /* X = -M G; it must satisfy the inactive constraints too */
    for (size_t t = 0; t < (size_t)k * ncol; t++)
        A[t] = -pl.MG[t];
    cons_apply(cs, A, k, ax);
    for (int i = 0; i < m; i++)
        if (ax[i] < cs->b[i / (k - 1)] * (1.0 - 1e-9))
            goto cleanup;
    memcpy(X, A, (size_t)k * ncol * sizeof(double));
    memset(y, 0, (size_t)m * sizeof(double));
    for (int q = 0; q < ma; q++)
        y[act[q]] = lam[q] > 0.0 ? lam[q] : 0.0;
    accepted = 1;
cleanup:
    free(A);
    free(S);
    free(U);
    free(VT);
    free(M);
    free(B);
    free(lam);
    free(E);
    free(J);
    free(JtJ);
    free(rhs);
    free(ax);
    free(act);
    free(pl.G);
    free(pl.MG);
    free(pl.GGt);
    return accepted;
}

static void result_init(svm_result *res)
{
    res->converged = 0;
    res->polished = 0;
    res->fast_path = 0;
    res->iters = 0;
    res->objective = res->lower_bound = res->gap = res->violation = res->spread = NAN;
}

/* ---- fast path: every margin active ----------------------------------------------------------
 * In every case we know of, all k-1 margins of every column are active at the optimum. Then each
 * column is fixed by one number: Delta_y X[y,j] - Delta_c X[c,j] = b_j for all c gives
 *     X(u) = D (1 u^T + E),   D = diag(1/Delta),  E[y_j, j] = b_j,  u in R^ncol,
 * and the problem is min_u ||X(u)||_*, with ncol unknowns instead of ncol (k-1). It is solved by
 * Newton's method on the smoothed g_eps(u) = tr (X X^T + eps^2 I)^{1/2}, eps decreasing by 10 per
 * stage (path following). With A = X X^T + eps^2 I = V diag(l) V^T, Gamma = A^{-1/2} X,
 * w = D 1, a = V^T w and B = V^T X:
 *     grad = Gamma^T w,   Hess = B^T [K o (a a^T) + diag(kappa)] B + (w^T A^{-1/2} w) I,
 * K_pq = -1 / (sqrt(l_p) sqrt(l_q) (sqrt(l_p) + sqrt(l_q))) (divided differences of t^{-1/2}),
 * kappa_p = sum_q K_pq a_q^2: O(k^2 ncol + ncol^3) per step. The multipliers are read off
 * Gamma (lambda_(j,c) = -Gamma[c,j] / Delta_c), and the certificate is computed exactly as for
 * the IPM: if some multiplier is negative (a margin that should be slack) or the gap misses tol,
 * the caller falls back to the interior-point method. */
typedef struct fastpath {
    const svm_cons *cs;
    int k, ncol;
    double *X, *A, *l, *V, *Gam, *B, *a, *Kq, *Hs, *T, *grad, *du, *u2;
} fastpath;

static void fastpath_X(const fastpath *fp, const double *u, double *X)
{
    const int k = fp->k;
    for (int j = 0; j < fp->ncol; j++)
        for (int c = 0; c < k; c++)
            X[c + (size_t)j * k] = (u[j] + (c == fp->cs->label[j] ? fp->cs->b[j] : 0.0)) /
                                   fp->cs->Delta[c];
}

/* g_eps(u); with want_derivs == 1, also grad and Hessian (Hs, ncol x ncol, lower). The SVD
 * X = V diag(sigma) Q^T gives l = sigma^2 + eps^2 without the cancellation of forming X X^T, and
 * B = V^T X = diag(sigma) Q^T. */
static int fastpath_eval(fastpath *fp, const double *u, double eps, int want_derivs, double *g)
{
    const int k = fp->k, ncol = fp->ncol;
    fastpath_X(fp, u, fp->X);
    memcpy(fp->B, fp->X, (size_t)k * ncol * sizeof(double));
    /* sigma -> l, V (k x k), Q^T -> T (k x ncol) */
    if (LAPACKE_dgesdd(LAPACK_COL_MAJOR, want_derivs ? 'S' : 'N', k, ncol, fp->B, k, fp->l,
                       fp->V, k, fp->T, k) != 0)
        return SWEEP_ERR_LAPACK;
    double sum = 0.0;
    for (int i = 0; i < k; i++) {
        const double sg = fp->l[i];
        fp->l[i] = sg * sg + eps * eps;
        sum += sqrt(fp->l[i]);
        if (want_derivs)
            for (int j = 0; j < ncol; j++)
                fp->B[i + (size_t)j * k] = sg * fp->T[i + (size_t)j * k];
    }
    if (!(sum > 0.0) || !isfinite(sum))
        return SWEEP_ERR_NUMERIC;
    *g = sum;
    if (want_derivs != 1) /* 0: value only; 2: value and the SVD factors V, Q^T (in T) */
        return SWEEP_OK;
    /* a = V^T w, B = V^T X, Gamma = V diag(l^-1/2) B */
    for (int p = 0; p < k; p++) {
        double v = 0.0;
        for (int c = 0; c < k; c++)
            v += fp->V[c + (size_t)p * k] / fp->cs->Delta[c];
        fp->a[p] = v;
    }
    /* grad_j = w^T Gamma e_j = sum_p a_p l_p^-1/2 B[p, j] */
    for (int j = 0; j < ncol; j++) {
        double v = 0.0;
        for (int p = 0; p < k; p++)
            v += fp->a[p] / sqrt(fp->l[p]) * fp->B[p + (size_t)j * k];
        fp->grad[j] = v;
    }
    /* bracket = K o (a a^T) + diag(kappa) (k x k), then Hs = B^T bracket B + c I */
    double cw = 0.0;
    for (int p = 0; p < k; p++)
        cw += fp->a[p] * fp->a[p] / sqrt(fp->l[p]);
    for (int q = 0; q < k; q++) {
        const double sq = sqrt(fp->l[q]);
        for (int p = 0; p < k; p++) {
            const double sp = sqrt(fp->l[p]);
            fp->Kq[p + (size_t)q * k] = -1.0 / (sp * sq * (sp + sq));
        }
    }
    for (int p = 0; p < k; p++) {
        double kap = 0.0;
        for (int q = 0; q < k; q++)
            kap += fp->Kq[p + (size_t)q * k] * fp->a[q] * fp->a[q];
        for (int q = 0; q < k; q++)
            fp->Kq[p + (size_t)q * k] *= fp->a[p] * fp->a[q];
        fp->Kq[p + (size_t)p * k] += kap;
    }
    /* T = bracket B (k x ncol), Hs = B^T T */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, k, ncol, k, 1.0, fp->Kq, k, fp->B, k,
                0.0, fp->T, k);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, ncol, ncol, k, 1.0, fp->B, k, fp->T, k,
                0.0, fp->Hs, ncol);
    for (int j = 0; j < ncol; j++)
        fp->Hs[j + (size_t)j * ncol] += cw;
    return SWEEP_OK;
}

/* Certified lower bound b^T y / ||D(y)||_2 with the multipliers read off the subgradient
 * Gamma(s) = sum_{p != p0} V_p Q_p^T + s V_p0 Q_p0^T (fp evaluated at eps = 0); y and D are
 * scratch (m and k x ncol). */
static double fastpath_lb(const svm_cons *cs, const fastpath *fp, int p0, double sv, double *y,
                          double *D)
{
    const int k = cs->k, ncol = cs->ncol, m = cs->m;
    double by = 0.0, d2 = 0.0;
    for (int i = 0; i < m; i++) {
        int j, yy, c;
        cons_decode(cs, i, &j, &yy, &c);
        double gam = 0.0;
        for (int p = 0; p < k; p++)
            gam += fp->V[c + (size_t)p * k] * fp->T[p + (size_t)j * k] * (p == p0 ? sv : 1.0);
        y[i] = -gam / cs->Delta[c] > 0.0 ? -gam / cs->Delta[c] : 0.0;
        by += cs->b[j] * y[i];
    }
    memset(D, 0, (size_t)k * ncol * sizeof(double));
    cons_adjoint_add(cs, y, 1.0, D, k);
    if (spectral_norms(k, ncol, D, &d2, NULL) != SWEEP_OK || !(d2 > 0.0))
        return -INFINITY;
    return by / d2;
}

/* Try the all-active solve; on success X (k x ncol) and y (m) hold the point and its
 * multipliers and 1 is returned (the caller certifies); 0 means "use the IPM". */
static int fastpath_solve(const svm_cons *cs, double tol, int64_t max_steps, double *X,
                          double *y, int64_t *steps)
{
    const int k = cs->k, ncol = cs->ncol, m = cs->m;
    fastpath fp;
    int ok = 0;
    double *u = NULL, *ub = NULL, *Xt = NULL, *yt = NULL, best_gap = INFINITY;
    memset(&fp, 0, sizeof fp);
    fp.cs = cs;
    fp.k = k;
    fp.ncol = ncol;
    u = malloc((size_t)ncol * sizeof(double));
    fp.X = malloc((size_t)k * ncol * sizeof(double));
    fp.A = malloc((size_t)k * k * sizeof(double));
    fp.l = malloc((size_t)k * sizeof(double));
    fp.V = malloc((size_t)k * k * sizeof(double));
    fp.B = malloc((size_t)k * ncol * sizeof(double));
    fp.a = malloc((size_t)k * sizeof(double));
    fp.Kq = malloc((size_t)k * k * sizeof(double));
    fp.Hs = malloc((size_t)ncol * ncol * sizeof(double));
    fp.T = malloc((size_t)k * ncol * sizeof(double));
    fp.grad = malloc((size_t)ncol * sizeof(double));
    fp.du = malloc((size_t)ncol * sizeof(double));
    fp.u2 = malloc((size_t)ncol * sizeof(double));
    Xt = malloc((size_t)k * ncol * sizeof(double));
    yt = malloc((size_t)m * sizeof(double));
    ub = malloc((size_t)ncol * sizeof(double));
    if (!Xt || !yt || !ub || !u || !fp.X || !fp.A || !fp.l || !fp.V || !fp.B || !fp.a || !fp.Kq || !fp.Hs || !fp.T ||
        !fp.grad || !fp.du || !fp.u2)
        goto cleanup;
    /* start: the SELI-like point u_j = -b_j / k, perturbed per column by up to 20% so that the
     * example-level solve does not start collapsed (Newton steps preserve the symmetry between
     * the examples of a class: a symmetric start would make the reported spread 0 by
     * construction, not by convergence) */
    double noise[1];
    for (int j = 0; j < ncol; j++) {
        rng_uniform_fill(UINT64_C(0x5eed5eed), (uint32_t)j, -0.2, 0.2, noise, 1);
        u[j] = -cs->b[j] / k * (1.0 + noise[0]);
    }
    double g, eps = 1.0;
    int64_t it = 0;
    for (int stage = 0; stage < 14 && it < max_steps; stage++, eps *= 0.1) {
        int forced = 0;
        for (int newton = 0; newton < 50 && it < max_steps; newton++, it++) {
            if (fastpath_eval(&fp, u, eps, 1, &g) != SWEEP_OK)
                goto cleanup;
            for (int j = 0; j < ncol; j++)
                fp.du[j] = -fp.grad[j];
            if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', ncol, fp.Hs, ncol) != 0 ||
                LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', ncol, 1, fp.Hs, ncol, fp.du, ncol) != 0)
                goto cleanup;
            const double decr = -dot((size_t)ncol, fp.grad, fp.du); /* Newton decrement^2 */
            const double gnorm = sqrt(dot((size_t)ncol, fp.grad, fp.grad));
            if (!(decr > 0.0))
                break;
            double t = 1.0, g2 = g;
            int ls = decr < 1e-14 * g ? 40 : 0; /* below the rounding of g: judge by gradient */
            for (; ls < 40; ls++, t *= 0.5) {
                for (int j = 0; j < ncol; j++)
                    fp.u2[j] = u[j] + t * fp.du[j];
                if (fastpath_eval(&fp, fp.u2, eps, 0, &g2) == SWEEP_OK &&
                    g2 < g && g2 <= g - 0.25 * t * decr)
                    break;
            }
            if (ls == 40) {
                /* The value is at its rounding floor (it is quadratic in u near the minimizer,
                 * so u is then known only to about sqrt(machine epsilon)). Judge the full Newton
                 * step by the gradient instead, which keeps converging quadratically. */
                for (int j = 0; j < ncol; j++)
                    fp.u2[j] = u[j] + fp.du[j];
                if (++forced > 6 || fastpath_eval(&fp, fp.u2, eps, 1, &g2) != SWEEP_OK ||
                    !(sqrt(dot((size_t)ncol, fp.grad, fp.grad)) < 0.5 * gnorm))
                    break;
            }
            memcpy(u, fp.u2, (size_t)ncol * sizeof(double));
        }
        /* certify this stage's point; keep the best */
        if (fastpath_eval(&fp, u, eps, 1, &g) != SWEEP_OK)
            goto cleanup;
        double lmax = 0.0, lmin = 0.0;
        for (int i = 0; i < m; i++) {
            int j, yy, c;
            cons_decode(cs, i, &j, &yy, &c);
            double gam = 0.0;
            for (int p = 0; p < k; p++)
                gam += fp.V[c + (size_t)p * k] / sqrt(fp.l[p]) * fp.B[p + (size_t)j * k];
            yt[i] = -gam / cs->Delta[c];
            lmax = yt[i] > lmax ? yt[i] : lmax;
            lmin = yt[i] < lmin ? yt[i] : lmin;
        }
        if (lmin < -1e-7 * lmax)
            continue; /* a margin wants to be slack (or eps is still large) */
        svm_result r;
        fastpath_X(&fp, u, Xt);
        if (certify(cs, Xt, yt, &r) != SWEEP_OK || !isfinite(r.gap))
            continue;
        if (!(r.gap < best_gap))
            break; /* rounding now dominates: the previous stage was the best */
        best_gap = r.gap;
        memcpy(ub, u, (size_t)ncol * sizeof(double));
        memcpy(X, Xt, (size_t)k * ncol * sizeof(double));
        memcpy(y, yt, (size_t)m * sizeof(double));
        ok = 1;
        if (r.gap <= 1e-3 * tol)
            break;
    }
    /* At a rank-deficient optimum the subgradient is U V^T + s u0 q0^T (|s| <= 1) and the smoothed
     * path always reads s = 0. When s is not fixed by stationarity (symmetric problems), pick it
     * to maximize the certified lower bound (quasi-concave in s: golden-section search). */
    if (ok && best_gap > 1e-3 * tol &&
        fastpath_eval(&fp, ub, 0.0, 2, &g) == SWEEP_OK) {
        const double smax = sqrt(fp.l[0]);
        int nnull = 0, p0 = -1;
        for (int p = 0; p < k; p++)
            if (sqrt(fp.l[p]) <= 1e-9 * smax) {
                nnull++;
                p0 = p;
            }
        if (nnull == 1) {
            const double phi = 0.5 * (sqrt(5.0) - 1.0);
            double lo = -1.0, hi = 1.0;
            double s1 = hi - phi * (hi - lo), s2 = lo + phi * (hi - lo);
            double f1 = fastpath_lb(cs, &fp, p0, s1, yt, Xt), f2 = fastpath_lb(cs, &fp, p0, s2, yt, Xt);
            for (int gs = 0; gs < 40; gs++) { /* bracket 0.618^40 = 4e-9 */
                if (f1 > f2) {
                    hi = s2;
                    s2 = s1;
                    f2 = f1;
                    s1 = hi - phi * (hi - lo);
                    f1 = fastpath_lb(cs, &fp, p0, s1, yt, Xt);
                } else {
                    lo = s1;
                    s1 = s2;
                    f1 = f2;
                    s2 = lo + phi * (hi - lo);
                    f2 = fastpath_lb(cs, &fp, p0, s2, yt, Xt);
                }
            }
            fastpath_lb(cs, &fp, p0, f1 > f2 ? s1 : s2, yt, Xt);
            svm_result r;
            memcpy(Xt, X, (size_t)k * ncol * sizeof(double));
            if (certify(cs, Xt, yt, &r) == SWEEP_OK && r.gap < best_gap) {
                best_gap = r.gap;
                memcpy(y, yt, (size_t)m * sizeof(double));
            }
        }
    }
    *steps = it;
cleanup:
    free(u);
    free(ub);
    free(Xt);
    free(yt);
    free(fp.X);
    free(fp.A);
    free(fp.l);
    free(fp.V);
    free(fp.B);
    free(fp.a);
    free(fp.Kq);
    free(fp.Hs);
    free(fp.T);
    free(fp.grad);
    free(fp.du);
    free(fp.u2);
    return ok;
}

/* The convex solve at class level (example = 0) or example level. */
static int svm_convex_solve(const geom_problem *prob, int example, svm_path path, double tol,
                            int max_iter, geom_prediction **out, double **H_out,
                            svm_result *res, sweep_errbuf *eb)
{
    svm_cons cs;
    ipm w;
    int ret;
    geom_prediction *gp = NULL;
    double *X = NULL, *H = NULL, *ycert = NULL;
    const char *level = example ? "example-level" : "class-level";

    memset(&w, 0, sizeof(w));
    result_init(res);
    if ((ret = cons_create(prob, example, &cs, eb)) != SWEEP_OK)
        return ret;
    const int k = cs.k, ncol = cs.ncol;
    if (!(tol > 0.0) || max_iter < 1) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG, "svm: needs tol > 0 and max_iter >= 1 (%g, %d)",
                            tol, max_iter);
        goto cleanup;
    }
    if ((X = malloc((size_t)k * ncol * sizeof(double))) == NULL ||
        (H = malloc((size_t)k * ncol * sizeof(double))) == NULL ||
        (ycert = malloc((size_t)cs.m * sizeof(double))) == NULL) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "svm: out of memory for %d constraints", cs.m);
        goto cleanup;
    }
    /* Fast path: all margins active (Newton on ncol unknowns), polished and certified. */
    res->iters = 0;
    if (path != SVM_PATH_IPM && fastpath_solve(&cs, tol, max_iter, X, ycert, &res->iters)) {
        res->fast_path = 1;
        if ((ret = certify(&cs, X, ycert, res)) != SWEEP_OK) {
            ret = sweep_err_set(eb, ret, "svm: certificate: %s", sweep_strerror(ret));
            goto cleanup;
        }
        if (!(res->gap <= tol) && (res->polished = polish_newton(&cs, X, ycert)) != 0 &&
            (ret = certify(&cs, X, ycert, res)) != SWEEP_OK) {
            ret = sweep_err_set(eb, ret, "svm: certificate: %s", sweep_strerror(ret));
            goto cleanup;
        }
        if (isfinite(res->gap) && res->gap <= tol)
            goto solved;
    }
    /* Otherwise the interior-point method on all m constraints. */
    if (path == SVM_PATH_NEWTON) {
        if (res->fast_path && isfinite(res->objective))
            goto solved;
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "svm: the %s problem is not in the all-margins-active case", level);
        goto cleanup;
    }
    if (cs.m > SVM_MAX_CONSTRAINTS) {
        if (res->fast_path && isfinite(res->objective))
            goto solved; /* keep the fast path's uncertified point: an outcome, not an error */
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "svm: the %s problem is not in the all-margins-active case and has %d "
                            "margin constraints; the dense interior-point method takes at most %d "
                            "(k = %d, %d columns)",
                            level, cs.m, SVM_MAX_CONSTRAINTS, k, ncol);
        goto cleanup;
    }
    if ((ret = ipm_create(&cs, &w)) != SWEEP_OK) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "svm: out of memory for %d constraints", cs.m);
        goto cleanup;
    }
    res->fast_path = 0;
    /* Phase 1: the interior-point method to 1e-8, which identifies the rank and the active set,
     * then the Newton polish and the certificate. Phase 2 (only when that certificate misses
     * tol): the IPM continues to 0.05 tol and the same steps follow. */
    res->iters = 0;
    for (int phase = 1; phase <= 2; phase++) {
        const double tol_ipm = phase == 1 && tol < 1e-8 ? 1e-8 : 0.05 * tol;
        if ((ret = ipm_run(&w, tol_ipm, max_iter, phase == 1, &res->iters)) != SWEEP_OK) {
            ret = sweep_err_set(eb, ret, "svm: %s interior-point step failed: %s", level,
                                sweep_strerror(ret));
            goto cleanup;
        }
        for (int j = 0; j < ncol; j++)
            memcpy(X + (size_t)j * k, w.Y + (size_t)(k + j) * w.N, (size_t)k * sizeof(double));
        memcpy(ycert, w.y, (size_t)cs.m * sizeof(double));
        if ((ret = truncate_rank(k, ncol, X, 0.1 * tol)) != SWEEP_OK) {
            ret = sweep_err_set(eb, ret, "svm: rank truncation: %s", sweep_strerror(ret));
            goto cleanup;
        }
        res->polished = polish_newton(&cs, X, ycert);
        if ((ret = certify(&cs, X, ycert, res)) != SWEEP_OK) {
            ret = sweep_err_set(eb, ret, "svm: certificate: %s", sweep_strerror(ret));
            goto cleanup;
        }
        if (res->gap <= tol || res->iters >= max_iter || tol_ipm == 0.05 * tol)
            break;
    }
solved:
    if (!isfinite(res->objective)) {
        ret = sweep_err_set(eb, SWEEP_ERR_NUMERIC,
                            "svm: the %s interior-point method ended without a feasible point",
                            level);
        goto cleanup;
    }
    res->converged = res->gap <= tol;
    res->objective *= cs.bscale;
    res->lower_bound *= cs.bscale;
    for (size_t a = 0; a < (size_t)k * ncol; a++)
        X[a] *= cs.bscale;
    if ((ret = geom__prediction_alloc(k, example ? GEOM_METHOD_SVM_EXAMPLE : GEOM_METHOD_SVM_CONVEX,
                                      1, 1, &gp)) != SWEEP_OK ||
        (ret = balanced_factors(k, ncol, X, gp->W, H)) != SWEEP_OK) {
        ret = sweep_err_set(eb, ret, "svm: factorization: %s", sweep_strerror(ret));
        goto cleanup;
    }
    res->spread = geom__prediction_from_columns(gp, prob->counts, example, H);
    *out = gp;
    gp = NULL;
    if (H_out != NULL) {
        *H_out = H;
        H = NULL;
    }
cleanup:
    geom_prediction_destroy(&gp);
    ipm_destroy(&w);
    cons_destroy(&cs);
    free(X);
    free(H);
    free(ycert);
    return ret;
}

int svm_class_solve(const geom_problem *prob, double tol, int max_iter, geom_prediction **out,
                    svm_result *res, sweep_errbuf *eb)
{
    return svm_convex_solve(prob, 0, SVM_PATH_AUTO, tol, max_iter, out, NULL, res, eb);
}

int svm_class_solve_path(const geom_problem *prob, svm_path path, double tol, int max_iter,
                         geom_prediction **out, svm_result *res, sweep_errbuf *eb)
{
    return svm_convex_solve(prob, 0, path, tol, max_iter, out, NULL, res, eb);
}

int svm_example_solve(const geom_problem *prob, double tol, int max_iter, geom_prediction **out,
                      double **H_out, svm_result *res, sweep_errbuf *eb)
{
    return svm_convex_solve(prob, 1, SVM_PATH_AUTO, tol, max_iter, out, H_out, res, eb);
}

/* ---- SVM-GD: augmented Lagrangian on the factorized problem --------------------------------- */

void svm_gd_options_default(svm_gd_options *o)
{
    o->d = 0;
    o->init_std = 0.1;
    o->seed_key = 0;
    o->max_iter = 200000;
    o->tol = 1e-7;
    o->rho = 10.0;
}

typedef struct alm {
    const svm_cons *cs;
    int d, k, n, m;
    double rho;
    const double *lam; /* [m] multipliers */
    double *X, *G, *g, *mu;
} alm;

/* Augmented Lagrangian at (W, H) (normalized b); gradients into gW, gH when not NULL. */
static double alm_value(alm *a, const double *W, const double *H, double *gW, double *gH)
{
    const int d = a->d, k = a->k, n = a->n, m = a->m;
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, n, d, 1.0, W, d, H, d, 0.0, a->X, k);
    cons_apply(a->cs, a->X, k, a->g);
    double f = 0.5 * (dot((size_t)d * k, W, W) + dot((size_t)d * n, H, H)), pen = 0.0;
    for (int i = 0; i < m; i++) {
        const double gi = a->g[i] - a->cs->b[i / (k - 1)];
        const double t = a->lam[i] - a->rho * gi;
        a->mu[i] = t > 0.0 ? t : 0.0;
        pen += a->mu[i] * a->mu[i] - a->lam[i] * a->lam[i];
    }
    f += pen / (2.0 * a->rho);
    if (gW != NULL) {
        memset(a->G, 0, (size_t)k * n * sizeof(double));
        cons_adjoint_add(a->cs, a->mu, -1.0, a->G, k);
        /* gW = W + H G^T, gH = H + W G */
        memcpy(gW, W, (size_t)d * k * sizeof(double));
        memcpy(gH, H, (size_t)d * n * sizeof(double));
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, d, k, n, 1.0, H, d, a->G, k, 1.0, gW,
                    d);
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, n, k, 1.0, W, d, a->G, k, 1.0,
                    gH, d);
    }
    return f;
}

int svm_gd_solve(const geom_problem *prob, const svm_gd_options *opt, geom_prediction **out,
                 double **W_out, double **H_out, svm_result *res, sweep_errbuf *eb)
{
    svm_cons cs;
    alm a;
    int ret;
    geom_prediction *gp = NULL;
    double *x = NULL, *xp = NULL, *v = NULL, *g = NULL, *x2 = NULL, *lam = NULL;

    memset(&a, 0, sizeof(a));
    result_init(res);
    if ((ret = cons_create(prob, 1, &cs, eb)) != SWEEP_OK)
        return ret;
    const int k = cs.k, n = cs.ncol, m = cs.m, d = opt->d > 0 ? opt->d : k;
    if (d < k || !(opt->rho > 0.0) || !(opt->tol > 0.0) || opt->max_iter < 1 ||
        !(opt->init_std > 0.0)) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "svm-gd: needs d >= k, rho > 0, tol > 0, max_iter >= 1, init std > 0 "
                            "(d = %d, k = %d, rho = %g, tol = %g, max_iter = %lld, std = %g)",
                            d, k, opt->rho, opt->tol, (long long)opt->max_iter, opt->init_std);
        goto cleanup;
    }
    /* the iterate is one vector x = [W (d x k); H (d x n)] */
    const size_t dk = (size_t)d * k, dn = (size_t)d * n, nx = dk + dn;
    x = malloc(nx * sizeof(double));
    xp = malloc(nx * sizeof(double));
    v = malloc(nx * sizeof(double));
    g = malloc(nx * sizeof(double));
    x2 = malloc(nx * sizeof(double));
    lam = calloc((size_t)m, sizeof(double));
    a.X = malloc((size_t)k * n * sizeof(double));
    a.G = malloc((size_t)k * n * sizeof(double));
    a.g = malloc((size_t)m * sizeof(double));
    a.mu = malloc((size_t)m * sizeof(double));
    if (!x || !xp || !v || !g || !x2 || !lam || !a.X || !a.G || !a.g || !a.mu) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "svm-gd: out of memory (d = %d, n = %d)", d, n);
        goto cleanup;
    }
    a.cs = &cs;
    a.d = d;
    a.k = k;
    a.n = n;
    a.m = m;
    a.rho = opt->rho;
    a.lam = lam;
    double *W = x, *H = x + dk;
    rng_gauss_fill(opt->seed_key, 11, opt->init_std, W, dk);
    rng_gauss_fill(opt->seed_key, 12, opt->init_std, H, dn);

    /* Outer rounds: minimize the augmented Lagrangian to a shrinking gradient tolerance by
     * gradient descent with Nesterov momentum (restarted whenever the value goes up) and
     * backtracking, then update the multipliers lam = max(0, lam - rho g). */
    double step = 0.1, inner_tol = 1e-2, viol = INFINITY, gnorm = INFINITY;
    int64_t it = 0;
    int stalled = 0;
    for (int round = 0; round < 10000 && it < opt->max_iter; round++) {
        double f = alm_value(&a, W, H, NULL, NULL);
        stalled = 0;
        memcpy(xp, x, nx * sizeof(double));
        int64_t t = 0; /* steps since the last restart */
        for (; it < opt->max_iter; it++, t++) {
            const double beta = (double)t / (double)(t + 3);
            for (size_t q = 0; q < nx; q++)
                v[q] = x[q] + beta * (x[q] - xp[q]);
            const double fv = alm_value(&a, v, v + dk, g, g + dk);
            const double g2 = dot(nx, g, g);
            gnorm = sqrt(g2 / (1.0 + dot(nx, v, v)));
            if (gnorm <= inner_tol || !isfinite(fv))
                break;
            double f2;
            for (;;) {
                for (size_t q = 0; q < nx; q++)
                    x2[q] = v[q] - step * g[q];
                f2 = alm_value(&a, x2, x2 + dk, NULL, NULL);
                if (f2 <= fv - 0.5 * step * g2 || step < 1e-9)
                    break;
                step *= 0.5;
            }
            if (step < 1e-9) { /* no step lowers the value in floating point: the gradient
                                   is at the noise floor of f */
                stalled = 1;
                step = 1e-3;
                break;
            }
            step *= 1.25;
            if (f2 > f) { /* restart the momentum from x */
                memcpy(xp, x, nx * sizeof(double));
                t = -1;
                continue;
            }
            memcpy(xp, x, nx * sizeof(double));
            memcpy(x, x2, nx * sizeof(double));
            f = f2;
        }
        if (!isfinite(f)) {
            ret = sweep_err_set(eb, SWEEP_ERR_NUMERIC, "svm-gd: non-finite objective at step %lld",
                                (long long)it);
            goto cleanup;
        }
        /* multipliers and violation at x */
        alm_value(&a, W, H, NULL, NULL);
        viol = 0.0;
        for (int i = 0; i < m; i++) {
            const double bi = cs.b[i / (k - 1)];
            const double vi = (bi - a.g[i]) / bi;
            viol = vi > viol ? vi : viol;
        }
        if (viol <= opt->tol && (gnorm <= opt->tol || stalled))
            break;
        memcpy(lam, a.mu, (size_t)m * sizeof(double));
        inner_tol = inner_tol * 0.1 > 0.5 * opt->tol ? inner_tol * 0.1 : 0.5 * opt->tol;
    }
    res->iters = it;
    res->converged = viol <= opt->tol && (gnorm <= opt->tol || stalled);
    res->violation = viol;
    /* scale (W, H) to exact feasibility (the margins are 2-homogeneous) */
    double ratio = INFINITY;
    for (int i = 0; i < m; i++) {
        double r = a.g[i] / cs.b[i / (k - 1)];
        ratio = r < ratio ? r : ratio;
    }
    if (!(ratio > 0.0)) {
        ret = sweep_err_set(eb, SWEEP_ERR_NUMERIC,
                            "svm-gd: ended without separating the classes (min margin ratio %g)",
                            ratio);
        goto cleanup;
    }
    const double sc = sqrt(cs.bscale / ratio);
    for (size_t q = 0; q < dk; q++)
        W[q] *= sc;
    for (size_t q = 0; q < dn; q++)
        H[q] *= sc;
    res->objective = 0.5 * (dot(dk, W, W) + dot(dn, H, H));
    if ((ret = geom__prediction_alloc(k, GEOM_METHOD_SVM_GD, 1, 0, &gp)) != SWEEP_OK) {
        ret = sweep_err_set(eb, ret, "svm-gd: out of memory");
        goto cleanup;
    }
    {
        /* Grams of the d-dimensional factors: G_W = W^T W, G_H = Hbar^T Hbar, Z = W^T Hbar */
        double *Hbar = malloc(dk * sizeof(double));
        if (Hbar == NULL) {
            ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "svm-gd: out of memory");
            goto cleanup;
        }
        geom_class_means(d, k, prob->counts, H, Hbar);
        res->spread = geom_within_class_spread(d, k, prob->counts, H, Hbar);
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, k, d, 1.0, W, d, W, d, 0.0,
                    gp->G_W, k);
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, k, d, 1.0, Hbar, d, Hbar, d, 0.0,
                    gp->G_H, k);
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, k, d, 1.0, W, d, Hbar, d, 0.0,
                    gp->Z, k);
        free(Hbar);
    }
    *out = gp;
    gp = NULL;
    if (W_out != NULL) {
        if ((*W_out = malloc(dk * sizeof(double))) != NULL)
            memcpy(*W_out, W, dk * sizeof(double));
    }
    if (H_out != NULL) {
        if ((*H_out = malloc(dn * sizeof(double))) != NULL)
            memcpy(*H_out, H, dn * sizeof(double));
    }
    if ((W_out != NULL && *W_out == NULL) || (H_out != NULL && *H_out == NULL)) {
        geom_prediction_destroy(out);
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "svm-gd: out of memory");
    }
cleanup:
    geom_prediction_destroy(&gp);
    cons_destroy(&cs);
    free(x);
    free(xp);
    free(v);
    free(g);
    free(x2);
    free(lam);
    free(a.X);
    free(a.G);
    free(a.g);
    free(a.mu);
    return ret;
}
