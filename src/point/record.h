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

/* X(name, long name): the scalars of a solve, stored beside the metrics in /results. Stored
 * names differ from the option names on purpose: a data variable may not share its name with a
 * grid axis in xarray/netCDF, and `loss`, `iters` and `lr` are axes in many specs. */
#define POINT_SOLVE_LIST(X)                                                                     \
    X(train_loss, "mean training loss at the final iterate")                                   \
    X(objective, "objective at the final iterate: mean loss plus ridge and weight-decay terms " \
                 "(reference solvers: their objective)")                                       \
    X(grad_norm, "norm of the objective's gradient at the final iterate")                      \
    X(iters_run, "number of updates (iterations) performed")

typedef struct point_solve_scalars {
#define POINT_SOLVE_MEMBER_(name, long_name) double name;
    POINT_SOLVE_LIST(POINT_SOLVE_MEMBER_)
#undef POINT_SOLVE_MEMBER_
} point_solve_scalars;

/* X(name, long name): the per-iteration values of a trace before the GEOM_METRICS_COUNT metrics;
 * a trace holds trace[f * P + j] for field f (these, then the metrics) at trace point j. */
#define POINT_TRACE_HEAD_LIST(X)                                                                \
    X(iter, "iteration")                                                                       \
    X(learning_rate, "learning rate")                                                          \
    X(train_loss, "mean training loss")                                                        \
    X(grad_norm, "norm of the gradient")

enum point_trace_head {
#define POINT_TRACE_HEAD_INDEX_(name, long_name) POINT_TRACE_##name,
    POINT_TRACE_HEAD_LIST(POINT_TRACE_HEAD_INDEX_)
#undef POINT_TRACE_HEAD_INDEX_
    POINT_TRACE_HEAD_COUNT
};

#define POINT_SOLVE_FIELDS ((int)(sizeof(point_solve_scalars) / sizeof(double)))
#define POINT_TRACE_FIELDS (POINT_TRACE_HEAD_COUNT + GEOM_METRICS_COUNT)

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
    point_solve_scalars solve;
    double theory[GEOM_METRICS_COUNT];
    double result[GEOM_METRICS_COUNT];
    char message[128];    /* outcome or error text, "" when done cleanly */
} point_record;

/* point_text_clean - control characters of s (bytes below 0x20, and 0x7f) replaced by '?', in
 * place: a message stored or printed never carries a terminal escape or a line break (an
 * external command's stderr line can hold both). Returns s. */
char *point_text_clean(char *s);

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
    RECORD_CHAR, /* char */
    RECORD_I8,   /* int8_t (stored only) */
    RECORD_U8    /* uint8_t (stored only) */
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

/* The stored fields: one row per grid-shaped dataset of a store (docs/STORE.md), from which the
 * store creates, opens, writes and reads its datasets with their CF attributes, `export` makes
 * its CSV columns and netCDF variables, and verify knows what a store holds. Python's reading
 * layer takes labels and state codes from the attributes written from it. */
typedef enum record_group {
    RECORD_GROUP_THEORY,  /* /theory: the prediction */
    RECORD_GROUP_RESULTS, /* /results: what the solve found (stores whose spec solves) */
    RECORD_GROUP_STATUS,  /* /status: state and bookkeeping */
    RECORD_GROUP_TRACES   /* /traces: along training (a last dimension of trace points; stores
                             of specs with traces) */
} record_group;

typedef enum record_code {
    RECORD_CODE_PLAIN,      /* the member's value as it is */
    RECORD_CODE_POSITIVE,   /* a positive value as it is, others as the fill (and read back as
                               0): the outcome, 0 for "no solve" in a record, -1 on file */
    RECORD_CODE_COMMIT_TIME /* not a member: the writer's clock when it commits the point (NaN
                               unless store_stamp_commits) */
} record_code;

/* export columns: CSV rows, netCDF variables */
#define RECORD_EXPORT_CSV 1u
#define RECORD_EXPORT_NC 2u

typedef struct record_field {
    const char *name;        /* the dataset GROUP/name */
    const char *column;      /* its name in CSV and netCDF (theory_<metric>, <field>_trace) */
    record_group group;
    record_elem stored;      /* element type of the dataset (RECORD_CHAR: text of
                                point_record.message, characters along a last dimension) */
    record_elem member;      /* element type of the point_record member */
    size_t offset;           /* of the member in point_record; traces: the field index f */
    record_code code;
    double fill;             /* fill value of the dataset, what an absent optional field and a
                                pending point read as */
    const char *long_name;   /* CF long_name */
    const char *units;       /* CF units, NULL: none */
    const char *flag_meanings; /* CF flags (NULL: none): the values flag_values[0..n_flags) */
    const int64_t *flag_values;
    int n_flags;
    const char *comment;     /* CF comment, NULL: none */
    int optional;            /* older stores lack it (0.2: commit_time; 0.3: source*) */
    unsigned exports;        /* RECORD_EXPORT_* */
} record_field;

/* record_fields - the table; *n receives its length. Static storage. The order is the CSV
 * column and netCDF variable order. */
const record_field *record_fields(int *n);

/* record_field_find - the index of GROUP/name in the table, or -1. */
SWEEP_MUST_USE int record_field_find(record_group group, const char *name);

/* record_group_path - "/theory", "/results", "/status", "/traces". */
const char *record_group_path(record_group group);

/* record_field_get, record_field_set - the value of field f (not traces, not text, not the
 * commit time) of a record as a double, and its inverse (with the field's code applied: the
 * stored value). Exact for every value a record holds (int64 point indices below 2^53). */
double record_field_get(const record_field *f, const point_record *rec);
void record_field_set(const record_field *f, point_record *rec, double v);

#endif /* UFMSWEEP_RECORD_H */
