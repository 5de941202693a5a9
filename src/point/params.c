#include "params.h"

#include "command.h"
#include "enumtab.h"
#include "numparse.h"

#include "svm.h"

#include "rng.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#define F(member) offsetof(point_params, member)

static const param_def table[] = {
    /* PROBLEM */
    {"k", PARAM_GROUP_PROBLEM, PARAM_INT, F(profile.k), 0, "K", "10",
     "number of classes (>= 2; implied by --counts)",
     PARAM_READ_PROBLEM, PARAM_WHEN_ALWAYS},
    {"profile", PARAM_GROUP_PROBLEM, PARAM_PROFILE, F(profile.kind), 0, "step|lt|counts", "step",
     "label profile: STEP(R, rho), long-tail LT(R), or explicit counts",
     PARAM_READ_PROBLEM, PARAM_WHEN_ALWAYS},
    {"R", PARAM_GROUP_PROBLEM, PARAM_REAL, F(profile.R), 0, "R", "10",
     "imbalance ratio n_max/n_min (>= 1; real values allowed for theory)",
     PARAM_READ_PROBLEM, PARAM_WHEN_NOT_COUNTS},
    {"rho", PARAM_GROUP_PROBLEM, PARAM_REAL, F(profile.rho), 0, "RHO", "0.5",
     "STEP: fraction of MINORITY classes (rho*k must be an integer)",
     PARAM_READ_PROBLEM, PARAM_WHEN_STEP},
    {"n-min", PARAM_GROUP_PROBLEM, PARAM_REAL, F(profile.n_min), 0, "N", "5",
     "examples per minority class (STEP) / in the smallest class (LT)",
     PARAM_READ_PROBLEM, PARAM_WHEN_NOT_COUNTS},
    {"counts", PARAM_GROUP_PROBLEM, PARAM_VEC, F(profile.counts), F(profile.n_counts),
     "n0,n1,...", "-", "explicit class counts (implies --profile counts and k)",
     PARAM_READ_PROBLEM, PARAM_WHEN_COUNTS},
    {"d", PARAM_GROUP_PROBLEM, PARAM_INT, F(profile.d), 0, "D", "k",
     "embedding dimension (>= k-1; 0 means k)",
     PARAM_READ_PROBLEM, PARAM_WHEN_ALWAYS},
    /* LOSS */
    {"loss", PARAM_GROUP_LOSS, PARAM_LOSS, F(loss.kind), 0, "ce|wce|la|cdt|vs|ldt", "ce",
     "CE-family member (docs/THEORY.md, Loss presets)",
     PARAM_READ_PROBLEM, PARAM_WHEN_ALWAYS},
    {"gamma", PARAM_GROUP_LOSS, PARAM_REAL, F(loss.gamma), 0, "G", "0",
     "exponent: wce omega ~ n_c^-G; cdt, vs, ldt Delta ~ n_c^G",
     PARAM_READ_PROBLEM, PARAM_WHEN_GAMMA_LOSS},
    {"tau", PARAM_GROUP_LOSS, PARAM_REAL, F(loss.tau), 0, "T", "1",
     "logit adjustment of la and vs: iota_c = T log pi_c",
     PARAM_READ_PROBLEM, PARAM_WHEN_TAU_LOSS},
    {"lambda", PARAM_GROUP_LOSS, PARAM_LAMBDA, F(loss.lambda_w), 0, "L", "0",
     "ridge on both W and H (sets --lambda-w and --lambda-h)",
     PARAM_READ_PROBLEM, PARAM_WHEN_ALWAYS},
    {"lambda-w", PARAM_GROUP_LOSS, PARAM_REAL, F(loss.lambda_w), 0, "L", "0", "ridge on W",
     PARAM_READ_PROBLEM, PARAM_WHEN_ALWAYS},
    {"lambda-h", PARAM_GROUP_LOSS, PARAM_REAL, F(loss.lambda_h), 0, "L", "0", "ridge on H",
     PARAM_READ_PROBLEM, PARAM_WHEN_ALWAYS},
    {"omega", PARAM_GROUP_LOSS, PARAM_VEC, F(loss.omega), F(loss.n_omega), "v0,v1,...", "preset",
     "explicit per-class loss weights (k values > 0), replacing the preset's",
     PARAM_READ_PROBLEM, PARAM_WHEN_ALWAYS},
    {"Delta", PARAM_GROUP_LOSS, PARAM_VEC, F(loss.Delta), F(loss.n_Delta), "v0,v1,...", "preset",
     "explicit per-class logit temperatures (k values > 0)",
     PARAM_READ_PROBLEM, PARAM_WHEN_ALWAYS},
    {"iota", PARAM_GROUP_LOSS, PARAM_VEC, F(loss.iota), F(loss.n_iota), "v0,v1,...", "preset",
     "explicit per-class additive logit offsets (k values)",
     PARAM_READ_PROBLEM, PARAM_WHEN_ALWAYS},
    /* SOLVER */
    {"solver", PARAM_GROUP_SOLVER, PARAM_SOLVER, F(solver), 0,
     "ufm|svm|svm-example|svm-gd|reg|reg-example|external|none", "ufm",
     "ufm: gradient descent on the UFM; svm: certified class-level max-margin solve; "
     "svm-example: the same on all n examples; svm-gd: gradient descent on the factorized SVM; "
     "reg: certified regularized minimizer (needs --lambda); reg-example: the same on all n "
     "examples; external: a network trained by --command, measured (sweeps); none: theory "
     "only",
     PARAM_READ_ANY_SOLVER, PARAM_WHEN_ALWAYS},
    {"opt", PARAM_GROUP_SOLVER, PARAM_OPT, F(ufm.opt), 0, "gd|ngd|sgdm", "sgdm",
     "optimizer: plain, normalized (step lr/||g||), or PyTorch SGD with momentum",
     PARAM_READ(POINT_SOLVER_UFM), PARAM_WHEN_ALWAYS},
    {"lr", PARAM_GROUP_SOLVER, PARAM_REAL, F(ufm.lr), 0, "ETA", "0.1", "learning rate (> 0)",
     PARAM_READ(POINT_SOLVER_UFM), PARAM_WHEN_ALWAYS},
    {"momentum", PARAM_GROUP_SOLVER, PARAM_REAL, F(ufm.momentum), 0, "MU", "0.9",
     "sgdm momentum in [0, 1)",
     PARAM_READ(POINT_SOLVER_UFM), PARAM_WHEN_SGDM},
    {"wd", PARAM_GROUP_SOLVER, PARAM_REAL, F(ufm.wd), 0, "WD", "0",
     "coupled weight decay: g += WD * x for W, H and b (PyTorch weight_decay)",
     PARAM_READ(POINT_SOLVER_UFM), PARAM_WHEN_ALWAYS},
    {"milestones", PARAM_GROUP_SOLVER, PARAM_MILESTONES, F(ufm.milestones), F(ufm.n_milestones),
     "i1,i2,...", "none", "iterations at which the learning rate is multiplied by --lr-decay",
     PARAM_READ(POINT_SOLVER_UFM), PARAM_WHEN_ALWAYS},
    {"lr-decay", PARAM_GROUP_SOLVER, PARAM_REAL, F(ufm.lr_decay), 0, "F", "0.1",
     "learning-rate factor at each milestone",
     PARAM_READ(POINT_SOLVER_UFM), PARAM_WHEN_MILESTONES},
    {"iters", PARAM_GROUP_SOLVER, PARAM_I64, F(ufm.iters), 0, "N", "1000",
     "maximum number of full-batch updates",
     PARAM_READ_BUDGET, PARAM_WHEN_ALWAYS},
    {"tol-grad", PARAM_GROUP_SOLVER, PARAM_REAL, F(ufm.tol_grad), 0, "TOL", "0 (off)",
     "stop (converged) when the gradient norm <= TOL",
     PARAM_READ_BUDGET, PARAM_WHEN_ALWAYS},
    {"tol-loss", PARAM_GROUP_SOLVER, PARAM_REAL, F(ufm.tol_loss), 0, "TOL", "0 (off)",
     "stop (converged) when the mean training loss <= TOL",
     PARAM_READ(POINT_SOLVER_UFM), PARAM_WHEN_ALWAYS},
    {"init", PARAM_GROUP_SOLVER, PARAM_INIT, F(ufm.init), 0, "torch|gauss:STD", "torch",
     "initialization: PyTorch nn.Linear defaults, or i.i.d. N(0, STD^2)",
     PARAM_READ(POINT_SOLVER_UFM) | PARAM_READ(POINT_SOLVER_SVM_GD), PARAM_WHEN_ALWAYS},
    {"bias", PARAM_GROUP_SOLVER, PARAM_BOOL, F(ufm.bias), 0, "on|off", "off",
     "learn a bias b (logits W^T h + b)",
     PARAM_READ(POINT_SOLVER_UFM), PARAM_WHEN_ALWAYS},
    {"seed", PARAM_GROUP_SOLVER, PARAM_I64, F(ufm.seed), 0, "S", "0",
     "random seed of the initialization",
     PARAM_READ(POINT_SOLVER_UFM) | PARAM_READ(POINT_SOLVER_SVM_GD), PARAM_WHEN_ALWAYS},
    {"trace-points", PARAM_GROUP_SOLVER, PARAM_INT, F(ufm.trace_points), 0, "P", "0",
     "record the metrics at P log-spaced iterations (first 0, last iters)",
     PARAM_READ(POINT_SOLVER_UFM), PARAM_WHEN_ALWAYS},
    {"command", PARAM_GROUP_SOLVER, PARAM_TEXT, F(external.command), 0, "TEMPLATE", "-",
     "solver external: the command that trains a network and writes W, H and labels; {name} "
     "is the point's value of option name, {out} the file to write, {seed}, {point}",
     PARAM_READ(POINT_SOLVER_EXTERNAL), PARAM_WHEN_ALWAYS},
    {"external-timeout", PARAM_GROUP_SOLVER, PARAM_REAL, F(external.timeout_s), 0, "SECONDS",
     "3600", "solver external: the command's time limit (the point fails past it)",
     PARAM_READ(POINT_SOLVER_EXTERNAL), PARAM_WHEN_ALWAYS},
};

