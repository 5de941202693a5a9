/* The identity of a point (point_solve_identity, the solve key of reuse, copies and resume) is
 * derived from the option table's read_by and when (params_option_read). For every option and
 * every solver, at several points (losses, profiles, optimizers, milestones, explicit vectors):
 *  - an option the solver does not read leaves the key unchanged, and the record and trace that
 *    point_solve computes are bitwise unchanged too (the table checked against what the code
 *    really reads);
 *  - an option of the solver that it reads changes the key;
 *  - an equal key always means a bitwise equal record (a problem option may change nothing, as
 *    wce with explicit weights equals ce with them, and then the key stays).
 * Also: no length limit in the identity (k = 1024 explicit vectors that differ in the last
 * entry give different keys), and the numerics version is part of the key. */
#include "check.h"
#include "params.h"
#include "point.h"
#include "record.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P = 3 }; /* trace points */

typedef struct alt {
    const char *name;
    const char *value; /* another valid value */
} alt;

static const alt alts[] = {
    {"k", "6"},           {"profile", "lt"},       {"R", "8"},
    {"rho", "0.25"},      {"n-min", "3"},          {"counts", "9,4,2,2"},
    {"d", "6"},           {"loss", "ldt"},         {"gamma", "0.7"},
    {"tau", "2"},         {"lambda", "0.02"},      {"lambda-w", "0.03"},
    {"lambda-h", "0.04"}, {"omega", "1,2,3,4"},    {"Delta", "1,1.5,2,2.5"},
    {"iota", "0.1,0,0,-0.1"}, {"opt", "ngd"},      {"lr", "0.3"},
    {"momentum", "0.5"},  {"wd", "0.001"},         {"milestones", "6"},
    {"lr-decay", "0.5"},  {"iters", "13"},         {"tol-grad", "0.001"},
    {"tol-loss", "0.001"}, {"init", "gauss:0.2"},  {"bias", "on"},
    {"seed", "5"},        {"command", "true {out}"}, {"external-timeout", "10"},
};

/* the points at which every option is changed: KEY=VALUE;... on top of the defaults */
static const char *const bases[] = {
    "k=4;R=4;n-min=2;loss=cdt;gamma=0.5;opt=gd;lr=0.5;iters=12",
    "k=4;profile=lt;R=4;n-min=2;loss=la;opt=sgdm;lr=0.2;iters=12;milestones=5",
    "counts=8,4,2,2;loss=wce;gamma=1;opt=ngd;lr=0.5;iters=12",
    "k=4;R=4;n-min=2;loss=wce;omega=1,1,2,2;opt=sgdm;momentum=0.8;lr=0.1;iters=12",
    "k=4;R=4;n-min=2;loss=vs;gamma=0.5;tau=0.5;iota=0,0,0.1,0.1;opt=gd;lr=0.5;iters=12",
    "k=4;R=4;n-min=2;loss=ldt;Delta=1,1,2,2;opt=gd;lr=0.5;iters=12;init=gauss:0.3;bias=on",
};

static const char *const solvers[] = {"ufm", "none", "svm", "svm-example", "svm-gd",
                                      "reg", "reg-example", "external"};

/* pp = defaults, then the base's settings, the solver (and what it needs), then name=value;
 * 0 when something is refused (an alternative that makes no valid point: skipped) */
static int build(point_params *pp, const char *base, const char *solver, const char *name,
                 const char *value)
{
    char buf[512];
    params_default(pp);
    snprintf(buf, sizeof buf, "%s", base);
    for (char *tok = strtok(buf, ";"); tok != NULL; tok = strtok(NULL, ";")) {
        char *eq = strchr(tok, '=');
        *eq = '\0';
        if (params_set(pp, params_find(tok, ~0u), eq + 1, NULL) != SWEEP_OK)
            return 0;
    }
    if (params_set(pp, params_find("solver", ~0u), solver, NULL) != SWEEP_OK ||
        (!strncmp(solver, "reg", 3) &&
         params_set(pp, params_find("lambda", ~0u), "0.01", NULL) != SWEEP_OK) ||
        (!strcmp(solver, "svm-gd") &&
         params_set(pp, params_find("iters", ~0u), "40", NULL) != SWEEP_OK) ||
        (!strcmp(solver, "external") &&
         params_set(pp, params_find("command", ~0u), "train {out}", NULL) != SWEEP_OK))
        return 0;
    if (name != NULL && params_set(pp, params_find(name, ~0u), value, NULL) != SWEEP_OK)
        return 0;
    return params_finalize(pp, NULL) == SWEEP_OK;
}

