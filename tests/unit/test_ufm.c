/* The UFM gradient-descent solver: gradients against finite differences, the optimizers against
 * hand-computed updates, the blocked pass against textbook formulas, determinism, divergence,
 * and convergence to the predicted geometry. */
#include "check.h"
#include "ufm_parts.h"
#include "geom.h"
#include "loss.h"
#include "metrics.h"
#include "profile.h"
#include "rng.h"
#include "smm.h"
#include "ufm.h"
#include "vexp.h"

#include <float.h>
#include <stdint.h>
#include <stdlib.h>

/* Random123 tests/kat_vectors, philox4x32 10 */
static int test_philox_kat(void)
{
    int fails = 0;
    const uint32_t ctr[3][4] = {{0, 0, 0, 0},
                                {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                                {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}};
    const uint32_t key[3][2] = {{0, 0}, {0xffffffff, 0xffffffff}, {0xa4093822, 0x299f31d0}};
    const uint32_t want[3][4] = {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                                 {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                                 {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}};
    for (int t = 0; t < 3; t++) {
        uint32_t out[4];
        rng_philox4x32_10(ctr[t], key[t], out);
        for (int i = 0; i < 4; i++)
            CHECK_EQ_INT(out[i], want[t][i]);
    }
    /* moments of the derived distributions */
    enum { N = 200000 };
    double *x = malloc(N * sizeof(double));
    if (x == NULL)
        return fails + 1;
    rng_uniform_fill(42, 1, -1.0, 1.0, x, N);
    double m1 = 0, m2 = 0;
    for (int i = 0; i < N; i++) {
        CHECK(x[i] >= -1.0 && x[i] < 1.0);
        m1 += x[i];
        m2 += x[i] * x[i];
    }
    CHECK_NEAR(m1 / N, 0.0, 0.01);
    CHECK_NEAR(m2 / N, 1.0 / 3.0, 0.01);
    rng_gauss_fill(42, 2, 2.0, x, N);
    m1 = m2 = 0;
    for (int i = 0; i < N; i++) {
        m1 += x[i];
        m2 += x[i] * x[i];
    }
    CHECK_NEAR(m1 / N, 0.0, 0.02);
    CHECK_NEAR(m2 / N, 4.0, 0.05);
    free(x);
    return fails;
}

static int test_trace_schedule(void)
{
    int fails = 0;
    int64_t s[64];
    const struct {
        int64_t iters;
        int points;
    } cases[] = {{6000, 50}, {10, 11}, {100, 2}, {0, 1}, {5, 1}, {1000000, 64}, {49, 50}};
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        CHECK_OK(ufm_trace_iters(cases[t].iters, cases[t].points, s));
        CHECK_EQ_INT(s[cases[t].points - 1], cases[t].iters);
        if (cases[t].points > 1)
            CHECK_EQ_INT(s[0], 0);
        for (int j = 1; j < cases[t].points; j++)
            CHECK(s[j] > s[j - 1]);
    }
    /* log spacing: the middle point of 0..10^6 with 61 points is 10^3 - 1 */
    CHECK_OK(ufm_trace_iters(999999, 61, s));
    CHECK_EQ_INT(s[30], 999);
    CHECK_ERR(SWEEP_ERR_ARG, ufm_trace_iters(10, 12, s));
    return fails;
}

typedef struct fixture {
    profile *p;
    loss_vectors *lv;
    ufm_solver *s;
} fixture;

static void fixture_free(fixture *f)
{
    ufm_solver_destroy(&f->s);
    loss_vectors_destroy(&f->lv);
    profile_destroy(&f->p);
}

/* STEP k, R, rho, n_min, d with loss (kind, gamma, tau, lambda) and options o. */
static int fixture_make(fixture *f, int k, double R, double rho, double n_min, int d,
                        loss_kind kind, double gamma, double tau, double lambda,
                        const ufm_opts *o, uint64_t key)
{
    profile_opts po;
    loss_opts lo;
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    f->p = NULL;
    f->lv = NULL;
    f->s = NULL;
    profile_opts_default(&po);
    po.k = k;
    po.R = R;
    po.rho = rho;
    po.n_min = n_min;
    po.d = d;
    loss_opts_default(&lo);
    lo.kind = kind;
    lo.gamma = gamma;
    lo.tau = tau;
    lo.lambda_w = lambda;
    lo.lambda_h = 0.5 * lambda;
    int ret = profile_create(&po, &f->p, &eb);
    if (ret == SWEEP_OK)
        ret = loss_vectors_create(&lo, f->p, &f->lv, &eb);
    if (ret == SWEEP_OK)
        ret = ufm_solver_create(f->p, f->lv, o, key, &f->s, &eb);
    if (ret != SWEEP_OK)
        fprintf(stderr, "fixture: %s\n", eb.msg);
    return ret;
}

/* Central differences of the objective on every parameter: relative error < 1e-6. */
static int test_gradient_fd(void)
{
    int fails = 0;
    const int k = 4, d = 5;
    for (int kind = 0; kind < LOSS_KIND_COUNT; kind++)
        for (int ridge = 0; ridge < 2; ridge++)
            for (int bias = 0; bias < 2; bias++) {
                ufm_opts o;
                fixture f;
                ufm_opts_default(&o);
                o.init = UFM_INIT_GAUSS;
                o.init_std = 0.7;
                o.bias = bias;
                if (fixture_make(&f, k, 3, 0.5, 1, d, (loss_kind)kind, 0.6, 1.2,
                                 ridge ? 0.03 : 0.0, &o, 1234 + kind) != SWEEP_OK) {
                    fails++;
                    fixture_free(&f);
                    continue;
                }
                const size_t n = 8, kd = (size_t)k * d, dn = (size_t)d * n;
                const size_t np = kd + dn + (bias ? (size_t)k : 0);
                double *x = malloc(np * sizeof(double)), *g = malloc(np * sizeof(double));
                double *fd = malloc(np * sizeof(double));
                if (!x || !g || !fd) {
                    fails++;
                    goto next;
                }
                memcpy(x, ufm_solver_W(f.s), kd * sizeof(double));
                memcpy(x + kd, ufm_solver_H(f.s), dn * sizeof(double));
                if (bias) { /* a non-zero bias */
                    for (int c = 0; c < k; c++)
                        x[kd + dn + c] = 0.3 * (c - 1.5);
                }
                double loss, obj;
                CHECK_OK(ufm_solver_eval(f.s, x, x + kd, bias ? x + kd + dn : NULL, &loss, &obj, g,
                                g + kd, bias ? g + kd + dn : NULL));
                const double h = 1e-6;
                double num = 0, den = 0;
                for (size_t i = 0; i < np; i++) {
                    double xi = x[i], fp, fm;
                    x[i] = xi + h;
                    CHECK_OK(ufm_solver_eval(f.s, x, x + kd, bias ? x + kd + dn : NULL, NULL, &fp, NULL,
                                    NULL, NULL));
                    x[i] = xi - h;
                    CHECK_OK(ufm_solver_eval(f.s, x, x + kd, bias ? x + kd + dn : NULL, NULL, &fm, NULL,
                                    NULL, NULL));
                    x[i] = xi;
                    fd[i] = (fp - fm) / (2 * h);
                    num += (fd[i] - g[i]) * (fd[i] - g[i]);
                    den += g[i] * g[i];
                }
                double rel = sqrt(num / den);
                if (!(rel < 1e-6))
                    fprintf(stderr, "  loss %s ridge %d bias %d: relative error %.3g\n",
                            loss_kind_name((loss_kind)kind), ridge, bias, rel);
                CHECK(rel < 1e-6);
                CHECK(isfinite(obj) && obj > 0);
            next:
                free(x);
                free(g);
                free(fd);
                fixture_free(&f);
            }
    return fails;
}

/* Far into the separable regime (margins about 40, loss about 1e-17) the loss and gradient keep
 * their relative accuracy: finite differences still agree, and the loss matches
 * mean log(1 + sum_c e^{-margin}) computed independently. (Forming 1 - p_y would lose it.) */
static int test_tiny_loss_accuracy(void)
{
    int fails = 0;
    ufm_opts o;
    fixture f;
    ufm_opts_default(&o);
    for (int kind = 0; kind < LOSS_KIND_COUNT; kind += 5) { /* ce and ldt */
        if (fixture_make(&f, 4, 3, 0.5, 1, 4, (loss_kind)kind, 0.5, 0, 0, &o, 1) != SWEEP_OK)
            return fixture_free(&f), fails + 1;
        geom_prediction *pred = NULL;
        CHECK_OK(geom_predict_seli_matrix(4, f.p->counts, NULL, &pred));
        if (pred == NULL)
            return fixture_free(&f), fails + 1;
        const double scale = sqrt(40.0);
        double x[4 * 4 + 4 * 8];
        for (int i = 0; i < 16; i++)
            x[i] = scale * pred->W[i];
        for (int c = 0, i = 0; c < 4; c++)
            for (int t = 0; t < (int)f.p->counts[c]; t++, i++)
                for (int r = 0; r < 4; r++)
                    x[16 + r + 4 * i] = scale * pred->Hbar[r + 4 * c];
        double loss, g[48];
        CHECK_OK(ufm_solver_eval(f.s, x, x + 16, NULL, &loss, NULL, g, g + 16, NULL));
        /* independent: every margin z_y - z_c is 40 (W^T Hbar = P) */
        double want = 0;
        for (int c = 0; c < 4; c++) {
            double a = kind == LOSS_LDT ? f.lv->Delta[c] : 1.0;
            want += f.p->counts[c] * log1p(3.0 * exp(-40.0 * a));
        }
        want /= 8.0;
        CHECK(want > 0 && want < 1e-10);
        CHECK_NEAR(loss / want, 1.0, 1e-12);
        double num = 0, den = 0;
        for (int i = 0; i < 48; i++) {
            const double h = 1e-6;
            double xi = x[i], fp, fm;
            x[i] = xi + h;
            CHECK_OK(ufm_solver_eval(f.s, x, x + 16, NULL, NULL, &fp, NULL, NULL, NULL));
            x[i] = xi - h;
            CHECK_OK(ufm_solver_eval(f.s, x, x + 16, NULL, NULL, &fm, NULL, NULL, NULL));
            x[i] = xi;
            double fd = (fp - fm) / (2 * h);
            num += (fd - g[i]) * (fd - g[i]);
            den += g[i] * g[i];
        }
        CHECK(den > 0);
        CHECK(sqrt(num / den) < 1e-6);
        geom_prediction_destroy(&pred);
        fixture_free(&f);
    }
    return fails;
}

/* The softmax's exponential against expl over its whole range: below 1.2 ulp where e^x is
 * normal and finite, the documented values outside, and bitwise the same as the portable
 * version (results must not depend on the machine's instruction set). */
static int test_vexp(void)
{
    int fails = 0;
    enum { N = 300003 };
    double *x = malloc(N * sizeof(double)), *a = malloc(N * sizeof(double));
    double *b = malloc(N * sizeof(double));
    if (x == NULL || a == NULL || b == NULL)
        return free(x), free(a), free(b), 1;
    uint64_t st = 12345;
    for (int i = 0; i < N; i++) {
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        const double u = (double)(st >> 11) * 0x1.0p-53; /* [0, 1) */
        /* the whole range, the softmax's usual [-40, 0], and tiny arguments */
        x[i] = i % 3 == 0 ? -710.0 + 1421.0 * u : i % 3 == 1 ? -40.0 * u : 1e-3 * (u - 0.5);
    }
    memcpy(a, x, N * sizeof(double));
    memcpy(b, x, N * sizeof(double));
    vexp_inplace(a, N);
    vexp_inplace_portable(b, N);
    double worst = 0.0;
    int outside = 0;
    CHECK_MEM_EQ(a, b, (size_t)N); /* the AVX2 kernel and its portable twin, bit for bit */
    for (int i = 0; i < N; i++) {
        if (x[i] < -708.3)
            outside += a[i] != 0.0;
        else if (x[i] > 709.7)
            outside += !(isinf(a[i]) && a[i] > 0);
        else {
            const long double e = expl((long double)x[i]);
            const double rel = (double)fabsl(((long double)a[i] - e) / e);
            worst = rel > worst ? rel : worst;
        }
    }
    fprintf(stderr, "  vexp: worst relative error %.3g (%.2f ulp) over %d arguments\n", worst,
            worst / DBL_EPSILON, N);
    CHECK(worst < 1.2 * DBL_EPSILON);
    CHECK_EQ_INT(outside, 0);
    /* specials, in a short array (the scalar tail) and a long one (the vector loop) */
    const double in[] = {0.0, -0.0, -INFINITY, INFINITY, NAN, 709.7, 709.8, -708.3, -708.4, 1.0};
    for (int len = 1; len <= 8; len += 7) {
        for (int j = 0; j < 10; j++) {
            double v[8];
            for (int t = 0; t < len; t++)
                v[t] = in[j];
            vexp_inplace(v, (size_t)len);
            const double e = v[len - 1];
            if (j < 2)
                CHECK(e == 1.0);
            else if (j == 2 || j == 8)
                CHECK(e == 0.0);
            else if (j == 3 || j == 6)
                CHECK(isinf(e) && e > 0);
            else if (j == 4)
                CHECK_NAN(e);
            else
                CHECK_NEAR(e / exp(in[j]), 1.0, 3e-16);
        }
    }
    /* the softmax row pass, all three forms of its exponent, against its portable version
     * and against vexp_inplace of the exponents written out */
    enum { M = 1003 };
    for (int form = 0; form < 3; form++) {
        const double *alpha = form == 2 ? x + 2 * M : NULL;
        const double av = form == 1 ? 0.7 : 1.0, bv = form == 1 ? -0.3 : 0.0;
        double *u = x + 3 * M, *out = a, *out2 = a + M, *sum = b, *sum2 = b + M, *e = b + 2 * M;
        for (int i = 0; i < M; i++) {
            x[i] = -30.0 * fabs(sin(0.37 * i)); /* z */
            x[2 * M + i] = 0.5 + 1e-3 * i;        /* alpha */
            x[3 * M + i] = 0.1 * cos(0.5 * i); /* u */
            sum[i] = sum2[i] = 0.25 * i;
        }
        vexp_row_sum(x, alpha, av, bv, u, 101, 318, out, sum, M);
        vexp_row_sum_portable(x, alpha, av, bv, u, 101, 318, out2, sum2, M);
        for (int i = 0; i < M; i++)
            e[i] = form == 0 ? x[i] - u[i] : ((alpha ? alpha[i] : av) * x[i] + bv) - u[i];
        vexp_inplace(e, M);
        int bad_row = 0;
        for (int i = 0; i < M; i++) {
            const int skip = i >= 101 && i < 318;
            const double want = skip ? 0.0 : e[i], want_sum = 0.25 * i + (skip ? 0.0 : e[i]);
            bad_row += out[i] != want || sum[i] != want_sum || out2[i] != want ||
                       sum2[i] != want_sum;
        }
        CHECK_EQ_INT(bad_row, 0);
    }
    /* short rows and every placement of the skipped range (the vector version masks lanes
     * across its ends and reaches back for the last n mod 4): bitwise against the portable one */
    int bad_short = 0;
    for (int n = 1; n <= 13; n++)
        for (int lo = 0; lo <= n + 1; lo++)
            for (int hi = 0; hi <= n + 2; hi++) {
                double *out = a, *out2 = a + 16, *sum = b, *sum2 = b + 16;
                for (int i = 0; i < 16; i++) {
                    x[i] = 0.3 * i - 2.0;
                    x[16 + i] = 0.05 * i;
                    out[i] = out2[i] = -1.0;
                    sum[i] = sum2[i] = 0.5 * i;
                }
                vexp_row_sum(x, NULL, 1.0, 0.0, x + 16, (size_t)lo, (size_t)hi, out, sum,
                             (size_t)n);
                vexp_row_sum_portable(x, NULL, 1.0, 0.0, x + 16, (size_t)lo, (size_t)hi, out2,
                                      sum2, (size_t)n);
                bad_short += memcmp(out, out2, 16 * sizeof(double)) != 0 ||
                             memcmp(sum, sum2, 16 * sizeof(double)) != 0;
            }
    CHECK_EQ_INT(bad_short, 0);
    free(x);
    free(a);
    free(b);
    return fails;
}

/* One example misclassified by 1000 towards a single other class: e^1000 overflows on its own
 * (no sum of several terms does it), and the column must still be redone with the maximum
 * taken out: loss 1000 + log(1 + e^-1000 + e^-1005), dl/dz = (-1, 1, ~0). */
static int test_softmax_single_overflow(void)
{
    int fails = 0;
    const double omega[3] = {1, 1, 1}, Delta[3] = {1, 1, 1}, iota[3] = {0, 0, 0};
    const ufm_softmax_params sp = {3, omega, Delta, iota, 0, 1.0};
    const int y[1] = {0};
    const double Z[3] = {0.0, 1000.0, -5.0};
    double G[3], work[3];
    size_t bounds[4];
    const double loss = ufm_softmax_columns(&sp, y, Z, 1, 1, 0.0, 1, G, 1, work, bounds);
    CHECK_NEAR(loss, 1000.0, 1e-15);
    CHECK_NEAR(G[0], -1.0, 1e-15);
    CHECK_NEAR(G[1], 1.0, 1e-15);
    CHECK(G[2] >= 0.0 && G[2] < 1e-300); /* e^{-1005}: 0 in double */
    return fails;
}

/* ufm_softmax_columns with labels in any order (it splits them into nondecreasing runs): the
 * same G and loss, bitwise, as one call per column, for the plain, VS and LDT forms. */
static int test_softmax_unsorted_labels(void)
{
    int fails = 0;
    enum { K = 3, N = 7 };
    const int y[N] = {2, 0, 1, 1, 0, 2, 2};
    const double omega[K] = {1.0, 2.5, 0.5}, iota[K] = {0.0, -0.2, 0.3};
    double Zt[K * N], G[K * N], g1[K], z1[K], work[3 * N];
    size_t bounds[K + 1];
    for (int i = 0; i < K * N; i++)
        Zt[i] = 3.0 * sin(1.0 + 0.7 * i);
    for (int form = 0; form < 3; form++) {
        const double D1[K] = {1, 1, 1}, D2[K] = {0.8, 1.3, 1.1}, I0[K] = {0, 0, 0};
        const ufm_softmax_params sp = {K, omega, form == 0 ? D1 : D2, form == 1 ? iota : I0,
                                       form == 2, 1.0 / N};
        const double loss = ufm_softmax_columns(&sp, y, Zt, N, N, 0.0, 1, G, N, work, bounds);
        double want_loss = 0.0;
        int differ = 0;
        for (int i = 0; i < N; i++) {
            for (int c = 0; c < K; c++)
                z1[c] = Zt[c * N + i];
            want_loss += ufm_softmax_columns(&sp, y + i, z1, 1, 1, 0.0, 1, g1, 1, work, bounds);
            for (int c = 0; c < K; c++)
                differ += memcmp(&g1[c], &G[c * N + i], sizeof(double)) != 0;
        }
            CHECK_NEAR(loss, want_loss, 1e-15);
    }
    return fails;
}

/* Offset of entry (r, i) of an H-like d x n array in a plan's layout, as smm.h defines it:
 * column-major, or tiles of 8 examples (8 d doubles each, one row of 8 per feature). */
static size_t plan_offset(int tiled, int d, int r, int i)
{
    return tiled ? (size_t)(i / 8) * 8 * (size_t)d + 8 * (size_t)r + (size_t)(i % 8)
                 : (size_t)i * (size_t)d + (size_t)r;
}

/* The three block products with a short last block (n = 30 in blocks of 7 on the OpenBLAS
 * backend: tail 2; of 8 on the small one: tail 6), both backends with and without their AVX2
 * code, against plain loops; H and dH in the plan's layout (tiled on the small backend), whose
 * padding the products leave at 0; the layout conversions against the definition. */
static int test_smm_blocks(void)
{
    int fails = 0;
    enum { K = 5, D = 6, N = 30, NB = 7, NB8 = 8, N8 = 32 };
    double W[D * K], H[D * N], Z[K * N], GT[NB8 * K], dW[D * K], H2[D * N]; /* Z class-major */
    double Hp[D * N8], dHp[D * N8];
    for (int i = 0; i < D * K; i++)
        W[i] = sin(1.0 + i);
    for (int i = 0; i < D * N; i++)
        H[i] = cos(2.0 + i);
    for (int t = 0; t < 4; t++) { /* both backends, each with and without its AVX2 code */
        const smm_backend be = t < 2 ? SMM_BACKEND_OPENBLAS : SMM_BACKEND_SMALL;
        smm_plan *p = NULL;
        CHECK_OK(smm_plan_create(K, D, N, be, NB, &p));
        if (p == NULL)
            return fails + 1;
        smm_plan_use_portable(p, t % 2);
        const int tiled = smm_plan_tiled(p), nb = smm_plan_block(p);
        CHECK_EQ_INT(tiled, be == SMM_BACKEND_SMALL);
        CHECK_EQ_INT(nb, tiled ? NB8 : NB);
        CHECK_EQ_INT((int)smm_plan_h_len(p), tiled ? D * N8 : D * N);
        for (int i = 0; i < D * N8; i++)
            dHp[i] = Hp[i] = 7.0; /* the padding must come out 0 */
        smm_h_to_plan(p, H, Hp);
        int misplaced = 0;
        for (int i = 0; i < N; i++)
            for (int r = 0; r < D; r++)
                misplaced += Hp[plan_offset(tiled, D, r, i)] != H[i * D + r];
        smm_h_from_plan(p, Hp, H2);
        CHECK_EQ_INT(misplaced, 0);
        CHECK(memcmp(H, H2, sizeof H) == 0);
        memset(dW, 0, sizeof dW);
        double err = 0, want_dW[D * K] = {0};
        for (int j0 = 0; j0 < N; j0 += nb) {
            const int m = N - j0 < nb ? N - j0 : nb;
            smm_logits_cols(p, W, Hp + j0 * D, m, Z + j0, N);
            memset(GT, 0, sizeof GT); /* the padding columns of G: 0 */
            for (int c = 0; c < K; c++) /* G^T of the block: any values, here from Z */
                for (int i = 0; i < m; i++)
                    GT[c * nb + i] = Z[c * N + j0 + i] + 0.1 * c;
            smm_grad_w_cols(p, Hp + j0 * D, GT, m, dW);
            smm_grad_h_cols(p, W, GT, m, dHp + j0 * D);
            for (int i = 0; i < m; i++)
                for (int c = 0; c < K; c++) {
                    double z = 0;
                    for (int r = 0; r < D; r++)
                        z += W[r + c * D] * H[r + (j0 + i) * D];
                    err = fmax(err, fabs(z - Z[c * N + j0 + i]));
                    for (int r = 0; r < D; r++)
                        want_dW[r + c * D] += H[r + (j0 + i) * D] * GT[c * nb + i];
                }
            for (int i = 0; i < m; i++)
                for (int r = 0; r < D; r++) {
                    double h = 0;
                    for (int c = 0; c < K; c++)
                        h += W[r + c * D] * GT[c * nb + i];
                    err = fmax(err, fabs(h - dHp[plan_offset(tiled, D, r, j0 + i)]));
                }
        }
        for (int i = 0; i < D * K; i++)
            err = fmax(err, fabs(want_dW[i] - dW[i]));
        CHECK(err < 1e-13);
        if (tiled) { /* the padding of the last tile: 0 in H and dH */
            int nonzero = 0;
            for (int r = 0; r < D; r++)
                for (int i = N; i < N8; i++)
                    nonzero += Hp[plan_offset(1, D, r, i)] != 0.0 ||
                               dHp[plan_offset(1, D, r, i)] != 0.0;
            CHECK_EQ_INT(nonzero, 0);
        }
        smm_plan_destroy(&p);
    }
    return fails;
}

/* The small backend's logits kernel, AVX2 and portable: every logit bitwise equal to the chain
 * of fused multiply-adds in feature order, for shapes with partial class groups, feature counts
 * not a multiple of 4, short tiles and blocks wider than n; the padding after each row of Z
 * (leading dimension n + 3) is never written. */
static int test_logits_kernel_exact(void)
{
    int fails = 0;
    const int shapes[][4] = {{5, 6, 30, 7}, {7, 9, 37, 16}, {3, 4, 8, 8}, {12, 21, 50, 50},
                             {1, 1, 3, 2}};
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        const int k = shapes[t][0], d = shapes[t][1], n = shapes[t][2];
        const size_t ldz = (size_t)n + 3;
        smm_plan *p = NULL;
        if (smm_plan_create(k, d, n, SMM_BACKEND_SMALL, shapes[t][3], &p) != SWEEP_OK)
            return fails + 1;
        const int nb = smm_plan_block(p);
        double *W = malloc((size_t)d * k * sizeof(double));
        double *H = malloc((size_t)d * n * sizeof(double));
        double *Hp = aligned_alloc(64, (smm_plan_h_len(p) * sizeof(double) + 63) / 64 * 64);
        double *Z = malloc(ldz * k * sizeof(double));
        if (W == NULL || H == NULL || Hp == NULL || Z == NULL) {
            free(W), free(H), free(Hp), free(Z), smm_plan_destroy(&p);
            return fails + 1;
        }
        CHECK(strcmp(smm_plan_backend_name(p), "small") == 0);
        CHECK_EQ_INT(nb % 8, 0);
        for (int i = 0; i < d * k; i++)
            W[i] = sin(0.3 + 1.7 * i);
        for (int i = 0; i < d * n; i++)
            H[i] = cos(0.1 + 0.9 * i) * (1.0 + i % 7);
        smm_h_to_plan(p, H, Hp);
        for (int portable = 0; portable < 2; portable++) {
            smm_plan_use_portable(p, portable);
            for (size_t i = 0; i < ldz * k; i++)
                Z[i] = -12345.0;
            for (int j0 = 0; j0 < n; j0 += nb)
                smm_logits_cols(p, W, Hp + (size_t)j0 * d, n - j0 < nb ? n - j0 : nb, Z + j0,
                                ldz);
            int differ = 0, pad = 0;
            for (int c = 0; c < k; c++) {
                for (int i = 0; i < n; i++) {
                    double z = 0.0;
                    for (int r = 0; r < d; r++)
                        z = fma(W[r + c * d], H[r + i * d], z);
                    differ += memcmp(&z, &Z[c * ldz + i], sizeof z) != 0;
                }
                for (size_t i = (size_t)n; i < ldz; i++)
                    pad += Z[c * ldz + i] != -12345.0;
            }
                    CHECK_EQ_INT(pad, 0);
        }
        smm_plan_destroy(&p);
        free(W);
        free(H);
        free(Hp);
        free(Z);
    }
    return fails;
}

