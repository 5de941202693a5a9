/* store_hdf5.c - HDF5 helpers of the store: attributes, datasets, types, errors, and the one way to open a
 * store's file (store_h5_open). Root rank. */
#include "store_impl.h"

#include "fsafe.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The error of a failed HDF5 write or flush: ENOSPC and EDQUOT (left in errno by the write
 * that failed) are named as a full disk, anything else as an HDF5 failure with its errno. */
int h5_write_error(const char *what, sweep_errbuf *eb)
{
    int err = errno;
    if (fsafe_errno_code(err) == SWEEP_ERR_NOSPACE)
        return sweep_err_set(eb, SWEEP_ERR_NOSPACE, "%s failed: %s (disk full)", what,
                             strerror(err));
    return sweep_err_set(eb, SWEEP_ERR_HDF5, "%s failed%s%s", what, err != 0 ? ": " : "",
                         err != 0 ? strerror(err) : "");
}

int h5_flush_error(const char *path, sweep_errbuf *eb)
{
    char what[4200];
    snprintf(what, sizeof what, "%s: HDF5 flush", path);
    return h5_write_error(what, eb);
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

hid_t h5_string_type(size_t len)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, len > 0 ? len : 1);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    return t;
}

int h5_attr_write_string(hid_t obj, const char *name, const char *value)
{
    int ret = SWEEP_OK;
    hid_t t = h5_string_type(strlen(value) + 1), sp = H5Screate(H5S_SCALAR), a = -1;
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
int h5_attr_write_cf(hid_t obj, const char *long_name, const char *units)
{
    int bad = h5_attr_write_string(obj, "long_name", long_name) < 0;
    if (units != NULL)
        bad |= h5_attr_write_string(obj, "units", units) < 0;
    return bad ? SWEEP_ERR_HDF5 : SWEEP_OK;
}

/* CF flags: flag_values (n values of the dataset's type, given as int64) and flag_meanings
 * (blank-separated words, one per value) */
int h5_attr_write_flags(hid_t d, hid_t type, const int64_t *values, int n, const char *meanings)
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
    if (ret == SWEEP_OK && h5_attr_write_string(d, "flag_meanings", meanings) < 0)
        ret = SWEEP_ERR_HDF5;
    return ret;
}

int h5_attr_write_i64(hid_t obj, const char *name, int64_t v)
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

int h5_attr_read_i64(hid_t obj, const char *name, int64_t *v)
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

void h5_attr_read_string(hid_t obj, const char *name, char *buf, size_t cap)
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
        hid_t mt = h5_string_type(sz);
        if (tmp != NULL && H5Aread(a, mt, tmp) >= 0)
            snprintf(buf, cap, "%s", tmp);
        H5Tclose(mt);
        free(tmp);
    }
    H5Tclose(ft);
    H5Aclose(a);
}

static void h5_chunk_dims(int rank, const hsize_t *dims, hsize_t *chunk)
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
hid_t h5_make_dataset(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
                          const double *fill)
{
    hsize_t chunk[MAX_DIMS];
    hid_t sp = H5Screate_simple(rank, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE), d = -1;
    h5_chunk_dims(rank, dims, chunk);
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

hid_t h5_open_dataset(hid_t file, const char *path)
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

hid_t h5_runs_type_create(void)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(store_run_row));
    hid_t s32 = h5_string_type(32), s64 = h5_string_type(64), s16 = h5_string_type(16);
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

/* the HDF5 type of a field's element on file (little-endian, as every store) and in memory */
hid_t h5_file_type(record_elem e)
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

hid_t h5_memory_type(record_elem e)
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
    struct stat sb;
    if (stat(path, &sb) != 0)
        return SWEEP_ERR_IO;
    if (!S_ISREG(sb.st_mode)) /* a FIFO would block the read */
        return SWEEP_ERR_NOT_OURS;
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

/* metadata read attempts of a SWMR reader (store_h5_open) */
#define STORE_SWMR_READ_ATTEMPTS 12

hid_t store_h5_open(const char *path, int writable, int *live, int *locked)
{
    /* SWMR first: a writer in SWMR mode lets readers in while it writes; a reader in SWMR mode
     * without file locks never blocks a writer that starts later. Stores made before 0.2 (HDF5
     * 1.8 format) cannot do SWMR: they are opened the plain way, with HDF5's locks. */
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_V110);
    if (!writable) {
        H5Pset_file_locking(fapl, 0, 1);
        /* a SWMR reader retries a metadata read whose checksum fails (a writer may be midway
         * through it) with growing sleeps: HDF5's 100 attempts made a damaged store (truncated,
         * its writer flags still set) hang a reader for many minutes; a writer's update is
         * whole long before the 12th */
        H5Pset_metadata_read_attempts(fapl, STORE_SWMR_READ_ATTEMPTS);
    }
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
int64_t h5_read_numerics_version(hid_t file)
{
    int64_t v = 0;
    if (h5_attr_read_i64(file, "numerics_version", &v) == 0)
        return v;
    char pv[64] = "";
    h5_attr_read_string(file, "program_version", pv, sizeof pv);
    return strncmp(pv, "0.3.", 4) == 0 ? 1 : 0;
}
