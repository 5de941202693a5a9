/* `ufmsweep solve`: one gradient-descent solve of the UFM and its metrics. */
#include "cli.h"
#include "ext.h"
#include "commands.h"
#include "geom.h"
#include "metrics.h"
#include "numparse.h"
#include "point.h"
#include "pufm.h"
#include "refsolve.h"
#include "report.h"
#include "spec.h"
#include "sweep_proto.h"
#include "ufm.h"

#include <errno.h>
#include <mpi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void solve_help(FILE *f, const cli_arg *opts, size_t n_opts)
{
    fprintf(f,
            "usage: ufmsweep solve [PROBLEM] [LOSS] [SOLVER] [--json] [--trace-csv FILE]\n"
            "       ufmsweep solve --spec SPEC.yaml --point 'R=4,loss=ldt,gamma=0.5' [--json]\n"
            "                      [--trace-csv FILE]\n"
            "\n"
            "With --spec: recompute one point of that sweep alone, through the sweep's own point\n"
            "path (seed_base, fixed settings and the point's axis values), so every number is\n"
            "bitwise the one its store holds. --point gives KEY=VALUE for each axis (an axis of\n"
            "one value may be left out; numbers match by value). Prints the trained and the\n"
            "predicted metrics, the point's state and message; --trace-csv writes its trace.\n"
            "\n"
            "With --solver ufm (the default): train the unconstrained-features model (W: d x k,\n"
            "H: d x n, logits W^T H) with a CE-family loss by full-batch gradient descent and\n"
            "report its geometry (the metrics of docs/THEORY.md) and the distances to the\n"
            "geometry predicted for the loss's implicit bias\n"
            "(SELI for ce/wce/la, CDT form for cdt/vs, margin form for ldt; `ufmsweep theory`).\n"
            "The objective is mean loss + (lambda_w/2)||W||^2 + (lambda_h/2)||H||^2; --wd adds\n"
            "PyTorch's coupled weight decay on top, and the reported objective includes its\n"
            "term (wd/2)(||W||^2 + ||H||^2 + ||b||^2). The initialization depends only on --seed\n"
            "and the problem's shape (k, d, counts), so two losses with the same seed start from\n"
            "the same point. Not converging and diverging are outcomes (exit 0), not errors.\n"
            "\n"
            "Reference solvers (the max-margin problems of docs/THEORY.md; docs/SOLVERS.md),\n"
            "compared with the same reference geometry (closed form, else the certified\n"
            "class-level convex solve):\n"
            "  svm          class-level max-margin problem of the loss (Newton's method when all\n"
            "               margins are active, else an interior-point method), certified\n"
            "               relative duality gap (default 1e-10, set by --tol-grad)\n"
            "  svm-example  the same problem on all n examples (no collapse assumed): reports the\n"
            "               within-class spread; counts must be integers\n"
            "  svm-gd       gradient descent on the non-convex factorized SVM in (W, H), d = --d,\n"
            "               augmented Lagrangian; init gauss:STD (default 0.1), tolerance 1e-7\n"
            "  reg          the regularized global minimizer for --lambda > 0 (certified residual)\n"
            "  reg-example  the same on all n examples (no collapse assumed; reports the spread)\n"
            "--iters caps their iterations only when given (defaults: svm 100, svm-gd and reg\n"
            "200000); --opt, --lr and the other GD options do not apply to them. The JSON adds\n"
            "objective, certificate, certificate_kind (gap, residual or violation), tol, spread,\n"
            "path (newton or ipm for svm*) and optimum_gap (svm-gd: relative objective gap to\n"
            "the certified convex optimum).\n"
            "\n"
            "Examples:\n"
            "  # the published experiment (CDT, gamma = 0.5; see docs/SOLVERS.md)\n"
            "  ufmsweep solve --k 10 --R 10 --rho 0.5 --n-min 5 --d 20 --loss cdt --gamma 0.5 \\\n"
            "      --opt sgdm --lr 0.1 --momentum 0.9 --wd 5e-4 --iters 6000 \\\n"
            "      --milestones 2000,4000 --lr-decay 0.1 --json\n"
            "  # normalized GD towards SELI, with a convergence trace\n"
            "  ufmsweep solve --R 10 --opt ngd --lr 0.5 --iters 20000 --trace-csv trace.csv\n"
            "  # the certified CDT-form CS-SVM at rho = 0.3 (no closed form), and SVM-GD on it\n"
            "  ufmsweep solve --k 10 --R 10 --rho 0.3 --loss cdt --gamma 1 --solver svm --json\n"
            "  ufmsweep solve --k 4 --R 5 --n-min 2 --loss cdt --gamma 1 --solver svm-gd\n"
            "  # one large solve on 2 ranks (ScaLAPACK process grid 1 x 2; docs/SCALING.md)\n"
            "  mpirun -n 2 ufmsweep solve --k 100 --d 512 --R 10 --n-min 500 --iters 20 \\\n"
            "      --ranks-per-solve 2 --json\n"
            "\nCommand options:\n");
    cli_print_options(f, opts, n_opts);
    params_print_help(f, PARAM_GROUP_PROBLEM | PARAM_GROUP_LOSS | PARAM_GROUP_SOLVER);
    fprintf(f, "\nExit status: 0 solve ran (whatever its outcome); 1 bad input or I/O error.\n");
}

