/* smm.h - the three matrix products of one UFM gradient step, behind one interface.
 *
 *   smm_logits:  Z  = W^T H   (k x n)   W: d x k, H: d x n
 *   smm_grad_w:  dW = H G^T   (d x k)   G: k x n
 *   smm_grad_h:  dH = W G     (d x n)
 * All column-major, outputs overwritten. Backends: libxsmm JIT kernels for small problems (where
 * OpenBLAS's call and packing overheads dominate: 2x faster at k=10, d=20, n=275 here), OpenBLAS
 * dgemm otherwise; the choice depends only on (k, d, n) and the CPU, so results are reproducible
 * for a given problem and machine. docs/PERFORMANCE.md has the measurements behind the rule.
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

/* smm_plan_create - Plan the products for (k, d, n) with the given backend preference.
 * Returns SWEEP_OK or SWEEP_ERR_NOMEM. */
int smm_plan_create(int k, int d, int n, smm_backend backend, smm_plan **out);

/* smm_plan_destroy - Free *p (NULL accepted), set *p = NULL. */
void smm_plan_destroy(smm_plan **p);

/* smm_plan_backend_name - "libxsmm" or "openblas": what the plan actually uses. */
const char *smm_plan_backend_name(const smm_plan *p);

void smm_logits(smm_plan *p, const double *W, const double *H, double *Z);
void smm_grad_w(smm_plan *p, const double *H, const double *G, double *dW);
void smm_grad_h(smm_plan *p, const double *W, const double *G, double *dH);

#endif /* UFMSWEEP_SMM_H */