static int key_of(const point_params *pp, unsigned char **out, size_t *len)
{
    *len = point_solve_identity(pp, 7, P, NULL, 0, NULL);
    if (*len == 0 || (*out = malloc(*len)) == NULL)
        return 0;
    return point_solve_identity(pp, 7, P, *out, *len, NULL) == *len;
}

static void solve(const point_params *pp, point_record *rec, double *trace)
{
    const point_solve_opts o = {.seed_base = 7, .trace_points = P};
    point_solve(pp, &o, 0, 0, rec, trace);
}

/* the reproducible part of two records and traces: bitwise equal */
static int same_record(const point_record *a, const double *ta, const point_record *b,
                       const double *tb)
{
    return a->state == b->state && a->outcome == b->outcome &&
           a->theory_source == b->theory_source && a->error_code == b->error_code &&
           !memcmp(&a->solve, &b->solve, sizeof a->solve) &&
           !memcmp(a->theory, b->theory, sizeof a->theory) &&
           !memcmp(a->result, b->result, sizeof a->result) &&
           !strcmp(a->message, b->message) &&
           !memcmp(ta, tb, sizeof(double) * POINT_TRACE_FIELDS * P);
}

static int test_table_against_the_code(void)
{
    int fails = 0, checked = 0, unread = 0, read = 0;
    double ta[POINT_TRACE_FIELDS * P], tb[POINT_TRACE_FIELDS * P];
    for (size_t si = 0; si < sizeof solvers / sizeof solvers[0]; si++)
        for (size_t bi = 0; bi < sizeof bases / sizeof bases[0]; bi++) {
            point_params p0, p1;
            unsigned char *k0 = NULL;
            size_t l0 = 0;
            if (!build(&p0, bases[bi], solvers[si], NULL, NULL)) {
                fprintf(stderr, "  base %zu with %s is not a valid point\n", bi, solvers[si]);
                fails++;
                continue;
            }
            CHECK(key_of(&p0, &k0, &l0));
            const int external = !strcmp(solvers[si], "external");
            point_record r0;
            if (!external)
                solve(&p0, &r0, ta);
            for (size_t ai = 0; ai < sizeof alts / sizeof alts[0]; ai++) {
                const param_def *def = params_find(alts[ai].name, ~0u);
                if (!build(&p1, bases[bi], solvers[si], alts[ai].name, alts[ai].value))
                    continue; /* no valid point with that value here */
                char v0[256] = "", v1[256] = "";
                params_value_text(&p0, def, v0, sizeof v0);
                params_value_text(&p1, def, v1, sizeof v1);
                if (!strcmp(v0, v1))
                    continue; /* the base already has that value */
                unsigned char *k1 = NULL;
                size_t l1 = 0;
                CHECK(key_of(&p1, &k1, &l1));
                const int same_key = l0 == l1 && !memcmp(k0, k1, l0);
                /* read at the base's value or at the other one (explicit counts make the
                 * counts profile, where counts are read) */
                const int reads = params_option_read(&p0, def) || params_option_read(&p1, def);
                const int problem = (def->read_by & PARAM_READ_PROBLEM) != 0;
                checked++;
                read += reads;
                unread += !reads;
                if (!reads && !same_key) {
                    fprintf(stderr, "  %s, base %zu: %s=%s is not read but changes the key\n",
                            solvers[si], bi, alts[ai].name, alts[ai].value);
                    fails++;
                }
                if (reads && !problem && same_key) {
                    fprintf(stderr, "  %s, base %zu: %s=%s is read but leaves the key\n",
                            solvers[si], bi, alts[ai].name, alts[ai].value);
                    fails++;
                }
                if (same_key && !external) {
                    point_record r1;
                    solve(&p1, &r1, tb);
                    if (!same_record(&r0, ta, &r1, tb)) {
                        fprintf(stderr, "  %s, base %zu: %s=%s keeps the key but changes the "
                                        "record (state %d/%d, %s)\n",
                                solvers[si], bi, alts[ai].name, alts[ai].value, r0.state,
                                r1.state, r1.message);
                        fails++;
                        CHECK_MEM_EQ(r0.result, r1.result, (size_t)GEOM_METRICS_COUNT);
                        CHECK_MEM_EQ(r0.theory, r1.theory, (size_t)GEOM_METRICS_COUNT);
                        CHECK_MEM_EQ(ta, tb, (size_t)POINT_TRACE_FIELDS * P);
                    }
                }
                free(k1);
            }
            free(k0);
        }
    fprintf(stderr, "  %d changes checked (%d read, %d not read)\n", checked, read, unread);
    CHECK(checked > 600 && unread > 150 && read > 300);
    return fails;
}

