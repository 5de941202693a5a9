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
    free(s->pt_idx);
    free(s->pt_block);
    free(s->overrides);
    free(s->resolved);
    free(s->path);
    free(s->text);
    free(s->effective);
    free(s);
    *ps = NULL;
}

#define SPEC_MAX_FLOW_DEPTH 64

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
static int spec_text_check(const parse_ctx *c, const char *text, size_t len)
{
    const char *nul = memchr(text, '\0', len);
    if (nul != NULL)
        return spec_err_at(c, line_at(text, (size_t)(nul - text)), SWEEP_ERR_ARG,
                           "a NUL byte (byte %zu): a spec is text", (size_t)(nul - text));
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
                return spec_err_at(c, line, SWEEP_ERR_ARG,
                                   "collections nested more than %d deep: not a spec",
                                   SPEC_MAX_FLOW_DEPTH);
        } else if ((ch == ']' || ch == '}') && depth > 0) {
            depth--;
        }
    }
    return SWEEP_OK;
}

/* A new spec holding its text, path, hash, overrides (one per line) and defaults. */
static int spec_new(const char *path, const char *text, size_t len, const char *const *overrides,
                    int n_overrides, spec **out)
{
    spec *s = calloc(1, sizeof *s);
    if (s == NULL)
        return SWEEP_ERR_NOMEM;
    s->ranks_per_solve = 1;
    s->group_min_work = SPEC_DEFAULT_GROUP_MIN_WORK;
    s->path = strdup(path);
    s->text = malloc(len + 1);
    size_t olen = 1;
    for (int i = 0; i < n_overrides; i++)
        olen += strlen(overrides[i]) + 1;
    s->overrides = malloc(olen);
    if (s->path == NULL || s->text == NULL || s->overrides == NULL) {
        spec_destroy(&s);
        return SWEEP_ERR_NOMEM;
    }
    memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->text_len = len;
    sha256_hex(text, len, s->spec_sha256);
    params_default(&s->base);
    s->overrides[0] = '\0';
    for (int i = 0; i < n_overrides; i++) {
        strcat(s->overrides, overrides[i]);
        strcat(s->overrides, "\n");
    }
    *out = s;
    return SWEEP_OK;
}

/* The one YAML document of text into c->doc (*loaded set once it must be deleted); a syntax
 * error, bad encoding or a second document is refused with its line. */
static int load_document(parse_ctx *c, yaml_parser_t *parser, const char *text, size_t len,
                         int *loaded)
{
    yaml_parser_set_input_string(parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(parser, c->doc)) {
        if (parser->error == YAML_READER_ERROR) /* bad encoding: libyaml gives a byte offset */
            return spec_err_at(c,
                               line_at(text, parser->problem_offset < len ? parser->problem_offset
                                                                          : len),
                               SWEEP_ERR_ARG, "%s (byte %zu)",
                               parser->problem ? parser->problem : "unreadable text",
                               parser->problem_offset);
        return spec_err_at(c, (int)parser->problem_mark.line + 1, SWEEP_ERR_ARG,
                           "YAML syntax error: %s%s%s (column %d)",
                           parser->problem ? parser->problem : "malformed",
                           parser->context ? " " : "", parser->context ? parser->context : "",
                           (int)parser->problem_mark.column + 1);
    }
    *loaded = 1;
    /* a second document would be ignored: refuse it */
    yaml_document_t more;
    if (!yaml_parser_load(parser, &more))
        return spec_err_at(c, (int)parser->problem_mark.line + 1, SWEEP_ERR_ARG,
                           "YAML syntax error after the first document: %s",
                           parser->problem ? parser->problem : "malformed");
    const int second = yaml_document_get_root_node(&more) != NULL;
    const int second_line = (int)more.start_mark.line + 1;
    yaml_document_delete(&more);
    if (second)
        return spec_err_at(c, second_line, SWEEP_ERR_ARG,
                           "a second YAML document (after '---'): a spec is one document");
    return SWEEP_OK;
}

/* the top-level keys that hold blocks and fixed options, found by parse_top_keys */
typedef struct spec_top {
    yaml_node_t *grid, *grids, *fixed;
    int grid_line, grids_line;
} spec_top;

/* A top-level key with a scalar value (name, store, seed_base, ranks_per_solve,
 * group_min_work, process_grid); 1 in *known when key is one of them. */
