/* spec.h - the sweep spec (YAML): parsing, grid expansion and validation of every point.
 *
 *   name: text            store: path            seed_base: integer
 *   ranks_per_solve: integer >= 1    group_min_work: number >= 0    process_grid: PxQ
 *   (docs/SCALING.md)
 *   fixed: {key: value}   grid: {key: [v, ...] | {linspace: [a, b, n]} | {logspace: [a, b, n]}
 *                                    | {range: [a, b]} | {range: [a, b, step]}}
 * Keys are the long option names of params.h with '-' written '_'. Vector options (counts,
 * omega, Delta, iota, milestones) take YAML lists; as an axis, a list of lists. The grid is the
 * Cartesian product of the axes in the order written; point p is the C-order (last axis
 * fastest) linear index. Every error names file:line and the key. spec_load validates every
 * grid point before returning, so no work starts on a spec with an impossible point.
 * Root-only or every rank (parsing is deterministic: ranks may parse the same text). No MPI.
 */
#ifndef UFMSWEEP_SPEC_H
#define UFMSWEEP_SPEC_H

#include "params.h"
#include "point.h"
#include "sweep_err.h"

#include <signal.h>
#include <stdint.h>

#define SPEC_MAX_AXES 16
#define SPEC_MAX_FIXED 64
/* The most points one spec (one store) may have: 10^8 points already mean ~40 GB of grid-shaped
 * datasets and a few minutes of validation. */
#define SPEC_MAX_POINTS 100000000LL

typedef struct spec_axis {
    const param_def *def; /* the option this axis sets */
    char key[64];         /* the key as written in the spec */
    int line;             /* 1-based line of the key */
    int n;                /* number of values, >= 1 */
    char **text;          /* [n] values as option text (params_set input) */
    double *num;          /* [n] numeric coordinates (NaN where a value is not a number) */
    int numeric;          /* 1 when every value is a number */
} spec_axis;

typedef struct spec_fixed {
    const param_def *def;
    char key[64];
    int line;
    char *text;
} spec_fixed;

typedef struct spec {
    char *path;            /* as given (for messages) */
    char *text;            /* the file, verbatim */
    size_t text_len;
    char name[256];
    char store[4096];      /* store path from the spec ("" when absent) */
    int64_t seed_base;
    int ranks_per_solve;   /* top-level `ranks_per_solve` (default 1; `run --ranks-per-solve`
                              overrides it): workers form groups for large ufm points */
    double group_min_work; /* top-level `group_min_work` (default 6e10): k d n iters from which
                              a ufm point is grouped */
    int grid_rows, grid_cols; /* top-level `process_grid: PxQ` (P Q = ranks_per_solve; 0 x 0:
                                 1 x ranks_per_solve) */
    point_params base;     /* defaults + fixed settings */
    int n_fixed;
    spec_fixed fixed[SPEC_MAX_FIXED];
    int n_axes;
    spec_axis axes[SPEC_MAX_AXES];
    int64_t n_points;
    char spec_sha256[65];  /* hex digest of text */
    char grid_sha256[65];  /* hex digest of the expanded grid + fixed settings + seed_base */
    char *effective;       /* the expanded configuration as JSON text (stored in provenance) */
    int trace_points;      /* common to every point (trace_points may not be an axis) */
    int64_t trace_iters;   /* iters when fixed, else -1 (each point has its own schedule) */
    int any_solve;         /* 1 when some point runs a solver (not `none`): /results exists */
    int any_ufm;           /* some point uses --solver ufm (the only solver with traces) */
} spec;

/* spec_load - Read and parse the file at path, expand the grid, validate every point.
 * Returns SWEEP_OK, SWEEP_ERR_IO (unreadable file), SWEEP_ERR_ARG (with "path:line: key: ..."
 * in eb) or SWEEP_ERR_NOMEM. Caller frees with spec_destroy. */
int spec_load(const char *path, spec **out, sweep_errbuf *eb);

/* spec_parse - The same from text already in memory (path only names it in messages). */
int spec_parse(const char *path, const char *text, size_t len, spec **out, sweep_errbuf *eb);

/* spec_parse_trusted - spec_parse without the per-point validation, for text that was validated
 * before (the spec broadcast to workers, the spec stored in a store). */
int spec_parse_trusted(const char *path, const char *text, size_t len, spec **out,
                       sweep_errbuf *eb);

/* spec_destroy - Free *s (NULL accepted), set *s = NULL. */
void spec_destroy(spec **s);

/* spec_point_index - the multi-index (one entry per axis) of linear point p. */
void spec_point_index(const spec *s, int64_t p, int64_t *idx);

/* spec_point_params - the finalized, validated options of point p. Detail in eb. */
int spec_point_params(const spec *s, int64_t p, point_params *out, sweep_errbuf *eb);

/* spec_point_find - The linear index of the point named by assignments, "R=4,loss=ldt,gamma=0.5"
 * (one KEY=VALUE per axis, separated by commas; keys as in the spec, '-' or '_'; a numeric axis
 * matches by value, so 4, 4.0 and 4e0 name the same coordinate; an axis of one value may be
 * left out). SWEEP_ERR_ARG naming the key and the axis's values when a key is not an axis, a
 * value is not on its axis, or an axis is missing. */
int spec_point_find(const spec *s, const char *assignments, int64_t *p, sweep_errbuf *eb);

/* spec_point_compute - Compute point p of s (computed by rank) through point_solve with the
 * spec's seed_base and trace length: the one path of the sweep's workers, rank 0 and
 * `solve --spec --point`. ufm_solve/ufm_ctx as in point_solve_opts (NULL: on this rank alone);
 * stop may be NULL. Never fails: an impossible point is recorded as failed. */
void spec_point_compute(const spec *s, int64_t p, int rank, point_ufm_solve_fn ufm_solve,
                        void *ufm_ctx, const volatile sig_atomic_t *stop, point_record *rec,
                        double *trace);

/* spec_point_work - k d n iters of point p (the size of its UFM solve); *groupable is 1 when it
 * is a ufm solve a process group can run (no bias). 0 when the point cannot be built. */
double spec_point_work(const spec *s, int64_t p, int *groupable);

/* spec_point_label - "R=10, loss=cdt, gamma=0.5" for messages. */
void spec_point_label(const spec *s, int64_t p, char *buf, size_t cap);

/* sha256_hex - hex SHA-256 of data (OpenSSL), 65 bytes with the terminator. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif /* UFMSWEEP_SPEC_H */