/* The small backend's W-gradient kernel, AVX2 and portable, against smm.c's definition:
 * dW(r, c) += (a_0 + a_1) + (a_2 + a_3), a_l the chain of fused multiply-adds over the
 * block's examples i = l mod 4 in order; bitwise, on the last block of shapes with several row
 * groups, rows beyond a multiple of 4 (1, 2 and 3 of them), class counts beyond a multiple of
 * 3 and short blocks. */
static int test_grad_w_kernel_exact(void)
{
    int fails = 0;
    const int shapes[][4] = {{10, 20, 23, 12}, {3, 47, 9, 9}, {7, 6, 5, 5}, {1, 3, 3, 2},
                             {8, 5, 40, 16}};
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        const int k = shapes[t][0], d = shapes[t][1], n = shapes[t][2];
        smm_plan *p = NULL;
        if (smm_plan_create(k, d, n, SMM_BACKEND_SMALL, shapes[t][3], &p) != SWEEP_OK)
            return fails + 1;
        const int nb = smm_plan_block(p), j0 = (n - 1) / nb * nb, m = n - j0;
        double *H = malloc((size_t)d * n * sizeof(double));
        double *Hp = aligned_alloc(64, (smm_plan_h_len(p) * sizeof(double) + 63) / 64 * 64);
        double *GT = calloc((size_t)nb * k, sizeof(double)); /* padding columns 0 */
        double *dW = malloc((size_t)d * k * sizeof(double));
        if (H == NULL || Hp == NULL || GT == NULL || dW == NULL) {
            free(H), free(Hp), free(GT), free(dW), smm_plan_destroy(&p);
            return fails + 1;
        }
        for (int i = 0; i < d * n; i++)
            H[i] = sin(0.4 + 0.61 * i);
        smm_h_to_plan(p, H, Hp);
        for (int c = 0; c < k; c++)
            for (int i = 0; i < m; i++)
                GT[c * nb + i] = cos(0.9 + 0.37 * (c * nb + i)) * 1e-2;
        for (int portable = 0; portable < 2; portable++) {
            smm_plan_use_portable(p, portable);
            for (int i = 0; i < d * k; i++)
                dW[i] = 0.5 * i;
            smm_grad_w_cols(p, Hp + (size_t)j0 * d, GT, m, dW);
            int differ = 0;
            for (int c = 0; c < k; c++)
                for (int r = 0; r < d; r++) {
                    double a[4] = {0.0, 0.0, 0.0, 0.0};
                    for (int i = 0; i < m; i++)
                        a[i % 4] = fma(H[(j0 + i) * d + r], GT[c * nb + i], a[i % 4]);
                    const double want = 0.5 * (c * d + r) + ((a[0] + a[1]) + (a[2] + a[3]));
                    differ += memcmp(&want, &dW[c * d + r], sizeof want) != 0;
                }
                }
        smm_plan_destroy(&p);
        free(H);
        free(Hp);
        free(GT);
        free(dW);
    }
    return fails;
}

