#include "reg.h"

#include "geom_impl.h"
#include "rng.h"

#include "lapack.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct reg_work {
    int k;
    int ncol;            /* k at class level, n at example level */
    const int *label;    /* [ncol] class of each column */
    const double *cnt;   /* [ncol] examples a column stands for (n_c, or 1) */
    const double *counts;
    double n;
    const loss_vectors *lv;
    double lambda;
    double *U, *S, *VT, *tmp, *sup, *u; /* SVD and scratch */
} reg_work;

/* loss of class c at logits z (and its gradient into g when not NULL): the CE family.
 * Computed relative to the label's logit, l = log(1 + sum_{j != c} e^{u_j - u_c}) and
 * dl/du_c = -sum_{j != c} p_j, so that a nearly perfectly classified class (loss 1e-12, the
 * small-lambda regime) keeps full relative accuracy instead of cancelling in p_c - 1. */
static double class_loss(const reg_work *w, int c, const double *z, double *g)
{
    const loss_vectors *lv = w->lv;
    const int k = w->k;
    double *u = w->u, m = -INFINITY;
    for (int j = 0; j < k; j++) {
        u[j] = lv->label_temperature ? lv->Delta[c] * z[j] : lv->Delta[j] * z[j] + lv->iota[j];
        m = u[j] > m ? u[j] : m;
    }
    double loss, rest = 0.0; /* rest = sum_{j != c} p_j */
    if (u[c] >= m) {
        double s = 0.0;
        for (int j = 0; j < k; j++)
            if (j != c)
                s += exp(u[j] - u[c]);
        loss = log1p(s);
        rest = s / (1.0 + s);
    } else {
        double s = 0.0;
        for (int j = 0; j < k; j++)
            s += exp(u[j] - m);
        loss = m + log(s) - u[c];
        rest = 1.0 - exp(u[c] - m) / s;
    }
    if (g != NULL) {
        const double lse = u[c] + loss;
        for (int j = 0; j < k; j++) {
            const double pj = j == c ? -rest : exp(u[j] - lse);
            const double scale = lv->label_temperature ? lv->Delta[c] : lv->Delta[j];
            g[j] = lv->omega[c] * scale * pj;
        }
    }
    return lv->omega[c] * loss;
}

/* f(X) and grad f(X) (column c: sqrt(n_c)/n * grad l(c, X[:,c]/sqrt(n_c))) */
static double f_grad(const reg_work *w, const double *X, double *G)
{
    const int k = w->k;
    double f = 0.0, z[512], g[512];
    for (int j = 0; j < w->ncol; j++) {
        const int c = w->label[j];
        const double sq = sqrt(w->cnt[j]);
        for (int i = 0; i < k; i++)
            z[i] = X[i + (size_t)j * k] / sq;
        f += w->cnt[j] / w->n * class_loss(w, c, z, G ? g : NULL);
        if (G != NULL)
            for (int i = 0; i < k; i++)
                G[i + (size_t)j * k] = sq / w->n * g[i];
    }
    return f;
}

/* out = prox_{t ||.||_*}(V) (singular-value soft-thresholding); returns ||out||_* */
static double prox_nuclear(const reg_work *w, const double *V, double t, double *out)
{
    const int k = w->k, ncol = w->ncol;
    const size_t kk = (size_t)k * ncol;
    memcpy(w->tmp, V, kk * sizeof(double));
    if (ufm_lapack_dgesvd('S', 'S', k, ncol, w->tmp, k, w->S, w->U, k, w->VT, k,
                       w->sup) != 0)
        return NAN;
    double nuc = 0.0;
    memset(out, 0, kk * sizeof(double));
    for (int r = 0; r < k; r++) {
        double s = w->S[r] - t;
        if (s <= 0.0)
            continue;
        nuc += s;
        for (int c = 0; c < ncol; c++)
            for (int i = 0; i < k; i++)
                out[i + (size_t)c * k] += w->U[i + (size_t)r * k] * s * w->VT[r + (size_t)c * k];
    }
    return nuc;
}

static double nuclear(const reg_work *w, const double *X)
{
    const size_t kk = (size_t)w->k * w->ncol;
    memcpy(w->tmp, X, kk * sizeof(double));
    if (ufm_lapack_dgesvd('N', 'N', w->k, w->ncol, w->tmp, w->k, w->S, NULL, 1, NULL,
                       1, w->sup) != 0)
        return NAN;
    double s = 0.0;
    for (int r = 0; r < w->k; r++)
        s += w->S[r];
    return s;
}

