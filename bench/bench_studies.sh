#!/bin/bash
# bench/bench_studies.sh [BUILD_DIR] - studies of any shape and size (docs/PERFORMANCE.md):
#  1. throughput on tiny (theory-only) points: 200 000 points on 1, 2 and 4 ranks (4
#     oversubscribed on 2 cores: the root then serves 3 workers), wall time and the sweep's own
#     rate (its last progress line), each the median of 3 interleaved rounds, next to the limit
#     measured in the same run: every point computed in one process with no scheduling, journal
#     or store (bench_points). --no-reuse, so that every point is computed.
#  2. a 20 000-pair zip: peak RSS of the run, store size, CSV and netCDF export times;
#  3. a 10^6-point Sobol design on 2 ranks: time, peak RSS, store and journal sizes.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
BIN="$BUILD/ufmsweep"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

cat >tiny.yaml <<'SPEC'
name: 200 000 theory points
fixed: {k: 10, n_min: 1, solver: none}
grid:
  R: {logspace: [0, 2, 100]}
  loss: [ce, cdt, ldt, wce, la]
  gamma: {linspace: [-1.5, 1.5, 400]}
SPEC
for round in 1 2 3; do
  "$BUILD/bench/bench_points" tiny.yaml | sed 's/.* in \([0-9.]*\) s: \([0-9.e+]*\) points.*/\1 \2/' >>limit.txt
  for n in 1 2 4; do
    rm -f t.h5 t.h5.journal
    t0=$(date +%s.%N)
    mpirun -n $n "$BIN" run tiny.yaml --store t.h5 --no-reuse --progress 1000 2>run.err >/dev/null
    t1=$(date +%s.%N)
    rate=$(grep -o '[0-9.e+]* points/s' run.err | tail -1 | cut -d' ' -f1)
    echo "$(echo "$t1 - $t0" | bc) $rate" >>ranks$n.txt
  done
done
lt=$(cut -d' ' -f1 limit.txt | median); lr=$(cut -d' ' -f2 limit.txt | median)
echo "limit (one process, no scheduling, no store): $lt s, $lr points/s"
for n in 1 2 4; do
  echo "$n rank(s): wall $(cut -d' ' -f1 ranks$n.txt | median) s, sweep rate $(cut -d' ' -f2 ranks$n.txt | median) points/s"
done
r1=$(cut -d' ' -f1 ranks1.txt | median); r2=$(cut -d' ' -f1 ranks2.txt | median)
echo "2-rank / 1-rank wall: $(echo "scale=3; $r2 / $r1" | bc)"
echo "journal of the finished run: $(stat -c %s t.h5.journal) bytes; store $(du -h t.h5 | cut -f1)"

/usr/bin/python3 -c "
print('name: zip20k\nfixed: {k: 4, solver: none, n_min: 2}\ngrid:\n  zip: {R: {linspace: [1, 1000, 20000]}, gamma: {linspace: [-1, 1, 20000]}}\n  loss: [cdt]')" >zip.yaml
/usr/bin/time -f "%M" -o zip.rss mpirun -n 2 "$BIN" run zip.yaml --store z.h5 --progress 1000 2>/dev/null >/dev/null
t0=$(date +%s.%N); "$BIN" export z.h5 --format csv -o z.csv 2>/dev/null; t1=$(date +%s.%N)
"$BIN" export z.h5 --format netcdf -o z.nc 2>/dev/null; t2=$(date +%s.%N)
echo "20 000-pair zip: peak RSS $(( $(cat zip.rss) / 1024 )) MB (mpirun's largest process), store $(du -h z.h5 | cut -f1), journal $(stat -c %s z.h5.journal) bytes, CSV export $(echo "$t1 - $t0" | bc) s, netCDF $(echo "$t2 - $t1" | bc) s"

cat >sobol.yaml <<'SPEC'
name: a million-point Sobol design
fixed: {k: 4, solver: none}
grid:
  loss: [cdt]
  sample: {method: sobol, n: 1000000, seed: 1, ranges: {gamma: [-1.5, 1.5], R: {log: [1, 1000]}, n_min: {int: [1, 20]}}}
SPEC
t0=$(date +%s.%N)
/usr/bin/time -f "%M" -o sobol.rss mpirun -n 2 "$BIN" run sobol.yaml --store s.h5 --progress 1000 2>/dev/null >/dev/null
t1=$(date +%s.%N)
echo "10^6-point Sobol design, 2 ranks: $(echo "$t1 - $t0" | bc) s, peak RSS $(( $(cat sobol.rss) / 1024 )) MB, store $(du -h s.h5 | cut -f1) ($(( $(stat -c %s s.h5) / 1000000 )) bytes a point), journal $(stat -c %s s.h5.journal) bytes"
