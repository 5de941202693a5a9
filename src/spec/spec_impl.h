/* spec_impl.h - inside the spec module: overrides applied to the YAML document, the document
 * written back as text, and the relabelling of errors in what an override set. No MPI. */
#ifndef UFMSWEEP_SPEC_IMPL_H
#define UFMSWEEP_SPEC_IMPL_H

#include "sweep_err.h"

#include <stddef.h>
#include <yaml.h>

/* The nodes an override adds carry this 0-based line (+ the override's number), past any real
 * spec (64 MiB at most), so that an error about them can name the override instead. */
#define SPEC_OVERRIDE_LINE 100000000

/* spec_overrides_apply - Apply overrides ov[0..n) ("KEY=VALUE", spec.h) to doc in order.
 * SWEEP_ERR_ARG naming the override when one cannot be applied (no '=', a value that is not
 * YAML, a path through something that is not a mapping or a list, a block number out of
 * range), SWEEP_ERR_NOMEM. */
SWEEP_MUST_USE int spec_overrides_apply(yaml_document_t *doc, const char *const *ov, int n, sweep_errbuf *eb);

/* spec_overrides_relabel - When eb's message starts "path:LINE:" with LINE of an override's
 * node, make it start "path: override 'KEY=VALUE':" instead. */
void spec_overrides_relabel(sweep_errbuf *eb, const char *path, const char *const *ov, int n);

/* spec_yaml_emit - doc as YAML text (*out malloc'd, NUL-terminated, caller frees). libyaml's
 * emitter takes the document: doc is emptied whatever the outcome. */
SWEEP_MUST_USE int spec_yaml_emit(yaml_document_t *doc, char **out, size_t *len);

#endif /* UFMSWEEP_SPEC_IMPL_H */