/* The epilogue of smm.h for entry o with gradient g (c = 5e-4 already in g; lr 0.1, mu 0.9):
 * want[o] = g (mode 0), want[dm + o] = next h (modes 1, 2), want[2 dm + o] = next v (mode 2). */
static void epilogue_want(int mode, size_t o, double g, const double *h, const double *v,
                          double *want, size_t dm)
{
    if (mode == 0) {
        want[o] = g;
    } else if (mode == 1) {
        want[dm + o] = fma(-0.1, g, h[o]);
    } else {
        want[2 * dm + o] = fma(0.9, v[o], g);
        want[dm + o] = fma(-0.1, want[2 * dm + o], h[o]);
    }
}

/* The small backend's fused H-gradient product, AVX2 and portable, against the definition in
 * smm.h computed here entry by entry in the tiled layout: bitwise equal outputs (the padding
 * columns included, which stay 0) and partial sums in all three modes, on the last block of
 * shapes with one to eight row chunks of every length 1 to 6, and short last tiles. */
static int test_grad_h_update_exact(void)
{
    int fails = 0;
    const int shapes[][4] = {{10, 20, 23, 12}, {3, 47, 9, 9}, {7, 6, 5, 5}, {2, 1, 3, 3},
                             {4, 15, 30, 16}, {5, 10, 16, 8}, {3, 9, 11, 8}, {3, 3, 9, 8},
                             {2, 2, 5, 8},    {4, 13, 17, 8}};
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        const int k = shapes[t][0], d = shapes[t][1], n = shapes[t][2];
        smm_plan *p = NULL;
        if (smm_plan_create(k, d, n, SMM_BACKEND_SMALL, shapes[t][3], &p) != SWEEP_OK)
            return fails + 1;
        CHECK_EQ_INT(smm_plan_fuses_grad_h(p), 1);
        const int nb = smm_plan_block(p), j0 = (n - 1) / nb * nb, m = n - j0;
        const int m8 = (m + 7) / 8 * 8, chunks = (d + 5) / 6; /* chunks of at most 6 rows */
        const size_t hlen = smm_plan_h_len(p), dm = (size_t)d * m8; /* the block, padded */
        double *W = malloc((size_t)d * k * sizeof(double));
        double *GT = calloc((size_t)nb * k, sizeof(double)); /* padding columns 0 */
        double *buf = malloc((2 * (size_t)d * n + 2 * hlen + 6 * dm) * sizeof(double));
        if (W == NULL || GT == NULL || buf == NULL) {
            free(W), free(GT), free(buf), smm_plan_destroy(&p);
            return fails + 1;
        }
        double *h0 = buf, *v0 = h0 + (size_t)d * n, *hp = v0 + (size_t)d * n, *vp = hp + hlen;
        double *out = vp + hlen, *want = out + 3 * dm;
        for (int i = 0; i < d * k; i++)
            W[i] = sin(0.7 + 1.3 * i);
        for (int c = 0; c < k; c++)
            for (int i = 0; i < m; i++)
                GT[c * nb + i] = cos(0.2 + 0.77 * (c * nb + i)) * 1e-2;
        for (size_t i = 0; i < (size_t)d * n; i++) {
            h0[i] = sin(3.0 + 0.11 * (double)i);
            v0[i] = cos(1.0 + 0.23 * (double)i);
        }
        smm_h_to_plan(p, h0, hp);
        smm_h_to_plan(p, v0, vp);
        const double *h = hp + (size_t)j0 * d, *v = vp + (size_t)j0 * d; /* the block */
        for (int mode = 0; mode < 6; mode++) { /* 3..5: the portable version */
            smm_plan_use_portable(p, mode >= 3);
            double acc[8], want_acc[8];
            for (int j = 0; j < 8; j++)
                acc[j] = want_acc[j] = 0.25 * j;
            const smm_h_epilogue e = {5e-4, h,   out, v, out + dm, out + 2 * dm,
                                      0.1,  0.9, mode % 3, 1};
            for (size_t i = 0; i < 3 * dm; i++)
                out[i] = want[i] = 7.0; /* what a mode does not write stays 7 */
            smm_grad_h_update(p, W, GT, m, &e, acc);
            for (int i0 = 0; i0 < m8; i0 += 8)
                for (int j = 0, r0 = 0; r0 < d; r0 += d / chunks + (j < d % chunks), j++)
                    for (int half = 0; half < 2; half++) {
                        double lanes[4] = {0, 0, 0, 0};
                        for (int r = r0; r < r0 + d / chunks + (j < d % chunks); r++)
                            for (int l = 0; l < 4; l++) {
                                const int i = i0 + 4 * half + l;
                                double dh = 0.0;
                                for (int c = 0; c < k; c++)
                                    dh = fma(W[c * d + r], GT[c * nb + i], dh);
                                const size_t o = plan_offset(1, d, r, i);
                                const double g = fma(5e-4, h[o], dh);
                                lanes[l] = fma(g, g, lanes[l]);
                                epilogue_want(mode % 3, o, g, h, v, want, dm);
                            }
                        for (int l = 0; l < 4; l++)
                            want_acc[4 * half + l] += lanes[l];
                    }
            CHECK(memcmp(out, want, 3 * dm * sizeof(double)) == 0);
            CHECK(memcmp(acc, want_acc, sizeof acc) == 0);
            int pad = 0; /* the padding columns of the outputs a mode writes: 0 */
            for (int r = 0; r < d; r++)
                for (int i = m; i < m8; i++)
                    for (int a = 0; a < 3; a++) {
                        const double x = out[(size_t)a * dm + plan_offset(1, d, r, i)];
                        pad += x != 0.0 && x != 7.0;
                    }
            CHECK_EQ_INT(pad, 0);
        }
        smm_plan_destroy(&p);
        free(W);
        free(GT);
        free(buf);
    }
    return fails;
}

