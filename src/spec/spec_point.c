/* The points of a spec: their options and their computation through the point layer. */
#include "spec.h"
#include "spec_impl.h"

#include "design.h"

#include "profile.h"

#include <stdlib.h>
#include <string.h>

void spec_point_compute(const spec *s, int64_t p, int rank, point_ufm_solve_fn ufm_solve,
                        void *ufm_ctx, point_external_fn external, void *external_ctx,
                        const volatile sig_atomic_t *stop, point_record *rec, double *trace)
{
    point_params pp;
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    int ret = spec_point_options(s, p, &pp, &eb); /* point_solve builds and checks the rest */
    if (ret != SWEEP_OK) {
        point_record_init(rec, p, rank, s->trace_points, trace);
        point_record_fail(rec, ret, eb.msg);
        return;
    }
    const point_solve_opts o = {s->seed_base, s->trace_points, ufm_solve, ufm_ctx, stop, NULL, external, external_ctx};
    point_solve(&pp, &o, p, rank, rec, trace);
}

double spec_point_work(const spec *s, int64_t p, int *groupable)
{
    point_params pp;
    profile *prof = NULL;
    double work = 0.0;
    *groupable = 0;
    if (spec_point_options(s, p, &pp, NULL) == SWEEP_OK &&
        profile_create(&pp.profile, &prof, NULL) == SWEEP_OK) {
        work = (double)prof->k * (double)prof->d * prof->n * (double)pp.ufm.iters;
        *groupable = point_solver_info(pp.solver)->groupable && !pp.ufm.bias;
    }
    profile_destroy(&prof);
    return work;
}

int spec_solve_key(const spec *s, int64_t p, unsigned char key[32], sweep_errbuf *eb)
{
    point_params pp;
    unsigned char small[4096], *buf = small;
    int ret = spec_point_options(s, p, &pp, eb);
    if (ret != SWEEP_OK)
        return ret;
    size_t len = point_solve_identity(&pp, s->seed_base, s->trace_points, buf, sizeof small, eb);
    if (len > sizeof small) {
        if ((buf = malloc(len)) == NULL)
            return SWEEP_ERR_NOMEM;
        len = point_solve_identity(&pp, s->seed_base, s->trace_points, buf, len, eb);
    }
    if (len == 0)
        ret = SWEEP_ERR_ARG;
    else
        sha256_raw(buf, len, key);
    if (buf != small)
        free(buf);
    return ret;
}

static int keyed_cmp(const void *a, const void *b)
{
    const spec_keyed_point *x = a, *y = b;
    const int c = memcmp(x->key, y->key, sizeof x->key);
    if (c != 0)
        return c;
    return x->p < y->p ? -1 : x->p > y->p;
}

static int keyed_key_cmp(const void *key, const void *b)
{
    return memcmp(key, ((const spec_keyed_point *)b)->key, sizeof((spec_keyed_point *)0)->key);
}

int spec_keyed_points(const spec *s, const uint8_t *want, int skip_unbuildable,
                      spec_keyed_point **out, int64_t *n_out, sweep_errbuf *eb)
{
    int64_t n = 0;
    *out = NULL;
    *n_out = 0;
    for (int64_t p = 0; p < s->n_points; p++)
        n += want == NULL || want[p] != 0;
    spec_keyed_point *kp = malloc((size_t)(n > 0 ? n : 1) * sizeof *kp);
    if (kp == NULL)
        return sweep_err_set(eb, SWEEP_ERR_NOMEM, "no memory for the solve keys of %lld points",
                             (long long)n);
    int64_t i = 0;
    for (int64_t p = 0; p < s->n_points; p++) {
        if ((want != NULL && want[p] == 0) || (want == NULL && spec_point_block(s, p) < 0))
            continue;
        unsigned char key[32];
        int ret = spec_solve_key(s, p, key, skip_unbuildable ? NULL : eb);
        if (ret != SWEEP_OK && skip_unbuildable)
            continue; /* never matched */
        if (ret != SWEEP_OK) {
            free(kp);
            return ret;
        }
        memcpy(kp[i].key, key, sizeof kp[i].key);
        kp[i++].p = p;
    }
    qsort(kp, (size_t)i, sizeof *kp, keyed_cmp);
    *out = kp;
    *n_out = i;
    return SWEEP_OK;
}

