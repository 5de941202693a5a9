/* store.h - the HDF5 store of a sweep (schema in docs/STORE.md).
 *
 *   /                 attributes: schema_version, program_version, created_utc, spec_sha256,
 *                     grid_sha256, seed_base, n_points, shard, mpi_size, hostname, slurm_job_id,
 *                     open_for_writing (1 while a writer has it open)
 *   /<axis>, /trace_iter (or /trace_point)   dimension scales (root: visible to netCDF readers)
 *   /coords/<axis>    hard links to the scales
 *   /results/<metric> grid-shaped float64, NaN until done; also loss, objective, grad_norm, iters
 *   /theory/<metric>  the prediction at every point; /theory/theory_source int8 (-1 pending,
 *                     0 none: needs the convex reference, 1 closed form)
 *   /traces/<field>   grid + (trace_points,): iter, lr, loss, grad_norm and every metric
 *   /status/state     uint8 0 pending 1 done 2 failed 3 not converged 4 not in the study;
 *                     source, source_point (where a copied record comes from); attempts, rank, wall_s,
 *                     outcome, message, commit_time (seconds since 1970 UTC; not in stores
 *                     made before 0.2)
 *   /provenance/spec, /provenance/effective, /provenance/runs (one row per invocation)
 * Chunked (about 4096 elements per chunk), shuffle + deflate(1) + Fletcher-32 checksums.
 * Root rank only; serial HDF5 calls. No MPI.
 */
#ifndef UFMSWEEP_STORE_H
#define UFMSWEEP_STORE_H

#include "sweep_err.h"

#include "journal.h"
#include "point.h"
#include "spec.h"

#include <stdint.h>

#define STORE_SCHEMA_VERSION 3

typedef struct store store;

/* store_create_temp - Create a new store for spec s (coordinates, every dataset NaN-filled,
 * provenance; shard "" or "I/N"; no /traces when with_traces is 0) in a fresh unique file
 * TARGET.tmp-XXXXXX beside target (fsafe_temp_create), its name in tmp[cap]. Stores are only
 * made this way, so a new store appears at its path whole or not at all. The caller owns that file: it renames it
 * into place (fsafe_commit) after store_close, or removes it (fsafe_temp_discard). On failure
 * nothing is left behind and tmp is "". */
SWEEP_MUST_USE int store_create_temp(const char *target, const spec *s, const char *shard, int with_traces,
                      char *tmp, size_t cap, store **out, sweep_errbuf *eb);

/* store_open - Open an existing store (read-write when writable). The code says what the file
 * is, so that callers branch on it and never on message text:
 *   SWEEP_ERR_IO          no such file (or it cannot be read at all)
 *   SWEEP_ERR_BUSY        another process holds HDF5's lock on it (a reader or a writer)
 *   SWEEP_ERR_NOT_OURS    a directory, not an HDF5 file, or HDF5 without ufmsweep's schema_version
 *   SWEEP_ERR_NEWER       a ufmsweep store of a newer schema_version than this build reads
 *   SWEEP_ERR_OTHER_SPEC  s given and the store's grid or spec hash differs (both in eb), or
 *                         its layout is not s->layout
 *   SWEEP_ERR_DAMAGED     an HDF5 file that cannot be opened, or ours with missing datasets or
 *                         inconsistent shapes
 *   SWEEP_ERR_LEFT_OPEN   HDF5 marks the file open by a writer and refuses it: for writing,
 *                         whenever a writer holds it or was killed (readers can still open a
 *                         store a writer holds in SWMR mode, and run --resume rebuilds one)
 * Stores in HDF5 1.10's format are opened in SWMR mode (store_h5_open): a writer lets readers
 * in while it writes, and readers take no file locks, so they never block a writer. */
SWEEP_MUST_USE int store_open(const char *path, const spec *s, int writable, store **out, sweep_errbuf *eb);

/* store_open_with_spec - store_open(path, NULL, writable) and the spec it was made from, parsed
 * from /provenance/spec (trusted: it was validated when the store was made): the one way the
 * commands that read a store (status, export, compact, merge) open it. Codes as store_open;
 * SWEEP_ERR_DAMAGED when the stored spec cannot be read or does not parse. *st and *s are
 * the caller's (store_close, spec_destroy); both NULL on failure. */
