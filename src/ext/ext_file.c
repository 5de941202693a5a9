/* The network file of `ufmsweep measure` and `solver: external` (ext.h). */
#include "ext.h"

#include "profile.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* dataset name of f: its dims (at most 2) in dims, rank in *rank; -1 when absent */
static hid_t open_ds(hid_t f, const char *name, int *rank, hsize_t dims[2], H5T_class_t *cls)
{
    if (H5Lexists(f, name, H5P_DEFAULT) <= 0)
        return -1;
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    if (d < 0)
        return -1;
    hid_t sp = H5Dget_space(d), t = H5Dget_type(d);
    *rank = H5Sget_simple_extent_ndims(sp);
    dims[0] = dims[1] = 0;
    if (*rank >= 1 && *rank <= 2)
        H5Sget_simple_extent_dims(sp, dims, NULL);
    *cls = H5Tget_class(t);
    H5Tclose(t);
    H5Sclose(sp);
    return d;
}

static const char *class_name(H5T_class_t c)
{
    switch (c) {
    case H5T_INTEGER:
        return "integers";
    case H5T_FLOAT:
        return "floats";
    case H5T_STRING:
        return "strings";
    case H5T_COMPOUND:
        return "compound records";
    case H5T_ENUM:
        return "enumerated values";
    case H5T_ARRAY:
        return "arrays";
    default:
        return "another kind of element";
    }
}

/* A dataset that declares far more than the file stores (never written, or a few KB that claim
 * GB) is refused before anything is allocated for it: compressed data are at most about 1000
 * times smaller than they read. */
static int stored_enough(const char *path, const char *name, hid_t d, hsize_t values,
                         sweep_errbuf *eb)
{
    const hid_t t = H5Dget_type(d);
    const size_t es = t >= 0 ? H5Tget_size(t) : 8;
    if (t >= 0)
        H5Tclose(t);
    const double declared = (double)values * (double)es;
    const double stored = (double)H5Dget_storage_size(d);
    if (declared > 1048576.0 + 1100.0 * stored)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED,
                             "%s: %s declares %llu values (%.3g MB) but the file stores %.0f bytes "
                             "of it: not written, or truncated",
                             path, name, (unsigned long long)values, declared / 1e6, stored);
    return SWEEP_OK;
}

/* labels as int64: unsigned 64-bit labels are read as such, so that a value above INT64_MAX is
 * named as it is (HDF5 would clip it to INT64_MAX). SWEEP_OK, SWEEP_ERR_ARG (a label no int64
 * can hold) or SWEEP_ERR_IO (the read failed). */
static int read_labels(hid_t dl, int64_t *labels, size_t n, const char *path, hsize_t k,
                       sweep_errbuf *eb)
{
    const hid_t t = H5Dget_type(dl);
    const int u64 = t >= 0 && H5Tget_sign(t) == H5T_SGN_NONE && H5Tget_size(t) == 8;
    if (t >= 0)
        H5Tclose(t);
    uint64_t *u = (uint64_t *)labels; /* same size */
    if (H5Dread(dl, u64 ? H5T_NATIVE_UINT64 : H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                labels) < 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: HDF5 cannot read labels (damaged?)", path);
    for (size_t i = 0; u64 && i < n; i++)
        if (u[i] > (uint64_t)INT64_MAX)
            return sweep_err_set(eb, SWEEP_ERR_ARG,
                                 "%s: labels[%zu] = %llu is not a class of W (0..%llu)", path, i,
                                 (unsigned long long)u[i], (unsigned long long)k - 1);
    return SWEEP_OK; /* every value fits: the bits are the int64 values */
}

static int finite_all(const char *path, const char *name, const double *v, size_t n, int cols,
                      sweep_errbuf *eb)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) {
            if (cols > 1)
                return sweep_err_set(eb, SWEEP_ERR_NUMERIC, "%s: %s[%zu, %zu] = %g (not finite)",
                                     path, name, i / (size_t)cols, i % (size_t)cols, v[i]);
            return sweep_err_set(eb, SWEEP_ERR_NUMERIC, "%s: %s[%zu] = %g (not finite)", path,
                                 name, i, v[i]);
        }
    return SWEEP_OK;
}

