/* `ufmsweep export STORE.h5 --format csv|netcdf -o FILE`: the store for pandas, R, ncdump and
 * xarray users, readable without ufmsweep. */
#include "cli.h"
#include "commands.h"
#include "fsafe.h"
#include "testhook.h"
#include "params.h"
#include "point.h"
#include "spec.h"
#include "store.h"
#include "version.h"

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

/* the CSV columns: the table's fields marked for CSV that this store holds */
static int csv_columns(const store *st, int *cols)
{
    int nf = 0, n = 0;
    const record_field *fields = record_fields(&nf);
    for (int i = 0; i < nf; i++)
        if ((fields[i].exports & RECORD_EXPORT_CSV) && store_has_field(st, i))
            cols[n++] = i;
    return n;
}

static void csv_value(FILE *o, const record_field *f, const point_record *r)
{
    if (f->stored == RECORD_CHAR) {
        fputc(',', o);
        csv_field(o, (const char *)r + f->offset);
    } else if (f->member == RECORD_F64) {
        csv_num(o, record_field_get(f, r));
    } else {
        fprintf(o, ",%.0f", record_field_get(f, r)); /* integers, exact below 2^53 */
    }
}

static int export_csv(const char *path, const spec *s, store *st, FILE *o, sweep_errbuf *eb)
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
    fputs("# columns: point, the grid axes, state (", o);
    for (int v = 0; v < POINT_STATE_COUNT; v++)
        fprintf(o, "%s%d %s", v ? " " : "", v, point_state_name(v));
    fputs("), theory_source, attempts, trained metrics and solve scalars, theory_<metric>, "
          "message; NaN = not done or does not exist\n",
          o);
    int nf = 0, cols[256];
    const record_field *fields = record_fields(&nf);
    const int nc = csv_columns(st, cols);
    fputs("point", o);
    for (int a = 0; a < s->n_axes; a++) {
        fputc(',', o);
        csv_field(o, s->axes[a].key);
    }
    for (int k = 0; k < nc; k++)
        fprintf(o, ",%s", fields[cols[k]].column);
    fputc('\n', o);

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
        for (int i = 0; i < cnt; i++)
            point_text_clean(recs[i].message); /* stores made before 0.4 may hold escapes */
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
            for (int k = 0; k < nc; k++)
                csv_value(o, &fields[cols[k]], r);
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
#define NC_TRY(call)                                                                       \
    do {                                                                                   \
        int nc_ = (call);                                                                  \
        if (nc_ != NC_NOERR) {                                                             \
            ret = sweep_err_set(eb, SWEEP_ERR_IO, "netCDF: %s (%s)", nc_strerror(nc_), #call); \
            goto cleanup;                                                                  \
        }                                                                                  \
    } while (0)
#define PUT_TEXT(var, key, text) NC_TRY(nc_put_att_text(nc, var, key, strlen(text), text))

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

/* whether the option is an axis of the spec's grid */
static int is_axis(const spec *s, const param_def *def)
{
    for (int a = 0; a < s->n_axes; a++)
        if (s->axes[a].def == def)
            return 1;
    return 0;
}

static nc_type nc_type_of(record_elem e)
{
    switch (e) {
    case RECORD_I64:
        return NC_INT64;
    case RECORD_I32:
        return NC_INT;
    case RECORD_I8:
        return NC_BYTE;
    case RECORD_U8:
        return NC_UBYTE;
    case RECORD_CHAR:
        return NC_STRING;
    case RECORD_F64:
        break;
    }
    return NC_DOUBLE;
}

/* the global attributes: CF's, the store's provenance, the spec */
static int nc_globals(int nc, const spec *s, store *st, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    char attr[8192], created[64], now[32];
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
             s->layout == SPEC_LAYOUT_POINTS
                 ? "One dimension point over the study's points, each axis a coordinate "
                   "variable over it (the data variables name them in `coordinates`). Trained "
                   "metrics under their names, predictions as theory_<metric>, traces as "
                   "<field>_trace; NaN where a point is not done. The spec and its expanded "
                   "configuration are global attributes."
                 : "One point per combination of the axes. Trained metrics under their names, "
                   "predictions as theory_<metric>, traces as <field>_trace; NaN where a point "
                   "is not done. The spec and its expanded configuration are global "
                   "attributes.");
    PUT_TEXT(NC_GLOBAL, "layout", spec_layout_name(s->layout));
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
cleanup:
    return ret;
}

