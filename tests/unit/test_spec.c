/* The spec's grid algebra and identity, in serial (src/spec): the product of a block, unions of
 * blocks over sorted union axes, zips, points of no block, point indices and names, and the
 * meaning that grid_sha256 keeps (comments, key order, zip key order, defaults written out,
 * unread options) or changes (an option a solver reads, an axis value); and the option table's
 * defaults against params_default. */
#include "check.h"
#include "enumtab.h"
#include "params.h"
#include "spec.h"

#include <stdlib.h>
#include <string.h>

static spec *parse(const char *text)
{
    spec *s = NULL;
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    if (spec_parse("t.yaml", text, strlen(text), &s, &eb) != SWEEP_OK)
        fprintf(stderr, "  parse failed: %s\n", eb.msg);
    return s;
}

static int axis_of(const spec *s, const char *name)
{
    for (int a = 0; a < s->n_axes; a++)
        if (!strcmp(s->axes[a].def->name, name))
            return a;
    return -1;
}

static int test_product(void)
{
    int fails = 0;
    spec *s = parse("store: x.h5\nfixed: {k: 4, solver: none}\n"
                    "grid:\n  R: [1, 2, 4]\n  loss: [ce, cdt]\n  gamma: {linspace: [0, 1, 3]}\n");
    CHECK(s != NULL);
    if (s == NULL)
        return fails;
    CHECK_EQ_INT(s->n_axes, 3);
    CHECK_EQ_INT(s->n_points, 18);
    CHECK_EQ_INT(s->n_in_study, 18);
    CHECK(s->every_point_in_study);
    /* C order, last axis fastest: point 7 = (R 1 -> index 1, loss 0, gamma 1) */
    int64_t idx[SPEC_MAX_AXES];
    spec_point_index(s, 7, idx);
    CHECK(idx[0] == 1 && idx[1] == 0 && idx[2] == 1);
    int64_t p = -1;
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    CHECK_OK(spec_point_find(s, "R=2.0,loss=ce,gamma=0.5", &p, &eb));
    CHECK_EQ_INT(p, 7);
    CHECK_OK(spec_point_find(s, "gamma=5e-1,R=2,loss=ce", &p, &eb)); /* by value, any order */
    CHECK_EQ_INT(p, 7);
    CHECK_ERR(SWEEP_ERR_ARG, spec_point_find(s, "R=3,loss=ce,gamma=0.5", &p, &eb));
    char label[256];
    spec_point_label(s, 7, label, sizeof label);
    CHECK_CONTAINS(label, "R=2");
    CHECK_CONTAINS(label, "gamma=0.5");
    point_params pp;
    CHECK_OK(spec_point_params(s, 17, &pp, NULL));
    CHECK(pp.profile.R == 4.0 && pp.loss.kind == LOSS_CDT && pp.loss.gamma == 1.0 &&
          pp.profile.k == 4);
    spec_destroy(&s);
    return fails;
}

