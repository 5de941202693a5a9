/* `ufmsweep run SPEC.yaml [--store PATH] [--resume | --restart] [--shard I/N]`: the sweep.
 * Collective on MPI_COMM_WORLD: run it under mpirun / srun (or alone: one rank computes). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "blasinfo.h"
#include "cli.h"
#include "run.h"
#include "commands.h"
#include "ext.h"
#include "fsafe.h"
#include "journal.h"
#include "store_plan.h"
#include "numparse.h"
#include "point.h"
#include "spec.h"
#include "store.h"
#include "sweep.h"
#include "sweep_comm.h"
#include "sweep_proto.h"
#include "version.h"
#include "versions.h"
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The one piece of global state: the signal handler can only reach a static flag. */
static volatile sig_atomic_t stop_requested = 0;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

#define UFMSWEEP_STR_(x) #x
#define UFMSWEEP_STR(x) UFMSWEEP_STR_(x) /* a number macro as text, for --help */

static void run_help(FILE *f)
{
    fprintf(f,
            "usage: mpirun -n N ufmsweep run SPEC.yaml [KEY=VALUE ...] [--store PATH]\n"
            "                  [--resume | --restart | --continue] [--shard I/N] [--progress SECONDS]\n"
            "                  [--reuse OLD.h5 [OLD2.h5 ...]] [--no-reuse] [--keep-journal]\n"
            "       ufmsweep run SPEC.yaml [KEY=VALUE ...] --check\n"
            "\n"
            "Run every point of the sweep SPEC.yaml (its `grid:`, or the union of its `grids:`\n"
            "blocks) on N MPI ranks into one HDF5 store. Rank 0 schedules points in adaptive\n"
            "batches and is the only writer; with one rank it computes alone. Points whose\n"
            "problem is the same (the class counts, the loss's vectors after presets, the solver\n"
            "and the options it reads, and the initialization where it is random: CE, CDT at\n"
            "gamma 0 and LDT at gamma 0 are one problem; a certified solver ignores the seed) are\n"
            "solved once and the record copied, bit for bit what computing it would give. Every\n"
            "finished point is appended to STORE.journal (synced) before it is written to the\n"
            "store, so a killed run loses only the points in flight. See README.md for the spec\n"
            "format and docs/ARCHITECTURE.md.\n"
            "\n"
            "Overrides (Hydra style; values in YAML flow syntax, validated like the file and\n"
            "recorded in the store beside the spec text):\n"
            "  iters=20           an option: sets it under fixed, or replaces the axis of that\n"
            "                     name (a list or generator replaces its values, one value fixes it)\n"
            "  fixed.lr=0.1  grid.R='[1, 2]'  grids.1.gamma='{linspace: [0, 1, 3]}'  store=x.h5\n"
            "                     a path of keys and block numbers: that entry, set or added\n"
            "\n"
            "Options:\n"
            "  --store PATH       the store (default: `store:` in the spec)\n"
            "  --resume           continue an existing store of the same spec: skips done points,\n"
            "                     replays the journal (past any damaged record), rebuilds a store\n"
            "                     left open by a killed writer from its own points and the journal\n"
            "                     (an unreadable one is kept as PATH.damaged-<time>); a store that\n"
            "                     another process holds open is refused as locked\n"
            "  --restart          start over: a new store replaces the ufmsweep store of this spec's\n"
            "                     grid at PATH (of another grid only when named with --store) and\n"
            "                     its journal goes; a file that is not a readable ufmsweep store\n"
            "                     (foreign, newer, damaged, locked) is never touched\n"
            "  --continue         --resume when the store or its journal exists, else start: for\n"
            "                     job scripts that are requeued (jobs/slurm/sweep.sbatch)\n"
            "  --check            validate the spec (every point) and print its blocks, the number\n"
            "                     of points, of distinct solves and of points --reuse would copy,\n"
            "                     the spec with its overrides, and the store path; run nothing\n"
            "  --reuse OLD.h5 ... copy every point that an old store holds done (same problem and\n"
            "                     seed key) instead of computing it: a store grows by a seed or an\n"
            "                     R value this way; /status/source says where each came from\n"
            "  --no-reuse         compute every point, also those equal to another point\n"
            "  --keep-journal     keep every journal record (about 500 bytes a point): a store\n"
            "                     that becomes unreadable is rebuilt from the journal alone;\n"
            "                     without it the journal is cut (checkpointed) once its points\n"
            "                     are synced in the store, and such points are recomputed\n"
            "  --shard I/N        compute only points p with p %% N == I (job arrays; `ufmsweep\n"
            "                     merge` joins the shards)\n"
            "  --progress S       seconds between progress lines when stderr is not a terminal\n"
            "                     (default 10)\n"
            "  --ranks-per-solve G  split the workers (ranks 1..N-1; N-1 a multiple of G) into\n"
            "                     groups of G: ufm points with k d n iters >= --group-min-work run\n"
            "                     on a group's ScaLAPACK process grid (1 x G), the others on single\n"
            "                     ranks (docs/SCALING.md)\n"
            "  --group-min-work W the size from which a point is grouped (default "
            UFMSWEEP_STR(SPEC_DEFAULT_GROUP_MIN_WORK) ", about ten\n"
            "                     seconds of one core)\n"
            "  --grid PxQ         the process grid of a group (P Q = G; default 1xG)\n"
            "\n"
            "Signals: SIGTERM, SIGINT, SIGHUP and SIGUSR1 to any rank stop the sweep: a UFM solve in\n"
            "progress gives up within an iteration (its point stays pending and is computed\n"
            "again on --resume; grouped and reference solves finish their point), rank 0 saves\n"
            "everything finished and exits 3. mpirun and srun forward SIGUSR1 to every rank;\n"
            "Open MPI's mpirun ends the job with exit 1 on SIGTERM/SIGINT, so under mpirun\n"
            "stop with SIGUSR1 or use jobs/ufmsweep-mpirun, which turns them (and SIGHUP)\n"
            "into SIGUSR1. MPICH's mpiexec exits 0 after forwarding a signal, whatever the\n"
            "ranks return: use the wrapper there too (it gives 3 under both MPIs) or srun.\n"
            "Exit status: 0 every point of the study (of the shard) done; 1 error (nothing started,\n"
            "or saved so far); 3 stopped early on a signal, everything finished is saved: run\n"
            "again with --resume; 4 the run ended but some points failed (this run or an earlier\n"
            "one): `ufmsweep status STORE --failed` lists them with their messages. A job script\n"
            "requeues on 3 only.\n");
}

