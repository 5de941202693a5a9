/* store_points.c - point records to and from the store: every field of the record's table, whole fields for
 * the readers (export), copies between stores. Root rank. */
#include "store_impl.h"

#include "fsafe.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

/* The points of src whose state take() accepts, read in batches of WALK_BATCH (every chunk read
 * is checked against its Fletcher-32 checksum), each batch handed to each(); traces too when
 * P > 0 (src's trace length). */
enum { WALK_BATCH = 4096 };
typedef int (*walk_take_fn)(void *user, int64_t p, uint8_t state);
typedef int (*walk_each_fn)(void *user, point_record *recs, double *traces, int count,
                            sweep_errbuf *eb);

static int walk_points(store *src, int P, walk_take_fn take, walk_each_fn each, void *user,
                       sweep_errbuf *eb)
{
    int ret = SWEEP_OK, cnt = 0;
    const int64_t n = src->n_points;
    uint8_t *state = malloc((size_t)(n > 0 ? n : 1));
    int64_t *ids = malloc(WALK_BATCH * sizeof *ids);
    point_record *recs = malloc(WALK_BATCH * sizeof *recs);
    double *traces =
        P > 0 ? malloc((size_t)WALK_BATCH * P * POINT_TRACE_FIELDS * sizeof(double)) : NULL;
    if (state == NULL || ids == NULL || recs == NULL || (P > 0 && traces == NULL)) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM,
                            "%s: cannot allocate the buffers of a read of "
                            "its points",
                            src->path);
        goto cleanup;
    }
    if ((ret = store_read_status(src, state, NULL, eb)) != SWEEP_OK)
        goto cleanup;
    for (int64_t p = 0; p <= n; p++) {
        if (p < n && take(user, p, state[p]))
            ids[cnt++] = p;
        if (cnt == WALK_BATCH || (p == n && cnt > 0)) {
            if ((ret = store_read_points(src, ids, cnt, recs, traces, eb)) != SWEEP_OK ||
                (ret = each(user, recs, traces, cnt, eb)) != SWEEP_OK)
                goto cleanup;
            cnt = 0;
        }
    }
cleanup:
    free(state);
    free(ids);
    free(recs);
    free(traces);
    return ret;
}

static int take_done(void *user, int64_t p, uint8_t state)
{
    (void)user, (void)p;
    return state == POINT_DONE || state == POINT_NOT_CONVERGED;
}

static int each_nothing(void *user, point_record *recs, double *traces, int count, sweep_errbuf *eb)
{
    (void)user, (void)recs, (void)traces, (void)count, (void)eb;
    return SWEEP_OK; /* reading them was the check */
}

int store_check_points(store *st, sweep_errbuf *eb)
{
    sweep_errbuf e2;
    sweep_errbuf_clear(&e2);
    const int ret = walk_points(st, st->P, take_done, each_nothing, NULL, &e2);
    if (ret == SWEEP_ERR_NOMEM)
        return sweep_err_set(eb, ret, "%s", e2.msg);
    if (ret != SWEEP_OK)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED,
                             "%s: its finished points cannot be read back intact (a checksum "
                             "fails or a dataset is damaged): %s",
                             st->path, e2.msg);
    return SWEEP_OK;
}

static int ensure_scratch(store *st, size_t ncoords, size_t nvals)
{
    if (ncoords > st->coords_cap) {
        hsize_t *c = realloc(st->coords, ncoords * sizeof *c);
        if (c == NULL)
            return SWEEP_ERR_NOMEM;
        st->coords = c;
        st->coords_cap = ncoords;
    }
    if (nvals > st->vbuf_cap) {
        double *v = realloc(st->vbuf, nvals * sizeof *v);
        if (v == NULL)
            return SWEEP_ERR_NOMEM;
        st->vbuf = v;
        st->vbuf_cap = nvals;
    }
    return SWEEP_OK;
}

/* The length of the run that starts points[]: points[i] = points[0] + i, all on one row of the
 * last axis (so that one hyperslab holds them). */
static int store_run_length(const store *st, const int64_t *points, int count)
{
    const int64_t last = (int64_t)st->dims[st->rank - 1];
    int e = count > 0 ? 1 : 0;
    while (e < count && points[e] == points[e - 1] + 1 && points[e] % last != 0)
        e++;
    return e;
}

