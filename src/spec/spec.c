#include "spec.h"

#include "spec_impl.h"
#include "geom.h"
#include "loss.h"
#include "numparse.h"
#include "profile.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

void sha256_raw(const void *data, size_t len, unsigned char out[32])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL);
    memcpy(out, md, 32);
}

void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < md_len && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[64] = '\0';
}

void spec_destroy(spec **ps)
{
    if (ps == NULL || *ps == NULL)
        return;
    spec *s = *ps;
    for (int a = 0; a < s->n_axes; a++) {
        for (int i = 0; s->axes[a].text != NULL && i < s->axes[a].n; i++)
            free(s->axes[a].text[i]);
        free(s->axes[a].text);
        free(s->axes[a].num);
    }
    for (int f = 0; f < s->n_fixed; f++)
        free(s->fixed[f].text);
    for (int b = 0; b < s->n_blocks; b++)
        for (int f = 0; f < s->blocks[b].n_factors; f++) {
            free(s->blocks[b].factor[f].idx);
            free(s->blocks[b].factor[f].keys);
        }
    free(s->overrides);
    free(s->resolved);
    free(s->path);
    free(s->text);
    free(s->effective);
    free(s);
    *ps = NULL;
}

/* ---- YAML helpers ------------------------------------------------------------------------ */

typedef struct parse_ctx {
    yaml_document_t *doc;
    const char *path;
    sweep_errbuf *eb;
} parse_ctx;

static int line_of(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

static yaml_node_t *node(parse_ctx *c, int id)
{
    return yaml_document_get_node(c->doc, id);
}

/* scalar text of n into buf (NUL-terminated); SWEEP_ERR_ARG when n is not a scalar */
static int scalar_text(parse_ctx *c, yaml_node_t *n, const char *key, char *buf, size_t cap)
{
    if (n->type != YAML_SCALAR_NODE)
        return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: expected a single value, got a %s",
                             c->path, line_of(n), key,
                             n->type == YAML_SEQUENCE_NODE ? "list" : "mapping");
    size_t len = n->data.scalar.length;
    if (len >= cap)
        return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: value longer than %zu characters",
                             c->path, line_of(n), key, cap - 1);
    memcpy(buf, n->data.scalar.value, len);
    buf[len] = '\0';
    return SWEEP_OK;
}

/* A value as option text: a scalar as it is, a list of scalars joined by commas. Caller frees. */
static int value_text(parse_ctx *c, yaml_node_t *n, const char *key, char **out)
{
    if (n->type == YAML_SCALAR_NODE) {
        char buf[8192];
        int ret = scalar_text(c, n, key, buf, sizeof buf);
        if (ret != SWEEP_OK)
            return ret;
        *out = strdup(buf);
        return *out ? SWEEP_OK : SWEEP_ERR_NOMEM;
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        size_t cap = 64, len = 0;
        char *t = malloc(cap);
        if (t == NULL)
            return SWEEP_ERR_NOMEM;
        t[0] = '\0';
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
             it++) {
            char buf[256];
            yaml_node_t *item = node(c, *it);
            int ret = scalar_text(c, item, key, buf, sizeof buf);
            if (ret != SWEEP_OK) {
                free(t);
                return ret;
            }
            size_t need = len + strlen(buf) + 2;
            if (need > cap) {
                while (cap < need)
                    cap *= 2;
                char *nt = realloc(t, cap);
                if (nt == NULL) {
                    free(t);
                    return SWEEP_ERR_NOMEM;
                }
                t = nt;
            }
            len += (size_t)sprintf(t + len, "%s%s", len ? "," : "", buf);
        }
        if (len == 0) {
            free(t);
            return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: empty list", c->path,
                                 line_of(n), key);
        }
        *out = t;
        return SWEEP_OK;
    }
    return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: expected a value or a list, got a mapping",
                         c->path, line_of(n), key);
}

static int parse_number(parse_ctx *c, yaml_node_t *n, const char *key, double *out)
{
    char buf[128];
    int ret = scalar_text(c, n, key, buf, sizeof buf);
    if (ret != SWEEP_OK)
        return ret;
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0' || !isfinite(v))
        return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: '%s' is not a finite number",
                             c->path, line_of(n), key, buf);
    *out = v;
    return SWEEP_OK;
}

/* params_set messages read "--name: detail"; spec messages put the key first themselves */
static const char *detail_of(const char *msg)
{
    if (msg[0] == '-' && msg[1] == '-') {
        const char *colon = strstr(msg, ": ");
        if (colon != NULL)
            return colon + 2;
        return msg + 2;
    }
    return msg;
}

/* Check that text is a valid value of def (parsing only: ranges are checked per point). */
static int check_value(parse_ctx *c, const param_def *def, const char *key, const char *text,
                       int line)
{
    point_params tmp;
    sweep_errbuf eb2;
    params_default(&tmp);
    sweep_errbuf_clear(&eb2);
    if (params_set(&tmp, def, text, &eb2) != SWEEP_OK)
        return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: %s", c->path, line, key,
                             detail_of(eb2.msg));
    return SWEEP_OK;
}

static const unsigned SPEC_GROUPS = PARAM_GROUP_PROBLEM | PARAM_GROUP_LOSS | PARAM_GROUP_SOLVER;

static int axis_add_value(spec_axis *ax, char *text)
{
    char **t = realloc(ax->text, (size_t)(ax->n + 1) * sizeof *t);
    if (t == NULL)
        return SWEEP_ERR_NOMEM;
    ax->text = t;
    ax->text[ax->n++] = text;
    return SWEEP_OK;
}

/* Sorting an axis's values to find the equal ones: numbers by value (so 1, 1.0, 01, 1e0 and
 * 0, -0 are the same coordinate), text by bytes; numbers before text. */
typedef struct axis_value_ref {
    const spec_axis *ax;
    int i;
} axis_value_ref;

static int axis_value_is_num(const spec_axis *ax, int i)
{
    return !isnan(ax->num[i]);
}

static int axis_value_cmp(const void *pa, const void *pb)
{
    const axis_value_ref *a = pa, *b = pb;
    const int na = axis_value_is_num(a->ax, a->i), nb = axis_value_is_num(b->ax, b->i);
    if (na != nb)
        return na ? -1 : 1;
    if (na) {
        const double x = a->ax->num[a->i], y = b->ax->num[b->i];
        return x < y ? -1 : x > y ? 1 : 0;
    }
    return strcmp(a->ax->text[a->i], b->ax->text[b->i]);
}

/* Refuse an axis holding one value twice: O(n log n), so axes of millions of values stay fast. */
static int axis_check_unique(parse_ctx *c, const spec_axis *ax)
{
    axis_value_ref *r = malloc((size_t)ax->n * sizeof *r);
    if (r == NULL)
        return SWEEP_ERR_NOMEM;
    for (int i = 0; i < ax->n; i++)
        r[i] = (axis_value_ref){ax, i};
    qsort(r, (size_t)ax->n, sizeof *r, axis_value_cmp);
    int ret = SWEEP_OK;
    for (int i = 1; i < ax->n && ret == SWEEP_OK; i++)
        if (axis_value_cmp(&r[i - 1], &r[i]) == 0) {
            const int a = r[i - 1].i < r[i].i ? r[i - 1].i : r[i].i;
            const int b = r[i - 1].i < r[i].i ? r[i].i : r[i - 1].i;
            if (strcmp(ax->text[a], ax->text[b]) == 0)
                ret = sweep_err_set(c->eb, SWEEP_ERR_ARG,
                                    "%s:%d: %s: value '%s' appears twice (values %d and %d)",
                                    c->path, ax->line, ax->key, ax->text[a], a + 1, b + 1);
            else
                ret = sweep_err_set(c->eb, SWEEP_ERR_ARG,
                                    "%s:%d: %s: value '%s' (number %d) and '%s' (number %d) are "
                                    "the same value: each coordinate must appear once",
                                    c->path, ax->line, ax->key, ax->text[a], a + 1, ax->text[b],
                                    b + 1);
        }
    free(r);
    return ret;
}