static int parse_top_scalar(parse_ctx *c, spec *s, const char *key, yaml_node_t *v, int *known)
{
    char buf[64];
    int ret;
    *known = 1;
    if (!strcmp(key, "name"))
        return spec_yaml_scalar(c, v, key, s->name, sizeof s->name);
    if (!strcmp(key, "store"))
        return spec_yaml_scalar(c, v, key, s->store, sizeof s->store);
    if (!strcmp(key, "layout")) {
        if ((ret = spec_yaml_scalar(c, v, key, buf, sizeof buf)) != SWEEP_OK)
            return ret;
        if (strcmp(buf, "grid") != 0 && strcmp(buf, "points") != 0)
            return spec_err_at(c, spec_yaml_line(v), SWEEP_ERR_ARG,
                               "layout: '%s' is not a layout (grid: datasets shaped like the "
                               "product of the axes; points: one dimension over the study's "
                               "points)",
                               buf);
        s->layout = !strcmp(buf, "points") ? SPEC_LAYOUT_POINTS : SPEC_LAYOUT_GRID;
        s->layout_written = 1;
        return SWEEP_OK;
    }
    const int is_rps = !strcmp(key, "ranks_per_solve"), is_gmw = !strcmp(key, "group_min_work");
    if (strcmp(key, "seed_base") != 0 && !is_rps && !is_gmw && strcmp(key, "process_grid") != 0) {
        *known = 0;
        return SWEEP_OK;
    }
    if ((ret = spec_yaml_scalar(c, v, key, buf, sizeof buf)) != SWEEP_OK)
        return ret;
    if (!strcmp(key, "seed_base")) {
        if (numparse_i64(buf, INT64_MIN, INT64_MAX, &s->seed_base) != SWEEP_OK)
            return spec_err_at(c, spec_yaml_line(v), SWEEP_ERR_ARG,
                               "seed_base: '%s' is not an integer", buf);
    } else if (is_rps || is_gmw) {
        /* a number (ranks_per_solve a whole one: 4 and 4.0 alike) */
        char *end = NULL;
        errno = 0;
        const double x = strtod(buf, &end);
        if (end == buf || *end != '\0' || errno == ERANGE || !(x >= (is_rps ? 1 : 0)) ||
            (is_rps && (x != floor(x) || x > NUMPARSE_MAX_GRID)))
            return is_rps ? spec_err_at(c, spec_yaml_line(v), SWEEP_ERR_ARG,
                                        "%s: '%s' is not a rank count in 1..%d", key, buf,
                                        NUMPARSE_MAX_GRID)
                          : spec_err_at(c, spec_yaml_line(v), SWEEP_ERR_ARG,
                                        "%s: '%s' is not a number >= 0", key, buf);
        if (is_rps)
            s->ranks_per_solve = (int)x;
        else
            s->group_min_work = x;
    } else if (numparse_grid(buf, &s->grid_rows, &s->grid_cols) != SWEEP_OK) {
        return spec_err_at(c, spec_yaml_line(v), SWEEP_ERR_ARG,
                           "process_grid: '%s' is not PxQ with P, Q >= 1 and P Q <= %d", buf,
                           NUMPARSE_MAX_GRID);
    }
    return SWEEP_OK;
}

/* The top-level mapping: scalars into s, the block and fixed nodes into *top; unknown and
 * repeated keys refused. */
static int parse_top_keys(parse_ctx *c, spec *s, yaml_node_t *root, spec_top *top)
{
    int ret;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = spec_yaml_node(c, p->key), *v = spec_yaml_node(c, p->value);
        char key[64];
        int known = 0;
        if ((ret = spec_yaml_scalar(c, k, "spec", key, sizeof key)) != SWEEP_OK)
            return ret;
        for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < p; q++) {
            yaml_node_t *kq = spec_yaml_node(c, q->key);
            if (kq->type == YAML_SCALAR_NODE && kq->data.scalar.length == strlen(key) &&
                !memcmp(kq->data.scalar.value, key, strlen(key)))
                return spec_err_at(c, spec_yaml_line(k), SWEEP_ERR_ARG, "%s: key given twice",
                                   key);
        }
        if ((ret = parse_top_scalar(c, s, key, v, &known)) != SWEEP_OK)
            return ret;
        if (known) {
            continue;
        } else if (!strcmp(key, "fixed")) {
            top->fixed = v;
        } else if (!strcmp(key, "grid")) {
            top->grid = v;
            top->grid_line = spec_yaml_line(k);
        } else if (!strcmp(key, "grids")) {
            top->grids = v;
            top->grids_line = spec_yaml_line(k);
        } else {
            char near[96] = "";
            if (!params_find(key, SPEC_GROUPS))
                spec_key_suggestion(key, near, sizeof near);
            return spec_err_at(c, spec_yaml_line(k), SWEEP_ERR_ARG,
                               "unknown key '%s'%s (a spec has name, store, layout, seed_base, "
                               "ranks_per_solve, group_min_work, process_grid, fixed, grid or "
                               "grids)%s",
                               key, near,
                               params_find(key, SPEC_GROUPS) ? "; put options under fixed or grid"
                                                             : "");
        }
    }
    return SWEEP_OK;
}