SWEEP_MUST_USE int store_open_with_spec(const char *path, int writable, store **st, spec **s, sweep_errbuf *eb);

/* store_identify - What the file at path is, without keeping it open: SWEEP_OK for a ufmsweep
 * store this build reads (*same_grid set to 1 when s is given and its grid hash matches), else
 * the codes of store_open. Read-only; never changes the file. */
SWEEP_MUST_USE int store_identify(const char *path, const spec *s, int *same_grid, sweep_errbuf *eb);

/* store_superblock_flags - Read HDF5's superblock version and file consistency flags (bit 0:
 * a writer has the file open, bit 2: in SWMR mode) from the file's first bytes, without HDF5
 * and without changing anything. A writer that was killed leaves the flags set. SWEEP_OK,
 * SWEEP_ERR_IO (cannot read) or SWEEP_ERR_NOT_OURS (no HDF5 signature at offset 0). */
SWEEP_MUST_USE int store_superblock_flags(const char *path, int *version, int *flags);

/* store_is_live - 1 when the store was opened in SWMR mode: as a writer, readers can follow
 * what it commits (store_flush); as a reader, it sees what a writer had committed when it
 * opened. 0 for stores made before 0.2 (HDF5 1.8 format), which readers cannot open while a
 * run writes. */
SWEEP_MUST_USE int store_is_live(const store *st);

/* store_stamp_commits - From now on store_write_points records the time of each write in
 * /status/commit_time (the sweep writer turns it on; points replayed or copied keep NaN there:
 * their time is not known). No-op for stores without that dataset. */
void store_stamp_commits(store *st, int on);

/* store_read_commit_times - t[n_points] seconds since 1970 (UTC) when each point was committed,
 * NaN when pending or not known. SWEEP_ERR_UNSUPPORTED for stores made before 0.2. */
SWEEP_MUST_USE int store_read_commit_times(store *st, double *t, sweep_errbuf *eb);

/* store_close - Close (NULL accepted), set *st = NULL. Returns the first HDF5 error. */
SWEEP_MUST_USE int store_close(store **st);

/* store_discard - store_close on a cleanup path, where a failed close can no longer be acted on
 * (a reader, or a writer whose run already failed). NULL accepted. */
void store_discard(store **st);

/* store_spec_text - the spec text stored in /provenance/spec (caller frees); resolved: the
 * spec with its overrides applied (/provenance/spec_resolved) when the run had overrides, the
 * text that parses to the store's spec. */
SWEEP_MUST_USE int store_spec_text(const char *path, int resolved, char **text, size_t *len, sweep_errbuf *eb);

/* store_grid_matches - 1 when the store was made for a spec of the meaning of s (grid_sha256, or
 * the hash ufmsweep 0.2 gave the same spec). */
SWEEP_MUST_USE int store_grid_matches(store *st, const spec *s);

/* store_read_sources - source[n_points]: /status/source (-1 computed, 0 copied within the store,
 * i >= 1 from reuse source i); all -1 for stores made before 0.3. */
SWEEP_MUST_USE int store_read_sources(store *st, int32_t *source, sweep_errbuf *eb);

/* store_add_reuse_source - Append one line of text (a JSON object naming a --reuse store) to the
 * reuse_sources attribute of /provenance; *index receives its number (1-based: the value of
 * /status/source for points copied from it). */
SWEEP_MUST_USE int store_add_reuse_source(store *st, const char *text, int *index, sweep_errbuf *eb);

/* store_has_field - 1 when the store holds the dataset of field `field` of the record's table
 * (record_fields): /results only where the spec solves, /traces only with traces, the optional
 * fields only in stores made since they exist. */
SWEEP_MUST_USE int store_has_field(const store *st, int field);

