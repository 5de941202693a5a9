#include "vexp.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#endif

/* The method (as in ARM's optimized-routines exp): with m = round(64 x / ln 2) = 64 e + j
 * (0 <= j < 64) and r = x - m ln2/64 (|r| <= ln2/128 plus rounding),
 *     e^x = 2^e 2^(j/64) e^r,  e^r = 1 + r + r^2/2 + r^3/6 + r^4/24 + r^5/120 + O(r^6)
 * (truncation below 4e-17 relative). m comes from the rounding of x 64/ln2 + 1.5*2^52, whose
 * low bits hold m; r from two fused multiply-adds with ln2/64 split in two. vexp_tab[j] holds
 * the bits of 2^(j/64) (correctly rounded) minus j << 46, so that adding m << 46 to it gives the
 * bits of 2^e 2^(j/64): a normal number for every m the clamping to [lo, hi] allows. The result
 * is s + s (r + r^2 q(r)), one final fused multiply-add. */
#define VEXP_N 64
static const double vexp_inv_ln2_n = 92.33248261689366;      /* 64 / ln 2 */
static const double vexp_ln2_n_hi = 0.010830424696249145;    /* ln 2 / 64 rounded */
static const double vexp_ln2_n_lo = 3.623510646634843e-19;   /* ln 2 / 64 - vexp_ln2_n_hi */
static const double vexp_magic = 6755399441055744.0;         /* 1.5 * 2^52 */
static const double vexp_lo = -708.3, vexp_hi = 709.7;       /* e^x normal, finite */
static const double vexp_c3 = 1.0 / 6.0, vexp_c4 = 1.0 / 24.0, vexp_c5 = 1.0 / 120.0;

/* 2^(j/64) - (j << 46) as bits; generated with 80-digit decimal arithmetic */
static const uint64_t vexp_tab[VEXP_N] = {
    UINT64_C(0x3ff0000000000000), UINT64_C(0x3fefec9a3e778061), UINT64_C(0x3fefd9b0d3158574),
    UINT64_C(0x3fefc74518759bc8), UINT64_C(0x3fefb5586cf9890f), UINT64_C(0x3fefa3ec32d3d1a2),
    UINT64_C(0x3fef9301d0125b51), UINT64_C(0x3fef829aaea92de0), UINT64_C(0x3fef72b83c7d517b),
    UINT64_C(0x3fef635beb6fcb75), UINT64_C(0x3fef54873168b9aa), UINT64_C(0x3fef463b88628cd6),
    UINT64_C(0x3fef387a6e756238), UINT64_C(0x3fef2b4565e27cdd), UINT64_C(0x3fef1e9df51fdee1),
    UINT64_C(0x3fef1285a6e4030b), UINT64_C(0x3fef06fe0a31b715), UINT64_C(0x3feefc08b26416ff),
    UINT64_C(0x3feef1a7373aa9cb), UINT64_C(0x3feee7db34e59ff7), UINT64_C(0x3feedea64c123422),
    UINT64_C(0x3feed60a21f72e2a), UINT64_C(0x3feece086061892d), UINT64_C(0x3feec6a2b5c13cd0),
    UINT64_C(0x3feebfdad5362a27), UINT64_C(0x3feeb9b2769d2ca7), UINT64_C(0x3feeb42b569d4f82),
    UINT64_C(0x3feeaf4736b527da), UINT64_C(0x3feeab07dd485429), UINT64_C(0x3feea76f15ad2148),
    UINT64_C(0x3feea47eb03a5585), UINT64_C(0x3feea23882552225), UINT64_C(0x3feea09e667f3bcd),
    UINT64_C(0x3fee9fb23c651a2f), UINT64_C(0x3fee9f75e8ec5f74), UINT64_C(0x3fee9feb564267c9),
    UINT64_C(0x3feea11473eb0187), UINT64_C(0x3feea2f336cf4e62), UINT64_C(0x3feea589994cce13),
    UINT64_C(0x3feea8d99b4492ed), UINT64_C(0x3feeace5422aa0db), UINT64_C(0x3feeb1ae99157736),
    UINT64_C(0x3feeb737b0cdc5e5), UINT64_C(0x3feebd829fde4e50), UINT64_C(0x3feec49182a3f090),
    UINT64_C(0x3feecc667b5de565), UINT64_C(0x3feed503b23e255d), UINT64_C(0x3feede6b5579fdbf),
    UINT64_C(0x3feee89f995ad3ad), UINT64_C(0x3feef3a2b84f15fb), UINT64_C(0x3feeff76f2fb5e47),
    UINT64_C(0x3fef0c1e904bc1d2), UINT64_C(0x3fef199bdd85529c), UINT64_C(0x3fef27f12e57d14b),
    UINT64_C(0x3fef3720dcef9069), UINT64_C(0x3fef472d4a07897c), UINT64_C(0x3fef5818dcfba487),
    UINT64_C(0x3fef69e603db3285), UINT64_C(0x3fef7c97337b9b5f), UINT64_C(0x3fef902ee78b3ff6),
    UINT64_C(0x3fefa4afa2a490da), UINT64_C(0x3fefba1bee615a27), UINT64_C(0x3fefd0765b6e4540),
    UINT64_C(0x3fefe7c1819e90d8),
};

