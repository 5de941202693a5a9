/* run_store.c - the life cycle of a run's store on rank 0 (run.h): the lock, store_plan's
 * decisions carried out, the journal replayed, the --reuse sources opened and checked. */
#define _XOPEN_SOURCE 700
#include "run.h"

#include "fsafe.h"
#include "point.h"
#include "store_plan.h"
#include "sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Journal replay target: collect records, write them in batches to the store. */
typedef struct replay_ctx {
    store *st;
    uint8_t *state; /* store state before the replay; NULL: take every record (rebuild) */
    int64_t n_points;
    int P;
    point_record *recs;
    double *traces;
    int n, cap;
    int64_t applied;
    int64_t out_of_range; /* CRC-valid records naming no point of this grid, or no outcome */
    int have_open_run;    /* a run's start row seen without its end row */
    store_run_row open_run;
    int64_t open_run_points; /* point records after that start row */
    sweep_errbuf *eb;
} replay_ctx;

static int replay_flush(replay_ctx *r)
{
    int ret = store_write_points(r->st, r->recs, r->traces, r->n, r->eb);
    r->n = 0;
    return ret;
}

/* A run whose start row has no end row was killed: its row says so, with the points that the
 * journal holds after its start. */
static int replay_close_open_run(replay_ctx *r)
{
    if (!r->have_open_run)
        return SWEEP_OK;
    r->have_open_run = 0;
    snprintf(r->open_run.exit_reason, sizeof r->open_run.exit_reason, "killed");
    r->open_run.points_done = r->open_run_points;
    return store_run_put(r->st, &r->open_run, r->eb);
}

static int replay_record(int type, const void *payload, uint32_t len, void *user)
{
    replay_ctx *r = user;
    (void)len;
    if (type == JOURNAL_CHECKPOINT)
        return SWEEP_OK; /* what came before it is in the store */
    if (type == JOURNAL_RUN) {
        store_run_row row;
        memcpy(&row, payload, sizeof row);
        row.exit_reason[sizeof row.exit_reason - 1] = '\0';
        const int ends_open = r->have_open_run && row.run == r->open_run.run;
        if (!ends_open) {
            int ret = replay_close_open_run(r);
            if (ret != SWEEP_OK)
                return ret;
        }
        r->have_open_run = 0;
        if (!strcmp(row.exit_reason, "running")) {
            r->open_run = row;
            r->have_open_run = 1;
            r->open_run_points = 0;
            return SWEEP_OK;
        }
        return store_run_put(r->st, &row, r->eb);
    }
    point_record rec;
    memcpy(&rec, payload, sizeof rec);
    if (rec.point < 0 || rec.point >= r->n_points ||
        (rec.state != POINT_DONE && rec.state != POINT_FAILED && rec.state != POINT_NOT_CONVERGED)) {
        r->out_of_range++; /* its CRC holds, but it is no finished point of this grid */
        return SWEEP_OK;
    }
    rec.message[sizeof rec.message - 1] = '\0';
    r->open_run_points += r->have_open_run;
    if (r->state != NULL && r->state[rec.point] != POINT_PENDING)
        return SWEEP_OK; /* already in the store */
    if (r->n == r->cap) {
        int ret = replay_flush(r);
        if (ret != SWEEP_OK)
            return ret;
    }
    r->recs[r->n] = rec;
    const size_t tlen = (size_t)r->P * POINT_TRACE_FIELDS * sizeof(double);
    if (tlen > 0)
        memcpy((char *)r->traces + (size_t)r->n * tlen, (const char *)payload + sizeof rec, tlen);
    r->n++;
    r->applied++;
    return SWEEP_OK;
}

/* Replay journal j into st (all records when state == NULL) and say on stderr what was
 * applied and what was skipped. */