static int write_trace_csv(FILE *f, const ufm_trace *t)
{
    fprintf(f, "iter,lr,loss,grad_norm");
    for (int i = 0; i < GEOM_METRICS_COUNT; i++)
        fprintf(f, ",%s", geom_metric_name(i));
    fprintf(f, "\n");
    for (int j = 0; j < t->points; j++) {
        if (t->iter[j] < 0)
            break; /* stopped before this trace point */
        fprintf(f, "%lld,%.17g,%.17g,%.17g", (long long)t->iter[j], t->lr[j], t->loss[j],
                t->grad_norm[j]);
        for (int i = 0; i < GEOM_METRICS_COUNT; i++)
            fprintf(f, ",%.17g", geom_metric_value(&t->metrics[j], i));
        fprintf(f, "\n");
    }
    return ferror(f) ? SWEEP_ERR_IO : SWEEP_OK;
}

static json_t *trace_json(const ufm_trace *t)
{
    json_t *o = json_object();
    json_t *it = json_array(), *lr = json_array(), *loss = json_array(), *gn = json_array();
    json_t *m[GEOM_METRICS_COUNT];
    for (int i = 0; i < GEOM_METRICS_COUNT; i++)
        m[i] = json_array();
    for (int j = 0; j < t->points && t->iter[j] >= 0; j++) {
        json_array_append_new(it, json_integer(t->iter[j]));
        json_array_append_new(lr, report_json_real(t->lr[j]));
        json_array_append_new(loss, report_json_real(t->loss[j]));
        json_array_append_new(gn, report_json_real(t->grad_norm[j]));
        for (int i = 0; i < GEOM_METRICS_COUNT; i++)
            json_array_append_new(m[i], report_json_real(geom_metric_value(&t->metrics[j], i)));
    }
    json_object_set_new(o, "iter", it);
    json_object_set_new(o, "lr", lr);
    json_object_set_new(o, "loss", loss);
    json_object_set_new(o, "grad_norm", gn);
    for (int i = 0; i < GEOM_METRICS_COUNT; i++)
        json_object_set_new(o, geom_metric_name(i), m[i]);
    return o;
}

/* --solver svm | svm-example | svm-gd | reg: print the reference solve of po like the ufm path.
 * Returns the exit code. */
