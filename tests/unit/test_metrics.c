/* The shared metrics function on shapes whose metrics are known in closed form. */
#include "check.h"
#include "metrics.h"

#include <stdlib.h>

/* k = 2, d = 2, two examples per class, class means (+-1, 0); spread e along axis `axis`.
 * Sigma_B = diag(1, 0), Sigma_W = e^2 on `axis`: nc1 = e^2/2 along x, 0 across. */
static int test_nc1_known(void)
{
    int fails = 0;
    double counts[2] = {2, 2};
    unsigned char maj[2] = {1, 0};
    double ones[2] = {1, 1};
    geom_problem gp = {GEOM_UFSVM, 2, 1, 1, counts, maj, ones, 0, 1, 2, 0};
    const double e = 0.3;
    for (int axis = 0; axis < 2; axis++) {
        double H[8], Hbar[4], W[4] = {1, 0, -1, 0};
        double mean[2][2] = {{1, 0}, {-1, 0}};
        for (int c = 0; c < 2; c++)
            for (int t = 0; t < 2; t++) {
                double *h = H + 2 * (2 * c + t);
                h[0] = mean[c][0];
                h[1] = mean[c][1];
                h[axis] += t == 0 ? e : -e;
            }
        geom_class_means(2, 2, counts, H, Hbar);
        CHECK_NEAR(Hbar[0], 1, 1e-15);
        CHECK_NEAR(Hbar[2], -1, 1e-15);
        geom_metrics m;
        CHECK_OK(geom_metrics_compute(&gp, 2, W, Hbar, H, NULL, &m));
        CHECK_NEAR(m.nc1, axis == 0 ? e * e / 2 : 0.0, 1e-14);
        CHECK_NEAR(m.train_acc, 1.0, 0);
        /* margins: z_y - z_c = 2 (1 +- e) along x, 2 across; ||W||^2 = 2, ||H||^2 = sum */
        double h2 = 0;
        for (int i = 0; i < 8; i++)
            h2 += H[i] * H[i];
        CHECK_NEAR(m.margin, (axis == 0 ? 2 * (1 - e) : 2.0) / (2 + h2), 1e-14);
        CHECK_NEAR(m.h_fro, sqrt(h2), 1e-14);
        CHECK_NAN(m.dist_gw); /* no reference */
        CHECK_NAN(m.w_cos_majmaj); /* one class per group */
        CHECK_NEAR(m.w_cos_majmin, -1.0, 1e-15);
    }
    return fails;
}

/* test_nc1_known with 300 examples per class (the projections run in blocks of 256, one of them
 * across the class boundary) and a spread e = 1e-7 seven orders below the means: nc1 = e^2/2
 * along x to 1e-9 relative (the deviations are formed before projecting), 0 across. */
static int test_nc1_many_examples(void)
{
    int fails = 0;
    enum { PER = 300 };
    double counts[2] = {PER, PER};
    unsigned char maj[2] = {1, 0};
    double ones[2] = {1, 1};
    geom_problem gp = {GEOM_UFSVM, 2, 1, 1, counts, maj, ones, 0, 1, 2, 0};
    const double e = 1e-7;
    double *H = malloc(2 * 2 * PER * sizeof(double));
    if (H == NULL)
        return 1;
    for (int axis = 0; axis < 2; axis++) {
        double Hbar[4], W[4] = {1, 0, -1, 0};
        for (int c = 0; c < 2; c++)
            for (int t = 0; t < PER; t++) {
                double *h = H + 2 * (PER * c + t);
                h[0] = c == 0 ? 1.0 : -1.0;
                h[1] = 0.0;
                h[axis] += t % 2 == 0 ? e : -e;
            }
        geom_class_means(2, 2, counts, H, Hbar);
        geom_metrics m;
        CHECK_OK(geom_metrics_compute(&gp, 2, W, Hbar, H, NULL, &m));
        if (axis == 0)
            CHECK_NEAR(m.nc1 / (e * e / 2), 1.0, 1e-9);
        else
            CHECK_NEAR(m.nc1, 0.0, 1e-30);
    }
    free(H);
    return fails;
}