static int replay_journal(journal *j, store *st, uint8_t *state, int P, const char *verb,
                          sweep_errbuf *eb)
{
    replay_ctx r;
    journal_replay_report rep;
    memset(&r, 0, sizeof r);
    r.st = st;
    r.state = state;
    r.n_points = store_n_points(st);
    r.P = P;
    r.cap = 4096;
    r.eb = eb;
    r.recs = malloc((size_t)r.cap * sizeof *r.recs);
    r.traces = P > 0 ? malloc((size_t)r.cap * P * POINT_TRACE_FIELDS * sizeof(double)) : NULL;
    int ret = (r.recs == NULL || (P > 0 && r.traces == NULL)) ? SWEEP_ERR_NOMEM : SWEEP_OK;
    if (ret == SWEEP_OK)
        ret = journal_replay(j, replay_record, &r, &rep, eb);
    if (ret == SWEEP_OK)
        ret = replay_flush(&r);
    if (ret == SWEEP_OK)
        ret = replay_close_open_run(&r);
    if (ret == SWEEP_OK)
        ret = store_flush(st, eb);
    if (ret == SWEEP_OK) {
        char what[512];
        journal_report_describe(&rep, what, sizeof what);
        if (r.applied > 0 || state == NULL)
            fprintf(stderr, "[ufmsweep] %s the journal: %lld points\n", verb,
                    (long long)r.applied);
        if (what[0] != '\0')
            fprintf(stderr, "[ufmsweep] warning: the journal has %s; every intact record was "
                            "used\n", what);
        if (r.out_of_range > 0)
            fprintf(stderr, "[ufmsweep] warning: the journal has %lld intact records that name "
                            "no finished point of this grid (skipped)\n",
                    (long long)r.out_of_range);
    }
    free(r.recs);
    free(r.traces);
    return ret;
}


