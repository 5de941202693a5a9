/* geom_impl.h - internals shared by geom.c and reg.c (not part of the public API). */
#ifndef UFMSWEEP_GEOM_IMPL_H
#define UFMSWEEP_GEOM_IMPL_H

#include "geom.h"

/* geom__prediction_alloc - a prediction of k classes with zeroed G_W, G_H and, as asked, Z and
 * the factors W, Hbar. SWEEP_OK or SWEEP_ERR_NOMEM. */
int geom__prediction_alloc(int k, geom_method m, int with_z, int with_factors,
                           geom_prediction **out);

/* geom__prediction_grams_from_factors - G_W = W^T W, G_H = Hbar^T Hbar, Z = W^T Hbar from the
 * k x k factors of gp (which must have Z and factors). */
void geom__prediction_grams_from_factors(geom_prediction *gp);

#endif /* UFMSWEEP_GEOM_IMPL_H */
