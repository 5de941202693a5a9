#include "smm.h"

#include "sweep_err.h"

#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#endif

/* The small-problem kernels up to k*d*n = 2^24; beyond, OpenBLAS's blocked kernels win (they
 * pack for the caches). Measured here with libxsmm's kernels, which ours beat and replaced
 * (three products, one core): faster at 55e3 (2x), 3.2e6 (1.3x) and 1.0e7 (1.07x), slower at
 * 2.6e7 (0.94x), 6.4e7 (0.72x) and 1.0e9 (0.48x); docs/PERFORMANCE.md. */
#define SMM_SMALL_MAX_MNK 16777216.0

/* Block working sets (docs/PERFORMANCE.md): the small-problem kernels walk blocks of about
 * SMM_SMALL_BLOCK_BYTES of H (one block of H, its gradient, momentum and next iterate then stay
 * in L1/L2); OpenBLAS needs wide blocks to keep its packing amortized. */
#define SMM_SMALL_BLOCK_BYTES 32768.0
#define SMM_BLAS_BLOCK_COLS 512

#define SMM_TILE SMM_TILE_COLS /* examples per tile of the small backend's layout */

/* The small backend's layout (smm.h): H-like arrays in tiles of SMM_TILE = 8 examples, entry
 * (r, i) at tile_offset(d, r, i), the columns padded with zeros to a multiple of 8. A tile is
 * one row of 8 examples per feature, what the kernels below load as two vectors: the logits
 * and dH run along the examples without any transposing. */
static inline size_t tile_offset(int d, int r, int i)
{
    return (size_t)(i / SMM_TILE) * SMM_TILE * (size_t)d + (size_t)SMM_TILE * (size_t)r +
           (size_t)(i % SMM_TILE);
}

static inline int round_tile(int n)
{
    return (n + SMM_TILE - 1) / SMM_TILE * SMM_TILE;
}


struct smm_plan {
    int k, d, n, nb;
    int small;             /* 1: the small-problem kernels (ours) */
    int portable;          /* 1: our kernels' portable versions even where AVX2 runs (tests) */
    double *zpart;         /* [SMM_TILE*k] the small logits kernel's scratch: a short tile's
                            * logits */
    /* the OpenBLAS backend's fused H-gradient kernel (smm_grad_h_update on AVX2): W packed in
     * panels of 8 rows, a block's GT packed in panels of 6 columns, two panels of dH */
    double *wp;            /* [ceil(d/8)*8*k] */
    double *gp;            /* [ceil(nb/6)*6*k] */
    double *dpanel;        /* [2*6*d] */
    double *zex;           /* [k*nb] the OpenBLAS backend's logits, example-major */
};

/* rows of W per packed panel (two vectors) and columns of dH per tile of the panel kernel */
#define SMM_PANEL_ROWS 8
#define SMM_PANEL_COLS 6

static int resolve_small(int k, int d, int n, smm_backend backend)
{
    const double mnk = (double)k * (double)d * (double)n;
    return backend == SMM_BACKEND_SMALL ||
           (backend == SMM_BACKEND_AUTO && mnk <= SMM_SMALL_MAX_MNK);
}

/* The default block width for (k, d, n) and backend (AUTO resolved by the size rule): blocks
 * of about SMM_SMALL_BLOCK_BYTES of H for the small-problem kernels, SMM_BLAS_BLOCK_COLS columns
 * for OpenBLAS; the n examples split into blocks of equal width up to the remainder. */
static int default_block(int k, int d, int n, smm_backend backend)
{
    int target;
    if (resolve_small(k, d, n, backend)) {
        target = (int)(SMM_SMALL_BLOCK_BYTES / (8.0 * (double)d));
        target = target < 8 ? 8 : target;
    } else {
        target = SMM_BLAS_BLOCK_COLS;
    }
    if (target >= n)
        return n;
    const int blocks = (n + target - 1) / target;
    return (n + blocks - 1) / blocks; /* equal widths, the last block at most as wide */
}

int smm_plan_create(int k, int d, int n, smm_backend backend, int nb, smm_plan **out)
{
    if (k < 1 || d < 1 || n < 1 || nb < 0)
        return SWEEP_ERR_ARG;
    smm_plan *p = calloc(1, sizeof *p);
    if (p == NULL)
        return SWEEP_ERR_NOMEM;
    p->k = k;
    p->d = d;
    p->n = n;
    p->nb = nb > 0 ? (nb < n ? nb : n) : default_block(k, d, n, backend);
    if (resolve_small(k, d, n, backend)) {
        p->nb = round_tile(p->nb); /* whole tiles: a block starts at offset j0 d in both layouts */
        p->zpart = malloc((size_t)SMM_TILE * k * sizeof(double));
        if (p->zpart == NULL) {
            free(p);
            return SWEEP_ERR_NOMEM;
        }
        p->small = 1;
    } else {
        const size_t rows = (size_t)(d + SMM_PANEL_ROWS - 1) / SMM_PANEL_ROWS * SMM_PANEL_ROWS;
        const size_t cols =
            (size_t)(p->nb + SMM_PANEL_COLS - 1) / SMM_PANEL_COLS * SMM_PANEL_COLS;
        p->wp = aligned_alloc(32, rows * (size_t)k * sizeof(double));
        p->gp = aligned_alloc(32, (cols * (size_t)k * sizeof(double) + 31) / 32 * 32);
        p->dpanel = aligned_alloc(32, 2 * SMM_PANEL_COLS * (size_t)d * sizeof(double));
        p->zex = malloc((size_t)k * p->nb * sizeof(double));
        if (p->wp == NULL || p->gp == NULL || p->dpanel == NULL || p->zex == NULL) {
            smm_plan_destroy(&p);
            return SWEEP_ERR_NOMEM;
        }
    }
    *out = p;
    return SWEEP_OK;
}

