/* `ufmsweep theory`: the predicted geometry of one problem and its metrics. */
#include "cli.h"
#include "commands.h"
#include "geom.h"
#include "metrics.h"
#include "point.h"
#include "refsolve.h"
#include "report.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void theory_help(FILE *f, const cli_arg *opts, size_t n_opts)
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
            "1e-10 (theory_source convex): the exact target of gradient descent with that weight\n"
            "decay, computed as a sweep's `solver: reg` point computes it (the same numbers).\n"
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

/* What the command prints: the problem, the prediction (the max-margin reference, or with a
 * ridge the certified regularized minimizer) and how it was found. Owns nothing: the objects
 * stay in po. */
typedef struct theory_view {
    point_params pp;
    const profile *prof;
    const loss_vectors *lv;
    const geom_problem *gp;
    const geom_prediction *pred;
    int regularized;          /* --lambda > 0: pred is the regularized minimizer */
    int source;               /* REFSOLVE_THEORY_* */
    svm_result cert;          /* the max-margin convex solve's certificate */
    refsolve_result reg;      /* the regularized solve's result */
    geom_metrics m;           /* of pred against itself: distances 0 by construction */
    double wall_s;
} theory_view;

/* The prediction of one problem through point_solve, the path of a sweep's points: solver none
 * (the max-margin reference a sweep stores in /theory), or with a ridge solver reg (the
 * certified regularized minimizer a sweep's `solver: reg` point finds). 0: printed what failed. */
static int theory_compute(theory_view *v, point_solve_out *po)
{
    point_record rec;
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    v->regularized = v->pp.loss.lambda_w > 0.0 || v->pp.loss.lambda_h > 0.0;
    v->pp.solver = v->regularized ? POINT_SOLVER_REG : POINT_SOLVER_NONE;
    const point_solve_opts popts = {.out = po};
    point_solve(&v->pp, &popts, 0, 0, &rec, NULL);
    v->prof = po->prof;
    v->lv = po->lv;
    v->gp = po->gp;
    v->source = v->regularized ? REFSOLVE_THEORY_CONVEX : po->theory_source;
    v->cert = po->theory_cert;
    v->reg = po->ref;
    v->pred = v->regularized ? po->ref_solution : po->pred;
    if (po->error.code != SWEEP_OK && po->gp == NULL) { /* the problem itself is impossible */
        fprintf(stderr, "ufmsweep theory: %s\n", po->error.msg);
        return 0;
    }
    if (po->error.code != SWEEP_OK || v->pred == NULL) {
        const int code = po->error.code != SWEEP_OK ? po->error.code : SWEEP_ERR_NO_CLOSED_FORM;
        fprintf(stderr, "ufmsweep theory: %s: %s\n", sweep_strerror(code),
                po->error.code != SWEEP_OK ? po->error.msg : po->theory_note.msg);
        return 0;
    }
    if (v->regularized && !v->reg.converged) {
        fprintf(stderr, "ufmsweep theory: the regularized solve stopped at residual %.3g after "
                        "%lld iterations (not certified to %.3g)\n",
                v->reg.certificate, (long long)v->reg.iters, v->reg.tol);
        return 0;
    }
    const int ret = geom_prediction_metrics(v->gp, v->pred, &v->m);
    if (ret != SWEEP_OK) {
        fprintf(stderr, "ufmsweep theory: computing metrics: %s\n", sweep_strerror(ret));
        return 0;
    }
    return 1;
}

static int theory_json(const theory_view *v, int matrices)
{
    json_t *obj = json_object();
    const geom_prediction *pred = v->pred;
    if (obj == NULL || report_problem_json(obj, &v->pp, v->prof, v->lv) != SWEEP_OK ||
        report_metrics_json(obj, &v->m) != SWEEP_OK) {
        json_decref(obj);
        fprintf(stderr, "ufmsweep theory: out of memory building JSON\n");
        return 0;
    }
    const int exact = v->source == REFSOLVE_THEORY_CLOSED_FORM;
    json_object_set_new(obj, "problem", json_string(geom_problem_kind_name(v->gp->kind)));
    json_object_set_new(obj, "theory_source",
                        json_string(refsolve_theory_source_name(v->source)));
    json_object_set_new(obj, "theory_method", json_string(geom_method_name(pred->method)));
    json_object_set_new(obj, "outcome", json_string(exact ? "exact" : "converged"));
    json_object_set_new(obj, "iters", json_integer(v->regularized ? v->reg.iters : v->cert.iters));
    if (v->regularized) {
        json_object_set_new(obj, "certificate_residual", json_real(v->reg.certificate));
        json_object_set_new(obj, "objective", json_real(v->reg.objective));
    } else if (!exact) {
        json_object_set_new(obj, "certificate_gap", json_real(v->cert.gap));
        json_object_set_new(obj, "certificate_violation", json_real(v->cert.violation));
        json_object_set_new(obj, "objective", json_real(v->cert.objective));
        json_object_set_new(obj, "lower_bound", json_real(v->cert.lower_bound));
        json_object_set_new(obj, "path", json_string(v->cert.fast_path ? "newton" : "ipm"));
    }
    json_object_set_new(obj, "wall_s", json_real(v->wall_s));
    if (matrices) {
        json_object_set_new(obj, "G_W", report_json_matrix(pred->G_W, pred->k));
        json_object_set_new(obj, "G_H", report_json_matrix(pred->G_H, pred->k));
        json_object_set_new(obj, "Z", pred->Z ? report_json_matrix(pred->Z, pred->k)
                                              : json_null());
    }
    const int ok = report_json_print(stdout, obj) == SWEEP_OK;
    json_decref(obj);
    if (!ok)
        fprintf(stderr, "ufmsweep theory: cannot write to stdout\n");
    return ok;
}

