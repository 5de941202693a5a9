/* fuzz_spec - the spec parser under libFuzzer (or, built without it, a replay of a corpus).
 *
 *   make fuzz                      # clang -fsanitize=fuzzer,address,undefined, runs FUZZ_SECONDS
 *   build/tests/fuzz_spec_replay FILES...   # make check replays tests/fuzz/corpus: no crash
 *
 * Each input is a spec text. It is parsed without point validation first; grids of at most
 * 10^5 points are then parsed again with every point validated (larger ones would only make the
 * fuzzer slow, not reach other code). Any crash, hang, leak or sanitizer report is a bug. */
#include "spec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    spec *s = NULL;
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    if (spec_parse_trusted("fuzz.yaml", (const char *)data, size, &s, &eb) == SWEEP_OK) {
        int64_t n = s->n_points;
        spec_destroy(&s);
        if (n <= 100000) {
            sweep_errbuf_clear(&eb);
            if (spec_parse("fuzz.yaml", (const char *)data, size, &s, &eb) == SWEEP_OK) {
                char label[256];
                point_params pp;
                spec_point_label(s, s->n_points - 1, label, sizeof label);
                const int rc = spec_point_params(s, 0, &pp, &eb); /* point 0 may be in no block */
                (void)rc;
            }
            spec_destroy(&s);
        }
    }
    return 0;
}

#include "fuzz_replay_main.h"
