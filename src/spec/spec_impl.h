/* spec_impl.h - inside the spec module (spec.c: loading and parsing; spec_yaml.c: YAML nodes and
 * axis values; spec_blocks.c: blocks, zips and their union; spec_grid.c: points of the grid;
 * spec_identity.c: the identity hashes and the expanded configuration; spec_override.c:
 * overrides applied to the YAML document, the document written back as text, and the
 * relabelling of errors in what an override set; spec_point.c: a point's solve). No MPI. */
#ifndef UFMSWEEP_SPEC_IMPL_H
#define UFMSWEEP_SPEC_IMPL_H

#include "spec.h"
#include "sweep_err.h"

#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

/* ---- spec_override.c ---- */

/* The nodes an override adds carry this 0-based line (+ the override's number), past any real
 * spec (64 MiB at most), so that an error about them can name the override instead. */
#define SPEC_OVERRIDE_LINE 100000000

/* spec_overrides_apply - Apply overrides ov[0..n) ("KEY=VALUE", spec.h) to doc in order.
 * SWEEP_ERR_ARG naming the override when one cannot be applied (no '=', a value that is not
 * YAML, a path through something that is not a mapping or a list, a block number out of
 * range), SWEEP_ERR_NOMEM. */
SWEEP_MUST_USE int spec_overrides_apply(yaml_document_t *doc, const char *const *ov, int n, sweep_errbuf *eb);

/* spec_yaml_emit - doc as YAML text (*out malloc'd, NUL-terminated, caller frees). libyaml's
 * emitter takes the document: doc is emptied whatever the outcome. */
SWEEP_MUST_USE int spec_yaml_emit(yaml_document_t *doc, char **out, size_t *len);

/* the option groups a spec may set */
#define SPEC_GROUPS (PARAM_GROUP_PROBLEM | PARAM_GROUP_LOSS | PARAM_GROUP_SOLVER)

/* The parse of one YAML document: its nodes, the spec's path for messages, the error out. */
typedef struct parse_ctx {
    yaml_document_t *doc;
    const char *path;
    sweep_errbuf *eb;
    const char *const *overrides; /* what the nodes of override lines came from */
    int n_overrides;
} parse_ctx;

/* spec_err_at - set c->eb to "PATH:LINE: message" for a line of the spec, or "PATH: override
 * 'KEY=VALUE': message" for a node an override made (line SPEC_OVERRIDE_LINE + i + 1), and
 * return code. Every message about a place in a spec is made here: its place is data, never
 * read back out of the text. */