static int acquire_lock(run_setup *rs, sweep_errbuf *eb)
{
    rs->lock_fd = open(rs->lock_path, O_RDWR | O_CREAT, 0644);
    if (rs->lock_fd < 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot create the lock file: %s (is the "
                                               "directory writable?)",
                             rs->lock_path, strerror(errno));
    if (flock(rs->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        char who[256] = "";
        ssize_t n = pread(rs->lock_fd, who, sizeof who - 1, 0);
        who[n > 0 ? n : 0] = '\0';
        close(rs->lock_fd);
        rs->lock_fd = -1;
        return sweep_err_set(eb, SWEEP_ERR_IO,
                             "%s: another ufmsweep is writing this store (%s); refusing a second "
                             "writer",
                             rs->store_path, who[0] ? who : "holder unknown");
    }
    char host[64] = "", line[256];
    gethostname(host, sizeof host - 1);
    int len = snprintf(line, sizeof line, "pid %ld on %s", (long)getpid(), host);
    if (ftruncate(rs->lock_fd, 0) != 0 || pwrite(rs->lock_fd, line, (size_t)len, 0) < 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot write the lock file", rs->lock_path);
    return SWEEP_OK;
}

void run_release_lock(run_setup *rs)
{
    if (rs->lock_fd >= 0) {
        unlink(rs->lock_path);
        close(rs->lock_fd);
        rs->lock_fd = -1;
    }
}

/* 1 when path has no write permission for us, or no write bit at all: a file someone marked
 * read-only (chmod a-w) is respected even by root, whom access(2) would let through. */
static int read_only(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return 0;
    return access(path, W_OK) != 0 || (sb.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0;
}

/* --restart: prove that the store and journal at this path are ours before anything replaces
 * them. A ufmsweep store of this spec's grid is replaced; one of another grid only when the
 * user named the path on the command line (--store); anything else (not ours, newer, damaged,
 * locked) never. Root only. */
static int restart_check(const spec *s, const run_args *a, const run_setup *rs, int have_store,
                         int have_journal, sweep_errbuf *eb)
{
    sweep_errbuf e2;
    sweep_errbuf_clear(&e2);
    if (have_store) {
        int same_grid = 0;
        int ret = store_identify(rs->store_path, s, &same_grid, &e2);
        if (ret == SWEEP_OK && !same_grid && a->store_path == NULL)
            return sweep_err_set(eb, SWEEP_ERR_OTHER_SPEC,
                                 "%s: holds a ufmsweep store of another grid; --restart replaces "
                                 "it only when you name it: --store %s --restart",
                                 rs->store_path, rs->store_path);
        if (ret == SWEEP_ERR_BUSY)
            return sweep_err_set(eb, ret, "%s", e2.msg);
        if (ret != SWEEP_OK)
            return sweep_err_set(eb, ret,
                                 "%s; --restart replaces only a ufmsweep store it can read, so "
                                 "it leaves this file alone: move it away yourself",
                                 e2.msg);
    }
    if (have_journal) {
        int ret = journal_check(rs->journal_path, NULL, NULL, NULL, &e2);
        if (ret != SWEEP_OK)
            return sweep_err_set(eb, ret,
                                 "%s; --restart removes only a ufmsweep journal: move it away "
                                 "yourself",
                                 e2.msg);
    }
    return SWEEP_OK;
}

/* The checks before anything is touched (the plan's refusals, read-only files, --restart on
 * what is not ours, a journal of another spec), then the lock and the status arrays. */
static int setup_begin(const spec *s, const run_args *a, run_setup *rs, store_plan_action start,
                       int have_store, int have_journal, sweep_errbuf *eb)
{
    int ret;
    if (start == STORE_PLAN_REFUSE_EXISTS)
        return sweep_err_set(eb, SWEEP_ERR_EXISTS,
                             "%s: a store (or its journal) already exists: use --resume to "
                             "continue it, --restart to start over, or another --store",
                             rs->store_path);
    if (start == STORE_PLAN_REFUSE_NOTHING)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "%s: nothing to resume (no store, no journal)",
                             rs->store_path);
    if ((have_store && read_only(rs->store_path)) || (have_journal && read_only(rs->journal_path)))
        return sweep_err_set(eb, SWEEP_ERR_IO,
                             "%s: the store or its journal is read-only (no write permission): "
                             "cannot %s it; status, verify and export still read it",
                             rs->store_path, a->restart ? "restart" : "resume");
    if (a->restart && (ret = restart_check(s, a, rs, have_store, have_journal, eb)) != SWEEP_OK)
        return ret;
    /* the journal must match before anything is touched */
    const int resume = start == STORE_PLAN_OPEN_STORE || start == STORE_PLAN_CREATE_FROM_JOURNAL;
    if (resume && (ret = journal_check(rs->journal_path, s->spec_sha256, s->layout_sha256,
                                       spec_layout_alt_sha256(s), eb)) != SWEEP_OK)
        return ret;
    if ((ret = acquire_lock(rs, eb)) != SWEEP_OK)
        return ret;
    rs->state = calloc((size_t)s->n_points, 1);
    rs->attempts = calloc((size_t)s->n_points, sizeof *rs->attempts);
    if (rs->state == NULL || rs->attempts == NULL)
        return sweep_err_set(eb, SWEEP_ERR_NOMEM, "cannot allocate the status of %lld points",
                             (long long)s->n_points);
    return SWEEP_OK;
}

/* The refusal of an existing store that store_plan_resume will not continue, with its reason. */
static int refuse_existing(const run_setup *rs, const store_plan_open *facts, int code,
                           const char *why, const char *sh, const char *shard, const char *pv,
                           int64_t numerics, sweep_errbuf *eb)
{
    if (code == SWEEP_ERR_NUMERICS)
        return sweep_err_set(eb, code,
                             "%s: its points were computed by ufmsweep %s (numerics version "
                             "%lld); this program computes version %d and cannot continue it: "
                             "finish it with that version, or start over with --restart "
                             "(docs/STORE.md, Numerics versions)",
                             rs->store_path, pv[0] ? pv : "(unknown)", (long long)numerics,
                             POINT_NUMERICS_VERSION);
    if (code == SWEEP_ERR_OTHER_SPEC && facts->open_code == SWEEP_OK)
        return sweep_err_set(eb, code, "%s: the store is shard '%s', this run is shard '%s'",
                             rs->store_path, sh, shard);
    if (code == SWEEP_ERR_DAMAGED)
        return sweep_err_set(eb, code, "%s; there is no journal to rebuild it from", why);
    return sweep_err_set(eb, code, "%s", why);
}

/* --resume of an existing store: open it and gather the facts store_plan_resume decides on
 * (how it opens, for writing and, when a writer left it open, for reading; its shard, numerics
 * version and writing flag); then continue it (rs->st), or mark it for a rebuild (*old: the
 * store to copy from, NULL when unreadable; *damaged: kept aside), or refuse. */
static int open_existing(const spec *s, run_setup *rs, int have_journal, const char *shard,
                         store **old, int *rebuild, int *damaged, sweep_errbuf *eb)
{
    sweep_errbuf eb2, eb3;
    sweep_errbuf_clear(&eb2);
    sweep_errbuf_clear(&eb3);
    store_plan_open facts = {0};
    facts.have_journal = have_journal;
    facts.open_code = store_open(rs->store_path, s, 1, &rs->st, &eb2);
    if (facts.open_code == SWEEP_ERR_LEFT_OPEN)
        facts.reader_code = store_open(rs->store_path, s, 0, old, &eb3);
    store *opened = rs->st != NULL ? rs->st : *old;
    char sh[32] = "", pv[64] = "";
    if (opened != NULL) {
        store_attr_string(opened, "shard", sh, sizeof sh);
        store_attr_string(opened, "program_version", pv, sizeof pv);
        facts.same_numerics = store_numerics_version(opened) == POINT_NUMERICS_VERSION;
    }
    facts.same_shard = strcmp(sh, shard) == 0;
    if (rs->st != NULL && store_get_writing(rs->st, &facts.writing) != SWEEP_OK)
        facts.writing = 1; /* unreadable: treated as left open, rebuilt from the journal */
    int code = SWEEP_OK;
    const store_plan_action act = store_plan_resume(&facts, &code);
    const char *why = facts.open_code == SWEEP_ERR_LEFT_OPEN ? eb3.msg : eb2.msg;
    switch (act) {
    case STORE_PLAN_CONTINUE:
        return SWEEP_OK;
    case STORE_PLAN_CONTINUE_WARN:
        fprintf(stderr, "[ufmsweep] warning: %s was left open by a writer that did not finish "
                        "and there is no journal; continuing with what it holds\n",
                rs->store_path);
        return SWEEP_OK;
    case STORE_PLAN_REBUILD_FROM_STORE:
        fprintf(stderr, "[ufmsweep] %s was left open by a writer that did not finish; "
                        "rebuilding it from its own points%s\n",
                rs->store_path, have_journal ? " and the journal" : "");
        break;
    case STORE_PLAN_REBUILD_FROM_JOURNAL:
        *damaged = 1; /* unreadable: rebuilt from the journal, the file kept aside */
        fprintf(stderr, "[ufmsweep] %s\n", why);
        break;
    default: /* refused, the file untouched */
        return refuse_existing(rs, &facts, code, why, sh, shard, pv,
                               opened != NULL ? store_numerics_version(opened) : 0, eb);
    }
    *rebuild = 1;
    if (*old == NULL) {
        *old = rs->st; /* read from while the rebuild is made (NULL when damaged) */
        rs->st = NULL;
    }
    return SWEEP_OK;
}

/* A fresh store in a temporary file beside the store path (tmp), filled from old's finished
 * points and runs; when parts of old cannot be read, started again empty and *damaged set. */
static int fresh_from_old(const spec *s, run_setup *rs, const char *shard, store **old,
                          int *damaged, char *tmp, size_t cap, sweep_errbuf *eb)
{
    int ret = store_create_temp(rs->store_path, s, shard, 1, tmp, cap, &rs->st, eb);
    if (ret != SWEEP_OK || *old == NULL)
        return ret;
    int64_t copied = 0, dups = 0;
    int next_run = 0;
    sweep_errbuf eb2;
    sweep_errbuf_clear(&eb2);
    if (store_copy_finished(rs->st, *old, NULL, &copied, &dups, &eb2) == SWEEP_OK &&
        store_copy_runs(rs->st, *old, &next_run, &eb2) == SWEEP_OK) {
        fprintf(stderr, "[ufmsweep] kept the %lld finished points the store held\n",
                (long long)copied);
        store_discard(old);
        return SWEEP_OK;
    }
    /* parts of it cannot be read: start the rebuild again from the journal alone, and keep the
     * file aside */
    fprintf(stderr, "[ufmsweep] %s: %s; rebuilding from the journal alone\n", rs->store_path,
            eb2.msg);
    store_discard(old);
    store_discard(&rs->st);
    fsafe_temp_discard(tmp);
    *damaged = 1;
    return store_create_temp(rs->store_path, s, shard, 1, tmp, cap, &rs->st, eb);
}

/* A new store (new run, --restart, or a rebuild): built aside from the old store and the
 * journal, the old journal removed on --restart, a damaged store moved aside, then renamed over
 * the store path and opened for writing. */
static int build_fresh(const spec *s, const run_args *a, run_setup *rs, int resume,
                       int have_store, int have_journal, const char *shard, store **old,
                       int damaged, char *tmp, size_t cap, sweep_errbuf *eb)
{
    const int P = s->any_ufm ? s->trace_points : 0;
    int ret = fresh_from_old(s, rs, shard, old, &damaged, tmp, cap, eb);
    if (ret != SWEEP_OK)
        return ret;
    if (have_journal && resume) {
        if ((ret = journal_open(rs->journal_path, s->spec_sha256, s->layout_sha256,
                                spec_layout_alt_sha256(s), P, &rs->j, eb)) != SWEEP_OK ||
            (ret = replay_journal(rs->j, rs->st, NULL, P, "rebuilt the store from", eb)) !=
                SWEEP_OK)
            return ret;
    }
    if ((ret = store_close(&rs->st)) != SWEEP_OK)
        return sweep_err_set(eb, ret, "%s: cannot close", tmp);
    if (a->restart && have_journal && unlink(rs->journal_path) != 0)
        return sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot remove the old journal: %s",
                             rs->journal_path, strerror(errno));
    if (damaged && have_store) {
        /* unreadable: keep it for inspection rather than delete anything */
        char aside[4400], now[32];
        utc_now(now);
        snprintf(aside, sizeof aside, "%s.damaged-%s", rs->store_path, now);
        if (access(aside, F_OK) == 0 || rename(rs->store_path, aside) != 0)
            return sweep_err_set(eb, SWEEP_ERR_IO, "%s: cannot move aside to %s", rs->store_path,
                                 aside);
        fprintf(stderr, "[ufmsweep] the damaged store is kept as %s\n", aside);
    }
    /* the rebuilt store holds everything the old one and the journal held: it replaces it */
    if ((ret = fsafe_commit(tmp, rs->store_path, eb)) != SWEEP_OK)
        return ret;
    tmp[0] = '\0';
    return store_open(rs->store_path, s, 1, &rs->st, eb);
}

int run_setup_store(const spec *s, const run_args *a, run_setup *rs, sweep_errbuf *eb)
{
    int ret, rebuild = 0, damaged = 0;
    char shard[32] = "", tmp[4300] = "";
    store *old = NULL;
    if (a->shard_count > 1)
        snprintf(shard, sizeof shard, "%d/%d", a->shard_index, a->shard_count);
    const int P = s->any_ufm ? s->trace_points : 0;
    const int have_store = access(rs->store_path, F_OK) == 0;
    const int have_journal = access(rs->journal_path, F_OK) == 0;
    const store_plan_request req = {a->resume, a->restart, a->cont};
    const store_plan_action start = store_plan_start(&req, have_store, have_journal);
    const int resume = start == STORE_PLAN_OPEN_STORE || start == STORE_PLAN_CREATE_FROM_JOURNAL;
    if ((ret = setup_begin(s, a, rs, start, have_store, have_journal, eb)) != SWEEP_OK)
        return ret;
    if (start == STORE_PLAN_OPEN_STORE &&
        (ret = open_existing(s, rs, have_journal, shard, &old, &rebuild, &damaged, eb)) !=
            SWEEP_OK)
        goto cleanup;
    if ((rebuild || !resume || !have_store) &&
        (ret = build_fresh(s, a, rs, resume, have_store, have_journal, shard, &old, damaged, tmp,
                           sizeof tmp, eb)) != SWEEP_OK)
        goto cleanup;
    if ((rs->j == NULL && (ret = journal_open(rs->journal_path, s->spec_sha256, s->layout_sha256,
                                              spec_layout_alt_sha256(s), P, &rs->j, eb)) != SWEEP_OK) ||
        (ret = store_read_status(rs->st, rs->state, rs->attempts, eb)) != SWEEP_OK)
        goto cleanup;
    if (resume && !rebuild && have_store) {
        /* points the journal has but the store lost (killed between journal and store) */
        if ((ret = replay_journal(rs->j, rs->st, rs->state, P, "replayed from", eb)) != SWEEP_OK ||
            (ret = store_read_status(rs->st, rs->state, rs->attempts, eb)) != SWEEP_OK)
            goto cleanup;
    }
    if ((ret = store_set_writing(rs->st, 1, eb)) != SWEEP_OK)
        goto cleanup;
    if (!store_is_live(rs->st))
        fprintf(stderr, "[ufmsweep] note: %s was made before ufmsweep 0.2 (HDF5 1.8 format): "
                        "readers (status, h5py, xarray) cannot open it while this run writes; "
                        "`ufmsweep compact` makes a copy in the current format\n",
                rs->store_path);
    store_stamp_commits(rs->st, 1); /* from here on every write is a newly computed point */
cleanup:
    store_discard(&old);
    if (tmp[0] != '\0') {
        store_discard(&rs->st);
        fsafe_temp_discard(tmp); /* our own unfinished temporary file */
    }
    return ret;
}


void run_reuse_close(reuse_set *r)
{
    for (int i = 0; i < r->n; i++) {
        store_discard(&r->st[i]);
        spec_destroy(&r->s[i]);
    }
    r->n = 0;
}

/* Open every --reuse store (never the run's own store: that is --resume). */
int run_reuse_open(const run_args *a, const char *store_path, reuse_set *r, sweep_errbuf *eb)
{
    struct stat own, sb;
    const int have_own = store_path != NULL && stat(store_path, &own) == 0;
    for (int i = 0; i < a->n_reuse; i++) {
        sweep_errbuf e2;
        sweep_errbuf_clear(&e2);
        if (have_own && stat(a->reuse[i], &sb) == 0 && sb.st_dev == own.st_dev &&
            sb.st_ino == own.st_ino)
            return sweep_err_set(eb, SWEEP_ERR_ARG,
                                 "--reuse %s: that is this run's own store; continue it with "
                                 "--resume",
                                 a->reuse[i]);
        int ret = store_open_with_spec(a->reuse[i], 0, &r->st[r->n], &r->s[r->n], &e2);
        if (ret != SWEEP_OK)
            return sweep_err_set(eb, ret, "--reuse: %s", e2.msg);
        r->n++;
        /* a source is believed only when it is what it says it is: its spec the one its hashes
         * name, its points of this program's numerics, every point it could give readable
         * against its checksums; else the run is refused before anything is written */
        store *src = r->st[r->n - 1];
        const int64_t nv = store_numerics_version(src);
        if ((ret = store_verify_identity(src, r->s[r->n - 1], &e2)) != SWEEP_OK)
            return sweep_err_set(eb, ret, "--reuse: %s; not copying from it", e2.msg);
        if (nv != POINT_NUMERICS_VERSION) {
            char pv[64] = "";
            store_attr_string(src, "program_version", pv, sizeof pv);
            return sweep_err_set(eb, SWEEP_ERR_NUMERICS,
                                 "--reuse %s: its points were computed by ufmsweep %s (numerics "
                                 "version %lld) and this program computes version %d: copies "
                                 "would not be bit for bit what computing them now gives; leave "
                                 "it out to recompute them (docs/STORE.md, Numerics versions)",
                                 a->reuse[i], pv[0] ? pv : "(unknown)", (long long)nv,
                                 POINT_NUMERICS_VERSION);
        }
        if ((ret = store_check_points(src, &e2)) != SWEEP_OK)
            return sweep_err_set(eb, ret, "--reuse: %s; not copying from it", e2.msg);
    }
    return SWEEP_OK;
}

/* The reuse plan over the points of this run (the shard's points in the study): rep[] as in
 * spec_reuse_plan, or NULL with --no-reuse. */
int run_plan_reuse(const spec *s, const run_args *a, int64_t **rep_out, int64_t *n_wanted,
                      int64_t *n_distinct, sweep_errbuf *eb)
{
    *rep_out = NULL;
    *n_wanted = *n_distinct = 0;
    uint8_t *want = malloc((size_t)s->n_points);
    int64_t *rep = malloc((size_t)s->n_points * sizeof *rep);
    int ret = SWEEP_OK;
    if (want == NULL || rep == NULL) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "cannot allocate the reuse plan");
        goto cleanup;
    }
    for (int64_t p = 0; p < s->n_points; p++) {
        want[p] = (a->shard_count <= 1 || p % a->shard_count == a->shard_index) &&
                  spec_point_block(s, p) >= 0;
        *n_wanted += want[p];
    }
    if ((ret = spec_reuse_plan(s, want, rep, n_distinct, eb)) != SWEEP_OK)
        goto cleanup;
    *rep_out = rep;
    rep = NULL;
cleanup:
    free(want);
    free(rep);
    return ret;
}
