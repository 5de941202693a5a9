/* Label profiles, loss presets and the implicit-bias problem each loss maps to. */
#include "check.h"
#include "geom.h"
#include "loss.h"
#include "profile.h"

#include <stdlib.h>

static int test_step_counts(void)
{
    int fails = 0;
    profile_opts o;
    profile *p = NULL;
    profile_opts_default(&o);
    o.k = 10;
    o.R = 10;
    o.rho = 0.3; /* 3 minority classes */
    o.n_min = 5;
    CHECK_OK(profile_create(&o, &p, NULL));
    if (p == NULL)
        return fails + 1;
    CHECK_EQ_INT(p->k_maj, 7);
    CHECK_EQ_INT(p->k_min, 3);
    CHECK_EQ_INT(p->d, 10);
    for (int c = 0; c < 10; c++) {
        CHECK_EQ_INT(p->is_major[c], c < 7);
        CHECK_NEAR(p->counts[c], c < 7 ? 50.0 : 5.0, 0);
    }
    CHECK_NEAR(p->n, 7 * 50 + 3 * 5, 0);
    CHECK_OK(profile_check_integer_counts(p, NULL));
    profile_destroy(&p);
    CHECK(p == NULL);
    profile_destroy(&p); /* NULL accepted */

    /* real R: fine for theory, refused by the example-level check */
    o.R = 2.5;
    o.n_min = 1;
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    CHECK_OK(profile_create(&o, &p, NULL));
    CHECK_ERR(SWEEP_ERR_ARG, profile_check_integer_counts(p, &eb));
    CHECK_CONTAINS(eb.msg, "2.5");
    profile_destroy(&p);
    return fails;
}

static int test_lt_and_counts(void)
{
    int fails = 0;
    profile_opts o;
    profile *p = NULL;
    profile_opts_default(&o);
    o.kind = PROFILE_LT;
    o.k = 10;
    o.R = 100;
    o.n_min = 1;
    CHECK_OK(profile_create(&o, &p, NULL));
    if (p == NULL)
        return fails + 1;
    CHECK_NEAR(p->counts[0], 100, 0);
    CHECK_NEAR(p->counts[9], 1, 0);
    for (int c = 0; c < 10; c++)
        CHECK_NEAR(p->counts[c], nearbyint(pow(100.0, (9.0 - c) / 9.0)), 0);
    /* majority: n_c > sqrt(100 * 1) = 10: counts 100, 60, 36, 22, 13 -> 5 majority */
    CHECK_EQ_INT(p->k_maj, 5);
    CHECK_EQ_INT(p->k_min, 5);
    profile_destroy(&p);

    profile_opts_default(&o);
    o.kind = PROFILE_COUNTS;
    o.k = 4;
    o.n_counts = 4;
    double cnt[4] = {5, 100, 20, 1}; /* geometric midpoint 10 */
    for (int c = 0; c < 4; c++)
        o.counts[c] = cnt[c];
    CHECK_OK(profile_create(&o, &p, NULL));
    if (p == NULL)
        return fails + 1;
    CHECK_EQ_INT(p->k, 4);
    CHECK_EQ_INT(p->k_maj, 2);
    CHECK_EQ_INT(p->is_major[0], 0);
    CHECK_EQ_INT(p->is_major[1], 1);
    CHECK_EQ_INT(p->is_major[2], 1);
    CHECK_EQ_INT(p->is_major[3], 0);
    CHECK_NEAR(p->R, 100, 0);
    profile_destroy(&p);
    return fails;
}