static int print_reference(const point_params *pp, const point_solve_out *po, int json)
{
    const refsolve_result r = po->ref;
    const profile *prof = po->prof;
    const loss_vectors *lv = po->lv;
    const geom_problem *gp = po->gp;
    const geom_prediction *ref = po->pred;
    const int source = po->theory_source;
    const char *theory_note = po->theory_note.msg;
    const double wall_s = po->solve_wall_s;
    json_t *obj = NULL;
    int exit_code = UFMSWEEP_EXIT_FAIL;
    const char *name = point_solver_name(pp->solver);
    const char *cert_name = point_solver_info(pp->solver)->certificate;
    if (json) {
        obj = json_object();
        if (obj == NULL || report_problem_json(obj, pp, prof, lv) != SWEEP_OK ||
            report_metrics_json(obj, &r.metrics) != SWEEP_OK) {
            fprintf(stderr, "ufmsweep solve: out of memory building JSON\n");
            goto cleanup;
        }
        json_object_set_new(obj, "solver", json_string(name));
        json_object_set_new(obj, "problem", json_string(geom_problem_kind_name(gp->kind)));
        json_object_set_new(obj, "theory_source",
                            ref ? json_string(refsolve_theory_source_name(source)) : json_null());
        json_object_set_new(obj, "theory_method",
                            ref ? json_string(geom_method_name(ref->method)) : json_null());
        json_object_set_new(obj, "objective", report_json_real(r.objective));
        json_object_set_new(obj, "certificate", report_json_real(r.certificate));
        json_object_set_new(obj, "certificate_kind", json_string(cert_name));
        json_object_set_new(obj, "tol", report_json_real(r.tol));
        json_object_set_new(obj, "spread", report_json_real(r.spread));
        json_object_set_new(obj, "path", r.path ? json_string(r.path) : json_null());
        json_object_set_new(obj, "optimum_gap", report_json_real(r.optimum_gap));
        json_object_set_new(obj, "outcome", json_string(r.converged ? "converged" : "max_iter"));
        json_object_set_new(obj, "iters", json_integer(r.iters));
        json_object_set_new(obj, "wall_s", json_real(wall_s));
        if (report_json_print(stdout, obj) != SWEEP_OK) {
            fprintf(stderr, "ufmsweep solve: cannot write to stdout\n");
            goto cleanup;
        }
    } else {
        printf("ufmsweep solve: %s, %s after %lld iterations (%s %.3g, tolerance %.3g), %.3g s\n",
               name, r.converged ? "converged" : "max_iter", (long long)r.iters, cert_name,
               r.certificate, r.tol, wall_s);
        report_problem_text(stdout, pp, prof, lv);
        printf("final    objective %.12g", r.objective);
        if (!isnan(r.spread))
            printf(", within-class spread %.3g", r.spread);
        if (!isnan(r.optimum_gap))
            printf(", relative gap to the convex optimum %.3g", r.optimum_gap);
        printf("\n");
        if (ref != NULL)
            printf("distances to %s (%s, %s)\n\n", geom_problem_kind_name(gp->kind),
                   refsolve_theory_source_name(source), geom_method_name(ref->method));
        else
            printf("distances: none (%s)\n\n", theory_note);
        report_metrics_text(stdout, &r.metrics);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "ufmsweep solve: cannot write to stdout\n");
        goto cleanup;
    }
    exit_code = UFMSWEEP_EXIT_OK;
cleanup:
    json_decref(obj);
    return exit_code;
}

/* The JSON object of a ufm solve, serial or grouped: the problem, the loss, the final metrics
 * and the outcome. NULL when out of memory. */
