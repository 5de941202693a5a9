#include "refsolve.h"

#include "reg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *refsolve_theory_source_name(int source)
{
    switch (source) {
    case REFSOLVE_THEORY_CLOSED_FORM:
        return "closed_form";
    case REFSOLVE_THEORY_CONVEX:
        return "convex";
    default:
        return "none";
    }
}

#define THEORY_TOL PARAMS_REF_TOL
#define THEORY_MAX_IPM PARAMS_SVM_MAX_IPM

int refsolve_theory(const geom_problem *prob, geom_prediction **out, int *source,
                    svm_result *cert, sweep_errbuf *eb)
{
    geom_problem mm = *prob;
    svm_result r;
    sweep_errbuf cf_eb;
    int ret;

    *out = NULL;
    *source = REFSOLVE_THEORY_NONE;
    mm.regularized = 0;
    sweep_errbuf_clear(&cf_eb);
    ret = geom_predict(&mm, out, &cf_eb);
    if (ret == SWEEP_OK) {
        *source = REFSOLVE_THEORY_CLOSED_FORM;
        return SWEEP_OK;
    }
    if (ret != SWEEP_ERR_NO_CLOSED_FORM)
        return sweep_err_set(eb, ret, "%s", cf_eb.msg);
    ret = svm_class_solve(&mm, THEORY_TOL, THEORY_MAX_IPM, out, &r, eb);
    if (ret == SWEEP_ERR_ARG) { /* beyond the solver's reach: no reference, not a failure */
        char why[sizeof eb->msg];
        snprintf(why, sizeof why, "%s", eb != NULL ? eb->msg : "");
        return sweep_err_set(eb, SWEEP_ERR_NO_CLOSED_FORM, "%s; %s", cf_eb.msg, why);
    }
    if (ret != SWEEP_OK)
        return ret;
    if (cert != NULL)
        *cert = r;
    if (!r.converged) {
        geom_prediction_destroy(out);
        return sweep_err_set(eb, SWEEP_ERR_NO_CLOSED_FORM,
                             "no closed form, and the convex solve stopped at a relative gap of "
                             "%.2g after %lld iterations (not certified to %g)",
                             r.gap, (long long)r.iters, THEORY_TOL);
    }
    *source = REFSOLVE_THEORY_CONVEX;
    return SWEEP_OK;
}

/* metrics of a solution given as W (d x k) and H (d x n) or collapsed Hbar (d x k) */
static int metrics_of(const geom_problem *gp, int d, const double *W, const double *Hbar,
                      const double *H, const geom_prediction *ref, geom_metrics *m,
                      sweep_errbuf *eb)
{
    int ret = geom_metrics_compute(gp, d, W, Hbar, H, ref, m);
    if (ret != SWEEP_OK)
        return sweep_err_set(eb, ret, "metrics of the solution: %s", sweep_strerror(ret));
    return SWEEP_OK;
}

