/* Hydra-style overrides (KEY=VALUE) applied to the spec's YAML document, the document written
 * back as YAML, and the nearest known key for a misspelt one. */
#include "spec.h"
#include "spec_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- nearest key ---------------------------------------------------------------------------- */

static const char *const top_keys[] = {"name",           "store",        "layout",         "seed_base",
                                       "ranks_per_solve", "group_min_work", "process_grid",
                                       "fixed",          "grid",         "grids",
                                       "zip"};

/* optimal string alignment distance (a transposition counts once), case-insensitive */
static int edit_distance(const char *a, const char *b)
{
    enum { MAXL = 48 };
    const int la = (int)strlen(a), lb = (int)strlen(b);
    if (la >= MAXL || lb >= MAXL)
        return MAXL;
    int d[MAXL + 1][MAXL + 1];
    for (int i = 0; i <= la; i++)
        d[i][0] = i;
    for (int j = 0; j <= lb; j++)
        d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            const int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

const char *spec_suggest_key(const char *key)
{
    /* the option names as a spec writes them ('_' for '-'), and the top-level keys */
    static const char *const extra[] = {"n_min", "lambda_w", "lambda_h", "lr_decay", "tol_grad",
                                        "tol_loss", "trace_points"};
    size_t n = 0;
    const param_def *t = params_table(&n);
    const char *best = NULL;
    int best_d = 1000;
    const int len = (int)strlen(key);
    const int limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    for (size_t i = 0; i < n + sizeof top_keys / sizeof top_keys[0] + sizeof extra / sizeof extra[0];
         i++) {
        const char *cand = i < n ? t[i].name
                           : i < n + sizeof top_keys / sizeof top_keys[0]
                               ? top_keys[i - n]
                               : extra[i - n - sizeof top_keys / sizeof top_keys[0]];
        if (i < n && strchr(cand, '-') != NULL)
            continue; /* spelt with '_' in extra */
        const int d = edit_distance(key, cand);
        if (d < best_d) {
            best_d = d;
            best = cand;
        }
    }
    return best != NULL && best_d > 0 && best_d <= limit ? best : NULL;
}

/* ---- applying overrides --------------------------------------------------------------------- */

static yaml_node_t *doc_node(yaml_document_t *doc, int id)
{
    return yaml_document_get_node(doc, id);
}

static void mark_node(yaml_document_t *doc, int id, int line)
{
    yaml_node_t *n = doc_node(doc, id);
    if (n != NULL) {
        n->start_mark.line = n->end_mark.line = (size_t)line;
        n->start_mark.column = n->end_mark.column = 0;
    }
}

/* limits of an override's value: nesting, and nodes after aliases are expanded (an alias inside
 * its own anchor, "&a [1, *a]", is a cycle; "&a [1, 2], &b [*a, *a], ..." doubles at each level) */
#define OVERRIDE_MAX_DEPTH 64
#define OVERRIDE_MAX_NODES 100000
#define COPY_TOO_BIG (-1)

/* Copy node id of src into dst (every node marked with line); the new id, 0 when out of memory,
 * COPY_TOO_BIG past the limits; *budget counts the nodes left */
static int copy_node(yaml_document_t *dst, yaml_document_t *src, int id, int line, int depth,
                     long *budget)
{
    yaml_node_t *n = doc_node(src, id);
    int out = 0;
    if (depth > OVERRIDE_MAX_DEPTH || --*budget < 0)
        return COPY_TOO_BIG;
    if (n == NULL)
        return 0;
    switch (n->type) {
    case YAML_SCALAR_NODE:
        out = yaml_document_add_scalar(dst, NULL, n->data.scalar.value, (int)n->data.scalar.length,
                                       n->data.scalar.style);
        break;
    case YAML_SEQUENCE_NODE: {
        out = yaml_document_add_sequence(dst, NULL, YAML_FLOW_SEQUENCE_STYLE);
        const int count = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
        for (int i = 0; out && i < count; i++) {
            /* src is not changed, but its stacks may be read only through a fresh pointer */
            const int item = doc_node(src, id)->data.sequence.items.start[i];
            const int c = copy_node(dst, src, item, line, depth + 1, budget);
            if (c <= 0)
                return c;
            if (!yaml_document_append_sequence_item(dst, out, c))
                return 0;
        }
        break;
    }
    case YAML_MAPPING_NODE: {
        out = yaml_document_add_mapping(dst, NULL, YAML_FLOW_MAPPING_STYLE);
        const int count = (int)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
        for (int i = 0; out && i < count; i++) {
            const yaml_node_pair_t pr = doc_node(src, id)->data.mapping.pairs.start[i];
            const int k = copy_node(dst, src, pr.key, line, depth + 1, budget);
            const int v = k > 0 ? copy_node(dst, src, pr.value, line, depth + 1, budget) : k;
            if (v <= 0)
                return v;
            if (!yaml_document_append_mapping_pair(dst, out, k, v))
                return 0;
        }
        break;
    }
    default:
        return 0;
    }
    if (out)
        mark_node(dst, out, line);
    return out;
}

/* two keys name the same entry: equal text, or the same option ('-' and '_' alike) */
static int same_key(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return 1;
    const param_def *da = params_find(a, ~0u), *db = params_find(b, ~0u);
    return da != NULL && da == db;
}

static int scalar_is(yaml_document_t *doc, int id, const char *key)
{
    yaml_node_t *n = doc_node(doc, id);
    char buf[128];
    if (n == NULL || n->type != YAML_SCALAR_NODE || n->data.scalar.length >= sizeof buf)
        return 0;
    memcpy(buf, n->data.scalar.value, n->data.scalar.length);
    buf[n->data.scalar.length] = '\0';
    return same_key(buf, key);
}

/* the index of key's pair in mapping map, or -1 */
static int find_pair(yaml_document_t *doc, int map, const char *key)
{
    yaml_node_t *m = doc_node(doc, map);
    if (m == NULL || m->type != YAML_MAPPING_NODE)
        return -1;
    const int count = (int)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
    for (int i = 0; i < count; i++)
        if (scalar_is(doc, doc_node(doc, map)->data.mapping.pairs.start[i].key, key))
            return i;
    return -1;
}

static void remove_pair(yaml_document_t *doc, int map, int i)
{
    yaml_node_t *m = doc_node(doc, map);
    yaml_node_pair_t *p = m->data.mapping.pairs.start + i;
    memmove(p, p + 1, (size_t)(m->data.mapping.pairs.top - p - 1) * sizeof *p);
    m->data.mapping.pairs.top--;
}

/* map[key] = value (replacing the pair's value, or appending a new pair); 0 out of memory */
static int set_pair(yaml_document_t *doc, int map, const char *key, int value, int line)
{
    const int i = find_pair(doc, map, key);
    if (i >= 0) {
        /* the key too: an error about this entry now names the override */
        yaml_node_pair_t *pr = &doc_node(doc, map)->data.mapping.pairs.start[i];
        pr->value = value;
        mark_node(doc, pr->key, line);
        return 1;
    }
    const int k = yaml_document_add_scalar(doc, NULL, (yaml_char_t *)key, (int)strlen(key),
                                           YAML_PLAIN_SCALAR_STYLE);
    if (!k)
        return 0;
    mark_node(doc, k, line);
    return yaml_document_append_mapping_pair(doc, map, k, value);
}

/* the value of key in map, creating an empty mapping there when absent; 0 out of memory */
static int child_mapping(yaml_document_t *doc, int map, const char *key, int line)
{
    const int i = find_pair(doc, map, key);
    if (i >= 0)
        return doc_node(doc, map)->data.mapping.pairs.start[i].value;
    const int m = yaml_document_add_mapping(doc, NULL, YAML_BLOCK_MAPPING_STYLE);
    if (!m)
        return 0;
    mark_node(doc, m, line);
    return set_pair(doc, map, key, m, line) ? m : 0;
}

static int is_top_key(const char *key)
{
    for (size_t i = 0; i + 1 < sizeof top_keys / sizeof top_keys[0]; i++)
        if (!strcmp(key, top_keys[i]))
            return 1;
    return 0;
}

/* An option given alone (iters=20): the axis of that name in every block (a list or generator
 * replaces its values; one value makes it fixed), else fixed:. */
static int apply_option(yaml_document_t *doc, int root, const char *ovr, const char *key,
                        int value, int line, sweep_errbuf *eb)
{
    const int is_single = doc_node(doc, value)->type == YAML_SCALAR_NODE;
    int blocks[SPEC_MAX_BLOCKS], n_blocks = 0, found = 0;
    const int gi = find_pair(doc, root, "grid"), gsi = find_pair(doc, root, "grids");
    if (gi >= 0)
        blocks[n_blocks++] = doc_node(doc, root)->data.mapping.pairs.start[gi].value;
    if (gsi >= 0) {
        const int seq = doc_node(doc, root)->data.mapping.pairs.start[gsi].value;
        yaml_node_t *sq = doc_node(doc, seq);
        if (sq != NULL && sq->type == YAML_SEQUENCE_NODE) {
            const int count = (int)(sq->data.sequence.items.top - sq->data.sequence.items.start);
            for (int i = 0; i < count && n_blocks < SPEC_MAX_BLOCKS; i++)
                blocks[n_blocks++] = doc_node(doc, seq)->data.sequence.items.start[i];
        }
    }
    for (int b = 0; b < n_blocks; b++) {
        const int i = find_pair(doc, blocks[b], key);
        if (i < 0) {
            const int z = find_pair(doc, blocks[b], "zip");
            if (z >= 0) {
                const int zv = doc_node(doc, blocks[b])->data.mapping.pairs.start[z].value;
                if (find_pair(doc, zv, key) >= 0)
                    return sweep_err_set(eb, SWEEP_ERR_ARG,
                                         "override '%s': %s is a zipped axis; set it with its "
                                         "block's path (grid.zip.%s=[...] or "
                                         "grids.N.zip.%s=[...])",
                                         ovr, key, key, key);
            }
            continue;
        }
        found = 1;
        if (is_single) {
            remove_pair(doc, blocks[b], i);
        } else {
            yaml_node_pair_t *pr = &doc_node(doc, blocks[b])->data.mapping.pairs.start[i];
            pr->value = value;
            mark_node(doc, pr->key, line);
        }
    }
    if (found && !is_single)
        return SWEEP_OK;
    const int fixed = child_mapping(doc, root, "fixed", line);
    if (!fixed || !set_pair(doc, fixed, key, value, line))
        return SWEEP_ERR_NOMEM;
    return SWEEP_OK;
}

/* After the value's document: nothing but blanks and comments, as in a spec file (libyaml
 * would leave text after a complete flow collection, "[1, 2]] extra", unread). */
static int value_ends_here(yaml_parser_t *parser, const char *ovr, sweep_errbuf *eb)
{
    yaml_document_t more;
    if (!yaml_parser_load(parser, &more))
        return sweep_err_set(eb, SWEEP_ERR_ARG,
                             "override '%s': text after the value: %s (column %d)", ovr,
                             parser->problem ? parser->problem : "malformed",
                             (int)parser->problem_mark.column + 1);
    const int second = yaml_document_get_root_node(&more) != NULL;
    yaml_document_delete(&more);
    if (second)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "override '%s': a second value after the first",
                             ovr);
    return SWEEP_OK;
}

