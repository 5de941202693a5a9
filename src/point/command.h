/* command.h - the command template of `solver: external`: checked, split into arguments and
 * filled with a point's values. No shell is involved anywhere: the template is split once at
 * blanks (single or double quotes group words, a backslash escapes the next character), and
 * placeholders are replaced inside each argument, so a value can never become a second argument
 * or shell syntax. Serial, no MPI, no files.
 *
 * Placeholders: {out} the file the command must write (point_measure's format), {seed} the
 * point's seed, {point} its index in the grid, {name} the point's value of any option (spec key
 * or option name: {gamma}, {loss}, {n_min}; numbers in their shortest round-trip form, vectors
 * comma-separated), {{ and }} literal braces.
 */
#ifndef UFMSWEEP_COMMAND_H
#define UFMSWEEP_COMMAND_H

#include "params.h"
#include "sweep_err.h"

#include <stdint.h>

/* point_command_check - SWEEP_OK when tmpl splits, names only known placeholders and contains
 * {out}; else SWEEP_ERR_ARG naming the problem (key "command"). */
SWEEP_MUST_USE int point_command_check(const char *tmpl, sweep_errbuf *eb);

/* point_command_argv - The arguments of tmpl for point (options pp, out_path for {out}): a
 * NULL-terminated array of *argc malloc'd strings in *argv_out (free with
 * point_command_argv_free). SWEEP_ERR_ARG as point_command_check, SWEEP_ERR_NOMEM. */
SWEEP_MUST_USE int point_command_argv(const char *tmpl, const point_params *pp, int64_t point,
                       const char *out_path, char ***argv_out, int *argc, sweep_errbuf *eb);

/* point_command_argv_free - free what point_command_argv made (NULL accepted), set *argv NULL. */
void point_command_argv_free(char ***argv);

#endif /* UFMSWEEP_COMMAND_H */