void smm_plan_destroy(smm_plan **pp)
{
    if (pp == NULL || *pp == NULL)
        return;
    free((*pp)->zpart);
    free((*pp)->wp);
    free((*pp)->gp);
    free((*pp)->dpanel);
    free((*pp)->zex);
    free(*pp);
    *pp = NULL;
}

void smm_plan_use_portable(smm_plan *p, int on)
{
    p->portable = on != 0;
}

/* 1 where our AVX2+FMA kernel versions run */
static int use_avx2(const smm_plan *p)
{
#if defined(__GNUC__) && defined(__x86_64__)
    return !p->portable && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    (void)p;
    return 0;
#endif
}

const char *smm_plan_backend_name(const smm_plan *p)
{
    return p->small ? "small" : "openblas";
}

int smm_plan_block(const smm_plan *p)
{
    return p->nb;
}

int smm_plan_tiled(const smm_plan *p)
{
    return p->small;
}

size_t smm_plan_h_len(const smm_plan *p)
{
    return (size_t)p->d * (size_t)(p->small ? round_tile(p->n) : p->n);
}

void smm_h_to_plan(const smm_plan *p, const double *H, double *Hp)
{
    const int d = p->d;
    if (!p->small) {
        memcpy(Hp, H, (size_t)d * (size_t)p->n * sizeof(double));
        return;
    }
    memset(Hp, 0, smm_plan_h_len(p) * sizeof(double));
    for (int i = 0; i < p->n; i++)
        for (int r = 0; r < d; r++)
            Hp[tile_offset(d, r, i)] = H[(size_t)i * d + (size_t)r];
}

void smm_h_from_plan(const smm_plan *p, const double *Hp, double *H)
{
    const int d = p->d;
    if (!p->small) {
        memcpy(H, Hp, (size_t)d * (size_t)p->n * sizeof(double));
        return;
    }
    for (int i = 0; i < p->n; i++)
        for (int r = 0; r < d; r++)
            H[(size_t)i * d + (size_t)r] = Hp[tile_offset(d, r, i)];
}

/* The logits kernel of the small-problem backend. Every logit is one chain of fused
 * multiply-adds in the order of the features, z(c, i) = fma(W[d-1,c], H[d-1,i], ... fma(W[0,c],
 * H[0,i], 0)), in both versions below: their results are bitwise identical (and independent of
 * how the columns are tiled). The AVX2 version takes a tile of 8 examples (two vectors per
 * feature) and accumulates classes in groups of SMM_GROUP = 5 (10 accumulators: 2 loads per 10
 * fused multiply-adds next to the 5 broadcasts of W), writing Z class-major. */
#define SMM_GROUP 5

static void logits_portable(int k, int d, int m, const double *W, const double *Hb, double *Zt,
                            size_t ldz)
{
    for (int i = 0; i < m; i++)
        for (int c = 0; c < k; c++) {
            const double *w = W + (size_t)c * d;
            double z = 0.0;
            for (int r = 0; r < d; r++)
                z = fma(w[r], Hb[tile_offset(d, r, i)], z);
            Zt[(size_t)c * ldz + (size_t)i] = z;
        }
}

#if defined(__GNUC__) && defined(__x86_64__)
/* g (<= SMM_GROUP) classes starting at w for the 8 examples of the tile T, stored at z (row q
 * of the group at z + q ldz). g is a constant at every call site: the loops unroll and the
 * accumulators stay in registers (a partial store here, even one never taken, made the
 * compiler keep them in memory: 2.3x slower). */
__attribute__((target("avx2,fma"), always_inline)) static inline void
logits_tile_group(const double *T, const double *w, int d, int g, double *z, size_t ldz)
{
    __m256d a[SMM_GROUP], b[SMM_GROUP];
    for (int q = 0; q < g; q++)
        a[q] = b[q] = _mm256_setzero_pd();
    for (int r = 0; r < d; r++) {
        const __m256d t0 = _mm256_loadu_pd(T + 8 * r), t1 = _mm256_loadu_pd(T + 8 * r + 4);
        for (int q = 0; q < g; q++) {
            const __m256d wv = _mm256_broadcast_sd(w + (size_t)q * d + r);
            a[q] = _mm256_fmadd_pd(t0, wv, a[q]);
            b[q] = _mm256_fmadd_pd(t1, wv, b[q]);
        }
    }
    for (int q = 0; q < g; q++) {
        _mm256_storeu_pd(z + (size_t)q * ldz, a[q]);
        _mm256_storeu_pd(z + (size_t)q * ldz + 4, b[q]);
    }
}

