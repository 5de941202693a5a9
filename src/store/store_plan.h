/* store_plan.h - what `ufmsweep run` does with the files at its store path, decided as a pure
 * function of what is there and what was asked (no I/O: the driver gathers the facts, asks,
 * and carries the action out). Nothing is replaced that is not proven this spec's own store;
 * a store that cannot be read is rebuilt beside it from the journal and kept aside.
 *
 * Two questions, because the second needs the store opened:
 *   store_plan_start - before anything is opened: refuse, start a new store, or resume;
 *   store_plan_resume - after the store was opened for writing (and, when HDF5 says a writer
 *     left it open, for reading): continue it, rebuild it, or refuse.
 * Root only; no MPI, no HDF5. */
#ifndef UFMSWEEP_STORE_PLAN_H
#define UFMSWEEP_STORE_PLAN_H

#include "sweep_err.h"

typedef enum store_plan_action {
    STORE_PLAN_REFUSE_EXISTS = 0,  /* a store or journal is there and neither --resume nor
                                      --restart was given: SWEEP_ERR_EXISTS */
    STORE_PLAN_REFUSE_NOTHING,     /* --resume with neither store nor journal */
    STORE_PLAN_CREATE,             /* a new store (with --restart: the old one replaced) */
    STORE_PLAN_CREATE_FROM_JOURNAL, /* resume without a store: a new one, the journal replayed */
    STORE_PLAN_OPEN_STORE,         /* resume: open it to ask store_plan_resume */
    STORE_PLAN_CONTINUE,           /* resume: continue the store, the journal replayed into it */
    STORE_PLAN_CONTINUE_WARN,      /* the same, but a writer left it open and there is no
                                      journal: continue with what it holds, and say so */
    STORE_PLAN_REBUILD_FROM_STORE, /* a writer left it open: a new store from its points and the
                                      journal replaces it */
    STORE_PLAN_REBUILD_FROM_JOURNAL, /* unreadable: a new store from the journal; the old file
                                        kept as STORE.damaged-<time> */
    STORE_PLAN_REFUSE              /* not this run's store (locked, not ours, newer, another
                                      spec or shard, another numerics version, damaged without
                                      a journal): refused, untouched; the code says why */
} store_plan_action;

/* store_plan_action_name - "create", "continue", ... (static; for messages and tests). */
const char *store_plan_action_name(store_plan_action a);

/* What was asked on the command line. */
typedef struct store_plan_request {
    int resume, restart, cont; /* --resume, --restart, --continue */
} store_plan_request;

/* store_plan_start - from what exists at the path (a store, a journal) and the request. */
SWEEP_MUST_USE store_plan_action store_plan_start(const store_plan_request *r, int have_store,
                                                  int have_journal);

/* What opening the store said. */
typedef struct store_plan_open {
    int open_code;      /* store_open for writing: SWEEP_OK or its code */
    int reader_code;    /* when open_code is SWEEP_ERR_LEFT_OPEN: store_open for reading */
    int same_shard;     /* open_code OK: the store is this run's shard */
    int same_numerics;  /* the store that opened (writer or reader) holds this program's
                           numerics version */
    int writing;        /* open_code OK: its open_for_writing attribute (1: a writer died) */
    int have_journal;
} store_plan_open;

/* store_plan_resume - continue, rebuild or refuse; *code receives the refusal's error code
 * (SWEEP_OK otherwise). */
SWEEP_MUST_USE store_plan_action store_plan_resume(const store_plan_open *o, int *code);

#endif /* UFMSWEEP_STORE_PLAN_H */
