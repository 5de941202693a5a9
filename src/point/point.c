#include "point.h"

#include "geom.h"
#include "loss.h"
#include "profile.h"
#include "refsolve.h"
#include "ufm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0->tv_nsec);
}

void point_record_init(point_record *rec, int64_t p, int rank, int trace_points, double *trace)
{
    memset(rec, 0, sizeof *rec);
    rec->point = p;
    rec->rank = rank;
    rec->source = POINT_COMPUTED;
    rec->source_point = -1;
    rec->state = POINT_FAILED;
#define SOLVE_NAN_(m, ln) .m = NAN,
    rec->solve = (point_solve_scalars){POINT_SOLVE_LIST(SOLVE_NAN_)};
#undef SOLVE_NAN_
    for (int i = 0; i < GEOM_METRICS_COUNT; i++)
        rec->theory[i] = rec->result[i] = NAN;
    if (trace != NULL)
        for (int i = 0; i < POINT_TRACE_FIELDS * trace_points; i++)
            trace[i] = NAN;
}

void point_record_fail(point_record *rec, int code, const char *detail)
{
    rec->state = POINT_FAILED;
    rec->error_code = code;
    snprintf(rec->message, sizeof rec->message, "%.40s: %.80s", sweep_strerror(code),
             detail != NULL && detail[0] ? detail : "(no detail)");
    point_text_clean(rec->message); /* a command's stderr line may hold terminal escapes */
}

typedef struct id_writer {
    unsigned char *buf;
    size_t cap, len;
} id_writer;

static void id_put(id_writer *w, const void *data, size_t n)
{
    if (w->len + n <= w->cap)
        memcpy(w->buf + w->len, data, n);
    w->len += n;
}

static void id_i64(id_writer *w, int64_t v)
{
    id_put(w, &v, sizeof v);
}

static void id_f64(id_writer *w, double v)
{
    v += 0.0; /* -0 and 0 are the same option value */
    id_put(w, &v, sizeof v);
}

static void id_vec(id_writer *w, const double *v, int n)
{
    id_i64(w, n);
    for (int i = 0; i < n; i++)
        id_f64(w, v[i]);
}

size_t point_solve_identity(const point_params *pp, int64_t seed_base, int trace_points,
                            unsigned char *buf, size_t cap, sweep_errbuf *eb)
{
    profile *prof = NULL;
    loss_vectors *lv = NULL;
    id_writer w = {buf, cap, 0};
    size_t n_defs = 0;
    const param_def *defs = params_table(&n_defs);
    if (profile_create(&pp->profile, &prof, eb) != SWEEP_OK ||
        loss_vectors_create(&pp->loss, prof, &lv, eb) != SWEEP_OK) {
        profile_destroy(&prof);
        return 0;
    }
    const point_solver_def *sd = point_solver_info(pp->solver);
    id_put(&w, "ufmsweep-solve-v2", 17);
    id_i64(&w, POINT_NUMERICS_VERSION);
    /* the problem, as what it is made of (so that presets that give the same vectors are the
     * same problem): what the options with PARAM_READ_PROBLEM build */
    id_i64(&w, prof->kind);
    id_i64(&w, prof->k);
    id_i64(&w, prof->d);
    id_vec(&w, prof->counts, prof->k);
    for (int c = 0; c < prof->k; c++)
        id_i64(&w, prof->is_major[c]);
    id_f64(&w, prof->R);
    id_f64(&w, prof->n_min);
    id_i64(&w, lv->label_temperature);
    id_vec(&w, lv->omega, lv->k);
    id_vec(&w, lv->Delta, lv->k);
    id_vec(&w, lv->iota, lv->k);
    id_f64(&w, lv->lambda_w);
    id_f64(&w, lv->lambda_h);
    /* the solver, and every other option it reads, as the option table says, by name and
     * resolved value (a reference solver's budget as params_budget resolves it); an external
     * command reads every option, as written, and the seed base */
    id_i64(&w, sd->id);
    for (size_t i = 0; i < n_defs; i++) {
        const param_def *def = &defs[i];
        const int external = pp->solver == POINT_SOLVER_EXTERNAL;
        if ((!external && (def->read_by & PARAM_READ_PROBLEM)) || !params_option_read(pp, def))
            continue;
        id_put(&w, def->name, strlen(def->name) + 1);
        if (!strcmp(def->name, "trace-points")) {
            id_i64(&w, trace_points); /* the store's trace length, common to every point */
        } else {
            char *v = params_read_value_dup(pp, def);
            if (v == NULL) {
                sweep_err_set(eb, SWEEP_ERR_NOMEM, "no memory for the value of %s", def->name);
                w.len = 0;
                goto cleanup;
            }
            id_put(&w, v, strlen(v) + 1);
            free(v);
        }
    }
    if (pp->solver == POINT_SOLVER_EXTERNAL)
        id_i64(&w, seed_base);
    if (sd->random_init)
        id_i64(&w, (int64_t)params_init_key(pp, prof, seed_base));
cleanup:
    loss_vectors_destroy(&lv);
    profile_destroy(&prof);
    return w.len;
}

