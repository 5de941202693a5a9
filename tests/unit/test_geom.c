/* The predicted geometry: three independent computations of SELI (section-6 STEP formulas, the
 * P N P matrix function, and the SVD of the k x n simplex-encoded label matrix) must agree to
 * 1e-12; the margin form, CDT form, ETF and symmetry rules are checked against their closed
 * forms. */
#include "check.h"
#include "geom.h"
#include "metrics.h"

#include "lapack.h"
#include <stdlib.h>

/* max |A - B| / max |B| over k x k */
static double rel_diff(const double *A, const double *B, int k)
{
    double num = 0, den = 0;
    for (int i = 0; i < k * k; i++) {
        num = fmax(num, fabs(A[i] - B[i]));
        den = fmax(den, fabs(B[i]));
    }
    return num / den;
}

/* SELI by brute force: SVD of the k x n matrix Z = P Y diag(delta_{y_i}) (examples class by
 * class), balanced factors W = S^1/2 U^T and H = S^1/2 V^T, class means of H. Fills G_W, G_H
 * and Z (k x k) of the class means. Returns 0 on success. */
static int seli_by_svd(int k, const double *counts, const double *delta, double *G_W,
                       double *G_H, double *Zc)
{
    int n = 0;
    for (int c = 0; c < k; c++)
        n += (int)counts[c];
    double *Zf = malloc((size_t)k * n * sizeof(double));
    double *S = malloc((size_t)k * sizeof(double));
    double *U = malloc((size_t)k * k * sizeof(double));
    double *VT = malloc((size_t)k * n * sizeof(double));
    double *sup = malloc((size_t)k * sizeof(double));
    double *H = malloc((size_t)k * n * sizeof(double));
    double *W = malloc((size_t)k * k * sizeof(double));
    double *Hb = malloc((size_t)k * k * sizeof(double));
    int ret = 1;
    if (!Zf || !S || !U || !VT || !sup || !H || !W || !Hb)
        goto done;
    int i = 0;
    for (int c = 0; c < k; c++)
        for (int t = 0; t < (int)counts[c]; t++, i++)
            for (int r = 0; r < k; r++)
                Zf[r + (size_t)i * k] = ((r == c) - 1.0 / k) * (delta ? delta[c] : 1.0);
    if (ufm_lapack_dgesvd('S', 'S', k, n, Zf, k, S, U, k, VT, k, sup) != 0)
        goto done;
    for (int r = 0; r < k; r++) {
        double s = sqrt(S[r]);
        for (int c = 0; c < k; c++)
            W[r + (size_t)c * k] = s * U[c + (size_t)r * k];
        for (int j = 0; j < n; j++)
            H[r + (size_t)j * k] = s * VT[r + (size_t)j * k];
    }
    geom_class_means(k, k, counts, H, Hb);
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            double gw = 0, gh = 0, z = 0;
            for (int r = 0; r < k; r++) {
                gw += W[r + (size_t)a * k] * W[r + (size_t)b * k];
                gh += Hb[r + (size_t)a * k] * Hb[r + (size_t)b * k];
                z += W[r + (size_t)a * k] * Hb[r + (size_t)b * k];
            }
            G_W[a + (size_t)b * k] = gw;
            G_H[a + (size_t)b * k] = gh;
            Zc[a + (size_t)b * k] = z;
        }
    ret = 0;
done:
    free(Zf);
    free(S);
    free(U);
    free(VT);
    free(sup);
    free(H);
    free(W);
    free(Hb);
    return ret;
}

static void step_counts(int k_maj, int k_min, double R, double n_min, double *counts)
{
    for (int c = 0; c < k_maj + k_min; c++)
        counts[c] = c < k_maj ? R * n_min : n_min;
}

static const struct {
    int k_maj, k_min;
    double R, n_min;
} step_table[] = {
    {5, 5, 10, 1},  {5, 5, 10, 5},  {3, 1, 3, 2},  /* k_min = 1 */
    {1, 3, 3, 1},                                   /* k_maj = 1 */
    {3, 3, 100, 1}, {3, 2, 1, 3},   {1, 1, 7, 1},  /* k = 2 */
    {14, 6, 2.5, 2}, {2, 8, 20, 1},
};

