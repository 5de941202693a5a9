/* spec_sample.c - `sample:` blocks: a sampled design (Sobol, Latin hypercube, random) over
 * ranges of options, as a generated zip of the block. No MPI. */
#include "spec_impl.h"

#include "design.h"
#include "numparse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SAMPLE_DEFAULT_DIGITS 8

/* One entry of `ranges:`: [a, b] (uniform), {log: [a, b]} (uniform in log10, 0 < a), {int:
 * [a, b]} (the integers a..b, each with probability 1/(b - a + 1)). */
static int parse_range(parse_ctx *c, yaml_node_t *v, const char *key, int *kind, double *lo,
                       double *hi)
{
    int ret;
    yaml_node_t *list = v;
    *kind = SPEC_RANGE_UNIFORM;
    if (v->type == YAML_MAPPING_NODE && v->data.mapping.pairs.top - v->data.mapping.pairs.start == 1) {
        char name[16];
        yaml_node_t *k = spec_yaml_node(c, v->data.mapping.pairs.start->key);
        if ((ret = spec_yaml_scalar(c, k, key, name, sizeof name)) != SWEEP_OK)
            return ret;
        if (!strcmp(name, "log"))
            *kind = SPEC_RANGE_LOG;
        else if (!strcmp(name, "int"))
            *kind = SPEC_RANGE_INT;
        else
            return spec_err_at(c, spec_yaml_line(k), SWEEP_ERR_ARG,
                               "sample: ranges: %s: unknown scale '%s' (give [a, b], {log: [a, "
                               "b]} or {int: [a, b]})",
                               key, name);
        list = spec_yaml_node(c, v->data.mapping.pairs.start->value);
    }
    if (list->type != YAML_SEQUENCE_NODE || list->data.sequence.items.top - list->data.sequence.items.start != 2)
        return spec_err_at(c, spec_yaml_line(list), SWEEP_ERR_ARG,
                           "sample: ranges: %s: expected [a, b] (uniform), {log: [a, b]} or "
                           "{int: [a, b]}",
                           key);
    if ((ret = spec_yaml_number(c, spec_yaml_node(c, list->data.sequence.items.start[0]), key,
                                lo)) != SWEEP_OK ||
        (ret = spec_yaml_number(c, spec_yaml_node(c, list->data.sequence.items.start[1]), key,
                                hi)) != SWEEP_OK)
        return ret;
    if (!(*lo < *hi))
        return spec_err_at(c, spec_yaml_line(list), SWEEP_ERR_ARG,
                           "sample: ranges: %s: [%g, %g] is empty: give a < b", key, *lo, *hi);
    if (*kind == SPEC_RANGE_LOG && !(*lo > 0))
        return spec_err_at(c, spec_yaml_line(list), SWEEP_ERR_ARG,
                           "sample: ranges: %s: {log: [%g, %g]} needs 0 < a", key, *lo, *hi);
    if (*kind == SPEC_RANGE_INT &&
        (*lo != floor(*lo) || *hi != floor(*hi) || fabs(*lo) > 1e15 || fabs(*hi) > 1e15))
        return spec_err_at(c, spec_yaml_line(list), SWEEP_ERR_ARG,
                           "sample: ranges: %s: {int: [%g, %g]} needs whole numbers", key, *lo,
                           *hi);
    return SWEEP_OK;
}

/* the value of unit coordinate u on the range, as the text the point's option reads */
static void range_value_text(int kind, double lo, double hi, int digits, double u, char *buf,
                             size_t cap)
{
    if (kind == SPEC_RANGE_INT) {
        double x = floor(lo + u * (hi - lo + 1.0));
        snprintf(buf, cap, "%.0f", x > hi ? hi : x);
        return;
    }
    double x = kind == SPEC_RANGE_LOG ? pow(10.0, log10(lo) + u * (log10(hi) - log10(lo)))
                                      : lo + u * (hi - lo);
    snprintf(buf, cap, "%.*g", digits, x + 0.0); /* + 0.0: never -0 */
}

