#include "geom.h"

#include "geom_impl.h"
#include "metrics.h"

#include "lapack.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *geom_problem_kind_name(geom_problem_kind kind)
{
    switch (kind) {
    case GEOM_UFSVM:
        return "uf-svm";
    case GEOM_MARGIN:
        return "margin-cs-svm";
    case GEOM_CDT:
        return "cdt-cs-svm";
    }
    return "unknown";
}

const char *geom_method_name(geom_method m)
{
    switch (m) {
    case GEOM_METHOD_SELI_MATRIX:
        return "seli_matrix";
    case GEOM_METHOD_SELI_STEP:
        return "seli_step";
    case GEOM_METHOD_CDT_STEP:
        return "cdt_step";
    case GEOM_METHOD_REG_CONVEX:
        return "reg_convex";
    case GEOM_METHOD_SVM_CONVEX:
        return "svm_convex";
    case GEOM_METHOD_SVM_EXAMPLE:
        return "svm_example";
    case GEOM_METHOD_SVM_GD:
        return "svm_gd";
    }
    return "unknown";
}

/* 1 when all v[c] equal v[0] to relative 1e-13. */
static int is_constant(const double *v, int k)
{
    for (int c = 1; c < k; c++)
        if (fabs(v[c] - v[0]) > 1e-13 * fabs(v[0]))
            return 0;
    return 1;
}

int geom_problem_from_loss(const profile *p, const loss_vectors *lv, geom_problem **out,
                           sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    geom_problem *gp = NULL;
    const int k = p->k;

    if (lv->k != k) {
        ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, "loss",
                                "loss vectors have k = %d, profile k = %d", lv->k,
                                k);
        goto cleanup;
    }
    gp = calloc(1, sizeof *gp);
    if (gp == NULL)
        goto nomem;
    gp->counts = malloc((size_t)k * sizeof(double));
    gp->is_major = malloc((size_t)k);
    gp->scale = malloc((size_t)k * sizeof(double));
    if (gp->counts == NULL || gp->is_major == NULL || gp->scale == NULL)
        goto nomem;
    memcpy(gp->counts, p->counts, (size_t)k * sizeof(double));
    memcpy(gp->is_major, p->is_major, (size_t)k);
    gp->k = k;
    gp->k_maj = p->k_maj;
    gp->k_min = p->k_min;
    gp->is_step = p->kind == PROFILE_STEP;
    gp->R = p->R;
    gp->n_min = p->n_min;
    gp->regularized = lv->lambda_w > 0.0 || lv->lambda_h > 0.0;
    if (lv->label_temperature) {
        gp->kind = GEOM_MARGIN;
        for (int c = 0; c < k; c++)
            gp->scale[c] = 1.0 / lv->Delta[c];
    } else if (is_constant(lv->Delta, k)) {
        /* weights omega and offsets iota do not move the max-margin direction */
        gp->kind = GEOM_UFSVM;
        for (int c = 0; c < k; c++)
            gp->scale[c] = 1.0;
    } else {
        gp->kind = GEOM_CDT;
        memcpy(gp->scale, lv->Delta, (size_t)k * sizeof(double));
    }
    *out = gp;
    gp = NULL;
    goto cleanup;

nomem:
    ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "geom_problem: cannot allocate for k = %d", k);
cleanup:
    geom_problem_destroy(&gp);
    return ret;
}

void geom_problem_destroy(geom_problem **gp)
{
    if (gp == NULL || *gp == NULL)
        return;
    free((*gp)->counts);
    free((*gp)->is_major);
    free((*gp)->scale);
    free(*gp);
    *gp = NULL;
}

void geom_prediction_destroy(geom_prediction **gp)
{
    if (gp == NULL || *gp == NULL)
        return;
    free((*gp)->G_W);
    free((*gp)->G_H);
    free((*gp)->Z);
    free((*gp)->W);
    free((*gp)->Hbar);
    free(*gp);
    *gp = NULL;
}

