#include "svm_impl.h"

#include "metrics.h"
#include "rng.h"

#include <cblas.h>
#include "lapack.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int svm_convex_solve(const geom_problem *prob, int example, svm_path path, double tol,
                            int max_iter, geom_prediction **out, double **H_out,
                            svm_result *res, sweep_errbuf *eb)
{
    svm_cons cs;
    svm__ipm w;
    int ret;
    geom_prediction *gp = NULL;
    double *X = NULL, *H = NULL, *ycert = NULL;
    const char *level = example ? "example-level" : "class-level";

    memset(&w, 0, sizeof(w));
    svm__result_init(res);
    if ((ret = svm__cons_create(prob, example, &cs, eb)) != SWEEP_OK)
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
    if (path != SVM_PATH_IPM && svm__fastpath_solve(&cs, tol, max_iter, X, ycert, &res->iters)) {
        res->fast_path = 1;
        if ((ret = svm__certify(&cs, X, ycert, res)) != SWEEP_OK) {
            ret = sweep_err_set(eb, ret, "svm: certificate: %s", sweep_strerror(ret));
            goto cleanup;
        }
        if (!(res->gap <= tol) && (res->polished = svm__polish_newton(&cs, X, ycert)) != 0 &&
            (ret = svm__certify(&cs, X, ycert, res)) != SWEEP_OK) {
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
    if ((ret = svm__ipm_create(&cs, &w)) != SWEEP_OK) {
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
        if ((ret = svm__ipm_run(&w, tol_ipm, max_iter, phase == 1, &res->iters)) != SWEEP_OK) {
            ret = sweep_err_set(eb, ret, "svm: %s interior-point step failed: %s", level,
                                sweep_strerror(ret));
            goto cleanup;
        }
        for (int j = 0; j < ncol; j++)
            memcpy(X + (size_t)j * k, w.Y + (size_t)(k + j) * w.N, (size_t)k * sizeof(double));
        memcpy(ycert, w.y, (size_t)cs.m * sizeof(double));
        if ((ret = svm__truncate_rank(k, ncol, X, 0.1 * tol)) != SWEEP_OK) {
            ret = sweep_err_set(eb, ret, "svm: rank truncation: %s", sweep_strerror(ret));
            goto cleanup;
        }
        res->polished = svm__polish_newton(&cs, X, ycert);
        if ((ret = svm__certify(&cs, X, ycert, res)) != SWEEP_OK) {
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
        (ret = svm__balanced_factors(k, ncol, X, gp->W, H)) != SWEEP_OK) {
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
    svm__ipm_destroy(&w);
    svm__cons_destroy(&cs);
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