int refsolve_run(const point_params *pp, const profile *prof, const loss_vectors *lv,
                 const geom_problem *gp, const geom_prediction *ref, uint64_t init_key,
                 refsolve_result *res, geom_prediction **solution, sweep_errbuf *eb)
{
    geom_prediction *sol = NULL;
    double *H = NULL, *W = NULL, *Hbar = NULL;
    int ret = SWEEP_OK;
    int64_t budget_iters = 0;
    double budget_tol = NAN;
    params_budget(pp, &budget_iters, &budget_tol); /* the one place budgets are resolved */
    const int k = gp->k;
    geom_problem mm = *gp;

    memset(res, 0, sizeof *res);
    geom_metrics_set_nan(&res->metrics);
    res->objective = res->certificate = res->spread = res->optimum_gap = NAN;
    mm.regularized = 0;
    switch (pp->solver) {
    case POINT_SOLVER_SVM:
    case POINT_SOLVER_SVM_EXAMPLE: {
        svm_result r;
        const int max_iter = (int)budget_iters;
        res->tol = budget_tol;
        if (max_iter < 1) {
            ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, "solver", "--solver svm needs --iters >= 1");
            goto cleanup;
        }
        if (pp->solver == POINT_SOLVER_SVM)
            ret = svm_class_solve(&mm, res->tol, max_iter, &sol, &r, eb);
        else
            ret = svm_example_solve(&mm, res->tol, max_iter, &sol, &H, &r, eb);
        if (ret != SWEEP_OK)
            goto cleanup;
        res->objective = r.objective;
        res->certificate = r.gap;
        res->spread = r.spread;
        res->path = r.fast_path ? "newton" : "ipm";
        res->iters = r.iters;
        res->converged = r.converged;
        ret = metrics_of(gp, k, sol->W, sol->Hbar, H, ref, &res->metrics, eb);
        break;
    }
    case POINT_SOLVER_SVM_GD: {
        svm_gd_options o;
        svm_result r;
        svm_gd_options_default(&o);
        o.d = prof->d;
        o.seed_key = init_key;
        if (pp->ufm.init == UFM_INIT_GAUSS)
            o.init_std = pp->ufm.init_std;
        o.max_iter = budget_iters;
        o.tol = budget_tol;
        res->tol = o.tol;
        if (o.max_iter < 1) {
            ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, "solver",
                                    "--solver svm-gd needs --iters >= 1");
            goto cleanup;
        }
        if ((ret = svm_gd_solve(&mm, &o, &sol, &W, &H, &r, eb)) != SWEEP_OK)
            goto cleanup;
        const int d = o.d > 0 ? o.d : k;
        if ((Hbar = malloc((size_t)d * k * sizeof(double))) == NULL) {
            ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "svm-gd: out of memory");
            goto cleanup;
        }
        geom_class_means(d, k, gp->counts, H, Hbar);
        res->objective = r.objective;
        res->certificate = r.violation;
        res->spread = r.spread;
        res->iters = r.iters;
        res->converged = r.converged;
        /* the objective gap to the convex optimum (the papers' claim: GD on the non-convex
         * problem finds the global minimum) */
        geom_prediction *opt = NULL;
        svm_result ro;
        if (svm_class_solve(&mm, THEORY_TOL, THEORY_MAX_IPM, &opt, &ro, NULL) == SWEEP_OK &&
            ro.converged)
            res->optimum_gap = (r.objective - ro.objective) / ro.objective;
        geom_prediction_destroy(&opt);
        ret = metrics_of(gp, d, W, Hbar, H, ref, &res->metrics, eb);
        break;
    }
    case POINT_SOLVER_REG:
    case POINT_SOLVER_REG_EXAMPLE: {
        reg_result r;
        const int example = pp->solver == POINT_SOLVER_REG_EXAMPLE;
        if (!(lv->lambda_w > 0.0 && lv->lambda_h > 0.0)) {
            ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, "solver",
                                    "--solver %s needs a ridge: --lambda > 0 (or --lambda-w and "
                                    "--lambda-h > 0)",
                                    point_solver_name(pp->solver));
            goto cleanup;
        }
        res->tol = budget_tol;
        const int64_t max_iter = budget_iters;
        if (max_iter < 1) {
            ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, "solver",
                                    "--solver %s needs --iters >= 1",
                                    point_solver_name(pp->solver));
            goto cleanup;
        }
        ret = example ? reg_solve_example(prof, lv, res->tol, max_iter, &sol, &H, &r, eb)
                      : reg_solve(prof, lv, res->tol, max_iter, &sol, &r, eb);
        if (ret != SWEEP_OK)
            goto cleanup;
        res->objective = r.objective;
        res->certificate = r.residual;
        res->spread = r.spread;
        res->iters = r.iters;
        res->converged = r.converged;
        ret = metrics_of(gp, k, sol->W, sol->Hbar, H, ref, &res->metrics, eb);
        break;
    }
    default:
        ret = sweep_err_set(eb, SWEEP_ERR_ARG, "refsolve_run: not a reference solver");
        break;
    }
cleanup:
    if (solution != NULL) {
        *solution = ret == SWEEP_OK ? sol : NULL;
        if (ret == SWEEP_OK)
            sol = NULL;
    }
    geom_prediction_destroy(&sol);
    free(H);
    free(W);
    free(Hbar);
    return ret;
}