/* The OpenBLAS backend's fused H-gradient kernel (AVX2 machines) against the definition in
 * smm.h computed here: bitwise equal outputs (the same entries as the small backend's) and
 * partial sums in all three modes, for shapes with a partial row panel (d mod 8 != 0, d < 8),
 * panels whose entries are not a multiple of 4 (d odd), a short last column panel and several
 * slices per panel. The tested block is the second of the pass (w_changed = 0): the packed W of
 * the first call is reused. */
static int test_grad_h_panels_exact(void)
{
    int fails = 0;
    const int shapes[][4] = {{10, 20, 23, 12}, {3, 47, 9, 7}, {7, 6, 20, 13}, {2, 1, 3, 2},
                             {100, 64, 40, 20}, {5, 33, 61, 31}};
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        const int k = shapes[t][0], d = shapes[t][1], n = shapes[t][2], nb = shapes[t][3];
        const int m = n - ((n - 1) / nb) * nb; /* the last block, which may be short */
        const size_t dm = (size_t)d * m, dnb = (size_t)d * nb;
        double *W = malloc((size_t)d * k * sizeof(double));
        double *GT = malloc(2 * (size_t)nb * k * sizeof(double));
        double *buf = malloc((7 * dm + 4 * dnb) * sizeof(double));
        smm_plan *p = NULL;
        if (W == NULL || GT == NULL || buf == NULL ||
            smm_plan_create(k, d, n, SMM_BACKEND_OPENBLAS, nb, &p) != SWEEP_OK) {
            free(W), free(GT), free(buf);
            return fails + 1;
        }
        smm_plan_use_portable(p, 1);
        CHECK_EQ_INT(smm_plan_fuses_grad_h(p), 0);
        smm_plan_use_portable(p, 0);
        if (!smm_plan_fuses_grad_h(p)) { /* no AVX2 here: the solver takes OpenBLAS's path */
            fprintf(stderr, "  (no AVX2: the panel kernel is not tested on this machine)\n");
            smm_plan_destroy(&p);
            free(W), free(GT), free(buf);
            return fails;
        }
        double *h = buf, *v = buf + dm, *out = buf + 2 * dm, *want = buf + 5 * dm;
        double *first = buf + 7 * dm; /* the first block's h, v, hn, vn */
        for (int i = 0; i < d * k; i++)
            W[i] = sin(0.7 + 1.3 * i);
        for (int i = 0; i < 2 * nb * k; i++)
            GT[i] = cos(0.2 + 0.77 * i) * 1e-2;
        for (size_t i = 0; i < dm; i++) {
            h[i] = sin(3.0 + 0.11 * (double)i);
            v[i] = cos(1.0 + 0.23 * (double)i);
        }
        for (size_t i = 0; i < 2 * dnb; i++)
            first[i] = sin(0.3 * (double)i);
        const double *gt = GT + (size_t)nb * k; /* the tested block's */
        for (int mode = 0; mode < 3; mode++) {
            double acc[8], want_acc[8], scratch[8] = {0};
            for (int j = 0; j < 8; j++)
                acc[j] = want_acc[j] = 0.25 * j;
            const smm_h_epilogue e0 = {5e-4, first, first + 2 * dnb, first + dnb, first + 2 * dnb,
                                       first + 3 * dnb, 0.1, 0.9, mode, 1};
            smm_grad_h_update(p, W, GT, nb, &e0, scratch);
            const smm_h_epilogue e = {5e-4, h,   out, v, out + dm, out + 2 * dm,
                                      0.1,  0.9, mode, 0};
            memset(out, 0, 3 * dm * sizeof(double));
            smm_grad_h_update(p, W, gt, m, &e, acc);
            memset(want, 0, 3 * dm * sizeof(double));
            double lanes[4] = {0, 0, 0, 0};
            for (int i0 = 0; i0 < m; i0 += 6) {
                const size_t po0 = (size_t)i0 * d;
                const size_t plen = (size_t)(m - i0 < 6 ? m - i0 : 6) * d;
                for (size_t f = 0; f < plen; f++) {
                    const size_t o = po0 + f;
                    const int i = (int)(o / (size_t)d), r = (int)(o % (size_t)d);
                    double dh = 0.0;
                    for (int c = 0; c < k; c++)
                        dh = fma(W[c * d + r], gt[c * nb + i], dh);
                    const double g = fma(5e-4, h[o], dh);
                    if (f < plen - plen % 4)
                        lanes[f % 4] = fma(g, g, lanes[f % 4]);
                    else
                        want_acc[f % 4] = fma(g, g, want_acc[f % 4]);
                    epilogue_want(mode, o, g, h, v, want, dm);
                }
            }
            for (int l = 0; l < 4; l++)
                want_acc[l] += lanes[l];
            CHECK(memcmp(out, want, 3 * dm * sizeof(double)) == 0);
            CHECK(memcmp(acc, want_acc, sizeof acc) == 0);
        }
        smm_plan_destroy(&p);
        free(W);
        free(GT);
        free(buf);
    }
    return fails;
}