static void theory_text(const theory_view *v, int matrices)
{
    const geom_prediction *pred = v->pred;
    if (v->regularized)
        printf("ufmsweep theory: regularized global minimizer (convex, %s: residual %.2g after "
               "%lld iterations, objective %.12g)\n",
               geom_method_name(pred->method), v->reg.certificate, (long long)v->reg.iters,
               v->reg.objective);
    else if (v->source == REFSOLVE_THEORY_CONVEX)
        printf("ufmsweep theory: predicted geometry (certified convex solve, %s: relative gap "
               "%.2g after %lld %s iterations, objective %.12g)\n",
               geom_method_name(pred->method), v->cert.gap, (long long)v->cert.iters,
               v->cert.fast_path ? "Newton" : "interior-point", v->cert.objective);
    else
        printf("ufmsweep theory: predicted geometry (closed form, %s)\n",
               geom_method_name(pred->method));
    report_problem_text(stdout, &v->pp, v->prof, v->lv);
    if (v->regularized)
        printf("problem  min (1/n) sum loss + lambda ||Z||_*, lambda = sqrt(lambda_w lambda_h) "
               "(the exact target of GD with this ridge / weight decay)\n\n");
    else
        printf("problem  %s (implicit bias of %s)\n\n", geom_problem_kind_name(v->gp->kind),
               loss_kind_name(v->lv->kind));
    report_metrics_text(stdout, &v->m);
    const char *names[3] = {"G_W = W^T W", "G_H = Hbar^T Hbar", "Z = W^T Hbar"};
    const double *mats[3] = {pred->G_W, pred->G_H, pred->Z};
    for (int t = 0; matrices && t < 3; t++) {
        printf("\n%s%s\n", names[t], mats[t] ? ":" : ": not determined by this method");
        for (int i = 0; mats[t] && i < pred->k; i++) {
            for (int j = 0; j < pred->k; j++)
                printf(" %11.6f", mats[t][i + (size_t)j * pred->k]);
            printf("\n");
        }
    }
}

int cmd_theory_main(int argc, char **argv)
{
    int exit_code = UFMSWEEP_EXIT_FAIL;
    int json = 0, matrices = 0, want_help = 0;
    sweep_errbuf eb;
    point_solve_out po;
    theory_view v;
    struct timespec t0, t1;
    const cli_arg opts[] = {
        {.name = "json",
         .kind = CLI_FLAG,
         .out = &json,
         .help = "print one JSON object on stdout instead of the table"},
        {.name = "matrices",
         .kind = CLI_FLAG,
         .out = &matrices,
         .help = "also print G_W = W^T W, G_H = Hbar^T Hbar and Z = W^T Hbar (k x k)"},
    };
    const size_t n_opts = sizeof opts / sizeof opts[0];

    clock_gettime(CLOCK_MONOTONIC, &t0);
    sweep_errbuf_clear(&eb);
    memset(&po, 0, sizeof po);
    memset(&v, 0, sizeof v);
    params_default(&v.pp);
    if (cli_parse(argc, argv, 1, PARAM_GROUP_PROBLEM | PARAM_GROUP_LOSS, opts, n_opts, &v.pp,
                  &want_help, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep theory: %s\n", eb.msg);
        goto cleanup;
    }
    if (want_help) {
        theory_help(stdout, opts, n_opts);
        exit_code = UFMSWEEP_EXIT_OK;
        goto cleanup;
    }
    if (!theory_compute(&v, &po))
        goto cleanup;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    v.wall_s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (json) {
        if (!theory_json(&v, matrices))
            goto cleanup;
    } else {
        theory_text(&v, matrices);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "ufmsweep theory: cannot write to stdout\n");
        goto cleanup;
    }
    exit_code = UFMSWEEP_EXIT_OK;
cleanup:
    point_solve_out_clear(&po);
    return exit_code;
}
