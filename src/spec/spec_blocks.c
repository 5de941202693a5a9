/* spec_blocks.c - the blocks of a spec (`grid:`, `grids:`, zips), their union and `fixed:`. No MPI. */
#include "spec_impl.h"

#include "geom.h"
#include "loss.h"
#include "numparse.h"
#include "profile.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static int union_axis_of(const spec *s, const param_def *def)
{
    for (int a = 0; a < s->n_axes; a++)
        if (s->axes[a].def == def)
            return a;
    return -1;
}

/* the index of value text in union axis a, appending it when it is not there (numbers by value,
 * text by bytes); -1 when out of memory */
static int32_t union_value_impl(spec_axis *ax, const char *text, int search)
{
    char *end = NULL;
    const double x = strtod(text, &end);
    const int is_num = end != text && *end == '\0';
    for (int i = 0; search && i < ax->n; i++)
        if (is_num ? (!isnan(ax->num[i]) && ax->num[i] == x) : strcmp(ax->text[i], text) == 0)
            return i;
    char *t = strdup(text);
    double *num = realloc(ax->num, (size_t)(ax->n + 1) * sizeof *num);
    if (t == NULL || num == NULL) {
        free(t);
        if (num != NULL)
            ax->num = num;
        return -1;
    }
    ax->num = num;
    ax->num[ax->n] = is_num ? x : NAN;
    if (spec_axis_add_value(ax, t) != SWEEP_OK) {
        free(t);
        return -1;
    }
    ax->numeric = ax->numeric && is_num;
    return ax->n - 1;
}

static int32_t union_value(spec_axis *ax, const char *text)
{
    return union_value_impl(ax, text, 1);
}

/* Merge the values of tmp into the union axis of its option (created with tmp's key and line
 * when this is the first block with it): idx[i] receives the union index of tmp's value i.
 * unique: tmp's values are known to be distinct (a new axis then takes them without search). */
static int union_merge(spec *s, const spec_axis *tmp, int unique, int32_t *idx, int *axis_out,
                       sweep_errbuf *eb)
{
    int a = union_axis_of(s, tmp->def);
    if (a < 0) {
        if (s->n_axes >= SPEC_MAX_AXES)
            return sweep_err_set(eb, SWEEP_ERR_ARG, "%s: more than %d axes", tmp->key,
                                 SPEC_MAX_AXES);
        a = s->n_axes++;
        spec_axis *ax = &s->axes[a];
        memset(ax, 0, sizeof *ax);
        ax->def = tmp->def;
        ax->line = tmp->line;
        ax->numeric = 1;
        snprintf(ax->key, sizeof ax->key, "%s", tmp->key);
        if (unique) {
            ax->text = malloc((size_t)tmp->n * sizeof *ax->text);
            ax->num = malloc((size_t)tmp->n * sizeof *ax->num);
            if (ax->text == NULL || ax->num == NULL)
                return SWEEP_ERR_NOMEM;
            for (int i = 0; i < tmp->n; i++) {
                if ((ax->text[i] = strdup(tmp->text[i])) == NULL)
                    return SWEEP_ERR_NOMEM;
                ax->num[i] = tmp->num[i];
                ax->n = i + 1;
                idx[i] = i;
            }
            ax->numeric = tmp->numeric;
            *axis_out = a;
            return SWEEP_OK;
        }
    }
    *axis_out = a;
    /* O((n + m) log): the union's values sorted once, tmp's sorted to meet their equals; values
     * that are new are appended in the order written */
    spec_axis *ax = &s->axes[a];
    const int n0 = ax->n, m = tmp->n;
    axis_value_ref *u = malloc((size_t)(n0 > 0 ? n0 : 1) * sizeof *u);
    axis_value_ref *t = malloc((size_t)(m > 0 ? m : 1) * sizeof *t);
    int ret = u != NULL && t != NULL ? SWEEP_OK : SWEEP_ERR_NOMEM;
    for (int i = 0; ret == SWEEP_OK && i < n0; i++)
        u[i] = (axis_value_ref){ax, i};
    for (int i = 0; ret == SWEEP_OK && i < m; i++)
        t[i] = (axis_value_ref){tmp, i};
    if (ret == SWEEP_OK) {
        qsort(u, (size_t)n0, sizeof *u, spec_axis_value_cmp);
        qsort(t, (size_t)m, sizeof *t, spec_axis_value_cmp);
    }
    for (int j = 0; ret == SWEEP_OK && j < m;) {
        int e = j, first = t[j].i;
        while (e < m && spec_axis_value_cmp(&t[j], &t[e]) == 0) {
            first = t[e].i < first ? t[e].i : first;
            e++;
        }
        const axis_value_ref *hit =
            n0 > 0 ? bsearch(&t[j], u, (size_t)n0, sizeof *u, spec_axis_value_cmp) : NULL;
        for (int q = j; q < e; q++)
            idx[t[q].i] = hit != NULL ? hit->i : -2 - first; /* -2 - i: new, first written at i */
        j = e;
    }
    for (int i = 0; ret == SWEEP_OK && i < m; i++) {
        if (idx[i] >= 0)
            continue;
        const int first = -2 - idx[i];
        if (first == i) {
            if ((idx[i] = union_value_impl(ax, tmp->text[i], 0)) < 0)
                ret = SWEEP_ERR_NOMEM;
        } else {
            idx[i] = idx[first];
        }
    }
    free(u);
    free(t);
    return ret;
}

