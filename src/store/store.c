#include "store.h"

#include "fsafe.h"
#include "store_h5.h"
#include "store_schema.h"
#include "version.h"

#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK_TARGET 4096
#define MAX_DIMS (SPEC_MAX_AXES + 1)
#define MSG_LEN ((int)sizeof(((point_record *)0)->message))
/* netCDF's mark of a dimension scale that is a dimension only (no coordinate variable) */
#define NC_DIM_ONLY "This is a netCDF dimension but not a netCDF variable."

struct store {
    hid_t file;
    int rank;                /* grid dimensions */
    hsize_t dims[MAX_DIMS];
    int64_t n_points;
    int P;                   /* trace points (0: no traces) */
    int has_results;
    const record_field *fields; /* the record's field table (record_fields) */
    int n_fields;
    hid_t *ds;               /* ds[i]: the dataset of fields[i], -1 where the store has none
                                (optional fields of older stores, /results of a theory-only
                                spec, /traces without traces) */
    hid_t st_state, st_attempts, st_message, st_commit, st_source; /* aliases into ds[] */
    int msg_chars;           /* /status/message is G + (MSG_LEN,) characters (schema 2); 0: a
                                G-shaped dataset of MSG_LEN-byte strings (schema 1) */
    hid_t char_type;         /* one character (netCDF's NC_CHAR) */
    int live;                /* opened in SWMR mode (writer or reader) */
    int stamp_commits;       /* store_write_points writes the time into commit_time */
    int64_t numerics;        /* numerics version of its points (store_numerics_version) */
    int written;             /* 1 once a point was written through this handle */
    hid_t runs;
    hid_t runs_dim;          /* /provenance/run: the netCDF dimension of runs, -1 before 0.2 */
    hid_t runs_type;
    hid_t msg_type;
    hsize_t *coords;         /* scratch for point selections */
    size_t coords_cap;
    double *vbuf;            /* scratch values */
    size_t vbuf_cap;
    char path[4352];         /* for messages */
};

/* The error of a failed HDF5 write or flush: ENOSPC and EDQUOT (left in errno by the write
 * that failed) are named as a full disk, anything else as an HDF5 failure with its errno. */
static int write_error(const char *what, sweep_errbuf *eb)
{
    int err = errno;
    if (fsafe_errno_code(err) == SWEEP_ERR_NOSPACE)
        return sweep_err_set(eb, SWEEP_ERR_NOSPACE, "%s failed: %s (disk full)", what,
                             strerror(err));
    return sweep_err_set(eb, SWEEP_ERR_HDF5, "%s failed%s%s", what, err != 0 ? ": " : "",
                         err != 0 ? strerror(err) : "");
}

static int flush_error(const char *path, sweep_errbuf *eb)
{
    char what[4200];
    snprintf(what, sizeof what, "%s: HDF5 flush", path);
    return write_error(what, eb);
}

void store_quiet(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

int store_files_left_open(void)
{
    const ssize_t n = H5Fget_obj_count((hid_t)H5F_OBJ_ALL, H5F_OBJ_FILE);
    return n > 0 ? (int)n : 0;
}

void utc_now(char buf[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static hid_t string_type(size_t len)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, len > 0 ? len : 1);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    return t;
}

static int attr_write_string(hid_t obj, const char *name, const char *value)
{
    int ret = SWEEP_OK;
    hid_t t = string_type(strlen(value) + 1), sp = H5Screate(H5S_SCALAR), a = -1;
    if (H5Aexists(obj, name) > 0)
        H5Adelete(obj, name);
    a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, t, value) < 0)
        ret = SWEEP_ERR_HDF5;
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    return ret;
}

/* CF-1.8 long_name and units (NULL: none) of a variable */
static int attr_write_cf(hid_t obj, const char *long_name, const char *units)
{
    int bad = attr_write_string(obj, "long_name", long_name) < 0;
    if (units != NULL)
        bad |= attr_write_string(obj, "units", units) < 0;
    return bad ? SWEEP_ERR_HDF5 : SWEEP_OK;
}

/* CF flags: flag_values (n values of the dataset's type, given as int64) and flag_meanings
 * (blank-separated words, one per value) */
static int attr_write_flags(hid_t d, hid_t type, const int64_t *values, int n, const char *meanings)
{
    int ret = SWEEP_OK;
    hsize_t hn = (hsize_t)n;
    hid_t sp = H5Screate_simple(1, &hn, NULL);
    hid_t a = H5Acreate2(d, "flag_values", type, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, H5T_NATIVE_INT64, values) < 0)
        ret = SWEEP_ERR_HDF5;
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    if (ret == SWEEP_OK && attr_write_string(d, "flag_meanings", meanings) < 0)
        ret = SWEEP_ERR_HDF5;
    return ret;
}

static int attr_write_i64(hid_t obj, const char *name, int64_t v)
{
    int ret = SWEEP_OK;
    hid_t sp = H5Screate(H5S_SCALAR), a = -1;
    if (H5Aexists(obj, name) > 0) {
        a = H5Aopen(obj, name, H5P_DEFAULT);
    } else {
        a = H5Acreate2(obj, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
    }
    if (a < 0 || H5Awrite(a, H5T_NATIVE_INT64, &v) < 0)
        ret = SWEEP_ERR_HDF5;
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    return ret;
}

static int attr_read_i64(hid_t obj, const char *name, int64_t *v)
{
    if (H5Aexists(obj, name) <= 0)
        return SWEEP_ERR_HDF5;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return SWEEP_ERR_HDF5;
    int ret = H5Aread(a, H5T_NATIVE_INT64, v) < 0 ? SWEEP_ERR_HDF5 : SWEEP_OK;
    H5Aclose(a);
    return ret;
}

static void attr_read_string(hid_t obj, const char *name, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (H5Aexists(obj, name) <= 0)
        return;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return;
    hid_t ft = H5Aget_type(a);
    size_t sz = H5Tget_size(ft);
    if (H5Tget_class(ft) == H5T_STRING && !H5Tis_variable_str(ft) && sz > 0) {
        char *tmp = calloc(1, sz + 1);
        hid_t mt = string_type(sz);
        if (tmp != NULL && H5Aread(a, mt, tmp) >= 0)
            snprintf(buf, cap, "%s", tmp);
        H5Tclose(mt);
        free(tmp);
    }
    H5Tclose(ft);
    H5Aclose(a);
}

void store_attr_string(store *st, const char *name, char *buf, size_t cap)
{
    attr_read_string(st->file, name, buf, cap);
}

static void chunk_dims(int rank, const hsize_t *dims, hsize_t *chunk)
{
    hsize_t prod = 1;
    for (int i = rank - 1; i >= 0; i--) {
        if (prod * dims[i] <= CHUNK_TARGET) {
            chunk[i] = dims[i];
            prod *= dims[i];
        } else {
            chunk[i] = CHUNK_TARGET / prod > 0 ? CHUNK_TARGET / prod : 1;
            for (int j = 0; j < i; j++)
                chunk[j] = 1;
            return;
        }
    }
}

/* A chunked, compressed, checksummed dataset with a fill value (a double that HDF5 converts to
 * the dataset's type; NULL: HDF5's default, zero bytes). */
static hid_t make_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                          const double *fill)
{
    hsize_t chunk[MAX_DIMS];
    hid_t sp = H5Screate_simple(rank, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE), d = -1;
    chunk_dims(rank, dims, chunk);
    /* a property that does not take (no checksum, no compression) means no dataset, never one
     * made without it */
    if (sp >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, rank, chunk) >= 0 &&
        H5Pset_fletcher32(dcpl) >= 0 && H5Pset_shuffle(dcpl) >= 0 &&
        H5Pset_deflate(dcpl, 1) >= 0 &&
        (fill == NULL || H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, fill) >= 0) &&
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC) >= 0)
        d = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (sp >= 0)
        H5Sclose(sp);
    return d;
}