/* Loss and gradient of the whole objective by the textbook formulas in long double (max taken
 * out of each softmax): the reference for the solver's blocked pass. y: class of each example. */
static void objective_naive(const fixture *f, const int *y, const double *W, const double *H,
                            const double *b, double *loss, double *gW, double *gH, double *gb)
{
    const int k = f->p->k, d = f->p->d, n = (int)f->p->n;
    const loss_vectors *lv = f->lv;
    long double total = 0, *G = calloc((size_t)k * n, sizeof(long double));
    long double *u = calloc((size_t)k, sizeof(long double));
    if (G == NULL || u == NULL)
        abort();
    for (int i = 0; i < n; i++) {
        long double m = -INFINITY, s = 0;
        for (int c = 0; c < k; c++) {
            long double z = b != NULL ? b[c] : 0;
            for (int r = 0; r < d; r++)
                z += (long double)W[r + c * d] * H[r + i * d];
            u[c] = lv->label_temperature ? lv->Delta[y[i]] * z : lv->Delta[c] * z + lv->iota[c];
            m = u[c] > m ? u[c] : m;
        }
        for (int c = 0; c < k; c++)
            s += expl(u[c] - m);
        total += lv->omega[y[i]] * (logl(s) - (u[y[i]] - m));
        for (int c = 0; c < k; c++) {
            const long double sc = lv->label_temperature ? lv->Delta[y[i]] : lv->Delta[c];
            G[c + i * k] = lv->omega[y[i]] * sc * (expl(u[c] - m) / s - (c == y[i])) / n;
        }
    }
    *loss = (double)(total / n);
    for (int r = 0; r < d; r++) {
        for (int c = 0; c < k; c++) {
            long double a = lv->lambda_w * W[r + c * d];
            for (int i = 0; i < n; i++)
                a += H[r + i * d] * G[c + i * k];
            gW[r + c * d] = (double)a;
        }
        for (int i = 0; i < n; i++) {
            long double a = lv->lambda_h * H[r + i * d];
            for (int c = 0; c < k; c++)
                a += W[r + c * d] * G[c + i * k];
            gH[r + i * d] = (double)a;
        }
    }
    for (int c = 0; gb != NULL && c < k; c++) {
        long double a = 0;
        for (int i = 0; i < n; i++)
            a += G[c + i * k];
        gb[c] = (double)a;
    }
    free(G);
    free(u);
}

/* The blocked evaluation (logits, softmax, products and the H gradient walked in blocks of
 * columns, classes spanning blocks, class-major softmax output) against objective_naive, for
 * every loss with bias and ridge on a problem of many blocks; one example is misclassified by
 * about 10^5, far beyond exp's range, which the pass redoes with the maximum taken out. */
