#include "ufm.h"
#include "ufm_parts.h"

#include "rng.h"
#include "smm.h"
#include "vexp.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *ufm_outcome_name(ufm_outcome o)
{
    switch (o) {
    case UFM_RUNNING:
        return "running";
    case UFM_CONVERGED_GRAD:
    case UFM_CONVERGED_LOSS:
        return "converged";
    case UFM_MAX_ITER:
        return "max_iter";
    case UFM_DIVERGED:
        return "diverged";
    }
    return "unknown";
}

const char *ufm_outcome_reason(ufm_outcome o)
{
    switch (o) {
    case UFM_RUNNING:
        return "running";
    case UFM_CONVERGED_GRAD:
        return "grad_tol";
    case UFM_CONVERGED_LOSS:
        return "loss_tol";
    case UFM_MAX_ITER:
        return "max_iter";
    case UFM_DIVERGED:
        return "nan_or_inf";
    }
    return "unknown";
}

void ufm_opts_default(ufm_opts *o)
{
    memset(o, 0, sizeof *o);
    o->opt = UFM_OPT_SGDM;
    o->lr = 0.1;
    o->momentum = 0.9;
    o->wd = 0.0;
    o->n_milestones = 0;
    o->lr_decay = 0.1;
    o->iters = 1000;
    o->tol_grad = 0.0;
    o->tol_loss = 0.0;
    o->init = UFM_INIT_TORCH;
    o->init_std = 0.1;
    o->bias = 0;
    o->seed = 0;
    o->trace_points = 0;
}

int ufm_opts_validate(const ufm_opts *o, sweep_errbuf *eb)
{
    if (o->opt != UFM_OPT_GD && o->opt != UFM_OPT_NGD && o->opt != UFM_OPT_SGDM)
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "opt",
                                 "opt: unknown optimizer %d", (int)o->opt);
    if (!isfinite(o->lr) || !(o->lr > 0.0))
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "lr",
                                 "lr = %g: the learning rate must be finite and > 0",
                                 o->lr);
    if (!isfinite(o->momentum) || !(o->momentum >= 0.0 && o->momentum < 1.0))
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "momentum",
                                 "momentum = %g must lie in [0, 1)", o->momentum);
    if (!isfinite(o->wd) || !(o->wd >= 0.0))
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "wd",
                                 "wd = %g: weight decay must be finite and >= 0",
                                 o->wd);
    if (!isfinite(o->lr_decay) || !(o->lr_decay > 0.0))
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "lr-decay",
                                 "lr_decay = %g must be finite and > 0",
                                 o->lr_decay);
    if (o->n_milestones < 0 || o->n_milestones > UFM_MAX_MILESTONES)
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "milestones",
                                 "milestones: %d values (at most %d)",
                                 o->n_milestones, UFM_MAX_MILESTONES);
    for (int i = 0; i < o->n_milestones; i++) {
        double m = o->milestones[i];
        if (!(m >= 0.0) || m != floor(m) || m > 9.0e15)
            return sweep_err_set_key(eb, SWEEP_ERR_ARG, "milestones",
                                     "milestones[%d] = %g must be a non-negative whole "
                                     "iteration", i,
                                     m);
        if (i > 0 && !(m > o->milestones[i - 1]))
            return sweep_err_set_key(eb, SWEEP_ERR_ARG, "milestones",
                                     "milestones must increase: milestones[%d] = %g after %g", i, m,
                                     o->milestones[i - 1]);
    }
    if (o->iters < 0)
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "iters",
                                 "iters = %lld must be >= 0",
                                 (long long)o->iters);
    if (!isfinite(o->tol_grad) || !(o->tol_grad >= 0.0))
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "tol-grad",
                                 "tol_grad = %g must be finite and >= 0",
                                 o->tol_grad);
    if (!isfinite(o->tol_loss) || !(o->tol_loss >= 0.0))
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "tol-loss",
                                 "tol_loss = %g must be finite and >= 0",
                                 o->tol_loss);
    if (o->init != UFM_INIT_TORCH && o->init != UFM_INIT_GAUSS)
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "init", "init: unknown kind %d", (int)o->init);
    if (o->init == UFM_INIT_GAUSS && (!isfinite(o->init_std) || !(o->init_std > 0.0)))
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "init",
                                 "init gauss:%g: the std must be finite and > 0",
                                 o->init_std);
    if (o->trace_points < 0 || o->trace_points > UFM_MAX_TRACE_POINTS)
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "trace-points",
                                 "trace_points = %d must lie in [0, %d]",
                                 o->trace_points, UFM_MAX_TRACE_POINTS);
    if (o->trace_points > 0 && (int64_t)o->trace_points > o->iters + 1)
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "trace-points",
                                 "trace_points = %d exceeds iters + 1 = %lld distinct iterations",
                                 o->trace_points, (long long)o->iters + 1);
    return SWEEP_OK;
}

int ufm_trace_iters(int64_t iters, int points, int64_t *out)
{
    if (points < 1 || iters < 0 || (int64_t)points > iters + 1)
        return SWEEP_ERR_ARG;
    if (points == 1) {
        out[0] = iters;
        return SWEEP_OK;
    }
    /* geometric spacing of t + 1 in [1, iters + 1], then pushed apart to be distinct and pulled
     * back so the last one is iters */
    const double lmax = log((double)iters + 1.0);
    for (int j = 0; j < points; j++) {
        double t = exp(lmax * (double)j / (double)(points - 1)) - 1.0;
        out[j] = (int64_t)llround(t);
        if (j > 0 && out[j] <= out[j - 1])
            out[j] = out[j - 1] + 1;
    }
    out[points - 1] = iters;
    for (int j = points - 2; j >= 0; j--)
        if (out[j] >= out[j + 1])
            out[j] = out[j + 1] - 1;
    return SWEEP_OK;
}

