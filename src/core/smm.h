/* smm.h - the three matrix products of one UFM gradient step, on blocks of columns, behind one
 * interface.
 *
 * For a block of m consecutive examples (columns j0 .. j0+m-1 of H):
 *   smm_logits_cols:  Z_b^T = H_b^T W          (m x k)   W: d x k, H_b: d x m
 *   smm_grad_w_cols:  dW   += H_b GT_b         (d x k)   GT_b = G_b^T: m x k  (accumulates)
 *   smm_grad_h_cols:  dH_b  = W GT_b^T         (d x m)   (overwrites)
 * W is column-major with leading dimension d. H and dH are in the plan's layout (below); with
 * the OpenBLAS backend that is column-major with leading dimension d. The logits come out
 * class-major (Z^T: the logit of class c for example i at Zt[c * ldz + i]), as the softmax pass
 * reads them, and its output GT (dl/dz, class-major) has leading dimension nb. The plan fixes
 * the block width nb (smm_plan_block): callers walk the n examples in blocks of nb, the last
 * block holding the remainder; m must be nb or that remainder. The solver fuses its elementwise
 * work into the same walk so that each block's H, gradient and momentum stay in cache (ufm.c).
 *
 * Backends: for small problems ("small", k*d*n <= 2^24, where OpenBLAS's call and packing
 * overheads dominate: 2x slower at k=10, d=20, n=275 here) our own AVX2 kernels for the logits,
 * dW and the fused dH with update (smm_grad_h_update); OpenBLAS dgemm otherwise ("openblas":
 * the logits as W^T H_b, transposed into the class-major layout), except that the fused dH with
 * update is our own register-tiled kernel there too where AVX2 runs (it overlaps the update's
 * memory traffic with the product; without AVX2, OpenBLAS and a separate pass). The backend and
 * nb depend only on (k, d, n) and the requested backend, never on the machine's caches, so the
 * order of every floating-point sum is a function of the problem alone; the small backend gives
 * bitwise the same results with and without AVX2. docs/PERFORMANCE.md has the measurements
 * behind the rules.
 *
 * Layout (smm_plan_tiled): the small backend keeps H, its gradient, momentum and next iterate
 * in tiles of 8 examples: entry (r, i) at (i / 8) 8d + 8r + i mod 8, with n padded to a
 * multiple of 8 by zero columns (smm_plan_h_len doubles in all). Every kernel then runs along
 * the examples without transposing. nb is a multiple of 8 there (it may exceed n), so a block
 * starting at column j0 starts at offset j0 d in either layout. The padding must stay zero:
 * on the small backend the columns m .. ceil8(m) - 1 of a short block's GT must be 0 (the
 * kernels read whole tiles; zero GT keeps the padding of the products and updates at 0).
 * smm_h_to_plan / smm_h_from_plan convert from and to column-major d x n.
 * Plain C, no MPI; a plan (which holds scratch) is used by one thread at a time.
 */
#ifndef UFMSWEEP_SMM_H
#define UFMSWEEP_SMM_H

#include "sweep_err.h"

#include <stddef.h>

typedef struct smm_plan smm_plan;

/* examples per tile of the small backend's layout (see Layout above) */
#define SMM_TILE_COLS 8

typedef enum smm_backend {
    SMM_BACKEND_AUTO = 0,  /* small-problem kernels when the problem is small, else OpenBLAS */
    SMM_BACKEND_OPENBLAS = 1,
    SMM_BACKEND_SMALL = 2  /* our kernels */
} smm_backend;

/* smm_plan_create - Plan the products for (k, d, n) with the given backend preference and block
 * width nb (0: the default rule, docs/PERFORMANCE.md). Returns SWEEP_OK, SWEEP_ERR_ARG (a
 * dimension < 1) or SWEEP_ERR_NOMEM. */
SWEEP_MUST_USE int smm_plan_create(int k, int d, int n, smm_backend backend, int nb, smm_plan **out);

/* smm_plan_destroy - Free *p (NULL accepted), set *p = NULL. */
void smm_plan_destroy(smm_plan **p);

/* smm_plan_use_portable - on != 0: run the portable versions of our own kernels (the logits
 * and the fused H-gradient product) even where AVX2 is available. Their results are bitwise
 * the same; tests use this to check both versions on one machine. */
void smm_plan_use_portable(smm_plan *p, int on);

/* smm_plan_backend_name - "small" or "openblas": what the plan actually uses. */
const char *smm_plan_backend_name(const smm_plan *p);

/* smm_plan_block - the block width nb (1 <= nb <= n on the OpenBLAS backend; on the small
 * backend a multiple of 8, at most n rounded up to one). */
