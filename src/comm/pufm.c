#include "pufm.h"
#include "ufm_parts.h"

#include "rng.h"
#include "scalapack.h"
#include "sweep_proto.h"

#include <cblas.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct pufm_grid {
    MPI_Comm comm;    /* the group */
    MPI_Comm colcomm; /* the ranks of my process column (they differ by process row) */
    int sys, ctxt, nprow, npcol, myrow, mycol;
};

int pufm_grid_create(MPI_Comm comm, int nprow, int npcol, pufm_grid **out, sweep_errbuf *eb)
{
    int size;
    SWEEP_MPI_FATAL(MPI_Comm_size(comm, &size));
    if (nprow <= 0 || npcol <= 0) {
        nprow = 1;
        npcol = size;
    }
    if (nprow * npcol != size)
        return sweep_err_set(eb, SWEEP_ERR_ARG,
                             "a %d x %d process grid needs %d ranks, the group has %d", nprow,
                             npcol, nprow * npcol, size);
    pufm_grid *g = calloc(1, sizeof *g);
    if (g == NULL)
        return sweep_err_set(eb, SWEEP_ERR_NOMEM, "out of memory for the process grid");
    SWEEP_MPI_FATAL(MPI_Comm_dup(comm, &g->comm));
    g->sys = Csys2blacs_handle(g->comm);
    g->ctxt = g->sys;
    Cblacs_gridinit(&g->ctxt, "Row", nprow, npcol);
    Cblacs_gridinfo(g->ctxt, &g->nprow, &g->npcol, &g->myrow, &g->mycol);
    SWEEP_MPI_FATAL(MPI_Comm_split(g->comm, g->mycol, g->myrow, &g->colcomm));
    *out = g;
    return SWEEP_OK;
}

void pufm_grid_destroy(pufm_grid **pg)
{
    pufm_grid *g = *pg;
    if (g == NULL)
        return;
    Cblacs_gridexit(g->ctxt);
    Cfree_blacs_system_handle(g->sys);
    SWEEP_MPI_FATAL(MPI_Comm_free(&g->colcomm));
    SWEEP_MPI_FATAL(MPI_Comm_free(&g->comm));
    free(g);
    *pg = NULL;
}

void pufm_grid_shape(const pufm_grid *g, int *nprow, int *npcol)
{
    *nprow = g->nprow;
    *npcol = g->npcol;
}

/* A block-cyclic matrix: global M x N, square blocks nb, local mloc x nloc with leading
 * dimension lld. */
typedef struct dmat {
    int M, N, nb, mloc, nloc, lld;
    int desc[9];
    double *a;
} dmat;

static int dmat_init(const pufm_grid *g, int M, int N, int nb, dmat *m)
{
    const int zero = 0;
    int info = 0;
    m->M = M;
    m->N = N;
    m->nb = nb;
    m->mloc = numroc_(&M, &nb, &g->myrow, &zero, &g->nprow);
    m->nloc = numroc_(&N, &nb, &g->mycol, &zero, &g->npcol);
    m->lld = m->mloc > 1 ? m->mloc : 1;
    descinit_(m->desc, &M, &N, &nb, &nb, &zero, &zero, &g->ctxt, &m->lld, &info);
    m->a = calloc((size_t)m->lld * (size_t)(m->nloc > 0 ? m->nloc : 1), sizeof(double));
    return info == 0 && m->a != NULL ? SWEEP_OK : SWEEP_ERR_NOMEM;
}

/* global index of local index l (block size nb, my coordinate p of np) */
static int l2g(int l, int nb, int p, int np)
{
    return (l / nb * np + p) * nb + l % nb;
}

static size_t dmat_len(const dmat *m)
{
    return (size_t)m->lld * (size_t)m->nloc;
}

