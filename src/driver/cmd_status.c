/* `ufmsweep status STORE.h5 [--json] [--failed] [--watch [SECONDS]] [--window SECONDS]`: what a
 * store holds, per axis, how fast it fills and when it will be done, also while a run writes. */
#include "cli.h"
#include "commands.h"
#include "numparse.h"
#include "point.h"
#include "report.h"
#include "spec.h"
#include "store.h"

#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STATUS_DEFAULT_WINDOW_S 300.0
#define STATUS_DEFAULT_WATCH_S 5.0
#define STATUS_MAX_FAILED_LISTED 1000
#define STATUS_OPEN_TRIES 10 /* a run holds the store alone for a moment while it starts */

static void status_help(FILE *f)
{
    fprintf(f,
            "usage: ufmsweep status STORE.h5 [--json] [--failed] [--watch [SECONDS]]\n"
            "                                [--window SECONDS]\n"
            "\n"
            "What a store holds and how fast it fills: points done, failed, not converged and\n"
            "pending (of the store's shard), and the outcomes of their solves (converged,\n"
            "max_iter, diverged); progress along every axis with failures kept apart;\n"
            "the last run (ranks, host, SLURM job, exit reason); the rate over the last minutes\n"
            "and the time left at that rate.\n"
            "\n"
            "Safe while a run writes, on any file system, with or without HDF5_USE_FILE_LOCKING:\n"
            "it opens the store read-only in HDF5's single-writer/multiple-reader (SWMR) mode\n"
            "without file locks, sees every point the run has committed (a run commits to the\n"
            "store every 2 seconds), and never blocks or changes the writer.\n"
            "Run it from a login node on the store of a cluster job. (Stores made before\n"
            "ufmsweep 0.2 cannot be read while a run writes; `ufmsweep compact` upgrades them.)\n"
            "\n"
            "  --json            one JSON object: done, failed, not_converged, pending, points,\n"
            "                    outcomes (finished points per outcome of their solve),\n"
            "                    rate (points/s over the window), eta_s (null when unknown),\n"
            "                    writing, axes[] with done/failed/not_converged/pending per value,\n"
            "                    last_run, and failed_points[] with --failed\n"
            "  --failed          also list every failed and not-converged point: its index, its\n"
            "                    parameters and its message (the first %d)\n"
            "  --watch [SECONDS] refresh every SECONDS (default %.0f) until the store is complete\n"
            "                    and no run writes it, or Ctrl-C; on a terminal the screen is\n"
            "                    redrawn in place, otherwise each refresh is appended\n"
            "  --window SECONDS  the rate is over the points committed in the last SECONDS\n"
            "                    (default %.0f, or since the run started when that is shorter)\n"
            "\n"
            "Exit 0, or 1 when the store cannot be read.\n"
            "\n"
            "Examples:\n"
            "  ufmsweep status results/demo.h5\n"
            "  ufmsweep status results/demo.h5 --failed\n"
            "  ufmsweep status results/demo.h5 --watch 10\n"
            "  ufmsweep status results/demo.h5 --json | jq .eta_s\n",
            STATUS_MAX_FAILED_LISTED, STATUS_DEFAULT_WATCH_S, STATUS_DEFAULT_WINDOW_S);
}

typedef struct status_opts {
    const char *path;
    int json, failed, watch, tty;
    double watch_s, window_s;
} status_opts;

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