/* Collapsed examples reproduce the class-level metrics; a misclassified example costs 1/n. */
static int test_examples_vs_class_level(void)
{
    int fails = 0;
    const int k = 4, d = 6;
    double counts[4] = {6, 6, 2, 2};
    unsigned char maj[4] = {1, 1, 0, 0};
    double ones[4] = {1, 1, 1, 1};
    geom_problem gp = {GEOM_UFSVM, k, 2, 2, counts, maj, ones, 1, 3, 2, 0};
    geom_prediction *pred = NULL;
    CHECK_OK(geom_predict_seli_matrix(k, counts, NULL, &pred));
    if (pred == NULL)
        return fails + 1;
    /* embed the k x k factors in d = 6 dimensions (rows 4, 5 zero) */
    double W[24] = {0}, Hbar[24] = {0}, H[6 * 16] = {0};
    for (int c = 0; c < k; c++)
        for (int r = 0; r < k; r++) {
            W[r + c * d] = pred->W[r + c * k];
            Hbar[r + c * d] = pred->Hbar[r + c * k];
        }
    int i = 0;
    for (int c = 0; c < k; c++)
        for (int t = 0; t < (int)counts[c]; t++, i++)
            for (int r = 0; r < d; r++)
                H[r + i * d] = Hbar[r + c * d];
    geom_metrics mc, me;
    CHECK_OK(geom_metrics_compute(&gp, d, W, Hbar, NULL, pred, &mc));
    CHECK_OK(geom_metrics_compute(&gp, d, W, Hbar, H, pred, &me));
    CHECK_NEAR(me.margin, mc.margin, 1e-13);
    CHECK_NEAR(me.h_fro, mc.h_fro, 1e-13);
    CHECK_NEAR(me.nc1, 0.0, 1e-20);
    CHECK_NEAR(me.train_acc, 1.0, 0);
    CHECK_NEAR(me.w_fro, me.h_fro, 1e-12); /* balanced factorization */
    CHECK_NEAR(mc.dist_gw, 0, 1e-14);
    CHECK_NEAR(mc.dist_z, 0, 1e-14);
    /* move the last example onto class 0's mean: misclassified */
    for (int r = 0; r < d; r++)
        H[r + 15 * d] = Hbar[r];
    double Hb2[24];
    geom_class_means(d, k, counts, H, Hb2);
    CHECK_OK(geom_metrics_compute(&gp, d, W, Hb2, H, pred, &me));
    CHECK_NEAR(me.train_acc, 15.0 / 16.0, 1e-15);
    CHECK(me.margin < 0);
    CHECK(me.nc1 > 0);
    CHECK(me.dist_gh > 1e-3);
    geom_prediction_destroy(&pred);
    return fails;
}

