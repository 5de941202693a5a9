/* geom_impl.h - internals shared by geom.c and reg.c (not part of the public API). */
#ifndef UFMSWEEP_GEOM_IMPL_H
#define UFMSWEEP_GEOM_IMPL_H

#include "sweep_err.h"

#include "geom.h"

/* geom__prediction_alloc - a prediction of k classes with zeroed G_W, G_H and, as asked, Z and
 * the factors W, Hbar. SWEEP_OK or SWEEP_ERR_NOMEM. */
SWEEP_MUST_USE int geom__prediction_alloc(int k, geom_method m, int with_z, int with_factors,
                           geom_prediction **out);

/* geom__prediction_grams_from_factors - G_W = W^T W, G_H = Hbar^T Hbar, Z = W^T Hbar from the
 * k x k factors of gp (which must have Z and factors). */
void geom__prediction_grams_from_factors(geom_prediction *gp);

/* geom__prediction_from_columns - finish a prediction whose factor W is set, from the balanced
 * column factor H (k x ncol) of X = W^T H: at class level (example = 0, ncol = k) the columns
 * are hbar_c sqrt(n_c), at example level the examples, class by class; sets Hbar, then the Grams.
 * Returns the within-class spread (NaN at class level). Shared by the convex solvers. */
double geom__prediction_from_columns(geom_prediction *gp, const double *counts, int example,
                                     const double *H);

#endif /* UFMSWEEP_GEOM_IMPL_H */