/* One element, the reference for the vector version below: the same operations in the same
 * order (min/max written as the vector instructions define them, NaN taking the second
 * operand's branch), every multiply-add an explicit fma(). */
static inline double vexp_one(double x)
{
    double v = vexp_hi < x ? vexp_hi : x; /* NaN passes through */
    v = vexp_lo > v ? vexp_lo : v;
    const double t = fma(v, vexp_inv_ln2_n, vexp_magic);
    const double mf = t - vexp_magic;
    const double r = fma(-mf, vexp_ln2_n_lo, fma(-mf, vexp_ln2_n_hi, v));
    uint64_t tb;
    memcpy(&tb, &t, sizeof tb);
    const uint64_t sb = vexp_tab[tb & (VEXP_N - 1)] + (tb << 46);
    double s;
    memcpy(&s, &sb, sizeof s);
    const double r2 = r * r;
    const double q = fma(r2, fma(r, vexp_c5, vexp_c4), fma(r, vexp_c3, 0.5));
    const double y = fma(s, fma(r2, q, r), s);
    return x < vexp_lo ? 0.0 : x > vexp_hi ? INFINITY : y;
}

void vexp_inplace_portable(double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = vexp_one(x[i]);
}

/* the softmax row's exponent (vexp.h) */
static inline double row_exponent(const double *z, const double *alpha, double a, double b,
                                  const double *u, size_t i)
{
    if (alpha == NULL && a == 1.0 && b == 0.0)
        return z[i] - u[i];
    return ((alpha != NULL ? alpha[i] : a) * z[i] + b) - u[i];
}

void vexp_row_sum_portable(const double *z, const double *alpha, double a, double b,
                           const double *u, size_t skip_lo, size_t skip_hi, double *out,
                           double *sum, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i >= skip_lo && i < skip_hi) {
            out[i] = 0.0;
            continue;
        }
        out[i] = vexp_one(row_exponent(z, alpha, a, b, u, i));
        sum[i] += out[i];
    }
}

#if defined(__GNUC__) && defined(__x86_64__)
/* e^x for four arguments: vexp_one's operations, lane by lane */
__attribute__((target("avx2,fma"), always_inline)) static inline __m256d vexp4(__m256d x0)
{
    const __m256d hi = _mm256_set1_pd(vexp_hi), lo = _mm256_set1_pd(vexp_lo);
    const __m256d magic = _mm256_set1_pd(vexp_magic);
    const __m256d v = _mm256_max_pd(lo, _mm256_min_pd(hi, x0));
    const __m256d t = _mm256_fmadd_pd(v, _mm256_set1_pd(vexp_inv_ln2_n), magic);
    const __m256d mf = _mm256_sub_pd(t, magic);
    /* fma(-mf, c, a) = fma(mf, -c, a): the product's sign flips exactly */
    const __m256d r =
        _mm256_fmadd_pd(mf, _mm256_set1_pd(-vexp_ln2_n_lo),
                        _mm256_fmadd_pd(mf, _mm256_set1_pd(-vexp_ln2_n_hi), v));
    const __m256i tb = _mm256_castpd_si256(t);
    /* the four table entries by scalar loads (faster than a gather on AMD Zen 2) */
    const __m256i j = _mm256_and_si256(tb, _mm256_set1_epi64x(VEXP_N - 1));
    const __m128i jl = _mm256_castsi256_si128(j), jh = _mm256_extracti128_si256(j, 1);
    const __m256i tab = _mm256_set_epi64x((long long)vexp_tab[_mm_extract_epi64(jh, 1)],
                                          (long long)vexp_tab[_mm_cvtsi128_si64(jh)],
                                          (long long)vexp_tab[_mm_extract_epi64(jl, 1)],
                                          (long long)vexp_tab[_mm_cvtsi128_si64(jl)]);
    const __m256d s = _mm256_castsi256_pd(_mm256_add_epi64(tab, _mm256_slli_epi64(tb, 46)));
    const __m256d r2 = _mm256_mul_pd(r, r);
    const __m256d q =
        _mm256_fmadd_pd(r2, _mm256_fmadd_pd(r, _mm256_set1_pd(vexp_c5), _mm256_set1_pd(vexp_c4)),
                        _mm256_fmadd_pd(r, _mm256_set1_pd(vexp_c3), _mm256_set1_pd(0.5)));
    __m256d y = _mm256_fmadd_pd(s, _mm256_fmadd_pd(r2, q, r), s);
    y = _mm256_andnot_pd(_mm256_cmp_pd(x0, lo, _CMP_LT_OQ), y);
    return _mm256_blendv_pd(y, _mm256_set1_pd(INFINITY), _mm256_cmp_pd(x0, hi, _CMP_GT_OQ));
}

