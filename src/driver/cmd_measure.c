/* `ufmsweep measure FILE.h5 [PROBLEM] [LOSS] [--json]`: the geometry of a trained network (its
 * classifier W, features H and labels, written by any training code in PyTorch's layout) next to
 * the prediction for its class counts and loss. Serial, no MPI. docs/DEEPNET.md. */
#include "cli.h"
#include "commands.h"
#include "ext.h"
#include "point.h"
#include "refsolve.h"
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void measure_help(FILE *f, const cli_arg *opts, size_t n_opts)
{
    fprintf(f,
            "usage: ufmsweep measure FILE.h5 [PROBLEM] [LOSS] [--json]\n"
            "\n"
            "The metrics of a trained classifier and its features (docs/THEORY.md, Metrics) and\n"
            "the predicted geometry for the class counts of its labels and the loss it was\n"
            "trained with (closed form, or the certified convex solve), with the distances\n"
            "between them. FILE.h5 holds, as PyTorch writes them (any float or integer types):\n"
            "  W       k x d   the last layer's weight (fc.weight)\n"
            "  H       n x d   the penultimate-layer features of the n training examples\n"
            "  labels  n       their classes, 0..k-1 (every class present)\n"
            "  b       k       optional: the last layer's bias (train_acc_bias)\n"
            "The class counts come from the labels. PROBLEM options (--profile step --R 10 --rho\n"
            "0.5 --n-min 5, or --counts) are checked against them: a STEP or LT profile then\n"
            "selects its closed forms. d is W's. LOSS options name the loss (default ce).\n"
            "\n"
            "Options:\n");
    cli_print_options(f, opts, n_opts);
    params_print_help(f, PARAM_GROUP_PROBLEM | PARAM_GROUP_LOSS);
    fprintf(f,
            "\n"
            "Exit status: 0 measured; 1 a bad file (the message names the dataset and the value),\n"
            "bad options, or counts that differ from the given profile.\n"
            "\n"
            "Examples:\n"
            "  ufmsweep measure run.h5 --loss cdt --gamma 0.5 --json\n"
            "  ufmsweep measure run.h5 --profile step --k 10 --rho 0.5 --R 10 --n-min 10\n");
}

/* 1 when argv names any PROBLEM option other than d (the profile is then the user's) */
static int gives_profile(int argc, char **argv)
{
    static const char *const names[] = {"--k", "--profile", "--R", "--rho", "--n-min", "--counts"};
    for (int i = 2; i < argc; i++)
        for (size_t j = 0; j < sizeof names / sizeof names[0]; j++) {
            const size_t l = strlen(names[j]);
            if (!strncmp(argv[i], names[j], l) && (argv[i][l] == '\0' || argv[i][l] == '='))
                return 1;
        }
    return 0;
}

/* the class counts of the network's labels as the problem's counts (not an option the user set) */
static int counts_from_labels(const point_network *net, point_params *pp, const char *path)
{
    sweep_errbuf eb;
    sweep_errbuf_clear(&eb);
    int64_t *count = calloc((size_t)net->k, sizeof *count);
    size_t cap = (size_t)net->k * 24 + 1, len = 0;
    char *text = malloc(cap);
    if (count == NULL || text == NULL) {
        free(count);
        free(text);
        fprintf(stderr, "ufmsweep measure: out of memory\n");
        return SWEEP_ERR_NOMEM;
    }
    for (int64_t i = 0; i < net->n; i++)
        count[net->labels[i]]++;
    text[0] = '\0';
    for (int c = 0; c < net->k; c++)
        len += (size_t)snprintf(text + len, cap - len, "%s%lld", c ? "," : "",
                                (long long)count[c]);
    const param_def *def = params_find("counts", PARAM_GROUP_PROBLEM);
    const int r = params_set(pp, def, text, &eb);
    pp->set_mask &= ~(UINT64_C(1) << (size_t)(def - params_table(&cap))); /* not the user's */
    free(count);
    free(text);
    if (r != SWEEP_OK)
        fprintf(stderr, "ufmsweep measure: %s: labels: %s\n", path, eb.msg);
    return r;
}

/* what the command reports (borrowed) */
typedef struct measure_view {
    const char *path;
    const point_network *net;
    const point_params *pp;
    const profile *prof;
    const loss_vectors *lv;
    const geom_problem *gp;
    const geom_prediction *pred;
    const geom_metrics *m, *th;
    int source;
    double acc_b, wall_s;
    const char *no_prediction; /* why there is none */
} measure_view;

static int measure_json(const measure_view *v)
{
    json_t *theory = json_object(), *obj = json_object();
    if (obj == NULL || theory == NULL || report_problem_json(obj, v->pp, v->prof, v->lv) != SWEEP_OK ||
        report_metrics_json(obj, v->m) != SWEEP_OK ||
        report_metrics_json(theory, v->th) != SWEEP_OK) {
        json_decref(theory);
        json_decref(obj);
        fprintf(stderr, "ufmsweep measure: out of memory building JSON\n");
        return 0;
    }
    json_object_set_new(obj, "file", json_string(v->path));
    json_object_set_new(obj, "n", json_integer(v->net->n));
    json_object_set_new(obj, "problem", json_string(geom_problem_kind_name(v->gp->kind)));
    json_object_set_new(obj, "theory_source", json_string(refsolve_theory_source_name(v->source)));
    json_object_set_new(obj, "theory", theory);
    json_object_set_new(obj, "train_acc_bias", report_json_real(v->acc_b));
    json_object_set_new(obj, "outcome", json_string("measured"));
    json_object_set_new(obj, "iters", json_null());
    json_object_set_new(obj, "wall_s", json_real(v->wall_s));
    const int ok = report_json_print(stdout, obj) == SWEEP_OK;
    json_decref(obj);
    if (!ok)
        fprintf(stderr, "ufmsweep measure: cannot write to stdout\n");
    return ok;
}

