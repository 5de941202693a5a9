/* ext.h - real networks next to the UFM: the file format a training program writes (read by
 * `ufmsweep measure` and by `solver: external`), and the runner of an external command for one
 * point (no shell, a time limit, its output kept, killed on a stop signal). Serial HDF5 reads
 * of small files the caller names; any rank. No MPI. docs/DEEPNET.md.
 *
 * The file (HDF5, any float and integer types; read as float64 and int64):
 *   W       k x d   the classifier, like PyTorch's fc.weight
 *   H       n x d   the features of the training examples, one row per example
 *   labels  n       each in 0..k-1 (every class present)
 *   b       k       optional: the classifier's bias
 */
#ifndef UFMSWEEP_EXT_H
#define UFMSWEEP_EXT_H

#include "point.h"
#include "sweep_err.h"

#include <signal.h>
#include <stdint.h>

/* ext_network_read - Read the network in path into net (the caller clears it with
 * point_network_clear; nothing is left allocated on failure). Every failure names the file and
 * the dataset, and the value where one is wrong: SWEEP_ERR_IO (no such file, not HDF5),
 * SWEEP_ERR_ARG (a dataset missing, of the wrong rank or type, shapes that disagree, a label
 * out of range or a class without examples), SWEEP_ERR_NUMERIC (NaN or Inf), SWEEP_ERR_NOMEM. */
SWEEP_MUST_USE int ext_network_read(const char *path, point_network *net, sweep_errbuf *eb);

/* The runner's settings: where each point's files go, and who runs it. */
typedef struct ext_runner {
    char dir[4096]; /* the per-store directory (STORE.h5.external): points/p<P>-XXXXXX/ gets
                       network.h5, command.out, command.err; "" for a temporary directory */
    int rank;       /* for the environment (UFMSWEEP_RANK) and the scratch names */
} ext_runner;

/* ext_run_point - point_external_fn for a sweep (ctx: an ext_runner): make the point's fresh
 * directory, run pp's command there with {out} its network.h5 (argv from point_command_argv,
 * execvp without a shell, in its own process group, stdin /dev/null, stdout and stderr to
 * command.out/.err, UFMSWEEP_POINT, UFMSWEEP_SEED, UFMSWEEP_OUT, UFMSWEEP_RANK in its
 * environment), wait up to pp's external timeout, then read the file. On *stop or the time limit
 * the command's process group gets SIGTERM, then SIGKILL after 5 s. SWEEP_OK, SWEEP_ERR_INTERRUPTED
 * (stopped: the point stays pending), or the failure with the command's exit and the last line
 * of its stderr in eb. */
SWEEP_MUST_USE int ext_run_point(void *ctx, const point_params *pp, int64_t point,
                  const volatile sig_atomic_t *stop, point_network *net, sweep_errbuf *eb);

/* ext_own_directory - SWEEP_OK when path is a real directory (not a symbolic link) owned by
 * this user; else SWEEP_ERR_NOT_OURS saying what it is: the only kind of directory in which the
 * external commands' files are made (a planted symlink would put them elsewhere). */
SWEEP_MUST_USE int ext_own_directory(const char *path, sweep_errbuf *eb);

#endif /* UFMSWEEP_EXT_H */
