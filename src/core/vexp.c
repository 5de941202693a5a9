#include "vexp.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* The body, inlined into one generic and one AVX2+FMA function. Every multiply-add of the
 * polynomial is an explicit fma() (correctly rounded, in hardware or in libm), so both versions
 * return bitwise identical results. */
static inline __attribute__((always_inline)) void vexp_body(double *x, size_t n)
{
    const double log2e = 1.4426950408889634074;
    const double ln2_hi = 0.693147180369123816490; /* ln 2 with trailing zero bits */
    const double ln2_lo = 1.90821492927058770002e-10;
    const double magic = 6755399441055744.0; /* 1.5 * 2^52: rounds to an integer */
    const double lo = -708.3, hi = 709.7;
    for (size_t i = 0; i < n; i++) {
        const double x0 = x[i];
        double v = x0 > hi ? hi : x0; /* NaN passes through and propagates to the result */
        v = v < lo ? lo : v;
        const double t = v * log2e + magic;
        const double kf = t - magic; /* nearest integer to v / ln 2 */
        const double r = fma(-kf, ln2_lo, fma(-kf, ln2_hi, v)); /* |r| <= ln2 / 2 */
        /* e^r by Taylor to degree 13 (remainder below 2e-17 for |r| <= 0.3466), evaluated by
         * Estrin's scheme: a short dependency chain, so consecutive vectors overlap */
        const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
        const double p01 = 1.0 + r, p23 = fma(r, 1.0 / 6.0, 0.5);
        const double p45 = fma(r, 1.0 / 120.0, 1.0 / 24.0);
        const double p67 = fma(r, 1.0 / 5040.0, 1.0 / 720.0);
        const double p89 = fma(r, 1.0 / 362880.0, 1.0 / 40320.0);
        const double p1011 = fma(r, 1.0 / 39916800.0, 1.0 / 3628800.0);
        const double p1213 = fma(r, 1.0 / 6227020800.0, 1.0 / 479001600.0);
        const double q0 = fma(r2, p23, p01), q1 = fma(r2, p67, p45), q2 = fma(r2, p1011, p89);
        const double p = fma(r8, fma(r4, p1213, q2), fma(r4, q1, q0));
        /* 2^k from the integer in t's low mantissa bits: (k + 1023) << 52 */
        uint64_t bits;
        memcpy(&bits, &t, sizeof bits);
        bits = (bits << 52) + (UINT64_C(1023) << 52);
        double scale;
        memcpy(&scale, &bits, sizeof scale);
        const double e = p * scale;
        x[i] = x0 < lo ? 0.0 : e;
    }
}

static void vexp_generic(double *x, size_t n)
{
    vexp_body(x, n);
}

#if defined(__GNUC__) && defined(__x86_64__)
__attribute__((target("avx2,fma"))) static void vexp_avx2_fma(double *x, size_t n)
{
    vexp_body(x, n);
}
#endif

void vexp_inplace(double *x, size_t n)
{
#if defined(__GNUC__) && defined(__x86_64__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        vexp_avx2_fma(x, n);
        return;
    }
#endif
    vexp_generic(x, n);
}