/* Each bad input gives its code and a message naming the option and the value. */
static int test_profile_validation(void)
{
    int fails = 0;
    struct {
        const char *what;
        int kind, k;
        double R, rho, n_min;
        int d;
        int code;
        const char *msg;
    } cases[] = {
        {"rho*k not integer", PROFILE_STEP, 10, 10, 0.25, 5, 0, SWEEP_ERR_ARG, "rho = 0.25"},
        {"R < 1", PROFILE_STEP, 10, 0.5, 0.5, 5, 0, SWEEP_ERR_ARG, "R = 0.5"},
        {"k < 2", PROFILE_STEP, 1, 10, 0.5, 5, 0, SWEEP_ERR_ARG, "k = 1"},
        {"n_min < 1", PROFILE_STEP, 10, 10, 0.5, 0, 0, SWEEP_ERR_ARG, "n_min = 0"},
        {"NaN R", PROFILE_STEP, 10, NAN, 0.5, 5, 0, SWEEP_ERR_NUMERIC, "R = nan"},
        {"Inf n_min", PROFILE_LT, 10, 10, 0.5, INFINITY, 0, SWEEP_ERR_NUMERIC, "n_min = inf"},
        {"d < k-1", PROFILE_STEP, 10, 10, 0.5, 5, 8, SWEEP_ERR_ARG, "d = 8 < k-1 = 9"},
        {"no minority", PROFILE_STEP, 10, 10, 0.0, 5, 0, SWEEP_ERR_ARG, "k_min = 0"},
        {"no majority", PROFILE_STEP, 10, 10, 1.0, 5, 0, SWEEP_ERR_ARG, "k_min = 10"},
        {"rho > 1", PROFILE_STEP, 10, 10, 1.5, 5, 0, SWEEP_ERR_ARG, "rho = 1.5"},
        {"LT R < 1", PROFILE_LT, 10, 0.9, 0.5, 5, 0, SWEEP_ERR_ARG, "R = 0.9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        profile_opts o;
        profile *p = NULL;
        sweep_errbuf eb;
        sweep_errbuf_clear(&eb);
        profile_opts_default(&o);
        o.kind = (profile_kind)cases[i].kind;
        o.k = cases[i].k;
        o.R = cases[i].R;
        o.rho = cases[i].rho;
        o.n_min = cases[i].n_min;
        o.d = cases[i].d;
        int ret = profile_create(&o, &p, &eb);
        if (ret != cases[i].code)
            fprintf(stderr, "case '%s': got %d (%s)\n", cases[i].what, ret, eb.msg);
        CHECK_EQ_INT(ret, cases[i].code);
        CHECK_CONTAINS(eb.msg, cases[i].msg);
        CHECK(p == NULL);
    }
    /* R = 1 allows rho = 0 (balanced, all "majority") */
    profile_opts o;
    profile *p = NULL;
    profile_opts_default(&o);
    o.R = 1;
    o.rho = 0;
    CHECK_OK(profile_create(&o, &p, NULL));
    if (p != NULL)
        CHECK_EQ_INT(p->k_min, 0);
    profile_destroy(&p);

    /* explicit counts */
    sweep_errbuf eb;
    profile_opts_default(&o);
    o.kind = PROFILE_COUNTS;
    o.k = 3;
    o.n_counts = 3;
    o.counts[0] = 5;
    o.counts[1] = -1;
    o.counts[2] = 4;
    sweep_errbuf_clear(&eb);
    CHECK_ERR(SWEEP_ERR_ARG, profile_create(&o, &p, &eb));
    CHECK_CONTAINS(eb.msg, "counts[1] = -1");
    o.counts[1] = NAN;
    sweep_errbuf_clear(&eb);
    CHECK_ERR(SWEEP_ERR_NUMERIC, profile_create(&o, &p, &eb));
    CHECK_CONTAINS(eb.msg, "counts[1] = nan");
    o.counts[1] = 3;
    o.k = 10;
    sweep_errbuf_clear(&eb);
    CHECK_ERR(SWEEP_ERR_ARG, profile_create(&o, &p, &eb));
    CHECK_CONTAINS(eb.msg, "k = 10 does not match the 3 values");
    o.k = 1;
    o.n_counts = 1;
    sweep_errbuf_clear(&eb);
    CHECK_ERR(SWEEP_ERR_ARG, profile_create(&o, &p, &eb));
    CHECK_CONTAINS(eb.msg, "at least 2 classes");
    return fails;
}

static profile *make_step(int k, double R, double rho, double n_min)
{
    profile_opts o;
    profile *p = NULL;
    profile_opts_default(&o);
    o.k = k;
    o.R = R;
    o.rho = rho;
    o.n_min = n_min;
    if (profile_create(&o, &p, NULL) != SWEEP_OK)
        return NULL;
    return p;
}

static int test_loss_presets(void)
{
    int fails = 0;
    const double R = 10, gamma = 0.7, tau = 1.3;
    profile *p = make_step(10, R, 0.5, 5);
    loss_opts o;
    loss_vectors *lv = NULL;
    if (p == NULL)
        return 1;
    for (int kind = 0; kind < LOSS_KIND_COUNT; kind++) {
        loss_opts_default(&o);
        o.kind = (loss_kind)kind;
        o.gamma = gamma;
        o.tau = tau;
        CHECK_OK(loss_vectors_create(&o, p, &lv, NULL));
        if (lv == NULL) {
            fails++;
            continue;
        }
        double so = 0, sd = 0;
        for (int c = 0; c < 10; c++) {
            so += lv->omega[c];
            sd += lv->Delta[c];
        }
        CHECK_NEAR(so, 10.0, 1e-14); /* normalized to mean 1 */
        CHECK_NEAR(sd, 10.0, 1e-14);
        const double maj_over_min_omega = lv->omega[0] / lv->omega[9];
        const double maj_over_min_Delta = lv->Delta[0] / lv->Delta[9];
        CHECK_EQ_INT(lv->label_temperature, kind == LOSS_LDT);
        switch (kind) {
        case LOSS_CE:
            CHECK_NEAR(maj_over_min_omega, 1, 0);
            CHECK_NEAR(maj_over_min_Delta, 1, 0);
            CHECK_NEAR(lv->iota[0], 0, 0);
            break;
        case LOSS_WCE: /* omega_min / omega_maj = R^gamma */
            CHECK_NEAR(1.0 / maj_over_min_omega, pow(R, gamma), 1e-14);
            break;
        case LOSS_LA: /* iota_c = tau log pi_c, pi_maj = 50/275 */
            CHECK_NEAR(lv->iota[0], tau * log(50.0 / 275.0), 1e-14);
            CHECK_NEAR(lv->iota[9], tau * log(5.0 / 275.0), 1e-14);
            break;
        case LOSS_VS:
            CHECK_NEAR(lv->iota[9], tau * log(5.0 / 275.0), 1e-14);
            /* fall through: same Delta as cdt */
            // fallthrough
        case LOSS_CDT:
        case LOSS_LDT: /* Delta_maj / Delta_min = R^gamma */
            CHECK_NEAR(maj_over_min_Delta, pow(R, gamma), 1e-14);
            break;
        }
        loss_vectors_destroy(&lv);
        CHECK(lv == NULL);
    }
    /* explicit vectors replace the preset's */
    loss_opts_default(&o);
    o.kind = LOSS_CDT;
    o.gamma = 1;
    o.n_Delta = 10;
    for (int c = 0; c < 10; c++)
        o.Delta[c] = 1 + c;
    CHECK_OK(loss_vectors_create(&o, p, &lv, NULL));
    if (lv != NULL)
        CHECK_NEAR(lv->Delta[3], 4.0, 0);
    loss_vectors_destroy(&lv);

    /* bad vectors and values */
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    o.n_Delta = 3;
    CHECK_ERR(SWEEP_ERR_ARG, loss_vectors_create(&o, p, &lv, &eb));
    CHECK_CONTAINS(eb.msg, "Delta has 3 values but k = 10");
    o.n_Delta = 10;
    o.Delta[2] = 0.0;
    sweep_errbuf_clear(&eb);
    CHECK_ERR(SWEEP_ERR_ARG, loss_vectors_create(&o, p, &lv, &eb));
    CHECK_CONTAINS(eb.msg, "Delta[2] = 0 must be > 0");
    loss_opts_default(&o);
    o.lambda_w = -1e-3;
    sweep_errbuf_clear(&eb);
    CHECK_ERR(SWEEP_ERR_ARG, loss_vectors_create(&o, p, &lv, &eb));
    CHECK_CONTAINS(eb.msg, "lambda_w = -0.001");
    loss_opts_default(&o);
    o.gamma = NAN;
    sweep_errbuf_clear(&eb);
    CHECK_ERR(SWEEP_ERR_NUMERIC, loss_vectors_create(&o, p, &lv, &eb));
    CHECK_CONTAINS(eb.msg, "gamma = nan");
    loss_kind lk;
    CHECK_ERR(SWEEP_ERR_ARG, loss_kind_parse("hinge", &lk));
    CHECK_OK(loss_kind_parse("vs", &lk));
    CHECK_EQ_INT(lk, LOSS_VS);
    profile_destroy(&p);
    return fails;
}

/* Which max-margin problem each loss maps to, and which have a closed form. */
static int test_implicit_bias_problem(void)
{
    int fails = 0;
    struct {
        loss_kind kind;
        double gamma, rho, lambda;
        int expect_kind;
        int expect_ret;
    } cases[] = {
        {LOSS_CE, 0.0, 0.5, 0, GEOM_UFSVM, SWEEP_OK},
        {LOSS_WCE, 1.0, 0.5, 0, GEOM_UFSVM, SWEEP_OK},
        {LOSS_LA, 0.0, 0.3, 0, GEOM_UFSVM, SWEEP_OK},
        {LOSS_CDT, 0.0, 0.3, 0, GEOM_UFSVM, SWEEP_OK}, /* constant Delta */
        {LOSS_CDT, 0.5, 0.5, 0, GEOM_CDT, SWEEP_OK},
        {LOSS_VS, -0.5, 0.5, 0, GEOM_CDT, SWEEP_OK},
        {LOSS_CDT, 0.5, 0.3, 0, GEOM_CDT, SWEEP_ERR_NO_CLOSED_FORM},
        {LOSS_LDT, 0.5, 0.3, 0, GEOM_MARGIN, SWEEP_OK},
        {LOSS_CE, 0.0, 0.5, 1e-3, GEOM_UFSVM, SWEEP_ERR_NO_CLOSED_FORM},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        profile *p = make_step(10, 10, cases[i].rho, 1);
        loss_opts o;
        loss_vectors *lv = NULL;
        geom_problem *gp = NULL;
        geom_prediction *pred = NULL;
        sweep_errbuf eb;
        sweep_errbuf_clear(&eb);
        loss_opts_default(&o);
        o.kind = cases[i].kind;
        o.gamma = cases[i].gamma;
        o.lambda_w = o.lambda_h = cases[i].lambda;
        CHECK(p != NULL);
        if (p == NULL)
            continue;
        CHECK_OK(loss_vectors_create(&o, p, &lv, NULL));
        CHECK_OK(geom_problem_from_loss(p, lv, &gp, NULL));
        if (gp != NULL) {
            CHECK_EQ_INT(gp->kind, cases[i].expect_kind);
            CHECK_EQ_INT(geom_predict(gp, &pred, &eb), cases[i].expect_ret);
            if (cases[i].expect_ret == SWEEP_ERR_NO_CLOSED_FORM) {
                CHECK(pred == NULL);
                CHECK_CONTAINS(eb.msg, "convex reference");
            }
            if (gp->kind == GEOM_MARGIN)
                CHECK_NEAR(gp->scale[0] * lv->Delta[0], 1.0, 1e-15);
        }
        geom_prediction_destroy(&pred);
        geom_problem_destroy(&gp);
        loss_vectors_destroy(&lv);
        profile_destroy(&p);
    }
    return fails;
}

int main(void)
{
    int passed = 0, failed = 0;
    RUN_TEST(test_step_counts, passed, failed);
    RUN_TEST(test_lt_and_counts, passed, failed);
    RUN_TEST(test_profile_validation, passed, failed);
    RUN_TEST(test_loss_presets, passed, failed);
    RUN_TEST(test_implicit_bias_problem, passed, failed);
    return TEST_SUMMARY(passed, failed);
}
