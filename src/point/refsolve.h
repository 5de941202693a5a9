/* refsolve.h - one point solved by a reference solver (`--solver svm | svm-example | svm-gd |
 * reg | reg-example`), shared by `ufmsweep solve` and the sweep's point_compute, and the theory reference
 * (closed form, else the certified class-level convex solve).
 *
 * Iteration budgets and tolerances: `--iters` and `--tol-grad` when given explicitly, else the
 * solver's default (svm: 100 IPM iterations, gap 1e-10; reg: 200000 proximal-gradient
 * iterations, residual 1e-10; svm-gd: 200000 gradient steps, tolerance 1e-7). Any rank may call;
 * no MPI.
 */
#ifndef UFMSWEEP_REFSOLVE_H
#define UFMSWEEP_REFSOLVE_H

#include "sweep_err.h"

#include "geom.h"
#include "metrics.h"
#include "params.h"
#include "svm.h"

/* Theory sources (stored in /theory/theory_source; enum point_theory_source mirrors them). */
enum refsolve_theory_source {
    REFSOLVE_THEORY_NONE = 0,
    REFSOLVE_THEORY_CLOSED_FORM = 1,
    REFSOLVE_THEORY_CONVEX = 2
};

/* refsolve_theory_source_name - "none", "closed_form", "convex" (static). */
const char *refsolve_theory_source_name(int source);

/* refsolve_theory - The reference geometry of the max-margin problem prob (prob->regularized is
 * ignored: the lambda -> 0 target): its closed form when one exists, else the class-level convex
 * solve certified to a relative gap of 1e-10. On SWEEP_OK *out is the prediction, *source the
 * source and cert (may be NULL) the certificate of a convex solve. When neither is available
 * (the convex problem is too large, or its gap was not certified) returns SWEEP_ERR_NO_CLOSED_FORM
 * with the reason in eb and *out = NULL. */
SWEEP_MUST_USE int refsolve_theory(const geom_problem *prob, geom_prediction **out, int *source,
                    svm_result *cert, sweep_errbuf *eb);

typedef struct refsolve_result {
    geom_metrics metrics; /* of the solution, distances against the reference (NaN without) */
    double objective;     /* svm*: ||X||_* = (||W||^2+||H||^2)/2; reg: loss + lambda ||Z||_* */
    double certificate;   /* svm*: certified relative duality gap; reg: optimality residual;
                             svm-gd: relative margin violation */
    double spread;        /* svm-example, svm-gd: within-class spread; NaN otherwise */
    const char *path;     /* svm*: "newton" (all margins active) or "ipm"; NULL otherwise */
    double optimum_gap;   /* svm-gd: (objective - convex optimum) / convex optimum, against the
                             certified class-level solve; NaN otherwise */
    int64_t iters;
    int converged;        /* the tolerance was reached (certified for svm and reg) */
    double tol;           /* the tolerance used */
} refsolve_result;

/* refsolve_run - Run pp->solver (one of the reference solvers) on the problem (prof, lv, gp),
 * computing metrics against ref (may be NULL). init_key keys the SVM-GD initialization. Not
 * converging is an outcome (res->converged = 0), not an error. solution (may be NULL) receives
 * the class-level solution's factors (svm, svm-example, reg, reg-example; NULL for svm-gd),
 * owned by the caller (geom_prediction_destroy). */
SWEEP_MUST_USE int refsolve_run(const point_params *pp, const profile *prof,
                                const loss_vectors *lv, const geom_problem *gp,
                                const geom_prediction *ref, uint64_t init_key,
                                refsolve_result *res, geom_prediction **solution,
                                sweep_errbuf *eb);

#endif /* UFMSWEEP_REFSOLVE_H */
