/* `ufmsweep export STORE.h5 --format csv|netcdf -o FILE`: the store for pandas, R, ncdump and
 * xarray users, readable without ufmsweep. */
#include "commands.h"
#include "fsafe.h"
#include "point.h"
#include "spec.h"
#include "store.h"
#include "store_h5.h"
#include "store_schema.h"

#include <hdf5.h>
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void export_help(FILE *f)
{
    fprintf(f,
            "usage: ufmsweep export STORE.h5 --format csv|netcdf -o FILE\n"
            "\n"
            "csv     a tidy table: one row per grid point, one column per axis (the point's\n"
            "        coordinates), its state, and every scalar: trained metrics under their own\n"
            "        names, predicted ones as theory_<metric>. '#' lines at the top carry the\n"
            "        provenance. Not-done values are NaN. pandas: read_csv(FILE, comment='#').\n"
            "netcdf  a netCDF-4 file with the axes as dimensions and coordinate variables, the\n"
            "        trained metrics, theory_<metric>, state, and the traces as <field>_trace;\n"
            "        provenance as global attributes. xarray.open_dataset(FILE) and ncdump read it.\n"
            "FILE must not exist and must not be the store itself. Exit 0, or 1 with a message.\n");
}

/* A whole dataset as doubles into a new buffer of n values (NaN-filled when the dataset is
 * absent). A dataset whose size is not n (a store edited by hand, or damaged) is refused before
 * anything is read into the buffer. */
static int read_doubles(hid_t file, const char *path, size_t n, double **out, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    hid_t d = -1, sp = -1;
    double *buf = malloc((n > 0 ? n : 1) * sizeof *buf);
    *out = NULL;
    if (buf == NULL)
        return SWEEP_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        buf[i] = NAN;
    if (H5Lexists(file, path, H5P_DEFAULT) > 0) {
        if ((d = H5Dopen2(file, path, H5P_DEFAULT)) < 0 || (sp = H5Dget_space(d)) < 0) {
            ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: cannot open (damaged? run ufmsweep "
                                                       "verify)", path);
            goto cleanup;
        }
        hssize_t got = H5Sget_simple_extent_npoints(sp);
        if (got < 0 || (size_t)got != n) {
            ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED,
                                "%s: holds %lld values where the store's spec says %zu (damaged "
                                "or edited store: run ufmsweep verify)",
                                path, (long long)got, n);
            goto cleanup;
        }
        if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
            ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: cannot read (damaged? run ufmsweep "
                                                       "verify)", path);
            goto cleanup;
        }
    }
    *out = buf;
    buf = NULL;
cleanup:
    if (sp >= 0)
        H5Sclose(sp);
    if (d >= 0)
        H5Dclose(d);
    free(buf);
    return ret;
}

/* a '#' comment line's value: control characters escaped so that a value never ends the line */
static void csv_comment_value(FILE *o, const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            fputs("\\n", o);
        else if (*s == '\r')
            fputs("\\r", o);
        else if ((unsigned char)*s < 0x20 && *s != '\t')
            fprintf(o, "\\x%02x", (unsigned)(unsigned char)*s);
        else
            fputc(*s, o);
    }
}

static void csv_field(FILE *o, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) { /* RFC 4180: these need quotes */
        fputs(s, o);
        return;
    }
    fputc('"', o);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', o);
        fputc(*s, o);
    }
    fputc('"', o);
}

static void csv_num(FILE *o, double v)
{
    if (isnan(v))
        fputs(",NaN", o);
    else
        fprintf(o, ",%.17g", v);
}