struct ufm_solver {
    const volatile sig_atomic_t *stop; /* borrowed: non-zero stops ufm_solver_solve */
    int k, d;
    size_t n;
    ufm_opts o;
    double lambda_w, lambda_h;
    double *omega, *Delta, *iota; /* [k] */
    double *counts;               /* [k] */
    int *label;                   /* [n] class of each column */
    double *W, *H, *b;            /* iterate; H and every H-like array below in the product
                                   * plan's layout (smm.h: tiled on the small backend), hlen
                                   * doubles */
    double *gW, *gb;              /* gradient (with weight decay) at the evaluated iterate */
    double *gH;                   /* its H part: ngd only (its step needs the full norm) */
    double *vW, *vH, *vb;         /* momentum buffers (vH: sgdm only) */
    double *Hn, *vHn;             /* gd/sgdm: the next H and vH, written by the evaluation's
                                   * column-blocked pass and swapped in by the update */
    double *gblk;                 /* [d*nb] gd/sgdm: one block of the H gradient */
    size_t hlen;                  /* doubles of an H-like array: smm_plan_h_len */
    double *Hstd;                 /* [d*n] tiled plans: H column-major, for the metrics and
                                   * ufm_solver_H (else NULL) */
    double *Hx, *gHx;             /* tiled plans: ufm_solver_eval's H and dH in the plan's
                                   * layout (allocated at its first call) */
    double *Z;                    /* logits, class-major: [k*n] (leading dimension n) for the
                                   * rescaled normalized GD, which needs them all first; else
                                   * one block's [k*nb] (leading dimension nb) */
    int zfull;                    /* Z holds every column */
    size_t ldz;                   /* n or nb */
    double *G;                    /* [nb*k] one block of dl/dz / n, class-major (G^T, ld nb) */
    double *work;                 /* [3*nb] softmax scratch */
    size_t *bounds;               /* [blocks*(k+1)] each block's class columns (class_bounds) */
    smm_plan *smm;                /* the three products, by blocks of nb columns */
    int nb;                       /* block width */
    ufm_softmax_params sp;        /* the loss for the softmax pass (points at omega, Delta, iota) */
    int kind;                     /* softmax_kind of the loss */
    double *Hbar;                 /* [d*k] for metrics */
    int64_t iter;                 /* updates done */
    int64_t evaluated_iter;       /* iteration of loss/grad_norm, -1 if none */
    int next_ready;               /* Hn (and vHn) hold the update of the evaluated iterate */
    double loss, objective, grad_norm;
    double step_norm;             /* norm of the stored gradient (rescaled for ngd) */
    int loss_valid;               /* loss/objective were computed at evaluated_iter */
};

/* the end of class c's columns starting at lo, in nondecreasing labels y */
static inline size_t class_end(const int *y, size_t lo, size_t ncols, size_t c)
{
    while (lo < ncols && y[lo] == (int)c)
        lo++;
    return lo;
}

/* cb[c] .. cb[c+1]: the columns of class c in nondecreasing labels y (cb: k + 1 entries) */
static void class_bounds(const int *y, size_t ncols, size_t k, size_t *cb)
{
    cb[0] = 0;
    for (size_t c = 0; c < k; c++)
        cb[c + 1] = class_end(y, cb[c], ncols, c);
}

/* Which logits the loss uses: 0 plain (Delta = 1, iota = 0), 1 VS form, 2 LDT. */
static int softmax_kind(const ufm_softmax_params *sp)
{
    if (sp->label_temperature)
        return 2;
    for (int c = 0; c < sp->k; c++)
        if (sp->Delta[c] != 1.0 || sp->iota[c] != 0.0)
            return 1;
    return 0;
}

/* len doubles on a 64-byte boundary (H and its momentum: whole cache lines per column when
 * 8 divides d), freed with free(). */
static double *alloc_aligned(size_t len)
{
    const size_t bytes = (len * sizeof(double) + 63) / 64 * 64;
    return aligned_alloc(64, bytes > 0 ? bytes : 64);
}

void ufm_solver_set_stop(ufm_solver *s, const volatile sig_atomic_t *stop)
{
    s->stop = stop;
}

void ufm_solver_destroy(ufm_solver **ps)
{
    if (ps == NULL || *ps == NULL)
        return;
    ufm_solver *s = *ps;
    free(s->omega);
    free(s->Delta);
    free(s->iota);
    free(s->counts);
    free(s->label);
    free(s->bounds);
    free(s->W);
    free(s->H);
    free(s->b);
    free(s->gW);
    free(s->gH);
    free(s->gb);
    free(s->vW);
    free(s->vH);
    free(s->vb);
    free(s->Hn);
    free(s->vHn);
    free(s->gblk);
    free(s->Hstd);
    free(s->Hx);
    free(s->gHx);
    free(s->Z);
    free(s->G);
    free(s->work);
    smm_plan_destroy(&s->smm);
    free(s->Hbar);
    free(s);
    *ps = NULL;
}

/* Normalized GD without any ridge or weight decay rescales its stored gradient by the worst
 * example's margin gap (evaluate_current), which needs every logit before the pass. */
static int rescales(const ufm_solver *s)
{
    return s->o.opt == UFM_OPT_NGD && s->o.wd == 0.0 && s->lambda_w == 0.0 && s->lambda_h == 0.0;
}

