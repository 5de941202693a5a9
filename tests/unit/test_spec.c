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
    spec *s = parse("store: x.h5\nfixed: {k: 4, n_min: 2, solver: none}\n"
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
    spec_destroy(&s);
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
    RUN_TEST(test_identity, passed, failed);
    RUN_TEST(test_defaults, passed, failed);
    RUN_TEST(test_enum_tables, passed, failed);
    return TEST_SUMMARY(passed, failed);
}