typedef struct pufm_state {
    const pufm_grid *g;
    int k, d, nb;
    size_t n;
    ufm_opts o;
    ufm_softmax_params sp;
    const double *Delta, *iota;
    int label_temperature;
    double lambda_w, lambda_h;
    int *label; /* [nloc of Z] class of each local column */
    dmat W, H, gW, gH, vW, vH, Z, G;
    double *gt;     /* [k*nb] one run of the softmax pass, class-major */
    double *zt;     /* [k*nb] its logits, class-major */
    double *swork;   /* [3*nb] softmax scratch */
    size_t *sbounds; /* [k+1] softmax scratch */
    double *Wrep;   /* 1 x G grids: W replicated on every rank for the local products */
    double *aux2;   /* 1 x G grids: the local part of H G^T (d x k) */
    int64_t iter;
    double loss, objective, grad_norm, step_norm;
    int loss_valid;
} pufm_state;

static double local_sumsq(const dmat *m)
{
    double s = 0.0;
    for (int j = 0; j < m->nloc; j++)
        for (int i = 0; i < m->mloc; i++) {
            const double v = m->a[i + (size_t)j * m->lld];
            s += v * v;
        }
    return s;
}

/* g += c x (local) and return the local sum of g^2 */
static double local_add_sumsq(dmat *gm, const dmat *x, double c)
{
    double s = 0.0;
    for (int j = 0; j < gm->nloc; j++)
        for (int i = 0; i < gm->mloc; i++) {
            const size_t q = i + (size_t)j * gm->lld;
            gm->a[q] += c * x->a[q];
            s += gm->a[q] * gm->a[q];
        }
    return s;
}

static void pdgemm_call(const char *ta, const char *tb, int m, int n, int kk, const dmat *A,
                        const dmat *B, dmat *C)
{
    const int one = 1;
    const double alpha = 1.0, beta = 0.0;
    pdgemm_(ta, tb, &m, &n, &kk, &alpha, A->a, &one, &one, A->desc, B->a, &one, &one, B->desc,
            &beta, C->a, &one, &one, C->desc, 1, 1);
}

/* On a 1 x G grid every rank holds all d rows of its columns of H and all k rows of its columns
 * of Z and G, and W (one block column) lives on process column 0. The three products then reduce
 * to local GEMMs: W is broadcast (d k doubles), and dW = sum over ranks of H_loc G_loc^T is
 * reduced to process column 0 -- the same arithmetic as pdgemm without its packing and
 * panel broadcasts (docs/SCALING.md). Other grids use pdgemm. */
static int data_parallel(const pufm_state *s)
{
    return s->g->nprow == 1 && s->Wrep != NULL;
}

static void broadcast_w(pufm_state *s)
{
    const size_t dk = (size_t)s->d * s->k;
    if (s->g->mycol == 0)
        memcpy(s->Wrep, s->W.a, dk * sizeof(double));
    SWEEP_MPI_FATAL(MPI_Bcast(s->Wrep, (int)dk, MPI_DOUBLE, 0, s->g->comm));
}

/* Z = W^T H on every rank's block (process row 0 holds all of Z's rows) */
static void logits(pufm_state *s)
{
    if (data_parallel(s)) {
        broadcast_w(s);
        if (s->H.nloc > 0)
            cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, s->k, s->H.nloc, s->d, 1.0,
                        s->Wrep, s->d, s->H.a, s->H.lld, 0.0, s->Z.a, s->Z.lld);
        return;
    }
    pdgemm_call("T", "N", s->k, (int)s->n, s->d, &s->W, &s->H, &s->Z);
}

