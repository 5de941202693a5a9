#include "profile.h"

#include "enumtab.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *profile_kind_name(profile_kind kind)
{
    return enum_table_name(&profile_kind_table, (int)kind);
}

void profile_opts_default(profile_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = PROFILE_STEP;
    o->k = 10;
    o->R = 10.0;
    o->rho = 0.5;
    o->n_min = 5.0;
    o->d = 0;
    o->n_counts = 0;
}

/* Number of minority classes under STEP; assumes rho*k was checked to be an integer. */
static int step_k_min(const profile_opts *o)
{
    return (int)lround(o->rho * (double)o->k);
}

int profile_opts_validate(const profile_opts *o, sweep_errbuf *eb)
{
    if (o->kind != PROFILE_STEP && o->kind != PROFILE_LT && o->kind != PROFILE_COUNTS)
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "profile",
                                 "profile: unknown kind %d (use step, lt or counts)",
                                 (int)o->kind);
    if (o->kind == PROFILE_COUNTS) {
        if (o->n_counts < 2)
            return sweep_err_set_key(eb, SWEEP_ERR_ARG, "counts",
                                     "counts: %d value(s) given; at least 2 classes are needed",
                                     o->n_counts);
        if (o->n_counts > PROFILE_MAX_K)
            return sweep_err_set_key(eb, SWEEP_ERR_ARG, "counts",
                                     "counts: %d values exceed the maximum k = %d",
                                     o->n_counts, PROFILE_MAX_K);
        if (o->k != o->n_counts)
            return sweep_err_set_key(eb, SWEEP_ERR_ARG, "k",
                                     "k = %d does not match the %d values given in counts", o->k,
                                     o->n_counts);
        for (int c = 0; c < o->n_counts; c++) {
            if (!isfinite(o->counts[c]))
                return sweep_err_set_key(eb, SWEEP_ERR_NUMERIC, "counts",
                                         "counts[%d] = %g is not finite", c,
                                         o->counts[c]);
            if (!(o->counts[c] > 0.0))
                return sweep_err_set_key(eb, SWEEP_ERR_ARG, "counts",
                                         "counts[%d] = %g must be > 0", c,
                                         o->counts[c]);
        }
    } else {
        if (o->k < 2)
            return sweep_err_set_key(eb, SWEEP_ERR_ARG, "k",
                                     "k = %d: at least 2 classes are needed", o->k);
        if (o->k > PROFILE_MAX_K)
            return sweep_err_set_key(eb, SWEEP_ERR_ARG, "k",
                                     "k = %d exceeds the maximum %d", o->k,
                                     PROFILE_MAX_K);
        if (!isfinite(o->R))
            return sweep_err_set_key(eb, SWEEP_ERR_NUMERIC, "R", "R = %g is not finite", o->R);
        if (!(o->R >= 1.0))
            return sweep_err_set_key(eb, SWEEP_ERR_ARG, "R",
                                     "R = %g: the imbalance ratio must be >= 1",
                                     o->R);
        if (!isfinite(o->n_min))
            return sweep_err_set_key(eb, SWEEP_ERR_NUMERIC, "n-min",
                                     "n_min = %g is not finite", o->n_min);
        if (!(o->n_min >= 1.0))
            return sweep_err_set_key(eb, SWEEP_ERR_ARG, "n-min",
                                     "n_min = %g: classes need at least 1 example",
                                     o->n_min);
        if (o->kind == PROFILE_STEP) {
            if (!isfinite(o->rho))
                return sweep_err_set_key(eb, SWEEP_ERR_NUMERIC, "rho",
                                         "rho = %g is not finite", o->rho);
            if (!(o->rho >= 0.0 && o->rho <= 1.0))
                return sweep_err_set_key(eb, SWEEP_ERR_ARG, "rho",
                                         "rho = %g: the minority fraction must lie in [0, 1]",
                                         o->rho);
            double km = o->rho * (double)o->k;
            if (fabs(km - nearbyint(km)) > 1e-9)
                return sweep_err_set_key(eb, SWEEP_ERR_ARG, "rho",
                                         "rho = %g: rho*k = %g is not an integer number of "
                                         "minority "
                                         "classes for k = %d",
                                         o->rho, km, o->k);
            int k_min = step_k_min(o);
            if (o->R != 1.0 && (k_min < 1 || k_min > o->k - 1))
                return sweep_err_set_key(eb, SWEEP_ERR_ARG, "rho",
                                         "rho = %g gives k_min = %d minority classes; with R = %g "
                                         "there must be between 1 and k-1 = %d",
                                         o->rho, k_min, o->R, o->k - 1);
        }
    }
    int k = o->kind == PROFILE_COUNTS ? o->n_counts : o->k;
    if (o->d < 0)
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "d",
                                 "d = %d must be >= 0 (0 means d = k)", o->d);
    if (o->d != 0 && o->d < k - 1)
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "d",
                                 "d = %d < k-1 = %d: the embedding space cannot host the geometry",
                                 o->d, k - 1);
    return SWEEP_OK;
}

