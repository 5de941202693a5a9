/* The regularized global minimizer: certified convergence, agreement with gradient descent on
 * the (W, H) objective (value and geometry), and the lambda -> 0 limit towards SELI. */
#include "check.h"
#include "geom.h"
#include "loss.h"
#include "metrics.h"
#include "profile.h"
#include "reg.h"
#include "svm.h"
#include "ufm.h"

#include <math.h>
#include <stdlib.h>

static int make(int k, double R, double lambda, loss_kind kind, double gamma, profile **p,
                loss_vectors **lv)
{
    profile_opts po;
    loss_opts lo;
    profile_opts_default(&po);
    po.k = k;
    po.R = R;
    po.n_min = 2;
    po.d = k;
    loss_opts_default(&lo);
    lo.kind = kind;
    lo.gamma = gamma;
    lo.lambda_w = lo.lambda_h = lambda;
    if (profile_create(&po, p, NULL) != SWEEP_OK)
        return 1;
    return loss_vectors_create(&lo, *p, lv, NULL) != SWEEP_OK;
}

/* reg_solve converges to 1e-10 and gradient descent on (W, H) with the same ridge reaches the same
 * objective and geometry (the landscape has no spurious minima: GD finds the global one) */
static int test_reg_matches_gd(void)
{
    int fails = 0;
    const struct {
        loss_kind kind;
        double gamma, lambda;
    } cases[] = {{LOSS_CE, 0, 1e-2}, {LOSS_CDT, 0.5, 1e-2}, {LOSS_LDT, 0.5, 5e-3}};
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        profile *p = NULL;
        loss_vectors *lv = NULL;
        geom_prediction *pred = NULL;
        geom_problem *gp = NULL;
        ufm_solver *s = NULL;
        reg_result rr;
        if (make(4, 3, cases[t].lambda, cases[t].kind, cases[t].gamma, &p, &lv))
            return fails + 1;
        CHECK_OK(reg_solve(p, lv, 1e-10, 200000, &pred, &rr, NULL));
        CHECK(rr.converged && rr.residual <= 1e-10);
        ufm_opts o;
        ufm_opts_default(&o);
        o.opt = UFM_OPT_GD;
        o.lr = 0.5;
        o.iters = 400000;
        o.tol_grad = 1e-11;
        o.init = UFM_INIT_GAUSS;
        o.init_std = 0.3;
        CHECK_OK(ufm_solver_create(p, lv, &o, 11, &s, NULL));
        CHECK_OK(geom_problem_from_loss(p, lv, &gp, NULL));
        ufm_result r;
        if (s != NULL && gp != NULL && pred != NULL) {
            CHECK_OK(ufm_solver_solve(s, gp, pred, NULL, &r));
            printf("  %s gamma %g lambda %g: reg %lld iterations, residual %.2g, objective %.12f; "
                   "GD %s after %lld, objective %.12f, dist_gw %.2g dist_gh %.2g dist_z %.2g\n",
                   loss_kind_name(cases[t].kind), cases[t].gamma, cases[t].lambda,
                   (long long)rr.iters, rr.residual, rr.objective, ufm_outcome_name(r.outcome),
                   (long long)r.iters, r.objective, r.metrics.dist_gw, r.metrics.dist_gh,
                   r.metrics.dist_z);
            CHECK_EQ_INT(r.outcome, UFM_CONVERGED_GRAD);
            CHECK_NEAR(r.objective, rr.objective, 1e-9);
            CHECK(r.metrics.dist_gw < 1e-6);
            CHECK(r.metrics.dist_gh < 1e-6);
            CHECK(r.metrics.dist_z < 1e-6);
        }
        ufm_solver_destroy(&s);
        geom_problem_destroy(&gp);
        geom_prediction_destroy(&pred);
        loss_vectors_destroy(&lv);
        profile_destroy(&p);
    }
    return fails;
}

/* As lambda -> 0 the normalized geometry approaches SELI (CE) */
static int test_reg_limit(void)
{
    int fails = 0;
    double prev = INFINITY;
    const double lambdas[3] = {1e-1, 1e-2, 1e-3};
    for (int i = 0; i < 3; i++) {
        profile *p = NULL;
        loss_vectors *lv = NULL;
        geom_prediction *pred = NULL, *seli = NULL;
        geom_problem *gp = NULL;
        reg_result rr;
        geom_metrics m;
        if (make(4, 5, lambdas[i], LOSS_CE, 0, &p, &lv))
            return fails + 1;
        CHECK_OK(reg_solve(p, lv, 1e-10, 500000, &pred, &rr, NULL));
        CHECK(rr.converged);
        CHECK_OK(geom_problem_from_loss(p, lv, &gp, NULL));
        CHECK_OK(geom_predict_seli_matrix(4, p->counts, NULL, &seli));
        if (pred && seli && gp) {
            CHECK_OK(geom_metrics_compute(gp, 4, pred->W, pred->Hbar, NULL, seli, &m));
            printf("  lambda %g: %lld iterations, dist_gw to SELI %.3g\n", lambdas[i],
                   (long long)rr.iters, m.dist_gw);
            CHECK(m.dist_gw < prev);
            prev = m.dist_gw;
        }
        geom_prediction_destroy(&seli);
        geom_prediction_destroy(&pred);
        geom_problem_destroy(&gp);
        loss_vectors_destroy(&lv);
        profile_destroy(&p);
    }
    CHECK(prev < 0.1); /* the approach is slow (logarithmic in 1/lambda) */
    return fails;
}