static double now_utc_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fmt_utc(double t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "3h 05m", "12m 40s", "9s" */
static void fmt_duration(double s, char *buf, size_t cap)
{
    if (!isfinite(s) || s < 0) {
        snprintf(buf, cap, "unknown");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 86400)
        snprintf(buf, cap, "%ldd %02ldh", t / 86400, (t % 86400) / 3600);
    else if (t >= 3600)
        snprintf(buf, cap, "%ldh %02ldm", t / 3600, (t % 3600) / 60);
    else if (t >= 60)
        snprintf(buf, cap, "%ldm %02lds", t / 60, t % 60);
    else
        snprintf(buf, cap, "%lds", t);
}

/* The outcomes of a solve, as /status/outcome's CF flags name them: -1 pending_or_no_solve,
 * 1 converged_gradient, 2 converged_loss, 3 max_iter, 4 diverged (index: value + 1, 0 unused). */
#define STATUS_OUTCOMES 6

/* the name of outcome value v (flag_meanings of the stored field), "" for none */
static const char *outcome_name(int v, char *buf, size_t cap)
{
    buf[0] = '\0';
    const int f = record_field_find(RECORD_GROUP_STATUS, "outcome");
    int nf = 0;
    const record_field *fields = record_fields(&nf);
    if (f < 0)
        return buf;
    const char *m = fields[f].flag_meanings;
    for (int k = 0; k < fields[f].n_flags; k++) {
        const size_t len = strcspn(m, " ");
        if (fields[f].flag_values[k] == v) {
            snprintf(buf, cap, "%.*s", (int)len, m);
            return buf;
        }
        m += len + (m[len] == ' ');
    }
    return buf;
}

/* What one look at the store found. */
typedef struct status_view {
    spec *s;
    store *st;
    uint8_t *state;
    double *commit;           /* NULL for stores without commit times */
    char shard[32];
    int64_t si, sn;
    int64_t counts[4], total; /* by state: pending, done, failed, not converged (the points in
                                 the study: total is their sum) */
    int64_t not_in_study;     /* points of the grid in no block of the spec */
    int64_t computed, copied, copied_from_stores; /* finished points by /status/source */
    int64_t outcomes[STATUS_OUTCOMES]; /* finished points by /status/outcome (outcome_names) */
    int n_runs;
    store_run_row last;
    int writing;              /* a writer holds the store (or was killed holding it) */
    double now, rate, window_used, eta, last_commit;
    int rate_from_commits;
    int64_t *failed_pts;      /* with --failed: the failed and not-converged points (the first */
    point_record *failed_recs; /* STATUS_MAX_FAILED_LISTED), their records, and how many in all */
    int n_failed;
    int64_t failed_total;
} status_view;

static void status_view_clear(status_view *v)
{
    free(v->state);
    free(v->commit);
    free(v->failed_pts);
    free(v->failed_recs);
    store_discard(&v->st);
    spec_destroy(&v->s);
    memset(v, 0, sizeof *v);
}

static int state_index(uint8_t st)
{
    return st < 4 ? st : POINT_FAILED;
}

/* The failed and not-converged points of the shard (at most max, *n_out of them; caller frees
 * both), with their records read from the store. */
static int failed_points(const status_view *v, int max, int64_t **pts_out, point_record **recs_out,
                         int *n_out, int64_t *total_out, sweep_errbuf *eb)
{
    const spec *s = v->s;
    int n = 0;
    int64_t total = 0;
    int64_t *pts = malloc((size_t)max * sizeof *pts);
    if (pts == NULL)
        return SWEEP_ERR_NOMEM;
    for (int64_t p = 0; p < s->n_points; p++) {
        if (v->sn > 1 && p % v->sn != v->si)
            continue;
        if (v->state[p] == POINT_FAILED || v->state[p] == POINT_NOT_CONVERGED) {
            if (n < max)
                pts[n++] = p;
            total++;
        }
    }
    point_record *recs = calloc(n > 0 ? (size_t)n : 1, sizeof *recs);
    if (recs == NULL) {
        free(pts);
        return SWEEP_ERR_NOMEM;
    }
    int ret = store_read_points(v->st, pts, n, recs, NULL, eb);
    for (int i = 0; ret == SWEEP_OK && i < n; i++)
        point_text_clean(recs[i].message); /* stores made before 0.4 may hold raw escapes */
    if (ret != SWEEP_OK) {
        free(pts);
        free(recs);
        return ret;
    }
    *pts_out = pts;
    *recs_out = recs;
    *n_out = n;
    *total_out = total;
    return SWEEP_OK;
}

/* Open the store and take its numbers. Codes of store_open_with_spec. */
static int status_view_read(const status_opts *o, status_view *v, sweep_errbuf *eb)
{
    int ret;
    memset(v, 0, sizeof *v);
    for (int attempt = 0;; attempt++) {
        sweep_errbuf_clear(eb);
        ret = store_open_with_spec(o->path, 0, &v->st, &v->s, eb);
        /* a run that is starting holds the store alone for a moment: wait for it */
        if ((ret != SWEEP_ERR_BUSY && ret != SWEEP_ERR_LEFT_OPEN) || o->watch ||
            attempt + 1 >= STATUS_OPEN_TRIES)
            break;
        sleep(1);
    }
    if (ret != SWEEP_OK)
        return ret;
    spec *s = v->s;
    if (store_n_points(v->st) != s->n_points)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: %lld points in the store, %lld in its spec",
                             o->path, (long long)store_n_points(v->st), (long long)s->n_points);
    v->now = now_utc_s();
    v->state = malloc((size_t)s->n_points);
    if (v->state == NULL)
        return SWEEP_ERR_NOMEM;
    /* the state first: a point it calls finished has its data committed before it */
    if ((ret = store_read_status(v->st, v->state, NULL, eb)) != SWEEP_OK)
        return ret;
    v->commit = malloc((size_t)s->n_points * sizeof *v->commit);
    if (v->commit == NULL)
        return SWEEP_ERR_NOMEM;
    sweep_errbuf e2;
    sweep_errbuf_clear(&e2);
    if (store_read_commit_times(v->st, v->commit, &e2) != SWEEP_OK) {
        free(v->commit);
        v->commit = NULL;
    }
    v->sn = 1;
    store_attr_string(v->st, "shard", v->shard, sizeof v->shard);
    if (v->shard[0] != '\0' && (numparse_pair(v->shard, '/', 0, INT32_MAX, &v->si, &v->sn) !=
                                    SWEEP_OK ||
                                v->sn < 1 || v->si >= v->sn))
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED,
                             "%s: its shard attribute '%s' is not I/N (damaged store? run "
                             "ufmsweep verify)",
                             o->path, v->shard);
    int32_t *source = malloc((size_t)s->n_points * sizeof *source);
    double *outcome = malloc((size_t)s->n_points * sizeof *outcome);
    if (source == NULL || outcome == NULL) {
        free(source);
        free(outcome);
        return SWEEP_ERR_NOMEM;
    }
    const int f_outcome = record_field_find(RECORD_GROUP_STATUS, "outcome");
    if (store_read_field(v->st, f_outcome, outcome, &e2) != SWEEP_OK) {
        free(outcome); /* a store without outcomes: none counted */
        outcome = NULL;
    }
    if (store_read_sources(v->st, source, &e2) != SWEEP_OK)
        for (int64_t p = 0; p < s->n_points; p++)
            source[p] = POINT_COMPUTED;
    for (int64_t p = 0; p < s->n_points; p++) {
        if (v->sn > 1 && p % v->sn != v->si)
            continue;
        if (v->state[p] == POINT_NOT_IN_STUDY) {
            v->not_in_study++;
            continue;
        }
        v->total++;
        v->counts[state_index(v->state[p])]++;
        if (v->state[p] != POINT_PENDING && outcome != NULL) {
            const int oc = (int)outcome[p];
            v->outcomes[oc >= -1 && oc < STATUS_OUTCOMES - 1 ? oc + 1 : 0]++;
        }
        if (v->state[p] != POINT_PENDING) {
            v->computed += source[p] == POINT_COMPUTED;
            v->copied += source[p] != POINT_COMPUTED;
            v->copied_from_stores += source[p] > 0;
        }
    }
    free(source);
    free(outcome);
    if (store_run_count(v->st, &v->n_runs) != SWEEP_OK)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: /provenance/runs cannot be read", o->path);
    if (v->n_runs > 0 && store_run_get(v->st, v->n_runs - 1, &v->last) != SWEEP_OK)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: the last row of /provenance/runs cannot "
                                                    "be read", o->path);
    int version = -1, flags = 0;
    if (store_superblock_flags(o->path, &version, &flags) != SWEEP_OK)
        version = -1, flags = 0; /* not readable as a superblock: judged by the attribute */
    int open_attr = 0;
    if (store_get_writing(v->st, &open_attr) != SWEEP_OK)
        open_attr = 0;
    v->writing = (flags & 0x05) != 0 || (version < 3 && open_attr);

    /* the rate: points committed in the window, over the window (or since the run began) */
    const double run_start = parse_utc(v->last.start_utc);
    const int running = v->n_runs > 0 && !strcmp(v->last.exit_reason, "running") && v->writing;
    v->rate = 0.0;
    v->eta = NAN;
    v->last_commit = NAN;
    if (v->commit != NULL) {
        int64_t recent = 0;
        for (int64_t p = 0; p < s->n_points; p++) {
            const double t = v->commit[p];
            if (!isfinite(t) || v->state[p] == POINT_PENDING)
                continue;
            if (!isfinite(v->last_commit) || t > v->last_commit)
                v->last_commit = t;
            if (v->sn > 1 && p % v->sn != v->si)
                continue;
            recent += t > v->now - o->window_s && t <= v->now + 1.0;
        }
        v->window_used = o->window_s;
        if (running && run_start > 0 && v->now - run_start < v->window_used)
            v->window_used = v->now - run_start;
        if (running && v->window_used > 0)
            v->rate = (double)recent / v->window_used;
        v->rate_from_commits = 1;
    } else if (v->n_runs > 0) {
        /* stores made before 0.2: the last run's average, known once it ended */
        const double t0 = run_start,
                     t1 = v->last.end_utc[0] ? parse_utc(v->last.end_utc) : v->now;
        if (t0 > 0 && t1 > t0)
            v->rate = (double)v->last.points_done / (t1 - t0);
        v->window_used = t1 - t0;
    }
    if (v->rate > 0 && (running || v->counts[POINT_PENDING] == 0))
        v->eta = (double)v->counts[POINT_PENDING] / v->rate;
    if (o->failed)
        return failed_points(v, STATUS_MAX_FAILED_LISTED, &v->failed_pts, &v->failed_recs,
                             &v->n_failed, &v->failed_total, eb);
    return SWEEP_OK;
}