static int apply_one(yaml_document_t *doc, const char *ovr, int line, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    yaml_parser_t parser;
    yaml_document_t vdoc;
    int parser_ok = 0, vdoc_ok = 0;
    char path[512];
    const char *eq = strchr(ovr, '=');
    if (eq == NULL || eq == ovr || (size_t)(eq - ovr) >= sizeof path)
        return sweep_err_set(eb, SWEEP_ERR_ARG,
                             "override '%s': expected KEY=VALUE (iters=20, grid.R='[1, 2]', "
                             "fixed.lr=0.1)",
                             ovr);
    memcpy(path, ovr, (size_t)(eq - ovr));
    path[eq - ovr] = '\0';
    const char *value = eq + 1;
    if (value[0] == '\0')
        return sweep_err_set(eb, SWEEP_ERR_ARG, "override '%s': no value after '='", ovr);
    if (path[0] == '.' || path[strlen(path) - 1] == '.' || strstr(path, "..") != NULL)
        return sweep_err_set(eb, SWEEP_ERR_ARG,
                             "override '%s': the path '%s' has an empty key (keys and list "
                             "positions are joined by single dots: grids.1.R)",
                             ovr, path);
    if (!yaml_parser_initialize(&parser))
        return SWEEP_ERR_NOMEM;
    parser_ok = 1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)value, strlen(value));
    if (!yaml_parser_load(&parser, &vdoc)) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "override '%s': the value is not YAML flow syntax: %s (column %d)",
                            ovr, parser.problem ? parser.problem : "malformed",
                            (int)parser.problem_mark.column + 1);
        goto cleanup;
    }
    vdoc_ok = 1;
    yaml_node_t *vroot = yaml_document_get_root_node(&vdoc);
    if (vroot == NULL) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG, "override '%s': no value", ovr);
        goto cleanup;
    }
    if ((ret = value_ends_here(&parser, ovr, eb)) != SWEEP_OK)
        goto cleanup;
    yaml_node_t *root = yaml_document_get_root_node(doc);
    if (root == NULL || root->type != YAML_MAPPING_NODE) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "override '%s': the spec is not a mapping to override", ovr);
        goto cleanup;
    }
    const int root_id = (int)(root - doc->nodes.start) + 1;
    long budget = OVERRIDE_MAX_NODES;
    const int v = copy_node(doc, &vdoc, (int)(vroot - vdoc.nodes.start) + 1, line, 0, &budget);
    if (v == COPY_TOO_BIG) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "override '%s': the value nests deeper than %d levels or expands to "
                            "more than %d values (an alias inside its own anchor?)",
                            ovr, OVERRIDE_MAX_DEPTH, OVERRIDE_MAX_NODES);
        goto cleanup;
    }
    if (v == 0) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "override '%s': out of memory", ovr);
        goto cleanup;
    }
    if (strchr(path, '.') == NULL && !is_top_key(path) && params_find(path, ~0u) != NULL) {
        ret = apply_option(doc, root_id, ovr, path, v, line, eb);
        goto cleanup;
    }
    if (strchr(path, '.') == NULL && !is_top_key(path)) {
        const char *near = spec_suggest_key(path);
        char tail[96] = "";
        if (near != NULL)
            snprintf(tail, sizeof tail, " (did you mean '%s'?)", near);
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "override '%s': unknown key '%s'%s: give an option (iters=20), a "
                            "top-level key (store=...), or a path (fixed.lr=0.1, grid.R=[1, 2])",
                            ovr, path, tail);
        goto cleanup;
    }
    /* a path of keys and list positions: walk it, creating mappings on the way */
    int cur = root_id;
    char *save = NULL, *comp = strtok_r(path, ".", &save);
    while (comp != NULL) {
        char *next = strtok_r(NULL, ".", &save);
        yaml_node_t *cn = doc_node(doc, cur);
        if (cn->type == YAML_SEQUENCE_NODE) {
            char *end = NULL;
            const long i = strtol(comp, &end, 10);
            const long count = (long)(cn->data.sequence.items.top - cn->data.sequence.items.start);
            if (end == comp || *end != '\0' || i < 0 || i >= count) {
                ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                                    "override '%s': '%s' is not a position in a list of %ld "
                                    "(0..%ld)",
                                    ovr, comp, count, count - 1);
                goto cleanup;
            }
            if (next == NULL)
                cn->data.sequence.items.start[i] = v;
            else
                cur = cn->data.sequence.items.start[i];
        } else if (cn->type == YAML_MAPPING_NODE) {
            if (next == NULL) {
                if (!set_pair(doc, cur, comp, v, line)) {
                    ret = SWEEP_ERR_NOMEM;
                    goto cleanup;
                }
            } else if (!(cur = child_mapping(doc, cur, comp, line))) {
                ret = SWEEP_ERR_NOMEM;
                goto cleanup;
            }
        } else {
            ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                                "override '%s': cannot go into '%s': the spec has a single "
                                "value there",
                                ovr, comp);
            goto cleanup;
        }
        comp = next;
    }