/* At lambda = 5e-4 the certified minimizer is the exact target of the published optimizer:
 * sgdm (lr 0.5, momentum 0.9) with PyTorch's coupled weight decay 5e-4 and no explicit ridge
 * reaches it to 1e-6 in geometry and 1e-9 in objective (measured: 1e-7 and 1e-12), and the same
 * holds for CDT, whose lambda -> 0 limit has no closed form. */
static int test_reg_matches_sgdm_wd(void)
{
    int fails = 0;
    const loss_kind kinds[2] = {LOSS_CE, LOSS_CDT};
    for (int t = 0; t < 2; t++) {
        profile *p = NULL, *p0 = NULL;
        loss_vectors *lv = NULL, *lv0 = NULL;
        geom_prediction *pred = NULL;
        geom_problem *gp = NULL;
        ufm_solver *s = NULL;
        reg_result rr;
        if (make(4, 3, 5e-4, kinds[t], 1.0, &p, &lv) || make(4, 3, 0.0, kinds[t], 1.0, &p0, &lv0))
            return fails + 1;
        CHECK_OK(reg_solve(p, lv, 1e-10, 500000, &pred, &rr, NULL));
        CHECK(rr.converged);
        ufm_opts o;
        ufm_opts_default(&o);
        o.opt = UFM_OPT_SGDM;
        o.lr = 0.5;
        o.momentum = 0.9;
        o.wd = 5e-4;
        o.iters = 20000;
        o.init = UFM_INIT_GAUSS;
        o.init_std = 0.3;
        CHECK_OK(ufm_solver_create(p0, lv0, &o, 3, &s, NULL));
        CHECK_OK(geom_problem_from_loss(p0, lv0, &gp, NULL));
        ufm_result r;
        if (s != NULL && gp != NULL && pred != NULL) {
            CHECK_OK(ufm_solver_solve(s, gp, pred, NULL, &r));
            const double obj = r.loss + 0.5 * 5e-4 * (r.metrics.w_fro * r.metrics.w_fro +
                                                      r.metrics.h_fro * r.metrics.h_fro);
            printf("  %s: reg objective %.15f (%lld iterations); sgdm+wd after %lld: %.15f, "
                   "dist_gw %.2g dist_gh %.2g dist_z %.2g\n",
                   loss_kind_name(kinds[t]), rr.objective, (long long)rr.iters,
                   (long long)r.iters, obj, r.metrics.dist_gw, r.metrics.dist_gh,
                   r.metrics.dist_z);
            CHECK_NEAR(obj, rr.objective, 1e-9);
            CHECK(r.metrics.dist_gw < 1e-6);
            CHECK(r.metrics.dist_gh < 1e-6);
            CHECK(r.metrics.dist_z < 1e-6);
        }
        ufm_solver_destroy(&s);
        geom_problem_destroy(&gp);
        geom_prediction_destroy(&pred);
        loss_vectors_destroy(&lv);
        loss_vectors_destroy(&lv0);
        profile_destroy(&p);
        profile_destroy(&p0);
    }
    return fails;
}

/* As lambda -> 0 the normalized geometry of the CDT-regularized minimizer approaches the
 * certified CDT-form CS-SVM at rho != 1/2 (no closed form there), at the logarithmic rate of
 * regularization paths (CE reaches SELI much faster: test_reg_limit) */
