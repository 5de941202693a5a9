/* Sampled designs (design.h): Sobol against SciPy's published sequence (Joe-Kuo direction
 * numbers), the stratification that Sobol's digital shift and the Latin hypercube promise,
 * determinism from the seed, and the refusals. */
#include "check.h"
#include "design.h"
#include "rng.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The first points of scipy.stats.qmc.Sobol(4, scramble=False) (SciPy 1.10) */
static int test_sobol_first_points(void)
{
    int fails = 0;
    static const double want[8][4] = {
        {0, 0, 0, 0},           {0.5, 0.5, 0.5, 0.5},         {0.75, 0.25, 0.25, 0.25},
        {0.25, 0.75, 0.75, 0.75}, {0.375, 0.375, 0.625, 0.875}, {0.875, 0.875, 0.125, 0.375},
        {0.625, 0.125, 0.875, 0.625}, {0.125, 0.625, 0.375, 0.125}};
    uint32_t raw[8 * 4];
    CHECK_OK(design_sobol_raw(4, 8, raw));
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 4; j++)
            CHECK_NEAR(raw[i * 4 + j] / 4294967296.0, want[i][j], 0.0);
    return fails;
}

/* 4096 points in 16 dimensions against SciPy's: the FNV-1a hash of its 32-bit integers
 * (round(x 2^32), little-endian, row-major) and two whole rows, computed from
 * scipy.stats.qmc.Sobol(16, scramble=False).random(4096) */
static int test_sobol_against_scipy(void)
{
    int fails = 0;
    const int64_t n = 4096;
    uint32_t *raw = malloc((size_t)n * 16 * sizeof *raw);
    CHECK(raw != NULL);
    if (raw == NULL)
        return fails;
    CHECK_OK(design_sobol_raw(16, n, raw));
    static const uint32_t row1000[16] = {943718400u,  415236096u,  2227175424u, 2906652672u,
                                         1203765248u, 3896508416u, 197132288u,  3862953984u,
                                         2151677952u, 297795584u,  364904448u,  1094713344u,
                                         692060160u,  1648361472u, 616562688u,  1589641216u};
    static const uint32_t row4095[16] = {1048576u,    4042260480u, 1435500544u, 3872391168u,
                                         4038066176u, 338690048u,  4077912064u, 1678770176u,
                                         823132160u,  1058013184u, 2446327808u, 1380974592u,
                                         1584398336u, 2232418304u, 2366636032u, 1789919232u};
    for (int j = 0; j < 16; j++) {
        CHECK_EQ_INT(raw[1000 * 16 + j], row1000[j]);
        CHECK_EQ_INT(raw[4095 * 16 + j], row4095[j]);
    }
    unsigned char *bytes = malloc((size_t)n * 16 * 4);
    for (int64_t i = 0; bytes != NULL && i < n * 16; i++)
        for (int b = 0; b < 4; b++)
            bytes[i * 4 + b] = (unsigned char)(raw[i] >> (8 * b));
    CHECK(bytes != NULL && rng_hash64(bytes, (size_t)n * 64, RNG_HASH64_INIT) ==
                               UINT64_C(0xfe6b4cd9203c5225));
    free(bytes);
    free(raw);
    return fails;
}

/* every axis of the first n = 2^m points (sobol) or of all n points (lhs) has exactly one point
 * in each interval [k/n, (k+1)/n) */
static int stratified(const double *u, int64_t n, int dim)
{
    int ok = 1;
    char *seen = calloc((size_t)n, 1);
    for (int j = 0; j < dim && seen != NULL; j++) {
        memset(seen, 0, (size_t)n);
        for (int64_t i = 0; i < n; i++) {
            const double x = u[i * dim + j];
            const int64_t k = (int64_t)(x * (double)n);
            if (!(x >= 0.0 && x < 1.0) || seen[k])
                ok = 0;
            else
                seen[k] = 1;
        }
    }
    free(seen);
    return ok && seen != NULL;
}

static int test_stratification(void)
{
    int fails = 0;
    const int dim = 5;
    double *u = malloc((size_t)4096 * dim * sizeof *u);
    CHECK(u != NULL);
    if (u == NULL)
        return fails;
    for (uint64_t seed = 0; seed < 4; seed++) {
        CHECK_OK(design_unit_points(DESIGN_SOBOL, dim, 1024, seed, u, NULL));
        CHECK(stratified(u, 1024, dim));
        CHECK_OK(design_unit_points(DESIGN_LHS, dim, 1000, seed, u, NULL));
        CHECK(stratified(u, 1000, dim));
        CHECK_OK(design_unit_points(DESIGN_LHS, dim, 7, seed, u, NULL));
        CHECK(stratified(u, 7, dim));
    }
    /* independent uniform points are not stratified (the test can fail) */
    CHECK_OK(design_unit_points(DESIGN_RANDOM, dim, 1000, 1, u, NULL));
    CHECK(!stratified(u, 1000, dim));
    double mean = 0;
    for (int i = 0; i < 1000 * dim; i++)
        mean += u[i] / (1000.0 * dim);
    CHECK_NEAR(mean, 0.5, 0.02);
    free(u);
    return fails;
}

static int test_determinism(void)
{
    int fails = 0;
    double a[64 * 3], b[64 * 3];
    for (int m = 0; m < 3; m++) {
        CHECK_OK(design_unit_points((design_method)m, 3, 64, 7, a, NULL));
        CHECK_OK(design_unit_points((design_method)m, 3, 64, 7, b, NULL));
        CHECK(memcmp(a, b, sizeof a) == 0);
        CHECK_OK(design_unit_points((design_method)m, 3, 64, 8, b, NULL));
        CHECK(memcmp(a, b, sizeof a) != 0);
    }
    /* a Sobol design of n points is the first n of a longer one with the same seed */
    double c[128 * 3];
    CHECK_OK(design_unit_points(DESIGN_SOBOL, 3, 64, 7, a, NULL));
    CHECK_OK(design_unit_points(DESIGN_SOBOL, 3, 128, 7, c, NULL));
    CHECK(memcmp(a, c, sizeof a) == 0);
    return fails;
}

static int test_refusals(void)
{
    int fails = 0;
    double u[17];
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    CHECK_ERR(SWEEP_ERR_ARG, design_unit_points(DESIGN_SOBOL, 17, 1, 0, u, &eb));
    CHECK_CONTAINS(eb.msg, "1 to 16 axes");
    CHECK_ERR(SWEEP_ERR_ARG, design_unit_points(DESIGN_LHS, 2, 0, 0, u, &eb));
    CHECK_ERR(SWEEP_ERR_ARG, design_unit_points(DESIGN_RANDOM, 0, 4, 0, u, &eb));
    design_method m;
    CHECK_OK(design_method_parse("lhs", &m));
    CHECK_EQ_INT(m, DESIGN_LHS);
    CHECK_ERR(SWEEP_ERR_ARG, design_method_parse("halton", &m));
    return fails;
}

int main(void)
{
    int failed = 0, passed = 0;
    RUN_TEST(test_sobol_first_points, passed, failed);
    RUN_TEST(test_sobol_against_scipy, passed, failed);
    RUN_TEST(test_stratification, passed, failed);
    RUN_TEST(test_determinism, passed, failed);
    RUN_TEST(test_refusals, passed, failed);
    return TEST_SUMMARY(passed, failed);
}