static int test_seli_three_ways(void)
{
    int fails = 0;
    for (size_t t = 0; t < sizeof step_table / sizeof step_table[0]; t++) {
        const int k1 = step_table[t].k_maj, k2 = step_table[t].k_min, k = k1 + k2;
        const double R = step_table[t].R, n_min = step_table[t].n_min;
        double counts[64], G_W[4096], G_H[4096], Z[4096];
        geom_prediction *closed = NULL, *matrix = NULL;
        step_counts(k1, k2, R, n_min, counts);
        CHECK_OK(geom_predict_seli_step(k1, k2, R, n_min, &closed));
        CHECK_OK(geom_predict_seli_matrix(k, counts, NULL, &matrix));
        CHECK_OK(seli_by_svd(k, counts, NULL, G_W, G_H, Z));
        if (closed == NULL || matrix == NULL) {
            fails++;
            continue;
        }
        double e1 = rel_diff(matrix->G_W, closed->G_W, k), e2 = rel_diff(G_W, closed->G_W, k);
        double e3 = rel_diff(matrix->G_H, closed->G_H, k), e4 = rel_diff(G_H, closed->G_H, k);
        double e5 = rel_diff(matrix->Z, closed->Z, k), e6 = rel_diff(Z, closed->Z, k);
        if (e1 > 1e-12 || e2 > 1e-12 || e3 > 1e-12 || e4 > 1e-12 || e5 > 1e-12 || e6 > 1e-12)
            fprintf(stderr, "  case k_maj=%d k_min=%d R=%g n_min=%g: %g %g %g %g %g %g\n", k1,
                    k2, R, n_min, e1, e2, e3, e4, e5, e6);
        CHECK(e1 <= 1e-12);
        CHECK(e2 <= 1e-12);
        CHECK(e3 <= 1e-12);
        CHECK(e4 <= 1e-12);
        CHECK(e5 <= 1e-12);
        CHECK(e6 <= 1e-12);
        geom_prediction_destroy(&closed);
        geom_prediction_destroy(&matrix);
    }
    return fails;
}

/* Arbitrary (non-STEP) counts: matrix function = SVD of the SEL matrix. */
static int test_seli_any_counts(void)
{
    int fails = 0;
    const double counts[7] = {40, 3, 17, 17, 1, 8, 25};
    const int k = 7;
    double G_W[49], G_H[49], Z[49];
    geom_prediction *matrix = NULL;
    CHECK_OK(geom_predict_seli_matrix(k, counts, NULL, &matrix));
    CHECK_OK(seli_by_svd(k, counts, NULL, G_W, G_H, Z));
    if (matrix == NULL)
        return fails + 1;
    CHECK(rel_diff(matrix->G_W, G_W, k) < 1e-12);
    CHECK(rel_diff(matrix->G_H, G_H, k) < 1e-12);
    CHECK(rel_diff(matrix->Z, Z, k) < 1e-12);
    /* balanced factorization: ||W||_F^2 = ||H||_F^2 = nuclear norm of P N^1/2 */
    double tw = 0, th = 0;
    for (int c = 0; c < k; c++) {
        tw += matrix->G_W[c * (k + 1)];
        th += counts[c] * matrix->G_H[c * (k + 1)];
    }
    CHECK_NEAR(tw, th, 1e-12);
    geom_prediction_destroy(&matrix);
    return fails;
}

