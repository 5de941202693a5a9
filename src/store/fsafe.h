/* fsafe.h - the only ways ufmsweep creates, replaces and removes files.
 *
 * Rules that these functions make hold by construction:
 *   - a temporary file gets a fresh unique name beside its target (TARGET.tmp-XXXXXX, created
 *     with O_CREAT|O_EXCL by mkstemp), so it can never be a file the user already has;
 *   - it replaces the target only by an atomic rename(2), after its data reached the disk;
 *   - it is removed only by the process that created it (fsafe_temp_discard);
 *   - an output path that names one of the inputs, or an existing file the user did not allow
 *     to be replaced, is refused before any work starts.
 * Errors come back as codes of sweep_err.h (SWEEP_ERR_NOSPACE for ENOSPC/EDQUOT,
 * SWEEP_ERR_EXISTS, SWEEP_ERR_IO) with a sentence naming the path in eb.
 * Any rank, no MPI; not thread-safe (reads the umask).
 */
#ifndef UFMSWEEP_FSAFE_H
#define UFMSWEEP_FSAFE_H

#include "sweep_err.h"

#include <stddef.h>

/* fsafe_errno_code - the project's code for an errno value (ENOSPC, EDQUOT: NOSPACE; EEXIST:
 * EXISTS; EWOULDBLOCK/EAGAIN: BUSY; anything else: IO). */
SWEEP_MUST_USE int fsafe_errno_code(int err);

/* fsafe_temp_create - Create an empty file TARGET.tmp-XXXXXX in target's directory, with the
 * mode a plain create would give (0666 less the umask). Its name goes to tmp[cap]. When fd_out
 * is not NULL the file stays open there (caller closes), else it is closed. The caller owns the
 * file: it either commits it (fsafe_commit) or discards it (fsafe_temp_discard). */
SWEEP_MUST_USE int fsafe_temp_create(const char *target, char *tmp, size_t cap, int *fd_out, sweep_errbuf *eb);

/* fsafe_commit - fsync tmp, rename it over target atomically and fsync the directory. tmp must
 * be a file this process made with fsafe_temp_create. */
SWEEP_MUST_USE int fsafe_commit(const char *tmp, const char *target, sweep_errbuf *eb);

/* fsafe_temp_discard - Remove tmp when it is not "" (a file this process created and did not
 * commit), then set tmp[0] = '\0'. Errors are ignored: nothing else can be lost. */
void fsafe_temp_discard(char *tmp);

/* fsafe_temp_guard - for the commands that write one output through a temporary (export,
 * compact, merge): while tmp (a temporary this process made) is guarded, SIGINT, SIGTERM and
 * SIGHUP remove it and then end the process as the signal would; NULL ends the guard (before
 * the temporary is committed or discarded). Not for `run`, whose ranks turn those signals into
 * a stop. A signal handler reaches only static storage: the guarded path is the one piece of
 * process-wide state of this module. */
void fsafe_temp_guard(const char *tmp);

/* fsafe_same_file - 1 when paths a and b both exist and are the same file (device, inode). */
SWEEP_MUST_USE int fsafe_same_file(const char *a, const char *b);

/* fsafe_check_output - Refuse an output path before any work: SWEEP_ERR_ARG when it is a
 * directory or the same file as one of the n_inputs inputs (a replaced input would be lost),
 * SWEEP_ERR_EXISTS when it exists and overwrite is 0 (the message names `flag`, the option that
 * allows it), SWEEP_ERR_IO when its directory is missing. */
SWEEP_MUST_USE int fsafe_check_output(const char *out, const char *const *inputs, int n_inputs, int overwrite,
                       const char *flag, sweep_errbuf *eb);

/* fsafe_check_same - SWEEP_OK when path still names the file open as fd (same device and
 * inode); SWEEP_ERR_REPLACED, with a message naming path and `what` ("store", "journal"), when
 * the path was deleted, renamed away or now names another file. */
SWEEP_MUST_USE int fsafe_check_same(int fd, const char *path, const char *what, sweep_errbuf *eb);

#endif /* UFMSWEEP_FSAFE_H */