static json_t *ufm_result_json(const point_params *pp, const profile *prof,
                               const loss_vectors *lv, const geom_problem *gp,
                               const geom_prediction *ref, int source, const ufm_result *res,
                               double wall_s)
{
    json_t *obj = json_object();
    if (obj == NULL || report_problem_json(obj, pp, prof, lv) != SWEEP_OK ||
        report_metrics_json(obj, &res->metrics) != SWEEP_OK) {
        json_decref(obj);
        return NULL;
    }
    json_object_set_new(obj, "solver", json_string("ufm"));
    json_object_set_new(obj, "problem", json_string(geom_problem_kind_name(gp->kind)));
    json_object_set_new(obj, "theory_source",
                        ref ? json_string(refsolve_theory_source_name(source)) : json_null());
    json_object_set_new(obj, "theory_method",
                        ref ? json_string(geom_method_name(ref->method)) : json_null());
    json_object_set_new(obj, "loss", report_json_real(res->loss));
    json_object_set_new(obj, "objective", report_json_real(res->objective));
    json_object_set_new(obj, "grad_norm", report_json_real(res->grad_norm));
    json_object_set_new(obj, "lr_final", report_json_real(res->lr_final));
    json_object_set_new(obj, "outcome", json_string(ufm_outcome_name(res->outcome)));
    json_object_set_new(obj, "reason", json_string(ufm_outcome_reason(res->outcome)));
    json_object_set_new(obj, "iters", json_integer(res->iters));
    json_object_set_new(obj, "seed", json_integer(pp->ufm.seed));
    json_object_set_new(obj, "wall_s", json_real(wall_s));
    return obj;
}

/* --ranks-per-solve G: the distributed solver under MPI (all G ranks run this; rank 0 prints). */
static int solve_grouped(const point_params *pp, int G, int pr, int pc, int nb, int json,
                         const char *trace_path, int argc, char **argv)
{
    int exit_code = UFMSWEEP_EXIT_FAIL, rank = 0, size = 0, ret;
    sweep_errbuf eb;
    point_solve_out po;
    pufm_grid *grid = NULL;
    json_t *obj = NULL;

    sweep_errbuf_clear(&eb);
    memset(&po, 0, sizeof po);
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        fprintf(stderr, "ufmsweep solve: MPI_Init failed\n");
        return exit_code;
    }
    SWEEP_MPI_FATAL(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    SWEEP_MPI_FATAL(MPI_Comm_size(MPI_COMM_WORLD, &size));
    if (size != G) {
        if (rank == 0)
            fprintf(stderr,
                    "ufmsweep solve: --ranks-per-solve %d needs exactly %d ranks (mpirun -n %d); "
                    "this run has %d\n",
                    G, G, G, size);
        goto cleanup;
    }
    if (trace_path != NULL || pp->ufm.trace_points > 0 || pp->ufm.bias) {
        if (rank == 0)
            fprintf(stderr, "ufmsweep solve: a grouped solve records no trace and has no bias "
                            "(--trace-csv, --trace-points, --bias)\n");
        goto cleanup;
    }
    if ((ret = pufm_grid_create(MPI_COMM_WORLD, pr, pc, &grid, &eb)) != SWEEP_OK) {
        if (rank == 0)
            fprintf(stderr, "ufmsweep solve: %s\n", eb.msg);
        goto cleanup;
    }
    /* the sweep's path for a grouped point, on every rank of the grid */
    pufm_point_ctx ctx = {grid, nb};
    const point_solve_opts popts = {0, 0, pufm_point_solve, &ctx, NULL, &po, NULL, NULL};
    point_record rec;
    SWEEP_MPI_FATAL(MPI_Barrier(MPI_COMM_WORLD));
    point_solve(pp, &popts, 0, rank, &rec, NULL);
    if (po.error.code != SWEEP_OK) {
        if (rank == 0)
            fprintf(stderr, "ufmsweep solve: %s\n", po.error.msg);
        goto cleanup;
    }
    const profile *prof = po.prof;
    const loss_vectors *lv = po.lv;
    const geom_problem *gp = po.gp;
    const geom_prediction *ref = po.pred;
    const int source = po.theory_source;
    const ufm_result res = po.ufm;
    const double t0 = 0.0, t1 = po.solve_wall_s;
    pufm_grid_shape(grid, &pr, &pc);
    if (rank == 0) {
        if (json) {
            obj = ufm_result_json(pp, prof, lv, gp, ref, source, &res, t1 - t0);
            if (obj == NULL) {
                fprintf(stderr, "ufmsweep solve: out of memory building JSON\n");
                goto cleanup;
            }
            json_object_set_new(obj, "ranks_per_solve", json_integer(G));
            json_object_set_new(obj, "grid", json_sprintf("%dx%d", pr, pc));
            if (report_json_print(stdout, obj) != SWEEP_OK) {
                fprintf(stderr, "ufmsweep solve: cannot write to stdout\n");
                goto cleanup;
            }
        } else {
            printf("ufmsweep solve: ufm on %d ranks (grid %dx%d), %s after %lld iterations, "
                   "%.3g s\n",
                   G, pr, pc, ufm_outcome_name(res.outcome), (long long)res.iters, t1 - t0);
            report_problem_text(stdout, pp, prof, lv);
            printf("final    loss %.6g, objective %.6g, gradient norm %.3g\n\n", res.loss,
                   res.objective, res.grad_norm);
            report_metrics_text(stdout, &res.metrics);
        }
        fflush(stdout);
    }
    exit_code = UFMSWEEP_EXIT_OK;
cleanup:
    json_decref(obj);
    point_solve_out_clear(&po);
    pufm_grid_destroy(&grid);
    if (MPI_Finalize() != MPI_SUCCESS && exit_code == UFMSWEEP_EXIT_OK) {
        fprintf(stderr, "ufmsweep solve: MPI_Finalize failed\n");
        exit_code = UFMSWEEP_EXIT_FAIL;
    }
    return exit_code;
}

