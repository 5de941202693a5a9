/* worker.h - the worker side of `ufmsweep run` (ranks 1 .. size-1).
 * Collective on comm with the master (sweep_master_run): every worker must call it. */
#ifndef UFMSWEEP_WORKER_H
#define UFMSWEEP_WORKER_H

#include "sweep_err.h"

#include "ext.h"
#include "spec.h"

#include <mpi.h>
#include <signal.h>

/* sweep_worker_run - READY, then compute every TASK and answer with its RESULT, until STOP.
 * group is this worker's rank group (MPI_COMM_NULL without --ranks-per-solve): a GROUP_TASK is
 * solved together on its grid_rows x grid_cols process grid (0 x 0: 1 x G), the group's rank 0 answers RESULT and the others READY.
 * stop is this rank's signal flag: once it is set, a single-rank UFM point in progress is
 * abandoned within an iteration and answered as pending (SWEEP_ERR_INTERRUPTED), which tells
 * the master to stop; grouped points finish (they are collective).
 * ext_dir is the store's directory for solver external's files (ext.h; "" for none).
 * Returns SWEEP_OK after STOP, SWEEP_ERR_MPI / SWEEP_ERR_NOMEM otherwise. Worker only. */
SWEEP_MUST_USE int sweep_worker_run(const spec *s, MPI_Comm comm, MPI_Comm group, int grid_rows, int grid_cols,
                     const char *ext_dir, const volatile sig_atomic_t *stop, sweep_errbuf *eb);

#endif /* UFMSWEEP_WORKER_H */
