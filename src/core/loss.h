/* loss.h - the CE family as (omega, Delta, iota) vectors (docs/THEORY.md, Loss presets).
 *
 *   VS form (ce, wce, la, cdt, vs):  l(y, z) = omega_y * ( -log softmax(Delta ⊙ z + iota)_y )
 *   LDT:                             l(y, z) = -log softmax(Delta_y * z)_y
 *
 * "∝" in the presets means normalized to mean 1 over classes (sum = k), the authors' convention.
 * Plain C on arrays, no MPI.
 */
#ifndef UFMSWEEP_LOSS_H
#define UFMSWEEP_LOSS_H

#include "profile.h"
#include "sweep_err.h"

typedef enum loss_kind {
    LOSS_CE = 0,
    LOSS_WCE = 1, /* omega ∝ n_c^-gamma */
    LOSS_LA = 2,  /* iota = tau log pi_c */
    LOSS_CDT = 3, /* Delta ∝ n_c^gamma */
    LOSS_VS = 4,  /* Delta ∝ n_c^gamma, iota = tau log pi_c */
    LOSS_LDT = 5  /* Delta ∝ n_c^gamma applied per label */
} loss_kind;

#define LOSS_KIND_COUNT 6

/* loss_kind_name - "ce", "wce", ... (static string); loss_kind_parse - inverse, SWEEP_ERR_ARG
 * for an unknown name. */
const char *loss_kind_name(loss_kind kind);
SWEEP_MUST_USE int loss_kind_parse(const char *name, loss_kind *out);

/* Options that define a loss. Explicit vectors (n_* > 0) replace the preset's vector of the same
 * name; they must have exactly k entries. */
typedef struct loss_opts {
    loss_kind kind;
    double gamma;    /* exponent of wce / cdt / vs / ldt presets */
    double tau;      /* logit-adjustment strength of la / vs presets */
    double lambda_w; /* ridge on W (weight decay), >= 0 */
    double lambda_h; /* ridge on H, >= 0 */
    int n_omega, n_Delta, n_iota;
    double omega[PROFILE_MAX_K];
    double Delta[PROFILE_MAX_K];
    double iota[PROFILE_MAX_K];
} loss_opts;

/* loss_opts_default - ce, gamma = 0, tau = 1, lambda = 0, no explicit vectors. */
void loss_opts_default(loss_opts *o);

/* loss_opts_validate - Finite gamma/tau, lambda >= 0, explicit vectors of length k (when k > 0)
 * with omega > 0, Delta > 0 and iota finite. Detail naming option and value in eb. */
SWEEP_MUST_USE int loss_opts_validate(const loss_opts *o, int k, sweep_errbuf *eb);

/* The realized per-class vectors for one profile. */
typedef struct loss_vectors {
    loss_kind kind;
    int k;
    int label_temperature; /* 1 for LDT: the whole logit vector is scaled by Delta_y (0 when
                              Delta is constant and iota is 0: then that is the VS form) */
    double *omega;         /* [k] per-class loss weight */
    double *Delta;         /* [k] per-class logit temperature */
    double *iota;          /* [k] per-class additive logit offset */
    double lambda_w, lambda_h;
} loss_vectors;

/* loss_vectors_create - Presets for the counts of p (priors pi_c = n_c/n), overridden by explicit
 * vectors. Caller frees with loss_vectors_destroy. */
SWEEP_MUST_USE int loss_vectors_create(const loss_opts *o, const profile *p, loss_vectors **out,
                        sweep_errbuf *eb);

/* loss_vectors_destroy - Free *lv (NULL accepted) and set *lv = NULL. */
void loss_vectors_destroy(loss_vectors **lv);

#endif /* UFMSWEEP_LOSS_H */