/* counts[value][state] of the shard's points along axis a (caller frees) */
static int64_t *axis_counts(const status_view *v, int a)
{
    const spec *s = v->s;
    int64_t idx[SPEC_MAX_AXES];
    int64_t *c = calloc((size_t)s->axes[a].n * 4, sizeof *c);
    for (int64_t p = 0; c != NULL && p < s->n_points; p++) {
        if (v->sn > 1 && p % v->sn != v->si)
            continue;
        if (v->state[p] == POINT_NOT_IN_STUDY)
            continue;
        spec_point_index(s, p, idx);
        c[idx[a] * 4 + state_index(v->state[p])]++;
    }
    return c;
}

/* "R=4, loss=cdt, gamma=0.3333" of point p (axes of one value left out) */
static void point_label(const spec *s, int64_t p, char *buf, size_t cap)
{
    int64_t idx[SPEC_MAX_AXES];
    size_t len = 0;
    buf[0] = '\0';
    spec_point_index(s, p, idx);
    for (int a = 0; a < s->n_axes && len < cap; a++) {
        int n = snprintf(buf + len, cap - len, "%s%s=%s", len ? ", " : "", s->axes[a].key,
                         s->axes[a].text[idx[a]]);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}

static const char *state_name(int st)
{
    return st >= POINT_PENDING && st < POINT_NOT_IN_STUDY ? point_state_name(st) : "failed";
}

static int print_json(const status_opts *o, const status_view *v, FILE *out)
{
    const spec *s = v->s;
    json_t *obj = json_object();
    char buf[64];
    json_object_set_new(obj, "store", json_string(o->path));
    json_object_set_new(obj, "name", json_string(s->name));
    json_object_set_new(obj, "shard", json_string(v->shard));
    /* what identifies the store's data (README, "Citing a store") */
    static const char *const ids[] = {"grid_sha256", "spec_sha256", "program_version",
                                      "source_commit"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char attr[128];
        store_attr_string(v->st, ids[i], attr, sizeof attr);
        json_object_set_new(obj, ids[i], json_string(attr));
    }
    json_object_set_new(obj, "numerics_version", json_integer(store_numerics_version(v->st)));
    json_object_set_new(obj, "layout", json_string(spec_layout_name(store_layout(v->st))));
    json_object_set_new(obj, "points", json_integer(v->total));
    for (int st = 0; st < POINT_STATE_COUNT; st++) /* a count per state, under its name */
        json_object_set_new(obj, point_state_name(st),
                            json_integer(st == POINT_NOT_IN_STUDY ? v->not_in_study
                                                                  : v->counts[state_index(st)]));
    json_object_set_new(obj, "grid_points", json_integer(v->total + v->not_in_study));
    json_object_set_new(obj, "points_computed", json_integer(v->computed));
    json_object_set_new(obj, "points_reused", json_integer(v->copied));
    json_object_set_new(obj, "points_reused_from_stores", json_integer(v->copied_from_stores));
    json_t *oc = json_object();
    char name[64];
    for (int k = 0; k < STATUS_OUTCOMES; k++) /* finished points by outcome, under its name */
        if (outcome_name(k - 1, name, sizeof name)[0] != '\0')
            json_object_set_new(oc, name, json_integer(v->outcomes[k]));
    json_object_set_new(obj, "outcomes", oc);
    json_object_set_new(obj, "writing", json_boolean(v->writing));
    json_object_set_new(obj, "live_readable", json_boolean(store_is_live(v->st)));
    json_object_set_new(obj, "rate", report_json_real(v->rate));
    json_object_set_new(obj, "rate_window_s", report_json_real(v->window_used));
    json_object_set_new(obj, "rate_points_per_s", report_json_real(v->rate));
    json_object_set_new(obj, "eta_s", report_json_real(v->eta));
    if (isfinite(v->last_commit)) {
        fmt_utc(v->last_commit, buf, sizeof buf);
        json_object_set_new(obj, "last_commit_utc", json_string(buf));
        json_object_set_new(obj, "last_commit_age_s", json_real(v->now - v->last_commit));
    } else {
        json_object_set_new(obj, "last_commit_utc", json_null());
        json_object_set_new(obj, "last_commit_age_s", json_null());
    }
    json_t *axes = json_array();
    for (int a = 0; a < s->n_axes; a++) {
        json_t *ax = json_object(), *vals = json_array(), *fin = json_array(), *tot = json_array();
        json_t *by[4] = {json_array(), json_array(), json_array(), json_array()};
        int64_t *c = axis_counts(v, a);
        for (int i = 0; c != NULL && i < s->axes[a].n; i++) {
            const int64_t *ci = c + (size_t)i * 4;
            json_array_append_new(vals, json_string(s->axes[a].text[i]));
            for (int k = 0; k < 4; k++)
                json_array_append_new(by[k], json_integer(ci[k]));
            json_array_append_new(fin, json_integer(ci[1] + ci[2] + ci[3]));
            json_array_append_new(tot, json_integer(ci[0] + ci[1] + ci[2] + ci[3]));
        }
        free(c);
        json_object_set_new(ax, "axis", json_string(s->axes[a].key));
        json_object_set_new(ax, "values", vals);
        for (int k = 0; k < 4; k++) /* the states of study points, under their names */
            json_object_set_new(ax, point_state_name(k), by[k]);
        json_object_set_new(ax, "finished", fin);
        json_object_set_new(ax, "total", tot);
        json_array_append_new(axes, ax);
    }
    json_object_set_new(obj, "axes", axes);
    json_object_set_new(obj, "runs", json_integer(v->n_runs));
    if (v->n_runs > 0) {
        json_t *r = json_object();
        json_object_set_new(r, "start_utc", json_string(v->last.start_utc));
        json_object_set_new(r, "end_utc", json_string(v->last.end_utc));
        json_object_set_new(r, "ranks", json_integer(v->last.ranks));
        json_object_set_new(r, "points_done", json_integer(v->last.points_done));
        json_object_set_new(r, "exit_reason", json_string(v->last.exit_reason));
        json_object_set_new(r, "hostname", json_string(v->last.hostname));
        json_object_set_new(r, "slurm_job_id", json_string(v->last.slurm_job_id));
        json_object_set_new(obj, "last_run", r);
    }
    if (o->failed) {
        const int64_t *pts = v->failed_pts;
        const point_record *recs = v->failed_recs;
        json_t *arr = json_array();
        int64_t idx[SPEC_MAX_AXES];
        for (int i = 0; i < v->n_failed; i++) {
            json_t *e = json_object(), *par = json_object();
            spec_point_index(s, pts[i], idx);
            for (int a = 0; a < s->n_axes; a++) {
                const spec_axis *ax = &s->axes[a];
                json_object_set_new(par, ax->key,
                                    ax->numeric ? json_real(ax->num[idx[a]])
                                                : json_string(ax->text[idx[a]]));
            }
            json_object_set_new(e, "point", json_integer(pts[i]));
            json_object_set_new(e, "state", json_string(state_name(recs[i].state)));
            json_object_set_new(e, "params", par);
            json_object_set_new(e, "message", json_string(recs[i].message));
            json_object_set_new(e, "attempts", json_integer(recs[i].attempts));
            json_object_set_new(e, "rank", json_integer(recs[i].rank));
            json_array_append_new(arr, e);
        }
        json_object_set_new(obj, "failed_points", arr);
        json_object_set_new(obj, "failed_points_total", json_integer(v->failed_total));
    }
    const int ret = report_json_print(out, obj);
    json_decref(obj);
    return ret;
}

/* "outcomes 12 converged_gradient, 351 max_iter, 3 diverged" of the finished points that solved */
static void print_outcomes(const status_view *v, FILE *out)
{
    int listed = 0;
    char name[64];
    for (int k = 2; k < STATUS_OUTCOMES; k++) { /* the solves; "no solve" is not an outcome */
        if (v->outcomes[k] == 0)
            continue;
        fprintf(out, "%s%lld %s", listed++ ? ", " : "outcomes ", (long long)v->outcomes[k],
                outcome_name(k - 1, name, sizeof name));
    }
    if (listed)
        fputc('\n', out);
}

static void print_text(const status_opts *o, const status_view *v, FILE *out)
{
    const spec *s = v->s;
    const int64_t *c = v->counts;
    const int64_t finished = c[1] + c[2] + c[3];
    char d1[32], d2[32];
    fprintf(out, "store    %s (%s)%s%s\n", o->path, s->name[0] ? s->name : "unnamed sweep",
            v->shard[0] ? ", shard " : "", v->shard);
    fprintf(out, "points   %lld: %lld done, %lld failed, %lld not converged, %lld pending "
                 "(%.1f%% finished)\n",
            (long long)v->total, (long long)c[1], (long long)c[2], (long long)c[3],
            (long long)c[0], v->total ? 100.0 * (double)finished / (double)v->total : 100.0);
    print_outcomes(v, out);
    if (v->not_in_study > 0)
        fprintf(out, "grid     %lld points, of which %lld in no block of the spec (not in the "
                     "study)\n",
                (long long)(v->total + v->not_in_study), (long long)v->not_in_study);
    if (v->copied > 0)
        fprintf(out, "reuse    %lld computed, %lld copied from an equal point (%lld from other "
                     "stores)\n",
                (long long)v->computed, (long long)v->copied, (long long)v->copied_from_stores);
    for (int a = 0; a < s->n_axes; a++) {
        int64_t *ac = axis_counts(v, a);
        fprintf(out, "axis     %-10s", s->axes[a].key);
        for (int i = 0; ac != NULL && i < s->axes[a].n && i < 12; i++) {
            const int64_t *ci = ac + (size_t)i * 4;
            fprintf(out, " %s:%lld/%lld", s->axes[a].text[i], (long long)(ci[1] + ci[3]),
                    (long long)(ci[0] + ci[1] + ci[2] + ci[3]));
            if (ci[2] > 0)
                fprintf(out, "+%lld failed", (long long)ci[2]);
        }
        fprintf(out, "%s\n", s->axes[a].n > 12 ? " ..." : "");
        free(ac);
    }
    if (v->n_runs > 0) {
        fprintf(out, "last run #%d: %s .. %s, %d ranks on %s%s%s, %s\n", v->last.run,
                v->last.start_utc,
                v->last.end_utc[0] ? v->last.end_utc
                                   : (v->writing ? "(running)" : "(killed or still opening)"),
                v->last.ranks, v->last.hostname, v->last.slurm_job_id[0] ? ", SLURM job " : "",
                v->last.slurm_job_id, v->last.exit_reason);
    }
    if (v->writing && v->rate_from_commits) {
        fmt_duration(v->window_used, d1, sizeof d1);
        fmt_duration(v->eta, d2, sizeof d2);
        fprintf(out, "rate     %.3g points/s over the last %s; %lld pending: ETA %s\n", v->rate, d1,
                (long long)c[0], v->rate > 0 ? d2 : "unknown (no point committed in the window)");
    } else if (v->rate > 0 && !v->rate_from_commits) {
        fprintf(out, "rate     %.3g points/s in the last run\n", v->rate);
    }
    if (isfinite(v->last_commit)) {
        fmt_utc(v->last_commit, d1, sizeof d1);
        fmt_duration(v->now - v->last_commit, d2, sizeof d2);
        fprintf(out, "commit   last point committed %s (%s ago)%s\n", d1, d2,
                v->writing ? "" : "; no run is writing");
    }
    if (!store_is_live(v->st))
        fprintf(out, "note     made before ufmsweep 0.2: readers cannot open it while a run "
                     "writes (`ufmsweep compact` upgrades it)\n");
    if (o->failed) {
        const int64_t total = v->failed_total;
        fprintf(out, "%lld failed or not converged%s\n", (long long)total, total ? ":" : "");
        for (int i = 0; i < v->n_failed; i++) {
            char lab[1024];
            point_label(s, v->failed_pts[i], lab, sizeof lab);
            fprintf(out, "  #%-6lld %-13s %s: %s\n", (long long)v->failed_pts[i],
                    state_name(v->failed_recs[i].state), lab,
                    v->failed_recs[i].message[0] ? v->failed_recs[i].message : "(no message)");
        }
        if (total > v->n_failed)
            fprintf(out, "  ... and %lld more (status --json --failed lists the first %d)\n",
                    (long long)(total - v->n_failed), STATUS_MAX_FAILED_LISTED);
    }
}

/* a finite number, the whole text */
/* --watch [S]: a number of seconds is its value, unless a store of that name exists */
static int watch_value(const char *arg)
{
    char *end = NULL;
    const double v = strtod(arg, &end);
    return end != arg && *end == '\0' && isfinite(v) && access(arg, F_OK) != 0;
}

static int parse_watch_s(const char *option, const char *value, void *out, sweep_errbuf *eb)
{
    char *end = NULL;
    const double v = strtod(value, &end);
    if (end == value || *end != '\0' || !(v >= 0.1) || v > 86400)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "%s %s: give seconds between 0.1 and 86400", option,
                             value);
    *(double *)out = v;
    return SWEEP_OK;
}