/* Zpart: k * SMM_TILE doubles of scratch for a short last tile's logits (its padding columns
 * are computed, not stored). */
__attribute__((target("avx2,fma"))) static void logits_avx2(int k, int d, int m, const double *W,
                                                             const double *Hb, double *Zt,
                                                             size_t ldz, double *Zpart)
{
    for (int i = 0; i < m; i += SMM_TILE) {
        const double *T = Hb + (size_t)i * d; /* the tile of columns i .. i + 7 */
        const int valid = m - i < SMM_TILE ? m - i : SMM_TILE;
        double *z = valid == SMM_TILE ? Zt + i : Zpart;
        const size_t ld = valid == SMM_TILE ? ldz : SMM_TILE;
        int c = 0;
        for (; c + SMM_GROUP <= k; c += SMM_GROUP)
            logits_tile_group(T, W + (size_t)c * d, d, SMM_GROUP, z + (size_t)c * ld, ld);
        const double *w = W + (size_t)c * d;
        switch (k - c) { /* constant group sizes: see logits_tile_group */
        case 4: logits_tile_group(T, w, d, 4, z + (size_t)c * ld, ld); break;
        case 3: logits_tile_group(T, w, d, 3, z + (size_t)c * ld, ld); break;
        case 2: logits_tile_group(T, w, d, 2, z + (size_t)c * ld, ld); break;
        case 1: logits_tile_group(T, w, d, 1, z + (size_t)c * ld, ld); break;
        default: break;
        }
        if (valid < SMM_TILE)
            for (int cc = 0; cc < k; cc++)
                for (int q = 0; q < valid; q++)
                    Zt[(size_t)cc * ldz + (size_t)(i + q)] = Zpart[cc * SMM_TILE + q];
    }
}
#endif

#if defined(__GNUC__) && defined(__x86_64__)
/* Z (k x m, example-major: Z[i k + c]) into Zt (class-major: Zt[c ldz + i]), 4 x 4 at a time */
__attribute__((target("avx2"))) static void transpose_avx2(int k, int m, const double *Z,
                                                           double *Zt, size_t ldz)
{
    const size_t kk = (size_t)k;
    int c = 0;
    for (; c + 4 <= k; c += 4) {
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            const double *z = Z + (size_t)i * kk + (size_t)c;
            const __m256d a0 = _mm256_loadu_pd(z), a1 = _mm256_loadu_pd(z + kk);
            const __m256d a2 = _mm256_loadu_pd(z + 2 * kk), a3 = _mm256_loadu_pd(z + 3 * kk);
            const __m256d t0 = _mm256_unpacklo_pd(a0, a1), t1 = _mm256_unpackhi_pd(a0, a1);
            const __m256d t2 = _mm256_unpacklo_pd(a2, a3), t3 = _mm256_unpackhi_pd(a2, a3);
            double *out = Zt + (size_t)c * ldz + (size_t)i;
            _mm256_storeu_pd(out, _mm256_permute2f128_pd(t0, t2, 0x20));
            _mm256_storeu_pd(out + ldz, _mm256_permute2f128_pd(t1, t3, 0x20));
            _mm256_storeu_pd(out + 2 * ldz, _mm256_permute2f128_pd(t0, t2, 0x31));
            _mm256_storeu_pd(out + 3 * ldz, _mm256_permute2f128_pd(t1, t3, 0x31));
        }
        for (; i < m; i++)
            for (int l = 0; l < 4; l++)
                Zt[(size_t)(c + l) * ldz + (size_t)i] = Z[(size_t)i * kk + (size_t)(c + l)];
    }
    for (; c < k; c++)
        for (int i = 0; i < m; i++)
            Zt[(size_t)c * ldz + (size_t)i] = Z[(size_t)i * kk + (size_t)c];
}
#endif

void smm_logits_cols(smm_plan *p, const double *W, const double *Hb, int m, double *Zt,
                     size_t ldz)
{
    if (p->small) {
#if defined(__GNUC__) && defined(__x86_64__)
        if (use_avx2(p)) {
            logits_avx2(p->k, p->d, m, W, Hb, Zt, ldz, p->zpart);
            return;
        }
#endif
        logits_portable(p->k, p->d, m, W, Hb, Zt, ldz);
        return;
    }
    /* Z_b = W^T H_b example-major, then transposed: OpenBLAS runs this shape 5-20% faster
     * than writing Z_b^T directly (docs/PERFORMANCE.md) */
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, p->k, m, p->d, 1.0, W, p->d, Hb, p->d,
                0.0, p->zex, p->k);
#if defined(__GNUC__) && defined(__x86_64__)
    if (use_avx2(p)) {
        transpose_avx2(p->k, m, p->zex, Zt, ldz);
        return;
    }
#endif
    for (int c = 0; c < p->k; c++)
        for (int i = 0; i < m; i++)
            Zt[(size_t)c * ldz + (size_t)i] = p->zex[(size_t)i * p->k + (size_t)c];
}

