/* fuzz_journal - journal replay under libFuzzer (or, built without it, a replay of a corpus).
 *
 *   make fuzz                               # clang -fsanitize=fuzzer,address,undefined
 *   build/tests/fuzz_journal_replay FILES...   # make check replays tests/fuzz/corpus-journal
 *
 * Each input is the body of a journal (everything after its header): the target writes a valid
 * header for a fixed spec, the input after it, and replays it twice, writable (which may cut a
 * torn tail) and then read-only. Invariants checked besides "no crash, hang, leak or sanitizer
 * report": the second replay finds the same records as the first (cutting loses no intact
 * record), and every record handed out has the length of its type and a point index as written
 * (replay never invents a payload of another size). Any violation aborts. */
#include "journal.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char SPEC[65] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char GRID[65] = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
#define FUZZ_P 1

typedef struct seen {
    long long n;
    uint64_t sum; /* order-sensitive digest of the records */
} seen;

static int count_record(int type, const void *payload, uint32_t len, void *user)
{
    seen *s = user;
    const size_t want = type == JOURNAL_POINT
                            ? sizeof(point_record) + FUZZ_P * POINT_TRACE_FIELDS * sizeof(double)
                        : type == JOURNAL_CHECKPOINT ? sizeof(journal_checkpoint_row)
                                                     : sizeof(store_run_row);
    if ((type != JOURNAL_POINT && type != JOURNAL_RUN && type != JOURNAL_CHECKPOINT) ||
        len != want)
        abort();
    int64_t first = 0;
    memcpy(&first, payload, sizeof first);
    s->n++;
    s->sum = s->sum * 1000003u + (uint64_t)first + (uint64_t)type;
    return SWEEP_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/fuzz-journal-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    close(fd);
    unlink(path);
    journal *j = NULL;
    if (journal_open(path, SPEC, GRID, NULL, FUZZ_P, &j, NULL) != SWEEP_OK)
        return 0;
    journal_close(&j);
    fd = open(path, O_WRONLY | O_APPEND);
    if (fd >= 0) {
        if (write(fd, data, size) != (ssize_t)size)
            size = 0;
        close(fd);
    }
    seen a = {0, 0}, b = {0, 0};
    journal_replay_report rep;
    int ra = SWEEP_OK, rb = SWEEP_OK, opened = 0;
    if (journal_open(path, SPEC, GRID, NULL, FUZZ_P, &j, NULL) == SWEEP_OK) {
        opened = 1;
        ra = journal_replay(j, count_record, &a, &rep, NULL);
    }
    journal_close(&j);
    if (opened && journal_open_readonly(path, SPEC, GRID, NULL, FUZZ_P, &j, NULL) == SWEEP_OK) {
        rb = journal_replay(j, count_record, &b, &rep, NULL);
        if (rb != ra || b.n != a.n || b.sum != a.sum || rep.torn_tail_bytes != 0)
            abort(); /* the cut lost a record, left a torn tail behind, or replays disagree */
    }
    journal_close(&j);
    unlink(path);
    return 0;
}

#include "fuzz_replay_main.h"
