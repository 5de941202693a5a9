/* `ufmsweep compact STORE.h5 -o OUT.h5 [--drop-traces]`: a finished store rewritten for keeping. */
#include "cli.h"
#include "commands.h"
#include "fsafe.h"
#include "testhook.h"
#include "point.h"
#include "spec.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* a finding of the copy's verification, as `verify` would list it */
static void print_finding(void *user, const char *text)
{
    (void)user;
    fprintf(stderr, "ufmsweep compact: the copy: %s\n", text);
}

int cmd_compact_main(int argc, char **argv)
{
    int exit_code = UFMSWEEP_EXIT_FAIL, drop = 0;
    const char *path = NULL, *out = NULL;
    sweep_errbuf eb;
    spec *s = NULL;
    store *in = NULL, *dst = NULL;
    char tmp[4200] = "";

    int n_pos = 0, want_help = 0;
    const cli_arg args[] = {
        {.name = "output",
         .alias = "-o",
         .kind = CLI_VALUE,
         .out = &out,
         .metavar = "OUT.h5",
         .help = "the compacted store (it must not exist)"},
        {.name = "drop-traces", .kind = CLI_FLAG, .out = &drop, .help = "leave the traces out"},
    };
    const cli_command cmd = {.usage = "ufmsweep compact STORE.h5 -o OUT.h5 [--drop-traces]",
                             .args = args,
                             .n_args = 2,
                             .positional = &path,
                             .min_positional = 1,
                             .max_positional = 1,
                             .n_positional = &n_pos,
                             .positional_name = "store"};
    sweep_errbuf_clear(&eb);
    store_quiet();
    if (cli_parse_args(&cmd, argc, argv, 1, &want_help, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep compact: %s\n", eb.msg);
        return UFMSWEEP_EXIT_FAIL;
    }
    if (want_help) {
        printf("usage: %s\n\n"
               "Rewrite a store into OUT.h5 without its journal and free space, repacked\n"
               "(chunked, compressed, checksummed as new), with every finished point, the\n"
               "provenance and, unless --drop-traces, the traces; then verify OUT.h5. The\n"
               "input is only read. OUT.h5 must not exist; it appears only once verified.\n"
               "Exit 0, or 1 with a message.\n\nOptions:\n",
               cmd.usage);
        cli_print_options(stdout, args, 2);
        return UFMSWEEP_EXIT_OK;
    }
    if (out == NULL) {
        fprintf(stderr, "ufmsweep compact: -o OUT.h5 missing (usage: %s)\n", cmd.usage);
        return UFMSWEEP_EXIT_FAIL;
    }
    const char *inputs[1] = {path};
    if (fsafe_check_output(out, inputs, 1, 0, "another -o", &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep compact: %s\n", eb.msg);
        return UFMSWEEP_EXIT_FAIL;
    }
    int sb_version = -1, sb_flags = 0;
    if (store_superblock_flags(path, &sb_version, &sb_flags) == SWEEP_OK && (sb_flags & 0x05)) {
        /* a copy of a store in flight would hold some points of a batch and not others */
        fprintf(stderr, "ufmsweep compact: %s: a writer has it open (a run writes it now, or the "
                        "last one was killed: `ufmsweep run --resume` closes it): compact it "
                        "once no run writes it\n",
                path);
        goto cleanup;
    }
    if (store_open_with_spec(path, 0, &in, &s, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep compact: %s\n", eb.msg);
        goto cleanup;
    }
    char shard[32];
    store_attr_string(in, "shard", shard, sizeof shard);
    if (store_create_temp(out, s, shard, !drop, tmp, sizeof tmp, &dst, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep compact: %s\n", eb.msg);
        goto cleanup;
    }
    fsafe_temp_guard(tmp); /* a stop signal removes it */
    int64_t copied = 0, dups = 0;
    int run = 0;
    if (store_copy_finished(dst, in, NULL, &copied, &dups, &eb) != SWEEP_OK ||
        store_copy_runs(dst, in, &run, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep compact: %s\n", eb.msg);
        goto cleanup;
    }
    if (store_set_writing(dst, 0, &eb) != SWEEP_OK || store_close(&dst) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep compact: cannot finish %s: %s\n", tmp, eb.msg);
        goto cleanup;
    }
    store_discard(&in);
    /* verified before it takes its name: a copy that does not verify never becomes OUT */
    int findings = 0;
    if (store_verify(tmp, print_finding, NULL, NULL, &findings) != SWEEP_OK || findings > 0) {
        fprintf(stderr, "ufmsweep compact: the copy does not verify; %s not written\n", out);
        goto cleanup;
    }
    test_hook_hold("output");
    if (fsafe_commit(tmp, out, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep compact: %s\n", eb.msg);
        goto cleanup;
    }
    tmp[0] = '\0';
    fprintf(stderr, "[ufmsweep] compacted %lld finished points into %s (verified)%s\n",
            (long long)copied, out, drop ? ", without traces" : "");
    exit_code = UFMSWEEP_EXIT_OK;
cleanup:
    store_discard(&dst);
    store_discard(&in);
    fsafe_temp_guard(NULL);
    fsafe_temp_discard(tmp);
    spec_destroy(&s);
    return exit_code;
}
