/* geom.h - the predicted (implicit-bias) geometry of the CE family (docs/THEORY.md: max-margin problems and closed forms).
 *
 * A geom_problem names the max-margin problem whose solution gradient descent approaches:
 *   GEOM_UFSVM   UF-SVM (ce, wce, la; any VS-form loss with constant Delta): SELI
 *   GEOM_MARGIN  margin-form CS-SVM, margins delta_c = 1/Delta_c (ldt)
 *   GEOM_CDT     CDT-form CS-SVM with temperatures Delta_c (cdt, vs)
 * A geom_prediction holds its class-level geometry: the Gram matrices G_W = W^T W and
 * G_H = Hbar^T Hbar, the class-level logits Z = W^T Hbar and, where known, one balanced
 * factorization (W, Hbar) in R^{k x k}.
 *
 * Matrices are k x k, column-major, double; entry (i, j) is at [i + j*k]. Scale: the counts are
 * the real class counts (W^T W scales as sqrt(n_min), Hbar^T Hbar as 1/sqrt(n_min)), except for
 * the CDT closed form, which is exact only up to a common positive scale; every metric is
 * scale-free. Plain C + LAPACK, no MPI.
 */
#ifndef UFMSWEEP_GEOM_H
#define UFMSWEEP_GEOM_H

#include "loss.h"
#include "profile.h"
#include "sweep_err.h"

typedef enum geom_problem_kind {
    GEOM_UFSVM = 0,
    GEOM_MARGIN = 1,
    GEOM_CDT = 2
} geom_problem_kind;

/* geom_problem_kind_name - "uf-svm", "margin-cs-svm", "cdt-cs-svm" (static). */
const char *geom_problem_kind_name(geom_problem_kind kind);

typedef struct geom_problem {
    geom_problem_kind kind;
    int k;
    int k_maj, k_min;
    double *counts;          /* [k] copy of the class counts */
    unsigned char *is_major; /* [k] copy of the majority flags */
    double *scale;           /* [k] delta_c (GEOM_MARGIN), Delta_c (GEOM_CDT), 1 (GEOM_UFSVM) */
    int is_step;             /* 1 when the counts come from a STEP profile */
    double R, n_min;         /* STEP parameters (valid when is_step) */
    int regularized;         /* 1 when lambda_w or lambda_h > 0: the target is the regularized
                                minimizer, not a max-margin problem (no closed form) */
} geom_problem;

/* geom_problem_from_loss - The implicit-bias problem of loss lv on profile p: UF-SVM for
 * VS-form losses whose Delta is constant, CDT form otherwise, margin form for ldt.
 * Caller frees with geom_problem_destroy. */
SWEEP_MUST_USE int geom_problem_from_loss(const profile *p, const loss_vectors *lv, geom_problem **out,
                           sweep_errbuf *eb);

/* geom_problem_destroy - Free *gp (NULL accepted), set *gp = NULL. */
void geom_problem_destroy(geom_problem **gp);

typedef enum geom_method {
    GEOM_METHOD_SELI_MATRIX = 0, /* k x k eigendecomposition of P N P (any counts, any delta) */
    GEOM_METHOD_SELI_STEP = 1,   /* section-6 STEP formulas (SELI, or margin form via R_eff) */
    GEOM_METHOD_CDT_STEP = 2,    /* section-6 CDT-form formulas, STEP with rho = 1/2 */
    GEOM_METHOD_REG_CONVEX = 3,  /* certified regularized minimizer (reg.h), lambda > 0 */
    GEOM_METHOD_SVM_CONVEX = 4,  /* certified class-level max-margin solve (svm.h) */
    GEOM_METHOD_SVM_EXAMPLE = 5, /* certified example-level max-margin solve (svm.h) */
    GEOM_METHOD_SVM_GD = 6       /* gradient descent on the factorized SVM (svm.h) */
} geom_method;

/* geom_method_name - "seli_matrix", "seli_step", "cdt_step", "reg_convex", "svm_convex",
 * "svm_example", "svm_gd" (static). */
const char *geom_method_name(geom_method m);

typedef struct geom_prediction {
    int k;
    geom_method method;
    double *G_W;  /* [k*k] */
    double *G_H;  /* [k*k] */
    double *Z;    /* [k*k] W^T Hbar, or NULL when the method does not determine it */
    double *W;    /* [k*k] balanced factor (column c = w_c), or NULL */
    double *Hbar; /* [k*k] balanced factor (column c = hbar_c), or NULL */
} geom_prediction;

/* geom_prediction_destroy - Free *gp (NULL accepted), set *gp = NULL. */
void geom_prediction_destroy(geom_prediction **gp);

/* geom_predict - The closed-form prediction for prob. Uses the matrix function for UF-SVM and
 * margin form (any counts); the CDT STEP formulas for CDT form under STEP with k_maj = k_min and
 * Delta constant on each block. Returns
 * SWEEP_ERR_NO_CLOSED_FORM (with the reason in eb) otherwise, or when prob->regularized. */
SWEEP_MUST_USE int geom_predict(const geom_problem *prob, geom_prediction **out, sweep_errbuf *eb);

/* geom_predict_seli_matrix - SELI for class weights weights[k] > 0 (counts), optionally with
 * margins delta[k] > 0 (NULL = all 1): eigendecomposition P N' P = Q L Q^T with
 * N' = diag(weights_c delta_c^2); W = L^{1/4} Q^T, Hbar = L^{+1/4} Q^T diag(delta),
 * so G_W = (P N' P)^{1/2}, G_H = diag(delta) ((P N' P)^+)^{1/2} diag(delta) and
 * W^T Hbar = P diag(delta). */
SWEEP_MUST_USE int geom_predict_seli_matrix(int k, const double *weights, const double *delta,
                             geom_prediction **out);

/* geom_predict_seli_step - The section-6 STEP formulas for k_maj classes of R*n_min examples
 * and k_min of n_min (k_maj or k_min may be 0: balanced ETF). Fills G_W, G_H and Z = P;
 * no factors. */
SWEEP_MUST_USE int geom_predict_seli_step(int k_maj, int k_min, double R, double n_min, geom_prediction **out);

/* geom_predict_margin_step - Margin-form CS-SVM under STEP from the SELI STEP formulas at
 * R_eff = R (delta_maj/delta_min)^2, rescaled: G_H -> diag(delta) G_H diag(delta),
 * Z = P diag(delta). Independent of the matrix function (tests compare the two). */
SWEEP_MUST_USE int geom_predict_margin_step(int k_maj, int k_min, double R, double n_min, double delta_maj,
                             double delta_min, geom_prediction **out);

/* geom_predict_cdt_step - CDT-form CS-SVM under STEP with k_maj = k_min = k/2 (k even),
 * temperatures a = Delta_maj, b = Delta_min. Fills G_W and G_H (common positive scale);
 * Z = NULL, no factors. */
SWEEP_MUST_USE int geom_predict_cdt_step(int k, double R, double n_min, double a, double b,
                          geom_prediction **out);

/* The ten SELI STEP inner products of section 6 at n_min = 1. */
typedef struct geom_seli_step_values {
    double w_maj2, w_majmaj, w_min2, w_minmin, w_majmin;
    double h_maj2, h_majmaj, h_min2, h_minmin, h_majmin;
} geom_seli_step_values;

/* geom_seli_step_values_compute - requires k_maj >= 1, k_min >= 1, R > 0. */
void geom_seli_step_values_compute(int k_maj, int k_min, double R, geom_seli_step_values *v);

#endif /* UFMSWEEP_GEOM_H */
