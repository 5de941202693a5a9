#include "report.h"

#include <math.h>

json_t *report_json_real(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *report_json_vector(const double *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; a != NULL && i < n; i++)
        json_array_append_new(a, report_json_real(v[i]));
    return a;
}

json_t *report_json_matrix(const double *A, int k)
{
    json_t *rows = json_array();
    for (int i = 0; rows != NULL && i < k; i++) {
        json_t *row = json_array();
        for (int j = 0; row != NULL && j < k; j++)
            json_array_append_new(row, report_json_real(A[i + (size_t)j * k]));
        json_array_append_new(rows, row);
    }
    return rows;
}

int report_metrics_json(json_t *o, const geom_metrics *m)
{
    for (int i = 0; i < GEOM_METRICS_COUNT; i++)
        if (json_object_set_new(o, geom_metric_name(i), report_json_real(geom_metric_value(m, i))) !=
            0)
            return SWEEP_ERR_NOMEM;
    return SWEEP_OK;
}

int report_problem_json(json_t *o, const point_params *pp, const profile *p,
                        const loss_vectors *lv)
{
    int bad = 0;
    bad |= json_object_set_new(o, "profile", json_string(profile_kind_name(p->kind)));
    bad |= json_object_set_new(o, "k", json_integer(p->k));
    bad |= json_object_set_new(o, "k_maj", json_integer(p->k_maj));
    bad |= json_object_set_new(o, "k_min", json_integer(p->k_min));
    bad |= json_object_set_new(o, "d", json_integer(p->d));
    bad |= json_object_set_new(o, "R", report_json_real(p->R));
    bad |= json_object_set_new(o, "rho", p->kind == PROFILE_STEP
                                             ? report_json_real(pp->profile.rho)
                                             : json_null());
    bad |= json_object_set_new(o, "n_min", report_json_real(p->n_min));
    bad |= json_object_set_new(o, "n", report_json_real(p->n));
    bad |= json_object_set_new(o, "counts", report_json_vector(p->counts, p->k));
    bad |= json_object_set_new(o, "loss_name", json_string(loss_kind_name(lv->kind)));
    bad |= json_object_set_new(o, "loss", json_null()); /* the metric; solvers overwrite it */
    bad |= json_object_set_new(o, "gamma", report_json_real(pp->loss.gamma));
    bad |= json_object_set_new(o, "tau", report_json_real(pp->loss.tau));
    bad |= json_object_set_new(o, "lambda_w", report_json_real(lv->lambda_w));
    bad |= json_object_set_new(o, "lambda_h", report_json_real(lv->lambda_h));
    bad |= json_object_set_new(o, "omega", report_json_vector(lv->omega, lv->k));
    bad |= json_object_set_new(o, "Delta", report_json_vector(lv->Delta, lv->k));
    bad |= json_object_set_new(o, "iota", report_json_vector(lv->iota, lv->k));
    return bad ? SWEEP_ERR_NOMEM : SWEEP_OK;
}

static void num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, " %12.6g", v);
    else
        fprintf(f, " %12s", "-");
}

void report_metrics_text(FILE *f, const geom_metrics *m)
{
    fprintf(f, "%-28s %12s %12s %12s\n", "", "maj-maj", "min-min", "maj-min");
    fprintf(f, "%-28s", "cosines of classifiers w_c");
    num(f, m->w_cos_majmaj);
    num(f, m->w_cos_minmin);
    num(f, m->w_cos_majmin);
    fprintf(f, "\n%-28s", "cosines of class means h_c");
    num(f, m->h_cos_majmaj);
    num(f, m->h_cos_minmin);
    num(f, m->h_cos_majmin);
    fprintf(f, "\n\n%-28s %12s %12s\n", "", "majority", "minority");
    fprintf(f, "%-28s", "cos(w_c, h_c)");
    num(f, m->wh_cos_maj);
    num(f, m->wh_cos_min);
    fprintf(f, "\n\n%-28s", "||w_maj||^2 / ||w_min||^2");
    num(f, m->w_norm_ratio);
    fprintf(f, "\n%-28s", "||h_maj||^2 / ||h_min||^2");
    num(f, m->h_norm_ratio);
    fprintf(f, "\n%-28s", "normalized margin");
    num(f, m->margin);
    fprintf(f, "\n%-28s", "train accuracy");
    num(f, m->train_acc);
    fprintf(f, "\n%-28s", "nc1");
    num(f, m->nc1);
    fprintf(f, "\n%-28s", "||W||_F, ||H||_F");
    num(f, m->w_fro);
    num(f, m->h_fro);
    fprintf(f, "\n%-28s", "dist_gw, dist_gh, dist_z");
    num(f, m->dist_gw);
    num(f, m->dist_gh);
    num(f, m->dist_z);
    fprintf(f, "\n(- : does not exist for this problem: a cosine within a one-class group, or\n"
               "    with a vector that vanished, of norm below 1e-6 of the largest: minority\n"
               "    collapse)\n");
}

void report_problem_text(FILE *f, const point_params *pp, const profile *p,
                         const loss_vectors *lv)
{
    fprintf(f, "profile  %s, k = %d (%d majority, %d minority), d = %d, n = %g",
            profile_kind_name(p->kind), p->k, p->k_maj, p->k_min, p->d, p->n);
    if (p->kind == PROFILE_STEP)
        fprintf(f, ", R = %g, rho = %g, n_min = %g\n", p->R, pp->profile.rho, p->n_min);
    else if (p->kind == PROFILE_LT)
        fprintf(f, ", R = %g, n_min = %g\n", p->R, p->n_min);
    else
        fprintf(f, ", max/min = %g\n", p->R);
    fprintf(f, "counts  ");
    for (int c = 0; c < p->k && c < 16; c++)
        fprintf(f, " %g", p->counts[c]);
    fprintf(f, "%s\n", p->k > 16 ? " ..." : "");
    fprintf(f, "loss     %s (gamma = %g, tau = %g, lambda_w = %g, lambda_h = %g)\n",
            loss_kind_name(lv->kind), pp->loss.gamma, pp->loss.tau, lv->lambda_w, lv->lambda_h);
}

int report_json_print(FILE *f, const json_t *obj)
{
    if (json_dumpf(obj, f, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17)) != 0)
        return SWEEP_ERR_IO;
    fputc('\n', f);
    return SWEEP_OK;
}
