#include "sweep_comm.h"

#include "record.h"
#include "sweep_proto.h"

#include <stddef.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int sweep_comm_bcast_ints(MPI_Comm comm, int *v, int count, sweep_errbuf *eb)
{
    return sweep_check_mpi(MPI_Bcast(v, count, MPI_INT, 0, comm), "broadcast of the settings",
                           eb);
}

int sweep_comm_bcast_text(MPI_Comm comm, char *buf, int cap, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    SWEEP_CHECK_MPI(MPI_Bcast(buf, cap, MPI_CHAR, 0, comm), "broadcast of a text", eb);
    buf[cap - 1] = '\0';
cleanup:
    return ret;
}

int sweep_comm_share_spec(MPI_Comm comm, spec **s, sweep_errbuf *eb)
{
    int ret = SWEEP_OK, rank = 0;
    char *text = NULL;
    int64_t len = 0, head[2] = {0, 0};
    SWEEP_MPI_FATAL(MPI_Comm_rank(comm, &rank));
    if (rank == 0) {
        head[0] = (int64_t)(*s)->resolved_len; /* overrides applied: what rank 0 computes from */
        head[1] = (*s)->layout;                /* and the layout rank 0 chose (its store's) */
    }
    SWEEP_CHECK_MPI(MPI_Bcast(head, 2, MPI_INT64_T, 0, comm), "broadcast of the spec's length",
                    eb);
    len = head[0];
    if (len < 0 || len > INT32_MAX) {
        ret = sweep_err_set(eb, SWEEP_ERR_ARG, "a spec of %lld bytes cannot be broadcast",
                            (long long)len);
        goto cleanup;
    }
    if (rank == 0) {
        SWEEP_CHECK_MPI(MPI_Bcast((*s)->resolved, (int)len, MPI_CHAR, 0, comm),
                        "broadcast of the spec", eb);
    } else {
        if ((text = malloc((size_t)len + 1)) == NULL) {
            ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "no memory for the spec's %lld bytes",
                                (long long)len);
            goto cleanup;
        }
        SWEEP_CHECK_MPI(MPI_Bcast(text, (int)len, MPI_CHAR, 0, comm), "broadcast of the spec",
                        eb);
        ret = spec_parse_trusted("spec", text, (size_t)len, s, eb);
        if (ret == SWEEP_OK && (*s)->layout != (int)head[1])
            ret = spec_set_layout(*s, (int)head[1], eb);
    }
cleanup:
    free(text);
    return ret;
}

int sweep_comm_hostnames(MPI_Comm comm, char *out, size_t cap, sweep_errbuf *eb)
{
    enum { HOST = 64 };
    int ret = SWEEP_OK, rank = 0, size = 1;
    char mine[HOST] = "";
    char *all = NULL;
    SWEEP_MPI_FATAL(MPI_Comm_rank(comm, &rank));
    SWEEP_MPI_FATAL(MPI_Comm_size(comm, &size));
    if (cap > 0)
        out[0] = '\0';
    gethostname(mine, sizeof mine - 1);
    if (rank == 0 && (all = calloc((size_t)size, HOST)) == NULL) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "no memory for %d host names", size);
        /* the gather still runs, into nothing, so that no rank waits forever */
    }
    SWEEP_CHECK_MPI(MPI_Gather(mine, HOST, MPI_CHAR, all, all != NULL ? HOST : 0, MPI_CHAR, 0,
                               comm),
                    "gather of the host names", eb);
    for (int r = 0; all != NULL && r < size; r++) {
        const char *h = all + (size_t)r * HOST;
        int seen = 0;
        for (int q = 0; q < r && !seen; q++)
            seen = !strcmp(h, all + (size_t)q * HOST);
        const size_t used = strlen(out);
        if (!seen && used + strlen(h) + 2 < cap)
            snprintf(out + used, cap - used, "%s%s", used > 0 ? "," : "", h);
    }
cleanup:
    free(all);
    return ret;
}

int sweep_comm_record_type(int trace_doubles, MPI_Datatype *out, sweep_errbuf *eb)
{
    int ret = SWEEP_OK, n_members = 0, n = 0;
    MPI_Datatype packed = MPI_DATATYPE_NULL;
    enum { N = 32 };
    int len[N];
    MPI_Aint disp[N];
    MPI_Datatype types[N];
    /* the members of a record as the table of record.h lists them, then the trace */
    const record_member *m = record_members(&n_members);
    for (int i = 0; i < n_members && n < N - 1; i++) {
        if (!m[i].transported)
            continue;
        len[n] = m[i].count;
        disp[n] = (MPI_Aint)m[i].offset;
        types[n] = m[i].elem == RECORD_I64   ? MPI_INT64_T
                   : m[i].elem == RECORD_I32 ? MPI_INT32_T
                   : m[i].elem == RECORD_F64 ? MPI_DOUBLE
                                             : MPI_CHAR;
        n++;
    }
    if (trace_doubles > 0) {
        len[n] = trace_doubles;
        disp[n] = (MPI_Aint)sizeof(point_record);
        types[n] = MPI_DOUBLE;
        n++;
    }
    *out = MPI_DATATYPE_NULL;
    SWEEP_CHECK_MPI(MPI_Type_create_struct(n, len, disp, types, &packed), "record datatype", eb);
    SWEEP_CHECK_MPI(MPI_Type_create_resized(packed, 0,
                                            (MPI_Aint)(sizeof(point_record) +
                                                       (size_t)trace_doubles * sizeof(double)),
                                            out),
                    "record datatype extent", eb);
    SWEEP_CHECK_MPI(MPI_Type_commit(out), "record datatype commit", eb);
cleanup:
    if (packed != MPI_DATATYPE_NULL)
        SWEEP_MPI_FATAL(MPI_Type_free(&packed));
    if (ret != SWEEP_OK && *out != MPI_DATATYPE_NULL)
        SWEEP_MPI_FATAL(MPI_Type_free(out));
    return ret;
}
