/* svm_impl.h - what the files of the svm module share (not part of its interface):
 * the constraint operator and small dense helpers (svm_cons.c), the interior-point method
 * (svm_ipm.c), the all-margins-active Newton path and the KKT polish (svm_newton.c), used by
 * the convex solves of svm.c. SVM-GD lives in svm_gd.c. No MPI. */
#ifndef UFMSWEEP_SVM_IMPL_H
#define UFMSWEEP_SVM_IMPL_H

#include "sweep_err.h"

#include "svm.h"

#include "geom_impl.h"

#include <stddef.h>
#include <stdint.h>

/* ---- the constraint set --------------------------------------------------------------------
 * Constraint i belongs to column j = i / (k-1) and class c != y_j (the (i mod (k-1))-th class
 * other than y_j): A_i(X) = Delta_y X[y, j] - Delta_c X[c, j] >= b_j. */
typedef struct svm_cons {
    int k, ncol, m;
    int *label;    /* [ncol] */
    double *b;     /* [ncol], normalized to max 1 */
    double bscale; /* the original b = bscale * b */
    double *Delta; /* [k] */
} svm_cons;

/* ---- the interior-point method ------------------------------------------------------------
 * Primal: min <C, Y> (C = I/2) s.t. A(Y) - s = b, Y >= 0 (N x N, N = k + ncol), s >= 0, where
 * A reads the off-diagonal block X = Y[0:k, k:N]. Dual: max b^T y s.t. A*(y) + Z = C, Z >= 0,
 * y >= 0. HKM direction with Mehrotra's predictor-corrector. */
typedef struct svm__ipm {
    const svm_cons *cs;
    int N, m, k;
    double *Y, *Z, *Zi, *LY, *LZ, *y, *s;
    double *dY, *dZ, *dy, *ds, *dYa, *dZa, *dya, *dsa;
    double *Rd, *rp, *Rc, *T1, *T2, *ev, *tmpm;
    double *M, *alpha, *beta, *AZ, *AY;
} svm__ipm;

/* svm_cons.c: the constraint operator A and its adjoint, small dense helpers, the duality-gap
 * certificate, balanced factors and rank truncation of a solution X (k x ncol). */
void svm__cons_decode(const svm_cons *cs, int i, int *j, int *y, int *c);

void svm__cons_destroy(svm_cons *cs);

SWEEP_MUST_USE int svm__cons_create(const geom_problem *prob, int example, svm_cons *cs, sweep_errbuf *eb);

void svm__cons_apply(const svm_cons *cs, const double *X, int ldx, double *out);

void svm__cons_adjoint_add(const svm_cons *cs, const double *v, double scale, double *D,
                           int ldd);

SWEEP_MUST_USE int svm__spectral_norms(int k, int n, const double *A, double *norm2, double *nuc);

void svm__symmetrize(int N, double *A);

double svm__psd_max_step(int N, const double *L, const double *dP, double *work, double *ev);

double svm__lin_max_step(int m, const double *v, const double *dv);

double svm__dot(size_t n, const double *a, const double *b);

SWEEP_MUST_USE int svm__certify(const svm_cons *cs, double *X, const double *y, svm_result *res);

SWEEP_MUST_USE int svm__balanced_factors(int k, int ncol, const double *X, double *W, double *H);

SWEEP_MUST_USE int svm__truncate_rank(int k, int ncol, double *X, double rel);

void svm__result_init(svm_result *res);

/* svm_ipm.c: the interior-point method on the SDP form (create, run to tol_ipm, destroy). */
void svm__ipm_destroy(svm__ipm *w);

SWEEP_MUST_USE int svm__ipm_create(const svm_cons *cs, svm__ipm *w);

SWEEP_MUST_USE int svm__ipm_run(svm__ipm *w, double tol_ipm, int max_iter, int init, int64_t *iters);

/* svm_newton.c: the KKT polish of a near-optimal X (1 when it improved X and y), and the
 * all-margins-active Newton path (1 when it found X with multipliers y). */
SWEEP_MUST_USE int svm__polish_newton(const svm_cons *cs, double *X, double *y);

SWEEP_MUST_USE int svm__fastpath_solve(const svm_cons *cs, double tol, int64_t max_steps, double *X,
                        double *y, int64_t *steps);

#endif /* UFMSWEEP_SVM_IMPL_H */