static int parse_window_s(const char *option, const char *value, void *out, sweep_errbuf *eb)
{
    char *end = NULL;
    const double v = strtod(value, &end);
    if (end == value || *end != '\0' || !(v >= 1) || v > 1e7)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "%s %s: give seconds between 1 and 1e7", option,
                             value);
    *(double *)out = v;
    return SWEEP_OK;
}

static volatile sig_atomic_t status_stop;

static void status_on_signal(int sig)
{
    (void)sig;
    status_stop = 1;
}

/* one look: print it; *complete set when the store is finished and nobody writes it */
static int status_once(const status_opts *o, int *complete)
{
    sweep_errbuf eb;
    status_view v;
    int ret = status_view_read(o, &v, &eb);
    if (ret == SWEEP_OK) {
        *complete = v.counts[POINT_PENDING] == 0 && !v.writing;
        if (o->json && print_json(o, &v, stdout) != SWEEP_OK)
            ret = sweep_err_set(&eb, SWEEP_ERR_IO, "cannot write the JSON to stdout");
        else if (!o->json)
            print_text(o, &v, stdout);
    }
    if (ret != SWEEP_OK)
        fprintf(stderr, "ufmsweep status: %s%s\n", eb.msg,
                o->watch && (ret == SWEEP_ERR_BUSY || ret == SWEEP_ERR_LEFT_OPEN)
                    ? " (waiting)"
                    : "");
    fflush(stdout);
    status_view_clear(&v);
    return ret;
}

