#include "metrics.h"

#include <cblas.h>
#include "lapack.h"
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    size_t offset;
    const char *long_name; /* CF long_name (docs/THEORY.md, Metrics); every metric is unitless */
} metric_fields[GEOM_METRICS_COUNT] = {
#define GEOM_METRIC_ROW_(name, long_name) {#name, offsetof(geom_metrics, name), long_name},
    GEOM_METRIC_LIST(GEOM_METRIC_ROW_)
#undef GEOM_METRIC_ROW_
};

const char *geom_metric_long_name(int i)
{
    return (i >= 0 && i < GEOM_METRICS_COUNT) ? metric_fields[i].long_name : NULL;
}

const char *geom_metric_name(int i)
{
    return (i >= 0 && i < GEOM_METRICS_COUNT) ? metric_fields[i].name : NULL;
}

double geom_metric_value(const geom_metrics *m, int i)
{
    if (i < 0 || i >= GEOM_METRICS_COUNT)
        return NAN;
    double v;
    memcpy(&v, (const char *)m + metric_fields[i].offset, sizeof v);
    return v;
}

static void metric_set(geom_metrics *m, int i, double v)
{
    memcpy((char *)m + metric_fields[i].offset, &v, sizeof v);
}

void geom_metrics_set_nan(geom_metrics *m)
{
    for (int i = 0; i < GEOM_METRICS_COUNT; i++)
        metric_set(m, i, NAN);
}

/* cos of entries (i, j) of a Gram matrix; NaN when a norm vanishes. */
static double gram_cos(const double *G, int k, int i, int j)
{
    double den = sqrt(G[i + (size_t)i * k] * G[j + (size_t)j * k]);
    return den > 0.0 ? G[i + (size_t)j * k] / den : NAN;
}

/* vanished[c] = 1 when vector c of Gram matrix G (diagonal: squared norms) has vanished:
 * ||v_c|| <= GEOM_VANISHED_REL * max_c' ||v_c'||. Such a vector's direction is round-off (at
 * minority collapse the minority rows are 1e-15), so no angle involving it is reported. */
static void gram_vanished(const double *G, int k, unsigned char *vanished)
{
    double max2 = 0.0;
    for (int c = 0; c < k; c++)
        max2 = fmax(max2, G[c + (size_t)c * k]);
    const double t2 = GEOM_VANISHED_REL * GEOM_VANISHED_REL * max2;
    for (int c = 0; c < k; c++)
        vanished[c] = !(G[c + (size_t)c * k] > t2);
}

typedef struct group_stats {
    double norm_ratio, cos_majmaj, cos_minmin, cos_majmin;
} group_stats;

/* Group means over the vectors of G; angles only between vectors that did not vanish (a group
 * mean over no pair is NaN), and a norm ratio only when neither group vanished entirely.
 * vanished: k flags (gram_vanished). */
static void gram_group_stats(const double *G, int k, const unsigned char *maj,
                             const unsigned char *vanished, group_stats *s)
{
    double n_maj = 0, n_min = 0, sum_maj = 0, sum_min = 0;
    double c11 = 0, c22 = 0, c12 = 0;
    long p11 = 0, p22 = 0, p12 = 0, live_maj = 0, live_min = 0;
    for (int i = 0; i < k; i++) {
        if (!vanished[i] && maj[i])
            live_maj++;
        else if (!vanished[i])
            live_min++;
    }
    for (int i = 0; i < k; i++) {
        if (maj[i]) {
            n_maj += 1;
            sum_maj += G[i + (size_t)i * k];
        } else {
            n_min += 1;
            sum_min += G[i + (size_t)i * k];
        }
        for (int j = i + 1; j < k; j++) {
            if (vanished[i] || vanished[j])
                continue;
            double c = gram_cos(G, k, i, j);
            if (maj[i] && maj[j]) {
                c11 += c;
                p11++;
            } else if (!maj[i] && !maj[j]) {
                c22 += c;
                p22++;
            } else {
                c12 += c;
                p12++;
            }
        }
    }
    s->norm_ratio = (n_maj > 0 && n_min > 0 && live_maj > 0 && live_min > 0)
                        ? (sum_maj / n_maj) / (sum_min / n_min)
                        : NAN;
    s->cos_majmaj = p11 > 0 ? c11 / (double)p11 : NAN;
    s->cos_minmin = p22 > 0 ? c22 / (double)p22 : NAN;
    s->cos_majmin = p12 > 0 ? c12 / (double)p12 : NAN;
}