/* the coordinates: a dimension and a variable per axis (dims[0..R)), the trace dimension
 * dims[R] and its variable when P > 0, the fixed parameters as scalar variables */
typedef struct nc_coords {
    int dims[SPEC_MAX_AXES + 1];
    int point;                   /* the points layout's `point` variable (-1: grid layout) */
    int axis[SPEC_MAX_AXES];
    int trace;
    int fixed[SPEC_MAX_FIXED];
} nc_coords;

static int nc_define_coords(int nc, const spec *s, int P, nc_coords *co, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    char name[96], ln[512];
    const int points = s->layout == SPEC_LAYOUT_POINTS, R = points ? 1 : s->n_axes;
    co->point = -1;
    if (points) {
        /* one dimension over the study's points; each axis an auxiliary coordinate variable
         * over it (CF's `coordinates` attribute on every data variable) */
        NC_TRY(nc_def_dim(nc, "point", (size_t)s->n_points, &co->dims[0]));
        NC_TRY(nc_def_var(nc, "point", NC_INT64, 1, &co->dims[0], &co->point));
        PUT_TEXT(co->point, "long_name", "the study's point (index in the store)");
        PUT_TEXT(co->point, "units", "1");
    }
    for (int a = 0; a < s->n_axes; a++) {
        const spec_axis *ax = &s->axes[a];
        nc_name(ax->def->name, name, sizeof name);
        if (!points)
            NC_TRY(nc_def_dim(nc, name, (size_t)ax->n, &co->dims[a]));
        const int type = !ax->numeric ? NC_STRING : is_integer_param(ax->def) ? NC_INT64 : NC_DOUBLE;
        NC_TRY(nc_def_var(nc, name, type, 1, &co->dims[points ? 0 : a], &co->axis[a]));
        PUT_TEXT(co->axis[a], "long_name", ax->def->help);
        if (ax->numeric)
            PUT_TEXT(co->axis[a], "units", "1");
        PUT_TEXT(co->axis[a], "spec_key", ax->key);
    }
    co->trace = -1;
    if (P > 0) {
        const char *tn = s->trace_iters >= 0 ? "trace_iter" : "trace_point";
        NC_TRY(nc_def_dim(nc, tn, (size_t)P, &co->dims[R]));
        NC_TRY(nc_def_var(nc, tn, NC_INT64, 1, &co->dims[R], &co->trace));
        PUT_TEXT(co->trace, "long_name", s->trace_iters >= 0
                                             ? "iteration at which the trace point was recorded"
                                             : "index of the trace point");
        PUT_TEXT(co->trace, "units", "1");
    }
    for (int i = 0; i < s->n_fixed; i++) {
        const spec_fixed *fx = &s->fixed[i];
        co->fixed[i] = -1;
        if (is_axis(s, fx->def))
            continue; /* fixed here, varied in a block: the axis holds it (and its name) */
        char *end = NULL;
        strtod(fx->text, &end);
        const int numeric = end != fx->text && *end == '\0' &&
                            (fx->def->type == PARAM_REAL || fx->def->type == PARAM_LAMBDA ||
                             is_integer_param(fx->def));
        nc_name(fx->def->name, name, sizeof name);
        const int type = !numeric ? NC_STRING : is_integer_param(fx->def) ? NC_INT64 : NC_DOUBLE;
        NC_TRY(nc_def_var(nc, name, type, 0, NULL, &co->fixed[i]));
        snprintf(ln, sizeof ln, "fixed parameter: %s", fx->def->help);
        PUT_TEXT(co->fixed[i], "long_name", ln);
        if (numeric)
            PUT_TEXT(co->fixed[i], "units", "1");
        PUT_TEXT(co->fixed[i], "spec_key", fx->key);
    }
cleanup:
    return ret;
}