static int test_reg_limit_cdt(void)
{
    int fails = 0;
    double prev = INFINITY;
    const double lambdas[4] = {1e-1, 1e-2, 1e-3, 1e-4};
    for (int i = 0; i < 4; i++) {
        profile *p = NULL;
        loss_vectors *lv = NULL;
        geom_prediction *pred = NULL, *svm = NULL;
        geom_problem *gp = NULL;
        reg_result rr;
        svm_result sr;
        geom_metrics m;
        profile_opts po;
        loss_opts lo;
        profile_opts_default(&po);
        po.k = 4;
        po.R = 5;
        po.rho = 0.25;
        po.n_min = 2;
        loss_opts_default(&lo);
        lo.kind = LOSS_CDT;
        lo.gamma = 1.0;
        lo.lambda_w = lo.lambda_h = lambdas[i];
        if (profile_create(&po, &p, NULL) != SWEEP_OK ||
            loss_vectors_create(&lo, p, &lv, NULL) != SWEEP_OK)
            return fails + 1;
        CHECK_OK(reg_solve(p, lv, 1e-10, 500000, &pred, &rr, NULL));
        CHECK_OK(geom_problem_from_loss(p, lv, &gp, NULL));
        if (gp != NULL)
            gp->regularized = 0;
        CHECK_OK(svm_class_solve(gp, 1e-10, 100, &svm, &sr, NULL));
        if (pred && svm && gp) {
            CHECK(rr.converged && sr.converged);
            CHECK_OK(geom_metrics_compute(gp, 4, pred->W, pred->Hbar, NULL, svm, &m));
            printf("  cdt lambda %g: %lld iterations, dist_gw to the CDT-form CS-SVM %.3g, "
                   "dist_gh %.3g\n",
                   lambdas[i], (long long)rr.iters, m.dist_gw, m.dist_gh);
            CHECK(m.dist_gw < prev);
            /* the regularization path reaches the max-margin direction at the rate
             * 1/log(1/lambda) (measured: dist_gw * log(1/lambda) = 1.58, 1.82, 1.87, 1.99) */
            CHECK(m.dist_gw * log(1.0 / lambdas[i]) < 2.2);
            prev = m.dist_gw;
        }
        geom_prediction_destroy(&svm);
        geom_prediction_destroy(&pred);
        geom_problem_destroy(&gp);
        loss_vectors_destroy(&lv);
        profile_destroy(&p);
    }
    CHECK(prev < 0.25);
    return fails;
}

/* example level (k x n, no collapse assumed, a different start) = class level: same objective
 * and geometry, embeddings of a class coincide */
static int test_reg_example(void)
{
    int fails = 0;
    const loss_kind kinds[3] = {LOSS_CE, LOSS_CDT, LOSS_LDT};
    for (int t = 0; t < 3; t++) {
        profile *p = NULL;
        loss_vectors *lv = NULL;
        geom_prediction *cl = NULL, *ex = NULL;
        geom_problem *gp = NULL;
        reg_result rc, re;
        geom_metrics m;
        double *H = NULL;
        if (make(4, 3, 1e-2, kinds[t], 0.5, &p, &lv))
            return fails + 1;
        CHECK_OK(reg_solve(p, lv, 1e-10, 200000, &cl, &rc, NULL));
        CHECK_OK(reg_solve_example(p, lv, 1e-10, 200000, &ex, &H, &re, NULL));
        CHECK_OK(geom_problem_from_loss(p, lv, &gp, NULL));
        if (cl && ex && gp && H) {
            CHECK_OK(geom_metrics_compute(gp, 4, ex->W, ex->Hbar, NULL, cl, &m));
            printf("  %s: class %lld it objective %.15f; example (n = %g) %lld it objective %.15f, "
                   "spread %.1e, dist_gw %.1e dist_gh %.1e dist_z %.1e\n",
                   loss_kind_name(kinds[t]), (long long)rc.iters, rc.objective, p->n,
                   (long long)re.iters, re.objective, re.spread, m.dist_gw, m.dist_gh, m.dist_z);
            CHECK(rc.converged && re.converged);
            CHECK_NEAR(re.objective, rc.objective, 1e-10);
            CHECK(re.spread < 1e-8);
            CHECK(m.dist_gw < 1e-8 && m.dist_gh < 1e-8 && m.dist_z < 1e-8);
        }
        free(H);
        geom_problem_destroy(&gp);
        geom_prediction_destroy(&cl);
        geom_prediction_destroy(&ex);
        loss_vectors_destroy(&lv);
        profile_destroy(&p);
    }
    return fails;
}

/* a truncated run reports its residual and converged = 0 */
static int test_reg_truncated(void)
{
    int fails = 0;
    profile *p = NULL;
    loss_vectors *lv = NULL;
    geom_prediction *pred = NULL;
    reg_result rr;
    if (make(4, 3, 1e-3, LOSS_CE, 0, &p, &lv))
        return 1;
    CHECK_OK(reg_solve(p, lv, 1e-10, 5, &pred, &rr, NULL));
    CHECK(!rr.converged && rr.residual > 1e-10 && rr.iters == 5);
    geom_prediction_destroy(&pred);
    loss_vectors_destroy(&lv);
    profile_destroy(&p);
    return fails;
}

int main(void)
{
    int passed = 0, failed = 0;
    RUN_TEST(test_reg_matches_gd, passed, failed);
    RUN_TEST(test_reg_limit, passed, failed);
    RUN_TEST(test_reg_limit_cdt, passed, failed);
    RUN_TEST(test_reg_matches_sgdm_wd, passed, failed);
    RUN_TEST(test_reg_example, passed, failed);
    RUN_TEST(test_reg_truncated, passed, failed);
    return TEST_SUMMARY(passed, failed);
}