/* certificate: ||X - prox_lambda(X - grad f(X))||_F / (lambda sqrt(k)). At the minimizer
 * grad f = -lambda G with ||G||_2 <= 1, and away from it the numerator is the violation of that
 * condition, so dividing by lambda sqrt(k) makes the residual scale-free: an absolute residual
 * would be met by any point whose gradient is as small as lambda, which at lambda = 1e-12 is
 * every point with large margins. */
static double residual(const reg_work *w, const double *X, double *G, double *T1, double *T2)
{
    const size_t kk = (size_t)w->k * w->ncol;
    f_grad(w, X, G);
    for (size_t i = 0; i < kk; i++)
        T1[i] = X[i] - G[i];
    prox_nuclear(w, T1, w->lambda, T2);
    double r = 0.0;
    for (size_t i = 0; i < kk; i++)
        r += (X[i] - T2[i]) * (X[i] - T2[i]);
    return sqrt(r) / (w->lambda * sqrt((double)w->k));
}

static int reg_solve_level(const profile *p, const loss_vectors *lv, int example, double tol,
                           int64_t max_iter, geom_prediction **out, double **H_out,
                           reg_result *res, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    const int k = p->k;
    int ncol = k;
    geom_prediction *gp = NULL;
    double *X = NULL, *Xn = NULL, *Y = NULL, *G = NULL, *T1 = NULL, *T2 = NULL, *H = NULL;
    double *cnt = NULL;
    int *label = NULL;
    reg_work w;
    memset(&w, 0, sizeof w);
    memset(res, 0, sizeof *res);
    res->spread = NAN;
    if (example) {
        for (int c = 0; c < k; c++)
            if (p->counts[c] != floor(p->counts[c]))
                return sweep_err_set(eb, SWEEP_ERR_ARG,
                                     "the example-level regularized solve needs integer class "
                                     "counts (class %d has %g)",
                                     c, p->counts[c]);
        if (p->n > 20000)
            return sweep_err_set(eb, SWEEP_ERR_ARG,
                                 "the example-level regularized solve takes n <= 20000 (n = %g)",
                                 p->n);
        ncol = (int)p->n;
    }
    const size_t kk = (size_t)k * ncol;

    if (!(lv->lambda_w > 0.0) || !(lv->lambda_h > 0.0))
        return sweep_err_set(eb, SWEEP_ERR_ARG,
                             "the regularized minimizer needs lambda_w > 0 and lambda_h > 0 "
                             "(got %g, %g)",
                             lv->lambda_w, lv->lambda_h);
    if (k > 512)
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "k",
                                 "k = %d: the regularized solver takes k <= 512", k);
    label = malloc((size_t)ncol * sizeof(int));
    cnt = malloc((size_t)ncol * sizeof(double));
    if (label == NULL || cnt == NULL) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "regularized solver: out of memory");
        goto cleanup;
    }
    for (int c = 0, j = 0; c < k; c++)
        for (int r = 0; r < (example ? (int)p->counts[c] : 1); r++, j++) {
            label[j] = c;
            cnt[j] = example ? 1.0 : p->counts[c];
        }
    w.k = k;
    w.ncol = ncol;
    w.label = label;
    w.cnt = cnt;
    w.counts = p->counts;
    w.n = p->n;
    w.lv = lv;
    w.lambda = sqrt(lv->lambda_w * lv->lambda_h);
    w.U = malloc((size_t)k * k * sizeof(double));
    w.VT = malloc(kk * sizeof(double));
    w.tmp = malloc(kk * sizeof(double));
    w.S = malloc((size_t)k * sizeof(double));
    w.sup = malloc((size_t)k * sizeof(double));
    w.u = malloc((size_t)k * sizeof(double));
    X = calloc(kk, sizeof(double));
    Xn = calloc(kk, sizeof(double));
    Y = calloc(kk, sizeof(double));
    G = calloc(kk, sizeof(double));
    T1 = calloc(kk, sizeof(double));
    T2 = calloc(kk, sizeof(double));
    if (!w.U || !w.VT || !w.tmp || !w.S || !w.sup || !w.u || !X || !Xn || !Y || !G || !T1 || !T2) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "regularized solver: out of memory");
        goto cleanup;
    }
    if (example) {
        /* start every example at a different point (FISTA steps preserve the symmetry between
         * the examples of a class, so a symmetric start would make the spread 0 by construction) */
        rng_uniform_fill(UINT64_C(0x7e9a11ed), 3, -0.1, 0.1, X, kk);
        memcpy(Y, X, kk * sizeof(double));
    }
    /* FISTA with backtracking (L doubles until the quadratic model majorizes f) and adaptive
     * restart when the objective goes up (O'Donoghue and Candes) */
    double L = 1.0, t = 1.0, F_prev = INFINITY;
    int64_t it = 0;
    double r = INFINITY;
    for (it = 0; it < max_iter; it++) {
        double fY = f_grad(&w, Y, G), nuc = 0.0, fX = 0.0;
        for (;;) {
            for (size_t i = 0; i < kk; i++)
                T1[i] = Y[i] - G[i] / L;
            nuc = prox_nuclear(&w, T1, w.lambda / L, Xn);
            fX = f_grad(&w, Xn, NULL);
            double lin = 0.0, quad = 0.0;
            for (size_t i = 0; i < kk; i++) {
                double dlt = Xn[i] - Y[i];
                lin += G[i] * dlt;
                quad += dlt * dlt;
            }
            if (fX <= fY + lin + 0.5 * L * quad + 1e-15 * fabs(fY) || L > 1e15)
                break;
            L *= 2.0;
        }
        const double F = fX + w.lambda * nuc;
        if (!isfinite(F)) {
            ret = sweep_err_set(eb, SWEEP_ERR_NUMERIC, "regularized solver: NaN or Inf");
            goto cleanup;
        }
        double tn = 0.5 * (1.0 + sqrt(1.0 + 4.0 * t * t));
        if (F > F_prev) { /* restart the momentum */
            tn = 1.0;
            memcpy(Y, Xn, kk * sizeof(double));
        } else {
            for (size_t i = 0; i < kk; i++)
                Y[i] = Xn[i] + ((t - 1.0) / tn) * (Xn[i] - X[i]);
        }
        memcpy(X, Xn, kk * sizeof(double));
        t = tn;
        F_prev = F;
        L = L > 1e-6 ? L * 0.9 : L; /* let the step grow back slowly */
        if (it % 10 == 0 || it + 1 == max_iter) {
            r = residual(&w, X, G, T1, T2);
            if (r <= tol) {
                it++;
                break;
            }
        }
    }
    if (!(r <= tol))
        r = residual(&w, X, G, T1, T2);
    res->iters = it;
    res->residual = r;
    res->converged = r <= tol;
    res->objective = f_grad(&w, X, NULL) + w.lambda * nuclear(&w, X);

    /* factors: X = U S V^T, W = S^1/2 U^T (scaled for unequal ridges), H = S^1/2 V^T; at class
     * level Hbar = H N^-1/2, at example level the class means of H */
    if ((ret = geom__prediction_alloc(k, GEOM_METHOD_REG_CONVEX, 1, 1, &gp)) != SWEEP_OK ||
        (H = malloc(kk * sizeof(double))) == NULL) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "regularized solver: out of memory");
        goto cleanup;
    }
    memcpy(w.tmp, X, kk * sizeof(double));
    if (ufm_lapack_dgesvd('S', 'S', k, ncol, w.tmp, k, w.S, w.U, k, w.VT, k,
                       w.sup) != 0) {
        ret = sweep_err_set(eb, SWEEP_ERR_LAPACK, "regularized solver: SVD failed");
        goto cleanup;
    }
    const double sw = pow(lv->lambda_h / lv->lambda_w, 0.25);
    for (int r2 = 0; r2 < k; r2++) {
        /* singular values at the rounding level would add sqrt(1e-16) noise to the factors */
        const double s = w.S[r2] > 1e-13 * w.S[0] ? sqrt(w.S[r2]) : 0.0;
        for (int c = 0; c < k; c++)
            gp->W[r2 + (size_t)c * k] = sw * s * w.U[c + (size_t)r2 * k];
        for (int j = 0; j < ncol; j++)
            H[r2 + (size_t)j * k] = s * w.VT[r2 + (size_t)j * k] / sw;
    }
    res->spread = geom__prediction_from_columns(gp, p->counts, example, H);
    *out = gp;
    gp = NULL;
    if (H_out != NULL) {
        *H_out = H;
        H = NULL;
    }
cleanup:
    geom_prediction_destroy(&gp);
    free(H);
    free(label);
    free(cnt);
    free(w.U);
    free(w.VT);
    free(w.tmp);
    free(w.S);
    free(w.sup);
    free(w.u);
    free(X);
    free(Xn);
    free(Y);
    free(G);
    free(T1);
    free(T2);
    return ret;
}

int reg_solve(const profile *p, const loss_vectors *lv, double tol, int64_t max_iter,
              geom_prediction **out, reg_result *res, sweep_errbuf *eb)
{
    return reg_solve_level(p, lv, 0, tol, max_iter, out, NULL, res, eb);
}

int reg_solve_example(const profile *p, const loss_vectors *lv, double tol, int64_t max_iter,
                      geom_prediction **out, double **H_out, reg_result *res, sweep_errbuf *eb)
{
    return reg_solve_level(p, lv, 1, tol, max_iter, out, H_out, res, eb);
}