static void axis_free(spec_axis *ax)
{
    for (int i = 0; ax->text != NULL && i < ax->n; i++)
        free(ax->text[i]);
    free(ax->text);
    free(ax->num);
    memset(ax, 0, sizeof *ax);
}

/* Expand the values of one axis (value node v of key, the option def) into ax (zeroed by the
 * caller, freed by it with axis_free also on failure). unique: refuse a value given twice (an
 * axis); 0 for the axes of a zip, whose values may repeat. */
static int parse_values(parse_ctx *c, const param_def *def, const char *key, int line,
                        yaml_node_t *v, int unique, spec_axis *ax)
{
    int ret = SWEEP_OK;
    snprintf(ax->key, sizeof ax->key, "%s", key);
    ax->line = line;
    ax->def = def;
    if (v->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
             it++) {
            yaml_node_t *item = node(c, *it);
            char *t = NULL;
            if ((ret = value_text(c, item, key, &t)) != SWEEP_OK)
                return ret;
            if ((ret = axis_add_value(ax, t)) != SWEEP_OK) {
                free(t);
                return ret;
            }
            if ((ret = check_value(c, ax->def, key, t, line_of(item))) != SWEEP_OK)
                return ret;
        }
    } else if (v->type == YAML_MAPPING_NODE) {
        yaml_node_pair_t *pair = v->data.mapping.pairs.start;
        if (v->data.mapping.pairs.top - pair != 1)
            return sweep_err_set(c->eb, SWEEP_ERR_ARG,
                                 "%s:%d: %s: a generated axis is one of {linspace: [a, b, n]}, "
                                 "{logspace: [a, b, n]}, {range: [a, b]}",
                                 c->path, line_of(v), key);
        char kind[32];
        yaml_node_t *gk = node(c, pair->key), *gv = node(c, pair->value);
        if ((ret = scalar_text(c, gk, key, kind, sizeof kind)) != SWEEP_OK)
            return ret;
        int is_lin = !strcmp(kind, "linspace"), is_log = !strcmp(kind, "logspace"),
            is_range = !strcmp(kind, "range");
        if (!is_lin && !is_log && !is_range)
            return sweep_err_set(c->eb, SWEEP_ERR_ARG,
                                 "%s:%d: %s: unknown generator '%s' (use linspace, logspace or "
                                 "range)",
                                 c->path, line_of(gk), key, kind);
        if (gv->type != YAML_SEQUENCE_NODE)
            return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: %s takes a list", c->path,
                                 line_of(gv), key, kind);
        double arg[3] = {0, 0, 1};
        int nargs = (int)(gv->data.sequence.items.top - gv->data.sequence.items.start);
        int want_min = is_range ? 2 : 3, want_max = 3;
        if (nargs < want_min || nargs > want_max)
            return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: %s takes %s, got %d values",
                                 c->path, line_of(gv), key, kind,
                                 is_range ? "[a, b] or [a, b, step]" : "[a, b, n]", nargs);
        for (int i = 0; i < nargs; i++)
            if ((ret = parse_number(c, node(c, gv->data.sequence.items.start[i]), key, &arg[i])) !=
                SWEEP_OK)
                return ret;
        double count;
        if (is_range) {
            if (arg[0] != floor(arg[0]) || arg[1] != floor(arg[1]) || arg[2] != floor(arg[2]) ||
                arg[2] == 0)
                return sweep_err_set(c->eb, SWEEP_ERR_ARG,
                                     "%s:%d: %s: range needs integers and a non-zero step",
                                     c->path, line_of(gv), key);
            count = ceil((arg[1] - arg[0]) / arg[2]);
        } else {
            count = arg[2];
            if (count != floor(count) || count < 1)
                return sweep_err_set(c->eb, SWEEP_ERR_ARG,
                                     "%s:%d: %s: %s: n = %g must be a whole number >= 1",
                                     c->path, line_of(gv), key, kind, count);
        }
        if (count < 1)
            return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: the axis is empty (%s [%g, %g])",
                                 c->path, line_of(gv), key, kind, arg[0], arg[1]);
        if (count > 1e7)
            return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: %g values is too many",
                                 c->path, line_of(gv), key, count);
        /* Generated values are the decimals the user meant: rounded to 12 significant digits
         * on the scale of the range's ends (so linspace(0, 1, 11) gives 0.3, not
         * 0.30000000000000004, and a cancellation that should give 0 gives 0), and each logspace
         * value to 12 significant digits of its own. The value used everywhere (coordinates,
         * parameters, hashes) is the one parsed back from that text. */
        const double scale = fmax(fabs(arg[0]), fabs(arg[1]));
        const double quantum = scale > 0 ? pow(10.0, floor(log10(scale)) - 11.0) : 0.0;
        for (long i = 0; i < (long)count; i++) {
            double x;
            if (is_range)
                x = arg[0] + (double)i * arg[2];
            else {
                double t = count > 1 ? (double)i / (count - 1) : 0.0;
                x = i == (long)count - 1 && count > 1 ? arg[1] : arg[0] + (arg[1] - arg[0]) * t;
                if (quantum > 0 && isfinite(x / quantum))
                    x = nearbyint(x / quantum) * quantum + 0.0; /* + 0.0: never -0 */
                if (is_log)
                    x = pow(10.0, x);
            }
            char buf[64];
            snprintf(buf, sizeof buf, is_range ? "%.17g" : "%.12g", x);
            char *tx = strdup(buf);
            if (tx == NULL || (ret = axis_add_value(ax, tx)) != SWEEP_OK) {
                free(tx);
                return SWEEP_ERR_NOMEM;
            }
            if ((ret = check_value(c, ax->def, key, tx, line_of(gv))) != SWEEP_OK)
                return ret;
        }
    } else {
        return sweep_err_set(c->eb, SWEEP_ERR_ARG,
                             "%s:%d: %s: an axis is a list of values or a generator such as "
                             "{linspace: [a, b, n]}; for a single value use fixed",
                             c->path, line_of(v), key);
    }
    if (ax->n == 0)
        return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: the axis has no values", c->path,
                             ax->line, key);
    ax->num = malloc((size_t)ax->n * sizeof(double));
    if (ax->num == NULL)
        return SWEEP_ERR_NOMEM;
    ax->numeric = 1;
    for (int i = 0; i < ax->n; i++) {
        char *end = NULL;
        double x = strtod(ax->text[i], &end);
        if (end == ax->text[i] || *end != '\0') {
            ax->num[i] = NAN;
            ax->numeric = 0;
        } else {
            ax->num[i] = x;
        }
    }
    return unique ? axis_check_unique(c, ax) : SWEEP_OK;
}

