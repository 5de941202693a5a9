#include "record.h"

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
    MEMBER(solve, RECORD_F64, POINT_SOLVE_FIELDS, 1),
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
        return 1;
    }
    return 0;
}