/* The selection of points[0..count) in datasets of the store's shape, each point expanded by
 * a last dimension of reps elements (reps 0: none), into st->sel: one hyperslab when the points
 * are one run (consecutive along the last axis), which HDF5 maps to chunks at once; else an
 * element list, which it walks element by element (store_write_points and store_read_points
 * hand it runs). The data travel in the order of points[]. */
static int select_points(store *st, const int64_t *points, int count, int reps)
{
    const int R = st->rank, W = R + (reps > 0 ? 1 : 0);
    hsize_t dims[MAX_DIMS + 1];
    memcpy(dims, st->dims, (size_t)R * sizeof *dims);
    if (reps > 0)
        dims[R] = (hsize_t)reps;
    if (st->sel >= 0)
        H5Sclose(st->sel);
    if ((st->sel = H5Screate_simple(W, dims, NULL)) < 0)
        return -1;
    if (store_run_length(st, points, count) == count) {
        hsize_t start[MAX_DIMS + 1], cnt[MAX_DIMS + 1];
        int64_t p = points[0];
        for (int a = R - 1; a >= 0; a--) {
            start[a] = (hsize_t)(p % (int64_t)st->dims[a]);
            cnt[a] = 1;
            p /= (int64_t)st->dims[a];
        }
        cnt[R - 1] = (hsize_t)count;
        start[R] = 0;
        cnt[R] = (hsize_t)reps;
        st->sel_rank = W;
        memcpy(st->sel_count, cnt, sizeof cnt);
        return H5Sselect_hyperslab(st->sel, H5S_SELECT_SET, start, NULL, cnt, NULL) < 0 ? -1 : 0;
    }
    st->sel_rank = 0;
    const size_t reps1 = reps > 0 ? (size_t)reps : 1;
    size_t k = 0;
    for (int i = 0; i < count; i++) {
        int64_t p = points[i];
        hsize_t idx[MAX_DIMS];
        for (int a = R - 1; a >= 0; a--) {
            idx[a] = (hsize_t)(p % (int64_t)st->dims[a]);
            p /= (int64_t)st->dims[a];
        }
        for (size_t j = 0; j < reps1; j++) {
            memcpy(st->coords + k * W, idx, (size_t)R * sizeof(hsize_t));
            if (reps > 0)
                st->coords[k * W + R] = (hsize_t)j;
            k++;
        }
    }
    return H5Sselect_elements(st->sel, H5S_SELECT_SET, k, st->coords) < 0 ? -1 : 0;
}

/* read or write nelem elements of dataset d at the current selection (select_points) */
static int rw_points(store *st, hid_t d, hid_t memtype, void *buf, size_t nelem, int write)
{
    hsize_t n = nelem;
    hid_t ms = st->sel_rank > 0 ? H5Screate_simple(st->sel_rank, st->sel_count, NULL)
                                : H5Screate_simple(1, &n, NULL);
    int ret = ms < 0 || st->sel < 0 ? -1 : 0;
    if (ret == 0)
        ret = (write ? H5Dwrite(d, memtype, ms, st->sel, H5P_DEFAULT, buf)
                     : H5Dread(d, memtype, ms, st->sel, H5P_DEFAULT, buf)) < 0
                  ? -1
                  : 0;
    if (ms >= 0)
        H5Sclose(ms);
    return ret;
}

/* Trace field f of n points between the records' trace buffers (traces[i * stride + f * P + j])
 * and the dataset, at the selection select_points(..., P) made. */
static int transfer_trace(store *st, hid_t d, int f, double *traces, size_t n, int write)
{
    const size_t P = (size_t)st->P, stride = P * POINT_TRACE_FIELDS;
    for (size_t i = 0; write && i < n; i++)
        memcpy(st->vbuf + i * P, traces + i * stride + (size_t)f * P, P * sizeof(double));
    const int bad = rw_points(st, d, H5T_NATIVE_DOUBLE, st->vbuf, n * P, write);
    for (size_t i = 0; !write && !bad && i < n; i++)
        memcpy(traces + i * stride + (size_t)f * P, st->vbuf + i * P, P * sizeof(double));
    return bad;
}

/* /status/message of n points: characters along the last dimension (schema 2), or MSG_LEN-byte
 * strings (schema 1). */