static hid_t open_dataset(hid_t file, const char *path)
{
    if (H5Lexists(file, path, H5P_DEFAULT) <= 0)
        return -1;
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    /* a larger chunk cache is only faster: without it, HDF5's default access */
    const int cached = dapl >= 0 && H5Pset_chunk_cache(dapl, 1021, 1u << 20, 0.75) >= 0;
    hid_t d = H5Dopen2(file, path, cached ? dapl : H5P_DEFAULT);
    if (dapl >= 0)
        H5Pclose(dapl);
    return d;
}

static hid_t runs_type_create(void)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(store_run_row));
    hid_t s32 = string_type(32), s64 = string_type(64), s16 = string_type(16);
    H5Tinsert(t, "run", HOFFSET(store_run_row, run), H5T_NATIVE_INT32);
    H5Tinsert(t, "ranks", HOFFSET(store_run_row, ranks), H5T_NATIVE_INT32);
    H5Tinsert(t, "points_done", HOFFSET(store_run_row, points_done), H5T_NATIVE_INT64);
    H5Tinsert(t, "start_utc", HOFFSET(store_run_row, start_utc), s32);
    H5Tinsert(t, "end_utc", HOFFSET(store_run_row, end_utc), s32);
    H5Tinsert(t, "exit_reason", HOFFSET(store_run_row, exit_reason), s32);
    H5Tinsert(t, "hostname", HOFFSET(store_run_row, hostname), s64);
    H5Tinsert(t, "slurm_job_id", HOFFSET(store_run_row, slurm_job_id), s32);
    H5Tinsert(t, "program_version", HOFFSET(store_run_row, program_version), s16);
    H5Tclose(s32);
    H5Tclose(s64);
    H5Tclose(s16);
    return t;
}

static void store_free(store *st)
{
    for (int i = 0; st->ds != NULL && i < st->n_fields; i++)
        if (st->ds[i] >= 0)
            H5Dclose(st->ds[i]);
    free(st->ds);
    if (st->runs >= 0)
        H5Dclose(st->runs);
    if (st->runs_dim >= 0)
        H5Dclose(st->runs_dim);
    if (st->runs_type >= 0)
        H5Tclose(st->runs_type);
    if (st->msg_type >= 0)
        H5Tclose(st->msg_type);
    if (st->char_type >= 0)
        H5Tclose(st->char_type);
    free(st->coords);
    free(st->vbuf);
}

static store *store_alloc(void)
{
    store *st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    st->file = -1;
    st->fields = record_fields(&st->n_fields);
    st->ds = malloc((size_t)st->n_fields * sizeof *st->ds);
    if (st->ds == NULL) {
        free(st);
        return NULL;
    }
    for (int i = 0; i < st->n_fields; i++)
        st->ds[i] = -1;
    st->st_state = st->st_attempts = st->st_message = st->st_commit = st->st_source = -1;
    st->runs = st->runs_dim = -1;
    st->runs_type = runs_type_create();
    st->msg_type = string_type(sizeof(((point_record *)0)->message));
    st->char_type = string_type(1);
    return st;
}

void store_discard(store **pst)
{
    int ret = store_close(pst);
    (void)ret; /* a cleanup path: nothing left to do with a failed close */
}

int store_close(store **pst)
{
    int ret = SWEEP_OK;
    if (pst == NULL || *pst == NULL)
        return SWEEP_OK;
    store *st = *pst;
    store_free(st);
    if (st->file >= 0 && H5Fclose(st->file) < 0) {
        ret = SWEEP_ERR_HDF5;
    }
    free(st);
    *pst = NULL;
    return ret;
}

/* the dataset of GROUP/name (-1: none) */
static hid_t field_dataset(const store *st, record_group group, const char *name)
{
    const int i = record_field_find(group, name);
    return i >= 0 ? st->ds[i] : -1;
}

/* the aliases of the datasets the store reads by name */
static void alias_fields(store *st)
{
    st->st_state = field_dataset(st, RECORD_GROUP_STATUS, "state");
    st->st_attempts = field_dataset(st, RECORD_GROUP_STATUS, "attempts");
    st->st_message = field_dataset(st, RECORD_GROUP_STATUS, "message");
    st->st_commit = field_dataset(st, RECORD_GROUP_STATUS, "commit_time");
    st->st_source = field_dataset(st, RECORD_GROUP_STATUS, "source");
    st->has_results = field_dataset(st, RECORD_GROUP_RESULTS, "w_fro") >= 0;
}

/* open every dataset of the field table by name (those that exist) */
static void open_all(store *st)
{
    char path[128];
    for (int i = 0; i < st->n_fields; i++) {
        snprintf(path, sizeof path, "%s/%s", record_group_path(st->fields[i].group),
                 st->fields[i].name);
        st->ds[i] = open_dataset(st->file, path);
    }
    st->runs = open_dataset(st->file, STORE_RUNS);
    st->runs_dim = open_dataset(st->file, STORE_PROVENANCE "/run");
    alias_fields(st);
}

static void axis_dim_name(const spec_axis *ax, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", ax->def->name);
    for (char *c = buf; *c; c++)
        if (*c == '-')
            *c = '_';
}

/* Attach the grid scales (and the trace scale) to dataset d. */
static int attach_scales(hid_t d, const hid_t *scales, int rank, hid_t trace_scale)
{
    for (int a = 0; a < rank; a++)
        if (H5DSattach_scale(d, scales[a], (unsigned)a) < 0)
            return SWEEP_ERR_HDF5;
    if (trace_scale >= 0 && H5DSattach_scale(d, trace_scale, (unsigned)rank) < 0)
        return SWEEP_ERR_HDF5;
    return SWEEP_OK;
}

static int write_text_dataset(hid_t loc, const char *name, const char *text, size_t len)
{
    hid_t t = string_type(len + 1), sp = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int ret = (d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, text) < 0) ? SWEEP_ERR_HDF5
                                                                                : SWEEP_OK;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
    H5Tclose(t);
    return ret;
}

/* The axis coordinates (and, with_trace, the trace coordinate) as dimension scales in group g.
 * Returns 0 or -1; the scale ids go to scales[] and *trace. */
/* Creation properties of a 1-D dataset of n values (n >= 1) with a Fletcher-32 checksum per
 * chunk, so that a flipped bit in a coordinate makes its read fail instead of relabelling. */
static hid_t checksummed_1d(hsize_t n)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hsize_t chunk = n < 65536 ? n : 65536;
    if (dcpl >= 0 && (H5Pset_chunk(dcpl, 1, &chunk) < 0 || H5Pset_fletcher32(dcpl) < 0)) {
        H5Pclose(dcpl);
        return -1; /* the dataset is then not made: never one without its checksum */
    }
    return dcpl;
}