static int nc_write_coords(int nc, const spec *s, int P, const nc_coords *co, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    long long *iv = NULL;
    int64_t *sched = NULL;
    spec_axis col = {0};
    if (co->point >= 0) {
        if ((iv = malloc((size_t)s->n_points * sizeof *iv)) == NULL) {
            ret = SWEEP_ERR_NOMEM;
            goto cleanup;
        }
        for (int64_t p = 0; p < s->n_points; p++)
            iv[p] = p;
        NC_TRY(nc_put_var_longlong(nc, co->point, iv));
    }
    for (int a = 0; a < s->n_axes; a++) {
        const spec_axis *ax = &s->axes[a];
        if (co->point >= 0) { /* the axis's value at every point */
            free(col.text);
            free(col.num);
            if ((ret = spec_axis_at_points(s, a, &col)) != SWEEP_OK)
                goto cleanup;
            ax = &col;
        }
        if (!ax->numeric) {
            NC_TRY(nc_put_var_string(nc, co->axis[a], (const char **)ax->text));
        } else if (is_integer_param(ax->def)) {
            free(iv);
            if ((iv = malloc((size_t)ax->n * sizeof *iv)) == NULL) {
                ret = SWEEP_ERR_NOMEM;
                goto cleanup;
            }
            for (int i = 0; i < ax->n; i++)
                iv[i] = (long long)llround(ax->num[i]);
            NC_TRY(nc_put_var_longlong(nc, co->axis[a], iv));
        } else {
            NC_TRY(nc_put_var_double(nc, co->axis[a], ax->num));
        }
    }
    for (int i = 0; i < s->n_fixed; i++) {
        const spec_fixed *fx = &s->fixed[i];
        nc_type t;
        if (co->fixed[i] < 0)
            continue;
        NC_TRY(nc_inq_vartype(nc, co->fixed[i], &t));
        if (t == NC_STRING) {
            const char *txt = fx->text;
            NC_TRY(nc_put_var_string(nc, co->fixed[i], &txt));
        } else if (t == NC_INT64) {
            long long v = (long long)llround(strtod(fx->text, NULL));
            NC_TRY(nc_put_var_longlong(nc, co->fixed[i], &v));
        } else {
            double v = strtod(fx->text, NULL);
            NC_TRY(nc_put_var_double(nc, co->fixed[i], &v));
        }
    }
    if (P > 0) {
        free(iv);
        iv = malloc((size_t)P * sizeof *iv);
        sched = malloc((size_t)P * sizeof *sched);
        if (iv == NULL || sched == NULL) {
            ret = SWEEP_ERR_NOMEM;
            goto cleanup;
        }
        if (s->trace_iters >= 0 && ufm_trace_iters(s->trace_iters, P, sched) != SWEEP_OK) {
            ret = SWEEP_ERR_ARG; /* the spec's trace schedule (validated when it was made) */
            goto cleanup;
        }
        for (int j = 0; j < P; j++)
            iv[j] = s->trace_iters >= 0 ? (long long)sched[j] : j;
        NC_TRY(nc_put_var_longlong(nc, co->trace, iv));
    }
cleanup:
    free(iv);
    free(sched);
    free(col.text);
    free(col.num);
    return ret;
}

/* the data variables: a variable per field of the record's table that the store holds and
 * exports to netCDF, with the field's CF attributes; ids[i] = its variable (-1: none) */
