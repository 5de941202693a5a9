/* `ufmsweep merge OUT.h5 SHARD.h5...`: join the shard stores of one spec into one store. */
#include "cli.h"
#include "commands.h"
#include "fsafe.h"
#include "point.h"
#include "spec.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void merge_help(FILE *f)
{
    fprintf(f, "usage: ufmsweep merge OUT.h5 SHARD.h5 [SHARD.h5 ...]\n"
               "\n"
               "Write a new store OUT.h5 holding every finished point of the shard stores (made by\n"
               "`ufmsweep run --shard I/N`) and all their provenance rows. Every shard must come\n"
               "from the same spec (same spec and grid hashes); OUT.h5 must not exist. Points still\n"
               "pending in every shard stay pending in OUT.h5 (resume it to finish them).\n"
               "Exit 0, or 1 on any refusal (OUT.h5 is then not created).\n");
}

int cmd_merge_main(int argc, char **argv)
{
    int exit_code = UFMSWEEP_EXIT_FAIL, ret;
    sweep_errbuf eb;
    spec *s = NULL;
    store *out = NULL, *in = NULL;
    unsigned char *taken = NULL;
    char tmp[4200] = "";

    int n_pos = 0, want_help = 0;
    const char **pos = calloc((size_t)(argc > 0 ? argc : 1), sizeof *pos);
    const cli_command cmd = {.usage = "ufmsweep merge OUT.h5 SHARD.h5 [SHARD.h5 ...]",
                             .positional = pos,
                             .min_positional = 2,
                             .max_positional = argc,
                             .n_positional = &n_pos,
                             .positional_name = "OUT.h5 and shard"};
    sweep_errbuf_clear(&eb);
    store_quiet();
    if (pos == NULL || cli_parse_args(&cmd, argc, argv, 1, &want_help, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep merge: %s\n", pos == NULL ? "out of memory" : eb.msg);
        free(pos);
        return UFMSWEEP_EXIT_FAIL;
    }
    if (want_help) {
        merge_help(stdout);
        free(pos);
        return UFMSWEEP_EXIT_OK;
    }
    const char *out_path = pos[0], *const *shards = pos + 1;
    const int n_shards = n_pos - 1;
    if (fsafe_check_output(out_path, shards, n_shards, 0, "another OUT", &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep merge: %s\n", eb.msg);
        free(pos);
        return UFMSWEEP_EXIT_FAIL;
    }
    if (store_open_with_spec(shards[0], 0, &in, &s, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep merge: %s\n", eb.msg);
        goto cleanup;
    }
    store_discard(&in);
    /* every shard must belong to this spec: check all before writing anything */
    for (int i = 0; i < n_shards; i++) {
        if ((ret = store_open(shards[i], s, 0, &in, &eb)) != SWEEP_OK) {
            fprintf(stderr, "ufmsweep merge: %s\n", eb.msg);
            goto cleanup;
        }
        store_discard(&in);
    }
    if (store_create_temp(out_path, s, "", 1, tmp, sizeof tmp, &out, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep merge: %s\n", eb.msg);
        goto cleanup;
    }
    taken = calloc((size_t)s->n_points, 1);
    if (taken == NULL) {
        fprintf(stderr, "ufmsweep merge: out of memory\n");
        goto cleanup;
    }
    int run = 0;
    int64_t merged = 0, duplicates = 0;
    for (int i = 0; i < n_shards; i++) {
        int64_t copied = 0, dups = 0;
        if (store_open(shards[i], s, 0, &in, &eb) != SWEEP_OK ||
            store_copy_finished(out, in, taken, &copied, &dups, &eb) != SWEEP_OK ||
            store_copy_runs(out, in, &run, &eb) != SWEEP_OK) {
            fprintf(stderr, "ufmsweep merge: %s: %s\n", shards[i], eb.msg);
            goto cleanup;
        }
        merged += copied;
        duplicates += dups;
        store_discard(&in);
    }
    if (store_set_writing(out, 0, &eb) != SWEEP_OK || store_close(&out) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep merge: %s: cannot finish writing\n", tmp);
        goto cleanup;
    }
    if (fsafe_commit(tmp, out_path, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep merge: %s\n", eb.msg);
        goto cleanup;
    }
    tmp[0] = '\0';
    fprintf(stderr, "[ufmsweep] merged %lld points from %d shards into %s%s\n", (long long)merged,
            n_shards, out_path, duplicates ? " (points done in several shards taken once)" : "");
    exit_code = UFMSWEEP_EXIT_OK;
cleanup:
    store_discard(&in);
    store_discard(&out);
    fsafe_temp_discard(tmp);
    free(taken);
    free(pos);
    spec_destroy(&s);
    return exit_code;
}