/* the message tail naming the nearest known key, "" when none is close */
void spec_key_suggestion(const char *key, char *buf, size_t cap)
{
    const char *near = spec_suggest_key(key);
    if (near != NULL)
        snprintf(buf, cap, " (did you mean '%s'?)", near);
    else
        buf[0] = '\0';
}

/* The option of axis key k in a block, checked: known, not trace_points, not twice in the
 * block, and (legacy `grid:`) not also fixed. */
int spec_block_axis_def(parse_ctx *c, spec *s, const param_def **seen, int n_seen,
                        yaml_node_t *k, const char *key, const char *where, int legacy,
                        const param_def **out)
{
    const param_def *def = params_find(key, SPEC_GROUPS);
    if (def == NULL) {
        char near[96];
        spec_key_suggestion(key, near, sizeof near);
        return spec_err_at(c, spec_yaml_line(k), SWEEP_ERR_ARG, "%s: unknown key '%s'%s", where,
                           key, near);
    }
    if (strcmp(def->name, "trace-points") == 0)
        return spec_err_at(c, spec_yaml_line(k), SWEEP_ERR_ARG,
                           "trace_points: cannot be a grid axis (every trace in a store "
                           "has one length); set it under fixed");
    for (int i = 0; i < n_seen; i++)
        if (seen[i] == def)
            return spec_err_at(c, spec_yaml_line(k), SWEEP_ERR_ARG, "%s: '%s' is given twice",
                               where, key);
    char place[700];
    for (int f = 0; legacy && f < s->n_fixed; f++)
        if (s->fixed[f].def == def)
            return spec_err_at(c, spec_yaml_line(k), SWEEP_ERR_ARG,
                               "grid: '%s' is also fixed (%s); give it once", key,
                               spec_place(c, s->fixed[f].line, place, sizeof place));
    if (n_seen >= SPEC_MAX_AXES)
        return spec_err_at(c, spec_yaml_line(k), SWEEP_ERR_ARG, "%s: more than %d axes", where,
                           SPEC_MAX_AXES);
    *out = def;
    return SWEEP_OK;
}