/* gW = H G^T and gH = W G (W as broadcast by logits) */
static void gradients(pufm_state *s)
{
    if (data_parallel(s)) {
        const size_t dk = (size_t)s->d * s->k;
        double *part = s->aux2;
        memset(part, 0, dk * sizeof(double));
        if (s->H.nloc > 0) {
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, s->d, s->k, s->H.nloc, 1.0,
                        s->H.a, s->H.lld, s->G.a, s->G.lld, 0.0, part, s->d);
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, s->d, s->H.nloc, s->k, 1.0,
                        s->Wrep, s->d, s->G.a, s->G.lld, 0.0, s->gH.a, s->gH.lld);
        }
        SWEEP_MPI_FATAL(MPI_Reduce(s->g->mycol == 0 ? MPI_IN_PLACE : part, part, (int)dk, MPI_DOUBLE, MPI_SUM, 0,
                   s->g->comm));
        if (s->g->mycol == 0)
            memcpy(s->gW.a, part, dk * sizeof(double));
        return;
    }
    pdgemm_call("N", "T", s->d, s->k, (int)s->n, &s->H, &s->G, &s->gW);
    pdgemm_call("N", "N", s->d, (int)s->n, s->k, &s->W, &s->G, &s->gH);
}

/* the worst example's margin gap (max over i, c != y_i of u_c - u_y), reduced over the grid */
static double worst_gap(pufm_state *s)
{
    double worst = -INFINITY;
    if (s->Z.mloc == s->k)
        for (int j = 0; j < s->Z.nloc; j++) {
            const int y = s->label[j];
            const double *z = s->Z.a + (size_t)j * s->Z.lld;
            double uy = s->label_temperature ? s->Delta[y] * z[y] : s->Delta[y] * z[y] + s->iota[y];
            for (int c = 0; c < s->k; c++) {
                if (c == y)
                    continue;
                double uc = s->label_temperature ? s->Delta[y] * z[c]
                                                 : s->Delta[c] * z[c] + s->iota[c];
                worst = uc - uy > worst ? uc - uy : worst;
            }
        }
    double all;
    SWEEP_MPI_FATAL(MPI_Allreduce(&worst, &all, 1, MPI_DOUBLE, MPI_MAX, s->g->comm));
    return all;
}

/* loss and gradient (with weight decay) at the current iterate */
static void evaluate(pufm_state *s, int want_loss)
{
    const int rescale = s->o.opt == UFM_OPT_NGD && s->o.wd == 0.0 && s->lambda_w == 0.0 &&
                        s->lambda_h == 0.0;
    logits(s);
    double sigma = 0.0;
    if (rescale) {
        const double gap = worst_gap(s);
        if (gap < 0.0)
            sigma = gap;
    }
    double loc[4] = {0.0, 0.0, 0.0, 0.0}, all[4];
    if (s->Z.mloc == s->k) {
        /* the local columns in runs of at most nb (the scratch's width) */
        for (int j = 0; j < s->Z.nloc; j += s->nb) {
            const int r = s->Z.nloc - j < s->nb ? s->Z.nloc - j : s->nb;
            for (int i = 0; i < r; i++) /* into the class-major layout of the softmax pass */
                for (int c = 0; c < s->k; c++)
                    s->zt[(size_t)c * r + i] = s->Z.a[(size_t)(j + i) * s->Z.lld + c];
            const double part =
                ufm_softmax_columns(&s->sp, s->label + j, s->zt, (size_t)r, (size_t)r, sigma,
                                    want_loss, s->gt, (size_t)r, s->swork, s->sbounds);
            for (int i = 0; i < r; i++) /* back to the column-major layout of G */
                for (int c = 0; c < s->k; c++)
                    s->G.a[(size_t)(j + i) * s->G.lld + c] = s->gt[(size_t)c * r + i];
            if (want_loss)
                loc[0] += part;
        }
    }
    gradients(s);
    loc[1] = local_sumsq(&s->W);
    loc[2] = local_sumsq(&s->H);
    loc[3] = local_add_sumsq(&s->gW, &s->W, s->lambda_w + s->o.wd) +
             local_add_sumsq(&s->gH, &s->H, s->lambda_h + s->o.wd);
    SWEEP_MPI_FATAL(MPI_Allreduce(loc, all, 4, MPI_DOUBLE, MPI_SUM, s->g->comm));
    s->loss = want_loss ? all[0] : NAN;
    s->loss_valid = want_loss;
    /* ridge and coupled weight decay, as in the serial solver (ufm.h); no bias here */
    s->objective = s->loss + 0.5 * (s->lambda_w + s->o.wd) * all[1] +
                   0.5 * (s->lambda_h + s->o.wd) * all[2];
    s->step_norm = sqrt(all[3]);
    s->grad_norm = s->step_norm * exp(sigma);
}