static int make_scales(hid_t g, const spec *s, int P, int with_trace, hid_t *scales, hid_t *trace)
{
    for (int a = 0; a < s->n_axes; a++) {
        const spec_axis *ax = &s->axes[a];
        char dn[64];
        axis_dim_name(ax, dn, sizeof dn);
        hsize_t n = (hsize_t)ax->n;
        hid_t sp = H5Screate_simple(1, &n, NULL);
        if (ax->numeric) {
            hid_t dcpl = checksummed_1d(n);
            scales[a] = H5Dcreate2(g, dn, H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
            H5Pclose(dcpl);
            if (scales[a] >= 0 &&
                H5Dwrite(scales[a], H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, ax->num) < 0)
                scales[a] = (H5Dclose(scales[a]), -1);
        } else {
            /* variable-length UTF-8: xarray decodes these to str, so .sel(loss='cdt') works */
            hid_t t = H5Tcopy(H5T_C_S1);
            H5Tset_size(t, H5T_VARIABLE);
            H5Tset_cset(t, H5T_CSET_UTF8);
            scales[a] = H5Dcreate2(g, dn, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (scales[a] >= 0 &&
                H5Dwrite(scales[a], t, H5S_ALL, H5S_ALL, H5P_DEFAULT, (const void *)ax->text) < 0)
                scales[a] = (H5Dclose(scales[a]), -1);
            H5Tclose(t);
        }
        H5Sclose(sp);
        if (scales[a] < 0 || H5DSset_scale(scales[a], dn) < 0 ||
            attr_write_string(scales[a], "spec_key", ax->key) < 0 ||
            attr_write_cf(scales[a], ax->def->help, ax->numeric ? "1" : NULL) < 0)
            return SWEEP_ERR_HDF5;
    }
    if (with_trace && P > 0) {
        hsize_t n = (hsize_t)P;
        const char *tn = s->trace_iters >= 0 ? "trace_iter" : "trace_point";
        int64_t *it = malloc((size_t)P * sizeof *it);
        if (it == NULL)
            return SWEEP_ERR_HDF5;
        if (s->trace_iters >= 0 && ufm_trace_iters(s->trace_iters, P, it) != SWEEP_OK) {
            free(it);
            return SWEEP_ERR_ARG; /* more trace points than iterations: validated before */
        }
        if (s->trace_iters < 0)
            for (int j = 0; j < P; j++)
                it[j] = j;
        hid_t sp = H5Screate_simple(1, &n, NULL), dcpl = checksummed_1d(n);
        *trace = H5Dcreate2(g, tn, H5T_STD_I64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        H5Pclose(dcpl);
        int bad = *trace < 0 ||
                  H5Dwrite(*trace, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, it) < 0 ||
                  H5DSset_scale(*trace, tn) < 0 ||
                  attr_write_cf(*trace, s->trace_iters >= 0 ? "iteration at which the trace "
                                                              "point was recorded"
                                                            : "index of the trace point",
                                "1") < 0;
        H5Sclose(sp);
        free(it);
        if (bad)
            return SWEEP_ERR_HDF5;
    }
    return SWEEP_OK;
}

/* the HDF5 type of a field's element on file (little-endian, as every store) and in memory */
static hid_t file_type(record_elem e)
{
    switch (e) {
    case RECORD_I64:
        return H5T_STD_I64LE;
    case RECORD_I32:
        return H5T_STD_I32LE;
    case RECORD_I8:
        return H5T_STD_I8LE;
    case RECORD_U8:
        return H5T_STD_U8LE;
    case RECORD_F64:
    case RECORD_CHAR:
        break;
    }
    return H5T_IEEE_F64LE;
}

static hid_t memory_type(record_elem e)
{
    switch (e) {
    case RECORD_I64:
        return H5T_NATIVE_INT64;
    case RECORD_I32:
        return H5T_NATIVE_INT32;
    case RECORD_I8:
        return H5T_NATIVE_INT8;
    case RECORD_U8:
        return H5T_NATIVE_UINT8;
    case RECORD_F64:
    case RECORD_CHAR:
        break;
    }
    return H5T_NATIVE_DOUBLE;
}

/* /status/message: characters along a last dimension message_len (netCDF's NC_CHAR layout:
 * ncdump and xarray read it as text, where netCDF-C mis-sizes fixed-length string datasets),
 * with the default fill (zero bytes: ""), not a user-defined one: netCDF-C reads a string
 * dataset's user-defined fill value into a buffer of one character and overflows it (ncdump
 * aborted on the store). */
static hid_t create_message(store *st, hid_t g, const char *name)
{
    const int R = st->rank;
    hsize_t mdims[MAX_DIMS + 1], ml = (hsize_t)MSG_LEN;
    memcpy(mdims, st->dims, (size_t)R * sizeof(hsize_t));
    mdims[R] = ml;
    hid_t d = make_dataset(g, name, st->char_type, R + 1, mdims, NULL);
    st->msg_chars = 1;
    char dimname[96];
    snprintf(dimname, sizeof dimname, "%s%10d", NC_DIM_ONLY, MSG_LEN);
    hid_t sp1 = H5Screate_simple(1, &ml, NULL);
    hid_t mlen = sp1 < 0 ? -1
                         : H5Dcreate2(g, "message_len", H5T_IEEE_F32LE, sp1, H5P_DEFAULT,
                                      H5P_DEFAULT, H5P_DEFAULT);
    if (sp1 >= 0)
        H5Sclose(sp1);
    const int bad = mlen < 0 || H5DSset_scale(mlen, dimname) < 0 ||
                    (d >= 0 && H5DSattach_scale(d, mlen, (unsigned)R) < 0) ||
                    (d >= 0 && attr_write_string(d, "_Encoding", "utf-8") < 0);
    if (mlen >= 0)
        H5Dclose(mlen);
    if (bad && d >= 0)
        d = (H5Dclose(d), -1);
    return d;
}

/* Field i of the table as a dataset of group g: the grid's scales attached (and the trace scale
 * on the last dimension of a trace), its fill value and its CF attributes. */
static int create_field(store *st, int i, hid_t g, const hid_t *scales, hid_t trace_scale)
{
    const record_field *f = &st->fields[i];
    const int R = st->rank, trace = f->group == RECORD_GROUP_TRACES;
    hid_t d;
    if (f->stored == RECORD_CHAR) {
        d = create_message(st, g, f->name);
    } else {
        hsize_t dims[MAX_DIMS];
        memcpy(dims, st->dims, sizeof dims);
        dims[R] = (hsize_t)st->P;
        d = make_dataset(g, f->name, file_type(f->stored), R + trace, dims, &f->fill);
    }
    st->ds[i] = d;
    if (d < 0 || attach_scales(d, scales, R, trace ? trace_scale : -1) != SWEEP_OK ||
        attr_write_cf(d, f->long_name, f->units) != SWEEP_OK ||
        (f->n_flags > 0 && attr_write_flags(d, file_type(f->stored), f->flag_values, f->n_flags,
                                            f->flag_meanings) != SWEEP_OK) ||
        (f->comment != NULL && attr_write_string(d, "comment", f->comment) != SWEEP_OK))
        return SWEEP_ERR_HDF5;
    return SWEEP_OK;
}

static int store_create_file(const char *path, const spec *s, const char *shard,
                             int with_traces, store **out, sweep_errbuf *eb);

int store_create_temp(const char *target, const spec *s, const char *shard, int with_traces,
                      char *tmp, size_t cap, store **out, sweep_errbuf *eb)
{
    int ret = fsafe_temp_create(target, tmp, cap, NULL, eb);
    if (ret != SWEEP_OK)
        return ret;
    ret = store_create_file(tmp, s, shard, with_traces, out, eb);
    if (ret != SWEEP_OK)
        tmp[0] = '\0'; /* store_create_file removed it */
    return ret;
}

/* path is an empty file this process just made (fsafe_temp_create): the store is created in it
 * (truncating), and a failure removes it. */
static int store_create_file(const char *path, const spec *s, const char *shard,
                             int with_traces, store **out, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    store *st = NULL;
    hid_t gscales[4][SPEC_MAX_AXES], gtrace[4] = {-1, -1, -1, -1}, g_coords = -1, g_results = -1,
                                     g_theory = -1, g_traces = -1, g_status = -1, g_prov = -1;
    for (int g = 0; g < 4; g++)
        for (int a = 0; a < SPEC_MAX_AXES; a++)
            gscales[g][a] = -1;

    st = store_alloc();
    if (st == NULL) {
        unlink(path);
        return SWEEP_ERR_NOMEM;
    }
    snprintf(st->path, sizeof st->path, "%s", path);
    /* HDF5 1.10's format: what single-writer/multiple-reader (SWMR) access needs, so that
     * readers can follow a run while it writes (store_open) */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110);
    errno = 0;
    st->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (st->file < 0) {
        int err = errno;
        unlink(path); /* the empty file this process made */
        ret = sweep_err_set(eb, fsafe_errno_code(err), "%s: cannot create the store: %s", path,
                            err != 0 ? strerror(err) : "HDF5 refused");
        goto cleanup;
    }
    st->rank = s->n_axes;
    st->n_points = s->n_points;
    st->P = s->any_ufm && with_traces ? s->trace_points : 0;
    st->has_results = s->any_solve;
    for (int a = 0; a < s->n_axes; a++)
        st->dims[a] = (hsize_t)s->axes[a].n;

    /* root attributes */
    char now[32], host[64] = "";
    utc_now(now);
    gethostname(host, sizeof host - 1);
    int bad = 0;
    bad |= attr_write_i64(st->file, "schema_version", STORE_SCHEMA_VERSION);
    bad |= attr_write_string(st->file, "program_version", UFMSWEEP_VERSION);
    bad |= attr_write_i64(st->file, "numerics_version", POINT_NUMERICS_VERSION);
    st->numerics = POINT_NUMERICS_VERSION;
    bad |= attr_write_string(st->file, "created_utc", now);
    bad |= attr_write_string(st->file, "spec_sha256", s->spec_sha256);
    bad |= attr_write_string(st->file, "grid_sha256", s->grid_sha256);
    bad |= attr_write_string(st->file, "name", s->name);
    bad |= attr_write_i64(st->file, "seed_base", s->seed_base);
    bad |= attr_write_i64(st->file, "n_points", s->n_points);
    bad |= attr_write_i64(st->file, "trace_points", st->P);
    bad |= attr_write_string(st->file, "shard", shard);
    bad |= attr_write_i64(st->file, "open_for_writing", 1);
    bad |= attr_write_string(st->file, "hostname", host);
    bad |= attr_write_string(st->file, "slurm_job_id", "");
    bad |= attr_write_i64(st->file, "mpi_size", 0);
    {
        /* CF-1.8 (groups are allowed since 1.8): what xarray, ncdump and CF tools look for */
        char title[512], history[256];
        snprintf(title, sizeof title, "%s", s->name[0] ? s->name : "ufmsweep sweep");
        snprintf(history, sizeof history, "%s: created by ufmsweep %s run", now, UFMSWEEP_VERSION);
        bad |= attr_write_string(st->file, "Conventions", "CF-1.8");
        bad |= attr_write_string(st->file, "title", title);
        bad |= attr_write_string(st->file, "history", history);
        bad |= attr_write_string(st->file, "source", "ufmsweep " UFMSWEEP_VERSION);
    }

    g_coords = H5Gcreate2(st->file, STORE_COORDS, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    g_theory = H5Gcreate2(st->file, STORE_THEORY, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    g_status = H5Gcreate2(st->file, STORE_STATUS, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    g_prov = H5Gcreate2(st->file, STORE_PROVENANCE, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (st->has_results)
        g_results = H5Gcreate2(st->file, STORE_RESULTS, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (st->P > 0)
        g_traces = H5Gcreate2(st->file, STORE_TRACES, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g_coords < 0 || g_theory < 0 || g_status < 0 || g_prov < 0 ||
        (st->has_results && g_results < 0) || (st->P > 0 && g_traces < 0) || bad) {
        ret = sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot create groups and attributes", path);
        goto cleanup;
    }

    /* dimension scales in every group that holds grid-shaped data (xarray's h5netcdf engine
     * labels a group's dimensions with the coordinate variables of that group), hard-linked
     * under /coords */
    hid_t gid[4];
    gid[RECORD_GROUP_THEORY] = g_theory;
    gid[RECORD_GROUP_RESULTS] = g_results;
    gid[RECORD_GROUP_STATUS] = g_status;
    gid[RECORD_GROUP_TRACES] = g_traces;
    for (int g = 0; g < 4; g++) {
        if (gid[g] < 0)
            continue;
        if (make_scales(gid[g], s, st->P, g == RECORD_GROUP_TRACES, gscales[g], &gtrace[g]) != 0) {
            ret = sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot write the coordinates", path);
            goto cleanup;
        }
    }
    for (int a = 0; a < s->n_axes; a++) {
        char dn[64], src[96], link[96];
        axis_dim_name(&s->axes[a], dn, sizeof dn);
        snprintf(src, sizeof src, STORE_THEORY "/%s", dn);
        snprintf(link, sizeof link, STORE_COORDS "/%s", dn);
        if (H5Lcreate_hard(st->file, src, st->file, link, H5P_DEFAULT, H5P_DEFAULT) < 0) {
            ret = sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot link %s", path, link);
            goto cleanup;
        }
    }
    if (st->P > 0) {
        const char *tn = s->trace_iters >= 0 ? "trace_iter" : "trace_point";
        char src[64], link[64];
        snprintf(src, sizeof src, STORE_TRACES "/%s", tn);
        snprintf(link, sizeof link, STORE_COORDS "/%s", tn);
        if (H5Lcreate_hard(st->file, src, st->file, link, H5P_DEFAULT, H5P_DEFAULT) < 0) {
            ret = sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot link %s", path, link);
            goto cleanup;
        }
    }

    /* grid-shaped datasets: every field of the record's table whose group this store has */
    int fail = 0;
    for (int i = 0; i < st->n_fields && !fail; i++) {
        const record_group g = st->fields[i].group;
        if (gid[g] >= 0)
            fail |= create_field(st, i, gid[g], gscales[g], gtrace[g]) != SWEEP_OK;
    }
    alias_fields(st);
    if (!s->every_point_in_study && !fail) {
        /* the points of no block: their own state from the start, never pending */
        uint8_t *init = malloc((size_t)s->n_points);
        if (init == NULL) {
            ret = SWEEP_ERR_NOMEM;
            goto cleanup;
        }
        for (int64_t p = 0; p < s->n_points; p++)
            init[p] = spec_point_block(s, p) < 0 ? POINT_NOT_IN_STUDY : POINT_PENDING;
        fail |= H5Dwrite(st->st_state, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, init) < 0;
        free(init);
    }

    /* provenance */
    fail |= write_text_dataset(g_prov, "spec", s->text, s->text_len) < 0;
    fail |= write_text_dataset(g_prov, "effective", s->effective, strlen(s->effective)) < 0;
    if (s->overrides != NULL && s->overrides[0] != '\0') {
        /* the overrides as given, and the spec they make (what readers parse) */
        fail |= write_text_dataset(g_prov, "overrides", s->overrides, strlen(s->overrides)) < 0;
        fail |= write_text_dataset(g_prov, "spec_resolved", s->resolved, s->resolved_len) < 0;
    }
    {
        hsize_t zero = 0, unlim = H5S_UNLIMITED, chunk = 16;
        hid_t sp = H5Screate_simple(1, &zero, &unlim), dcpl = H5Pcreate(H5P_DATASET_CREATE);
        if (dcpl >= 0 && (H5Pset_chunk(dcpl, 1, &chunk) < 0 || H5Pset_fletcher32(dcpl) < 0)) {
            H5Pclose(dcpl);
            dcpl = -1; /* then no runs table: the store is refused below */
        }
        st->runs = H5Dcreate2(g_prov, "runs", st->runs_type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        /* its dimension, so that netCDF readers (h5netcdf, xarray) open /provenance without
         * phony dimensions; it grows with the rows */
        st->runs_dim = H5Dcreate2(g_prov, "run", H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl,
                                  H5P_DEFAULT);
        if (dcpl >= 0)
            H5Pclose(dcpl);
        H5Sclose(sp);
        char dimname[96];
        snprintf(dimname, sizeof dimname, "%s%10d", NC_DIM_ONLY, 0);
        fail |= st->runs < 0 || st->runs_dim < 0 || H5DSset_scale(st->runs_dim, dimname) < 0 ||
                H5DSattach_scale(st->runs, st->runs_dim, 0) < 0 ||
                attr_write_cf(st->runs, "one row per invocation of ufmsweep run", NULL) < 0;
    }
    {
        hid_t d = H5Dopen2(g_prov, "spec", H5P_DEFAULT), e = H5Dopen2(g_prov, "effective",
                                                                        H5P_DEFAULT);
        fail |= d < 0 || e < 0 || attr_write_cf(d, "the spec file, verbatim", NULL) < 0 ||
                attr_write_cf(e, "the expanded configuration (JSON)", NULL) < 0;
        if (d >= 0)
            H5Dclose(d);
        if (e >= 0)
            H5Dclose(e);
    }
    if (fail) {
        ret = sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot create the datasets", path);
        goto cleanup;
    }
    if (H5Fflush(st->file, H5F_SCOPE_GLOBAL) < 0) {
        ret = flush_error(path, eb);
        goto cleanup;
    }
    *out = st;
    st = NULL;
cleanup:
    for (int g = 0; g < 4; g++) {
        for (int a = 0; a < SPEC_MAX_AXES; a++)
            if (gscales[g][a] >= 0)
                H5Dclose(gscales[g][a]);
        if (gtrace[g] >= 0)
            H5Dclose(gtrace[g]);
    }
    hid_t groups[] = {g_coords, g_results, g_theory, g_traces, g_status, g_prov};
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        if (groups[i] >= 0)
            H5Gclose(groups[i]);
    if (st != NULL) {
        /* a half-made store in our own temporary file is worthless: never leave one */
        store_discard(&st);
        unlink(path);
    }
    return ret;
}

int store_superblock_flags(const char *path, int *version, int *flags)
{
    /* HDF5 file format, superblock versions 2 and 3: the signature (8 bytes), the version, the
     * sizes of offsets and lengths, then the file consistency flags: bit 0 while a writer has
     * the file open, bit 2 while it writes in SWMR mode. HDF5 clears both when it closes the
     * file, so a writer that was killed leaves them set. Our stores have no user block, so the
     * superblock is at offset 0. */
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    unsigned char b[12];
    *version = -1;
    *flags = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return SWEEP_ERR_IO;
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    if (n != sizeof b || memcmp(b, sig, sizeof sig) != 0)
        return SWEEP_ERR_NOT_OURS;
    *version = b[8];
    *flags = b[8] >= 3 ? b[11] : 0;
    return SWEEP_OK;
}

/* H5Ewalk callback: is HDF5's "unable to lock file" among the errors of the last call? */
static herr_t find_lock_error(unsigned n, const H5E_error2_t *e, void *user)
{
    (void)n;
    if (e->min_num == H5E_CANTLOCKFILE)
        *(int *)user = 1;
    return 0;
}

hid_t store_h5_open(const char *path, int writable, int *live, int *locked)
{
    /* SWMR first: a writer in SWMR mode lets readers in while it writes; a reader in SWMR mode
     * without file locks never blocks a writer that starts later. Stores made before 0.2 (HDF5
     * 1.8 format) cannot do SWMR: they are opened the plain way, with HDF5's locks. */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110);
    if (!writable)
        H5Pset_file_locking(fapl, 0, 1);
    hid_t f = H5Fopen(path, writable ? H5F_ACC_RDWR | H5F_ACC_SWMR_WRITE
                                     : H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl);
    int lock_error = 0;
    if (f < 0) /* before any other HDF5 call, which would clear the error stack */
        H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, find_lock_error, &lock_error);
    H5Pclose(fapl);
    int version = -1, flags = 0;
    const int probed = store_superblock_flags(path, &version, &flags) == SWEEP_OK;
    if (live != NULL) /* HDF5 reads 1.8-format files in SWMR mode too, but no writer can */
        *live = f >= 0 && version >= 3;
    if (f < 0) {
        /* the plain way only for a file that SWMR cannot open because of its format */
        if (probed && version < 3) {
            lock_error = 0;
            f = H5Fopen(path, writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT);
            if (f < 0)
                H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, find_lock_error, &lock_error);
        }
    }
    if (locked != NULL)
        *locked = lock_error;
    return f;
}

/* The numerics version of a store's points: its attribute, else (stores made before the
 * attribute existed) 1 for ufmsweep 0.3.x, whose numerics are version 1, and 0 (unknown) for
 * older ones. */
static int64_t read_numerics_version(hid_t file)
{
    int64_t v = 0;
    if (attr_read_i64(file, "numerics_version", &v) == 0)
        return v;
    char pv[64] = "";
    attr_read_string(file, "program_version", pv, sizeof pv);
    return strncmp(pv, "0.3.", 4) == 0 ? 1 : 0;
}

int64_t store_numerics_version(const store *st)
{
    return st->numerics;
}

int store_open(const char *path, const spec *s, int writable, store **out, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    store *st = NULL;
    if (access(path, F_OK) != 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: no such store", path);
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return sweep_err_set(eb, SWEEP_ERR_NOT_OURS, "%s: is a directory, not a store", path);
    if (access(path, R_OK) != 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: not readable: %s", path, strerror(errno));
    htri_t is = H5Fis_hdf5(path);
    if (is == 0)
        return sweep_err_set(eb, SWEEP_ERR_NOT_OURS, "%s: not an HDF5 file, so not a ufmsweep "
                                                     "store", path);
    if (is < 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot be read (a directory? no "
                                               "permission?)", path);
    st = store_alloc();
    if (st == NULL)
        return SWEEP_ERR_NOMEM;
    snprintf(st->path, sizeof st->path, "%s", path);
    int locked = 0;
    st->file = store_h5_open(path, writable, &st->live, &locked);
    if (st->file < 0) {
        int version = -1, flags = 0;
        if (store_superblock_flags(path, &version, &flags) != SWEEP_OK)
            flags = 0;
        if (!locked && (flags & 0x05) != 0 && (writable || (flags & 0x04) == 0))
            ret = sweep_err_set(eb, SWEEP_ERR_LEFT_OPEN,
                                "%s: marked open by a writer (HDF5's file consistency flags): "
                                "either another process writes it or the last writer was "
                                "killed (then `ufmsweep run --resume` rebuilds it)",
                                path);
        else if (locked)
            ret = sweep_err_set(eb, SWEEP_ERR_BUSY,
                                "%s: locked by another process (a reader such as h5py, xarray or "
                                "HDFView, or a writer); close it and try again",
                                path);
        else
            ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: an HDF5 file that cannot be "
                                                       "opened%s (damaged)",
                                path, writable ? " for writing" : "");
        goto cleanup;
    }
    int64_t version = 0, np = 0, P = 0;
    if (attr_read_i64(st->file, "schema_version", &version) != 0) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOT_OURS, "%s: an HDF5 file but not a ufmsweep store "
                                                    "(no schema_version)", path);
        goto cleanup;
    }
    if (version > STORE_SCHEMA_VERSION) {
        ret = sweep_err_set(eb, SWEEP_ERR_NEWER,
                            "%s: schema_version %lld is newer than this program reads (%d): "
                            "update ufmsweep",
                            path, (long long)version, STORE_SCHEMA_VERSION);
        goto cleanup;
    }
    if (s != NULL && !store_grid_matches(st, s)) {
        char g[80];
        attr_read_string(st->file, "grid_sha256", g, sizeof g);
        ret = sweep_err_set(eb, SWEEP_ERR_OTHER_SPEC,
                            "%s: the store belongs to a spec of another meaning (grid hash "
                            "%.12s..., this spec %.12s...): refusing to mix results; use "
                            "another --store, or copy its finished points into a new store "
                            "with --reuse %s",
                            path, g, s->grid_sha256, path);
        goto cleanup;
    }
    attr_read_i64(st->file, "n_points", &np);
    attr_read_i64(st->file, "trace_points", &P);
    if (np < 1 || np > SPEC_MAX_POINTS || P < 0 || P > UFM_MAX_TRACE_POINTS) {
        ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED,
                            "%s: n_points %lld or trace_points %lld out of range (damaged store)",
                            path, (long long)np, (long long)P);
        goto cleanup;
    }
    st->n_points = np;
    st->P = (int)P;
    st->numerics = read_numerics_version(st->file);
    open_all(st);
    if (st->st_state < 0) {
        ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: /status/state is missing (damaged store)",
                            path);
        goto cleanup;
    }
    hid_t sp = H5Dget_space(st->st_state);
    st->rank = H5Sget_simple_extent_ndims(sp);
    H5Sget_simple_extent_dims(sp, st->dims, NULL);
    H5Sclose(sp);
    hsize_t total = 1;
    for (int a = 0; a < st->rank; a++)
        total *= st->dims[a];
    if (st->st_message >= 0) {
        hid_t msp = H5Dget_space(st->st_message);
        st->msg_chars = H5Sget_simple_extent_ndims(msp) == st->rank + 1;
        H5Sclose(msp);
    }
    if ((int64_t)total != st->n_points ||
        (st->P > 0 && field_dataset(st, RECORD_GROUP_TRACES, "iter") < 0)) {
        ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: inconsistent shapes (damaged store)",
                            path);
        goto cleanup;
    }
    *out = st;
    st = NULL;
cleanup:
    store_discard(&st);
    return ret;
}

int store_grid_matches(store *st, const spec *s)
{
    char g[80];
    attr_read_string(st->file, "grid_sha256", g, sizeof g);
    /* the identity of the spec's meaning; stores made by 0.2 carry the hash of that version */
    return strcmp(g, s->grid_sha256) == 0 || strcmp(g, s->legacy_sha256) == 0;
}

int store_identify(const char *path, const spec *s, int *same_grid, sweep_errbuf *eb)
{
    store *st = NULL;
    if (same_grid != NULL)
        *same_grid = 0;
    int ret = store_open(path, NULL, 0, &st, eb);
    if (ret == SWEEP_OK && s != NULL && same_grid != NULL)
        *same_grid = store_grid_matches(st, s);
    store_discard(&st);
    return ret;
}

int store_open_with_spec(const char *path, int writable, store **out, spec **s_out,
                         sweep_errbuf *eb)
{
    int ret;
    char *text = NULL;
    size_t len = 0;
    store *st = NULL;
    spec *s = NULL;
    *out = NULL;
    *s_out = NULL;
    if ((ret = store_open(path, NULL, writable, &st, eb)) != SWEEP_OK)
        return ret;
    sweep_errbuf eb2;
    sweep_errbuf_clear(&eb2);
    if (store_spec_text(path, 1, &text, &len, &eb2) != SWEEP_OK ||
        spec_parse_trusted(path, text, len, &s, &eb2) != SWEEP_OK) {
        ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: its spec (/provenance/spec): %s", path,
                            eb2.msg);
        goto cleanup;
    }
    if (s->n_points != st->n_points) {
        ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED,
                            "%s: n_points %lld differs from its spec's grid (%lld points)", path,
                            (long long)st->n_points, (long long)s->n_points);
        goto cleanup;
    }
    *out = st;
    *s_out = s;
    st = NULL;
    s = NULL;
cleanup:
    free(text);
    spec_destroy(&s);
    store_discard(&st);
    return ret;
}