int ufm_solver_create(const profile *p, const loss_vectors *lv, const ufm_opts *o, uint64_t key,
                      ufm_solver **out, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    ufm_solver *s = NULL;
    const int k = p->k, d = p->d;

    if ((ret = ufm_opts_validate(o, eb)) != SWEEP_OK)
        goto cleanup;
    if ((ret = profile_check_integer_counts(p, eb)) != SWEEP_OK)
        goto cleanup;
    if (lv->k != k) {
        ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, "loss",
                                "loss has k = %d, profile k = %d", lv->k, k);
        goto cleanup;
    }
    const double n_d = p->n;
    if (n_d * (double)(k > d ? k : d) > UFM_MAX_ONE_RANK_SIZE) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "n = %g examples with k = %d, d = %d needs about %.1f GiB; too large "
                            "for one rank",
                            n_d, k, d, 8.0 * 6.0 * n_d * (k > d ? k : d) / 1073741824.0);
        goto cleanup;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL)
        goto nomem;
    s->k = k;
    s->d = d;
    s->n = (size_t)n_d;
    s->o = *o;
    s->lambda_w = lv->lambda_w;
    s->lambda_h = lv->lambda_h;
    const size_t kd = (size_t)k * d, dn = (size_t)d * s->n;
    if (smm_plan_create(k, d, (int)s->n, SMM_BACKEND_AUTO, 0, &s->smm) != SWEEP_OK)
        goto nomem;
    const size_t hlen = s->hlen = smm_plan_h_len(s->smm);
    if (smm_plan_tiled(s->smm) && (s->Hstd = malloc(dn * sizeof(double))) == NULL)
        goto nomem;
    s->omega = malloc((size_t)k * sizeof(double));
    s->Delta = malloc((size_t)k * sizeof(double));
    s->iota = malloc((size_t)k * sizeof(double));
    s->counts = malloc((size_t)k * sizeof(double));
    s->W = malloc(kd * sizeof(double));
    s->H = alloc_aligned(hlen);
    s->gW = malloc(kd * sizeof(double));
    s->vW = calloc(kd, sizeof(double));
    s->Hbar = malloc(kd * sizeof(double));
    if (!s->omega || !s->Delta || !s->iota || !s->counts || !s->W || !s->H ||
        !s->gW || !s->vW || !s->Hbar)
        goto nomem;
    s->nb = smm_plan_block(s->smm);
    s->zfull = rescales(s);
    s->ldz = s->zfull ? s->n : (size_t)s->nb;
    if ((s->Z = malloc((size_t)k * s->ldz * sizeof(double))) == NULL)
        goto nomem;
    s->G = calloc((size_t)k * s->nb, sizeof(double));
    s->work = malloc(3 * (size_t)s->nb * sizeof(double));
    s->label = malloc(s->n * sizeof(int));
    const size_t blocks = (s->n + (size_t)s->nb - 1) / (size_t)s->nb;
    s->bounds = malloc(blocks * (size_t)(k + 1) * sizeof(size_t));
    if (s->G == NULL || s->work == NULL || s->label == NULL || s->bounds == NULL)
        goto nomem;
    if (o->opt == UFM_OPT_NGD) {
        if ((s->gH = alloc_aligned(hlen)) == NULL)
            goto nomem;
    } else {
        s->Hn = alloc_aligned(hlen);
        s->gblk = malloc((size_t)d * s->nb * sizeof(double));
        if (s->Hn == NULL || s->gblk == NULL)
            goto nomem;
    }
    if (o->opt == UFM_OPT_SGDM) {
        s->vH = alloc_aligned(hlen);
        s->vHn = alloc_aligned(hlen);
        if (s->vH != NULL)
            memset(s->vH, 0, hlen * sizeof(double));
        if (s->vH == NULL || s->vHn == NULL)
            goto nomem;
    }
    if (o->bias) {
        s->b = malloc((size_t)k * sizeof(double));
        s->gb = malloc((size_t)k * sizeof(double));
        s->vb = calloc((size_t)k, sizeof(double));
        if (!s->b || !s->gb || !s->vb)
            goto nomem;
    }
    memcpy(s->omega, lv->omega, (size_t)k * sizeof(double));
    memcpy(s->Delta, lv->Delta, (size_t)k * sizeof(double));
    memcpy(s->iota, lv->iota, (size_t)k * sizeof(double));
    s->sp = (ufm_softmax_params){k, s->omega, s->Delta, s->iota, lv->label_temperature,
                                 1.0 / n_d};
    s->kind = softmax_kind(&s->sp);
    memcpy(s->counts, p->counts, (size_t)k * sizeof(double));
    for (size_t c = 0, i = 0; c < (size_t)k; c++) /* columns sorted by class */
        for (size_t e = i + (size_t)p->counts[c]; i < e; i++)
            s->label[i] = (int)c;
    for (size_t j0 = 0; j0 < s->n; j0 += (size_t)s->nb)
        class_bounds(s->label + j0, s->n - j0 < (size_t)s->nb ? s->n - j0 : (size_t)s->nb,
                     (size_t)k, s->bounds + j0 / (size_t)s->nb * (size_t)(k + 1));

    /* Initialization: independent streams for W (0), H (1), b (2); H drawn column-major,
     * then put into the plan's layout. */
    double *H0 = s->Hstd != NULL ? s->Hstd : s->H;
    if (o->init == UFM_INIT_TORCH) {
        const double bw = 1.0 / sqrt((double)d), bh = 1.0 / sqrt((double)s->n);
        rng_uniform_fill(key, 0, -bw, bw, s->W, kd);
        rng_uniform_fill(key, 1, -bh, bh, H0, dn);
        if (o->bias)
            rng_uniform_fill(key, 2, -bw, bw, s->b, (size_t)k);
    } else {
        rng_gauss_fill(key, 0, o->init_std, s->W, kd);
        rng_gauss_fill(key, 1, o->init_std, H0, dn);
        if (o->bias)
            memset(s->b, 0, (size_t)k * sizeof(double));
    }
    if (s->Hstd != NULL)
        smm_h_to_plan(s->smm, s->Hstd, s->H);
    s->iter = 0;
    s->evaluated_iter = -1;
    s->loss_valid = 0;
    s->loss = s->objective = s->grad_norm = NAN;
    *out = s;
    s = NULL;
    goto cleanup;

nomem:
    ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "ufm solver: cannot allocate k = %d, d = %d, n = %g",
                        k, d, p->n);
cleanup:
    ufm_solver_destroy(&s);
    return ret;
}

/* the total of eight partial sums, in a fixed order */
static inline double sum8(const double *acc)
{
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

/* sum of squares with eight partial sums: vectorizable, and the same order on every machine */
static double sumsq(const double *x, size_t n)
{
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++)
            acc[j] += x[i + j] * x[i + j];
    for (; i < n; i++)
        acc[0] += x[i] * x[i];
    return sum8(acc);
}

/* log(1 + S) for S >= 0; the series for tiny S (relative error below 3e-16) avoids a libm call
 * per example in the separable regime, where S is far below 1e-5. */
static inline double log1p_small(double S)
{
    return S < 1e-5 ? S * (1.0 - S * (0.5 - S * (1.0 / 3.0))) : log1p(S);
}

/* u_c = Delta_c z_c + iota_c (VS form) or Delta_y z_c (LDT) for an example of class y whose
 * logit z_c is z[c * zs]. */
