#include "rng.h"

#include <math.h>

#define PHILOX_M0 UINT32_C(0xD2511F53)
#define PHILOX_M1 UINT32_C(0xCD9E8D57)
#define PHILOX_W0 UINT32_C(0x9E3779B9)
#define PHILOX_W1 UINT32_C(0xBB67AE85)

void rng_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        uint64_t p0 = (uint64_t)PHILOX_M0 * c0;
        uint64_t p1 = (uint64_t)PHILOX_M1 * c2;
        uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
        uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

/* Two doubles in [0, 1) with 53 bits each from one Philox block at block index i. */
static void uniform2(uint64_t key, uint32_t stream, uint64_t i, double u[2])
{
    const uint32_t ctr[4] = {(uint32_t)i, (uint32_t)(i >> 32), stream, 0u};
    const uint32_t k[2] = {(uint32_t)key, (uint32_t)(key >> 32)};
    uint32_t o[4];
    rng_philox4x32_10(ctr, k, o);
    const double scale = 1.0 / 9007199254740992.0; /* 2^-53 */
    u[0] = (double)((((uint64_t)o[0] << 32) | o[1]) >> 11) * scale;
    u[1] = (double)((((uint64_t)o[2] << 32) | o[3]) >> 11) * scale;
}

void rng_uniform_fill(uint64_t key, uint32_t stream, double a, double b, double *x, size_t n)
{
    for (size_t i = 0; i < n; i += 2) {
        double u[2];
        uniform2(key, stream, i / 2, u);
        x[i] = a + (b - a) * u[0];
        if (i + 1 < n)
            x[i + 1] = a + (b - a) * u[1];
    }
}

void rng_gauss_fill(uint64_t key, uint32_t stream, double std, double *x, size_t n)
{
    const double two_pi = 6.283185307179586476925286766559;
    for (size_t i = 0; i < n; i += 2) {
        double u[2];
        uniform2(key, stream, i / 2, u);
        double r = sqrt(-2.0 * log1p(-u[0])); /* 1 - u0 in (0, 1]: finite */
        x[i] = std * r * cos(two_pi * u[1]);
        if (i + 1 < n)
            x[i + 1] = std * r * sin(two_pi * u[1]);
    }
}

double rng_uniform_at(uint64_t key, uint32_t stream, double a, double b, size_t i)
{
    double u[2];
    uniform2(key, stream, i / 2, u);
    return a + (b - a) * u[i & 1];
}

double rng_gauss_at(uint64_t key, uint32_t stream, double std, size_t i)
{
    const double two_pi = 6.283185307179586476925286766559;
    double u[2];
    uniform2(key, stream, i / 2, u);
    double r = sqrt(-2.0 * log1p(-u[0]));
    return (i & 1) ? std * r * sin(two_pi * u[1]) : std * r * cos(two_pi * u[1]);
}

uint64_t rng_hash64(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}
