/* params.h - every option of one grid point (PROBLEM, LOSS; SOLVER as solvers land), described
 * once in a table {name, type, field, default, help}. The same table parses the command line,
 * prints --help, and (with the sweep) parses spec keys, where '-' is written '_'.
 * Root-only / serial: no MPI here.
 */
#ifndef UFMSWEEP_PARAMS_H
#define UFMSWEEP_PARAMS_H

#include "geom.h"
#include "loss.h"
#include "profile.h"
#include "sweep_err.h"
#include "ufm.h"

#include <stdint.h>
#include <stdio.h>

/* All options of one point. Fixed-width plain data (can be copied or broadcast as bytes). */
typedef enum point_solver {
    POINT_SOLVER_UFM = 0,         /* gradient descent on the UFM (ufm.h) */
    POINT_SOLVER_NONE = 1,        /* theory only (sweeps): no solve, /results stays NaN */
    POINT_SOLVER_SVM = 2,         /* certified class-level max-margin solve (svm.h) */
    POINT_SOLVER_SVM_EXAMPLE = 3, /* certified example-level max-margin solve (svm.h) */
    POINT_SOLVER_SVM_GD = 4,      /* gradient descent on the factorized SVM (svm.h) */
    POINT_SOLVER_REG = 5,         /* certified regularized global minimizer (reg.h) */
    POINT_SOLVER_REG_EXAMPLE = 6, /* the same on all n examples (reg.h) */
    POINT_SOLVER_EXTERNAL = 7     /* an external command trains a network and writes W, H and
                                     the labels; the point is measured from them (sweeps) */
} point_solver;

/* The solvers, as data: what each needs and does. Every question about a solver (its name, what
 * it validates, whether it records a trace, whether a rank group can run it) is answered here,
 * not by a switch in each caller. */
typedef struct point_solver_def {
    point_solver id;
    const char *name;          /* as in --solver and specs */
    int solves;                /* 0: theory only (no /results) */
    int records_trace;         /* 1: a trace of the iterations (only the UFM solve) */
    int groupable;             /* 1: a rank group can run it (docs/SCALING.md) */
    int needs_ridge;           /* 1: lambda_w and lambda_h must be > 0 */
    int on_examples;           /* 1: works on all n examples: integer class counts */
    double max_columns;        /* most columns (k, or n on examples) it takes; 0: no limit */
    const char *certificate;   /* what its certificate measures ("gap", "violation",
                                  "residual"); NULL when it has none */
    int random_init;           /* 1: starts from a random point keyed by params_init_key (its
                                  result depends on the seed); 0: deterministic. Which options
                                  a solver reads is said by the option table (read_by). */
} point_solver_def;

/* point_solver_info - the table entry of s (never NULL; the ufm entry for an unknown value). */
const point_solver_def *point_solver_info(point_solver s);

/* point_solver_find - the entry named name, or NULL. */
const point_solver_def *point_solver_find(const char *name);

/* point_solver_name - "ufm", "none", "svm", "svm-example", "svm-gd", "reg", "reg-example"
 * (static). */
const char *point_solver_name(point_solver s);

/* solver external: the command template and its time limit (docs/DEEPNET.md). */
#define POINT_COMMAND_MAX 1024
typedef struct point_external_opts {
    char command[POINT_COMMAND_MAX]; /* "prog --loss {loss} --out {out}": split at blanks (quotes
                                        group), {name} replaced inside each argument */
    double timeout_s;                /* > 0 */
} point_external_opts;

typedef struct point_params {
    profile_opts profile;
    loss_opts loss;
    point_solver solver;
    ufm_opts ufm;
    point_external_opts external;
    uint64_t set_mask; /* bit i set when table entry i was given explicitly */
} point_params;

