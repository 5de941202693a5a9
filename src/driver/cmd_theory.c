/* `ufmsweep theory`: the predicted geometry of one problem and its metrics. */
#include "cli.h"
#include "commands.h"
#include "geom.h"
#include "metrics.h"
#include "point.h"
#include "refsolve.h"
#include "reg.h"
#include "report.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void theory_help(FILE *f, const cli_option *opts, size_t n_opts)
{
    fprintf(f,
            "usage: ufmsweep theory [PROBLEM options] [LOSS options] [--json] [--matrices]\n"
            "\n"
            "Print the geometry that gradient descent on the unconstrained-features model is\n"
            "predicted to approach for one problem: the solution of the max-margin problem that\n"
            "is the implicit bias of the loss (docs/THEORY.md: max-margin problems and closed forms):\n"
            "  ce, wce, la (and any loss with constant Delta)  UF-SVM      -> SELI geometry\n"
            "  cdt, vs                                         CDT-form CS-SVM\n"
            "  ldt                                             margin-form CS-SVM (delta = 1/Delta)\n"
            "Closed forms exist for SELI and the margin form at any class counts (eigen-\n"
            "decomposition of P N P) and for the CDT form under STEP with rho = 1/2. Everywhere\n"
            "else (CDT/VS with rho != 1/2, LT or explicit counts, explicit Delta) the class-level\n"
            "convex problem is solved (Newton's method when every margin is active at the\n"
            "optimum, else an interior-point method) and certified to a relative duality gap\n"
            "of 1e-10 (theory_source convex): milliseconds at k = 10, 0.2 s at k = 100, about\n"
            "20 s at k = 500 (docs/SOLVERS.md). With a ridge (--lambda > 0)\n"
            "it prints the regularized global minimizer instead, certified to a residual of\n"
            "1e-9 (theory_source convex): the exact target of gradient descent with that weight\n"
            "decay.\n"
            "\n"
            "Examples:\n"
            "  ufmsweep theory --k 10 --R 10 --rho 0.5                # SELI, human-readable\n"
            "  ufmsweep theory --k 10 --R 10 --loss ldt --gamma 0.5 --json\n"
            "  ufmsweep theory --counts 100,50,20,5 --json --matrices\n"
            "  ufmsweep theory --k 10 --R 10 --rho 0.3 --loss cdt --gamma 1   # convex, certified\n"
            "\nCommand options:\n");
    cli_print_options(f, opts, n_opts);
    params_print_help(f, PARAM_GROUP_PROBLEM | PARAM_GROUP_LOSS);
    fprintf(f, "\nExit status: 0 success; 1 bad input, or no closed form and no certified convex "
               "solve\n(message on stderr).\n");
}