static inline double softmax_logit(const ufm_softmax_params *sp, int y, const double *z,
                                   size_t zs, int c)
{
    const double zc = z[(size_t)c * zs];
    return sp->label_temperature ? sp->Delta[y] * zc : sp->Delta[c] * zc + sp->iota[c];
}

/* max over examples i and classes c != y_i of u_c - u_y (the worst example's negative margin);
 * Z (class-major, leading dimension n) already holds the bias. */
static double worst_margin_gap(const ufm_solver *s, const double *Z)
{
    const int k = s->k;
    double worst = -INFINITY;
    for (size_t i = 0; i < s->n; i++) {
        const int y = s->label[i];
        const double uy = softmax_logit(&s->sp, y, Z + i, s->n, y);
        for (int c = 0; c < k; c++)
            if (c != y && softmax_logit(&s->sp, y, Z + i, s->n, c) - uy > worst)
                worst = softmax_logit(&s->sp, y, Z + i, s->n, c) - uy;
    }
    return worst;
}

/* The softmax pass. From logits Z (class-major, bias included) compute the mean data loss and
 * G = e^{-sigma} dl/dz / n. Written relative to the label's logit, r_c = u_c - u_y
 * (u = Delta ⊙ z + iota, or Delta_y z for LDT):
 *     loss_i = w_y log(1 + S),  S = sum_{c != y} e^{r_c}
 *     dl/dz_c = w_y s_c e^{r_c} / (1 + S) (c != y),  dl/dz_y = -w_y s_y S / (1 + S)
 * (s_c = Delta_c for the VS form, Delta_y for LDT). This never forms 1 - p_y, so gradients stay
 * accurate when the loss is far below machine epsilon, and it needs no per-example maximum:
 * e^{r_c} only overflows when an example is misclassified by more than about 700, and such a
 * column is redone with the maximum taken out (column_shifted). sigma <= 0 rescales G for
 * normalized GD (only the direction matters there): with every example classified the entries
 * e^{r_c - sigma} stay representable long after e^{r_c} underflows.
 * Z is read and G written class-major (one row of examples per class) so that every loop runs
 * along the examples: exponents, exponentials and sums in one pass per class row, scaling.
 * The loss (one logarithm per example) is computed only when want_loss; otherwise NaN is
 * returned. */

/* One column by the shifted formulas (a = max(0, max_{c != y} r_c) taken out of every
 * exponent): l_i = a + log(e^{-a} + S'), S' = sum_{c != y} e^{r_c - a}. Reads the column's
 * logits at z[c * zs], writes its G entries at g[c * ldg] and returns l_i, the example's loss
 * without its weight (NaN in, NaN out). */
static double column_shifted(const ufm_softmax_params *sp, int y, const double *z, size_t zs,
                             double sigma, double *g, size_t ldg)
{
    const int k = sp->k;
    const double *Delta = sp->Delta;
    double m = -INFINITY, uy = 0.0;
    for (int c = 0; c < k; c++) {
        const double u = softmax_logit(sp, y, z, zs, c);
        m = u > m ? u : m;
        uy = c == y ? u : uy;
    }
    const double a = m - uy, shift = m + sigma;
    double sum = 0.0;
    for (int c = 0; c < k; c++) {
        g[c * ldg] = c == y ? 0.0 : exp(softmax_logit(sp, y, z, zs, c) - shift);
        sum += g[c * ldg];
    }
    const double S = sum * exp(sigma);
    const double D = (a > 0.0 ? exp(-a) : 1.0) + S;
    const double scale = sp->omega[y] * sp->inv_n / D;
    for (int c = 0; c < k; c++)
        g[c * ldg] *= (sp->label_temperature ? Delta[y] : Delta[c]) * scale;
    g[y * ldg] = -Delta[y] * scale * sum;
    return a > 0.0 ? a + log(D) : log1p_small(S);
}

/* The loops below are compiled twice, generic and AVX2, and the better one is picked when the
 * program loads (GCC's target_clones); both run the same operations in the same order, so
 * their results are bitwise identical (ISO C mode: no contraction into FMAs). */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define UFM_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define UFM_SIMD_CLONES
#endif

/* The pass over ncols columns in class order (y[i]: the class of column i, nondecreasing; class
 * c owns the columns [cb[c], cb[c+1]): class_bounds), in loops along the examples: the label
 * logits class by class, per class row the exponents, exponentials and sums (vexp_row_sum,
 * skipping the row's own class), the scale of each column, per class row the scaling, and the
 * label entries. Z is class-major (k rows of ldz), G has k rows of ldg >= ncols. work: 3 * ncols
 * scratch. Returns sum_i omega_{y_i} l_i (0 unless want_loss); the caller divides by n. */