static int parse_shard(const char *option, const char *v, void *out, sweep_errbuf *eb)
{
    run_args *a = out;
    int64_t si = -1, sn = -1;
    if (numparse_pair(v, '/', 0, INT32_MAX, &si, &sn) != SWEEP_OK || sn < 1 || si >= sn)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "%s: '%s' is not I/N with 0 <= I < N <= %d", option,
                             v, INT32_MAX);
    a->shard_index = (int)si;
    a->shard_count = (int)sn;
    return SWEEP_OK;
}

static int parse_grid(const char *option, const char *v, void *out, sweep_errbuf *eb)
{
    run_args *a = out;
    if (numparse_grid(v, &a->grid_rows, &a->grid_cols) != SWEEP_OK)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "%s: '%s' is not PxQ with P, Q >= 1 and P Q <= %d",
                             option, v, NUMPARSE_MAX_GRID);
    return SWEEP_OK;
}

static int parse_ranks(const char *option, const char *v, void *out, sweep_errbuf *eb)
{
    if (numparse_int(v, 1, NUMPARSE_MAX_GRID, out) != SWEEP_OK)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "%s: '%s' is not a rank count in 1..%d", option, v,
                             NUMPARSE_MAX_GRID);
    return SWEEP_OK;
}

/* --reuse OLD.h5 ...: the stores that follow, up to the next option (an override KEY=VALUE ends
 * them too, unless a file of that name exists) */
static int reuse_value(const char *arg)
{
    return arg[0] != '-' && (strchr(arg, '=') == NULL || access(arg, F_OK) == 0);
}