static int test_union_and_zip(void)
{
    int fails = 0;
    /* the README's union: CE once, CDT/LDT over gamma, LA on a zip */
    spec *s = parse("store: x.h5\nlayout: grid\nfixed: {k: 4, n_min: 2, solver: none}\n"
                    "grids:\n"
                    "  - {loss: [ce], R: [10, 1]}\n"
                    "  - {loss: [cdt, ldt], R: [1, 10], gamma: [-1, 0, 1]}\n"
                    "  - loss: [la]\n"
                    "    zip: {R: [16, 4, 1], n_min: [1, 4, 16]}\n");
    CHECK(s != NULL);
    if (s == NULL)
        return fails;
    const int aR = axis_of(s, "R"), ag = axis_of(s, "gamma"), an = axis_of(s, "n-min");
    CHECK(aR >= 0 && ag >= 0 && an >= 0);
    /* numeric union axes sorted, whatever order the blocks wrote them in */
    CHECK_EQ_INT(s->axes[aR].n, 4);
    CHECK(s->axes[aR].num[0] == 1 && s->axes[aR].num[1] == 4 && s->axes[aR].num[2] == 10 &&
          s->axes[aR].num[3] == 16);
    CHECK_EQ_INT(s->n_points, 4 * 4 * 3 * 4); /* loss x R x gamma x n_min */
    CHECK_EQ_INT(s->n_in_study, 2 + 2 * 2 * 3 + 3);
    CHECK(!s->every_point_in_study);
    int64_t in = 0;
    for (int64_t p = 0; p < s->n_points; p++)
        in += spec_point_block(s, p) >= 0;
    CHECK_EQ_INT(in, s->n_in_study);
    /* the zip gives 3 combinations, not 9: LA at R=16 has n_min 1 only */
    int64_t p = -1;
    CHECK_OK(spec_point_find(s, "loss=la,R=16,gamma=0,n_min=1", &p, NULL));
    CHECK_EQ_INT(spec_point_block(s, p), 2);
    CHECK_ERR(SWEEP_ERR_ARG, spec_point_find(s, "loss=la,R=16,gamma=0,n_min=4", &p, NULL));
    /* CE takes gamma's default 0 (a coordinate) and n_min's fixed 2 */
    CHECK_OK(spec_point_find(s, "loss=ce,R=10,gamma=0,n_min=2", &p, NULL));
    CHECK_EQ_INT(spec_point_block(s, p), 0);

    /* without `layout:`, 17 points of 192 are stored as a list of the study's points: the
     * same points (labels and parameters), the blocks' order, no holes */
    spec *l = parse("store: x.h5\nfixed: {k: 4, n_min: 2, solver: none}\n"
                    "grids:\n"
                    "  - {loss: [ce], R: [10, 1]}\n"
                    "  - {loss: [cdt, ldt], R: [1, 10], gamma: [-1, 0, 1]}\n"
                    "  - loss: [la]\n"
                    "    zip: {R: [16, 4, 1], n_min: [1, 4, 16]}\n");
    CHECK(l != NULL);
    if (l == NULL) {
        spec_destroy(&s);
        return fails;
    }
    CHECK_EQ_INT(l->layout, SPEC_LAYOUT_POINTS);
    CHECK_EQ_INT(l->n_points, 17);
    CHECK_EQ_INT(l->n_in_study, 17);
    CHECK(l->every_point_in_study);
    CHECK(!strcmp(l->grid_sha256, s->grid_sha256)); /* the layout is not the meaning */
    char la[512], lg[512];
    spec_point_label(l, 0, la, sizeof la);
    CHECK_CONTAINS(la, "loss=ce, R=10");            /* the first block's first point */
    spec_point_label(l, 16, la, sizeof la);
    CHECK_CONTAINS(la, "loss=la, R=1,");            /* the zip's last pair */
    CHECK_CONTAINS(la, "n_min=16");
    int64_t seen = 0;
    for (int64_t q = 0; q < l->n_points; q++) {
        int64_t g = -1;
        spec_point_label(l, q, la, sizeof la);
        /* the same point in the grid layout: found by its coordinates, same block, same key */
        char assign[512];
        snprintf(assign, sizeof assign, "%s", la);
        for (char *c = assign; *c; c++)
            if (*c == ' ')
                memmove(c, c + 1, strlen(c));
        CHECK_OK(spec_point_find(s, assign, &g, NULL));
        spec_point_label(s, g, lg, sizeof lg);
        CHECK(!strcmp(la, lg));
        CHECK_EQ_INT(spec_point_block(s, g), spec_point_block(l, q));
        unsigned char ka[32], kb[32];
        CHECK_OK(spec_solve_key(l, q, ka, NULL));
        CHECK_OK(spec_solve_key(s, g, kb, NULL));
        CHECK(memcmp(ka, kb, 32) == 0);
        int64_t back = -1;
        CHECK_OK(spec_point_find(l, assign, &back, NULL));
        CHECK_EQ_INT(back, q);
        seen++;
    }
    CHECK_EQ_INT(seen, 17);
    CHECK_ERR(SWEEP_ERR_ARG, spec_point_find(l, "loss=la,R=16,gamma=0,n_min=4", &p, NULL));
    /* and back to the grid */
    CHECK_OK(spec_set_layout(l, SPEC_LAYOUT_GRID, NULL));
    CHECK_EQ_INT(l->n_points, 192);
    CHECK(!l->every_point_in_study);
    spec_destroy(&l);
    spec_destroy(&s);
    return fails;
}