SWEEP_MUST_USE int smm_plan_block(const smm_plan *p);

/* smm_plan_tiled - 1 if the plan keeps H-like arrays in tiles of 8 examples (the small
 * backend), 0 if column-major (see the layout above). */
SWEEP_MUST_USE int smm_plan_tiled(const smm_plan *p);

/* smm_plan_h_len - the number of doubles of an H-like array (d x n) in the plan's layout:
 * d * n, or d * ceil8(n) when tiled. */
size_t smm_plan_h_len(const smm_plan *p);

/* smm_h_to_plan - H (column-major d x n) into Hp (smm_plan_h_len doubles, the padding zeroed).
 * smm_h_from_plan - the reverse: Hp's d x n entries into H. The arrays must not overlap. */
void smm_h_to_plan(const smm_plan *p, const double *H, double *Hp);
void smm_h_from_plan(const smm_plan *p, const double *Hp, double *H);

/* The products of one block (Hb, dHb: the block in the plan's layout, at offset j0 d). The
 * unfused smm_grad_h_cols is OpenBLAS's on the OpenBLAS backend and plain loops on the small
 * one (the solver fuses dH there: smm_grad_h_update); it sets the padding columns to 0. */
void smm_logits_cols(smm_plan *p, const double *W, const double *Hb, int m, double *Zt,
                     size_t ldz);
void smm_grad_w_cols(smm_plan *p, const double *Hb, const double *GTb, int m, double *dW);
void smm_grad_h_cols(smm_plan *p, const double *W, const double *GTb, int m, double *dHb);

/* The elementwise work that follows the H-gradient product in the solver, fused into it by
 * smm_grad_h_update: for every entry (r, i) of the block (offset o from the block's start in the
 * plan's layout: i d + r on the OpenBLAS backend)
 *     g = fma(c, h[o], dh), then by mode
 *     0: g_out[o] = g;  1 (gd): hn[o] = fma(-lr, g, h[o]);
 *     2 (sgdm): vn[o] = fma(mu, v[o], g), hn[o] = fma(-lr, vn[o], h[o])
 * and g^2 goes into the partial sums acc[8]. The small backend (o: the entry's offset in the
 * tiled layout; the padding columns of the last tile included, their g = 0) walks the tiles in
 * order, in each tile the rows in ceil(d / 6) chunks (chunk j has floor(d / chunks) rows, one
 * more for j < d mod chunks), in each chunk the tile's
 * two halves of 4 examples: a half's squares are summed apart per lane (t = fma(g, g, t) from
 * t = 0, the chunk's rows in order), then lane l of half h is added to slot 4 h + l.
 * The OpenBLAS backend's kernel (AVX2 only) uses the slots 0..3:
 * the block's columns in panels of 6 (the last one shorter), each panel's entries in order
 * (f = o - 6 d jp for panel jp), 4 at a time into lanes f mod 4 summed apart over the whole
 * block (t = fma(g, g, t) from t = 0); a panel's last (6 d) mod 4 entries go straight to slot
 * f mod 4; at the end each lane is added to its slot. */
typedef struct smm_h_epilogue {
    double c;         /* ridge + weight decay on H */
    const double *h;  /* the block of H (d x m in the plan's layout: d * ceil8(m) doubles
                       * when tiled, the padding 0) */
    double *g_out;    /* mode 0: the block's gradient */
    const double *v;  /* mode 2: the block's momentum */
    double *hn, *vn;  /* modes 1, 2: next H (and momentum) */
    double lr, mu;
    int mode;         /* 0, 1 or 2 as above */
    int w_changed;    /* nonzero: W differs from the previous call's (the OpenBLAS backend's
                       * kernel packs W only then: set it on the first block of every pass) */
} smm_h_epilogue;

/* smm_plan_fuses_grad_h - 1 if smm_grad_h_update may be called: the small backend, and the
 * OpenBLAS backend where AVX2 and FMA run (not under smm_plan_use_portable); else 0. */
SWEEP_MUST_USE int smm_plan_fuses_grad_h(const smm_plan *p);

/* smm_grad_h_update - dH_b = W GT_b^T (each entry one chain of fused multiply-adds over the
 * classes in order) followed by the epilogue e, without storing dH_b; acc: the 8 partial sums
 * of squares, accumulated. Every entry of g_out, hn and vn is the same in both backends and
 * with or without AVX2; the small backend's sums are too. Only for plans with
 * smm_plan_fuses_grad_h. */
void smm_grad_h_update(smm_plan *p, const double *W, const double *GTb, int m,
                       const smm_h_epilogue *e, double *acc);

#endif /* UFMSWEEP_SMM_H */
