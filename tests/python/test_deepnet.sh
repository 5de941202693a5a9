#!/bin/bash
# The real-network example, for real: examples/deepnet/train_mlp.py trains an MLP on an
# imbalanced subsample of the digits data (PyTorch, scikit-learn) to zero training error and
# writes it in measure's format; `ufmsweep measure` reads it; and specs/deepnet-digits.yaml,
# narrowed by overrides to one network and its UFM twin, runs through solver external into a
# store that report.py draws. About ten seconds on one core.
set -u
BIN=${UFMSWEEP:?}
SRC=${UFMSWEEP_SOURCE_DIR:?}
PY=${UFMSWEEP_PYTHON:-/usr/bin/python3}
. "$SRC/tests/lib.sh"
rm -rf work && mkdir work && cd work || exit 1
pass=0
fail=0
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MPLBACKEND=Agg

# 1. one network, then measure
if "$PY" "$SRC/examples/deepnet/train_mlp.py" --loss ldt --gamma 0.5 --R 5 --n-min 10 --seed 1 \
     --extra-epochs 500 --bias --out net.h5 >train.out 2>&1; then
  ok "train_mlp.py reached zero training error: $(tail -1 train.out | cut -c1-90)"
else
  bad "train_mlp.py: $(tail -3 train.out)"
fi
"$BIN" measure net.h5 --loss ldt --gamma 0.5 --profile step --k 10 --rho 0.5 --R 5 --n-min 10 \
  --json >m.json 2>m.err || bad "measure: $(cat m.err)"
"$PY" - <<'PY' && ok "measure reads the network: its counts, a finite geometry, zero training error with b" || bad "measure content: $(head -c 400 m.json)"
import json, math
m = json.load(open("m.json"))
assert m["k"] == 10 and m["d"] == 32 and m["n"] == 5 * 50 + 5 * 10, (m["k"], m["d"], m["n"])
assert m["counts"] == [50.0] * 5 + [10.0] * 5
assert m["problem"] == "margin-cs-svm" and m["theory_source"] == "closed_form", m["problem"]
for k in ("w_norm_ratio", "h_norm_ratio", "dist_gw", "dist_gh", "nc1"):
    assert m[k] is not None and math.isfinite(m[k]), k
assert m["train_acc_bias"] == 1.0, m["train_acc_bias"]   # LDT's logits order as W h + b
assert 0 <= m["dist_gw"] <= 2 and m["theory"]["dist_gw"] < 1e-12
PY
out=$("$BIN" measure net.h5 --loss ldt --gamma 0.5 --profile step --k 10 --rho 0.5 --R 10 --n-min 10 2>&1); rc=$?
[ $rc -eq 1 ] && [[ "$out" == *"labels: class 0 has 50 examples, the point's profile 100"* ]] && ok "measure refuses counts that are not the network's" || bad "counts check: $out"

# 2. the spec, one network and its UFM twin, through solver external
cd "$SRC" || exit 1
store="$OLDPWD/deep.h5"
"$BIN" run specs/deepnet-digits.yaml --store "$store" 'grids=[{solver: [external, ufm], loss: [cdt], R: [5], gamma: [0.5]}]' \
  "fixed.command=/usr/bin/python3 examples/deepnet/train_mlp.py --loss {loss} --gamma {gamma} --R {R} --rho {rho} --n-min {n_min} --k {k} --d {d} --seed {seed} --extra-epochs 500 --out {out}" \
  >"$OLDPWD/run.out" 2>&1 || bad "deepnet spec run: $(tail -3 "$OLDPWD/run.out")"
cd "$OLDPWD" || exit 1
"$BIN" status deep.h5 --json >s.json
"$PY" - <<'PY' && ok "the spec's network and its UFM twin are in one store, next to one prediction" || bad "deepnet store: $(cat s.json | head -c 300)"
import h5py, json, numpy as np
s = json.load(open("s.json"))
assert s["done"] == 2 and s["failed"] == 0, s
f = h5py.File("deep.h5", "r")
sol = [x.decode() if isinstance(x, bytes) else x for x in f["coords/solver"][()]]
d = f["results/dist_gw"][()].reshape(len(sol), -1)
th = f["theory/w_norm_ratio"][()].reshape(len(sol), -1)
i, j = sol.index("external"), sol.index("ufm")
assert np.isfinite(d[i]).all() and np.isfinite(d[j]).all()
assert th[i][0] == th[j][0]                      # the same counts and loss: one prediction
assert d[j][0] < 0.05, d[j]                      # the UFM is near it after 20000 steps
import glob
assert len(glob.glob("deep.h5.external/points/p*/network.h5")) == 1
PY
"$PY" "$SRC/analysis/report.py" deep.h5 rep >rep.out 2>&1 && [ -s rep/index.html ] && ok "report.py on the deep-net store" || bad "report: $(tail -2 rep.out)"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