cleanup:
    if (vdoc_ok)
        yaml_document_delete(&vdoc);
    if (parser_ok)
        yaml_parser_delete(&parser);
    return ret;
}

int spec_overrides_apply(yaml_document_t *doc, const char *const *ov, int n, sweep_errbuf *eb)
{
    for (int i = 0; i < n; i++) {
        int ret = apply_one(doc, ov[i], SPEC_OVERRIDE_LINE + i, eb);
        if (ret != SWEEP_OK)
            return ret;
    }
    return SWEEP_OK;
}

/* ---- writing the document back ----------------------------------------------------------------- */

typedef struct text_buf {
    char *p;
    size_t len, cap;
    int failed;
} text_buf;

static int write_text(void *data, unsigned char *buffer, size_t size)
{
    text_buf *t = data;
    if (t->len + size + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->len + size + 1)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (p == NULL) {
            t->failed = 1;
            return 0;
        }
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, buffer, size);
    t->len += size;
    t->p[t->len] = '\0';
    return 1;
}

int spec_yaml_emit(yaml_document_t *doc, char **out, size_t *len)
{
    yaml_emitter_t e;
    text_buf t = {NULL, 0, 0, 0};
    if (!yaml_emitter_initialize(&e)) {
        yaml_document_delete(doc);
        return SWEEP_ERR_NOMEM;
    }
    yaml_emitter_set_output(&e, write_text, &t);
    yaml_emitter_set_unicode(&e, 1);
    yaml_emitter_set_width(&e, 100);
    const int ok = yaml_emitter_open(&e) && yaml_emitter_dump(&e, doc) && yaml_emitter_close(&e) &&
                   yaml_emitter_flush(&e);
    yaml_emitter_delete(&e);
    if (!ok || t.failed || t.p == NULL) {
        free(t.p);
        return t.failed ? SWEEP_ERR_NOMEM : SWEEP_ERR_INTERNAL;
    }
    *out = t.p;
    *len = t.len;
    return SWEEP_OK;
}