static int parse_args(int argc, char **argv, run_args *a, sweep_errbuf *eb)
{
    const char *pos[1 + RUN_MAX_OVERRIDES];
    int n_pos = 0, ret;
    memset(a, 0, sizeof *a);
    a->shard_count = 1;
    a->progress_s = 10.0;
    a->ranks_per_solve = 0;   /* 0 / -1: not given, take the spec's */
    a->group_min_work = -1.0;
    const cli_arg args[] = {
        {.name = "store", .kind = CLI_VALUE, .out = &a->store_path, .metavar = "PATH"},
        {.name = "resume", .kind = CLI_FLAG, .out = &a->resume},
        {.name = "restart", .kind = CLI_FLAG, .out = &a->restart},
        {.name = "continue", .kind = CLI_FLAG, .out = &a->cont},
        {.name = "check", .kind = CLI_FLAG, .out = &a->check},
        {.name = "no-reuse", .kind = CLI_FLAG, .out = &a->no_reuse},
        {.name = "keep-journal", .kind = CLI_FLAG, .out = &a->keep_journal},
        {.name = "reuse",
         .kind = CLI_VALUES,
         .out = a->reuse,
         .accept = reuse_value,
         .count = &a->n_reuse,
         .max = RUN_MAX_REUSE,
         .metavar = "OLD.h5 [OLD2.h5 ...]"},
        {.name = "shard", .kind = CLI_VALUE, .out = a, .parse = parse_shard, .metavar = "I/N"},
        {.name = "progress",
         .kind = CLI_VALUE,
         .out = &a->progress_s,
         .parse = cli_parse_positive,
         .metavar = "S"},
        {.name = "ranks-per-solve",
         .kind = CLI_VALUE,
         .out = &a->ranks_per_solve,
         .parse = parse_ranks,
         .metavar = "G"},
        {.name = "group-min-work",
         .kind = CLI_VALUE,
         .out = &a->group_min_work,
         .parse = cli_parse_nonnegative,
         .metavar = "W"},
        {.name = "grid", .kind = CLI_VALUE, .out = a, .parse = parse_grid, .metavar = "PxQ"},
    };
    const cli_command cmd = {.usage = "ufmsweep run SPEC.yaml [KEY=VALUE ...] [options]",
                             .args = args,
                             .n_args = sizeof args / sizeof args[0],
                             .positional = pos,
                             .min_positional = 1,
                             .max_positional = 1 + RUN_MAX_OVERRIDES,
                             .n_positional = &n_pos,
                             .positional_name = "spec"};
    if ((ret = cli_parse_args(&cmd, argc, argv, 1, &a->want_help, eb)) != SWEEP_OK || a->want_help)
        return ret;
    a->spec_path = pos[0];
    for (int i = 1; i < n_pos; i++) {
        if (strchr(pos[i], '=') == NULL)
            return sweep_err_set(eb, SWEEP_ERR_ARG,
                                 "unexpected argument '%s' (one spec per run; overrides are "
                                 "KEY=VALUE)",
                                 pos[i]);
        a->overrides[a->n_overrides++] = pos[i];
    }
    if (a->resume + a->restart + a->cont > 1)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "--resume, --restart and --continue exclude each "
                                                "other");
    return SWEEP_OK;
}

/* `run --check`: what the spec means, and what a run would compute, copy and reuse. */
static int print_check(const spec *s, const run_args *a, sweep_errbuf *eb)
{
    const char *path = a->store_path ? a->store_path : s->store;
    int64_t *rep = NULL, n_wanted = 0, n_distinct = 0;
    reuse_set r;
    memset(&r, 0, sizeof r);
    int ret = run_plan_reuse(s, a, &rep, &n_wanted, &n_distinct, eb);
    if (ret == SWEEP_OK)
        ret = run_reuse_open(a, path[0] ? path : NULL, &r, eb);
    if (ret != SWEEP_OK)
        goto cleanup;
    spec_print_summary(s, stdout);
    printf("  %s, trace points %d\n", s->any_solve ? "theory + solves" : "theory only",
           s->any_ufm ? s->trace_points : 0);
    printf("  distinct solves: %lld of %lld points%s (%lld copied from an equal point%s)\n",
           (long long)n_distinct, (long long)n_wanted, a->shard_count > 1 ? " of the shard" : "",
           (long long)(n_wanted - n_distinct), a->no_reuse ? "; --no-reuse computes all" : "");
    if (r.n > 0) {
        uint8_t *want = malloc((size_t)s->n_points);
        int64_t *match = malloc((size_t)s->n_points * sizeof *match);
        if (want == NULL || match == NULL) {
            free(want);
            free(match);
            ret = SWEEP_ERR_NOMEM;
            goto cleanup;
        }
        for (int64_t p = 0; p < s->n_points; p++)
            want[p] = rep[p] >= 0;
        for (int i = 0; i < r.n && ret == SWEEP_OK; i++) {
            int64_t n_match = 0;
            ret = sweep_reuse_match(s, want, r.st[i], r.s[i], match, &n_match, eb);
            for (int64_t p = 0; p < s->n_points; p++)
                if (match[p] >= 0)
                    want[p] = 0;
            if (ret == SWEEP_OK)
                printf("  --reuse %s: %lld of this run's points copied from it (done there)\n",
                       a->reuse[i], (long long)n_match);
        }
        int64_t left = 0;
        for (int64_t p = 0; p < s->n_points; p++)
            left += want[p];
        if (ret == SWEEP_OK)
            printf("  left: %lld points found in no --reuse store (computed, or copied from an "
                   "equal point)\n",
                   (long long)left);
        free(want);
        free(match);
        if (ret != SWEEP_OK)
            goto cleanup;
    }
    if (a->n_overrides > 0) {
        printf("overrides:");
        for (int i = 0; i < a->n_overrides; i++)
            printf(" %s", a->overrides[i]);
        printf("\nthe resulting spec:\n%s", s->resolved);
        if (s->resolved_len > 0 && s->resolved[s->resolved_len - 1] != '\n')
            printf("\n");
    }
    printf("store: %s%s\n", path[0] ? path : "(none: give --store)",
           path[0] && access(path, F_OK) == 0 ? " (exists: run with --resume to continue it)"
                                               : "");
cleanup:
    free(rep);
    run_reuse_close(&r);
    return ret;
}

