/* design.h - sampled designs on the unit cube: Sobol (quasi-random), Latin hypercube, random.
 *
 * A design is n points in [0, 1)^dim, a pure function of (method, dim, n, seed): no state, no
 * dependence on the machine, the rank or the thread (Philox counters, integer arithmetic).
 *   sobol   Joe and Kuo's direction numbers (new-joe-kuo-6.21201, the set SciPy and many others
 *           use), points in Gray-code order, each coordinate XORed with a random 32-bit digital
 *           shift drawn from the seed. A digital shift keeps the net property: the first 2^m
 *           points of each axis still have exactly one point in each interval [j/2^m,
 *           (j+1)/2^m). Up to DESIGN_SOBOL_MAX_DIM axes.
 *   lhs     Latin hypercube: axis j is cut into n strata of width 1/n; a random permutation puts
 *           one point in each stratum, uniformly inside it.
 *   random  independent uniform points.
 * Plain C, no MPI, no BLAS.
 */
#ifndef UFMSWEEP_DESIGN_H
#define UFMSWEEP_DESIGN_H

#include "sweep_err.h"

#include <stdint.h>

#define DESIGN_SOBOL_MAX_DIM 16
/* the most points of one design (Sobol indices are 32-bit) */
#define DESIGN_MAX_POINTS 100000000LL

typedef enum design_method {
    DESIGN_SOBOL = 0,
    DESIGN_LHS = 1,
    DESIGN_RANDOM = 2
} design_method;

/* design_method_parse - "sobol", "lhs", "random" into *m; SWEEP_ERR_ARG otherwise.
 * design_method_name - the name of m. */
SWEEP_MUST_USE int design_method_parse(const char *text, design_method *m);
const char *design_method_name(design_method m);

/* design_sobol_raw - the first n points of the unshifted Sobol sequence in dim dimensions as
 * 32-bit integers (x = out / 2^32), row-major out[n * dim]; point 0 is the origin. For tests
 * against published values. SWEEP_ERR_ARG for dim outside 1..DESIGN_SOBOL_MAX_DIM or n outside
 * 0..DESIGN_MAX_POINTS. */
SWEEP_MUST_USE int design_sobol_raw(int dim, int64_t n, uint32_t *out);

/* design_unit_points - n points of the design in [0, 1)^dim, row-major u[n * dim] (caller's).
 * SWEEP_ERR_ARG (with a sentence in eb) for dim < 1, dim > DESIGN_SOBOL_MAX_DIM for sobol, or n
 * outside 1..DESIGN_MAX_POINTS; SWEEP_ERR_NOMEM (lhs needs n integers of scratch). */
SWEEP_MUST_USE int design_unit_points(design_method m, int dim, int64_t n, uint64_t seed,
                                      double *u, sweep_errbuf *eb);

#endif /* UFMSWEEP_DESIGN_H */
