#!/bin/bash
# bench/bench_sweep.sh [BUILD_DIR] - the sweep benchmarks of docs/PERFORMANCE.md:
#  1. a 10^6-point theory-only sweep on 2 ranks, store included (target: under 60 s);
#  2. parallel efficiency for ~10 ms points at 1, 2 and 4 ranks (4 oversubscribed on 2 cores,
#     for overhead only): efficiency = (sum of point times / computing ranks) / wall, also without
#     the fixed cost of a run (MPI launch, spec, store creation: the wall time of a 1-point run),
#     and the scheduling + store overhead per point. Rank 0 computes when it is alone or beside
#     one worker, so 1 and 2 ranks have 1 and 2 computing ranks, 4 ranks have 3.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
BIN="$BUILD/ufmsweep"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"

cat >million.yaml <<'SPEC'
name: a million theory points
fixed: {k: 10, n_min: 1, solver: none}
grid:
  R: {logspace: [0, 2, 100]}
  rho: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
  loss: [ce, cdt, ldt, wce, la]
  gamma: {linspace: [-1.5, 1.5, 223]}
SPEC
t0=$(date +%s.%N)
mpirun -n 2 "$BIN" run million.yaml --store m.h5 --progress 1000 2>/dev/null
t1=$(date +%s.%N)
echo "theory sweep: 1003500 points on 2 ranks, store included: $(echo "$t1 - $t0" | bc) s; store $(du -h m.h5 | cut -f1), journal $(du -h m.h5.journal | cut -f1)"

cat >tenms.yaml <<'SPEC'
name: ten-millisecond points
fixed: {k: 4, n_min: 2, d: 4, R: 2, opt: ngd, lr: 0.2, iters: 9000}
grid:
  gamma: {linspace: [-1, 1, 300]}
  loss: [ce, cdt, ldt]
SPEC
cat >one.yaml <<'SPEC'
name: one point (fixed cost of a run)
fixed: {k: 4, n_min: 2, d: 4, R: 2, opt: ngd, lr: 0.2, iters: 1}
grid:
  gamma: [0]
SPEC
for n in 1 2 4; do
  rm -f p$n.h5* o$n.h5*
  t0=$(date +%s.%N)
  mpirun -n $n "$BIN" run one.yaml --store o$n.h5 --progress 1000 2>/dev/null
  t1=$(date +%s.%N)
  fixed=$(echo "$t1 - $t0" | bc)
  t0=$(date +%s.%N)
  mpirun -n $n "$BIN" run tenms.yaml --store p$n.h5 --progress 1000 2>/dev/null
  t1=$(date +%s.%N)
  /usr/bin/python3 - "$n" "$(echo "$t1 - $t0" | bc)" p$n.h5 "$fixed" <<'PY'
import sys, h5py, numpy as np
n, wall, path, fixed = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], float(sys.argv[4])
with h5py.File(path, "r") as f:
    w = f["status/wall_s"][()].ravel()
    runs = f["provenance/runs"][()]
compute = w.sum()
computing = 1 if n == 1 else (n if n == 2 else n - 1)   # rank 0 computes alone, or beside 1 worker
ideal = compute / computing
print("ranks=%d points=%d mean_point_ms=%.2f wall_s=%.2f fixed_start_stop_s=%.2f ideal_s=%.2f "
      "efficiency=%.0f%% (without the fixed cost: %.0f%%) overhead_per_point_ms=%.3f"
      % (n, w.size, 1e3 * w.mean(), wall, fixed, ideal, 100 * ideal / wall,
         100 * ideal / (wall - fixed), 1e3 * (wall - fixed - ideal) / w.size))
PY
done
