/* spec_layout.c - how the store lays out a spec's points: the grid (the product of the union's
 * axes) or the list of the study's points, and the table of that list. No MPI. */
#include "spec_impl.h"

#include "rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *spec_layout_name(int layout)
{
    return layout == SPEC_LAYOUT_POINTS ? "points" : "grid";
}

typedef struct row_ref {
    uint64_t h;
    int64_t i;
} row_ref;

static int row_ref_cmp(const void *pa, const void *pb)
{
    const row_ref *a = pa, *b = pb;
    if (a->h != b->h)
        return a->h < b->h ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

int spec_rows_first(const int32_t *rows, int64_t n, int width, uint8_t *first, int64_t *dup)
{
    row_ref *r = malloc((size_t)(n > 0 ? n : 1) * sizeof *r);
    if (r == NULL)
        return SWEEP_ERR_NOMEM;
    const size_t bytes = (size_t)width * sizeof *rows;
    for (int64_t i = 0; i < n; i++)
        r[i] = (row_ref){rng_hash64(rows + i * width, bytes, RNG_HASH64_INIT), i};
    qsort(r, (size_t)n, sizeof *r, row_ref_cmp);
    *dup = -1;
    for (int64_t i = 0; i < n; i++)
        if (first != NULL)
            first[i] = 1;
    /* in a run of equal hashes (almost always one row), a row equal to an earlier one (smaller
     * index: the run is sorted by index) is not first */
    for (int64_t s = 0; s < n;) {
        int64_t e = s + 1;
        while (e < n && r[e].h == r[s].h)
            e++;
        for (int64_t j = s + 1; j < e; j++)
            for (int64_t k = s; k < j; k++)
                if (memcmp(rows + r[j].i * width, rows + r[k].i * width, bytes) == 0) {
                    if (*dup < 0 || r[j].i < *dup)
                        *dup = r[j].i;
                    if (first != NULL)
                        first[r[j].i] = 0;
                    break;
                }
        s = e;
    }
    free(r);
    return SWEEP_OK;
}

/* the study's points, block by block, into s->pt_idx / s->pt_block (points layout) */
static int build_point_table(spec *s, sweep_errbuf *eb)
{
    int64_t total = 0;
    for (int b = 0; b < s->n_blocks; b++)
        total += s->blocks[b].n_points;
    if (total > SPEC_MAX_POINTS)
        return sweep_err_set(eb, SWEEP_ERR_ARG,
                             "%s: the blocks hold %lld points, more than the %lld one store "
                             "holds: split the sweep into several specs",
                             s->path, (long long)total, (long long)SPEC_MAX_POINTS);
    const int A = s->n_axes > 0 ? s->n_axes : 1;
    int ret = SWEEP_OK;
    int32_t *rows = malloc((size_t)(total > 0 ? total : 1) * (size_t)A * sizeof *rows);
    int16_t *blk = malloc((size_t)(total > 0 ? total : 1) * sizeof *blk);
    uint8_t *first = malloc((size_t)(total > 0 ? total : 1));
    if (rows == NULL || blk == NULL || first == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    memset(rows, 0, (size_t)(total > 0 ? total : 1) * (size_t)A * sizeof *rows);
    int64_t at = 0;
    for (int bi = 0; bi < s->n_blocks; bi++) {
        const spec_block *b = &s->blocks[bi];
        int64_t ctr[SPEC_MAX_AXES] = {0};
        for (int64_t q = 0; q < b->n_points; q++, at++) {
            int32_t *row = rows + at * A;
            for (int a = 0; a < s->n_axes; a++)
                if (!b->has_axis[a])
                    row[a] = b->base_idx[a];
            for (int fi = 0; fi < b->n_factors; fi++) {
                const spec_factor *f = &b->factor[fi];
                for (int j = 0; j < f->n_axes; j++)
                    row[f->axis[j]] = f->idx[ctr[fi] * f->n_axes + j];
            }
            blk[at] = (int16_t)bi;
            for (int fi = b->n_factors - 1; fi >= 0; fi--) { /* last factor fastest */
                if (++ctr[fi] < b->factor[fi].n)
                    break;
                ctr[fi] = 0;
            }
        }
    }
    int64_t dup = -1, n = 0;
    if ((ret = spec_rows_first(rows, total, A, first, &dup)) != SWEEP_OK)
        goto cleanup;
    for (int64_t i = 0; i < total; i++)
        if (first[i]) {
            if (n != i) {
                memmove(rows + n * A, rows + i * A, (size_t)A * sizeof *rows);
                blk[n] = blk[i];
            }
            n++;
        }
    free(s->pt_idx);
    free(s->pt_block);
    s->pt_idx = rows;
    s->pt_block = blk;
    rows = NULL;
    blk = NULL;
    s->n_points = n;
    s->n_in_study = n;
cleanup:
    free(rows);
    free(blk);
    free(first);
    return ret;
}

static int spec_set_layout_table(spec *s, int layout, sweep_errbuf *eb);

const char *spec_layout_alt_sha256(const spec *s)
{
    return s->layout == SPEC_LAYOUT_POINTS ? NULL : s->legacy_sha256;
}

void spec_layout_identity(spec *s)
{
    if (s->layout == SPEC_LAYOUT_GRID) {
        memcpy(s->layout_sha256, s->grid_sha256, sizeof s->layout_sha256);
        return;
    }
    char text[80];
    snprintf(text, sizeof text, "points:%s", s->grid_sha256);
    sha256_hex(text, strlen(text), s->layout_sha256);
}

int spec_set_layout(spec *s, int layout, sweep_errbuf *eb)
{
    const int changed = layout != s->layout || (layout == SPEC_LAYOUT_POINTS && s->pt_idx == NULL);
    int ret = spec_set_layout_table(s, layout, eb);
    if (ret != SWEEP_OK || !changed || s->effective == NULL)
        return ret;
    /* a spec already built (a reader's, or one adopting its store's layout): its expanded
     * configuration names the layout and the store's points */
    free(s->effective);
    s->effective = NULL;
    if ((ret = spec_build_effective(s)) != SWEEP_OK)
        return ret;
    spec_layout_identity(s);
    return SWEEP_OK;
}

static int spec_set_layout_table(spec *s, int layout, sweep_errbuf *eb)
{
    int ret;
    if (layout != SPEC_LAYOUT_GRID && layout != SPEC_LAYOUT_POINTS)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "unknown layout %d", layout);
    if (layout == SPEC_LAYOUT_POINTS) {
        if ((ret = build_point_table(s, eb)) != SWEEP_OK)
            return ret;
        s->layout = layout;
        s->every_point_in_study = 1;
        return SWEEP_OK;
    }
    if (s->n_product > (double)SPEC_MAX_POINTS)
        return sweep_err_set(eb, SWEEP_ERR_ARG,
                             "%s: layout grid: the product of the axes has %.4g points, more "
                             "than the %lld one store holds (layout: points stores only the "
                             "study's points)",
                             s->path, s->n_product, (long long)SPEC_MAX_POINTS);
    for (int bi = 0; bi < s->n_blocks; bi++)
        for (int fi = 0; fi < s->blocks[bi].n_factors; fi++)
            if (s->blocks[bi].factor[fi].keys == NULL)
                return sweep_err_set(eb, SWEEP_ERR_INTERNAL, "factor without keys");
    free(s->pt_idx);
    free(s->pt_block);
    s->pt_idx = NULL;
    s->pt_block = NULL;
    s->layout = layout;
    s->n_points = (int64_t)s->n_product;
    s->every_point_in_study = s->every_in_grid;
    return SWEEP_OK;
}

int spec_default_layout(const spec *s)
{
    double held = 0;
    for (int b = 0; b < s->n_blocks; b++) {
        if (s->blocks[b].sample.factor >= 0)
            return SPEC_LAYOUT_POINTS;
        held += (double)s->blocks[b].n_points;
    }
    if (s->n_product > (double)SPEC_MAX_POINTS || 2.0 * held < s->n_product)
        return SPEC_LAYOUT_POINTS;
    return SPEC_LAYOUT_GRID;
}

int spec_axis_at_points(const spec *s, int a, spec_axis *col)
{
    *col = s->axes[a];
    col->n = (int)s->n_points;
    col->text = malloc((size_t)s->n_points * sizeof *col->text);
    col->num = malloc((size_t)s->n_points * sizeof *col->num);
    if (col->text == NULL || col->num == NULL) {
        free(col->text);
        free(col->num);
        col->text = NULL;
        col->num = NULL;
        return SWEEP_ERR_NOMEM;
    }
    for (int64_t p = 0; p < s->n_points; p++) {
        const int32_t i = s->pt_idx[p * s->n_axes + a];
        col->text[p] = s->axes[a].text[i];
        col->num[p] = s->axes[a].num[i];
    }
    return SWEEP_OK;
}