int store_verify_identity(store *st, const spec *s, sweep_errbuf *eb)
{
    char *text = NULL, want_spec[80] = "", want_grid[80] = "", got[65];
    size_t len = 0;
    int ret = store_spec_text(st->path, 0, &text, &len, eb);
    if (ret != SWEEP_OK)
        return ret;
    sha256_hex(text, len, got);
    free(text);
    attr_read_string(st->file, "spec_sha256", want_spec, sizeof want_spec);
    attr_read_string(st->file, "grid_sha256", want_grid, sizeof want_grid);
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

int store_check_points(store *st, sweep_errbuf *eb)
{
    enum { B = 4096 };
    int ret = SWEEP_OK, cnt = 0;
    const int64_t n = st->n_points;
    uint8_t *state = malloc((size_t)(n > 0 ? n : 1));
    int64_t *ids = malloc(B * sizeof *ids);
    point_record *recs = malloc(B * sizeof *recs);
    double *traces = st->P > 0 ? malloc((size_t)B * st->P * POINT_TRACE_FIELDS * sizeof(double))
                               : NULL;
    if (state == NULL || ids == NULL || recs == NULL || (st->P > 0 && traces == NULL)) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "%s: cannot allocate the check buffers",
                            st->path);
        goto cleanup;
    }
    if ((ret = store_read_status(st, state, NULL, eb)) != SWEEP_OK)
        goto cleanup;
    for (int64_t p = 0; p <= n; p++) {
        if (p < n && (state[p] == POINT_DONE || state[p] == POINT_NOT_CONVERGED))
            ids[cnt++] = p;
        if (cnt == B || (p == n && cnt > 0)) {
            /* every chunk read is checked against its Fletcher-32 checksum by HDF5 */
            sweep_errbuf e2;
            sweep_errbuf_clear(&e2);
            if (store_read_points(st, ids, cnt, recs, traces, &e2) != SWEEP_OK) {
                ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED,
                                    "%s: its finished points cannot be read back intact (a "
                                    "checksum fails or a dataset is damaged): %s",
                                    st->path, e2.msg);
                goto cleanup;
            }
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

int store_spec_text(const char *path, int resolved, char **text, size_t *len, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    hid_t f = -1, d = -1, t = -1, mt = -1;
    if (H5Fis_hdf5(path) <= 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: not an HDF5 store (or damaged/missing)", path);
    f = store_h5_open(path, 0, NULL, NULL);
    if (f >= 0 && resolved && H5Lexists(f, STORE_SPEC_RESOLVED, H5P_DEFAULT) > 0)
        d = open_dataset(f, STORE_SPEC_RESOLVED);
    if (f < 0 || (d < 0 && (d = open_dataset(f, STORE_SPEC)) < 0)) {
        ret = sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot read /provenance/spec", path);
        goto cleanup;
    }
    t = H5Dget_type(d);
    size_t sz = H5Tget_size(t);
    mt = string_type(sz);
    *text = calloc(1, sz + 1);
    if (*text == NULL || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, *text) < 0) {
        free(*text);
        *text = NULL;
        ret = sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot read /provenance/spec", path);
        goto cleanup;
    }
    *len = strlen(*text);
cleanup:
    if (mt >= 0)
        H5Tclose(mt);
    if (t >= 0)
        H5Tclose(t);
    if (d >= 0)
        H5Dclose(d);
    if (f >= 0)
        H5Fclose(f);
    return ret;
}

int64_t store_n_points(const store *st)
{
    return st->n_points;
}

int store_trace_points(const store *st)
{
    return st->P;
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

/* coordinates of points[i] (grid), each expanded by a last index 0..reps-1 (reps 0: none) */
static void fill_coords(store *st, const int64_t *points, int count, int reps_last)
{
    const int with_trace = reps_last > 0;
    const int R = st->rank, W = R + (with_trace ? 1 : 0);
    const int reps = with_trace ? reps_last : 1;
    size_t k = 0;
    for (int i = 0; i < count; i++) {
        int64_t p = points[i];
        hsize_t idx[MAX_DIMS];
        for (int a = R - 1; a >= 0; a--) {
            idx[a] = (hsize_t)(p % (int64_t)st->dims[a]);
            p /= (int64_t)st->dims[a];
        }
        for (int j = 0; j < reps; j++) {
            memcpy(st->coords + k * W, idx, (size_t)R * sizeof(hsize_t));
            if (with_trace)
                st->coords[k * W + R] = (hsize_t)j;
            k++;
        }
    }
}

/* read or write `count` elements of dataset d at the current coordinates */
static int rw_points(store *st, hid_t d, hid_t memtype, void *buf, size_t nelem, int write)
{
    hid_t fs = H5Dget_space(d);
    hsize_t n = nelem;
    hid_t ms = H5Screate_simple(1, &n, NULL);
    int ret = H5Sselect_elements(fs, H5S_SELECT_SET, nelem, st->coords) < 0 ? SWEEP_ERR_HDF5
                                                                             : SWEEP_OK;
    if (ret == 0)
        ret = (write ? H5Dwrite(d, memtype, ms, fs, H5P_DEFAULT, buf)
                     : H5Dread(d, memtype, ms, fs, H5P_DEFAULT, buf)) < 0
                  ? -1
                  : 0;
    H5Sclose(ms);
    H5Sclose(fs);
    return ret;
}

/* Trace field f of n points between the records' trace buffers (traces[i * stride + f * P + j])
 * and the dataset, at the coordinates fill_coords(..., P) set. */
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
        fill_coords(st, points, count, MSG_LEN);
        bad = rw_points(st, d, st->char_type, msg, n * ml, write);
        fill_coords(st, points, count, 0);
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
    if (rw_points(st, d, memory_type(f->member), buf, n, write))
        return 1;
    for (size_t i = 0; !write && i < n; i++) {
        memcpy((char *)&recs[i] + f->offset, buf + i * es, es);
        if (f->code == RECORD_CODE_POSITIVE)
            record_field_set(f, &recs[i], record_field_get(f, &recs[i]));
    }
    return 0;
}

/* Every field of the table for `count` points: traces first (the largest), then the values, the
 * state last, so that a reader that sees a point finished sees its data. */
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
    if (with_traces)
        fill_coords(st, points, count, st->P);
    for (int i = 0; with_traces && i < st->n_fields && !bad; i++)
        if (st->fields[i].group == RECORD_GROUP_TRACES && st->ds[i] >= 0)
            bad |= transfer_trace(st, st->ds[i], (int)st->fields[i].offset, traces, n, write);
    fill_coords(st, points, count, 0);
    int state = -1;
    for (int i = 0; i < st->n_fields && !bad; i++) {
        const record_field *f = &st->fields[i];
        if (f->group == RECORD_GROUP_TRACES)
            continue;
        if (st->ds[i] == st->st_state)
            state = i; /* last */
        else if (f->stored == RECORD_CHAR)
            bad |= transfer_message(st, st->ds[i], recs, points, count, write);
        else
            bad |= transfer_field(st, f, st->ds[i], recs, n, write);
    }
    if (!bad && state >= 0)
        bad |= transfer_field(st, &st->fields[state], st->ds[state], recs, n, write);
    for (size_t i = 0; !write && i < n; i++)
        recs[i].point = points[i];
    if (bad && write) {
        char what[4500];
        snprintf(what, sizeof what, "%s: HDF5 write of %d points", st->path, count);
        return write_error(what, eb);
    }
    if (bad)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "HDF5 read of %d points failed (damaged "
                                                    "store? run ufmsweep verify)", count);
    return SWEEP_OK;
}

