/* point.h - the point layer: one point's theory and (unless solver = none) one solve, from its
 * options alone (point_params, a domain type). No MPI, no files, no spec: the sweep
 * (spec_point_compute), `solve --spec --point` and the workers all come through point_solve.
 *
 * The result travels as a fixed-size point_record followed by its trace (field-major:
 * trace[f * P + j] for field f of POINT_TRACE_FIELDS and trace point j), through MPI and the
 * journal unchanged. A point's numbers depend only on its options and seed, never on the rank
 * that computes it. Any rank; no MPI here.
 */
#ifndef UFMSWEEP_POINT_H
#define UFMSWEEP_POINT_H

#include "sweep_err.h"

#include "record.h"

#include "metrics.h"
#include "params.h"
#include "refsolve.h"
#include "ufm.h"

#include <signal.h>
#include <stdint.h>

/* point_ufm_solve_fn - a UFM solve run somewhere else than on this rank alone (a rank group's
 * process grid: the comm layer's pufm_solve). Same contract as ufm_solver_create with (p, lv, o,
 * key) followed by ufm_solver_solve(prob, ref, trace, res); ctx is the caller's. */
typedef int (*point_ufm_solve_fn)(void *ctx, const profile *p, const loss_vectors *lv,
                                  const ufm_opts *o, uint64_t key, const geom_problem *prob,
                                  const geom_prediction *ref, ufm_trace *trace, ufm_result *res,
                                  sweep_errbuf *eb);

/* Everything point_solve knows about a point beyond its record, for callers that report it
 * (`ufmsweep solve`). Filled only when point_solve_opts.out is given; its previous contents are
 * overwritten, not freed. The objects are then the caller's (point_solve_out_clear). Fields
 * stay NULL / NaN where the point did not get there. */
typedef struct point_solve_out {
    profile *prof;
    loss_vectors *lv;
    geom_problem *gp;
    geom_prediction *pred;   /* the reference geometry, NULL without one */
    int theory_source;       /* REFSOLVE_THEORY_* (refsolve.h) */
    svm_result theory_cert;  /* the certificate of a convex-solve reference (theory_source 2) */
    sweep_errbuf theory_note; /* .msg: why there is no reference, "" when there is one */
    ufm_result ufm;          /* solver ufm */
    ufm_trace *trace;        /* solver ufm with a trace */
    refsolve_result ref;     /* the reference solvers */
    geom_prediction *ref_solution; /* their class-level solution (refsolve_run), NULL for
                                      svm-gd */
    double solve_wall_s;     /* seconds of the solve alone (not the theory) */
    sweep_errbuf error;      /* code and detail of a point that failed with an error */
} point_solve_out;

/* point_solve_out_clear - destroy the objects of out and reset it (out may be NULL). */
void point_solve_out_clear(point_solve_out *out);

/* A trained network as `solver: external` and `ufmsweep measure` read it: PyTorch's layout,
 * float64. Owned by whoever filled it (point_network_clear frees). */
typedef struct point_network {
    int k, d;
    int64_t n;
    double *W;       /* k x d, row-major (fc.weight): the d x k column-major W of metrics.h */
    double *b;       /* k, or NULL: the classifier's bias (train_acc_bias) */
    double *H;       /* n x d, row-major (one row per example): d x n column-major */
    int64_t *labels; /* n, each in 0..k-1 */
} point_network;

/* point_network_clear - free the arrays (NULL fields accepted) and zero net. */
void point_network_clear(point_network *net);

/* point_measure - The metrics of net (docs/THEORY.md, Metrics) against the prediction pred of
 * problem gp, whose profile prof (k classes, counts) the network's labels must match: its
 * class counts equal prof->counts (SWEEP_ERR_ARG naming the first class that differs), W is
 * k x d with d = prof->d. The examples are taken class by class in their order (a stable sort
 * of the labels). *train_acc_bias receives the accuracy of argmax(W h + b) when net->b is given,
 * NaN otherwise (train_acc, a metric, is that of W h). pred may be NULL (distances NaN). */
