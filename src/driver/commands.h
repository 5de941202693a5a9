/* commands.h - one entry point per `ufmsweep COMMAND`. Each returns the process exit code:
 * 0 done, 1 failed (message on stderr), 3 stopped early on a signal (sweep only), 4 the sweep
 * ended but some points of the study failed (sweep only: their messages in `status --failed`). */
#ifndef UFMSWEEP_COMMANDS_H
#define UFMSWEEP_COMMANDS_H

#include "sweep_err.h"

#define UFMSWEEP_EXIT_OK 0
#define UFMSWEEP_EXIT_FAIL 1
#define UFMSWEEP_EXIT_STOPPED 3
#define UFMSWEEP_EXIT_POINTS_FAILED 4

/* cmd_theory_main - `ufmsweep theory [PROBLEM] [LOSS] [--json] [--matrices]`; argv[0] is
 * "theory". Serial; no MPI. */
SWEEP_MUST_USE int cmd_theory_main(int argc, char **argv);

/* cmd_solve_main - `ufmsweep solve [PROBLEM] [LOSS] [SOLVER] [--json] [--trace-csv FILE]`.
 * Serial; no MPI. */
SWEEP_MUST_USE int cmd_solve_main(int argc, char **argv);

/* cmd_run_main - `ufmsweep run SPEC.yaml [...]`. Collective on MPI_COMM_WORLD (initializes
 * and finalizes MPI). */
SWEEP_MUST_USE int cmd_run_main(int argc, char **argv);

/* cmd_status_main - `ufmsweep status STORE.h5 [--json]`. Serial. */
SWEEP_MUST_USE int cmd_status_main(int argc, char **argv);

/* cmd_merge_main - `ufmsweep merge OUT.h5 SHARD.h5...`. Serial. */
SWEEP_MUST_USE int cmd_merge_main(int argc, char **argv);

/* cmd_verify_main - `ufmsweep verify STORE.h5 [--json]`. Serial, read-only. */
SWEEP_MUST_USE int cmd_verify_main(int argc, char **argv);

/* cmd_export_main - `ufmsweep export STORE.h5 --format csv|netcdf -o FILE`. Serial. */
SWEEP_MUST_USE int cmd_export_main(int argc, char **argv);

/* cmd_compact_main - `ufmsweep compact STORE.h5 -o OUT.h5 [--drop-traces]`. Serial. */
SWEEP_MUST_USE int cmd_compact_main(int argc, char **argv);

/* cmd_measure_main - `ufmsweep measure FILE.h5 [PROBLEM] [LOSS] [--json]`. Serial, no MPI. */
SWEEP_MUST_USE int cmd_measure_main(int argc, char **argv);

#endif /* UFMSWEEP_COMMANDS_H */