/* The W-gradient kernel of the small backend: dW(r, c) += (a_0 + a_1) + (a_2 + a_3), where a_l
 * is one chain of fused multiply-adds over the block's examples i = l mod 4 in order, from 0,
 * fma(H[r,i], GT[i,c], a_l), over the padded width (a multiple of 4 examples: the padding is 0
 * in H and must be 0 in GT), in both versions below (bitwise identical). The AVX2 version holds
 * the four chains of 4 rows x 3 classes in 12 vector accumulators (lane l: chain a_l) while it
 * walks the tiles, 7 loads per 12 fused multiply-adds; the four lanes are then added pairwise. */
#define SMM_GRAD_W_CLASSES 3

static void grad_w_portable(const smm_plan *p, const double *Hb, const double *GTb, int m,
                            double *dW)
{
    const int d = p->d, m8 = round_tile(m);
    for (int c = 0; c < p->k; c++)
        for (int r = 0; r < d; r++) {
            double a[4] = {0.0, 0.0, 0.0, 0.0};
            for (int i = 0; i < m8; i++)
                a[i % 4] = fma(Hb[tile_offset(d, r, i)], GTb[(size_t)c * p->nb + i], a[i % 4]);
            dW[(size_t)c * d + r] += (a[0] + a[1]) + (a[2] + a[3]);
        }
}

#if defined(__GNUC__) && defined(__x86_64__)
/* rows r0 .. r0 + R - 1 (R <= 4) of classes c0 .. c0 + C - 1 (C <= SMM_GRAD_W_CLASSES); R and C
 * constant at every call site */
__attribute__((target("avx2,fma"), always_inline)) static inline void
grad_w_tile_rows(int d, int nb, int m8, const double *restrict Hb, const double *restrict GTb,
                 double *restrict dW, int r0, int c0, int R, int C)
{
    __m256d a[SMM_GRAD_W_CLASSES][4];
    for (int q = 0; q < C; q++)
        for (int j = 0; j < R; j++)
            a[q][j] = _mm256_setzero_pd();
    for (int i = 0; i < m8; i += SMM_TILE) {
        const double *T = Hb + (size_t)i * d + (size_t)SMM_TILE * r0;
        for (int half = 0; half < 2; half++) {
            __m256d h[4];
            for (int j = 0; j < R; j++)
                h[j] = _mm256_loadu_pd(T + SMM_TILE * j + 4 * half);
            for (int q = 0; q < C; q++) {
                const __m256d g = _mm256_loadu_pd(GTb + (size_t)(c0 + q) * nb + i + 4 * half);
                for (int j = 0; j < R; j++)
                    a[q][j] = _mm256_fmadd_pd(h[j], g, a[q][j]);
            }
        }
    }
    for (int q = 0; q < C; q++) {
        double *w = dW + (size_t)(c0 + q) * d + r0;
        if (R == 4) { /* hadd: (l0 + l1, ., l2 + l3, .) of two rows; then the halves added */
            const __m256d x = _mm256_hadd_pd(a[q][0], a[q][1]);
            const __m256d y = _mm256_hadd_pd(a[q][2], a[q][3]);
            const __m256d s = _mm256_add_pd(_mm256_permute2f128_pd(x, y, 0x20),
                                            _mm256_permute2f128_pd(x, y, 0x31));
            _mm256_storeu_pd(w, _mm256_add_pd(_mm256_loadu_pd(w), s));
        } else {
            for (int j = 0; j < R; j++) {
                double l[4];
                _mm256_storeu_pd(l, a[q][j]);
                w[j] += (l[0] + l[1]) + (l[2] + l[3]);
            }
        }
    }
}

/* rows r0 .. r0 + R - 1 of every class: classes in groups of SMM_GRAD_W_CLASSES, the rest in
 * one call (constant sizes) */
__attribute__((target("avx2,fma"), always_inline)) static inline void
grad_w_rows(const smm_plan *p, int m8, const double *Hb, const double *GTb, double *dW, int r0,
            int R)
{
    const int k = p->k, d = p->d, nb = p->nb;
    int c0 = 0;
    for (; c0 + SMM_GRAD_W_CLASSES <= k; c0 += SMM_GRAD_W_CLASSES)
        grad_w_tile_rows(d, nb, m8, Hb, GTb, dW, r0, c0, R, SMM_GRAD_W_CLASSES);
    switch (k - c0) {
    case 2: grad_w_tile_rows(d, nb, m8, Hb, GTb, dW, r0, c0, R, 2); break;
    case 1: grad_w_tile_rows(d, nb, m8, Hb, GTb, dW, r0, c0, R, 1); break;
    default: break;
    }
}

