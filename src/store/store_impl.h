/* store_impl.h - the store's private header: the handle's layout and the HDF5 helpers that the
 * store's files share (store_hdf5.c: attributes, datasets, types, errors; store_open.c: the
 * handle; store_create.c: a new store; store_points.c: point records; store_prov.c: provenance;
 * store_verify.c: the checks of `ufmsweep verify`). Included by src/store/store_*.c only: this
 * is the one place outside HDF5 itself where the store's file layout is known. Root rank. */
#ifndef UFMSWEEP_STORE_IMPL_H
#define UFMSWEEP_STORE_IMPL_H

#include "store.h"

#include "store_schema.h"

#include <hdf5.h>
#include <hdf5_hl.h>

#define CHUNK_TARGET 4096
#define MAX_DIMS (SPEC_MAX_AXES + 1)
#define MSG_LEN ((int)sizeof(((point_record *)0)->message))
/* netCDF's mark of a dimension scale that is a dimension only (no coordinate variable) */
#define NC_DIM_ONLY "This is a netCDF dimension but not a netCDF variable."

struct store {
    hid_t file;
    int layout;              /* spec_layout: grid (rank = the axes) or points (rank 1) */
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
    int f_state;             /* the state's index in fields[] (written last, read first) */
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
    hid_t sel;               /* the file selection of the points being transferred (a dataspace
                                of the shape it was made for, select_points), -1: none */
    int sel_rank;            /* a hyperslab selection: the memory shape that matches it (HDF5
                                maps a selection of another shape element by element); 0: an
                                element list (memory is one dimension) */
    hsize_t sel_count[MAX_DIMS + 1];
    double *vbuf;            /* scratch values */
    size_t vbuf_cap;
    char path[4352];         /* for messages */
};

/* ---- store_hdf5.c ---- */

/* h5_write_error, h5_flush_error - the error of a failed HDF5 write or flush: ENOSPC and
 * EDQUOT (left in errno by the write that failed) are named as a full disk, anything else as an
 * HDF5 failure with its errno. Return the code set. */
int h5_write_error(const char *what, sweep_errbuf *eb);
int h5_flush_error(const char *path, sweep_errbuf *eb);

/* h5_string_type - a NUL-terminated fixed-length string type of len bytes (caller closes). */
hid_t h5_string_type(size_t len);

/* attributes: a string (replacing one of the same name), CF long_name and units (NULL: none),
 * CF flags (flag_values of the dataset's type, given as int64, and flag_meanings), an int64;
 * SWEEP_OK or SWEEP_ERR_HDF5. The reads leave *v / "" when the attribute is absent (and return
 * nonzero). */
SWEEP_MUST_USE int h5_attr_write_string(hid_t obj, const char *name, const char *value);
SWEEP_MUST_USE int h5_attr_write_cf(hid_t obj, const char *long_name, const char *units);
SWEEP_MUST_USE int h5_attr_write_flags(hid_t d, hid_t type, const int64_t *values, int n, const char *meanings);
SWEEP_MUST_USE int h5_attr_write_i64(hid_t obj, const char *name, int64_t v);
SWEEP_MUST_USE int h5_attr_read_i64(hid_t obj, const char *name, int64_t *v);
void h5_attr_read_string(hid_t obj, const char *name, char *buf, size_t cap);

/* h5_make_dataset - a chunked, compressed, checksummed dataset with a fill value (a double
 * that HDF5 converts to the dataset's type; NULL: HDF5's default, zero bytes); -1 on failure,
 * never a dataset without its checksum. h5_open_dataset - an existing dataset by path (-1: none). */
hid_t h5_make_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                      const double *fill);
hid_t h5_open_dataset(hid_t file, const char *path);

/* store_h5_open - H5Fopen of a store: in SWMR mode (writers: H5F_ACC_SWMR_WRITE; readers:
 * H5F_ACC_SWMR_READ without file locks, so that a reader never blocks a writer) for stores in
 * HDF5 1.10's format, the plain way with HDF5's locks for stores made before 0.2. *live (may be
 * NULL) is set to 1 when opened in SWMR mode; *locked (may be NULL) to 1 when it failed
 * because another process holds HDF5's lock on the file. Returns the file id or a negative
 * value (store_open turns the reasons into project codes). The caller closes it (H5Fclose). */
hid_t store_h5_open(const char *path, int writable, int *live, int *locked);

/* h5_runs_type_create - the compound type of a /provenance/runs row (store_run_row). */
hid_t h5_runs_type_create(void);

/* h5_file_type, h5_memory_type - the HDF5 type of a record element on file (little-endian, as
 * every store) and in memory. Predefined types: not closed. */
hid_t h5_file_type(record_elem e);
hid_t h5_memory_type(record_elem e);

/* h5_read_numerics_version - the numerics_version root attribute (1 for 0.3 stores that lack
 * it, 0 before 0.3). */
int64_t h5_read_numerics_version(hid_t file);

/* ---- store_open.c ---- */

/* store_alloc - a handle with no file and every dataset id -1 (NULL: out of memory). */
store *store_alloc(void);

/* store_field_dataset - the dataset of GROUP/name of the field table (-1: the store has none);
 * store_alias_fields - sets the aliases (st_state, ...) and has_results from ds[]. */
hid_t store_field_dataset(const store *st, record_group group, const char *name);
void store_alias_fields(store *st);

/* ---- store_create.c ---- */

/* store_axis_dim_name - the dimension (and scale dataset) name of an axis: its option name
 * with '-' as '_'. */
void store_axis_dim_name(const spec_axis *ax, char *buf, size_t cap);

/* store_coordinates_attr - "R gamma loss": the CF `coordinates` attribute of a points-layout
 * dataset (the axes' names). */
void store_coordinates_attr(const spec *s, char *buf, size_t cap);

#endif /* UFMSWEEP_STORE_IMPL_H */
