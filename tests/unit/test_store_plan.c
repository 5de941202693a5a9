/* The run's store life cycle (src/store/store_plan.c), table-driven: every combination of what
 * is at the path and what was asked, and every way the store can open, against the action the
 * docs promise (nothing replaced that is not proven ours; unreadable stores rebuilt from the
 * journal and kept aside; a writer's death repaired from the store's own points). */
#include "check.h"
#include "store_plan.h"

static int test_start(void)
{
    int fails = 0;
    static const struct {
        int resume, restart, cont, have_store, have_journal;
        store_plan_action want;
    } rows[] = {
        /* nothing there */
        {0, 0, 0, 0, 0, STORE_PLAN_CREATE},
        {1, 0, 0, 0, 0, STORE_PLAN_REFUSE_NOTHING},
        {0, 1, 0, 0, 0, STORE_PLAN_CREATE},
        {0, 0, 1, 0, 0, STORE_PLAN_CREATE}, /* --continue starts */
        /* a store */
        {0, 0, 0, 1, 0, STORE_PLAN_REFUSE_EXISTS},
        {0, 0, 0, 1, 1, STORE_PLAN_REFUSE_EXISTS},
        {0, 0, 0, 0, 1, STORE_PLAN_REFUSE_EXISTS}, /* a journal alone is work too */
        {1, 0, 0, 1, 0, STORE_PLAN_OPEN_STORE},
        {1, 0, 0, 1, 1, STORE_PLAN_OPEN_STORE},
        {1, 0, 0, 0, 1, STORE_PLAN_CREATE_FROM_JOURNAL},
        {0, 0, 1, 1, 1, STORE_PLAN_OPEN_STORE}, /* --continue resumes what exists */
        {0, 0, 1, 0, 1, STORE_PLAN_CREATE_FROM_JOURNAL},
        {0, 1, 0, 1, 1, STORE_PLAN_CREATE},    /* --restart (restart_check proves it ours) */
        {0, 1, 0, 1, 0, STORE_PLAN_CREATE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const store_plan_request r = {rows[i].resume, rows[i].restart, rows[i].cont};
        const store_plan_action got = store_plan_start(&r, rows[i].have_store, rows[i].have_journal);
        if (got != rows[i].want) {
            fprintf(stderr, "  start row %zu: %s, want %s\n", i, store_plan_action_name(got),
                    store_plan_action_name(rows[i].want));
            fails++;
        }
    }
    return fails;
}

static int test_resume(void)
{
    int fails = 0;
    enum { OK = SWEEP_OK, LEFT = SWEEP_ERR_LEFT_OPEN, DAM = SWEEP_ERR_DAMAGED };
    static const struct {
        int open, reader, shard, numerics, writing, journal;
        store_plan_action want;
        int code;
    } rows[] = {
        /* opens for writing */
        {OK, OK, 1, 1, 0, 1, STORE_PLAN_CONTINUE, OK},
        {OK, OK, 1, 1, 0, 0, STORE_PLAN_CONTINUE, OK},
        {OK, OK, 1, 1, 1, 1, STORE_PLAN_REBUILD_FROM_STORE, OK}, /* its writer died */
        {OK, OK, 1, 1, 1, 0, STORE_PLAN_CONTINUE_WARN, OK},
        {OK, OK, 0, 1, 0, 1, STORE_PLAN_REFUSE, SWEEP_ERR_OTHER_SPEC}, /* another shard */
        {OK, OK, 1, 0, 0, 1, STORE_PLAN_REFUSE, SWEEP_ERR_NUMERICS},
        {OK, OK, 0, 0, 1, 1, STORE_PLAN_REFUSE, SWEEP_ERR_OTHER_SPEC},
        /* left open by a killed writer: read in SWMR mode */
        {LEFT, OK, 1, 1, 0, 1, STORE_PLAN_REBUILD_FROM_STORE, OK},
        {LEFT, OK, 1, 1, 0, 0, STORE_PLAN_REBUILD_FROM_STORE, OK},
        {LEFT, OK, 1, 0, 0, 1, STORE_PLAN_REFUSE, SWEEP_ERR_NUMERICS},
        {LEFT, DAM, 1, 1, 0, 1, STORE_PLAN_REBUILD_FROM_JOURNAL, OK},
        {LEFT, LEFT, 1, 1, 0, 1, STORE_PLAN_REBUILD_FROM_JOURNAL, OK},
        {LEFT, DAM, 1, 1, 0, 0, STORE_PLAN_REFUSE, DAM},
        {LEFT, SWEEP_ERR_BUSY, 1, 1, 0, 1, STORE_PLAN_REFUSE, SWEEP_ERR_BUSY},
        /* unreadable */
        {DAM, 0, 0, 0, 0, 1, STORE_PLAN_REBUILD_FROM_JOURNAL, OK},
        {DAM, 0, 0, 0, 0, 0, STORE_PLAN_REFUSE, DAM},
        /* not this run's: never touched */
        {SWEEP_ERR_BUSY, 0, 0, 0, 0, 1, STORE_PLAN_REFUSE, SWEEP_ERR_BUSY},
        {SWEEP_ERR_NOT_OURS, 0, 0, 0, 0, 1, STORE_PLAN_REFUSE, SWEEP_ERR_NOT_OURS},
        {SWEEP_ERR_NEWER, 0, 0, 0, 0, 1, STORE_PLAN_REFUSE, SWEEP_ERR_NEWER},
        {SWEEP_ERR_OTHER_SPEC, 0, 0, 0, 0, 1, STORE_PLAN_REFUSE, SWEEP_ERR_OTHER_SPEC},
        {SWEEP_ERR_IO, 0, 0, 0, 0, 1, STORE_PLAN_REFUSE, SWEEP_ERR_IO},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const store_plan_open o = {rows[i].open,   rows[i].reader,  rows[i].shard,
                                   rows[i].numerics, rows[i].writing, rows[i].journal};
        int code = 12345;
        const store_plan_action got = store_plan_resume(&o, &code);
        if (got != rows[i].want || code != rows[i].code) {
            fprintf(stderr, "  resume row %zu: %s (code %d), want %s (code %d)\n", i,
                    store_plan_action_name(got), code, store_plan_action_name(rows[i].want),
                    rows[i].code);
            fails++;
        }
    }
    CHECK(!strcmp(store_plan_action_name(STORE_PLAN_REFUSE), "refuse"));
    CHECK(!strcmp(store_plan_action_name((store_plan_action)99), "unknown"));
    return fails;
}

int main(void)
{
    int failed = 0, passed = 0;
    RUN_TEST(test_start, passed, failed);
    RUN_TEST(test_resume, passed, failed);
    return TEST_SUMMARY(passed, failed);
}
