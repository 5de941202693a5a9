/* sweep_comm.h - the collective messages of `ufmsweep run` before and beside the master/worker
 * protocol (sweep_proto.h): settings from rank 0, the spec, the ranks' host names. Together the
 * two headers are every message the sweep sends. Every call is collective on comm and checked:
 * SWEEP_OK, or SWEEP_ERR_MPI with MPI's message (or SWEEP_ERR_NOMEM, SWEEP_ERR_ARG) in eb; on
 * an error the caller aborts the job (the ranks no longer agree on what comes next).
 */
#ifndef UFMSWEEP_SWEEP_COMM_H
#define UFMSWEEP_SWEEP_COMM_H

#include "spec.h"
#include "sweep_err.h"

#include <mpi.h>
#include <stddef.h>

/* sweep_comm_bcast_ints - rank 0's v[count] to every rank. */
SWEEP_MUST_USE int sweep_comm_bcast_ints(MPI_Comm comm, int *v, int count, sweep_errbuf *eb);

/* sweep_comm_bcast_text - rank 0's NUL-terminated text buf (at most cap bytes) to every rank. */
SWEEP_MUST_USE int sweep_comm_bcast_text(MPI_Comm comm, char *buf, int cap, sweep_errbuf *eb);

/* sweep_comm_share_spec - rank 0's spec to every rank: its resolved text (the overrides
 * applied, spec.resolved) travels once and every other rank parses it (trusted: rank 0
 * validated it), so tasks can be just point ids and every rank computes the same points. On rank 0 *s
 * is the loaded spec (unchanged); elsewhere *s receives the parsed copy (caller destroys). */
SWEEP_MUST_USE int sweep_comm_share_spec(MPI_Comm comm, spec **s, sweep_errbuf *eb);

/* sweep_comm_record_type - the MPI datatype of one RESULT entry: a point_record field by field
 * (typed, so no padding bytes travel and the layout is MPI's business) followed by trace_doubles
 * doubles, with the extent sizeof(point_record) + trace_doubles doubles, so count entries are
 * contiguous in a buffer. Committed; the caller frees it with MPI_Type_free. Local (not
 * collective); master and workers build the same type. */
SWEEP_MUST_USE int sweep_comm_record_type(int trace_doubles, MPI_Datatype *out, sweep_errbuf *eb);

/* sweep_comm_hostnames - on rank 0, every rank's host name, unique and comma-separated, in
 * out[cap] (cut at cap); out is left "" elsewhere. */
SWEEP_MUST_USE int sweep_comm_hostnames(MPI_Comm comm, char *out, size_t cap, sweep_errbuf *eb);

#endif /* UFMSWEEP_SWEEP_COMM_H */
