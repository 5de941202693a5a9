#include "svm_impl.h"

#include "metrics.h"
#include "rng.h"

#include <cblas.h>
#include "lapack.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
        svm__cons_decode(cs, pl->act[q], &j, &y, &c);
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
        svm__cons_decode(cs, pl->act[q], &j, &y, &c);
        E2[q] = -(cs->Delta[y] * pl->MG[y + (size_t)j * k] - cs->Delta[c] * pl->MG[c + (size_t)j * k]) -
                cs->b[j];
    }
    const size_t ne = (size_t)k * k + (size_t)ma;
    return sqrt(svm__dot(ne, E, E));
}

/* Polish (X, y) in place; returns 1 when the polished point was accepted. */
int svm__polish_newton(const svm_cons *cs, double *X, double *y)
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
    svm__cons_apply(cs, X, k, ax);
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
    if (ufm_lapack_dgesdd('S', k, ncol, A, k, S, U, k, VT, k) != 0)
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
                    svm__cons_decode(cs, act[a], &j, &yy, &cc);
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
            svm__cons_decode(cs, act[a], &j, &yy, &cc);
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
                svm__cons_decode(cs, act[b2], &j2, &y2, &c2);
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
        if (ufm_lapack_dpotrf_work('L', (int)nz, JtJ, (int)nz) != 0 ||
            ufm_lapack_dpotrs_work('L', (int)nz, 1, JtJ, (int)nz, rhs,
                                (int)nz) != 0)
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
    svm__cons_apply(cs, A, k, ax);
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
    if (ufm_lapack_dgesdd(want_derivs ? 'S' : 'N', k, ncol, fp->B, k, fp->l,
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
        svm__cons_decode(cs, i, &j, &yy, &c);
        double gam = 0.0;
        for (int p = 0; p < k; p++)
            gam += fp->V[c + (size_t)p * k] * fp->T[p + (size_t)j * k] * (p == p0 ? sv : 1.0);
        y[i] = -gam / cs->Delta[c] > 0.0 ? -gam / cs->Delta[c] : 0.0;
        by += cs->b[j] * y[i];
    }
    memset(D, 0, (size_t)k * ncol * sizeof(double));
    svm__cons_adjoint_add(cs, y, 1.0, D, k);
    if (svm__spectral_norms(k, ncol, D, &d2, NULL) != SWEEP_OK || !(d2 > 0.0))
        return -INFINITY;
    return by / d2;
}

/* Try the all-active solve; on success X (k x ncol) and y (m) hold the point and its
 * multipliers and 1 is returned (the caller certifies); 0 means "use the IPM". */
int svm__fastpath_solve(const svm_cons *cs, double tol, int64_t max_steps, double *X,
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
            if (ufm_lapack_dpotrf_work('L', ncol, fp.Hs, ncol) != 0 ||
                ufm_lapack_dpotrs_work('L', ncol, 1, fp.Hs, ncol, fp.du, ncol) != 0)
                goto cleanup;
            const double decr = -svm__dot((size_t)ncol, fp.grad, fp.du); /* Newton decrement^2 */
            const double gnorm = sqrt(svm__dot((size_t)ncol, fp.grad, fp.grad));
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
                    !(sqrt(svm__dot((size_t)ncol, fp.grad, fp.grad)) < 0.5 * gnorm))
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
            svm__cons_decode(cs, i, &j, &yy, &c);
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
        if (svm__certify(cs, Xt, yt, &r) != SWEEP_OK || !isfinite(r.gap))
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
            if (svm__certify(cs, Xt, yt, &r) == SWEEP_OK && r.gap < best_gap) {
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