/* explicit vectors of 1024 classes differ in the last entry only: different keys (0.3 cut the
 * canonical text at 16 KiB) */
static int test_no_length_limit(void)
{
    int fails = 0;
    const int k = 1024;
    size_t cap = (size_t)k * 24 + 64;
    char *counts = malloc(cap), *omega = malloc(cap);
    size_t a = 0, b = 0;
    for (int c = 0; c < k; c++) {
        a += (size_t)snprintf(counts + a, cap - a, "%s%d", c ? "," : "", c < k / 2 ? 10 : 5);
        b += (size_t)snprintf(omega + b, cap - b, "%s%.17g", c ? "," : "",
                              1.0 + c * 1e-3 + 1.2345678901e-7);
    }
    point_params p0, p1;
    params_default(&p0);
    CHECK_OK(params_set(&p0, params_find("counts", ~0u), counts, NULL));
    CHECK_OK(params_set(&p0, params_find("solver", ~0u), "external", NULL));
    CHECK_OK(params_set(&p0, params_find("command", ~0u), "train {out}", NULL));
    CHECK_OK(params_set(&p0, params_find("omega", ~0u), omega, NULL));
    CHECK(params_finalize(&p0, NULL) == SWEEP_OK);
    p1 = p0;
    p1.loss.omega[k - 1] = nextafter(p1.loss.omega[k - 1], 2.0);
    unsigned char *k0 = NULL, *k1 = NULL;
    size_t l0 = 0, l1 = 0;
    CHECK(key_of(&p0, &k0, &l0) && key_of(&p1, &k1, &l1));
    CHECK(l0 > 40000 && !(l0 == l1 && !memcmp(k0, k1, l0)));
    char *t = params_canonical_dup(&p0, ~0u);
    CHECK(t != NULL && strlen(t) == params_canonical_text(&p0, ~0u, NULL, 0) &&
          strlen(t) > 16384);
    char *v = params_value_dup(&p1, params_find("omega", ~0u));
    CHECK(v != NULL && strlen(v) > 16384);
    free(t);
    free(v);
    free(k0);
    free(k1);
    free(counts);
    free(omega);
    return fails;
}

/* the key starts with its format and the numerics version */
static int test_numerics_version_in_key(void)
{
    int fails = 0;
    point_params p;
    unsigned char *k = NULL;
    size_t l = 0;
    CHECK(build(&p, bases[0], "ufm", NULL, NULL) && key_of(&p, &k, &l));
    int64_t v = 0;
    CHECK(l > 17 + sizeof v);
    memcpy(&v, k + 17, sizeof v);
    CHECK(memcmp(k, "ufmsweep-solve-v2", 17) == 0 && v == POINT_NUMERICS_VERSION);
    free(k);
    return fails;
}

/* the table of record.h covers point_record whole: in struct order, no gap, no overlap, the
 * last member ending at sizeof(point_record) (a member added to the struct and not to the
 * table would leave a gap, and never travel to rank 0) */
static int test_record_table(void)
{
    int fails = 0, n = 0;
    const record_member *m = record_members(&n);
    size_t end = 0;
    for (int i = 0; i < n; i++) {
        if (m[i].offset != end) {
            fprintf(stderr, "  record member %s at %zu, the previous one ends at %zu\n", m[i].name,
                    m[i].offset, end);
            fails++;
        }
        end = m[i].offset + record_elem_size(m[i].elem) * (size_t)m[i].count;
    }
    CHECK_EQ_INT(end, sizeof(point_record));
    CHECK(n >= 15 && !strcmp(m[0].name, "point"));
    return fails;
}

