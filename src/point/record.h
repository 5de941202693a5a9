/* record.h - a point's record: the states of a point, the fixed-size point_record that travels
 * through MPI and the journal into the store, and its members as data: the one table from
 * which the transport of a record (the MPI datatype of a RESULT message, src/comm/sweep_comm.c)
 * is made. Includes only the metric and error headers (the journal and the store need nothing
 * else of the point layer to hold records).
 * A member added to point_record is added here too, or the unit test that checks that the
 * table covers the struct whole (tests/unit/test_identity.c) fails. No MPI here: the types are
 * plain element kinds that the comm layer maps to MPI's. */
#ifndef UFMSWEEP_RECORD_H
#define UFMSWEEP_RECORD_H

#include "metrics.h"
#include "sweep_err.h"

#include <stddef.h>
#include <stdint.h>

/* /status/state values: the one list of the states, their names (CF flag_meanings, JSON, the
 * Python reading layer reads them from the store's attributes) and what they mean.
 * X(enumerator, value, name, meaning) */
#define POINT_STATE_LIST(X)                                                                     \
    X(POINT_PENDING, 0, "pending", "not computed yet")                                          \
    X(POINT_DONE, 1, "done", "computed (converged, or at its iteration budget)")                \
    X(POINT_FAILED, 2, "failed", "an error or a diverged solve")                                \
    X(POINT_NOT_CONVERGED, 3, "not_converged", "a tolerance was set and not reached")           \
    X(POINT_NOT_IN_STUDY, 4, "not_in_study",                                                     \
      "in no block of the spec's grids (never computed, NaN everywhere)")

enum point_state {
#define POINT_STATE_ENUM_(e, v, name, meaning) e = v,
    POINT_STATE_LIST(POINT_STATE_ENUM_)
#undef POINT_STATE_ENUM_
    POINT_STATE_COUNT = 5
};

/* point_state_name - "pending", "done", "failed", "not_converged", "not_in_study" ("unknown"
 * for another value). Static. */
const char *point_state_name(int state);

/* point_state_flag_meanings - the names in value order, blank-separated (CF flag_meanings);
 * point_state_comment - "name: meaning; ..." for every state (the CF comment of /status/state).
 * Static. */
const char *point_state_flag_meanings(void);
const char *point_state_comment(void);

/* point_record.source values (>= 1: the number of a --reuse store) */
enum point_source {
    POINT_COMPUTED = -1,   /* computed for this point (or pending) */
    POINT_COPIED_HERE = 0  /* the record of an equal problem of this store (point_solve_identity) */
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
    int64_t source_point; /* a copy: the point it was copied from (in this store, or in reuse
                             source `source`); -1 when computed for itself */
    int32_t source;       /* POINT_COMPUTED (-1), POINT_COPIED_HERE (0), or i >= 1: copied from
                             the store of the i-th --reuse source (/provenance/reuse) */
    int32_t reserved;     /* 0 */
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

/* point_solve_field_long_name, point_trace_field_long_name - a sentence naming the field (CF
 * long_name); all are dimensionless. */
const char *point_solve_field_long_name(int i);
const char *point_trace_field_long_name(int f);


typedef enum record_elem {
    RECORD_I64,  /* int64_t */
    RECORD_I32,  /* int32_t */
    RECORD_F64,  /* double */
    RECORD_CHAR  /* char */
} record_elem;

typedef struct record_member {
    const char *name;   /* the member of point_record */
    record_elem elem;
    size_t offset;      /* offsetof(point_record, member) */
    int count;          /* elements */
    int transported;    /* 1: sent with a RESULT (0: padding kept for layout, "reserved") */
} record_member;

/* record_members - the table, in struct order; *n receives its length. Static storage. */
const record_member *record_members(int *n);

/* record_elem_size - the bytes of one element. */
size_t record_elem_size(record_elem e);

#endif /* UFMSWEEP_RECORD_H */