/* One `zip:` group (mapping of key: AXIS) of block b: axes of equal length varied together. */
static int parse_zip(parse_ctx *c, spec *s, spec_block *b, yaml_node_t *map, const char *where,
                     const param_def **seen, int *n_seen, int legacy)
{
    int ret = SWEEP_OK, m = 0;
    spec_axis tmp[SPEC_MAX_AXES];
    memset(tmp, 0, sizeof tmp);
    if (map->type != YAML_MAPPING_NODE || map->data.mapping.pairs.top == map->data.mapping.pairs.start)
        return spec_err_at(c, spec_yaml_line(map), SWEEP_ERR_ARG,
                           "%s: zip: expected a mapping of axis: values (axes of equal "
                           "length varied together), or a list of such mappings",
                           where);
    if (b->n_factors >= SPEC_MAX_AXES)
        return spec_err_at(c, spec_yaml_line(map), SWEEP_ERR_ARG, "%s: too many axes", where);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++, m++) {
        yaml_node_t *k = spec_yaml_node(c, p->key), *v = spec_yaml_node(c, p->value);
        char key[64];
        const param_def *def = NULL;
        if ((ret = spec_yaml_scalar(c, k, "zip", key, sizeof key)) != SWEEP_OK ||
            (ret = spec_block_axis_def(c, s, seen, *n_seen, k, key, "zip", legacy, &def)) != SWEEP_OK)
            goto cleanup;
        seen[(*n_seen)++] = def;
        if ((ret = spec_parse_values(c, def, key, spec_yaml_line(k), v, 0, &tmp[m])) != SWEEP_OK)
            goto cleanup;
        if (tmp[m].n != tmp[0].n) {
            ret = spec_err_at(c, spec_yaml_line(k), SWEEP_ERR_ARG,
                              "zip: %s has %d values and %s has %d: zipped axes vary "
                              "together and need equal lengths",
                              tmp[0].key, tmp[0].n, key, tmp[m].n);
            m++;
            goto cleanup;
        }
    }
    ret = spec_add_zip(c, s, b, tmp, m);
cleanup:
    for (int j = 0; j < SPEC_MAX_AXES; j++)
        spec_axis_free(&tmp[j]);
    return ret;
}

int spec_add_zip(parse_ctx *c, spec *s, spec_block *b, spec_axis *tmp, int m)
{
    int ret = SWEEP_OK;
    int32_t *idx = NULL;
    /* the zipped axes in the option table's order, whatever order they were written in: the
     * same zip is the same study (its new axes take that order in the grid) */
    for (int i = 1; i < m; i++)
        for (int j = i; j > 0 && tmp[j].def < tmp[j - 1].def; j--) {
            spec_axis sw = tmp[j];
            tmp[j] = tmp[j - 1];
            tmp[j - 1] = sw;
        }
    spec_factor *f = &b->factor[b->n_factors];
    const int n = tmp[0].n;
    if ((idx = malloc((size_t)n * sizeof *idx)) == NULL ||
        (f->idx = malloc((size_t)n * (size_t)m * sizeof *f->idx)) == NULL) {
        free(idx);
        return SWEEP_ERR_NOMEM;
    }
    b->n_factors++;
    f->n_axes = m;
    f->n = n;
    for (int j = 0; j < m; j++) {
        int a = -1;
        if ((ret = union_merge(s, &tmp[j], 0, idx, &a, c->eb)) != SWEEP_OK)
            break;
        f->axis[j] = a;
        b->has_axis[a] = 1;
        for (int i = 0; i < n; i++)
            f->idx[(size_t)i * m + j] = idx[i];
    }
    free(idx);
    return ret;
}