static void update_block(const pufm_state *s, double lr, dmat *x, const dmat *gm, dmat *v)
{
    const size_t len = dmat_len(x);
    if (s->o.opt == UFM_OPT_SGDM) {
        const double mu = s->o.momentum;
        for (size_t i = 0; i < len; i++) {
            v->a[i] = mu * v->a[i] + gm->a[i];
            x->a[i] -= lr * v->a[i];
        }
    } else {
        for (size_t i = 0; i < len; i++)
            x->a[i] -= lr * gm->a[i];
    }
}

/* Metrics from the distributed factors (see pufm.h). Called right after evaluate() on the same
 * iterate: Z holds its logits. */
static int metrics(pufm_state *s, const geom_problem *prob, const double *counts,
                   const geom_prediction *ref, geom_metrics *m)
{
    const int k = s->k, d = s->d;
    const pufm_grid *g = s->g;
    int ret = SWEEP_OK, rank = 0;
    const size_t dk = (size_t)d * k;
    double *Wf = calloc(dk, sizeof(double)), *Hb = calloc(dk, sizeof(double));
    double *buf = malloc(dk * sizeof(double)), *U = malloc(dk * sizeof(double));
    double *S = malloc((size_t)k * sizeof(double)), *T = NULL, *proj = calloc((size_t)k, sizeof(double));
    if (!Wf || !Hb || !buf || !U || !S || !proj) {
        ret = SWEEP_ERR_NOMEM;
        goto cleanup;
    }
    /* W and the class means on every rank */
    for (int j = 0; j < s->W.nloc; j++)
        for (int i = 0; i < s->W.mloc; i++)
            Wf[l2g(i, s->nb, g->myrow, g->nprow) + (size_t)l2g(j, s->nb, g->mycol, g->npcol) * d] =
                s->W.a[i + (size_t)j * s->W.lld];
    SWEEP_MPI_FATAL(MPI_Allreduce(Wf, buf, (int)dk, MPI_DOUBLE, MPI_SUM, g->comm));
    memcpy(Wf, buf, dk * sizeof(double));
    for (int j = 0; j < s->H.nloc; j++) {
        const int y = s->label[j];
        for (int i = 0; i < s->H.mloc; i++)
            Hb[l2g(i, s->nb, g->myrow, g->nprow) + (size_t)y * d] += s->H.a[i + (size_t)j * s->H.lld];
    }
    SWEEP_MPI_FATAL(MPI_Allreduce(Hb, buf, (int)dk, MPI_DOUBLE, MPI_SUM, g->comm));
    for (int c = 0; c < k; c++)
        for (int r = 0; r < d; r++)
            Hb[r + (size_t)c * d] = buf[r + (size_t)c * d] / counts[c];
    if ((ret = geom_metrics_compute(prob, d, Wf, Hb, NULL, ref, m)) != SWEEP_OK)
        goto cleanup;
    /* example-level pieces: ||H||^2, the worst margin and the accuracy from the logits, which
     * the evaluation just before this call left in Z for this very iterate */
    double loc[2] = {local_sumsq(&s->H), 0.0}, all[2], mloc = INFINITY, mall;
    if (s->Z.mloc == k)
        for (int j = 0; j < s->Z.nloc; j++) {
            const double *z = s->Z.a + (size_t)j * s->Z.lld;
            const double v = geom_cs_margin(prob, z, s->label[j]);
            mloc = v < mloc ? v : mloc;
            loc[1] += geom_predicts(z, k, s->label[j]);
        }
    SWEEP_MPI_FATAL(MPI_Allreduce(loc, all, 2, MPI_DOUBLE, MPI_SUM, g->comm));
    SWEEP_MPI_FATAL(MPI_Allreduce(&mloc, &mall, 1, MPI_DOUBLE, MPI_MIN, g->comm));
    const double w2 = m->w_fro * m->w_fro, h2 = all[0];
    m->h_fro = sqrt(h2);
    m->margin = w2 + h2 > 0.0 ? mall / (w2 + h2) : NAN;
    m->train_acc = all[1] / (double)s->n;
    /* nc1: projections of h_i - hbar_{y_i} on the between-class directions; each process row
     * holds part of every embedding, so the dot products are summed over the process column */
    if ((ret = geom_nc1_directions(prob, d, Hb, U, S, &rank)) != SWEEP_OK)
        goto cleanup;
    if (rank > 0 && s->H.nloc > 0) {
        T = calloc((size_t)rank * s->H.nloc, sizeof(double));
        if (T == NULL) {
            ret = SWEEP_ERR_NOMEM;
            goto cleanup;
        }
        for (int j = 0; j < s->H.nloc; j++) {
            const int y = s->label[j];
            for (int i = 0; i < s->H.mloc; i++) {
                const int ig = l2g(i, s->nb, g->myrow, g->nprow);
                const double e = s->H.a[i + (size_t)j * s->H.lld] - Hb[ig + (size_t)y * d];
                for (int q = 0; q < rank; q++)
                    T[q + (size_t)j * rank] += U[ig + (size_t)q * d] * e;
            }
        }
        SWEEP_MPI_FATAL(MPI_Allreduce(MPI_IN_PLACE, T, rank * s->H.nloc, MPI_DOUBLE, MPI_SUM, g->colcomm));
        if (g->myrow == 0)
            for (int j = 0; j < s->H.nloc; j++)
                for (int q = 0; q < rank; q++)
                    proj[q] += T[q + (size_t)j * rank] * T[q + (size_t)j * rank];
    }
    SWEEP_MPI_FATAL(MPI_Allreduce(MPI_IN_PLACE, proj, k, MPI_DOUBLE, MPI_SUM, g->comm));
    double nc1 = 0.0;
    for (int q = 0; q < rank; q++)
        nc1 += proj[q] / (double)s->n / (S[q] * S[q]);
    m->nc1 = nc1;
cleanup:
    free(Wf);
    free(Hb);
    free(buf);
    free(U);
    free(S);
    free(T);
    free(proj);
    return ret;
}

