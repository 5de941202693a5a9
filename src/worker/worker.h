/* worker.h - the worker side of `ufmsweep run` (ranks 1 .. size-1).
 * Collective on comm with the master (sweep_master_run): every worker must call it. */
#ifndef UFMSWEEP_WORKER_H
#define UFMSWEEP_WORKER_H

#include "spec.h"

#include <mpi.h>

/* sweep_worker_run - READY, then compute every TASK and answer with its RESULT, until STOP.
 * Returns SWEEP_OK after STOP, SWEEP_ERR_MPI / SWEEP_ERR_NOMEM otherwise. Worker only. */
int sweep_worker_run(const spec *s, MPI_Comm comm, sweep_errbuf *eb);

#endif /* UFMSWEEP_WORKER_H */
