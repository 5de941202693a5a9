/* point.h - computing one grid point: the theory and (unless solver = none) one solve.
 *
 * The result travels as a fixed-size point_record followed by its trace (field-major:
 * trace[f * P + j] for field f of POINT_TRACE_FIELDS and trace point j), through MPI and the
 * journal unchanged. A point's numbers depend only on its options and seed, never on the rank
 * that computes it. Called on workers (and on rank 0 when it computes); no MPI here.
 */
#ifndef UFMSWEEP_POINT_H
#define UFMSWEEP_POINT_H

#include "metrics.h"
#include "spec.h"

#include <signal.h>
#include <stdint.h>

/* /status/state values */
enum point_state {
    POINT_PENDING = 0,
    POINT_DONE = 1,
    POINT_FAILED = 2,        /* an error, or a diverged solve */
    POINT_NOT_CONVERGED = 3  /* a stop tolerance was set and not reached within iters */
};

/* theory_source values */
enum point_theory_source {
    POINT_THEORY_NONE = 0,        /* neither a closed form nor a certified convex solve */
    POINT_THEORY_CLOSED_FORM = 1,
    POINT_THEORY_CONVEX = 2       /* the class-level convex solve, certified gap <= 1e-10 */
};

/* Scalars of a solve stored beside the metrics in /results. */
#define POINT_SOLVE_FIELDS 4 /* train_loss, objective, grad_norm, iters_run */
/* Per trace point: iter, learning_rate, train_loss, grad_norm, then the GEOM_METRICS_COUNT
 * metrics. */
#define POINT_TRACE_FIELDS (4 + GEOM_METRICS_COUNT)

typedef struct point_record {
    int64_t point;        /* linear grid index */
    int32_t state;        /* enum point_state */
    int32_t outcome;      /* ufm_outcome, 0 without a solve */
    int32_t theory_source;
    int32_t error_code;   /* SWEEP_OK or the error of a failed point */
    int32_t rank;         /* who computed it (status only) */
    int32_t attempts;     /* completions recorded so far, set by the writer */
    double wall_s;        /* compute time (status only) */
    double solve[POINT_SOLVE_FIELDS];
    double theory[GEOM_METRICS_COUNT];
    double result[GEOM_METRICS_COUNT];
    char message[128];    /* outcome or error text, "" when done cleanly */
} point_record;

/* point_solve_field_name - "train_loss", "objective", "grad_norm", "iters_run" (the JSON of
 * `solve` says loss and iters; in a store these names would clash with the axes loss/iters). */
const char *point_solve_field_name(int i);

/* point_trace_field_name - "iter", "learning_rate", "train_loss", "grad_norm", then the metric
 * names. */
const char *point_trace_field_name(int f);

/* point_compute - Compute point p of s into rec and (when s->trace_points > 0 and trace is not
 * NULL) trace[POINT_TRACE_FIELDS * trace_points], NaN where not reached. Never fails: an error
 * is recorded as state POINT_FAILED with its message. stop (may be NULL) is a flag a signal
 * handler sets: a UFM solve checks it every iteration and, when it is set, gives up; the record
 * then has state POINT_PENDING and error_code SWEEP_ERR_INTERRUPTED (no result: recompute it). */
void point_compute(const spec *s, int64_t p, int rank, const volatile sig_atomic_t *stop,
                   point_record *rec, double *trace);

typedef struct pufm_grid pufm_grid;

/* point_compute_on - point_compute with the UFM solve on the process grid of a rank group
 * (grid != NULL; collective over the group: every member calls it for the same point and all
 * get the same record) or on this rank alone (grid == NULL). */
void point_compute_on(const spec *s, int64_t p, int rank, pufm_grid *grid,
                      const volatile sig_atomic_t *stop, point_record *rec, double *trace);

/* point_work - k d n iters of point p (the size of its UFM solve); *groupable is 1 when it is a
 * ufm solve a process group can run (no bias). 0 when the point cannot be built. */
double point_work(const spec *s, int64_t p, int *groupable);

#endif /* UFMSWEEP_POINT_H */