#define N_PARAMS (sizeof table / sizeof table[0])

void params_default(point_params *p)
{
    memset(p, 0, sizeof *p);
    profile_opts_default(&p->profile);
    loss_opts_default(&p->loss);
    p->solver = POINT_SOLVER_UFM;
    ufm_opts_default(&p->ufm);
    p->external.timeout_s = 3600.0;
    p->set_mask = 0;
}

const param_def *params_table(size_t *n)
{
    *n = N_PARAMS;
    return table;
}

/* name equality with '-' == '_' */
static int key_equal(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++) {
        char ca = *a == '_' ? '-' : *a, cb = *b == '_' ? '-' : *b;
        if (ca != cb)
            return 0;
    }
    return *a == *b;
}

const param_def *params_find(const char *key, unsigned groups)
{
    for (size_t i = 0; i < N_PARAMS; i++)
        if ((table[i].group & groups) != 0 && key_equal(table[i].name, key))
            return &table[i];
    return NULL;
}

static int parse_real(const char *name, const char *s, double *out, sweep_errbuf *eb)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0')
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, name, "--%s: '%s' is not a number", name, s);
    if (errno == ERANGE && (v > 1.0 || v < -1.0))
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, name, "--%s: '%s' is out of range", name, s);
    *out = v;
    return SWEEP_OK;
}