int store_write_points(store *st, const point_record *recs, const double *traces, int count,
                       sweep_errbuf *eb)
{
    if (count <= 0)
        return SWEEP_OK;
    int64_t *points = malloc((size_t)count * sizeof *points);
    if (points == NULL)
        return SWEEP_ERR_NOMEM;
    for (int i = 0; i < count; i++)
        points[i] = recs[i].point;
    int ret = transfer(st, (point_record *)recs, (double *)traces, points, count, 1, eb);
    st->written = 1;
    free(points);
    return ret;
}

int store_read_points(store *st, const int64_t *points, int count, point_record *recs,
                      double *traces, sweep_errbuf *eb)
{
    if (count <= 0)
        return SWEEP_OK;
    memset(recs, 0, (size_t)count * sizeof *recs); /* what no field sets: error_code, reserved */
    return transfer(st, recs, traces, points, count, 0, eb);
}

int store_has_field(const store *st, int field)
{
    return field >= 0 && field < st->n_fields && st->ds[field] >= 0;
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
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s/%s: %lld values, expected %lld (wrong "
                                                    "shape)",
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
        fill_coords(st, ids, cnt, 0);
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

int store_add_reuse_source(store *st, const char *text, int *index, sweep_errbuf *eb)
{
    char *all = NULL;
    int ret = SWEEP_OK, n = 0;
    hid_t g = H5Gopen2(st->file, STORE_PROVENANCE, H5P_DEFAULT);
    if (g < 0)
        return sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot open /provenance", st->path);
    size_t old_len = 0;
    if (H5Aexists(g, "reuse_sources") > 0) {
        hid_t a = H5Aopen(g, "reuse_sources", H5P_DEFAULT), t = a >= 0 ? H5Aget_type(a) : -1;
        old_len = t >= 0 ? H5Tget_size(t) : 0;
        all = calloc(1, old_len + strlen(text) + 3);
        hid_t mt = string_type(old_len);
        if (all == NULL || a < 0 || H5Aread(a, mt, all) < 0)
            ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: cannot read the reuse_sources "
                                                       "attribute of /provenance", st->path);
        H5Tclose(mt);
        if (t >= 0)
            H5Tclose(t);
        if (a >= 0)
            H5Aclose(a);
        if (ret == SWEEP_OK && H5Adelete(g, "reuse_sources") < 0)
            ret = sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot rewrite reuse_sources",
                                st->path);
    } else {
        all = calloc(1, strlen(text) + 3);
        if (all == NULL)
            ret = SWEEP_ERR_NOMEM;
    }
    if (ret == SWEEP_OK) {
        /* a source named before (a resumed run with the same --reuse) keeps its number */
        for (char *line = all; *line != '\0'; n++) {
            char *nl = strchr(line, '\n');
            const size_t ll = nl != NULL ? (size_t)(nl - line) : strlen(line);
            if (ll == strlen(text) && strncmp(line, text, ll) == 0) {
                *index = n + 1;
                text = NULL;
                break;
            }
            line += ll + (nl != NULL);
        }
    }
    if (ret == SWEEP_OK && text == NULL) {
        if (attr_write_string(g, "reuse_sources", all) != 0)
            ret = sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot write reuse_sources", st->path);
    } else if (ret == SWEEP_OK) {
        strcat(all, text);
        strcat(all, "\n");
        if (attr_write_string(g, "reuse_sources", all) != 0)
            ret = sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot write reuse_sources", st->path);
        *index = n + 1;
    }
    free(all);
    H5Gclose(g);
    return ret;
}