UFM_SIMD_CLONES static double softmax_cols(const ufm_softmax_params *sp, int kind,
                                           const int *restrict y, const double *restrict Z,
                                           size_t ldz, size_t ncols, double sigma,
                                           int want_loss, double *restrict G, size_t ldg,
                                           const size_t *restrict cb, double *restrict work)
{
    const size_t k = (size_t)sp->k;
    const double *restrict Delta = sp->Delta, *restrict iota = sp->iota;
    double *restrict uy = work, *restrict sum = work + ncols, *restrict tc = work + 2 * ncols;
    /* per class c, its columns [lo, hi): u_y + sigma, and for LDT the temperature Delta_y */
    for (size_t c = 0; c < k; c++) {
        const size_t lo = cb[c], hi = cb[c + 1];
        const double *restrict zc = Z + c * ldz;
        const double dc = Delta[c], ic = iota[c];
        if (kind == 0)
            for (size_t i = lo; i < hi; i++)
                uy[i] = zc[i] + sigma;
        else if (kind == 1)
            for (size_t i = lo; i < hi; i++)
                uy[i] = (dc * zc[i] + ic) + sigma;
        else
            for (size_t i = lo; i < hi; i++) {
                tc[i] = dc;
                uy[i] = dc * zc[i] + sigma;
            }
    }
    /* per class row: the exponents r_c - sigma, their exponentials, and S e^{-sigma} summed
     * over the classes in order; row c skips its own class's columns */
    for (size_t i = 0; i < ncols; i++)
        sum[i] = 0.0;
    for (size_t c = 0; c < k; c++) {
        const size_t lo = cb[c], hi = cb[c + 1];
        vexp_row_sum(Z + c * ldz, kind == 2 ? tc : NULL, kind == 1 ? Delta[c] : 1.0,
                     kind == 1 ? iota[c] : 0.0, uy, lo, hi, G + c * ldg, sum, ncols);
    }
    /* the scale of each column, w_y / (n (1 + S)), into uy; the loss */
    const double e_sigma = sigma == 0.0 ? 1.0 : exp(sigma);
    double total = 0.0;
    int overflow = 0;
    for (size_t c = 0; c < k; c++) {
        const size_t lo = cb[c], hi = cb[c + 1];
        const double w = sp->omega[c], wn = w * sp->inv_n;
        for (size_t i = lo; i < hi; i++) {
            overflow |= !(sum[i] <= DBL_MAX);
            uy[i] = wn / (1.0 + sum[i] * e_sigma);
        }
        if (want_loss) {
            double part = 0.0;
            for (size_t i = lo; i < hi; i++)
                if (sum[i] <= DBL_MAX)
                    part += log1p_small(sum[i] * e_sigma);
            total += w * part;
        }
    }
    for (size_t c = 0; c < k; c++) {
        double *restrict g = G + c * ldg;
        const double dc = Delta[c];
        if (kind == 0)
            for (size_t i = 0; i < ncols; i++)
                g[i] *= uy[i];
        else if (kind == 1)
            for (size_t i = 0; i < ncols; i++)
                g[i] *= dc * uy[i];
        else
            for (size_t i = 0; i < ncols; i++)
                g[i] *= tc[i] * uy[i];
    }
    /* the label entries, -s_y w_y S / (n (1 + S)) */
    for (size_t c = 0; c < k; c++) {
        const size_t lo = cb[c], hi = cb[c + 1];
        double *restrict g = G + c * ldg;
        const double sy = kind == 0 ? 1.0 : Delta[c];
        for (size_t i = lo; i < hi; i++)
            g[i] = -(sy * uy[i]) * sum[i];
    }
    if (overflow)
        for (size_t i = 0; i < ncols; i++)
            if (!(sum[i] <= DBL_MAX)) {
                const double l = column_shifted(sp, y[i], Z + i, ldz, sigma, G + i, ldg);
                if (want_loss)
                    total += sp->omega[y[i]] * l;
            }
    return total;
}

double ufm_softmax_columns(const ufm_softmax_params *sp, const int *y, const double *Zt,
                           size_t ldz, size_t ncols, double sigma, int want_loss, double *G,
                           size_t ldg, double *work, size_t *bounds)
{
    const int kind = softmax_kind(sp);
    double total = 0.0;
    for (size_t a = 0, e; a < ncols; a = e) { /* runs of nondecreasing classes */
        for (e = a + 1; e < ncols && y[e] >= y[e - 1];)
            e++;
        class_bounds(y + a, e - a, (size_t)sp->k, bounds);
        total += softmax_cols(sp, kind, y + a, Zt + a, ldz, e - a, sigma, want_loss, G + a, ldg,
                              bounds, work);
    }
    return want_loss ? total * sp->inv_n : NAN;
}

/* The softmax pass over the columns j0 .. j0+m-1 of Z (in class order) into the block's
 * class-major G (leading dimension nb). */
static double softmax_block(ufm_solver *s, size_t j0, size_t m, double sigma, int want_loss)
{
    const double total = softmax_cols(&s->sp, s->kind, s->label + j0,
                                      s->Z + (s->zfull ? j0 : 0), s->ldz, m, sigma,
                                      want_loss, s->G, (size_t)s->nb,
                                      s->bounds + j0 / (size_t)s->nb * (size_t)(s->k + 1),
                                      s->work);
    return want_loss ? total * s->sp.inv_n : NAN;
}

/* g += c x over n entries and return sum g^2 (eight partial sums, fixed order). */
static double add_scaled_sumsq(double *g, const double *x, double c, size_t n)
{
    if (c == 0.0)
        return sumsq(g, n);
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) {
            g[i + j] += c * x[i + j];
            acc[j] += g[i + j] * g[i + j];
        }
    for (; i < n; i++) {
        g[i] += c * x[i];
        acc[0] += g[i] * g[i];
    }
    return sum8(acc);
}

/* The update of H fused into the evaluation: with the block's gradient g (weight decay
 * included), h_next = h - lr g (gd) or v_next = mu v + g, h_next = h - lr v_next (sgdm; PyTorch's
 * first step v = g is the same as v = 0 before). Written to separate arrays: the iterate itself
 * stays intact until the convergence test has seen its gradient. */
typedef struct h_update {
    double lr, mu;
    const double *v; /* NULL: gd */
    double *h_next, *v_next;
} h_update;

/* One block of H's gradient: g += c h, acc[j] += g^2 (eight partial sums, fixed order), and the
 * update (mode 1: gd, 2: sgdm, 0: none) of the block's entries into hn (and vn). The arrays
 * never overlap (restrict lets the compiler vectorize). */
UFM_SIMD_CLONES static void h_block_update(size_t len, double c, const double *restrict h,
                                           double *restrict g, double *restrict acc,
                                           const double *restrict v, double *restrict hn,
                                           double *restrict vn, double lr, double mu, int mode)
{
    double a[8];
    for (int j = 0; j < 8; j++)
        a[j] = acc[j];
    const size_t n8 = len & ~(size_t)7;
    size_t i = 0;
    if (mode == 0) { /* gradient only, kept in g */
        for (; i < n8; i += 8)
            for (int j = 0; j < 8; j++) {
                const double gi = g[i + j] + c * h[i + j];
                g[i + j] = gi;
                a[j] += gi * gi;
            }
    } else if (mode == 1) { /* gd */
        for (; i < n8; i += 8)
            for (int j = 0; j < 8; j++) {
                const double gi = g[i + j] + c * h[i + j];
                a[j] += gi * gi;
                hn[i + j] = h[i + j] - lr * gi;
            }
    } else { /* sgdm */
        for (; i < n8; i += 8)
            for (int j = 0; j < 8; j++) {
                const double gi = g[i + j] + c * h[i + j];
                a[j] += gi * gi;
                const double vi = mu * v[i + j] + gi;
                vn[i + j] = vi;
                hn[i + j] = h[i + j] - lr * vi;
            }
    }
    for (; i < len; i++) {
        const double gi = g[i] + c * h[i];
        g[i] = gi;
        a[0] += gi * gi;
        if (mode == 1)
            hn[i] = h[i] - lr * gi;
        if (mode == 2) {
            vn[i] = mu * v[i] + gi;
            hn[i] = h[i] - lr * vn[i];
        }
    }
    for (int j = 0; j < 8; j++)
        acc[j] = a[j];
}