static int nc_define_fields(int nc, const spec *s, store *st, int R, const nc_coords *co,
                            int *ids, sweep_errbuf *eb)
{
    int ret = SWEEP_OK, nf = 0;
    char coordinates[SPEC_MAX_AXES * 64];
    size_t clen = 0;
    coordinates[0] = '\0';
    for (int a = 0; a < s->n_axes && clen < sizeof coordinates; a++) {
        char name[96];
        nc_name(s->axes[a].def->name, name, sizeof name);
        int w = snprintf(coordinates + clen, sizeof coordinates - clen, "%s%s", a ? " " : "", name);
        clen += w > 0 ? (size_t)w : 0;
    }
    const double nan = NAN;
    const record_field *fields = record_fields(&nf);
    for (int i = 0; i < nf; i++) {
        const record_field *f = &fields[i];
        ids[i] = -1;
        if (!(f->exports & RECORD_EXPORT_NC) || !store_has_field(st, i))
            continue;
        const nc_type t = nc_type_of(f->stored);
        const int rank = R + (f->group == RECORD_GROUP_TRACES);
        NC_TRY(nc_def_var(nc, f->column, t, rank, co->dims, &ids[i]));
        if (t != NC_STRING)
            NC_TRY(nc_def_var_deflate(nc, ids[i], 1, 1, 1));
        if (t == NC_DOUBLE)
            NC_TRY(nc_def_var_fill(nc, ids[i], 0, &nan));
        PUT_TEXT(ids[i], "long_name", f->long_name);
        if (f->units != NULL)
            PUT_TEXT(ids[i], "units", f->units);
        if (f->n_flags > 0) {
            NC_TRY(nc_put_att_longlong(nc, ids[i], "flag_values", t, (size_t)f->n_flags,
                                       (const long long *)f->flag_values));
            PUT_TEXT(ids[i], "flag_meanings", f->flag_meanings);
        }
        if (f->comment != NULL)
            PUT_TEXT(ids[i], "comment", f->comment);
        if (co->point >= 0)
            PUT_TEXT(ids[i], "coordinates", coordinates);
    }
cleanup:
    return ret;
}

static int nc_write_fields(int nc, store *st, const int *ids, sweep_errbuf *eb)
{
    int ret = SWEEP_OK, nf = 0;
    const record_field *fields = record_fields(&nf);
    const size_t n = (size_t)store_n_points(st), P = (size_t)store_trace_points(st);
    const size_t ml = sizeof(((point_record *)0)->message) + 1;
    double *buf = malloc((n * (P > 0 ? P : 1) + 1) * sizeof *buf);
    char *msgs = NULL;
    char **msgp = NULL;
    if (buf == NULL) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    for (int i = 0; i < nf; i++) {
        if (ids[i] < 0)
            continue;
        if (fields[i].stored != RECORD_CHAR) {
            if ((ret = store_read_field(st, i, buf, eb)) != SWEEP_OK)
                goto cleanup;
            NC_TRY(nc_put_var_double(nc, ids[i], buf));
            continue;
        }
        msgs = malloc(n * ml + 1);
        msgp = malloc((n > 0 ? n : 1) * sizeof *msgp);
        if (msgs == NULL || msgp == NULL) {
            ret = SWEEP_ERR_NOMEM;
            goto cleanup;
        }
        if ((ret = store_read_messages(st, msgs, ml, eb)) != SWEEP_OK)
            goto cleanup;
        for (size_t p = 0; p < n; p++)
            msgp[p] = point_text_clean(msgs + p * ml);
        NC_TRY(nc_put_var_string(nc, ids[i], (const char **)msgp));
    }
cleanup:
    free(buf);
    free(msgs);
    free(msgp);
    return ret;
}

static int export_netcdf(const char *out, const spec *s, store *st, sweep_errbuf *eb)
{
    int ret = SWEEP_OK, nc = -1, nf = 0;
    const int R = s->layout == SPEC_LAYOUT_POINTS ? 1 : s->n_axes;
    const int P = store_trace_points(st);
    nc_coords co;
    (void)record_fields(&nf);
    int *ids = malloc((size_t)nf * sizeof *ids);
    if (ids == NULL)
        return SWEEP_ERR_NOMEM;
    NC_TRY(nc_create(out, NC_NETCDF4 | NC_CLOBBER, &nc)); /* our own fresh temporary file */
    if ((ret = nc_globals(nc, s, st, eb)) != SWEEP_OK ||
        (ret = nc_define_coords(nc, s, P, &co, eb)) != SWEEP_OK ||
        (ret = nc_define_fields(nc, s, st, R, &co, ids, eb)) != SWEEP_OK)
        goto cleanup;
    NC_TRY(nc_enddef(nc));
    if ((ret = nc_write_coords(nc, s, P, &co, eb)) != SWEEP_OK ||
        (ret = nc_write_fields(nc, st, ids, eb)) != SWEEP_OK)
        goto cleanup;
cleanup:
    free(ids);
    if (nc >= 0) {
        int c = nc_close(nc);
        if (ret == SWEEP_OK && c != NC_NOERR)
            ret = sweep_err_set(eb, SWEEP_ERR_IO, "netCDF close: %s", nc_strerror(c));
    }
    return ret;
}
#undef PUT_TEXT

