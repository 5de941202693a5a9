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
                                  result depends on the seed); 0: deterministic */
    int reads_options;         /* which SOLVER options change its result: POINT_OPTIONS_* */
} point_solver_def;

/* What a solver reads of the SOLVER options (point_solve_identity). */
enum {
    POINT_OPTIONS_NONE = 0,   /* none (theory only) */
    POINT_OPTIONS_BUDGET = 1, /* iters and tol-grad when given, and init for random_init */
    POINT_OPTIONS_ALL = 2,    /* every one (gradient descent on the UFM) */
    POINT_OPTIONS_EVERY = 3   /* every option of the point (an external command may read any) */
};

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

typedef struct param_def {
    const char *name;     /* long option name, e.g. "n-min" (spec key: "n_min") */
    unsigned group;       /* PARAM_GROUP_* */
    param_type type;
    size_t offset;        /* offset of the field in point_params */
    size_t len_offset;    /* PARAM_VEC: offset of the int length field */
    const char *metavar;  /* e.g. "N" or "step|lt|counts" */
    const char *deflt;    /* default, as shown in --help */
    const char *help;     /* one line */
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
int params_set(point_params *p, const param_def *def, const char *value, sweep_errbuf *eb);

/* params_finalize - Resolve implied settings (counts given -> profile counts and k = number of
 * counts unless k was given) and validate the profile and loss options. Detail in eb. */
int params_finalize(point_params *p, sweep_errbuf *eb);

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
int params_build_problem(const point_params *p, profile **prof, loss_vectors **lv,
                         geom_problem **gp, sweep_errbuf *eb);

/* params_is_set - 1 when the option named name was given explicitly (command line or spec). */
int params_is_set(const point_params *p, const char *name);

/* params_print_help - the options of the given groups, with metavars, defaults and help. */
void params_print_help(FILE *f, unsigned groups);

#endif /* UFMSWEEP_PARAMS_H */
