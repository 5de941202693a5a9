/* The command template of solver external (src/point/command.c): split once without a shell,
 * placeholders substituted inside arguments (a value with blanks or shell syntax stays one
 * argument), quotes and escapes, numbers in their shortest form, and what is refused. */
#include "check.h"
#include "command.h"
#include "params.h"

#include <stdlib.h>
#include <string.h>

static int argv_is(char **argv, int argc, const char *const *want, int n)
{
    if (argc != n)
        return 0;
    for (int i = 0; i < n; i++)
        if (strcmp(argv[i], want[i]) != 0)
            return 0;
    return argv[n] == NULL;
}

static int test_substitution(void)
{
    int fails = 0, argc = 0;
    char **argv = NULL;
    point_params pp;
    params_default(&pp);
    CHECK_OK(params_set(&pp, params_find("loss", ~0u), "cdt", NULL));
    CHECK_OK(params_set(&pp, params_find("gamma", ~0u), "0.1", NULL));
    CHECK_OK(params_set(&pp, params_find("R", ~0u), "10", NULL));
    CHECK_OK(params_set(&pp, params_find("n-min", ~0u), "1e1", NULL));
    CHECK_OK(params_set(&pp, params_find("seed", ~0u), "7", NULL));
    CHECK_OK(params_set(&pp, params_find("counts", ~0u), "100,50,20", NULL));
    const char *tmpl = "python3 'my train.py' --loss {loss} --gamma={gamma} --R {R} --n {n_min} "
                       "--counts {counts} --seed {seed} -p {point} --out \"{out}\" {{literal}} a\\ b";
    CHECK(point_command_argv(tmpl, &pp, 42, "/d/x; rm -rf ~/net.h5", &argv, &argc, NULL) == SWEEP_OK);
    static const char *const want[] = {"python3", "my train.py", "--loss", "cdt", "--gamma=0.1",
                                       "--R", "10", "--n", "10", "--counts", "100,50,20",
                                       "--seed", "7", "-p", "42", "--out",
                                       "/d/x; rm -rf ~/net.h5", "{literal}", "a b"};
    CHECK(argv != NULL && argv_is(argv, argc, want, (int)(sizeof want / sizeof want[0])));
    point_command_argv_free(&argv);
    CHECK(argv == NULL);
    return fails;
}

static int test_refused(void)
{
    int fails = 0;
    sweep_errbuf eb;
    CHECK(point_command_check("train.py --out {out}", NULL) == SWEEP_OK);
    sweep_errbuf_clear(&eb);
    CHECK(point_command_check("train.py --out out.h5", &eb) == SWEEP_ERR_ARG);
    CHECK(strstr(eb.msg, "no {out}") != NULL);
    sweep_errbuf_clear(&eb);
    CHECK(point_command_check("train.py {gama} {out}", &eb) == SWEEP_ERR_ARG);
    CHECK(strstr(eb.msg, "unknown placeholder {gama}") != NULL);
    sweep_errbuf_clear(&eb);
    CHECK(point_command_check("train.py '{out}", &eb) == SWEEP_ERR_ARG);
    CHECK(strstr(eb.msg, "unclosed") != NULL);
    sweep_errbuf_clear(&eb);
    CHECK(point_command_check("train.py {out} }", &eb) == SWEEP_ERR_ARG);
    sweep_errbuf_clear(&eb);
    CHECK(point_command_check("   ", &eb) == SWEEP_ERR_ARG);
    CHECK(strstr(eb.msg, "empty") != NULL);
    sweep_errbuf_clear(&eb);
    CHECK(point_command_check("x {command} {out}", &eb) == SWEEP_ERR_ARG);
    return fails;
}

int main(void)
{
    int failed = 0, passed = 0;
    RUN_TEST(test_substitution, passed, failed);
    RUN_TEST(test_refused, passed, failed);
    return TEST_SUMMARY(passed, failed);
}
