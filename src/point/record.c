#include "record.h"

#include <math.h>
#include <string.h>

#define MEMBER(m, e, c, t) {#m, e, offsetof(point_record, m), c, t}

static const record_member members[] = {
    MEMBER(point, RECORD_I64, 1, 1),
    MEMBER(state, RECORD_I32, 1, 1),
    MEMBER(outcome, RECORD_I32, 1, 1),
    MEMBER(theory_source, RECORD_I32, 1, 1),
    MEMBER(error_code, RECORD_I32, 1, 1),
    MEMBER(rank, RECORD_I32, 1, 1),
    MEMBER(attempts, RECORD_I32, 1, 1),
    MEMBER(wall_s, RECORD_F64, 1, 1),
    MEMBER(source_point, RECORD_I64, 1, 1),
    MEMBER(source, RECORD_I32, 1, 1),
    MEMBER(reserved, RECORD_I32, 1, 0),
    MEMBER(solve, RECORD_F64, POINT_SOLVE_FIELDS, 1), /* point_solve_scalars: doubles */
    MEMBER(theory, RECORD_F64, GEOM_METRICS_COUNT, 1),
    MEMBER(result, RECORD_F64, GEOM_METRICS_COUNT, 1),
    MEMBER(message, RECORD_CHAR, (int)sizeof(((point_record *)0)->message), 1),
};

const record_member *record_members(int *n)
{
    *n = (int)(sizeof members / sizeof members[0]);
    return members;
}

size_t record_elem_size(record_elem e)
{
    switch (e) {
    case RECORD_I64:
        return sizeof(int64_t);
    case RECORD_I32:
        return sizeof(int32_t);
    case RECORD_F64:
        return sizeof(double);
    case RECORD_CHAR:
    case RECORD_I8:
    case RECORD_U8:
        return 1;
    }
    return 0;
}

/* ---- the stored fields ---- */

#define OFF(member) offsetof(point_record, member)
/* a metric's element of the record's theory[] / result[] arrays */
#define METRIC_OFF(array, m) (offsetof(point_record, array) + sizeof(double) * GEOM_METRIC_##m)

#define STATE_VALUE_(e, v, name, meaning) v,
static const int64_t state_values[] = {POINT_STATE_LIST(STATE_VALUE_)};
#undef STATE_VALUE_
#define STATE_NAME_(e, v, name, meaning) " " name
#define STATE_NOTE_(e, v, name, meaning) "; " name ": " meaning
static const char state_meanings[] = POINT_STATE_LIST(STATE_NAME_);
static const char state_comment[] = POINT_STATE_LIST(STATE_NOTE_);
#undef STATE_NAME_
#undef STATE_NOTE_
static const int64_t theory_source_values[] = {-1, POINT_THEORY_NONE, POINT_THEORY_CLOSED_FORM,
                                               POINT_THEORY_CONVEX};
static const int64_t outcome_values[] = {-1, 1, 2, 3, 4};

#define BOTH (RECORD_EXPORT_CSV | RECORD_EXPORT_NC)
#define RESULT_METRIC_(m, ln)                                                                  \
    {.name = #m, .column = #m, .group = RECORD_GROUP_RESULTS, .stored = RECORD_F64,             \
     .member = RECORD_F64, .offset = METRIC_OFF(result, m), .fill = NAN,                       \
     .long_name = ln " of the trained model", .units = "1", .exports = BOTH},
#define SOLVE_SCALAR_(m, ln)                                                                   \
    {.name = #m, .column = #m, .group = RECORD_GROUP_RESULTS, .stored = RECORD_F64,             \
     .member = RECORD_F64, .offset = OFF(solve.m), .fill = NAN, .long_name = ln, .units = "1", \
     .exports = BOTH},
#define THEORY_METRIC_(m, ln)                                                                  \
    {.name = #m, .column = "theory_" #m, .group = RECORD_GROUP_THEORY, .stored = RECORD_F64,    \
     .member = RECORD_F64, .offset = METRIC_OFF(theory, m), .fill = NAN,                       \
     .long_name = "predicted " ln, .units = "1", .exports = BOTH},
#define TRACE_HEAD_(m, ln)                                                                     \
    {.name = #m, .column = #m "_trace", .group = RECORD_GROUP_TRACES, .stored = RECORD_F64,     \
     .member = RECORD_F64, .offset = POINT_TRACE_##m, .fill = NAN,                             \
     .long_name = ln " along training", .units = "1", .exports = RECORD_EXPORT_NC},