/* ---- the union of blocks -------------------------------------------------------------------- */

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
    if (axis_add_value(ax, t) != SWEEP_OK) {
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
        qsort(u, (size_t)n0, sizeof *u, axis_value_cmp);
        qsort(t, (size_t)m, sizeof *t, axis_value_cmp);
    }
    for (int j = 0; ret == SWEEP_OK && j < m;) {
        int e = j, first = t[j].i;
        while (e < m && axis_value_cmp(&t[j], &t[e]) == 0) {
            first = t[e].i < first ? t[e].i : first;
            e++;
        }
        const axis_value_ref *hit =
            n0 > 0 ? bsearch(&t[j], u, (size_t)n0, sizeof *u, axis_value_cmp) : NULL;
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
static void suggestion(const char *key, char *buf, size_t cap)
{
    const char *near = spec_suggest_key(key);
    if (near != NULL)
        snprintf(buf, cap, " (did you mean '%s'?)", near);
    else
        buf[0] = '\0';
}

/* The option of axis key k in a block, checked: known, not trace_points, not twice in the
 * block, and (legacy `grid:`) not also fixed. */
static int block_axis_def(parse_ctx *c, spec *s, const param_def **seen, int n_seen,
                          yaml_node_t *k, const char *key, const char *where, int legacy,
                          const param_def **out)
{
    const param_def *def = params_find(key, SPEC_GROUPS);
    if (def == NULL) {
        char near[96];
        suggestion(key, near, sizeof near);
        return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: unknown key '%s'%s", c->path,
                             line_of(k), where, key, near);
    }
    if (strcmp(def->name, "trace-points") == 0)
        return sweep_err_set(c->eb, SWEEP_ERR_ARG,
                             "%s:%d: trace_points: cannot be a grid axis (every trace in a store "
                             "has one length); set it under fixed",
                             c->path, line_of(k));
    for (int i = 0; i < n_seen; i++)
        if (seen[i] == def)
            return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: '%s' is given twice", c->path,
                                 line_of(k), where, key);
    for (int f = 0; legacy && f < s->n_fixed; f++)
        if (s->fixed[f].def == def)
            return sweep_err_set(c->eb, SWEEP_ERR_ARG,
                                 "%s:%d: grid: '%s' is also fixed (line %d); give it once",
                                 c->path, line_of(k), key, s->fixed[f].line);
    if (n_seen >= SPEC_MAX_AXES)
        return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: more than %d axes", c->path,
                             line_of(k), where, SPEC_MAX_AXES);
    *out = def;
    return SWEEP_OK;
}

/* One `zip:` group (mapping of key: AXIS) of block b: axes of equal length varied together. */
static int parse_zip(parse_ctx *c, spec *s, spec_block *b, yaml_node_t *map, const char *where,
                     const param_def **seen, int *n_seen, int legacy)
{
    int ret = SWEEP_OK, m = 0;
    spec_axis tmp[SPEC_MAX_AXES];
    int32_t *idx = NULL;
    memset(tmp, 0, sizeof tmp);
    if (map->type != YAML_MAPPING_NODE || map->data.mapping.pairs.top == map->data.mapping.pairs.start)
        return sweep_err_set(c->eb, SWEEP_ERR_ARG,
                             "%s:%d: %s: zip: expected a mapping of axis: values (axes of equal "
                             "length varied together), or a list of such mappings",
                             c->path, line_of(map), where);
    if (b->n_factors >= SPEC_MAX_AXES)
        return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: too many axes", c->path,
                             line_of(map), where);
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++, m++) {
        yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        char key[64];
        const param_def *def = NULL;
        if ((ret = scalar_text(c, k, "zip", key, sizeof key)) != SWEEP_OK ||
            (ret = block_axis_def(c, s, seen, *n_seen, k, key, "zip", legacy, &def)) != SWEEP_OK)
            goto cleanup;
        seen[(*n_seen)++] = def;
        if ((ret = parse_values(c, def, key, line_of(k), v, 0, &tmp[m])) != SWEEP_OK)
            goto cleanup;
        if (tmp[m].n != tmp[0].n) {
            ret = sweep_err_set(c->eb, SWEEP_ERR_ARG,
                                "%s:%d: zip: %s has %d values and %s has %d: zipped axes vary "
                                "together and need equal lengths",
                                c->path, line_of(k), tmp[0].key, tmp[0].n, key, tmp[m].n);
            m++;
            goto cleanup;
        }
    }
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
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    b->n_factors++;
    f->n_axes = m;
    f->n = n;
    for (int j = 0; j < m; j++) {
        int a = -1;
        if ((ret = union_merge(s, &tmp[j], 0, idx, &a, c->eb)) != SWEEP_OK)
            goto cleanup;
        f->axis[j] = a;
        b->has_axis[a] = 1;
        for (int i = 0; i < n; i++)
            f->idx[(size_t)i * m + j] = idx[i];
    }
cleanup:
    for (int j = 0; j < SPEC_MAX_AXES; j++)
        axis_free(&tmp[j]);
    free(idx);
    return ret;
}

/* One block: a mapping of axes (and zip groups), `grid:` itself or an entry of `grids:`. */
static int parse_block(parse_ctx *c, spec *s, yaml_node_t *map, int line, const char *where,
                       int legacy)
{
    int ret = SWEEP_OK, n_seen = 0;
    const param_def *seen[SPEC_MAX_AXES];
    if (map->type != YAML_MAPPING_NODE || map->data.mapping.pairs.top == map->data.mapping.pairs.start)
        return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: expected a mapping of axis: values",
                             c->path, line, where);
    if (s->n_blocks >= SPEC_MAX_BLOCKS)
        return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: grids: more than %d blocks", c->path,
                             line, SPEC_MAX_BLOCKS);
    spec_block *b = &s->blocks[s->n_blocks++];
    memset(b, 0, sizeof *b);
    b->line = line;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        char key[64];
        if ((ret = scalar_text(c, k, where, key, sizeof key)) != SWEEP_OK)
            return ret;
        if (!strcmp(key, "zip")) {
            if (v->type == YAML_SEQUENCE_NODE) {
                for (yaml_node_item_t *it = v->data.sequence.items.start;
                     it < v->data.sequence.items.top; it++)
                    if ((ret = parse_zip(c, s, b, node(c, *it), where, seen, &n_seen, legacy)) !=
                        SWEEP_OK)
                        return ret;
            } else if ((ret = parse_zip(c, s, b, v, where, seen, &n_seen, legacy)) != SWEEP_OK) {
                return ret;
            }
            continue;
        }
        const param_def *def = NULL;
        if ((ret = block_axis_def(c, s, seen, n_seen, k, key, where, legacy, &def)) != SWEEP_OK)
            return ret;
        seen[n_seen++] = def;
        spec_axis tmp;
        memset(&tmp, 0, sizeof tmp);
        ret = parse_values(c, def, key, line_of(k), v, 1, &tmp);
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
        axis_free(&tmp);
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

static int cmp_i64(const void *a, const void *b)
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

static int finish_blocks(parse_ctx *c, spec *s)
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
    s->n_points = 1;
    for (int a = 0; a < s->n_axes; a++) {
        s->n_points *= s->axes[a].n;
        if (s->n_points > SPEC_MAX_POINTS)
            return sweep_err_set(c->eb, SWEEP_ERR_ARG,
                                 "%s:%d: %s: the grid reaches %lld points, more than the %lld one "
                                 "store holds (tens of GB of status and results): split the sweep "
                                 "into several specs",
                                 c->path, s->axes[a].line, s->axes[a].key, (long long)s->n_points,
                                 (long long)SPEC_MAX_POINTS);
    }
    s->every_point_in_study = s->n_blocks == 1;
    for (int bi = 0; bi < s->n_blocks; bi++) {
        spec_block *b = &s->blocks[bi];
        b->n_points = 1;
        for (int fi = 0; fi < b->n_factors; fi++) {
            spec_factor *f = &b->factor[fi];
            int64_t stride[SPEC_MAX_AXES];
            int64_t st = 1;
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
            qsort(f->keys, (size_t)f->n, sizeof *f->keys, cmp_i64);
            for (int i = 1; i < f->n; i++)
                if (f->keys[i] == f->keys[i - 1])
                    return sweep_err_set(c->eb, SWEEP_ERR_ARG,
                                         "%s:%d: zip: a combination of %s, ... appears twice: "
                                         "each must appear once",
                                         c->path, s->axes[f->axis[0]].line,
                                         s->axes[f->axis[0]].key);
            b->n_points *= f->n;
            if (f->n != s->axes[f->axis[0]].n || f->n_axes > 1)
                s->every_point_in_study = 0;
        }
        for (int a = 0; a < s->n_axes; a++)
            if (!b->has_axis[a])
                s->every_point_in_study = 0;
    }
    return SWEEP_OK;
}

