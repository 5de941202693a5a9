/* sweep_proto.h - the whole master/worker message protocol of `ufmsweep run`.
 *
 * Self-scheduling: a worker sends READY once, then computes every TASK it receives and answers
 * with one RESULT (which also asks for more), until it receives STOP. Rank 0 is the master and
 * the only writer of the store; it replies to whoever spoke, with TASK or with STOP once the grid
 * is exhausted or a stop was requested, and ends when every worker has received exactly one STOP.
 * Shutdown is a normal return (SWEEP_SHUTDOWN), not an error.
 *
 *   tag     direction        payload
 *   READY   worker -> master (none)
 *   TASK    master -> worker int64 point ids (1 .. SWEEP_MAX_BATCH)
 *   RESULT  worker -> master count records of sweep_comm_record_type (a point_record, typed
 *                            field by field, then its trace doubles)
 *   STOP    master -> worker (none)
 *
 *   GROUP_TASK master -> every rank of a group: one int64 point id, solved together; the
 *              group's first rank answers RESULT, the others READY
 *
 * The settings, the spec (its text once; every rank parses it, so a task is only point ids)
 * and the host names travel before this starts (sweep_comm.h). Every MPI call is checked
 * (SWEEP_CHECK_MPI).
 */
#ifndef UFMSWEEP_SWEEP_PROTO_H
#define UFMSWEEP_SWEEP_PROTO_H

#include "sweep_err.h"

#include <mpi.h>
#include <stdio.h>

enum sweep_tag {
    SWEEP_TAG_READY = 1,
    SWEEP_TAG_TASK = 2,
    SWEEP_TAG_RESULT = 3,
    SWEEP_TAG_STOP = 4,
    SWEEP_TAG_GROUP_TASK = 5 /* one point id to every member of a rank group: solve it together;
                                the group's first rank answers RESULT, the others READY */
};

/* The largest task, in points (adaptive batches stay below it). */
#define SWEEP_MAX_BATCH 8192

/* sweep_max_batch - the largest task for records of `record_bytes` (record + trace): at most
 * SWEEP_MAX_BATCH points and about 32 MiB of results per message. Both sides use it. */
static inline int sweep_max_batch(size_t record_bytes)
{
    size_t by_bytes = ((size_t)32 << 20) / (record_bytes > 0 ? record_bytes : 1);
    if (by_bytes < 1)
        by_bytes = 1;
    return by_bytes < SWEEP_MAX_BATCH ? (int)by_bytes : SWEEP_MAX_BATCH;
}

/* sweep_batch_size - the points of the next task for one worker: about target_s seconds of work
 * at the measured cost_s per point (1 point until a cost is measured, cost_s <= 0), at most
 * max_batch, and never more than half a worker's share of the `remaining` points (the tail stays
 * balanced across n_workers); at least 1. */
static inline int sweep_batch_size(double cost_s, double target_s, int max_batch,
                                   int64_t remaining, int n_workers)
{
    int b = 1;
    if (cost_s > 0.0) {
        const double want = target_s / cost_s;
        b = want > max_batch ? max_batch : (want < 1.0 ? 1 : (int)want);
    }
    const int64_t share = remaining / (2 * (int64_t)(n_workers > 0 ? n_workers : 1));
    if (b > share) /* below one point per share: one point each */
        b = (int)share;
    return b < 1 ? 1 : b;
}

/* worker receive result: SWEEP_OK with a task, or this for STOP */
#define SWEEP_SHUTDOWN 1

static inline const char *sweep_tag_name(int tag)
{
    switch (tag) {
    case SWEEP_TAG_READY:
        return "READY";
    case SWEEP_TAG_TASK:
        return "TASK";
    case SWEEP_TAG_RESULT:
        return "RESULT";
    case SWEEP_TAG_STOP:
        return "STOP";
    case SWEEP_TAG_GROUP_TASK:
        return "GROUP_TASK";
    }
    return "UNKNOWN";
}

/* sweep_check_mpi - turn an MPI return code into SWEEP_ERR_MPI with MPI's message in eb. */
static inline int sweep_check_mpi(int rc, const char *what, sweep_errbuf *eb)
{
    if (rc == MPI_SUCCESS)
        return SWEEP_OK;
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    return sweep_err_set(eb, SWEEP_ERR_MPI, "%s: %s", what, msg);
}

/* sweep_mpi_fatal - for MPI calls after which no rank can recover (a collective of a grouped
 * solve, the communicators the run is built on): on failure, name the call, its file and line
 * and MPI's message on stderr, and end the job (MPI_Abort on MPI_COMM_WORLD), as SUNDIALS'
 * SUNCheckMPICall does. Use through SWEEP_MPI_FATAL(call). */
static inline void sweep_mpi_fatal(int rc, const char *call, const char *file, int line)
{
    if (rc == MPI_SUCCESS)
        return;
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    fprintf(stderr, "ufmsweep: %s:%d: %s failed: %s; no rank can recover from it: ending the "
                    "job (every point finished so far is in the journal)\n",
            file, line, call, msg);
    fflush(NULL);
    MPI_Abort(MPI_COMM_WORLD, 1);
}
#define SWEEP_MPI_FATAL(call) sweep_mpi_fatal((call), #call, __FILE__, __LINE__)

#define SWEEP_CHECK_MPI(call, what, eb)                            \
    do {                                                           \
        int rc_ = sweep_check_mpi((call), (what), (eb));           \
        if (rc_ != SWEEP_OK) {                                     \
            ret = rc_;                                             \
            goto cleanup;                                          \
        }                                                          \
    } while (0)

#endif /* UFMSWEEP_SWEEP_PROTO_H */