static int export_csv(const char *path, const spec *s, store *st, hid_t file, FILE *o,
                      sweep_errbuf *eb)
{
    const int64_t n = s->n_points;
    char attr[256];
    fputs("# ufmsweep export of ", o);
    csv_comment_value(o, path);
    fputc('\n', o);
    const char *keys[] = {"name", "program_version", "created_utc", "spec_sha256", "grid_sha256",
                          "shard", "hdf5_library", "mpi_library"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        store_attr_string(st, keys[i], attr, sizeof attr);
        fprintf(o, "# %s: ", keys[i]);
        csv_comment_value(o, attr);
        fputc('\n', o);
    }
    fprintf(o, "# columns: point, the grid axes, state (0 pending 1 done 2 failed 3 not "
               "converged), theory_source, trained metrics, theory_<metric>; NaN = not done or "
               "does not exist\n");
    fputs("point", o);
    for (int a = 0; a < s->n_axes; a++) {
        fputc(',', o);
        csv_field(o, s->axes[a].key);
    }
    fputs(",state,theory_source,attempts", o);
    const int solved = H5Lexists(file, STORE_RESULTS, H5P_DEFAULT) > 0;
    for (int i = 0; solved && i < GEOM_METRICS_COUNT; i++)
        fprintf(o, ",%s", geom_metric_name(i));
    for (int i = 0; solved && i < POINT_SOLVE_FIELDS; i++)
        fprintf(o, ",%s", point_solve_field_name(i));
    for (int i = 0; i < GEOM_METRICS_COUNT; i++)
        fprintf(o, ",theory_%s", geom_metric_name(i));
    fputs(",message\n", o);

    const int B = 4096;
    int64_t *ids = malloc((size_t)B * sizeof *ids);
    point_record *recs = malloc((size_t)B * sizeof *recs);
    if (ids == NULL || recs == NULL) {
        free(ids);
        free(recs);
        return SWEEP_ERR_NOMEM;
    }
    int ret = SWEEP_OK;
    for (int64_t p0 = 0; p0 < n && ret == SWEEP_OK; p0 += B) {
        int cnt = (int)(n - p0 < B ? n - p0 : B);
        for (int i = 0; i < cnt; i++)
            ids[i] = p0 + i;
        if ((ret = store_read_points(st, ids, cnt, recs, NULL, eb)) != SWEEP_OK)
            break;
        for (int i = 0; i < cnt; i++) {
            const point_record *r = &recs[i];
            int64_t idx[SPEC_MAX_AXES];
            spec_point_index(s, ids[i], idx);
            fprintf(o, "%lld", (long long)ids[i]);
            for (int a = 0; a < s->n_axes; a++) {
                fputc(',', o);
                csv_field(o, s->axes[a].text[idx[a]]);
            }
            fprintf(o, ",%d,%d,%d", r->state, r->state == POINT_PENDING ? -1 : r->theory_source,
                    r->attempts);
            for (int k = 0; solved && k < GEOM_METRICS_COUNT; k++)
                csv_num(o, r->result[k]);
            for (int k = 0; solved && k < POINT_SOLVE_FIELDS; k++)
                csv_num(o, r->solve[k]);
            for (int k = 0; k < GEOM_METRICS_COUNT; k++)
                csv_num(o, r->theory[k]);
            fputc(',', o);
            csv_field(o, r->message);
            fputc('\n', o);
        }
    }
    free(ids);
    free(recs);
    if (ret == SWEEP_OK && ferror(o))
        ret = sweep_err_set(eb, SWEEP_ERR_IO, "write error (disk full?)");
    return ret;
}