void point_network_clear(point_network *net)
{
    if (net == NULL)
        return;
    free(net->W);
    free(net->b);
    free(net->H);
    free(net->labels);
    memset(net, 0, sizeof *net);
}

int point_measure(const profile *prof, const geom_problem *gp, const geom_prediction *pred,
                  const point_network *net, geom_metrics *m, double *train_acc_bias,
                  sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    const int k = net->k, d = net->d;
    const int64_t n = net->n;
    double *H = NULL, *Hbar = NULL;
    int64_t *count = NULL, *next = NULL;
    *train_acc_bias = NAN;
    geom_metrics_set_nan(m);
    if (k != prof->k)
        return sweep_err_set(eb, SWEEP_ERR_ARG,
                             "W has %d rows (classes), the point's problem has k = %d", k,
                             prof->k);
    if (d != prof->d)
        return sweep_err_set(eb, SWEEP_ERR_ARG,
                             "W has %d columns (the feature dimension), the point's problem has "
                             "d = %d",
                             d, prof->d);
    count = calloc((size_t)k, sizeof *count);
    next = malloc((size_t)k * sizeof *next);
    H = malloc((size_t)d * (size_t)n * sizeof *H);
    Hbar = calloc((size_t)d * (size_t)k, sizeof *Hbar);
    if (count == NULL || next == NULL || H == NULL || Hbar == NULL) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "no memory for %lld examples of dimension %d",
                            (long long)n, d);
        goto cleanup;
    }
    for (int64_t i = 0; i < n; i++)
        count[net->labels[i]]++;
    for (int c = 0; c < k; c++)
        if ((double)count[c] != prof->counts[c]) {
            ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                                "labels: class %d has %lld examples, the point's profile %g (the "
                                "network must be trained on the point's class counts)",
                                c, (long long)count[c], prof->counts[c]);
            goto cleanup;
        }
    /* the examples class by class, each class in its file order (column-major d x n) */
    int64_t start = 0;
    for (int c = 0; c < k; c++) {
        next[c] = start;
        start += count[c];
    }
    for (int64_t i = 0; i < n; i++) {
        const int64_t j = next[net->labels[i]]++;
        memcpy(H + (size_t)j * d, net->H + (size_t)i * d, (size_t)d * sizeof *H);
    }
    start = 0;
    for (int c = 0; c < k; c++) {
        for (int64_t j = start; j < start + count[c]; j++)
            for (int r = 0; r < d; r++)
                Hbar[(size_t)c * d + r] += H[(size_t)j * d + r];
        for (int r = 0; r < d; r++)
            Hbar[(size_t)c * d + r] /= (double)count[c];
        start += count[c];
    }
    if ((ret = geom_metrics_compute(gp, d, net->W, Hbar, H, pred, m)) != SWEEP_OK) {
        ret = sweep_err_set(eb, ret, "metrics of the network: %s", sweep_strerror(ret));
        goto cleanup;
    }
    if (net->b != NULL) {
        int64_t right = 0;
        for (int64_t i = 0; i < n; i++) {
            const double *h = net->H + (size_t)i * d;
            int best = 0;
            double best_u = -INFINITY;
            for (int c = 0; c < k; c++) {
                double u = net->b[c];
                for (int r = 0; r < d; r++)
                    u += net->W[(size_t)c * d + r] * h[r];
                if (u > best_u) {
                    best_u = u;
                    best = c;
                }
            }
            right += best == net->labels[i];
        }
        *train_acc_bias = (double)right / (double)n;
    }
