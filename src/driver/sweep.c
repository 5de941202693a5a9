#include "sweep.h"
#include "testhook.h"

#include "ext.h"
#include "point.h"
#include "sweep_comm.h"
#include "sweep_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void fmt_duration(double s, char *buf, size_t cap)
{
    if (!isfinite(s) || s < 0)
        snprintf(buf, cap, "?");
    else if (s < 60)
        snprintf(buf, cap, "%.0fs", s);
    else if (s < 3600)
        snprintf(buf, cap, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(buf, cap, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

#define SWEEP_TEST_MAX_HOLDS 8

typedef struct master {
    const spec *s;
    const sweep_master_opts *o;
    store *st;
    journal *j;
    uint8_t *state;
    int32_t *attempts;
    double *trace_tmp;     /* one record's trace, as received or computed here */
    int64_t interrupted;   /* points given up on a stop signal this run (they stay pending) */
    size_t one;            /* bytes of one record + trace in a RESULT */
    size_t tlen;           /* trace bytes */
    int max_batch;
    int64_t cursor;        /* next point to consider */
    int64_t remaining;     /* pending points of the shard not yet dispatched or finished */
    int64_t unfinished;    /* pending points not yet recorded */
    /* the write buffer */
    point_record *recs;
    double *traces;
    int n_buf, cap_buf;
    int n_journaled;       /* recs[0 .. n_journaled) are already in the journal */
    double last_flush;
    /* cost model */
    double cost;           /* EWMA seconds per point, <= 0: unknown */
    /* progress */
    int64_t done_run, failed_run, total_shard, done_before;
    double t_start, last_progress;
    int tty;
    unsigned char *msg;    /* receive buffer */
    int64_t *ids;
    /* rank groups (ranks_per_solve G > 1): worker r belongs to group (r - 1) / G */
    int G, n_groups;
    uint8_t *big;          /* [n_points] 1: a point for a group */
    int64_t big_cursor;    /* next point to consider for a group */
    int64_t big_left;      /* big points not yet dispatched */
    uint8_t *held;         /* [size] an idle worker kept waiting for its group to assemble */
    uint8_t *group_busy;   /* [n_groups] the group is solving a point */
    /* no solve twice: rep[p] (sweep_master_opts) and the other points of each group, chained:
     * chain[r] is the first copy of representative r, chain[q] the next one after q */
    const int64_t *rep;
    int64_t *chain;
    int64_t copied_run, reused_stores_run;
    /* the test hook UFMSWEEP_TEST_HOLD=N1,N2,...:PATH or started:PATH (test_hold) */
    int64_t hold_at[SWEEP_TEST_MAX_HOLDS]; /* points recorded before each hold; -2: once
                                              solves are handed out */
    int n_holds, next_hold;
    int64_t hold_initial;  /* points to dispatch when the run started */
    char hold_path[4096];
} master;

/* a point that gets a copy of its group's record instead of being computed */
static int is_copy(const master *m, int64_t p)
{
    return m->rep != NULL && m->rep[p] >= 0 && m->rep[p] != p;
}

static int in_shard(const master *m, int64_t p)
{
    return m->o->shard_count <= 1 || p % m->o->shard_count == m->o->shard_index;
}

/* up to n pending point ids into ids; returns how many */
static int take_points(master *m, int n, int64_t *ids)
{
    int k = 0;
    while (k < n && m->cursor < m->s->n_points) {
        int64_t p = m->cursor++;
        if (m->state[p] == POINT_PENDING && in_shard(m, p) && !(m->big && m->big[p]) &&
            !is_copy(m, p))
            ids[k++] = p;
    }
    m->remaining -= k;
    return k;
}

/* the next point for a group, or -1 */
static int64_t take_big(master *m)
{
    while (m->big_cursor < m->s->n_points) {
        int64_t p = m->big_cursor++;
        if (m->big[p] && m->state[p] == POINT_PENDING && in_shard(m, p)) {
            m->remaining--;
            m->big_left--;
            return p;
        }
    }
    return -1;
}

static int batch_size(const master *m, int n_workers)
{
    return sweep_batch_size(m->cost, m->o->target_batch_s, m->max_batch, m->remaining, n_workers);
}

/* give worker r (idle) a batch of single-rank points, or STOP when none is left and no group
 * needs it; with groups pending, keep it waiting instead */
static int serve_single(master *m, MPI_Comm comm, int r, int stopping, int n_workers,
                        int *active, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    int n = stopping ? 0 : take_points(m, batch_size(m, n_workers), m->ids);
    if (n > 0) {
        SWEEP_CHECK_MPI(MPI_Send(m->ids, n, MPI_INT64_T, r, SWEEP_TAG_TASK, comm), "master TASK",
                        eb);
    } else if (!stopping && m->big_left > 0) {
        m->held[r] = 1;
    } else {
        SWEEP_CHECK_MPI(MPI_Send(NULL, 0, MPI_INT64_T, r, SWEEP_TAG_STOP, comm), "master STOP",
                        eb);
        (*active)--;
    }
cleanup:
    return ret;
}

/* when every member of group g waits, send them the next big point together */
static int try_launch(master *m, MPI_Comm comm, int g, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    const int first = 1 + g * m->G;
    for (int r = first; r < first + m->G; r++)
        if (!m->held[r])
            return SWEEP_OK;
    int64_t p = take_big(m);
    if (p < 0)
        return SWEEP_OK;
    for (int r = first; r < first + m->G; r++) {
        SWEEP_CHECK_MPI(MPI_Send(&p, 1, MPI_INT64_T, r, SWEEP_TAG_GROUP_TASK, comm),
                        "master GROUP_TASK", eb);
        m->held[r] = 0;
    }
    m->group_busy[g] = 1;
cleanup:
    return ret;
}

/* what an idle worker r does next */
static int serve(master *m, MPI_Comm comm, int r, int stopping, int n_workers, int *active,
                 sweep_errbuf *eb)
{
    if (m->G > 1 && !stopping && m->big_left > 0) {
        const int g = (r - 1) / m->G;
        if (!m->group_busy[g]) {
            m->held[r] = 1;
            return try_launch(m, comm, g, eb);
        }
    }
    return serve_single(m, comm, r, stopping, n_workers, active, eb);
}

/* waiting workers whose group will get no point any more: serve them singly */
static int release_held(master *m, MPI_Comm comm, int stopping, int n_workers, int *active,
                        sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    if (m->G <= 1 || (m->big_left > 0 && !stopping))
        return SWEEP_OK;
    for (int r = 1; r <= n_workers && ret == SWEEP_OK; r++)
        if (m->held[r]) {
            m->held[r] = 0;
            ret = serve_single(m, comm, r, stopping, n_workers, active, eb);
        }
    return ret;
}


/* Append the records not yet journaled and sync: from here a kill loses none of them. Called
 * after every RESULT message and every local batch. */
static int journal_pending(master *m, sweep_errbuf *eb)
{
    if (m->n_journaled == m->n_buf)
        return SWEEP_OK;
    int ret = journal_append_points(m->j, m->recs + m->n_journaled,
                                    m->tlen > 0 ? (const double *)((const char *)m->traces +
                                                                   (size_t)m->n_journaled * m->tlen)
                                                : NULL,
                                    m->n_buf - m->n_journaled, eb);
    if (ret == SWEEP_OK)
        m->n_journaled = m->n_buf;
    return ret;
}

/* The journal's checkpoint (a write-ahead log's): once the journal passes
 * JOURNAL_CHECKPOINT_BYTES and everything it holds is in the store (just flushed), the store is
 * synced to disk and the journal cut to what comes next. A kill before the cut replays the
 * whole journal into the synced store; after it, nothing is needed from the journal. The test
 * hook UFMSWEEP_TEST_HOLD=checkpoint:PATH holds between the two. */
static int journal_bounded(master *m, sweep_errbuf *eb)
{
    if (m->o->keep_journal || journal_bytes(m->j) <= JOURNAL_CHECKPOINT_BYTES)
        return SWEEP_OK;
    int ret = store_sync(m->st, eb);
    if (ret != SWEEP_OK)
        return ret;
    test_hook_hold("checkpoint");
    return journal_checkpoint(m->j, m->done_before + m->done_run + m->failed_run, m->o->run_row,
                              eb);
}

/* Write the buffered records to the store (data, then state flags) and flush it. The store is
 * written less often than the journal: it can always be brought up to date from the journal. */
static int flush_buffer(master *m, sweep_errbuf *eb)
{
    int ret;
    if ((ret = journal_pending(m, eb)) != SWEEP_OK)
        return ret;
    if (m->n_buf > 0) {
        if ((ret = store_write_points(m->st, m->recs, m->traces, m->n_buf, eb)) != SWEEP_OK)
            return ret;
        if ((ret = store_flush(m->st, eb)) != SWEEP_OK)
            return ret;
        m->n_buf = 0;
        m->n_journaled = 0;
    }
    m->last_flush = now_s();
    /* what was written is what the paths name: a store or journal deleted or replaced under
     * the run is noticed here (and at the end), never reported as done */
    if ((ret = store_check_path(m->st, eb)) != SWEEP_OK ||
        (ret = journal_check_path(m->j, eb)) != SWEEP_OK)
        return ret;
    return journal_bounded(m, eb);
}

static int accept_record(master *m, const point_record *rec, const double *trace,
                         sweep_errbuf *eb);

/* The test hook (docs/RELIABILITY.md): with UFMSWEEP_TEST_HOLD=N:PATH in rank 0's environment,
 * once N points of this run are recorded, everything recorded is committed (journal and
 * store), PATH.held is created and the master waits until PATH exists (or a stop signal).
 * UFMSWEEP_TEST_HOLD=started:PATH holds once every worker has a point (alone: before its first
 * point), with the signal handlers installed: a signal then reaches solves in progress. Several
 * holds, N1,N2,...:PATH, hold again at each (the i-th from 2 on creates PATH.held<i> and waits
 * for PATH<i>). Tests act at those known states (a signal, a kill, a file removed, a reader)
 * instead of after a sleep. Read by the driver only. */
static void test_hold_init(master *m)
{
    const char *v = getenv("UFMSWEEP_TEST_HOLD");
    const char *colon = v != NULL ? strchr(v, ':') : NULL;
    m->n_holds = m->next_hold = 0;
    m->hold_initial = m->remaining;
    if (colon == NULL || colon[1] == '\0')
        return;
    if (!strncmp(v, "started:", 8)) {
        m->hold_at[m->n_holds++] = -2;
    } else {
        for (const char *q = v; q < colon && m->n_holds < SWEEP_TEST_MAX_HOLDS;) {
            char *end = NULL;
            const long long n = strtoll(q, &end, 10);
            if (end == q || n < 0 || (*end != ',' && *end != ':')) {
                m->n_holds = 0; /* not a list of counts: no hold */
                return;
            }
            m->hold_at[m->n_holds++] = n;
            q = end + 1;
        }
    }
    snprintf(m->hold_path, sizeof m->hold_path, "%s", colon + 1);
}

static int test_hold(master *m, int n_workers, sweep_errbuf *eb)
{
    if (m->next_hold >= m->n_holds)
        return SWEEP_OK;
    const int64_t at = m->hold_at[m->next_hold];
    if (at >= 0 && m->done_run < at)
        return SWEEP_OK;
    if (at == -2 && n_workers > 0 &&
        m->hold_initial - m->remaining <
            (m->hold_initial < n_workers ? m->hold_initial : n_workers))
        return SWEEP_OK;
    const int i = ++m->next_hold;
    int ret = flush_buffer(m, eb);
    if (ret != SWEEP_OK)
        return ret;
    char marker[4200], go[4200];
    snprintf(marker, sizeof marker, "%s.held%.0d", m->hold_path, i > 1 ? i : 0);
    snprintf(go, sizeof go, "%s%.0d", m->hold_path, i > 1 ? i : 0);
    const int fd = open(marker, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0) {
        dprintf(fd, "%lld\n", (long long)m->done_run);
        close(fd);
    }
    fprintf(stderr, "[ufmsweep] test hook: held after %lld points until %s exists\n",
            (long long)m->done_run, go);
    while (access(go, F_OK) != 0 && !*m->o->stop) {
        struct timespec ts = {0, 10000000}; /* 10 ms */
        nanosleep(&ts, NULL);
    }
    return SWEEP_OK;
}

/* the record of a computed representative, copied to the pending points of its group */
static int accept_copies(master *m, const point_record *rec, const double *trace,
                         sweep_errbuf *eb)
{
    for (int64_t q = m->chain[rec->point]; q >= 0; q = m->chain[q]) {
        if (m->state[q] != POINT_PENDING)
            continue;
        point_record c = *rec;
        c.point = q;
        c.source = POINT_COPIED_HERE;
        c.source_point = rec->point;
        c.wall_s = 0.0;
        int ret = accept_record(m, &c, trace, eb);
        if (ret != SWEEP_OK)
            return ret;
    }
    return SWEEP_OK;
}

/* take one finished record (and its trace) into the write buffer */
static int accept_record(master *m, const point_record *rec, const double *trace,
                         sweep_errbuf *eb)
{
    int64_t p = rec->point;
    if (p < 0 || p >= m->s->n_points)
        return sweep_err_set(eb, SWEEP_ERR_INTERNAL, "a worker returned point %lld of %lld",
                             (long long)p, (long long)m->s->n_points);
    if (m->state[p] != POINT_PENDING)
        return SWEEP_OK; /* already recorded: never count a point twice */
    if (rec->state == POINT_PENDING) {
        /* a solve given up on a stop signal (the rank that computed it received one): the
         * point stays pending for the next run, and this run stops too */
        m->interrupted++;
        return SWEEP_OK;
    }
    if (m->n_buf == m->cap_buf) {
        int ret = flush_buffer(m, eb);
        if (ret != SWEEP_OK)
            return ret;
    }
    point_record *dst = &m->recs[m->n_buf];
    *dst = *rec;
    m->attempts[p] += 1;
    dst->attempts = m->attempts[p];
    if (m->tlen > 0)
        memcpy((char *)m->traces + (size_t)m->n_buf * m->tlen, trace, m->tlen);
    m->n_buf++;
    m->state[p] = (uint8_t)rec->state;
    m->unfinished--;
    m->done_run++;
    if (rec->state == POINT_FAILED)
        m->failed_run++;
    if (rec->source != POINT_COMPUTED) {
        m->copied_run++;
        m->reused_stores_run += rec->source > 0;
        return SWEEP_OK; /* no compute time: the cost model learns from computed points */
    }
    m->cost = m->cost > 0.0 ? 0.9 * m->cost + 0.1 * rec->wall_s : rec->wall_s + 1e-7;
    if (m->chain != NULL)
        return accept_copies(m, rec, trace, eb);
    return SWEEP_OK;
}

/* Copy count records of src (points from[i]) into this store as points to[i], marked as coming
 * from source (POINT_COPIED_HERE or a --reuse store's number). */
static int copy_batch(master *m, store *src, int P_src, const int64_t *from, const int64_t *to,
                      int count, int32_t source, point_record *recs, double *traces,
                      sweep_errbuf *eb)
{
    const size_t tl = (size_t)m->s->trace_points * POINT_TRACE_FIELDS;
    /* traces travel when the lengths agree; a solve key includes the trace length of solvers
     * that record one, so a record from a store of another length has no trace (NaN) */
    const int with_traces = tl > 0 && P_src == m->s->trace_points;
    int ret = store_read_points(src, from, count, recs, with_traces ? traces : NULL, eb);
    for (int i = 0; ret == SWEEP_OK && i < count; i++) {
        double *tr = tl > 0 ? traces + (size_t)i * tl : NULL;
        if (tl > 0 && !with_traces)
            for (size_t f = 0; f < tl; f++)
                tr[f] = NAN;
        recs[i].point = to[i];
        recs[i].source = source;
        recs[i].source_point = from[i];
        recs[i].wall_s = 0.0;
        recs[i].rank = 0;
        ret = accept_record(m, &recs[i], tr, eb);
    }
    return ret;
}

int sweep_reuse_match(const spec *s, const uint8_t *want, store *old, const spec *os,
                      int64_t *match, int64_t *n_match, sweep_errbuf *eb)
{
    int ret = SWEEP_OK;
    spec_keyed_point *theirs = NULL, *mine = NULL;
    int64_t n_theirs = 0, n_mine = 0;
    uint8_t *done = malloc((size_t)os->n_points);
    *n_match = 0;
    for (int64_t p = 0; p < s->n_points; p++)
        match[p] = -1;
    if (done == NULL) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "no memory for the status of %lld points",
                            (long long)os->n_points);
        goto cleanup;
    }
    if ((ret = store_read_status(old, done, NULL, eb)) != SWEEP_OK)
        goto cleanup;
    for (int64_t q = 0; q < os->n_points; q++)
        done[q] = done[q] == POINT_DONE || done[q] == POINT_NOT_CONVERGED;
    if ((ret = spec_keyed_points(os, done, 1, &theirs, &n_theirs, eb)) != SWEEP_OK ||
        (ret = spec_keyed_points(s, want, 0, &mine, &n_mine, eb)) != SWEEP_OK)
        goto cleanup;
    for (int64_t j = 0; j < n_mine; j++) {
        const spec_keyed_point *hit = spec_keyed_find(theirs, n_theirs, mine[j].key);
        if (hit != NULL) {
            match[mine[j].p] = hit->p;
            (*n_match)++;
        }
    }
cleanup:
    free(done);
    free(theirs);
    free(mine);
    return ret;
}

/* Before anything is computed: the pending points of the shard whose solve is already known,
 * copied (1) from the --reuse stores, (2) from a finished point of their own group here. */
static int copy_known(master *m, sweep_errbuf *eb)
{
    enum { B = 1024 };
    int ret = SWEEP_OK;
    const spec *s = m->s;
    const int64_t n = s->n_points;
    const size_t tl = (size_t)s->trace_points * POINT_TRACE_FIELDS;
    int64_t *from = malloc(B * sizeof *from), *to = malloc(B * sizeof *to), *src = NULL;
    point_record *recs = malloc(B * sizeof *recs);
    double *traces = tl > 0 ? malloc(B * tl * sizeof(double)) : NULL;
    if (from == NULL || to == NULL || recs == NULL || (tl > 0 && traces == NULL)) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    if (m->o->n_reuse > 0) {
        uint8_t *want = malloc((size_t)n);
        int64_t *match = malloc((size_t)n * sizeof *match);
        if (want == NULL || match == NULL) {
            free(want);
            free(match);
            ret = SWEEP_ERR_NOMEM;
            goto cleanup;
        }
        for (int i = 0; i < m->o->n_reuse && ret == SWEEP_OK; i++) {
            int64_t n_match = 0;
            for (int64_t p = 0; p < n; p++)
                want[p] = m->state[p] == POINT_PENDING && in_shard(m, p);
            ret = sweep_reuse_match(s, want, m->o->reuse[i], m->o->reuse_specs[i], match,
                                    &n_match, eb);
            int cnt = 0;
            for (int64_t p = 0; ret == SWEEP_OK && p <= n; p++) {
                if (p < n && match[p] >= 0) {
                    from[cnt] = match[p];
                    to[cnt++] = p;
                }
                if (cnt == B || (p == n && cnt > 0)) {
                    ret = copy_batch(m, m->o->reuse[i], store_trace_points(m->o->reuse[i]), from,
                                     to, cnt, m->o->reuse_index[i], recs, traces, eb);
                    cnt = 0;
                }
            }
        }
        free(want);
        free(match);
        if (ret != SWEEP_OK)
            goto cleanup;
    }
    if (m->rep != NULL) {
        /* a group with a finished point gives its record to the pending ones */
        if ((ret = flush_buffer(m, eb)) != SWEEP_OK)
            goto cleanup;
        if ((src = malloc((size_t)n * sizeof *src)) == NULL) {
            ret = SWEEP_ERR_NOMEM;
            goto cleanup;
        }
        for (int64_t p = 0; p < n; p++)
            src[p] = -1;
        for (int64_t p = 0; p < n; p++)
            if (m->rep[p] >= 0 && m->state[p] != POINT_PENDING && src[m->rep[p]] < 0)
                src[m->rep[p]] = p;
        int cnt = 0;
        for (int64_t p = 0; p <= n; p++) {
            if (p < n && m->rep[p] >= 0 && m->state[p] == POINT_PENDING && src[m->rep[p]] >= 0) {
                from[cnt] = src[m->rep[p]];
                to[cnt++] = p;
            }
            if (cnt == B || (p == n && cnt > 0)) {
                if ((ret = copy_batch(m, m->st, s->trace_points, from, to, cnt, POINT_COPIED_HERE,
                                      recs, traces, eb)) != SWEEP_OK)
                    goto cleanup;
                cnt = 0;
            }
        }
    }
    if ((ret = journal_pending(m, eb)) != SWEEP_OK)
        goto cleanup;
    /* what is left to dispatch */
    m->remaining = 0;
    for (int64_t p = 0; p < n; p++)
        if (m->state[p] == POINT_PENDING && in_shard(m, p) && !is_copy(m, p))
            m->remaining++;
cleanup:
    free(from);
    free(to);
    free(src);
    free(recs);
    free(traces);
    return ret;
}

static void progress(master *m, int final)
{
    double t = now_s();
    double interval = m->tty ? 0.5 : m->o->progress_interval_s;
    if (!final && t - m->last_progress < interval)
        return;
    m->last_progress = t;
    double el = t - m->t_start, rate = el > 0 ? (double)m->done_run / el : 0.0;
    int64_t done = m->done_before + m->done_run;
    char eta[32], elapsed[32];
    fmt_duration(rate > 0 ? (double)m->unfinished / rate : NAN, eta, sizeof eta);
    fmt_duration(el, elapsed, sizeof elapsed);
    char copied[64] = "";
    if (m->copied_run > 0)
        snprintf(copied, sizeof copied, ", %lld copied", (long long)m->copied_run);
    fprintf(stderr, "%s[ufmsweep] %lld/%lld points (%.1f%%), %.3g points/s, elapsed %s, ETA %s, "
                    "%lld failed%s%s",
            m->tty ? "\r" : "", (long long)done, (long long)m->total_shard,
            m->total_shard > 0 ? 100.0 * (double)done / (double)m->total_shard : 100.0, rate,
            elapsed, m->unfinished > 0 ? eta : "0s", (long long)m->failed_run, copied,
            m->tty && !final ? "   " : "\n");
    fflush(stderr);
}

/* The master's buffers and counts: points of the shard done before and pending, the chains of
 * points that copy an equal one, and (grouped solves) which points go to a rank group. */
static int master_init(master *m, const spec *s, int size, store *st, journal *j, uint8_t *state,
                       int32_t *attempts, const sweep_master_opts *o, sweep_errbuf *eb)
{
    m->s = s;
    m->o = o;
    m->st = st;
    m->j = j;
    m->state = state;
    m->attempts = attempts;
    m->tlen = (size_t)s->trace_points * POINT_TRACE_FIELDS * sizeof(double);
    m->one = sizeof(point_record) + m->tlen;
    m->max_batch = sweep_max_batch(m->one);
    m->cap_buf = m->max_batch;
    m->recs = malloc((size_t)m->cap_buf * sizeof *m->recs);
    m->traces = m->tlen > 0 ? malloc((size_t)m->cap_buf * m->tlen) : NULL;
    m->msg = malloc((size_t)m->max_batch * m->one);
    m->ids = malloc((size_t)m->max_batch * sizeof *m->ids);
    m->trace_tmp = m->tlen > 0 ? malloc(m->tlen) : NULL;
    if (m->recs == NULL || (m->tlen > 0 && (m->traces == NULL || m->trace_tmp == NULL)) ||
        m->msg == NULL || m->ids == NULL)
        return sweep_err_set(eb, SWEEP_ERR_NOMEM, "master: cannot allocate buffers");
    for (int64_t p = 0; p < s->n_points; p++) {
        if (!in_shard(m, p) || state[p] == POINT_NOT_IN_STUDY)
            continue;
        m->total_shard++;
        if (state[p] == POINT_PENDING)
            m->remaining++;
        else
            m->done_before++;
    }
    m->unfinished = m->remaining;
    m->rep = o->rep;
    if (m->rep != NULL) {
        if ((m->chain = malloc((size_t)s->n_points * sizeof *m->chain)) == NULL)
            return sweep_err_set(eb, SWEEP_ERR_NOMEM, "master: cannot allocate the reuse chains");
        for (int64_t p = 0; p < s->n_points; p++)
            m->chain[p] = -1;
        for (int64_t p = s->n_points - 1; p >= 0; p--)
            if (is_copy(m, p)) {
                m->chain[p] = m->chain[m->rep[p]];
                m->chain[m->rep[p]] = p;
            }
    }
    m->last_flush = now_s();
    const int ret = copy_known(m, eb);
    if (ret != SWEEP_OK)
        return ret;
    m->G = o->ranks_per_solve > 1 ? o->ranks_per_solve : 1;
    if (m->G > 1) {
        m->n_groups = (size - 1) / m->G;
        m->big = calloc((size_t)s->n_points, 1);
        m->held = calloc((size_t)size, 1);
        m->group_busy = calloc((size_t)(m->n_groups > 0 ? m->n_groups : 1), 1);
        if (m->big == NULL || m->held == NULL || m->group_busy == NULL)
            return sweep_err_set(eb, SWEEP_ERR_NOMEM, "master: cannot allocate the group tables");
        for (int64_t p = 0; p < s->n_points; p++) {
            int groupable = 0;
            if (!in_shard(m, p) || state[p] != POINT_PENDING || is_copy(m, p))
                continue;
            if (spec_point_work(s, p, &groupable) >= o->group_min_work && groupable) {
                m->big[p] = 1;
                m->big_left++;
            }
        }
    }
    m->t_start = m->last_flush = now_s();
    m->last_progress = m->t_start;
    test_hold_init(m);
    m->tty = isatty(2);
    return SWEEP_OK;
}

static void master_free(master *m)
{
    free(m->trace_tmp);
    free(m->recs);
    free(m->traces);
    free(m->msg);
    free(m->ids);
    free(m->big);
    free(m->chain);
    free(m->held);
    free(m->group_busy);
}

/* One message from a worker (stt, probed): RESULT's typed records accepted and journaled, READY
 * served with a task (or STOP); a message from the first rank of a busy group ends its grouped
 * point. */
static int master_receive(master *m, MPI_Comm comm, MPI_Datatype rectype, MPI_Status *stt,
                          int stopping, int n_workers, int *active, sweep_errbuf *eb)
{
    int count = 0, ret = SWEEP_OK;
    const int is_result = stt->MPI_TAG == SWEEP_TAG_RESULT;
    /* RESULT: typed records (sweep_comm_record_type); the other tags carry nothing */
    SWEEP_CHECK_MPI(MPI_Recv(m->msg, is_result ? m->max_batch : 0, is_result ? rectype : MPI_BYTE,
                             stt->MPI_SOURCE, stt->MPI_TAG, comm, stt),
                    "master receive", eb);
    if (is_result) {
        SWEEP_CHECK_MPI(MPI_Get_count(stt, rectype, &count), "master RESULT count", eb);
        for (int i = 0; i < count; i++) {
            const unsigned char *r = m->msg + (size_t)i * m->one;
            point_record rec;
            memcpy(&rec, r, sizeof rec);
            if (m->tlen > 0)
                memcpy(m->trace_tmp, r + sizeof rec, m->tlen);
            if ((ret = accept_record(m, &rec, m->trace_tmp, eb)) != SWEEP_OK)
                return ret;
        }
        if ((ret = journal_pending(m, eb)) != SWEEP_OK)
            return ret;
    } else if (stt->MPI_TAG != SWEEP_TAG_READY) {
        return sweep_err_set(eb, SWEEP_ERR_INTERNAL, "master: unexpected tag %s from %d",
                             sweep_tag_name(stt->MPI_TAG), stt->MPI_SOURCE);
    }
    if (m->G > 1) {
        const int g = (stt->MPI_SOURCE - 1) / m->G;
        if (g < m->n_groups && stt->MPI_SOURCE == 1 + g * m->G && m->group_busy[g])
            m->group_busy[g] = 0;
    }
    ret = serve(m, comm, stt->MPI_SOURCE, stopping, n_workers, active, eb);
cleanup:
    return ret;
}

/* rank 0 computes too: always when alone, and next to one worker when points are cheap (a long
 * point here would hold up that worker's next task). One point at a time, so a worker's request
 * waits at most one point; the journal is synced about every 0.2 s of local work rather than
 * after every (maybe microsecond) point. */
static int master_compute_local(master *m, double *last_sync, sweep_errbuf *eb)
{
    int ret;
    if (take_points(m, 1, m->ids) == 1) {
        point_record rec;
        ext_runner runner;
        memset(&runner, 0, sizeof runner);
        snprintf(runner.dir, sizeof runner.dir, "%s", m->o->ext_dir ? m->o->ext_dir : "");
        spec_point_compute(m->s, m->ids[0], 0, NULL, NULL, ext_run_point, &runner, m->o->stop,
                           &rec, m->trace_tmp);
        if ((ret = accept_record(m, &rec, m->trace_tmp, eb)) != SWEEP_OK)
            return ret;
    }
    if (now_s() - *last_sync >= 0.2 || m->remaining == 0) {
        if ((ret = journal_pending(m, eb)) != SWEEP_OK)
            return ret;
        *last_sync = now_s();
    }
    return SWEEP_OK;
}

/* The scheduling loop: until every worker was sent STOP and (unless stopping) no point is left. */
static int master_loop(master *m, MPI_Comm comm, MPI_Datatype rectype, int n_workers,
                       int *stopping, sweep_errbuf *eb)
{
    const sweep_master_opts *o = m->o;
    int active = n_workers, ret = SWEEP_OK;
    double last_local_sync = now_s();
    while (active > 0 || (!*stopping && m->remaining > 0)) {
        if ((ret = test_hold(m, n_workers, eb)) != SWEEP_OK)
            return ret;
        if (((o->stop != NULL && *o->stop) || m->interrupted > 0) && !*stopping) {
            *stopping = 1;
            fprintf(stderr, "%s[ufmsweep] stop requested: collecting the points in flight, then "
                            "saving and exiting (resume with --resume)\n",
                    m->tty ? "\n" : "");
        }
        int flag = 0;
        MPI_Status stt;
        if (active > 0)
            SWEEP_CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &flag, &stt),
                            "master probe", eb);
        if (flag) {
            ret = master_receive(m, comm, rectype, &stt, *stopping, n_workers, &active, eb);
        } else if (!*stopping && m->remaining > 0 &&
                   (n_workers == 0 || (n_workers == 1 && m->cost >= 0.0 && m->cost < 0.05))) {
            ret = master_compute_local(m, &last_local_sync, eb);
        } else {
            struct timespec ts = {0, 1000000}; /* 1 ms: stay responsive to signals and timers */
            nanosleep(&ts, NULL);
            ret = SWEEP_OK;
        }
        if (ret != SWEEP_OK ||
            (ret = release_held(m, comm, *stopping, n_workers, &active, eb)) != SWEEP_OK)
            return ret;
        if (now_s() - m->last_flush >= o->flush_interval_s &&
            (ret = flush_buffer(m, eb)) != SWEEP_OK)
            return ret;
        progress(m, 0);
    }
