/* `ufmsweep merge OUT.h5 SHARD.h5...`: join the shard stores of one spec into one store. */
#include "cli.h"
#include "commands.h"
#include "fsafe.h"
#include "testhook.h"
#include "numparse.h"
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

/* Every input is a store of spec s (checked before anything is written), and the shards (run
 * --shard I/N) that are not among the inputs are named on stderr: a partial merge is allowed
 * (their points stay pending in OUT), never silent. Inputs of different --shard splits are
 * refused; a whole store among them leaves nothing missing. */
static int check_shards(const char *const *shards, int n_shards, const spec *s)
{
    int64_t count = 0;
    unsigned char *seen = NULL;
    int ret = SWEEP_OK, whole = 0;
    for (int i = 0; i < n_shards && ret == SWEEP_OK; i++) {
        store *in = NULL;
        sweep_errbuf eb;
        char text[32] = "";
        int64_t si = -1, sn = -1;
        sweep_errbuf_clear(&eb);
        if ((ret = store_open(shards[i], s, 0, &in, &eb)) != SWEEP_OK) {
            fprintf(stderr, "ufmsweep merge: %s\n", eb.msg);
            break;
        }
        store_attr_string(in, "shard", text, sizeof text);
        store_discard(&in);
        if (text[0] == '\0' || numparse_pair(text, '/', 0, INT32_MAX, &si, &sn) != SWEEP_OK ||
            si >= sn) {
            whole = 1;
            continue;
        }
        if (count == 0 && (seen = calloc((size_t)sn, 1)) == NULL) {
            ret = SWEEP_ERR_NOMEM;
            fprintf(stderr, "ufmsweep merge: out of memory\n");
            break;
        }
        if (count != 0 && sn != count) {
            fprintf(stderr, "ufmsweep merge: %s is shard %s, another input is of %lld shards: "
                            "the inputs come from different --shard splits\n",
                    shards[i], text, (long long)count);
            ret = SWEEP_ERR_ARG;
            break;
        }
        count = sn;
        seen[si] = 1;
    }
    int64_t missing = 0;
    for (int64_t k = 0; ret == SWEEP_OK && !whole && k < count; k++)
        missing += !seen[k];
    if (missing > 0) {
        fprintf(stderr, "[ufmsweep] merge: %lld of the %lld shards are not among the inputs (",
                (long long)missing, (long long)count);
        for (int64_t k = 0, listed = 0; k < count && listed < 10; k++)
            if (!seen[k])
                fprintf(stderr, "%s%lld/%lld", listed++ ? ", " : "", (long long)k,
                        (long long)count);
        fprintf(stderr, "%s): their points stay pending in the merged store\n",
                missing > 10 ? ", ..." : "");
    }
    free(seen);
    return ret;
}

int cmd_merge_main(int argc, char **argv)
{
    int exit_code = UFMSWEEP_EXIT_FAIL;
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
    if (check_shards(shards, n_shards, s) != SWEEP_OK)
        goto cleanup;
    if (store_create_temp(out_path, s, "", 1, tmp, sizeof tmp, &out, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep merge: %s\n", eb.msg);
        goto cleanup;
    }
    fsafe_temp_guard(tmp); /* a stop signal removes it */
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
    test_hook_hold("output");
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
    fsafe_temp_guard(NULL);
    fsafe_temp_discard(tmp);
    free(taken);
    free(pos);
    spec_destroy(&s);
    return exit_code;
}
