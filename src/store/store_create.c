/* store_create.c - a new store: the groups, the coordinates as dimension scales, a dataset per field of
 * the record's table with its CF attributes, the provenance. Root rank. */
#include "store_impl.h"

#include "fsafe.h"
#include "version.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void store_axis_dim_name(const spec_axis *ax, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", ax->def->name);
    for (char *c = buf; *c; c++)
        if (*c == '-')
            *c = '_';
}

void store_coordinates_attr(const spec *s, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int a = 0; a < s->n_axes && len < cap; a++) {
        char dn[64];
        store_axis_dim_name(&s->axes[a], dn, sizeof dn);
        int w = snprintf(buf + len, cap - len, "%s%s", a ? " " : "", dn);
        len += w > 0 ? (size_t)w : 0;
    }
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
    hid_t t = h5_string_type(len + 1), sp = H5Screate(H5S_SCALAR);
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

/* One grid-layout coordinate of group g: the values of ax (numbers as float64, text as
 * variable-length UTF-8) as a dimension scale under the name of its option, with its spec key
 * and CF attributes. -1 on failure. */
static hid_t write_axis_dataset(hid_t g, const spec_axis *ax)
{
    char dn[64];
    store_axis_dim_name(ax, dn, sizeof dn);
    hsize_t n = (hsize_t)ax->n;
    hid_t sp = H5Screate_simple(1, &n, NULL), d;
    if (ax->numeric) {
        hid_t dcpl = checksummed_1d(n);
        d = H5Dcreate2(g, dn, H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        H5Pclose(dcpl);
        if (d >= 0 && H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, ax->num) < 0)
            d = (H5Dclose(d), -1);
    } else {
        /* variable-length UTF-8: xarray decodes these to str, so .sel(loss='cdt') works */
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
        d = H5Dcreate2(g, dn, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (d >= 0 && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, (const void *)ax->text) < 0)
            d = (H5Dclose(d), -1);
        H5Tclose(t);
    }
    H5Sclose(sp);
    const int bad = d < 0 || H5DSset_scale(d, dn) < 0 ||
                    h5_attr_write_string(d, "spec_key", ax->key) < 0 ||
                    h5_attr_write_cf(d, ax->def->help, ax->numeric ? "1" : NULL) < 0;
    if (bad && d >= 0)
        d = (H5Dclose(d), -1);
    return d;
}

/* A points-layout text coordinate: the labels as characters along a last dimension
 * <name>_strlen (netCDF's NC_CHAR layout with _Encoding, which xarray reads as text), chunked
 * and compressed like the data: a label per point costs a byte or two on disk, where
 * variable-length strings cost a heap object each. -1 on failure. */