static int test_blocked_pass_matches_naive(void)
{
    int fails = 0;
    const int k = 4, d = 64;
    for (int kind = 0; kind < LOSS_KIND_COUNT; kind++) {
        ufm_opts o;
        fixture f;
        ufm_opts_default(&o);
        o.init = UFM_INIT_GAUSS;
        o.init_std = 0.3;
        o.bias = 1;
        if (fixture_make(&f, k, 3, 0.5, 53, d, (loss_kind)kind, 0.7, 1.1, 0.02, &o, 77 + kind) !=
            SWEEP_OK)
            return fixture_free(&f), fails + 1;
        const int n = (int)f.p->n; /* 159 * 2 + 53 * 2 = 424 examples */
        const size_t kd = (size_t)k * d, dn = (size_t)d * n;
        double *x = malloc((kd + dn + k) * sizeof(double)), *g = malloc((kd + dn + k) * sizeof(double));
        double *want = malloc((kd + dn + k) * sizeof(double));
        int *y = malloc((size_t)n * sizeof(int));
        if (!x || !g || !want || !y)
            return fixture_free(&f), fails + 1;
        for (int c = 0, i = 0; c < k; c++)
            for (int t = 0; t < (int)f.p->counts[c]; t++)
                y[i++] = c;
        memcpy(x, ufm_solver_W(f.s), kd * sizeof(double));
        memcpy(x + kd, ufm_solver_H(f.s), dn * sizeof(double));
        for (int c = 0; c < k; c++)
            x[kd + dn + c] = 0.2 * (c - 1.5);
        /* example 7 (class 0) sits far along class 2's classifier */
        for (int r = 0; r < d; r++)
            x[kd + 7 * d + r] = 1e4 * x[r + 2 * d];
        double loss, want_loss;
        CHECK_OK(ufm_solver_eval(f.s, x, x + kd, x + kd + dn, &loss, NULL, g, g + kd, g + kd + dn));
        objective_naive(&f, y, x, x + kd, x + kd + dn, &want_loss, want, want + kd,
                        want + kd + dn);
        double num = 0, den = 0;
        for (size_t i = 0; i < kd + dn + k; i++) {
            num += (g[i] - want[i]) * (g[i] - want[i]);
            den += want[i] * want[i];
        }
        if (!(sqrt(num / den) < 1e-13) || !(fabs(loss / want_loss - 1) < 1e-13))
            fprintf(stderr, "  loss %s: gradient error %.3g, loss %.17g vs %.17g\n",
                    loss_kind_name((loss_kind)kind), sqrt(num / den), loss, want_loss);
        CHECK(want_loss > 10.0); /* the far example dominates: the fallback was exercised */
        CHECK(sqrt(num / den) < 1e-13);
        CHECK_NEAR(loss / want_loss, 1.0, 1e-13);
        free(x);
        free(g);
        free(want);
        free(y);
        fixture_free(&f);
    }
    return fails;
}

/* gd and sgdm (weight decay, bias) on a problem of many blocks: the update of H fused into the
 * evaluation, written to the second buffer and swapped in, against three updates done by hand
 * from ufm_solver_eval's gradient. The third case (sgdm, k d n = 4 x 512 x 8200 > 2^24) is on
 * the OpenBLAS backend: where AVX2 runs, its fused panel kernel. In the fourth (sgdm, n = 246
 * in blocks of 88) the last block ends inside a tile of the small backend's layout, whose
 * padding must stay 0 from step to step although the block's G buffer held the previous
 * block's values there. */
static int test_fused_update_matches_hand(void)
{
    int fails = 0;
    for (int opt = 0; opt < 4; opt++) {
        const int big = opt == 2, k = big ? 4 : 3, d = big ? 512 : 48;
        ufm_opts o;
        fixture f;
        ufm_opts_default(&o);
        o.opt = opt == 0 ? UFM_OPT_GD : UFM_OPT_SGDM;
        o.lr = 0.7;
        o.momentum = 0.8;
        o.wd = 0.01;
        o.bias = 1;
        o.init = UFM_INIT_GAUSS;
        o.init_std = 0.5;
        if (fixture_make(&f, k, big ? 1 : 4, big ? 0.5 : 2.0 / 3.0,
                         big ? 2050 : opt == 3 ? 41 : 40, d, LOSS_VS,
                         0.5, 1.0, 0.0, &o, 5) != SWEEP_OK)
            return fixture_free(&f), fails + 1;
        const size_t n = (size_t)f.p->n, np = (size_t)k * d + (size_t)d * n + k;
        double *x = malloc(np * sizeof(double)), *v = calloc(np, sizeof(double));
        double *g = malloc(np * sizeof(double));
        if (!x || !v || !g)
            return fixture_free(&f), fails + 1;
        memcpy(x, ufm_solver_W(f.s), (size_t)k * d * sizeof(double));
        memcpy(x + (size_t)k * d, ufm_solver_H(f.s), (size_t)d * n * sizeof(double));
        memcpy(x + np - k, ufm_solver_b(f.s), (size_t)k * sizeof(double));
        for (int step = 0; step < 3; step++) {
            CHECK_OK(ufm_solver_eval(f.s, x, x + (size_t)k * d, x + np - k, NULL, NULL, g,
                            g + (size_t)k * d, g + np - k));
            for (size_t i = 0; i < np; i++) {
                const double gi = g[i] + 0.01 * x[i];
                v[i] = opt == 0 ? gi : 0.8 * v[i] + gi;
                x[i] -= 0.7 * v[i];
            }
            CHECK_OK(ufm_solver_step(f.s));
        }
        double err = 0, mag = 0;
        const double *got[3] = {ufm_solver_W(f.s), ufm_solver_H(f.s), ufm_solver_b(f.s)};
        const size_t off[3] = {0, (size_t)k * d, np - k}, len[3] = {(size_t)k * d, (size_t)d * n, (size_t)k};
        for (int p = 0; p < 3; p++)
            for (size_t i = 0; i < len[p]; i++) {
                err = fmax(err, fabs(got[p][i] - x[off[p] + i]));
                mag = fmax(mag, fabs(x[off[p] + i]));
            }
        CHECK(err <= 1e-14 * mag);
        CHECK_EQ_INT(ufm_solver_iter(f.s), 3);
        free(x);
        free(v);
        free(g);
        fixture_free(&f);
    }
    return fails;
}

/* CE gradient of one example by hand: dl/dz = softmax(z) - e_y. */
static void ce_grad_naive(int k, int d, int n, const int *y, const double *W, const double *H,
                          double *gW, double *gH)
{
    double Z[16], G[16];
    for (int i = 0; i < n; i++)
        for (int c = 0; c < k; c++) {
            Z[c + i * k] = 0;
            for (int r = 0; r < d; r++)
                Z[c + i * k] += W[r + c * d] * H[r + i * d];
        }
    for (int i = 0; i < n; i++) {
        double m = Z[i * k], s = 0;
        for (int c = 1; c < k; c++)
            m = Z[c + i * k] > m ? Z[c + i * k] : m;
        for (int c = 0; c < k; c++)
            s += exp(Z[c + i * k] - m);
        for (int c = 0; c < k; c++)
            G[c + i * k] = (exp(Z[c + i * k] - m) / s - (c == y[i])) / n;
    }
    for (int r = 0; r < d; r++) {
        for (int c = 0; c < k; c++) {
            gW[r + c * d] = 0;
            for (int i = 0; i < n; i++)
                gW[r + c * d] += H[r + i * d] * G[c + i * k];
        }
        for (int i = 0; i < n; i++) {
            gH[r + i * d] = 0;
            for (int c = 0; c < k; c++)
                gH[r + i * d] += W[r + c * d] * G[c + i * k];
        }
    }
}

/* sgdm with weight decay and a milestone at iteration 1, against two updates done by hand. */
static int test_sgdm_two_steps(void)
{
    int fails = 0;
    ufm_opts o;
    fixture f;
    ufm_opts_default(&o);
    o.opt = UFM_OPT_SGDM;
    o.lr = 0.5;
    o.momentum = 0.9;
    o.wd = 0.01;
    o.n_milestones = 1;
    o.milestones[0] = 1;
    o.lr_decay = 0.2;
    if (fixture_make(&f, 2, 1, 0.5, 1, 2, LOSS_CE, 0, 0, 0, &o, 7) != SWEEP_OK)
        return fixture_free(&f), fails + 1;
    double W[4] = {0.3, -0.2, 0.1, 0.4}, H[4] = {0.5, 0.1, -0.3, 0.2};
    const int y[2] = {0, 1};
    ufm_solver_set_params(f.s, W, H, NULL);
    double vW[4] = {0}, vH[4] = {0}, gW[4], gH[4]; /* PyTorch: v = g at step 0 */
    for (int step = 0; step < 2; step++) {
        const double lr = step == 0 ? 0.5 : 0.5 * 0.2;
        ce_grad_naive(2, 2, 2, y, W, H, gW, gH);
        for (int i = 0; i < 4; i++) {
            gW[i] += 0.01 * W[i];
            gH[i] += 0.01 * H[i];
            vW[i] = 0.9 * vW[i] + gW[i];
            vH[i] = 0.9 * vH[i] + gH[i];
            W[i] -= lr * vW[i];
            H[i] -= lr * vH[i];
        }
        CHECK_OK(ufm_solver_step(f.s));
        CHECK_NEAR(ufm_solver_lr(f.s, step), lr, 0);
    }
    for (int i = 0; i < 4; i++) {
        CHECK_NEAR(ufm_solver_W(f.s)[i], W[i], 1e-15);
        CHECK_NEAR(ufm_solver_H(f.s)[i], H[i], 1e-15);
    }
    CHECK_EQ_INT(ufm_solver_iter(f.s), 2);
    fixture_free(&f);
    return fails;
}

/* gd with a small step decreases the objective at every step; ngd steps have length lr. */
/* A problem above the small backend's size (OpenBLAS backend): three sgdm steps by the path of
 * AVX2 machines (our fused dH kernel) and by the portable path (OpenBLAS's dH and a separate
 * update pass) agree to rounding; gd and the gradient-only evaluation (ngd) as well. */