typedef enum param_type {
    PARAM_INT,      /* int field */
    PARAM_REAL,     /* double field */
    PARAM_VEC,      /* double[PROFILE_MAX_K] field with an int length field */
    PARAM_PROFILE,  /* profile_kind field: step | lt | counts */
    PARAM_LOSS,     /* loss_kind field: ce | wce | la | cdt | vs | ldt */
    PARAM_LAMBDA,   /* one value for both lambda_w and lambda_h */
    PARAM_I64,      /* int64_t field */
    PARAM_BOOL,     /* int field: true|false|on|off|yes|no|1|0 */
    PARAM_SOLVER,   /* point_solver field: ufm | none */
    PARAM_OPT,      /* ufm_opt_kind field: gd | ngd | sgdm */
    PARAM_INIT,     /* ufm init: torch | gauss:STD */
    PARAM_MILESTONES, /* double[UFM_MAX_MILESTONES] with int length field */
    PARAM_TEXT        /* char[POINT_COMMAND_MAX] field: any text (the external command) */
} param_type;

/* Option groups, used to select what a command accepts and prints in --help. */
enum {
    PARAM_GROUP_PROBLEM = 1u << 0,
    PARAM_GROUP_LOSS = 1u << 1,
    PARAM_GROUP_SOLVER = 1u << 2
};

/* Which solvers read an option (param_def.read_by): a mask of PARAM_READ(solver) bits, or
 * PARAM_READ_PROBLEM for the options that make the problem (profile, loss vectors, ridge), which
 * the theory and every solver read through params_build_problem. Solver external reads every
 * option (its command may name any). The solve key (point_solve_identity) and the spec's
 * grid_sha256 hash exactly what is read (params_option_read), so an option a solver ignores
 * never makes two equal solves differ, and one it reads always does. */
#define PARAM_READ(solver) (1u << (unsigned)(solver))
#define PARAM_READ_PROBLEM (1u << 16)
#define PARAM_READ_ANY_SOLVER 0xFFFFu
/* the iteration budget and tolerance (--iters, --tol-grad): the UFM reads them as given, the
 * reference solvers as params_budget resolves them */
#define PARAM_READ_BUDGET                                                                      \
    (PARAM_READ(POINT_SOLVER_UFM) | PARAM_READ(POINT_SOLVER_SVM) |                             \
     PARAM_READ(POINT_SOLVER_SVM_EXAMPLE) | PARAM_READ(POINT_SOLVER_SVM_GD) |                 \
     PARAM_READ(POINT_SOLVER_REG) | PARAM_READ(POINT_SOLVER_REG_EXAMPLE))

/* When a solver that reads an option actually uses it (param_def.when). */
typedef enum param_when {
    PARAM_WHEN_ALWAYS = 0,
    PARAM_WHEN_STEP,        /* the STEP profile (rho) */
    PARAM_WHEN_NOT_COUNTS,  /* STEP or LT, not explicit counts (R, n-min) */
    PARAM_WHEN_COUNTS,      /* explicit counts (counts) */
    PARAM_WHEN_GAMMA_LOSS,  /* gamma: wce without explicit omega; cdt, vs, ldt without Delta */
    PARAM_WHEN_TAU_LOSS,    /* tau: la and vs without explicit iota */
    PARAM_WHEN_SGDM,        /* momentum: --opt sgdm */
    PARAM_WHEN_MILESTONES   /* lr-decay: some milestone given */
} param_when;

typedef struct param_def {
    const char *name;     /* long option name, e.g. "n-min" (spec key: "n_min") */
    unsigned group;       /* PARAM_GROUP_* */
    param_type type;
    size_t offset;        /* offset of the field in point_params */
    size_t len_offset;    /* PARAM_VEC: offset of the int length field */
    const char *metavar;  /* e.g. "N" or "step|lt|counts" */
    const char *deflt;    /* default, as shown in --help */
    const char *help;     /* one line */
    unsigned read_by;     /* PARAM_READ(...) bits or PARAM_READ_PROBLEM: who reads it */
    param_when when;      /* and when they do */
} param_def;

/* params_default - every field at its documented default, set_mask = 0. */
void params_default(point_params *p);

/* params_table - the option table; *n receives its length. Static storage. */
const param_def *params_table(size_t *n);

/* params_find - the entry named key ('-' and '_' are interchangeable), restricted to groups;
 * NULL when there is none. */
const param_def *params_find(const char *key, unsigned groups);

/* params_set - Parse value (text) into the field of def and mark it set. Returns SWEEP_OK or
 * SWEEP_ERR_ARG with "--name: 'value' is not ..." in eb. */
SWEEP_MUST_USE int params_set(point_params *p, const param_def *def, const char *value, sweep_errbuf *eb);

