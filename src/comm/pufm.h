/* pufm.h - one UFM gradient-descent solve on a group of ranks (ScaLAPACK process grid).
 *
 * H (d x n), W (d x k), the logits Z and the gradient factor G (k x n) are distributed
 * block-cyclically over an nprow x npcol BLACS grid with square blocks of nb >= k, so every logit
 * column lies on one process row (the column-wise softmax needs no reduction across rows). The
 * three products of a step are PBLAS pdgemm calls; the softmax runs on the local columns with
 * ufm_softmax_columns (the serial solver's code); losses, norms and the normalized-GD rescaling
 * are reduced over the grid. Optimizers, schedules, ridges, weight decay, stop rules and outcomes
 * are those of ufm.h, traces included (not supported here: --bias). The initialization draws every entry
 * from the same counter as the serial solver, so a grouped solve follows the serial one to
 * rounding (tests: 1e-10 after a fixed number of steps on 1x2, 2x1 and 2x2 grids).
 * Metrics are computed from the distributed factors: class means and W are reduced to every
 * rank (d x k), margins and accuracy from the local logit columns, nc1 from projections of the
 * local embeddings onto the between-class directions, reduced over process columns.
 * Every function here is collective over the grid's communicator. docs/SCALING.md.
 */
#ifndef UFMSWEEP_PUFM_H
#define UFMSWEEP_PUFM_H

#include "geom.h"
#include "loss.h"
#include "metrics.h"
#include "profile.h"
#include "sweep_err.h"
#include "ufm.h"

#include <mpi.h>
#include <stdint.h>

typedef struct pufm_grid pufm_grid;

/* pufm_grid_create - A BLACS grid of nprow x npcol over comm (its size must be nprow * npcol;
 * nprow = npcol = 0 chooses 1 x size: the examples are split, which is what scales). Collective
 * over comm. */
SWEEP_MUST_USE int pufm_grid_create(MPI_Comm comm, int nprow, int npcol, pufm_grid **out, sweep_errbuf *eb);

/* pufm_grid_destroy - Free *g (NULL accepted; collective when not NULL), set *g = NULL. */
void pufm_grid_destroy(pufm_grid **g);

/* pufm_grid_shape - the grid's nprow and npcol. */
void pufm_grid_shape(const pufm_grid *g, int *nprow, int *npcol);

/* pufm_solve - Solve the UFM for (p, lv, o) from the initialization keyed by key, with block
 * size nb (0: max(k, 64)), recording the trace (may be NULL; its schedule is ufm_trace_iters) and
 * computing the final metrics against ref (may be NULL). res and trace are complete and
 * identical on every rank. Collective over the grid. Returns SWEEP_OK, SWEEP_ERR_ARG
 * (unsupported options, detail in eb), SWEEP_ERR_NOMEM or SWEEP_ERR_LAPACK. */
SWEEP_MUST_USE int pufm_solve(pufm_grid *g, const profile *p, const loss_vectors *lv, const ufm_opts *o,
               uint64_t key, int nb, const geom_problem *prob, const geom_prediction *ref,
               ufm_trace *trace, ufm_result *res, sweep_errbuf *eb);

/* A grouped solve as the point layer's point_ufm_solve_fn (point.h): ctx is a pufm_point_ctx.
 * Collective over the grid, like pufm_solve. */
typedef struct pufm_point_ctx {
    pufm_grid *grid;
    int nb; /* block size (0: max(k, 64)) */
} pufm_point_ctx;

SWEEP_MUST_USE int pufm_point_solve(void *ctx, const profile *p, const loss_vectors *lv, const ufm_opts *o,
                     uint64_t key, const geom_problem *prob, const geom_prediction *ref,
                     ufm_trace *trace, ufm_result *res, sweep_errbuf *eb);

#endif /* UFMSWEEP_PUFM_H */