#define TRACE_METRIC_(m, ln)                                                                   \
    {.name = #m, .column = #m "_trace", .group = RECORD_GROUP_TRACES, .stored = RECORD_F64,     \
     .member = RECORD_F64, .offset = POINT_TRACE_HEAD_COUNT + GEOM_METRIC_##m, .fill = NAN,    \
     .long_name = ln " along training", .units = "1", .exports = RECORD_EXPORT_NC},

static const record_field fields[] = {
    {.name = "state", .column = "state", .group = RECORD_GROUP_STATUS, .stored = RECORD_U8,
     .member = RECORD_I32, .offset = OFF(state), .fill = POINT_PENDING,
     .long_name = "state of the point", .flag_meanings = state_meanings + 1,
     .flag_values = state_values, .n_flags = POINT_STATE_COUNT, .comment = state_comment + 2,
     .exports = BOTH},
    {.name = "theory_source", .column = "theory_source", .group = RECORD_GROUP_THEORY,
     .stored = RECORD_I8, .member = RECORD_I32, .offset = OFF(theory_source), .fill = -1,
     .long_name = "source of the prediction",
     .flag_meanings = "pending none closed_form convex", .flag_values = theory_source_values,
     .n_flags = 4,
     .comment = "none: no closed form and no certified convex solve; convex: the class-level "
                "convex problem solved to a certified gap",
     .exports = BOTH},
    {.name = "attempts", .column = "attempts", .group = RECORD_GROUP_STATUS,
     .stored = RECORD_I32, .member = RECORD_I32, .offset = OFF(attempts), .fill = 0,
     .long_name = "number of times the point's result was recorded", .units = "1",
     .exports = BOTH},
    GEOM_METRIC_LIST(RESULT_METRIC_)
    POINT_SOLVE_LIST(SOLVE_SCALAR_)
    GEOM_METRIC_LIST(THEORY_METRIC_)
    {.name = "outcome", .column = "outcome", .group = RECORD_GROUP_STATUS, .stored = RECORD_I8,
     .member = RECORD_I32, .offset = OFF(outcome), .code = RECORD_CODE_POSITIVE, .fill = -1,
     .long_name = "outcome of the solve",
     .flag_meanings = "pending_or_no_solve converged_gradient converged_loss max_iter diverged",
     .flag_values = outcome_values, .n_flags = 5,
     .comment = "converged_gradient: grad_tol reached (reference solvers: their certified "
                "tolerance); converged_loss: loss_tol reached",
     .exports = RECORD_EXPORT_NC},
    {.name = "rank", .column = "rank", .group = RECORD_GROUP_STATUS, .stored = RECORD_I32,
     .member = RECORD_I32, .offset = OFF(rank), .fill = -1,
     .long_name = "MPI rank that computed the point", .exports = RECORD_EXPORT_NC},
    {.name = "wall_s", .column = "wall_s", .group = RECORD_GROUP_STATUS, .stored = RECORD_F64,
     .member = RECORD_F64, .offset = OFF(wall_s), .fill = NAN,
     .long_name = "wall-clock time of the point's solve", .units = "s",
     .exports = RECORD_EXPORT_NC},
    {.name = "commit_time", .column = "commit_time", .group = RECORD_GROUP_STATUS,
     .stored = RECORD_F64, .member = RECORD_F64, .offset = 0, .code = RECORD_CODE_COMMIT_TIME,
     .fill = NAN,
     .long_name = "when the writer committed the point to this store (UTC); NaN when pending "
                  "or not known (points rebuilt from a journal or copied from another store)",
     .units = "seconds since 1970-01-01 00:00:00", .optional = 1, .exports = RECORD_EXPORT_NC},
    {.name = "source", .column = "source", .group = RECORD_GROUP_STATUS, .stored = RECORD_I32,
     .member = RECORD_I32, .offset = OFF(source), .fill = POINT_COMPUTED,
     .long_name = "where the point's record comes from",
     .comment = "-1: computed for this point (or pending); 0: copied from source_point of this "
                "store, whose problem is the same; i >= 1: copied from source_point of the i-th "
                "store of the provenance attribute reuse_sources (run --reuse)",
     .optional = 1, .exports = RECORD_EXPORT_NC},
    {.name = "source_point", .column = "source_point", .group = RECORD_GROUP_STATUS,
     .stored = RECORD_I64, .member = RECORD_I64, .offset = OFF(source_point), .fill = -1,
     .long_name = "the point a copied record comes from (-1: computed)", .optional = 1,
     .exports = RECORD_EXPORT_NC},
    {.name = "message", .column = "message", .group = RECORD_GROUP_STATUS,
     .stored = RECORD_CHAR, .member = RECORD_CHAR, .offset = OFF(message), .fill = 0,
     .long_name = "why the point failed or did not converge", .exports = BOTH},
    POINT_TRACE_HEAD_LIST(TRACE_HEAD_)
    GEOM_METRIC_LIST(TRACE_METRIC_)
};

