/* enumtab.h - one table per enumeration of the core (profile kinds, losses, optimizers): its
 * values and names, from which every caller takes the name of a value, parses a name, and
 * writes the "use a, b or c" list of an error message. Static data; any rank; no MPI. */
#ifndef UFMSWEEP_ENUMTAB_H
#define UFMSWEEP_ENUMTAB_H

#include "sweep_err.h"

#include <stddef.h>

typedef struct enum_entry {
    int value;
    const char *name;
} enum_entry;

typedef struct enum_table {
    const char *what;          /* "loss", "profile", "optimizer": for messages */
    const enum_entry *entries; /* [n], in the order they are listed */
    int n;
} enum_table;

/* enum_table_name - the name of value, "unknown" when the table has none. */
const char *enum_table_name(const enum_table *t, int value);

/* enum_table_parse - *value for name (exact match); SWEEP_ERR_ARG when the table has none. */
SWEEP_MUST_USE int enum_table_parse(const enum_table *t, const char *name, int *value);

/* enum_table_choices - "a, b or c" into buf[cap] (snprintf-like; returns the needed length). */
size_t enum_table_choices(const enum_table *t, char *buf, size_t cap);

/* The core's tables. */
extern const enum_table profile_kind_table; /* step, lt, counts */
extern const enum_table loss_kind_table;    /* ce, wce, la, cdt, vs, ldt */
extern const enum_table ufm_opt_table;      /* gd, ngd, sgdm */

#endif /* UFMSWEEP_ENUMTAB_H */