cleanup: /* SWEEP_CHECK_MPI's exit */
    return ret;
}

int sweep_master_run(const spec *s, MPI_Comm comm, store *st, journal *j, uint8_t *state,
                     int32_t *attempts, const sweep_master_opts *o, sweep_master_stats *stats,
                     sweep_errbuf *eb)
{
    int ret, size = 1, stopping = 0;
    MPI_Datatype rectype = MPI_DATATYPE_NULL;
    master mm, *m = &mm;
    memset(m, 0, sizeof *m);
    SWEEP_MPI_FATAL(MPI_Comm_size(comm, &size));
    if ((ret = sweep_comm_record_type(s->trace_points * POINT_TRACE_FIELDS, &rectype, eb)) !=
        SWEEP_OK)
        return ret;
    if ((ret = master_init(m, s, size, st, j, state, attempts, o, eb)) == SWEEP_OK &&
        (ret = master_loop(m, comm, rectype, size - 1, &stopping, eb)) == SWEEP_OK) {
        ret = flush_buffer(m, eb);
        progress(m, 1);
        stats->done_this_run = m->done_run;
        stats->copied_this_run = m->copied_run;
        stats->reused_from_stores = m->reused_stores_run;
        stats->remaining = m->unfinished;
        /* an interrupted point can be the last message: the run stopped although the loop
         * ended */
        stats->stopped_by_signal = stopping || m->interrupted > 0;
    }
    if (ret != SWEEP_OK) {
        /* keep what is finished: commit the buffer before reporting the error (whose message
         * is the one to report, whatever this flush says) */
        sweep_errbuf eb2;
        sweep_errbuf_clear(&eb2);
        (void)flush_buffer(m, &eb2);
    }
    SWEEP_MPI_FATAL(MPI_Type_free(&rectype));
    master_free(m);
    return ret;
}
