/* design.c - Sobol, Latin hypercube and random designs on the unit cube (design.h). No MPI. */
#include "design.h"

#include "rng.h"

#include <stdlib.h>
#include <string.h>

/* Joe and Kuo, "Constructing Sobol sequences with better two-dimensional projections", SIAM J.
 * Sci. Comput. 30 (2008), file new-joe-kuo-6.21201: for dimensions 2..16 the degree s of the
 * primitive polynomial, its coefficients a (the inner bits) and the initial direction numbers
 * m_1..m_s. Dimension 1 is the van der Corput sequence (every m_k = 1). */
static const struct {
    int s, a;
    unsigned m[6];
} joe_kuo[DESIGN_SOBOL_MAX_DIM - 1] = {
    {1, 0, {1}},                 {2, 1, {1, 3}},              {3, 1, {1, 3, 1}},
    {3, 2, {1, 1, 1}},           {4, 1, {1, 1, 3, 3}},        {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},    {5, 4, {1, 1, 5, 5, 5}},     {5, 7, {1, 1, 7, 11, 19}},
    {5, 11, {1, 1, 5, 1, 1}},    {5, 13, {1, 1, 1, 3, 11}},   {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}}, {6, 13, {1, 1, 1, 15, 21, 21}}, {6, 16, {1, 3, 1, 13, 27, 49}},
};

static const char *const method_names[] = {"sobol", "lhs", "random"};

int design_method_parse(const char *text, design_method *m)
{
    for (int i = 0; i < 3; i++)
        if (strcmp(text, method_names[i]) == 0) {
            *m = (design_method)i;
            return SWEEP_OK;
        }
    return SWEEP_ERR_ARG;
}

const char *design_method_name(design_method m)
{
    return (unsigned)m < 3 ? method_names[m] : "unknown";
}

/* v[32]: the direction numbers of dimension j (0-based) as 32-bit integers, v_k = m_k 2^(32-k) */
static void sobol_directions(int j, uint32_t v[32])
{
    if (j == 0) {
        for (int k = 0; k < 32; k++)
            v[k] = UINT32_C(1) << (31 - k);
        return;
    }
    const int s = joe_kuo[j - 1].s, a = joe_kuo[j - 1].a;
    for (int k = 0; k < s; k++)
        v[k] = (uint32_t)joe_kuo[j - 1].m[k] << (31 - k);
    for (int k = s; k < 32; k++) {
        uint32_t x = v[k - s] ^ (v[k - s] >> s);
        for (int i = 1; i < s; i++)
            if ((a >> (s - 1 - i)) & 1)
                x ^= v[k - i];
        v[k] = x;
    }
}

int design_sobol_raw(int dim, int64_t n, uint32_t *out)
{
    uint32_t v[DESIGN_SOBOL_MAX_DIM][32], x[DESIGN_SOBOL_MAX_DIM];
    if (dim < 1 || dim > DESIGN_SOBOL_MAX_DIM || n < 0 || n > DESIGN_MAX_POINTS)
        return SWEEP_ERR_ARG;
    for (int j = 0; j < dim; j++) {
        sobol_directions(j, v[j]);
        x[j] = 0;
    }
    /* Gray-code order (Antonov and Saleev): point i+1 is point i XOR the direction number of
     * the lowest zero bit of i */
    for (int64_t i = 0; i < n; i++) {
        for (int j = 0; j < dim; j++)
            out[i * dim + j] = x[j];
        int c = 0;
        while (((uint64_t)i >> c) & 1)
            c++;
        for (int j = 0; j < dim; j++)
            x[j] ^= v[j][c];
    }
    return SWEEP_OK;
}

/* Independent streams of one design: the key is the seed mixed with the method, the stream
 * the axis (and a purpose). */
static uint64_t design_key(design_method m, uint64_t seed)
{
    unsigned char bytes[9];
    memcpy(bytes, &seed, 8);
    bytes[8] = (unsigned char)m;
    return rng_hash64(bytes, sizeof bytes, RNG_HASH64_INIT);
}

/* a 32-bit fraction as a double in [0, 1) (exact) */
static double unit_of_u32(uint32_t x)
{
    return (double)x * (1.0 / 4294967296.0);
}

int design_unit_points(design_method m, int dim, int64_t n, uint64_t seed, double *u,
                       sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    uint32_t *raw = NULL;
    int64_t *perm = NULL;
    if (dim < 1 || (m == DESIGN_SOBOL && dim > DESIGN_SOBOL_MAX_DIM) || dim > 64)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "a %s design of %d axes: %s takes 1 to %d axes",
                             design_method_name(m), dim, design_method_name(m),
                             m == DESIGN_SOBOL ? DESIGN_SOBOL_MAX_DIM : 64);
    if (n < 1 || n > DESIGN_MAX_POINTS)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "a design of %lld points: give 1 to %lld",
                             (long long)n, (long long)DESIGN_MAX_POINTS);
    const uint64_t key = design_key(m, seed);
    switch (m) {
    case DESIGN_SOBOL:
        if ((raw = malloc((size_t)n * (size_t)dim * sizeof *raw)) == NULL) {
            ret = SWEEP_ERR_NOMEM;
            goto cleanup;
        }
        if ((ret = design_sobol_raw(dim, n, raw)) != SWEEP_OK)
            goto cleanup;
        for (int j = 0; j < dim; j++) {
            /* the digital shift of axis j: 32 random bits */
            const uint32_t shift = (uint32_t)(rng_uniform_at(key, (uint32_t)j, 0.0, 1.0, 0) *
                                              4294967296.0);
            for (int64_t i = 0; i < n; i++)
                u[i * dim + j] = unit_of_u32(raw[i * dim + j] ^ shift);
        }
        break;
    case DESIGN_LHS:
        if ((perm = malloc((size_t)n * sizeof *perm)) == NULL) {
            ret = SWEEP_ERR_NOMEM;
            goto cleanup;
        }
        for (int j = 0; j < dim; j++) {
            /* Fisher-Yates from stream 2j, the offsets inside the strata from stream 2j+1 */
            for (int64_t i = 0; i < n; i++)
                perm[i] = i;
            for (int64_t i = n - 1; i > 0; i--) {
                int64_t r = (int64_t)(rng_uniform_at(key, (uint32_t)(2 * j), 0.0, 1.0,
                                                     (size_t)i) * (double)(i + 1));
                r = r > i ? i : r;
                const int64_t t = perm[i];
                perm[i] = perm[r];
                perm[r] = t;
            }
            for (int64_t i = 0; i < n; i++) {
                const double off = rng_uniform_at(key, (uint32_t)(2 * j + 1), 0.0, 1.0, (size_t)i);
                double x = ((double)perm[i] + off) / (double)n;
                /* rounding may reach the next stratum's edge at the top: stay inside [0, 1) */
                u[i * dim + j] = x < 1.0 ? x : 0x1.fffffffffffffp-1;
            }
        }
        break;
    case DESIGN_RANDOM:
        for (int j = 0; j < dim; j++)
            for (int64_t i = 0; i < n; i++)
                u[i * dim + j] = rng_uniform_at(key, (uint32_t)j, 0.0, 1.0, (size_t)i);
        break;
    default:
        ret = sweep_err_set(eb, SWEEP_ERR_ARG, "unknown design method %d", (int)m);
    }
cleanup:
    free(raw);
    free(perm);
    return ret;
}
