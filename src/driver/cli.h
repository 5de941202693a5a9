/* cli.h - the one command-line parser of every command: a table of the command's own options
 * (cli_arg), the point options of the option table (src/point/params.c) for the commands that
 * take them, and positional arguments. Serial, no MPI. */
#ifndef UFMSWEEP_CLI_H
#define UFMSWEEP_CLI_H

#include "sweep_err.h"

#include "params.h"

#include <stddef.h>
#include <stdio.h>

typedef enum cli_arg_kind {
    CLI_FLAG,           /* --name: *(int *)out = 1 */
    CLI_VALUE,          /* --name VALUE or --name=VALUE: parse(VALUE, out), or without parse
                           *(const char **)out = VALUE (borrowed from argv) */
    CLI_OPTIONAL_VALUE, /* --name [VALUE]: a flag (*(int *)flag = 1) whose next argument is its
                           value when accept(next) says so */
    CLI_VALUES          /* --name V1 [V2 ...]: the following arguments that accept() takes, into
                           ((const char **)out)[*count], at most max; at least one */
} cli_arg_kind;

/* parse a value into out: SWEEP_OK, or SWEEP_ERR_ARG with a message naming the option */
typedef int (*cli_value_fn)(const char *option, const char *value, void *out, sweep_errbuf *eb);
/* whether an argument is a value of the option (1) or the next argument of the command (0) */
typedef int (*cli_accept_fn)(const char *arg);

typedef struct cli_arg {
    const char *name;     /* long name without "--" */
    const char *alias;    /* a short form such as "-o", or NULL */
    cli_arg_kind kind;
    void *out;            /* FLAG: int; VALUE: const char * or what parse fills; VALUES: const
                             char *[max]; OPTIONAL_VALUE: what parse fills */
    cli_value_fn parse;   /* VALUE, OPTIONAL_VALUE: NULL takes the text itself */
    cli_accept_fn accept; /* OPTIONAL_VALUE, VALUES */
    int *flag;            /* OPTIONAL_VALUE: set to 1 when the option is given */
    int *count;           /* VALUES */
    int max;              /* VALUES */
    const char *metavar;  /* help: "FILE" (NULL for a flag) */
    const char *help;
} cli_arg;

/* A command's arguments: its options, the point options of `groups` (0: none) into pp, and
 * between min_positional and max_positional positional arguments (named positional_name in
 * messages) into positional[]. */
typedef struct cli_command {
    const char *usage;          /* "ufmsweep verify STORE.h5 [--json]": the line messages show */
    const cli_arg *args;
    size_t n_args;
    unsigned groups;
    point_params *pp;
    const char **positional;
    int min_positional, max_positional;
    int *n_positional;
    const char *positional_name; /* "STORE.h5" */
} cli_command;

/* cli_parse_args - parse argv[first..argc) against c: `--help`/`-h` sets *want_help and stops;
 * options by name (`--name value`, `--name=value`, aliases); the rest positional. Returns
 * SWEEP_OK or SWEEP_ERR_ARG with a message naming the argument (unknown option, a missing or
 * bad value, an unexpected or missing positional argument) and the usage. Point options are
 * set, not finalized (cli_parse finalizes). */
SWEEP_MUST_USE int cli_parse_args(const cli_command *c, int argc, char **argv, int first,
                                  int *want_help, sweep_errbuf *eb);

/* cli_parse - the single-point commands (theory, solve, measure): point options of `groups`
 * into pp and the command's options, no positional argument; then params_finalize. */
SWEEP_MUST_USE int cli_parse(int argc, char **argv, int first, unsigned groups,
                             const cli_arg *args, size_t n_args, point_params *pp,
                             int *want_help, sweep_errbuf *eb);

/* cli_print_options - the help lines of a table of command options. */
void cli_print_options(FILE *f, const cli_arg *args, size_t n_args);

/* value parsers for cli_arg.parse: seconds > 0 (double), a number >= 0 (double) */
SWEEP_MUST_USE int cli_parse_positive(const char *option, const char *value, void *out,
                                      sweep_errbuf *eb);
SWEEP_MUST_USE int cli_parse_nonnegative(const char *option, const char *value, void *out,
                                         sweep_errbuf *eb);

#endif /* UFMSWEEP_CLI_H */
