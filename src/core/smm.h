/* smm.h - the three matrix products of one UFM gradient step, on blocks of columns, behind one
 * interface.
 *
 * For a block of m consecutive examples (columns j0 .. j0+m-1 of H and Z):
 *   smm_logits_cols:  Z_b  = W^T H_b           (k x m)   W: d x k, H_b: d x m
 *   smm_grad_w_cols:  dW  += H_b GT_b          (d x k)   GT_b = G_b^T: m x k  (accumulates)
 *   smm_grad_h_cols:  dH_b = W GT_b^T          (d x m)   (overwrites)
 * All column-major with leading dimensions k (Z), d (W, H, dH) and nb (GT: the softmax pass
 * writes the block's dl/dz class-major, one row of examples per class). The plan fixes the block
 * width nb (smm_plan_block): callers walk the n examples in blocks of nb, the last block holding
 * the remainder; m must be nb or that remainder. The solver fuses its elementwise work into the
 * same walk so that each block's H, gradient and momentum stay in cache (ufm.c).
 *
 * Backends: libxsmm JIT kernels for small problems (where OpenBLAS's call and packing overheads
 * dominate: 2x faster at k=10, d=20, n=275 here), OpenBLAS dgemm otherwise. The backend and nb
 * depend only on (k, d, n) and the requested backend, never on the machine's caches, so the
 * order of every floating-point sum is a function of the problem alone.
 * docs/PERFORMANCE.md has the measurements behind the rules.
 * Plain C, no MPI; a plan is used by one thread at a time.
 */
#ifndef UFMSWEEP_SMM_H
#define UFMSWEEP_SMM_H

#include <stddef.h>

typedef struct smm_plan smm_plan;

typedef enum smm_backend {
    SMM_BACKEND_AUTO = 0,   /* libxsmm when the problem is small and JIT works, else OpenBLAS */
    SMM_BACKEND_OPENBLAS = 1,
    SMM_BACKEND_LIBXSMM = 2 /* falls back to OpenBLAS when no kernel can be generated */
} smm_backend;

/* smm_plan_create - Plan the products for (k, d, n) with the given backend preference and block
 * width nb (0: the default rule, docs/PERFORMANCE.md). Returns SWEEP_OK, SWEEP_ERR_ARG (a
 * dimension < 1) or SWEEP_ERR_NOMEM. */
int smm_plan_create(int k, int d, int n, smm_backend backend, int nb, smm_plan **out);

/* smm_plan_destroy - Free *p (NULL accepted), set *p = NULL. */
void smm_plan_destroy(smm_plan **p);

/* smm_plan_backend_name - "libxsmm" or "openblas": what the plan actually uses. */
const char *smm_plan_backend_name(const smm_plan *p);

/* smm_plan_block - the block width nb (1 <= nb <= n). */
int smm_plan_block(const smm_plan *p);

/* smm_set_w - Record W (d x k) for the logits products that follow (the libxsmm backend keeps
 * W^T); call again whenever W changes. */
void smm_set_w(smm_plan *p, const double *W);

void smm_logits_cols(smm_plan *p, const double *W, const double *Hb, int m, double *Zb);
void smm_grad_w_cols(smm_plan *p, const double *Hb, const double *GTb, int m, double *dW);
void smm_grad_h_cols(smm_plan *p, const double *W, const double *GTb, int m, double *dHb);

#endif /* UFMSWEEP_SMM_H */
