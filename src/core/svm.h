/* svm.h - certified max-margin references (docs/THEORY.md, max-margin problems): the convex class-level and
 * example-level solves and gradient descent on the non-convex factorized problem (SVM-GD).
 *
 * All three problems of section 5 (UF-SVM, margin-form and CDT-form CS-SVM) are one convex
 * problem in X = W^T H (k x ncol; the original logits, H scaled by sqrt(n_c) at class level):
 *
 *     min ||X||_*   s.t.   Delta_y X[y, j] - Delta_c X[c, j] >= b_j   for every column j with
 *                          label y = y_j and every class c != y,
 *
 * with Delta = 1 except for the CDT form, b_j = delta_y (margin form; 1 otherwise) at example
 * level and b_c = delta_c sqrt(n_c) at class level (column c stands for the n_c collapsed
 * examples of class c; this is the class-level objective || diag(Delta)^-1 Zc diag(delta_c sqrt(n_c)) ||_* of docs/THEORY.md).
 * Balanced factors come from the SVD X = U S V^T: W = S^{1/2} U^T and H = S^{1/2} V^T (scaled
 * back by 1/sqrt(n_c) at class level), so (||W||^2 + ||H||^2)/2 = ||X||_*.
 *
 * The convex solves first try the all-margins-active path: if every margin is active at the
 * optimum (true in every case we have met), each column of X is fixed by one number and Newton's
 * method on a smoothed nuclear norm solves the ncol-dimensional problem (svm.c). Otherwise, or if
 * its certificate misses tol, a primal-dual interior-point method (HKM direction, Mehrotra
 * predictor-corrector) solves the SDP form  min (tr U + tr V)/2  s.t. [[U, X], [X^T, V]] >= 0
 * and the m = ncol (k-1) margin constraints; its Schur complement is dense m x m (cost m^3), so it
 * takes m <= SVM_MAX_CONSTRAINTS. Both end in a Newton polish of the KKT system on the identified
 * active set when that system is small. Costs: k = 10 in ~3 ms, k = 100 in ~0.2 s (Newton path).
 *
 * Certificate (independent of how the IPM got there): the returned X is scaled to satisfy every
 * constraint exactly, so ||X||_* is an upper bound; the multipliers y >= 0 give the dual matrix
 * D = sum_i y_i A_i (k x ncol), and b^T y / max(1, ||D||_2) is a lower bound (weak duality with
 * ||D||_2 <= 1). gap = (upper - lower) / upper. Plain C + LAPACK, no MPI.
 */
#ifndef UFMSWEEP_SVM_H
#define UFMSWEEP_SVM_H

#include "geom.h"
#include "sweep_err.h"

#include <stdint.h>

/* Largest number of margin constraints the dense interior-point fallback accepts (its Schur
 * complement takes 8 m^2 bytes: 1.2 GB at this limit). */
#define SVM_MAX_CONSTRAINTS 12000

/* Largest number of columns (k at class level, n at example level): the Newton path's Hessian
 * is ncol x ncol (800 MB here). */
#define SVM_MAX_COLUMNS 10000

typedef struct svm_result {
    int converged;      /* certified relative gap <= tol (SVM-GD: violation and stationarity) */
    int64_t iters;      /* IPM iterations, or SVM-GD gradient steps */
    double objective;   /* ||X||_* of the returned (feasible) X = (||W||^2 + ||H||^2)/2 */
    double lower_bound; /* certified dual lower bound on the optimum */
    double gap;         /* (objective - lower_bound) / objective */
    double violation;   /* max_i (b_i - A_i(X))_+ / b_i before X was scaled to feasibility */
    double spread;      /* example level: max_i ||h_i - hbar_{y_i}|| / max_c ||hbar_c||;
                           NaN at class level */
    int fast_path;      /* 1 when the all-margins-active Newton path certified the solve (no
                           interior-point iterations; iters counts its Newton steps) */
    int polished;       /* 1 when the Newton polish on the identified rank and active set was
                           accepted (convex solves; see svm.c) */
} svm_result;

/* svm_class_solve - The class-level convex solve of prob (any counts, any Delta/delta) to a
 * certified relative gap tol (e.g. 1e-10) within max_iter IPM iterations (e.g. 100). On SWEEP_OK
 * *out holds the prediction (method GEOM_METHOD_SVM_CONVEX, Grams, Z = W^T Hbar, factors at the
 * real counts) and res the certificate; a run that misses tol returns SWEEP_OK with
 * res->converged = 0. Errors: SWEEP_ERR_ARG (too many constraints), NOMEM, LAPACK. */
SWEEP_MUST_USE int svm_class_solve(const geom_problem *prob, double tol, int max_iter, geom_prediction **out,
                    svm_result *res, sweep_errbuf *eb);

typedef enum svm_path {
    SVM_PATH_AUTO = 0,   /* Newton path, then the interior-point method if needed */
    SVM_PATH_NEWTON = 1, /* all-margins-active Newton path only (SWEEP_ERR_ARG if it fails) */
    SVM_PATH_IPM = 2     /* interior-point method only (tests cross-check the two) */
} svm_path;

/* svm_class_solve_path - svm_class_solve restricted to one path. */
SWEEP_MUST_USE int svm_class_solve_path(const geom_problem *prob, svm_path path, double tol, int max_iter,
                         geom_prediction **out, svm_result *res, sweep_errbuf *eb);

/* svm_example_solve - The same problem on all n = sum(counts) examples (counts must be
 * integers), without assuming collapse. *out is the prediction of the returned W and class means
 * Hbar; when H_out is not NULL, *H_out receives the k x n embeddings (caller frees with free()).
 * res->spread measures the within-class spread. */
SWEEP_MUST_USE int svm_example_solve(const geom_problem *prob, double tol, int max_iter, geom_prediction **out,
                      double **H_out, svm_result *res, sweep_errbuf *eb);

typedef struct svm_gd_options {
    int d;             /* embedding dimension (>= k; 0 means k) */
    double init_std;   /* Gaussian init std of W and H */
    uint64_t seed_key; /* counter-based RNG key of the initialization */
    int64_t max_iter;  /* total gradient steps over all outer rounds */
    double tol;        /* stop when the relative margin violation <= tol and the gradient norm of
                          the augmented Lagrangian <= tol * sqrt(1 + ||W||^2 + ||H||^2), or
                          no gradient step can lower the value in floating point */
    double rho;        /* augmented-Lagrangian penalty (e.g. 10) */
} svm_gd_options;

/* svm_gd_options_default - d = 0, init_std 0.1, seed_key 0, max_iter 200000, tol 1e-7, rho 10. */
void svm_gd_options_default(svm_gd_options *o);

/* svm_gd_solve - Gradient descent on the non-convex factorized problem
 * min (||W||^2 + ||H||^2)/2 over W (d x k), H (d x n) subject to the example-level margins, by
 * the augmented Lagrangian method (inner minimization by gradient descent with backtracking,
 * multipliers updated between rounds). Counts must be integers. *out is the prediction of the
 * final (W, Hbar); *W_out (d x k) and *H_out (d x n) receive the factors when not NULL (caller
 * frees). res->objective is (||W||^2 + ||H||^2)/2 of the final iterate, scaled to feasibility;
 * lower_bound and gap are NaN (compare with svm_class_solve). */
SWEEP_MUST_USE int svm_gd_solve(const geom_problem *prob, const svm_gd_options *opt, geom_prediction **out,
                 double **W_out, double **H_out, svm_result *res, sweep_errbuf *eb);

#endif /* UFMSWEEP_SVM_H */
