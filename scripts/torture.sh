#!/bin/bash
# torture.sh [CYCLES] [BUILD_DIR] - crash/resume torture of `ufmsweep run` (docs/RELIABILITY.md):
# start a 600-point sweep on 2 ranks, SIGKILL the whole run at a random moment (0.3-2.3 s:
# during computing, journal appends and store flushes alike), resume, repeat CYCLES times (default
# 20), then finish; the final store must equal an uninterrupted run and no point may have been
# recorded twice. Prints one line per cycle and a verdict; exit 0 when it holds.
set -u
CYCLES=${1:-20}
BUILD=$(cd "${2:-build}" && pwd)
BIN="$BUILD/ufmsweep"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
# 600 points of about 0.1 s: long enough that every kill lands mid-sweep
SPEC=$W/torture.yaml
cat >"$SPEC" <<'YAML'
name: torture
fixed: {k: 6, n_min: 3, d: 8, opt: ngd, lr: 0.2, iters: 15000, trace_points: 8}
grid:
  R: [1, 2, 4, 8]
  loss: [ce, cdt, ldt]
  gamma: {linspace: [-1, 1, 50]}
YAML
"$BIN" run "$SPEC" --store ref.h5 >/dev/null 2>&1 || { echo "reference run failed"; exit 1; }
flag=
for c in $(seq "$CYCLES"); do
  mpirun -n 2 "$BIN" run "$SPEC" --store t.h5 $flag --progress 1000 >/dev/null 2>&1 &
  pid=$!
  delay=$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.3 + (r % 200) / 100 }')
  sleep "$delay"
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  pkill -9 -f "run $SPEC --store t.h5" 2>/dev/null
  sleep 0.2
  done=$("$BIN" status t.h5 --json 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["done"])' 2>/dev/null || echo "?")
  echo "cycle $c: killed after $delay s; done before the next resume: $done"
  flag=--resume
done
mpirun -n 2 "$BIN" run "$SPEC" --store t.h5 --resume >/dev/null 2>&1 || { echo "final resume failed"; exit 1; }
ok=1
for g in results theory traces; do h5diff -q ref.h5 t.h5 /$g /$g >/dev/null 2>&1 || ok=0; done
/usr/bin/python3 -c '
import h5py, sys
f = h5py.File("t.h5", "r")
sys.exit(0 if (f["status/attempts"][()] == 1).all() and (f["status/state"][()] == 1).all() else 1)' || ok=0
"$BIN" verify t.h5 >/dev/null || ok=0
if [ $ok -eq 1 ]; then echo "torture: $CYCLES kills, final store equals an uninterrupted run, every point once, verify OK"; exit 0; fi
echo "torture: FAILED"
exit 1
