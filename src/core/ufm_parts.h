/* ufm_parts.h - building blocks of the UFM solve that the distributed solver (src/comm/pufm.c)
 * shares with the serial one (ufm.c): the learning-rate schedule, the stop test and the softmax
 * pass on columns. Not an interface for other callers: use ufm.h. No MPI. */
#ifndef UFMSWEEP_UFM_PARTS_H
#define UFMSWEEP_UFM_PARTS_H

#include "ufm.h"

#include <stddef.h>
#include <stdint.h>

/* ufm_lr_at - the learning rate of iteration iter under o's schedule. */
double ufm_lr_at(const ufm_opts *o, int64_t iter);

/* ufm_stop_test - the convergence test on an evaluated iterate (diverged, tolerances, budget),
 * shared by the serial and the distributed solver. */
ufm_outcome ufm_stop_test(const ufm_opts *o, int loss_valid, double loss, double grad_norm,
                          double step_norm, int64_t iter);

/* The softmax pass on columns of one class (shared with the distributed solver). */
typedef struct ufm_softmax_params {
    int k;
    const double *omega, *Delta, *iota; /* [k] loss vectors */
    int label_temperature;              /* 1 for LDT */
    double inv_n;                       /* 1 / (total number of examples) */
} ufm_softmax_params;

/* ufm_softmax_columns - For ncols columns of logits given class-major (Zt: the logit of class
 * c for column i at Zt[c * ldz + i], bias included), column i of class y[i] (any order; runs of
 * nondecreasing classes go through the pass together, so sorted columns are fastest):
 * G = e^{-sigma} dl/dz / n written class-major (entry (c, i) at G[c * ldg + i], ldg >= ncols)
 * and, when want_loss, the sum over the columns of omega_y l / n (else NaN). work: 3 * ncols
 * doubles of scratch; bounds: k + 1 of scratch. The formulas (relative to the label's logit,
 * never forming 1 - p_y) are documented at ufm.c's softmax pass. */
double ufm_softmax_columns(const ufm_softmax_params *sp, const int *y, const double *Zt,
                           size_t ldz, size_t ncols, double sigma, int want_loss, double *G,
                           size_t ldg, double *work, size_t *bounds);

#endif /* UFMSWEEP_UFM_PARTS_H */