/* h_block_update for entries [off, off + len) of H with the update u (NULL: gradient only). */
static void h_block(size_t len, double c, const double *h, double *g, double *acc,
                    const h_update *u, size_t off)
{
    if (u == NULL)
        h_block_update(len, c, h, g, acc, NULL, NULL, NULL, 0.0, 0.0, 0);
    else if (u->v == NULL)
        h_block_update(len, c, h, g, acc, NULL, u->h_next + off, NULL, u->lr, 0.0, 1);
    else
        h_block_update(len, c, h, g, acc, u->v + off, u->h_next + off, u->v_next + off, u->lr,
                       u->mu, 2);
}

/* Logits of the columns j0 .. j0+m-1 (bias included) into s->Z (class-major, leading
 * dimension s->ldz: at column j0 when it holds every column, else at its start). */
static void logits_block(ufm_solver *s, const double *W, const double *H, const double *b,
                         size_t j0, int m)
{
    double *Zb = s->Z + (s->zfull ? j0 : 0);
    smm_logits_cols(s->smm, W, H + j0 * (size_t)s->d, m, Zb, s->ldz);
    if (b != NULL)
        for (int c = 0; c < s->k; c++)
            for (int i = 0; i < m; i++)
                Zb[(size_t)c * s->ldz + (size_t)i] += b[c];
}

/* One evaluation at (W, H, b), walking the examples in blocks of nb columns: per block the
 * logits, the softmax pass, dW += H_b G_b^T, the block of dH = W G_b, its ridge/weight-decay
 * term and squared norm and (with `up`) the fused update of H, while the block is in cache.
 * sigma is the softmax rescaling (0 for the true gradient); z_ready: s->Z already holds the
 * logits. dW == NULL: loss only. dH == NULL: the H gradient is not kept (s->gblk). Returns
 * sum of squares of the gradient (W, H and b parts; NaN without dW); loss and objective (NaN
 * unless want_loss). */
static double eval_blocked(ufm_solver *s, const double *W, const double *H, const double *b,
                          double sigma, int z_ready, double wd, int want_loss, double *loss,
                          double *objective, double *dW, double *dH, double *db,
                          const h_update *up)
{
    const int k = s->k, d = s->d, nb = s->nb;
    const size_t kd = (size_t)k * d;
    const double ch = s->lambda_h + wd;
    const int tiled = smm_plan_tiled(s->smm);
    double data = 0.0, acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    if (dW != NULL) {
        memset(dW, 0, kd * sizeof(double));
        if (db != NULL)
            for (int c = 0; c < k; c++)
                db[c] = wd * b[c];
    }
    for (size_t j0 = 0; j0 < s->n; j0 += (size_t)nb) {
        const int m = s->n - j0 < (size_t)nb ? (int)(s->n - j0) : nb;
        if (!z_ready)
            logits_block(s, W, H, b, j0, m);
        data += softmax_block(s, j0, (size_t)m, sigma, want_loss);
        if (dW == NULL)
            continue;
        if (tiled) /* the products read whole tiles: the padding columns of G must be 0 */
            for (int c = 0; c < k; c++)
                for (int i = m; i % SMM_TILE_COLS != 0; i++)
                    s->G[(size_t)c * nb + (size_t)i] = 0.0;
        const double *Hb = H + j0 * (size_t)d;
        smm_grad_w_cols(s->smm, Hb, s->G, m, dW);
        if (db != NULL)
            for (int c = 0; c < k; c++)
                for (int i = 0; i < m; i++)
                    db[c] += s->G[(size_t)c * nb + i];
        double *gb = dH != NULL ? dH + j0 * (size_t)d : s->gblk;
        const size_t off = j0 * (size_t)d;
        if (smm_plan_fuses_grad_h(s->smm)) {
            const smm_h_epilogue e = {ch,
                                      Hb,
                                      gb,
                                      up != NULL && up->v != NULL ? up->v + off : NULL,
                                      up != NULL ? up->h_next + off : NULL,
                                      up != NULL && up->v != NULL ? up->v_next + off : NULL,
                                      up != NULL ? up->lr : 0.0,
                                      up != NULL ? up->mu : 0.0,
                                      up == NULL ? 0 : up->v == NULL ? 1 : 2,
                                      j0 == 0};
            smm_grad_h_update(s->smm, W, s->G, m, &e, acc);
        } else {
            smm_grad_h_cols(s->smm, W, s->G, m, gb);
            h_block((size_t)d * m, ch, Hb, gb, acc, up, off);
        }
    }
    *loss = want_loss ? data : NAN;
    /* the function the iteration minimizes: the ridge and the coupled weight decay (whose
     * gradient wd * x the optimizers add) both count */
    *objective = *loss;
    if (want_loss && s->lambda_w + wd > 0.0)
        *objective += 0.5 * (s->lambda_w + wd) * sumsq(W, kd);
    if (want_loss && ch > 0.0)
        *objective += 0.5 * ch * sumsq(H, s->hlen); /* the padding is 0 */
    if (want_loss && wd > 0.0 && b != NULL)
        *objective += 0.5 * wd * sumsq(b, (size_t)k);
    if (dW == NULL)
        return NAN;
    double g2 = add_scaled_sumsq(dW, W, s->lambda_w + wd, kd) + sum8(acc);
    if (db != NULL)
        g2 += sumsq(db, (size_t)k);
    return g2;
}

