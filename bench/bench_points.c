/* bench_points SPEC [--layout grid|points] - the limit a sweep's scheduling and store are
 * measured against: every point of SPEC's study computed in this one process, one after the
 * other, through spec_point_compute (the workers' path), with no MPI, no journal and no store.
 * Prints the points, the seconds of the loop (the spec parsed and validated before the clock
 * starts) and the points per second. docs/PERFORMANCE.md, "Studies of any size". */
#include "spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_points SPEC [--layout grid|points]\n");
        return 2;
    }
    spec *s = NULL;
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    if (spec_load(argv[1], &s, &eb) != SWEEP_OK) {
        fprintf(stderr, "bench_points: %s\n", eb.msg);
        return 1;
    }
    if (argc > 3 && !strcmp(argv[2], "--layout") &&
        spec_set_layout(s, !strcmp(argv[3], "points") ? SPEC_LAYOUT_POINTS : SPEC_LAYOUT_GRID,
                        &eb) != SWEEP_OK) {
        fprintf(stderr, "bench_points: %s\n", eb.msg);
        spec_destroy(&s);
        return 1;
    }
    double *trace = malloc((size_t)(s->trace_points > 0 ? s->trace_points : 1) *
                           POINT_TRACE_FIELDS * sizeof *trace);
    point_record rec;
    int64_t n = 0, done = 0;
    const double t0 = now_s();
    for (int64_t p = 0; trace != NULL && p < s->n_points; p++) {
        if (spec_point_block(s, p) < 0)
            continue;
        spec_point_compute(s, p, 0, NULL, NULL, NULL, NULL, NULL, &rec, trace);
        n++;
        done += rec.state == POINT_DONE;
    }
    const double t = now_s() - t0;
    printf("computed in one process: %lld points (%lld done) in %.3f s: %.4g points/s\n",
           (long long)n, (long long)done, t, (double)n / t);
    free(trace);
    spec_destroy(&s);
    return 0;
}