SWEEP_MUST_USE int point_measure(const profile *prof, const geom_problem *gp, const geom_prediction *pred,
                  const point_network *net, geom_metrics *m, double *train_acc_bias,
                  sweep_errbuf *eb);

/* point_external_fn - run point's external command (solver external) and read the network it
 * wrote into net. SWEEP_OK; SWEEP_ERR_INTERRUPTED when *stop was set and the command killed
 * (the point stays pending); any other code fails the point with eb's message (the command's
 * exit, a time limit, a missing or bad file). ctx is the caller's. */
typedef int (*point_external_fn)(void *ctx, const point_params *pp, int64_t point,
                                 const volatile sig_atomic_t *stop, point_network *net,
                                 sweep_errbuf *eb);

/* How point_solve runs a point. */
typedef struct point_solve_opts {
    int64_t seed_base;              /* the sweep's seed_base: part of the initialization key */
    int trace_points;               /* P: the trace's length (0: none) */
    point_ufm_solve_fn ufm_solve;   /* NULL: the UFM solve runs here, on this rank alone */
    void *ufm_ctx;                  /* passed to ufm_solve */
    const volatile sig_atomic_t *stop; /* may be NULL; a signal handler's flag: a UFM solve on
                                          this rank checks it every iteration and gives up */
    point_solve_out *out;           /* may be NULL: receives everything beyond the record */
    point_external_fn external;     /* solver external: runs the command (NULL: such a point
                                       fails, there is no command runner here) */
    void *external_ctx;             /* passed to external */
} point_solve_opts;

/* point_solve - Compute the point with options pp (finalized and validated) into rec (its index
 * point and the rank that computed it recorded) and, when trace is not NULL,
 * trace[POINT_TRACE_FIELDS * P], NaN where not reached. Never fails: an error is recorded as
 * state POINT_FAILED with its message; a solve given up on the stop flag leaves state
 * POINT_PENDING and error_code SWEEP_ERR_INTERRUPTED (no result: compute it again). Collective
 * over a group only through o->ufm_solve. */
void point_solve(const point_params *pp, const point_solve_opts *o, int64_t point, int rank,
                 point_record *rec, double *trace);

/* The numerics version: the bits of every computed result (records, traces, theory) are those
 * of this version. A change that moves any result by a rounding is a deliberate bump here,
 * documented in docs/STORE.md (Numerics versions): it is part of every solve key, stores record
 * it (attribute numerics_version), and points of another version are never copied (--reuse) or
 * continued (--resume). Version 1: ufmsweep 0.3.x. */
#define POINT_NUMERICS_VERSION 1

/* point_solve_identity - The bytes that determine what point_solve computes for pp (finalized
 * and validated) with this seed_base and trace length: the numerics version, the class counts
 * and shape, the loss's (omega, Delta, iota) vectors after presets and its ridge, the solver,
 * every other option the option table says it reads at this point (params_option_read), by
 * resolved value (params_budget), and, for solvers that start from a random point, the
 * initialization key; never the loss's name, an unread option, whether a value was written or
 * defaulted, or (for deterministic solvers) the seed. No length limit. Two points with the same bytes get bitwise the same record and trace, so a sweep
 * computes one and copies it. Writes at most cap bytes to buf and returns the length needed
 * (call again with a larger buf when it is more than cap), 0 when the point cannot be built
 * (detail in eb). */
size_t point_solve_identity(const point_params *pp, int64_t seed_base, int trace_points,
                            unsigned char *buf, size_t cap, sweep_errbuf *eb);

/* point_record_init - rec for point (computed by rank) before anything is known: state failed,
 * every value NaN, and the trace[POINT_TRACE_FIELDS * trace_points] (may be NULL) NaN. */
void point_record_init(point_record *rec, int64_t point, int rank, int trace_points,
                       double *trace);

/* point_record_fail - mark rec failed with code and its message "<code text>: <detail>". */
void point_record_fail(point_record *rec, int code, const char *detail);

#endif /* UFMSWEEP_POINT_H */
