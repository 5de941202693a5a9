/* vexp.h - a vectorized exponential for the softmax pass.
 *
 * vexp_inplace replaces each x[i] by e^{x[i]}: for arguments in [-708.3, 709.7] with a relative
 * error below 2.3e-16 (about 1 ulp; tests/unit/test_ufm.c checks it against expl), by 0 below
 * -708.3 (where e^x is below 2.5e-308: negligible next to the terms it is summed with) and by
 * +inf above 709.7 (e^x overflows at 709.78; callers treat inf as overflow and redo the
 * column with its maximum taken out). NaN in, NaN out; e^0 is exactly 1.
 * Method: a 64-entry table of 2^(j/64) and a degree-5 polynomial (vexp.c). Every multiply-add
 * is an explicit, correctly rounded fma(), so the AVX2+FMA version (chosen at run time) and the
 * generic one give bitwise identical results on every x86-64 machine; without hardware FMA the
 * generic version is slow but exact. Serial, no MPI; x may have any alignment.
 */
#ifndef UFMSWEEP_VEXP_H
#define UFMSWEEP_VEXP_H

#include <stddef.h>

void vexp_inplace(double *x, size_t n);

/* vexp_inplace_portable - the version without vector instructions, which vexp_inplace falls
 * back to; its results are bitwise identical (tests compare the two). */
void vexp_inplace_portable(double *x, size_t n);

#endif /* UFMSWEEP_VEXP_H */