static int test_portable_path_matches(void)
{
    int fails = 0;
    const ufm_opt_kind opts[3] = {UFM_OPT_SGDM, UFM_OPT_GD, UFM_OPT_NGD};
    for (int t = 0; t < 3; t++) {
        ufm_opts o;
        ufm_opts_default(&o);
        o.opt = opts[t];
        o.lr = 0.5;
        o.momentum = 0.9;
        o.wd = 5e-4;
        fixture f[2];
        int ok = 1;
        for (int a = 0; a < 2; a++) /* n = 5 (140 + 14) = 770 examples: k d n = 2.5e7 */
            ok &= fixture_make(&f[a], 10, 10, 0.5, 14, 3250, LOSS_CE, 0, 0, 1e-3, &o, 11) ==
                  SWEEP_OK;
        if (!ok) {
            fixture_free(&f[0]), fixture_free(&f[1]);
            return fails + 1;
        }
        ufm_solver_use_portable(f[1].s, 1);
        double first_loss = NAN;
        for (int step = 0; step < 3; step++) {
            CHECK_OK(ufm_solver_step(f[0].s));
            if (step == 0)
                first_loss = ufm_solver_loss(f[0].s);
            CHECK_OK(ufm_solver_step(f[1].s));
            CHECK_NEAR(ufm_solver_loss(f[0].s) / ufm_solver_loss(f[1].s), 1.0, 1e-13);
            CHECK_NEAR(ufm_solver_grad_norm(f[0].s) / ufm_solver_grad_norm(f[1].s), 1.0, 1e-12);
        }
        const size_t dn = (size_t)3250 * 770, kd = (size_t)10 * 3250;
        double dh = 0.0, hn = 0.0, dw = 0.0, wn = 0.0;
        const double *H0 = ufm_solver_H(f[0].s), *H1 = ufm_solver_H(f[1].s);
        const double *W0 = ufm_solver_W(f[0].s), *W1 = ufm_solver_W(f[1].s);
        for (size_t i = 0; i < dn; i++) {
            dh = fmax(dh, fabs(H0[i] - H1[i]));
            hn = fmax(hn, fabs(H0[i]));
        }
        for (size_t i = 0; i < kd; i++) {
            dw = fmax(dw, fabs(W0[i] - W1[i]));
            wn = fmax(wn, fabs(W0[i]));
        }
        CHECK(dh <= 1e-13 * hn && dw <= 1e-13 * wn && hn > 0.0);
        CHECK(ufm_solver_loss(f[0].s) < first_loss); /* the steps did something */
        fprintf(stderr, "  %s: max |H diff| %.2g (|H| %.2g), max |W diff| %.2g (|W| %.2g)\n",
                t == 0 ? "sgdm" : t == 1 ? "gd" : "ngd", dh, hn, dw, wn);
        fixture_free(&f[0]);
        fixture_free(&f[1]);
    }
    return fails;
}

static int test_descent_and_ngd(void)
{
    int fails = 0;
    ufm_opts o;
    fixture f;
    ufm_opts_default(&o);
    o.opt = UFM_OPT_GD;
    o.lr = 0.05;
    if (fixture_make(&f, 5, 4, 0.4, 2, 6, LOSS_VS, 0.5, 1.0, 1e-3, &o, 99) != SWEEP_OK)
        return fixture_free(&f), fails + 1;
    double prev = INFINITY;
    for (int t = 0; t < 50; t++) {
        CHECK_OK(ufm_solver_step(f.s));
        double obj;
        CHECK_OK(ufm_solver_eval(f.s, ufm_solver_W(f.s), ufm_solver_H(f.s), NULL, NULL, &obj, NULL,
                        NULL, NULL));
        CHECK(obj < prev);
        prev = obj;
    }
    fixture_free(&f);

    o.opt = UFM_OPT_NGD;
    o.lr = 0.01;
    if (fixture_make(&f, 5, 4, 0.4, 2, 6, LOSS_CE, 0, 0, 0, &o, 99) != SWEEP_OK)
        return fixture_free(&f), fails + 1;
    const size_t kd = 30, dn = 6 * 28;
    double *x0 = malloc((kd + dn) * sizeof(double));
    if (x0 == NULL)
        return fixture_free(&f), fails + 1;
    memcpy(x0, ufm_solver_W(f.s), kd * sizeof(double));
    memcpy(x0 + kd, ufm_solver_H(f.s), dn * sizeof(double));
    CHECK_OK(ufm_solver_step(f.s));
    double s2 = 0;
    for (size_t i = 0; i < kd; i++)
        s2 += pow(ufm_solver_W(f.s)[i] - x0[i], 2);
    for (size_t i = 0; i < dn; i++)
        s2 += pow(ufm_solver_H(f.s)[i] - x0[kd + i], 2);
    CHECK_NEAR(sqrt(s2), 0.01, 1e-12);
    free(x0);
    fixture_free(&f);
    return fails;
}

/* Same key: bitwise identical; different keys: different. */
static int test_determinism(void)
{
    int fails = 0;
    ufm_opts o;
    ufm_opts_default(&o);
    o.iters = 200;
    o.trace_points = 5;
    fixture a, b, c;
    if (fixture_make(&a, 6, 5, 0.5, 2, 8, LOSS_LDT, 0.3, 0, 0, &o, 555) != SWEEP_OK ||
        fixture_make(&b, 6, 5, 0.5, 2, 8, LOSS_LDT, 0.3, 0, 0, &o, 555) != SWEEP_OK ||
        fixture_make(&c, 6, 5, 0.5, 2, 8, LOSS_LDT, 0.3, 0, 0, &o, 556) != SWEEP_OK) {
        fixture_free(&a);
        fixture_free(&b);
        fixture_free(&c);
        return fails + 1;
    }
    geom_problem *gp = NULL;
    CHECK_OK(geom_problem_from_loss(a.p, a.lv, &gp, NULL));
    ufm_result ra, rb, rc;
    ufm_trace *ta = NULL, *tb = NULL;
    CHECK_OK(ufm_trace_create(5, &ta));
    CHECK_OK(ufm_trace_create(5, &tb));
    CHECK_OK(ufm_solver_solve(a.s, gp, NULL, ta, &ra));
    CHECK_OK(ufm_solver_solve(b.s, gp, NULL, tb, &rb));
    CHECK_OK(ufm_solver_solve(c.s, gp, NULL, NULL, &rc));
    const size_t kd = 48, dn = 8 * 24;
    CHECK(memcmp(ufm_solver_W(a.s), ufm_solver_W(b.s), kd * sizeof(double)) == 0);
    CHECK(memcmp(ufm_solver_H(a.s), ufm_solver_H(b.s), dn * sizeof(double)) == 0);
    CHECK(memcmp(&ra.metrics, &rb.metrics, sizeof ra.metrics) == 0);
    CHECK(memcmp(ta->loss, tb->loss, 5 * sizeof(double)) == 0);
    CHECK(memcmp(ufm_solver_W(a.s), ufm_solver_W(c.s), kd * sizeof(double)) != 0);
    CHECK(ra.loss != rc.loss);
    CHECK_EQ_INT(ra.outcome, UFM_MAX_ITER);
    CHECK_EQ_INT(ra.iters, 200);
    CHECK_EQ_INT(ta->iter[4], 200);
    ufm_trace_destroy(&ta);
    ufm_trace_destroy(&tb);
    geom_problem_destroy(&gp);
    fixture_free(&a);
    fixture_free(&b);
    fixture_free(&c);
    return fails;
}

/* An absurd learning rate diverges: outcome diverged, iteration count finite, no crash. */
static int test_divergence(void)
{
    int fails = 0;
    ufm_opts o;
    fixture f;
    ufm_opts_default(&o);
    o.opt = UFM_OPT_GD;
    o.lr = 1e200;
    o.iters = 100;
    if (fixture_make(&f, 4, 2, 0.5, 1, 4, LOSS_CE, 0, 0, 0, &o, 3) != SWEEP_OK)
        return fixture_free(&f), fails + 1;
    geom_problem *gp = NULL;
    ufm_result r;
    CHECK_OK(geom_problem_from_loss(f.p, f.lv, &gp, NULL));
    CHECK_OK(ufm_solver_solve(f.s, gp, NULL, NULL, &r));
    CHECK_EQ_INT(r.outcome, UFM_DIVERGED);
    CHECK(r.iters >= 1 && r.iters < 100);
    CHECK(!isfinite(r.loss) || !isfinite(r.grad_norm));
    geom_problem_destroy(&gp);
    fixture_free(&f);
    return fails;
}

