/* store_verify.c - the checks of `ufmsweep verify`: identity, coordinates, provenance rows, every dataset
 * against its checksums and the schema, status against data, the journal. Root rank. */
#include "store_impl.h"

#include "journal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int store_verify_identity(store *st, const spec *s, sweep_errbuf *eb)
{
    char *text = NULL, want_spec[80] = "", want_grid[80] = "", got[65];
    size_t len = 0;
    int ret = store_spec_text(st->path, 0, &text, &len, eb);
    if (ret != SWEEP_OK)
        return ret;
    sha256_hex(text, len, got);
    free(text);
    h5_attr_read_string(st->file, "spec_sha256", want_spec, sizeof want_spec);
    h5_attr_read_string(st->file, "grid_sha256", want_grid, sizeof want_grid);
    if (strcmp(got, want_spec) != 0)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED,
                             "%s: /provenance/spec was changed after the store was made (its "
                             "SHA-256 %.16s... is not the spec_sha256 %.16s... it was made with)",
                             st->path, got, want_spec);
    if (strcmp(s->grid_sha256, want_grid) != 0 && strcmp(s->legacy_sha256, want_grid) != 0)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED,
                             "%s: its spec (with its overrides) means another study than the one "
                             "it was made for (grid hash %.16s..., grid_sha256 %.16s...)",
                             st->path, s->grid_sha256, want_grid);
    return SWEEP_OK;
}

/* The axis values of one coordinate dataset against the spec's, bit for bit. */
/* A points-layout label column: n_points x L characters (store_create.c) against ax's text. */
static int verify_label_column(hid_t d, const spec_axis *ax, const hsize_t *dims,
                               const char *where, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    if (dims[0] != (hsize_t)ax->n || dims[1] < 1 || dims[1] > 4096)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: %llu x %llu characters, the spec has %d "
                                                    "points",
                             where, (unsigned long long)dims[0], (unsigned long long)dims[1], ax->n);
    const size_t L = (size_t)dims[1];
    char *buf = malloc((size_t)ax->n * L), *one = malloc(L + 1);
    hid_t ct = h5_string_type(1);
    if (buf == NULL || one == NULL || ct < 0)
        ret = SWEEP_ERR_NOMEM;
    else if (H5Dread(d, ct, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: cannot be read (checksum mismatch or "
                                                   "damaged chunk)", where);
    for (int i = 0; ret == SWEEP_OK && i < ax->n; i++) {
        memcpy(one, buf + (size_t)i * L, L);
        one[L] = '\0';
        if (strcmp(one, ax->text[i]) != 0)
            ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: value %d is '%s' where the spec says "
                                                       "'%s'",
                                where, i, one, ax->text[i]);
    }
    if (ct >= 0)
        H5Tclose(ct);
    free(buf);
    free(one);
    return ret;
}

static int verify_one_scale(hid_t d, const spec_axis *ax, const char *where, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    hid_t sp = H5Dget_space(d);
    hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    hsize_t dims[2] = {0, 0};
    const int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    if (rank == 2)
        H5Sget_simple_extent_dims(sp, dims, NULL);
    if (sp >= 0)
        H5Sclose(sp);
    if (rank == 2 && !ax->numeric)
        return verify_label_column(d, ax, dims, where, eb);
    if (n != ax->n)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: %lld values, the spec's axis has %d",
                             where, (long long)n, ax->n);
    if (ax->numeric) {
        double *v = malloc((size_t)n * sizeof *v);
        if (v == NULL)
            return SWEEP_ERR_NOMEM;
        if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
            ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: cannot be read (checksum mismatch "
                                                       "or damaged chunk)", where);
        for (hssize_t i = 0; ret == SWEEP_OK && i < n; i++)
            if (memcmp(&v[i], &ax->num[i], sizeof v[i]) != 0)
                ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED,
                                    "%s: value %lld is %.17g where the spec says %s (a changed "
                                    "coordinate relabels every result along it)",
                                    where, (long long)i, v[i], ax->text[i]);
        free(v);
        return ret;
    }
    char **v = calloc((size_t)n, sizeof *v);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    if (v == NULL)
        ret = SWEEP_ERR_NOMEM;
    else if (H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: cannot be read", where);
    for (hssize_t i = 0; ret == SWEEP_OK && i < n; i++)
        if (v[i] == NULL || strcmp(v[i], ax->text[i]) != 0)
            ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: value %lld is '%s' where the spec "
                                                       "says '%s'",
                                where, (long long)i, v[i] != NULL ? v[i] : "", ax->text[i]);
    if (v != NULL) {
        hid_t msp = H5Screate_simple(1, (const hsize_t[]){(hsize_t)n}, NULL);
#if H5_VERSION_GE(1, 12, 0)
        H5Treclaim(t, msp, H5P_DEFAULT, v);
#else
        H5Dvlen_reclaim(t, msp, H5P_DEFAULT, v);
#endif
        H5Sclose(msp);
    }
    free(v);
    H5Tclose(t);
    return ret;
}

