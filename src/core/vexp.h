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

/* vexp_row_sum - one class row of the softmax pass: for i < n outside [skip_lo, skip_hi)
 * (the entries of the row's own class),
 *     x = z[i] - u[i]                   when alpha is NULL, a = 1 and b = 0,
 *     x = (a_i z[i] + b) - u[i]         otherwise (a_i = alpha[i], or a if alpha is NULL),
 *     out[i] = e^x (as vexp_inplace),  sum[i] += out[i];
 * inside, out[i] = 0 and sum[i] unchanged. Every product and sum is rounded as written (no
 * contraction). out must not overlap the inputs. vexp_row_sum_portable: the same without vector
 * instructions, bitwise identical. */
void vexp_row_sum(const double *z, const double *alpha, double a, double b, const double *u,
                  size_t skip_lo, size_t skip_hi, double *out, double *sum, size_t n);
void vexp_row_sum_portable(const double *z, const double *alpha, double a, double b,
                           const double *u, size_t skip_lo, size_t skip_hi, double *out,
                           double *sum, size_t n);

#endif /* UFMSWEEP_VEXP_H */