/* the scalar settings of `sample:` (method, n, seed, digits) into smp; *ranges its ranges */
static int parse_settings(parse_ctx *c, yaml_node_t *map, spec_sample *smp, yaml_node_t **ranges)
{
    int ret, has_method = 0, has_n = 0;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = spec_yaml_node(c, p->key), *v = spec_yaml_node(c, p->value);
        char key[32], val[64];
        int64_t x = 0;
        if ((ret = spec_yaml_scalar(c, k, "sample", key, sizeof key)) != SWEEP_OK)
            return ret;
        if (!strcmp(key, "ranges")) {
            *ranges = v;
            continue;
        }
        if ((ret = spec_yaml_scalar(c, v, key, val, sizeof val)) != SWEEP_OK)
            return ret;
        if (!strcmp(key, "method")) {
            design_method m;
            if (design_method_parse(val, &m) != SWEEP_OK)
                return spec_err_at(c, spec_yaml_line(v), SWEEP_ERR_ARG,
                                   "sample: method: '%s' is not a design (sobol, lhs or random)",
                                   val);
            smp->method = (int)m;
            has_method = 1;
        } else if (!strcmp(key, "n") || !strcmp(key, "digits") || !strcmp(key, "seed")) {
            const int is_n = !strcmp(key, "n"), is_digits = !strcmp(key, "digits");
            const int64_t lo = is_n ? 1 : is_digits ? 1 : INT64_MIN;
            const int64_t hi = is_n ? DESIGN_MAX_POINTS : is_digits ? 17 : INT64_MAX;
            if (numparse_i64(val, lo, hi, &x) != SWEEP_OK)
                return spec_err_at(c, spec_yaml_line(v), SWEEP_ERR_ARG,
                                   "sample: %s: '%s' is not %s", key, val,
                                   is_n ? "a number of points >= 1"
                                   : is_digits ? "a number of significant digits in 1..17"
                                               : "an integer");
            if (is_n) {
                smp->n = x;
                has_n = 1;
            } else if (is_digits) {
                smp->digits = (int)x;
            } else {
                smp->seed = x;
            }
        } else {
            return spec_err_at(c, spec_yaml_line(k), SWEEP_ERR_ARG,
                               "sample: unknown key '%s' (a sample has method, n, seed, digits "
                               "and ranges)",
                               key);
        }
    }
    if (!has_method || !has_n || *ranges == NULL)
        return spec_err_at(c, spec_yaml_line(map), SWEEP_ERR_ARG,
                           "sample: needs method (sobol, lhs or random), n (the number of "
                           "points) and ranges ({key: [a, b], ...})");
    return SWEEP_OK;
}

static int sample_column(parse_ctx *c, const spec_sample *smp, const double *u, int j,
                         spec_axis *tmp, point_params *pp);

/* the sample's columns: tmp[j] holds axis j's n values as text and numbers */
static int sample_columns(parse_ctx *c, const spec_sample *smp, const double *u, spec_axis *tmp)
{
    const int m = smp->n_ranges;
    point_params *pp = malloc(sizeof *pp); /* each value checked as its option, on one copy of
                                              the defaults per axis (a value sets one field) */
    int ret = pp != NULL ? SWEEP_OK : SWEEP_ERR_NOMEM;
    for (int j = 0; ret == SWEEP_OK && j < m; j++)
        ret = sample_column(c, smp, u, j, tmp, pp);
    free(pp);
    return ret;
}

static int sample_column(parse_ctx *c, const spec_sample *smp, const double *u, int j,
                         spec_axis *tmp, point_params *pp)
{
    const int m = smp->n_ranges;
    params_default(pp);
    spec_axis *ax = &tmp[j];
    ax->text = calloc((size_t)smp->n, sizeof *ax->text);
    ax->num = malloc((size_t)smp->n * sizeof *ax->num);
    if (ax->text == NULL || ax->num == NULL)
        return SWEEP_ERR_NOMEM;
    ax->numeric = 1;
    for (int64_t i = 0; i < smp->n; i++) {
        char buf[48];
        range_value_text(smp->range[j].kind, smp->range[j].lo, smp->range[j].hi, smp->digits,
                         u[i * m + j], buf, sizeof buf);
        if ((ax->text[i] = strdup(buf)) == NULL)
            return SWEEP_ERR_NOMEM;
        ax->n = (int)i + 1;
        ax->num[i] = strtod(buf, NULL);
        sweep_errbuf eb2;
        sweep_errbuf_clear(&eb2);
        if (params_set(pp, ax->def, buf, &eb2) != SWEEP_OK)
            return spec_err_at(c, ax->line, SWEEP_ERR_ARG, "%s: %s", ax->key,
                               spec_err_detail(eb2.msg));
    }
    return SWEEP_OK;
}