/* `grid:` (one block) or `grids:` (a list of blocks), then their union */
static int parse_blocks(parse_ctx *c, spec *s, const spec_top *top)
{
    int ret;
    char place[700];
    if (top->grid != NULL && top->grids != NULL)
        return spec_err_at(c, top->grids_line, SWEEP_ERR_ARG,
                           "grids: the spec also has grid (%s): give one grid, or a list of "
                           "blocks under grids",
                           spec_place(c, top->grid_line, place, sizeof place));
    if (top->grid == NULL && top->grids == NULL)
        return spec_err_at(c, 1, SWEEP_ERR_ARG,
                           "grid: missing (a sweep needs at least one axis: grid: {axis: "
                           "values}, or grids: [{...}, {...}] for a union of blocks)");
    if (top->grid != NULL) {
        if ((ret = spec_parse_block(c, s, top->grid, top->grid_line, "grid", 1)) != SWEEP_OK)
            return ret;
        return spec_finish_blocks(c, s);
    }
    const yaml_node_t *grids = top->grids;
    s->union_of_blocks = 1;
    if (grids->type != YAML_SEQUENCE_NODE ||
        grids->data.sequence.items.top == grids->data.sequence.items.start)
        return spec_err_at(c, top->grids_line, SWEEP_ERR_ARG,
                           "grids: expected a list of blocks, each a mapping of axis: values (- "
                           "{loss: [ce], R: [1, 10]})");
    int bi = 0;
    for (yaml_node_item_t *it = grids->data.sequence.items.start;
         it < grids->data.sequence.items.top; it++, bi++) {
        char where[32];
        yaml_node_t *blk = spec_yaml_node(c, *it);
        snprintf(where, sizeof where, "grids[%d]", bi);
        if ((ret = spec_parse_block(c, s, blk, spec_yaml_line(blk), where, 0)) != SWEEP_OK)
            return ret;
    }
    return spec_finish_blocks(c, s);
}

/* What the study does as a whole: traces, whether any point solves, runs gradient descent on
 * the UFM (the only solver that records traces), or measures a network. */
static void derive_study(spec *s)
{
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
        s->trace_points = 0;
}

/* The points of the study, counted, and (validate) each one's options finalized: every object a
 * worker needs can be built; the first point that cannot is named with its spec line. */
static int check_points(parse_ctx *c, spec *s, int validate)
{
    if (!s->layout_written)
        s->layout = spec_default_layout(s);
    int ret = spec_set_layout(s, s->layout, c->eb);
    if (ret != SWEEP_OK)
        return ret;
    s->n_in_study = s->every_point_in_study && !validate ? s->n_points : 0;
    for (int64_t p = 0; (validate || !s->every_point_in_study) && p < s->n_points; p++) {
        point_params pp;
        sweep_errbuf eb2;
        sweep_errbuf_clear(&eb2);
        if (spec_point_block(s, p) < 0)
            continue;
        s->n_in_study++;
        if (validate && spec_point_params(s, p, &pp, &eb2) != SWEEP_OK) {
            char label[512];
            const char *key = NULL;
            const int line = spec_line_for_error(s, &eb2, &key);
            spec_point_label(s, p, label, sizeof label);
            return spec_err_at(c, line, SWEEP_ERR_ARG, "%s: at grid point %lld (%s): %s", key,
                               (long long)p, label, eb2.msg);
        }
    }
    return SWEEP_OK;
}

static int spec_parse_impl(const char *path, const char *text, size_t len,
                           const char *const *overrides, int n_overrides, int validate,
                           spec **out, sweep_errbuf *eb)
{
    int ret, parser_ok = 0, doc_ok = 0;
    spec *s = NULL;
    yaml_parser_t parser;
    yaml_document_t doc;
    parse_ctx c = {&doc, path, eb, overrides, n_overrides};
    spec_top top = {NULL, NULL, NULL, 1, 1};

    if ((ret = spec_new(path, text, len, overrides, n_overrides, &s)) != SWEEP_OK ||
        (ret = spec_text_check(&c, text, len)) != SWEEP_OK)
        goto cleanup;
    if (!yaml_parser_initialize(&parser)) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    parser_ok = 1;
    if ((ret = load_document(&c, &parser, s->text, len, &doc_ok)) != SWEEP_OK)
        goto cleanup;
    if (n_overrides > 0 && (ret = spec_overrides_apply(&doc, overrides, n_overrides, eb)) !=
                               SWEEP_OK)
        goto cleanup;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root == NULL || root->type != YAML_MAPPING_NODE) {
        ret = spec_err_at(&c, 1, SWEEP_ERR_ARG,
                          "a spec is a mapping with keys name, store, seed_base, fixed, grid%s",
                          root == NULL ? " (the file is empty)" : "");
        goto cleanup;
    }
    if ((ret = parse_top_keys(&c, s, root, &top)) != SWEEP_OK ||
        (top.fixed != NULL && (ret = spec_parse_fixed(&c, s, top.fixed)) != SWEEP_OK) ||
        (ret = parse_blocks(&c, s, &top)) != SWEEP_OK)
        goto cleanup;
    derive_study(s);
    if ((ret = check_points(&c, s, validate)) != SWEEP_OK ||
        (ret = spec_build_effective(s)) != SWEEP_OK)
        goto cleanup;
    spec_layout_identity(s);
    if (n_overrides > 0) {
        /* the document with the overrides applied, as text that parses to this spec (libyaml's
         * emitter takes the document) */
        doc_ok = 0;
        if ((ret = spec_yaml_emit(&doc, &s->resolved, &s->resolved_len)) != SWEEP_OK)
            goto cleanup;
    } else if ((s->resolved = strdup(s->text)) == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    } else {
        s->resolved_len = len;
    }
    *out = s;
    s = NULL;
cleanup:
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
