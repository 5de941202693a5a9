#include "cli.h"

#include <string.h>

int cli_parse(int argc, char **argv, int first, unsigned groups, const cli_option *opts,
              size_t n_opts, point_params *pp, int *want_help, sweep_errbuf *eb)
{
    *want_help = 0;
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            *want_help = 1;
            return SWEEP_OK;
        }
        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
            return sweep_err_set(eb, SWEEP_ERR_ARG,
                                 "unexpected argument '%s' (options are written --name value)",
                                 arg);
        char name[64];
        const char *value = NULL;
        const char *eq = strchr(arg + 2, '=');
        size_t len = eq ? (size_t)(eq - (arg + 2)) : strlen(arg + 2);
        if (len >= sizeof name)
            return sweep_err_set(eb, SWEEP_ERR_ARG, "unknown option '%.80s'", arg);
        memcpy(name, arg + 2, len);
        name[len] = '\0';
        if (eq)
            value = eq + 1;

        const cli_option *co = NULL;
        for (size_t j = 0; j < n_opts; j++)
            if (strcmp(opts[j].name, name) == 0)
                co = &opts[j];
        const param_def *pd = co ? NULL : params_find(name, groups);
        if (co == NULL && pd == NULL)
            return sweep_err_set(eb, SWEEP_ERR_ARG, "unknown option '--%s' (see --help)", name);
        if (co != NULL && co->metavar == NULL) {
            if (value != NULL)
                return sweep_err_set(eb, SWEEP_ERR_ARG, "--%s takes no value (got '%s')", name,
                                     value);
            *co->flag = 1;
            continue;
        }
        if (value == NULL) {
            if (i + 1 >= argc)
                return sweep_err_set(eb, SWEEP_ERR_ARG, "--%s needs a value (%s)", name,
                                     co ? co->metavar : pd->metavar);
            value = argv[++i];
        }
        if (co != NULL) {
            *co->string = value;
        } else {
            int ret = params_set(pp, pd, value, eb);
            if (ret != SWEEP_OK)
                return ret;
        }
    }
    return params_finalize(pp, eb);
}

void cli_print_options(FILE *f, const cli_option *opts, size_t n_opts)
{
    for (size_t j = 0; j < n_opts; j++) {
        char lhs[64];
        snprintf(lhs, sizeof lhs, "--%s%s%s", opts[j].name, opts[j].metavar ? " " : "",
                 opts[j].metavar ? opts[j].metavar : "");
        fprintf(f, "  %-30s %s\n", lhs, opts[j].help);
    }
}
