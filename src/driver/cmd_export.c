/* `ufmsweep export STORE.h5 --format csv|netcdf -o FILE`: the store for pandas, R, ncdump and
 * xarray users, readable without ufmsweep. */
#include "commands.h"
#include "fsafe.h"
#include "params.h"
#include "point.h"
#include "spec.h"
#include "store.h"
#include "store_h5.h"
#include "store_schema.h"
#include "version.h"

#include <hdf5.h>
#include <math.h>
#if UFMSWEEP_HAVE_NETCDF
#include <netcdf.h>
#endif
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
            "netcdf  a CF-1.8 netCDF-4 file: the axes as dimensions and coordinate variables\n"
            "        (integers for integer options such as seed), the fixed parameters as scalar\n"
            "        variables, the trained metrics, theory_<metric>, state, outcome, attempts,\n"
            "        rank, wall_s, commit_time, message, and the traces as <field>_trace; every\n"
            "        variable with long_name and units, flags with flag_values/flag_meanings;\n"
            "        provenance as global attributes. xarray.open_dataset(FILE) and ncdump read it.\n"
            "Works on a store that a run is writing (what it has committed so far).\n"
            "FILE must not exist and must not be the store itself. Exit 0, or 1 with a message.\n");
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
            if (r->state == POINT_NOT_IN_STUDY)
                continue; /* a grid point of no block: not a point of the study */
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

#if UFMSWEEP_HAVE_NETCDF
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

#define NC_TRY(call)                                                                       \
    do {                                                                                   \
        int nc_ = (call);                                                                  \
        if (nc_ != NC_NOERR) {                                                             \
            ret = sweep_err_set(eb, SWEEP_ERR_IO, "netCDF: %s (%s)", nc_strerror(nc_), #call); \
            goto cleanup;                                                                  \
        }                                                                                  \
    } while (0)

/* a netCDF name from an option name ("n-min" -> "n_min") */
static void nc_name(const char *in, char *out, size_t cap)
{
    snprintf(out, cap, "%s", in);
    for (char *c = out; *c; c++)
        if (*c == '-')
            *c = '_';
}

static int is_integer_param(const param_def *d)
{
    return d->type == PARAM_INT || d->type == PARAM_I64;
}

/* one whole string dataset of the store (message: G + (len,) characters, or G strings of len
 * bytes in schema 1) as n NUL-terminated strings of len + 1 bytes */
static int read_messages(hid_t file, size_t n, size_t len, char **out, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    hid_t d = -1, sp = -1, ft = -1, mt = -1;
    char *raw = calloc(n * len + 1, 1), *txt = calloc(n * (len + 1) + 1, 1);
    *out = NULL;
    if (raw == NULL || txt == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    if (H5Lexists(file, STORE_MESSAGE, H5P_DEFAULT) > 0) {
        if ((d = H5Dopen2(file, STORE_MESSAGE, H5P_DEFAULT)) < 0 || (sp = H5Dget_space(d)) < 0 ||
            (ft = H5Dget_type(d)) < 0) {
            ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: cannot open", STORE_MESSAGE);
            goto cleanup;
        }
        const hssize_t got = H5Sget_simple_extent_npoints(sp);
        const size_t tsz = H5Tget_size(ft);
        if (got < 0 || (size_t)got * tsz != n * len) {
            ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED,
                                "%s: %lld values of %zu bytes where %zu of %zu were expected "
                                "(damaged store: run ufmsweep verify)",
                                STORE_MESSAGE, (long long)got, tsz, n, len);
            goto cleanup;
        }
        mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, tsz);
        if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
            ret = sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: cannot be read", STORE_MESSAGE);
            goto cleanup;
        }
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(txt + i * (len + 1), raw + i * len, len);
        txt[i * (len + 1) + len] = '\0';
    }
    *out = txt;
    txt = NULL;
cleanup:
    if (mt >= 0)
        H5Tclose(mt);
    if (ft >= 0)
        H5Tclose(ft);
    if (sp >= 0)
        H5Sclose(sp);
    if (d >= 0)
        H5Dclose(d);
    free(raw);
    free(txt);
    return ret;
}

/* CF-1.8 netCDF-4: the axes as dimensions with coordinate variables (integers for integer
 * options such as seed), every variable with long_name (and units where one exists), flags as
 * flag_values + flag_meanings, the fixed parameters as scalar variables, the per-point status
 * (outcome, attempts, wall time, commit time, message), the provenance as global attributes. */
