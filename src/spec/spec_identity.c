/* spec_identity.c - the identity of a spec (grid_sha256, the 0.3 hash) and its expanded configuration. No MPI. */
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

/* An axis value in canonical form: the option's value printed back (1, 1.0 and 1e0 alike), or
 * the text itself for a label that is not a value (a default such as "k"). */
/* tmp: the defaults (the caller's, reused along an axis of one scalar field: a value of
 * PARAM_INT, PARAM_I64 or PARAM_REAL sets that field alone, so the 34 KB of defaults are made
 * once per axis and not once per value of a sampled axis) */
static json_t *canonical_value(const spec_axis *ax, int i, point_params *tmp)
{
    const int scalar = ax->def->type == PARAM_INT || ax->def->type == PARAM_I64 ||
                       ax->def->type == PARAM_REAL;
    if (!scalar)
        params_default(tmp);
    if (params_set(tmp, ax->def, ax->text[i], NULL) != SWEEP_OK)
        return json_string(ax->text[i]);
    char *v = params_value_dup(tmp, ax->def);
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

static int identity_axes_blocks(const spec *s, json_t *axes, json_t *blocks);

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
    const int made = identity_axes_blocks(s, axes, blocks);
    json_object_set_new(root, "axes", axes);
    json_object_set_new(root, "blocks", blocks);
    if (made != SWEEP_OK) {
        json_decref(root);
        return made;
    }
    char *text = dump_and_hash(root, s->legacy_sha256);
    json_decref(root);
    if (text == NULL)
        return SWEEP_ERR_NOMEM;
    free(text);
    return SWEEP_OK;
}

/* The axes and blocks of the identity: each axis's option and canonical values, each block's
 * factors (axes and sorted combination keys) and held value indices. */
static int identity_axes_blocks(const spec *s, json_t *axes, json_t *blocks)
{
    point_params *tmp = malloc(sizeof *tmp);
    for (int a = 0; tmp != NULL && a < s->n_axes; a++) {
        json_t *ax = json_array(), *vals = json_array();
        json_array_append_new(ax, json_string(s->axes[a].def->name));
        params_default(tmp);
        for (int i = 0; i < s->axes[a].n; i++)
            json_array_append_new(vals, canonical_value(&s->axes[a], i, tmp));
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
            /* each combination by its number, or (a sample too large to number) by its
             * value indices */
            for (int i = 0; i < f->n; i++)
                if (f->keys != NULL) {
                    json_array_append_new(combos, json_integer(f->keys[i]));
                } else {
                    json_t *row = json_array();
                    for (int j = 0; j < f->n_axes; j++)
                        json_array_append_new(row, json_integer(f->idx[(size_t)i * f->n_axes + j]));
                    json_array_append_new(combos, row);
                }
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
    const int ret = tmp != NULL ? SWEEP_OK : SWEEP_ERR_NOMEM;
    free(tmp);
    return ret;
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
    ret = identity_axes_blocks(s, axes, blocks);
    json_object_set_new(root, "axes", axes);
    json_object_set_new(root, "blocks", blocks);
    if (ret != SWEEP_OK || (ret = identity_base(s, base)) != SWEEP_OK) {
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

/* axes with more values are summarized in the expanded configuration (count, first, last) */
#define SPEC_EFFECTIVE_MAX_VALUES 4096

int spec_build_effective(spec *s)
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
        if (s->axes[a].n > SPEC_EFFECTIVE_MAX_VALUES) {
            /* a sampled axis: its values are the store's coordinates, not a page of JSON */
            json_decref(vals);
            vals = json_pack("{s:i, s:s, s:s}", "values", s->axes[a].n, "first",
                             s->axes[a].text[0], "last", s->axes[a].text[s->axes[a].n - 1]);
        } else {
            for (int i = 0; i < s->axes[a].n; i++)
                json_array_append_new(vals, json_string(s->axes[a].text[i]));
        }
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
    json_object_set_new(root, "layout", json_string(spec_layout_name(s->layout)));
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

/* 1-based line of byte offset off in text */