static int parse_fixed(parse_ctx *c, spec *s, yaml_node_t *map)
{
    int ret;
    if (map->type != YAML_MAPPING_NODE)
        return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: fixed: expected a mapping of key: value",
                             c->path, line_of(map));
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        char key[64];
        if ((ret = scalar_text(c, k, "fixed", key, sizeof key)) != SWEEP_OK)
            return ret;
        const param_def *def = params_find(key, SPEC_GROUPS);
        if (def == NULL) {
            char near[96];
            suggestion(key, near, sizeof near);
            return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: fixed: unknown key '%s'%s",
                                 c->path, line_of(k), key, near);
        }
        for (int f = 0; f < s->n_fixed; f++)
            if (s->fixed[f].def == def)
                return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: fixed: '%s' is given twice",
                                     c->path, line_of(k), key);
        if (s->n_fixed >= SPEC_MAX_FIXED)
            return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: fixed: too many keys", c->path,
                                 line_of(k));
        spec_fixed *fx = &s->fixed[s->n_fixed];
        memset(fx, 0, sizeof *fx);
        if ((ret = value_text(c, v, key, &fx->text)) != SWEEP_OK)
            return ret;
        s->n_fixed++;
        fx->def = def;
        fx->line = line_of(k);
        snprintf(fx->key, sizeof fx->key, "%s", key);
        sweep_errbuf eb2;
        sweep_errbuf_clear(&eb2);
        if (params_set(&s->base, def, fx->text, &eb2) != SWEEP_OK)
            return sweep_err_set(c->eb, SWEEP_ERR_ARG, "%s:%d: %s: %s", c->path, line_of(v), key,
                                 detail_of(eb2.msg));
    }
    return SWEEP_OK;
}

/* ---- points -------------------------------------------------------------------------------- */

void spec_point_index(const spec *s, int64_t p, int64_t *idx)
{
    for (int a = s->n_axes - 1; a >= 0; a--) {
        idx[a] = p % s->axes[a].n;
        p /= s->axes[a].n;
    }
}

static int block_holds(const spec *s, const spec_block *b, const int64_t *idx)
{
    for (int a = 0; a < s->n_axes; a++)
        if (!b->has_axis[a] && idx[a] != b->base_idx[a])
            return 0;
    for (int fi = 0; fi < b->n_factors; fi++) {
        const spec_factor *f = &b->factor[fi];
        int64_t key = 0;
        for (int j = 0; j < f->n_axes; j++)
            key = key * s->axes[f->axis[j]].n + idx[f->axis[j]];
        if (bsearch(&key, f->keys, (size_t)f->n, sizeof key, cmp_i64) == NULL)
            return 0;
    }
    return 1;
}

int spec_point_block(const spec *s, int64_t p)
{
    int64_t idx[SPEC_MAX_AXES];
    if (p < 0 || p >= s->n_points)
        return -1;
    if (s->every_point_in_study)
        return 0;
    spec_point_index(s, p, idx);
    for (int b = 0; b < s->n_blocks; b++)
        if (block_holds(s, &s->blocks[b], idx))
            return b;
    return -1;
}

/* the axis's values as "a, b, c" (cut with "..." past cap) */
static void axis_values_text(const spec_axis *ax, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < ax->n && len + 8 < cap; i++) {
        int w = snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", ax->text[i]);
        len += w > 0 ? (size_t)w : 0;
    }
    if (len + 8 >= cap && cap > 4)
        snprintf(buf + cap - 4, 4, "...");
}

int spec_point_find(const spec *s, const char *assignments, int64_t *p, sweep_errbuf *eb)
{
    int64_t idx[SPEC_MAX_AXES];
    int given[SPEC_MAX_AXES];
    char *copy = strdup(assignments), *save = NULL, values[512];
    int ret = SWEEP_OK;
    if (copy == NULL)
        return SWEEP_ERR_NOMEM;
    for (int a = 0; a < s->n_axes; a++) {
        idx[a] = 0;
        given[a] = 0;
    }
    for (char *tok = strtok_r(copy, ",", &save); tok != NULL && ret == SWEEP_OK;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        char *eq = strchr(tok, '=');
        if (eq == NULL || eq == tok) {
            ret = sweep_err_set(eb, SWEEP_ERR_ARG, "--point: '%s' is not KEY=VALUE", tok);
            break;
        }
        *eq = '\0';
        const char *val = eq + 1;
        const param_def *def = params_find(tok, SPEC_GROUPS);
        int a = 0;
        while (a < s->n_axes && (def == NULL || s->axes[a].def != def))
            a++;
        if (a == s->n_axes) {
            char axes[512];
            size_t len = 0;
            axes[0] = '\0';
            for (int b = 0; b < s->n_axes && len < sizeof axes; b++) {
                int w = snprintf(axes + len, sizeof axes - len, "%s%s", b ? ", " : "",
                                 s->axes[b].key);
                len += w > 0 ? (size_t)w : 0;
            }
            ret = sweep_err_set(eb, SWEEP_ERR_ARG, "--point: '%s' is not an axis of %s (its axes: %s)",
                                tok, s->path, axes);
            break;
        }
        const spec_axis *ax = &s->axes[a];
        char *end = NULL;
        const double x = strtod(val, &end);
        const int is_num = end != val && *end == '\0';
        int found = -1;
        for (int i = 0; i < ax->n && found < 0; i++)
            if ((ax->numeric && is_num && ax->num[i] == x) || strcmp(ax->text[i], val) == 0)
                found = i;
        if (found < 0) {
            axis_values_text(ax, values, sizeof values);
            ret = sweep_err_set(eb, SWEEP_ERR_ARG, "--point: %s = '%s' is not on the axis (%s)",
                                ax->key, val, values);
            break;
        }
        if (given[a]) {
            ret = sweep_err_set(eb, SWEEP_ERR_ARG, "--point: %s is given twice", ax->key);
            break;
        }
        given[a] = 1;
        idx[a] = found;
    }
    /* an axis left out: its one value, or the value of a block that does not vary it */
    for (int b = 0; b < s->n_blocks && ret == SWEEP_OK; b++) {
        int64_t cand[SPEC_MAX_AXES];
        int ok = 1;
        for (int a = 0; a < s->n_axes && ok; a++) {
            cand[a] = given[a] ? idx[a] : s->axes[a].n == 1 ? 0 : -1;
            if (cand[a] < 0 && !s->blocks[b].has_axis[a])
                cand[a] = s->blocks[b].base_idx[a];
            ok = cand[a] >= 0;
        }
        if (ok && block_holds(s, &s->blocks[b], cand)) {
            for (int a = 0; a < s->n_axes; a++) {
                idx[a] = cand[a];
                given[a] = 1;
            }
            break;
        }
    }
    for (int a = 0; a < s->n_axes && ret == SWEEP_OK; a++)
        if (!given[a] && s->axes[a].n > 1) {
            axis_values_text(&s->axes[a], values, sizeof values);
            ret = sweep_err_set(eb, SWEEP_ERR_ARG, "--point: give %s (one of %s)%s",
                                s->axes[a].key, values,
                                s->union_of_blocks
                                    ? ", or values of a block: no block of the grids holds "
                                      "these with the other axes at its values (not in the "
                                      "study)"
                                    : "");
        }
    if (ret == SWEEP_OK) {
        int64_t lin = 0;
        for (int a = 0; a < s->n_axes; a++)
            lin = lin * s->axes[a].n + idx[a];
        if (spec_point_block(s, lin) < 0) {
            char label[512];
            spec_point_label(s, lin, label, sizeof label);
            ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                                "--point: (%s) is in no block of %s's grids: not in the study",
                                label, s->path);
        } else {
            *p = lin;
        }
    }
    free(copy);
    return ret;
}

