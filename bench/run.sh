#!/bin/bash
# bench/run.sh [BUILD_DIR] - the UFM step benchmarks of docs/PERFORMANCE.md: C solver vs the
# FLOP-bound limit (DGEMM rate measured in the same run) and vs plain numpy, one BLAS thread;
# then the exponential against SLEEF's where bench_vexp was built (libsleef-dev installed).
set -euo pipefail
BUILD=${1:-build}
export OPENBLAS_NUM_THREADS=1
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
for size in "10 20 5 10 20000" "10 64 100 9 400" "100 512 40 9 6"; do
  set -- $size
  "$BUILD/bench/bench_ufm" "$@"
  /usr/bin/python3 "$(dirname "$0")/numpy_ufm.py" "$@"
done
# the exponential against SLEEF's, where libsleef-dev was installed when the build was configured
if [ -x "$BUILD/bench/bench_vexp" ]; then
  "$BUILD/bench/bench_vexp"
fi