/* params_finalize - Resolve implied settings (counts given -> profile counts and k = number of
 * counts unless k was given) and validate the profile and loss options. Detail in eb. */
SWEEP_MUST_USE int params_finalize(point_params *p, sweep_errbuf *eb);

/* params_canonical_text - "name=value;" for every option of `groups` in table order (values
 * in round-trip precision), the text that identifies a point (hashing, provenance). Returns the
 * length written (truncated to cap - 1 like snprintf), or the needed length. */
size_t params_canonical_text(const point_params *p, unsigned groups, char *buf, size_t cap);

/* params_value_text - the value of option def in p in the form of params_canonical_text
 * (numbers in round-trip precision, names for enumerations), without the name: equal values
 * give equal text whatever their spelling was. Returns the length (snprintf-like). */
size_t params_value_text(const point_params *p, const param_def *def, char *buf, size_t cap);

/* params_set_names - the names of the options set explicitly in p, comma-separated, in table
 * order. Returns the length (snprintf-like). */
size_t params_set_names(const point_params *p, char *buf, size_t cap);

/* params_init_key - The RNG key of a point: a hash of seed_base, the seed and the parameters that
 * fix the problem's shape (k, d, counts). Points that differ only in loss or optimizer therefore
 * start from the same initialization (common random numbers across methods). */
uint64_t params_init_key(const point_params *p, const profile *prof, int64_t seed_base);

/* params_build_problem - the profile, loss vectors and implicit-bias problem of a point's
 * options (the chain every command and the sweep start from). On failure nothing is allocated
 * and eb names the cause. Caller destroys the three. */
SWEEP_MUST_USE int params_build_problem(const point_params *p, profile **prof, loss_vectors **lv,
                         geom_problem **gp, sweep_errbuf *eb);

/* params_option_read - 1 when point p's solve (or its theory) reads option def: the table's
 * read_by and when, at p's solver, profile, loss, optimizer and milestones (raw options: no
 * params_finalize needed; explicit counts count as the counts profile). */
SWEEP_MUST_USE int params_option_read(const point_params *p, const param_def *def);

/* The reference solvers' defaults (docs/SOLVERS.md): the tolerance of svm, reg and the theory's
 * certificate, svm's interior-point iterations and the cap on them, reg's iterations. */
#define PARAMS_REF_TOL 1e-10
#define PARAMS_SVM_MAX_IPM 100
#define PARAMS_SVM_ITERS_CAP 100000
#define PARAMS_REG_MAX_ITERS 200000

/* params_budget - the iteration budget and tolerance p's solver runs with: the UFM takes
 * --iters and --tol-grad as they are; a reference solver takes them when given explicitly, else
 * its own defaults (svm: PARAMS_SVM_MAX_IPM, capped at PARAMS_SVM_ITERS_CAP, tolerance
 * PARAMS_REF_TOL; svm-gd: svm_gd_options_default; reg: PARAMS_REG_MAX_ITERS, PARAMS_REF_TOL).
 * 0 and NaN for solvers that read neither. */
void params_budget(const point_params *p, int64_t *max_iter, double *tol);

/* params_value_dup - params_value_text in a malloc'd string of exactly the needed length (caller
 * frees; NULL when out of memory). */
char *params_value_dup(const point_params *p, const param_def *def);

/* params_read_value_dup - the value of option def as point p's solve reads it, malloc'd: the
 * budget (--iters, --tol-grad) as params_budget resolves it for a reference solver, every other
 * option as params_value_text prints it. The one definition the solve key and the spec's
 * identity share. NULL when out of memory. */
char *params_read_value_dup(const point_params *p, const param_def *def);

/* params_canonical_dup - params_canonical_text in a malloc'd string of exactly the needed length
 * (caller frees; NULL when out of memory). */
char *params_canonical_dup(const point_params *p, unsigned groups);

/* params_is_set - 1 when the option named name was given explicitly (command line or spec). */
SWEEP_MUST_USE int params_is_set(const point_params *p, const char *name);

/* params_print_help - the options of the given groups, with metavars, defaults and help. */
void params_print_help(FILE *f, unsigned groups);

#endif /* UFMSWEEP_PARAMS_H */