int store_is_live(const store *st)
{
    return st->live;
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
        return flush_error(st->path, eb);
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

int store_set_writing(store *st, int writing, sweep_errbuf *eb)
{
    if (attr_write_i64(st->file, "open_for_writing", writing) < 0 ||
        H5Fflush(st->file, H5F_SCOPE_GLOBAL) < 0)
        return sweep_err_set(eb, SWEEP_ERR_HDF5, "cannot update open_for_writing");
    return SWEEP_OK;
}

int store_get_writing(store *st, int *writing)
{
    int64_t v = 1;
    if (attr_read_i64(st->file, "open_for_writing", &v) != 0)
        return SWEEP_ERR_HDF5;
    *writing = (int)v;
    return SWEEP_OK;
}

int store_set_run_attrs(store *st, const store_run_info *info, sweep_errbuf *eb)
{
    if (attr_write_i64(st->file, "mpi_size", info->mpi_size) < 0 ||
        attr_write_string(st->file, "hostname", info->hostname) < 0 ||
        attr_write_string(st->file, "hostnames", info->hostnames) < 0 ||
        attr_write_string(st->file, "slurm_job_id", info->slurm_job_id) < 0 ||
        attr_write_string(st->file, "program_version", info->program_version) < 0 ||
        attr_write_string(st->file, "mpi_library", info->mpi_library) < 0 ||
        attr_write_string(st->file, "hdf5_library", info->hdf5_library) < 0 ||
        attr_write_string(st->file, "blas_library", info->blas_library) < 0)
        return sweep_err_set(eb, SWEEP_ERR_HDF5, "cannot write the run attributes");
    return SWEEP_OK;
}

int store_run_count(store *st, int *n)
{
    hid_t sp = H5Dget_space(st->runs);
    hsize_t dims = 0;
    *n = 0;
    const int rank = sp >= 0 ? H5Sget_simple_extent_dims(sp, &dims, NULL) : -1;
    if (sp >= 0)
        H5Sclose(sp);
    if (rank != 1 || dims > INT32_MAX)
        return SWEEP_ERR_HDF5; /* a row numbered from a failed count would overwrite row 0 */
    *n = (int)dims;
    return SWEEP_OK;
}

int store_run_get(store *st, int i, store_run_row *row)
{
    hsize_t start = (hsize_t)i, one = 1;
    hid_t fs = H5Dget_space(st->runs), ms = H5Screate_simple(1, &one, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &one, NULL);
    int ret = H5Dread(st->runs, st->runs_type, ms, fs, H5P_DEFAULT, row) < 0 ? SWEEP_ERR_HDF5
                                                                              : SWEEP_OK;
    H5Sclose(ms);
    H5Sclose(fs);
    return ret;
}

int store_run_put(store *st, const store_run_row *row, sweep_errbuf *eb)
{
    int n = 0;
    if (store_run_count(st, &n) != SWEEP_OK)
        return sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: /provenance/runs cannot be read", st->path);
    if (row->run > n)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "run row %d after %d rows", row->run, n);
    if (row->run == n) {
        hsize_t nn = (hsize_t)n + 1;
        if (H5Dset_extent(st->runs, &nn) < 0 ||
            (st->runs_dim >= 0 && H5Dset_extent(st->runs_dim, &nn) < 0))
            return sweep_err_set(eb, SWEEP_ERR_HDF5, "cannot extend /provenance/runs");
    }
    hsize_t start = (hsize_t)row->run, one = 1;
    hid_t fs = H5Dget_space(st->runs), ms = H5Screate_simple(1, &one, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &one, NULL);
    int ret = H5Dwrite(st->runs, st->runs_type, ms, fs, H5P_DEFAULT, row) < 0 ? SWEEP_ERR_HDF5
                                                                              : SWEEP_OK;
    H5Sclose(ms);
    H5Sclose(fs);
    if (ret != SWEEP_OK)
        return sweep_err_set(eb, SWEEP_ERR_HDF5, "cannot write /provenance/runs row %d", row->run);
    return SWEEP_OK;
}