void spec_point_label(const spec *s, int64_t p, char *buf, size_t cap)
{
    int64_t idx[SPEC_MAX_AXES];
    size_t len = 0;
    spec_point_index(s, p, idx);
    buf[0] = '\0';
    for (int a = 0; a < s->n_axes && len < cap; a++) {
        int w = snprintf(buf + len, cap - len, "%s%s=%s", a ? ", " : "", s->axes[a].key,
                         s->axes[a].text[idx[a]]);
        len += w > 0 ? (size_t)w : 0;
    }
}

/* Everything a worker will need to succeed: profile, loss, solver options and sizes. */
static int validate_point(const point_params *pp, sweep_errbuf *eb)
{
    int ret;
    profile *prof = NULL;
    loss_vectors *lv = NULL;
    if ((ret = profile_create(&pp->profile, &prof, eb)) != SWEEP_OK)
        goto cleanup;
    if ((ret = loss_vectors_create(&pp->loss, prof, &lv, eb)) != SWEEP_OK)
        goto cleanup;
    if (pp->solver == POINT_SOLVER_UFM) {
        if ((ret = profile_check_integer_counts(prof, eb)) != SWEEP_OK)
            goto cleanup;
        const double big = prof->n * (double)(prof->k > prof->d ? prof->k : prof->d);
        if (big > UFM_MAX_ONE_RANK_SIZE) {
            ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                                "n = %g examples with k = %d, d = %d needs about %.1f GiB per "
                                "solve; too large for one rank",
                                prof->n, prof->k, prof->d, 48.0 * big / 1073741824.0);
            goto cleanup;
        }
    }
cleanup:
    loss_vectors_destroy(&lv);
    profile_destroy(&prof);
    return ret;
}

int spec_point_params(const spec *s, int64_t p, point_params *out, sweep_errbuf *eb)
{
    int64_t idx[SPEC_MAX_AXES];
    int ret;
    const int b = spec_point_block(s, p);
    if (b < 0)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "point %lld is in no block of the study",
                             (long long)p);
    spec_point_index(s, p, idx);
    *out = s->base;
    for (int a = 0; a < s->n_axes; a++)
        if (s->blocks[b].has_axis[a] &&
            (ret = params_set(out, s->axes[a].def, s->axes[a].text[idx[a]], eb)) != SWEEP_OK)
            return ret;
    if ((ret = params_finalize(out, eb)) != SWEEP_OK)
        return ret;
    return validate_point(out, eb);
}

/* The line of the option a validation message starts with ("rho = ...", "counts[1] = ..."). */
/* The spec line of the option an error is about (eb->key, set by the validator that refused
 * it), and its key as written; the first axis's line and "grid" when the error names none. */
static int line_for_error(const spec *s, const sweep_errbuf *e, const char **key_out)
{
    const param_def *def = e->key[0] != '\0' ? params_find(e->key, SPEC_GROUPS) : NULL;
    if (def != NULL && strcmp(def->name, "lambda-w") == 0)
        def = params_find("lambda", SPEC_GROUPS); /* lambda may have set it */
    for (int a = 0; a < s->n_axes; a++)
        if (def != NULL && (s->axes[a].def == def || (!strcmp(def->name, "lambda") &&
                                                      !strncmp(s->axes[a].def->name, "lambda", 6)))) {
            *key_out = s->axes[a].key;
            return s->axes[a].line;
        }
    for (int f = 0; f < s->n_fixed; f++)
        if (def != NULL && s->fixed[f].def == def) {
            *key_out = s->fixed[f].key;
            return s->fixed[f].line;
        }
    *key_out = def != NULL ? def->name : "grid";
    return s->n_axes > 0 ? s->axes[0].line : 1;
}

/* ---- the whole spec ------------------------------------------------------------------------- */

/* An axis value in canonical form: the option's value printed back (1, 1.0 and 1e0 alike), or
 * the text itself for a label that is not a value (a default such as "k"). */
static json_t *canonical_value(const spec_axis *ax, int i)
{
    point_params tmp;
    params_default(&tmp);
    if (params_set(&tmp, ax->def, ax->text[i], NULL) != SWEEP_OK)
        return json_string(ax->text[i]);
    char *v = params_value_dup(&tmp, ax->def);
    json_t *j = v != NULL ? json_string(v) : json_string(ax->text[i]);
    free(v);
    return j;
}

static char *dump_and_hash(json_t *root, char out[65])
{
    char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    if (text != NULL)
        sha256_hex(text, strlen(text), out);
    return text;
}

static void identity_axes_blocks(const spec *s, json_t *axes, json_t *blocks);

/* The identity of ufmsweep 0.3 ("ufmsweep-config-1": every option of the base point as written
 * or defaulted, and which were written), still accepted from the stores and journals of 0.3. */
static int build_identity_v1(spec *s)
{
    char *canon = NULL, set[4096];
    json_t *root = json_object(), *axes = json_array(), *blocks = json_array();
    if (root == NULL || axes == NULL || blocks == NULL ||
        (canon = params_canonical_dup(&s->base, SPEC_GROUPS)) == NULL) {
        free(canon);
        json_decref(root);
        json_decref(axes);
        json_decref(blocks);
        return SWEEP_ERR_NOMEM;
    }
    params_set_names(&s->base, set, sizeof set);
    json_object_set_new(root, "identity", json_string("ufmsweep-config-1"));
    json_object_set_new(root, "seed_base", json_integer(s->seed_base));
    json_object_set_new(root, "base", json_string(canon));
    free(canon);
    json_object_set_new(root, "base_set", json_string(set));
    identity_axes_blocks(s, axes, blocks);
    json_object_set_new(root, "axes", axes);
    json_object_set_new(root, "blocks", blocks);
    char *text = dump_and_hash(root, s->legacy_sha256);
    json_decref(root);
    if (text == NULL)
        return SWEEP_ERR_NOMEM;
    free(text);
    return SWEEP_OK;
}

/* The axes and blocks of the identity: each axis's option and canonical values, each block's
 * factors (axes and sorted combination keys) and held value indices. */
static void identity_axes_blocks(const spec *s, json_t *axes, json_t *blocks)
{
    for (int a = 0; a < s->n_axes; a++) {
        json_t *ax = json_array(), *vals = json_array();
        json_array_append_new(ax, json_string(s->axes[a].def->name));
        for (int i = 0; i < s->axes[a].n; i++)
            json_array_append_new(vals, canonical_value(&s->axes[a], i));
        json_array_append_new(ax, vals);
        json_array_append_new(axes, ax);
    }
    for (int bi = 0; bi < s->n_blocks; bi++) {
        const spec_block *b = &s->blocks[bi];
        json_t *blk = json_object(), *factors = json_array(), *at = json_array();
        for (int fi = 0; fi < b->n_factors; fi++) {
            const spec_factor *f = &b->factor[fi];
            json_t *fa = json_array(), *names = json_array(), *combos = json_array();
            for (int j = 0; j < f->n_axes; j++)
                json_array_append_new(names, json_integer(f->axis[j]));
            for (int i = 0; i < f->n; i++)
                json_array_append_new(combos, json_integer(f->keys[i]));
            json_array_append_new(fa, names);
            json_array_append_new(fa, combos);
            json_array_append_new(factors, fa);
        }
        for (int a = 0; a < s->n_axes; a++)
            json_array_append_new(at, json_integer(b->has_axis[a] ? -1 : b->base_idx[a]));
        json_object_set_new(blk, "factors", factors);
        json_object_set_new(blk, "at", at);
        json_array_append_new(blocks, blk);
    }
}

/* The options on which whether another option is read depends (params_option_read). */
static int decides_reading(const param_def *def)
{
    static const char *const names[] = {"profile", "counts", "loss",  "omega",     "Delta",
                                        "iota",    "solver", "opt",   "milestones"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(def->name, names[i]))
            return 1;
    return 0;
}

/* "name=value" of option def as the solve of p reads it: the budget as params_budget resolves
 * it, every other option as its canonical value. NULL when out of memory. */