static int parse_int(const char *name, const char *s, int *out, sweep_errbuf *eb)
{
    int ret = numparse_int(s, INT_MIN, INT_MAX, out);
    if (ret == SWEEP_ERR_RANGE)
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, name, "--%s: '%s' is out of range", name, s);
    if (ret != SWEEP_OK)
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, name, "--%s: '%s' is not an integer", name, s);
    return SWEEP_OK;
}

static int parse_i64(const char *name, const char *s, int64_t *out, sweep_errbuf *eb)
{
    int ret = numparse_i64(s, INT64_MIN, INT64_MAX, out);
    if (ret == SWEEP_ERR_RANGE)
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, name, "--%s: '%s' is out of range", name, s);
    if (ret != SWEEP_OK)
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, name, "--%s: '%s' is not an integer", name, s);
    return SWEEP_OK;
}

static int parse_vec(const char *name, const char *s, double *v, int *n, int cap,
                     sweep_errbuf *eb)
{
    int count = 0;
    const char *p = s;
    if (*s == '\0')
        return sweep_err_set(eb, SWEEP_ERR_ARG, "--%s: empty list (give v0,v1,...)", name);
    while (1) {
        char buf[64];
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0 || len >= sizeof buf)
            return sweep_err_set_key(eb, SWEEP_ERR_ARG, name,
                                     "--%s: malformed list '%s' (item %d)", name,
                                     s, count);
        if (count >= cap)
            return sweep_err_set_key(eb, SWEEP_ERR_ARG, name,
                                     "--%s: more than %d values", name, cap);
        memcpy(buf, p, len);
        buf[len] = '\0';
        char *end = NULL;
        double x = strtod(buf, &end);
        if (end == buf || *end != '\0')
            return sweep_err_set_key(eb, SWEEP_ERR_ARG, name,
                                     "--%s: item %d '%s' is not a number", name,
                                     count, buf);
        v[count++] = x;
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    *n = count;
    return SWEEP_OK;
}

