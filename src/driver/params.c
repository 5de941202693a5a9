#include "params.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define F(member) offsetof(point_params, member)

static const param_def table[] = {
    /* PROBLEM */
    {"k", PARAM_GROUP_PROBLEM, PARAM_INT, F(profile.k), 0, "K", "10",
     "number of classes (>= 2; implied by --counts)"},
    {"profile", PARAM_GROUP_PROBLEM, PARAM_PROFILE, F(profile.kind), 0, "step|lt|counts", "step",
     "label profile: STEP(R, rho), long-tail LT(R), or explicit counts"},
    {"R", PARAM_GROUP_PROBLEM, PARAM_REAL, F(profile.R), 0, "R", "10",
     "imbalance ratio n_max/n_min (>= 1; real values allowed for theory)"},
    {"rho", PARAM_GROUP_PROBLEM, PARAM_REAL, F(profile.rho), 0, "RHO", "0.5",
     "STEP: fraction of MINORITY classes (rho*k must be an integer)"},
    {"n-min", PARAM_GROUP_PROBLEM, PARAM_REAL, F(profile.n_min), 0, "N", "5",
     "examples per minority class (STEP) / in the smallest class (LT)"},
    {"counts", PARAM_GROUP_PROBLEM, PARAM_VEC, F(profile.counts), F(profile.n_counts),
     "n0,n1,...", "-", "explicit class counts (implies --profile counts and k)"},
    {"d", PARAM_GROUP_PROBLEM, PARAM_INT, F(profile.d), 0, "D", "k",
     "embedding dimension (>= k-1; 0 means k)"},
    /* LOSS */
    {"loss", PARAM_GROUP_LOSS, PARAM_LOSS, F(loss.kind), 0, "ce|wce|la|cdt|vs|ldt", "ce",
     "CE-family member (science.md section 3)"},
    {"gamma", PARAM_GROUP_LOSS, PARAM_REAL, F(loss.gamma), 0, "G", "0",
     "exponent: wce omega ~ n_c^-G; cdt, vs, ldt Delta ~ n_c^G"},
    {"tau", PARAM_GROUP_LOSS, PARAM_REAL, F(loss.tau), 0, "T", "1",
     "logit adjustment of la and vs: iota_c = T log pi_c"},
    {"lambda", PARAM_GROUP_LOSS, PARAM_LAMBDA, F(loss.lambda_w), 0, "L", "0",
     "ridge on both W and H (sets --lambda-w and --lambda-h)"},
    {"lambda-w", PARAM_GROUP_LOSS, PARAM_REAL, F(loss.lambda_w), 0, "L", "0", "ridge on W"},
    {"lambda-h", PARAM_GROUP_LOSS, PARAM_REAL, F(loss.lambda_h), 0, "L", "0", "ridge on H"},
    {"omega", PARAM_GROUP_LOSS, PARAM_VEC, F(loss.omega), F(loss.n_omega), "v0,v1,...", "preset",
     "explicit per-class loss weights (k values > 0), replacing the preset's"},
    {"Delta", PARAM_GROUP_LOSS, PARAM_VEC, F(loss.Delta), F(loss.n_Delta), "v0,v1,...", "preset",
     "explicit per-class logit temperatures (k values > 0)"},
    {"iota", PARAM_GROUP_LOSS, PARAM_VEC, F(loss.iota), F(loss.n_iota), "v0,v1,...", "preset",
     "explicit per-class additive logit offsets (k values)"},
};

#define N_PARAMS (sizeof table / sizeof table[0])

void params_default(point_params *p)
{
    memset(p, 0, sizeof *p);
    profile_opts_default(&p->profile);
    loss_opts_default(&p->loss);
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
        return sweep_err_set(eb, SWEEP_ERR_ARG, "--%s: '%s' is not a number", name, s);
    if (errno == ERANGE && (v > 1.0 || v < -1.0))
        return sweep_err_set(eb, SWEEP_ERR_ARG, "--%s: '%s' is out of range", name, s);
    *out = v;
    return SWEEP_OK;
}

static int parse_int(const char *name, const char *s, int *out, sweep_errbuf *eb)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0')
        return sweep_err_set(eb, SWEEP_ERR_ARG, "--%s: '%s' is not an integer", name, s);
    if (errno == ERANGE || v > INT_MAX || v < INT_MIN)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "--%s: '%s' is out of range", name, s);
    *out = (int)v;
    return SWEEP_OK;
}

static int parse_vec(const char *name, const char *s, double *v, int *n, sweep_errbuf *eb)
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
            return sweep_err_set(eb, SWEEP_ERR_ARG, "--%s: malformed list '%s' (item %d)", name,
                                 s, count);
        if (count >= PROFILE_MAX_K)
            return sweep_err_set(eb, SWEEP_ERR_ARG, "--%s: more than %d values", name,
                                 PROFILE_MAX_K);
        memcpy(buf, p, len);
        buf[len] = '\0';
        char *end = NULL;
        double x = strtod(buf, &end);
        if (end == buf || *end != '\0')
            return sweep_err_set(eb, SWEEP_ERR_ARG, "--%s: item %d '%s' is not a number", name,
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
        ret = parse_vec(def->name, value, (double *)field, (int *)(base + def->len_offset), eb);
        break;
    case PARAM_PROFILE: {
        profile_kind *k = field;
        if (strcmp(value, "step") == 0)
            *k = PROFILE_STEP;
        else if (strcmp(value, "lt") == 0)
            *k = PROFILE_LT;
        else if (strcmp(value, "counts") == 0)
            *k = PROFILE_COUNTS;
        else
            ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                                "--profile: unknown profile '%s' (use step, lt or counts)", value);
        break;
    }
    case PARAM_LOSS:
        if (loss_kind_parse(value, (loss_kind *)field) != SWEEP_OK)
            ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                                "--loss: unknown loss '%s' (use ce, wce, la, cdt, vs or ldt)",
                                value);
        break;
    }
    if (ret == SWEEP_OK)
        p->set_mask |= UINT64_C(1) << (size_t)(def - table);
    return ret;
}

static int is_set(const point_params *p, const char *name)
{
    const param_def *d = params_find(name, ~0u);
    return d != NULL && (p->set_mask & (UINT64_C(1) << (size_t)(d - table))) != 0;
}

int params_finalize(point_params *p, sweep_errbuf *eb)
{
    int ret;
    profile_opts *po = &p->profile;
    if (po->n_counts > 0) {
        if (is_set(p, "profile") && po->kind != PROFILE_COUNTS)
            return sweep_err_set(eb, SWEEP_ERR_ARG,
                                 "--counts was given with --profile %s: explicit counts need "
                                 "--profile counts (or no --profile)",
                                 profile_kind_name(po->kind));
        po->kind = PROFILE_COUNTS;
        if (!is_set(p, "k"))
            po->k = po->n_counts;
    } else if (po->kind == PROFILE_COUNTS) {
        return sweep_err_set(eb, SWEEP_ERR_ARG, "--profile counts needs --counts n0,n1,...");
    }
    if ((ret = profile_opts_validate(po, eb)) != SWEEP_OK)
        return ret;
    return loss_opts_validate(&p->loss, po->kind == PROFILE_COUNTS ? po->n_counts : po->k, eb);
}

void params_print_help(FILE *f, unsigned groups)
{
    static const struct {
        unsigned group;
        const char *title;
    } titles[] = {{PARAM_GROUP_PROBLEM, "PROBLEM options"}, {PARAM_GROUP_LOSS, "LOSS options"}};
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