static char *read_value(const point_params *p, const param_def *def)
{
    char *v = params_read_value_dup(p, def);
    if (v == NULL)
        return NULL;
    const size_t n = strlen(def->name) + 1 + strlen(v) + 1;
    char *out = malloc(n);
    if (out != NULL)
        snprintf(out, n, "%s=%s", def->name, v);
    free(v);
    return out;
}

/* The options that are not axes, as the study's solves read them: for every combination of the
 * values that decide what is read (solver, optimizer, loss, profile, milestones, explicit
 * vectors: fixed or on an axis), each option read there by its resolved value, as a set of
 * "name=value" keys. An option no solve reads is left out, so is whether a value was written
 * or defaulted. Past 4096 combinations every option counts (a longer identity, never a
 * shorter one). */
#define SPEC_IDENTITY_MAX_COMBOS 4096
static int identity_base(const spec *s, json_t *base)
{
    size_t n_defs = 0;
    const param_def *defs = params_table(&n_defs);
    int deciding[SPEC_MAX_AXES], n_deciding = 0;
    int64_t combos = 1;
    for (int a = 0; a < s->n_axes; a++)
        if (decides_reading(s->axes[a].def)) {
            deciding[n_deciding++] = a;
            combos = combos * s->axes[a].n > SPEC_IDENTITY_MAX_COMBOS + 1
                         ? SPEC_IDENTITY_MAX_COMBOS + 1
                         : combos * s->axes[a].n;
        }
    const int every = combos > SPEC_IDENTITY_MAX_COMBOS;
    for (int64_t c = 0; c < (every ? 1 : combos); c++) {
        point_params p = s->base;
        int64_t rest = c;
        int unknown = 0; /* a value that does not parse here: count every option */
        for (int j = n_deciding - 1; j >= 0 && !every; j--) {
            const spec_axis *ax = &s->axes[deciding[j]];
            unknown |= params_set(&p, ax->def, ax->text[rest % ax->n], NULL) != SWEEP_OK;
            rest /= ax->n;
        }
        for (size_t i = 0; i < n_defs; i++) {
            const param_def *def = &defs[i];
            int is_axis = 0;
            for (int a = 0; a < s->n_axes && !is_axis; a++)
                is_axis = s->axes[a].def == def ||
                          (!strcmp(def->name, "lambda") && !strncmp(s->axes[a].def->name, "lambda", 6)) ||
                          (!strncmp(def->name, "lambda", 6) && !strcmp(s->axes[a].def->name, "lambda"));
            if (is_axis || (!every && !unknown && !params_option_read(&p, def)))
                continue;
            char *kv = read_value(&p, def);
            if (kv == NULL)
                return SWEEP_ERR_NOMEM;
            json_object_set_new(base, kv, json_true());
            free(kv);
        }
    }
    return SWEEP_OK;
}

/* The spec's identity, grid_sha256: its meaning, not its text (spec.h). */
static int build_identity(spec *s)
{
    int ret = build_identity_v1(s);
    if (ret != SWEEP_OK)
        return ret;
    json_t *root = json_object(), *axes = json_array(), *blocks = json_array(),
           *base = json_object();
    if (root == NULL || axes == NULL || blocks == NULL || base == NULL) {
        json_decref(root);
        json_decref(axes);
        json_decref(blocks);
        json_decref(base);
        return SWEEP_ERR_NOMEM;
    }
    json_object_set_new(root, "identity", json_string("ufmsweep-config-2"));
    json_object_set_new(root, "numerics_version", json_integer(POINT_NUMERICS_VERSION));
    json_object_set_new(root, "seed_base", json_integer(s->seed_base));
    identity_axes_blocks(s, axes, blocks);
    json_object_set_new(root, "axes", axes);
    json_object_set_new(root, "blocks", blocks);
    if ((ret = identity_base(s, base)) != SWEEP_OK) {
        json_decref(base);
        json_decref(root);
        return ret;
    }
    json_object_set_new(root, "base", base);
    char *text = dump_and_hash(root, s->grid_sha256);
    json_decref(root);
    if (text == NULL)
        return SWEEP_ERR_NOMEM;
    free(text);
    return SWEEP_OK;
}

static int build_effective(spec *s)
{
    int ret;
    json_t *root = json_object(), *fixed = json_object(), *grid = json_array();
    if (root == NULL || fixed == NULL || grid == NULL)
        goto nomem;
    for (int f = 0; f < s->n_fixed; f++)
        json_object_set_new(fixed, s->fixed[f].def->name, json_string(s->fixed[f].text));
    for (int a = 0; a < s->n_axes; a++) {
        json_t *ax = json_array(), *vals = json_array();
        json_array_append_new(ax, json_string(s->axes[a].def->name));
        for (int i = 0; i < s->axes[a].n; i++)
            json_array_append_new(vals, json_string(s->axes[a].text[i]));
        json_array_append_new(ax, vals);
        json_array_append_new(grid, ax);
    }
    json_object_set_new(root, "seed_base", json_integer(s->seed_base));
    json_object_set_new(root, "fixed", fixed);
    json_object_set_new(root, "grid", grid);
    fixed = grid = NULL;
    if ((ret = build_identity(s)) != SWEEP_OK) {
        json_decref(root);
        return ret;
    }
    /* the stored version also names the sweep, spells out every option of the base point and
     * lists the blocks */
    char *canon = params_canonical_dup(&s->base, SPEC_GROUPS);
    if (canon == NULL)
        goto nomem;
    json_object_set_new(root, "name", json_string(s->name));
    json_object_set_new(root, "store", json_string(s->store));
    json_object_set_new(root, "base_point", json_string(canon));
    free(canon);
    json_object_set_new(root, "n_points", json_integer(s->n_points));
    json_object_set_new(root, "n_in_study", json_integer(s->n_in_study));
    json_object_set_new(root, "grid_sha256", json_string(s->grid_sha256));
    if (s->overrides != NULL && s->overrides[0] != '\0')
        json_object_set_new(root, "overrides", json_string(s->overrides));
    json_t *blocks = json_array();
    for (int bi = 0; bi < s->n_blocks; bi++) {
        const spec_block *b = &s->blocks[bi];
        json_t *blk = json_object(), *varied = json_array(), *held = json_object();
        for (int fi = 0; fi < b->n_factors; fi++) {
            const spec_factor *f = &b->factor[fi];
            if (f->n_axes == 1) {
                json_array_append_new(varied, json_string(s->axes[f->axis[0]].key));
            } else {
                json_t *z = json_array();
                for (int j = 0; j < f->n_axes; j++)
                    json_array_append_new(z, json_string(s->axes[f->axis[j]].key));
                json_array_append_new(varied, json_pack("{s:o}", "zip", z));
            }
        }
        for (int a = 0; a < s->n_axes; a++)
            if (!b->has_axis[a])
                json_object_set_new(held, s->axes[a].key,
                                    json_string(s->axes[a].text[b->base_idx[a]]));
        json_object_set_new(blk, "line", json_integer(b->line));
        json_object_set_new(blk, "axes", varied);
        json_object_set_new(blk, "held", held);
        json_object_set_new(blk, "n_points", json_integer(b->n_points));
        json_array_append_new(blocks, blk);
    }
    json_object_set_new(root, "blocks", blocks);
    s->effective = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(root);
    return s->effective ? SWEEP_OK : SWEEP_ERR_NOMEM;
nomem:
    json_decref(root);
    json_decref(fixed);
    json_decref(grid);
    return SWEEP_ERR_NOMEM;
}

#define SPEC_MAX_FLOW_DEPTH 64

/* 1-based line of byte offset off in text */
static int line_at(const char *text, size_t off)
{
    int line = 1;
    for (size_t i = 0; i < off; i++)
        line += text[i] == '\n';
    return line;
}