/* `solve --spec SPEC --point K=V,...`: one point of a sweep through point_compute, the path the
 * sweep's workers run, so its numbers equal the store's bit for bit. No MPI. */
static int solve_spec_point(int argc, char **argv)
{
    int exit_code = UFMSWEEP_EXIT_FAIL, json = 0;
    const char *spec_path = NULL, *point_text = NULL, *trace_path = NULL;
    spec *s = NULL;
    double *trace = NULL;
    json_t *obj = NULL;
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "--spec") || !strcmp(a, "--point") || !strcmp(a, "--trace-csv")) &&
            i + 1 < argc) {
            const char *v = argv[++i];
            if (!strcmp(a, "--spec"))
                spec_path = v;
            else if (!strcmp(a, "--point"))
                point_text = v;
            else
                trace_path = v;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else {
            fprintf(stderr, "ufmsweep solve: with --spec only --point, --json and --trace-csv "
                            "apply (the spec sets everything else): '%s'\n",
                    a);
            return UFMSWEEP_EXIT_FAIL;
        }
    }
    if (spec_path == NULL || point_text == NULL) {
        fprintf(stderr, "ufmsweep solve: usage: ufmsweep solve --spec SPEC.yaml --point "
                        "'KEY=VALUE,...' [--json] [--trace-csv FILE]\n");
        return UFMSWEEP_EXIT_FAIL;
    }
    int64_t p = 0;
    if (spec_load(spec_path, &s, &eb) != SWEEP_OK || spec_point_find(s, point_text, &p, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep solve: %s\n", eb.msg);
        goto cleanup;
    }
    const int P = s->trace_points;
    if (trace_path != NULL && P == 0) {
        fprintf(stderr, "ufmsweep solve: --trace-csv: the spec records no trace (trace_points: 0, "
                        "or no ufm point)\n");
        goto cleanup;
    }
    FILE *tf = NULL;
    if (trace_path != NULL && (tf = fopen(trace_path, "w")) == NULL) {
        fprintf(stderr, "ufmsweep solve: --trace-csv: cannot write %s: %s\n", trace_path,
                strerror(errno));
        goto cleanup;
    }
    if (P > 0 && (trace = malloc((size_t)P * POINT_TRACE_FIELDS * sizeof *trace)) == NULL) {
        if (tf != NULL)
            fclose(tf);
        goto cleanup;
    }
    point_record rec;
    ext_runner runner; /* solver external: the command's files in a fresh temporary directory */
    memset(&runner, 0, sizeof runner);
    spec_point_compute(s, p, 0, NULL, NULL, ext_run_point, &runner, NULL, &rec, trace);
    char label[1024];
    spec_point_label(s, p, label, sizeof label);
    if (tf != NULL) {
        for (int f = 0; f < POINT_TRACE_FIELDS; f++)
            fprintf(tf, "%s%s", f ? "," : "", point_trace_field_name(f));
        fputc('\n', tf);
        for (int j = 0; j < P; j++)
            for (int f = 0; f < POINT_TRACE_FIELDS; f++)
                fprintf(tf, "%.17g%s", trace[(size_t)f * P + j], f + 1 < POINT_TRACE_FIELDS ? "," : "\n");
        if (fclose(tf) != 0) {
            fprintf(stderr, "ufmsweep solve: --trace-csv: write error on %s\n", trace_path);
            goto cleanup;
        }
    }
    if (json) {
        json_t *th = json_object();
        obj = json_object();
        if (obj == NULL || th == NULL) {
            json_decref(th);
            goto cleanup;
        }
        json_object_set_new(obj, "spec", json_string(spec_path));
        json_object_set_new(obj, "point", json_integer(p));
        json_object_set_new(obj, "label", json_string(label));
        json_object_set_new(obj, "state", json_string(point_state_name(rec.state)));
        json_object_set_new(obj, "outcome", rec.outcome > 0
                                                ? json_string(ufm_outcome_name((ufm_outcome)rec.outcome))
                                                : json_null());
        json_object_set_new(obj, "message", json_string(rec.message));
        for (int i = 0; i < GEOM_METRICS_COUNT; i++) {
            json_object_set_new(obj, geom_metric_name(i), report_json_real(rec.result[i]));
            json_object_set_new(th, geom_metric_name(i), report_json_real(rec.theory[i]));
        }
#define SOLVE_JSON_(m, ln) json_object_set_new(obj, #m, report_json_real(rec.solve.m));
        POINT_SOLVE_LIST(SOLVE_JSON_)
#undef SOLVE_JSON_
        json_object_set_new(obj, "theory", th);
        json_object_set_new(obj, "theory_source", json_integer(rec.theory_source));
        json_object_set_new(obj, "wall_s", json_real(rec.wall_s));
        if (P > 0) {
            json_t *tr = json_object();
            for (int f = 0; tr != NULL && f < POINT_TRACE_FIELDS; f++)
                json_object_set_new(tr, point_trace_field_name(f),
                                    report_json_vector(trace + (size_t)f * P, P));
            json_object_set_new(obj, "trace", tr);
        }
        if (report_json_print(stdout, obj) != SWEEP_OK)
            goto cleanup;
    } else {
        printf("point %lld of %s: %s\nstate %s%s%s\n", (long long)p, spec_path, label,
               point_state_name(rec.state), rec.message[0] ? ": " : "", rec.message);
        printf("%-14s %22s %22s\n", "metric", "trained", "predicted");
        for (int i = 0; i < GEOM_METRICS_COUNT; i++)
            printf("%-14s %22.15g %22.15g\n", geom_metric_name(i), rec.result[i], rec.theory[i]);
    }
    exit_code = UFMSWEEP_EXIT_OK; /* a failed or diverged point is an outcome, shown above */
cleanup:
    json_decref(obj);
    free(trace);
    spec_destroy(&s);
    return exit_code;
}