__attribute__((target("avx2,fma"))) static void grad_w_avx2(const smm_plan *p, const double *Hb,
                                                            const double *GTb, int m,
                                                            double *dW)
{
    const int d = p->d, d4 = d - d % 4, m8 = round_tile(m);
    for (int r0 = 0; r0 < d4; r0 += 4)
        grad_w_rows(p, m8, Hb, GTb, dW, r0, 4);
    switch (d - d4) { /* the last d mod 4 rows: constant row counts */
    case 3: grad_w_rows(p, m8, Hb, GTb, dW, d4, 3); break;
    case 2: grad_w_rows(p, m8, Hb, GTb, dW, d4, 2); break;
    case 1: grad_w_rows(p, m8, Hb, GTb, dW, d4, 1); break;
    default: break;
    }
}
#endif

void smm_grad_w_cols(smm_plan *p, const double *Hb, const double *GTb, int m, double *dW)
{
    if (p->small) {
#if defined(__GNUC__) && defined(__x86_64__)
        if (use_avx2(p)) {
            grad_w_avx2(p, Hb, GTb, m, dW);
            return;
        }
#endif
        grad_w_portable(p, Hb, GTb, m, dW);
        return;
    }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, p->d, p->k, m, 1.0, Hb, p->d, GTb,
                p->nb, 1.0, dW, p->d);
}

/* dH entry (r, i): one chain of fused multiply-adds over the classes in order */
static inline double grad_h_entry(const smm_plan *p, const double *W, const double *GTb, int r,
                                  int i)
{
    double dh = 0.0;
    for (int c = 0; c < p->k; c++)
        dh = fma(W[(size_t)c * p->d + r], GTb[(size_t)c * p->nb + i], dh);
    return dh;
}

void smm_grad_h_cols(smm_plan *p, const double *W, const double *GTb, int m, double *dHb)
{
    if (p->small) { /* the plan's layout, its padding columns set to 0 */
        const int m8 = round_tile(m);
        for (int i = 0; i < m8; i++)
            for (int r = 0; r < p->d; r++)
                dHb[tile_offset(p->d, r, i)] = i < m ? grad_h_entry(p, W, GTb, r, i) : 0.0;
        return;
    }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, p->d, m, p->k, 1.0, W, p->d, GTb, p->nb,
                0.0, dHb, p->d);
}

/* The fused H-gradient product of the small backend (smm.h: smm_h_epilogue), in its tiled
 * layout. Both versions walk the tiles, in each tile the rows in ceil(d / 6) chunks of as equal
 * sizes as possible (chunk_rows: at most SMM_GRAD_H_ROWS = 6; d = 20 gives 4 chunks of 5, whose
 * 10 accumulators run 5% faster than 6 + 6 + 6 + 2) and in each chunk the tile's two halves of
 * 4 examples; a half's
 * squares are summed apart per lane (t = fma(g, g, t) from 0, the chunk's rows in order), then
 * added to slot 4 half + lane. Every dH entry is the chain over the classes in order
 * (grad_h_entry). Their results are bitwise identical. */
#define SMM_GRAD_H_ROWS 6

/* the rows of chunk j of the d rows in ceil(d / 6) chunks: the first d mod chunks have one
 * more */
static inline int chunk_rows(int d, int j)
{
    const int chunks = (d + SMM_GRAD_H_ROWS - 1) / SMM_GRAD_H_ROWS;
    return d / chunks + (j < d % chunks);
}

/* the epilogue of one entry: the same operations as the vector code; returns t + g^2 */
static inline double epilogue_one(const smm_h_epilogue *e, size_t o, double dh, double t)
{
    const double g = fma(e->c, e->h[o], dh);
    if (e->mode == 0) {
        e->g_out[o] = g;
    } else if (e->mode == 1) {
        e->hn[o] = fma(-e->lr, g, e->h[o]);
    } else {
        const double v = fma(e->mu, e->v[o], g);
        e->vn[o] = v;
        e->hn[o] = fma(-e->lr, v, e->h[o]);
    }
    return fma(g, g, t);
}

static void grad_h_update_portable(const smm_plan *p, const double *W, const double *GTb, int m,
                                   const smm_h_epilogue *e, double *acc)
{
    const int d = p->d, m8 = round_tile(m);
    for (int i0 = 0; i0 < m8; i0 += SMM_TILE)
        for (int j = 0, r0 = 0, r1; r0 < d; j++, r0 = r1) {
            r1 = r0 + chunk_rows(d, j);
            for (int half = 0; half < 2; half++) {
                double t[4] = {0.0, 0.0, 0.0, 0.0};
                for (int r = r0; r < r1; r++)
                    for (int l = 0; l < 4; l++) {
                        const int i = i0 + 4 * half + l;
                        t[l] = epilogue_one(e, tile_offset(d, r, i),
                                            grad_h_entry(p, W, GTb, r, i), t[l]);
                    }
                for (int l = 0; l < 4; l++)
                    acc[4 * half + l] += t[l];
            }
        }
}

#if defined(__GNUC__) && defined(__x86_64__)

/* The epilogue's coefficients broadcast once and its arrays as restrict pointers (through a
 * pointer to the caller's struct, every store would force a reload of every field). */
typedef struct epilogue_avx2 {
    __m256d c, lr, mu;
    const double *restrict h, *restrict v;
    double *restrict g_out, *restrict hn, *restrict vn;
} epilogue_avx2;