/* store_read_field - the whole dataset of a numeric field as doubles into out: n_points values
 * in the grid's C order, a trace field n_points * trace_points (point-major). Every chunk is
 * checked against its Fletcher-32 checksum. SWEEP_ERR_UNSUPPORTED when the store has no such
 * dataset, SWEEP_ERR_DAMAGED when its size is not the grid's or a read fails. */
SWEEP_MUST_USE int store_read_field(store *st, int field, double *out, sweep_errbuf *eb);

/* store_read_messages - /status/message of every point into out (n_points strings, each
 * starting at out + p * stride, stride >= sizeof point_record.message, NUL-terminated; "" in
 * stores without messages). */
SWEEP_MUST_USE int store_read_messages(store *st, char *out, size_t stride, sweep_errbuf *eb);

/* store_read_status - state[n_points] and attempts[n_points] (either may be NULL). */
SWEEP_MUST_USE int store_read_status(store *st, uint8_t *state, int32_t *attempts, sweep_errbuf *eb);

/* store_write_points - Write count records (and their traces, P doubles per field, may be NULL
 * without traces): data first, then the status datasets with the state flags last. */
SWEEP_MUST_USE int store_write_points(store *st, const point_record *recs, const double *traces, int count,
                       sweep_errbuf *eb);

/* store_read_points - Read back the records (and traces) of the given points. */
SWEEP_MUST_USE int store_read_points(store *st, const int64_t *points, int count, point_record *recs,
                      double *traces, sweep_errbuf *eb);

/* store_copy_finished - Copy every finished point of src (state != pending) into dst (traces
 * only when both have them). taken[n_points] (may be NULL) marks points already copied from
 * elsewhere: they are skipped and counted in *duplicates, and the copied ones are marked. */
SWEEP_MUST_USE int store_copy_finished(store *dst, store *src, unsigned char *taken, int64_t *copied,
                        int64_t *duplicates, sweep_errbuf *eb);

/* store_copy_runs - Append src's provenance rows to dst, renumbered from *next_run. */
SWEEP_MUST_USE int store_copy_runs(store *dst, store *src, int *next_run, sweep_errbuf *eb);

/* store_flush - H5Fflush of everything written so far. */
SWEEP_MUST_USE int store_flush(store *st, sweep_errbuf *eb);

/* store_sync - store_flush, then fsync of the file: what was written survives a crash of the
 * machine, not only of the process (before a journal checkpoint drops its records). */
SWEEP_MUST_USE int store_sync(store *st, sweep_errbuf *eb);

/* store_verify_identity - SWEEP_OK when st's /provenance/spec is the text its spec_sha256 names
 * and s (parsed from its resolved spec) the study its grid_sha256 names; SWEEP_ERR_DAMAGED
 * naming the file and what does not match otherwise (a store whose spec was edited). */
SWEEP_MUST_USE int store_verify_identity(store *st, const spec *s, sweep_errbuf *eb);

/* store_check_points - read every finished point back (records and traces), so that HDF5
 * checks each chunk against its checksum: SWEEP_ERR_DAMAGED naming the file when one fails. */
SWEEP_MUST_USE int store_check_points(store *st, sweep_errbuf *eb);

/* store_numerics_version - the numerics version of the store's points (attribute
 * numerics_version; 1 for stores of ufmsweep 0.3.x made before it existed, 0 for older ones):
 * POINT_NUMERICS_VERSION for every store this program computes into. */
SWEEP_MUST_USE int64_t store_numerics_version(const store *st);

/* store_check_path - SWEEP_OK when the store's path still names the file open here (sec2
 * driver: same device and inode); SWEEP_ERR_REPLACED when it was deleted, moved away or
 * replaced by another file while open (a clean-up script, a user's rm, a command that wrote
 * there). Writers call it after each flush. */
SWEEP_MUST_USE int store_check_path(store *st, sweep_errbuf *eb);

/* store_set_writing - the open_for_writing root attribute (1 while a run writes). */
SWEEP_MUST_USE int store_set_writing(store *st, int writing, sweep_errbuf *eb);

/* store_get_writing - its value (1 means the last writer did not close the store). */
SWEEP_MUST_USE int store_get_writing(store *st, int *writing);

