/* sweep.h - the master side of `ufmsweep run` (rank 0): scheduling, collecting, journaling and
 * writing results, progress, and stopping on a signal.
 * Collective on comm with the workers (sweep_worker_run). Root only. */
#ifndef UFMSWEEP_SWEEP_H
#define UFMSWEEP_SWEEP_H

#include "sweep_err.h"

#include "journal.h"
#include "spec.h"
#include "store.h"

#include <mpi.h>
#include <signal.h>
#include <stdint.h>

typedef struct sweep_master_opts {
    int shard_index, shard_count;      /* points p with p % count == index (1 and 0: all) */
    double progress_interval_s;        /* seconds between log lines when stderr is not a tty */
    double flush_interval_s;           /* journal + store commit at least this often */
    double target_batch_s;             /* aim for tasks of about this many seconds */
    const volatile sig_atomic_t *stop; /* set by the signal handler: stop dispatching */
    int ranks_per_solve;               /* > 1: workers form groups of this many ranks */
    double group_min_work;             /* k d n iters from which a ufm point is grouped */
    /* no solve twice (spec_reuse_plan): rep[p] is the point computed for p's group, p itself
     * for a point that is computed, -1 outside the shard or the study; NULL: every pending
     * point is computed. The other points of a group get a copy of its record. */
    const int64_t *rep;
    /* --reuse: finished points of other stores copied into this one when their solve keys are
     * equal; reuse_index[i] is the number of store i in the provenance (source >= 1) */
    int n_reuse;
    store *const *reuse;
    const spec *const *reuse_specs;
    const int *reuse_index;
    const char *ext_dir;               /* solver external's per-store directory ("" for none) */
    /* the journal: checkpointed (journal_checkpoint, after store_sync) once it passes
     * JOURNAL_CHECKPOINT_BYTES, unless keep_journal; run_row is this run's provenance row, kept
     * in the journal after each checkpoint */
    int keep_journal;
    const store_run_row *run_row;
} sweep_master_opts;

typedef struct sweep_master_stats {
    int64_t done_this_run;   /* points recorded by this run (computed or copied) */
    int64_t copied_this_run; /* of which copies of an equal point (this store or --reuse) */
    int64_t reused_from_stores; /* of which copies from --reuse stores */
    int64_t remaining;       /* points of this shard still pending at the end */
    int stopped_by_signal;
} sweep_master_stats;

/* sweep_reuse_match - For each point p of s with want[p] != 0, match[p] = a point of the store
 * old (made for spec os) that holds it finished (done or not converged) with the same solve key
 * (spec_solve_key), else -1; *n_match receives how many matched. Root only, serial. */
SWEEP_MUST_USE int sweep_reuse_match(const spec *s, const uint8_t *want, store *old, const spec *os,
                      int64_t *match, int64_t *n_match, sweep_errbuf *eb);

/* sweep_master_run - Dispatch every pending point of s (state[p] == 0 and in the shard) to the
 * workers (and compute on rank 0 when it is alone, or when there is one worker and points are
 * cheap), append every result to the journal, then write it to the store, flushing every
 * flush_interval_s and at the end. state[] and attempts[] (n_points each) are updated.
 * Returns SWEEP_OK (also when stopped by a signal: see stats), or the first I/O / MPI error. */
SWEEP_MUST_USE int sweep_master_run(const spec *s, MPI_Comm comm, store *st, journal *j, uint8_t *state,
                     int32_t *attempts, const sweep_master_opts *o, sweep_master_stats *stats,
                     sweep_errbuf *eb);

#endif /* UFMSWEEP_SWEEP_H */
