#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const cli_arg *find_arg(const cli_command *c, const char *name, int alias)
{
    for (size_t j = 0; j < c->n_args; j++) {
        const cli_arg *a = &c->args[j];
        if (alias ? (a->alias != NULL && strcmp(a->alias, name) == 0) : strcmp(a->name, name) == 0)
            return a;
    }
    return NULL;
}

/* one option of the command's table, its value (if any) taken from `inline_value` (--x=v) or
 * the following arguments (*i advanced past them) */
static int apply_arg(const cli_arg *a, const char *shown, const char *inline_value, int argc,
                     char **argv, int *i, sweep_errbuf *eb)
{
    switch (a->kind) {
    case CLI_FLAG:
        if (inline_value != NULL)
            return sweep_err_set(eb, SWEEP_ERR_ARG, "%s takes no value (got '%s')", shown,
                                 inline_value);
        *(int *)a->out = 1;
        return SWEEP_OK;
    case CLI_OPTIONAL_VALUE:
        *a->flag = 1;
        if (inline_value == NULL && (*i + 1 >= argc || !a->accept(argv[*i + 1])))
            return SWEEP_OK;
        /* fall through - the option has a value */
    case CLI_VALUE: {
        const char *v = inline_value;
        if (v == NULL) {
            if (*i + 1 >= argc)
                return sweep_err_set(eb, SWEEP_ERR_ARG, "%s needs a value (%s)", shown,
                                     a->metavar != NULL ? a->metavar : "VALUE");
            v = argv[++*i];
        }
        if (a->parse != NULL)
            return a->parse(shown, v, a->out, eb);
        *(const char **)a->out = v;
        return SWEEP_OK;
    }
    case CLI_VALUES: {
        const char **out = a->out;
        int taken = 0;
        if (inline_value != NULL)
            return sweep_err_set(eb, SWEEP_ERR_ARG, "%s takes its values after a space (%s)", shown,
                                 a->metavar);
        while (*i + 1 < argc && a->accept(argv[*i + 1])) {
            if (*a->count >= a->max)
                return sweep_err_set(eb, SWEEP_ERR_ARG, "%s: at most %d values", shown, a->max);
            out[(*a->count)++] = argv[++*i];
            taken++;
        }
        if (taken == 0)
            return sweep_err_set(eb, SWEEP_ERR_ARG, "%s needs one or more values (%s)", shown,
                                 a->metavar);
        return SWEEP_OK;
    }
    }
    return SWEEP_ERR_INTERNAL;
}

/* an argument that starts with '-': the command's option, or a point option */
static int parse_option(const cli_command *c, int argc, char **argv, int *i, sweep_errbuf *eb)
{
    const char *arg = argv[*i];
    const cli_arg *a = strncmp(arg, "--", 2) != 0 ? find_arg(c, arg, 1) : NULL;
    if (a != NULL)
        return apply_arg(a, arg, NULL, argc, argv, i, eb);
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
        return sweep_err_set(eb, SWEEP_ERR_ARG, "unknown option '%.80s' (see --help)", arg);
    char name[64], shown[72];
    const char *eq = strchr(arg + 2, '=');
    const size_t len = eq ? (size_t)(eq - (arg + 2)) : strlen(arg + 2);
    if (len >= sizeof name)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "unknown option '%.80s'", arg);
    memcpy(name, arg + 2, len);
    name[len] = '\0';
    snprintf(shown, sizeof shown, "--%s", name);
    if ((a = find_arg(c, name, 0)) != NULL)
        return apply_arg(a, shown, eq ? eq + 1 : NULL, argc, argv, i, eb);
    const param_def *pd = c->groups != 0 && c->pp != NULL ? params_find(name, c->groups) : NULL;
    if (pd == NULL)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "unknown option '--%s' (see --help)", name);
    const char *value = eq ? eq + 1 : NULL;
    if (value == NULL) {
        if (*i + 1 >= argc)
            return sweep_err_set(eb, SWEEP_ERR_ARG, "--%s needs a value (%s)", name, pd->metavar);
        value = argv[++*i];
    }
    return params_set(c->pp, pd, value, eb);
}

int cli_parse_args(const cli_command *c, int argc, char **argv, int first, int *want_help,
                   sweep_errbuf *eb)
{
    int ret;
    *want_help = 0;
    if (c->n_positional != NULL)
        *c->n_positional = 0;
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            *want_help = 1;
            return SWEEP_OK;
        }
        if (arg[0] == '-' && arg[1] != '\0') {
            if ((ret = parse_option(c, argc, argv, &i, eb)) != SWEEP_OK)
                return ret;
        } else if (c->n_positional == NULL || *c->n_positional >= c->max_positional) {
            return sweep_err_set(eb, SWEEP_ERR_ARG,
                                 c->max_positional > 0
                                     ? "unexpected argument '%s' (usage: %s)"
                                     : "unexpected argument '%s' (options are written --name "
                                       "value; usage: %s)",
                                 arg, c->usage);
        } else {
            c->positional[(*c->n_positional)++] = arg;
        }
    }
    if (c->min_positional > 0 && (c->n_positional == NULL || *c->n_positional < c->min_positional))
        return sweep_err_set(eb, SWEEP_ERR_ARG, "no %s given (usage: %s)", c->positional_name,
                             c->usage);
    return SWEEP_OK;
}

int cli_parse(int argc, char **argv, int first, unsigned groups, const cli_arg *args, size_t n_args,
              point_params *pp, int *want_help, sweep_errbuf *eb)
{
    const cli_command c = {
        .usage = "see --help", .args = args, .n_args = n_args, .groups = groups, .pp = pp};
    const int ret = cli_parse_args(&c, argc, argv, first, want_help, eb);
    if (ret != SWEEP_OK || *want_help)
        return ret;
    return params_finalize(pp, eb);
}

void cli_print_options(FILE *f, const cli_arg *args, size_t n_args)
{
    for (size_t j = 0; j < n_args; j++) {
        char lhs[64];
        snprintf(lhs, sizeof lhs, "%s%s--%s%s%s", args[j].alias ? args[j].alias : "",
                 args[j].alias ? ", " : "", args[j].name, args[j].metavar ? " " : "",
                 args[j].metavar ? args[j].metavar : "");
        fprintf(f, "  %-30s %s\n", lhs, args[j].help);
    }
}

static int parse_number(const char *option, const char *value, double lo, int open, double *out,
                        sweep_errbuf *eb)
{
    char *end = NULL;
    errno = 0;
    const double x = strtod(value, &end);
    if (end == value || *end != '\0' || errno == ERANGE || !isfinite(x) ||
        (open ? !(x > lo) : !(x >= lo)))
        return sweep_err_set(eb, SWEEP_ERR_ARG, "%s: '%s' is not a number %s %g", option, value,
                             open ? ">" : ">=", lo);
    *out = x;
    return SWEEP_OK;
}

int cli_parse_positive(const char *option, const char *value, void *out, sweep_errbuf *eb)
{
    return parse_number(option, value, 0.0, 1, out, eb);
}

int cli_parse_nonnegative(const char *option, const char *value, void *out, sweep_errbuf *eb)
{
    return parse_number(option, value, 0.0, 0, out, eb);
}
