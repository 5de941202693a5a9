/* store_schema.h - the names of the store's groups and datasets (docs/STORE.md), in one place
 * for every reader and writer: store.c, verify and export. Grid-shaped datasets are
 * GROUP/<name> with the names of geom_metric_name (results, theory), point_solve_field_name
 * (results) and point_trace_field_name (traces); each data group also holds the axes' scales
 * (GROUP/<axis>), and /coords hard links to them. */
#ifndef UFMSWEEP_STORE_SCHEMA_H
#define UFMSWEEP_STORE_SCHEMA_H

#define STORE_COORDS "/coords"
#define STORE_RESULTS "/results"
#define STORE_THEORY "/theory"
#define STORE_TRACES "/traces"
#define STORE_STATUS "/status"
#define STORE_PROVENANCE "/provenance"

#define STORE_THEORY_SOURCE STORE_THEORY "/theory_source"
#define STORE_STATE STORE_STATUS "/state"
#define STORE_ATTEMPTS STORE_STATUS "/attempts"
#define STORE_RANK STORE_STATUS "/rank"
#define STORE_WALL STORE_STATUS "/wall_s"
#define STORE_OUTCOME STORE_STATUS "/outcome"
#define STORE_MESSAGE STORE_STATUS "/message"
#define STORE_COMMIT_TIME STORE_STATUS "/commit_time" /* optional: stores made before 0.2 lack it */
#define STORE_SOURCE STORE_STATUS "/source"             /* optional: schema 3 */
#define STORE_SOURCE_POINT STORE_STATUS "/source_point" /* optional: schema 3 */
#define STORE_SPEC STORE_PROVENANCE "/spec"
#define STORE_OVERRIDES STORE_PROVENANCE "/overrides"         /* only with overrides */
#define STORE_SPEC_RESOLVED STORE_PROVENANCE "/spec_resolved" /* only with overrides */
#define STORE_EFFECTIVE STORE_PROVENANCE "/effective"
#define STORE_RUNS STORE_PROVENANCE "/runs"

#endif /* UFMSWEEP_STORE_SCHEMA_H */