/* --ranks-per-solve G [--grid PxQ] [--block NB]: the ufm solve on a process group */
static int solve_grouped_cli(const point_params *pp, const char *ranks_text, const char *grid_text,
                             const char *block_text, int json, const char *trace_path, int argc,
                             char **argv)
{
    int g = 0, nb = 0, pr = 0, pc = 0;
    if (numparse_int(ranks_text, 1, NUMPARSE_MAX_GRID, &g) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep solve: --ranks-per-solve: '%s' is not a rank count in 1..%d\n",
                ranks_text, NUMPARSE_MAX_GRID);
        return UFMSWEEP_EXIT_FAIL;
    }
    if (grid_text != NULL && (numparse_grid(grid_text, &pr, &pc) != SWEEP_OK || pr * pc != g)) {
        fprintf(stderr, "ufmsweep solve: --grid: '%s' is not PxQ with P*Q = %d\n", grid_text, g);
        return UFMSWEEP_EXIT_FAIL;
    }
    if (block_text != NULL && numparse_int(block_text, 1, 1 << 20, &nb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep solve: --block: '%s' is not a block size in 1..%d\n",
                block_text, 1 << 20);
        return UFMSWEEP_EXIT_FAIL;
    }
    if (pp->solver != POINT_SOLVER_UFM) {
        fprintf(stderr, "ufmsweep solve: --ranks-per-solve runs --solver ufm only\n");
        return UFMSWEEP_EXIT_FAIL;
    }
    return solve_grouped(pp, g, pr, pc, nb, json, trace_path, argc, argv);
}