int store_verify_coords(store *st, const spec *s, sweep_errbuf *eb)
{
    static const char *groups[] = {STORE_COORDS, STORE_THEORY, STORE_STATUS, STORE_RESULTS, STORE_TRACES};
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        if (H5Lexists(st->file, groups[g], H5P_DEFAULT) <= 0)
            continue;
        for (int a = 0; a < s->n_axes; a++) {
            char dn[64], where[128];
            store_axis_dim_name(&s->axes[a], dn, sizeof dn);
            snprintf(where, sizeof where, "%s/%s", groups[g], dn);
            hid_t d = h5_open_dataset(st->file, where);
            if (d < 0)
                return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: missing", where);
            int ret;
            if (s->layout == SPEC_LAYOUT_POINTS) {
                /* the axis's value at every point */
                spec_axis col;
                ret = spec_axis_at_points(s, a, &col);
                if (ret == SWEEP_OK) {
                    ret = verify_one_scale(d, &col, where, eb);
                    free(col.text);
                    free(col.num);
                }
            } else {
                ret = verify_one_scale(d, &s->axes[a], where, eb);
            }
            H5Dclose(d);
            if (ret != SWEEP_OK)
                return ret;
        }
    }
    if (st->P > 0 && store_field_dataset(st, RECORD_GROUP_TRACES, "iter") >= 0) {
        const char *tn = s->trace_iters >= 0 ? "trace_iter" : "trace_point";
        char where[64];
        snprintf(where, sizeof where, STORE_TRACES "/%s", tn);
        hid_t d = h5_open_dataset(st->file, where);
        if (d < 0)
            return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: missing", where);
        int64_t *got = malloc((size_t)st->P * sizeof *got), *want = malloc((size_t)st->P * sizeof *want);
        int ret = got == NULL || want == NULL ? SWEEP_ERR_NOMEM : SWEEP_OK;
        if (ret == SWEEP_OK) {
            if (s->trace_iters >= 0)
                ret = ufm_trace_iters(s->trace_iters, st->P, want);
            else
                for (int j = 0; j < st->P; j++)
                    want[j] = j;
        }
        if (ret == SWEEP_OK) {
            hid_t sp = H5Dget_space(d);
            hssize_t n = H5Sget_simple_extent_npoints(sp);
            H5Sclose(sp);
            if (n != st->P || H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, got) < 0)
                ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: cannot be read, or not %d values",
                                    where, st->P);
            for (int j = 0; ret == SWEEP_OK && j < st->P; j++)
                if (got[j] != want[j])
                    ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: value %d is %lld, the spec "
                                                               "gives %lld",
                                        where, j, (long long)got[j], (long long)want[j]);
        }
        free(got);
        free(want);
        H5Dclose(d);
        if (ret != SWEEP_OK)
            return ret;
    }
    return SWEEP_OK;
}

int store_verify_runs(store *st, sweep_errbuf *eb)
{
    int n = 0;
    if (st->runs < 0)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "/provenance/runs: missing");
    if (store_run_count(st, &n) != SWEEP_OK)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "/provenance/runs: cannot be read");
    static const char *reasons[] = {"running", "complete", "signal", "error", "killed"};
    for (int i = 0; i < n; i++) {
        store_run_row row;
        if (store_run_get(st, i, &row) != SWEEP_OK)
            return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "/provenance/runs: row %d cannot be read "
                                                        "(checksum mismatch or damaged chunk)", i);
        int known = 0;
        for (size_t r = 0; r < sizeof reasons / sizeof reasons[0]; r++)
            known |= memchr(row.exit_reason, '\0', sizeof row.exit_reason) != NULL &&
                     !strcmp(row.exit_reason, reasons[r]);
        if (row.run != i || row.ranks < 1 || row.points_done < 0 || !known ||
            memchr(row.start_utc, '\0', sizeof row.start_utc) == NULL ||
            memchr(row.hostname, '\0', sizeof row.hostname) == NULL)
            return sweep_err_set(eb, SWEEP_ERR_DAMAGED,
                                 "/provenance/runs: row %d is inconsistent (run %d, ranks %d, "
                                 "points_done %lld, exit_reason '%.31s')",
                                 i, row.run, row.ranks, (long long)row.points_done,
                                 row.exit_reason);
    }
    return SWEEP_OK;
}

