/* spec_yaml.c - YAML nodes of a spec and the values of an axis. No MPI. */
#include "spec_impl.h"

#include "geom.h"
#include "loss.h"
#include "numparse.h"
#include "profile.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* the override whose node carries this line (SPEC_OVERRIDE_LINE + i + 1), or NULL */
static const char *override_of(const parse_ctx *c, int line)
{
    const long i = (long)line - 1 - SPEC_OVERRIDE_LINE;
    return i >= 0 && i < c->n_overrides ? c->overrides[i] : NULL;
}

const char *spec_place(const parse_ctx *c, int line, char *buf, size_t cap)
{
    const char *ov = override_of(c, line);
    if (ov != NULL)
        snprintf(buf, cap, "override '%.600s'", ov);
    else
        snprintf(buf, cap, "line %d", line);
    return buf;
}

int spec_err_at(const parse_ctx *c, int line, int code, const char *fmt, ...)
{
    char where[1200], msg[sizeof c->eb->msg];
    const char *ov = override_of(c, line);
    if (ov != NULL)
        snprintf(where, sizeof where, "%.500s: override '%.600s'", c->path, ov);
    else
        snprintf(where, sizeof where, "%.1000s:%d", c->path, line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sweep_err_set(c->eb, code, "%s: %s", where, msg);
}

int spec_yaml_line(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

yaml_node_t *spec_yaml_node(parse_ctx *c, int id)
{
    return yaml_document_get_node(c->doc, id);
}

/* scalar text of n into buf (NUL-terminated); SWEEP_ERR_ARG when n is not a scalar */
int spec_yaml_scalar(parse_ctx *c, yaml_node_t *n, const char *key, char *buf, size_t cap)
{
    if (n->type != YAML_SCALAR_NODE)
        return spec_err_at(c, spec_yaml_line(n), SWEEP_ERR_ARG,
                           "%s: expected a single value, got a %s", key,
                           n->type == YAML_SEQUENCE_NODE ? "list" : "mapping");
    size_t len = n->data.scalar.length;
    if (len >= cap)
        return spec_err_at(c, spec_yaml_line(n), SWEEP_ERR_ARG,
                           "%s: value longer than %zu characters", key, cap - 1);
    memcpy(buf, n->data.scalar.value, len);
    buf[len] = '\0';
    return SWEEP_OK;
}

/* A value as option text: a scalar as it is, a list of scalars joined by commas. Caller frees. */
int spec_yaml_value_text(parse_ctx *c, yaml_node_t *n, const char *key, char **out)
{
    if (n->type == YAML_SCALAR_NODE) {
        char buf[8192];
        int ret = spec_yaml_scalar(c, n, key, buf, sizeof buf);
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
            yaml_node_t *item = spec_yaml_node(c, *it);
            int ret = spec_yaml_scalar(c, item, key, buf, sizeof buf);
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
            return spec_err_at(c, spec_yaml_line(n), SWEEP_ERR_ARG, "%s: empty list", key);
        }
        *out = t;
        return SWEEP_OK;
    }
    return spec_err_at(c, spec_yaml_line(n), SWEEP_ERR_ARG,
                       "%s: expected a value or a list, got a mapping", key);
}

int spec_yaml_number(parse_ctx *c, yaml_node_t *n, const char *key, double *out)
{
    char buf[128];
    int ret = spec_yaml_scalar(c, n, key, buf, sizeof buf);
    if (ret != SWEEP_OK)
        return ret;
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0' || !isfinite(v))
        return spec_err_at(c, spec_yaml_line(n), SWEEP_ERR_ARG, "%s: '%s' is not a finite number",
                           key, buf);
    *out = v;
    return SWEEP_OK;
}

/* params_set messages read "--name: detail"; spec messages put the key first themselves */
const char *spec_err_detail(const char *msg)
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
        return spec_err_at(c, line, SWEEP_ERR_ARG, "%s: %s", key, spec_err_detail(eb2.msg));
    return SWEEP_OK;
}

int spec_axis_add_value(spec_axis *ax, char *text)
{
    char **t = realloc(ax->text, (size_t)(ax->n + 1) * sizeof *t);
    if (t == NULL)
        return SWEEP_ERR_NOMEM;
    ax->text = t;
    ax->text[ax->n++] = text;
    return SWEEP_OK;
}


static int axis_value_is_num(const spec_axis *ax, int i)
{
    return !isnan(ax->num[i]);
}

int spec_axis_value_cmp(const void *pa, const void *pb)
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
    qsort(r, (size_t)ax->n, sizeof *r, spec_axis_value_cmp);
    int ret = SWEEP_OK;
    for (int i = 1; i < ax->n && ret == SWEEP_OK; i++)
        if (spec_axis_value_cmp(&r[i - 1], &r[i]) == 0) {
            const int a = r[i - 1].i < r[i].i ? r[i - 1].i : r[i].i;
            const int b = r[i - 1].i < r[i].i ? r[i].i : r[i - 1].i;
            if (strcmp(ax->text[a], ax->text[b]) == 0)
                ret = spec_err_at(c, ax->line, SWEEP_ERR_ARG,
                                  "%s: value '%s' appears twice (values %d and %d)", ax->key,
                                  ax->text[a], a + 1, b + 1);
            else
                ret = spec_err_at(c, ax->line, SWEEP_ERR_ARG,
                                  "%s: value '%s' (number %d) and '%s' (number %d) are "
                                  "the same value: each coordinate must appear once",
                                  ax->key, ax->text[a], a + 1, ax->text[b], b + 1);
        }
    free(r);
    return ret;
}

