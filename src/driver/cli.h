/* cli.h - command-line parsing shared by the single-point commands (theory, solve).
 * Serial, no MPI.
 */
#ifndef UFMSWEEP_CLI_H
#define UFMSWEEP_CLI_H

#include "sweep_err.h"

#include "params.h"

#include <stddef.h>

/* A command-specific option that is not a point parameter. */
typedef struct cli_option {
    const char *name;     /* long name without "--" */
    const char *metavar;  /* NULL for a boolean flag */
    int *flag;            /* boolean flags: set to 1 when present */
    const char **string;  /* options with a value: receives argv's string (borrowed) */
    const char *help;
} cli_option;

/* cli_parse - Parse argv[first..argc) as `--name value`, `--name=value` or boolean `--flag`.
 * Point parameters of `groups` go to pp (then params_finalize runs), command options to opts.
 * `--help`/`-h` sets *want_help and stops. Returns SWEEP_OK or SWEEP_ERR_ARG with a message
 * naming the option and value in eb. */
SWEEP_MUST_USE int cli_parse(int argc, char **argv, int first, unsigned groups, const cli_option *opts,
              size_t n_opts, point_params *pp, int *want_help, sweep_errbuf *eb);

/* cli_print_options - help lines for command options. */
void cli_print_options(FILE *f, const cli_option *opts, size_t n_opts);

#endif /* UFMSWEEP_CLI_H */
