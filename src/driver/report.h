/* report.h - printing one point's metrics: JSON (jansson) and a human-readable table.
 * Shared by `theory` and (as they land) `solve`. Serial, no MPI.
 */
#ifndef UFMSWEEP_REPORT_H
#define UFMSWEEP_REPORT_H

#include "sweep_err.h"

#include "metrics.h"
#include "params.h"
#include "profile.h"

#include <jansson.h>
#include <stdio.h>

/* report_json_real - a JSON number, or JSON null for NaN/Inf (JSON has neither). New reference. */
json_t *report_json_real(double v);

/* report_json_vector - a JSON array of n reals (NaN -> null). New reference. */
json_t *report_json_vector(const double *v, int n);

/* report_json_matrix - a k x k column-major matrix as an array of rows. New reference. */
json_t *report_json_matrix(const double *A, int k);

/* report_metrics_json - add every metric of m to obj under its docs/THEORY.md, Metrics name. */
SWEEP_MUST_USE int report_metrics_json(json_t *obj, const geom_metrics *m);

/* report_problem_json - add the profile (k, k_maj, k_min, counts, ...) and loss settings. The
 * loss's name goes under "loss_name": "loss" is the metric (mean training loss), set to null here
 * and overwritten by solvers. */
SWEEP_MUST_USE int report_problem_json(json_t *obj, const point_params *pp, const profile *p,
                        const loss_vectors *lv);

/* report_metrics_text - the geometry as a small table for people. */
void report_metrics_text(FILE *f, const geom_metrics *m);

/* report_problem_text - one paragraph describing the profile and the loss. */
void report_problem_text(FILE *f, const point_params *pp, const profile *p,
                         const loss_vectors *lv);

/* report_json_print - print obj as one line of JSON to f (keys in insertion order). */
SWEEP_MUST_USE int report_json_print(FILE *f, const json_t *obj);

#endif /* UFMSWEEP_REPORT_H */
