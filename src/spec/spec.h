/* spec.h - the sweep spec (YAML): parsing, overrides, the union of grid blocks, validation of
 * every point, and the identity of a spec and of each point's solve.
 *
 *   name: text            store: path            seed_base: integer
 *   ranks_per_solve: integer >= 1    group_min_work: number >= 0    process_grid: PxQ
 *   (docs/SCALING.md)
 *   fixed: {key: value}
 *   grid: BLOCK           or      grids: [BLOCK, BLOCK, ...]
 *   BLOCK: {key: AXIS, ..., zip: {key: AXIS, ...} | [{key: AXIS, ...}, ...]}
 *   AXIS: [v, ...] | {linspace: [a, b, n]} | {logspace: [a, b, n]} | {range: [a, b(, step)]}
 * Keys are the long option names of params.h with '-' written '_'. Vector options (counts,
 * omega, Delta, iota, milestones) take YAML lists; as an axis, a list of lists. A block is the
 * Cartesian product of its axes in the order written, where the axes of one `zip:` vary together
 * (equal lengths); an option that is not an axis of a block takes its `fixed:` value (or the
 * default) there. The spec's grid is the Cartesian product of the union of each axis's values
 * over all blocks (axes in order of first appearance; the axes of one zip in the option
 * table's order); point p is the C-order (last axis
 * fastest) linear index, and points that are in no block are "not in the study" (never
 * computed). Every error names file:line and the key, or the override that set it. spec_load
 * validates every point of the study before returning, so no work starts on a spec with an
 * impossible point. Root-only or every rank (parsing is deterministic: ranks may parse the same
 * text). No MPI.
 */
#ifndef UFMSWEEP_SPEC_H
#define UFMSWEEP_SPEC_H

#include "params.h"
#include "point.h"
#include "sweep_err.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#define SPEC_MAX_AXES 16
/* The default of `group_min_work` / --group-min-work: k d n iters from which a ufm point runs
 * on a rank group (about ten seconds of one core). */
#define SPEC_DEFAULT_GROUP_MIN_WORK 6e10
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

/* One block of the union: a product of factors, each one axis or several zipped axes. */
#define SPEC_MAX_BLOCKS 256
typedef struct spec_factor {
    int n_axes;              /* 1, or the zipped axes */
    int axis[SPEC_MAX_AXES]; /* indices into spec.axes */
    int n;                   /* number of combinations */
    int32_t *idx;            /* [n * n_axes] union value index of each axis in each combination,
                                in the order written */
    int64_t *keys;           /* [n] each combination as a mixed-radix number over its axes'
                                union sizes, sorted (membership by binary search); NULL when
                                that number would not fit in 64 bits (a large sample: only in
                                the points layout, which never needs it) */
    int is_sample;           /* 1: the combinations of a `sample:` design */
} spec_factor;

/* A block's `sample:` design (what --check and the expanded configuration show). */
typedef enum spec_range_kind { SPEC_RANGE_UNIFORM = 0, SPEC_RANGE_LOG = 1, SPEC_RANGE_INT = 2 } spec_range_kind;
typedef struct spec_sample {
    int factor;              /* the block's factor it made, -1 when the block has no sample */
    int method;              /* design_method */
    int64_t n, seed;
    int digits;              /* significant digits of the values (int ranges: integers) */
    int n_ranges;
    struct {
        int axis;            /* index into spec.axes */
        int kind;            /* spec_range_kind */
        double lo, hi;
    } range[SPEC_MAX_AXES];
} spec_sample;

typedef struct spec_block {
    int line;                 /* 1-based line where the block starts */
    int n_factors;
    spec_factor factor[SPEC_MAX_AXES];
    int has_axis[SPEC_MAX_AXES];  /* 1 when axis a is an axis of this block */
    int32_t base_idx[SPEC_MAX_AXES]; /* axes not in the block: the value index of the block's
                                        (fixed or default) value */
    int64_t n_points;         /* points of the block alone */
    spec_sample sample;
} spec_block;