/* || A/|A|_F - B/|B|_F ||_F; NaN when either is zero. */
static double normalized_distance(const double *A, const double *B, size_t len)
{
    double na = 0.0, nb = 0.0;
    for (size_t i = 0; i < len; i++) {
        na += A[i] * A[i];
        nb += B[i] * B[i];
    }
    na = sqrt(na);
    nb = sqrt(nb);
    if (!(na > 0.0) || !(nb > 0.0))
        return NAN;
    double s = 0.0;
    for (size_t i = 0; i < len; i++) {
        double t = A[i] / na - B[i] / nb;
        s += t * t;
    }
    return sqrt(s);
}

/* Cost-sensitive margin of one logit vector z (length k) with label y for problem prob. */
double geom_cs_margin(const geom_problem *prob, const double *z, int y)
{
    const int k = prob->k;
    double m = INFINITY;
    for (int c = 0; c < k; c++) {
        if (c == y)
            continue;
        double v;
        switch (prob->kind) {
        case GEOM_MARGIN:
            v = (z[y] - z[c]) / prob->scale[y];
            break;
        case GEOM_CDT:
            v = prob->scale[y] * z[y] - prob->scale[c] * z[c];
            break;
        case GEOM_UFSVM:
        default:
            v = z[y] - z[c];
            break;
        }
        m = fmin(m, v);
    }
    return m;
}

/* 1 when z ranks y strictly first. */
int geom_predicts(const double *z, int k, int y)
{
    for (int c = 0; c < k; c++)
        if (c != y && !(z[y] > z[c]))
            return 0;
    return 1;
}

int geom_metrics_from_grams(const geom_problem *prob, const double *G_W, const double *G_H,
                            const double *Z, const geom_prediction *ref, geom_metrics *out)
{
    const int k = prob->k;
    const size_t kk = (size_t)k * k;
    if (ref != NULL && ref->k != k)
        return SWEEP_ERR_ARG;
    geom_metrics_set_nan(out);

    group_stats gw, gh;
    unsigned char *vw = malloc(2 * (size_t)k), *vh = vw + k;
    if (vw == NULL)
        return SWEEP_ERR_NOMEM;
    gram_vanished(G_W, k, vw);
    gram_vanished(G_H, k, vh);
    gram_group_stats(G_W, k, prob->is_major, vw, &gw);
    gram_group_stats(G_H, k, prob->is_major, vh, &gh);
    out->w_norm_ratio = gw.norm_ratio;
    out->w_cos_majmaj = gw.cos_majmaj;
    out->w_cos_minmin = gw.cos_minmin;
    out->w_cos_majmin = gw.cos_majmin;
    out->h_norm_ratio = gh.norm_ratio;
    out->h_cos_majmaj = gh.cos_majmaj;
    out->h_cos_minmin = gh.cos_minmin;
    out->h_cos_majmin = gh.cos_majmin;

    double w2 = 0.0, h2 = 0.0, n = 0.0;
    for (int c = 0; c < k; c++) {
        w2 += G_W[c + (size_t)c * k];
        h2 += prob->counts[c] * G_H[c + (size_t)c * k];
        n += prob->counts[c];
    }
    out->w_fro = sqrt(w2);
    out->h_fro = sqrt(h2);
    out->nc1 = 0.0;

    if (Z != NULL) {
        double s_maj = 0, s_min = 0;
        int n_maj = 0, n_min = 0;
        double m = INFINITY, correct = 0.0;
        for (int c = 0; c < k; c++) {
            double den = sqrt(G_W[c + (size_t)c * k] * G_H[c + (size_t)c * k]);
            double cs = den > 0.0 ? Z[c + (size_t)c * k] / den : NAN;
            if (vw[c] || vh[c]) {
                /* no angle with a vanished vector; the margin and accuracy still count */
            } else if (prob->is_major[c]) {
                s_maj += cs;
                n_maj++;
            } else {
                s_min += cs;
                n_min++;
            }
            const double *zc = Z + (size_t)c * k; /* logits of (collapsed) class c */
            m = fmin(m, geom_cs_margin(prob, zc, c));
            correct += geom_predicts(zc, k, c) ? prob->counts[c] : 0.0;
        }
        out->wh_cos_maj = n_maj > 0 ? s_maj / n_maj : NAN;
        out->wh_cos_min = n_min > 0 ? s_min / n_min : NAN;
        out->margin = (w2 + h2) > 0.0 ? m / (w2 + h2) : NAN;
        out->train_acc = correct / n;
    }
    if (ref != NULL) {
        out->dist_gw = normalized_distance(G_W, ref->G_W, kk);
        out->dist_gh = normalized_distance(G_H, ref->G_H, kk);
        if (Z != NULL && ref->Z != NULL)
            out->dist_z = normalized_distance(Z, ref->Z, kk);
    }
    free(vw);
    return SWEEP_OK;
}