int spec_err_at(const parse_ctx *c, int line, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* spec_place - "line N" of the spec, or "override 'KEY=VALUE'" for a node an override made: a
 * place named inside a message. Returns buf. */
const char *spec_place(const parse_ctx *c, int line, char *buf, size_t cap);

/* ---- spec_yaml.c ---- */

/* spec_yaml_line - the 1-based line of a node; spec_yaml_node - the node of an id (NULL: none) */
int spec_yaml_line(const yaml_node_t *n);
yaml_node_t *spec_yaml_node(parse_ctx *c, int id);

/* spec_yaml_scalar - scalar text of n into buf (NUL-terminated); SWEEP_ERR_ARG naming key and
 * line when n is not a scalar or does not fit. spec_yaml_value_text - a value as option text: a
 * scalar as it is, a list of scalars joined by commas (*out malloc'd, caller frees). */
SWEEP_MUST_USE int spec_yaml_scalar(parse_ctx *c, yaml_node_t *n, const char *key, char *buf,
                                    size_t cap);
SWEEP_MUST_USE int spec_yaml_value_text(parse_ctx *c, yaml_node_t *n, const char *key,
                                        char **out);

/* spec_err_detail - the detail of a params_set message ("--name: detail" -> "detail"): spec
 * messages put the key first themselves. */
const char *spec_err_detail(const char *msg);

/* spec_parse_values - expand the values of one axis (value node v of key, the option def) into
 * ax (zeroed by the caller, freed by it with spec_axis_free also on failure). unique: refuse a
 * value given twice (an axis); 0 for the axes of a zip, whose values may repeat. */
SWEEP_MUST_USE int spec_parse_values(parse_ctx *c, const param_def *def, const char *key,
                                     int line, yaml_node_t *v, int unique, spec_axis *ax);

/* spec_yaml_number - a finite number from scalar node n. */
SWEEP_MUST_USE int spec_yaml_number(parse_ctx *c, yaml_node_t *n, const char *key, double *out);

/* spec_axis_add_value - append text (taken: freed on failure too) to ax; spec_axis_free - an
 * axis's values (not the struct). */
SWEEP_MUST_USE int spec_axis_add_value(spec_axis *ax, char *text);
void spec_axis_free(spec_axis *ax);

/* Sorting an axis's values to find the equal ones: numbers by value (so 1, 1.0, 01, 1e0 and
 * 0, -0 are the same coordinate), text by bytes; numbers before text. spec_axis_value_cmp is
 * the qsort comparison of axis_value_ref. */
typedef struct axis_value_ref {
    const spec_axis *ax;
    int i;
} axis_value_ref;
int spec_axis_value_cmp(const void *pa, const void *pb);

/* ---- spec_blocks.c ---- */

/* spec_parse_block - one block: a mapping of axes (and zip groups), `grid:` itself or an entry
 * of `grids:` (where names it in messages; legacy: the 0.1 layout). spec_finish_blocks - the
 * union of the blocks: sorted union axes, each block's indices into them, which grid points are
 * in the study. spec_parse_fixed - the `fixed:` mapping into s->base and s->fixed. */
SWEEP_MUST_USE int spec_parse_block(parse_ctx *c, spec *s, yaml_node_t *map, int line,
                                    const char *where, int legacy);
SWEEP_MUST_USE int spec_finish_blocks(parse_ctx *c, spec *s);
SWEEP_MUST_USE int spec_parse_fixed(parse_ctx *c, spec *s, yaml_node_t *map);

/* spec_add_zip - a factor of block b from the m axes tmp[0..m) of equal length (a zip, or a
 * sample's columns): their values merged into the union axes (non-unique: values repeat), in
 * the option table's order. tmp stays the caller's. */
SWEEP_MUST_USE int spec_add_zip(parse_ctx *c, spec *s, spec_block *b, spec_axis *tmp, int m);

/* spec_block_axis_def - the option of axis key k of a block, checked: known, not trace_points,
 * not already in seen[0..n_seen), (legacy) not also fixed. */
SWEEP_MUST_USE int spec_block_axis_def(parse_ctx *c, spec *s, const param_def **seen, int n_seen,
                                       yaml_node_t *k, const char *key, const char *where,
                                       int legacy, const param_def **out);

/* ---- spec_sample.c ---- */

/* spec_parse_sample - the `sample:` mapping map of block b (method, n, seed, digits, ranges):
 * the design's points as a factor of the block (spec_add_zip), b->sample filled. */
SWEEP_MUST_USE int spec_parse_sample(parse_ctx *c, spec *s, spec_block *b, yaml_node_t *map,
                                     const char *where, const param_def **seen, int *n_seen,
                                     int legacy);

/* ---- spec_layout.c ---- */

/* spec_rows_first - first[i] = 1 when row i of rows[n][width] equals no earlier row (first may
 * be NULL), *dup = the smallest index of a row equal to an earlier one (-1: none). O(n log n)
 * through a hash of each row. SWEEP_ERR_NOMEM. */
SWEEP_MUST_USE int spec_rows_first(const int32_t *rows, int64_t n, int width, uint8_t *first,
                                   int64_t *dup);

/* spec_layout_identity - s->layout_sha256 from s->grid_sha256 and s->layout (after
 * spec_build_effective). */
void spec_layout_identity(spec *s);

/* spec_default_layout - the layout a spec without `layout:` gets: points when a block has a
 * sample, when the product passes SPEC_MAX_POINTS or when the blocks hold (counted block by
 * block) fewer than half of it; grid otherwise. */
SWEEP_MUST_USE int spec_default_layout(const spec *s);

/* spec_cmp_i64 - the qsort/bsearch comparison of int64_t (a factor's sorted keys) */
int spec_cmp_i64(const void *a, const void *b);

/* spec_key_suggestion - the message tail naming the nearest known key ("" when none is close) */
void spec_key_suggestion(const char *key, char *buf, size_t cap);

/* ---- spec_grid.c ---- */

/* spec_line_for_error - the spec line of the option an error is about (e->key, set by the
 * validator that refused it), and its key as written; the first axis's line and "grid" when the
 * error names none. */
int spec_line_for_error(const spec *s, const sweep_errbuf *e, const char **key_out);

/* ---- spec_identity.c ---- */

/* spec_build_effective - s->grid_sha256, s->legacy_sha256 and s->effective (the expanded
 * configuration as JSON) from the parsed spec. SWEEP_ERR_NOMEM, SWEEP_ERR_RANGE. */
SWEEP_MUST_USE int spec_build_effective(spec *s);

#endif /* UFMSWEEP_SPEC_IMPL_H */
