/* spec_grid.c - the points of a spec's grid: indices, blocks, labels, `--point` lookup, parameters. No MPI. */
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

void spec_point_index(const spec *s, int64_t p, int64_t *idx)
{
    if (s->layout == SPEC_LAYOUT_POINTS) {
        for (int a = 0; a < s->n_axes; a++)
            idx[a] = s->pt_idx[p * s->n_axes + a];
        return;
    }
    for (int a = s->n_axes - 1; a >= 0; a--) {
        idx[a] = p % s->axes[a].n;
        p /= s->axes[a].n;
    }
}

/* the point whose value indices are idx, -1 when no point of the study has them */
static int64_t point_of_index(const spec *s, const int64_t *idx)
{
    if (s->layout == SPEC_LAYOUT_POINTS) {
        for (int64_t p = 0; p < s->n_points; p++) {
            const int32_t *row = s->pt_idx + p * s->n_axes;
            int a = 0;
            while (a < s->n_axes && row[a] == idx[a])
                a++;
            if (a == s->n_axes)
                return p;
        }
        return -1;
    }
    int64_t lin = 0;
    for (int a = 0; a < s->n_axes; a++)
        lin = lin * s->axes[a].n + idx[a];
    return spec_point_block(s, lin) >= 0 ? lin : -1;
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
        if (bsearch(&key, f->keys, (size_t)f->n, sizeof key, spec_cmp_i64) == NULL)
            return 0;
    }
    return 1;
}

int spec_point_block(const spec *s, int64_t p)
{
    int64_t idx[SPEC_MAX_AXES];
    if (p < 0 || p >= s->n_points)
        return -1;
    if (s->layout == SPEC_LAYOUT_POINTS)
        return s->pt_block[p];
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
        if (ok && point_of_index(s, cand) >= 0) {
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
        const int64_t q = point_of_index(s, idx);
        if (q < 0) {
            char label[512];
            size_t len = 0;
            label[0] = '\0';
            for (int a = 0; a < s->n_axes && len < sizeof label; a++) {
                int w = snprintf(label + len, sizeof label - len, "%s%s=%s", a ? ", " : "",
                                 s->axes[a].key, s->axes[a].text[idx[a]]);
                len += w > 0 ? (size_t)w : 0;
            }
            ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                                "--point: (%s) is in no block of %s's grids: not in the study",
                                label, s->path);
        } else {
            *p = q;
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
    int ret = spec_point_options(s, p, out, eb);
    return ret != SWEEP_OK ? ret : validate_point(out, eb);
}

int spec_point_options(const spec *s, int64_t p, point_params *out, sweep_errbuf *eb)
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
    return params_finalize(out, eb);
}

/* The line of the option a validation message starts with ("rho = ...", "counts[1] = ..."). */
/* The spec line of the option an error is about (eb->key, set by the validator that refused
 * it), and its key as written; the first axis's line and "grid" when the error names none. */
int spec_line_for_error(const spec *s, const sweep_errbuf *e, const char **key_out)
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
