/* ufm.h - gradient descent on the unconstrained-features model (docs/THEORY.md: the model and the objective; docs/SOLVERS.md).
 *
 * Model: W (d x k), H (d x n), optional bias b (k); logits Z = W^T H + b 1^T. Examples are laid
 * out class by class (counts from the profile). Objective
 *     F(W, H, b) = (1/n) sum_i l(y_i, z_i) + (lambda_w/2)||W||_F^2 + (lambda_h/2)||H||_F^2
 * with l from the CE family (loss.h). The optimizers add PyTorch's coupled weight decay
 * (g += wd * x for W, H and b) on top of the ridge, so that they minimize
 *     F + (wd/2)(||W||_F^2 + ||H||_F^2 + ||b||^2),
 * which is the `objective` they report (ufm_solver_eval, which has no weight decay, reports F).
 *
 * Life cycle: ufm_solver_create (allocates everything, draws the initialization from the
 * counter-based RNG keyed by `key`) -> ufm_solver_step (one iteration) and ufm_solver_test
 * (pure convergence test), or ufm_solver_solve (the loop, with traces) -> getters ->
 * ufm_solver_destroy. No allocation happens inside step. The evaluation walks the examples in
 * blocks of columns and, for gd and sgdm, writes the next H (and its momentum) into a second
 * buffer while each block is in cache; the update swaps it in only after the test has seen the
 * gradient. Non-convergence and divergence are outcomes (ufm_result.outcome), not errors.
 * Matrices are column-major doubles.
 * Plain C + BLAS, no MPI; one solver per thread.
 */
#ifndef UFMSWEEP_UFM_H
#define UFMSWEEP_UFM_H

#include "geom.h"
#include "loss.h"
#include "metrics.h"
#include "profile.h"
#include "sweep_err.h"

#include <signal.h>
#include <stdint.h>

typedef enum ufm_opt_kind {
    UFM_OPT_GD = 0,   /* x <- x - lr g */
    UFM_OPT_NGD = 1,  /* x <- x - lr g / ||g||  (||g|| over all parameters) */
    UFM_OPT_SGDM = 2  /* PyTorch SGD: v <- mu v + g; x <- x - lr v */
} ufm_opt_kind;

typedef enum ufm_init_kind {
    UFM_INIT_TORCH = 0, /* nn.Linear defaults: H ~ U(+-1/sqrt(n)), W and b ~ U(+-1/sqrt(d)) */
    UFM_INIT_GAUSS = 1  /* every entry N(0, init_std^2), b = 0 */
} ufm_init_kind;

typedef enum ufm_outcome {
    UFM_RUNNING = 0,
    UFM_CONVERGED_GRAD = 1, /* ||g|| <= tol_grad */
    UFM_CONVERGED_LOSS = 2, /* data loss <= tol_loss */
    UFM_MAX_ITER = 3,       /* iteration budget used up */
    UFM_DIVERGED = 4        /* NaN or Inf in the loss or the gradient */
} ufm_outcome;

/* ufm_outcome_name - "running", "converged", "converged", "max_iter", "diverged" (static);
 * ufm_outcome_reason - "grad_tol", "loss_tol", "max_iter", "nan_or_inf" (static). */
const char *ufm_outcome_name(ufm_outcome o);
const char *ufm_outcome_reason(ufm_outcome o);

#define UFM_MAX_MILESTONES 32
#define UFM_MAX_TRACE_POINTS 10000
/* The largest n max(k, d) one rank solves (about 48 bytes each: 180 GiB); larger problems are
 * refused up front with the memory they would need. */
#define UFM_MAX_ONE_RANK_SIZE 4.0e9

typedef struct ufm_opts {
    ufm_opt_kind opt;
    double lr;         /* base learning rate, > 0 */
    double momentum;   /* sgdm momentum mu in [0, 1) */
    double wd;         /* coupled weight decay, >= 0 */
    int n_milestones;  /* learning rate *= lr_decay at each milestone iteration */
    double milestones[UFM_MAX_MILESTONES]; /* increasing non-negative whole numbers */
    double lr_decay;   /* > 0 */
    int64_t iters;     /* maximum number of updates, >= 0 */
    double tol_grad;   /* stop when ||g|| <= tol_grad (0: off) */
    double tol_loss;   /* stop when the data loss <= tol_loss (0: off) */
    ufm_init_kind init;
    double init_std;   /* UFM_INIT_GAUSS */
    int bias;          /* 1: learn b */
    int64_t seed;      /* part of the RNG key (the driver derives the key) */
    int trace_points;  /* metrics recorded at this many log-spaced iterations (0: none) */
} ufm_opts;

/* ufm_opts_default - sgdm, lr 0.1, momentum 0.9, wd 0, no milestones, lr_decay 0.1,
 * iters 1000, tolerances off, torch init, init_std 0.1, no bias, seed 0, trace_points 0. */
void ufm_opts_default(ufm_opts *o);

/* ufm_opts_validate - ranges as documented above, message naming option and value in eb. */
SWEEP_MUST_USE int ufm_opts_validate(const ufm_opts *o, sweep_errbuf *eb);

/* ufm_trace_iters - the trace schedule: `points` distinct log-spaced iterations in [0, iters],
 * first 0 and last iters (points <= iters + 1 is required; SWEEP_ERR_ARG otherwise). */
SWEEP_MUST_USE int ufm_trace_iters(int64_t iters, int points, int64_t *out);

typedef struct ufm_solver ufm_solver;

