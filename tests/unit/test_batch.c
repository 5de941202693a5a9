/* The master's batching (sweep_proto.h): the largest task by message size, and the size of the
 * next task from the measured cost of a point, the target seconds per task and the points left
 * for the workers. No MPI call is made. */
#include "check.h"
#include "point.h"
#include "sweep_proto.h"

#include <stdio.h>

static int test_max_batch(void)
{
    int fails = 0;
    CHECK_EQ_INT(sweep_max_batch(0), SWEEP_MAX_BATCH);
    CHECK_EQ_INT(sweep_max_batch(sizeof(point_record)), SWEEP_MAX_BATCH); /* small records */
    CHECK_EQ_INT(sweep_max_batch((size_t)32 << 20), 1);                   /* one per message */
    CHECK_EQ_INT(sweep_max_batch((size_t)1 << 30), 1);                    /* never 0 */
    CHECK_EQ_INT(sweep_max_batch((size_t)1 << 16), 512);                  /* 32 MiB / 64 KiB */
    return fails;
}

static int test_batch_size(void)
{
    int fails = 0;
    const struct {
        double cost, target;
        int max;
        int64_t remaining;
        int workers, want;
    } cases[] = {
        {0.0, 2.0, 8192, 1000000, 4, 1},     /* no cost measured yet: one point */
        {-1.0, 2.0, 8192, 1000000, 4, 1},    /* (unknown cost) */
        {0.01, 2.0, 8192, 1000000, 4, 200},  /* 2 s of 10 ms points */
        {1e-7, 2.0, 8192, 1000000, 4, 8192}, /* capped by the message size */
        {10.0, 2.0, 8192, 1000000, 4, 1},    /* a point longer than the target */
        {0.01, 2.0, 8192, 800, 4, 100},      /* the tail: half a worker's share of 800 */
        {0.01, 2.0, 8192, 7, 4, 1},          /* a share below one point: one */
        {0.01, 2.0, 8192, 1000, 0, 200},     /* no workers (rank 0 alone) counts as one */
        {0.01, 2.0, 50, 1000000, 1, 50},     /* a small maximum */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const int got = sweep_batch_size(cases[i].cost, cases[i].target, cases[i].max,
                                         cases[i].remaining, cases[i].workers);
        if (got != cases[i].want) {
            fprintf(stderr, "  case %zu: batch %d, expected %d\n", i, got, cases[i].want);
            fails++;
        }
    }
    return fails;
}

int main(void)
{
    int failed = 0, passed = 0;
    RUN_TEST(test_max_batch, passed, failed);
    RUN_TEST(test_batch_size, passed, failed);
    return TEST_SUMMARY(passed, failed);
}
