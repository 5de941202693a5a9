/* journal.h - the append-only journal beside a store (STORE.h5.journal).
 *
 * Every finished point is appended here (and synced to disk) before it is written to the HDF5
 * store, so a run killed at any moment (kill -9, node loss, time limit) loses at most the points
 * in flight: on resume the store is brought up to date from the journal, or rebuilt from the
 * spec and the journal when the killed writer left it unreadable. Layout: a header (magic,
 * format version, spec and grid SHA-256, trace length) then records [type u32][length u32]
 * [crc32 u32][payload], with a CRC-32 (zlib) per payload; replay resynchronizes past a bad
 * record and cuts only an incomplete last one (journal_replay).
 * Root only. No MPI.
 */
#ifndef UFMSWEEP_JOURNAL_H
#define UFMSWEEP_JOURNAL_H

#include "record.h"
#include "sweep_err.h"

#include <stdint.h>

enum journal_record_type {
    JOURNAL_POINT = 1,     /* payload: point_record + trace doubles */
    JOURNAL_RUN = 2,       /* payload: store_run_row (a run's provenance row) */
    JOURNAL_CHECKPOINT = 3 /* payload: journal_checkpoint_row: the records before it were
                              dropped, every one of them durable in the store */
};

/* What a checkpoint says (journal_checkpoint). */
typedef struct journal_checkpoint_row {
    int64_t points_in_store; /* finished points the store held, synced to disk */
    char utc[32];            /* when */
} journal_checkpoint_row;

/* Journals are checkpointed once they pass this size (run --keep-journal: never). */
#define JOURNAL_CHECKPOINT_BYTES ((int64_t)256 * 1024)

/* A run's provenance row, as stored in /provenance/runs. */
typedef struct store_run_row {
    int32_t run;               /* 0, 1, ... */
    int32_t ranks;
    int64_t points_done;       /* points completed by this run */
    char start_utc[32];
    char end_utc[32];
    char exit_reason[32];      /* running, complete, signal, error */
    char hostname[64];
    char slurm_job_id[32];
    char program_version[16];
} store_run_row;

typedef struct journal journal;

/* journal_open - Open (creating if absent) the journal at path for a store of spec/grid hashes
 * and trace length P (a new journal records spec_sha256 and grid_sha256). An existing journal
 * whose grid hash is neither grid_sha256 nor alt_grid_sha256 (may be NULL: the hash of stores
 * made by ufmsweep 0.2) is refused (SWEEP_ERR_OTHER_SPEC, file untouched); the spec text hash
 * is not compared: a spec of the same meaning may be written differently. */
SWEEP_MUST_USE int journal_open(const char *path, const char *spec_sha256, const char *grid_sha256,
                 const char *alt_grid_sha256, int P,
                 journal **out, sweep_errbuf *eb);

/* journal_open_readonly - Open an existing journal without write access (verify): replay then
 * reports a torn tail in *dropped_bytes but does not cut it. */
SWEEP_MUST_USE int journal_open_readonly(const char *path, const char *spec_sha256, const char *grid_sha256,
                          const char *alt_grid_sha256,
                          int P, journal **out, sweep_errbuf *eb);

/* What a replay found besides the intact records. */
typedef struct journal_replay_report {
    long long records;           /* intact records (CRC holds) passed to fn */
    long long skipped_bytes;     /* bytes that hold no intact record, between or after records:
                                  * corruption, skipped (resynchronized past) and left in place */
    int skipped_regions;         /* how many such runs of bytes */
    long long first_skip_offset; /* byte offset of the first, -1 when none */
    long long torn_tail_bytes;   /* an incomplete last record (killed mid-append): cut by a
                                  * writable journal, reported by a read-only one */
} journal_replay_report;

/* journal_replay - Call fn for every intact record in order. A record that is not whole or whose
 * CRC fails does not end the replay: it scans on byte by byte to the next intact record, so one
 * bad record costs only itself. Only an incomplete last record is cut (a torn append); every
 * other bad byte stays where it is. What was skipped is in *rep. */
typedef int (*journal_record_fn)(int type, const void *payload, uint32_t len, void *user);
SWEEP_MUST_USE int journal_replay(journal *j, journal_record_fn fn, void *user, journal_replay_report *rep,
                   sweep_errbuf *eb);

/* journal_report_describe - a sentence for rep's skipped and torn bytes ("" when none). */
void journal_report_describe(const journal_replay_report *rep, char *buf, size_t cap);

/* journal_append_points - Append count point records (each followed by its P trace doubles,
 * traces may be NULL when P = 0) and sync to disk. */
SWEEP_MUST_USE int journal_append_points(journal *j, const point_record *recs, const double *traces, int count,
                          sweep_errbuf *eb);

/* journal_bytes - the journal's size now (header and records). */
SWEEP_MUST_USE int64_t journal_bytes(const journal *j);

/* journal_checkpoint - Drop every record: the caller has made each one durable in the store
 * (store_sync). The journal is cut to its header in place and a CHECKPOINT record (and row, the
 * run now writing, when not NULL) appended and synced, so that it holds only what comes after.
 * A kill at any moment leaves the journal whole, cut to its header, or cut and checkpointed:
 * each replays into the synced store without loss. Like SQLite's WAL checkpoint in TRUNCATE
 * mode. */
SWEEP_MUST_USE int journal_checkpoint(journal *j, int64_t points_in_store, const store_run_row *row,
                                      sweep_errbuf *eb);

/* journal_append_run - Append a run row and sync. */
SWEEP_MUST_USE int journal_append_run(journal *j, const store_run_row *row, sweep_errbuf *eb);

/* journal_check_path - SWEEP_OK when the journal's path still names the file open here;
 * SWEEP_ERR_REPLACED (message naming the path) when it was deleted, renamed or replaced. */
SWEEP_MUST_USE int journal_check_path(const journal *j, sweep_errbuf *eb);

/* journal_close - Close (NULL accepted), set *j = NULL. */
void journal_close(journal **j);

/* journal_check - Read only the header of an existing journal at path and compare hashes:
 * SWEEP_OK (match or no journal), SWEEP_ERR_OTHER_SPEC (mismatch, detail in eb),
 * SWEEP_ERR_NOT_OURS (no journal magic), SWEEP_ERR_NEWER, SWEEP_ERR_UNSUPPORTED (another
 * record layout), SWEEP_ERR_DAMAGED (truncated header), SWEEP_ERR_IO. With spec_sha256 NULL
 * only the magic and format are checked (is it a journal of ours?). */
SWEEP_MUST_USE int journal_check(const char *path, const char *spec_sha256, const char *grid_sha256,
                  const char *alt_grid_sha256,
                  sweep_errbuf *eb);

#endif /* UFMSWEEP_JOURNAL_H */