cleanup:
    free(count);
    free(next);
    free(H);
    free(Hbar);
    return ret;
}

void point_solve_out_clear(point_solve_out *out)
{
    if (out == NULL)
        return;
    ufm_trace_destroy(&out->trace);
    geom_prediction_destroy(&out->ref_solution);
    geom_prediction_destroy(&out->pred);
    geom_problem_destroy(&out->gp);
    loss_vectors_destroy(&out->lv);
    profile_destroy(&out->prof);
    memset(out, 0, sizeof *out);
    out->solve_wall_s = NAN;
}

/* What a solve builds and may hand to the caller (point_solve_out) or destroys. */
typedef struct point_work {
    point_params pp;
    profile *prof;
    loss_vectors *lv;
    geom_problem *gp;
    geom_prediction *pred;
    ufm_trace *tr;
    struct timespec t_solve; /* when the solve (after the theory) started */
} point_work;

/* Theory: the max-margin geometry of the loss's implicit bias (lambda -> 0): the closed form,
 * else the certified class-level convex solve; none when neither exists (not an error). */
static int solve_theory(point_work *w, const point_solve_opts *o, point_record *rec,
                        sweep_errbuf *eb)
{
    geom_metrics m;
    int source = POINT_THEORY_NONE;
    sweep_errbuf th_eb;
    sweep_errbuf_clear(&th_eb);
    w->gp->regularized = 0;
    int ret = refsolve_theory(w->gp, &w->pred, &source,
                              o->out != NULL ? &o->out->theory_cert : NULL, &th_eb);
    if (o->out != NULL)
        o->out->theory_source = source;
    if (ret == SWEEP_ERR_NO_CLOSED_FORM) {
        rec->theory_source = POINT_THEORY_NONE;
        if (o->out != NULL)
            o->out->theory_note = th_eb;
        return SWEEP_OK;
    }
    if (ret != SWEEP_OK) {
        *eb = th_eb;
        return ret;
    }
    if ((ret = geom_prediction_metrics(w->gp, w->pred, &m)) != SWEEP_OK)
        return ret;
    for (int i = 0; i < GEOM_METRICS_COUNT; i++)
        rec->theory[i] = geom_metric_value(&m, i);
    rec->theory_source = source == REFSOLVE_THEORY_CONVEX ? POINT_THEORY_CONVEX
                                                          : POINT_THEORY_CLOSED_FORM;
    return SWEEP_OK;
}

/* a stop request ended the solve: no result, the point is computed again later */
static void record_interrupted(point_record *rec, int code)
{
    rec->state = POINT_PENDING;
    rec->error_code = code;
    snprintf(rec->message, sizeof rec->message, "%s", sweep_strerror(code));
}

/* solver external: a network trained by the point's command, measured against the prediction */
static int solve_external(point_work *w, const point_solve_opts *o, int64_t point,
                          point_record *rec, sweep_errbuf *eb)
{
    point_network net;
    geom_metrics m;
    double acc_b = NAN;
    memset(&net, 0, sizeof net);
    if (o->external == NULL)
        return sweep_err_set(eb, SWEEP_ERR_UNSUPPORTED,
                             "solver external runs in sweeps (ufmsweep run); for a file a "
                             "network wrote, use ufmsweep measure");
    int ret = o->external(o->external_ctx, &w->pp, point, o->stop, &net, eb);
    if (ret == SWEEP_ERR_INTERRUPTED) {
        record_interrupted(rec, ret); /* the command was killed */
        point_network_clear(&net);
        return SWEEP_OK;
    }
    if (ret == SWEEP_OK)
        ret = point_measure(w->prof, w->gp, w->pred, &net, &m, &acc_b, eb);
    point_network_clear(&net);
    if (ret != SWEEP_OK)
        return ret;
    for (int i = 0; i < GEOM_METRICS_COUNT; i++)
        rec->result[i] = geom_metric_value(&m, i);
    rec->state = POINT_DONE;
    if (o->out != NULL)
        o->out->solve_wall_s = seconds_since(&w->t_solve);
    return SWEEP_OK;
}