static void measure_text(const measure_view *v)
{
    printf("ufmsweep measure: %s: a network of k = %d classes, d = %d, n = %lld examples\n",
           v->path, v->net->k, v->net->d, (long long)v->net->n);
    report_problem_text(stdout, v->pp, v->prof, v->lv);
    printf("problem  %s (implicit bias of %s)\n\n", geom_problem_kind_name(v->gp->kind),
           loss_kind_name(v->lv->kind));
    printf("the network (distances to the prediction):\n");
    report_metrics_text(stdout, v->m);
    if (v->pred != NULL) {
        printf("\nthe prediction (%s):\n", refsolve_theory_source_name(v->source));
        report_metrics_text(stdout, v->th);
    } else {
        printf("\nno prediction: %s\n", v->no_prediction);
    }
    if (isfinite(v->acc_b))
        printf("\ntraining accuracy with the bias b: %.6g\n", v->acc_b);
}

int cmd_measure_main(int argc, char **argv)
{
    int exit_code = UFMSWEEP_EXIT_FAIL, json = 0, want_help = 0;
    point_params pp;
    point_network net;
    sweep_errbuf eb;
    profile *prof = NULL;
    loss_vectors *lv = NULL;
    geom_problem *gp = NULL;
    geom_prediction *pred = NULL;
    geom_metrics m, th;
    int source = REFSOLVE_THEORY_NONE;
    struct timespec t0, t1;
    const cli_arg opts[] = {
        {.name = "json",
         .kind = CLI_FLAG,
         .out = &json,
         .help = "print one JSON object on stdout instead of the tables"},
    };
    const size_t n_opts = sizeof opts / sizeof opts[0];

    clock_gettime(CLOCK_MONOTONIC, &t0);
    sweep_errbuf_clear(&eb);
    memset(&net, 0, sizeof net);
    params_default(&pp);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        measure_help(argc < 2 ? stderr : stdout, opts, n_opts);
        return argc < 2 ? UFMSWEEP_EXIT_FAIL : UFMSWEEP_EXIT_OK;
    }
    if (argv[1][0] == '-') {
        fprintf(stderr, "ufmsweep measure: the first argument is the network's file "
                        "(ufmsweep measure FILE.h5 [options]), not '%s'\n",
                argv[1]);
        return UFMSWEEP_EXIT_FAIL;
    }
    const char *path = argv[1];
    if (ext_network_read(path, &net, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep measure: %s\n", eb.msg);
        goto cleanup;
    }
    /* the counts of the labels, unless the command line gives a profile to check them with */
    if (!gives_profile(argc, argv) && counts_from_labels(&net, &pp, path) != SWEEP_OK)
        goto cleanup;
    pp.profile.d = net.d;
    if (cli_parse(argc, argv, 2, PARAM_GROUP_PROBLEM | PARAM_GROUP_LOSS, opts, n_opts, &pp,
                  &want_help, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep measure: %s\n", eb.msg);
        goto cleanup;
    }
    if (want_help) {
        measure_help(stdout, opts, n_opts);
        exit_code = UFMSWEEP_EXIT_OK;
        goto cleanup;
    }
    if (pp.profile.d != net.d) {
        fprintf(stderr, "ufmsweep measure: --d %d, but W in %s is %d x %d (d = %d)\n",
                pp.profile.d, path, net.k, net.d, net.d);
        goto cleanup;
    }
    if (params_build_problem(&pp, &prof, &lv, &gp, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep measure: %s\n", eb.msg);
        goto cleanup;
    }
    /* the prediction: the max-margin geometry of the loss's implicit bias (as /theory) */
    sweep_errbuf th_eb;
    sweep_errbuf_clear(&th_eb);
    gp->regularized = 0;
    int ret = refsolve_theory(gp, &pred, &source, NULL, &th_eb);
    if (ret != SWEEP_OK && ret != SWEEP_ERR_NO_CLOSED_FORM) {
        fprintf(stderr, "ufmsweep measure: the prediction: %s\n", th_eb.msg);
        goto cleanup;
    }
    geom_metrics_set_nan(&th);
    if (pred != NULL && geom_prediction_metrics(gp, pred, &th) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep measure: metrics of the prediction failed\n");
        goto cleanup;
    }
    double acc_b = NAN;
    sweep_errbuf_clear(&eb);
    if (point_measure(prof, gp, pred, &net, &m, &acc_b, &eb) != SWEEP_OK) {
        fprintf(stderr, "ufmsweep measure: %s: %s\n", path, eb.msg);
        goto cleanup;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const double wall_s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    const measure_view v = {path, &net, &pp, prof, lv, gp, pred, &m, &th, source, acc_b, wall_s,
                            th_eb.msg};
    if (!json)
        measure_text(&v);
    else if (!measure_json(&v))
        goto cleanup;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "ufmsweep measure: cannot write to stdout\n");
        goto cleanup;
    }
    exit_code = UFMSWEEP_EXIT_OK;
cleanup:
    point_network_clear(&net);
    geom_prediction_destroy(&pred);
    geom_problem_destroy(&gp);
    loss_vectors_destroy(&lv);
    profile_destroy(&prof);
    return exit_code;
}