/* ufm_solver_create - Build a solver for profile p (integer counts), loss lv, options o and
 * embedding dimension d = p->d, initialized from the counter-based RNG keyed by key.
 * Allocates W, H, b, gradients, momentum buffers and the k x n work arrays once.
 * Returns SWEEP_OK, SWEEP_ERR_ARG (detail in eb) or SWEEP_ERR_NOMEM. */
SWEEP_MUST_USE int ufm_solver_create(const profile *p, const loss_vectors *lv, const ufm_opts *o, uint64_t key,
                      ufm_solver **out, sweep_errbuf *eb);

/* ufm_solver_set_stop - Make ufm_solver_solve check *stop before every iteration and return
 * SWEEP_ERR_INTERRUPTED as soon as it is non-zero (a signal handler sets it; NULL: never).
 * An interrupted solve has no result: the caller recomputes it later. The flag is borrowed. */
void ufm_solver_set_stop(ufm_solver *s, const volatile sig_atomic_t *stop);

/* ufm_solver_destroy - Free *s (NULL accepted), set *s = NULL. */
void ufm_solver_destroy(ufm_solver **s);

/* ufm_solver_eval - Objective F and its gradient (data + ridge, without weight decay) at
 * (W, H, b) (b ignored without bias; any of dW/dH/db may be NULL only all together), using
 * the solver's work arrays. *loss receives the mean data loss. Does not change the iterate.
 * W, H, dW and dH are column-major. Returns SWEEP_OK (NaN/Inf values are returned as they
 * are, not as an error), or SWEEP_ERR_NOMEM: on the small product backend, whose layout of H
 * is tiled (smm.h), the first call allocates two arrays in that layout. */
SWEEP_MUST_USE int ufm_solver_eval(ufm_solver *s, const double *W, const double *H, const double *b,
                    double *loss, double *objective, double *dW, double *dH, double *db);

/* ufm_solver_step - One iteration: evaluate the loss and gradient at the current iterate (kept
 * for ufm_solver_test and the getters), then, unless they are NaN/Inf, update with the
 * optimizer at the learning rate of the current iteration. Returns SWEEP_OK. */
SWEEP_MUST_USE int ufm_solver_step(ufm_solver *s);

/* ufm_solver_test - Pure convergence test on the last evaluated iterate: UFM_DIVERGED,
 * UFM_CONVERGED_GRAD, UFM_CONVERGED_LOSS, UFM_MAX_ITER or UFM_RUNNING. */
ufm_outcome ufm_solver_test(const ufm_solver *s);

/* Trace storage for ufm_solver_solve: caller allocates arrays of `points` entries (see
 * ufm_trace_create). Entries past an early stop stay NaN (iter = -1). */
typedef struct ufm_trace {
    int points;
    int64_t *iter;
    double *lr, *loss, *grad_norm;
    geom_metrics *metrics;
} ufm_trace;

/* ufm_trace_create / ufm_trace_destroy - allocate (NaN-filled) / free a trace of `points`. */
SWEEP_MUST_USE int ufm_trace_create(int points, ufm_trace **out);
void ufm_trace_destroy(ufm_trace **t);

typedef struct ufm_result {
    ufm_outcome outcome;
    int64_t iters;       /* updates performed */
    double loss;         /* mean data loss at the final iterate */
    double objective;    /* F at the final iterate */
    double grad_norm;    /* ||g|| (with weight decay) at the final iterate */
    double lr_final;     /* learning rate of the last update */
    geom_metrics metrics;
} ufm_result;

/* ufm_solver_solve - Iterate until ufm_solver_test stops, recording metrics at the
 * ufm_trace_iters schedule into trace (may be NULL). prob gives groups and margin kind; ref is
 * the predicted geometry for the distances (may be NULL: distances NaN). Fills res with the
 * final iterate's loss, gradient norm and metrics. Returns SWEEP_OK, or SWEEP_ERR_NOMEM /
 * SWEEP_ERR_LAPACK from the metrics. */
SWEEP_MUST_USE int ufm_solver_solve(ufm_solver *s, const geom_problem *prob, const geom_prediction *ref,
                     ufm_trace *trace, ufm_result *res);

/* Getters: borrowed pointers, valid until the next step, solve, set_params or destroy (gd and
 * sgdm swap in H's second buffer on update). W is d x k, H is d x n (column-major: on the small
 * product backend ufm_solver_H converts the tiled iterate into a buffer of the solver, so a
 * call costs d n copies), b is k (NULL without bias). */
const double *ufm_solver_W(const ufm_solver *s);
const double *ufm_solver_H(const ufm_solver *s);
const double *ufm_solver_b(const ufm_solver *s);
SWEEP_MUST_USE int64_t ufm_solver_iter(const ufm_solver *s);
double ufm_solver_loss(const ufm_solver *s);      /* at the last evaluated iterate */
double ufm_solver_grad_norm(const ufm_solver *s); /* at the last evaluated iterate */
double ufm_solver_lr(const ufm_solver *s, int64_t iter); /* schedule value at iteration iter */

/* ufm_solver_set_params - overwrite W (d x k), H (d x n) and b (k, may be NULL) and reset the
 * iteration counter and momentum (tests, warm starts). */
void ufm_solver_set_params(ufm_solver *s, const double *W, const double *H, const double *b);

/* ufm_solver_use_portable - on != 0: the products and the fused H update without our AVX2
 * kernels (smm_plan_use_portable), i.e. the path of machines without AVX2: the small backend's
 * portable kernels (bitwise the same results), or OpenBLAS's dH and a separate update pass
 * (the same up to rounding). For tests; call before the first step. */
void ufm_solver_use_portable(ufm_solver *s, int on);

#endif /* UFMSWEEP_UFM_H */