__attribute__((target("avx2,fma"))) static void vexp_avx2_fma(double *x, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        _mm256_storeu_pd(x + i, vexp4(_mm256_loadu_pd(x + i)));
    for (; i < n; i++)
        x[i] = vexp_one(x[i]);
}

/* entries [i0, i1) of the row; form: 0 z - u, 1 a z + b - u, 2 alpha z + b - u (constant at
 * every call site) */
__attribute__((target("avx2,fma"), always_inline)) static inline void
row_sum_range(const double *z, const double *alpha, double a, double b, const double *u,
              double *out, double *sum, size_t i0, size_t i1, int form)
{
    const __m256d av = _mm256_set1_pd(a), bv = _mm256_set1_pd(b);
    size_t i = i0;
    for (; i + 4 <= i1; i += 4) {
        const __m256d zv = _mm256_loadu_pd(z + i), uv = _mm256_loadu_pd(u + i);
        __m256d x;
        if (form == 0)
            x = _mm256_sub_pd(zv, uv);
        else
            x = _mm256_sub_pd(
                _mm256_add_pd(_mm256_mul_pd(form == 1 ? av : _mm256_loadu_pd(alpha + i), zv), bv),
                uv);
        const __m256d e = vexp4(x);
        _mm256_storeu_pd(out + i, e);
        _mm256_storeu_pd(sum + i, _mm256_add_pd(_mm256_loadu_pd(sum + i), e));
    }
    for (; i < i1; i++) {
        out[i] = vexp_one(row_exponent(z, alpha, a, b, u, i));
        sum[i] += out[i];
    }
}

__attribute__((target("avx2,fma"), always_inline)) static inline void
row_sum_form(const double *z, const double *alpha, double a, double b, const double *u,
             size_t skip_lo, size_t skip_hi, double *out, double *sum, size_t n, int form)
{
    const size_t lo = skip_lo < n ? skip_lo : n, hi = skip_hi < n ? skip_hi : n;
    if (lo < hi) {
        row_sum_range(z, alpha, a, b, u, out, sum, 0, lo, form);
        for (size_t i = lo; i < hi; i++)
            out[i] = 0.0;
        row_sum_range(z, alpha, a, b, u, out, sum, hi, n, form);
    } else {
        row_sum_range(z, alpha, a, b, u, out, sum, 0, n, form);
    }
}

__attribute__((target("avx2,fma"))) static void
vexp_row_sum_avx2(const double *z, const double *alpha, double a, double b, const double *u,
                  size_t skip_lo, size_t skip_hi, double *out, double *sum, size_t n)
{
    if (alpha == NULL && a == 1.0 && b == 0.0)
        row_sum_form(z, alpha, a, b, u, skip_lo, skip_hi, out, sum, n, 0);
    else if (alpha == NULL)
        row_sum_form(z, alpha, a, b, u, skip_lo, skip_hi, out, sum, n, 1);
    else
        row_sum_form(z, alpha, a, b, u, skip_lo, skip_hi, out, sum, n, 2);
}
#endif

#if defined(__GNUC__) && defined(__x86_64__)
static int has_avx2_fma(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif

void vexp_row_sum(const double *z, const double *alpha, double a, double b, const double *u,
                  size_t skip_lo, size_t skip_hi, double *out, double *sum, size_t n)
{
#if defined(__GNUC__) && defined(__x86_64__)
    if (has_avx2_fma()) {
        vexp_row_sum_avx2(z, alpha, a, b, u, skip_lo, skip_hi, out, sum, n);
        return;
    }
#endif
    vexp_row_sum_portable(z, alpha, a, b, u, skip_lo, skip_hi, out, sum, n);
}

void vexp_inplace(double *x, size_t n)
{
#if defined(__GNUC__) && defined(__x86_64__)
    if (has_avx2_fma()) {
        vexp_avx2_fma(x, n);
        return;
    }
#endif
    vexp_inplace_portable(x, n);
}