/* The anchor of docs/THEORY.md, Closed forms: k = 10, R = 10, rho = 1/2. */
static int test_spot_values(void)
{
    int fails = 0;
    geom_seli_step_values v;
    geom_seli_step_values_compute(5, 5, 10.0, &v);
    CHECK_NEAR(v.w_maj2 / v.w_min2, 2.672, 5e-4);
    CHECK_NEAR(v.w_majmaj / v.w_maj2, -0.1440, 5e-5);
    /* the same through the matrix function and the metrics at n_min = 5 */
    double counts[10];
    step_counts(5, 5, 10, 5, counts);
    geom_prediction *pred = NULL;
    geom_problem gp = {GEOM_UFSVM, 10, 5, 5, counts, (unsigned char[]){1, 1, 1, 1, 1, 0, 0, 0, 0, 0},
                       (double[]){1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, 10, 5, 0};
    geom_metrics m;
    CHECK_OK(geom_predict_seli_matrix(10, counts, NULL, &pred));
    if (pred == NULL)
        return fails + 1;
    CHECK_OK(geom_metrics_compute(&gp, 10, pred->W, pred->Hbar, NULL, pred, &m));
    CHECK_NEAR(m.w_norm_ratio, 2.672, 5e-4);
    CHECK_NEAR(m.w_cos_majmaj, -0.1440, 5e-5);
    CHECK_NEAR(m.w_norm_ratio, v.w_maj2 / v.w_min2, 1e-12);
    CHECK_NEAR(m.h_norm_ratio, v.h_maj2 / v.h_min2, 1e-12);
    CHECK_NEAR(m.w_cos_majmin, v.w_majmin / sqrt(v.w_maj2 * v.w_min2), 1e-12);
    CHECK_NEAR(m.h_cos_minmin, v.h_minmin / v.h_min2, 1e-12);
    CHECK_NEAR(m.dist_gw, 0, 1e-14);
    CHECK_NEAR(m.train_acc, 1, 0);
    /* SELI: every margin is exactly 1, so margin = 1 / (||W||^2 + ||H||^2) */
    CHECK_NEAR(m.margin, 1.0 / (m.w_fro * m.w_fro + m.h_fro * m.h_fro), 1e-12);
    /* wh: <w_c, h_c> = 1 - 1/k */
    CHECK_NEAR(m.wh_cos_maj, 0.9 / sqrt(v.w_maj2 * v.h_maj2), 1e-12);
    geom_prediction_destroy(&pred);
    return fails;
}

/* Balanced data give the simplex ETF: all cosines -1/(k-1), equal norms, W^T Hbar = P. */
static int test_balanced_etf(void)
{
    int fails = 0;
    for (int k = 2; k <= 12; k += 5) {
        double counts[16];
        unsigned char maj[16];
        double ones[16];
        for (int c = 0; c < k; c++) {
            counts[c] = 7;
            maj[c] = c < k / 2;
            ones[c] = 1;
        }
        geom_prediction *pred = NULL;
        CHECK_OK(geom_predict_seli_matrix(k, counts, NULL, &pred));
        if (pred == NULL)
            return fails + 1;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) {
                double cw = pred->G_W[i + j * k] / pred->G_W[0];
                double ch = pred->G_H[i + j * k] / pred->G_H[0];
                CHECK_NEAR(cw, i == j ? 1.0 : -1.0 / (k - 1), 1e-13);
                CHECK_NEAR(ch, i == j ? 1.0 : -1.0 / (k - 1), 1e-13);
                CHECK_NEAR(pred->Z[i + j * k], (i == j) - 1.0 / k, 1e-13);
            }
        geom_problem gp = {GEOM_UFSVM, k, k / 2, k - k / 2, counts, maj, ones, 1, 1, 7, 0};
        geom_metrics m;
        CHECK_OK(geom_metrics_compute(&gp, k, pred->W, pred->Hbar, NULL, pred, &m));
        CHECK_NEAR(m.w_cos_majmin, -1.0 / (k - 1), 1e-13);
        CHECK_NEAR(m.h_cos_majmin, -1.0 / (k - 1), 1e-13);
        CHECK_NEAR(m.w_norm_ratio, 1.0, 1e-13);
        CHECK_NEAR(m.h_norm_ratio, 1.0, 1e-13);
        CHECK_NEAR(m.wh_cos_maj, 1.0, 1e-13);
        if (k == 2) { /* one class per group: no within-group cosine */
            CHECK_NAN(m.w_cos_majmaj);
            CHECK_NAN(m.h_cos_minmin);
        }
        geom_prediction_destroy(&pred);
    }
    return fails;
}

/* Margin form: matrix function = STEP formulas at R_eff = SVD of P Y diag(delta). */
static int test_margin_form(void)
{
    int fails = 0;
    const struct {
        int k1, k2;
        double R, n_min, dmaj, dmin;
    } cases[] = {{5, 5, 10, 1, 1.0, 2.0}, {3, 1, 4, 2, 0.7, 1.9}, {2, 6, 9, 1, 1.3, 0.4},
                 {4, 4, 1, 3, 1.0, 1.0}};
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        const int k = cases[t].k1 + cases[t].k2;
        double counts[16], delta[16], G_W[256], G_H[256], Z[256];
        step_counts(cases[t].k1, cases[t].k2, cases[t].R, cases[t].n_min, counts);
        for (int c = 0; c < k; c++)
            delta[c] = c < cases[t].k1 ? cases[t].dmaj : cases[t].dmin;
        geom_prediction *closed = NULL, *matrix = NULL;
        CHECK_OK(geom_predict_margin_step(cases[t].k1, cases[t].k2, cases[t].R, cases[t].n_min,
                                          cases[t].dmaj, cases[t].dmin, &closed));
        CHECK_OK(geom_predict_seli_matrix(k, counts, delta, &matrix));
        CHECK_OK(seli_by_svd(k, counts, delta, G_W, G_H, Z));
        if (closed == NULL || matrix == NULL)
            return fails + 1;
        CHECK(rel_diff(matrix->G_W, closed->G_W, k) < 1e-12);
        CHECK(rel_diff(matrix->G_H, closed->G_H, k) < 1e-12);
        CHECK(rel_diff(matrix->Z, closed->Z, k) < 1e-12);
        CHECK(rel_diff(G_W, closed->G_W, k) < 1e-12);
        CHECK(rel_diff(G_H, closed->G_H, k) < 1e-12);
        CHECK(rel_diff(Z, closed->Z, k) < 1e-12);
        geom_prediction_destroy(&closed);
        geom_prediction_destroy(&matrix);
    }
    return fails;
}