/* the epilogue of 4 rows; returns t + g^2. mode: a constant at every call site */
__attribute__((target("avx2,fma"), always_inline)) static inline __m256d
epilogue_vec(const epilogue_avx2 *e, int mode, size_t o, __m256d dh, __m256d t)
{
    const __m256d h = _mm256_loadu_pd(e->h + o);
    const __m256d g = _mm256_fmadd_pd(e->c, h, dh);
    if (mode == 0) {
        _mm256_storeu_pd(e->g_out + o, g);
    } else if (mode == 1) {
        _mm256_storeu_pd(e->hn + o, _mm256_fnmadd_pd(e->lr, g, h));
    } else {
        const __m256d v = _mm256_fmadd_pd(e->mu, _mm256_loadu_pd(e->v + o), g);
        _mm256_storeu_pd(e->vn + o, v);
        _mm256_storeu_pd(e->hn + o, _mm256_fnmadd_pd(e->lr, v, h));
    }
    return _mm256_fmadd_pd(g, g, t);
}

/* rows r0 .. r0 + R - 1 of the tile at column i0: R and mode are constants at every call site,
 * so the accumulators (two halves of 4 examples per row) stay in registers */
__attribute__((target("avx2,fma"), always_inline)) static inline void
grad_h_tile_rows(int k, int d, int nb, const double *restrict W, const double *restrict GTb,
                 int i0, int R, int r0, const epilogue_avx2 *e, int mode, __m256d *acc0,
                 __m256d *acc1)
{
    __m256d a[SMM_GRAD_H_ROWS], b[SMM_GRAD_H_ROWS];
    for (int q = 0; q < R; q++)
        a[q] = b[q] = _mm256_setzero_pd();
    for (int c = 0; c < k; c++) {
        const double *gt = GTb + (size_t)c * nb + i0, *w = W + (size_t)c * d + r0;
        const __m256d g0 = _mm256_loadu_pd(gt), g1 = _mm256_loadu_pd(gt + 4);
        for (int q = 0; q < R; q++) {
            const __m256d wv = _mm256_broadcast_sd(w + q);
            a[q] = _mm256_fmadd_pd(wv, g0, a[q]);
            b[q] = _mm256_fmadd_pd(wv, g1, b[q]);
        }
    }
    const size_t o = (size_t)i0 * d + (size_t)SMM_TILE * r0;
    __m256d t0 = _mm256_setzero_pd(), t1 = _mm256_setzero_pd();
    for (int q = 0; q < R; q++) {
        t0 = epilogue_vec(e, mode, o + (size_t)SMM_TILE * q, a[q], t0);
        t1 = epilogue_vec(e, mode, o + (size_t)SMM_TILE * q + 4, b[q], t1);
    }
    *acc0 = _mm256_add_pd(*acc0, t0);
    *acc1 = _mm256_add_pd(*acc1, t1);
}

/* every tile of the block with the epilogue of the given (constant) mode */
__attribute__((target("avx2,fma"), always_inline)) static inline void
grad_h_block(const smm_plan *p, const double *W, const double *GTb, int m,
             const epilogue_avx2 *e, int mode, double *acc)
{
    const int k = p->k, d = p->d, nb = p->nb, m8 = round_tile(m);
    __m256d acc0 = _mm256_loadu_pd(acc), acc1 = _mm256_loadu_pd(acc + 4);
    for (int i0 = 0; i0 < m8; i0 += SMM_TILE)
        for (int j = 0, r0 = 0, R; r0 < d; j++, r0 += R) {
            R = chunk_rows(d, j);
            switch (R) { /* constant row counts: see grad_h_tile_rows */
            case 6: grad_h_tile_rows(k, d, nb, W, GTb, i0, 6, r0, e, mode, &acc0, &acc1); break;
            case 5: grad_h_tile_rows(k, d, nb, W, GTb, i0, 5, r0, e, mode, &acc0, &acc1); break;
            case 4: grad_h_tile_rows(k, d, nb, W, GTb, i0, 4, r0, e, mode, &acc0, &acc1); break;
            case 3: grad_h_tile_rows(k, d, nb, W, GTb, i0, 3, r0, e, mode, &acc0, &acc1); break;
            case 2: grad_h_tile_rows(k, d, nb, W, GTb, i0, 2, r0, e, mode, &acc0, &acc1); break;
            default: grad_h_tile_rows(k, d, nb, W, GTb, i0, 1, r0, e, mode, &acc0, &acc1); break;
            }
        }
    _mm256_storeu_pd(acc, acc0);
    _mm256_storeu_pd(acc + 4, acc1);
}

__attribute__((target("avx2,fma"))) static void grad_h_update_avx2(const smm_plan *p,
                                                                    const double *W,
                                                                    const double *GTb, int m,
                                                                    const smm_h_epilogue *e,
                                                                    double *acc)
{
    const epilogue_avx2 ev = {_mm256_set1_pd(e->c), _mm256_set1_pd(e->lr), _mm256_set1_pd(e->mu),
                              e->h, e->v, e->g_out, e->hn, e->vn};
    if (e->mode == 0)
        grad_h_block(p, W, GTb, m, &ev, 0, acc);
    else if (e->mode == 1)
        grad_h_block(p, W, GTb, m, &ev, 1, acc);
    else
        grad_h_block(p, W, GTb, m, &ev, 2, acc);
}

