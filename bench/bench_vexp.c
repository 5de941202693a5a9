/* bench_vexp - the softmax's exponential (src/core/vexp.c) against SLEEF's AVX2 exp.
 *
 * usage: bench_vexp [K N]   (default K = 10, N = 275: the smallest UFM benchmark size)
 * Built only where Debian's libsleef-dev is installed (CMake looks for it; it is not a
 * dependency of ufmsweep). Prints one line of key=value pairs:
 *   ours_ulp, sleef_ulp   worst relative error against expl over 300003 arguments (the whole
 *                         normal range, the softmax's usual [-40, 0], tiny arguments), in
 *                         units of DBL_EPSILON
 *   ours_us, sleef_us     K * N exponentials in place, fastest of 3000 runs
 *   rows_ours_us, rows_sleef_us
 *                         the softmax's row pass over K rows of N (exponent z - u, the
 *                         exponential, the running class sum; each row skips a range of N / K
 *                         entries), fastest of 3000 runs
 * SLEEF is called through its AVX2 entry point (Sleef_expd4_u10avx2, 1.0-ulp bound) exactly as
 * our code would call it; it needs AVX2 and FMA. Not a test: it asserts nothing. */
#include "vexp.h"

#include <float.h>
#include <immintrin.h>
#include <math.h>
#include <sleef.h>
#include <stdint.h>
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

static void sleef_inplace(double *x, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        _mm256_storeu_pd(x + i, Sleef_expd4_u10avx2(_mm256_loadu_pd(x + i)));
    for (; i < n; i++)
        x[i] = exp(x[i]);
}

/* entries [i0, i1) of the row pass with SLEEF: out = e^(z - u), sum += out */
static void sleef_row_range(const double *z, const double *u, double *out, double *sum,
                            size_t i0, size_t i1)
{
    size_t i = i0;
    for (; i + 4 <= i1; i += 4) {
        const __m256d e =
            Sleef_expd4_u10avx2(_mm256_sub_pd(_mm256_loadu_pd(z + i), _mm256_loadu_pd(u + i)));
        _mm256_storeu_pd(out + i, e);
        _mm256_storeu_pd(sum + i, _mm256_add_pd(_mm256_loadu_pd(sum + i), e));
    }
    for (; i < i1; i++) {
        out[i] = exp(z[i] - u[i]);
        sum[i] += out[i];
    }
}

/* vexp_row_sum's contract (form z - u) with SLEEF's exponential */
static void sleef_row_sum(const double *z, const double *u, size_t lo, size_t hi, double *out,
                          double *sum, size_t n)
{
    sleef_row_range(z, u, out, sum, 0, lo);
    for (size_t i = lo; i < hi; i++)
        out[i] = 0.0;
    sleef_row_range(z, u, out, sum, hi, n);
}

/* worst relative error of f's results y against expl over the arguments x, in DBL_EPSILON */
static double worst_ulp(const double *x, const double *y, int n)
{
    double worst = 0.0;
    for (int i = 0; i < n; i++) {
        const long double e = expl((long double)x[i]);
        const double rel = (double)fabsl(((long double)y[i] - e) / e);
        worst = rel > worst ? rel : worst;
    }
    return worst / DBL_EPSILON;
}

int main(int argc, char **argv)
{
    if (argc != 1 && argc != 3) {
        fprintf(stderr, "usage: bench_vexp [K N]\n");
        return 1;
    }
    const int k = argc == 3 ? atoi(argv[1]) : 10, n = argc == 3 ? atoi(argv[2]) : 275;
    if (k < 1 || n < k) {
        fprintf(stderr, "bench_vexp: need K >= 1 and N >= K\n");
        return 1;
    }
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        fprintf(stderr, "bench_vexp: SLEEF's AVX2 entry point needs AVX2 and FMA\n");
        return 1;
    }
    enum { M = 300003 };
    const size_t kn = (size_t)k * (size_t)n;
    double *x = malloc(M * sizeof(double)), *a = malloc(M * sizeof(double));
    double *b = malloc(M * sizeof(double)), *z = malloc(kn * sizeof(double));
    double *y = malloc(kn * sizeof(double)), *out = malloc(kn * sizeof(double));
    double *u = malloc((size_t)n * sizeof(double)), *sum = malloc((size_t)n * sizeof(double));
    if (!x || !a || !b || !z || !y || !out || !u || !sum) {
        fprintf(stderr, "bench_vexp: out of memory\n");
        return 1;
    }
    uint64_t st = 12345;
    for (int i = 0; i < M; i++) { /* the arguments of the unit test of vexp */
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        const double r = (double)(st >> 11) * 0x1.0p-53;
        x[i] = i % 3 == 0 ? -708.0 + 1417.0 * r : i % 3 == 1 ? -40.0 * r : 1e-3 * (r - 0.5);
    }
    memcpy(a, x, M * sizeof(double));
    memcpy(b, x, M * sizeof(double));
    vexp_inplace(a, M);
    sleef_inplace(b, M);
    const double ulp_ours = worst_ulp(x, a, M), ulp_sleef = worst_ulp(x, b, M);
    for (size_t i = 0; i < kn; i++) /* logit gaps of a softmax well into training */
        z[i] = -0.3 * (double)(i % 37);
    for (int i = 0; i < n; i++)
        u[i] = 1.0;
    const size_t skip = (size_t)(n / k);
    double best[4] = {INFINITY, INFINITY, INFINITY, INFINITY};
    for (int rep = 0; rep < 3000; rep++) {
        double t[4], t0;
        memcpy(y, z, kn * sizeof(double));
        t0 = now();
        vexp_inplace(y, kn);
        t[0] = now() - t0;
        memcpy(y, z, kn * sizeof(double));
        t0 = now();
        sleef_inplace(y, kn);
        t[1] = now() - t0;
        memset(sum, 0, (size_t)n * sizeof(double));
        t0 = now();
        for (int c = 0; c < k; c++)
            vexp_row_sum(z + (size_t)c * n, NULL, 1.0, 0.0, u, c * skip, (c + 1) * skip,
                         out + (size_t)c * n, sum, (size_t)n);
        t[2] = now() - t0;
        memset(sum, 0, (size_t)n * sizeof(double));
        t0 = now();
        for (int c = 0; c < k; c++)
            sleef_row_sum(z + (size_t)c * n, u, c * skip, (c + 1) * skip, out + (size_t)c * n,
                          sum, (size_t)n);
        t[3] = now() - t0;
        for (int j = 0; j < 4; j++)
            best[j] = t[j] < best[j] ? t[j] : best[j];
    }
    printf("k=%d n=%d ours_ulp=%.2f sleef_ulp=%.2f ours_us=%.2f sleef_us=%.2f rows_ours_us=%.2f "
           "rows_sleef_us=%.2f\n",
           k, n, ulp_ours, ulp_sleef, best[0] * 1e6, best[1] * 1e6, best[2] * 1e6,
           best[3] * 1e6);
    free(x);
    free(a);
    free(b);
    free(z);
    free(y);
    free(out);
    free(u);
    free(sum);
    return 0;
}
