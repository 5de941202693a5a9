/* metrics.h - the one metrics function of docs/THEORY.md, Metrics, shared by theory, SVM and GD.
 *
 * Every path (closed form, convex reference, gradient descent) ends in geom_metrics_compute
 * (factors W, Hbar and optionally H) or, when only Gram matrices are known (the CDT closed form),
 * in geom_metrics_from_grams, which geom_metrics_compute itself calls; both give identical
 * definitions. Group statistics whose group has fewer members than they need (a cosine within a
 * one-class group, a ratio with an empty group) are NaN, written as JSON null / HDF5 NaN.
 * Plain C + BLAS/LAPACK, no MPI.
 */
#ifndef UFMSWEEP_METRICS_H
#define UFMSWEEP_METRICS_H

#include "sweep_err.h"

#include "geom.h"

#include <stdint.h>

typedef struct geom_metrics {
    double w_norm_ratio;  /* mean ||w_c||^2 over majority / mean over minority */
    double h_norm_ratio;  /* same for the class means hbar_c */
    double w_cos_majmaj;  /* mean pairwise cosine within the majority classifiers */
    double w_cos_minmin;
    double w_cos_majmin;  /* mean cosine over (majority, minority) pairs */
    double h_cos_majmaj;
    double h_cos_minmin;
    double h_cos_majmin;
    double wh_cos_maj;    /* mean cos(w_c, hbar_c) over majority classes (needs Z) */
    double wh_cos_min;
    double dist_gw;       /* || G_W/|G_W|_F - G*_W/|G*_W|_F ||_F (needs a reference) */
    double dist_gh;
    double dist_z;        /* same on W^T Hbar (needs Z and the reference Z) */
    double nc1;           /* tr(Sigma_W Sigma_B^+)/k; 0 for collapsed embeddings */
    double train_acc;     /* fraction of examples whose plain logits W^T h rank the label first */
    double margin;        /* min cost-sensitive margin / (||W||_F^2 + ||H||_F^2) */
    double w_fro;         /* ||W||_F */
    double h_fro;         /* ||H||_F (collapsed: sqrt(sum_c n_c ||hbar_c||^2)) */
} geom_metrics;

/* The fields of geom_metrics in order, by index: names (docs/THEORY.md, Metrics) and values.
 * Every consumer (JSON, CSV, the store) iterates over these instead of listing fields. */
#define GEOM_METRICS_COUNT 18
const char *geom_metric_name(int i);
double geom_metric_value(const geom_metrics *m, int i);
/* geom_metric_long_name - a sentence naming metric i (CF long_name); NULL out of range. Every
 * metric is dimensionless (CF units "1"). */
const char *geom_metric_long_name(int i);

/* A class vector (w_c, or the class mean hbar_c) has vanished when its norm is at most
 * GEOM_VANISHED_REL times the largest norm among the k vectors of its kind: its direction is
 * round-off (minority collapse leaves minority vectors of 1e-15 beside majority vectors of 1).
 * Angles involving it are not computed (a cosine over no remaining pair is NaN, null in JSON),
 * and a norm ratio is NaN when every vector of a group vanished. docs/THEORY.md, Metrics. */
#define GEOM_VANISHED_REL 1e-6

/* geom_metrics_set_nan - every field NaN. */
void geom_metrics_set_nan(geom_metrics *m);

/* geom_metrics_from_grams - Metrics from k x k column-major G_W = W^T W, G_H = Hbar^T Hbar and
 * Z = W^T Hbar (Z may be NULL: wh_cos_*, dist_z, train_acc and margin are then NaN), assuming
 * collapsed embeddings (every h_i = hbar_{y_i}, so nc1 = 0). prob gives k, counts, groups and the
 * margin kind: UF-SVM min (z_cc - z_c'c), margin form min (z_cc - z_c'c)/delta_c, CDT form
 * min (Delta_c z_cc - Delta_c' z_c'c). ref may be NULL (distances NaN); a ref without Z leaves
 * dist_z NaN. Vanished vectors as GEOM_VANISHED_REL says. Returns SWEEP_OK, SWEEP_ERR_ARG (k
 * mismatch) or SWEEP_ERR_NOMEM. */
SWEEP_MUST_USE int geom_metrics_from_grams(const geom_problem *prob, const double *G_W, const double *G_H,
                            const double *Z, const geom_prediction *ref, geom_metrics *out);

/* geom_metrics_compute - Metrics of a model with classifier W (d x k, column c = w_c) and class
 * means Hbar (d x k). When H (d x n, column-major, examples laid out class by class with
 * prob->counts examples per class, n = sum of counts) is given, nc1, train_acc, margin and
 * h_fro are computed from the examples; Hbar must then be H's class means. H == NULL means
 * collapsed embeddings. Returns SWEEP_OK, SWEEP_ERR_ARG, SWEEP_ERR_NOMEM or SWEEP_ERR_LAPACK. */
SWEEP_MUST_USE int geom_metrics_compute(const geom_problem *prob, int d, const double *W, const double *Hbar,
                         const double *H, const geom_prediction *ref, geom_metrics *out);

/* geom_prediction_metrics - The metrics of a prediction against itself (distances 0): through
 * its factors when it has them, else through its Gram matrices (the CDT closed form). */
SWEEP_MUST_USE int geom_prediction_metrics(const geom_problem *prob, const geom_prediction *pred,
                            geom_metrics *out);

/* geom_class_means - Hbar (d x k) = class means of H (d x n, class-by-class layout of counts). */
void geom_class_means(int d, int k, const double *counts, const double *H, double *Hbar);

/* Pieces of the example-level metrics, for solvers that hold the examples in parts (the
 * distributed solver): geom_cs_margin is the cost-sensitive margin of one logit column z (k) of
 * class y (the minimum over c != y; see geom_metrics_from_grams for the kinds), geom_predicts is 1
 * when z ranks y strictly first, and geom_nc1_directions gives the r = rank principal directions
 * U (d x min(d,k)) and singular values S (min(d,k)) of the centred class means, so that
 * nc1 = sum_j sum_i (u_j^T (h_i - hbar_{y_i}))^2 / (n S_j^2). */
double geom_cs_margin(const geom_problem *prob, const double *z, int y);
SWEEP_MUST_USE int geom_predicts(const double *z, int k, int y);
SWEEP_MUST_USE int geom_nc1_directions(const geom_problem *prob, int d, const double *Hbar, double *U,
                        double *S, int *rank);

/* geom_within_class_spread - max_i ||h_i - hbar_{y_i}|| / max_c ||hbar_c|| for H (d x n, the
 * class-by-class layout of counts) and its class means Hbar (d x k): 0 for collapsed embeddings,
 * NaN when every class mean is 0. */
double geom_within_class_spread(int d, int k, const double *counts, const double *H,
                                const double *Hbar);

#endif /* UFMSWEEP_METRICS_H */