typedef struct spec_fixed {
    const param_def *def;
    char key[64];
    int line;
    char *text;
} spec_fixed;

/* How a store holds the points (docs/STORE.md): grid - every dataset is shaped like the
 * product of the axes and point p is its C-order linear index (holes: "not in the study");
 * points - every dataset has one dimension `point` over the study's points, each axis is a
 * coordinate variable over it. */
typedef enum spec_layout { SPEC_LAYOUT_GRID = 0, SPEC_LAYOUT_POINTS = 1 } spec_layout;

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
    int n_blocks;          /* >= 1 (`grid:` is one block) */
    spec_block blocks[SPEC_MAX_BLOCKS];
    int union_of_blocks;   /* 1 when written with `grids:` */
    int every_point_in_study; /* 1: one block holding every point of the grid */
    int layout;            /* spec_layout of the store */
    int layout_written;    /* 1 when the spec's `layout:` key chose it; 0 when spec_parse did
                              (points for a sample, past SPEC_MAX_POINTS, or when the blocks
                              hold fewer than half the product; else grid) */
    int64_t n_points;      /* points of the store: the product (grid), the study's (points) */
    int64_t n_in_study;    /* points in some block */
    double n_product;      /* points of the product of the union's axes (may pass 2^63) */
    int every_in_grid;     /* every point of the product is in the study (one plain block) */
    int32_t *pt_idx;       /* points layout: [n_points * n_axes] each axis's value index at each
                              point; the study's points in the order of the blocks, each block
                              in C order (last factor fastest), a point of an earlier block not
                              repeated */
    int16_t *pt_block;     /* points layout: [n_points] the first block that holds the point */
    char spec_sha256[65];  /* hex digest of text (verbatim, without the overrides) */
    char grid_sha256[65];  /* the spec's identity ("ufmsweep-config-2"): hex digest of its
                              meaning: the numerics version, seed_base, every axis's values
                              (canonical: 1 and 1.0 alike), the blocks, and each option that is
                              not an axis by the value the study's solves read
                              (params_option_read, params_budget): comments, key order, zip key
                              order, defaults written out and options no solver reads do not
                              change it */
    char layout_sha256[65]; /* the identity of the store's point numbering, which journals carry:
                               grid_sha256 in the grid layout, the hash of "points:" and
                               grid_sha256 in the points layout (a journal of one layout is
                               never replayed into the other) */
    char legacy_sha256[65]; /* the identity of ufmsweep 0.3 ("ufmsweep-config-1"), which its
                               stores and journals carry: still accepted on --resume */
    char *effective;       /* the expanded configuration as JSON text (stored in provenance) */
    char *overrides;       /* the overrides KEY=VALUE as given, one per line ("" when none) */
    char *resolved;        /* YAML text that parses to this spec without overrides: the text
                              itself without overrides, else the document with them applied */
    size_t resolved_len;
    int trace_points;      /* common to every point (trace_points may not be an axis) */
    int64_t trace_iters;   /* iters when fixed, else -1 (each point has its own schedule) */
    int any_solve;         /* 1 when some point runs a solver (not `none`): /results exists */
    int any_ufm;           /* some point uses --solver ufm (the only solver with traces) */
    int any_external;      /* some point uses --solver external (a command per point) */
} spec;

/* spec_load - Read and parse the file at path, expand the grid, validate every point.
 * Returns SWEEP_OK, SWEEP_ERR_IO (unreadable file), SWEEP_ERR_ARG (with "path:line: key: ..."
 * in eb) or SWEEP_ERR_NOMEM. Caller frees with spec_destroy. */
SWEEP_MUST_USE int spec_load(const char *path, spec **out, sweep_errbuf *eb);

/* spec_parse - The same from text already in memory (path only names it in messages). */
SWEEP_MUST_USE int spec_parse(const char *path, const char *text, size_t len, spec **out, sweep_errbuf *eb);

