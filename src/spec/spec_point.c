/* The points of a spec: their options and their computation through the point layer. */
#include "spec.h"

#include "profile.h"

void spec_point_compute(const spec *s, int64_t p, int rank, point_ufm_solve_fn ufm_solve,
                        void *ufm_ctx, const volatile sig_atomic_t *stop, point_record *rec,
                        double *trace)
{
    point_params pp;
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    int ret = spec_point_params(s, p, &pp, &eb);
    if (ret != SWEEP_OK) {
        point_record_init(rec, p, rank, s->trace_points, trace);
        point_record_fail(rec, ret, eb.msg);
        return;
    }
    const point_solve_opts o = {s->seed_base, s->trace_points, ufm_solve, ufm_ctx, stop, NULL};
    point_solve(&pp, &o, p, rank, rec, trace);
}

double spec_point_work(const spec *s, int64_t p, int *groupable)
{
    point_params pp;
    profile *prof = NULL;
    double work = 0.0;
    *groupable = 0;
    if (spec_point_params(s, p, &pp, NULL) == SWEEP_OK &&
        profile_create(&pp.profile, &prof, NULL) == SWEEP_OK) {
        work = (double)prof->k * (double)prof->d * prof->n * (double)pp.ufm.iters;
        *groupable = point_solver_info(pp.solver)->groupable && !pp.ufm.bias;
    }
    profile_destroy(&prof);
    return work;
}