static int transfer_message(store *st, hid_t d, point_record *recs, const int64_t *points,
                            int count, int write)
{
    const size_t n = (size_t)count, ml = sizeof recs[0].message;
    char *msg = malloc(n * ml);
    if (msg == NULL)
        return -1;
    for (size_t i = 0; write && i < n; i++)
        memcpy(msg + i * ml, recs[i].message, ml);
    int bad;
    if (st->msg_chars) {
        bad = select_points(st, points, count, MSG_LEN) != 0 ||
              rw_points(st, d, st->char_type, msg, n * ml, write);
        bad = bad || select_points(st, points, count, 0) != 0;
    } else {
        bad = rw_points(st, d, st->msg_type, msg, n, write);
    }
    for (size_t i = 0; !write && !bad && i < n; i++) {
        memcpy(recs[i].message, msg + i * ml, ml);
        recs[i].message[ml - 1] = '\0';
    }
    free(msg);
    return bad;
}

/* A numeric field of n records, between the members and the dataset d (-1: the store has none;
 * reading gives the fill, writing skips it), at the current coordinates. The elements travel in
 * the member's type; HDF5 converts to the dataset's. */
static int transfer_field(store *st, const record_field *f, hid_t d, point_record *recs,
                          size_t n, int write)
{
    const size_t es = record_elem_size(f->member);
    char *buf = (char *)st->vbuf;
    if (f->code == RECORD_CODE_COMMIT_TIME) {
        if (!write || d < 0)
            return 0; /* not a member of the record */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        const double t = st->stamp_commits ? (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec : NAN;
        for (size_t i = 0; i < n; i++)
            st->vbuf[i] = t;
        return rw_points(st, d, H5T_NATIVE_DOUBLE, st->vbuf, n, 1);
    }
    if (d < 0) {
        for (size_t i = 0; !write && i < n; i++)
            record_field_set(f, &recs[i], f->fill);
        return 0;
    }
    for (size_t i = 0; write && i < n; i++) {
        memcpy(buf + i * es, (const char *)&recs[i] + f->offset, es);
        if (f->code == RECORD_CODE_POSITIVE) {
            int32_t v;
            memcpy(&v, buf + i * es, sizeof v);
            v = v > 0 ? v : (int32_t)f->fill;
            memcpy(buf + i * es, &v, sizeof v);
        }
    }
    if (rw_points(st, d, h5_memory_type(f->member), buf, n, write))
        return 1;
    for (size_t i = 0; !write && i < n; i++) {
        memcpy((char *)&recs[i] + f->offset, buf + i * es, es);
        if (f->code == RECORD_CODE_POSITIVE)
            record_field_set(f, &recs[i], record_field_get(f, &recs[i]));
    }
    return 0;
}

/* Every field of the table for `count` points: traces first (the largest), then the values; the
 * state written last and read first, so that a reader that sees a point finished sees its
 * data. */
static int transfer(store *st, point_record *recs, double *traces, const int64_t *points,
                    int count, int write, sweep_errbuf *eb)
{
    const size_t n = (size_t)count;
    const size_t tn = n * (size_t)st->P;
    int bad = 0;
    for (size_t i = 0; i < n; i++) /* an index read from a file or a message is never trusted */
        if (points[i] < 0 || points[i] >= st->n_points)
            return sweep_err_set(eb, SWEEP_ERR_RANGE,
                                 "point index %lld is outside the store's 0..%lld",
                                 (long long)points[i], (long long)st->n_points - 1);
    const size_t mn = n * (size_t)MSG_LEN, most = tn > mn ? tn : mn;
    if (ensure_scratch(st, most * (size_t)(st->rank + 1), (tn > n ? tn : n) + 1) !=
        SWEEP_OK)
        return SWEEP_ERR_NOMEM;
    const int with_traces = st->P > 0 && traces != NULL;
    const int state = st->f_state;
    if (!write) { /* first: what it calls finished had its data committed before it */
        bad |= select_points(st, points, count, 0) != 0;
        bad = bad || transfer_field(st, &st->fields[state], st->ds[state], recs, n, 0);
    }
    if (with_traces && !bad)
        bad |= select_points(st, points, count, st->P) != 0;
    for (int i = 0; with_traces && i < st->n_fields && !bad; i++)
        if (st->fields[i].group == RECORD_GROUP_TRACES && st->ds[i] >= 0)
            bad |= transfer_trace(st, st->ds[i], (int)st->fields[i].offset, traces, n, write);
    bad = bad || select_points(st, points, count, 0) != 0;
    for (int i = 0; i < st->n_fields && !bad; i++) {
        const record_field *f = &st->fields[i];
        if (f->group == RECORD_GROUP_TRACES || i == state)
            continue;
        if (f->stored == RECORD_CHAR)
            bad |= transfer_message(st, st->ds[i], recs, points, count, write);
        else
            bad |= transfer_field(st, f, st->ds[i], recs, n, write);
    }
    if (write && !bad) /* last: a reader that sees the point finished sees its data */
        bad |= transfer_field(st, &st->fields[state], st->ds[state], recs, n, 1);
    for (size_t i = 0; !write && i < n; i++)
        recs[i].point = points[i];
    if (bad && write) {
        char what[4500];
        snprintf(what, sizeof what, "%s: HDF5 write of %d points", st->path, count);
        return h5_write_error(what, eb);
    }
    if (bad)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "HDF5 read of %d points failed (damaged "
                                                    "store? run ufmsweep verify)", count);
    return SWEEP_OK;
}

