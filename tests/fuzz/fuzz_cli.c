/* fuzz_cli - the command-line parser of `theory` and `solve` under libFuzzer (or, without it, a
 * replay of a corpus). The input is split at newlines into argv (at most 64 arguments) and parsed
 * with every PROBLEM, LOSS and SOLVER option and the commands' own flags; then, when it parses,
 * the objects a solve needs are built from it (profile, loss vectors, implicit-bias problem,
 * prediction). Any crash, leak or sanitizer report is a bug, and so is a broken property
 * (abort): a refusal says why (a code and a message), and options that parse are finalized
 * (finalizing them again changes nothing) and print the same canonical text when parsed twice. */
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
    const cli_option opts[] = {{"json", NULL, &json, NULL, "json"},
                               {"trace-csv", "FILE", NULL, &trace, "trace"}};
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