/* The fused H-gradient product of the OpenBLAS backend (larger problems, AVX2). A register
 * tile of 8 rows x 6 columns of dH (12 accumulators; 2 loads of packed W and 6 broadcasts of
 * packed GT per 12 fused multiply-adds) computes each entry as the same chain over the classes
 * in order as grad_h_entry. The tiles of one panel of 6 columns go to p->dpanel; the epilogue of
 * the previous panel runs in d8 slices between the tiles, with the slice two ahead prefetched,
 * so that the memory traffic of H and its momentum overlaps the arithmetic (the update pass
 * after an OpenBLAS dgemm is memory-bound: docs/PERFORMANCE.md). */

/* W (d x k) into panels of 8 rows: wp[(rp k + c) 8 + l] = W[rp 8 + l, c], zero past row d */
static void pack_w_panels(int k, int d, const double *W, double *wp)
{
    const int d8 = (d + SMM_PANEL_ROWS - 1) / SMM_PANEL_ROWS;
    for (int rp = 0; rp < d8; rp++)
        for (int c = 0; c < k; c++)
            for (int l = 0; l < SMM_PANEL_ROWS; l++) {
                const int r = rp * SMM_PANEL_ROWS + l;
                wp[((size_t)rp * k + c) * SMM_PANEL_ROWS + l] = r < d ? W[(size_t)c * d + r] : 0.0;
            }
}

/* GT_b (m x k, leading dimension nb) into panels of 6 examples: gp[(jp k + c) 6 + l] =
 * GT_b[jp 6 + l, c], zero past example m */
static void pack_g_panels(int k, int nb, int m, const double *GTb, double *gp)
{
    const int m6 = (m + SMM_PANEL_COLS - 1) / SMM_PANEL_COLS;
    for (int c = 0; c < k; c++) {
        const double *g = GTb + (size_t)c * nb;
        for (int jp = 0; jp < m6; jp++) {
            double *out = gp + ((size_t)jp * k + c) * SMM_PANEL_COLS;
            for (int l = 0; l < SMM_PANEL_COLS; l++) {
                const int i = jp * SMM_PANEL_COLS + l;
                out[l] = i < m ? g[i] : 0.0;
            }
        }
    }
}

/* One tile: rows r0 .. r0+7 (those below d) of nj <= 6 columns of dH into D (leading
 * dimension d), from the packed panels A (8 x k) and B (k x 6). The six columns are written out
 * by hand: as a loop over arrays of accumulators (even fully unrolled) gcc 12 stores them to
 * the stack on every class. */
__attribute__((target("avx2,fma"), always_inline)) static inline void
panel_tile(int k, int d, int r0, int nj, const double *restrict A, const double *restrict B,
           double *restrict D)
{
    __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
    __m256d b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0;
    for (int c = 0; c < k; c++) {
        const __m256d w0 = _mm256_load_pd(A + 8 * c), w1 = _mm256_load_pd(A + 8 * c + 4);
        const double *g = B + 6 * c;
        __m256d x = _mm256_broadcast_sd(g);
        a0 = _mm256_fmadd_pd(w0, x, a0);
        b0 = _mm256_fmadd_pd(w1, x, b0);
        x = _mm256_broadcast_sd(g + 1);
        a1 = _mm256_fmadd_pd(w0, x, a1);
        b1 = _mm256_fmadd_pd(w1, x, b1);
        x = _mm256_broadcast_sd(g + 2);
        a2 = _mm256_fmadd_pd(w0, x, a2);
        b2 = _mm256_fmadd_pd(w1, x, b2);
        x = _mm256_broadcast_sd(g + 3);
        a3 = _mm256_fmadd_pd(w0, x, a3);
        b3 = _mm256_fmadd_pd(w1, x, b3);
        x = _mm256_broadcast_sd(g + 4);
        a4 = _mm256_fmadd_pd(w0, x, a4);
        b4 = _mm256_fmadd_pd(w1, x, b4);
        x = _mm256_broadcast_sd(g + 5);
        a5 = _mm256_fmadd_pd(w0, x, a5);
        b5 = _mm256_fmadd_pd(w1, x, b5);
    }
    const __m256d lo[SMM_PANEL_COLS] = {a0, a1, a2, a3, a4, a5};
    const __m256d hi[SMM_PANEL_COLS] = {b0, b1, b2, b3, b4, b5};
    if (r0 + SMM_PANEL_ROWS <= d) {
        for (int j = 0; j < nj; j++) {
            _mm256_storeu_pd(D + (size_t)j * d + r0, lo[j]);
            _mm256_storeu_pd(D + (size_t)j * d + r0 + 4, hi[j]);
        }
        return;
    }
    double t[SMM_PANEL_ROWS];
    for (int j = 0; j < nj; j++) { /* the last rows of a d that is not a multiple of 8 */
        _mm256_storeu_pd(t, lo[j]);
        _mm256_storeu_pd(t + 4, hi[j]);
        for (int l = 0; r0 + l < d; l++)
            D[(size_t)j * d + r0 + l] = t[l];
    }
}

