/* vexp.h - a vectorizable exponential for the softmax pass.
 *
 * vexp_inplace replaces x[i] by e^{x[i]} for arguments in [-708.3, 709.7] with a relative error
 * below 5e-16 (about 2 ulp; tested against libm), and by 0 for arguments below -708.3 (where
 * e^x is subnormal or 0: below 1e-307, negligible next to the terms it is summed with).
 * Cody-Waite reduction, degree-13 Taylor polynomial by Estrin's scheme, exponent by bit
 * assembly. Every multiply-add is an explicit, correctly rounded fma(), so the AVX2+FMA version
 * (chosen at run time) and the generic one give bitwise identical results on every x86-64
 * machine; without hardware FMA the generic version is slow but exact. NaN in, NaN out. No MPI.
 */
#ifndef UFMSWEEP_VEXP_H
#define UFMSWEEP_VEXP_H

#include <stddef.h>

void vexp_inplace(double *x, size_t n);

#endif /* UFMSWEEP_VEXP_H */
