/* bench_ufm - time per UFM gradient iteration against the FLOP-bound limit.
 *
 * usage: bench_ufm K D N_MIN R ITERS
 * STEP profile (rho = 1/2), CE loss, sgdm (lr 0.1, momentum 0.9, wd 5e-4). Runs seven rounds,
 * each timing the solve loop between two measurements of the single-core DGEMM rate (OpenBLAS,
 * 1000^3, best of three each), and prints one line of key=value pairs:
 *   dgemm_gflops       the best rate of the run (the median of the rounds' rates beside it)
 *   bound_us           the FLOP-bound time per iteration 3 * 2kdn / rate, at the median rate
 *   iter_us            the solve loop's time per iteration: the slope between the fastest run
 *                      of 2 ITERS and the fastest of ITERS iterations (set-up and the final
 *                      metrics cancel); iter_us_median: the median of the rounds' slopes
 *   ratio_to_bound     the median over the rounds of slope / bound, each round's bound from
 *                      its own rate, with the range over the rounds in parentheses;
 *                      dgemm_efficiency is its inverse
 *   products_*_us      the three matrix products alone with each backend, as the solver
 *                      calls them
 * The machine these numbers come from is a shared VM whose speed drifts by 20% within minutes:
 * pairing each round's solver time with the DGEMM rate of the same seconds keeps the drift out
 * of the ratio, and the range shows what remains.
 * Run it with OPENBLAS_NUM_THREADS=1 (bench/run.sh does). Not a test: it asserts nothing. */
#include "loss.h"
#include "profile.h"
#include "smm.h"
#include "ufm.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double dgemm_rate(void)
{
    const int N = 1000;
    double *A = malloc(sizeof(double) * N * N), *B = malloc(sizeof(double) * N * N);
    double *C = malloc(sizeof(double) * N * N);
    for (long i = 0; i < (long)N * N; i++) {
        A[i] = 1.0 / (double)(i + 1);
        B[i] = 1.0 / (double)(i + 2);
    }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1, A, N, B, N, 0, C, N);
    double best = 0;
    for (int r = 0; r < 3; r++) {
        double t0 = now();
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1, A, N, B, N, 0, C, N);
        double rate = 2.0 * N * N * (double)N / (now() - t0);
        best = rate > best ? rate : best;
    }
    free(A);
    free(B);
    free(C);
    return best;
}

/* The three products over all n columns, in the plan's blocks and layout, as the solver calls
 * them. */
static double products_time(int k, int d, int n, smm_backend be, int reps, const char **name)
{
    smm_plan *p = NULL;
    if (smm_plan_create(k, d, n, be, 0, &p) != SWEEP_OK) {
        fprintf(stderr, "bench_ufm: cannot plan the products\n");
        exit(1);
    }
    /* H and dH in the plan's layout (padding 0) on cache lines, as the solver has them */
    const size_t hlen = smm_plan_h_len(p), hbytes = (hlen * sizeof(double) + 63) / 64 * 64;
    double *W = calloc((size_t)k * d, sizeof(double)), *H = aligned_alloc(64, hbytes);
    double *Z = calloc((size_t)k * n, sizeof(double)), *dW = calloc((size_t)k * d, sizeof(double));
    double *dH = aligned_alloc(64, hbytes);
    if (H == NULL || dH == NULL) {
        fprintf(stderr, "bench_ufm: out of memory\n");
        exit(1);
    }
    memset(H, 0, hbytes);
    memset(dH, 0, hbytes);
    *name = smm_plan_backend_name(p);
    const int nb = smm_plan_block(p);
    double *G = calloc((size_t)k * nb, sizeof(double)); /* one block, class-major */
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    double t0 = 0.0;
    for (int r = -1; r < reps; r++) { /* r = -1: warm-up (first touch of the outputs, JIT) */
        if (r == 0)
            t0 = now();
        for (int j0 = 0; j0 < n; j0 += nb) {
            const int m = n - j0 < nb ? n - j0 : nb;
            smm_logits_cols(p, W, H + (size_t)j0 * d, m, Z + j0, (size_t)n);
            smm_grad_w_cols(p, H + (size_t)j0 * d, G, m, dW);
            double *dHb = dH + (size_t)j0 * d;
            if (smm_plan_fuses_grad_h(p)) { /* as the solver: fused, here gradient only */
                const smm_h_epilogue e = {0.0, H + (size_t)j0 * d, dHb, NULL, NULL, NULL,
                                          0.0, 0.0, 0, j0 == 0};
                smm_grad_h_update(p, W, G, m, &e, acc);
            } else {
                smm_grad_h_cols(p, W, G, m, dHb);
            }
        }
    }
    double t = (now() - t0) / reps;
    smm_plan_destroy(&p);
    free(W);
    free(H);
    free(Z);
    free(G);
    free(dW);
    free(dH);
    return t;
}