/* The epilogue of the entries f0 .. f1-1 of a panel whose dH is D and whose first entry has
 * offset o0 in the block: 4 at a time into t (lane f mod 4; f0 is a multiple of 4), the rest
 * of the panel (f1 not a multiple of 4) one by one into acc[f mod 4] */
__attribute__((target("avx2,fma"), always_inline)) static inline __m256d
panel_epilogue(const epilogue_avx2 *e, const smm_h_epilogue *eo, int mode, const double *D,
               size_t o0, size_t f0, size_t f1, __m256d t, double *acc)
{
    size_t f = f0;
    for (; f + 4 <= f1; f += 4)
        t = epilogue_vec(e, mode, o0 + f, _mm256_loadu_pd(D + f), t);
    for (; f < f1; f++)
        acc[f % 4] = epilogue_one(eo, o0 + f, D[f], acc[f % 4]);
    return t;
}

__attribute__((target("avx2,fma"), always_inline)) static inline void
grad_h_panels(smm_plan *p, int m, const epilogue_avx2 *e, const smm_h_epilogue *eo, int mode,
              double *acc)
{
    const int k = p->k, d = p->d, d8 = (d + SMM_PANEL_ROWS - 1) / SMM_PANEL_ROWS;
    const int np = (m + SMM_PANEL_COLS - 1) / SMM_PANEL_COLS;
    /* the epilogue slice between two tiles: a multiple of 8 entries, d8 slices cover a panel */
    const size_t panel = (size_t)SMM_PANEL_COLS * d;
    const size_t q = ((panel + d8 - 1) / d8 + 7) / 8 * 8;
    double *cur = p->dpanel, *prev = p->dpanel + panel;
    size_t plen = 0, po0 = 0; /* the previous panel's entries and offset */
    __m256d t = _mm256_setzero_pd();
    for (int jp = 0; jp <= np; jp++) {
        const int i0 = jp * SMM_PANEL_COLS;
        const int nj = jp == np ? 0 : m - i0 < SMM_PANEL_COLS ? m - i0 : SMM_PANEL_COLS;
        const double *B = p->gp + (size_t)jp * k * SMM_PANEL_COLS;
        for (int rp = 0; rp < d8; rp++) {
            if (plen > 0) {
                const size_t f0 = (size_t)rp * q;
                const size_t f1 = f0 + q > plen ? plen : f0 + q;
                if (f0 < f1)
                    t = panel_epilogue(e, eo, mode, prev, po0, f0, f1, t, acc);
                for (size_t f = f0 + 2 * q; f < f0 + 3 * q && f < plen; f += 8) {
                    _mm_prefetch((const char *)(e->h + po0 + f), _MM_HINT_T0);
                    if (mode == 2)
                        _mm_prefetch((const char *)(e->v + po0 + f), _MM_HINT_T0);
                }
            }
            if (nj > 0)
                panel_tile(k, d, rp * SMM_PANEL_ROWS, nj,
                           p->wp + (size_t)rp * k * SMM_PANEL_ROWS, B, cur);
        }
        double *swap = cur;
        cur = prev;
        prev = swap;
        plen = (size_t)nj * d;
        po0 = (size_t)i0 * d;
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, t);
    for (int l = 0; l < 4; l++)
        acc[l] += lanes[l];
}

__attribute__((target("avx2,fma"))) static void grad_h_update_panels(smm_plan *p,
                                                                     const double *W,
                                                                     const double *GTb, int m,
                                                                     const smm_h_epilogue *e,
                                                                     double *acc)
{
    if (e->w_changed)
        pack_w_panels(p->k, p->d, W, p->wp);
    pack_g_panels(p->k, p->nb, m, GTb, p->gp);
    const epilogue_avx2 ev = {_mm256_set1_pd(e->c), _mm256_set1_pd(e->lr), _mm256_set1_pd(e->mu),
                              e->h, e->v, e->g_out, e->hn, e->vn};
    if (e->mode == 0)
        grad_h_panels(p, m, &ev, e, 0, acc);
    else if (e->mode == 1)
        grad_h_panels(p, m, &ev, e, 1, acc);
    else
        grad_h_panels(p, m, &ev, e, 2, acc);
}
#endif

int smm_plan_fuses_grad_h(const smm_plan *p)
{
    return p->small || use_avx2(p); /* the OpenBLAS backend: the panel kernel needs AVX2 */
}

void smm_grad_h_update(smm_plan *p, const double *W, const double *GTb, int m,
                       const smm_h_epilogue *e, double *acc)
{
#if defined(__GNUC__) && defined(__x86_64__)
    if (use_avx2(p)) {
        if (p->small)
            grad_h_update_avx2(p, W, GTb, m, e, acc);
        else
            grad_h_update_panels(p, W, GTb, m, e, acc);
        return;
    }
#endif
    grad_h_update_portable(p, W, GTb, m, e, acc);
}