static int export_netcdf(const char *out, const spec *s, store *st, hid_t file, sweep_errbuf *eb)
{
    int ret = SWEEP_OK, nc = -1;
    int dims[SPEC_MAX_AXES + 1];
    double *buf = NULL;
    char *msgs = NULL, **msgp = NULL;
    const size_t n = (size_t)s->n_points;
    const int R = s->n_axes;
    const int P = H5Lexists(file, STORE_TRACES, H5P_DEFAULT) > 0 ? s->trace_points : 0;
    const double nan = NAN;
    char name[96], attr[8192], ln[512];
#define PUT_TEXT(var, key, text) NC_TRY(nc_put_att_text(nc, var, key, strlen(text), text))

    NC_TRY(nc_create(out, NC_NETCDF4 | NC_CLOBBER, &nc)); /* our own fresh temporary file */
    {
        char created[64], now[32];
        store_attr_string(st, "created_utc", created, sizeof created);
        utc_now(now);
        PUT_TEXT(NC_GLOBAL, "Conventions", "CF-1.8");
        PUT_TEXT(NC_GLOBAL, "title", s->name[0] ? s->name : "ufmsweep sweep");
        snprintf(attr, sizeof attr, "%s: created by ufmsweep run; %s: exported by ufmsweep %s "
                                    "export --format netcdf",
                 created, now, UFMSWEEP_VERSION);
        PUT_TEXT(NC_GLOBAL, "history", attr);
        PUT_TEXT(NC_GLOBAL, "source", "ufmsweep " UFMSWEEP_VERSION
                                      " (unconstrained features model sweeps)");
        PUT_TEXT(NC_GLOBAL, "comment",
                 "One point per combination of the axes. Trained metrics under their names, "
                 "predictions as theory_<metric>, traces as <field>_trace; NaN where a point is "
                 "not done. The spec and its expanded configuration are global attributes.");
    }
    const char *keys[] = {"name", "program_version", "created_utc", "spec_sha256", "grid_sha256",
                          "shard", "hostname", "hdf5_library", "mpi_library", "blas_library"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        store_attr_string(st, keys[i], attr, sizeof attr);
        NC_TRY(nc_put_att_text(nc, NC_GLOBAL, keys[i], strlen(attr), attr));
    }
    NC_TRY(nc_put_att_text(nc, NC_GLOBAL, "spec", s->text_len, s->text));
    if (s->effective != NULL)
        NC_TRY(nc_put_att_text(nc, NC_GLOBAL, "effective_configuration", strlen(s->effective),
                               s->effective));
    int coord[SPEC_MAX_AXES + 1];
    for (int a = 0; a < R; a++) {
        const spec_axis *ax = &s->axes[a];
        nc_name(ax->def->name, name, sizeof name);
        NC_TRY(nc_def_dim(nc, name, (size_t)ax->n, &dims[a]));
        const int type = !ax->numeric ? NC_STRING : is_integer_param(ax->def) ? NC_INT64 : NC_DOUBLE;
        NC_TRY(nc_def_var(nc, name, type, 1, &dims[a], &coord[a]));
        PUT_TEXT(coord[a], "long_name", ax->def->help);
        if (ax->numeric)
            PUT_TEXT(coord[a], "units", "1");
        PUT_TEXT(coord[a], "spec_key", ax->key);
    }
    int trace_coord = -1;
    if (P > 0) {
        const char *tn = s->trace_iters >= 0 ? "trace_iter" : "trace_point";
        NC_TRY(nc_def_dim(nc, tn, (size_t)P, &dims[R]));
        NC_TRY(nc_def_var(nc, tn, NC_INT64, 1, &dims[R], &trace_coord));
        PUT_TEXT(trace_coord, "long_name", s->trace_iters >= 0
                                               ? "iteration at which the trace point was recorded"
                                               : "index of the trace point");
        PUT_TEXT(trace_coord, "units", "1");
    }
    /* the fixed parameters: scalar variables named by their key */
    int fixed_ids[SPEC_MAX_FIXED];
    for (int i = 0; i < s->n_fixed; i++) {
        const spec_fixed *fx = &s->fixed[i];
        char *end = NULL;
        strtod(fx->text, &end);
        const int numeric = end != fx->text && *end == '\0' &&
                            (fx->def->type == PARAM_REAL || fx->def->type == PARAM_LAMBDA ||
                             is_integer_param(fx->def));
        nc_name(fx->def->name, name, sizeof name);
        const int type = !numeric ? NC_STRING : is_integer_param(fx->def) ? NC_INT64 : NC_DOUBLE;
        NC_TRY(nc_def_var(nc, name, type, 0, NULL, &fixed_ids[i]));
        snprintf(ln, sizeof ln, "fixed parameter: %s", fx->def->help);
        PUT_TEXT(fixed_ids[i], "long_name", ln);
        if (numeric)
            PUT_TEXT(fixed_ids[i], "units", "1");
        PUT_TEXT(fixed_ids[i], "spec_key", fx->key);
    }
    /* data variables: name in the file, HDF5 path, with trace dimension, type, attributes */
    typedef struct {
        char nc[96];
        char h5[96];
        int trace;
        int type;
        char long_name[512];
        const char *units;
    } var;
    var vars[2 * GEOM_METRICS_COUNT + POINT_SOLVE_FIELDS + POINT_TRACE_FIELDS + 8];
    int nv = 0;
#define ADD_VAR(NC, H5, TRACE, TYPE, UNITS, ...)                                             \
    do {                                                                                   \
        snprintf(vars[nv].nc, sizeof vars[nv].nc, "%s", NC);                               \
        snprintf(vars[nv].h5, sizeof vars[nv].h5, "%s", H5);                               \
        vars[nv].trace = TRACE, vars[nv].type = TYPE, vars[nv].units = UNITS;             \
        snprintf(vars[nv].long_name, sizeof vars[nv].long_name, __VA_ARGS__);              \
        nv++;                                                                              \
    } while (0)
    const int solved = H5Lexists(file, STORE_RESULTS, H5P_DEFAULT) > 0;
    char h5p[96], ncn[96];
    for (int i = 0; solved && i < GEOM_METRICS_COUNT; i++) {
        snprintf(h5p, sizeof h5p, STORE_RESULTS "/%s", geom_metric_name(i));
        ADD_VAR(geom_metric_name(i), h5p, 0, NC_DOUBLE, "1", "%s of the trained model",
                geom_metric_long_name(i));
    }
    for (int i = 0; solved && i < POINT_SOLVE_FIELDS; i++) {
        snprintf(h5p, sizeof h5p, STORE_RESULTS "/%s", point_solve_field_name(i));
        ADD_VAR(point_solve_field_name(i), h5p, 0, NC_DOUBLE, "1", "%s",
                point_solve_field_long_name(i));
    }
    for (int i = 0; i < GEOM_METRICS_COUNT; i++) {
        snprintf(h5p, sizeof h5p, STORE_THEORY "/%s", geom_metric_name(i));
        snprintf(ncn, sizeof ncn, "theory_%s", geom_metric_name(i));
        ADD_VAR(ncn, h5p, 0, NC_DOUBLE, "1", "predicted %s", geom_metric_long_name(i));
    }
    const int v_source = nv;
    ADD_VAR("theory_source", STORE_THEORY_SOURCE, 0, NC_BYTE, NULL, "source of the prediction");
    const int v_state = nv;
    ADD_VAR("state", STORE_STATE, 0, NC_UBYTE, NULL, "state of the point");
    const int v_outcome = nv;
    ADD_VAR("outcome", STORE_OUTCOME, 0, NC_BYTE, NULL, "outcome of the solve");
    ADD_VAR("attempts", STORE_ATTEMPTS, 0, NC_INT, "1",
            "number of times the point's result was recorded");
    ADD_VAR("rank", STORE_RANK, 0, NC_INT, NULL, "MPI rank that computed the point");
    ADD_VAR("wall_s", STORE_WALL, 0, NC_DOUBLE, "s", "wall-clock time of the point's solve");
    if (H5Lexists(file, STORE_COMMIT_TIME, H5P_DEFAULT) > 0)
        ADD_VAR("commit_time", STORE_COMMIT_TIME, 0, NC_DOUBLE,
                "seconds since 1970-01-01 00:00:00",
                "time the point was committed to the store (UTC)");
    for (int i = 0; P > 0 && i < POINT_TRACE_FIELDS; i++) {
        snprintf(h5p, sizeof h5p, STORE_TRACES "/%s", point_trace_field_name(i));
        snprintf(ncn, sizeof ncn, "%s_trace", point_trace_field_name(i));
        ADD_VAR(ncn, h5p, 1, NC_DOUBLE, "1", "%s along training", point_trace_field_long_name(i));
    }
#undef ADD_VAR
    int ids[sizeof vars / sizeof vars[0]], msg_id = -1;
    for (int v = 0; v < nv; v++) {
        NC_TRY(nc_def_var(nc, vars[v].nc, vars[v].type, R + vars[v].trace, dims, &ids[v]));
        NC_TRY(nc_def_var_deflate(nc, ids[v], 1, 1, 1));
        if (vars[v].type == NC_DOUBLE)
            NC_TRY(nc_def_var_fill(nc, ids[v], 0, &nan));
        PUT_TEXT(ids[v], "long_name", vars[v].long_name);
        if (vars[v].units != NULL)
            PUT_TEXT(ids[v], "units", vars[v].units);
    }
    {
        const unsigned char state_v[] = {0, 1, 2, 3, 4};
        const signed char source_v[] = {-1, 0, 1, 2}, outcome_v[] = {-1, 1, 2, 3, 4};
        NC_TRY(nc_put_att_uchar(nc, ids[v_state], "flag_values", NC_UBYTE, 5, state_v));
        PUT_TEXT(ids[v_state], "flag_meanings", point_state_flag_meanings());
        NC_TRY(nc_put_att_schar(nc, ids[v_source], "flag_values", NC_BYTE, 4, source_v));
        PUT_TEXT(ids[v_source], "flag_meanings", "pending none closed_form convex");
        NC_TRY(nc_put_att_schar(nc, ids[v_outcome], "flag_values", NC_BYTE, 5, outcome_v));
        PUT_TEXT(ids[v_outcome], "flag_meanings",
                 "pending_or_no_solve converged_gradient converged_loss max_iter diverged");
        NC_TRY(nc_def_var(nc, "message", NC_STRING, R, dims, &msg_id));
        PUT_TEXT(msg_id, "long_name", "why the point failed or did not converge");
    }
    NC_TRY(nc_enddef(nc));
    for (int a = 0; a < R; a++) {
        const spec_axis *ax = &s->axes[a];
        if (!ax->numeric) {
            NC_TRY(nc_put_var_string(nc, coord[a], (const char **)ax->text));
        } else if (is_integer_param(ax->def)) {
            long long *iv = malloc((size_t)ax->n * sizeof *iv);
            if (iv == NULL) {
                ret = SWEEP_ERR_NOMEM;
                goto cleanup;
            }
            for (int i = 0; i < ax->n; i++)
                iv[i] = (long long)llround(ax->num[i]);
            int r2 = nc_put_var_longlong(nc, coord[a], iv);
            free(iv);
            NC_TRY(r2);
        } else {
            NC_TRY(nc_put_var_double(nc, coord[a], ax->num));
        }
    }
    for (int i = 0; i < s->n_fixed; i++) {
        const spec_fixed *fx = &s->fixed[i];
        nc_type t;
        NC_TRY(nc_inq_vartype(nc, fixed_ids[i], &t));
        if (t == NC_STRING) {
            const char *txt = fx->text;
            NC_TRY(nc_put_var_string(nc, fixed_ids[i], &txt));
        } else if (t == NC_INT64) {
            long long iv = (long long)llround(strtod(fx->text, NULL));
            NC_TRY(nc_put_var_longlong(nc, fixed_ids[i], &iv));
        } else {
            double dv = strtod(fx->text, NULL);
            NC_TRY(nc_put_var_double(nc, fixed_ids[i], &dv));
        }
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
        if (s->trace_iters >= 0 && ufm_trace_iters(s->trace_iters, P, sched) != SWEEP_OK) {
            free(it);
            free(sched);
            ret = SWEEP_ERR_ARG; /* the spec's trace schedule (validated when it was made) */
            goto cleanup;
        }
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
    {
        const size_t ml = sizeof(((point_record *)0)->message);
        if ((ret = read_messages(file, n, ml, &msgs, eb)) != SWEEP_OK)
            goto cleanup;
        msgp = malloc((n > 0 ? n : 1) * sizeof *msgp);
        if (msgp == NULL) {
            ret = SWEEP_ERR_NOMEM;
            goto cleanup;
        }
        for (size_t i = 0; i < n; i++)
            msgp[i] = msgs + i * (ml + 1);
        NC_TRY(nc_put_var_string(nc, msg_id, (const char **)msgp));
    }
#undef PUT_TEXT
cleanup:
    free(buf);
    free(msgs);
    free(msgp);
    if (nc >= 0) {
        int c = nc_close(nc);
        if (ret == SWEEP_OK && c != NC_NOERR)
            ret = sweep_err_set(eb, SWEEP_ERR_IO, "netCDF close: %s", nc_strerror(c));
    }
    return ret;
}

#else
static int export_netcdf(const char *out, const spec *s, store *st, hid_t file, sweep_errbuf *eb)
{
    (void)out, (void)s, (void)st, (void)file;
    return sweep_err_set(eb, SWEEP_ERR_UNSUPPORTED, "--format netcdf");
}
#endif

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
    if (!strcmp(format, "netcdf") && !UFMSWEEP_HAVE_NETCDF) {
        fprintf(stderr, "ufmsweep export: --format netcdf: this build has no netCDF library "
                        "built on its HDF5 (two HDF5 libraries cannot share a process); use "
                        "--format csv, or rebuild with one (docs/INSTALL.md)\n");
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
    store_discard(&st);
    spec_destroy(&s);
    return exit_code;
}
