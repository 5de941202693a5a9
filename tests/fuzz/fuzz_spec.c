/* fuzz_spec - the spec parser under libFuzzer (or, built without it, a replay of a corpus).
 *
 *   make fuzz                      # clang -fsanitize=fuzzer,address,undefined, runs FUZZ_SECONDS
 *   build/tests/fuzz_spec_replay FILES...   # make check replays tests/fuzz/corpus: no crash
 *
 * Each input is a spec text. It is parsed without point validation first; grids of at most
 * 10^5 points are then parsed again with every point validated (larger ones would only make the
 * fuzzer slow, not reach other code). Any crash, hang, leak or sanitizer report is a bug, and so
 * is a broken property (abort): a refusal says why (a code and a message); parsing is
 * deterministic (the same text twice: the same identity, or the same refusal); a spec that
 * passes validation also parses trusted, with the same identity and size; a point of the study
 * of a validated spec has valid options and a solve key. */
#include "spec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a refusal carries a code and a message */
static void refusal_says_why(int ret, const sweep_errbuf *eb)
{
    if (ret != SWEEP_OK && (ret >= 0 || eb->msg[0] == '\0'))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spec *s = NULL, *again = NULL;
    sweep_errbuf eb, eb2;
    sweep_errbuf_clear(&eb);
    sweep_errbuf_clear(&eb2);
    const char *text = (const char *)data;
    int ret = spec_parse_trusted("fuzz.yaml", text, size, &s, &eb);
    refusal_says_why(ret, &eb);
    const int ret2 = spec_parse_trusted("fuzz.yaml", text, size, &again, &eb2);
    if (ret2 != ret || (ret == SWEEP_OK && strcmp(s->grid_sha256, again->grid_sha256) != 0) ||
        (ret != SWEEP_OK && strcmp(eb.msg, eb2.msg) != 0))
        abort(); /* not deterministic */
    spec_destroy(&again);
    if (ret == SWEEP_OK) {
        int64_t n = s->n_points;
        char grid[65];
        memcpy(grid, s->grid_sha256, sizeof grid);
        spec_destroy(&s);
        if (n <= 100000) {
            sweep_errbuf_clear(&eb);
            ret = spec_parse("fuzz.yaml", text, size, &s, &eb);
            refusal_says_why(ret, &eb);
            if (ret == SWEEP_OK) {
                char label[256];
                point_params pp;
                unsigned char key[32];
                if (strcmp(s->grid_sha256, grid) != 0 || s->n_points != n)
                    abort(); /* validation changed what the spec means */
                spec_point_label(s, s->n_points - 1, label, sizeof label);
                if (spec_point_block(s, 0) >= 0 &&
                    (spec_point_params(s, 0, &pp, &eb) != SWEEP_OK ||
                     spec_solve_key(s, 0, key, &eb) != SWEEP_OK))
                    abort(); /* a validated point of the study that cannot be built */
            }
            spec_destroy(&s);
        }
    }
    spec_destroy(&s);
    return 0;
}

#include "fuzz_replay_main.h"