int spec_parse_sample(parse_ctx *c, spec *s, spec_block *b, yaml_node_t *map, const char *where,
                      const param_def **seen, int *n_seen, int legacy)
{
    int ret = SWEEP_OK;
    spec_axis tmp[SPEC_MAX_AXES];
    double *u = NULL;
    yaml_node_t *ranges = NULL;
    spec_sample smp;
    memset(&smp, 0, sizeof smp);
    memset(tmp, 0, sizeof tmp);
    smp.factor = -1;
    smp.digits = SAMPLE_DEFAULT_DIGITS;
    if (map->type != YAML_MAPPING_NODE)
        return spec_err_at(c, spec_yaml_line(map), SWEEP_ERR_ARG,
                           "%s: sample: expected a mapping (method, n, seed, digits, ranges)",
                           where);
    if ((ret = parse_settings(c, map, &smp, &ranges)) != SWEEP_OK)
        return ret;
    if (ranges->type != YAML_MAPPING_NODE || ranges->data.mapping.pairs.top == ranges->data.mapping.pairs.start)
        return spec_err_at(c, spec_yaml_line(ranges), SWEEP_ERR_ARG,
                           "sample: ranges: expected a mapping of key: [a, b]");
    if (b->n_factors >= SPEC_MAX_AXES)
        return spec_err_at(c, spec_yaml_line(map), SWEEP_ERR_ARG, "%s: too many axes", where);
    for (yaml_node_pair_t *p = ranges->data.mapping.pairs.start; p < ranges->data.mapping.pairs.top; p++) {
        yaml_node_t *k = spec_yaml_node(c, p->key), *v = spec_yaml_node(c, p->value);
        char key[64];
        const param_def *def = NULL;
        const int j = smp.n_ranges;
        if ((ret = spec_yaml_scalar(c, k, "ranges", key, sizeof key)) != SWEEP_OK ||
            (ret = spec_block_axis_def(c, s, seen, *n_seen, k, key, "sample", legacy, &def)) != SWEEP_OK ||
            (ret = parse_range(c, v, key, &smp.range[j].kind, &smp.range[j].lo,
                               &smp.range[j].hi)) != SWEEP_OK)
            goto cleanup;
        seen[(*n_seen)++] = def;
        tmp[j].def = def;
        tmp[j].line = spec_yaml_line(k);
        snprintf(tmp[j].key, sizeof tmp[j].key, "%s", key);
        smp.n_ranges++;
    }
    if (smp.method == DESIGN_SOBOL && smp.n_ranges > DESIGN_SOBOL_MAX_DIM) {
        ret = spec_err_at(c, spec_yaml_line(ranges), SWEEP_ERR_ARG,
                          "sample: sobol takes at most %d ranges", DESIGN_SOBOL_MAX_DIM);
        goto cleanup;
    }
    if (smp.n > SPEC_MAX_POINTS) {
        ret = spec_err_at(c, spec_yaml_line(map), SWEEP_ERR_ARG,
                          "sample: n = %lld is more than the %lld points one store holds",
                          (long long)smp.n, (long long)SPEC_MAX_POINTS);
        goto cleanup;
    }
    if ((u = malloc((size_t)smp.n * (size_t)smp.n_ranges * sizeof *u)) == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    if ((ret = design_unit_points((design_method)smp.method, smp.n_ranges, smp.n,
                                  (uint64_t)smp.seed, u, c->eb)) != SWEEP_OK ||
        (ret = sample_columns(c, &smp, u, tmp)) != SWEEP_OK)
        goto cleanup;
    smp.factor = b->n_factors;
    if ((ret = spec_add_zip(c, s, b, tmp, smp.n_ranges)) != SWEEP_OK)
        goto cleanup;
    b->factor[smp.factor].is_sample = 1;
    /* each range's union axis (spec_add_zip may have reordered the factor's axes) */
    for (int j = 0; j < smp.n_ranges; j++) {
        int a = -1;
        for (int q = 0; q < s->n_axes && a < 0; q++)
            if (s->axes[q].def == seen[*n_seen - smp.n_ranges + j])
                a = q;
        smp.range[j].axis = a;
    }
    b->sample = smp;
cleanup:
    for (int j = 0; j < SPEC_MAX_AXES; j++)
        spec_axis_free(&tmp[j]);
    free(u);
    return ret;
}