/* Stop rules: gradient tolerance and loss tolerance end as converged before the budget. */
static int test_stop_rules(void)
{
    int fails = 0;
    ufm_opts o;
    fixture f;
    ufm_opts_default(&o);
    o.iters = 100000;
    o.tol_loss = 0.05;
    if (fixture_make(&f, 4, 2, 0.5, 1, 4, LOSS_CE, 0, 0, 0, &o, 3) != SWEEP_OK)
        return fixture_free(&f), fails + 1;
    geom_problem *gp = NULL;
    ufm_result r;
    CHECK_OK(geom_problem_from_loss(f.p, f.lv, &gp, NULL));
    CHECK_OK(ufm_solver_solve(f.s, gp, NULL, NULL, &r));
    CHECK_EQ_INT(r.outcome, UFM_CONVERGED_LOSS);
    CHECK(r.loss <= 0.05 && r.iters < 100000);
    geom_problem_destroy(&gp);
    fixture_free(&f);

    /* with ridge the objective has a minimizer: the gradient norm goes to 0 */
    o.tol_loss = 0;
    o.tol_grad = 1e-6;
    o.opt = UFM_OPT_GD;
    o.lr = 0.5;
    if (fixture_make(&f, 4, 2, 0.5, 1, 4, LOSS_CE, 0, 0, 0.05, &o, 3) != SWEEP_OK)
        return fixture_free(&f), fails + 1;
    CHECK_OK(geom_problem_from_loss(f.p, f.lv, &gp, NULL));
    CHECK_OK(ufm_solver_solve(f.s, gp, NULL, NULL, &r));
    CHECK_EQ_INT(r.outcome, UFM_CONVERGED_GRAD);
    CHECK(r.grad_norm <= 1e-6);
    geom_problem_destroy(&gp);
    fixture_free(&f);
    return fails;
}

/* Run ngd on (k, R, rho, loss, gamma) and return the trace and final metrics. */
static int run_ngd(int k, double R, double rho, loss_kind kind, double gamma, int64_t iters,
                   double lr, ufm_trace **trace, ufm_result *res)
{
    ufm_opts o;
    fixture f;
    geom_problem *gp = NULL;
    geom_prediction *ref = NULL;
    ufm_opts_default(&o);
    o.opt = UFM_OPT_NGD;
    o.lr = lr;
    o.iters = iters;
    o.trace_points = 8;
    int ret = fixture_make(&f, k, R, rho, 1, k, kind, gamma, 0, 0, &o, 2024);
    if (ret == SWEEP_OK)
        ret = geom_problem_from_loss(f.p, f.lv, &gp, NULL);
    if (ret == SWEEP_OK)
        ret = geom_predict(gp, &ref, NULL);
    if (ret == SWEEP_OK)
        ret = ufm_trace_create(8, trace);
    if (ret == SWEEP_OK)
        ret = ufm_solver_solve(f.s, gp, ref, *trace, res);
    geom_prediction_destroy(&ref);
    geom_problem_destroy(&gp);
    fixture_free(&f);
    return ret;
}

/* Normalized GD approaches the predicted geometry: ETF (balanced CE), SELI (STEP CE) and ETF
 * classifiers (LDT, gamma = 1/2). Bounds were set from runs of this solver with margin. */
static int test_convergence_to_theory(void)
{
    int fails = 0;
    const struct {
        const char *what;
        int k;
        double R, rho;
        loss_kind kind;
        double gamma;
        int64_t iters;
        double bound;
    } cases[] = {
        {"balanced CE -> ETF", 4, 1, 0.5, LOSS_CE, 0, 4000, 0.01},
        {"STEP CE -> SELI", 4, 5, 0.5, LOSS_CE, 0, 8000, 0.01},
        {"LDT 1/2 -> ETF classifiers", 4, 5, 0.5, LOSS_LDT, 0.5, 8000, 0.01},
    };
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        ufm_trace *tr = NULL;
        ufm_result r;
        CHECK_OK(run_ngd(cases[t].k, cases[t].R, cases[t].rho, cases[t].kind, cases[t].gamma,
                         cases[t].iters, 0.2, &tr, &r));
        if (tr == NULL)
            return fails + 1;
        printf("  %s: dist_gw along the trace:", cases[t].what);
        for (int j = 0; j < tr->points; j++)
            printf(" %.3g", tr->metrics[j].dist_gw);
        printf("; final dist_gh %.3g, w_norm_ratio %.4f\n", r.metrics.dist_gh,
               r.metrics.w_norm_ratio);
        CHECK(r.metrics.dist_gw < cases[t].bound);
        CHECK(r.metrics.dist_gh < 2 * cases[t].bound);
        CHECK(tr->metrics[tr->points - 1].dist_gw < 0.5 * tr->metrics[2].dist_gw);
        CHECK_NEAR(r.metrics.train_acc, 1.0, 0);
        if (cases[t].kind == LOSS_LDT) {
            CHECK_NEAR(r.metrics.w_norm_ratio, 1.0, 0.01);
            CHECK_NEAR(r.metrics.w_cos_majmin, -1.0 / 3.0, 0.01);
        }
        ufm_trace_destroy(&tr);
    }
    return fails;
}

static int test_bad_options(void)
{
    int fails = 0;
    const struct {
        const char *field;
        double value;
        const char *msg;
    } cases[] = {
        {"lr", 0.0, "lr = 0"},           {"lr", -1.0, "lr = -1"},
        {"momentum", 1.0, "momentum = 1"}, {"wd", -0.1, "wd = -0.1"},
        {"iters", -5, "iters = -5"},     {"lr_decay", 0.0, "lr_decay = 0"},
        {"tol_grad", -1, "tol_grad = -1"}, {"trace_points", 20, "trace_points = 20 exceeds"},
        {"init_std", 0.0, "gauss:0"},
    };
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        ufm_opts o;
        sweep_errbuf eb;
        sweep_errbuf_clear(&eb);
        ufm_opts_default(&o);
        o.iters = 10;
        const char *fl = cases[t].field;
        if (!strcmp(fl, "lr"))
            o.lr = cases[t].value;
        else if (!strcmp(fl, "momentum"))
            o.momentum = cases[t].value;
        else if (!strcmp(fl, "wd"))
            o.wd = cases[t].value;
        else if (!strcmp(fl, "iters"))
            o.iters = (int64_t)cases[t].value;
        else if (!strcmp(fl, "lr_decay"))
            o.lr_decay = cases[t].value;
        else if (!strcmp(fl, "tol_grad"))
            o.tol_grad = cases[t].value;
        else if (!strcmp(fl, "trace_points"))
            o.trace_points = (int)cases[t].value;
        else if (!strcmp(fl, "init_std")) {
            o.init = UFM_INIT_GAUSS;
            o.init_std = cases[t].value;
        }
        CHECK_ERR(SWEEP_ERR_ARG, ufm_opts_validate(&o, &eb));
        CHECK_CONTAINS(eb.msg, cases[t].msg);
    }
    ufm_opts o;
    sweep_errbuf eb;
    ufm_opts_default(&o);
    o.n_milestones = 2;
    o.milestones[0] = 100;
    o.milestones[1] = 50;
    sweep_errbuf_clear(&eb);
    CHECK_ERR(SWEEP_ERR_ARG, ufm_opts_validate(&o, &eb));
    CHECK_CONTAINS(eb.msg, "milestones must increase");
    o.milestones[1] = 150.5;
    sweep_errbuf_clear(&eb);
    CHECK_ERR(SWEEP_ERR_ARG, ufm_opts_validate(&o, &eb));
    CHECK_CONTAINS(eb.msg, "milestones[1] = 150.5");
    return fails;
}

int main(void)
{
    int passed = 0, failed = 0;
    RUN_TEST(test_philox_kat, passed, failed);
    RUN_TEST(test_trace_schedule, passed, failed);
    RUN_TEST(test_gradient_fd, passed, failed);
    RUN_TEST(test_tiny_loss_accuracy, passed, failed);
    RUN_TEST(test_vexp, passed, failed);
    RUN_TEST(test_softmax_single_overflow, passed, failed);
    RUN_TEST(test_softmax_unsorted_labels, passed, failed);
    RUN_TEST(test_smm_blocks, passed, failed);
    RUN_TEST(test_logits_kernel_exact, passed, failed);
    RUN_TEST(test_grad_w_kernel_exact, passed, failed);
    RUN_TEST(test_grad_h_update_exact, passed, failed);
    RUN_TEST(test_grad_h_panels_exact, passed, failed);
    RUN_TEST(test_portable_path_matches, passed, failed);
    RUN_TEST(test_blocked_pass_matches_naive, passed, failed);
    RUN_TEST(test_fused_update_matches_hand, passed, failed);
    RUN_TEST(test_sgdm_two_steps, passed, failed);
    RUN_TEST(test_descent_and_ngd, passed, failed);
    RUN_TEST(test_determinism, passed, failed);
    RUN_TEST(test_divergence, passed, failed);
    RUN_TEST(test_stop_rules, passed, failed);
    RUN_TEST(test_convergence_to_theory, passed, failed);
    RUN_TEST(test_bad_options, passed, failed);
    return TEST_SUMMARY(passed, failed);
}