/* the batch as runs (store_run_length) when they are few, so that each transfer is one
 * hyperslab; else one transfer of the element list. recs/traces/points are in point order. */
static int transfer_runs(store *st, point_record *recs, double *traces, const int64_t *points,
                         int count, int write, sweep_errbuf *eb)
{
    int runs = 0;
    for (int i = 0; i < count; i += store_run_length(st, points + i, count - i))
        runs++;
    if (runs > 4 + count / 4) /* short runs: one element list costs less than their calls */
        return transfer(st, recs, traces, points, count, write, eb);
    const size_t tstride = (size_t)st->P * POINT_TRACE_FIELDS;
    for (int i = 0; i < count;) {
        const int e = i + store_run_length(st, points + i, count - i);
        int ret = transfer(st, recs + i, traces != NULL ? traces + (size_t)i * tstride : NULL,
                           points + i, e - i, write, eb);
        if (ret != SWEEP_OK)
            return ret;
        i = e;
    }
    return SWEEP_OK;
}

typedef struct point_order {
    int64_t p;
    int i;
} point_order;

static int point_order_cmp(const void *a, const void *b)
{
    const point_order *x = a, *y = b;
    return x->p < y->p ? -1 : x->p > y->p ? 1 : (x->i > y->i) - (x->i < y->i);
}

int store_write_points(store *st, const point_record *recs, const double *traces, int count,
                       sweep_errbuf *eb)
{
    if (count <= 0)
        return SWEEP_OK;
    /* in point order (a sweep's batch comes in the order the workers finished) */
    const size_t tstride = st->P > 0 && traces != NULL ? (size_t)st->P * POINT_TRACE_FIELDS : 0;
    int64_t *points = malloc((size_t)count * sizeof *points);
    point_order *ord = malloc((size_t)count * sizeof *ord);
    point_record *sr = malloc((size_t)count * sizeof *sr);
    double *stc = tstride > 0 ? malloc((size_t)count * tstride * sizeof *stc) : NULL;
    int ret = points == NULL || ord == NULL || sr == NULL || (tstride > 0 && stc == NULL)
                  ? SWEEP_ERR_NOMEM
                  : SWEEP_OK;
    for (int i = 0; ret == SWEEP_OK && i < count; i++)
        ord[i] = (point_order){recs[i].point, i};
    if (ret == SWEEP_OK)
        qsort(ord, (size_t)count, sizeof *ord, point_order_cmp);
    for (int i = 0; ret == SWEEP_OK && i < count; i++) {
        sr[i] = recs[ord[i].i];
        points[i] = ord[i].p;
        if (tstride > 0)
            memcpy(stc + (size_t)i * tstride, traces + (size_t)ord[i].i * tstride,
                   tstride * sizeof *stc);
    }
    if (ret == SWEEP_OK)
        ret = transfer_runs(st, sr, tstride > 0 ? stc : NULL, points, count, 1, eb);
    st->written = 1;
    free(points);
    free(ord);
    free(sr);
    free(stc);
    return ret;
}