int params_set(point_params *p, const param_def *def, const char *value, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    char *base = (char *)p;
    void *field = base + def->offset;

    switch (def->type) {
    case PARAM_INT:
        ret = parse_int(def->name, value, (int *)field, eb);
        break;
    case PARAM_REAL:
        ret = parse_real(def->name, value, (double *)field, eb);
        break;
    case PARAM_LAMBDA: {
        double v = 0.0;
        ret = parse_real(def->name, value, &v, eb);
        if (ret == SWEEP_OK) {
            p->loss.lambda_w = v;
            p->loss.lambda_h = v;
        }
        break;
    }
    case PARAM_VEC:
        ret = parse_vec(def->name, value, (double *)field, (int *)(base + def->len_offset),
                        PROFILE_MAX_K, eb);
        break;
    case PARAM_MILESTONES:
        ret = parse_vec(def->name, value, (double *)field, (int *)(base + def->len_offset),
                        UFM_MAX_MILESTONES, eb);
        break;
    case PARAM_TEXT:
        if (strlen(value) >= POINT_COMMAND_MAX)
            ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, def->name,
                                    "--%s: longer than %d characters", def->name,
                                    POINT_COMMAND_MAX - 1);
        else
            snprintf((char *)field, POINT_COMMAND_MAX, "%s", value);
        break;
    case PARAM_I64:
        ret = parse_i64(def->name, value, (int64_t *)field, eb);
        break;
    case PARAM_BOOL: {
        int *b = field;
        if (!strcmp(value, "1") || !strcmp(value, "true") || !strcmp(value, "on") ||
            !strcmp(value, "yes"))
            *b = 1;
        else if (!strcmp(value, "0") || !strcmp(value, "false") || !strcmp(value, "off") ||
                 !strcmp(value, "no"))
            *b = 0;
        else
            ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, def->name,
                                    "--%s: '%s' is not on/off (or true/false)", def->name, value);
        break;
    }
    case PARAM_SOLVER: {
        const point_solver_def *sd = point_solver_find(value);
        ret = sd != NULL ? SWEEP_OK : SWEEP_ERR_ARG;
        if (sd != NULL)
            *(point_solver *)field = sd->id;
        else
            sweep_err_set_key(eb, SWEEP_ERR_ARG, "solver",
                              "--solver: unknown solver '%s' (use ufm, svm, svm-example, "
                              "svm-gd, reg, reg-example, external or none)",
                              value);
        break;
    }
    case PARAM_OPT:
    case PARAM_PROFILE:
    case PARAM_LOSS: {
        /* the core's enumeration tables: names, parsing and the list of choices */
        const enum_table *et = def->type == PARAM_OPT       ? &ufm_opt_table
                               : def->type == PARAM_PROFILE ? &profile_kind_table
                                                            : &loss_kind_table;
        int v = 0;
        if (enum_table_parse(et, value, &v) == SWEEP_OK) {
            if (def->type == PARAM_OPT)
                *(ufm_opt_kind *)field = (ufm_opt_kind)v;
            else if (def->type == PARAM_PROFILE)
                *(profile_kind *)field = (profile_kind)v;
            else
                *(loss_kind *)field = (loss_kind)v;
        } else {
            char choices[128];
            enum_table_choices(et, choices, sizeof choices);
            ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, def->name,
                                    "--%s: unknown %s '%s' (use %s)", def->name, et->what, value,
                                    choices);
        }
        break;
    }
    case PARAM_INIT:
        if (strcmp(value, "torch") == 0) {
            p->ufm.init = UFM_INIT_TORCH;
        } else if (strncmp(value, "gauss:", 6) == 0) {
            double std = 0.0;
            ret = parse_real(def->name, value + 6, &std, eb);
            if (ret == SWEEP_OK) {
                p->ufm.init = UFM_INIT_GAUSS;
                p->ufm.init_std = std;
            }
        } else {
            ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, "init",
                                    "--init: unknown initialization '%s' (use torch or gauss:STD)",
                                    value);
        }
        break;
    }
    if (ret == SWEEP_OK)
        p->set_mask |= UINT64_C(1) << (size_t)(def - table);
    return ret;
}

