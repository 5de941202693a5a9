#include "worker.h"

#include "point.h"
#include "pufm.h"
#include "sweep_comm.h"
#include "sweep_proto.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sweep_worker_run(const spec *s, MPI_Comm comm, MPI_Comm group, int grid_rows, int grid_cols,
                     const char *ext_dir, const volatile sig_atomic_t *stop, sweep_errbuf *eb)
{
    int ret = SWEEP_OK, rank = 0, grank = 0;
    ext_runner runner;
    pufm_grid *grid = NULL;
    int64_t *ids = NULL;
    unsigned char *out = NULL;
    MPI_Datatype rectype = MPI_DATATYPE_NULL;
    const size_t tlen = (size_t)s->trace_points * POINT_TRACE_FIELDS * sizeof(double);
    const size_t one = sizeof(point_record) + tlen;

    const int max_batch = sweep_max_batch(one);
    SWEEP_MPI_FATAL(MPI_Comm_rank(comm, &rank));
    memset(&runner, 0, sizeof runner);
    snprintf(runner.dir, sizeof runner.dir, "%s", ext_dir != NULL ? ext_dir : "");
    runner.rank = rank;
    ids = malloc((size_t)max_batch * sizeof *ids);
    out = malloc((size_t)max_batch * one);
    if (ids == NULL || out == NULL) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "worker %d: cannot allocate task buffers", rank);
        goto cleanup;
    }
    if ((ret = sweep_comm_record_type(s->trace_points * POINT_TRACE_FIELDS, &rectype, eb)) !=
        SWEEP_OK)
        goto cleanup;
    if (group != MPI_COMM_NULL) {
        SWEEP_MPI_FATAL(MPI_Comm_rank(group, &grank));
        if ((ret = pufm_grid_create(group, grid_rows, grid_cols, &grid, eb)) != SWEEP_OK)
            goto cleanup;
    }
    SWEEP_CHECK_MPI(MPI_Send(NULL, 0, MPI_BYTE, 0, SWEEP_TAG_READY, comm), "worker READY", eb);
    for (;;) {
        MPI_Status st;
        int count = 0;
        SWEEP_CHECK_MPI(MPI_Recv(ids, max_batch, MPI_INT64_T, 0, MPI_ANY_TAG, comm, &st),
                        "worker receive", eb);
        if (st.MPI_TAG == SWEEP_TAG_STOP)
            break;
        SWEEP_MPI_FATAL(MPI_Get_count(&st, MPI_INT64_T, &count));
        if (st.MPI_TAG == SWEEP_TAG_GROUP_TASK && grid != NULL && count == 1) {
            point_record *rec = (point_record *)out;
            double *trace = s->trace_points > 0 ? (double *)(out + sizeof *rec) : NULL;
            /* collective over the group: not interruptible (the ranks would disagree) */
            pufm_point_ctx ctx = {grid, 0};
            spec_point_compute(s, ids[0], rank, pufm_point_solve, &ctx, NULL, NULL, NULL, rec,
                               trace);
            if (grank == 0)
                SWEEP_CHECK_MPI(MPI_Send(out, 1, rectype, 0, SWEEP_TAG_RESULT, comm),
                                "worker RESULT", eb);
            else
                SWEEP_CHECK_MPI(MPI_Send(NULL, 0, MPI_BYTE, 0, SWEEP_TAG_READY, comm),
                                "worker READY", eb);
            continue;
        }
        for (int i = 0; i < count; i++) {
            point_record *rec = (point_record *)(out + (size_t)i * one);
            double *trace = s->trace_points > 0 ? (double *)(out + (size_t)i * one + sizeof *rec)
                                                : NULL;
            spec_point_compute(s, ids[i], rank, NULL, NULL, ext_run_point, &runner, stop, rec,
                               trace);
        }
        SWEEP_CHECK_MPI(MPI_Send(out, count, rectype, 0, SWEEP_TAG_RESULT, comm),
                        "worker RESULT", eb);
    }
cleanup:
    if (rectype != MPI_DATATYPE_NULL)
        SWEEP_MPI_FATAL(MPI_Type_free(&rectype));
    pufm_grid_destroy(&grid);
    free(ids);
    free(out);
    return ret;
}