/* Checks of the raw text before libyaml sees it, each naming the line: no NUL byte (it would
 * cut keys and values short), and flow collections ([ ], { }) nested at most
 * SPEC_MAX_FLOW_DEPTH deep (libyaml takes time quadratic in the depth). Quoted scalars and
 * comments are skipped. One pass, linear in the length. */
static int spec_text_check(const char *path, const char *text, size_t len, sweep_errbuf *eb)
{
    const char *nul = memchr(text, '\0', len);
    if (nul != NULL)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "%s:%d: a NUL byte (byte %zu): a spec is text",
                             path, line_at(text, (size_t)(nul - text)), (size_t)(nul - text));
    int depth = 0, line = 1;
    char quote = 0;
    for (size_t i = 0; i < len; i++) {
        const char ch = text[i];
        if (ch == '\n')
            line++;
        if (quote != 0) {
            if (quote == '"' && ch == '\\' && i + 1 < len)
                i++;
            else if (ch == quote)
                quote = 0;
            continue;
        }
        if (ch == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t' ||
                          text[i - 1] == '\n')) {
            while (i + 1 < len && text[i + 1] != '\n')
                i++;
        } else if ((ch == '"' || ch == '\'') &&
                   (i == 0 || strchr(" \t\n:,[{-", text[i - 1]) != NULL)) {
            quote = ch; /* a quoted scalar starts (an apostrophe inside a word does not) */
        } else if (ch == '[' || ch == '{') {
            if (++depth > SPEC_MAX_FLOW_DEPTH)
                return sweep_err_set(eb, SWEEP_ERR_ARG,
                                     "%s:%d: collections nested more than %d deep: not a spec",
                                     path, line, SPEC_MAX_FLOW_DEPTH);
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        }
    }
    return SWEEP_OK;
}

static int spec_parse_impl(const char *path, const char *text, size_t len,
                           const char *const *overrides, int n_overrides, int validate,
                           spec **out, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    spec *s = NULL;
    yaml_parser_t parser;
    yaml_document_t doc;
    int parser_ok = 0, doc_ok = 0;
    parse_ctx c = {&doc, path, eb};

    s = calloc(1, sizeof *s);
    if (s == NULL)
        return SWEEP_ERR_NOMEM;
    s->ranks_per_solve = 1;
    s->group_min_work = SPEC_DEFAULT_GROUP_MIN_WORK;
    s->path = strdup(path);
    s->text = malloc(len + 1);
    if (s->path == NULL || s->text == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->text_len = len;
    sha256_hex(text, len, s->spec_sha256);
    params_default(&s->base);
    {
        size_t olen = 1;
        for (int i = 0; i < n_overrides; i++)
            olen += strlen(overrides[i]) + 1;
        if ((s->overrides = malloc(olen)) == NULL) {
            ret = SWEEP_ERR_NOMEM;
            goto cleanup;
        }
        s->overrides[0] = '\0';
        for (int i = 0; i < n_overrides; i++) {
            strcat(s->overrides, overrides[i]);
            strcat(s->overrides, "\n");
        }
    }

    if ((ret = spec_text_check(path, text, len, eb)) != SWEEP_OK)
        goto cleanup;
    if (!yaml_parser_initialize(&parser)) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    parser_ok = 1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)s->text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        if (parser.error == YAML_READER_ERROR) /* bad encoding: libyaml gives a byte offset */
            ret = sweep_err_set(eb, SWEEP_ERR_ARG, "%s:%d: %s (byte %zu)", path,
                                line_at(text, parser.problem_offset < len ? parser.problem_offset
                                                                          : len),
                                parser.problem ? parser.problem : "unreadable text",
                                parser.problem_offset);
        else
            ret = sweep_err_set(eb, SWEEP_ERR_ARG, "%s:%d: YAML syntax error: %s%s%s (column %d)",
                                path, (int)parser.problem_mark.line + 1,
                                parser.problem ? parser.problem : "malformed",
                                parser.context ? " " : "", parser.context ? parser.context : "",
                                (int)parser.problem_mark.column + 1);
        goto cleanup;
    }
    doc_ok = 1;
    {
        /* a second document would be ignored: refuse it */
        yaml_document_t more;
        if (!yaml_parser_load(&parser, &more)) {
            ret = sweep_err_set(eb, SWEEP_ERR_ARG, "%s:%d: YAML syntax error after the first "
                                                   "document: %s",
                                path, (int)parser.problem_mark.line + 1,
                                parser.problem ? parser.problem : "malformed");
            goto cleanup;
        }
        const int second = yaml_document_get_root_node(&more) != NULL;
        const int second_line = (int)more.start_mark.line + 1;
        yaml_document_delete(&more);
        if (second) {
            ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                                "%s:%d: a second YAML document (after '---'): a spec is one "
                                "document",
                                path, second_line);
            goto cleanup;
        }
    }
    if (n_overrides > 0 && (ret = spec_overrides_apply(&doc, overrides, n_overrides, eb)) !=
                               SWEEP_OK)
        goto cleanup;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root == NULL || root->type != YAML_MAPPING_NODE) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "%s:1: a spec is a mapping with keys name, store, seed_base, fixed, "
                            "grid%s",
                            path, root == NULL ? " (the file is empty)" : "");
        goto cleanup;
    }
    yaml_node_t *grid = NULL, *grids = NULL, *fixed = NULL;
    int grid_line = 1, grids_line = 1;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(&c, p->key), *v = node(&c, p->value);
        char key[64];
        if ((ret = scalar_text(&c, k, "spec", key, sizeof key)) != SWEEP_OK)
            goto cleanup;
        for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < p; q++) {
            yaml_node_t *kq = node(&c, q->key);
            if (kq->type == YAML_SCALAR_NODE && kq->data.scalar.length == strlen(key) &&
                !memcmp(kq->data.scalar.value, key, strlen(key))) {
                ret = sweep_err_set(eb, SWEEP_ERR_ARG, "%s:%d: %s: key given twice", path,
                                    line_of(k), key);
                goto cleanup;
            }
        }
        if (!strcmp(key, "name")) {
            if ((ret = scalar_text(&c, v, key, s->name, sizeof s->name)) != SWEEP_OK)
                goto cleanup;
        } else if (!strcmp(key, "store")) {
            if ((ret = scalar_text(&c, v, key, s->store, sizeof s->store)) != SWEEP_OK)
                goto cleanup;
        } else if (!strcmp(key, "seed_base")) {
            char buf[64];
            int64_t sb = 0;
            if ((ret = scalar_text(&c, v, key, buf, sizeof buf)) != SWEEP_OK)
                goto cleanup;
            if (numparse_i64(buf, INT64_MIN, INT64_MAX, &sb) != SWEEP_OK) {
                ret = sweep_err_set(eb, SWEEP_ERR_ARG, "%s:%d: seed_base: '%s' is not an integer",
                                    path, line_of(v), buf);
                goto cleanup;
            }
            s->seed_base = sb;
        } else if (!strcmp(key, "ranks_per_solve") || !strcmp(key, "group_min_work")) {
            char buf[64], *end = NULL;
            if ((ret = scalar_text(&c, v, key, buf, sizeof buf)) != SWEEP_OK)
                goto cleanup;
            errno = 0;
            const double x = strtod(buf, &end);
            const int is_g = !strcmp(key, "ranks_per_solve");
            if (end == buf || *end != '\0' || errno == ERANGE || !(x >= (is_g ? 1 : 0)) ||
                (is_g && (x != floor(x) || x > 4096))) {
                ret = sweep_err_set(eb, SWEEP_ERR_ARG, "%s:%d: %s: '%s' is not %s", path,
                                    line_of(v), key, buf,
                                    is_g ? "a rank count in 1..4096" : "a number >= 0");
                goto cleanup;
            }
            if (is_g)
                s->ranks_per_solve = (int)x;
            else
                s->group_min_work = x;
        } else if (!strcmp(key, "process_grid")) {
            char buf[64];
            if ((ret = scalar_text(&c, v, key, buf, sizeof buf)) != SWEEP_OK)
                goto cleanup;
            if (numparse_grid(buf, &s->grid_rows, &s->grid_cols) != SWEEP_OK) {
                ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                                    "%s:%d: process_grid: '%s' is not PxQ with P, Q >= 1 and "
                                    "P Q <= %d",
                                    path, line_of(v), buf, NUMPARSE_MAX_GRID);
                goto cleanup;
            }
        } else if (!strcmp(key, "fixed")) {
            fixed = v;
        } else if (!strcmp(key, "grid")) {
            grid = v;
            grid_line = line_of(k);
        } else if (!strcmp(key, "grids")) {
            grids = v;
            grids_line = line_of(k);
        } else {
            char near[96] = "";
            if (!params_find(key, SPEC_GROUPS))
                suggestion(key, near, sizeof near);
            ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                                "%s:%d: unknown key '%s'%s (a spec has name, store, seed_base, "
                                "ranks_per_solve, group_min_work, process_grid, fixed, grid or "
                                "grids)%s",
                                path, line_of(k), key, near,
                                params_find(key, SPEC_GROUPS) ? "; put options under fixed or grid" : "");
            goto cleanup;
        }
    }
    if (fixed != NULL && (ret = parse_fixed(&c, s, fixed)) != SWEEP_OK)
        goto cleanup;
    if (grid != NULL && grids != NULL) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "%s:%d: grids: the spec also has grid (line %d): give one grid, or "
                            "a list of blocks under grids",
                            path, grids_line, grid_line);
        goto cleanup;
    }
    if (grid == NULL && grids == NULL) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "%s:1: grid: missing (a sweep needs at least one axis: grid: {axis: "
                            "values}, or grids: [{...}, {...}] for a union of blocks)",
                            path);
        goto cleanup;
    }
    if (grid != NULL) {
        if ((ret = parse_block(&c, s, grid, grid_line, "grid", 1)) != SWEEP_OK)
            goto cleanup;
    } else {
        s->union_of_blocks = 1;
        if (grids->type != YAML_SEQUENCE_NODE ||
            grids->data.sequence.items.top == grids->data.sequence.items.start) {
            ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                                "%s:%d: grids: expected a list of blocks, each a mapping of axis: "
                                "values (- {loss: [ce], R: [1, 10]})",
                                path, grids_line);
            goto cleanup;
        }
        int bi = 0;
        for (yaml_node_item_t *it = grids->data.sequence.items.start;
             it < grids->data.sequence.items.top; it++, bi++) {
            char where[32];
            yaml_node_t *blk = node(&c, *it);
            snprintf(where, sizeof where, "grids[%d]", bi);
            if ((ret = parse_block(&c, s, blk, line_of(blk), where, 0)) != SWEEP_OK)
                goto cleanup;
        }
    }
    if ((ret = finish_blocks(&c, s)) != SWEEP_OK)
        goto cleanup;
    /* Every point: options finalize and every object a worker needs can be built. */
    s->trace_points = s->base.ufm.trace_points;
    s->trace_iters = s->base.ufm.iters;
    for (int a = 0; a < s->n_axes; a++)
        if (!strcmp(s->axes[a].def->name, "iters"))
            s->trace_iters = -1;
    /* some point solves unless the solver is `none` everywhere */
    s->any_solve = point_solver_info(s->base.solver)->solves;
    s->any_ufm = point_solver_info(s->base.solver)->records_trace;
    s->any_external = s->base.solver == POINT_SOLVER_EXTERNAL;
    for (int a = 0; a < s->n_axes; a++)
        if (!strcmp(s->axes[a].def->name, "solver")) {
            s->any_solve = s->any_ufm = s->any_external = 0;
            for (int i = 0; i < s->axes[a].n; i++) {
                const point_solver_def *sd = point_solver_find(s->axes[a].text[i]);
                s->any_solve |= sd != NULL && sd->solves;
                s->any_ufm |= sd != NULL && sd->records_trace;
                s->any_external |= sd != NULL && sd->id == POINT_SOLVER_EXTERNAL;
            }
        }
    if (!s->any_ufm)
        s->trace_points = 0; /* only gradient descent on the UFM records traces */
    /* the points of the study, counted, and (validate) each one checked */
    s->n_in_study = s->every_point_in_study && !validate ? s->n_points : 0;
    for (int64_t p = 0; (validate || !s->every_point_in_study) && p < s->n_points; p++) {
        point_params pp;
        sweep_errbuf eb2;
        sweep_errbuf_clear(&eb2);
        if (spec_point_block(s, p) < 0)
            continue;
        s->n_in_study++;
        if (!validate)
            continue;
        if (spec_point_params(s, p, &pp, &eb2) != SWEEP_OK) {
            char label[512];
            const char *key = NULL;
            int line = line_for_error(s, &eb2, &key);
            spec_point_label(s, p, label, sizeof label);
            ret = sweep_err_set(eb, SWEEP_ERR_ARG, "%s:%d: %s: at grid point %lld (%s): %s", path,
                                line, key, (long long)p, label, eb2.msg);
            goto cleanup;
        }
    }
    if ((ret = build_effective(s)) != SWEEP_OK)
        goto cleanup;
    if (n_overrides > 0) {
        /* the document with the overrides applied, as text that parses to this spec (libyaml's
         * emitter takes the document) */
        doc_ok = 0;
        if ((ret = spec_yaml_emit(&doc, &s->resolved, &s->resolved_len)) != SWEEP_OK)
            goto cleanup;
    } else {
        if ((s->resolved = malloc(len + 1)) == NULL) {
            ret = SWEEP_ERR_NOMEM;
            goto cleanup;
        }
        memcpy(s->resolved, text, len);
        s->resolved[len] = '\0';
        s->resolved_len = len;
    }
    *out = s;
    s = NULL;