const spec_keyed_point *spec_keyed_find(const spec_keyed_point *kp, int64_t n,
                                        const unsigned char key[16])
{
    const spec_keyed_point *hit = n > 0 ? bsearch(key, kp, (size_t)n, sizeof *kp, keyed_key_cmp)
                                        : NULL;
    while (hit != NULL && hit > kp && memcmp(hit[-1].key, key, sizeof hit->key) == 0)
        hit--; /* the first of equal keys: the smallest point */
    return hit;
}

int spec_reuse_plan(const spec *s, const uint8_t *want, int64_t *rep, int64_t *n_distinct,
                    sweep_errbuf *eb)
{
    spec_keyed_point *kp = NULL;
    int64_t n = 0;
    for (int64_t p = 0; p < s->n_points; p++)
        rep[p] = -1;
    int ret = spec_keyed_points(s, want, 0, &kp, &n, eb);
    if (ret != SWEEP_OK)
        return ret;
    *n_distinct = 0;
    for (int64_t j = 0; j < n; j++) {
        if (j == 0 || memcmp(kp[j].key, kp[j - 1].key, sizeof kp[j].key) != 0) {
            (*n_distinct)++;
            rep[kp[j].p] = kp[j].p;
        } else {
            rep[kp[j].p] = rep[kp[j - 1].p];
        }
    }
    free(kp);
    return SWEEP_OK;
}

void spec_print_summary(const spec *s, FILE *f)
{
    fprintf(f, "%s: valid: %lld points in the study", s->path, (long long)s->n_in_study);
    if (s->n_in_study != s->n_points)
        fprintf(f, " (of a grid of %lld; the others are not in the study)",
                (long long)s->n_points);
    if (s->layout == SPEC_LAYOUT_POINTS)
        fprintf(f, "\n  layout: points (one dimension over the study's points%s; the product "
                   "of the axes would hold %.4g)",
                s->layout_written ? ", the spec's layout:" : "", s->n_product);
    else
        fprintf(f, "\n  layout: grid (datasets over the product of the axes%s)",
                s->layout_written ? ", the spec's layout:" : "");
    fprintf(f, "\n  grid: ");
    for (int a = 0; a < s->n_axes; a++)
        fprintf(f, "%s%s: %d", a ? " x " : "", s->axes[a].key, s->axes[a].n);
    fprintf(f, "\n");
    for (int b = 0; b < s->n_blocks; b++) {
        const spec_block *bl = &s->blocks[b];
        if (bl->line > SPEC_OVERRIDE_LINE)
            fprintf(f, "  block %d (from an override): %lld points: ", b + 1,
                    (long long)bl->n_points);
        else
            fprintf(f, "  block %d (line %d): %lld points: ", b + 1, bl->line,
                    (long long)bl->n_points);
        for (int fi = 0; fi < bl->n_factors; fi++) {
            const spec_factor *fa = &bl->factor[fi];
            fprintf(f, "%s", fi ? " x " : "");
            if (fa->is_sample) {
                const spec_sample *sm = &bl->sample;
                static const char *const kinds[] = {"", "log: ", "int: "};
                fprintf(f, "sample %s of %lld points (seed %lld): ",
                        design_method_name((design_method)sm->method), (long long)sm->n,
                        (long long)sm->seed);
                for (int j = 0; j < sm->n_ranges; j++)
                    fprintf(f, "%s%s %s%s[%.10g, %.10g]%s", j ? ", " : "",
                            s->axes[sm->range[j].axis].key, sm->range[j].kind ? "{" : "",
                            kinds[sm->range[j].kind], sm->range[j].lo, sm->range[j].hi,
                            sm->range[j].kind ? "}" : "");
            } else if (fa->n_axes == 1) {
                fprintf(f, "%s (%d)", s->axes[fa->axis[0]].key, fa->n);
            } else {
                fprintf(f, "zip(");
                for (int j = 0; j < fa->n_axes; j++)
                    fprintf(f, "%s%s", j ? ", " : "", s->axes[fa->axis[j]].key);
                fprintf(f, ") (%d)", fa->n);
            }
        }
        int held = 0;
        for (int a = 0; a < s->n_axes; a++)
            if (!bl->has_axis[a])
                fprintf(f, "%s%s=%s", held++ ? ", " : "; at ", s->axes[a].key,
                        s->axes[a].text[bl->base_idx[a]]);
        fprintf(f, "\n");
    }
}