/* Wall time of ufm_solver_solve with `iters` iterations (no trace; the final metrics included). */
static double solve_time(const profile *p, const loss_vectors *lv, const geom_problem *prob,
                         ufm_opts uo, int64_t iters)
{
    sweep_errbuf eb;
    ufm_solver *s = NULL;
    ufm_result res;
    uo.iters = iters;
    if (ufm_solver_create(p, lv, &uo, 1, &s, &eb) != SWEEP_OK) {
        fprintf(stderr, "bench_ufm: %s\n", eb.msg);
        exit(1);
    }
    double t0 = now();
    if (ufm_solver_solve(s, prob, NULL, NULL, &res) != SWEEP_OK) {
        fprintf(stderr, "bench_ufm: the solve failed\n");
        exit(1);
    }
    double t = now() - t0;
    ufm_solver_destroy(&s);
    return t;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: bench_ufm K D N_MIN R ITERS\n");
        return 1;
    }
    profile_opts po;
    loss_opts lo;
    ufm_opts uo;
    profile *p = NULL;
    loss_vectors *lv = NULL;
    profile_opts_default(&po);
    po.k = atoi(argv[1]);
    po.d = atoi(argv[2]);
    po.n_min = atof(argv[3]);
    po.R = atof(argv[4]);
    const int iters = atoi(argv[5]);
    loss_opts_default(&lo);
    ufm_opts_default(&uo);
    uo.wd = 5e-4;
    uo.iters = iters;
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    if (profile_create(&po, &p, &eb) != SWEEP_OK || loss_vectors_create(&lo, p, &lv, &eb) != SWEEP_OK) {
        fprintf(stderr, "bench_ufm: %s\n", eb.msg);
        return 1;
    }
    const int k = p->k, d = p->d, n = (int)p->n;
    const double flops = 3.0 * 2.0 * k * (double)d * n;
    geom_problem *prob = NULL;
    if (geom_problem_from_loss(p, lv, &prob, &eb) != SWEEP_OK) {
        fprintf(stderr, "bench_ufm: %s\n", eb.msg);
        return 1;
    }
    /* Rounds, each measuring the DGEMM rate right before and right after timing the solve
     * loop: the time per iteration is the slope between a run of 2 iters and one of iters
     * iterations (set-up and the final metrics cancel), the round's rate the best of its four
     * DGEMM runs, and its ratio to the bound their quotient. This machine's speed drifts by
     * 20% within minutes; pairing each solver time with the rate of the same seconds keeps the
     * drift out of the ratio. Printed: the median ratio over the rounds and its range, and
     * beside them the fastest slope and the best rate of the whole run. */
    enum { ROUNDS = 7 };
    double t[ROUNDS], ratio[ROUNDS], rates[ROUNDS], t1 = INFINITY, t2 = INFINITY, rate = 0.0;
    const char *backend = "?";
    for (int r = 0; r < ROUNDS; r++) {
        const double before = dgemm_rate();
        const double a = solve_time(p, lv, prob, uo, 2 * (int64_t)iters);
        const double b = solve_time(p, lv, prob, uo, iters);
        const double after = dgemm_rate();
        rates[r] = before > after ? before : after;
        t[r] = (a - b) / iters;
        ratio[r] = t[r] / (flops / rates[r]);
        t2 = a < t2 ? a : t2;
        t1 = b < t1 ? b : t1;
        rate = rates[r] > rate ? rates[r] : rate;
    }
    const double best = (t2 - t1) / iters;
    qsort(t, ROUNDS, sizeof t[0], cmp);
    qsort(ratio, ROUNDS, sizeof ratio[0], cmp);
    qsort(rates, ROUNDS, sizeof rates[0], cmp);
    const char *n_ob = NULL, *n_x = NULL;
    const int reps = iters > 0 ? iters : 1;
    double t_ob = products_time(k, d, n, SMM_BACKEND_OPENBLAS, reps, &n_ob);
    double t_x = products_time(k, d, n, SMM_BACKEND_SMALL, reps, &n_x);
    double t_auto = products_time(k, d, n, SMM_BACKEND_AUTO, reps, &backend);
    (void)t_auto;
    printf("k=%d d=%d n=%d dgemm_gflops=%.1f(median %.1f) bound_us=%.2f iter_us=%.2f "
           "iter_us_median=%.2f ratio_to_bound=%.2f(%.2f..%.2f) dgemm_efficiency=%.0f%%(%.0f..%.0f%%) "
           "products_openblas_us=%.2f products_small_us=%.2f(%s) backend=%s\n",
           k, d, n, rate / 1e9, rates[ROUNDS / 2] / 1e9, flops / rates[ROUNDS / 2] * 1e6,
           best * 1e6, t[ROUNDS / 2] * 1e6, ratio[ROUNDS / 2], ratio[0], ratio[ROUNDS - 1],
           100.0 / ratio[ROUNDS / 2], 100.0 / ratio[ROUNDS - 1], 100.0 / ratio[0], t_ob * 1e6,
           t_x * 1e6, n_x, backend);
    geom_problem_destroy(&prob);
    loss_vectors_destroy(&lv);
    profile_destroy(&p);
    return 0;
}