/* One block: a mapping of axes (and zip groups), `grid:` itself or an entry of `grids:`. */
int spec_parse_block(parse_ctx *c, spec *s, yaml_node_t *map, int line, const char *where,
                       int legacy)
{
    int ret = SWEEP_OK, n_seen = 0;
    const param_def *seen[SPEC_MAX_AXES];
    if (map->type != YAML_MAPPING_NODE || map->data.mapping.pairs.top == map->data.mapping.pairs.start)
        return spec_err_at(c, line, SWEEP_ERR_ARG, "%s: expected a mapping of axis: values", where);
    if (s->n_blocks >= SPEC_MAX_BLOCKS)
        return spec_err_at(c, line, SWEEP_ERR_ARG, "grids: more than %d blocks", SPEC_MAX_BLOCKS);
    spec_block *b = &s->blocks[s->n_blocks++];
    memset(b, 0, sizeof *b);
    b->line = line;
    b->sample.factor = -1;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = spec_yaml_node(c, p->key), *v = spec_yaml_node(c, p->value);
        char key[64];
        if ((ret = spec_yaml_scalar(c, k, where, key, sizeof key)) != SWEEP_OK)
            return ret;
        if (!strcmp(key, "zip")) {
            if (v->type == YAML_SEQUENCE_NODE) {
                for (yaml_node_item_t *it = v->data.sequence.items.start;
                     it < v->data.sequence.items.top; it++)
                    if ((ret = parse_zip(c, s, b, spec_yaml_node(c, *it), where, seen, &n_seen, legacy)) !=
                        SWEEP_OK)
                        return ret;
            } else if ((ret = parse_zip(c, s, b, v, where, seen, &n_seen, legacy)) != SWEEP_OK) {
                return ret;
            }
            continue;
        }
        if (!strcmp(key, "sample")) {
            if (b->sample.factor >= 0)
                return spec_err_at(c, spec_yaml_line(k), SWEEP_ERR_ARG,
                                   "%s: sample: given twice (one design per block; a union of "
                                   "blocks under grids holds several)",
                                   where);
            if ((ret = spec_parse_sample(c, s, b, v, where, seen, &n_seen, legacy)) != SWEEP_OK)
                return ret;
            continue;
        }
        const param_def *def = NULL;
        if ((ret = spec_block_axis_def(c, s, seen, n_seen, k, key, where, legacy, &def)) != SWEEP_OK)
            return ret;
        seen[n_seen++] = def;
        spec_axis tmp;
        memset(&tmp, 0, sizeof tmp);
        ret = spec_parse_values(c, def, key, spec_yaml_line(k), v, 1, &tmp);
        spec_factor *f = &b->factor[b->n_factors];
        if (ret == SWEEP_OK && (f->idx = malloc((size_t)tmp.n * sizeof *f->idx)) == NULL)
            ret = SWEEP_ERR_NOMEM;
        if (ret == SWEEP_OK) {
            int a = -1;
            b->n_factors++;
            f->n_axes = 1;
            f->n = tmp.n;
            ret = union_merge(s, &tmp, 1, f->idx, &a, c->eb);
            f->axis[0] = a;
            if (a >= 0)
                b->has_axis[a] = 1;
        }
        spec_axis_free(&tmp);
        if (ret != SWEEP_OK)
            return ret;
    }
    return SWEEP_OK;
}

/* The coordinate of option def at points of a block without that axis: its fixed text, else
 * its documented default (a label such as "k" or "preset" when the default is not a value). */
static const char *base_label(const spec *s, const param_def *def)
{
    for (int f = 0; f < s->n_fixed; f++)
        if (s->fixed[f].def == def)
            return s->fixed[f].text;
    return def->deflt;
}