int ufm_solver_eval(ufm_solver *s, const double *W, const double *H, const double *b,
                    double *loss, double *objective, double *dW, double *dH, double *db)
{
    double l, obj;
    if (smm_plan_tiled(s->smm)) { /* H and dH through the plan's layout */
        if (s->Hx == NULL && (s->Hx = alloc_aligned(s->hlen)) == NULL)
            return SWEEP_ERR_NOMEM;
        if (dH != NULL && s->gHx == NULL && (s->gHx = alloc_aligned(s->hlen)) == NULL)
            return SWEEP_ERR_NOMEM;
        smm_h_to_plan(s->smm, H, s->Hx);
        eval_blocked(s, W, s->Hx, s->o.bias ? b : NULL, 0.0, 0, 0.0, 1, &l, &obj, dW,
                     dH != NULL ? s->gHx : NULL, db, NULL);
        if (dH != NULL)
            smm_h_from_plan(s->smm, s->gHx, dH);
    } else {
        eval_blocked(s, W, H, s->o.bias ? b : NULL, 0.0, 0, 0.0, 1, &l, &obj, dW, dH, db, NULL);
    }
    if (loss != NULL)
        *loss = l;
    if (objective != NULL)
        *objective = obj;
    s->evaluated_iter = -1; /* the work arrays no longer hold the iterate's evaluation */
    s->next_ready = 0;
    return SWEEP_OK;
}

double ufm_lr_at(const ufm_opts *o, int64_t iter)
{
    double lr = o->lr;
    for (int i = 0; i < o->n_milestones; i++)
        if ((double)iter >= o->milestones[i])
            lr *= o->lr_decay;
    return lr;
}

double ufm_solver_lr(const ufm_solver *s, int64_t iter)
{
    return ufm_lr_at(&s->o, iter);
}

ufm_outcome ufm_stop_test(const ufm_opts *o, int loss_valid, double loss, double grad_norm,
                          double step_norm, int64_t iter)
{
    if ((loss_valid && !isfinite(loss)) || !isfinite(grad_norm) || !isfinite(step_norm))
        return UFM_DIVERGED;
    if (o->tol_grad > 0.0 && grad_norm <= o->tol_grad)
        return UFM_CONVERGED_GRAD;
    if (o->tol_loss > 0.0 && loss_valid && loss <= o->tol_loss)
        return UFM_CONVERGED_LOSS;
    if (iter >= o->iters)
        return UFM_MAX_ITER;
    return UFM_RUNNING;
}

/* Loss and gradient (with weight decay) at the current iterate, once per iterate. For normalized
 * GD without any ridge or weight decay the stored gradient is rescaled by e^{-sigma} (sigma = the
 * worst example's margin gap when every example is classified), which keeps its direction
 * representable after the loss underflows; grad_norm stays the true norm. */
static void evaluate_current(ufm_solver *s, int want_loss)
{
    if (s->evaluated_iter == s->iter && (s->loss_valid || !want_loss))
        return;
    const int rescale = s->zfull;
    double sigma = 0.0;
    if (rescale) { /* all logits first: sigma is a maximum over every example */
        for (size_t j0 = 0; j0 < s->n; j0 += (size_t)s->nb)
            logits_block(s, s->W, s->H, s->b, j0,
                         s->n - j0 < (size_t)s->nb ? (int)(s->n - j0) : s->nb);
        const double gap = worst_margin_gap(s, s->Z);
        sigma = gap < 0.0 ? gap : 0.0;
    }
    h_update up = {ufm_solver_lr(s, s->iter), s->o.momentum, s->vH, s->Hn, s->vHn};
    const int fused = s->o.opt != UFM_OPT_NGD;
    const double g2 = eval_blocked(s, s->W, s->H, s->b, sigma, rescale, s->o.wd, want_loss,
                                   &s->loss, &s->objective, s->gW, fused ? NULL : s->gH, s->gb,
                                   fused ? &up : NULL);
    s->step_norm = sqrt(g2);                  /* norm of the stored (possibly rescaled) gradient */
    s->grad_norm = s->step_norm * exp(sigma); /* the true gradient norm (may underflow to 0) */
    s->loss_valid = want_loss;
    s->evaluated_iter = s->iter;
    s->next_ready = fused;
}

/* x <- x - lr * (momentum-filtered) g for one parameter block (the same operations as the fused
 * update of H, h_block) */
static void update_block(const ufm_solver *s, double lr, double *x, const double *g, double *v,
                         size_t len)
{
    if (s->o.opt == UFM_OPT_SGDM) {
        const double mu = s->o.momentum;
        for (size_t i = 0; i < len; i++) {
            v[i] = mu * v[i] + g[i]; /* PyTorch: first step v = g, same as v = 0 before */
            x[i] -= lr * v[i];
        }
    } else {
        for (size_t i = 0; i < len; i++)
            x[i] -= lr * g[i];
    }
}

static void swap_arrays(double **a, double **b)
{
    double *t = *a;
    *a = *b;
    *b = t;
}

/* Apply the update of the evaluated iterate (evaluate_current first). gd/sgdm: H's update was
 * written by the evaluation into Hn (vHn); it is swapped in. */
static void update_current(ufm_solver *s)
{
    if (s->evaluated_iter != s->iter || (s->o.opt != UFM_OPT_NGD && !s->next_ready))
        evaluate_current(s, 0);
    double lr = ufm_solver_lr(s, s->iter);
    if (s->o.opt == UFM_OPT_NGD) {
        lr = s->step_norm > 0.0 ? lr / s->step_norm : 0.0;
        update_block(s, lr, s->H, s->gH, NULL, s->hlen); /* the padding stays 0 */
    } else {
        swap_arrays(&s->H, &s->Hn);
        if (s->o.opt == UFM_OPT_SGDM)
            swap_arrays(&s->vH, &s->vHn);
    }
    update_block(s, lr, s->W, s->gW, s->vW, (size_t)s->k * s->d);
    if (s->b != NULL)
        update_block(s, lr, s->b, s->gb, s->vb, (size_t)s->k);
    s->next_ready = 0;
    s->iter++;
}

int ufm_solver_step(ufm_solver *s)
{
    evaluate_current(s, 1);
    if (isfinite(s->loss) && isfinite(s->grad_norm) && isfinite(s->step_norm))
        update_current(s);
    return SWEEP_OK;
}

