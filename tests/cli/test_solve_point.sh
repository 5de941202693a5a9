#!/bin/bash
# `ufmsweep solve --spec SPEC --point K=V,...` recomputes one point of a sweep alone, through the
# sweep's own point path: its trained and predicted metrics, solve scalars and trace equal the
# store's values bit for bit (the spec's seed_base is 7, so a path that ignored it would differ);
# bad point names are refused naming the key and the axis's values.
set -u
BIN=${UFMSWEEP:?}
SPEC=${UFMSWEEP_SOURCE_DIR:?}/tests/specs/small.yaml
PY=${UFMSWEEP_PYTHON:-/usr/bin/python3}
. "$UFMSWEEP_SOURCE_DIR/tests/lib.sh"
rm -rf pointwork && mkdir pointwork && cd pointwork || exit 1
"$BIN" run "$SPEC" --store s.h5 >/dev/null 2>&1
[ $? -eq $EXIT_POINTS_FAILED ] || bad "sweep"
for pt in 'rho=0.5,R=4,loss=ce,gamma=-0.5,lr=0.2' 'rho=0.25,R=4.0,loss=cdt,gamma=0.5,lr=0.2' \
          'rho=0.5,R=1,loss=ldt,gamma=0.5,lr=1e300' 'lr=0.2,gamma=-0.5,loss=ldt,R=4,rho=0.25'; do
  "$BIN" solve --spec "$SPEC" --point "$pt" --json --trace-csv t.csv >p.json 2>p.err
  rc=$?
  "$PY" - "$pt" <<'PY' && ok "solve --point '$pt' equals the store bit for bit" || bad "solve --point '$pt': rc=$rc $(cat p.err)"
import csv, json, math, sys
import h5py, numpy as np
j = json.load(open("p.json"))
f = h5py.File("s.h5", "r")
axes = ["rho", "R", "loss", "gamma", "lr"]
want = dict(kv.split("=") for kv in sys.argv[1].split(","))
idx = []
for a in axes:
    c = f["coords/" + a][()]
    vals = [v.decode() for v in c] if c.dtype.kind in "OS" else list(c)
    idx.append(vals.index(want[a]) if isinstance(vals[0], str) else vals.index(float(want[a])))
idx = tuple(idx)
assert j["point"] == int(np.ravel_multi_index(idx, f["status/state"].shape)), j["point"]
def same(a, b):  # JSON has no NaN or Inf: null stands for both
    return (a is None and not math.isfinite(b)) or (a is not None and a == b)
n = 0
for name in f["theory"]:
    if name in axes or f["theory/" + name].ndim != 5 or name == "theory_source":
        continue
    assert same(j["theory"][name], f["theory/" + name][idx]), (name, j["theory"][name])
    assert same(j[name], f["results/" + name][idx]), (name, j[name], f["results/" + name][idx])
    n += 1
for name in ("train_loss", "objective", "grad_norm", "iters_run"):
    assert same(j[name], f["results/" + name][idx]), name
assert n >= 17, n
assert j["state"] == {1: "done", 2: "failed", 3: "not_converged"}[int(f["status/state"][idx])]
rows = list(csv.DictReader(open("t.csv")))
for field in ("iter", "train_loss", "w_norm_ratio", "dist_gw"):
    got = np.array([float(r[field]) for r in rows])
    ref = f["traces/" + field][idx]
    assert got.shape == ref.shape and all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(got, ref)), field
    assert j["trace"][field] == [None if not math.isfinite(v) else v for v in ref], field
PY
done
expect() { # NAME WANT_SUBSTRING ARGS...: exit 1 with the message
  local name=$1 want=$2
  shift 2
  local err
  err=$("$BIN" solve "$@" 2>&1)
  [ $? -eq 1 ] && [[ "$err" == *"$want"* ]] && ok "$name" || bad "$name: $err"
}
expect "a key that is no axis" "'iters' is not an axis" --spec "$SPEC" --point 'rho=0.5,R=4,loss=ce,gamma=-0.5,lr=0.2,iters=3'
expect "a value off its axis" "R = '3' is not on the axis (1, 4)" --spec "$SPEC" --point 'rho=0.5,R=3'
expect "a missing axis" "give gamma (one of -0.5, 0.5)" --spec "$SPEC" --point 'rho=0.5,R=4,loss=ce,lr=0.2'
expect "an axis twice" "R is given twice" --spec "$SPEC" --point 'R=4,R=1'
expect "not KEY=VALUE" "'R' is not KEY=VALUE" --spec "$SPEC" --point 'R'
expect "other options beside --spec" "only --point, --json and --trace-csv" --spec "$SPEC" --point 'R=4' --k 5
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