/* Distances: invariant to scale, sensitive to shape. */
static int test_distances(void)
{
    int fails = 0;
    const int k = 3;
    double counts[3] = {4, 1, 1};
    unsigned char maj[3] = {1, 0, 0};
    double ones[3] = {1, 1, 1};
    geom_problem gp = {GEOM_UFSVM, k, 1, 2, counts, maj, ones, 0, 4, 1, 0};
    geom_prediction *pred = NULL;
    CHECK_OK(geom_predict_seli_matrix(k, counts, NULL, &pred));
    if (pred == NULL)
        return fails + 1;
    double W[9], Hb[9];
    for (int i = 0; i < 9; i++) {
        W[i] = 7.0 * pred->W[i];
        Hb[i] = 0.1 * pred->Hbar[i];
    }
    geom_metrics m;
    CHECK_OK(geom_metrics_compute(&gp, k, W, Hb, NULL, pred, &m));
    CHECK_NEAR(m.dist_gw, 0, 1e-14);
    CHECK_NEAR(m.dist_gh, 0, 1e-14);
    CHECK_NEAR(m.dist_z, 0, 1e-14);
    /* ETF classifiers against the imbalanced SELI prediction: a known positive distance */
    double etf[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            etf[i + 3 * j] = (i == j) - 1.0 / 3;
    CHECK_OK(geom_metrics_from_grams(&gp, etf, pred->G_H, NULL, pred, &m));
    double na = 0, nb = 0, s = 0;
    for (int i = 0; i < 9; i++) {
        na += etf[i] * etf[i];
        nb += pred->G_W[i] * pred->G_W[i];
    }
    for (int i = 0; i < 9; i++) {
        double t = etf[i] / sqrt(na) - pred->G_W[i] / sqrt(nb);
        s += t * t;
    }
    CHECK_NEAR(m.dist_gw, sqrt(s), 1e-14);
    CHECK(m.dist_gw > 0.05);
    CHECK_NAN(m.dist_z);   /* Z not given */
    CHECK_NAN(m.margin);
    CHECK_NAN(m.train_acc);
    CHECK_NAN(m.w_cos_majmaj); /* k_maj = 1 */
    geom_prediction_destroy(&pred);
    return fails;
}

/* Cost-sensitive margins: margin form divides by delta_y; CDT form uses Delta_y z_y - Delta_c z_c. */
static int test_cs_margins(void)
{
    int fails = 0;
    double counts[2] = {1, 1};
    unsigned char maj[2] = {1, 0};
    double scale[2] = {2.0, 0.5};
    /* w_0 = (1, 0), w_1 = (0, 1); h_0 = (3, 1), h_1 = (1, 2) */
    double W[4] = {1, 0, 0, 1}, H[4] = {3, 1, 1, 2};
    geom_metrics m;
    double norm = 2 + 9 + 1 + 1 + 4;
    geom_problem gp = {GEOM_UFSVM, 2, 1, 1, counts, maj, scale, 0, 1, 1, 0};
    CHECK_OK(geom_metrics_compute(&gp, 2, W, H, H, NULL, &m));
    CHECK_NEAR(m.margin, fmin(3 - 1, 2 - 1) / norm, 1e-15);
    gp.kind = GEOM_MARGIN;
    CHECK_OK(geom_metrics_compute(&gp, 2, W, H, H, NULL, &m));
    CHECK_NEAR(m.margin, fmin((3 - 1) / 2.0, (2 - 1) / 0.5) / norm, 1e-15);
    gp.kind = GEOM_CDT;
    CHECK_OK(geom_metrics_compute(&gp, 2, W, H, H, NULL, &m));
    CHECK_NEAR(m.margin, fmin(2.0 * 3 - 0.5 * 1, 0.5 * 2 - 2.0 * 1) / norm, 1e-15);
    return fails;
}

/* The name table covers every field exactly once, in struct order. */
static int test_metric_table(void)
{
    int fails = 0;
    geom_metrics m;
    memset(&m, 0, sizeof m);
    geom_metrics_set_nan(&m);
    const double fields[] = {m.w_norm_ratio, m.h_norm_ratio, m.w_cos_majmaj, m.w_cos_minmin,
                             m.w_cos_majmin, m.h_cos_majmaj, m.h_cos_minmin, m.h_cos_majmin,
                             m.wh_cos_maj,   m.wh_cos_min,   m.dist_gw,      m.dist_gh,
                             m.dist_z,       m.nc1,          m.train_acc,    m.margin,
                             m.w_fro,        m.h_fro};
    CHECK_EQ_INT(sizeof fields / sizeof fields[0], GEOM_METRICS_COUNT);
    for (int i = 0; i < GEOM_METRICS_COUNT; i++)
        CHECK_NAN(fields[i]);
    m.nc1 = 7.0;
    m.h_fro = 9.0;
    CHECK_NEAR(geom_metric_value(&m, 13), 7.0, 0);
    CHECK(strcmp(geom_metric_name(13), "nc1") == 0);
    CHECK_NEAR(geom_metric_value(&m, GEOM_METRICS_COUNT - 1), 9.0, 0);
    CHECK(strcmp(geom_metric_name(GEOM_METRICS_COUNT - 1), "h_fro") == 0);
    for (int i = 0; i < GEOM_METRICS_COUNT; i++)
        for (int j = i + 1; j < GEOM_METRICS_COUNT; j++)
            CHECK(strcmp(geom_metric_name(i), geom_metric_name(j)) != 0);
    CHECK(geom_metric_name(GEOM_METRICS_COUNT) == NULL);
    return fails;
}

/* Minority collapse: vectors whose norm is below GEOM_VANISHED_REL of the largest have no
 * direction worth reporting; just above it they are ordinary vectors. */
static int test_vanished_vectors(void)
{
    int fails = 0;
    enum { k = 4, d = 2 };
    double counts[k] = {10, 10, 1, 1}, ones[k] = {1, 1, 1, 1};
    unsigned char maj[k] = {1, 1, 0, 0};
    geom_problem gp = {GEOM_UFSVM, k, 2, 2, counts, maj, ones, 0, 10, 1, 0};
    const double scales[3] = {1e-15, 0.5 * GEOM_VANISHED_REL, 2.0 * GEOM_VANISHED_REL};
    for (int t = 0; t < 3; t++) {
        const double e = scales[t];
        /* w0 = (1, 0), w1 = (-1, 0); the minority vectors point in arbitrary directions */
        double W[d * k] = {1, 0, -1, 0, 0.6 * e, 0.8 * e, 0.8 * e, 0.6 * e};
        double G[k * k], Z[k * k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                G[i + k * j] = W[d * i] * W[d * j] + W[d * i + 1] * W[d * j + 1];
        memcpy(Z, G, sizeof Z); /* hbar_c = w_c */
        geom_metrics m;
        CHECK_OK(geom_metrics_from_grams(&gp, G, G, Z, NULL, &m));
        CHECK_NEAR(m.w_cos_majmaj, -1.0, 1e-15);
        CHECK_NEAR(m.wh_cos_maj, 1.0, 1e-15);
        if (e < GEOM_VANISHED_REL) {
            CHECK_NAN(m.w_cos_minmin); /* a cosine of round-off: 0.96 here */
            CHECK_NAN(m.w_cos_majmin);
            CHECK_NAN(m.h_cos_minmin);
            CHECK_NAN(m.wh_cos_min);
            CHECK_NAN(m.w_norm_ratio); /* 1 / e^2: a ratio of round-off */
            CHECK_NAN(m.h_norm_ratio);
        } else {
            CHECK_NEAR(m.w_cos_minmin, 0.96, 1e-12);
            CHECK_NEAR(m.w_cos_majmin, 0.0, 1e-12); /* (0.6 - 0.6 + 0.8 - 0.8) / 4 */
            CHECK_NEAR(m.wh_cos_min, 1.0, 1e-12);
            CHECK_NEAR(m.w_norm_ratio * e * e, 1.0, 1e-12);
        }
    }
    return fails;
}

int main(void)
{
    int passed = 0, failed = 0;
    RUN_TEST(test_nc1_known, passed, failed);
    RUN_TEST(test_nc1_many_examples, passed, failed);
    RUN_TEST(test_examples_vs_class_level, passed, failed);
    RUN_TEST(test_distances, passed, failed);
    RUN_TEST(test_cs_margins, passed, failed);
    RUN_TEST(test_metric_table, passed, failed);
    RUN_TEST(test_vanished_vectors, passed, failed);
    return TEST_SUMMARY(passed, failed);
}