/* spec_parse_with - spec_parse with Hydra-style overrides applied to the document before it is
 * read: "KEY=VALUE" (VALUE in YAML flow syntax). KEY is a top-level key (store=..., seed_base=3),
 * an option (iters=20 sets it under fixed:, or replaces the axis of that name: a list or a
 * generator replaces its values in every block, a single value makes it fixed), or a path of
 * keys and block numbers (fixed.lr=0.1, grid.R='[1, 2]', grids.1.gamma=[0, 1]). Errors in
 * what an override set name the override. validate = 0: as spec_parse_trusted. */
SWEEP_MUST_USE int spec_parse_with(const char *path, const char *text, size_t len,
                    const char *const *overrides, int n_overrides, int validate, spec **out,
                    sweep_errbuf *eb);

/* spec_load_with - spec_load with overrides (spec_parse_with). */
SWEEP_MUST_USE int spec_load_with(const char *path, const char *const *overrides, int n_overrides, spec **out,
                   sweep_errbuf *eb);

/* spec_parse_trusted - spec_parse without the per-point validation, for text that was validated
 * before (the spec broadcast to workers, the spec stored in a store). */
SWEEP_MUST_USE int spec_parse_trusted(const char *path, const char *text, size_t len, spec **out,
                       sweep_errbuf *eb);

/* spec_destroy - Free *s (NULL accepted), set *s = NULL. */
void spec_destroy(spec **s);

/* spec_set_layout - Lay the points out as layout (spec_layout): the store of another layout is
 * read and written through it (run --resume of a store made in the other layout, readers of a
 * stored spec). n_points, pt_idx and pt_block follow. SWEEP_ERR_ARG (in eb) when grid is asked
 * of a product past SPEC_MAX_POINTS; SWEEP_ERR_NOMEM. */
SWEEP_MUST_USE int spec_set_layout(spec *s, int layout, sweep_errbuf *eb);

/* spec_layout_alt_sha256 - the other identity a journal of this spec's store may carry: the
 * 0.3 hash (legacy_sha256) in the grid layout, NULL in the points layout. */
const char *spec_layout_alt_sha256(const spec *s);

/* spec_layout_name - "grid" or "points". */
const char *spec_layout_name(int layout);

/* spec_axis_at_points - axis a's value at every point of s, as an axis of n_points values
 * (col->text borrows s's strings: free col->text and col->num, not the strings). For the
 * coordinate variables of the points layout. SWEEP_ERR_NOMEM. */
SWEEP_MUST_USE int spec_axis_at_points(const spec *s, int a, spec_axis *col);

/* spec_point_index - the value index of every axis at point p. */
void spec_point_index(const spec *s, int64_t p, int64_t *idx);

/* spec_point_block - the first block that holds point p, or -1 when p is not in the study
 * (grid layout) or out of range. */
SWEEP_MUST_USE int spec_point_block(const spec *s, int64_t p);

/* spec_point_params - the finalized, validated options of point p. Detail in eb; SWEEP_ERR_ARG
 * for a point that is not in the study. */
/* spec_point_options - the finalized options of point p without building its profile and loss
 * (spec_load validated every point): what a solve, its key and its size read, at a fraction of
 * the cost. */
SWEEP_MUST_USE int spec_point_options(const spec *s, int64_t p, point_params *out, sweep_errbuf *eb);

SWEEP_MUST_USE int spec_point_params(const spec *s, int64_t p, point_params *out, sweep_errbuf *eb);

/* spec_point_find - The linear index of the point named by assignments, "R=4,loss=ldt,gamma=0.5"
 * (one KEY=VALUE per axis, separated by commas; keys as in the spec, '-' or '_'; a numeric axis
 * matches by value, so 4, 4.0 and 4e0 name the same coordinate; an axis of one value may be
 * left out). SWEEP_ERR_ARG naming the key and the axis's values when a key is not an axis, a
 * value is not on its axis, or an axis is missing. */
