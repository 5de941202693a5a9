/* numparse.h - the one checked parser for every integer that comes from a user or a file
 * (command lines, specs, store attributes, journal fields).
 *
 * Strict: an optional sign and decimal digits only, the whole text, no spaces; overflow and
 * values outside [lo, hi] are refused. Returns SWEEP_OK, SWEEP_ERR_ARG (not an integer, or not
 * the expected shape) or SWEEP_ERR_RANGE (an integer outside [lo, hi], overflow included); *out
 * is written only on success. No MPI, no state.
 */
#ifndef UFMSWEEP_NUMPARSE_H
#define UFMSWEEP_NUMPARSE_H

#include "sweep_err.h"

#include <stdint.h>

/* numparse_i64 - text as an integer in [lo, hi]. */
SWEEP_MUST_USE int numparse_i64(const char *text, int64_t lo, int64_t hi, int64_t *out);

/* numparse_int - numparse_i64 for an int. */
SWEEP_MUST_USE int numparse_int(const char *text, int lo, int hi, int *out);

/* numparse_pair - "AsepB" (e.g. "4x2" with sep 'x', "3/8" with sep '/'), each in [lo, hi]. */
SWEEP_MUST_USE int numparse_pair(const char *text, char sep, int64_t lo, int64_t hi, int64_t *a, int64_t *b);

/* The largest process grid of a grouped solve (ranks in one group). */
#define NUMPARSE_MAX_GRID 4096

/* numparse_grid - a process grid "PxQ" with P, Q >= 1 and P Q <= NUMPARSE_MAX_GRID (the one
 * parser of --grid and process_grid). SWEEP_ERR_ARG otherwise; *rows, *cols untouched then. */
SWEEP_MUST_USE int numparse_grid(const char *text, int *rows, int *cols);

#endif /* UFMSWEEP_NUMPARSE_H */
