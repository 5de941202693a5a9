#include "loss.h"

#include "enumtab.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


const char *loss_kind_name(loss_kind kind)
{
    return enum_table_name(&loss_kind_table, (int)kind);
}

int loss_kind_parse(const char *name, loss_kind *out)
{
    int v = 0;
    const int ret = enum_table_parse(&loss_kind_table, name, &v);
    if (ret == SWEEP_OK)
        *out = (loss_kind)v;
    return ret;
}

void loss_opts_default(loss_opts *o)
{
    memset(o, 0, sizeof *o);
    o->kind = LOSS_CE;
    o->gamma = 0.0;
    o->tau = 1.0;
}

static int check_vector(const char *name, const double *v, int n, int k, int positive,
                        sweep_errbuf *eb)
{
    if (n == 0)
        return SWEEP_OK;
    if (k > 0 && n != k)
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, name,
                                 "%s has %d values but k = %d", name, n, k);
    for (int c = 0; c < n; c++) {
        if (!isfinite(v[c]))
            return sweep_err_set(eb, SWEEP_ERR_NUMERIC, "%s[%d] = %g is not finite", name, c, v[c]);
        if (positive && !(v[c] > 0.0))
            return sweep_err_set_key(eb, SWEEP_ERR_ARG, name,
                                     "%s[%d] = %g must be > 0", name, c, v[c]);
    }
    return SWEEP_OK;
}

int loss_opts_validate(const loss_opts *o, int k, sweep_errbuf *eb)
{
    int ret;
    if ((int)o->kind < 0 || (int)o->kind >= LOSS_KIND_COUNT)
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "loss", "loss: unknown kind %d", (int)o->kind);
    if (!isfinite(o->gamma))
        return sweep_err_set_key(eb, SWEEP_ERR_NUMERIC, "gamma",
                                 "gamma = %g is not finite", o->gamma);
    if (!isfinite(o->tau))
        return sweep_err_set_key(eb, SWEEP_ERR_NUMERIC, "tau", "tau = %g is not finite", o->tau);
    if (!isfinite(o->lambda_w) || !(o->lambda_w >= 0.0))
        return sweep_err_set(eb, isfinite(o->lambda_w) ? SWEEP_ERR_ARG : SWEEP_ERR_NUMERIC,
                             "lambda_w = %g must be finite and >= 0", o->lambda_w);
    if (!isfinite(o->lambda_h) || !(o->lambda_h >= 0.0))
        return sweep_err_set(eb, isfinite(o->lambda_h) ? SWEEP_ERR_ARG : SWEEP_ERR_NUMERIC,
                             "lambda_h = %g must be finite and >= 0", o->lambda_h);
    if ((ret = check_vector("omega", o->omega, o->n_omega, k, 1, eb)) != SWEEP_OK)
        return ret;
    if ((ret = check_vector("Delta", o->Delta, o->n_Delta, k, 1, eb)) != SWEEP_OK)
        return ret;
    if ((ret = check_vector("iota", o->iota, o->n_iota, k, 0, eb)) != SWEEP_OK)
        return ret;
    return SWEEP_OK;
}

/* v_c = n_c^e normalized so that sum_c v_c = k. */
static void power_normalized(const double *counts, int k, double e, double *v)
{
    double s = 0.0;
    for (int c = 0; c < k; c++) {
        v[c] = pow(counts[c], e);
        s += v[c];
    }
    for (int c = 0; c < k; c++)
        v[c] *= (double)k / s;
}

int loss_vectors_create(const loss_opts *o, const profile *p, loss_vectors **out,
                        sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    loss_vectors *lv = NULL;
    const int k = p->k;

    ret = loss_opts_validate(o, k, eb);
    if (ret != SWEEP_OK)
        goto cleanup;
    lv = calloc(1, sizeof *lv);
    if (lv == NULL) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "loss: cannot allocate");
        goto cleanup;
    }
    lv->omega = malloc((size_t)k * sizeof(double));
    lv->Delta = malloc((size_t)k * sizeof(double));
    lv->iota = malloc((size_t)k * sizeof(double));
    if (lv->omega == NULL || lv->Delta == NULL || lv->iota == NULL) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "loss: cannot allocate vectors for k = %d", k);
        goto cleanup;
    }
    lv->kind = o->kind;
    lv->k = k;
    lv->label_temperature = o->kind == LOSS_LDT;
    lv->lambda_w = o->lambda_w;
    lv->lambda_h = o->lambda_h;
    for (int c = 0; c < k; c++) {
        lv->omega[c] = 1.0;
        lv->Delta[c] = 1.0;
        lv->iota[c] = 0.0;
    }
    switch (o->kind) {
    case LOSS_CE:
        break;
    case LOSS_WCE:
        power_normalized(p->counts, k, -o->gamma, lv->omega);
        break;
    case LOSS_LA:
        for (int c = 0; c < k; c++)
            lv->iota[c] = o->tau * log(p->counts[c] / p->n);
        break;
    case LOSS_VS:
        for (int c = 0; c < k; c++)
            lv->iota[c] = o->tau * log(p->counts[c] / p->n);
        power_normalized(p->counts, k, o->gamma, lv->Delta);
        break;
    case LOSS_CDT:
    case LOSS_LDT:
        power_normalized(p->counts, k, o->gamma, lv->Delta);
        break;
    }
    if (o->n_omega > 0)
        memcpy(lv->omega, o->omega, (size_t)k * sizeof(double));
    if (o->n_Delta > 0)
        memcpy(lv->Delta, o->Delta, (size_t)k * sizeof(double));
    if (o->n_iota > 0)
        memcpy(lv->iota, o->iota, (size_t)k * sizeof(double));
    if (lv->label_temperature) {
        /* A label temperature that is the same for every class, with no offsets, scales every
         * logit alike: u_c = Delta z_c, which is the VS form itself. Computing it as that form
         * makes equal problems equal bit for bit (LDT at gamma = 0 is CE), so a sweep solves
         * them once (docs/THEORY.md, "Equal problems"). */
        int plain = 1;
        for (int c = 0; c < k && plain; c++)
            plain = lv->Delta[c] == lv->Delta[0] && lv->iota[c] == 0.0;
        if (plain)
            lv->label_temperature = 0;
    }
    *out = lv;
    lv = NULL;

cleanup:
    loss_vectors_destroy(&lv);
    return ret;
}

void loss_vectors_destroy(loss_vectors **plv)
{
    if (plv == NULL || *plv == NULL)
        return;
    free((*plv)->omega);
    free((*plv)->Delta);
    free((*plv)->iota);
    free(*plv);
    *plv = NULL;
}
