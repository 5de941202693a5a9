/* fuzz_cli - the command-line parser of `theory` and `solve` under libFuzzer (or, without it, a
 * replay of a corpus). The input is split at newlines into argv (at most 64 arguments) and parsed
 * with every PROBLEM, LOSS and SOLVER option and the commands' own flags; then, when it parses,
 * the objects a solve needs are built from it (profile, loss vectors, implicit-bias problem,
 * prediction). Any crash, leak or sanitizer report is a bug, and so is a broken property
 * (abort): a refusal says why (a code and a message), and options that parse are finalized
 * (finalizing them again changes nothing) and print the same canonical text when parsed twice.
 * The same argv also goes through cli_parse_args with a table of every kind of command option
 * (flags, values, an optional value, a list) and positional arguments, as `run` and `status`
 * use it: a refusal says why, and what it accepts stays within the table's bounds. */
#include "cli.h"
#include "geom.h"
#include "loss.h"
#include "params.h"
#include "profile.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int accept_plain(const char *arg)
{
    return arg[0] != '-' && strchr(arg, '=') == NULL;
}

/* the command table of a run-like command over argv */
static void fuzz_command_table(int argc, char **argv)
{
    int flag = 0, watch = 0, n_list = 0, n_pos = 0, help = 0;
    double seconds = -1, every = -1;
    const char *text = NULL, *list[4], *pos[3];
    const cli_arg args[] = {
        {.name = "flag", .kind = CLI_FLAG, .out = &flag},
        {.name = "text", .alias = "-o", .kind = CLI_VALUE, .out = &text, .metavar = "T"},
        {.name = "seconds", .kind = CLI_VALUE, .out = &seconds, .parse = cli_parse_positive},
        {.name = "watch",
         .kind = CLI_OPTIONAL_VALUE,
         .out = &every,
         .flag = &watch,
         .parse = cli_parse_nonnegative,
         .accept = accept_plain},
        {.name = "list",
         .kind = CLI_VALUES,
         .out = list,
         .accept = accept_plain,
         .count = &n_list,
         .max = 4,
         .metavar = "L..."},
    };
    const cli_command c = {.usage = "fuzz A [B [C]]",
                           .args = args,
                           .n_args = 5,
                           .positional = pos,
                           .min_positional = 1,
                           .max_positional = 3,
                           .n_positional = &n_pos,
                           .positional_name = "A"};
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    const int ret = cli_parse_args(&c, argc, argv, 1, &help, &eb);
    if (ret != SWEEP_OK && (ret != SWEEP_ERR_ARG || eb.msg[0] == '\0'))
        abort(); /* a refusal that does not say why */
    if (ret == SWEEP_OK && !help &&
        (n_pos < 1 || n_pos > 3 || n_list < 0 || n_list > 4 || (seconds != -1 && !(seconds > 0)) ||
         (every != -1 && !(every >= 0)) || (every != -1 && !watch)))
        abort(); /* accepted outside the table's bounds */
    for (int i = 0; ret == SWEEP_OK && !help && i < n_pos; i++)
        if (pos[i] == NULL || (pos[i][0] == '-' && pos[i][1] != '\0'))
            abort(); /* an option taken as a positional argument */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[4096];
    char *argv[66];
    int argc = 0, json = 0, help = 0;
    const char *trace = NULL;
    if (size >= sizeof buf)
        size = sizeof buf - 1;
    memcpy(buf, data, size);
    buf[size] = '\0';
    argv[argc++] = "solve";
    for (char *p = buf; p != NULL && argc < 65;) {
        char *nl = strchr(p, '\n');
        if (nl != NULL)
            *nl = '\0';
        argv[argc++] = p;
        p = nl ? nl + 1 : NULL;
    }
    argv[argc] = NULL;
    fuzz_command_table(argc, argv);
    const cli_arg opts[] = {{.name = "json", .kind = CLI_FLAG, .out = &json, .help = "json"},
                            {.name = "trace-csv",
                             .kind = CLI_VALUE,
                             .out = &trace,
                             .metavar = "FILE",
                             .help = "trace"}};
    point_params pp;
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    params_default(&pp);
    const int ret = cli_parse(argc, argv, 1, PARAM_GROUP_PROBLEM | PARAM_GROUP_LOSS |
                                                 PARAM_GROUP_SOLVER,
                              opts, 2, &pp, &help, &eb);
    if (ret != SWEEP_OK && (ret >= 0 || eb.msg[0] == '\0'))
        abort(); /* a refusal that does not say why */
    if (ret == SWEEP_OK && !help) {
        point_params again = pp;
        char *a = params_canonical_dup(&pp, ~0u);
        if (params_finalize(&again, NULL) != SWEEP_OK)
            abort(); /* accepted options that do not finalize */
        char *b = params_canonical_dup(&again, ~0u);
        if (a == NULL || b == NULL || strcmp(a, b) != 0)
            abort(); /* finalizing twice changed them */
        free(a);
        free(b);
    }
    if (ret == SWEEP_OK && !help) {
        profile *prof = NULL;
        loss_vectors *lv = NULL;
        geom_problem *gp = NULL;
        geom_prediction *pred = NULL;
        if (profile_create(&pp.profile, &prof, &eb) == SWEEP_OK &&
            loss_vectors_create(&pp.loss, prof, &lv, &eb) == SWEEP_OK &&
            geom_problem_from_loss(prof, lv, &gp, &eb) == SWEEP_OK && prof->k <= 64) {
            const int rc = geom_predict(gp, &pred, &eb); /* a refusal is a valid outcome */
            (void)rc;
        }
        geom_prediction_destroy(&pred);
        geom_problem_destroy(&gp);
        loss_vectors_destroy(&lv);
        profile_destroy(&prof);
    }
    return 0;
}

#include "fuzz_replay_main.h"