/* rank 0's v, on every rank; a failed broadcast ends the job (the ranks would disagree) */
static int bcast_int(int v, MPI_Comm comm)
{
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    if (sweep_comm_bcast_ints(comm, &v, 1, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep run: %s\n", eb.msg);
        MPI_Abort(comm, 1);
    }
    return v;
}

/* Rank 0: the arguments and the spec, the grouped-solve settings resolved against the spec's
 * and checked against the ranks; `--help` and `--check` answered. 1: go on; 2: done; 0: failed
 * (eb says why). */
/* A spec that does not choose its layout continues an existing store of its study in the
 * store's layout (a store made before the default changed, or with another layout: key); one
 * that chooses the other layout is refused before anything is touched. */
static int adopt_store_layout(const run_args *a, spec *s, sweep_errbuf *eb)
{
    const char *path = a->store_path ? a->store_path : s->store;
    store *st = NULL;
    sweep_errbuf quiet;
    sweep_errbuf_clear(&quiet);
    if (path[0] == '\0' || store_open(path, NULL, 0, &st, &quiet) != SWEEP_OK)
        return SWEEP_OK; /* nothing to continue, or run's checks will say what the file is */
    const int layout = store_layout(st), same = store_grid_matches(st, s);
    store_discard(&st);
    if (!same || layout == s->layout)
        return SWEEP_OK;
    if (s->layout_written)
        return sweep_err_set(eb, SWEEP_ERR_OTHER_SPEC,
                             "%s: the store lays its points out as %s, the spec as %s (its "
                             "layout: key): write layout: %s to resume it, --restart to replace "
                             "it, or copy its points into a new store with --reuse %s",
                             path, spec_layout_name(layout), spec_layout_name(s->layout),
                             spec_layout_name(layout), path);
    fprintf(stderr, "[ufmsweep] %s holds its points in the %s layout: continuing in it\n", path,
            spec_layout_name(layout));
    return spec_set_layout(s, layout, eb);
}

static int root_prepare(int argc, char **argv, int size, run_args *a, spec **s, sweep_errbuf *eb)
{
    int ret = parse_args(argc, argv, a, eb);
    if (ret == SWEEP_OK && a->want_help) {
        run_help(stdout);
        return 2;
    }
    if (ret == SWEEP_OK)
        ret = spec_load_with(a->spec_path, a->overrides, a->n_overrides, s, eb);
    if (ret == SWEEP_OK && !a->restart)
        ret = adopt_store_layout(a, *s, eb);
    if (ret != SWEEP_OK)
        return 0;
    if (a->ranks_per_solve == 0)
        a->ranks_per_solve = (*s)->ranks_per_solve;
    if (a->group_min_work < 0.0)
        a->group_min_work = (*s)->group_min_work;
    if (a->grid_rows == 0) {
        a->grid_rows = (*s)->grid_rows;
        a->grid_cols = (*s)->grid_cols;
    }
    if (a->grid_rows > 0 && (int64_t)a->grid_rows * a->grid_cols != a->ranks_per_solve) {
        sweep_err_set(eb, SWEEP_ERR_ARG, "process grid %dx%d does not have ranks_per_solve = %d "
                                         "ranks",
                      a->grid_rows, a->grid_cols, a->ranks_per_solve);
        return 0;
    }
    if (!a->check && a->ranks_per_solve > 1 &&
        (size - 1 < a->ranks_per_solve || (size - 1) % a->ranks_per_solve != 0)) {
        sweep_err_set(eb, SWEEP_ERR_ARG,
                      "--ranks-per-solve %d: the %d workers (ranks 1..%d) must form whole groups "
                      "of %d; run on 1 + a multiple of %d ranks",
                      a->ranks_per_solve, size - 1, size - 1, a->ranks_per_solve,
                      a->ranks_per_solve);
        return 0;
    }
    if (a->check)
        return print_check(*s, a, eb) == SWEEP_OK ? 2 : 0;
    return 1;
}

/* where copied points come from, in the store's provenance (/provenance reuse_sources) */
static int record_reuse_sources(const run_args *a, run_setup *rs, reuse_set *reuse,
                                sweep_errbuf *eb)
{
    for (int i = 0; i < reuse->n; i++) {
        char src[8192], created[64], grid[80], rp[4096];
        store_attr_string(reuse->st[i], "created_utc", created, sizeof created);
        store_attr_string(reuse->st[i], "grid_sha256", grid, sizeof grid);
        if (realpath(a->reuse[i], rp) == NULL)
            snprintf(rp, sizeof rp, "%s", a->reuse[i]);
        json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "path", rp, "name", reuse->s[i]->name,
                              "grid_sha256", grid, "created_utc", created);
        char *js = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(o);
        snprintf(src, sizeof src, "%s", js != NULL ? js : rp);
        free(js);
        const int ret = store_add_reuse_source(rs->st, src, &reuse->index[i], eb);
        if (ret != SWEEP_OK)
            return ret;
    }
    return SWEEP_OK;
}