/* the result of a ufm solve: one JSON object (with the trace arrays), or the tables. 0: failed
 * (said on stderr). */
static int print_ufm(const point_params *pp, const point_solve_out *po, int json)
{
    const ufm_result *res = &po->ufm;
    if (json) {
        json_t *obj = ufm_result_json(pp, po->prof, po->lv, po->gp, po->pred, po->theory_source,
                                      res, po->solve_wall_s);
        if (obj == NULL) {
            fprintf(stderr, "ufmsweep solve: out of memory building JSON\n");
            return 0;
        }
        if (po->trace != NULL)
            json_object_set_new(obj, "trace", trace_json(po->trace));
        const int ok = report_json_print(stdout, obj) == SWEEP_OK;
        json_decref(obj);
        if (!ok)
            fprintf(stderr, "ufmsweep solve: cannot write to stdout\n");
        return ok;
    }
    printf("ufmsweep solve: ufm, %s after %lld iterations (%s), %.3g s\n",
           ufm_outcome_name(res->outcome), (long long)res->iters,
           ufm_outcome_reason(res->outcome), po->solve_wall_s);
    report_problem_text(stdout, pp, po->prof, po->lv);
    printf("final    loss %.6g, objective %.6g, gradient norm %.3g, lr %.3g\n", res->loss,
           res->objective, res->grad_norm, res->lr_final);
    if (po->pred != NULL)
        printf("distances to %s (%s)\n\n", geom_problem_kind_name(po->gp->kind),
               geom_method_name(po->pred->method));
    else
        printf("distances: none (%s)\n\n", po->theory_note.msg);
    report_metrics_text(stdout, &res->metrics);
    return 1;
}