_Static_assert(sizeof(((point_record *)0)->theory) == sizeof(geom_metrics),
               "point_record.theory[] holds the metrics in geom_metrics order");

const record_field *record_fields(int *n)
{
    *n = (int)(sizeof fields / sizeof fields[0]);
    return fields;
}

int record_field_find(record_group group, const char *name)
{
    for (int i = 0; i < (int)(sizeof fields / sizeof fields[0]); i++)
        if (fields[i].group == group && strcmp(fields[i].name, name) == 0)
            return i;
    return -1;
}

const char *record_group_path(record_group group)
{
    switch (group) {
    case RECORD_GROUP_THEORY:
        return "/theory";
    case RECORD_GROUP_RESULTS:
        return "/results";
    case RECORD_GROUP_STATUS:
        return "/status";
    case RECORD_GROUP_TRACES:
        return "/traces";
    }
    return "";
}

double record_field_get(const record_field *f, const point_record *rec)
{
    const char *at = (const char *)rec + f->offset;
    int32_t i32;
    int64_t i64;
    double d;
    switch (f->member) {
    case RECORD_I32:
        memcpy(&i32, at, sizeof i32);
        if (f->code == RECORD_CODE_POSITIVE && i32 <= 0)
            return f->fill;
        return (double)i32;
    case RECORD_I64:
        memcpy(&i64, at, sizeof i64);
        return (double)i64;
    case RECORD_F64:
        memcpy(&d, at, sizeof d);
        return d;
    default:
        return NAN;
    }
}

void record_field_set(const record_field *f, point_record *rec, double v)
{
    char *at = (char *)rec + f->offset;
    switch (f->member) {
    case RECORD_I32: {
        int32_t i32 = isfinite(v) ? (int32_t)v : 0;
        if (f->code == RECORD_CODE_POSITIVE && i32 <= 0)
            i32 = 0;
        memcpy(at, &i32, sizeof i32);
        break;
    }
    case RECORD_I64: {
        int64_t i64 = isfinite(v) ? (int64_t)v : 0;
        memcpy(at, &i64, sizeof i64);
        break;
    }
    case RECORD_F64:
        memcpy(at, &v, sizeof v);
        break;
    default:
        break;
    }
}

char *point_text_clean(char *s)
{
    for (unsigned char *c = (unsigned char *)s; *c != '\0'; c++)
        if (*c < 0x20 || *c == 0x7f)
            *c = '?';
    return s;
}

/* ---- names of the solve scalars and trace fields ---- */

#define NAME_(m, ln) #m,
#define LONG_(m, ln) ln,
static const char *const solve_names[] = {POINT_SOLVE_LIST(NAME_)};
static const char *const solve_long[] = {POINT_SOLVE_LIST(LONG_)};
static const char *const trace_head[] = {POINT_TRACE_HEAD_LIST(NAME_)};
static const char *const trace_long[] = {POINT_TRACE_HEAD_LIST(LONG_)};
#undef NAME_
#undef LONG_

const char *point_solve_field_name(int i)
{
    return i >= 0 && i < POINT_SOLVE_FIELDS ? solve_names[i] : NULL;
}

const char *point_solve_field_long_name(int i)
{
    return i >= 0 && i < POINT_SOLVE_FIELDS ? solve_long[i] : NULL;
}

const char *point_trace_field_name(int f)
{
    if (f >= 0 && f < POINT_TRACE_HEAD_COUNT)
        return trace_head[f];
    return geom_metric_name(f - POINT_TRACE_HEAD_COUNT);
}

const char *point_trace_field_long_name(int f)
{
    if (f >= 0 && f < POINT_TRACE_HEAD_COUNT)
        return trace_long[f];
    return geom_metric_long_name(f - POINT_TRACE_HEAD_COUNT);
}

const char *point_state_name(int state)
{
    switch (state) {
#define POINT_STATE_CASE_(e, v, name, meaning)                                                  \
    case e:                                                                                      \
        return name;
        POINT_STATE_LIST(POINT_STATE_CASE_)
#undef POINT_STATE_CASE_
    }
    return "unknown";
}

const char *point_state_flag_meanings(void)
{
    return state_meanings + 1;
}

const char *point_state_comment(void)
{
    return state_comment + 2;
}
