/* store_prov.c - the provenance of a store: /provenance/runs, the run attributes, the reuse sources. Root rank. */
#include "store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        hid_t mt = h5_string_type(old_len);
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
        if (h5_attr_write_string(g, "reuse_sources", all) != 0)
            ret = sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot write reuse_sources", st->path);
    } else if (ret == SWEEP_OK) {
        strcat(all, text);
        strcat(all, "\n");
        if (h5_attr_write_string(g, "reuse_sources", all) != 0)
            ret = sweep_err_set(eb, SWEEP_ERR_HDF5, "%s: cannot write reuse_sources", st->path);
        *index = n + 1;
    }
    free(all);
    H5Gclose(g);
    return ret;
}

int store_set_writing(store *st, int writing, sweep_errbuf *eb)
{
    if (h5_attr_write_i64(st->file, "open_for_writing", writing) < 0 ||
        H5Fflush(st->file, H5F_SCOPE_GLOBAL) < 0)
        return sweep_err_set(eb, SWEEP_ERR_HDF5, "cannot update open_for_writing");
    return SWEEP_OK;
}

int store_get_writing(store *st, int *writing)
{
    int64_t v = 1;
    if (h5_attr_read_i64(st->file, "open_for_writing", &v) != 0)
        return SWEEP_ERR_HDF5;
    *writing = (int)v;
    return SWEEP_OK;
}

int store_set_run_attrs(store *st, const store_run_info *info, sweep_errbuf *eb)
{
    if (h5_attr_write_i64(st->file, "mpi_size", info->mpi_size) < 0 ||
        h5_attr_write_string(st->file, "hostname", info->hostname) < 0 ||
        h5_attr_write_string(st->file, "hostnames", info->hostnames) < 0 ||
        h5_attr_write_string(st->file, "slurm_job_id", info->slurm_job_id) < 0 ||
        h5_attr_write_string(st->file, "program_version", info->program_version) < 0 ||
        h5_attr_write_string(st->file, "mpi_library", info->mpi_library) < 0 ||
        h5_attr_write_string(st->file, "hdf5_library", info->hdf5_library) < 0 ||
        h5_attr_write_string(st->file, "blas_library", info->blas_library) < 0 ||
        h5_attr_write_string(st->file, "source_commit",
                             info->source_commit != NULL ? info->source_commit : "unknown") < 0)
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

/* row i of /provenance/runs read into or written from row */
static int runs_row_io(store *st, int i, store_run_row *row, int write)
{
    hsize_t start = (hsize_t)i, one = 1;
    hid_t fs = H5Dget_space(st->runs), ms = H5Screate_simple(1, &one, NULL);
    int bad =
        fs < 0 || ms < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &one, NULL) < 0;
    if (!bad)
        bad = (write ? H5Dwrite(st->runs, st->runs_type, ms, fs, H5P_DEFAULT, row)
                     : H5Dread(st->runs, st->runs_type, ms, fs, H5P_DEFAULT, row)) < 0;
    if (ms >= 0)
        H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
    return bad ? SWEEP_ERR_HDF5 : SWEEP_OK;
}

int store_run_get(store *st, int i, store_run_row *row)
{
    return runs_row_io(st, i, row, 0);
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
    store_run_row copy = *row;
    const int ret = runs_row_io(st, row->run, &copy, 1);
    if (ret != SWEEP_OK)
        return sweep_err_set(eb, SWEEP_ERR_HDF5, "cannot write /provenance/runs row %d", row->run);
    return SWEEP_OK;
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
