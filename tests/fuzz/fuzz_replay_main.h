/* fuzz_replay_main.h - the main() of a fuzz target built without libFuzzer: run every file
 * named on the command line through LLVMFuzzerTestOneInput (make check replays the regression
 * corpora this way). A target aborts on a crash or on a property it checks that does not hold,
 * which ends the replay with a failure; the closing line counts the inputs that went through
 * with every property held. Include it once, at the end of a target. */
#ifndef UFMSWEEP_LIBFUZZER
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int n = 0;
    static uint8_t buf[1 << 20];
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (f == NULL) {
            fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i]);
            return 1;
        }
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, len);
        n++;
    }
    printf("%d passed, 0 failed\n", n);
    return 0;
}
#endif
