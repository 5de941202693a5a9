#!/bin/bash
# published-experiment.sh [BUILD_DIR] - the experiment of Behnia et al. (AISTATS 2023), as in
# the authors' code: k = 10, R = 10, rho = 1/2, n_min = 5, d = 20, full-batch SGD with momentum
# 0.9, lr 0.1, weight decay 5e-4, 6000 iterations, lr x0.1 at 2000 and 4000; CE once, CDT and LDT
# over gamma in linspace(-1.5, 1.5, 13). Prints numerics next to the predicted geometry and
# writes every solve (JSON, one per line) to results/published-experiment.jsonl.
# docs/SOLVERS.md explains what the table shows.
set -euo pipefail
BUILD=${1:-build}
BIN="$BUILD/ufmsweep"
OUT=results/published-experiment.jsonl
mkdir -p results
: >"$OUT.tmp"
COMMON=(--k 10 --R 10 --rho 0.5 --n-min 5 --d 20 --opt sgdm --lr 0.1 --momentum 0.9 --wd 5e-4
        --iters 6000 --milestones 2000,4000 --lr-decay 0.1 --seed 0)
export OPENBLAS_NUM_THREADS=1
run() { # loss gamma
  local sol th
  sol=$("$BIN" solve "${COMMON[@]}" --loss "$1" --gamma "$2" --json)
  th=$("$BIN" theory --k 10 --R 10 --rho 0.5 --n-min 5 --d 20 --loss "$1" --gamma "$2" --json)
  echo "$sol" >>"$OUT.tmp"
  /usr/bin/python3 - "$sol" "$th" <<'PY'
import json, sys
s, t = json.loads(sys.argv[1]), json.loads(sys.argv[2])
f = lambda v: "%8s" % "-" if v is None else "%8.4f" % v
print("%-4s %6.2f  %s %s   %s %s   %s %s   %s %s   %8.1e %s" % (
    s["loss_name"], s["gamma"], f(s["w_norm_ratio"]), f(t["w_norm_ratio"]),
    f(s["h_norm_ratio"]), f(t["h_norm_ratio"]), f(s["w_cos_majmaj"]), f(t["w_cos_majmaj"]),
    f(s["h_cos_majmin"]), f(t["h_cos_majmin"]), s["loss"], f(s["dist_gw"])))
PY
}
echo "                 w_norm_ratio          h_norm_ratio          w_cos_majmaj          h_cos_majmin"
echo "loss  gamma    GD     theory         GD     theory         GD     theory         GD     theory      loss  dist_gw"
run ce 0
for loss in cdt ldt; do
  for g in $(/usr/bin/python3 -c 'import numpy; print(" ".join("%g" % v for v in numpy.linspace(-1.5, 1.5, 13)))'); do
    run "$loss" "$g"
  done
done
mv "$OUT.tmp" "$OUT"
echo "all solves: $OUT"