int spec_cmp_i64(const void *a, const void *b)
{
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* After every block is read: the coordinates of the options a block does not vary, the grid's
 * size, and each factor's sorted keys. */
typedef struct sort_ref {
    double x;
    int32_t i;
} sort_ref;

static int sort_ref_cmp(const void *a, const void *b)
{
    const sort_ref *x = a, *y = b;
    return x->x < y->x ? -1 : x->x > y->x;
}

/* A numeric axis of a union, in increasing order (so that phase diagrams and xarray see a
 * monotonic coordinate whatever order the blocks were written in): its values sorted and every
 * block's indices renumbered. */
static int sort_union_axis(spec *s, int a)
{
    spec_axis *ax = &s->axes[a];
    const int n = ax->n;
    sort_ref *r = malloc((size_t)n * sizeof *r);
    int32_t *to = malloc((size_t)n * sizeof *to);
    char **text = malloc((size_t)n * sizeof *text);
    double *num = malloc((size_t)n * sizeof *num);
    if (r == NULL || to == NULL || text == NULL || num == NULL) {
        free(r);
        free(to);
        free(text);
        free(num);
        return SWEEP_ERR_NOMEM;
    }
    for (int i = 0; i < n; i++)
        r[i] = (sort_ref){ax->num[i], i};
    qsort(r, (size_t)n, sizeof *r, sort_ref_cmp);
    for (int i = 0; i < n; i++) {
        to[r[i].i] = i;
        text[i] = ax->text[r[i].i];
        num[i] = ax->num[r[i].i];
    }
    free(ax->text);
    free(ax->num);
    ax->text = text;
    ax->num = num;
    for (int bi = 0; bi < s->n_blocks; bi++) {
        spec_block *b = &s->blocks[bi];
        if (!b->has_axis[a])
            b->base_idx[a] = to[b->base_idx[a]];
        for (int fi = 0; fi < b->n_factors; fi++)
            for (int j = 0; j < b->factor[fi].n_axes; j++)
                if (b->factor[fi].axis[j] == a)
                    for (int i = 0; i < b->factor[fi].n; i++) {
                        int32_t *v = &b->factor[fi].idx[(size_t)i * b->factor[fi].n_axes + j];
                        *v = to[*v];
                    }
    }
    free(r);
    free(to);
    return SWEEP_OK;
}

/* A factor's combinations checked (each once) and, where they fit in 64 bits, numbered
 * (mixed radix over the union sizes of its axes) and sorted for membership tests. */
static int factor_finish(parse_ctx *c, const spec *s, spec_factor *f)
{
    int64_t dup = -1;
    int ret = spec_rows_first(f->idx, f->n, f->n_axes, NULL, &dup);
    if (ret != SWEEP_OK)
        return ret;
    if (dup >= 0 && f->is_sample)
        return spec_err_at(c, s->axes[f->axis[0]].line, SWEEP_ERR_ARG,
                           "sample: two of its %d points have the same values (point %lld "
                           "repeats an earlier one after rounding): give more digits, wider "
                           "ranges or fewer points",
                           f->n, (long long)dup);
    if (dup >= 0)
        return spec_err_at(c, s->axes[f->axis[0]].line, SWEEP_ERR_ARG,
                           "zip: a combination of %s, ... appears twice: each must appear once",
                           s->axes[f->axis[0]].key);
    double space = 1;
    int64_t stride[SPEC_MAX_AXES], st = 1;
    for (int j = 0; j < f->n_axes; j++)
        space *= (double)s->axes[f->axis[j]].n;
    if (space > 9e18)
        return SWEEP_OK; /* keys == NULL: the points layout needs none */
    for (int j = f->n_axes - 1; j >= 0; j--) {
        stride[j] = st;
        st *= s->axes[f->axis[j]].n;
    }
    if ((f->keys = malloc((size_t)f->n * sizeof *f->keys)) == NULL)
        return SWEEP_ERR_NOMEM;
    for (int i = 0; i < f->n; i++) {
        int64_t key = 0;
        for (int j = 0; j < f->n_axes; j++)
            key += (int64_t)f->idx[(size_t)i * f->n_axes + j] * stride[j];
        f->keys[i] = key;
    }
    qsort(f->keys, (size_t)f->n, sizeof *f->keys, spec_cmp_i64);
    return SWEEP_OK;
}

int spec_finish_blocks(parse_ctx *c, spec *s)
{
    for (int bi = 0; bi < s->n_blocks; bi++) {
        spec_block *b = &s->blocks[bi];
        for (int a = 0; a < s->n_axes; a++)
            if (!b->has_axis[a] &&
                (b->base_idx[a] = union_value(&s->axes[a], base_label(s, s->axes[a].def))) < 0)
                return SWEEP_ERR_NOMEM;
    }
    for (int a = 0; s->union_of_blocks && a < s->n_axes; a++)
        if (s->axes[a].numeric) {
            int ret = sort_union_axis(s, a);
            if (ret != SWEEP_OK)
                return ret;
        }
    s->n_product = 1;
    for (int a = 0; a < s->n_axes; a++)
        s->n_product *= (double)s->axes[a].n;
    s->n_points = s->n_product <= (double)SPEC_MAX_POINTS ? (int64_t)s->n_product : -1;
    s->every_point_in_study = s->n_blocks == 1;
    for (int bi = 0; bi < s->n_blocks; bi++) {
        spec_block *b = &s->blocks[bi];
        double held = 1;
        for (int fi = 0; fi < b->n_factors; fi++) {
            spec_factor *f = &b->factor[fi];
            int ret = factor_finish(c, s, f);
            if (ret != SWEEP_OK)
                return ret;
            held *= (double)f->n;
            if (f->n != s->axes[f->axis[0]].n || f->n_axes > 1)
                s->every_point_in_study = 0;
        }
        if (held > (double)SPEC_MAX_POINTS)
            return spec_err_at(c, b->line, SWEEP_ERR_ARG,
                               "%s: the block holds %.4g points, more than the %lld one store "
                               "holds: split the sweep into several specs",
                               s->union_of_blocks ? "grids" : "grid", held,
                               (long long)SPEC_MAX_POINTS);
        b->n_points = (int64_t)held;
        for (int a = 0; a < s->n_axes; a++)
            if (!b->has_axis[a])
                s->every_point_in_study = 0;
    }
    s->every_in_grid = s->every_point_in_study;
    return SWEEP_OK;
}

int spec_parse_fixed(parse_ctx *c, spec *s, yaml_node_t *map)
{
    int ret;
    if (map->type != YAML_MAPPING_NODE)
        return spec_err_at(c, spec_yaml_line(map), SWEEP_ERR_ARG,
                           "fixed: expected a mapping of key: value");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = spec_yaml_node(c, p->key), *v = spec_yaml_node(c, p->value);
        char key[64];
        if ((ret = spec_yaml_scalar(c, k, "fixed", key, sizeof key)) != SWEEP_OK)
            return ret;
        const param_def *def = params_find(key, SPEC_GROUPS);
        if (def == NULL) {
            char near[96];
            spec_key_suggestion(key, near, sizeof near);
            return spec_err_at(c, spec_yaml_line(k), SWEEP_ERR_ARG, "fixed: unknown key '%s'%s",
                               key, near);
        }
        for (int f = 0; f < s->n_fixed; f++)
            if (s->fixed[f].def == def)
                return spec_err_at(c, spec_yaml_line(k), SWEEP_ERR_ARG,
                                   "fixed: '%s' is given twice", key);
        if (s->n_fixed >= SPEC_MAX_FIXED)
            return spec_err_at(c, spec_yaml_line(k), SWEEP_ERR_ARG, "fixed: too many keys");
        spec_fixed *fx = &s->fixed[s->n_fixed];
        memset(fx, 0, sizeof *fx);
        if ((ret = spec_yaml_value_text(c, v, key, &fx->text)) != SWEEP_OK)
            return ret;
        s->n_fixed++;
        fx->def = def;
        fx->line = spec_yaml_line(k);
        snprintf(fx->key, sizeof fx->key, "%s", key);
        sweep_errbuf eb2;
        sweep_errbuf_clear(&eb2);
        if (params_set(&s->base, def, fx->text, &eb2) != SWEEP_OK)
            return spec_err_at(c, spec_yaml_line(v), SWEEP_ERR_ARG, "%s: %s", key,
                               spec_err_detail(eb2.msg));
    }
    return SWEEP_OK;
}