/* id, name, solves, records_trace, groupable, needs_ridge, on_examples, max_columns,
 * certificate, random_init */
static const point_solver_def solver_table[] = {
    {POINT_SOLVER_UFM, "ufm", 1, 1, 1, 0, 0, 0, NULL, 1},
    {POINT_SOLVER_NONE, "none", 0, 0, 0, 0, 0, 0, NULL, 0},
    {POINT_SOLVER_SVM, "svm", 1, 0, 0, 0, 0, 0, "gap", 0},
    {POINT_SOLVER_SVM_EXAMPLE, "svm-example", 1, 0, 0, 0, 1, SVM_MAX_COLUMNS, "gap", 0},
    {POINT_SOLVER_SVM_GD, "svm-gd", 1, 0, 0, 0, 1, SVM_MAX_COLUMNS, "violation", 1},
    {POINT_SOLVER_REG, "reg", 1, 0, 0, 1, 0, 0, "residual", 0},
    {POINT_SOLVER_REG_EXAMPLE, "reg-example", 1, 0, 0, 1, 1, 20000, "residual", 0},
    {POINT_SOLVER_EXTERNAL, "external", 1, 0, 0, 0, 1, 0, NULL, 1},
};

const point_solver_def *point_solver_info(point_solver s)
{
    for (size_t i = 0; i < sizeof solver_table / sizeof solver_table[0]; i++)
        if (solver_table[i].id == s)
            return &solver_table[i];
    return &solver_table[0];
}

const point_solver_def *point_solver_find(const char *name)
{
    for (size_t i = 0; i < sizeof solver_table / sizeof solver_table[0]; i++)
        if (strcmp(solver_table[i].name, name) == 0)
            return &solver_table[i];
    return NULL;
}

const char *point_solver_name(point_solver s)
{
    return point_solver_info(s)->name;
}

int params_build_problem(const point_params *p, profile **prof, loss_vectors **lv,
                         geom_problem **gp, sweep_errbuf *eb)
{
    int ret;
    *prof = NULL;
    *lv = NULL;
    *gp = NULL;
    if ((ret = profile_create(&p->profile, prof, eb)) != SWEEP_OK ||
        (ret = loss_vectors_create(&p->loss, *prof, lv, eb)) != SWEEP_OK ||
        (ret = geom_problem_from_loss(*prof, *lv, gp, eb)) != SWEEP_OK) {
        geom_problem_destroy(gp);
        loss_vectors_destroy(lv);
        profile_destroy(prof);
    }
    return ret;
}

static int is_set(const point_params *p, const char *name);

int params_is_set(const point_params *p, const char *name)
{
    return is_set(p, name);
}

static int is_set(const point_params *p, const char *name)
{
    const param_def *d = params_find(name, ~0u);
    return d != NULL && (p->set_mask & (UINT64_C(1) << (size_t)(d - table))) != 0;
}

/* What the solver needs of the problem (the table's needs_ridge, on_examples, max_columns),
 * checked before any work starts. */