void geom_class_means(int d, int k, const double *counts, const double *H, double *Hbar)
{
    size_t off = 0;
    for (int c = 0; c < k; c++) {
        size_t nc = (size_t)counts[c];
        double *hb = Hbar + (size_t)c * d;
        memset(hb, 0, (size_t)d * sizeof(double));
        for (size_t i = 0; i < nc; i++) {
            const double *h = H + (off + i) * (size_t)d;
            for (int r = 0; r < d; r++)
                hb[r] += h[r];
        }
        for (int r = 0; r < d; r++)
            hb[r] /= (double)nc;
        off += nc;
    }
}

/* nc1 = sum_j (u_j^T Sigma_W u_j) / s_j^2 over the singular pairs of B = Hbar - mu_G 1^T
 * (Sigma_B = B B^T / k, Sigma_B^+ = k U S^-2 U^T, so the k's cancel). */
int geom_nc1_directions(const geom_problem *prob, int d, const double *Hbar, double *U,
                        double *S, int *rank)
{
    int ret = SWEEP_OK;
    const int k = prob->k;
    const int r_max = d < k ? d : k;
    double *B = NULL, *superb = NULL, *mu = NULL;
    double n = 0.0;

    B = malloc((size_t)d * k * sizeof(double));
    superb = malloc((size_t)r_max * sizeof(double));
    mu = calloc((size_t)d, sizeof(double));
    if (!B || !superb || !mu) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    for (int c = 0; c < k; c++)
        n += prob->counts[c];
    for (int c = 0; c < k; c++)
        for (int r = 0; r < d; r++)
            mu[r] += prob->counts[c] / n * Hbar[r + (size_t)c * d];
    for (int c = 0; c < k; c++)
        for (int r = 0; r < d; r++)
            B[r + (size_t)c * d] = Hbar[r + (size_t)c * d] - mu[r];
    int info = ufm_lapack_dgesvd('S', 'N', d, k, B, d, S, U, d, NULL, 1,
                                     superb);
    if (info != 0) {
        ret = SWEEP_ERR_LAPACK;
        goto cleanup;
    }
    const double tol = (d > k ? d : k) * 2.220446049250313e-16 * S[0];
    *rank = 0;
    while (*rank < r_max && S[*rank] > tol)
        (*rank)++;
cleanup:
    free(B);
    free(superb);
    free(mu);
    return ret;
}

/* examples per block of the NC1 projections (d x 256 deviations and rank x 256 projections) */
#define NC1_BLOCK 256

/* proj[j] += (u_j . dev_e)^2 for the m deviations in D (d x m), examples in order; P: rank x m
 * scratch */
static void nc1_project(int rank, int m, int d, const double *U, const double *D, double *P,
                        double *proj)
{
    if (rank < 1)
        return;
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, rank, m, d, 1.0, U, d, D, d, 0.0, P,
                rank);
    for (int e = 0; e < m; e++)
        for (int j = 0; j < rank; j++) {
            const double t = P[j + (size_t)e * rank];
            proj[j] += t * t;
        }
}

/* NC1 = sum_j (sum_i (u_j . (h_i - hbar_{y_i}))^2 / n) / s_j^2 over the rank directions u_j of
 * the class means (geom_nc1_directions). The deviations h_i - hbar_{y_i} are formed first (at
 * collapse they are far smaller than h_i: projecting h_i and hbar apart would cancel), a block
 * of examples at a time, and projected with one dgemm per block; each direction's squares are
 * summed over the examples in order. */
static int compute_nc1(const geom_problem *prob, int d, const double *Hbar, const double *H,
                       double *nc1)
{
    int ret = SWEEP_OK;
    const int k = prob->k;
    const int r_max = d < k ? d : k;
    double *S = NULL, *U = NULL, *proj = NULL, *D = NULL, *P = NULL;
    double n = 0.0;
    int rank = 0;

    S = malloc((size_t)r_max * sizeof(double));
    U = malloc((size_t)d * r_max * sizeof(double));
    proj = calloc((size_t)r_max, sizeof(double));
    D = malloc((size_t)d * NC1_BLOCK * sizeof(double));
    P = malloc((size_t)r_max * NC1_BLOCK * sizeof(double));
    if (!S || !U || !proj || !D || !P) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    if ((ret = geom_nc1_directions(prob, d, Hbar, U, S, &rank)) != SWEEP_OK)
        goto cleanup;
    for (int c = 0; c < k; c++)
        n += prob->counts[c];
    int m = 0; /* deviations in D */
    size_t off = 0;
    for (int c = 0; c < k; c++) {
        const size_t nc = (size_t)prob->counts[c];
        const double *hb = Hbar + (size_t)c * d;
        for (size_t i = 0; i < nc; i++) {
            const double *h = H + (off + i) * (size_t)d;
            double *dev = D + (size_t)m * d;
            for (int r = 0; r < d; r++)
                dev[r] = h[r] - hb[r];
            if (++m == NC1_BLOCK) {
                nc1_project(rank, m, d, U, D, P, proj);
                m = 0;
            }
        }
        off += nc;
    }
    if (m > 0)
        nc1_project(rank, m, d, U, D, P, proj);
    double acc = 0.0;
    for (int j = 0; j < rank; j++)
        acc += proj[j] / n / (S[j] * S[j]);
    *nc1 = acc;
cleanup:
    free(S);
    free(U);
    free(proj);
    free(D);
    free(P);
    return ret;
}