/* store_run_put - Write run row `row->run` (appending when it is the next row). */
SWEEP_MUST_USE int store_run_put(store *st, const store_run_row *row, sweep_errbuf *eb);

/* store_run_count / store_run_get - read the provenance rows. */
SWEEP_MUST_USE int store_run_count(store *st, int *n);
SWEEP_MUST_USE int store_run_get(store *st, int i, store_run_row *row);

/* The root attributes of the current run (strings borrowed). */
typedef struct store_run_info {
    int mpi_size;
    const char *hostname;        /* rank 0's */
    const char *hostnames;       /* every rank's, comma-separated, unique */
    const char *slurm_job_id;    /* "" outside SLURM */
    const char *program_version;
    const char *mpi_library, *hdf5_library, *blas_library;
    const char *source_commit;   /* the git commit of the build ("unknown" outside a checkout) */
} store_run_info;

/* store_set_run_attrs - write info as the root attributes mpi_size, hostname, hostnames,
 * slurm_job_id, program_version, mpi_library, hdf5_library, blas_library, source_commit. */
SWEEP_MUST_USE int store_set_run_attrs(store *st, const store_run_info *info, sweep_errbuf *eb);

/* store_attr_string - read a root string attribute ("" when absent). */
void store_attr_string(store *st, const char *name, char *buf, size_t cap);

/* store_layout - how the store holds its points (spec_layout; stores before 0.4: grid). A
 * reader lays the spec out the same way (spec_set_layout) before it names points. */
SWEEP_MUST_USE int store_layout(const store *st);

/* store_n_points, store_trace_points - sizes. */
SWEEP_MUST_USE int64_t store_n_points(const store *st);
SWEEP_MUST_USE int store_trace_points(const store *st);

/* store_verify - every check of `ufmsweep verify` on the store at path, read only: it opens
 * and is ours; /provenance/spec against spec_sha256 and the spec it makes against grid_sha256;
 * the coordinates against the spec's axes and every /provenance/runs row; every dataset of the
 * record's field table that the store must hold, read whole (each chunk's Fletcher-32 checksum)
 * with its dimension scales; status against data (finished points have their data, pending
 * points none, not_in_study where the spec's blocks say); and, when PATH.journal exists, that it
 * holds every finished point with the same values. Each finding is passed to report(user, text)
 * as it is found. *live (may be NULL) is set to 1 when a run writes the store now (then pending
 * points and a torn journal tail are not judged); *findings (may be NULL) to their number.
 * Returns SWEEP_OK when the checks ran (whatever they found), SWEEP_ERR_NOMEM when they could
 * not. Root rank. */
typedef void (*store_finding_fn)(void *user, const char *text);
SWEEP_MUST_USE int store_verify(const char *path, store_finding_fn report, void *user, int *live,
                                int *findings);

/* store_verify_coords - Compare every coordinate dataset (/coords and the scales in each data
 * group, and the trace iterations) with the values spec s expands to, bit for bit: SWEEP_OK, or
 * SWEEP_ERR_DAMAGED naming the first difference (a changed coordinate relabels results). */
SWEEP_MUST_USE int store_verify_coords(store *st, const spec *s, sweep_errbuf *eb);

/* store_verify_runs - Read every /provenance/runs row (a Fletcher-32 mismatch fails the read)
 * and check it: row i says run i, ranks >= 1, points_done >= 0, a known exit_reason, strings
 * terminated. SWEEP_OK or SWEEP_ERR_DAMAGED naming the row. */
SWEEP_MUST_USE int store_verify_runs(store *st, sweep_errbuf *eb);

/* store_quiet - HDF5's own printing of errors off for this process (every store function
 * reports its failures with context through sweep_errbuf). Call once, before other store calls. */
void store_quiet(void);

/* store_files_left_open - the number of HDF5 files this process still has open (after every
 * store was closed: a file HDF5 failed to close, e.g. when its last flush hit a full disk). */
SWEEP_MUST_USE int store_files_left_open(void);

/* utc_now - "2026-11-26T14:28:56Z". */
void utc_now(char buf[32]);

#endif /* UFMSWEEP_STORE_H */