int cmd_solve_main(int argc, char **argv)
{
    int exit_code = UFMSWEEP_EXIT_FAIL;
    int json = 0, want_help = 0;
    const char *trace_path = NULL;
    FILE *trace_file = NULL;
    point_params pp;
    sweep_errbuf eb;
    point_solve_out po;
    const char *ranks_text = NULL, *grid_text = NULL, *block_text = NULL;
    const cli_arg opts[] = {
        {.name = "json",
         .kind = CLI_FLAG,
         .out = &json,
         .help = "print one JSON object on stdout (with the trace arrays)"},
        {.name = "trace-csv",
         .kind = CLI_VALUE,
         .out = &trace_path,
         .metavar = "FILE",
         .help =
             "write the trace (one row per trace point) as CSV; implies --trace-points 50 when 0"},
        {.name = "ranks-per-solve",
         .kind = CLI_VALUE,
         .out = &ranks_text,
         .metavar = "G",
         .help =
             "run the ufm solve on G ranks (start under mpirun -n G): a ScaLAPACK process grid"},
        {.name = "grid",
         .kind = CLI_VALUE,
         .out = &grid_text,
         .metavar = "PxQ",
         .help = "process grid shape for --ranks-per-solve (default 1xG)"},
        {.name = "block",
         .kind = CLI_VALUE,
         .out = &block_text,
         .metavar = "NB",
         .help = "block size of the distributed matrices (>= k; default max(k, 64))"},
    };
    const size_t n_opts = sizeof opts / sizeof opts[0];
    const unsigned groups = PARAM_GROUP_PROBLEM | PARAM_GROUP_LOSS | PARAM_GROUP_SOLVER;

    sweep_errbuf_clear(&eb);
    memset(&po, 0, sizeof po);
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--spec"))
            return solve_spec_point(argc, argv);
    params_default(&pp);
    if (cli_parse(argc, argv, 1, groups, opts, n_opts, &pp, &want_help, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep solve: %s\n", eb.msg);
        goto cleanup;
    }
    if (want_help) {
        solve_help(stdout, opts, n_opts);
        exit_code = UFMSWEEP_EXIT_OK;
        goto cleanup;
    }
    if (pp.solver == POINT_SOLVER_NONE) {
        fprintf(stderr, "ufmsweep solve: --solver none runs no solve (use `ufmsweep theory`)\n");
        goto cleanup;
    }
    if (ranks_text != NULL) {
        exit_code = solve_grouped_cli(&pp, ranks_text, grid_text, block_text, json, trace_path,
                                      argc, argv);
        goto cleanup;
    }
    if (trace_path != NULL && pp.ufm.trace_points == 0)
        pp.ufm.trace_points = pp.ufm.iters + 1 < 50 ? (int)pp.ufm.iters + 1 : 50;
    if (pp.solver != POINT_SOLVER_UFM && (trace_path != NULL || pp.ufm.trace_points > 0)) {
        fprintf(stderr, "ufmsweep solve: --trace-csv and --trace-points apply to --solver ufm "
                        "only (the %s solver records no trace)\n",
                point_solver_name(pp.solver));
        goto cleanup;
    }
    if (trace_path != NULL) {
        /* open before the work so an unwritable path fails at once */
        trace_file = fopen(trace_path, "w");
        if (trace_file == NULL) {
            fprintf(stderr, "ufmsweep solve: --trace-csv: cannot write '%s': %s\n", trace_path,
                    strerror(errno));
            goto cleanup;
        }
    }
    /* the sweep's own path for one point (seed base 0: `solve --spec` uses the spec's) */
    const point_solve_opts popts = {0, pp.ufm.trace_points, NULL, NULL, NULL, &po, NULL, NULL};
    point_record rec;
    point_solve(&pp, &popts, 0, 0, &rec, NULL);
    if (po.error.code != SWEEP_OK) {
        fprintf(stderr, "ufmsweep solve: %s\n", po.error.msg);
        goto cleanup;
    }
    if (pp.solver != POINT_SOLVER_UFM) {
        exit_code = print_reference(&pp, &po, json);
        goto cleanup;
    }
    if (trace_file != NULL) {
        int wr = write_trace_csv(trace_file, po.trace);
        int cl = fclose(trace_file);
        trace_file = NULL;
        if (wr != SWEEP_OK || cl != 0) {
            fprintf(stderr, "ufmsweep solve: writing '%s' failed\n", trace_path);
            goto cleanup;
        }
    }
    if (!print_ufm(&pp, &po, json))
        goto cleanup;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "ufmsweep solve: cannot write to stdout\n");
        goto cleanup;
    }
    exit_code = UFMSWEEP_EXIT_OK;
cleanup:
    if (trace_file != NULL)
        fclose(trace_file);
    point_solve_out_clear(&po);
    return exit_code;
}