int cmd_theory_main(int argc, char **argv)
{
    int exit_code = UFMSWEEP_EXIT_FAIL;
    int json = 0, matrices = 0, want_help = 0;
    point_params pp;
    sweep_errbuf eb;
    profile *prof = NULL;
    loss_vectors *lv = NULL;
    geom_problem *gp = NULL;
    geom_prediction *pred = NULL;
    json_t *obj = NULL;
    geom_metrics m;
    point_solve_out po;
    struct timespec t0, t1;
    const cli_option opts[] = {
        {"json", NULL, &json, NULL, "print one JSON object on stdout instead of the table"},
        {"matrices", NULL, &matrices, NULL,
         "also print G_W = W^T W, G_H = Hbar^T Hbar and Z = W^T Hbar (k x k)"},
    };
    const size_t n_opts = sizeof opts / sizeof opts[0];

    clock_gettime(CLOCK_MONOTONIC, &t0);
    sweep_errbuf_clear(&eb);
    memset(&po, 0, sizeof po);
    params_default(&pp);
    if (cli_parse(argc, argv, 1, PARAM_GROUP_PROBLEM | PARAM_GROUP_LOSS, opts, n_opts, &pp,
                  &want_help, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep theory: %s\n", eb.msg);
        goto cleanup;
    }
    if (want_help) {
        theory_help(stdout, opts, n_opts);
        exit_code = UFMSWEEP_EXIT_OK;
        goto cleanup;
    }
    /* lambda > 0: the certified regularized minimizer (convex); else the max-margin reference
     * through point_solve, the path that writes a sweep's /theory */
    reg_result rr;
    svm_result cert;
    int source = REFSOLVE_THEORY_CONVEX, ret = SWEEP_OK;
    memset(&rr, 0, sizeof rr);
    memset(&cert, 0, sizeof cert);
    if (pp.loss.lambda_w > 0.0 || pp.loss.lambda_h > 0.0) {
        if (params_build_problem(&pp, &prof, &lv, &gp, &eb) != SWEEP_OK) {
            fprintf(stderr, "ufmsweep theory: %s\n", eb.msg);
            goto cleanup;
        }
        ret = reg_solve(prof, lv, 1e-9, 200000, &pred, &rr, &eb);
    } else {
        point_record rec;
        pp.solver = POINT_SOLVER_NONE;
        const point_solve_opts popts = {0, 0, NULL, NULL, NULL, &po, NULL, NULL};
        point_solve(&pp, &popts, 0, 0, &rec, NULL);
        prof = po.prof;
        lv = po.lv;
        gp = po.gp;
        pred = po.pred;
        po.prof = NULL;
        po.lv = NULL;
        po.gp = NULL;
        po.pred = NULL;
        source = po.theory_source;
        cert = po.theory_cert;
        if (po.error.code != SWEEP_OK && gp == NULL) { /* the problem itself is impossible */
            fprintf(stderr, "ufmsweep theory: %s\n", po.error.msg);
            goto cleanup;
        }
        if (po.error.code != SWEEP_OK)
            ret = sweep_err_set(&eb, po.error.code, "%s", po.error.msg);
        else if (pred == NULL)
            ret = sweep_err_set(&eb, SWEEP_ERR_NO_CLOSED_FORM, "%s", po.theory_note.msg);
    }
    if (ret == SWEEP_OK && gp->regularized && !rr.converged) {
        fprintf(stderr, "ufmsweep theory: the regularized solve stopped at residual %.3g after %lld "
                        "iterations (not certified to 1e-9)\n",
                rr.residual, (long long)rr.iters);
        goto cleanup;
    }
    if (ret != SWEEP_OK) {
        fprintf(stderr, "ufmsweep theory: %s: %s\n", sweep_strerror(ret), eb.msg);
        goto cleanup;
    }
    /* The prediction is its own reference: distances are 0 by construction. */
    ret = geom_prediction_metrics(gp, pred, &m);
    if (ret != SWEEP_OK) {
        fprintf(stderr, "ufmsweep theory: computing metrics: %s\n", sweep_strerror(ret));
        goto cleanup;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall_s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);

    if (json) {
        obj = json_object();
        if (obj == NULL || report_problem_json(obj, &pp, prof, lv) != SWEEP_OK ||
            report_metrics_json(obj, &m) != SWEEP_OK) {
            fprintf(stderr, "ufmsweep theory: out of memory building JSON\n");
            goto cleanup;
        }
        json_object_set_new(obj, "problem", json_string(geom_problem_kind_name(gp->kind)));
        const int exact = source == REFSOLVE_THEORY_CLOSED_FORM;
        json_object_set_new(obj, "theory_source", json_string(refsolve_theory_source_name(source)));
        json_object_set_new(obj, "theory_method", json_string(geom_method_name(pred->method)));
        json_object_set_new(obj, "outcome", json_string(exact ? "exact" : "converged"));
        json_object_set_new(obj, "iters", json_integer(gp->regularized ? rr.iters : cert.iters));
        if (gp->regularized) {
            json_object_set_new(obj, "certificate_residual", json_real(rr.residual));
            json_object_set_new(obj, "objective", json_real(rr.objective));
        } else if (!exact) {
            json_object_set_new(obj, "certificate_gap", json_real(cert.gap));
            json_object_set_new(obj, "certificate_violation", json_real(cert.violation));
            json_object_set_new(obj, "objective", json_real(cert.objective));
            json_object_set_new(obj, "lower_bound", json_real(cert.lower_bound));
            json_object_set_new(obj, "path", json_string(cert.fast_path ? "newton" : "ipm"));
        }
        json_object_set_new(obj, "wall_s", json_real(wall_s));
        if (matrices) {
            json_object_set_new(obj, "G_W", report_json_matrix(pred->G_W, pred->k));
            json_object_set_new(obj, "G_H", report_json_matrix(pred->G_H, pred->k));
            json_object_set_new(obj, "Z", pred->Z ? report_json_matrix(pred->Z, pred->k)
                                                  : json_null());
        }
        if (report_json_print(stdout, obj) != SWEEP_OK) {
            fprintf(stderr, "ufmsweep theory: cannot write to stdout\n");
            goto cleanup;
        }
    } else {
        if (gp->regularized)
            printf("ufmsweep theory: regularized global minimizer (convex, %s: residual %.2g "
                   "after %lld iterations, objective %.12g)\n",
                   geom_method_name(pred->method), rr.residual, (long long)rr.iters, rr.objective);
        else if (source == REFSOLVE_THEORY_CONVEX)
            printf("ufmsweep theory: predicted geometry (certified convex solve, %s: relative gap "
                   "%.2g after %lld %s iterations, objective %.12g)\n",
                   geom_method_name(pred->method), cert.gap, (long long)cert.iters,
                   cert.fast_path ? "Newton" : "interior-point",
                   cert.objective);
        else
            printf("ufmsweep theory: predicted geometry (closed form, %s)\n",
                   geom_method_name(pred->method));
        report_problem_text(stdout, &pp, prof, lv);
        if (gp->regularized)
            printf("problem  min (1/n) sum loss + lambda ||Z||_*, lambda = sqrt(lambda_w lambda_h) "
                   "(the exact target of GD with this ridge / weight decay)\n\n");
        else
            printf("problem  %s (implicit bias of %s)\n\n", geom_problem_kind_name(gp->kind),
                   loss_kind_name(lv->kind));
        report_metrics_text(stdout, &m);
        if (matrices) {
            const char *names[3] = {"G_W = W^T W", "G_H = Hbar^T Hbar", "Z = W^T Hbar"};
            const double *mats[3] = {pred->G_W, pred->G_H, pred->Z};
            for (int t = 0; t < 3; t++) {
                printf("\n%s%s\n", names[t], mats[t] ? ":" : ": not determined by this method");
                for (int i = 0; mats[t] && i < pred->k; i++) {
                    for (int j = 0; j < pred->k; j++)
                        printf(" %11.6f", mats[t][i + (size_t)j * pred->k]);
                    printf("\n");
                }
            }
        }
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "ufmsweep theory: cannot write to stdout\n");
        goto cleanup;
    }
    exit_code = UFMSWEEP_EXIT_OK;
cleanup:
    json_decref(obj);
    point_solve_out_clear(&po);
    geom_prediction_destroy(&pred);
    geom_problem_destroy(&gp);
    loss_vectors_destroy(&lv);
    profile_destroy(&prof);
    return exit_code;
}