/* ---- store_verify: every check of `ufmsweep verify` ---- */

typedef struct verify_ctx {
    const char *path;
    store_finding_fn report;
    void *user;
    int n;          /* findings so far */
    store *st;
    spec *s;
    char spec_sha[65];
    int live;       /* a run writes the store now */
    int has_traces;
} verify_ctx;

static void finding(verify_ctx *v, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void finding(verify_ctx *v, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    v->report(v->user, buf);
    v->n++;
}

/* 1. opens, is ours, schema version; the spec text against spec_sha256, the spec it makes
 * against grid_sha256 and n_points; coordinates and provenance rows. 0: go on. */
static int verify_identity(verify_ctx *v)
{
    sweep_errbuf eb;
    char *text = NULL, want_spec[80], want_grid[80];
    size_t len = 0;
    sweep_errbuf_clear(&eb);
    if (store_open(v->path, NULL, 0, &v->st, &eb) != SWEEP_OK ||
        store_spec_text(v->path, 0, &text, &len, &eb) != SWEEP_OK) {
        finding(v, "%s", eb.msg);
        return -1;
    }
    h5_attr_read_string(v->st->file, "spec_sha256", want_spec, sizeof want_spec);
    h5_attr_read_string(v->st->file, "grid_sha256", want_grid, sizeof want_grid);
    sha256_hex(text, len, v->spec_sha);
    free(text);
    if (strcmp(v->spec_sha, want_spec) != 0)
        finding(v, "/provenance/spec: its SHA-256 %.16s... differs from the spec_sha256 "
                   "attribute %.16s... (the spec text was changed)",
                v->spec_sha, want_spec);
    /* the spec the store was made for: the text with its overrides applied */
    char *resolved = NULL;
    size_t rlen = 0;
    if (store_spec_text(v->path, 1, &resolved, &rlen, &eb) != SWEEP_OK) {
        finding(v, "%s", eb.msg);
        return -1;
    }
    const int pr = spec_parse_trusted(v->path, resolved, rlen, &v->s, &eb);
    free(resolved);
    if (pr != SWEEP_OK) {
        finding(v, "/provenance/spec: does not parse: %s", eb.msg);
        return -1;
    }
    if (spec_set_layout(v->s, v->st->layout, &eb) != SWEEP_OK) {
        finding(v, "/provenance/spec: cannot be laid out as the store is (%s): %s",
                spec_layout_name(v->st->layout), eb.msg);
        return -1;
    }
    if (strcmp(v->s->grid_sha256, want_grid) != 0 && strcmp(v->s->legacy_sha256, want_grid) != 0)
        finding(v, "/provenance/spec: grid hash %.16s... differs from grid_sha256 %.16s...",
                v->s->grid_sha256, want_grid);
    if (v->st->n_points != v->s->n_points) {
        finding(v, "n_points %lld differs from the spec's grid (%lld points)",
                (long long)v->st->n_points, (long long)v->s->n_points);
        return -1;
    }
    sweep_errbuf_clear(&eb);
    if (store_verify_coords(v->st, v->s, &eb) != SWEEP_OK)
        finding(v, "%s", eb.msg);
    sweep_errbuf_clear(&eb);
    if (store_verify_runs(v->st, &eb) != SWEEP_OK)
        finding(v, "%s", eb.msg);
    return 0;
}

/* the fields status against data judges by: whole datasets as doubles, NULL where absent */
enum { V_STATE, V_ATTEMPTS, V_THEORY_SOURCE, V_TRAIN_LOSS, V_OBJECTIVE, V_RES_W, V_TH_W, V_KEPT };

typedef struct verify_data {
    double *v[V_KEPT];
} verify_data;

static void verify_data_free(verify_data *d)
{
    for (int k = 0; k < V_KEPT; k++)
        free(d->v[k]);
}

static int kept_slot(const record_field *f)
{
    static const struct {
        record_group g;
        const char *name;
        int slot;
    } kept[] = {{RECORD_GROUP_STATUS, "state", V_STATE},
                {RECORD_GROUP_STATUS, "attempts", V_ATTEMPTS},
                {RECORD_GROUP_THEORY, "theory_source", V_THEORY_SOURCE},
                {RECORD_GROUP_RESULTS, "train_loss", V_TRAIN_LOSS},
                {RECORD_GROUP_RESULTS, "objective", V_OBJECTIVE},
                /* ||W||_F exists for every problem (a ratio of norms needs a minority) */
                {RECORD_GROUP_RESULTS, "w_fro", V_RES_W},
                {RECORD_GROUP_THEORY, "w_fro", V_TH_W}};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
        if (kept[i].g == f->group && strcmp(kept[i].name, f->name) == 0)
            return kept[i].slot;
    return -1;
}

/* 2. schema and checksums: every field of the table that this store must hold is read whole
 * (the state first: what it calls finished had its data committed before it, also while a run
 * writes), its dimension scales checked; the fields status against data needs are kept. */
static int verify_datasets(verify_ctx *v, verify_data *d)
{
    store *st = v->st;
    const int64_t n = st->n_points;
    const int R = st->rank;
    v->has_traces = H5Lexists(st->file, STORE_TRACES, H5P_DEFAULT) > 0;
    if (v->s->any_solve && !st->has_results)
        finding(v, "/results: missing although the spec solves");
    for (int i = 0; i < st->n_fields; i++) {
        const record_field *f = &st->fields[i];
        const int trace = f->group == RECORD_GROUP_TRACES;
        if ((f->group == RECORD_GROUP_RESULTS && !st->has_results) || (trace && !v->has_traces))
            continue;
        if (st->ds[i] < 0) {
            if (!f->optional)
                finding(v, "%s/%s: missing", record_group_path(f->group), f->name);
            continue;
        }
        for (int a = 0; a < R + trace; a++)
            if (H5DSget_num_scales(st->ds[i], (unsigned)a) < 1)
                finding(v, "%s/%s: dimension %d has no dimension scale (coordinates)",
                        record_group_path(f->group), f->name, a);
        if (f->stored == RECORD_CHAR)
            continue; /* read below */
        const size_t len = (size_t)n * (size_t)(trace ? st->P : 1);
        double *buf = malloc((len > 0 ? len : 1) * sizeof *buf);
        sweep_errbuf eb;
        sweep_errbuf_clear(&eb);
        if (buf == NULL)
            return SWEEP_ERR_NOMEM;
        if (store_read_field(st, i, buf, &eb) != SWEEP_OK) {
            finding(v, "%s", eb.msg);
            free(buf);
            buf = NULL;
        }
        const int slot = kept_slot(f);
        if (slot >= 0)
            d->v[slot] = buf;
        else
            free(buf);
    }
    char *msgs = malloc((size_t)n * (MSG_LEN + 1) + 1);
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    if (msgs == NULL)
        return SWEEP_ERR_NOMEM;
    if (store_read_messages(st, msgs, MSG_LEN + 1, &eb) != SWEEP_OK)
        finding(v, "%s", eb.msg);
    free(msgs);
    return SWEEP_OK;
}

/* Whether point p solves (has results): a theory-only point (solver none) beside solving ones
 * has none. */
static int point_solves(const spec *s, int solver_axis, int64_t p)
{
    point_params pp;
    if (!solver_axis)
        return 1;
    return spec_point_params(s, p, &pp, NULL) != SWEEP_OK || point_solver_info(pp.solver)->solves;
}

/* a finished point has its data: a theory source, and when it solves ||W|| and its training loss
 * (ufm) or objective (reference solvers, which have no training loss) */
static int finished_has_data(const verify_ctx *v, const verify_data *d, int64_t p, int solved)
{
    const double *ts = d->v[V_THEORY_SOURCE], *loss = d->v[V_TRAIN_LOSS];
    const double *obj = d->v[V_OBJECTIVE], *rw = d->v[V_RES_W], *tw = d->v[V_TH_W];
    int ok = ts[p] >= 0;
    if (solved && rw != NULL && !(isfinite(loss[p]) || (obj != NULL && isfinite(obj[p])))) {
        /* a measured network (solver external) has no loss or objective of ours */
        point_params pp;
        ok = ok && v->s->any_external && spec_point_params(v->s, p, &pp, NULL) == SWEEP_OK &&
             pp.solver == POINT_SOLVER_EXTERNAL;
    }
    if (solved && rw != NULL)
        ok = ok && isfinite(rw[p]);
    if (ts[p] == POINT_THEORY_CLOSED_FORM && tw != NULL)
        ok = ok && isfinite(tw[p]);
    return ok;
}

/* "WHERE: COUNT WHAT, first point FIRST (its label)" when count > 0 */
static void first_point_finding(verify_ctx *v, const char *where, int64_t count, const char *what,
                                int64_t first)
{
    char label[256];
    if (count <= 0)
        return;
    spec_point_label(v->s, first, label, sizeof label);
    finding(v, "%s: %lld %s, first point %lld (%s)", where, (long long)count, what,
            (long long)first, label);
}

/* 3. status against data */
static void verify_status(verify_ctx *v, const verify_data *d)
{
    const spec *s = v->s;
    const double *state = d->v[V_STATE], *attempts = d->v[V_ATTEMPTS];
    const double *ts = d->v[V_THEORY_SOURCE], *loss = d->v[V_TRAIN_LOSS];
    int64_t bad_done = 0, bad_pending = 0, bad_attempts = 0, bad_study = 0;
    int64_t first_done = -1, first_pending = -1, first_study = -1;
    int solver_axis = 0; /* the solver varies over the grid: ask each point whether it solves */
    for (int a = 0; a < s->n_axes; a++)
        solver_axis |= !strcmp(s->axes[a].def->name, "solver");
    for (int64_t p = 0; p < s->n_points; p++) {
        const int sp = (int)state[p];
        const int solved = v->st->has_results && loss != NULL && sp != POINT_NOT_IN_STUDY &&
                           point_solves(s, solver_axis, p);
        if ((sp == POINT_NOT_IN_STUDY) != (spec_point_block(s, p) < 0) && bad_study++ == 0)
            first_study = p;
        if (sp == POINT_NOT_IN_STUDY) {
            continue;
        } else if (sp == POINT_DONE || sp == POINT_NOT_CONVERGED) {
            if (!finished_has_data(v, d, p, solved) && bad_done++ == 0)
                first_done = p;
            if (attempts[p] != 1)
                bad_attempts++;
        } else if (sp == POINT_PENDING) {
            int ok = v->live || (ts[p] == -1 && attempts[p] == 0);
            if (solved && !v->live)
                ok = ok && isnan(loss[p]);
            if (!ok && bad_pending++ == 0)
                first_pending = p;
        } else if (sp != POINT_FAILED) {
            finding(v, "/status/state: point %lld has state %d (valid: 0-%d)", (long long)p, sp,
                    POINT_STATE_COUNT - 1);
        }
    }
    first_point_finding(v, "/status/state", bad_study,
                        "point(s) whose not-in-study state disagrees with the spec's blocks",
                        first_study);
    first_point_finding(v, "/status", bad_done, "done point(s) without their data", first_done);
    first_point_finding(v, "/status", bad_pending, "pending point(s) holding data",
                        first_pending);
    if (bad_attempts > 0)
        finding(v, "/status/attempts: %lld finished point(s) recorded more than once",
                (long long)bad_attempts);
}

typedef struct journal_check_ctx {
    int64_t n_points;
    unsigned char *seen;
    point_record *last; /* last record per point (n_points) */
    int64_t bad_points;
    int64_t points;      /* point records */
    int checkpointed;    /* a checkpoint record: the points before it are in the store only */
} journal_check_ctx;

static int journal_collect(int type, const void *payload, uint32_t len, void *user)
{
    journal_check_ctx *c = user;
    (void)len;
    c->checkpointed |= type == JOURNAL_CHECKPOINT;
    if (type != JOURNAL_POINT)
        return SWEEP_OK;
    c->points++;
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

/* every finished point of the store against the journal's last record of it */
static void journal_against_store(verify_ctx *v, const journal_check_ctx *c, const double *state,
                                  const char *jpath)
{
    int64_t missing = 0, differ = 0, first_missing = -1, first_differ = -1;
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    /* a journal that was checkpointed, or never held a point (cut to its header by a checkpoint
     * that was killed), holds only what came after: the store alone holds the rest */
    const int whole = !c->checkpointed && c->points > 0;
    for (int64_t p = 0; p < c->n_points; p++) {
        if (state[p] == POINT_PENDING || state[p] == POINT_NOT_IN_STUDY)
            continue;
        if (!c->seen[p] && !whole)
            continue;
        if (!c->seen[p]) {
            if (missing++ == 0)
                first_missing = p;
            continue;
        }
        point_record rec;
        if (store_read_points(v->st, &p, 1, &rec, NULL, &eb) != SWEEP_OK) {
            finding(v, "%s", eb.msg);
            break;
        }
        int same = rec.state == c->last[p].state;
        for (int i = 0; i < GEOM_METRICS_COUNT; i++)
            same = same && same_double(rec.theory[i], c->last[p].theory[i]) &&
                   same_double(rec.result[i], c->last[p].result[i]);
        if (!same && differ++ == 0)
            first_differ = p;
    }
    if (missing > 0)
        finding(v, "%s: %lld done point(s) of the store are not in the journal, first point %lld",
                jpath, (long long)missing, (long long)first_missing);
    if (differ > 0)
        finding(v, "%s: %lld point(s) differ between journal and store, first point %lld", jpath,
                (long long)differ, (long long)first_differ);
    if (c->bad_points > 0)
        finding(v, "%s: %lld record(s) name points outside the grid", jpath,
                (long long)c->bad_points);
}

/* 4. the journal, when present: its points have the store's values, and a journal never
 * checkpointed (run --keep-journal, or made before 0.4) holds every done point */
static void verify_journal(verify_ctx *v, const double *state)
{
    char jpath[4200];
    snprintf(jpath, sizeof jpath, "%s.journal", v->path);
    if (access(jpath, F_OK) != 0)
        return;
    const spec *s = v->s;
    journal *j = NULL;
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    if (journal_check(jpath, v->spec_sha, s->layout_sha256, spec_layout_alt_sha256(s), &eb) != SWEEP_OK) {
        finding(v, "%s", eb.msg);
        return;
    }
    journal_check_ctx c = {s->n_points, calloc((size_t)s->n_points, 1),
                           calloc((size_t)s->n_points, sizeof(point_record)), 0, 0, 0};
    if (c.seen == NULL || c.last == NULL) {
        finding(v, "%s: not enough memory to check it", jpath);
    } else if (journal_open_readonly(jpath, v->spec_sha, s->layout_sha256, spec_layout_alt_sha256(s),
                                     s->any_ufm ? s->trace_points : 0, &j, &eb) != SWEEP_OK) {
        finding(v, "%s: %s", jpath, eb.msg[0] ? eb.msg : "cannot be read");
    } else {
        journal_replay_report rep;
        if (journal_replay(j, journal_collect, &c, &rep, &eb) != SWEEP_OK)
            finding(v, "%s", eb.msg);
        if (rep.torn_tail_bytes > 0 && !v->live)
            finding(v, "%s: ends in a torn record (%lld bytes; `run --resume` cuts it)", jpath,
                    rep.torn_tail_bytes);
        if (rep.skipped_bytes > 0)
            finding(v, "%s: %lld corrupt bytes in %d region(s), the first at byte %lld "
                       "(skipped: replay uses every intact record after them)",
                    jpath, rep.skipped_bytes, rep.skipped_regions, rep.first_skip_offset);
        journal_against_store(v, &c, state, jpath);
    }
    journal_close(&j);
    free(c.seen);
    free(c.last);
}

int store_verify(const char *path, store_finding_fn report, void *user, int *live, int *findings)
{
    verify_ctx v = {.path = path, .report = report, .user = user};
    verify_data d = {{NULL}};
    int ret = SWEEP_OK;
    /* a run that writes the store now (HDF5 marks it open for SWMR writing) commits points while
     * this reads: finished points are judged; pending ones may gain data between two reads, and
     * the journal may end in a record being appended, so neither is judged then */
    int sb_version = -1, sb_flags = 0;
    if (store_superblock_flags(path, &sb_version, &sb_flags) != SWEEP_OK)
        sb_flags = 0; /* unreadable: the open says what it is */
    v.live = (sb_flags & 0x04) != 0;
    if (verify_identity(&v) == 0 && (ret = verify_datasets(&v, &d)) == SWEEP_OK &&
        d.v[V_STATE] != NULL && d.v[V_ATTEMPTS] != NULL && d.v[V_THEORY_SOURCE] != NULL) {
        verify_status(&v, &d);
        verify_journal(&v, d.v[V_STATE]);
    }
    verify_data_free(&d);
    store_discard(&v.st);
    spec_destroy(&v.s);
    if (live != NULL)
        *live = v.live;
    if (findings != NULL)
        *findings = v.n;
    return ret;
}