int geom_metrics_compute(const geom_problem *prob, int d, const double *W, const double *Hbar,
                         const double *H, const geom_prediction *ref, geom_metrics *out)
{
    int ret = SWEEP_OK;
    const int k = prob->k;
    const size_t kk = (size_t)k * k;
    double *G_W = NULL, *G_H = NULL, *Z = NULL, *Zfull = NULL;

    if (d < 1 || k < 2) {
        ret = SWEEP_ERR_ARG;
        goto cleanup;
    }
    G_W = malloc(kk * sizeof(double));
    G_H = malloc(kk * sizeof(double));
    Z = malloc(kk * sizeof(double));
    if (G_W == NULL || G_H == NULL || Z == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, k, d, 1.0, W, d, W, d, 0.0, G_W, k);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, k, d, 1.0, Hbar, d, Hbar, d, 0.0, G_H,
                k);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, k, d, 1.0, W, d, Hbar, d, 0.0, Z, k);
    ret = geom_metrics_from_grams(prob, G_W, G_H, Z, ref, out);
    if (ret != SWEEP_OK || H == NULL)
        goto cleanup;

    /* Example-level quantities. */
    size_t n = 0;
    for (int c = 0; c < k; c++)
        n += (size_t)prob->counts[c];
    Zfull = malloc((size_t)k * n * sizeof(double));
    if (Zfull == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, (int)n, d, 1.0, W, d, H, d, 0.0,
                Zfull, k);
    double h2 = 0.0;
    for (size_t i = 0; i < (size_t)d * n; i++)
        h2 += H[i] * H[i];
    double w2 = out->w_fro * out->w_fro, m = INFINITY, correct = 0.0;
    size_t off = 0;
    for (int c = 0; c < k; c++) {
        size_t nc = (size_t)prob->counts[c];
        for (size_t i = 0; i < nc; i++) {
            const double *z = Zfull + (off + i) * (size_t)k;
            m = fmin(m, geom_cs_margin(prob, z, c));
            correct += geom_predicts(z, k, c);
        }
        off += nc;
    }
    out->h_fro = sqrt(h2);
    out->margin = (w2 + h2) > 0.0 ? m / (w2 + h2) : NAN;
    out->train_acc = correct / (double)n;
    ret = compute_nc1(prob, d, Hbar, H, &out->nc1);
cleanup:
    free(G_W);
    free(G_H);
    free(Z);
    free(Zfull);
    return ret;
}

int geom_prediction_metrics(const geom_problem *prob, const geom_prediction *pred,
                            geom_metrics *out)
{
    if (pred->W != NULL)
        return geom_metrics_compute(prob, pred->k, pred->W, pred->Hbar, NULL, pred, out);
    return geom_metrics_from_grams(prob, pred->G_W, pred->G_H, pred->Z, pred, out);
}

double geom_within_class_spread(int d, int k, const double *counts, const double *H,
                                const double *Hbar)
{
    double spread = 0.0, hmax = 0.0;
    size_t j = 0;
    for (int c = 0; c < k; c++) {
        const double *hb = Hbar + (size_t)c * d;
        for (double r = 0; r < counts[c]; r++, j++) {
            double d2 = 0.0;
            for (int i = 0; i < d; i++) {
                const double e = H[i + j * d] - hb[i];
                d2 += e * e;
            }
            spread = d2 > spread ? d2 : spread;
        }
        double h2 = 0.0;
        for (int i = 0; i < d; i++)
            h2 += hb[i] * hb[i];
        hmax = h2 > hmax ? h2 : hmax;
    }
    return hmax > 0.0 ? sqrt(spread / hmax) : NAN;
}