/* every label a class of W, and every class with an example */
static int check_labels(const point_network *net, const char *path, sweep_errbuf *eb)
{
    const int64_t k = net->k;
    int ret = SWEEP_OK;
    int64_t *count = calloc((size_t)k, sizeof *count);
    if (count == NULL)
        return SWEEP_ERR_NOMEM;
    for (int64_t i = 0; i < net->n && ret == SWEEP_OK; i++) {
        const int64_t y = net->labels[i];
        if (y < 0 || y >= k)
            ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                                "%s: labels[%lld] = %lld is not a class of W (0..%lld)", path,
                                (long long)i, (long long)y, (long long)k - 1);
        else
            count[y]++;
    }
    for (int64_t c = 0; c < k && ret == SWEEP_OK; c++)
        if (count[c] == 0)
            ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                                "%s: class %lld has no example in labels (W has k = %lld classes)",
                                path, (long long)c, (long long)k);
    free(count);
    return ret;
}

static int network_read(const char *path, point_network *net, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    hid_t f = -1, dW = -1, dH = -1, dl = -1, db = -1;
    int rW = 0, rH = 0, rl = 0, rb = 0;
    hsize_t sW[2], sH[2], sl[2], sb[2];
    H5T_class_t cW, cH, cl, cb;
    struct stat st;
    memset(net, 0, sizeof *net);
    if (stat(path, &st) != 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: no such file (the network was not written)",
                             path);
    if (!S_ISREG(st.st_mode)) /* a FIFO would block the open below for as long as nobody writes */
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: not a regular file (a %s): the network is "
                                               "read from a file",
                             path, S_ISDIR(st.st_mode) ? "directory" : S_ISFIFO(st.st_mode) ? "FIFO"
                                                                                            : "device or socket");
    if (H5Fis_hdf5(path) <= 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: not an HDF5 file (W, H, labels expected)",
                             path);
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: HDF5 cannot open it", path);
    dW = open_ds(f, "W", &rW, sW, &cW);
    dH = open_ds(f, "H", &rH, sH, &cH);
    dl = open_ds(f, "labels", &rl, sl, &cl);
    db = open_ds(f, "b", &rb, sb, &cb);
    if (dW < 0 || dH < 0 || dl < 0) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "%s: no dataset '%s' (expected W: k x d classifier, H: n x d "
                            "features, labels: n integers)",
                            path, dW < 0 ? "W" : dH < 0 ? "H" : "labels");
        goto cleanup;
    }
    if (rW != 2 || cW != H5T_FLOAT || rH != 2 || cH != H5T_FLOAT) {
        const int bad_w = rW != 2 || cW != H5T_FLOAT;
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "%s: %s must be a 2-D float dataset (it is a %d-D dataset of %s)",
                            path, bad_w ? "W" : "H", bad_w ? rW : rH,
                            class_name(bad_w ? cW : cH));
        goto cleanup;
    }
    if (rl != 1 || cl != H5T_INTEGER) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "%s: labels must be a 1-D integer dataset (rank %d, %s)", path, rl,
                            cl == H5T_INTEGER ? "integers" : "not integers");
        goto cleanup;
    }
    const hsize_t k = sW[0], d = sW[1], n = sH[0];
    if (k < 2 || k > PROFILE_MAX_K || d < 1) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG, "%s: W is %llu x %llu: k = %llu classes must be in "
                                               "2..%d and d >= 1",
                            path, (unsigned long long)k, (unsigned long long)d,
                            (unsigned long long)k, PROFILE_MAX_K);
        goto cleanup;
    }
    if (sH[1] != d) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "%s: H is %llu x %llu but W is %llu x %llu: H's columns must be W's "
                            "(the feature dimension d)",
                            path, (unsigned long long)sH[0], (unsigned long long)sH[1],
                            (unsigned long long)k, (unsigned long long)d);
        goto cleanup;
    }
    if (sl[0] != n) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "%s: labels has %llu entries but H has %llu rows (one label per "
                            "example)",
                            path, (unsigned long long)sl[0], (unsigned long long)n);
        goto cleanup;
    }
    if (db >= 0 && (rb != 1 || cb != H5T_FLOAT || sb[0] != k)) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG,
                            "%s: b must be a 1-D float dataset of k = %llu values (the bias)",
                            path, (unsigned long long)k);
        goto cleanup;
    }
    if (n < k || (double)n * (double)d > 2e9) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG, "%s: H has %llu rows of %llu: at least k = %llu "
                                               "examples and at most 2e9 values",
                            path, (unsigned long long)n, (unsigned long long)d,
                            (unsigned long long)k);
        goto cleanup;
    }
    if ((ret = stored_enough(path, "W", dW, k * d, eb)) != SWEEP_OK ||
        (ret = stored_enough(path, "H", dH, n * d, eb)) != SWEEP_OK ||
        (ret = stored_enough(path, "labels", dl, n, eb)) != SWEEP_OK)
        goto cleanup;
    net->k = (int)k;
    net->d = (int)d;
    net->n = (int64_t)n;
    net->W = malloc((size_t)(k * d) * sizeof(double));
    net->H = malloc((size_t)(n * d) * sizeof(double));
    net->labels = malloc((size_t)n * sizeof(int64_t));
    net->b = db >= 0 ? malloc((size_t)k * sizeof(double)) : NULL;
    if (net->W == NULL || net->H == NULL || net->labels == NULL || (db >= 0 && net->b == NULL)) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "%s: no memory for H (%llu x %llu)", path,
                            (unsigned long long)n, (unsigned long long)d);
        goto cleanup;
    }
    if ((ret = read_labels(dl, net->labels, (size_t)n, path, k, eb)) != SWEEP_OK)
        goto cleanup;
    if (H5Dread(dW, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, net->W) < 0 ||
        H5Dread(dH, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, net->H) < 0 ||
        (db >= 0 && H5Dread(db, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, net->b) < 0)) {
        ret = sweep_err_set(eb, SWEEP_ERR_IO, "%s: HDF5 cannot read W, H or b (damaged?)", path);
        goto cleanup;
    }
    if ((ret = finite_all(path, "W", net->W, (size_t)(k * d), (int)d, eb)) != SWEEP_OK ||
        (ret = finite_all(path, "H", net->H, (size_t)(n * d), (int)d, eb)) != SWEEP_OK ||
        (db >= 0 && (ret = finite_all(path, "b", net->b, (size_t)k, 1, eb)) != SWEEP_OK))
        goto cleanup;
    ret = check_labels(net, path, eb);
cleanup:
    if (dW >= 0)
        H5Dclose(dW);
    if (dH >= 0)
        H5Dclose(dH);
    if (dl >= 0)
        H5Dclose(dl);
    if (db >= 0)
        H5Dclose(db);
    if (f >= 0)
        H5Fclose(f);
    if (ret != SWEEP_OK)
        point_network_clear(net);
    return ret;
}

int ext_network_read(const char *path, point_network *net, sweep_errbuf *eb)
{
    /* HDF5's own error stack stays quiet (a link loop printed 30 lines of it): the message names
     * the dataset and what is wrong with it */
    H5E_auto2_t func = NULL;
    void *data = NULL;
    const int saved = H5Eget_auto2(H5E_DEFAULT, &func, &data) >= 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    const int ret = network_read(path, net, eb);
    if (saved)
        H5Eset_auto2(H5E_DEFAULT, func, data);
    return ret;
}
