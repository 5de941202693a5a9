#!/bin/bash
# bench/run_svm.sh [BUILD_DIR] - the certified max-margin solves of docs/PERFORMANCE.md: class level
# k = 10 .. 500 (automatic path, and the interior-point path alone where it is affordable, measured
# side by side) and example level (k, n) = (10, 275), (10, 5005). One BLAS thread.
set -euo pipefail
BUILD=${1:-build}
export OPENBLAS_NUM_THREADS=1
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
for k in 10 20 40; do
  "$BUILD/bench/bench_svm" class $k 11
  "$BUILD/bench/bench_svm" class $k 3 ipm
done
"$BUILD/bench/bench_svm" class 100 5
"$BUILD/bench/bench_svm" class 500 1
"$BUILD/bench/bench_svm" example 10 5 5
"$BUILD/bench/bench_svm" example 10 91 1
