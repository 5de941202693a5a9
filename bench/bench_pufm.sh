#!/bin/bash
# bench/bench_pufm.sh [BUILD_DIR] [ITERS] - strong scaling of one grouped UFM solve,
# (k, d, n) = (100, 512, 50050) (STEP R = 10, rho = 1/2, n_min = 91), sgdm: the serial solver on
# one rank, and --ranks-per-solve 1 (grid 1x1) and 2 (grid 1x2), one BLAS thread per rank. Prints
# seconds per iteration and the peak resident memory per rank. Not a test.
set -euo pipefail
BUILD=${1:-build}
ITERS=${2:-5}
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
# seconds per iteration = slope between runs of I1 and I2 iterations (excludes the set-up: the
# initialization draws and the final metrics)
I1=2
I2=$((2 + ${ITERS}))
A="--k 100 --d 512 --R 10 --rho 0.5 --n-min 91 --opt sgdm --lr 0.1 --wd 5e-4 --json"
wall() { /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["wall_s"])'; }
slope() { /usr/bin/python3 -c "print('%.4f' % (($2 - $1) / ($I2 - $I1)))"; }
a=$("$BUILD/ufmsweep" solve $A --iters $I1 | wall)
b=$(/usr/bin/time -f "%M" -o mem1 "$BUILD/ufmsweep" solve $A --iters $I2 | wall)
t1=$(slope "$a" "$b")
echo "serial solver, 1 rank: ${t1} s/iteration, peak RSS $(($(cat mem1) / 1024)) MB"
a=$(mpirun -n 1 "$BUILD/ufmsweep" solve $A --iters $I1 --ranks-per-solve 1 | wall)
b=$(/usr/bin/time -f "%M" -o memg1 mpirun -n 1 "$BUILD/ufmsweep" solve $A --iters $I2 --ranks-per-solve 1 | wall)
tg1=$(slope "$a" "$b")
echo "grouped, 1 rank (1x1): ${tg1} s/iteration, peak RSS $(($(cat memg1) / 1024)) MB (mpirun included)"
a=$(mpirun -n 2 "$BUILD/ufmsweep" solve $A --iters $I1 --ranks-per-solve 2 | wall)
b=$(mpirun -n 2 bash -c '/usr/bin/time -f "%M" -o memg2.$OMPI_COMM_WORLD_RANK "$0" solve $1 --iters $2 --ranks-per-solve 2' "$BUILD/ufmsweep" "$A" "$I2" | wall)
tg2=$(slope "$a" "$b")
echo "grouped, 2 ranks (1x2): ${tg2} s/iteration, peak RSS per rank $(($(cat memg2.0) / 1024)) / $(($(cat memg2.1) / 1024)) MB"
/usr/bin/python3 -c "print('speedup at 2 ranks: %.2fx against the serial solver, %.2fx against the grouped solve on 1 rank' % ($t1 / $tg2, $tg1 / $tg2))"
rm -f mem1 memg1 memg2.*
