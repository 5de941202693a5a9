/* `ufmsweep verify STORE.h5 [--json]`: re-read everything and check it (docs/STORE.md). The
 * checks are the store's (store_verify); this command reports them. */
#include "cli.h"
#include "commands.h"
#include "report.h"
#include "store.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char verify_usage[] =
    "usage: ufmsweep verify STORE.h5 [--json]\n\n"
    "Re-read every dataset of a store (Fletcher-32 checksums of every chunk) and check\n"
    "its schema (objects, types, shapes, dimension scales), the spec and grid hashes\n"
    "against /provenance/spec, every coordinate against the spec's axis values, each\n"
    "/provenance/runs row, the consistency of /status with the data (done points\n"
    "have their results, pending points none) and, when STORE.h5.journal exists, that\n"
    "the journal holds every done point with the same values. Exit 0 when all hold;\n"
    "otherwise a list of findings and exit 1.\n\nOptions:\n";

/* the first 1000 findings are kept for the report; all are counted */
static void keep_finding(void *user, const char *text)
{
    json_t *list = user;
    if (json_array_size(list) < 1000)
        json_array_append_new(list, json_string(text));
}

int cmd_verify_main(int argc, char **argv)
{
    int json = 0, live = 0, n = 0, n_pos = 0, want_help = 0;
    const char *path = NULL;
    sweep_errbuf eb;
    const cli_arg args[] = {
        {.name = "json",
         .kind = CLI_FLAG,
         .out = &json,
         .help = "one JSON object: store, ok, writing, findings"},
    };
    const cli_command cmd = {.usage = "ufmsweep verify STORE.h5 [--json]",
                             .args = args,
                             .n_args = 1,
                             .positional = &path,
                             .min_positional = 1,
                             .max_positional = 1,
                             .n_positional = &n_pos,
                             .positional_name = "store"};
    sweep_errbuf_clear(&eb);
    if (cli_parse_args(&cmd, argc, argv, 1, &want_help, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep verify: %s\n", eb.msg);
        return UFMSWEEP_EXIT_FAIL;
    }
    if (want_help) {
        fputs(verify_usage, stdout);
        cli_print_options(stdout, args, 1);
        return UFMSWEEP_EXIT_OK;
    }
    store_quiet();
    json_t *list = json_array();
    if (list == NULL || store_verify(path, keep_finding, list, &live, &n) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep verify: %s: out of memory\n", path);
        json_decref(list);
        return UFMSWEEP_EXIT_FAIL;
    }
    const char *live_note = live ? "; a run is writing it: judged the points committed so far"
                                 : "";
    if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "store", json_string(path));
        json_object_set_new(o, "ok", json_boolean(n == 0));
        json_object_set_new(o, "writing", json_boolean(live));
        json_object_set_new(o, "findings", json_incref(list));
        if (report_json_print(stdout, o) != SWEEP_OK)
            n++; /* not written: not a clean verdict */
        json_decref(o);
    } else if (n == 0) {
        printf("%s: OK (checksums of every chunk, schema, hashes, status against data, journal "
               "when present)%s\n",
               path, live_note);
    } else {
        printf("%s: %d finding(s):\n", path, n);
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v) printf("  - %s\n", json_string_value(v));
    }
    json_decref(list);
    return n == 0 ? UFMSWEEP_EXIT_OK : UFMSWEEP_EXIT_FAIL;
}