#else
static int export_netcdf(const char *out, const spec *s, store *st, sweep_errbuf *eb)
{
    (void)out, (void)s, (void)st;
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
    FILE *o = NULL;
    char tmp[4200] = "";

    int n_pos = 0, want_help = 0;
    const cli_arg args[] = {
        {.name = "format",
         .kind = CLI_VALUE,
         .out = &format,
         .metavar = "csv|netcdf",
         .help = "the file's format"},
        {.name = "output",
         .alias = "-o",
         .kind = CLI_VALUE,
         .out = &out,
         .metavar = "FILE",
         .help = "the file to write (it must not exist)"},
    };
    const cli_command cmd = {.usage = "ufmsweep export STORE.h5 --format csv|netcdf -o FILE",
                             .args = args,
                             .n_args = 2,
                             .positional = &path,
                             .min_positional = 1,
                             .max_positional = 1,
                             .n_positional = &n_pos,
                             .positional_name = "store"};
    sweep_errbuf_clear(&eb);
    store_quiet();
    if (cli_parse_args(&cmd, argc, argv, 1, &want_help, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep export: %s\n", eb.msg);
        return UFMSWEEP_EXIT_FAIL;
    }
    if (want_help) {
        export_help(stdout);
        return UFMSWEEP_EXIT_OK;
    }
    if (format == NULL || out == NULL) {
        fprintf(stderr, "ufmsweep export: %s missing (usage: %s)\n",
                format == NULL ? "--format" : "-o FILE", cmd.usage);
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
    int ret, fd = -1;
    if (fsafe_temp_create(out, tmp, sizeof tmp, !strcmp(format, "csv") ? &fd : NULL, &eb) !=
        SWEEP_OK) {
        fprintf(stderr, "ufmsweep export: %s\n", eb.msg);
        goto cleanup;
    }
    fsafe_temp_guard(tmp); /* a stop signal removes it */
    if (!strcmp(format, "csv")) {
        o = fdopen(fd, "w");
        if (o == NULL) {
            close(fd);
            fprintf(stderr, "ufmsweep export: cannot write %s\n", tmp);
            goto cleanup;
        }
        ret = export_csv(path, s, st, o, &eb);
        if (fclose(o) != 0 && ret == SWEEP_OK)
            ret = sweep_err_set(&eb, SWEEP_ERR_IO, "%s: write error", tmp);
        o = NULL;
    } else {
        ret = export_netcdf(tmp, s, st, &eb);
    }
    if (ret != SWEEP_OK) {
        fprintf(stderr, "ufmsweep export: %s\n", eb.msg);
        goto cleanup;
    }
    test_hook_hold("output");
    if (fsafe_commit(tmp, out, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep export: %s\n", eb.msg);
        goto cleanup;
    }
    tmp[0] = '\0';
    if (s->n_in_study < s->n_points)
        fprintf(stderr, "[ufmsweep] exported %lld points of the study to %s (%s; the grid has %lld, "
                        "%lld in no block)\n",
                (long long)s->n_in_study, out, format, (long long)s->n_points,
                (long long)(s->n_points - s->n_in_study));
    else
        fprintf(stderr, "[ufmsweep] exported %lld points to %s (%s)\n", (long long)s->n_points,
                out, format);
    exit_code = UFMSWEEP_EXIT_OK;
cleanup:
    if (o != NULL)
        fclose(o);
    fsafe_temp_guard(NULL);
    fsafe_temp_discard(tmp);
    store_discard(&st);
    spec_destroy(&s);
    return exit_code;
}
