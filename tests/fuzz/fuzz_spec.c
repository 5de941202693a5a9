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
                spec_point_params(s, 0, &pp, &eb);
            }
            spec_destroy(&s);
        }
    }
    return 0;
}

#ifndef UFMSWEEP_LIBFUZZER
/* replay: run every file named on the command line through the target */
int main(int argc, char **argv)
{
    int n = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (f == NULL) {
            fprintf(stderr, "fuzz_spec_replay: cannot read %s\n", argv[i]);
            return 1;
        }
        static uint8_t buf[1 << 20];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, len);
        n++;
    }
    printf("%d passed, 0 failed\n", n);
    return 0;
}
#endif
