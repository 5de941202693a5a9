#include "smm.h"

#include "sweep_err.h"

#include <cblas.h>
#include <libxsmm.h>
#include <stdlib.h>

/* libxsmm JIT kernels up to k*d*n = 2^24; beyond, OpenBLAS's blocked kernels win. Measured here
 * (three products, one core): libxsmm faster at 55e3 (2x), 3.2e6 (1.3x) and 1.0e7 (1.07x),
 * slower at 2.6e7 (0.94x), 6.4e7 (0.72x) and 1.0e9 (0.48x); docs/PERFORMANCE.md. */
#define SMM_LIBXSMM_MAX_MNK 16777216.0

/* Block working sets (docs/PERFORMANCE.md): the JIT kernels walk blocks of about
 * SMM_JIT_BLOCK_BYTES of H (one block of H, its gradient, momentum and next iterate then stay
 * in L1/L2); OpenBLAS needs wide blocks to keep its packing amortized. */
#define SMM_JIT_BLOCK_BYTES 32768.0
#define SMM_BLAS_BLOCK_COLS 512

typedef struct smm_kernels {
    libxsmm_dmmfunction logits_nn; /* Z_b = Wt H_b with Wt = W^T (k x d) */
    libxsmm_dmmfunction grad_w_nn; /* dW += H_b GT_b */
    libxsmm_dmmfunction grad_h_nt; /* dH_b = W GT_b^T */
} smm_kernels;

struct smm_plan {
    int k, d, n, nb, tail;
    int jit;               /* 1: libxsmm kernels for both block widths */
    smm_kernels full, rem; /* kernels for m = nb and m = tail */
    double *Wt;            /* [k*d] W^T for logits_nn */
};

static int resolve_jit(int k, int d, int n, smm_backend backend)
{
    const double mnk = (double)k * (double)d * (double)n;
    return backend == SMM_BACKEND_LIBXSMM ||
           (backend == SMM_BACKEND_AUTO && mnk <= SMM_LIBXSMM_MAX_MNK);
}

/* The default block width for (k, d, n) and backend (AUTO resolved by the size rule): blocks
 * of about SMM_JIT_BLOCK_BYTES of H for the JIT kernels, SMM_BLAS_BLOCK_COLS columns for
 * OpenBLAS; the n examples split into blocks of equal width up to the remainder. */
static int default_block(int k, int d, int n, smm_backend backend)
{
    int target;
    if (resolve_jit(k, d, n, backend)) {
        target = (int)(SMM_JIT_BLOCK_BYTES / (8.0 * (double)d));
        target = target < 8 ? 8 : target;
    } else {
        target = SMM_BLAS_BLOCK_COLS;
    }
    if (target >= n)
        return n;
    const int blocks = (n + target - 1) / target;
    return (n + blocks - 1) / blocks; /* equal widths, the last block at most as wide */
}

static int kernels_dispatch(int k, int d, int m, int nb, smm_kernels *kn)
{
    const double one = 1.0, zero = 0.0;
    const int nn = LIBXSMM_GEMM_FLAG_NONE, nt = LIBXSMM_GEMM_FLAG_TRANS_B;
    const libxsmm_blasint lk = k, ld = d, lb = nb;
    kn->logits_nn = libxsmm_dmmdispatch(k, m, d, &lk, &ld, &lk, &one, &zero, &nn, NULL);
    kn->grad_w_nn = libxsmm_dmmdispatch(d, k, m, &ld, &lb, &ld, &one, &one, &nn, NULL);
    kn->grad_h_nt = libxsmm_dmmdispatch(d, m, k, &ld, &lb, &ld, &one, &zero, &nt, NULL);
    return kn->logits_nn != NULL && kn->grad_w_nn != NULL && kn->grad_h_nt != NULL;
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
    p->tail = n - ((n - 1) / p->nb) * p->nb; /* width of the last block, in [1, nb] */
    if (resolve_jit(k, d, n, backend)) {
        p->Wt = malloc((size_t)k * d * sizeof(double));
        if (p->Wt == NULL) {
            free(p);
            return SWEEP_ERR_NOMEM;
        }
        /* all or nothing: OpenBLAS for every product if any kernel cannot be generated */
        p->jit = kernels_dispatch(k, d, p->nb, p->nb, &p->full) &&
                 kernels_dispatch(k, d, p->tail, p->nb, &p->rem);
    }
    *out = p;
    return SWEEP_OK;
}

void smm_plan_destroy(smm_plan **pp)
{
    if (pp == NULL || *pp == NULL)
        return;
    free((*pp)->Wt);
    free(*pp);
    *pp = NULL;
}

const char *smm_plan_backend_name(const smm_plan *p)
{
    return p->jit ? "libxsmm" : "openblas";
}

int smm_plan_block(const smm_plan *p)
{
    return p->nb;
}

void smm_set_w(smm_plan *p, const double *W)
{
    if (!p->jit)
        return;
    const int k = p->k, d = p->d;
    for (int c = 0; c < k; c++)
        for (int j = 0; j < d; j++)
            p->Wt[c + (size_t)j * k] = W[j + (size_t)c * d];
}

static const smm_kernels *kernels_for(const smm_plan *p, int m)
{
    return m == p->nb ? &p->full : &p->rem;
}

void smm_logits_cols(smm_plan *p, const double *W, const double *Hb, int m, double *Zb)
{
    if (p->jit) {
        kernels_for(p, m)->logits_nn(p->Wt, Hb, Zb);
        return;
    }
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, p->k, m, p->d, 1.0, W, p->d, Hb, p->d,
                0.0, Zb, p->k);
}

void smm_grad_w_cols(smm_plan *p, const double *Hb, const double *GTb, int m, double *dW)
{
    if (p->jit) {
        kernels_for(p, m)->grad_w_nn(Hb, GTb, dW);
        return;
    }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, p->d, p->k, m, 1.0, Hb, p->d, GTb,
                p->nb, 1.0, dW, p->d);
}

void smm_grad_h_cols(smm_plan *p, const double *W, const double *GTb, int m, double *dHb)
{
    if (p->jit) {
        kernels_for(p, m)->grad_h_nt(W, GTb, dHb);
        return;
    }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, p->d, m, p->k, 1.0, W, p->d, GTb, p->nb,
                0.0, dHb, p->d);
}
