#include "smm.h"

#include "sweep_err.h"

#include <cblas.h>
#include <libxsmm.h>
#include <stdlib.h>

/* libxsmm JIT kernels up to k*d*n = 2^24; beyond, OpenBLAS's blocked kernels win. Measured here
 * (three products, one core): libxsmm faster at 55e3 (2x), 3.2e6 (1.3x) and 1.0e7 (1.07x),
 * slower at 2.6e7 (0.94x), 6.4e7 (0.72x) and 1.0e9 (0.48x); docs/PERFORMANCE.md. */
#define SMM_LIBXSMM_MAX_MNK 16777216.0

struct smm_plan {
    int k, d, n;
    libxsmm_dmmfunction logits_nn; /* Z = Wt H with Wt = W^T (k x d) */
    libxsmm_dmmfunction grad_w_nt; /* dW = H G^T */
    libxsmm_dmmfunction grad_h_nn; /* dH = W G */
    double *Wt;                    /* [k*d] transpose scratch for logits_nn */
};

int smm_plan_create(int k, int d, int n, smm_backend backend, smm_plan **out)
{
    smm_plan *p = calloc(1, sizeof *p);
    if (p == NULL)
        return SWEEP_ERR_NOMEM;
    p->k = k;
    p->d = d;
    p->n = n;
    const double mnk = (double)k * (double)d * (double)n;
    if (backend == SMM_BACKEND_LIBXSMM || (backend == SMM_BACKEND_AUTO && mnk <= SMM_LIBXSMM_MAX_MNK)) {
        const double alpha = 1.0, beta = 0.0;
        const int nn = LIBXSMM_GEMM_FLAG_NONE, nt = LIBXSMM_GEMM_FLAG_TRANS_B;
        const libxsmm_blasint lk = k, ld = d;
        p->logits_nn = libxsmm_dmmdispatch(k, n, d, &lk, &ld, &lk, &alpha, &beta, &nn, NULL);
        p->grad_w_nt = libxsmm_dmmdispatch(d, k, n, &ld, &lk, &ld, &alpha, &beta, &nt, NULL);
        p->grad_h_nn = libxsmm_dmmdispatch(d, n, k, &ld, &lk, &ld, &alpha, &beta, &nn, NULL);
        p->Wt = malloc((size_t)k * d * sizeof(double));
        if (p->Wt == NULL) {
            free(p);
            return SWEEP_ERR_NOMEM;
        }
        if (p->logits_nn == NULL || p->grad_w_nt == NULL || p->grad_h_nn == NULL)
            p->logits_nn = p->grad_w_nt = p->grad_h_nn = NULL; /* all or nothing */
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
    return p->logits_nn != NULL ? "libxsmm" : "openblas";
}

void smm_logits(smm_plan *p, const double *W, const double *H, double *Z)
{
    const int k = p->k, d = p->d, n = p->n;
    if (p->logits_nn != NULL) {
        for (int c = 0; c < k; c++)
            for (int j = 0; j < d; j++)
                p->Wt[c + (size_t)j * k] = W[j + (size_t)c * d];
        p->logits_nn(p->Wt, H, Z);
        return;
    }
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, n, d, 1.0, W, d, H, d, 0.0, Z, k);
}

void smm_grad_w(smm_plan *p, const double *H, const double *G, double *dW)
{
    if (p->grad_w_nt != NULL) {
        p->grad_w_nt(H, G, dW);
        return;
    }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, p->d, p->k, p->n, 1.0, H, p->d, G, p->k,
                0.0, dW, p->d);
}

void smm_grad_h(smm_plan *p, const double *W, const double *G, double *dH)
{
    if (p->grad_h_nn != NULL) {
        p->grad_h_nn(W, G, dH);
        return;
    }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, p->d, p->n, p->k, 1.0, W, p->d, G,
                p->k, 0.0, dH, p->d);
}
