/* profile.h - label profiles: how many examples each class has, and which classes are majority.
 *
 * Conventions (docs/THEORY.md, Conventions):
 *   - classes are ordered majority first: 0 .. k_maj-1 are majority under STEP;
 *   - rho is the fraction of MINORITY classes (the authors' code uses the majority fraction;
 *     both agree at rho = 1/2);
 *   - counts are stored as doubles: the closed forms accept any positive real counts (a theory
 *     sweep over a continuous R), while solvers that need whole examples call
 *     profile_check_integer_counts() first.
 *
 * Plain C on arrays, no MPI; every function may be called from any rank.
 */
#ifndef UFMSWEEP_PROFILE_H
#define UFMSWEEP_PROFILE_H

#include "sweep_err.h"

#include <stdint.h>

/* The largest number of classes any option struct can carry (fixed-width, so option structs can
 * be broadcast as plain bytes). */
#define PROFILE_MAX_K 1024

typedef enum profile_kind {
    PROFILE_STEP = 0, /* k_min = rho*k classes of n_min examples, the rest R*n_min */
    PROFILE_LT = 1,   /* n_c = n_min * R^((k-1-c)/(k-1)), rounded: n_0/n_{k-1} = R */
    PROFILE_COUNTS = 2 /* explicit counts */
} profile_kind;

/* profile_kind_name - "step", "lt" or "counts" (static string). */
const char *profile_kind_name(profile_kind kind);

/* Options that define a profile. Plain data; set with profile_opts_default then overwrite. */
typedef struct profile_opts {
    profile_kind kind;
    int k;         /* number of classes (ignored for PROFILE_COUNTS when n_counts > 0) */
    double R;      /* imbalance ratio, >= 1 */
    double rho;    /* fraction of minority classes (STEP) */
    double n_min;  /* examples per minority class (STEP) / in the smallest class (LT), >= 1 */
    int d;         /* embedding dimension; 0 means "equal to k" */
    int n_counts;  /* length of counts[] for PROFILE_COUNTS */
    double counts[PROFILE_MAX_K];
} profile_opts;

/* profile_opts_default - k = 10, STEP, R = 10, rho = 0.5, n_min = 5, d = 0 (= k). */
void profile_opts_default(profile_opts *o);

/* A realized profile. Created by profile_create, owned by the caller, freed by profile_destroy. */
typedef struct profile {
    profile_kind kind;
    int k;
    int d;           /* embedding dimension after resolving d = 0 to k */
    int k_maj;       /* number of majority classes */
    int k_min;       /* number of minority classes */
    double n;        /* total number of examples, sum of counts */
    double *counts;  /* [k] examples per class, > 0 */
    unsigned char *is_major; /* [k] 1 for a majority class, 0 for a minority class */
    double R;        /* the ratio that defined the profile (STEP, LT); max/min count for COUNTS */
    double n_min;    /* smallest count */
} profile;

/* profile_opts_validate - Check o without building anything. On failure returns SWEEP_ERR_ARG
 * (or SWEEP_ERR_NUMERIC for NaN/Inf) and writes a sentence naming the option and its value to
 * eb. Rules: k >= 2; R >= 1 and finite; STEP: rho*k an integer with 1 <= k_min <= k-1 unless
 * R = 1; n_min >= 1; COUNTS: every count > 0 and finite, at least 2 counts, and k (if set
 * explicitly to something else than the count length) consistent; d >= k-1. */
SWEEP_MUST_USE int profile_opts_validate(const profile_opts *o, sweep_errbuf *eb);

/* profile_create - Validate o and build the profile. *out is set on success only.
 * Returns SWEEP_OK, SWEEP_ERR_ARG/SWEEP_ERR_NUMERIC (detail in eb) or SWEEP_ERR_NOMEM. */
SWEEP_MUST_USE int profile_create(const profile_opts *o, profile **out, sweep_errbuf *eb);

/* profile_destroy - Free *p (NULL and *p == NULL accepted) and set *p = NULL. */
void profile_destroy(profile **p);

/* profile_check_integer_counts - SWEEP_OK when every count is a whole number (needed by the
 * example-level solvers), else SWEEP_ERR_ARG with the first offending class in eb. */
SWEEP_MUST_USE int profile_check_integer_counts(const profile *p, sweep_errbuf *eb);

#endif /* UFMSWEEP_PROFILE_H */