SWEEP_MUST_USE int spec_point_find(const spec *s, const char *assignments, int64_t *p, sweep_errbuf *eb);

/* spec_point_compute - Compute point p of s (computed by rank) through point_solve with the
 * spec's seed_base and trace length: the one path of the sweep's workers, rank 0 and
 * `solve --spec --point`. ufm_solve/ufm_ctx as in point_solve_opts (NULL: on this rank alone),
 * external/external_ctx the runner of solver external's command (NULL: such points fail);
 * stop may be NULL. Never fails: an impossible point is recorded as failed. */
void spec_point_compute(const spec *s, int64_t p, int rank, point_ufm_solve_fn ufm_solve,
                        void *ufm_ctx, point_external_fn external, void *external_ctx,
                        const volatile sig_atomic_t *stop, point_record *rec, double *trace);

/* spec_solve_key - SHA-256 (32 bytes) of point p's solve identity (point_solve_identity): equal
 * keys mean bitwise equal records. SWEEP_ERR_ARG for a point that is not in the study or
 * cannot be built. */
SWEEP_MUST_USE int spec_solve_key(const spec *s, int64_t p, unsigned char key[32], sweep_errbuf *eb);

/* A point and the first 16 bytes of its solve key (2^-64 odds of a clash per pair). */
typedef struct spec_keyed_point {
    unsigned char key[16];
    int64_t p;
} spec_keyed_point;

/* spec_keyed_points - The keyed points p with want[p] != 0 (want NULL: every point of the
 * study), sorted by key and then by point, in *out (malloc'd, caller frees; *n entries).
 * skip_unbuildable: a point whose key cannot be computed is left out (a store made by another
 * build); else its error is returned. SWEEP_ERR_NOMEM. */
SWEEP_MUST_USE int spec_keyed_points(const spec *s, const uint8_t *want, int skip_unbuildable,
                      spec_keyed_point **out, int64_t *n, sweep_errbuf *eb);

/* spec_keyed_find - the entry of sorted kp[n] with this key and the smallest point, or NULL. */
const spec_keyed_point *spec_keyed_find(const spec_keyed_point *kp, int64_t n,
                                        const unsigned char key[16]);

/* spec_reuse_plan - For the points p with want[p] != 0 (want NULL: every point of the study),
 * group those of equal solve keys: rep[p] = the smallest such point of p's group (p itself for
 * a point computed for its group, -1 where want[p] is 0). *n_distinct receives the number of
 * groups. O(n log n). SWEEP_ERR_NOMEM, or SWEEP_ERR_ARG for a point that cannot be built. */
SWEEP_MUST_USE int spec_reuse_plan(const spec *s, const uint8_t *want, int64_t *rep, int64_t *n_distinct,
                    sweep_errbuf *eb);

/* spec_suggest_key - the known key (options with '_', and the spec's top-level keys) nearest
 * to key in edit distance, or NULL when none is close. Static storage. */
const char *spec_suggest_key(const char *key);

/* spec_print_summary - the spec as parsed: its blocks, axes and counts, and (with overrides)
 * the resulting YAML, for `run --check`. */
void spec_print_summary(const spec *s, FILE *f);

/* spec_point_work - k d n iters of point p (the size of its UFM solve); *groupable is 1 when it
 * is a ufm solve a process group can run (no bias). 0 when the point cannot be built. */
double spec_point_work(const spec *s, int64_t p, int *groupable);

/* spec_point_label - "R=10, loss=cdt, gamma=0.5" for messages. */
void spec_point_label(const spec *s, int64_t p, char *buf, size_t cap);

/* sha256_raw - SHA-256 of data (OpenSSL), 32 bytes. */
void sha256_raw(const void *data, size_t len, unsigned char out[32]);

/* sha256_hex - hex SHA-256 of data (OpenSSL), 65 bytes with the terminator. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif /* UFMSWEEP_SPEC_H */
