/* bench_svm - time of the certified max-margin solves (issue targets: class level k = 10 under
 * 5 ms, k = 100 under 1 s).
 *
 * usage: bench_svm class K REPS [ipm]    class level, STEP R = 10, rho = 0.3, CDT gamma = 1 (no
 *                                        closed form); `ipm` forces the interior-point path
 *        bench_svm example K N_MIN REPS  example level, STEP R = 10, rho = 0.5, n_min examples
 *                                        per minority class, CE
 * Prints key=value pairs: the median wall time over REPS solves, IPM iterations, certified gap,
 * whether the Newton polish was accepted, the constraint count m and the memory the
 * interior-point fallback's Schur complement would take. Not a test. */
#include "geom.h"
#include "loss.h"
#include "profile.h"
#include "svm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_svm class K REPS | example K N_MIN REPS\n");
        return 2;
    }
    const int example = strcmp(argv[1], "example") == 0;
    const int k = atoi(argv[2]);
    const double n_min = example ? atof(argv[3]) : 1.0;
    const int reps = atoi(argv[example ? 4 : 3]);
    const int force_ipm = !example && argc > 4 && strcmp(argv[4], "ipm") == 0;
    profile_opts po;
    loss_opts lo;
    profile *p = NULL;
    loss_vectors *lv = NULL;
    geom_problem *gp = NULL;
    profile_opts_default(&po);
    po.k = k;
    po.R = 10;
    po.rho = example ? 0.5 : 0.3;
    po.n_min = n_min;
    loss_opts_default(&lo);
    lo.kind = example ? LOSS_CE : LOSS_CDT;
    lo.gamma = 1.0;
    if (profile_create(&po, &p, NULL) != SWEEP_OK ||
        loss_vectors_create(&lo, p, &lv, NULL) != SWEEP_OK ||
        geom_problem_from_loss(p, lv, &gp, NULL) != SWEEP_OK) {
        fprintf(stderr, "bench_svm: bad problem\n");
        return 1;
    }
    const double cols = example ? p->n : k;
    const double m = cols * (k - 1);
    printf("level=%s k=%d n=%g m=%g schur_MB=%.1f", example ? "example" : "class", k, cols, m,
           8.0 * m * m / 1e6);
    double *t = malloc((size_t)reps * sizeof(double));
    svm_result r;
    for (int i = 0; i < reps; i++) {
        geom_prediction *pred = NULL;
        double t0 = now();
        int ret = example ? svm_example_solve(gp, 1e-10, 100, &pred, NULL, &r, NULL)
                          : svm_class_solve_path(gp, force_ipm ? SVM_PATH_IPM : SVM_PATH_AUTO,
                                                 1e-10, 100, &pred, &r, NULL);
        t[i] = now() - t0;
        geom_prediction_destroy(&pred);
        if (ret != SWEEP_OK) {
            printf(" failed=%s\n", sweep_strerror(ret));
            return 0;
        }
    }
    qsort(t, (size_t)reps, sizeof(double), cmp);
    printf(" median_s=%.4g min_s=%.4g path=%s steps=%lld gap=%.2g polished=%d converged=%d\n",
           t[reps / 2], t[0], r.fast_path ? "newton" : "ipm", (long long)r.iters, r.gap,
           r.polished, r.converged);
    free(t);
    geom_problem_destroy(&gp);
    loss_vectors_destroy(&lv);
    profile_destroy(&p);
    return 0;
}
