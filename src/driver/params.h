/* params.h - every option of one grid point (PROBLEM, LOSS; SOLVER as solvers land), described
 * once in a table {name, type, field, default, help}. The same table parses the command line,
 * prints --help, and (with the sweep) parses spec keys, where '-' is written '_'.
 * Root-only / serial: no MPI here.
 */
#ifndef UFMSWEEP_PARAMS_H
#define UFMSWEEP_PARAMS_H

#include "loss.h"
#include "profile.h"
#include "sweep_err.h"

#include <stdint.h>
#include <stdio.h>

/* All options of one point. Fixed-width plain data (can be copied or broadcast as bytes). */
typedef struct point_params {
    profile_opts profile;
    loss_opts loss;
    uint64_t set_mask; /* bit i set when table entry i was given explicitly */
} point_params;

typedef enum param_type {
    PARAM_INT,      /* int field */
    PARAM_REAL,     /* double field */
    PARAM_VEC,      /* double[PROFILE_MAX_K] field with an int length field */
    PARAM_PROFILE,  /* profile_kind field: step | lt | counts */
    PARAM_LOSS,     /* loss_kind field: ce | wce | la | cdt | vs | ldt */
    PARAM_LAMBDA    /* one value for both lambda_w and lambda_h */
} param_type;

/* Option groups, used to select what a command accepts and prints in --help. */
enum {
    PARAM_GROUP_PROBLEM = 1u << 0,
    PARAM_GROUP_LOSS = 1u << 1
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

/* params_print_help - the options of the given groups, with metavars, defaults and help. */
void params_print_help(FILE *f, unsigned groups);

#endif /* UFMSWEEP_PARAMS_H */
