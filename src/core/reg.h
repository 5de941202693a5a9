/* reg.h - the regularized global minimizer of the UFM (docs/THEORY.md, "The regularized minimizer").
 *
 * For lambda > 0, min over (W, H) of (1/n) sum_i l(y_i, W^T h_i) + (lambda/2)(||W||^2 + ||H||^2)
 * equals min over Z of (1/n) sum_i l(y_i, z_i) + lambda ||Z||_*, a convex problem. Its minimizer
 * has collapsed embeddings (the loss is strictly convex along each class), so it is solved at
 * class level: X = Zc N^{1/2} (k x k), min f(X) + lambda ||X||_* with
 * f(X) = sum_c (n_c/n) l(c, X[:,c] / sqrt(n_c)), by accelerated proximal gradient (FISTA with
 * backtracking and adaptive restart) with singular-value soft-thresholding. Certificate: the
 * fixed-point residual ||X - prox_lambda(X - grad f(X))||_F / (lambda sqrt(k)), zero exactly at
 * the minimizer and relative to the size lambda of the optimality condition
 * grad f = -lambda G, ||G||_2 <= 1 (so it means the same at lambda = 1e-1 and 1e-12). Different ridges lambda_w != lambda_h act as lambda = sqrt(lambda_w lambda_h)
 * with W scaled by (lambda_h/lambda_w)^{1/4} (cosines and norm ratios do not change).
 * This is the exact target of gradient descent with weight decay. Plain C + LAPACK, no MPI.
 */
#ifndef UFMSWEEP_REG_H
#define UFMSWEEP_REG_H

#include "sweep_err.h"

#include "geom.h"
#include "loss.h"
#include "profile.h"

#include <stdint.h>

typedef struct reg_result {
    int converged;     /* residual <= tol */
    int64_t iters;     /* proximal-gradient iterations */
    double residual;   /* certificate at the returned point */
    double objective;  /* f(X) + lambda ||X||_* */
    double spread;     /* example level: max_i ||h_i - hbar_{y_i}|| / max_c ||hbar_c||; NaN at
                          class level */
} reg_result;

/* reg_solve - The regularized minimizer for profile p and loss lv with lv->lambda_w, lambda_h > 0,
 * to residual tol (e.g. 1e-10) within max_iter iterations. On SWEEP_OK *out holds the prediction
 * (method GEOM_METHOD_REG_CONVEX: Grams, Z = Zc, factors) and res the certificate; a run that
 * stops at max_iter returns SWEEP_OK with res->converged = 0 (an outcome, not an error). */
SWEEP_MUST_USE int reg_solve(const profile *p, const loss_vectors *lv, double tol, int64_t max_iter,
              geom_prediction **out, reg_result *res, sweep_errbuf *eb);

/* reg_solve_example - The same minimizer on all n = sum(counts) examples (integer counts,
 * n <= 20000), Z k x n, without assuming that the embeddings of a class collapse: *out is the
 * prediction of the returned W and class means, *H_out (k x n, caller frees; may be NULL) the
 * embeddings, res->spread their within-class spread. */
SWEEP_MUST_USE int reg_solve_example(const profile *p, const loss_vectors *lv, double tol, int64_t max_iter,
                      geom_prediction **out, double **H_out, reg_result *res, sweep_errbuf *eb);

#endif /* UFMSWEEP_REG_H */