/* Symmetry rule: delta_min/delta_maj = sqrt(R) gives ETF classifiers for every R and rho,
 * ETF embedding angles and ||h_min||/||h_maj|| = sqrt(R). */
static int test_margin_symmetry_rule(void)
{
    int fails = 0;
    const struct {
        int k1, k2;
        double R;
    } cases[] = {{5, 5, 10}, {2, 8, 50}, {7, 3, 3}, {1, 4, 100}, {6, 1, 2}};
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        const int k = cases[t].k1 + cases[t].k2;
        double counts[16], delta[16];
        step_counts(cases[t].k1, cases[t].k2, cases[t].R, 1, counts);
        for (int c = 0; c < k; c++)
            delta[c] = 1.0 / sqrt(counts[c]);
        geom_prediction *pred = NULL;
        CHECK_OK(geom_predict_seli_matrix(k, counts, delta, &pred));
        if (pred == NULL)
            return fails + 1;
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) {
                double cw = pred->G_W[i + j * k] / sqrt(pred->G_W[i * (k + 1)] * pred->G_W[j * (k + 1)]);
                double ch = pred->G_H[i + j * k] / sqrt(pred->G_H[i * (k + 1)] * pred->G_H[j * (k + 1)]);
                CHECK_NEAR(cw, i == j ? 1.0 : -1.0 / (k - 1), 1e-12);
                CHECK_NEAR(ch, i == j ? 1.0 : -1.0 / (k - 1), 1e-12);
            }
        CHECK_NEAR(pred->G_W[0], pred->G_W[(k - 1) * (k + 1)], 1e-12);
        CHECK_NEAR(sqrt(pred->G_H[(k - 1) * (k + 1)] / pred->G_H[0]), sqrt(cases[t].R), 1e-12);
        geom_prediction_destroy(&pred);
    }
    return fails;
}

/* CDT form, STEP rho = 1/2: a = b reduces to SELI / a; gamma = -1/2 equalizes embedding norms;
 * gamma = +1/2 makes W and H cosines identical. */
