/* rng.h - counter-based random numbers (Philox4x32-10, Salmon et al., SC'11 / Random123).
 *
 * A draw is a pure function of (key, counter): no state, so a grid point's initialization
 * depends only on its key (seed and parameters) and not on the rank, thread or order that
 * produced it. Streams: the caller picks a 32-bit stream id per matrix and indexes entries.
 * Plain C, no MPI.
 */
#ifndef UFMSWEEP_RNG_H
#define UFMSWEEP_RNG_H

#include <stddef.h>
#include <stdint.h>

/* rng_philox4x32_10 - the Philox4x32 bijection with 10 rounds: out = f_key(ctr). */
void rng_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* rng_uniform_fill - x[i] = a + (b - a) * u_i, u_i uniform in [0, 1) with 53 random bits,
 * u_i taken from counter (i, stream). */
void rng_uniform_fill(uint64_t key, uint32_t stream, double a, double b, double *x, size_t n);

/* rng_gauss_fill - x[i] = std * N(0,1) by Box-Muller from counter (i, stream). */
void rng_gauss_fill(uint64_t key, uint32_t stream, double std, double *x, size_t n);

/* rng_uniform_at / rng_gauss_at - entry i of what rng_uniform_fill / rng_gauss_fill write
 * (bitwise the same), for filling a distributed matrix entry by entry. */
double rng_uniform_at(uint64_t key, uint32_t stream, double a, double b, size_t i);
double rng_gauss_at(uint64_t key, uint32_t stream, double std, size_t i);

/* rng_hash64 - FNV-1a of a byte string, for deriving keys from canonical parameter text. */
uint64_t rng_hash64(const void *data, size_t len, uint64_t h);

#define RNG_HASH64_INIT UINT64_C(0xcbf29ce484222325)

#endif /* UFMSWEEP_RNG_H */