/* sample: a Sobol design of 3 ranges crossed with a loss axis, reproducible from its settings */
static int test_sample(void)
{
    int fails = 0;
    const char *text = "store: x.h5\nfixed: {k: 4, solver: none}\n"
                       "grids:\n"
                       "  - loss: [cdt, ldt]\n"
                       "    sample:\n"
                       "      method: sobol\n"
                       "      n: 64\n"
                       "      seed: 3\n"
                       "      ranges:\n"
                       "        gamma: [-1.5, 1.5]\n"
                       "        R: {log: [1, 1000]}\n"
                       "        n_min: {int: [1, 20]}\n";
    spec *s = parse(text), *t = parse(text);
    CHECK(s != NULL && t != NULL);
    if (s == NULL || t == NULL) {
        spec_destroy(&s);
        spec_destroy(&t);
        return fails;
    }
    CHECK_EQ_INT(s->layout, SPEC_LAYOUT_POINTS);
    CHECK_EQ_INT(s->n_points, 128);
    CHECK(!strcmp(s->grid_sha256, t->grid_sha256));
    const int aR = axis_of(s, "R"), ag = axis_of(s, "gamma"), an = axis_of(s, "n-min");
    CHECK(aR >= 0 && ag >= 0 && an >= 0);
    /* the loss axis is crossed with the sample: the sample's 64 points under each loss */
    int64_t ia[SPEC_MAX_AXES], ib[SPEC_MAX_AXES];
    int strata[64] = {0};
    for (int64_t p = 0; p < 64; p++) {
        spec_point_index(s, p, ia);
        spec_point_index(s, 64 + p, ib);
        CHECK(ia[aR] == ib[aR] && ia[ag] == ib[ag] && ia[an] == ib[an]);
        const double R = s->axes[aR].num[ia[aR]], g = s->axes[ag].num[ia[ag]];
        const double nm = s->axes[an].num[ia[an]];
        CHECK(R >= 1 && R <= 1000 && g >= -1.5 && g <= 1.5 && nm >= 1 && nm <= 20 &&
              nm == floor(nm));
        /* Sobol: 64 = 2^6 points, one per stratum of 1/64 on each axis's scale */
        const int k = (int)((g + 1.5) / 3.0 * 64.0);
        if (k >= 0 && k < 64)
            strata[k]++;
        /* values written back into a spec give the same numbers */
        char buf[64];
        snprintf(buf, sizeof buf, "%s", s->axes[ag].text[ia[ag]]);
        CHECK(strtod(buf, NULL) == g);
        char eight[64];
        snprintf(eight, sizeof eight, "%.8g", g); /* 8 significant digits */
        CHECK(!strcmp(buf, eight));
    }
    int one_each = 1;
    for (int k = 0; k < 64; k++)
        one_each &= strata[k] == 1;
    CHECK(one_each);
    /* digits: the values keep that many significant digits */
    const char *three = "store: x.h5\nfixed: {k: 4, solver: none}\n"
                        "grid:\n  sample: {method: random, n: 16, seed: 1, digits: 3, "
                        "ranges: {gamma: [-1.5, 1.5]}}\n";
    spec *d3 = parse(three);
    CHECK(d3 != NULL);
    for (int i = 0; d3 != NULL && i < d3->axes[0].n; i++) {
        char want[64];
        snprintf(want, sizeof want, "%.3g", d3->axes[0].num[i]);
        CHECK(!strcmp(d3->axes[0].text[i], want));
    }
    spec_destroy(&d3);
    /* another seed is another design; the settings are refused with their line */
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    spec *u = NULL;
    const char *bad[][2] = {
        {"grid:\n  sample: {method: halton, n: 4, ranges: {R: [1, 2]}}\n", "spec.yaml:2: sample: method: 'halton'"},
        {"grid:\n  sample: {method: lhs, n: 0, ranges: {R: [1, 2]}}\n", "sample: n: '0' is not a number of points"},
        {"grid:\n  sample: {method: lhs, n: 4, ranges: {R: [2, 1]}}\n", "R: [2, 1] is empty"},
        {"grid:\n  sample: {method: lhs, n: 4, ranges: {R: {log: [0, 1]}}}\n", "needs 0 < a"},
        {"grid:\n  sample: {method: lhs, n: 4, ranges: {R: [0.5, 1]}}\n", "R:"},
        {"grid:\n  sample: {method: lhs, n: 50, ranges: {n_min: {int: [1, 5]}}}\n", "two of its 50 points have the same values"},
        {"grid:\n  R: [1, 2]\n  sample: {method: lhs, n: 4, ranges: {R: [1, 2]}}\n", "'R' is given twice"},
        {"grid:\n  sample: {method: lhs, n: 4, ranges: {R: [1, 2]}, size: 3}\n", "sample: unknown key 'size'"},
        {"grid:\n  sample: {n: 4, ranges: {R: [1, 2]}}\n", "sample: needs method"},
        {"layout: grid\ngrid:\n  zip: {R: {linspace: [1, 2, 20000]}, gamma: {linspace: [0, 1, 20000]}}\n", "layout grid: the product of the axes has 4e+08 points"},
        {"layout: list\ngrid: {R: [1]}\n", "layout: 'list' is not a layout"},
        {"grid:\n  sample: {method: lhs, n: 4, ranges: {R: [1, 2]}}\n  zip: {gamma: [0, 1]}\n  sample: {method: lhs, n: 4, ranges: {tau: [1, 2]}}\n", "sample: given twice"},
        {"grid:\n  sample: {method: lhs, n: 4, ranges: {n_min: {int: [1.5, 3]}}}\n", "needs whole numbers"},
        {"grid:\n  sample: {method: lhs, n: 4, ranges: {R: {sqrt: [1, 2]}}}\n", "unknown scale 'sqrt'"},
        {"grid:\n  sample: {method: lhs, n: 4, digits: 18, ranges: {R: [1, 2]}}\n", "digits: '18' is not a number of significant digits"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sweep_errbuf_clear(&eb);
        CHECK_ERR(SWEEP_ERR_ARG, spec_parse("spec.yaml", bad[i][0], strlen(bad[i][0]), &u, &eb));
        CHECK_CONTAINS(eb.msg, bad[i][1]);
        spec_destroy(&u);
    }
    spec_destroy(&s);
    spec_destroy(&t);
    return fails;
}

/* grid_sha256 keeps the meaning and nothing else */
static int test_identity(void)
{
    int fails = 0;
    const char *base = "store: x.h5\nfixed: {k: 4, n_min: 2, opt: gd, lr: 0.5, iters: 30}\n"
                       "grid:\n  zip: {R: [1, 2, 4], gamma: [0, 0.5, 1]}\n  loss: [cdt]\n"
                       "  seed: [0, 1]\n";
    const char *same[] = {
        /* comments, key order, 1 vs 1.0 */
        "# a comment\nstore: x.h5\nfixed: {iters: 30, lr: 0.50, opt: gd, n_min: 2.0, k: 4}\n"
        "grid:\n  zip: {R: [1.0, 2, 4], gamma: [0, 0.5, 1]}\n  loss: [cdt]\n  seed: [0, 1]\n",
        /* the zip's keys in another order */
        "store: x.h5\nfixed: {k: 4, n_min: 2, opt: gd, lr: 0.5, iters: 30}\n"
        "grid:\n  zip: {gamma: [0, 0.5, 1], R: [1, 2, 4]}\n  loss: [cdt]\n  seed: [0, 1]\n",
        /* defaults written out, options gd and cdt do not read (momentum, tau) */
        "store: x.h5\nseed_base: 0\nfixed: {k: 4, n_min: 2, opt: gd, lr: 0.5, iters: 30, "
        "solver: ufm, init: torch, bias: off, momentum: 0.3, tau: 7, profile: step, rho: 0.5}\n"
        "grid:\n  zip: {R: [1, 2, 4], gamma: [0, 0.5, 1]}\n  loss: [cdt]\n  seed: [0, 1]\n",
    };
    const char *other[] = {
        "store: x.h5\nfixed: {k: 4, n_min: 2, opt: gd, lr: 0.5, iters: 31}\n"
        "grid:\n  zip: {R: [1, 2, 4], gamma: [0, 0.5, 1]}\n  loss: [cdt]\n  seed: [0, 1]\n",
        "store: x.h5\nfixed: {k: 4, n_min: 2, opt: sgdm, lr: 0.5, iters: 30}\n"
        "grid:\n  zip: {R: [1, 2, 4], gamma: [0, 0.5, 1]}\n  loss: [cdt]\n  seed: [0, 1]\n",
        "store: x.h5\nfixed: {k: 4, n_min: 2, opt: gd, lr: 0.5, iters: 30}\n"
        "grid:\n  zip: {R: [1, 2, 4], gamma: [0, 0.5, 2]}\n  loss: [cdt]\n  seed: [0, 1]\n",
        "store: x.h5\nseed_base: 3\nfixed: {k: 4, n_min: 2, opt: gd, lr: 0.5, iters: 30}\n"
        "grid:\n  zip: {R: [1, 2, 4], gamma: [0, 0.5, 1]}\n  loss: [cdt]\n  seed: [0, 1]\n",
    };
    spec *s0 = parse(base);
    CHECK(s0 != NULL);
    if (s0 == NULL)
        return fails;
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        spec *s = parse(same[i]);
        CHECK(s != NULL && !strcmp(s->grid_sha256, s0->grid_sha256));
        if (s != NULL && strcmp(s->grid_sha256, s0->grid_sha256) != 0)
            fprintf(stderr, "  same meaning %zu, another hash\n", i);
        /* and every point has the same solve key */
        for (int64_t p = 0; s != NULL && p < s->n_points; p++) {
            unsigned char a[32], b[32];
            if (spec_point_block(s0, p) < 0) {
                CHECK(spec_point_block(s, p) < 0); /* the same points of no block */
                continue;
            }
            CHECK(spec_solve_key(s, p, a, NULL) == SWEEP_OK &&
                  spec_solve_key(s0, p, b, NULL) == SWEEP_OK && !memcmp(a, b, 32));
        }
        spec_destroy(&s);
    }
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        spec *s = parse(other[i]);
        CHECK(s != NULL && strcmp(s->grid_sha256, s0->grid_sha256) != 0);
        spec_destroy(&s);
    }
    spec_destroy(&s0);
    return fails;
}

