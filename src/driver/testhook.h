/* testhook.h - the test hook of the commands that write one output (export, compact, merge):
 * with UFMSWEEP_TEST_HOLD=NAME:FILE in the environment, the command holds at the point named
 * NAME until FILE exists, so that a test signals it at a known state instead of after a sleep
 * (`run` has its own, in sweep.c). Read by the driver only; no effect without the variable. */
#ifndef UFMSWEEP_TESTHOOK_H
#define UFMSWEEP_TESTHOOK_H

/* test_hook_hold - at point `name`: when the hook names it, create FILE.held (O_EXCL) and wait,
 * polling every 10 ms, until FILE exists. */
void test_hook_hold(const char *name);

#endif /* UFMSWEEP_TESTHOOK_H */
