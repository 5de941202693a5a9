#include "store_plan.h"

const char *store_plan_action_name(store_plan_action a)
{
    static const char *const names[] = {"refuse-exists",      "refuse-nothing",
                                        "create",             "create-from-journal",
                                        "open-store",         "continue",
                                        "continue-warn",      "rebuild-from-store",
                                        "rebuild-from-journal", "refuse"};
    return (int)a >= 0 && (size_t)a < sizeof names / sizeof names[0] ? names[a] : "unknown";
}

store_plan_action store_plan_start(const store_plan_request *r, int have_store, int have_journal)
{
    const int exists = have_store || have_journal;
    const int resume = r->cont ? exists : r->resume; /* --continue: resume what exists */
    if (exists && !resume && !r->restart)
        return STORE_PLAN_REFUSE_EXISTS;
    if (!exists && resume)
        return STORE_PLAN_REFUSE_NOTHING;
    if (!resume)
        return STORE_PLAN_CREATE;
    return have_store ? STORE_PLAN_OPEN_STORE : STORE_PLAN_CREATE_FROM_JOURNAL;
}

store_plan_action store_plan_resume(const store_plan_open *o, int *code)
{
    *code = SWEEP_OK;
    if (o->open_code == SWEEP_OK) {
        if (!o->same_shard) {
            *code = SWEEP_ERR_OTHER_SPEC;
            return STORE_PLAN_REFUSE;
        }
        if (!o->same_numerics) {
            *code = SWEEP_ERR_NUMERICS;
            return STORE_PLAN_REFUSE;
        }
        if (o->writing) /* the last writer died */
            return o->have_journal ? STORE_PLAN_REBUILD_FROM_STORE : STORE_PLAN_CONTINUE_WARN;
        return STORE_PLAN_CONTINUE;
    }
    if (o->open_code == SWEEP_ERR_LEFT_OPEN) {
        /* HDF5 marks it open by a writer, and the run holds the lock: that writer was killed.
         * HDF5 refuses it for writing but reads it in SWMR mode */
        if (o->reader_code == SWEEP_OK) {
            if (!o->same_numerics) {
                *code = SWEEP_ERR_NUMERICS;
                return STORE_PLAN_REFUSE;
            }
            return STORE_PLAN_REBUILD_FROM_STORE;
        }
        if (o->have_journal &&
            (o->reader_code == SWEEP_ERR_DAMAGED || o->reader_code == SWEEP_ERR_LEFT_OPEN))
            return STORE_PLAN_REBUILD_FROM_JOURNAL;
        *code = o->reader_code;
        return STORE_PLAN_REFUSE;
    }
    if (o->open_code == SWEEP_ERR_DAMAGED && o->have_journal)
        return STORE_PLAN_REBUILD_FROM_JOURNAL;
    *code = o->open_code; /* damaged without a journal, locked, not ours, newer, other spec */
    return STORE_PLAN_REFUSE;
}