/* The stored-field table (record_fields): every metric under /theory, /results and /traces with
 * the names of geom_metric_name; the solve scalars and the trace head by name; the record's
 * members that carry data each stored once; names unique in a group; CF flags with one meaning
 * per value; record_field_set then record_field_get gives the stored value back. */
static int test_field_table(void)
{
    int fails = 0, n = 0;
    const record_field *f = record_fields(&n);
    for (int i = 0; i < GEOM_METRICS_COUNT; i++) {
        const char *m = geom_metric_name(i);
        const int th = record_field_find(RECORD_GROUP_THEORY, m);
        const int re = record_field_find(RECORD_GROUP_RESULTS, m);
        const int tr = record_field_find(RECORD_GROUP_TRACES, m);
        CHECK(th >= 0 && re >= 0 && tr >= 0);
        if (th < 0 || re < 0 || tr < 0)
            continue;
        point_record rec;
        memset(&rec, 0, sizeof rec);
        rec.theory[i] = 1.5 + i;
        rec.result[i] = -2.5 - i;
        CHECK(record_field_get(&f[th], &rec) == 1.5 + i);
        CHECK(record_field_get(&f[re], &rec) == -2.5 - i);
        CHECK_EQ_INT((int)f[tr].offset, POINT_TRACE_HEAD_COUNT + i);
    }
    for (int i = 0; i < POINT_SOLVE_FIELDS; i++)
        CHECK(record_field_find(RECORD_GROUP_RESULTS, point_solve_field_name(i)) >= 0);
    for (int f0 = 0; f0 < POINT_TRACE_FIELDS; f0++) {
        const int tr = record_field_find(RECORD_GROUP_TRACES, point_trace_field_name(f0));
        CHECK(tr >= 0 && (int)f[tr].offset == f0);
    }
    static const char *const members[] = {"state", "outcome", "theory_source", "attempts", "rank",
                                          "wall_s", "source", "source_point", "message"};
    for (size_t k = 0; k < sizeof members / sizeof members[0]; k++) {
        int found = 0;
        for (int i = 0; i < n; i++)
            found += f[i].group != RECORD_GROUP_TRACES && !strcmp(f[i].name, members[k]);
        if (found != 1) {
            fprintf(stderr, "  member %s is stored %d times\n", members[k], found);
            fails++;
        }
    }
    for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++)
            CHECK(f[i].group != f[j].group || strcmp(f[i].name, f[j].name) != 0);
        if (f[i].n_flags > 0) {
            int words = 0;
            for (const char *c = f[i].flag_meanings; *c; c++)
                words += (c == f[i].flag_meanings || c[-1] == ' ') && *c != ' ';
            CHECK_EQ_INT(words, f[i].n_flags);
        }
        if (f[i].group == RECORD_GROUP_TRACES || f[i].stored == RECORD_CHAR ||
            f[i].code == RECORD_CODE_COMMIT_TIME)
            continue;
        point_record rec;
        memset(&rec, 0, sizeof rec);
        record_field_set(&f[i], &rec, 3.0);
        CHECK(record_field_get(&f[i], &rec) == 3.0);
    }
    /* the outcome: 0 (no solve) in a record is the fill -1 on file, and back */
    const int oc = record_field_find(RECORD_GROUP_STATUS, "outcome");
    point_record rec;
    memset(&rec, 0, sizeof rec);
    CHECK(oc >= 0 && record_field_get(&f[oc], &rec) == -1.0);
    record_field_set(&f[oc], &rec, -1.0);
    CHECK_EQ_INT(rec.outcome, 0);
    CHECK(!strcmp(point_state_flag_meanings(),
                  "pending done failed not_converged not_in_study"));
    return fails;
}

int main(void)
{
    int failed = 0, passed = 0;
    RUN_TEST(test_table_against_the_code, passed, failed);
    RUN_TEST(test_no_length_limit, passed, failed);
    RUN_TEST(test_numerics_version_in_key, passed, failed);
    RUN_TEST(test_record_table, passed, failed);
    RUN_TEST(test_field_table, passed, failed);
    return TEST_SUMMARY(passed, failed);
}