static void state_free(pufm_state *s)
{
    dmat *ms[] = {&s->W, &s->H, &s->gW, &s->gH, &s->vW, &s->vH, &s->Z, &s->G};
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; i++) {
        free(ms[i]->a);
        ms[i]->a = NULL;
    }
    free(s->label);
    free(s->Wrep);
    free(s->aux2);
    free(s->gt);
    free(s->zt);
    free(s->swork);
    free(s->sbounds);
}

/* UFMSWEEP_PDGEMM=1 makes 1 x G grids use pdgemm too (tests compare both paths). */
static int getenv_force_pdgemm(void)
{
    const char *v = getenv("UFMSWEEP_PDGEMM");
    return v != NULL && strcmp(v, "1") == 0;
}

int pufm_solve(pufm_grid *g, const profile *p, const loss_vectors *lv, const ufm_opts *o,
               uint64_t key, int nb, const geom_problem *prob, const geom_prediction *ref,
               ufm_trace *trace, ufm_result *res, sweep_errbuf *eb)
{
    pufm_state s;
    int ret = SWEEP_OK;
    int64_t *sched = NULL;
    int next = 0;
    const int points = trace != NULL ? trace->points : 0;
    memset(&s, 0, sizeof s);
    memset(res, 0, sizeof *res);
    geom_metrics_set_nan(&res->metrics);

    const int k = p->k, d = p->d;
    if ((ret = ufm_opts_validate(o, eb)) != SWEEP_OK ||
        (ret = profile_check_integer_counts(p, eb)) != SWEEP_OK)
        return ret;
    if (o->bias)
        return sweep_err_set(eb, SWEEP_ERR_ARG,
                             "a grouped solve (--ranks-per-solve) does not support --bias");
    if (points > 0) {
        if ((int64_t)points > o->iters + 1)
            return sweep_err_set(eb, SWEEP_ERR_ARG, "%d trace points for %lld iterations", points,
                                 (long long)o->iters);
        if ((sched = malloc((size_t)points * sizeof *sched)) == NULL)
            return sweep_err_set(eb, SWEEP_ERR_NOMEM, "grouped solve: out of memory");
        if ((ret = ufm_trace_iters(o->iters, points, sched)) != SWEEP_OK) {
            free(sched);
            return sweep_err_set(eb, ret, "%d trace points for %lld iterations", points,
                                 (long long)o->iters);
        }
    }
    if (nb <= 0)
        nb = k > 64 ? k : 64;
    if (nb < k)
        return sweep_err_set(eb, SWEEP_ERR_ARG,
                             "block size %d < k = %d: a logit column must fit in one block", nb,
                             k);
    if (p->n > 2147483647.0)
        return sweep_err_set(eb, SWEEP_ERR_ARG, "n = %g is too large", p->n);
    s.g = g;
    s.k = k;
    s.d = d;
    s.nb = nb;
    s.n = (size_t)p->n;
    s.o = *o;
    s.Delta = lv->Delta;
    s.iota = lv->iota;
    s.label_temperature = lv->label_temperature;
    s.lambda_w = lv->lambda_w;
    s.lambda_h = lv->lambda_h;
    s.sp.k = k;
    s.sp.omega = lv->omega;
    s.sp.Delta = lv->Delta;
    s.sp.iota = lv->iota;
    s.sp.label_temperature = lv->label_temperature;
    s.sp.inv_n = 1.0 / p->n;
    const int n = (int)s.n;
    if (dmat_init(g, d, k, nb, &s.W) || dmat_init(g, d, n, nb, &s.H) ||
        dmat_init(g, d, k, nb, &s.gW) || dmat_init(g, d, n, nb, &s.gH) ||
        dmat_init(g, d, k, nb, &s.vW) || dmat_init(g, d, n, nb, &s.vH) ||
        dmat_init(g, k, n, nb, &s.Z) || dmat_init(g, k, n, nb, &s.G) ||
        (s.label = malloc((size_t)(s.H.nloc > 0 ? s.H.nloc : 1) * sizeof(int))) == NULL ||
        (s.gt = malloc((size_t)k * nb * sizeof(double))) == NULL ||
        (s.zt = malloc((size_t)k * nb * sizeof(double))) == NULL ||
        (s.swork = malloc(3 * (size_t)nb * sizeof(double))) == NULL ||
        (s.sbounds = malloc((size_t)(k + 1) * sizeof(size_t))) == NULL) {
        ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "grouped solve: out of memory");
        goto cleanup;
    }
    if (g->nprow == 1 && !getenv_force_pdgemm()) {
        s.Wrep = malloc((size_t)d * k * sizeof(double));
        s.aux2 = malloc((size_t)d * k * sizeof(double));
        if (s.Wrep == NULL || s.aux2 == NULL) {
            ret = sweep_err_set(eb, SWEEP_ERR_NOMEM, "grouped solve: out of memory");
            goto cleanup;
        }
    }
    /* labels of the local columns (Z and H share the column distribution) */
    for (int j = 0; j < s.H.nloc; j++) {
        const double jg = l2g(j, nb, g->mycol, g->npcol);
        double start = 0.0;
        int y = 0;
        while (y < k - 1 && jg >= start + p->counts[y])
            start += p->counts[y++];
        s.label[j] = y;
    }
    /* the serial initialization, entry by entry: W stream 0, H stream 1 */
    const double bw = 1.0 / sqrt((double)d), bh = 1.0 / sqrt(p->n);
    for (int j = 0; j < s.W.nloc; j++)
        for (int i = 0; i < s.W.mloc; i++) {
            const size_t idx = (size_t)l2g(i, nb, g->myrow, g->nprow) +
                               (size_t)l2g(j, nb, g->mycol, g->npcol) * d;
            s.W.a[i + (size_t)j * s.W.lld] = o->init == UFM_INIT_TORCH
                                                 ? rng_uniform_at(key, 0, -bw, bw, idx)
                                                 : rng_gauss_at(key, 0, o->init_std, idx);
        }
    for (int j = 0; j < s.H.nloc; j++)
        for (int i = 0; i < s.H.mloc; i++) {
            const size_t idx = (size_t)l2g(i, nb, g->myrow, g->nprow) +
                               (size_t)l2g(j, nb, g->mycol, g->npcol) * (size_t)d;
            s.H.a[i + (size_t)j * s.H.lld] = o->init == UFM_INIT_TORCH
                                                 ? rng_uniform_at(key, 1, -bh, bh, idx)
                                                 : rng_gauss_at(key, 1, o->init_std, idx);
        }

    ufm_outcome outcome;
    for (;;) {
        const int at_trace = next < points && sched[next] == s.iter;
        evaluate(&s, at_trace || s.o.tol_loss > 0.0 || s.iter >= s.o.iters);
        if (at_trace) {
            trace->iter[next] = s.iter;
            trace->lr[next] = ufm_lr_at(&s.o, s.iter);
            trace->loss[next] = s.loss;
            trace->grad_norm[next] = s.grad_norm;
            if ((ret = metrics(&s, prob, p->counts, ref, &trace->metrics[next])) != SWEEP_OK) {
                sweep_err_set(eb, ret, "grouped solve: metrics: %s", sweep_strerror(ret));
                goto cleanup;
            }
            next++;
        }
        outcome = ufm_stop_test(&s.o, s.loss_valid, s.loss, s.grad_norm, s.step_norm, s.iter);
        if (outcome != UFM_RUNNING)
            break;
        double lr = ufm_lr_at(&s.o, s.iter);
        if (s.o.opt == UFM_OPT_NGD)
            lr = s.step_norm > 0.0 ? lr / s.step_norm : 0.0;
        update_block(&s, lr, &s.W, &s.gW, &s.vW);
        update_block(&s, lr, &s.H, &s.gH, &s.vH);
        s.iter++;
    }
    if (!s.loss_valid)
        evaluate(&s, 1);
    res->outcome = outcome;
    res->iters = s.iter;
    res->loss = s.loss;
    res->objective = s.objective;
    res->grad_norm = s.grad_norm;
    res->lr_final = s.iter > 0 ? ufm_lr_at(&s.o, s.iter - 1) : NAN;
    if ((ret = metrics(&s, prob, p->counts, ref, &res->metrics)) != SWEEP_OK)
        sweep_err_set(eb, ret, "grouped solve: metrics: %s", sweep_strerror(ret));
cleanup:
    state_free(&s);
    free(sched);
    return ret;
}

int pufm_point_solve(void *ctx, const profile *p, const loss_vectors *lv, const ufm_opts *o,
                     uint64_t key, const geom_problem *prob, const geom_prediction *ref,
                     ufm_trace *trace, ufm_result *res, sweep_errbuf *eb)
{
    const pufm_point_ctx *c = ctx;
    return pufm_solve(c->grid, p, lv, o, key, c->nb, prob, ref, trace, res, eb);
}