int store_copy_finished(store *dst, store *src, unsigned char *taken, int64_t *copied,
                        int64_t *duplicates, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    const int B = 4096, P = src->P > 0 && dst->P == src->P ? src->P : 0;
    const int64_t n = src->n_points;
    uint8_t *state = malloc((size_t)n);
    int64_t *ids = malloc((size_t)B * sizeof *ids);
    point_record *recs = malloc((size_t)B * sizeof *recs);
    double *traces = P > 0 ? malloc((size_t)B * P * POINT_TRACE_FIELDS * sizeof(double)) : NULL;
    *copied = *duplicates = 0;
    if (!state || !ids || !recs || (P > 0 && !traces)) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "cannot allocate the copy buffers");
        goto cleanup;
    }
    if (dst->n_points != n) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG, "stores of %lld and %lld points", (long long)n,
                            (long long)dst->n_points);
        goto cleanup;
    }
    if (src->numerics != dst->numerics) {
        /* a store holds the bits of one numerics version: a fresh copy takes its source's, and
         * points of another version never join points already there */
        if (dst->written) {
            ret = sweep_err_set(eb, SWEEP_ERR_NUMERICS,
                                "%s: its points are of numerics version %lld and %s already holds "
                                "points of version %lld: they cannot be joined",
                                src->path, (long long)src->numerics, dst->path,
                                (long long)dst->numerics);
            goto cleanup;
        }
        if (attr_write_i64(dst->file, "numerics_version", src->numerics) < 0) {
            ret = sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot write numerics_version",
                                dst->path);
            goto cleanup;
        }
        dst->numerics = src->numerics;
    }
    if ((ret = store_read_status(src, state, NULL, eb)) != SWEEP_OK)
        goto cleanup;
    int cnt = 0;
    for (int64_t p = 0; p <= n; p++) {
        if (p < n && state[p] != POINT_PENDING && state[p] != POINT_NOT_IN_STUDY) {
            if (taken != NULL && taken[p]) {
                (*duplicates)++;
            } else {
                if (taken != NULL)
                    taken[p] = 1;
                ids[cnt++] = p;
            }
        }
        if (cnt == B || (p == n && cnt > 0)) {
            /* traces travel only when both stores keep traces of the same length */
            if ((ret = store_read_points(src, ids, cnt, recs, P > 0 ? traces : NULL, eb)) != SWEEP_OK ||
                (ret = store_write_points(dst, recs, P > 0 ? traces : NULL, cnt, eb)) != SWEEP_OK)
                goto cleanup;
            *copied += cnt;
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

int store_copy_runs(store *dst, store *src, int *next_run, sweep_errbuf *eb)
{
    int rows = 0, ret = SWEEP_OK;
    if (store_run_count(src, &rows) != SWEEP_OK)
        return sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: /provenance/runs cannot be read", src->path);
    for (int r = 0; r < rows && ret == SWEEP_OK; r++) {
        store_run_row row;
        if (store_run_get(src, r, &row) != SWEEP_OK)
            return sweep_err_set(eb, SWEEP_ERR_HDF5, "cannot read /provenance/runs row %d", r);
        row.run = (*next_run)++;
        ret = store_run_put(dst, &row, eb);
    }
    return ret;
}

/* The axis values of one coordinate dataset against the spec's, bit for bit. */
static int verify_one_scale(hid_t d, const spec_axis *ax, const char *where, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    hid_t sp = H5Dget_space(d);
    hssize_t n = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (sp >= 0)
        H5Sclose(sp);
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
            axis_dim_name(&s->axes[a], dn, sizeof dn);
            snprintf(where, sizeof where, "%s/%s", groups[g], dn);
            hid_t d = open_dataset(st->file, where);
            if (d < 0)
                return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: missing", where);
            int ret = verify_one_scale(d, &s->axes[a], where, eb);
            H5Dclose(d);
            if (ret != SWEEP_OK)
                return ret;
        }
    }
    if (st->P > 0 && field_dataset(st, RECORD_GROUP_TRACES, "iter") >= 0) {
        const char *tn = s->trace_iters >= 0 ? "trace_iter" : "trace_point";
        char where[64];
        snprintf(where, sizeof where, STORE_TRACES "/%s", tn);
        hid_t d = open_dataset(st->file, where);
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
