#include "svm_impl.h"

#include "metrics.h"
#include "rng.h"

#include <cblas.h>
#include "lapack.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    svm__cons_apply(a->cs, a->X, k, a->g);
    double f = 0.5 * (svm__dot((size_t)d * k, W, W) + svm__dot((size_t)d * n, H, H)), pen = 0.0;
    for (int i = 0; i < m; i++) {
        const double gi = a->g[i] - a->cs->b[i / (k - 1)];
        const double t = a->lam[i] - a->rho * gi;
        a->mu[i] = t > 0.0 ? t : 0.0;
        pen += a->mu[i] * a->mu[i] - a->lam[i] * a->lam[i];
    }
    f += pen / (2.0 * a->rho);
    if (gW != NULL) {
        memset(a->G, 0, (size_t)k * n * sizeof(double));
        svm__cons_adjoint_add(a->cs, a->mu, -1.0, a->G, k);
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
    svm__result_init(res);
    if ((ret = svm__cons_create(prob, 1, &cs, eb)) != SWEEP_OK)
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
            const double g2 = svm__dot(nx, g, g);
            gnorm = sqrt(g2 / (1.0 + svm__dot(nx, v, v)));
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
    res->objective = 0.5 * (svm__dot(dk, W, W) + svm__dot(dn, H, H));
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
    svm__cons_destroy(&cs);
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