int profile_create(const profile_opts *o, profile **out, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    profile *p = NULL;

    ret = profile_opts_validate(o, eb);
    if (ret != SWEEP_OK)
        goto cleanup;

    int k = o->kind == PROFILE_COUNTS ? o->n_counts : o->k;
    p = calloc(1, sizeof *p);
    if (p == NULL) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "profile: cannot allocate");
        goto cleanup;
    }
    p->counts = calloc((size_t)k, sizeof *p->counts);
    p->is_major = calloc((size_t)k, sizeof *p->is_major);
    if (p->counts == NULL || p->is_major == NULL) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "profile: cannot allocate %d classes", k);
        goto cleanup;
    }
    p->kind = o->kind;
    p->k = k;
    p->d = o->d == 0 ? k : o->d;

    switch (o->kind) {
    case PROFILE_STEP: {
        int k_min = step_k_min(o);
        p->k_min = k_min;
        p->k_maj = k - k_min;
        for (int c = 0; c < k; c++) {
            p->is_major[c] = c < p->k_maj;
            p->counts[c] = p->is_major[c] ? o->R * o->n_min : o->n_min;
        }
        p->R = o->R;
        break;
    }
    case PROFILE_LT:
    case PROFILE_COUNTS: {
        if (o->kind == PROFILE_LT) {
            for (int c = 0; c < k; c++) {
                double e = (double)(k - 1 - c) / (double)(k - 1);
                p->counts[c] = nearbyint(o->n_min * pow(o->R, e));
            }
        } else {
            memcpy(p->counts, o->counts, (size_t)k * sizeof *p->counts);
        }
        double cmax = p->counts[0], cmin = p->counts[0];
        for (int c = 1; c < k; c++) {
            cmax = fmax(cmax, p->counts[c]);
            cmin = fmin(cmin, p->counts[c]);
        }
        /* majority = above the geometric midpoint of the extreme counts */
        double mid = sqrt(cmax * cmin);
        for (int c = 0; c < k; c++) {
            p->is_major[c] = p->counts[c] > mid * (1.0 + 1e-12);
            p->k_maj += p->is_major[c];
        }
        p->k_min = k - p->k_maj;
        p->R = o->kind == PROFILE_LT ? o->R : cmax / cmin;
        break;
    }
    }
    p->n = 0.0;
    p->n_min = p->counts[0];
    for (int c = 0; c < k; c++) {
        p->n += p->counts[c];
        p->n_min = fmin(p->n_min, p->counts[c]);
    }
    *out = p;
    p = NULL;

cleanup:
    profile_destroy(&p);
    return ret;
}

void profile_destroy(profile **pp)
{
    if (pp == NULL || *pp == NULL)
        return;
    free((*pp)->counts);
    free((*pp)->is_major);
    free(*pp);
    *pp = NULL;
}

int profile_check_integer_counts(const profile *p, sweep_errbuf *eb)
{
    for (int c = 0; c < p->k; c++) {
        if (p->counts[c] != nearbyint(p->counts[c]))
            return sweep_err_set(eb, SWEEP_ERR_ARG,
                                 "class %d would have %g examples: an example-level solve needs "
                                 "whole counts (choose R and n_min so that R*n_min is an integer)",
                                 c, p->counts[c]);
    }
    return SWEEP_OK;
}