static hid_t write_label_column(hid_t g, const spec_axis *col, const char *dn, hid_t point_scale)
{
    size_t L = 1;
    for (int i = 0; i < col->n; i++)
        L = strlen(col->text[i]) > L ? strlen(col->text[i]) : L;
    hsize_t dims[2] = {(hsize_t)col->n, (hsize_t)L};
    char *buf = calloc((size_t)col->n, L), lname[96], dimname[128];
    hid_t ct = h5_string_type(1), d = -1, len = -1;
    if (buf == NULL || ct < 0)
        goto cleanup;
    for (int i = 0; i < col->n; i++)
        memcpy(buf + (size_t)i * L, col->text[i], strlen(col->text[i]));
    d = h5_make_dataset(g, dn, ct, 2, dims, NULL);
    snprintf(lname, sizeof lname, "%s_strlen", dn);
    snprintf(dimname, sizeof dimname, "%s%10d", NC_DIM_ONLY, (int)L);
    hid_t sp1 = H5Screate_simple(1, &dims[1], NULL);
    if (sp1 >= 0) {
        len = H5Dcreate2(g, lname, H5T_IEEE_F32LE, sp1, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Sclose(sp1);
    }
    if (d < 0 || len < 0 || H5Dwrite(d, ct, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0 ||
        H5DSset_scale(len, dimname) < 0 || H5DSattach_scale(d, point_scale, 0) < 0 ||
        H5DSattach_scale(d, len, 1) < 0 || h5_attr_write_string(d, "_Encoding", "utf-8") < 0)
        d = d >= 0 ? (H5Dclose(d), -1) : -1;
cleanup:
    if (len >= 0)
        H5Dclose(len);
    if (ct >= 0)
        H5Tclose(ct);
    free(buf);
    return d;
}

/* The points layout's coordinates in group g: the `point` dimension scale (0 .. n_points - 1)
 * in scales[0], each axis's value at every point in scales[1 + a] (numbers as float64, labels
 * as characters), chunked, compressed and checksummed like the data. */
static int make_point_coords(hid_t g, const spec *s, hid_t *scales)
{
    hsize_t n = (hsize_t)s->n_points;
    int64_t *ix = malloc((size_t)n * sizeof *ix);
    if (ix == NULL)
        return SWEEP_ERR_NOMEM;
    for (hsize_t i = 0; i < n; i++)
        ix[i] = (int64_t)i;
    scales[0] = h5_make_dataset(g, "point", H5T_STD_I64LE, 1, &n, NULL);
    int bad = scales[0] < 0 ||
              H5Dwrite(scales[0], H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, ix) < 0 ||
              H5DSset_scale(scales[0], "point") < 0 ||
              h5_attr_write_cf(scales[0], "the study's point (index in the store)", "1") < 0;
    free(ix);
    for (int a = 0; !bad && a < s->n_axes; a++) {
        spec_axis col;
        char dn[64];
        if (spec_axis_at_points(s, a, &col) != SWEEP_OK)
            return SWEEP_ERR_NOMEM;
        store_axis_dim_name(&col, dn, sizeof dn);
        hid_t d;
        if (col.numeric) {
            d = h5_make_dataset(g, dn, H5T_IEEE_F64LE, 1, &n, NULL);
            if (d >= 0 && (H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, col.num) < 0 ||
                           H5DSattach_scale(d, scales[0], 0) < 0))
                d = (H5Dclose(d), -1);
        } else {
            d = write_label_column(g, &col, dn, scales[0]);
        }
        free(col.text);
        free(col.num);
        scales[1 + a] = d;
        bad = d < 0 || h5_attr_write_string(d, "spec_key", s->axes[a].key) < 0 ||
              h5_attr_write_cf(d, s->axes[a].def->help, col.numeric ? "1" : NULL) < 0;
    }
    return bad ? SWEEP_ERR_HDF5 : SWEEP_OK;
}

static int make_scales(hid_t g, const spec *s, int P, int with_trace, hid_t *scales, hid_t *trace)
{
    if (s->layout == SPEC_LAYOUT_POINTS) {
        int ret = make_point_coords(g, s, scales);
        if (ret != SWEEP_OK)
            return ret;
    }
    for (int a = 0; s->layout == SPEC_LAYOUT_GRID && a < s->n_axes; a++)
        if ((scales[a] = write_axis_dataset(g, &s->axes[a])) < 0)
            return SWEEP_ERR_HDF5;
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
                  h5_attr_write_cf(*trace, s->trace_iters >= 0 ? "iteration at which the trace "
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
    hid_t d = h5_make_dataset(g, name, st->char_type, R + 1, mdims, NULL);
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
                    (d >= 0 && h5_attr_write_string(d, "_Encoding", "utf-8") < 0);
    if (mlen >= 0)
        H5Dclose(mlen);
    if (bad && d >= 0)
        d = (H5Dclose(d), -1);
    return d;
}

/* Field i of the table as a dataset of group g: the grid's scales attached (and the trace scale
 * on the last dimension of a trace), its fill value and its CF attributes. */
static int create_field(store *st, int i, hid_t g, const hid_t *scales, hid_t trace_scale,
                        const char *coordinates)
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
        d = h5_make_dataset(g, f->name, h5_file_type(f->stored), R + trace, dims, &f->fill);
    }
    st->ds[i] = d;
    if (d < 0 || attach_scales(d, scales, R, trace ? trace_scale : -1) != SWEEP_OK ||
        h5_attr_write_cf(d, f->long_name, f->units) != SWEEP_OK ||
        (f->n_flags > 0 && h5_attr_write_flags(d, h5_file_type(f->stored), f->flag_values, f->n_flags,
                                            f->flag_meanings) != SWEEP_OK) ||
        (f->comment != NULL && h5_attr_write_string(d, "comment", f->comment) != SWEEP_OK) ||
        (coordinates != NULL && h5_attr_write_string(d, "coordinates", coordinates) != SWEEP_OK))
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

/* the root attributes: identity, provenance, CF-1.8 (groups are allowed since 1.8: what xarray,
 * ncdump and CF tools look for) */
static int write_root_attrs(store *st, const spec *s, const char *shard)
{
    char now[32], host[64] = "", title[512], history[256];
    utc_now(now);
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    snprintf(title, sizeof title, "%s", s->name[0] ? s->name : "ufmsweep sweep");
    snprintf(history, sizeof history, "%s: created by ufmsweep %s run", now, UFMSWEEP_VERSION);
    const hid_t f = st->file;
    int bad = 0;
    bad |= h5_attr_write_i64(f, "schema_version", STORE_SCHEMA_VERSION);
    bad |= h5_attr_write_string(f, "program_version", UFMSWEEP_VERSION);
    bad |= h5_attr_write_i64(f, "numerics_version", POINT_NUMERICS_VERSION);
    st->numerics = POINT_NUMERICS_VERSION;
    bad |= h5_attr_write_string(f, "created_utc", now);
    bad |= h5_attr_write_string(f, "spec_sha256", s->spec_sha256);
    bad |= h5_attr_write_string(f, "grid_sha256", s->grid_sha256);
    bad |= h5_attr_write_string(f, "name", s->name);
    bad |= h5_attr_write_i64(f, "seed_base", s->seed_base);
    bad |= h5_attr_write_i64(f, "n_points", s->n_points);
    if (s->layout == SPEC_LAYOUT_POINTS) /* absent: grid (every store before 0.4) */
        bad |= h5_attr_write_string(f, "layout", spec_layout_name(s->layout));
    bad |= h5_attr_write_i64(f, "trace_points", st->P);
    bad |= h5_attr_write_string(f, "shard", shard);
    bad |= h5_attr_write_i64(f, "open_for_writing", 1);
    bad |= h5_attr_write_string(f, "hostname", host);
    bad |= h5_attr_write_string(f, "slurm_job_id", "");
    bad |= h5_attr_write_i64(f, "mpi_size", 0);
    bad |= h5_attr_write_string(f, "Conventions", "CF-1.8");
    bad |= h5_attr_write_string(f, "title", title);
    bad |= h5_attr_write_string(f, "history", history);
    bad |= h5_attr_write_string(f, "source", "ufmsweep " UFMSWEEP_VERSION);
    return bad ? SWEEP_ERR_HDF5 : SWEEP_OK;
}

/* the groups of a new store (by record_group, -1 where it has none) and the others */
typedef struct create_groups {
    hid_t data[4];     /* by record_group: /theory, /results, /status, /traces */
    hid_t coords, prov;
    hid_t scales[4][SPEC_MAX_AXES + 1]; /* each data group's axis scales (points layout: the
                                           point scale, then each axis's values) */
    hid_t trace[4];    /* the trace scale of /traces */
} create_groups;

static void create_groups_init(create_groups *g)
{
    for (int i = 0; i < 4; i++) {
        g->data[i] = g->trace[i] = -1;
        for (int a = 0; a <= SPEC_MAX_AXES; a++)
            g->scales[i][a] = -1;
    }
    g->coords = g->prov = -1;
}

static void create_groups_close(create_groups *g)
{
    for (int i = 0; i < 4; i++) {
        for (int a = 0; a <= SPEC_MAX_AXES; a++)
            if (g->scales[i][a] >= 0)
                H5Dclose(g->scales[i][a]);
        if (g->trace[i] >= 0)
            H5Dclose(g->trace[i]);
        if (g->data[i] >= 0)
            H5Gclose(g->data[i]);
    }
    if (g->coords >= 0)
        H5Gclose(g->coords);
    if (g->prov >= 0)
        H5Gclose(g->prov);
}

static hid_t new_group(hid_t file, const char *name)
{
    return H5Gcreate2(file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
}

/* the groups, and dimension scales in every group that holds grid-shaped data (xarray's
 * h5netcdf engine labels a group's dimensions with the coordinate variables of that group),
 * hard-linked under /coords */
static int create_coordinates(store *st, const spec *s, create_groups *g, sweep_errbuf *eb)
{
    g->coords = new_group(st->file, STORE_COORDS);
    g->prov = new_group(st->file, STORE_PROVENANCE);
    g->data[RECORD_GROUP_THEORY] = new_group(st->file, STORE_THEORY);
    g->data[RECORD_GROUP_STATUS] = new_group(st->file, STORE_STATUS);
    if (st->has_results)
        g->data[RECORD_GROUP_RESULTS] = new_group(st->file, STORE_RESULTS);
    if (st->P > 0)
        g->data[RECORD_GROUP_TRACES] = new_group(st->file, STORE_TRACES);
    if (g->coords < 0 || g->prov < 0 || g->data[RECORD_GROUP_THEORY] < 0 ||
        g->data[RECORD_GROUP_STATUS] < 0 || (st->has_results && g->data[RECORD_GROUP_RESULTS] < 0) ||
        (st->P > 0 && g->data[RECORD_GROUP_TRACES] < 0))
        return sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot create the groups", st->path);
    for (int i = 0; i < 4; i++)
        if (g->data[i] >= 0 && make_scales(g->data[i], s, st->P, i == RECORD_GROUP_TRACES,
                                           g->scales[i], &g->trace[i]) != SWEEP_OK)
            return sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot write the coordinates",
                                 st->path);
    for (int a = s->layout == SPEC_LAYOUT_POINTS ? -1 : 0; a < s->n_axes; a++) {
        char dn[64], src[96], link[96];
        if (a < 0)
            snprintf(dn, sizeof dn, "point");
        else
            store_axis_dim_name(&s->axes[a], dn, sizeof dn);
        snprintf(src, sizeof src, STORE_THEORY "/%s", dn);
        snprintf(link, sizeof link, STORE_COORDS "/%s", dn);
        if (H5Lcreate_hard(st->file, src, st->file, link, H5P_DEFAULT, H5P_DEFAULT) < 0)
            return sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot link %s", st->path, link);
    }
    if (st->P > 0) {
        const char *tn = s->trace_iters >= 0 ? "trace_iter" : "trace_point";
        char src[64], link[64];
        snprintf(src, sizeof src, STORE_TRACES "/%s", tn);
        snprintf(link, sizeof link, STORE_COORDS "/%s", tn);
        if (H5Lcreate_hard(st->file, src, st->file, link, H5P_DEFAULT, H5P_DEFAULT) < 0)
            return sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot link %s", st->path, link);
    }
    return SWEEP_OK;
}

/* grid-shaped datasets: every field of the record's table whose group this store has; the
 * points of no block get their own state from the start, never pending */
static int create_fields(store *st, const spec *s, const create_groups *g)
{
    int fail = 0;
    char coordinates[SPEC_MAX_AXES * 64];
    store_coordinates_attr(s, coordinates, sizeof coordinates);
    for (int i = 0; i < st->n_fields && !fail; i++) {
        const record_group grp = st->fields[i].group;
        if (g->data[grp] >= 0)
            fail |= create_field(st, i, g->data[grp], g->scales[grp], g->trace[grp],
                                 s->layout == SPEC_LAYOUT_POINTS ? coordinates : NULL) != SWEEP_OK;
    }
    store_alias_fields(st);
    if (fail)
        return SWEEP_ERR_HDF5;
    if (s->every_point_in_study)
        return SWEEP_OK;
    uint8_t *init = malloc((size_t)s->n_points);
    if (init == NULL)
        return SWEEP_ERR_NOMEM;
    for (int64_t p = 0; p < s->n_points; p++)
        init[p] = spec_point_block(s, p) < 0 ? POINT_NOT_IN_STUDY : POINT_PENDING;
    fail = H5Dwrite(st->st_state, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, init) < 0;
    free(init);
    return fail ? SWEEP_ERR_HDF5 : SWEEP_OK;
}

/* /provenance: the spec verbatim, the expanded configuration, the overrides and the spec they
 * make, and the (empty, growing) table of runs with its netCDF dimension */
static int create_provenance(store *st, const spec *s, hid_t g_prov)
{
    int fail = 0;
    fail |= write_text_dataset(g_prov, "spec", s->text, s->text_len) < 0;
    fail |= write_text_dataset(g_prov, "effective", s->effective, strlen(s->effective)) < 0;
    if (s->overrides != NULL && s->overrides[0] != '\0') {
        /* the overrides as given, and the spec they make (what readers parse) */
        fail |= write_text_dataset(g_prov, "overrides", s->overrides, strlen(s->overrides)) < 0;
        fail |= write_text_dataset(g_prov, "spec_resolved", s->resolved, s->resolved_len) < 0;
    }
    hsize_t zero = 0, unlim = H5S_UNLIMITED, chunk = 16;
    hid_t sp = H5Screate_simple(1, &zero, &unlim), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl >= 0 && (H5Pset_chunk(dcpl, 1, &chunk) < 0 || H5Pset_fletcher32(dcpl) < 0)) {
        H5Pclose(dcpl);
        dcpl = -1; /* then no runs table: the store is refused */
    }
    if (sp >= 0 && dcpl >= 0) {
        st->runs = H5Dcreate2(g_prov, "runs", st->runs_type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        /* its dimension, so that netCDF readers (h5netcdf, xarray) open /provenance without
         * phony dimensions; it grows with the rows */
        st->runs_dim = H5Dcreate2(g_prov, "run", H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl,
                                  H5P_DEFAULT);
    }
    if (dcpl >= 0)
        H5Pclose(dcpl);
    if (sp >= 0)
        H5Sclose(sp);
    char dimname[96];
    snprintf(dimname, sizeof dimname, "%s%10d", NC_DIM_ONLY, 0);
    fail |= st->runs < 0 || st->runs_dim < 0 || H5DSset_scale(st->runs_dim, dimname) < 0 ||
            H5DSattach_scale(st->runs, st->runs_dim, 0) < 0 ||
            h5_attr_write_cf(st->runs, "one row per invocation of ufmsweep run", NULL) < 0;
    hid_t d = H5Dopen2(g_prov, "spec", H5P_DEFAULT), e = H5Dopen2(g_prov, "effective",
                                                                    H5P_DEFAULT);
    fail |= d < 0 || e < 0 || h5_attr_write_cf(d, "the spec file, verbatim", NULL) < 0 ||
            h5_attr_write_cf(e, "the expanded configuration (JSON)", NULL) < 0;
    if (d >= 0)
        H5Dclose(d);
    if (e >= 0)
        H5Dclose(e);
    return fail ? SWEEP_ERR_HDF5 : SWEEP_OK;
}

/* path is an empty file this process just made (fsafe_temp_create): the store is created in it
 * (truncating), and a failure removes it. */
static int store_create_file(const char *path, const spec *s, const char *shard,
                             int with_traces, store **out, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    create_groups g;
    create_groups_init(&g);
    store *st = store_alloc();
    if (st == NULL) {
        unlink(path);
        return SWEEP_ERR_NOMEM;
    }
    snprintf(st->path, sizeof st->path, "%s", path);
    /* HDF5 1.10's format: what single-writer/multiple-reader (SWMR) access needs, so that
     * readers can follow a run while it writes (store_open) */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    errno = 0;
    if (fapl >= 0 && H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110) >= 0)
        st->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (fapl >= 0)
        H5Pclose(fapl);
    if (st->file < 0) {
        int err = errno;
        unlink(path); /* the empty file this process made */
        ret = sweep_err_set(eb, fsafe_errno_code(err), "%s: cannot create the store: %s", path,
                            err != 0 ? strerror(err) : "HDF5 refused");
        goto cleanup;
    }
    st->layout = s->layout;
    st->rank = s->layout == SPEC_LAYOUT_POINTS ? 1 : s->n_axes;
    st->n_points = s->n_points;
    st->P = s->any_ufm && with_traces ? s->trace_points : 0;
    st->has_results = s->any_solve;
    for (int a = 0; a < s->n_axes; a++)
        st->dims[a] = (hsize_t)s->axes[a].n;
    if (s->layout == SPEC_LAYOUT_POINTS)
        st->dims[0] = (hsize_t)s->n_points;
    if (write_root_attrs(st, s, shard) != SWEEP_OK) {
        ret = sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot write the attributes", path);
        goto cleanup;
    }
    if ((ret = create_coordinates(st, s, &g, eb)) != SWEEP_OK)
        goto cleanup;
    if ((ret = create_fields(st, s, &g)) != SWEEP_OK ||
        (ret = create_provenance(st, s, g.prov)) != SWEEP_OK) {
        ret = sweep_err_set(eb, ret, "%s: cannot create the datasets", path);
        goto cleanup;
    }
    if (H5Fflush(st->file, H5F_SCOPE_GLOBAL) < 0) {
        ret = h5_flush_error(path, eb);
        goto cleanup;
    }
    *out = st;
    st = NULL;
cleanup:
    create_groups_close(&g);
    if (st != NULL) {
        /* a half-made store in our own temporary file is worthless: never leave one */
        store_discard(&st);
        unlink(path);
    }
    return ret;
}