ufm_outcome ufm_solver_test(const ufm_solver *s)
{
    if (s->evaluated_iter < 0)
        return UFM_RUNNING;
    const ufm_outcome out =
        ufm_stop_test(&s->o, s->loss_valid, s->loss, s->grad_norm, s->step_norm, s->iter);
    if (out != UFM_DIVERGED && s->evaluated_iter != s->iter)
        return UFM_RUNNING; /* an update happened after the evaluation */
    return out;
}

int ufm_trace_create(int points, ufm_trace **out)
{
    int ret = SWEEP_OK;
    ufm_trace *t = calloc(1, sizeof *t);
    if (t == NULL || points < 0) {
        ret = points < 0 ? SWEEP_ERR_ARG : SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    size_t np = points > 0 ? (size_t)points : 1;
    t->points = points;
    t->iter = malloc(np * sizeof *t->iter);
    t->lr = malloc(np * sizeof(double));
    t->loss = malloc(np * sizeof(double));
    t->grad_norm = malloc(np * sizeof(double));
    t->metrics = malloc(np * sizeof *t->metrics);
    if (!t->iter || !t->lr || !t->loss || !t->grad_norm || !t->metrics) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    for (int j = 0; j < points; j++) {
        t->iter[j] = -1;
        t->lr[j] = t->loss[j] = t->grad_norm[j] = NAN;
        geom_metrics_set_nan(&t->metrics[j]);
    }
    *out = t;
    t = NULL;
cleanup:
    ufm_trace_destroy(&t);
    return ret;
}

void ufm_trace_destroy(ufm_trace **pt)
{
    if (pt == NULL || *pt == NULL)
        return;
    free((*pt)->iter);
    free((*pt)->lr);
    free((*pt)->loss);
    free((*pt)->grad_norm);
    free((*pt)->metrics);
    free(*pt);
    *pt = NULL;
}

static int current_metrics(ufm_solver *s, const geom_problem *prob, const geom_prediction *ref,
                           geom_metrics *m)
{
    const double *H = ufm_solver_H(s); /* column-major */
    geom_class_means(s->d, s->k, s->counts, H, s->Hbar);
    return geom_metrics_compute(prob, s->d, s->W, s->Hbar, H, ref, m);
}

int ufm_solver_solve(ufm_solver *s, const geom_problem *prob, const geom_prediction *ref,
                     ufm_trace *trace, ufm_result *res)
{
    int ret = SWEEP_OK;
    int64_t *sched = NULL;
    int next = 0, points = trace != NULL ? trace->points : 0;
    ufm_outcome outcome = UFM_RUNNING;

    if (prob->k != s->k || (points > 0 && (int64_t)points > s->o.iters + 1))
        return SWEEP_ERR_ARG;
    if (points > 0) {
        sched = malloc((size_t)points * sizeof *sched);
        if (sched == NULL)
            return SWEEP_ERR_NOMEM;
        if ((ret = ufm_trace_iters(s->o.iters, points, sched)) != SWEEP_OK) {
            free(sched);
            return ret;
        }
    }
    for (;;) {
        /* the loss (a logarithm per example) only where something reads it */
        const int at_trace = next < points && sched[next] == s->iter;
        evaluate_current(s, at_trace || s->o.tol_loss > 0.0 || s->iter >= s->o.iters);
        if (at_trace) {
            trace->iter[next] = s->iter;
            trace->lr[next] = ufm_solver_lr(s, s->iter);
            trace->loss[next] = s->loss;
            trace->grad_norm[next] = s->grad_norm;
            ret = current_metrics(s, prob, ref, &trace->metrics[next]);
            if (ret != SWEEP_OK)
                goto cleanup;
            next++;
        }
        outcome = ufm_solver_test(s);
        if (outcome != UFM_RUNNING)
            break;
        if (s->stop != NULL && *s->stop != 0) {
            ret = SWEEP_ERR_INTERRUPTED; /* a stop request: no result, recomputed later */
            goto cleanup;
        }
        update_current(s);
    }
    evaluate_current(s, 1); /* the final iterate's loss, if not computed yet */
    res->outcome = outcome;
    res->iters = s->iter;
    res->loss = s->loss;
    res->objective = s->objective;
    res->grad_norm = s->grad_norm;
    res->lr_final = s->iter > 0 ? ufm_solver_lr(s, s->iter - 1) : NAN;
    ret = current_metrics(s, prob, ref, &res->metrics);
cleanup:
    free(sched);
    return ret;
}

const double *ufm_solver_W(const ufm_solver *s) { return s->W; }
const double *ufm_solver_H(const ufm_solver *s)
{
    if (s->Hstd == NULL)
        return s->H;
    smm_h_from_plan(s->smm, s->H, s->Hstd); /* the tiled iterate, column-major */
    return s->Hstd;
}
const double *ufm_solver_b(const ufm_solver *s) { return s->b; }
int64_t ufm_solver_iter(const ufm_solver *s) { return s->iter; }
double ufm_solver_loss(const ufm_solver *s) { return s->loss; }
double ufm_solver_grad_norm(const ufm_solver *s) { return s->grad_norm; }

void ufm_solver_use_portable(ufm_solver *s, int on)
{
    smm_plan_use_portable(s->smm, on);
    s->evaluated_iter = -1; /* evaluate again, by the chosen path */
    s->next_ready = 0;
}

void ufm_solver_set_params(ufm_solver *s, const double *W, const double *H, const double *b)
{
    const size_t kd = (size_t)s->k * s->d;
    memcpy(s->W, W, kd * sizeof(double));
    smm_h_to_plan(s->smm, H, s->H);
    if (s->b != NULL && b != NULL)
        memcpy(s->b, b, (size_t)s->k * sizeof(double));
    memset(s->vW, 0, kd * sizeof(double));
    if (s->vH != NULL)
        memset(s->vH, 0, s->hlen * sizeof(double));
    if (s->vb != NULL)
        memset(s->vb, 0, (size_t)s->k * sizeof(double));
    s->iter = 0;
    s->evaluated_iter = -1;
    s->next_ready = 0;
}