static int solver_validate(const point_params *p, sweep_errbuf *eb)
{
    const point_solver_def *sd = point_solver_info(p->solver);
    const char *name = sd->name;
    profile *prof = NULL;
    int ret = SWEEP_OK;
    if (sd->needs_ridge && !(p->loss.lambda_w > 0.0 && p->loss.lambda_h > 0.0))
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "solver",
                                 "--solver reg needs a ridge: --lambda > 0 (or --lambda-w and "
                                 "--lambda-h > 0)");
    if (p->solver == POINT_SOLVER_EXTERNAL) {
        if (!(p->external.timeout_s > 0.0 && p->external.timeout_s <= 1e7))
            return sweep_err_set_key(eb, SWEEP_ERR_ARG, "external-timeout",
                                     "--external-timeout: %g is not a number of seconds in "
                                     "(0, 1e7]",
                                     p->external.timeout_s);
        if (p->external.command[0] == '\0')
            return sweep_err_set_key(eb, SWEEP_ERR_ARG, "command",
                                     "--solver external needs --command (command: in a spec): "
                                     "the program that trains the network for a point");
        if ((ret = point_command_check(p->external.command, eb)) != SWEEP_OK)
            return ret;
    }
    if (!sd->on_examples)
        return SWEEP_OK;
    if ((ret = profile_create(&p->profile, &prof, eb)) != SWEEP_OK)
        return ret;
    const double cols = prof->n;
    {
        for (int c = 0; c < prof->k; c++)
            if (prof->counts[c] != floor(prof->counts[c])) {
                ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, "solver",
                                        "--solver %s works on the examples and needs integer class "
                                        "counts (class %d has %g: choose R and n_min "
                                        "accordingly, or "
                                        "use --solver svm)",
                                        name, c, prof->counts[c]);
                goto cleanup;
            }
    }
    if (sd->max_columns > 0 && cols > sd->max_columns)
        ret = sweep_err_set_key(eb, SWEEP_ERR_ARG, "solver",
                                "--solver %s works on all n = %g examples; it takes at most %.0f",
                                name, cols, sd->max_columns);
cleanup:
    profile_destroy(&prof);
    return ret;
}

int params_finalize(point_params *p, sweep_errbuf *eb)
{
    int ret;
    profile_opts *po = &p->profile;
    if (po->n_counts > 0) {
        if (is_set(p, "profile") && po->kind != PROFILE_COUNTS)
            return sweep_err_set_key(eb, SWEEP_ERR_ARG, "counts",
                                     "--counts was given with --profile %s: explicit counts need "
                                     "--profile counts (or no --profile)",
                                     profile_kind_name(po->kind));
        po->kind = PROFILE_COUNTS;
        if (!is_set(p, "k"))
            po->k = po->n_counts;
    } else if (po->kind == PROFILE_COUNTS) {
        return sweep_err_set_key(eb, SWEEP_ERR_ARG, "profile",
                                 "--profile counts needs --counts n0,n1,...");
    }
    if ((ret = profile_opts_validate(po, eb)) != SWEEP_OK)
        return ret;
    if ((ret = loss_opts_validate(&p->loss, po->kind == PROFILE_COUNTS ? po->n_counts : po->k,
                                  eb)) != SWEEP_OK)
        return ret;
    if ((ret = ufm_opts_validate(&p->ufm, eb)) != SWEEP_OK)
        return ret;
    return solver_validate(p, eb);
}

/* Append "name=value;" for table entry def. */
static size_t append_value(const point_params *p, const param_def *def, char *buf, size_t cap,
                           size_t pos)
{
    const char *base = (const char *)p;
    const void *field = base + def->offset;
    char tmp[64];
#define APPEND(...)                                                                      \
    do {                                                                                 \
        int w_ = snprintf(pos < cap ? buf + pos : NULL, pos < cap ? cap - pos : 0, __VA_ARGS__); \
        pos += w_ > 0 ? (size_t)w_ : 0;                                                  \
    } while (0)
    APPEND("%s=", def->name);
    switch (def->type) {
    case PARAM_INT:
    case PARAM_BOOL:
        APPEND("%d", *(const int *)field);
        break;
    case PARAM_I64:
        APPEND("%lld", (long long)*(const int64_t *)field);
        break;
    case PARAM_REAL:
    case PARAM_LAMBDA:
        APPEND("%.17g", *(const double *)field);
        if (def->type == PARAM_LAMBDA)
            APPEND(",%.17g", p->loss.lambda_h);
        break;
    case PARAM_VEC:
    case PARAM_MILESTONES: {
        int n = *(const int *)(base + def->len_offset);
        for (int i = 0; i < n; i++)
            APPEND("%s%.17g", i ? "," : "", ((const double *)field)[i]);
        break;
    }
    case PARAM_PROFILE:
        APPEND("%s", profile_kind_name(*(const profile_kind *)field));
        break;
    case PARAM_TEXT:
        APPEND("%s", (const char *)field);
        break;
    case PARAM_LOSS:
        APPEND("%s", loss_kind_name(*(const loss_kind *)field));
        break;
    case PARAM_SOLVER:
        APPEND("%s", point_solver_name(*(const point_solver *)field));
        break;
    case PARAM_OPT:
        APPEND("%s", enum_table_name(&ufm_opt_table, (int)*(const ufm_opt_kind *)field));
        break;
    case PARAM_INIT:
        if (p->ufm.init == UFM_INIT_TORCH)
            snprintf(tmp, sizeof tmp, "torch");
        else
            snprintf(tmp, sizeof tmp, "gauss:%.17g", p->ufm.init_std);
        APPEND("%s", tmp);
        break;
    }
    APPEND(";");
#undef APPEND
    return pos;
}

