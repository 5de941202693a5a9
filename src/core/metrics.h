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

/* X(name, long name): every metric, in the order of docs/THEORY.md, Metrics. The one list:
 * the struct below, the index enum, the names and CF long names (metrics.c) and every stored,
 * transported and exported copy of a metric (src/point/record.c) are made from it. Adding a
 * metric is a line here and the code in metrics.c that computes it. Every metric is
 * dimensionless (CF units "1"). The fields, briefly: the norm ratios are mean ||w_c||^2 (class
 * means hbar_c) over majority classes / over minority classes; the cosines are means over pairs
 * within the majority, within the minority, and across; wh_cos_* the cosine of w_c and hbar_c
 * (needs Z); dist_* are || G/|G|_F - Gp/|Gp|_F ||_F against the prediction Gp (dist_z on
 * W^T Hbar); nc1
 * is tr(Sigma_W Sigma_B^+)/k (0 for collapsed embeddings); margin the minimum cost-sensitive
 * margin over ||W||_F^2 + ||H||_F^2; h_fro of collapsed embeddings sqrt(sum_c n_c ||hbar_c||^2). */
#define GEOM_METRIC_LIST(X)                                                                        \
    X(w_norm_ratio, "mean squared classifier norm of majority classes over that of minority "      \
                    "classes")                                                                     \
    X(h_norm_ratio, "mean squared class-mean embedding norm of majority classes over that of "     \
                    "minority classes")                                                            \
    X(w_cos_majmaj, "mean cosine between classifiers of two majority classes")                     \
    X(w_cos_minmin, "mean cosine between classifiers of two minority classes")                     \
    X(w_cos_majmin, "mean cosine between a majority and a minority classifier")                    \
    X(h_cos_majmaj, "mean cosine between class-mean embeddings of two majority classes")           \
    X(h_cos_minmin, "mean cosine between class-mean embeddings of two minority classes")           \
    X(h_cos_majmin, "mean cosine between a majority and a minority class-mean embedding")          \
    X(wh_cos_maj, "mean cosine between classifier and class-mean embedding over majority classes") \
    X(wh_cos_min, "mean cosine between classifier and class-mean embedding over minority classes") \
    X(dist_gw, "distance of the normalized classifier Gram matrix to the predicted one")           \
    X(dist_gh, "distance of the normalized class-mean embedding Gram matrix to the predicted one") \
    X(dist_z, "distance of the normalized class-mean logit matrix to the predicted one")           \
    X(nc1, "within-class variability collapse tr(Sigma_W Sigma_B^+)/k")                            \
    X(train_acc, "fraction of training examples classified correctly")                             \
    X(margin, "minimum cost-sensitive margin over squared Frobenius norms of W and H")             \
    X(w_fro, "Frobenius norm of the classifier W")                                                 \
    X(h_fro, "Frobenius norm of the embeddings H")

typedef struct geom_metrics {
#define GEOM_METRIC_MEMBER_(name, long_name) double name;
    GEOM_METRIC_LIST(GEOM_METRIC_MEMBER_)
#undef GEOM_METRIC_MEMBER_
} geom_metrics;

/* GEOM_METRIC_<name>: the index of a metric (geom_metric_name, the record's arrays). */
enum geom_metric_index {
#define GEOM_METRIC_INDEX_(name, long_name) GEOM_METRIC_##name,
    GEOM_METRIC_LIST(GEOM_METRIC_INDEX_)
#undef GEOM_METRIC_INDEX_
    GEOM_METRICS_COUNT
};

/* The fields of geom_metrics in order, by index: names (docs/THEORY.md, Metrics) and values.
 * Every consumer (JSON, CSV, the store) iterates over these instead of listing fields. */
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