/* the run's row ("running") in the journal and the store, and the run attributes */
static int start_run_row(run_setup *rs, int size, const char *hostnames, store_run_row *row,
                         sweep_errbuf *eb)
{
    int n_runs = 0;
    char host[64] = "";
    const char *job = getenv("SLURM_JOB_ID");
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    if (store_run_count(rs->st, &n_runs) != SWEEP_OK)
        return sweep_err_set(eb, SWEEP_ERR_DAMAGED, "%s: /provenance/runs cannot be read: the new "
                                                    "run's row cannot be numbered",
                             rs->store_path);
    memset(row, 0, sizeof *row);
    row->run = n_runs;
    row->ranks = size;
    utc_now(row->start_utc);
    snprintf(row->exit_reason, sizeof row->exit_reason, "running");
    snprintf(row->hostname, sizeof row->hostname, "%s", host);
    snprintf(row->slurm_job_id, sizeof row->slurm_job_id, "%s", job ? job : "");
    snprintf(row->program_version, sizeof row->program_version, "%s", UFMSWEEP_VERSION);
    versions v;
    versions_get(&v);
    const store_run_info info = {size,   host,   hostnames, job ? job : "", v.program,
                                 v.mpi,  v.hdf5, v.blas,    v.source_commit};
    int ret;
    if ((ret = journal_append_run(rs->j, row, eb)) != SWEEP_OK ||
        (ret = store_run_put(rs->st, row, eb)) != SWEEP_OK ||
        (ret = store_set_run_attrs(rs->st, &info, eb)) != SWEEP_OK)
        return ret;
    return store_flush(rs->st, eb);
}

/* solver external: its files in STORE.external/, a real directory of this user (made here when
 * missing), before anything else is written */
static int make_external_dir(const run_setup *rs, char *ext_dir, size_t cap, sweep_errbuf *eb)
{
    snprintf(ext_dir, cap, "%.4000s.external", rs->store_path);
    if (mkdir(ext_dir, 0755) != 0 && errno != EEXIST)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot create the directory of the external "
                                               "commands' files: %s",
                             ext_dir, strerror(errno));
    return ext_own_directory(ext_dir, eb);
}

/* Rank 0: the store path, the --reuse stores and the reuse plan first (a bad --reuse touches
 * nothing), then the store set up, the reuse sources recorded and the run's row started. */