size_t params_value_text(const point_params *p, const param_def *def, char *buf, size_t cap)
{
    /* "name=value;" measured, then written whole into a buffer of that size: no length limit */
    const size_t len = append_value(p, def, NULL, 0, 0);
    const size_t name = strlen(def->name) + 1; /* "name=" */
    char *tmp = malloc(len + 1);
    if (tmp == NULL || len < name + 1) {
        free(tmp);
        if (cap > 0)
            buf[0] = '\0';
        return 0;
    }
    append_value(p, def, tmp, len + 1, 0);
    const size_t n = len - name - 1;
    if (cap > 0) {
        const size_t w = n < cap - 1 ? n : cap - 1;
        memcpy(buf, tmp + name, w);
        buf[w] = '\0';
    }
    free(tmp);
    return n;
}

char *params_value_dup(const point_params *p, const param_def *def)
{
    const size_t n = params_value_text(p, def, NULL, 0);
    char *s = malloc(n + 1);
    if (s != NULL && params_value_text(p, def, s, n + 1) != n) {
        free(s);
        s = NULL;
    }
    return s;
}

char *params_read_value_dup(const point_params *p, const param_def *def)
{
    const int iters = !strcmp(def->name, "iters"), tol = !strcmp(def->name, "tol-grad");
    if (p->solver == POINT_SOLVER_EXTERNAL || (!iters && !tol))
        return params_value_dup(p, def); /* a command reads the options as written */
    char num[64];
    int64_t max_iter = 0;
    double t = 0.0;
    params_budget(p, &max_iter, &t);
    if (iters)
        snprintf(num, sizeof num, "%lld", (long long)max_iter);
    else
        snprintf(num, sizeof num, "%.17g", t + 0.0);
    const size_t n = strlen(num) + 1;
    char *v = malloc(n);
    if (v != NULL)
        memcpy(v, num, n);
    return v;
}

char *params_canonical_dup(const point_params *p, unsigned groups)
{
    const size_t n = params_canonical_text(p, groups, NULL, 0);
    char *s = malloc(n + 1);
    if (s != NULL)
        params_canonical_text(p, groups, s, n + 1);
    return s;
}

int params_option_read(const point_params *p, const param_def *def)
{
    if (p->solver == POINT_SOLVER_EXTERNAL)
        return 1; /* the command may read any option */
    if ((def->read_by & (PARAM_READ_PROBLEM | PARAM_READ(p->solver))) == 0)
        return 0;
    const profile_kind prof = p->profile.n_counts > 0 ? PROFILE_COUNTS : p->profile.kind;
    const loss_opts *l = &p->loss;
    switch (def->when) {
    case PARAM_WHEN_ALWAYS:
        return 1;
    case PARAM_WHEN_STEP:
        return prof == PROFILE_STEP;
    case PARAM_WHEN_NOT_COUNTS:
        return prof != PROFILE_COUNTS;
    case PARAM_WHEN_COUNTS:
        return prof == PROFILE_COUNTS;
    case PARAM_WHEN_GAMMA_LOSS:
        return (l->kind == LOSS_WCE && l->n_omega == 0) ||
               ((l->kind == LOSS_CDT || l->kind == LOSS_VS || l->kind == LOSS_LDT) &&
                l->n_Delta == 0);
    case PARAM_WHEN_TAU_LOSS:
        return (l->kind == LOSS_LA || l->kind == LOSS_VS) && l->n_iota == 0;
    case PARAM_WHEN_SGDM:
        return p->ufm.opt == UFM_OPT_SGDM;
    case PARAM_WHEN_MILESTONES:
        return p->ufm.n_milestones > 0;
    }
    return 1;
}