int geom__prediction_alloc(int k, geom_method m, int with_z, int with_factors,
                            geom_prediction **out)
{
    int ret = SWEEP_OK;
    size_t kk = (size_t)k * (size_t)k;
    geom_prediction *gp = calloc(1, sizeof *gp);
    if (gp == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    gp->k = k;
    gp->method = m;
    gp->G_W = calloc(kk, sizeof(double));
    gp->G_H = calloc(kk, sizeof(double));
    if (with_z)
        gp->Z = calloc(kk, sizeof(double));
    if (with_factors) {
        gp->W = calloc(kk, sizeof(double));
        gp->Hbar = calloc(kk, sizeof(double));
    }
    if (gp->G_W == NULL || gp->G_H == NULL || (with_z && gp->Z == NULL) ||
        (with_factors && (gp->W == NULL || gp->Hbar == NULL))) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    *out = gp;
    gp = NULL;
cleanup:
    geom_prediction_destroy(&gp);
    return ret;
}

void geom__prediction_grams_from_factors(geom_prediction *gp)
{
    const int k = gp->k;
    for (int j = 0; j < k; j++) {
        for (int i = 0; i < k; i++) {
            double gw = 0.0, gh = 0.0, z = 0.0;
            for (int r = 0; r < k; r++) {
                gw += gp->W[r + (size_t)i * k] * gp->W[r + (size_t)j * k];
                gh += gp->Hbar[r + (size_t)i * k] * gp->Hbar[r + (size_t)j * k];
                z += gp->W[r + (size_t)i * k] * gp->Hbar[r + (size_t)j * k];
            }
            gp->G_W[i + (size_t)j * k] = gw;
            gp->G_H[i + (size_t)j * k] = gh;
            gp->Z[i + (size_t)j * k] = z;
        }
    }
}

/* Z = P diag(delta) (delta NULL = 1). */
static void fill_simplex_logits(int k, const double *delta, double *Z)
{
    for (int j = 0; j < k; j++)
        for (int i = 0; i < k; i++)
            Z[i + (size_t)j * k] = ((i == j ? 1.0 : 0.0) - 1.0 / k) * (delta ? delta[j] : 1.0);
}

int geom_predict_seli_matrix(int k, const double *weights, const double *delta,
                             geom_prediction **out)
{
    int ret = SWEEP_OK;
    geom_prediction *gp = NULL;
    double *A = NULL, *lam = NULL;
    size_t kk = (size_t)k * (size_t)k;

    if (k < 2) {
        ret = SWEEP_ERR_ARG;
        goto cleanup;
    }
    for (int c = 0; c < k; c++) {
        if (!(weights[c] > 0.0) || !isfinite(weights[c]) ||
            (delta && (!(delta[c] > 0.0) || !isfinite(delta[c])))) {
            ret = SWEEP_ERR_ARG;
            goto cleanup;
        }
    }
    ret = geom__prediction_alloc(k, GEOM_METHOD_SELI_MATRIX, 1, 1, &gp);
    if (ret != SWEEP_OK)
        goto cleanup;
    A = malloc(kk * sizeof(double));
    lam = malloc((size_t)k * sizeof(double));
    if (A == NULL || lam == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    /* A = P N' P: (P N P)_ij = n_i [i==j] - (n_i + n_j)/k + sum(n)/k^2 */
    double sum = 0.0;
    for (int c = 0; c < k; c++) {
        double w = weights[c] * (delta ? delta[c] * delta[c] : 1.0);
        lam[c] = w; /* scratch: effective weights */
        sum += w;
    }
    for (int j = 0; j < k; j++)
        for (int i = 0; i < k; i++)
            A[i + (size_t)j * k] =
                (i == j ? lam[i] : 0.0) - (lam[i] + lam[j]) / k + sum / ((double)k * k);
    int info = ufm_lapack_dsyevd('V', 'U', k, A, k, lam);
    if (info != 0) {
        ret = SWEEP_ERR_LAPACK;
        goto cleanup;
    }
    /* Eigenvalues ascend; the first belongs to the all-ones vector (exactly 0 in exact
     * arithmetic): every other eigenvalue is >= min_c n'_c > 0, so dropping the first is exact. */
    for (int r = 0; r < k; r++) {
        /* P N' P = M M^T with M = P N'^{1/2} = U S V^T, so L = S^2 and the balanced factor
         * W = S^{1/2} U^T = L^{1/4} Q^T (G_W = L^{1/2} in the eigenbasis). */
        double s = r == 0 ? 0.0 : sqrt(sqrt(lam[r]));
        double si = r == 0 ? 0.0 : 1.0 / s;
        for (int c = 0; c < k; c++) {
            double q = A[c + (size_t)r * k]; /* Q[c, r] */
            gp->W[r + (size_t)c * k] = s * q;
            gp->Hbar[r + (size_t)c * k] = si * q * (delta ? delta[c] : 1.0);
        }
    }
    geom__prediction_grams_from_factors(gp);
    *out = gp;
    gp = NULL;
cleanup:
    free(A);
    free(lam);
    geom_prediction_destroy(&gp);
    return ret;
}

void geom_seli_step_values_compute(int k_maj, int k_min, double R, geom_seli_step_values *v)
{
    const double k1 = k_maj, k2 = k_min, k = k1 + k2;
    const double mu = (k1 + R * k2) / k, sm = sqrt(mu), sR = sqrt(R);
    v->w_maj2 = sR * (1.0 - 1.0 / k1) + sm * k2 / (k * k1);
    v->w_majmaj = -sR / k1 + sm * k2 / (k * k1);
    v->w_min2 = (1.0 - 1.0 / k2) + sm * k1 / (k * k2);
    v->w_minmin = -1.0 / k2 + sm * k1 / (k * k2);
    v->w_majmin = -sm / k;
    v->h_maj2 = (1.0 - 1.0 / k1) / sR + k2 / (sm * k * k1);
    v->h_majmaj = -1.0 / (sR * k1) + k2 / (sm * k * k1);
    v->h_min2 = (1.0 - 1.0 / k2) + k1 / (sm * k * k2);
    v->h_minmin = -1.0 / k2 + k1 / (sm * k * k2);
    v->h_majmin = -1.0 / (sm * k);
}

/* Fill a two-block Gram matrix: diagonal d1 / d2, within-block o11 / o22, across o12. */
static void fill_block_gram(int k1, int k, double d1, double o11, double d2, double o22,
                            double o12, double *G)
{
    for (int j = 0; j < k; j++) {
        for (int i = 0; i < k; i++) {
            int bi = i < k1, bj = j < k1;
            double g;
            if (bi && bj)
                g = i == j ? d1 : o11;
            else if (!bi && !bj)
                g = i == j ? d2 : o22;
            else
                g = o12;
            G[i + (size_t)j * k] = g;
        }
    }
}

int geom_predict_seli_step(int k_maj, int k_min, double R, double n_min, geom_prediction **out)
{
    int ret = SWEEP_OK;
    geom_prediction *gp = NULL;
    const int k = k_maj + k_min;

    if (k < 2 || k_maj < 0 || k_min < 0 || !(R > 0.0) || !(n_min > 0.0)) {
        ret = SWEEP_ERR_ARG;
        goto cleanup;
    }
    ret = geom__prediction_alloc(k, GEOM_METHOD_SELI_STEP, 1, 0, &gp);
    if (ret != SWEEP_OK)
        goto cleanup;
    if (k_maj == 0 || k_min == 0) {
        /* balanced: P N P = n P, G_W = sqrt(n) P, G_H = P / sqrt(n) */
        double n = (k_min == 0 ? R : 1.0) * n_min;
        for (int j = 0; j < k; j++)
            for (int i = 0; i < k; i++) {
                double pij = (i == j ? 1.0 : 0.0) - 1.0 / k;
                gp->G_W[i + (size_t)j * k] = sqrt(n) * pij;
                gp->G_H[i + (size_t)j * k] = pij / sqrt(n);
            }
    } else {
        geom_seli_step_values v;
        geom_seli_step_values_compute(k_maj, k_min, R, &v);
        const double sw = sqrt(n_min), sh = 1.0 / sqrt(n_min);
        fill_block_gram(k_maj, k, sw * v.w_maj2, sw * v.w_majmaj, sw * v.w_min2, sw * v.w_minmin,
                        sw * v.w_majmin, gp->G_W);
        fill_block_gram(k_maj, k, sh * v.h_maj2, sh * v.h_majmaj, sh * v.h_min2, sh * v.h_minmin,
                        sh * v.h_majmin, gp->G_H);
    }
    fill_simplex_logits(k, NULL, gp->Z);
    *out = gp;
    gp = NULL;
cleanup:
    geom_prediction_destroy(&gp);
    return ret;
}

int geom_predict_margin_step(int k_maj, int k_min, double R, double n_min, double delta_maj,
                             double delta_min, geom_prediction **out)
{
    int ret = SWEEP_OK;
    geom_prediction *gp = NULL;
    double *delta = NULL;
    const int k = k_maj + k_min;

    if (!(delta_maj > 0.0) || !(delta_min > 0.0)) {
        ret = SWEEP_ERR_ARG;
        goto cleanup;
    }
    /* counts n_c delta_c^2 = (n_min delta_min^2) * [R_eff on majority, 1 on minority] */
    const double r_eff = R * (delta_maj / delta_min) * (delta_maj / delta_min);
    ret = geom_predict_seli_step(k_maj, k_min, r_eff, n_min * delta_min * delta_min, &gp);
    if (ret != SWEEP_OK)
        goto cleanup;
    delta = malloc((size_t)k * sizeof(double));
    if (delta == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    for (int c = 0; c < k; c++)
        delta[c] = c < k_maj ? delta_maj : delta_min;
    /* The SELI H Gram is for the effective counts; the true embeddings of class c are delta_c
     * times the effective ones. */
    for (int j = 0; j < k; j++)
        for (int i = 0; i < k; i++)
            gp->G_H[i + (size_t)j * k] *= delta[i] * delta[j];
    fill_simplex_logits(k, delta, gp->Z);
    *out = gp;
    gp = NULL;
cleanup:
    free(delta);
    geom_prediction_destroy(&gp);
    return ret;
}

int geom_predict_cdt_step(int k, double R, double n_min, double a, double b,
                          geom_prediction **out)
{
    int ret = SWEEP_OK;
    geom_prediction *gp = NULL;

    if (k < 2 || k % 2 != 0 || !(R > 0.0) || !(n_min > 0.0) || !(a > 0.0) || !(b > 0.0)) {
        ret = SWEEP_ERR_ARG;
        goto cleanup;
    }
    ret = geom__prediction_alloc(k, GEOM_METHOD_CDT_STEP, 0, 0, &gp);
    if (ret != SWEEP_OK)
        goto cleanup;
    const double kd = k, s = 1.0 / (a * a) + 1.0 / (b * b), sR = sqrt(R), sR1 = sqrt(R + 1.0);
    const double A = pow(b * b * s, -1.5), B = pow(a * a * s, -1.5);
    const double w_maj2 = (sR * (kd - 2.0) + 2.0 * sR1 * A) / (kd * a);
    const double w_majmaj = (-2.0 * sR + 2.0 * sR1 * A) / (kd * a);
    const double w_min2 = ((kd - 2.0) + 2.0 * sR1 * B) / (kd * b);
    const double w_minmin = (-2.0 + 2.0 * sR1 * B) / (kd * b);
    const double w_majmin = -2.0 * sR1 / (a * a * b * b) * pow(s, -1.5) / kd;
    const double q = 1.0 / sqrt(s * (R + 1.0));
    const double h_maj2 = ((kd - 2.0) / sR + 2.0 * q / b) / (kd * a);
    const double h_majmaj = (-2.0 / sR + 2.0 * q / b) / (kd * a);
    const double h_min2 = ((kd - 2.0) + 2.0 * q / a) / (kd * b);
    const double h_minmin = (-2.0 + 2.0 * q / a) / (kd * b);
    const double h_majmin = -2.0 * q / (a * b) / kd;
    const double sw = sqrt(n_min), sh = 1.0 / sqrt(n_min);
    fill_block_gram(k / 2, k, sw * w_maj2, sw * w_majmaj, sw * w_min2, sw * w_minmin,
                    sw * w_majmin, gp->G_W);
    fill_block_gram(k / 2, k, sh * h_maj2, sh * h_majmaj, sh * h_min2, sh * h_minmin,
                    sh * h_majmin, gp->G_H);
    *out = gp;
    gp = NULL;
cleanup:
    geom_prediction_destroy(&gp);
    return ret;
}

/* Block values of a two-block vector: returns 1 when v is constant on [0,k1) and on [k1,k). */
static int two_block_values(const double *v, int k1, int k, double *v1, double *v2)
{
    if (!is_constant(v, k1) || !is_constant(v + k1, k - k1))
        return 0;
    *v1 = v[0];
    *v2 = v[k1];
    return 1;
}

int geom_predict(const geom_problem *prob, geom_prediction **out, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    geom_prediction *gp = NULL;
    const int k = prob->k;

    if (prob->regularized) {
        ret = sweep_err_set(eb, SWEEP_ERR_NO_CLOSED_FORM,
                            "lambda > 0: the target is the regularized global minimizer, which "
                            "has no closed form; it needs the convex reference solver");
        goto cleanup;
    }
    switch (prob->kind) {
    case GEOM_UFSVM:
        ret = geom_predict_seli_matrix(k, prob->counts, NULL, &gp);
        break;
    case GEOM_MARGIN:
        ret = geom_predict_seli_matrix(k, prob->counts, prob->scale, &gp);
        break;
    case GEOM_CDT: {
        /* (constant Delta never reaches here: geom_problem_from_loss maps it to UF-SVM) */
        double a = 0.0, b = 0.0;
        if (prob->is_step && prob->k_maj == prob->k_min &&
            two_block_values(prob->scale, prob->k_maj, k, &a, &b)) {
            ret = geom_predict_cdt_step(k, prob->R, prob->n_min, a, b, &gp);
        } else {
            ret = sweep_err_set(
                eb, SWEEP_ERR_NO_CLOSED_FORM,
                "the CDT-form CS-SVM has a closed form only for STEP profiles with rho = 1/2 and "
                "Delta constant on each block (here: %s profile, k_maj = %d, k_min = %d); it "
                "needs the convex reference solver",
                prob->is_step ? "step" : "non-step", prob->k_maj, prob->k_min);
        }
        break;
    }
    }
    if (ret != SWEEP_OK) {
        if (ret == SWEEP_ERR_NOMEM)
            sweep_err_set(eb, ret, "geom_predict: out of memory for k = %d", k);
        else if (ret != SWEEP_ERR_NO_CLOSED_FORM)
            sweep_err_set(eb, ret, "geom_predict: %s for k = %d", sweep_strerror(ret), k);
        goto cleanup;
    }
    *out = gp;
    gp = NULL;
cleanup:
    geom_prediction_destroy(&gp);
    return ret;
}

double geom__prediction_from_columns(geom_prediction *gp, const double *counts, int example,
                                     const double *H)
{
    const int k = gp->k;
    double spread = NAN;
    if (!example) {
        for (int c = 0; c < k; c++)
            for (int r = 0; r < k; r++)
                gp->Hbar[r + (size_t)c * k] = H[r + (size_t)c * k] / sqrt(counts[c]);
    } else {
        geom_class_means(k, k, counts, H, gp->Hbar);
        spread = geom_within_class_spread(k, k, counts, H, gp->Hbar);
    }
    geom__prediction_grams_from_factors(gp);
    return spread;
}
