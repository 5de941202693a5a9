/* store_open.c - a store's handle: open an existing store, its identity and spec, close. Root rank. */
#include "store_impl.h"

#include "fsafe.h"
#include "version.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void store_attr_string(store *st, const char *name, char *buf, size_t cap)
{
    h5_attr_read_string(st->file, name, buf, cap);
}

static void store_free_handles(store *st)
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
    if (st->sel >= 0)
        H5Sclose(st->sel);
}

store *store_alloc(void)
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
    st->runs = st->runs_dim = st->sel = -1;
    st->runs_type = h5_runs_type_create();
    st->msg_type = h5_string_type(sizeof(((point_record *)0)->message));
    st->char_type = h5_string_type(1);
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
    store_free_handles(st);
    if (st->file >= 0 && H5Fclose(st->file) < 0) {
        ret = SWEEP_ERR_HDF5;
    }
    free(st);
    *pst = NULL;
    return ret;
}

/* the dataset of GROUP/name (-1: none) */
hid_t store_field_dataset(const store *st, record_group group, const char *name)
{
    const int i = record_field_find(group, name);
    return i >= 0 ? st->ds[i] : -1;
}

/* the aliases of the datasets the store reads by name */
void store_alias_fields(store *st)
{
    st->f_state = record_field_find(RECORD_GROUP_STATUS, "state");
    st->st_state = store_field_dataset(st, RECORD_GROUP_STATUS, "state");
    st->st_attempts = store_field_dataset(st, RECORD_GROUP_STATUS, "attempts");
    st->st_message = store_field_dataset(st, RECORD_GROUP_STATUS, "message");
    st->st_commit = store_field_dataset(st, RECORD_GROUP_STATUS, "commit_time");
    st->st_source = store_field_dataset(st, RECORD_GROUP_STATUS, "source");
    st->has_results = store_field_dataset(st, RECORD_GROUP_RESULTS, "w_fro") >= 0;
}

/* open every dataset of the field table by name (those that exist) */
static void open_all(store *st)
{
    char path[128];
    for (int i = 0; i < st->n_fields; i++) {
        snprintf(path, sizeof path, "%s/%s", record_group_path(st->fields[i].group),
                 st->fields[i].name);
        st->ds[i] = h5_open_dataset(st->file, path);
    }
    st->runs = h5_open_dataset(st->file, STORE_RUNS);
    st->runs_dim = h5_open_dataset(st->file, STORE_PROVENANCE "/run");
    store_alias_fields(st);
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
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) /* a FIFO would block HDF5's open */
        return sweep_err_set(eb, SWEEP_ERR_NOT_OURS, "%s: not a regular file (a %s), not a store",
                             path, S_ISFIFO(sb.st_mode) ? "FIFO" : "device or socket");
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
    if (h5_attr_read_i64(st->file, "schema_version", &version) != 0) {
        /* absent: another program's file; unreadable: a damaged one (a truncated store) */
        if (H5Aexists(st->file, "schema_version") < 0)
            ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: its attributes cannot be read "
                                                       "(damaged or truncated)", path);
        else
            ret = sweep_err_set(eb, SWEEP_ERR_NOT_OURS, "%s: an HDF5 file but not a ufmsweep "
                                                        "store (no schema_version)", path);
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
        h5_attr_read_string(st->file, "grid_sha256", g, sizeof g);
        ret = sweep_err_set(eb, SWEEP_ERR_OTHER_SPEC,
                            "%s: the store belongs to a spec of another meaning (grid hash "
                            "%.12s..., this spec %.12s...): refusing to mix results; use "
                            "another --store, or copy its finished points into a new store "
                            "with --reuse %s",
                            path, g, s->grid_sha256, path);
        goto cleanup;
    }
    const int missing = h5_attr_read_i64(st->file, "n_points", &np) != SWEEP_OK ||
                        h5_attr_read_i64(st->file, "trace_points", &P) != SWEEP_OK;
    if (missing || np < 1 || np > SPEC_MAX_POINTS || P < 0 || P > UFM_MAX_TRACE_POINTS) {
        ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED,
                            "%s: n_points %lld or trace_points %lld %s (damaged store)", path,
                            (long long)np, (long long)P, missing ? "missing" : "out of range");
        goto cleanup;
    }
    st->n_points = np;
    st->P = (int)P;
    char layout[16];
    h5_attr_read_string(st->file, "layout", layout, sizeof layout);
    st->layout = !strcmp(layout, "points") ? SPEC_LAYOUT_POINTS : SPEC_LAYOUT_GRID;
    if (layout[0] != '\0' && strcmp(layout, "points") != 0 && strcmp(layout, "grid") != 0) {
        ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: layout '%s' is not grid or points "
                                                   "(damaged store)", path, layout);
        goto cleanup;
    }
    if (s != NULL && s->layout != st->layout) {
        ret = sweep_err_set(eb, SWEEP_ERR_OTHER_SPEC,
                            "%s: the store lays its points out as %s, the spec as %s (its "
                            "layout: key): write layout: %s to resume it, or copy its points "
                            "into a new store with --reuse %s",
                            path, spec_layout_name(st->layout), spec_layout_name(s->layout),
                            spec_layout_name(st->layout), path);
        goto cleanup;
    }
    st->numerics = h5_read_numerics_version(st->file);
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
    if ((int64_t)total != st->n_points || (st->layout == SPEC_LAYOUT_POINTS && st->rank != 1) ||
        (st->P > 0 && store_field_dataset(st, RECORD_GROUP_TRACES, "iter") < 0)) {
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
    h5_attr_read_string(st->file, "grid_sha256", g, sizeof g);
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
    if (spec_set_layout(s, st->layout, &eb2) != SWEEP_OK) {
        ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: its spec cannot be laid out as the store "
                                                   "is: %s", path, eb2.msg);
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

int store_spec_text(const char *path, int resolved, char **text, size_t *len, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    hid_t f = -1, d = -1, t = -1, mt = -1;
    if (H5Fis_hdf5(path) <= 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: not an HDF5 store (or damaged/missing)", path);
    f = store_h5_open(path, 0, NULL, NULL);
    if (f >= 0 && resolved && H5Lexists(f, STORE_SPEC_RESOLVED, H5P_DEFAULT) > 0)
        d = h5_open_dataset(f, STORE_SPEC_RESOLVED);
    if (f < 0 || (d < 0 && (d = h5_open_dataset(f, STORE_SPEC)) < 0)) {
        ret = sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot read /provenance/spec", path);
        goto cleanup;
    }
    t = H5Dget_type(d);
    size_t sz = H5Tget_size(t);
    mt = h5_string_type(sz);
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

int store_layout(const store *st)
{
    return st->layout;
}

int64_t store_n_points(const store *st)
{
    return st->n_points;
}

int store_trace_points(const store *st)
{
    return st->P;
}

int store_has_field(const store *st, int field)
{
    return field >= 0 && field < st->n_fields && st->ds[field] >= 0;
}

int store_is_live(const store *st)
{
    return st->live;
}