static int root_open_store(const run_args *a, const spec *s, int size, const char *hostnames,
                           run_setup *rs, reuse_set *reuse, int64_t **rep, store_run_row *row,
                           char *ext_dir, size_t ext_cap, sweep_errbuf *eb)
{
    int ret;
    const char *path = a->store_path ? a->store_path : s->store;
    if (path[0] == '\0')
        return sweep_err_set(eb, SWEEP_ERR_ARG, "%s: no store path: give --store PATH or `store:` "
                                                "in the spec",
                             a->spec_path);
    snprintf(rs->store_path, sizeof rs->store_path, "%s", path);
    snprintf(rs->journal_path, sizeof rs->journal_path, "%s.journal", path);
    snprintf(rs->lock_path, sizeof rs->lock_path, "%s.lock", path);
    if (s->any_external && (ret = make_external_dir(rs, ext_dir, ext_cap, eb)) != SWEEP_OK)
        return ret;
    if ((ret = run_reuse_open(a, path, reuse, eb)) != SWEEP_OK)
        return ret;
    if (!a->no_reuse) {
        int64_t n_wanted = 0, n_distinct = 0;
        if ((ret = run_plan_reuse(s, a, rep, &n_wanted, &n_distinct, eb)) != SWEEP_OK)
            return ret;
        if (n_distinct < n_wanted)
            fprintf(stderr, "[ufmsweep] %lld points, %lld distinct solves: %lld points get the "
                            "record of an equal point (--no-reuse computes them)\n",
                    (long long)n_wanted, (long long)n_distinct,
                    (long long)(n_wanted - n_distinct));
    }
    if ((ret = run_setup_store(s, a, rs, eb)) != SWEEP_OK ||
        (ret = record_reuse_sources(a, rs, reuse, eb)) != SWEEP_OK)
        return ret;
    return start_run_row(rs, size, hostnames, row, eb);
}

/* the external commands' directory (rank 0's), on every rank */
static void share_external_dir(MPI_Comm comm, int rank, char *ext_dir, size_t cap)
{
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    if (sweep_comm_bcast_text(comm, ext_dir, (int)cap, &eb) != SWEEP_OK) {
        fprintf(stderr, "[rank %d] ufmsweep run: %s\n", rank, eb.msg);
        MPI_Abort(comm, 1);
    }
}

/* The sweep ended with an error or its files were deleted or replaced: say where every finished
 * point is, close what is ours, remove the lock and end the job (workers may be mid-task). */
static void root_abort(MPI_Comm comm, run_setup *rs, int ret, const sweep_errbuf *eb)
{
    const int named = !strncmp(eb->msg, rs->store_path, strlen(rs->store_path));
    sweep_errbuf eb3;
    sweep_errbuf_clear(&eb3);
    const int store_gone = ret == SWEEP_ERR_REPLACED && store_check_path(rs->st, &eb3) != SWEEP_OK;
    fprintf(stderr, "ufmsweep run: %s%s%s\n", named ? "" : rs->store_path, named ? "" : ": ",
            eb->msg);
    if (ret != SWEEP_ERR_REPLACED)
        fprintf(stderr, "ufmsweep run: every point finished so far is in %s; fix the cause and "
                        "run again with --resume\n",
                rs->journal_path);
    else if (store_gone)
        fprintf(stderr, "ufmsweep run: stopped: the points finished so far are in the journal %s "
                        "(unless it went too); move back what is at %s, or run again with "
                        "--resume to rebuild the store from the journal\n",
                rs->journal_path, rs->store_path);
    else
        fprintf(stderr, "ufmsweep run: stopped: the store %s holds every point finished so far; "
                        "run again with --resume (a new journal is started)\n",
                rs->store_path);
    journal_close(&rs->j);
    store_discard(&rs->st);
    run_release_lock(rs);
    MPI_Abort(comm, 1);
}

/* Rank 0: the sweep; then the run's row closed, the files checked to still be where the run
 * wrote them, and the exit code with its last line: 0 every point of the shard done, 3 stopped
 * on a signal, 4 some failed (from this run or an earlier one). */