/* the defaults --help shows are the values params_default sets */
static int test_defaults(void)
{
    int fails = 0, compared = 0;
    size_t n = 0;
    const param_def *t = params_table(&n);
    point_params d;
    params_default(&d);
    for (size_t i = 0; i < n; i++) {
        const char *shown = t[i].deflt;
        char num[64];
        /* "0 (off)" is the value 0; labels such as "k", "-", "preset", "none" are not values */
        snprintf(num, sizeof num, "%s", shown);
        char *sp = strchr(num, ' ');
        if (sp != NULL)
            *sp = '\0';
        point_params p;
        params_default(&p);
        if (!strcmp(num, "-") || params_set(&p, &t[i], num, NULL) != SWEEP_OK)
            continue; /* "-": none */
        char a[256], b[256];
        CHECK(params_value_text(&p, &t[i], a, sizeof a) < sizeof a);
        CHECK(params_value_text(&d, &t[i], b, sizeof b) < sizeof b);
        if (strcmp(a, b) != 0) {
            fprintf(stderr, "  --%s: --help says %s, the default is %s\n", t[i].name, shown, b);
            fails++;
        }
        compared++;
    }
    fprintf(stderr, "  %d defaults compared\n", compared);
    CHECK(compared >= 20);
    return fails;
}