cleanup:
    if (ret != SWEEP_OK)
        spec_overrides_relabel(eb, path, overrides, n_overrides);
    if (doc_ok)
        yaml_document_delete(&doc);
    if (parser_ok)
        yaml_parser_delete(&parser);
    spec_destroy(&s);
    return ret;
}

int spec_parse(const char *path, const char *text, size_t len, spec **out, sweep_errbuf *eb)
{
    return spec_parse_impl(path, text, len, NULL, 0, 1, out, eb);
}

int spec_parse_trusted(const char *path, const char *text, size_t len, spec **out,
                       sweep_errbuf *eb)
{
    return spec_parse_impl(path, text, len, NULL, 0, 0, out, eb);
}

int spec_parse_with(const char *path, const char *text, size_t len,
                    const char *const *overrides, int n_overrides, int validate, spec **out,
                    sweep_errbuf *eb)
{
    return spec_parse_impl(path, text, len, overrides, n_overrides, validate, out, eb);
}

int spec_load(const char *path, spec **out, sweep_errbuf *eb)
{
    return spec_load_with(path, NULL, 0, out, eb);
}

int spec_load_with(const char *path, const char *const *overrides, int n_overrides, spec **out,
                   sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (f == NULL)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    size_t cap = 65536, len = 0;
    buf = malloc(cap);
    while (buf != NULL) {
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
        if (len == cap) {
            if (cap > ((size_t)64 << 20)) {
                ret = sweep_err_set(eb, SWEEP_ERR_ARG, "%s: larger than 64 MiB: not a spec", path);
                goto cleanup;
            }
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (buf == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    if (ferror(f)) {
        ret = sweep_err_set(eb, SWEEP_ERR_IO, "%s: read error", path);
        goto cleanup;
    }
    ret = spec_parse_impl(path, buf, len, overrides, n_overrides, 1, out, eb);
cleanup:
    free(buf);
    fclose(f);
    return ret;
}