static int root_run(const run_args *a, const spec *s, MPI_Comm comm, run_setup *rs,
                    reuse_set *reuse, const int64_t *rep, store_run_row *row, const char *ext_dir)
{
    sweep_errbuf eb, eb2;
    sweep_errbuf_clear(&eb);
    sweep_errbuf_clear(&eb2);
    sweep_master_opts mo = {a->shard_index,     a->shard_count,    a->progress_s,
                            2.0,                0.25,              &stop_requested,
                            a->ranks_per_solve, a->group_min_work, rep,
                            reuse->n,           reuse->st,         (const spec *const *)reuse->s,
                            reuse->index,       ext_dir,
                            a->keep_journal,    row};
    sweep_master_stats stats;
    memset(&stats, 0, sizeof stats);
    int ret = sweep_master_run(s, comm, rs->st, rs->j, rs->state, rs->attempts, &mo, &stats, &eb);
    row->points_done = stats.done_this_run;
    int64_t failed = 0, in_shard = 0, finished = 0;
    for (int64_t p = 0; ret == SWEEP_OK && p < s->n_points; p++) {
        if ((a->shard_count > 1 && p % a->shard_count != a->shard_index) ||
            spec_point_block(s, p) < 0)
            continue;
        in_shard++;
        failed += rs->state[p] == POINT_FAILED;
        finished += rs->state[p] != POINT_PENDING;
    }
    utc_now(row->end_utc);
    snprintf(row->exit_reason, sizeof row->exit_reason, "%s",
             ret != SWEEP_OK ? "error" : stats.stopped_by_signal ? "signal" : "complete");
    int ret2 = journal_append_run(rs->j, row, &eb2);
    if (ret2 == SWEEP_OK)
        ret2 = store_run_put(rs->st, row, &eb2);
    if (ret2 == SWEEP_OK)
        ret2 = store_set_writing(rs->st, 0, &eb2);
    /* everything is in the store: synced, the journal keeps only its last rows (a few hundred
     * bytes), unless --keep-journal */
    if (ret == SWEEP_OK && ret2 == SWEEP_OK && !a->keep_journal &&
        (ret2 = store_sync(rs->st, &eb2)) == SWEEP_OK)
        ret2 = journal_checkpoint(rs->j, finished, row, &eb2);
    if (ret == SWEEP_OK && ret2 == SWEEP_OK &&
        ((ret2 = store_check_path(rs->st, &eb2)) != SWEEP_OK ||
         (ret2 = journal_check_path(rs->j, &eb2)) != SWEEP_OK)) {
        /* deleted or replaced after the last flush: what the user finds is not this run */
        ret = ret2;
        eb = eb2;
    }
    if (ret != SWEEP_OK)
        root_abort(comm, rs, ret, &eb);
    if (ret2 != SWEEP_OK) {
        fprintf(stderr, "ufmsweep run: %s\n", eb2.msg);
        return UFMSWEEP_EXIT_FAIL;
    }
    if (stats.stopped_by_signal) {
        fprintf(stderr, "[ufmsweep] stopped on a signal: %lld points saved this run, %lld left; "
                        "continue with --resume\n",
                (long long)stats.done_this_run, (long long)stats.remaining);
        return UFMSWEEP_EXIT_STOPPED;
    }
    if (failed > 0) {
        fprintf(stderr, "[ufmsweep] finished with %lld failed point%s of %lld: %s (`ufmsweep "
                        "status %s --failed` lists them; exit %d)\n",
                (long long)failed, failed == 1 ? "" : "s", (long long)in_shard, rs->store_path,
                rs->store_path, UFMSWEEP_EXIT_POINTS_FAILED);
        return UFMSWEEP_EXIT_POINTS_FAILED;
    }
    if (stats.copied_this_run > 0)
        fprintf(stderr, "[ufmsweep] %lld of the %lld points of this run are copies of an equal "
                        "point (%lld from --reuse stores)\n",
                (long long)stats.copied_this_run, (long long)stats.done_this_run,
                (long long)stats.reused_from_stores);
    fprintf(stderr, "[ufmsweep] done: %s\n", rs->store_path);
    return UFMSWEEP_EXIT_OK;
}

/* every rank sets its flag, before MPI starts (a SIGTERM that SLURM sends to every process
 * while another rank is still setting up must not kill this one): rank 0 stops dispatching, and
 * a UFM solve in progress on any rank gives up within an iteration, its point left pending (no
 * rank dies mid-save; grouped solves finish their point) */
static void install_stop_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL); /* a closed terminal or a dropped ssh session */
}

