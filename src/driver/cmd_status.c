/* `ufmsweep status STORE.h5 [--json]`: what a store holds, per axis, and how fast it fills. */
#include "commands.h"
#include "numparse.h"
#include "point.h"
#include "report.h"
#include "spec.h"
#include "store.h"

#include <hdf5.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void status_help(FILE *f)
{
    fprintf(f, "usage: ufmsweep status STORE.h5 [--json]\n"
               "\n"
               "Counts of done, failed, not-converged and pending points (of the store's shard),\n"
               "progress along every axis, the last run (ranks, host, SLURM job, exit reason), its\n"
               "rate and the time left at that rate. Reads the store only; safe while a run writes.\n"
               "--json prints one JSON object instead. Exit 0, or 1 when the store cannot be read.\n");
}

/* seconds since the epoch of "YYYY-MM-DDTHH:MM:SSZ" (UTC), -1 if malformed */
static double parse_utc(const char *s)
{
    int y, mo, d, h, mi, se;
    if (sscanf(s, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &se) != 6)
        return -1;
    /* days from 1970-01-01 (proleptic Gregorian; H. Hinnant's days_from_civil) */
    y -= mo <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const long yoe = y - era * 400;
    const long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const long days = era * 146097 + doe - 719468;
    return (double)days * 86400.0 + h * 3600.0 + mi * 60.0 + se;
}

/* finished[i] / total[i] of the shard's points at value i of axis a (caller frees both) */
static int axis_progress(const spec *s, const uint8_t *state, int a, int si, int sn,
                         int64_t **finished, int64_t **total)
{
    int64_t idx[SPEC_MAX_AXES];
    int64_t *f = calloc((size_t)s->axes[a].n, sizeof *f), *t = calloc((size_t)s->axes[a].n, sizeof *t);
    if (f == NULL || t == NULL) {
        free(f);
        free(t);
        return SWEEP_ERR_NOMEM;
    }
    for (int64_t p = 0; p < s->n_points; p++) {
        if (sn > 1 && p % sn != si)
            continue;
        spec_point_index(s, p, idx);
        t[idx[a]]++;
        f[idx[a]] += state[p] != POINT_PENDING;
    }
    *finished = f;
    *total = t;
    return SWEEP_OK;
}