int cmd_status_main(int argc, char **argv)
{
    status_opts o = {.watch_s = STATUS_DEFAULT_WATCH_S, .window_s = STATUS_DEFAULT_WINDOW_S};
    int n_pos = 0, want_help = 0;
    sweep_errbuf eb;
    const cli_arg args[] = {
        {.name = "json", .kind = CLI_FLAG, .out = &o.json, .help = "one JSON object"},
        {.name = "failed", .kind = CLI_FLAG, .out = &o.failed, .help = "list the failed points"},
        {.name = "watch",
         .kind = CLI_OPTIONAL_VALUE,
         .out = &o.watch_s,
         .flag = &o.watch,
         .parse = parse_watch_s,
         .accept = watch_value,
         .metavar = "[S]",
         .help = "look again every S seconds until the sweep is finished"},
        {.name = "window",
         .kind = CLI_VALUE,
         .out = &o.window_s,
         .parse = parse_window_s,
         .metavar = "S",
         .help = "the rate and ETA over the last S seconds"},
    };
    const cli_command cmd = {.usage = "ufmsweep status STORE.h5 [--json] [--failed] [--watch [S]]",
                             .args = args,
                             .n_args = sizeof args / sizeof args[0],
                             .positional = &o.path,
                             .min_positional = 1,
                             .max_positional = 1,
                             .n_positional = &n_pos,
                             .positional_name = "store"};
    store_quiet();
    sweep_errbuf_clear(&eb);
    if (cli_parse_args(&cmd, argc, argv, 1, &want_help, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep status: %s\n", eb.msg);
        return UFMSWEEP_EXIT_FAIL;
    }
    if (want_help) {
        status_help(stdout);
        return UFMSWEEP_EXIT_OK;
    }
    if (!o.watch) {
        int complete = 0;
        return status_once(&o, &complete) == SWEEP_OK ? UFMSWEEP_EXIT_OK : UFMSWEEP_EXIT_FAIL;
    }
    o.tty = isatty(fileno(stdout));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = status_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    int exit_code = UFMSWEEP_EXIT_OK, complete = 0, first = 1;
    while (!status_stop) {
        if (o.tty)
            fputs("\033[H\033[J", stdout); /* home, clear: redraw in place */
        else if (!first && !o.json)
            fputc('\n', stdout);
        first = 0;
        int ret = status_once(&o, &complete);
        if (ret != SWEEP_OK && ret != SWEEP_ERR_BUSY && ret != SWEEP_ERR_LEFT_OPEN) {
            exit_code = UFMSWEEP_EXIT_FAIL;
            break;
        }
        if (complete)
            break;
        /* sleep in short steps so that Ctrl-C ends it at once */
        for (double t = 0; t < o.watch_s && !status_stop; t += 0.1) {
            struct timespec ts = {0, 100000000L};
            nanosleep(&ts, NULL);
        }
    }
    return exit_code;
}