void params_budget(const point_params *p, int64_t *max_iter, double *tol)
{
    const int iters_set = is_set(p, "iters"), tol_set = is_set(p, "tol-grad");
    switch (p->solver) {
    case POINT_SOLVER_UFM:
        *max_iter = p->ufm.iters;
        *tol = p->ufm.tol_grad;
        return;
    case POINT_SOLVER_SVM:
    case POINT_SOLVER_SVM_EXAMPLE:
        *max_iter = iters_set ? (p->ufm.iters < PARAMS_SVM_ITERS_CAP ? p->ufm.iters
                                                                      : PARAMS_SVM_ITERS_CAP)
                              : PARAMS_SVM_MAX_IPM;
        *tol = tol_set ? p->ufm.tol_grad : PARAMS_REF_TOL;
        return;
    case POINT_SOLVER_SVM_GD: {
        svm_gd_options o;
        svm_gd_options_default(&o);
        *max_iter = iters_set ? p->ufm.iters : o.max_iter;
        *tol = tol_set ? p->ufm.tol_grad : o.tol;
        return;
    }
    case POINT_SOLVER_REG:
    case POINT_SOLVER_REG_EXAMPLE:
        *max_iter = iters_set ? p->ufm.iters : PARAMS_REG_MAX_ITERS;
        *tol = tol_set ? p->ufm.tol_grad : PARAMS_REF_TOL;
        return;
    default:
        *max_iter = 0;
        *tol = NAN;
        return;
    }
}

size_t params_set_names(const point_params *p, char *buf, size_t cap)
{
    size_t pos = 0;
    if (cap > 0)
        buf[0] = '\0';
    for (size_t i = 0; i < N_PARAMS; i++)
        if (p->set_mask & (UINT64_C(1) << i)) {
            int w = snprintf(pos < cap ? buf + pos : NULL, pos < cap ? cap - pos : 0, "%s%s",
                             pos ? "," : "", table[i].name);
            pos += w > 0 ? (size_t)w : 0;
        }
    return pos;
}

size_t params_canonical_text(const point_params *p, unsigned groups, char *buf, size_t cap)
{
    size_t pos = 0;
    if (cap > 0)
        buf[0] = '\0';
    for (size_t i = 0; i < N_PARAMS; i++)
        if ((table[i].group & groups) != 0)
            pos = append_value(p, &table[i], buf, cap, pos);
    return pos;
}

uint64_t params_init_key(const point_params *p, const profile *prof, int64_t seed_base)
{
    uint64_t h = RNG_HASH64_INIT;
    const int64_t seed = p->ufm.seed;
    const int32_t k = prof->k, d = prof->d;
    h = rng_hash64("ufmsweep-init-v1", 16, h);
    h = rng_hash64(&seed_base, sizeof seed_base, h);
    h = rng_hash64(&seed, sizeof seed, h);
    h = rng_hash64(&k, sizeof k, h);
    h = rng_hash64(&d, sizeof d, h);
    for (int c = 0; c < prof->k; c++) {
        int64_t n_c = (int64_t)prof->counts[c];
        h = rng_hash64(&n_c, sizeof n_c, h);
    }
    return h;
}

void params_print_help(FILE *f, unsigned groups)
{
    static const struct {
        unsigned group;
        const char *title;
    } titles[] = {{PARAM_GROUP_PROBLEM, "PROBLEM options"},
                  {PARAM_GROUP_LOSS, "LOSS options"},
                  {PARAM_GROUP_SOLVER, "SOLVER options"}};
    for (size_t g = 0; g < sizeof titles / sizeof titles[0]; g++) {
        if ((titles[g].group & groups) == 0)
            continue;
        fprintf(f, "\n%s:\n", titles[g].title);
        for (size_t i = 0; i < N_PARAMS; i++) {
            if (table[i].group != titles[g].group)
                continue;
            char lhs[64];
            snprintf(lhs, sizeof lhs, "--%s %s", table[i].name, table[i].metavar);
            fprintf(f, "  %-30s %s (default: %s)\n", lhs, table[i].help, table[i].deflt);
        }
    }
}