/* a reference solver: no trace, the certificate decides the state */
static int solve_reference(point_work *w, const point_solve_opts *o, point_record *rec,
                           sweep_errbuf *eb)
{
    refsolve_result rr;
    const int ret = refsolve_run(&w->pp, w->prof, w->lv, w->gp, w->pred,
                                 params_init_key(&w->pp, w->prof, o->seed_base), &rr,
                                 o->out != NULL ? &o->out->ref_solution : NULL, eb);
    if (ret != SWEEP_OK)
        return ret;
    if (o->out != NULL) {
        o->out->ref = rr;
        o->out->solve_wall_s = seconds_since(&w->t_solve);
    }
    for (int i = 0; i < GEOM_METRICS_COUNT; i++)
        rec->result[i] = geom_metric_value(&rr.metrics, i);
    rec->solve.objective = rr.objective;
    rec->solve.iters_run = (double)rr.iters;
    rec->outcome = rr.converged ? UFM_CONVERGED_GRAD : UFM_MAX_ITER;
    rec->state = rr.converged ? POINT_DONE : POINT_NOT_CONVERGED;
    if (!rr.converged)
        snprintf(rec->message, sizeof rec->message,
                 "%s: certificate %.3g above tolerance %.3g after %lld iterations",
                 point_solver_name(w->pp.solver), rr.certificate, rr.tol, (long long)rr.iters);
    return SWEEP_OK;
}

/* a UFM solve's result into the record: metrics, scalars, outcome and state, and the trace
 * (trace[f * P + j], points not reached left NaN) */
static void record_ufm_result(const ufm_result *res, const ufm_trace *tr, const ufm_opts *uo,
                              point_record *rec, double *trace, int P)
{
    for (int i = 0; i < GEOM_METRICS_COUNT; i++)
        rec->result[i] = geom_metric_value(&res->metrics, i);
    rec->solve = (point_solve_scalars){.train_loss = res->loss,
                                       .objective = res->objective,
                                       .grad_norm = res->grad_norm,
                                       .iters_run = (double)res->iters};
    rec->outcome = res->outcome;
    for (int j = 0; tr != NULL && trace != NULL && j < P; j++) {
        if (tr->iter[j] < 0)
            continue;
        trace[POINT_TRACE_iter * P + j] = (double)tr->iter[j];
        trace[POINT_TRACE_learning_rate * P + j] = tr->lr[j];
        trace[POINT_TRACE_train_loss * P + j] = tr->loss[j];
        trace[POINT_TRACE_grad_norm * P + j] = tr->grad_norm[j];
        for (int i = 0; i < GEOM_METRICS_COUNT; i++)
            trace[(POINT_TRACE_HEAD_COUNT + i) * P + j] = geom_metric_value(&tr->metrics[j], i);
    }
    switch (res->outcome) {
    case UFM_DIVERGED:
        rec->state = POINT_FAILED;
        snprintf(rec->message, sizeof rec->message, "diverged (NaN or Inf) at iteration %lld",
                 (long long)res->iters);
        break;
    case UFM_MAX_ITER:
        if (uo->tol_grad > 0.0 || uo->tol_loss > 0.0) {
            rec->state = POINT_NOT_CONVERGED;
            snprintf(rec->message, sizeof rec->message,
                     "tolerance not reached in %lld iterations (gradient norm %.3g, loss %.3g)",
                     (long long)res->iters, res->grad_norm, res->loss);
        } else {
            rec->state = POINT_DONE; /* a fixed budget without a tolerance is the plan */
        }
        break;
    default:
        rec->state = POINT_DONE;
        break;
    }
}

