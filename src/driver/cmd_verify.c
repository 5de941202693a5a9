/* `ufmsweep verify STORE.h5 [--json]`: re-read everything and check it (docs/STORE.md). */
#include "commands.h"
#include "journal.h"
#include "point.h"
#include "report.h"
#include "spec.h"
#include "store.h"
#include "store_h5.h"
#include "store_schema.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct findings {
    json_t *list;
    int n;
} findings;

static void finding(findings *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void finding(findings *f, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (f->n < 1000)
        json_array_append_new(f->list, json_string(buf));
    f->n++;
}

/* Read a whole dataset as doubles (any numeric type converts); NULL with a finding on failure
 * (a Fletcher-32 mismatch makes the read fail). */
static double *read_all(hid_t file, const char *path, size_t n_expect, findings *f)
{
    if (H5Lexists(file, path, H5P_DEFAULT) <= 0) {
        finding(f, "%s: missing", path);
        return NULL;
    }
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    hid_t sp = H5Dget_space(d);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    double *buf = NULL;
    if ((size_t)n != n_expect) {
        finding(f, "%s: %lld values, expected %zu (wrong shape)", path, (long long)n, n_expect);
    } else if ((buf = malloc((size_t)n * sizeof *buf)) == NULL ||
               H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        finding(f, "%s: cannot be read: checksum (Fletcher-32) mismatch or damaged chunk", path);
        free(buf);
        buf = NULL;
    }
    H5Dclose(d);
    return buf;
}

/* Every dimension of dataset `path` has a dimension scale attached. */
static void check_scales(hid_t file, const char *path, int rank, findings *f)
{
    if (H5Lexists(file, path, H5P_DEFAULT) <= 0)
        return;
    hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
    for (int i = 0; i < rank; i++)
        if (H5DSget_num_scales(d, (unsigned)i) < 1)
            finding(f, "%s: dimension %d has no dimension scale (coordinates)", path, i);
    H5Dclose(d);
}

typedef struct journal_check_ctx {
    int64_t n_points;
    int P;
    unsigned char *seen;
    point_record *last; /* last record per point (n_points) */
    int64_t bad_points;
} journal_check_ctx;

static int journal_collect(int type, const void *payload, uint32_t len, void *user)
{
    journal_check_ctx *c = user;
    (void)len;
    if (type != JOURNAL_POINT)
        return SWEEP_OK;
    point_record rec;
    memcpy(&rec, payload, sizeof rec);
    if (rec.point < 0 || rec.point >= c->n_points) {
        c->bad_points++;
        return SWEEP_OK;
    }
    c->seen[rec.point] = 1;
    c->last[rec.point] = rec;
    return SWEEP_OK;
}

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

int cmd_verify_main(int argc, char **argv)
{
    int exit_code = UFMSWEEP_EXIT_FAIL, json = 0;
    const char *path = NULL, *live_note = "";
    sweep_errbuf eb;
    findings f = {json_array(), 0};
    char *text = NULL;
    size_t len = 0;
    spec *s = NULL;
    store *st = NULL;
    hid_t file = -1;
    uint8_t *state = NULL;
    int32_t *attempts = NULL;

    sweep_errbuf_clear(&eb);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: ufmsweep verify STORE.h5 [--json]\n\n"
                   "Re-read every dataset of a store (Fletcher-32 checksums of every chunk) and check\n"
                   "its schema (objects, types, shapes, dimension scales), the spec and grid hashes\n"
                   "against /provenance/spec, every coordinate against the spec's axis values, each\n"
                   "/provenance/runs row, the consistency of /status with the data (done points\n"
                   "have their results, pending points none) and, when STORE.h5.journal exists, that\n"
                   "the journal holds every done point with the same values. Exit 0 when all hold;\n"
                   "otherwise a list of findings and exit 1.\n");
            json_decref(f.list);
            return UFMSWEEP_EXIT_OK;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (argv[i][0] == '-' || path != NULL) {
            fprintf(stderr, "ufmsweep verify: unexpected argument '%s' (see --help)\n", argv[i]);
            json_decref(f.list);
            return UFMSWEEP_EXIT_FAIL;
        } else {
            path = argv[i];
        }
    }
    if (path == NULL) {
        fprintf(stderr, "ufmsweep verify: no store given (usage: ufmsweep verify STORE.h5)\n");
        json_decref(f.list);
        return UFMSWEEP_EXIT_FAIL;
    }
    /* 1. opens, is ours, schema version; spec text and its hashes */
    if (store_open(path, NULL, 0, &st, &eb) != SWEEP_OK) {
        finding(&f, "%s", eb.msg);
        goto report;
    }
    if (store_spec_text(path, 0, &text, &len, &eb) != SWEEP_OK) {
        finding(&f, "%s", eb.msg);
        goto report;
    }
    char want_spec[80], want_grid[80], got_spec[65];
    store_attr_string(st, "spec_sha256", want_spec, sizeof want_spec);
    store_attr_string(st, "grid_sha256", want_grid, sizeof want_grid);
    sha256_hex(text, len, got_spec);
    if (strcmp(got_spec, want_spec) != 0)
        finding(&f, "/provenance/spec: its SHA-256 %.16s... differs from the spec_sha256 attribute "
                    "%.16s... (the spec text was changed)",
                got_spec, want_spec);
    {
        /* the spec the store was made for: the text with its overrides applied */
        char *resolved = NULL;
        size_t rlen = 0;
        if (store_spec_text(path, 1, &resolved, &rlen, &eb) != SWEEP_OK) {
            finding(&f, "%s", eb.msg);
            goto report;
        }
        const int pr = spec_parse_trusted(path, resolved, rlen, &s, &eb);
        free(resolved);
        if (pr != SWEEP_OK) {
            finding(&f, "/provenance/spec: does not parse: %s", eb.msg);
            goto report;
        }
    }
    if (strcmp(s->grid_sha256, want_grid) != 0 && strcmp(s->legacy_sha256, want_grid) != 0)
        finding(&f, "/provenance/spec: grid hash %.16s... differs from grid_sha256 %.16s...",
                s->grid_sha256, want_grid);
    const int64_t n = s->n_points;
    if (store_n_points(st) != n) {
        finding(&f, "n_points %lld differs from the spec's grid (%lld points)",
                (long long)store_n_points(st), (long long)n);
        goto report;
    }
    /* coordinates and provenance rows: what labels the results and what says how they came */
    sweep_errbuf_clear(&eb);
    if (store_verify_coords(st, s, &eb) != SWEEP_OK)
        finding(&f, "%s", eb.msg);
    sweep_errbuf_clear(&eb);
    if (store_verify_runs(st, &eb) != SWEEP_OK)
        finding(&f, "%s", eb.msg);
    store_discard(&st);
    /* a run that writes the store now (HDF5 marks it open for SWMR writing) commits points while
     * this reads: the state is read first, and what it calls finished had its data committed
     * before it, so finished points are judged; pending ones may gain data between two reads,
     * and the journal may end in a record being appended, so neither is judged then */
    int sb_version = -1, sb_flags = 0;
    if (store_superblock_flags(path, &sb_version, &sb_flags) != SWEEP_OK)
        sb_flags = 0; /* unreadable: the open below says what it is */
    const int live = (sb_flags & 0x04) != 0;
    if (live)
        live_note = "; a run is writing it: judged the points committed so far";
    file = store_h5_open(path, 0, NULL, NULL);

    /* 2. schema and checksums: every dataset read in full */
    state = malloc((size_t)n);
    attempts = malloc((size_t)n * sizeof *attempts);
    double *st_d = read_all(file, STORE_STATE, (size_t)n, &f);
    double *at_d = read_all(file, STORE_ATTEMPTS, (size_t)n, &f);
    double *ts = read_all(file, STORE_THEORY_SOURCE, (size_t)n, &f);
    if (st_d == NULL || at_d == NULL || ts == NULL || state == NULL || attempts == NULL) {
        free(st_d);
        free(at_d);
        free(ts);
        goto report;
    }
    for (int64_t p = 0; p < n; p++) {
        state[p] = (uint8_t)st_d[p];
        attempts[p] = (int32_t)at_d[p];
    }
    free(st_d);
    free(at_d);
    const char *status_ds[] = {STORE_RANK, STORE_WALL, STORE_OUTCOME};
    for (size_t i = 0; i < 3; i++)
        free(read_all(file, status_ds[i], (size_t)n, &f));
    int has_results = H5Lexists(file, STORE_RESULTS, H5P_DEFAULT) > 0;
    int has_traces = H5Lexists(file, STORE_TRACES, H5P_DEFAULT) > 0;
    if (s->any_solve && !has_results)
        finding(&f, "/results: missing although the spec solves");
    const int R = s->n_axes;
    char dpath[160];
    double *res_loss = NULL, *res_obj = NULL, *res_w = NULL, *th_w = NULL;
    for (int i = 0; i < GEOM_METRICS_COUNT; i++) {
        snprintf(dpath, sizeof dpath, STORE_THEORY "/%s", geom_metric_name(i));
        double *v = read_all(file, dpath, (size_t)n, &f);
        check_scales(file, dpath, R, &f);
        if (!strcmp(geom_metric_name(i), "w_fro"))
            th_w = v; /* ||W||_F exists for every problem (a ratio of norms needs a minority) */
        else
            free(v);
        if (has_results) {
            snprintf(dpath, sizeof dpath, STORE_RESULTS "/%s", geom_metric_name(i));
            v = read_all(file, dpath, (size_t)n, &f);
            check_scales(file, dpath, R, &f);
            if (!strcmp(geom_metric_name(i), "w_fro"))
                res_w = v;
            else
                free(v);
        }
    }
    for (int i = 0; has_results && i < POINT_SOLVE_FIELDS; i++) {
        snprintf(dpath, sizeof dpath, STORE_RESULTS "/%s", point_solve_field_name(i));
        double *v = read_all(file, dpath, (size_t)n, &f);
        if (i == 0)
            res_loss = v;
        else if (i == 1)
            res_obj = v;
        else
            free(v);
    }
    if (has_traces) {
        for (int i = 0; i < POINT_TRACE_FIELDS; i++) {
            snprintf(dpath, sizeof dpath, STORE_TRACES "/%s", point_trace_field_name(i));
            free(read_all(file, dpath, (size_t)n * (size_t)s->trace_points, &f));
            check_scales(file, dpath, R + 1, &f);
        }
    }
    check_scales(file, STORE_STATE, R, &f);

    /* 3. status against data */
    int64_t bad_done = 0, bad_pending = 0, bad_attempts = 0, first_done = -1, first_pending = -1;
    int64_t bad_study = 0, first_study = -1;
    int solver_axis = 0; /* the solver varies over the grid: ask each point whether it solves */
    for (int a = 0; a < s->n_axes; a++)
        solver_axis |= !strcmp(s->axes[a].def->name, "solver");
    for (int64_t p = 0; p < n; p++) {
        int solved = has_results && res_loss != NULL;
        if (solved && solver_axis && state[p] != POINT_NOT_IN_STUDY) {
            /* a theory-only point (solver none) beside solving ones has no results */
            point_params pp;
            if (spec_point_params(s, p, &pp, NULL) == SWEEP_OK)
                solved = point_solver_info(pp.solver)->solves;
        }
        if ((state[p] == POINT_NOT_IN_STUDY) != (spec_point_block(s, p) < 0) &&
            bad_study++ == 0)
            first_study = p;
        if (state[p] == POINT_NOT_IN_STUDY) {
            continue;
        } else if (state[p] == POINT_DONE || state[p] == POINT_NOT_CONVERGED) {
            int ok = ts[p] >= 0;
            /* a solve left ||W|| and its training loss (ufm) or objective (the reference
             * solvers, which have no training loss) */
            if (solved && res_w != NULL && !(isfinite(res_loss[p]) ||
                                             (res_obj != NULL && isfinite(res_obj[p])))) {
                /* a measured network (solver external) has no loss or objective of ours */
                point_params pp;
                ok = ok && s->any_external && spec_point_params(s, p, &pp, NULL) == SWEEP_OK &&
                     pp.solver == POINT_SOLVER_EXTERNAL;
            }
            if (solved && res_w != NULL)
                ok = ok && isfinite(res_w[p]);
            if (ts[p] == POINT_THEORY_CLOSED_FORM && th_w != NULL)
                ok = ok && isfinite(th_w[p]);
            if (!ok && bad_done++ == 0)
                first_done = p;
            if (attempts[p] != 1)
                bad_attempts++;
        } else if (state[p] == POINT_PENDING) {
            int ok = live || (ts[p] == -1 && attempts[p] == 0);
            if (solved && !live)
                ok = ok && isnan(res_loss[p]);
            if (!ok && bad_pending++ == 0)
                first_pending = p;
        } else if (state[p] != POINT_FAILED) {
            finding(&f, "/status/state: point %lld has state %d (valid: 0-4)", (long long)p,
                    state[p]);
        }
    }
    if (bad_study > 0) {
        char label[256];
        spec_point_label(s, first_study, label, sizeof label);
        finding(&f, "/status/state: %lld point(s) whose not-in-study state disagrees with the "
                    "spec's blocks, first point %lld (%s)",
                (long long)bad_study, (long long)first_study, label);
    }
    if (bad_done > 0) {
        char label[256];
        spec_point_label(s, first_done, label, sizeof label);
        finding(&f, "/status: %lld done point(s) without their data, first point %lld (%s)",
                (long long)bad_done, (long long)first_done, label);
    }
    if (bad_pending > 0) {
        char label[256];
        spec_point_label(s, first_pending, label, sizeof label);
        finding(&f, "/status: %lld pending point(s) holding data, first point %lld (%s)",
                (long long)bad_pending, (long long)first_pending, label);
    }
    if (bad_attempts > 0)
        finding(&f, "/status/attempts: %lld finished point(s) recorded more than once",
                (long long)bad_attempts);
    free(ts);
    free(res_loss);
    free(res_obj);
    free(res_w);
    free(th_w);

    /* 4. the journal, when present: it holds every done point with the same values */
    char jpath[4200];
    snprintf(jpath, sizeof jpath, "%s.journal", path);
    if (access(jpath, F_OK) == 0) {
        journal *j = NULL;
        sweep_errbuf eb2;
        sweep_errbuf_clear(&eb2);
        const int P = has_traces ? s->trace_points : 0;
        if (journal_check(jpath, got_spec, s->grid_sha256, s->legacy_sha256, &eb2) != SWEEP_OK) {
            finding(&f, "%s", eb2.msg);
        } else {
            journal_check_ctx c = {n, P, calloc((size_t)n, 1), calloc((size_t)n, sizeof(point_record)),
                                   0};
            if (c.seen != NULL && c.last != NULL &&
                journal_open_readonly(jpath, got_spec, s->grid_sha256, s->legacy_sha256,
                                      s->any_ufm ? s->trace_points : 0, &j, &eb2) == SWEEP_OK) {
                journal_replay_report rep;
                if (journal_replay(j, journal_collect, &c, &rep, &eb2) != SWEEP_OK)
                    finding(&f, "%s", eb2.msg);
                if (rep.torn_tail_bytes > 0 && !live)
                    finding(&f, "%s: ends in a torn record (%lld bytes; `run --resume` cuts it)",
                            jpath, rep.torn_tail_bytes);
                if (rep.skipped_bytes > 0)
                    finding(&f, "%s: %lld corrupt bytes in %d region(s), the first at byte %lld "
                                "(skipped: replay uses every intact record after them)",
                            jpath, rep.skipped_bytes, rep.skipped_regions,
                            rep.first_skip_offset);
                store *st2 = NULL;
                int64_t missing = 0, differ = 0, first_missing = -1, first_differ = -1;
                if (store_open(path, NULL, 0, &st2, &eb2) == SWEEP_OK) {
                    for (int64_t p = 0; p < n; p++) {
                        if (state[p] == POINT_PENDING || state[p] == POINT_NOT_IN_STUDY)
                            continue;
                        if (!c.seen[p]) {
                            if (missing++ == 0)
                                first_missing = p;
                            continue;
                        }
                        point_record rec;
                        if (store_read_points(st2, &p, 1, &rec, NULL, &eb2) != SWEEP_OK)
                            break;
                        int same = rec.state == c.last[p].state;
                        for (int i = 0; i < GEOM_METRICS_COUNT; i++)
                            same = same && same_double(rec.theory[i], c.last[p].theory[i]) &&
                                   same_double(rec.result[i], c.last[p].result[i]);
                        if (!same && differ++ == 0)
                            first_differ = p;
                    }
                    store_discard(&st2);
                }
                if (missing > 0)
                    finding(&f, "%s: %lld done point(s) of the store are not in the journal, first "
                                "point %lld",
                            jpath, (long long)missing, (long long)first_missing);
                if (differ > 0)
                    finding(&f, "%s: %lld point(s) differ between journal and store, first point "
                                "%lld",
                            jpath, (long long)differ, (long long)first_differ);
                if (c.bad_points > 0)
                    finding(&f, "%s: %lld record(s) name points outside the grid", jpath,
                            (long long)c.bad_points);
            } else {
                finding(&f, "%s: %s", jpath, eb2.msg[0] ? eb2.msg : "cannot be read");
            }
            journal_close(&j);
            free(c.seen);
            free(c.last);
        }
    }

report:
    if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "store", json_string(path));
        json_object_set_new(o, "ok", json_boolean(f.n == 0));
        json_object_set_new(o, "writing", json_boolean(live_note[0] != '\0'));
        json_object_set_new(o, "findings", json_incref(f.list));
        if (report_json_print(stdout, o) != SWEEP_OK)
            finding(&f, "cannot write the JSON to stdout");
        json_decref(o);
    } else if (f.n == 0) {
        printf("%s: OK (checksums of every chunk, schema, hashes, status against data, journal "
               "when present)%s\n",
               path, live_note);
    } else {
        printf("%s: %d finding(s):\n", path, f.n);
        size_t i;
        json_t *v;
        json_array_foreach(f.list, i, v) printf("  - %s\n", json_string_value(v));
    }
    exit_code = f.n == 0 ? UFMSWEEP_EXIT_OK : UFMSWEEP_EXIT_FAIL;
    if (file >= 0)
        H5Fclose(file);
    store_discard(&st);
    spec_destroy(&s);
    free(text);
    free(state);
    free(attempts);
    json_decref(f.list);
    return exit_code;
}