int store_read_points(store *st, const int64_t *points, int count, point_record *recs,
                      double *traces, sweep_errbuf *eb)
{
    if (count <= 0)
        return SWEEP_OK;
    memset(recs, 0, (size_t)count * sizeof *recs); /* what no field sets: error_code, reserved */
    int sorted = 1;
    for (int i = 1; i < count && sorted; i++)
        sorted = points[i] > points[i - 1];
    return sorted ? transfer_runs(st, recs, traces, points, count, 0, eb)
                  : transfer(st, recs, traces, points, count, 0, eb);
}

int store_read_field(store *st, int field, double *out, sweep_errbuf *eb)
{
    if (!store_has_field(st, field))
        return sweep_err_set(eb, SWEEP_ERR_UNSUPPORTED, "%s: has no %s/%s", st->path,
                             field >= 0 && field < st->n_fields
                                 ? record_group_path(st->fields[field].group) : "",
                             field >= 0 && field < st->n_fields ? st->fields[field].name : "?");
    const record_field *f = &st->fields[field];
    if (f->stored == RECORD_CHAR)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "%s/%s: text, not numbers",
                             record_group_path(f->group), f->name);
    const hid_t d = st->ds[field];
    const hid_t sp = H5Dget_space(d);
    const hssize_t got = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (sp >= 0)
        H5Sclose(sp);
    const int64_t want = st->n_points * (f->group == RECORD_GROUP_TRACES ? st->P : 1);
    if (got != (hssize_t)want)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s/%s: holds %lld values where the store's "
                                                    "spec says %lld (wrong shape: a damaged or "
                                                    "edited store)",
                             record_group_path(f->group), f->name, (long long)got,
                             (long long)want);
    if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s/%s: cannot be read: checksum "
                                                    "(Fletcher-32) mismatch or damaged chunk",
                             record_group_path(f->group), f->name);
    return SWEEP_OK;
}

int store_read_messages(store *st, char *out, size_t stride, sweep_errbuf *eb)
{
    enum { B = 4096 };
    const size_t ml = (size_t)MSG_LEN;
    if (stride < ml)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "message stride %zu < %zu", stride, ml);
    point_record *recs = malloc(B * sizeof *recs);
    int64_t *ids = malloc(B * sizeof *ids);
    int ret = recs != NULL && ids != NULL ? SWEEP_OK : SWEEP_ERR_NOMEM;
    if (ret == SWEEP_OK && ensure_scratch(st, (size_t)B * ml * (size_t)(st->rank + 1), 1) !=
                               SWEEP_OK)
        ret = SWEEP_ERR_NOMEM;
    for (int64_t p0 = 0; ret == SWEEP_OK && p0 < st->n_points; p0 += B) {
        const int cnt = (int)(st->n_points - p0 < B ? st->n_points - p0 : B);
        for (int i = 0; i < cnt; i++)
            ids[i] = p0 + i;
        if (st->st_message >= 0 &&
            transfer_message(st, st->st_message, recs, ids, cnt, 0) != 0) {
            ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: /status/message cannot be read",
                                st->path);
            break;
        }
        for (int i = 0; i < cnt; i++) {
            char *o = out + (size_t)(p0 + i) * stride;
            memcpy(o, st->st_message >= 0 ? recs[i].message : "", st->st_message >= 0 ? ml : 1);
            o[ml < stride ? ml : stride - 1] = '\0';
        }
    }
    free(recs);
    free(ids);
    return ret;
}

int store_read_status(store *st, uint8_t *state, int32_t *attempts, sweep_errbuf *eb)
{
    if (state != NULL &&
        H5Dread(st->st_state, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, state) < 0)
        return sweep_err_set(eb, SWEEP_ERR_HDF5, "cannot read /status/state (damaged store?)");
    if (attempts != NULL &&
        H5Dread(st->st_attempts, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, attempts) < 0)
        return sweep_err_set(eb, SWEEP_ERR_HDF5, "cannot read /status/attempts (damaged store?)");
    return SWEEP_OK;
}

