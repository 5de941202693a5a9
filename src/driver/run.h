/* run.h - inside `ufmsweep run` (driver): its arguments, and the life cycle of its store on
 * rank 0 (run_store.c): the lock, the store and journal opened, created, rebuilt or replayed as
 * store_plan decides, and the --reuse sources. Root rank only, no MPI. */
#ifndef UFMSWEEP_RUN_H
#define UFMSWEEP_RUN_H

#include "journal.h"
#include "spec.h"
#include "store.h"

#include <stdint.h>

typedef struct run_args {
    const char *spec_path;
    const char *store_path;
    int resume, restart, cont, check;
    int shard_index, shard_count;
    double progress_s;
    int ranks_per_solve;   /* 1: every point on one rank */
    double group_min_work; /* k d n iters from which a ufm point goes to a rank group */
    int grid_rows, grid_cols; /* process grid of a group (0 x 0: 1 x G) */
    int want_help;
    int no_reuse;          /* --no-reuse: compute every point, also those equal to another */
    int keep_journal;      /* --keep-journal: never checkpoint the journal (every record kept) */
#define RUN_MAX_OVERRIDES 64
#define RUN_MAX_REUSE 16
    const char *overrides[RUN_MAX_OVERRIDES]; /* KEY=VALUE, in order */
    int n_overrides;
    const char *reuse[RUN_MAX_REUSE];         /* --reuse OLD.h5 ... */
    int n_reuse;
} run_args;

/* What rank 0 holds open for a run: the paths, the lock, the store and journal, the status of
 * every point. */
typedef struct run_setup {
    char store_path[4096];
    char journal_path[4200];
    char lock_path[4200];
    int lock_fd;     /* -1: not held */
    store *st;
    journal *j;
    uint8_t *state;  /* n_points */
    int32_t *attempts;
    int run_index;
} run_setup;

/* run_setup_store - open or create the store and journal at rs's paths and bring them in line
 * (store_plan: new, resume, restart, continue, rebuild from the store's own points or the
 * journal), holding the lock; fills rs->st, rs->j, rs->state and rs->attempts. Nothing at the
 * store path is deleted: a new store is built in a fresh temporary file and renamed over it; a
 * damaged store is renamed aside. */
SWEEP_MUST_USE int run_setup_store(const spec *s, const run_args *a, run_setup *rs,
                                   sweep_errbuf *eb);

/* run_release_lock - remove the lock file this run made (no-op when none). */
void run_release_lock(run_setup *rs);

/* The stores of --reuse, open read-only with their specs, and their numbers in this store's
 * provenance (filled when the run starts). */
typedef struct reuse_set {
    int n;
    store *st[RUN_MAX_REUSE];
    spec *s[RUN_MAX_REUSE];
    int index[RUN_MAX_REUSE];
} reuse_set;

/* run_reuse_open - open and check every --reuse store: never the run's own store (that is
 * --resume); its spec the one its hashes name, its points of this program's numerics, every
 * point readable against its checksums; else refused before anything is written.
 * run_reuse_close - close them (accepts an empty set). */
SWEEP_MUST_USE int run_reuse_open(const run_args *a, const char *store_path, reuse_set *r,
                                  sweep_errbuf *eb);
void run_reuse_close(reuse_set *r);

/* run_plan_reuse - the reuse plan over the points of this run (the shard's points in the
 * study): *rep_out (n_points, malloc'd) as in spec_reuse_plan, and how many points and distinct
 * solves there are. */
SWEEP_MUST_USE int run_plan_reuse(const spec *s, const run_args *a, int64_t **rep_out,
                                  int64_t *n_wanted, int64_t *n_distinct, sweep_errbuf *eb);

#endif /* UFMSWEEP_RUN_H */