#define NC_TRY(call)                                                                       \
    do {                                                                                   \
        int nc_ = (call);                                                                  \
        if (nc_ != NC_NOERR) {                                                             \
            ret = sweep_err_set(eb, SWEEP_ERR_IO, "netCDF: %s (%s)", nc_strerror(nc_), #call); \
            goto cleanup;                                                                  \
        }                                                                                  \
    } while (0)

static int export_netcdf(const char *out, const spec *s, store *st, hid_t file, sweep_errbuf *eb)
{
    int ret = SWEEP_OK, nc = -1;
    int dims[SPEC_MAX_AXES + 1];
    double *buf = NULL;
    const size_t n = (size_t)s->n_points;
    const int R = s->n_axes;
    const int P = H5Lexists(file, STORE_TRACES, H5P_DEFAULT) > 0 ? s->trace_points : 0;
    const double nan = NAN;
    char name[96], attr[8192];

    NC_TRY(nc_create(out, NC_NETCDF4 | NC_CLOBBER, &nc)); /* our own fresh temporary file */
    const char *keys[] = {"name", "program_version", "created_utc", "spec_sha256", "grid_sha256",
                          "shard", "hostname", "hdf5_library", "mpi_library", "blas_library"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        store_attr_string(st, keys[i], attr, sizeof attr);
        NC_TRY(nc_put_att_text(nc, NC_GLOBAL, keys[i], strlen(attr), attr));
    }
    NC_TRY(nc_put_att_text(nc, NC_GLOBAL, "spec", s->text_len, s->text));
    NC_TRY(nc_put_att_text(nc, NC_GLOBAL, "source", 18, "ufmsweep export v1"));
    int coord[SPEC_MAX_AXES + 1];
    for (int a = 0; a < R; a++) {
        snprintf(name, sizeof name, "%s", s->axes[a].def->name);
        for (char *c = name; *c; c++)
            if (*c == '-')
                *c = '_';
        NC_TRY(nc_def_dim(nc, name, (size_t)s->axes[a].n, &dims[a]));
        NC_TRY(nc_def_var(nc, name, s->axes[a].numeric ? NC_DOUBLE : NC_STRING, 1, &dims[a],
                          &coord[a]));
    }
    int trace_coord = -1;
    if (P > 0) {
        const char *tn = s->trace_iters >= 0 ? "trace_iter" : "trace_point";
        NC_TRY(nc_def_dim(nc, tn, (size_t)P, &dims[R]));
        NC_TRY(nc_def_var(nc, tn, NC_INT64, 1, &dims[R], &trace_coord));
    }
    /* data variables: name in the file, HDF5 path, with trace dimension */
    typedef struct {
        char nc[96];
        char h5[96];
        int trace;
        int type;
    } var;
    var vars[2 * GEOM_METRICS_COUNT + POINT_SOLVE_FIELDS + POINT_TRACE_FIELDS + 4];
    int nv = 0;
    const int solved = H5Lexists(file, STORE_RESULTS, H5P_DEFAULT) > 0;
    for (int i = 0; solved && i < GEOM_METRICS_COUNT; i++) {
        snprintf(vars[nv].nc, 96, "%s", geom_metric_name(i));
        snprintf(vars[nv].h5, 96, STORE_RESULTS "/%s", geom_metric_name(i));
        vars[nv].trace = 0, vars[nv++].type = NC_DOUBLE;
    }
    for (int i = 0; solved && i < POINT_SOLVE_FIELDS; i++) {
        snprintf(vars[nv].nc, 96, "%s", point_solve_field_name(i));
        snprintf(vars[nv].h5, 96, STORE_RESULTS "/%s", point_solve_field_name(i));
        vars[nv].trace = 0, vars[nv++].type = NC_DOUBLE;
    }
    for (int i = 0; i < GEOM_METRICS_COUNT; i++) {
        snprintf(vars[nv].nc, 96, "theory_%s", geom_metric_name(i));
        snprintf(vars[nv].h5, 96, STORE_THEORY "/%s", geom_metric_name(i));
        vars[nv].trace = 0, vars[nv++].type = NC_DOUBLE;
    }
    snprintf(vars[nv].nc, 96, "theory_source");
    snprintf(vars[nv].h5, 96, STORE_THEORY_SOURCE);
    vars[nv].trace = 0, vars[nv++].type = NC_BYTE;
    snprintf(vars[nv].nc, 96, "state");
    snprintf(vars[nv].h5, 96, STORE_STATE);
    vars[nv].trace = 0, vars[nv++].type = NC_UBYTE;
    snprintf(vars[nv].nc, 96, "attempts");
    snprintf(vars[nv].h5, 96, STORE_ATTEMPTS);
    vars[nv].trace = 0, vars[nv++].type = NC_INT;
    for (int i = 0; P > 0 && i < POINT_TRACE_FIELDS; i++) {
        snprintf(vars[nv].nc, 96, "%s_trace", point_trace_field_name(i));
        snprintf(vars[nv].h5, 96, STORE_TRACES "/%s", point_trace_field_name(i));
        vars[nv].trace = 1, vars[nv++].type = NC_DOUBLE;
    }
    int ids[sizeof vars / sizeof vars[0]];
    for (int v = 0; v < nv; v++) {
        NC_TRY(nc_def_var(nc, vars[v].nc, vars[v].type, R + vars[v].trace, dims, &ids[v]));
        NC_TRY(nc_def_var_deflate(nc, ids[v], 1, 1, 1));
        if (vars[v].type == NC_DOUBLE)
            NC_TRY(nc_def_var_fill(nc, ids[v], 0, &nan));
    }
    NC_TRY(nc_put_att_text(nc, ids[nv - (P > 0 ? POINT_TRACE_FIELDS : 0) - 2], "flag_meanings",
                           44, "0 pending, 1 done, 2 failed, 3 not converged"));
    NC_TRY(nc_enddef(nc));
    for (int a = 0; a < R; a++) {
        if (s->axes[a].numeric)
            NC_TRY(nc_put_var_double(nc, coord[a], s->axes[a].num));
        else
            NC_TRY(nc_put_var_string(nc, coord[a], (const char **)s->axes[a].text));
    }
    if (P > 0) {
        long long *it = malloc((size_t)P * sizeof *it);
        int64_t *sched = malloc((size_t)P * sizeof *sched);
        if (it == NULL || sched == NULL) {
            free(it);
            free(sched);
            ret = SWEEP_ERR_NOMEM;
            goto cleanup;
        }
        if (s->trace_iters >= 0)
            ufm_trace_iters(s->trace_iters, P, sched);
        for (int j = 0; j < P; j++)
            it[j] = s->trace_iters >= 0 ? (long long)sched[j] : j;
        int r2 = nc_put_var_longlong(nc, trace_coord, it);
        free(it);
        free(sched);
        NC_TRY(r2);
    }
    for (int v = 0; v < nv; v++) {
        size_t len = n * (size_t)(vars[v].trace ? P : 1);
        if ((ret = read_doubles(file, vars[v].h5, len, &buf, eb)) != SWEEP_OK)
            goto cleanup;
        NC_TRY(nc_put_var_double(nc, ids[v], buf));
        free(buf);
        buf = NULL;
    }
cleanup:
    free(buf);
    if (nc >= 0) {
        int c = nc_close(nc);
        if (ret == SWEEP_OK && c != NC_NOERR)
            ret = sweep_err_set(eb, SWEEP_ERR_IO, "netCDF close: %s", nc_strerror(c));
    }
    (void)st;
    return ret;
}

int cmd_export_main(int argc, char **argv)
{
    int exit_code = UFMSWEEP_EXIT_FAIL;
    const char *path = NULL, *format = NULL, *out = NULL;
    sweep_errbuf eb;
    spec *s = NULL;
    store *st = NULL;
    hid_t file = -1;
    FILE *o = NULL;
    char tmp[4200] = "";

    sweep_errbuf_clear(&eb);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            export_help(stdout);
            return UFMSWEEP_EXIT_OK;
        } else if ((!strcmp(argv[i], "--format") || !strcmp(argv[i], "-o")) && i + 1 < argc) {
            if (!strcmp(argv[i], "--format"))
                format = argv[++i];
            else
                out = argv[++i];
        } else if (argv[i][0] == '-' || path != NULL) {
            fprintf(stderr, "ufmsweep export: unexpected argument '%s' (see --help)\n", argv[i]);
            return UFMSWEEP_EXIT_FAIL;
        } else {
            path = argv[i];
        }
    }
    if (path == NULL || format == NULL || out == NULL) {
        fprintf(stderr, "ufmsweep export: usage: ufmsweep export STORE.h5 --format csv|netcdf -o FILE\n");
        return UFMSWEEP_EXIT_FAIL;
    }
    if (strcmp(format, "csv") != 0 && strcmp(format, "netcdf") != 0) {
        fprintf(stderr, "ufmsweep export: --format '%s': use csv or netcdf\n", format);
        return UFMSWEEP_EXIT_FAIL;
    }
    const char *inputs[1] = {path};
    if (fsafe_check_output(out, inputs, 1, 0, "another -o", &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep export: %s\n", eb.msg);
        return UFMSWEEP_EXIT_FAIL;
    }
    if (store_open_with_spec(path, 0, &st, &s, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep export: %s\n", eb.msg);
        goto cleanup;
    }
    file = store_h5_open(path, 0, NULL, NULL);
    int ret, fd = -1;
    if (file < 0) {
        fprintf(stderr, "ufmsweep export: %s: cannot open\n", path);
        goto cleanup;
    }
    if (fsafe_temp_create(out, tmp, sizeof tmp, !strcmp(format, "csv") ? &fd : NULL, &eb) !=
        SWEEP_OK) {
        fprintf(stderr, "ufmsweep export: %s\n", eb.msg);
        goto cleanup;
    }
    if (!strcmp(format, "csv")) {
        o = fdopen(fd, "w");
        if (o == NULL) {
            close(fd);
            fprintf(stderr, "ufmsweep export: cannot write %s\n", tmp);
            goto cleanup;
        }
        ret = export_csv(path, s, st, file, o, &eb);
        if (fclose(o) != 0 && ret == SWEEP_OK)
            ret = sweep_err_set(&eb, SWEEP_ERR_IO, "%s: write error", tmp);
        o = NULL;
    } else {
        ret = export_netcdf(tmp, s, st, file, &eb);
    }
    if (ret != SWEEP_OK) {
        fprintf(stderr, "ufmsweep export: %s\n", eb.msg);
        goto cleanup;
    }
    if (fsafe_commit(tmp, out, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep export: %s\n", eb.msg);
        goto cleanup;
    }
    tmp[0] = '\0';
    fprintf(stderr, "[ufmsweep] exported %lld points to %s (%s)\n", (long long)s->n_points, out,
            format);
    exit_code = UFMSWEEP_EXIT_OK;
cleanup:
    if (o != NULL)
        fclose(o);
    fsafe_temp_discard(tmp);
    if (file >= 0)
        H5Fclose(file);
    store_close(&st);
    spec_destroy(&s);
    return exit_code;
}