int cmd_run_main(int argc, char **argv)
{
    int exit_code = UFMSWEEP_EXIT_FAIL, rank = 0, size = 1, ok = 1;
    MPI_Comm comm = MPI_COMM_NULL, group = MPI_COMM_NULL;
    run_args a = {.ranks_per_solve = 1};
    run_setup rs = {.lock_fd = -1};
    reuse_set reuse = {0};
    int64_t *rep = NULL;
    char ext_dir[4096] = "", hostnames[4096] = "";
    spec *s = NULL;
    sweep_errbuf eb;
    store_run_row row;

    sweep_errbuf_clear(&eb);
    install_stop_handlers();
    if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
        fprintf(stderr, "ufmsweep run: MPI_Init failed\n");
        return UFMSWEEP_EXIT_FAIL;
    }
    SWEEP_MPI_FATAL(MPI_Comm_dup(MPI_COMM_WORLD, &comm));
    SWEEP_MPI_FATAL(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN));
    SWEEP_MPI_FATAL(MPI_Comm_rank(comm, &rank));
    SWEEP_MPI_FATAL(MPI_Comm_size(comm, &size));
    store_quiet(); /* errors are reported by us, with context */

    /* 1. arguments and spec, on rank 0; every failure here exits before any work */
    if (rank == 0)
        ok = root_prepare(argc, argv, size, &a, &s, &eb);
    ok = bcast_int(ok, comm);
    if (ok != 1) {
        if (rank == 0 && ok == 0)
            fprintf(stderr, "ufmsweep run: %s\n", eb.msg);
        exit_code = ok == 2 ? UFMSWEEP_EXIT_OK : UFMSWEEP_EXIT_FAIL;
        goto cleanup;
    }
    /* the settings, the spec (every rank parses the same text, so tasks are just point ids)
     * and every rank's host name for provenance (sweep_comm.h) */
    int gi[3] = {a.ranks_per_solve, a.grid_rows, a.grid_cols};
    if (sweep_comm_bcast_ints(comm, gi, 3, &eb) != SWEEP_OK ||
        sweep_comm_share_spec(comm, &s, &eb) != SWEEP_OK ||
        sweep_comm_hostnames(comm, hostnames, sizeof hostnames, &eb) != SWEEP_OK) {
        fprintf(stderr, "[rank %d] ufmsweep run: %s\n", rank, eb.msg);
        MPI_Abort(comm, 1);
    }
    a.ranks_per_solve = gi[0];
    a.grid_rows = gi[1];
    a.grid_cols = gi[2];

    /* 2. the store, on rank 0 */
    if (rank == 0) {
        ok = root_open_store(&a, s, size, hostnames, &rs, &reuse, &rep, &row, ext_dir,
                             sizeof ext_dir, &eb) == SWEEP_OK;
        if (!ok)
            fprintf(stderr, "ufmsweep run: %s\n", eb.msg);
    }
    if (!bcast_int(ok, comm))
        goto cleanup;
    share_external_dir(comm, rank, ext_dir, sizeof ext_dir);

    /* 3. the sweep; rank groups for grouped solves: workers 1 + g G .. g G + G */
    if (a.ranks_per_solve > 1)
        SWEEP_MPI_FATAL(MPI_Comm_split(
            comm, rank == 0 ? MPI_UNDEFINED : (rank - 1) / a.ranks_per_solve, rank, &group));
    if (rank == 0) {
        exit_code = root_run(&a, s, comm, &rs, &reuse, rep, &row, ext_dir);
    } else if (sweep_worker_run(s, comm, group, a.grid_rows, a.grid_cols, ext_dir, &stop_requested,
                                &eb) != SWEEP_OK) {
        fprintf(stderr, "[rank %d] ufmsweep run: %s\n", rank, eb.msg);
        MPI_Abort(comm, 1);
    } else {
        exit_code = UFMSWEEP_EXIT_OK;
    }
cleanup:
    if (group != MPI_COMM_NULL)
        SWEEP_MPI_FATAL(MPI_Comm_free(&group));
    if (rs.st != NULL && store_close(&rs.st) != SWEEP_OK && exit_code == UFMSWEEP_EXIT_OK) {
        fprintf(stderr, "ufmsweep run: closing the store failed\n");
        exit_code = UFMSWEEP_EXIT_FAIL;
    }
    journal_close(&rs.j);
    run_release_lock(&rs);
    run_reuse_close(&reuse);
    free(rep);
    free(rs.state);
    free(rs.attempts);
    spec_destroy(&s);
    if (rank == 0 && store_files_left_open() > 0) {
        /* A file HDF5 failed to close (its last flush hit a full disk) stays behind in a state
         * that crashes HDF5 1.10's own clean-up inside MPI_Finalize (CVE-2020-10812, fixed in
         * 1.14). Everything finished is in the journal: end without that clean-up. */
        fprintf(stderr, "ufmsweep run: HDF5 could not close %s; ending without its clean-up\n",
                rs.store_path[0] ? rs.store_path : "the store");
        fflush(NULL);
        if (size == 1)
            _exit(UFMSWEEP_EXIT_FAIL);
        MPI_Abort(comm, UFMSWEEP_EXIT_FAIL);
    }
    if (comm != MPI_COMM_NULL)
        SWEEP_MPI_FATAL(MPI_Comm_free(&comm));
    if (MPI_Finalize() != MPI_SUCCESS && exit_code == UFMSWEEP_EXIT_OK) {
        fprintf(stderr, "ufmsweep run: MPI_Finalize failed\n");
        exit_code = UFMSWEEP_EXIT_FAIL;
    }
    return exit_code;
}