void spec_axis_free(spec_axis *ax)
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
int spec_parse_values(parse_ctx *c, const param_def *def, const char *key, int line,
                        yaml_node_t *v, int unique, spec_axis *ax)
{
    int ret = SWEEP_OK;
    snprintf(ax->key, sizeof ax->key, "%s", key);
    ax->line = line;
    ax->def = def;
    if (v->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
             it++) {
            yaml_node_t *item = spec_yaml_node(c, *it);
            char *t = NULL;
            if ((ret = spec_yaml_value_text(c, item, key, &t)) != SWEEP_OK)
                return ret;
            if ((ret = spec_axis_add_value(ax, t)) != SWEEP_OK) {
                free(t);
                return ret;
            }
            if ((ret = check_value(c, ax->def, key, t, spec_yaml_line(item))) != SWEEP_OK)
                return ret;
        }
    } else if (v->type == YAML_MAPPING_NODE) {
        yaml_node_pair_t *pair = v->data.mapping.pairs.start;
        if (v->data.mapping.pairs.top - pair != 1)
            return spec_err_at(c, spec_yaml_line(v), SWEEP_ERR_ARG,
                               "%s: a generated axis is one of {linspace: [a, b, n]}, "
                               "{logspace: [a, b, n]}, {range: [a, b]} (half-open: a .. b-1)",
                               key);
        char kind[32];
        yaml_node_t *gk = spec_yaml_node(c, pair->key), *gv = spec_yaml_node(c, pair->value);
        if ((ret = spec_yaml_scalar(c, gk, key, kind, sizeof kind)) != SWEEP_OK)
            return ret;
        int is_lin = !strcmp(kind, "linspace"), is_log = !strcmp(kind, "logspace"),
            is_range = !strcmp(kind, "range");
        if (!is_lin && !is_log && !is_range)
            return spec_err_at(c, spec_yaml_line(gk), SWEEP_ERR_ARG,
                               "%s: unknown generator '%s' (use linspace, logspace or "
                               "range)",
                               key, kind);
        if (gv->type != YAML_SEQUENCE_NODE)
            return spec_err_at(c, spec_yaml_line(gv), SWEEP_ERR_ARG, "%s: %s takes a list", key,
                               kind);
        double arg[3] = {0, 0, 1};
        int nargs = (int)(gv->data.sequence.items.top - gv->data.sequence.items.start);
        int want_min = is_range ? 2 : 3, want_max = 3;
        if (nargs < want_min || nargs > want_max)
            return spec_err_at(c, spec_yaml_line(gv), SWEEP_ERR_ARG,
                               "%s: %s takes %s, got %d values", key, kind,
                               is_range ? "[a, b] or [a, b, step]" : "[a, b, n]", nargs);
        for (int i = 0; i < nargs; i++)
            if ((ret = spec_yaml_number(c, spec_yaml_node(c, gv->data.sequence.items.start[i]), key, &arg[i])) !=
                SWEEP_OK)
                return ret;
        double count;
        if (is_range) {
            if (arg[0] != floor(arg[0]) || arg[1] != floor(arg[1]) || arg[2] != floor(arg[2]) ||
                arg[2] == 0)
                return spec_err_at(c, spec_yaml_line(gv), SWEEP_ERR_ARG,
                                   "%s: range needs integers and a non-zero step", key);
            count = ceil((arg[1] - arg[0]) / arg[2]);
        } else {
            count = arg[2];
            if (count != floor(count) || count < 1)
                return spec_err_at(c, spec_yaml_line(gv), SWEEP_ERR_ARG,
                                   "%s: %s: n = %g must be a whole number >= 1", key, kind, count);
        }
        if (count < 1)
            return spec_err_at(c, spec_yaml_line(gv), SWEEP_ERR_ARG,
                               "%s: the axis is empty (%s [%g, %g])", key, kind, arg[0], arg[1]);
        if (count > 1e7)
            return spec_err_at(c, spec_yaml_line(gv), SWEEP_ERR_ARG, "%s: %g values is too many",
                               key, count);
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
            if (tx == NULL || (ret = spec_axis_add_value(ax, tx)) != SWEEP_OK) {
                free(tx);
                return SWEEP_ERR_NOMEM;
            }
            if ((ret = check_value(c, ax->def, key, tx, spec_yaml_line(gv))) != SWEEP_OK)
                return ret;
        }
    } else {
        return spec_err_at(c, spec_yaml_line(v), SWEEP_ERR_ARG,
                           "%s: an axis is a list of values or a generator such as "
                           "{linspace: [a, b, n]}; for a single value use fixed",
                           key);
    }
    if (ax->n == 0)
        return spec_err_at(c, ax->line, SWEEP_ERR_ARG, "%s: the axis has no values", key);
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
