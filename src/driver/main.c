/* ufmsweep - entry point: dispatch to one command. Commands that need MPI initialize it
 * themselves; `theory` runs without MPI. */
#include "blasinfo.h"
#include "commands.h"
#include "versions.h"

#include <stdio.h>
#include <string.h>

static void print_usage(FILE *f)
{
    fprintf(f,
            "usage: ufmsweep COMMAND [options]\n"
            "\n"
            "Map the geometry that cross-entropy-style losses give classifiers and embeddings\n"
            "under label imbalance (unconstrained-features model).\n"
            "\n"
            "Commands:\n"
            "  theory     predicted (closed-form) geometry and metrics of one problem\n"
            "  solve      one gradient-descent solve of the UFM, its metrics and trace\n"
            "  run        a sweep: every point of a spec's grid into one HDF5 store (MPI)\n"
            "  status     progress, failures and rate of a store\n"
            "  merge      join the shard stores of a job array into one store\n"
            "  verify     re-read a store: checksums, schema, hashes, status, journal\n"
            "  export     a store as a CSV table or a netCDF-4 file\n"
            "  compact    rewrite a finished store without journal (and traces) for keeping\n"
            "  measure    the metrics of a trained network (W, H, labels in HDF5) against the\n"
            "             prediction for its class counts and loss\n"
            "\n"
            "  ufmsweep COMMAND --help   options of a command, with defaults\n"
            "  ufmsweep --version        program and library versions\n"
            "\n"
            "Exit status: 0 done; 1 bad input or an I/O error (the message says what and where);\n"
            "3 run stopped on a signal, everything finished saved (continue with --resume);\n"
            "4 run ended with failed points (ufmsweep status STORE --failed lists them).\n"
            "Every command runs BLAS on one thread, so results never depend on the shell.\n"
            "\n"
            "Examples:\n"
            "  ufmsweep theory --k 10 --R 10 --rho 0.5 --json\n"
            "  mpirun -n 4 ufmsweep run specs/demo.yaml\n"
            "  ufmsweep status results/demo.h5\n");
}

static void print_version(void)
{
    versions v;
    versions_get(&v);
    printf("ufmsweep %s\n", v.program);
    printf("  source: %s\n", v.source_commit);
    printf("  MPI:  %s\n", v.mpi);
    printf("  HDF5: %s\n", v.hdf5);
    printf("  BLAS: %s\n", v.blas);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return UFMSWEEP_EXIT_FAIL;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        print_usage(stdout);
        return UFMSWEEP_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        print_version();
        return UFMSWEEP_EXIT_OK;
    }
    /* One BLAS thread in every command, whatever the environment says: threaded LAPACK
     * reductions (the k x k eigensolves of the closed forms) round differently with each thread
     * count, and `theory`, `solve --spec --point` and a store must agree bit for bit. Parallelism
     * comes from ranks (run, --ranks-per-solve). */
    blas_pin_one_thread();
    if (strcmp(cmd, "theory") == 0)
        return cmd_theory_main(argc - 1, argv + 1);
    if (strcmp(cmd, "solve") == 0)
        return cmd_solve_main(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return cmd_run_main(argc - 1, argv + 1);
    if (strcmp(cmd, "status") == 0)
        return cmd_status_main(argc - 1, argv + 1);
    if (strcmp(cmd, "merge") == 0)
        return cmd_merge_main(argc - 1, argv + 1);
    if (strcmp(cmd, "verify") == 0)
        return cmd_verify_main(argc - 1, argv + 1);
    if (strcmp(cmd, "export") == 0)
        return cmd_export_main(argc - 1, argv + 1);
    if (strcmp(cmd, "compact") == 0)
        return cmd_compact_main(argc - 1, argv + 1);
    if (strcmp(cmd, "measure") == 0)
        return cmd_measure_main(argc - 1, argv + 1);
    fprintf(stderr, "ufmsweep: unknown command '%s' (see ufmsweep --help)\n", cmd);
    return UFMSWEEP_EXIT_FAIL;
}