static int test_cdt_closed_form(void)
{
    int fails = 0;
    const int ks[3] = {2, 4, 10};
    const double Rs[3] = {2, 10, 100};
    for (int a_i = 0; a_i < 3; a_i++)
        for (int r_i = 0; r_i < 3; r_i++) {
            const int k = ks[a_i];
            const double R = Rs[r_i];
            geom_prediction *seli = NULL, *cdt = NULL;
            CHECK_OK(geom_predict_seli_step(k / 2, k / 2, R, 1, &seli));
            CHECK_OK(geom_predict_cdt_step(k, R, 1, 1.0, 1.0, &cdt));
            if (seli == NULL || cdt == NULL)
                return fails + 1;
            CHECK(rel_diff(cdt->G_W, seli->G_W, k) < 1e-13);
            CHECK(rel_diff(cdt->G_H, seli->G_H, k) < 1e-13);
            CHECK(cdt->Z == NULL);
            geom_prediction_destroy(&cdt);
            CHECK_OK(geom_predict_cdt_step(k, R, 1, 2.5, 2.5, &cdt));
            for (int i = 0; cdt && i < k * k; i++) {
                CHECK_NEAR(cdt->G_W[i] * 2.5, seli->G_W[i], 1e-13);
                CHECK_NEAR(cdt->G_H[i] * 2.5, seli->G_H[i], 1e-13);
            }
            geom_prediction_destroy(&cdt);

            /* gamma = -1/2: Delta_maj/Delta_min = R^-1/2 */
            double counts[16], ones[16];
            unsigned char maj[16];
            for (int c = 0; c < k; c++) {
                maj[c] = c < k / 2;
                counts[c] = maj[c] ? R : 1.0;
                ones[c] = 1.0;
            }
            geom_problem gp = {GEOM_CDT, k, k / 2, k / 2, counts, maj, ones, 1, R, 1, 0};
            geom_metrics m;
            CHECK_OK(geom_predict_cdt_step(k, R, 1, pow(R, -0.25), pow(R, 0.25), &cdt));
            CHECK_OK(geom_metrics_from_grams(&gp, cdt->G_W, cdt->G_H, NULL, NULL, &m));
            CHECK_NEAR(m.h_norm_ratio, 1.0, 1e-12);
            CHECK_NAN(m.wh_cos_maj); /* Z is not determined by the CDT formulas */
            geom_prediction_destroy(&cdt);
            /* gamma = +1/2 */
            CHECK_OK(geom_predict_cdt_step(k, R, 1, pow(R, 0.25), pow(R, -0.25), &cdt));
            CHECK_OK(geom_metrics_from_grams(&gp, cdt->G_W, cdt->G_H, NULL, NULL, &m));
            if (k > 2) {
                CHECK_NEAR(m.w_cos_majmaj, m.h_cos_majmaj, 1e-12);
                CHECK_NEAR(m.w_cos_minmin, m.h_cos_minmin, 1e-12);
            }
            CHECK_NEAR(m.w_cos_majmin, m.h_cos_majmin, 1e-12);
            /* ... and is not the ETF / not SELI */
            CHECK(fabs(m.w_norm_ratio - 1.0) > 1e-3);
            geom_prediction_destroy(&cdt);
            geom_prediction_destroy(&seli);
        }
    return fails;
}

/* geom_predict picks the CDT formulas through the loss presets; a constant Delta is UF-SVM. */
static int test_predict_dispatch(void)
{
    int fails = 0;
    profile_opts po;
    loss_opts lo;
    profile *p = NULL;
    loss_vectors *lv = NULL;
    geom_problem *gp = NULL;
    geom_prediction *pred = NULL, *ref = NULL;
    profile_opts_default(&po);
    po.n_min = 1;
    CHECK_OK(profile_create(&po, &p, NULL));
    loss_opts_default(&lo);
    lo.kind = LOSS_CDT;
    lo.gamma = 0.8;
    CHECK_OK(loss_vectors_create(&lo, p, &lv, NULL));
    CHECK_OK(geom_problem_from_loss(p, lv, &gp, NULL));
    CHECK_OK(geom_predict(gp, &pred, NULL));
    CHECK_OK(geom_predict_cdt_step(10, 10, 1, lv->Delta[0], lv->Delta[9], &ref));
    if (pred == NULL || ref == NULL)
        return fails + 1;
    CHECK_EQ_INT(pred->method, GEOM_METHOD_CDT_STEP);
    CHECK(rel_diff(pred->G_W, ref->G_W, 10) < 1e-15);
    geom_prediction_destroy(&pred);
    geom_prediction_destroy(&ref);
    geom_problem_destroy(&gp);
    loss_vectors_destroy(&lv);

    /* explicit constant Delta = 3 on a CDT loss: the UF-SVM (SELI) direction */
    lo.n_Delta = 10;
    for (int c = 0; c < 10; c++)
        lo.Delta[c] = 3.0;
    CHECK_OK(loss_vectors_create(&lo, p, &lv, NULL));
    CHECK_OK(geom_problem_from_loss(p, lv, &gp, NULL));
    CHECK_EQ_INT(gp->kind, GEOM_UFSVM);
    geom_problem_destroy(&gp);
    loss_vectors_destroy(&lv);
    profile_destroy(&p);
    return fails;
}

int main(void)
{
    int passed = 0, failed = 0;
    RUN_TEST(test_seli_three_ways, passed, failed);
    RUN_TEST(test_seli_any_counts, passed, failed);
    RUN_TEST(test_spot_values, passed, failed);
    RUN_TEST(test_balanced_etf, passed, failed);
    RUN_TEST(test_margin_form, passed, failed);
    RUN_TEST(test_margin_symmetry_rule, passed, failed);
    RUN_TEST(test_cdt_closed_form, passed, failed);
    RUN_TEST(test_predict_dispatch, passed, failed);
    return TEST_SUMMARY(passed, failed);
}
