/* record.h - the members of point_record (point.h) as data: the one table from which the
 * transport of a record (the MPI datatype of a RESULT message, src/comm/sweep_comm.c) is made.
 * A member added to point_record is added here too, or the unit test that checks that the
 * table covers the struct whole (tests/unit/test_identity.c) fails. No MPI here: the types are
 * plain element kinds that the comm layer maps to MPI's. */
#ifndef UFMSWEEP_RECORD_H
#define UFMSWEEP_RECORD_H

#include "point.h"

#include <stddef.h>

typedef enum record_elem {
    RECORD_I64,  /* int64_t */
    RECORD_I32,  /* int32_t */
    RECORD_F64,  /* double */
    RECORD_CHAR  /* char */
} record_elem;

typedef struct record_member {
    const char *name;   /* the member of point_record */
    record_elem elem;
    size_t offset;      /* offsetof(point_record, member) */
    int count;          /* elements */
    int transported;    /* 1: sent with a RESULT (0: padding kept for layout, "reserved") */
} record_member;

/* record_members - the table, in struct order; *n receives its length. Static storage. */
const record_member *record_members(int *n);

/* record_elem_size - the bytes of one element. */
size_t record_elem_size(record_elem e);

#endif /* UFMSWEEP_RECORD_H */
