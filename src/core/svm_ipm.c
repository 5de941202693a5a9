#include "svm_impl.h"

#include "metrics.h"
#include "rng.h"

#include <cblas.h>
#include "lapack.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

void svm__ipm_destroy(svm__ipm *w)
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

int svm__ipm_create(const svm_cons *cs, svm__ipm *w)
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
            svm__ipm_destroy(w);
            return SWEEP_ERR_NOMEM;
        }
    return SWEEP_OK;
}

/* A(P) for an N x N matrix P: reads its block P[0:k, k:N] */
static void ipm_A(const svm__ipm *w, const double *P, double *out)
{
    svm__cons_apply(w->cs, P + (size_t)w->k * w->N, w->N, out);
}

/* P = A*(v) (N x N symmetric) */
static void ipm_At(const svm__ipm *w, const double *v, double *P)
{
    const int N = w->N, k = w->k;
    memset(P, 0, (size_t)N * N * sizeof(double));
    svm__cons_adjoint_add(w->cs, v, 0.5, P + (size_t)k * N, N);
    for (int j = k; j < N; j++)
        for (int r = 0; r < k; r++)
            P[j + (size_t)r * N] = P[r + (size_t)j * N];
}

/* Schur complement M_ii' = tr(A_i Y A_i' Z^-1) + delta_ii' s_i / y_i (lower triangle), then its
 * Cholesky factor. Returns 0 or a LAPACK info. */
static int ipm_schur(svm__ipm *w)
{
    const svm_cons *cs = w->cs;
    const int N = w->N, k = w->k, m = w->m, ncol = cs->ncol;
    const double *Y = w->Y, *Zi = w->Zi;
    for (int i = 0; i < m; i++) {
        int j, y, c;
        svm__cons_decode(cs, i, &j, &y, &c);
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
        svm__cons_decode(cs, ip, &jp, &yp, &cp);
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
    return ufm_lapack_dpotrf_work('L', m, w->M, m);
}

/* T2 = sym((Y A + [corr] dYa dZa) Z^-1), through T1 */
static void ipm_sym_product(svm__ipm *w, const double *A, int corr)
{
    const int N = w->N;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, w->Y, N, A, N, 0.0,
                w->T1, N);
    if (corr)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, w->dYa, N, w->dZa, N,
                    1.0, w->T1, N);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, w->T1, N, w->Zi, N, 0.0,
                w->T2, N);
    svm__symmetrize(N, w->T2);
}

/* One search direction for target sigma*mu; with corr != 0 Mehrotra's second-order terms
 * dYa dZa and dsa dya are included. Writes dY, dZ, dy, ds. */
static int ipm_direction(svm__ipm *w, double sigmu, int corr)
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
    if (ufm_lapack_dpotrs_work('L', m, 1, w->M, m, w->dy, m) != 0)
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
static int ipm_steps(svm__ipm *w, double *ap, double *ad)
{
    double a1 = svm__psd_max_step(w->N, w->LY, w->dY, w->T1, w->ev);
    double a2 = svm__psd_max_step(w->N, w->LZ, w->dZ, w->T1, w->ev);
    if (a1 < 0.0 || a2 < 0.0)
        return SWEEP_ERR_LAPACK;
    double b1 = svm__lin_max_step(w->m, w->s, w->ds), b2 = svm__lin_max_step(w->m, w->y, w->dy);
    *ap = a1 < b1 ? a1 : b1;
    *ad = a2 < b2 ? a2 : b2;
    return SWEEP_OK;
}

/* Run the IPM to relative gap and infeasibilities below tol_ipm or max_iter iterations.
 * Leaves the last iterate in w (Y, y). */
int svm__ipm_run(svm__ipm *w, double tol_ipm, int max_iter, int init, int64_t *iters)
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
    const double bnorm = sqrt(svm__dot((size_t)m, bi, bi));
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
        const double pobj = 0.5 * trY, dobj = svm__dot((size_t)m, bi, w->y);
        const double mu = (svm__dot(NN, w->Y, w->Z) + svm__dot((size_t)m, w->s, w->y)) / (N + m);
        const double gap = fabs(pobj - dobj) / (1.0 + fabs(pobj) + fabs(dobj));
        const double pinf = sqrt(svm__dot((size_t)m, w->rp, w->rp)) / (1.0 + bnorm);
        const double dinf = sqrt(svm__dot(NN, w->Rd, w->Rd)) / (1.0 + 0.5 * sqrt((double)N));
        if (gap <= tol_ipm && pinf <= tol_ipm && dinf <= tol_ipm)
            break;
        /* factorizations */
        memcpy(w->LY, w->Y, NN * sizeof(double));
        memcpy(w->LZ, w->Z, NN * sizeof(double));
        if (ufm_lapack_dpotrf('L', N, w->LY, N) != 0 ||
            ufm_lapack_dpotrf('L', N, w->LZ, N) != 0)
            break; /* lost definiteness at the end: keep the last iterate */
        memcpy(w->Zi, w->LZ, NN * sizeof(double));
        if (ufm_lapack_dpotri('L', N, w->Zi, N) != 0)
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