int store_read_sources(store *st, int32_t *source, sweep_errbuf *eb)
{
    if (st->st_source < 0) {
        for (int64_t p = 0; p < st->n_points; p++)
            source[p] = POINT_COMPUTED;
        return SWEEP_OK;
    }
    if (H5Dread(st->st_source, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, source) < 0)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: cannot read /status/source", st->path);
    return SWEEP_OK;
}

void store_stamp_commits(store *st, int on)
{
    st->stamp_commits = on;
}

int store_read_commit_times(store *st, double *t, sweep_errbuf *eb)
{
    if (st->st_commit < 0)
        return sweep_err_set(eb, SWEEP_ERR_UNSUPPORTED,
                             "%s: no /status/commit_time (a store made before 0.2)", st->path);
    if (H5Dread(st->st_commit, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t) < 0)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: cannot read /status/commit_time",
                             st->path);
    return SWEEP_OK;
}

int store_flush(store *st, sweep_errbuf *eb)
{
    errno = 0;
    if (H5Fflush(st->file, H5F_SCOPE_GLOBAL) < 0)
        return h5_flush_error(st->path, eb);
    return SWEEP_OK;
}

int store_sync(store *st, sweep_errbuf *eb)
{
    void *handle = NULL;
    int ret = store_flush(st, eb);
    if (ret != SWEEP_OK)
        return ret;
    if (H5Fget_vfd_handle(st->file, H5P_DEFAULT, &handle) < 0 || handle == NULL)
        return sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot get the open file's descriptor",
                             st->path);
    if (fsync(*(int *)handle) != 0)
        return sweep_err_set(eb, fsafe_errno_code(errno), "%s: cannot sync the store to disk: %s",
                             st->path, strerror(errno));
    return SWEEP_OK;
}

int store_check_path(store *st, sweep_errbuf *eb)
{
    void *handle = NULL;
    if (H5Fget_vfd_handle(st->file, H5P_DEFAULT, &handle) < 0 || handle == NULL)
        return sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot get the open file's descriptor",
                             st->path);
    return fsafe_check_same(*(int *)handle, st->path, "store", eb);
}

typedef struct copy_walk {
    store *dst;
    unsigned char *taken;
    int64_t copied, duplicates;
    int with_traces;
} copy_walk;

/* every point that is not pending and not in the study; a point another source gave already is
 * counted as a duplicate and left */
static int take_finished_once(void *user, int64_t p, uint8_t state)
{
    copy_walk *w = user;
    if (state == POINT_PENDING || state == POINT_NOT_IN_STUDY)
        return 0;
    if (w->taken != NULL && w->taken[p]) {
        w->duplicates++;
        return 0;
    }
    if (w->taken != NULL)
        w->taken[p] = 1;
    return 1;
}

static int each_copy(void *user, point_record *recs, double *traces, int count, sweep_errbuf *eb)
{
    copy_walk *w = user;
    const int ret = store_write_points(w->dst, recs, w->with_traces ? traces : NULL, count, eb);
    if (ret == SWEEP_OK)
        w->copied += count;
    return ret;
}

int store_copy_finished(store *dst, store *src, unsigned char *taken, int64_t *copied,
                        int64_t *duplicates, sweep_errbuf *eb)
{
    /* traces travel only when both stores keep traces of the same length */
    const int P = src->P > 0 && dst->P == src->P ? src->P : 0;
    copy_walk w = {dst, taken, 0, 0, P > 0};
    *copied = *duplicates = 0;
    if (dst->n_points != src->n_points)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "stores of %lld and %lld points",
                             (long long)src->n_points, (long long)dst->n_points);
    if (src->numerics != dst->numerics) {
        /* a store holds the bits of one numerics version: a fresh copy takes its source's, and
         * points of another version never join points already there */
        if (dst->written)
            return sweep_err_set(eb, SWEEP_ERR_NUMERICS,
                                 "%s: its points are of numerics version %lld and %s already "
                                 "holds points of version %lld: they cannot be joined",
                                 src->path, (long long)src->numerics, dst->path,
                                 (long long)dst->numerics);
        if (h5_attr_write_i64(dst->file, "numerics_version", src->numerics) < 0)
            return sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot write numerics_version",
                                 dst->path);
        dst->numerics = src->numerics;
    }
    const int ret = walk_points(src, P, take_finished_once, each_copy, &w, eb);
    *copied = w.copied;
    *duplicates = w.duplicates;
    return ret;
}