int cmd_status_main(int argc, char **argv)
{
    int exit_code = UFMSWEEP_EXIT_FAIL, json = 0;
    const char *path = NULL;
    sweep_errbuf eb;
    spec *s = NULL;
    store *st = NULL;
    uint8_t *state = NULL;
    json_t *obj = NULL;

    sweep_errbuf_clear(&eb);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            status_help(stdout);
            return UFMSWEEP_EXIT_OK;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (argv[i][0] == '-' || path != NULL) {
            fprintf(stderr, "ufmsweep status: unexpected argument '%s' (see --help)\n", argv[i]);
            return UFMSWEEP_EXIT_FAIL;
        } else {
            path = argv[i];
        }
    }
    if (path == NULL) {
        fprintf(stderr, "ufmsweep status: no store given (usage: ufmsweep status STORE.h5)\n");
        return UFMSWEEP_EXIT_FAIL;
    }
    if (store_open_with_spec(path, 0, &st, &s, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep status: %s\n", eb.msg);
        goto cleanup;
    }
    if (store_n_points(st) != s->n_points) {
        fprintf(stderr, "ufmsweep status: %s: %lld points in the store, %lld in its spec\n", path,
                (long long)store_n_points(st), (long long)s->n_points);
        goto cleanup;
    }
    state = malloc((size_t)s->n_points);
    if (state == NULL || store_read_status(st, state, NULL, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep status: %s: %s\n", path, eb.msg);
        goto cleanup;
    }
    char shard[32];
    int64_t si = 0, sn = 1;
    store_attr_string(st, "shard", shard, sizeof shard);
    if (shard[0] != '\0' &&
        (numparse_pair(shard, '/', 0, INT32_MAX, &si, &sn) != SWEEP_OK || sn < 1 || si >= sn)) {
        fprintf(stderr, "ufmsweep status: %s: its shard attribute '%s' is not I/N (damaged "
                        "store? run ufmsweep verify)\n", path, shard);
        goto cleanup;
    }
    int64_t counts[4] = {0, 0, 0, 0}, total = 0;
    for (int64_t p = 0; p < s->n_points; p++) {
        if (sn > 1 && p % sn != si)
            continue;
        total++;
        counts[state[p] < 4 ? state[p] : 2]++;
    }
    int n_runs = 0;
    store_run_row last;
    memset(&last, 0, sizeof last);
    store_run_count(st, &n_runs);
    if (n_runs > 0)
        store_run_get(st, n_runs - 1, &last);
    double t0 = parse_utc(last.start_utc), t1 = last.end_utc[0] ? parse_utc(last.end_utc)
                                                                  : (double)time(NULL);
    double rate = (n_runs > 0 && t0 > 0 && t1 > t0) ? (double)last.points_done / (t1 - t0) : 0.0;
    int64_t finished = counts[1] + counts[2] + counts[3];
    double eta = rate > 0 ? (double)counts[0] / rate : -1;

    if (json) {
        obj = json_object();
        json_object_set_new(obj, "store", json_string(path));
        json_object_set_new(obj, "name", json_string(s->name));
        json_object_set_new(obj, "shard", json_string(shard));
        json_object_set_new(obj, "points", json_integer(total));
        json_object_set_new(obj, "done", json_integer(counts[1]));
        json_object_set_new(obj, "failed", json_integer(counts[2]));
        json_object_set_new(obj, "not_converged", json_integer(counts[3]));
        json_object_set_new(obj, "pending", json_integer(counts[0]));
        json_t *axes = json_array();
        for (int a = 0; a < s->n_axes; a++) {
            json_t *ax = json_object(), *vals = json_array(), *fin = json_array(),
                   *tot = json_array();
            int64_t *f = NULL, *t = NULL;
            axis_progress(s, state, a, si, sn, &f, &t);
            for (int i = 0; f && t && i < s->axes[a].n; i++) {
                json_array_append_new(vals, json_string(s->axes[a].text[i]));
                json_array_append_new(fin, json_integer(f[i]));
                json_array_append_new(tot, json_integer(t[i]));
            }
            free(f);
            free(t);
            json_object_set_new(ax, "axis", json_string(s->axes[a].key));
            json_object_set_new(ax, "values", vals);
            json_object_set_new(ax, "finished", fin);
            json_object_set_new(ax, "total", tot);
            json_array_append_new(axes, ax);
        }
        json_object_set_new(obj, "axes", axes);
        json_object_set_new(obj, "runs", json_integer(n_runs));
        if (n_runs > 0) {
            json_t *r = json_object();
            json_object_set_new(r, "start_utc", json_string(last.start_utc));
            json_object_set_new(r, "end_utc", json_string(last.end_utc));
            json_object_set_new(r, "ranks", json_integer(last.ranks));
            json_object_set_new(r, "points_done", json_integer(last.points_done));
            json_object_set_new(r, "exit_reason", json_string(last.exit_reason));
            json_object_set_new(r, "hostname", json_string(last.hostname));
            json_object_set_new(r, "slurm_job_id", json_string(last.slurm_job_id));
            json_object_set_new(obj, "last_run", r);
        }
        json_object_set_new(obj, "rate_points_per_s", report_json_real(rate));
        json_object_set_new(obj, "eta_s", eta >= 0 ? json_real(eta) : json_null());
        report_json_print(stdout, obj);
    } else {
        printf("store    %s (%s)%s%s\n", path, s->name[0] ? s->name : "unnamed sweep",
               shard[0] ? ", shard " : "", shard);
        printf("points   %lld: %lld done, %lld failed, %lld not converged, %lld pending (%.1f%% "
               "finished)\n",
               (long long)total, (long long)counts[1], (long long)counts[2], (long long)counts[3],
               (long long)counts[0], total ? 100.0 * (double)finished / (double)total : 100.0);
        for (int a = 0; a < s->n_axes; a++) {
            int64_t *f = NULL, *t = NULL;
            axis_progress(s, state, a, si, sn, &f, &t);
            printf("axis     %-10s", s->axes[a].key);
            for (int i = 0; f && t && i < s->axes[a].n && i < 12; i++)
                printf(" %s:%lld/%lld", s->axes[a].text[i], (long long)f[i], (long long)t[i]);
            printf("%s\n", s->axes[a].n > 12 ? " ..." : "");
            free(f);
            free(t);
        }
        if (n_runs > 0) {
            printf("last run #%d: %s .. %s, %d ranks on %s%s%s, %lld points, %s\n", last.run,
                   last.start_utc, last.end_utc[0] ? last.end_utc : "(still running or killed)",
                   last.ranks, last.hostname, last.slurm_job_id[0] ? ", SLURM job " : "",
                   last.slurm_job_id, (long long)last.points_done, last.exit_reason);
            if (rate > 0)
                printf("rate     %.3g points/s; %lld pending: about %.0f s at that rate\n", rate,
                       (long long)counts[0], eta);
        }
    }
    exit_code = UFMSWEEP_EXIT_OK;
cleanup:
    json_decref(obj);
    free(state);
    store_close(&st);
    spec_destroy(&s);
    return exit_code;
}