/* gradient descent on the UFM: on this rank, or on a process group through o->ufm_solve */
static int solve_ufm(point_work *w, const point_solve_opts *o, point_record *rec, double *trace,
                     sweep_errbuf *eb)
{
    const int P = o->trace_points;
    const uint64_t key = params_init_key(&w->pp, w->prof, o->seed_base);
    ufm_solver *solver = NULL;
    ufm_result res;
    int ret;
    w->pp.ufm.trace_points = P;
    if (P > 0 && (ret = ufm_trace_create(P, &w->tr)) != SWEEP_OK)
        return ret;
    if (o->ufm_solve != NULL) {
        /* a large point on a process group (docs/SCALING.md) */
        ret = o->ufm_solve(o->ufm_ctx, w->prof, w->lv, &w->pp.ufm, key, w->gp, w->pred, w->tr,
                           &res, eb);
    } else if ((ret = ufm_solver_create(w->prof, w->lv, &w->pp.ufm, key, &solver, eb)) ==
               SWEEP_OK) {
        ufm_solver_set_stop(solver, o->stop);
        ret = ufm_solver_solve(solver, w->gp, w->pred, w->tr, &res);
        ufm_solver_destroy(&solver);
        if (ret == SWEEP_ERR_INTERRUPTED) {
            record_interrupted(rec, ret);
            return SWEEP_OK;
        }
    }
    if (ret != SWEEP_OK)
        return ret;
    if (o->out != NULL) {
        o->out->ufm = res;
        o->out->solve_wall_s = seconds_since(&w->t_solve);
    }
    record_ufm_result(&res, w->tr, &w->pp.ufm, rec, trace, P);
    return SWEEP_OK;
}

void point_solve(const point_params *params, const point_solve_opts *o, int64_t point, int rank,
                 point_record *rec, double *trace)
{
    struct timespec t0;
    point_work w = {.pp = *params};
    sweep_errbuf eb;
    int ret;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    point_record_init(rec, point, rank, o->trace_points, trace);
    sweep_errbuf_clear(&eb);
    if (o->out != NULL) { /* overwritten, not freed: the caller cleared what it held */
        memset(o->out, 0, sizeof *o->out);
        o->out->solve_wall_s = NAN;
    }
    if ((ret = params_build_problem(&w.pp, &w.prof, &w.lv, &w.gp, &eb)) == SWEEP_OK &&
        (ret = solve_theory(&w, o, rec, &eb)) == SWEEP_OK) {
        clock_gettime(CLOCK_MONOTONIC, &w.t_solve);
        if (!point_solver_info(w.pp.solver)->solves) {
            rec->state = POINT_DONE;
        } else if (w.pp.solver == POINT_SOLVER_EXTERNAL) {
            ret = solve_external(&w, o, point, rec, &eb);
        } else if (w.pp.solver != POINT_SOLVER_UFM) {
            ret = solve_reference(&w, o, rec, &eb);
        } else {
            ret = solve_ufm(&w, o, rec, trace, &eb);
        }
    }
    if (ret != SWEEP_OK) {
        point_record_fail(rec, ret, eb.msg);
        if (o->out != NULL)
            sweep_err_set(&o->out->error, ret, "%s", eb.msg[0] ? eb.msg : sweep_strerror(ret));
    }
    rec->wall_s = seconds_since(&t0);
    if (o->out != NULL) {
        /* the caller reports from these; it destroys them with point_solve_out_clear */
        o->out->prof = w.prof;
        o->out->lv = w.lv;
        o->out->gp = w.gp;
        o->out->pred = w.pred;
        o->out->trace = w.tr;
        return;
    }
    ufm_trace_destroy(&w.tr);
    geom_prediction_destroy(&w.pred);
    geom_problem_destroy(&w.gp);
    loss_vectors_destroy(&w.lv);
    profile_destroy(&w.prof);
}