/* the core's enumeration tables: every name parses back to its value; the choices message */
static int test_enum_tables(void)
{
    int fails = 0;
    const enum_table *tables[] = {&profile_kind_table, &loss_kind_table, &ufm_opt_table};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        for (int j = 0; j < tables[i]->n; j++) {
            int v = -1;
            CHECK_OK(enum_table_parse(tables[i], tables[i]->entries[j].name, &v));
            CHECK_EQ_INT(v, tables[i]->entries[j].value);
            CHECK(!strcmp(enum_table_name(tables[i], v), tables[i]->entries[j].name));
        }
    int v = 0;
    CHECK_ERR(SWEEP_ERR_ARG, enum_table_parse(&loss_kind_table, "CE", &v));
    CHECK(!strcmp(enum_table_name(&loss_kind_table, 99), "unknown"));
    char buf[128];
    CHECK(enum_table_choices(&loss_kind_table, buf, sizeof buf) == strlen("ce, wce, la, cdt, vs or ldt"));
    CHECK(!strcmp(buf, "ce, wce, la, cdt, vs or ldt"));
    enum_table_choices(&ufm_opt_table, buf, 5); /* cut, terminated */
    CHECK(!strcmp(buf, "gd, "));
    CHECK(!strcmp(loss_kind_name(LOSS_LDT), "ldt") && !strcmp(profile_kind_name(PROFILE_LT), "lt"));
    return fails;
}

int main(void)
{
    int failed = 0, passed = 0;
    RUN_TEST(test_product, passed, failed);
    RUN_TEST(test_union_and_zip, passed, failed);
    RUN_TEST(test_sample, passed, failed);
    RUN_TEST(test_identity, passed, failed);
    RUN_TEST(test_defaults, passed, failed);
    RUN_TEST(test_enum_tables, passed, failed);
    return TEST_SUMMARY(passed, failed);
}
